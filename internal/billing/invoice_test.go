package billing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

var seller = document.Party{Name: "ООО «УЦ»", INN: "7701234567", KPP: "770101001", Bank: "Банк", BIC: "044525225",
	Account: "40702810938000000001"}

func accountAdmin(accountID string) *access.Principal {
	return &access.Principal{Actor: "user:admin", Name: "admin", Role: model.RoleAccountAdmin, AccountID: accountID}
}

// A consolidated account gets one invoice a period paid by its head organization; its documents group the
// lines by the organization each was charged to, with units. A per-payer account goes on as before.
func TestConsolidatedInvoice(t *testing.T) {
	onEngines(t, at(2026, 12, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		got, err := x.svc.SetInvoiceSettings(ctx, accountAdmin(f.AccountA), f.AccountA,
			billing.InvoiceSettings{Mode: model.InvoiceConsolidated})
		if err != nil {
			t.Fatal(err)
		}
		if got.PayerOrganizationID != f.HeadOrg {
			t.Fatalf("payer %q, want the only head organization %s", got.PayerOrganizationID, f.HeadOrg)
		}
		if s, err := x.svc.InvoiceSettings(ctx, accountant(f.AccountA), f.AccountA); err != nil || *s != *got {
			t.Fatalf("InvoiceSettings = %+v, %v; want %+v", s, err, got)
		}
		ev, err := x.db.AuditEvents(ctx, "account", f.AccountA)
		if err != nil || len(ev) == 0 || ev[len(ev)-1].Action != "billing.invoice_mode" {
			t.Fatalf("audit of the change: %+v, %v", ev, err)
		}
		x.charge(t, f.AccountA, f.BranchOrg, posInd, at(2026, 9, 2, 0, 0, 0))
		x.charge(t, f.AccountA, f.HeadOrg, posLE, at(2026, 9, 3, 0, 0, 0))
		x.charge(t, f.AccountA, f.BranchOrg, posHead, at(2026, 9, 4, 0, 0, 0))
		x.charge(t, f.AccountB, f.OrgB, posInd, at(2026, 9, 5, 0, 0, 0))
		x.charge(t, f.AccountB, f.OrgB, posLE, at(2026, 9, 6, 0, 0, 0))

		invs := x.close(t, f.AccountA, "2026-09")
		if len(invs) != 1 || invs[0].PayerOrganizationID != f.HeadOrg || invs[0].NetKopecks != priceInd+priceLE+priceHead {
			t.Fatalf("consolidated close: %+v, want one invoice of the head organization for every line", invs)
		}
		if invs := x.close(t, f.AccountB, "2026-09"); len(invs) != 1 || invs[0].NetKopecks != priceInd+priceLE {
			t.Fatalf("per-payer account B: %+v", invs)
		}

		inv, lines, doc, err := x.svc.Document(ctx, accountant(f.AccountA), invs[0].ID, seller)
		if err != nil {
			t.Fatal(err)
		}
		if inv.ID != invs[0].ID || len(lines) != 3 || len(doc.Lines) != 3 {
			t.Fatalf("Document: %+v with %d lines, %d printed", inv, len(lines), len(doc.Lines))
		}
		// The payer's own lines first, then each other organization's together.
		if lines[0].PayerOrganizationID != f.HeadOrg || lines[1].PayerOrganizationID != f.BranchOrg ||
			lines[2].PayerOrganizationID != f.BranchOrg || doc.Lines[1].Group != doc.Lines[2].Group || doc.Lines[0].Group == doc.Lines[1].Group {
			t.Errorf("lines not grouped by organization, head first: %+v", doc.Lines)
		}
		for i, l := range lines {
			want := "шт."
			if l.Position == posHead {
				want = "усл."
			}
			if doc.Lines[i].Unit != want || !strings.Contains(doc.Lines[i].Group, "ИНН ") {
				t.Errorf("line %d (%s): unit %q group %q", i, l.Position, doc.Lines[i].Unit, doc.Lines[i].Group)
			}
		}
		if _, err := document.InvoicePDF(*doc); err != nil {
			t.Fatal(err)
		}
		// Back to per payer: the next close splits again.
		if _, err := x.svc.SetInvoiceSettings(ctx, operator, f.AccountA, billing.InvoiceSettings{Mode: model.InvoicePerPayer}); err != nil {
			t.Fatal(err)
		}
		x.charge(t, f.AccountA, f.BranchOrg, posInd, at(2026, 10, 2, 0, 0, 0))
		x.charge(t, f.AccountA, f.HeadOrg, posLE, at(2026, 10, 3, 0, 0, 0))
		oct := x.close(t, f.AccountA, "2026-10")
		if len(oct) != 2 {
			t.Fatalf("per payer again: %d invoices, want 2", len(oct))
		}
		_, _, doc, err = x.svc.Document(ctx, accountant(f.AccountA), oct[0].ID, seller)
		if err != nil || doc.Lines[0].Group != "" {
			t.Fatalf("a per-payer invoice has no groups: %+v, %v", doc, err)
		}
	})
}

