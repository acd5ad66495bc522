package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"os"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
)

// readPEM returns the DER of the single PEM block in a file under the project's testdata folder.
func readPEM(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/rfc9215/" + name)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: not a single PEM block", name)
	}
	return block.Bytes
}

var rfcExamples = []struct {
	name   string
	sigAlg encasn1.ObjectIdentifier
	keyAlg string // parameter set name in the gost package
	serial int64
}{
	{"ex1", gost.OIDSignature256, "test-256", 10},
	{"ex2", gost.OIDSignature256, "tc26-256-A", 10},
	{"ex3", gost.OIDSignature512, "tc26-512-test", 11},
}

// The RFC 9215 examples write signature AlgorithmIdentifiers with absent parameters, UTCTime for 2001
// and GeneralizedTime for 2050, and a critical basicConstraints cA=TRUE — exactly the choices
// TBSCertificate.Marshal makes — so the re-marshalled TBS must equal the original byte for byte.
func TestRFC9215Certificates(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			der := readPEM(t, ex.name+".crt.pem")
			c, err := ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != 3 || c.SerialNumber.Int64() != ex.serial || !c.SignatureAlgorithm.Equal(ex.sigAlg) {
				t.Fatalf("version %d serial %v alg %v", c.Version, c.SerialNumber, c.SignatureAlgorithm)
			}
			if got := c.Subject.String(); got != "CN=Example" || c.Issuer.String() != "CN=Example" {
				t.Fatalf("subject %q issuer %q", got, c.Issuer)
			}
			if c.Subject[0].Tag != encasn1.TagPrintableString {
				t.Fatalf("subject CN tag %d", c.Subject[0].Tag)
			}
			if c.NotBefore.Year() != 2001 || c.NotAfter.Year() != 2050 {
				t.Fatalf("validity %v – %v", c.NotBefore, c.NotAfter)
			}
			if ps, ok := gost.ParamSetByName(ex.keyAlg); !ok || !c.PublicKey.ParamSet().OID.Equal(ps.OID) {
				t.Fatalf("key parameter set %v, want %s", c.PublicKey.ParamSet(), ex.keyAlg)
			}
			if !c.BasicConstraintsValid || !c.IsCA || c.MaxPathLen != -1 {
				t.Fatalf("basic constraints %v %v %v", c.BasicConstraintsValid, c.IsCA, c.MaxPathLen)
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Fatalf("self-signature: %v", err)
			}
			tbs := TBSCertificate{
				SerialNumber: c.SerialNumber, SignatureAlgorithm: c.SignatureAlgorithm,
				Issuer: c.RawIssuer, Subject: c.RawSubject, NotBefore: c.NotBefore, NotAfter: c.NotAfter,
				SPKI: c.RawSPKI, Extensions: c.Extensions,
			}
			again, err := tbs.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, c.RawTBS) {
				t.Fatalf("re-marshalled TBS differs:\n got %x\nwant %x", again, c.RawTBS)
			}
			// The extension builder makes the same basicConstraints value.
			if e, _ := c.Extension(OIDExtBasicConstraints); !e.Critical || !bytes.Equal(e.Value, BasicConstraints(true, -1)) {
				t.Fatalf("basicConstraints %x", e.Value)
			}
			// Names re-marshal too.
			for _, raw := range [][]byte{c.RawIssuer, c.RawSubject} {
				n, err := ParseName(raw)
				if err != nil {
					t.Fatal(err)
				}
				if m, err := n.Marshal(); err != nil || !bytes.Equal(m, raw) {
					t.Fatalf("name re-marshal %x, %v", m, err)
				}
			}
			// A flipped signature bit fails.
			bad := *c
			bad.Signature = append([]byte{}, c.Signature...)
			bad.Signature[5] ^= 1
			if err := bad.CheckSignatureFrom(c); err == nil {
				t.Fatal("tampered signature verified")
			}
		})
	}
}

func TestRFC9215Requests(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			r, err := ParseCertificateRequest(readPEM(t, ex.name+".csr.pem"))
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject.String() != "CN=Example" || !r.SignatureAlgorithm.Equal(ex.sigAlg) || len(r.Extensions) != 0 {
				t.Fatalf("subject %q alg %v exts %v", r.Subject, r.SignatureAlgorithm, r.Extensions)
			}
			if err := r.CheckSignature(); err != nil {
				t.Fatal(err)
			}
			cert, err := ParseCertificate(readPEM(t, ex.name+".crt.pem"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.RawSPKI, cert.RawSPKI) || !r.PublicKey.Equal(cert.PublicKey) {
				t.Fatal("request key differs from the certificate's")
			}
		})
	}
}

// The example CRLs are v1 (no version, no extensions, no entries); CreateCRL writes v2 with
// extensions, so they are compared field by field instead of re-marshalled.
func TestRFC9215CRLs(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			crl, err := ParseCRL(readPEM(t, ex.name+".crl.pem"))
			if err != nil {
				t.Fatal(err)
			}
			cert, err := ParseCertificate(readPEM(t, ex.name+".crt.pem"))
			if err != nil {
				t.Fatal(err)
			}
			if crl.Issuer.String() != "CN=Example" || crl.Number != nil || crl.AuthorityKeyID != nil ||
				len(crl.Revoked) != 0 || len(crl.Extensions) != 0 || !crl.SignatureAlgorithm.Equal(ex.sigAlg) {
				t.Fatalf("unexpected CRL fields: %+v", crl)
			}
			if got := crl.ThisUpdate.Format("2006-01-02"); got != "2014-01-01" || crl.NextUpdate.Format("2006-01-02") != "2014-01-02" {
				t.Fatalf("thisUpdate %v nextUpdate %v", crl.ThisUpdate, crl.NextUpdate)
			}
			if err := crl.CheckSignatureFrom(cert); err != nil {
				t.Fatal(err)
			}
			crl.Signature[0] ^= 0x80
			if err := crl.CheckSignatureFrom(cert); err == nil {
				t.Fatal("tampered CRL verified")
			}
		})
	}
}
