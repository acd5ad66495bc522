package revocation

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// testCA is an outside CA (the ФНС CA's stand-in): a root that signs certificates and CRLs, and another
// key that signs CRLs in its name, as a forger would.
type testCA struct {
	key, otherKey *gost.PrivateKey
	cert          *x509gost.Certificate
	serial        atomic.Int64
}

var (
	caOnce sync.Once
	caVal  *testCA
	caErr  error
)

func getCA(t testing.TB) *testCA {
	t.Helper()
	caOnce.Do(func() { caVal, caErr = newTestCA() })
	if caErr != nil {
		t.Fatal(caErr)
	}
	return caVal
}

func genKey() (*gost.PrivateKey, error) {
	ps, ok := gost.ParamSetByName("tc26-256-A")
	if !ok {
		return nil, errors.New("no parameter set tc26-256-A")
	}
	return gost.GenerateKey(rand.Reader, ps)
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func newTestCA() (*testCA, error) {
	c := &testCA{}
	var err error
	if c.key, err = genKey(); err != nil {
		return nil, err
	}
	if c.otherKey, err = genKey(); err != nil {
		return nil, err
	}
	c.cert, err = c.issue(true, c.key, nil)
	return c, err
}

// issue makes a certificate for key naming the CRL URLs, signed by the CA (self-signed for the CA).
func (c *testCA) issue(isCA bool, key *gost.PrivateKey, exts []x509gost.Extension, crlURLs ...string) (*x509gost.Certificate, error) {
	spki, err := key.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	bits, err := x509gost.SubjectPublicKeyBits(spki)
	if err != nil {
		return nil, err
	}
	kid := sha1.Sum(bits)
	cn := "Head"
	if isCA {
		cn = "Outside CA"
	}
	name, err := x509gost.Name{{OID: x509gost.OIDCommonName, Value: cn, Tag: encasn1.TagUTF8String}}.Marshal()
	if err != nil {
		return nil, err
	}
	exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(kid[:])})
	issuer := name
	if isCA {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)},
			x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageCertSign, x509gost.KeyUsageCRLSign)})
	} else {
		issuer = c.cert.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(c.cert.SubjectKeyID)},
			x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageDigitalSignature)})
	}
	if len(crlURLs) > 0 {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtCRLDistributionPoints, Value: x509gost.CRLDistributionPoints(crlURLs...)})
	}
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(0x7000 + c.serial.Add(1)), SignatureAlgorithm: c.key.Public().SignatureAlgorithm(),
		Issuer: issuer, Subject: name, NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0), SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	if der, err = x509gost.SignCertificate(der, c.key, rand.Reader); err != nil {
		return nil, err
	}
	return x509gost.ParseCertificate(der)
}

