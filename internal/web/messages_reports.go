package web

// reportMessages are the catalogue's texts of the audit log viewer, the invoice PDF and the billing lines.
var reportMessages = map[string]string{
	"nav.audit":           "Журнал аудита",
	"nav.lines":           "Начисления",
	"audit.title":         "Журнал аудита",
	"audit.action":        "Действие",
	"audit.object_type":   "Тип объекта",
	"audit.object_id":     "Идентификатор объекта",
	"audit.actor":         "Кто",
	"audit.time":          "Время (МСК)",
	"audit.object":        "Объект",
	"audit.detail":        "Подробности",
	"audit.empty":         "Записей нет.",
	"audit.older":         "Более ранние записи →",
	"audit.newest":        "← К последним записям",
	"inv.pdf":             "Счёт (PDF)",
	"inv.no_seller":       "Реквизиты продавца не настроены: счёт в PDF сейчас сформировать нельзя. Обратитесь к администратору.",
	"lines.title":         "Начисления",
	"lines.payer_unnamed": "Организация-плательщик",
	"lines.period":        "Период",
	"lines.empty":         "Начислений нет.",
	"lines.payer":         "Плательщик",
	"lines.date":          "Дата",
	"lines.service":       "Услуга",
	"lines.price":         "Сумма",
	"lines.invoiced":      "В счёте",
	"lines.subtotal":      "Итого по плательщику",
	"lines.total":         "Итого за период",
	"lines.yes":           "да",
}

func init() {
	for k, v := range reportMessages {
		messages[k] = v
	}
}
