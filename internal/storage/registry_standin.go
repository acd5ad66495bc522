package storage

import (
	"context"
	"time"
)

// StandinEntry is one power of attorney as the built-in registry stand-in (internal/mchd/standin) holds it:
// the submitted file and signature, the registry's status with its reason and time, and what it read from
// the file for its public status page.
type StandinEntry struct {
	Number    string
	Operation string
	File      []byte
	Signature []byte
	// Status is a mchd.RegistryStatus; Reason explains REJECTED and REVOKED; StatusAt is when it was reached.
	Status   string
	Reason   string
	StatusAt time.Time
	// SubmittedAt is when the registration was received; RegisteredAt when it became ACTIVE (zero before).
	SubmittedAt  time.Time
	RegisteredAt time.Time
	// GrantorName, GrantorINN, IssueDate and EndDate (Moscow dates, YYYY-MM-DD) are read from the file when
	// the registration is decided; empty before, or when the file could not be read.
	GrantorName string
	GrantorINN  string
	IssueDate   string
	EndDate     string
}

const standinColumns = `number, operation, file, signature, status, reason, status_at, submitted_at, registered_at,
	grantor_name, grantor_inn, issue_date, end_date`

// StandinEntry returns the stand-in's entry for a number; ErrNoRows when it has none.
func (db *DB) StandinEntry(ctx context.Context, number string) (*StandinEntry, error) {
	var e StandinEntry
	var statusAt, submitted, registered int64
	err := db.queryRow(ctx, `SELECT `+standinColumns+` FROM mchd_registry_standin WHERE number = ?`, number).Scan(
		&e.Number, &e.Operation, &e.File, &e.Signature, &e.Status, &e.Reason, &statusAt, &submitted, &registered,
		&e.GrantorName, &e.GrantorINN, &e.IssueDate, &e.EndDate)
	if err != nil {
		return nil, err
	}
	e.StatusAt, e.SubmittedAt = fromMicros(statusAt), fromMicros(submitted)
	if registered != 0 {
		e.RegisteredAt = fromMicros(registered)
	}
	return &e, nil
}

// InsertStandinEntry stores a new entry and reports whether it did: false when the number already has one
// (perhaps inserted by another replica a moment ago).
func (db *DB) InsertStandinEntry(ctx context.Context, e *StandinEntry) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO mchd_registry_standin (`+standinColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (number) DO NOTHING`,
		e.Number, e.Operation, e.File, e.Signature, e.Status, e.Reason, micros(e.StatusAt), micros(e.SubmittedAt),
		standinMicros(e.RegisteredAt), e.GrantorName, e.GrantorINN, e.IssueDate, e.EndDate)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReplaceStandinEntry overwrites the entry of e.Number with e, but only while the stored entry is still the
// one the caller read (its operation and status as given), and reports whether it did. Replicas deciding,
// expiring or revoking the same entry at once thus change it once; the others read it again.
func (db *DB) ReplaceStandinEntry(ctx context.Context, e *StandinEntry, operation, status string) (bool, error) {
	res, err := db.exec(ctx, `UPDATE mchd_registry_standin SET operation = ?, file = ?, signature = ?, status = ?,
		reason = ?, status_at = ?, submitted_at = ?, registered_at = ?, grantor_name = ?, grantor_inn = ?,
		issue_date = ?, end_date = ? WHERE number = ? AND operation = ? AND status = ?`,
		e.Operation, e.File, e.Signature, e.Status, e.Reason, micros(e.StatusAt), micros(e.SubmittedAt),
		standinMicros(e.RegisteredAt), e.GrantorName, e.GrantorINN, e.IssueDate, e.EndDate,
		e.Number, operation, status)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// standinMicros stores the zero time as 0, the stand-in's "not yet".
func standinMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}
