package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
)

// The list's batch actions: the selected powers of attorney's files as one zip, demo signing and
// submission of the selected, many signatures at once (files or a zip), and the revocation of all of an
// organization's (after a confirmation). Each ends on a report with a line per item.

// maxPoASignaturesBody bounds an upload of many signatures (thousands of a few KiB each).
const maxPoASignaturesBody = 64 << 20

// poaReportRow is one line of a batch report.
type poaReportRow struct {
	Name    string
	Link    string
	OK      bool
	Outcome string
}

// poaReportData is a batch report.
type poaReportData struct {
	Title   string
	Summary string
	Rows    []poaReportRow
}

func (h *Handler) poaReport(w http.ResponseWriter, r *http.Request, p *access.Principal, title string, rows []poaReportRow) {
	l := localeOf(r)
	ok := 0
	for _, row := range rows {
		if row.OK {
			ok++
		}
	}
	h.render(w, r, http.StatusOK, "poa_report", title, p, poaReportData{Title: title, Rows: rows,
		Summary: fmt.Sprintf(l.T("poa.report_summary"), ok, len(rows))})
}

// poaItemOutcome words one item's result: done, or why not.
func poaItemOutcome(l locale, state mchd.State, ie *attorney.ItemError) (bool, string) {
	if ie == nil {
		return true, l.T("poa.report_ok") + ": " + l.T("poa.st."+string(state))
	}
	msg, _, ok := poaProblem(l, &errs.Error{Kind: ie.Kind, Detail: ie.Detail, Fields: ie.Fields})
	if !ok {
		msg = explain(l, &errs.Error{Kind: ie.Kind, Detail: ie.Detail}).Message
		if ie.Kind == errs.NotFound {
			msg = l.T("poa.report_not_found")
		}
	}
	return false, msg
}

// poaBatch runs an action on the powers of attorney selected in the list.
func (h *Handler) poaBatch(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	_ = r.ParseForm()
	ids := r.PostForm["ids"]
	if len(ids) == 0 {
		h.poaRefuse(w, r, p, "poa.batch_none")
		return
	}
	if len(ids) > attorney.MaxBulk {
		h.fail(w, r, p, errs.Field("ids", "too_many", "too many"))
		return
	}
	switch r.PostFormValue("action") {
	case "zip":
		h.poaZip(w, r, p, ids)
	case "demo":
		if !h.PoA.HasDemoSigner() {
			h.fail(w, r, p, errs.NotFoundf("signing as the head exists only in the demo"))
			return
		}
		res, err := h.PoA.SignAsHeadDemo(r.Context(), p, ids)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		rows := make([]poaReportRow, 0, len(res))
		for _, it := range res {
			ok, out := poaItemOutcome(l, it.State, it.Error)
			rows = append(rows, h.poaItemRow(r, p, it.ID, ok, out))
		}
		h.poaReport(w, r, p, l.T("poa.batch_demo"), rows)
	case "register":
		rows := make([]poaReportRow, 0, len(ids))
		for _, id := range ids {
			rec, err := h.PoA.Register(r.Context(), p, id)
			if err != nil && errs.KindOf(err) == errs.Internal {
				h.fail(w, r, p, err)
				return
			}
			row := h.poaItemRow(r, p, id, true, "")
			switch {
			case err == nil || poaSubmittedAnyway(err):
				row.Outcome = l.T("poa.report_ok") + ": " + l.T("poa.rs.PROCESSING")
				if rec != nil && rec.RegistryStatus != "" {
					row.Outcome = l.T("poa.report_ok") + ": " + l.T("poa.rs."+string(rec.RegistryStatus))
				}
			default:
				row.OK, row.Outcome = false, poaErrText(l, err)
			}
			rows = append(rows, row)
		}
		h.poaReport(w, r, p, l.T("poa.batch_register"), rows)
	default:
		h.fail(w, r, p, errs.Field("action", "enum", "unknown action"))
	}
}

// poaErrText words an item's error for a report.
func poaErrText(l locale, err error) string {
	if msg, _, ok := poaProblem(l, err); ok {
		return msg
	}
	if errs.KindOf(err) == errs.NotFound {
		return l.T("poa.report_not_found")
	}
	return explain(l, err).Message
}

// poaItemRow is a report line naming a power of attorney by its internal number and representative.
func (h *Handler) poaItemRow(r *http.Request, p *access.Principal, id string, ok bool, outcome string) poaReportRow {
	row := poaReportRow{Name: localeOf(r).T("poa.report_not_found"), OK: ok, Outcome: outcome}
	v, err := h.PoA.Get(r.Context(), p, id)
	if err != nil {
		return row
	}
	row.Link = poaBase + "/" + v.ID
	row.Name = v.InternalNumber
	if who := h.poaPeople(r, p, []*mchd.Record{&v.Record})[v.EmployeeID]; who != "" {
		row.Name += " — " + who
	}
	return row
}

