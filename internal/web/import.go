package web

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html/charset"
)

// maxImportSize bounds an uploaded file (CSV or XLSX); the preview carries it back in a hidden field (base64).
const maxImportSize = 1 << 20

// maxImportRows bounds the rows of one import.
const maxImportRows = 2000

// importColumns are the header's columns (CSV or XLSX), in the documented order (any order is accepted).
var importColumns = []string{"organization_inn", "organization_kpp", "surname", "given_name", "patronymic", "birth_date",
	"snils", "inn", "email", "phone", "position", "doc_type", "doc_series", "doc_number", "doc_issue_date", "doc_issuer",
	"doc_issuer_code"}

// importRequired are the columns a row must fill.
var importRequired = []string{"organization_inn", "surname", "given_name", "birth_date", "snils", "doc_type", "doc_number",
	"doc_issue_date", "doc_issuer"}

// serviceColumn names the CSV column of a service field.
var serviceColumn = map[string]string{"organization_id": "organization_inn", "document.type": "doc_type",
	"document.series": "doc_series", "document.number": "doc_number", "document.issue_date": "doc_issue_date",
	"document.issuer": "doc_issuer", "document.issuer_code": "doc_issuer_code"}

// importRow is one row of the file: its line, the values, the input it becomes, and its problems.
type importRow struct {
	Line   int
	Name   string
	SNILS  string
	Org    string
	Errors []string
	Result string // after confirm: "created" or ""
	in     registration.EmployeeInput
}

type importData struct {
	Columns   []string
	Content   string // base64 of the uploaded file, for the confirm form
	Rows      []importRow
	FileError string
	Good, Bad int
	Confirmed bool
	Created   int
	Failed    int
}

func (h *Handler) importForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	h.render(w, r, http.StatusOK, "import", l.T("imp.title"), p, importData{Columns: importColumns})
}

// importPreview reads the uploaded file and shows every row with what is wrong in it; nothing is created.
func (h *Handler) importPreview(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	d := importData{Columns: importColumns}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportSize+64<<10)
	f, fh, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		d.FileError = l.T("imp.no_file")
		if errors.As(err, &tooBig) {
			d.FileError = l.T("imp.too_large")
		}
		h.render(w, r, http.StatusUnprocessableEntity, "import", l.T("imp.title"), p, d)
		return
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxImportSize+1))
	if err != nil || len(raw) > maxImportSize {
		d.FileError = l.T("imp.too_large")
		h.render(w, r, http.StatusUnprocessableEntity, "import", l.T("imp.title"), p, d)
		return
	}
	// The content decides the format; a file named .xlsx that is not a ZIP archive is a broken XLSX, not a CSV.
	if strings.EqualFold(path.Ext(fh.Filename), ".xlsx") && !isZip(raw) && !bytes.HasPrefix(raw, oleMagic) {
		d.FileError = l.T("imp.xlsx_bad")
		h.render(w, r, http.StatusUnprocessableEntity, "import", l.T("imp.title"), p, d)
		return
	}
	h.importShow(w, r, p, raw, false)
}

// importConfirm creates the rows of the file carried back by the preview, one by one, and reports each.
func (h *Handler) importConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(base64.StdEncoding.EncodedLen(maxImportSize)+64<<10))
	raw, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	if err != nil || len(raw) == 0 || len(raw) > maxImportSize {
		h.render(w, r, http.StatusUnprocessableEntity, "import", l.T("imp.title"), p,
			importData{Columns: importColumns, FileError: l.T("imp.no_file")})
		return
	}
	h.importShow(w, r, p, raw, true)
}

func (h *Handler) importShow(w http.ResponseWriter, r *http.Request, p *access.Principal, raw []byte, confirm bool) {
	l := localeOf(r)
	d := importData{Columns: importColumns, Content: base64.StdEncoding.EncodeToString(raw), Confirmed: confirm}
	rows, err := h.parseImport(r, p, raw)
	var fe importFileError
	if errors.As(err, &fe) {
		d.FileError = fe.text(l)
		d.Content = ""
		h.render(w, r, http.StatusUnprocessableEntity, "import", l.T("imp.title"), p, d)
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	for i := range rows {
		row := &rows[i]
		if confirm && row.in.OrganizationID != "" {
			// The service checks everything again and decides; local problems other than the organization are
			// replaced by its answer.
			row.Errors = nil
			if _, err := h.Reg.CreateEmployee(r.Context(), p, row.in); err != nil {
				row.Errors = rowErrors(l, err)
			} else {
				row.Result = "created"
			}
		}
		if len(row.Errors) > 0 {
			d.Bad++
		} else {
			d.Good++
		}
	}
	if confirm {
		d.Created, d.Failed = d.Good, d.Bad
	}
	d.Rows = rows
	h.render(w, r, http.StatusOK, "import", l.T("imp.title"), p, d)
}

// rowErrors is a service error of one row in l, each field named by its CSV column.
func rowErrors(l locale, err error) []string {
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		var out []string
		for _, f := range e.Fields {
			col := f.Field
			if c, ok := serviceColumn[col]; ok {
				col = c
			}
			out = append(out, l.columnName(col)+": "+ruleText(l, f))
		}
		return out
	}
	pr := formProblem(l, err)
	return []string{pr.Message}
}

