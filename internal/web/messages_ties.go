package web

// tieMessages are the texts of МЧД shown beside certificates and employees (issue 12, parts 7 and 9), in
// Russian and in English.
var tieMessages = map[string][2]string{
	"tie.title":            {"МЧД", "Power of attorney"},
	"tie.col":              {"МЧД", "Power of attorney"},
	"tie.signs_for":        {"подписывает за", "signs for"},
	"tie.until":            {"до", "until"},
	"tie.none":             {"нет МЧД", "no power of attorney"},
	"tie.revoked":          {"МЧД отозвана", "power of attorney revoked"},
	"tie.expired":          {"МЧД истекла", "power of attorney expired"},
	"tie.draft":            {"Оформить МЧД", "Draft a power of attorney"},
	"tie.draft_hint":       {"Полномочия подставлены из последней МЧД этой организации; их можно изменить.", "The powers are those of the organization's latest power of attorney; they can be changed."},
	"tie.dash_title":       {"МЧД", "Powers of attorney"},
	"tie.dash_ending":      {"Заканчиваются", "Ending"},
	"tie.dash_without":     {"Сертификаты физлиц без МЧД", "Individuals' certificates without one"},
	"tie.offer_title":      {"МЧД сотрудника", "The employee's powers of attorney"},
	"tie.offer_text":       {"Эти МЧД ещё действуют или готовятся. Отзовите их, чтобы сотрудник больше не мог подписывать за организацию.", "These powers of attorney are still in force or being prepared. Revoke them so that the employee can no longer sign for the organization."},
	"tie.number":           {"Номер", "Number"},
	"tie.state":            {"Состояние", "State"},
	"tie.reason":           {"Причина отзыва", "Reason for revocation"},
	"tie.reason_dismissal": {"Увольнение сотрудника", "The employee was dismissed"},
	"tie.reason_certs":     {"Сертификаты сотрудника отозваны", "The employee's certificates were revoked"},
	"tie.revoke_btn":       {"Отозвать МЧД", "Revoke the powers of attorney"},
	"tie.confirm_object":   {"Отзыв МЧД сотрудника", "Revoking the powers of attorney of"},
	"tie.confirm_count":    {"Количество МЧД", "Powers of attorney"},
	"tie.confirm_q":        {"Все перечисленные МЧД будут отозваны, зарегистрированные — в реестре ФНС. Отменить отзыв нельзя.", "Every power of attorney listed will be revoked, the registered ones in the FNS registry. This cannot be undone."},
	"tie.revoked_title":    {"Отзыв МЧД", "Revocation of powers of attorney"},
	"tie.revoked_all":      {"МЧД отозваны.", "The powers of attorney are revoked."},
	"tie.revoked_some":     {"Не все МЧД отозваны: причины в таблице.", "Not every power of attorney was revoked: see the table."},
	"tie.revoked_none":     {"Отзывать нечего.", "There was nothing to revoke."},
	"tie.problem":          {"Проблема", "Problem"},
	"tie.back_employee":    {"← К сотруднику", "← Back to the employee"},
	// The power-of-attorney service's audit actions (internal/attorney), so that the audit log names them.
	"auditact.power_of_attorney.draft":              {"Подготовлена МЧД", "Power of attorney drafted"},
	"auditact.power_of_attorney.list":               {"Просмотрен список МЧД", "Powers of attorney list viewed"},
	"auditact.power_of_attorney.read":               {"Просмотрена МЧД", "Power of attorney viewed"},
	"auditact.power_of_attorney.sign":               {"МЧД подписана руководителем", "Power of attorney signed by the head"},
	"auditact.power_of_attorney.register":           {"МЧД отправлена в реестр", "Power of attorney sent to the registry"},
	"auditact.power_of_attorney.registered":         {"МЧД зарегистрирована в реестре", "Power of attorney registered"},
	"auditact.power_of_attorney.reject":             {"Реестр отклонил МЧД", "Power of attorney rejected by the registry"},
	"auditact.power_of_attorney.revoke":             {"МЧД отозвана", "Power of attorney revoked"},
	"auditact.power_of_attorney.expire":             {"Срок МЧД истёк", "Power of attorney expired"},
	"auditact.power_of_attorney.revocation_offered": {"Предложен отзыв МЧД уволенного сотрудника", "Revocation of a dismissed employee's power of attorney offered"},
	"tie.state.draft":                               {"черновик", "draft"},
	"tie.state.awaiting_signature":                  {"ждёт подписи руководителя", "awaiting the head's signature"},
	"tie.state.signed":                              {"подписана", "signed"},
	"tie.state.registered":                          {"зарегистрирована", "registered"},
	"tie.state.rejected":                            {"отклонена реестром", "rejected by the registry"},
	"tie.state.revoked":                             {"отозвана", "revoked"},
	"tie.state.expired":                             {"истекла", "expired"},
}

func init() {
	for k, v := range tieMessages {
		messages[k], messagesEN[k] = v[0], v[1]
	}
}
