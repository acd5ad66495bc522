package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ErrUnknownSort reports a sort key the list does not offer; callers validate first, so it marks a bug.
var ErrUnknownSort = errors.New("unknown sort key")

// ErrCursorOrder reports a cursor made for another order of the list than the one asked for.
var ErrCursorOrder = errors.New("the cursor was made for another order")

// sortColumn is one expression a list sorts by; numeric ones carry integers in cursors.
type sortColumn struct {
	expr    string
	numeric bool
}

// sortOrder is a list's order: its columns, then the primary key, all in one direction.
type sortOrder []sortColumn

// sortedList describes the sorted reads of one list.
type sortedList struct {
	alias   string               // the list's table alias, e.g. "a"
	pk      string               // the qualified primary key, e.g. "a.id"
	columns string               // the selected columns
	from    string               // the FROM clause with its joins
	leads   map[string]string    // the FROM clause with a joined table leading, by its alias (see sortedPage)
	orders  map[string]sortOrder // by sort key
}

// keys lists the list's sort keys, for validation and documentation.
func (l sortedList) keys() []string { return slices.Sorted(maps.Keys(l.orders)) }

// sortedQuery is one sorted page to read: the list, the caller's scope and page, and the filter's
// conditions on the list's own columns (where) and on its organizations and employees (membership).
type sortedQuery struct {
	list       sortedList
	scope      Scope
	page       Page
	where      string // conditions on the list's table, each starting " AND "
	args       []any
	membership membership
	byKey      bool // the filter names one organization or employee by id
}

