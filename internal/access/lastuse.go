package access

import (
	"context"
	"errors"
	"sync"
	"time"
)

// LastUseInterval is how often noted API-key uses are written: last use is shown to the minute, and a
// busy integration must not turn its reads into writes.
const LastUseInterval = time.Minute

// lastUse remembers, in memory, when API keys were used since the last flush. Authenticate only notes the
// time here, so that an authenticated read never waits for the database's write lock (on SQLite one
// writer at a time) nor fails when a long write holds it.
type lastUse struct {
	mu      sync.Mutex
	pending map[string]time.Time // API key id → latest use not yet written
}

func (l *lastUse) note(id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending == nil {
		l.pending = map[string]time.Time{}
	}
	if prev, ok := l.pending[id]; !ok || at.After(prev) {
		l.pending[id] = at
	}
}

// take empties the pending uses and returns them.
func (l *lastUse) take() map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = nil
	return out
}

// putBack returns uses that could not be written, unless a newer use of the key was noted meanwhile.
func (l *lastUse) putBack(uses map[string]time.Time) {
	for id, at := range uses {
		l.note(id, at)
	}
}

// FlushLastUse writes the API-key uses noted since the last flush. The storage keeps the stored time when
// it is less than a minute older, so replicas flushing the same key do not rewrite it either. Uses that
// could not be written are kept for the next flush.
func (s *Service) FlushLastUse(ctx context.Context) error {
	uses := s.lastUse.take()
	var errList []error
	for id, at := range uses {
		err := s.DB.TouchAPIKey(ctx, id, at)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		delete(uses, id)
	}
	s.lastUse.putBack(uses)
	return errors.Join(errList...)
}

// RecordLastUse flushes noted API-key uses every interval (LastUseInterval in production) until ctx ends,
// then once more so that a shutdown loses nothing; report receives flush errors (a failed flush costs only
// the precision of "last used", so it is reported, never fatal).
func (s *Service) RecordLastUse(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.FlushLastUse(context.WithoutCancel(ctx)); err != nil {
				report(err)
			}
			return
		case <-t.C:
			if err := s.FlushLastUse(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}
