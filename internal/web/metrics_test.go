package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// metricsCerts adds certificates that ended in October 2026 to the env: A's individual one (reissued by
// certA before its end), A's head certificate (not reissued) and B's individual one (reissued by certB).
// With the env's certA, certB and legacy certificate, October's reissue share is 2 of 3 for the account
// and 1 of 2 for a manager of A; individual certificates are 2 of 3 valid employee certificates now.
func metricsCerts(t *testing.T, e *env) {
	t.Helper()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, rules.MSK) }
	acct, err := e.db.Employee(context.Background(), storage.Scope{}, e.empA)
	must(t, err)
	for _, c := range []struct {
		serial, org, emp string
		kind             model.CertKind
		from, to         time.Time
	}{
		{"0f01", e.orgA, e.empA, model.KindIndividual, day(2025, 10, 5), day(2026, 10, 5)},
		{"0f02", e.orgA, e.empA, model.KindHead, day(2025, 10, 15), day(2026, 10, 15)},
		{"0f03", e.orgB, e.empB, model.KindIndividual, day(2025, 10, 10), day(2026, 10, 10)},
	} {
		must(t, e.db.CreateCertificate(context.Background(), &model.Certificate{Serial: c.serial, AccountID: acct.AccountID,
			OrganizationID: c.org, EmployeeID: c.emp, Kind: c.kind, Status: model.CertValid, Issuer: "test", NotBefore: c.from,
			NotAfter: c.to, DER: []byte{0x30, 0}, CreatedAt: c.from, PublicKeyHash: "metrics" + c.serial}))
	}
}

func TestReissueMetricsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	metricsCerts(t, e)
	for _, tc := range []struct {
		login, lang string
		want        []string
	}{
		{"account_admin", "", []string{"Показатели перевыпуска", "вся учётная запись", "октябрь 2026", "ноябрь 2026 <span class=\"hint\">(текущий)",
			"<td class=\"num\">66,7\u00a0%</td>", "Ориентир: 75,0\u00a0%", `<svg class="chart"`, `href="/ui/metrics.csv?months=12"`,
			"Появится вместе с напоминаниями об окончании срока.", "Появится вместе с рассылками."}},
		{"manager", "", []string{"назначенные организации", "<td class=\"num\">50,0\u00a0%</td>"}},
		{"account_admin", "en", []string{"Reissue metrics", "October 2026", "<td class=\"num\">66.7%</td>", "Target: 75.0%"}},
	} {
		t.Run(tc.login+"/"+tc.lang, func(t *testing.T) {
			b := e.browser()
			b.login(tc.login)
			var h []string
			if tc.lang != "" {
				h = []string{"Accept-Language", tc.lang}
			}
			r := b.get("/ui/metrics", h...)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page has no %q", w)
				}
			}
			if !strings.Contains(b.get("/ui/", h...).body, `href="/ui/metrics"`) {
				t.Errorf("the menu has no link to the metrics")
			}
		})
	}
	t.Run("linked share and legacy", func(t *testing.T) {
		b := e.browser()
		b.login("account_admin")
		r := b.get("/ui/metrics?months=6")
		// November (now): certA and certB individual, the legacy certificate with organization details.
		for _, w := range []string{`<td class="num">3</td><td class="num">2</td><td class="num">66,7` + "\u00a0%", `<span aria-current="true">6</span>`} {
			if !strings.Contains(r.body, w) {
				t.Errorf("the page has no %q", w)
			}
		}
	})
	t.Run("csv", func(t *testing.T) {
		b := e.browser()
		b.login("account_admin")
		r := b.get("/ui/metrics.csv?months=2")
		if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("status %d, %q: %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		if !strings.HasPrefix(r.body, "\ufeffМесяц;") || !strings.Contains(r.body, "\r\nоктябрь 2026;нет;3;2;66,7;1;") {
			t.Errorf("csv %q", r.body)
		}
	})
	for _, tc := range []struct{ login, path string }{
		{"registrar", "/ui/metrics"}, {"employee", "/ui/metrics"}, {"accountant", "/ui/metrics.csv"},
		{"account_admin", "/ui/metrics?months=99"},
	} {
		t.Run("refused/"+tc.login+tc.path, func(t *testing.T) {
			b := e.browser()
			b.login(tc.login)
			r := b.get(tc.path)
			if r.status == 200 {
				t.Fatalf("status 200: %s", r.body)
			}
			if tc.login != "account_admin" && strings.Contains(b.get("/ui/").body, `href="/ui/metrics"`) {
				t.Errorf("the menu links %s to the metrics", tc.login)
			}
		})
	}
}
