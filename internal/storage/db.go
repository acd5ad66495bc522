// Package storage owns kcr's database: opening SQLite or PostgreSQL, the numbered migrations, and every
// SQL statement. Statements are written once with '?' placeholders and rebound for PostgreSQL.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the database engine.
type Dialect int

// The engines kcr runs on.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open kcr database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	observe func(query string, args []any) // nil but in the query-plan test (export_test.go), which collects statements
	stmts   sync.Map                       // query text → *sql.Stmt, for the CA's hot statements (prepared.go)
}

// SQLiteFile is the database file name inside the data folder.
const SQLiteFile = "kcr.db"

// Open opens the database: PostgreSQL when url starts with postgres:// or postgresql://, otherwise SQLite in
// dataDir (created if missing). It does not migrate; call Migrate.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if url != "" {
		if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
			return nil, fmt.Errorf("database URL must start with postgres:// or postgresql://")
		}
		db, err := sql.Open("pgx", url)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(20)
		// Keep them open: database/sql keeps 2 idle connections by default and closes the rest, so under
		// concurrent load every request beyond that forked a new PostgreSQL backend and paid for it in CPU.
		db.SetMaxIdleConns(20)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		return &DB{sql: db, dialect: Postgres}, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	return OpenSQLiteFile(ctx, filepath.Join(dataDir, SQLiteFile))
}

// OpenSQLiteFile opens (creating) a SQLite database at path. Write transactions take the lock at BEGIN so
// that two writers queue on the busy timeout instead of failing with SQLITE_BUSY half-way.
func OpenSQLiteFile(ctx context.Context, path string) (*DB, error) {
	if err := restrictSQLiteFiles(path); err != nil {
		return nil, err
	}
	// The path goes into a file: URI, where '%', '?' and '#' would be read as URI syntax.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	// A page cache of 32 MiB per connection (SQLite's default is 2 MiB): with several pooled connections
	// each one re-reads pages another one wrote, and issuance spent a tenth of its time in those reads.
	dsn := "file:" + escaped + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8) // reopening a SQLite connection re-reads the schema; keep the pool's connections open
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	return &DB{sql: db, dialect: SQLite}, nil
}

// restrictSQLiteFiles creates the database file readable by its owner only (0600) before SQLite opens it,
// and narrows an existing one and its -wal and -shm files: they hold personal data. SQLite creates the -wal
// and -shm files with the database file's mode.
func restrictSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restrict SQLite file %s to its owner: %w", p, err)
		}
	}
	return nil
}

// Optimize refreshes the query planner's statistics where they are missing or stale. SQLite has no
// autovacuum to do it: without statistics, or with some for older indexes and none for newer ones, its
// planner can walk an account's rows in the wrong index and sort them (seconds at a million applications)
// where a per-organization index finds the page at once. The analysis samples at most 1,000 rows per index,
// so it takes about a second at that size. PostgreSQL's autovacuum analyzes on its own: nothing to do.
func (db *DB) Optimize(ctx context.Context) error {
	// 0x10002: run ANALYZE where it helps, considering every table, not only those this connection used.
	return db.analyze(ctx, `PRAGMA optimize = 0x10002`)
}

// analyze runs a statistics statement on SQLite, sampling at most 1,000 rows per index.
func (db *DB) analyze(ctx context.Context, stmt string) error {
	if db.dialect != SQLite {
		return nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, stmt)
	return err
}

// LockAccountWaves serializes renewal waves of one account until the surrounding transaction ends: two waves
// must not both find a certificate without a reissue application and both create one. On PostgreSQL it is a
// transaction-scoped advisory lock; SQLite's write transactions take the database lock at BEGIN, so there
// waves are serialized already.
func (db *DB) LockAccountWaves(ctx context.Context, accountID string) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := db.exec(ctx, `SELECT pg_advisory_xact_lock(7345002, hashtext(?))`, accountID)
	return err
}

// LockAccountUsers makes changes to one account's users take turns for the rest of the transaction on
// PostgreSQL (SQLite transactions are serialized anyway): two administrators disabling or demoting each
// other at once must not both pass the "at least one enabled administrator" count.
func (db *DB) LockAccountUsers(ctx context.Context, accountID string) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := db.exec(ctx, `SELECT pg_advisory_xact_lock(7345005, hashtext(?))`, accountID)
	return err
}

// Dialect tells which engine the database runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// rebind turns '?' placeholders into PostgreSQL's $n. kcr's statements never contain a literal '?'.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{}

// q returns the transaction carried by ctx, or the database itself.
func (db *DB) q(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.sql
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.observe != nil {
		db.observe(query, args)
	}
	return db.q(ctx).ExecContext(ctx, db.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.observe != nil {
		db.observe(query, args)
	}
	return db.q(ctx).QueryContext(ctx, db.rebind(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.observe != nil {
		db.observe(query, args)
	}
	return db.q(ctx).QueryRowContext(ctx, db.rebind(query), args...)
}

// InTx runs fn in a transaction carried by the context it receives. A nested call joins the outer
// transaction, so an operation and everything it writes (audit, events, idempotency record) commit or
// roll back together.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ErrNoRows is returned by lookups that find nothing; callers turn it into a not-found error that names
// the object.
var ErrNoRows = sql.ErrNoRows

// IsNoRows reports whether err means nothing was found.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// isUniqueViolation reports whether err is a unique-constraint violation on either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
