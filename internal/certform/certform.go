// Package certform reads an issued certificate the way PKI users expect to see it — subject and issuer as
// labelled names, the SHA-1 thumbprint, the key usage period, the extensions in words — and prints the
// certificate form a holder signs ("Сертификат ключа проверки электронной подписи"), as CAs hand it out.
// Everything is a pure function of the certificate's DER: the same certificate always gives the same
// details and the same PDF bytes.
package certform

import (
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// Field is one labelled part of a name: Key names it (see Words for the Russian label), Value is its text.
type Field struct {
	Key, Value string
}

// Details is a certificate as its card and its printed form show it.
type Details struct {
	Serial string // hex, as the register shows it
	// Thumbprint is the SHA-1 of the certificate's DER in upper-case hex without spaces, as CryptoPro's
	// tools show it and as portals ask for it.
	Thumbprint      string
	Subject, Issuer []Field
	NotBefore       time.Time
	NotAfter        time.Time
	// KeyFrom and KeyTo are the private key usage period (privateKeyUsagePeriod); zero when absent.
	KeyFrom, KeyTo time.Time
	KeyBits        int      // 256 or 512: the GOST R 34.10-2012 key size
	PublicKey      string   // the key's value in hex, bytes separated by spaces, as printed forms show it
	KeyUsage       []string // codes (see Words): digital_signature, non_repudiation, …
	ExtKeyUsage    []string // codes of known purposes (eku_client_auth, …), dotted OIDs otherwise
	Policies       []string // signature tool classes: "КС1", "КС2", …; dotted OIDs otherwise
	SubjectTool    string   // subjectSignTool
	IssuerTools    []string // issuerSignTool: the CA's key tool, CA tool and their conformity certificates
	// Identification is how the holder was identified (identificationKind 0–3), -1 when absent.
	Identification int
	CRL            []string // CRL distribution points
	OCSP           []string // OCSP responders
	CAIssuers      []string // where the issuer's certificate is
}

// Read reads a certificate's details. With masked, the holder's personal identifiers (СНИЛС, personal
// ИНН, e-mail) keep only their last characters, as screens show them; the printed form, which the holder
// signs, shows them whole.
func Read(der []byte, masked bool) (*Details, error) {
	c, err := x509gost.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certform: %w", err)
	}
	sum := sha1.Sum(c.Raw)
	d := &Details{Serial: hex.EncodeToString(c.SerialNumber.Bytes()), Thumbprint: strings.ToUpper(hex.EncodeToString(sum[:])),
		Subject: fields(c.Subject, masked), Issuer: fields(c.Issuer, false), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		Identification: -1}
	if c.PublicKey != nil {
		d.KeyBits = c.PublicKey.ParamSet().Size * 8
		d.PublicKey = spaced(c.PublicKey.Raw())
	}
	for i, code := range keyUsageCodes {
		if c.KeyUsage&(1<<i) != 0 {
			d.KeyUsage = append(d.KeyUsage, code)
		}
	}
	for _, e := range c.Extensions {
		if err := d.extension(e); err != nil {
			return nil, fmt.Errorf("certform: extension %s: %w", e.OID, err)
		}
	}
	return d, nil
}

// spaced writes bytes as upper-case hex pairs separated by spaces.
func spaced(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, " ")
}

// keyUsageCodes are the KeyUsage bits in RFC 5280 order.
var keyUsageCodes = []string{"digital_signature", "non_repudiation", "key_encipherment", "data_encipherment", "key_agreement",
	"cert_sign", "crl_sign", "encipher_only", "decipher_only"}

var ekuCodes = []struct {
	oid  encasn1.ObjectIdentifier
	code string
}{
	{x509gost.OIDExtKeyUsageClientAuth, "eku_client_auth"}, {x509gost.OIDExtKeyUsageEmailProtection, "eku_email"},
	{x509gost.OIDExtKeyUsageServerAuth, "eku_server_auth"}, {x509gost.OIDExtKeyUsageOCSPSigning, "eku_ocsp"},
}

var policyNames = []struct {
	oid  encasn1.ObjectIdentifier
	name string
}{
	{x509gost.OIDPolicyKC1, "КС1"}, {x509gost.OIDPolicyKC2, "КС2"}, {x509gost.OIDPolicyKC3, "КС3"},
	{x509gost.OIDPolicyKB1, "КВ1"}, {x509gost.OIDPolicyKB2, "КВ2"}, {x509gost.OIDPolicyKA1, "КА1"},
}

