// Package cms verifies and makes detached CMS SignedData signatures (RFC 5652) in the CAdES-BES profile
// (ETSI EN 319 122-1) with GOST R 34.10-2012 and Streebog, in the RFC 4490 conventions the 2012 tools
// keep: what CryptoPro and OpenSSL's GOST engine write for a signed file.
//
// Only the shape kcr needs is accepted: a detached id-data content, exactly one signer, the four signed
// attributes CAdES-BES requires (contentType, messageDigest, signingTime, signingCertificateV2). The
// input is hostile: sizes and counts are bounded, and every refusal is a typed error naming the check.
package cms

import (
	"bytes"
	"crypto/sha256"
	encasn1 "encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the structures and attributes handled here.
var (
	OIDData                  = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData            = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType           = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest         = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime           = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDSigningCertificateV2  = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256                = encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	attributeNames           = map[string]string{OIDContentType.String(): "contentType", OIDMessageDigest.String(): "messageDigest", OIDSigningTime.String(): "signingTime", OIDSigningCertificateV2.String(): "signingCertificateV2"}
	requiredSignedAttributes = []encasn1.ObjectIdentifier{OIDContentType, OIDMessageDigest, OIDSigningTime, OIDSigningCertificateV2}
)

// Bounds on hostile input. A CAdES-BES signature with a short chain is a few KiB.
const (
	// MaxSignatureSize bounds the signature file, in any of its encodings.
	MaxSignatureSize = 1 << 20
	maxCertificates  = 32
	maxAttributes    = 64
	maxChainLength   = 8
)

// Refusals, one per check. Use errors.Is; MissingAttributeError and MalformedError also match
// ErrMissingAttribute and ErrMalformed.
var (
	ErrMalformed          = errors.New("cms: malformed signature")
	ErrNotDetached        = errors.New("cms: attached signature: a detached signature is required")
	ErrUnsupported        = errors.New("cms: unsupported algorithm or structure")
	ErrMissingAttribute   = errors.New("cms: missing signed attribute")
	ErrDigestMismatch     = errors.New("cms: the content does not match the signed message digest")
	ErrSignerNotFound     = errors.New("cms: the signer certificate is not in the signature")
	ErrSigningCertificate = errors.New("cms: signingCertificateV2 does not match the signer certificate")
	ErrSignature          = errors.New("cms: the signature does not verify")
	ErrKeyUsage           = errors.New("cms: the signer certificate may not sign documents")
	ErrUntrusted          = errors.New("cms: the signer certificate does not chain to a trusted root")
	ErrExpired            = errors.New("cms: a certificate of the chain is not valid at the signing time")
	ErrRevoked            = errors.New("cms: the signer certificate is revoked")
	ErrRevocationUnknown  = errors.New("cms: the revocation status of the signer certificate is unknown")
)

// MalformedError is a refusal of the encoding; Detail says what was wrong.
type MalformedError struct{ Detail string }

func (e *MalformedError) Error() string { return "cms: malformed signature: " + e.Detail }

// Is makes a MalformedError match ErrMalformed.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// MissingAttributeError names a required signed attribute the signature lacks.
type MissingAttributeError struct{ Name string }

func (e *MissingAttributeError) Error() string {
	return "cms: missing signed attribute " + e.Name
}

// Is makes a MissingAttributeError match ErrMissingAttribute.
func (e *MissingAttributeError) Is(target error) bool { return target == ErrMissingAttribute }

func malformed(format string, args ...any) error {
	return &MalformedError{Detail: fmt.Sprintf(format, args...)}
}

// VerifyOptions is the trust a verification runs against.
type VerifyOptions struct {
	// Roots are the trusted CA certificates; a chain must end at one of them.
	Roots []*x509gost.Certificate
	// Intermediates are extra CA certificates for building the chain, besides those in the signature.
	Intermediates []*x509gost.Certificate
	// IsRevoked, when set, is asked whether the signer certificate was revoked at the signing time.
	IsRevoked func(cert *x509gost.Certificate, at time.Time) (bool, error)
}

// Result is what a valid signature tells.
type Result struct {
	// Signer is the signer certificate; Chain runs from it to the trusted root, both included.
	Signer *x509gost.Certificate
	Chain  []*x509gost.Certificate
	// SigningTime is the signed signingTime attribute, in UTC.
	SigningTime time.Time
	// DigestAlgorithm is gost.OIDDigest256 or gost.OIDDigest512.
	DigestAlgorithm encasn1.ObjectIdentifier
}

// signedData is the part of a SignedData verification reads.
type signedData struct {
	certs      []*x509gost.Certificate
	sidIssuer  []byte // DER Name, with sidSerial; or
	sidSerial  []byte // INTEGER contents
	sidKeyID   []byte // subjectKeyIdentifier
	digestAlg  encasn1.ObjectIdentifier
	sigAlg     encasn1.ObjectIdentifier
	signedAttr []byte // the [0] IMPLICIT element as received
	sortedAttr []byte // the same attributes as a DER SET OF, when the received order is not DER's
	attrs      map[string]cryptobyte.String
	signature  []byte
}

// Verify checks a detached CAdES-BES signature sig over content: DER, PEM (CMS or PKCS7) or bare base64.
// It checks, in order: the encoding, detachment, algorithms, the signed attributes, the message digest,
// the signer certificate and its signingCertificateV2 reference, the signature, the validity of each
// certificate at the signing time, the chain to opts.Roots, and the revocation hook.
func Verify(sig, content []byte, opts VerifyOptions) (*Result, error) {
	der, err := decode(sig)
	if err != nil {
		return nil, err
	}
	sd, err := parse(der)
	if err != nil {
		return nil, err
	}
	res := &Result{DigestAlgorithm: sd.digestAlg}

	if err := checkContentType(sd.attrs[OIDContentType.String()]); err != nil {
		return nil, err
	}
	if res.SigningTime, err = readSigningTime(sd.attrs[OIDSigningTime.String()]); err != nil {
		return nil, err
	}
	want, err := readOctets(sd.attrs[OIDMessageDigest.String()], "messageDigest")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(want, digest(sd.digestAlg, content)) {
		return nil, ErrDigestMismatch
	}

	signer := sd.findSigner()
	if signer == nil {
		return nil, ErrSignerNotFound
	}
	res.Signer = signer
	if err := checkSigningCertificate(sd.attrs[OIDSigningCertificateV2.String()], signer); err != nil {
		return nil, err
	}
	if err := checkAlgorithms(signer.PublicKey, sd.digestAlg, sd.sigAlg); err != nil {
		return nil, err
	}
	// RFC 5652 5.4: the signature is over the DER SET OF. Tools send that encoding under the [0] tag;
	// one that sends the attributes out of DER order still signed the sorted form.
	input := append([]byte{byte(asn1.SET)}, sd.signedAttr[1:]...)
	if err := signer.PublicKey.Verify(input, sd.signature); err != nil {
		if sd.sortedAttr == nil || signer.PublicKey.Verify(sd.sortedAttr, sd.signature) != nil {
			return nil, fmt.Errorf("%w: %v", ErrSignature, err)
		}
	}
	if signer.KeyUsage != 0 && signer.KeyUsage&(1<<x509gost.KeyUsageDigitalSignature|1<<x509gost.KeyUsageNonRepudiation) == 0 {
		return nil, ErrKeyUsage
	}
	if res.Chain, err = buildChain(signer, append(sd.certs, opts.Intermediates...), opts.Roots, res.SigningTime); err != nil {
		return nil, err
	}
	if opts.IsRevoked != nil {
		revoked, err := opts.IsRevoked(signer, res.SigningTime)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRevocationUnknown, err)
		}
		if revoked {
			return nil, ErrRevoked
		}
	}
	return res, nil
}

