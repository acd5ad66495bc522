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

func benchVerify(b *testing.B, name string) {
	k, msg, sig := benchKey(b, name)
	pub := k.Public()
	for b.Loop() {
		if err := pub.Verify(msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign256(b *testing.B)   { benchSign(b, "tc26-256-A") }
func BenchmarkVerify256(b *testing.B) { benchVerify(b, "tc26-256-A") }
func BenchmarkSign512(b *testing.B)   { benchSign(b, "tc26-512-A") }
func BenchmarkVerify512(b *testing.B) { benchVerify(b, "tc26-512-A") }

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
