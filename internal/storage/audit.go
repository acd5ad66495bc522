package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/model"
)

// AppendAudit writes an audit event, and when feed is non-nil the matching feed event, in the caller's
// transaction (it opens one if there is none).
//
// On SQLite, whose writers are serialized anyway, the event is chained at once: ev.Seq, ev.PrevHash, ev.Hash
// and feed.Seq are set. On PostgreSQL a chain link made in the writing transaction would make every audited
// write wait for every other (issue 11, defect 7): the event is stored unchained in audit_pending, touching
// no shared row, and SequenceAudit chains it once the transaction has committed; ev.Seq stays 0.
func (db *DB) AppendAudit(ctx context.Context, ev *audit.Event, feed *model.FeedEvent) error {
	p, err := newPending(ev, feed)
	if err != nil {
		return err
	}
	if db.dialect == Postgres {
		_, err := db.exec(ctx, `INSERT INTO audit_pending (`+pendingColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			p.at, p.actor, p.action, p.objectType, p.objectID, p.accountID, p.orgID, p.detail,
			p.feedType, p.feedAccountID, p.feedOrgID, p.feedObjectID, p.feedData)
		if err != nil {
			return fmt.Errorf("insert audit event: %w", err)
		}
		return nil
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		links, err := db.chain(ctx, []pendingEvent{p})
		if err != nil {
			return err
		}
		ev.Seq, ev.PrevHash, ev.Hash = links[0].seq, links[0].prev, links[0].hash
		if feed != nil {
			feed.Seq = ev.Seq
		}
		return nil
	})
}

// pendingEvent is an audit event, and its feed event if any, as stored before it is chained.
type pendingEvent struct {
	id                                                         int64
	at                                                         int64
	actor, action, objectType, objectID, accountID, orgID      string
	detail                                                     string
	feedType, feedAccountID, feedOrgID, feedObjectID, feedData *string // nil without a feed event
}

const pendingColumns = `at, actor, action, object_type, object_id, account_id, organization_id, detail,
	feed_type, feed_account_id, feed_organization_id, feed_object_id, feed_data`

func newPending(ev *audit.Event, feed *model.FeedEvent) (pendingEvent, error) {
	detail, err := audit.EncodeDetail(ev.Detail)
	if err != nil {
		return pendingEvent{}, err
	}
	p := pendingEvent{at: micros(ev.At), actor: ev.Actor, action: ev.Action, objectType: ev.ObjectType, objectID: ev.ObjectID,
		accountID: ev.AccountID, orgID: ev.OrganizationID, detail: detail}
	if feed != nil {
		data, err := json.Marshal(feed.Data)
		if err != nil {
			return p, err
		}
		s := string(data)
		p.feedType, p.feedAccountID, p.feedOrgID, p.feedObjectID, p.feedData = &feed.Type, &feed.AccountID,
			&feed.OrganizationID, &feed.ObjectID, &s
	}
	return p, nil
}

// link is the place in the chain an event was given.
type link struct {
	seq        int64
	prev, hash string
}