func (d *Details) extension(e x509gost.Extension) error {
	s := cryptobyte.String(e.Value)
	switch {
	case e.OID.Equal(x509gost.OIDExtPrivateKeyUsagePeriod):
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, asn1.SEQUENCE) {
			return errMalformed
		}
		for _, f := range []struct {
			tag asn1.Tag
			to  *time.Time
		}{{asn1.Tag(0).ContextSpecific(), &d.KeyFrom}, {asn1.Tag(1).ContextSpecific(), &d.KeyTo}} {
			var v cryptobyte.String
			var ok bool
			if !seq.ReadOptionalASN1(&v, &ok, f.tag) {
				return errMalformed
			}
			if ok {
				t, err := time.Parse("20060102150405Z0700", string(v))
				if err != nil {
					return err
				}
				*f.to = t
			}
		}
	case e.OID.Equal(x509gost.OIDExtExtendedKeyUsage):
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, asn1.SEQUENCE) {
			return errMalformed
		}
		for !seq.Empty() {
			var oid encasn1.ObjectIdentifier
			if !seq.ReadASN1ObjectIdentifier(&oid) {
				return errMalformed
			}
			d.ExtKeyUsage = append(d.ExtKeyUsage, ekuCode(oid))
		}
	case e.OID.Equal(x509gost.OIDExtCertificatePolicies):
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, asn1.SEQUENCE) {
			return errMalformed
		}
		for !seq.Empty() {
			var info cryptobyte.String
			var oid encasn1.ObjectIdentifier
			if !seq.ReadASN1(&info, asn1.SEQUENCE) || !info.ReadASN1ObjectIdentifier(&oid) {
				return errMalformed
			}
			d.Policies = append(d.Policies, policyName(oid))
		}
	case e.OID.Equal(x509gost.OIDExtSubjectSignTool):
		tool, err := x509gost.ParseSubjectSignTool(e.Value)
		if err != nil {
			return err
		}
		d.SubjectTool = tool
	case e.OID.Equal(x509gost.OIDExtIssuerSignTool):
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, asn1.SEQUENCE) {
			return errMalformed
		}
		for !seq.Empty() {
			var v cryptobyte.String
			var tag asn1.Tag
			if !seq.ReadAnyASN1(&v, &tag) {
				return errMalformed
			}
			d.IssuerTools = append(d.IssuerTools, string(v))
		}
	case e.OID.Equal(x509gost.OIDExtIdentificationKind):
		var k int
		if !s.ReadASN1Integer(&k) {
			return errMalformed
		}
		d.Identification = k
	case e.OID.Equal(x509gost.OIDExtCRLDistributionPoints):
		return readCRLDP(s, &d.CRL)
	case e.OID.Equal(x509gost.OIDExtAuthorityInfoAccess):
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, asn1.SEQUENCE) {
			return errMalformed
		}
		for !seq.Empty() {
			var ad, uri cryptobyte.String
			var method encasn1.ObjectIdentifier
			if !seq.ReadASN1(&ad, asn1.SEQUENCE) || !ad.ReadASN1ObjectIdentifier(&method) {
				return errMalformed
			}
			if !ad.ReadASN1(&uri, asn1.Tag(6).ContextSpecific()) {
				continue // not a URI: nothing to show
			}
			switch {
			case method.Equal(x509gost.OIDAccessOCSP):
				d.OCSP = append(d.OCSP, string(uri))
			case method.Equal(x509gost.OIDAccessCAIssuers):
				d.CAIssuers = append(d.CAIssuers, string(uri))
			}
		}
	}
	return nil
}

// readCRLDP collects the URIs of a cRLDistributionPoints value's full names.
func readCRLDP(s cryptobyte.String, out *[]string) error {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) {
		return errMalformed
	}
	for !seq.Empty() {
		var dp, name, full cryptobyte.String
		var hasName, hasFull bool
		if !seq.ReadASN1(&dp, asn1.SEQUENCE) ||
			!dp.ReadOptionalASN1(&name, &hasName, asn1.Tag(0).ContextSpecific().Constructed()) {
			return errMalformed
		}
		if !hasName || !name.ReadOptionalASN1(&full, &hasFull, asn1.Tag(0).ContextSpecific().Constructed()) || !hasFull {
			continue
		}
		for !full.Empty() {
			var v cryptobyte.String
			var tag asn1.Tag
			if !full.ReadAnyASN1(&v, &tag) {
				return errMalformed
			}
			if tag == asn1.Tag(6).ContextSpecific() {
				*out = append(*out, string(v))
			}
		}
	}
	return nil
}

