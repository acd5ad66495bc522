package x509gost

import (
	encasn1 "encoding/asn1"
	"math/big"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Extension OIDs.
var (
	OIDExtSubjectKeyID          = encasn1.ObjectIdentifier{2, 5, 29, 14}
	OIDExtKeyUsage              = encasn1.ObjectIdentifier{2, 5, 29, 15}
	OIDExtPrivateKeyUsagePeriod = encasn1.ObjectIdentifier{2, 5, 29, 16}
	OIDExtBasicConstraints      = encasn1.ObjectIdentifier{2, 5, 29, 19}
	OIDExtCRLNumber             = encasn1.ObjectIdentifier{2, 5, 29, 20}
	OIDExtReasonCode            = encasn1.ObjectIdentifier{2, 5, 29, 21}
	OIDExtCRLDistributionPoints = encasn1.ObjectIdentifier{2, 5, 29, 31}
	OIDExtCertificatePolicies   = encasn1.ObjectIdentifier{2, 5, 29, 32}
	OIDExtAuthorityKeyID        = encasn1.ObjectIdentifier{2, 5, 29, 35}
	OIDExtExtendedKeyUsage      = encasn1.ObjectIdentifier{2, 5, 29, 37}
	OIDExtAuthorityInfoAccess   = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	OIDExtSubjectSignTool       = encasn1.ObjectIdentifier{1, 2, 643, 100, 111}
	OIDExtIssuerSignTool        = encasn1.ObjectIdentifier{1, 2, 643, 100, 112}
	OIDExtIdentificationKind    = encasn1.ObjectIdentifier{1, 2, 643, 100, 114}

	// Extended key usages.
	OIDExtKeyUsageServerAuth      = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	OIDExtKeyUsageClientAuth      = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	OIDExtKeyUsageEmailProtection = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}
	OIDExtKeyUsageOCSPSigning     = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}

	// Access methods for AuthorityInfoAccess.
	OIDAccessOCSP      = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
	OIDAccessCAIssuers = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2}

	// Signature-tool classes for CertificatePolicies (FSB order No. 795), lowest to highest.
	OIDPolicyKC1 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 1}
	OIDPolicyKC2 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 2}
	OIDPolicyKC3 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 3}
	OIDPolicyKB1 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 4}
	OIDPolicyKB2 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 5}
	OIDPolicyKA1 = encasn1.ObjectIdentifier{1, 2, 643, 100, 113, 6}
)

// KeyUsage bit numbers (RFC 5280 4.2.1.3).
const (
	KeyUsageDigitalSignature = 0
	KeyUsageNonRepudiation   = 1 // contentCommitment
	KeyUsageKeyEncipherment  = 2
	KeyUsageDataEncipherment = 3
	KeyUsageKeyAgreement     = 4
	KeyUsageCertSign         = 5
	KeyUsageCRLSign          = 6
	KeyUsageEncipherOnly     = 7
	KeyUsageDecipherOnly     = 8
)

// The builders below return the extnValue DER, or nil when their input cannot be encoded; a nil
// value makes TBSCertificate.Marshal fail, so a bad input never silently disappears from a
// certificate.

func build(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	out, err := b.Bytes()
	if err != nil {
		return nil
	}
	return out
}

// KeyUsage returns a keyUsage value with the given RFC 5280 bits (0 digitalSignature … 5
// keyCertSign, 6 cRLSign, 7 encipherOnly, 8 decipherOnly) as a minimal DER named BIT STRING: no
// trailing zero bits, as X.690 11.2.2 requires. Nil when no bit or a bit outside 0–8 is given.
func KeyUsage(bits ...int) []byte {
	if len(bits) == 0 {
		return nil
	}
	var v [2]byte
	last := 0
	for _, bit := range bits {
		if bit < 0 || bit > 8 {
			return nil
		}
		v[bit/8] |= 0x80 >> (bit % 8)
		last = max(last, bit)
	}
	n := last/8 + 1
	unused := 7 - last%8
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(uint8(unused))
			b.AddBytes(v[:n])
		})
	})
}

