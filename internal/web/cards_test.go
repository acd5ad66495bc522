package web

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// testCSR returns a GOST R 34.10-2012 (tc26-256-A) PKCS#10 request in PEM, as an employee's crypto tool makes it.
func testCSR(t testing.TB) []byte {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	must(t, err)
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "test", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	must(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// upload posts a file as a browser's multipart form does.
func (b *browser) upload(path, field, name string, content []byte) reply {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	must(b.t, err)
	_, _ = fw.Write(content)
	must(b.t, mw.Close())
	req, err := http.NewRequest("POST", b.base+path, &buf)
	must(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(b.t, err)
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

func wantStatus(t *testing.T, what string, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %.400s", what, r.status, status, r.body)
	}
}

// inPersonChecks ticks every point of the registrar's checklist for an in-person check.
var inPersonChecks = []string{"presented", "photo", "data", "snils"}

func TestApplicationCardFlow(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("registrar")
	card := "/ui/applications/" + e.appA
	r := b.get(card)
	wantStatus(t, "card", r, 200)
	contains(t, "card", r.body, "Заявка", orgAName, empAName, "Проверка личности", "Личность ещё не подтверждена.",
		"История", "Создание", "Черновик → Сбор документов", `action="`+card+`/act/verify-identity"`,
		`action="`+card+`/act/decline"`, `action="`+card+`/act/request-correction"`,
		`action="`+card+`/csr"`, `enctype="multipart/form-data"`, "СЦ «Центральный»", "лично в сервисном центре")
	lacks(t, "registrar card", r.body, `/act/cancel"`, `/act/submit"`) // not the registrar's actions
	lacks(t, "registrar card", r.body, `/act/approve"`)                // not before the check and the request
	// The lists link to the card.
	contains(t, "list link", b.get("/ui/applications").body, `href="`+card+`"`)
	contains(t, "dashboard link", b.get("/ui/").body, `href="`+card+`"`)

	// Bad input: a service center check without a center; the method stays chosen.
	r = b.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_service_center"}, "document": {""},
		"check": inPersonChecks})
	wantStatus(t, "verify without center", r, http.StatusUnprocessableEntity)
	contains(t, "verify without center", r.body, "Выберите сервисный центр.",
		`<option value="in_person_service_center" selected>`)
	// A correction without a note.
	r = b.do("POST", card+"/act/request-correction", url.Values{"note": {"  "}})
	wantStatus(t, "correction without note", r, http.StatusUnprocessableEntity)
	contains(t, "correction without note", r.body, "Укажите причину.")
	// Approval before verification and CSR: the missing pieces, in Russian.
	r = b.do("POST", card+"/act/approve", url.Values{})
	wantStatus(t, "early approve", r, http.StatusConflict)
	contains(t, "early approve", r.body, "Заявление ещё не готово к одобрению.", "Личность заявителя ещё не подтверждена.",
		"Запрос на сертификат не загружен.")
	lacks(t, "early approve", r.body, "verify-identity first", "conflict", "Данные изменились")

	r = b.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_service_center"}, "service_center_id": {e.center},
		"check": inPersonChecks})
	wantStatus(t, "verify", r, http.StatusSeeOther)
	r = b.get(r.location)
	contains(t, "verified", r.body, "личность подтверждена.", "лично в сервисном центре", "Паспорт гражданина РФ •••• ••••56",
		"СЦ «Центральный», Москва", "Подтвердить личность")
	lacks(t, "verified", r.body, passA)

	r = b.upload(card+"/csr", "csr", "bad.csr", []byte("not a request"))
	wantStatus(t, "bad csr", r, http.StatusUnprocessableEntity)
	contains(t, "bad csr", r.body, "Файл не является запросом на сертификат ГОСТ Р 34.10-2012")
	r = b.upload(card+"/csr", "csr", "req.csr", testCSR(t))
	wantStatus(t, "csr", r, http.StatusSeeOther)
	contains(t, "csr", b.get(r.location).body, "запрос на сертификат загружен.", "Загрузка запроса", "загружен")

	r = b.do("POST", card+"/act/approve", url.Values{})
	wantStatus(t, "approve", r, http.StatusSeeOther)
	r = b.get(r.location)
	contains(t, "approved", r.body, "заявка одобрена.", "Проверка личности → Одобрена", "registrar (вы)")
	// Double submit: the second approval changes nothing and says why.
	r = b.do("POST", card+"/act/approve", url.Values{})
	wantStatus(t, "approve twice", r, http.StatusConflict)
	contains(t, "approve twice", r.body, "Это действие недоступно в текущем состоянии заявки.")
	if n := strings.Count(b.get(card).body, "<td>Одобрить</td>"); n != 1 {
		t.Errorf("approvals in the history: %d, want 1", n)
	}

	// The manager reads the card but gets no forms.
	m := e.browser()
	m.login("manager")
	r = m.get(card)
	wantStatus(t, "manager card", r, 200)
	contains(t, "manager card", r.body, "Для вашей роли в этом состоянии действий нет.")
	lacks(t, "manager card", r.body, "<form method=\"post\" action=\"/ui/applications")
}

