package webhook

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// AttemptArgs is the durable job of one delivery attempt. It is inserted in the transaction that makes the
// delivery due (a new delivery, a replay, a retry), so a due delivery always has its job, and a job exists
// only for a committed delivery.
type AttemptArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements jobs.Args.
func (AttemptArgs) Kind() string { return "webhook_attempt" }

// Register makes q work the attempt jobs and makes the service enqueue one for every due delivery. Call it
// before q.Start. Without it, Run attempts due deliveries itself.
func (s *Service) Register(q *jobs.Queue) error {
	if err := jobs.RegisterFunc(q, func(ctx context.Context, job *jobs.Job[AttemptArgs]) error {
		return s.work(ctx, job.Args.DeliveryID)
	}); err != nil {
		return err
	}
	s.Jobs = q
	return nil
}

// work runs an attempt job: a delivery no longer pending (done, failed, its endpoint deleted) needs nothing;
// one not due yet is put back until it is.
func (s *Service) work(ctx context.Context, deliveryID string) error {
	d, err := s.DB.WebhookDelivery(ctx, deliveryID)
	if storage.IsNoRows(err) {
		return nil
	} else if err != nil {
		return err
	}
	if d.Status != model.DeliveryPending || d.NextAttemptAt == nil {
		return nil
	}
	if now := s.Clock.Now(); now.Before(*d.NextAttemptAt) {
		return jobs.NotYet(now, *d.NextAttemptAt)
	}
	return s.Attempt(ctx, deliveryID)
}

// schedule enqueues the attempt job of a delivery due at at, in the caller's transaction; without a job
// queue it does nothing (Run's sweep finds the delivery).
func (s *Service) schedule(ctx context.Context, deliveryID string, at time.Time) error {
	if s.Jobs == nil {
		return nil
	}
	_, _, err := s.Jobs.Enqueue(ctx, AttemptArgs{DeliveryID: deliveryID}, &jobs.InsertOpts{ScheduledAt: at})
	return err
}
