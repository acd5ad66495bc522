// Package mailing sends instructions to a segment of people: the CA operator to any accounts, an account
// administrator to their own. A mailing is Markdown with {{placeholders}}, rendered to sanitised HTML, with
// attachments, and a segment of filters over employees. Sending is asked once: the mailing becomes
// "sending" and an expansion job materialises its recipients as outbox messages (dedup key
// mailing:<id>:<employee>) and in-app notices in batches, each batch in one transaction with the position it
// reached, so a job killed mid-way resumes where it stopped and never queues a message twice.
package mailing

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Template is the notify template of mailing messages and notices.
const Template notify.Template = "mailing"

// Limits of a mailing's text and attachments.
const (
	MaxSubject         = 200
	MaxBody            = 64 << 10
	MaxAttachments     = 5
	MaxAttachmentSize  = 5 << 20  // one file
	MaxAttachmentTotal = 10 << 20 // all files of a mailing: every message carries them
	MaxExpiringDays    = 3650
)

// Service keeps mailings.
type Service struct {
	DB       *storage.DB
	Notify   *notify.Service
	Clock    clock.Clock
	Timeline rules.Timeline
	BaseURL  string // kcr's public address, for {{ссылка}}
	Batch    int    // recipients per expansion transaction; 500 when zero

	// Schedule, when set, is called in the transaction that starts sending: the job queue schedules the
	// expansion (Expand) there. Without it Send expands at once.
	Schedule func(ctx context.Context, mailingID string) error

	cacheMu sync.Mutex
	cache   map[string]*cached // sent mailings do not change: their text and files are read once
}

type cached struct {
	m     *storage.Mailing
	files []notify.Attachment
}

func (s *Service) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return 500
}

