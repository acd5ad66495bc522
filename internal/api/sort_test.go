package api_test

import (
	"encoding/base64"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
)

// TestSortedLists pages through the employee and application lists in a chosen order, two rows a page, and
// checks the order, that every row comes once, and that the scope still holds.
func TestSortedLists(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		surnames := []string{"Яшин", "Абрамов", "Мельникова", "Борисов", "Абрамов"}
		rnd := rand.New(rand.NewPCG(7, 7))
		for _, s := range surnames {
			r := e.do("account_admin", "POST", "/api/v1/employees", employeeInput(e.orgA.ID, s, requisites.GenerateSNILS(rnd)))
			if r.status != 201 {
				t.Fatalf("create employee %s: %d %s", s, r.status, r.body)
			}
			var emp model.Employee
			r.json(t, &emp)
			if r := e.do("account_admin", "POST", "/api/v1/applications", map[string]any{"employee_id": emp.ID,
				"kind": "individual"}); r.status != 201 {
				t.Fatalf("create application: %d %s", r.status, r.body)
			}
		}
		walk := func(t *testing.T, caller, path string, field func(map[string]any) string) []string {
			t.Helper()
			var out, ids []string
			cursor := ""
			for range 50 {
				u := path + "&limit=2"
				if cursor != "" {
					u += "&cursor=" + url.QueryEscape(cursor)
				}
				r := e.do(caller, "GET", u, nil)
				if r.status != 200 {
					t.Fatalf("GET %s: %d %s", u, r.status, r.body)
				}
				var page struct {
					Items      []map[string]any `json:"items"`
					NextCursor string           `json:"next_cursor"`
				}
				r.json(t, &page)
				for _, it := range page.Items {
					out = append(out, field(it))
					id, _ := it["id"].(string)
					if slices.Contains(ids, id) {
						t.Fatalf("%s came twice", id)
					}
					ids = append(ids, id)
				}
				if cursor = page.NextCursor; cursor == "" {
					return out
				}
			}
			t.Fatal("paging does not end")
			return nil
		}
		surname := func(m map[string]any) string { return m["surname"].(string) }
		employee := func(m map[string]any) string { return strings.Fields(m["employee_name"].(string))[0] }
		for _, c := range []struct {
			name, caller, path string
			field              func(map[string]any) string
			want               []string
		}{
			{"employees by name", "account_admin", "/api/v1/employees?sort=name", surname,
				[]string{"Абрамов", "Абрамов", "Борисов", "Иванов", "Мельникова", "Секретов", "Яшин"}},
			{"employees by name, descending", "account_admin", "/api/v1/employees?sort=-name", surname,
				[]string{"Яшин", "Секретов", "Мельникова", "Иванов", "Борисов", "Абрамов", "Абрамов"}},
			{"employees of organization A by name, for its administrator", "org_admin", "/api/v1/employees?sort=name", surname,
				[]string{"Абрамов", "Абрамов", "Борисов", "Иванов", "Мельникова", "Яшин"}},
			{"applications by employee", "account_admin", "/api/v1/applications?sort=employee", employee,
				[]string{"Абрамов", "Абрамов", "Борисов", "Мельникова", "Яшин"}},
			{"applications by employee, filtered by a name prefix", "account_admin", "/api/v1/applications?sort=-employee&employee_name=%D0%B0%D0%B1", employee,
				[]string{"Абрамов", "Абрамов"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := walk(t, c.caller, c.path, c.field); !slices.Equal(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
		t.Run("tampered cursors are a 422 or a page, never a 500", func(t *testing.T) {
			cursor := func(key string) string { return base64.RawURLEncoding.EncodeToString([]byte("k1:" + key)) }
			for _, c := range []struct {
				name, path string
				want       int
			}{
				{"a rank beyond 32 bits", "/api/v1/applications?sort=state&cursor=" + cursor(`["state",99999999999,"x"]`), 200},
				{"a status rank beyond 32 bits", "/api/v1/certificates?sort=status&cursor=" + cursor(`["status",3000000000,1,"x"]`), 200},
				{"NUL in a sort value", "/api/v1/applications?sort=organization&cursor=" + cursor(`["organization","\u0000a","x"]`), 422},
				{"NUL in the key", "/api/v1/employees?sort=created&cursor=" + cursor(`["created",1,"\u0000"]`), 422},
				{"trailing text", "/api/v1/employees?sort=name&cursor=" + cursor(`["name","a","x"] tail`), 422},
				{"a bare NUL key", "/api/v1/applications?cursor=" + cursor("\x00"), 422},
				{"a bare key that is not UTF-8", "/api/v1/certificates?cursor=" + cursor("\xff\xfe"), 422},
				{"a fractional value", "/api/v1/applications?sort=created&cursor=" + cursor(`["created",1.5,"x"]`), 422},
			} {
				t.Run(c.name, func(t *testing.T) {
					r := e.do("account_admin", "GET", c.path, nil)
					if r.status != c.want {
						t.Fatalf("%d %s, want %d", r.status, r.body, c.want)
					}
					if c.want == 422 {
						if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
							t.Errorf("problem %+v, want one error on cursor", p)
						}
					}
				})
			}
		})
		t.Run("a cursor of another order is a 422 naming the cursor", func(t *testing.T) {
			r := e.do("account_admin", "GET", "/api/v1/employees?sort=name&limit=2", nil)
			var page struct {
				NextCursor string `json:"next_cursor"`
			}
			r.json(t, &page)
			if page.NextCursor == "" {
				t.Fatalf("no next cursor: %s", r.body)
			}
			for _, q := range []string{"sort=-name", "sort=position", ""} {
				r := e.do("account_admin", "GET", "/api/v1/employees?"+q+"&cursor="+url.QueryEscape(page.NextCursor), nil)
				if p := r.problem(t); r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
					t.Errorf("%q with a name cursor: %d %s", q, r.status, r.body)
				}
			}
		})
	})
}
