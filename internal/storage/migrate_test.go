package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func TestMigrations(t *testing.T) {
	all, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations")
	}
	names := map[string]bool{}
	for i, m := range all {
		if m.Version != i+1 {
			t.Errorf("migration %d has version %d: want 1, 2, 3 … without gaps", i+1, m.Version)
		}
		num, _, ok := strings.Cut(m.Name, "_")
		if v, err := strconv.Atoi(num); !ok || err != nil || v != m.Version {
			t.Errorf("migration %q: its name does not start with its version %d", m.Name, m.Version)
		}
		if names[m.Name] {
			t.Errorf("migration name %q twice", m.Name)
		}
		names[m.Name] = true
		if strings.TrimSpace(m.SQL) == "" {
			t.Errorf("migration %q is empty", m.Name)
		}
	}
}

func TestMigrate(t *testing.T) {
	all, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, m := range all {
		versions = append(versions, m.Version)
	}
	clock := time.Date(2025, 3, 1, 10, 0, 0, 123456000, time.UTC)
	now := func() time.Time { return clock }

	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := t.Context()
			db := eng.OpenEmpty(t)
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("empty database: SchemaVersion = %d, %v; want 0", v, err)
			}
			applied, err := db.Migrate(ctx, now)
			if err != nil || !slices.Equal(applied, versions) {
				t.Fatalf("first Migrate = %v, %v; want %v", applied, err, versions)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != len(all) {
				t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(all))
			}
			raw := testdb.Raw(t, db)
			var rows, minAt, maxAt int64
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*), MIN(applied_at), MAX(applied_at) FROM schema_migrations`).
				Scan(&rows, &minAt, &maxAt); err != nil || rows != int64(len(all)) || minAt != clock.UnixMicro() || maxAt != clock.UnixMicro() {
				t.Errorf("schema_migrations: %d rows applied at %d..%d (%v); want %d at %d", rows, minAt, maxAt, err, len(all), clock.UnixMicro())
			}

			f := testdb.Fixture(t, db)
			applied, err = db.Migrate(ctx, now)
			if err != nil || len(applied) != 0 {
				t.Errorf("second Migrate = %v, %v; want nothing applied", applied, err)
			}
			if _, err := db.Organization(ctx, storage.Scope{}, f.HeadOrg); err != nil {
				t.Errorf("data written before the second Migrate: %v", err)
			}

			// A database migrated by a newer kcr is refused.
			if _, err := raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)`); err != nil {
				t.Fatal(err)
			}
			applied, err = db.Migrate(ctx, now)
			var tooNew *storage.ErrSchemaTooNew
			if !errors.As(err, &tooNew) || tooNew.Database != 999 || tooNew.Binary != len(all) || len(applied) != 0 {
				t.Fatalf("Migrate of a newer schema = %v, %v; want *ErrSchemaTooNew{999, %d}", applied, err, len(all))
			}
			if !strings.Contains(err.Error(), "999") || !strings.Contains(err.Error(), "upgrade kcr") {
				t.Errorf("message %q should name the version and say to upgrade", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 999 {
				t.Errorf("SchemaVersion = %d, %v; want 999", v, err)
			}
			if _, err := testdb.Reopen(t, db).Migrate(ctx, now); !errors.As(err, &tooNew) {
				t.Errorf("another process's Migrate = %v, want *ErrSchemaTooNew", err)
			}
		})
	}
}

// TestMigrateConcurrently starts two kcr processes on one empty PostgreSQL database at once (replicas
// starting together): the advisory lock makes one apply everything and the other nothing.
func TestMigrateConcurrently(t *testing.T) {
	all, err := storage.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, eng := range testdb.Engines(t) {
		if eng.Name != "postgres" {
			continue // SQLite is one process's file: kcr does not run replicas on it
		}
		t.Run(eng.Name, func(t *testing.T) {
			for round := range 3 {
				db := eng.OpenEmpty(t)
				dbs := []*storage.DB{db, testdb.Reopen(t, db), testdb.Reopen(t, db)}
				results := make([]string, len(dbs))
				var wg sync.WaitGroup
				for i, d := range dbs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						applied, err := d.Migrate(t.Context(), time.Now)
						results[i] = fmt.Sprintf("%d %v", len(applied), err)
					}()
				}
				wg.Wait()
				slices.Sort(results)
				want := []string{"0 <nil>", "0 <nil>", fmt.Sprintf("%d <nil>", len(all))}
				if !slices.Equal(results, want) {
					t.Errorf("round %d: applied counts and errors %v, want %v", round, results, want)
				}
			}
		})
	}
}