// Placeholders lists the placeholders a mailing may use, with what they show.
var Placeholders = []struct{ Name, Description string }{
	{"фио", "фамилия, имя и отчество получателя"},
	{"должность", "должность получателя"},
	{"организация", "организация получателя"},
	{"дата_окончания", "дата окончания ближайшего действующего сертификата получателя (ДД.ММ.ГГГГ)"},
	{"ссылка", "адрес kcr"},
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

func knownPlaceholder(name string) bool {
	return slices.ContainsFunc(Placeholders, func(p struct{ Name, Description string }) bool { return p.Name == name })
}

// StarterTemplate is a shipped starting text for a law-change letter.
type StarterTemplate struct {
	ID, Title, Subject, Body string
	Segment                  storage.Segment // the segment it is meant for
}

//go:embed templates/*.md
var starterFiles embed.FS

// Starters returns the law-change letters of DESIGN.md section 2 (the 2022, 2023 and 2024 steps).
func Starters() []StarterTemplate {
	read := func(name string) string {
		b, err := starterFiles.ReadFile("templates/" + name)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	return []StarterTemplate{
		{ID: "law2022", Title: "2022: сертификаты руководителей выдаёт УЦ ФНС",
			Subject: "С 1 января 2022 года сертификат руководителя выдаёт УЦ ФНС", Body: read("law2022.md"),
			Segment: storage.Segment{Kinds: []model.CertKind{model.KindHead, model.KindSoleProprietor}}},
		{ID: "law2023", Title: "2023: сотрудникам — сертификат физлица и МЧД",
			Subject: "С 1 сентября 2023 года сотрудники подписывают с сертификатом физлица и МЧД", Body: read("law2023.md"),
			Segment: storage.Segment{Kinds: []model.CertKind{model.KindLegalEntityEmployee}}},
		{ID: "law2024", Title: "2024: старые сертификаты сотрудников не действуют для подписи от организации",
			Subject: "С 1 сентября 2024 года старые сертификаты сотрудников не подписывают от имени организации",
			Body:    read("law2024.md"), Segment: storage.Segment{Legacy: true}},
	}
}

// Draft is what an author writes.
type Draft struct {
	Subject string          `json:"subject"`
	Body    string          `json:"body"` // Markdown; raw HTML is dropped
	Segment storage.Segment `json:"segment"`
}

// RenderMarkdown renders a mailing body to HTML: raw HTML and dangerous link schemes are dropped
// (goldmark's safe mode), placeholders stay as they are.
func RenderMarkdown(body string) (string, error) {
	var b bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	if err := md.Convert([]byte(body), &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// canWrite tells whether p may write mailings at all.
func canWrite(p *access.Principal) bool {
	return p != nil && (p.Role == model.RoleOperator || (p.Role == model.RoleAccountAdmin && p.AccountID != ""))
}

// CanWrite tells whether p may write and send mailings (the CA operator, or an account administrator).
func CanWrite(p *access.Principal) bool { return canWrite(p) }

func forbidden() error {
	return errs.New(errs.Forbidden, "only the CA operator or an account administrator writes mailings")
}

// check validates a draft and fixes its segment to what the author may reach.
func (s *Service) check(p *access.Principal, d *Draft) error {
	var f errs.Fields
	d.Subject = strings.TrimSpace(d.Subject)
	switch n := len([]rune(d.Subject)); {
	case n == 0:
		f.Add("subject", "required", "the subject is required")
	case n > MaxSubject:
		f.Add("subject", "too_long", fmt.Sprintf("the subject is longer than %d characters", MaxSubject))
	}
	switch {
	case strings.TrimSpace(d.Body) == "":
		f.Add("body", "required", "the text is required")
	case len(d.Body) > MaxBody:
		f.Add("body", "too_long", fmt.Sprintf("the text is larger than %d bytes", MaxBody))
	}
	for _, fld := range []struct{ name, text string }{{"subject", d.Subject}, {"body", d.Body}} {
		for _, m := range placeholderRE.FindAllStringSubmatch(fld.text, -1) {
			if !knownPlaceholder(m[1]) {
				f.Add(fld.name, "unknown_placeholder", fmt.Sprintf("unknown placeholder {{%s}}", m[1]))
			}
		}
	}
	seg := &d.Segment
	if p.Role != model.RoleOperator {
		seg.AccountIDs = []string{p.AccountID}
	}
	for _, k := range seg.Kinds {
		if !slices.Contains(model.CertKinds, k) {
			f.Add("segment.kinds", "unknown", fmt.Sprintf("unknown certificate kind %q", k))
		}
	}
	for _, r := range seg.Roles {
		if !slices.Contains(recipientRoles, r) {
			f.Add("segment.roles", "unknown", fmt.Sprintf("unknown role %q", r))
		}
	}
	if seg.ExpiringDays < 0 || seg.ExpiringDays > MaxExpiringDays {
		f.Add("segment.expiring_days", "range", fmt.Sprintf("expiring_days must be 0–%d", MaxExpiringDays))
	}
	if seg.StuckState != "" && !slices.Contains(model.States, seg.StuckState) {
		f.Add("segment.stuck_state", "unknown", fmt.Sprintf("unknown application state %q", seg.StuckState))
	}
	if seg.StuckDays < 0 || seg.StuckDays > MaxExpiringDays || (seg.StuckDays > 0 && seg.StuckState == "") {
		f.Add("segment.stuck_days", "range", "stuck_days must be 0–3650 and goes with stuck_state")
	}
	return f.Err()
}

// recipientRoles are the roles of people a segment can select by.
var recipientRoles = []model.Role{model.RoleAccountAdmin, model.RoleOrgAdmin, model.RoleRegistrar, model.RoleAccountant,
	model.RoleManager, model.RoleEmployee}

// Create stores a draft mailing.
func (s *Service) Create(ctx context.Context, p *access.Principal, d Draft) (*storage.Mailing, error) {
	if !canWrite(p) {
		return nil, forbidden()
	}
	if err := s.check(p, &d); err != nil {
		return nil, err
	}
	body, err := RenderMarkdown(d.Body)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	m := &storage.Mailing{ID: uuid.Must(uuid.NewV7()).String(), AccountID: p.AccountID, Subject: d.Subject, Body: d.Body,
		BodyHTML: body, Segment: d.Segment, Status: storage.MailingDraft, CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateMailing(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, p, audit.MailingCreate, m, nil)
	})
	return m, err
}

func (s *Service) audit(ctx context.Context, p *access.Principal, a audit.Action, m *storage.Mailing, detail map[string]any) error {
	return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: p.Actor, Action: string(a), ObjectType: "mailing",
		ObjectID: m.ID, AccountID: m.AccountID, Detail: detail}, nil)
}

// Get returns a mailing the caller may see: any for the CA operator, its own account's for an administrator.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*storage.Mailing, error) {
	if !canWrite(p) {
		return nil, forbidden()
	}
	m, err := s.DB.GetMailing(ctx, id)
	if storage.IsNoRows(err) || (err == nil && p.Role != model.RoleOperator && m.AccountID != p.AccountID) {
		return nil, errs.NotFoundf("mailing %s not found", id)
	}
	return m, err
}

