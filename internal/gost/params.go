package gost

import (
	"encoding/asn1"
	"math/big"

	"github.com/ddulesov/gogost/gost3410"
)

// Algorithm identifiers of RFC 9215.
var (
	OIDPublicKey256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1} // id-tc26-gost3410-12-256
	OIDPublicKey512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2} // id-tc26-gost3410-12-512
	OIDSignature256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2} // id-tc26-signwithdigest-gost3410-12-256
	OIDSignature512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3} // id-tc26-signwithdigest-gost3410-12-512
	OIDDigest256    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2} // id-tc26-gost3411-12-256
	OIDDigest512    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3} // id-tc26-gost3411-12-512
)

// oidCryptoProArc is the CryptoPro arc (1.2.643.2.2) the GOST R 34.10-2001 parameter sets live under.
// RFC 9215 §4.2 wants the digestParamSet present in the key parameters for those sets and absent for
// the TC26 sets, so the arc decides how a key is marshalled.
var oidCryptoProArc = asn1.ObjectIdentifier{1, 2, 643, 2, 2}

// oidPublicKey2001 is GOST R 34.10-2001's key algorithm; it is recognised only to refuse it by name.
var oidPublicKey2001 = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}

// ParamSet is a named GOST R 34.10-2012 curve (a "parameter set").
type ParamSet struct {
	// Name is kcr's short name, e.g. "tc26-256-A", "cryptopro-XchA", "tc26-512-C", "test-256".
	Name string
	// OID identifies the set in SubjectPublicKeyInfo and PKCS#8 parameters.
	OID asn1.ObjectIdentifier
	// Size is the key size in bytes: 32 for 256-bit keys, 64 for 512-bit keys.
	Size int

	curve    *gost3410.Curve // template: read-only, never handed to gogost directly (see newCurve)
	cofactor int64           // #E / q; a point on the curve also needs an order check when it is not 1
	test     bool            // RFC example set: verify only
}

// IsTest reports whether the set is one of the RFC example sets (test-256, tc26-512-test), which kcr
// accepts for verifying published examples but never generates or loads private keys for.
func (ps *ParamSet) IsTest() bool { return ps.test }

// String returns the set's name.
func (ps *ParamSet) String() string { return ps.Name }

// digestInParams reports whether the key's AlgorithmIdentifier parameters carry the digest OID.
func (ps *ParamSet) digestInParams() bool {
	return len(ps.OID) > len(oidCryptoProArc) && ps.OID[:len(oidCryptoProArc)].Equal(oidCryptoProArc)
}

// keyOID, sigOID and digestOID are the algorithm identifiers that go with the set's key size.
func (ps *ParamSet) keyOID() asn1.ObjectIdentifier {
	if ps.Size == 64 {
		return OIDPublicKey512
	}
	return OIDPublicKey256
}

func (ps *ParamSet) sigOID() asn1.ObjectIdentifier {
	if ps.Size == 64 {
		return OIDSignature512
	}
	return OIDSignature256
}

func (ps *ParamSet) digestOID() asn1.ObjectIdentifier {
	if ps.Size == 64 {
		return OIDDigest512
	}
	return OIDDigest256
}

// digest hashes msg with the Streebog variant that goes with the key size.
func (ps *ParamSet) digest(msg []byte) []byte {
	if ps.Size == 64 {
		return Digest512(msg)
	}
	return Digest256(msg)
}

// newCurve returns a private copy of the curve for one operation. gogost's Curve carries scratch
// big.Ints that every point addition overwrites, so sharing one value between goroutines (a CA signs
// concurrently) would be a data race that silently yields wrong points. NewCurve shares the read-only
// domain parameters and allocates fresh scratch space, which costs a few multiplications.
func (ps *ParamSet) newCurve() *gost3410.Curve {
	c := ps.curve
	curve, err := gost3410.NewCurve(c.Name, c.P, c.Q, c.A, c.B, c.X, c.Y, c.E, c.D)
	if err != nil {
		panic("gost: domain parameters of " + ps.Name + " are invalid: " + err.Error())
	}
	return curve
}

func (ps *ParamSet) mode() gost3410.Mode { return gost3410.Mode(ps.Size) }

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("gost: bad constant " + s)
	}
	return n
}