// decode turns DER, PEM or base64 into DER.
func decode(sig []byte) ([]byte, error) {
	if len(sig) > MaxSignatureSize {
		return nil, malformed("signature is %d bytes, more than %d", len(sig), MaxSignatureSize)
	}
	if len(sig) > 0 && sig[0] == 0x30 {
		return sig, nil
	}
	trimmed := bytes.TrimSpace(sig)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, rest := pem.Decode(trimmed)
		if block == nil || len(bytes.TrimSpace(rest)) != 0 {
			return nil, malformed("bad PEM")
		}
		switch block.Type {
		case "CMS", "PKCS7", "PKCS #7 SIGNED DATA":
			return block.Bytes, nil
		}
		return nil, malformed("PEM block %q is not a CMS signature", block.Type)
	}
	compact := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, trimmed)
	der := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Decode(der, compact)
	if err != nil || n == 0 {
		return nil, malformed("neither DER, PEM nor base64")
	}
	return der[:n], nil
}

// parse reads ContentInfo(SignedData) with one SignerInfo.
func parse(der []byte) (*signedData, error) {
	in := cryptobyte.String(der)
	var ci, wrapped, body cryptobyte.String
	var ctype encasn1.ObjectIdentifier
	if !in.ReadASN1(&ci, asn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("not one DER ContentInfo (BER and trailing data are refused)")
	}
	if !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, malformed("bad content type")
	}
	if !ctype.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %s is not SignedData", ErrUnsupported, ctype)
	}
	if !ci.ReadASN1(&wrapped, asn1.Tag(0).ContextSpecific().Constructed()) || !ci.Empty() ||
		!wrapped.ReadASN1(&body, asn1.SEQUENCE) || !wrapped.Empty() {
		return nil, malformed("bad SignedData wrapper")
	}
	var version int64
	var digestAlgs, encap, signerInfos cryptobyte.String
	if !body.ReadASN1Integer(&version) || !body.ReadASN1(&digestAlgs, asn1.SET) || !body.ReadASN1(&encap, asn1.SEQUENCE) {
		return nil, malformed("bad SignedData header")
	}
	if version < 1 || version > 5 {
		return nil, malformed("SignedData version %d", version)
	}
	var eType encasn1.ObjectIdentifier
	if !encap.ReadASN1ObjectIdentifier(&eType) {
		return nil, malformed("bad encapsulated content type")
	}
	if !encap.Empty() {
		return nil, ErrNotDetached
	}
	if !eType.Equal(OIDData) {
		return nil, fmt.Errorf("%w: encapsulated content type %s is not id-data", ErrUnsupported, eType)
	}
	sd := &signedData{}
	var certs cryptobyte.String
	var hasCerts bool
	if !body.ReadOptionalASN1(&certs, &hasCerts, asn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, malformed("bad certificates")
	}
	for !certs.Empty() {
		var el cryptobyte.String
		var tag asn1.Tag
		if !certs.ReadAnyASN1Element(&el, &tag) {
			return nil, malformed("bad certificate")
		}
		if tag != asn1.SEQUENCE {
			continue // attribute and other certificate choices carry nothing kcr checks
		}
		if len(sd.certs) == maxCertificates {
			return nil, malformed("more than %d certificates", maxCertificates)
		}
		c, err := x509gost.ParseCertificate(el)
		if err != nil {
			return nil, malformed("certificate: %v", err)
		}
		sd.certs = append(sd.certs, c)
	}
	if !body.SkipOptionalASN1(asn1.Tag(1).ContextSpecific().Constructed()) || !body.ReadASN1(&signerInfos, asn1.SET) || !body.Empty() {
		return nil, malformed("bad SignedData tail")
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, asn1.SEQUENCE) {
		return nil, malformed("no SignerInfo")
	}
	if !signerInfos.Empty() {
		return nil, fmt.Errorf("%w: more than one signer", ErrUnsupported)
	}
	if err := sd.parseSignerInfo(si); err != nil {
		return nil, err
	}
	return sd, nil
}

