package gost

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ossltest"
)

// cp1251 encodes s, made of ASCII and the Cyrillic letters А…я, in Windows-1251, the encoding of the
// standard's second example.
func cp1251(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case r >= 'А' && r <= 'я':
			out = append(out, byte(0xc0+r-'А'))
		default:
			t.Fatalf("cp1251: %q is not handled", r)
		}
	}
	return out
}

// The examples of GOST R 34.11-2012 (appendix A; RFC 6986 §10). The expected digests are in kcr's output
// order, the order OpenSSL prints; the standard and RFC 6986 print the same bytes reversed.
func TestStreebogExamples(t *testing.T) {
	t.Parallel()
	m1 := []byte("012345678901234567890123456789012345678901234567890123456789012")
	m2 := cp1251(t, "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы")
	if len(m1) != 63 || len(m2) != 72 {
		t.Fatalf("example lengths %d and %d, want 63 and 72", len(m1), len(m2))
	}
	tests := []struct {
		name   string
		digest func([]byte) []byte
		msg    []byte
		want   string
	}{
		{"M1/512", Digest512, m1, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa" +
			"00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"},
		{"M1/256", Digest256, m1, "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"},
		{"M2/512", Digest512, m2, "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376" +
			"035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28"},
		{"M2/256", Digest256, m2, "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := hex.EncodeToString(tc.digest(tc.msg)); got != tc.want {
				t.Fatalf("digest\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

var streebogSizes = []struct {
	name   string
	new    func() hash.Hash
	digest func([]byte) []byte
	size   int
}{
	{"256", NewStreebog256, Digest256, 32},
	{"512", NewStreebog512, Digest512, 64},
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// writeChunked writes msg to h in pieces whose sizes next returns; a size of 0 is an empty write, so
// next must not return 0 for ever.
func writeChunked(h hash.Hash, msg []byte, next func() int) {
	for len(msg) > 0 {
		n := min(next(), len(msg))
		if n, err := h.Write(msg[:n]); err != nil || n < 0 {
			panic("Write failed")
		}
		msg = msg[n:]
	}
}

// Streaming in any chunking gives the one-shot digest.
func TestStreebogChunking(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	msgs := [][]byte{nil}
	for _, n := range []int{1, 63, 64, 65, 127, 128, 129, 200, 1000} {
		msgs = append(msgs, randomBytes(r, n))
	}
	for _, sz := range streebogSizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Parallel()
			for _, msg := range msgs {
				want := sz.digest(msg)
				for chunk := 1; chunk <= 130; chunk++ {
					h := sz.new()
					writeChunked(h, msg, func() int { return chunk })
					if got := h.Sum(nil); !bytes.Equal(got, want) {
						t.Fatalf("len %d, chunks of %d: %x, want %x", len(msg), chunk, got, want)
					}
				}
				for range 20 {
					h := sz.new()
					writeChunked(h, msg, func() int { return r.IntN(150) }) // empty writes included
					if got := h.Sum(nil); !bytes.Equal(got, want) {
						t.Fatalf("len %d, random chunks: %x, want %x", len(msg), got, want)
					}
				}
			}
		})
	}
}

// Sum leaves the state alone (twice the same answer, and writing on continues the message), appends to
// its argument, Reset starts over, and a clone goes on independently.
func TestStreebogSumReset(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randomBytes(r, 100), randomBytes(r, 77)
	for _, sz := range streebogSizes {
		t.Run(sz.name, func(t *testing.T) {
			t.Parallel()
			h := sz.new()
			if h.Size() != sz.size || h.BlockSize() != 64 {
				t.Fatalf("Size %d, BlockSize %d", h.Size(), h.BlockSize())
			}
			h.Write(a)
			first := h.Sum(nil)
			if second := h.Sum(nil); !bytes.Equal(first, second) || !bytes.Equal(first, sz.digest(a)) {
				t.Fatalf("Sum is not idempotent: %x then %x", first, second)
			}
			prefix := []byte("prefix")
			if got := h.Sum(prefix); !bytes.Equal(got, append([]byte("prefix"), first...)) {
				t.Fatalf("Sum(prefix) = %x", got)
			}
			h.Write(b)
			if got, want := h.Sum(nil), sz.digest(append(append([]byte{}, a...), b...)); !bytes.Equal(got, want) {
				t.Fatalf("Write after Sum: %x, want %x", got, want)
			}
			c, err := h.(hash.Cloner).Clone()
			if err != nil {
				t.Fatal(err)
			}
			h.Reset()
			h.Write(b)
			if got, want := h.Sum(nil), sz.digest(b); !bytes.Equal(got, want) {
				t.Fatalf("after Reset: %x, want %x", got, want)
			}
			c.Write(a)
			if got, want := c.Sum(nil), sz.digest(append(append(append([]byte{}, a...), b...), a...)); !bytes.Equal(got, want) {
				t.Fatalf("clone: %x, want %x", got, want)
			}
		})
	}
}

// Hashing allocates nothing per block, nor per message when Sum is given room.
func TestStreebogAllocs(t *testing.T) {
	msg := make([]byte, 8192+13)
	for _, sz := range streebogSizes {
		t.Run(sz.name, func(t *testing.T) {
			h := sz.new()
			out := make([]byte, 0, sz.size)
			if n := testing.AllocsPerRun(50, func() {
				h.Reset()
				h.Write(msg[:5])
				h.Write(msg[5:])
				out = h.Sum(out[:0])
			}); n != 0 {
				t.Fatalf("%v allocations per message", n)
			}
		})
	}
}

// refStreebog is the hash function written the way the standard states it, one step per
// transformation on 64-byte vectors (byte i is the i-th least significant byte), to check the combined
// tables against. Slow and obvious.
func refStreebog(msg []byte, size int) []byte {
	type vec = [64]byte
	xor := func(a, b vec) (r vec) {
		for i := range r {
			r[i] = a[i] ^ b[i]
		}
		return r
	}
	add := func(a, b vec) (r vec) {
		c := 0
		for i := range r {
			s := int(a[i]) + int(b[i]) + c
			r[i], c = byte(s), s>>8
		}
		return r
	}
	pi, _ := hex.DecodeString(streebogPi)
	lps := func(a vec) (r vec) {
		var p vec
		for i := range a {
			// S then P: τ sends byte 8i+j to 8j+i.
			p[8*(i%8)+i/8] = pi[a[i]]
		}
		for w := range 8 {
			in := binary.LittleEndian.Uint64(p[8*w:])
			var out uint64
			for i := range 64 {
				if in>>(63-i)&1 == 1 {
					out ^= streebogA[i]
				}
			}
			binary.LittleEndian.PutUint64(r[8*w:], out)
		}
		return r
	}
	var cs [12]vec
	for i, c := range streebogC {
		be, _ := hex.DecodeString(c)
		for j := range be {
			cs[i][j] = be[63-j]
		}
	}
	g := func(n, h, m vec) vec {
		k := lps(xor(h, n))
		e := m
		for i := range 12 {
			e = lps(xor(k, e))
			k = lps(xor(k, cs[i]))
		}
		return xor(xor(xor(k, e), h), m)
	}
	num := func(x uint64) (r vec) {
		binary.LittleEndian.PutUint64(r[:], x)
		return r
	}
	var h, n, sigma vec
	if size == 32 {
		for i := range h {
			h[i] = 1
		}
	}
	for len(msg) >= 64 {
		m := vec(msg[:64])
		h, n, sigma = g(n, h, m), add(n, num(512)), add(sigma, m)
		msg = msg[64:]
	}
	var m vec
	copy(m[:], msg)
	m[len(msg)] = 1
	h, n, sigma = g(n, h, m), add(n, num(uint64(len(msg))*8)), add(sigma, m)
	h = g(vec{}, h, n)
	h = g(vec{}, h, sigma)
	return append([]byte(nil), h[64-size:]...)
}

func TestStreebogReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 129, 500} {
		msg := randomBytes(r, n)
		for _, sz := range streebogSizes {
			if got, want := sz.digest(msg), refStreebog(msg, sz.size); !bytes.Equal(got, want) {
				t.Fatalf("%s, len %d: %x, reference %x", sz.name, n, got, want)
			}
		}
	}
}

