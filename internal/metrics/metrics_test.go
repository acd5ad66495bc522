package metrics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// noon is a Moscow date at noon.
func noon(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, rules.MSK) }

// register is a crafted register (on top of testdb.Fixture) whose metrics are known; see Register.
type register struct {
	*testdb.Fix
}

// Register inserts the crafted certificates. Account A (HeadOrg with HeadEmployee, BranchOrg with
// BranchEmployee) and account B (OrgB with EmployeeB):
//
//	A1   Branch ind        2025-10-10 … 2026-10-10  reissued by A1r (2026-10-01, application 10 days before)
//	A2   Head   ind        2025-10-20 … 2026-10-20  not reissued
//	A3   Head   legal emp  2023-05-01 … 2026-10-25  replaced_by A3r (individual, 2026-10-21, application 3 days before)
//	A4   Branch legal emp  2023-06-01 … 2027-03-01  legacy, in use
//	A5   Head   sole prop  2025-11-10 … 2026-11-10  revoked 2026-06-01, not reissued: left out
//	A6   Head   head       2025-11-15 … 2026-11-15  reissued only after its end by A6r (2026-11-20, application 7 days before)
//	A7   Branch sole prop  2025-12-10 … 2026-12-10  not reissued
//	A8   Branch head       2025-12-20 … 2026-12-20  still running on 2026-12-15
//	A9   Branch ind        2026-12-05 … 2027-12-05
//	A10  Head ind @Branch  2026-06-01 … 2027-06-01  revoked 2026-11-20
//	B1   B ind             2025-10-12 … 2026-10-12  reissued by B1r (2026-10-01, application 1 day before)
func Register(t *testing.T, db *storage.DB) *register {
	t.Helper()
	ctx := context.Background()
	f := testdb.Fixture(t, db)
	r := &register{f}
	type c struct {
		name, account, org, emp string
		kind                    model.CertKind
		from, to                time.Time
		revoked                 time.Time
		replacedBy              string
		appCreated              time.Time
	}
	A, B := f.AccountA, f.AccountB
	ind, leg, sole, head := model.KindIndividual, model.KindLegalEntityEmployee, model.KindSoleProprietor, model.KindHead
	certs := []c{
		{name: "A1r", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: ind, from: noon(2026, 10, 1), to: noon(2027, 10, 1), appCreated: noon(2026, 9, 21)},
		{name: "A1", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: ind, from: noon(2025, 10, 10), to: noon(2026, 10, 10)},
		{name: "A2", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: ind, from: noon(2025, 10, 20), to: noon(2026, 10, 20)},
		{name: "A3r", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: ind, from: noon(2026, 10, 21), to: noon(2027, 10, 21), appCreated: noon(2026, 10, 18)},
		{name: "A3", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: leg, from: noon(2023, 5, 1), to: noon(2026, 10, 25), replacedBy: "A3r"},
		{name: "A4", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: leg, from: noon(2023, 6, 1), to: noon(2027, 3, 1)},
		{name: "A5", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: sole, from: noon(2025, 11, 10), to: noon(2026, 11, 10), revoked: noon(2026, 6, 1)},
		{name: "A6", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: head, from: noon(2025, 11, 15), to: noon(2026, 11, 15)},
		{name: "A6r", account: A, org: f.HeadOrg, emp: f.HeadEmployee, kind: head, from: noon(2026, 11, 20), to: noon(2027, 11, 20), appCreated: noon(2026, 11, 13)},
		{name: "A7", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: sole, from: noon(2025, 12, 10), to: noon(2026, 12, 10)},
		{name: "A8", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: head, from: noon(2025, 12, 20), to: noon(2026, 12, 20)},
		{name: "A9", account: A, org: f.BranchOrg, emp: f.BranchEmployee, kind: ind, from: noon(2026, 12, 5), to: noon(2027, 12, 5)},
		{name: "A10", account: A, org: f.BranchOrg, emp: f.HeadEmployee, kind: ind, from: noon(2026, 6, 1), to: noon(2027, 6, 1), revoked: noon(2026, 11, 20)},
		{name: "B1r", account: B, org: f.OrgB, emp: f.EmployeeB, kind: ind, from: noon(2026, 10, 1), to: noon(2027, 10, 1), appCreated: noon(2026, 9, 30)},
		{name: "B1", account: B, org: f.OrgB, emp: f.EmployeeB, kind: ind, from: noon(2025, 10, 12), to: noon(2026, 10, 12)},
	}
	serial := func(name string) string { return name + "-" + f.AccountA[len(f.AccountA)-8:] }
	for _, x := range certs {
		cert := &model.Certificate{Serial: serial(x.name), AccountID: x.account, OrganizationID: x.org, EmployeeID: x.emp,
			Kind: x.kind, Status: model.CertValid, Issuer: "test", NotBefore: x.from, NotAfter: x.to, DER: []byte{0x30, 0},
			CreatedAt: x.from}
		if x.replacedBy != "" {
			cert.ReplacedBy = serial(x.replacedBy)
		}
		if !x.revoked.IsZero() {
			rv := x.revoked
			cert.Status, cert.RevokedAt, cert.RevocationReason = model.CertRevoked, &rv, "superseded"
		}
		if !x.appCreated.IsZero() {
			cert.ApplicationID = testdb.NewID()
			if err := db.CreateApplication(ctx, &model.Application{ID: cert.ApplicationID, AccountID: x.account,
				OrganizationID: x.org, EmployeeID: x.emp, Kind: x.kind, State: model.StateIssued, CertificateSerial: cert.Serial,
				CreatedBy: "user:test", CreatedAt: x.appCreated, UpdatedAt: x.from}); err != nil {
				t.Fatalf("application of %s: %v", x.name, err)
			}
		}
		if err := db.CreateCertificate(ctx, cert); err != nil {
			t.Fatalf("certificate %s: %v", x.name, err)
		}
	}
	return r
}

