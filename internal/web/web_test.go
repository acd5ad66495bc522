package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: %q missing", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s: %q present, must not be", what, b)
		}
	}
}

func TestLoginLogoutFlow(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if r := b.get("/"); r.status != http.StatusSeeOther || r.location != "/ui/" {
		t.Fatalf("GET /: %d %q", r.status, r.location)
	}
	if r := b.get("/ui/"); r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("GET /ui/ signed out: %d %q", r.status, r.location)
	}
	r := b.get("/login")
	if r.status != 200 {
		t.Fatalf("GET /login: %d", r.status)
	}
	contains(t, "login form", r.body, `lang="ru"`, "Вход", "Логин", "Пароль", `method="post" action="/login"`)
	r = b.do("POST", "/login", url.Values{"login": {"registrar"}, "password": {"wrong password"}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.status)
	}
	contains(t, "wrong password", r.body, "Неверный логин или пароль.", `value="registrar"`)
	lacks(t, "wrong password", r.body, "wrong password", "unauthenticated")
	b.login("registrar")
	r = b.get("/ui/")
	if r.status != 200 {
		t.Fatalf("dashboard: %d", r.status)
	}
	contains(t, "dashboard", r.body, "Сводка", "registrar", "регистратор", "Выйти")
	r = b.do("POST", "/logout", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("logout: %d %q", r.status, r.location)
	}
	if r := b.get("/ui/"); r.status != http.StatusSeeOther {
		t.Fatalf("after logout: %d, want a redirect to the login form", r.status)
	}
	// The session is gone on the server, not only the cookie.
	if r := b.get("/ui/", "Cookie", "kcr_session=kcrs_forged"); r.status != http.StatusSeeOther {
		t.Fatalf("forged cookie: %d", r.status)
	}
}

func TestCrossSiteFormRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.do("POST", "/login", url.Values{"login": {"registrar"}, "password": {testPassword}}, "Origin", "https://evil.example",
		"Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-site login: %d, want 403", r.status)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("manager")
	r := b.get("/ui/password")
	contains(t, "password form", r.body, "Текущий пароль", "Новый пароль")
	r = b.do("POST", "/ui/password", url.Values{"current_password": {"nope nope nope"}, "new_password": {"a new long password"},
		"repeat_password": {"a new long password"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current: %d", r.status)
	}
	contains(t, "wrong current", r.body, "Текущий пароль указан неверно.", `aria-invalid="true"`)
	r = b.do("POST", "/ui/password", url.Values{"current_password": {testPassword}, "new_password": {"short"},
		"repeat_password": {"short"}})
	contains(t, "short", r.body, "Пароль должен быть не короче 10 символов.")
	r = b.do("POST", "/ui/password", url.Values{"current_password": {testPassword}, "new_password": {"a new long password"},
		"repeat_password": {"another one entirely"}})
	contains(t, "mismatch", r.body, "Пароли не совпадают.")
	r = b.do("POST", "/ui/password", url.Values{"current_password": {testPassword}, "new_password": {"a new long password"},
		"repeat_password": {"a new long password"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	contains(t, "done", b.get(r.location).body, "Пароль изменён.")
	nb := e.browser()
	if r := nb.do("POST", "/login", url.Values{"login": {"manager"}, "password": {"a new long password"}}); r.status != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", r.status)
	}
}

// TestPagesByRole opens every page as every role: the status, Russian text, and that a user scoped to
// organization A never sees B's names or requisites.
func TestPagesByRole(t *testing.T) {
	e := newEnv(t)
	pages := []string{"/ui/", "/ui/organizations", "/ui/employees", "/ui/applications", "/ui/certificates", "/ui/invoices"}
	want := map[string]map[string]int{
		"registrar":     {"/ui/invoices": 403},
		"org_admin":     {"/ui/invoices": 403},
		"manager":       {"/ui/employees": 403, "/ui/invoices": 403},
		"accountant":    {"/ui/employees": 403, "/ui/applications": 403, "/ui/certificates": 403},
		"account_admin": {},
		"employee":      {"/ui/invoices": 403},
	}
	titles := map[string]string{"/ui/": "Сводка", "/ui/organizations": "Организации", "/ui/employees": "Сотрудники",
		"/ui/applications": "Заявки", "/ui/certificates": "Реестр сертификатов", "/ui/invoices": "Счета"}
	for login, special := range want {
		t.Run(login, func(t *testing.T) {
			b := e.browser()
			b.login(login)
			for _, p := range pages {
				r := b.get(p)
				status := 200
				if s, ok := special[p]; ok {
					status = s
				}
				if r.status != status {
					t.Errorf("%s: status %d, want %d", p, r.status, status)
					continue
				}
				if status == 403 {
					contains(t, p, r.body, "Недостаточно прав", "нет доступа")
					continue
				}
				contains(t, p, r.body, titles[p], `lang="ru"`)
				lacks(t, p, r.body, "validation", "forbidden", "not found", "internal")
				if login != "account_admin" && login != "accountant" {
					lacks(t, login+" "+p, r.body, orgBName, orgBINN, empBName, snilsB, passB)
				}
				if login == "accountant" {
					lacks(t, p, r.body, passA, passB, snilsA, snilsB, "Паспорт")
				}
			}
		})
	}
}

func TestDashboardContent(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("registrar")
	r := b.get("/ui/")
	contains(t, "registrar dashboard", r.body, "Очередь регистратора", orgAName, "Проверка личности",
		"в течение 30 дней", "Устаревшие сертификаты", "0a0b0c0d0e0f10111213141516171811")
	lacks(t, "registrar dashboard", r.body, "Прогноз затрат")
	b = e.browser()
	b.login("manager")
	r = b.get("/ui/")
	contains(t, "manager dashboard", r.body, "Прогноз затрат на перевыпуск", "₽", `class="chart"`)
	lacks(t, "manager dashboard", r.body, "Очередь регистратора")
	b = e.browser()
	b.login("accountant")
	r = b.get("/ui/")
	contains(t, "accountant dashboard", r.body, "Прогноз затрат на перевыпуск")
	lacks(t, "accountant dashboard", r.body, "Заявки по состояниям")
}

func TestOrganizationsTree(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	r := b.get("/ui/organizations")
	contains(t, "tree", r.body, orgAName, orgBName, "Филиал ООО «Ромашка» в Санкт-Петербурге", "781043001", "1027700132195",
		"Филиал", `class="tree"`)
	// The branch is nested under its head organization.
	head := strings.Index(r.body, orgAName)
	branch := strings.Index(r.body, "Филиал ООО")
	nested := strings.Index(r.body[head:], `<ul class="tree">`)
	if head < 0 || branch < 0 || nested < 0 || head+nested > branch {
		t.Errorf("the branch is not nested under the head organization")
	}
}

func TestEmployeesMasked(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("org_admin")
	r := b.get("/ui/employees")
	contains(t, "employees", r.body, empAName, "112-233-445 95", "•••• ••••56")
	lacks(t, "employees", r.body, "4510 123456", empBName)
	r = b.get("/ui/employees?q=" + url.QueryEscape("Нет такого"))
	contains(t, "no match", r.body, "Сотрудники не найдены.", `value="Нет такого"`)
}

func TestApplicationSearch(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("registrar")
	r := b.get("/ui/applications?inn=" + orgAINN)
	contains(t, "by INN", r.body, orgAName, empAName, `value="`+orgAINN+`"`)
	r = b.get("/ui/applications?inn=" + orgBINN)
	contains(t, "B's INN", r.body, "Заявки не найдены.")
	lacks(t, "B's INN", r.body, orgBName, empBName)
	r = b.get("/ui/applications?snils=" + snilsA + "&state=identity_verification")
	contains(t, "by SNILS", r.body, empAName)
	r = b.get("/ui/applications?state=bogus")
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad state: %d", r.status)
	}
	contains(t, "bad state", r.body, "Выберите значение из списка.", "Проверьте введённые данные.")
	// htmx asks for the results only.
	r = b.get("/ui/applications?org="+url.QueryEscape("ООО"), "HX-Request", "true")
	if !strings.HasPrefix(r.body, `<div id="results">`) || strings.Contains(r.body, "<html") {
		t.Fatalf("htmx fragment: %.200s", r.body)
	}
	contains(t, "fragment", r.body, orgAName)
	// The manager may not search by СНИЛС: the field says why, and the field is not offered.
	m := e.browser()
	m.login("manager")
	r = m.get("/ui/applications?snils=" + snilsA)
	contains(t, "manager snils", r.body, "Поиск по СНИЛС недоступен")
	lacks(t, "manager snils", m.get("/ui/applications").body, `name="snils"`)
	// The other organization's administrator finds nothing of A.
	ob := e.browser()
	ob.login("org_admin_b")
	r = ob.get("/ui/applications?inn=" + orgAINN)
	contains(t, "B admin", r.body, "Заявки не найдены.")
	lacks(t, "B admin", r.body, empAName, orgAName)
}

func TestCertificatesRegister(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("manager")
	r := b.get("/ui/certificates")
	contains(t, "register", r.body, "устаревший", "скоро истекает", `class="legacy`, "Действует")
	r = b.get("/ui/certificates?legacy=1")
	contains(t, "legacy only", r.body, "0a0b0c0d0e0f10111213141516171811")
	lacks(t, "legacy only", r.body, "0a0b0c0d0e0f10111213141516171810")
	// The filter is the database's: with another kind it finds nothing, and before the legacy cutoff
	// (2024-09-01) no certificate is legacy yet.
	r = b.get("/ui/certificates?legacy=1&kind=individual")
	contains(t, "legacy of another kind", r.body, "Сертификаты не найдены.")
	lacks(t, "legacy of another kind", r.body, "0a0b0c0d0e0f10111213141516171811")
	e.clk.Set(time.Date(2024, 8, 31, 12, 0, 0, 0, time.UTC))
	r = b.get("/ui/certificates?legacy=1")
	contains(t, "legacy before the cutoff", r.body, "Сертификаты не найдены.")
	lacks(t, "legacy before the cutoff", r.body, "0a0b0c0d0e0f10111213141516171811")
}

func TestInvoicesAndStatic(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("accountant")
	r := b.get("/ui/invoices")
	contains(t, "invoices", r.body, "Текущий период — ноябрь 2026, счёт будет выставлен 01.12.2026.")
	r = b.get("/ui/invoices?period=2026-13")
	contains(t, "bad period", r.body, "Проверьте введённые данные.")
	for _, p := range []string{"/static/style.css", "/static/htmx.min.js", "/static/htmx.LICENSE.txt"} {
		if r := b.get(p); r.status != 200 || len(r.body) == 0 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := b.get("/ui/nope"); r.status != 404 || !strings.Contains(r.body, "Не найдено") {
		t.Errorf("/ui/nope: %d", r.status)
	}
}

func TestExplain(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		title  string
	}{
		{errs.New(errs.Forbidden, "x"), 403, "Недостаточно прав"},
		{errs.NotFoundf("x"), 404, "Не найдено"},
		{errs.Field("inn", "checksum", "bad"), 422, "Ошибка"},
		{errs.New(errs.Internal, "secret internals"), 500, "Ошибка"},
	} {
		pr := explain(ru, c.err)
		if pr.Status != c.status || pr.Title != c.title || strings.Contains(pr.Message, "secret") {
			t.Errorf("%v: %+v", c.err, pr)
		}
	}
	if pr := explain(ru, errs.Field("inn", "checksum", "bad")); pr.Fields["inn"] != "Неверный формат." {
		t.Errorf("field message: %+v", pr.Fields)
	}
}

// TestCatalogueComplete checks that every {{T "key"}} in the templates and every l.T("key") in the code has
// a text in each language; the code's ru.T keys (the Russian records) need only the Russian one.
func TestCatalogueComplete(t *testing.T) {
	check := func(where, key string, russianOnly bool) {
		t.Helper()
		if _, ok := messages[key]; !ok {
			t.Errorf("%s: no Russian message %q", where, key)
		}
		if _, ok := messagesEN[key]; !ok && !russianOnly {
			t.Errorf("%s: no English message %q", where, key)
		}
	}
	re := regexp.MustCompile(`T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			check(p, m[1], false)
		}
		return nil
	})
	must(t, err)
	code := regexp.MustCompile(`\b(\w+)\.T\("([^"]+)"\)`)
	files, err := filepath.Glob("*.go")
	must(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		must(t, err)
		for _, m := range code.FindAllStringSubmatch(string(raw), -1) {
			check(f, m[2], m[1] == "ru")
		}
	}
}

// TestEnumLabels checks that every value of each closed set the interface shows has a label in both
// languages, under the catalogue prefix the pages look it up by: a value added to a Go list without a
// label fails here, not on screen.
func TestEnumLabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		prefix string
		enum   model.Enum
	}{
		{"state.", model.State("")}, {"kind.", model.CertKind("")}, {"status.", model.CertStatus("")},
		{"role.", model.Role("")}, {"doc.", model.DocumentType("")}, {"reason.", model.RevocationReason("")},
		{"pos.", model.BillingPosition("")}, {"method.", model.VerificationMethod("")},
	} {
		for _, v := range c.enum.EnumValues() {
			for _, cat := range []map[string]string{messages, messagesEN} {
				if _, ok := cat[c.prefix+v]; !ok {
					t.Errorf("no label %q%s in one of the catalogues", c.prefix, v)
				}
			}
		}
	}
}
