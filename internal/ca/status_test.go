package ca_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// statusEnv is a CA on a fake clock with its authorities' certificates parsed, for CRL and OCSP tests.
type statusEnv struct {
	ctx              context.Context
	db               *storage.DB
	clk              *clock.Fake
	b                *ca.Builtin
	root, issuing    *x509gost.Certificate
	rootPEM, issPEM  string // files holding each authority's certificate
	chainPEM         string // root and issuing certificates
	o                *ossltest.Tool
	employeesCreated int
}

func newStatusEnv(t *testing.T) *statusEnv {
	t.Helper()
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	clk := clock.NewFake(now)
	ctx := context.Background()
	b, err := ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := &statusEnv{ctx: ctx, db: db, clk: clk, b: b, o: o}
	rootDER, ok := b.Certificate(ca.RootName)
	if !ok {
		t.Fatal("no root certificate")
	}
	issDER, ok := b.Certificate(ca.IssuingName)
	if !ok {
		t.Fatal("no issuing certificate")
	}
	if e.root, err = x509gost.ParseCertificate(rootDER); err != nil {
		t.Fatal(err)
	}
	if e.issuing, err = x509gost.ParseCertificate(issDER); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e.rootPEM, e.issPEM, e.chainPEM = filepath.Join(dir, "root.pem"), filepath.Join(dir, "issuing.pem"), filepath.Join(dir, "chain.pem")
	writePEM(t, e.rootPEM, rootDER)
	writePEM(t, e.issPEM, issDER)
	writePEM(t, e.chainPEM, rootDER, issDER)
	return e
}

// issue has the CA issue a legal_entity_employee certificate for a fresh OpenSSL key and stores it as
// registration would, so that CRL and OCSP see it.
func (e *statusEnv) issue(t *testing.T) *ca.Issued {
	t.Helper()
	e.employeesCreated++
	req := request(model.KindLegalEntityEmployee, opensslCSR(t, e.o, "gost2012_256", "A"))
	req.Employee.ID = fmt.Sprintf("emp-status-%d", e.employeesCreated)
	iss, err := e.b.Issue(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := storeCert(e.ctx, e.db, req, iss); err != nil {
		t.Fatal(err)
	}
	if err := e.b.Stored(e.ctx, iss.Serial); err != nil {
		t.Fatal(err)
	}
	return iss
}

func (e *statusEnv) revoke(t *testing.T, serial string, at time.Time, reason model.RevocationReason) {
	t.Helper()
	if _, err := e.db.RevokeCertificate(e.ctx, serial, at.UnixMicro(), reason); err != nil {
		t.Fatal(err)
	}
}

func hexSerial(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("serial %q is not hexadecimal", s)
	}
	return n
}

