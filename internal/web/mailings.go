package web

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// registerMailings adds the notices pages (every signed-in user) and the mailing pages (the CA operator and
// account administrators) when the services are configured.
func (h *Handler) registerMailings(mux localizedMux, post func(http.HandlerFunc) http.Handler) {
	if h.Notify != nil {
		mux.Handle("GET /ui/notices", h.auth(h.notices))
		mux.Handle("POST /ui/notices/read", post(h.auth(h.noticesRead).ServeHTTP))
	}
	if h.Mailings == nil {
		return
	}
	mux.Handle("GET /ui/mailings", h.auth(h.mailings))
	mux.Handle("POST /ui/mailings", post(h.auth(h.mailingCreate).ServeHTTP))
	mux.Handle("GET /ui/mailings/{id}", h.auth(h.mailingCard))
	mux.Handle("POST /ui/mailings/{id}", post(h.auth(h.mailingUpdate).ServeHTTP))
	mux.Handle("POST /ui/mailings/{id}/attachments", post(h.auth(h.mailingAttach).ServeHTTP))
	mux.Handle("POST /ui/mailings/{id}/attachments/{aid}/delete", post(h.auth(h.mailingDetach).ServeHTTP))
	mux.Handle("POST /ui/mailings/{id}/send", post(h.auth(h.mailingSend).ServeHTTP))
}

// userID is the signed-in user's id, "" for other callers.
func userID(p *access.Principal) string {
	id, ok := strings.CutPrefix(p.Actor, "user:")
	if !ok {
		return ""
	}
	return id
}

// unread is the bell's number for the caller; 0 when notices are off or cannot be read (the page still shows).
func (h *Handler) unread(r *http.Request, p *access.Principal) (int, bool) {
	if h.Notify == nil || p == nil || userID(p) == "" {
		return 0, false
	}
	n, err := h.Notify.UnreadCount(r.Context(), userID(p))
	if err != nil {
		h.Log.Error("web: unread notices", "err", err)
	}
	return n, true
}

type noticesData struct {
	Notices []noticeRow
}

type noticeRow struct {
	ID, Subject, Text, Link, When string
}

func (h *Handler) notices(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	ns, err := h.Notify.UnreadNotices(r.Context(), userID(p), 100)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := noticesData{}
	for _, n := range ns {
		d.Notices = append(d.Notices, noticeRow{ID: n.ID, Subject: n.Subject, Text: n.Text, Link: n.Link, When: l.date(n.CreatedAt)})
	}
	h.render(w, r, http.StatusOK, "notices", l.T("ntc.title"), p, d)
}

// noticesRead marks the posted notice read, or all of them.
func (h *Handler) noticesRead(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var ids []string
	if id := r.PostFormValue("id"); id != "" {
		ids = []string{id}
	}
	if _, err := h.Notify.MarkRead(r.Context(), userID(p), ids); err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/notices", http.StatusSeeOther)
}

type mailingRow struct {
	ID, Subject, Status, Created string
}

type mailingsData struct {
	Mailings []mailingRow
	Starters []mailing.StarterTemplate
	Form     mailingForm
}

// mailingForm is the draft form: its values, the choices, and the problems of the last post.
type mailingForm struct {
	Action      string
	Subject     string
	Body        string
	Segment     storage.Segment
	Kinds       []choice
	States      []choice
	Roles       []choice
	Orgs        []choice
	Message     string
	Fields      map[string]string
	Placeholder []string
}

// choice is an option of a checkbox list or select, with whether it is chosen.
type choice struct {
	Value, Label string
	On           bool
}

