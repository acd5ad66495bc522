package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
)

// Authenticate only notes an API key's use; FlushLastUse writes it, and a flush that fails keeps the use
// for the next one.
func TestLastUseFlush(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
			svc := &access.Service{DB: db, Clock: clk}
			op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
			a, err := svc.CreateAccount(ctx, op, access.AccountInput{Name: "А"})
			if err != nil {
				t.Fatal(err)
			}
			admin := &access.Principal{Actor: "user:x", AccountID: a.ID, Role: model.RoleAccountAdmin}
			k, secret, err := svc.CreateAPIKey(ctx, admin, access.APIKeyInput{Name: "ERP", AllOrganizations: true})
			if err != nil {
				t.Fatal(err)
			}
			lastUsed := func() *time.Time {
				t.Helper()
				got, err := db.APIKey(ctx, a.ID, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.LastUsedAt
			}
			use := func() {
				t.Helper()
				if _, err := svc.Authenticate(ctx, secret); err != nil {
					t.Fatal(err)
				}
			}

			use()
			if got := lastUsed(); got != nil {
				t.Fatalf("Authenticate wrote last use %v", got)
			}
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			if err := svc.FlushLastUse(canceled); err == nil {
				t.Fatal("a flush on a canceled context succeeded")
			}
			first := clk.Now()
			if err := svc.FlushLastUse(ctx); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); got == nil || !got.Equal(first) {
				t.Fatalf("last used %v after the retried flush, want %v", got, first)
			}
			clk.Add(2 * time.Minute)
			use()
			if err := svc.FlushLastUse(ctx); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); got == nil || !got.Equal(clk.Now()) {
				t.Fatalf("last used %v two minutes later, want %v", got, clk.Now())
			}
			if err := svc.FlushLastUse(ctx); err != nil {
				t.Fatalf("a flush with nothing noted: %v", err)
			}
		})
	}
}
