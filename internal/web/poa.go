package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/mchdform"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// The power-of-attorney (МЧД) pages (issue 12, parts 10 and 11): the list with its batch actions, the
// drafting wizard (poa_draft.go) and the card. They call attorney.Service, which checks permissions and
// scope and audits every read and change; the pages only decide what to offer.

const poaBase = "/ui/powers-of-attorney"

// poaReader mirrors the service's read permission, to decide whether the menu shows the list.
func poaReader(p *access.Principal) bool {
	return p.Can(access.EmployeeRead) || (p != nil && p.Role == model.RoleOperator)
}

// poaWriter mirrors the service's write permission, to decide which actions the pages offer.
func poaWriter(p *access.Principal) bool { return p.Can(access.EmployeeWrite) }

// registerPoA adds the power-of-attorney pages when the service is configured.
func (h *Handler) registerPoA(mux localizedMux, post func(http.HandlerFunc) http.Handler) {
	if h.PoA == nil {
		return
	}
	mux.Handle("GET "+poaBase, h.auth(h.poaList))
	mux.Handle("GET "+poaBase+"/new", h.auth(h.poaNew))
	mux.Handle("POST "+poaBase+"/new", post(h.auth(h.poaDraft).ServeHTTP))
	mux.Handle("POST "+poaBase+"/batch", post(h.auth(h.poaBatch).ServeHTTP))
	mux.Handle("POST "+poaBase+"/signatures", post(h.auth(h.poaSignatures).ServeHTTP))
	mux.Handle("POST "+poaBase+"/revoke-organization", post(h.auth(h.poaRevokeOrg).ServeHTTP))
	mux.Handle("GET "+poaBase+"/{id}", h.auth(h.poaCard))
	mux.Handle("GET "+poaBase+"/{id}/file.xml", h.auth(h.poaFile))
	mux.Handle("GET "+poaBase+"/{id}/file.sig", h.auth(h.poaSignature))
	mux.Handle("GET "+poaBase+"/{id}/form.pdf", h.auth(h.poaForm))
	mux.Handle("POST "+poaBase+"/{id}/signature", post(h.auth(h.poaUploadSignature).ServeHTTP))
	mux.Handle("POST "+poaBase+"/{id}/demo-sign", post(h.auth(h.poaDemoSign).ServeHTTP))
	mux.Handle("POST "+poaBase+"/{id}/register", post(h.auth(h.poaRegister).ServeHTTP))
	mux.Handle("POST "+poaBase+"/{id}/revoke", post(h.auth(h.poaRevoke).ServeHTTP))
}

// poaRow is a line of the list.
type poaRow struct {
	R        *mchd.Record
	Employee string
	Org      string
	Ending   bool // registered and ending within 30 days
}

// poaListExtra is what the list adds to listData.
type poaListExtra struct {
	Orgs     []option
	States   []option
	Endings  []option
	CanWrite bool
	Demo     bool
}

