package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/testdb"
)

// TestCertificatesShowPowerOfAttorney: the register's items carry, for individuals' certificates linked to
// an organization, the holder's МЧД or that there is none; other certificates and callers who may not read
// powers of attorney get neither.
func TestCertificatesShowPowerOfAttorney(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.recordPoAHead(t)
		ctx := context.Background()
		now := e.clk.Now()
		for _, c := range []struct {
			serial string
			emp    *model.Employee
			kind   model.CertKind
		}{{"t1", e.empA, model.KindIndividual}, {"t2", e.empB, model.KindIndividual}, {"t3", e.empA, model.KindHead}} {
			must(t, e.db.CreateCertificate(ctx, &model.Certificate{Serial: c.serial, AccountID: c.emp.AccountID,
				OrganizationID: c.emp.OrganizationID, EmployeeID: c.emp.ID, Kind: c.kind, Status: model.CertValid,
				Issuer: "kcr-ca", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DER: []byte{0x30, 0x00}, CreatedAt: now,
				PublicKeyHash: "tie-" + c.serial}))
		}
		end := time.Date(2027, 5, 1, 0, 0, 0, 0, rules.MSK)
		rec := storedPoA(t, e, e.empA, mchd.StateRegistered, end)

		type item struct {
			Serial          string `json:"serial"`
			PowerOfAttorney *struct {
				ID      string `json:"id"`
				Number  string `json:"number"`
				State   string `json:"state"`
				EndDate string `json:"end_date"`
			} `json:"power_of_attorney"`
			Missing bool `json:"power_of_attorney_missing"`
		}
		list := func(caller string) map[string]item {
			t.Helper()
			r := e.do(caller, "GET", "/api/v1/certificates?sort=serial", nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", caller, r.status, r.body)
			}
			var page struct{ Items []item }
			must(t, json.Unmarshal(r.body, &page))
			out := map[string]item{}
			for _, it := range page.Items {
				out[it.Serial] = it
			}
			return out
		}
		got := list("account_admin")
		if p := got["t1"].PowerOfAttorney; p == nil || p.ID != rec.ID || p.Number != rec.Number || p.State != "registered" ||
			!end.Equal(mustTime(t, p.EndDate)) || got["t1"].Missing {
			t.Errorf("t1 = %+v", got["t1"])
		}
		if it := got["t2"]; it.PowerOfAttorney != nil || !it.Missing {
			t.Errorf("t2 (no МЧД) = %+v", it)
		}
		if it := got["t3"]; it.PowerOfAttorney != nil || it.Missing {
			t.Errorf("t3 (a head's) = %+v", it)
		}
		for _, it := range list("manager") {
			if it.PowerOfAttorney != nil || it.Missing {
				t.Errorf("the manager, who reads no personal data, gets %+v", it)
			}
		}
	})
}

// storedPoA stores a power of attorney of the employee in the given state, as the service would have.
func storedPoA(t *testing.T, e *env, emp *model.Employee, st mchd.State, end time.Time) *mchd.Record {
	t.Helper()
	now := e.clk.Now()
	rec := &mchd.Record{ID: testdb.NewID(), AccountID: emp.AccountID, OrganizationID: emp.OrganizationID, EmployeeID: emp.ID,
		Number: testdb.NewID(), InternalNumber: "1", IssueDate: end.AddDate(-1, 0, 0), EndDate: end, Kind: mchd.KindOrdinary,
		Retrust: mchd.RetrustNone, Powers: []mchd.Power{{Code: "DEMO_01"}}, State: st, FileName: "f.xml", XML: []byte("<x/>"),
		CreatedBy: "user:test", CreatedAt: now, UpdatedAt: now, Version: 1}
	if st == mchd.StateRegistered {
		rec.RegistryStatus = mchd.RegistryActive
	}
	must(t, e.db.CreatePowersOfAttorney(context.Background(), []*mchd.Record{rec}, "user:test"))
	return rec
}

// TestDismissListsPowersOfAttorney: the dismissal's answer lists the employee's powers of attorney not final
// yet, to revoke; with serve's hook the offer is audited on each, in the dismissal's transaction.
func TestDismissListsPowersOfAttorney(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.recordPoAHead(t)
		e.reg.OnDismissed = e.poa.OnDismissed // as serve wires it
		end := time.Date(2027, 5, 1, 0, 0, 0, 0, rules.MSK)
		reg := storedPoA(t, e, e.empA, mchd.StateRegistered, end)
		draft := storedPoA(t, e, e.empA, mchd.StateAwaitingSignature, end)
		storedPoA(t, e, e.empA, mchd.StateRevoked, end)
		type answer struct {
			ID       string `json:"id"`
			ToRevoke []struct {
				ID     string `json:"id"`
				Number string `json:"number"`
				State  string `json:"state"`
			} `json:"powers_of_attorney_to_revoke"`
		}
		var got answer
		r := e.do("account_admin", "POST", "/api/v1/employees/"+e.empA.ID+"/dismiss",
			map[string]string{"reason": "по собственному желанию", "date": "2026-11-20"})
		if r.status != 200 {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		r.json(t, &got)
		if got.ID != e.empA.ID || len(got.ToRevoke) != 2 || got.ToRevoke[0].ID != reg.ID || got.ToRevoke[0].Number != reg.Number ||
			got.ToRevoke[0].State != "registered" || got.ToRevoke[1].ID != draft.ID {
			t.Errorf("answer %s", r.body)
		}
		for _, id := range []string{reg.ID, draft.ID} {
			ev, err := e.db.AuditEvents(context.Background(), "power_of_attorney", id)
			must(t, err)
			if len(ev) != 1 || ev[0].Action != "power_of_attorney.revocation_offered" {
				t.Errorf("audit of %s: %+v", id, ev)
			}
		}

		r = e.do("account_admin", "POST", "/api/v1/employees/"+e.empB.ID+"/dismiss",
			map[string]string{"reason": "по собственному желанию", "date": "2026-11-20"})
		if r.status != 200 || !strings.Contains(string(r.body), `"powers_of_attorney_to_revoke":[]`) {
			t.Errorf("without any: %d %s", r.status, r.body)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	must(t, err)
	return v
}
