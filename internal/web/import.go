package web

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/roster"
	"github.com/kcr-project/kcr/internal/storage"
)

// maxImportSize bounds an uploaded file (CSV or XLSX); the preview carries it back in a hidden field (base64).
const maxImportSize = roster.MaxSize

// serviceColumn names the file's column of a service field.
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
	file   *roster.File // names the columns in messages as the file does
}

type importData struct {
	Columns   []roster.Column
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
	h.render(w, r, http.StatusOK, "import", l.T("imp.title"), p, importData{Columns: roster.Columns})
}

// importPreview reads the uploaded file and shows every row with what is wrong in it; nothing is created.
func (h *Handler) importPreview(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	d := importData{Columns: roster.Columns}
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
	if strings.EqualFold(path.Ext(fh.Filename), ".xlsx") && !roster.IsZip(raw) && !roster.IsOLE(raw) {
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
			importData{Columns: roster.Columns, FileError: l.T("imp.no_file")})
		return
	}
	h.importShow(w, r, p, raw, true)
}

func (h *Handler) importShow(w http.ResponseWriter, r *http.Request, p *access.Principal, raw []byte, confirm bool) {
	l := localeOf(r)
	d := importData{Columns: roster.Columns, Content: base64.StdEncoding.EncodeToString(raw), Confirmed: confirm}
	rows, err := h.parseImport(r, p, raw)
	var fe *roster.FileError
	if errors.As(err, &fe) {
		d.FileError = fileErrorText(l, fe)
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
				row.Errors = rowErrors(l, row.file, err)
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

// rowErrors is a service error of one row in l, each field named by its column as the file heads it.
func rowErrors(l locale, f *roster.File, err error) []string {
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		var out []string
		for _, fe := range e.Fields {
			col := fe.Field
			if c, ok := serviceColumn[col]; ok {
				col = c
			}
			out = append(out, l.importColumn(f, col)+": "+ruleText(l, fe))
		}
		return out
	}
	pr := formProblem(l, err)
	return []string{pr.Message}
}

// fileErrorText is a problem of the whole file in l.
func fileErrorText(l locale, fe *roster.FileError) string {
	if fe.Problem == roster.ProblemMissingColumns {
		return l.T("imp.missing_columns") + strings.Join(fe.Missing, ", ")
	}
	return l.T("imp." + string(fe.Problem))
}

// importTemplate downloads the file to fill in.
func (h *Handler) importTemplate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", roster.TemplateName))
	_, _ = w.Write(roster.Template())
}

// parseImport reads the file (CSV or XLSX) and checks each row locally: the required columns, the СНИЛС and ИНН
// checksums and the organization, found in the caller's scope by ИНН and КПП. Messages name the columns as
// the file heads them.
func (h *Handler) parseImport(r *http.Request, p *access.Principal, raw []byte) ([]importRow, error) {
	l := localeOf(r)
	file, err := roster.Read(raw)
	if err != nil {
		return nil, err
	}
	type orgKey struct{ inn, kpp string }
	orgs := map[orgKey]*model.Organization{}
	found := map[orgKey]bool{}
	var rows []importRow
	for _, rec := range file.Rows {
		get := rec.Get
		row := importRow{Line: rec.Line, Name: strings.TrimSpace(get("surname") + " " + get("given_name") + " " + get("patronymic")),
			SNILS: get("snils"), file: file}
		for _, c := range roster.Required {
			if get(c) == "" {
				row.Errors = append(row.Errors, l.importColumn(file, c)+": "+l.T("rule.required"))
			}
		}
		if s := get("snils"); s != "" && requisites.ValidateSNILS(requisites.NormalizeSNILS(s)) != nil {
			row.Errors = append(row.Errors, l.importColumn(file, "snils")+": "+l.T("imp.bad_snils"))
		}
		if s := get("inn"); s != "" && requisites.ValidateINN12(s) != nil {
			row.Errors = append(row.Errors, l.importColumn(file, "inn")+": "+l.T("imp.bad_inn"))
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
				row.Errors = append(row.Errors, l.importColumn(file, "organization_inn")+": "+l.T("imp.org_not_found"))
			}
		}
		row.in = registration.EmployeeInput{Surname: get("surname"), GivenName: get("given_name"),
			Patronymic: get("patronymic"), BirthDate: get("birth_date"), SNILS: get("snils"), INN: get("inn"),
			Email: get("email"), Phone: get("phone"), Position: get("position"),
			Document: model.IdentityDocument{Type: model.DocumentType(get("doc_type")), Series: get("doc_series"), Number: get("doc_number"),
				IssueDate: get("doc_issue_date"), Issuer: get("doc_issuer"), IssuerCode: get("doc_issuer_code")}}
		if o := orgs[k]; o != nil {
			row.in.OrganizationID = o.ID
		}
		rows = append(rows, row)
	}
	return rows, nil
}
