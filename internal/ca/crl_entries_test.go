package ca_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// TestCRLKeptEntries checks the entries a CA keeps between CRL publications: each CRL lists exactly the
// revoked rows with their times and reasons when revocations arrive later, at the same time as the latest
// kept, or with an earlier time (a replica whose clock is behind), and a fresh instance lists the same.
func TestCRLKeptEntries(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			clk := clock.NewFake(now)
			b, err := ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), ca.InitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			issuing, _ := b.Certificate(ca.IssuingName)
			issuer, err := x509gost.ParseCertificate(issuing)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			add := func(t *testing.T, status model.CertStatus) string {
				t.Helper()
				n++
				serial := fmt.Sprintf("%x", 0x4000000000000000+n*7919)
				if err := db.CreateCertificate(ctx, &model.Certificate{Serial: serial, AccountID: f.AccountA, OrganizationID: f.HeadOrg,
					EmployeeID: f.HeadEmployee, Kind: model.KindLegalEntityEmployee, Status: status, Issuer: ca.IssuingName,
					NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 3, 0), DER: []byte{0x30, 0x00}, CreatedAt: now}); err != nil {
					t.Fatal(err)
				}
				return serial
			}
			revoke := func(t *testing.T, serial string, at time.Time, reason model.RevocationReason) {
				t.Helper()
				if ok, err := db.RevokeCertificate(ctx, serial, at.UnixMicro(), reason); err != nil || !ok {
					t.Fatalf("revoke %s: %v %v", serial, ok, err)
				}
			}
			// want is every revoked row as CRL entries, in serial order.
			want := func(t *testing.T) []string {
				t.Helper()
				rows, err := db.Revoked(ctx, ca.IssuingName)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range rows {
					code := ca.ReasonCodes[string(r.Reason)]
					if code == 0 {
						code = -1
					}
					out = append(out, fmt.Sprintf("%s %d %d", r.Serial, r.RevokedAt.Unix(), code))
				}
				return out
			}
			listed := func(t *testing.T, b *ca.Builtin) []string {
				t.Helper()
				clk.Add(2 * time.Hour) // a new publication whatever changed
				der, err := b.CRL(ctx, ca.IssuingName)
				if err != nil {
					t.Fatal(err)
				}
				crl := crlOK(t, der, issuer)
				var out []string
				for _, r := range crl.Revoked {
					out = append(out, fmt.Sprintf("%s %d %d", r.SerialNumber.Text(16), r.RevokedAt.Unix(), r.Reason))
				}
				return out
			}
			for range 5 {
				add(t, model.CertValid)
			}
			a, bb, c, d, e := add(t, model.CertValid), add(t, model.CertValid), add(t, model.CertValid), add(t, model.CertValid),
				add(t, model.CertValid)
			base := clk.Now().Truncate(time.Second)
			steps := []struct {
				name string
				run  func(t *testing.T)
			}{
				{"none revoked", func(t *testing.T) {}},
				{"a first revocation", func(t *testing.T) { revoke(t, a, base, "key_compromise") }},
				{"a later one", func(t *testing.T) { revoke(t, bb, base.Add(time.Hour), "unspecified") }},
				{"one at the latest time kept", func(t *testing.T) { revoke(t, c, base.Add(time.Hour), "superseded") }},
				{"one earlier than the latest kept", func(t *testing.T) { revoke(t, d, base.Add(-time.Hour), "affiliation_changed") }},
				{"two more, one of them earlier", func(t *testing.T) {
					revoke(t, e, base.Add(-2*time.Hour), "cessation_of_operation")
					revoke(t, add(t, model.CertValid), base.Add(3*time.Hour), "privilege_withdrawn")
				}},
			}
			for _, s := range steps {
				if !t.Run(s.name, func(t *testing.T) {
					s.run(t)
					w := want(t)
					if got := listed(t, b); !slices.Equal(got, w) {
						t.Fatalf("the CRL lists\n%v\nthe register has\n%v", got, w)
					}
				}) {
					return
				}
			}
			t.Run("a fresh instance lists the same", func(t *testing.T) {
				other, err := ca.Load(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase))
				if err != nil {
					t.Fatal(err)
				}
				if got, w := listed(t, other), want(t); !slices.Equal(got, w) || len(w) != 6 {
					t.Fatalf("the CRL lists\n%v\nthe register has\n%v", got, w)
				}
			})
		})
	}
}
