package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// MailStatus is where an outbox message stands.
type MailStatus string

// Outbox message statuses.
const (
	MailQueued    MailStatus = "queued"    // waiting for its next attempt
	MailSending   MailStatus = "sending"   // claimed by a sender until ClaimedUntil
	MailSent      MailStatus = "sent"      // the SMTP server accepted it
	MailFailed    MailStatus = "failed"    // refused for good, or out of attempts; Answer says why
	MailCancelled MailStatus = "cancelled" // no longer due (reminder's certificate reissued, no address, unsubscribed)
)

// MailMessage is one outbox row. EmployeeID is the recipient: the address is read at sending time.
type MailMessage struct {
	ID, DedupKey, AccountID, EmployeeID string
	Template, Category                  string
	Data                                string // the template's input as JSON
	Status                              MailStatus
	Attempts                            int
	NextAttemptAt, ClaimedUntil         time.Time
	Answer                              string // the SMTP server's last answer or the local failure
	CreatedAt, SentAt                   time.Time
}

const mailColumns = `id, dedup_key, account_id, employee_id, template, category, data, status, attempts, next_attempt_at,
	claimed_until, answer, created_at, sent_at`

func scanMail(sc interface{ Scan(...any) error }) (*MailMessage, error) {
	var m MailMessage
	var next, claimed, created, sent int64
	if err := sc.Scan(&m.ID, &m.DedupKey, &m.AccountID, &m.EmployeeID, &m.Template, &m.Category, &m.Data, &m.Status,
		&m.Attempts, &next, &claimed, &m.Answer, &created, &sent); err != nil {
		return nil, err
	}
	m.NextAttemptAt, m.ClaimedUntil, m.CreatedAt = fromMicros(next), fromMicros(claimed), fromMicros(created)
	if sent != 0 {
		m.SentAt = fromMicros(sent)
	}
	return &m, nil
}

// EnqueueMail stores a queued message unless one with its dedup key exists; it tells whether it stored it.
func (db *DB) EnqueueMail(ctx context.Context, m *MailMessage) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO mail_outbox (id, dedup_key, account_id, employee_id, template, category, data,
		status, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (dedup_key) DO NOTHING`,
		m.ID, m.DedupKey, m.AccountID, m.EmployeeID, m.Template, m.Category, m.Data, MailQueued, micros(m.NextAttemptAt), micros(m.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("enqueue mail: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Mail returns an outbox message by id, or ErrNoRows.
func (db *DB) Mail(ctx context.Context, id string) (*MailMessage, error) {
	return scanMail(db.queryRow(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE id = ?`, id))
}

