package billing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// Positions, shortened.
const (
	posLE     = rules.BillingLegalEntityEmployee
	posInd    = rules.BillingIndividual
	posHead   = rules.BillingHeadIdentification
	posBundle = rules.BillingBundledIndividual
)

// Default prices of migration 0005.
const (
	priceLE   = 300000
	priceInd  = 250000
	priceHead = 150000
)

var ctx = context.Background()

var operator = &access.Principal{Actor: "user:operator", Name: "operator", Role: model.RoleOperator}

func accountant(accountID string) *access.Principal {
	return &access.Principal{Actor: "user:accountant", Name: "accountant", Role: model.RoleAccountant, AccountID: accountID}
}

// at is an instant given as Moscow wall time.
func at(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, rules.MSK)
}

// bfx is a billing service over a fresh database holding testdb.Fixture's two accounts.
type bfx struct {
	db  *storage.DB
	clk *clock.Fake
	svc *billing.Service
	f   *testdb.Fix
}

func newFx(t *testing.T, db *storage.DB, now time.Time) *bfx {
	t.Helper()
	clk := clock.NewFake(now)
	return &bfx{db: db, clk: clk, svc: &billing.Service{DB: db, Clock: clk}, f: testdb.Fixture(t, db)}
}

// onEngines runs f on a fresh fixture on every engine.
func onEngines(t *testing.T, now time.Time, f func(t *testing.T, x *bfx)) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newFx(t, eng.Open(t), now)) })
	}
}

var employee = &model.Employee{Surname: "Иванов", GivenName: "Иван", Patronymic: "Петрович", SNILS: "11223344595",
	Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456"}}

// charge writes one line in its own transaction, as registration does, and returns its application id.
func (x *bfx) charge(t testing.TB, account, payer string, position model.BillingPosition, when time.Time) string {
	t.Helper()
	app := testdb.NewID()
	if err := x.tryCharge(account, payer, position, app, when); err != nil {
		t.Fatalf("charge %s at %s: %v", position, when, err)
	}
	return app
}

func (x *bfx) tryCharge(account, payer string, position model.BillingPosition, app string, when time.Time) error {
	return x.chargeTx(account, payer, position, app, when, 0)
}

// chargeTx charges in a transaction that goes on for tail after the charge, as an issuance does (it
// records the certificate, the history and the audit after writing the line).
func (x *bfx) chargeTx(account, payer string, position model.BillingPosition, app string, when time.Time, tail time.Duration) error {
	return x.db.InTx(ctx, func(ctx context.Context) error {
		if err := x.svc.Charge(ctx, billing.Charge{AccountID: account, PayerOrganizationID: payer, Position: position,
			Event: "issuance", ApplicationID: app, CertificateSerial: "SER-" + app[len(app)-8:], Employee: employee, At: when}); err != nil {
			return err
		}
		time.Sleep(tail)
		return nil
	})
}

func (x *bfx) lines(t testing.TB, f storage.LineFilter) []*model.BillingLine {
	t.Helper()
	l, err := x.db.BillingLines(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// line finds the line of an application.
func (x *bfx) line(t testing.TB, app string) *model.BillingLine {
	t.Helper()
	for _, l := range x.lines(t, storage.LineFilter{}) {
		if l.ApplicationID == app {
			return l
		}
	}
	t.Fatalf("no billing line for application %s", app)
	return nil
}

func (x *bfx) invoices(t testing.TB, account, period string) []*model.Invoice {
	t.Helper()
	invs, err := x.db.Invoices(ctx, account, period)
	if err != nil {
		t.Fatal(err)
	}
	return invs
}

func (x *bfx) close(t testing.TB, account, period string) []*model.Invoice {
	t.Helper()
	invs, err := x.svc.Close(ctx, operator, account, period)
	if err != nil {
		t.Fatalf("close %s: %v", period, err)
	}
	return invs
}

// tariff sets a price as the operator. The clock stands before valid_from while it does, so that the
// test does not depend on whether a retroactive price is allowed.
func (x *bfx) tariff(t testing.TB, position model.BillingPosition, price int64, from, to string) *model.Tariff {
	t.Helper()
	saved := x.clk.Now()
	d, err := time.ParseInLocation(time.DateOnly, from, rules.MSK)
	if err != nil {
		t.Fatal(err)
	}
	x.clk.Set(d.AddDate(0, 0, -1))
	defer x.clk.Set(saved)
	tf, err := x.svc.CreateTariff(ctx, operator, billing.TariffInput{Position: position, PriceKopecks: price, ValidFrom: from, ValidTo: to})
	if err != nil {
		t.Fatalf("tariff %s %d from %s: %v", position, price, from, err)
	}
	return tf
}

// wantField checks err is a validation error naming field (and rule, when given).
func wantField(t testing.TB, err error, field, rule string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("got %v, want a validation error on %s", err, field)
	}
	for _, f := range e.Fields {
		if f.Field == field && (rule == "" || f.Rule == rule) {
			return
		}
	}
	t.Fatalf("validation error %v does not name %s (rule %q)", e, field, rule)
}

func wantKind(t testing.TB, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("got %v, want %s", err, kind)
	}
}

// --- 1. Money -----------------------------------------------------------------------------------------

func TestVATRoundsHalfUp(t *testing.T) {
	for _, tc := range []struct {
		net     int64
		percent int
		want    int64
	}{
		{250000, 22, 55000},
		{250000, 20, 50000},
		{1, 20, 0},  // 0.2
		{3, 20, 1},  // 0.6
		{2, 22, 0},  // 0.44
		{5, 22, 1},  // 1.1
		{25, 20, 5}, // exact
		{25, 22, 6}, // 5.5: half up
		{75, 22, 17},
		{5, 10, 1},  // 0.5: half up
		{4, 10, 0},  // 0.4
		{0, 22, 0},  // nothing
		{100, 0, 0}, // no VAT
		{562347, 20, 112469},
		{550025, 22, 121006},               // 121005.5
		{9_999_999_999, 22, 2_200_000_000}, // 2199999999.78
	} {
		if got := billing.VAT(tc.net, tc.percent); got != tc.want {
			t.Errorf("VAT(%d, %d%%) = %d, want %d", tc.net, tc.percent, got, tc.want)
		}
	}
}

// Invoice totals through Close: net is the sum of the line prices, VAT is VAT(net) at the rate of the
// period (20% until 2025-12-31, 22% from 2026-01-01), total is net + VAT.
func TestCloseTotals(t *testing.T) {
	onEngines(t, at(2025, 5, 1, 12, 0, 0), func(t *testing.T, x *bfx) {
		// Head identification changes price twice: 123,47 from 2025-06-01, 123,75 from 2026-02-01.
		x.tariff(t, posHead, 12347, "2025-06-01", "")
		x.tariff(t, posHead, 12375, "2026-02-01", "")
		x.clk.Set(at(2026, 3, 5, 10, 0, 0))
		type ch struct {
			pos  model.BillingPosition
			when time.Time
		}
		for _, tc := range []struct {
			name            string
			period          string
			charges         []ch
			net, vat, total int64
			percent         int
		}{
			{"mixed positions 2025-12 at 20%", "2025-12", []ch{
				{posInd, at(2025, 12, 1, 0, 0, 0)}, {posLE, at(2025, 12, 10, 12, 0, 0)},
				{posHead, at(2025, 12, 20, 9, 0, 0)}, {posBundle, at(2025, 12, 31, 23, 59, 59)}},
				562347, 112469, 674816, 20}, // 112469.4
			{"2026-01 at 22%", "2026-01", []ch{
				{posInd, at(2026, 1, 1, 0, 0, 0)}, {posHead, at(2026, 1, 15, 0, 0, 0)}, {posHead, at(2026, 1, 31, 23, 59, 59)}},
				274694, 60433, 335127, 22}, // 60432.68
			{"half a kopeck rounds up", "2026-02", []ch{
				{posInd, at(2026, 2, 1, 0, 0, 0)}, {posHead, at(2026, 2, 1, 0, 0, 0)}},
				262375, 57723, 320098, 22}, // 57722.5
			{"only the zero-priced bundle", "2026-02", []ch{{posBundle, at(2026, 2, 3, 0, 0, 0)}},
				0, 0, 0, 22},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := testdb.Fixture(t, x.db) // a fresh account per case
				var apps []string
				for _, c := range tc.charges {
					apps = append(apps, x.charge(t, f.AccountA, f.HeadOrg, c.pos, c.when))
				}
				invs := x.close(t, f.AccountA, tc.period)
				if len(invs) != 1 {
					t.Fatalf("%d invoices, want 1", len(invs))
				}
				inv := invs[0]
				if inv.NetKopecks != tc.net || inv.VATKopecks != tc.vat || inv.TotalKopecks != tc.total || inv.VATPercent != tc.percent {
					t.Fatalf("invoice net %d VAT %d%% %d total %d, want net %d VAT %d%% %d total %d", inv.NetKopecks,
						inv.VATPercent, inv.VATKopecks, inv.TotalKopecks, tc.net, tc.percent, tc.vat, tc.total)
				}
				if inv.VATKopecks != billing.VAT(inv.NetKopecks, inv.VATPercent) || inv.TotalKopecks != inv.NetKopecks+inv.VATKopecks {
					t.Fatalf("inconsistent invoice %+v", inv)
				}
				var sum int64
				for _, app := range apps {
					l := x.line(t, app)
					if l.InvoiceID != inv.ID || l.Period != tc.period {
						t.Errorf("line %s: invoice %q period %s, want %s %s", app, l.InvoiceID, l.Period, inv.ID, tc.period)
					}
					sum += l.PriceKopecks
				}
				if sum != tc.net {
					t.Fatalf("the lines add up to %d, the invoice says %d", sum, tc.net)
				}
				stored := x.invoices(t, f.AccountA, tc.period)
				if len(stored) != 1 || *stored[0] != *inv {
					t.Fatalf("stored invoice %+v differs from the returned %+v", stored, inv)
				}
			})
		}
	})
}

