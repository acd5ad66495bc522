// Package notify sends kcr's e-mail through an outbox and keeps the in-app notices, and plans the
// certificate expiry reminders that fill both.
//
// Every message is one outbox row with a dedup key, so planning twice never queues twice. Sending is one
// idempotent step, Deliver(id): it claims the row (status sending, for a lease), hands the message to the SMTP
// server and records the outcome. A claimed row is never claimed again while its lease runs, so two senders
// never both send it. The one accepted duplicate: a sender that dies after the server accepted the message
// and before it recorded "sent" leaves a claim that runs out, and the next sender sends the message again
// (the Message-ID is the same, so mail clients may fold the two).
//
// Mandatory mail — reminders about the recipient's own certificate — cannot be unsubscribed from. The
// escalation to administrators and managers is not mandatory: it carries a signed unsubscribe link.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Template names a message's text.
type Template string

// Templates.
const (
	TemplateReminder           Template = "reminder"            // to the holder
	TemplateReminderLegacy     Template = "reminder_legacy"     // to the holder of a legacy certificate (2024-09-01 rule)
	TemplateReminderEscalation Template = "reminder_escalation" // to the organization's administrators and the managers
)

// Category groups mail for unsubscribing.
type Category string

// Categories.
const (
	CategoryExpiry     Category = "expiry"     // the recipient's own certificate: mandatory
	CategoryEscalation Category = "escalation" // someone else's certificate: may be unsubscribed from
	CategoryMailing    Category = "mailing"    // instructions sent to a segment: may be unsubscribed from
)

// Renderer renders the messages and notices of templates other than the reminders (mailings): Mail returns
// nil and the reason when the message is no longer due; Notice returns nil for a notice to leave out.
type Renderer interface {
	Mail(ctx context.Context, m *storage.MailMessage) (*Outgoing, string, error)
	Notice(ctx context.Context, n *storage.Notice) (*NoticeView, error)
}

// Mandatory tells whether mail of the category is sent even to someone who unsubscribed.
func (c Category) Mandatory() bool { return c == CategoryExpiry }

//go:embed templates/*.txt templates/*.html
var templateFiles embed.FS

var funcs = map[string]any{"days": daysRU}

var (
	textTemplates = map[Template]*texttemplate.Template{}
	htmlTemplates = map[Template]*htmltemplate.Template{}
)

