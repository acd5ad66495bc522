package api

import (
	"io"
	"net/http"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/storage"
)

// MailingView is a mailing with its attachments and, once sending started, how it went.
type MailingView struct {
	ID          string                  `json:"id"`
	AccountID   string                  `json:"account_id,omitempty"`
	Subject     string                  `json:"subject"`
	Body        string                  `json:"body"`
	BodyHTML    string                  `json:"body_html"`
	Segment     storage.Segment         `json:"segment"`
	Status      storage.MailingStatus   `json:"status"`
	CreatedAt   time.Time               `json:"created_at"`
	SendAt      *time.Time              `json:"send_at,omitempty"`
	SentAt      *time.Time              `json:"sent_at,omitempty"`
	Attachments []MailingAttachmentView `json:"attachments"`
	Counts      *MailingCountsView      `json:"counts,omitempty"`
}

// MailingAttachmentView is a file sent with a mailing.
type MailingAttachmentView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// MailingCountsView counts a mailing's recipients, their messages by outcome, and its in-app notices read.
type MailingCountsView struct {
	Recipients int `json:"recipients"`
	Mail       int `json:"mail"`
	Delivered  int `json:"delivered"`
	Failed     int `json:"failed"`
	Pending    int `json:"pending"`
	Cancelled  int `json:"cancelled"`
	Notices    int `json:"notices"`
	Opened     int `json:"opened"`
}

// MailingReach is who a segment reaches now: people, those with an address, organizations, some of their names.
type MailingReach struct {
	People              int      `json:"people"`
	WithEmail           int      `json:"with_email"`
	Organizations       int      `json:"organizations"`
	SampleOrganizations []string `json:"sample_organizations"`
}

// MailingTemplate is a shipped starting text (the law-change letters).
type MailingTemplate struct {
	ID      string          `json:"id"`
	Title   string          `json:"title"`
	Subject string          `json:"subject"`
	Body    string          `json:"body"`
	Segment storage.Segment `json:"segment"`
}

// SendResult is a mailing after a send request; Started is false when it had been sent before.
type SendResult struct {
	Started bool        `json:"started"`
	Mailing MailingView `json:"mailing"`
}

func (s *Server) mailingRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/mailings", ID: "listMailings", Tag: "mailings", Summary: "List mailings (CA operator: all; account administrator: the account's)",
			Out: pageOf[MailingView]{}, Status: 200, Handle: (*Server).listMailings},
		{Method: "POST", Path: "/api/v1/mailings", ID: "createMailing", Tag: "mailings",
			Summary: "Draft a mailing: Markdown with placeholders (an unknown one is refused) and a segment",
			In:      mailing.Draft{}, Out: MailingView{}, Status: 201, Handle: (*Server).createMailing},
		{Method: "GET", Path: "/api/v1/mailing-templates", ID: "listMailingTemplates", Tag: "mailings",
			Summary: "The shipped law-change letters (2022, 2023, 2024) as starting texts", Out: pageOf[MailingTemplate]{}, Status: 200,
			Handle: (*Server).listMailingTemplates},
		{Method: "POST", Path: "/api/v1/mailings/preview", ID: "previewMailingSegment", Tag: "mailings",
			Summary: "Count whom a segment reaches now, with a sample of organization names", In: storage.Segment{},
			Out: MailingReach{}, Status: 200, Handle: (*Server).previewSegment},
		{Method: "GET", Path: "/api/v1/mailings/{id}", ID: "getMailing", Tag: "mailings", Summary: "Get a mailing with its counts",
			Out: MailingView{}, Status: 200, Handle: (*Server).getMailing},
		{Method: "PUT", Path: "/api/v1/mailings/{id}", ID: "updateMailing", Tag: "mailings", Summary: "Replace a draft's subject, text and segment",
			In: mailing.Draft{}, Out: MailingView{}, Status: 200, Handle: (*Server).updateMailing},
		{Method: "POST", Path: "/api/v1/mailings/{id}/attachments", ID: "addMailingAttachment", Tag: "mailings",
			Summary: "Attach a file to a draft (the name in ?name=; PDF, DOCX, XLSX, ODT, PNG, JPEG, TXT; 5 files, 5 MB each, 10 MB in all)",
			InMedia: []string{"application/octet-stream"}, Query: []string{"name"}, Out: MailingAttachmentView{}, Status: 201,
			Handle: (*Server).addMailingAttachment},
		{Method: "DELETE", Path: "/api/v1/mailings/{id}/attachments/{attachment_id}", ID: "deleteMailingAttachment", Tag: "mailings",
			Summary: "Remove a file from a draft", Status: 204, Handle: (*Server).deleteMailingAttachment},
		{Method: "POST", Path: "/api/v1/mailings/{id}/send", ID: "sendMailing", Tag: "mailings",
			Summary: "Send a mailing once (repeating it changes nothing); an empty segment is refused", Out: SendResult{}, Status: 202,
			Handle: (*Server).sendMailing},
	}
}

