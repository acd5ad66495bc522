package gost

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// These tests feed the exported API public keys and signatures it must refuse, with an error and
// without a panic, whatever implementation sits behind it. To build the points they write out each
// curve's domain parameters (y^2 = x^3 + ax + b over GF(p), base point G of prime order q) and do
// plain affine arithmetic on math/big; TestInvalidDomainTable ties the table to kcr's own keys.

type wCurve struct {
	p, a, b, q, gx, gy *big.Int
}

// wPoint is an affine point; inf marks the point at infinity.
type wPoint struct {
	x, y *big.Int
	inf  bool
}

func wHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

func newWCurve(p, a, b, q, gx, gy string) *wCurve {
	return &wCurve{wHex(p), wHex(a), wHex(b), wHex(q), wHex(gx), wHex(gy)}
}

var (
	wCurveTC26256A = newWCurve("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
		"c2173f1513981673af4892c23035a27ce25e2013bf95aa33b22c656f277e7335",
		"295f9bae7428ed9ccc20e7c359a9d41a22fccd9108e17bf7ba9337a6f8ae9513",
		"400000000000000000000000000000000fd8cddfc87b6635c115af556c360c67",
		"91e38443a5e82c0d880923425712b2bb658b9196932e02c78b2582fe742daa28",
		"32879423ab1a0375895786c4bb46e9565fde0b5344766740af268adb32322e5c")
	wCurveCryptoProA = newWCurve("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd94",
		"a6",
		"ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893",
		"1",
		"8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14")
	wCurveCryptoProB = newWCurve("8000000000000000000000000000000000000000000000000000000000000c99",
		"8000000000000000000000000000000000000000000000000000000000000c96",
		"3e1af419a269a5f866a7d3c25c3df80ae979259373ff2b182f49d4ce7e1bbc8b",
		"800000000000000000000000000000015f700cfff1a624e5e497161bcc8a198f",
		"1",
		"3fa8124359f96680b83d1c3eb2c070e5c545c9858d03ecfb744bf8d717717efc")
	wCurveCryptoProC = newWCurve("9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d759b",
		"9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d7598",
		"805a",
		"9b9f605f5a858107ab1ec85e6b41c8aa582ca3511eddfb74f02f3a6598980bb9",
		"0",
		"41ece55743711a8c3cbf3783cd08c0ee4d4dc440d4641a8f366e550dfdb3bb67")
	wCurveTC26512A = newWCurve("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc7",
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc4",
		"e8c2505dedfc86ddc1bd0b2b6667f1da34b82574761cb0e879bd081cfd0b6265ee3cb090f30d27614cb4574010da90dd862ef9d4ebee4761503190785a71c760",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff27e69532f48d89116ff22b8d4e0560609b4b38abfad2b85dcacdb1411f10b275",
		"3",
		"7503cfe87a836ae3a61b8816e25450e6ce5e1c93acf1abc1778064fdcbefa921df1626be4fd036e93d75e6a50e3a41e98028fe5fc235f5b889a589cb5215f2a4")
	wCurveTC26512B = newWCurve("8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006f",
		"8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006c",
		"687d1b459dc841457e3e06cf6f5e2517b97c7d614af138bcbf85dc806c4b289f3e965d2db1416d217f8b276fad1ab69c50f78bee1fa3106efb8ccbc7c5140116",
		"800000000000000000000000000000000000000000000000000000000000000149a1ec142565a545acfdb77bd9d40cfa8b996712101bea0ec6346c54374f25bd",
		"2",
		"1a8f7eda389b094c2c071e3647a8940f3c123b697578c213be6dd9e6c8ec7335dcb228fd1edf4a39152cbcaaf8c0398828041055f94ceeec7e21340780fe41bd")
	wCurveTC26512C = newWCurve("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdc7",
		"dc9203e514a721875485a529d2c722fb187bc8980eb866644de41c68e143064546e861c0e2c9edd92ade71f46fcf50ff2ad97f951fda9f2a2eb6546f39689bd3",
		"b4c4ee28cebc6c2c8ac12952cf37f16ac7efb6a9f69f4b57ffda2e4f0de5ade038cbc2fff719d2c18de0284b8bfef3b52b8cc7a5f5bf0a3c8d2319a5312557e1",
		"3fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc98cdba46506ab004c33a9ff5147502cc8eda9e7a769a12694623cef47f023ed",
		"e2e31edfc23de7bdebe241ce593ef5de2295b7a9cbaef021d385f7074cea043aa27272a7ae602bf2a7b9033db9ed3610c6fb85487eae97aac5bc7928c1950148",
		"f5ce40d95b5eb899abbccff5911cb8577939804d6527378b8c108c3d2090ff9be18e2d33e3021ed2ef32d85822423b6304f726aa854bae07d0396e9a9addc40f")
)

