package cms

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// FuzzVerify feeds Verify mutations of valid signatures: it must return an error or a result, never
// panic, and a refusal must be one of the typed errors.
func FuzzVerify(f *testing.F) {
	p := getPKI(f)
	for _, sig := range [][]byte{
		mustSignTB(f, func() ([]byte, error) { return Sign(document, p.head256Key, p.head256, nil, p.now) }),
		mustSignTB(f, func() ([]byte, error) {
			return Sign(document, p.head512Key, p.head512, []*x509gost.Certificate{p.root}, p.now)
		}),
		mustSignTB(f, func() ([]byte, error) {
			return sign(document, p.head256Key, p.head256, nil, p.now, signOptions{attached: true})
		}),
	} {
		f.Add(sig)
		f.Add(pemOf("CMS", sig))
		f.Add([]byte(base64.StdEncoding.EncodeToString(sig)))
	}
	opts := VerifyOptions{
		Roots:     []*x509gost.Certificate{p.root},
		IsRevoked: func(*x509gost.Certificate, time.Time) (bool, error) { return false, nil },
	}
	typed := []error{ErrMalformed, ErrNotDetached, ErrUnsupported, ErrMissingAttribute, ErrDigestMismatch,
		ErrSignerNotFound, ErrSigningCertificate, ErrSignature, ErrKeyUsage, ErrUntrusted, ErrExpired}
	f.Fuzz(func(t *testing.T, sig []byte) {
		res, err := Verify(sig, document, opts)
		if err == nil {
			if res == nil || res.Signer == nil || len(res.Chain) == 0 {
				t.Fatalf("Verify succeeded with result %+v", res)
			}
			return
		}
		for _, want := range typed {
			if errors.Is(err, want) {
				return
			}
		}
		t.Fatalf("untyped refusal: %v", err)
	})
}

func mustSignTB(tb testing.TB, f func() ([]byte, error)) []byte {
	tb.Helper()
	sig, err := f()
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}
