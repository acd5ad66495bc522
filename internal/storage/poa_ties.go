package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
)

// PoAHolder is an employee acting for an organization: whom a power of attorney names.
type PoAHolder struct {
	OrganizationID string
	EmployeeID     string
}

// CurrentPowersOfAttorney returns, for each holder that has one, the power of attorney shown beside their
// certificates: the registered one ending latest; without a registered one, the one ending latest of those
// that were registered and then revoked or expired (one cancelled before registration never let anyone
// sign, so it is not shown). One query for the whole set (a page of a list), within the scope; no file bytes.
func (db *DB) CurrentPowersOfAttorney(ctx context.Context, s Scope, holders []PoAHolder) (map[PoAHolder]*mchd.Record, error) {
	out := map[PoAHolder]*mchd.Record{}
	want, seen := map[PoAHolder]bool{}, map[string]bool{}
	var emps []any
	for _, h := range holders {
		if h.OrganizationID == "" || h.EmployeeID == "" {
			continue
		}
		want[h] = true
		if !seen[h.EmployeeID] {
			seen[h.EmployeeID] = true
			emps = append(emps, h.EmployeeID)
		}
	}
	if len(emps) == 0 {
		return out, nil
	}
	where, args := s.clause("p.account_id", "p.organization_id", "p.employee_id")
	states := []any{mchd.StateRegistered, mchd.StateExpired, mchd.StateRevoked, mchd.RegistryRevoked}
	rows, err := queryAll(ctx, db, scanPoA(false), `SELECT `+poaColumns+` FROM powers_of_attorney p
		WHERE p.employee_id IN (`+placeholders(len(emps))+`) AND (p.state IN (?, ?) OR (p.state = ? AND p.registry_status = ?))`+
		where+` ORDER BY p.id`, append(append(emps, states...), args...)...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		h := PoAHolder{OrganizationID: r.OrganizationID, EmployeeID: r.EmployeeID}
		if !want[h] {
			continue
		}
		if cur, ok := out[h]; !ok || tieBetter(r, cur) {
			out[h] = r
		}
	}
	return out, nil
}

// tieBetter tells whether a stands for its holder rather than b: registered first, then the later end date,
// then the later change.
func tieBetter(a, b *mchd.Record) bool {
	ar, br := a.State == mchd.StateRegistered, b.State == mchd.StateRegistered
	if ar != br {
		return ar
	}
	if !a.EndDate.Equal(b.EndDate) {
		return a.EndDate.After(b.EndDate)
	}
	return a.UpdatedAt.After(b.UpdatedAt)
}

// PoACounts are the dashboard's counts of powers of attorney.
type PoACounts struct {
	// Ending[i] counts the registered powers of attorney whose end date is from today to before today +
	// days[i] (Moscow dates).
	Ending []int
	// CertsWithout counts the valid individual certificates linked to an organization whose holder has no
	// registered power of attorney of that organization ending today or later.
	CertsWithout int
}

// PowerOfAttorneyCounts counts, within the scope, the registered powers of attorney ending within each of
// days from today, and the valid individual certificates whose holder has none (see PoACounts).
func (db *DB) PowerOfAttorneyCounts(ctx context.Context, s Scope, now time.Time, days []int) (*PoACounts, error) {
	today := toPoADate(now)
	out := &PoACounts{Ending: make([]int, len(days))}
	where, args := s.clause("p.account_id", "p.organization_id", "p.employee_id")
	for i, d := range days {
		a := append([]any{mchd.StateRegistered, today, toPoADate(now.AddDate(0, 0, d))}, args...)
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM powers_of_attorney p WHERE p.state = ? AND p.end_date >= ?
			AND p.end_date < ?`+where, a...).Scan(&out.Ending[i]); err != nil {
			return nil, err
		}
	}
	cwhere, cargs := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	a := append([]any{model.KindIndividual, micros(now), mchd.StateRegistered, today}, cargs...)
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM certificates c WHERE c.status = 'valid' AND c.kind = ?
		AND c.not_after > ? AND c.organization_id <> '' AND c.employee_id <> ''
		AND NOT EXISTS (SELECT 1 FROM powers_of_attorney p WHERE p.employee_id = c.employee_id
			AND p.organization_id = c.organization_id AND p.state = ? AND p.end_date >= ?)`+cwhere, a...).Scan(&out.CertsWithout)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastPowersDrafted returns the powers of the power of attorney drafted most recently in the organization,
// within the scope; none is an empty list.
func (db *DB) LastPowersDrafted(ctx context.Context, s Scope, organizationID string) ([]mchd.Power, error) {
	where, args := s.clause("p.account_id", "p.organization_id", "")
	var powers string
	err := db.queryRow(ctx, `SELECT p.powers FROM powers_of_attorney p WHERE p.organization_id = ?`+where+
		` ORDER BY p.created_at DESC, p.id DESC LIMIT 1`, append([]any{organizationID}, args...)...).Scan(&powers)
	if IsNoRows(err) {
		return []mchd.Power{}, nil
	}
	if err != nil {
		return nil, err
	}
	var out []mchd.Power
	if err := json.Unmarshal([]byte(powers), &out); err != nil {
		return nil, err
	}
	return out, nil
}
