package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// activityQuery lists the active client backends of kcr's database (except the sampler's own) with what
// they wait on; wait_event_type 'Lock' is a heavyweight lock (a row, a transaction, a table or an advisory
// lock) another transaction holds. kcr sends its values as bind parameters, so the statement text holds
// placeholders, never personal data; only its start is kept.
const activityQuery = `SELECT coalesce(wait_event_type, ''), coalesce(wait_event, ''), left(query, 200)
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
	byEvent, byQuery         map[string]int // lock waits by wait_event and by the waiting statement's start
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
	s := &pgSampler{db: db, byEvent: map[string]int{}, byQuery: map[string]int{}}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = stop
	s.done.Go(func() { s.loop(sctx) })
	return s, nil
}

// backend is one row of activityQuery.
type backend struct{ waitType, waitEvent, query string }

func (s *pgSampler) loop(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rows, err := s.sample(ctx)
		s.mu.Lock()
		s.add(ctx, rows, err)
		s.mu.Unlock()
	}
}

func (s *pgSampler) sample(ctx context.Context) ([]backend, error) {
	rows, err := s.db.QueryContext(ctx, activityQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []backend
	for rows.Next() {
		var b backend
		if err := rows.Scan(&b.waitType, &b.waitEvent, &b.query); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// add counts one sample; the caller holds mu.
func (s *pgSampler) add(ctx context.Context, rows []backend, err error) {
	if err != nil {
		if ctx.Err() == nil && s.err == nil {
			s.err = err
		}
		return
	}
	s.samples++
	waiting := 0
	for _, b := range rows {
		if b.waitType == "Lock" {
			waiting++
			s.byEvent[b.waitEvent]++
			s.byQuery[truncate(b.query, 80)]++
		}
	}
	s.waiting += waiting
	s.active += len(rows)
	if len(rows) > 0 {
		s.maxShare = max(s.maxShare, float64(waiting)/float64(len(rows)))
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
	if s.waiting > 0 {
		r.ByEvent = maps.Clone(s.byEvent)
		r.TopQueries = topQueries(s.byQuery, 3)
	}
	if s.err != nil && s.samples == 0 {
		r.Error = s.err.Error()
	}
	return r
}

// topQueries returns the n statements seen waiting most often, most often first.
func topQueries(m map[string]int, n int) []queryCount {
	var out []queryCount
	for q, c := range m {
		out = append(out, queryCount{Query: q, Count: c})
	}
	slices.SortFunc(out, func(a, b queryCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Query < b.Query {
			return -1
		}
		return 1
	})
	return out[:min(n, len(out))]
}
