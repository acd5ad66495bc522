package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// TestSortIndexesMatchOrders checks that the expression indexes of migrations 0008 and 0009 use exactly the
// CASE expressions the sorted queries use: otherwise the planner cannot use them and sorting an account's
// enumerations reads and sorts all of it.
func TestSortIndexesMatchOrders(t *testing.T) {
	var body []byte
	for _, name := range []string{"0008_sort_indexes.sql", "0009_sort_by_account.sql"} {
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, b...)
	}
	for _, c := range []struct{ index, expr string }{
		{"applications_state_order", enumOrder("state", model.States)},
		{"applications_kind_order", enumOrder("kind", model.CertKinds)},
		{"certificates_status_order", enumOrder("status", storedCertStatuses) + "), (-not_after"},
		{"certificates_kind_order", enumOrder("kind", model.CertKinds)},
	} {
		t.Run(c.index, func(t *testing.T) {
			line := ""
			for l := range strings.Lines(string(body)) {
				if strings.Contains(l, " "+c.index+" ") {
					line = l
				}
			}
			if !strings.Contains(line, "("+c.expr+")") {
				t.Errorf("index %s is %q, want the expression %s", c.index, line, c.expr)
			}
		})
	}
	// The sorted queries use the same function over the qualified column.
	for got, want := range map[string]string{
		applicationList.orders["state"][0].expr:  enumOrder("a.state", model.States),
		applicationList.orders["kind"][0].expr:   enumOrder("a.kind", model.CertKinds),
		certificateList.orders["status"][0].expr: enumOrder("c.status", storedCertStatuses),
		certificateList.orders["status"][1].expr: "-c.not_after",
		certificateList.orders["kind"][0].expr:   enumOrder("c.kind", model.CertKinds),
	} {
		if got != want {
			t.Errorf("sort expression %s, want %s", got, want)
		}
	}
}

// TestOptimizeGathersStatistics checks that the migrations leave SQLite's statistics table and that Optimize
// fills it as tables grow: the planner needs both to prefer a per-organization index over walking the account.
func TestOptimizeGathersStatistics(t *testing.T) {
	ctx := t.Context()
	db, err := OpenSQLiteFile(ctx, t.TempDir()+"/kcr.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.CreateAccount(ctx, &model.Account{ID: "acc", Name: "Холдинг", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	var n int
	// Migrations end with ANALYZE: the statistics table exists, with nothing yet about the empty accounts.
	if err := db.queryRow(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("statistics of accounts after the migrations: %d rows, %v", n, err)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.queryRow(ctx, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts'`).Scan(&n); err != nil || n == 0 {
		t.Errorf("statistics of accounts after Optimize: %d rows, %v", n, err)
	}
}
