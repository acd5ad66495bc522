package gost

import (
	"errors"
	"math/big"
)

// This file validates points that arrive from outside (SPKI, PKCS#8 public key checks). gogost trusts
// the points it is given and cannot represent the point at infinity, so the order check below uses its
// own small affine arithmetic that can. Speed does not matter here: it runs once per parsed key, and only
// on the two curves whose cofactor is not 1.

// affine is a point in affine coordinates; inf marks the point at infinity.
type affine struct {
	x, y *big.Int
	inf  bool
}

var errNotOnCurve = errors.New("gost: public key point is not on the curve")

// checkPoint refuses coordinates outside the field, points off the curve, and points outside the
// prime-order subgroup (possible on the cofactor-4 curves tc26-256-A and tc26-512-C).
func (ps *ParamSet) checkPoint(x, y *big.Int) error {
	c := ps.curve
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
		return errors.New("gost: public key coordinate is out of range")
	}
	if !ps.onCurve(x, y) {
		return errNotOnCurve
	}
	if ps.cofactor != 1 {
		if r := ps.scalarMult(c.Q, affine{x: x, y: y}); !r.inf {
			return errors.New("gost: public key point is not in the prime-order subgroup")
		}
	}
	return nil
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

// scalarMult returns k*pt by left-to-right double-and-add (variable time: public inputs only).
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
