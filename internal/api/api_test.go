package api_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

func TestBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		validOrg := map[string]any{"kind": "legal_entity", "name": "ООО «Новая»", "inn": "7728168971", "kpp": "770801001",
			"ogrn": "1027700067328"}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for kk, vv := range validOrg {
				m[kk] = vv
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		tests := []struct {
			name, method, path string
			body               any
			header             []string
			status             int
			kind               string
			field              string
		}{
			{"bad ИНН checksum", "POST", "/api/v1/organizations", with("inn", "7728168972"), nil, 422, "validation", "inn"},
			{"bad ОГРН checksum", "POST", "/api/v1/organizations", with("ogrn", "1027700067329"), nil, 422, "validation", "ogrn"},
			{"bad КПП", "POST", "/api/v1/organizations", with("kpp", "77080100a"), nil, 422, "validation", "kpp"},
			{"missing name", "POST", "/api/v1/organizations", with("name", nil), nil, 422, "validation", "name"},
			{"unknown kind", "POST", "/api/v1/organizations", with("kind", "partnership"), nil, 422, "validation", "kind"},
			{"unknown field", "POST", "/api/v1/organizations", with("director", "Иванов"), nil, 400, "malformed-request", "director"},
			{"wrong type", "POST", "/api/v1/organizations", with("inn", 7728168971), nil, 400, "malformed-request", "inn"},
			{"not JSON", "POST", "/api/v1/organizations", "{inn: 1", nil, 400, "malformed-request", ""},
			{"two JSON values", "POST", "/api/v1/organizations", `{"kind":"legal_entity"} {}`, nil, 400, "malformed-request", ""},
			{"empty body", "POST", "/api/v1/organizations", "", nil, 400, "malformed-request", ""},
			{"wrong content type", "POST", "/api/v1/organizations", []byte(`{"kind":"legal_entity"}`), []string{"Content-Type", "text/xml"}, 415, "unsupported-media-type", ""},
			{"body over 1 MiB", "POST", "/api/v1/organizations", `{"name":"` + strings.Repeat("я", 600_000) + `"}`, nil, 413, "too-large", ""},
			{"bad СНИЛС", "POST", "/api/v1/employees", func() any {
				in := employeeInput(e.orgA.ID, "Петров", "11223344596")
				return in
			}(), nil, 422, "validation", "snils"},
			{"bad person ИНН", "POST", "/api/v1/employees", func() any {
				in := employeeInput(e.orgA.ID, "Петров", "11223344595")
				in.INN = "500100732258"
				return in
			}(), nil, 422, "validation", "inn"},
			{"bad passport", "POST", "/api/v1/employees", func() any {
				in := employeeInput(e.orgA.ID, "Петров", "11223344595")
				in.Document.Number = "12345"
				return in
			}(), nil, 422, "validation", "document.number"},
			{"unknown organization", "POST", "/api/v1/employees", employeeInput("0190c1a2-0000-7000-8000-000000000000", "Петров", "11223344595"), nil, 422, "validation", "organization_id"},
			{"malformed cursor", "GET", "/api/v1/applications?cursor=zzz", nil, nil, 422, "validation", "cursor"},
			{"limit too big", "GET", "/api/v1/applications?limit=1000", nil, nil, 422, "validation", "limit"},
			{"unknown sort key", "GET", "/api/v1/applications?sort=serial", nil, nil, 422, "validation", "sort"},
			{"sort key of another list", "GET", "/api/v1/employees?sort=-not_after", nil, nil, 422, "validation", "sort"},
			{"sort on a list with one order", "GET", "/api/v1/organizations?sort=name", nil, nil, 422, "validation", "sort"},
			{"unknown query parameter", "GET", "/api/v1/applications?colour=red", nil, nil, 422, "validation", "colour"},
			{"unknown state", "GET", "/api/v1/applications?state=done", nil, nil, 422, "validation", "state"},
			{"unknown application kind", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "gold"}, nil, 422, "validation", "kind"},
			{"unknown scope organization", "POST", "/api/v1/api-keys", map[string]any{"name": "x", "organization_ids": []string{"nope"}}, nil, 422, "validation", "organization_ids[0]"},
			{"bad revocation reason", "POST", "/api/v1/certificates/01/revoke", map[string]any{"reason": "bored"}, nil, 422, "validation", "reason"},
			{"unknown route", "GET", "/api/v1/nothing", nil, nil, 404, "not-found", ""},
			{"bad idempotency key", "POST", "/api/v1/organizations", validOrg, []string{"Idempotency-Key", "has space"}, 422, "validation", "Idempotency-Key"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := e.count(t)
				r := e.do("account_admin", tc.method, tc.path, tc.body, tc.header...)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				p := r.problem(t)
				if p.Type != api.ProblemTypeBase+tc.kind || p.Status != tc.status {
					t.Errorf("problem type %q status %d, want kind %q", p.Type, p.Status, tc.kind)
				}
				if tc.field != "" {
					if len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Message == "" || p.Errors[0].Rule == "" {
						t.Errorf("errors %+v, want the first to name field %q with a rule and message", p.Errors, tc.field)
					}
				}
				if after := e.count(t); after != before {
					t.Errorf("rows changed from %v to %v: a refused request stored something", before, after)
				}
			})
		}
		t.Run("no credentials", func(t *testing.T) {
			r := e.do("", "GET", "/api/v1/organizations", nil)
			if r.status != 401 || r.header.Get("WWW-Authenticate") == "" || r.problem(t).Type != api.ProblemTypeBase+"unauthenticated" {
				t.Fatalf("got %d %s", r.status, r.body)
			}
		})
		t.Run("revoked key", func(t *testing.T) {
			var keys struct{ Items []model.APIKey }
			e.do("account_admin", "GET", "/api/v1/api-keys", nil).json(t, &keys)
			var id string
			for _, k := range keys.Items {
				if k.Name == "HR of A" {
					id = k.ID
				}
			}
			if r := e.do("key_org_a", "GET", "/api/v1/organizations", nil); r.status != 200 {
				t.Fatalf("before revocation: %d", r.status)
			}
			if r := e.do("account_admin", "POST", "/api/v1/api-keys/"+id+"/revoke", nil); r.status != 200 {
				t.Fatalf("revoke: %d %s", r.status, r.body)
			}
			if r := e.do("key_org_a", "GET", "/api/v1/organizations", nil); r.status != 401 {
				t.Fatalf("after revocation: %d, want 401", r.status)
			}
		})
	})
}

