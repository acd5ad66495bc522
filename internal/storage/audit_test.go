package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

var auditStart = time.Date(2025, 2, 3, 9, 0, 0, 0, time.UTC)

// appendEvents appends n audit events, every other one with a detail map, and returns them as chained.
func appendEvents(t *testing.T, db *storage.DB, n int) []audit.Event {
	t.Helper()
	var out []audit.Event
	for i := range n {
		e := audit.Event{At: auditStart.Add(time.Duration(i) * time.Second), Actor: "user:registrar", Action: "employee.read",
			ObjectType: "employee", ObjectID: fmt.Sprintf("emp-%d", i%3), AccountID: "acc-1", OrganizationID: "org-1"}
		if i%2 == 1 {
			e.Detail = map[string]any{"fields": []any{"snils", "passport"}, "reason": "проверка", "n": float64(i)}
		}
		appendChained(t, db, &e, nil)
		out = append(out, e)
	}
	return out
}

// appendChained appends one event (and its feed event) and fills in its place in the chain, as AppendAudit
// does on SQLite; on PostgreSQL, where events are chained after their transaction, it runs the sequencer
// and reads the place back. Only for tests with one writer at a time.
func appendChained(t *testing.T, db *storage.DB, e *audit.Event, fe *model.FeedEvent) {
	t.Helper()
	ctx := t.Context()
	if err := db.AppendAudit(ctx, e, fe); err != nil {
		t.Fatal(err)
	}
	if db.Dialect() != storage.Postgres {
		if e.Seq == 0 || (fe != nil && fe.Seq != e.Seq) {
			t.Fatalf("SQLite: AppendAudit left seq %d (feed %+v)", e.Seq, fe)
		}
		return
	}
	if e.Seq != 0 {
		t.Fatalf("PostgreSQL: AppendAudit chained event %d in the writing transaction", e.Seq)
	}
	if n, err := db.SequenceAudit(ctx); n != 1 || err != nil {
		t.Fatalf("SequenceAudit = %d, %v; want the one event", n, err)
	}
	last, err := db.AuditLog(ctx, storage.AuditFilter{Limit: 1})
	if err != nil || len(last) != 1 {
		t.Fatalf("AuditLog = %v, %v", last, err)
	}
	e.Seq, e.PrevHash, e.Hash = last[0].Seq, last[0].PrevHash, last[0].Hash
	if fe != nil {
		fe.Seq = e.Seq
	}
}

