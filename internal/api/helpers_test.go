package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"github.com/kcr-project/kcr/internal/ossltest"
	"os"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// testCSR returns a GOST R 34.10-2012 (tc26-256-A) PKCS#10 request in PEM, as an employee's crypto tool makes it.
func testCSR(t testing.TB) string {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	must(t, err)
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "test", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func openSQLite(t *testing.T) *storage.DB {
	return testdb.Engines(t)[0].Open(t)
}

// ecdsaCSR is a well-formed request with a key kcr cannot certify.
func ecdsaCSR(t testing.TB) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, key)
	must(t, err)
	return der
}

// tamperedCSR is a GOST request whose signature no longer matches its content.
func tamperedCSR(t testing.TB) []byte {
	block, _ := pem.Decode([]byte(testCSR(t)))
	der := block.Bytes
	der[len(der)-10] ^= 0x40
	return der
}

func readTestdata(t testing.TB, parts ...string) []byte {
	b, err := os.ReadFile(ossltest.Testdata(parts...))
	must(t, err)
	return b
}