// leaf issues a head's certificate naming urls as its CRL distribution points.
func (c *testCA) leaf(t *testing.T, urls ...string) *x509gost.Certificate {
	t.Helper()
	cert, err := c.issue(false, c.key, nil, urls...)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// crl signs a CRL valid from thisUpdate for a day that revokes the serials at revokedAt.
func (c *testCA) crl(t *testing.T, signer gost.Signer, thisUpdate, revokedAt time.Time, number int64, revoked ...*x509gost.Certificate) []byte {
	t.Helper()
	tpl := &x509gost.CRLTemplate{Issuer: c.cert.RawSubject, ThisUpdate: thisUpdate, NextUpdate: thisUpdate.Add(24 * time.Hour),
		Number: big.NewInt(number), AuthorityKeyID: c.cert.SubjectKeyID}
	for _, r := range revoked {
		tpl.Revoked = append(tpl.Revoked, x509gost.RevokedEntry{SerialNumber: r.SerialNumber, RevokedAt: revokedAt, Reason: x509gost.ReasonKeyCompromise})
	}
	der, err := x509gost.CreateCRL(tpl, signer, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// crlServer serves one response at /ca.crl, set by the test, and counts its requests; other paths are 404.
type crlServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
	hits   atomic.Int64
	// gate, when set, holds every request until it is closed or the request ends.
	gate chan struct{}
}

func newCRLServer(t testing.TB) *crlServer {
	s := &crlServer{status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ca.crl" {
			http.NotFound(w, r)
			return
		}
		s.hits.Add(1)
		s.mu.Lock()
		body, status, gate := s.body, s.status, s.gate
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *crlServer) serve(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

// hold makes the requests from now on wait until gate is closed.
func (s *crlServer) hold(gate chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = gate
}

func (s *crlServer) crlURL() string { return s.URL + "/ca.crl" }

func newCRLs(clk clock.Clock, srv *crlServer) *CRLs {
	return &CRLs{Client: srv.Client(), Clock: clk, Timeout: 10 * time.Second}
}

// TestCRLStatus asks about a certificate of an outside CA whose CRL is served in each way the check
// meets: good, revoked, revoked later than asked, forged, damaged, missing, from the future, stale, a
// delta CRL, and certificates naming no http(s) CRL.
func TestCRLStatus(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	other := ca.leaf(t, "http://127.0.0.1:1/unused.crl")
	for _, c := range []struct {
		name    string
		status  int
		body    func(head *x509gost.Certificate) []byte
		urls    func(srv string) []string // the head certificate's CRL URLs; nil: the server's
		revoked bool
		err     string // a substring of the error when the status is unknown
	}{
		{"good", http.StatusOK, func(*x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(-2*time.Hour), 1, other)
		}, nil, false, ""},
		{"revoked", http.StatusOK, func(h *x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(-2*time.Hour), 1, other, h)
		}, nil, true, ""},
		{"PEM", http.StatusOK, func(h *x509gost.Certificate) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(-2*time.Hour), 1, h)})
		}, nil, true, ""},
		{"revoked after the time asked", http.StatusOK, func(h *x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(time.Minute), 1, h)
		}, nil, false, ""},
		{"signed by another key", http.StatusOK, func(*x509gost.Certificate) []byte {
			return ca.crl(t, ca.otherKey, t0.Add(-time.Hour), t0.Add(-2*time.Hour), 1, other)
		}, nil, false, "verification"},
		{"not a CRL", http.StatusOK, func(*x509gost.Certificate) []byte { return []byte("<html>maintenance</html>") }, nil, false, "CRL"},
		{"not found", http.StatusNotFound, func(*x509gost.Certificate) []byte { return nil }, nil, false, "404"},
		{"thisUpdate in the future", http.StatusOK, func(*x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(time.Hour), t0.Add(-2*time.Hour), 1)
		}, nil, false, "future"},
		{"past nextUpdate", http.StatusOK, func(*x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(-48*time.Hour), t0.Add(-72*time.Hour), 1)
		}, nil, false, "nextUpdate"},
		{"no distribution point", http.StatusOK, nil, func(string) []string { return nil }, false, "no http(s) CRL"},
		{"LDAP only", http.StatusOK, nil, func(string) []string { return []string{"ldap://dir.example.ru/cn=ca?certificateRevocationList"} }, false, "no http(s) CRL"},
		{"the second URL answers", http.StatusOK, func(h *x509gost.Certificate) []byte {
			return ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(-2*time.Hour), 1, h)
		}, func(srv string) []string { return []string{srv + "/gone.crl", srv + "/ca.crl"} }, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newCRLServer(t)
			urls := []string{srv.crlURL()}
			if c.urls != nil {
				urls = c.urls(srv.URL)
			}
			head := ca.leaf(t, urls...)
			if c.body != nil {
				srv.serve(c.status, c.body(head))
			}
			got, err := newCRLs(clock.NewFake(t0), srv).IsRevoked(context.Background(), head, ca.cert, t0)
			switch {
			case c.err == "" && (err != nil || got != c.revoked):
				t.Fatalf("got %v, %v; want %v", got, err, c.revoked)
			case c.err != "" && (err == nil || got || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.err)
			}
		})
	}
}