// parseKeyUsage returns the keyUsage bits as a mask (bit i = RFC 5280 bit i).
func parseKeyUsage(v []byte) (int, error) {
	s := cryptobyte.String(v)
	var bs encasn1.BitString
	if !s.ReadASN1BitString(&bs) || !s.Empty() {
		return 0, errorf("malformed key usage")
	}
	mask := 0
	for i := 0; i < bs.BitLength && i < 9; i++ {
		if bs.At(i) == 1 {
			mask |= 1 << i
		}
	}
	return mask, nil
}

// ExtKeyUsage returns an extKeyUsage value listing the given purposes. Nil for none.
func ExtKeyUsage(oids ...encasn1.ObjectIdentifier) []byte {
	if len(oids) == 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, o := range oids {
				b.AddASN1ObjectIdentifier(o)
			}
		})
	})
}

// BasicConstraints returns a basicConstraints value; pathLen -1 means no limit. Nil for a path length
// on a non-CA, which RFC 5280 forbids.
func BasicConstraints(ca bool, pathLen int) []byte {
	if !ca && pathLen >= 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if ca { // DEFAULT FALSE: DER omits a false cA
				b.AddASN1Boolean(true)
			}
			if pathLen >= 0 {
				b.AddASN1Int64(int64(pathLen))
			}
		})
	})
}

func parseBasicConstraints(v []byte) (ca bool, pathLen int, err error) {
	s := cryptobyte.String(v)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return false, 0, errorf("malformed basic constraints")
	}
	if seq.PeekASN1Tag(asn1.BOOLEAN) && !seq.ReadASN1Boolean(&ca) {
		return false, 0, errorf("malformed basic constraints")
	}
	pathLen = -1
	if seq.PeekASN1Tag(asn1.INTEGER) && (!seq.ReadASN1Integer(&pathLen) || pathLen < 0) {
		return false, 0, errorf("malformed basic constraints path length")
	}
	if !seq.Empty() {
		return false, 0, errorf("malformed basic constraints")
	}
	return ca, pathLen, nil
}

// SubjectKeyID returns a subjectKeyIdentifier value. Nil for an empty id.
func SubjectKeyID(id []byte) []byte {
	if len(id) == 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) { b.AddASN1OctetString(id) })
}

// AuthorityKeyID returns an authorityKeyIdentifier value holding only keyIdentifier [0]. Nil for an
// empty id.
func AuthorityKeyID(id []byte) []byte {
	if len(id) == 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(id) })
		})
	})
}

// AuthorityKeyIDWithIssuer returns an authorityKeyIdentifier value holding the keyIdentifier [0] and the
// issuer's own issuer name and serial number (authorityCertIssuer [1] as one directoryName, and
// authorityCertSerialNumber [2]), as qualified CA certificates in Russia carry them: CryptoPro builds the
// chain by them when key identifiers collide.
func AuthorityKeyIDWithIssuer(id, issuerName []byte, serial *big.Int) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(id) })
			b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddBytes(issuerName) })
			})
			b.AddASN1(asn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(positiveIntegerBytes(serial)) })
		})
	})
}

