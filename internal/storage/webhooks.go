package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

const webhookEndpointColumns = `id, account_id, api_key_id, url, description, event_types, state, disabled_reason, secret,
	previous_secret, previous_secret_until, created_by, created_at, updated_at`

func scanWebhookEndpoint(r interface{ Scan(...any) error }) (*model.WebhookEndpoint, error) {
	var e model.WebhookEndpoint
	var types string
	var until *int64
	var created, updated int64
	if err := r.Scan(&e.ID, &e.AccountID, &e.APIKeyID, &e.URL, &e.Description, &types, &e.State, &e.DisabledReason,
		&e.Secret, &e.PreviousSecret, &until, &e.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return nil, fmt.Errorf("webhook endpoint %s event types: %w", e.ID, err)
	}
	e.PreviousSecretUntil = fromOptMicros(until)
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &e, nil
}

// CreateWebhookEndpoint stores a new endpoint.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, e *model.WebhookEndpoint) error {
	types, err := json.Marshal(e.EventTypes)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO webhook_endpoints (`+webhookEndpointColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.ID, e.AccountID, e.APIKeyID, e.URL, e.Description, string(types), string(e.State), e.DisabledReason, e.Secret,
		e.PreviousSecret, optMicros(e.PreviousSecretUntil), e.CreatedBy, micros(e.CreatedAt), micros(e.UpdatedAt))
	return err
}

// UpdateWebhookEndpoint rewrites an endpoint's changeable fields (everything but its id, account, key and
// creation).
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, e *model.WebhookEndpoint) error {
	types, err := json.Marshal(e.EventTypes)
	if err != nil {
		return err
	}
	res, err := db.exec(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, state = ?,
		disabled_reason = ?, secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE id = ?`,
		e.URL, e.Description, string(types), string(e.State), e.DisabledReason, e.Secret, e.PreviousSecret,
		optMicros(e.PreviousSecretUntil), micros(e.UpdatedAt), e.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNoRows
	}
	return err
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries and their attempts.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN
			(SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`, id); err != nil {
			return err
		}
		if _, err := db.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return err
		}
		res, err := db.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return ErrNoRows
		}
		return err
	})
}

// WebhookEndpoint returns one endpoint; accountID "" looks in every account.
func (db *DB) WebhookEndpoint(ctx context.Context, accountID, id string) (*model.WebhookEndpoint, error) {
	if accountID == "" {
		return scanWebhookEndpoint(db.queryRow(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE id = ?`, id))
	}
	return scanWebhookEndpoint(db.queryRow(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
		WHERE id = ? AND account_id = ?`, id, accountID))
}

// WebhookEndpoints lists an account's endpoints, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context, accountID string) ([]*model.WebhookEndpoint, error) {
	return queryAll(ctx, db, scanWebhookEndpoint, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
		WHERE account_id = ? ORDER BY id`, accountID)
}

