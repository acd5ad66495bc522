package storage_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func poaRecord(f *testdb.Fix, account, org, emp string, end time.Time) *mchd.Record {
	id := newID()
	return &mchd.Record{ID: id, AccountID: account, OrganizationID: org, EmployeeID: emp, Number: newID(),
		InternalNumber: "Д-1", IssueDate: time.Date(2026, 3, 2, 0, 0, 0, 0, rules.MSK), EndDate: end,
		Kind: mchd.KindOrdinary, Retrust: mchd.RetrustNone,
		Powers: []mchd.Power{{Code: "DEMO_01", Name: "Подписание", Restrictions: []mchd.Restriction{{Code: "1", Name: "n", Value: "v"}}}},
		State:  mchd.StateAwaitingSignature, FileName: "ON_EMCHD_20260302_" + id + ".xml", XML: []byte("<?xml?>\x00\xff"),
		CreatedBy: "user:x", CreatedAt: f.Now, UpdatedAt: f.Now, Version: 1}
}

func testPowersOfAttorney(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}
	soon := time.Date(2026, 6, 1, 0, 0, 0, 0, rules.MSK)
	later := time.Date(2027, 3, 1, 0, 0, 0, 0, rules.MSK)
	a := poaRecord(f, f.AccountA, f.HeadOrg, f.HeadEmployee, soon)
	b := poaRecord(f, f.AccountA, f.BranchOrg, f.BranchEmployee, later)
	c := poaRecord(f, f.AccountB, f.OrgB, f.EmployeeB, later)
	if err := db.CreatePowersOfAttorney(ctx, []*mchd.Record{a, b, c}, "user:x"); err != nil {
		t.Fatal(err)
	}

	t.Run("round trip", func(t *testing.T) {
		got, err := db.PowerOfAttorney(ctx, scopeA, a.ID)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("PowerOfAttorney = %+v, %v\nwant %+v", got, err, a)
		}
	})

	t.Run("bulk is all or nothing", func(t *testing.T) {
		d := poaRecord(f, f.AccountA, f.HeadOrg, f.HeadEmployee, later)
		dup := poaRecord(f, f.AccountA, f.HeadOrg, f.HeadEmployee, later)
		dup.Number = a.Number
		if err := db.CreatePowersOfAttorney(ctx, []*mchd.Record{d, dup}, "user:x"); err != storage.ErrDuplicate {
			t.Fatalf("a number taken in the account: %v, want ErrDuplicate", err)
		}
		_, err := db.PowerOfAttorney(ctx, scopeA, d.ID)
		wantNoRows(t, "the first record of a refused bulk", err)
		other := poaRecord(f, f.AccountB, f.OrgB, f.EmployeeB, later)
		other.Number = a.Number
		if err := db.CreatePowersOfAttorney(ctx, []*mchd.Record{other}, "user:x"); err != nil {
			t.Errorf("the same number in another account: %v", err)
		}
	})

	t.Run("scope", func(t *testing.T) {
		for name, s := range map[string]storage.Scope{
			"other account":        {AccountID: f.AccountB},
			"other organization":   {AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}},
			"another employee":     {AccountID: f.AccountA, EmployeeID: f.BranchEmployee},
			"no organization list": {AccountID: f.AccountA, OrgIDs: []string{}},
		} {
			_, err := db.PowerOfAttorney(ctx, s, a.ID)
			wantNoRows(t, name, err)
		}
		if _, err := db.PowerOfAttorney(ctx, storage.Scope{AccountID: f.AccountA, EmployeeID: f.HeadEmployee}, a.ID); err != nil {
			t.Errorf("own record: %v", err)
		}
	})

	t.Run("lists", func(t *testing.T) {
		ids := func(rs []*mchd.Record) []string {
			return idsOf(rs, func(r *mchd.Record) string { return r.ID })
		}
		for _, c := range []struct {
			name  string
			scope storage.Scope
			f     storage.PoAFilter
			want  []string
		}{
			{"account", scopeA, storage.PoAFilter{}, []string{a.ID, b.ID}},
			{"organization", scopeA, storage.PoAFilter{OrganizationID: f.BranchOrg}, []string{b.ID}},
			{"employee", scopeA, storage.PoAFilter{EmployeeID: f.HeadEmployee}, []string{a.ID}},
			{"state", scopeA, storage.PoAFilter{State: mchd.StateAwaitingSignature}, []string{a.ID, b.ID}},
			{"other state", scopeA, storage.PoAFilter{State: mchd.StateRegistered}, []string{}},
			{"ending before", scopeA, storage.PoAFilter{EndingBefore: "2026-07-01"}, []string{a.ID}},
			{"number", scopeA, storage.PoAFilter{Number: b.Number}, []string{b.ID}},
			{"org scope", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}}, storage.PoAFilter{}, []string{b.ID}},
		} {
			t.Run(c.name, func(t *testing.T) {
				rows, err := db.PowersOfAttorney(ctx, c.scope, c.f, storage.Page{Limit: 100})
				if got := only(ids(rows), a.ID, b.ID); err != nil || !reflect.DeepEqual(got, c.want) {
					t.Errorf("got %v, %v, want %v", got, err, c.want)
				}
				for _, r := range rows {
					if r.XML != nil {
						t.Errorf("a list carries the file bytes")
					}
				}
			})
		}
		first, err := db.PowersOfAttorney(ctx, scopeA, storage.PoAFilter{}, storage.Page{Limit: 1})
		if err != nil || len(first) != 1 {
			t.Fatalf("page 1: %v, %v", ids(first), err)
		}
		next, err := db.PowersOfAttorney(ctx, scopeA, storage.PoAFilter{}, storage.Page{Limit: 1, After: first[0].ID})
		if err != nil || len(next) != 1 || next[0].ID <= first[0].ID {
			t.Errorf("page 2 after %s: %v, %v", first[0].ID, ids(next), err)
		}
	})

	t.Run("versioned update and history", func(t *testing.T) {
		r, err := db.PowerOfAttorney(ctx, scopeA, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		stale := *r
		at := f.Now.Add(time.Hour)
		r.State, r.Signature, r.SignedAt, r.UpdatedAt = mchd.StateSigned, []byte{0x30, 0x00}, &at, at
		ok, err := db.SavePowerOfAttorney(ctx, r, mchd.HistoryEntry{At: at, Actor: "user:y", From: mchd.StateAwaitingSignature,
			To: mchd.StateSigned, Detail: "signature checked"})
		if !ok || err != nil || r.Version != 2 {
			t.Fatalf("save: %v, %v, version %d", ok, err, r.Version)
		}
		stale.State, stale.UpdatedAt = mchd.StateRevoked, at
		if ok, err := db.SavePowerOfAttorney(ctx, &stale, mchd.HistoryEntry{At: at, Actor: "user:z", To: mchd.StateRevoked}); ok || err != nil {
			t.Errorf("a stale save: %v, %v; want refused", ok, err)
		}
		got, err := db.PowerOfAttorney(ctx, scopeA, b.ID)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("after save: %+v, %v\nwant %+v", got, err, r)
		}
		h, err := db.PowerOfAttorneyHistory(ctx, b.ID)
		want := []mchd.HistoryEntry{{At: f.Now, Actor: "user:x", To: mchd.StateAwaitingSignature},
			{At: at, Actor: "user:y", From: mchd.StateAwaitingSignature, To: mchd.StateSigned, Detail: "signature checked"}}
		if err != nil || !reflect.DeepEqual(h, want) {
			t.Errorf("history = %+v, %v, want %+v", h, err, want)
		}
	})

	t.Run("reconciler lists", func(t *testing.T) {
		r, _ := db.PowerOfAttorney(ctx, scopeA, a.ID)
		r.State, r.RegistryStatus, r.Signature = mchd.StateSigned, mchd.RegistryProcessing, []byte{1}
		if ok, err := db.SavePowerOfAttorney(ctx, r, mchd.HistoryEntry{At: f.Now, Actor: "system", To: r.State}); !ok || err != nil {
			t.Fatal(ok, err)
		}
		rows, err := db.PowersOfAttorneyProcessing(ctx, "", 1000)
		if got := only(idsOf(rows, func(r *mchd.Record) string { return r.ID }), a.ID, b.ID); err != nil || !reflect.DeepEqual(got, []string{a.ID}) {
			t.Errorf("processing = %v, %v", got, err)
		}
		r.State, r.RegistryStatus = mchd.StateRegistered, mchd.RegistryActive
		if ok, err := db.SavePowerOfAttorney(ctx, r, mchd.HistoryEntry{At: f.Now, Actor: "system", To: r.State}); !ok || err != nil {
			t.Fatal(ok, err)
		}
		rows, err = db.PowersOfAttorneyEnded(ctx, "2026-06-02", 1000)
		if got := only(idsOf(rows, func(r *mchd.Record) string { return r.ID }), a.ID, b.ID); err != nil || !reflect.DeepEqual(got, []string{a.ID}) {
			t.Errorf("ended = %v, %v", got, err)
		}
		rows, _ = db.PowersOfAttorneyEnded(ctx, "2026-06-01", 1000)
		if got := only(idsOf(rows, func(r *mchd.Record) string { return r.ID }), a.ID, b.ID); len(got) != 0 {
			t.Errorf("ended on its end date: %v", got)
		}
	})

	t.Run("find for check", func(t *testing.T) {
		for _, q := range []struct {
			name string
			q    mchd.FindQuery
			want []string
		}{
			{"number", mchd.FindQuery{AccountID: f.AccountA, Number: b.Number}, []string{b.ID}},
			{"number, operator", mchd.FindQuery{Number: c.Number}, []string{c.ID}},
			{"number of another account", mchd.FindQuery{AccountID: f.AccountA, Number: c.Number}, []string{}},
			{"organization id", mchd.FindQuery{AccountID: f.AccountA, OrganizationID: f.HeadOrg}, []string{a.ID}},
			{"ИНН", mchd.FindQuery{AccountID: f.AccountA, OrgINN: testdb.HeadINN}, []string{a.ID, b.ID}},
			{"ИНН and КПП", mchd.FindQuery{AccountID: f.AccountA, OrgINN: testdb.HeadINN, OrgKPP: testdb.BranchKPP}, []string{b.ID}},
			{"nothing named", mchd.FindQuery{AccountID: f.AccountA}, []string{}},
		} {
			t.Run(q.name, func(t *testing.T) {
				rows, err := db.FindForCheck(ctx, q.q)
				got := only(idsOf(rows, func(r mchd.Record) string { return r.ID }), a.ID, b.ID, c.ID)
				if err != nil || !reflect.DeepEqual(got, q.want) {
					t.Errorf("got %v, %v, want %v", got, err, q.want)
				}
				for _, r := range rows {
					if len(r.XML) == 0 {
						t.Errorf("%s has no file bytes", r.ID)
					}
				}
			})
		}
	})
}