func (sd *signedData) parseSignerInfo(si cryptobyte.String) error {
	var version int64
	if !si.ReadASN1Integer(&version) {
		return malformed("bad SignerInfo version")
	}
	switch {
	case version == 1 && si.PeekASN1Tag(asn1.SEQUENCE):
		var ias cryptobyte.String
		var issuer cryptobyte.String
		var serial cryptobyte.String
		if !si.ReadASN1(&ias, asn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, asn1.SEQUENCE) ||
			!ias.ReadASN1(&serial, asn1.INTEGER) || !ias.Empty() {
			return malformed("bad issuerAndSerialNumber")
		}
		sd.sidIssuer, sd.sidSerial = issuer, serial
	case version == 3 && si.PeekASN1Tag(asn1.Tag(0).ContextSpecific()):
		if !si.ReadASN1Bytes(&sd.sidKeyID, asn1.Tag(0).ContextSpecific()) {
			return malformed("bad subjectKeyIdentifier")
		}
	default:
		return malformed("SignerInfo version %d does not fit its signer identifier", version)
	}
	var err error
	if sd.digestAlg, err = readAlgorithm(&si, "digest"); err != nil {
		return err
	}
	var attrs cryptobyte.String
	if !si.PeekASN1Tag(asn1.Tag(0).ContextSpecific().Constructed()) {
		return &MissingAttributeError{Name: "signedAttrs"}
	}
	if !si.ReadASN1Element(&attrs, asn1.Tag(0).ContextSpecific().Constructed()) {
		return malformed("bad signed attributes")
	}
	sd.signedAttr = attrs
	if sd.sigAlg, err = readAlgorithm(&si, "signature"); err != nil {
		return err
	}
	if !si.ReadASN1Bytes(&sd.signature, asn1.OCTET_STRING) {
		return malformed("bad signature value")
	}
	if !si.SkipOptionalASN1(asn1.Tag(1).ContextSpecific().Constructed()) || !si.Empty() {
		return malformed("trailing data in SignerInfo")
	}
	return sd.readAttributes()
}