// row is the figures of one month the tests compare.
type row struct {
	Period                 string
	Partial                bool
	Due, Reissued, Expired int
	Share                  string
	Issued                 int
	Median                 string
	EmployeeCerts, Linked  int
	LinkedShare            string
	Legacy                 string
}

func f2s(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *v)
}

func rowsOf(rep *metrics.Report) []row {
	var out []row
	for _, m := range rep.Months {
		legacy := "-"
		if m.LegacyInUse != nil {
			legacy = fmt.Sprint(*m.LegacyInUse)
		}
		out = append(out, row{m.Period, m.Partial, m.Due, m.ReissuedBeforeEnd, m.ExpiredWithoutReissue, f2s(m.ReissuedShare),
			m.Issued, f2s(m.MedianDaysToIssue), m.EmployeeCertificates, m.LinkedIndividual, f2s(m.LinkedShare), legacy})
	}
	return out
}

func TestReissue(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			reg := Register(t, db)
			clk := clock.NewFake(noon(2026, 12, 15))
			svc := &metrics.Service{Store: db, Clock: clk}
			for _, tc := range []struct {
				name   string
				p      *access.Principal
				now    time.Time
				months int
				scope  metrics.Scope
				want   []row
			}{
				{name: "account administrator", p: &access.Principal{Role: model.RoleAccountAdmin, AccountID: reg.AccountA},
					now: noon(2026, 12, 15), months: 3, scope: metrics.ScopeAccount, want: []row{
						{"2026-10", false, 3, 2, 1, "0.6667", 2, "6.5000", 4, 3, "0.7500", "1"},
						{"2026-11", false, 1, 0, 1, "0.0000", 1, "7.0000", 3, 2, "0.6667", "1"},
						{"2026-12", true, 1, 0, 1, "0.0000", 0, "-", 4, 3, "0.7500", "1"},
					}},
				{name: "manager of the branch", p: &access.Principal{Role: model.RoleManager, AccountID: reg.AccountA, OrgIDs: []string{reg.BranchOrg}},
					now: noon(2026, 12, 15), months: 3, scope: metrics.ScopeOrganizations, want: []row{
						{"2026-10", false, 1, 1, 0, "1.0000", 1, "10.0000", 3, 2, "0.6667", "1"},
						{"2026-11", false, 0, 0, 0, "-", 0, "-", 2, 1, "0.5000", "1"},
						{"2026-12", true, 1, 0, 1, "0.0000", 0, "-", 3, 2, "0.6667", "1"},
					}},
				{name: "account B", p: &access.Principal{Role: model.RoleAccountAdmin, AccountID: reg.AccountB},
					now: noon(2026, 12, 15), months: 1, scope: metrics.ScopeAccount, want: []row{
						{"2026-12", true, 0, 0, 0, "-", 0, "-", 1, 1, "1.0000", "0"},
					}},
				{name: "legacy only from the rule's month", p: &access.Principal{Role: model.RoleAccountAdmin, AccountID: reg.AccountA},
					now: noon(2024, 9, 15), months: 2, scope: metrics.ScopeAccount, want: []row{
						{"2024-08", false, 0, 0, 0, "-", 0, "-", 2, 0, "0.0000", "-"},
						{"2024-09", true, 0, 0, 0, "-", 0, "-", 2, 0, "0.0000", "2"},
					}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					clk.Set(tc.now)
					rep, err := svc.Reissue(context.Background(), tc.p, tc.months)
					if err != nil {
						t.Fatal(err)
					}
					if rep.Scope != tc.scope {
						t.Errorf("scope %q, want %q", rep.Scope, tc.scope)
					}
					if got := rowsOf(rep); !reflect.DeepEqual(got, tc.want) {
						t.Errorf("months\n got %+v\nwant %+v", got, tc.want)
					}
					if want := []string{"median_days_reminder_to_reissue", "mailing_reach"}; !reflect.DeepEqual(rep.Unavailable, want) {
						t.Errorf("unavailable %v, want %v", rep.Unavailable, want)
					}
				})
			}
		})
	}
}

