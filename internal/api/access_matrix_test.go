package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// TestAccessMatrix sends every API route as every caller against an object of organization A ("own"), of
// organization B ("foreign") and, where it matters, of another employee of A ("colleague") or of another
// client account ("other_account"), and compares the status with the product's access policy written out below by hand. It
// also checks that no answer shows a caller what it may not see (B's data to callers scoped to A, other
// people's records to the employee, identity documents to the accountant and the CA operator, another
// client account to anyone but the operator), that lists hold exactly what the caller's scope holds, and
// that a refused request changed nothing.
//
// The expected statuses are the policy, not access.PermissionsOf: deriving them from the matrix under test
// would test nothing.
func TestAccessMatrix(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		m := newAccessFixture(t, e)
		t.Run("every route is in the table", func(t *testing.T) { m.checkCoverage(t) })
		// Lists go last, when every other case has added its objects to compare them with.
		ordered := slices.Clone(matrixRoutes)
		slices.SortStableFunc(ordered, func(a, b matrixRoute) int { return listsLast(a.list != "", b.list != "") })
		for _, rt := range ordered {
			for _, caller := range callers {
				statuses := rt.statuses(t, caller)
				for i, target := range rt.targets {
					want := statuses[i]
					t.Run(rt.method+" "+rt.path+"/"+caller+"/"+target, func(t *testing.T) {
						m.run(t, rt, caller, target, want)
					})
				}
			}
		}
		// Signing out ends the session, so it goes last.
		for _, caller := range callers {
			t.Run("POST /api/v1/auth/logout/"+caller+"/own", func(t *testing.T) {
				want := 204
				if strings.HasPrefix(caller, "key_") {
					want = 409 // an API key has no session to end
				}
				r := e.do(caller, "POST", "/api/v1/auth/logout", nil)
				if r.status != want {
					t.Fatalf("status %d, want %d: %s", r.status, want, shortBody(r.body))
				}
				m.checkBody(t, caller, "/api/v1/auth/logout", r)
				after := e.do(caller, "GET", "/api/v1/me", nil)
				if want == 204 && after.status != 401 {
					t.Errorf("after logout GET /me answers %d, want 401", after.status)
				}
				if want == 409 && after.status != 200 {
					t.Errorf("an API key stopped working after a refused logout: %d", after.status)
				}
			})
		}
	})
}

