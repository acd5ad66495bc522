package document

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// utf8BOM makes Excel read the file as UTF-8; without it Excel assumes the ANSI code page and shows
// the Cyrillic as mojibake.
const utf8BOM = "\ufeff"

// CSVHeader is the header row of CSV, exported so that readers can check they got the file they expect.
var CSVHeader = []string{"№", "Наименование", "Количество", "Цена, руб.", "Сумма, руб."}

// CSV exports the invoice's lines for a spreadsheet: UTF-8 with a BOM, ';' as the separator and CRLF
// line ends (what Excel expects under a Russian locale, where ',' is the decimal separator), the
// CSVHeader row, one row per line, then three totals rows with the label in the description column and
// the figure in the amount column: "Сумма без НДС", "НДС 22%" (or "Без НДС") and "Всего с НДС" (the
// net, VAT and total stated explicitly, whichever way the line amounts were given). Amounts are rubles
// with a decimal comma and no thousands separator ("1234,50"), so that Excel reads them as numbers.
//
// A text cell that starts with '=', '+', '-', '@' or a tab or carriage return gets a leading apostrophe:
// descriptions contain names typed by clients, and a spreadsheet would otherwise run such a cell as a
// formula (CSV injection).
func CSV(inv Invoice) []byte {
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	// Writing to a bytes.Buffer cannot fail, so the errors of Write are not checked.
	_ = w.Write(CSVHeader)
	for i, l := range inv.Lines {
		_ = w.Write([]string{
			strconv.Itoa(i + 1),
			defuse(l.Description),
			strconv.Itoa(l.Quantity),
			plainRubles(l.PriceKopecks),
			plainRubles(l.AmountKopecks),
		})
	}
	vatLabel := "НДС " + strconv.Itoa(inv.VATRatePercent) + "%"
	if inv.VATRatePercent == 0 {
		vatLabel = "Без НДС"
	}
	_ = w.Write([]string{"", "Сумма без НДС", "", "", plainRubles(inv.NetKopecks)})
	_ = w.Write([]string{"", vatLabel, "", "", plainRubles(inv.VATKopecks)})
	_ = w.Write([]string{"", "Всего с НДС", "", "", plainRubles(inv.TotalKopecks)})
	w.Flush()
	return buf.Bytes()
}

// defuse neutralizes a cell a spreadsheet would evaluate as a formula (see CSV).
func defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