// readAttributes indexes the signed attributes by type; each of those kcr reads holds one value.
func (sd *signedData) readAttributes() error {
	s := cryptobyte.String(sd.signedAttr)
	var set cryptobyte.String
	if !s.ReadASN1(&set, asn1.Tag(0).ContextSpecific().Constructed()) {
		return malformed("bad signed attributes")
	}
	sd.attrs = make(map[string]cryptobyte.String, 8)
	raws := make([][]byte, 0, 8)
	for n := 0; !set.Empty(); n++ {
		if n == maxAttributes {
			return malformed("more than %d signed attributes", maxAttributes)
		}
		var raw, attr, values cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !set.ReadASN1Element(&raw, asn1.SEQUENCE) {
			return malformed("bad signed attribute")
		}
		elem := raw
		if !elem.ReadASN1(&attr, asn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return malformed("bad signed attribute")
		}
		key := oid.String()
		if _, dup := sd.attrs[key]; dup {
			return malformed("duplicate signed attribute %s", oid)
		}
		sd.attrs[key] = values
		raws = append(raws, raw)
	}
	if !slices.IsSortedFunc(raws, bytes.Compare) {
		slices.SortFunc(raws, bytes.Compare)
		b := cryptobyte.NewBuilder(make([]byte, 0, len(sd.signedAttr)))
		b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
			for _, r := range raws {
				b.AddBytes(r)
			}
		})
		sd.sortedAttr = b.BytesOrPanic()
	}
	for _, oid := range requiredSignedAttributes {
		values, ok := sd.attrs[oid.String()]
		if !ok {
			return &MissingAttributeError{Name: attributeNames[oid.String()]}
		}
		var v cryptobyte.String
		var tag asn1.Tag
		if !values.ReadAnyASN1Element(&v, &tag) || !values.Empty() {
			return malformed("%s must hold exactly one value", attributeNames[oid.String()])
		}
		sd.attrs[oid.String()] = v
	}
	return nil
}

