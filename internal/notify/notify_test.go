package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// encodedSubject matches an RFC 2047 encoded Subject header, folded or not.
var encodedSubject = regexp.MustCompile(`(?m)^Subject:\s+=\?UTF-8\?[qQbB]\?`)

// start is the tests' clock: 09:00 UTC (12:00 Moscow), after every legal cutoff.
var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// env is a fixture account with users to notify and a notification service on a fake clock.
type env struct {
	db      *storage.DB
	f       *testdb.Fix
	clk     *clock.Fake
	svc     *notify.Service
	planner *notify.Planner
	// Users of account A: the branch employee's own login, an account administrator linked to the head
	// employee (so with an address), an organization administrator of the branch without an employee, a
	// manager of the head organization only, and a disabled account administrator.
	holderUser, accountAdmin, orgAdmin, headManager, disabledAdmin string
}

func newEnv(t *testing.T, eng testdb.Engine, sender notify.Sender) *env {
	t.Helper()
	ctx := context.Background()
	db := eng.Open(t)
	e := &env{db: db, f: testdb.Fixture(t, db), clk: clock.NewFake(start)}
	e.svc = &notify.Service{DB: db, Clock: e.clk, Timeline: rules.DefaultTimeline(), Sender: sender, BaseURL: "https://kcr.example.ru/"}
	e.planner = &notify.Planner{Notify: e.svc}
	user := func(role model.Role, employee string, orgs []string, disabled bool) string {
		t.Helper()
		id := testdb.NewID()
		if err := db.CreateUser(ctx, &model.User{ID: id, AccountID: e.f.AccountA, Login: "u" + id, FullName: "Пользователь",
			Role: role, EmployeeID: employee, OrganizationIDs: orgs, Disabled: disabled, CreatedAt: start, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	e.holderUser = user(model.RoleEmployee, e.f.BranchEmployee, []string{e.f.BranchOrg}, false)
	e.accountAdmin = user(model.RoleAccountAdmin, e.f.HeadEmployee, nil, false)
	e.orgAdmin = user(model.RoleOrgAdmin, "", []string{e.f.BranchOrg}, false)
	e.headManager = user(model.RoleManager, "", []string{e.f.HeadOrg}, false)
	e.disabledAdmin = user(model.RoleAccountAdmin, "", nil, true)
	return e
}

// cert stores a valid certificate of the branch employee ending at notAfter.
func (e *env) cert(t *testing.T, kind model.CertKind, notBefore, notAfter time.Time) string {
	t.Helper()
	serial := strings.ReplaceAll(testdb.NewID(), "-", "")
	if err := e.db.CreateCertificate(context.Background(), &model.Certificate{Serial: serial, AccountID: e.f.AccountA,
		OrganizationID: e.f.BranchOrg, EmployeeID: e.f.BranchEmployee, Kind: kind, Status: model.CertValid, Issuer: "test",
		NotBefore: notBefore, NotAfter: notAfter, DER: []byte{0x30, 0}, CreatedAt: notBefore}); err != nil {
		t.Fatal(err)
	}
	return serial
}

// queueOne plans the reminders of one certificate ending in 10 days and returns the holder's message id.
func (e *env) queueOne(t *testing.T) (serial, id string) {
	t.Helper()
	serial = e.cert(t, model.KindIndividual, start.AddDate(0, -11, 0), start.AddDate(0, 0, 10))
	if _, err := e.planner.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := e.db.MailByDedupKey(context.Background(), "reminder:"+serial+":14")
	if err != nil {
		t.Fatal(err)
	}
	return serial, m.ID
}

func (e *env) mailID(t *testing.T, key string) string {
	t.Helper()
	m, err := e.db.MailByDedupKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// auditHasNoAddress checks that a message's outcome is audited, and that the audit names no address.
func (e *env) auditHasNoAddress(t *testing.T, id, action string) {
	t.Helper()
	evs, err := e.db.AuditEvents(context.Background(), "mail", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Action != action {
		t.Fatalf("audit of message %s: %+v, want one %s", id, evs, action)
	}
	if d := fmt.Sprint(evs[0].Detail); strings.Contains(d, "@") || strings.Contains(d, "person") {
		t.Fatalf("the audit detail names an address: %s", d)
	}
}

func (e *env) mail(t *testing.T, id string) *storage.MailMessage {
	t.Helper()
	m, err := e.db.Mail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sender(mp *mailpit, user, password string, implicit bool) *notify.SMTPSender {
	cfg := notify.SMTPConfig{Host: "127.0.0.1", Port: mp.SMTPPort, Username: user, Password: password, TLS: notify.TLSStartTLS}
	if implicit {
		cfg.TLS = notify.TLSImplicit
	}
	return &notify.SMTPSender{Config: cfg, From: &mail.Address{Name: "Удостоверяющий центр", Address: "noreply@kcr.example.ru"},
		TLS: mp.TLS, Timeout: 10 * time.Second}
}

// The holder's reminder and the escalation reach a real SMTP server over STARTTLS and implicit TLS, with
// AUTH PLAIN, as multipart text and HTML with the Russian subject encoded (RFC 2047); the escalation
// carries List-Unsubscribe, the holder's mandatory reminder does not.
func TestDeliverToRealServer(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		for _, implicit := range []bool{false, true} {
			t.Run(eng.Name+"/implicit="+strconv.FormatBool(implicit), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				mp := startMailpit(t, implicit)
				e := newEnv(t, eng, sender(mp, mailUser, mailPassword, implicit))
				serial, _ := e.queueOne(t)
				n, err := e.svc.DeliverDue(ctx, 100)
				if err != nil || n != 2 {
					t.Fatalf("DeliverDue = %d, %v; want the holder's and the account administrator's message", n, err)
				}
				counts, _ := e.db.MailStatusCounts(ctx)
				if counts[storage.MailSent] != 2 {
					t.Fatalf("statuses %v, want 2 sent", counts)
				}
				e.auditHasNoAddress(t, e.mailID(t, "reminder:"+serial+":14"), "mail.sent")
				msgs := mp.messages(t)
				if len(msgs) != 2 {
					t.Fatalf("%d messages delivered, want 2", len(msgs))
				}
				var holder, escalation *delivered
				for i := range msgs {
					if strings.Contains(msgs[i].Subject, "сотрудника") {
						escalation = &msgs[i]
					} else {
						holder = &msgs[i]
					}
				}
				if holder == nil || escalation == nil {
					t.Fatalf("subjects %q, %q: want a holder's reminder and an escalation", msgs[0].Subject, msgs[1].Subject)
				}
				if want := "Сертификат электронной подписи заканчивается 11.12.2026"; holder.Subject != want {
					t.Errorf("subject %q, want %q", holder.Subject, want)
				}
				for _, d := range msgs {
					if !encodedSubject.MatchString(d.Raw) {
						t.Errorf("the subject is not RFC 2047 encoded:\n%.600s", d.Raw)
					}
					if !strings.Contains(d.Raw, "multipart/alternative") || !strings.Contains(d.Text, serial) || !strings.Contains(d.HTML, "<code>"+serial+"</code>") {
						t.Errorf("want text and HTML parts naming the serial; text %q", d.Text)
					}
					if len(d.To) != 1 || d.To[0].Address != "person@example.ru" {
						t.Errorf("recipients %v", d.To)
					}
				}
				if !strings.Contains(holder.Text, "Петрова Мария Сергеевна") || !strings.Contains(holder.Text, "через 10 дней") {
					t.Errorf("holder's text %q", holder.Text)
				}
				if strings.Contains(holder.Raw, "List-Unsubscribe") || !strings.Contains(escalation.Raw, "List-Unsubscribe: <https://kcr.example.ru/unsubscribe?t=") {
					t.Errorf("List-Unsubscribe must be on the escalation only:\n%.2000s", escalation.Raw)
				}
			})
		}
	}
}

// A refused login fails the message for good with the server's answer; it is not retried.
func TestDeliverAuthFailure(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mp := startMailpit(t, false)
			e := newEnv(t, eng, sender(mp, mailUser, "wrong password", false))
			_, id := e.queueOne(t)
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			m := e.mail(t, id)
			if m.Status != storage.MailFailed || m.Attempts != 1 || !strings.Contains(m.Answer, "535") {
				t.Fatalf("status %s, attempts %d, answer %q; want failed after 1 attempt with the server's 535", m.Status, m.Attempts, m.Answer)
			}
			e.auditHasNoAddress(t, id, "mail.failed")
			e.clk.Add(24 * time.Hour)
			if err := e.svc.Deliver(ctx, id); err != nil || e.mail(t, id).Attempts != 1 {
				t.Fatalf("a failed message was tried again: %v", err)
			}
			if n := len(mp.messages(t)); n != 0 {
				t.Fatalf("%d messages delivered", n)
			}
		})
	}
}

// An unreachable server leaves the message queued, retried with exponential backoff, and failed after
// the last attempt; a message is not tried before its next attempt is due.
func TestDeliverUnreachableRetries(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			l.Close() // nothing listens there now: connections are refused
			s := &notify.SMTPSender{Config: notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSStartTLS},
				From: &mail.Address{Address: "noreply@kcr.example.ru"}, Timeout: 5 * time.Second}
			e := newEnv(t, eng, s)
			e.svc.MaxAttempts = 4
			_, id := e.queueOne(t)
			for attempt, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
				if err := e.svc.Deliver(ctx, id); err != nil {
					t.Fatal(err)
				}
				m := e.mail(t, id)
				if m.Status != storage.MailQueued || m.Attempts != attempt+1 || !m.NextAttemptAt.Equal(e.clk.Now().Add(wait)) || m.Answer == "" {
					t.Fatalf("after attempt %d: %s, attempts %d, next %v (want +%v), answer %q", attempt+1, m.Status, m.Attempts,
						m.NextAttemptAt, wait, m.Answer)
				}
				e.clk.Add(wait - time.Second)
				if err := e.svc.Deliver(ctx, id); err != nil || e.mail(t, id).Attempts != attempt+1 {
					t.Fatalf("tried before its next attempt was due (%v)", err)
				}
				e.clk.Add(time.Second)
			}
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			if m := e.mail(t, id); m.Status != storage.MailFailed || m.Attempts != 4 {
				t.Fatalf("after the last attempt: %s, attempts %d", m.Status, m.Attempts)
			}
		})
	}
}

