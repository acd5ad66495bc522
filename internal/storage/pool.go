package storage

import (
	"context"
	"database/sql"
)

// Pool returns the database/sql pool, for the job queue (internal/jobs), whose library keeps its own tables in
// kcr's database and runs its own statements on them.
func (db *DB) Pool() *sql.DB { return db.sql }

// CurrentTx returns the transaction InTx put in ctx, or nil outside one: the job queue inserts a job in the
// caller's transaction, so that the job exists exactly when what it follows up on was committed.
func CurrentTx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}
