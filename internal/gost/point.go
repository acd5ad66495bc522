package gost

import "errors"

// This file validates points that arrive from outside (SPKI, PKCS#8 public key checks); the arithmetic
// is the fixed-size code of curve4.go and curve8.go.

var (
	errCoordinateRange = errors.New("gost: public key coordinate is out of range")
	errNotOnCurve      = errors.New("gost: public key point is not on the curve")
	errNotInSubgroup   = errors.New("gost: public key point is not in the prime-order subgroup")
)

// checkPoint refuses coordinates outside the field, points off the curve, and points outside the
// prime-order subgroup (possible on the cofactor-4 curves tc26-256-A and tc26-512-C). xy is the
// big-endian x || y, each of the key size. The identity has no affine encoding, so it cannot pass.
func (ps *ParamSet) checkPoint(xy []byte) error {
	return ps.impl.checkPoint(xy, ps.cofactor != 1)
}
