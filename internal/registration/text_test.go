package registration_test

import (
	"context"
	"testing"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// Names, addresses and positions refuse control and bidirectional formatting characters; person and
// organization names refuse a word mixing Latin and Cyrillic letters (a look-alike of another name).
func TestTextCharacters(t *testing.T) {
	svc, p := newService(t)
	ctx := context.Background()
	org, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "АО «Голова»",
		INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"})
	if err != nil {
		t.Fatal(err)
	}
	orgIn := func(name, address string) registration.OrganizationInput {
		return registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: name, Address: address, INN: "7728168971",
			KPP: "770801001", OGRN: "1027700067328"}
	}
	empIn := func(change func(*registration.EmployeeInput)) registration.EmployeeInput {
		in := registration.EmployeeInput{OrganizationID: org.ID, Surname: "Иванов", GivenName: "Иван", BirthDate: "1990-01-27",
			SNILS: "112-233-445 95", Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456",
				IssueDate: "2010-02-01", Issuer: "ОВД", IssuerCode: "770-001"}}
		change(&in)
		return in
	}
	for _, tc := range []struct {
		name        string
		create      func() error
		field, rule string
	}{
		{"Latin о in an organization name", func() error {
			_, err := svc.CreateOrganization(ctx, p, "", orgIn("ООО «Р\u043eмашкa»", ""))
			return err
		}, "name", "mixed_script"},
		{"right-to-left override in an address", func() error {
			_, err := svc.CreateOrganization(ctx, p, "", orgIn("ООО «Ромашка»", "Москва, \u202eул. Ленина"))
			return err
		}, "address", "bidi"},
		{"escape character in an address", func() error {
			_, err := svc.CreateOrganization(ctx, p, "", orgIn("ООО «Ромашка»", "Москва\x1b[31m"))
			return err
		}, "address", "format"},
		{"Latin and Cyrillic in separate words pass", func() error {
			_, err := svc.CreateOrganization(ctx, p, "", orgIn("ООО «IT-Сервис»", "Москва"))
			return err
		}, "", ""},
		{"Latin о in a surname", func() error {
			_, err := svc.CreateEmployee(ctx, p, empIn(func(in *registration.EmployeeInput) { in.Surname = "Ивaнов" }))
			return err
		}, "surname", "mixed_script"},
		{"Latin in a patronymic", func() error {
			_, err := svc.CreateEmployee(ctx, p, empIn(func(in *registration.EmployeeInput) { in.Patronymic = "Пeтрович" }))
			return err
		}, "patronymic", "mixed_script"},
		{"bidi isolate in a position", func() error {
			_, err := svc.CreateEmployee(ctx, p, empIn(func(in *registration.EmployeeInput) { in.Position = "бухгалтер\u2066" }))
			return err
		}, "position", "bidi"},
		{"invalid UTF-8 in a position", func() error {
			_, err := svc.CreateEmployee(ctx, p, empIn(func(in *registration.EmployeeInput) { in.Position = "бух\xffгалтер" }))
			return err
		}, "position", "encoding"},
		{"a Latin name passes", func() error {
			_, err := svc.CreateEmployee(ctx, p, empIn(func(in *registration.EmployeeInput) { in.Surname, in.SNILS = "Smith", "08765430300" }))
			return err
		}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.create()
			if got := fieldOf(t, err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if err != nil {
				if rule := err.(*errs.Error).Fields[0].Rule; rule != tc.rule {
					t.Fatalf("rule %q, want %q", rule, tc.rule)
				}
			}
		})
	}
}
