package ca_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// kcr's CA and a state-CA stand-in live in one database under their own names and keys; a Set serves
// both and hands each OCSP request to the instance that issued the certificate.
func TestSet(t *testing.T) {
	ctx := context.Background()
	db := testdb.Engines(t)[0].Open(t)
	kcr := newCA(t, db)
	fns, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase),
		ca.InitOptions{Prefix: "fns", CommonName: "УЦ ФНС России (демонстрационный)", Organization: "ФНС России"})
	if err != nil {
		t.Fatal(err)
	}
	if fns.IssuingName() != "fns-ca" || fns.RootName() != "fns-root" {
		t.Fatalf("names %s %s", fns.RootName(), fns.IssuingName())
	}
	if _, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase), ca.InitOptions{Prefix: "fns"}); err == nil {
		t.Fatal("a second fns instance was created")
	}
	again, err := ca.LoadPrefix(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase), "fns")
	if err != nil || again.IssuingName() != "fns-ca" {
		t.Fatalf("load fns: %v", err)
	}
	set := ca.Set{kcr, fns}
	for _, name := range []string{"kcr-root", "kcr-ca", "fns-root", "fns-ca"} {
		if _, ok := set.Certificate(name); !ok {
			t.Errorf("no certificate %s", name)
		}
		if _, err := set.CRL(ctx, name); err != nil {
			t.Errorf("CRL %s: %v", name, err)
		}
	}
	if _, err := set.CRL(ctx, "other-ca"); !storage.IsNoRows(err) {
		t.Errorf("unknown CRL: %v", err)
	}
	if len(set.Chain("fns-ca")) != 2 || set.Chain("other-ca") != nil {
		t.Error("chains")
	}
	for _, tc := range []struct {
		issuer string
		status int
	}{{"kcr-ca", 0}, {"fns-ca", 0}} {
		der, _ := set.Certificate(tc.issuer)
		issuer, _ := x509gost.ParseCertificate(der)
		id, _ := x509gost.NewCertID(x509gost.OIDSHA1, issuer, big.NewInt(42))
		req, _ := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, []byte("nonce"))
		resp, err := x509gost.ParseOCSPResponse(set.OCSP(ctx, req))
		if err != nil || resp.Status != tc.status {
			t.Fatalf("%s: %v %v", tc.issuer, resp, err)
		}
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			t.Fatalf("%s: answered by the wrong instance: %v", tc.issuer, err)
		}
	}
	if resp, _ := x509gost.ParseOCSPResponse(set.OCSP(ctx, []byte("junk"))); resp == nil || resp.Status != 1 {
		t.Fatalf("junk: %v", resp)
	}
}

// IsRevoked answers from the register for certificates a stand-in issued: not revoked, revoked before or
// after the asked time, and unknown (an error) for a certificate nobody here issued or one not stored.
func TestSetIsRevoked(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := eng.Open(t)
			kcr := newCA(t, db)
			fns, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase),
				ca.InitOptions{Prefix: "fns", CommonName: "УЦ ФНС России (демонстрационный)", Organization: "ФНС России"})
			if err != nil {
				t.Fatal(err)
			}
			set := ca.Set{kcr, fns}
			n := 0
			issue := func(b *ca.Builtin, store bool) *x509gost.Certificate {
				n++
				req := request(model.KindHead, goCSR(t))
				req.Application.ID, req.Employee.ID = fmt.Sprintf("app-revoked-%d", n), fmt.Sprintf("emp-revoked-%d", n)
				iss, err := b.Issue(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if store {
					if err := storeCert(ctx, db, req, iss); err != nil {
						t.Fatal(err)
					}
				}
				c, err := x509gost.ParseCertificate(iss.DER)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			good, revoked, unstored := issue(fns, true), issue(fns, true), issue(fns, false)
			revokedAt := now.Add(time.Hour)
			if ok, err := db.RevokeCertificate(ctx, revoked.SerialNumber.Text(16), revokedAt.UnixMicro(), "keyCompromise"); err != nil || !ok {
				t.Fatalf("revoke: %v %v", ok, err)
			}
			foreign := *good
			foreign.RawIssuer = []byte{0x30, 0}
			for _, c := range []struct {
				name    string
				cert    *x509gost.Certificate
				at      time.Time
				revoked bool
				err     bool
			}{
				{"valid", good, revokedAt.Add(time.Hour), false, false},
				{"revoked by then", revoked, revokedAt, true, false},
				{"revoked later", revoked, revokedAt.Add(-time.Second), false, false},
				{"not in the register", unstored, now, false, true},
				{"issued elsewhere", &foreign, now, false, true},
			} {
				got, err := set.IsRevoked(ctx, c.cert, c.at)
				if got != c.revoked || (err != nil) != c.err {
					t.Errorf("%s: IsRevoked = %v, %v; want %v, error %v", c.name, got, err, c.revoked, c.err)
				}
			}
		})
	}
}
