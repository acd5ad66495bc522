package mailing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

var operator = &access.Principal{Actor: "user:operator", Role: model.RoleOperator}

type env struct {
	db           *storage.DB
	f            *testdb.Fix
	clk          *clock.Fake
	svc          *mailing.Service
	notify       *notify.Service
	adminA       *access.Principal
	adminB       *access.Principal
	adminAUser   string
	legacySerial string
}

// newEnv: the fixture, ten days later; the branch employee holds a legacy employee certificate ending in 20
// days, the head employee a head certificate ending in 200 days, the employee of account B none; account
// A's administrator is linked to the head employee; account B has a supplementary agreement.
func newEnv(t testing.TB, eng testdb.Engine) *env {
	t.Helper()
	ctx := context.Background()
	db := eng.Open(t)
	f := testdb.Fixture(t, db)
	e := &env{db: db, f: f, clk: clock.NewFake(f.Now.Add(10 * 24 * time.Hour))}
	e.notify = &notify.Service{DB: db, Clock: e.clk, Timeline: rules.DefaultTimeline(), BaseURL: "https://kcr.example.ru"}
	e.svc = &mailing.Service{DB: db, Notify: e.notify, Clock: e.clk, Timeline: rules.DefaultTimeline(), BaseURL: "https://kcr.example.ru"}
	e.notify.Renderers = map[notify.Template]notify.Renderer{mailing.Template: e.svc}
	e.adminAUser = testdb.NewID()
	if err := db.CreateUser(ctx, &model.User{ID: e.adminAUser, AccountID: f.AccountA, Login: "admin-a", FullName: "Админ",
		Role: model.RoleAccountAdmin, EmployeeID: f.HeadEmployee, CreatedAt: f.Now, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	e.adminA = &access.Principal{Actor: "user:" + e.adminAUser, Role: model.RoleAccountAdmin, AccountID: f.AccountA}
	e.adminB = &access.Principal{Actor: "user:b", Role: model.RoleAccountAdmin, AccountID: f.AccountB}
	now := e.clk.Now()
	e.legacySerial = e.cert(t, f.BranchOrg, f.BranchEmployee, model.KindLegalEntityEmployee, time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), now.AddDate(0, 0, 20))
	e.cert(t, f.HeadOrg, f.HeadEmployee, model.KindHead, now.AddDate(0, -6, 0), now.AddDate(0, 0, 200))
	if err := db.CreateAgreement(ctx, &model.Agreement{ID: testdb.NewID(), AccountID: f.AccountB, Kind: model.AgreementSupplementary,
		Number: "1", SignedOn: "2026-01-01", Covers: model.PositionIndividual, CreatedAt: f.Now}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) cert(t testing.TB, org, emp string, kind model.CertKind, nb, na time.Time) string {
	t.Helper()
	serial := strings.ReplaceAll(testdb.NewID(), "-", "")
	if err := e.db.CreateCertificate(context.Background(), &model.Certificate{Serial: serial, AccountID: e.f.AccountA,
		OrganizationID: org, EmployeeID: emp, Kind: kind, Status: model.CertValid, Issuer: "test",
		NotBefore: nb, NotAfter: na, DER: []byte{0x30, 0}, CreatedAt: nb}); err != nil {
		t.Fatal(err)
	}
	return serial
}

// employees adds n employees with addresses to the branch of account A.
func (e *env) employees(t testing.TB, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 15))
	for i := range n {
		if err := e.db.CreateEmployee(context.Background(), &model.Employee{ID: testdb.NewID(), AccountID: e.f.AccountA,
			OrganizationID: e.f.BranchOrg, Surname: "Сотрудник", GivenName: fmt.Sprint(i), Patronymic: "", BirthDate: "1990-01-01", SNILS: requisites.GenerateSNILS(r),
			Email: fmt.Sprintf("e%d@example.ru", i), Position: "Специалист", CreatedAt: e.f.Now, UpdatedAt: e.f.Now}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSegmentCounts(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			f := e.f
			for _, c := range []struct {
				name   string
				p      *access.Principal
				seg    storage.Segment
				people int
				orgs   []string
			}{
				{"everyone", operator, storage.Segment{}, 3, []string{testdb.OrgBName, testdb.HeadName, testdb.BranchName}},
				{"an administrator reaches their own account only", e.adminA, storage.Segment{AccountIDs: []string{f.AccountB}}, 2, nil},
				{"kind", operator, storage.Segment{Kinds: []model.CertKind{model.KindHead}}, 1, []string{testdb.HeadName}},
				{"legacy", operator, storage.Segment{Legacy: true}, 1, []string{testdb.BranchName}},
				{"expiring within 30 days", operator, storage.Segment{ExpiringDays: 30}, 1, nil},
				{"expiring within a year", operator, storage.Segment{ExpiringDays: 365}, 2, nil},
				{"kind, expiry and organization together", operator, storage.Segment{Kinds: []model.CertKind{model.KindLegalEntityEmployee},
					ExpiringDays: 30, OrganizationIDs: []string{f.BranchOrg}}, 1, nil},
				{"kind and expiry on different certificates", operator, storage.Segment{Kinds: []model.CertKind{model.KindHead}, ExpiringDays: 30}, 0, nil},
				{"stuck in draft for 7 days", operator, storage.Segment{StuckState: model.StateDraft, StuckDays: 7}, 3, nil},
				{"stuck in draft for 30 days", operator, storage.Segment{StuckState: model.StateDraft, StuckDays: 30}, 0, nil},
				{"stuck in documents", operator, storage.Segment{StuckState: model.StateDocuments}, 0, nil},
				{"without the supplementary agreement", operator, storage.Segment{NoSupplementary: true}, 2, nil},
				{"role", operator, storage.Segment{Roles: []model.Role{model.RoleAccountAdmin}}, 1, []string{testdb.HeadName}},
				{"organization", operator, storage.Segment{OrganizationIDs: []string{f.OrgB}}, 1, []string{testdb.OrgBName}},
				{"another account's organization", e.adminA, storage.Segment{OrganizationIDs: []string{f.OrgB}}, 0, []string{}},
			} {
				t.Run(c.name, func(t *testing.T) {
					r, err := e.svc.Preview(context.Background(), c.p, c.seg)
					if err != nil {
						t.Fatal(err)
					}
					if r.People != c.people || r.WithEmail != c.people {
						t.Fatalf("reach %+v, want %d people", r.SegmentReach, c.people)
					}
					if c.orgs != nil && fmt.Sprint(r.SampleOrganizations) != fmt.Sprint(c.orgs) {
						t.Fatalf("organizations %q, want %q", r.SampleOrganizations, c.orgs)
					}
				})
			}
		})
	}
}

