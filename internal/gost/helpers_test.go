package gost

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
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

// The reference implementation the fixed-size code is checked against: affine arithmetic on math/big,
// straight from the textbook formulas, variable-time and slow, with the point at infinity explicit.

// affine is a point in affine coordinates; inf marks the point at infinity.
type affine struct {
	x, y *big.Int
	inf  bool
}

func (ps *ParamSet) onCurve(x, y *big.Int) bool {
	c := ps.curve
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, c.P)
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.A)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.B)
	rhs.Mod(rhs, c.P)
	return lhs.Cmp(rhs) == 0
}

// add returns p1 + p2 on the short Weierstrass curve y^2 = x^3 + a*x + b.
func (ps *ParamSet) add(p1, p2 affine) affine {
	c := ps.curve
	switch {
	case p1.inf:
		return p2
	case p2.inf:
		return p1
	}
	var lambda *big.Int
	if p1.x.Cmp(p2.x) == 0 {
		sum := new(big.Int).Add(p1.y, p2.y)
		if sum.Mod(sum, c.P).Sign() == 0 { // P + (-P), including doubling a point with y = 0
			return affine{inf: true}
		}
		// doubling: lambda = (3x^2 + a) / 2y
		num := new(big.Int).Mul(p1.x, p1.x)
		num.Mul(num, big.NewInt(3))
		num.Add(num, c.A)
		den := new(big.Int).Lsh(p1.y, 1)
		lambda = num.Mul(num, den.ModInverse(den.Mod(den, c.P), c.P))
	} else {
		num := new(big.Int).Sub(p2.y, p1.y)
		den := new(big.Int).Sub(p2.x, p1.x)
		lambda = num.Mul(num, den.ModInverse(den.Mod(den, c.P), c.P))
	}
	lambda.Mod(lambda, c.P)
	x3 := new(big.Int).Mul(lambda, lambda)
	x3.Sub(x3, p1.x)
	x3.Sub(x3, p2.x)
	x3.Mod(x3, c.P)
	y3 := new(big.Int).Sub(p1.x, x3)
	y3.Mul(y3, lambda)
	y3.Sub(y3, p1.y)
	y3.Mod(y3, c.P)
	return affine{x: x3, y: y3}
}

// negate returns -p.
func (ps *ParamSet) negate(p affine) affine {
	if p.inf {
		return p
	}
	return affine{x: p.x, y: new(big.Int).Mod(new(big.Int).Neg(p.y), ps.curve.P)}
}

// scalarMult returns k*pt by left-to-right double-and-add.
func (ps *ParamSet) scalarMult(k *big.Int, pt affine) affine {
	r := affine{inf: true}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = ps.add(r, r)
		if k.Bit(i) == 1 {
			r = ps.add(r, pt)
		}
	}
	return r
}

// base returns the base point G.
func (ps *ParamSet) base() affine { return affine{x: ps.curve.X, y: ps.curve.Y} }

// equalPoints compares two reference points.
func equalPoints(a, b affine) bool {
	if a.inf || b.inf {
		return a.inf == b.inf
	}
	return a.x.Cmp(b.x) == 0 && a.y.Cmp(b.y) == 0
}

func (p affine) String() string {
	if p.inf {
		return "O"
	}
	return fmt.Sprintf("(%x, %x)", p.x, p.y)
}

// fastCurve drives the fixed-size arithmetic (curve4, curve8) with big.Int values; the adapters are
// generated with it (curve4_test.go, curve8_test.go). Field values are plain residues mod p; point
// results report degenerate when the formulas returned (0:0:0), their one exception.
type fastCurve interface {
	fieldOp(op string, x, y *big.Int) *big.Int
	scalarInv(x *big.Int) *big.Int
	pointOp(op string, p1, p2 affine) (affine, bool)
	scalarOp(op string, k *big.Int, p affine) (affine, bool)
}

func fast(ps *ParamSet) fastCurve { return ps.impl.(fastCurve) }

// dInt is the private scalar as a big.Int, for the tests' reference arithmetic only.
func (k *PrivateKey) dInt() *big.Int { return new(big.Int).SetBytes(k.db) }
