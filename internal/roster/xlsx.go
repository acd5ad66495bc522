package roster

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html/charset"

	"github.com/kcr-project/kcr/internal/model"
)

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
		return fileError(ProblemXLSXBad)
	}
	var total uint64
	for _, zf := range zr.File {
		if total += zf.UncompressedSize64; total > xlsxUnzipLimit {
			return fileError(ProblemXLSXTooLarge)
		}
	}
	elements, sheets := 0, 0
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return fileError(ProblemXLSXBad)
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
					return fileError(ProblemXLSXTooLarge)
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
func digitsWidth(column string, digits int, docType model.DocumentType) int {
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
		if docType == model.DocPassportRF {
			return 4
		}
	case "doc_number":
		if docType == model.DocPassportRF {
			return 6
		}
	}
	return 0
}

// readXLSX reads the first sheet of an XLSX file: the first non-empty row is the header, the data rows are
// numbered as in the spreadsheet and the cells come as the user sees them (excelize applies their number
// formats), except that date cells in the date columns become ГГГГ-ММ-ДД and number cells in the digit columns
// get their leading zeros back; text cells are left as they are.
func readXLSX(raw []byte) (header []string, recs []record, err error) {
	defer func() {
		// excelize parses an untrusted file: its panic is a broken file, not a broken server.
		if v := recover(); v != nil {
			header, recs, err = nil, nil, fileError(ProblemXLSXBad)
		}
	}()
	if err := checkXLSXPackage(raw); err != nil {
		return nil, nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxUnzipLimit})
	if err != nil {
		return nil, nil, fileError(ProblemXLSXBad)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, fileError(ProblemXLSXNoSheets)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, fileError(ProblemXLSXBad)
	}
	defer rows.Close()
	var col map[string]int
	width := 0 // the cells kept of a row: up to the last import column
	byRow := map[int]int{}
	budget := xlsxMaxCells
	for n := 1; rows.Next(); n++ { // Next visits every row number, the missing rows too
		cells, err := rows.Columns()
		if err != nil {
			return nil, nil, fileError(ProblemXLSXBad)
		}
		// A row comes filled up to its last value: a space far right in many rows costs much and shows nothing.
		if budget -= len(cells); budget < 0 {
			return nil, nil, fileError(ProblemXLSXTooLarge)
		}
		if blankCells(cells) {
			continue
		}
		if header == nil {
			header, col = cells, headerColumns(cells)
			for _, i := range col {
				width = max(width, i+1)
			}
			continue
		}
		if len(recs) >= MaxRows {
			return nil, nil, fileError(ProblemTooMany)
		}
		byRow[n] = len(recs)
		recs = append(recs, record{line: n, cells: slices.Clone(cells[:min(len(cells), width)])})
	}
	if rows.Error() != nil {
		return nil, nil, fileError(ProblemXLSXBad)
	}
	if header == nil {
		return nil, nil, fileError(ProblemEmpty)
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
		return nil, nil, fileError(ProblemXLSXBad)
	}
	values, err := scanTypedCells(part, byRow, typed)
	if err != nil {
		return nil, nil, fileError(ProblemXLSXBad)
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
		var docType model.DocumentType
		if j, ok := col["doc_type"]; ok && j < len(rec.cells) {
			docType = DocumentType(rec.cells[j])
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
func xlsxDigits(v xlsxValue, column string, docType model.DocumentType) (string, bool) {
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
