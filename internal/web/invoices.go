package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
)

// The invoices page's account part: the current period and when it is invoiced, and how the account is
// invoiced (one consolidated invoice or one per paying organization), which its administrator may change.

// invoiceAccount is what the invoices page shows about the account's invoicing.
type invoiceAccount struct {
	Current string // "Текущий период — декабрь 2026, счёт будет выставлен 01.01.2027."
	Mode    string // how the account is invoiced, in words
	CanSet  bool
	Form    invoiceSettingsForm
}

// invoiceSettingsForm is the form choosing how the account is invoiced.
type invoiceSettingsForm struct {
	Mode    string
	Payer   string
	Heads   []option
	Fields  map[string]string
	Message string
	Done    bool
}

// invoiceAccountData fills the page's account part; the CA operator, who has no account, gets none.
func (h *Handler) invoiceAccountData(r *http.Request, p *access.Principal, form *invoiceSettingsForm) (*invoiceAccount, error) {
	if p.AccountID == "" {
		return nil, nil
	}
	l := localeOf(r)
	ctx := r.Context()
	cur, err := h.Billing.Current(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &invoiceAccount{Current: strings.NewReplacer("{period}", l.period(cur.Period, cur.Months),
		"{date}", l.date(moscowDate(cur.InvoiceDate))).Replace(l.T("invb.current"))}
	set, err := h.Billing.InvoiceSettings(ctx, p, p.AccountID)
	if err != nil {
		return nil, err
	}
	names := h.orgNames(r, p)
	if set.Mode == model.InvoiceConsolidated {
		out.Mode = strings.ReplaceAll(l.T("invb.mode_consolidated_is"), "{payer}", names[set.PayerOrganizationID])
	} else {
		out.Mode = l.T("invb.mode_per_payer_is")
	}
	if !p.Can(access.BillingSettings) {
		return out, nil
	}
	out.CanSet = true
	if form == nil {
		form = &invoiceSettingsForm{Mode: string(set.Mode), Payer: set.PayerOrganizationID, Done: r.URL.Query().Get("done") == "settings"}
	}
	heads, err := h.Billing.HeadOrganizations(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, o := range heads {
		form.Heads = append(form.Heads, option{Value: o.ID, Label: o.Name + ", " + l.T("invb.inn") + " " + o.INN})
	}
	out.Form = *form
	return out, nil
}

// invoiceSettings changes how the account is invoiced, POST /ui/invoices/settings.
func (h *Handler) invoiceSettings(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if h.Billing == nil {
		h.fail(w, r, p, errs.NotFoundf("billing is not configured"))
		return
	}
	in := billing.InvoiceSettings{Mode: model.InvoiceMode(r.PostFormValue("mode"))}
	if in.Mode == model.InvoiceConsolidated {
		in.PayerOrganizationID = strings.TrimSpace(r.PostFormValue("payer_organization_id"))
	}
	_, err := h.Billing.SetInvoiceSettings(r.Context(), p, p.AccountID, in)
	if err == nil {
		http.Redirect(w, r, "/ui/invoices?done=settings", http.StatusSeeOther)
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		h.fail(w, r, p, err)
		return
	}
	form := &invoiceSettingsForm{Mode: string(in.Mode), Payer: in.PayerOrganizationID, Fields: map[string]string{},
		Message: l.T("err.invalid")}
	for _, f := range e.Fields {
		if text, ok := l.text("invb.err." + f.Field + ":" + f.Rule); ok {
			form.Fields[f.Field] = text
		} else {
			form.Fields[f.Field] = fieldMessage(l, f)
		}
	}
	d := listData{Q: r.URL.Query()}
	if err := h.invoiceRows(r, p, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	acc, err := h.invoiceAccountData(r, p, form)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Extra = acc
	h.render(w, r, http.StatusUnprocessableEntity, "invoices", l.T("inv.title"), p, d)
}

// invoiceRows lists the invoices of the page's period filter.
func (h *Handler) invoiceRows(r *http.Request, p *access.Principal, d *listData) error {
	list, err := h.Billing.Invoices(r.Context(), p, isoPeriod(d.Q.Get("period")))
	if err != nil {
		return err
	}
	names := h.orgNames(r, p)
	rows := make([]invoiceRow, len(list))
	for i, inv := range list {
		rows[i] = invoiceRow{I: inv, Number: billing.InvoiceNumber(inv), Payer: names[inv.PayerOrganizationID]}
	}
	d.Rows, d.Empty = rows, len(rows) == 0
	return nil
}

// moscowDate reads a YYYY-MM-DD calendar date as Moscow midnight; the zero time for anything else.
func moscowDate(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, rules.MSK)
	return t
}