func (s *Server) mailings() (*mailing.Service, error) {
	if s.Mailings == nil {
		return nil, errs.New(errs.Unavailable, "mailings are not configured")
	}
	return s.Mailings, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// mailingView reads a mailing's attachments and counts into its view.
func (s *Server) mailingView(r *http.Request, m *storage.Mailing) (MailingView, error) {
	v := MailingView{ID: m.ID, AccountID: m.AccountID, Subject: m.Subject, Body: m.Body, BodyHTML: m.BodyHTML, Segment: m.Segment,
		Status: m.Status, CreatedAt: m.CreatedAt, SendAt: timePtr(m.SendAt), SentAt: timePtr(m.SentAt), Attachments: []MailingAttachmentView{}}
	p := principalOf(r)
	as, err := s.Mailings.Attachments(r.Context(), p, m.ID)
	if err != nil {
		return v, err
	}
	for _, a := range as {
		v.Attachments = append(v.Attachments, MailingAttachmentView{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size})
	}
	if m.Status != storage.MailingDraft {
		c, err := s.Mailings.Counts(r.Context(), p, m.ID)
		if err != nil {
			return v, err
		}
		v.Counts = &MailingCountsView{Recipients: c.Recipients, Mail: c.Mail, Delivered: c.Delivered, Failed: c.Failed,
			Pending: c.Pending, Cancelled: c.Cancelled, Notices: c.Notices, Opened: c.Opened}
	}
	return v, nil
}

func (s *Server) listMailings(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	ms, err := svc.List(r.Context(), principalOf(r), 500)
	if err != nil {
		return err
	}
	out := pageOf[MailingView]{Items: []MailingView{}}
	for _, m := range ms {
		out.Items = append(out.Items, MailingView{ID: m.ID, AccountID: m.AccountID, Subject: m.Subject, Body: m.Body,
			BodyHTML: m.BodyHTML, Segment: m.Segment, Status: m.Status, CreatedAt: m.CreatedAt, SendAt: timePtr(m.SendAt),
			SentAt: timePtr(m.SentAt), Attachments: []MailingAttachmentView{}})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) writeMailing(w http.ResponseWriter, r *http.Request, status int, m *storage.Mailing) error {
	v, err := s.mailingView(r, m)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (s *Server) createMailing(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	var in mailing.Draft
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := svc.Create(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	return s.writeMailing(w, r, http.StatusCreated, m)
}

func (s *Server) listMailingTemplates(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mailings(); err != nil {
		return err
	}
	if !mailing.CanWrite(principalOf(r)) {
		return errs.New(errs.Forbidden, "only the CA operator or an account administrator writes mailings")
	}
	out := pageOf[MailingTemplate]{}
	for _, t := range mailing.Starters() {
		out.Items = append(out.Items, MailingTemplate{ID: t.ID, Title: t.Title, Subject: t.Subject, Body: t.Body, Segment: t.Segment})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) previewSegment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	var seg storage.Segment
	if err := decodeJSON(r, &seg); err != nil {
		return err
	}
	reach, err := svc.Preview(r.Context(), principalOf(r), seg)
	if err != nil {
		return err
	}
	out := MailingReach{People: reach.People, WithEmail: reach.WithEmail, Organizations: reach.Organizations,
		SampleOrganizations: reach.SampleOrganizations}
	if out.SampleOrganizations == nil {
		out.SampleOrganizations = []string{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getMailing(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	m, err := svc.Get(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeMailing(w, r, http.StatusOK, m)
}

func (s *Server) updateMailing(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	var in mailing.Draft
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := svc.Update(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return s.writeMailing(w, r, http.StatusOK, m)
}

func (s *Server) addMailingAttachment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	if mediaType(r) != "application/octet-stream" {
		return errs.New(errs.UnsupportedMedia, "send the file as application/octet-stream with its name in ?name=")
	}
	q, err := parseQuery(r, "name")
	if err != nil {
		return err
	}
	// Up to one byte over the limit: the service refuses a larger file naming the limit.
	body, err := io.ReadAll(io.LimitReader(r.Body, mailing.MaxAttachmentSize+1))
	if err != nil {
		return errs.New(errs.Malformed, "the request body could not be read")
	}
	a, err := svc.Attach(r.Context(), principalOf(r), r.PathValue("id"), q.get("name"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, MailingAttachmentView{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size})
	return nil
}

func (s *Server) deleteMailingAttachment(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	if err := svc.Detach(r.Context(), principalOf(r), r.PathValue("id"), r.PathValue("attachment_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) sendMailing(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.mailings()
	if err != nil {
		return err
	}
	m, started, err := svc.Send(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.mailingView(r, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, SendResult{Started: started, Mailing: v})
	return nil
}
