package web

import (
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// actionPermission mirrors registration's: which permission each application action needs. The service
// checks it again; the card uses it only to offer the buttons the caller may press.
var actionPermission = map[registration.Action]access.Permission{
	registration.ActSubmit: access.AppSubmit, registration.ActVerifyIdentity: access.AppVerify,
	registration.ActRequestCorrection: access.AppCorrection, registration.ActApprove: access.AppApprove,
	registration.ActDecline: access.AppDecline, registration.ActCancel: access.AppCancel, registration.ActIssue: access.AppIssue,
}

// csrStates mirrors the states in which registration accepts a certificate request.
var csrStates = []model.State{model.StateDraft, model.StateDocuments, model.StateCorrection, model.StateIdentityVerification}

// docStates are the states in which the applicant side confirms the identity document before submitting:
// the card shows the document as the employee card records it.
var docStates = []model.State{model.StateDraft, model.StateDocuments, model.StateCorrection}

// historyRow is one transition as the card shows it.
type historyRow struct {
	T   model.Transition
	Who string
}

// appCardData is the application card: the application, the forms the caller may use and, after a failed
// post, the message, the field problems of the failed form and the values entered into it.
type appCardData struct {
	A              *registration.ApplicationView
	Progress       progress
	Next           string                  // who must do what next, for this viewer
	Doc            *model.IdentityDocument // the employee's document in docStates; nil without EmployeeRead
	CanEditEmp     bool
	Check          *identityView // the data to compare at the identity check; nil without EmployeeRead
	Remote         bool          // identified by the valid certificate a reissue replaces: no check to repeat
	Checklist      []checkRow
	History        []historyRow
	Actions        []string // allowed for this state and this caller, in registration.Actions order
	CanCSR         bool
	CanPDF         bool // the caller may print the application form (it holds personal data)
	Methods        []option
	ServiceCenters []option
	CenterName     string // the service center of the verification, if any
	VerifiedBy     string
	Done           string // the action just done (after the redirect)
	Failed         string // the action whose form failed
	Message        string
	Fields         map[string]string
	Values         url.Values
	Tie            *poaTie // an issued individual certificate's МЧД, with the offer to draft one
}

// Has reports whether an action is offered.
func (d appCardData) Has(a string) bool { return slices.Contains(d.Actions, a) }

// Err is the message of a field of the failed form, "" for other forms.
func (d appCardData) Err(action, field string) string {
	if d.Failed != action {
		return ""
	}
	return d.Fields[field]
}

// Ticked reports whether a checklist item was ticked in the failed identity check form.
func (d appCardData) Ticked(key string) bool {
	return d.Failed == string(registration.ActVerifyIdentity) && slices.Contains(d.Values["check"], key)
}

// Val is the entered value of a field of the failed form, "" for other forms.
func (d appCardData) Val(action, field string) string {
	if d.Failed != action {
		return ""
	}
	return d.Values.Get(field)
}

func (h *Handler) applicationCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showApplication(w, r, p, http.StatusOK, appCardData{Done: r.URL.Query().Get("done")})
}

