package x509gost

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	encasn1 "encoding/asn1"
	"io"
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP OIDs.
var (
	OIDSHA1        = encasn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256      = encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDOCSPBasic   = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	OIDOCSPNonce   = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	OIDOCSPNoCheck = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// CertID identifies a certificate in OCSP (RFC 6960 4.1.1).
type CertID struct {
	HashAlgorithm  encasn1.ObjectIdentifier // OIDSHA1, OIDSHA256, gost.OIDDigest256 or gost.OIDDigest512
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

// Equal reports whether two CertIDs name the same certificate the same way.
func (id CertID) Equal(o CertID) bool {
	return id.HashAlgorithm.Equal(o.HashAlgorithm) && bytes.Equal(id.IssuerNameHash, o.IssuerNameHash) &&
		bytes.Equal(id.IssuerKeyHash, o.IssuerKeyHash) && id.SerialNumber != nil && o.SerialNumber != nil &&
		id.SerialNumber.Cmp(o.SerialNumber) == 0
}

// hashWith computes the CertID hash for a supported algorithm.
func hashWith(alg encasn1.ObjectIdentifier, data []byte) ([]byte, bool) {
	switch {
	case alg.Equal(OIDSHA1):
		h := sha1.Sum(data)
		return h[:], true
	case alg.Equal(OIDSHA256):
		h := sha256.Sum256(data)
		return h[:], true
	case alg.Equal(gost.OIDDigest256):
		return gost.Digest256(data), true
	case alg.Equal(gost.OIDDigest512):
		return gost.Digest512(data), true
	}
	return nil, false
}

// NewCertID returns the CertID of the certificate with the given serial issued by issuer: the name
// hash is over the issuer's DER subject, the key hash over its subjectPublicKey BIT STRING contents
// (RFC 6960 4.1.1), both with SHA-1, SHA-256, Streebog-256 or Streebog-512 (clients such as
// "openssl ocsp -sha256" and CryptoPro's OCSP client choose the hash, the responder must follow).
func NewCertID(hashAlg encasn1.ObjectIdentifier, issuer *Certificate, serial *big.Int) (CertID, error) {
	if serial == nil {
		return CertID{}, errorf("CertID needs a serial number")
	}
	key, err := SubjectPublicKeyBits(issuer.RawSPKI)
	if err != nil {
		return CertID{}, err
	}
	nameHash, ok := hashWith(hashAlg, issuer.RawSubject)
	if !ok {
		return CertID{}, errorf("unsupported CertID hash algorithm %s", hashAlg)
	}
	keyHash, _ := hashWith(hashAlg, key)
	return CertID{HashAlgorithm: hashAlg, IssuerNameHash: nameHash, IssuerKeyHash: keyHash, SerialNumber: new(big.Int).Set(serial)}, nil
}

// KeyHash returns the SHA-1 of a certificate's subjectPublicKey BIT STRING contents: the OCSP
// ResponderID byKey value.
func KeyHash(c *Certificate) ([]byte, error) {
	key, err := SubjectPublicKeyBits(c.RawSPKI)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(key)
	return h[:], nil
}

// addCertID writes a CertID. SHA-1 and SHA-256 get NULL parameters (the customary form clients send),
// Streebog none (RFC 9215); clients match CertIDs on the algorithm OID, not the parameters.
func addCertID(b *cryptobyte.Builder, id CertID) {
	if id.SerialNumber == nil || len(id.HashAlgorithm) == 0 {
		b.SetError(errorf("incomplete CertID"))
		return
	}
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if id.HashAlgorithm.Equal(OIDSHA1) || id.HashAlgorithm.Equal(OIDSHA256) {
			addAlgorithmNULL(b, id.HashAlgorithm)
		} else {
			addAlgorithm(b, id.HashAlgorithm)
		}
		b.AddASN1OctetString(id.IssuerNameHash)
		b.AddASN1OctetString(id.IssuerKeyHash)
		b.AddASN1BigInt(id.SerialNumber)
	})
}