// Each line carries the price of the tariff in force on the Moscow date of its event.
func TestLinePriceByEventDate(t *testing.T) {
	onEngines(t, at(2026, 10, 1, 0, 0, 0), func(t *testing.T, x *bfx) {
		x.tariff(t, posInd, 270000, "2026-11-01", "")
		x.clk.Set(at(2026, 11, 20, 0, 0, 0))
		before := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 10, 31, 23, 59, 59))
		after := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 1, 0, 0, 0))
		if p := x.line(t, before).PriceKopecks; p != priceInd {
			t.Errorf("23:59:59 MSK on 31 October: price %d, want %d", p, priceInd)
		}
		if p := x.line(t, after).PriceKopecks; p != 270000 {
			t.Errorf("00:00 MSK on 1 November: price %d, want 270000", p)
		}
	})
}

// --- 2. Period boundaries -----------------------------------------------------------------------------

func TestPeriodOfMoscow(t *testing.T) {
	for _, tc := range []struct {
		at           time.Time
		period, date string
	}{
		{time.Date(2026, 10, 31, 20, 59, 59, 0, time.UTC), "2026-10", "2026-10-31"},
		{time.Date(2026, 10, 31, 20, 59, 59, 999999999, time.UTC), "2026-10", "2026-10-31"},
		{time.Date(2026, 10, 31, 21, 0, 0, 0, time.UTC), "2026-11", "2026-11-01"},
		{time.Date(2025, 12, 31, 21, 0, 0, 0, time.UTC), "2026-01", "2026-01-01"},
		{time.Date(2025, 12, 31, 20, 59, 59, 0, time.UTC), "2025-12", "2025-12-31"},
		{time.Date(2026, 3, 1, 0, 30, 0, 0, time.FixedZone("VLAT", 10*3600)), "2026-02", "2026-02-28"},
	} {
		if p, d := billing.PeriodOf(tc.at), billing.DateOf(tc.at); p != tc.period || d != tc.date {
			t.Errorf("%s: period %s date %s, want %s %s", tc.at, p, d, tc.period, tc.date)
		}
	}
}

// An issuance at 23:59:59 Moscow time on the last day of the month belongs to that month; one second
// later it belongs to the next; the close of the month takes exactly the first.
func TestChargePeriodBoundary(t *testing.T) {
	onEngines(t, at(2026, 11, 15, 12, 0, 0), func(t *testing.T, x *bfx) {
		last := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, time.Date(2026, 10, 31, 20, 59, 59, 0, time.UTC))
		first := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, time.Date(2026, 10, 31, 21, 0, 0, 0, time.UTC))
		if p := x.line(t, last).Period; p != "2026-10" {
			t.Errorf("2026-10-31T23:59:59 MSK landed in %s, want 2026-10", p)
		}
		if p := x.line(t, first).Period; p != "2026-11" {
			t.Errorf("2026-11-01T00:00:00 MSK landed in %s, want 2026-11", p)
		}
		invs := x.close(t, x.f.AccountA, "2026-10")
		if len(invs) != 1 || invs[0].NetKopecks != priceInd {
			t.Fatalf("October invoices %+v, want one of %d", invs, priceInd)
		}
		if l := x.line(t, last); l.InvoiceID != invs[0].ID {
			t.Errorf("the last-second line is not in October's invoice")
		}
		if l := x.line(t, first); l.InvoiceID != "" {
			t.Errorf("November's first line was invoiced with October")
		}
	})
}

// --- 3. Close -----------------------------------------------------------------------------------------

func TestCloseRefusesBadPeriods(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		app := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 2, 10, 0, 0))
		for _, tc := range []struct {
			period, rule string
			now          time.Time
		}{
			{"2026-11", "not_ended", at(2026, 11, 26, 12, 0, 0)},   // the current month
			{"2026-11", "not_ended", at(2026, 11, 30, 23, 59, 59)}, // its last second, Moscow time
			{"2026-12", "not_ended", at(2026, 11, 26, 12, 0, 0)},   // a future month
			{"2030-01", "not_ended", at(2026, 11, 26, 12, 0, 0)},
			{"2026-13", "format", at(2026, 11, 26, 12, 0, 0)},
			{"2026-1", "format", at(2026, 11, 26, 12, 0, 0)},
			{"26-11", "format", at(2026, 11, 26, 12, 0, 0)},
			{"2026-11-01", "format", at(2026, 11, 26, 12, 0, 0)},
			{"", "format", at(2026, 11, 26, 12, 0, 0)},
			{"ноябрь", "format", at(2026, 11, 26, 12, 0, 0)},
		} {
			x.clk.Set(tc.now)
			invs, err := x.svc.Close(ctx, operator, x.f.AccountA, tc.period)
			if err == nil {
				t.Errorf("close %q at %s: %d invoices, want a refusal", tc.period, tc.now, len(invs))
				continue
			}
			wantField(t, err, "period", tc.rule)
		}
		if l := x.line(t, app); l.InvoiceID != "" || l.Period != "2026-11" {
			t.Fatalf("a refused close touched the line: %+v", l)
		}
		if n := len(x.invoices(t, "", "")); n != 0 {
			t.Fatalf("%d invoices after refused closes", n)
		}
		// A line of the month charged after the refusals still lands in it: the period was not closed.
		late := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 26, 13, 0, 0))
		if p := x.line(t, late).Period; p != "2026-11" {
			t.Fatalf("after refused closes a November line landed in %s", p)
		}
		// At 00:00 Moscow time on the 1st the month has ended.
		x.clk.Set(at(2026, 12, 1, 0, 0, 0))
		if invs := x.close(t, x.f.AccountA, "2026-11"); len(invs) != 1 || invs[0].NetKopecks != 2*priceInd {
			t.Fatalf("November at its end: %+v", invs)
		}
	})
}

