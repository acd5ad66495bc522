package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcr-project/kcr/internal/storage"
)

// A data folder may have URI syntax characters in its name; the database must land in exactly that folder.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data?x=1#frag%41")
	db, err := storage.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, storage.SQLiteFile)); err != nil {
		t.Fatalf("the database is not in the data folder: %v", err)
	}
}
