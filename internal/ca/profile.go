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
	ValidityMonths int // certificate lifetime, default 12
	// KeyUsageMonths is the private key usage period; 0 (the default) makes it the certificate's validity,
	// so that the key is never usable for signing after its certificate ended.
	KeyUsageMonths int
	// SubjectSignTool names the holder's crypto tool when neither the application nor the request does;
	// it must be one of SignTools.
	SubjectSignTool string
	IssuerSignTool  [4]string // CA key tool, CA tool, and their conformity certificates
	Class           int       // highest protection class reached, 1 (KC1) … 6 (KA1)
}

// SignTools are the certified crypto tools a holder's key can be made with, as subjectSignTool names
// them; an application chooses one, and a request that names one of them itself is believed.
var SignTools = []string{
	"СКЗИ \"КриптоПро CSP\" (версия 5.0)",
	"СКЗИ \"КриптоПро CSP\" (версия 4.0)",
	"СКЗИ \"Рутокен ЭЦП 2.0\"",
	"СКЗИ \"Рутокен ЭЦП 3.0\"",
	"СКЗИ \"ViPNet CSP 4\"",
	"СКЗИ \"ЛИРССЛ-CSP\"",
}

// signToolKey is the form two names of one tool share: case, quotes and the "СКЗИ" prefix differ
// between tools and between how people type them («Рутокен ЭЦП 2.0» is СКЗИ "Рутокен ЭЦП 2.0").
func signToolKey(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = quoteRemover.Replace(s)
	s = strings.TrimPrefix(s, "скзи ")
	return strings.TrimSpace(s)
}

var quoteRemover = strings.NewReplacer("«", "", "»", "", "\"", "", "“", "", "”", "", "„", "")

// signToolKeys are signToolKey of each of SignTools, computed once: every issuance looks a name up.
var signToolKeys = func() []string {
	keys := make([]string, len(SignTools))
	for i, t := range SignTools {
		keys[i] = signToolKey(t)
	}
	return keys
}()

// CertifiedSignTool returns the SignTools entry a name stands for.
func CertifiedSignTool(name string) (string, bool) {
	key := signToolKey(name)
	if key == "" {
		return "", false
	}
	for i, k := range signToolKeys {
		if k == key {
			return SignTools[i], true
		}
	}
	return "", false
}

// DefaultProfile is the profile used unless configured otherwise.
func DefaultProfile() Profile {
	return Profile{ValidityMonths: 12,
		SubjectSignTool: SignTools[0],
		IssuerSignTool: [4]string{"kcr: встроенное средство ЭП", "kcr: встроенный удостоверяющий центр",
			"Демонстрационный режим: сертификат соответствия не выдавался", "Демонстрационный режим: сертификат соответствия не выдавался"},
		Class: 1}
}

// keyUsageMonths is the private key usage period in months: by default the validity.
func (p Profile) keyUsageMonths() int {
	if p.KeyUsageMonths == 0 {
		return p.ValidityMonths
	}
	return p.KeyUsageMonths
}

// keyUsageEnd is when the private key usage period of a certificate valid from notBefore ends.
func (p Profile) keyUsageEnd(notBefore time.Time) time.Time {
	return notBefore.AddDate(0, p.keyUsageMonths(), 0)
}

// signTool is the subjectSignTool of a request's certificate: what the request itself names when it is a
// certified tool (the tool that made the key knows best), else the application's choice, else the
// profile's default.
func (p Profile) signTool(req Request, csr *x509gost.CertificateRequest) string {
	if csr != nil {
		for _, e := range csr.Extensions {
			if !e.OID.Equal(x509gost.OIDExtSubjectSignTool) {
				continue
			}
			if named, err := x509gost.ParseSubjectSignTool(e.Value); err == nil {
				if tool, ok := CertifiedSignTool(named); ok {
					return tool
				}
			}
		}
	}
	if tool, ok := CertifiedSignTool(req.Application.SignTool); ok {
		return tool
	}
	return p.SubjectSignTool
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
	max    int // most characters allowed (see maxCommonName)
	kinds  map[model.CertKind]need
}

