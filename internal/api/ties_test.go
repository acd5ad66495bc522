package api_test

import (
	"context"
	"encoding/json"
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
		rec := &mchd.Record{ID: testdb.NewID(), AccountID: e.empA.AccountID, OrganizationID: e.orgA.ID, EmployeeID: e.empA.ID,
			Number: testdb.NewID(), InternalNumber: "1", IssueDate: end.AddDate(-1, 0, 0), EndDate: end, Kind: mchd.KindOrdinary,
			Retrust: mchd.RetrustNone, Powers: []mchd.Power{{Code: "DEMO_01"}}, State: mchd.StateRegistered,
			RegistryStatus: mchd.RegistryActive, FileName: "f.xml", XML: []byte("<x/>"), CreatedBy: "user:test", CreatedAt: now,
			UpdatedAt: now, Version: 1}
		must(t, e.db.CreatePowersOfAttorney(ctx, []*mchd.Record{rec}, "user:test"))

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

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	must(t, err)
	return v
}
