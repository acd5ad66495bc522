package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// ruleText is the message in l of one field problem: the catalogue's "rule.<field>:<rule>" text, which is
// more specific, else its "rule.<rule>" text; a rule missing there falls back to the service's own
// (English) message.
func ruleText(l locale, f errs.FieldError) string {
	if s, ok := l.text("rule." + f.Field + ":" + f.Rule); ok {
		return s
	}
	if s, ok := l.text("rule." + f.Rule); ok {
		return s
	}
	if f.Message != "" {
		return f.Message
	}
	return l.T("err.field")
}

// formProblem is explain for the add/edit forms: the field problems in l by rule, a rule refusal's own
// detail (the rules word it in Russian).
func formProblem(l locale, err error) problem {
	pr := explain(l, err)
	var e *errs.Error
	if !errors.As(err, &e) {
		return pr
	}
	if len(e.Fields) > 0 {
		pr.Fields = map[string]string{}
		for _, f := range e.Fields {
			if _, dup := pr.Fields[f.Field]; !dup {
				pr.Fields[f.Field] = ruleText(l, f)
			}
		}
	}
	if e.Kind == errs.Refused {
		pr.Message = refusalText(l, e)
	}
	return pr
}

// formData is an add/edit form's state: the values as entered and a message at each wrong field.
type formData struct {
	Action  string // where the form posts
	New     bool
	ID      string
	Values  url.Values
	Fields  map[string]string
	Message string
	Nonce   string
	Orgs    []option // organizations in scope, for selects
	Kinds   []option
	Sectors []option
	Docs    []option
	Back    string
}

// V is the entered value of a field.
func (d formData) V(field string) string { return d.Values.Get(field) }

// E is the message of a wrong field, "" when it is fine.
func (d formData) E(field string) string { return d.Fields[field] }

// ---- organizations ----

func orgValues(o *model.Organization) url.Values {
	return url.Values{"kind": {string(o.Kind)}, "parent_id": {o.ParentID}, "sector": {string(o.Sector)}, "name": {o.Name},
		"inn": {o.INN}, "kpp": {o.KPP}, "ogrn": {o.OGRN}, "address": {o.Address}, "region": {o.Region}}
}

func orgInput(v url.Values) registration.OrganizationInput {
	return registration.OrganizationInput{Kind: model.OrgKind(v.Get("kind")), ParentID: v.Get("parent_id"),
		Sector: model.Sector(v.Get("sector")), Name: v.Get("name"), INN: v.Get("inn"), KPP: v.Get("kpp"),
		OGRN: v.Get("ogrn"), Address: v.Get("address"), Region: v.Get("region")}
}

func (h *Handler) orgForm(r *http.Request, p *access.Principal, d *formData) {
	l := localeOf(r)
	d.Kinds = []option{{string(model.OrgLegalEntity), l.T("orgkind.legal")}, {string(model.OrgBranch), l.T("orgkind.branch")},
		{string(model.OrgSoleProprietor), l.T("orgkind.sole")}}
	d.Sectors = []option{{string(model.SectorCommercial), l.T("sector.commercial")}, {string(model.SectorState), l.T("sector.state")},
		{string(model.SectorFinancial), l.T("sector.financial")}}
	orgs, _, err := h.allOrgs(r, p)
	if err == nil {
		for _, o := range orgs {
			if o.ID != d.ID && o.Kind == model.OrgLegalEntity {
				d.Orgs = append(d.Orgs, option{o.ID, o.Name + " (" + o.INN + ")"})
			}
		}
	}
	d.Back = "/ui/organizations"
}

func (h *Handler) orgNewForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.OrgCreate) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "organizations"))
		return
	}
	d := formData{Action: "/ui/organizations/new", New: true, Values: url.Values{}, Nonce: access.NewID()}
	h.orgForm(r, p, &d)
	h.render(w, r, http.StatusOK, "org_form", l.T("orgf.new_title"), p, d)
}