// maxCommonName bounds CN. X.520's ub-common-name is 64, but a head's CN is the organization's name and
// Russian qualified certificates carry it whole (state institutions' names run past 100 characters;
// the accredited CAs and CryptoPro accept them): kcr follows them, with the bound it uses for O.
const maxCommonName = 256

func kinds(individual, sole, head, legacy need) map[model.CertKind]need {
	return map[model.CertKind]need{model.KindIndividual: individual, model.KindSoleProprietor: sole, model.KindHead: head,
		model.KindLegalEntityEmployee: legacy}
}

// subjectRules is the table of DESIGN.md section 5, in the order attributes appear in the subject.
var subjectRules = []attributeRule{
	{x509gost.OIDCommonName, "CN", asn1.TagUTF8String, 0, maxCommonName, kinds(required, required, required, required)},
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
	if p, ok := localityPart(address); ok {
		return p
	}
	return region
}

var settlementPrefixes = []string{"г.", "г ", "пос.", "пгт", "с.", "д.", "рп ", "р.п."}

// localityPart finds the settlement part of an address.
func localityPart(address string) (string, bool) {
	for _, part := range strings.Split(address, ",") {
		p := strings.TrimSpace(part)
		for _, prefix := range settlementPrefixes {
			rest := strings.TrimSpace(strings.TrimPrefix(p, prefix))
			if strings.HasPrefix(p, prefix) && rest != "" && !(rest[0] >= '0' && rest[0] <= '9') { // "д. 10" is a house
				return p, true
			}
		}
	}
	return "", false
}

// street is the address without the postcode, the region and the settlement, which ST and L carry
// ("119034, г. Москва, ул. Пречистенка, д. 10" → "ул. Пречистенка, д. 10").
func street(address, region string) string {
	loc, hasLoc := localityPart(address)
	var keep []string
	for _, part := range strings.Split(address, ",") {
		p := strings.TrimSpace(part)
		switch {
		case p == "", isPostcode(p), hasLoc && p == loc, region != "" && strings.EqualFold(p, region):
			continue
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, ", ")
}

func isPostcode(s string) bool {
	return len(s) == 6 && strings.Trim(s, "0123456789") == ""
}

// regionCode is an organization's federal subject code: its own, or the first two digits of its ИНН
// (the tax office's region) for organizations recorded before kcr kept the code.
func regionCode(o *model.Organization) string {
	if o.RegionCode != "" {
		return o.RegionCode
	}
	if len(o.INN) >= 2 {
		return o.INN[:2]
	}
	return ""
}

// stateOrProvince is ST as qualified certificates write it: the region code and name ("77 г. Москва").
// A region recorded as its bare code ("77") is taken as the code, named after the settlement or else the
// address's first part ("77 Москва").
func stateOrProvince(o *model.Organization) string {
	code, name := regionCode(o), o.Region
	bareCode := len(name) == 2 && strings.Trim(name, "0123456789") == ""
	if bareCode {
		code, name = name, ""
	}
	if name == "" {
		name, _ = localityPart(o.Address)
	}
	if name == "" && bareCode {
		for _, part := range strings.Split(o.Address, ",") {
			if p := strings.TrimSpace(part); p != "" && !isPostcode(p) {
				name = p
				break
			}
		}
	}
	if name == "" {
		return ""
	}
	return strings.TrimSpace(code + " " + name)
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
		v["ST"], v["L"], v["street"] = stateOrProvince(o), locality(o.Address, o.Region), street(o.Address, o.Region)
	}
	switch kind {
	case model.KindHead, model.KindLegalEntityEmployee:
		v["O"], v["INNLE"], v["OGRN"] = o.Name, o.INN, o.OGRN
	case model.KindSoleProprietor:
		// The entrepreneur's ИНН is the organization's: never another person's from the employee card.
		v["INN"], v["OGRNIP"] = o.INN, o.OGRN
	}
	return v
}