// chain appends events to the chain in the given order, with their feed events under the same sequence
// numbers, and advances the head. The head's row lock serializes chainers: on SQLite every writer, on
// PostgreSQL only sequencers (which take turns by an advisory lock before they get here anyway).
func (db *DB) chain(ctx context.Context, evs []pendingEvent) ([]link, error) {
	if _, err := db.exec(ctx, `UPDATE audit_head SET seq = seq + ? WHERE id = 1`, len(evs)); err != nil {
		return nil, fmt.Errorf("lock audit head: %w", err)
	}
	var last int64
	var prev string
	if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&last, &prev); err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	seq := last - int64(len(evs))
	links := make([]link, len(evs))
	for i, e := range evs {
		seq++
		h := audit.Hash(seq, e.at, e.actor, e.action, e.objectType, e.objectID, e.accountID, e.orgID, e.detail, prev)
		links[i] = link{seq: seq, prev: prev, hash: h}
		prev = h
	}
	const rowsPerInsert = 100
	for lo := 0; lo < len(evs); lo += rowsPerInsert {
		hi := min(lo+rowsPerInsert, len(evs))
		var audits, feeds []string
		var auditArgs, feedArgs []any
		for i := lo; i < hi; i++ {
			e, l := evs[i], links[i]
			audits = append(audits, "(?,?,?,?,?,?,?,?,?,?,?)")
			auditArgs = append(auditArgs, l.seq, e.at, e.actor, e.action, e.objectType, e.objectID, e.accountID, e.orgID,
				e.detail, l.prev, l.hash)
			if e.feedType != nil {
				feeds = append(feeds, "(?,?,?,?,?,?,?)")
				feedArgs = append(feedArgs, l.seq, e.at, *e.feedAccountID, *e.feedOrgID, *e.feedType, *e.feedObjectID, *e.feedData)
			}
		}
		if _, err := db.exec(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES `+strings.Join(audits, ","),
			auditArgs...); err != nil {
			return nil, fmt.Errorf("insert audit event: %w", err)
		}
		if len(feeds) > 0 {
			if _, err := db.exec(ctx, `INSERT INTO feed_events (seq, at, account_id, organization_id, type, object_id, data)
				VALUES `+strings.Join(feeds, ","), feedArgs...); err != nil {
				return nil, fmt.Errorf("insert feed event: %w", err)
			}
		}
	}
	if _, err := db.exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, prev); err != nil {
		return nil, fmt.Errorf("update audit head: %w", err)
	}
	return links, nil
}

// sequenceBatch bounds one sequencer transaction, so that it holds the sequencer lock briefly.
const sequenceBatch = 500

// auditSequencerLock is the PostgreSQL advisory lock key sequencers take turns by.
const auditSequencerLock = 7345003

// SequenceAudit chains every audit event committed so far but not yet chained, waiting for a sequencer
// running elsewhere to finish first, and returns how many it chained. Reads that show the chain or the feed
// call it first, so that they see what was written before them. A run chains the committed events in the
// order they were stored; an event whose transaction is still running is invisible to it and is chained by
// a later run, after the ones chained now. Runs take turns, and each commits its numbers at once, so sequence
// numbers stay gapless and a reader that has seen one number has seen every smaller one: a feed poller never
// skips an event. On SQLite, where AppendAudit chains at once, it does nothing.
func (db *DB) SequenceAudit(ctx context.Context) (int, error) {
	return db.sequence(ctx, true)
}

// TrySequenceAudit is SequenceAudit for the periodic sequencer of each replica: when another is chaining at
// that moment it returns at once.
func (db *DB) TrySequenceAudit(ctx context.Context) (int, error) {
	return db.sequence(ctx, false)
}

func (db *DB) sequence(ctx context.Context, wait bool) (int, error) {
	if db.dialect != Postgres {
		return 0, nil
	}
	// The sequencer commits on its own, never in (or after) the caller's transaction.
	ctx = context.WithValue(ctx, txKey{}, nil)
	total := 0
	for {
		var pending int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM audit_pending LIMIT 1) p`).Scan(&pending); err != nil {
			return total, fmt.Errorf("look for unchained audit events: %w", err)
		}
		if pending == 0 {
			return total, nil
		}
		n := 0
		err := db.InTx(ctx, func(ctx context.Context) error {
			if wait {
				if _, err := db.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, auditSequencerLock); err != nil {
					return err
				}
			} else {
				var got bool
				if err := db.queryRow(ctx, `SELECT pg_try_advisory_xact_lock(?)`, auditSequencerLock).Scan(&got); err != nil || !got {
					return err
				}
			}
			evs, err := db.pendingEvents(ctx)
			if err != nil || len(evs) == 0 {
				return err
			}
			if _, err := db.chain(ctx, evs); err != nil {
				return err
			}
			// By id, never by range: an event with a smaller id whose transaction commits later was not
			// read above and must stay.
			ids := make([]string, len(evs))
			for i, e := range evs {
				ids[i] = strconv.FormatInt(e.id, 10)
			}
			if _, err := db.exec(ctx, `DELETE FROM audit_pending WHERE id IN (`+strings.Join(ids, ",")+`)`); err != nil {
				return fmt.Errorf("delete chained audit events: %w", err)
			}
			n = len(evs)
			return nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("sequence audit events: %w", err)
		}
		if n < sequenceBatch {
			return total, nil
		}
	}
}

// pendingEvents reads the oldest committed unchained events, at most one batch.
func (db *DB) pendingEvents(ctx context.Context) ([]pendingEvent, error) {
	rows, err := db.query(ctx, `SELECT id, `+pendingColumns+` FROM audit_pending ORDER BY id LIMIT ?`, sequenceBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingEvent
	for rows.Next() {
		var e pendingEvent
		if err := rows.Scan(&e.id, &e.at, &e.actor, &e.action, &e.objectType, &e.objectID, &e.accountID, &e.orgID, &e.detail,
			&e.feedType, &e.feedAccountID, &e.feedOrgID, &e.feedObjectID, &e.feedData); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sequenceForRead chains what is committed before a read of the chain or the feed on PostgreSQL. Inside a
// transaction it does nothing: the sequencer needs a second connection, and a caller holding one while
// waiting for another could exhaust the pool; such reads see what the sequencer has chained so far.
func (db *DB) sequenceForRead(ctx context.Context) error {
	if _, inTx := ctx.Value(txKey{}).(*sql.Tx); inTx {
		return nil
	}
	_, err := db.SequenceAudit(ctx)
	return err
}

// VerifyAudit chains what is committed and not chained yet (SequenceAudit), then walks the whole audit chain
// in order and returns how many events verified, or a *audit.BrokenLink naming the first bad one.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var v audit.Verifier
	if _, err := db.SequenceAudit(ctx); err != nil {
		return 0, err
	}
	// One snapshot for the events and the head: writers and the sequencers of running replicas go on
	// chaining, and a head read after the walk would be ahead of it. A read-only transaction is a snapshot
	// on SQLite (WAL) and, at repeatable read, on PostgreSQL; neither blocks a writer.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ctx = context.WithValue(ctx, txKey{}, tx)
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

// AuditEvents returns the chained audit events about one object, oldest first (see sequenceForRead).
func (db *DB) AuditEvents(ctx context.Context, objectType, objectID string) ([]audit.Event, error) {
	if err := db.sequenceForRead(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, db, scanAuditEvent, `SELECT `+auditColumns+` FROM audit_events WHERE object_type = ? AND object_id = ?
		ORDER BY seq`, objectType, objectID)
}

// FeedEvents returns up to limit feed events after seq that the scope may see: only chained events, so
// that the cursor only moves forward (see SequenceAudit and sequenceForRead).
func (db *DB) FeedEvents(ctx context.Context, s Scope, afterSeq int64, limit int) ([]model.FeedEvent, error) {
	if err := db.sequenceForRead(ctx); err != nil {
		return nil, err
	}
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

// AuditLog lists chained audit events newest first (see sequenceForRead).
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) ([]audit.Event, error) {
	if err := db.sequenceForRead(ctx); err != nil {
		return nil, err
	}
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