func listsLast(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

var (
	mxOwn    = []string{"own"}
	mxOrg    = []string{"own", "foreign"}
	mxPerson = []string{"own", "foreign", "colleague"}
	// With an object of the second client account: only the operator may ever reach it.
	mxAcct    = []string{"own", "other_account"}
	mxOrgX    = []string{"own", "foreign", "other_account"}
	mxPersonX = []string{"own", "foreign", "colleague", "other_account"}
)

// matrixRoute is one route of the matrix: the expected status for every caller and target, and how to build
// the request for a target.
type matrixRoute struct {
	method, path string
	targets      []string
	// want maps every caller to its expected statuses, one per target, separated by spaces.
	want map[string]string
	req  func(m *accessFixture, t *testing.T, caller, target string) matrixReq
	// list names the register a list route answers from ("" for other routes); its content is checked.
	list string
}

// matrixReq is one request: the path with its query, the body, extra headers, and a snapshot of the target's
// state, compared before and after a refused request.
type matrixReq struct {
	path   string
	body   any
	header []string
	snap   func() string
}

func (rt matrixRoute) statuses(t *testing.T, caller string) []string {
	t.Helper()
	s, ok := rt.want[caller]
	if !ok {
		t.Fatalf("%s %s: no expectation for caller %s", rt.method, rt.path, caller)
	}
	f := strings.Fields(s)
	if len(f) != len(rt.targets) {
		t.Fatalf("%s %s: caller %s has %d statuses for %d targets", rt.method, rt.path, caller, len(f), len(rt.targets))
	}
	return f
}

// The policy, route by route. Targets: own (an object of A, of empA where a person is concerned), foreign
// (of B, of empB), colleague (of another employee of A), other_account (of the second client account);
// for lists, own is the whole list and foreign the list filtered to B; for creations, the target is what the
// new object is created in or for. A caller without the permission gets 403 whatever the target; a caller
// with it but without the object in scope gets 404 (422 when the object is named in the body, the same
// answer as for a missing one).
var matrixRoutes = []matrixRoute{
	{method: "GET", path: "/api/v1/me", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "200", "registrar": "200", "accountant": "200",
		"manager": "200", "employee": "200", "key_account": "200", "key_org_a": "200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/me"}
		}},

	{method: "GET", path: "/api/v1/accounts", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts"}
		},
		list: "accounts"},
	{method: "POST", path: "/api/v1/accounts", targets: mxOwn, want: map[string]string{
		"operator": "201", "account_admin": "403", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts", body: map[string]any{"name": "Клиент " + m.unique()}}
		}},

	{method: "GET", path: "/api/v1/users", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/users"}
		},
		list: "users"},
	// other_account: a user of this account assigned to an organization of another one.
	{method: "POST", path: "/api/v1/users", targets: mxOrgX, want: map[string]string{
		"operator": "201 201 422", "account_admin": "201 201 422", "org_admin": "403 403 403", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "403 403 403",
		"key_org_a": "403 403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			body := map[string]any{"login": "mx." + m.unique(), "full_name": "Руководитель " + target, "role": "manager",
				"password": testPassword, "organization_ids": []string{m.orgOf(target)}}
			if caller == "operator" {
				body["account_id"] = m.acct
			}
			return matrixReq{path: "/api/v1/users", body: body}
		}},

	// Managing a user: own is a fresh manager of this account, other_account one of the second account. The
	// CA operator may take access away anywhere but never grant a client's personal data (a registrar) nor
	// reset a client's non-administrator password.
	{method: "GET", path: "/api/v1/users/{id}", targets: mxAcct, want: mxUserWant("200 200", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/users/" + m.user(t, target)}
		}},
	{method: "PUT", path: "/api/v1/users/{id}", targets: mxAcct, want: mxUserWant("422 422", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.user(t, target)
			return matrixReq{path: "/api/v1/users/" + id, body: map[string]any{"role": "registrar",
				"organization_ids": []string{m.orgOf(target)}}, snap: m.snapUser(t, id)}
		}},
	{method: "POST", path: "/api/v1/users/{id}/disable", targets: mxAcct, want: mxUserWant("200 200", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.user(t, target)
			return matrixReq{path: "/api/v1/users/" + id + "/disable", snap: m.snapUser(t, id)}
		}},
	{method: "POST", path: "/api/v1/users/{id}/enable", targets: mxAcct, want: mxUserWant("200 200", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.user(t, target)
			must(t, m.e.db.SetUserDisabled(m.ctx, id, true))
			return matrixReq{path: "/api/v1/users/" + id + "/enable", snap: m.snapUser(t, id)}
		}},
	{method: "POST", path: "/api/v1/users/{id}/reset-password", targets: mxAcct, want: mxUserWant("403 403", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.user(t, target)
			return matrixReq{path: "/api/v1/users/" + id + "/reset-password", snap: m.snapUser(t, id)}
		}},
	{method: "POST", path: "/api/v1/users/{id}/end-sessions", targets: mxAcct, want: mxUserWant("200 200", "200 404"),
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.user(t, target)
			return matrixReq{path: "/api/v1/users/" + id + "/end-sessions", snap: m.snapUser(t, id)}
		}},

	{method: "GET", path: "/api/v1/api-keys", targets: mxOwn, want: map[string]string{
		"operator": "403", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/api-keys"}
		},
		list: "api-keys"},
	{method: "POST", path: "/api/v1/api-keys", targets: mxOrgX, want: map[string]string{
		"operator": "403 403 403", "account_admin": "201 201 422", "org_admin": "403 403 403", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "403 403 403",
		"key_org_a": "403 403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/api-keys", body: map[string]any{"name": "ключ " + m.unique(),
				"organization_ids": []string{m.orgOf(target)}}}
		}},
	{method: "POST", path: "/api/v1/api-keys/{id}/revoke", targets: mxOrgX, want: map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 404", "org_admin": "403 403 403", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "403 403 403",
		"key_org_a": "403 403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id, account := m.apiKey(t, target)
			return matrixReq{path: "/api/v1/api-keys/" + id + "/revoke", snap: func() string {
				k, err := m.e.db.APIKey(m.ctx, account, id)
				must(t, err)
				return fmt.Sprint("revoked: ", k.RevokedAt != nil)
			}}
		}},

	{method: "GET", path: "/api/v1/organizations", targets: mxOrg, want: map[string]string{
		"operator": "200 200", "account_admin": "200 200", "org_admin": "200 200", "registrar": "200 200",
		"accountant": "200 200", "manager": "200 200", "employee": "200 200", "key_account": "200 200", "key_org_a": "200 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			if target == "foreign" {
				return matrixReq{path: "/api/v1/organizations?limit=200&ogrn=" + m.orgInB.OGRN}
			}
			return matrixReq{path: "/api/v1/organizations?limit=200"}
		}, list: "organizations"},
	{method: "POST", path: "/api/v1/organizations", targets: mxOrg, want: map[string]string{
		"operator": "201 201", "account_admin": "201 201", "org_admin": "403 403", "registrar": "403 403",
		"accountant": "403 403", "manager": "403 403", "employee": "403 403", "key_account": "201 201", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			// A branch of the target organization, so that "foreign" means creating something under B.
			parent := m.orgInputOf(target)
			m.n++
			body := map[string]any{"kind": "branch", "parent_id": m.orgOf(target), "name": "Филиал " + parent.Name + " №" + strconv.Itoa(m.n),
				"inn": parent.INN, "kpp": fmt.Sprintf("773602%03d", m.n), "address": "Тверь", "region": "69"}
			if caller == "operator" {
				body["account_id"] = m.acct
			}
			return matrixReq{path: "/api/v1/organizations", body: body}
		}},
	{method: "GET", path: "/api/v1/organizations/{id}", targets: mxOrgX, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 404", "org_admin": "200 404 404", "registrar": "200 404 404",
		"accountant": "200 200 404", "manager": "200 404 404", "employee": "200 404 404", "key_account": "200 200 404",
		"key_org_a": "200 404 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/organizations/" + m.orgOf(target)}
		}},
	// The operator's policy grants reading organizations and creating them, not changing a client's data.
	{method: "PUT", path: "/api/v1/organizations/{id}", targets: mxOrgX, want: map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 404", "org_admin": "200 404 404", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 404",
		"key_org_a": "200 404 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			in := m.orgInputOf(target)
			in.Address = "Москва, адрес от " + caller + " (" + target + ")"
			id := m.orgOf(target)
			return matrixReq{path: "/api/v1/organizations/" + id, body: in, snap: m.snapStored(t, "organization", id)}
		}},

	{method: "GET", path: "/api/v1/employees", targets: mxOrg, want: map[string]string{
		"operator": "403 403", "account_admin": "200 200", "org_admin": "200 200", "registrar": "200 200",
		"accountant": "403 403", "manager": "403 403", "employee": "200 200", "key_account": "200 200", "key_org_a": "200 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			if target == "foreign" {
				return matrixReq{path: "/api/v1/employees?limit=200&organization_id=" + m.e.orgB.ID}
			}
			return matrixReq{path: "/api/v1/employees?limit=200"}
		}, list: "employees"},
	{method: "POST", path: "/api/v1/employees", targets: mxOrg, want: map[string]string{
		"operator": "403 403", "account_admin": "201 201", "org_admin": "201 422", "registrar": "201 422",
		"accountant": "403 403", "manager": "403 403", "employee": "403 403", "key_account": "201 201", "key_org_a": "201 422"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			surname := "Новиков" // a new person of A
			if target == "foreign" {
				surname = "Секретовский" // a new person of B: carries B's marker
			}
			return matrixReq{path: "/api/v1/employees", body: employeeInput(m.orgOf(target), surname, m.newSNILS())}
		}},
	{method: "GET", path: "/api/v1/employees/{id}", targets: mxPersonX, want: map[string]string{
		"operator": "403 403 403 403", "account_admin": "200 200 200 404", "org_admin": "200 404 200 404",
		"registrar": "200 404 200 404", "accountant": "403 403 403 403", "manager": "403 403 403 403",
		"employee": "200 404 404 404", "key_account": "200 200 200 404", "key_org_a": "200 404 200 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/employees/" + m.empOf(target)}
		}},
	// move_to_foreign: a fresh employee of A moved to B, which needs B in scope too.
	{method: "PUT", path: "/api/v1/employees/{id}", targets: append(slices.Clone(mxPersonX), "move_to_foreign"), want: map[string]string{
		"operator": "403 403 403 403 403", "account_admin": "200 200 200 404 200", "org_admin": "200 404 200 404 422",
		"registrar": "200 404 200 404 422", "accountant": "403 403 403 403 403", "manager": "403 403 403 403 403",
		"employee": "403 403 403 403 403", "key_account": "200 200 200 404 200", "key_org_a": "200 404 200 404 422"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			if target == "move_to_foreign" {
				in := employeeInput(m.e.orgA.ID, "Переводов", m.newSNILS())
				emp, err := m.e.reg.CreateEmployee(m.ctx, m.e.admin, in)
				must(t, err)
				in.OrganizationID = m.e.orgB.ID
				return matrixReq{path: "/api/v1/employees/" + emp.ID, body: in, snap: m.snapStored(t, "employee", emp.ID)}
			}
			in := m.empInputOf(target)
			in.Position = "должность от " + caller
			id := m.empOf(target)
			return matrixReq{path: "/api/v1/employees/" + id, body: in, snap: m.snapStored(t, "employee", id)}
		}},

	// The head of a legal entity: written by the operator and the organization's administrators, read by those who
	// read employees' personal data there (never the operator, who sees no personal data).
	{method: "GET", path: "/api/v1/organizations/{id}/head", targets: mxOrgX, want: map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 404", "org_admin": "200 404 404", "registrar": "200 404 404",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 404",
		"key_org_a": "200 404 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.orgOf(target)
			_, err := m.e.reg.SetHead(m.ctx, &access.Principal{Actor: "system:test", Role: model.RoleOperator}, id, matrixHead())
			must(t, err)
			return matrixReq{path: "/api/v1/organizations/" + id + "/head"}
		}},
	{method: "PUT", path: "/api/v1/organizations/{id}/head", targets: mxOrgX, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 404", "org_admin": "200 404 404", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 404",
		"key_org_a": "200 404 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.orgOf(target)
			in := matrixHead()
			in.Position = "Генеральный директор (" + caller + ")"
			return matrixReq{path: "/api/v1/organizations/" + id + "/head", body: in, snap: func() string {
				h, err := m.e.db.OrganizationHead(m.ctx, storage.Scope{}, id)
				if storage.IsNoRows(err) {
					return "none"
				}
				must(t, err)
				b, err := json.Marshal(h)
				must(t, err)
				return string(b)
			}}
		}},
	// Each request dismisses a fresh employee of the target's organization: a dismissal cannot be repeated.
	{method: "POST", path: "/api/v1/employees/{id}/dismiss", targets: mxPersonX, want: map[string]string{
		"operator": "403 403 403 403", "account_admin": "200 200 200 404", "org_admin": "200 404 200 404",
		"registrar": "403 403 403 403", "accountant": "403 403 403 403", "manager": "403 403 403 403",
		"employee": "403 403 403 403", "key_account": "200 200 200 404", "key_org_a": "200 404 200 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			org, who := m.e.orgA.ID, m.e.admin
			switch target {
			case "foreign":
				org = m.e.orgB.ID
			case "other_account":
				org, who = m.otherOrg.ID, m.otherAdmin
			}
			emp, err := m.e.reg.CreateEmployee(m.ctx, who, employeeInput(org, "Уходящий", m.newSNILS()))
			must(t, err)
			if target == "other_account" {
				m.otherAccountData = append(m.otherAccountData, emp.ID)
			}
			return matrixReq{path: "/api/v1/employees/" + emp.ID + "/dismiss",
				body: registration.DismissInput{Reason: "по собственному желанию", Date: "2026-11-20"},
				snap: m.snapStored(t, "employee", emp.ID)}
		}},

	{method: "GET", path: "/api/v1/applications", targets: mxOrg, want: map[string]string{
		"operator": "200 200", "account_admin": "200 200", "org_admin": "200 200", "registrar": "200 200",
		"accountant": "403 403", "manager": "200 200", "employee": "200 200", "key_account": "200 200", "key_org_a": "200 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			if target == "foreign" {
				return matrixReq{path: "/api/v1/applications?limit=200&organization_id=" + m.e.orgB.ID}
			}
			return matrixReq{path: "/api/v1/applications?limit=200"}
		}, list: "applications"},
	{method: "POST", path: "/api/v1/applications", targets: mxPerson, want: map[string]string{
		"operator": "403 403 403", "account_admin": "201 201 201", "org_admin": "201 422 201", "registrar": "201 422 201",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "201 201 201",
		"key_org_a": "201 422 201"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/applications", body: map[string]any{"employee_id": m.empOf(target), "kind": "individual"}}
		}},
	{method: "GET", path: "/api/v1/applications/{id}", targets: mxPerson, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "200 404 200", "employee": "200 404 404", "key_account": "200 200 200",
		"key_org_a": "200 404 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/applications/" + m.fixedApp[target]}
		}},
	{method: "POST", path: "/api/v1/applications/{id}/csr", targets: mxPerson, want: map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "200 404 404", "key_account": "200 200 200",
		"key_org_a": "200 404 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.app(t, target, "draft")
			return matrixReq{path: "/api/v1/applications/" + id + "/csr", body: []byte(m.csr),
				header: []string{"Content-Type", "application/x-pem-file"}, snap: m.snapAPI(t, "/api/v1/applications/"+id)}
		}},

	{method: "GET", path: "/api/v1/certificates", targets: mxOrg, want: map[string]string{
		"operator": "200 200", "account_admin": "200 200", "org_admin": "200 200", "registrar": "200 200",
		"accountant": "403 403", "manager": "200 200", "employee": "200 200", "key_account": "200 200", "key_org_a": "200 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			if target == "foreign" {
				return matrixReq{path: "/api/v1/certificates?limit=200&organization_id=" + m.e.orgB.ID}
			}
			return matrixReq{path: "/api/v1/certificates?limit=200"}
		}, list: "certificates"},
	{method: "GET", path: "/api/v1/certificates/{serial}", targets: mxPerson, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "200 404 200", "employee": "200 404 404", "key_account": "200 200 200",
		"key_org_a": "200 404 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/certificates/" + m.fixedCert[target]}
		}},
	// The CA operator revokes on the CA's own grounds (a court order, a compromised key reported to the CA).
	{method: "POST", path: "/api/v1/certificates/{serial}/revoke", targets: mxPerson, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 200",
		"key_org_a": "200 404 200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			serial := m.cert(t, target)
			return matrixReq{path: "/api/v1/certificates/" + serial + "/revoke", body: map[string]any{"reason": "superseded"},
				snap: m.snapAPI(t, "/api/v1/certificates/"+serial)}
		}},
	{method: "POST", path: "/api/v1/certificates/{serial}/reissue", targets: mxPerson, want: map[string]string{
		"operator": "403 403 403", "account_admin": "201 201 201", "org_admin": "201 404 201", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "201 201 201",
		"key_org_a": "201 404 201"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			serial := m.fixedCert[target]
			return matrixReq{path: "/api/v1/certificates/" + serial + "/reissue", snap: m.snapAPI(t, "/api/v1/certificates/"+serial)}
		}},

	{method: "POST", path: "/api/v1/renewal-waves", targets: mxOrg, want: map[string]string{
		"operator": "403 403", "account_admin": "200 200", "org_admin": "200 422", "registrar": "403 403",
		"accountant": "403 403", "manager": "403 403", "employee": "403 403", "key_account": "200 200",
		"key_org_a": "200 422"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/renewal-waves", body: map[string]any{"organization_ids": []string{m.orgOf(target)},
				"expires_before": "2030-01-01"}}
		}},
	{method: "GET", path: "/api/v1/organizations/{id}/allowed-kinds", targets: mxOrgX, want: map[string]string{
		"operator": "200 200 200", "account_admin": "200 200 404", "org_admin": "200 404 404", "registrar": "200 404 404",
		"accountant": "200 200 404", "manager": "200 404 404", "employee": "200 404 404", "key_account": "200 200 404",
		"key_org_a": "200 404 404"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/organizations/" + m.orgOf(target) + "/allowed-kinds"}
		}},
	// Service centers are public reference data for every signed-in caller; only the CA operator adds them.
	{method: "GET", path: "/api/v1/service-centers", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "200", "registrar": "200", "accountant": "200",
		"manager": "200", "employee": "200", "key_account": "200", "key_org_a": "200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/service-centers"}
		}},
	{method: "POST", path: "/api/v1/service-centers", targets: mxOwn, want: map[string]string{
		"operator": "201", "account_admin": "403", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/service-centers", body: map[string]any{"name": "Центр " + m.unique(),
				"address": "Москва, ул. Тверская, 1", "region": "г. Москва", "hours": "пн–пт 9–18"}}
		}},

	// Billing: the accountant's and the administrator's, tariffs and agreements managed by the CA operator.
	{method: "GET", path: "/api/v1/tariffs", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "200",
		"manager": "200", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/tariffs"}
		}},
	{method: "POST", path: "/api/v1/tariffs", targets: mxOwn, want: map[string]string{
		"operator": "201", "account_admin": "403", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/tariffs", body: map[string]any{"position": "head_identification", "price_kopecks": 160000,
				"valid_from": "2031-01-01"}}
		}},
	{method: "POST", path: "/api/v1/tariffs/migrate", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "403", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/tariffs/migrate", body: map[string]any{"from_position": "legal_entity_employee_certificate",
				"to_position": "individual_certificate", "from_date": "2035-01-01"}}
		}},
	{method: "GET", path: "/api/v1/accounts/{id}/agreements", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "200 404",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts/" + m.acctOf(target) + "/agreements"}
		}},
	{method: "POST", path: "/api/v1/accounts/{id}/agreements", targets: mxAcct, want: map[string]string{
		"operator": "201 201", "account_admin": "403 403", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts/" + m.acctOf(target) + "/agreements", body: map[string]any{"kind": "contract",
				"number": "Д-" + m.unique(), "signed_on": "2024-01-10"}}
		}},
	{method: "PUT", path: "/api/v1/accounts/{id}/billing-period", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "403 403", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts/" + m.acctOf(target) + "/billing-period", body: map[string]any{"period_months": 1}}
		}},
	{method: "GET", path: "/api/v1/accounts/{id}/invoice-settings", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "200 404",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts/" + m.acctOf(target) + "/invoice-settings"}
		}},
	{method: "PUT", path: "/api/v1/accounts/{id}/invoice-settings", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/accounts/" + m.acctOf(target) + "/invoice-settings", body: map[string]any{"mode": "per_payer"}}
		}},
	{method: "GET", path: "/api/v1/billing/current", targets: mxOwn, want: map[string]string{
		"operator": "404", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "200",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/billing/current"}
		}},
	{method: "GET", path: "/api/v1/billing/lines", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "200",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/billing/lines"}
		}},
	{method: "GET", path: "/api/v1/billing/forecast", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "200",
		"manager": "200", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/billing/forecast"}
		}},
	// Mailings: the CA operator (every account) and account administrators (their own).
	{method: "GET", path: "/api/v1/mailings", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings"}
		}},
	{method: "GET", path: "/api/v1/mailing-templates", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailing-templates"}
		}},
	{method: "POST", path: "/api/v1/mailings/preview", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings/preview", body: map[string]any{}}
		}},
	{method: "POST", path: "/api/v1/mailings", targets: mxOwn, want: map[string]string{
		"operator": "201", "account_admin": "201", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings", body: map[string]any{"subject": "Тема", "body": "Текст"}}
		}},
	{method: "GET", path: "/api/v1/mailings/{id}", targets: mxMailing, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings/" + m.mailing(t, target)}
		}},
	{method: "PUT", path: "/api/v1/mailings/{id}", targets: mxMailing, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings/" + m.mailing(t, target), body: map[string]any{"subject": "Тема 2", "body": "Текст"}}
		}},
	{method: "POST", path: "/api/v1/mailings/{id}/attachments", targets: mxMailing, want: map[string]string{
		"operator": "201 201", "account_admin": "201 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings/" + m.mailing(t, target) + "/attachments?name=a.pdf", body: []byte("%PDF-1.4"),
				header: []string{"Content-Type", "application/octet-stream"}}
		}},
	{method: "DELETE", path: "/api/v1/mailings/{id}/attachments/{attachment_id}", targets: mxMailing, want: map[string]string{
		"operator": "204 204", "account_admin": "204 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id, aid := m.mailingAttachment(t, target)
			return matrixReq{path: "/api/v1/mailings/" + id + "/attachments/" + aid}
		}},
	{method: "POST", path: "/api/v1/mailings/{id}/send", targets: mxMailing, want: map[string]string{
		"operator": "202 202", "account_admin": "202 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "403 403",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/mailings/" + m.mailing(t, target) + "/send"}
		}},
	// The reissue metrics: the CA operator, account administrators and managers (aggregates only).
	{method: "GET", path: "/api/v1/metrics/reissue", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "403",
		"manager": "200", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/metrics/reissue"}
		}},
	{method: "GET", path: "/api/v1/invoices", targets: mxOwn, want: map[string]string{
		"operator": "200", "account_admin": "200", "org_admin": "403", "registrar": "403", "accountant": "200",
		"manager": "403", "employee": "403", "key_account": "403", "key_org_a": "403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/invoices"}
		}},
	{method: "GET", path: "/api/v1/invoices/{id}", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "200 404",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/invoices/" + m.invoice[target]}
		}},
	{method: "GET", path: "/api/v1/invoices/{id}/act", targets: mxAcct, want: map[string]string{
		"operator": "200 200", "account_admin": "200 404", "org_admin": "403 403", "registrar": "403 403", "accountant": "200 404",
		"manager": "403 403", "employee": "403 403", "key_account": "403 403", "key_org_a": "403 403"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/invoices/" + m.invoice[target] + "/act"}
		}},

	// The event feed is its own grant: the operator's policy (read organizations, applications and
	// certificates) does not include it, just as the manager's and the registrar's do not.
	{method: "GET", path: "/api/v1/events", targets: mxOwn, want: map[string]string{
		"operator": "403", "account_admin": "200", "org_admin": "200", "registrar": "403", "accountant": "403",
		"manager": "403", "employee": "403", "key_account": "200", "key_org_a": "200"},
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			return matrixReq{path: "/api/v1/events?limit=200"}
		},
		list: "events"},

	actionRoute("submit", "draft", nil, map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "200 404 404", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	actionRoute("verify-identity", "identity_verification", map[string]any{"method": "in_person_workplace"}, map[string]string{
		"operator": "403 403 403", "account_admin": "403 403 403", "org_admin": "403 403 403", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	actionRoute("request-correction", "identity_verification", map[string]any{"note": "нечитаемый скан"}, map[string]string{
		"operator": "403 403 403", "account_admin": "403 403 403", "org_admin": "403 403 403", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	actionRoute("approve", "ready", nil, map[string]string{
		"operator": "403 403 403", "account_admin": "403 403 403", "org_admin": "403 403 403", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	actionRoute("decline", "documents", map[string]any{"note": "сотрудник уволился"}, map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "200 404 200",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	actionRoute("cancel", "draft", nil, map[string]string{
		"operator": "403 403 403", "account_admin": "200 200 200", "org_admin": "200 404 200", "registrar": "403 403 403",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "200 404 404", "key_account": "200 200 200",
		"key_org_a": "200 404 200"}),
	// No CA is configured: a caller that may issue gets 503, which still proves access passed.
	actionRoute("issue", "approved", nil, map[string]string{
		"operator": "403 403 403", "account_admin": "403 403 403", "org_admin": "403 403 403", "registrar": "503 404 503",
		"accountant": "403 403 403", "manager": "403 403 403", "employee": "403 403 403", "key_account": "503 503 503",
		"key_org_a": "503 404 503"}),
}

// actionRoute is an application action on a fresh application brought to a stage where the action is legal.
func actionRoute(act, stage string, body any, want map[string]string) matrixRoute {
	return matrixRoute{method: "POST", path: "/api/v1/applications/{id}/" + act, targets: mxPerson, want: want,
		req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id := m.app(t, target, stage)
			return matrixReq{path: "/api/v1/applications/" + id + "/" + act, body: body, snap: m.snapAPI(t, "/api/v1/applications/"+id)}
		}}
}

// routes left out of the matrix: signing in, and changing one's own password, which touches only the
// caller's own data. Logout is run last, separately, because it ends the session.
var matrixExcluded = []string{"POST /api/v1/auth/login", "POST /api/v1/me/password", "POST /api/v1/auth/logout"}

// accessFixture is the test's world on top of env: a colleague of empA, a second client account, fixed
// applications and certificates, and counters for unique values.
type accessFixture struct {
	e                *env
	ctx              context.Context
	csr              string
	acct             string
	other            string // a second client account, seen only by the operator
	empA2            *model.Employee
	inA, inB, inA2   registration.EmployeeInput
	orgInA, orgInB   registration.OrganizationInput
	fixedApp         map[string]string // target → a verified application of the target's employee
	fixedCert        map[string]string // target → a valid certificate of the target's employee
	n                int
	snilses          []string // every СНИЛС the test registered
	otherAccountData []string
	otherOrg         *model.Organization
	otherEmp         *model.Employee
	otherOrgIn       registration.OrganizationInput
	otherEmpIn       registration.EmployeeInput
	otherAdmin       *access.Principal
	invoice          map[string]string // invoice id by target (own, other_account)
}

var mxUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
var mxCursor = regexp.MustCompile(`"(next_)?cursor":"[^"]*"`)

func newAccessFixture(t *testing.T, e *env) *accessFixture {
	t.Helper()
	ctx := context.Background()
	m := &accessFixture{e: e, ctx: ctx, csr: testCSR(t), acct: e.orgA.AccountID, fixedApp: map[string]string{}, fixedCert: map[string]string{}}
	m.orgInA = registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001",
		OGRN: "1027700132195", Address: "Москва", Region: "77"}
	m.orgInB = registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "АО «Василёк»", INN: "7736050003", KPP: "773601001",
		OGRN: "1027700070518", Address: "Москва", Region: "77"}
	m.inA = employeeInput(e.orgA.ID, "Иванов", "11223344595")
	m.inB = employeeInput(e.orgB.ID, "Секретов", "08765430300")
	m.inB.INN, m.inB.Email, m.inB.Phone = "526317984689", "secret@vasilek.ru", "+79035550011"
	m.inB.Document.Series, m.inB.Document.Number, m.inB.Document.IssuerCode = "4611", "654321", "500-077"
	m.snilses = []string{"11223344595", "08765430300"}

	// A colleague of empA: the employee caller must not see them.
	m.inA2 = employeeInput(e.orgA.ID, "Сидоров", m.newSNILS())
	var err error
	m.empA2, err = e.reg.CreateEmployee(ctx, e.admin, m.inA2)
	must(t, err)

	// A second client account with an organization, an employee, a user and an API key: only the
	// operator may see any of it.
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	other, err := e.acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Другой холдинг"})
	must(t, err)
	m.other = other.ID
	otherAdmin := &access.Principal{Actor: "system:test", AccountID: other.ID, Role: model.RoleAccountAdmin}
	m.otherAdmin = otherAdmin
	m.otherOrgIn = registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "ООО «Чужая»", INN: "7707083893",
		KPP: "773601001", OGRN: "1027700132195", Address: "Казань", Region: "16"}
	otherOrg, err := e.reg.CreateOrganization(ctx, otherAdmin, "", m.otherOrgIn)
	must(t, err)
	m.otherOrg = otherOrg
	m.otherEmpIn = employeeInput(otherOrg.ID, "Чужаков", m.newSNILS())
	m.otherEmp, err = e.reg.CreateEmployee(ctx, otherAdmin, m.otherEmpIn)
	must(t, err)
	_, err = e.acc.CreateUser(ctx, boot, access.UserInput{AccountID: other.ID, Login: "other_admin", FullName: "Чужой Админ",
		Role: model.RoleAccountAdmin, Password: testPassword})
	must(t, err)
	_, _, err = e.acc.CreateAPIKey(ctx, otherAdmin, access.APIKeyInput{Name: "Чужой ключ", AllOrganizations: true})
	must(t, err)
	m.otherAccountData = []string{"Другой холдинг", "ООО «Чужая»", "Чужаков", "other_admin", "Чужой", other.ID, otherOrg.ID,
		m.otherEmp.ID}
	_, err = e.bill.CreateAgreement(ctx, boot, other.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-2",
		SignedOn: "2020-01-01", Covers: "individual_certificate"})
	must(t, err)
	// An invoice in each account, for the billing routes.
	m.invoice = map[string]string{}
	for target, payer := range map[string][2]string{"own": {m.acct, e.orgA.ID}, "other_account": {other.ID, otherOrg.ID}} {
		now := e.clk.Now()
		line := &model.BillingLine{ID: access.NewID(), AccountID: payer[0], PayerOrganizationID: payer[1],
			Position: "individual_certificate", TariffID: "default-individual", PriceKopecks: 250000, Event: "issuance",
			EventAt: now, Period: "2026-10", ApplicationID: "fixture", EmployeeInitials: "И. П. И."}
		must(t, e.db.CreateBillingLine(ctx, line, now.UnixMicro()))
		n, err := e.db.NextInvoiceNumber(ctx)
		must(t, err)
		inv := &model.Invoice{ID: access.NewID(), AccountID: payer[0], PayerOrganizationID: payer[1], Period: "2026-10", Number: n,
			NetKopecks: 250000, VATPercent: 22, VATKopecks: 55000, TotalKopecks: 305000, CreatedAt: now}
		must(t, e.db.CreateInvoice(ctx, inv, []string{line.ID}))
		m.invoice[target] = inv.ID
	}

	// Applications to read: identity verified and a CSR uploaded, so that they carry all they ever show.
	for _, target := range mxPerson {
		m.fixedApp[target] = m.app(t, target, "ready")
	}
	m.fixedCert["own"] = m.certSerial(t, "own", "0a01")
	m.fixedCert["colleague"] = m.certSerial(t, "colleague", "0a02")
	m.fixedCert["foreign"] = m.certSerial(t, "foreign", "0b01")
	return m
}

func (m *accessFixture) unique() string {
	m.n++
	return strconv.Itoa(m.n)
}

// newSNILS returns a valid СНИЛС not used before and not containing any of the watched numbers.
func (m *accessFixture) newSNILS() string {
	for {
		m.n++
		base := fmt.Sprintf("%09d", 300000000+m.n*7919)
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(base[i]-'0') * (9 - i)
		}
		s := base + fmt.Sprintf("%02d", sum%101%100)
		if !strings.Contains(s, "4510") && !strings.Contains(s, "123456") && !strings.Contains(s, "654321") {
			m.snilses = append(m.snilses, s)
			return s
		}
	}
}

// acctOf is the account of a target: the test account, or the second client account.
func (m *accessFixture) acctOf(target string) string {
	if target == "other_account" {
		return m.other
	}
	return m.acct
}

// matrixHead is a valid head for the target's organization, with personal data of nobody else in the fixture.
func matrixHead() registration.HeadInput {
	return registration.HeadInput{Surname: "Руководов", GivenName: "Глава", Position: "Генеральный директор",
		INN: "771357924606", SNILS: "15975346821", Since: "2020-02-03"}
}

func (m *accessFixture) orgOf(target string) string {
	switch target {
	case "foreign":
		return m.e.orgB.ID
	case "other_account":
		return m.otherOrg.ID
	}
	return m.e.orgA.ID
}

func (m *accessFixture) orgInputOf(target string) registration.OrganizationInput {
	switch target {
	case "foreign":
		return m.orgInB
	case "other_account":
		return m.otherOrgIn
	}
	return m.orgInA
}

func (m *accessFixture) empOf(target string) string {
	switch target {
	case "foreign":
		return m.e.empB.ID
	case "colleague":
		return m.empA2.ID
	case "other_account":
		return m.otherEmp.ID
	}
	return m.e.empA.ID
}

func (m *accessFixture) empInputOf(target string) registration.EmployeeInput {
	switch target {
	case "foreign":
		return m.inB
	case "colleague":
		return m.inA2
	case "other_account":
		return m.otherEmpIn
	}
	return m.inA
}

// prep sends a preparation request as key_account (which sees the whole account) and insists on success.
func (m *accessFixture) prep(t *testing.T, method, path string, body any, want int, header ...string) response {
	t.Helper()
	r := m.e.do("key_account", method, path, body, header...)
	if r.status != want {
		t.Fatalf("preparing: %s %s: %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// app creates an application of the target's employee and brings it to a stage: draft, documents,
// identity_verification, ready (identity verified, CSR uploaded) or approved.
func (m *accessFixture) app(t *testing.T, target, stage string) string {
	t.Helper()
	var a struct{ ID string }
	m.prep(t, "POST", "/api/v1/applications", map[string]any{"employee_id": m.empOf(target), "kind": "individual"}, 201).json(t, &a)
	base := "/api/v1/applications/" + a.ID
	submits := map[string]int{"draft": 0, "documents": 1, "identity_verification": 2, "ready": 2, "approved": 2}[stage]
	if stage == "ready" || stage == "approved" {
		m.prep(t, "POST", base+"/csr", []byte(m.csr), 200, "Content-Type", "application/x-pem-file")
	}
	for range submits {
		m.prep(t, "POST", base+"/submit", nil, 200)
	}
	if stage == "ready" || stage == "approved" {
		m.prep(t, "POST", base+"/verify-identity", map[string]any{"method": "in_person_workplace"}, 200)
	}
	if stage == "approved" {
		m.prep(t, "POST", base+"/approve", nil, 200)
	}
	return a.ID
}

// cert inserts a fresh valid certificate of the target's employee (there is no CA to issue one).
func (m *accessFixture) cert(t *testing.T, target string) string {
	m.n++
	prefix := map[string]string{"own": "0a", "colleague": "0c", "foreign": "0b"}[target]
	return m.certSerial(t, target, fmt.Sprintf("%s%04x", prefix, m.n))
}

func (m *accessFixture) certSerial(t *testing.T, target, serial string) string {
	t.Helper()
	now := m.e.clk.Now()
	must(t, m.e.db.CreateCertificate(m.ctx, &model.Certificate{Serial: serial, AccountID: m.acct, OrganizationID: m.orgOf(target),
		EmployeeID: m.empOf(target), Kind: model.KindLegalEntityEmployee, Status: model.CertValid, Issuer: "CN=Тестовый УЦ",
		NotBefore: now.AddDate(0, 0, -1), NotAfter: now.AddDate(1, 0, 0), DER: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, CreatedAt: now}))
	return serial
}

// apiKey creates a fresh API key scoped to the target's organization and returns its id and account.
func (m *accessFixture) apiKey(t *testing.T, target string) (id, account string) {
	t.Helper()
	admin := m.e.admin
	if target == "other_account" {
		admin = m.otherAdmin
	}
	k, _, err := m.e.acc.CreateAPIKey(m.ctx, admin, access.APIKeyInput{Name: "ключ " + m.unique(),
		OrganizationIDs: []string{m.orgOf(target)}})
	must(t, err)
	return k.ID, k.AccountID
}

// mxUserWant is the expectation of a user-management route: the operator's and the account
// administrator's statuses; every other role is refused outright.
func mxUserWant(operator, admin string) map[string]string {
	want := map[string]string{"operator": operator, "account_admin": admin}
	for _, c := range callers {
		if _, ok := want[c]; !ok {
			want[c] = "403 403"
		}
	}
	return want
}

// user stores a fresh manager of the target's account with an open session and returns its id. It goes
// straight to storage, reusing a stored password hash: a hash per case would cost the test minutes.
func (m *accessFixture) user(t *testing.T, target string) string {
	t.Helper()
	admin, err := m.e.db.UserByLogin(m.ctx, "account_admin")
	must(t, err)
	now := m.e.clk.Now()
	u := &model.User{ID: access.NewID(), AccountID: m.acctOf(target), Login: "mxuser." + m.unique(), FullName: "Руководитель " + target,
		Role: model.RoleManager, OrganizationIDs: []string{m.orgOf(target)}, PasswordHash: admin.PasswordHash, CreatedAt: now}
	must(t, m.e.db.CreateUser(m.ctx, u))
	must(t, m.e.db.CreateSession(m.ctx, access.HashToken("kcrs_"+u.ID), u.ID, now, now.Add(access.SessionTTL)))
	return u.ID
}

// snapUser snapshots a user straight from storage: role, scope, state and password hash.
func (m *accessFixture) snapUser(t *testing.T, id string) func() string {
	return func() string {
		u, err := m.e.db.User(m.ctx, "", id)
		must(t, err)
		return fmt.Sprint(u.Role, u.OrganizationIDs, u.Disabled, u.PasswordHash)
	}
}

// snapStored snapshots an organization or employee straight from storage, unscoped.
func (m *accessFixture) snapStored(t *testing.T, kind, id string) func() string {
	return func() string {
		var v any
		var err error
		if kind == "organization" {
			v, err = m.e.db.Organization(m.ctx, storage.Scope{}, id)
		} else {
			v, err = m.e.db.Employee(m.ctx, storage.Scope{}, id)
		}
		must(t, err)
		b, err := json.Marshal(v)
		must(t, err)
		return string(b)
	}
}

// snapAPI snapshots an object as key_account reads it.
func (m *accessFixture) snapAPI(t *testing.T, path string) func() string {
	return func() string {
		r := m.e.do("key_account", "GET", path, nil)
		if r.status != 200 {
			t.Fatalf("snapshot %s: %d %s", path, r.status, r.body)
		}
		return string(r.body)
	}
}

// fingerprint counts everything stored, straight from storage and unscoped.
func (m *accessFixture) fingerprint(t *testing.T) string {
	t.Helper()
	all := storage.Page{Limit: 1 << 30}
	orgs, err := m.e.db.Organizations(m.ctx, storage.Scope{}, storage.OrgFilter{}, all)
	must(t, err)
	emps, _, err := m.e.db.Employees(m.ctx, storage.Scope{}, storage.EmployeeFilter{}, all)
	must(t, err)
	apps, _, err := m.e.db.Applications(m.ctx, storage.Scope{}, storage.AppFilter{}, all)
	must(t, err)
	certs, _, err := m.e.db.Certificates(m.ctx, storage.Scope{}, storage.CertFilter{}, all)
	must(t, err)
	users, err := m.e.db.Users(m.ctx, "")
	must(t, err)
	keys, err := m.e.db.APIKeys(m.ctx, m.acct)
	must(t, err)
	accounts, err := m.e.db.Accounts(m.ctx)
	must(t, err)
	revoked := 0
	for _, c := range certs {
		if c.Status == model.CertRevoked {
			revoked++
		}
	}
	return fmt.Sprintf("orgs %d, employees %d, applications %d, certificates %d (revoked %d), users %d, keys %d, accounts %d",
		len(orgs), len(emps), len(apps), len(certs), revoked, len(users), len(keys), len(accounts))
}

func (m *accessFixture) run(t *testing.T, rt matrixRoute, caller, target, wantStatus string) {
	want, err := strconv.Atoi(wantStatus)
	must(t, err)
	rq := rt.req(m, t, caller, target)
	refusedWrite := want >= 400 && rt.method != "GET"
	var before, snapBefore string
	if refusedWrite {
		before = m.fingerprint(t)
		if rq.snap != nil {
			snapBefore = rq.snap()
		}
	}
	r := m.e.do(caller, rt.method, rq.path, rq.body, rq.header...)
	m.checkBody(t, caller, rq.path, r, rq.body)
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, shortBody(r.body))
	}
	if want >= 400 {
		kind := map[int]string{403: "forbidden", 404: "not-found", 409: "conflict", 422: "validation", 503: "unavailable"}[want]
		if p := r.problem(t); p.Type != api.ProblemTypeBase+kind {
			t.Errorf("problem type %q, want %q", p.Type, api.ProblemTypeBase+kind)
		}
		if want == 404 && strings.Contains(string(r.body), "no API route") {
			t.Errorf("the route itself is unknown: %s", r.body)
		}
	}
	if refusedWrite {
		if after := m.fingerprint(t); after != before {
			t.Errorf("a refused request changed the store: %s → %s", before, after)
		}
		if rq.snap != nil {
			if after := rq.snap(); after != snapBefore {
				t.Errorf("a refused request changed its target:\nbefore %s\nafter  %s", snapBefore, after)
			}
		}
	}
	if want == 200 && rt.method == "GET" && strings.Contains(rt.path, "{") && strings.Contains(r.header.Get("Content-Type"), "json") {
		// The object's id is the path segment where the route has its {parameter}.
		var id string
		segs, got := strings.Split(rt.path, "/"), strings.Split(strings.SplitN(rq.path, "?", 2)[0], "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") && i < len(got) {
				id = got[i]
			}
		}
		if !strings.Contains(string(r.body), `"`+id+`"`) {
			t.Errorf("the answer is not the object asked for (%s): %s", id, shortBody(r.body))
		}
	}
	if want == 200 && rt.list != "" {
		m.checkList(t, rt.list, caller, target, rq.path)
	}
}

// sees reports whether a caller may see an object of the given account, organization and employee. It is
// the policy's scopes written out independently of the code under test.
func (m *accessFixture) sees(caller, accountID, orgID, employeeID string) bool {
	switch caller {
	case "operator":
		return true
	case "account_admin", "accountant", "key_account":
		return accountID == m.acct
	case "org_admin", "registrar", "manager", "key_org_a":
		return accountID == m.acct && orgID == m.e.orgA.ID
	case "employee":
		if employeeID == "" { // an organization: the one the employee works for
			return orgID == m.e.orgA.ID
		}
		return employeeID == m.e.empA.ID
	}
	return false
}

// checkList reads the whole list as the caller, page by page, and compares it with what the caller's
// scope holds according to an unscoped read of the store: nothing more (nothing of B, nor counts that
// betray it) and nothing less.
func (m *accessFixture) checkList(t *testing.T, list, caller, target, path string) {
	t.Helper()
	foreign := target == "foreign"
	var want []string
	all := storage.Page{Limit: 1 << 30}
	switch list {
	case "accounts":
		accounts, err := m.e.db.Accounts(m.ctx)
		must(t, err)
		for _, a := range accounts {
			if caller == "operator" || a.ID == m.acct {
				want = append(want, a.ID)
			}
		}
	case "users":
		users, err := m.e.db.Users(m.ctx, "")
		must(t, err)
		for _, u := range users {
			if caller == "operator" || u.AccountID == m.acct {
				want = append(want, u.ID)
			}
		}
	case "api-keys":
		keys, err := m.e.db.APIKeys(m.ctx, m.acct)
		must(t, err)
		for _, k := range keys {
			want = append(want, k.ID)
		}
	case "organizations":
		orgs, err := m.e.db.Organizations(m.ctx, storage.Scope{}, storage.OrgFilter{}, all)
		must(t, err)
		for _, o := range orgs {
			if m.sees(caller, o.AccountID, o.ID, "") && (!foreign || o.OGRN == m.orgInB.OGRN) {
				want = append(want, o.ID)
			}
		}
	case "employees":
		emps, _, err := m.e.db.Employees(m.ctx, storage.Scope{}, storage.EmployeeFilter{}, all)
		must(t, err)
		for _, e := range emps {
			if m.sees(caller, e.AccountID, e.OrganizationID, e.ID) && (!foreign || e.OrganizationID == m.e.orgB.ID) {
				want = append(want, e.ID)
			}
		}
	case "applications":
		apps, _, err := m.e.db.Applications(m.ctx, storage.Scope{}, storage.AppFilter{}, all)
		must(t, err)
		for _, a := range apps {
			if m.sees(caller, a.AccountID, a.OrganizationID, a.EmployeeID) && (!foreign || a.OrganizationID == m.e.orgB.ID) {
				want = append(want, a.ID)
			}
		}
	case "certificates":
		certs, _, err := m.e.db.Certificates(m.ctx, storage.Scope{}, storage.CertFilter{}, all)
		must(t, err)
		for _, c := range certs {
			if m.sees(caller, c.AccountID, c.OrganizationID, c.EmployeeID) && (!foreign || c.OrganizationID == m.e.orgB.ID) {
				want = append(want, c.Serial)
			}
		}
	case "events":
		events, err := m.e.db.FeedEvents(m.ctx, storage.Scope{}, 0, 1<<30)
		must(t, err)
		for _, ev := range events {
			// The employee has no feed at all; the others see the events of what they see.
			if caller != "employee" && m.sees(caller, ev.AccountID, ev.OrganizationID, "") {
				want = append(want, storage.EncodeCursor(strconv.FormatInt(ev.Seq, 10)))
			}
		}
	default:
		t.Fatalf("unknown list %q", list)
	}
	got := m.listAll(t, caller, path, list)
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s lists %d items, its scope holds %d:\ngot  %v\nwant %v", caller, len(got), len(want), got, want)
	}
	if len(want) == 0 && !foreign && list != "accounts" && list != "users" && list != "api-keys" {
		t.Errorf("nothing to compare: the caller's scope is empty")
	}
}

