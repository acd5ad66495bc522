package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/roster"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/xuri/excelize/v2"
)

// snilsZero is a valid СНИЛС with a leading zero: stored as a number in a spreadsheet it is 1234567819.
const snilsZero = "01234567819"

// xlsxRow is one row of a test sheet: its number and its cells by column name; a value may be a string (a text
// cell), an int (a number cell), a time.Time (a date cell) or an xlsxSerial (a number with a date format).
type xlsxRow struct {
	n     int
	cells map[string]any
}

// xlsxSerial is a date's serial number, written as a number cell formatted ДД.ММ.ГГГГ.
type xlsxSerial float64

// buildXLSX writes a workbook whose first sheet has the header (the import columns, in reverse order: any order
// is accepted) in row 1 and the given rows.
func buildXLSX(t *testing.T, rows []xlsxRow, opts ...excelize.Options) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	cols := importCodes()
	slices.Reverse(cols)
	colOf := map[string]string{}
	for i, c := range cols {
		name, err := excelize.ColumnNumberToName(i + 1)
		must(t, err)
		colOf[c] = name
		must(t, f.SetCellStr("Sheet1", name+"1", c))
	}
	dateFmt := "dd.mm.yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	must(t, err)
	for _, r := range rows {
		for c, v := range r.cells {
			ref := fmt.Sprintf("%s%d", colOf[c], r.n)
			switch v := v.(type) {
			case string:
				must(t, f.SetCellStr("Sheet1", ref, v))
			case int:
				must(t, f.SetCellInt("Sheet1", ref, int64(v)))
			case time.Time:
				must(t, f.SetCellValue("Sheet1", ref, v))
			case xlsxSerial:
				must(t, f.SetCellFloat("Sheet1", ref, float64(v), -1, 64))
				must(t, f.SetCellStyle("Sheet1", ref, ref, dateStyle))
			default:
				t.Fatalf("cell %s: %T", ref, v)
			}
		}
	}
	var buf bytes.Buffer
	must(t, f.Write(&buf, opts...))
	return buf.Bytes()
}

// xlsxEmployee is a good row's cells (text cells) for org A, which a test changes.
func xlsxEmployee(surname, snils string) map[string]any {
	return map[string]any{"organization_inn": orgAINN, "organization_kpp": "773601001", "surname": surname,
		"given_name": "Анна", "patronymic": "Ивановна", "birth_date": "1990-01-02", "snils": snils, "email": "anna@example.ru",
		"phone": "+79161110000", "position": "экономист", "doc_type": "passport_rf", "doc_series": "4512",
		"doc_number": "123123", "doc_issue_date": "2010-02-03", "doc_issuer": "ОВД Тверской", "doc_issuer_code": "770-001"}
}

func with(cells map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(cells, kv[i].(string))
		} else {
			cells[kv[i].(string)] = kv[i+1]
		}
	}
	return cells
}

// rewriteZip copies a ZIP archive, replacing (or adding) the parts given by name; a nil part is dropped.
func rewriteZip(t *testing.T, raw []byte, parts map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	done := map[string]bool{}
	write := func(name string, b []byte) {
		w, err := zw.Create(name)
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
	}
	for _, zf := range zr.File {
		if b, ok := parts[zf.Name]; ok {
			done[zf.Name] = true
			if b != nil {
				write(zf.Name, b)
			}
			continue
		}
		rc, err := zf.Open()
		must(t, err)
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		must(t, err)
		rc.Close()
		write(zf.Name, b.Bytes())
	}
	for name, b := range parts {
		if !done[name] && b != nil {
			write(name, b)
		}
	}
	must(t, zw.Close())
	return out.Bytes()
}

const sheetXMLHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`

// noise is n bytes that do not compress.
func noise(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func orgAEmployees(t *testing.T, e *env) []*model.Employee {
	t.Helper()
	emps, _, err := e.db.Employees(context.Background(), storage.Scope{}, storage.EmployeeFilter{OrganizationID: e.orgA},
		storage.Page{Limit: 100})
	must(t, err)
	return emps
}

func TestEmployeeImportXLSX(t *testing.T) {
	if err := requisites.ValidateSNILS(snilsZero); err != nil {
		t.Fatalf("test СНИЛС %s: %v", snilsZero, err)
	}
	e := newEnv(t)
	oa := e.browser()
	oa.login("org_admin")
	before := len(orgAEmployees(t, e))

	// Row 2: numbers for ИНН, КПП, СНИЛС (leading zero) and the series, a date cell, a text date ДД.ММ.ГГГГ.
	// Row 3: errors (no given name, a wrong СНИЛС). Rows 4 (absent) and 5 (spaces only) are empty.
	// Row 6: a text СНИЛС, a number with a date format, a passport number 012345 stored as a number.
	// Row 7: a ten-digit СНИЛС as text: a text cell is not padded, so it is wrong.
	good := buildXLSX(t, []xlsxRow{
		{2, with(xlsxEmployee("Сидорова", ""), "organization_inn", 7707083893, "organization_kpp", 773601001,
			"snils", 1234567819, "doc_series", 4512, "birth_date", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC),
			"doc_issue_date", "03.02.2010")},
		{3, with(xlsxEmployee("Кузнецова", ""), "given_name", nil, "snils", 12345678900)},
		{5, map[string]any{"surname": "   ", "position": " "}},
		{6, with(xlsxEmployee("Орлова", "45678901238"), "birth_date", "04.03.1991",
			"doc_issue_date", xlsxSerial(40669), "doc_number", 12345)}, // 40669 is 2011-05-06
		{7, with(xlsxEmployee("Петрова", "1234567819"))},
	})
	var content string
	for _, c := range []struct {
		name   string // the test and the uploaded file's name
		want   []string
		absent []string
	}{
		{"staff.xlsx", []string{"Предварительный просмотр", "Сидорова Анна Ивановна", snilsZero, "готова к импорту",
			"Орлова Анна Ивановна", "45678901238", "Имя: обязательное поле", "СНИЛС: неверная контрольная сумма СНИЛС",
			`<td class="mono">1234567819</td>`, `<td class="mono">01234567819</td>`, "Без ошибок: 2. С ошибками: 2.", `action="/ui/employees/import"`,
			"<td>2</td>", "<td>3</td>", "<td>6</td>", "<td>7</td>"},
			[]string{"<td>4</td>", "<td>5</td>"}},
		// The content decides, not the name.
		{"staff.csv", []string{"Сидорова Анна Ивановна", "Без ошибок: 2. С ошибками: 2."}, nil},
	} {
		t.Run("preview "+c.name, func(t *testing.T) {
			r := oa.upload("/ui/employees/import/preview", "file", c.name, good)
			wantStatus(t, "preview", r, http.StatusOK)
			contains(t, "preview", r.body, c.want...)
			lacks(t, "preview", r.body, c.absent...)
			if n := len(orgAEmployees(t, e)); n != before {
				t.Fatalf("the preview created employees: %d, want %d", n, before)
			}
			m := contentRe.FindStringSubmatch(r.body)
			if m == nil {
				t.Fatal("no content field")
			}
			content = html.UnescapeString(m[1])
			if raw, err := base64.StdEncoding.DecodeString(content); err != nil || !bytes.Equal(raw, good) {
				t.Fatalf("the preview does not carry the file back: %v", err)
			}
		})
	}

	t.Run("confirm", func(t *testing.T) {
		r := oa.do("POST", "/ui/employees/import", url.Values{"content": {content}})
		wantStatus(t, "confirm", r, http.StatusOK)
		contains(t, "confirm", r.body, "Результат импорта", "Создано: 2. Не создано: 2.", "создан",
			"Имя: обязательное поле", "СНИЛС: неверная контрольная сумма")
		emps := orgAEmployees(t, e)
		if len(emps) != before+2 {
			t.Fatalf("%d employees in A, want %d", len(emps), before+2)
		}
		got := map[string]*model.Employee{}
		for _, emp := range emps {
			got[emp.Surname] = emp
		}
		for _, w := range []struct {
			surname, snils, birth, series, number, issued string
		}{
			{"Сидорова", snilsZero, "1990-01-02", "4512", "123123", "2010-02-03"},
			{"Орлова", "45678901238", "1991-03-04", "4512", "012345", "2011-05-06"},
		} {
			emp := got[w.surname]
			if emp == nil {
				t.Errorf("%s not created", w.surname)
				continue
			}
			if emp.SNILS != w.snils || emp.BirthDate != w.birth || emp.Document.Series != w.series ||
				emp.Document.Number != w.number || emp.Document.IssueDate != w.issued || emp.OrganizationID != e.orgA {
				t.Errorf("%s: %+v", w.surname, emp)
			}
		}
		for _, s := range []string{"Кузнецова", "Петрова"} {
			if got[s] != nil {
				t.Errorf("%s created from a row with errors", s)
			}
		}
	})

	// A sheet written without cell and row references (as some generators do): rows and cells are numbered one
	// after the other, the way excelize numbers them, and the number СНИЛС still gets its zero back.
	t.Run("sheet without references", func(t *testing.T) {
		var x strings.Builder
		x.WriteString(sheetXMLHead + "<row>")
		for _, c := range importCodes() {
			fmt.Fprintf(&x, `<c t="inlineStr"><is><t>%s</t></is></c>`, c)
		}
		x.WriteString("</row><row/><row>")
		row := xlsxEmployee("Сидорова", "")
		for _, c := range importCodes() {
			switch c {
			case "snils":
				x.WriteString("<c><v>1234567819</v></c>")
			case "inn":
				x.WriteString("<c/>")
			default:
				fmt.Fprintf(&x, `<c t="inlineStr"><is><t>%s</t></is></c>`, row[c])
			}
		}
		x.WriteString("</row></sheetData></worksheet>")
		raw := rewriteZip(t, buildXLSX(t, nil), map[string][]byte{"xl/worksheets/sheet1.xml": []byte(x.String())})
		r := oa.upload("/ui/employees/import/preview", "file", "staff.xlsx", raw)
		wantStatus(t, "preview", r, http.StatusOK)
		contains(t, "preview", r.body, "<td>3</td>", `<td class="mono">01234567819</td>`, "Без ошибок: 1. С ошибками: 0.")
	})

	// Files refused as a whole: a message at the file field, nothing created.
	var tooMany []xlsxRow
	for i := range roster.MaxRows + 1 {
		tooMany = append(tooMany, xlsxRow{i + 2, xlsxEmployee(fmt.Sprintf("Сотрудник%d", i), "")})
	}
	var blanks strings.Builder
	blanks.WriteString(sheetXMLHead)
	for i := range 200 { // a space in the last column of 200 rows: 3 million cells to show nothing
		fmt.Fprintf(&blanks, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>`, i+1, i+1)
	}
	blanks.WriteString(`</sheetData></worksheet>`)
	headerOnly := buildXLSX(t, nil)
	encrypted := buildXLSX(t, []xlsxRow{{2, xlsxEmployee("Зайцева", "45678901238")}}, excelize.Options{Password: "секрет"})
	beforeRefused := len(orgAEmployees(t, e))
	// The message when the same bytes come to confirm, where it differs; "-": not refused there (only the preview
	// knows the file's name; confirm takes at most maxImportSize).
	confirmWant := map[string]string{"csv named xlsx": "-", "file too large": "Выберите файл CSV или XLSX."}
	for _, c := range []struct {
		name, file string
		raw        []byte
		want       string
	}{
		{"corrupt", "staff.xlsx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0x5a}, 500)...),
			"Файл не читается как XLSX"},
		{"truncated", "staff.xlsx", good[:len(good)/2], "Файл не читается как XLSX"},
		{"csv named xlsx", "staff.xlsx", []byte(importHeader + importRowCSV(orgAINN, "773601001", "Орлова", "45678901238")),
			"Файл не читается как XLSX"},
		{"password", "staff.xlsx", encrypted, "Файл защищён паролем"},
		{"old xls", "staff.xls", append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 1000)...), "Старый формат Excel (XLS)"},
		{"no sheets", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/workbook.xml": []byte(
			`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>`)}),
			"В файле XLSX нет ни одного листа"},
		{"not a workbook", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"[Content_Types].xml": nil,
			"_rels/.rels": nil, "xl/workbook.xml": nil}), "Файл не читается как XLSX"},
		{"header only", "staff.xlsx", headerOnly, "В файле нет строк с данными"},
		{"missing columns", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/worksheets/sheet1.xml": []byte(
			sheetXMLHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>surname</t></is></c></row>` +
				`<row r="2"><c r="A2" t="inlineStr"><is><t>Иванов</t></is></c></row></sheetData></worksheet>`)}),
			"В заголовке нет столбцов: ИНН организации (organization_inn), Имя (given_name)"},
		{"file too large", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/media/noise.bin": noise(maxImportSize)}),
			"Файл слишком большой"},
		{"too many rows", "staff.xlsx", buildXLSX(t, tooMany), "Слишком много строк"},
		{"unpacks too big", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/media/zeros.bin": make([]byte, 17<<20)}),
			"Файл XLSX слишком большой или сложный"},
		{"styles bomb", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/styles.xml": []byte(
			`<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>` +
				strings.Repeat("<xf/>", 300_000) + `</cellXfs></styleSheet>`)}),
			"Файл XLSX слишком большой или сложный"},
		{"styles bomb in latin-1", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/styles.xml": []byte(
			`<?xml version="1.0" encoding="ISO-8859-1"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>` +
				"\xe9" + strings.Repeat("<xf/>", 300_000) + `</cellXfs></styleSheet>`)}),
			"Файл XLSX слишком большой или сложный"},
		{"elements in a part named as a sheet", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{
			"xl/worksheets/sheet9.xml": []byte(sheetXMLHead + strings.Repeat("<row/>", 300_000) + `</sheetData></worksheet>`)}),
			"Файл XLSX слишком большой или сложный"},
		{"too many sheets", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/workbook.xml": []byte(
			`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
				`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` +
				strings.Repeat(`<sheet name="x" sheetId="1" r:id="rId1"/>`, 1001) + `</sheets></workbook>`)}),
			"Файл XLSX слишком большой или сложный"},
		{"wide blank rows", "staff.xlsx", rewriteZip(t, headerOnly, map[string][]byte{"xl/worksheets/sheet1.xml": []byte(blanks.String())}),
			"Файл XLSX слишком большой или сложный"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := oa.upload("/ui/employees/import/preview", "file", c.file, c.raw)
			wantStatus(t, "preview", r, http.StatusUnprocessableEntity)
			contains(t, "preview", r.body, `data-field="file">`+c.want)
			lacks(t, "preview", r.body, `id="import-confirm"`)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			// The same bytes sent to confirm (as a forged form) are refused the same way.
			want, ok := confirmWant[c.name]
			if want == "-" {
				return
			}
			if !ok {
				want = c.want
			}
			r = oa.do("POST", "/ui/employees/import", url.Values{"content": {base64.StdEncoding.EncodeToString(c.raw)}})
			wantStatus(t, "confirm", r, http.StatusUnprocessableEntity)
			contains(t, "confirm", r.body, `data-field="file">`+want)
		})
	}
	if n := len(orgAEmployees(t, e)); n != beforeRefused {
		t.Fatalf("refused files created employees: %d, want %d", n, beforeRefused)
	}
	t.Run("form", func(t *testing.T) {
		r := oa.get("/ui/employees/import")
		wantStatus(t, "form", r, http.StatusOK)
		contains(t, "form", r.body, "Импорт сотрудников из CSV или XLSX", "Файл CSV или XLSX", `accept=".csv,.xlsx,`,
			"XLSX — читается первый лист")
	})
}

// importCodes are the import's column codes (the English headers), in the template's order.
func importCodes() []string {
	var out []string
	for _, c := range roster.Columns {
		out = append(out, c.Code)
	}
	return out
}
