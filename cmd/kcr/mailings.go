package main

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/storage"
)

// mailingExpandArgs materialises one mailing's recipients. A run killed mid-way is retried (or rescued from a
// dead replica) and continues from the batch it reached.
type mailingExpandArgs struct {
	MailingID string `json:"mailing_id"`
}

func (mailingExpandArgs) Kind() string { return "mailing_expand" }

// mailingResumeArgs expands the mailings left sending whose job is gone (its attempts used up): hourly,
// once across the replicas. Running beside an expansion job is safe: recipients are deduplicated.
type mailingResumeArgs struct{}

func (mailingResumeArgs) Kind() string { return "mailing_resume" }

// newMailings makes the mailing service and lets the notification service render its messages.
func newMailings(c *serveConfig, db *storage.DB, svc *notify.Service) *mailing.Service {
	m := &mailing.Service{DB: db, Notify: svc, Clock: svc.Clock, Timeline: c.Timeline, BaseURL: c.BaseURL}
	svc.Renderers[mailing.Template] = m
	return m
}

// mailingJobs registers the expansion job, scheduled in the transaction that starts sending a mailing, and
// the hourly resumption of stray expansions.
func mailingJobs(m *mailing.Service) func(*jobs.Queue) error {
	return func(q *jobs.Queue) error {
		m.Schedule = func(ctx context.Context, id string) error {
			_, _, err := q.Enqueue(ctx, mailingExpandArgs{MailingID: id}, &jobs.InsertOpts{UniqueOpts: jobs.UniqueOpts{ByArgs: true}})
			return err
		}
		err := jobs.RegisterFunc(q, func(ctx context.Context, job *jobs.Job[mailingExpandArgs]) error {
			return m.Expand(ctx, job.Args.MailingID)
		})
		if err != nil {
			return err
		}
		err = jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[mailingResumeArgs]) error {
			return m.ResumeAll(ctx)
		})
		if err != nil {
			return err
		}
		return q.Every(time.Hour, func() jobs.Args { return mailingResumeArgs{} }, false)
	}
}