// listAll follows the list's cursors to the end and returns the items' keys.
func (m *accessFixture) listAll(t *testing.T, caller, path, list string) []string {
	t.Helper()
	u, err := url.Parse(path)
	must(t, err)
	key := "id"
	switch list {
	case "certificates":
		key = "serial"
	case "events":
		key = "cursor"
	}
	var out []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%s: more than 100 pages", path)
		}
		r := m.e.do(caller, "GET", u.String(), nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		if pages > 0 { // the first page was checked as the case's own answer
			m.checkBody(t, caller, u.String(), r)
		}
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		r.json(t, &page)
		for _, it := range page.Items {
			s, _ := it[key].(string)
			if s == "" {
				t.Fatalf("an item of %s has no %s: %v", path, key, it)
			}
			out = append(out, s)
		}
		q := u.Query()
		if list == "events" {
			// The feed has no end: poll until a page comes back empty.
			if len(page.Items) == 0 {
				return out
			}
			q.Set("after", page.NextCursor)
		} else {
			if page.NextCursor == "" {
				return out
			}
			q.Set("cursor", page.NextCursor)
		}
		u.RawQuery = q.Encode()
	}
}

// Data a caller must not see, by who must not see it.
func (m *accessFixture) forbiddenFor(caller string) []string {
	var out []string
	switch caller {
	case "org_admin", "registrar", "manager", "employee", "key_org_a":
		// Scoped to A: nothing of B, its people or its requisites.
		out = append(out, "Секретов", "08765430300", "526317984689", "654321", "secret@vasilek.ru", "Василёк", "7736050003",
			m.e.orgB.ID, m.e.empB.ID)
	}
	if caller == "employee" {
		// Only their own records: not their colleagues' (the fixed colleague and everyone registered here).
		out = append(out, "Сидоров", "Новиков", m.empA2.ID)
		for _, s := range m.snilses {
			if s != m.inA.SNILS {
				out = append(out, s)
			}
		}
	}
	if caller == "accountant" || caller == "operator" {
		// Never identity documents or other personal data of anyone.
		out = append(out, "4510", "123456", "4611", "654321", "1985-04-12", "500100732259", "526317984689",
			"ivanov@example.ru", "secret@vasilek.ru", "+79161234567", "+79035550011")
		out = append(out, m.snilses...)
	}
	if caller != "operator" {
		out = append(out, m.otherAccountData...)
	}
	return out
}

