package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// The audit log viewer shows an account administrator the events of their account only, newest first, with
// filters; roles without the right get nothing.
func TestAuditLog(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := eng.Open(t)
			svc := &access.Service{DB: db, Clock: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))}
			op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
			a, err := svc.CreateAccount(ctx, op, access.AccountInput{Name: "А"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := svc.CreateAccount(ctx, op, access.AccountInput{Name: "Б"})
			if err != nil {
				t.Fatal(err)
			}
			for _, acct := range []string{a.ID, b.ID} {
				if _, err := svc.CreateUser(ctx, op, access.UserInput{AccountID: acct, Login: "admin-" + acct[len(acct)-6:],
					FullName: "Админ", Role: model.RoleAccountAdmin, Password: "long enough password"}); err != nil {
					t.Fatal(err)
				}
			}
			admin := &access.Principal{Actor: "user:x", AccountID: a.ID, Role: model.RoleAccountAdmin}
			events, err := svc.AuditLog(ctx, admin, storage.AuditFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 2 || events[0].Action != "user.create" || events[1].Action != "account.create" {
				t.Fatalf("admin of A sees %+v", events)
			}
			for _, e := range events {
				if e.AccountID != a.ID {
					t.Fatalf("admin of A sees an event of %s", e.AccountID)
				}
			}
			only, err := svc.AuditLog(ctx, admin, storage.AuditFilter{Action: "account.", Limit: 50})
			if err != nil || len(only) != 1 {
				t.Fatalf("filtered by action prefix: %+v %v", only, err)
			}
			older, err := svc.AuditLog(ctx, admin, storage.AuditFilter{BeforeSeq: events[0].Seq, Limit: 50})
			if err != nil || len(older) != 1 || older[0].Seq != events[1].Seq {
				t.Fatalf("before a sequence number: %+v %v", older, err)
			}
			all, err := svc.AuditLog(ctx, op, storage.AuditFilter{Limit: 50})
			if err != nil || len(all) != 4 {
				t.Fatalf("the operator sees %d events, want 4: %v", len(all), err)
			}
			if _, err := svc.AuditLog(ctx, &access.Principal{Actor: "user:y", AccountID: a.ID, Role: model.RoleAccountant},
				storage.AuditFilter{Limit: 50}); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("the accountant read the audit log: %v", err)
			}
			if _, err := svc.AuditLog(ctx, admin, storage.AuditFilter{Limit: 0}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("limit 0: %v", err)
			}
		})
	}
}
