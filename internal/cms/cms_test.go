package cms

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

var document = []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Заявление><ИНН>7700000000</ИНН></Заявление>\n")

func mustSign(t *testing.T, content []byte, key *gost.PrivateKey, cert *x509gost.Certificate, at time.Time, o signOptions) []byte {
	t.Helper()
	sig, err := sign(content, key, cert, nil, at, o)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	for _, c := range []struct {
		name   string
		key    *gost.PrivateKey
		cert   *x509gost.Certificate
		digest string
	}{
		{"256", p.head256Key, p.head256, gost.OIDDigest256.String()},
		{"512", p.head512Key, p.head512, gost.OIDDigest512.String()},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			at := p.now.Add(-time.Minute)
			sig, err := Sign(document, c.key, c.cert, []*x509gost.Certificate{p.root}, at)
			if err != nil {
				t.Fatal(err)
			}
			encodings := map[string][]byte{
				"DER":       sig,
				"PEM CMS":   pemOf("CMS", sig),
				"PEM PKCS7": pemOf("PKCS7", sig),
				"base64":    []byte(base64.StdEncoding.EncodeToString(sig) + "\n"),
			}
			for form, in := range encodings {
				res, err := Verify(in, document, VerifyOptions{Roots: []*x509gost.Certificate{p.root}})
				if err != nil {
					t.Fatalf("%s: %v", form, err)
				}
				if res.Signer.SerialNumber.Cmp(c.cert.SerialNumber) != 0 || !res.SigningTime.Equal(at) ||
					res.DigestAlgorithm.String() != c.digest || len(res.Chain) != 2 || res.Chain[1] != p.root {
					t.Fatalf("%s: result %+v", form, res)
				}
			}
		})
	}
}

func TestSignRefusesForeignCertificate(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	if _, err := Sign(document, p.head512Key, p.head256, nil, p.now); err == nil {
		t.Fatal("Sign accepted a certificate of another key")
	}
}

func TestVerifyRefusals(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	at := p.now.Add(-time.Minute)
	roots := []*x509gost.Certificate{p.root}
	valid := mustSign(t, document, p.head256Key, p.head256, at, signOptions{})
	other := mustSign(t, []byte("other"), p.head256Key, p.head256, at, signOptions{})
	// other's signature value spliced into valid: the attributes no longer match what was signed.
	spliced := append([]byte(nil), valid...)
	copy(spliced[len(spliced)-64:], other[len(other)-64:])
	tampered := append([]byte(nil), document...)
	tampered[len(tampered)-3] ^= 1

	revokedHook := func(c *x509gost.Certificate, at time.Time) (bool, error) { return true, nil }
	failingHook := func(c *x509gost.Certificate, at time.Time) (bool, error) { return false, errors.New("CRL unavailable") }

	cases := []struct {
		name    string
		sig     []byte
		content []byte
		opts    VerifyOptions
		want    error
		attr    string // the MissingAttributeError name, when want is ErrMissingAttribute
	}{
		{"signature over other bytes", spliced, document, VerifyOptions{Roots: roots}, ErrSignature, ""},
		{"signature of other content", other, document, VerifyOptions{Roots: roots}, ErrDigestMismatch, ""},
		{"tampered content", valid, tampered, VerifyOptions{Roots: roots}, ErrDigestMismatch, ""},
		{"attached", mustSign(t, document, p.head256Key, p.head256, at, signOptions{attached: true}), document, VerifyOptions{Roots: roots}, ErrNotDetached, ""},
		{"no signingCertificateV2", mustSign(t, document, p.head256Key, p.head256, at, signOptions{omit: OIDSigningCertificateV2}), document, VerifyOptions{Roots: roots}, ErrMissingAttribute, "signingCertificateV2"},
		{"no messageDigest", mustSign(t, document, p.head256Key, p.head256, at, signOptions{omit: OIDMessageDigest}), document, VerifyOptions{Roots: roots}, ErrMissingAttribute, "messageDigest"},
		{"no signingTime", mustSign(t, document, p.head256Key, p.head256, at, signOptions{omit: OIDSigningTime}), document, VerifyOptions{Roots: roots}, ErrMissingAttribute, "signingTime"},
		{"wrong signingCertificateV2 hash", mustSign(t, document, p.head256Key, p.head256, at, signOptions{certHash: gost.Digest256(p.head512.Raw)}), document, VerifyOptions{Roots: roots}, ErrSigningCertificate, ""},
		{"not chaining to the roots", mustSign(t, document, p.head256Key, p.stranger, at, signOptions{}), document, VerifyOptions{Roots: roots}, ErrUntrusted, ""},
		{"no roots", valid, document, VerifyOptions{}, ErrUntrusted, ""},
		{"expired at signing time", mustSign(t, document, p.head256Key, p.expired, at, signOptions{}), document, VerifyOptions{Roots: roots}, ErrExpired, ""},
		{"not yet valid at signing time", mustSign(t, document, p.head256Key, p.notYet, at, signOptions{}), document, VerifyOptions{Roots: roots}, ErrExpired, ""},
		{"root not valid at signing time", mustSign(t, document, p.head256Key, p.head256, p.root.NotBefore.Add(-time.Second), signOptions{}), document, VerifyOptions{Roots: roots}, ErrExpired, ""},
		{"key usage without signing", mustSign(t, document, p.head256Key, p.encipherOnly, at, signOptions{}), document, VerifyOptions{Roots: roots}, ErrKeyUsage, ""},
		{"revoked", valid, document, VerifyOptions{Roots: roots, IsRevoked: revokedHook}, ErrRevoked, ""},
		{"revocation unknown", valid, document, VerifyOptions{Roots: roots, IsRevoked: failingHook}, ErrRevocationUnknown, ""},
		{"truncated", valid[:len(valid)/2], document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"trailing data", append(append([]byte(nil), valid...), 0), document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"garbage", []byte("not a signature at all!"), document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"empty", nil, document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"foreign PEM", pemOf("CERTIFICATE", p.head256.Raw), document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"a certificate, not a signature", p.head256.Raw, document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
		{"too large", make([]byte, MaxSignatureSize+1), document, VerifyOptions{Roots: roots}, ErrMalformed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := Verify(c.sig, c.content, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, %v; want %v", res, err, c.want)
			}
			if c.attr != "" {
				var me *MissingAttributeError
				if !errors.As(err, &me) || me.Name != c.attr {
					t.Fatalf("Verify = %v; want the missing attribute %s named", err, c.attr)
				}
			}
		})
	}
}