func certID(t *testing.T, alg asn1.ObjectIdentifier, issuer *x509gost.Certificate, serial *big.Int) x509gost.CertID {
	t.Helper()
	id, err := x509gost.NewCertID(alg, issuer, serial)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ocspRequest(t *testing.T, nonce []byte, ids ...x509gost.CertID) []byte {
	t.Helper()
	der, err := x509gost.CreateOCSPRequest(ids, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ocspOK parses a response that must be successful, signed by signer and identifying it by key hash.
func ocspOK(t *testing.T, der []byte, signer *x509gost.Certificate) *x509gost.OCSPResponse {
	t.Helper()
	r, err := x509gost.ParseOCSPResponse(der)
	if err != nil {
		t.Fatalf("the OCSP response does not parse: %v", err)
	}
	if r.Status != x509gost.OCSPSuccessful {
		t.Fatalf("OCSP response status %d, want successful", r.Status)
	}
	if err := r.CheckSignatureFrom(signer); err != nil {
		t.Fatalf("the OCSP response does not verify against %s: %v", signer.Subject, err)
	}
	kh, err := x509gost.KeyHash(signer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.ResponderKeyHash, kh) {
		t.Fatalf("responder key hash %x, want %x (the signer's)", r.ResponderKeyHash, kh)
	}
	return r
}

func ocspErrorStatus(t *testing.T, der []byte) int {
	t.Helper()
	r, err := x509gost.ParseOCSPResponse(der)
	if err != nil {
		t.Fatalf("the OCSP error response does not parse: %v (% x)", err, der)
	}
	if len(r.Responses) != 0 || r.RawTBS != nil {
		t.Fatalf("an unsuccessful response carries a body")
	}
	return r.Status
}

var hashAlgs = []struct {
	name string
	oid  asn1.ObjectIdentifier
}{{"sha1", x509gost.OIDSHA1}, {"streebog256", gost.OIDDigest256}}

func TestOCSPStatus(t *testing.T) {
	env := newStatusEnv(t)
	good, keyCompromise, unspecified := env.issue(t), env.issue(t), env.issue(t)
	env.clk.Add(2 * time.Minute)
	revokedAt := env.clk.Now().Add(-30 * time.Second) // whole seconds: OCSP times carry no fraction
	env.revoke(t, keyCompromise.Serial, revokedAt, "key_compromise")
	env.revoke(t, unspecified.Serial, revokedAt.Add(10*time.Second), "unspecified")
	never := new(big.Int).Lsh(big.NewInt(0x5a5a5a5a), 90) // a serial this CA never issued

	type want struct {
		status    int
		reason    int // -1: no reason
		revokedAt time.Time
	}
	for _, alg := range hashAlgs {
		for _, tc := range []struct {
			name   string
			issuer *x509gost.Certificate
			serial *big.Int
			want   want
		}{
			{"good", env.issuing, hexSerial(t, good.Serial), want{x509gost.OCSPGood, -1, time.Time{}}},
			{"revoked key_compromise", env.issuing, hexSerial(t, keyCompromise.Serial), want{x509gost.OCSPRevoked, x509gost.ReasonKeyCompromise, revokedAt}},
			{"revoked unspecified has no reason", env.issuing, hexSerial(t, unspecified.Serial), want{x509gost.OCSPRevoked, -1, revokedAt.Add(10 * time.Second)}},
			{"never issued", env.issuing, never, want{x509gost.OCSPUnknown, -1, time.Time{}}},
			{"root answers for the issuing CA", env.root, env.issuing.SerialNumber, want{x509gost.OCSPGood, -1, time.Time{}}},
			{"root never issued an end-entity serial", env.root, hexSerial(t, good.Serial), want{x509gost.OCSPUnknown, -1, time.Time{}}},
		} {
			t.Run(alg.name+"/"+tc.name, func(t *testing.T) {
				id := certID(t, alg.oid, tc.issuer, tc.serial)
				r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, nil, id)), tc.issuer)
				if len(r.Responses) != 1 {
					t.Fatalf("%d single responses, want 1", len(r.Responses))
				}
				s := r.Responses[0]
				if !s.ID.Equal(id) {
					t.Errorf("the response names %+v, the request asked for %+v", s.ID, id)
				}
				if s.Status != tc.want.status {
					t.Errorf("status %d, want %d", s.Status, tc.want.status)
				}
				if s.Reason != tc.want.reason {
					t.Errorf("reason %d, want %d", s.Reason, tc.want.reason)
				}
				if !s.RevokedAt.Equal(tc.want.revokedAt) {
					t.Errorf("revocation time %v, want %v", s.RevokedAt, tc.want.revokedAt)
				}
				wantNow := env.clk.Now().Truncate(time.Second)
				if !s.ThisUpdate.Equal(wantNow) || !r.ProducedAt.Equal(wantNow) {
					t.Errorf("thisUpdate %v, producedAt %v, want both %v", s.ThisUpdate, r.ProducedAt, wantNow)
				}
				if !s.NextUpdate.After(s.ThisUpdate) {
					t.Errorf("nextUpdate %v is not after thisUpdate %v", s.NextUpdate, s.ThisUpdate)
				}
				if r.Nonce != nil {
					t.Errorf("a request without a nonce got nonce %x", r.Nonce)
				}
				other := env.root
				if tc.issuer == env.root {
					other = env.issuing
				}
				if err := r.CheckSignatureFrom(other); err == nil {
					t.Errorf("the response also verifies against %s", other.Subject)
				}
			})
		}
	}

	t.Run("several certificates in one request", func(t *testing.T) {
		ids := []x509gost.CertID{
			certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, good.Serial)),
			certID(t, gost.OIDDigest256, env.issuing, hexSerial(t, keyCompromise.Serial)),
			certID(t, x509gost.OIDSHA1, env.issuing, never),
		}
		r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, []byte("several"), ids...)), env.issuing)
		if len(r.Responses) != len(ids) {
			t.Fatalf("%d single responses, want %d", len(r.Responses), len(ids))
		}
		for i, want := range []int{x509gost.OCSPGood, x509gost.OCSPRevoked, x509gost.OCSPUnknown} {
			if !r.Responses[i].ID.Equal(ids[i]) || r.Responses[i].Status != want {
				t.Errorf("response %d: %+v status %d, want %+v status %d", i, r.Responses[i].ID, r.Responses[i].Status, ids[i], want)
			}
		}
	})

	t.Run("nonce", func(t *testing.T) {
		id := certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, good.Serial))
		random := make([]byte, 32)
		rand.Read(random)
		for _, nonce := range [][]byte{random, {0x00}, {0x04, 0x02, 0xaa, 0xbb} /* looks like an OCTET STRING itself */} {
			r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, nonce, id)), env.issuing)
			if !bytes.Equal(r.Nonce, nonce) {
				t.Errorf("nonce %x echoed as %x", nonce, r.Nonce)
			}
		}
		r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, nil, id)), env.issuing)
		if r.Nonce != nil {
			t.Errorf("a request without a nonce got nonce %x", r.Nonce)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		valid := ocspRequest(t, nil, certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, good.Serial)))
		foreign := foreignCert(t)
		ours := certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, good.Serial))
		wrongKey, wrongName := ours, ours
		wrongKey.IssuerKeyHash = flipLast(ours.IssuerKeyHash)
		wrongName.IssuerNameHash = flipLast(ours.IssuerNameHash)
		for _, tc := range []struct {
			name string
			req  []byte
			want int
		}{
			{"empty", []byte{}, x509gost.OCSPMalformedRequest},
			{"nil", nil, x509gost.OCSPMalformedRequest},
			{"garbage", []byte("GET /ocsp HTTP/1.1\r\n\r\n"), x509gost.OCSPMalformedRequest},
			{"truncated", valid[:len(valid)-1], x509gost.OCSPMalformedRequest},
			{"cut in half", valid[:len(valid)/2], x509gost.OCSPMalformedRequest},
			{"trailing data", append(append([]byte{}, valid...), 0x00, 0x00), x509gost.OCSPMalformedRequest},
			{"empty request list", []byte{0x30, 0x04, 0x30, 0x02, 0x30, 0x00}, x509gost.OCSPMalformedRequest},
			{"a response instead of a request", x509gost.OCSPErrorResponse(x509gost.OCSPTryLater), x509gost.OCSPMalformedRequest},
			{"another issuer (RFC 9215 example)", ocspRequest(t, nil, certID(t, x509gost.OIDSHA1, foreign, foreign.SerialNumber)), x509gost.OCSPUnauthorized},
			{"another issuer, Streebog", ocspRequest(t, nil, certID(t, gost.OIDDigest256, foreign, big.NewInt(1))), x509gost.OCSPUnauthorized},
			{"our name, another key", ocspRequest(t, nil, wrongKey), x509gost.OCSPUnauthorized},
			{"our key, another name", ocspRequest(t, nil, wrongName), x509gost.OCSPUnauthorized},
			{"ours and another issuer", ocspRequest(t, nil, ours, certID(t, x509gost.OIDSHA1, foreign, foreign.SerialNumber)), x509gost.OCSPUnauthorized},
			{"another issuer and ours", ocspRequest(t, nil, certID(t, x509gost.OIDSHA1, foreign, foreign.SerialNumber), ours), x509gost.OCSPUnauthorized},
			{"issuing CA and root", ocspRequest(t, nil, ours, certID(t, x509gost.OIDSHA1, env.root, env.issuing.SerialNumber)), x509gost.OCSPUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := env.b.OCSP(env.ctx, tc.req)
				if got := ocspErrorStatus(t, resp); got != tc.want {
					t.Fatalf("response status %d, want %d", got, tc.want)
				}
			})
		}
	})

	t.Run("one issuer named with both hash algorithms", func(t *testing.T) {
		ids := []x509gost.CertID{certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, good.Serial)),
			certID(t, gost.OIDDigest256, env.issuing, hexSerial(t, good.Serial))}
		r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, nil, ids...)), env.issuing)
		if len(r.Responses) != 2 || !r.Responses[0].ID.Equal(ids[0]) || !r.Responses[1].ID.Equal(ids[1]) {
			t.Fatalf("responses %+v, want one per CertID in order", r.Responses)
		}
	})
}

