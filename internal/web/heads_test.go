package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// section returns the part of a page from the element with the id to the end of its section.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s in %.400s", id, body)
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// The organization's head page: recorded through the form (errors next to the fields, in Russian), shown
// with ИНН and СНИЛС masked and the link to the head's certificate; a branch has none; an employee's and a
// manager's roles are refused, a registrar reads without the form.
func TestOrgHeadPage(t *testing.T) {
	e := newEnv(t)
	admin := e.browser()
	admin.login("account_admin")
	page := "/ui/organizations/" + e.orgA + "/head"

	contains(t, "link in the tree", admin.get("/ui/organizations").body, `href="`+page+`"`)
	r := admin.get(page)
	wantStatus(t, "empty head page", r, http.StatusOK)
	contains(t, "empty head page", r.body, "Руководитель не указан.", `id="head-form"`, "Указать руководителя")

	bad := url.Values{"surname": {"Иванов"}, "given_name": {"Иван"}, "position": {""}, "inn": {"500100732259"},
		"snils": {"112-233-445 96"}, "since": {"01.03.2099"}}
	r = admin.do("POST", page, bad)
	wantStatus(t, "bad head", r, http.StatusUnprocessableEntity)
	contains(t, "bad head", r.body, `data-field="snils">неверная контрольная сумма`, `data-field="position">обязательное поле`,
		`data-field="since">дата не может быть позже сегодняшнего дня`, `aria-invalid="true"`, `value="112-233-445 96"`)

	// The head's certificate: a head certificate of the organization held by the person with the head's СНИЛС.
	must(t, e.db.CreateCertificate(context.Background(), &model.Certificate{Serial: "0b01", AccountID: accountOf(t, e),
		OrganizationID: e.orgA, EmployeeID: e.empA, Kind: model.KindHead, Status: model.CertValid, Issuer: "fns-ca",
		NotBefore: e.clk.Now().AddDate(0, -1, 0), NotAfter: e.clk.Now().AddDate(1, 0, 0), CreatedAt: e.clk.Now(),
		DER: []byte{0x30, 0x00}, PublicKeyHash: "head-hash"}))
	good := url.Values{"surname": {"Иванов"}, "given_name": {"Иван"}, "patronymic": {"Петрович"}, "position": {"Генеральный директор"},
		"inn": {"500100732259"}, "snils": {"112-233-445 95"}, "since": {"01.03.2021"}}
	r = admin.do("POST", page, good)
	if r.status != http.StatusSeeOther || r.location != page+"?done=saved" {
		t.Fatalf("save: %d %q %.300s", r.status, r.location, r.body)
	}
	r = admin.get(page + "?done=saved")
	contains(t, "saved", r.body, "Руководитель сохранён.", "Изменить данные руководителя")
	head := section(t, r.body, "org-head")
	contains(t, "head section", head, "Иванов Иван Петрович", "Генеральный директор", "01.03.2021",
		`href="/ui/certificates/0b01"`, "••••••••••59")
	lacks(t, "head section", head, "500100732259", "112-233-445 95", "11223344595")

	registrar := e.browser()
	registrar.login("registrar")
	r = registrar.get(page)
	wantStatus(t, "registrar", r, http.StatusOK)
	contains(t, "registrar", r.body, "Иванов Иван Петрович")
	lacks(t, "registrar", r.body, `id="head-form"`)
	for _, login := range []string{"manager", "employee"} {
		b := e.browser()
		b.login(login)
		wantStatus(t, login, b.get(page), http.StatusForbidden)
		lacks(t, login+" tree", b.get("/ui/organizations").body, `/head"`)
	}
	orgAdminB := e.browser()
	orgAdminB.login("org_admin_b")
	wantStatus(t, "another organization's admin", orgAdminB.get(page), http.StatusNotFound)

	orgs, err := e.db.Organizations(context.Background(), storage.Scope{}, storage.OrgFilter{ParentID: e.orgA}, storage.Page{Limit: 10})
	must(t, err)
	if len(orgs) != 1 || orgs[0].Kind != model.OrgBranch {
		t.Fatalf("branches of A: %+v", orgs)
	}
	r = admin.get("/ui/organizations/" + orgs[0].ID + "/head")
	wantStatus(t, "branch", r, http.StatusUnprocessableEntity)
	contains(t, "branch", r.body, "у филиала и ИП нет своего руководителя")
}

