package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// Irreversible actions ask first. Their forms post without "confirm=yes"; the handler then changes nothing
// and answers with a confirmation page, rendered here on the server so that it needs no script, which says
// what will happen and posts the same values again with confirm=yes.

// confirmField is the name of the hidden field that marks a confirmed post.
const confirmField = "confirm"

// confirmed reports whether the post is the confirmation page's.
func confirmed(r *http.Request) bool { return r.PostFormValue(confirmField) == "yes" }

// confirmData is the confirmation page: what the action applies to, what will happen, the values posted
// again and where "back" leads.
type confirmData struct {
	Object   string // the object in words ("Сертификат № …")
	Details  []pair // lines about the object and the choice made
	Question string // what will happen, and that it cannot be undone
	Verb     string // the button
	Action   string // where the confirmed form posts
	Hidden   []pair // the form's fields posted again
	Back     string
}

// pair is a named value: a line of the confirmation's details, or a form field.
type pair struct{ Name, Value string }

// confirmPage renders a confirmation; the status is 200: nothing failed, nothing changed yet.
func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, p *access.Principal, d confirmData) {
	h.render(w, r, http.StatusOK, "confirm", localeOf(r).T("confirm.title"), p, d)
}

// certRevokeConfirm checks the revocation form (the reason must be chosen: there is no preset) and, when it
// is not yet confirmed, shows what the revocation does. It reports whether the handler may revoke now.
func (h *Handler) certRevokeConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal) bool {
	l := localeOf(r)
	serial := r.PathValue("serial")
	c, err := h.Reg.Certificate(r.Context(), p, serial)
	if err != nil {
		h.fail(w, r, p, err)
		return false
	}
	if !p.Can(access.CertRevoke) {
		h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot revoke certificates"))
		return false
	}
	reason := model.RevocationReason(r.PostFormValue("reason"))
	if reason == "" || !slices.Contains(model.RevocationReasons, reason) {
		msg := l.T("confirm.reason_required")
		if reason != "" {
			msg = l.T("err.field_enum")
		}
		h.showCertificate(w, r, p, http.StatusUnprocessableEntity, certCardData{Failed: "revoke",
			Message: l.T("confirm.reason_missing"), Fields: map[string]string{"reason": msg}, Values: r.PostForm})
		return false
	}
	if confirmed(r) || c.Status == model.CertRevoked {
		// A certificate revoked meanwhile: the service says so, there is nothing to confirm.
		return true
	}
	h.confirmPage(w, r, p, confirmData{
		Object: l.T("confirm.cert") + " " + c.Serial,
		Details: []pair{{l.T("cert.holder"), c.EmployeeName}, {l.T("app.org"), c.OrganizationName},
			{l.T("app.kind"), l.kindName(c.Kind)}, {l.T("cert.valid_to"), l.date(c.NotAfter)},
			{l.T("cert.reason"), l.T("reason." + string(reason))}},
		Question: l.T("confirm.revoke_q"), Verb: l.T("cert.revoke_btn"),
		Action: "/ui/certificates/" + url.PathEscape(serial) + "/revoke", Hidden: []pair{{"reason", string(reason)}},
		Back: "/ui/certificates/" + url.PathEscape(serial)})
	return false
}

// irreversibleActs are the application actions that end its path for good: they ask first.
var irreversibleActs = []registration.Action{registration.ActDecline, registration.ActCancel}

// appActConfirm shows what declining or cancelling an application does, unless the post is confirmed or
// the caller may not take the action here (the service then refuses it as it would without the page). A
// decline's reason is asked for before the confirmation. It reports whether the handler may act now.
func (h *Handler) appActConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal, act registration.Action) bool {
	if !slices.Contains(irreversibleActs, act) || confirmed(r) {
		return true
	}
	l := localeOf(r)
	id := r.PathValue("id")
	v, err := h.Reg.Application(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return false
	}
	if perm := actionPermission[act]; !slices.Contains(v.AllowedActions, act) || !p.Can(perm) {
		return true
	}
	note := r.PostFormValue("note")
	if act == registration.ActDecline && strings.TrimSpace(note) == "" {
		h.showApplication(w, r, p, http.StatusUnprocessableEntity, appCardData{Failed: string(act), Message: l.T("err.invalid"),
			Fields: map[string]string{"note": l.T("fe.note_required")}, Values: r.PostForm})
		return false
	}
	d := confirmData{
		Object: l.T("confirm.app"),
		Details: []pair{{l.T("app.employee"), v.EmployeeName}, {l.T("app.org"), v.OrganizationName},
			{l.T("app.kind"), l.kindName(v.Kind)}, {l.T("app.state"), l.stateName(v.State)}},
		Question: l.T("confirm." + string(act) + "_q"), Verb: l.T("act." + string(act)),
		Action: "/ui/applications/" + url.PathEscape(id) + "/act/" + string(act),
		Back:   "/ui/applications/" + url.PathEscape(id)}
	if note != "" {
		d.Details = append(d.Details, pair{l.T("card.reason_note"), note})
		d.Hidden = []pair{{"note", note}}
	}
	h.confirmPage(w, r, p, d)
	return false
}

// keyRevokeConfirm shows what revoking an API key does unless the post is confirmed; it reports whether the
// handler may revoke now.
func (h *Handler) keyRevokeConfirm(w http.ResponseWriter, r *http.Request, p *access.Principal) bool {
	if confirmed(r) {
		return true
	}
	l := localeOf(r)
	keys, err := h.Access.APIKeys(r.Context(), p)
	if err != nil {
		h.fail(w, r, p, err)
		return false
	}
	id := r.PathValue("id")
	i := slices.IndexFunc(keys, func(k *model.APIKey) bool { return k.ID == id })
	if i < 0 {
		h.fail(w, r, p, errs.NotFoundf("API key %s not found", id))
		return false
	}
	k := keys[i]
	_, names := h.orgOptions(r, p)
	h.confirmPage(w, r, p, confirmData{
		Object: l.T("confirm.key") + " «" + k.Name + "»",
		Details: []pair{{l.T("adm.key_prefix"), k.Prefix + "…"}, {l.T("adm.orgs"), orgList(l, k.OrganizationIDs, k.AllOrgs, names)},
			{l.T("adm.created"), l.date(k.CreatedAt)}},
		Question: l.T("confirm.key_q"), Verb: l.T("adm.key_revoke"),
		Action: "/ui/admin/api-keys/" + url.PathEscape(id) + "/revoke", Back: "/ui/admin/api-keys"})
	return false
}