func readCertID(s *cryptobyte.String) (CertID, error) {
	var id CertID
	var seq cryptobyte.String
	var err error
	if !s.ReadASN1(&seq, asn1.SEQUENCE) {
		return id, errorf("malformed CertID")
	}
	if id.HashAlgorithm, err = readAlgorithm(&seq, "CertID hash"); err != nil {
		return id, err
	}
	id.SerialNumber = new(big.Int)
	if !seq.ReadASN1Bytes(&id.IssuerNameHash, asn1.OCTET_STRING) ||
		!seq.ReadASN1Bytes(&id.IssuerKeyHash, asn1.OCTET_STRING) ||
		!seq.ReadASN1Integer(id.SerialNumber) || !seq.Empty() {
		return id, errorf("malformed CertID")
	}
	return id, nil
}

// nonceExtension encodes the nonce as RFC 6960 4.4.1 says (extnValue = DER OCTET STRING).
func nonceExtension(nonce []byte) Extension {
	return Extension{OID: OIDOCSPNonce, Value: build(func(b *cryptobyte.Builder) { b.AddASN1OctetString(nonce) })}
}

// nonceFrom reads a nonce extension. Some old clients put the raw nonce in extnValue without the
// OCTET STRING wrapper; take it as is when it is not a single OCTET STRING.
func nonceFrom(exts []Extension) []byte {
	e, ok := findExtension(exts, OIDOCSPNonce)
	if !ok {
		return nil
	}
	s := cryptobyte.String(e.Value)
	var v []byte
	if s.ReadASN1Bytes(&v, asn1.OCTET_STRING) && s.Empty() {
		return append([]byte{}, v...)
	}
	return append([]byte{}, e.Value...)
}

// OCSPRequest is a parsed OCSP request.
type OCSPRequest struct {
	Raw         []byte
	RequestList []CertID
	Nonce       []byte // nil when absent
}

// CreateOCSPRequest returns an unsigned DER OCSP request for ids, with a nonce extension unless
// nonce is nil.
func CreateOCSPRequest(ids []CertID, nonce []byte) ([]byte, error) {
	if len(ids) == 0 {
		return nil, errorf("OCSP request needs at least one CertID")
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, id := range ids {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { addCertID(b, id) })
				}
			})
			if nonce != nil {
				b.AddASN1(asn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					addExtensions(b, []Extension{nonceExtension(nonce)})
				})
			}
		})
	})
	return b.Bytes()
}

// ParseOCSPRequest parses a DER OCSP request. A signed request is accepted and its signature ignored:
// kcr's responder answers anyone, as public OCSP responders do.
func ParseOCSPRequest(der []byte) (*OCSPRequest, error) {
	input := cryptobyte.String(bytes.Clone(der)) // the result keeps slices of its input
	var outer, req, tbs cryptobyte.String
	if !input.ReadASN1Element(&outer, asn1.SEQUENCE) {
		return nil, errorf("malformed OCSP request")
	}
	if !input.Empty() {
		return nil, errorf("trailing data after OCSP request")
	}
	r := &OCSPRequest{Raw: outer}
	if !outer.ReadASN1(&req, asn1.SEQUENCE) || !req.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!req.SkipOptionalASN1(asn1.Tag(0).ContextSpecific().Constructed()) || !req.Empty() {
		return nil, errorf("malformed OCSP request")
	}
	var ver int64
	var list cryptobyte.String
	if !tbs.ReadOptionalASN1Integer(&ver, asn1.Tag(0).ContextSpecific().Constructed(), int64(0)) || ver != 0 {
		return nil, errorf("unsupported OCSP request version")
	}
	if !tbs.SkipOptionalASN1(asn1.Tag(1).ContextSpecific().Constructed()) || !tbs.ReadASN1(&list, asn1.SEQUENCE) || list.Empty() {
		return nil, errorf("malformed OCSP request list")
	}
	for !list.Empty() {
		var one cryptobyte.String
		if !list.ReadASN1(&one, asn1.SEQUENCE) {
			return nil, errorf("malformed OCSP single request")
		}
		id, err := readCertID(&one)
		if err != nil {
			return nil, err
		}
		// singleRequestExtensions: nothing kcr acts on.
		if !one.SkipOptionalASN1(asn1.Tag(0).ContextSpecific().Constructed()) || !one.Empty() {
			return nil, errorf("malformed OCSP single request")
		}
		r.RequestList = append(r.RequestList, id)
	}
	var extsWrap cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&extsWrap, &hasExts, asn1.Tag(2).ContextSpecific().Constructed()) || !tbs.Empty() {
		return nil, errorf("malformed OCSP request")
	}
	if hasExts {
		var seq cryptobyte.String
		if !extsWrap.ReadASN1(&seq, asn1.SEQUENCE) || !extsWrap.Empty() {
			return nil, errorf("malformed OCSP request extensions")
		}
		exts, err := readExtensions(seq)
		if err != nil {
			return nil, err
		}
		r.Nonce = nonceFrom(exts)
	}
	return r, nil
}