func TestCloseOneInvoicePerPayer(t *testing.T) {
	onEngines(t, at(2026, 12, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		// account A: the head organization and the branch pay separately; account B has one payer.
		type ch struct {
			account, payer string
			pos            model.BillingPosition
			period         string
		}
		var all []ch
		apps := map[string]ch{}
		add := func(account, payer string, pos model.BillingPosition, when time.Time) {
			c := ch{account, payer, pos, billing.PeriodOf(when)}
			apps[x.charge(t, account, payer, pos, when)] = c
			all = append(all, c)
		}
		add(f.AccountA, f.HeadOrg, posInd, at(2026, 9, 1, 0, 0, 0))
		add(f.AccountA, f.HeadOrg, posLE, at(2026, 9, 15, 0, 0, 0))
		add(f.AccountA, f.BranchOrg, posInd, at(2026, 9, 30, 23, 59, 59))
		add(f.AccountA, f.BranchOrg, posHead, at(2026, 9, 2, 0, 0, 0))
		add(f.AccountA, f.HeadOrg, posBundle, at(2026, 9, 3, 0, 0, 0))
		add(f.AccountB, f.OrgB, posInd, at(2026, 9, 4, 0, 0, 0))
		add(f.AccountA, f.HeadOrg, posInd, at(2026, 10, 1, 0, 0, 0))
		add(f.AccountA, f.BranchOrg, posInd, at(2026, 10, 5, 0, 0, 0))
		add(f.AccountB, f.OrgB, posLE, at(2026, 10, 6, 0, 0, 0))

		sepA := x.close(t, f.AccountA, "2026-09")
		if len(sepA) != 2 {
			t.Fatalf("account A, September: %d invoices, want 2 (one per payer)", len(sepA))
		}
		want := map[string]int64{f.HeadOrg: priceInd + priceLE, f.BranchOrg: priceInd + priceHead}
		for _, inv := range sepA {
			if inv.NetKopecks != want[inv.PayerOrganizationID] || inv.Period != "2026-09" || inv.AccountID != f.AccountA {
				t.Errorf("invoice %+v, want net %d", inv, want[inv.PayerOrganizationID])
			}
			for _, l := range x.lines(t, storage.LineFilter{InvoiceID: inv.ID}) {
				if l.PayerOrganizationID != inv.PayerOrganizationID || l.Period != "2026-09" {
					t.Errorf("invoice of %s holds line %+v", inv.PayerOrganizationID, l)
				}
			}
		}
		if sepA[0].PayerOrganizationID == sepA[1].PayerOrganizationID {
			t.Fatal("two invoices for one payer")
		}
		// Other periods and other accounts are untouched.
		for app, c := range apps {
			l := x.line(t, app)
			if (c.account == f.AccountA && c.period == "2026-09") != (l.InvoiceID != "") {
				t.Errorf("line %+v: invoiced %v after closing A's September", c, l.InvoiceID != "")
			}
		}
		sepB := x.close(t, f.AccountB, "2026-09")
		octA := x.close(t, f.AccountA, "2026-10")
		if len(sepB) != 1 || len(octA) != 2 {
			t.Fatalf("B September %d invoices, A October %d; want 1 and 2", len(sepB), len(octA))
		}
		// Numbers run without gaps across accounts and periods, in the order of the closes.
		var numbers []int64
		for _, inv := range slices.Concat(sepA, sepB, octA) {
			numbers = append(numbers, inv.Number)
		}
		for i, n := range numbers {
			if n != int64(i+1) {
				t.Fatalf("invoice numbers %v, want 1..%d", numbers, len(numbers))
			}
		}

		// Closing again returns the same invoices and changes nothing.
		linesBefore, invsBefore := x.lines(t, storage.LineFilter{}), x.invoices(t, "", "")
		again := x.close(t, f.AccountA, "2026-09")
		if len(again) != len(sepA) {
			t.Fatalf("second close: %d invoices, want %d", len(again), len(sepA))
		}
		byID := map[string]*model.Invoice{}
		for _, inv := range sepA {
			byID[inv.ID] = inv
		}
		for _, inv := range again {
			if first := byID[inv.ID]; first == nil || first.Number != inv.Number || first.TotalKopecks != inv.TotalKopecks {
				t.Fatalf("second close returned %+v, not one of the first", inv)
			}
		}
		linesAfter, invsAfter := x.lines(t, storage.LineFilter{}), x.invoices(t, "", "")
		if !equalLines(linesBefore, linesAfter) || len(invsBefore) != len(invsAfter) {
			t.Fatalf("a second close changed lines (%d→%d) or invoices (%d→%d)", len(linesBefore), len(linesAfter),
				len(invsBefore), len(invsAfter))
		}

		// A late line for an event of closed September lands in the next open period of the account.
		lateB := x.charge(t, f.AccountB, f.OrgB, posHead, at(2026, 9, 20, 0, 0, 0))
		if l := x.line(t, lateB); l.Period != "2026-10" || l.InvoiceID != "" {
			t.Fatalf("a late September line of B: period %s invoice %q, want 2026-10 and open", l.Period, l.InvoiceID)
		}
		// For A both September and October are closed: November.
		lateA := x.charge(t, f.AccountA, f.BranchOrg, posInd, at(2026, 9, 20, 0, 0, 0))
		if l := x.line(t, lateA); l.Period != "2026-11" || !l.EventAt.Equal(at(2026, 9, 20, 0, 0, 0)) {
			t.Fatalf("a late September line of A: period %s event %s, want 2026-11 and the real event time", l.Period, l.EventAt)
		}
		if invs := x.close(t, f.AccountA, "2026-09"); len(invs) != 2 {
			t.Fatalf("closing September again: %d invoices", len(invs))
		}
		octB := x.close(t, f.AccountB, "2026-10")
		if len(octB) != 1 || octB[0].NetKopecks != priceLE+priceHead || octB[0].Number != 6 {
			t.Fatalf("B October %+v, want number 6 with net %d", octB, priceLE+priceHead)
		}
		if l := x.line(t, lateB); l.InvoiceID != octB[0].ID {
			t.Fatal("the late line is not in the next period's invoice")
		}
		novA := x.close(t, f.AccountA, "2026-11")
		if len(novA) != 1 || novA[0].PayerOrganizationID != f.BranchOrg || novA[0].NetKopecks != priceInd || novA[0].Number != 7 {
			t.Fatalf("A November %+v, want the branch's late line as number 7", novA)
		}
		// An empty period closes with no invoice and takes no number.
		if invs := x.close(t, f.AccountB, "2026-11"); len(invs) != 0 {
			t.Fatalf("an empty period produced invoices %+v", invs)
		}
		assertEveryLineOnce(t, x, []string{"2026-09", "2026-10", "2026-11"})
	})
}

func equalLines(a, b []*model.BillingLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if *a[i] != *b[i] {
			return false
		}
	}
	return true
}

// assertEveryLineOnce checks that every line of the closed periods is in exactly one invoice, of its
// account, payer and period, that each invoice's net is the sum of its lines, and that invoice numbers
// are 1..n without gaps.
func assertEveryLineOnce(t *testing.T, x *bfx, closed []string) {
	t.Helper()
	lines := x.lines(t, storage.LineFilter{})
	invs := x.invoices(t, "", "")
	byID := map[string]*model.Invoice{}
	for i, inv := range invs {
		if inv.Number != int64(i+1) {
			t.Errorf("invoice numbers have a gap: #%d at position %d", inv.Number, i+1)
		}
		byID[inv.ID] = inv
	}
	seen := map[string]int{}
	var inInvoices int
	for _, inv := range invs {
		var sum int64
		for _, l := range x.lines(t, storage.LineFilter{InvoiceID: inv.ID}) {
			seen[l.ID]++
			inInvoices++
			sum += l.PriceKopecks
			if l.AccountID != inv.AccountID || l.PayerOrganizationID != inv.PayerOrganizationID || l.Period != inv.Period {
				t.Errorf("line %s (%s %s %s) in invoice #%d (%s %s %s)", l.ID, l.AccountID, l.PayerOrganizationID, l.Period,
					inv.Number, inv.AccountID, inv.PayerOrganizationID, inv.Period)
			}
		}
		if sum != inv.NetKopecks || inv.TotalKopecks != inv.NetKopecks+billing.VAT(inv.NetKopecks, inv.VATPercent) {
			t.Errorf("invoice #%d: lines add up to %d, net %d, total %d", inv.Number, sum, inv.NetKopecks, inv.TotalKopecks)
		}
	}
	open := 0
	for _, l := range lines {
		if l.InvoiceID == "" {
			open++
			if slices.Contains(closed, l.Period) {
				t.Errorf("line %s of closed period %s is in no invoice", l.ID, l.Period)
			}
			continue
		}
		if byID[l.InvoiceID] == nil {
			t.Errorf("line %s points at a missing invoice %s", l.ID, l.InvoiceID)
		}
		if seen[l.ID] != 1 {
			t.Errorf("line %s is in %d invoices", l.ID, seen[l.ID])
		}
	}
	if inInvoices+open != len(lines) {
		t.Errorf("%d lines in invoices + %d open ≠ %d lines", inInvoices, open, len(lines))
	}
}

// --- 4. Concurrency -----------------------------------------------------------------------------------

