package revocation

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// ocspAnswer describes how the test responder answers.
type ocspAnswer struct {
	httpStatus int // 0: 200
	status     int // the response status; OCSPSuccessful unless set
	certStatus int
	signer     gost.Signer
	certs      [][]byte                  // included certificates
	nonce      func(asked []byte) []byte // the nonce written back; nil echoes the request's
	thisUpdate time.Time
	nextUpdate time.Time
}

// ocspResponder answers every request as a says, signing with a.signer (the CA's key by default).
func ocspResponder(t *testing.T, ca *testCA, a ocspAnswer) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.httpStatus != 0 {
			w.WriteHeader(a.httpStatus)
			return
		}
		if a.status != x509gost.OCSPSuccessful {
			_, _ = w.Write(x509gost.OCSPErrorResponse(a.status))
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, err := x509gost.ParseOCSPRequest(body)
		if err != nil || r.Header.Get("Content-Type") != "application/ocsp-request" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		signer := a.signer
		if signer == nil {
			signer = ca.key
		}
		nonce := req.Nonce
		if a.nonce != nil {
			nonce = a.nonce(req.Nonce)
		}
		single := x509gost.SingleResponse{ID: req.RequestList[0], Status: a.certStatus, Reason: -1, ThisUpdate: a.thisUpdate, NextUpdate: a.nextUpdate}
		if a.certStatus == x509gost.OCSPRevoked {
			single.RevokedAt, single.Reason = t0.Add(-time.Hour), x509gost.ReasonKeyCompromise
		}
		spki, _ := signer.Public().MarshalSPKI()
		bits, _ := x509gost.SubjectPublicKeyBits(spki)
		keyHash := sha1Of(bits)
		der, err := x509gost.CreateOCSPResponse(&x509gost.OCSPResponseTemplate{ResponderKeyHash: keyHash, ProducedAt: a.thisUpdate,
			Responses: []x509gost.SingleResponse{single}, Nonce: nonce, Certs: a.certs}, signer, rand.Reader)
		if err != nil {
			t.Error(err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(der)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOCSPStatus asks an outside CA's OCSP responder, answering in each way the check meets.
func TestOCSPStatus(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	responderKey, err := genKey()
	if err != nil {
		t.Fatal(err)
	}
	ekuOCSP := []x509gost.Extension{{OID: x509gost.OIDExtExtendedKeyUsage, Value: x509gost.ExtKeyUsage(x509gost.OIDExtKeyUsageOCSPSigning)}}
	delegate, err := ca.issue(false, responderKey, ekuOCSP)
	if err != nil {
		t.Fatal(err)
	}
	notDelegate, err := ca.issue(false, responderKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := ocspAnswer{thisUpdate: t0.Add(-time.Minute), nextUpdate: t0.Add(time.Hour)}
	with := func(f func(*ocspAnswer)) ocspAnswer {
		a := fresh
		f(&a)
		return a
	}
	for _, c := range []struct {
		name    string
		answer  ocspAnswer
		revoked bool
		err     string
	}{
		{"good", fresh, false, ""},
		{"revoked", with(func(a *ocspAnswer) { a.certStatus = x509gost.OCSPRevoked }), true, ""},
		{"unknown", with(func(a *ocspAnswer) { a.certStatus = x509gost.OCSPUnknown }), false, "does not know"},
		{"signed by another key", with(func(a *ocspAnswer) { a.signer = ca.otherKey }), false, "signed neither"},
		{"a delegated responder", with(func(a *ocspAnswer) { a.signer, a.certs = responderKey, [][]byte{delegate.Raw} }), false, ""},
		{"a responder not delegated", with(func(a *ocspAnswer) { a.signer, a.certs = responderKey, [][]byte{notDelegate.Raw} }), false, "signed neither"},
		{"a replayed nonce", with(func(a *ocspAnswer) { a.nonce = func([]byte) []byte { return []byte("0123456789abcdef") } }), false, "nonce"},
		{"no nonce (a cached answer)", with(func(a *ocspAnswer) { a.nonce = func([]byte) []byte { return nil } }), false, ""},
		{"past nextUpdate", with(func(a *ocspAnswer) { a.thisUpdate, a.nextUpdate = t0.Add(-2*time.Hour), t0.Add(-time.Hour) }), false, "nextUpdate"},
		{"old without nextUpdate", with(func(a *ocspAnswer) { a.thisUpdate, a.nextUpdate = t0.Add(-2*time.Hour), time.Time{} }), false, "too old"},
		{"recent without nextUpdate", with(func(a *ocspAnswer) { a.nextUpdate = time.Time{} }), false, ""},
		{"from the future", with(func(a *ocspAnswer) { a.thisUpdate, a.nextUpdate = t0.Add(time.Hour), t0.Add(2*time.Hour) }), false, "future"},
		{"try later", with(func(a *ocspAnswer) { a.status = x509gost.OCSPTryLater }), false, "refused"},
		{"server error", with(func(a *ocspAnswer) { a.httpStatus = http.StatusInternalServerError }), false, "500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := ocspResponder(t, ca, c.answer)
			head, err := ca.issue(false, ca.key, []x509gost.Extension{{OID: x509gost.OIDExtAuthorityInfoAccess,
				Value: x509gost.AuthorityInfoAccess([]string{srv.URL}, []string{"http://ca.example.ru/ca.crt"})}})
			if err != nil {
				t.Fatal(err)
			}
			o := &OCSP{Client: srv.Client(), Clock: clock.NewFake(t0)}
			got, err := o.IsRevoked(context.Background(), head, ca.cert, t0)
			switch {
			case c.err == "" && (err != nil || got != c.revoked):
				t.Fatalf("got %v, %v; want %v", got, err, c.revoked)
			case c.err != "" && (err == nil || got || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.err)
			}
		})
	}
	t.Run("no responder", func(t *testing.T) {
		t.Parallel()
		head := ca.leaf(t, "http://127.0.0.1:1/ca.crl")
		if _, err := (&OCSP{Clock: clock.NewFake(t0)}).IsRevoked(context.Background(), head, ca.cert, t0); err != ErrNoOCSP {
			t.Fatalf("err = %v, want ErrNoOCSP", err)
		}
	})
}

// When the CRL cannot be read, Checker asks the OCSP responder; when neither answers, the status is
// unknown and both failures are told.
func TestCheckerOCSPFallback(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	crlSrv := newCRLServer(t)
	crlSrv.serve(http.StatusNotFound, nil)
	revoked := ocspResponder(t, ca, ocspAnswer{certStatus: x509gost.OCSPRevoked, thisUpdate: t0.Add(-time.Minute), nextUpdate: t0.Add(time.Hour)})
	down := ocspResponder(t, ca, ocspAnswer{httpStatus: http.StatusServiceUnavailable})
	c := &Checker{CRLs: newCRLs(clock.NewFake(t0), crlSrv), OCSP: &OCSP{Clock: clock.NewFake(t0)}}
	for _, s := range []struct {
		responder *httptest.Server
		revoked   bool
		err       []string
	}{{revoked, true, nil}, {down, false, []string{"404", "503"}}} {
		head, err := ca.issue(false, ca.key, []x509gost.Extension{{OID: x509gost.OIDExtAuthorityInfoAccess,
			Value: x509gost.AuthorityInfoAccess([]string{s.responder.URL}, nil)}}, crlSrv.crlURL())
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.IsRevoked(context.Background(), head, ca.cert, t0)
		if s.err == nil && (err != nil || got != s.revoked) {
			t.Fatalf("got %v, %v; want %v", got, err, s.revoked)
		}
		for _, want := range s.err {
			if err == nil || got || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, %v; want an error with %q", got, err, want)
			}
		}
	}
}

func sha1Of(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}
