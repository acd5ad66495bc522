package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kcr-project/kcr/internal/model"
)

// CreateAccount stores a new account.
func (db *DB) CreateAccount(ctx context.Context, a *model.Account) error {
	_, err := db.exec(ctx, `INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`, a.ID, a.Name, micros(a.CreatedAt))
	return err
}

// Account returns one account.
func (db *DB) Account(ctx context.Context, id string) (*model.Account, error) {
	var a model.Account
	var at int64
	err := db.queryRow(ctx, `SELECT id, name, created_at FROM accounts WHERE id = ?`, id).Scan(&a.ID, &a.Name, &at)
	if err != nil {
		return nil, err
	}
	a.CreatedAt = fromMicros(at)
	return &a, nil
}

// Accounts lists every account.
func (db *DB) Accounts(ctx context.Context) ([]model.Account, error) {
	rows, err := db.query(ctx, `SELECT id, name, created_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Account
	for rows.Next() {
		var a model.Account
		var at int64
		if err := rows.Scan(&a.ID, &a.Name, &at); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountAccounts tells whether the database holds any client yet (the demo loads only into an empty one).
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, err
}

const orgColumns = `o.id, o.account_id, o.parent_id, o.kind, o.sector, o.name, o.inn, o.kpp, o.ogrn, o.address, o.region,
	o.region_code, o.created_at, o.updated_at`

func scanOrg(sc interface{ Scan(...any) error }) (*model.Organization, error) {
	var o model.Organization
	var parent sql.NullString
	var created, updated int64
	if err := sc.Scan(&o.ID, &o.AccountID, &parent, &o.Kind, &o.Sector, &o.Name, &o.INN, &o.KPP, &o.OGRN, &o.Address,
		&o.Region, &o.RegionCode, &created, &updated); err != nil {
		return nil, err
	}
	o.ParentID = parent.String
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &o, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateOrganization stores a new organization. A duplicate ИНН+КПП in the account is ErrDuplicate.
func (db *DB) CreateOrganization(ctx context.Context, o *model.Organization) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.insertOrganization(ctx, o); err != nil {
			return err
		}
		return db.indexOrganizationName(ctx, o.ID, o.Name)
	})
}

func (db *DB) insertOrganization(ctx context.Context, o *model.Organization) error {
	_, err := db.exec(ctx, `INSERT INTO organizations (id, account_id, parent_id, kind, sector, name, name_search, inn, kpp,
		ogrn, address, region, region_code, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.AccountID, nullable(o.ParentID), o.Kind, o.Sector, o.Name, SearchKey(o.Name), o.INN, o.KPP, o.OGRN,
		o.Address, o.Region, o.RegionCode, micros(o.CreatedAt), micros(o.UpdatedAt))
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// UpdateOrganization rewrites an organization's editable fields.
func (db *DB) UpdateOrganization(ctx context.Context, o *model.Organization) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.updateOrganization(ctx, o); err != nil {
			return err
		}
		return db.indexOrganizationName(ctx, o.ID, o.Name)
	})
}

func (db *DB) updateOrganization(ctx context.Context, o *model.Organization) error {
	res, err := db.exec(ctx, `UPDATE organizations SET parent_id = ?, kind = ?, sector = ?, name = ?, name_search = ?, inn = ?,
		kpp = ?, ogrn = ?, address = ?, region = ?, region_code = ?, updated_at = ? WHERE id = ?`,
		nullable(o.ParentID), o.Kind, o.Sector, o.Name, SearchKey(o.Name), o.INN, o.KPP, o.OGRN, o.Address, o.Region,
		o.RegionCode, micros(o.UpdatedAt), o.ID)
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}

// orgScope filters organizations by the scope; an employee sees the organization they work for.
func orgScope(s Scope) (string, []any) {
	emp := s.EmployeeID
	s.EmployeeID = ""
	where, args := s.clause("o.account_id", "o.id", "")
	if emp != "" {
		where += " AND o.id IN (SELECT organization_id FROM employees WHERE id = ?)"
		args = append(args, emp)
	}
	return where, args
}

// Organization returns one organization within the scope.
func (db *DB) Organization(ctx context.Context, s Scope, id string) (*model.Organization, error) {
	where, args := orgScope(s)
	return scanOrg(db.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ?`+where, append([]any{id}, args...)...))
}

// OrgFilter narrows an organization list.
type OrgFilter struct {
	NamePrefix string // every word must be part of a word of the name (see orgNameMatch)
	INN, KPP   string
	OGRN       string
	ParentID   string
}

// Organizations lists organizations within the scope, ordered by id.
func (db *DB) Organizations(ctx context.Context, s Scope, f OrgFilter, p Page) ([]*model.Organization, error) {
	where, args := orgScope(s)
	c, a, err := db.nameFilter(ctx, organizationWords, s, "o.id", f.NamePrefix)
	if err != nil {
		return nil, err
	}
	if c != "" {
		where += " AND " + c
		args = append(args, a...)
	}
	for _, c := range []struct{ col, v string }{{"o.inn", f.INN}, {"o.kpp", f.KPP}, {"o.ogrn", f.OGRN}, {"o.parent_id", f.ParentID}} {
		if c.v != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if p.After != "" {
		where += " AND o.id > ?"
		args = append(args, p.After)
	}
	args = append(args, p.Limit)
	return queryAll(ctx, db, scanOrg, `SELECT `+orgColumns+` FROM organizations o WHERE 1 = 1`+where+` ORDER BY o.id LIMIT ?`, args...)
}

// OrganizationIDsOfAccount returns which of ids belong to the account; used to check scopes on input.
func (db *DB) OrganizationIDsOfAccount(ctx context.Context, accountID string, ids []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	args := []any{accountID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT id FROM organizations WHERE account_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, rows.Err()
}

// ErrDuplicate reports a unique-constraint clash; callers name the field.
var ErrDuplicate = fmt.Errorf("duplicate")
