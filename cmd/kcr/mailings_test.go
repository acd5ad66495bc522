package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// On the job queue, sending a mailing schedules its expansion in the same transaction; the expansion job
// queues a message per recipient, each sent once by its own job. Both engines.
func TestMailingJobs(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			if _, err := jobs.Migrate(ctx, db); err != nil {
				t.Fatal(err)
			}
			f := testdb.Fixture(t, db)
			send := &flaky{}
			c := &serveConfig{}
			c.Timeline = rules.DefaultTimeline()
			log := slog.New(slog.DiscardHandler)
			svc, planner := newNotify(c, db, clock.Real{}, log)
			svc.Sender, svc.BackoffBase = send, 10*time.Millisecond
			ms := newMailings(c, db, svc)
			q, err := jobs.New(db, jobs.Config{PollInterval: 20 * time.Millisecond, StopTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for _, reg := range []func(*jobs.Queue) error{notifyJobs(svc, planner, log), mailingJobs(ms)} {
				if err := reg(q); err != nil {
					t.Fatal(err)
				}
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				q.Stop(ctx)
			})
			op := &access.Principal{Actor: "user:operator", Role: model.RoleOperator}
			m, err := ms.Create(ctx, op, mailing.Draft{Subject: "Инструкция", Body: "Текст",
				Segment: storage.Segment{AccountIDs: []string{f.AccountA}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, started, err := ms.Send(ctx, op, m.ID); err != nil || !started {
				t.Fatalf("send: %v %v", started, err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for send.count() < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("sent %d of 2 messages", send.count())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // a duplicate, if any, would be sent by now
			got, err := ms.Get(ctx, op, m.ID)
			if err != nil || got.Status != storage.MailingSent {
				t.Fatalf("mailing %+v %v", got, err)
			}
			counts, err := ms.Counts(ctx, op, m.ID)
			if err != nil || counts.Recipients != 2 || counts.Delivered != 2 || send.count() != 2 {
				t.Fatalf("counts %+v %v, sent %d", counts, err, send.count())
			}
		})
	}
}