// MailByDedupKey returns an outbox message by its dedup key, or ErrNoRows.
func (db *DB) MailByDedupKey(ctx context.Context, key string) (*MailMessage, error) {
	return scanMail(db.queryRow(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE dedup_key = ?`, key))
}

// ClaimMail takes a message for sending until `until`: one that is queued and due at now, or one whose
// previous claim ran out (its sender died). It returns nil when the message is not claimable (sent, failed,
// cancelled, not due, or claimed by another sender). The conditional update is the claim: of two senders
// only one changes the row (PostgreSQL re-checks the condition on the row the other committed).
func (db *DB) ClaimMail(ctx context.Context, id string, now, until time.Time) (*MailMessage, error) {
	res, err := db.exec(ctx, `UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, claimed_until = ?
		WHERE id = ? AND ((status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?))`,
		micros(until), id, micros(now), micros(now))
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, err
	}
	return db.Mail(ctx, id)
}

// FinishMail records a claimed message's outcome: status with the answer, the next attempt (for queued)
// and the sending time (for sent). It changes nothing, and says so, unless the caller's claim (its
// ClaimedUntil) still holds the row.
func (db *DB) FinishMail(ctx context.Context, m *MailMessage, status MailStatus, answer string, next, sentAt time.Time) (bool, error) {
	var sent int64
	if !sentAt.IsZero() {
		sent = micros(sentAt)
	}
	res, err := db.exec(ctx, `UPDATE mail_outbox SET status = ?, answer = ?, next_attempt_at = ?, sent_at = ?, claimed_until = 0
		WHERE id = ? AND status = 'sending' AND claimed_until = ?`,
		status, answer, micros(next), sent, m.ID, micros(m.ClaimedUntil))
	if err != nil {
		return false, fmt.Errorf("finish mail: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DueMail lists up to limit ids of messages a sender may claim at now, oldest due first.
func (db *DB) DueMail(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return db.idList(ctx, `SELECT id FROM (
		SELECT id, next_attempt_at AS due FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?
		UNION ALL
		SELECT id, claimed_until AS due FROM mail_outbox WHERE status = 'sending' AND claimed_until <= ?) d
		ORDER BY due, id LIMIT ?`, micros(now), micros(now), limit)
}

// MailRecipient is what sending needs to know of the recipient employee.
type MailRecipient struct {
	Email     string
	Dismissed bool
}

// MailRecipientOf reads an employee's address and whether they left, or ErrNoRows.
func (db *DB) MailRecipientOf(ctx context.Context, employeeID string) (*MailRecipient, error) {
	var r MailRecipient
	var dismissed int64
	if err := db.queryRow(ctx, `SELECT email, dismissed_at FROM employees WHERE id = ?`, employeeID).Scan(&r.Email, &dismissed); err != nil {
		return nil, err
	}
	r.Dismissed = dismissed != 0
	return &r, nil
}

// Notice is an in-app message to a user; ReadAt is zero while unread.
type Notice struct {
	ID, DedupKey, UserID, AccountID string
	Template                        string
	Data                            string // the template's input as JSON
	CreatedAt, ReadAt               time.Time
}

const noticeColumns = `id, dedup_key, user_id, account_id, template, data, created_at, read_at`

func scanNotice(sc interface{ Scan(...any) error }) (*Notice, error) {
	var n Notice
	var created, read int64
	if err := sc.Scan(&n.ID, &n.DedupKey, &n.UserID, &n.AccountID, &n.Template, &n.Data, &created, &read); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMicros(created)
	if read != 0 {
		n.ReadAt = fromMicros(read)
	}
	return &n, nil
}

// CreateNotice stores a notice unless one with its dedup key exists; it tells whether it stored it.
func (db *DB) CreateNotice(ctx context.Context, n *Notice) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO notices (`+noticeColumns+`) VALUES (?,?,?,?,?,?,?,0) ON CONFLICT (dedup_key) DO NOTHING`,
		n.ID, n.DedupKey, n.UserID, n.AccountID, n.Template, n.Data, micros(n.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("create notice: %w", err)
	}
	c, err := res.RowsAffected()
	return c == 1, err
}

// UnreadNotices lists up to limit unread notices of a user, newest first.
func (db *DB) UnreadNotices(ctx context.Context, userID string, limit int) ([]*Notice, error) {
	return queryAll(ctx, db, scanNotice, `SELECT `+noticeColumns+` FROM notices WHERE user_id = ? AND read_at = 0
		ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
}

// CountUnreadNotices counts a user's unread notices.
func (db *DB) CountUnreadNotices(ctx context.Context, userID string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM notices WHERE user_id = ? AND read_at = 0`, userID).Scan(&n)
	return n, err
}

// MarkNoticesRead marks notices of a user read at a time: the listed ones, or all of them when ids is nil.
// Another user's notice is never touched. It returns how many changed.
func (db *DB) MarkNoticesRead(ctx context.Context, userID string, ids []string, at time.Time) (int, error) {
	q := `UPDATE notices SET read_at = ? WHERE user_id = ? AND read_at = 0`
	args := []any{micros(at), userID}
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		q += ` AND id IN (` + placeholders(len(ids)) + `)`
		args = append(args, anySlice(ids)...)
	}
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Unsubscribe records that an employee refuses a category of mail; repeating it changes nothing.
func (db *DB) Unsubscribe(ctx context.Context, employeeID, category string, at time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO mail_unsubscribes (employee_id, category, at) VALUES (?,?,?)
		ON CONFLICT (employee_id, category) DO NOTHING`, employeeID, category, micros(at))
	return err
}

// Unsubscribed tells whether an employee refused a category of mail.
func (db *DB) Unsubscribed(ctx context.Context, employeeID, category string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM mail_unsubscribes WHERE employee_id = ? AND category = ?`, employeeID, category).Scan(&n)
	return n > 0, err
}

// NotifySecret returns the secret stored under name, storing gen first if there is none: every replica
// then uses the first one stored.
func (db *DB) NotifySecret(ctx context.Context, name string, gen []byte) ([]byte, error) {
	if _, err := db.exec(ctx, `INSERT INTO notify_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, gen); err != nil {
		return nil, err
	}
	var v []byte
	err := db.queryRow(ctx, `SELECT value FROM notify_secrets WHERE name = ?`, name).Scan(&v)
	return v, err
}

// ReminderCandidate is a certificate a reminder may be due for.
type ReminderCandidate struct {
	Serial, AccountID, OrganizationID, EmployeeID string
	Kind                                          model.CertKind
	NotBefore, NotAfter                           time.Time
	PlannedStep                                   int // the smallest reminder step planned so far; 0: none
}

// ReminderCandidates lists the valid, not replaced certificates of every account ending after from and
// no later than to that have no reissue application (one not declined or cancelled), by end date.
func (db *DB) ReminderCandidates(ctx context.Context, from, to time.Time) ([]ReminderCandidate, error) {
	rows, err := db.query(ctx, `SELECT c.serial, c.account_id, c.organization_id, c.employee_id, c.kind, c.not_before, c.not_after,
		COALESCE((SELECT MIN(r.days) FROM reminder_steps r WHERE r.ref = c.serial), 0)
		FROM certificates c WHERE c.status = 'valid' AND c.not_after > ? AND c.not_after <= ? AND c.replaced_by = ''
		AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.reissue_of = c.serial AND a.state NOT IN ('declined', 'cancelled'))
		ORDER BY c.not_after, c.serial`, micros(from), micros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReminderCandidate
	for rows.Next() {
		var c ReminderCandidate
		var nb, na int64
		if err := rows.Scan(&c.Serial, &c.AccountID, &c.OrganizationID, &c.EmployeeID, &c.Kind, &nb, &na, &c.PlannedStep); err != nil {
			return nil, err
		}
		c.NotBefore, c.NotAfter = fromMicros(nb), fromMicros(na)
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarkReminderStep records that a document's reminder step was planned.
func (db *DB) MarkReminderStep(ctx context.Context, ref string, days int, at time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO reminder_steps (ref, days, at) VALUES (?,?,?) ON CONFLICT (ref, days) DO NOTHING`, ref, days, micros(at))
	return err
}

