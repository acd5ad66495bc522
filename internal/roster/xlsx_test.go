package roster

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kcr-project/kcr/internal/model"
)

// snilsZero is a valid СНИЛС with a leading zero: stored as a number in a spreadsheet it is 1234567819.
const snilsZero = "01234567819"

func TestImportXLSXValues(t *testing.T) {
	for _, c := range []struct {
		name, column string
		docType      model.DocumentType
		v            xlsxValue
		want         string
		ok           bool
	}{
		{"snils leading zero", "snils", "", xlsxValue{v: "1234567819"}, snilsZero, true},
		{"snils full", "snils", "", xlsxValue{v: "45678901238"}, "45678901238", true},
		{"snils exponent", "snils", "", xlsxValue{v: "1.234567819E9"}, snilsZero, true},
		{"person inn", "inn", "", xlsxValue{v: "12345678901"}, "012345678901", true},
		{"org inn 10", "organization_inn", "", xlsxValue{v: "707083893"}, "0707083893", true},
		{"org inn 12", "organization_inn", "", xlsxValue{v: "12345678901"}, "012345678901", true},
		{"kpp", "organization_kpp", "", xlsxValue{v: "73601001"}, "073601001", true},
		{"passport series", "doc_series", "passport_rf", xlsxValue{v: "512"}, "0512", true},
		{"passport number", "doc_number", "passport_rf", xlsxValue{v: "12345"}, "012345", true},
		{"foreign number kept", "doc_number", "foreign_passport", xlsxValue{v: "12345"}, "", false},
		{"too long kept", "snils", "", xlsxValue{v: "123456789012"}, "123456789012", true},
		{"fraction kept", "snils", "", xlsxValue{v: "123.5"}, "", false},
		{"negative kept", "snils", "", xlsxValue{v: "-5"}, "", false},
		{"date cell in digits", "snils", "", xlsxValue{date: true, v: "1990-01-02T00:00:00Z"}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := xlsxDigits(c.v, c.column, c.docType)
			if got != c.want || ok != c.ok {
				t.Errorf("xlsxDigits(%+v, %s) = %q, %v; want %q, %v", c.v, c.column, got, ok, c.want, c.ok)
			}
		})
	}
	for _, c := range []struct {
		name     string
		v        xlsxValue
		date1904 bool
		want     string
		ok       bool
	}{
		{"serial", xlsxValue{v: "32875"}, false, "1990-01-02", true},
		{"serial with time", xlsxValue{v: "32875.75"}, false, "1990-01-02", true},
		{"serial 1904", xlsxValue{v: "31413"}, true, "1990-01-02", true},
		{"iso date cell", xlsxValue{date: true, v: "1990-01-02T00:00:00Z"}, false, "1990-01-02", true},
		{"iso date only", xlsxValue{date: true, v: "1990-01-02"}, false, "1990-01-02", true},
		{"basic iso", xlsxValue{date: true, v: "19900102T000000"}, false, "1990-01-02", true},
		{"not a date", xlsxValue{date: true, v: "soon"}, false, "", false},
		{"zero", xlsxValue{v: "0"}, false, "", false},
		{"beyond 9999", xlsxValue{v: "3000000"}, false, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := xlsxDate(c.v, c.date1904)
			if got != c.want || ok != c.ok {
				t.Errorf("xlsxDate(%+v) = %q, %v; want %q, %v", c.v, got, ok, c.want, c.ok)
			}
		})
	}
}

// TestReadXLSXRussianHeaders: a workbook headed in Russian gets the same typed cells as one headed in English:
// a number СНИЛС its leading zero back, a date cell its ISO date, a text date and the document type in
// words their codes.
func TestReadXLSXRussianHeaders(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	header := []any{"Фамилия", "Имя", "Дата рождения", "СНИЛС", "ИНН организации", "Вид документа", "Серия", "Номер",
		"Дата выдачи", "Кем выдан"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &header))
	row := []any{"Ёжикова", "Анна", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), 1234567819, "7707083893", "Паспорт РФ",
		512, 12345, "20.05.2010", "ОВД"}
	must(f.SetSheetRow("Sheet1", "A2", &row))
	var buf bytes.Buffer
	must(f.Write(&buf))
	file, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Rows) != 1 {
		t.Fatalf("rows %+v", file.Rows)
	}
	for code, want := range map[string]string{"surname": "Ёжикова", "birth_date": "1990-01-02", "snils": snilsZero,
		"doc_type": "passport_rf", "doc_series": "0512", "doc_number": "012345", "doc_issue_date": "2010-05-20"} {
		if got := file.Rows[0].Get(code); got != want {
			t.Errorf("%s = %q, want %q", code, got, want)
		}
	}
}
