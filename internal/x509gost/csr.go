package x509gost

import (
	encasn1 "encoding/asn1"
	"fmt"
	"io"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// OIDExtensionRequest is the PKCS#9 extensionRequest attribute a CSR carries requested extensions in.
var OIDExtensionRequest = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 14}

// CertificateRequest is a parsed PKCS#10 request with a GOST key and signature. kcr uses it only as
// proof of possession of the key: the certificate's subject comes from registration data.
type CertificateRequest struct {
	Raw, RawInfo       []byte
	Subject            Name
	RawSubject         []byte
	RawSPKI            []byte
	PublicKey          *gost.PublicKey
	Extensions         []Extension // from an extensionRequest attribute, if any
	SignatureAlgorithm encasn1.ObjectIdentifier
	Signature          []byte
}

// ParseCertificateRequest parses a DER PKCS#10 request. It refuses non-GOST keys and signature
// algorithms (wrapping ErrNotGOST and naming the OID), a signature algorithm that does not fit the
// key size, and trailing data.
func ParseCertificateRequest(der []byte) (*CertificateRequest, error) {
	sd, err := readSigned(der, "certificate request")
	if err != nil {
		return nil, err
	}
	r := &CertificateRequest{Raw: sd.raw, RawInfo: sd.rawTBS, Signature: sd.sig, SignatureAlgorithm: sd.alg}
	info := sd.tbs
	var ver int64
	if !info.ReadASN1Integer(&ver) || ver != 0 {
		return nil, errorf("unsupported certificate request version")
	}
	var subject, spki, attrs cryptobyte.String
	if !info.ReadASN1Element(&subject, asn1.SEQUENCE) {
		return nil, errorf("malformed request subject")
	}
	r.RawSubject = subject
	if r.Subject, err = ParseName(subject); err != nil {
		return nil, fmt.Errorf("request subject: %w", err)
	}
	if !info.ReadASN1Element(&spki, asn1.SEQUENCE) {
		return nil, errorf("malformed request public key")
	}
	r.RawSPKI = spki
	if r.PublicKey, err = parseGOSTSPKI(spki); err != nil {
		return nil, err
	}
	// attributes [0] IMPLICIT SET OF Attribute is mandatory in RFC 2986, but some tools drop an
	// empty one; accept its absence.
	var hasAttrs bool
	if !info.ReadOptionalASN1(&attrs, &hasAttrs, asn1.Tag(0).ContextSpecific().Constructed()) || !info.Empty() {
		return nil, errorf("malformed request attributes")
	}
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid encasn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, asn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, asn1.SET) || !attr.Empty() {
			return nil, errorf("malformed request attribute")
		}
		if oid.Equal(OIDExtensionRequest) {
			var exts cryptobyte.String
			if !values.ReadASN1(&exts, asn1.SEQUENCE) || !values.Empty() {
				return nil, errorf("malformed extension request")
			}
			if !exts.Empty() {
				if r.Extensions, err = readExtensions(exts); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := checkGOSTSignature("the certificate request", r.SignatureAlgorithm); err != nil {
		return nil, err
	}
	if want := r.PublicKey.SignatureAlgorithm(); !r.SignatureAlgorithm.Equal(want) {
		return nil, errorf("request signature algorithm %s does not fit its key (expected %s)", r.SignatureAlgorithm, want)
	}
	return r, nil
}

// CheckSignature verifies the request's self-signature, proving the requester holds the private key.
func (r *CertificateRequest) CheckSignature() error {
	return verifyWith(r.PublicKey, r.SignatureAlgorithm, r.RawInfo, r.Signature)
}

// CreateCertificateRequest makes a self-signed PKCS#10 request for the signer's key, with an empty
// attribute set. kcr's own holders make requests with their crypto tools; this serves the demo and tests.
func CreateCertificateRequest(subject Name, signer gost.Signer, rand io.Reader) ([]byte, error) {
	rawSubject, err := subject.Marshal()
	if err != nil {
		return nil, err
	}
	spki, err := signer.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddBytes(rawSubject)
		b.AddBytes(spki)
		b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(*cryptobyte.Builder) {})
	})
	info, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	sig, err := signAndVerify(signer, rand, info)
	if err != nil {
		return nil, err
	}
	return addSigned(info, signer.Public().SignatureAlgorithm(), sig)
}
