package gost

import (
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math/bits"
)

// Streebog, the GOST R 34.11-2012 hash function (RFC 6986), kcr's own implementation.
//
// A 512-bit value is held as eight uint64 words, least significant first, each word little-endian: the
// byte order of the message blocks as they arrive and of the digest as it is written out (the order
// OpenSSL prints; RFC 6986 prints its examples reversed). In that representation the round function
// LPS (the substitution π, the byte transposition τ and the linear map of the matrix A, in that order) is
// eight lookups per output word into eight tables of 256 words: τ moves byte k of word j to byte j of
// word k, and l then works on each word alone, so word k of LPS(x) is the XOR over j of
// lpsTable[j][byte k of word j of x], where lpsTable[j][b] is l applied to π(b) placed in byte j. The
// tables are computed at start-up from π and A as the standard prints them, so what is in the source
// can be checked against the standard line by line.

const (
	streebogBlockSize = 64
	// streebogRounds is the number of rounds of the block cipher E in the compression function.
	streebogRounds = 12
)

// streebogPi is the substitution π of GOST R 34.11-2012 (RFC 6986): π(i) is byte i.
const streebogPi = "" +
	"fceedd11cf6e3116fbc4fada23c5044d" +
	"e977f0db932e99ba1736f1bb14cd5fc1" +
	"f918655ae25cef21811c3c428b018e4f" +
	"058402aee36a8fa0060bed987fd4d31f" +
	"eb342c51eac848abf22a68a2fd3acecc" +
	"b5700e56080c7612bf7213479cb75d87" +
	"15a19629107b9ac7f391786f9d9eb2b1" +
	"3275193dff358a7e6d54c680c3bd0d57" +
	"dff524a93ea843c9d779d6f67c22b903" +
	"e00fecde7a94b0bcdce828504e330a4a" +
	"a79760731e0062441ab83882649f2641" +
	"ad454692275e552f8ca3a57d69d5953b" +
	"0758b34086ac1df730376be488d9e789" +
	"e11b83494c3ff8fe8d53aa90cad88561" +
	"207167a42d2b095bcb9b25d0bee56c52" +
	"59a674d2e6f4b4c0d166afc2394b63b6"

// streebogA is the matrix A of the linear transformation l (GOST R 34.11-2012, RFC 6986):
// row i is the word multiplied by bit 63−i of l's input.
var streebogA = [64]uint64{
	0x8e20faa72ba0b470, 0x47107ddd9b505a38, 0xad08b0e0c3282d1c, 0xd8045870ef14980e,
	0x6c022c38f90a4c07, 0x3601161cf205268d, 0x1b8e0b0e798c13c8, 0x83478b07b2468764,
	0xa011d380818e8f40, 0x5086e740ce47c920, 0x2843fd2067adea10, 0x14aff010bdd87508,
	0x0ad97808d06cb404, 0x05e23c0468365a02, 0x8c711e02341b2d01, 0x46b60f011a83988e,
	0x90dab52a387ae76f, 0x486dd4151c3dfdb9, 0x24b86a840e90f0d2, 0x125c354207487869,
	0x092e94218d243cba, 0x8a174a9ec8121e5d, 0x4585254f64090fa0, 0xaccc9ca9328a8950,
	0x9d4df05d5f661451, 0xc0a878a0a1330aa6, 0x60543c50de970553, 0x302a1e286fc58ca7,
	0x18150f14b9ec46dd, 0x0c84890ad27623e0, 0x0642ca05693b9f70, 0x0321658cba93c138,
	0x86275df09ce8aaa8, 0x439da0784e745554, 0xafc0503c273aa42a, 0xd960281e9d1d5215,
	0xe230140fc0802984, 0x71180a8960409a42, 0xb60c05ca30204d21, 0x5b068c651810a89e,
	0x456c34887a3805b9, 0xac361a443d1c8cd2, 0x561b0d22900e4669, 0x2b838811480723ba,
	0x9bcf4486248d9f5d, 0xc3e9224312c8c1a0, 0xeffa11af0964ee50, 0xf97d86d98a327728,
	0xe4fa2054a80b329c, 0x727d102a548b194e, 0x39b008152acb8227, 0x9258048415eb419d,
	0x492c024284fbaec0, 0xaa16012142f35760, 0x550b8e9e21f7a530, 0xa48b474f9ef5dc18,
	0x70a6a56e2440598e, 0x3853dc371220a247, 0x1ca76e95091051ad, 0x0edd37c48a08a6d8,
	0x07e095624504536c, 0x8d70c431ac02a736, 0xc83862965601dd1b, 0x641c314b2b8ee083,
}

