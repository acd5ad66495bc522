package web

import (
	"bytes"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func orgForm(kind, name, inn, kpp, ogrn string) url.Values {
	return url.Values{"kind": {kind}, "sector": {"commercial"}, "name": {name}, "inn": {inn}, "kpp": {kpp}, "ogrn": {ogrn},
		"address": {"Москва, ул. Льва Толстого, 16"}, "region": {"77"}}
}

func TestOrganizationForms(t *testing.T) {
	e := newEnv(t)
	adm := e.browser()
	adm.login("account_admin")
	r := adm.get("/ui/organizations")
	wantStatus(t, "list", r, 200)
	contains(t, "list", r.body, `href="/ui/organizations/new"`, `href="/ui/organizations/`+e.orgA+`/edit"`)
	r = adm.get("/ui/organizations/new")
	wantStatus(t, "new form", r, 200)
	contains(t, "new form", r.body, "Новая организация", `name="inn"`, `name="nonce"`, orgAName)
	// A wrong checksum and a missing name are shown at their fields in Russian, the values kept.
	bad := orgForm("legal_entity", "", "7736207544", "770401001", "1027700229193")
	r = adm.do("POST", "/ui/organizations/new", bad)
	wantStatus(t, "bad org", r, http.StatusUnprocessableEntity)
	contains(t, "bad org", r.body, `data-field="inn">неверная контрольная сумма`, `data-field="name">обязательное поле`,
		`value="7736207544"`, "Проверьте введённые данные.")
	lacks(t, "bad org", r.body, "check digit", "is required")
	good := orgForm("legal_entity", "ООО «Яндекс»", "7736207543", "770401001", "1027700229193")
	good.Set("nonce", "n1")
	r = adm.do("POST", "/ui/organizations/new", good)
	wantStatus(t, "create org", r, http.StatusSeeOther)
	adm.do("POST", "/ui/organizations/new", good) // a double submit creates nothing twice
	r = adm.get(r.location)
	if n := strings.Count(r.body, "ООО «Яндекс»"); n != 1 {
		t.Fatalf("the new organization is listed %d times", n)
	}
	contains(t, "after create", r.body, "Организация сохранена.")

	oa := e.browser()
	oa.login("org_admin")
	wantStatus(t, "org admin new", oa.get("/ui/organizations/new"), http.StatusForbidden)
	wantStatus(t, "foreign edit form", oa.get("/ui/organizations/"+e.orgB+"/edit"), http.StatusNotFound)
	r = oa.do("POST", "/ui/organizations/"+e.orgB+"/edit", orgForm("legal_entity", "Захват", orgBINN, "773601001", "1027700070518"))
	wantStatus(t, "foreign edit", r, http.StatusNotFound)
	lacks(t, "foreign edit", r.body, orgBName)
	r = oa.get("/ui/organizations/" + e.orgA + "/edit")
	wantStatus(t, "edit form", r, 200)
	contains(t, "edit form", r.body, `value="`+orgAINN+`"`, "Изменение организации")
	r = oa.do("POST", "/ui/organizations/"+e.orgA+"/edit", orgForm("legal_entity", orgAName, orgAINN, "77360100", "1027700132195"))
	wantStatus(t, "bad kpp", r, http.StatusUnprocessableEntity)
	contains(t, "bad kpp", r.body, `data-field="kpp">`, `value="77360100"`)
	r = oa.do("POST", "/ui/organizations/"+e.orgA+"/edit", orgForm("legal_entity", orgAName+" (новое)", orgAINN, "773601001", "1027700132195"))
	wantStatus(t, "edit", r, http.StatusSeeOther)
	contains(t, "edited", oa.get("/ui/organizations").body, orgAName+" (новое)")
}

func employeeForm(orgID, surname, snils string) url.Values {
	return url.Values{"organization_id": {orgID}, "surname": {surname}, "given_name": {"Пётр"}, "patronymic": {"Сергеевич"},
		"birth_date": {"12.04.1985"}, "snils": {snils}, "email": {"petr@example.ru"}, "phone": {"+79161234500"},
		"position": {"инженер"}, "document.type": {"passport_rf"}, "document.series": {"4511"}, "document.number": {"777888"},
		"document.issue_date": {"2010-05-20"}, "document.issuer": {"ОВД района Арбат"}, "document.issuer_code": {"772-001"}}
}

func TestEmployeeCardAndForms(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	r := oa.get("/ui/employees")
	contains(t, "list", r.body, `href="/ui/employees/new"`, `href="/ui/employees/import"`, `href="/ui/employees/`+e.empA+`"`)
	r = oa.get("/ui/employees/" + e.empA)
	wantStatus(t, "card", r, 200)
	contains(t, "card", r.body, empAName, passA, "112-233-445 95", "ОВД района Арбат г. Москвы", "772-001")
	wantStatus(t, "foreign card", oa.get("/ui/employees/"+e.empB), http.StatusNotFound)
	wantStatus(t, "foreign edit form", oa.get("/ui/employees/"+e.empB+"/edit"), http.StatusNotFound)
	r = oa.do("POST", "/ui/employees/"+e.empB+"/edit", employeeForm(e.orgA, "Захватов", "12345678964"))
	wantStatus(t, "foreign edit", r, http.StatusNotFound)
	lacks(t, "foreign edit", r.body, empBName)
	acc := e.browser()
	acc.login("accountant")
	wantStatus(t, "accountant card", acc.get("/ui/employees/"+e.empA), http.StatusForbidden)

	// Bad input at the field; a foreign organization is "not found" at its field.
	r = oa.do("POST", "/ui/employees/new", employeeForm(e.orgA, "Петров", "12345678900"))
	wantStatus(t, "bad snils", r, http.StatusUnprocessableEntity)
	contains(t, "bad snils", r.body, `data-field="snils">неверная контрольная сумма`, `value="Петров"`)
	r = oa.do("POST", "/ui/employees/new", employeeForm(e.orgB, "Петров", "12345678964"))
	wantStatus(t, "foreign org", r, http.StatusUnprocessableEntity)
	contains(t, "foreign org", r.body, `data-field="organization_id">организация не найдена`)
	lacks(t, "foreign org", r.body, orgBName)
	f := employeeForm(e.orgA, "Петров", "12345678964")
	f.Set("nonce", "once")
	r = oa.do("POST", "/ui/employees/new", f)
	wantStatus(t, "create", r, http.StatusSeeOther)
	again := oa.do("POST", "/ui/employees/new", f)
	if again.location != r.location {
		t.Fatalf("double submit went to %q, the first to %q", again.location, r.location)
	}
	card := oa.get(r.location)
	contains(t, "new card", card.body, "Сотрудник добавлен.", "Петров Пётр Сергеевич", "12.04.1985")
	if n := strings.Count(oa.get("/ui/employees?q=Петров").body, "Петров Пётр"); n != 1 {
		t.Fatalf("created %d times", n)
	}
	id := strings.TrimPrefix(strings.SplitN(r.location, "?", 2)[0], "/ui/employees/")
	r = oa.get("/ui/employees/" + id + "/edit")
	wantStatus(t, "edit form", r, 200)
	contains(t, "edit form", r.body, `value="777888"`)
	f.Set("phone", "12")
	r = oa.do("POST", "/ui/employees/"+id+"/edit", f)
	wantStatus(t, "bad phone", r, http.StatusUnprocessableEntity)
	contains(t, "bad phone", r.body, `data-field="phone">номер в международном формате`)
	f.Set("phone", "+79160000000")
	r = oa.do("POST", "/ui/employees/"+id+"/edit", f)
	wantStatus(t, "edit", r, http.StatusSeeOther)
	card = oa.get(r.location)
	contains(t, "edited", html.UnescapeString(card.body), "+7 (916) 000-00-00", "Данные сотрудника сохранены.")
}

const importHeader = "organization_inn;organization_kpp;surname;given_name;patronymic;birth_date;snils;inn;email;phone;position;doc_type;doc_series;doc_number;doc_issue_date;doc_issuer;doc_issuer_code\n"

func importRowCSV(inn, kpp, surname, snils string) string {
	return inn + ";" + kpp + ";" + surname + ";Анна;Ивановна;1990-01-02;" + snils +
		";;anna@example.ru;+79161110000;экономист;passport_rf;4512;123123;2010-02-03;ОВД Тверской;770-001\n"
}

var contentRe = regexp.MustCompile(`name="content" value="([^"]+)"`)

func TestEmployeeImport(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	wantStatus(t, "form", oa.get("/ui/employees/import"), 200)
	csv := "\ufeff" + importHeader + importRowCSV(orgAINN, "773601001", "Сидорова", "12345678964") +
		importRowCSV(orgAINN, "773601001", "Кузнецова", "12345678900") +
		importRowCSV(orgBINN, "773601001", "Чужая", "23456789099") +
		importRowCSV(orgAINN, "773601001", "", "34567890123")
	r := oa.upload("/ui/employees/import/preview", "file", "staff.csv", []byte(csv))
	wantStatus(t, "preview", r, 200)
	contains(t, "preview", r.body, "Предварительный просмотр", "Сидорова Анна Ивановна", "готова к импорту",
		"СНИЛС: неверная контрольная сумма СНИЛС", "ИНН организации: организация не найдена", "Фамилия: обязательное поле",
		"Без ошибок: 1. С ошибками: 3.", `action="/ui/employees/import"`)
	lacks(t, "preview", r.body, orgBName)
	if strings.Contains(oa.get("/ui/employees?q=Сидорова").body, "Сидорова Анна") {
		t.Fatal("the preview imported a row")
	}
	m := contentRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no content field")
	}
	content := html.UnescapeString(m[1])
	r = oa.do("POST", "/ui/employees/import", url.Values{"content": {content}})
	wantStatus(t, "confirm", r, 200)
	contains(t, "confirm", r.body, "Результат импорта", "Создано: 1. Не создано: 3.", "создан",
		"СНИЛС: неверная контрольная сумма", "ИНН организации: организация не найдена")
	contains(t, "imported", oa.get("/ui/employees?q=Сидорова").body, "Сидорова Анна")
	lacks(t, "foreign", oa.get("/ui/employees?q=Чужая").body, "Чужая Анна")
	// A repeated confirm creates nothing twice: the СНИЛС is taken.
	r = oa.do("POST", "/ui/employees/import", url.Values{"content": {content}})
	contains(t, "again", r.body, "Создано: 0.", "сотрудник с таким СНИЛС в организации уже есть")

	// Comma-separated without BOM; a file without the columns; a file too big; the accountant may not.
	comma := strings.ReplaceAll(importHeader+importRowCSV(orgAINN, "773601001", "Орлова", "45678901238"), ";", ",")
	r = oa.upload("/ui/employees/import/preview", "file", "staff.csv", []byte(comma))
	contains(t, "comma", r.body, "Орлова Анна Ивановна", "Без ошибок: 1. С ошибками: 0.")
	r = oa.upload("/ui/employees/import/preview", "file", "staff.csv", []byte("surname;snils\nИванов;1\n"))
	wantStatus(t, "columns", r, http.StatusUnprocessableEntity)
	contains(t, "columns", r.body, `data-field="file">В заголовке нет столбцов: ИНН организации (organization_inn), Имя (given_name)`)
	r = oa.upload("/ui/employees/import/preview", "file", "big.csv", bytes.Repeat([]byte("a"), 1<<20+10))
	wantStatus(t, "big", r, http.StatusUnprocessableEntity)
	contains(t, "big", r.body, "Файл слишком большой")
	r = oa.do("POST", "/ui/employees/import", url.Values{"content": {base64.StdEncoding.EncodeToString([]byte("x"))}})
	wantStatus(t, "bad content", r, http.StatusUnprocessableEntity)
	acc := e.browser()
	acc.login("accountant")
	wantStatus(t, "accountant", acc.get("/ui/employees/import"), http.StatusForbidden)
}