// count is a fingerprint of how much is stored: organizations, employees and applications of the account.
func (e *env) count(t *testing.T) [3]int {
	t.Helper()
	var out [3]int
	for i, path := range []string{"/api/v1/organizations?limit=200", "/api/v1/employees?limit=200", "/api/v1/applications?limit=200"} {
		var page struct{ Items []json.RawMessage }
		r := e.do("key_account", "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("count %s: %d %s", path, r.status, r.body)
		}
		r.json(t, &page)
		out[i] = len(page.Items)
	}
	return out
}

func TestIdempotency(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		body := map[string]any{"employee_id": e.empA.ID, "kind": "individual"}
		first := e.do("key_account", "POST", "/api/v1/applications", body, "Idempotency-Key", "order-1")
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		again := e.do("key_account", "POST", "/api/v1/applications", body, "Idempotency-Key", "order-1")
		if again.status != 201 || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s (replayed=%q), want the first answer replayed", again.status, again.body, again.header.Get("Idempotent-Replayed"))
		}
		other := e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "head"},
			"Idempotency-Key", "order-1")
		if other.status != 409 || other.problem(t).Type != api.ProblemTypeBase+"conflict" {
			t.Fatalf("same key, other body: %d %s", other.status, other.body)
		}
		// A refused request stores no answer: once fixed, the same key works.
		bad := e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "gold"},
			"Idempotency-Key", "order-2")
		if bad.status != 422 {
			t.Fatalf("bad: %d", bad.status)
		}
		// Concurrent retries of one request create one application.
		var wg sync.WaitGroup
		results := make([]response, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empB.ID,
					"kind": "individual"}, "Idempotency-Key", "order-3")
			}()
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, r := range results {
			if r.status != 201 {
				t.Fatalf("concurrent: %d %s", r.status, r.body)
			}
			var a model.Application
			r.json(t, &a)
			ids[a.ID] = true
		}
		if len(ids) != 1 {
			t.Fatalf("concurrent retries created %d applications", len(ids))
		}
		var page struct{ Items []model.Application }
		e.do("key_account", "GET", "/api/v1/applications", nil).json(t, &page)
		if len(page.Items) != 2 {
			t.Fatalf("%d applications stored, want 2", len(page.Items))
		}
		// Keys are per caller: another caller's identical key is a different request.
		if r := e.do("account_admin", "POST", "/api/v1/applications", body, "Idempotency-Key", "order-1"); r.status != 201 ||
			r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("other caller: %d", r.status)
		}
	})
}