// showApplication loads the application in scope and renders its card with d's messages.
func (h *Handler) showApplication(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d appCardData) {
	l := localeOf(r)
	v, err := h.Reg.Application(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.A = v
	// One lookup per distinct actor for the whole page, within the application's account.
	actors := []string{}
	for _, t := range v.History {
		actors = append(actors, t.Actor)
	}
	if v.Verification != nil {
		actors = append(actors, v.Verification.VerifiedBy)
	}
	names, err := h.Access.ActorNames(r.Context(), p, v.AccountID, actors)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if v.Verification != nil {
		d.VerifiedBy = who(l, p, v.Verification.VerifiedBy, names)
		d.Remote = v.Verification.VerifiedBy == registration.RemoteIdentificationActor
	}
	for _, t := range v.History {
		d.History = append(d.History, historyRow{T: t, Who: who(l, p, t.Actor, names)})
	}
	for _, a := range v.AllowedActions {
		if perm, ok := actionPermission[a]; ok && p.Can(perm) {
			d.Actions = append(d.Actions, string(a))
		}
	}
	d.Actions = neededActions(d.Actions, v)
	d.CanCSR = p.Can(access.AppCSR) && slices.Contains(csrStates, v.State)
	d.CanPDF = p.Can(access.EmployeeRead)
	d.Progress = appProgress(l, v.State, v.HasCSR, v.Verification != nil)
	d.Next = nextStep(l, v.State, d.Progress, func(a string) bool {
		if a == "csr" {
			return d.CanCSR
		}
		return d.Has(a)
	})
	if p.Can(access.EmployeeRead) && slices.Contains(docStates, v.State) {
		// Reg.Employee checks the scope and audits the read of the document.
		e, err := h.Reg.Employee(r.Context(), p, v.EmployeeID)
		if err == nil {
			d.Doc, d.CanEditEmp = &e.Document, p.Can(access.EmployeeWrite)
		} else if k := errs.KindOf(err); k != errs.NotFound && k != errs.Forbidden {
			h.fail(w, r, p, err)
			return
		}
	}
	if d.Has(string(registration.ActVerifyIdentity)) || v.Verification != nil {
		centers, err := h.Reg.ServiceCenters(r.Context())
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		for _, c := range centers {
			d.ServiceCenters = append(d.ServiceCenters, option{c.ID, c.Name + ", " + c.Address})
			if v.Verification != nil && c.ID == v.Verification.ServiceCenterID {
				d.CenterName = c.Name + ", " + c.Address
			}
		}
		for _, m := range model.VerificationMethods {
			d.Methods = append(d.Methods, option{string(m), l.methodName(m)})
		}
	}
	if err := h.identityCheck(r, p, v, &d); err != nil {
		h.fail(w, r, p, err)
		return
	}
	if d.Tie, err = h.appTie(r, p, v.Application); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, status, "application", l.T("card.app_title"), p, d)
}

// who names the actor of a history step in l: the caller themselves by login, others by the name
// ActorNames found, kcr's own jobs as the system, anyone else by their audit id.
func who(l locale, p *access.Principal, actor string, names map[string]string) string {
	switch {
	case actor == p.Actor:
		return p.Name + " (" + l.T("card.you") + ")"
	case names[actor] != "":
		return names[actor]
	case actor == "system" || strings.HasPrefix(actor, "system:"):
		return l.T("hist.system")
	}
	return actor
}

// applicationAct performs one action from the card's forms and redirects back to the card.
func (h *Handler) applicationAct(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	act := registration.Action(r.PathValue("action"))
	if _, ok := actionPermission[act]; !ok {
		h.fail(w, r, p, errs.NotFoundf("no action %s", act))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, p, errs.New(errs.Malformed, "form"))
		return
	}
	in := registration.ActionInput{Note: r.PostForm.Get("note")}
	if act == registration.ActVerifyIdentity {
		in.Method = model.VerificationMethod(r.PostForm.Get("method"))
		in.Document = r.PostForm.Get("document")
		if in.Method == model.VerifiedServiceCenter {
			in.ServiceCenterID = r.PostForm.Get("service_center_id")
		}
		// The checklist is the web form's own rule: an incomplete one records nothing. Without the right to
		// verify, the service's refusal comes first, as for every other action.
		if p.Can(access.AppVerify) {
			note, ok := checklistNote(in.Method, r.PostForm["check"])
			if !ok {
				h.showApplication(w, r, p, http.StatusUnprocessableEntity, appCardData{Failed: string(act),
					Message: l.T("err.invalid"), Fields: map[string]string{"check": l.T("check.missing") + " " +
						l.T("check.unticked") + " " + missingChecks(l, in.Method, r.PostForm["check"]) + "."}, Values: r.PostForm})
				return
			}
			in.Note = note
		}
	}
	if !h.appActConfirm(w, r, p, act) {
		return
	}
	id := r.PathValue("id")
	if _, err := h.Reg.Act(r.Context(), p, id, act, in); err != nil {
		h.cardFailed(w, r, p, string(act), r.PostForm, err)
		return
	}
	http.Redirect(w, r, "/ui/applications/"+url.PathEscape(id)+"?done="+string(act), http.StatusSeeOther)
}

