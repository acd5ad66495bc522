package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// MailingStatus is where a mailing stands.
type MailingStatus string

// Mailing statuses.
const (
	MailingDraft   MailingStatus = "draft"   // editable; nothing sent
	MailingSending MailingStatus = "sending" // send was asked: the expansion job is materialising recipients
	MailingSent    MailingStatus = "sent"    // every recipient has its outbox message and notices
)

// Segment selects a mailing's recipients: employees (not dismissed) matching every filter set. The
// certificate filters (kinds, legacy, expiring) apply to one and the same valid certificate of the employee.
type Segment struct {
	AccountIDs      []string         `json:"account_ids,omitempty"`      // the CA operator's choice; an account administrator's own account
	OrganizationIDs []string         `json:"organization_ids,omitempty"` // organizations
	Kinds           []model.CertKind `json:"kinds,omitempty"`            // certificate kinds
	Legacy          bool             `json:"legacy,omitempty"`           // legacy employee certificates (issued before the 2023-09-01 step)
	ExpiringDays    int              `json:"expiring_days,omitempty"`    // a certificate ends within this many days
	StuckState      model.State      `json:"stuck_state,omitempty"`      // an application in this state …
	StuckDays       int              `json:"stuck_days,omitempty"`       // … unchanged for this many days
	NoSupplementary bool             `json:"no_supplementary,omitempty"` // the account has no supplementary agreement
	Roles           []model.Role     `json:"roles,omitempty"`            // linked to an enabled user of one of these roles
}

// SegmentAt fixes the moments a segment is evaluated against, so that a resumed expansion selects what the
// first run selected.
type SegmentAt struct {
	Now                time.Time // certificates valid at and applications stuck until this moment
	LegacyIssuedBefore time.Time // legacy: employee certificates issued before this (the EmployeesIndividual step)
}

// where renders the segment as a condition on employees e.
func (s *Segment) where(at SegmentAt) (string, []any) {
	conds := []string{"e.dismissed_at = 0"}
	var args []any
	in := func(col string, vs []string) {
		conds = append(conds, col+" IN ("+placeholders(len(vs))+")")
		args = append(args, anySlice(vs)...)
	}
	if len(s.AccountIDs) > 0 {
		in("e.account_id", s.AccountIDs)
	}
	if len(s.OrganizationIDs) > 0 {
		in("e.organization_id", s.OrganizationIDs)
	}
	if len(s.Kinds) > 0 || s.Legacy || s.ExpiringDays > 0 {
		c := []string{"c.employee_id = e.id", "c.status = 'valid'", "c.replaced_by = ''", "c.not_after > ?"}
		cargs := []any{micros(at.Now)}
		if len(s.Kinds) > 0 {
			c = append(c, "c.kind IN ("+placeholders(len(s.Kinds))+")")
			for _, k := range s.Kinds {
				cargs = append(cargs, string(k))
			}
		}
		if s.Legacy {
			c = append(c, "c.kind = ?", "c.not_before < ?")
			cargs = append(cargs, string(model.KindLegalEntityEmployee), micros(at.LegacyIssuedBefore))
		}
		if s.ExpiringDays > 0 {
			c = append(c, "c.not_after <= ?")
			cargs = append(cargs, micros(at.Now.Add(time.Duration(s.ExpiringDays)*24*time.Hour)))
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM certificates c WHERE "+strings.Join(c, " AND ")+")")
		args = append(args, cargs...)
	}
	if s.StuckState != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM applications a WHERE a.employee_id = e.id AND a.state = ? AND a.updated_at <= ?)")
		args = append(args, string(s.StuckState), micros(at.Now.Add(-time.Duration(s.StuckDays)*24*time.Hour)))
	}
	if s.NoSupplementary {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM agreements g WHERE g.account_id = e.account_id AND g.kind = ?)")
		args = append(args, string(model.AgreementSupplementary))
	}
	if len(s.Roles) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM users u WHERE u.employee_id = e.id AND u.disabled = 0 AND u.role IN ("+
			placeholders(len(s.Roles))+"))")
		for _, r := range s.Roles {
			args = append(args, string(r))
		}
	}
	return strings.Join(conds, " AND "), args
}

// SegmentReach is what a segment reaches: people, those of them with an e-mail address, organizations.
type SegmentReach struct {
	People, WithEmail, Organizations int
}

