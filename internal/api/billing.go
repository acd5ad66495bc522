package api

import (
	"net/http"
	"strings"

	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

// InvoiceView is an invoice with its lines.
type InvoiceView struct {
	*model.Invoice
	Lines []*model.BillingLine `json:"lines"`
}

func (s *Server) billingRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/tariffs", ID: "listTariffs", Tag: "billing", Summary: "Tariffs with their effective dates",
			Out: pageOf[model.Tariff]{}, Status: 200, Handle: (*Server).listTariffs},
		{Method: "POST", Path: "/api/v1/tariffs", ID: "createTariff", Tag: "billing",
			Summary: "Set a price for a position from a date (CA operator); a running open-ended price ends there",
			In:      billing.TariffInput{}, Out: model.Tariff{}, Status: 201, Handle: (*Server).createTariff},
		{Method: "POST", Path: "/api/v1/tariffs/migrate", ID: "migrateTariff", Tag: "billing",
			Summary: "Move open lines and unfinished applications of one position to another from a date (CA operator)",
			In:      billing.MigrateInput{}, Out: billing.MigrateResult{}, Status: 200, Handle: (*Server).migrateTariff},
		{Method: "GET", Path: "/api/v1/accounts/{id}/agreements", ID: "listAgreements", Tag: "billing",
			Summary: "The account's contract and supplementary agreements", Out: pageOf[model.Agreement]{}, Status: 200,
			Handle: (*Server).listAgreements},
		{Method: "POST", Path: "/api/v1/accounts/{id}/agreements", ID: "createAgreement", Tag: "billing",
			Summary: "Record a contract or a supplementary agreement (CA operator)", In: billing.AgreementInput{},
			Out: model.Agreement{}, Status: 201, Handle: (*Server).createAgreement},
		{Method: "PUT", Path: "/api/v1/accounts/{id}/billing-period", ID: "setBillingPeriod", Tag: "billing",
			Summary: "Bill the account monthly (1) or quarterly (3) from the next period on (CA operator)", In: BillingPeriod{},
			Out: BillingPeriod{}, Status: 200, Handle: (*Server).setBillingPeriod},
		{Method: "GET", Path: "/api/v1/accounts/{id}/invoice-settings", ID: "getInvoiceSettings", Tag: "billing",
			Summary: "How the account is invoiced: per paying organization or one consolidated invoice",
			Out:     billing.InvoiceSettings{}, Status: 200, Handle: (*Server).getInvoiceSettings},
		{Method: "PUT", Path: "/api/v1/accounts/{id}/invoice-settings", ID: "setInvoiceSettings", Tag: "billing",
			Summary: "Invoice the account per paying organization or once, paid by its head organization, from the next close on " +
				"(account administrator or CA operator)",
			In: billing.InvoiceSettings{}, Out: billing.InvoiceSettings{}, Status: 200, Handle: (*Server).setInvoiceSettings},
		{Method: "GET", Path: "/api/v1/billing/current", ID: "currentBillingPeriod", Tag: "billing",
			Summary: "The account's current billing period and the date its invoice will be issued",
			Out:     billing.CurrentPeriod{}, Status: 200, Handle: (*Server).currentPeriod},
		{Method: "GET", Path: "/api/v1/billing/lines", ID: "listBillingLines", Tag: "billing",
			Summary: "Billing lines of the account (employees by initials and certificate serial only)", Query: []string{"period"},
			Out: pageOf[model.BillingLine]{}, Status: 200, Handle: (*Server).listLines},
		{Method: "GET", Path: "/api/v1/billing/forecast", ID: "forecast", Tag: "billing",
			Summary: "Renewal cost for each of the next 12 months, per paying organization", Out: pageOf[billing.ForecastMonth]{},
			Status: 200, Handle: (*Server).forecast},
		{Method: "GET", Path: "/api/v1/invoices", ID: "listInvoices", Tag: "billing", Summary: "Invoices of the account",
			Query: []string{"period"}, Out: pageOf[model.Invoice]{}, Status: 200, Handle: (*Server).listInvoices},
		{Method: "GET", Path: "/api/v1/invoices/{id}", ID: "getInvoice", Tag: "billing",
			Summary: "An invoice with its lines as JSON, as PDF (Accept: application/pdf) or CSV (Accept: text/csv)",
			Out:     InvoiceView{}, OutMedia: []string{"application/pdf", "text/csv"}, Status: 200, Handle: (*Server).getInvoice},
		{Method: "GET", Path: "/api/v1/invoices/{id}/act", ID: "getAct", Tag: "billing", Summary: "The act for an invoice, PDF",
			OutMedia: []string{"application/pdf"}, Status: 200, Handle: (*Server).getAct},
	}
}

