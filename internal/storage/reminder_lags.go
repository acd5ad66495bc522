package storage

import (
	"context"
	"database/sql"
	"time"
)

// FirstReminderToReissue returns, for each month [bounds[i], bounds[i+1]) of reissue, how many of the
// scope's certificates were reissued each whole number of days after their first expiry reminder was
// planned (the earliest reminder_steps row of the serial): a histogram for the median, as IssueLags. A
// certificate's reissue is the earliest newer certificate of the same holder, kind and organization, or
// the register's replaced-by link, whichever was issued first; reissues before the first reminder and the
// МЧД's reminder steps (their refs are no serial) are not counted.
func (db *DB) FirstReminderToReissue(ctx context.Context, s Scope, bounds []time.Time) ([]map[int]int, error) {
	out := make([]map[int]int, max(len(bounds)-1, 0))
	if len(out) == 0 {
		return out, nil
	}
	for i := range out {
		out[i] = map[int]int{}
	}
	month, margs := monthCase("x.re", bounds)
	where, sargs := metricsScope(s)
	q := `SELECT ` + month + `, (x.re - x.first) / 86400000000, COUNT(*) FROM (
		SELECT y.first AS first, CASE WHEN y.rp IS NOT NULL AND (y.nx IS NULL OR y.rp < y.nx) THEN y.rp ELSE y.nx END AS re FROM (
			SELECT r.first AS first,
				(SELECT MIN(n.not_before) FROM certificates n WHERE n.employee_id = c.employee_id AND n.kind = c.kind
					AND n.organization_id = c.organization_id AND n.not_before > c.not_before) AS nx,
				(SELECT p.not_before FROM certificates p WHERE p.serial = c.replaced_by) AS rp
			FROM (SELECT ref, MIN(at) AS first FROM reminder_steps GROUP BY ref) r
			JOIN certificates c ON c.serial = r.ref WHERE 1 = 1` + where + `) y) x
		WHERE x.re >= ? AND x.re < ? AND x.re >= x.first GROUP BY 1, 2`
	args := append(append(margs, sargs...), micros(bounds[0]), micros(bounds[len(bounds)-1]))
	err := db.eachAnalyticRow(ctx, q, args, func(rows *sql.Rows) error {
		var m, days, n int
		if err := rows.Scan(&m, &days, &n); err != nil {
			return err
		}
		out[m][days] += n
		return nil
	})
	return out, err
}
