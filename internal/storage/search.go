package storage

import (
	"context"
	"strconv"
	"strings"
)

// narrowCap is how many matching organizations or employees a search expands into per-key index lookups.
// Beyond it the filter matches a large share of rows, and walking the table in page order finds a page
// sooner.
const narrowCap = 200

// searchSpec describes a paged search over applications or certificates whose filter may name
// organizations or employees indirectly (by name prefix, ИНН, СНИЛС…).
type searchSpec struct {
	table, alias, pk string // e.g. "applications", "a", "id"
	desc             bool   // newest first
	where            string // conditions on the table itself (scope, state, cursor…), each starting " AND "
	args             []any
	scope            Scope
	orgConds         string // conditions on organizations, "" for none
	orgArgs          []any
	empConds         string // conditions on employees, "" for none
	empArgs          []any
	limit            int
}

// searchKeys returns the primary keys of one page. When the filter names few organizations or employees it
// reads each one's newest rows from the (organization_id|employee_id, pk) index and merges them; when it
// names many, it walks the table in page order and checks membership.
func (db *DB) searchKeys(ctx context.Context, s searchSpec) ([]string, error) {
	a := s.alias
	order := " ORDER BY " + a + "." + s.pk
	if s.desc {
		order += " DESC"
	}
	where, args := s.where, s.args
	var keyCol string
	var keys []string
	var err error
	switch {
	case s.empConds != "":
		sw, sargs := s.scope.clause("account_id", "organization_id", "id")
		keyCol = a + ".employee_id"
		keys, err = db.idList(ctx, `SELECT id FROM employees WHERE `+s.empConds+sw+` LIMIT `+strconv.Itoa(narrowCap+1),
			append(append([]any{}, s.empArgs...), sargs...)...)
		if s.orgConds != "" {
			where += " AND " + a + ".organization_id IN (SELECT id FROM organizations WHERE " + s.orgConds + ")"
			args = append(args, s.orgArgs...)
		}
	case s.orgConds != "":
		sw, sargs := s.scope.clause("account_id", "id", "")
		if s.scope.EmployeeID != "" {
			sw, sargs = " AND id IN (SELECT organization_id FROM employees WHERE id = ?)", []any{s.scope.EmployeeID}
		}
		keyCol = a + ".organization_id"
		keys, err = db.idList(ctx, `SELECT id FROM organizations WHERE `+s.orgConds+sw+` LIMIT `+strconv.Itoa(narrowCap+1),
			append(append([]any{}, s.orgArgs...), sargs...)...)
	default:
		return db.idList(ctx, `SELECT `+a+`.`+s.pk+` FROM `+s.table+` `+a+` WHERE 1 = 1`+where+order+` LIMIT ?`,
			append(args, s.limit)...)
	}
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) > narrowCap {
		// Broad: walk in page order. On SQLite the unary + keeps the planner off the per-key index, which
		// would otherwise collect and sort every matching row.
		col := keyCol
		if db.dialect == SQLite {
			col = "+" + keyCol
		}
		sub := `SELECT id FROM organizations WHERE ` + s.orgConds
		subArgs := s.orgArgs
		if s.empConds != "" {
			sub, subArgs = `SELECT id FROM employees WHERE `+s.empConds, s.empArgs
		}
		q := `SELECT ` + a + `.` + s.pk + ` FROM ` + s.table + ` ` + a + ` WHERE ` + col + ` IN (` + sub + `)` + where + order + ` LIMIT ?`
		return db.idList(ctx, q, append(append(append([]any{}, subArgs...), args...), s.limit)...)
	}
	// Narrow: the newest page of each key from its index, merged.
	var parts []string
	var all []any
	for i, k := range keys {
		parts = append(parts, `SELECT t`+strconv.Itoa(i)+`.k FROM (SELECT `+a+`.`+s.pk+` AS k FROM `+s.table+` `+a+
			` WHERE `+keyCol+` = ?`+where+order+` LIMIT ?) t`+strconv.Itoa(i))
		all = append(append(append(all, k), args...), s.limit)
	}
	outer := " ORDER BY k"
	if s.desc {
		outer += " DESC"
	}
	return db.idList(ctx, `SELECT k FROM (`+strings.Join(parts, " UNION ALL ")+`) u`+outer+` LIMIT ?`, append(all, s.limit)...)
}