// wCurves maps each production set to its curve (R 1323565.1.024-2019: the TC26 256-bit B..D sets and
// the CryptoPro exchange sets reuse the CryptoPro curves).
var wCurves = map[string]*wCurve{
	"tc26-256-A":     wCurveTC26256A,
	"tc26-256-B":     wCurveCryptoProA,
	"tc26-256-C":     wCurveCryptoProB,
	"tc26-256-D":     wCurveCryptoProC,
	"cryptopro-A":    wCurveCryptoProA,
	"cryptopro-B":    wCurveCryptoProB,
	"cryptopro-C":    wCurveCryptoProC,
	"cryptopro-XchA": wCurveCryptoProA,
	"cryptopro-XchB": wCurveCryptoProC,
	"tc26-512-A":     wCurveTC26512A,
	"tc26-512-B":     wCurveTC26512B,
	"tc26-512-C":     wCurveTC26512C,
}

func (c *wCurve) g() wPoint { return wPoint{x: c.gx, y: c.gy} }

func (c *wCurve) rhs(x *big.Int) *big.Int {
	r := new(big.Int).Mul(x, x)
	r.Add(r, c.a)
	r.Mul(r, x)
	r.Add(r, c.b)
	return r.Mod(r, c.p)
}

func (c *wCurve) onCurve(pt wPoint) bool {
	if pt.inf {
		return true
	}
	y2 := new(big.Int).Mul(pt.y, pt.y)
	return y2.Mod(y2, c.p).Cmp(c.rhs(pt.x)) == 0
}

// lift returns a point with abscissa x, if there is one.
func (c *wCurve) lift(x *big.Int) (wPoint, bool) {
	y := new(big.Int).ModSqrt(c.rhs(x), c.p)
	if y == nil {
		return wPoint{}, false
	}
	return wPoint{x: new(big.Int).Set(x), y: y}, true
}

func (c *wCurve) add(p1, p2 wPoint) wPoint {
	switch {
	case p1.inf:
		return p2
	case p2.inf:
		return p1
	}
	var num, den *big.Int
	if p1.x.Cmp(p2.x) == 0 {
		sum := new(big.Int).Add(p1.y, p2.y)
		if sum.Mod(sum, c.p).Sign() == 0 {
			return wPoint{inf: true}
		}
		num = new(big.Int).Mul(p1.x, p1.x)
		num.Mul(num, big.NewInt(3)).Add(num, c.a)
		den = new(big.Int).Lsh(p1.y, 1)
	} else {
		num = new(big.Int).Sub(p2.y, p1.y)
		den = new(big.Int).Sub(p2.x, p1.x)
	}
	den.Mod(den, c.p).ModInverse(den, c.p)
	l := num.Mul(num, den)
	l.Mod(l, c.p)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, p1.x).Sub(x, p2.x).Mod(x, c.p)
	y := new(big.Int).Sub(p1.x, x)
	y.Mul(y, l).Sub(y, p1.y).Mod(y, c.p)
	return wPoint{x: x, y: y}
}

func (c *wCurve) mul(k *big.Int, pt wPoint) wPoint {
	r := wPoint{inf: true}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = c.add(r, r)
		if k.Bit(i) == 1 {
			r = c.add(r, pt)
		}
	}
	return r
}

// cofactor is #E/q, by rounding (p+1)/q: Hasse bounds the trace by 2*sqrt(p), well below q/2 here.
func (c *wCurve) cofactor() int64 {
	h := new(big.Int).Add(c.p, big.NewInt(1))
	h.Add(h, new(big.Int).Rsh(c.q, 1))
	return h.Quo(h, c.q).Int64()
}

// smallOrder returns a point of order 2 or 4: q times a point off the subgroup (cofactor-4 curves only).
func (c *wCurve) smallOrder(t *testing.T) wPoint {
	for x := int64(1); x < 10_000; x++ {
		if pt, ok := c.lift(big.NewInt(x)); ok {
			if s := c.mul(c.q, pt); !s.inf {
				return s
			}
		}
	}
	t.Fatal("no point outside the prime-order subgroup")
	return wPoint{}
}

