package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/kcr-project/kcr/internal/model"
)

// TestOpenAPIValidates checks the document against the OpenAPI 3.1 schema with an independent validator,
// checks that every closed set is an enum drawn from its Go list, and validates real answers against it.
func TestOpenAPIValidates(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	r := e.do("", "GET", "/api/openapi.json", nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	doc, err := libopenapi.NewDocument(r.body)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, problems := v.ValidateDocument(); !ok {
		for _, p := range problems {
			t.Errorf("the document breaks the OpenAPI 3.1 schema: %s: %s", p.Message, p.Reason)
			for _, se := range p.SchemaValidationErrors {
				t.Errorf("  at %s: %s", se.FieldPath+" "+se.KeywordLocation, se.Reason)
			}
		}
	}

	var parsed struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	r.json(t, &parsed)
	enumOf := func(schema map[string]any) []string {
		if items, ok := schema["items"].(map[string]any); ok {
			schema = items
		}
		var out []string
		for _, v := range schema["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	fields := []struct {
		schema, field string
		want          model.Enum
	}{
		{"Organization", "kind", model.OrgKind("")},
		{"Organization", "sector", model.Sector("")},
		{"Employee", "document", nil}, // a $ref: checked through IdentityDocument below
		{"IdentityDocument", "type", model.DocumentType("")},
		{"Application", "kind", model.CertKind("")},
		{"Application", "state", model.State("")},
		{"Application", "authority", model.Authority("")},
		{"Application", "billing_position", model.BillingPosition("")},
		{"Certificate", "status", model.CertStatus("")},
		{"Certificate", "revocation_reason", model.RevocationReason("")},
		{"RevokeInput", "reason", model.RevocationReason("")},
		{"Verification", "method", model.VerificationMethod("")},
		{"Tariff", "position", model.BillingPosition("")},
		{"BillingLine", "position", model.BillingPosition("")},
		{"BillingLine", "event", model.BillingEvent("")},
		{"Agreement", "kind", model.AgreementKind("")},
		{"InvoiceSettings", "mode", model.InvoiceMode("")},
		{"User", "role", model.Role("")},
	}
	for _, f := range fields {
		if f.want == nil {
			continue
		}
		t.Run(f.schema+"."+f.field, func(t *testing.T) {
			s, ok := parsed.Components.Schemas[f.schema]
			if !ok {
				t.Fatalf("no schema %s", f.schema)
			}
			prop, ok := s.Properties[f.field]
			if !ok {
				t.Fatalf("%s has no property %s", f.schema, f.field)
			}
			if _, ok := prop["enum"]; !ok {
				t.Fatalf("%s.%s has no enum: %v", f.schema, f.field, prop)
			}
			if got := enumOf(prop); !slices.Equal(got, f.want.EnumValues()) {
				t.Fatalf("%s.%s enum %v, the Go list is %v", f.schema, f.field, got, f.want.EnumValues())
			}
		})
	}
	// The allowed actions and the list filters are enums too.
	view := parsed.Components.Schemas["ApplicationView"].Properties["allowed_actions"]
	if got := enumOf(view); len(got) != 7 || !slices.Contains(got, "verify-identity") {
		t.Errorf("ApplicationView.allowed_actions enum %v", got)
	}
	params := parsed.Paths["/api/v1/applications"]["get"]["parameters"].([]any)
	found := map[string]bool{}
	for _, p := range params {
		p := p.(map[string]any)
		if name := p["name"].(string); name == "state" || name == "kind" || name == "sort" {
			if _, ok := p["schema"].(map[string]any)["enum"]; ok {
				found[name] = true
			}
		}
	}
	if !found["state"] || !found["kind"] || !found["sort"] {
		t.Errorf("the applications list's state, kind and sort filters are not all enums: %v", found)
	}

	// Real answers, good and refused, conform to the document.
	check := func(caller, method, path string, body any) []byte {
		t.Helper()
		var rd io.Reader
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, e.srv.URL+path, rd)
		must(t, err)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+e.tokens[caller])
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		must(t, err)
		resp.Body = io.NopCloser(bytes.NewReader(got))
		vreq, _ := http.NewRequest(method, "http://localhost"+path, bytes.NewReader(raw))
		if body != nil {
			vreq.Header.Set("Content-Type", "application/json")
		}
		if ok, problems := v.ValidateHttpResponse(vreq, resp); !ok {
			for _, p := range problems {
				t.Errorf("%s %s → %d does not conform: %s: %s", method, path, resp.StatusCode, p.Message, p.Reason)
				for _, se := range p.SchemaValidationErrors {
					t.Errorf("  at %s: %s", se.FieldPath+" "+se.KeywordLocation, se.Reason)
				}
			}
		}
		return got
	}
	check("key_account", "GET", "/api/v1/organizations", nil)
	check("key_account", "GET", "/api/v1/employees/"+e.empA.ID, nil)
	created := check("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"})
	var app struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(created, &app); err != nil || app.ID == "" {
		t.Fatalf("create: %s", created)
	}
	check("key_account", "POST", "/api/v1/applications/"+app.ID+"/submit", nil)
	check("key_account", "GET", "/api/v1/applications/"+app.ID, nil)
	check("key_account", "GET", "/api/v1/applications?state=documents", nil)
	check("key_account", "POST", "/api/v1/applications/"+app.ID+"/approve", nil) // 409 with allowed_actions
	check("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "nonsense"})
	check("accountant", "GET", "/api/v1/tariffs", nil)
	if !strings.Contains(string(check("key_account", "GET", "/api/v1/certificates", nil)), "items") {
		t.Error("the certificate list has no items")
	}
}
