package registration_test

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/testdb"
)

func newService(t *testing.T) (*registration.Service, *access.Principal) {
	t.Helper()
	db := testdb.Engines(t)[0].Open(t)
	svc := &registration.Service{DB: db, Clock: clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))}
	acc := &access.Service{DB: db, Clock: svc.Clock}
	acct, err := acc.CreateAccount(context.Background(), &access.Principal{Actor: "system:test", Role: model.RoleOperator},
		access.AccountInput{Name: "Холдинг"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, &access.Principal{Actor: "api_key:test", AccountID: acct.ID, Role: model.RoleIntegration}
}

// fieldOf returns the first field a validation error names, or "" for no error.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e, ok := err.(*errs.Error)
	if !ok || e.Kind != errs.Invalid || len(e.Fields) == 0 {
		t.Fatalf("not a validation error: %v", err)
	}
	return e.Fields[0].Field
}

func TestOrganizationRules(t *testing.T) {
	svc, p := newService(t)
	ctx := context.Background()
	head, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "АО «Голова»",
		INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgBranch, ParentID: head.ID,
		Name: "Филиал в Казани", INN: "7707083893", KPP: "165543001"})
	if err != nil {
		t.Fatal(err)
	}
	if branch.OGRN != head.OGRN {
		t.Fatalf("a branch takes its parent's ОГРН, got %q", branch.OGRN)
	}
	tests := []struct {
		name  string
		in    registration.OrganizationInput
		field string
	}{
		{"branch without parent", registration.OrganizationInput{Kind: model.OrgBranch, Name: "Ф", INN: "7707083893", KPP: "165543002"}, "parent_id"},
		{"branch with another ИНН", registration.OrganizationInput{Kind: model.OrgBranch, ParentID: head.ID, Name: "Ф", INN: "7728168971", KPP: "165543002"}, "inn"},
		{"branch with another ОГРН", registration.OrganizationInput{Kind: model.OrgBranch, ParentID: head.ID, Name: "Ф", INN: "7707083893", KPP: "165543002", OGRN: "1027700067328"}, "ogrn"},
		{"parent is a branch", registration.OrganizationInput{Kind: model.OrgLegalEntity, ParentID: branch.ID, Name: "Д", INN: "7728168971", KPP: "770801001", OGRN: "1027700067328"}, "parent_id"},
		{"unknown parent", registration.OrganizationInput{Kind: model.OrgLegalEntity, ParentID: "nope", Name: "Д", INN: "7728168971", KPP: "770801001", OGRN: "1027700067328"}, "parent_id"},
		{"same ИНН and КПП twice", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "Двойник", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"}, "kpp"},
		{"sole proprietor with КПП", registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Иванов", INN: "500100732259", KPP: "773601001", OGRN: "304500116000157"}, "kpp"},
		{"sole proprietor with 10-digit ИНН", registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Иванов", INN: "7707083893", OGRN: "304500116000157"}, "inn"},
		{"sole proprietor with ОГРН instead of ОГРНИП", registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Иванов", INN: "500100732259", OGRN: "1027700132195"}, "ogrn"},
		{"unknown sector", registration.OrganizationInput{Kind: model.OrgLegalEntity, Sector: "church", Name: "Д", INN: "7728168971", KPP: "770801001", OGRN: "1027700067328"}, "sector"},
		{"control characters in the name", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "Д\x00", INN: "7728168971", KPP: "770801001", OGRN: "1027700067328"}, "name"},
		{"sole proprietor", registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Иванов", INN: "500100732259", OGRN: "304500116000157"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateOrganization(ctx, p, "", tc.in)
			if got := fieldOf(t, err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
		})
	}
	t.Run("cycle", func(t *testing.T) {
		sub, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, ParentID: head.ID,
			Name: "Дочка", INN: "7728168971", KPP: "770801001", OGRN: "1027700067328"})
		if err != nil {
			t.Fatal(err)
		}
		in := registration.OrganizationInput{Kind: model.OrgLegalEntity, ParentID: sub.ID, Name: head.Name, INN: head.INN, KPP: head.KPP, OGRN: head.OGRN}
		if _, err := svc.UpdateOrganization(ctx, p, head.ID, in); fieldOf(t, err) != "parent_id" {
			t.Fatalf("a cycle was accepted: %v", err)
		}
		in.ParentID = head.ID
		if _, err := svc.UpdateOrganization(ctx, p, head.ID, in); fieldOf(t, err) != "parent_id" {
			t.Fatalf("an organization became its own parent: %v", err)
		}
	})
}

func TestEmployeeRules(t *testing.T) {
	svc, p := newService(t)
	ctx := context.Background()
	org, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "АО «Голова»",
		INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"})
	if err != nil {
		t.Fatal(err)
	}
	valid := func() registration.EmployeeInput {
		return registration.EmployeeInput{OrganizationID: org.ID, Surname: "Салтыков-Щедрин", GivenName: "Михаил", Patronymic: "Евграфович",
			BirthDate: "1990-01-27", SNILS: "112-233-445 95", INN: "500100732259", Email: "m@example.ru", Phone: "8 (916) 123-45-67",
			Document: model.IdentityDocument{Type: "passport_rf", Series: "45 10", Number: "123456", IssueDate: "2010-02-01",
				Issuer: "ОВД", IssuerCode: "770-001"}}
	}
	tests := []struct {
		name   string
		change func(*registration.EmployeeInput)
		field  string
	}{
		{"valid, normalized", func(*registration.EmployeeInput) {}, ""},
		{"digits in the surname", func(in *registration.EmployeeInput) { in.Surname = "Иванов2" }, "surname"},
		{"missing given name", func(in *registration.EmployeeInput) { in.GivenName = " " }, "given_name"},
		{"birth date not a date", func(in *registration.EmployeeInput) { in.BirthDate = "27.01.1990" }, "birth_date"},
		{"younger than 14", func(in *registration.EmployeeInput) { in.BirthDate = "2015-01-01" }, "birth_date"},
		{"СНИЛС check number", func(in *registration.EmployeeInput) { in.SNILS = "112-233-445 96" }, "snils"},
		{"e-mail with a display name", func(in *registration.EmployeeInput) { in.Email = "Иван <m@example.ru>" }, "email"},
		{"phone too short", func(in *registration.EmployeeInput) { in.Phone = "12345" }, "phone"},
		{"unknown document type", func(in *registration.EmployeeInput) { in.Document.Type = "library_card" }, "document.type"},
		{"passport issued at 10", func(in *registration.EmployeeInput) { in.Document.IssueDate = "2000-02-01" }, "document.issue_date"},
		{"passport issued in the future", func(in *registration.EmployeeInput) { in.Document.IssueDate = "2027-01-01" }, "document.issue_date"},
		{"issuer code format", func(in *registration.EmployeeInput) { in.Document.IssuerCode = "770001" }, "document.issuer_code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.change(&in)
			e, err := svc.CreateEmployee(ctx, p, in)
			if got := fieldOf(t, err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if tc.field == "" && (e.SNILS != "11223344595" || e.Phone != "+79161234567" || e.Document.Series != "4510") {
				t.Fatalf("not normalized: %q %q %q", e.SNILS, e.Phone, e.Document.Series)
			}
		})
	}
}
