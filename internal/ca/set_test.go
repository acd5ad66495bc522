package ca_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
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
