package gost

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// mulSpecialImpls are, for one modulus 2^(64n) - c, the generated Go multiplication and squaring
// and the assembly multiplication (nil without ADX or with -tags purego), on big.Int operands.
type mulSpecialImpls struct {
	p             *big.Int
	goMul, asmMul func(x, y *big.Int, alias bool) *big.Int
	goSqr         func(x *big.Int) *big.Int
}

func mulSpecialFor(t *testing.T, ps *ParamSet) mulSpecialImpls {
	t.Helper()
	im := mulSpecialImpls{p: ps.curve.P}
	switch c := ps.impl.(type) {
	case *curve4:
		md := &c.p
		if md.c == 0 {
			t.Fatalf("%s: p is not 2^256 - c", ps.Name)
		}
		big4 := func(z fe4) *big.Int { return new(big.Int).SetBytes(feBytes(z[:])) }
		im.goMul = func(x, y *big.Int, _ bool) *big.Int {
			a, b := fe4FromBig(x), fe4FromBig(y)
			md.mulSpecialGo(&a, &a, &b)
			return big4(a)
		}
		im.goSqr = func(x *big.Int) *big.Int {
			a := fe4FromBig(x)
			md.sqrSpecialGo(&a, &a)
			return big4(a)
		}
		if useADX {
			im.asmMul = func(x, y *big.Int, alias bool) *big.Int {
				a, b := fe4FromBig(x), fe4FromBig(y)
				var z fe4
				if alias {
					mulSpecial4ADX(&a, &a, &b, md.c)
					return big4(a)
				}
				mulSpecial4ADX(&z, &a, &b, md.c)
				return big4(z)
			}
		}
	case *curve8:
		md := &c.p
		if md.c == 0 {
			t.Fatalf("%s: p is not 2^512 - c", ps.Name)
		}
		big8 := func(z fe8) *big.Int { return new(big.Int).SetBytes(feBytes(z[:])) }
		im.goMul = func(x, y *big.Int, _ bool) *big.Int {
			a, b := fe8FromBig(x), fe8FromBig(y)
			md.mulSpecialGo(&a, &a, &b)
			return big8(a)
		}
		im.goSqr = func(x *big.Int) *big.Int {
			a := fe8FromBig(x)
			md.sqrSpecialGo(&a, &a)
			return big8(a)
		}
		if useADX {
			im.asmMul = func(x, y *big.Int, alias bool) *big.Int {
				a, b := fe8FromBig(x), fe8FromBig(y)
				var z fe8
				if alias {
					mulSpecial8ADX(&a, &a, &b, md.c)
					return big8(a)
				}
				mulSpecial8ADX(&z, &a, &b, md.c)
				return big8(z)
			}
		}
	}
	return im
}

// feBytes is little-endian limbs as big-endian bytes.
func feBytes(limbs []uint64) []byte {
	b := make([]byte, 8*len(limbs))
	for i, v := range limbs {
		for j := range 8 {
			b[len(b)-1-8*i-j] = byte(v >> (8 * j))
		}
	}
	return b
}

// The assembly multiplication modulo 2^(64n) - c agrees with the generated Go and with math/big on
// random and edge inputs, any operands below 2^(64n) (values ≥ p included), with and without z
// aliasing x. Without ADX (or with -tags purego) only the Go side runs against math/big.
func TestMulSpecial(t *testing.T) {
	for _, name := range []string{"tc26-256-A", "tc26-512-A", "tc26-512-C"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ps, _ := ParamSetByName(name)
			im := mulSpecialFor(t, ps)
			p := im.p
			r := new(big.Int).Lsh(big.NewInt(1), uint(8*ps.Size))
			edges := []*big.Int{
				big.NewInt(0), big.NewInt(1), big.NewInt(2),
				new(big.Int).Sub(p, big.NewInt(1)), p, new(big.Int).Add(p, big.NewInt(1)),
				new(big.Int).Sub(r, big.NewInt(1)),                                       // all-ones limbs
				new(big.Int).Sub(r, new(big.Int).Lsh(big.NewInt(1), uint(8*ps.Size-64))), // top limb all ones
				new(big.Int).Rsh(r, 1),
				new(big.Int).SetUint64(^uint64(0)),
			}
			nEdges := len(edges)
			for range 300 {
				v, _ := rand.Int(rand.Reader, r)
				edges = append(edges, v)
			}
			for i, x := range edges {
				for j, y := range edges {
					if i >= nEdges && j >= nEdges && (i+j)%17 != 0 {
						continue // random × random: a sample suffices
					}
					want := new(big.Int).Mod(new(big.Int).Mul(x, y), p)
					if got := im.goMul(x, y, false); got.Cmp(want) != 0 {
						t.Fatalf("Go: %x · %x = %x, want %x", x, y, got, want)
					}
					if i == j {
						if got := im.goSqr(x); got.Cmp(want) != 0 {
							t.Fatalf("Go sqr: %x² = %x, want %x", x, got, want)
						}
					}
					if im.asmMul == nil {
						continue
					}
					for _, alias := range []bool{false, true} {
						if got := im.asmMul(x, y, alias); got.Cmp(want) != 0 {
							t.Fatalf("asm (z = x: %v): %x · %x = %x, want %x", alias, x, y, got, want)
						}
					}
				}
			}
		})
	}
}