// BillingPeriod is an account's billing period length in months.
type BillingPeriod struct {
	PeriodMonths int `json:"period_months"`
}

func (s *Server) setBillingPeriod(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	var in BillingPeriod
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := b.SetPeriodMonths(r.Context(), principalOf(r), r.PathValue("id"), in.PeriodMonths); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) getInvoiceSettings(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	if err := noQuery(r); err != nil {
		return err
	}
	out, err := b.InvoiceSettings(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) setInvoiceSettings(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	var in billing.InvoiceSettings
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := b.SetInvoiceSettings(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) currentPeriod(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	if err := noQuery(r); err != nil {
		return err
	}
	out, err := b.Current(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) billingOrUnavailable() (*billing.Service, error) {
	if s.Billing == nil {
		return nil, errs.New(errs.Unavailable, "billing is not configured")
	}
	return s.Billing, nil
}

// sellerConfigured refuses the printed invoice and act while the operator's requisites are not configured
// (kcr serve --seller): a document without them is not one anybody can pay.
func (s *Server) sellerConfigured() error {
	if s.Seller.Name == "" || s.Seller.INN == "" {
		return errs.New(errs.Unavailable, "the seller's requisites are not configured (kcr serve --seller)")
	}
	return nil
}

func (s *Server) listTariffs(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	list, err := b.Tariffs(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[*model.Tariff]{Items: list})
	return nil
}

func (s *Server) createTariff(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	var in billing.TariffInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := b.CreateTariff(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) migrateTariff(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	var in billing.MigrateInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := b.MigrateTariff(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listAgreements(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	list, err := b.Agreements(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[model.Agreement]{Items: list})
	return nil
}

func (s *Server) createAgreement(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	var in billing.AgreementInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := b.CreateAgreement(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listLines(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "period")
	if err != nil {
		return err
	}
	list, err := b.Lines(r.Context(), principalOf(r), q.get("period"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[*model.BillingLine]{Items: list})
	return nil
}

func (s *Server) forecast(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	if err := noQuery(r); err != nil {
		return err
	}
	months, err := b.Forecast(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[billing.ForecastMonth]{Items: months})
	return nil
}

func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) error {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return err
	}
	q, err := parseQuery(r, "period")
	if err != nil {
		return err
	}
	list, err := b.Invoices(r.Context(), principalOf(r), q.get("period"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[*model.Invoice]{Items: list})
	return nil
}

// invoiceDocument returns an invoice and what its documents show, assembled by billing.
func (s *Server) invoiceDocument(r *http.Request) (*InvoiceView, *document.Invoice, error) {
	b, err := s.billingOrUnavailable()
	if err != nil {
		return nil, nil, err
	}
	inv, lines, doc, err := b.Document(r.Context(), principalOf(r), r.PathValue("id"), s.Seller)
	if err != nil {
		return nil, nil, err
	}
	return &InvoiceView{Invoice: inv, Lines: lines}, doc, nil
}

func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	view, doc, err := s.invoiceDocument(r)
	if err != nil {
		return err
	}
	switch accept := r.Header.Get("Accept"); {
	case strings.Contains(accept, "application/pdf"):
		if err := s.sellerConfigured(); err != nil {
			return err
		}
		pdf, err := document.InvoicePDF(*doc)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "invoice-"+doc.Number+".pdf"))
		_, err = w.Write(pdf)
		return err
	case strings.Contains(accept, "text/csv"):
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "invoice-"+doc.Number+".csv"))
		_, err := w.Write(document.CSV(*doc))
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

func (s *Server) getAct(w http.ResponseWriter, r *http.Request) error {
	_, doc, err := s.invoiceDocument(r)
	if err != nil {
		return err
	}
	if err := s.sellerConfigured(); err != nil {
		return err
	}
	pdf, err := document.ActPDF(*doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "act-"+doc.Number+".pdf"))
	_, err = w.Write(pdf)
	return err
}
