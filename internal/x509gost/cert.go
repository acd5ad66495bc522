package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Extension is one X.509 extension; Value is the extnValue contents (the DER inside the OCTET STRING).
type Extension struct {
	OID      encasn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

// TBSCertificate is the to-be-signed part of a v3 certificate. Names and the key are carried as DER
// so that what the CA checked is exactly what it signs.
type TBSCertificate struct {
	SerialNumber       *big.Int
	SignatureAlgorithm encasn1.ObjectIdentifier
	Issuer             []byte // DER Name
	NotBefore          time.Time
	NotAfter           time.Time
	Subject            []byte // DER Name
	SPKI               []byte // DER SubjectPublicKeyInfo
	Extensions         []Extension
	// PublicKey is optional: the subject key when the caller parsed it already (from a CSR). When SPKI
	// is that key's own encoding, the point is not parsed and validated again (on the cofactor-4 curves
	// that costs a scalar multiplication); otherwise SPKI is parsed as usual and must hold this key.
	PublicKey *gost.PublicKey
}

// Marshal returns the DER TBSCertificate (always v3). It refuses a non-positive serial, a serial over
// 20 octets, unset times or NotAfter before NotBefore, a non-GOST signature algorithm, malformed names
// or key, and extensions with empty values or duplicate OIDs. Times are truncated to seconds.
func (t *TBSCertificate) Marshal() ([]byte, error) {
	der, _, err := t.marshal()
	return der, err
}

// marshal checks and encodes the TBS, and returns the subject key it checked.
func (t *TBSCertificate) marshal() ([]byte, *gost.PublicKey, error) {
	if err := checkSerial(t.SerialNumber); err != nil {
		return nil, nil, err
	}
	if err := checkGOSTSignature("the certificate", t.SignatureAlgorithm); err != nil {
		return nil, nil, err
	}
	if t.NotBefore.IsZero() || t.NotAfter.IsZero() {
		return nil, nil, errorf("validity times must be set")
	}
	if t.NotAfter.Before(t.NotBefore) {
		return nil, nil, errorf("notAfter %v is before notBefore %v", t.NotAfter, t.NotBefore)
	}
	if !checkElement(t.Issuer, asn1.SEQUENCE) || !checkElement(t.Subject, asn1.SEQUENCE) {
		return nil, nil, errorf("issuer and subject must each be one DER Name")
	}
	key, err := t.subjectKey()
	if err != nil {
		return nil, nil, err
	}
	// Sized for the whole TBS at once: a qualified certificate's body is about 1.5 KiB.
	b := cryptobyte.NewBuilder(make([]byte, 0, 2048))
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1Int64(2)
		})
		b.AddASN1BigInt(t.SerialNumber)
		addAlgorithm(b, t.SignatureAlgorithm)
		b.AddBytes(t.Issuer)
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addTime(b, t.NotBefore)
			addTime(b, t.NotAfter)
		})
		b.AddBytes(t.Subject)
		b.AddBytes(t.SPKI)
		if len(t.Extensions) > 0 {
			b.AddASN1(asn1.Tag(3).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				addExtensions(b, t.Extensions)
			})
		}
	})
	der, err := b.Bytes()
	return der, key, err
}

// subjectKey returns the key SPKI holds, validated: t.PublicKey when SPKI is its encoding, else parsed.
func (t *TBSCertificate) subjectKey() (*gost.PublicKey, error) {
	if t.PublicKey != nil {
		if enc, err := t.PublicKey.MarshalSPKI(); err == nil && bytes.Equal(enc, t.SPKI) {
			return t.PublicKey, nil
		}
	}
	key, err := parseGOSTSPKI(t.SPKI)
	if err != nil {
		return nil, err
	}
	if t.PublicKey != nil && !t.PublicKey.Equal(key) {
		return nil, errorf("the subject public key info does not hold the given public key")
	}
	return key, nil
}

