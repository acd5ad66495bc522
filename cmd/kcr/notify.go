package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/storage"
)

// notifyConfig is the e-mail and reminder part of kcr serve.
type notifyConfig struct {
	smtpURL, mailFrom, reminderDays string
	SMTP                            *notify.SMTPConfig // nil: no e-mail, in-app notices only
	From                            *mail.Address
	ReminderDays                    []int
}

func (c *notifyConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	c.smtpURL = getenv("KCR_SMTP_URL")
	fs.Var(secretURL{&c.smtpURL}, "smtp-url", "SMTP server for e-mail: smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465; "+
		"empty: no e-mail, in-app notices only; prefer the environment, which keeps the password out of the process list (env KCR_SMTP_URL)")
	fs.StringVar(&c.mailFrom, "mail-from", getenv("KCR_MAIL_FROM"), "sender of kcr's e-mail, such as \"Удостоверяющий центр <noreply@example.ru>\" (env KCR_MAIL_FROM)")
	fs.StringVar(&c.reminderDays, "reminder-days", envOr(getenv, "KCR_REMINDER_DAYS", "60,30,14,7,1"),
		"days before a certificate's end on which reminders go out, from 14 on also to administrators and managers (env KCR_REMINDER_DAYS)")
}

// secretURL is a flag holding a URL with a password: the help shows its default (from the environment)
// with the password masked.
type secretURL struct{ v *string }

func (s secretURL) Set(v string) error { *s.v = v; return nil }

func (s secretURL) String() string {
	if s.v == nil || *s.v == "" {
		return ""
	}
	u, err := url.Parse(*s.v)
	if err != nil {
		return "(set)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// validate parses the settings; its messages never repeat the SMTP URL, which holds the password.
func (c *notifyConfig) validate() error {
	days, err := notify.ParseReminderDays(c.reminderDays)
	if err != nil {
		return usageError{"--reminder-days: " + err.Error()}
	}
	c.ReminderDays = days
	if c.smtpURL == "" {
		if c.mailFrom != "" {
			return usageError{"--mail-from needs --smtp-url (KCR_SMTP_URL)"}
		}
		return nil
	}
	if c.SMTP, err = notify.ParseSMTPURL(c.smtpURL); err != nil {
		return usageError{"--smtp-url: " + err.Error()}
	}
	if c.mailFrom == "" {
		return usageError{"--smtp-url needs --mail-from, the sender address"}
	}
	if c.From, err = notify.ParseFrom(c.mailFrom); err != nil {
		return usageError{"--mail-from: " + err.Error()}
	}
	return nil
}

// newNotify makes the notification service and the reminder planner.
func newNotify(c *serveConfig, db *storage.DB, clk clock.Clock, log *slog.Logger) (*notify.Service, *notify.Planner) {
	svc := &notify.Service{DB: db, Clock: clk, Timeline: c.Timeline, BaseURL: c.BaseURL, Log: log}
	if c.SMTP != nil {
		svc.Sender = &notify.SMTPSender{Config: *c.SMTP, From: c.From}
	}
	// МЧД expiry reminders follow the certificates' steps; their messages render through the source.
	poa := &notify.PoAReminders{Notify: svc}
	svc.Renderers = map[notify.Template]notify.Renderer{notify.TemplatePoAReminder: poa, notify.TemplatePoAReminderEscalation: poa}
	return svc, &notify.Planner{Notify: svc, Days: c.ReminderDays, Sources: []notify.ReminderSource{poa}}
}

// The notification jobs.
type (
	// mailSendArgs delivers one outbox message; Attempt tells its attempts apart, so that the job of a
	// retry is not taken for a duplicate of the job that failed.
	mailSendArgs struct {
		MessageID string `json:"message_id"`
		Attempt   int    `json:"attempt"`
	}
	// mailSweepArgs delivers what is due without a job of its own: messages whose sender died holding
	// them, or whose job was lost.
	mailSweepArgs struct{}
	// reminderPlanArgs plans the expiry reminders.
	reminderPlanArgs struct{}
)

func (mailSendArgs) Kind() string     { return "mail_send" }
func (mailSweepArgs) Kind() string    { return "mail_sweep" }
func (reminderPlanArgs) Kind() string { return "reminder_plan" }

// How often reminders are planned and stray mail is swept (each once across the replicas).
const (
	reminderPlanEvery = time.Hour
	mailSweepEvery    = 5 * time.Minute
)

// notifyJobs registers the notification jobs: a send job per message, scheduled in the transaction that
// queues it (or puts it back for a retry); the sweep; and reminder planning hourly and at start-up.
func notifyJobs(svc *notify.Service, planner *notify.Planner, log *slog.Logger) func(*jobs.Queue) error {
	return func(q *jobs.Queue) error {
		err := jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[reminderPlanArgs]) error {
			r, err := planner.Plan(ctx)
			if r.Mail+r.Notices > 0 {
				log.Info("reminders planned", "certificates", r.Certificates, "powers_of_attorney", r.PowersOfAttorney,
					"mail", r.Mail, "notices", r.Notices)
			}
			return err
		})
		if err != nil {
			return err
		}
		if err := q.Every(reminderPlanEvery, func() jobs.Args { return reminderPlanArgs{} }, true); err != nil {
			return err
		}
		if !svc.MailEnabled() {
			return nil
		}
		svc.Schedule = func(ctx context.Context, id string, at time.Time, attempt int) error {
			_, _, err := q.Enqueue(ctx, mailSendArgs{MessageID: id, Attempt: attempt},
				&jobs.InsertOpts{ScheduledAt: at, UniqueOpts: jobs.UniqueOpts{ByArgs: true}})
			return err
		}
		err = jobs.RegisterFunc(q, func(ctx context.Context, job *jobs.Job[mailSendArgs]) error {
			return svc.Deliver(ctx, job.Args.MessageID)
		})
		if err != nil {
			return err
		}
		err = jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[mailSweepArgs]) error {
			_, err := svc.DeliverDue(ctx, 200)
			return err
		})
		if err != nil {
			return err
		}
		return q.Every(mailSweepEvery, func() jobs.Args { return mailSweepArgs{} }, true)
	}
}

// describeSMTP is the start-up line naming the mail server without its password.
func describeSMTP(c *notifyConfig) string {
	if c.SMTP == nil {
		return "no --smtp-url: reminders are in-app notices only"
	}
	return fmt.Sprintf("e-mail through %s from %s, reminders %s days before the end", c.SMTP, c.From.Address,
		strings.Trim(strings.Join(strings.Fields(fmt.Sprint(c.ReminderDays)), ","), "[]"))
}
