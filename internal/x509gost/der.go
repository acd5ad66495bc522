// Package x509gost encodes and parses X.509 certificates, CRLs, PKCS#10 requests and OCSP messages
// signed with GOST R 34.10-2012 (RFC 9215, RFC 5280, RFC 2986, RFC 6960).
//
// Go's crypto/x509 can neither create nor verify GOST signatures, golang.org/x/crypto/ocsp cannot
// handle them, and pkix.Name picks string types the Russian qualified-certificate profile forbids, so
// the DER here is written and read by hand with cryptobyte. Output is strict DER; input accepts the
// few variations real tools produce (NULL signature-algorithm parameters from OpenSSL, v1 CRLs).
package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ErrNotGOST is wrapped by every error about an object that uses a non-GOST key or signature
// algorithm, so callers can tell "wrong algorithm" from "broken encoding".
var ErrNotGOST = errors.New("x509gost: not a GOST R 34.10-2012 algorithm")

// Algorithm OIDs seen in the wild, named in error messages so an operator who uploads an RSA or ECDSA
// object learns what it was.
var knownAlgorithms = map[string]string{
	"1.2.840.113549.1.1.1":  "RSA",
	"1.2.840.113549.1.1.5":  "SHA-1 with RSA",
	"1.2.840.113549.1.1.10": "RSA-PSS",
	"1.2.840.113549.1.1.11": "SHA-256 with RSA",
	"1.2.840.113549.1.1.12": "SHA-384 with RSA",
	"1.2.840.113549.1.1.13": "SHA-512 with RSA",
	"1.2.840.10045.2.1":     "ECDSA",
	"1.2.840.10045.4.3.2":   "ECDSA with SHA-256",
	"1.2.840.10045.4.3.3":   "ECDSA with SHA-384",
	"1.2.840.10045.4.3.4":   "ECDSA with SHA-512",
	"1.3.101.112":           "Ed25519",
	"1.2.643.2.2.19":        "GOST R 34.10-2001",
	"1.2.643.2.2.3":         "GOST R 34.11-94 with GOST R 34.10-2001",
}

func describeOID(oid encasn1.ObjectIdentifier) string {
	if n, ok := knownAlgorithms[oid.String()]; ok {
		return oid.String() + " (" + n + ")"
	}
	return oid.String()
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("x509gost: "+format, args...)
}

// isGOSTSignature reports whether oid is one of the two GOST R 34.10-2012 signature algorithms.
func isGOSTSignature(oid encasn1.ObjectIdentifier) bool {
	return oid.Equal(gost.OIDSignature256) || oid.Equal(gost.OIDSignature512)
}

func checkGOSTSignature(what string, oid encasn1.ObjectIdentifier) error {
	if !isGOSTSignature(oid) {
		return fmt.Errorf("%w: %s uses signature algorithm %s", ErrNotGOST, what, describeOID(oid))
	}
	return nil
}

// addAlgorithm writes an AlgorithmIdentifier with absent parameters, as RFC 9215 requires for the
// GOST signature and digest algorithms.
func addAlgorithm(b *cryptobyte.Builder, oid encasn1.ObjectIdentifier) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
	})
}

// addAlgorithmNULL writes an AlgorithmIdentifier with NULL parameters: the customary form for SHA-1.
func addAlgorithmNULL(b *cryptobyte.Builder, oid encasn1.ObjectIdentifier) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1NULL()
	})
}

// readAlgorithm reads an AlgorithmIdentifier whose parameters must be absent or NULL (OpenSSL writes
// NULL where RFC 9215 says absent).
func readAlgorithm(s *cryptobyte.String, what string) (encasn1.ObjectIdentifier, error) {
	var seq cryptobyte.String
	var oid encasn1.ObjectIdentifier
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return nil, errorf("malformed %s algorithm identifier", what)
	}
	if seq.PeekASN1Tag(asn1.NULL) {
		var null cryptobyte.String
		if !seq.ReadASN1(&null, asn1.NULL) || len(null) != 0 {
			return nil, errorf("malformed %s algorithm parameters", what)
		}
	}
	if !seq.Empty() {
		return nil, errorf("%s algorithm %s has unexpected parameters", what, describeOID(oid))
	}
	return oid, nil
}

// addTime writes an X.509 Time: UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5),
// always in UTC with seconds; sub-second precision is dropped because neither form may carry it.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y >= 1950 && y < 2050 {
		b.AddASN1(asn1.UTCTime, func(b *cryptobyte.Builder) {
			b.AddBytes([]byte(t.Format("060102150405Z")))
		})
		return
	}
	addGeneralizedTime(b, t)
}

// addGeneralizedTime writes a GeneralizedTime in UTC with seconds and no fraction.
func addGeneralizedTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() < 0 || t.Year() > 9999 {
		b.SetError(errorf("cannot encode year %d", t.Year()))
		return
	}
	b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(t.Format("20060102150405Z")))
	})
}

