package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// noteArgs is a test job; N tells jobs apart.
type noteArgs struct {
	N int `json:"n"`
}

func (noteArgs) Kind() string { return "test_note" }

// tickArgs is a test periodic job.
type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

// runs records what workers did, safe for concurrent workers.
type runs struct {
	mu   sync.Mutex
	rows []*jobs.JobRow
	by   []string // which queue worked each row
}

func (r *runs) add(who string, row *jobs.JobRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, row)
	r.by = append(r.by, who)
}

func (r *runs) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.rows)
}

// migrated opens a fresh database of the engine with River's schema.
func migrated(t *testing.T, eng testdb.Engine) *storage.DB {
	t.Helper()
	db := eng.Open(t)
	applied, err := jobs.Migrate(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("no River migration applied on a fresh database")
	}
	if again, err := jobs.Migrate(context.Background(), db); err != nil || len(again) != 0 {
		t.Fatalf("second Migrate: %v %v, want nothing applied", again, err)
	}
	return db
}

// start registers fn as the worker of noteArgs and tickArgs (when tick > 0, periodic) and starts the queue;
// it is stopped when the test ends.
func start(t *testing.T, db *storage.DB, cfg jobs.Config, tick time.Duration,
	note func(ctx context.Context, job *jobs.Job[noteArgs]) error, onTick func(job *jobs.Job[tickArgs])) *jobs.Queue {
	t.Helper()
	cfg.PollInterval = 20 * time.Millisecond
	cfg.StopTimeout = time.Second
	q, err := jobs.New(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if note != nil {
		if err := jobs.RegisterFunc(q, note); err != nil {
			t.Fatal(err)
		}
	}
	if tick > 0 {
		if err := jobs.RegisterFunc(q, func(_ context.Context, job *jobs.Job[tickArgs]) error { onTick(job); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := q.Every(tick, func() jobs.Args { return tickArgs{} }, true); err != nil {
			t.Fatal(err)
		}
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
	return q
}

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

// waitState waits until the job's row is in state.
func waitState(t *testing.T, q *jobs.Queue, id int64, state string) *jobs.JobRow {
	t.Helper()
	var row *jobs.JobRow
	waitFor(t, "job state "+state, func() bool {
		var err error
		row, err = q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return string(row.State) == state
	})
	return row
}

// TestEnqueueRunsOnce: a job enqueued in a committed transaction runs once; one enqueued in a rolled-back
// transaction never exists; a unique job enqueued twice is inserted once.
func TestEnqueueRunsOnce(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := migrated(t, eng)
			ctx := context.Background()
			var done runs
			q := start(t, db, jobs.Config{}, 0, func(_ context.Context, job *jobs.Job[noteArgs]) error {
				done.add("q", job.JobRow)
				return nil
			}, nil)

			rollback := errors.New("roll back")
			if err := db.InTx(ctx, func(ctx context.Context) error {
				if _, _, err := q.Enqueue(ctx, noteArgs{N: 1}, nil); err != nil {
					t.Fatal(err)
				}
				return rollback
			}); !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			var committed *jobs.JobRow
			if err := db.InTx(ctx, func(ctx context.Context) error {
				var err error
				committed, _, err = q.Enqueue(ctx, noteArgs{N: 2}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			unique := &jobs.InsertOpts{UniqueOpts: jobs.UniqueOpts{ByArgs: true}}
			first, dup, err := q.Enqueue(ctx, noteArgs{N: 3}, unique)
			if err != nil || dup {
				t.Fatalf("first unique insert: %v duplicate=%v", err, dup)
			}
			second, dup, err := q.Enqueue(ctx, noteArgs{N: 3}, unique)
			if err != nil || !dup || second.ID != first.ID {
				t.Fatalf("second unique insert: %v duplicate=%v id %d, want the first's %d", err, dup, second.ID, first.ID)
			}

			waitState(t, q, committed.ID, "completed")
			waitState(t, q, first.ID, "completed")
			done.mu.Lock()
			defer done.mu.Unlock()
			seen := map[int]int{}
			for _, row := range done.rows {
				seen[noteNumber(t, row)]++
			}
			if len(seen) != 2 || seen[2] != 1 || seen[3] != 1 {
				t.Fatalf("runs by job number %v, want 2 and 3 once each", seen)
			}
		})
	}
}

func noteNumber(t *testing.T, row *jobs.JobRow) int {
	t.Helper()
	var a struct{ N int }
	if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
		t.Fatal(err)
	}
	return a.N
}

// TestRetryWithBackoff: a job failing twice is retried after the backoff for each attempt and then completes.
func TestRetryWithBackoff(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := migrated(t, eng)
			var mu sync.Mutex
			var asked []int
			cfg := jobs.Config{Backoff: func(attempt int) time.Duration {
				mu.Lock()
				asked = append(asked, attempt)
				mu.Unlock()
				return time.Duration(attempt) * 50 * time.Millisecond
			}}
			var done runs
			q := start(t, db, cfg, 0, func(_ context.Context, job *jobs.Job[noteArgs]) error {
				done.add("q", job.JobRow)
				if job.Attempt < 3 {
					return errors.New("not yet")
				}
				return nil
			}, nil)
			row, _, err := q.Enqueue(context.Background(), noteArgs{N: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			row = waitState(t, q, row.ID, "completed")
			if row.Attempt != 3 || len(row.Errors) != 2 || done.len() != 3 {
				t.Fatalf("attempt %d, %d errors, %d runs; want 3, 2, 3", row.Attempt, len(row.Errors), done.len())
			}
			for i, e := range row.Errors {
				if e.Attempt != i+1 || e.Error != "not yet" {
					t.Fatalf("error %d: %+v", i, e)
				}
			}
			// Each retry waited at least its backoff after the failure before it.
			done.mu.Lock()
			for i := 1; i < len(done.rows); i++ {
				if gap, min := done.rows[i].AttemptedAt.Sub(row.Errors[i-1].At), time.Duration(i)*50*time.Millisecond; gap < min-time.Millisecond {
					t.Errorf("retry %d started %s after the failure, before its backoff %s", i, gap, min)
				}
			}
			done.mu.Unlock()
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 2 || asked[0] != 1 || asked[1] != 2 {
				t.Fatalf("backoff asked for attempts %v, want [1 2]", asked)
			}
		})
	}
}

// TestPeriodicOnceAcrossReplicas: two queues on one database (two replicas) both run the periodic job's
// worker; the job runs once per period, not once per replica.
func TestPeriodicOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := migrated(t, eng)
			other := testdb.Reopen(t, db)
			const period = time.Second // River's shortest unique period
			var done runs
			for i, d := range []*storage.DB{db, other} {
				who := []string{"a", "b"}[i]
				start(t, d, jobs.Config{ID: "replica-" + who}, period, nil, func(job *jobs.Job[tickArgs]) { done.add(who, job.JobRow) })
			}
			waitFor(t, "three periodic runs", func() bool { return done.len() >= 3 })
			done.mu.Lock()
			defer done.mu.Unlock()
			ids := map[int64]bool{}
			slots := map[time.Time]int{}
			for _, row := range done.rows {
				if ids[row.ID] {
					t.Fatalf("job %d worked twice", row.ID)
				}
				ids[row.ID] = true
				slots[row.ScheduledAt.Truncate(period)]++
			}
			for slot, n := range slots {
				if n > 1 {
					t.Fatalf("period starting %s ran %d times", slot, n)
				}
			}
		})
	}
}

