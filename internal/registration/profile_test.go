package registration_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// Issue 10 items 10–12: what a certificate needs is checked when the application is created, naming the
// field to correct, never first at issuance after approval; the sign tool is chosen from the certified ones.
func TestApplicationCertificateData(t *testing.T) {
	svc, p := newService(t)
	ctx := context.Background()
	longName := strings.Repeat("Общество с ограниченной ответственностью ", 7)
	org, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: longName,
		INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", Address: "119034, г. Москва, ул. Пречистенка, д. 10", Region: "г. Москва"})
	if err != nil {
		t.Fatal(err)
	}
	if org.RegionCode != "77" {
		t.Fatalf("region code %q, want 77 from the ИНН", org.RegionCode)
	}
	ip, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgSoleProprietor, Name: "ИП Иванов Иван Иванович",
		INN: "500100732259", OGRN: "304500116000157", RegionCode: "50", Region: "Московская область"})
	if err != nil {
		t.Fatal(err)
	}
	snils := []string{"11223345092", "11223345193", "11223345294", "11223345395"}
	employee := func(orgID, surname, inn string) string {
		t.Helper()
		e, err := svc.CreateEmployee(ctx, p, registration.EmployeeInput{OrganizationID: orgID, Surname: surname, GivenName: "Иван",
			Patronymic: "Иванович", BirthDate: "1980-01-02", SNILS: snils[0], INN: inn, Position: "Директор",
			Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456", IssueDate: "2005-03-04",
				Issuer: "ОВД", IssuerCode: "770-001"}})
		if err != nil {
			t.Fatal(err)
		}
		snils = snils[1:]
		return e.ID
	}
	head := employee(org.ID, "Иванов", "")
	longSurname := employee(org.ID, strings.Repeat("Щ", 70), "")
	entrepreneur := employee(ip.ID, "Иванов", "500100732259")
	stranger := employee(ip.ID, "Петров", "772015123411")

	for _, tc := range []struct {
		name  string
		in    registration.ApplicationInput
		field string
	}{
		{"a head's CN over 256 characters", registration.ApplicationInput{EmployeeID: head, Kind: model.KindHead}, "organization.name"},
		{"a surname over 64 characters", registration.ApplicationInput{EmployeeID: longSurname, Kind: model.KindIndividual}, "employee.surname"},
		{"another person's ИНН beside the ОГРНИП", registration.ApplicationInput{EmployeeID: stranger, Kind: model.KindSoleProprietor}, "employee.inn"},
		{"the entrepreneur", registration.ApplicationInput{EmployeeID: entrepreneur, Kind: model.KindSoleProprietor}, ""},
		{"an uncertified sign tool", registration.ApplicationInput{EmployeeID: head, Kind: model.KindIndividual, SignTool: "Самописный CSP"}, "sign_tool"},
		{"a certified sign tool as people write it", registration.ApplicationInput{EmployeeID: head, Kind: model.KindIndividual, SignTool: "«Рутокен ЭЦП 2.0»"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := svc.CreateApplication(ctx, p, tc.in)
			if got := fieldOf(t, err); got != tc.field {
				t.Fatalf("field %q, want %q (%v)", got, tc.field, err)
			}
			if tc.field == "" && tc.in.SignTool != "" && a.SignTool != `СКЗИ "Рутокен ЭЦП 2.0"` {
				t.Fatalf("sign tool %q", a.SignTool)
			}
		})
	}
	t.Run("region code format", func(t *testing.T) {
		_, err := svc.CreateOrganization(ctx, p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Name: "Д",
			INN: "7728168971", KPP: "770801001", OGRN: "1027700067328", RegionCode: "7"})
		if got := fieldOf(t, err); got != "region_code" {
			t.Fatalf("field %q, want region_code", got)
		}
	})
}
