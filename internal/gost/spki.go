package gost

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// addAlgorithmIdentifier writes the key's AlgorithmIdentifier, shared by SPKI and PKCS#8:
// SEQUENCE{key OID, SEQUENCE{paramSet OID[, digest OID]}} with the digest OID present exactly for the
// CryptoPro-arc sets (RFC 9215 §4.2; the RFC's test-256 example carries it, its TC26 examples do not).
func (ps *ParamSet) addAlgorithmIdentifier(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(ps.keyOID())
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(ps.OID)
			if ps.digestInParams() {
				b.AddASN1ObjectIdentifier(ps.digestOID())
			}
		})
	})
}

// parseAlgorithmIdentifier reads a GOST R 34.10-2012 key AlgorithmIdentifier and returns its parameter
// set. The digest OID may be present or absent whatever the set (older software, OpenSSL's engine for
// tc26-512-A/B among them, writes it where RFC 9215 says to omit it), but when present it must be the
// Streebog matching the key size.
func parseAlgorithmIdentifier(algID cryptobyte.String) (*ParamSet, error) {
	var keyOID asn1.ObjectIdentifier
	if !algID.ReadASN1ObjectIdentifier(&keyOID) {
		return nil, errors.New("gost: malformed key algorithm identifier")
	}
	size := 0
	switch {
	case keyOID.Equal(OIDPublicKey256):
		size = 32
	case keyOID.Equal(OIDPublicKey512):
		size = 64
	case keyOID.Equal(oidPublicKey2001):
		return nil, fmt.Errorf("gost: key algorithm %s is GOST R 34.10-2001, which is no longer supported", keyOID)
	default:
		return nil, fmt.Errorf("gost: key algorithm %s is not GOST R 34.10-2012", keyOID)
	}
	var params cryptobyte.String
	if !algID.ReadASN1(&params, cbasn1.SEQUENCE) {
		return nil, errors.New("gost: key parameters are missing or not a SEQUENCE")
	}
	if !algID.Empty() {
		return nil, errors.New("gost: trailing data after the key parameters")
	}
	var psOID, digestOID asn1.ObjectIdentifier
	if !params.ReadASN1ObjectIdentifier(&psOID) {
		return nil, errors.New("gost: key parameters do not start with a parameter set OID")
	}
	if !params.Empty() {
		if !params.ReadASN1ObjectIdentifier(&digestOID) || !params.Empty() {
			return nil, errors.New("gost: key parameters hold more than a parameter set and a digest OID")
		}
	}
	ps, ok := ParamSetByOID(psOID)
	if !ok {
		return nil, fmt.Errorf("gost: unsupported parameter set %s", psOID)
	}
	if ps.Size != size {
		return nil, fmt.Errorf("gost: parameter set %s (%s) is %d-bit but the key algorithm %s is %d-bit",
			ps.Name, ps.OID, ps.Size*8, keyOID, size*8)
	}
	if digestOID != nil && !digestOID.Equal(ps.digestOID()) {
		return nil, fmt.Errorf("gost: digest %s does not go with a %d-bit GOST R 34.10-2012 key", digestOID, size*8)
	}
	return ps, nil
}

// MarshalSPKI returns the key's SubjectPublicKeyInfo DER:
// SEQUENCE{AlgorithmIdentifier, BIT STRING{OCTET STRING{LE X || LE Y}}}.
func (p *PublicKey) MarshalSPKI() ([]byte, error) {
	inner := cryptobyte.NewBuilder(nil)
	inner.AddASN1OctetString(p.Raw())
	key, err := inner.Bytes()
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		p.ps.addAlgorithmIdentifier(b)
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0) // no unused bits
			b.AddBytes(key)
		})
	})
	return b.Bytes()
}

// ParseSPKI parses a GOST R 34.10-2012 SubjectPublicKeyInfo. It refuses other algorithms, unknown
// parameter sets, keys of the wrong length and points off the curve (or, on the cofactor-4 curves,
// outside the prime-order subgroup). It accepts the RFC test sets, whose keys can only verify.
func ParseSPKI(der []byte) (*PublicKey, error) {
	input := cryptobyte.String(der)
	var spki, algID cryptobyte.String
	var bits asn1.BitString
	if !input.ReadASN1(&spki, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, errors.New("gost: SubjectPublicKeyInfo is not a single DER SEQUENCE")
	}
	if !spki.ReadASN1(&algID, cbasn1.SEQUENCE) {
		return nil, errors.New("gost: malformed SubjectPublicKeyInfo algorithm")
	}
	ps, err := parseAlgorithmIdentifier(algID)
	if err != nil {
		return nil, err
	}
	if !spki.ReadASN1BitString(&bits) || !spki.Empty() {
		return nil, errors.New("gost: malformed SubjectPublicKeyInfo key BIT STRING")
	}
	if bits.BitLength%8 != 0 {
		return nil, errors.New("gost: public key BIT STRING is not whole bytes")
	}
	keyDER := cryptobyte.String(bits.Bytes)
	var raw cryptobyte.String
	if !keyDER.ReadASN1(&raw, cbasn1.OCTET_STRING) || !keyDER.Empty() {
		return nil, errors.New("gost: public key BIT STRING does not hold a single OCTET STRING")
	}
	return newPublicKey(ps, raw)
}

// VerifySignature parses spki, checks that sigAlg is the signature algorithm for the key's size
// (OIDSignature256 for a 256-bit key, OIDSignature512 for a 512-bit one) and verifies sig over msg.
func VerifySignature(spki []byte, sigAlg asn1.ObjectIdentifier, msg, sig []byte) error {
	pub, err := ParseSPKI(spki)
	if err != nil {
		return err
	}
	if want := pub.SignatureAlgorithm(); !sigAlg.Equal(want) {
		return fmt.Errorf("gost: signature algorithm %s does not match the %d-bit key (want %s)",
			sigAlg, pub.ps.Size*8, want)
	}
	return pub.Verify(msg, sig)
}