// Draft is a certificate body encoded and parsed back, not yet signed: what a linter checks before the
// CA's key signs exactly these bytes.
type Draft struct {
	tbs  []byte       // the DER TBSCertificate, never handed out
	cert *Certificate // parsed from tbs; Raw and Signature are empty
}

// Draft encodes the TBS as Marshal does and parses the encoding back.
func (t *TBSCertificate) Draft() (*Draft, error) {
	der, key, err := t.marshal()
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(der)
	var body cryptobyte.String
	if !s.ReadASN1(&body, asn1.SEQUENCE) || !s.Empty() {
		return nil, errorf("malformed TBSCertificate")
	}
	c := &Certificate{RawTBS: der}
	if err := c.parseTBSKnown(body, t.SPKI, key); err != nil {
		return nil, err
	}
	return &Draft{tbs: der, cert: c}, nil
}

// Certificate returns the parsed draft, for checks before signing; its Raw and Signature are empty.
func (d *Draft) Certificate() *Certificate { return d.cert }

// Sign signs the draft, verifies the signature just made, and returns the certificate as
// ParseCertificate would return its DER (Raw), without parsing it again.
func (d *Draft) Sign(signer gost.Signer, rand io.Reader) (*Certificate, error) {
	if signer == nil {
		return nil, errorf("no signer")
	}
	alg := signer.Public().SignatureAlgorithm()
	if !d.cert.SignatureAlgorithm.Equal(alg) {
		return nil, errorf("TBSCertificate names signature algorithm %s but the signer makes %s", d.cert.SignatureAlgorithm, alg)
	}
	sig, err := signAndVerify(signer, rand, d.tbs)
	if err != nil {
		return nil, err
	}
	der, err := addSigned(d.tbs, alg, sig)
	if err != nil {
		return nil, err
	}
	c := *d.cert
	c.Raw, c.Signature = der, sig
	return &c, nil
}

// SignCertificate signs a DER TBSCertificate and returns the Certificate DER. The TBS must parse as a
// GOST certificate body and name the signer's own signature algorithm; the fresh signature is
// verified before it is returned.
func SignCertificate(tbsDER []byte, signer gost.Signer, rand io.Reader) ([]byte, error) {
	if signer == nil {
		return nil, errorf("no signer")
	}
	var c Certificate
	s := cryptobyte.String(tbsDER)
	var tbs cryptobyte.String
	if !s.ReadASN1(&tbs, asn1.SEQUENCE) || !s.Empty() {
		return nil, errorf("malformed TBSCertificate")
	}
	if err := c.parseTBS(tbs); err != nil {
		return nil, err
	}
	alg := signer.Public().SignatureAlgorithm()
	if !c.SignatureAlgorithm.Equal(alg) {
		return nil, errorf("TBSCertificate names signature algorithm %s but the signer makes %s", c.SignatureAlgorithm, alg)
	}
	sig, err := signAndVerify(signer, rand, tbsDER)
	if err != nil {
		return nil, err
	}
	return addSigned(tbsDER, alg, sig)
}

// Certificate is a parsed X.509 certificate with a GOST R 34.10-2012 subject key and signature.
type Certificate struct {
	Raw, RawTBS, RawIssuer, RawSubject, RawSPKI []byte

	Version            int // 1, 2 or 3
	SerialNumber       *big.Int
	SignatureAlgorithm encasn1.ObjectIdentifier
	Issuer, Subject    Name
	NotBefore          time.Time
	NotAfter           time.Time
	PublicKey          *gost.PublicKey
	Extensions         []Extension
	Signature          []byte

	// Decoded from the extensions of the same names, for path checks.
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int // -1 when absent
	KeyUsage              int // bit i set = RFC 5280 KeyUsage bit i; 0 when the extension is absent
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	// AuthorityCertIssuer (DER Name) and AuthorityCertSerial name the issuer's certificate when the
	// authorityKeyIdentifier carries them; nil otherwise.
	AuthorityCertIssuer []byte
	AuthorityCertSerial *big.Int
}