func (h *Handler) orgCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	key := p.Actor + "|org|" + r.PostForm.Get("nonce")
	if _, ok := h.submitted(key); ok && r.PostForm.Get("nonce") != "" {
		http.Redirect(w, r, "/ui/organizations?done=org", http.StatusSeeOther)
		return
	}
	if _, err := h.Reg.CreateOrganization(r.Context(), p, "", orgInput(r.PostForm)); err != nil {
		d := formData{Action: "/ui/organizations/new", New: true, Values: r.PostForm, Nonce: r.PostForm.Get("nonce")}
		h.formFailed(w, r, p, "org_form", l.T("orgf.new_title"), &d, err, func() { h.orgForm(r, p, &d) })
		return
	}
	if r.PostForm.Get("nonce") != "" {
		h.remember(key, "org")
	}
	http.Redirect(w, r, "/ui/organizations?done=org", http.StatusSeeOther)
}

func (h *Handler) orgEditForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.OrgWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "organizations"))
		return
	}
	o, err := h.Reg.Organization(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := formData{Action: "/ui/organizations/" + url.PathEscape(o.ID) + "/edit", ID: o.ID, Values: orgValues(o)}
	h.orgForm(r, p, &d)
	h.render(w, r, http.StatusOK, "org_form", l.T("orgf.edit_title"), p, d)
}

func (h *Handler) orgUpdate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	id := r.PathValue("id")
	if _, err := h.Reg.UpdateOrganization(r.Context(), p, id, orgInput(r.PostForm)); err != nil {
		d := formData{Action: "/ui/organizations/" + url.PathEscape(id) + "/edit", ID: id, Values: r.PostForm}
		h.formFailed(w, r, p, "org_form", l.T("orgf.edit_title"), &d, err, func() { h.orgForm(r, p, &d) })
		return
	}
	http.Redirect(w, r, "/ui/organizations?done=org", http.StatusSeeOther)
}

// formFailed re-renders a form with the entered values and a message at each wrong field. Not found,
// forbidden and internal failures are plain error pages.
func (h *Handler) formFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, name, title string, d *formData,
	err error, fill func()) {
	pr := formProblem(localeOf(r), err)
	if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 || pr.Status == http.StatusUnauthorized {
		h.fail(w, r, p, err)
		return
	}
	d.Fields, d.Message = pr.Fields, pr.Message
	fill()
	h.render(w, r, pr.Status, name, title, p, *d)
}

// ---- employees ----

func employeeValues(e *model.Employee) url.Values {
	return url.Values{"organization_id": {e.OrganizationID}, "surname": {e.Surname}, "given_name": {e.GivenName},
		"patronymic": {e.Patronymic}, "birth_date": {e.BirthDate}, "snils": {e.SNILS}, "inn": {e.INN}, "email": {e.Email},
		"phone": {e.Phone}, "position": {e.Position}, "document.type": {string(e.Document.Type)}, "document.series": {e.Document.Series},
		"document.number": {e.Document.Number}, "document.issue_date": {e.Document.IssueDate},
		"document.issuer": {e.Document.Issuer}, "document.issuer_code": {e.Document.IssuerCode}}
}

func employeeInputOf(v url.Values) registration.EmployeeInput {
	return registration.EmployeeInput{OrganizationID: v.Get("organization_id"), Surname: v.Get("surname"),
		GivenName: v.Get("given_name"), Patronymic: v.Get("patronymic"), BirthDate: isoDate(v.Get("birth_date")),
		SNILS: v.Get("snils"), INN: v.Get("inn"), Email: v.Get("email"), Phone: v.Get("phone"), Position: v.Get("position"),
		Document: model.IdentityDocument{Type: model.DocumentType(v.Get("document.type")), Series: v.Get("document.series"),
			Number: v.Get("document.number"), IssueDate: isoDate(v.Get("document.issue_date")),
			Issuer: v.Get("document.issuer"), IssuerCode: v.Get("document.issuer_code")}}
}

// isoDate accepts a date as ДД.ММ.ГГГГ too and turns it into ГГГГ-ММ-ДД; anything else is left as entered.
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 10 && s[2] == '.' && s[5] == '.' {
		return s[6:] + "-" + s[3:5] + "-" + s[:2]
	}
	return s
}