// sortedPage reads one page of a list in a chosen order, with each row's cursor key. A cursor carries the
// sort and the last row's sort values and primary key, so a page continues right after that position even
// when the row itself has changed or left the scope since.
func sortedPage[T any](ctx context.Context, db *DB, q sortedQuery, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, []string, error) {
	l, p := q.list, q.page
	order, ok := l.orders[p.Order.By]
	if !ok {
		return nil, nil, ErrUnknownSort
	}
	token := p.Order.By
	if p.Order.Desc {
		token = "-" + token
	}
	var after []any
	if p.After != "" {
		var err error
		if after, err = decodeSortKey(token, order, p.After); err != nil {
			return nil, nil, err
		}
	}
	lead := db.sortLead(q, order)
	accountCol := l.alias + ".account_id"
	// On SQLite the unary + keeps the planner off the list's account-ordered indexes when another path is
	// better: a leading joined table walked in order, or the few rows of a narrow filter read by key.
	if db.dialect == SQLite && (lead != "" || q.membership.narrow) {
		accountCol = "+" + accountCol
	}
	where, args := q.scope.clause(accountCol, l.alias+".organization_id", l.alias+".employee_id")
	where += q.where + q.membership.where
	args = append(append(args, q.args...), q.membership.args...)
	from := l.from
	if lead != "" {
		from = l.leads[lead]
		if q.scope.AccountID != "" {
			where += " AND " + lead + ".account_id = ?"
			args = append(args, q.scope.AccountID)
		}
	}
	exprs := make([]string, 0, len(order)+1)
	for _, c := range order {
		exprs = append(exprs, c.expr)
	}
	exprs = append(exprs, l.pk)
	cmp, dir := " > ", ""
	if p.Order.Desc {
		cmp, dir = " < ", " DESC"
	}
	if after != nil {
		marks := make([]string, len(after))
		for i := range after {
			marks[i] = "?"
			// PostgreSQL types a placeholder by its column: a CASE rank is a 32-bit integer, and a tampered
			// cursor's larger value would fail to encode rather than simply compare.
			if i < len(order) && order[i].numeric && db.dialect == Postgres {
				marks[i] = "CAST(? AS BIGINT)"
			}
		}
		where += " AND (" + strings.Join(exprs, ", ") + ")" + cmp + "(" + strings.Join(marks, ", ") + ")"
		args = append(args, after...)
	}
	query := `SELECT ` + l.columns + `, ` + strings.Join(exprs, ", ") + from + ` WHERE 1 = 1` + where +
		` ORDER BY ` + strings.Join(exprs, dir+", ") + dir + ` LIMIT ?`
	rows, err := db.query(ctx, query, append(args, p.Limit)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var items []T
	var keys []string
	for rows.Next() {
		vals := make([]any, len(exprs))
		for i := range order {
			if order[i].numeric {
				vals[i] = new(int64)
			} else {
				vals[i] = new(string)
			}
		}
		vals[len(order)] = new(string)
		item, err := scan(extraScanner{rows, vals})
		if err != nil {
			return nil, nil, err
		}
		items = append(items, item)
		keys = append(keys, encodeSortKey(token, vals))
	}
	return items, keys, rows.Err()
}

// sortLead names the joined table that leads a sorted page's walk, "" for none. On SQLite, when the order
// comes from a joined table's name and the page reads a whole account (no organization list or employee in
// the scope, no filter by one organization or employee, no narrow filter), that table leads a CROSS JOIN,
// which SQLite never reorders: walking the account's names in order finds a page at once, where the planner
// left to itself may, depending on its statistics, read the whole account and sort it. Elsewhere the rows
// to sort are few and the planner's own choice is right.
func (db *DB) sortLead(q sortedQuery, order sortOrder) string {
	if db.dialect != SQLite || q.membership.narrow || q.byKey || q.scope.OrgIDs != nil || q.scope.EmployeeID != "" {
		return ""
	}
	alias, _, _ := strings.Cut(order[0].expr, ".")
	if _, ok := q.list.leads[alias]; !ok {
		return ""
	}
	return alias
}

// extraScanner scans a row's list columns and then the sort values selected after them.
type extraScanner struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

// Scan implements the scanner interface of the list's scan function.
func (e extraScanner) Scan(dest ...any) error { return e.sc.Scan(append(dest, e.extra...)...) }

// encodeSortKey makes a row's cursor key: a JSON array of the sort token, the sort values and the primary key.
func encodeSortKey(token string, vals []any) string {
	out := []any{token}
	for _, v := range vals {
		switch v := v.(type) {
		case *int64:
			out = append(out, *v)
		case *string:
			out = append(out, *v)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// decodeSortKey reads a cursor key back into the values to continue after; a key of another order (or of
// the default order, a bare primary key) is ErrCursorOrder.
func decodeSortKey(token string, order sortOrder, key string) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(key)))
	dec.UseNumber()
	var raw []any
	if !strings.HasPrefix(key, "[") || dec.Decode(&raw) != nil || dec.InputOffset() != int64(len(key)) ||
		len(raw) != len(order)+2 || raw[0] != token {
		return nil, ErrCursorOrder
	}
	out := make([]any, 0, len(order)+1)
	for i, c := range order {
		v := raw[i+1]
		if n, ok := v.(json.Number); ok && c.numeric {
			iv, err := n.Int64()
			if err != nil {
				return nil, ErrCursorOrder
			}
			out = append(out, iv)
		} else if s, ok := v.(string); ok && !c.numeric && !strings.ContainsRune(s, 0) {
			out = append(out, s)
		} else {
			return nil, ErrCursorOrder
		}
	}
	pk, ok := raw[len(raw)-1].(string)
	if !ok || strings.ContainsRune(pk, 0) {
		return nil, ErrCursorOrder
	}
	return append(out, pk), nil
}

// isSortKey tells a sorted list's cursor key from a bare primary key.
func isSortKey(key string) bool { return strings.HasPrefix(key, "[") }

// membership is a filter's organization and employee conditions as conditions on a list's table.
type membership struct {
	where  string // each condition starting " AND "
	args   []any
	narrow bool // the filter named few organizations or employees, listed by key
}

// sortedMembership turns a filter's organization and employee conditions (on the scope's account) into
// conditions on a sorted list's table (alias). Up to narrowCap matching employees (or organizations) become
// a list of keys, read through the table's per-key index and sorted (narrow); more stay a membership test,
// which on SQLite carries the unary + so that the planner walks the sort order and checks membership instead
// of collecting and sorting every match.
func (db *DB) sortedMembership(ctx context.Context, alias string, org, emp ownerMatch) (membership, error) {
	var keyCol string
	var primary ownerMatch
	switch {
	case !emp.none():
		keyCol, primary = alias+".employee_id", emp
	case !org.none():
		keyCol, primary = alias+".organization_id", org
	default:
		return membership{}, nil
	}
	keys, err := db.keys(ctx, primary, narrowCap+1)
	if err != nil {
		return membership{}, err
	}
	plus := ""
	if db.dialect == SQLite {
		plus = "+"
	}
	var m membership
	switch {
	case len(keys) == 0:
		return membership{where: " AND 1 = 0", narrow: true}, nil
	case len(keys) <= narrowCap:
		m = membership{where: " AND " + keyCol + " IN (" + placeholders(len(keys)) + ")", args: anySlice(keys), narrow: true}
	default:
		w, a := primary.member(keyCol, plus, countCap)
		m = membership{where: " AND " + w, args: a}
	}
	if !emp.none() && !org.none() {
		w, a := org.member(alias+".organization_id", plus, countCap)
		m.where += " AND " + w
		m.args = append(m.args, a...)
	}
	return m, nil
}

// enumOrder sorts an enumerated column in the order the model lists its values (an application's life, not
// the alphabet); values are the model's own constants, never input.
func enumOrder[T ~string](col string, values []T) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, v := range values {
		if strings.ContainsAny(string(v), `'\`) {
			panic(fmt.Sprintf("enumOrder: value %q cannot be inlined", v))
		}
		b.WriteString(" WHEN '" + string(v) + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(values)) + " END")
	return b.String()
}