// OCSP certificate statuses.
const (
	OCSPGood    = 0
	OCSPRevoked = 1
	OCSPUnknown = 2
)

// OCSP response statuses other than successful (0), for OCSPErrorResponse.
const (
	OCSPSuccessful       = 0
	OCSPMalformedRequest = 1
	OCSPInternalError    = 2
	OCSPTryLater         = 3
	OCSPSigRequired      = 5
	OCSPUnauthorized     = 6
)

// SingleResponse is the status of one certificate. Reason is a CRLReason, -1 for none; NextUpdate is
// zero when absent.
type SingleResponse struct {
	ID                     CertID
	Status                 int
	RevokedAt              time.Time
	Reason                 int
	ThisUpdate, NextUpdate time.Time
}

// OCSPResponseTemplate describes a BasicOCSPResponse to sign.
type OCSPResponseTemplate struct {
	ResponderKeyHash []byte // SHA-1 of the responder's public key BIT STRING contents (KeyHash): ResponderID byKey
	ProducedAt       time.Time
	Responses        []SingleResponse
	Nonce            []byte   // echoed request nonce, nil for none
	Certs            [][]byte // DER certificates to include (the responder's, when it is delegated)
}

// CreateOCSPResponse signs a BasicOCSPResponse and wraps it in a successful OCSPResponse.
func CreateOCSPResponse(t *OCSPResponseTemplate, signer gost.Signer, rand io.Reader) ([]byte, error) {
	if t == nil || signer == nil {
		return nil, errorf("CreateOCSPResponse needs a template and a signer")
	}
	if len(t.ResponderKeyHash) != sha1.Size {
		return nil, errorf("responder key hash must be a SHA-1 hash")
	}
	if t.ProducedAt.IsZero() || len(t.Responses) == 0 {
		return nil, errorf("OCSP response needs producedAt and at least one response")
	}
	for _, r := range t.Responses {
		switch {
		case r.Status < OCSPGood || r.Status > OCSPUnknown:
			return nil, errorf("invalid certificate status %d", r.Status)
		case r.ThisUpdate.IsZero() || !r.NextUpdate.IsZero() && r.NextUpdate.Before(r.ThisUpdate):
			return nil, errorf("OCSP response needs thisUpdate not after nextUpdate")
		case r.Status == OCSPRevoked && r.RevokedAt.IsZero():
			return nil, errorf("revoked status without a revocation time")
		case r.Status == OCSPRevoked && r.Reason != -1 && !validReason(r.Reason):
			return nil, errorf("invalid revocation reason %d", r.Reason)
		}
	}
	for _, c := range t.Certs {
		if !checkElement(c, asn1.SEQUENCE) {
			return nil, errorf("malformed certificate to include in the OCSP response")
		}
	}
	alg := signer.Public().SignatureAlgorithm()
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(t.ResponderKeyHash)
		})
		addGeneralizedTime(b, t.ProducedAt)
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, r := range t.Responses {
				addSingleResponse(b, r)
			}
		})
		if t.Nonce != nil {
			b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				addExtensions(b, []Extension{nonceExtension(t.Nonce)})
			})
		}
	})
	tbs, err := b.Bytes()
	if err != nil {
		return nil, errorf("encoding OCSP response: %w", err)
	}
	sig, err := signAndVerify(signer, rand, tbs)
	if err != nil {
		return nil, err
	}
	var basic cryptobyte.Builder
	basic.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		addAlgorithm(b, alg)
		b.AddASN1BitString(sig)
		if len(t.Certs) > 0 {
			b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range t.Certs {
						b.AddBytes(c)
					}
				})
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, errorf("encoding OCSP response: %w", err)
	}
	var out cryptobyte.Builder
	out.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(OCSPSuccessful)
		b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(OIDOCSPBasic)
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return out.Bytes()
}

