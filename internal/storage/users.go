package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

const userColumns = `id, account_id, login, full_name, role, employee_id, password_hash, disabled, created_at`

func (db *DB) scanUser(ctx context.Context, row interface{ Scan(...any) error }) (*model.User, error) {
	var u model.User
	var account, employee sql.NullString
	var disabled int
	var created int64
	if err := row.Scan(&u.ID, &account, &u.Login, &u.FullName, &u.Role, &employee, &u.PasswordHash, &disabled, &created); err != nil {
		return nil, err
	}
	u.AccountID, u.EmployeeID, u.Disabled, u.CreatedAt = account.String, employee.String, disabled != 0, fromMicros(created)
	ids, err := db.idList(ctx, `SELECT organization_id FROM user_organizations WHERE user_id = ? ORDER BY organization_id`, u.ID)
	if err != nil {
		return nil, err
	}
	u.OrganizationIDs = ids
	return &u, nil
}

func (db *DB) idList(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CreateUser stores a user and their organization scope. A taken login is ErrDuplicate.
func (db *DB) CreateUser(ctx context.Context, u *model.User) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
			u.ID, nullable(u.AccountID), u.Login, u.FullName, u.Role, nullable(u.EmployeeID), u.PasswordHash,
			boolInt(u.Disabled), micros(u.CreatedAt))
		if isUniqueViolation(err) {
			return ErrDuplicate
		}
		if err != nil {
			return err
		}
		for _, org := range u.OrganizationIDs {
			if _, err := db.exec(ctx, `INSERT INTO user_organizations (user_id, organization_id) VALUES (?, ?)`, u.ID, org); err != nil {
				return err
			}
		}
		return nil
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UserByLogin finds a user for sign-in.
func (db *DB) UserByLogin(ctx context.Context, login string) (*model.User, error) {
	return db.scanUser(ctx, db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE login = ?`, login))
}

// User returns a user; accountID "" means any account.
func (db *DB) User(ctx context.Context, accountID, id string) (*model.User, error) {
	if accountID == "" {
		return db.scanUser(ctx, db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	}
	return db.scanUser(ctx, db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND account_id = ?`, id, accountID))
}

