package storage

import (
	"context"

	"github.com/kcr-project/kcr/internal/model"
)

const employeeColumns = `e.id, e.account_id, e.organization_id, e.surname, e.given_name, e.patronymic, e.birth_date, e.snils,
	e.inn, e.email, e.phone, e.position, e.doc_type, e.doc_series, e.doc_number, e.doc_issue_date, e.doc_issuer,
	e.doc_issuer_code, e.dismissed_at, e.dismissal_reason, e.created_at, e.updated_at`

func scanEmployee(sc interface{ Scan(...any) error }) (*model.Employee, error) {
	var e model.Employee
	var created, updated, dismissed int64
	d := &e.Document
	if err := sc.Scan(&e.ID, &e.AccountID, &e.OrganizationID, &e.Surname, &e.GivenName, &e.Patronymic, &e.BirthDate,
		&e.SNILS, &e.INN, &e.Email, &e.Phone, &e.Position, &d.Type, &d.Series, &d.Number, &d.IssueDate, &d.Issuer,
		&d.IssuerCode, &dismissed, &e.DismissalReason, &created, &updated); err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	if dismissed != 0 {
		t := fromMicros(dismissed)
		e.DismissedAt = &t
	}
	return &e, nil
}

func employeeSearchKey(e *model.Employee) string {
	return SearchKey(e.Surname + " " + e.GivenName + " " + e.Patronymic)
}

// CreateEmployee stores a new employee. The same СНИЛС twice in one organization is ErrDuplicate.
func (db *DB) CreateEmployee(ctx context.Context, e *model.Employee) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.insertEmployee(ctx, e); err != nil {
			return err
		}
		return db.indexEmployeeName(ctx, e)
	})
}

func (db *DB) insertEmployee(ctx context.Context, e *model.Employee) error {
	d := e.Document
	_, err := db.exec(ctx, `INSERT INTO employees (id, account_id, organization_id, surname, given_name, patronymic,
		name_search, birth_date, snils, inn, email, phone, position, doc_type, doc_series, doc_number, doc_issue_date,
		doc_issuer, doc_issuer_code, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.ID, e.AccountID, e.OrganizationID, e.Surname, e.GivenName, e.Patronymic, employeeSearchKey(e), e.BirthDate,
		e.SNILS, e.INN, e.Email, e.Phone, e.Position, d.Type, d.Series, d.Number, d.IssueDate, d.Issuer, d.IssuerCode,
		micros(e.CreatedAt), micros(e.UpdatedAt))
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// UpdateEmployee rewrites an employee's editable fields.
func (db *DB) UpdateEmployee(ctx context.Context, e *model.Employee) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.updateEmployee(ctx, e); err != nil {
			return err
		}
		return db.indexEmployeeName(ctx, e)
	})
}

func (db *DB) updateEmployee(ctx context.Context, e *model.Employee) error {
	d := e.Document
	res, err := db.exec(ctx, `UPDATE employees SET organization_id = ?, surname = ?, given_name = ?, patronymic = ?,
		name_search = ?, birth_date = ?, snils = ?, inn = ?, email = ?, phone = ?, position = ?, doc_type = ?,
		doc_series = ?, doc_number = ?, doc_issue_date = ?, doc_issuer = ?, doc_issuer_code = ?, updated_at = ?
		WHERE id = ?`,
		e.OrganizationID, e.Surname, e.GivenName, e.Patronymic, employeeSearchKey(e), e.BirthDate, e.SNILS, e.INN,
		e.Email, e.Phone, e.Position, d.Type, d.Series, d.Number, d.IssueDate, d.Issuer, d.IssuerCode,
		micros(e.UpdatedAt), e.ID)
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

// Employee returns one employee within the scope.
func (db *DB) Employee(ctx context.Context, s Scope, id string) (*model.Employee, error) {
	where, args := s.clause("e.account_id", "e.organization_id", "e.id")
	return scanEmployee(db.queryRow(ctx, `SELECT `+employeeColumns+` FROM employees e WHERE e.id = ?`+where,
		append([]any{id}, args...)...))
}

// EmployeeFilter narrows an employee list.
type EmployeeFilter struct {
	OrganizationID string
	NamePrefix     string // every word must start a word of the surname, given name or patronymic
	SNILS          string
}

// employeeList is how employees sort. The position sorts as entered: by code point on SQLite, by the
// database's collation on PostgreSQL.
var employeeList = sortedList{alias: "e", pk: "e.id", columns: employeeColumns,
	from:  ` FROM employees e JOIN organizations o ON o.id = e.organization_id`,
	leads: map[string]string{"o": ` FROM organizations o CROSS JOIN employees e ON e.organization_id = o.id`},
	orders: map[string]sortOrder{
		"name":         {{"e.name_search", false}},
		"organization": {{"o.name_search", false}},
		"position":     {{"e.position", false}},
		"created":      {{"e.created_at", true}},
	}}

// EmployeeSorts are the sort keys of Employees.
var EmployeeSorts = employeeList.keys()

// Employees lists employees within the scope, ordered by id unless p.Order says otherwise, and gives each
// row's cursor key.
func (db *DB) Employees(ctx context.Context, s Scope, f EmployeeFilter, p Page) ([]*model.Employee, []string, error) {
	var where string
	var args []any
	if f.OrganizationID != "" {
		where += " AND e.organization_id = ?"
		args = append(args, f.OrganizationID)
	}
	c, a, err := db.nameFilter(ctx, employeeWords, s, "e.id", f.NamePrefix)
	if err != nil {
		return nil, nil, err
	}
	if c != "" {
		where += " AND " + c
		args = append(args, a...)
	}
	if f.SNILS != "" {
		where += " AND e.snils = ?"
		args = append(args, f.SNILS)
	}
	if p.Order.By != "" {
		// The employee's own conditions are narrow in the sense of sortLead when they name one person or a
		// name prefix: the rows to sort are few.
		return sortedPage(ctx, db, sortedQuery{list: employeeList, scope: s, page: p, where: where, args: args,
			byKey: f.OrganizationID != "" || f.SNILS != "" || f.NamePrefix != ""}, scanEmployee)
	}
	if isSortKey(p.After) {
		return nil, nil, ErrCursorOrder
	}
	scopeWhere, scopeArgs := s.clause("e.account_id", "e.organization_id", "e.id")
	where, args = scopeWhere+where, append(scopeArgs, args...)
	if p.After != "" {
		where += " AND e.id > ?"
		args = append(args, p.After)
	}
	rows, err := queryAll(ctx, db, scanEmployee, `SELECT `+employeeColumns+` FROM employees e WHERE 1 = 1`+where+
		` ORDER BY e.id LIMIT ?`, append(args, p.Limit)...)
	keys := make([]string, len(rows))
	for i, e := range rows {
		keys[i] = e.ID
	}
	return rows, keys, err
}
