package ca_test

import (
	"context"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// realCA is the certificate of an accredited CA (testdata/realworld).
func realCA(t *testing.T) *x509gost.Certificate {
	t.Helper()
	raw, err := os.ReadFile(ossltest.Testdata("realworld", "sertum-pro-2024-ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	c, err := x509gost.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nameShape is a name's attribute types with their string tags, e-mail left out.
func nameShape(n x509gost.Name) map[string]int {
	out := map[string]int{}
	for _, a := range n {
		if !a.OID.Equal(x509gost.OIDEmail) {
			out[a.OID.String()] = a.Tag
		}
	}
	return out
}

// fieldErr returns the first field of a validation error.
func fieldErr(t *testing.T, err error) string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		t.Fatalf("want a field error, got %v", err)
	}
	return e.Fields[0].Field
}

// Item 9: the CA names itself as accredited CAs do, so every certificate's issuer carries ОГРН and ИНН ЮЛ
// (NumericString), C, ST, L, street, O and CN; OpenSSL shows them.
func TestIssuerNameLikeQualifiedCA(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	opt := ca.InitOptions{Organization: "ООО «Ромашка-УЦ»", CommonName: "УЦ Ромашка", OGRN: "1027700132195", INN: "7707083893",
		Region: "77 г. Москва", Locality: "г. Москва", Street: "ул. Пречистенка, д. 10"}
	b, err := ca.Init(context.Background(), db, clock.NewFake(now), ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), opt)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := b.Issue(context.Background(), request(model.KindLegalEntityEmployee, opensslCSR(t, o, "gost2012_256", "A")))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509gost.ParseCertificate(iss.DER)
	if err != nil {
		t.Fatal(err)
	}
	real := realCA(t)
	want := nameShape(real.Subject)
	for _, n := range []struct {
		what string
		name x509gost.Name
	}{{"issuer of the end-entity certificate", cert.Issuer}, {"the real CA's issuer", real.Issuer}} {
		got := nameShape(n.name)
		if len(got) != len(want) {
			t.Errorf("%s has attributes %v, the real CA %v", n.what, got, want)
		}
		for oid, tag := range want {
			if got[oid] != tag {
				t.Errorf("%s: attribute %s has tag %d, the real CA's %d", n.what, oid, got[oid], tag)
			}
		}
	}
	f := filepath.Join(t.TempDir(), "ee.pem")
	writePEM(t, f, iss.DER)
	text := o.Run(t, "x509", "-in", f, "-noout", "-issuer", "-nameopt", "utf8,sep_multiline,sname")
	for _, w := range []string{"OGRN=1027700132195", "1.2.643.100.4=7707083893", "C=RU", "ST=77 г. Москва", "L=г. Москва",
		"street=ул. Пречистенка, д. 10", "O=ООО «Ромашка-УЦ»", "CN=УЦ Ромашка"} {
		if !strings.Contains(text, w) {
			t.Errorf("openssl -issuer lacks %q:\n%s", w, text)
		}
	}
	parsed := o.Run(t, "asn1parse", "-in", f)
	if strings.Count(parsed, "NUMERICSTRING") < 2+4 { // issuer ОГРН and ИНН ЮЛ, subject СНИЛС, ИНН, ИНН ЮЛ, ОГРН
		t.Errorf("the certificate lacks NumericStrings:\n%s", parsed)
	}

	t.Run("requisites are checked", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edit  func(*ca.InitOptions)
			field string
		}{
			{"ОГРН with a wrong check digit", func(o *ca.InitOptions) { o.OGRN = "1027700132196" }, "ogrn"},
			{"12-digit ИНН", func(o *ca.InitOptions) { o.INN = "500100732259" }, "inn"},
			{"ST without a code", func(o *ca.InitOptions) { o.Region = "г. Москва" }, "region"},
			{"no street", func(o *ca.InitOptions) { o.Street = "" }, "street"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bad := opt
				bad.Prefix = "bad"
				tc.edit(&bad)
				_, err := ca.Init(context.Background(), db, clock.NewFake(now), ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), bad)
				if got := fieldErr(t, err); got != tc.field {
					t.Fatalf("field %s, want %s (%v)", got, tc.field, err)
				}
			})
		}
	})
}

