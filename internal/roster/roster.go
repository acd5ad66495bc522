// Package roster reads the employee files organizations upload for import (CSV or XLSX, as Russian companies
// keep them: Russian or English column headers, UTF-8 or Windows-1251, «;» or «,» separated) and writes the
// template they can start from. It knows the file format only; checking the rows against the register is the
// registration service's work, showing them the web interface's.
package roster

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/kcr-project/kcr/internal/model"
)

// MaxSize bounds a file (CSV or XLSX).
const MaxSize = 1 << 20

// MaxRows bounds the data rows of one file.
const MaxRows = 2000

// Column is a column of the file by its code (the English header).
type Column struct {
	Code    string   // the English header, e.g. "surname"
	Header  string   // the Russian header of the template, e.g. "Фамилия"
	Aliases []string // other headers people write for it
}

// Columns are the file's columns, in the template's order (a file may order them freely).
var Columns = []Column{
	{"organization_inn", "ИНН организации", []string{"ИНН работодателя", "ИНН юрлица", "ИНН юридического лица"}},
	{"organization_kpp", "КПП организации", []string{"КПП", "КПП работодателя"}},
	{"surname", "Фамилия", nil},
	{"given_name", "Имя", nil},
	{"patronymic", "Отчество", nil},
	{"birth_date", "Дата рождения", nil},
	{"snils", "СНИЛС", []string{"Номер СНИЛС", "Страховой номер"}},
	{"inn", "ИНН", []string{"ИНН сотрудника", "ИНН физлица", "ИНН физического лица"}},
	{"email", "Эл. почта", []string{"Электронная почта", "E-mail", "Почта", "Адрес электронной почты"}},
	{"phone", "Телефон", []string{"Мобильный телефон", "Номер телефона"}},
	{"position", "Должность", nil},
	{"doc_type", "Вид документа", []string{"Тип документа", "Документ", "Документ, удостоверяющий личность"}},
	{"doc_series", "Серия", []string{"Серия документа", "Серия паспорта"}},
	{"doc_number", "Номер", []string{"Номер документа", "Номер паспорта"}},
	{"doc_issue_date", "Дата выдачи", []string{"Дата выдачи документа", "Дата выдачи паспорта"}},
	{"doc_issuer", "Кем выдан", []string{"Кем выдан документ", "Кем выдан паспорт", "Орган, выдавший документ"}},
	{"doc_issuer_code", "Код подразделения", []string{"Код органа"}},
}

// Required are the columns a file must have and a row must fill.
var Required = []string{"organization_inn", "surname", "given_name", "birth_date", "snils", "doc_type", "doc_number",
	"doc_issue_date", "doc_issuer"}

// dateColumns hold dates: ДД.ММ.ГГГГ (or Д.М.ГГГГ) is read as ГГГГ-ММ-ДД.
var dateColumns = map[string]bool{"birth_date": true, "doc_issue_date": true}

// headerKey folds a header so that case, spaces, punctuation and ё do not matter: "Эл. почта" and "эл почта",
// "Дата  выдачи" and "ДАТА ВЫДАЧИ", "doc_type" and "Doc type" are the same.
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ё':
			b.WriteRune('е')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// byHeader maps folded headers to column codes.
var byHeader = func() map[string]string {
	m := map[string]string{}
	for _, c := range Columns {
		for _, h := range append([]string{c.Code, c.Header}, c.Aliases...) {
			m[headerKey(h)] = c.Code
		}
	}
	return m
}()

// ColumnOf is the code of the column a header names, "" for a header the import does not read.
func ColumnOf(header string) string { return byHeader[headerKey(header)] }

// headerName is the Russian header of a column code, with the code: "Фамилия (surname)".
func headerName(code string) string {
	for _, c := range Columns {
		if c.Code == code {
			return c.Header + " (" + code + ")"
		}
	}
	return code
}

// documentTypes maps document types as people write them (folded as headers are) to their codes. The
// numbers are the codes of the ФНС directory of identity documents (СПДУЛ).
var documentTypes = func() map[string]model.DocumentType {
	m := map[string]model.DocumentType{}
	for t, words := range map[model.DocumentType][]string{
		model.DocPassportRF: {"паспорт", "паспорт РФ", "паспорт России", "паспорт гражданина РФ", "паспорт гражданина России",
			"паспорт гражданина Российской Федерации", "общегражданский паспорт", "внутренний паспорт", "21"},
		model.DocForeignPassport: {"паспорт иностранного гражданина", "иностранный паспорт", "паспорт иностранца", "10"},
		model.DocMilitaryID:      {"военный билет", "военный билет офицера запаса", "07", "7"},
		model.DocResidencePermit: {"вид на жительство", "вид на жительство в РФ", "вид на жительство в Российской Федерации", "ВНЖ", "12"},
	} {
		m[headerKey(string(t))] = t
		for _, w := range words {
			m[headerKey(w)] = t
		}
	}
	return m
}()

// DocumentType is the code of a document type written in words ("паспорт РФ", "Военный билет") or as its
// code; anything else comes back as written, for the service to refuse.
func DocumentType(s string) model.DocumentType {
	if t, ok := documentTypes[headerKey(s)]; ok {
		return t
	}
	return model.DocumentType(strings.TrimSpace(s))
}

