package web

// headMessages are the texts of the organization's head page and of dismissal, in Russian and English; they
// join the catalogues at start-up.
var headMessages = map[string][2]string{
	"head.title":          {"Руководитель организации", "Organization head"},
	"head.section":        {"Руководитель", "Head"},
	"head.back":           {"← К организациям", "← To the organizations"},
	"head.saved":          {"Руководитель сохранён.", "Head saved."},
	"head.since":          {"В должности с", "In office since"},
	"head.since_input":    {"В должности с (ДД.ММ.ГГГГ)", "In office since (YYYY-MM-DD)"},
	"head.certificate":    {"Сертификат руководителя", "Head's certificate"},
	"head.no_certificate": {"в реестре нет действующего сертификата руководителя", "no valid head certificate in the register"},
	"head.none":           {"Руководитель не указан.", "No head recorded."},
	"head.edit":           {"Изменить данные руководителя", "Change the head's data"},
	"head.add":            {"Указать руководителя", "Record the head"},
	"emp.dismissed":       {"уволен", "dismissed"},
	"dismiss.button":      {"Уволить", "Dismiss"},
	"dismiss.object":      {"Увольнение сотрудника", "Dismissal of"},
	"dismiss.date":        {"Дата увольнения", "Dismissal date"},
	"dismiss.reason":      {"Причина", "Reason"},
	"dismiss.hint": {"Увольнение нельзя отменить: после него новые заявки на сертификат для сотрудника не принимаются.",
		"A dismissal cannot be undone: afterwards no new certificate application is accepted for the employee."},
	"dismiss.question": {"Сотрудник будет уволен. Отменить увольнение нельзя: новые заявки на сертификат для него станут невозможны.",
		"The employee will be dismissed. This cannot be undone: no new certificate application will be possible for them."},
	"dismiss.done": {"Сотрудник уволен.", "Employee dismissed."},

	"rule.organization_id:kind": {"у филиала и ИП нет своего руководителя: за филиал действует руководитель головной организации, ИП действует сам",
		"a branch or a sole proprietor has no head of its own: the parent's head acts for a branch, a sole proprietor acts himself"},
	"rule.employee_id:dismissed": {"сотрудник уволен: новую заявку на него подать нельзя", "the employee was dismissed: no new application"},
	"rule.since:range":           {"дата не может быть позже сегодняшнего дня", "the date cannot be later than today"},
	"rule.since:format":          {"дата в формате ДД.ММ.ГГГГ", "a date as YYYY-MM-DD"},
	"rule.date:range":            {"дата увольнения не может быть позже сегодняшнего дня", "the dismissal date cannot be later than today"},
	"rule.date:format":           {"дата в формате ДД.ММ.ГГГГ", "a date as YYYY-MM-DD"},
}

func init() {
	for k, v := range headMessages {
		messages[k], messagesEN[k] = v[0], v[1]
	}
}
