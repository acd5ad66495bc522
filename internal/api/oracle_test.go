package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// Refusals reveal nothing outside the caller's scope: an ИНН and КПП taken by an organization the caller
// does not see, a login taken in another account, the id of a parent the caller does not see.
func TestNoExistenceOracles(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Two branches of A that org_admin (scoped to A only) does not see, and a user scoped to them only.
		newBranch := func(name, kpp string) *model.Organization {
			o, err := e.reg.CreateOrganization(ctx, e.admin, "", registration.OrganizationInput{Kind: model.OrgBranch,
				ParentID: e.orgA.ID, Name: name, INN: e.orgA.INN, KPP: kpp, Region: "16"})
			must(t, err)
			return o
		}
		hidden, other := newBranch("Филиал в Казани", "165543001"), newBranch("Филиал в Самаре", "631543001")
		_, err := e.acc.CreateUser(ctx, e.admin, access.UserInput{Login: "branch_admin", FullName: "Админ филиалов",
			Role: model.RoleOrgAdmin, OrganizationIDs: []string{hidden.ID, other.ID}, Password: testPassword})
		must(t, err)
		tok, _, err := e.acc.Login(ctx, "branch_admin", testPassword)
		must(t, err)
		e.tokens["branch_admin"] = tok

		head := map[string]any{"kind": "legal_entity", "name": e.orgA.Name, "inn": e.orgA.INN, "kpp": "165543001",
			"ogrn": e.orgA.OGRN}
		branch := func(kpp string) map[string]any {
			return map[string]any{"kind": "branch", "name": "Филиал в Казани", "inn": e.orgA.INN, "kpp": kpp, "region": "16"}
		}
		for _, tc := range []struct {
			name, caller string
			method, path string
			body         any
			field, rule  string
		}{
			{"КПП of a branch out of scope", "org_admin", "PUT", "/api/v1/organizations/" + e.orgA.ID, head, "kpp", "unavailable"},
			{"КПП of a branch in scope", "branch_admin", "PUT", "/api/v1/organizations/" + hidden.ID, branch("631543001"), "kpp", "duplicate"},
			{"КПП taken, account-wide caller", "account_admin", "PUT", "/api/v1/organizations/" + e.orgA.ID, head, "kpp", "duplicate"},
			{"login of the CA operator", "account_admin", "POST", "/api/v1/users", map[string]any{"login": "operator",
				"full_name": "Оператор", "role": "accountant", "password": testPassword}, "login", "unavailable"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.caller, tc.method, tc.path, tc.body)
				if r.status != 422 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				pr := r.problem(t)
				if len(pr.Errors) != 1 || pr.Errors[0].Field != tc.field || pr.Errors[0].Rule != tc.rule {
					t.Fatalf("errors %+v, want %s/%s", pr.Errors, tc.field, tc.rule)
				}
				if tc.rule == "unavailable" && (strings.Contains(string(r.body), "already") || strings.Contains(string(r.body), "taken")) {
					t.Fatalf("the refusal tells that the other record exists: %s", r.body)
				}
			})
		}

		t.Run("parent out of scope hidden", func(t *testing.T) {
			var o model.Organization
			e.do("branch_admin", "GET", "/api/v1/organizations/"+hidden.ID, nil).json(t, &o)
			var list struct{ Items []model.Organization }
			e.do("branch_admin", "GET", "/api/v1/organizations", nil).json(t, &list)
			if o.ID != hidden.ID || o.ParentID != "" || len(list.Items) != 2 || list.Items[0].ParentID != "" || list.Items[1].ParentID != "" {
				t.Fatalf("the branch shows its parent: %+v %+v", o, list.Items)
			}
			if strings.Contains(string(e.do("branch_admin", "GET", "/api/v1/organizations", nil).body), e.orgA.ID) {
				t.Fatal("the list names the parent")
			}
			// Saved without the parent it was not shown, the branch keeps it.
			r := e.do("branch_admin", "PUT", "/api/v1/organizations/"+hidden.ID, map[string]any{"kind": "branch",
				"name": "Филиал в Казани (новый)", "inn": e.orgA.INN, "kpp": "165543001", "region": "16"})
			if r.status != 200 || strings.Contains(string(r.body), e.orgA.ID) {
				t.Fatalf("update: %d %s", r.status, r.body)
			}
			e.do("account_admin", "GET", "/api/v1/organizations/"+hidden.ID, nil).json(t, &o)
			if o.ParentID != e.orgA.ID || o.Name != "Филиал в Казани (новый)" {
				t.Fatalf("after the update: %+v", o)
			}
		})
	})
}
