package storage_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func testPoATies(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}
	day := func(n int) time.Time { return f.Now.AddDate(0, 0, n) }
	rec := func(account, org, emp string, st mchd.State, end int) *mchd.Record {
		r := poaRecord(f, account, org, emp, day(end))
		r.State = st
		return r
	}
	headSoon := rec(f.AccountA, f.HeadOrg, f.HeadEmployee, mchd.StateRegistered, 20)
	headMid := rec(f.AccountA, f.HeadOrg, f.HeadEmployee, mchd.StateRegistered, 45)
	headLate := rec(f.AccountA, f.HeadOrg, f.HeadEmployee, mchd.StateRegistered, 200)
	headRevokedLater := rec(f.AccountA, f.HeadOrg, f.HeadEmployee, mchd.StateRevoked, 400)
	headRevokedLater.RegistryStatus = mchd.RegistryRevoked
	branchExpired := rec(f.AccountA, f.BranchOrg, f.BranchEmployee, mchd.StateExpired, -10)
	branchRevoked := rec(f.AccountA, f.BranchOrg, f.BranchEmployee, mchd.StateRevoked, 50)
	branchRevoked.RegistryStatus = mchd.RegistryRevoked
	branchCancelled := rec(f.AccountA, f.BranchOrg, f.BranchEmployee, mchd.StateRevoked, 80) // never registered
	crossDraft := rec(f.AccountA, f.HeadOrg, f.BranchEmployee, mchd.StateAwaitingSignature, 100)
	crossDraft.CreatedAt = f.Now.Add(time.Second)
	crossDraft.Powers = []mchd.Power{{Code: "DEMO_02", Name: "Отчётность"}}
	other := rec(f.AccountB, f.OrgB, f.EmployeeB, mchd.StateRegistered, 10)
	if err := db.CreatePowersOfAttorney(ctx, []*mchd.Record{headSoon, headMid, headLate, headRevokedLater, branchExpired,
		branchRevoked, branchCancelled, crossDraft, other}, "user:x"); err != nil {
		t.Fatal(err)
	}

	t.Run("current per holder", func(t *testing.T) {
		head := storage.PoAHolder{OrganizationID: f.HeadOrg, EmployeeID: f.HeadEmployee}
		branch := storage.PoAHolder{OrganizationID: f.BranchOrg, EmployeeID: f.BranchEmployee}
		cross := storage.PoAHolder{OrganizationID: f.HeadOrg, EmployeeID: f.BranchEmployee}
		holderB := storage.PoAHolder{OrganizationID: f.OrgB, EmployeeID: f.EmployeeB}
		all := []storage.PoAHolder{head, branch, cross, holderB, head, {EmployeeID: f.HeadEmployee}}
		for _, c := range []struct {
			name  string
			scope storage.Scope
			want  map[storage.PoAHolder]string
		}{
			{"account", scopeA, map[storage.PoAHolder]string{head: headLate.ID, branch: branchRevoked.ID}},
			{"operator", storage.Scope{}, map[storage.PoAHolder]string{head: headLate.ID, branch: branchRevoked.ID, holderB: other.ID}},
			{"organization scope", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}},
				map[storage.PoAHolder]string{branch: branchRevoked.ID}},
			{"own records", storage.Scope{AccountID: f.AccountA, EmployeeID: f.HeadEmployee},
				map[storage.PoAHolder]string{head: headLate.ID}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := db.CurrentPowersOfAttorney(ctx, c.scope, all)
				ids := map[storage.PoAHolder]string{}
				for h, r := range got {
					ids[h] = r.ID
					if r.XML != nil {
						t.Errorf("the file bytes are read for %v", h)
					}
				}
				if err != nil || !reflect.DeepEqual(ids, c.want) {
					t.Errorf("got %v, %v, want %v", ids, err, c.want)
				}
			})
		}
		if got, err := db.CurrentPowersOfAttorney(ctx, scopeA, nil); err != nil || len(got) != 0 {
			t.Errorf("no holders: %v, %v", got, err)
		}
	})

	t.Run("dashboard counts", func(t *testing.T) {
		cert := func(org, emp string, kind model.CertKind) *model.Certificate {
			c := newCert(f, org, emp, "", kind)
			if err := db.CreateCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		cert(f.HeadOrg, f.HeadEmployee, model.KindIndividual)              // has a registered one
		cert(f.BranchOrg, f.BranchEmployee, model.KindIndividual)          // only a revoked one: counted
		cert(f.HeadOrg, f.HeadEmployee, model.KindHead)                    // a head needs none
		cert(f.OrgB, f.EmployeeB, model.KindIndividual)                    // another account
		revoked := cert(f.HeadOrg, f.BranchEmployee, model.KindIndividual) // revoked
		if _, err := db.RevokeCertificate(ctx, revoked.Serial, f.Now.UnixMicro(), model.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		ended := newCert(f, f.HeadOrg, f.BranchEmployee, "", model.KindIndividual) // expired
		ended.NotBefore, ended.NotAfter = f.Now.AddDate(-2, 0, 0), f.Now.AddDate(0, 0, -1)
		if err := db.CreateCertificate(ctx, ended); err != nil {
			t.Fatal(err)
		}
		got, err := db.PowerOfAttorneyCounts(ctx, scopeA, f.Now, []int{30, 60, 90})
		want := &storage.PoACounts{Ending: []int{1, 2, 2}, CertsWithout: 1}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, %v, want %+v", got, err, want)
		}
		got, err = db.PowerOfAttorneyCounts(ctx, storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}}, f.Now, []int{30})
		want = &storage.PoACounts{Ending: []int{1}, CertsWithout: 0}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("organization scope: got %+v, %v, want %+v", got, err, want)
		}
	})

	t.Run("last powers drafted", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			scope storage.Scope
			org   string
			want  []mchd.Power
		}{
			{"latest of the organization", scopeA, f.HeadOrg, crossDraft.Powers},
			{"another organization", scopeA, f.BranchOrg, branchExpired.Powers},
			{"out of scope", scopeA, f.OrgB, []mchd.Power{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := db.LastPowersDrafted(ctx, c.scope, c.org)
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Errorf("got %+v, %v, want %+v", got, err, c.want)
				}
			})
		}
	})
}