// importFileError is a problem of the whole file, shown at the file field: its catalogue key and, for the
// missing columns, their names. The readers keep the key so that they need no language.
type importFileError struct{ key, detail string }

func (e importFileError) Error() string { return e.key + e.detail }

// text is the problem's message in l.
func (e importFileError) text(l locale) string { return l.T(e.key) + e.detail }

// importRecord is one non-empty data row of the file: its line (CSV) or row number (XLSX) and its cells.
type importRecord struct {
	line  int
	cells []string
}

// readImport reads the header and the non-empty data rows of an uploaded file, telling CSV from XLSX by the
// content, not by the name: an XLSX file is a ZIP archive; an OLE compound file is a password-protected XLSX
// or an old XLS.
func readImport(raw []byte) ([]string, []importRecord, error) {
	switch {
	case isZip(raw):
		return readXLSX(raw)
	case bytes.HasPrefix(raw, oleMagic):
		// An encrypted OOXML package is an OLE file with an EncryptionInfo stream; anything else is an XLS.
		if bytes.Contains(raw, utf16le("EncryptionInfo")) {
			return nil, nil, importFileError{key: "imp.xlsx_encrypted"}
		}
		return nil, nil, importFileError{key: "imp.xls_old"}
	}
	return readCSV(raw)
}

// oleMagic starts an OLE compound file (XLS, or an XLSX encrypted with a password).
var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// isZip tells a ZIP archive (an XLSX file) by its first bytes; an empty archive starts with its end record.
func isZip(raw []byte) bool {
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

// headerColumns maps the lower-cased, trimmed column names of a header to their indexes.
func headerColumns(header []string) map[string]int {
	col := map[string]int{}
	for i, hname := range header {
		col[strings.ToLower(strings.TrimSpace(hname))] = i
	}
	return col
}

// readCSV reads a CSV file: UTF-8 with or without BOM, ';' or ',' separated.
func readCSV(raw []byte) ([]string, []importRecord, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	// A NUL byte is not text either, and PostgreSQL refuses it in the organization lookup.
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return nil, nil, importFileError{key: "imp.not_utf8"}
	}
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, importFileError{key: "imp.empty"}
	}
	var recs []importRecord
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, importFileError{key: "imp.bad_csv"}
		}
		if blankCells(rec) {
			continue
		}
		if len(recs) >= maxImportRows {
			return nil, nil, importFileError{key: "imp.too_many"}
		}
		recs = append(recs, importRecord{line: line, cells: rec})
	}
	return header, recs, nil
}

