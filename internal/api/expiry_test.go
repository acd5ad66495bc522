package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
)

// The certificate search filters by the status a certificate shows (expired: valid past its end) and by
// an expiry window; a renewal wave may name certificates by serial and says how many need no new identity
// check.
func TestCertificatesByExpiryWindow(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clk.Now()
		for _, c := range []struct {
			serial string
			status model.CertStatus
			days   int
		}{{"e1", model.CertValid, 10}, {"e2", model.CertValid, 100}, {"e3", model.CertValid, -2}, {"e4", model.CertRevoked, 20}} {
			end := now.AddDate(0, 0, c.days)
			must(t, e.db.CreateCertificate(ctx, &model.Certificate{Serial: c.serial, AccountID: e.empA.AccountID,
				OrganizationID: e.empA.OrganizationID, EmployeeID: e.empA.ID, Kind: model.KindIndividual, Status: c.status,
				Issuer: "kcr-ca", NotBefore: end.AddDate(-1, 0, 0), NotAfter: end, DER: []byte{0x30, 0x00}, CreatedAt: now,
				PublicKeyHash: "expiry-" + c.serial}))
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"expires_within_days=30", []string{"e1"}},
			{"expires_within_days=365", []string{"e1", "e2"}},
			{"status=valid", []string{"e1", "e2"}},
			{"status=expired", []string{"e3"}},
			{"status=revoked", []string{"e4"}},
		} {
			r := e.do("manager", "GET", "/api/v1/certificates?"+tc.query, nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.query, r.status, r.body)
			}
			var pg struct {
				Items []model.Certificate `json:"items"`
			}
			r.json(t, &pg)
			var got []string
			for _, c := range pg.Items {
				got = append(got, c.Serial)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
		}
		for _, q := range []string{"expires_within_days=0", "expires_within_days=x", "expires_within_days=30&status=revoked"} {
			r := e.do("manager", "GET", "/api/v1/certificates?"+q, nil)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) == 0 {
				t.Errorf("%s: %d %s", q, r.status, r.body)
			}
		}

		r := e.do("org_admin", "POST", "/api/v1/renewal-waves", map[string]any{"serials": []string{"e1", "e3", "e4"}})
		if r.status != http.StatusOK {
			t.Fatalf("wave: %d %s", r.status, r.body)
		}
		var res struct {
			Created            int            `json:"created"`
			IdentifiedRemotely int            `json:"identified_remotely"`
			Skipped            map[string]int `json:"skipped"`
		}
		r.json(t, &res)
		if res.Created != 2 || res.IdentifiedRemotely != 1 || res.Skipped["reissue_of_revoked"] != 1 {
			t.Fatalf("wave by serial: %+v", res)
		}
	})
}