func TestSendOnce(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, eng)
			m, err := e.svc.Create(ctx, e.adminA, mailing.Draft{Subject: "Для {{организация}}", Body: "Здравствуйте, {{фио}}!"})
			if err != nil {
				t.Fatal(err)
			}
			m1, started1, err1 := e.svc.Send(ctx, e.adminA, m.ID)
			m2, started2, err2 := e.svc.Send(ctx, e.adminA, m.ID)
			if err1 != nil || err2 != nil || !started1 || started2 {
				t.Fatalf("send twice: %v %v, started %v %v; want the first only to start", err1, err2, started1, started2)
			}
			if m1.Status != storage.MailingSent || m2.Status != storage.MailingSent {
				t.Fatalf("status %s %s", m1.Status, m2.Status)
			}
			if err := e.svc.Expand(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			counts, err := e.svc.Counts(ctx, e.adminA, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := storage.MailingCounts{Recipients: 2, Mail: 2, Pending: 2, Notices: 1}
			if counts != want {
				t.Fatalf("counts %+v, want %+v", counts, want)
			}
			st, _ := e.db.MailStatusCounts(ctx)
			if st[storage.MailQueued] != 2 {
				t.Fatalf("outbox %v, want 2 queued", st)
			}
			if _, err := e.svc.Update(ctx, e.adminA, m.ID, mailing.Draft{Subject: "x", Body: "y"}); !errs.Is(err, errs.Conflict) {
				t.Fatalf("update after send: %v, want a conflict", err)
			}
			// The notice opens in the UI: the bell's count and the mailing's opened count follow it.
			ns, err := e.notify.UnreadNotices(ctx, e.adminAUser, 10)
			if err != nil || len(ns) != 1 || ns[0].Subject != "Для "+testdb.HeadName || !strings.Contains(ns[0].Text, "Иванов Иван Иванович") {
				t.Fatalf("notices %+v, %v", ns, err)
			}
			if _, err := e.notify.MarkRead(ctx, e.adminAUser, nil); err != nil {
				t.Fatal(err)
			}
			if counts, _ = e.svc.Counts(ctx, e.adminA, m.ID); counts.Opened != 1 {
				t.Fatalf("opened %d, want 1", counts.Opened)
			}
			// The reissue metrics' reach: the month of sending, in account A's scope and in B's.
			bounds := []time.Time{e.clk.Now().AddDate(0, 0, -1), e.clk.Now().AddDate(0, 0, 1)}
			for _, c := range []struct {
				scope storage.Scope
				want  string
			}{{storage.Scope{AccountID: e.f.AccountA}, "[{2 0 1}]"}, {storage.Scope{AccountID: e.f.AccountB}, "[{0 0 0}]"}} {
				if r, err := e.svc.MailingReach(ctx, c.scope, bounds); err != nil || fmt.Sprint(r) != c.want {
					t.Fatalf("reach in %+v: %v %v, want %s", c.scope, r, err, c.want)
				}
			}
			if _, err := e.svc.Get(ctx, e.adminB, m.ID); !errs.Is(err, errs.NotFound) {
				t.Fatalf("another account's administrator: %v, want not found", err)
			}
		})
	}
}