func addSingleResponse(b *cryptobyte.Builder, r SingleResponse) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addCertID(b, r.ID)
		switch r.Status {
		case OCSPGood:
			b.AddASN1(asn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
		case OCSPRevoked:
			b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				addGeneralizedTime(b, r.RevokedAt)
				if r.Reason >= 0 {
					b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1Enum(int64(r.Reason))
					})
				}
			})
		default:
			b.AddASN1(asn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
		}
		addGeneralizedTime(b, r.ThisUpdate)
		if !r.NextUpdate.IsZero() {
			b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				addGeneralizedTime(b, r.NextUpdate)
			})
		}
	})
}

// OCSPErrorResponse returns an unsuccessful OCSPResponse (no responseBytes) with the given status:
// OCSPMalformedRequest, OCSPInternalError, OCSPTryLater, OCSPSigRequired or OCSPUnauthorized. Any
// other value becomes internalError, since "successful" without a body is not a valid answer.
func OCSPErrorResponse(status int) []byte {
	switch status {
	case OCSPMalformedRequest, OCSPInternalError, OCSPTryLater, OCSPSigRequired, OCSPUnauthorized:
	default:
		status = OCSPInternalError
	}
	return []byte{0x30, 0x03, 0x0a, 0x01, byte(status)}
}

// OCSPResponse is a parsed OCSP response. For an unsuccessful Status only Status is set.
type OCSPResponse struct {
	Status             int
	ProducedAt         time.Time
	ResponderKeyHash   []byte // ResponderID byKey; nil when the responder is named
	ResponderName      []byte // ResponderID byName as DER; nil when identified by key
	Responses          []SingleResponse
	Nonce              []byte
	Certs              [][]byte
	RawTBS, Signature  []byte
	SignatureAlgorithm encasn1.ObjectIdentifier
}

