package main

import (
	"database/sql"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/testdb"
)

// TestTwoReplicasRunPeriodicJobsOnce starts two "kcr serve" on one PostgreSQL database: the start-up runs of
// the hourly period close and of the CRL refresh happen once, not once per replica, while the reconciler's
// periodic job keeps running.
func TestTwoReplicasRunPeriodicJobsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers")
	}
	dbURL := testdb.PostgresURL(t)
	env := map[string]string{"KCR_DATA": t.TempDir(), "KCR_DB": dbURL}
	first := startServer(t, env, "--demo", "--reconcile-every", "1s")
	second := startServer(t, env, "--demo", "--reconcile-every", "1s")
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(kind string) int {
		t.Helper()
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state = 'completed'`, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Three reconciler runs after both replicas listen: the leader's periodic inserts have been going on for
	// a while, so a second start-up run of the hourly jobs would be there.
	base := count("issuance_reconcile")
	for deadline := time.Now().Add(60 * time.Second); count("issuance_reconcile") < base+3; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reconciler's periodic job does not run (%d runs)", count("issuance_reconcile"))
		}
	}
	for _, kind := range []string{"billing_period_close", "crl_refresh"} {
		if n := count(kind); n != 1 {
			t.Errorf("%s ran %d times, want once for both replicas", kind, n)
		}
	}
	second.stop(t)
	first.stop(t)
}