// subjectValue returns a subject attribute.
func subjectValue(c *x509gost.Certificate, oid asn1.ObjectIdentifier) string {
	for _, a := range c.Subject {
		if a.OID.Equal(oid) {
			return a.Value
		}
	}
	return ""
}

// Items 10, 12, 13: the entrepreneur's own ИНН, long organization names, ST with region code, street
// without postcode and city, the key usable no longer than the certificate, the AKI naming issuer and serial.
func TestSubjectAsQualifiedCertificates(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	b := newCA(t, db)
	issuing, _ := b.Certificate(ca.IssuingName)
	issCert, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(t *testing.T, req ca.Request) *x509gost.Certificate {
		t.Helper()
		req.Employee.ID, req.Application.ID = "emp-"+t.Name(), "app-"+t.Name()
		iss, err := b.Issue(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509gost.ParseCertificate(iss.DER)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Lint(cert, req.Application.Kind); err != nil {
			t.Fatal(err)
		}
		return cert
	}

	t.Run("sole proprietor: the organization's ИНН, never another person's", func(t *testing.T) {
		req := request(model.KindSoleProprietor, opensslCSR(t, o, "gost2012_256", "A"))
		req.Employee.INN = ""
		if got := subjectValue(issue(t, req), x509gost.OIDINN); got != req.Organization.INN {
			t.Fatalf("ИНН %s, want the entrepreneur's %s", got, req.Organization.INN)
		}
		req = request(model.KindSoleProprietor, opensslCSR(t, o, "gost2012_256", "A"))
		req.Employee.ID, req.Employee.INN = "emp-other", "772015123411" // another person's ИНН
		_, err := b.Issue(context.Background(), req)
		if got := fieldErr(t, err); got != "employee.inn" {
			t.Fatalf("field %s, want employee.inn", got)
		}
		if got := fieldErr(t, ca.CheckSubject(model.KindSoleProprietor, req.Employee, req.Organization)); got != "employee.inn" {
			t.Fatalf("CheckSubject: field %s, want employee.inn", got)
		}
	})

	t.Run("an 81-character organization name is a head's CN", func(t *testing.T) {
		req := request(model.KindHead, opensslCSR(t, o, "gost2012_256", "A"))
		req.Organization.Name = "ФЕДЕРАЛЬНОЕ ГОСУДАРСТВЕННОЕ БЮДЖЕТНОЕ УЧРЕЖДЕНИЕ «НАУЧНО-ИССЛЕДОВАТЕЛЬСКИЙ ИНСТИТУТ»"
		if n := len([]rune(req.Organization.Name)); n <= 64 {
			t.Fatalf("the name is %d characters: the test needs one over 64", n)
		}
		if err := ca.CheckSubject(model.KindHead, req.Employee, req.Organization); err != nil {
			t.Fatal(err)
		}
		if got := subjectValue(issue(t, req), x509gost.OIDCommonName); got != req.Organization.Name {
			t.Fatalf("CN %q", got)
		}
	})

	t.Run("a name too long for the certificate is refused naming its field", func(t *testing.T) {
		org := *request(model.KindHead, nil).Organization
		org.Name = strings.Repeat("Очень длинное название ", 12)
		emp := request(model.KindHead, nil).Employee
		if got := fieldErr(t, ca.CheckSubject(model.KindHead, emp, &org)); got != "organization.name" {
			t.Fatalf("field %s, want organization.name", got)
		}
		emp2 := *emp
		emp2.Surname = strings.Repeat("Щ", 70)
		if got := fieldErr(t, ca.CheckSubject(model.KindIndividual, &emp2, &org)); got != "employee.surname" {
			t.Fatalf("field %s, want employee.surname", got)
		}
	})

	t.Run("a region recorded as its bare code", func(t *testing.T) {
		for _, tc := range []struct{ address, want string }{
			{"119034, г. Москва, ул. Пречистенка, д. 10", "77 г. Москва"},
			{"Москва", "77 Москва"},
		} {
			t.Run(tc.want, func(t *testing.T) {
				req := request(model.KindLegalEntityEmployee, opensslCSR(t, o, "gost2012_256", "A"))
				req.Organization.Region, req.Organization.RegionCode, req.Organization.Address = "77", "", tc.address
				if got := subjectValue(issue(t, req), x509gost.OIDStateOrProvince); got != tc.want {
					t.Fatalf("ST %q, want %q", got, tc.want)
				}
			})
		}
	})

	t.Run("ST, L, street, key usage period, AKI", func(t *testing.T) {
		cert := issue(t, request(model.KindLegalEntityEmployee, opensslCSR(t, o, "gost2012_256", "A")))
		for _, w := range []struct {
			oid  asn1.ObjectIdentifier
			want string
		}{{x509gost.OIDStateOrProvince, "77 г. Москва"}, {x509gost.OIDLocality, "г. Москва"}, {x509gost.OIDStreet, "ул. Пречистенка, д. 10"}} {
			if got := subjectValue(cert, w.oid); got != w.want {
				t.Errorf("%s = %q, want %q", w.oid, got, w.want)
			}
		}
		if cert.AuthorityCertSerial == nil || cert.AuthorityCertSerial.Cmp(issCert.SerialNumber) != 0 ||
			string(cert.AuthorityCertIssuer) != string(issCert.RawIssuer) {
			t.Errorf("AKI names %x / %v, want the issuing CA's issuer and serial %v", cert.AuthorityCertIssuer, cert.AuthorityCertSerial, issCert.SerialNumber)
		}
		f := filepath.Join(t.TempDir(), "ee.pem")
		writePEM(t, f, cert.Raw)
		text := o.Run(t, "x509", "-in", f, "-noout", "-text")
		notAfter := cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT")
		for _, w := range []string{"Not After : " + notAfter, "Not After: " + notAfter, "DirName:", "serial:"} {
			if !strings.Contains(text, w) {
				t.Errorf("openssl x509 -text lacks %q:\n%s", w, text)
			}
		}
	})
}

// csrNamingTool is an OpenSSL request whose extensionRequest carries subjectSignTool, as Рутокен's and
// CryptoPro's enrollment write it.
func csrNamingTool(t *testing.T, o *ossltest.Tool, tool string) []byte {
	t.Helper()
	dir := t.TempDir()
	key, req := filepath.Join(dir, "key.pem"), filepath.Join(dir, "req.der")
	o.Run(t, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", key)
	o.Run(t, "req", "-new", "-key", key, "-subj", "/CN=x", "-addext", "1.2.643.100.111=ASN1:FORMAT:UTF8,UTF8String:"+tool, "-outform", "DER", "-out", req)
	der, err := os.ReadFile(req)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// Item 11: subjectSignTool is the tool that made the key: the request's own when it is a certified tool,
// else the application's choice, else the CA's default; never always CryptoPro.
func TestSubjectSignTool(t *testing.T) {
	o := ossltest.New(t)
	b := newCA(t, testdb.Engines(t)[0].Open(t))
	for i, tc := range []struct {
		name, app string
		csr       []byte
		want      string
	}{
		{"the request names Рутокен", "", csrNamingTool(t, o, "Рутокен ЭЦП 2.0"), `СКЗИ "Рутокен ЭЦП 2.0"`},
		{"the request wins over the application", `СКЗИ "ViPNet CSP 4"`, csrNamingTool(t, o, `СКЗИ "Рутокен ЭЦП 2.0"`), `СКЗИ "Рутокен ЭЦП 2.0"`},
		{"the application's choice", `СКЗИ "ViPNet CSP 4"`, opensslCSR(t, o, "gost2012_256", "A"), `СКЗИ "ViPNet CSP 4"`},
		{"an uncertified tool in the request is not believed", `СКЗИ "Рутокен ЭЦП 3.0"`, csrNamingTool(t, o, "Самописный CSP"), `СКЗИ "Рутокен ЭЦП 3.0"`},
		{"nothing named: the default", "", opensslCSR(t, o, "gost2012_256", "A"), ca.DefaultProfile().SubjectSignTool},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request(model.KindIndividual, tc.csr)
			req.Employee.ID, req.Application.ID = "emp-tool-"+string(rune('a'+i)), "app-tool-"+string(rune('a'+i))
			req.Application.SignTool = tc.app
			iss, err := b.Issue(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := x509gost.ParseCertificate(iss.DER)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := cert.Extension(x509gost.OIDExtSubjectSignTool)
			got, err := x509gost.ParseSubjectSignTool(e.Value)
			if err != nil || got != tc.want {
				t.Fatalf("subjectSignTool %q (%v), want %q", got, err, tc.want)
			}
			if err := b.Lint(cert, model.KindIndividual); err != nil {
				t.Fatal(err)
			}
		})
	}
}