// curveTC26512Test is id-tc26-gost-3410-2012-512-paramSetTest, the curve of GOST R 34.10-2012's
// second example and of RFC 9215's 512-bit example; gogost v1.0.0 only has it inside a test.
func curveTC26512Test() *gost3410.Curve {
	c, err := gost3410.NewCurve("id-tc26-gost-3410-2012-512-paramSetTest",
		hexInt("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373"),
		hexInt("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF"),
		big.NewInt(7),
		hexInt("1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC"),
		hexInt("24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A"),
		hexInt("2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"),
		nil, nil)
	if err != nil {
		panic(err)
	}
	return c
}

var paramSets = func() []*ParamSet {
	oid := func(arcs ...int) asn1.ObjectIdentifier { return arcs }
	// tc26-256-B/C/D are the CryptoPro A/B/C curves under TC26 names, and XchA/XchB are CryptoPro A/C
	// again (R 1323565.1.024-2019); the OID is what distinguishes them on the wire.
	sets := []*ParamSet{
		{Name: "tc26-256-A", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 1), Size: 32, curve: gost3410.CurveIdtc26gost34102012256paramSetA()},
		{Name: "tc26-256-B", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 2), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProAParamSet()},
		{Name: "tc26-256-C", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 3), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProBParamSet()},
		{Name: "tc26-256-D", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 4), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProCParamSet()},
		{Name: "cryptopro-A", OID: oid(1, 2, 643, 2, 2, 35, 1), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProAParamSet()},
		{Name: "cryptopro-B", OID: oid(1, 2, 643, 2, 2, 35, 2), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProBParamSet()},
		{Name: "cryptopro-C", OID: oid(1, 2, 643, 2, 2, 35, 3), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProCParamSet()},
		{Name: "cryptopro-XchA", OID: oid(1, 2, 643, 2, 2, 36, 0), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProXchAParamSet()},
		{Name: "cryptopro-XchB", OID: oid(1, 2, 643, 2, 2, 36, 1), Size: 32, curve: gost3410.CurveIdGostR34102001CryptoProXchBParamSet()},
		{Name: "tc26-512-A", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 1), Size: 64, curve: gost3410.CurveIdtc26gost341012512paramSetA()},
		{Name: "tc26-512-B", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 2), Size: 64, curve: gost3410.CurveIdtc26gost341012512paramSetB()},
		{Name: "tc26-512-C", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 3), Size: 64, curve: gost3410.CurveIdtc26gost34102012512paramSetC()},
		{Name: "test-256", OID: oid(1, 2, 643, 2, 2, 35, 0), Size: 32, curve: gost3410.CurveIdGostR34102001TestParamSet(), test: true},
		{Name: "tc26-512-test", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 0), Size: 64, curve: curveTC26512Test(), test: true},
	}
	for _, ps := range sets {
		// Hasse: #E = p+1-t with |t| <= 2*sqrt(p), and q > 4*sqrt(p) for every set here, so rounding
		// (p+1)/q gives the cofactor exactly. Computing it beats copying two "4"s from the standards.
		c := ps.curve
		h := new(big.Int).Add(c.P, big.NewInt(1))
		h.Add(h, new(big.Int).Rsh(c.Q, 1))
		h.Quo(h, c.Q)
		ps.cofactor = h.Int64()
	}
	return sets
}()

// ParamSets returns every supported parameter set, the RFC test sets included (see [ParamSet.IsTest]).
func ParamSets() []*ParamSet {
	return append([]*ParamSet(nil), paramSets...)
}

// ParamSetByOID looks a parameter set up by its OID.
func ParamSetByOID(oid asn1.ObjectIdentifier) (*ParamSet, bool) {
	for _, ps := range paramSets {
		if ps.OID.Equal(oid) {
			return ps, true
		}
	}
	return nil, false
}

// ParamSetByName looks a parameter set up by its [ParamSet.Name].
func ParamSetByName(name string) (*ParamSet, bool) {
	for _, ps := range paramSets {
		if ps.Name == name {
			return ps, true
		}
	}
	return nil, false
}
