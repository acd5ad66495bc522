package web

// webuiMessages are the catalogue's texts of the narrow-screen layout, the confirmations of irreversible
// actions and the Russian formats, in Russian; webuiMessagesEN has them in English.
var webuiMessages = map[string]string{
	"nav.menu":     "Меню",
	"list.filters": "Поиск и фильтры",

	"impcol.organization_inn": "ИНН организации",
	"impcol.organization_kpp": "КПП организации",

	"confirm.title":           "Подтвердите действие",
	"confirm.back":            "Отмена, вернуться",
	"confirm.reason_choose":   "— выберите причину —",
	"confirm.reason_missing":  "Причина отзыва не выбрана: сертификат не отозван.",
	"confirm.reason_required": "Выберите причину отзыва.",
	"confirm.cert":            "Сертификат №",
	"confirm.revoke_q":        "Сертификат будет отозван: подписи, сделанные им после отзыва, недействительны, а отзыв нельзя отменить — понадобится новый сертификат. Отозвать?",
	"confirm.app":             "Заявка на сертификат",
	"confirm.decline_q":       "Заявка будет отклонена: её путь остановится, вернуть её в работу нельзя — для сертификата понадобится новая заявка. Отклонить?",
	"confirm.cancel_q":        "Заявка будет отменена: её путь остановится, вернуть её в работу нельзя — для сертификата понадобится новая заявка. Отменить?",
	"confirm.key":             "API-ключ",
	"confirm.key_q":           "Ключ перестанет работать сразу: системы, которые им пользуются, потеряют доступ, а отзыв нельзя отменить — понадобится новый ключ. Отозвать?",

	"month.01": "январь", "month.02": "февраль", "month.03": "март", "month.04": "апрель", "month.05": "май",
	"month.06": "июнь", "month.07": "июль", "month.08": "август", "month.09": "сентябрь", "month.10": "октябрь",
	"month.11": "ноябрь", "month.12": "декабрь",

	"issuer.kcr-ca":            "Удостоверяющий центр КЦР",
	"issuer.fns-ca":            "УЦ ФНС России",
	"issuer.treasury-ca":       "УЦ Федерального казначейства",
	"issuer.cbr-ca":            "УЦ Банка России",
	"authority.kcr":            "Удостоверяющий центр КЦР",
	"authority.fns":            "УЦ ФНС России",
	"authority.treasury":       "УЦ Федерального казначейства",
	"authority.bank_of_russia": "УЦ Банка России",
}

var webuiMessagesEN = map[string]string{
	"nav.menu":     "Menu",
	"list.filters": "Search and filters",

	"impcol.organization_inn": "Organization INN",
	"impcol.organization_kpp": "Organization KPP",

	"confirm.title":           "Confirm the action",
	"confirm.back":            "Cancel, go back",
	"confirm.reason_choose":   "— choose a reason —",
	"confirm.reason_missing":  "No revocation reason chosen: the certificate is not revoked.",
	"confirm.reason_required": "Choose the revocation reason.",
	"confirm.cert":            "Certificate No.",
	"confirm.revoke_q":        "The certificate will be revoked: signatures made with it after the revocation are not valid, and the revocation cannot be undone — a new certificate will be needed. Revoke?",
	"confirm.app":             "Certificate application",
	"confirm.decline_q":       "The application will be declined: its path stops and it cannot be taken up again — a certificate will need a new application. Decline?",
	"confirm.cancel_q":        "The application will be cancelled: its path stops and it cannot be taken up again — a certificate will need a new application. Cancel it?",
	"confirm.key":             "API key",
	"confirm.key_q":           "The key stops working at once: the systems that use it lose access, and the revocation cannot be undone — a new key will be needed. Revoke?",

	"month.01": "January", "month.02": "February", "month.03": "March", "month.04": "April", "month.05": "May",
	"month.06": "June", "month.07": "July", "month.08": "August", "month.09": "September", "month.10": "October",
	"month.11": "November", "month.12": "December",

	"issuer.kcr-ca":            "KCR certification authority",
	"issuer.fns-ca":            "Federal Tax Service CA",
	"issuer.treasury-ca":       "Federal Treasury CA",
	"issuer.cbr-ca":            "Bank of Russia CA",
	"authority.kcr":            "KCR certification authority",
	"authority.fns":            "Federal Tax Service CA",
	"authority.treasury":       "Federal Treasury CA",
	"authority.bank_of_russia": "Bank of Russia CA",
}

func init() {
	for k, v := range webuiMessages {
		messages[k] = v
	}
	for k, v := range webuiMessagesEN {
		messagesEN[k] = v
	}
}
