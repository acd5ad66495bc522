package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// dispatchBatch is how many feed events one Dispatch transaction reads.
const dispatchBatch = 500

// Payload is the body of a delivery: the event's type, time and ids only. An integrator reads the object
// through the API with its own key; no personal data leaves kcr in a webhook.
type Payload struct {
	Type      model.WebhookEventType `json:"type"`
	Timestamp time.Time              `json:"timestamp"`
	Data      PayloadData            `json:"data"`
}

// PayloadData holds the ids of the object an event is about.
type PayloadData struct {
	ObjectID       string `json:"object_id"`
	OrganizationID string `json:"organization_id"`
}

// Dispatch turns the feed events after the dispatcher's position into deliveries for the enabled endpoints
// subscribed to them, and moves the position, in one transaction per batch: an event is turned into
// deliveries exactly once, even with several replicas dispatching (they take turns on the position, and a
// delivery of one event to one endpoint is unique). It returns how many deliveries it created.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	// The feed shows only chained events; chain what is committed first (PostgreSQL), outside the transaction.
	if _, err := s.DB.SequenceAudit(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		var n, read int
		err := s.DB.InTx(ctx, func(ctx context.Context) error {
			after, err := s.DB.LockWebhookCursor(ctx)
			if err != nil {
				return err
			}
			events, err := s.DB.FeedEvents(ctx, storage.Scope{}, after, dispatchBatch)
			if err != nil || len(events) == 0 {
				return err
			}
			read = len(events)
			endpoints, err := s.DB.EnabledWebhookEndpoints(ctx)
			if err != nil {
				return err
			}
			scopes := map[string][]string{} // API key id → its organizations; nil for all of the account's
			for _, ev := range events {
				for _, e := range endpoints {
					ok, err := s.wants(ctx, e, ev, scopes)
					if err != nil {
						return err
					}
					if !ok {
						continue
					}
					created, err := s.enqueue(ctx, e, ev)
					if err != nil {
						return err
					}
					if created {
						n++
					}
				}
			}
			return s.DB.SetWebhookCursor(ctx, events[len(events)-1].Seq)
		})
		if err != nil {
			return total, fmt.Errorf("dispatch webhook deliveries: %w", err)
		}
		total += n
		if read < dispatchBatch {
			return total, nil
		}
	}
}

// wants reports whether an endpoint subscribes to an event: same account, a subscribed type, an event not
// older than the endpoint, and inside its API key's organizations (a revoked key receives nothing).
func (s *Service) wants(ctx context.Context, e *model.WebhookEndpoint, ev model.FeedEvent, scopes map[string][]string) (bool, error) {
	if e.AccountID != ev.AccountID || !slices.Contains(e.EventTypes, model.WebhookEventType(ev.Type)) || ev.At.Before(e.CreatedAt) {
		return false, nil
	}
	if e.APIKeyID == "" {
		return true, nil
	}
	orgs, seen := scopes[e.APIKeyID]
	if !seen {
		k, err := s.DB.APIKey(ctx, e.AccountID, e.APIKeyID)
		switch {
		case storage.IsNoRows(err):
			orgs = []string{}
		case err != nil:
			return false, err
		case k.RevokedAt != nil:
			orgs = []string{}
		case !k.AllOrgs:
			orgs = append([]string{}, k.OrganizationIDs...)
		}
		scopes[e.APIKeyID] = orgs
	}
	return orgs == nil || slices.Contains(orgs, ev.OrganizationID), nil
}

// enqueue writes the delivery of one event to one endpoint, due now.
func (s *Service) enqueue(ctx context.Context, e *model.WebhookEndpoint, ev model.FeedEvent) (bool, error) {
	body, err := json.Marshal(Payload{Type: model.WebhookEventType(ev.Type), Timestamp: ev.At,
		Data: PayloadData{ObjectID: ev.ObjectID, OrganizationID: ev.OrganizationID}})
	if err != nil {
		return false, err
	}
	now := s.Clock.Now()
	id := uuid.Must(uuid.NewV7()).String()
	created, err := s.DB.InsertWebhookDelivery(ctx, &model.WebhookDelivery{ID: id, EndpointID: e.ID, AccountID: e.AccountID,
		MessageID: "msg_" + id, EventSeq: ev.Seq, EventType: model.WebhookEventType(ev.Type), Payload: string(body),
		Status: model.DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now})
	if err != nil || !created {
		return false, err
	}
	return true, s.schedule(ctx, id, now)
}

// DeliverDue makes one attempt of every delivery due now, at most limit of them, up to workers at a time,
// and returns how many it attempted.
func (s *Service) DeliverDue(ctx context.Context, limit, workers int) (int, error) {
	ids, err := s.DB.DueWebhookDeliveries(ctx, s.Clock.Now(), limit)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, max(workers, 1))
	errc := make(chan error, len(ids))
	for _, id := range ids {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errc <- s.Attempt(ctx, id)
		}()
	}
	for range cap(sem) {
		sem <- struct{}{}
	}
	close(errc)
	for err := range errc {
		if err != nil {
			return len(ids), err
		}
	}
	return len(ids), nil
}

