package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	"io"
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// CRL reason codes (RFC 5280 5.3.1).
const (
	ReasonUnspecified          = 0
	ReasonKeyCompromise        = 1
	ReasonCACompromise         = 2
	ReasonAffiliationChanged   = 3
	ReasonSuperseded           = 4
	ReasonCessationOfOperation = 5
	ReasonCertificateHold      = 6
	ReasonRemoveFromCRL        = 8
	ReasonPrivilegeWithdrawn   = 9
	ReasonAACompromise         = 10
)

func validReason(r int) bool { return r >= 0 && r <= 10 && r != 7 }

// RevokedEntry is one revoked certificate. Reason is an RFC 5280 CRLReason, -1 for none.
type RevokedEntry struct {
	SerialNumber *big.Int
	RevokedAt    time.Time
	Reason       int
}

// CRLTemplate describes a CRL to sign.
type CRLTemplate struct {
	Issuer         []byte // DER Name: the CA certificate's RawSubject
	ThisUpdate     time.Time
	NextUpdate     time.Time
	Number         *big.Int // cRLNumber: monotonically increasing
	AuthorityKeyID []byte   // the CA's subject key identifier
	Revoked        []RevokedEntry
	// Entries are revokedCertificates entries encoded by EncodeRevokedEntry, listed after Revoked: an issuer
	// that keeps them between publications encodes only the revocations that are new.
	Entries [][]byte
}

// EncodeRevokedEntry encodes one revokedCertificates entry as CreateCRL writes it, for
// CRLTemplate.Entries.
func EncodeRevokedEntry(r RevokedEntry) ([]byte, error) {
	if err := checkRevokedEntry(r); err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, 48))
	addRevokedEntry(b, r)
	return b.Bytes()
}

func checkRevokedEntry(r RevokedEntry) error {
	if err := checkSerial(r.SerialNumber); err != nil {
		return err
	}
	if r.RevokedAt.IsZero() {
		return errorf("revoked entry %x has no revocation time", r.SerialNumber)
	}
	if r.Reason != -1 && !validReason(r.Reason) {
		return errorf("revoked entry %x has invalid reason %d", r.SerialNumber, r.Reason)
	}
	return nil
}

func addRevokedEntry(b *cryptobyte.Builder, r RevokedEntry) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r.SerialNumber)
		addTime(b, r.RevokedAt)
		if r.Reason > 0 {
			addExtensions(b, []Extension{{OID: OIDExtReasonCode, Value: reasonCodes[r.Reason]}})
		}
	})
}

// reasonCodes are the reasonCode extension values by CRLReason, encoded once.
var reasonCodes = func() [][]byte {
	out := make([][]byte, ReasonAACompromise+1)
	for r := range out {
		out[r] = reasonCode(r)
	}
	return out
}()

// CreateCRL signs a v2 CRL carrying the cRLNumber and authorityKeyIdentifier extensions (both
// required by RFC 5280 5.2) and, per entry, a reasonCode unless the reason is none (-1) or
// unspecified (0), which RFC 5280 5.3.1 says SHOULD be absent.
func CreateCRL(t *CRLTemplate, signer gost.Signer, rand io.Reader) ([]byte, error) {
	if t == nil || signer == nil {
		return nil, errorf("CreateCRL needs a template and a signer")
	}
	if !checkElement(t.Issuer, asn1.SEQUENCE) {
		return nil, errorf("CRL issuer must be one DER Name")
	}
	if t.ThisUpdate.IsZero() || t.NextUpdate.IsZero() || t.NextUpdate.Before(t.ThisUpdate) {
		return nil, errorf("CRL needs thisUpdate and a later nextUpdate")
	}
	if t.Number == nil || t.Number.Sign() < 0 || len(t.Number.Bytes()) > 20 {
		return nil, errorf("CRL number must be a non-negative integer of at most 20 octets")
	}
	if len(t.AuthorityKeyID) == 0 {
		return nil, errorf("CRL needs the issuer's key identifier")
	}
	size := 512
	for _, r := range t.Revoked {
		if err := checkRevokedEntry(r); err != nil {
			return nil, err
		}
		size += 48
	}
	for _, e := range t.Entries {
		if !checkElement(e, asn1.SEQUENCE) {
			return nil, errorf("a pre-encoded revoked entry is not one DER SEQUENCE")
		}
		size += len(e)
	}
	alg := signer.Public().SignatureAlgorithm()
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1) // v2
		addAlgorithm(b, alg)
		b.AddBytes(t.Issuer)
		addTime(b, t.ThisUpdate)
		addTime(b, t.NextUpdate)
		if len(t.Revoked)+len(t.Entries) > 0 {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, r := range t.Revoked {
					addRevokedEntry(b, r)
				}
				for _, e := range t.Entries {
					b.AddBytes(e)
				}
			})
		}
		b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			addExtensions(b, []Extension{
				{OID: OIDExtAuthorityKeyID, Value: AuthorityKeyID(t.AuthorityKeyID)},
				{OID: OIDExtCRLNumber, Value: build(func(b *cryptobyte.Builder) { b.AddASN1BigInt(t.Number) })},
			})
		})
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, errorf("encoding CRL: %w", err)
	}
	sig, err := signAndVerify(signer, rand, tbs)
	if err != nil {
		return nil, err
	}
	return addSigned(tbs, alg, sig)
}

func reasonCode(r int) []byte {
	return build(func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(r)) })
}