// positiveIntegerBytes is the DER INTEGER content of a non-negative number.
func positiveIntegerBytes(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// authorityKeyIdentifier is a decoded authorityKeyIdentifier value.
type authorityKeyIdentifier struct {
	keyID      []byte   // nil when absent
	issuerName []byte   // DER Name of the single directoryName in authorityCertIssuer; nil when absent
	serial     *big.Int // authorityCertSerialNumber; nil when absent
}

// parseAuthorityKeyID returns the keyIdentifier of an authorityKeyIdentifier value (nil when it only
// names issuer and serial).
func parseAuthorityKeyID(v []byte) ([]byte, error) {
	a, err := parseAuthorityKeyIdentifier(v)
	return a.keyID, err
}

func parseAuthorityKeyIdentifier(v []byte) (authorityKeyIdentifier, error) {
	var a authorityKeyIdentifier
	s := cryptobyte.String(v)
	var seq, names, serial cryptobyte.String
	var id []byte
	var present, hasNames, hasSerial bool
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() ||
		!seq.ReadOptionalASN1((*cryptobyte.String)(&id), &present, asn1.Tag(0).ContextSpecific()) ||
		!seq.ReadOptionalASN1(&names, &hasNames, asn1.Tag(1).ContextSpecific().Constructed()) ||
		!seq.ReadOptionalASN1(&serial, &hasSerial, asn1.Tag(2).ContextSpecific()) || !seq.Empty() {
		return a, errorf("malformed authority key identifier")
	}
	if present {
		a.keyID = id
	}
	if hasNames {
		// Only a single directoryName is understood; other general names are kept out, not refused.
		var dn cryptobyte.String
		if names.ReadASN1(&dn, asn1.Tag(4).ContextSpecific().Constructed()) && names.Empty() {
			a.issuerName = dn
		}
	}
	if hasSerial {
		if len(serial) == 0 {
			return a, errorf("malformed authority key identifier serial")
		}
		a.serial = new(big.Int).SetBytes(serial)
	}
	return a, nil
}

func isIA5(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return s != ""
}

// addURI writes a GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String.
func addURI(b *cryptobyte.Builder, uri string) {
	if !isIA5(uri) {
		b.SetError(errorf("URI %q is empty or not ASCII", uri))
		return
	}
	b.AddASN1(asn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(uri)) })
}

// CRLDistributionPoints returns a cRLDistributionPoints value with one distribution point per URL,
// each a fullName URI (one point per URL rather than one point with several names is what Russian CAs
// publish, and every client reads it). Nil for no URLs or a non-ASCII one.
func CRLDistributionPoints(urls ...string) []byte {
	if len(urls) == 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, u := range urls {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							addURI(b, u)
						})
					})
				})
			}
		})
	})
}

// ParseCRLDistributionPoints returns the URIs of a cRLDistributionPoints value's points whose CRLs a
// relying party can read as complete: a fullName, no reasons subset and no cRLIssuer. A point limited to
// some reasons (a partitioned CRL) or naming another CRL issuer (an indirect CRL) cannot alone tell that
// a certificate is not revoked, so it is skipped, as are relative names and general names other than URIs.
func ParseCRLDistributionPoints(v []byte) ([]string, error) {
	s := cryptobyte.String(v)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() || seq.Empty() {
		return nil, errorf("malformed CRL distribution points")
	}
	var uris []string
	for !seq.Empty() {
		var dp, name, full, skipped cryptobyte.String
		var hasName, hasFull, hasReasons, hasIssuer bool
		if !seq.ReadASN1(&dp, asn1.SEQUENCE) ||
			!dp.ReadOptionalASN1(&name, &hasName, asn1.Tag(0).ContextSpecific().Constructed()) ||
			!dp.ReadOptionalASN1(&skipped, &hasReasons, asn1.Tag(1).ContextSpecific()) ||
			!dp.ReadOptionalASN1(&skipped, &hasIssuer, asn1.Tag(2).ContextSpecific().Constructed()) || !dp.Empty() {
			return nil, errorf("malformed CRL distribution point")
		}
		if hasName && !name.ReadOptionalASN1(&full, &hasFull, asn1.Tag(0).ContextSpecific().Constructed()) {
			return nil, errorf("malformed CRL distribution point name")
		}
		if !hasFull || hasReasons || hasIssuer {
			continue
		}
		for !full.Empty() {
			var gn cryptobyte.String
			var tag asn1.Tag
			if !full.ReadAnyASN1(&gn, &tag) {
				return nil, errorf("malformed CRL distribution point name")
			}
			if tag == asn1.Tag(6).ContextSpecific() {
				if !isIA5(string(gn)) {
					return nil, errorf("CRL distribution point URI is empty or not ASCII")
				}
				uris = append(uris, string(gn))
			}
		}
	}
	return uris, nil
}

