package gost

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signWithNonce signs with a caller-chosen nonce k (big-endian, Size bytes), to reproduce published
// signatures. Tests only: a fixed nonce reveals the key.
func signWithNonce(k *PrivateKey, msg, nonce []byte) ([]byte, error) {
	return k.signDigest(bytes.NewReader(nonce), k.ps.digest(msg))
}

// signed is a signed X.509 object split into what the signature covers and the signature itself.
type signed struct {
	tbs    []byte // the TBSCertificate / CertificationRequestInfo / TBSCertList DER, tag and length included
	sigAlg asn1.ObjectIdentifier
	sig    []byte // the BIT STRING contents
}

func readPEM(t testing.TB, path, typ string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != typ {
		t.Fatalf("%s: no %s PEM block", path, typ)
	}
	return block.Bytes
}

// splitSigned walks Certificate / CertificationRequest / CertificateList: SEQUENCE{tbs, AlgorithmIdentifier,
// BIT STRING}. The signature algorithm's parameters must be absent or NULL.
func splitSigned(t testing.TB, der []byte) signed {
	t.Helper()
	in := cryptobyte.String(der)
	var outer, tbs, alg cryptobyte.String
	var sig asn1.BitString
	var s signed
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !in.Empty() ||
		!outer.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!outer.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!outer.ReadASN1BitString(&sig) || !outer.Empty() ||
		!alg.ReadASN1ObjectIdentifier(&s.sigAlg) {
		t.Fatal("malformed signed object")
	}
	if !alg.Empty() && (!alg.SkipASN1(cbasn1.NULL) || !alg.Empty()) {
		t.Fatal("signature algorithm has parameters")
	}
	s.tbs, s.sig = tbs, sig.RightAlign()
	return s
}

// certSPKI finds the SubjectPublicKeyInfo in a TBSCertificate: [0] version, serial, signature, issuer,
// validity, subject, then the SPKI.
func certSPKI(t testing.TB, tbs []byte) []byte {
	t.Helper()
	in := cryptobyte.String(tbs)
	var body, spki cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!body.SkipASN1(cbasn1.INTEGER) ||
		!body.SkipASN1(cbasn1.SEQUENCE) || // signature
		!body.SkipASN1(cbasn1.SEQUENCE) || // issuer
		!body.SkipASN1(cbasn1.SEQUENCE) || // validity
		!body.SkipASN1(cbasn1.SEQUENCE) || // subject
		!body.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		t.Fatal("malformed TBSCertificate")
	}
	return spki
}

// csrSPKI finds the SubjectPublicKeyInfo in a CertificationRequestInfo: version, subject, SPKI.
func csrSPKI(t testing.TB, cri []byte) []byte {
	t.Helper()
	in := cryptobyte.String(cri)
	var body, spki cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.SkipASN1(cbasn1.INTEGER) ||
		!body.SkipASN1(cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		t.Fatal("malformed CertificationRequestInfo")
	}
	return spki
}

// selfSignedCSR builds a minimal PKCS#10 request for k: CertificationRequestInfo{0, Name{CN=x as
// UTF8String}, SPKI, [0]{}}, the signature algorithm with absent parameters, and k's signature.
func selfSignedCSR(t testing.TB, k *PrivateKey, sign func(msg []byte) ([]byte, error)) []byte {
	t.Helper()
	spki, err := k.Public().MarshalSPKI()
	if err != nil {
		t.Fatal(err)
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // Name
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{2, 5, 4, 3})
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte("x")) })
				})
			})
		})
		b.AddBytes(spki)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(*cryptobyte.Builder) {})
	})
	cri, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sign(cri)
	if err != nil {
		t.Fatal(err)
	}
	b = cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cri)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(k.Public().SignatureAlgorithm())
		})
		b.AddASN1BitString(sig)
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func readPEMBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block.Bytes
}

func toPEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
