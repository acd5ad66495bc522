package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/testdb"
)

// Every page and form, with NUL or invalid UTF-8 in a path segment, a query parameter or a form field,
// shows the error page with 422, signed in or not, on both engines (PostgreSQL used to answer 500); control
// characters reaching the handlers never answer 5xx. Every answer carries the security headers.
func TestBadBytesEveryPage(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnvOn(t, eng.Open(t))
			admin := e.browser()
			admin.login("account_admin")
			registrar := e.browser()
			registrar.login("registrar")
			anon := e.browser()
			param := regexp.MustCompile(`\{[a-z]+\}`)
			if len(e.h.patterns) < 30 {
				t.Fatalf("only %d routes registered", len(e.h.patterns))
			}
			headers := func(what string, r reply) {
				t.Helper()
				if csp := r.header.Get("Content-Security-Policy"); csp != edge.ContentSecurityPolicy ||
					r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "no-referrer" ||
					r.header.Get("Cache-Control") != "no-store" {
					t.Errorf("%s: headers %v", what, r.header)
				}
			}
			for _, pat := range e.h.patterns {
				method, path, _ := strings.Cut(pat, " ")
				path = strings.TrimSuffix(path, "{$}")
				valid := param.ReplaceAllString(path, "x")
				type probe struct {
					path string
					form url.Values
				}
				var bad, ctl []probe
				for _, b := range []struct{ escaped, raw string }{{"%00", "\x00"}, {"%FF", "\xff"}} {
					if param.MatchString(path) {
						bad = append(bad, probe{param.ReplaceAllString(path, "a"+b.escaped+"b"), nil})
					}
					bad = append(bad, probe{valid + "?q=a" + b.escaped + "b", nil})
					if method == "POST" {
						bad = append(bad, probe{valid, url.Values{"name": {"a" + b.raw + "b"}, "login": {"x" + b.raw}}})
					}
				}
				if param.MatchString(path) {
					ctl = append(ctl, probe{param.ReplaceAllString(path, "a%01b"), nil})
				}
				ctl = append(ctl, probe{valid + "?q=" + url.QueryEscape("a\x01\u202eb"), nil})
				if method == "POST" && path != "/logout" {
					ctl = append(ctl, probe{valid, url.Values{"name": {"a\x01b"}, "surname": {"Ив\u202eанов"}, "note": {"a\x01"}}})
				}
				for _, br := range []*browser{anon, admin, registrar} {
					for _, p := range bad {
						r := br.do(method, p.path, p.form)
						what := method + " " + p.path + " " + p.form.Encode()
						if r.status != 422 || !strings.Contains(r.body, "недопустимые символы") {
							t.Errorf("%s: %d, want 422 and the error page\n%.300s", what, r.status, r.body)
						}
						headers(what, r)
					}
					if br == anon {
						continue
					}
					for _, p := range ctl {
						r := br.do(method, p.path, p.form)
						if r.status >= 500 {
							t.Errorf("%s %s %s: %d\n%.300s", method, p.path, p.form.Encode(), r.status, r.body)
						}
					}
				}
			}
			// Signed-in pages are not cached; static files are, and still carry the security headers.
			headers("dashboard", admin.get("/ui/"))
			st := anon.get("/static/style.css")
			if st.status != 200 || st.header.Get("Content-Security-Policy") != edge.ContentSecurityPolicy ||
				!strings.HasPrefix(st.header.Get("Cache-Control"), "public") {
				t.Errorf("static: %d %v", st.status, st.header)
			}
		})
	}
}
