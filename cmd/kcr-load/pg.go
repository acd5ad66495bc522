package main

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// lockWaitQuery counts the active client backends of kcr's database (except the sampler's own) and those
// of them waiting on a heavyweight lock: a row, a table or an advisory lock another transaction holds.
const lockWaitQuery = `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*)
FROM pg_stat_activity
WHERE state = 'active' AND backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()`

// pgSampler samples pg_stat_activity every 100 ms while the clients run.
type pgSampler struct {
	db     *sql.DB
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu                       sync.Mutex // guards the figures below, read by progress while sampling
	samples, waiting, active int
	maxShare                 float64
	err                      error
}

func startPGSampler(ctx context.Context, url string) (*pgSampler, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("-pg: %w", err)
	}
	db.SetMaxOpenConns(1)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("-pg: %w", err)
	}
	s := &pgSampler{db: db}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = stop
	s.done.Go(func() { s.loop(sctx) })
	return s, nil
}

func (s *pgSampler) loop(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var waiting, active int
		err := s.db.QueryRowContext(ctx, lockWaitQuery).Scan(&waiting, &active)
		s.mu.Lock()
		s.add(ctx, waiting, active, err)
		s.mu.Unlock()
	}
}

// add counts one sample; the caller holds mu.
func (s *pgSampler) add(ctx context.Context, waiting, active int, err error) {
	if err != nil {
		if ctx.Err() == nil && s.err == nil {
			s.err = err
		}
		return
	}
	s.samples++
	s.waiting += waiting
	s.active += active
	if active > 0 {
		s.maxShare = max(s.maxShare, float64(waiting)/float64(active))
	}
}

// progress tells how many samples were taken so far.
func (s *pgSampler) progress() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// finish stops sampling and summarizes.
func (s *pgSampler) finish() *lockReport {
	s.cancel()
	s.done.Wait()
	s.db.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &lockReport{Samples: s.samples, MaxShare: round4(s.maxShare)}
	if s.active > 0 {
		r.Share = round4(float64(s.waiting) / float64(s.active))
	}
	if s.samples > 0 {
		r.MeanActive = round4(float64(s.active) / float64(s.samples))
	}
	if s.err != nil && s.samples == 0 {
		r.Error = s.err.Error()
	}
	return r
}
