package ca

import (
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/x509gost"
)

var (
	endEntityKeyUsageBits   = []int{0, 1, 2, 3} // digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment
	authorityKeyUsageBits   = []int{5, 6}       // keyCertSign, cRLSign
	identificationInPerson  = 0
	identificationQualified = 1
)

// Profile is the configurable part of the certificate profile.
type Profile struct {
	ValidityMonths  int       // certificate lifetime, default 12
	KeyUsageMonths  int       // private key usage period, default 15
	SubjectSignTool string    // the holder's crypto tool, as the certificate names it
	IssuerSignTool  [4]string // CA key tool, CA tool, and their conformity certificates
	Class           int       // highest protection class reached, 1 (KC1) … 6 (KA1)
}

// DefaultProfile is the profile used unless configured otherwise.
func DefaultProfile() Profile {
	return Profile{ValidityMonths: 12, KeyUsageMonths: 15,
		SubjectSignTool: "СКЗИ \"КриптоПро CSP\" (версия 5.0)",
		IssuerSignTool: [4]string{"kcr: встроенное средство ЭП (gogost)", "kcr: встроенный удостоверяющий центр",
			"Демонстрационный режим: сертификат соответствия не выдавался", "Демонстрационный режим: сертификат соответствия не выдавался"},
		Class: 1}
}

// classPolicies lists the KC class OIDs from KC1 up to the profile's class.
func (p Profile) classPolicies() []asn1.ObjectIdentifier {
	var out []asn1.ObjectIdentifier
	for i := 1; i <= p.Class; i++ {
		out = append(out, asn1.ObjectIdentifier{1, 2, 643, 100, 113, i})
	}
	return out
}

// attribute requirement per certificate kind.
type need int

const (
	never need = iota
	optional
	required
)

// attributeRule says which string type an attribute has and, per kind, whether it must appear.
type attributeRule struct {
	oid    asn1.ObjectIdentifier
	name   string
	tag    int
	digits int // exact length of a NumericString, 0 otherwise
	max    int // most characters allowed (RFC 5280 upper bounds where it has them)
	kinds  map[model.CertKind]need
}

func kinds(individual, sole, head, legacy need) map[model.CertKind]need {
	return map[model.CertKind]need{model.KindIndividual: individual, model.KindSoleProprietor: sole, model.KindHead: head,
		model.KindLegalEntityEmployee: legacy}
}

// subjectRules is the table of DESIGN.md section 5, in the order attributes appear in the subject.
var subjectRules = []attributeRule{
	{x509gost.OIDCommonName, "CN", asn1.TagUTF8String, 0, 64, kinds(required, required, required, required)},
	{x509gost.OIDSurname, "SN", asn1.TagUTF8String, 0, 64, kinds(required, required, required, required)},
	{x509gost.OIDGivenName, "GN", asn1.TagUTF8String, 0, 64, kinds(required, required, required, required)},
	{x509gost.OIDCountry, "C", asn1.TagPrintableString, 0, 2, kinds(optional, required, required, required)},
	{x509gost.OIDStateOrProvince, "ST", asn1.TagUTF8String, 0, 128, kinds(optional, optional, required, required)},
	{x509gost.OIDLocality, "L", asn1.TagUTF8String, 0, 128, kinds(optional, optional, required, required)},
	{x509gost.OIDStreet, "street", asn1.TagUTF8String, 0, 256, kinds(optional, optional, required, required)},
	{x509gost.OIDOrganization, "O", asn1.TagUTF8String, 0, 256, kinds(never, never, required, required)},
	{x509gost.OIDTitle, "T", asn1.TagUTF8String, 0, 64, kinds(never, never, required, required)},
	{x509gost.OIDEmail, "E", asn1.TagIA5String, 0, 128, kinds(optional, optional, optional, optional)},
	{x509gost.OIDSNILS, "SNILS", asn1.TagNumericString, 11, 11, kinds(required, required, required, required)},
	{x509gost.OIDINN, "INN", asn1.TagNumericString, 12, 12, kinds(required, required, required, optional)},
	{x509gost.OIDINNLE, "INNLE", asn1.TagNumericString, 10, 10, kinds(never, never, required, required)},
	{x509gost.OIDOGRN, "OGRN", asn1.TagNumericString, 13, 13, kinds(never, never, required, required)},
	{x509gost.OIDOGRNIP, "OGRNIP", asn1.TagNumericString, 15, 15, kinds(never, required, never, never)},
}

// locality picks the settlement out of a free-form address ("119034, г. Москва, ул. …" → "г. Москва").
func locality(address, region string) string {
	for _, part := range strings.Split(address, ",") {
		p := strings.TrimSpace(part)
		for _, prefix := range []string{"г.", "г ", "пос.", "пгт", "с.", "д."} {
			if strings.HasPrefix(p, prefix) {
				return p
			}
		}
	}
	return region
}

// subjectValues collects the value of every attribute the registration data has for this kind; the
// subject never takes anything from the CSR.
func subjectValues(req Request) map[string]string {
	e, o, kind := req.Employee, req.Organization, req.Application.Kind
	v := map[string]string{
		"CN": e.FullName(), "SN": e.Surname, "GN": strings.TrimSpace(e.GivenName + " " + e.Patronymic),
		"C": "RU", "E": e.Email, "SNILS": e.SNILS, "INN": e.INN, "T": e.Position,
	}
	if kind == model.KindHead {
		v["CN"] = o.Name
	}
	if kind != model.KindIndividual {
		v["ST"], v["L"], v["street"] = o.Region, locality(o.Address, o.Region), o.Address
	}
	switch kind {
	case model.KindHead, model.KindLegalEntityEmployee:
		v["O"], v["INNLE"], v["OGRN"] = o.Name, o.INN, o.OGRN
	case model.KindSoleProprietor:
		v["OGRNIP"] = o.OGRN
	}
	return v
}