// Lines are charged for events of a month while that month closes: each line lands in the month's invoice
// or, if it came after the close, in the next month's — never in both, never in none. Three rounds (August,
// September, October), each closing while six writers charge events of the month being closed.
func TestCloseWhileCharging(t *testing.T) {
	onEngines(t, at(2026, 11, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		payers := []string{f.HeadOrg, f.BranchOrg}
		const writers, each = 6, 10
		months := []time.Month{time.August, time.September, time.October}
		total := 0
		for round, month := range months {
			period := billing.PeriodOf(at(2026, month, 1, 0, 0, 0))
			for i := range 4 {
				x.charge(t, f.AccountA, payers[i%2], posInd, at(2026, month, 1+i, 10, 0, 0))
			}
			var done atomic.Int32
			var wg sync.WaitGroup
			errc := make(chan error, writers*each+1)
			start := make(chan struct{})
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r := rand.New(rand.NewPCG(uint64(round*100+w), 1))
					for i := range each {
						when := at(2026, month, 1+r.IntN(30), r.IntN(24), r.IntN(60), 0)
						if i == each-1 {
							when = at(2026, month+1, 1, 0, 0, 0).Add(-time.Second) // the last second of the month
						}
						pos := []model.BillingPosition{posInd, posLE, posHead}[r.IntN(3)]
						tail := time.Duration(r.IntN(1000)) * time.Microsecond
						if err := x.chargeTx(f.AccountA, payers[r.IntN(2)], pos, testdb.NewID(), when, tail); err != nil {
							errc <- fmt.Errorf("writer %d charge %d: %w", w, i, err)
						}
						done.Add(1)
					}
				}()
			}
			var closed []*model.Invoice
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for done.Load() < writers*each/4 {
					time.Sleep(100 * time.Microsecond)
				}
				var err error
				if closed, err = x.svc.Close(ctx, operator, f.AccountA, period); err != nil {
					errc <- fmt.Errorf("close %s: %w", period, err)
				}
			}()
			close(start)
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Error(err)
			}
			if t.Failed() {
				t.FailNow()
			}
			total += 4 + writers*each
			lines := x.lines(t, storage.LineFilter{})
			if len(lines) != total {
				t.Fatalf("%d lines, want %d", len(lines), total)
			}
			// The invoices the close returned hold exactly the period's invoiced lines (with the late lines of
			// the round before, which moved into this period). A line that read the period open and committed
			// after the close read the lines is still open in it (PostgreSQL only: SQLite serializes); the
			// next round's close bills it. A line that read it closed went to the next period.
			var net, sum int64
			for _, inv := range closed {
				net += inv.NetKopecks
			}
			moved, late := 0, 0
			for _, l := range lines {
				if l.Period == period {
					if l.InvoiceID == "" {
						late++
						if billing.PeriodOf(l.EventAt) != period {
							t.Errorf("%s: a line of %s moved into it is in no invoice", period, l.EventAt)
						}
					} else {
						sum += l.PriceKopecks
					}
				}
				if billing.PeriodOf(l.EventAt) == period && l.Period != period {
					moved++
					if next := billing.PeriodOf(at(2026, month+1, 1, 0, 0, 0)); l.Period != next || l.InvoiceID != "" {
						t.Errorf("a late line of %s landed in %s (invoice %q), want the open %s", period, l.Period, l.InvoiceID, next)
					}
				}
			}
			if late > 0 && x.db.Dialect() != storage.Postgres {
				t.Errorf("%s: %d lines committed after the close on SQLite, whose writers are serialized", period, late)
			}
			if net != sum {
				t.Errorf("%s: the close's invoices add up to %d, the period's invoiced lines to %d", period, net, sum)
			}
			t.Logf("%s: %d of %d lines came after the close and moved on, %d committed after it and wait for the next",
				period, moved, 4+writers*each, late)
		}
		x.clk.Set(at(2026, 12, 1, 0, 0, 1))
		x.close(t, f.AccountA, "2026-11")
		assertEveryLineOnce(t, x, []string{"2026-08", "2026-09", "2026-10", "2026-11"})
	})
}

// Two closes of the same period at once make one set of invoices.
func TestConcurrentCloses(t *testing.T) {
	onEngines(t, at(2026, 11, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		for i := range 4 {
			x.charge(t, x.f.AccountA, []string{x.f.HeadOrg, x.f.BranchOrg}[i%2], posInd, at(2026, 10, 1+i, 0, 0, 0))
		}
		results := make([][]*model.Invoice, 4)
		errsOf := make([]error, 4)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errsOf[i] = x.svc.Close(ctx, operator, x.f.AccountA, "2026-10")
			}()
		}
		wg.Wait()
		for i, err := range errsOf {
			if err != nil {
				t.Fatalf("close %d: %v", i, err)
			}
			if len(results[i]) != 2 {
				t.Fatalf("close %d returned %d invoices", i, len(results[i]))
			}
		}
		if n := len(x.invoices(t, "", "")); n != 2 {
			t.Fatalf("%d invoices stored, want 2", n)
		}
		assertEveryLineOnce(t, x, []string{"2026-10"})
	})
}

