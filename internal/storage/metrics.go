package storage

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// The reissue metrics' queries (package metrics). Each one groups in the database over a range of months
// and returns a handful of rows; months are given as their bounds, so the calendar (Moscow months) stays in
// the caller. A certificate's issue instant is its not_before.

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
	where, sargs := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	// The flags are computed in a derived table and grouped outside it: PostgreSQL does not group by an
	// expression holding a correlated subquery.
	q := `SELECT m, re, rv, COUNT(*) FROM (SELECT ` + month + ` AS m,
		CASE WHEN EXISTS (SELECT 1 FROM certificates n WHERE n.employee_id = c.employee_id AND n.kind = c.kind
				AND n.organization_id = c.organization_id AND n.not_before > c.not_before AND n.not_before < c.not_after)
			OR EXISTS (SELECT 1 FROM certificates r WHERE r.serial = c.replaced_by AND r.not_before < c.not_after)
			THEN 1 ELSE 0 END AS re,
		CASE WHEN c.revoked_at IS NOT NULL AND c.revoked_at < c.not_after THEN 1 ELSE 0 END AS rv
		FROM certificates c WHERE c.not_after >= ? AND c.not_after < ?` + where + `) x GROUP BY m, re, rv`
	args := append(margs, micros(bounds[0]), micros(end))
	rows, err := db.query(ctx, q, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m, reissued, revoked, n int
		if err := rows.Scan(&m, &reissued, &revoked, &n); err != nil {
			return nil, err
		}
		e := &out[m]
		e.Ended += n
		switch {
		case reissued == 1:
			e.Reissued += n
		case revoked == 1:
			e.RevokedNotReissued += n
		}
	}
	return out, rows.Err()
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
	where, sargs := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	q := `SELECT ` + month + `, (c.not_before - a.created_at) / 86400000000, COUNT(*)
		FROM certificates c JOIN applications a ON a.id = c.application_id
		WHERE c.not_before >= ? AND c.not_before < ?` + where + ` GROUP BY 1, 2`
	args := append(margs, micros(bounds[0]), micros(bounds[len(bounds)-1]))
	rows, err := db.query(ctx, q, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m, days, n int
		if err := rows.Scan(&m, &days, &n); err != nil {
			return nil, err
		}
		out[m][max(days, 0)] += n
	}
	return out, rows.Err()
}

// EmployeeCerts counts the employees' signing certificates valid at one instant.
type EmployeeCerts struct {
	Individual          int // individual certificates, linked to their holder's organization
	LegalEntityEmployee int // employee certificates with the organization's details
	// LegalEntityEmployeeBefore counts the legal_entity_employee ones issued before the instant given as
	// legacyIssuedBefore: the legacy certificates, once the legacy cutoff has passed.
	LegalEntityEmployeeBefore int
}

// EmployeeCertificatesAt counts the scope's valid individual and legal_entity_employee certificates at each
// instant of at (issued by then, not yet ended, not revoked by then), in one pass over the certificates
// valid at some instant of it.
func (db *DB) EmployeeCertificatesAt(ctx context.Context, s Scope, at []time.Time, legacyIssuedBefore time.Time) ([]EmployeeCerts, error) {
	out := make([]EmployeeCerts, len(at))
	if len(at) == 0 {
		return out, nil
	}
	var cols strings.Builder
	var args []any
	for _, t := range at {
		v := micros(t)
		live := `c.not_before <= ? AND c.not_after > ? AND (c.revoked_at IS NULL OR c.revoked_at > ?)`
		cols.WriteString(`, SUM(CASE WHEN ` + live + ` THEN 1 ELSE 0 END), SUM(CASE WHEN ` + live +
			` AND c.not_before < ? THEN 1 ELSE 0 END)`)
		args = append(args, v, v, v, v, v, v, micros(legacyIssuedBefore))
	}
	where, sargs := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	q := `SELECT c.kind` + cols.String() + ` FROM certificates c
		WHERE c.kind IN ('individual', 'legal_entity_employee') AND c.not_after > ? AND c.not_before <= ?` + where + ` GROUP BY c.kind`
	args = append(args, micros(at[0]), micros(at[len(at)-1]))
	rows, err := db.query(ctx, q, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		vals := make([]int64, 2*len(at))
		dest := []any{&kind}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for i := range at {
			if kind == "individual" {
				out[i].Individual = int(vals[2*i])
			} else {
				out[i].LegalEntityEmployee, out[i].LegalEntityEmployeeBefore = int(vals[2*i]), int(vals[2*i+1])
			}
		}
	}
	return out, rows.Err()
}