// applicationCSR reads the request (an uploaded file, or text pasted from an enrollment tool: PEM or
// bare base64) and stores it on the application.
func (h *Handler) applicationCSR(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, registration.MaxCSRSize+64<<10)
	var body []byte
	f, _, err := r.FormFile("csr")
	switch {
	case errors.Is(err, http.ErrMissingFile) && strings.TrimSpace(r.FormValue("csr_text")) != "":
		body = []byte(r.FormValue("csr_text"))
	case err != nil:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.cardFailed(w, r, p, "csr", nil, errs.Field("csr", "too_large", "too large"))
			return
		}
		h.cardFailed(w, r, p, "csr", nil, errs.Field("csr", "required", "no file"))
		return
	default:
		defer f.Close()
		if body, err = io.ReadAll(io.LimitReader(f, registration.MaxCSRSize+1)); err != nil {
			h.cardFailed(w, r, p, "csr", nil, errs.Field("csr", "required", "no file"))
			return
		}
	}
	id := r.PathValue("id")
	if _, err := h.Reg.UploadCSR(r.Context(), p, id, body); err != nil {
		h.cardFailed(w, r, p, "csr", nil, err)
		return
	}
	http.Redirect(w, r, "/ui/applications/"+url.PathEscape(id)+"?done=csr", http.StatusSeeOther)
}

// cardProblem is explain with what a card adds: a rule refusal's own text (the rules word it in Russian),
// and the field problems of a conflict (approval without a verification or a request).
func cardProblem(l locale, err error) problem {
	pr := explain(l, err)
	var e *errs.Error
	if !errors.As(err, &e) {
		return pr
	}
	switch e.Kind {
	case errs.Refused:
		pr.Message = refusalText(l, e)
	case errs.Conflict:
		if len(e.Fields) > 0 {
			// A conflict naming fields is an application not ready for the action, not a concurrent change:
			// the message says what is missing, as the action's form is no longer offered.
			pr.Message = l.T("err.not_ready")
			pr.Fields = map[string]string{}
			for _, f := range e.Fields {
				pr.Fields[f.Field] = fieldMessage(l, f)
				pr.Message += " " + pr.Fields[f.Field]
			}
		}
	}
	return pr
}

// cardFailed re-renders the application card with the failed form's message, field problems and values.
// Not found and forbidden stay plain error pages: they must not confirm that the application exists.
func (h *Handler) cardFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, action string, values url.Values, err error) {
	pr := cardProblem(localeOf(r), err)
	if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 {
		h.fail(w, r, p, err)
		return
	}
	h.showApplication(w, r, p, pr.Status, appCardData{Failed: action, Message: pr.Message, Fields: pr.Fields, Values: values})
}

// certCardData is the certificate card.
type certCardData struct {
	C           *model.Certificate
	CanDownload bool
	CanRevoke   bool
	CanReissue  bool
	Reasons     []option
	Recipients  []option
	Nonce       string
	Done        string
	Message     string
	Fields      map[string]string
	Values      url.Values
	Failed      string
	Tie         *poaTie         // the holder's МЧД, with the offer to draft one
	PoARevoke   *poaRevokeOffer // the holder's МЧД to revoke once none of their certificates is valid
}

func (h *Handler) certificateCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showCertificate(w, r, p, http.StatusOK, certCardData{Done: r.URL.Query().Get("done")})
}