// parseImport reads the file (CSV or XLSX) and checks each row locally: the required columns, the СНИЛС and ИНН
// checksums and the organization, found in the caller's scope by ИНН and КПП.
func (h *Handler) parseImport(r *http.Request, p *access.Principal, raw []byte) ([]importRow, error) {
	l := localeOf(r)
	header, recs, err := readImport(raw)
	if err != nil {
		return nil, err
	}
	col := headerColumns(header)
	var missing []string
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, importFileError{key: "imp.missing_columns", detail: strings.Join(missing, ", ")}
	}
	type orgKey struct{ inn, kpp string }
	orgs := map[orgKey]*model.Organization{}
	found := map[orgKey]bool{}
	var rows []importRow
	for _, rec := range recs {
		get := func(c string) string {
			if i := col[c]; i < len(rec.cells) {
				return strings.TrimSpace(rec.cells[i])
			}
			return ""
		}
		row := importRow{Line: rec.line, Name: strings.TrimSpace(get("surname") + " " + get("given_name") + " " + get("patronymic")),
			SNILS: get("snils")}
		for _, c := range importRequired {
			if get(c) == "" {
				row.Errors = append(row.Errors, l.columnName(c)+": "+l.T("rule.required"))
			}
		}
		if s := get("snils"); s != "" && requisites.ValidateSNILS(requisites.NormalizeSNILS(s)) != nil {
			row.Errors = append(row.Errors, l.columnName("snils")+": "+l.T("imp.bad_snils"))
		}
		if s := get("inn"); s != "" && requisites.ValidateINN12(s) != nil {
			row.Errors = append(row.Errors, l.columnName("inn")+": "+l.T("imp.bad_inn"))
		}
		k := orgKey{get("organization_inn"), get("organization_kpp")}
		if k.inn != "" {
			if !found[k] {
				found[k] = true
				pg, err := h.Reg.Organizations(r.Context(), p, storage.OrgFilter{INN: k.inn, KPP: k.kpp},
					registration.PageRequest{Limit: 2})
				if err != nil && errs.KindOf(err) != errs.Invalid {
					return nil, err
				}
				if err == nil && len(pg.Items) == 1 && pg.Items[0].KPP == k.kpp {
					orgs[k] = pg.Items[0]
				}
			}
			if o := orgs[k]; o != nil {
				row.Org = o.Name
			} else {
				row.Errors = append(row.Errors, l.columnName("organization_inn")+": "+l.T("imp.org_not_found"))
			}
		}
		row.in = registration.EmployeeInput{Surname: get("surname"), GivenName: get("given_name"),
			Patronymic: get("patronymic"), BirthDate: isoDate(get("birth_date")), SNILS: get("snils"), INN: get("inn"),
			Email: get("email"), Phone: get("phone"), Position: get("position"),
			Document: model.IdentityDocument{Type: model.DocumentType(get("doc_type")), Series: get("doc_series"), Number: get("doc_number"),
				IssueDate: isoDate(get("doc_issue_date")), Issuer: get("doc_issuer"), IssuerCode: get("doc_issuer_code")}}
		if o := orgs[k]; o != nil {
			row.in.OrganizationID = o.ID
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, importFileError{key: "imp.empty"}
	}
	return rows, nil
}

// xlsxUnzipLimit bounds what an XLSX upload may unpack to, all its parts together and so any worksheet or shared
// strings table alone (excelize's two limits are the same, so nothing is spilled to temporary files). 2000 rows
// of 17 columns are a few MiB of XML.
const xlsxUnzipLimit = 16 << 20

// xlsxMaxElements bounds the XML elements of all the parts of an XLSX file together. excelize decodes some parts
// whole (the styles, the workbook, the shared strings), where an element costs a few hundred bytes and a few MiB
// of empty elements are millions; the worksheet is read as a stream but counts too, so that no part escapes by
// its name. 2000 rows of 17 columns with their shared strings are under 180 000.
const xlsxMaxElements = 250_000

// xlsxMaxSheets bounds the sheets of a workbook: excelize matches every sheet with every relationship.
const xlsxMaxSheets = 1000

// xlsxMaxCells bounds the cells read from the first sheet, the empty ones before a row's last value included.
const xlsxMaxCells = 1 << 20

// checkXLSXPackage refuses a ZIP archive that would unpack to too much (a zip bomb): by the declared sizes, which
// excelize checks again and the zip reader holds each part to, and by the XML elements of its parts, counted as a
// stream before excelize decodes any.
func checkXLSXPackage(raw []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return importFileError{key: "imp.xlsx_bad"}
	}
	var total uint64
	for _, zf := range zr.File {
		if total += zf.UncompressedSize64; total > xlsxUnzipLimit {
			return importFileError{key: "imp.xlsx_too_large"}
		}
	}
	elements, sheets := 0, 0
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return importFileError{key: "imp.xlsx_bad"}
		}
		d := xml.NewDecoder(rc)
		d.CharsetReader = charset.NewReaderLabel // as excelize decodes
		for {
			tok, err := d.RawToken()
			if err != nil {
				break // the end, or not XML (a picture): excelize's decoder stops there too
			}
			if el, ok := tok.(xml.StartElement); ok {
				elements++
				if el.Name.Local == "sheet" {
					sheets++
				}
				if elements > xlsxMaxElements || sheets > xlsxMaxSheets {
					rc.Close()
					return importFileError{key: "imp.xlsx_too_large"}
				}
			}
		}
		rc.Close()
	}
	return nil
}

// xlsxDateColumns are the date columns: a date cell (or a number, the date's serial) in them becomes ГГГГ-ММ-ДД.
var xlsxDateColumns = map[string]bool{"birth_date": true, "doc_issue_date": true}

// xlsxDigitColumns are the columns of digits of a fixed width, whose leading zeros a number cell loses.
var xlsxDigitColumns = map[string]bool{"snils": true, "inn": true, "organization_inn": true,
	"organization_kpp": true, "doc_series": true, "doc_number": true}