// poaEmployeeMatches bounds how many employees an employee search of the list follows.
const poaEmployeeMatches = 20

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (h *Handler) poaList(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q, l := r.URL.Query(), localeOf(r)
	orgs, names := h.orgOptions(r, p)
	d := listData{Q: q, Base: poaBase, Extra: poaListExtra{Orgs: orgs, States: poaStateOptions(l),
		Endings:  []option{{"30", l.T("poa.ending_30")}, {"60", l.T("poa.ending_60")}, {"90", l.T("poa.ending_90")}},
		CanWrite: poaWriter(p), Demo: h.PoA.HasDemoSigner()}}
	title := l.T("poa.title")
	f := attorney.ListFilter{OrganizationID: q.Get("org"), State: mchd.State(q.Get("state")),
		Number: strings.ToLower(strings.TrimSpace(q.Get("number")))}
	var bad errs.Fields
	if f.State != "" && !slices.Contains(mchd.States, f.State) {
		bad.Add("state", "enum", "unknown state")
	}
	if f.Number != "" && !guidRE.MatchString(f.Number) {
		bad.Add("number", "format", "not a GUID")
	}
	if e := q.Get("ending"); e != "" {
		days := map[string]int{"30": 30, "60": 60, "90": 90}[e]
		if days == 0 {
			bad.Add("ending", "enum", "unknown period")
		}
		// Ending soon is said of powers of attorney in force: registered ones unless another state is chosen.
		if f.State == "" {
			f.State = mchd.StateRegistered
		}
		f.EndingBefore = poaToday(h.PoA.Clock.Now()).AddDate(0, 0, days+1).Format(time.DateOnly)
	}
	if err := bad.Err(); err != nil {
		h.listFailed(w, r, p, "poa_list", title, d, err)
		return
	}
	var items []*mchd.Record
	next := ""
	if who := strings.TrimSpace(q.Get("employee")); who != "" {
		var msg string
		items, msg = h.poaByEmployee(w, r, p, f, who)
		if items == nil && msg == "" {
			return
		}
		d.Message = msg
	} else {
		pg, err := h.PoA.List(r.Context(), p, f, q.Get("cursor"), 0)
		if err != nil {
			h.listFailed(w, r, p, "poa_list", title, d, err)
			return
		}
		items, next = pg.Items, pg.NextCursor
	}
	people := h.poaPeople(r, p, items)
	now := h.PoA.Clock.Now()
	rows := make([]poaRow, 0, len(items))
	for _, it := range items {
		rows = append(rows, poaRow{R: it, Employee: people[it.EmployeeID], Org: names[it.OrganizationID],
			Ending: it.State == mchd.StateRegistered && it.EndDate.Before(now.AddDate(0, 0, 31))})
	}
	d.Rows, d.Empty = rows, len(rows) == 0
	d.pageLinks(poaBase, q, next)
	h.render(w, r, http.StatusOK, "poa_list", title, p, d)
}

// poaByEmployee lists the powers of attorney of the employees whose names match who (at most
// poaEmployeeMatches of them, without paging). A failure is rendered here: it then returns nil and "".
func (h *Handler) poaByEmployee(w http.ResponseWriter, r *http.Request, p *access.Principal, f attorney.ListFilter, who string) ([]*mchd.Record, string) {
	l := localeOf(r)
	emps, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{OrganizationID: f.OrganizationID, NamePrefix: who},
		registration.PageRequest{Limit: poaEmployeeMatches + 1})
	if err != nil {
		h.fail(w, r, p, err)
		return nil, ""
	}
	if len(emps.Items) == 0 {
		return []*mchd.Record{}, l.T("poa.employee_none")
	}
	msg := ""
	if len(emps.Items) > poaEmployeeMatches {
		emps.Items, msg = emps.Items[:poaEmployeeMatches], l.T("poa.employee_many")
	}
	out := []*mchd.Record{}
	for _, e := range emps.Items {
		f.EmployeeID = e.ID
		pg, err := h.PoA.List(r.Context(), p, f, "", attorney.MaxPageSize)
		if err != nil {
			h.fail(w, r, p, err)
			return nil, ""
		}
		out = append(out, pg.Items...)
	}
	return out, msg
}

// poaPeople names the employees of the records, one audited read per distinct employee; a role that may
// not read employees gets no names.
func (h *Handler) poaPeople(r *http.Request, p *access.Principal, recs []*mchd.Record) map[string]string {
	out := map[string]string{}
	if !p.Can(access.EmployeeRead) {
		return out
	}
	for _, rec := range recs {
		if _, ok := out[rec.EmployeeID]; ok {
			continue
		}
		e, err := h.Reg.Employee(r.Context(), p, rec.EmployeeID)
		if err != nil {
			out[rec.EmployeeID] = ""
			continue
		}
		out[rec.EmployeeID] = e.FullName()
	}
	return out
}

func poaStateOptions(l locale) []option {
	out := make([]option, 0, len(mchd.States))
	for _, s := range mchd.States {
		out = append(out, option{string(s), l.T("poa.st." + string(s))})
	}
	return out
}

// poaToday is today's Moscow date at midnight.
func poaToday(now time.Time) time.Time {
	y, m, d := now.In(rules.MSK).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, rules.MSK)
}