// ParseOCSPResponse parses a DER OCSPResponse; a successful one must carry a GOST-signed
// BasicOCSPResponse.
func ParseOCSPResponse(der []byte) (*OCSPResponse, error) {
	input := cryptobyte.String(bytes.Clone(der)) // the result keeps slices of its input
	var outer cryptobyte.String
	r := &OCSPResponse{}
	if !input.ReadASN1(&outer, asn1.SEQUENCE) || !outer.ReadASN1Enum(&r.Status) {
		return nil, errorf("malformed OCSP response")
	}
	if !input.Empty() {
		return nil, errorf("trailing data after OCSP response")
	}
	if r.Status < 0 || r.Status > 6 || r.Status == 4 {
		return nil, errorf("invalid OCSP response status %d", r.Status)
	}
	if r.Status != OCSPSuccessful {
		// responseBytes is meaningless here; tolerate it but ignore it.
		if !outer.SkipOptionalASN1(asn1.Tag(0).ContextSpecific().Constructed()) || !outer.Empty() {
			return nil, errorf("malformed OCSP response")
		}
		return r, nil
	}
	var wrap, rb, basicDER cryptobyte.String
	var typ encasn1.ObjectIdentifier
	if !outer.ReadASN1(&wrap, asn1.Tag(0).ContextSpecific().Constructed()) || !outer.Empty() ||
		!wrap.ReadASN1(&rb, asn1.SEQUENCE) || !wrap.Empty() || !rb.ReadASN1ObjectIdentifier(&typ) ||
		!rb.ReadASN1(&basicDER, asn1.OCTET_STRING) || !rb.Empty() {
		return nil, errorf("malformed OCSP response bytes")
	}
	if !typ.Equal(OIDOCSPBasic) {
		return nil, errorf("unsupported OCSP response type %s", typ)
	}
	var basic, tbsElem, tbs cryptobyte.String
	var err error
	if !basicDER.ReadASN1(&basic, asn1.SEQUENCE) || !basicDER.Empty() || !basic.ReadASN1Element(&tbsElem, asn1.SEQUENCE) {
		return nil, errorf("malformed BasicOCSPResponse")
	}
	r.RawTBS = tbsElem
	if !tbsElem.ReadASN1(&tbs, asn1.SEQUENCE) {
		return nil, errorf("malformed BasicOCSPResponse")
	}
	if r.SignatureAlgorithm, err = readAlgorithm(&basic, "OCSP response signature"); err != nil {
		return nil, err
	}
	if err := checkGOSTSignature("the OCSP response", r.SignatureAlgorithm); err != nil {
		return nil, err
	}
	if r.Signature, err = readSignatureBits(&basic); err != nil {
		return nil, err
	}
	var certsWrap cryptobyte.String
	var hasCerts bool
	if !basic.ReadOptionalASN1(&certsWrap, &hasCerts, asn1.Tag(0).ContextSpecific().Constructed()) || !basic.Empty() {
		return nil, errorf("malformed BasicOCSPResponse")
	}
	if hasCerts {
		var certs cryptobyte.String
		if !certsWrap.ReadASN1(&certs, asn1.SEQUENCE) || !certsWrap.Empty() {
			return nil, errorf("malformed OCSP response certificates")
		}
		for !certs.Empty() {
			var c cryptobyte.String
			if !certs.ReadASN1Element(&c, asn1.SEQUENCE) {
				return nil, errorf("malformed OCSP response certificates")
			}
			r.Certs = append(r.Certs, c)
		}
	}
	if err := r.parseResponseData(tbs); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *OCSPResponse) parseResponseData(tbs cryptobyte.String) error {
	var ver int64
	var err error
	if !tbs.ReadOptionalASN1Integer(&ver, asn1.Tag(0).ContextSpecific().Constructed(), int64(0)) || ver != 0 {
		return errorf("unsupported OCSP response version")
	}
	var rid cryptobyte.String
	switch {
	case tbs.PeekASN1Tag(asn1.Tag(1).ContextSpecific().Constructed()):
		var name cryptobyte.String
		if !tbs.ReadASN1(&rid, asn1.Tag(1).ContextSpecific().Constructed()) || !rid.ReadASN1Element(&name, asn1.SEQUENCE) || !rid.Empty() {
			return errorf("malformed responder ID")
		}
		r.ResponderName = name
	case tbs.PeekASN1Tag(asn1.Tag(2).ContextSpecific().Constructed()):
		if !tbs.ReadASN1(&rid, asn1.Tag(2).ContextSpecific().Constructed()) || !rid.ReadASN1Bytes(&r.ResponderKeyHash, asn1.OCTET_STRING) || !rid.Empty() {
			return errorf("malformed responder ID")
		}
	default:
		return errorf("malformed responder ID")
	}
	if r.ProducedAt, err = readGeneralizedTime(&tbs); err != nil {
		return err
	}
	var list cryptobyte.String
	if !tbs.ReadASN1(&list, asn1.SEQUENCE) {
		return errorf("malformed OCSP responses")
	}
	for !list.Empty() {
		sr, err := readSingleResponse(&list)
		if err != nil {
			return err
		}
		r.Responses = append(r.Responses, sr)
	}
	var extsWrap cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&extsWrap, &hasExts, asn1.Tag(1).ContextSpecific().Constructed()) || !tbs.Empty() {
		return errorf("malformed OCSP response data")
	}
	if hasExts {
		var seq cryptobyte.String
		if !extsWrap.ReadASN1(&seq, asn1.SEQUENCE) || !extsWrap.Empty() {
			return errorf("malformed OCSP response extensions")
		}
		exts, err := readExtensions(seq)
		if err != nil {
			return err
		}
		r.Nonce = nonceFrom(exts)
	}
	return nil
}

