package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// migrateJobs brings the job queue's schema (River's own migrations) up to date after kcr's.
func migrateJobs(ctx context.Context, db *storage.DB, log io.Writer) error {
	applied, err := jobs.Migrate(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		fmt.Fprintf(log, "applied job queue migrations %v on %s\n", applied, db.Dialect())
	}
	return nil
}

// The serve command's periodic jobs. Each runs once per period across the replicas sharing the database.
type (
	// crlRefreshArgs republishes the CRLs that are stale, so that a CRL is fresh even when nobody asks.
	crlRefreshArgs struct{}
	// periodCloseArgs closes each month for every account once it has ended and refreshes the query
	// planner's statistics.
	periodCloseArgs struct{}
	// reconcileArgs finishes or abandons the issuances a crash or a lost connection interrupted, not before
	// NotBefore when it is set.
	reconcileArgs struct {
		NotBefore time.Time `json:"not_before,omitzero"`
	}
)

func (crlRefreshArgs) Kind() string  { return "crl_refresh" }
func (periodCloseArgs) Kind() string { return "billing_period_close" }
func (reconcileArgs) Kind() string   { return "issuance_reconcile" }

// crlRefreshEvery is how often the CRLs are checked; a CRL is republished when older than an hour or
// behind a revocation.
const crlRefreshEvery = 10 * time.Minute

// serveQueue is the serve command's job queue; stop is safe before start. register adds other packages'
// jobs before the queue starts.
type serveQueue struct {
	q        *jobs.Queue
	register []func(*jobs.Queue) error
}

// start registers the serve command's jobs, and those of register (the webhook attempts), and starts
// working them. CRL refresh and issuance reconcile exist only with a CA.
func (s *serveQueue) start(ctx context.Context, c *serveConfig, db *storage.DB, clk clock.Clock, bill *billing.Service,
	reg *registration.Service, set ca.Set, poa *attorney.Service, log *slog.Logger, register ...func(*jobs.Queue) error) error {
	q, err := jobs.New(db, jobs.Config{Logger: slog.New(warnings{log.Handler()})})
	if err != nil {
		return err
	}
	for _, r := range register {
		if err := r(q); err != nil {
			return err
		}
	}
	system := &access.Principal{Actor: "system:billing", Name: "period close", Role: model.RoleOperator}
	err = jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[periodCloseArgs]) error {
		n, err := bill.CloseDue(ctx, system)
		if err != nil {
			return fmt.Errorf("close billing periods: %w", err)
		}
		if n > 0 {
			log.Info("closed billing periods", "invoices", n)
		}
		// A failure costs speed, not correctness: logged, not retried.
		if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
			log.Error("refresh query planner statistics", "err", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// At start-up too: the demo's backdated certificates left lines in ended periods, which close at once.
	if err := q.Every(time.Hour, func() jobs.Args { return periodCloseArgs{} }, true); err != nil {
		return err
	}
	if len(set) > 0 {
		err = jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[crlRefreshArgs]) error {
			var failed error
			for _, b := range set {
				for _, name := range []string{b.RootName(), b.IssuingName()} {
					if _, err := b.CRL(ctx, name); err != nil {
						log.Error("publish CRL", "authority", name, "err", err)
						failed = fmt.Errorf("publish CRL of %s: %w", name, err)
					}
				}
			}
			return failed
		})
		if err != nil {
			return err
		}
		if err := q.Every(crlRefreshEvery, func() jobs.Args { return crlRefreshArgs{} }, true); err != nil {
			return err
		}
		err = jobs.RegisterFunc(q, func(ctx context.Context, job *jobs.Job[reconcileArgs]) error {
			if now := clk.Now(); now.Before(job.Args.NotBefore) {
				return jobs.NotYet(now, job.Args.NotBefore)
			}
			res, err := reg.Reconcile(ctx, c.IssueStaleAfter)
			if res.Completed+res.Abandoned > 0 {
				log.Info("reconciled interrupted issuances", "completed", res.Completed, "abandoned", res.Abandoned)
			}
			if err != nil {
				return fmt.Errorf("reconcile interrupted issuances: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := q.Every(c.ReconcileEvery, func() jobs.Args { return reconcileArgs{} }, true); err != nil {
			return err
		}
	}
	for _, register := range s.register {
		if err := register(q); err != nil {
			return err
		}
	}
	if poa != nil {
		if err := registerPoAPoll(q, poa, log); err != nil {
			return err
		}
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	s.q = q
	if len(set) > 0 {
		// After a kill the dead process stays the leader for up to about 20 seconds, delaying periodic jobs;
		// the issuances it left in flight become stale IssueStaleAfter from now at the latest, and then any
		// replica, leader or not, reconciles them with this one-off job.
		after := reconcileArgs{NotBefore: clk.Now().Add(c.IssueStaleAfter + 100*time.Millisecond)}
		if _, _, err := q.Enqueue(ctx, after, nil); err != nil {
			return err
		}
	}
	return nil
}

// stop lets running jobs finish (for a bounded time) and stops the queue.
func (s *serveQueue) stop(ctx context.Context, log *slog.Logger) {
	if s.q == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := s.q.Stop(ctx); err != nil {
		log.Error("stop background jobs", "err", err)
	}
}

// warnings passes on River's warnings and errors only: its routine messages (client started, leader
// elected) would fill the server's log.
type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnings) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnings{w.Handler.WithAttrs(attrs)}
}

func (w warnings) WithGroup(name string) slog.Handler { return warnings{w.Handler.WithGroup(name)} }