// List lists the mailings the caller may see, newest first.
func (s *Service) List(ctx context.Context, p *access.Principal, limit int) ([]*storage.Mailing, error) {
	if !canWrite(p) {
		return nil, forbidden()
	}
	return s.DB.ListMailings(ctx, p.AccountID, p.Role == model.RoleOperator, limit)
}

func notDraft(m *storage.Mailing) error {
	return errs.New(errs.Conflict, "mailing %s is %s: only a draft can be changed", m.ID, m.Status)
}

// Update replaces a draft's subject, text and segment.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, d Draft) (*storage.Mailing, error) {
	m, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if m.Status != storage.MailingDraft {
		return nil, notDraft(m)
	}
	if p.Role == model.RoleOperator && m.AccountID != "" {
		p = &access.Principal{Actor: p.Actor, Role: model.RoleAccountAdmin, AccountID: m.AccountID}
	}
	if err := s.check(p, &d); err != nil {
		return nil, err
	}
	if m.BodyHTML, err = RenderMarkdown(d.Body); err != nil {
		return nil, err
	}
	m.Subject, m.Body, m.Segment, m.UpdatedAt = d.Subject, d.Body, d.Segment, s.Clock.Now()
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.DB.UpdateMailing(ctx, m)
		if err != nil {
			return err
		}
		if !ok {
			return notDraft(m)
		}
		return s.audit(ctx, p, audit.MailingUpdate, m, nil)
	})
	return m, err
}

// Reach is what a segment reaches before sending: counts and a sample of organization names (names the
// sender may see: the CA operator sees every account, an administrator only their own).
type Reach struct {
	storage.SegmentReach
	SampleOrganizations []string `json:"sample_organizations"`
}

// SampleSize is how many organization names a preview shows.
const SampleSize = 10

func (s *Service) at(now time.Time) storage.SegmentAt {
	return storage.SegmentAt{Now: now, LegacyIssuedBefore: s.Timeline.EmployeesIndividual}
}

// Preview counts who a segment reaches now.
func (s *Service) Preview(ctx context.Context, p *access.Principal, seg storage.Segment) (*Reach, error) {
	if !canWrite(p) {
		return nil, forbidden()
	}
	if p.Role != model.RoleOperator {
		seg.AccountIDs = []string{p.AccountID}
	}
	at := s.at(s.Clock.Now())
	r, err := s.DB.CountSegment(ctx, &seg, at)
	if err != nil {
		return nil, err
	}
	orgs, err := s.DB.SegmentOrganizations(ctx, &seg, at, SampleSize)
	if err != nil {
		return nil, err
	}
	return &Reach{SegmentReach: r, SampleOrganizations: orgs}, nil
}

// Accepted attachment types, by the name's extension, with the bytes their content starts with.
var attachmentTypes = map[string]struct {
	contentType string
	magic       string
}{
	".pdf":  {"application/pdf", "%PDF-"},
	".png":  {"image/png", "\x89PNG\r\n\x1a\n"},
	".jpg":  {"image/jpeg", "\xff\xd8\xff"},
	".jpeg": {"image/jpeg", "\xff\xd8\xff"},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04"},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04"},
	".odt":  {"application/vnd.oasis.opendocument.text", "PK\x03\x04"},
	".txt":  {"text/plain; charset=utf-8", ""},
}

