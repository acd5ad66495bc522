package billing

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// InvoiceSettings is how an account is invoiced: one invoice per paying organization, or one consolidated
// invoice for the whole account paid by its head organization, the lines grouped by organization.
type InvoiceSettings struct {
	AccountID string            `json:"account_id,omitempty"` // in answers; ignored on input (the path names it)
	Mode      model.InvoiceMode `json:"mode"`
	// PayerOrganizationID is the head organization that pays a consolidated invoice; empty per payer. On
	// input it may be left empty when the account has exactly one head organization.
	PayerOrganizationID string `json:"payer_organization_id,omitempty"`
}

// InvoiceSettings returns how an account is invoiced.
func (s *Service) InvoiceSettings(ctx context.Context, p *access.Principal, accountID string) (*InvoiceSettings, error) {
	if !p.Can(access.BillingRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	if p.AccountID != "" && p.AccountID != accountID {
		return nil, errs.NotFoundf("account %s not found", accountID)
	}
	mode, payer, err := s.DB.InvoiceSettings(ctx, accountID)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("account %s not found", accountID)
	}
	if err != nil {
		return nil, err
	}
	if mode != model.InvoiceConsolidated {
		return &InvoiceSettings{AccountID: accountID, Mode: model.InvoicePerPayer}, nil
	}
	return &InvoiceSettings{AccountID: accountID, Mode: mode, PayerOrganizationID: payer}, nil
}

