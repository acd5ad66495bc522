package roster

import (
	"testing"

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