func accountOf(t *testing.T, e *env) string {
	t.Helper()
	o, err := e.db.Organization(context.Background(), storage.Scope{}, e.orgA)
	must(t, err)
	return o.AccountID
}

// Dismissal from the employee card: a missing reason is refused at its field, the first post only asks
// (nothing changes), the confirmed post dismisses; the card and the list then say "уволен ДД.ММ.ГГГГ" and
// the card offers neither a new application nor another dismissal.
func TestDismissFromCard(t *testing.T) {
	e := newEnv(t)
	orgAdmin := e.browser()
	orgAdmin.login("org_admin")
	card := "/ui/employees/" + e.empA
	contains(t, "card", orgAdmin.get(card).body, `id="employee-dismiss"`, `action="`+card+`/dismiss"`)

	r := orgAdmin.do("POST", card+"/dismiss", url.Values{"date": {"20.11.2026"}})
	wantStatus(t, "no reason", r, http.StatusUnprocessableEntity)
	contains(t, "no reason", r.body, `data-field="reason">обязательное поле`, `value="20.11.2026"`)

	form := url.Values{"date": {"20.11.2026"}, "reason": {"по собственному желанию"}}
	r = orgAdmin.do("POST", card+"/dismiss", form)
	wantStatus(t, "unconfirmed", r, http.StatusOK)
	contains(t, "unconfirmed", r.body, "Подтвердите действие", "Отменить увольнение нельзя", "20.11.2026",
		`<input type="hidden" name="date" value="2026-11-20">`, `<input type="hidden" name="confirm" value="yes">`)
	lacks(t, "nothing changed yet", orgAdmin.get(card).body, `id="employee-dismissed"`)

	registrar := e.browser()
	registrar.login("registrar")
	lacks(t, "registrar's card", registrar.get(card).body, `id="employee-dismiss"`)
	wantStatus(t, "registrar dismisses", registrar.do("POST", card+"/dismiss", url.Values{"date": {"2026-11-20"},
		"reason": {"x"}, "confirm": {"yes"}}), http.StatusForbidden)

	future := url.Values{"date": {"01.01.2027"}, "reason": {"по собственному желанию"}, "confirm": {"yes"}}
	r = orgAdmin.do("POST", card+"/dismiss", future)
	wantStatus(t, "future date", r, http.StatusUnprocessableEntity)
	contains(t, "future date", r.body, `data-field="date">дата увольнения не может быть позже сегодняшнего дня`)

	form.Set("date", "2026-11-20")
	form.Set("confirm", "yes")
	r = orgAdmin.do("POST", card+"/dismiss", form)
	if r.status != http.StatusSeeOther || r.location != card+"?done=dismissed" {
		t.Fatalf("confirmed: %d %q %.300s", r.status, r.location, r.body)
	}
	r = orgAdmin.get(card + "?done=dismissed")
	contains(t, "dismissed card", r.body, "Сотрудник уволен.", `id="employee-dismissed">уволен 20.11.2026 · по собственному желанию`)
	lacks(t, "dismissed card", r.body, `id="employee-dismiss"`, "/ui/applications/new?employee=")
	contains(t, "list", orgAdmin.get("/ui/employees").body, `<span class="tag dismissed">уволен 20.11.2026</span>`)

	r = orgAdmin.do("POST", card+"/dismiss", form)
	wantStatus(t, "again", r, http.StatusConflict)
}
