package web

// importMessages are the catalogue's texts of the employee import from CSV or XLSX; they join messages at
// start-up.
var importMessages = map[string]string{
	"imp.title":          "Импорт сотрудников из CSV или XLSX",
	"imp.file":           "Файл CSV или XLSX",
	"imp.no_file":        "Выберите файл CSV или XLSX.",
	"imp.format_text":    "CSV — в кодировке UTF-8 (с BOM или без), разделитель «;» или «,». XLSX — читается первый лист. Первая строка — заголовок с такими столбцами (порядок любой):",
	"imp.format_notes":   "Организация ищется среди доступных вам по ИНН и КПП (для ИП КПП пустой). Даты — ГГГГ-ММ-ДД или ДД.ММ.ГГГГ, в XLSX можно и ячейками с датой. СНИЛС, ИНН, КПП, серия и номер паспорта в XLSX могут быть числами: недостающие ведущие нули восстанавливаются. Вид документа: passport_rf, foreign_passport, military_id, residence_permit. Размер файла — не больше 1 МБ, не больше 2000 строк.",
	"imp.xlsx_bad":       "Файл не читается как XLSX: он повреждён или это не книга Excel.",
	"imp.xlsx_no_sheets": "В файле XLSX нет ни одного листа.",
	"imp.xlsx_too_large": "Файл XLSX слишком большой или сложный в распакованном виде: оставьте в нём только лист с сотрудниками, без лишнего оформления.",
	"imp.xlsx_encrypted": "Файл защищён паролем: снимите пароль в Excel и загрузите файл снова.",
	"imp.xls_old":        "Старый формат Excel (XLS) не поддерживается: сохраните файл как XLSX или CSV.",
}

func init() {
	for k, v := range importMessages {
		messages[k] = v
	}
}