// poaCardData is the card: the record, what its file says, the history in words and the actions offered.
type poaCardData struct {
	V           *attorney.View
	Doc         *mchd.Document
	Employee    string
	Org         string
	History     []poaHistoryRow
	CanFiles    bool // the file, the signature and the printed form (personal data)
	CanWrite    bool
	CanSign     bool
	CanDemo     bool
	CanRegister bool
	CanRevoke   bool
	Done        string
	Failed      string // the form that failed: signature, revoke, register, demo
	Message     string
	Fields      map[string]string
	Values      url.Values
}

// poaHistoryRow is one change in words.
type poaHistoryRow struct {
	At        time.Time
	Who, What string
}

func (h *Handler) poaCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d := poaCardData{Done: r.URL.Query().Get("done")}
	if !slices.Contains([]string{"", "signature", "demo", "register", "revoke"}, d.Done) {
		d.Done = ""
	}
	h.showPoA(w, r, p, http.StatusOK, d)
}

// showPoA renders the card with d's outcome of a form (a failed one is kept with its values).
func (h *Handler) showPoA(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d poaCardData) {
	l := localeOf(r)
	v, err := h.PoA.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.V = v
	// The file holds the head's and the representative's personal data: only who reads employees sees it.
	d.CanFiles = p.Can(access.EmployeeRead)
	if doc, err := mchd.Parse(v.XML); err == nil && d.CanFiles {
		d.Doc = doc
	}
	d.Employee = h.poaPeople(r, p, []*mchd.Record{&v.Record})[v.EmployeeID]
	if _, names := h.orgOptions(r, p); names != nil {
		d.Org = names[v.OrganizationID]
	}
	actors := []string{}
	for _, e := range v.History {
		actors = append(actors, e.Actor)
	}
	names, err := h.Access.ActorNames(r.Context(), p, v.AccountID, actors)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	for _, e := range v.History {
		d.History = append(d.History, poaHistoryRow{At: e.At, Who: who(l, p, e.Actor, names), What: poaChange(l, e)})
	}
	d.CanWrite = poaWriter(p)
	awaiting := v.State == mchd.StateAwaitingSignature
	d.CanSign = d.CanWrite && awaiting
	d.CanDemo = d.CanSign && h.PoA.HasDemoSigner()
	d.CanRegister = d.CanWrite && v.State == mchd.StateSigned && v.RegistryStatus == ""
	d.CanRevoke = d.CanWrite && !v.State.Final() && v.RegistryStatus != mchd.RegistryProcessing
	// A refusal of a form the card no longer offers shows at the top.
	if offered := map[string]bool{"signature": d.CanSign, "demo": d.CanDemo, "register": d.CanRegister, "revoke": d.CanRevoke}; !offered[d.Failed] {
		d.Failed = ""
	}
	title := l.T("poa.card")
	h.render(w, r, status, "poa_card", title, p, d)
}

// poaDetails are the service's history details that read as an event of their own, by catalogue key.
var poaDetails = map[string]string{
	"submitted to the registry": "poa.hd.submitted",
	"accepted by the registry":  "poa.hd.accepted",
}

// poaChange says a history entry in words: "Ждёт подписи руководителя → Подписана", or what happened
// when the state stayed.
func poaChange(l locale, e mchd.HistoryEntry) string {
	to := l.T("poa.st." + string(e.To))
	switch {
	case e.From == "":
		return l.T("poa.hist_created") + ": " + to
	case e.From != e.To:
		return l.T("poa.st."+string(e.From)) + " → " + to
	}
	if st, ok := strings.CutPrefix(e.Detail, "registry: "); ok {
		return l.T("poa.hist_registry") + ": " + l.T("poa.rs."+st)
	}
	if strings.Contains(e.Detail, "DifferentSignature") {
		return l.T("poa.err.different")
	}
	if k, ok := poaDetails[e.Detail]; ok {
		return l.T(k)
	}
	return to
}

// poaFile downloads the exact file the head signs.
func (h *Handler) poaFile(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	name, data, err := h.PoA.File(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	poaDownload(w, "application/xml", name, data)
}

// poaSignature downloads the head's signature.
func (h *Handler) poaSignature(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	name, der, err := h.PoA.Signature(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	poaDownload(w, "application/pkcs7-signature", name, der)
}

// poaForm prints the power of attorney (PDF) from its exact file, with its status now.
func (h *Handler) poaForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.Can(access.EmployeeRead) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot read the files of powers of attorney"))
		return
	}
	v, err := h.PoA.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	pdf, err := mchdform.RenderRecord(&v.Record, v.History, h.PoA.Clock.Now())
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	poaDownload(w, "application/pdf", strings.TrimSuffix(v.FileName, ".xml")+".pdf", pdf)
}