func init() {
	for _, t := range []Template{TemplateReminder, TemplateReminderLegacy, TemplateReminderEscalation} {
		textTemplates[t] = texttemplate.Must(texttemplate.New(string(t)).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/"+string(t)+".txt"))
		htmlTemplates[t] = htmltemplate.Must(htmltemplate.New(string(t)).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/"+string(t)+".html"))
	}
}

// daysRU renders "через N дней" with the Russian plural, "сегодня" for 0.
func daysRU(n int) string {
	if n <= 0 {
		return "сегодня"
	}
	word := "дней"
	switch m10, m100 := n%10, n%100; {
	case m10 == 1 && m100 != 11:
		word = "день"
	case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
		word = "дня"
	}
	return fmt.Sprintf("через %d %s", n, word)
}

// reminderData is what an outbox row or notice of a reminder stores: ids and numbers only.
type reminderData struct {
	Serial string `json:"serial"`
	Days   int    `json:"days"` // the reminder step that planned it
	Legacy bool   `json:"legacy,omitempty"`
}

// view is the templates' input.
type view struct {
	Subject                              string
	HolderName, OrganizationName, Serial string
	NotAfter                             string // DD.MM.YYYY, Moscow
	DaysLeft                             int
	Legacy                               bool
	EmployeesIndividual, LegacyUnusable  string // the cutoff dates, DD.MM.YYYY
	Link                                 string
	UnsubscribeURL                       string
}

// Service keeps the outbox and the notices.
type Service struct {
	DB       *storage.DB
	Clock    clock.Clock
	Timeline rules.Timeline
	Sender   Sender // nil: no SMTP server is configured, planning makes notices only
	BaseURL  string // kcr's public address, for links in the messages
	Log      *slog.Logger

	Lease       time.Duration // how long a claim holds a message; 5 minutes when zero
	MaxAttempts int           // attempts before a message fails for good; 8 when zero
	BackoffBase time.Duration // wait after the first failed attempt, doubled after each; 1 minute when zero
	BackoffMax  time.Duration // longest wait between attempts; 6 hours when zero

	// Schedule, when set, is called in the transaction that stores a new outbox row (attempt 0, at now) or
	// puts a message back for another attempt (the attempts made, at its next attempt): the job queue
	// schedules Deliver of the message there, so that a queued row is never left without its job.
	Schedule func(ctx context.Context, id string, at time.Time, attempt int) error

	// Renderers render the templates other packages queue, by template name.
	Renderers map[Template]Renderer

	keyOnce sync.Mutex
	key     []byte
}

func (s *Service) lease() time.Duration { return orDefault(s.Lease, 5*time.Minute) }

func (s *Service) maxAttempts() int {
	if s.MaxAttempts > 0 {
		return s.MaxAttempts
	}
	return 8
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1): BackoffBase·2^(n-1), at most BackoffMax.
func (s *Service) Backoff(n int) time.Duration {
	base, most := orDefault(s.BackoffBase, time.Minute), orDefault(s.BackoffMax, 6*time.Hour)
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// MailEnabled tells whether an SMTP server is configured.
func (s *Service) MailEnabled() bool { return s.Sender != nil }

// Enqueue stores a message for an employee unless its dedup key is taken, in the caller's transaction, and
// schedules its delivery there; it tells whether it stored it. data is the template's input: ids only.
func (s *Service) Enqueue(ctx context.Context, key, accountID, employeeID string, t Template, c Category, data any) (string, bool, error) {
	return s.enqueueID(ctx, key, accountID, employeeID, t, c, data)
}

// Notice stores an in-app notice for a user unless its dedup key is taken; it returns the notice's id and
// whether it stored it.
func (s *Service) Notice(ctx context.Context, key, accountID, userID string, t Template, data any) (string, bool, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return "", false, err
	}
	n := &storage.Notice{ID: uuid.Must(uuid.NewV7()).String(), DedupKey: key, UserID: userID,
		AccountID: accountID, Template: string(t), Data: string(raw), CreatedAt: s.Clock.Now()}
	ok, err := s.DB.CreateNotice(ctx, n)
	return n.ID, ok, err
}

// enqueue stores a message for an employee unless its dedup key is taken, in the caller's transaction.
func (s *Service) enqueue(ctx context.Context, key, accountID, employeeID string, t Template, c Category, data any) (bool, error) {
	_, ok, err := s.enqueueID(ctx, key, accountID, employeeID, t, c, data)
	return ok, err
}

func (s *Service) enqueueID(ctx context.Context, key, accountID, employeeID string, t Template, c Category, data any) (string, bool, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return "", false, err
	}
	now := s.Clock.Now()
	m := &storage.MailMessage{ID: uuid.Must(uuid.NewV7()).String(), DedupKey: key, AccountID: accountID, EmployeeID: employeeID,
		Template: string(t), Category: string(c), Data: string(raw), NextAttemptAt: now, CreatedAt: now}
	stored := false
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.DB.EnqueueMail(ctx, m)
		if err != nil || !ok {
			return err
		}
		stored = true
		if s.Schedule != nil {
			return s.Schedule(ctx, m.ID, now, 0)
		}
		return nil
	})
	return m.ID, stored, err
}

// notice stores an in-app notice for a user unless its dedup key is taken.
func (s *Service) notice(ctx context.Context, key, accountID, userID string, t Template, data any) (bool, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return false, err
	}
	return s.DB.CreateNotice(ctx, &storage.Notice{ID: uuid.Must(uuid.NewV7()).String(), DedupKey: key, UserID: userID,
		AccountID: accountID, Template: string(t), Data: string(raw), CreatedAt: s.Clock.Now()})
}