// checkBody fails if the answer holds anything the caller must not see. Values the caller itself put in
// the request path, and identifiers it sent in the body, are not counted (a 404 or a 422 names the id it
// was given). Numbers are looked for outside identifiers and cursors, which are random and could hold any
// digits.
func (m *accessFixture) checkBody(t *testing.T, caller, path string, r response, sent ...any) {
	t.Helper()
	var sentIDs string
	for _, b := range sent {
		raw, err := json.Marshal(b)
		must(t, err)
		sentIDs += string(raw)
	}
	raw := string(r.body)
	stripped := mxCursor.ReplaceAllString(mxUUID.ReplaceAllString(raw, "<uuid>"), "<cursor>")
	var found []string
	for _, tok := range m.forbiddenFor(caller) {
		if strings.Contains(path, tok) || mxUUID.MatchString(tok) && strings.Contains(sentIDs, tok) {
			continue
		}
		in := stripped
		if mxUUID.MatchString(tok) {
			in = raw
		}
		if strings.Contains(in, tok) {
			found = append(found, tok)
		}
	}
	if len(found) > 0 {
		t.Errorf("the answer to %s shows %s %q, e.g. %s", path, caller, found, snippetAround(raw, found[0]))
	}
}

// checkCoverage compares the table with the routes the server publishes in its OpenAPI document.
func (m *accessFixture) checkCoverage(t *testing.T) {
	doc := (&api.Server{}).OpenAPI()
	raw, err := json.Marshal(doc["paths"])
	must(t, err)
	var paths map[string]map[string]json.RawMessage
	must(t, json.Unmarshal(raw, &paths))
	published := map[string]bool{}
	for p, ops := range paths {
		for method := range ops {
			published[strings.ToUpper(method)+" "+p] = true
		}
	}
	tested := map[string]bool{}
	for _, rt := range matrixRoutes {
		k := rt.method + " " + rt.path
		if tested[k] {
			t.Errorf("%s is in the table twice", k)
		}
		tested[k] = true
		if !published[k] {
			t.Errorf("%s is in the table but not a route", k)
		}
	}
	for _, k := range matrixExcluded {
		tested[k] = true
	}
	for k := range published {
		if !tested[k] {
			t.Errorf("route %s is not in the access matrix", k)
		}
	}
}