// holdCharge charges in a transaction that stays open, with an audit event as an issuance writes, until
// release is closed; it returns once the line is written, and the transaction's outcome arrives on the
// returned channel.
func (x *bfx) holdCharge(t *testing.T, ctx context.Context, account, payer string, when time.Time, release <-chan struct{}) (string, <-chan error) {
	t.Helper()
	app := testdb.NewID()
	written, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- x.db.InTx(ctx, func(ctx context.Context) error {
			if err := x.issue(ctx, account, payer, app, when); err != nil {
				return err
			}
			close(written)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	select {
	case <-written:
	case err := <-done:
		t.Fatalf("held charge: %v", err)
	}
	return app, done
}

// issue writes what an issuance writes for billing and audit: the line and an audit event with a feed event.
func (x *bfx) issue(ctx context.Context, account, payer, app string, when time.Time) error {
	if err := x.svc.Charge(ctx, billing.Charge{AccountID: account, PayerOrganizationID: payer, Position: posLE, Event: "issuance",
		ApplicationID: app, CertificateSerial: "SER-" + app[len(app)-8:], Employee: employee, At: when}); err != nil {
		return err
	}
	return x.db.AppendAudit(ctx, &audit.Event{At: when, Actor: "user:registrar", Action: "application.issue", ObjectType: "application",
		ObjectID: app, AccountID: account, OrganizationID: payer}, &model.FeedEvent{Type: "application.issued", AccountID: account,
		OrganizationID: payer, ObjectID: app, Data: map[string]any{"state": "issued"}})
}

// Two issuances of one account in one period, the period's first, do not wait for each other: the second
// commits while the first is still open (on PostgreSQL; SQLite serializes writers by design). Before issue 11
// the second queued on the first's period row lock and audit head lock until the first committed: here it
// would never commit and the generous deadline would end the test.
func TestChargesDoNotWaitForEachOther(t *testing.T) {
	onEngines(t, at(2026, 11, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		if x.db.Dialect() != storage.Postgres {
			t.Skip("SQLite serializes write transactions")
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // far beyond any honest commit
		defer cancel()
		var mu sync.Mutex
		var order []string
		note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		release := make(chan struct{})
		first, firstDone := x.holdCharge(t, ctx, x.f.AccountA, x.f.HeadOrg, at(2026, 11, 2, 10, 0, 0), release)
		second := testdb.NewID()
		err := x.db.InTx(ctx, func(ctx context.Context) error {
			return x.issue(ctx, x.f.AccountA, x.f.BranchOrg, second, at(2026, 11, 3, 10, 0, 0))
		})
		note("second committed")
		if err != nil {
			close(release)
			t.Fatalf("the second issuance: %v", err)
		}
		// The sequencer chains the second issuance's audit event without waiting for the first either.
		if n, err := x.db.SequenceAudit(ctx); err != nil || n != 1 {
			close(release)
			t.Fatalf("SequenceAudit with the first open = %d, %v; want the second's event", n, err)
		}
		note("first released")
		close(release)
		if err := <-firstDone; err != nil {
			t.Fatalf("the first issuance: %v", err)
		}
		if !slices.Equal(order, []string{"second committed", "first released"}) {
			t.Fatalf("order %v", order)
		}
		for _, app := range []string{first, second} {
			if l := x.line(t, app); l.Period != "2026-11" || l.InvoiceID != "" {
				t.Errorf("line %+v, want open in 2026-11", l)
			}
		}
		if n, err := x.db.VerifyAudit(ctx); err != nil || n < 2 {
			t.Fatalf("VerifyAudit = %d, %v", n, err)
		}
		feed, err := x.db.FeedEvents(ctx, storage.Scope{AccountID: x.f.AccountA}, 0, 10)
		if err != nil || len(feed) != 2 || feed[0].ObjectID != second || feed[1].ObjectID != first {
			t.Fatalf("feed %+v, %v; want the second issuance, chained first, then the first", feed, err)
		}
	})
}

// A line whose transaction read its period open and commits after the period's close read the lines stays
// open in that period, the close not waiting for it, and the account's next close bills it in its own
// period, also when that next period has no other line (the background job finds it). PostgreSQL only:
// on SQLite the close waits for the open transaction.
func TestLineCommittedAfterClose(t *testing.T) {
	onEngines(t, at(2026, 11, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		if x.db.Dialect() != storage.Postgres {
			t.Skip("SQLite serializes write transactions")
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		f := x.f
		early := x.charge(t, f.AccountA, f.HeadOrg, posInd, at(2026, 10, 5, 0, 0, 0))
		release := make(chan struct{})
		late, lateDone := x.holdCharge(t, ctx, f.AccountA, f.HeadOrg, at(2026, 10, 30, 0, 0, 0), release)
		octInvs, err := x.svc.Close(ctx, operator, f.AccountA, "2026-10")
		close(release)
		if err != nil {
			t.Fatalf("close with a line writer open: %v", err)
		}
		if err := <-lateDone; err != nil {
			t.Fatal(err)
		}
		if len(octInvs) != 1 || octInvs[0].NetKopecks != priceInd || x.line(t, early).InvoiceID != octInvs[0].ID {
			t.Fatalf("October: %+v, want the early line alone", octInvs)
		}
		if l := x.line(t, late); l.Period != "2026-10" || l.InvoiceID != "" {
			t.Fatalf("the late line: period %s invoice %q, want open in 2026-10", l.Period, l.InvoiceID)
		}
		// Closing October again changes nothing, the late line included.
		if again := x.close(t, f.AccountA, "2026-10"); len(again) != 1 || again[0].ID != octInvs[0].ID {
			t.Fatalf("closing October again: %+v", again)
		}
		if l := x.line(t, late); l.InvoiceID != "" {
			t.Fatal("a second close of October billed the late line")
		}
		// November has no line of its own; the job closes it once it has ended, for the late line.
		x.clk.Set(at(2026, 12, 1, 0, 0, 1))
		if n, err := x.svc.CloseDue(ctx, operator); err != nil || n != 1 {
			t.Fatalf("CloseDue = %d, %v; want the November invoice", n, err)
		}
		nov := x.invoices(t, f.AccountA, "2026-11")
		if len(nov) != 1 || nov[0].NetKopecks != priceLE || nov[0].Number != 2 || nov[0].VATPercent != 22 {
			t.Fatalf("November: %+v, want number 2 holding the late line", nov)
		}
		if l := x.line(t, late); l.InvoiceID != nov[0].ID || l.Period != "2026-11" {
			t.Fatalf("the late line: period %s invoice %q, want November's invoice", l.Period, l.InvoiceID)
		}
		if n, err := x.svc.CloseDue(ctx, operator); err != nil || n != 0 {
			t.Fatalf("CloseDue again = %d, %v", n, err)
		}
		assertEveryLineOnce(t, x, []string{"2026-10", "2026-11"})
	})
}

// A tariff migration running while the period closes leaves every invoice equal to the sum of its lines as
// stored: each line is either repriced before it is invoiced or invoiced at its old price and left alone.
func TestMigrateWhileClosing(t *testing.T) {
	onEngines(t, at(2026, 11, 10, 12, 0, 0), func(t *testing.T, x *bfx) {
		for i := range 40 {
			x.charge(t, x.f.AccountA, []string{x.f.HeadOrg, x.f.BranchOrg}[i%2], posLE, at(2026, 10, 1+i%28, 10, 0, i))
		}
		var wg sync.WaitGroup
		var closeErr, migrateErr error
		var moved *billing.MigrateResult
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, closeErr = x.svc.Close(ctx, operator, x.f.AccountA, "2026-10")
		}()
		go func() {
			defer wg.Done()
			moved, migrateErr = x.svc.MigrateTariff(ctx, operator, billing.MigrateInput{From: posLE, To: posInd, FromDate: "2026-10-01"})
		}()
		wg.Wait()
		if closeErr != nil || migrateErr != nil {
			t.Fatalf("close: %v, migration: %v", closeErr, migrateErr)
		}
		repriced := 0
		for _, l := range x.lines(t, storage.LineFilter{AccountID: x.f.AccountA}) {
			if l.Position == posInd {
				repriced++
			}
		}
		if repriced != moved.Lines || (repriced != 0 && repriced != 40) {
			t.Errorf("%d lines repriced, the migration reports %d; want all or none (the two take turns)", repriced, moved.Lines)
		}
		assertEveryLineOnce(t, x, []string{"2026-10"})
	})
}

// --- 5. Tariffs ---------------------------------------------------------------------------------------

func TestCreateTariffValidation(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		// A bounded tariff: the default individual price now ends where a new open-ended one starts.
		x.tariff(t, posInd, 260000, "2027-01-01", "")
		before, err := x.db.Tariffs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name        string
			in          billing.TariffInput
			field, rule string
		}{
			{"negative price", billing.TariffInput{Position: posHead, PriceKopecks: -1, ValidFrom: "2027-05-01"}, "price_kopecks", "range"},
			{"unknown position", billing.TariffInput{Position: "consulting", PriceKopecks: 100, ValidFrom: "2027-05-01"}, "position", "enum"},
			{"empty position", billing.TariffInput{PriceKopecks: 100, ValidFrom: "2027-05-01"}, "position", "enum"},
			{"valid_to before valid_from", billing.TariffInput{Position: posHead, PriceKopecks: 100, ValidFrom: "2027-05-01",
				ValidTo: "2027-04-01"}, "valid_to", "range"},
			{"empty range", billing.TariffInput{Position: posHead, PriceKopecks: 100, ValidFrom: "2027-05-01",
				ValidTo: "2027-05-01"}, "valid_to", "range"},
			{"malformed valid_from", billing.TariffInput{Position: posHead, PriceKopecks: 100, ValidFrom: "01.05.2027"}, "valid_from", "format"},
			{"missing valid_from", billing.TariffInput{Position: posHead, PriceKopecks: 100}, "valid_from", "format"},
			{"malformed valid_to", billing.TariffInput{Position: posHead, PriceKopecks: 100, ValidFrom: "2027-05-01",
				ValidTo: "2027-13-01"}, "valid_to", "format"},
			{"open-ended, overlapping the bounded default", billing.TariffInput{Position: posInd, PriceKopecks: 255000,
				ValidFrom: "2026-12-01"}, "valid_from", "overlap"},
			{"bounded, inside the bounded default", billing.TariffInput{Position: posInd, PriceKopecks: 255000,
				ValidFrom: "2026-12-01", ValidTo: "2026-12-15"}, "valid_from", "overlap"},
			{"bounded, across the change", billing.TariffInput{Position: posInd, PriceKopecks: 255000,
				ValidFrom: "2026-12-15", ValidTo: "2027-01-15"}, "valid_from", "overlap"},
			{"same start as the current price", billing.TariffInput{Position: posInd, PriceKopecks: 255000,
				ValidFrom: "2027-01-01"}, "valid_from", "overlap"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := x.svc.CreateTariff(ctx, operator, tc.in)
				wantField(t, err, tc.field, tc.rule)
			})
		}
		// Only the CA operator sets prices.
		for _, p := range []*access.Principal{
			{Actor: "user:a", Role: model.RoleAccountAdmin, AccountID: x.f.AccountA},
			accountant(x.f.AccountA),
			{Actor: "user:o", Role: model.RoleOrgAdmin, AccountID: x.f.AccountA, OrgIDs: []string{x.f.HeadOrg}},
			{Actor: "user:m", Role: model.RoleManager, AccountID: x.f.AccountA},
			{Actor: "api_key:k", Role: model.RoleIntegration, AccountID: x.f.AccountA},
			nil,
		} {
			_, err := x.svc.CreateTariff(ctx, p, billing.TariffInput{Position: posHead, PriceKopecks: 100, ValidFrom: "2027-05-01"})
			wantKind(t, err, errs.Forbidden)
		}
		after, err := x.db.Tariffs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("refused tariffs changed the table: %d → %d rows", len(before), len(after))
		}
		for i := range before {
			if *before[i] != *after[i] {
				t.Fatalf("a refused tariff changed %+v into %+v", before[i], after[i])
			}
		}
	})
}

