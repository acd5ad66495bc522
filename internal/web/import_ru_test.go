package web

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/roster"
)

// staffCP1251 is a staff file as Excel saves "CSV (разделители — запятые)" on a Russian Windows: Windows-1251,
// «;», Russian headers in the accountant's order, dates ДД.ММ.ГГГГ, the document type in words. The second
// row's СНИЛС is wrong; the first row's is snils (written with dashes, ending in 64 for the default).
func staffCP1251(t *testing.T, snils string) []byte {
	t.Helper()
	text := "Фамилия;Имя;Отчество;Дата рождения;СНИЛС;ИНН организации;КПП организации;Должность;Вид документа;Серия;Номер;" +
		"Дата выдачи;Кем выдан;Код подразделения;Телефон;Эл. почта\r\n" +
		"Семёнова;Алёна;Петровна;01.02.1990;" + snils + ";" + orgAINN + ";773601001;Главный бухгалтер;паспорт РФ;4510;654321;" +
		"20.05.2010;ОВД района Арбат г. Москвы;772-001;+79161112233;semenova@example.ru\r\n" +
		"Тихонов;Олег;Ильич;03.04.1985;123-456-789 65;" + orgAINN + ";773601001;Юрист;паспорт;4511;111222;" +
		"21.06.2011;ОВД Тверской;770-001;;\r\n"
	raw, err := charmap.Windows1251.NewEncoder().Bytes([]byte(text))
	must(t, err)
	return raw
}

// TestEmployeeImportRussianCP1251: a Windows-1251 file with Russian headers is read, its row problems name the
// columns as the file heads them, and confirming creates the employee with the document type and dates
// the register keeps.
func TestEmployeeImportRussianCP1251(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	r := oa.upload("/ui/employees/import/preview", "file", "сотрудники.csv", staffCP1251(t, "123-456-789 64"))
	wantStatus(t, "preview", r, http.StatusOK)
	contains(t, "preview", r.body, "Семёнова Алёна Петровна", "готова к импорту", "Тихонов Олег Ильич",
		"СНИЛС: неверная контрольная сумма СНИЛС", "Без ошибок: 1. С ошибками: 1.", orgAName)
	m := contentRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no content field")
	}
	r = oa.do("POST", "/ui/employees/import", url.Values{"content": {html.UnescapeString(m[1])}})
	wantStatus(t, "confirm", r, http.StatusOK)
	contains(t, "confirm", r.body, "Создано: 1. Не создано: 1.")
	var got *model.Employee
	for _, emp := range orgAEmployees(t, e) {
		if emp.Surname == "Семёнова" {
			got = emp
		}
	}
	if got == nil {
		t.Fatal("not created")
	}
	d := got.Document
	if got.GivenName != "Алёна" || got.BirthDate != "1990-02-01" || d.Type != model.DocPassportRF || d.Number != "654321" ||
		d.IssueDate != "2010-05-20" || d.Issuer != "ОВД района Арбат г. Москвы" || got.Position != "Главный бухгалтер" {
		t.Errorf("created %+v", got)
	}
	// Found afterwards by the given name typed without ё.
	contains(t, "search", oa.get("/ui/employees?q="+url.QueryEscape("алена")).body, "Семёнова Алёна Петровна")
}

func TestImportTemplateDownload(t *testing.T) {
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	contains(t, "import page", oa.get("/ui/employees/import").body, `href="/ui/employees/import/template.csv"`,
		"Скачать шаблон", "ИНН организации;КПП организации;Фамилия;Имя;Отчество")
	r := oa.get("/ui/employees/import/template.csv")
	wantStatus(t, "template", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !bytes.Equal([]byte(r.body), roster.Template()) {
		t.Errorf("body %q", r.body)
	}
	// The template, filled in as it is, goes through the preview (its example organization is A's).
	r = oa.upload("/ui/employees/import/preview", "file", roster.TemplateName, []byte(r.body))
	contains(t, "template preview", r.body, "Иванов Иван Иванович", orgAName)
	acc := e.browser()
	acc.login("accountant")
	wantStatus(t, "accountant", acc.get("/ui/employees/import/template.csv"), http.StatusForbidden)
}
