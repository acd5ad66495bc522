package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
)

func TestAdminUsers(t *testing.T) {
	e := newEnv(t)
	adm := e.browser()
	adm.login("account_admin")
	r := adm.get("/ui/")
	contains(t, "admin menu", r.body, `href="/ui/admin/users"`, `href="/ui/admin/api-keys"`, `href="/ui/admin/service-centers"`,
		`href="/ui/admin/tariffs"`)
	r = adm.get("/ui/admin/users")
	wantStatus(t, "users", r, 200)
	contains(t, "users", r.body, "org_admin_b", "администратор организации", orgAName, `name="organization_ids"`, `multiple`,
		`name="employee_id"`, empAName, `name="nonce"`)
	lacks(t, "users", r.body, `value="operator"`, "password_hash")

	// Bad input is shown at the field, the values kept, the password not echoed.
	r = adm.do("POST", "/ui/admin/users", url.Values{"login": {"ab"}, "full_name": {"Пётр Сидоров"}, "role": {"registrar"},
		"password": {"short"}})
	wantStatus(t, "bad user", r, http.StatusUnprocessableEntity)
	contains(t, "bad user", r.body, `data-field="login">3–64 символа`, `data-field="password">пароль слишком короткий`,
		`data-field="organization_ids">выберите хотя бы одну организацию`, `value="Пётр Сидоров"`)
	lacks(t, "bad user", r.body, `value="short"`, "must be")
	r = adm.do("POST", "/ui/admin/users", url.Values{"login": {"emp2"}, "full_name": {"Сотрудник"}, "role": {"employee"},
		"password": {testPassword}})
	wantStatus(t, "employee without employee", r, http.StatusUnprocessableEntity)
	contains(t, "employee without employee", r.body, `data-field="employee_id">выберите сотрудника`)
	r = adm.do("POST", "/ui/admin/users", url.Values{"login": {"org_admin"}, "full_name": {"Дубль"}, "role": {"accountant"},
		"password": {testPassword}})
	contains(t, "taken", r.body, `data-field="login">этот логин выбрать нельзя, придумайте другой`)

	good := url.Values{"login": {"registrar2"}, "full_name": {"Пётр Сидоров"}, "role": {"registrar"}, "password": {testPassword},
		"organization_ids": {e.orgA, e.orgB}, "employee_id": {e.empA}, "nonce": {"u1"}}
	r = adm.do("POST", "/ui/admin/users", good)
	wantStatus(t, "create user", r, http.StatusSeeOther)
	adm.do("POST", "/ui/admin/users", good) // a double submit creates nothing twice
	r = adm.get(r.location)
	contains(t, "after create", r.body, "Пользователь добавлен.", orgAName+"; "+orgBName)
	if n := strings.Count(r.body, ">registrar2<"); n != 1 {
		t.Fatalf("the new user is listed %d times", n)
	}
	nb := e.browser()
	nb.login("registrar2")

	for _, role := range []string{"org_admin", "registrar", "accountant", "manager", "employee"} {
		b := e.browser()
		b.login(role)
		lacks(t, role+" menu", b.get("/ui/").body, `href="/ui/admin/users"`, `href="/ui/admin/api-keys"`)
		wantStatus(t, role+" users", b.get("/ui/admin/users"), http.StatusForbidden)
		wantStatus(t, role+" create user", b.do("POST", "/ui/admin/users", url.Values{"login": {"x" + role},
			"full_name": {"X"}, "role": {"accountant"}, "password": {testPassword}}), http.StatusForbidden)
		wantStatus(t, role+" keys", b.get("/ui/admin/api-keys"), http.StatusForbidden)
		wantStatus(t, role+" create key", b.do("POST", "/ui/admin/api-keys", url.Values{"name": {"x"},
			"all_organizations": {"on"}}), http.StatusForbidden)
	}
}