// CountSegment counts what a segment reaches.
func (db *DB) CountSegment(ctx context.Context, s *Segment, at SegmentAt) (SegmentReach, error) {
	w, args := s.where(at)
	var r SegmentReach
	err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN e.email <> '' THEN 1 ELSE 0 END), 0),
		COUNT(DISTINCT e.organization_id) FROM employees e WHERE `+w, args...).Scan(&r.People, &r.WithEmail, &r.Organizations)
	if err != nil {
		return r, fmt.Errorf("count segment: %w", err)
	}
	return r, nil
}

// SegmentOrganizations lists up to limit names of the organizations a segment reaches, alphabetically.
func (db *DB) SegmentOrganizations(ctx context.Context, s *Segment, at SegmentAt, limit int) ([]string, error) {
	w, args := s.where(at)
	return db.idList(ctx, `SELECT o.name FROM organizations o WHERE o.id IN (SELECT e.organization_id FROM employees e WHERE `+w+`)
		ORDER BY o.name, o.id LIMIT ?`, append(args, limit)...)
}

// SegmentMember is one recipient of a segment.
type SegmentMember struct {
	EmployeeID, AccountID, OrganizationID string
	HasEmail                              bool
}

// SegmentMembers lists up to limit recipients of a segment whose employee id sorts after `after`, by id: the
// expansion walks the segment in these batches and resumes after the last one it stored.
func (db *DB) SegmentMembers(ctx context.Context, s *Segment, at SegmentAt, after string, limit int) ([]SegmentMember, error) {
	w, args := s.where(at)
	rows, err := db.query(ctx, `SELECT e.id, e.account_id, e.organization_id, e.email <> '' FROM employees e WHERE `+w+
		` AND e.id > ? ORDER BY e.id LIMIT ?`, append(args, after, limit)...)
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	defer rows.Close()
	var out []SegmentMember
	for rows.Next() {
		var m SegmentMember
		if err := rows.Scan(&m.EmployeeID, &m.AccountID, &m.OrganizationID, &m.HasEmail); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Mailing is an instruction sent to a segment. AccountID is "" for the CA operator's mailings.
type Mailing struct {
	ID, AccountID        string
	Subject              string
	Body                 string // Markdown with {{placeholders}}
	BodyHTML             string // Body rendered and sanitised, placeholders kept
	Segment              Segment
	Status               MailingStatus
	ExpandedTo           string // the last employee id the expansion stored
	CreatedBy            string
	CreatedAt, UpdatedAt time.Time
	SendAt, SentAt       time.Time // send asked (the segment's moment), expansion finished
}

const mailingColumns = `id, account_id, subject, body, body_html, segment, status, expanded_to, created_by, created_at,
	updated_at, send_at, sent_at`

func scanMailing(sc interface{ Scan(...any) error }) (*Mailing, error) {
	var m Mailing
	var seg string
	var created, updated, sendAt, sent int64
	if err := sc.Scan(&m.ID, &m.AccountID, &m.Subject, &m.Body, &m.BodyHTML, &seg, &m.Status, &m.ExpandedTo, &m.CreatedBy,
		&created, &updated, &sendAt, &sent); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(seg), &m.Segment); err != nil {
		return nil, fmt.Errorf("mailing %s segment: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
	if sendAt != 0 {
		m.SendAt = fromMicros(sendAt)
	}
	if sent != 0 {
		m.SentAt = fromMicros(sent)
	}
	return &m, nil
}

// CreateMailing stores a draft mailing.
func (db *DB) CreateMailing(ctx context.Context, m *Mailing) error {
	seg, err := json.Marshal(m.Segment)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO mailings (id, account_id, subject, body, body_html, segment, status, created_by, created_at,
		updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`, m.ID, m.AccountID, m.Subject, m.Body, m.BodyHTML, string(seg), MailingDraft,
		m.CreatedBy, micros(m.CreatedAt), micros(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create mailing: %w", err)
	}
	return nil
}