// Documents are dated by the period they close, not by the day the close ran: the act on the period's last
// day, the invoice on the day after, for monthly and quarterly accounts alike.
func TestInvoiceDatedByPeriod(t *testing.T) {
	onEngines(t, at(2027, 2, 17, 15, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		if err := x.svc.SetPeriodMonths(ctx, operator, f.AccountB, 3); err != nil {
			t.Fatal(err)
		}
		x.charge(t, f.AccountA, f.HeadOrg, posLE, at(2026, 11, 30, 23, 0, 0))
		x.charge(t, f.AccountB, f.OrgB, posLE, at(2026, 11, 30, 23, 0, 0))
		for _, c := range []struct {
			account, period, date, act string
		}{
			{f.AccountA, "2026-11", "2026-12-01", "2026-11-30"},
			{f.AccountB, "2026-10", "2027-01-01", "2026-12-31"},
		} {
			invs := x.close(t, c.account, c.period)
			if len(invs) != 1 || invs[0].Date != c.date || invs[0].ActDate != c.act || invs[0].PeriodMonths == 0 {
				t.Fatalf("close %s: %+v; want dated %s, act %s", c.period, invs, c.date, c.act)
			}
			stored, err := x.svc.Invoices(ctx, accountant(c.account), c.period)
			if err != nil || len(stored) != 1 || stored[0].Date != c.date || stored[0].ActDate != c.act {
				t.Fatalf("stored %+v, %v", stored, err)
			}
			_, _, doc, err := x.svc.Document(ctx, accountant(c.account), invs[0].ID, seller)
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Date.Format("2006-01-02"); got != c.date {
				t.Errorf("document dated %s, want %s", got, c.date)
			}
			if got := doc.ActDate.Format("2006-01-02"); got != c.act {
				t.Errorf("act dated %s, want %s", got, c.act)
			}
		}
		if cur, err := x.svc.Current(ctx, accountant(f.AccountB)); err != nil || cur.Period != "2027-01" || cur.InvoiceDate != "2027-04-01" {
			t.Fatalf("Current = %+v, %v", cur, err)
		}
		if cur, err := x.svc.Current(ctx, accountant(f.AccountA)); err != nil || cur.Period != "2027-02" || cur.InvoiceDate != "2027-03-01" {
			t.Fatalf("Current = %+v, %v", cur, err)
		}
	})
}

func TestSetInvoiceSettingsRefusals(t *testing.T) {
	onEngines(t, at(2026, 12, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		for _, c := range []struct {
			name    string
			p       *access.Principal
			account string
			in      billing.InvoiceSettings
			kind    errs.Kind
			field   string
		}{
			{"accountant", accountant(f.AccountA), f.AccountA, billing.InvoiceSettings{Mode: model.InvoiceConsolidated}, errs.Forbidden, ""},
			{"another account", accountAdmin(f.AccountB), f.AccountA, billing.InvoiceSettings{Mode: model.InvoiceConsolidated}, errs.NotFound, ""},
			{"unknown mode", operator, f.AccountA, billing.InvoiceSettings{Mode: "monthly"}, errs.Invalid, "mode"},
			{"a branch pays", operator, f.AccountA, billing.InvoiceSettings{Mode: model.InvoiceConsolidated, PayerOrganizationID: f.BranchOrg},
				errs.Invalid, "payer_organization_id"},
			{"another account's organization", operator, f.AccountA,
				billing.InvoiceSettings{Mode: model.InvoiceConsolidated, PayerOrganizationID: f.OrgB}, errs.Invalid, "payer_organization_id"},
			{"payer per payer", operator, f.AccountA, billing.InvoiceSettings{Mode: model.InvoicePerPayer, PayerOrganizationID: f.HeadOrg},
				errs.Invalid, "payer_organization_id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := x.svc.SetInvoiceSettings(ctx, c.p, c.account, c.in)
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != c.kind {
					t.Fatalf("err = %v, want %s", err, c.kind)
				}
				if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field) {
					t.Fatalf("fields %+v, want %s", e.Fields, c.field)
				}
			})
		}
		if mode, _, err := x.db.InvoiceSettings(ctx, f.AccountA); err != nil || mode != model.InvoicePerPayer {
			t.Fatalf("refusals changed the mode: %s, %v", mode, err)
		}
	})
}