// TestCRLCache follows one URL through time: fetched once while fresh, fetched again after RefreshAfter
// (the cached CRL answers while the CA is down), refused once past nextUpdate with the CA down, a failure
// remembered for FailureTTL, refreshed after nextUpdate, and an older CRL not taken over a newer one.
func TestCRLCache(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	srv := newCRLServer(t)
	head := ca.leaf(t, srv.crlURL())
	clk := clock.NewFake(t0)
	crls := newCRLs(clk, srv)
	crls.RefreshAfter, crls.FailureTTL = 2*time.Hour, 10*time.Minute
	first := ca.crl(t, ca.key, t0.Add(-time.Hour), t0, 1) // next update at t0+23h
	srv.serve(http.StatusOK, first)
	steps := []struct {
		name    string
		advance time.Duration // the clock moves by it before the check
		status  int           // the server's answer from this step on; 0 keeps it
		body    []byte
		revoked bool
		err     string
		hits    int64 // the server's requests so far
	}{
		{"first check fetches", 0, 0, nil, false, "", 1},
		{"fresh: from memory", time.Hour, http.StatusServiceUnavailable, nil, false, "", 1},
		{"due for refresh, CA down: the valid cached CRL answers", 2 * time.Hour, 0, nil, false, "", 2},
		{"the failure is remembered", 5 * time.Minute, 0, nil, false, "", 2},
		{"past nextUpdate, CA down: unknown", 21 * time.Hour, 0, nil, false, "503", 3},
		{"the failure is remembered without a valid CRL too", 5 * time.Minute, http.StatusOK, first, false, "503", 3},
		{"after FailureTTL the stale CRL is fetched and refused", 6 * time.Minute, 0, nil, false, "nextUpdate", 4},
		{"a new CRL revokes the head", 11 * time.Minute, http.StatusOK, ca.crl(t, ca.key, t0.Add(24*time.Hour), t0.Add(23*time.Hour), 2, head), true, "", 5},
		// A mirror lagging behind serves a CRL issued before the cached one, revoking nobody.
		{"an older CRL does not replace it", 3 * time.Hour, http.StatusOK, ca.crl(t, ca.key, t0.Add(23*time.Hour+30*time.Minute), t0, 1), true, "", 6},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		if s.status != 0 {
			srv.serve(s.status, s.body)
		}
		got, err := crls.IsRevoked(context.Background(), head, ca.cert, clk.Now())
		switch {
		case s.err == "" && (err != nil || got != s.revoked):
			t.Fatalf("%s: got %v, %v; want %v", s.name, got, err, s.revoked)
		case s.err != "" && (err == nil || got || !strings.Contains(err.Error(), s.err)):
			t.Fatalf("%s: got %v, %v; want an error with %q", s.name, got, err, s.err)
		}
		if h := srv.hits.Load(); h != s.hits {
			t.Fatalf("%s: %d requests, want %d", s.name, h, s.hits)
		}
	}
}

// Many signatures checked at once fetch the CRL once: the server holds the first request until every
// checker is waiting or done.
func TestCRLSingleFlight(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	srv := newCRLServer(t)
	head := ca.leaf(t, srv.crlURL())
	gate := make(chan struct{})
	srv.hold(gate)
	srv.serve(http.StatusOK, ca.crl(t, ca.key, t0.Add(-time.Hour), t0, 1, head))
	crls := newCRLs(clock.NewFake(t0), srv)
	const n = 16
	var wg sync.WaitGroup
	results := make(chan error, n)
	for range n {
		wg.Go(func() {
			revoked, err := crls.IsRevoked(context.Background(), head, ca.cert, t0)
			if err == nil && !revoked {
				err = errors.New("not revoked")
			}
			results <- err
		})
	}
	for srv.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	if h := srv.hits.Load(); h != 1 {
		t.Fatalf("%d requests for %d concurrent checks, want 1", h, n)
	}
}