// DeliverDue delivers up to limit messages that are due now, one after another, and returns how many it
// handled. A message another sender claimed meanwhile is skipped.
func (s *Service) DeliverDue(ctx context.Context, limit int) (int, error) {
	ids, err := s.DB.DueMail(ctx, s.Clock.Now(), limit)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := s.Deliver(ctx, id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// Deliver sends one outbox message if it is due and nobody else holds it; otherwise it does nothing. A
// failed attempt is recorded on the message (queued again with backoff, or failed), not returned: the error
// says only that the outbox itself could not be read or written.
func (s *Service) Deliver(ctx context.Context, id string) error {
	now := s.Clock.Now()
	m, err := s.DB.ClaimMail(ctx, id, now, now.Add(s.lease()))
	if err != nil || m == nil {
		return err
	}
	out, reason, err := s.render(ctx, m)
	if err != nil {
		return s.finish(ctx, m, storage.MailFailed, "render: "+err.Error())
	}
	if out == nil {
		return s.finish(ctx, m, storage.MailCancelled, reason)
	}
	if s.Sender == nil {
		return s.finish(ctx, m, storage.MailQueued, "no SMTP server configured")
	}
	if err := s.Sender.Send(ctx, out); err != nil {
		var se *SendError
		if !errors.As(err, &se) {
			se = &SendError{Answer: redactAddresses(err.Error())}
		}
		if se.Permanent || m.Attempts >= s.maxAttempts() {
			return s.finish(ctx, m, storage.MailFailed, se.Answer)
		}
		return s.finish(ctx, m, storage.MailQueued, se.Answer)
	}
	return s.finish(ctx, m, storage.MailSent, "")
}

// finish records the outcome of a claimed message and audits sent and failed ones (ids only: no address).
func (s *Service) finish(ctx context.Context, m *storage.MailMessage, status storage.MailStatus, answer string) error {
	now := s.Clock.Now()
	next, sent := now, time.Time{}
	switch status {
	case storage.MailQueued:
		next = now.Add(s.Backoff(m.Attempts))
	case storage.MailSent:
		sent = now
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.DB.FinishMail(ctx, m, status, answer, next, sent)
		if err != nil || !ok {
			// The claim ran out and another sender holds the message now: its outcome stands.
			return err
		}
		detail := map[string]any{"template": m.Template, "category": m.Category, "attempts": m.Attempts, "employee_id": m.EmployeeID}
		var action audit.Action
		switch status {
		case storage.MailSent:
			action = audit.MailSent
		case storage.MailFailed:
			action = audit.MailFailed
			detail["answer"] = answer
		default:
			s.log().Info("mail not sent", "id", m.ID, "status", status, "attempts", m.Attempts, "answer", answer)
			if status == storage.MailQueued && s.Schedule != nil {
				return s.Schedule(ctx, m.ID, next, m.Attempts)
			}
			return nil
		}
		s.log().Info("mail", "id", m.ID, "status", status, "attempts", m.Attempts)
		return s.DB.AppendAudit(ctx, &audit.Event{At: now, Actor: "system", Action: string(action), ObjectType: "mail",
			ObjectID: m.ID, AccountID: m.AccountID, Detail: detail}, nil)
	})
}

// render makes the message of an outbox row. It returns nil and the reason when the message is no longer
// due: the reminder's certificate was reissued, replaced or revoked, the recipient has no address or left,
// or unsubscribed from the category.
func (s *Service) render(ctx context.Context, m *storage.MailMessage) (*Outgoing, string, error) {
	cat := Category(m.Category)
	if !cat.Mandatory() {
		off, err := s.DB.Unsubscribed(ctx, m.EmployeeID, m.Category)
		if err != nil {
			return nil, "", err
		}
		if off {
			return nil, "unsubscribed", nil
		}
	}
	r, err := s.DB.MailRecipientOf(ctx, m.EmployeeID)
	if storage.IsNoRows(err) {
		return nil, "recipient not found", nil
	}
	if err != nil {
		return nil, "", err
	}
	if r.Email == "" || r.Dismissed {
		return nil, "recipient has no address or left", nil
	}
	if rd := s.Renderers[Template(m.Template)]; rd != nil {
		out, reason, err := rd.Mail(ctx, m)
		if err != nil || out == nil {
			return nil, reason, err
		}
		out.To, out.MessageKey = r.Email, m.ID
		if !cat.Mandatory() {
			if out.UnsubscribeURL, err = s.UnsubscribeURL(ctx, m.EmployeeID, cat); err != nil {
				return nil, "", err
			}
		}
		return out, "", nil
	}
	v, reason, err := s.view(ctx, Template(m.Template), m.Data)
	if err != nil || v == nil {
		return nil, reason, err
	}
	if !cat.Mandatory() {
		v.UnsubscribeURL, err = s.UnsubscribeURL(ctx, m.EmployeeID, cat)
		if err != nil {
			return nil, "", err
		}
	}
	subject, text, html, err := execute(Template(m.Template), v)
	if err != nil {
		return nil, "", err
	}
	return &Outgoing{To: r.Email, Subject: subject, Text: text, HTML: html, UnsubscribeURL: v.UnsubscribeURL, MessageKey: m.ID}, "", nil
}

// view reads what a template shows from the database, or nil and why the message is no longer due.
func (s *Service) view(ctx context.Context, t Template, data string) (*view, string, error) {
	switch t {
	case TemplateReminder, TemplateReminderLegacy, TemplateReminderEscalation:
	default:
		return nil, "", fmt.Errorf("unknown template %q", t)
	}
	var d reminderData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, "", err
	}
	now := s.Clock.Now()
	due, err := s.DB.ReminderStillDue(ctx, d.Serial, now)
	if err != nil {
		return nil, "", err
	}
	if !due {
		return nil, "certificate reissued, replaced, revoked or ended", nil
	}
	c, err := s.DB.Certificate(ctx, storage.Scope{}, d.Serial)
	if err != nil {
		return nil, "", err
	}
	return &view{HolderName: c.EmployeeName, OrganizationName: c.OrganizationName, Serial: c.Serial,
		NotAfter: ruDate(c.NotAfter), DaysLeft: daysLeft(now, c.NotAfter), Legacy: d.Legacy,
		EmployeesIndividual: ruDate(s.Timeline.EmployeesIndividual), LegacyUnusable: ruDate(s.Timeline.LegacyUnusable),
		Link: strings.TrimRight(s.BaseURL, "/") + "/ui/certificates/" + c.Serial}, "", nil
}