// ReminderStillDue tells whether a certificate still wants expiry reminders at now: valid, not ended, not
// replaced and without a reissue application. A certificate that is not stored does not.
func (db *DB) ReminderStillDue(ctx context.Context, serial string, now time.Time) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM certificates c WHERE c.serial = ? AND c.status = 'valid' AND c.not_after > ?
		AND c.replaced_by = ''
		AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.reissue_of = c.serial AND a.state NOT IN ('declined', 'cancelled'))`,
		serial, micros(now)).Scan(&n)
	return n > 0, err
}

// NotifiedUser is an enabled user of an account, as notice and escalation planning needs it.
type NotifiedUser struct {
	ID         string
	Role       model.Role
	EmployeeID string          // "" when the user is not linked to an employee (no e-mail then)
	OrgIDs     map[string]bool // the organizations assigned to the user
}

// NotifiedUsers lists the enabled users of an account with their assigned organizations.
func (db *DB) NotifiedUsers(ctx context.Context, accountID string) ([]*NotifiedUser, error) {
	rows, err := db.query(ctx, `SELECT u.id, u.role, COALESCE(u.employee_id, ''), COALESCE(uo.organization_id, '')
		FROM users u LEFT JOIN user_organizations uo ON uo.user_id = u.id
		WHERE u.account_id = ? AND u.disabled = 0 ORDER BY u.id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*NotifiedUser
	for rows.Next() {
		var u NotifiedUser
		var org string
		if err := rows.Scan(&u.ID, &u.Role, &u.EmployeeID, &org); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == u.ID {
			if org != "" {
				out[n-1].OrgIDs[org] = true
			}
			continue
		}
		u.OrgIDs = map[string]bool{}
		if org != "" {
			u.OrgIDs[org] = true
		}
		out = append(out, &u)
	}
	return out, rows.Err()
}

// MailStatusCounts counts outbox messages by status (for tests and metrics).
func (db *DB) MailStatusCounts(ctx context.Context) (map[MailStatus]int, error) {
	rows, err := db.query(ctx, `SELECT status, COUNT(*) FROM mail_outbox GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[MailStatus]int{}
	for rows.Next() {
		var s MailStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
