package form

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

func TestPDF(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	emp := &model.Employee{Surname: "Семёнова", GivenName: "Алёна", Patronymic: "Петровна", BirthDate: "1990-02-01",
		SNILS: "11223344595", INN: "500100732259", Email: "semenova@example.ru", Phone: "+79161112233", Position: "Бухгалтер",
		Document: model.IdentityDocument{Type: model.DocPassportRF, Series: "4510", Number: "654321", IssueDate: "2010-05-20",
			Issuer: "ОВД района Арбат г. Москвы", IssuerCode: "772-001"}}
	org := &model.Organization{Kind: model.OrgLegalEntity, Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001",
		OGRN: "1027700132195", Address: "г. Москва, ул. Вавилова, д. 19"}
	app := &model.Application{ID: "01a25178-8398-7153-a558-2ce1d045a67c", Kind: model.KindLegalEntityEmployee, CreatedAt: at}
	for _, c := range []struct {
		name       string
		org        *model.Organization
		want, lack []string
	}{
		{"employee of an organization", org, []string{"Семёнова Алёна Петровна", "01.02.1990", "112-233-445 95",
			"4510 654321", "20.05.2010", "772-001", "ООО «Ромашка»", "ОГРН 1027700132195", "сотрудника организации",
			"Паспорт гражданина РФ", "152-ФЗ", "Подпись заявителя", "Семёнова А. П.", "Заявка № " + app.ID, "07.12.2026"}, nil},
		{"without the organization", nil, []string{"Семёнова Алёна Петровна"}, []string{"Сведения об организации"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			raw, err := PDF(Application{App: app, KindName: "сотрудника организации", DocumentName: "Паспорт гражданина РФ",
				Employee: emp, Organization: c.org}, at)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(raw, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %.20q", raw)
			}
			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Skip("pdftotext (poppler-utils) is not installed")
			}
			cmd := exec.Command("pdftotext", "-", "-")
			cmd.Stdin = bytes.NewReader(raw)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q missing in %s", w, text)
				}
			}
			for _, w := range c.lack {
				if strings.Contains(text, w) {
					t.Errorf("%q present", w)
				}
			}
		})
	}
}