// wLE is n as size little-endian bytes, n < 2^(8*size).
func wLE(n *big.Int, size int) []byte {
	b := n.FillBytes(make([]byte, size))
	for i, j := 0, size-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

func wRaw(x, y *big.Int, size int) []byte { return append(wLE(x, size), wLE(y, size)...) }

// wSPKI is an SPKI holding raw as the key of ps, however wrong raw is.
func wSPKI(ps *ParamSet, raw []byte) []byte {
	keyOID := OIDPublicKey256
	if ps.Size == 64 {
		keyOID = OIDPublicKey512
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(keyOID)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(ps.OID) })
		})
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddASN1OctetString(raw)
		})
	})
	return b.BytesOrPanic()
}

// wRefused fails unless f returns an error; a panic fails too, with its value.
func wRefused(t *testing.T, what string, f func() error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", what, r)
		}
	}()
	if f() == nil {
		t.Errorf("%s: accepted", what)
	}
}

// generatedSets are the sets kcr makes keys for (the RFC example sets only verify).
func generatedSets() []*ParamSet {
	var sets []*ParamSet
	for _, ps := range ParamSets() {
		if !ps.IsTest() {
			sets = append(sets, ps)
		}
	}
	return sets
}

func wSetup(t *testing.T, ps *ParamSet) (*wCurve, *rand.ChaCha8) {
	c := wCurves[ps.Name]
	if c == nil {
		t.Fatalf("no curve for %s in the table", ps.Name)
	}
	var seed [32]byte
	copy(seed[:], "invalid "+ps.Name)
	return c, rand.NewChaCha8(seed)
}

// The table is right (G on the curve, of order q, the cofactors) and is kcr's curve: a key kcr makes
// lies on it, and kcr's public key of d = 1 is G.
func TestInvalidDomainTable(t *testing.T) {
	for _, ps := range generatedSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			c, rng := wSetup(t, ps)
			if !c.onCurve(c.g()) || !c.mul(c.q, c.g()).inf {
				t.Fatal("G is not a point of order q")
			}
			want := int64(1)
			if ps.Name == "tc26-256-A" || ps.Name == "tc26-512-C" {
				want = 4
			}
			if h := c.cofactor(); h != want {
				t.Fatalf("cofactor %d, want %d", h, want)
			}
			k, err := GenerateKey(rng, ps)
			if err != nil {
				t.Fatal(err)
			}
			raw := k.Public().Raw()
			x, y := new(big.Int).SetBytes(wReversed(raw[:ps.Size])), new(big.Int).SetBytes(wReversed(raw[ps.Size:]))
			if !c.onCurve(wPoint{x: x, y: y}) {
				t.Fatal("kcr's key is not on the table's curve")
			}
			one, err := ParsePKCS8(wPKCS8(t, k, big.NewInt(1)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(one.Public().Raw(), wRaw(c.gx, c.gy, ps.Size)) {
				t.Fatal("kcr's 1*G is not the table's G")
			}
		})
	}
}

func wReversed(b []byte) []byte {
	r := bytes.Clone(b)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return r
}

// wPKCS8 is k's PKCS#8 with the scalar replaced by d (the raw little-endian scalar ends the DER).
func wPKCS8(t *testing.T, k *PrivateKey, d *big.Int) []byte {
	der, err := k.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	n := k.ParamSet().Size
	copy(der[len(der)-n:], wLE(d, n))
	return der
}

