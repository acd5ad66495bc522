package web

// metricsMessages are the catalogue's texts of the reissue metrics page, Russian and English.
var metricsMessages = map[string][2]string{
	"nav.metrics":             {"Показатели перевыпуска", "Reissue metrics"},
	"met.title":               {"Показатели перевыпуска", "Reissue metrics"},
	"met.scope":               {"Охват", "Scope"},
	"met.scope.all_accounts":  {"все клиенты", "all client accounts"},
	"met.scope.account":       {"вся учётная запись", "the whole account"},
	"met.scope.organizations": {"назначенные организации", "the assigned organizations"},
	"met.months":              {"Месяцев", "Months"},
	"met.csv":                 {"Скачать CSV", "Download CSV"},
	"met.partial":             {"(текущий)", "(current)"},
	"met.partial_text":        {"Месяцы — по московскому времени; текущий месяц считается по сегодняшний день.", "Months are Moscow calendar months; the current month counts up to today."},
	"met.share":               {"Перевыпущено до окончания срока", "Reissued before the end"},
	"met.share_text":          {"Из сертификатов, срок которых закончился в месяце, доля тех, для которых до окончания срока выпущен новый сертификат того же вида тому же владельцу в той же организации. Отозванные до окончания срока без перевыпуска не учитываются.", "Of the certificates that ended in the month, the share for which a new certificate of the same kind for the same holder in the same organization was issued before the end. Certificates revoked before their end without a reissue are left out."},
	"met.due":                 {"Закончился срок", "Ended"},
	"met.reissued":            {"Перевыпущено", "Reissued"},
	"met.share_col":           {"Доля", "Share"},
	"met.expired":             {"Истекли без перевыпуска", "Expired without reissue"},
	"met.expired_col":         {"Сертификатов", "Certificates"},
	"met.median":              {"Медиана дней от заявки до выдачи", "Median days from application to issue"},
	"met.axis_days":           {"дней", "days"},
	"met.issued":              {"Выдано по заявкам", "Issued from applications"},
	"met.median_col":          {"Медиана, дней", "Median, days"},
	"met.linked":              {"Сертификаты физлиц, привязанные к организации", "Individual certificates linked to an organization"},
	"met.linked_text":         {"На конец месяца: доля сертификатов физических лиц, привязанных к организации, среди действующих сертификатов сотрудников (физлиц и сотрудников с реквизитами организации).", "At the month's end: the share of individual certificates linked to an organization among the valid employee certificates (individual and with the organization's details)."},
	"met.target":              {"Ориентир", "Target"},
	"met.employee_certs":      {"Сертификатов сотрудников", "Employee certificates"},
	"met.linked_col":          {"Из них физлиц", "Of them individual"},
	"met.legacy":              {"Устаревшие сертификаты в обращении", "Legacy certificates in use"},
	"met.legacy_text":         {"На конец месяца: действующие сертификаты сотрудников с реквизитами организации, выданные до 01.09.2023, — с 01.09.2024 ими нельзя подписывать от имени организации. До этой даты — «—».", "At the month's end: valid employee certificates with the organization's details issued before 2023-09-01, which since 2024-09-01 cannot sign on behalf of the organization. Before that date: “—”."},
	"met.legacy_col":          {"Устаревших", "Legacy"},
	"met.reminders":           {"Медиана дней от первого напоминания до перевыпуска", "Median days from the first reminder to the reissue"},
	"met.reminders_none":      {"Появится вместе с напоминаниями об окончании срока.", "Available once the expiry reminders are."},
	"met.reach":               {"Охват рассылок", "Mailings' reach"},
	"met.reach_none":          {"Появится вместе с рассылками.", "Available once the mailings are."},
	"met.recipients":          {"Получателей", "Recipients"},
	"met.delivered":           {"Доставлено", "Delivered"},
	"met.opened":              {"Прочитано", "Opened"},
}

func init() {
	for k, v := range metricsMessages {
		messages[k] = v[0]
		messagesEN[k] = v[1]
	}
}
