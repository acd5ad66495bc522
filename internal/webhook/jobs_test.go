package webhook_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
)

// waitFor polls cond until it holds; the bound only keeps a broken test from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAttemptsRunAsJobs: with a job queue, the dispatcher enqueues each delivery's attempt job with the
// delivery, a worker of the queue delivers it once, and a failed attempt enqueues its retry at the time
// the delivery shows.
func TestAttemptsRunAsJobs(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			if _, err := jobs.Migrate(context.Background(), db); err != nil {
				t.Fatal(err)
			}
			e := setup(t, db)
			q, err := jobs.New(db, jobs.Config{PollInterval: 20 * time.Millisecond, StopTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Register(q); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := q.Stop(ctx); err != nil {
					t.Errorf("stop: %v", err)
				}
			})
			rc := newReceiver(t)
			ep := e.endpoint(t, rc.URL)
			e.event(t, model.EventApplicationCreated, "app-1")
			if n, err := e.svc.Dispatch(context.Background()); err != nil || n != 1 {
				t.Fatalf("dispatch: %d, %v", n, err)
			}
			waitFor(t, "the delivery", func() bool { return e.deliveries(t, ep.ID)[0].Status == model.DeliverySucceeded })
			if got := rc.got(); len(got) != 1 || !verify(ep.Secret, got[0].header, got[0].body) {
				t.Fatalf("receiver got %d requests", len(got))
			}

			rc.setRespond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
			e.event(t, model.EventApplicationCreated, "app-2")
			if _, err := e.svc.Dispatch(context.Background()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the failed attempt", func() bool { return len(e.deliveries(t, ep.ID)[0].Log) == 1 })
			d := e.deliveries(t, ep.ID)[0]
			var scheduled int64
			waitFor(t, "the retry job", func() bool {
				err := testdb.Raw(t, db).QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_attempt' AND state = 'scheduled'`).
					Scan(&scheduled)
				return err == nil && scheduled == 1
			})
			if d.Status != model.DeliveryPending || !d.NextAttemptAt.Equal(e.clock.Now().Add(15*time.Second)) {
				t.Errorf("after a 503: %+v", d)
			}
			if len(rc.got()) != 2 {
				t.Errorf("receiver got %d requests, want 2", len(rc.got()))
			}
		})
	}
}