// digitsWidth is the width a number in a digit column is padded to with leading zeros: СНИЛС 11, ИНН of a person
// 12, ИНН of an organization 10 (12 for an individual entrepreneur's), КПП 9, a Russian passport's series 4 and
// number 6; 0 when the width is not fixed.
func digitsWidth(column string, digits int, docType string) int {
	switch column {
	case "snils":
		return 11
	case "inn":
		return 12
	case "organization_kpp":
		return 9
	case "organization_inn":
		if digits <= 10 {
			return 10
		}
		return 12
	case "doc_series":
		if docType == "passport_rf" {
			return 4
		}
	case "doc_number":
		if docType == "passport_rf" {
			return 6
		}
	}
	return 0
}

// readXLSX reads the first sheet of an XLSX file: the first non-empty row is the header, the data rows are
// numbered as in the spreadsheet and the cells come as the user sees them (excelize applies their number
// formats), except that date cells in the date columns become ГГГГ-ММ-ДД and number cells in the digit columns
// get their leading zeros back; text cells are left as they are.
func readXLSX(raw []byte) (header []string, recs []importRecord, err error) {
	defer func() {
		// excelize parses an untrusted file: its panic is a broken file, not a broken server.
		if v := recover(); v != nil {
			header, recs, err = nil, nil, importFileError{key: "imp.xlsx_bad"}
		}
	}()
	if err := checkXLSXPackage(raw); err != nil {
		return nil, nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxUnzipLimit})
	if err != nil {
		return nil, nil, importFileError{key: "imp.xlsx_bad"}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, importFileError{key: "imp.xlsx_no_sheets"}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, importFileError{key: "imp.xlsx_bad"}
	}
	defer rows.Close()
	var col map[string]int
	width := 0 // the cells kept of a row: up to the last import column
	byRow := map[int]int{}
	budget := xlsxMaxCells
	for n := 1; rows.Next(); n++ { // Next visits every row number, the missing rows too
		cells, err := rows.Columns()
		if err != nil {
			return nil, nil, importFileError{key: "imp.xlsx_bad"}
		}
		// A row comes filled up to its last value: a space far right in many rows costs much and shows nothing.
		if budget -= len(cells); budget < 0 {
			return nil, nil, importFileError{key: "imp.xlsx_too_large"}
		}
		if blankCells(cells) {
			continue
		}
		if header == nil {
			header, col = cells, headerColumns(cells)
			for _, c := range importColumns {
				if i, ok := col[c]; ok && i >= width {
					width = i + 1
				}
			}
			continue
		}
		if len(recs) >= maxImportRows {
			return nil, nil, importFileError{key: "imp.too_many"}
		}
		byRow[n] = len(recs)
		recs = append(recs, importRecord{line: n, cells: slices.Clone(cells[:min(len(cells), width)])})
	}
	if rows.Error() != nil {
		return nil, nil, importFileError{key: "imp.xlsx_bad"}
	}
	if header == nil {
		return nil, nil, importFileError{key: "imp.empty"}
	}
	typed := map[int]string{} // column number (from 1) → name, of the date and digit columns
	for c, i := range col {
		if xlsxDateColumns[c] || xlsxDigitColumns[c] {
			typed[i+1] = c
		}
	}
	if len(recs) == 0 || len(typed) == 0 {
		return header, recs, nil
	}
	// The formatted values do not tell a number from a text; the sheet's XML does. It is scanned as a stream:
	// excelize's per-cell getters would load the whole sheet, and expand a sparse one.
	part, ok := firstSheetPart(f)
	if !ok {
		return nil, nil, importFileError{key: "imp.xlsx_bad"}
	}
	values, err := scanTypedCells(part, byRow, typed)
	if err != nil {
		return nil, nil, importFileError{key: "imp.xlsx_bad"}
	}
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	for at, v := range values {
		rec, i, c := &recs[byRow[at[0]]], at[1]-1, typed[at[1]]
		if i >= len(rec.cells) || strings.TrimSpace(rec.cells[i]) == "" {
			continue // shown as nothing (a format such as ;;;): left as the user sees it
		}
		if xlsxDateColumns[c] {
			if s, ok := xlsxDate(v, date1904); ok {
				rec.cells[i] = s
			}
			continue
		}
		docType := ""
		if j, ok := col["doc_type"]; ok && j < len(rec.cells) {
			docType = strings.TrimSpace(rec.cells[j])
		}
		if s, ok := xlsxDigits(v, c, docType); ok {
			rec.cells[i] = s
		}
	}
	return header, recs, nil
}

// xlsxValue is the stored value of a number cell, or of a date cell (ISO 8601) when date is set.
type xlsxValue struct {
	date bool
	v    string
}

