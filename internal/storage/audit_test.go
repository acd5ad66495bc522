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

// appendEvents appends n audit events, every other one with a detail map, and returns them as appended.
func appendEvents(t *testing.T, db *storage.DB, n int) []audit.Event {
	t.Helper()
	var out []audit.Event
	for i := range n {
		e := audit.Event{At: auditStart.Add(time.Duration(i) * time.Second), Actor: "user:registrar", Action: "employee.read",
			ObjectType: "employee", ObjectID: fmt.Sprintf("emp-%d", i%3), AccountID: "acc-1", OrganizationID: "org-1"}
		if i%2 == 1 {
			e.Detail = map[string]any{"fields": []any{"snils", "passport"}, "reason": "проверка", "n": float64(i)}
		}
		if err := db.AppendAudit(t.Context(), &e, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
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
				const workers, each = 4, 25
				seqs := make(chan int64, workers*each)
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
							seqs <- e.Seq
						}
					}()
				}
				wg.Wait()
				close(seqs)
				var got []int64
				for s := range seqs {
					got = append(got, s)
				}
				slices.Sort(got)
				var want []int64
				for s := range int64(workers * each) {
					want = append(want, s+1)
				}
				if !slices.Equal(got, want) {
					t.Errorf("seqs handed out: %v, want 1..%d each once", got, workers*each)
				}
				if n, err := db.VerifyAudit(ctx); n != workers*each || err != nil {
					t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, workers*each)
				}
				// Each worker's events keep its order; the feed got every event, in seq order.
				for w := range workers {
					evs, err := db.AuditEvents(ctx, "worker", fmt.Sprint(w))
					if err != nil || len(evs) != each {
						t.Fatalf("worker %d: %d events, %v", w, len(evs), err)
					}
					for i, e := range evs {
						if e.Detail["i"] != float64(i) {
							t.Errorf("worker %d event %d has detail %v", w, i, e.Detail)
						}
					}
				}
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
