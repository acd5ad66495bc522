package ca

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// LintError lists every way a certificate breaks the profile. The pipeline lints a copy signed with a
// throwaway key before the real signature, so a profile bug never reaches a signed certificate.
type LintError struct{ Problems []string }

func (e *LintError) Error() string {
	return "certificate profile check failed: " + strings.Join(e.Problems, "; ")
}

// russianExtensions must be present and non-critical (OpenSSL rejects a critical identificationKind).
var russianExtensions = []asn1.ObjectIdentifier{x509gost.OIDExtSubjectSignTool, x509gost.OIDExtIssuerSignTool, x509gost.OIDExtIdentificationKind}

// Lint checks an end-entity certificate of the given kind against the profile.
func (b *Builtin) Lint(c *x509gost.Certificate, kind model.CertKind) error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if c.Version != 3 {
		add("version is %d, want 3", c.Version)
	}
	if c.SerialNumber.Sign() <= 0 || len(c.SerialNumber.Bytes()) > 20 || c.SerialNumber.BitLen() < 64 {
		add("serial number must be positive, at most 20 octets and carry at least 64 bits")
	}
	if c.PublicKey != nil && c.PublicKey.ParamSet().IsTest() {
		add("the subject key uses the test parameter set %s", c.PublicKey.ParamSet().Name)
	}
	if !c.NotBefore.Before(c.NotAfter) {
		add("notBefore is not before notAfter")
	}
	if max := c.NotBefore.AddDate(0, b.Profile.ValidityMonths, 0); c.NotAfter.After(max) {
		add("validity is longer than %d months", b.Profile.ValidityMonths)
	}
	// Subject: every attribute allowed for the kind, with its string type; required ones present once.
	seen := map[string]int{}
	for _, a := range c.Subject {
		rule, ok := ruleFor(a.OID)
		if !ok {
			add("subject attribute %s is not in the profile", a.OID)
			continue
		}
		seen[rule.name]++
		if rule.kinds[kind] == never {
			add("subject attribute %s is not allowed in a %s certificate", rule.name, kind)
		}
		if a.Tag != rule.tag {
			add("subject attribute %s has ASN.1 string tag %d, want %d", rule.name, a.Tag, rule.tag)
		}
		if n := utf8.RuneCountInString(a.Value); n > rule.max || n == 0 {
			add("subject attribute %s must be 1 to %d characters", rule.name, rule.max)
		}
		if rule.digits > 0 && (len(a.Value) != rule.digits || strings.Trim(a.Value, "0123456789") != "") {
			add("subject attribute %s must be %d digits", rule.name, rule.digits)
		}
		if a.OID.Equal(x509gost.OIDCountry) && a.Value != "RU" {
			add("subject C must be RU")
		}
		if a.OID.Equal(x509gost.OIDStateOrProvince) && !hasRegionCode(a.Value) {
			add("subject ST must start with the two-digit region code, as \"77 г. Москва\"")
		}
		if a.OID.Equal(x509gost.OIDStreet) && len(a.Value) >= 6 && isPostcode(a.Value[:6]) {
			add("subject street must not carry the postcode")
		}
	}
	st := b.endEntityStatic()
	issuerProblems := st.issuerProblems
	if !bytes.Equal(c.RawIssuer, st.issuerName) {
		issuerProblems = caNameProblems(c.Issuer)
	}
	for _, problem := range issuerProblems {
		add("issuer %s", problem)
	}
	for _, r := range subjectRules {
		if r.kinds[kind] == required && seen[r.name] == 0 {
			add("subject attribute %s is required in a %s certificate", r.name, kind)
		}
		if seen[r.name] > 1 {
			add("subject attribute %s appears %d times", r.name, seen[r.name])
		}
	}
	// Extensions (a parsed certificate has no duplicates; the check costs little and keeps Lint whole).
	for i, e := range c.Extensions {
		n := 1
		for j, f := range c.Extensions {
			if f.OID.Equal(e.OID) && j != i {
				if j < i {
					n = 0 // reported at its first occurrence
					break
				}
				n++
			}
		}
		if n > 1 {
			add("extension %s appears %d times", e.OID, n)
		}
	}
	ext := func(oid asn1.ObjectIdentifier, critical bool) (x509gost.Extension, bool) {
		e, ok := c.Extension(oid)
		if !ok {
			add("extension %s is missing", oid)
		} else if e.Critical != critical {
			add("extension %s must be critical=%v", oid, critical)
		}
		return e, ok
	}
	if e, ok := ext(x509gost.OIDExtKeyUsage, true); ok && !bytes.Equal(e.Value, st.keyUsageValue) {
		add("keyUsage must be digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment")
	}
	if e, ok := ext(x509gost.OIDExtExtendedKeyUsage, false); ok && !bytes.Equal(e.Value, st.extKeyUsageValue) {
		add("extendedKeyUsage must be clientAuth and emailProtection")
	}
	for _, oid := range []asn1.ObjectIdentifier{x509gost.OIDExtSubjectKeyID, x509gost.OIDExtAuthorityKeyID, x509gost.OIDExtCRLDistributionPoints, x509gost.OIDExtAuthorityInfoAccess,
		x509gost.OIDExtCertificatePolicies, x509gost.OIDExtPrivateKeyUsagePeriod} {
		ext(oid, false)
	}
	for _, oid := range russianExtensions {
		ext(oid, false)
	}
	if _, ok := c.Extension(x509gost.OIDExtBasicConstraints); ok {
		add("an end-entity certificate carries no basicConstraints")
	}
	if e, ok := c.Extension(x509gost.OIDExtPrivateKeyUsagePeriod); ok {
		want := x509gost.PrivateKeyUsagePeriod(c.NotBefore, b.Profile.keyUsageEnd(c.NotBefore))
		if !bytes.Equal(e.Value, want) {
			add("privateKeyUsagePeriod must run %d months from notBefore", b.Profile.keyUsageMonths())
		}
	}
	if _, ok := c.Extension(x509gost.OIDExtAuthorityKeyID); ok && b.issuing != nil {
		iss := b.issuing.cert
		if !bytes.Equal(c.AuthorityKeyID, b.issuing.keyID) || !bytes.Equal(c.AuthorityCertIssuer, iss.RawIssuer) ||
			c.AuthorityCertSerial == nil || c.AuthorityCertSerial.Cmp(iss.SerialNumber) != 0 {
			add("authorityKeyIdentifier must carry the issuing CA's key identifier, its issuer name and serial number")
		}
	}
	if e, ok := c.Extension(x509gost.OIDExtCertificatePolicies); ok && !bytes.Equal(e.Value, st.policiesValue) {
		add("certificatePolicies must list the KC classes from KC1 to KC%d", b.Profile.Class)
	}
	if e, ok := c.Extension(x509gost.OIDExtSubjectSignTool); ok && !slices.ContainsFunc(signToolValues, func(v []byte) bool {
		return bytes.Equal(v, e.Value)
	}) {
		var s string
		// Unmarshal into a string accepts any string type: compare with the UTF8String encoding instead.
		if rest, err := asn1.Unmarshal(e.Value, &s); err != nil || len(rest) > 0 || !bytes.Equal(e.Value, x509gost.SubjectSignTool(s)) {
			add("subjectSignTool must be one UTF8String of 1 to 200 characters")
		} else if !slices.Contains(SignTools, s) {
			add("subjectSignTool %q is not one of the certified tools", s)
		}
	}
	if e, ok := c.Extension(x509gost.OIDExtIdentificationKind); ok {
		if !slices.ContainsFunc(identificationKindValues, func(v []byte) bool { return bytes.Equal(v, e.Value) }) {
			add("identificationKind must be an INTEGER from 0 to 3")
		}
	}
	if e, ok := c.Extension(x509gost.OIDExtIssuerSignTool); ok && !bytes.Equal(e.Value, st.issuerSignTool.Value) {
		var tools struct{ A, B, C, D string }
		if rest, err := asn1.Unmarshal(e.Value, &tools); err != nil || len(rest) > 0 ||
			!bytes.Equal(e.Value, x509gost.IssuerSignTool(tools.A, tools.B, tools.C, tools.D)) {
			add("issuerSignTool must be a SEQUENCE of four UTF8String")
		}
	}
	if len(p) > 0 {
		return &LintError{Problems: p}
	}
	return nil
}

