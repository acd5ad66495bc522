package storage

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// narrowCap is how many matching organizations or employees a search expands into per-key index lookups.
// Beyond it the filter matches a large share of rows, and walking the table in page order finds a page
// sooner.
const narrowCap = 200

// searchSpec describes a paged search over applications or certificates (both have account_id,
// organization_id and employee_id columns) whose filter may name organizations or employees indirectly
// (by name prefix, ИНН, СНИЛС…).
type searchSpec struct {
	table, alias, pk string // e.g. "applications", "a", "id"
	desc             bool   // newest first
	scope            Scope
	where            string // conditions on the table itself other than scope (state, cursor…), each starting " AND "
	args             []any
	orgConds         string // conditions on organizations, "" for none
	orgArgs          []any
	empConds         string // conditions on employees, "" for none
	empArgs          []any
	limit            int
}

func (s searchSpec) col(name string) string { return s.alias + "." + name }

// searchKeys returns the primary keys of one page. When the filter names few organizations or employees it
// reads each one's newest rows from the (organization_id|employee_id, pk) index and merges them; when it
// names many, it walks the table in page order and checks membership.
func (db *DB) searchKeys(ctx context.Context, s searchSpec) ([]string, error) {
	order := " ORDER BY " + s.col(s.pk)
	if s.desc {
		order += " DESC"
	}
	scopeWhere, scopeArgs := s.scope.clause(s.col("account_id"), s.col("organization_id"), s.col("employee_id"))
	where := scopeWhere + s.where
	args := append(append([]any{}, scopeArgs...), s.args...)
	var keyCol, sub string
	var subArgs []any
	switch {
	case s.empConds != "":
		keyCol, sub, subArgs = s.col("employee_id"), `SELECT id FROM employees WHERE `+s.empConds, s.empArgs
		if s.orgConds != "" {
			where += " AND " + s.col("organization_id") + " IN (SELECT id FROM organizations WHERE " + s.orgConds + ")"
			args = append(args, s.orgArgs...)
		}
	case s.orgConds != "":
		keyCol, sub, subArgs = s.col("organization_id"), `SELECT id FROM organizations WHERE `+s.orgConds, s.orgArgs
	default:
		return db.idList(ctx, `SELECT `+s.col(s.pk)+` FROM `+s.table+` `+s.alias+` WHERE 1 = 1`+where+order+` LIMIT ?`,
			append(args, s.limit)...)
	}
	keys, err := db.idList(ctx, sub+` LIMIT `+strconv.Itoa(narrowCap+1), subArgs...)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	if len(keys) > narrowCap {
		// Broad: walk in page order. On SQLite the unary + keeps the planner off the per-key index, which
		// would otherwise collect and sort every matching row.
		col := keyCol
		if db.dialect == SQLite {
			col = "+" + keyCol
		}
		q := `SELECT ` + s.col(s.pk) + ` FROM ` + s.table + ` ` + s.alias + ` WHERE ` + col + ` IN (` + sub + `)` + where + order + ` LIMIT ?`
		return db.idList(ctx, q, append(append(append([]any{}, subArgs...), args...), s.limit)...)
	}
	// Narrow: the newest page of each key from its index, merged. The scope's organization list is bound
	// once, in a CTE, rather than in every branch.
	if s.scope.OrgIDs != nil && len(s.scope.OrgIDs) == 0 {
		return nil, nil
	}
	var cte string
	var all []any
	perKey := s.where
	perArgs := s.args
	if s.scope.AccountID != "" {
		perKey += " AND " + s.col("account_id") + " = ?"
		perArgs = append(append([]any{}, perArgs...), s.scope.AccountID)
	}
	if s.scope.EmployeeID != "" {
		perKey += " AND " + s.col("employee_id") + " = ?"
		perArgs = append(append([]any{}, perArgs...), s.scope.EmployeeID)
	}
	if s.scope.OrgIDs != nil {
		cte = `WITH scope_orgs(id) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?),", len(s.scope.OrgIDs)), ",") + `) `
		for _, id := range s.scope.OrgIDs {
			all = append(all, id)
		}
		perKey += " AND " + s.col("organization_id") + " IN (SELECT id FROM scope_orgs)"
	}
	if s.empConds != "" && s.orgConds != "" {
		perKey += " AND " + s.col("organization_id") + " IN (SELECT id FROM organizations WHERE " + s.orgConds + ")"
		perArgs = append(append([]any{}, perArgs...), s.orgArgs...)
	}
	var parts []string
	for i, k := range keys {
		parts = append(parts, `SELECT t`+strconv.Itoa(i)+`.k FROM (SELECT `+s.col(s.pk)+` AS k FROM `+s.table+` `+s.alias+
			` WHERE `+keyCol+` = ?`+perKey+order+` LIMIT ?) t`+strconv.Itoa(i))
		all = append(append(append(all, k), perArgs...), s.limit)
	}
	outer := " ORDER BY k"
	if s.desc {
		outer += " DESC"
	}
	return db.idList(ctx, cte+`SELECT k FROM (`+strings.Join(parts, " UNION ALL ")+`) u`+outer+` LIMIT ?`, append(all, s.limit)...)
}

// sortSpec is a list read in a caller-chosen order: ORDER BY expr, then the primary key to make the order
// total. Pages continue after the cursor row's (expr, pk), read again within the same scope, so a cursor
// naming a row the caller cannot see yields an empty page rather than its position.
type sortSpec struct {
	columns, from string // the selected columns and the FROM clause with its joins
	walk          string // the FROM clause the page reads through, when it is not from (see sortWalk)
	pk            string // qualified primary key column, e.g. "a.id"
	expr          string // qualified sort expression
	desc          bool
	scopeWhere    string // the scope's conditions, each starting " AND "
	scopeArgs     []any
	where         string // the filter's conditions, each starting " AND "
	args          []any
	after         string
	limit         int
}

// sortedQuery builds the page's query and arguments.
func (s sortSpec) sortedQuery() (string, []any) {
	where := s.scopeWhere + s.where
	args := append(append([]any{}, s.scopeArgs...), s.args...)
	cmp, dir := " > ", ""
	if s.desc {
		cmp, dir = " < ", " DESC"
	}
	if s.after != "" {
		where += " AND (" + s.expr + ", " + s.pk + ")" + cmp + "(SELECT " + s.expr + ", " + s.pk + s.from +
			" WHERE " + s.pk + " = ?" + s.scopeWhere + ")"
		args = append(append(args, s.after), s.scopeArgs...)
	}
	from := s.from
	if s.walk != "" {
		from = s.walk
	}
	return `SELECT ` + s.columns + from + ` WHERE 1 = 1` + where + ` ORDER BY ` + s.expr + dir + `, ` + s.pk + dir +
		` LIMIT ?`, append(args, s.limit)
}

// sortAccountCol is the account column a sorted list's scope filters on. On SQLite the unary + keeps the
// planner off the account-ordered indexes of the list's table when another path is better: the order comes
// from a joined table (alias is the list's own), whose name index walked in order finds a page at once, or
// the filter named few organizations or employees (narrow), whose rows are read by key and sorted.
func (db *DB) sortAccountCol(alias, expr string, narrow bool) string {
	col := alias + ".account_id"
	joined := !strings.HasPrefix(expr, alias+".") && !strings.HasPrefix(expr, "CASE "+alias+".")
	if db.dialect == SQLite && (joined || narrow) {
		return "+" + col
	}
	return col
}

// sortWalk is the FROM clause a sorted page reads through. On SQLite, when the order comes from a joined
// table and the filter is not narrow, that table leads a CROSS JOIN (which SQLite never reorders; leads maps
// the table's alias to such a clause): walking its name index in order finds a page at once, where the
// planner left to itself may, depending on its statistics, read the whole account and sort it.
func (db *DB) sortWalk(leads map[string]string, expr string, narrow bool) string {
	if db.dialect != SQLite || narrow {
		return ""
	}
	alias, _, _ := strings.Cut(expr, ".")
	return leads[alias]
}

// sortedMembership turns a filter's organization and employee conditions into conditions on a sorted list's
// table (alias). Up to narrowCap matching employees (or organizations) become a list of keys, read through the
// table's per-key index and sorted (narrow); more stay a membership test, which on SQLite carries the unary +
// so that the planner walks the sort order and checks membership instead of collecting and sorting every
// match.
func (db *DB) sortedMembership(ctx context.Context, alias, orgConds string, orgArgs []any, empConds string,
	empArgs []any) (where string, args []any, narrow bool, err error) {
	var keyCol, sub string
	var subArgs []any
	switch {
	case empConds != "":
		keyCol, sub, subArgs = alias+".employee_id", `SELECT id FROM employees WHERE `+empConds, empArgs
	case orgConds != "":
		keyCol, sub, subArgs = alias+".organization_id", `SELECT id FROM organizations WHERE `+orgConds, orgArgs
	default:
		return "", nil, false, nil
	}
	keys, err := db.idList(ctx, sub+` LIMIT `+strconv.Itoa(narrowCap+1), subArgs...)
	if err != nil {
		return "", nil, false, err
	}
	plus := ""
	if db.dialect == SQLite {
		plus = "+"
	}
	switch {
	case len(keys) == 0:
		return " AND 1 = 0", nil, true, nil
	case len(keys) <= narrowCap:
		where, args, narrow = " AND "+keyCol+" IN ("+placeholders(len(keys))+")", anySlice(keys), true
	default:
		where, args = " AND "+plus+keyCol+" IN ("+sub+")", slices.Clone(subArgs)
	}
	if empConds != "" && orgConds != "" {
		where += " AND " + plus + alias + ".organization_id IN (SELECT id FROM organizations WHERE " + orgConds + ")"
		args = append(args, orgArgs...)
	}
	return where, args, narrow, nil
}

// enumOrder sorts an enumerated column in the order the model lists its values (an application's life, not
// the alphabet); values are the model's own constants, never input.
func enumOrder[T ~string](col string, values []T) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, v := range values {
		b.WriteString(" WHEN '" + string(v) + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(values)) + " END")
	return b.String()
}

// sortKeys lists a sort map's keys, for validation and documentation.
func sortKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
