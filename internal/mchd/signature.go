package mchd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// HeadIdentity is who must have signed a power of attorney: the grantor organization's requisites and
// its recorded head. SNILS is 11 digits; INN is the head's personal ИНН (optional when SNILS is given).
type HeadIdentity struct {
	OrgINN  string
	OrgOGRN string
	SNILS   string
	INN     string
}

// SignatureInfo is what a checked head's signature tells: the signer's certificate and its chain to the
// trusted root, and the signed signing time.
type SignatureInfo struct {
	Signer      *x509gost.Certificate
	Chain       []*x509gost.Certificate
	SigningTime time.Time
}

// SignatureCheck names the check a head's signature failed: the Rule of the refusal's field error, which
// the web maps to Russian text.
type SignatureCheck string

// The checks, in the order they run.
const (
	CheckEncoding          SignatureCheck = "encoding"           // not DER, PEM or base64 CMS, or malformed
	CheckDetached          SignatureCheck = "detached"           // an attached signature: the file is inside
	CheckAlgorithm         SignatureCheck = "algorithm"          // not GOST R 34.10-2012 with Streebog of the key's size
	CheckAttributes        SignatureCheck = "attributes"         // a CAdES-BES signed attribute is missing
	CheckDigest            SignatureCheck = "digest"             // signed over other bytes than the file
	CheckSigner            SignatureCheck = "signer"             // the signer certificate is absent or not the one signingCertificateV2 names
	CheckSignature         SignatureCheck = "signature"          // the signature value does not verify
	CheckKeyUsage          SignatureCheck = "key_usage"          // the certificate may not sign documents
	CheckValidity          SignatureCheck = "validity"           // a certificate of the chain is not valid at the signing time
	CheckChain             SignatureCheck = "chain"              // no chain to a trusted state CA root
	CheckRevoked           SignatureCheck = "revoked"            // the signer certificate is revoked
	CheckRevocationUnknown SignatureCheck = "revocation_unknown" // the revocation status cannot be learnt
	CheckSigningTime       SignatureCheck = "signing_time"       // signed in the future or before the issue date
	CheckFile              SignatureCheck = "file"               // the signed file is not a power of attorney kcr reads
	CheckOrganization      SignatureCheck = "organization"       // the certificate's ИНН ЮЛ or ОГРН is not the organization's
	CheckHead              SignatureCheck = "head"               // the certificate's СНИЛС (or ИНН ФЛ) is not the recorded head's
)

// SignatureChecks lists every check in the order they run.
var SignatureChecks = []SignatureCheck{CheckEncoding, CheckDetached, CheckAlgorithm, CheckAttributes, CheckDigest, CheckSigner,
	CheckSignature, CheckKeyUsage, CheckValidity, CheckChain, CheckRevoked, CheckRevocationUnknown, CheckSigningTime, CheckFile,
	CheckOrganization, CheckHead}

// EnumValues lists the values for OpenAPI and the web's messages.
func (SignatureCheck) EnumValues() []string { return enumValues(SignatureChecks) }

// SigningTimeSkew is how far in the future a signing time may be: the signer's clock may run ahead a little.
const SigningTimeSkew = 5 * time.Minute

// SignatureChecker checks a head's detached CAdES-BES signature of a power of attorney file.
type SignatureChecker struct {
	// Roots are the trusted state CA certificates; Intermediates help build chains the signature leaves short.
	Roots, Intermediates []*x509gost.Certificate
	// IsRevoked tells whether a signer certificate is revoked at a time (Check asks about now); nil means
	// revocation is not checked.
	IsRevoked func(cert *x509gost.Certificate, at time.Time) (bool, error)
	// IsRevokedBy is IsRevoked told the issuer too (the next certificate of the chain the check built),
	// which a CRL is verified against; when set it is asked instead of IsRevoked.
	IsRevokedBy func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error)
	// Clock is the time a signing time is compared with; nil means the real clock.
	Clock clock.Clock
}

// signatureRefusal is a refusal naming the failed check.
func signatureRefusal(check SignatureCheck, format string, args ...any) *errs.Error {
	return &errs.Error{Kind: errs.Invalid, Detail: "the head's signature is refused",
		Fields: []errs.FieldError{{Field: "signature", Rule: string(check), Message: fmt.Sprintf(format, args...)}}}
}

// cmsChecks maps cms's refusals to checks and messages; the first match wins.
var cmsChecks = []struct {
	err     error
	check   SignatureCheck
	message string
}{
	{cms.ErrNotDetached, CheckDetached, "the signature holds the file inside (attached): a detached signature of the file is required"},
	{cms.ErrMalformed, CheckEncoding, "the signature is not a CMS signature in DER, PEM or base64"},
	{cms.ErrUnsupported, CheckAlgorithm, "the signature is not a GOST R 34.10-2012 signature with the Streebog digest of the key's size"},
	{cms.ErrMissingAttribute, CheckAttributes, "the signature lacks a CAdES-BES signed attribute (contentType, messageDigest, signingTime, signingCertificateV2)"},
	{cms.ErrDigestMismatch, CheckDigest, "the signature is over other bytes than this file: the file was changed or another file was signed"},
	{cms.ErrSignerNotFound, CheckSigner, "the signature does not carry the signer's certificate"},
	{cms.ErrSigningCertificate, CheckSigner, "signingCertificateV2 does not name the signer's certificate"},
	{cms.ErrSignature, CheckSignature, "the signature value does not verify with the signer's certificate"},
	{cms.ErrKeyUsage, CheckKeyUsage, "the signer's certificate is not for signing documents"},
	{cms.ErrExpired, CheckValidity, "the signer's certificate or a certificate of its chain was not valid at the signing time"},
	{cms.ErrUntrusted, CheckChain, "the signer's certificate is not issued by a trusted state CA"},
	{cms.ErrRevoked, CheckRevoked, "the signer's certificate is revoked"},
	{cms.ErrRevocationUnknown, CheckRevocationUnknown, "the revocation status of the signer's certificate cannot be determined"},
}

