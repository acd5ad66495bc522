package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
)

// poaColumns are a power of attorney's columns without its file and signature bytes, for lists;
// poaFullColumns add them, for one record and the authorization check.
const (
	poaColumns = `p.id, p.account_id, p.organization_id, p.employee_id, p.number, p.internal_number, p.issue_date,
	p.end_date, p.kind, p.retrust, p.powers, p.powers_text, p.state, p.registry_status, p.registry_operation, p.reason,
	p.signed_at, p.revoked_at, p.file_name, p.created_by, p.created_at, p.updated_at, p.version`
	poaFullColumns = poaColumns + `, p.xml, p.signature`
)

// poaDate is how a power of attorney's dates are stored: its Moscow calendar date, which sorts as text.
const poaDate = "2006-01-02"

func toPoADate(t time.Time) string { return t.In(rules.MSK).Format(poaDate) }

func fromPoADate(s string) (time.Time, error) { return time.ParseInLocation(poaDate, s, rules.MSK) }

func scanPoA(full bool) func(sc interface{ Scan(...any) error }) (*mchd.Record, error) {
	return func(sc interface{ Scan(...any) error }) (*mchd.Record, error) {
		var r mchd.Record
		var issue, end, powers string
		var signed, revoked *int64
		var created, updated int64
		dest := []any{&r.ID, &r.AccountID, &r.OrganizationID, &r.EmployeeID, &r.Number, &r.InternalNumber, &issue, &end,
			&r.Kind, &r.Retrust, &powers, &r.PowersText, &r.State, &r.RegistryStatus, &r.RegistryOperation, &r.Reason,
			&signed, &revoked, &r.FileName, &r.CreatedBy, &created, &updated, &r.Version}
		if full {
			dest = append(dest, &r.XML, &r.Signature)
		}
		if err := sc.Scan(dest...); err != nil {
			return nil, err
		}
		var err error
		if r.IssueDate, err = fromPoADate(issue); err != nil {
			return nil, err
		}
		if r.EndDate, err = fromPoADate(end); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(powers), &r.Powers); err != nil {
			return nil, err
		}
		r.SignedAt, r.RevokedAt = fromOptMicros(signed), fromOptMicros(revoked)
		r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
		return &r, nil
	}
}

func poaPowers(r *mchd.Record) (string, error) {
	powers := r.Powers
	if powers == nil {
		powers = []mchd.Power{}
	}
	b, err := json.Marshal(powers)
	return string(b), err
}

func optBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreatePowersOfAttorney stores new powers of attorney, each with its first history entry (by actor, into
// its state), in one transaction: a bulk draft is stored whole or not at all. A number taken in the account
// is ErrDuplicate.
func (db *DB) CreatePowersOfAttorney(ctx context.Context, recs []*mchd.Record, actor string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		for _, r := range recs {
			powers, err := poaPowers(r)
			if err != nil {
				return err
			}
			_, err = db.exec(ctx, `INSERT INTO powers_of_attorney (id, account_id, organization_id, employee_id, number,
				internal_number, issue_date, end_date, kind, retrust, powers, powers_text, state, registry_status,
				registry_operation, reason, signed_at, revoked_at, file_name, xml, signature, created_by, created_at,
				updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				r.ID, r.AccountID, r.OrganizationID, r.EmployeeID, r.Number, r.InternalNumber, toPoADate(r.IssueDate),
				toPoADate(r.EndDate), r.Kind, r.Retrust, powers, r.PowersText, r.State, r.RegistryStatus,
				r.RegistryOperation, r.Reason, optMicros(r.SignedAt), optMicros(r.RevokedAt), r.FileName, r.XML,
				optBytes(r.Signature), r.CreatedBy, micros(r.CreatedAt), micros(r.UpdatedAt), r.Version)
			if isUniqueViolation(err) {
				return ErrDuplicate
			}
			if err != nil {
				return err
			}
			if err := db.addPoAHistory(ctx, r.ID, mchd.HistoryEntry{At: r.CreatedAt, Actor: actor, To: r.State}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) addPoAHistory(ctx context.Context, id string, h mchd.HistoryEntry) error {
	_, err := db.exec(ctx, `INSERT INTO power_of_attorney_history (power_of_attorney_id, at, actor, from_state, to_state, detail)
		VALUES (?,?,?,?,?,?)`, id, micros(h.At), h.Actor, h.From, h.To, h.Detail)
	return err
}

// SavePowerOfAttorney writes a power of attorney's changeable fields and a history entry, provided nobody
// saved it since it was read (its version); false means someone did and nothing was written. On success
// r.Version is the new version.
func (db *DB) SavePowerOfAttorney(ctx context.Context, r *mchd.Record, h mchd.HistoryEntry) (bool, error) {
	saved := false
	err := db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, `UPDATE powers_of_attorney SET state = ?, registry_status = ?, registry_operation = ?,
			reason = ?, signed_at = ?, revoked_at = ?, signature = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`,
			r.State, r.RegistryStatus, r.RegistryOperation, r.Reason, optMicros(r.SignedAt), optMicros(r.RevokedAt),
			optBytes(r.Signature), micros(r.UpdatedAt), r.ID, r.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		saved = true
		return db.addPoAHistory(ctx, r.ID, h)
	})
	if saved && err == nil {
		r.Version++
	}
	return saved && err == nil, err
}

// PowerOfAttorney returns one power of attorney, with its file and signature bytes, within the scope.
func (db *DB) PowerOfAttorney(ctx context.Context, s Scope, id string) (*mchd.Record, error) {
	where, args := s.clause("p.account_id", "p.organization_id", "p.employee_id")
	return scanPoA(true)(db.queryRow(ctx, `SELECT `+poaFullColumns+` FROM powers_of_attorney p WHERE p.id = ?`+where,
		append([]any{id}, args...)...))
}

// PowerOfAttorneyHistory lists a power of attorney's changes, oldest first.
func (db *DB) PowerOfAttorneyHistory(ctx context.Context, id string) ([]mchd.HistoryEntry, error) {
	out, err := queryAll(ctx, db, func(sc interface{ Scan(...any) error }) (mchd.HistoryEntry, error) {
		var h mchd.HistoryEntry
		var at int64
		err := sc.Scan(&at, &h.Actor, &h.From, &h.To, &h.Detail)
		h.At = fromMicros(at)
		return h, err
	}, `SELECT at, actor, from_state, to_state, detail FROM power_of_attorney_history
		WHERE power_of_attorney_id = ? ORDER BY id`, id)
	if out == nil {
		out = []mchd.HistoryEntry{}
	}
	return out, err
}

// PoAFilter narrows a list of powers of attorney. EndingBefore is a Moscow date "YYYY-MM-DD": only those
// whose end date is before it.
type PoAFilter struct {
	OrganizationID string
	EmployeeID     string
	State          mchd.State
	EndingBefore   string
	Number         string
}

// PowersOfAttorney lists powers of attorney (without their bytes) within the scope, ordered by id after
// p.After.
func (db *DB) PowersOfAttorney(ctx context.Context, s Scope, f PoAFilter, p Page) ([]*mchd.Record, error) {
	where, args := s.clause("p.account_id", "p.organization_id", "p.employee_id")
	for _, c := range []struct{ cond, v string }{{" AND p.organization_id = ?", f.OrganizationID},
		{" AND p.employee_id = ?", f.EmployeeID}, {" AND p.state = ?", string(f.State)},
		{" AND p.end_date < ?", f.EndingBefore}, {" AND p.number = ?", f.Number}, {" AND p.id > ?", p.After}} {
		if c.v != "" {
			where += c.cond
			args = append(args, c.v)
		}
	}
	return queryAll(ctx, db, scanPoA(false), `SELECT `+poaColumns+` FROM powers_of_attorney p WHERE 1 = 1`+where+
		` ORDER BY p.id LIMIT ?`, append(args, p.Limit)...)
}

// PowersOfAttorneyProcessing lists, with their bytes, up to limit powers of attorney the registry is still
// processing, for the reconciler; after is the last id of the previous batch.
func (db *DB) PowersOfAttorneyProcessing(ctx context.Context, after string, limit int) ([]*mchd.Record, error) {
	return queryAll(ctx, db, scanPoA(true), `SELECT `+poaFullColumns+` FROM powers_of_attorney p
		WHERE p.registry_status = ? AND p.state = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
		mchd.RegistryProcessing, mchd.StateSigned, after, limit)
}

// PowersOfAttorneyEnded lists up to limit registered powers of attorney whose end date is before the given
// Moscow date, for the reconciler to mark expired.
func (db *DB) PowersOfAttorneyEnded(ctx context.Context, before string, limit int) ([]*mchd.Record, error) {
	return queryAll(ctx, db, scanPoA(false), `SELECT `+poaColumns+` FROM powers_of_attorney p
		WHERE p.state = ? AND p.end_date < ? ORDER BY p.end_date, p.id LIMIT ?`, mchd.StateRegistered, before, limit)
}

// FindForCheck returns the powers of attorney, with their file bytes, that might authorize a signature:
// by number, or by the grantor organization (id, or ИНН with an optional КПП), within the query's account
// unless it names none.
func (db *DB) FindForCheck(ctx context.Context, q mchd.FindQuery) ([]mchd.Record, error) {
	var where string
	var args []any
	if q.AccountID != "" {
		where += " AND p.account_id = ?"
		args = append(args, q.AccountID)
	}
	from := ` FROM powers_of_attorney p`
	switch {
	case q.Number != "":
		where += " AND p.number = ?"
		args = append(args, q.Number)
	case q.OrganizationID != "":
		where += " AND p.organization_id = ?"
		args = append(args, q.OrganizationID)
	case q.OrgINN != "":
		from += ` JOIN organizations o ON o.id = p.organization_id`
		where += " AND o.inn = ?"
		args = append(args, q.OrgINN)
		if q.OrgKPP != "" {
			where += " AND o.kpp = ?"
			args = append(args, q.OrgKPP)
		}
	default:
		return nil, nil
	}
	rows, err := queryAll(ctx, db, scanPoA(true), `SELECT `+poaFullColumns+from+` WHERE 1 = 1`+where+` ORDER BY p.id`, args...)
	out := make([]mchd.Record, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, err
}