func TestAudit(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Run("chain verifies", func(t *testing.T) {
				ctx := t.Context()
				db := eng.Open(t)
				if n, err := db.VerifyAudit(ctx); n != 0 || err != nil {
					t.Errorf("empty log: VerifyAudit = %d, %v; want 0, nil", n, err)
				}
				const N = 12
				evs := appendEvents(t, db, N)
				for i, e := range evs {
					prev := ""
					if i > 0 {
						prev = evs[i-1].Hash
					}
					if e.Seq != int64(i+1) || e.PrevHash != prev || len(e.Hash) != 64 {
						t.Errorf("event %d: seq %d, prev %q, hash %q; want seq %d linked to the previous hash", i, e.Seq, e.PrevHash, e.Hash, i+1)
					}
				}
				if n, err := db.VerifyAudit(ctx); n != N || err != nil {
					t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, N)
				}
				stored, err := db.AuditEvents(ctx, "employee", "emp-1")
				if err != nil {
					t.Fatal(err)
				}
				var want []audit.Event
				for _, e := range evs {
					if e.ObjectID == "emp-1" {
						want = append(want, e)
					}
				}
				if len(stored) != len(want) {
					t.Fatalf("AuditEvents: %d events, want %d", len(stored), len(want))
				}
				for i := range want {
					w := want[i]
					if w.Detail == nil {
						w.Detail = map[string]any{} // stored as "{}"
					}
					g := stored[i]
					if g.Seq != w.Seq || !g.At.Equal(w.At) || g.Hash != w.Hash || g.PrevHash != w.PrevHash ||
						fmt.Sprint(g.Detail) != fmt.Sprint(w.Detail) {
						t.Errorf("stored event %d =\n%+v, want\n%+v", i, g, w)
					}
				}
			})

			t.Run("chain longer than one read batch", func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				db := eng.Open(t)
				raw := testdb.Raw(t, db)
				// Written straight into the tables (AppendAudit one by one would be slow): a valid chain of
				// 5003 events, past VerifyAudit's 5000-row read batches.
				const n = 5003
				tx, err := raw.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				prev := ""
				var values []string
				flush := func() {
					if len(values) == 0 {
						return
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, at, actor, action, object_type, object_id,
						account_id, organization_id, detail, prev_hash, hash) VALUES `+strings.Join(values, ",")); err != nil {
						t.Fatal(err)
					}
					values = values[:0]
				}
				for seq := int64(1); seq <= n; seq++ {
					at := auditStart.UnixMicro() + seq
					h := audit.Hash(seq, at, "system", "bulk.write", "bulk", "b", "acc", "org", "{}", prev)
					values = append(values, fmt.Sprintf("(%d, %d, 'system', 'bulk.write', 'bulk', 'b', 'acc', 'org', '{}', '%s', '%s')", seq, at, prev, h))
					prev = h
					if len(values) == 500 {
						flush()
					}
				}
				flush()
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE audit_head SET seq = %d, hash = '%s' WHERE id = 1`, n, prev)); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				if got, err := db.VerifyAudit(ctx); got != n || err != nil {
					t.Fatalf("VerifyAudit = %d, %v; want %d, nil", got, err, n)
				}
				// The next append continues the chain.
				if err := db.AppendAudit(ctx, &audit.Event{At: auditStart, Actor: "system", Action: "after.bulk"}, nil); err != nil {
					t.Fatal(err)
				}
				if got, err := db.VerifyAudit(ctx); got != n+1 || err != nil {
					t.Fatalf("after one more append VerifyAudit = %d, %v; want %d, nil", got, err, n+1)
				}
				// A change in the second batch is found too.
				if _, err := raw.ExecContext(ctx, `UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 5002`); err != nil {
					t.Fatal(err)
				}
				got, err := db.VerifyAudit(ctx)
				var broken *audit.BrokenLink
				if !errors.As(err, &broken) || broken.Seq != 5002 || got != 5001 {
					t.Errorf("VerifyAudit = %d, %v; want broken at 5002 after 5001 verified", got, err)
				}
			})

			const N = 6
			for _, c := range []struct {
				name        string
				tamper      []string // statements; %s is replaced by the hash recomputed for a rewritten event 3
				wantSeq     int64
				wantChecked int64
				wantReason  string
			}{
				{"actor of event 3 changed", []string{`UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 3`}, 3, 2, "altered"},
				{"detail of event 2 changed", []string{`UPDATE audit_events SET detail = '{"n":1}' WHERE seq = 2`}, 2, 1, "altered"},
				{"time of event 5 changed", []string{`UPDATE audit_events SET at = at + 1 WHERE seq = 5`}, 5, 4, "altered"},
				{"event 3 changed and rehashed", []string{`UPDATE audit_events SET actor = 'user:mallory', hash = '%s' WHERE seq = 3`}, 4, 3, "prev_hash"},
				{"last event deleted", []string{`DELETE FROM audit_events WHERE seq = 6`}, 6, 5, "head records 6"},
				{"middle event deleted", []string{`DELETE FROM audit_events WHERE seq = 4`}, 4, 3, "event 4 is missing"},
				{"first event deleted", []string{`DELETE FROM audit_events WHERE seq = 1`}, 1, 0, "event 1 is missing"},
				{"head hash changed", []string{`UPDATE audit_head SET hash = 'deadbeef' WHERE id = 1`}, 6, 6, "recorded head"},
				{"last event deleted and the head rewound", []string{`DELETE FROM audit_events WHERE seq = 6`,
					`UPDATE audit_head SET seq = 5 WHERE id = 1`}, 5, 5, "recorded head"},
			} {
				t.Run("tamper/"+c.name, func(t *testing.T) {
					t.Parallel() // each case has its own database
					ctx := t.Context()
					db := eng.Open(t)
					evs := appendEvents(t, db, N)
					if n, err := db.VerifyAudit(ctx); n != N || err != nil {
						t.Fatalf("before tampering: %d, %v", n, err)
					}
					e := evs[2]
					rehash := audit.Hash(e.Seq, e.At.UnixMicro(), "user:mallory", e.Action, e.ObjectType, e.ObjectID, e.AccountID,
						e.OrganizationID, "{}", e.PrevHash)
					raw := testdb.Raw(t, db)
					for _, stmt := range c.tamper {
						if strings.Contains(stmt, "%s") {
							stmt = fmt.Sprintf(stmt, rehash)
						}
						if res, err := raw.ExecContext(ctx, stmt); err != nil {
							t.Fatal(err)
						} else if n, _ := res.RowsAffected(); n != 1 {
							t.Fatalf("%s changed %d rows", stmt, n)
						}
					}
					n, err := db.VerifyAudit(ctx)
					var broken *audit.BrokenLink
					if !errors.As(err, &broken) {
						t.Fatalf("VerifyAudit = %d, %v; want a *audit.BrokenLink", n, err)
					}
					if broken.Seq != c.wantSeq || n != c.wantChecked || !strings.Contains(broken.Reason, c.wantReason) {
						t.Errorf("VerifyAudit = %d, %v; want broken at %d after %d verified, reason mentioning %q",
							n, err, c.wantSeq, c.wantChecked, c.wantReason)
					}
				})
			}

			t.Run("concurrent appenders", func(t *testing.T) {
				ctx := t.Context()
				db := eng.Open(t)
				const workers, each = 8, 25
				// On PostgreSQL a sequencer chains while the workers write, as each replica's does.
				stop := make(chan struct{})
				sequencerDone := make(chan error, 1)
				go func() {
					for {
						if _, err := db.TrySequenceAudit(ctx); err != nil {
							sequencerDone <- err
							return
						}
						select {
						case <-stop:
							sequencerDone <- nil
							return
						default:
						}
					}
				}()
				// Verifying while events are chained never reports a break: events and head are read in
				// one snapshot.
				verified := make(chan error, 1)
				go func() {
					for {
						if _, err := db.VerifyAudit(ctx); err != nil {
							verified <- err
							return
						}
						select {
						case <-stop:
							verified <- nil
							return
						default:
						}
					}
				}()
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range each {
							e := &audit.Event{At: time.Now(), Actor: fmt.Sprintf("worker:%d", w), Action: "test.append",
								ObjectType: "worker", ObjectID: fmt.Sprint(w), AccountID: "acc", OrganizationID: fmt.Sprint("org-", w),
								Detail: map[string]any{"i": float64(i)}}
							fe := &model.FeedEvent{Type: "test.appended", AccountID: "acc", OrganizationID: e.OrganizationID, ObjectID: e.ObjectID,
								Data: map[string]any{"i": float64(i)}}
							if err := db.AppendAudit(context.Background(), e, fe); err != nil {
								t.Errorf("worker %d, event %d: %v", w, i, err)
								return
							}
						}
					}()
				}
				wg.Wait()
				close(stop)
				if err := <-sequencerDone; err != nil {
					t.Fatalf("sequencer: %v", err)
				}
				if err := <-verified; err != nil {
					t.Fatalf("VerifyAudit while appending: %v", err)
				}
				if n, err := db.VerifyAudit(ctx); n != workers*each || err != nil {
					t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, workers*each)
				}
				// Each worker's events keep its order; together they hold every seq once.
				var got []int64
				for w := range workers {
					evs, err := db.AuditEvents(ctx, "worker", fmt.Sprint(w))
					if err != nil || len(evs) != each {
						t.Fatalf("worker %d: %d events, %v", w, len(evs), err)
					}
					for i, e := range evs {
						if e.Detail["i"] != float64(i) {
							t.Errorf("worker %d event %d has detail %v", w, i, e.Detail)
						}
						got = append(got, e.Seq)
					}
				}
				slices.Sort(got)
				var want []int64
				for s := range int64(workers * each) {
					want = append(want, s+1)
				}
				if !slices.Equal(got, want) {
					t.Errorf("seqs: %v, want 1..%d each once", got, workers*each)
				}
				// The feed got every event, in seq order, each under its audit event's seq.
				feed, err := db.FeedEvents(ctx, storage.Scope{AccountID: "acc"}, 0, 1000)
				if err != nil || len(feed) != workers*each {
					t.Fatalf("feed: %d events, %v", len(feed), err)
				}
				for i, e := range feed {
					if e.Seq != int64(i+1) {
						t.Fatalf("feed event %d has seq %d", i, e.Seq)
					}
				}
			})
		})
	}
}

