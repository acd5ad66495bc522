package api_test

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/registration"
)

// badBytes are what the edge refuses before any handler: NUL and invalid UTF-8, percent-encoded in URLs.
// In JSON, NUL comes both escaped (valid JSON) and raw (breaking the JSON).
var badBytes = []struct{ name, escaped, json string }{{"NUL", "%00", `\u0000`}, {"raw NUL", "%00", "\x00"},
	{"invalid UTF-8", "%FF", "\xff"}}

// Every API route, with NUL or invalid UTF-8 in a path parameter, in each of its query parameters and in a
// JSON body string, answers 422 naming the place, before authentication and on both engines (PostgreSQL
// used to answer 500); a control character reaching the handlers answers anything but 5xx.
func TestBadBytesEveryRoute(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters []struct{ Name, In string }
			}
		}
		e.do("", "GET", "/api/openapi.json", nil).json(t, &doc)
		if len(doc.Paths) < 20 {
			t.Fatalf("only %d paths in the OpenAPI document", len(doc.Paths))
		}
		paths := make([]string, 0, len(doc.Paths))
		for p := range doc.Paths {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		param := regexp.MustCompile(`\{[a-z_]+\}`)
		checked := 0
		for _, path := range paths {
			for method, op := range doc.Paths[path] {
				method = strings.ToUpper(method)
				valid := param.ReplaceAllString(path, "x")
				type probe struct {
					url, field string
					body       any
				}
				var probes []probe
				for _, b := range badBytes {
					if param.MatchString(path) {
						probes = append(probes, probe{param.ReplaceAllString(path, "a"+b.escaped+"b"), "path", nil})
					}
					for _, p := range op.Parameters {
						if p.In == "query" {
							probes = append(probes, probe{valid + "?" + p.Name + "=a" + b.escaped + "b", p.Name, nil})
						}
					}
					if method == "POST" || method == "PUT" || method == "PATCH" {
						probes = append(probes, probe{valid, "name", `{"name":"a` + b.json + `b"}`},
							probe{valid, "document.number", `{"document":{"type":"passport_rf","number":"1` + b.json + `"}}`})
					}
				}
				for _, p := range probes {
					// The edge refuses before authentication: one caller without and one with credentials.
					for _, caller := range []string{"", "account_admin"} {
						var body any
						if p.body != nil {
							body = p.body
						}
						r := e.do(caller, method, p.url, body)
						checked++
						securityHeaders(t, method+" "+p.url, r)
						if r.status != 422 {
							t.Errorf("%s %s %s as %q: %d %s, want 422", method, p.url, p.body, caller, r.status, r.body)
							continue
						}
						if pr := r.problem(t); len(pr.Errors) != 1 || pr.Errors[0].Field != p.field || pr.Errors[0].Rule != "encoding" {
							t.Errorf("%s %s %s: errors %+v, want the field %s", method, p.url, p.body, pr.Errors, p.field)
						}
					}
				}
				// Control characters are not the edge's to refuse: handlers answer them, never with 5xx.
				var ctl []string
				if param.MatchString(path) {
					ctl = append(ctl, param.ReplaceAllString(path, "a%01b"))
				}
				for _, p := range op.Parameters {
					if p.In == "query" {
						ctl = append(ctl, valid+"?"+p.Name+"="+url.QueryEscape("a\x01\u202eb"))
					}
				}
				for _, u := range ctl {
					for _, caller := range []string{"operator", "account_admin"} {
						r := e.do(caller, method, u, nil)
						if r.status >= 500 {
							t.Errorf("%s %s as %s: %d %s", method, u, caller, r.status, r.body)
						}
						securityHeaders(t, method+" "+u, r)
					}
				}
			}
		}
		if checked < 300 {
			t.Fatalf("only %d probes", checked)
		}
	})
}

// securityHeaders checks the headers every API answer carries: nothing may frame it, sniff its type, send
// its address on, or keep it in a cache.
func securityHeaders(t *testing.T, what string, r response) {
	t.Helper()
	if r.header.Get("Content-Security-Policy") != edge.ContentSecurityPolicy || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: headers %v", what, r.header)
	}
}

// Every API route's answer to a valid request carries the security headers too, the certificate
// downloads included.
func TestSecurityHeadersEveryRoute(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	withCA(t, e)
	id := e.approvedApp(t)
	var a registration.ApplicationView
	e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil).json(t, &a)
	var doc struct {
		Paths map[string]map[string]any
	}
	e.do("", "GET", "/api/openapi.json", nil).json(t, &doc)
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for path, ops := range doc.Paths {
		for method := range ops {
			if strings.ToUpper(method) != "GET" {
				continue
			}
			u := param.ReplaceAllStringFunc(path, func(p string) string {
				switch p {
				case "{serial}":
					return a.CertificateSerial
				case "{id}":
					return id
				}
				return "x"
			})
			securityHeaders(t, "GET "+u, e.do("account_admin", "GET", u, nil))
		}
	}
	for _, accept := range []string{"application/pkix-cert", "application/x-pem-file"} {
		r := e.do("account_admin", "GET", "/api/v1/certificates/"+a.CertificateSerial, nil, "Accept", accept)
		if r.status != 200 {
			t.Fatalf("download %s: %d", accept, r.status)
		}
		securityHeaders(t, "download "+accept, r)
	}
}
