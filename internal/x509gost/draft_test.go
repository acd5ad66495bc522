package x509gost

import (
	"bytes"
	"crypto/rand"
	"reflect"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// withDigestOID re-encodes a tc26 SPKI with the digest OID in its parameters: valid, but not the form
// MarshalSPKI writes, as OpenSSL's engine writes some keys.
func withDigestOID(t *testing.T, key *gost.PublicKey) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(gost.OIDPublicKey256)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(key.ParamSet().OID)
				b.AddASN1ObjectIdentifier(gost.OIDDigest256)
			})
		})
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddASN1OctetString(key.Raw())
		})
	})
	spki, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseGOSTSPKI(spki); err != nil {
		t.Fatal(err)
	}
	return spki
}

// TestDraft checks that a draft parsed back and then signed is the certificate ParseCertificate reads from
// the signed DER, field for field, whether or not the caller hands over the parsed subject key, and that a
// key that is not the SPKI's is refused.
func TestDraft(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	other, err := gost.GenerateKey(rand.Reader, mustParamSet("tc26-256-A"))
	if err != nil {
		t.Fatal(err)
	}
	eeKey := p.eeKey.Public()
	base := TBSCertificate{SerialNumber: p.ee.SerialNumber, SignatureAlgorithm: p.ee.SignatureAlgorithm, Issuer: p.ee.RawIssuer,
		NotBefore: p.ee.NotBefore, NotAfter: p.ee.NotAfter, Subject: p.ee.RawSubject, SPKI: p.ee.RawSPKI, Extensions: p.ee.Extensions}
	for _, tc := range []struct {
		name    string
		spki    []byte
		key     *gost.PublicKey
		wantErr bool
	}{
		{"no key given", p.ee.RawSPKI, nil, false},
		{"the SPKI's key", p.ee.RawSPKI, eeKey, false},
		{"the key, SPKI in another valid form", withDigestOID(t, eeKey), eeKey, false},
		{"another key", p.ee.RawSPKI, other.Public(), true},
		{"another key, SPKI in another form", withDigestOID(t, eeKey), other.Public(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tbs := base
			tbs.SPKI, tbs.PublicKey = tc.spki, tc.key
			d, err := tbs.Draft()
			if tc.wantErr {
				if err == nil {
					t.Fatal("a key other than the SPKI's was accepted")
				}
				if _, err := tbs.Marshal(); err == nil {
					t.Fatal("Marshal accepted a key other than the SPKI's")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			marshalled, err := tbs.Marshal()
			if err != nil || !bytes.Equal(marshalled, d.Certificate().RawTBS) {
				t.Fatalf("the draft's body differs from Marshal's (%v)", err)
			}
			if d.Certificate().Raw != nil || d.Certificate().Signature != nil || !d.Certificate().PublicKey.Equal(eeKey) {
				t.Fatal("the draft is not an unsigned certificate with the subject key")
			}
			signed, err := d.Sign(p.rootKey, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseCertificate(signed.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(signed, parsed) {
				t.Fatalf("signed draft\n%+v\nparsed\n%+v", signed, parsed)
			}
			if err := parsed.CheckSignatureFrom(p.root); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Sign(p.eeKey, rand.Reader); err == nil {
				t.Fatal("a signer of another signature algorithm than the TBS names was accepted")
			}
		})
	}
}