// TestReissueOperator runs the CA operator's report on a database holding only the crafted register.
func TestReissueOperator(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			Register(t, db)
			svc := &metrics.Service{Store: db, Clock: clock.NewFake(noon(2026, 12, 15))}
			rep, err := svc.Reissue(context.Background(), &access.Principal{Role: model.RoleOperator}, 3)
			if err != nil {
				t.Fatal(err)
			}
			want := []row{
				{"2026-10", false, 4, 3, 1, "0.7500", 3, "3.0000", 5, 4, "0.8000", "1"},
				{"2026-11", false, 1, 0, 1, "0.0000", 1, "7.0000", 4, 3, "0.7500", "1"},
				{"2026-12", true, 1, 0, 1, "0.0000", 0, "-", 5, 4, "0.8000", "1"},
			}
			if rep.Scope != metrics.ScopeAll {
				t.Errorf("scope %q", rep.Scope)
			}
			if got := rowsOf(rep); !reflect.DeepEqual(got, want) {
				t.Errorf("months\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReissueRefused(t *testing.T) {
	t.Parallel()
	svc := &metrics.Service{Clock: clock.NewFake(noon(2026, 12, 15))}
	for _, tc := range []struct {
		name   string
		p      *access.Principal
		months int
		kind   errs.Kind
	}{
		{"registrar", &access.Principal{Role: model.RoleRegistrar, AccountID: "a"}, 12, errs.Forbidden},
		{"employee", &access.Principal{Role: model.RoleEmployee, AccountID: "a", EmployeeID: "e"}, 12, errs.Forbidden},
		{"accountant", &access.Principal{Role: model.RoleAccountant, AccountID: "a"}, 12, errs.Forbidden},
		{"integration", &access.Principal{Role: model.RoleIntegration, AccountID: "a"}, 12, errs.Forbidden},
		{"too many months", &access.Principal{Role: model.RoleOperator}, 37, errs.Invalid},
		{"negative months", &access.Principal{Role: model.RoleOperator}, -1, errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Reissue(context.Background(), tc.p, tc.months)
			if errs.KindOf(err) != tc.kind {
				t.Fatalf("err %v, want kind %s", err, tc.kind)
			}
		})
	}
}

// fakeReminders stands for the reminders of a later part: the report takes their medians as they come.
type fakeReminders struct{}

func (fakeReminders) FirstReminderToReissue(_ context.Context, _ storage.Scope, bounds []time.Time) ([]map[int]int, error) {
	out := make([]map[int]int, len(bounds)-1)
	out[len(out)-1] = map[int]int{3: 1, 5: 2}
	return out, nil
}

func TestReissueExtensionPoints(t *testing.T) {
	t.Parallel()
	svc := &metrics.Service{Store: emptyStore{}, Clock: clock.NewFake(noon(2026, 12, 15)), Reminders: fakeReminders{}}
	rep, err := svc.Reissue(context.Background(), &access.Principal{Role: model.RoleOperator}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Unavailable, []string{"mailing_reach"}) {
		t.Errorf("unavailable %v", rep.Unavailable)
	}
	if got := rep.Months[1].MedianDaysReminderToReissue; got == nil || *got != 5 {
		t.Errorf("median days from the first reminder %v, want 5", got)
	}
	if rep.Months[0].MedianDaysReminderToReissue != nil {
		t.Errorf("a month without reminders has a median")
	}
}

// emptyStore is a register with no certificates.
type emptyStore struct{}

func (emptyStore) CertificateEndings(_ context.Context, _ storage.Scope, bounds []time.Time, _ time.Time) ([]storage.EndingCounts, error) {
	return make([]storage.EndingCounts, len(bounds)-1), nil
}

func (emptyStore) IssueLags(_ context.Context, _ storage.Scope, bounds []time.Time) ([]map[int]int, error) {
	return make([]map[int]int, len(bounds)-1), nil
}

func (emptyStore) EmployeeCertificatesAt(_ context.Context, _ storage.Scope, at []time.Time, _ time.Time) ([]storage.EmployeeCerts, error) {
	return make([]storage.EmployeeCerts, len(at)), nil
}
