package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// TestConcurrentRenewalWaves runs several renewal waves of one account at once: together they create exactly
// one reissue application per certificate (on PostgreSQL the waves of an account queue on a lock; SQLite's
// write transactions are serial).
func TestConcurrentRenewalWaves(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 30
		from := lrMSK(2026, time.January, 20, 12, 0)
		for i := range n {
			must(t, e.db.CreateCertificate(ctx, &model.Certificate{Serial: fmt.Sprintf("c0ffee%04d", i), AccountID: e.empA.AccountID,
				OrganizationID: e.empA.OrganizationID, EmployeeID: e.empA.ID, Kind: model.KindIndividual, Status: model.CertValid,
				Issuer: "kcr-ca", NotBefore: from, NotAfter: from.AddDate(0, 11, i%20), DER: []byte{0x30, 0x00}, CreatedAt: from,
				PublicKeyHash: fmt.Sprintf("wave-%d", i)}))
		}
		var wg sync.WaitGroup
		created := make([]int, 4)
		for w := range created {
			wg.Go(func() {
				r := e.do("key_account", "POST", "/api/v1/renewal-waves", map[string]any{"expires_before": "2027-06-01"})
				if r.status != 200 {
					t.Errorf("wave %d: %d %s", w, r.status, r.body)
					return
				}
				var res struct {
					Created int `json:"created"`
				}
				r.json(t, &res)
				created[w] = res.Created
			})
		}
		wg.Wait()
		total := 0
		for _, c := range created {
			total += c
		}
		reissues := map[string]int{}
		for _, a := range e.lrAllApps(t, "") {
			if a.ReissueOf != "" {
				reissues[a.ReissueOf]++
			}
		}
		for serial, k := range reissues {
			if k != 1 {
				t.Errorf("%s has %d reissue applications", serial, k)
			}
		}
		if total != n || len(reissues) != n {
			t.Errorf("waves created %d (%v) for %d certificates with reissues, want %d", total, created, len(reissues), n)
		}
	})
}
