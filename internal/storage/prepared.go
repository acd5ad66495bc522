package storage

import (
	"context"
	"database/sql"
)

// The certification authority's hot statements (the OCSP status lookup, the CRL's revocation count, the
// issuance intents) run prepared: SQLite otherwise parses and plans a statement on every call, which for
// these one-row statements costs about as much as running them. database/sql prepares a statement once
// per pooled connection and keeps it; PostgreSQL's driver caches its statements by itself already.

// stmt returns the prepared statement of query, preparing it the first time.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.sql.PrepareContext(ctx, db.rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// inTx returns the statement for the transaction ctx carries, if any.
func inTx(ctx context.Context, s *sql.Stmt) *sql.Stmt {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx.StmtContext(ctx, s)
	}
	return s
}

// execPrepared is exec with a prepared statement.
func (db *DB) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.observe != nil {
		db.observe(query, args)
	}
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return inTx(ctx, s).ExecContext(ctx, args...)
}

// queryPrepared is query with a prepared statement.
func (db *DB) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.observe != nil {
		db.observe(query, args)
	}
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return inTx(ctx, s).QueryContext(ctx, args...)
}

// scanRowPrepared runs a one-row query with a prepared statement and scans it; no row is sql.ErrNoRows.
func (db *DB) scanRowPrepared(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := db.queryPrepared(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