// Users lists the users of an account ("" for every account).
func (db *DB) Users(ctx context.Context, accountID string) ([]*model.User, error) {
	q, args := `SELECT `+userColumns+` FROM users ORDER BY login`, []any{}
	if accountID != "" {
		q, args = `SELECT `+userColumns+` FROM users WHERE account_id = ? ORDER BY login`, []any{accountID}
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var raw []*model.User
	for rows.Next() {
		var u model.User
		var account, employee sql.NullString
		var disabled int
		var created int64
		if err := rows.Scan(&u.ID, &account, &u.Login, &u.FullName, &u.Role, &employee, &u.PasswordHash, &disabled, &created); err != nil {
			rows.Close()
			return nil, err
		}
		u.AccountID, u.EmployeeID, u.Disabled, u.CreatedAt = account.String, employee.String, disabled != 0, fromMicros(created)
		raw = append(raw, &u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, u := range raw {
		if u.OrganizationIDs, err = db.idList(ctx, `SELECT organization_id FROM user_organizations WHERE user_id = ? ORDER BY organization_id`, u.ID); err != nil {
			return nil, err
		}
	}
	return raw, nil
}

// SetUserPassword replaces a user's password hash.
func (db *DB) SetUserPassword(ctx context.Context, id, hash string) error {
	_, err := db.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	return err
}

// SetUserDisabled disables or enables a user; an unknown id is ErrNoRows.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	res, err := db.exec(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, boolInt(disabled), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}

// SetUserRole replaces a user's role, linked employee and organization scope in one step, so that a
// request never sees the new role with the old scope.
func (db *DB) SetUserRole(ctx context.Context, id string, role model.Role, employeeID string, orgIDs []string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, `UPDATE users SET role = ?, employee_id = ? WHERE id = ?`, role, nullable(employeeID), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoRows
		}
		if _, err := db.exec(ctx, `DELETE FROM user_organizations WHERE user_id = ?`, id); err != nil {
			return err
		}
		for _, org := range orgIDs {
			if _, err := db.exec(ctx, `INSERT INTO user_organizations (user_id, organization_id) VALUES (?, ?)`, id, org); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountEnabledUsers counts the enabled users of an account ("" for the CA operator's own users) that have
// the role.
func (db *DB) CountEnabledUsers(ctx context.Context, accountID string, role model.Role) (int, error) {
	q, args := `SELECT COUNT(*) FROM users WHERE account_id = ? AND role = ? AND disabled = 0`, []any{accountID, role}
	if accountID == "" {
		q, args = `SELECT COUNT(*) FROM users WHERE account_id IS NULL AND role = ? AND disabled = 0`, []any{role}
	}
	var n int
	err := db.queryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// CountUsers counts every user of an account with the role, enabled or not.
func (db *DB) CountUsers(ctx context.Context, accountID string, role model.Role) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE account_id = ? AND role = ?`, accountID, role).Scan(&n)
	return n, err
}

// CreateSession stores a sign-in session by the hash of its token.
func (db *DB) CreateSession(ctx context.Context, tokenHash, userID string, created, expires time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)`,
		tokenHash, userID, micros(created), micros(expires))
	return err
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (*model.User, error) {
	return db.scanUser(ctx, db.queryRow(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, micros(now)))
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteUserSessions ends every session of a user except the one with the token hash keep ("" for none)
// and returns how many it ended.
func (db *DB) DeleteUserSessions(ctx context.Context, userID, keep string) (int64, error) {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func prefixed(p, cols string) string {
	var out []byte
	out = append(out, p...)
	for i := 0; i < len(cols); i++ {
		out = append(out, cols[i])
		if cols[i] == ',' {
			for i+1 < len(cols) && (cols[i+1] == ' ' || cols[i+1] == '\n' || cols[i+1] == '\t') {
				i++
				out = append(out, cols[i])
			}
			out = append(out, p...)
		}
	}
	return string(out)
}

const apiKeyColumns = `id, account_id, name, prefix, secret_hash, all_orgs, created_by, created_at, revoked_at, last_used_at`

func (db *DB) scanAPIKey(ctx context.Context, row interface{ Scan(...any) error }) (*model.APIKey, error) {
	var k model.APIKey
	var all int
	var created int64
	var revoked, used *int64
	if err := row.Scan(&k.ID, &k.AccountID, &k.Name, &k.Prefix, &k.SecretHash, &all, &k.CreatedBy, &created, &revoked, &used); err != nil {
		return nil, err
	}
	k.AllOrgs, k.CreatedAt, k.RevokedAt, k.LastUsedAt = all != 0, fromMicros(created), fromOptMicros(revoked), fromOptMicros(used)
	ids, err := db.idList(ctx, `SELECT organization_id FROM api_key_organizations WHERE api_key_id = ? ORDER BY organization_id`, k.ID)
	if err != nil {
		return nil, err
	}
	k.OrganizationIDs = ids
	return &k, nil
}

// CreateAPIKey stores an API key and its organization scope.
func (db *DB) CreateAPIKey(ctx context.Context, k *model.APIKey) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			k.ID, k.AccountID, k.Name, k.Prefix, k.SecretHash, boolInt(k.AllOrgs), k.CreatedBy, micros(k.CreatedAt),
			optMicros(k.RevokedAt), optMicros(k.LastUsedAt)); err != nil {
			return err
		}
		for _, org := range k.OrganizationIDs {
			if _, err := db.exec(ctx, `INSERT INTO api_key_organizations (api_key_id, organization_id) VALUES (?, ?)`, k.ID, org); err != nil {
				return err
			}
		}
		return nil
	})
}

// APIKeyBySecretHash finds a key by the hash of its secret.
func (db *DB) APIKeyBySecretHash(ctx context.Context, hash string) (*model.APIKey, error) {
	return db.scanAPIKey(ctx, db.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE secret_hash = ?`, hash))
}

// APIKey returns one key of an account.
func (db *DB) APIKey(ctx context.Context, accountID, id string) (*model.APIKey, error) {
	return db.scanAPIKey(ctx, db.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ? AND account_id = ?`, id, accountID))
}

// APIKeys lists an account's keys.
func (db *DB) APIKeys(ctx context.Context, accountID string) ([]*model.APIKey, error) {
	ids, err := db.idList(ctx, `SELECT id FROM api_keys WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	out := []*model.APIKey{}
	for _, id := range ids {
		k, err := db.APIKey(ctx, accountID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// RevokeAPIKey marks a key revoked; revoking twice keeps the first time.
func (db *DB) RevokeAPIKey(ctx context.Context, accountID, id string, at time.Time) error {
	res, err := db.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND account_id = ?`,
		micros(at), id, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}

// TouchAPIKey records when a key was last used. access calls it from a background flush, never from a
// request; a stored time less than a minute older is kept, so replicas flushing the same key write it at
// most once a minute between them.
func (db *DB) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		micros(at), id, micros(at.Add(-time.Minute)))
	return err
}
