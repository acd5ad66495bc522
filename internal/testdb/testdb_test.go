package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/storage"
)

// TestEngines checks every engine hands out a fresh, migrated, private database that Fixture can fill,
// and that a PostgreSQL test database is dropped when its test ends.
func TestEngines(t *testing.T) {
	engines := Engines(t)
	if len(engines) != 2 || engines[0].Name != "sqlite" || engines[1].Name != "postgres" {
		t.Fatalf("Engines = %v, want sqlite and postgres", engines)
	}
	migrations, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, eng := range engines {
		var dbName string
		t.Run(eng.Name, func(t *testing.T) {
			ctx := t.Context()
			db, other := eng.Open(t), eng.Open(t)
			if v, err := db.SchemaVersion(ctx); err != nil || v != len(migrations) {
				t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(migrations))
			}
			f := Fixture(t, db)
			Fixture(t, db) // a second call on the same database must not clash
			if n, err := db.CountAccounts(ctx); err != nil || n != 4 {
				t.Errorf("after two fixtures CountAccounts = %d, %v; want 4", n, err)
			}
			if n, err := other.CountAccounts(ctx); err != nil || n != 0 {
				t.Errorf("another Open sees %d accounts (%v); want a private, empty database", n, err)
			}
			branch, err := db.Organization(ctx, storage.Scope{AccountID: f.AccountA}, f.BranchOrg)
			if err != nil || branch.ParentID != f.HeadOrg || branch.INN != HeadINN || branch.KPP != BranchKPP {
				t.Errorf("branch = %+v, %v", branch, err)
			}
			apps, _, err := db.Applications(ctx, storage.Scope{AccountID: f.AccountB}, storage.AppFilter{}, storage.Page{Limit: 10})
			if err != nil || len(apps) != 1 || apps[0].ID != f.AppB || apps[0].EmployeeName != "Сидоров Пётр Алексеевич" {
				t.Errorf("account B applications = %v, %v", apps, err)
			}
			if again := Reopen(t, db); again == db {
				t.Error("Reopen returned the same handle")
			} else if n, err := again.CountAccounts(ctx); err != nil || n != 4 {
				t.Errorf("Reopen sees %d accounts (%v); want the same database (4)", n, err)
			}
			var n int
			if err := Raw(t, db).QueryRowContext(ctx, `SELECT COUNT(*) FROM employees`).Scan(&n); err != nil || n != 6 {
				t.Errorf("Raw: %d employees, %v; want 6", n, err)
			}
			if eng.Name == "postgres" {
				if err := Raw(t, db).QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbName); err != nil ||
					!strings.HasPrefix(dbName, "kcr_t_") {
					t.Errorf("test database is %q (%v); want kcr_t_…", dbName, err)
				}
			}
		})
		if dbName != "" {
			admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			err = admin.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, dbName).Scan(&n)
			admin.Close()
			if err != nil || n != 0 {
				t.Errorf("test database %s still exists after its test (%d, %v)", dbName, n, err)
			}
		}
	}
}

// fakeTB records Fatal and Skip instead of ending the real test.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Fatal(args ...any) { f.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any) { f.skip = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// call runs fn as a test body would run, so that Fatal and Skip (runtime.Goexit) end only fn.
func call(fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestPostgresWithoutURL(t *testing.T) {
	for _, c := range []struct {
		ci                  string
		wantFatal, wantSkip bool
	}{{"true", true, false}, {"1", true, false}, {"", false, true}, {"false", false, true}} {
		t.Run("CI="+c.ci, func(t *testing.T) {
			t.Setenv(EnvPostgres, "")
			t.Setenv("CI", c.ci)
			f := &fakeTB{TB: t}
			var got *storage.DB
			call(func() { got = Engines(f)[1].Open(f) })
			if got != nil {
				t.Fatal("Open returned a database without KCR_TEST_POSTGRES")
			}
			if c.wantFatal && f.fatal != "KCR_TEST_POSTGRES is required in CI" {
				t.Errorf("Fatal = %q, want the CI message", f.fatal)
			}
			if c.wantSkip && (f.skip == "" || f.fatal != "") {
				t.Errorf("Skip = %q, Fatal = %q; want a skip", f.skip, f.fatal)
			}
			// SQLite never depends on the variable.
			if db := Engines(t)[0].Open(t); db == nil {
				t.Error("SQLite Open returned nil")
			}
		})
	}
}

func TestEnginesRejectsMalformedURL(t *testing.T) {
	t.Setenv(EnvPostgres, "mysql://localhost/kcr")
	f := &fakeTB{TB: t}
	call(func() { Engines(f) })
	if !strings.Contains(f.fatal, "postgres://") {
		t.Errorf("Fatal = %q, want a complaint about the URL", f.fatal)
	}
}

// Test names become temp folder names, '#' and '%' included; the database and Raw must still meet.
func TestOddTestName(t *testing.T) {
	t.Run("name#with%41odd?chars", func(t *testing.T) {
		db := Engines(t)[0].Open(t)
		f := Fixture(t, db)
		var name string
		if err := Raw(t, db).QueryRowContext(t.Context(), `SELECT name FROM organizations WHERE id = ?`, f.HeadOrg).Scan(&name); err != nil || name != HeadName {
			t.Errorf("Raw reads %q, %v; want the fixture's organization from the same file", name, err)
		}
	})
}
