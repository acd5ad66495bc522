package storage_test

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// TestRegistryStandin covers the registry stand-in's storage on every engine: entries round-trip, an insert
// never overwrites, a replace applies only to the entry as read, and of replicas replacing the same entry
// at once exactly one wins. Every statement reads one row by its key.
func TestRegistryStandin(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := eng.Open(t)
			seen := map[string][]any{}
			storage.ObserveStatements(db, func(q string, args []any) { seen[q] = args })

			now := time.Date(2026, 12, 7, 9, 30, 0, 123456000, time.UTC)
			e := &storage.StandinEntry{Number: "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42", Operation: "op-1",
				File: []byte("<file/>\x00\xff"), Signature: []byte{0x30, 0x82, 0x00}, Status: "PROCESSING",
				StatusAt: now, SubmittedAt: now}
			_, err := db.StandinEntry(ctx, e.Number)
			wantNoRows(t, "entry before insert", err)
			if ok, err := db.InsertStandinEntry(ctx, e); !ok || err != nil {
				t.Fatalf("insert = %v, %v", ok, err)
			}
			if got, err := db.StandinEntry(ctx, e.Number); err != nil || !reflect.DeepEqual(got, e) {
				t.Fatalf("entry = %+v, %v, want %+v", got, err, e)
			}
			other := *e
			other.Operation, other.Signature = "op-2", []byte{1}
			if ok, err := db.InsertStandinEntry(ctx, &other); ok || err != nil {
				t.Fatalf("second insert of the number = %v, %v, want false, nil", ok, err)
			}

			decided := *e
			decided.Status, decided.Reason, decided.StatusAt, decided.RegisteredAt = "ACTIVE", "", now.Add(time.Minute), now.Add(time.Minute)
			decided.GrantorName, decided.GrantorINN, decided.IssueDate, decided.EndDate = "ООО Ромашка", testdb.HeadINN, "2026-12-07", "2027-12-06"
			for _, c := range []struct{ name, operation, status string }{
				{"another operation", "op-2", "PROCESSING"},
				{"another status", "op-1", "ACTIVE"},
			} {
				if ok, err := db.ReplaceStandinEntry(ctx, &decided, c.operation, c.status); ok || err != nil {
					t.Errorf("replace from %s = %v, %v, want false, nil", c.name, ok, err)
				}
			}
			if got, _ := db.StandinEntry(ctx, e.Number); !reflect.DeepEqual(got, e) {
				t.Fatalf("refused replaces changed the entry: %+v", got)
			}
			if ok, err := db.ReplaceStandinEntry(ctx, &decided, "op-1", "PROCESSING"); !ok || err != nil {
				t.Fatalf("replace = %v, %v", ok, err)
			}
			if got, err := db.StandinEntry(ctx, e.Number); err != nil || !reflect.DeepEqual(got, &decided) {
				t.Fatalf("after replace = %+v, %v, want %+v", got, err, &decided)
			}
			storage.ObserveStatements(db, nil)
			for q, args := range seen {
				plan, err := storage.QueryPlan(ctx, db, q, args...)
				if err != nil {
					t.Fatalf("plan of %s: %v", oneLine(q), err)
				}
				for _, line := range plan {
					if fullScan.MatchString(strings.TrimSpace(line)) {
						t.Errorf("full scan %q in the plan of %s", line, oneLine(q))
					}
				}
			}

			// Replicas deciding one entry at once: exactly one replace applies.
			racing := *e
			racing.Number = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
			if ok, err := db.InsertStandinEntry(ctx, &racing); !ok || err != nil {
				t.Fatalf("insert = %v, %v", ok, err)
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					d := racing
					d.Status, d.StatusAt = "ACTIVE", now.Add(time.Duration(i)*time.Second)
					ok, err := db.ReplaceStandinEntry(ctx, &d, racing.Operation, "PROCESSING")
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Errorf("%d of 8 concurrent replaces applied, want 1", n)
			}
		})
	}
}
