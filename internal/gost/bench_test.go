package gost

import (
	"crypto/rand"
	"testing"
)

func benchKey(b *testing.B, name string) (*PrivateKey, []byte, []byte) {
	b.Helper()
	ps, _ := ParamSetByName(name)
	k, err := GenerateKey(rand.Reader, ps)
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 1024) // about a TBSCertificate
	sig, err := k.Sign(rand.Reader, msg)
	if err != nil {
		b.Fatal(err)
	}
	return k, msg, sig
}

func benchSign(b *testing.B, name string) {
	k, msg, _ := benchKey(b, name)
	for b.Loop() {
		if _, err := k.Sign(rand.Reader, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerify(b *testing.B, name string, precompute bool) {
	k, msg, sig := benchKey(b, name)
	pub, err := newPublicKey(k.ps, k.Public().Raw())
	if err != nil {
		b.Fatal(err)
	}
	if precompute {
		pub.Precompute()
	}
	for b.Loop() {
		if err := pub.Verify(msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign256(b *testing.B)   { benchSign(b, "tc26-256-A") }
func BenchmarkVerify256(b *testing.B) { benchVerify(b, "tc26-256-A", false) }
func BenchmarkSign512(b *testing.B)   { benchSign(b, "tc26-512-A") }
func BenchmarkVerify512(b *testing.B) { benchVerify(b, "tc26-512-A", false) }

// The CA verifying its own signatures: the key's table built once by Precompute.
func BenchmarkVerify256Precomputed(b *testing.B) { benchVerify(b, "tc26-256-A", true) }
func BenchmarkVerify512Precomputed(b *testing.B) { benchVerify(b, "tc26-512-A", true) }

// ParseSPKI on a cofactor-4 curve includes the subgroup check, a full scalar multiplication.
func BenchmarkParseSPKI256(b *testing.B) {
	k, _, _ := benchKey(b, "tc26-256-A")
	spki, _ := k.Public().MarshalSPKI()
	for b.Loop() {
		if _, err := ParseSPKI(spki); err != nil {
			b.Fatal(err)
		}
	}
}

// The curve arithmetic alone, without Streebog: what a signature costs once the digest is known.
func benchSignDigest(b *testing.B, name string) {
	k, _, _ := benchKey(b, name)
	digest := make([]byte, k.ps.Size)
	rand.Read(digest)
	var entropy [32]byte
	b.ReportAllocs()
	for b.Loop() {
		ns := newNonceSource(k, entropy[:], digest)
		if _, err := k.signDigest(&ns, digest); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerifyDigest(b *testing.B, name string) {
	k, _, _ := benchKey(b, name)
	digest := make([]byte, k.ps.Size)
	rand.Read(digest)
	ns := newNonceSource(k, make([]byte, 32), digest)
	sig, err := k.signDigest(&ns, digest)
	if err != nil {
		b.Fatal(err)
	}
	pub := k.Public()
	b.ReportAllocs()
	for b.Loop() {
		if err := pub.verifyDigest(digest, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignDigest256(b *testing.B)   { benchSignDigest(b, "tc26-256-A") }
func BenchmarkVerifyDigest256(b *testing.B) { benchVerifyDigest(b, "tc26-256-A") }
func BenchmarkSignDigest512(b *testing.B)   { benchSignDigest(b, "tc26-512-A") }
func BenchmarkVerifyDigest512(b *testing.B) { benchVerifyDigest(b, "tc26-512-A") }

// Scalar multiplications: the constant-time comb (key generation, signing), the variable-time
// double multiplication (verification) and a field multiplication.
func BenchmarkScalarMult(b *testing.B) {
	for _, name := range []string{"tc26-256-A", "tc26-256-B", "tc26-512-A", "tc26-512-C"} {
		ps, _ := ParamSetByName(name)
		k := make([]byte, ps.Size)
		rand.Read(k)
		b.Run(name+"/base", func(b *testing.B) {
			b.ReportAllocs()
			out := make([]byte, 2*ps.Size)
			for b.Loop() {
				ps.impl.publicKey(out, k)
			}
		})
		b.Run(name+"/field-mul", func(b *testing.B) {
			switch c := ps.impl.(type) {
			case *curve4:
				x := c.g.x
				for b.Loop() {
					c.p.mul(&x, &x, &c.g.y)
				}
			case *curve8:
				x := c.g.x
				for b.Loop() {
					c.p.mul(&x, &x, &c.g.y)
				}
			}
		})
	}
}