// xlsxDate is a date cell, or a number (the date's serial), as ГГГГ-ММ-ДД.
func xlsxDate(v xlsxValue, date1904 bool) (string, bool) {
	if v.date {
		s, _, _ := strings.Cut(strings.TrimSpace(v.v), "T")
		s, _, _ = strings.Cut(s, " ")
		if len(s) == 8 && !strings.Contains(s, "-") {
			s = s[:4] + "-" + s[4:6] + "-" + s[6:]
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "", false
		}
		return s, true
	}
	serial, err := strconv.ParseFloat(v.v, 64)
	if err != nil || serial < 1 || serial >= 2958466 { // 9999-12-31 is the last date Excel has
		return "", false
	}
	t, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// xlsxDigits is a whole number of a digit column with the leading zeros its column's width needs.
func xlsxDigits(v xlsxValue, column, docType string) (string, bool) {
	if v.date {
		return "", false
	}
	x, err := strconv.ParseFloat(v.v, 64)
	if err != nil || x < 0 || x >= 1e15 || x != math.Trunc(x) {
		return "", false
	}
	s := strconv.FormatInt(int64(x), 10)
	w := digitsWidth(column, len(s), docType)
	if w == 0 {
		return "", false
	}
	if len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return s, true
}

// xlsxRels is a relationships part of an XLSX package.
type xlsxRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func readRels(f *excelize.File, name string) xlsxRels {
	var rels xlsxRels
	if b, ok := f.Pkg.Load(name); ok {
		if raw, ok := b.([]byte); ok {
			d := xml.NewDecoder(bytes.NewReader(raw))
			d.CharsetReader = charset.NewReaderLabel
			_ = d.Decode(&rels)
		}
	}
	return rels
}

// firstSheetPart is the XML of the workbook's first sheet, found as excelize finds it: the package's office
// document is the workbook, whose relationship named by its first <sheet> is the worksheet.
func firstSheetPart(f *excelize.File) ([]byte, bool) {
	if f.WorkBook == nil || len(f.WorkBook.Sheets.Sheet) == 0 {
		return nil, false
	}
	wbPath := ""
	for _, r := range readRels(f, "_rels/.rels").Rels {
		if r.Type == excelize.SourceRelationshipOfficeDocument || r.Type == excelize.StrictSourceRelationshipOfficeDocument {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	dir := path.Dir(wbPath)
	relsPath := strings.TrimPrefix(dir+"/_rels/"+path.Base(wbPath)+".rels", "./")
	id := f.WorkBook.Sheets.Sheet[0].ID
	for _, r := range readRels(f, relsPath).Rels {
		if r.ID != id {
			continue
		}
		name := strings.TrimPrefix(path.Clean(dir+"/"+r.Target), "/")
		if strings.HasPrefix(r.Target, "/") {
			name = strings.TrimPrefix(path.Clean(r.Target), "/")
		}
		if b, ok := f.Pkg.Load(name); ok {
			raw, ok := b.([]byte)
			return raw, ok
		}
	}
	return nil, false
}

// scanTypedCells reads a worksheet's XML as a stream and returns the number and date cells of the given rows and
// columns by [row, column], numbering rows and cells as excelize's row iterator does (by their r attribute, or
// next after the previous one).
func scanTypedCells(part []byte, rows map[int]int, cols map[int]string) (map[[2]int]xlsxValue, error) {
	out := map[[2]int]xlsxValue{}
	d := xml.NewDecoder(bytes.NewReader(part))
	d.CharsetReader = charset.NewReaderLabel
	attr := func(el xml.StartElement, name string) string {
		for _, a := range el.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	row, c := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "row":
				row, c = row+1, 0
				if n, err := strconv.Atoi(attr(el, "r")); err == nil && n > 0 {
					row = n
				}
			case "c":
				c++
				if ref := attr(el, "r"); ref != "" {
					if c, _, err = excelize.CellNameToCoordinates(ref); err != nil {
						return nil, err
					}
				}
				t := attr(el, "t")
				_, wantRow := rows[row]
				if _, wantCol := cols[c]; !wantRow || !wantCol || (t != "" && t != "n" && t != "d") {
					if err := d.Skip(); err != nil {
						return nil, err
					}
					continue
				}
				var cell struct {
					V string `xml:"v"`
				}
				if err := d.DecodeElement(&cell, &el); err != nil {
					return nil, err
				}
				if v := strings.TrimSpace(cell.V); v != "" {
					out[[2]int{row, c}] = xlsxValue{date: t == "d", v: v}
				}
			}
		case xml.EndElement:
			if el.Name.Local == "sheetData" {
				return out, nil
			}
		}
	}
}
