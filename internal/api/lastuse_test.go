package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
)

// An API key's read never writes (issue 11, defect 4): while another connection holds SQLite's write lock,
// an authenticated GET still succeeds (it used to wait for the lock to record last use, and fail with
// SQLITE_BUSY after the busy timeout). Last use is written later by the flush, at most once a minute.
func TestAPIKeyReadDoesNotWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, testdb.Engines(t)[0].Open(t))

	raw := testdb.Raw(t, e.db)
	raw.SetMaxOpenConns(1)
	conn, err := raw.Conn(ctx)
	must(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `BEGIN IMMEDIATE`)
	must(t, err)
	for _, path := range []string{"/api/v1/organizations", "/api/v1/me"} {
		if r := e.do("key_account", "GET", path, nil); r.status != http.StatusOK {
			t.Fatalf("GET %s while a writer holds the lock: %d %s", path, r.status, r.body)
		}
	}
	_, err = conn.ExecContext(ctx, `ROLLBACK`)
	must(t, err)

	key := e.keyNamed("ERP")
	if key.LastUsedAt != nil {
		t.Fatalf("last use written by the request itself: %v", key.LastUsedAt)
	}
	first := e.clk.Now()
	steps := []struct {
		name    string
		advance time.Duration
		want    time.Time
	}{
		{"the flush writes the noted use", 0, first},
		{"a use within a minute of the stored one is not written", 30 * time.Second, first},
		{"a use a minute later is", 40 * time.Second, first.Add(70 * time.Second)},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clk.Set(e.clk.Now().Add(s.advance))
			if r := e.do("key_account", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
				t.Fatalf("GET: %d %s", r.status, r.body)
			}
			must(t, e.acc.FlushLastUse(ctx))
			if got := e.keyNamed("ERP").LastUsedAt; got == nil || !got.Equal(s.want) {
				t.Fatalf("last used %v, want %v", got, s.want)
			}
		})
	}
}

func (e *env) keyNamed(name string) *model.APIKey {
	e.t.Helper()
	keys, err := e.acc.APIKeys(context.Background(), e.admin)
	must(e.t, err)
	for _, k := range keys {
		if k.Name == name {
			return k
		}
	}
	e.t.Fatalf("no API key %q", name)
	return nil
}