func poaDownload(w http.ResponseWriter, media, name string, data []byte) {
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", name))
	_, _ = w.Write(data)
}

// poaActFailed shows the card again with the failed form's problem next to it; errors that are not about
// the form get the error page.
func (h *Handler) poaActFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, form string, err error) {
	l := localeOf(r)
	msg, fields, ok := poaProblem(l, err)
	if !ok {
		h.fail(w, r, p, err)
		return
	}
	_ = r.ParseForm()
	h.showPoA(w, r, p, explain(l, err).Status, poaCardData{Failed: form, Message: msg, Fields: fields, Values: r.PostForm})
}

// poaProblem words a refusal of a card's or a batch's action: the failed signature check, the state or
// the registry; it reports false for what is not about the action (not found, forbidden, internal).
func poaProblem(l locale, err error) (string, map[string]string, bool) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return "", nil, false
	}
	fields := map[string]string{}
	for _, f := range e.Fields {
		if _, dup := fields[f.Field]; !dup {
			fields[f.Field] = poaFieldText(l, f)
		}
	}
	switch e.Kind {
	case errs.Invalid, errs.Malformed, errs.TooLarge:
		if s, ok := fields["signature"]; ok {
			return fmt.Sprintf(l.T("poa.sig.failed"), s), fields, true
		}
		if s, ok := fields["file"]; ok {
			return s, fields, true
		}
		if len(e.Fields) > 0 {
			return l.T("err.invalid"), fields, true
		}
		return explain(l, err).Message, fields, true
	case errs.Conflict:
		switch {
		case strings.Contains(e.Detail, "still processing"):
			return l.T("poa.err.processing"), fields, true
		case strings.Contains(e.Detail, "DifferentSignature"):
			return l.T("poa.err.different"), fields, true
		case strings.Contains(e.Detail, "changed meanwhile"):
			return l.T("err.conflict"), fields, true
		}
		return l.T("poa.err.state"), fields, true
	case errs.Unavailable:
		if strings.Contains(e.Detail, "trust store") {
			return l.T("poa.sig.no_checker"), fields, true
		}
		if strings.Contains(e.Detail, "registry") {
			return l.T("poa.err.registry"), fields, true
		}
		return l.T("err.unavailable"), fields, true
	}
	return "", nil, false
}

// poaFieldText words one field problem: the signature checks and the drafting fields by their rule,
// anything else as other forms do.
func poaFieldText(l locale, f errs.FieldError) string {
	field := poaFieldName(f.Field)
	if field == "signature" || field == "file" && f.Rule == "name" {
		if s, ok := l.text("poa.sig." + f.Rule); ok {
			return s
		}
		if f.Rule == "name" {
			return l.T("poa.report_bad_name")
		}
	}
	if field == "file" && f.Rule == "unknown" {
		return l.T("poa.report_unknown")
	}
	if s, ok := l.text("poa.fe." + field + ":" + f.Rule); ok {
		return s
	}
	if strings.HasPrefix(field, "employee_ids") {
		return l.T("poa.fe.employee_ids:invalid")
	}
	if s, ok := l.text("poa.fe." + field); ok {
		return s
	}
	if f.Field == "reason" && f.Rule == "required" {
		return l.T("poa.reason_required")
	}
	if f.Field == "reason" && f.Rule == "too_long" {
		return l.T("poa.reason_too_long")
	}
	return fieldMessage(l, f)
}

var poaIndexRE = regexp.MustCompile(`\[[0-9]+\]`)

// poaFieldName is the form field a service field names: employee_ids[3].snils is about the employees,
// powers[0].code about the powers, head.snils about the head, grantor.inn about the organization.
func poaFieldName(field string) string {
	field = poaIndexRE.ReplaceAllString(field, "")
	base, rest, _ := strings.Cut(field, ".")
	switch {
	case base == "employee_ids" && rest != "":
		return "employee_ids"
	case base == "powers" && rest == "code":
		return "powers"
	case base == "head" || base == "grantor":
		return base
	}
	return field
}

