package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// The reissue metrics' queries (package metrics). Each one groups in the database over a range of months
// and returns a handful of rows; months are given as their bounds, so the calendar (Moscow months) stays in
// the caller. A certificate's issue instant is its not_before.

// metricsScope is s's condition on certificates c for the metrics' queries. The CA operator's scope
// names every account, so that the per-account indexes (migration 0018) serve it too: each account's range
// of months is walked in turn instead of the whole table.
func metricsScope(s Scope) (string, []any) {
	where, args := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	if s.AccountID == "" {
		where += " AND c.account_id IN (SELECT id FROM accounts)"
	}
	return where, args
}

// eachAnalyticRow runs a metrics query and calls scan for each row. On PostgreSQL it runs in a transaction
// without JIT compilation: the planner prices a query's per-certificate index probes above jit_above_cost,
// and compiling it then takes longer (about a second) than running it. SQLite has no JIT.
func (db *DB) eachAnalyticRow(ctx context.Context, q string, args []any, scan func(rows *sql.Rows) error) error {
	run := func(ctx context.Context) error {
		rows, err := db.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if db.dialect != Postgres {
		return run(ctx)
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		return run(ctx)
	})
}

// EndingCounts are the certificates that reached their end within one month.
type EndingCounts struct {
	// Ended counts every certificate whose not_after fell in the month.
	Ended int
	// Reissued counts those with a reissue: a newer certificate of the same holder, kind and organization
	// issued before the old one's end, or the register's replaced-by link to a certificate issued before it.
	Reissued int
	// RevokedNotReissued counts those revoked before their end and never reissued: nobody needed to renew
	// them, so they belong to neither side of the reissue share.
	RevokedNotReissued int
}

// monthCase is a CASE expression giving the index i of the month [bounds[i], bounds[i+1]) that col falls
// in, with its arguments; rows must already be limited to [bounds[0], bounds[len-1]).
func monthCase(col string, bounds []time.Time) (string, []any) {
	if len(bounds) <= 2 {
		return "0", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	for i := 1; i+1 < len(bounds); i++ {
		b.WriteString(" WHEN " + col + " < ? THEN " + strconv.Itoa(i-1))
		args = append(args, micros(bounds[i]))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(bounds)-2) + " END")
	return b.String(), args
}

// CertificateEndings counts, for each month [bounds[i], bounds[i+1]), the scope's certificates that ended
// in it before now (certificates still running at now are not counted yet). The reissue test is two index
// probes per ended certificate (certificates_reissue, the primary key).
func (db *DB) CertificateEndings(ctx context.Context, s Scope, bounds []time.Time, now time.Time) ([]EndingCounts, error) {
	out := make([]EndingCounts, max(len(bounds)-1, 0))
	if len(out) == 0 {
		return out, nil
	}
	end := bounds[len(bounds)-1]
	if now.Before(end) {
		end = now
	}
	month, margs := monthCase("c.not_after", bounds)
	where, sargs := metricsScope(s)
	// The flags are computed in a derived table and grouped outside it: PostgreSQL does not group by an
	// expression holding a correlated subquery.
	q := `SELECT m, re, rv, COUNT(*) FROM (SELECT ` + month + ` AS m,
		CASE WHEN EXISTS (SELECT 1 FROM certificates n WHERE n.employee_id = c.employee_id AND n.kind = c.kind
				AND n.organization_id = c.organization_id AND n.not_before > c.not_before AND n.not_before < c.not_after)
			OR (c.replaced_by <> '' AND EXISTS (SELECT 1 FROM certificates r WHERE r.serial = c.replaced_by
				AND r.not_before < c.not_after))
			THEN 1 ELSE 0 END AS re,
		CASE WHEN c.revoked_at IS NOT NULL AND c.revoked_at < c.not_after THEN 1 ELSE 0 END AS rv
		FROM certificates c WHERE c.not_after >= ? AND c.not_after < ?` + where + `) x GROUP BY m, re, rv`
	args := append(margs, micros(bounds[0]), micros(end))
	err := db.eachAnalyticRow(ctx, q, append(args, sargs...), func(rows *sql.Rows) error {
		var m, reissued, revoked, n int
		if err := rows.Scan(&m, &reissued, &revoked, &n); err != nil {
			return err
		}
		e := &out[m]
		e.Ended += n
		switch {
		case reissued == 1:
			e.Reissued += n
		case revoked == 1:
			e.RevokedNotReissued += n
		}
		return nil
	})
	return out, err
}