// isoDate reads ДД.ММ.ГГГГ (or with one-digit day and month) as ГГГГ-ММ-ДД; anything else comes back as
// written.
func isoDate(s string) string {
	d, rest, ok := strings.Cut(s, ".")
	m, y, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(d) < 1 || len(d) > 2 || len(m) < 1 || len(m) > 2 || len(y) != 4 ||
		strings.Trim(d+m+y, "0123456789") != "" {
		return s
	}
	pad := func(v string) string {
		if len(v) == 1 {
			return "0" + v
		}
		return v
	}
	return y + "-" + pad(m) + "-" + pad(d)
}

// Problem is what makes a whole file unreadable; the web interface names it in the user's language.
type Problem string

// The problems of a file.
const (
	ProblemNotText        Problem = "not_text"        // binary data in a CSV (a NUL byte)
	ProblemEmpty          Problem = "empty"           // no header or no data rows
	ProblemBadCSV         Problem = "bad_csv"         // quotes or separators that do not parse
	ProblemTooMany        Problem = "too_many"        // more than MaxRows rows
	ProblemMissingColumns Problem = "missing_columns" // the header lacks required columns (FileError.Missing)
	ProblemXLSXBad        Problem = "xlsx_bad"        // not a readable XLSX workbook
	ProblemXLSXNoSheets   Problem = "xlsx_no_sheets"  // a workbook without sheets
	ProblemXLSXTooLarge   Problem = "xlsx_too_large"  // unpacks to too much
	ProblemXLSXEncrypted  Problem = "xlsx_encrypted"  // protected by a password
	ProblemXLSOld         Problem = "xls_old"         // the old binary XLS format
)

// FileError is a problem of the whole file.
type FileError struct {
	Problem Problem
	Missing []string // for ProblemMissingColumns: the missing columns as "Фамилия (surname)"
}

func (e *FileError) Error() string {
	if len(e.Missing) > 0 {
		return string(e.Problem) + ": " + strings.Join(e.Missing, ", ")
	}
	return string(e.Problem)
}

func fileError(p Problem) error { return &FileError{Problem: p} }

// Row is one non-empty data row.
type Row struct {
	Line   int               // the CSV line or the spreadsheet row it starts on
	Values map[string]string // by column code, trimmed; dates as ГГГГ-ММ-ДД where written ДД.ММ.ГГГГ; doc_type as its code where recognised
}

// Get is the row's value of a column ("" when absent).
func (r Row) Get(code string) string { return r.Values[code] }

// File is a read file: its rows, and the header of each column as the file writes it.
type File struct {
	Rows    []Row
	headers map[string]string
}

// Header is the column's header as the file writes it (so that messages name what the user sees), or the
// code when the file has no such column.
func (f *File) Header(code string) string {
	if h, ok := f.headers[code]; ok {
		return h
	}
	return code
}

// record is a non-empty data row as read: its line and its cells.
type record struct {
	line  int
	cells []string
}

// Read reads an uploaded file, telling CSV from XLSX by the content, not by the name: an XLSX file is a ZIP
// archive; an OLE compound file is a password-protected XLSX or an old XLS. A problem of the whole file is a
// *FileError.
func Read(raw []byte) (*File, error) {
	var header []string
	var recs []record
	var err error
	switch {
	case IsZip(raw):
		header, recs, err = readXLSX(raw)
	case IsOLE(raw):
		// An encrypted OOXML package is an OLE file with an EncryptionInfo stream; anything else is an XLS.
		if bytes.Contains(raw, utf16le("EncryptionInfo")) {
			return nil, fileError(ProblemXLSXEncrypted)
		}
		return nil, fileError(ProblemXLSOld)
	default:
		header, recs, err = readCSV(raw)
	}
	if err != nil {
		return nil, err
	}
	col := headerColumns(header)
	var missing []string
	for _, c := range Required {
		if _, ok := col[c]; !ok {
			missing = append(missing, headerName(c))
		}
	}
	if len(missing) > 0 {
		return nil, &FileError{Problem: ProblemMissingColumns, Missing: missing}
	}
	f := &File{headers: map[string]string{}}
	for code, i := range col {
		f.headers[code] = strings.TrimSpace(header[i])
	}
	for _, rec := range recs {
		row := Row{Line: rec.line, Values: map[string]string{}}
		for code, i := range col {
			if i >= len(rec.cells) {
				continue
			}
			v := strings.TrimSpace(rec.cells[i])
			switch {
			case dateColumns[code]:
				v = isoDate(v)
			case code == "doc_type" && v != "":
				v = string(DocumentType(v))
			}
			row.Values[code] = v
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		return nil, fileError(ProblemEmpty)
	}
	return f, nil
}

// headerColumns maps the column codes a header names to their indexes; the first of two headers naming one
// column wins, and headers the import does not read are left out.
func headerColumns(header []string) map[string]int {
	col := map[string]int{}
	for i, h := range header {
		if c := ColumnOf(h); c != "" {
			if _, seen := col[c]; !seen {
				col[c] = i
			}
		}
	}
	return col
}

// oleMagic starts an OLE compound file (XLS, or an XLSX encrypted with a password).
var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// IsOLE tells an OLE compound file (an XLS, or an XLSX protected by a password) by its first bytes.
func IsOLE(raw []byte) bool { return bytes.HasPrefix(raw, oleMagic) }

// IsZip tells a ZIP archive (an XLSX file) by its first bytes; an empty archive starts with its end record.
func IsZip(raw []byte) bool {
	return bytes.HasPrefix(raw, []byte("PK\x03\x04")) || bytes.HasPrefix(raw, []byte("PK\x05\x06"))
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// blankCells tells a row with nothing but spaces in it.
func blankCells(cells []string) bool {
	for _, v := range cells {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