// streebogC are the iteration constants C_1…C_12 (GOST R 34.11-2012, RFC 6986), most
// significant byte first as the standard prints them.
var streebogC = [streebogRounds]string{
	"b1085bda1ecadae9ebcb2f81c0657c1f2f6a76432e45d016714eb88d7585c4fc" +
		"4b7ce09192676901a2422a08a460d31505767436cc744d23dd806559f2a64507",
	"6fa3b58aa99d2f1a4fe39d460f70b5d7f3feea720a232b9861d55e0f16b50131" +
		"9ab5176b12d699585cb561c2db0aa7ca55dda21bd7cbcd56e679047021b19bb7",
	"f574dcac2bce2fc70a39fc286a3d843506f15e5f529c1f8bf2ea7514b1297b7b" +
		"d3e20fe490359eb1c1c93a376062db09c2b6f443867adb31991e96f50aba0ab2",
	"ef1fdfb3e81566d2f948e1a05d71e4dd488e857e335c3c7d9d721cad685e353f" +
		"a9d72c82ed03d675d8b71333935203be3453eaa193e837f1220cbebc84e3d12e",
	"4bea6bacad4747999a3f410c6ca923637f151c1f1686104a359e35d7800fffbd" +
		"bfcd1747253af5a3dfff00b723271a167a56a27ea9ea63f5601758fd7c6cfe57",
	"ae4faeae1d3ad3d96fa4c33b7a3039c02d66c4f95142a46c187f9ab49af08ec6" +
		"cffaa6b71c9ab7b40af21f66c2bec6b6bf71c57236904f35fa68407a46647d6e",
	"f4c70e16eeaac5ec51ac86febf240954399ec6c7e6bf87c9d3473e33197a93c9" +
		"0992abc52d822c3706476983284a05043517454ca23c4af38886564d3a14d493",
	"9b1f5b424d93c9a703e7aa020c6e41414eb7f8719c36de1e89b4443b4ddbc49a" +
		"f4892bcb929b069069d18d2bd1a5c42f36acc2355951a8d9a47f0dd4bf02e71e",
	"378f5a541631229b944c9ad8ec165fde3a7d3a1b258942243cd955b7e00d0984" +
		"800a440bdbb2ceb17b2b8a9aa6079c540e38dc92cb1f2a607261445183235adb",
	"abbedea680056f52382ae548b2e4f3f38941e71cff8a78db1fffe18a1b336103" +
		"9fe76702af69334b7a1e6c303b7652f43698fad1153bb6c374b4c7fb98459ced",
	"7bcd9ed0efc889fb3002c6cd635afe94d8fa6bbbebab07612001802114846679" +
		"8a1d71efea48b9caefbacd1d7d476e98dea2594ac06fd85d6bcaa4cd81f32d1b",
	"378ee767f11631bad21380b00449b17acda43c32bcdf1d77f82012d430219f9b" +
		"5d80ef9d1891cc86e71da4aa88e12852faf417d5d9b21b9948bc924af11bd720",
}

var (
	// lpsTable is the combined LPS transformation (see the comment at the top of the file). It lives
	// behind a pointer so the hot loop keeps its address in a register.
	lpsTable = new([8][256]uint64)
	// roundC are the iteration constants as 512-bit words.
	roundC [streebogRounds][8]uint64
)

func init() {
	pi, err := hex.DecodeString(streebogPi)
	if err != nil || len(pi) != 256 {
		panic("gost: bad Streebog substitution table")
	}
	for j := range 8 {
		for b := range 256 {
			var w uint64
			s := pi[b]
			for t := range 8 {
				if s>>t&1 == 1 {
					// Byte j of the input word carries bits 8j…8j+7, and bit i selects row 63−i of A.
					w ^= streebogA[63-8*j-t]
				}
			}
			lpsTable[j][b] = w
		}
	}
	for i, c := range streebogC {
		be, err := hex.DecodeString(c)
		if err != nil || len(be) != streebogBlockSize {
			panic("gost: bad Streebog iteration constant")
		}
		for k := range 8 {
			// Word k is made of bytes 63−8k−7…63−8k of the big-endian print.
			roundC[i][k] = binary.BigEndian.Uint64(be[56-8*k:])
		}
	}
}