// TestVerifyRevocationHookArguments checks the hook gets the signer and the signing time.
func TestVerifyRevocationHookArguments(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	at := p.now.Add(-2 * time.Minute)
	sig := mustSign(t, document, p.head256Key, p.head256, at, signOptions{})
	var got string
	_, err := Verify(sig, document, VerifyOptions{Roots: []*x509gost.Certificate{p.root}, IsRevoked: func(c *x509gost.Certificate, when time.Time) (bool, error) {
		got = fmt.Sprintf("%s %s", c.SerialNumber, when.Format(time.RFC3339))
		return false, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s %s", p.head256.SerialNumber, at.Format(time.RFC3339)); got != want {
		t.Fatalf("hook saw %q, want %q", got, want)
	}
}

// TestVerifyChain covers chains through an intermediate CA, found in the signature or in the options.
func TestVerifyChain(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	at := p.now.Add(-time.Minute)
	roots := []*x509gost.Certificate{p.root}
	bare, err := Sign(document, p.head256Key, p.viaSub, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	withSub, err := Sign(document, p.head256Key, p.viaSub, []*x509gost.Certificate{p.sub}, at)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		sig  []byte
		opts VerifyOptions
		want error
		len  int
	}{
		{"intermediate in the signature", withSub, VerifyOptions{Roots: roots}, nil, 3},
		{"intermediate in the options", bare, VerifyOptions{Roots: roots, Intermediates: []*x509gost.Certificate{p.sub}}, nil, 3},
		{"intermediate missing", bare, VerifyOptions{Roots: roots}, ErrUntrusted, 0},
		{"intermediate trusted as a root", bare, VerifyOptions{Roots: []*x509gost.Certificate{p.sub}}, nil, 2},
		{"intermediate is not a trust anchor for another root", withSub, VerifyOptions{Roots: []*x509gost.Certificate{p.other}}, ErrUntrusted, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := Verify(c.sig, document, c.opts)
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("Verify = %v; want %v", err, c.want)
			}
			if err == nil && len(res.Chain) != c.len {
				t.Fatalf("chain of %d, want %d", len(res.Chain), c.len)
			}
		})
	}
}

// TestVerifyUnsignedAttributes checks that a CAdES-T style unsigned attribute (a timestamp token) is
// tolerated: it is not part of what the head signed.
func TestVerifyUnsignedAttributes(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	// Attribute { id-aa-signatureTimeStampToken, SET { NULL } }: the content is not read.
	unsigned := []byte{0x30, 0x10, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e, 0x31, 0x02, 0x05, 0x00}
	sig := mustSign(t, document, p.head256Key, p.head256, p.now, signOptions{unsigned: unsigned})
	if _, err := Verify(sig, document, VerifyOptions{Roots: []*x509gost.Certificate{p.root}}); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyUnsortedSignedAttributes checks a signature whose signed attributes travel out of DER
// order: RFC 5652 signs their DER encoding, so the sorted form is what verifies.
func TestVerifyUnsortedSignedAttributes(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	sig := mustSign(t, document, p.head256Key, p.head256, p.now, signOptions{unsorted: true})
	if _, err := Verify(sig, document, VerifyOptions{Roots: []*x509gost.Certificate{p.root}}); err != nil {
		t.Fatal(err)
	}
	if sd, err := parse(sig); err != nil || sd.sortedAttr == nil {
		t.Fatalf("the test signature is not out of DER order (%v)", err)
	}
}

// TestVerifySignatureAlgorithm checks the signatureAlgorithm names: CryptoPro's bare key OID and the
// signature-with-digest OID are both taken, one of the other key size is not.
func TestVerifySignatureAlgorithm(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	for _, c := range []struct {
		name string
		alg  []int
		want error
	}{
		{"signwithdigest 256", gost.OIDSignature256, nil},
		{"bare key OID 256", gost.OIDPublicKey256, nil},
		{"signwithdigest 512 for a 256-bit key", gost.OIDSignature512, ErrUnsupported},
		{"bare key OID 512 for a 256-bit key", gost.OIDPublicKey512, ErrUnsupported},
		{"ECDSA with SHA-256", []int{1, 2, 840, 10045, 4, 3, 2}, ErrUnsupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sig := mustSign(t, document, p.head256Key, p.head256, p.now, signOptions{sigAlg: c.alg})
			_, err := Verify(sig, document, VerifyOptions{Roots: []*x509gost.Certificate{p.root}})
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("Verify = %v; want %v", err, c.want)
			}
		})
	}
}
