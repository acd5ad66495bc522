package storage

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

const headColumns = `h.organization_id, h.account_id, h.surname, h.given_name, h.patronymic, h.position, h.inn, h.snils,
	h.since, h.updated_at`

func scanHead(sc interface{ Scan(...any) error }) (*model.Head, error) {
	var h model.Head
	var updated int64
	if err := sc.Scan(&h.OrganizationID, &h.AccountID, &h.Surname, &h.GivenName, &h.Patronymic, &h.Position, &h.INN,
		&h.SNILS, &h.Since, &updated); err != nil {
		return nil, err
	}
	h.UpdatedAt = fromMicros(updated)
	return &h, nil
}

// OrganizationHead returns the recorded head of an organization within the scope; ErrNoRows when the
// organization has none recorded (or is out of scope).
func (db *DB) OrganizationHead(ctx context.Context, s Scope, orgID string) (*model.Head, error) {
	where, args := s.clause("h.account_id", "h.organization_id", "")
	return scanHead(db.queryRow(ctx, `SELECT `+headColumns+` FROM organization_heads h WHERE h.organization_id = ?`+where,
		append([]any{orgID}, args...)...))
}

// SetOrganizationHead records h as its organization's head, replacing the previous one.
func (db *DB) SetOrganizationHead(ctx context.Context, h *model.Head) error {
	res, err := db.exec(ctx, `UPDATE organization_heads SET surname = ?, given_name = ?, patronymic = ?, position = ?, inn = ?,
		snils = ?, since = ?, updated_at = ? WHERE organization_id = ?`,
		h.Surname, h.GivenName, h.Patronymic, h.Position, h.INN, h.SNILS, h.Since, micros(h.UpdatedAt), h.OrganizationID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = db.exec(ctx, `INSERT INTO organization_heads (organization_id, account_id, surname, given_name, patronymic,
		position, inn, snils, since, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		h.OrganizationID, h.AccountID, h.Surname, h.GivenName, h.Patronymic, h.Position, h.INN, h.SNILS, h.Since,
		micros(h.UpdatedAt))
	return err
}

// DismissEmployee records that an employee left the organization at the given time, for the reason given.
// Dismissing someone already dismissed is ErrNoRows, so that the first dismissal's date is kept.
func (db *DB) DismissEmployee(ctx context.Context, id string, at time.Time, reason string) error {
	res, err := db.exec(ctx, `UPDATE employees SET dismissed_at = ?, dismissal_reason = ?, updated_at = ?
		WHERE id = ? AND dismissed_at = 0`, micros(at), reason, micros(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}