func (h *Handler) newMailingForm(r *http.Request, p *access.Principal, action string, d mailing.Draft) mailingForm {
	l := localeOf(r)
	f := mailingForm{Action: action, Subject: d.Subject, Body: d.Body, Segment: d.Segment, Fields: map[string]string{}}
	for _, k := range model.CertKinds {
		f.Kinds = append(f.Kinds, choice{string(k), l.kindName(k), slices.Contains(d.Segment.Kinds, k)})
	}
	for _, s := range model.States {
		f.States = append(f.States, choice{string(s), l.stateName(s), d.Segment.StuckState == s})
	}
	for _, ro := range []model.Role{model.RoleAccountAdmin, model.RoleOrgAdmin, model.RoleRegistrar, model.RoleAccountant,
		model.RoleManager, model.RoleEmployee} {
		f.Roles = append(f.Roles, choice{string(ro), l.roleName(ro), slices.Contains(d.Segment.Roles, ro)})
	}
	orgs, _ := h.orgOptions(r, p)
	for _, o := range orgs {
		f.Orgs = append(f.Orgs, choice{o.Value, o.Label, slices.Contains(d.Segment.OrganizationIDs, o.Value)})
	}
	for _, ph := range mailing.Placeholders {
		f.Placeholder = append(f.Placeholder, "{{"+ph.Name+"}} — "+ph.Description)
	}
	return f
}

func (h *Handler) mailings(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showMailings(w, r, p, http.StatusOK, mailing.Draft{}, nil)
}

func (h *Handler) showMailings(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d mailing.Draft, ferr error) {
	l := localeOf(r)
	ms, err := h.Mailings.List(r.Context(), p, 200)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if t := r.URL.Query().Get("template"); t != "" && ferr == nil {
		for _, s := range mailing.Starters() {
			if s.ID == t {
				d = mailing.Draft{Subject: s.Subject, Body: s.Body, Segment: s.Segment}
			}
		}
	}
	data := mailingsData{Starters: mailing.Starters(), Form: h.newMailingForm(r, p, "/ui/mailings", d)}
	mailingFormErr(l, &data.Form, ferr)
	for _, m := range ms {
		data.Mailings = append(data.Mailings, mailingRow{ID: m.ID, Subject: m.Subject, Status: l.T("mls.status." + string(m.Status)),
			Created: l.date(m.CreatedAt)})
	}
	h.render(w, r, status, "mailings", l.T("mls.title"), p, data)
}

// mailingFormErr puts a refused draft's problems on the form.
func mailingFormErr(l locale, f *mailingForm, err error) {
	var e *errs.Error
	if err == nil || !errors.As(err, &e) {
		return
	}
	f.Message = l.T("err.invalid")
	for _, fe := range e.Fields {
		msg := l.T("mls.fe." + fe.Rule)
		if fe.Rule == "unknown_placeholder" {
			// The English message names the placeholder: {{…}} is shown as written.
			if i := strings.Index(fe.Message, "{{"); i >= 0 {
				msg += " " + fe.Message[i:]
			}
		}
		f.Fields[fe.Field] = strings.TrimSpace(f.Fields[fe.Field] + " " + msg)
	}
}

// draftOf reads the draft form.
func draftOf(r *http.Request) mailing.Draft {
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		return n
	}
	d := mailing.Draft{Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	for _, k := range r.PostForm["kinds"] {
		d.Segment.Kinds = append(d.Segment.Kinds, model.CertKind(k))
	}
	for _, ro := range r.PostForm["roles"] {
		d.Segment.Roles = append(d.Segment.Roles, model.Role(ro))
	}
	d.Segment.OrganizationIDs = slices.DeleteFunc(slices.Clone(r.PostForm["orgs"]), func(s string) bool { return s == "" })
	d.Segment.Legacy = r.PostFormValue("legacy") == "on"
	d.Segment.NoSupplementary = r.PostFormValue("no_supplementary") == "on"
	d.Segment.ExpiringDays = num("expiring_days")
	d.Segment.StuckState = model.State(r.PostFormValue("stuck_state"))
	d.Segment.StuckDays = num("stuck_days")
	return d
}

func (h *Handler) mailingCreate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d := draftOf(r)
	m, err := h.Mailings.Create(r.Context(), p, d)
	if errs.Is(err, errs.Invalid) {
		h.showMailings(w, r, p, http.StatusUnprocessableEntity, d, err)
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/mailings/"+url.PathEscape(m.ID), http.StatusSeeOther)
}