// A new price after an open-ended one ends the old one the day it starts; lines keep the price they were
// charged at.
func TestTariffPriceChange(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		early := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 10, 0, 0, 0))
		tf, err := x.svc.CreateTariff(ctx, operator, billing.TariffInput{Position: posInd, PriceKopecks: 270000, ValidFrom: "2026-12-01"})
		if err != nil {
			t.Fatal(err)
		}
		if tf.ValidTo != "" || tf.PriceKopecks != 270000 || tf.Position != posInd {
			t.Fatalf("created %+v", tf)
		}
		all, err := x.svc.Tariffs(ctx, accountant(x.f.AccountA))
		if err != nil {
			t.Fatal(err)
		}
		var old *model.Tariff
		for _, tr := range all {
			if tr.ID == "default-individual" {
				old = tr
			}
		}
		if old == nil || old.ValidTo != "2026-12-01" || old.PriceKopecks != priceInd || old.ValidFrom != "2020-01-01" {
			t.Fatalf("the old price after the change: %+v, want it to end on 2026-12-01", old)
		}
		for _, tc := range []struct {
			date  string
			price int64
			id    string
		}{
			{"2020-01-01", priceInd, "default-individual"},
			{"2026-11-30", priceInd, "default-individual"},
			{"2026-12-01", 270000, tf.ID},
			{"2099-01-01", 270000, tf.ID},
		} {
			got, err := x.db.TariffAt(ctx, posInd, tc.date)
			if err != nil || got.PriceKopecks != tc.price || got.ID != tc.id {
				t.Errorf("TariffAt(%s) = %+v, %v; want %s at %d", tc.date, got, err, tc.id, tc.price)
			}
		}
		if _, err := x.db.TariffAt(ctx, posInd, "2019-12-31"); !storage.IsNoRows(err) {
			t.Errorf("a price before the first tariff: %v", err)
		}
		// Lines charged before the change, and lines of events before it charged later, keep the old price.
		lastDay := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 30, 23, 59, 59))
		x.clk.Set(at(2026, 12, 2, 12, 0, 0))
		newDay := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 12, 1, 0, 0, 0))
		for app, want := range map[string]int64{early: priceInd, lastDay: priceInd, newDay: 270000} {
			if l := x.line(t, app); l.PriceKopecks != want {
				t.Errorf("line at %s: %d, want %d", l.EventAt, l.PriceKopecks, want)
			}
		}
		if invs := x.close(t, x.f.AccountA, "2026-11"); len(invs) != 1 || invs[0].NetKopecks != 2*priceInd {
			t.Fatalf("November closed at %+v, want net %d", invs, 2*priceInd)
		}
		// The change is audited.
		events, err := x.db.AuditEvents(ctx, "tariff", tf.ID)
		if err != nil || len(events) != 1 || events[0].Action != "tariff.create" || events[0].Actor != operator.Actor {
			t.Fatalf("audit of the new tariff: %+v, %v", events, err)
		}
	})
}

// A bounded price set inside an open-ended one must not leave the position without a price after it ends:
// either it is refused, or the old price resumes.
func TestBoundedTariffLeavesNoGap(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		_, err := x.svc.CreateTariff(ctx, operator, billing.TariffInput{Position: posHead, PriceKopecks: 100000,
			ValidFrom: "2027-03-01", ValidTo: "2027-04-01"})
		if err != nil {
			wantKind(t, err, errs.Invalid) // refusing is one correct answer
			return
		}
		for _, date := range []string{"2027-02-28", "2027-03-15", "2027-04-01", "2030-01-01"} {
			if _, err := x.db.TariffAt(ctx, posHead, date); err != nil {
				t.Errorf("after a bounded price for March 2027, head_identification has no price on %s: %v", date, err)
			}
		}
		if got, err := x.db.TariffAt(ctx, posHead, "2027-03-15"); err == nil && got.PriceKopecks != 100000 {
			t.Errorf("the bounded price is not in force inside its range: %+v", got)
		}
	})
}

// A price change never rewrites history: a tariff starting on or before the date of a line already
// charged would make the line's tariff no longer the one in force on its date, so it is refused.
func TestTariffNeverRewritesChargedHistory(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		app := x.charge(t, x.f.AccountA, x.f.HeadOrg, posInd, at(2026, 11, 10, 12, 0, 0))
		_, err := x.svc.CreateTariff(ctx, operator, billing.TariffInput{Position: posInd, PriceKopecks: 1, ValidFrom: "2026-11-01"})
		if err == nil {
			l := x.line(t, app)
			cur, _ := x.db.TariffAt(ctx, posInd, billing.DateOf(l.EventAt))
			t.Fatalf("a retroactive price was accepted: the line of %s carries tariff %s at %d, the tariff in force on "+
				"that date is now %s at %d", billing.DateOf(l.EventAt), l.TariffID, l.PriceKopecks, cur.ID, cur.PriceKopecks)
		}
		wantField(t, err, "valid_from", "")
		if got, err := x.db.TariffAt(ctx, posInd, "2026-11-10"); err != nil || got.ID != "default-individual" {
			t.Fatalf("the refused tariff changed history: %+v %v", got, err)
		}
	})
}

// --- 6. Agreements ------------------------------------------------------------------------------------

func TestCreateAgreementValidation(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		acct := x.f.AccountB
		for _, tc := range []struct {
			name        string
			in          billing.AgreementInput
			field, rule string
		}{
			{"no kind", billing.AgreementInput{Number: "1", SignedOn: "2026-01-01"}, "kind", "enum"},
			{"unknown kind", billing.AgreementInput{Kind: "addendum", Number: "1", SignedOn: "2026-01-01"}, "kind", "enum"},
			{"supplementary covering nothing", billing.AgreementInput{Kind: "supplementary", Number: "ДС-1", SignedOn: "2026-01-01"},
				"covers", "enum"},
			{"supplementary covering another position", billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
				SignedOn: "2026-01-01", Covers: posLE}, "covers", "enum"},
			{"contract covering a position", billing.AgreementInput{Kind: "contract", Number: "Д-1", SignedOn: "2026-01-01",
				Covers: posInd}, "covers", "not_allowed"},
			{"no number", billing.AgreementInput{Kind: "contract", Number: "  ", SignedOn: "2026-01-01"}, "number", "required"},
			{"long number", billing.AgreementInput{Kind: "contract", Number: strings.Repeat("№", 101), SignedOn: "2026-01-01"},
				"number", "required"},
			{"bad date", billing.AgreementInput{Kind: "contract", Number: "Д-1", SignedOn: "01.01.2026"}, "signed_on", "format"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := x.svc.CreateAgreement(ctx, operator, acct, tc.in)
				wantField(t, err, tc.field, tc.rule)
			})
		}
		good := billing.AgreementInput{Kind: "supplementary", Number: "ДС-1", SignedOn: "2026-01-01", Covers: posInd}
		_, err := x.svc.CreateAgreement(ctx, operator, "no-such-account", good)
		wantKind(t, err, errs.NotFound)
		_, err = x.svc.CreateAgreement(ctx, &access.Principal{Actor: "user:a", Role: model.RoleAccountAdmin, AccountID: acct}, acct, good)
		wantKind(t, err, errs.Forbidden)
		if list, err := x.svc.Agreements(ctx, operator, acct); err != nil || len(list) != 0 {
			t.Fatalf("refused agreements were stored: %+v %v", list, err)
		}
		a, err := x.svc.CreateAgreement(ctx, operator, acct, billing.AgreementInput{Kind: "contract", Number: " Д-7 ", SignedOn: "2025-01-01"})
		if err != nil || a.Number != "Д-7" || a.AccountID != acct {
			t.Fatalf("contract: %+v %v", a, err)
		}
		if list, err := x.svc.Agreements(ctx, accountant(acct), acct); err != nil || len(list) != 1 {
			t.Fatalf("the account's own accountant sees %+v %v", list, err)
		}
		_, err = x.svc.Agreements(ctx, accountant(x.f.AccountA), acct)
		wantKind(t, err, errs.NotFound)
	})
}

func TestCheckAgreement(t *testing.T) {
	onEngines(t, at(2026, 11, 26, 12, 0, 0), func(t *testing.T, x *bfx) {
		acct := x.f.AccountB
		now := at(2026, 11, 26, 12, 0, 0)
		refused := func(t *testing.T, at time.Time) {
			t.Helper()
			err := x.svc.CheckAgreement(ctx, acct, posInd, at)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Refused || e.Rule != "supplementary_agreement_required" {
				t.Fatalf("individual certificate at %s without a supplementary agreement: %v", at, err)
			}
			if !strings.Contains(e.Detail, "дополнительное соглашение") || !strings.Contains(e.Detail, "individual_certificate") {
				t.Fatalf("the refusal does not tell the step to take: %q", e.Detail)
			}
		}
		refused(t, now)
		for _, pos := range []model.BillingPosition{posLE, posHead, posBundle} {
			if err := x.svc.CheckAgreement(ctx, acct, pos, now); err != nil {
				t.Errorf("%s needs no supplementary agreement: %v", pos, err)
			}
		}
		// A contract opens nothing; another account's supplementary agreement opens nothing here.
		if _, err := x.svc.CreateAgreement(ctx, operator, acct, billing.AgreementInput{Kind: "contract", Number: "Д-1",
			SignedOn: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := x.svc.CreateAgreement(ctx, operator, x.f.AccountA, billing.AgreementInput{Kind: "supplementary",
			Number: "ДС-A", SignedOn: "2020-01-01", Covers: posInd}); err != nil {
			t.Fatal(err)
		}
		refused(t, now)
		// Signed on 27 November: refused on the 26th, accepted from the 27th (Moscow date).
		if _, err := x.svc.CreateAgreement(ctx, operator, acct, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
			SignedOn: "2026-11-27", Covers: posInd}); err != nil {
			t.Fatal(err)
		}
		refused(t, at(2026, 11, 26, 23, 59, 59))
		for _, ok := range []time.Time{at(2026, 11, 27, 0, 0, 0), time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC), at(2027, 5, 1, 0, 0, 0)} {
			if err := x.svc.CheckAgreement(ctx, acct, posInd, ok); err != nil {
				t.Errorf("individual certificate at %s after the agreement: %v", ok, err)
			}
		}
	})
}

