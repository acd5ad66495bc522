package storage

import (
	"context"
	"time"
)

// PoARemindRef is the reminder_steps ref of a power of attorney: its id with a prefix, so that it never
// matches a certificate's serial.
func PoARemindRef(id string) string { return "mchd:" + id }

// PoAReminderCandidate is a registered power of attorney an expiry reminder may be due for.
type PoAReminderCandidate struct {
	ID, AccountID, OrganizationID, EmployeeID string
	EndDate                                   time.Time // its last valid Moscow day, at midnight
	PlannedStep                               int       // the smallest reminder step planned so far; 0: none
}

// poaStillDue is the condition on a power of attorney p that still wants expiry reminders: registered, and
// no other registered power of attorney of the same representative and organization ends later.
const poaStillDue = `p.state = 'registered' AND NOT EXISTS (SELECT 1 FROM powers_of_attorney n
	WHERE n.employee_id = p.employee_id AND n.organization_id = p.organization_id AND n.state = 'registered'
	AND n.end_date > p.end_date)`

// PoAReminderCandidates lists the powers of attorney of every account that still want reminders and end on
// a Moscow day from from to to (inclusive), by end date.
func (db *DB) PoAReminderCandidates(ctx context.Context, from, to time.Time) ([]PoAReminderCandidate, error) {
	rows, err := db.query(ctx, `SELECT p.id, p.account_id, p.organization_id, p.employee_id, p.end_date,
		COALESCE((SELECT MIN(r.days) FROM reminder_steps r WHERE r.ref = 'mchd:' || p.id), 0)
		FROM powers_of_attorney p WHERE p.end_date >= ? AND p.end_date <= ? AND `+poaStillDue+`
		ORDER BY p.end_date, p.id`, toPoADate(from), toPoADate(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PoAReminderCandidate
	for rows.Next() {
		var c PoAReminderCandidate
		var end string
		if err := rows.Scan(&c.ID, &c.AccountID, &c.OrganizationID, &c.EmployeeID, &end, &c.PlannedStep); err != nil {
			return nil, err
		}
		if c.EndDate, err = fromPoADate(end); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PoAReminderStillDue tells whether a power of attorney still wants expiry reminders on now's Moscow day:
// it ends no earlier, and PoAReminderCandidates would list it.
func (db *DB) PoAReminderStillDue(ctx context.Context, id string, now time.Time) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM powers_of_attorney p WHERE p.id = ? AND p.end_date >= ? AND `+poaStillDue,
		id, toPoADate(now)).Scan(&n)
	return n > 0, err
}