// AttachmentExtensions lists the accepted file name endings.
func AttachmentExtensions() []string {
	out := make([]string, 0, len(attachmentTypes))
	for k := range attachmentTypes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Attach adds a file to a draft, within the limits (type by name and content, size, count, total).
func (s *Service) Attach(ctx context.Context, p *access.Principal, id, name string, data []byte) (*storage.MailingAttachment, error) {
	m, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if m.Status != storage.MailingDraft {
		return nil, notDraft(m)
	}
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	dot := strings.LastIndex(name, ".")
	if dot <= 0 || len([]rune(name)) > 120 {
		return nil, errs.Field("file", "name", "the file needs a name of at most 120 characters with an extension")
	}
	t, ok := attachmentTypes[strings.ToLower(name[dot:])]
	if !ok {
		return nil, errs.Field("file", "type", "accepted files: "+strings.Join(AttachmentExtensions(), ", "))
	}
	if len(data) == 0 {
		return nil, errs.Field("file", "empty", "the file is empty")
	}
	if len(data) > MaxAttachmentSize {
		return nil, errs.Field("file", "too_large", fmt.Sprintf("a file may be at most %d MB", MaxAttachmentSize>>20))
	}
	if !bytes.HasPrefix(data, []byte(t.magic)) {
		return nil, errs.Field("file", "content", "the file's content does not match its extension")
	}
	have, err := s.DB.MailingAttachments(ctx, m.ID, false)
	if err != nil {
		return nil, err
	}
	total := len(data)
	for _, a := range have {
		total += a.Size
	}
	if len(have) >= MaxAttachments {
		return nil, errs.Field("file", "too_many", fmt.Sprintf("a mailing may have at most %d files", MaxAttachments))
	}
	if total > MaxAttachmentTotal {
		return nil, errs.Field("file", "total_too_large", fmt.Sprintf("the files of a mailing may take at most %d MB", MaxAttachmentTotal>>20))
	}
	a := &storage.MailingAttachment{ID: uuid.Must(uuid.NewV7()).String(), MailingID: m.ID, Name: name, ContentType: t.contentType,
		Size: len(data), Data: data, CreatedAt: s.Clock.Now()}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.AddMailingAttachment(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, p, audit.MailingUpdate, m, map[string]any{"attachment_id": a.ID, "size": a.Size})
	})
	a.Data = nil
	return a, err
}

// Detach removes a file from a draft.
func (s *Service) Detach(ctx context.Context, p *access.Principal, id, attachmentID string) error {
	m, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if m.Status != storage.MailingDraft {
		return notDraft(m)
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.DB.DeleteMailingAttachment(ctx, m.ID, attachmentID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("attachment %s not found", attachmentID)
		}
		return s.audit(ctx, p, audit.MailingUpdate, m, map[string]any{"attachment_removed": attachmentID})
	})
}

// Attachments lists a mailing's files (without their content).
func (s *Service) Attachments(ctx context.Context, p *access.Principal, id string) ([]*storage.MailingAttachment, error) {
	m, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.DB.MailingAttachments(ctx, m.ID, false)
}

