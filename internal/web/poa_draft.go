package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// The drafting wizard is one form in four parts (organization, employees, powers, dates and terms). Its
// search buttons submit it by GET to itself, so the choices made so far travel in the address and the
// page works without JavaScript; "Оформить" posts it. A post carries a nonce: sent again (a reload), it
// shows the same result instead of drafting twice.

// poaWizardEmployees bounds the employees one search of the wizard lists.
const poaWizardEmployees = 100

// poaPick is a checkbox of the wizard: an employee or a power.
type poaPick struct {
	Value, Label string
	Checked      bool
	Note         string // "уволен", or the problem the service found with this employee
	Disabled     bool
}

// poaWizardData is the wizard's page.
type poaWizardData struct {
	Orgs       []option
	Org        string
	OrgName    string
	Head       string // the recorded head in words; "" when there is none
	NoHead     bool
	Employees  []poaPick
	EmpMore    int // > 0: the search found more than it shows
	Powers     []poaPick
	Retrusts   []option
	V          url.Values
	Nonce      string
	Message    string
	Fields     map[string]string
	DateFormat string
}

func (h *Handler) poaNew(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !poaWriter(p) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot draft powers of attorney"))
		return
	}
	q := r.URL.Query()
	if q.Get("issue_date") == "" {
		q.Set("issue_date", localeOf(r).date(h.PoA.Clock.Now()))
	}
	h.poaWizard(w, r, p, http.StatusOK, q, poaWizardData{Nonce: access.NewID()})
}

// poaWizard renders the wizard with the values v (the address's, or a refused post's).
func (h *Handler) poaWizard(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, v url.Values, d poaWizardData) {
	l, ctx := localeOf(r), r.Context()
	d.V = v
	if d.Nonce == "" {
		d.Nonce = v.Get("nonce")
	}
	d.DateFormat = l.T("poa.wiz.date_hint")
	d.Orgs, _ = h.orgOptions(r, p)
	d.Org = v.Get("organization_id")
	for _, o := range d.Orgs {
		if o.Value == d.Org {
			d.OrgName = o.Label
		}
	}
	if d.OrgName == "" {
		d.Org = ""
	}
	d.Retrusts = []option{{string(mchd.RetrustNone), l.T("poa.retrust.1")}, {string(mchd.RetrustOnce), l.T("poa.retrust.2")},
		{string(mchd.RetrustChained), l.T("poa.retrust.3")}}
	if d.Org != "" {
		head, err := h.PoA.DB.OrganizationHead(ctx, p.Scope(), d.Org)
		switch {
		case storage.IsNoRows(err):
			d.NoHead = true
		case err != nil:
			h.fail(w, r, p, err)
			return
		default:
			d.Head = strings.TrimSpace(head.Surname+" "+head.GivenName+" "+head.Patronymic) + ", " + head.Position
		}
		if err := h.poaWizardEmployees(r, p, &d); err != nil {
			h.fail(w, r, p, err)
			return
		}
	}
	chosen := v["powers"]
	for _, c := range chosen {
		if cp := mchd.PowerByCode(c); cp != nil {
			d.Powers = append(d.Powers, poaPick{Value: cp.Code, Label: cp.Name, Checked: true})
		}
	}
	for _, cp := range mchd.SearchPowers(v.Get("pq")) {
		if !slices.Contains(chosen, cp.Code) {
			d.Powers = append(d.Powers, poaPick{Value: cp.Code, Label: cp.Name})
		}
	}
	h.render(w, r, status, "poa_new", l.T("poa.wiz.title"), p, d)
}

// poaWizardEmployees lists the chosen employees first, then those the search finds.
func (h *Handler) poaWizardEmployees(r *http.Request, p *access.Principal, d *poaWizardData) error {
	l := localeOf(r)
	chosen := d.V["employee_ids"]
	seen := map[string]bool{}
	for _, id := range chosen {
		if seen[id] {
			continue
		}
		seen[id] = true
		pick := poaPick{Value: id, Checked: true, Label: l.T("poa.unknown_person"), Note: d.Fields["emp:"+id]}
		if e, err := h.Reg.Employee(r.Context(), p, id); err == nil && e.OrganizationID == d.Org {
			pick.Label = e.FullName()
			if e.Dismissed() && pick.Note == "" {
				pick.Note = l.T("poa.wiz.dismissed")
			}
		} else if err != nil && errs.KindOf(err) == errs.Internal {
			return err
		}
		d.Employees = append(d.Employees, pick)
	}
	pg, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{OrganizationID: d.Org, NamePrefix: strings.TrimSpace(d.V.Get("q"))},
		registration.PageRequest{Limit: poaWizardEmployees})
	if err != nil {
		return err
	}
	if pg.NextCursor != "" {
		d.EmpMore = poaWizardEmployees
	}
	for _, e := range pg.Items {
		if seen[e.ID] {
			continue
		}
		pick := poaPick{Value: e.ID, Label: e.FullName()}
		if e.Dismissed() {
			pick.Note, pick.Disabled = l.T("poa.wiz.dismissed"), true
		}
		d.Employees = append(d.Employees, pick)
	}
	return nil
}