var errMalformed = fmt.Errorf("malformed value")

func ekuCode(oid encasn1.ObjectIdentifier) string {
	for _, e := range ekuCodes {
		if e.oid.Equal(oid) {
			return e.code
		}
	}
	return oid.String()
}

func policyName(oid encasn1.ObjectIdentifier) string {
	for _, p := range policyNames {
		if p.oid.Equal(oid) {
			return p.name
		}
	}
	return oid.String()
}

// nameOrder is the order the fields of a name are shown in, the person first, then the organization.
var nameOrder = []struct {
	oid encasn1.ObjectIdentifier
	key string
}{
	{x509gost.OIDTitle, "title"}, {x509gost.OIDOrganization, "org"}, {x509gost.OIDOrganizationalUnit, "ou"},
	{x509gost.OIDINNLE, "innle"}, {x509gost.OIDOGRN, "ogrn"}, {x509gost.OIDOGRNIP, "ogrnip"}, {x509gost.OIDINN, "inn"},
	{x509gost.OIDSNILS, "snils"}, {x509gost.OIDEmail, "email"}, {x509gost.OIDCountry, "c"}, {x509gost.OIDStateOrProvince, "st"},
	{x509gost.OIDLocality, "l"}, {x509gost.OIDStreet, "street"},
}

// fields turns a name into labelled fields: ФИО from surname and given names, the common name when it
// says something else, then the rest in nameOrder.
func fields(n x509gost.Name, masked bool) []Field {
	var out []Field
	sn, _ := n.Get(x509gost.OIDSurname)
	gn, _ := n.Get(x509gost.OIDGivenName)
	fio := strings.TrimSpace(sn + " " + gn)
	if fio != "" {
		out = append(out, Field{"fio", fio})
	}
	org, _ := n.Get(x509gost.OIDOrganization)
	if cn, ok := n.Get(x509gost.OIDCommonName); ok && cn != fio && cn != org {
		out = append(out, Field{"cn", cn})
	}
	for _, a := range nameOrder {
		v, ok := n.Get(a.oid)
		if !ok || v == "" {
			continue
		}
		if masked {
			v = mask(a.key, v)
		}
		out = append(out, Field{a.key, v})
	}
	return out
}

// mask keeps the last two digits of a СНИЛС or a personal ИНН and the first letter and domain of an
// e-mail: enough to tell two people apart on a screen, not enough to use.
func mask(key, v string) string {
	switch key {
	case "snils":
		return "***-***-*** " + v[max(0, len(v)-2):]
	case "inn":
		return strings.Repeat("*", max(0, len(v)-2)) + v[max(0, len(v)-2):]
	case "email":
		if at := strings.LastIndexByte(v, '@'); at > 0 {
			return v[:1] + "***" + v[at:]
		}
		return "***"
	}
	return v
}

// Words are the Russian texts of the codes Details uses: field labels, key usages, purposes and the ways
// of identification ("ident_0" … "ident_3").
var Words = map[string]string{
	"fio": "ФИО", "cn": "Общее имя", "title": "Должность", "org": "Организация", "ou": "Подразделение",
	"innle": "ИНН организации", "ogrn": "ОГРН", "ogrnip": "ОГРНИП", "inn": "ИНН", "snils": "СНИЛС",
	"email": "Электронная почта", "c": "Страна", "st": "Регион", "l": "Населённый пункт", "street": "Адрес",
	"digital_signature": "цифровая подпись", "non_repudiation": "неотрекаемость", "key_encipherment": "шифрование ключей",
	"data_encipherment": "шифрование данных", "key_agreement": "согласование ключей", "cert_sign": "подпись сертификатов",
	"crl_sign": "подпись списков отзыва", "encipher_only": "только шифрование", "decipher_only": "только расшифрование",
	"eku_client_auth": "проверка подлинности клиента", "eku_email": "защищённая электронная почта",
	"eku_server_auth": "проверка подлинности сервера", "eku_ocsp": "подпись ответов OCSP",
	"ident_0": "при личном присутствии", "ident_1": "без личного присутствия, по действующей квалифицированной подписи",
	"ident_2": "без личного присутствия, по загранпаспорту с биометрией",
	"ident_3": "без личного присутствия, через ЕСИА и Единую биометрическую систему",
}

// Word is the Russian text of a code, the code itself when there is none (a dotted OID).
func Word(code string) string {
	if w, ok := Words[code]; ok {
		return w
	}
	return code
}