// EnabledWebhookEndpoints lists every enabled endpoint of every account, for the dispatcher.
func (db *DB) EnabledWebhookEndpoints(ctx context.Context) ([]*model.WebhookEndpoint, error) {
	return queryAll(ctx, db, scanWebhookEndpoint, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
		WHERE state = ? ORDER BY account_id, id`, string(model.WebhookEnabled))
}

// LockWebhookCursor takes the dispatcher's position in the feed for the rest of the transaction (a second
// dispatcher waits for it on PostgreSQL; SQLite's write transactions are serialized) and returns it.
func (db *DB) LockWebhookCursor(ctx context.Context) (int64, error) {
	if _, err := db.exec(ctx, `UPDATE webhook_cursor SET seq = seq WHERE id = 1`); err != nil {
		return 0, fmt.Errorf("lock the webhook cursor: %w", err)
	}
	var seq int64
	err := db.queryRow(ctx, `SELECT seq FROM webhook_cursor WHERE id = 1`).Scan(&seq)
	return seq, err
}

// SetWebhookCursor moves the dispatcher's position; call it in the transaction that took the lock.
func (db *DB) SetWebhookCursor(ctx context.Context, seq int64) error {
	_, err := db.exec(ctx, `UPDATE webhook_cursor SET seq = ? WHERE id = 1`, seq)
	return err
}

const webhookDeliveryColumns = `id, endpoint_id, account_id, message_id, event_seq, event_type, payload, status, attempts,
	next_attempt_at, replay_of, created_at, updated_at`

func scanWebhookDelivery(r interface{ Scan(...any) error }) (*model.WebhookDelivery, error) {
	var d model.WebhookDelivery
	var next *int64
	var created, updated int64
	if err := r.Scan(&d.ID, &d.EndpointID, &d.AccountID, &d.MessageID, &d.EventSeq, &d.EventType, &d.Payload, &d.Status,
		&d.Attempts, &next, &d.ReplayOf, &created, &updated); err != nil {
		return nil, err
	}
	d.NextAttemptAt = fromOptMicros(next)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, nil
}

// InsertWebhookDelivery stores a delivery and reports whether it was new: a second delivery of the same
// event to the same endpoint (not a replay) is silently skipped.
func (db *DB) InsertWebhookDelivery(ctx context.Context, d *model.WebhookDelivery) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO webhook_deliveries (`+webhookDeliveryColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT DO NOTHING`, d.ID, d.EndpointID, d.AccountID, d.MessageID, d.EventSeq, string(d.EventType), d.Payload,
		string(d.Status), d.Attempts, optMicros(d.NextAttemptAt), d.ReplayOf, micros(d.CreatedAt), micros(d.UpdatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// WebhookDelivery returns one delivery.
func (db *DB) WebhookDelivery(ctx context.Context, id string) (*model.WebhookDelivery, error) {
	return scanWebhookDelivery(db.queryRow(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
}

// WebhookDeliveries lists an endpoint's deliveries newest first, at most limit of them created before the
// delivery beforeID ("" for the newest).
func (db *DB) WebhookDeliveries(ctx context.Context, endpointID, beforeID string, limit int) ([]*model.WebhookDelivery, error) {
	if beforeID == "" {
		return queryAll(ctx, db, scanWebhookDelivery, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
			WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?`, endpointID, limit)
	}
	return queryAll(ctx, db, scanWebhookDelivery, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, endpointID, beforeID, limit)
}

// DueWebhookDeliveries returns the ids of pending deliveries whose next attempt is due at now, oldest first.
func (db *DB) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return queryAll(ctx, db, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
		micros(now), limit)
}

// ClaimWebhookDelivery takes a due pending delivery for one attempt: it counts the attempt and moves the next
// attempt to leaseUntil, so that no other worker takes it meanwhile and a crashed worker's attempt is retried
// then. It reports false when the delivery is not pending or not due (already done, or taken).
func (db *DB) ClaimWebhookDelivery(ctx context.Context, id string, now, leaseUntil time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
		WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`, micros(leaseUntil), micros(now), id, micros(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishWebhookAttempt logs an attempt and sets the delivery's status and next attempt (nil unless pending).
func (db *DB) FinishWebhookAttempt(ctx context.Context, deliveryID string, a model.WebhookAttempt, status model.DeliveryStatus,
	next *time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES (?,?,?,?,?)`,
			deliveryID, micros(a.At), a.StatusCode, a.Error, a.DurationMS); err != nil {
			return err
		}
		_, err := db.exec(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
			string(status), optMicros(next), micros(a.At), deliveryID)
		return err
	})
}

// FailPendingWebhookDeliveries ends an endpoint's pending deliveries as failed (the endpoint was disabled).
func (db *DB) FailPendingWebhookDeliveries(ctx context.Context, endpointID string, now time.Time) error {
	_, err := db.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = ?
		WHERE endpoint_id = ? AND status = 'pending'`, micros(now), endpointID)
	return err
}

// WebhookAttempts returns a delivery's attempts, oldest first.
func (db *DB) WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error) {
	return queryAll(ctx, db, func(r interface{ Scan(...any) error }) (model.WebhookAttempt, error) {
		var a model.WebhookAttempt
		var at int64
		err := r.Scan(&at, &a.StatusCode, &a.Error, &a.DurationMS)
		a.At = fromMicros(at)
		return a, err
	}, `SELECT at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
}