// --- 7. Tariff migration ------------------------------------------------------------------------------

func TestMigrateTariff(t *testing.T) {
	onEngines(t, at(2023, 7, 1, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		x.tariff(t, posInd, 260000, "2023-09-01", "")
		x.clk.Set(at(2023, 9, 20, 12, 0, 0))
		type want struct {
			pos     model.BillingPosition
			price   int64
			invoice bool
		}
		cases := map[string]want{}
		add := func(account, payer string, pos model.BillingPosition, when time.Time, w want) {
			cases[x.charge(t, account, payer, pos, when)] = w
		}
		// From 2023-08-15 (Moscow). Account A: an August line that gets invoiced stays.
		add(f.AccountA, f.HeadOrg, posLE, at(2023, 8, 20, 0, 0, 0), want{posLE, priceLE, true})
		invs := x.close(t, f.AccountA, "2023-08")
		if len(invs) != 1 {
			t.Fatalf("August: %d invoices", len(invs))
		}
		add(f.AccountA, f.HeadOrg, posLE, at(2023, 9, 5, 0, 0, 0), want{posInd, 260000, false})
		add(f.AccountA, f.BranchOrg, posLE, time.Date(2023, 8, 31, 21, 30, 0, 0, time.UTC), want{posInd, 260000, false}) // 1 Sep MSK
		add(f.AccountA, f.HeadOrg, posInd, at(2023, 9, 6, 0, 0, 0), want{posInd, 260000, false})                         // another position
		add(f.AccountA, f.HeadOrg, posHead, at(2023, 9, 7, 0, 0, 0), want{posHead, priceHead, false})
		// Account B: lines before the date stay, from 00:00 Moscow time on it they move at the dated price.
		add(f.AccountB, f.OrgB, posLE, at(2023, 8, 10, 0, 0, 0), want{posLE, priceLE, false})
		add(f.AccountB, f.OrgB, posLE, at(2023, 8, 14, 23, 59, 59), want{posLE, priceLE, false})
		add(f.AccountB, f.OrgB, posLE, at(2023, 8, 15, 0, 0, 0), want{posInd, priceInd, false})
		// Applications: unfinished ones of the position move, issued/declined/cancelled ones and other positions don't.
		apps := map[string]model.BillingPosition{}
		for i, c := range []struct {
			state    model.State
			pos, out model.BillingPosition
		}{
			{model.StateDraft, posLE, posInd}, {model.StateApproved, posLE, posInd}, {model.StateIdentityVerification, posLE, posInd},
			{model.StateIssued, posLE, posLE}, {model.StateDeclined, posLE, posLE}, {model.StateCancelled, posLE, posLE},
			{model.StateDraft, posHead, posHead},
		} {
			id := testdb.NewID()
			now := x.clk.Now()
			if err := x.db.CreateApplication(ctx, &model.Application{ID: id, AccountID: f.AccountA, OrganizationID: f.BranchOrg,
				EmployeeID: f.BranchEmployee, Kind: model.KindLegalEntityEmployee, State: c.state, BillingPosition: c.pos,
				CreatedBy: "user:test", CreatedAt: now.Add(time.Duration(i)), UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			apps[id] = c.out
		}

		in := billing.MigrateInput{From: posLE, To: posInd, FromDate: "2023-08-15"}
		_, err := x.svc.MigrateTariff(ctx, accountant(f.AccountA), in)
		wantKind(t, err, errs.Forbidden)
		for _, bad := range []struct {
			in    billing.MigrateInput
			field string
		}{
			{billing.MigrateInput{From: posLE, To: posLE, FromDate: "2023-08-15"}, "to_position"},
			{billing.MigrateInput{From: "x", To: posInd, FromDate: "2023-08-15"}, "from_position"},
			{billing.MigrateInput{From: posLE, To: posInd, FromDate: "15.08.2023"}, "from_date"},
		} {
			_, err := x.svc.MigrateTariff(ctx, operator, bad.in)
			wantField(t, err, bad.field, "")
		}

		res, err := x.svc.MigrateTariff(ctx, operator, in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lines != 3 || res.Applications != 3 {
			t.Errorf("moved %d lines and %d applications, want 3 and 3", res.Lines, res.Applications)
		}
		for app, w := range cases {
			l := x.line(t, app)
			if l.Position != w.pos || l.PriceKopecks != w.price || (l.InvoiceID != "") != w.invoice {
				t.Errorf("line of %s (%s): %s at %d invoiced %v; want %s at %d", l.EventAt.In(rules.MSK), app, l.Position,
					l.PriceKopecks, l.InvoiceID != "", w.pos, w.price)
			}
			if tf, err := x.db.TariffAt(ctx, l.Position, billing.DateOf(l.EventAt)); err != nil || tf.ID != l.TariffID {
				t.Errorf("line of %s carries tariff %s, the one of its position and date is %+v", app, l.TariffID, tf)
			}
		}
		if inv := x.invoices(t, f.AccountA, "2023-08"); len(inv) != 1 || inv[0].NetKopecks != priceLE {
			t.Errorf("the migration changed an invoice: %+v", inv)
		}
		for id, pos := range apps {
			a, err := x.db.Application(ctx, storage.Scope{AccountID: f.AccountA}, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.BillingPosition != pos {
				t.Errorf("application in state %s: position %s, want %s", a.State, a.BillingPosition, pos)
			}
		}
		events, err := x.db.AuditEvents(ctx, "tariff", string(posLE))
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Action != "tariff.migrate" || events[0].Actor != operator.Actor ||
			fmt.Sprint(events[0].Detail["lines"]) != "3" || fmt.Sprint(events[0].Detail["applications"]) != "3" ||
			events[0].Detail["from_date"] != "2023-08-15" || events[0].Detail["to_position"] != string(posInd) {
			t.Fatalf("audit of the migration: %+v", events)
		}
		// Running it again moves nothing more.
		if res, err := x.svc.MigrateTariff(ctx, operator, in); err != nil || res.Lines != 0 || res.Applications != 0 {
			t.Fatalf("second migration: %+v %v", res, err)
		}
	})
}

// --- 8. Forecast --------------------------------------------------------------------------------------

func TestForecast(t *testing.T) {
	onEngines(t, at(2025, 10, 1, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		x.tariff(t, posInd, 280000, "2026-03-01", "")
		x.clk.Set(at(2025, 11, 15, 12, 0, 0)) // months 2025-11 … 2026-10: 20% VAT in 2025, 22% from 2026
		n := 0
		cert := func(account, org, emp string, kind model.CertKind, status model.CertStatus, notAfter time.Time, replacedBy string) {
			t.Helper()
			n++
			c := &model.Certificate{Serial: fmt.Sprintf("F%04d", n), AccountID: account, OrganizationID: org, EmployeeID: emp,
				Kind: kind, Status: status, Issuer: "CN=test", NotBefore: notAfter.AddDate(-1, 0, 0), NotAfter: notAfter,
				DER: []byte{0x30, 0x00}, CreatedAt: notAfter.AddDate(-1, 0, 0), ReplacedBy: replacedBy}
			if status == model.CertRevoked {
				r := x.clk.Now().AddDate(0, -1, 0)
				c.RevokedAt, c.RevocationReason = &r, "superseded"
			}
			if err := x.db.CreateCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		valid := model.CertValid
		// In the plan:
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, valid, at(2025, 11, 20, 10, 0, 0), "")
		cert(f.AccountA, f.BranchOrg, f.BranchEmployee, model.KindLegalEntityEmployee, valid, at(2025, 12, 31, 23, 59, 59), "")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindLegalEntityEmployee, valid, at(2026, 1, 1, 0, 0, 0), "")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindHead, valid, at(2026, 3, 10, 0, 0, 0), "")
		cert(f.AccountA, f.BranchOrg, f.BranchEmployee, model.KindIndividual, valid, at(2026, 3, 15, 0, 0, 0), "")
		cert(f.AccountA, f.BranchOrg, f.BranchEmployee, model.KindIndividual, valid, at(2026, 10, 31, 23, 59, 59), "")
		// Not in the plan: expired, revoked, already renewed, after the twelve months, another account.
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, valid, at(2025, 10, 1, 0, 0, 0), "")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, model.CertExpired, at(2025, 10, 20, 0, 0, 0), "")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, model.CertRevoked, at(2026, 2, 1, 0, 0, 0), "")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, valid, at(2026, 2, 2, 0, 0, 0), "F9999")
		cert(f.AccountA, f.HeadOrg, f.HeadEmployee, model.KindIndividual, valid, at(2026, 11, 1, 0, 0, 0), "")
		cert(f.AccountB, f.OrgB, f.EmployeeB, model.KindIndividual, valid, at(2026, 3, 20, 0, 0, 0), "")

		type payer struct {
			n   int
			net int64
		}
		type month struct {
			certs           int
			net, vat, total int64
			payers          map[string]payer
		}
		want := map[string]month{
			"2025-11": {1, 250000, 50000, 300000, map[string]payer{f.HeadOrg: {1, 250000}}},
			"2025-12": {1, 250000, 50000, 300000, map[string]payer{f.BranchOrg: {1, 250000}}}, // employee → individual, 20%
			"2026-01": {1, 250000, 55000, 305000, map[string]payer{f.HeadOrg: {1, 250000}}},   // 22%
			// The head renews remotely with the valid certificate: no service-center identification to pay.
			"2026-03": {2, 280000, 61600, 341600, map[string]payer{f.HeadOrg: {1, 0}, f.BranchOrg: {1, 280000}}},
			"2026-10": {1, 280000, 61600, 341600, map[string]payer{f.BranchOrg: {1, 280000}}},
		}
		months, err := x.svc.Forecast(ctx, accountant(f.AccountA))
		if err != nil {
			t.Fatal(err)
		}
		if len(months) != 12 {
			t.Fatalf("%d months, want 12", len(months))
		}
		for i, m := range months {
			period := billing.PeriodOf(at(2025, time.Month(11+i), 1, 0, 0, 0))
			if m.Period != period {
				t.Errorf("month %d is %s, want %s", i, m.Period, period)
			}
			w := want[period]
			if m.Certificates != w.certs || m.NetKopecks != w.net || m.VATKopecks != w.vat || m.TotalKopecks != w.total {
				t.Errorf("%s: %d certificates, net %d VAT %d total %d; want %d, %d, %d, %d", m.Period, m.Certificates,
					m.NetKopecks, m.VATKopecks, m.TotalKopecks, w.certs, w.net, w.vat, w.total)
			}
			if m.ByPayer == nil {
				t.Errorf("%s: by_payer is null, want a list (empty for a month with nothing)", m.Period)
			}
			if len(m.ByPayer) != len(w.payers) {
				t.Errorf("%s: %d payers %+v, want %d", m.Period, len(m.ByPayer), m.ByPayer, len(w.payers))
			}
			for _, p := range m.ByPayer {
				if wp := w.payers[p.OrganizationID]; p.Certificates != wp.n || p.NetKopecks != wp.net || p.OrganizationName == "" {
					t.Errorf("%s: payer %s %+v, want %+v", m.Period, p.OrganizationID, p, wp)
				}
			}
		}
		// A manager scoped to the head organization plans only its certificates.
		mgr := &access.Principal{Actor: "user:m", Role: model.RoleManager, AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}}
		months, err = x.svc.Forecast(ctx, mgr)
		if err != nil {
			t.Fatal(err)
		}
		if m := months[4]; m.Period != "2026-03" || m.Certificates != 1 || m.NetKopecks != 0 {
			t.Errorf("the head organization's manager, March: %+v", m)
		}
		if m := months[1]; m.Certificates != 0 {
			t.Errorf("the head organization's manager sees the branch: %+v", m)
		}
		for _, p := range []*access.Principal{
			{Actor: "user:o", Role: model.RoleOrgAdmin, AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}},
			{Actor: "user:r", Role: model.RoleRegistrar, AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}},
			{Actor: "user:e", Role: model.RoleEmployee, AccountID: f.AccountA, EmployeeID: f.HeadEmployee},
			{Actor: "api_key:k", Role: model.RoleIntegration, AccountID: f.AccountA},
		} {
			_, err := x.svc.Forecast(ctx, p)
			wantKind(t, err, errs.Forbidden)
		}
	})
}

