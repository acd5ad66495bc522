package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// Every dashboard figure of the certificates leads to the register filtered the same way.
func TestDashboardFiguresLinkToRegister(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	dash := b.get("/ui/")
	contains(t, "dashboard", dash.body, `href="/ui/certificates?status=valid"`, `href="/ui/certificates?status=expired"`,
		`href="/ui/certificates?status=revoked"`, `href="/ui/certificates?status=valid&amp;kind=individual"`,
		`href="/ui/certificates?expires=30"`, `href="/ui/certificates?expires=60"`, `href="/ui/certificates?expires=90"`,
		`href="/ui/certificates?legacy=1&amp;sort=not_after"`)
	for _, tc := range []struct {
		query     string
		want, not []string
	}{
		{"expires=30", []string{certA}, []string{certLegacy, certB}},
		{"expires=90", []string{certA, certLegacy}, []string{certB}},
		{"status=valid&kind=legal_entity_employee", []string{certLegacy}, []string{certA, certB}},
		{"status=expired", nil, []string{certA, certLegacy, certB}},
		{"legacy=1", []string{certLegacy}, []string{certA, certB}},
	} {
		r := b.get("/ui/certificates?" + tc.query)
		wantStatus(t, tc.query, r, 200)
		contains(t, tc.query, r.body, tc.want...)
		lacks(t, tc.query, r.body, tc.not...)
	}
	r := b.get("/ui/certificates?expires=0")
	wantStatus(t, "bad window", r, http.StatusUnprocessableEntity)
}

// From the register filtered by expiry, a caller who may reissue confirms a wave over all found and gets a
// summary; running it again creates nothing; a selection by checkbox skips what is not in scope, saying why.
func TestRegisterRenewalWave(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("org_admin")
	r := b.get("/ui/certificates?expires=90")
	contains(t, "register", r.body, `id="wave-form"`, `name="serial" value="`+certA+`" form="wave-form"`,
		`<input type="hidden" name="expires" value="90">`)

	// Confirmation: nothing is created yet.
	r = b.do("POST", "/ui/certificates/wave", url.Values{"scope": {"all"}, "expires": {"90"}})
	wantStatus(t, "confirm", r, 200)
	contains(t, "confirm", r.body, "Подтвердите перевыпуск", `id="wave-created">2<`, `id="wave-remote">2<`,
		`name="serial" value="`+certA+`"`, `name="serial" value="`+certLegacy+`"`, "Создать заявки на перевыпуск (2)",
		`href="/ui/certificates?expires=90"`, `id="wave-certs"`, empAName+" Иван Петрович")
	lacks(t, "confirm", r.body, certB)
	if n := len(e.allApps(t)); n != 2 {
		t.Fatalf("the confirmation created applications: %d", n)
	}

	r = b.do("POST", "/ui/certificates/wave/run", url.Values{"serial": {certA, certLegacy}, "expires": {"90"}})
	wantStatus(t, "run", r, 200)
	contains(t, "run", r.body, "Перевыпуск запущен", `id="wave-created">2<`, `id="wave-remote">2<`, "Созданные заявки", empAName)
	if n := len(e.allApps(t)); n != 4 {
		t.Fatalf("applications after the wave: %d, want 4", n)
	}
	r = b.do("POST", "/ui/certificates/wave/run", url.Values{"serial": {certA, certLegacy}})
	contains(t, "again", r.body, `id="wave-created">0<`, "уже есть заявка на перевыпуск")

	// B's certificate, sent by hand, is not in the organization administrator's scope.
	r = b.do("POST", "/ui/certificates/wave", url.Values{"scope": {"selected"}, "serial": {certB, certA}})
	contains(t, "foreign", r.body, `id="wave-created">0<`, "сертификат не найден или недоступен", "уже есть заявка на перевыпуск")
	lacks(t, "foreign", r.body, "Создать заявки на перевыпуск")
	r = b.do("POST", "/ui/certificates/wave", url.Values{"scope": {"selected"}})
	wantStatus(t, "nothing selected", r, http.StatusUnprocessableEntity)
	contains(t, "nothing selected", r.body, "Не выбрано ни одного сертификата")

	// The manager reads the register but starts no wave.
	m := e.browser()
	m.login("manager")
	lacks(t, "manager register", m.get("/ui/certificates").body, `id="wave-form"`)
	wantStatus(t, "manager wave", m.do("POST", "/ui/certificates/wave", url.Values{"scope": {"all"}}), http.StatusForbidden)
}

// allApps lists every application of the env, as the CA operator reads them.
func (e *env) allApps(t *testing.T) []*model.Application {
	t.Helper()
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	pg, err := e.reg.Applications(context.Background(), op, storage.AppFilter{}, registration.PageRequest{Limit: 200})
	must(t, err)
	return pg.Items
}