// poaUploadSignature takes the head's signature file for one power of attorney.
func (h *Handler) poaUploadSignature(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, attorney.MaxSignature*2+64<<10)
	f, _, err := r.FormFile("signature")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.poaActFailed(w, r, p, "signature", errs.Field("signature", "too_large", "too large"))
			return
		}
		h.poaActFailed(w, r, p, "signature", errs.Field("signature", "required", "no file"))
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, attorney.MaxSignature*2+1))
	if err != nil {
		h.poaActFailed(w, r, p, "signature", errs.Field("signature", "required", "no file"))
		return
	}
	id := r.PathValue("id")
	if _, err := h.PoA.AttachSignature(r.Context(), p, id, body); err != nil {
		h.poaActFailed(w, r, p, "signature", err)
		return
	}
	http.Redirect(w, r, poaBase+"/"+url.PathEscape(id)+"?done=signature", http.StatusSeeOther)
}

// poaDemoSign signs one power of attorney as the demo head; without the demo the page does not exist.
func (h *Handler) poaDemoSign(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !h.PoA.HasDemoSigner() {
		h.fail(w, r, p, errs.NotFoundf("signing as the head exists only in the demo"))
		return
	}
	id := r.PathValue("id")
	res, err := h.PoA.SignAsHeadDemo(r.Context(), p, []string{id})
	if err == nil && len(res) == 1 && res[0].Error != nil {
		err = &errs.Error{Kind: res[0].Error.Kind, Detail: res[0].Error.Detail, Fields: res[0].Error.Fields}
	}
	if err != nil {
		h.poaActFailed(w, r, p, "demo", err)
		return
	}
	http.Redirect(w, r, poaBase+"/"+url.PathEscape(id)+"?done=demo", http.StatusSeeOther)
}

// poaRegister submits a signed power of attorney to the registry.
func (h *Handler) poaRegister(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id := r.PathValue("id")
	if _, err := h.PoA.Register(r.Context(), p, id); err != nil && !poaSubmittedAnyway(err) {
		h.poaActFailed(w, r, p, "register", err)
		return
	}
	http.Redirect(w, r, poaBase+"/"+url.PathEscape(id)+"?done=register", http.StatusSeeOther)
}

// poaSubmittedAnyway: the registry did not answer now, but the submission is recorded and kcr retries it.
func poaSubmittedAnyway(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.Unavailable && strings.Contains(e.Detail, "kcr retries")
}

// poaRevoke revokes one power of attorney with a reason, after the confirmation page.
func (h *Handler) poaRevoke(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		h.poaActFailed(w, r, p, "revoke", errs.Field("reason", "required", "is required"))
		return
	}
	if !confirmed(r) {
		v, err := h.PoA.Get(r.Context(), p, id)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		if !poaWriter(p) {
			h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot revoke powers of attorney"))
			return
		}
		emp := h.poaPeople(r, p, []*mchd.Record{&v.Record})[v.EmployeeID]
		h.confirmPage(w, r, p, confirmData{
			Object: fmt.Sprintf(l.T("poa.card_of"), v.InternalNumber),
			Details: []pair{{l.T("poa.representative"), emp}, {l.T("poa.state"), l.T("poa.st." + string(v.State))},
				{l.T("poa.end_date"), l.date(v.EndDate)}, {l.T("poa.revoke_reason"), reason}},
			Question: l.T("poa.revoke_q"), Verb: l.T("poa.revoke"),
			Action: poaBase + "/" + url.PathEscape(id) + "/revoke", Hidden: []pair{{"reason", reason}},
			Back: poaBase + "/" + url.PathEscape(id)})
		return
	}
	if _, err := h.PoA.Revoke(r.Context(), p, id, reason); err != nil {
		h.poaActFailed(w, r, p, "revoke", err)
		return
	}
	http.Redirect(w, r, poaBase+"/"+url.PathEscape(id)+"?done=revoke", http.StatusSeeOther)
}