func TestInvalidPublicKeysRefused(t *testing.T) {
	for _, ps := range generatedSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			c, _ := wSetup(t, ps)
			n := ps.Size
			top := new(big.Int).Lsh(big.NewInt(1), uint(8*n)) // 2^(8n): what n bytes can hold
			ones := new(big.Int).Sub(top, big.NewInt(1))
			g := c.g()
			cases := map[string][]byte{
				"all zero (0,0)":          make([]byte, 2*n),
				"(0,1)":                   wRaw(big.NewInt(0), big.NewInt(1), n),
				"G with y+1":              wRaw(c.gx, new(big.Int).Add(c.gy, big.NewInt(1)), n),
				"G with x+1":              wRaw(new(big.Int).Add(c.gx, big.NewInt(1)), c.gy, n),
				"x = p":                   wRaw(c.p, c.gy, n),
				"y = p":                   wRaw(c.gx, c.p, n),
				"all ones":                bytes.Repeat([]byte{0xff}, 2*n),
				"x all ones":              wRaw(ones, c.gy, n),
				"y all ones":              wRaw(c.gx, ones, n),
				"one byte short":          wRaw(c.gx, c.gy, n)[1:],
				"one byte long":           append(wRaw(c.gx, c.gy, n), 0),
				"x only":                  wLE(c.gx, n),
				"empty":                   nil,
				"the other size's length": make([]byte, 2*(96-n)),
			}
			// A point in the subgroup with x small enough that x+p still fits: (x+p, y) is that point
			// if coordinates are reduced mod p instead of refused.
			for x := int64(0); x < 2000 && new(big.Int).Add(big.NewInt(x), c.p).Cmp(top) < 0; x++ {
				if pt, ok := c.lift(big.NewInt(x)); ok && c.mul(c.q, pt).inf {
					cases["x+p of a valid point"] = wRaw(new(big.Int).Add(pt.x, c.p), pt.y, n)
					break
				}
			}
			// The same for y: some multiple of G has a y (or p-y) below 2^(8n)-p, where that is not tiny.
			if new(big.Int).Sub(top, c.p).BitLen() > 8*n-8 {
				pt := g
				for range 100 {
					y := pt.y
					if alt := new(big.Int).Sub(c.p, y); alt.Cmp(y) < 0 {
						y = alt
					}
					if yp := new(big.Int).Add(y, c.p); yp.Cmp(top) < 0 {
						cases["y+p of a valid point"] = wRaw(pt.x, yp, n)
						break
					}
					pt = c.add(pt, g)
				}
			}
			if c.cofactor() != 1 {
				s := c.smallOrder(t)
				cases["small order point"] = wRaw(s.x, s.y, n)
				if s2 := c.add(s, s); !s2.inf {
					cases["point of order 2"] = wRaw(s2.x, s2.y, n)
				}
				mixed := c.add(g, s)
				cases["G plus a small order point"] = wRaw(mixed.x, mixed.y, n)
			}
			for name, raw := range cases {
				spki := wSPKI(ps, raw)
				wRefused(t, name+": ParseSPKI", func() error { _, err := ParseSPKI(spki); return err })
				wRefused(t, name+": VerifySignature", func() error {
					return VerifySignature(spki, signatureOID(ps), []byte("m"), make([]byte, 2*n))
				})
			}
			// The valid point the cases start from parses, or the refusals above prove nothing.
			if _, err := ParseSPKI(wSPKI(ps, wRaw(c.gx, c.gy, n))); err != nil {
				t.Fatalf("G refused: %v", err)
			}
		})
	}
}

func signatureOID(ps *ParamSet) asn1.ObjectIdentifier {
	if ps.Size == 64 {
		return OIDSignature512
	}
	return OIDSignature256
}

// A private scalar that is 0 mod q is refused.
func TestInvalidPrivateScalarsRefused(t *testing.T) {
	for _, ps := range generatedSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			c, rng := wSetup(t, ps)
			k, err := GenerateKey(rng, ps)
			if err != nil {
				t.Fatal(err)
			}
			for name, d := range map[string]*big.Int{"0": big.NewInt(0), "q": c.q} {
				der := wPKCS8(t, k, d)
				wRefused(t, "d = "+name, func() error { _, err := ParsePKCS8(der); return err })
			}
		})
	}
}

