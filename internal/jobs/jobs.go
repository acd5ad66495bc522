// Package jobs runs kcr's durable background jobs on its own database, SQLite or PostgreSQL, with River
// (riverqueue.com). A job is a row: inserted in the caller's transaction, taken by one replica's worker,
// retried with backoff when it fails, and rescued when the process working it died. Periodic jobs are
// inserted by one elected leader among the replicas, unique per period, so each period's run happens once.
//
// Use: New, then Register workers and Every for periodic jobs, then Start; Enqueue works from New on
// (also in processes that never Start, such as CLI commands), Stop ends the workers with the server.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/kcr-project/kcr/internal/storage"
)

// Args is a job's arguments, stored as JSON; Kind names the job type and selects its worker.
type Args = river.JobArgs

// Job is a job as its worker receives it: its arguments and its row (attempt, errors, schedule).
type Job[T Args] = river.Job[T]

// Worker works jobs of one kind. Returning an error fails the attempt: the job is retried with backoff
// until its attempts are used up. Embed WorkerDefaults for the defaults of the optional methods.
type Worker[T Args] = river.Worker[T]

// WorkerDefaults gives a Worker the defaults of its optional methods (timeout, retry schedule).
type WorkerDefaults[T Args] = river.WorkerDefaults[T]

// InsertOpts tunes one insert: the queue, when it may run, how many attempts, and uniqueness.
type InsertOpts = river.InsertOpts

// UniqueOpts makes an insert a no-op while an equal job exists (by arguments, by period, by state).
type UniqueOpts = river.UniqueOpts

// JobRow is a job's stored row.
type JobRow = rivertype.JobRow

// Config tunes a Queue. The zero value suits production.
type Config struct {
	// Logger receives River's own log; nil discards it.
	Logger *slog.Logger
	// Workers is how many jobs this process works at once (default 4).
	Workers int
	// PollInterval is how often an idle worker looks for new jobs (default 1s): kcr's drivers work through
	// database/sql, which has no LISTEN, so workers poll.
	PollInterval time.Duration
	// JobTimeout cancels a job's context after this long (default 10 minutes).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before the leader takes it for dead and retries it
	// (default five minutes past JobTimeout). It must exceed JobTimeout.
	RescueAfter time.Duration
	// Backoff gives the delay before retry number attempt (1 after the first failure); nil uses River's
	// (attempt⁴ seconds with jitter, so hours apart after a dozen failures).
	Backoff func(attempt int) time.Duration
	// StopTimeout is how long Stop lets running jobs finish before it cancels them (default 10s).
	StopTimeout time.Duration
	// ID names this process among the replicas in River's tables (default: River's host-and-time name).
	ID string
	// Follower keeps this process out of the leader election: it works jobs but never inserts periodic
	// ones or rescues others' jobs (Every is refused).
	Follower bool
}

// Queue is kcr's job queue on one database.
type Queue struct {
	db       *storage.DB
	cfg      Config
	workers  *river.Workers
	periodic []*river.PeriodicJob
	insert   *river.Client[*sql.Tx] // inserts only: usable before Start and without workers
	client   *river.Client[*sql.Tx] // works jobs, from Start on
}

// driver returns River's driver for the database's engine; both work on kcr's database/sql pool, so a job
// can be inserted in a transaction storage.DB.InTx opened.
func driver(db *storage.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == storage.Postgres {
		return riverdatabasesql.New(db.Pool())
	}
	return riversqlite.New(db.Pool())
}

// Migrate applies River's schema migrations that the database lacks, each in its own transaction, and
// returns the River versions applied. River keeps its own version table (river_migration): its schema
// differs between the engines and changes with the library, so it is not copied into kcr's migrations. On
// PostgreSQL replicas starting together take turns, as for kcr's migrations.
func Migrate(ctx context.Context, db *storage.DB) ([]int, error) {
	if db.Dialect() == storage.Postgres {
		conn, err := db.Pool().Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7345006)`); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7345006)`)
	}
	m, err := rivermigrate.New(driver(db), &rivermigrate.Config{Logger: discard()})
	if err != nil {
		return nil, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("job queue schema: %w", err)
	}
	var applied []int
	for _, v := range res.Versions {
		applied = append(applied, v.Version)
	}
	return applied, nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// New returns a queue on db, whose River schema must be migrated (Migrate).
