package revocation

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Checker asks kcr's register about the certificates kcr's instances issued and the CRL about the others.
func TestChecker(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	srv := newCRLServer(t)
	head := ca.leaf(t, srv.crlURL())
	srv.serve(http.StatusOK, ca.crl(t, ca.key, t0.Add(-time.Hour), t0.Add(-time.Minute), 1, head))
	own, err := newTestCA()
	if err != nil {
		t.Fatal(err)
	}
	ownLeaf := own.leaf(t, srv.crlURL()) // its CRL URL is never read: the register answers
	var asked []*x509gost.Certificate
	register := func(_ context.Context, cert *x509gost.Certificate, _ time.Time) (bool, error) {
		asked = append(asked, cert)
		return false, nil
	}
	c := &Checker{Own: []*x509gost.Certificate{own.cert}, Register: register, CRLs: newCRLs(clock.NewFake(t0), srv)}
	if revoked, err := c.IsRevoked(context.Background(), ownLeaf, own.cert, t0); err != nil || revoked || len(asked) != 1 || asked[0] != ownLeaf {
		t.Fatalf("kcr's certificate: %v, %v, register asked %d times", revoked, err, len(asked))
	}
	if revoked, err := c.IsRevoked(context.Background(), head, ca.cert, t0); err != nil || !revoked || len(asked) != 1 {
		t.Fatalf("the outside CA's certificate: %v, %v, register asked %d times", revoked, err, len(asked))
	}
	if h := srv.hits.Load(); h != 1 {
		t.Fatalf("%d CRL requests, want 1", h)
	}
	if _, err := c.IsRevoked(context.Background(), head, nil, t0); !errors.Is(err, ErrNoIssuer) {
		t.Fatalf("without the issuer: %v", err)
	}
	if _, err := (&Checker{Own: c.Own, Register: register}).IsRevoked(context.Background(), head, ca.cert, t0); err == nil {
		t.Fatal("without CRLs an outside certificate's status must be unknown")
	}
}

// The cache holds at most MaxURLs CRLs: the least recently used goes first.
func TestCRLCacheBound(t *testing.T) {
	t.Parallel()
	ca := getCA(t)
	crls := &CRLs{Clock: clock.NewFake(t0), MaxURLs: 2}
	var servers []*crlServer
	var heads []*x509gost.Certificate
	for range 3 {
		srv := newCRLServer(t)
		head := ca.leaf(t, srv.crlURL())
		srv.serve(http.StatusOK, ca.crl(t, ca.key, t0.Add(-time.Hour), t0, 1))
		servers, heads = append(servers, srv), append(heads, head)
	}
	check := func(i int) {
		t.Helper()
		crls.Clock.(*clock.Fake).Add(time.Second)
		if _, err := crls.IsRevoked(context.Background(), heads[i], ca.cert, t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{0, 1, 0, 2, 0, 1} { // 2 pushes out 1, the least recently used; 1 comes back
		check(i)
	}
	for i, want := range []int64{1, 2, 1} {
		if h := servers[i].hits.Load(); h != want {
			t.Fatalf("server %d: %d requests, want %d", i, h, want)
		}
	}
	if n := len(crls.entries); n != 2 {
		t.Fatalf("%d cached CRLs, want 2", n)
	}
}
