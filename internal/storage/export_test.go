package storage

import (
	"context"
	"fmt"
)

// ObserveStatements makes db hand every statement it runs (with '?' placeholders) and its arguments to fn,
// before running it; nil stops. Call it while nothing else uses db.
func ObserveStatements(db *DB, fn func(query string, args []any)) { db.observe = fn }

// QueryPlan returns the engine's plan of a statement, one line per node: EXPLAIN QUERY PLAN on SQLite, and
// EXPLAIN with sequential scans disabled on PostgreSQL, so that a small test table still shows the index
// the planner would use on a large one (without a usable index it shows a Seq Scan all the same).
func QueryPlan(ctx context.Context, db *DB, query string, args ...any) ([]string, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	explain := "EXPLAIN QUERY PLAN "
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return nil, err
		}
		explain = "EXPLAIN "
	}
	rows, err := tx.QueryContext(ctx, explain+db.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		plan = append(plan, fmt.Sprintf("%s", vals[len(vals)-1]))
	}
	return plan, rows.Err()
}