func TestAdminAPIKeys(t *testing.T) {
	e := newEnv(t)
	adm := e.browser()
	adm.login("account_admin")
	r := adm.get("/ui/admin/api-keys")
	wantStatus(t, "keys", r, 200)
	contains(t, "keys", r.body, "API-ключей пока нет.", `name="all_organizations"`, orgBName)
	r = adm.do("POST", "/ui/admin/api-keys", url.Values{"name": {""}})
	wantStatus(t, "bad key", r, http.StatusUnprocessableEntity)
	contains(t, "bad key", r.body, `data-field="name">обязательное поле`, `data-field="organization_ids">выберите организации`)

	form := url.Values{"name": {"1С: Кадры"}, "organization_ids": {e.orgA}, "nonce": {"k1"}}
	r = adm.do("POST", "/ui/admin/api-keys", form)
	wantStatus(t, "create key", r, 200)
	m := regexp.MustCompile(`id="api-key-secret" class="mono" value="(kcr_[^"]+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no secret on the result page: %.2000s", r.body)
	}
	secret := m[1]
	contains(t, "created", r.body, "показывается один раз")
	// A repeated submit creates nothing and never shows the secret again.
	r = adm.do("POST", "/ui/admin/api-keys", form)
	wantStatus(t, "repeat", r, http.StatusSeeOther)
	r = adm.get(r.location)
	lacks(t, "list", r.body, secret)
	contains(t, "list", r.body, "1С: Кадры", orgAName, "Отозвать")
	if n := strings.Count(r.body, "1С: Кадры"); n != 1 {
		t.Fatalf("the key is listed %d times", n)
	}
	if _, err := (&access.Service{DB: e.db, Clock: e.clk}).Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("the shown secret does not work: %v", err)
	}
	id := regexp.MustCompile(`/ui/admin/api-keys/([^/]+)/revoke`).FindStringSubmatch(r.body)[1]
	r = adm.do("POST", "/ui/admin/api-keys/"+id+"/revoke", url.Values{"confirm": {"yes"}})
	wantStatus(t, "revoke", r, http.StatusSeeOther)
	r = adm.get(r.location)
	contains(t, "revoked", r.body, "API-ключ отозван.", "отозван ")
	if _, err := (&access.Service{DB: e.db, Clock: e.clk}).Authenticate(context.Background(), secret); err == nil {
		t.Fatal("a revoked key still works")
	}
	wantStatus(t, "revoke unknown", adm.do("POST", "/ui/admin/api-keys/nope/revoke", url.Values{}), http.StatusNotFound)
	oa := e.browser()
	oa.login("org_admin")
	wantStatus(t, "org admin revoke", oa.do("POST", "/ui/admin/api-keys/"+id+"/revoke", url.Values{}), http.StatusForbidden)
}

// operator adds a CA operator user to the env and signs them in.
func (e *env) operator() *browser {
	e.t.Helper()
	acc := &access.Service{DB: e.db, Clock: e.clk}
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	_, err := acc.CreateUser(context.Background(), boot, access.UserInput{Login: "operator", FullName: "Оператор УЦ",
		Role: model.RoleOperator, Password: testPassword})
	must(e.t, err)
	b := e.browser()
	b.login("operator")
	return b
}

func TestAdminServiceCenters(t *testing.T) {
	e := newEnv(t)
	op := e.operator()
	r := op.get("/ui/admin/service-centers")
	wantStatus(t, "centers", r, 200)
	contains(t, "centers", r.body, "СЦ «Центральный»", `id="center-form"`)
	r = op.do("POST", "/ui/admin/service-centers", url.Values{"name": {""}, "address": {"Казань, ул. Баумана, 5"}})
	wantStatus(t, "bad center", r, http.StatusUnprocessableEntity)
	contains(t, "bad center", r.body, `data-field="name">обязательное поле`, `value="Казань, ул. Баумана, 5"`)
	good := url.Values{"name": {"СЦ «Казанский»"}, "address": {"Казань, ул. Баумана, 5"}, "region": {"16"},
		"hours": {"пн–пт 10–19"}, "nonce": {"c1"}}
	r = op.do("POST", "/ui/admin/service-centers", good)
	wantStatus(t, "create center", r, http.StatusSeeOther)
	op.do("POST", "/ui/admin/service-centers", good)
	r = op.get(r.location)
	contains(t, "after create", r.body, "Сервисный центр добавлен.")
	if n := strings.Count(r.body, "СЦ «Казанский»"); n != 1 {
		t.Fatalf("the new center is listed %d times", n)
	}
	reg := e.browser()
	reg.login("registrar")
	r = reg.get("/ui/admin/service-centers")
	wantStatus(t, "registrar centers", r, 200)
	contains(t, "registrar centers", r.body, "СЦ «Казанский»", `href="/ui/admin/service-centers"`)
	lacks(t, "registrar centers", r.body, `id="center-form"`)
	for _, role := range []string{"account_admin", "registrar", "org_admin"} {
		b := e.browser()
		b.login(role)
		wantStatus(t, role+" add center", b.do("POST", "/ui/admin/service-centers", good), http.StatusForbidden)
	}
	acct := e.browser()
	acct.login("accountant")
	lacks(t, "accountant menu", acct.get("/ui/").body, `href="/ui/admin/service-centers"`)
}

func TestAdminTariffs(t *testing.T) {
	e := newEnv(t)
	op := e.operator()
	r := op.get("/ui/admin/tariffs")
	wantStatus(t, "tariffs", r, 200)
	contains(t, "tariffs", r.body, `id="tariff-form"`, "Сертификат физического лица")
	r = op.do("POST", "/ui/admin/tariffs", url.Values{"position": {"individual_certificate"}, "price": {"дорого"},
		"valid_from": {"2027-01-01"}})
	wantStatus(t, "bad price", r, http.StatusUnprocessableEntity)
	contains(t, "bad price", r.body, `data-field="price">цена в рублях`, `value="дорого"`)
	r = op.do("POST", "/ui/admin/tariffs", url.Values{"position": {""}, "price": {"1500"}, "valid_from": {"2020-01-01"}})
	wantStatus(t, "bad tariff", r, http.StatusUnprocessableEntity)
	contains(t, "bad tariff", r.body, `data-field="position">выберите позицию`, `data-field="valid_from">только будущая дата`)
	good := url.Values{"position": {"individual_certificate"}, "price": {"1 500,50"}, "valid_from": {"01.01.2027"}, "nonce": {"t1"}}
	r = op.do("POST", "/ui/admin/tariffs", good)
	wantStatus(t, "create tariff", r, http.StatusSeeOther)
	op.do("POST", "/ui/admin/tariffs", good)
	r = op.get(r.location)
	contains(t, "after create", r.body, "Цена добавлена.", "1\u00a0500,50\u00a0₽", "01.01.2027")
	if n := strings.Count(r.body, "1\u00a0500,50"); n != 1 {
		t.Fatalf("the new tariff is listed %d times", n)
	}
	for _, role := range []string{"accountant", "manager", "account_admin"} {
		b := e.browser()
		b.login(role)
		r := b.get("/ui/admin/tariffs")
		wantStatus(t, role+" tariffs", r, 200)
		lacks(t, role+" tariffs", r.body, `id="tariff-form"`)
		wantStatus(t, role+" add tariff", b.do("POST", "/ui/admin/tariffs", good), http.StatusForbidden)
	}
	for _, role := range []string{"registrar", "org_admin", "employee"} {
		b := e.browser()
		b.login(role)
		lacks(t, role+" menu", b.get("/ui/").body, `href="/ui/admin/tariffs"`)
		wantStatus(t, role+" tariffs", b.get("/ui/admin/tariffs"), http.StatusForbidden)
	}
}

func TestParseRoubles(t *testing.T) {
	for in, want := range map[string]int64{"1500": 150000, "1 500,5": 150050, "1500.05": 150005, "0": 0} {
		if got, ok := parseRoubles(in); !ok || got != want {
			t.Errorf("parseRoubles(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-5", "1,234", "abc"} {
		if _, ok := parseRoubles(in); ok {
			t.Errorf("parseRoubles(%q) accepted", in)
		}
	}
}