// fieldOf names where a subject attribute comes from, for errors a registrar can act on.
var fieldOf = map[string]string{"CN": "employee.surname", "SN": "employee.surname", "GN": "employee.given_name",
	"ST": "organization.region", "L": "organization.address", "street": "organization.address", "O": "organization.name",
	"T": "employee.position", "E": "employee.email", "SNILS": "employee.snils", "INN": "employee.inn",
	"INNLE": "organization.inn", "OGRN": "organization.ogrn", "OGRNIP": "organization.ogrn"}

// sourceField is fieldOf for a kind: a head's CN is the organization's name, a sole proprietor's ИНН the
// organization's.
func sourceField(kind model.CertKind, attr string) string {
	switch {
	case attr == "CN" && kind == model.KindHead:
		return "organization.name"
	case attr == "INN" && kind == model.KindSoleProprietor:
		return "organization.inn"
	}
	return fieldOf[attr]
}

// CheckSubject checks the registration data of a future certificate against the profile's length limits
// (and a sole proprietor's ИНН), naming the field to correct. Registration runs it when an application is
// created, so that nothing is first refused at issuance, after approval.
func CheckSubject(kind model.CertKind, e *model.Employee, o *model.Organization) error {
	req := Request{Application: &model.Application{Kind: kind}, Employee: e, Organization: o}
	var f errs.Fields
	checkProprietorINN(req, &f)
	values := subjectValues(req)
	for _, r := range subjectRules {
		if r.kinds[kind] == never {
			continue
		}
		if n := len([]rune(values[r.name])); n > r.max {
			f.Add(sourceField(kind, r.name), "too_long", fmt.Sprintf("is %d characters, the certificate allows %d (subject attribute %s): use a shorter form", n, r.max, r.name))
		}
	}
	return f.Err()
}

// checkProprietorINN refuses a sole proprietor's certificate for someone whose own ИНН is not the
// entrepreneur's: the holder is the entrepreneur.
func checkProprietorINN(req Request, f *errs.Fields) {
	if req.Application.Kind == model.KindSoleProprietor && req.Employee.INN != "" && req.Employee.INN != req.Organization.INN {
		f.Add("employee.inn", "mismatch", "a sole proprietor's certificate is the entrepreneur's own: the employee's ИНН differs from the organization's")
	}
}

