package x509gost

import (
	"bytes"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/ossltest"
)

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("openssl output lacks %q:\n%s", w, out)
		}
	}
}

// OpenSSL with the GOST engine, an implementation nobody here wrote, accepts what this package makes.
func TestOpenSSLAcceptsOurPKI(t *testing.T) {
	o := ossltest.New(t)
	p := getPKI(t)
	dir := t.TempDir()
	rootPEM := writeFile(t, dir, "root.pem", pemOf("CERTIFICATE", p.root.Raw))
	eeDER := writeFile(t, dir, "ee.der", p.ee.Raw)
	eePEM := writeFile(t, dir, "ee.pem", pemOf("CERTIFICATE", p.ee.Raw))
	crlDER := writeFile(t, dir, "crl.der", p.crl)
	crlPEM := writeFile(t, dir, "crl.pem", pemOf("X509 CRL", p.crl))
	respDER := writeFile(t, dir, "resp.der", p.ocspResp)
	resp2DER := writeFile(t, dir, "resp2.der", p.ocspRespNoCert)
	serialHex := strings.ToUpper(p.ee.SerialNumber.Text(16))

	t.Run("x509 text", func(t *testing.T) {
		out := o.Run(t, "x509", "-inform", "DER", "-in", eeDER, "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space")
		// OpenSSL 3.0 names SNILS, INN, OGRN and OGRNIP but prints INNLE (1.2.643.100.4) and
		// identificationKind (1.2.643.100.114) by OID.
		mustContain(t, out,
			"Subject: SN=Иванов, GN=Иван Иванович, CN=Иванов Иван Иванович, C=RU",
			"emailAddress=ivanov@example.ru, SNILS=12345678901, INN=500100732259",
			"Issuer: CN=Тестовый УЦ kcr, O=ООО «Тест», C=RU, 1.2.643.100.4=7700000000, OGRN=1027700000000",
			"Version: 3 (0x2)",
			"Signature Algorithm: GOST R 34.10-2012 with GOST R 34.11-2012 (512 bit)",
			"Public Key Algorithm: GOST R 34.10-2012 with 256 bit modulus",
			"X509v3 Key Usage: critical",
			"Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment",
			"TLS Web Client Authentication, E-mail Protection",
			"X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
			"URI:http://ca.example.ru/root.crl", "URI:http://ca2.example.ru/root.crl",
			"OCSP - URI:http://ca.example.ru/ocsp", "CA Issuers - URI:http://ca.example.ru/root.crt",
			"Policy: Class of Signing Tool KC1", "Policy: Class of Signing Tool KC2",
			"X509v3 Private Key Usage Period",
			"Signing Tool of Subject", "СКЗИ «КриптоТест» версия 1.0",
			"Signing Tool of Issuer", "cAToolCert  : Сертификат соответствия № СФ/128-0000",
			"1.2.643.100.114:",
		)
		out = o.Run(t, "x509", "-in", rootPEM, "-noout", "-text")
		mustContain(t, out, "X509v3 Basic Constraints: critical", "CA:TRUE", "X509v3 Key Usage: critical", "Certificate Sign, CRL Sign")
	})

	t.Run("verify", func(t *testing.T) {
		mustContain(t, o.Run(t, "verify", "-CAfile", rootPEM, rootPEM), "root.pem: OK")
		mustContain(t, o.Run(t, "verify", "-CAfile", rootPEM, eePEM), "ee.pem: OK")
	})

	t.Run("verify with CRL", func(t *testing.T) {
		out, err := o.Try(nil, "verify", "-crl_check", "-CAfile", rootPEM, "-CRLfile", crlPEM, eePEM)
		if err == nil {
			t.Fatalf("openssl verified a revoked certificate:\n%s", out)
		}
		mustContain(t, out, "certificate revoked")
		// The root itself is not on the CRL.
		mustContain(t, o.Run(t, "verify", "-crl_check", "-CAfile", rootPEM, "-CRLfile", crlPEM, rootPEM), "root.pem: OK")
	})

	t.Run("crl text", func(t *testing.T) {
		out := o.Run(t, "crl", "-inform", "DER", "-in", crlDER, "-noout", "-text")
		mustContain(t, out, "Version 2 (0x1)", "X509v3 CRL Number", "42", "X509v3 Authority Key Identifier",
			"Serial Number: "+serialHex, "Key Compromise", "Serial Number: 1234", "Serial Number: 5678")
		if n := strings.Count(out, "CRL Reason Code"); n != 1 {
			t.Errorf("%d reason codes, want 1 (unspecified and none are left out)", n)
		}
		mustContain(t, o.Run(t, "crl", "-in", crlPEM, "-CAfile", rootPEM, "-noout"), "verify OK")
	})

	t.Run("ocsp response", func(t *testing.T) {
		out := o.Run(t, "ocsp", "-respin", respDER, "-resp_text", "-CAfile", rootPEM, "-issuer", rootPEM, "-no_nonce")
		mustContain(t, out, "Response verify OK", "Cert Status: revoked", "Revocation Reason: keyCompromise (0x1)",
			"Hash Algorithm: sha1", "Hash Algorithm: GOST R 34.11-2012 with 256 bit hash", "Serial Number: "+serialHex)
		// Without the embedded certificate, trusting the root as responder.
		out = o.Run(t, "ocsp", "-respin", resp2DER, "-CAfile", rootPEM, "-VAfile", rootPEM, "-issuer", rootPEM, "-cert", eePEM, "-no_nonce")
		mustContain(t, out, "Response verify OK", "ee.pem: revoked", "Reason: keyCompromise")
		// A tampered response fails.
		bad := append([]byte{}, p.ocspRespNoCert...)
		bad[len(bad)-3] ^= 1
		badPath := writeFile(t, dir, "bad.der", bad)
		if out, err := o.Try(nil, "ocsp", "-respin", badPath, "-CAfile", rootPEM, "-VAfile", rootPEM, "-no_nonce"); err == nil || strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl accepted a tampered response:\n%s", out)
		}
	})

	t.Run("ocsp request", func(t *testing.T) {
		reqDER := writeFile(t, dir, "ourreq.der", p.ocspReq)
		out := o.Run(t, "ocsp", "-reqin", reqDER, "-req_text")
		mustContain(t, out, "Hash Algorithm: sha1", "Serial Number: "+serialHex, "OCSP Nonce")
	})

	// OpenSSL's requests parse, their CertIDs are NewCertID's, and a response echoing the nonce passes
	// OpenSSL's nonce check.
	sha1ID, _ := NewCertID(OIDSHA1, p.root, p.ee.SerialNumber)
	gostID, _ := NewCertID(gost.OIDDigest256, p.root, p.ee.SerialNumber)
	reqs := []struct {
		name  string
		args  []string
		id    CertID
		nonce bool
	}{
		{"default digest with nonce", nil, sha1ID, true},
		{"sha1 no nonce", []string{"-sha1", "-no_nonce"}, sha1ID, false},
		{"streebog with nonce", []string{"-md_gost12_256"}, gostID, true},
		{"streebog no nonce", []string{"-md_gost12_256", "-no_nonce"}, gostID, false},
	}
	for i, rq := range reqs {
		t.Run("openssl request/"+rq.name, func(t *testing.T) {
			path := filepath.Join(dir, "oreq"+string(rune('0'+i))+".der")
			// The digest option must come before -cert.
			args := append(append([]string{"ocsp", "-issuer", rootPEM}, rq.args...), "-cert", eePEM, "-reqout", path)
			o.Run(t, args...)
			der, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			req, err := ParseOCSPRequest(der)
			if err != nil {
				t.Fatal(err)
			}
			if len(req.RequestList) != 1 || !req.RequestList[0].Equal(rq.id) {
				t.Fatalf("CertID %+v, want %+v", req.RequestList, rq.id)
			}
			if (req.Nonce != nil) != rq.nonce {
				t.Fatalf("nonce %x, want present=%v", req.Nonce, rq.nonce)
			}
			if !bytes.Equal(req.Raw, der) {
				t.Fatal("Raw is not the request")
			}
			now := time.Now()
			rkh, _ := KeyHash(p.root)
			resp, err := CreateOCSPResponse(&OCSPResponseTemplate{
				ResponderKeyHash: rkh, ProducedAt: now, Nonce: req.Nonce,
				Responses: []SingleResponse{{ID: req.RequestList[0], Status: OCSPRevoked, RevokedAt: p.revokedAt, Reason: ReasonKeyCompromise, ThisUpdate: now}},
			}, p.rootKey, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			respPath := writeFile(t, dir, "oresp"+string(rune('0'+i))+".der", resp)
			out := o.Run(t, "ocsp", "-reqin", path, "-respin", respPath, "-CAfile", rootPEM, "-VAfile", rootPEM, "-resp_text")
			mustContain(t, out, "Response verify OK", "Cert Status: revoked")
			if strings.Contains(out, "Nonce") && strings.Contains(out, "WARNING") {
				t.Fatalf("nonce not accepted:\n%s", out)
			}
			if rq.nonce {
				// A response with a different nonce is refused: the check above is real.
				other, err := CreateOCSPResponse(&OCSPResponseTemplate{
					ResponderKeyHash: rkh, ProducedAt: now, Nonce: []byte("another nonce"),
					Responses: []SingleResponse{{ID: req.RequestList[0], Status: OCSPGood, Reason: -1, ThisUpdate: now}},
				}, p.rootKey, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				otherPath := writeFile(t, dir, "other"+string(rune('0'+i))+".der", other)
				if out, err := o.Try(nil, "ocsp", "-reqin", path, "-respin", otherPath, "-CAfile", rootPEM, "-VAfile", rootPEM); err == nil && !strings.Contains(out, "Nonce Verify error") {
					t.Fatalf("openssl accepted a wrong nonce:\n%s", out)
				}
			}
		})
	}

	// Requests and a self-signed certificate made by OpenSSL with its own GOST keys (paramset A is
	// CryptoPro-A for 256-bit keys); OpenSSL writes NULL signature parameters, which we accept.
	keys := []struct {
		name, alg string
		sig       encasn1.ObjectIdentifier
	}{
		{"256", "gost2012_256", gost.OIDSignature256},
		{"512", "gost2012_512", gost.OIDSignature512},
	}
	for _, k := range keys {
		t.Run("openssl key "+k.name, func(t *testing.T) {
			keyPath := filepath.Join(dir, "key"+k.name+".pem")
			o.Run(t, "genpkey", "-algorithm", k.alg, "-pkeyopt", "paramset:A", "-out", keyPath)
			reqPath := filepath.Join(dir, "req"+k.name+".der")
			o.Run(t, "req", "-new", "-key", keyPath, "-subj", "/CN=x/SNILS=12345678901", "-outform", "DER", "-out", reqPath)
			der, _ := os.ReadFile(reqPath)
			r, err := ParseCertificateRequest(der)
			if err != nil {
				t.Fatal(err)
			}
			if !r.SignatureAlgorithm.Equal(k.sig) || r.Subject.String() != "CN=x, SNILS=12345678901" {
				t.Fatalf("alg %v subject %q", r.SignatureAlgorithm, r.Subject)
			}
			if err := r.CheckSignature(); err != nil {
				t.Fatalf("proof of possession: %v", err)
			}
			// A flipped signature byte fails, in our parser and in OpenSSL.
			bad := append([]byte{}, der...)
			bad[len(bad)-10] ^= 0x01
			rb, err := ParseCertificateRequest(bad)
			if err != nil {
				t.Fatal(err)
			}
			if err := rb.CheckSignature(); err == nil {
				t.Fatal("tampered request verified")
			}
			badPath := writeFile(t, dir, "badreq"+k.name+".der", bad)
			if out, err := o.Try(nil, "req", "-inform", "DER", "-in", badPath, "-verify", "-noout"); err == nil && !strings.Contains(out, "verify failure") {
				t.Fatalf("openssl accepted the tampered request:\n%s", out)
			}

			// An OpenSSL self-signed (v1) certificate parses and verifies.
			crtPath := filepath.Join(dir, "crt"+k.name+".der")
			o.Run(t, "req", "-x509", "-new", "-key", keyPath, "-subj", "/CN=x", "-days", "2", "-outform", "DER", "-out", crtPath)
			cder, _ := os.ReadFile(crtPath)
			c, err := ParseCertificate(cder)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Fatal(err)
			}
			if !c.PublicKey.Equal(r.PublicKey) {
				t.Fatal("certificate and request keys differ")
			}

			// Issue for the OpenSSL key and have OpenSSL check the chain.
			now := time.Now()
			subj, _ := Name{{OIDCommonName, "x", encasn1.TagUTF8String}}.Marshal()
			tbs := &TBSCertificate{SerialNumber: big.NewInt(7), SignatureAlgorithm: gost.OIDSignature512,
				Issuer: p.root.RawSubject, Subject: subj, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), SPKI: r.RawSPKI,
				Extensions: []Extension{{OID: OIDExtKeyUsage, Critical: true, Value: KeyUsage(KeyUsageDigitalSignature)}}}
			cert, err := issue(tbs, p.rootKey)
			if err != nil {
				t.Fatal(err)
			}
			certPath := writeFile(t, dir, "issued"+k.name+".pem", pemOf("CERTIFICATE", cert.Raw))
			mustContain(t, o.Run(t, "verify", "-CAfile", rootPEM, certPath), "OK")
		})
	}
}
