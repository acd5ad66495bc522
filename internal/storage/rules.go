package storage

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// CreateServiceCenter stores a service center.
func (db *DB) CreateServiceCenter(ctx context.Context, c *model.ServiceCenter) error {
	_, err := db.exec(ctx, `INSERT INTO service_centers (id, name, address, region, hours, created_at) VALUES (?,?,?,?,?,?)`,
		c.ID, c.Name, c.Address, c.Region, c.Hours, micros(c.CreatedAt))
	return err
}

// ServiceCenters lists the service centers by name.
func (db *DB) ServiceCenters(ctx context.Context) ([]model.ServiceCenter, error) {
	rows, err := db.query(ctx, `SELECT id, name, address, region, hours, created_at FROM service_centers ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.ServiceCenter{}
	for rows.Next() {
		var c model.ServiceCenter
		var at int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Address, &c.Region, &c.Hours, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ServiceCenter returns one service center.
func (db *DB) ServiceCenter(ctx context.Context, id string) (*model.ServiceCenter, error) {
	var c model.ServiceCenter
	var at int64
	err := db.queryRow(ctx, `SELECT id, name, address, region, hours, created_at FROM service_centers WHERE id = ?`, id).
		Scan(&c.ID, &c.Name, &c.Address, &c.Region, &c.Hours, &at)
	if err != nil {
		return nil, err
	}
	c.CreatedAt = fromMicros(at)
	return &c, nil
}

// SetReplacedBy links a certificate to the one that replaced it; the first replacement stands.
func (db *DB) SetReplacedBy(ctx context.Context, serial, by string) error {
	_, err := db.exec(ctx, `UPDATE certificates SET replaced_by = ? WHERE serial = ? AND replaced_by = ''`, by, serial)
	return err
}

// OpenReissue reports whether a certificate already has a reissue application that is not declined or
// cancelled: a renewal wave skips it.
func (db *DB) OpenReissue(ctx context.Context, serial string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM applications WHERE reissue_of = ? AND state NOT IN ('declined', 'cancelled')`,
		serial).Scan(&n)
	return n > 0, err
}

// RenewalCandidates lists the valid, not yet replaced certificates in scope that a renewal wave considers:
// of the given organizations (nil: all in scope) expiring before a time (zero: any), or of a kind ("" any).
func (db *DB) RenewalCandidates(ctx context.Context, s Scope, orgIDs []string, expiresBefore time.Time, kind model.CertKind) ([]*model.Certificate, error) {
	where, args := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	where += " AND c.status = 'valid' AND c.replaced_by = ''"
	if orgIDs != nil {
		if len(orgIDs) == 0 {
			return nil, nil
		}
		where += " AND c.organization_id IN (" + placeholders(len(orgIDs)) + ")"
		args = append(args, anySlice(orgIDs)...)
	}
	if !expiresBefore.IsZero() {
		where += " AND c.not_after < ?"
		args = append(args, micros(expiresBefore))
	}
	if kind != "" {
		where += " AND c.kind = ?"
		args = append(args, kind)
	}
	return queryAll(ctx, db, scanCertificate, `SELECT `+certificateColumns+certificateFrom+` WHERE 1 = 1`+where+` ORDER BY c.serial`, args...)
}

// OpenApplicationsOfKind lists the ids of applications of a kind that are not finished (issued, declined
// or cancelled), for the bulk carry-over across the 2023 cutoff.
func (db *DB) OpenApplicationsOfKind(ctx context.Context, kind model.CertKind) ([]string, error) {
	return db.idList(ctx, `SELECT id FROM applications WHERE kind = ? AND state NOT IN ('issued', 'declined', 'cancelled') ORDER BY id`, kind)
}

// ValidCertificateOf returns the employee's newest valid certificate of a kind at a time, or ErrNoRows.
func (db *DB) ValidCertificateOf(ctx context.Context, employeeID string, kinds []model.CertKind, at time.Time) (*model.Certificate, error) {
	args := []any{employeeID, micros(at)}
	for _, k := range kinds {
		args = append(args, k)
	}
	return scanCertificate(db.queryRow(ctx, `SELECT `+certificateColumns+certificateFrom+` WHERE c.employee_id = ? AND c.status = 'valid'
		AND c.not_after > ? AND c.kind IN (`+placeholders(len(kinds))+`) ORDER BY c.not_after DESC LIMIT 1`, args...))
}

// CertCounts are counts over the certificate register in a scope, made in one pass by the database.
type CertCounts struct {
	Valid, Expired, Revoked int
	ValidByKind             map[model.CertKind]int
	// Expiring[i] counts valid certificates whose not_after is in [Bounds[i], Bounds[i+1]).
	Expiring []int
	// LegacyValid counts valid legal_entity_employee certificates issued before legacyIssuedBefore.
	LegacyValid int
}

// CertificateCounts counts the scope's certificates by status (expired means valid past not_after at now),
// valid ones by kind, valid ones expiring in each window between consecutive bounds, and valid legacy ones.
// Each count is an index range or an index-only group (certificates_counts, certificates_expiry), so the
// rows with the certificates' DER are never read.
func (db *DB) CertificateCounts(ctx context.Context, s Scope, now time.Time, bounds []time.Time, legacyIssuedBefore time.Time) (*CertCounts, error) {
	where, args := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	n := micros(now)
	out := &CertCounts{ValidByKind: map[model.CertKind]int{}}
	rows, err := db.query(ctx, `SELECT c.status, c.kind, c.not_after > ?, COUNT(*) FROM certificates c WHERE 1 = 1`+where+
		` GROUP BY 1, 2, 3`, append([]any{n}, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var status string
		var kind model.CertKind
		var live bool
		var cnt int
		if err := rows.Scan(&status, &kind, &live, &cnt); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case status == "revoked":
			out.Revoked += cnt
		case !live:
			out.Expired += cnt
		default:
			out.Valid += cnt
			out.ValidByKind[kind] += cnt
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	count := func(cond string, a ...any) (int, error) {
		var c int
		err := db.queryRow(ctx, `SELECT COUNT(*) FROM certificates c WHERE c.status = 'valid' AND `+cond+where,
			append(a, args...)...).Scan(&c)
		return c, err
	}
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := bounds[i], bounds[i+1]
		if lo.Before(now) {
			lo = now
		}
		if !hi.After(lo) {
			out.Expiring = append(out.Expiring, 0)
			continue
		}
		c, err := count("c.not_after >= ? AND c.not_after < ?", micros(lo), micros(hi))
		if err != nil {
			return nil, err
		}
		out.Expiring = append(out.Expiring, c)
	}
	legacy, err := count("c.kind = 'legal_entity_employee' AND c.not_after > ? AND c.not_before < ?", n, micros(legacyIssuedBefore))
	if err != nil {
		return nil, err
	}
	out.LegacyValid = legacy
	return out, nil
}
