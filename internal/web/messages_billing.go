package web

// billingMessages are the texts of the invoices page's account part (issue 14, part 8), in Russian and in
// English.
var billingMessages = map[string][2]string{
	"invb.current": {"Текущий период — {period}, счёт будет выставлен {date}.",
		"Current period: {period}; its invoice will be issued on {date}."},
	"invb.settings":                           {"Как выставлять счета", "How invoices are issued"},
	"invb.mode_per_payer":                     {"Отдельный счёт каждой организации-плательщику", "A separate invoice to each paying organization"},
	"invb.mode_consolidated":                  {"Один сводный счёт на весь холдинг, строки по организациям", "One consolidated invoice for the whole holding, lines by organization"},
	"invb.mode_per_payer_is":                  {"Счета выставляются отдельно каждой организации-плательщику.", "Each paying organization gets its own invoice."},
	"invb.mode_consolidated_is":               {"Счета выставляются одним сводным счётом, плательщик — {payer}.", "One consolidated invoice is issued, paid by {payer}."},
	"invb.payer":                              {"Плательщик сводного счёта", "Payer of the consolidated invoice"},
	"invb.payer_auto":                         {"Головная организация", "The head organization"},
	"invb.inn":                                {"ИНН", "INN"},
	"invb.save":                               {"Сохранить", "Save"},
	"invb.next_close":                         {"Изменение действует со следующего закрытия периода; выставленные счета не меняются.", "The change applies from the next period close on; issued invoices stay as they are."},
	"invb.done":                               {"Сохранено.", "Saved."},
	"invb.err.payer_organization_id:no_head":  {"В аккаунте нет головной организации (юридического лица без вышестоящей).", "The account has no head organization (a legal entity without a parent)."},
	"invb.err.payer_organization_id:required": {"Головных организаций несколько: выберите плательщика.", "There are several head organizations: choose the payer."},
	"invb.err.payer_organization_id:not_head": {"Плательщиком может быть только головная организация.", "Only a head organization can pay."},
	"invb.err.payer_organization_id:unknown":  {"Такой организации нет.", "No such organization."},
}

func init() {
	for k, v := range billingMessages {
		messages[k] = v[0]
		messagesEN[k] = v[1]
	}
}
