package certform_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/certform"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// issue has kcr's built-in CA issue an employee certificate and returns its DER.
func issue(t *testing.T) []byte {
	t.Helper()
	db := testdb.Engines(t)[0].Open(t)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	p := ca.DefaultProfile()
	p.KeyUsageMonths = 15
	b, err := ca.Init(context.Background(), db, clock.NewFake(now), p, "http://ca.example.ru", []byte("correct horse battery staple"),
		ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}},
		key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := b.Issue(context.Background(), ca.Request{
		Application: &model.Application{ID: "app-1", Kind: model.KindIndividual,
			Verification: &model.Verification{Method: model.VerifiedInPersonWorkplace}},
		Employee: &model.Employee{ID: "emp-1", Surname: "Иванов", GivenName: "Иван", Patronymic: "Петрович", SNILS: "11223344595",
			INN: "500100732259", Email: "ivanov@example.ru"},
		Organization: &model.Organization{ID: "org-1", Kind: model.OrgLegalEntity, Name: "ООО «Ромашка»", INN: "7707083893",
			KPP: "773601001", OGRN: "1027700132195", Address: "г. Москва", Region: "г. Москва", RegionCode: "77"},
		CSR: csr,
	})
	if err != nil {
		t.Fatal(err)
	}
	return iss.DER
}

func field(fs []certform.Field, key string) string {
	for _, f := range fs {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

func TestRead(t *testing.T) {
	der := issue(t)
	sum := sha1.Sum(der)
	for _, masked := range []bool{true, false} {
		d, err := certform.Read(der, masked)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ToUpper(hex.EncodeToString(sum[:])); d.Thumbprint != want {
			t.Errorf("thumbprint %s, want %s", d.Thumbprint, want)
		}
		if got := field(d.Subject, "fio"); got != "Иванов Иван Петрович" {
			t.Errorf("ФИО %q", got)
		}
		snils, inn := field(d.Subject, "snils"), field(d.Subject, "inn")
		if masked && (snils != "***-***-*** 95" || inn != "**********59" || strings.Contains(field(d.Subject, "email"), "ivanov")) {
			t.Errorf("masked: СНИЛС %q, ИНН %q, e-mail %q", snils, inn, field(d.Subject, "email"))
		}
		if !masked && (snils != "11223344595" || inn != "500100732259") {
			t.Errorf("unmasked: СНИЛС %q, ИНН %q", snils, inn)
		}
		if field(d.Issuer, "ogrn") == "" || field(d.Issuer, "cn") == "" && field(d.Issuer, "org") == "" {
			t.Errorf("issuer %+v", d.Issuer)
		}
		if !d.KeyFrom.Equal(d.NotBefore) || !d.KeyTo.Equal(d.NotBefore.AddDate(0, 15, 0)) {
			t.Errorf("key usage period %s – %s, certificate from %s", d.KeyFrom, d.KeyTo, d.NotBefore)
		}
		if d.KeyBits != 256 || len(d.PublicKey) != 64*3-1 {
			t.Errorf("key %d bits, value %q", d.KeyBits, d.PublicKey)
		}
		if strings.Join(d.KeyUsage, ",") != "digital_signature,non_repudiation,key_encipherment,data_encipherment" &&
			!strings.Contains(strings.Join(d.KeyUsage, ","), "digital_signature") {
			t.Errorf("key usage %v", d.KeyUsage)
		}
		if strings.Join(d.ExtKeyUsage, ",") != "eku_client_auth,eku_email" {
			t.Errorf("extended key usage %v", d.ExtKeyUsage)
		}
		if len(d.Policies) == 0 || d.Policies[0] != "КС1" {
			t.Errorf("policies %v", d.Policies)
		}
		if d.SubjectTool == "" || len(d.IssuerTools) != 4 || d.Identification != 0 {
			t.Errorf("sign tools %q %q, identification %d", d.SubjectTool, d.IssuerTools, d.Identification)
		}
		if len(d.CRL) != 1 || !strings.HasPrefix(d.CRL[0], "http://ca.example.ru/crl/") || len(d.OCSP) != 1 ||
			d.OCSP[0] != "http://ca.example.ru/ocsp" || len(d.CAIssuers) != 1 {
			t.Errorf("CRL %v, OCSP %v, CA issuers %v", d.CRL, d.OCSP, d.CAIssuers)
		}
	}
	if _, err := certform.Read([]byte("not a certificate"), true); err == nil {
		t.Error("garbage read as a certificate")
	}
}

// TestPDFText prints the form and reads it back with pdftotext: the title, the holder with the personal data
// whole (the holder signs for them), the thumbprint, the periods, the extensions in words and the signature
// lines. The same certificate gives the same bytes.
func TestPDFText(t *testing.T) {
	der := issue(t)
	d, err := certform.Read(der, false)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := certform.PDF(d)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := certform.PDF(d)
	if !bytes.Equal(pdf, again) {
		t.Error("the same certificate printed twice differs")
	}
	if dir := os.Getenv("KCR_DOCUMENT_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/certificate-form.pdf", pdf, 0o644)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`\s+`).ReplaceAllString(string(out), " ")
	for _, want := range []string{
		"Сертификат ключа проверки электронной подписи",
		"Серийный номер " + d.Serial,
		"Отпечаток (SHA-1) " + d.Thumbprint,
		"Срок действия сертификата с 26.11.2026",
		"ФИО Иванов Иван Петрович",
		"СНИЛС 11223344595",
		"ИНН 500100732259",
		"Издатель сертификата",
		"ГОСТ Р 34.10-2012, 256 бит",
		"цифровая подпись",
		"проверка подлинности клиента",
		"КС1",
		"при личном присутствии",
		"http://ca.example.ru/ocsp",
		"Владелец сертификата",
		"Иванов И. П.",
		"Уполномоченное лицо УЦ",
		"М. П.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", out)
	}
}