// IssueLags returns, for each month [bounds[i], bounds[i+1]) of issue, how many of the scope's certificates
// issued from an application took each whole number of days from the application's creation: a histogram
// for the median, a few rows per month whatever the register's size.
func (db *DB) IssueLags(ctx context.Context, s Scope, bounds []time.Time) ([]map[int]int, error) {
	out := make([]map[int]int, max(len(bounds)-1, 0))
	if len(out) == 0 {
		return out, nil
	}
	for i := range out {
		out[i] = map[int]int{}
	}
	month, margs := monthCase("c.not_before", bounds)
	where, sargs := metricsScope(s)
	q := `SELECT ` + month + `, (c.not_before - a.created_at) / 86400000000, COUNT(*)
		FROM certificates c JOIN applications a ON a.id = c.application_id
		WHERE c.not_before >= ? AND c.not_before < ?` + where + ` GROUP BY 1, 2`
	args := append(margs, micros(bounds[0]), micros(bounds[len(bounds)-1]))
	err := db.eachAnalyticRow(ctx, q, append(args, sargs...), func(rows *sql.Rows) error {
		var m, days, n int
		if err := rows.Scan(&m, &days, &n); err != nil {
			return err
		}
		out[m][max(days, 0)] += n
		return nil
	})
	return out, err
}

// EmployeeCerts counts the employees' signing certificates valid at one instant.
type EmployeeCerts struct {
	Individual          int // individual certificates, linked to their holder's organization
	LegalEntityEmployee int // employee certificates with the organization's details
	// LegalEntityEmployeeBefore counts the legal_entity_employee ones issued before the instant given as
	// legacyIssuedBefore: the legacy certificates, once the legacy cutoff has passed.
	LegalEntityEmployeeBefore int
}

// EmployeeCertificatesAt counts the scope's individual and legal_entity_employee certificates valid at each
// instant t of at, ascending (issued before t, neither ended nor revoked by t). The query groups the
// certificates running past at[0] by the first instant each was issued before and the first its end (its
// not_after, or its revocation if earlier) is at or before: it is valid at the instants between the two. A
// few cheap comparisons per certificate, and a few dozen groups whatever the register's size.
func (db *DB) EmployeeCertificatesAt(ctx context.Context, s Scope, at []time.Time, legacyIssuedBefore time.Time) ([]EmployeeCerts, error) {
	out := make([]EmployeeCerts, len(at))
	if len(at) == 0 {
		return out, nil
	}
	span := func(col, cmp string) (string, []any) {
		var b strings.Builder
		var args []any
		b.WriteString("CASE")
		for i, t := range at {
			b.WriteString(" WHEN " + col + " " + cmp + " ? THEN " + strconv.Itoa(i))
			args = append(args, micros(t))
		}
		b.WriteString(" ELSE " + strconv.Itoa(len(at)) + " END")
		return b.String(), args
	}
	issued, iargs := span("c.not_before", "<")
	ended, eargs := span("CASE WHEN c.revoked_at IS NOT NULL AND c.revoked_at < c.not_after THEN c.revoked_at ELSE c.not_after END", "<=")
	where, sargs := metricsScope(s)
	// A certificate ended by at[0] counts on both sides at every instant: only those running past it are read.
	q := `SELECT c.kind, CASE WHEN c.not_before < ? THEN 1 ELSE 0 END, ` + issued + `, ` + ended + `, COUNT(*)
		FROM certificates c WHERE c.kind IN ('individual', 'legal_entity_employee') AND c.not_after > ?` + where + ` GROUP BY 1, 2, 3, 4`
	args := append([]any{micros(legacyIssuedBefore)}, iargs...)
	args = append(append(args, eargs...), micros(at[0]))
	err := db.eachAnalyticRow(ctx, q, append(args, sargs...), func(rows *sql.Rows) error {
		var kind string
		var old, from, to, n int
		if err := rows.Scan(&kind, &old, &from, &to, &n); err != nil {
			return err
		}
		// Valid at at[i] for from <= i < to.
		for i := from; i < min(to, len(at)); i++ {
			switch {
			case kind == "individual":
				out[i].Individual += n
			default:
				out[i].LegalEntityEmployee += n
				out[i].LegalEntityEmployeeBefore += n * old
			}
		}
		return nil
	})
	return out, err
}
