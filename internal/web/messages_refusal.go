package web

// refusalMessages are the catalogue's texts of rule refusals. The Russian page shows the rules' own sentence
// (see refusalText); these are its fallback when a refusal comes without one.
var refusalMessages = map[string]string{
	"refusal.invalid_input":                             "Данные заявки не подходят ни под одно правило.",
	"refusal.sole_proprietor_needs_sole_proprietor_org": "Сертификат индивидуального предпринимателя выдаётся только для организации-ИП.",
	"refusal.head_needs_legal_entity_org":               "Сертификат руководителя выдаётся только для юридического лица.",
	"refusal.head_of_branch":                            "Руководитель филиала действует по доверенности и сертификата руководителя не получает.",
	"refusal.employee_needs_legal_entity_org":           "Сертификат сотрудника юридического лица выдаётся только для юридического лица.",
	"refusal.employee_org_certificates_ended":           "Сертификаты сотрудников с реквизитами организации больше не выдаются: сотрудник получает сертификат физического лица.",
	"refusal.head_via_state_ca":                         "Сертификаты руководителей и ИП выдаёт удостоверяющий центр ФНС, Казначейства или Банка России.",
	"refusal.wrong_authority":                           "Этот сертификат на эту дату выдаёт другой удостоверяющий центр.",
	"refusal.remote_needs_valid_certificate":            "Удалённая проверка личности возможна только по действующему квалифицированному сертификату.",
	"refusal.remote_needs_head_certificate":             "Удалённо продлить сертификат руководителя можно только по действующему сертификату руководителя.",
	"refusal.reissue_of_revoked":                        "Отозванный сертификат нельзя перевыпустить.",
	"refusal.recipient_not_applicable":                  "Для сертификата руководителя или ИП получателя перевыпуска не указывают.",
	"refusal.identification_not_allowed":                "Для этой заявки на эту дату выбран недопустимый способ подтверждения личности.",
	"refusal.supplementary_agreement_required":          "Для сертификатов физических лиц нужно дополнительное соглашение к договору с удостоверяющим центром.",
	"refusal.other":                                     "Правила не позволяют это действие.",
	"refusal.date":                                      "Решающая дата: %s.",
	"lines.serial_no":                                   "серийный номер %s",
}

func init() {
	for k, v := range refusalMessages {
		messages[k] = v
	}
}
