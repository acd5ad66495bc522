package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/testdb"
)

// BenchmarkPlanReminders100k plans reminders over 100,000 valid certificates on SQLite, their ends spread
// over a year (about 16,000 within the 60 days, 3,800 of them escalated). first_run_s is the run that
// queues everything; each loop iteration is a later run (the hourly case), which finds it all queued.
func BenchmarkPlanReminders100k(b *testing.B) {
	ctx := context.Background()
	db := testdb.Engines(b)[0].Open(b)
	f := testdb.Fixture(b, db)
	clk := clock.NewFake(start)
	for i, u := range []struct {
		role model.Role
		emp  string
	}{{model.RoleAccountAdmin, f.HeadEmployee}, {model.RoleEmployee, f.BranchEmployee}, {model.RoleOrgAdmin, ""}} {
		var orgs []string
		if u.role == model.RoleOrgAdmin {
			orgs = []string{f.BranchOrg}
		}
		if err := db.CreateUser(ctx, &model.User{ID: testdb.NewID(), AccountID: f.AccountA, Login: fmt.Sprint("bench", i),
			FullName: "П", Role: u.role, EmployeeID: u.emp, OrganizationIDs: orgs, CreatedAt: start, PasswordHash: "x"}); err != nil {
			b.Fatal(err)
		}
	}
	const n = 100_000
	for lo := 0; lo < n; lo += 5000 {
		err := db.InTx(ctx, func(ctx context.Context) error {
			for i := lo; i < lo+5000; i++ {
				org, emp := f.HeadOrg, f.HeadEmployee
				if i%2 == 1 {
					org, emp = f.BranchOrg, f.BranchEmployee
				}
				end := start.Add(time.Duration(i) * (365 * 24 * time.Hour / n))
				if err := db.CreateCertificate(ctx, &model.Certificate{Serial: fmt.Sprintf("%040x", i), AccountID: f.AccountA,
					OrganizationID: org, EmployeeID: emp, Kind: model.KindIndividual, Status: model.CertValid, Issuer: "bench",
					NotBefore: end.AddDate(-1, 0, 0), NotAfter: end, DER: []byte{0x30, 0}, CreatedAt: start}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	svc := &notify.Service{DB: db, Clock: clk, Timeline: rules.DefaultTimeline(), Sender: &recording{}}
	p := &notify.Planner{Notify: svc}
	t0 := time.Now()
	r, err := p.Plan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(t0).Seconds(), "first_run_s")
	b.Logf("first run: %+v in %s", r, time.Since(t0))
	for b.Loop() {
		if r, err := p.Plan(ctx); err != nil || r.Mail+r.Notices != 0 {
			b.Fatalf("%+v %v", r, err)
		}
	}
}