// CRL is a parsed certificate revocation list (v1 or v2) with a GOST signature.
type CRL struct {
	Raw, RawTBS, RawIssuer []byte
	SignatureAlgorithm     encasn1.ObjectIdentifier
	Issuer                 Name
	ThisUpdate, NextUpdate time.Time // NextUpdate is zero when absent
	Number                 *big.Int  // nil when absent
	AuthorityKeyID         []byte    // nil when absent
	Revoked                []RevokedEntry
	Extensions             []Extension
	Signature              []byte
}

// ParseCRL parses a DER CRL signed with a GOST algorithm.
func ParseCRL(der []byte) (*CRL, error) {
	sd, err := readSigned(der, "CRL")
	if err != nil {
		return nil, err
	}
	c := &CRL{Raw: sd.raw, RawTBS: sd.rawTBS, Signature: sd.sig}
	tbs := sd.tbs
	var ver int64
	if tbs.PeekASN1Tag(asn1.INTEGER) {
		if !tbs.ReadASN1Integer(&ver) || ver != 1 { // only v2 (1) may be written explicitly
			return nil, errorf("unsupported CRL version")
		}
	}
	if c.SignatureAlgorithm, err = readAlgorithm(&tbs, "CRL signature"); err != nil {
		return nil, err
	}
	if err := checkGOSTSignature("the CRL", c.SignatureAlgorithm); err != nil {
		return nil, err
	}
	if !sd.alg.Equal(c.SignatureAlgorithm) {
		return nil, errorf("outer CRL signature algorithm %s differs from the TBS's %s", describeOID(sd.alg), c.SignatureAlgorithm)
	}
	var issuer cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, asn1.SEQUENCE) {
		return nil, errorf("malformed CRL issuer")
	}
	c.RawIssuer = issuer
	if c.Issuer, err = ParseName(issuer); err != nil {
		return nil, err
	}
	if c.ThisUpdate, err = readTime(&tbs); err != nil {
		return nil, err
	}
	if tbs.PeekASN1Tag(asn1.UTCTime) || tbs.PeekASN1Tag(asn1.GeneralizedTime) {
		if c.NextUpdate, err = readTime(&tbs); err != nil {
			return nil, err
		}
	}
	if tbs.PeekASN1Tag(asn1.SEQUENCE) {
		var list cryptobyte.String
		if !tbs.ReadASN1(&list, asn1.SEQUENCE) {
			return nil, errorf("malformed revoked certificates")
		}
		for !list.Empty() {
			r, err := readRevoked(&list, ver)
			if err != nil {
				return nil, err
			}
			c.Revoked = append(c.Revoked, r)
		}
	}
	var extsWrap cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&extsWrap, &hasExts, asn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, errorf("malformed CRL extensions")
	}
	if hasExts {
		var exts cryptobyte.String
		if ver != 1 || !extsWrap.ReadASN1(&exts, asn1.SEQUENCE) || !extsWrap.Empty() {
			return nil, errorf("malformed CRL extensions")
		}
		if c.Extensions, err = readExtensions(exts); err != nil {
			return nil, err
		}
	}
	if !tbs.Empty() {
		return nil, errorf("trailing data in TBSCertList")
	}
	if e, ok := findExtension(c.Extensions, OIDExtCRLNumber); ok {
		s := cryptobyte.String(e.Value)
		c.Number = new(big.Int)
		if !s.ReadASN1Integer(c.Number) || !s.Empty() || c.Number.Sign() < 0 {
			return nil, errorf("malformed CRL number")
		}
	}
	if e, ok := findExtension(c.Extensions, OIDExtAuthorityKeyID); ok {
		if c.AuthorityKeyID, err = parseAuthorityKeyID(e.Value); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func readRevoked(list *cryptobyte.String, ver int64) (RevokedEntry, error) {
	r := RevokedEntry{SerialNumber: new(big.Int), Reason: -1}
	var entry cryptobyte.String
	var err error
	if !list.ReadASN1(&entry, asn1.SEQUENCE) || !entry.ReadASN1Integer(r.SerialNumber) {
		return r, errorf("malformed revoked certificate entry")
	}
	if r.RevokedAt, err = readTime(&entry); err != nil {
		return r, err
	}
	if entry.PeekASN1Tag(asn1.SEQUENCE) {
		var extSeq cryptobyte.String
		if ver != 1 || !entry.ReadASN1(&extSeq, asn1.SEQUENCE) {
			return r, errorf("malformed CRL entry extensions")
		}
		exts, err := readExtensions(extSeq)
		if err != nil {
			return r, err
		}
		if e, ok := findExtension(exts, OIDExtReasonCode); ok {
			s := cryptobyte.String(e.Value)
			var reason int
			if !s.ReadASN1Enum(&reason) || !s.Empty() || !validReason(reason) {
				return r, errorf("malformed reason code for serial %x", r.SerialNumber)
			}
			r.Reason = reason
		}
	}
	if !entry.Empty() {
		return r, errorf("trailing data in revoked certificate entry")
	}
	return r, nil
}

// CheckSignatureFrom checks that issuer signed the CRL: the CRL's issuer name must be the
// certificate's subject byte for byte (kcr signs both), a v3 issuer stating key usage must allow
// cRLSign, and the signature must verify.
func (c *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
		return errorf("CRL issuer %q is not certificate subject %q", c.Issuer, issuer.Subject)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&(1<<KeyUsageCRLSign) == 0 {
		return errorf("issuer %q may not sign CRLs (keyUsage lacks cRLSign)", issuer.Subject)
	}
	return verifyWith(issuer.PublicKey, c.SignatureAlgorithm, c.RawTBS, c.Signature)
}