func (h *Handler) employeeForm(r *http.Request, p *access.Principal, d *formData) {
	l := localeOf(r)
	d.Docs = enumOptions(l, "doc.", model.DocumentTypes)
	if orgs, _, err := h.allOrgs(r, p); err == nil {
		for _, o := range orgs {
			d.Orgs = append(d.Orgs, option{o.ID, o.Name})
		}
	}
	d.Back = "/ui/employees"
	if d.ID != "" {
		d.Back = "/ui/employees/" + url.PathEscape(d.ID)
	} else if fromWizard(d.Values) {
		d.Back = "/ui/applications/new"
	}
}

func (h *Handler) employeeNewForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	d := formData{Action: "/ui/employees/new", New: true, Values: url.Values{"document.type": {"passport_rf"}}, Nonce: access.NewID()}
	if fromWizard(r.URL.Query()) {
		d.Values.Set("then", wizardMarker) // the form carries it as a hidden field
	}
	h.employeeForm(r, p, &d)
	h.render(w, r, http.StatusOK, "employee_form", l.T("empf.new_title"), p, d)
}

func (h *Handler) employeeCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	key := p.Actor + "|employee|" + r.PostForm.Get("nonce")
	if id, ok := h.submitted(key); ok && r.PostForm.Get("nonce") != "" {
		http.Redirect(w, r, afterEmployeeCreate(r.PostForm, id), http.StatusSeeOther)
		return
	}
	e, err := h.Reg.CreateEmployee(r.Context(), p, employeeInputOf(r.PostForm))
	if err != nil {
		d := formData{Action: "/ui/employees/new", New: true, Values: r.PostForm, Nonce: r.PostForm.Get("nonce")}
		h.formFailed(w, r, p, "employee_form", l.T("empf.new_title"), &d, err, func() { h.employeeForm(r, p, &d) })
		return
	}
	if r.PostForm.Get("nonce") != "" {
		h.remember(key, e.ID)
	}
	http.Redirect(w, r, afterEmployeeCreate(r.PostForm, e.ID), http.StatusSeeOther)
}

// employeeCardData is the employee card: personal data as the service returns it, and the dismissal form.
type employeeCardData struct {
	E          *model.Employee
	Org        string
	Done       string
	CanEdit    bool
	CanApply   bool
	CanDismiss bool
	Dismiss    formData // the dismissal form as entered, with its problems
}

func (h *Handler) employeeCardOf(r *http.Request, p *access.Principal, e *model.Employee) employeeCardData {
	return employeeCardData{E: e, Org: h.orgNames(r, p)[e.OrganizationID], Done: r.URL.Query().Get("done"),
		CanEdit: p.Can(access.EmployeeWrite), CanApply: p.Can(access.AppCreate) && !e.Dismissed(),
		CanDismiss: canDismiss(p) && !e.Dismissed(), Dismiss: formData{Values: url.Values{}}}
}

func (h *Handler) employeeCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	e, err := h.Reg.Employee(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "employee", l.T("emp.card_title"), p, h.employeeCardOf(r, p, e))
}

func (h *Handler) employeeEditForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.EmployeeWrite) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "employees"))
		return
	}
	e, err := h.Reg.Employee(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := formData{Action: "/ui/employees/" + url.PathEscape(e.ID) + "/edit", ID: e.ID, Values: employeeValues(e)}
	// The form shows dates as the interface writes them; isoDate reads them back either way.
	for _, f := range []string{"birth_date", "document.issue_date"} {
		d.Values.Set(f, l.day(d.Values.Get(f)))
	}
	h.employeeForm(r, p, &d)
	h.render(w, r, http.StatusOK, "employee_form", l.T("empf.edit_title"), p, d)
}

func (h *Handler) employeeUpdate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	id := r.PathValue("id")
	if _, err := h.Reg.UpdateEmployee(r.Context(), p, id, employeeInputOf(r.PostForm)); err != nil {
		d := formData{Action: "/ui/employees/" + url.PathEscape(id) + "/edit", ID: id, Values: r.PostForm}
		h.formFailed(w, r, p, "employee_form", l.T("empf.edit_title"), &d, err, func() { h.employeeForm(r, p, &d) })
		return
	}
	http.Redirect(w, r, "/ui/employees/"+url.PathEscape(id)+"?done=saved", http.StatusSeeOther)
}
