package api_test

import (
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

func headBody() map[string]any {
	return map[string]any{"surname": "Руководов", "given_name": "Глава", "patronymic": "Петрович", "position": "Генеральный директор",
		"inn": "771357924606", "snils": "159-753-468 21", "since": "2020-02-03"}
}

// The head of an organization through the API: recorded, read back with the certificate link, and every
// bad input a problem+json naming the field.
func TestHeadAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		path := "/api/v1/organizations/" + e.orgA.ID + "/head"
		if r := e.do("account_admin", "GET", path, nil); r.status != 404 {
			t.Fatalf("GET before any head: %d %s", r.status, r.body)
		}
		for _, c := range []struct {
			name, field string
			value       any
		}{
			{"bad СНИЛС", "snils", "159-753-468 22"},
			{"person's ИНН of 10 digits", "inn", "7707083893"},
			{"no position", "position", ""},
			{"future date", "since", "2030-01-01"},
			{"number as name", "surname", "R2D2"},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := headBody()
				b[c.field] = c.value
				r := e.do("account_admin", "PUT", path, b)
				if r.status != 422 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				p := r.problem(t)
				if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
					t.Fatalf("errors %+v, want one naming %s", p.Errors, c.field)
				}
			})
		}
		if r := e.do("account_admin", "PUT", path, `{"surname":"Руководов","unknown":1}`); r.status != 400 {
			t.Errorf("unknown field: %d %s", r.status, r.body)
		}
		r := e.do("org_admin", "PUT", path, headBody())
		if r.status != 200 {
			t.Fatalf("PUT: %d %s", r.status, r.body)
		}
		var v registration.HeadView
		r = e.do("registrar", "GET", path, nil)
		r.json(t, &v)
		if r.status != 200 || v.SNILS != "15975346821" || v.OrganizationID != e.orgA.ID || v.CertificateSerial != "" {
			t.Fatalf("GET: %d %+v", r.status, v)
		}

		// A branch acts through its parent's head.
		branch, err := e.reg.CreateOrganization(t.Context(), e.admin, "", registration.OrganizationInput{Kind: model.OrgBranch,
			ParentID: e.orgA.ID, Name: "Филиал ООО «Ромашка»", INN: "7707083893", KPP: "780243001", Address: "СПб", Region: "78"})
		must(t, err)
		r = e.do("account_admin", "PUT", "/api/v1/organizations/"+branch.ID+"/head", headBody())
		if r.status != 422 || r.problem(t).Errors[0].Field != "organization_id" {
			t.Fatalf("PUT on a branch: %d %s", r.status, r.body)
		}
	})
}

// Dismissal through the API: recorded once (the second is 409 naming the employee), then new applications
// for the employee are refused naming employee_id.
func TestDismissAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		path := "/api/v1/employees/" + e.empA.ID + "/dismiss"
		r := e.do("org_admin", "POST", path, map[string]string{"reason": "по собственному желанию", "date": "2030-01-01"})
		if r.status != 422 || r.problem(t).Errors[0].Field != "date" {
			t.Fatalf("future date: %d %s", r.status, r.body)
		}
		r = e.do("org_admin", "POST", path, map[string]string{"reason": "по собственному желанию", "date": "2026-11-20"})
		if r.status != 200 {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		var emp model.Employee
		r.json(t, &emp)
		if emp.DismissedAt == nil || emp.DismissalReason != "по собственному желанию" {
			t.Fatalf("dismissed employee %+v", emp)
		}
		r = e.do("org_admin", "POST", path, map[string]string{"reason": "ещё раз", "date": "2026-11-21"})
		if r.status != 409 || !strings.Contains(r.problem(t).Detail, e.empA.ID) {
			t.Fatalf("second dismissal: %d %s", r.status, r.body)
		}
		r = e.do("org_admin", "POST", "/api/v1/applications", map[string]string{"employee_id": e.empA.ID, "kind": "individual"})
		if r.status != 422 || r.problem(t).Errors[0].Field != "employee_id" {
			t.Fatalf("application for a dismissed employee: %d %s", r.status, r.body)
		}
	})
}
