package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// The audit log viewer, the invoice PDF download and the billing lines of a period.

// auditPageSize is how many audit events one page shows.
const auditPageSize = 50

// auditRow is one audit event as the table shows it.
type auditRow struct {
	E audit.Event
	V auditView
}

// auditFilters are the audit page's choices: the actions and the object types by name.
type auditFilters struct {
	Actions, Types []option
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	q := r.URL.Query()
	d := listData{Q: q, Extra: auditFilters{Actions: auditActionOptions(l), Types: auditTypeOptions(l)}}
	if !p.Can(access.AuditRead) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot read the audit log"))
		return
	}
	f := storage.AuditFilter{Action: strings.TrimSpace(q.Get("action")), ObjectType: strings.TrimSpace(q.Get("object_type")),
		ObjectID: strings.TrimSpace(q.Get("object_id")), Actor: strings.TrimSpace(q.Get("actor")), Limit: auditPageSize}
	if s := strings.TrimSpace(q.Get("before")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			h.listFailed(w, r, p, "audit", l.T("audit.title"), d, errs.Field("before", "format", "not a sequence number"))
			return
		}
		f.BeforeSeq = n
	}
	events, err := h.Access.AuditLog(r.Context(), p, f)
	if err != nil {
		h.listFailed(w, r, p, "audit", l.T("audit.title"), d, err)
		return
	}
	names, err := h.auditActorNames(r, p, events)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	orgs := h.orgNames(r, p)
	rows := make([]auditRow, len(events))
	for i, e := range events {
		// Events written before details were redacted may still hold a document number.
		rows[i] = auditRow{E: e, V: viewEvent(l, e, registration.RedactDetail(e.Detail), names[e.AccountID][e.Actor], orgs)}
	}
	d.Rows, d.Empty = rows, len(rows) == 0
	if len(events) == auditPageSize {
		next := cloneValues(q)
		next.Set("before", strconv.FormatInt(events[len(events)-1].Seq, 10))
		d.Next = "/ui/admin/audit?" + next.Encode()
	}
	if f.BeforeSeq != 0 {
		first := cloneValues(q)
		first.Del("before")
		d.First = "/ui/admin/audit?" + first.Encode()
	}
	h.render(w, r, http.StatusOK, "audit", l.T("audit.title"), p, d)
}

// auditActorNames resolves the page's actors to names, account by account (the operator's log spans them):
// by account id, then by actor.
func (h *Handler) auditActorNames(r *http.Request, p *access.Principal, events []audit.Event) (map[string]map[string]string, error) {
	byAccount := map[string][]string{}
	for _, e := range events {
		byAccount[e.AccountID] = append(byAccount[e.AccountID], e.Actor)
	}
	out := map[string]map[string]string{}
	for acc, actors := range byAccount {
		names, err := h.Access.ActorNames(r.Context(), p, acc, actors)
		if err != nil {
			return nil, err
		}
		out[acc] = names
	}
	return out, nil
}

// invoicePDF sends an invoice (счёт на оплату) as PDF, /ui/invoices/{id}.pdf.
func (h *Handler) invoicePDF(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id := strings.TrimSuffix(r.PathValue("file"), ".pdf")
	if id == r.PathValue("file") || id == "" {
		h.fail(w, r, p, errs.NotFoundf("no page %s", r.URL.Path))
		return
	}
	h.invoiceDocument(w, r, p, id, "invoice-", document.InvoicePDF)
}

// actPDF sends the act (акт) of an invoice as PDF, /ui/invoices/{id}/act.pdf.
func (h *Handler) actPDF(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.invoiceDocument(w, r, p, r.PathValue("id"), "act-", document.ActPDF)
}

// invoiceDocument prints one of an invoice's documents with the seller's requisites from the Handler: the
// invoice first (not found stays not found), then the seller (without it, a page saying so rather than a
// document nobody can pay).
func (h *Handler) invoiceDocument(w http.ResponseWriter, r *http.Request, p *access.Principal, id, prefix string,
	render func(document.Invoice) ([]byte, error)) {
	l := localeOf(r)
	if h.Billing == nil {
		h.fail(w, r, p, errs.NotFoundf("billing is not configured"))
		return
	}
	if !p.Can(access.BillingRead) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot read billing"))
		return
	}
	if h.Seller.Name == "" || h.Seller.INN == "" {
		// The invoice is looked up first so that one not found stays not found.
		if _, _, err := h.Billing.Invoice(r.Context(), p, id); err != nil {
			h.fail(w, r, p, err)
			return
		}
		h.render(w, r, http.StatusServiceUnavailable, "error", l.T("err.title"), p,
			problem{Status: http.StatusServiceUnavailable, Title: l.T("err.title"), Message: l.T("inv.no_seller")})
		return
	}
	_, _, doc, err := h.Billing.Document(r.Context(), p, id, h.Seller)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	pdf, err := render(*doc)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", prefix+doc.Number+".pdf"))
	_, _ = w.Write(pdf)
}

// lineGroup is one paying organization's billing lines of the period and their sum.
type lineGroup struct {
	Payer    string
	Lines    []lineRow
	Subtotal int64
}

// lineRow is a billing line with its description: the service, the certificate serial and the employee's
// initials, nothing more about the person.
type lineRow struct {
	L    *model.BillingLine
	Text string
}

func (h *Handler) billingLines(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	q := r.URL.Query()
	d := listData{Q: q}
	if h.Billing == nil {
		h.fail(w, r, p, errs.NotFoundf("billing is not configured"))
		return
	}
	lines, err := h.Billing.Lines(r.Context(), p, isoPeriod(q.Get("period")))
	if err != nil {
		h.listFailed(w, r, p, "lines", l.T("lines.title"), d, err)
		return
	}
	names := h.orgNames(r, p)
	var groups []*lineGroup
	byPayer := map[string]*lineGroup{}
	var total int64
	for _, line := range lines {
		g := byPayer[line.PayerOrganizationID]
		if g == nil {
			name := names[line.PayerOrganizationID]
			if name == "" { // the viewer may not read that organization's card: no id on screen either
				name = l.T("lines.payer_unnamed")
			}
			g = &lineGroup{Payer: name}
			byPayer[line.PayerOrganizationID] = g
			groups = append(groups, g)
		}
		g.Lines = append(g.Lines, lineRow{L: line, Text: lineText(l, line)})
		g.Subtotal += line.PriceKopecks
		total += line.PriceKopecks
	}
	d.Rows, d.Empty, d.Extra = groups, len(groups) == 0, total
	h.render(w, r, http.StatusOK, "lines", l.T("lines.title"), p, d)
}