// AuthorityInfoAccess returns an authorityInfoAccess value listing OCSP responders and then CA
// certificate locations. Nil when both lists are empty or a URL is not ASCII.
func AuthorityInfoAccess(ocspURLs, caIssuersURLs []string) []byte {
	if len(ocspURLs)+len(caIssuersURLs) == 0 {
		return nil
	}
	add := func(b *cryptobyte.Builder, method encasn1.ObjectIdentifier, urls []string) {
		for _, u := range urls {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(method)
				addURI(b, u)
			})
		}
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			add(b, OIDAccessOCSP, ocspURLs)
			add(b, OIDAccessCAIssuers, caIssuersURLs)
		})
	})
}

// CertificatePolicies returns a certificatePolicies value of bare policy identifiers, no qualifiers.
// Nil for none.
func CertificatePolicies(oids ...encasn1.ObjectIdentifier) []byte {
	if len(oids) == 0 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, o := range oids {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(o) })
			}
		})
	})
}

// PrivateKeyUsagePeriod returns a privateKeyUsagePeriod value (RFC 3280 4.2.1.4): notBefore [0] and
// notAfter [1], both IMPLICIT GeneralizedTime; a zero time is left out. Nil when both are zero or
// notAfter is before notBefore.
func PrivateKeyUsagePeriod(notBefore, notAfter time.Time) []byte {
	if notBefore.IsZero() && notAfter.IsZero() ||
		!notBefore.IsZero() && !notAfter.IsZero() && notAfter.Before(notBefore) {
		return nil
	}
	gt := func(b *cryptobyte.Builder, tag asn1.Tag, t time.Time) {
		if t.IsZero() {
			return
		}
		t = t.UTC().Truncate(time.Second)
		if t.Year() > 9999 {
			b.SetError(errorf("year out of range"))
			return
		}
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(t.Format("20060102150405Z"))) })
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			gt(b, asn1.Tag(0).ContextSpecific(), notBefore)
			gt(b, asn1.Tag(1).ContextSpecific(), notAfter)
		})
	})
}

// checkUTF8 enforces SIZE(1..max) in characters, as the FSB profile counts them.
func checkUTF8(s string, maxChars int) bool {
	n := utf8.RuneCountInString(s)
	return utf8.ValidString(s) && n >= 1 && n <= maxChars
}

// SubjectSignTool returns a subjectSignTool value: the name of the holder's signature tool as a
// UTF8String of 1–200 characters. Nil otherwise.
func SubjectSignTool(tool string) []byte {
	if !checkUTF8(tool, 200) {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(tool)) })
	})
}

// ParseSubjectSignTool reads a subjectSignTool value. Requests write it as UTF8String, some tools as
// another string type: any is accepted.
func ParseSubjectSignTool(v []byte) (string, error) {
	var tool string
	rest, err := encasn1.Unmarshal(v, &tool)
	if err != nil || len(rest) > 0 || !utf8.ValidString(tool) {
		return "", errorf("malformed subjectSignTool")
	}
	return tool, nil
}

// IssuerSignTool returns an issuerSignTool value: SEQUENCE { signTool, cATool UTF8String (1..200),
// signToolCert, cAToolCert UTF8String (1..100) } — the CA's key tool, its CA software and their
// conformity certificates. Nil when a field is empty or too long.
func IssuerSignTool(keyTool, caTool, keyToolCert, caToolCert string) []byte {
	if !checkUTF8(keyTool, 200) || !checkUTF8(caTool, 200) || !checkUTF8(keyToolCert, 100) || !checkUTF8(caToolCert, 100) {
		return nil
	}
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, s := range []string{keyTool, caTool, keyToolCert, caToolCert} {
				b.AddASN1(asn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
			}
		})
	})
}

// IdentificationKind returns an identificationKind value: 0 in person, 1 remotely with a valid
// qualified signature, 2 with a biometric passport, 3 through ESIA and the biometric system. Nil for
// other numbers.
func IdentificationKind(kind int) []byte {
	if kind < 0 || kind > 3 {
		return nil
	}
	return build(func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(kind)) })
}
