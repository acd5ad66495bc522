package web

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
)

// maxImportSize bounds an uploaded CSV file; the preview carries it back in a hidden field (base64).
const maxImportSize = 1 << 20

// maxImportRows bounds the rows of one import.
const maxImportRows = 2000

// importColumns are the CSV header's columns, in the documented order (any order is accepted).
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

// importRow is one CSV row: its line, the values, the input it becomes, and its problems.
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
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	h.render(w, r, http.StatusOK, "import", T("imp.title"), p, importData{Columns: importColumns})
}

// importPreview reads the uploaded file and shows every row with what is wrong in it; nothing is created.
func (h *Handler) importPreview(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	d := importData{Columns: importColumns}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportSize+64<<10)
	f, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		d.FileError = T("imp.no_file")
		if errors.As(err, &tooBig) {
			d.FileError = T("imp.too_large")
		}
		h.render(w, r, http.StatusUnprocessableEntity, "import", T("imp.title"), p, d)
		return
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxImportSize+1))
	if err != nil || len(raw) > maxImportSize {
		d.FileError = T("imp.too_large")
		h.render(w, r, http.StatusUnprocessableEntity, "import", T("imp.title"), p, d)
		return
	}
	h.importShow(w, r, p, raw, false)
}

// importConfirm creates the rows of the file carried back by the preview, one by one, and reports each.
func (h *Handler) importConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, int64(base64.StdEncoding.EncodedLen(maxImportSize)+64<<10))
	raw, err := base64.StdEncoding.DecodeString(r.PostFormValue("content"))
	if err != nil || len(raw) == 0 || len(raw) > maxImportSize {
		h.render(w, r, http.StatusUnprocessableEntity, "import", T("imp.title"), p,
			importData{Columns: importColumns, FileError: T("imp.no_file")})
		return
	}
	h.importShow(w, r, p, raw, true)
}

func (h *Handler) importShow(w http.ResponseWriter, r *http.Request, p *access.Principal, raw []byte, confirm bool) {
	d := importData{Columns: importColumns, Content: base64.StdEncoding.EncodeToString(raw), Confirmed: confirm}
	rows, err := h.parseImport(r, p, raw)
	var fe importFileError
	if errors.As(err, &fe) {
		d.FileError = fe.Error()
		d.Content = ""
		h.render(w, r, http.StatusUnprocessableEntity, "import", T("imp.title"), p, d)
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
				row.Errors = rowErrors(err)
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
	h.render(w, r, http.StatusOK, "import", T("imp.title"), p, d)
}

// rowErrors is a service error of one row in Russian, each field named by its CSV column.
func rowErrors(err error) []string {
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		var out []string
		for _, f := range e.Fields {
			col := f.Field
			if c, ok := serviceColumn[col]; ok {
				col = c
			}
			out = append(out, col+": "+ruleText(f))
		}
		return out
	}
	pr := formProblem(err)
	return []string{pr.Message}
}

// importFileError is a problem of the whole file, shown at the file field.
type importFileError string

func (e importFileError) Error() string { return string(e) }

// parseImport reads the CSV (UTF-8 with or without BOM, ';' or ',' separated) and checks each row locally:
// the required columns, the СНИЛС and ИНН checksums and the organization, found in the caller's scope by
// ИНН and КПП.
func (h *Handler) parseImport(r *http.Request, p *access.Principal, raw []byte) ([]importRow, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, importFileError(T("imp.not_utf8"))
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
		return nil, importFileError(T("imp.empty"))
	}
	col := map[string]int{}
	for i, hname := range header {
		col[strings.ToLower(strings.TrimSpace(hname))] = i
	}
	var missing []string
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, importFileError(T("imp.missing_columns") + strings.Join(missing, ", "))
	}
	type orgKey struct{ inn, kpp string }
	orgs := map[orgKey]*model.Organization{}
	found := map[orgKey]bool{}
	var rows []importRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, importFileError(T("imp.bad_csv"))
		}
		if len(rows) >= maxImportRows {
			return nil, importFileError(T("imp.too_many"))
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		empty := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		row := importRow{Line: line, Name: strings.TrimSpace(get("surname") + " " + get("given_name") + " " + get("patronymic")),
			SNILS: get("snils")}
		for _, c := range importRequired {
			if get(c) == "" {
				row.Errors = append(row.Errors, c+": "+ruleMessages["required"])
			}
		}
		if s := get("snils"); s != "" && requisites.ValidateSNILS(requisites.NormalizeSNILS(s)) != nil {
			row.Errors = append(row.Errors, "snils: "+T("imp.bad_snils"))
		}
		if s := get("inn"); s != "" && requisites.ValidateINN12(s) != nil {
			row.Errors = append(row.Errors, "inn: "+T("imp.bad_inn"))
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
				row.Errors = append(row.Errors, "organization_inn: "+T("imp.org_not_found"))
			}
		}
		row.in = registration.EmployeeInput{Surname: get("surname"), GivenName: get("given_name"),
			Patronymic: get("patronymic"), BirthDate: isoDate(get("birth_date")), SNILS: get("snils"), INN: get("inn"),
			Email: get("email"), Phone: get("phone"), Position: get("position"),
			Document: model.IdentityDocument{Type: get("doc_type"), Series: get("doc_series"), Number: get("doc_number"),
				IssueDate: isoDate(get("doc_issue_date")), Issuer: get("doc_issuer"), IssuerCode: get("doc_issuer_code")}}
		if o := orgs[k]; o != nil {
			row.in.OrganizationID = o.ID
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, importFileError(T("imp.empty"))
	}
	return rows, nil
}