// A sender that died after claiming a message and before sending it leaves a claim: nobody sends the
// message while the claim runs, the next sender sends it once the claim ran out, and it is delivered once.
// Senders racing for one message send it once.
func TestDeliverNoDuplicateAfterCrash(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mp := startMailpit(t, false)
			e := newEnv(t, eng, sender(mp, mailUser, mailPassword, false))
			_, id := e.queueOne(t)
			// The crashed sender: its claim, and nothing after it.
			if m, err := e.db.ClaimMail(ctx, id, e.clk.Now(), e.clk.Now().Add(5*time.Minute)); err != nil || m == nil {
				t.Fatalf("claim: %v %v", m, err)
			}
			e.clk.Add(4 * time.Minute)
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			if n := len(mp.messages(t)); n != 0 {
				t.Fatalf("sent while another sender's claim held it: %d messages", n)
			}
			e.clk.Add(time.Minute)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() { errs <- e.svc.Deliver(ctx, id) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			m := e.mail(t, id)
			if m.Status != storage.MailSent || m.Attempts != 2 {
				t.Fatalf("status %s, attempts %d; want sent on the second claim", m.Status, m.Attempts)
			}
			holder := 0
			for _, d := range mp.messages(t) {
				if !strings.Contains(d.Subject, "сотрудника") {
					holder++
				}
			}
			if holder != 1 {
				t.Fatalf("the holder's reminder was delivered %d times", holder)
			}
		})
	}
}