// poaResultRow is a drafted power of attorney in the result's table.
type poaResultRow struct {
	R        *mchd.Record
	Employee string
}

// poaResultData is the per-employee result of a draft.
type poaResultData struct {
	Rows []poaResultRow
	N    string
}

func (h *Handler) poaDraft(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	v := r.PostForm
	if v == nil {
		_ = r.ParseForm()
		v = r.PostForm
	}
	nonce := v.Get("nonce")
	key := p.Actor + "|poa|" + nonce
	if ids, ok := h.submitted(key); ok && nonce != "" {
		var recs []*mchd.Record
		for _, id := range strings.Split(ids, ",") {
			got, err := h.PoA.Get(r.Context(), p, id)
			if err != nil {
				h.fail(w, r, p, err)
				return
			}
			recs = append(recs, &got.Record)
		}
		h.poaResult(w, r, p, recs)
		return
	}
	in := attorney.DraftInput{OrganizationID: v.Get("organization_id"), EmployeeIDs: v["employee_ids"],
		AllEmployees: v.Get("all") == "1", InternalNumber: strings.TrimSpace(v.Get("internal_number")),
		IssueDate: isoDate(v.Get("issue_date")), EndDate: isoDate(v.Get("end_date")),
		Retrust: mchd.Retrust(v.Get("retrust")), PowersText: strings.TrimSpace(v.Get("powers_text"))}
	for _, c := range v["powers"] {
		in.Powers = append(in.Powers, mchd.Power{Code: c})
	}
	if in.Retrust != "" && !slices.Contains([]mchd.Retrust{mchd.RetrustNone, mchd.RetrustOnce, mchd.RetrustChained}, in.Retrust) {
		h.poaDraftFailed(w, r, p, in, errs.Field("retrust", "enum", "unknown"))
		return
	}
	out, err := h.PoA.Draft(r.Context(), p, in)
	if err != nil {
		h.poaDraftFailed(w, r, p, in, err)
		return
	}
	recs := make([]*mchd.Record, len(out))
	ids := make([]string, len(out))
	for i := range out {
		recs[i], ids[i] = &out[i].Record, out[i].ID
	}
	if nonce != "" {
		h.remember(key, strings.Join(ids, ","))
	}
	h.poaResult(w, r, p, recs)
}

// poaDraftFailed shows the wizard again with the service's field problems beside the fields, those of
// one employee beside that employee.
func (h *Handler) poaDraftFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, in attorney.DraftInput, err error) {
	l := localeOf(r)
	pr := explain(l, err)
	if pr.Fields == nil && errs.KindOf(err) != errs.Conflict {
		h.fail(w, r, p, err)
		return
	}
	fields := map[string]string{}
	if e, ok := err.(*errs.Error); ok {
		for _, f := range e.Fields {
			text := poaFieldText(l, f)
			name := poaFieldName(f.Field)
			if i, ok := poaEmployeeIndex(f.Field); ok && i < len(in.EmployeeIDs) {
				fields["emp:"+in.EmployeeIDs[i]] = text
				name = "employee_ids"
				text = l.T("err.invalid")
			}
			if _, dup := fields[name]; !dup {
				fields[name] = text
			}
		}
	}
	h.poaWizard(w, r, p, pr.Status, r.PostForm, poaWizardData{Message: pr.Message, Fields: fields})
}

// poaEmployeeIndex reads i of a field employee_ids[i]….
func poaEmployeeIndex(field string) (int, bool) {
	var i int
	if _, err := fmt.Sscanf(field, "employee_ids[%d]", &i); err != nil {
		return 0, false
	}
	return i, true
}

// poaResult shows what was drafted, one line per employee.
func (h *Handler) poaResult(w http.ResponseWriter, r *http.Request, p *access.Principal, recs []*mchd.Record) {
	l := localeOf(r)
	people := h.poaPeople(r, p, recs)
	d := poaResultData{N: fmt.Sprintf(l.T("poa.wiz.result_n"), len(recs))}
	for _, rec := range recs {
		d.Rows = append(d.Rows, poaResultRow{R: rec, Employee: people[rec.EmployeeID]})
	}
	h.render(w, r, http.StatusOK, "poa_result", l.T("poa.wiz.result"), p, d)
}