// readAlgorithm reads an AlgorithmIdentifier with absent or NULL parameters.
func readAlgorithm(s *cryptobyte.String, what string) (encasn1.ObjectIdentifier, error) {
	var seq cryptobyte.String
	var oid encasn1.ObjectIdentifier
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return nil, malformed("bad %s algorithm", what)
	}
	if seq.PeekASN1Tag(asn1.NULL) && !seq.SkipASN1(asn1.NULL) {
		return nil, malformed("bad %s algorithm parameters", what)
	}
	if !seq.Empty() {
		return nil, malformed("%s algorithm %s has parameters", what, oid)
	}
	return oid, nil
}

// checkAlgorithms requires the digest and signature algorithms of the signer's key size. CryptoPro
// names the signature by the key algorithm, OpenSSL by the signature-with-digest one: both are taken.
func checkAlgorithms(key *gost.PublicKey, digestAlg, sigAlg encasn1.ObjectIdentifier) error {
	wantSig := key.SignatureAlgorithm()
	wantDigest, wantKey := gost.OIDDigest256, gost.OIDPublicKey256
	if wantSig.Equal(gost.OIDSignature512) {
		wantDigest, wantKey = gost.OIDDigest512, gost.OIDPublicKey512
	}
	if !digestAlg.Equal(wantDigest) {
		return fmt.Errorf("%w: digest algorithm %s with a %s key", ErrUnsupported, digestAlg, wantKey)
	}
	if !sigAlg.Equal(wantSig) && !sigAlg.Equal(wantKey) {
		return fmt.Errorf("%w: signature algorithm %s with a %s key", ErrUnsupported, sigAlg, wantKey)
	}
	return nil
}

// digest is Streebog of msg for a digest algorithm already checked to be one; nil otherwise.
func digest(alg encasn1.ObjectIdentifier, msg []byte) []byte {
	switch {
	case alg.Equal(gost.OIDDigest256):
		return gost.Digest256(msg)
	case alg.Equal(gost.OIDDigest512):
		return gost.Digest512(msg)
	case alg.Equal(oidSHA256):
		h := sha256.Sum256(msg)
		return h[:]
	}
	return nil
}

func checkContentType(v cryptobyte.String) error {
	var oid encasn1.ObjectIdentifier
	if !v.ReadASN1ObjectIdentifier(&oid) || !v.Empty() {
		return malformed("bad contentType attribute")
	}
	if !oid.Equal(OIDData) {
		return fmt.Errorf("%w: signed content type %s is not id-data", ErrUnsupported, oid)
	}
	return nil
}

func readOctets(v cryptobyte.String, what string) ([]byte, error) {
	var out []byte
	if !v.ReadASN1Bytes(&out, asn1.OCTET_STRING) || !v.Empty() {
		return nil, malformed("bad %s attribute", what)
	}
	return out, nil
}