func execute(t Template, v *view) (subject, text, html string, err error) {
	var b bytes.Buffer
	if err = textTemplates[t].ExecuteTemplate(&b, "subject", v); err != nil {
		return
	}
	subject = strings.TrimSpace(b.String())
	v.Subject = subject
	b.Reset()
	if err = textTemplates[t].ExecuteTemplate(&b, "text", v); err != nil {
		return
	}
	text = b.String()
	b.Reset()
	if err = htmlTemplates[t].ExecuteTemplate(&b, "html", v); err != nil {
		return
	}
	return subject, text, b.String(), nil
}

// ruDate renders a time as its Moscow calendar date, DD.MM.YYYY.
func ruDate(t time.Time) string { return t.In(rules.MSK).Format("02.01.2006") }

// daysLeft counts Moscow calendar days from now to end: 0 when it ends today.
func daysLeft(now, end time.Time) int {
	y1, m1, d1 := now.In(rules.MSK).Date()
	y2, m2, d2 := end.In(rules.MSK).Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// NoticeView is a notice as the web interface shows it: the same subject and text as the message.
type NoticeView struct {
	ID        string
	CreatedAt time.Time
	Subject   string
	Text      string
	Link      string
}

// UnreadNotices lists a user's unread notices, newest first, at most limit. A notice whose certificate is
// gone from the register is left out.
func (s *Service) UnreadNotices(ctx context.Context, userID string, limit int) ([]NoticeView, error) {
	ns, err := s.DB.UnreadNotices(ctx, userID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]NoticeView, 0, len(ns))
	for _, n := range ns {
		v, err := s.noticeView(ctx, n)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, *v)
		}
	}
	return out, nil
}

