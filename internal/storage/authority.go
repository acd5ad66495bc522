package storage

import (
	"context"
	"strings"
	"time"
)

// Authority is a certification authority kcr runs: its certificate and its private key, encrypted.
type Authority struct {
	Name      string // URL-safe, used in /ca/<name>.crt and /crl/<name>.crl
	Role      string // "root" or "issuing"
	Parent    string // the issuer's name; equal to Name for a root
	Cert      []byte
	KeyPEM    string // PKCS#8 EncryptedPrivateKeyInfo (PBES2), PEM
	CreatedAt time.Time
}

// SaveAuthority stores a new authority; an existing name is ErrDuplicate.
func (db *DB) SaveAuthority(ctx context.Context, a *Authority) error {
	_, err := db.exec(ctx, `INSERT INTO ca_authorities (name, role, parent, cert, key_pem, created_at) VALUES (?,?,?,?,?,?)`,
		a.Name, a.Role, a.Parent, a.Cert, a.KeyPEM, micros(a.CreatedAt))
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// Authorities lists the authorities, oldest first.
func (db *DB) Authorities(ctx context.Context) ([]*Authority, error) {
	rows, err := db.query(ctx, `SELECT name, role, parent, cert, key_pem, created_at FROM ca_authorities ORDER BY created_at, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Authority
	for rows.Next() {
		var a Authority
		var at int64
		if err := rows.Scan(&a.Name, &a.Role, &a.Parent, &a.Cert, &a.KeyPEM, &at); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// Intent statuses.
const (
	IntentPending   = "pending"   // recorded; nothing signed yet
	IntentSigned    = "signed"    // signed and verified; the certificate is in der
	IntentStored    = "stored"    // the certificate is in the register
	IntentFailed    = "failed"    // refused before signing (detail says why)
	IntentAbandoned = "abandoned" // signed or about to be, but never stored: the certificate never left kcr
)

// CreateIntent records that the authority is about to sign serial for an application. It commits on its
// own (it must not be called inside another transaction); a serial used before is ErrDuplicate.
func (db *DB) CreateIntent(ctx context.Context, serial, authority, applicationID string, now time.Time) error {
	_, err := db.execPrepared(ctx, `INSERT INTO issuance_intents (serial, authority, application_id, status, detail, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?)`, serial, authority, applicationID, IntentPending, "", micros(now), micros(now))
	if isUniqueViolation(err) {
		return ErrDuplicate // the serial was used before, or the application has an issuance in flight
	}
	return err
}

// UpdateIntent moves an intent from one of the statuses in from to status, with the signed certificate or
// the reason it failed. It reports whether the intent moved: false means another step (a reconciler, the
// live issuance, another replica) moved it first, and nothing was changed. The condition is what makes
// completing or abandoning an intent happen exactly once.
func (db *DB) UpdateIntent(ctx context.Context, serial string, from []string, status string, der []byte, detail string,
	now time.Time) (bool, error) {
	if len(from) == 0 {
		return false, nil
	}
	args := []any{status, der, detail, micros(now), serial}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := db.execPrepared(ctx, `UPDATE issuance_intents SET status = ?, der = COALESCE(?, der), detail = ?, updated_at = ?
		WHERE serial = ? AND status IN (?`+strings.Repeat(",?", len(from)-1)+`)`, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Intent is an issuance intent as stored.
type Intent struct {
	Serial, Authority, ApplicationID, Status, Detail string
	DER                                              []byte
	UpdatedAt                                        time.Time
}

// IntentsByStatus lists intents in a status, oldest first (the signed-but-not-stored ones need attention).
func (db *DB) IntentsByStatus(ctx context.Context, status string) ([]Intent, error) {
	return db.intents(ctx, `WHERE status = ? ORDER BY created_at`, status)
}

// StaleIntents lists the intents still in flight (pending or signed) that have not moved since before:
// their issuance was interrupted (a crash, a lost connection to the database) and nobody is finishing it.
func (db *DB) StaleIntents(ctx context.Context, before time.Time) ([]Intent, error) {
	return db.intents(ctx, `WHERE status IN (?, ?) AND updated_at < ? ORDER BY created_at`, IntentPending, IntentSigned,
		micros(before))
}

func (db *DB) intents(ctx context.Context, where string, args ...any) ([]Intent, error) {
	rows, err := db.query(ctx, `SELECT serial, authority, application_id, status, detail, der, updated_at FROM issuance_intents `+
		where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		var i Intent
		var at int64
		if err := rows.Scan(&i.Serial, &i.Authority, &i.ApplicationID, &i.Status, &i.Detail, &i.DER, &at); err != nil {
			return nil, err
		}
		i.UpdatedAt = fromMicros(at)
		out = append(out, i)
	}
	return out, rows.Err()
}

// KeyHolders returns the employees holding certificates for a public key.
func (db *DB) KeyHolders(ctx context.Context, publicKeyHash string) ([]string, error) {
	rows, err := db.queryPrepared(ctx, `SELECT DISTINCT employee_id FROM certificates WHERE public_key_hash = ?`, publicKeyHash)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RevokedEntry is one revoked certificate of an issuer.
type RevokedEntry struct {
	Serial    string
	RevokedAt time.Time
	Reason    string
}

// Revoked lists an issuer's revoked certificates, in serial order.
func (db *DB) Revoked(ctx context.Context, issuer string) ([]RevokedEntry, error) {
	return db.revoked(ctx, `SELECT serial, revoked_at, revocation_reason FROM certificates WHERE issuer = ? AND status = 'revoked'
		ORDER BY serial`, issuer)
}

// RevokedSince lists an issuer's certificates revoked at or after since, in no particular order: the CRL
// adds them to the entries it keeps instead of reading every revoked row again.
func (db *DB) RevokedSince(ctx context.Context, issuer string, since time.Time) ([]RevokedEntry, error) {
	return db.revoked(ctx, `SELECT serial, revoked_at, revocation_reason FROM certificates WHERE issuer = ? AND status = 'revoked'
		AND revoked_at >= ?`, issuer, micros(since))
}

func (db *DB) revoked(ctx context.Context, query string, args ...any) ([]RevokedEntry, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RevokedEntry
	for rows.Next() {
		var e RevokedEntry
		var at int64
		if err := rows.Scan(&e.Serial, &at, &e.Reason); err != nil {
			return nil, err
		}
		e.RevokedAt = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CertStatus is what OCSP needs to know of one certificate.
type CertStatus struct {
	Status    string // valid or revoked
	NotAfter  time.Time
	RevokedAt time.Time
	Reason    string
}

// CertificateStatus looks up a certificate by issuer and serial; ErrNoRows when the issuer never issued it.
func (db *DB) CertificateStatus(ctx context.Context, issuer, serial string) (*CertStatus, error) {
	var s CertStatus
	var na int64
	var revoked *int64
	err := db.scanRowPrepared(ctx, `SELECT status, not_after, revoked_at, revocation_reason FROM certificates WHERE issuer = ? AND serial = ?`,
		[]any{issuer, serial}, &s.Status, &na, &revoked, &s.Reason)
	if err != nil {
		return nil, err
	}
	s.NotAfter = fromMicros(na)
	if revoked != nil {
		s.RevokedAt = fromMicros(*revoked)
	}
	return &s, nil
}

// StoredCRL is a CRL the authority published.
type StoredCRL struct {
	Authority              string
	Number                 int64
	ThisUpdate, NextUpdate time.Time
	Revoked                int // how many entries it lists
	DER                    []byte
}

// LatestCRL returns the authority's newest CRL, or ErrNoRows.
func (db *DB) LatestCRL(ctx context.Context, authority string) (*StoredCRL, error) {
	var c StoredCRL
	var tu, nu int64
	err := db.queryRow(ctx, `SELECT authority, number, this_update, next_update, revoked, der FROM crls WHERE authority = ?
		ORDER BY number DESC LIMIT 1`, authority).Scan(&c.Authority, &c.Number, &tu, &nu, &c.Revoked, &c.DER)
	if err != nil {
		return nil, err
	}
	c.ThisUpdate, c.NextUpdate = fromMicros(tu), fromMicros(nu)
	return &c, nil
}

// LatestCRLHead returns the authority's newest CRL without its DER, or ErrNoRows.
func (db *DB) LatestCRLHead(ctx context.Context, authority string) (*StoredCRL, error) {
	var c StoredCRL
	var tu, nu int64
	err := db.queryRow(ctx, `SELECT authority, number, this_update, next_update, revoked FROM crls WHERE authority = ?
		ORDER BY number DESC LIMIT 1`, authority).Scan(&c.Authority, &c.Number, &tu, &nu, &c.Revoked)
	if err != nil {
		return nil, err
	}
	c.ThisUpdate, c.NextUpdate = fromMicros(tu), fromMicros(nu)
	return &c, nil
}

// StoredCRL returns one of the authority's CRLs by number, or ErrNoRows.
func (db *DB) StoredCRL(ctx context.Context, authority string, number int64) (*StoredCRL, error) {
	var c StoredCRL
	var tu, nu int64
	err := db.queryRow(ctx, `SELECT authority, number, this_update, next_update, revoked, der FROM crls WHERE authority = ? AND number = ?`,
		authority, number).Scan(&c.Authority, &c.Number, &tu, &nu, &c.Revoked, &c.DER)
	if err != nil {
		return nil, err
	}
	c.ThisUpdate, c.NextUpdate = fromMicros(tu), fromMicros(nu)
	return &c, nil
}

// SaveCRL stores a published CRL; a number used before is ErrDuplicate (another replica published first).
func (db *DB) SaveCRL(ctx context.Context, c *StoredCRL) error {
	_, err := db.exec(ctx, `INSERT INTO crls (authority, number, this_update, next_update, revoked, der) VALUES (?,?,?,?,?,?)`,
		c.Authority, c.Number, micros(c.ThisUpdate), micros(c.NextUpdate), c.Revoked, c.DER)
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// LastRevocation returns when the issuer's last revocation happened (zero time if none), so a cached CRL
// or OCSP answer knows whether it is still current.
func (db *DB) LastRevocation(ctx context.Context, issuer string) (time.Time, int, error) {
	var at *int64
	var n int
	err := db.scanRowPrepared(ctx, `SELECT MAX(revoked_at), COUNT(*) FROM certificates WHERE issuer = ? AND status = 'revoked'`,
		[]any{issuer}, &at, &n)
	if err != nil || at == nil {
		return time.Time{}, n, err
	}
	return fromMicros(*at), n, nil
}