// Send asks for a mailing to be sent. It is idempotent: a mailing already sending or sent is returned as it
// is, with sent false. An empty segment is refused. The recipients are materialised by Expand, in a job when
// Schedule is set.
func (s *Service) Send(ctx context.Context, p *access.Principal, id string) (m *storage.Mailing, started bool, err error) {
	if m, err = s.Get(ctx, p, id); err != nil {
		return nil, false, err
	}
	if m.Status != storage.MailingDraft {
		return m, false, nil
	}
	now := s.Clock.Now()
	r, err := s.DB.CountSegment(ctx, &m.Segment, s.at(now))
	if err != nil {
		return nil, false, err
	}
	if r.People == 0 {
		return nil, false, errs.New(errs.Conflict, "the segment is empty: the mailing would reach nobody")
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.DB.StartMailing(ctx, m.ID, now)
		if err != nil || !ok {
			return err
		}
		started = true
		if err := s.audit(ctx, p, audit.MailingSend, m, map[string]any{"people": r.People, "organizations": r.Organizations}); err != nil {
			return err
		}
		if s.Schedule != nil {
			return s.Schedule(ctx, m.ID)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if started && s.Schedule == nil {
		if err := s.Expand(ctx, m.ID); err != nil {
			return nil, false, err
		}
	}
	m, err = s.DB.GetMailing(ctx, m.ID)
	return m, started, err
}

// mailData is what a mailing's outbox message and notice store: ids only.
type mailData struct {
	MailingID  string `json:"mailing_id"`
	EmployeeID string `json:"employee_id"`
}

// Expand materialises a sending mailing's recipients, one batch per transaction that also records how far
// it got; it returns when all are done (the mailing is sent then) or ctx ends. Running it again, after a
// crash or twice at once, continues from the recorded position and queues nothing twice.
func (s *Service) Expand(ctx context.Context, id string) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := s.DB.GetMailing(ctx, id)
		if err != nil {
			return err
		}
		if m.Status != storage.MailingSending {
			return nil
		}
		members, err := s.DB.SegmentMembers(ctx, &m.Segment, s.at(m.SendAt), m.ExpandedTo, s.batch())
		if err != nil {
			return err
		}
		if len(members) == 0 {
			return s.DB.FinishMailing(ctx, id, s.Clock.Now())
		}
		err = s.DB.InTx(ctx, func(ctx context.Context) error {
			for _, r := range members {
				if err := s.materialise(ctx, m, r); err != nil {
					return err
				}
			}
			return s.DB.AdvanceMailing(ctx, id, members[len(members)-1].EmployeeID)
		})
		if err != nil {
			return err
		}
	}
}

