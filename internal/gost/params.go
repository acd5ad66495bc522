package gost

import (
	"encoding/asn1"
	"math/big"
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

	curve    *domain   // the domain parameters as big.Int: initialisation, key parsing and tests only
	impl     curveImpl // the fixed-size arithmetic every key operation runs on
	cofactor int64     // #E / q; a point on the curve also needs an order check when it is not 1
	test     bool      // RFC example set: verify only
}

// domain holds a curve's public domain parameters: y² = x³ + A·x + B mod P, base point (X, Y) of prime
// order Q.
type domain struct {
	P, Q, A, B, X, Y *big.Int
	// D is d of the curve's twisted Edwards form u² + v² = 1 + d·u²·v² (e = 1), for the two sets
	// R 1323565.1.024-2019 defines that way; nil for the others.
	D *big.Int
}

//go:generate go run gen_curve.go
//go:generate go run gen_asm.go

// curveImpl is the fixed-size arithmetic of one curve (curve4 for 256-bit sets, curve8 for 512-bit
// ones, generated from curve.go.tmpl). Scalars and coordinates cross it as big-endian byte strings
// of the key size; digests as the hash function outputs them.
type curveImpl interface {
	publicKey(out, d []byte)
	sign(sig, d, k, digest []byte) bool
	verify(xy []byte, pre any, digest, sig []byte) bool
	precompute(xy []byte) any
	checkPoint(xy []byte, subgroup bool) error
	reduceNonce(out, wide []byte)
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

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("gost: bad constant " + s)
	}
	return n
}

// The domain parameters, from GOST R 34.10-2012 (the examples), R 1323565.1.024-2019 (TC26) and
// RFC 4357 (CryptoPro); tc26-256-B/C/D and cryptopro-XchA/XchB reuse the CryptoPro A/B/C curves.
// TestParamSetTable and the RFC 9215 vectors check them.

// id-tc26-gost-3410-2012-256-paramSetA (a twisted Edwards curve, cofactor 4).
var curveTC26256A = &domain{
	P: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97"),
	Q: hexInt("400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67"),
	A: hexInt("C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335"),
	B: hexInt("295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513"),
	X: hexInt("91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28"),
	Y: hexInt("32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C"),
	D: hexInt("0605F6B7C183FA81578BC39CFAD518132B9DF62897009AF7E522C32D6DC7BFFB"),
}

// id-GostR3410-2001-CryptoPro-A-ParamSet.
var curveCryptoProA = &domain{
	P: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97"),
	Q: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893"),
	A: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94"),
	B: hexInt("A6"),
	X: hexInt("1"),
	Y: hexInt("8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"),
}

// id-GostR3410-2001-CryptoPro-B-ParamSet.
var curveCryptoProB = &domain{
	P: hexInt("8000000000000000000000000000000000000000000000000000000000000C99"),
	Q: hexInt("800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F"),
	A: hexInt("8000000000000000000000000000000000000000000000000000000000000C96"),
	B: hexInt("3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B"),
	X: hexInt("1"),
	Y: hexInt("3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC"),
}

// id-GostR3410-2001-CryptoPro-C-ParamSet.
var curveCryptoProC = &domain{
	P: hexInt("9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B"),
	Q: hexInt("9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9"),
	A: hexInt("9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598"),
	B: hexInt("805A"),
	X: hexInt("0"),
	Y: hexInt("41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67"),
}

// id-tc26-gost-3410-12-512-paramSetA.
var curveTC26512A = &domain{
	P: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"),
	Q: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275"),
	A: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4"),
	B: hexInt("E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760"),
	X: hexInt("3"),
	Y: hexInt("7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"),
}

// id-tc26-gost-3410-12-512-paramSetB.
var curveTC26512B = &domain{
	P: hexInt("8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F"),
	Q: hexInt("800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD"),
	A: hexInt("8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C"),
	B: hexInt("687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116"),
	X: hexInt("2"),
	Y: hexInt("1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD"),
}