func (s *Service) noticeView(ctx context.Context, n *storage.Notice) (*NoticeView, error) {
	if rd := s.Renderers[Template(n.Template)]; rd != nil {
		return rd.Notice(ctx, n)
	}
	var d reminderData
	if err := json.Unmarshal([]byte(n.Data), &d); err != nil {
		return nil, err
	}
	c, err := s.DB.Certificate(ctx, storage.Scope{}, d.Serial)
	if storage.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &view{HolderName: c.EmployeeName, OrganizationName: c.OrganizationName, Serial: c.Serial,
		NotAfter: ruDate(c.NotAfter), DaysLeft: daysLeft(s.Clock.Now(), c.NotAfter), Legacy: d.Legacy,
		EmployeesIndividual: ruDate(s.Timeline.EmployeesIndividual), LegacyUnusable: ruDate(s.Timeline.LegacyUnusable),
		Link: "/ui/certificates/" + c.Serial, UnsubscribeURL: "/unsubscribe"}
	subject, text, _, err := execute(Template(n.Template), v)
	if err != nil {
		return nil, err
	}
	return &NoticeView{ID: n.ID, CreatedAt: n.CreatedAt, Subject: subject, Text: text, Link: v.Link}, nil
}

// UnreadCount counts a user's unread notices (the bell's number).
func (s *Service) UnreadCount(ctx context.Context, userID string) (int, error) {
	return s.DB.CountUnreadNotices(ctx, userID)
}

// MarkRead marks a user's notices read: the listed ones, or all when ids is nil.
func (s *Service) MarkRead(ctx context.Context, userID string, ids []string) (int, error) {
	return s.DB.MarkNoticesRead(ctx, userID, ids, s.Clock.Now())
}

// unsubscribeKey is the HMAC key of unsubscribe tokens, made once and kept in the database so that every
// replica, and every restart, accepts the links sent before.
func (s *Service) unsubscribeKey(ctx context.Context) ([]byte, error) {
	s.keyOnce.Lock()
	defer s.keyOnce.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	gen := make([]byte, 32)
	if _, err := rand.Read(gen); err != nil {
		return nil, err
	}
	k, err := s.DB.NotifySecret(ctx, "unsubscribe", gen)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe key: %w", err)
	}
	s.key = k
	return k, nil
}

// UnsubscribeToken signs an employee's refusal of a category: it works without signing in and cannot be
// made for anyone else without the key.
func (s *Service) UnsubscribeToken(ctx context.Context, employeeID string, c Category) (string, error) {
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return "", err
	}
	payload := employeeID + " " + string(c)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac.Sum(nil)[:16]), nil
}

// UnsubscribeURL is the link in non-mandatory mail.
func (s *Service) UnsubscribeURL(ctx context.Context, employeeID string, c Category) (string, error) {
	t, err := s.UnsubscribeToken(ctx, employeeID, c)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.BaseURL, "/") + "/unsubscribe?t=" + t, nil
}

// ErrBadToken is returned for an unsubscribe token that is malformed, forged or names a mandatory category.
var ErrBadToken = errors.New("invalid unsubscribe token")

// checkToken returns the employee and category a token names.
func (s *Service) checkToken(ctx context.Context, token string) (string, Category, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", ErrBadToken
	}
	payload, err1 := enc.DecodeString(p)
	got, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return "", "", ErrBadToken
	}
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return "", "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(payload)
	if !hmac.Equal(got, mac.Sum(nil)[:16]) {
		return "", "", ErrBadToken
	}
	emp, cat, ok := strings.Cut(string(payload), " ")
	if !ok || emp == "" || (Category(cat) != CategoryEscalation && Category(cat) != CategoryMailing) {
		return "", "", ErrBadToken
	}
	return emp, Category(cat), nil
}

// Unsubscribe records the refusal a token carries; repeating it changes nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	emp, cat, err := s.checkToken(ctx, token)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.Unsubscribe(ctx, emp, string(cat), now); err != nil {
			return err
		}
		return s.DB.AppendAudit(ctx, &audit.Event{At: now, Actor: "system", Action: string(audit.MailUnsubscribe),
			ObjectType: "employee", ObjectID: emp, Detail: map[string]any{"category": string(cat)}}, nil)
	})
}