func TestApplicationStateMachine(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var a registration.ApplicationView
		r := e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"})
		r.json(t, &a)
		step := func(caller, action string, body any, status int) registration.ApplicationView {
			t.Helper()
			r := e.do(caller, "POST", "/api/v1/applications/"+a.ID+"/"+action, body)
			if r.status != status {
				t.Fatalf("%s by %s: %d %s, want %d", action, caller, r.status, r.body, status)
			}
			var v registration.ApplicationView
			if status == 200 {
				r.json(t, &v)
			}
			return v
		}
		// Approving a draft is illegal and names what is allowed.
		r = e.do("registrar", "POST", "/api/v1/applications/"+a.ID+"/approve", nil)
		p := r.problem(t)
		if r.status != 409 || p.Type != api.ProblemTypeBase+"illegal-transition" || strings.Join(p.AllowedActions, ",") != "submit,cancel" {
			t.Fatalf("approve a draft: %d %+v", r.status, p)
		}
		// An action without parameters may come with an empty body, even one labelled JSON (curl -X POST -H …).
		if r := e.do("org_admin", "POST", "/api/v1/applications/"+a.ID+"/submit", ""); r.status != 200 {
			t.Fatalf("submit with an empty JSON body: %d %s", r.status, r.body)
		}
		step("org_admin", "submit", nil, 200)
		step("registrar", "request-correction", map[string]any{}, 422) // a correction needs a note
		v := step("registrar", "request-correction", map[string]any{"note": "Серия паспорта не читается"}, 200)
		if v.State != model.StateCorrection || v.Note == "" {
			t.Fatalf("correction: %+v", v.Application)
		}
		step("employee", "submit", nil, 200)
		step("registrar", "approve", nil, 409) // not verified and no CSR yet
		step("org_admin", "verify-identity", map[string]any{"method": "in_person_workplace"}, 403)
		step("registrar", "verify-identity", map[string]any{"method": "by_phone"}, 422)
		v = step("registrar", "verify-identity", map[string]any{"method": "in_person_workplace"}, 200)
		if v.Verification == nil || v.Verification.Document != "passport_rf •••• ••••56" || v.Verification.VerifiedBy == "" {
			t.Fatalf("verification: %+v", v.Verification)
		}
		r = e.do("registrar", "POST", "/api/v1/applications/"+a.ID+"/csr", []byte("not a csr"), "Content-Type", "application/pkcs10")
		if r.status != 422 || r.problem(t).Errors[0].Field != "csr" {
			t.Fatalf("garbage CSR: %d %s", r.status, r.body)
		}
		for name, body := range map[string][]byte{"ECDSA request": ecdsaCSR(t), "tampered GOST request": tamperedCSR(t)} {
			r = e.do("registrar", "POST", "/api/v1/applications/"+a.ID+"/csr", body, "Content-Type", "application/pkcs10")
			if r.status != 422 || r.problem(t).Errors[0].Field != "csr" {
				t.Fatalf("%s: %d %s", name, r.status, r.body)
			}
		}
		r = e.do("registrar", "POST", "/api/v1/applications/"+a.ID+"/csr", []byte(testCSR(t)), "Content-Type", "application/x-pem-file")
		if r.status != 200 {
			t.Fatalf("CSR: %d %s", r.status, r.body)
		}
		v = step("registrar", "approve", nil, 200)
		if v.State != model.StateApproved || fmt.Sprint(v.AllowedActions) != "[cancel issue]" {
			t.Fatalf("approved: %s %v", v.State, v.AllowedActions)
		}
		// Without a CA the issue step is refused and the application stays approved.
		r = e.do("registrar", "POST", "/api/v1/applications/"+a.ID+"/issue", nil)
		if r.status != 503 || r.problem(t).Type != api.ProblemTypeBase+"unavailable" {
			t.Fatalf("issue without CA: %d %s", r.status, r.body)
		}
		r = e.do("key_account", "GET", "/api/v1/applications/"+a.ID, nil)
		r.json(t, &v)
		var actions []string
		for _, h := range v.History {
			actions = append(actions, h.Action+":"+string(h.To))
			if h.Actor == "" || h.At.IsZero() {
				t.Errorf("history step without actor or time: %+v", h)
			}
		}
		want := "create:draft,submit:documents,submit:identity_verification,request-correction:correction," +
			"submit:identity_verification,verify-identity:identity_verification,csr:identity_verification,approve:approved"
		if v.State != model.StateApproved || strings.Join(actions, ",") != want {
			t.Fatalf("history %s\nwant    %s", strings.Join(actions, ","), want)
		}
		// The end states allow nothing but what they list.
		step("org_admin", "cancel", nil, 200)
		r = e.do("org_admin", "POST", "/api/v1/applications/"+a.ID+"/submit", nil)
		if p := r.problem(t); r.status != 409 || len(p.AllowedActions) != 0 {
			t.Fatalf("submit a cancelled application: %d %+v", r.status, p)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	r := e.do("", "GET", "/api/openapi.json", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	r.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	// Every contract route the integrators build on is documented.
	for _, op := range []string{"get /api/v1/organizations", "post /api/v1/organizations", "get /api/v1/organizations/{id}",
		"get /api/v1/employees", "post /api/v1/employees", "get /api/v1/employees/{id}", "get /api/v1/applications",
		"post /api/v1/applications", "get /api/v1/applications/{id}", "post /api/v1/applications/{id}/submit",
		"post /api/v1/applications/{id}/verify-identity", "post /api/v1/applications/{id}/request-correction",
		"post /api/v1/applications/{id}/approve", "post /api/v1/applications/{id}/decline", "post /api/v1/applications/{id}/cancel",
		"post /api/v1/applications/{id}/csr", "get /api/v1/certificates", "get /api/v1/certificates/{serial}",
		"post /api/v1/certificates/{serial}/revoke", "post /api/v1/certificates/{serial}/reissue", "get /api/v1/events"} {
		method, path, _ := strings.Cut(op, " ")
		if doc.Paths[path][method] == nil {
			t.Errorf("%s is not documented", op)
		}
	}
	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if doc.Components.Schemas[name] == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	var raw any
	r.json(t, &raw)
	walk(raw)
	// The documented fields of an employee are exactly what the API returns.
	emp := doc.Components.Schemas["Employee"].(map[string]any)["properties"].(map[string]any)
	got := e.do("account_admin", "GET", "/api/v1/employees/"+e.empA.ID, nil)
	var fields map[string]any
	got.json(t, &fields)
	for k := range fields {
		if emp[k] == nil {
			t.Errorf("employee field %q is returned but not documented", k)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	if r := e.do("", "GET", "/healthz", nil); r.status != 200 || !strings.Contains(string(r.body), `"ok"`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	e.do("key_account", "GET", "/api/v1/organizations", nil)
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "Bearer " + e.tokens["key_account"]}} {
		if r := e.do("", "GET", "/metrics", nil, h...); r.status != 401 {
			t.Fatalf("metrics with %v: %d, want 401", h, r.status)
		}
	}
	r := e.do("", "GET", "/metrics", nil, "Authorization", "Bearer "+testMetricsToken)
	if r.status != 200 || !strings.Contains(string(r.body), `kcr_http_requests_total{code="200",route="GET /api/v1/organizations"} 1`) {
		t.Fatalf("metrics: %d\n%s", r.status, r.body)
	}
	// Without a token the API does not serve /metrics: MetricsHandler does, on an address of its own.
	bare := &api.Server{DB: e.db, Access: e.acc, Reg: e.reg, Clock: e.clk, Log: slog.New(slog.DiscardHandler)}
	h := bare.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 404 {
		t.Fatalf("metrics without a token configured: %d, want 404", rec.Code)
	}
	rec = httptest.NewRecorder()
	bare.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("metrics handler: %d", rec.Code)
	}
}

func TestSessionLoginLogout(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	r := e.do("", "POST", "/api/v1/auth/login", map[string]any{"login": "registrar", "password": "wrong password!"})
	if r.status != 401 {
		t.Fatalf("wrong password: %d", r.status)
	}
	r = e.do("", "POST", "/api/v1/auth/login", map[string]any{"login": "registrar", "password": testPassword})
	var lr api.LoginResponse
	r.json(t, &lr)
	if r.status != 200 || lr.Token == "" || !strings.Contains(r.header.Get("Set-Cookie"), api.SessionCookie+"=") ||
		!strings.Contains(r.header.Get("Set-Cookie"), "HttpOnly") {
		t.Fatalf("login: %d %s %q", r.status, r.body, r.header.Get("Set-Cookie"))
	}
	e.tokens["fresh"] = lr.Token
	var me api.Me
	e.do("fresh", "GET", "/api/v1/me", nil).json(t, &me)
	if me.Role != "registrar" || len(me.OrganizationIDs) != 1 || me.OrganizationIDs[0] != e.orgA.ID {
		t.Fatalf("me: %+v", me)
	}
	// A cross-site browser request with the cookie is refused.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: lr.Token})
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site logout: %d", resp.StatusCode)
	}
	if r := e.do("fresh", "POST", "/api/v1/auth/logout", nil); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := e.do("fresh", "GET", "/api/v1/me", nil); r.status != 401 {
		t.Fatalf("after logout: %d", r.status)
	}
	// Password change: the old password stops working.
	if r := e.do("manager", "POST", "/api/v1/me/password", map[string]any{"current_password": "nope", "new_password": "a much longer one"}); r.status != 422 {
		t.Fatalf("wrong current password: %d", r.status)
	}
	if r := e.do("manager", "POST", "/api/v1/me/password", map[string]any{"current_password": testPassword, "new_password": "short"}); r.status != 422 {
		t.Fatalf("short new password: %d", r.status)
	}
	if r := e.do("manager", "POST", "/api/v1/me/password", map[string]any{"current_password": testPassword, "new_password": "a much longer one"}); r.status != 204 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if r := e.do("", "POST", "/api/v1/auth/login", map[string]any{"login": "manager", "password": testPassword}); r.status != 401 {
		t.Fatalf("old password still works: %d", r.status)
	}
}
