package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/registration/form"
	"github.com/kcr-project/kcr/internal/storage"
)

// wizardData is the new application wizard, the first step of the application's path: its first page finds
// the employee, its second chooses the kind.
type wizardData struct {
	Step     int
	Progress progress
	Next     string
	// NewEmployee is the address of the employee form that returns here; "" when the caller may not add.
	NewEmployee string
	Q           string
	Employees   []employeeRow
	Searched    bool
	E           *model.Employee
	Org         string
	Kinds       []option
	Kind        string
	SignTools   []option // the certified crypto tools; the empty value leaves it to the request
	SignTool    string
	Nonce       string
	Message     string
	Fields      map[string]string
}

// wizardMarker is the employee form's hidden "then" value that makes a successful create continue in the
// wizard. Only this fixed value is honoured, so the form cannot be made to redirect anywhere else.
const wizardMarker = "application"

// fromWizard reports whether the employee form was opened from the wizard.
func fromWizard(v url.Values) bool { return v.Get("then") == wizardMarker }

// afterEmployeeCreate is where a successful employee create leads: back to the wizard's kind choice for the
// new employee when the form came from the wizard, otherwise to the employee's card.
func afterEmployeeCreate(form url.Values, id string) string {
	if fromWizard(form) {
		return "/ui/applications/new?employee=" + url.QueryEscape(id)
	}
	return "/ui/employees/" + url.PathEscape(id) + "?done=created"
}

func (h *Handler) newApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if !p.Can(access.AppCreate) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "applications"))
		return
	}
	q := r.URL.Query()
	if id := q.Get("employee"); id != "" {
		h.wizardStep2(w, r, p, http.StatusOK, id, wizardData{Kind: q.Get("kind"), Nonce: access.NewID()})
		return
	}
	d := wizardData{Step: 1, Progress: appProgress(l, "", false, false), Next: nextSentence(l, "next.wiz_find"),
		Q: strings.TrimSpace(q.Get("q"))}
	if p.Can(access.EmployeeWrite) {
		d.NewEmployee = "/ui/employees/new?then=" + wizardMarker
	}
	if d.Q != "" || q.Has("q") {
		d.Searched = true
		pg, err := h.Reg.Employees(r.Context(), p, storage.EmployeeFilter{NamePrefix: d.Q}, registration.PageRequest{Limit: 50})
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		names := h.orgNames(r, p)
		for _, e := range pg.Items {
			d.Employees = append(d.Employees, employeeRow{E: e, Org: names[e.OrganizationID]})
		}
	}
	h.render(w, r, http.StatusOK, "app_new", l.T("wiz.title"), p, d)
}

// wizardStep2 shows the employee and the kinds the rules allow today for their organization.
func (h *Handler) wizardStep2(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, id string, d wizardData) {
	l := localeOf(r)
	e, err := h.Reg.Employee(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	offer, err := h.Reg.AllowedKinds(r.Context(), p, e.OrganizationID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Step, d.E, d.Org = 2, e, h.orgNames(r, p)[e.OrganizationID]
	d.Progress, d.Next = appProgress(l, "", false, false), nextSentence(l, "next.wiz_kind")
	for _, k := range offer.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), l.kindName(k)})
	}
	if d.Kind == "" && len(d.Kinds) > 0 {
		d.Kind = d.Kinds[0].Value
	}
	d.SignTools = []option{{"", l.T("wiz.sign_tool_auto")}}
	for _, tool := range ca.SignTools {
		d.SignTools = append(d.SignTools, option{tool, tool})
	}
	h.render(w, r, status, "app_new", l.T("wiz.title"), p, d)
}