// shortBody cuts a body for a failure message.
func shortBody(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// snippetAround shows where tok occurs in s.
func snippetAround(s, tok string) string {
	i := strings.Index(s, tok)
	if i < 0 {
		i = 0
	}
	lo, hi := max(0, i-150), min(len(s), i+len(tok)+150)
	return "…" + strings.ToValidUTF8(s[lo:hi], "") + "…"
}

// TestAccessMatrixDisabled disables every user caller and sends every route of the matrix with their open
// sessions: each is refused as unauthenticated at once (or, once the address has sent too many wrong
// credentials, as too many requests), and none of them can sign in again.
func TestAccessMatrixDisabled(t *testing.T) {
	// SQLite only: disabling is storage-tested on both engines, and here it is the edge that is under test.
	e := newEnv(t, openSQLite(t))
	users := callers[:7]
	for _, login := range users {
		u, err := e.db.UserByLogin(t.Context(), login)
		must(t, err)
		// Straight in storage: the service keeps the last operator enabled.
		must(t, e.db.SetUserDisabled(t.Context(), u.ID, true))
	}
	first := true
	for _, rt := range append(slices.Clone(matrixRoutes), matrixRoute{method: "POST", path: "/api/v1/auth/logout"},
		matrixRoute{method: "POST", path: "/api/v1/me/password"}) {
		path := strings.NewReplacer("{id}", "00000000-0000-0000-0000-000000000000", "{serial}", "0a01").Replace(rt.path)
		for _, caller := range users {
			r := e.do(caller, rt.method, path, map[string]any{})
			if first && r.status != 401 {
				t.Fatalf("%s %s as disabled %s: %d, want 401", rt.method, path, caller, r.status)
			}
			first = false
			if r.status != 401 && r.status != 429 {
				t.Errorf("%s %s as disabled %s: %d, want 401 or 429: %s", rt.method, path, caller, r.status, shortBody(r.body))
			}
		}
	}
	for _, login := range users {
		if r := e.do("", "POST", "/api/v1/auth/login", map[string]string{"login": login, "password": testPassword}); r.status != 401 && r.status != 429 {
			t.Errorf("disabled %s signs in: %d", login, r.status)
		}
	}
}