// foreignCert is RFC 9215's second example: a GOST certificate from somebody else's CA.
func foreignCert(t *testing.T) *x509gost.Certificate {
	t.Helper()
	data, err := os.ReadFile(ossltest.Testdata("rfc9215", "ex2.crt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("ex2.crt.pem holds no PEM block")
	}
	c, err := x509gost.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func flipLast(b []byte) []byte {
	out := append([]byte{}, b...)
	out[len(out)-1] ^= 0x01
	return out
}

func TestOCSPCache(t *testing.T) {
	env := newStatusEnv(t)
	cert := env.issue(t)
	id := certID(t, x509gost.OIDSHA1, env.issuing, hexSerial(t, cert.Serial))
	plain := ocspRequest(t, nil, id)

	first := env.b.OCSP(env.ctx, plain)
	if s := ocspOK(t, first, env.issuing).Responses[0].Status; s != x509gost.OCSPGood {
		t.Fatalf("status %d, want good", s)
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"without a nonce the same answer is served again", func(t *testing.T) {
			// GOST signatures are randomized: equal bytes mean the signed answer was reused.
			if again := env.b.OCSP(env.ctx, plain); !bytes.Equal(again, first) {
				t.Fatal("two requests without a nonce got different responses")
			}
		}},
		{"a Streebog CertID is not answered from the SHA-1 entry", func(t *testing.T) {
			id2 := certID(t, gost.OIDDigest256, env.issuing, hexSerial(t, cert.Serial))
			r := ocspOK(t, env.b.OCSP(env.ctx, ocspRequest(t, nil, id2)), env.issuing)
			if !r.Responses[0].ID.Equal(id2) {
				t.Fatalf("asked with a Streebog CertID, answered for %+v", r.Responses[0].ID)
			}
		}},
		{"with a nonce every answer is fresh", func(t *testing.T) {
			a := env.b.OCSP(env.ctx, ocspRequest(t, []byte("nonce-1"), id))
			b := env.b.OCSP(env.ctx, ocspRequest(t, []byte("nonce-2"), id))
			c := env.b.OCSP(env.ctx, ocspRequest(t, []byte("nonce-1"), id))
			if bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(a, first) {
				t.Fatal("a response to a request with a nonce was reused")
			}
			if n := ocspOK(t, b, env.issuing).Nonce; string(n) != "nonce-2" {
				t.Fatalf("nonce %q, want nonce-2", n)
			}
			if again := env.b.OCSP(env.ctx, plain); !bytes.Equal(again, first) {
				t.Fatal("a request with a nonce replaced the cached answer")
			}
		}},
		{"a revocation shows at once", func(t *testing.T) {
			at := env.clk.Now().Add(-time.Second)
			env.revoke(t, cert.Serial, at, "key_compromise")
			resp := env.b.OCSP(env.ctx, plain)
			if bytes.Equal(resp, first) {
				t.Fatal("the cached good answer was served after the revocation")
			}
			s := ocspOK(t, resp, env.issuing).Responses[0]
			if s.Status != x509gost.OCSPRevoked || s.Reason != x509gost.ReasonKeyCompromise || !s.RevokedAt.Equal(at) {
				t.Fatalf("after revocation: status %d reason %d at %v", s.Status, s.Reason, s.RevokedAt)
			}
			if again := env.b.OCSP(env.ctx, plain); !bytes.Equal(again, resp) {
				t.Fatal("the revoked answer is not reused")
			}
		}},
		{"a cached answer grows stale", func(t *testing.T) {
			before := env.b.OCSP(env.ctx, plain)
			env.clk.Add(31 * time.Minute)
			after := env.b.OCSP(env.ctx, plain)
			if bytes.Equal(before, after) {
				t.Fatal("an answer cached 31 minutes ago was served again")
			}
			if s := ocspOK(t, after, env.issuing).Responses[0]; !s.ThisUpdate.Equal(env.clk.Now().Truncate(time.Second)) {
				t.Fatalf("thisUpdate %v, want %v", s.ThisUpdate, env.clk.Now())
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// TestOCSPOpenSSL has OpenSSL verify a good and a revoked answer against the issuing CA.
func TestOCSPOpenSSL(t *testing.T) {
	env := newStatusEnv(t)
	good, revoked := env.issue(t), env.issue(t)
	env.revoke(t, revoked.Serial, env.clk.Now(), "key_compromise")
	for _, tc := range []struct {
		name   string
		serial string
		alg    asn1.ObjectIdentifier
		want   []string
	}{
		{"good", good.Serial, x509gost.OIDSHA1, []string{"Cert Status: good"}},
		{"revoked", revoked.Serial, gost.OIDDigest256, []string{"Cert Status: revoked", "Revocation Reason: keyCompromise (0x1)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.b.OCSP(env.ctx, ocspRequest(t, []byte("openssl"), certID(t, tc.alg, env.issuing, hexSerial(t, tc.serial))))
			ocspOK(t, resp, env.issuing)
			f := filepath.Join(t.TempDir(), "resp.der")
			if err := os.WriteFile(f, resp, 0o600); err != nil {
				t.Fatal(err)
			}
			out := env.o.Run(t, "ocsp", "-respin", f, "-issuer", env.issPEM, "-CAfile", env.chainPEM, "-resp_text")
			for _, w := range append([]string{"Response verify OK", "Serial Number: " + opensslSerial(tc.serial)}, tc.want...) {
				if !strings.Contains(out, w) {
					t.Errorf("openssl ocsp output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// crlOK parses a CRL that must verify against issuer, and checks what every kcr CRL has.
func crlOK(t *testing.T, der []byte, issuer *x509gost.Certificate) *x509gost.CRL {
	t.Helper()
	c, err := x509gost.ParseCRL(der)
	if err != nil {
		t.Fatalf("the CRL does not parse: %v", err)
	}
	if err := c.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("the CRL does not verify against %s: %v", issuer.Subject, err)
	}
	if got := c.NextUpdate.Sub(c.ThisUpdate); got != 24*time.Hour {
		t.Errorf("nextUpdate − thisUpdate = %v, want 24h", got)
	}
	if !bytes.Equal(c.AuthorityKeyID, issuer.SubjectKeyID) {
		t.Errorf("CRL authority key ID %x, issuer's subject key ID %x", c.AuthorityKeyID, issuer.SubjectKeyID)
	}
	if c.Number == nil {
		t.Fatal("the CRL has no cRLNumber")
	}
	return c
}

func TestCRL(t *testing.T) {
	env := newStatusEnv(t)
	first, second := env.issue(t), env.issue(t)
	var last []byte // the latest issuing CRL
	var lastNumber int64
	publish := func(t *testing.T) *x509gost.CRL {
		t.Helper()
		der, err := env.b.CRL(env.ctx, ca.IssuingName)
		if err != nil {
			t.Fatal(err)
		}
		c := crlOK(t, der, env.issuing)
		last, lastNumber = der, c.Number.Int64()
		return c
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		before := last
		der, err := env.b.CRL(env.ctx, ca.IssuingName)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(der, before) {
			c, _ := x509gost.ParseCRL(der)
			t.Fatalf("nothing changed, yet a new CRL was published (number %v)", c.Number)
		}
	}
	entries := func(c *x509gost.CRL) map[string]x509gost.RevokedEntry {
		m := map[string]x509gost.RevokedEntry{}
		for _, r := range c.Revoked {
			m[r.SerialNumber.Text(16)] = r
		}
		return m
	}
	var firstRevokedAt, secondRevokedAt time.Time
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"first CRL is number 1 and empty", func(t *testing.T) {
			c := publish(t)
			if c.Number.Int64() != 1 || len(c.Revoked) != 0 {
				t.Fatalf("number %v with %d entries, want 1 with none", c.Number, len(c.Revoked))
			}
			if !c.ThisUpdate.Equal(env.clk.Now().Truncate(time.Second)) {
				t.Errorf("thisUpdate %v, want %v", c.ThisUpdate, env.clk.Now())
			}
			if err := c.CheckSignatureFrom(env.root); err == nil {
				t.Error("the issuing CA's CRL verifies against the root")
			}
		}},
		{"no change, same CRL", func(t *testing.T) {
			env.clk.Add(10 * time.Minute)
			unchanged(t)
		}},
		{"a revocation publishes number 2", func(t *testing.T) {
			firstRevokedAt = env.clk.Now().Add(-time.Minute)
			env.revoke(t, first.Serial, firstRevokedAt, "key_compromise")
			c := publish(t)
			if c.Number.Int64() != 2 || len(c.Revoked) != 1 {
				t.Fatalf("number %v with %d entries, want 2 with 1", c.Number, len(c.Revoked))
			}
			e, ok := entries(c)[first.Serial]
			if !ok {
				t.Fatalf("serial %s is not listed", first.Serial)
			}
			if e.Reason != x509gost.ReasonKeyCompromise || !e.RevokedAt.Equal(firstRevokedAt) {
				t.Fatalf("entry reason %d at %v, want keyCompromise at %v", e.Reason, e.RevokedAt, firstRevokedAt)
			}
			if !c.ThisUpdate.Equal(env.clk.Now().Truncate(time.Second)) {
				t.Errorf("thisUpdate %v, want %v", c.ThisUpdate, env.clk.Now())
			}
		}},
		{"unspecified is listed without a reason code", func(t *testing.T) {
			env.clk.Add(time.Minute)
			secondRevokedAt = env.clk.Now()
			env.revoke(t, second.Serial, secondRevokedAt, "unspecified")
			c := publish(t)
			if c.Number.Int64() != 3 || len(c.Revoked) != 2 {
				t.Fatalf("number %v with %d entries, want 3 with 2", c.Number, len(c.Revoked))
			}
			m := entries(c)
			if e := m[second.Serial]; e.SerialNumber == nil || e.Reason != -1 || !e.RevokedAt.Equal(secondRevokedAt) {
				t.Fatalf("unspecified entry %+v, want no reason at %v", e, secondRevokedAt)
			}
			if e := m[first.Serial]; e.SerialNumber == nil || e.Reason != x509gost.ReasonKeyCompromise {
				t.Fatalf("the earlier entry became %+v", e)
			}
		}},
		{"59 minutes later, still the same CRL", func(t *testing.T) {
			env.clk.Add(59 * time.Minute)
			unchanged(t)
		}},
		{"after an hour a new CRL without new revocations", func(t *testing.T) {
			env.clk.Add(2 * time.Minute)
			prev := lastNumber
			c := publish(t)
			if c.Number.Int64() <= prev {
				t.Fatalf("number %v, want above %d", c.Number, prev)
			}
			if len(c.Revoked) != 2 {
				t.Fatalf("%d entries, want 2", len(c.Revoked))
			}
			if !c.ThisUpdate.Equal(env.clk.Now().Truncate(time.Second)) {
				t.Errorf("thisUpdate %v, want %v", c.ThisUpdate, env.clk.Now())
			}
		}},
		{"another instance serves the stored CRL", func(t *testing.T) {
			other, err := ca.Load(env.ctx, env.db, env.clk, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase))
			if err != nil {
				t.Fatal(err)
			}
			der, err := other.CRL(env.ctx, ca.IssuingName)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(der, last) {
				t.Fatal("a second instance published its own CRL instead of serving the current one")
			}
		}},
		{"OpenSSL verifies it and lists the serials", func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "kcr-ca.crl")
			if err := os.WriteFile(f, last, 0o600); err != nil {
				t.Fatal(err)
			}
			out := env.o.Run(t, "crl", "-inform", "DER", "-in", f, "-noout", "-text", "-CAfile", env.issPEM)
			for _, w := range []string{"verify OK", "Serial Number: " + opensslSerial(first.Serial),
				"Serial Number: " + opensslSerial(second.Serial), "Key Compromise", "CRL Number"} {
				if !strings.Contains(out, w) {
					t.Errorf("openssl crl output lacks %q:\n%s", w, out)
				}
			}
			if o, err := env.o.Try(nil, "crl", "-inform", "DER", "-in", f, "-noout", "-CAfile", env.rootPEM); err == nil && strings.Contains(o, "verify OK") {
				t.Errorf("OpenSSL verified the issuing CA's CRL against the root:\n%s", o)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}

	t.Run("root CRL", func(t *testing.T) {
		der, err := env.b.CRL(env.ctx, ca.RootName)
		if err != nil {
			t.Fatal(err)
		}
		c := crlOK(t, der, env.root)
		if c.Number.Int64() != 1 || len(c.Revoked) != 0 {
			t.Fatalf("root CRL number %v with %d entries, want 1 with none", c.Number, len(c.Revoked))
		}
		if err := c.CheckSignatureFrom(env.issuing); err == nil {
			t.Error("the root's CRL verifies against the issuing CA")
		}
		again, err := env.b.CRL(env.ctx, ca.RootName)
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("second root CRL differs (err %v)", err)
		}
		f := filepath.Join(t.TempDir(), "kcr-root.crl")
		if err := os.WriteFile(f, der, 0o600); err != nil {
			t.Fatal(err)
		}
		if out := env.o.Run(t, "crl", "-inform", "DER", "-in", f, "-noout", "-text", "-CAfile", env.rootPEM); !strings.Contains(out, "verify OK") ||
			!strings.Contains(out, "No Revoked Certificates") {
			t.Errorf("openssl crl on the root CRL:\n%s", out)
		}
	})

	t.Run("unknown authority", func(t *testing.T) {
		for _, name := range []string{"", "kcr", "kcr-ca.crl", "KCR-CA", "../kcr-ca"} {
			der, err := env.b.CRL(env.ctx, name)
			if !storage.IsNoRows(err) || der != nil {
				t.Errorf("CRL(%q) = %d bytes, %v; want storage.ErrNoRows", name, len(der), err)
			}
		}
	})
}

// opensslSerial is how OpenSSL prints a serial in a CRL: upper-case hex, an even number of digits.
func opensslSerial(serial string) string {
	s := strings.ToUpper(serial)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}