type mailingCardData struct {
	M           *storage.Mailing
	BodyHTML    template.HTML // rendered by goldmark with raw HTML dropped: safe to show
	Status      string
	Draft       bool
	Form        mailingForm
	Reach       *mailing.Reach
	Counts      storage.MailingCounts
	Attachments []*storage.MailingAttachment
	Accept      string
	FileError   string
}

func (h *Handler) mailingCard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showMailing(w, r, p, http.StatusOK, nil, nil, "")
}

// showMailing renders a mailing's card: the form and the preview of its reach while a draft, the counts
// once sent. d, when set, is a refused post's values.
func (h *Handler) showMailing(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, d *mailing.Draft, ferr error, fileErr string) {
	l := localeOf(r)
	ctx := r.Context()
	m, err := h.Mailings.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	data := mailingCardData{M: m, BodyHTML: template.HTML(m.BodyHTML), Status: l.T("mls.status." + string(m.Status)), Draft: m.Status == storage.MailingDraft,
		Accept: strings.Join(mailing.AttachmentExtensions(), ","), FileError: fileErr}
	if data.Attachments, err = h.Mailings.Attachments(ctx, p, m.ID); err != nil {
		h.fail(w, r, p, err)
		return
	}
	if data.Draft {
		draft := mailing.Draft{Subject: m.Subject, Body: m.Body, Segment: m.Segment}
		if d != nil {
			draft = *d
		}
		data.Form = h.newMailingForm(r, p, "/ui/mailings/"+url.PathEscape(m.ID), draft)
		mailingFormErr(l, &data.Form, ferr)
		if data.Reach, err = h.Mailings.Preview(ctx, p, m.Segment); err != nil {
			h.fail(w, r, p, err)
			return
		}
	} else if data.Counts, err = h.Mailings.Counts(ctx, p, m.ID); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, status, "mailing", l.T("mls.card")+" «"+m.Subject+"»", p, data)
}

func (h *Handler) mailingUpdate(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d := draftOf(r)
	_, err := h.Mailings.Update(r.Context(), p, r.PathValue("id"), d)
	if errs.Is(err, errs.Invalid) {
		h.showMailing(w, r, p, http.StatusUnprocessableEntity, &d, err, "")
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/mailings/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (h *Handler) mailingAttach(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, mailing.MaxAttachmentSize+64<<10)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		h.showMailing(w, r, p, http.StatusUnprocessableEntity, nil, nil, l.T("mls.fe.file"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	_, err = h.Mailings.Attach(r.Context(), p, r.PathValue("id"), hdr.Filename, data)
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Invalid && len(e.Fields) > 0 {
		h.showMailing(w, r, p, http.StatusUnprocessableEntity, nil, nil, l.T("mls.fe."+e.Fields[0].Rule))
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/mailings/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

func (h *Handler) mailingDetach(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := h.Mailings.Detach(r.Context(), p, r.PathValue("id"), r.PathValue("aid")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/ui/mailings/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

// mailingSend asks first (with the reach), then sends once.
func (h *Handler) mailingSend(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	ctx := r.Context()
	id := r.PathValue("id")
	back := "/ui/mailings/" + url.PathEscape(id)
	if !confirmed(r) {
		m, err := h.Mailings.Get(ctx, p, id)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		reach, err := h.Mailings.Preview(ctx, p, m.Segment)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		h.confirmPage(w, r, p, confirmData{Object: l.T("mls.card") + " «" + m.Subject + "»",
			Details: []pair{{l.T("mls.people"), strconv.Itoa(reach.People)}, {l.T("mls.with_email"), strconv.Itoa(reach.WithEmail)},
				{l.T("mls.orgs"), strconv.Itoa(reach.Organizations)}},
			Question: l.T("mls.send_q"), Verb: l.T("mls.send"), Action: back + "/send", Back: back})
		return
	}
	if _, _, err := h.Mailings.Send(ctx, p, id); err != nil {
		h.fail(w, r, p, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