func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	emp, kind, nonce := r.PostForm.Get("employee"), r.PostForm.Get("kind"), r.PostForm.Get("nonce")
	key := p.Actor + "|application|" + emp + "|" + nonce
	if id, ok := h.submitted(key); ok && nonce != "" {
		http.Redirect(w, r, "/ui/applications/"+url.PathEscape(id)+"?done=create", http.StatusSeeOther)
		return
	}
	tool := r.PostForm.Get("sign_tool")
	v, err := h.Reg.CreateApplication(r.Context(), p, registration.ApplicationInput{EmployeeID: emp, Kind: model.CertKind(kind), SignTool: tool})
	if err != nil {
		pr := formProblem(localeOf(r), err)
		if _, unknown := pr.Fields["employee_id"]; unknown || pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden ||
			pr.Status >= 500 || emp == "" {
			if unknown {
				err = errs.NotFoundf("employee %s not found", emp)
			}
			h.fail(w, r, p, err)
			return
		}
		h.wizardStep2(w, r, p, pr.Status, emp, wizardData{Kind: kind, SignTool: tool, Nonce: nonce, Message: pr.Message, Fields: pr.Fields})
		return
	}
	if nonce != "" {
		h.remember(key, v.ID)
	}
	http.Redirect(w, r, "/ui/applications/"+url.PathEscape(v.ID)+"?done=create", http.StatusSeeOther)
}

// The steps of an application's path, as the progress indicator numbers them.
const (
	stepEmployee = iota + 1 // the employee and the certificate kind (the wizard)
	stepDocuments
	stepIdentity
	stepCSR
	stepApproval
	stepIssue
)

// stepNames are the catalogue keys of the steps' names, in order.
var stepNames = []string{"step.employee", "step.documents", "step.identity", "step.csr", "step.approval", "step.issue"}

// Statuses of a step in the progress indicator; they are also the steps' CSS classes.
const (
	stepDone    = "done"
	stepCurrent = "current"
	stepTodo    = "todo"
)

// progressStep is one step of the indicator.
type progressStep struct {
	N      int
	Name   string
	Status string
}

// progress is an application's path as the indicator shows it.
type progress struct {
	Steps   []progressStep
	Current int  // the current step, 0 when the path is finished or stopped
	Stopped bool // declined or cancelled: nothing more will happen
}

// appProgress computes the indicator, its steps named in l, from the application's state, whether its request is uploaded and
// whether its applicant's identity is verified; state "" is an application the wizard is still creating.
// The request may come at any time before approval, so its step can be done while an earlier one is not;
// the current step is the first one not done.
func appProgress(l locale, st model.State, hasCSR, verified bool) progress {
	in := func(states ...model.State) bool { return slices.Contains(states, st) }
	stopped := in(model.StateDeclined, model.StateCancelled)
	finished := in(model.StateApproved, model.StateIssued)
	done := map[int]bool{
		stepEmployee: st != "",
		// A verification is recorded only after the documents were submitted; it survives a cancellation.
		stepDocuments: st == model.StateIdentityVerification || finished || (stopped && verified),
		stepIdentity:  verified || finished,
		stepCSR:       hasCSR || finished,
		stepApproval:  finished,
		stepIssue:     st == model.StateIssued,
	}
	pr := progress{Stopped: stopped}
	for i, key := range stepNames {
		n, status := i+1, stepTodo
		if done[n] {
			status = stepDone
		} else if pr.Current == 0 && !stopped {
			pr.Current, status = n, stepCurrent
		}
		pr.Steps = append(pr.Steps, progressStep{N: n, Name: l.T(key), Status: status})
	}
	return pr
}

// nextSentence is "Следующий шаг: …." in l with the catalogue text of key.
func nextSentence(l locale, key string) string { return fmt.Sprintf(l.T("next.step"), l.T(key)) }

