package gost

import (
	"hash"
	"testing"
)

// benchStreebog hashes size-byte messages with a reused hash, the way kcr hashes TBS structures.
func benchStreebog(b *testing.B, h hash.Hash, size int) {
	msg := make([]byte, size)
	out := make([]byte, 0, h.Size())
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		h.Reset()
		h.Write(msg)
		out = h.Sum(out[:0])
	}
}

func BenchmarkStreebog256(b *testing.B)    { benchStreebog(b, NewStreebog256(), 1024) }
func BenchmarkStreebog512(b *testing.B)    { benchStreebog(b, NewStreebog512(), 1024) }
func BenchmarkStreebog256_8K(b *testing.B) { benchStreebog(b, NewStreebog256(), 8192) }
func BenchmarkStreebog512_8K(b *testing.B) { benchStreebog(b, NewStreebog512(), 8192) }
