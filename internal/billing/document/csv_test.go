package document

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
)

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatal("no UTF-8 BOM: Excel would misread the Cyrillic")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	return rows
}

func TestCSVRoundTrip(t *testing.T) {
	inv := sampleInvoice()
	inv.Lines[0].Description = `Сертификат; с "кавычками"` + "\nи переводом строки"
	b := CSV(inv)
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Error("no CRLF line ends")
	}
	rows := readCSV(t, b)
	want := [][]string{
		CSVHeader,
		{"1", inv.Lines[0].Description, "1", "1500,00", "1500,00"},
		{"2", inv.Lines[1].Description, "1", "2500,50", "2500,50"},
		{"3", inv.Lines[2].Description, "2", "600,00", "1200,00"},
		{"", "Сумма без НДС", "", "", "5200,50"},
		{"", "НДС 22%", "", "", "1144,11"},
		{"", "Всего с НДС", "", "", "6344,61"},
	}
	// encoding/csv reads the CRLF inside a quoted field back as LF.
	want[1][1] = strings.ReplaceAll(want[1][1], "\r\n", "\n")
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV rows:\n got %q\nwant %q", rows, want)
	}
}

func TestCSVWithoutVAT(t *testing.T) {
	inv := sampleInvoice()
	inv.VATRatePercent, inv.VATKopecks, inv.TotalKopecks = 0, 0, inv.NetKopecks
	rows := readCSV(t, CSV(inv))
	if got := rows[len(rows)-2]; got[1] != "Без НДС" || got[4] != "0,00" {
		t.Errorf("VAT row = %q", got)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	inv := sampleInvoice()
	inv.Lines[0].Description = `=HYPERLINK("http://evil","Иванов")`
	inv.Lines[1].Description = "@SUM(A1)"
	inv.Lines[2].Description = "-2+3"
	rows := readCSV(t, CSV(inv))
	for i, want := range []string{`'=HYPERLINK("http://evil","Иванов")`, "'@SUM(A1)", "'-2+3"} {
		if got := rows[i+1][1]; got != want {
			t.Errorf("row %d description = %q, want %q", i+1, got, want)
		}
	}
}