// id-tc26-gost-3410-2012-512-paramSetC (a twisted Edwards curve, cofactor 4).
var curveTC26512C = &domain{
	P: hexInt("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"),
	Q: hexInt("3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED"),
	A: hexInt("DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3"),
	B: hexInt("B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1"),
	X: hexInt("E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148"),
	Y: hexInt("F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F"),
	D: hexInt("9E4F5D8C017D8D9F13A5CF3CDF5BFE4DAB402D54198E31EBDE28A0621050439CA6B39E0A515C06B304E2CE43E79E369E91A0CFC2BC2A22B4CA302DBB33EE7550"),
}

// id-GostR3410-2001-TestParamSet, the curve of GOST R 34.10-2012's first example.
var curveTest256 = &domain{
	P: hexInt("8000000000000000000000000000000000000000000000000000000000000431"),
	Q: hexInt("8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3"),
	A: hexInt("7"),
	B: hexInt("5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E"),
	X: hexInt("2"),
	Y: hexInt("8E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8"),
}

// id-tc26-gost-3410-2012-512-paramSetTest, the curve of GOST R 34.10-2012's second example.
var curveTC26512Test = &domain{
	P: hexInt("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373"),
	Q: hexInt("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF"),
	A: hexInt("7"),
	B: hexInt("1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC"),
	X: hexInt("24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A"),
	Y: hexInt("2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"),
}

var paramSets = func() []*ParamSet {
	oid := func(arcs ...int) asn1.ObjectIdentifier { return arcs }
	// tc26-256-B/C/D are the CryptoPro A/B/C curves under TC26 names, and XchA/XchB are CryptoPro A/C
	// again (R 1323565.1.024-2019); the OID is what distinguishes them on the wire.
	sets := []*ParamSet{
		{Name: "tc26-256-A", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 1), Size: 32, curve: curveTC26256A},
		{Name: "tc26-256-B", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 2), Size: 32, curve: curveCryptoProA},
		{Name: "tc26-256-C", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 3), Size: 32, curve: curveCryptoProB},
		{Name: "tc26-256-D", OID: oid(1, 2, 643, 7, 1, 2, 1, 1, 4), Size: 32, curve: curveCryptoProC},
		{Name: "cryptopro-A", OID: oid(1, 2, 643, 2, 2, 35, 1), Size: 32, curve: curveCryptoProA},
		{Name: "cryptopro-B", OID: oid(1, 2, 643, 2, 2, 35, 2), Size: 32, curve: curveCryptoProB},
		{Name: "cryptopro-C", OID: oid(1, 2, 643, 2, 2, 35, 3), Size: 32, curve: curveCryptoProC},
		{Name: "cryptopro-XchA", OID: oid(1, 2, 643, 2, 2, 36, 0), Size: 32, curve: curveCryptoProA},
		{Name: "cryptopro-XchB", OID: oid(1, 2, 643, 2, 2, 36, 1), Size: 32, curve: curveCryptoProC},
		{Name: "tc26-512-A", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 1), Size: 64, curve: curveTC26512A},
		{Name: "tc26-512-B", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 2), Size: 64, curve: curveTC26512B},
		{Name: "tc26-512-C", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 3), Size: 64, curve: curveTC26512C},
		{Name: "test-256", OID: oid(1, 2, 643, 2, 2, 35, 0), Size: 32, curve: curveTest256, test: true},
		{Name: "tc26-512-test", OID: oid(1, 2, 643, 7, 1, 2, 1, 2, 0), Size: 64, curve: curveTC26512Test, test: true},
	}
	// Sets that share a curve share its arithmetic (and its lazily built base-point table).
	impls := map[*domain]curveImpl{}
	for _, ps := range sets {
		// Hasse: #E = p+1-t with |t| <= 2*sqrt(p), and q > 4*sqrt(p) for every set here, so rounding
		// (p+1)/q gives the cofactor exactly. Computing it beats copying two "4"s from the standards.
		c := ps.curve
		h := new(big.Int).Add(c.P, big.NewInt(1))
		h.Add(h, new(big.Int).Rsh(c.Q, 1))
		h.Quo(h, c.Q)
		ps.cofactor = h.Int64()
		if impls[c] == nil {
			if ps.Size == 64 {
				impls[c] = newCurve8(c)
			} else {
				impls[c] = newCurve4(c)
			}
		}
		ps.impl = impls[c]
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