// Expansion killed mid-way (its context cancelled inside a batch's transaction) and run again: every
// recipient once, none twice.
func TestExpandResumesAfterCrash(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng)
			e.employees(t, 9)
			e.svc.Batch = 3
			e.svc.Schedule = func(context.Context, string) error { return nil } // the job is run by hand below
			m, err := e.svc.Create(context.Background(), e.adminA, mailing.Draft{Subject: "Инструкция", Body: "Текст"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.Send(context.Background(), e.adminA, m.ID); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var queued atomic.Int32
			e.notify.Schedule = func(context.Context, string, time.Time, int) error {
				if queued.Add(1) == 5 { // the second batch's second message
					cancel()
				}
				return nil
			}
			if err := e.svc.Expand(ctx, m.ID); err == nil {
				t.Fatal("the cancelled expansion returned no error")
			}
			mid, _ := e.db.GetMailing(context.Background(), m.ID)
			if mid.Status != storage.MailingSending || mid.ExpandedTo == "" {
				t.Fatalf("after the crash: %s, expanded to %q", mid.Status, mid.ExpandedTo)
			}
			e.notify.Schedule = nil
			if err := e.svc.ResumeAll(context.Background()); err != nil {
				t.Fatal(err)
			}
			counts, err := e.db.CountMailing(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if counts.Recipients != 11 || counts.Mail != 11 || counts.Notices != 1 {
				t.Fatalf("counts %+v, want 11 recipients with mail and 1 notice", counts)
			}
			st, _ := e.db.MailStatusCounts(context.Background())
			if st[storage.MailQueued] != 11 {
				t.Fatalf("outbox %v, want 11 queued", st)
			}
			if done, _ := e.db.GetMailing(context.Background(), m.ID); done.Status != storage.MailingSent {
				t.Fatalf("status %s", done.Status)
			}
		})
	}
}

func TestDraftRefusals(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, eng)
			_, err := e.svc.Create(ctx, e.adminA, mailing.Draft{Subject: "Тема", Body: "Здравствуйте, {{ фио }}! До {{дата_конца}}."})
			var ke *errs.Error
			if !errors.As(err, &ke) || ke.Kind != errs.Invalid || len(ke.Fields) != 1 || ke.Fields[0].Field != "body" ||
				!strings.Contains(ke.Fields[0].Message, "{{дата_конца}}") {
				t.Fatalf("unknown placeholder: %v, want a body field error naming it", err)
			}
			m, err := e.svc.Create(ctx, e.adminA, mailing.Draft{Subject: "Тема", Body: "Текст",
				Segment: storage.Segment{Kinds: []model.CertKind{model.KindSoleProprietor}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.Send(ctx, e.adminA, m.ID); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "empty") {
				t.Fatalf("empty segment: %v, want a conflict", err)
			}
			if again, _ := e.db.GetMailing(ctx, m.ID); again.Status != storage.MailingDraft {
				t.Fatalf("status %s after a refused send", again.Status)
			}
			if _, err := e.svc.Create(ctx, &access.Principal{Role: model.RoleManager, AccountID: e.f.AccountA}, mailing.Draft{Subject: "a", Body: "b"}); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("a manager: %v", err)
			}
		})
	}
}

