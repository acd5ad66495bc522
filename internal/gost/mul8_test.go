package gost

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// The assembly multiplication modulo 2^512 - c agrees with the generated Go and with math/big on
// random and edge inputs, any operands below 2^512 (values ≥ p included). Without ADX (or with
// -tags purego) only the Go side runs against math/big.
func TestMulSpecial8(t *testing.T) {
	for _, name := range []string{"tc26-512-A", "tc26-512-C"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ps, _ := ParamSetByName(name)
			md := &ps.impl.(*curve8).p
			if md.c == 0 {
				t.Fatalf("%s: p is not 2^512 - c", name)
			}
			p := ps.curve.P
			r := new(big.Int).Lsh(big.NewInt(1), 512)
			edges := []*big.Int{
				big.NewInt(0), big.NewInt(1), big.NewInt(2),
				new(big.Int).Sub(p, big.NewInt(1)), p, new(big.Int).Add(p, big.NewInt(1)),
				new(big.Int).Sub(r, big.NewInt(1)),                        // all-ones limbs
				new(big.Int).Sub(r, new(big.Int).Lsh(big.NewInt(1), 448)), // top limb all ones, others zero
				new(big.Int).Lsh(big.NewInt(1), 511),
				new(big.Int).SetUint64(^uint64(0)),
			}
			for range 300 {
				v, _ := rand.Int(rand.Reader, r)
				edges = append(edges, v)
			}
			for i, xb := range edges {
				for j, yb := range edges {
					if i >= 12 && j >= 12 && (i+j)%17 != 0 {
						continue // random × random: a sample suffices
					}
					x, y := fe8FromBig(xb), fe8FromBig(yb)
					want := fe8FromBig(new(big.Int).Mod(new(big.Int).Mul(xb, yb), p))
					var got fe8
					md.mulSpecialGo(&got, &x, &y)
					if got != want {
						t.Fatalf("Go: %x · %x = %x, want %x", xb, yb, got, want)
					}
					if i == j {
						md.sqrSpecialGo(&got, &x)
						if got != want {
							t.Fatalf("Go sqr: %x² = %x, want %x", xb, got, want)
						}
					}
					if !useADX {
						continue
					}
					mulSpecial8ADX(&got, &x, &y, md.c)
					if got != want {
						t.Fatalf("asm: %x · %x = %x, want %x", xb, yb, got, want)
					}
					got = x
					mulSpecial8ADX(&got, &got, &y, md.c) // z aliasing x
					if got != want {
						t.Fatalf("asm, z = x: %x · %x = %x, want %x", xb, yb, got, want)
					}
				}
			}
		})
	}
}