// lpsx sets dst to LPS(a ⊕ b). dst may be a or b: every input word is read before dst is written.
// Word k of the result takes byte k of every input word, hence the shift by 8 between rows.
func lpsx(dst, a, b *[8]uint64) {
	t := lpsTable
	x0, x1, x2, x3 := a[0]^b[0], a[1]^b[1], a[2]^b[2], a[3]^b[3]
	x4, x5, x6, x7 := a[4]^b[4], a[5]^b[5], a[6]^b[6], a[7]^b[7]
	dst[0] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[1] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[2] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[3] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[4] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[5] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[6] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
	x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
	dst[7] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
		t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
}

// streebog is the hash state: the chaining value h, the bit counter N and the checksum Σ of the
// standard, plus the bytes of an incomplete block.
type streebog struct {
	h, n, sigma [8]uint64
	buf         [streebogBlockSize]byte
	nbuf        int
	size        int
}

func newStreebog(size int) *streebog {
	s := &streebog{size: size}
	s.Reset()
	return s
}

// Reset restores the initial state: IV 0^512 for Streebog-512, (00000001)^64 for Streebog-256.
func (s *streebog) Reset() {
	iv := uint64(0)
	if s.size == 32 {
		iv = 0x0101010101010101
	}
	s.h = [8]uint64{iv, iv, iv, iv, iv, iv, iv, iv}
	s.n = [8]uint64{}
	s.sigma = [8]uint64{}
	s.nbuf = 0
}

// Size returns 32 or 64.
func (s *streebog) Size() int { return s.size }

// BlockSize returns 64.
func (s *streebog) BlockSize() int { return streebogBlockSize }

// Write absorbs p; it never fails.
func (s *streebog) Write(p []byte) (int, error) {
	n := len(p)
	if s.nbuf > 0 {
		c := copy(s.buf[s.nbuf:], p)
		s.nbuf += c
		p = p[c:]
		if s.nbuf < streebogBlockSize {
			return n, nil
		}
		s.block(&s.buf, 512)
		s.nbuf = 0
	}
	for len(p) >= streebogBlockSize {
		s.block((*[streebogBlockSize]byte)(p), 512)
		p = p[streebogBlockSize:]
	}
	s.nbuf = copy(s.buf[:], p)
	return n, nil
}

// Clone returns an independent copy of the state, as the standard library's hashes do.
func (s *streebog) Clone() (hash.Cloner, error) {
	c := *s
	return &c, nil
}

// Sum appends the digest of what was written so far to in; the state is left as it was.
func (s *streebog) Sum(in []byte) []byte {
	d := *s
	var out [64]byte
	d.final(&out)
	if d.size == 32 {
		// The 256-bit digest is the most significant half of the final h.
		return append(in, out[32:]...)
	}
	return append(in, out[:]...)
}

// final pads the last block (the message bits, then a one bit, then zeros up to 512) and runs the
// finishing compressions with N and Σ.
func (s *streebog) final(out *[64]byte) {
	var last [streebogBlockSize]byte
	copy(last[:], s.buf[:s.nbuf])
	last[s.nbuf] = 1
	s.block(&last, uint64(s.nbuf)*8)
	var zero [8]uint64
	compress(&s.h, &zero, &s.n)
	compress(&s.h, &zero, &s.sigma)
	for k, w := range s.h {
		binary.LittleEndian.PutUint64(out[8*k:], w)
	}
}

// block compresses one 64-byte block holding bitLen message bits (512, or fewer for the padded last
// block): h = g_N(h, m), N += bitLen, Σ += m.
func (s *streebog) block(p *[streebogBlockSize]byte, bitLen uint64) {
	var m [8]uint64
	for k := range m {
		m[k] = binary.LittleEndian.Uint64(p[8*k:])
	}
	compress(&s.h, &s.n, &m)
	var c uint64
	s.n[0], c = bits.Add64(s.n[0], bitLen, 0)
	for k := 1; k < 8; k++ {
		s.n[k], c = bits.Add64(s.n[k], 0, c)
	}
	c = 0
	for k := range m {
		s.sigma[k], c = bits.Add64(s.sigma[k], m[k], c)
	}
}