// TestRescueDeadWorker: a job whose worker hangs past the rescue timeout (as if its process died) is taken
// back by the leader and completed by another replica.
func TestRescueDeadWorker(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := migrated(t, eng)
			other := testdb.Reopen(t, db)
			const jobTimeout, rescueAfter = 100 * time.Millisecond, 300 * time.Millisecond
			hung := make(chan struct{})
			release := make(chan struct{})
			// The dead replica: it takes the job and never finishes it, deaf to its context; it is a follower,
			// so it does not rescue it itself.
			dead := start(t, db, jobs.Config{Follower: true, Workers: 1, JobTimeout: jobTimeout, RescueAfter: rescueAfter}, 0,
				func(_ context.Context, job *jobs.Job[noteArgs]) error {
					if job.Attempt == 1 {
						close(hung)
						<-release
					}
					return nil
				}, nil)
			t.Cleanup(func() { close(release) }) // before the queue's Stop, which waits for the worker
			row, _, err := dead.Enqueue(context.Background(), noteArgs{N: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			<-hung
			// Let the attempt become older than the rescue timeout before the leader looks.
			time.Sleep(rescueAfter + 100*time.Millisecond)
			var done runs
			live := start(t, other, jobs.Config{JobTimeout: jobTimeout, RescueAfter: rescueAfter, Backoff: func(int) time.Duration { return 0 }}, 0,
				func(_ context.Context, job *jobs.Job[noteArgs]) error { done.add("live", job.JobRow); return nil }, nil)
			row = waitState(t, live, row.ID, "completed")
			if row.Attempt != 2 || done.len() != 1 {
				t.Fatalf("attempt %d, %d runs by the live replica; want 2, 1", row.Attempt, done.len())
			}
		})
	}
}

// TestNotYetWithoutLeader: a job put back with NotYet is taken again and completes, without using an
// attempt, on a replica that never leads (as while a dead process still holds the leadership).
func TestNotYetWithoutLeader(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := migrated(t, eng)
			var done runs
			notBefore := time.Now().Add(300 * time.Millisecond)
			q := start(t, db, jobs.Config{Follower: true}, 0, func(_ context.Context, job *jobs.Job[noteArgs]) error {
				done.add("q", job.JobRow)
				if now := time.Now(); now.Before(notBefore) {
					return jobs.NotYet(now, notBefore)
				}
				return nil
			}, nil)
			row, _, err := q.Enqueue(context.Background(), noteArgs{N: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			row = waitState(t, q, row.ID, "completed")
			if row.Attempt != 1 || len(row.Errors) != 0 || done.len() < 2 {
				t.Fatalf("attempt %d, %d errors, %d runs; want 1, 0, at least 2", row.Attempt, len(row.Errors), done.len())
			}
		})
	}
}