func allDigits(s []byte) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readTime reads an X.509 Time. Only the RFC 5280 forms are accepted: Z with seconds, no fraction, no
// offset, because a time that means different things to different parsers has no place in a signature.
func readTime(s *cryptobyte.String) (time.Time, error) {
	switch {
	case s.PeekASN1Tag(asn1.UTCTime):
		var v cryptobyte.String
		if !s.ReadASN1(&v, asn1.UTCTime) || len(v) != 13 || v[12] != 'Z' || !allDigits(v[:12]) {
			return time.Time{}, errorf("malformed UTCTime")
		}
		t, err := time.Parse("060102150405Z", string(v))
		if err != nil {
			return time.Time{}, errorf("malformed UTCTime: %v", err)
		}
		if t.Year() >= 2050 { // RFC 5280: two-digit years 50–99 are 1950–1999
			t = t.AddDate(-100, 0, 0)
		}
		return t, nil
	case s.PeekASN1Tag(asn1.GeneralizedTime):
		return readGeneralizedTime(s)
	}
	return time.Time{}, errorf("malformed time: neither UTCTime nor GeneralizedTime")
}

func readGeneralizedTime(s *cryptobyte.String) (time.Time, error) {
	var v cryptobyte.String
	if !s.ReadASN1(&v, asn1.GeneralizedTime) || len(v) != 15 || v[14] != 'Z' || !allDigits(v[:14]) {
		return time.Time{}, errorf("malformed GeneralizedTime")
	}
	t, err := time.Parse("20060102150405Z", string(v))
	if err != nil {
		return time.Time{}, errorf("malformed GeneralizedTime: %v", err)
	}
	return t, nil
}

// readSignatureBits reads the signature BIT STRING, which for GOST holds whole octets.
func readSignatureBits(s *cryptobyte.String) ([]byte, error) {
	var sig encasn1.BitString
	if !s.ReadASN1BitString(&sig) || sig.BitLength%8 != 0 {
		return nil, errorf("malformed signature value")
	}
	return sig.Bytes, nil
}

// checkSerial enforces RFC 5280 4.1.2.2: positive, at most 20 octets.
func checkSerial(n *big.Int) error {
	if n == nil || n.Sign() <= 0 {
		return errorf("serial number must be positive")
	}
	if len(n.Bytes()) > 20 || (len(n.Bytes()) == 20 && n.Bytes()[0]&0x80 != 0) {
		return errorf("serial number longer than 20 octets")
	}
	return nil
}

// readExtensions reads the contents of an Extensions SEQUENCE, refusing duplicates (RFC 5280 4.2).
func readExtensions(s cryptobyte.String) ([]Extension, error) {
	if s.Empty() {
		return nil, errorf("empty extensions")
	}
	exts := make([]Extension, 0, 12)
	var seen map[string]bool // only for inputs with many extensions, where a scan of them would be quadratic
	for !s.Empty() {
		var e cryptobyte.String
		var ext Extension
		if !s.ReadASN1(&e, asn1.SEQUENCE) || !e.ReadASN1ObjectIdentifier(&ext.OID) {
			return nil, errorf("malformed extension")
		}
		// critical is DEFAULT FALSE; an explicit FALSE is not DER but common enough to accept.
		if e.PeekASN1Tag(asn1.BOOLEAN) && !e.ReadASN1Boolean(&ext.Critical) {
			return nil, errorf("malformed extension %s", ext.OID)
		}
		if !e.ReadASN1Bytes(&ext.Value, asn1.OCTET_STRING) || !e.Empty() {
			return nil, errorf("malformed extension %s", ext.OID)
		}
		if duplicateExtension(exts, ext.OID, &seen) {
			return nil, errorf("duplicate extension %s", ext.OID)
		}
		exts = append(exts, ext)
	}
	return exts, nil
}

// addExtensions writes an Extensions SEQUENCE; DER forbids encoding critical=FALSE.
func addExtensions(b *cryptobyte.Builder, exts []Extension) {
	der, err := marshalExtensions(exts)
	if err != nil {
		b.SetError(err)
		return
	}
	b.AddBytes(der)
}

// marshalExtensions encodes an Extensions SEQUENCE by hand, sizes first into one allocation: a certificate
// carries about a dozen, and cryptobyte's nested builders cost a child builder per element and level.
func marshalExtensions(exts []Extension) ([]byte, error) {
	var seen map[string]bool
	total := 0
	for i, e := range exts {
		if len(e.OID) == 0 || len(e.Value) == 0 {
			return nil, errorf("extension %s has no value (an extension builder refused its input?)", e.OID)
		}
		if duplicateExtension(exts[:i], e.OID, &seen) {
			return nil, errorf("duplicate extension %s", e.OID)
		}
		oidLen, ok := oidContentLen(e.OID)
		if !ok {
			return nil, errorf("extension type %v cannot be encoded", e.OID)
		}
		total += tlvLen(extensionLen(e, oidLen))
	}
	out := appendHeader(make([]byte, 0, tlvLen(total)), byte(asn1.SEQUENCE), total)
	for _, e := range exts {
		oidLen, _ := oidContentLen(e.OID)
		out = appendHeader(out, byte(asn1.SEQUENCE), extensionLen(e, oidLen))
		out = appendOIDContent(appendHeader(out, byte(asn1.OBJECT_IDENTIFIER), oidLen), e.OID)
		if e.Critical {
			out = append(out, byte(asn1.BOOLEAN), 1, 0xff)
		}
		out = append(appendHeader(out, byte(asn1.OCTET_STRING), len(e.Value)), e.Value...)
	}
	return out, nil
}

