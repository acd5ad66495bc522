package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// --smtp-url, --mail-from and --reminder-days are checked at start-up, from flags or the environment;
// no message, nor the help, repeats the SMTP password.
func TestNotifyFlags(t *testing.T) {
	t.Parallel()
	const secret = "Pa55-word"
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := parseServe(nil, io.Discard, env(nil))
	if err != nil || c.SMTP != nil || !slices.Equal(c.ReminderDays, []int{60, 30, 14, 7, 1}) {
		t.Fatalf("defaults: %+v %v", c.notifyConfig, err)
	}
	c, err = parseServe([]string{"--reminder-days", "7,30"}, io.Discard, env(map[string]string{
		"KCR_SMTP_URL": "smtps://kcr:" + secret + "@mail.example.ru", "KCR_MAIL_FROM": "УЦ <noreply@example.ru>"}))
	if err != nil || c.SMTP == nil || c.SMTP.Port != 465 || c.From.Address != "noreply@example.ru" || !slices.Equal(c.ReminderDays, []int{30, 7}) {
		t.Fatalf("from the environment: %+v %v", c.notifyConfig, err)
	}
	if d := describeSMTP(&c.notifyConfig); strings.Contains(d, secret) || !strings.Contains(d, "30,7") {
		t.Fatalf("start-up line %q", d)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--smtp-url", "smtp://kcr:" + secret + "@mail.example.ru"}, map[string]string{"KCR_MAIL_FROM": "a@b.ru"}, "--smtp-url"},
		{[]string{"--smtp-url", "smtp://kcr:" + secret + "@mail.example.ru:x?starttls=1"}, map[string]string{"KCR_MAIL_FROM": "a@b.ru"}, "--smtp-url"},
		{nil, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@mail.example.ru"}, "--mail-from"},
		{[]string{"--mail-from", "not an address"}, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@h"}, "--mail-from"},
		{[]string{"--mail-from", "a@b.ru"}, nil, "--mail-from needs --smtp-url"},
		{[]string{"--reminder-days", "30,0"}, nil, "--reminder-days"},
	} {
		_, err := parseServe(tc.args, io.Discard, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%v %v: %v, want an error naming %s without the password", tc.args, tc.env, err, tc.want)
		}
	}
	code, out := runCmd(t, map[string]string{"KCR_SMTP_URL": "smtps://kcr:" + secret + "@h"}, "serve", "--help")
	if code != 0 || strings.Contains(out, secret) || !strings.Contains(out, "KCR_SMTP_URL") {
		t.Fatalf("serve --help: %d, shows the password or lacks KCR_SMTP_URL:\n%s", code, out)
	}
}

// flaky is a Sender that refuses its first message for a while (a 4xx answer) and then accepts all.
type flaky struct {
	mu       sync.Mutex
	refused  int
	accepted []string
}

func (f *flaky) Send(_ context.Context, o *notify.Outgoing) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused == 0 {
		f.refused++
		return &notify.SendError{Answer: "451 4.3.0 try again later"}
	}
	f.accepted = append(f.accepted, o.MessageKey)
	return nil
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.accepted)
}

// On the job queue, reminder planning runs at start-up; each queued message gets its send job in the
// transaction that queues it, and a refused attempt gets the job of its retry the same way: every message
// is sent once. Both engines.
func TestNotifyJobs(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			if _, err := jobs.Migrate(ctx, db); err != nil {
				t.Fatal(err)
			}
			f := testdb.Fixture(t, db)
			now := time.Now().UTC()
			if err := db.CreateUser(ctx, &model.User{ID: testdb.NewID(), AccountID: f.AccountA, Login: "admin-" + eng.Name,
				FullName: "А", Role: model.RoleAccountAdmin, EmployeeID: f.HeadEmployee, CreatedAt: now, PasswordHash: "x"}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateCertificate(ctx, &model.Certificate{Serial: "ab01", AccountID: f.AccountA, OrganizationID: f.BranchOrg,
				EmployeeID: f.BranchEmployee, Kind: model.KindIndividual, Status: model.CertValid, Issuer: "test",
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, 10), DER: []byte{0x30, 0}, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			send := &flaky{}
			c := &serveConfig{}
			c.Timeline = rules.DefaultTimeline()
			svc, planner := newNotify(c, db, clock.Real{}, slog.New(slog.DiscardHandler))
			svc.Sender, svc.BackoffBase = send, 10*time.Millisecond
			q, err := jobs.New(db, jobs.Config{PollInterval: 20 * time.Millisecond, StopTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := notifyJobs(svc, planner, slog.New(slog.DiscardHandler))(q); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				q.Stop(ctx)
			})
			deadline := time.Now().Add(60 * time.Second)
			for send.count() < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("sent %d of 2 messages", send.count())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // a duplicate, if any, would be sent by now
			counts, err := db.MailStatusCounts(ctx)
			if err != nil || counts[storage.MailSent] != 2 || len(counts) != 1 {
				t.Fatalf("statuses %v %v", counts, err)
			}
			if send.count() != 2 || send.accepted[0] == send.accepted[1] {
				t.Fatalf("sent %v: want each message once", send.accepted)
			}
		})
	}
}