// UpdateMailing replaces a draft's text and segment; it tells false when the mailing is no longer a draft.
func (db *DB) UpdateMailing(ctx context.Context, m *Mailing) (bool, error) {
	seg, err := json.Marshal(m.Segment)
	if err != nil {
		return false, err
	}
	res, err := db.exec(ctx, `UPDATE mailings SET subject = ?, body = ?, body_html = ?, segment = ?, updated_at = ?
		WHERE id = ? AND status = 'draft'`, m.Subject, m.Body, m.BodyHTML, string(seg), micros(m.UpdatedAt), m.ID)
	if err != nil {
		return false, fmt.Errorf("update mailing: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// GetMailing returns a mailing by id, or ErrNoRows.
func (db *DB) GetMailing(ctx context.Context, id string) (*Mailing, error) {
	return scanMailing(db.queryRow(ctx, `SELECT `+mailingColumns+` FROM mailings WHERE id = ?`, id))
}

// ListMailings lists the mailings of an account ("" with all: every mailing), newest first, at most limit.
func (db *DB) ListMailings(ctx context.Context, accountID string, all bool, limit int) ([]*Mailing, error) {
	if all {
		return queryAll(ctx, db, scanMailing, `SELECT `+mailingColumns+` FROM mailings ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	}
	return queryAll(ctx, db, scanMailing, `SELECT `+mailingColumns+` FROM mailings WHERE account_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, accountID, limit)
}

// StartMailing turns a draft into a sending mailing whose segment is taken at sendAt; it tells false when
// the mailing was not a draft (sent already, or being sent): sending is asked once.
func (db *DB) StartMailing(ctx context.Context, id string, sendAt time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE mailings SET status = 'sending', send_at = ?, updated_at = ? WHERE id = ? AND status = 'draft'`,
		micros(sendAt), micros(sendAt), id)
	if err != nil {
		return false, fmt.Errorf("start mailing: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AdvanceMailing records the last employee id the expansion stored, in the transaction that stored it.
func (db *DB) AdvanceMailing(ctx context.Context, id, expandedTo string) error {
	_, err := db.exec(ctx, `UPDATE mailings SET expanded_to = ? WHERE id = ? AND status = 'sending'`, expandedTo, id)
	return err
}

// FinishMailing marks a sending mailing sent.
func (db *DB) FinishMailing(ctx context.Context, id string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE mailings SET status = 'sent', sent_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'`,
		micros(at), micros(at), id)
	return err
}

// SendingMailings lists the ids of mailings whose expansion has not finished (to resume them).
func (db *DB) SendingMailings(ctx context.Context) ([]string, error) {
	return db.idList(ctx, `SELECT id FROM mailings WHERE status = 'sending' ORDER BY send_at, id`)
}

// MailingAttachment is a file sent with every message of a mailing; Data is nil in listings.
type MailingAttachment struct {
	ID, MailingID, Name, ContentType string
	Size                             int
	Data                             []byte
	CreatedAt                        time.Time
}

// AddMailingAttachment stores an attachment of a mailing.
func (db *DB) AddMailingAttachment(ctx context.Context, a *MailingAttachment) error {
	_, err := db.exec(ctx, `INSERT INTO mailing_attachments (id, mailing_id, name, content_type, size, data, created_at)
		VALUES (?,?,?,?,?,?,?)`, a.ID, a.MailingID, a.Name, a.ContentType, a.Size, a.Data, micros(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("add attachment: %w", err)
	}
	return nil
}

// DeleteMailingAttachment removes an attachment of a mailing; it tells whether there was one.
func (db *DB) DeleteMailingAttachment(ctx context.Context, mailingID, id string) (bool, error) {
	res, err := db.exec(ctx, `DELETE FROM mailing_attachments WHERE id = ? AND mailing_id = ?`, id, mailingID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MailingAttachments lists a mailing's attachments in the order they were added, with their data when
// withData.
func (db *DB) MailingAttachments(ctx context.Context, mailingID string, withData bool) ([]*MailingAttachment, error) {
	data := "NULL"
	if withData {
		data = "data"
	}
	return queryAll(ctx, db, func(sc interface{ Scan(...any) error }) (*MailingAttachment, error) {
		var a MailingAttachment
		var created int64
		if err := sc.Scan(&a.ID, &a.MailingID, &a.Name, &a.ContentType, &a.Size, &a.Data, &created); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(created)
		return &a, nil
	}, `SELECT id, mailing_id, name, content_type, size, `+data+`, created_at FROM mailing_attachments WHERE mailing_id = ?
		ORDER BY created_at, id`, mailingID)
}

// AddMailingRecipient records a materialised recipient; a repeated one changes nothing.
func (db *DB) AddMailingRecipient(ctx context.Context, mailingID string, m SegmentMember, mailID string) error {
	_, err := db.exec(ctx, `INSERT INTO mailing_recipients (mailing_id, employee_id, organization_id, mail_id) VALUES (?,?,?,?)
		ON CONFLICT (mailing_id, employee_id) DO NOTHING`, mailingID, m.EmployeeID, m.OrganizationID, mailID)
	return err
}

// AddMailingNotice records an in-app notice of a mailing; a repeated one changes nothing.
func (db *DB) AddMailingNotice(ctx context.Context, mailingID, noticeID string) error {
	_, err := db.exec(ctx, `INSERT INTO mailing_notices (mailing_id, notice_id) VALUES (?,?) ON CONFLICT (mailing_id, notice_id) DO NOTHING`,
		mailingID, noticeID)
	return err
}

// UsersOfEmployee lists the enabled users linked to an employee.
func (db *DB) UsersOfEmployee(ctx context.Context, employeeID string) ([]string, error) {
	return db.idList(ctx, `SELECT id FROM users WHERE employee_id = ? AND disabled = 0 ORDER BY id`, employeeID)
}

// MailingCounts is how a mailing went: recipients, their messages by outbox status, notices and those read.
type MailingCounts struct {
	Recipients, Mail           int
	Delivered, Failed, Pending int // pending: queued or being sent
	Cancelled                  int // no longer due at sending time (address removed, left, unsubscribed)
	Notices, Opened            int
}

// CountMailing counts how a mailing went.
func (db *DB) CountMailing(ctx context.Context, id string) (MailingCounts, error) {
	var c MailingCounts
	err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN r.mail_id <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.status = 'sent' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END), 0)
		FROM mailing_recipients r LEFT JOIN mail_outbox m ON m.id = r.mail_id WHERE r.mailing_id = ?`, id).
		Scan(&c.Recipients, &c.Mail, &c.Delivered, &c.Failed, &c.Pending, &c.Cancelled)
	if err != nil {
		return c, fmt.Errorf("count mailing: %w", err)
	}
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN n.read_at <> 0 THEN 1 ELSE 0 END), 0)
		FROM mailing_notices mn JOIN notices n ON n.id = mn.notice_id WHERE mn.mailing_id = ?`, id).Scan(&c.Notices, &c.Opened)
	if err != nil {
		return c, fmt.Errorf("count mailing notices: %w", err)
	}
	return c, nil
}

// MailingRecipientView is what a mailing's placeholders are filled from for one employee.
type MailingRecipientView struct {
	FullName, Position, OrganizationName string
	NotAfter                             time.Time // the employee's valid certificate ending first; zero when none
}

// MailingRecipientOf reads what a mailing's placeholders show for an employee, or ErrNoRows.
func (db *DB) MailingRecipientOf(ctx context.Context, employeeID string, now time.Time) (*MailingRecipientView, error) {
	var v MailingRecipientView
	var sur, given, patr string
	var end int64
	err := db.queryRow(ctx, `SELECT e.surname, e.given_name, e.patronymic, e.position, o.name,
		COALESCE((SELECT MIN(c.not_after) FROM certificates c WHERE c.employee_id = e.id AND c.status = 'valid' AND c.not_after > ?), 0)
		FROM employees e JOIN organizations o ON o.id = e.organization_id WHERE e.id = ?`, micros(now), employeeID).
		Scan(&sur, &given, &patr, &v.Position, &v.OrganizationName, &end)
	if err != nil {
		return nil, err
	}
	v.FullName = strings.Join(strings.Fields(sur+" "+given+" "+patr), " ")
	if end != 0 {
		v.NotAfter = fromMicros(end)
	}
	return &v, nil
}

// NoticeIDByDedupKey returns the id of the notice stored under a dedup key, or ErrNoRows.
func (db *DB) NoticeIDByDedupKey(ctx context.Context, key string) (string, error) {
	var id string
	err := db.queryRow(ctx, `SELECT id FROM notices WHERE dedup_key = ?`, key).Scan(&id)
	return id, err
}

// MailingMonthReach is one month's mailings in a scope: recipients, their messages delivered, and their
// in-app notices read.
type MailingMonthReach struct {
	Recipients, Delivered, Opened int
}

// MailingReachByMonth counts, for each month [bounds[i], bounds[i+1]) in which sending was asked, the
// recipients in scope of the mailings of that month (by the recipient's organization and account).
func (db *DB) MailingReachByMonth(ctx context.Context, s Scope, bounds []time.Time) ([]MailingMonthReach, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	w, sargs := s.clause("o.account_id", "r.organization_id", "r.employee_id")
	out := make([]MailingMonthReach, len(bounds)-1)
	for i := range out {
		from, to := micros(bounds[i]), micros(bounds[i+1])
		args := append([]any{from, to}, sargs...)
		err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN mo.status = 'sent' THEN 1 ELSE 0 END), 0)
			FROM mailings m JOIN mailing_recipients r ON r.mailing_id = m.id JOIN organizations o ON o.id = r.organization_id
			LEFT JOIN mail_outbox mo ON mo.id = r.mail_id
			WHERE m.status <> 'draft' AND m.send_at >= ? AND m.send_at < ?`+w, args...).Scan(&out[i].Recipients, &out[i].Delivered)
		if err != nil {
			return nil, fmt.Errorf("mailing reach: %w", err)
		}
		// Opened: recipients with at least one of their notices of the mailing read.
		err = db.queryRow(ctx, `SELECT COUNT(*) FROM mailings m JOIN mailing_recipients r ON r.mailing_id = m.id
			JOIN organizations o ON o.id = r.organization_id
			WHERE m.status <> 'draft' AND m.send_at >= ? AND m.send_at < ?`+w+`
			AND EXISTS (SELECT 1 FROM mailing_notices mn JOIN notices n ON n.id = mn.notice_id
				WHERE mn.mailing_id = m.id AND n.read_at <> 0
				AND n.dedup_key = 'mailing:' || m.id || ':' || r.employee_id || ':' || n.user_id)`, args...).Scan(&out[i].Opened)
		if err != nil {
			return nil, fmt.Errorf("mailing reach opened: %w", err)
		}
	}
	return out, nil
}