// A certificate that expired earlier in the current month is expired: it is not a renewal the plan can
// schedule, any more than one that expired last month.
func TestForecastExcludesExpiredThisMonth(t *testing.T) {
	onEngines(t, at(2025, 11, 15, 12, 0, 0), func(t *testing.T, x *bfx) {
		f := x.f
		c := &model.Certificate{Serial: "EXP1", AccountID: f.AccountA, OrganizationID: f.HeadOrg, EmployeeID: f.HeadEmployee,
			Kind: model.KindIndividual, Status: model.CertValid, Issuer: "CN=test", NotBefore: at(2024, 11, 10, 0, 0, 0),
			NotAfter: at(2025, 11, 10, 0, 0, 0), DER: []byte{0x30, 0x00}, CreatedAt: at(2024, 11, 10, 0, 0, 0)}
		if err := x.db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
		months, err := x.svc.Forecast(ctx, accountant(f.AccountA))
		if err != nil {
			t.Fatal(err)
		}
		if months[0].Certificates != 0 {
			t.Fatalf("a certificate that expired on %s is planned for renewal in %s: %+v", billing.DateOf(c.NotAfter),
				months[0].Period, months[0])
		}
	})
}

// An application is charged once per kind of event: a head whose identity is checked again at the service
// center (after a correction, say) pays for one identification.
func TestChargeOncePerEvent(t *testing.T) {
	onEngines(t, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), func(t *testing.T, x *bfx) {
		app := x.charge(t, x.f.AccountA, x.f.HeadOrg, "head_identification", x.clk.Now())
		for range 3 {
			if err := x.tryCharge(x.f.AccountA, x.f.HeadOrg, "head_identification", app, x.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(x.lines(t, storage.LineFilter{AccountID: x.f.AccountA})); n != 1 {
			t.Fatalf("%d lines for one application's identification, want 1", n)
		}
		if got := billing.Initials(employee); got != "И. П. И." {
			t.Fatalf("initials %q, want only initials", got)
		}
	})
}

// An account billed quarterly has one period per quarter, named by its first month; a monthly close of a
// month inside it is refused, the quarter closes once it has ended, at the VAT of its last day.
func TestQuarterlyAccount(t *testing.T) {
	onEngines(t, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), func(t *testing.T, x *bfx) {
		op := &access.Principal{Actor: "user:op", Role: model.RoleOperator}
		if err := x.svc.SetPeriodMonths(ctx, op, x.f.AccountA, 2); !errs.Is(err, errs.Invalid) {
			t.Fatalf("2 months: %v", err)
		}
		if err := x.svc.SetPeriodMonths(ctx, accountant(x.f.AccountA), x.f.AccountA, 3); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the accountant set the period: %v", err)
		}
		if err := x.svc.SetPeriodMonths(ctx, op, x.f.AccountA, 3); err != nil {
			t.Fatal(err)
		}
		if got := billing.PeriodOfLength(time.Date(2026, 8, 31, 20, 59, 59, 0, time.UTC), 3); got != "2026-07" {
			t.Fatalf("the quarter of 31 August 23:59:59 MSK is %s", got)
		}
		app := x.charge(t, x.f.AccountA, x.f.HeadOrg, "individual_certificate", time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC))
		if l := x.line(t, app); l.Period != "2026-07" {
			t.Fatalf("line period %s, want the quarter 2026-07", l.Period)
		}
		if _, err := x.svc.Close(ctx, op, x.f.AccountA, "2026-08"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a month inside the quarter: %v", err)
		}
		if _, err := x.svc.Close(ctx, op, x.f.AccountA, "2026-10"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a quarter that has not ended: %v", err)
		}
		invs, err := x.svc.Close(ctx, op, x.f.AccountA, "2026-07")
		if err != nil || len(invs) != 1 || invs[0].NetKopecks != 250000 || invs[0].VATPercent != 22 {
			t.Fatalf("quarter close: %+v %v", invs, err)
		}
		// The command's CloseAll skips the quarterly account for a month that starts no quarter.
		if _, err := x.svc.CloseAll(ctx, op, "2026-08"); err != nil {
			t.Fatalf("CloseAll of a month inside the quarter: %v", err)
		}
	})
}
