package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// orgHeadData is the organization's "Руководитель" page: the head as recorded (ИНН and СНИЛС masked), the
// link to the head's certificate, and the form that records or replaces the head for those who may.
type orgHeadData struct {
	Org      *model.Organization
	Head     *registration.HeadView // nil when none is recorded
	CanWrite bool
	Done     bool
	Form     formData
}

func headValues(h *registration.HeadView) url.Values {
	return url.Values{"surname": {h.Surname}, "given_name": {h.GivenName}, "patronymic": {h.Patronymic},
		"position": {h.Position}, "inn": {h.INN}, "snils": {formatSNILS(h.SNILS)}, "since": {h.Since}}
}

func headInputOf(v url.Values) registration.HeadInput {
	return registration.HeadInput{Surname: v.Get("surname"), GivenName: v.Get("given_name"), Patronymic: v.Get("patronymic"),
		Position: v.Get("position"), INN: v.Get("inn"), SNILS: v.Get("snils"), Since: isoDate(v.Get("since"))}
}

// orgHeadPage loads the organization and its head (a read of personal data, audited by the service).
func (h *Handler) orgHeadPage(r *http.Request, p *access.Principal) (*orgHeadData, error) {
	id := r.PathValue("id")
	o, err := h.Reg.Organization(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	d := &orgHeadData{Org: o, CanWrite: registration.MayWriteHead(p), Done: r.URL.Query().Get("done") != ""}
	d.Form = formData{Action: "/ui/organizations/" + url.PathEscape(o.ID) + "/head", ID: o.ID, Values: url.Values{}}
	if o.Kind != model.OrgLegalEntity {
		return nil, errs.Field("organization_id", "kind", "only a legal entity has a head of its own")
	}
	if !registration.MayReadHead(p) && !d.CanWrite {
		return nil, errs.New(errs.Forbidden, "your role cannot read an organization's head")
	}
	if registration.MayReadHead(p) {
		v, err := h.Reg.Head(r.Context(), p, o.ID)
		switch {
		case err == nil:
			d.Head, d.Form.Values = v, headValues(v)
			d.Form.Values.Set("since", localeOf(r).day(v.Since))
		case !errs.Is(err, errs.NotFound):
			return nil, err
		}
	}
	return d, nil
}

func (h *Handler) orgHead(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d, err := h.orgHeadPage(r, p)
	if err != nil {
		h.headFail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "org_head", localeOf(r).T("head.title"), p, *d)
}

func (h *Handler) orgHeadSave(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	id := r.PathValue("id")
	if _, err := h.Reg.SetHead(r.Context(), p, id, headInputOf(r.PostForm)); err != nil {
		d, perr := h.orgHeadPage(r, p)
		pr := formProblem(localeOf(r), err)
		if perr != nil {
			h.headFail(w, r, p, perr)
			return
		}
		if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 {
			h.fail(w, r, p, err)
			return
		}
		d.Done, d.Form.Values, d.Form.Fields, d.Form.Message = false, r.PostForm, pr.Fields, pr.Message
		if msg, ok := pr.Fields["organization_id"]; ok {
			d.Form.Message = msg
		}
		h.render(w, r, pr.Status, "org_head", localeOf(r).T("head.title"), p, *d)
		return
	}
	http.Redirect(w, r, "/ui/organizations/"+url.PathEscape(id)+"/head?done=saved", http.StatusSeeOther)
}

// headFail is fail, with the reason a branch or a sole proprietor has no head said in words.
func (h *Handler) headFail(w http.ResponseWriter, r *http.Request, p *access.Principal, err error) {
	pr := formProblem(localeOf(r), err)
	if msg, ok := pr.Fields["organization_id"]; ok && errs.Is(err, errs.Invalid) {
		pr.Message = msg
		h.render(w, r, pr.Status, "error", pr.Title, p, pr)
		return
	}
	h.fail(w, r, p, err)
}

// employeeDismiss records a dismissal after the confirmation page: it cannot be undone. A missing reason or
// date is refused on its field before anything is asked.
func (h *Handler) employeeDismiss(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	id := r.PathValue("id")
	in := registration.DismissInput{Reason: strings.TrimSpace(r.PostForm.Get("reason")), Date: isoDate(r.PostForm.Get("date"))}
	var missing errs.Fields
	if in.Reason == "" {
		missing.Add("reason", "required", "is required")
	}
	if in.Date == "" {
		missing.Add("date", "required", "is required")
	}
	if err := missing.Err(); err != nil {
		h.dismissFailed(w, r, p, id, err)
		return
	}
	if !confirmed(r) {
		e, err := h.Reg.Employee(r.Context(), p, id)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		if !canDismiss(p) {
			h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot dismiss employees"))
			return
		}
		h.confirmPage(w, r, p, confirmData{
			Object:   l.T("dismiss.object") + " " + e.FullName(),
			Details:  []pair{{l.T("emp.org"), h.orgNames(r, p)[e.OrganizationID]}, {l.T("emp.position"), e.Position}, {l.T("dismiss.date"), l.day(in.Date)}, {l.T("dismiss.reason"), in.Reason}},
			Question: l.T("dismiss.question"), Verb: l.T("dismiss.button"),
			Action: "/ui/employees/" + url.PathEscape(id) + "/dismiss", Hidden: []pair{{"reason", in.Reason}, {"date", in.Date}},
			Back: "/ui/employees/" + url.PathEscape(id)})
		return
	}
	if _, err := h.Reg.DismissEmployee(r.Context(), p, id, in); err != nil {
		h.dismissFailed(w, r, p, id, err)
		return
	}
	http.Redirect(w, r, "/ui/employees/"+url.PathEscape(id)+"?done=dismissed", http.StatusSeeOther)
}

// dismissFailed shows the employee card again with the dismissal form's problems next to its fields.
func (h *Handler) dismissFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, id string, err error) {
	pr := formProblem(localeOf(r), err)
	if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 {
		h.fail(w, r, p, err)
		return
	}
	e, rerr := h.Reg.Employee(r.Context(), p, id)
	if rerr != nil {
		h.fail(w, r, p, rerr)
		return
	}
	d := h.employeeCardOf(r, p, e)
	d.Dismiss = formData{Values: r.PostForm, Fields: pr.Fields, Message: pr.Message}
	h.render(w, r, pr.Status, "employee", localeOf(r).T("emp.card_title"), p, d)
}

// canDismiss mirrors the service: whoever changes employees, except the registration officer.
func canDismiss(p *access.Principal) bool {
	return p.Can(access.EmployeeWrite) && p.Role != model.RoleRegistrar
}