func (h *Handler) showCertificate(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d certCardData) {
	l := localeOf(r)
	c, err := h.Reg.Certificate(r.Context(), p, r.PathValue("serial"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.C = c
	d.CanDownload = p.Can(access.EmployeeRead)
	d.CanRevoke = p.Can(access.CertRevoke) && c.Status != model.CertRevoked
	d.CanReissue = p.Can(access.CertReissue) && c.Status != model.CertRevoked
	d.Reasons = enumOptions(l, "reason.", model.RevocationReasons)
	d.Recipients = []option{{"", l.T("recipient.same")}, {"individual", l.T("recipient.individual")},
		{"legal_entity", l.T("recipient.legal_entity")}}
	d.Nonce = access.NewID()
	if d.Tie, err = h.certTie(r, p, c); err == nil {
		d.PoARevoke, err = h.certRevokeOffer(r, p, c)
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, status, "certificate", l.T("card.cert_title"), p, d)
}

// certificateDownload serves the certificate as DER or PEM through Reg.CertificateDocument (which checks
// the right to personal data and audits the read).
func (h *Handler) certificateDownload(format string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) {
		c, err := h.Reg.CertificateDocument(r.Context(), p, r.PathValue("serial"))
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		name := c.Serial
		switch format {
		case "der":
			w.Header().Set("Content-Type", "application/pkix-cert")
			w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", name+".cer"))
			_, _ = w.Write(c.DER)
		default:
			// The chain follows the certificate when the handler knows the CA's certificates (Chain); without
			// it only the certificate itself is served.
			out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
			if h.Chain != nil {
				for _, der := range h.Chain(c.Issuer) {
					out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
				}
			}
			w.Header().Set("Content-Type", "application/pem-certificate-chain")
			w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", name+".pem"))
			_, _ = w.Write(out)
		}
	}
}

func (h *Handler) certificateRevoke(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	serial := r.PathValue("serial")
	if !h.certRevokeConfirm(w, r, p) {
		return
	}
	reason := r.PostFormValue("reason")
	if _, err := h.Reg.RevokeCertificate(r.Context(), p, serial, registration.RevokeInput{Reason: model.RevocationReason(reason)}); err != nil {
		h.certFailed(w, r, p, "revoke", err)
		return
	}
	http.Redirect(w, r, "/ui/certificates/"+url.PathEscape(serial)+"?done=revoke", http.StatusSeeOther)
}

// certificateReissue creates the reissue application and opens its card. The form's one-time nonce makes a
// double submit lead to the application the first submit created instead of a second one.
func (h *Handler) certificateReissue(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	serial := r.PathValue("serial")
	key := p.Actor + "|" + serial + "|" + r.PostFormValue("nonce")
	if id, ok := h.submitted(key); ok {
		http.Redirect(w, r, "/ui/applications/"+url.PathEscape(id)+"?done=reissue", http.StatusSeeOther)
		return
	}
	v, err := h.Reg.ReissueCertificate(r.Context(), p, serial, registration.ReissueInput{Recipient: r.PostFormValue("recipient")})
	if err != nil {
		h.certFailed(w, r, p, "reissue", err)
		return
	}
	if r.PostFormValue("nonce") != "" {
		h.remember(key, v.ID)
	}
	http.Redirect(w, r, "/ui/applications/"+url.PathEscape(v.ID)+"?done=reissue", http.StatusSeeOther)
}

func (h *Handler) certFailed(w http.ResponseWriter, r *http.Request, p *access.Principal, action string, err error) {
	pr := cardProblem(localeOf(r), err)
	if pr.Status == http.StatusNotFound || pr.Status == http.StatusForbidden || pr.Status >= 500 {
		h.fail(w, r, p, err)
		return
	}
	h.showCertificate(w, r, p, pr.Status, certCardData{Failed: action, Message: pr.Message, Fields: pr.Fields, Values: r.PostForm})
}

// onceStore remembers what recent one-time form submissions created, so that a repeated submit is
// answered with the first result. It is bounded: when full it starts over.
type onceStore struct {
	mu sync.Mutex
	m  map[string]string
}

const onceMax = 10000

func (h *Handler) submitted(key string) (string, bool) {
	h.once.mu.Lock()
	defer h.once.mu.Unlock()
	id, ok := h.once.m[key]
	return id, ok
}

func (h *Handler) remember(key, id string) {
	h.once.mu.Lock()
	defer h.once.mu.Unlock()
	if h.once.m == nil || len(h.once.m) >= onceMax {
		h.once.m = map[string]string{}
	}
	h.once.m[key] = id
}
