package revocation

import (
	"context"
	"crypto/rand"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// bigCRL is a CRL of n revocations, the size class of a large state CA's.
func bigCRL(b *testing.B, ca *testCA, n int) []byte {
	b.Helper()
	tpl := &x509gost.CRLTemplate{Issuer: ca.cert.RawSubject, ThisUpdate: t0.Add(-time.Hour), NextUpdate: t0.Add(24 * time.Hour),
		Number: big.NewInt(1), AuthorityKeyID: ca.cert.SubjectKeyID}
	for i := range n {
		serial := new(big.Int).Lsh(big.NewInt(int64(i)+1), 100) // 16-byte serials, as real CAs write
		tpl.Revoked = append(tpl.Revoked, x509gost.RevokedEntry{SerialNumber: serial, RevokedAt: t0.Add(-48 * time.Hour), Reason: x509gost.ReasonSuperseded})
	}
	der, err := x509gost.CreateCRL(tpl, ca.key, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return der
}

// BenchmarkCRL measures a CRL of 100,000 revocations (about 4 MiB): verify, what one fetch costs after the
// download (parse, signature, the serial map), and cached, one check answered from memory.
func BenchmarkCRL(b *testing.B) {
	ca := getCA(b)
	der := bigCRL(b, ca, 100_000)
	b.Run("verify", func(b *testing.B) {
		b.SetBytes(int64(len(der)))
		for b.Loop() {
			if _, err := verify(der, ca.cert, t0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		srv := newCRLServer(b)
		srv.serve(http.StatusOK, der)
		head, err := ca.issue(false, ca.key, nil, srv.crlURL())
		if err != nil {
			b.Fatal(err)
		}
		crls := &CRLs{Client: srv.Client(), Clock: clock.NewFake(t0)}
		ctx := context.Background()
		if _, err := crls.IsRevoked(ctx, head, ca.cert, t0); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := crls.IsRevoked(ctx, head, ca.cert, t0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