// nextStep tells the viewer in l who must do what next: the current step's work in the imperative when the
// viewer may do it (can answers for an action of registration.Actions and for "csr", the request upload),
// otherwise who else does it. It also says when the request can already be uploaded ahead of its turn.
func nextStep(l locale, st model.State, pr progress, can func(action string) bool) string {
	switch st {
	case model.StateIssued:
		return l.T("next.issued")
	case model.StateDeclined:
		return l.T("next.declined")
	case model.StateCancelled:
		return l.T("next.cancelled")
	}
	var key string
	switch pr.Current {
	case stepDocuments:
		key = mine("next."+string(st), can(string(registration.ActSubmit))) // draft, documents or correction
	case stepIdentity:
		key = mine("next.identity", can(string(registration.ActVerifyIdentity)))
	case stepCSR:
		key = mine("next.csr", can("csr"))
	case stepApproval:
		key = mine("next.approve", can(string(registration.ActApprove)))
	case stepIssue:
		key = mine("next.issue", can(string(registration.ActIssue)))
	default:
		return ""
	}
	out := nextSentence(l, key)
	if pr.Current < stepCSR && pr.Steps[stepCSR-1].Status == stepTodo && can("csr") {
		out += " " + l.T("next.csr_early")
	}
	return out
}

// mine picks the "_you" variant of a next-step text when the viewer does the step, "_other" otherwise.
func mine(key string, you bool) string {
	if you {
		return key + "_you"
	}
	return key + "_other"
}

// checkItem is one point of the registrar's identity checklist; its texts are "check.<Key>" (what the
// registrar confirms) and "check.<Key>_note" (how the history records it).
type checkItem struct {
	Key      string
	InPerson bool // applies to the in-person methods (at the workplace, at a service center)
	Remote   bool // applies to the remote method with a valid qualified signature
}

// identityChecklist is what the registrar confirms before recording an identity check. The in-person items
// are about the original document in the registrar's hands and the person in front of them. A remote check
// (a renewal signed with the applicant's valid qualified certificate, no visit) has neither a document nor a
// face to compare: it confirms the signature and that the certificate's person matches the employee card.
var identityChecklist = []checkItem{
	{Key: "presented", InPerson: true},
	{Key: "photo", InPerson: true},
	{Key: "data", InPerson: true},
	{Key: "signature", Remote: true},
	{Key: "snils", InPerson: true, Remote: true},
}

// applies reports whether the item must be ticked for a check by method m; an unknown method counts as
// in person, the stricter list (the service refuses the method itself).
func (c checkItem) applies(m model.VerificationMethod) bool {
	if m == model.VerifiedRemoteQualified {
		return c.Remote
	}
	return c.InPerson
}

// checklistNote checks that every item applying to the method is ticked and returns the history note that
// names them; ok is false when one is missing. Ticks of items that do not apply are not recorded. The note
// is a record kept in the application's history, so it is in Russian whatever the registrar's language.
func checklistNote(m model.VerificationMethod, ticked []string) (note string, ok bool) {
	var confirmed []string
	for _, c := range identityChecklist {
		if !c.applies(m) {
			continue
		}
		if !slices.Contains(ticked, c.Key) {
			return "", false
		}
		confirmed = append(confirmed, ru.T("check."+c.Key+"_note"))
	}
	return ru.T("check.note") + " " + strings.Join(confirmed, "; ") + ".", true
}

// applicationForm sends the printed application for a qualified certificate (package form), filled in for
// the employee's signature. The personal data comes from Reg.Employee, which checks the right to read it and
// audits the read. The form is a Russian legal document: it names the kind and document in Russian whatever
// the interface's language.
func (h *Handler) applicationForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx := r.Context()
	v, err := h.Reg.Application(ctx, p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	e, err := h.Reg.Employee(ctx, p, v.EmployeeID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	var org *model.Organization
	if v.Kind == model.KindLegalEntityEmployee || v.Kind == model.KindHead || v.Kind == model.KindSoleProprietor {
		if o, err := h.Reg.Organization(ctx, p, v.OrganizationID); err == nil {
			org = o
		} else if errs.KindOf(err) != errs.Forbidden {
			h.fail(w, r, p, err)
			return
		}
	}
	raw, err := form.PDF(form.Application{App: v.Application, KindName: ru.kindName(v.Kind),
		DocumentName: ru.T("doc." + string(e.Document.Type)), Employee: e, Organization: org}, h.Reg.Clock.Now())
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", document.ContentDisposition("inline", form.FileName(v.Application)))
	_, _ = w.Write(raw)
}