// ParseCertificate parses a DER certificate. Only GOST R 34.10-2012 keys and signatures are accepted
// (other algorithms give an error wrapping ErrNotGOST and naming the OID), and the signature algorithm
// inside the TBS must equal the outer one.
func ParseCertificate(der []byte) (*Certificate, error) {
	sd, err := readSigned(der, "certificate")
	if err != nil {
		return nil, err
	}
	c := &Certificate{Raw: sd.raw, RawTBS: sd.rawTBS, Signature: sd.sig}
	if err := c.parseTBS(sd.tbs); err != nil {
		return nil, err
	}
	if !sd.alg.Equal(c.SignatureAlgorithm) {
		return nil, errorf("outer signature algorithm %s differs from the TBS's %s", describeOID(sd.alg), describeOID(c.SignatureAlgorithm))
	}
	return c, nil
}

func (c *Certificate) parseTBS(tbs cryptobyte.String) error {
	return c.parseTBSKnown(tbs, nil, nil)
}

// parseTBSKnown parses a TBSCertificate's contents; when its SPKI is knownSPKI, knownKey (parsed and
// validated from those bytes before) is taken instead of parsing the key again.
func (c *Certificate) parseTBSKnown(tbs cryptobyte.String, knownSPKI []byte, knownKey *gost.PublicKey) error {
	var ver int64
	var err error
	if !tbs.ReadOptionalASN1Integer(&ver, asn1.Tag(0).ContextSpecific().Constructed(), int64(0)) {
		return errorf("malformed certificate version")
	}
	if ver < 0 || ver > 2 {
		return errorf("unsupported certificate version %d", ver+1)
	}
	c.Version = int(ver) + 1
	c.SerialNumber = new(big.Int)
	if !tbs.ReadASN1Integer(c.SerialNumber) {
		return errorf("malformed serial number")
	}
	if c.SignatureAlgorithm, err = readAlgorithm(&tbs, "certificate signature"); err != nil {
		return err
	}
	if err := checkGOSTSignature("the certificate", c.SignatureAlgorithm); err != nil {
		return err
	}
	var issuer, validity, subject, spki cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, asn1.SEQUENCE) {
		return errorf("malformed issuer")
	}
	c.RawIssuer = issuer
	if c.Issuer, err = ParseName(issuer); err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	if !tbs.ReadASN1(&validity, asn1.SEQUENCE) {
		return errorf("malformed validity")
	}
	if c.NotBefore, err = readTime(&validity); err != nil {
		return err
	}
	if c.NotAfter, err = readTime(&validity); err != nil {
		return err
	}
	if !validity.Empty() {
		return errorf("trailing data in validity")
	}
	if !tbs.ReadASN1Element(&subject, asn1.SEQUENCE) {
		return errorf("malformed subject")
	}
	c.RawSubject = subject
	if c.Subject, err = ParseName(subject); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	if !tbs.ReadASN1Element(&spki, asn1.SEQUENCE) {
		return errorf("malformed subject public key info")
	}
	c.RawSPKI = spki
	if knownKey != nil && bytes.Equal(spki, knownSPKI) {
		c.PublicKey = knownKey
	} else if c.PublicKey, err = parseGOSTSPKI(spki); err != nil {
		return err
	}
	// issuerUniqueID [1] and subjectUniqueID [2] are obsolete; skip them if present.
	if !tbs.SkipOptionalASN1(asn1.Tag(1).ContextSpecific()) || !tbs.SkipOptionalASN1(asn1.Tag(2).ContextSpecific()) {
		return errorf("malformed unique identifier")
	}
	var extsWrap cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&extsWrap, &hasExts, asn1.Tag(3).ContextSpecific().Constructed()) {
		return errorf("malformed extensions")
	}
	if hasExts {
		if c.Version != 3 {
			return errorf("extensions in a v%d certificate", c.Version)
		}
		var exts cryptobyte.String
		if !extsWrap.ReadASN1(&exts, asn1.SEQUENCE) || !extsWrap.Empty() {
			return errorf("malformed extensions")
		}
		if c.Extensions, err = readExtensions(exts); err != nil {
			return err
		}
	}
	if !tbs.Empty() {
		return errorf("trailing data in TBSCertificate")
	}
	return c.decodeExtensions()
}