// compress is the compression function g_N(h, m) = E(LPS(h ⊕ N), m) ⊕ h ⊕ m, with
// E(K, m) = X[K13] LPSX[K12] … LPSX[K1] (m) and K_(i+1) = LPS(K_i ⊕ C_i).
//
// Each round computes x = LPS(x ⊕ k) and k = LPS(k ⊕ C_i), which are independent, interleaved row by
// row: x takes its bytes by shifting words held in registers, k by loading them from memory, so the
// work is spread over the processor's arithmetic and load units instead of queueing on one kind. This
// and writing the round out here rather than calling lpsx twice are each worth a few per cent.
func compress(h, n, m *[8]uint64) {
	t := lpsTable
	var k [8]uint64
	lpsx(&k, h, n)
	x := *m
	var kb [64]byte
	for i := range roundC {
		c := &roundC[i]
		for j := range 8 {
			binary.LittleEndian.PutUint64(kb[8*j:], k[j]^c[j])
		}
		x0, x1, x2, x3 := x[0]^k[0], x[1]^k[1], x[2]^k[2], x[3]^k[3]
		x4, x5, x6, x7 := x[4]^k[4], x[5]^k[5], x[6]^k[6], x[7]^k[7]
		x[0] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[0] = t[0][kb[0]] ^ t[1][kb[8]] ^ t[2][kb[16]] ^ t[3][kb[24]] ^
			t[4][kb[32]] ^ t[5][kb[40]] ^ t[6][kb[48]] ^ t[7][kb[56]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[1] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[1] = t[0][kb[1]] ^ t[1][kb[9]] ^ t[2][kb[17]] ^ t[3][kb[25]] ^
			t[4][kb[33]] ^ t[5][kb[41]] ^ t[6][kb[49]] ^ t[7][kb[57]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[2] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[2] = t[0][kb[2]] ^ t[1][kb[10]] ^ t[2][kb[18]] ^ t[3][kb[26]] ^
			t[4][kb[34]] ^ t[5][kb[42]] ^ t[6][kb[50]] ^ t[7][kb[58]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[3] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[3] = t[0][kb[3]] ^ t[1][kb[11]] ^ t[2][kb[19]] ^ t[3][kb[27]] ^
			t[4][kb[35]] ^ t[5][kb[43]] ^ t[6][kb[51]] ^ t[7][kb[59]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[4] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[4] = t[0][kb[4]] ^ t[1][kb[12]] ^ t[2][kb[20]] ^ t[3][kb[28]] ^
			t[4][kb[36]] ^ t[5][kb[44]] ^ t[6][kb[52]] ^ t[7][kb[60]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[5] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[5] = t[0][kb[5]] ^ t[1][kb[13]] ^ t[2][kb[21]] ^ t[3][kb[29]] ^
			t[4][kb[37]] ^ t[5][kb[45]] ^ t[6][kb[53]] ^ t[7][kb[61]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[6] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[6] = t[0][kb[6]] ^ t[1][kb[14]] ^ t[2][kb[22]] ^ t[3][kb[30]] ^
			t[4][kb[38]] ^ t[5][kb[46]] ^ t[6][kb[54]] ^ t[7][kb[62]]
		x0, x1, x2, x3, x4, x5, x6, x7 = x0>>8, x1>>8, x2>>8, x3>>8, x4>>8, x5>>8, x6>>8, x7>>8
		x[7] = t[0][byte(x0)] ^ t[1][byte(x1)] ^ t[2][byte(x2)] ^ t[3][byte(x3)] ^
			t[4][byte(x4)] ^ t[5][byte(x5)] ^ t[6][byte(x6)] ^ t[7][byte(x7)]
		k[7] = t[0][kb[7]] ^ t[1][kb[15]] ^ t[2][kb[23]] ^ t[3][kb[31]] ^
			t[4][kb[39]] ^ t[5][kb[47]] ^ t[6][kb[55]] ^ t[7][kb[63]]
	}
	for i := range h {
		h[i] ^= k[i] ^ x[i] ^ m[i]
	}
}

var _ hash.Cloner = (*streebog)(nil)