func TestAttachmentLimits(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, eng)
			m, err := e.svc.Create(ctx, e.adminA, mailing.Draft{Subject: "Письмо", Body: "См. вложение"})
			if err != nil {
				t.Fatal(err)
			}
			pdf := func(n int) []byte { return append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0"), n)...) }
			for _, c := range []struct {
				name, file string
				data       []byte
				rule       string
			}{
				{"executable", "setup.exe", []byte("MZ"), "type"},
				{"content does not match", "letter.pdf", []byte("<html>"), "content"},
				{"empty", "letter.pdf", nil, "empty"},
				{"too large", "letter.pdf", pdf(mailing.MaxAttachmentSize), "too_large"},
				{"a PDF letter", "C:\\docs\\Письмо.pdf", pdf(100), ""},
				{"4 MB", "a.pdf", pdf(4 << 20), ""},
				{"4 MB more", "b.pdf", pdf(4 << 20), ""},
				{"over the total", "c.pdf", pdf(4 << 20), "total_too_large"},
				{"small 1", "d.txt", []byte("1"), ""},
				{"small 2", "e.txt", []byte("2"), ""},
				{"a sixth file", "f.txt", []byte("3"), "too_many"},
			} {
				a, err := e.svc.Attach(ctx, e.adminA, m.ID, c.file, c.data)
				var ke *errs.Error
				switch {
				case c.rule == "" && err != nil:
					t.Fatalf("%s: %v", c.name, err)
				case c.rule != "" && (!errors.As(err, &ke) || ke.Fields[0].Rule != c.rule):
					t.Fatalf("%s: %v, want rule %s", c.name, err, c.rule)
				case c.name == "a PDF letter" && (a.Name != "Письмо.pdf" || a.ContentType != "application/pdf"):
					t.Fatalf("stored as %q %q", a.Name, a.ContentType)
				}
			}
		})
	}
}

// The message is filled per recipient: placeholders in subject, text and HTML (values escaped), raw HTML
// in the Markdown dropped, the attachments carried.
func TestRenderMessage(t *testing.T) {
	eng := testdb.Engines(t)[0]
	ctx := context.Background()
	e := newEnv(t, eng)
	m, err := e.svc.Create(ctx, operator, mailing.Draft{Subject: "{{организация}}: инструкция",
		Body:    "# Инструкция\n\n**{{фио}}**, сертификат до {{дата_окончания}}.\n\n<script>alert(1)</script>\n\n[ссылка](javascript:alert(1))",
		Segment: storage.Segment{Legacy: true}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.BodyHTML, "<script>") || strings.Contains(m.BodyHTML, "javascript:") || !strings.Contains(m.BodyHTML, "<h1>Инструкция</h1>") {
		t.Fatalf("HTML not sanitised: %s", m.BodyHTML)
	}
	if _, err := e.svc.Attach(ctx, operator, m.ID, "letter.pdf", []byte("%PDF-1.4 x")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Send(ctx, operator, m.ID); err != nil {
		t.Fatal(err)
	}
	msg, err := e.db.MailByDedupKey(ctx, "mailing:"+m.ID+":"+e.f.BranchEmployee)
	if err != nil {
		t.Fatal(err)
	}
	out, reason, err := e.svc.Mail(ctx, msg)
	if err != nil || out == nil {
		t.Fatal(reason, err)
	}
	end := e.clk.Now().AddDate(0, 0, 20).In(rules.MSK).Format("02.01.2006")
	if out.Subject != testdb.BranchName+": инструкция" || !strings.Contains(out.Text, "**Петрова Мария Сергеевна**, сертификат до "+end) ||
		!strings.Contains(out.HTML, "<strong>Петрова Мария Сергеевна</strong>") || len(out.Attachments) != 1 ||
		out.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("message %+v", out)
	}
	if strings.Contains(msg.Data, "Петрова") || strings.Contains(msg.Data, "@") {
		t.Fatalf("the outbox row holds personal data: %s", msg.Data)
	}
}

func TestStarters(t *testing.T) {
	for _, s := range mailing.Starters() {
		if _, err := mailing.RenderMarkdown(s.Body); err != nil || s.Subject == "" {
			t.Fatalf("%s: %v", s.ID, err)
		}
		for _, m := range regexpPlaceholders(s.Body) {
			found := false
			for _, p := range mailing.Placeholders {
				found = found || p.Name == m
			}
			if !found {
				t.Fatalf("%s uses unknown placeholder %q", s.ID, m)
			}
		}
	}
}

func regexpPlaceholders(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}}")
		out = append(out, strings.TrimSpace(s[i+2:i+j]))
		s = s[i+j+2:]
	}
}

// BenchmarkQueueMailing queues a 10,000-recipient mailing on SQLite: the expansion of one send.
func BenchmarkQueueMailing(b *testing.B) {
	eng := testdb.Engines(b)[0]
	e := newEnv(b, eng)
	e.employees(b, 10000)
	ctx := context.Background()
	for b.Loop() {
		m, err := e.svc.Create(ctx, operator, mailing.Draft{Subject: "Инструкция", Body: "Текст",
			Segment: storage.Segment{OrganizationIDs: []string{e.f.BranchOrg}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := e.svc.Send(ctx, operator, m.ID); err != nil {
			b.Fatal(err)
		}
	}
}
