package ca_test

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// lintKey is a throwaway GOST key: the linter never looks at who signed, so bad certificates are
// signed with it rather than with the CA's key.
func lintKey(t *testing.T) *gost.PrivateKey {
	t.Helper()
	ps, ok := gost.ParamSetByName("tc26-256-A")
	if !ok {
		t.Fatal("no tc26-256-A parameter set")
	}
	k, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// goCSR makes a PKCS#10 request for a fresh key without OpenSSL, so the linter tests run anywhere.
func goCSR(t *testing.T) []byte {
	t.Helper()
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "lint", Tag: asn1.TagUTF8String}},
		lintKey(t), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// issueForLint has the built-in CA issue a certificate of the kind and returns it parsed.
func issueForLint(t *testing.T, b *ca.Builtin, kind model.CertKind) *x509gost.Certificate {
	t.Helper()
	iss, err := b.Issue(context.Background(), request(kind, goCSR(t)))
	if err != nil {
		t.Fatalf("issue %s: %v", kind, err)
	}
	c, err := x509gost.ParseCertificate(iss.DER)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func lintProblems(t *testing.T, b *ca.Builtin, c *x509gost.Certificate, kind model.CertKind) []string {
	t.Helper()
	err := b.Lint(c, kind)
	if err == nil {
		return nil
	}
	var le *ca.LintError
	if !errors.As(err, &le) {
		t.Fatalf("Lint returned %T %v, want *ca.LintError", err, err)
	}
	if len(le.Problems) == 0 {
		t.Fatal("a LintError without problems")
	}
	if !strings.Contains(err.Error(), le.Problems[0]) {
		t.Errorf("the error text %q does not carry the problems", err)
	}
	return le.Problems
}

func TestLintIssued(t *testing.T) {
	b := newCA(t, testdb.Engines(t)[0].Open(t))
	certs := map[model.CertKind]*x509gost.Certificate{}
	for _, kind := range model.CertKinds {
		t.Run(string(kind), func(t *testing.T) {
			c := issueForLint(t, b, kind)
			certs[kind] = c
			if p := lintProblems(t, b, c, kind); p != nil {
				t.Fatalf("an issued %s certificate fails the linter: %q", kind, p)
			}
		})
	}
	// A certificate linted as another kind breaks that kind's subject rules.
	for _, tc := range []struct {
		issued, as model.CertKind
		want       string
	}{
		{model.KindHead, model.KindIndividual, "subject attribute O is not allowed"},
		{model.KindIndividual, model.KindLegalEntityEmployee, "subject attribute OGRN is required"},
		{model.KindSoleProprietor, model.KindHead, "subject attribute OGRNIP is not allowed"},
		{model.KindLegalEntityEmployee, model.KindSoleProprietor, "subject attribute OGRNIP is required"},
	} {
		t.Run(string(tc.issued)+" as "+string(tc.as), func(t *testing.T) {
			c := certs[tc.issued]
			if c == nil {
				t.Skip("the issuance subtest failed")
			}
			p := lintProblems(t, b, c, tc.as)
			if !hasProblem(p, tc.want) {
				t.Fatalf("problems %q lack %q", p, tc.want)
			}
		})
	}
}

func hasProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// defect changes a good certificate in one way. subject and tbs edit what is signed; cert edits the
// parsed certificate, for defects the encoder and parser refuse to carry (the linter still must see them).
type defect struct {
	subject func(x509gost.Name) x509gost.Name
	tbs     func(*x509gost.TBSCertificate)
	cert    func(*x509gost.Certificate)
}

// rebuild re-signs base with key after applying the defects, and parses the result.
func rebuild(t *testing.T, base *x509gost.Certificate, key *gost.PrivateKey, defects ...defect) *x509gost.Certificate {
	t.Helper()
	subject := append(x509gost.Name(nil), base.Subject...)
	for _, d := range defects {
		if d.subject != nil {
			subject = d.subject(subject)
		}
	}
	rawSubject, err := subject.Marshal()
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	tbs := &x509gost.TBSCertificate{SerialNumber: new(big.Int).Set(base.SerialNumber), SignatureAlgorithm: key.Public().SignatureAlgorithm(),
		Issuer: base.RawIssuer, NotBefore: base.NotBefore, NotAfter: base.NotAfter, Subject: rawSubject, SPKI: base.RawSPKI,
		Extensions: append([]x509gost.Extension(nil), base.Extensions...)}
	for _, d := range defects {
		if d.tbs != nil {
			d.tbs(tbs)
		}
	}
	tbsDER, err := tbs.Marshal()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	der, err := x509gost.SignCertificate(tbsDER, key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509gost.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defects {
		if d.cert != nil {
			d.cert(c)
		}
	}
	return c
}

// Subject edits.

func setAttr(oid asn1.ObjectIdentifier, f func(*x509gost.Attribute)) defect {
	return defect{subject: func(n x509gost.Name) x509gost.Name {
		for i := range n {
			if n[i].OID.Equal(oid) {
				f(&n[i])
			}
		}
		return n
	}}
}

func dropAttr(oid asn1.ObjectIdentifier) defect {
	return defect{subject: func(n x509gost.Name) x509gost.Name {
		var out x509gost.Name
		for _, a := range n {
			if !a.OID.Equal(oid) {
				out = append(out, a)
			}
		}
		return out
	}}
}

// editIssuer changes the certificate's issuer name.
func editIssuer(t *testing.T, base *x509gost.Certificate, f func(x509gost.Name) x509gost.Name) defect {
	n := f(append(x509gost.Name(nil), base.Issuer...))
	raw, err := n.Marshal()
	if err != nil {
		t.Fatalf("issuer: %v", err)
	}
	return defect{tbs: func(tbs *x509gost.TBSCertificate) { tbs.Issuer = raw }}
}

func withoutAttr(oid asn1.ObjectIdentifier) func(x509gost.Name) x509gost.Name {
	return func(n x509gost.Name) x509gost.Name {
		var out x509gost.Name
		for _, a := range n {
			if !a.OID.Equal(oid) {
				out = append(out, a)
			}
		}
		return out
	}
}

func addAttr(a x509gost.Attribute) defect {
	return defect{subject: func(n x509gost.Name) x509gost.Name { return append(n, a) }}
}

// Extension edits.

func setExt(oid asn1.ObjectIdentifier, f func(*x509gost.Extension)) defect {
	return defect{tbs: func(tbs *x509gost.TBSCertificate) {
		for i := range tbs.Extensions {
			if tbs.Extensions[i].OID.Equal(oid) {
				f(&tbs.Extensions[i])
			}
		}
	}}
}

func dropExt(oid asn1.ObjectIdentifier) defect {
	return defect{tbs: func(tbs *x509gost.TBSCertificate) {
		var out []x509gost.Extension
		for _, e := range tbs.Extensions {
			if !e.OID.Equal(oid) {
				out = append(out, e)
			}
		}
		tbs.Extensions = out
	}}
}

func addExt(e x509gost.Extension) defect {
	return defect{tbs: func(tbs *x509gost.TBSCertificate) { tbs.Extensions = append(tbs.Extensions, e) }}
}

func validity(months, days int) defect {
	return defect{tbs: func(tbs *x509gost.TBSCertificate) { tbs.NotAfter = tbs.NotBefore.AddDate(0, months, days) }}
}

func TestLintDefects(t *testing.T) {
	b := newCA(t, testdb.Engines(t)[0].Open(t))
	key := lintKey(t)
	base := map[model.CertKind]*x509gost.Certificate{
		model.KindIndividual:          issueForLint(t, b, model.KindIndividual),
		model.KindLegalEntityEmployee: issueForLint(t, b, model.KindLegalEntityEmployee),
	}
	// The rebuilding itself must not introduce problems, or every case below would pass for nothing.
	for kind, c := range base {
		if p := lintProblems(t, b, rebuild(t, c, key), kind); p != nil {
			t.Fatalf("a re-signed good %s certificate fails the linter: %q", kind, p)
		}
	}
	ind, lee := model.KindIndividual, model.KindLegalEntityEmployee
	for _, tc := range []struct {
		name    string
		kind    model.CertKind
		defects []defect
		want    []string // each must be in a problem, and nothing else reported
	}{
		{"SNILS as UTF8String", ind, []defect{setAttr(x509gost.OIDSNILS, func(a *x509gost.Attribute) { a.Tag = asn1.TagUTF8String })},
			[]string{"SNILS has ASN.1 string tag 12, want 18"}},
		{"INN with 11 digits", ind, []defect{setAttr(x509gost.OIDINN, func(a *x509gost.Attribute) { a.Value = "50010073225" })},
			[]string{"INN must be 12 digits"}},
		{"INN of 12 characters with a space", ind, []defect{setAttr(x509gost.OIDINN, func(a *x509gost.Attribute) { a.Value = "5001007322 9" })},
			[]string{"INN must be 12 digits"}},
		{"OGRN missing in a legal_entity_employee", lee, []defect{dropAttr(x509gost.OIDOGRN)},
			[]string{"OGRN is required in a legal_entity_employee"}},
		{"INN missing in an individual", ind, []defect{dropAttr(x509gost.OIDINN)},
			[]string{"INN is required in a individual"}},
		{"O in an individual", ind, []defect{addAttr(x509gost.Attribute{OID: x509gost.OIDOrganization, Value: "ООО «Ромашка»", Tag: asn1.TagUTF8String})},
			[]string{"O is not allowed in a individual"}},
		{"C = US", lee, []defect{setAttr(x509gost.OIDCountry, func(a *x509gost.Attribute) { a.Value = "US" })},
			[]string{"C must be RU"}},
		{"SNILS twice", ind, []defect{addAttr(x509gost.Attribute{OID: x509gost.OIDSNILS, Value: "11223344595", Tag: asn1.TagNumericString})},
			[]string{"SNILS appears 2 times"}},
		{"OU is not in the profile", lee, []defect{addAttr(x509gost.Attribute{OID: x509gost.OIDOrganizationalUnit, Value: "Бухгалтерия", Tag: asn1.TagUTF8String})},
			[]string{"2.5.4.11 is not in the profile"}},
		{"keyUsage not critical", lee, []defect{setExt(x509gost.OIDExtKeyUsage, func(e *x509gost.Extension) { e.Critical = false })},
			[]string{"extension 2.5.29.15 must be critical=true"}},
		{"keyUsage with keyCertSign", lee, []defect{setExt(x509gost.OIDExtKeyUsage, func(e *x509gost.Extension) {
			e.Value = x509gost.KeyUsage(0, 1, 2, 3, x509gost.KeyUsageCertSign)
		})}, []string{"keyUsage must be"}},
		{"identificationKind critical", lee, []defect{setExt(x509gost.OIDExtIdentificationKind, func(e *x509gost.Extension) { e.Critical = true })},
			[]string{"extension 1.2.643.100.114 must be critical=false"}},
		{"subjectSignTool missing", ind, []defect{dropExt(x509gost.OIDExtSubjectSignTool)},
			[]string{"extension 1.2.643.100.111 is missing"}},
		{"issuerSignTool missing", ind, []defect{dropExt(x509gost.OIDExtIssuerSignTool)},
			[]string{"extension 1.2.643.100.112 is missing"}},
		{"subjectSignTool as PrintableString", ind, []defect{setExt(x509gost.OIDExtSubjectSignTool, func(e *x509gost.Extension) {
			e.Value, _ = asn1.MarshalWithParams("CryptoPro CSP 5.0", "printable")
		})}, []string{"subjectSignTool must be one UTF8String"}},
		{"basicConstraints present", lee, []defect{addExt(x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true,
			Value: x509gost.BasicConstraints(false, -1)})}, []string{"basicConstraints"}},
		// The encoder and the parser both refuse a repeated extension; the linter must catch it all the same.
		{"extension twice", lee, []defect{{cert: func(c *x509gost.Certificate) {
			ski, _ := c.Extension(x509gost.OIDExtSubjectKeyID)
			c.Extensions = append(c.Extensions, ski)
		}}}, []string{"extension 2.5.29.14 appears 2 times"}},
		{"validity of 13 months", ind, []defect{validity(13, 0)}, []string{"validity is longer than 12 months"}},
		{"validity of 12 months and 2 days", ind, []defect{validity(12, 2)}, []string{"validity is longer than 12 months"}},
		// The key is usable no longer than its certificate unless configured otherwise (the old default was 15 months).
		{"privateKeyUsagePeriod of 15 months", lee, []defect{setExt(x509gost.OIDExtPrivateKeyUsagePeriod, func(e *x509gost.Extension) {
			e.Value = x509gost.PrivateKeyUsagePeriod(base[lee].NotBefore, base[lee].NotBefore.AddDate(0, 15, 0))
		})}, []string{"privateKeyUsagePeriod must run 12 months"}},
		{"privateKeyUsagePeriod critical", lee, []defect{setExt(x509gost.OIDExtPrivateKeyUsagePeriod, func(e *x509gost.Extension) { e.Critical = true })},
			[]string{"extension 2.5.29.16 must be critical=false"}},
		{"serial of 40 bits", ind, []defect{{tbs: func(tbs *x509gost.TBSCertificate) { tbs.SerialNumber = big.NewInt(0x12_3456_789a) }}},
			[]string{"at least 64 bits"}},
		{"serial of 63 bits", ind, []defect{{tbs: func(tbs *x509gost.TBSCertificate) { tbs.SerialNumber = new(big.Int).Lsh(big.NewInt(1), 62) }}},
			[]string{"at least 64 bits"}},
		// Issue 10 item 9: a qualified CA's name carries its ОГРН and ИНН ЮЛ as NumericString, C, ST, L, street, O, CN.
		{"issuer without OGRN", lee, []defect{editIssuer(t, base[lee], withoutAttr(x509gost.OIDOGRN))}, []string{"issuer name must carry OGRN once"}},
		{"issuer without street", ind, []defect{editIssuer(t, base[ind], withoutAttr(x509gost.OIDStreet))}, []string{"issuer name must carry street once"}},
		{"issuer INNLE as UTF8String", ind, []defect{editIssuer(t, base[ind], func(n x509gost.Name) x509gost.Name {
			for i := range n {
				if n[i].OID.Equal(x509gost.OIDINNLE) {
					n[i].Tag = asn1.TagUTF8String
				}
			}
			return n
		})}, []string{"issuer INNLE has ASN.1 string tag 12, want 18"}},
		{"issuer named by CN, O, C only", ind, []defect{editIssuer(t, base[ind], func(n x509gost.Name) x509gost.Name {
			return x509gost.Name{{OID: x509gost.OIDCommonName, Value: "УЦ", Tag: asn1.TagUTF8String},
				{OID: x509gost.OIDOrganization, Value: "УЦ", Tag: asn1.TagUTF8String}, {OID: x509gost.OIDCountry, Value: "RU", Tag: asn1.TagPrintableString}}
		})}, []string{"issuer name must carry OGRN once", "issuer name must carry INNLE once", "issuer name must carry ST once",
			"issuer name must carry L once", "issuer name must carry street once"}},
		// Item 13: ST is region code and name, street has no postcode, the AKI names the issuer's issuer and serial.
		{"ST without region code", lee, []defect{setAttr(x509gost.OIDStateOrProvince, func(a *x509gost.Attribute) { a.Value = "г. Москва" })},
			[]string{"subject ST must start with the two-digit region code"}},
		{"street with postcode", lee, []defect{setAttr(x509gost.OIDStreet, func(a *x509gost.Attribute) {
			a.Value = "119034, г. Москва, ул. Пречистенка, д. 10"
		})},
			[]string{"subject street must not carry the postcode"}},
		{"AKI with the key identifier only", ind, []defect{setExt(x509gost.OIDExtAuthorityKeyID, func(e *x509gost.Extension) {
			e.Value = x509gost.AuthorityKeyID(base[ind].AuthorityKeyID)
		})}, []string{"authorityKeyIdentifier must carry the issuing CA's key identifier, its issuer name and serial number"}},
		// Item 11: the holder's tool is one of the certified ones.
		{"subjectSignTool not certified", ind, []defect{setExt(x509gost.OIDExtSubjectSignTool, func(e *x509gost.Extension) {
			e.Value = x509gost.SubjectSignTool("Самописный криптопровайдер")
		})}, []string{"is not one of the certified tools"}},
		{"notAfter equal to notBefore", ind, []defect{validity(0, 0)}, []string{"notBefore is not before notAfter"}},
		// TBSCertificate.Marshal refuses notAfter before notBefore (checked below), so the parsed
		// certificate is edited to show the linter catches it too.
		{"notAfter before notBefore", ind, []defect{{cert: func(c *x509gost.Certificate) { c.NotAfter = c.NotBefore.Add(-time.Hour) }}},
			[]string{"notBefore is not before notAfter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rebuild(t, base[tc.kind], key, tc.defects...)
			p := lintProblems(t, b, c, tc.kind)
			for _, w := range tc.want {
				if !hasProblem(p, w) {
					t.Errorf("problems %q lack %q", p, w)
				}
			}
			if len(p) != len(tc.want) {
				t.Errorf("%d problems %q, want %d", len(p), p, len(tc.want))
			}
		})
	}

	t.Run("the encoder refuses notAfter before notBefore", func(t *testing.T) {
		c := base[ind]
		tbs := &x509gost.TBSCertificate{SerialNumber: c.SerialNumber, SignatureAlgorithm: key.Public().SignatureAlgorithm(), Issuer: c.RawIssuer,
			NotBefore: c.NotBefore, NotAfter: c.NotBefore.Add(-time.Second), Subject: c.RawSubject, SPKI: c.RawSPKI, Extensions: c.Extensions}
		if _, err := tbs.Marshal(); err == nil {
			t.Fatal("TBSCertificate.Marshal accepted notAfter before notBefore")
		}
	})

	t.Run("every problem is reported", func(t *testing.T) {
		c := rebuild(t, base[lee], key,
			setAttr(x509gost.OIDSNILS, func(a *x509gost.Attribute) { a.Tag = asn1.TagUTF8String }),
			setExt(x509gost.OIDExtKeyUsage, func(e *x509gost.Extension) { e.Critical = false }),
			validity(13, 0),
			dropExt(x509gost.OIDExtSubjectSignTool))
		p := lintProblems(t, b, c, lee)
		if len(p) < 4 {
			t.Fatalf("%d problems %q for four defects", len(p), p)
		}
		for _, w := range []string{"SNILS has ASN.1 string tag", "2.5.29.15 must be critical=true", "validity is longer", "1.2.643.100.111 is missing"} {
			if !hasProblem(p, w) {
				t.Errorf("problems %q lack %q", p, w)
			}
		}
	})
}