// SetInvoiceSettings changes how an account is invoiced (its administrator or the CA operator). It takes
// effect from the next close on: invoices already issued stay as they are. It is audited.
func (s *Service) SetInvoiceSettings(ctx context.Context, p *access.Principal, accountID string, in InvoiceSettings) (*InvoiceSettings, error) {
	if !p.Can(access.BillingSettings) {
		return nil, errs.New(errs.Forbidden, "only the account's administrator or the CA operator chooses how invoices are issued")
	}
	if p.AccountID != "" && p.AccountID != accountID {
		return nil, errs.NotFoundf("account %s not found", accountID)
	}
	if !model.Valid(in.Mode) {
		return nil, errs.Field("mode", "enum", "must be one of "+strings.Join(in.Mode.EnumValues(), ", "))
	}
	out := &InvoiceSettings{AccountID: accountID, Mode: in.Mode}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if in.Mode == model.InvoiceConsolidated {
			payer, err := s.headOrganization(ctx, accountID, in.PayerOrganizationID)
			if err != nil {
				return err
			}
			out.PayerOrganizationID = payer
		} else if in.PayerOrganizationID != "" {
			return errs.Field("payer_organization_id", "not_allowed", "only a consolidated invoice has one payer")
		}
		if err := s.DB.SetInvoiceSettings(ctx, accountID, out.Mode, out.PayerOrganizationID); storage.IsNoRows(err) {
			return errs.NotFoundf("account %s not found", accountID)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "billing.invoice_mode", "account", accountID, accountID, map[string]any{"mode": out.Mode,
			"payer_organization_id": out.PayerOrganizationID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// headOrganization checks the payer of a consolidated invoice: a legal entity of the account without a
// parent. Left empty, it is the account's only such organization.
func (s *Service) headOrganization(ctx context.Context, accountID, id string) (string, error) {
	if id == "" {
		heads, err := s.DB.HeadOrganizations(ctx, accountID, 2)
		if err != nil {
			return "", err
		}
		switch len(heads) {
		case 0:
			return "", errs.Field("payer_organization_id", "no_head", "the account has no head organization (a legal entity without a parent) to pay a consolidated invoice")
		case 1:
			return heads[0].ID, nil
		}
		return "", errs.Field("payer_organization_id", "required", "the account has several head organizations: choose the one that pays")
	}
	o, err := s.DB.Organization(ctx, storage.Scope{AccountID: accountID}, id)
	if storage.IsNoRows(err) {
		return "", errs.Field("payer_organization_id", "unknown", "no such organization in the account")
	}
	if err != nil {
		return "", err
	}
	if o.Kind != model.OrgLegalEntity || o.ParentID != "" {
		return "", errs.Field("payer_organization_id", "not_head", "must be a head organization: a legal entity without a parent")
	}
	return o.ID, nil
}

// CurrentPeriod is the period an account is being billed for now and when its invoice will be issued.
type CurrentPeriod struct {
	Period      string `json:"period"`        // YYYY-MM, its first month
	Months      int    `json:"period_months"` // 1 or 3
	InvoiceDate string `json:"invoice_date"`  // YYYY-MM-DD, the day after the period ends
}

// Current returns the principal's account's current billing period.
func (s *Service) Current(ctx context.Context, p *access.Principal) (*CurrentPeriod, error) {
	if !p.Can(access.BillingRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	if p.AccountID == "" {
		return nil, errs.NotFoundf("the CA operator has no billing period of its own")
	}
	months, err := s.periodMonths(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	period := PeriodOfLength(s.Clock.Now(), months)
	date, _ := storage.InvoiceDates(period, months)
	return &CurrentPeriod{Period: period, Months: months, InvoiceDate: date}, nil
}

// Unit is the unit of measure of a position as the documents print it: a certificate is a piece ("шт."),
// an identification a service ("усл.").
func Unit(position model.BillingPosition) string {
	if position == rules.BillingHeadIdentification {
		return "усл."
	}
	return "шт."
}

// Document returns an invoice with its lines and the data its documents (invoice, act, CSV) print: the
// seller given, the payer's requisites, the lines with their units, grouped by organization when the
// invoice is consolidated, and the dates of the period it closes. The API and the web both print from it.
func (s *Service) Document(ctx context.Context, p *access.Principal, id string, seller document.Party) (*model.Invoice,
	[]*model.BillingLine, *document.Invoice, error) {
	inv, lines, err := s.Invoice(ctx, p, id)
	if err != nil {
		return nil, nil, nil, err
	}
	scope := storage.Scope{AccountID: inv.AccountID}
	orgs := map[string]*model.Organization{}
	org := func(id string) (*model.Organization, error) {
		if o, ok := orgs[id]; ok {
			return o, nil
		}
		o, err := s.DB.Organization(ctx, scope, id)
		if err != nil {
			return nil, err
		}
		orgs[id] = o
		return o, nil
	}
	payer, err := org(inv.PayerOrganizationID)
	if err != nil {
		return nil, nil, nil, err
	}
	date, _ := time.ParseInLocation(time.DateOnly, inv.Date, rules.MSK)
	actDate, _ := time.ParseInLocation(time.DateOnly, inv.ActDate, rules.MSK)
	doc := &document.Invoice{Number: InvoiceNumber(inv), Date: date, ActDate: actDate, Period: inv.Period, Seller: seller,
		Buyer:      document.Party{Name: payer.Name, INN: payer.INN, KPP: payer.KPP, OGRN: payer.OGRN, Address: payer.Address},
		NetKopecks: inv.NetKopecks, VATKopecks: inv.VATKopecks, TotalKopecks: inv.TotalKopecks, VATRatePercent: inv.VATPercent}
	grouped := false
	for _, l := range lines {
		grouped = grouped || l.PayerOrganizationID != inv.PayerOrganizationID
	}
	if grouped {
		// Lines of one organization together, the payer's first, the others by name.
		for _, l := range lines {
			if _, err := org(l.PayerOrganizationID); err != nil {
				return nil, nil, nil, err
			}
		}
		sort.SliceStable(lines, func(i, j int) bool {
			a, b := lines[i].PayerOrganizationID, lines[j].PayerOrganizationID
			if (a == inv.PayerOrganizationID) != (b == inv.PayerOrganizationID) {
				return a == inv.PayerOrganizationID
			}
			return orgs[a].Name < orgs[b].Name || (orgs[a].Name == orgs[b].Name && a < b)
		})
	}
	for _, l := range lines {
		dl := document.Line{Description: Describe(l), Quantity: 1, Unit: Unit(l.Position), PriceKopecks: l.PriceKopecks,
			AmountKopecks: l.PriceKopecks}
		if grouped {
			o := orgs[l.PayerOrganizationID]
			dl.Group = o.Name + ", ИНН " + o.INN
			if o.KPP != "" {
				dl.Group += ", КПП " + o.KPP
			}
		}
		doc.Lines = append(doc.Lines, dl)
	}
	if lines == nil {
		lines = []*model.BillingLine{}
	}
	return inv, lines, doc, nil
}

// HeadOrganizations lists the organizations that may pay the principal's account's consolidated invoice.
func (s *Service) HeadOrganizations(ctx context.Context, p *access.Principal) ([]*model.Organization, error) {
	if !p.Can(access.BillingSettings) || p.AccountID == "" {
		return nil, errs.New(errs.Forbidden, "only the account's administrator chooses how invoices are issued")
	}
	return s.DB.HeadOrganizations(ctx, p.AccountID, 100)
}
