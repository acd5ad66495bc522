package x509gost

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// parsers maps every parser to a function returning only its error.
var parsers = map[string]func([]byte) error{
	"certificate": func(b []byte) error { _, err := ParseCertificate(b); return err },
	"crl":         func(b []byte) error { _, err := ParseCRL(b); return err },
	"csr":         func(b []byte) error { _, err := ParseCertificateRequest(b); return err },
	"ocsp request": func(b []byte) error {
		_, err := ParseOCSPRequest(b)
		return err
	},
	"ocsp response": func(b []byte) error { _, err := ParseOCSPResponse(b); return err },
	"name":          func(b []byte) error { _, err := ParseName(b); return err },
}

// validSamples returns well-formed inputs for each parser.
func validSamples(t testing.TB) map[string][][]byte {
	p := getPKI(t)
	return map[string][][]byte{
		"certificate":   {readPEM(t, "ex1.crt.pem"), readPEM(t, "ex3.crt.pem"), p.root.Raw, p.ee.Raw},
		"crl":           {readPEM(t, "ex2.crl.pem"), p.crl},
		"csr":           {readPEM(t, "ex1.csr.pem"), readPEM(t, "ex3.csr.pem")},
		"ocsp request":  {p.ocspReq},
		"ocsp response": {p.ocspResp, p.ocspRespNoCert},
		"name":          {p.ee.RawSubject, p.root.RawSubject},
	}
}

func TestBadInput(t *testing.T) {
	samples := validSamples(t)
	garbage := [][]byte{nil, {}, {0}, {0x30}, {0x30, 0x00}, {0x30, 0x80, 0x00, 0x00}, []byte("-----BEGIN CERTIFICATE-----"),
		bytes.Repeat([]byte{0xff}, 64), {0x30, 0x03, 0x02, 0x01, 0x01}, {0x1f, 0x81, 0x00}}
	for name, parse := range parsers {
		t.Run(name, func(t *testing.T) {
			for _, g := range garbage {
				if name == "name" && bytes.Equal(g, []byte{0x30, 0x00}) {
					continue // the empty Name is valid
				}
				if err := parse(g); err == nil {
					t.Errorf("garbage %x accepted", g)
				}
			}
			for _, valid := range samples[name] {
				if err := parse(valid); err != nil {
					t.Fatalf("valid sample refused: %v", err)
				}
				// Every proper prefix fails.
				for i := range valid {
					if err := parse(valid[:i]); err == nil {
						t.Fatalf("prefix of %d/%d bytes accepted", i, len(valid))
					}
				}
				// Trailing bytes fail.
				for _, tail := range [][]byte{{0}, {0x30, 0x00}, valid} {
					if err := parse(append(append([]byte{}, valid...), tail...)); err == nil || !strings.Contains(err.Error(), "trailing") && name != "name" {
						t.Fatalf("trailing %x: %v", tail[:1], err)
					}
				}
				// Oversized and non-minimal lengths fail.
				body := valid[2:]
				if valid[1]&0x80 != 0 {
					body = valid[2+int(valid[1]&0x7f):]
				}
				for _, hdr := range [][]byte{{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, {0x30, 0x85, 0, 0, 0, 0x01, 0x00}, {0x30, 0x80},
					{0x30, 0x83, 0x00, byte(len(body) >> 8), byte(len(body))}, {0x30, 0x82, byte((len(body) + 1) >> 8), byte(len(body) + 1)}} {
					if err := parse(append(hdr, body...)); err == nil {
						t.Fatalf("header %x accepted", hdr)
					}
				}
				// Flipping any single byte never panics (and usually fails).
				for i := range valid {
					b := append([]byte{}, valid...)
					b[i] ^= 0xff
					_ = parse(b)
				}
			}
		})
	}
}

// Objects made by crypto/x509 with RSA and ECDSA keys are refused with ErrNotGOST naming the OID.
func TestNonGOSTObjects(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	keys := []struct {
		name string
		key  crypto.Signer
		oid  string // what the error must name
	}{
		{"RSA", rsaKey, "1.2.840.113549.1.1"},
		{"ECDSA", ecKey, "1.2.840.10045"},
	}
	for _, k := range keys {
		certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.key.Public(), k.key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(certDER)
		csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, k.key)
		if err != nil {
			t.Fatal(err)
		}
		crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, cert, k.key)
		if err != nil {
			t.Fatal(err)
		}
		respDER, err := ocsp.CreateResponse(cert, cert, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(5), ThisUpdate: time.Now()}, k.key)
		if err != nil {
			t.Fatal(err)
		}
		objects := []struct {
			name  string
			parse func([]byte) error
			der   []byte
		}{
			{"certificate", parsers["certificate"], certDER},
			{"csr", parsers["csr"], csrDER},
			{"crl", parsers["crl"], crlDER},
			{"ocsp response", parsers["ocsp response"], respDER},
		}
		for _, obj := range objects {
			t.Run(k.name+" "+obj.name, func(t *testing.T) {
				err := obj.parse(obj.der)
				if !errors.Is(err, ErrNotGOST) || !strings.Contains(err.Error(), k.oid) || !strings.Contains(err.Error(), k.name) {
					t.Fatalf("error %v: want ErrNotGOST naming %s (%s)", err, k.oid, k.name)
				}
			})
		}
		// An x/crypto/ocsp request is algorithm-neutral (SHA-1 CertID) and parses.
		reqDER, err := ocsp.CreateRequest(cert, cert, nil)
		if err != nil {
			t.Fatal(err)
		}
		req, err := ParseOCSPRequest(reqDER)
		if err != nil || len(req.RequestList) != 1 || !req.RequestList[0].HashAlgorithm.Equal(OIDSHA1) || req.RequestList[0].SerialNumber.Int64() != 1 {
			t.Fatalf("x/crypto/ocsp request: %+v, %v", req, err)
		}
	}
}