// recording is a Sender that keeps what it was given.
type recording struct {
	mu  sync.Mutex
	out []*notify.Outgoing
}

func (r *recording) Send(_ context.Context, o *notify.Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = append(r.out, o)
	return nil
}

// The escalation's unsubscribe link works without signing in and stops that category for that employee;
// the mandatory reminder still goes out. Forged, altered and mandatory-category tokens are refused.
func TestUnsubscribe(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rec := &recording{}
			e := newEnv(t, eng, rec)
			serial, _ := e.queueOne(t)
			esc, err := e.db.MailByDedupKey(ctx, "reminder:"+serial+":14:"+e.accountAdmin)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := e.svc.UnsubscribeToken(ctx, e.f.HeadEmployee, notify.CategoryEscalation)
			if err != nil {
				t.Fatal(err)
			}
			mandatory, _ := e.svc.UnsubscribeToken(ctx, e.f.BranchEmployee, notify.CategoryExpiry)
			other, _ := e.svc.UnsubscribeToken(ctx, e.f.BranchEmployee, notify.CategoryEscalation)
			for _, bad := range []string{"", "abc", tok + "x", strings.Replace(tok, ".", "x.", 1), mandatory,
				other[:strings.Index(other, ".")] + tok[strings.Index(tok, "."):]} {
				if err := e.svc.Unsubscribe(ctx, bad); !errors.Is(err, notify.ErrBadToken) {
					t.Errorf("token %q: %v, want ErrBadToken", bad, err)
				}
			}
			if err := e.svc.Unsubscribe(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Unsubscribe(ctx, tok); err != nil {
				t.Fatalf("a second use: %v", err)
			}
			if _, err := e.svc.DeliverDue(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if m := e.mail(t, esc.ID); m.Status != storage.MailCancelled || m.Answer != "unsubscribed" {
				t.Fatalf("escalation after unsubscribing: %s %q", m.Status, m.Answer)
			}
			if len(rec.out) != 1 || rec.out[0].UnsubscribeURL != "" {
				t.Fatalf("want only the holder's mandatory reminder sent, got %d", len(rec.out))
			}
		})
	}
}