// extensionLen is the size of one Extension's contents.
func extensionLen(e Extension, oidLen int) int {
	n := tlvLen(oidLen) + tlvLen(len(e.Value))
	if e.Critical {
		n += 3
	}
	return n
}

// duplicateExtension reports whether oid is among exts, the extensions before it. A certificate has about
// a dozen: a scan costs less than a map of their OID strings. Past manyExtensions (only hostile input has
// that many) the OIDs go in *seen, so that a list stays linear to check.
func duplicateExtension(exts []Extension, oid encasn1.ObjectIdentifier, seen *map[string]bool) bool {
	if len(exts) < manyExtensions {
		for _, e := range exts {
			if e.OID.Equal(oid) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(exts))
		for _, e := range exts {
			(*seen)[e.OID.String()] = true
		}
	}
	key := oid.String()
	if (*seen)[key] {
		return true
	}
	(*seen)[key] = true
	return false
}

const manyExtensions = 32

// checkElement reports whether der is exactly one DER element with the given tag, for raw pieces
// (names, keys, certificates) spliced into a structure we sign.
func checkElement(der []byte, tag asn1.Tag) bool {
	s := cryptobyte.String(der)
	var v cryptobyte.String
	return s.ReadASN1Element(&v, tag) && s.Empty()
}

// signAndVerify signs msg and checks the signature before it leaves the process: a signature that
// does not verify (a fault, a buggy signer) must never be published.
func signAndVerify(signer gost.Signer, rand io.Reader, msg []byte) ([]byte, error) {
	sig, err := signer.Sign(rand, msg)
	if err != nil {
		return nil, errorf("signing: %w", err)
	}
	if err := signer.Public().Verify(msg, sig); err != nil {
		return nil, errorf("the signature just made does not verify: %w", err)
	}
	return sig, nil
}

// addSigned wraps a signed structure: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature }.
func addSigned(tbs []byte, alg encasn1.ObjectIdentifier, sig []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		addAlgorithm(b, alg)
		b.AddASN1BitString(sig)
	})
	return b.Bytes()
}

// signed is a parsed SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
type signed struct {
	raw, rawTBS []byte
	tbs         cryptobyte.String // contents of the TBS SEQUENCE
	alg         encasn1.ObjectIdentifier
	sig         []byte
}

// readSigned splits a signed structure, refusing trailing data anywhere.
func readSigned(der []byte, what string) (*signed, error) {
	// Parsed objects keep slices of their input; copy it so a caller reusing its buffer cannot
	// change a certificate after it was checked.
	input := cryptobyte.String(bytes.Clone(der))
	var outer cryptobyte.String
	if !input.ReadASN1Element(&outer, asn1.SEQUENCE) {
		return nil, errorf("malformed %s", what)
	}
	if !input.Empty() {
		return nil, errorf("trailing data after %s", what)
	}
	out := &signed{raw: outer}
	var body, tbsElem cryptobyte.String
	if !outer.ReadASN1(&body, asn1.SEQUENCE) || !body.ReadASN1Element(&tbsElem, asn1.SEQUENCE) {
		return nil, errorf("malformed %s", what)
	}
	out.rawTBS = tbsElem
	if !tbsElem.ReadASN1(&out.tbs, asn1.SEQUENCE) {
		return nil, errorf("malformed %s", what)
	}
	var err error
	if out.alg, err = readAlgorithm(&body, what+" signature"); err != nil {
		return nil, err
	}
	if out.sig, err = readSignatureBits(&body); err != nil {
		return nil, err
	}
	if !body.Empty() {
		return nil, errorf("trailing data inside %s", what)
	}
	return out, nil
}

// verifyWith checks sig over msg with key, first making sure the signature algorithm fits the key
// size: a 256-bit key cannot have made a 512-bit signature.
func verifyWith(key *gost.PublicKey, alg encasn1.ObjectIdentifier, msg, sig []byte) error {
	if key == nil {
		return errorf("no public key to verify with")
	}
	if err := checkGOSTSignature("the signed object", alg); err != nil {
		return err
	}
	if want := key.SignatureAlgorithm(); !alg.Equal(want) {
		return errorf("signature algorithm %s does not match the key's %s", alg, want)
	}
	if err := key.Verify(msg, sig); err != nil {
		return errorf("signature verification failed: %w", err)
	}
	return nil
}