// A download is bounded: in size (announced or not), in time, and in where redirects lead.
func TestCRLDownloadLimits(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	body := ca.crl(t, ca.key, t0.Add(-time.Hour), t0, 1)
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		setup   func(*CRLs)
		err     string
	}{
		{"announced too large", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) },
			func(c *CRLs) { c.MaxSize = int64(len(body)) - 1 }, "larger than the limit"},
		{"chunked too large", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // no Content-Length: the body is streamed
			_, _ = w.Write(body)
		}, func(c *CRLs) { c.MaxSize = int64(len(body)) - 1 }, "larger than the limit"},
		{"exactly the limit", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) },
			func(c *CRLs) { c.MaxSize = int64(len(body)) }, ""},
		{"slow server", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			func(c *CRLs) { c.Timeout = 20 * time.Millisecond }, "deadline exceeded"},
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(body[:10])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, func(c *CRLs) { c.Timeout = 20 * time.Millisecond }, "deadline exceeded"},
		{"redirect on the same scheme", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/ca.crl" {
				http.Redirect(w, r, "/moved.crl", http.StatusFound)
				return
			}
			_, _ = w.Write(body)
		}, nil, ""},
		{"redirect to another scheme", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "file:///etc/ca.crl", http.StatusFound)
		}, nil, "redirect from http to file refused"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}, nil, "redirects"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(c.handler)
			t.Cleanup(srv.Close)
			head := ca.leaf(t, srv.URL+"/ca.crl")
			crls := &CRLs{Client: srv.Client(), Clock: clock.NewFake(t0)}
			if c.setup != nil {
				c.setup(crls)
			}
			got, err := crls.IsRevoked(context.Background(), head, ca.cert, t0)
			switch {
			case c.err == "" && (err != nil || got):
				t.Fatalf("got %v, %v; want not revoked", got, err)
			case c.err != "" && (err == nil || got || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.err)
			}
		})
	}
}

// A CRL with a critical extension kcr does not read, a delta CRL, or one scoped to less than all of a
// head's certificates' revocations is refused; a scope of user certificates is read.
func TestCRLExtensions(t *testing.T) {
	t.Parallel()
	ext := func(oid encasn1.ObjectIdentifier, critical bool, hexValue string) x509gost.Extension {
		v, err := hexDecode(hexValue)
		if err != nil {
			t.Fatal(err)
		}
		return x509gost.Extension{OID: oid, Critical: critical, Value: v}
	}
	idp := oidIssuingDistributionPoint
	for _, c := range []struct {
		name string
		ext  x509gost.Extension
		ok   bool
	}{
		{"cRLNumber", ext(x509gost.OIDExtCRLNumber, false, "020101"), true},
		{"an unknown non-critical extension", ext(encasn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 21, 1}, false, "020100"), true},
		{"an unknown critical extension", ext(encasn1.ObjectIdentifier{1, 2, 3}, true, "0500"), false},
		{"a delta CRL", ext(oidDeltaCRLIndicator, true, "020101"), false},
		{"scope: a distribution point", ext(idp, true, "3010a00ea00c860a687474703a2f2f612f62"), true},
		{"scope: user certificates", ext(idp, true, "30038101ff"), true},
		{"scope: CA certificates", ext(idp, true, "30038201ff"), false},
		{"scope: some reasons", ext(idp, true, "3004830206c0"), false},
		{"an indirect CRL", ext(idp, true, "30038401ff"), false},
		{"a malformed scope", ext(idp, true, "3003"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := checkCRLExtension(c.ext); (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

// While one check refreshes a CRL that is still valid, the others answer from it without waiting for
// the CA.
func TestCRLRefreshDoesNotBlock(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	srv := newCRLServer(t)
	head := ca.leaf(t, srv.crlURL())
	srv.serve(http.StatusOK, ca.crl(t, ca.key, t0.Add(-time.Hour), t0, 1, head))
	clk := clock.NewFake(t0)
	crls := newCRLs(clk, srv)
	if _, err := crls.IsRevoked(context.Background(), head, ca.cert, t0); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultRefreshAfter)
	gate := make(chan struct{})
	srv.hold(gate)
	refreshed := make(chan error, 1)
	go func() {
		_, err := crls.IsRevoked(context.Background(), head, ca.cert, t0)
		refreshed <- err
	}()
	for srv.hits.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	answered := make(chan error, 1)
	go func() {
		revoked, err := crls.IsRevoked(context.Background(), head, ca.cert, t0)
		if err == nil && !revoked {
			err = errors.New("not revoked")
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // only keeps a regression from hanging the run
		t.Fatal("a check waits for the refresh of a valid CRL")
	}
	close(gate)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
}