// Check verifies sig as the head's detached signature of file: cms.Verify's checks (encoding, detachment,
// algorithms, signed attributes, the Streebog digest of the exact bytes, the signature, the chain to Roots,
// validity at the signing time, revocation), then that the signing time is neither in the future nor
// before the file's issue date, then that the signer is head: the certificate's ИНН ЮЛ and ОГРН are the
// organization's and its СНИЛС (or, without one, its ИНН ФЛ) is the head's. A refusal is an errs.Invalid
// error with one field error "signature" whose Rule is the failed SignatureCheck.
func (c *SignatureChecker) Check(file, sig []byte, head HeadIdentity) (*SignatureInfo, error) {
	clk := c.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	now := clk.Now()
	if len(c.Roots) == 0 {
		return nil, signatureRefusal(CheckChain, "kcr trusts no state CA: it is started without --mchd-trust-roots")
	}
	opts := cms.VerifyOptions{Roots: c.Roots, Intermediates: c.Intermediates}
	// The signing time is the signer's own claim (CAdES-BES has no timestamp): a certificate revoked by
	// now is refused even when the signature claims an earlier time.
	if c.IsRevoked != nil && c.IsRevokedBy == nil {
		opts.IsRevoked = func(cert *x509gost.Certificate, _ time.Time) (bool, error) { return c.IsRevoked(cert, now) }
	}
	res, err := cms.Verify(sig, file, opts)
	if err == nil && c.IsRevokedBy != nil {
		// Verify's last check, made here where the chain is known.
		err = revokedBy(c.IsRevokedBy, res.Chain, now)
	}
	if err != nil {
		for _, m := range cmsChecks {
			if errors.Is(err, m.err) {
				return nil, signatureRefusal(m.check, "%s", m.message)
			}
		}
		return nil, err
	}
	if res.SigningTime.After(now.Add(SigningTimeSkew)) {
		return nil, signatureRefusal(CheckSigningTime, "the signing time %s is in the future", res.SigningTime.Format(time.RFC3339))
	}
	doc, err := Parse(file)
	if err != nil {
		return nil, signatureRefusal(CheckFile, "the signed file is not an ЕМЧД power of attorney kcr reads")
	}
	if mskDate(res.SigningTime) < mskDate(doc.IssueDate) {
		return nil, signatureRefusal(CheckSigningTime, "the signing time %s is before the issue date %s",
			res.SigningTime.In(rules.MSK).Format(time.RFC3339), mskDate(doc.IssueDate))
	}
	if err := checkHead(res.Signer, head); err != nil {
		return nil, err
	}
	return &SignatureInfo{Signer: res.Signer, Chain: res.Chain, SigningTime: res.SigningTime}, nil
}

// revokedBy asks isRevokedBy about the signer, chain[0], issued by chain[1], and answers as cms.Verify's
// revocation hook does. A signer that is itself a trusted root has no issuer to ask: its status is unknown.
func revokedBy(isRevokedBy func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error), chain []*x509gost.Certificate, now time.Time) error {
	if len(chain) < 2 {
		return fmt.Errorf("%w: the signer certificate is a trusted root", cms.ErrRevocationUnknown)
	}
	revoked, err := isRevokedBy(chain[0], chain[1], now)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", cms.ErrRevocationUnknown, err)
	case revoked:
		return cms.ErrRevoked
	}
	return nil
}

// checkHead compares the signer certificate's subject with the organization and its head. The messages
// name the attribute, never its value: refusals reach logs, which hold no personal data.
func checkHead(cert *x509gost.Certificate, head HeadIdentity) error {
	innLE, _ := cert.Subject.Get(x509gost.OIDINNLE)
	ogrn, _ := cert.Subject.Get(x509gost.OIDOGRN)
	switch {
	case innLE == "" || ogrn == "":
		return signatureRefusal(CheckOrganization, "the signer's certificate names no organization (ИНН ЮЛ and ОГРН): it is not a head's certificate")
	case compactNumber(innLE) != head.OrgINN:
		return signatureRefusal(CheckOrganization, "the ИНН ЮЛ in the signer's certificate is not the organization's: the signer heads another organization")
	case compactNumber(ogrn) != head.OrgOGRN:
		return signatureRefusal(CheckOrganization, "the ОГРН in the signer's certificate is not the organization's: the signer heads another organization")
	}
	snils, _ := cert.Subject.Get(x509gost.OIDSNILS)
	inn, _ := cert.Subject.Get(x509gost.OIDINN)
	snils, inn = compactNumber(snils), compactNumber(inn)
	switch {
	case snils != "" && head.SNILS != "":
		if snils != head.SNILS {
			return signatureRefusal(CheckHead, "the СНИЛС in the signer's certificate is not the recorded head's: the signer is not the head")
		}
	case inn != "" && head.INN != "":
		if inn != head.INN {
			return signatureRefusal(CheckHead, "the ИНН ФЛ in the signer's certificate is not the recorded head's: the signer is not the head")
		}
	default:
		return signatureRefusal(CheckHead, "neither the СНИЛС nor the ИНН ФЛ of the signer's certificate can be compared with the recorded head's")
	}
	return nil
}

// compactNumber drops the separators some CAs write into СНИЛС ("123-456-789 01") and spaces around numbers.
func compactNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
}