// Attempt makes one HTTP attempt of a delivery if it is pending and due, and records the outcome: success,
// a retry after exponential backoff with jitter, or, past RetryWindow, failure and the endpoint disabled with
// an audit event for the account's administrators. A delivery not pending or not due (done, or taken by
// another worker) is left alone, so calling it twice, or from two replicas, attempts once.
func (s *Service) Attempt(ctx context.Context, deliveryID string) error {
	now := s.Clock.Now()
	claimed, err := s.DB.ClaimWebhookDelivery(ctx, deliveryID, now, now.Add(s.timeout()+time.Minute))
	if err != nil || !claimed {
		return err
	}
	d, err := s.DB.WebhookDelivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	e, err := s.DB.WebhookEndpoint(ctx, d.AccountID, d.EndpointID)
	if err != nil {
		return err
	}
	if e.State != model.WebhookEnabled {
		return s.DB.FinishWebhookAttempt(ctx, d.ID, model.WebhookAttempt{At: now, Error: "the endpoint is disabled"},
			model.DeliveryFailed, nil)
	}
	// The duration is a measurement for the log, not logic: it is taken from the monotonic clock.
	start := time.Now()
	code, sendErr := s.send(ctx, e, d, now)
	a := model.WebhookAttempt{At: now, StatusCode: code, DurationMS: time.Since(start).Milliseconds()}
	if sendErr == nil {
		return s.DB.FinishWebhookAttempt(ctx, d.ID, a, model.DeliverySucceeded, nil)
	}
	a.Error = sendErr.Error()
	next := s.Clock.Now().Add(s.backoff(d.Attempts))
	if next.Before(d.CreatedAt.Add(RetryWindow)) {
		return s.DB.InTx(ctx, func(ctx context.Context) error {
			if err := s.DB.FinishWebhookAttempt(ctx, d.ID, a, model.DeliveryPending, &next); err != nil {
				return err
			}
			return s.schedule(ctx, d.ID, next)
		})
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.FinishWebhookAttempt(ctx, d.ID, a, model.DeliveryFailed, nil); err != nil {
			return err
		}
		return s.disableFailing(ctx, e, d)
	})
}

// disableFailing disables an endpoint whose delivery failed for RetryWindow, with an audit event by "system"
// that the account's administrators see in the audit log and the endpoint's state and reason in the UI.
func (s *Service) disableFailing(ctx context.Context, e *model.WebhookEndpoint, d *model.WebhookDelivery) error {
	cur, err := s.DB.WebhookEndpoint(ctx, e.AccountID, e.ID)
	if err != nil || cur.State != model.WebhookEnabled {
		return err
	}
	cur.State = model.WebhookDisabled
	cur.DisabledReason = model.WebhookDisabledFailing
	cur.UpdatedAt = s.Clock.Now()
	if err := s.DB.UpdateWebhookEndpoint(ctx, cur); err != nil {
		return err
	}
	if err := s.DB.FailPendingWebhookDeliveries(ctx, cur.ID, cur.UpdatedAt); err != nil {
		return err
	}
	s.log().Warn("webhook endpoint disabled after persistent failure", "endpoint", cur.ID, "account", cur.AccountID)
	return s.audit(ctx, "system", audit.WebhookDisable, cur, map[string]any{"reason": model.WebhookDisabledFailing,
		"delivery_id": d.ID, "host": hostOf(cur.URL)})
}

// backoff is the wait after the nth failed attempt: 30 s doubling to at most 2 h, the upper half jittered
// so that deliveries failing together do not retry together.
func (s *Service) backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	jitter := s.Jitter
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d) }
	}
	return d/2 + jitter(d/2)
}

// send posts a delivery, signed with the endpoint's secret and, during a rotation's overlap, its previous
// one. Anything but a 2xx answer within the deadline is an error; a redirect is not followed.
func (s *Service) send(ctx context.Context, e *model.WebhookEndpoint, d *model.WebhookDelivery, now time.Time) (int, error) {
	secret, err := s.Sealer.Open(e.ID, e.Secret)
	if err != nil {
		return 0, err
	}
	secrets := []string{secret}
	if e.PreviousSecret != "" && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		prev, err := s.Sealer.Open(e.ID, e.PreviousSecret)
		if err != nil {
			return 0, err
		}
		secrets = append(secrets, prev)
	}
	body := []byte(d.Payload)
	sig, err := Signature(d.MessageID, now, body, secrets...)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kcr-webhooks/1")
	req.Header.Set(HeaderID, d.MessageID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := s.httpClient().Do(req)
	if err != nil {
		// The log shows the cause without the URL, which the endpoint's page shows anyway.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // only to reuse the connection
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return resp.StatusCode, fmt.Errorf("HTTP %d: redirects are not followed", resp.StatusCode)
		}
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// Run dispatches every interval until ctx ends, and without a job queue (Register) also attempts the due
// deliveries. Every replica may run it: replicas take turns on the dispatcher's position, and an attempt is
// claimed by one of them (see Dispatch and Attempt).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Dispatch(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("webhook dispatch", "err", err)
		}
		if s.Jobs == nil {
			if _, err := s.DeliverDue(ctx, 100, 4); err != nil && ctx.Err() == nil {
				s.log().Error("webhook delivery", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