func New(db *storage.DB, cfg Config) (*Queue, error) {
	if cfg.Logger == nil {
		cfg.Logger = discard()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 10 * time.Minute
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 10 * time.Second
	}
	if cfg.RescueAfter == 0 {
		cfg.RescueAfter = cfg.JobTimeout + 5*time.Minute
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("jobs: RescueAfter %s must exceed JobTimeout %s", cfg.RescueAfter, cfg.JobTimeout)
	}
	insert, err := river.NewClient(driver(db), &river.Config{Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Queue{db: db, cfg: cfg, workers: river.NewWorkers(), insert: insert}, nil
}

// Register adds the worker of one job kind; call it before Start. A kind registered twice is an error.
func Register[T Args](q *Queue, w Worker[T]) error {
	if q.client != nil {
		return errors.New("jobs: Register after Start")
	}
	return river.AddWorkerSafely(q.workers, w)
}

// RegisterFunc registers a function as the worker of T's kind.
func RegisterFunc[T Args](q *Queue, work func(ctx context.Context, job *Job[T]) error) error {
	return Register(q, river.WorkFunc(work))
}

// Every makes args' job periodic: the leader among the replicas inserts it every interval, and once at
// start-up when runOnStart. Each insert is unique for its interval (from one second up), so a change of
// leader within one interval does not run it twice. A failed run gets periodicAttempts attempts in all.
// Call it before Start.
func (q *Queue) Every(interval time.Duration, args func() Args, runOnStart bool) error {
	if q.client != nil {
		return errors.New("jobs: Every after Start")
	}
	if q.cfg.Follower {
		return errors.New("jobs: a follower runs no periodic jobs")
	}
	if interval <= 0 {
		return fmt.Errorf("jobs: periodic interval %s must be positive", interval)
	}
	// A failed run is retried a few times only: the next period runs it again anyway.
	opts := river.InsertOpts{MaxAttempts: periodicAttempts}
	if interval >= time.Second { // River's shortest unique period; shorter intervals rely on the one leader alone
		opts.UniqueOpts.ByPeriod = interval
	}
	q.periodic = append(q.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args(), &opts }, &river.PeriodicJobOpts{RunOnStart: runOnStart}))
	return nil
}

// periodicAttempts is how many attempts a periodic job's run gets.
const periodicAttempts = 3

// backoff adapts Config.Backoff to River's retry policy.
type backoff func(attempt int) time.Duration

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b(len(job.Errors) + 1)) // Errors does not hold the failure being retried yet
}

// Start starts working jobs and, when elected leader, inserting periodic jobs and rescuing jobs of dead
// workers. Jobs keep running until Stop, whatever becomes of ctx.
func (q *Queue) Start(ctx context.Context) error {
	if q.client != nil {
		return errors.New("jobs: started twice")
	}
	cfg := &river.Config{
		ID:                     q.cfg.ID,
		Logger:                 q.cfg.Logger,
		Workers:                q.workers,
		Queues:                 map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}},
		PeriodicJobs:           q.periodic,
		PollOnly:               true,
		FetchPollInterval:      q.cfg.PollInterval,
		FetchCooldown:          min(q.cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:             q.cfg.JobTimeout,
		RescueStuckJobsAfter:   q.cfg.RescueAfter,
		SoftStopTimeout:        q.cfg.StopTimeout,
		LeaderElectionDisabled: q.cfg.Follower,
	}
	if q.cfg.Backoff != nil {
		cfg.RetryPolicy = backoff(q.cfg.Backoff)
	}
	client, err := river.NewClient(driver(q.db), cfg)
	if err != nil {
		return err
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.client = client
	return nil
}

// Stop stops taking jobs and waits for the running ones: after Config.StopTimeout their contexts are
// cancelled (a cancelled job is retried later, by this or another replica). ctx bounds the whole wait.
func (q *Queue) Stop(ctx context.Context) error {
	if q.client == nil {
		return nil
	}
	return q.client.Stop(ctx)
}

// Enqueue inserts a job. Inside storage.DB.InTx it joins that transaction: the job exists if and only if
// the caller's writes commit. The arguments are stored in clear: ids, never personal data. It returns the job's row and whether an equal unique job existed already (then
// nothing was inserted).
func (q *Queue) Enqueue(ctx context.Context, args Args, opts *InsertOpts) (*JobRow, bool, error) {
	var res *rivertype.JobInsertResult
	var err error
	if tx := storage.CurrentTx(ctx); tx != nil {
		res, err = q.insert.InsertTx(ctx, tx, args, opts)
	} else {
		res, err = q.insert.Insert(ctx, args, opts)
	}
	if err != nil {
		return nil, false, fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return res.Job, res.UniqueSkippedAsDuplicate, nil
}

// Get returns a job's row by id.
func (q *Queue) Get(ctx context.Context, id int64) (*JobRow, error) {
	return q.insert.JobGet(ctx, id)
}

// snoozeStep is the longest put-back that River keeps available: a longer one waits for the leader's
// scheduler (every 5 seconds), so it would stall while no replica leads, as after a crash.
const snoozeStep = 5 * time.Second

// NotYet is what a worker returns for a job that must not run before t (now by the worker's clock): the job
// is put back without using an attempt and taken again, by any replica, from t on. It waits in steps any
// replica picks up without a leader.
func NotYet(now, t time.Time) error {
	return river.JobSnooze(min(max(t.Sub(now), 0), snoozeStep))
}