// signToolValues and identificationKindValues are the extension values a certificate may carry, encoded
// once: a value equal to one of them needs no decoding.
var (
	signToolValues = func() [][]byte {
		out := make([][]byte, len(SignTools))
		for i, t := range SignTools {
			out[i] = x509gost.SubjectSignTool(t)
		}
		return out
	}()
	identificationKindValues = [][]byte{x509gost.IdentificationKind(0), x509gost.IdentificationKind(1), x509gost.IdentificationKind(2),
		x509gost.IdentificationKind(3)}
)

// hasRegionCode reports whether ST starts with a region code: two digits (not 00) and a space.
func hasRegionCode(st string) bool {
	return len(st) > 3 && st[0] >= '0' && st[0] <= '9' && st[1] >= '0' && st[1] <= '9' && st[:2] != "00" && st[2] == ' '
}

// caNameRules are the attributes a qualified CA's name carries, with their string types.
var caNameRules = []struct {
	oid    asn1.ObjectIdentifier
	name   string
	tag    int
	digits int
}{
	{x509gost.OIDOGRN, "OGRN", asn1.TagNumericString, 13}, {x509gost.OIDINNLE, "INNLE", asn1.TagNumericString, 10},
	{x509gost.OIDCountry, "C", asn1.TagPrintableString, 0}, {x509gost.OIDStateOrProvince, "ST", asn1.TagUTF8String, 0},
	{x509gost.OIDLocality, "L", asn1.TagUTF8String, 0}, {x509gost.OIDStreet, "street", asn1.TagUTF8String, 0},
	{x509gost.OIDOrganization, "O", asn1.TagUTF8String, 0}, {x509gost.OIDCommonName, "CN", asn1.TagUTF8String, 0},
}

// caNameProblems checks a CA's name: every attribute of caNameRules once, with its string type.
func caNameProblems(n x509gost.Name) []string {
	var p []string
	for _, r := range caNameRules {
		var found []x509gost.Attribute
		for _, a := range n {
			if a.OID.Equal(r.oid) {
				found = append(found, a)
			}
		}
		switch {
		case len(found) != 1:
			p = append(p, fmt.Sprintf("name must carry %s once", r.name))
		case found[0].Tag != r.tag:
			p = append(p, fmt.Sprintf("%s has ASN.1 string tag %d, want %d", r.name, found[0].Tag, r.tag))
		case r.digits > 0 && (len(found[0].Value) != r.digits || strings.Trim(found[0].Value, "0123456789") != ""):
			p = append(p, fmt.Sprintf("%s must be %d digits", r.name, r.digits))
		case r.name == "ST" && !hasRegionCode(found[0].Value):
			p = append(p, "ST must start with the two-digit region code")
		}
	}
	return p
}

func ruleFor(oid asn1.ObjectIdentifier) (attributeRule, bool) {
	for _, r := range subjectRules {
		if r.oid.Equal(oid) {
			return r, true
		}
	}
	return attributeRule{}, false
}
