package mchd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestLoadTrustRoots(t *testing.T) {
	t.Parallel()
	p := getSigPKI(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ECDSA CA"}, NotBefore: p.now,
		NotAfter: p.now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	ecDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ecKey.PublicKey, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := p.key256.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	root, sub := pemOf("CERTIFICATE", p.root.Raw), pemOf("CERTIFICATE", p.sub.Raw)
	for _, c := range []struct {
		name string
		in   []byte
		n    int
		want string // in the error
	}{
		{name: "one root", in: root, n: 1},
		{name: "a bundle with text between", in: append(append([]byte("subject=Тестовый УЦ\n"), root...), append([]byte("\n# next\n"), sub...)...), n: 2},
		{name: "empty", in: []byte(" \n"), want: "empty"},
		{name: "DER instead of PEM", in: p.root.Raw, want: "no PEM CERTIFICATE"},
		{name: "a private key", in: append(append([]byte(nil), root...), pemOf("PRIVATE KEY", k)...), want: "PEM block 2 is a PRIVATE KEY"},
		{name: "an end-entity certificate", in: pemOf("CERTIFICATE", p.head256.Raw), want: "not a CA certificate"},
		{name: "not GOST", in: pemOf("CERTIFICATE", ecDER), want: "not a GOST R 34.10-2012 certificate"},
		{name: "not a certificate", in: pemOf("CERTIFICATE", []byte{0x30, 0x03, 0x02, 0x01, 0x01}), want: "certificate 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			roots, err := LoadTrustRoots(c.in)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("LoadTrustRoots = %v, want an error with %q", err, c.want)
				}
				return
			}
			if err != nil || len(roots) != c.n {
				t.Fatalf("LoadTrustRoots = %d roots, %v; want %d", len(roots), err, c.n)
			}
		})
	}
}