func TestApplicationCardForeign(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("registrar")
	card := "/ui/applications/" + e.appB
	for _, r := range []reply{b.get(card),
		b.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"}}),
		b.do("POST", card+"/act/decline", url.Values{"note": {"x"}}),
		b.upload(card+"/csr", "csr", "req.csr", testCSR(t)),
		b.get("/ui/applications/no-such-id")} {
		if r.status != http.StatusNotFound {
			t.Errorf("foreign application: %d, want 404", r.status)
		}
		contains(t, "foreign", r.body, "Не найдено")
		lacks(t, "foreign", r.body, empBName, orgBName, "Недостаточно прав")
	}
	if r := b.get("/ui/applications/" + e.appA + "/act/approve"); r.status == http.StatusOK {
		t.Errorf("GET of an action must not act")
	}
	// The other organization's admin sees its own application's card.
	ob := e.browser()
	ob.login("org_admin_b")
	contains(t, "B's own card", ob.get(card).body, empBName)
	wantStatus(t, "B on A's card", ob.get("/ui/applications/"+e.appA), http.StatusNotFound)
}

func TestCertificateCard(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("org_admin")
	card := "/ui/certificates/" + certA
	r := b.get(card)
	wantStatus(t, "cert card", r, 200)
	contains(t, "cert card", r.body, certA, empAName, orgAName, "Действует", "Сертификат физического лица",
		card+"/download.der", card+"/download.pem", `action="`+card+`/revoke"`, `action="`+card+`/reissue"`,
		"Компрометация ключа", "физическое лицо (сотрудник)")
	contains(t, "list link", b.get("/ui/certificates").body, `href="`+card+`"`)
	contains(t, "legacy", b.get("/ui/certificates/"+certLegacy).body, "Устаревший сертификат сотрудника юрлица")

	resp, err := b.c.Get(e.srv.URL + card + "/download.der")
	must(t, err)
	der, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-cert" || !bytes.Equal(der, []byte{0x30, 0x00}) {
		t.Errorf("DER download: %d %q %x", resp.StatusCode, resp.Header.Get("Content-Type"), der)
	}
	r = b.get(card + "/download.pem")
	wantStatus(t, "pem", r, 200)
	contains(t, "pem", r.body, "-----BEGIN CERTIFICATE-----")

	// Revoke: a bad reason is refused on its field; a good one revokes once.
	r = b.do("POST", card+"/revoke", url.Values{"reason": {"because"}})
	wantStatus(t, "bad reason", r, http.StatusUnprocessableEntity)
	contains(t, "bad reason", r.body, "Выберите значение из списка.")

	// Reissue: a new application; the same form submitted twice leads to the same one.
	form := url.Values{"recipient": {""}, "nonce": {"n-1"}}
	r = b.do("POST", card+"/reissue", form)
	wantStatus(t, "reissue", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location, "/ui/applications/") {
		t.Fatalf("reissue went to %q", r.location)
	}
	again := b.do("POST", card+"/reissue", form)
	if again.location != r.location {
		t.Errorf("double reissue: %q then %q", r.location, again.location)
	}
	app := b.get(r.location)
	contains(t, "reissue card", app.body, "создана заявка на перевыпуск.", "Перевыпуск", certA)

	r = b.do("POST", card+"/revoke", url.Values{"reason": {"superseded"}, "confirm": {"yes"}})
	wantStatus(t, "revoke", r, http.StatusSeeOther)
	r = b.get(r.location)
	contains(t, "revoked", r.body, "сертификат отозван.", "Отозван", "Заменён новым")
	lacks(t, "revoked", r.body, `action="`+card+`/revoke"`)

	// The manager sees the card but may not download: the subject carries personal data.
	m := e.browser()
	m.login("manager")
	r = m.get("/ui/certificates/" + certLegacy)
	contains(t, "manager cert", r.body, "Скачивание недоступно вашей роли")
	lacks(t, "manager cert", r.body, "download.der", "/revoke\"")
	wantStatus(t, "manager download", m.get("/ui/certificates/"+certLegacy+"/download.der"), http.StatusForbidden)
}

func TestCertificateCardForeign(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("org_admin")
	card := "/ui/certificates/" + certB
	for _, r := range []reply{b.get(card), b.get(card + "/download.der"), b.get(card + "/download.pem"),
		b.do("POST", card+"/revoke", url.Values{"reason": {"superseded"}}),
		b.do("POST", card+"/reissue", url.Values{"nonce": {"x"}})} {
		if r.status != http.StatusNotFound {
			t.Errorf("foreign certificate: %d, want 404", r.status)
		}
		lacks(t, "foreign", r.body, empBName, orgBName)
	}
	// Nothing happened to B's certificate.
	ob := e.browser()
	ob.login("org_admin_b")
	contains(t, "B's certificate", ob.get(card).body, "Действует", empBName)
}

func TestDashboardExpiryChart(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	r := b.get("/ui/")
	contains(t, "chart", r.body, "Истечение сертификатов по месяцам", `id="expiry-chart"`, "ноябрь 2026", "октябрь 2027",
		`href="/ui/certificates/`+certLegacy+`"`)
	lacks(t, "chart", r.body, "ноябрь 2027", "2026-11", "Подсчитаны первые")
	// A's certificate ends 2026-12-16, the legacy one 2027-01-26, B's 2027-08-26: one each.
	for _, m := range []string{"декабрь 2026", "январь 2027", "август 2027"} {
		contains(t, "month", r.body, `<tr><td>`+m+`</td><td class="num">1</td></tr>`)
	}
}