// decodeExtensions fills the convenience fields from the extensions kcr's path checks need.
func (c *Certificate) decodeExtensions() error {
	c.MaxPathLen = -1
	if e, ok := c.Extension(OIDExtBasicConstraints); ok {
		ca, pathLen, err := parseBasicConstraints(e.Value)
		if err != nil {
			return err
		}
		c.BasicConstraintsValid, c.IsCA, c.MaxPathLen = true, ca, pathLen
	}
	if e, ok := c.Extension(OIDExtKeyUsage); ok {
		ku, err := parseKeyUsage(e.Value)
		if err != nil {
			return err
		}
		c.KeyUsage = ku
	}
	if e, ok := c.Extension(OIDExtSubjectKeyID); ok {
		s := cryptobyte.String(e.Value)
		if !s.ReadASN1Bytes(&c.SubjectKeyID, asn1.OCTET_STRING) || !s.Empty() {
			return errorf("malformed subject key identifier")
		}
	}
	if e, ok := c.Extension(OIDExtAuthorityKeyID); ok {
		a, err := parseAuthorityKeyIdentifier(e.Value)
		if err != nil {
			return err
		}
		c.AuthorityKeyID, c.AuthorityCertIssuer, c.AuthorityCertSerial = a.keyID, a.issuerName, a.serial
	}
	return nil
}

// Extension returns the extension with the given OID.
func (c *Certificate) Extension(oid encasn1.ObjectIdentifier) (Extension, bool) {
	return findExtension(c.Extensions, oid)
}

func findExtension(exts []Extension, oid encasn1.ObjectIdentifier) (Extension, bool) {
	for _, e := range exts {
		if e.OID.Equal(oid) {
			return e, true
		}
	}
	return Extension{}, false
}

// CheckSignatureFrom checks that issuer signed c. Like crypto/x509, it requires a v3 issuer to be a CA
// and, when it states key usage, to allow keyCertSign; it does not compare names or walk a chain.
func (c *Certificate) CheckSignatureFrom(issuer *Certificate) error {
	if issuer.Version == 3 && !issuer.IsCA {
		return errorf("issuer %q is not a CA", issuer.Subject)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&(1<<KeyUsageCertSign) == 0 {
		return errorf("issuer %q may not sign certificates (keyUsage lacks keyCertSign)", issuer.Subject)
	}
	return verifyWith(issuer.PublicKey, c.SignatureAlgorithm, c.RawTBS, c.Signature)
}

// parseGOSTSPKI checks the SubjectPublicKeyInfo's algorithm before handing it to the gost package, so
// that an RSA or ECDSA key gets an error that says so.
func parseGOSTSPKI(spki []byte) (*gost.PublicKey, error) {
	s := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var oid encasn1.ObjectIdentifier
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&alg, asn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errorf("malformed subject public key info")
	}
	if !oid.Equal(gost.OIDPublicKey256) && !oid.Equal(gost.OIDPublicKey512) {
		return nil, fmt.Errorf("%w: public key algorithm %s", ErrNotGOST, describeOID(oid))
	}
	k, err := gost.ParseSPKI(spki)
	if err != nil {
		return nil, errorf("public key: %w", err)
	}
	return k, nil
}

// SubjectPublicKeyBits returns the contents of the subjectPublicKey BIT STRING of a DER
// SubjectPublicKeyInfo: what OCSP key hashes and RFC 5280 key identifiers are computed over.
func SubjectPublicKeyBits(spki []byte) ([]byte, error) {
	s := cryptobyte.String(spki)
	var seq cryptobyte.String
	var bits encasn1.BitString
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() || !seq.SkipASN1(asn1.SEQUENCE) ||
		!seq.ReadASN1BitString(&bits) || !seq.Empty() || bits.BitLength%8 != 0 {
		return nil, errorf("malformed subject public key info")
	}
	return bits.Bytes, nil
}
