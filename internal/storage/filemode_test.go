package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/storage"
)

// The SQLite database and its -wal and -shm files hold personal data: only their owner may read them,
// whether kcr creates the database or opens one an older version created world-readable.
func TestSQLiteFileModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		existing os.FileMode // 0: no file before
	}{{"new", 0}, {"existing world-readable", 0o644}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, storage.SQLiteFile)
			if tc.existing != 0 {
				db, err := storage.OpenSQLiteFile(ctx, path)
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					os.Chmod(p, tc.existing)
				}
			}
			db, err := storage.Open(ctx, "", dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx, func() time.Time { return time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) }); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if m := fi.Mode().Perm(); m != 0o600 {
					t.Errorf("%s: mode %o, want 600", filepath.Base(p), m)
				}
			}
		})
	}
}