// readSigningTime reads a UTCTime or GeneralizedTime in the RFC 5280 forms (Z, seconds, no fraction).
func readSigningTime(v cryptobyte.String) (time.Time, error) {
	var raw cryptobyte.String
	switch {
	case v.ReadASN1(&raw, asn1.UTCTime) && v.Empty() && len(raw) == 13 && raw[12] == 'Z' && digits(raw[:12]):
		t, err := time.Parse("060102150405Z", string(raw))
		if err != nil {
			return time.Time{}, malformed("bad signingTime")
		}
		if t.Year() >= 2050 {
			t = t.AddDate(-100, 0, 0)
		}
		return t, nil
	case v.ReadASN1(&raw, asn1.GeneralizedTime) && v.Empty() && len(raw) == 15 && raw[14] == 'Z' && digits(raw[:14]):
		t, err := time.Parse("20060102150405Z", string(raw))
		if err != nil {
			return time.Time{}, malformed("bad signingTime")
		}
		return t, nil
	}
	return time.Time{}, malformed("bad signingTime")
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// findSigner returns the certificate the SignerInfo names.
func (sd *signedData) findSigner() *x509gost.Certificate {
	for _, c := range sd.certs {
		if sd.sidKeyID != nil {
			if len(c.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyID, sd.sidKeyID) {
				return c
			}
			continue
		}
		if bytes.Equal(c.RawIssuer, sd.sidIssuer) && bytes.Equal(serialBytes(c), sd.sidSerial) {
			return c
		}
	}
	return nil
}

// serialBytes is the INTEGER contents of c's serial number, as in its DER.
func serialBytes(c *x509gost.Certificate) []byte {
	var b cryptobyte.Builder
	b.AddASN1BigInt(c.SerialNumber)
	der := b.BytesOrPanic()
	s := cryptobyte.String(der)
	var v cryptobyte.String
	s.ReadASN1(&v, asn1.INTEGER)
	return v
}

// checkSigningCertificate checks that the first ESSCertIDv2 is the signer certificate's hash and,
// when it names the issuer serial, the signer's serial.
func checkSigningCertificate(v cryptobyte.String, signer *x509gost.Certificate) error {
	var sc, certs, id cryptobyte.String
	if !v.ReadASN1(&sc, asn1.SEQUENCE) || !v.Empty() || !sc.ReadASN1(&certs, asn1.SEQUENCE) || !certs.ReadASN1(&id, asn1.SEQUENCE) {
		return malformed("bad signingCertificateV2")
	}
	alg := oidSHA256
	if id.PeekASN1Tag(asn1.SEQUENCE) {
		var err error
		if alg, err = readAlgorithm(&id, "signingCertificateV2 hash"); err != nil {
			return err
		}
	}
	var hash []byte
	if !id.ReadASN1Bytes(&hash, asn1.OCTET_STRING) {
		return malformed("bad signingCertificateV2 hash")
	}
	want := digest(alg, signer.Raw)
	if want == nil {
		return fmt.Errorf("%w: signingCertificateV2 hash algorithm %s", ErrUnsupported, alg)
	}
	if !bytes.Equal(hash, want) {
		return ErrSigningCertificate
	}
	if id.Empty() {
		return nil
	}
	var issuerSerial, names cryptobyte.String
	var serial cryptobyte.String
	if !id.ReadASN1(&issuerSerial, asn1.SEQUENCE) || !id.Empty() || !issuerSerial.ReadASN1(&names, asn1.SEQUENCE) ||
		!issuerSerial.ReadASN1(&serial, asn1.INTEGER) || !issuerSerial.Empty() {
		return malformed("bad signingCertificateV2 issuerSerial")
	}
	if !bytes.Equal(serial, serialBytes(signer)) {
		return ErrSigningCertificate
	}
	return nil
}

// buildChain walks from the signer to a root through pool, every certificate valid at t.
func buildChain(signer *x509gost.Certificate, pool, roots []*x509gost.Certificate, t time.Time) ([]*x509gost.Certificate, error) {
	chain := []*x509gost.Certificate{signer}
	cur := signer
	for range maxChainLength {
		if err := validAt(cur, t); err != nil {
			return nil, err
		}
		for _, r := range roots {
			if bytes.Equal(r.Raw, cur.Raw) { // a trusted certificate is its own anchor
				return chain, nil
			}
		}
		if root := issuerIn(cur, roots); root != nil {
			if err := validAt(root, t); err != nil {
				return nil, err
			}
			return append(chain, root), nil
		}
		next := issuerIn(cur, pool)
		if next == nil {
			return nil, ErrUntrusted
		}
		chain = append(chain, next)
		cur = next
	}
	return nil, fmt.Errorf("%w: chain longer than %d", ErrUntrusted, maxChainLength)
}

// issuerIn returns the certificate among cands, other than c, that signed c.
func issuerIn(c *x509gost.Certificate, cands []*x509gost.Certificate) *x509gost.Certificate {
	for _, cand := range cands {
		if !bytes.Equal(cand.Raw, c.Raw) && bytes.Equal(cand.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}

func validAt(c *x509gost.Certificate, t time.Time) error {
	if t.Before(c.NotBefore) || t.After(c.NotAfter) {
		// The serial, not the subject: errors end up in logs, which hold no personal data.
		return fmt.Errorf("%w: certificate %X is valid from %s to %s, signed at %s", ErrExpired, c.SerialNumber,
			c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	return nil
}
