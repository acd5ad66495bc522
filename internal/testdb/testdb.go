// Package testdb gives tests a fresh, migrated kcr database on every engine kcr runs on, and a small
// realistic data set to put in it.
//
//	for _, eng := range testdb.Engines(t) {
//		t.Run(eng.Name, func(t *testing.T) {
//			db := eng.Open(t) // fresh and migrated; closed (and dropped) when t ends
//			f := testdb.Fixture(t, db)
//			…
//		})
//	}
//
// SQLite always runs. PostgreSQL runs when KCR_TEST_POSTGRES is a postgres:// URL of a server the tests
// may create databases on (scripts/test starts a throwaway one); each Open creates its own database there,
// so tests never see each other's rows. Without the variable the PostgreSQL engine skips, except under
// CI=true (or CI=1, as scripts/test reads it), where it fails: CI must never pass by skipping half of the
// storage tests. Raw, Reopen and Engine.OpenEmpty serve tests that go behind storage's back.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the admin connection
	_ "modernc.org/sqlite"             // the "sqlite" driver, for Raw (storage registers it too)

	"github.com/kcr-project/kcr/internal/storage"
)

// EnvPostgres names the variable holding the PostgreSQL server URL for tests.
const EnvPostgres = "KCR_TEST_POSTGRES"

// Engine is one database engine the tests run on.
type Engine struct {
	Name string                         // "sqlite" or "postgres": use it as the subtest name
	Open func(t testing.TB) *storage.DB // a fresh migrated database, closed (and dropped) by t.Cleanup

	empty func(t testing.TB) *storage.DB
}

// OpenEmpty opens a fresh database like Open but does not migrate it (for migration tests).
func (e Engine) OpenEmpty(t testing.TB) *storage.DB {
	t.Helper()
	return e.empty(t)
}

// Engines lists the engines to run storage tests on: SQLite, then PostgreSQL. A malformed
// KCR_TEST_POSTGRES fails t at once.
func Engines(t testing.TB) []Engine {
	t.Helper()
	if u := os.Getenv(EnvPostgres); u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL, got %q", EnvPostgres, u)
	}
	return []Engine{
		{Name: "sqlite", Open: func(t testing.TB) *storage.DB { t.Helper(); return openSQLite(t, true) },
			empty: func(t testing.TB) *storage.DB { t.Helper(); return openSQLite(t, false) }},
		{Name: "postgres", Open: func(t testing.TB) *storage.DB { t.Helper(); return openPostgres(t, true) },
			empty: func(t testing.TB) *storage.DB { t.Helper(); return openPostgres(t, false) }},
	}
}

// opened remembers how to reach each open test database again, for Raw and Reopen.
var opened = struct {
	sync.Mutex
	m map[*storage.DB]location
}{m: map[*storage.DB]location{}}

type location struct {
	sqlitePath string // SQLite: the database file
	pgURL      string // PostgreSQL: the test database's URL
}

func remember(t testing.TB, db *storage.DB, loc location) {
	opened.Lock()
	opened.m[db] = loc
	opened.Unlock()
	t.Cleanup(func() {
		opened.Lock()
		delete(opened.m, db)
		opened.Unlock()
	})
}

func locate(t testing.TB, db *storage.DB) location {
	t.Helper()
	opened.Lock()
	loc, ok := opened.m[db]
	opened.Unlock()
	if !ok {
		t.Fatal("testdb: the database was not opened by testdb (or is already closed)")
	}
	return loc
}

// Raw opens a second, plain database/sql handle on the same database as db (which must come from an
// Engine), for tests that read or tamper with rows behind storage's back. Placeholders are the engine's
// own: '?' on SQLite, $1 on PostgreSQL. The handle is closed by t.Cleanup.
func Raw(t testing.TB, db *storage.DB) *sql.DB {
	t.Helper()
	loc := locate(t, db)
	driver, dsn := "pgx", loc.pgURL
	if loc.sqlitePath != "" {
		// A file: URI, so '%', '?' and '#' (which t.TempDir keeps from test names) are escaped.
		escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(loc.sqlitePath)
		driver, dsn = "sqlite", "file:"+escaped+"?_pragma=busy_timeout(10000)"
	}
	h, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("testdb.Raw: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// Reopen opens a second storage.DB on the same database as db (to the database, another kcr process).
// It does not migrate. The handle is closed by t.Cleanup.
func Reopen(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	loc := locate(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var again *storage.DB
	var err error
	if loc.sqlitePath != "" {
		again, err = storage.OpenSQLiteFile(ctx, loc.sqlitePath)
	} else {
		again, err = storage.Open(ctx, loc.pgURL, "")
	}
	if err != nil {
		t.Fatalf("testdb.Reopen: %v", err)
	}
	t.Cleanup(func() { again.Close() })
	remember(t, again, loc)
	return again
}

func openSQLite(t testing.TB, migrate bool) *storage.DB {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, storage.SQLiteFile)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.OpenSQLiteFile(ctx, path)
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	remember(t, db, location{sqlitePath: path})
	if migrate {
		if _, err := db.Migrate(ctx, time.Now); err != nil {
			t.Fatalf("migrate SQLite: %v", err)
		}
	}
	return db
}

func isCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// PostgresURL creates a fresh, empty PostgreSQL database for the test and returns its URL; the database is
// dropped when the test ends. Like the PostgreSQL engine it skips without KCR_TEST_POSTGRES, and fails in CI.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if isCI() {
			t.Fatal("KCR_TEST_POSTGRES is required in CI")
		}
		t.Skip("PostgreSQL not tested: set KCR_TEST_POSTGRES=postgres://… (scripts/test starts a throwaway server)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var b [8]byte
	rand.Read(b[:])
	name := "kcr_t_" + hex.EncodeToString(b[:])
	if err := admin(ctx, base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	// Registered before any close the caller registers, so it runs after it (cleanups run last-in first-out).
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := admin(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func openPostgres(t testing.TB, migrate bool) *storage.DB {
	t.Helper()
	dbURL := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	remember(t, db, location{pgURL: dbURL})
	if migrate {
		if _, err := db.Migrate(ctx, time.Now); err != nil {
			t.Fatalf("migrate PostgreSQL: %v", err)
		}
	}
	return db
}

// admin runs one statement on the server named by url (CREATE/DROP DATABASE cannot run in a transaction).
func admin(ctx context.Context, url, stmt string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}