func TestInvalidSignaturesRefused(t *testing.T) {
	for _, ps := range generatedSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			c, rng := wSetup(t, ps)
			n := ps.Size
			top := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
			k, err := GenerateKey(rng, ps)
			if err != nil {
				t.Fatal(err)
			}
			pub := k.Public()
			msg := []byte("invalid signatures for " + ps.Name)
			be := func(v *big.Int) []byte { return v.FillBytes(make([]byte, n)) }
			sr := func(s, r *big.Int) []byte { return append(be(s), be(r)...) }
			// split reads a signature: s then r, big-endian.
			split := func(sig []byte) (s, r *big.Int) {
				return new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
			}
			sig, err := k.Sign(rng, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify(msg, sig); err != nil {
				t.Fatalf("a good signature is refused: %v", err)
			}
			s, r := split(sig)
			zero, ones := big.NewInt(0), new(big.Int).Sub(top, big.NewInt(1))
			cases := map[string][]byte{
				"r = 0":            sr(s, zero),
				"s = 0":            sr(zero, r),
				"all zero":         make([]byte, 2*n),
				"r = q":            sr(s, c.q),
				"s = q":            sr(c.q, r),
				"r = q, s = q":     sr(c.q, c.q),
				"r = 2^n-1":        sr(s, ones),
				"s = 2^n-1":        sr(ones, r),
				"all ones":         bytes.Repeat([]byte{0xff}, 2*n),
				"r || s":           sr(r, s),
				"one byte short":   sig[:2*n-1],
				"one byte long":    append(bytes.Clone(sig), 0),
				"leading zero":     append([]byte{0}, sig...),
				"half":             sig[:n],
				"empty":            nil,
				"twice":            append(bytes.Clone(sig), sig...),
				"the other size's": make([]byte, 2*(96-n)),
				"r = 1, s = 1":     sr(big.NewInt(1), big.NewInt(1)),
				"r = q-1, s = q-1": sr(new(big.Int).Sub(c.q, big.NewInt(1)), new(big.Int).Sub(c.q, big.NewInt(1))),
			}
			// r+q and s+q are the good signature again mod q: a verifier that reduces instead of
			// refusing accepts them. They fit in n bytes only where q is well below 2^(8n); look for a
			// signature small enough where the odds allow it.
			fits := new(big.Int).Sub(top, c.q).BitLen() >= 8*n-16 // else a fitting r or s is too rare to find
			for i := 0; fits && (cases["r+q"] == nil || cases["s+q"] == nil); i++ {
				if i == 64 {
					t.Fatal("found no signature for the r+q and s+q cases")
				}
				if rq := new(big.Int).Add(r, c.q); cases["r+q"] == nil && rq.Cmp(top) < 0 {
					cases["r+q"] = sr(s, rq)
				}
				if sq := new(big.Int).Add(s, c.q); cases["s+q"] == nil && sq.Cmp(top) < 0 {
					cases["s+q"] = sr(sq, r)
				}
				if sig, err = k.Sign(rng, msg); err != nil {
					t.Fatal(err)
				}
				s, r = split(sig)
			}
			for name, bad := range cases {
				wRefused(t, name+": Verify", func() error { return pub.Verify(msg, bad) })
				spki, err := pub.MarshalSPKI()
				if err != nil {
					t.Fatal(err)
				}
				wRefused(t, name+": VerifySignature", func() error { return VerifySignature(spki, signatureOID(ps), msg, bad) })
			}
		})
	}
}

// A signature made under one parameter set does not verify under another: the same raw key bytes
// labelled with another set are off that set's curve (or of the wrong length), and another set's key
// refuses the signature. Sets that share a curve (tc26-256-B, cryptopro-A and cryptopro-XchA, say) are
// the same group, so there the relabelled key does verify: checked too, as it pins the table down.
func TestInvalidCrossParamSet(t *testing.T) {
	sets := generatedSets()
	type signedBy struct {
		key      *PrivateKey
		msg, sig []byte
	}
	signed := map[string]signedBy{}
	for _, ps := range sets {
		_, rng := wSetup(t, ps)
		k, err := GenerateKey(rng, ps)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("cross " + ps.Name)
		sig, err := k.Sign(rng, msg)
		if err != nil {
			t.Fatal(err)
		}
		signed[ps.Name] = signedBy{k, msg, sig}
	}
	for _, from := range sets {
		t.Run(from.Name, func(t *testing.T) {
			t.Parallel()
			src := signed[from.Name]
			raw := src.key.Public().Raw()
			for _, to := range sets {
				if to == from {
					continue
				}
				what := fmt.Sprintf("%s key relabelled %s", from.Name, to.Name)
				spki := wSPKI(to, raw)
				if wCurves[to.Name] == wCurves[from.Name] {
					if err := VerifySignature(spki, signatureOID(to), src.msg, src.sig); err != nil {
						t.Errorf("%s, same curve: %v", what, err)
					}
					continue
				}
				wRefused(t, what, func() error { _, err := ParseSPKI(spki); return err })
				wRefused(t, what+": VerifySignature", func() error {
					return VerifySignature(spki, signatureOID(from), src.msg, src.sig)
				})
				other := signed[to.Name].key.Public()
				wRefused(t, fmt.Sprintf("%s signature under a %s key", from.Name, to.Name),
					func() error { return other.Verify(src.msg, src.sig) })
			}
			// The key's own SPKI with the signature algorithm of the other size.
			spki, _ := src.key.Public().MarshalSPKI()
			otherAlg := OIDSignature512
			if from.Size == 64 {
				otherAlg = OIDSignature256
			}
			wRefused(t, "signature algorithm of the other size", func() error {
				return VerifySignature(spki, otherAlg, src.msg, src.sig)
			})
		})
	}
}