// streebogDiffLengths are the message lengths checked against OpenSSL: every length up to 200, the
// three around each block boundary up to 10,000, and random ones.
func streebogDiffLengths(r *rand.Rand) []int {
	var ls []int
	for n := 0; n <= 200; n++ {
		ls = append(ls, n)
	}
	for b := 256; b <= 10000; b += 64 {
		ls = append(ls, b-1, b, b+1)
	}
	for range 100 {
		ls = append(ls, r.IntN(10001))
	}
	return ls
}

// kcr's Streebog gives the digests `openssl dgst` gives with the GOST engine. All messages go to one
// openssl process per digest size.
func TestStreebogOpenSSL(t *testing.T) {
	o := ossltest.New(t)
	r := rand.New(rand.NewPCG(7, 8))
	dir := t.TempDir()
	var files []string
	msgs := map[string][]byte{}
	for i, n := range streebogDiffLengths(r) {
		msg := randomBytes(r, n)
		name := filepath.Join(dir, fmt.Sprintf("m%04d", i))
		if err := os.WriteFile(name, msg, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
		msgs[name] = msg
	}
	for _, sz := range streebogSizes {
		t.Run(sz.name, func(t *testing.T) {
			out := o.Run(t, append([]string{"dgst", "-md_gost12_" + sz.name, "-r"}, files...)...)
			got := map[string]string{}
			for line := range strings.Lines(out) {
				// -r prints "<hex digest> *<file>".
				if d, f, ok := strings.Cut(strings.TrimSpace(line), " *"); ok {
					got[f] = d
				}
			}
			for _, f := range files {
				if want := hex.EncodeToString(sz.digest(msgs[f])); got[f] != want {
					t.Fatalf("%d bytes: openssl %q, kcr %s", len(msgs[f]), got[f], want)
				}
			}
		})
	}
}

// Streaming with odd chunkings, and a Sum in the middle, gives the one-shot digest.
func FuzzStreebogChunks(f *testing.F) {
	f.Add([]byte{}, uint64(0))
	f.Add([]byte("012345678901234567890123456789012345678901234567890123456789012"), uint64(1))
	f.Add(bytes.Repeat([]byte{0xff}, 129), uint64(64))
	f.Add(bytes.Repeat([]byte{0x5a}, 1000), uint64(0xdeadbeef))
	f.Fuzz(func(t *testing.T, msg []byte, seed uint64) {
		r := rand.New(rand.NewPCG(seed, seed>>32))
		for _, sz := range streebogSizes {
			want := sz.digest(msg)
			h := sz.new()
			mid := r.IntN(len(msg) + 1)
			writeChunked(h, msg[:mid], func() int { return r.IntN(131) })
			h.Sum(nil)
			writeChunked(h, msg[mid:], func() int { return r.IntN(131) })
			if got := h.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s: streaming %x, one-shot %x", sz.name, got, want)
			}
			if len(msg) <= 300 {
				if ref := refStreebog(msg, sz.size); !bytes.Equal(want, ref) {
					t.Fatalf("%s: %x, reference %x", sz.name, want, ref)
				}
			}
		}
	})
}