// /unsubscribe works without signing in: GET only asks (a link scanner unsubscribes nobody), POST
// unsubscribes, a bad token gets 400.
func TestUnsubscribeHandler(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, eng, &recording{})
			h := e.svc.UnsubscribeHandler()
			tok, err := e.svc.UnsubscribeToken(ctx, e.f.HeadEmployee, notify.CategoryEscalation)
			if err != nil {
				t.Fatal(err)
			}
			do := func(method, token string) (int, string) {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(method, "/unsubscribe?t="+url.QueryEscape(token), nil))
				return w.Code, w.Body.String()
			}
			off := func() bool {
				v, err := e.db.Unsubscribed(ctx, e.f.HeadEmployee, string(notify.CategoryEscalation))
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			if code, body := do(http.MethodGet, tok); code != 200 || !strings.Contains(body, "Отписаться от писем?") || off() {
				t.Fatalf("GET: %d, unsubscribed %v\n%s", code, off(), body)
			}
			if code, body := do(http.MethodPost, tok+"x"); code != 400 || !strings.Contains(body, "недействительна") || off() {
				t.Fatalf("POST with a bad token: %d", code)
			}
			if code, body := do(http.MethodPost, tok); code != 200 || !strings.Contains(body, "Вы отписались") || !off() {
				t.Fatalf("POST: %d, unsubscribed %v\n%s", code, off(), body)
			}
		})
	}
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want notify.SMTPConfig
		bad  string
	}{
		{in: "smtp://u:pw1@mail.example.ru:587?starttls=1", want: notify.SMTPConfig{Host: "mail.example.ru", Port: 587, Username: "u", Password: "pw1", TLS: notify.TLSStartTLS}},
		{in: "smtp://u:pw1@mail.example.ru?starttls=1", want: notify.SMTPConfig{Host: "mail.example.ru", Port: 587, Username: "u", Password: "pw1", TLS: notify.TLSStartTLS}},
		{in: "smtps://u:p%40ss@mail.example.ru", want: notify.SMTPConfig{Host: "mail.example.ru", Port: 465, Username: "u", Password: "p@ss", TLS: notify.TLSImplicit}},
		{in: "smtp://relay.local", want: notify.SMTPConfig{Host: "relay.local", Port: 25, TLS: notify.TLSNone}},
		{in: "smtp://u:pw1@relay.local:25", bad: "unprotected"},
		{in: "smtps://u:pw1@h?starttls=1", bad: "smtps is TLS"},
		{in: "http://u:pw1@h", bad: "scheme"},
		{in: "smtp://u:pw1@h:0?starttls=1", bad: "port"},
		{in: "smtp://u:pw1@h:99999?starttls=1", bad: "port"},
		{in: "smtp://u:pw1@h?starttls=yes", bad: "starttls"},
		{in: "smtp://u:pw1@h?tls=1", bad: "unknown parameter"},
		{in: "smtp://u@h?starttls=1", bad: "without a password"},
		{in: "smtp://:pw1@h?starttls=1", bad: "without a user"},
		{in: "smtp://u:pw1@/x", bad: "no host"},
		{in: "smtp://u:pw1@h/path?starttls=1", bad: "path"},
		{in: "smtp://u:sec%zz@h", bad: "not a URL"},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := notify.ParseSMTPURL(c.in)
			if c.bad != "" {
				if err == nil || !strings.Contains(err.Error(), c.bad) {
					t.Fatalf("error %v, want one saying %q", err, c.bad)
				}
				if strings.Contains(err.Error(), "sec") || strings.Contains(err.Error(), ":pw1@") {
					t.Fatalf("the error repeats the password: %v", err)
				}
				return
			}
			if err != nil || *got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
			if c.want.Password != "" && strings.Contains(got.String(), c.want.Password) {
				t.Fatalf("String() shows the password: %s", got)
			}
		})
	}
}

// Mail to an employee who left the organization is cancelled at sending time, not sent.
func TestDeliverCancelsForDismissed(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rec := &recording{}
			e := newEnv(t, eng, rec)
			_, id := e.queueOne(t)
			if err := e.db.DismissEmployee(ctx, e.f.BranchEmployee, start, "увольнение"); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			if m := e.mail(t, id); m.Status != storage.MailCancelled || !strings.Contains(m.Answer, "left") {
				t.Fatalf("mail to a dismissed holder: %s %q", m.Status, m.Answer)
			}
			if len(rec.out) != 0 {
				t.Fatalf("%d messages sent", len(rec.out))
			}
		})
	}
}
