package web

// regMessages are the Russian texts of the registrar's identity check, the expiring-certificates actions
// (the register's selection and the renewal wave) and the first screen by role; regMessagesEN are their
// English texts.
var regMessages = map[string]string{
	"idc.title":        "Документ для сверки",
	"idc.hint":         "Сверьте с оригиналом, который заявитель предъявляет лично. Просмотр записан в журнал аудита.",
	"idc.name":         "ФИО",
	"idc.birth":        "Дата рождения",
	"check.compare":    "сверить с:",
	"check.cert":       "сертификат",
	"check.issued":     "выдан",
	"check.code":       "код подразделения",
	"check.unticked":   "Не отмечено:",
	"err.not_ready":    "Заявление ещё не готово к одобрению.",
	"card.remote_hint": "Личность подтверждена удалённо действующим квалифицированным сертификатом: повторная проверка не нужна.",
}

var regMessagesEN = map[string]string{
	"idc.title":        "Document to compare",
	"idc.hint":         "Compare with the original the applicant presents in person. The view is recorded in the audit log.",
	"idc.name":         "Full name",
	"idc.birth":        "Date of birth",
	"check.compare":    "compare with:",
	"check.cert":       "certificate",
	"check.issued":     "issued",
	"check.code":       "office code",
	"check.unticked":   "Not ticked:",
	"err.not_ready":    "The application is not ready for approval yet.",
	"card.remote_hint": "The identity is confirmed remotely with the valid qualified certificate: no new check is needed.",
}

func init() {
	for k, v := range regMessages {
		messages[k] = v
	}
	for k, v := range regMessagesEN {
		messagesEN[k] = v
	}
}