// An event whose transaction commits after a later-stored event has been chained is chained after it, with
// no gap, and a feed poller sees both exactly once, in order. PostgreSQL only: on SQLite the second writer
// cannot commit while the first transaction is open.
func TestAuditLateCommit(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // never reached unless something blocks
			defer cancel()
			db := eng.Open(t)
			if db.Dialect() != storage.Postgres {
				t.Skip("SQLite serializes writers: no transaction commits while another is open")
			}
			appendChained(t, db, &audit.Event{At: auditStart, Actor: "system", Action: "test.first", ObjectType: "t", ObjectID: "0"}, nil)
			ev := func(name string) (*audit.Event, *model.FeedEvent) {
				return &audit.Event{At: auditStart, Actor: "system", Action: "test." + name, ObjectType: "t", ObjectID: name, AccountID: "acc"},
					&model.FeedEvent{Type: "test." + name, AccountID: "acc", ObjectID: name, Data: map[string]any{"n": name}}
			}
			inserted, commit := make(chan struct{}), make(chan struct{})
			aDone := make(chan error, 1)
			go func() {
				aDone <- db.InTx(ctx, func(ctx context.Context) error {
					e, fe := ev("a")
					if err := db.AppendAudit(ctx, e, fe); err != nil {
						return err
					}
					close(inserted)
					select {
					case <-commit:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
			}()
			select {
			case <-inserted:
			case err := <-aDone:
				t.Fatalf("transaction A: %v", err)
			}
			eB, feB := ev("b")
			if err := db.AppendAudit(ctx, eB, feB); err != nil {
				t.Fatal(err)
			}
			// B is chained while A is open: the sequencer does not wait for A.
			if n, err := db.SequenceAudit(ctx); n != 1 || err != nil {
				t.Fatalf("SequenceAudit with A open = %d, %v; want B only", n, err)
			}
			poll := func(after int64) []model.FeedEvent {
				t.Helper()
				got, err := db.FeedEvents(ctx, storage.Scope{AccountID: "acc"}, after, 100)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			first := poll(0)
			if len(first) != 1 || first[0].ObjectID != "b" || first[0].Seq != 2 {
				t.Fatalf("feed with A open: %+v, want B at seq 2", first)
			}
			close(commit)
			if err := <-aDone; err != nil {
				t.Fatalf("transaction A: %v", err)
			}
			second := poll(first[0].Seq)
			if len(second) != 1 || second[0].ObjectID != "a" || second[0].Seq != 3 {
				t.Fatalf("feed after A committed: %+v, want A at seq 3", second)
			}
			if again := poll(second[0].Seq); len(again) != 0 {
				t.Fatalf("feed repeats: %+v", again)
			}
			if n, err := db.VerifyAudit(ctx); n != 3 || err != nil {
				t.Fatalf("VerifyAudit = %d, %v; want 3, nil", n, err)
			}
			trail, err := db.AuditLog(ctx, storage.AuditFilter{Limit: 10})
			if err != nil || len(trail) != 3 || trail[0].Action != "test.a" || trail[1].Action != "test.b" {
				t.Fatalf("audit log, newest first: %+v, %v; want a, b, first", trail, err)
			}
		})
	}
}

// The periodic sequencer never waits: while another replica chains it returns at once, and the chaining
// of a read waits its turn.
func TestAuditSequencerTakesTurns(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			db := eng.Open(t)
			if db.Dialect() != storage.Postgres {
				t.Skip("SQLite chains in the writing transaction: there is no sequencer")
			}
			if err := db.AppendAudit(ctx, &audit.Event{At: auditStart, Actor: "system", Action: "test.x"}, nil); err != nil {
				t.Fatal(err)
			}
			// Another replica's sequencer, as far as the lock goes.
			other, err := testdb.Raw(t, db).BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			if _, err := other.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7345003)`); err != nil {
				t.Fatal(err)
			}
			if n, err := db.TrySequenceAudit(ctx); n != 0 || err != nil {
				t.Fatalf("TrySequenceAudit while another chains = %d, %v; want 0, nil at once", n, err)
			}
			var order []string
			var mu sync.Mutex
			note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
			done := make(chan error, 1)
			go func() {
				n, err := db.SequenceAudit(ctx)
				note("chained")
				if err == nil && n != 1 {
					err = fmt.Errorf("chained %d, want 1", n)
				}
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // give it the chance to go wrong; the order below is the assertion
			note("released")
			if err := other.Rollback(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(order, []string{"released", "chained"}) {
				t.Fatalf("order %v: SequenceAudit did not wait for the other sequencer", order)
			}
		})
	}
}
