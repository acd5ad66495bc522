package web

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"net/http"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// issueReal has the environment's CA issue a certificate to employee A of organization A and registers it;
// it returns the serial.
func (e *env) issueReal(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	emp, err := e.db.Employee(ctx, storage.Scope{}, e.empA)
	must(t, err)
	org, err := e.db.Organization(ctx, storage.Scope{}, e.orgA)
	must(t, err)
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	must(t, err)
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}},
		key, rand.Reader)
	must(t, err)
	iss, err := e.reg.CA.Issue(ctx, ca.Request{Application: &model.Application{ID: "app-details", Kind: model.KindIndividual,
		Verification: &model.Verification{Method: model.VerifiedInPersonWorkplace}}, Employee: emp, Organization: org, CSR: csr})
	must(t, err)
	must(t, e.db.CreateCertificate(ctx, &model.Certificate{Serial: iss.Serial, AccountID: org.AccountID, OrganizationID: org.ID,
		EmployeeID: emp.ID, Kind: model.KindIndividual, Status: model.CertValid, Issuer: iss.Issuer, NotBefore: iss.NotBefore,
		NotAfter: iss.NotAfter, CreatedAt: e.clk.Now(), DER: iss.DER, PublicKeyHash: iss.PublicKeyHash}))
	return iss.Serial
}

// TestCertificateDetails: the card shows the subject and issuer as labelled names with the СНИЛС masked, the
// SHA-1 thumbprint as CryptoPro shows it, the key usage period and the extensions in words; those who may
// read personal data print the certificate form (audited), the others neither see the link nor get it.
func TestCertificateDetails(t *testing.T) {
	e := newEnv(t)
	serial := e.issueReal(t)
	card := "/ui/certificates/" + serial
	b := e.browser()
	b.login("account_admin")
	r := b.get(card)
	wantStatus(t, "card", r, http.StatusOK)
	contains(t, "card", r.body, "Сведения сертификата", "Отпечаток (SHA-1)", `id="cert-thumbprint">`,
		"Срок действия ключа электронной подписи", "<dt>ФИО</dt><dd>Иванов Иван Петрович</dd>", "<dt>СНИЛС</dt><dd>***-***-*** 95</dd>",
		"<dt>Организация</dt>", "Издатель", "<dt>ОГРН</dt>", "цифровая подпись", "проверка подлинности клиента", "КС1",
		"при личном присутствии", "http://127.0.0.1/ocsp", `href="`+card+`/form.pdf"`)
	lacks(t, "card", r.body, snilsA)
	i := strings.Index(r.body, `id="cert-thumbprint">`) + len(`id="cert-thumbprint">`)
	if thumb := r.body[i : i+40]; strings.ToUpper(thumb) != thumb || strings.Contains(thumb, " ") {
		t.Errorf("thumbprint %q is not upper-case hex without spaces", thumb)
	}

	form := b.get(card + "/form.pdf")
	wantStatus(t, "form", form, http.StatusOK)
	text := invoicePDFText(t, []byte(form.body))
	for _, want := range []string{"Сертификат ключа проверки электронной подписи", snilsA, "Владелец сертификата", "Иванов И. П."} {
		if !strings.Contains(text, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	ev, err := e.db.AuditEvents(context.Background(), "certificate", serial)
	must(t, err)
	if len(ev) == 0 || ev[len(ev)-1].Action != "certificate.read" {
		t.Errorf("printing the form is not audited: %+v", ev)
	}

	m := e.browser()
	m.login("manager")
	r = m.get(card)
	contains(t, "manager card", r.body, "Отпечаток (SHA-1)", "***-***-*** 95")
	lacks(t, "manager card", r.body, "/form.pdf", snilsA)
	wantStatus(t, "manager form", m.get(card+"/form.pdf"), http.StatusForbidden)

	// A certificate whose DER cannot be read keeps its card, without the details.
	r = b.get("/ui/certificates/0a0b0c0d0e0f10111213141516171810")
	wantStatus(t, "fixture card", r, http.StatusOK)
	lacks(t, "fixture card", r.body, "Сведения сертификата")
}