// buildSubject makes the subject name for a request, or a validation error naming the missing data.
func buildSubject(req Request) (x509gost.Name, error) {
	kind := req.Application.Kind
	if kind == model.KindSoleProprietor && req.Organization.Kind != model.OrgSoleProprietor {
		return nil, errs.Field("organization.kind", "kind_mismatch", "a sole_proprietor certificate needs a sole-proprietor organization")
	}
	values := subjectValues(req)
	var name x509gost.Name
	var f errs.Fields
	checkProprietorINN(req, &f)
	for _, r := range subjectRules {
		n := r.kinds[kind]
		val := values[r.name]
		if n == never || val == "" {
			if n == required {
				f.Add(sourceField(kind, r.name), "required", fmt.Sprintf("a %s certificate needs it (subject attribute %s)", kind, r.name))
			}
			continue
		}
		if n := len([]rune(val)); n > r.max {
			f.Add(sourceField(kind, r.name), "too_long", fmt.Sprintf("is %d characters, the certificate allows %d (subject attribute %s): use a shorter form", n, r.max, r.name))
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
func (b *Builtin) endEntityTBS(req Request, csr *x509gost.CertificateRequest, subject []byte, subjectKeyID []byte, serial *big.Int,
	now time.Time) (*x509gost.TBSCertificate, error) {
	iss := b.issuing
	notBefore := now.Truncate(time.Second)
	notAfter := notBefore.AddDate(0, b.Profile.ValidityMonths, 0)
	if max := iss.cert.NotAfter; notAfter.After(max) {
		return nil, errs.New(errs.Unavailable, "the issuing CA's certificate expires on %s, before the new certificate would", max.Format(time.DateOnly))
	}
	st := b.endEntityStatic()
	exts := []x509gost.Extension{
		st.keyUsage,
		st.extKeyUsage,
		{OID: x509gost.OIDExtPrivateKeyUsagePeriod, Value: x509gost.PrivateKeyUsagePeriod(notBefore, b.Profile.keyUsageEnd(notBefore))},
		{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(subjectKeyID)},
		st.authorityKeyID,
		st.policies,
		{OID: x509gost.OIDExtSubjectSignTool, Value: x509gost.SubjectSignTool(b.Profile.signTool(req, csr))},
		st.issuerSignTool,
		{OID: x509gost.OIDExtIdentificationKind, Value: x509gost.IdentificationKind(identificationKind(req.Application))},
		st.crlDistributionPoints,
		st.authorityInfoAccess,
	}
	return &x509gost.TBSCertificate{SerialNumber: serial, SignatureAlgorithm: st.signatureAlgorithm, Issuer: iss.cert.RawSubject,
		NotBefore: notBefore, NotAfter: notAfter, Subject: subject, SPKI: csr.RawSPKI, PublicKey: csr.PublicKey, Extensions: exts}, nil
}

// endEntityStatic is what every end-entity certificate of the issuing authority carries alike, encoded
// once instead of for each certificate.
type endEntityStatic struct {
	profile Profile // what it was made from: the exported fields may change after Load
	baseURL string

	signatureAlgorithm                                              asn1.ObjectIdentifier
	keyUsage, extKeyUsage, authorityKeyID, policies, issuerSignTool x509gost.Extension
	crlDistributionPoints, authorityInfoAccess                      x509gost.Extension
	policiesValue, keyUsageValue, extKeyUsageValue                  []byte // for the linter's comparisons
	issuerName                                                      []byte // the issuing CA's name (DER)
	issuerProblems                                                  []string
}

// endEntityStatic returns the issuing authority's shared extensions, made anew when the profile or base
// URL changed since they were last made.
func (b *Builtin) endEntityStatic() *endEntityStatic {
	if st := b.static.Load(); st != nil && st.profile == b.Profile && st.baseURL == b.BaseURL {
		return st
	}
	iss, p, base := b.issuing, b.Profile, b.BaseURL
	st := &endEntityStatic{profile: p, baseURL: base, signatureAlgorithm: iss.signer.Public().SignatureAlgorithm(),
		keyUsageValue:    x509gost.KeyUsage(endEntityKeyUsageBits...),
		extKeyUsageValue: x509gost.ExtKeyUsage(x509gost.OIDExtKeyUsageClientAuth, x509gost.OIDExtKeyUsageEmailProtection),
		policiesValue:    x509gost.CertificatePolicies(p.classPolicies()...),
	}
	st.issuerName, st.issuerProblems = iss.cert.RawSubject, caNameProblems(iss.cert.Subject)
	st.keyUsage = x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: st.keyUsageValue}
	st.extKeyUsage = x509gost.Extension{OID: x509gost.OIDExtExtendedKeyUsage, Value: st.extKeyUsageValue}
	st.authorityKeyID = x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID,
		Value: x509gost.AuthorityKeyIDWithIssuer(iss.keyID, iss.cert.RawIssuer, iss.cert.SerialNumber)}
	st.policies = x509gost.Extension{OID: x509gost.OIDExtCertificatePolicies, Value: st.policiesValue}
	st.issuerSignTool = x509gost.Extension{OID: x509gost.OIDExtIssuerSignTool,
		Value: x509gost.IssuerSignTool(p.IssuerSignTool[0], p.IssuerSignTool[1], p.IssuerSignTool[2], p.IssuerSignTool[3])}
	st.crlDistributionPoints = x509gost.Extension{OID: x509gost.OIDExtCRLDistributionPoints,
		Value: x509gost.CRLDistributionPoints(base + "/crl/" + iss.name + ".crl")}
	st.authorityInfoAccess = x509gost.Extension{OID: x509gost.OIDExtAuthorityInfoAccess,
		Value: x509gost.AuthorityInfoAccess([]string{base + "/ocsp"}, []string{base + "/ca/" + iss.name + ".crt"})}
	b.static.Store(st)
	return st
}