// fieldOf names where a subject attribute comes from, for errors a registrar can act on.
var fieldOf = map[string]string{"CN": "employee.surname", "SN": "employee.surname", "GN": "employee.given_name",
	"ST": "organization.region", "L": "organization.address", "street": "organization.address", "O": "organization.name",
	"T": "employee.position", "E": "employee.email", "SNILS": "employee.snils", "INN": "employee.inn",
	"INNLE": "organization.inn", "OGRN": "organization.ogrn", "OGRNIP": "organization.ogrn"}

// buildSubject makes the subject name for a request, or a validation error naming the missing data.
func buildSubject(req Request) (x509gost.Name, error) {
	kind := req.Application.Kind
	if kind == model.KindSoleProprietor && req.Organization.Kind != model.OrgSoleProprietor {
		return nil, errs.Field("organization.kind", "kind_mismatch", "a sole_proprietor certificate needs a sole-proprietor organization")
	}
	values := subjectValues(req)
	var name x509gost.Name
	var f errs.Fields
	for _, r := range subjectRules {
		n := r.kinds[kind]
		val := values[r.name]
		if n == never || val == "" {
			if n == required {
				f.Add(fieldOf[r.name], "required", fmt.Sprintf("a %s certificate needs it (subject attribute %s)", kind, r.name))
			}
			continue
		}
		if n := len([]rune(val)); n > r.max {
			f.Add(fieldOf[r.name], "too_long", fmt.Sprintf("is %d characters, the certificate allows %d (subject attribute %s): use a shorter form", n, r.max, r.name))
			continue
		}
		name = append(name, x509gost.Attribute{OID: r.oid, Value: val, Tag: r.tag})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return name, nil
}

// identificationKind maps how identity was verified to the identificationKind extension's value.
func identificationKind(a *model.Application) int {
	if a.Verification != nil && a.Verification.Method == model.VerifiedRemoteQualified {
		return identificationQualified
	}
	return identificationInPerson
}

// keyID is the RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey BIT STRING contents (for
// GOST keys, the DER OCTET STRING that wraps the coordinates). OCSP's ResponderID byKey is the same hash.
func keyID(spki []byte) ([]byte, error) {
	bits, err := x509gost.SubjectPublicKeyBits(spki)
	if err != nil {
		return nil, err
	}
	s := sha1.Sum(bits)
	return s[:], nil
}

// keyIDOf is keyID of a public key.
func keyIDOf(pub *gost.PublicKey) ([]byte, error) {
	spki, err := pub.MarshalSPKI()
	if err != nil {
		return nil, err
	}
	return keyID(spki)
}

// endEntityTBS builds the to-be-signed certificate for a request.
func (b *Builtin) endEntityTBS(req Request, subject []byte, spki []byte, subjectKeyID []byte, serial *big.Int, now time.Time) (*x509gost.TBSCertificate, error) {
	iss := b.issuing
	notBefore := now.Truncate(time.Second)
	notAfter := notBefore.AddDate(0, b.Profile.ValidityMonths, 0)
	if max := iss.cert.NotAfter; notAfter.After(max) {
		return nil, errs.New(errs.Unavailable, "the issuing CA's certificate expires on %s, before the new certificate would", max.Format(time.DateOnly))
	}
	base := b.BaseURL
	exts := []x509gost.Extension{
		{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(endEntityKeyUsageBits...)},
		{OID: x509gost.OIDExtExtendedKeyUsage, Value: x509gost.ExtKeyUsage(x509gost.OIDExtKeyUsageClientAuth, x509gost.OIDExtKeyUsageEmailProtection)},
		{OID: x509gost.OIDExtPrivateKeyUsagePeriod, Value: x509gost.PrivateKeyUsagePeriod(notBefore, notBefore.AddDate(0, b.Profile.KeyUsageMonths, 0))},
		{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(subjectKeyID)},
		{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(iss.keyID)},
		{OID: x509gost.OIDExtCertificatePolicies, Value: x509gost.CertificatePolicies(b.Profile.classPolicies()...)},
		{OID: x509gost.OIDExtSubjectSignTool, Value: x509gost.SubjectSignTool(b.Profile.SubjectSignTool)},
		{OID: x509gost.OIDExtIssuerSignTool, Value: x509gost.IssuerSignTool(b.Profile.IssuerSignTool[0], b.Profile.IssuerSignTool[1],
			b.Profile.IssuerSignTool[2], b.Profile.IssuerSignTool[3])},
		{OID: x509gost.OIDExtIdentificationKind, Value: x509gost.IdentificationKind(identificationKind(req.Application))},
		{OID: x509gost.OIDExtCRLDistributionPoints, Value: x509gost.CRLDistributionPoints(base + "/crl/" + iss.name + ".crl")},
		{OID: x509gost.OIDExtAuthorityInfoAccess, Value: x509gost.AuthorityInfoAccess([]string{base + "/ocsp"}, []string{base + "/ca/" + iss.name + ".crt"})},
	}
	return &x509gost.TBSCertificate{SerialNumber: serial, SignatureAlgorithm: iss.signer.Public().SignatureAlgorithm(),
		Issuer: iss.cert.RawSubject, NotBefore: notBefore, NotAfter: notAfter, Subject: subject, SPKI: spki, Extensions: exts}, nil
}