// poaZip downloads the selected files as one zip archive, each under its own file name.
func (h *Handler) poaZip(w http.ResponseWriter, r *http.Request, p *access.Principal, ids []string) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, id := range ids {
		name, data, err := h.PoA.File(r.Context(), p, id)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		f, err := zw.Create(name)
		if err == nil {
			_, err = f.Write(data)
		}
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		h.fail(w, r, p, err)
		return
	}
	poaDownload(w, "application/zip", "mchd.zip", buf.Bytes())
}

// poaSignatures takes many signature files (or zips of them) and reports on each.
func (h *Handler) poaSignatures(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxPoASignaturesBody)
	var files []attorney.SignatureFile
	err := r.ParseMultipartForm(8 << 20)
	if err == nil && r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			data, rerr := readPart(fh)
			if rerr != nil {
				err = rerr
				break
			}
			files = append(files, attorney.SignatureFile{Name: fh.Filename, Data: data})
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, p, errs.New(errs.TooLarge, "too large"))
			return
		}
		h.fail(w, r, p, errs.Field("files", "required", "no files"))
		return
	}
	res, err := h.PoA.AttachSignatures(r.Context(), p, files)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Field == "files" {
			key := map[string]string{"required": "poa.report_files_none", "too_many": "poa.report_files_many", "zip": "poa.report_zip"}[e.Fields[0].Rule]
			if key != "" {
				h.poaRefuse(w, r, p, key)
				return
			}
		}
		h.fail(w, r, p, err)
		return
	}
	rows := make([]poaReportRow, 0, len(res))
	for _, it := range res {
		ok, out := poaItemOutcome(l, it.State, it.Error)
		row := poaReportRow{Name: it.File, OK: ok, Outcome: out}
		if it.ID != "" {
			row.Link = poaBase + "/" + it.ID
		}
		rows = append(rows, row)
	}
	h.poaReport(w, r, p, l.T("poa.batch_sigs"), rows)
}

// poaRefuse shows the error page for a batch form filled in wrong, saying what is missing.
func (h *Handler) poaRefuse(w http.ResponseWriter, r *http.Request, p *access.Principal, key string) {
	l := localeOf(r)
	h.render(w, r, http.StatusUnprocessableEntity, "error", l.T("err.title"), p, problem{Status: http.StatusUnprocessableEntity,
		Title: l.T("err.title"), Message: l.T(key)})
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// poaRevokeOrg revokes every power of attorney of an organization not ended yet, after a confirmation.
func (h *Handler) poaRevokeOrg(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	org := r.PostFormValue("organization_id")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if !poaWriter(p) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot revoke powers of attorney"))
		return
	}
	if org == "" {
		h.poaRefuse(w, r, p, "poa.fe.organization_id:required")
		return
	}
	_, names := h.orgOptions(r, p)
	name, ok := names[org]
	if !ok {
		h.fail(w, r, p, errs.NotFoundf("no such organization"))
		return
	}
	if reason == "" {
		h.poaRefuse(w, r, p, "poa.reason_required")
		return
	}
	if !confirmed(r) {
		n := 0
		pg, err := h.PoA.List(r.Context(), p, attorney.ListFilter{OrganizationID: org}, "", attorney.MaxPageSize)
		for err == nil {
			for _, it := range pg.Items {
				if !it.State.Final() {
					n++
				}
			}
			if pg.NextCursor == "" {
				break
			}
			pg, err = h.PoA.List(r.Context(), p, attorney.ListFilter{OrganizationID: org}, pg.NextCursor, attorney.MaxPageSize)
		}
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		h.confirmPage(w, r, p, confirmData{Object: l.T("poa.batch_revoke_obj"),
			Details:  []pair{{l.T("poa.org"), name}, {l.T("poa.batch_count"), fmt.Sprint(n)}, {l.T("poa.revoke_reason"), reason}},
			Question: l.T("poa.batch_revoke_q"), Verb: l.T("poa.revoke"), Action: poaBase + "/revoke-organization",
			Hidden: []pair{{"organization_id", org}, {"reason", reason}}, Back: poaBase})
		return
	}
	res, err := h.PoA.RevokeForOrganization(r.Context(), p, org, reason)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	people := map[string]string{}
	rows := make([]poaReportRow, 0, len(res))
	for _, it := range res {
		if _, ok := people[it.EmployeeID]; !ok {
			people[it.EmployeeID] = h.poaPeople(r, p, []*mchd.Record{{EmployeeID: it.EmployeeID}})[it.EmployeeID]
		}
		ok, out := poaItemOutcome(l, it.State, it.Error)
		rows = append(rows, poaReportRow{Name: people[it.EmployeeID], Link: poaBase + "/" + it.ID, OK: ok, Outcome: out})
	}
	h.poaReport(w, r, p, l.T("poa.batch_revoke_org"), rows)
}
