package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
)

func (e *env) userID(t *testing.T, login string) string {
	t.Helper()
	u, err := e.db.UserByLogin(context.Background(), login)
	must(t, err)
	return u.ID
}

// The users page takes access away without JavaScript: irreversible actions ask first on a page of their
// own, a disabled user is out at once, a reset shows a temporary password once, a role change holds from
// the next request, and the last administrator stays.
func TestAdminUserActions(t *testing.T) {
	e := newEnv(t)
	adm := e.browser()
	adm.login("account_admin")
	reg := e.browser()
	reg.login("registrar")
	id := e.userID(t, "registrar")
	base := "/ui/admin/users/" + id

	r := adm.get("/ui/admin/users")
	contains(t, "actions", r.body, `action="`+base+`/disable"`, `action="`+base+`/end-sessions"`,
		`action="`+base+`/reset-password"`, `href="`+base+`"`)

	r = adm.do("POST", base+"/disable", url.Values{})
	wantStatus(t, "disable asks", r, http.StatusOK)
	contains(t, "disable asks", r.body, "Отключить пользователя?", `name="confirm" value="yes"`, `action="`+base+`/disable"`)
	wantStatus(t, "not yet disabled", reg.get("/ui/"), http.StatusOK)

	r = adm.do("POST", base+"/disable", url.Values{"confirm": {"yes"}})
	wantStatus(t, "disable", r, http.StatusSeeOther)
	contains(t, "disabled", adm.get(r.location).body, "Пользователь отключён")
	if r := reg.get("/ui/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Errorf("a disabled user's session still opens pages: %d %s", r.status, r.location)
	}
	r = e.browser().do("POST", "/login", url.Values{"login": {"registrar"}, "password": {testPassword}})
	wantStatus(t, "disabled login", r, http.StatusUnauthorized)

	wantStatus(t, "enable", adm.do("POST", base+"/enable", url.Values{}), http.StatusSeeOther)
	r = adm.do("POST", base+"/reset-password", url.Values{"confirm": {"yes"}})
	wantStatus(t, "reset", r, http.StatusOK)
	m := regexp.MustCompile(`id="temporary-password" class="mono" value="([^"]+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no temporary password shown: %s", r.body)
	}
	r = e.browser().do("POST", "/login", url.Values{"login": {"registrar"}, "password": {m[1]}})
	wantStatus(t, "temporary password", r, http.StatusSeeOther)

	// A role change: the form shows the current role; saved, it holds at once.
	contains(t, "edit", adm.get(base).body, `<option value="registrar" selected>`)
	r = adm.do("POST", base, url.Values{"role": {"manager"}, "organization_ids": {e.orgB}})
	wantStatus(t, "change", r, http.StatusSeeOther)
	u, err := e.db.UserByLogin(context.Background(), "registrar")
	must(t, err)
	if u.Role != model.RoleManager || len(u.OrganizationIDs) != 1 || u.OrganizationIDs[0] != e.orgB {
		t.Errorf("after the change: %s %v", u.Role, u.OrganizationIDs)
	}
	r = adm.do("POST", base, url.Values{"role": {"manager"}})
	wantStatus(t, "change without organizations", r, http.StatusUnprocessableEntity)
	contains(t, "change without organizations", r.body, `data-field="organization_ids">выберите хотя бы одну организацию`)

	// The only administrator cannot disable themselves.
	r = adm.do("POST", "/ui/admin/users/"+e.userID(t, "account_admin")+"/disable", url.Values{"confirm": {"yes"}})
	wantStatus(t, "last admin", r, http.StatusConflict)
	contains(t, "last admin", r.body, "последний активный администратор")
}

// Past the wrong-password limit the login form answers 429 in Russian with Retry-After.
func TestLoginThrottledPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for range 5 {
		wantStatus(t, "wrong", b.do("POST", "/login", url.Values{"login": {"manager"}, "password": {"wrong password"}}),
			http.StatusUnauthorized)
	}
	r := b.do("POST", "/login", url.Values{"login": {"manager"}, "password": {testPassword}})
	wantStatus(t, "locked", r, http.StatusTooManyRequests)
	contains(t, "locked", r.body, "Слишком много неудачных попыток входа")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// A new password that is common or trivial is refused at its field on the password page.
func TestChangePasswordPolicy(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("manager")
	for pw, want := range map[string]string{"aaaaaaaaaa": "Пароль слишком простой", "1234567890": "Пароль слишком простой",
		"password123": "слишком распространённый пароль"} {
		r := b.do("POST", "/ui/password", url.Values{"current_password": {testPassword}, "new_password": {pw}, "repeat_password": {pw}})
		wantStatus(t, pw, r, http.StatusUnprocessableEntity)
		contains(t, pw, r.body, want)
		lacks(t, pw, r.body, `value="`+pw+`"`)
	}
}