var appLinkRe = regexp.MustCompile(`^/ui/applications/([^/?]+)\?done=create$`)

func TestApplicationWizard(t *testing.T) {
	e := newEnv(t)
	rg := e.browser()
	rg.login("registrar")
	contains(t, "list", rg.get("/ui/applications").body, `href="/ui/applications/new"`)
	r := rg.get("/ui/applications/new")
	wantStatus(t, "step 1", r, 200)
	contains(t, "step 1", r.body, "шаг 1 из 2", `name="q"`)
	r = rg.get("/ui/applications/new?q=" + url.QueryEscape(empAName))
	contains(t, "search", r.body, `href="/ui/applications/new?employee=`+e.empA+`"`, orgAName)
	lacks(t, "search", rg.get("/ui/applications/new?q="+url.QueryEscape(empBName)).body, e.empB, orgBName)
	r = rg.get("/ui/applications/new?employee=" + e.empA)
	wantStatus(t, "step 2", r, 200)
	contains(t, "step 2", r.body, "шаг 2 из 2", `value="individual"`, "Сертификат физического лица")
	wantStatus(t, "foreign step 2", rg.get("/ui/applications/new?employee="+e.empB), http.StatusNotFound)
	r = rg.do("POST", "/ui/applications/new", url.Values{"employee": {e.empB}, "kind": {"individual"}})
	wantStatus(t, "foreign create", r, http.StatusNotFound)
	lacks(t, "foreign create", r.body, empBName)
	// A kind the rules refuse: their Russian detail on the page.
	r = rg.do("POST", "/ui/applications/new", url.Values{"employee": {e.empA}, "kind": {"legal_entity_employee"}})
	if r.status != http.StatusUnprocessableEntity && r.status != http.StatusConflict {
		t.Fatalf("refused kind: %d %.300s", r.status, r.body)
	}
	contains(t, "refused", r.body, `class="error"`, "шаг 2 из 2")
	if m := regexp.MustCompile(`class="error" role="alert">([^<]*)`).FindStringSubmatch(r.body); m != nil {
		t.Logf("refusal: %s", m[1])
	}
	form := url.Values{"employee": {e.empA}, "kind": {"individual"}, "nonce": {"w1"}}
	r = rg.do("POST", "/ui/applications/new", form)
	wantStatus(t, "create", r, http.StatusSeeOther)
	m := appLinkRe.FindStringSubmatch(r.location)
	if m == nil {
		t.Fatalf("create went to %q", r.location)
	}
	if again := rg.do("POST", "/ui/applications/new", form); again.location != r.location {
		t.Fatalf("double submit went to %q", again.location)
	}
	card := rg.get(r.location)
	contains(t, "card", card.body, "заявка создана.", "Черновик", `href="/ui/applications/`+m[1]+`/form.pdf"`, "Заявление (PDF)")
	mgr := e.browser()
	mgr.login("manager")
	lacks(t, "manager card", mgr.get("/ui/applications/"+e.appA).body, "form.pdf")
}