// Inconsistent algorithms inside otherwise well-formed GOST objects.
func TestAlgorithmMismatch(t *testing.T) {
	sig256 := []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x03, 0x02}
	// replaceLast swaps the last occurrence of the 256-bit signature OID (the outer one) for 512.
	replaceLast := func(der []byte) []byte {
		i := bytes.LastIndex(der, sig256)
		out := append([]byte{}, der...)
		out[i+len(sig256)-1] = 0x03
		return out
	}
	t.Run("certificate outer vs inner", func(t *testing.T) {
		_, err := ParseCertificate(replaceLast(readPEM(t, "ex2.crt.pem")))
		if err == nil || !strings.Contains(err.Error(), "differs") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("crl outer vs inner", func(t *testing.T) {
		_, err := ParseCRL(replaceLast(readPEM(t, "ex2.crl.pem")))
		if err == nil || !strings.Contains(err.Error(), "differs") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("csr key vs signature size", func(t *testing.T) {
		_, err := ParseCertificateRequest(replaceLast(readPEM(t, "ex2.csr.pem")))
		if err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Fatalf("got %v", err)
		}
	})
	// The outer AlgorithmIdentifier 30 0a <oid> gets parameters and the outer SEQUENCE (30 81 ca)
	// grows accordingly: NULL (what OpenSSL writes) is accepted, anything else refused.
	withParams := func(der, params []byte) []byte {
		i := bytes.LastIndex(der, sig256)
		out := append([]byte{}, der[:i-2]...)
		out = append(out, 0x30, byte(len(sig256)+len(params)))
		out = append(out, sig256...)
		out = append(out, params...)
		out = append(out, der[i+len(sig256):]...)
		out[2] += byte(len(params))
		return out
	}
	t.Run("NULL signature parameters", func(t *testing.T) {
		r, err := ParseCertificateRequest(withParams(readPEM(t, "ex2.csr.pem"), []byte{0x05, 0x00}))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CheckSignature(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("other signature parameters", func(t *testing.T) {
		_, err := ParseCertificateRequest(withParams(readPEM(t, "ex2.csr.pem"), []byte{0x02, 0x01, 0x00}))
		if err == nil || !strings.Contains(err.Error(), "unexpected parameters") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("CRL issuer mismatch", func(t *testing.T) {
		p := getPKI(t)
		crl, _ := ParseCRL(readPEM(t, "ex2.crl.pem"))
		if err := crl.CheckSignatureFrom(p.root); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("signed with wrong size key", func(t *testing.T) {
		p := getPKI(t)
		ex, _ := ParseCertificate(readPEM(t, "ex2.crt.pem")) // 256-bit signature
		if err := ex.CheckSignatureFrom(p.root); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("got %v", err)
		}
	})
}
