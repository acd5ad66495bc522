package edge_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/errs"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	big := `{"a":"` + strings.Repeat("x", edge.MaxCheckedBody) + "\x00" + `"}`
	for _, tc := range []struct {
		name, target, ctype, body string
		field                     string // "" when the request passes
	}{
		{"clean", "/api/v1/organizations?inn=7707083893", "application/json", `{"name":"ООО «Ромашка»","ids":["a"]}`, ""},
		{"NUL in the path", "/api/v1/organizations/a%00b", "", "", "path"},
		{"invalid UTF-8 in the path", "/ui/employees/%FF", "", "", "path"},
		{"NUL in a query value", "/api/v1/applications?employee_name=a%00b", "", "", "employee_name"},
		{"invalid UTF-8 in a query name", "/api/v1/applications?a%FF=1", "", "", "query"},
		{"escaped NUL in a nested JSON string", "/", "application/json", `{"document":{"type":"x","number":"1\u0000"}}`, "document.number"},
		{"invalid UTF-8 in an array element", "/", "application/json; charset=utf-8", "{\"organization_ids\":[\"a\",\"b\xff\"]}", "organization_ids[1]"},
		{"invalid UTF-8 in a key", "/", "application/json", "{\"na\xffme\":\"x\"}", "na\ufffdme"},
		{"raw NUL breaking the JSON", "/", "application/json", "{\"login\":\"a\x00\",\"password\":\"p\"}", "login"},
		{"invalid UTF-8 in a bare string", "/", "application/json", "\"\xff\"", "body"},
		{"malformed JSON is the handler's", "/", "application/json", `{"a":`, ""},
		{"NUL in a form field", "/login", "application/x-www-form-urlencoded", "login=a%00&password=x", "login"},
		{"a binary body is the handler's", "/ocsp", "application/ocsp-request", "\x30\x00\xff", ""},
		{"a body over the limit is the handler's", "/", "application/json", big, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			err := edge.Check(r)
			field := ""
			if err != nil {
				e, ok := err.(*errs.Error)
				if !ok || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Rule != edge.RuleEncoding {
					t.Fatalf("not an encoding refusal: %v", err)
				}
				field = e.Fields[0].Field
			}
			if field != tc.field {
				t.Fatalf("field %q, want %q (%v)", field, tc.field, err)
			}
			// The handler reads the whole body, as it was sent.
			if got, _ := io.ReadAll(r.Body); string(got) != tc.body {
				t.Fatalf("the body changed: %d bytes, want %d", len(got), len(tc.body))
			}
		})
	}
}
