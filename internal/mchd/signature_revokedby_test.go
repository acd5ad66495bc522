package mchd

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// IsRevokedBy is told the issuer the chain was built through (a CRL is verified against it) and, when
// set, is asked instead of IsRevoked; it runs after the chain check, as cms.Verify's hook does.
func TestSignatureCheckRevokedBy(t *testing.T) {
	t.Parallel()
	p := getSigPKI(t)
	for _, c := range []struct {
		name       string
		key        *gost.PrivateKey
		cert       *x509gost.Certificate
		wantIssuer *x509gost.Certificate // nil: not asked
		want       SignatureCheck
	}{
		{"issued by the root", p.key256, p.head256, p.root, ""},
		{"issued by an intermediate", p.key256, p.headBySub, p.sub, ""},
		{"revoked", p.key256, p.revoked, p.root, CheckRevoked},
		{"unknown", p.key256, p.unknown, p.root, CheckRevocationUnknown},
		{"expired: refused before revocation is asked", p.key256, p.expired, nil, CheckValidity},
		{"untrusted: refused before revocation is asked", p.key256, p.stranger, nil, CheckChain},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sig, err := cms.Sign(p.file, c.key, c.cert, nil, p.now)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var asked []*x509gost.Certificate
			ch := p.checker()
			byCert := ch.IsRevoked
			ch.IsRevoked = func(*x509gost.Certificate, time.Time) (bool, error) {
				return false, errors.New("IsRevoked must not be asked")
			}
			ch.IsRevokedBy = func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
				mu.Lock()
				asked = append(asked, cert, issuer)
				mu.Unlock()
				if !at.Equal(ch.Clock.Now()) {
					t.Errorf("asked about %s, want now", at)
				}
				return byCert(cert, at)
			}
			_, err = ch.Check(p.file, sig, p.head)
			if c.want == "" && err != nil {
				t.Fatalf("Check: %v", err)
			}
			if c.want != "" {
				if got := refusedBy(t, err); got != c.want {
					t.Fatalf("refused by %q (%v), want %q", got, err, c.want)
				}
			}
			switch {
			case c.wantIssuer == nil && len(asked) != 0:
				t.Fatalf("IsRevokedBy asked %d times, want none", len(asked)/2)
			case c.wantIssuer != nil && (len(asked) != 2 || !bytes.Equal(asked[0].Raw, c.cert.Raw) || !bytes.Equal(asked[1].Raw, c.wantIssuer.Raw)):
				t.Fatalf("IsRevokedBy asked about %v, want the signer and its issuer", asked)
			}
		})
	}
	// A signer that is itself trusted has no issuer to read revocation from.
	if err := revokedBy(func(_, _ *x509gost.Certificate, _ time.Time) (bool, error) { return false, nil }, []*x509gost.Certificate{p.root}, p.now); !errors.Is(err, cms.ErrRevocationUnknown) {
		t.Fatalf("a root as signer: %v", err)
	}
}
