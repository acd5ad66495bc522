package web

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestIrreversibleAsksFirst: revoking a certificate, declining or cancelling an application and revoking an
// API key change nothing when posted without the confirmation: the answer is a page saying what will
// happen, whose form posts the same values confirmed; the revocation reason has no preset and a missing one
// is refused on its field in Russian. Only the confirmed post acts.
func TestIrreversibleAsksFirst(t *testing.T) {
	e := newEnv(t)
	admin := e.browser()
	admin.login("account_admin")
	registrar := e.browser()
	registrar.login("registrar")
	orgAdmin := e.browser()
	orgAdmin.login("org_admin")

	// An API key to revoke.
	r := admin.do("POST", "/ui/admin/api-keys", url.Values{"name": {"Кадры"}, "all_organizations": {"on"}, "nonce": {"k1"}})
	wantStatus(t, "key", r, http.StatusOK)
	keyID := regexp.MustCompile(`/ui/admin/api-keys/([^/"]+)/revoke`).FindStringSubmatch(admin.get("/ui/admin/api-keys").body)[1]

	cert := "/ui/certificates/" + certA
	app := "/ui/applications/" + e.appA
	keys := "/ui/admin/api-keys"
	certValid := func(t *testing.T) {
		t.Helper()
		contains(t, "certificate unchanged", orgAdmin.get(cert).body, `id="cert-status">Действует`, `action="`+cert+`/revoke"`)
	}
	appWaiting := func(t *testing.T) {
		t.Helper()
		contains(t, "application unchanged", registrar.get(app).body, `id="app-state">Проверка личности`)
	}
	keyActive := func(t *testing.T) {
		t.Helper()
		contains(t, "key unchanged", admin.get(keys).body, `action="`+keys+`/`+keyID+`/revoke"`)
	}

	for _, c := range []struct {
		name      string
		b         *browser
		path      string
		form      url.Values
		status    int
		want      []string
		unchanged func(*testing.T)
	}{
		{"revoke unconfirmed", orgAdmin, cert + "/revoke", url.Values{"reason": {"key_compromise"}}, http.StatusOK,
			[]string{"Подтвердите действие", "отзыв нельзя отменить", "Компрометация ключа", empAName,
				`<input type="hidden" name="reason" value="key_compromise">`, `<input type="hidden" name="confirm" value="yes">`,
				`href="` + cert + `"`}, certValid},
		{"revoke without a reason", orgAdmin, cert + "/revoke", url.Values{"confirm": {"yes"}}, http.StatusUnprocessableEntity,
			[]string{"Причина отзыва не выбрана", "Выберите причину отзыва.", `aria-invalid="true"`}, certValid},
		{"revoke with an empty reason", orgAdmin, cert + "/revoke", url.Values{"reason": {""}}, http.StatusUnprocessableEntity,
			[]string{"Выберите причину отзыва."}, certValid},
		{"decline unconfirmed", registrar, app + "/act/decline", url.Values{"note": {"паспорт просрочен"}}, http.StatusOK,
			[]string{"Подтвердите действие", "Заявка будет отклонена", "паспорт просрочен", empAName,
				`<input type="hidden" name="note" value="паспорт просрочен">`}, appWaiting},
		{"decline without a reason", registrar, app + "/act/decline", url.Values{}, http.StatusUnprocessableEntity,
			[]string{"Укажите причину."}, appWaiting},
		{"cancel unconfirmed", orgAdmin, app + "/act/cancel", url.Values{}, http.StatusOK,
			[]string{"Подтвердите действие", "Заявка будет отменена", `action="` + app + `/act/cancel"`}, appWaiting},
		{"key revoke unconfirmed", admin, keys + "/" + keyID + "/revoke", url.Values{}, http.StatusOK,
			[]string{"Подтвердите действие", "Ключ перестанет работать сразу", "Кадры"}, keyActive},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.b.do("POST", c.path, c.form)
			wantStatus(t, c.name, r, c.status)
			contains(t, c.name, r.body, c.want...)
			c.unchanged(t)
		})
	}

	// The card offers no preset reason: the empty choice comes first and is selected.
	contains(t, "revoke form", orgAdmin.get(cert).body, `<select name="reason"><option value="">— выберите причину —</option>`)

	// Confirmed, each acts.
	r = orgAdmin.do("POST", cert+"/revoke", url.Values{"reason": {"key_compromise"}, "confirm": {"yes"}})
	wantStatus(t, "revoke confirmed", r, http.StatusSeeOther)
	contains(t, "revoked", orgAdmin.get(r.location).body, "сертификат отозван.", "Компрометация ключа")
	// Revoked already: nothing to confirm, the card says so.
	r = orgAdmin.do("POST", cert+"/revoke", url.Values{"reason": {"superseded"}})
	wantStatus(t, "revoke again", r, http.StatusConflict)
	lacks(t, "revoke again", r.body, "Подтвердите действие")
	r = registrar.do("POST", app+"/act/decline", url.Values{"note": {"паспорт просрочен"}, "confirm": {"yes"}})
	wantStatus(t, "decline confirmed", r, http.StatusSeeOther)
	contains(t, "declined", registrar.get(r.location).body, `id="app-state">Отклонена`)
	r = admin.do("POST", keys+"/"+keyID+"/revoke", url.Values{"confirm": {"yes"}})
	wantStatus(t, "key revoke confirmed", r, http.StatusSeeOther)
	contains(t, "key revoked", admin.get(r.location).body, "API-ключ отозван.")
}
