package cms

import (
	"bytes"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"errors"
	"slices"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Sign makes a detached CAdES-BES signature of content in DER: SignedData with the signer certificate
// and chain, one SignerInfo naming cert by issuer and serial, Streebog of the key's size, and the signed
// attributes contentType, signingTime (at), messageDigest and signingCertificateV2 (a Streebog hash of
// cert, the way OpenSSL writes it). The signature is checked before it is returned.
func Sign(content []byte, signer gost.Signer, cert *x509gost.Certificate, chain []*x509gost.Certificate, at time.Time) ([]byte, error) {
	return sign(content, signer, cert, chain, at, signOptions{})
}

// signOptions make the deviant signatures the refusal tests need; Sign uses the zero value.
type signOptions struct {
	attached bool                     // carry the content inside
	omit     encasn1.ObjectIdentifier // leave this signed attribute out
	certHash []byte                   // put this in signingCertificateV2 instead of cert's hash
	unsigned []byte                   // the contents of unsignedAttrs, e.g. a CAdES-T timestamp
	unsorted bool                     // send the signed attributes out of DER order (still signing DER)
	sigAlg   encasn1.ObjectIdentifier // name this signature algorithm instead of the key's
}

func sign(content []byte, signer gost.Signer, cert *x509gost.Certificate, chain []*x509gost.Certificate, at time.Time, o signOptions) ([]byte, error) {
	if signer == nil || cert == nil || cert.PublicKey == nil {
		return nil, errors.New("cms: Sign needs a signer and its certificate")
	}
	if !cert.PublicKey.Equal(signer.Public()) {
		return nil, errors.New("cms: the certificate is not the signer's")
	}
	sigAlg := signer.Public().SignatureAlgorithm()
	digestAlg := gost.OIDDigest256
	if sigAlg.Equal(gost.OIDSignature512) {
		digestAlg = gost.OIDDigest512
	}

	certHash := digest(digestAlg, cert.Raw)
	if o.certHash != nil {
		certHash = o.certHash
	}
	attrs := make([][]byte, 0, 4)
	for _, a := range []struct {
		oid   encasn1.ObjectIdentifier
		value func(b *cryptobyte.Builder)
	}{
		{OIDContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDData) }},
		{OIDSigningTime, func(b *cryptobyte.Builder) { addTime(b, at) }},
		{OIDMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest(digestAlg, content)) }},
		{OIDSigningCertificateV2, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						addAlgorithm(b, digestAlg)
						b.AddASN1OctetString(certHash)
					})
				})
			})
		}},
	} {
		if a.oid.Equal(o.omit) {
			continue
		}
		der := attribute(a.oid, a.value)
		if der == nil {
			return nil, errors.New("cms: encoding signed attributes")
		}
		attrs = append(attrs, der)
	}
	// DER orders a SET OF by the encodings of its elements.
	slices.SortFunc(attrs, bytes.Compare)
	set := cryptobyte.NewBuilder(nil)
	set.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	signedAttrs, err := set.Bytes()
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(rand.Reader, signedAttrs)
	if err != nil {
		return nil, err
	}
	if err := signer.Public().Verify(signedAttrs, sig); err != nil {
		return nil, errors.Join(errors.New("cms: the signature just made does not verify"), err)
	}

	b := cryptobyte.NewBuilder(make([]byte, 0, 4096))
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, digestAlg) })
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(OIDData)
					if o.attached {
						b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddASN1OctetString(content) })
					}
				})
				b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					for _, c := range chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						addAlgorithm(b, digestAlg)
						// The same bytes as signed, under the [0] IMPLICIT tag SignerInfo gives them.
						if o.unsorted {
							b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								for i := len(attrs) - 1; i >= 0; i-- {
									b.AddBytes(attrs[i])
								}
							})
						} else {
							b.AddBytes(append([]byte{byte(asn1.Tag(0).ContextSpecific().Constructed())}, signedAttrs[1:]...))
						}
						if o.sigAlg != nil {
							addAlgorithm(b, o.sigAlg)
						} else {
							addAlgorithm(b, sigAlg)
						}
						b.AddASN1OctetString(sig)
						if o.unsigned != nil {
							b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(o.unsigned) })
						}
					})
				})
			})
		})
	})
	return b.Bytes()
}

// attribute encodes Attribute { type, SET { value } }; nil if the value cannot be encoded.
func attribute(oid encasn1.ObjectIdentifier, value func(b *cryptobyte.Builder)) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(asn1.SET, value)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil
	}
	return der
}

func addAlgorithm(b *cryptobyte.Builder, oid encasn1.ObjectIdentifier) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
}

// addTime writes UTCTime for 1950–2049 and GeneralizedTime otherwise (RFC 5652 11.3), in UTC seconds.
func addTime(b *cryptobyte.Builder, t time.Time) {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 0 || y > 9999 {
		b.SetError(errors.New("cms: signing time out of range"))
		return
	} else if y >= 1950 && y < 2050 {
		b.AddASN1(asn1.UTCTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(t.Format("060102150405Z"))) })
		return
	}
	b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(t.Format("20060102150405Z"))) })
}