// materialise queues one recipient's message (when they have an address) and notices to their users.
func (s *Service) materialise(ctx context.Context, m *storage.Mailing, r storage.SegmentMember) error {
	key := "mailing:" + m.ID + ":" + r.EmployeeID
	data := mailData{MailingID: m.ID, EmployeeID: r.EmployeeID}
	mailID := ""
	if r.HasEmail {
		id, stored, err := s.Notify.Enqueue(ctx, key, r.AccountID, r.EmployeeID, Template, notify.CategoryMailing, data)
		if err != nil {
			return err
		}
		if !stored {
			old, err := s.DB.MailByDedupKey(ctx, key)
			if err != nil {
				return err
			}
			id = old.ID
		}
		mailID = id
	}
	if err := s.DB.AddMailingRecipient(ctx, m.ID, r, mailID); err != nil {
		return err
	}
	users, err := s.DB.UsersOfEmployee(ctx, r.EmployeeID)
	if err != nil {
		return err
	}
	for _, u := range users {
		nkey := key + ":" + u
		id, stored, err := s.Notify.Notice(ctx, nkey, r.AccountID, u, Template, data)
		if err != nil {
			return err
		}
		if !stored {
			if id, err = s.DB.NoticeIDByDedupKey(ctx, nkey); err != nil {
				return err
			}
		}
		if err := s.DB.AddMailingNotice(ctx, m.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// ResumeAll expands every mailing left sending (at start-up, after a crash).
func (s *Service) ResumeAll(ctx context.Context) error {
	ids, err := s.DB.SendingMailings(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Expand(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Counts returns how a mailing went.
func (s *Service) Counts(ctx context.Context, p *access.Principal, id string) (storage.MailingCounts, error) {
	m, err := s.Get(ctx, p, id)
	if err != nil {
		return storage.MailingCounts{}, err
	}
	return s.DB.CountMailing(ctx, m.ID)
}

// load reads a mailing with its files, once per mailing.
func (s *Service) load(ctx context.Context, id string) (*cached, error) {
	s.cacheMu.Lock()
	c := s.cache[id]
	s.cacheMu.Unlock()
	if c != nil {
		return c, nil
	}
	m, err := s.DB.GetMailing(ctx, id)
	if err != nil {
		return nil, err
	}
	as, err := s.DB.MailingAttachments(ctx, id, true)
	if err != nil {
		return nil, err
	}
	c = &cached{m: m}
	for _, a := range as {
		c.files = append(c.files, notify.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	if m.Status == storage.MailingDraft {
		return c, nil
	}
	s.cacheMu.Lock()
	if s.cache == nil || len(s.cache) >= 8 {
		s.cache = map[string]*cached{}
	}
	s.cache[id] = c
	s.cacheMu.Unlock()
	return c, nil
}

// values fills the placeholders for one employee.
func (s *Service) values(ctx context.Context, employeeID string) (map[string]string, error) {
	v, err := s.DB.MailingRecipientOf(ctx, employeeID, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	end := "—"
	if !v.NotAfter.IsZero() {
		end = v.NotAfter.In(rules.MSK).Format("02.01.2006")
	}
	return map[string]string{"фио": v.FullName, "должность": v.Position, "организация": v.OrganizationName,
		"дата_окончания": end, "ссылка": strings.TrimRight(s.BaseURL, "/") + "/ui/"}, nil
}

// Fill replaces the placeholders of a text, escaping the values with esc.
func Fill(text string, values map[string]string, esc func(string) string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		if v, ok := values[name]; ok {
			return esc(v)
		}
		return m
	})
}

func plain(s string) string { return s }

// Mail implements notify.Renderer: the mailing's message for one recipient.
func (s *Service) Mail(ctx context.Context, msg *storage.MailMessage) (*notify.Outgoing, string, error) {
	var d mailData
	if err := json.Unmarshal([]byte(msg.Data), &d); err != nil {
		return nil, "", err
	}
	c, err := s.load(ctx, d.MailingID)
	if storage.IsNoRows(err) {
		return nil, "mailing not found", nil
	}
	if err != nil {
		return nil, "", err
	}
	vals, err := s.values(ctx, d.EmployeeID)
	if storage.IsNoRows(err) {
		return nil, "recipient not found", nil
	}
	if err != nil {
		return nil, "", err
	}
	subject := Fill(c.m.Subject, vals, plain)
	body := `<!doctype html><html><head><meta charset="utf-8"><title>` + html.EscapeString(subject) + `</title></head><body>` +
		Fill(c.m.BodyHTML, vals, html.EscapeString) + `</body></html>`
	return &notify.Outgoing{Subject: subject, Text: Fill(c.m.Body, vals, plain), HTML: body, Attachments: c.files}, "", nil
}

// Notice implements notify.Renderer: the mailing as an in-app notice.
func (s *Service) Notice(ctx context.Context, n *storage.Notice) (*notify.NoticeView, error) {
	var d mailData
	if err := json.Unmarshal([]byte(n.Data), &d); err != nil {
		return nil, err
	}
	c, err := s.load(ctx, d.MailingID)
	if storage.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vals, err := s.values(ctx, d.EmployeeID)
	if storage.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &notify.NoticeView{ID: n.ID, CreatedAt: n.CreatedAt, Subject: Fill(c.m.Subject, vals, plain),
		Text: Fill(c.m.Body, vals, plain)}, nil
}

// MailingReach implements the reach figure of the reissue metrics: per month of sending, the recipients in
// scope, their messages delivered and those who read the mailing in the web interface.
func (s *Service) MailingReach(ctx context.Context, sc storage.Scope, bounds []time.Time) ([]metrics.Reach, error) {
	rs, err := s.DB.MailingReachByMonth(ctx, sc, bounds)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.Reach, len(rs))
	for i, r := range rs {
		out[i] = metrics.Reach{Recipients: r.Recipients, Delivered: r.Delivered, Opened: r.Opened}
	}
	return out, nil
}