// TestPowerOfAttorneyPlans: the reconciler's and the authorization check's queries, which run over every
// account, are answered from indexes, never by reading the whole table.
func TestPowerOfAttorneyPlans(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			type statement struct {
				query string
				args  []any
			}
			var seen []statement
			storage.ObserveStatements(db, func(q string, args []any) { seen = append(seen, statement{q, args}) })
			_, err1 := db.PowersOfAttorneyProcessing(ctx, "", 10)
			_, err2 := db.PowersOfAttorneyEnded(ctx, "2026-06-01", 10)
			_, err3 := db.FindForCheck(ctx, mchd.FindQuery{Number: newID()})
			_, err4 := db.FindForCheck(ctx, mchd.FindQuery{AccountID: f.AccountA, OrgINN: testdb.HeadINN, OrgKPP: testdb.HeadKPP})
			storage.ObserveStatements(db, nil)
			for _, err := range []error{err1, err2, err3, err4} {
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range seen {
				plan, err := storage.QueryPlan(ctx, db, s.query, s.args...)
				if err != nil {
					t.Fatalf("plan of %s: %v", oneLine(s.query), err)
				}
				for _, line := range plan {
					if fullScan.MatchString(strings.TrimSpace(line)) {
						t.Errorf("full scan %q in the plan of\n\t%s", strings.TrimSpace(line), oneLine(s.query))
					}
				}
			}
		})
	}
}
