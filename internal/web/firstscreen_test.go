package web

import (
	"net/url"
	"strings"
	"testing"
)

// After login each role sees what it does next first, above the figures.
func TestFirstScreenByRole(t *testing.T) {
	e := newEnv(t)
	first := func(login string) string {
		t.Helper()
		b := e.browser()
		b.login(login)
		body := b.get("/ui/").body
		i := strings.Index(body, `id="first-screen"`)
		if i < 0 {
			t.Fatalf("%s: no first screen: %.600s", login, body)
		}
		if j := strings.Index(body, `class="grid"`); j >= 0 && j < i {
			t.Errorf("%s: the first screen comes after the figures", login)
		}
		end := strings.Index(body[i:], "</section>")
		return body[i : i+end]
	}
	card := "/ui/applications/" + e.appA

	t.Run("registrar", func(t *testing.T) {
		s := first("registrar")
		contains(t, "registrar", s, "Очередь", `<a href="`+card+`"><strong>Проверить личность</strong></a>`, empAName)
		lacks(t, "registrar", s, empBName) // B is outside the registrar's organizations
	})
	t.Run("employee", func(t *testing.T) {
		s := first("employee")
		contains(t, "employee", s, "Мои заявления", `href="`+card+`"`, "Проверка личности",
			"Следующий шаг: регистратор должен проверить личность заявителя.", "Запрос на сертификат можно загрузить уже сейчас.",
			`id="csr-howto"`, "Как сделать запрос на сертификат", "КриптоПро CSP")
	})
	t.Run("accountant", func(t *testing.T) {
		s := first("accountant")
		contains(t, "accountant", s, "Текущий расчётный период", "ноябрь 2026", "30.11.2026", `id="period-lines">0<`,
			`href="/ui/billing/lines?period=2026-11"`, `href="/ui/invoices"`)
	})
	t.Run("manager", func(t *testing.T) {
		s := first("manager")
		contains(t, "manager", s, "Истечения и план затрат", `href="/ui/certificates?expires=30"`, `id="plan-total"`)
	})
	t.Run("account administrator", func(t *testing.T) {
		s := first("account_admin")
		contains(t, "account_admin", s, "Что требует внимания", `href="/ui/certificates?expires=30"`, "Перевыпустить истекающие")
	})

	// Once verified with a request and approved, the registrar's next act is the issue.
	rg := e.browser()
	rg.login("registrar")
	wantStatus(t, "verify", rg.do("POST", card+"/act/verify-identity", url.Values{"method": {"in_person_workplace"},
		"check": inPersonChecks}), 303)
	contains(t, "waiting for the request", first("registrar"), "Ждёт запрос на сертификат от заявителя")
	wantStatus(t, "csr", rg.upload(card+"/csr", "csr", "req.csr", testCSR(t)), 303)
	contains(t, "ready", first("registrar"), "<strong>Одобрить</strong>")
	wantStatus(t, "approve", rg.do("POST", card+"/act/approve", url.Values{}), 303)
	contains(t, "approved", first("registrar"), "<strong>Выпустить сертификат</strong>")
}

func TestPeriodNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		l      locale
		period string
		months int
		want   string
	}{
		{ru, "2026-12", 1, "декабрь 2026"},
		{ru, "2026-10", 3, "октябрь — декабрь 2026"},
		{en, "2027-01", 1, "January 2027"},
		{ru, "bad", 1, "bad"},
		{ru, "2026-12", 3, "декабрь 2026 — февраль 2027"},
		{en, "2026-04", 3, "April — June 2026"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.l.period(tc.period, tc.months); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