// pdfText extracts a PDF's text with poppler's pdftotext; without it the test skips, except under CI=true.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (CI=true): apt-get install poppler-utils")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	must(t, err)
	return string(out)
}

func TestApplicationFormPDF(t *testing.T) {
	e := newEnv(t)
	rg := e.browser()
	rg.login("registrar")
	wantStatus(t, "foreign", rg.get("/ui/applications/"+e.appB+"/form.pdf"), http.StatusNotFound)
	for _, who := range []string{"manager", "accountant"} {
		b := e.browser()
		b.login(who)
		r := b.get("/ui/applications/" + e.appA + "/form.pdf")
		wantStatus(t, who, r, http.StatusForbidden)
		lacks(t, who, r.body, snilsA, passA)
	}
	r := rg.get("/ui/applications/" + e.appA + "/form.pdf")
	wantStatus(t, "pdf", r, 200)
	if !strings.HasPrefix(r.body, "%PDF-") {
		t.Fatalf("not a PDF: %.40q", r.body)
	}
	text := strings.Join(strings.Fields(pdfText(t, []byte(r.body))), " ")
	contains(t, "pdf text", text, "Заявление на изготовление квалифицированного сертификата", empAName+" Иван Петрович",
		"112-233-445 95", "4510 "+passA, "772-001", "152-ФЗ", "Подпись заявителя", "ivan@example.ru")
}