func readSingleResponse(list *cryptobyte.String) (SingleResponse, error) {
	sr := SingleResponse{Reason: -1}
	var seq cryptobyte.String
	var err error
	if !list.ReadASN1(&seq, asn1.SEQUENCE) {
		return sr, errorf("malformed single response")
	}
	if sr.ID, err = readCertID(&seq); err != nil {
		return sr, err
	}
	var status cryptobyte.String
	switch {
	case seq.PeekASN1Tag(asn1.Tag(0).ContextSpecific()):
		if !seq.ReadASN1(&status, asn1.Tag(0).ContextSpecific()) || !status.Empty() {
			return sr, errorf("malformed good status")
		}
		sr.Status = OCSPGood
	case seq.PeekASN1Tag(asn1.Tag(1).ContextSpecific().Constructed()):
		sr.Status = OCSPRevoked
		if !seq.ReadASN1(&status, asn1.Tag(1).ContextSpecific().Constructed()) {
			return sr, errorf("malformed revoked status")
		}
		if sr.RevokedAt, err = readGeneralizedTime(&status); err != nil {
			return sr, err
		}
		var reason cryptobyte.String
		var has bool
		if !status.ReadOptionalASN1(&reason, &has, asn1.Tag(0).ContextSpecific().Constructed()) || !status.Empty() {
			return sr, errorf("malformed revoked status")
		}
		if has && (!reason.ReadASN1Enum(&sr.Reason) || !reason.Empty() || !validReason(sr.Reason)) {
			return sr, errorf("malformed revocation reason")
		}
	case seq.PeekASN1Tag(asn1.Tag(2).ContextSpecific()):
		if !seq.ReadASN1(&status, asn1.Tag(2).ContextSpecific()) || !status.Empty() {
			return sr, errorf("malformed unknown status")
		}
		sr.Status = OCSPUnknown
	default:
		return sr, errorf("malformed certificate status")
	}
	if sr.ThisUpdate, err = readGeneralizedTime(&seq); err != nil {
		return sr, err
	}
	var next cryptobyte.String
	var hasNext bool
	if !seq.ReadOptionalASN1(&next, &hasNext, asn1.Tag(0).ContextSpecific().Constructed()) {
		return sr, errorf("malformed nextUpdate")
	}
	if hasNext {
		if sr.NextUpdate, err = readGeneralizedTime(&next); err != nil {
			return sr, err
		}
		if !next.Empty() {
			return sr, errorf("malformed nextUpdate")
		}
	}
	// singleExtensions: nothing kcr acts on.
	if !seq.SkipOptionalASN1(asn1.Tag(1).ContextSpecific().Constructed()) || !seq.Empty() {
		return sr, errorf("malformed single response")
	}
	return sr, nil
}

// CheckSignatureFrom checks that the response was signed by c's key. It does not decide whether c
// may answer for a given issuer (the CA itself, or a delegate with id-kp-OCSPSigning).
func (r *OCSPResponse) CheckSignatureFrom(c *Certificate) error {
	if r.Status != OCSPSuccessful {
		return errorf("unsuccessful OCSP response (status %d) carries no signature", r.Status)
	}
	return verifyWith(c.PublicKey, r.SignatureAlgorithm, r.RawTBS, r.Signature)
}
