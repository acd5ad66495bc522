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

// searchSpec describes a paged search over applications or certificates (both have account_id,
// organization_id and employee_id columns) whose filter may name organizations or employees indirectly
// (by name words, ИНН, СНИЛС…).
type searchSpec struct {
	table, alias, pk string // e.g. "applications", "a", "id"
	desc             bool   // newest first
	scope            Scope
	where            string // conditions on the table itself other than scope (state, cursor…), each starting " AND "
	args             []any
	org, emp         ownerMatch // the filter's organization and employee conditions
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
	var keyCol string
	var primary ownerMatch
	switch {
	case !s.emp.none():
		keyCol, primary = s.col("employee_id"), s.emp
		if !s.org.none() {
			w, a := s.org.member(s.col("organization_id"), "", idWalkListCap)
			where += " AND " + w
			args = append(args, a...)
		}
	case !s.org.none():
		keyCol, primary = s.col("organization_id"), s.org
	default:
		return db.idList(ctx, `SELECT `+s.col(s.pk)+` FROM `+s.table+` `+s.alias+` WHERE 1 = 1`+where+order+` LIMIT ?`,
			append(args, s.limit)...)
	}
	keys, err := db.keys(ctx, primary, narrowCap+1)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	if len(keys) > narrowCap {
		// Broad: walk in page order. On SQLite the unary + keeps the planner off the per-key index, which
		// would otherwise collect and sort every matching row.
		plus := ""
		if db.dialect == SQLite {
			plus = "+"
		}
		w, a := primary.member(keyCol, plus, idWalkListCap)
		q := `SELECT ` + s.col(s.pk) + ` FROM ` + s.table + ` ` + s.alias + ` WHERE ` + w + where + order + ` LIMIT ?`
		return db.idList(ctx, q, append(append(a, args...), s.limit)...)
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
	if !s.emp.none() && !s.org.none() {
		w, a := s.org.member(s.col("organization_id"), "", idWalkListCap)
		perKey += " AND " + w
		perArgs = append(append([]any{}, perArgs...), a...)
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
