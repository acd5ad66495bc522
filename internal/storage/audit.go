package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/model"
)

// AppendAudit writes an audit event, and when feed is non-nil the matching feed event, in the caller's
// transaction (it opens one if there is none). Updating the head row first makes appenders wait for each
// other, on PostgreSQL by the row lock and on SQLite by the database write lock.
func (db *DB) AppendAudit(ctx context.Context, ev *audit.Event, feed *model.FeedEvent) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		var seq int64
		var prev string
		if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		detail, err := audit.EncodeDetail(ev.Detail)
		if err != nil {
			return err
		}
		at := micros(ev.At)
		ev.Seq, ev.PrevHash = seq, prev
		ev.Hash = audit.Hash(seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.AccountID, ev.OrganizationID, detail, prev)
		if _, err := db.exec(ctx, `INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, account_id,
			organization_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			seq, at, ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.AccountID, ev.OrganizationID, detail, prev, ev.Hash); err != nil {
			return fmt.Errorf("insert audit event: %w", err)
		}
		if _, err := db.exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, ev.Hash); err != nil {
			return fmt.Errorf("update audit head: %w", err)
		}
		if feed == nil {
			return nil
		}
		data, err := json.Marshal(feed.Data)
		if err != nil {
			return err
		}
		feed.Seq = seq
		_, err = db.exec(ctx, `INSERT INTO feed_events (seq, at, account_id, organization_id, type, object_id, data)
			VALUES (?,?,?,?,?,?,?)`, seq, at, feed.AccountID, feed.OrganizationID, feed.Type, feed.ObjectID, string(data))
		return err
	})
}

// VerifyAudit walks the whole audit chain in order and returns how many events verified, or a
// *audit.BrokenLink naming the first bad one.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var v audit.Verifier
	const batch = 5000
	var last int64
	for {
		rows, err := db.query(ctx, `SELECT seq, at, actor, action, object_type, object_id, account_id, organization_id,
			detail, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, last, batch)
		if err != nil {
			return v.Checked(), err
		}
		n := 0
		for rows.Next() {
			var e audit.Stored
			if err := rows.Scan(&e.Seq, &e.AtMicros, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.AccountID,
				&e.OrgID, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				rows.Close()
				return v.Checked(), err
			}
			n++
			last = e.Seq
			if err := v.Check(e); err != nil {
				rows.Close()
				return v.Checked(), err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return v.Checked(), err
		}
		if n < batch {
			break
		}
	}
	var headSeq int64
	var headHash string
	if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return v.Checked(), err
	}
	return v.Checked(), v.Finish(headSeq, headHash)
}

const auditColumns = `seq, at, actor, action, object_type, object_id, account_id, organization_id, detail, prev_hash, hash`

func scanAuditEvent(sc interface{ Scan(...any) error }) (audit.Event, error) {
	var e audit.Event
	var at int64
	var detail string
	if err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.AccountID, &e.OrganizationID,
		&detail, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.At = fromMicros(at)
	return e, json.Unmarshal([]byte(detail), &e.Detail)
}

// AuditEvents returns the audit events about one object, oldest first.
func (db *DB) AuditEvents(ctx context.Context, objectType, objectID string) ([]audit.Event, error) {
	return queryAll(ctx, db, scanAuditEvent, `SELECT `+auditColumns+` FROM audit_events WHERE object_type = ? AND object_id = ?
		ORDER BY seq`, objectType, objectID)
}

// FeedEvents returns up to limit feed events after seq that the scope may see.
func (db *DB) FeedEvents(ctx context.Context, s Scope, afterSeq int64, limit int) ([]model.FeedEvent, error) {
	where, args := s.clause("account_id", "organization_id", "")
	if s.EmployeeID != "" {
		where, args = " AND 1 = 0", nil
	}
	args = append([]any{afterSeq}, args...)
	args = append(args, limit)
	rows, err := db.query(ctx, `SELECT seq, at, account_id, organization_id, type, object_id, data FROM feed_events
		WHERE seq > ?`+where+` ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.FeedEvent
	for rows.Next() {
		var e model.FeedEvent
		var at int64
		var data string
		if err := rows.Scan(&e.Seq, &at, &e.AccountID, &e.OrganizationID, &e.Type, &e.ObjectID, &data); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditFilter narrows the audit log for the viewer.
type AuditFilter struct {
	AccountID  string // "" for every account (the CA operator)
	Action     string // prefix, e.g. "application." or "employee.read"
	ObjectType string
	ObjectID   string
	Actor      string
	BeforeSeq  int64 // 0 for the newest
	Limit      int
}

// AuditLog lists audit events newest first.
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) ([]audit.Event, error) {
	where, args := "", []any{}
	for _, c := range []struct{ col, v string }{{"account_id", f.AccountID}, {"object_type", f.ObjectType},
		{"object_id", f.ObjectID}, {"actor", f.Actor}} {
		if c.v != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if f.Action != "" {
		where += " AND action >= ? AND action < ?"
		args = append(args, f.Action, f.Action+"\U0010FFFF")
	}
	if f.BeforeSeq > 0 {
		where += " AND seq < ?"
		args = append(args, f.BeforeSeq)
	}
	return queryAll(ctx, db, scanAuditEvent, `SELECT `+auditColumns+` FROM audit_events WHERE 1 = 1`+where+
		` ORDER BY seq DESC LIMIT ?`, append(args, f.Limit)...)
}
