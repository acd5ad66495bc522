package storage

import (
	"context"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

const applicationColumns = `a.id, a.account_id, a.organization_id, o.name, a.employee_id, e.surname, e.given_name, e.patronymic,
	a.kind, a.state, a.csr, a.csr_uploaded_at, a.verification_method, a.verification_document, a.verified_by, a.verified_at,
	a.note, a.certificate_serial, a.reissue_of, a.authority, a.billing_position, a.bundled_from, a.service_center_id,
	a.sign_tool, a.created_by, a.created_at, a.updated_at, a.version`

const applicationFrom = ` FROM applications a JOIN organizations o ON o.id = a.organization_id JOIN employees e ON e.id = a.employee_id`

// applicationLeads are applicationFrom with the organization or the employee leading (see sortLead).
var applicationLeads = map[string]string{
	"o": ` FROM organizations o CROSS JOIN applications a ON a.organization_id = o.id JOIN employees e ON e.id = a.employee_id`,
	"e": ` FROM employees e CROSS JOIN applications a ON a.employee_id = e.id JOIN organizations o ON o.id = a.organization_id`,
}

func scanApplication(sc interface{ Scan(...any) error }) (*model.Application, error) {
	var a model.Application
	var sur, given, patr string
	var csrAt, verAt *int64
	var method, doc, by, center string
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.AccountID, &a.OrganizationID, &a.OrganizationName, &a.EmployeeID, &sur, &given, &patr,
		&a.Kind, &a.State, &a.CSR, &csrAt, &method, &doc, &by, &verAt, &a.Note, &a.CertificateSerial, &a.ReissueOf,
		&a.Authority, &a.BillingPosition, &a.BundledFrom, &center, &a.SignTool, &a.CreatedBy, &created, &updated, &a.Version); err != nil {
		return nil, err
	}
	a.EmployeeName = strings.TrimSpace(sur + " " + given + " " + patr)
	a.HasCSR = len(a.CSR) > 0
	a.CSRUploadedAt = fromOptMicros(csrAt)
	if method != "" {
		a.Verification = &model.Verification{Method: model.VerificationMethod(method), Document: doc, VerifiedBy: by,
			ServiceCenterID: center}
		if verAt != nil {
			a.Verification.VerifiedAt = fromMicros(*verAt)
		}
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &a, nil
}

// CreateApplication stores a new application.
func (db *DB) CreateApplication(ctx context.Context, a *model.Application) error {
	var method, doc, by, center string
	var verAt any
	if v := a.Verification; v != nil {
		method, doc, by, center, verAt = string(v.Method), v.Document, v.VerifiedBy, v.ServiceCenterID, micros(v.VerifiedAt)
	}
	_, err := db.exec(ctx, `INSERT INTO applications (id, account_id, organization_id, employee_id, kind, state, reissue_of,
		authority, billing_position, bundled_from, verification_method, verification_document, verified_by, verified_at,
		service_center_id, sign_tool, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.AccountID, a.OrganizationID, a.EmployeeID, a.Kind, a.State, a.ReissueOf, a.Authority, a.BillingPosition,
		a.BundledFrom, method, doc, by, verAt, center, a.SignTool, a.CreatedBy, micros(a.CreatedAt), micros(a.UpdatedAt))
	return err
}

// SaveApplication writes an application's mutable fields, provided its state is still fromState and nobody
// saved it since it was read (the version): two concurrent actions on one application cannot both win,
// even when neither changes the state.
func (db *DB) SaveApplication(ctx context.Context, a *model.Application, fromState model.State) (bool, error) {
	var method, doc, by, center string
	var verAt any
	if v := a.Verification; v != nil {
		method, doc, by, center, verAt = string(v.Method), v.Document, v.VerifiedBy, v.ServiceCenterID, micros(v.VerifiedAt)
	}
	var csr any
	if len(a.CSR) > 0 {
		csr = a.CSR
	}
	res, err := db.exec(ctx, `UPDATE applications SET kind = ?, state = ?, csr = ?, csr_uploaded_at = ?, verification_method = ?,
		verification_document = ?, verified_by = ?, verified_at = ?, service_center_id = ?, note = ?, certificate_serial = ?,
		authority = ?, billing_position = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND state = ? AND version = ?`,
		a.Kind, a.State, csr, optMicros(a.CSRUploadedAt), method, doc, by, verAt, center, a.Note, a.CertificateSerial,
		a.Authority, a.BillingPosition, micros(a.UpdatedAt), a.ID, fromState, a.Version)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		a.Version++
	}
	return n == 1, err
}

// OpenApplicationsOfEmployee lists the ids of an employee's applications that are not finished.
func (db *DB) OpenApplicationsOfEmployee(ctx context.Context, employeeID string) ([]string, error) {
	return db.idList(ctx, `SELECT id FROM applications WHERE employee_id = ? AND state NOT IN ('issued', 'declined', 'cancelled')
		ORDER BY id`, employeeID)
}

// Application returns one application within the scope.
func (db *DB) Application(ctx context.Context, s Scope, id string) (*model.Application, error) {
	where, args := s.clause("a.account_id", "a.organization_id", "a.employee_id")
	return scanApplication(db.queryRow(ctx, `SELECT `+applicationColumns+applicationFrom+` WHERE a.id = ?`+where,
		append([]any{id}, args...)...))
}

// AppFilter is a search over applications. Organization fields match exactly except the name: each word of
// OrgNamePrefix must be part of a word of the organization's name, and each word of EmployeeNamePrefix the
// start of the employee's surname, given name or patronymic (case-insensitive, ё as е).
type AppFilter struct {
	OrgNamePrefix      string
	INN, KPP, OGRN     string
	OrganizationID     string
	EmployeeID         string
	EmployeeNamePrefix string
	SNILS              string
	State              model.State
	Kind               model.CertKind
}

// applicationList is how applications sort; the kind and state follow the model's order.
var applicationList = sortedList{alias: "a", pk: "a.id", columns: applicationColumns, from: applicationFrom,
	leads: applicationLeads, orders: map[string]sortOrder{
		"created":      {{"a.created_at", true}},
		"updated":      {{"a.updated_at", true}},
		"organization": {{"o.name_search", false}},
		"employee":     {{"e.name_search", false}},
		"kind":         {{enumOrder("a.kind", model.CertKinds), true}},
		"state":        {{enumOrder("a.state", model.States), true}},
	}}

// ApplicationSorts are the sort keys of Applications.
var ApplicationSorts = applicationList.keys()

// Applications searches applications within the scope, newest first unless p.Order says otherwise, and
// gives each row's cursor key.
func (db *DB) Applications(ctx context.Context, s Scope, f AppFilter, p Page) ([]*model.Application, []string, error) {
	var where string
	var args []any
	for _, c := range []struct{ col, v string }{{"a.organization_id", f.OrganizationID}, {"a.employee_id", f.EmployeeID},
		{"a.state", string(f.State)}, {"a.kind", string(f.Kind)}} {
		if c.v != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	org, emp, err := db.resolveBoth(ctx, orgMatch(s, f.OrgNamePrefix, f.INN, f.KPP, f.OGRN), employeeMatch(s, f.EmployeeNamePrefix, f.SNILS))
	if err != nil {
		return nil, nil, err
	}
	if p.Order.By != "" {
		m, err := db.sortedMembership(ctx, "a", org, emp)
		if err != nil {
			return nil, nil, err
		}
		return sortedPage(ctx, db, sortedQuery{list: applicationList, scope: s, page: p, where: where, args: args,
			membership: m, byKey: f.OrganizationID != "" || f.EmployeeID != ""}, scanApplication)
	}
	if isSortKey(p.After) {
		return nil, nil, ErrCursorOrder
	}
	if p.After != "" {
		where += " AND a.id < ?"
		args = append(args, p.After)
	}
	spec := searchSpec{table: "applications", alias: "a", pk: "id", desc: true, where: where, args: args, scope: s, limit: p.Limit,
		org: org, emp: emp}
	keys, err := db.searchKeys(ctx, spec)
	if err != nil || len(keys) == 0 {
		return nil, nil, err
	}
	rows, err := queryAll(ctx, db, scanApplication, `SELECT `+applicationColumns+applicationFrom+` WHERE a.id IN (`+placeholders(len(keys))+
		`) ORDER BY a.id DESC`, anySlice(keys)...)
	return rows, keys, err
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// orgMatch is a filter's organization conditions.
func orgMatch(s Scope, name, inn, kpp, ogrn string) ownerMatch {
	var conds []string
	var args []any
	for _, c := range []struct{ col, v string }{{"inn", inn}, {"kpp", kpp}, {"ogrn", ogrn}} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	return newOwnerMatch(organizationWords, s.AccountID, name, strings.Join(conds, " AND "), args)
}

// resolveBoth resolves a filter's organization and employee matches.
func (db *DB) resolveBoth(ctx context.Context, org, emp ownerMatch) (ownerMatch, ownerMatch, error) {
	org, err := db.resolve(ctx, org)
	if err != nil {
		return org, emp, err
	}
	emp, err = db.resolve(ctx, emp)
	return org, emp, err
}

// employeeMatch is a filter's employee conditions.
func employeeMatch(s Scope, name, snils string) ownerMatch {
	var conds string
	var args []any
	if snils != "" {
		conds, args = "snils = ?", []any{snils}
	}
	return newOwnerMatch(employeeWords, s.AccountID, name, conds, args)
}

// AddTransition appends one step to an application's history.
func (db *DB) AddTransition(ctx context.Context, appID string, t model.Transition) error {
	_, err := db.exec(ctx, `INSERT INTO application_transitions (application_id, action, from_state, to_state, actor, at, note)
		VALUES (?,?,?,?,?,?,?)`, appID, t.Action, t.From, t.To, t.Actor, micros(t.At), t.Note)
	return err
}

// Transitions returns an application's history, oldest first.
func (db *DB) Transitions(ctx context.Context, appID string) ([]model.Transition, error) {
	rows, err := db.query(ctx, `SELECT action, from_state, to_state, actor, at, note FROM application_transitions
		WHERE application_id = ? ORDER BY id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Transition{}
	for rows.Next() {
		var t model.Transition
		var at int64
		if err := rows.Scan(&t.Action, &t.From, &t.To, &t.Actor, &at, &t.Note); err != nil {
			return nil, err
		}
		t.At = fromMicros(at)
		out = append(out, t)
	}
	return out, rows.Err()
}

const certificateColumns = `c.serial, c.account_id, c.organization_id, o.name, c.employee_id, e.surname, e.given_name, e.patronymic,
	c.application_id, c.kind, c.status, c.issuer, c.not_before, c.not_after, c.der, c.revoked_at, c.revocation_reason,
	c.replaced_by, c.created_at`

const certificateFrom = ` FROM certificates c JOIN organizations o ON o.id = c.organization_id JOIN employees e ON e.id = c.employee_id`

// certificateLeads are certificateFrom with the organization or the employee leading (see sortLead).
var certificateLeads = map[string]string{
	"o": ` FROM organizations o CROSS JOIN certificates c ON c.organization_id = o.id JOIN employees e ON e.id = c.employee_id`,
	"e": ` FROM employees e CROSS JOIN certificates c ON c.employee_id = e.id JOIN organizations o ON o.id = c.organization_id`,
}

func scanCertificate(sc interface{ Scan(...any) error }) (*model.Certificate, error) {
	var c model.Certificate
	var sur, given, patr string
	var appID *string
	var nb, na, created int64
	var revoked *int64
	if err := sc.Scan(&c.Serial, &c.AccountID, &c.OrganizationID, &c.OrganizationName, &c.EmployeeID, &sur, &given, &patr,
		&appID, &c.Kind, &c.Status, &c.Issuer, &nb, &na, &c.DER, &revoked, &c.RevocationReason, &c.ReplacedBy, &created); err != nil {
		return nil, err
	}
	c.EmployeeName = strings.TrimSpace(sur + " " + given + " " + patr)
	if appID != nil {
		c.ApplicationID = *appID
	}
	c.NotBefore, c.NotAfter, c.CreatedAt, c.RevokedAt = fromMicros(nb), fromMicros(na), fromMicros(created), fromOptMicros(revoked)
	return &c, nil
}

// CreateCertificate stores an issued certificate.
func (db *DB) CreateCertificate(ctx context.Context, c *model.Certificate) error {
	_, err := db.exec(ctx, `INSERT INTO certificates (serial, account_id, organization_id, employee_id, application_id, kind,
		status, issuer, not_before, not_after, der, revoked_at, revocation_reason, replaced_by, created_at, public_key_hash)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.Serial, c.AccountID, c.OrganizationID, c.EmployeeID, nullable(c.ApplicationID), c.Kind, c.Status, c.Issuer,
		micros(c.NotBefore), micros(c.NotAfter), c.DER, optMicros(c.RevokedAt), c.RevocationReason, c.ReplacedBy,
		micros(c.CreatedAt), c.PublicKeyHash)
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// RevokeCertificate marks a certificate revoked with an RFC 5280 reason; it reports false when it was
// revoked already (the first revocation's time and reason stand).
func (db *DB) RevokeCertificate(ctx context.Context, serial string, at int64, reason model.RevocationReason) (bool, error) {
	res, err := db.exec(ctx, `UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ?
		WHERE serial = ? AND status <> 'revoked'`, at, reason, serial)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Certificate returns one certificate within the scope.
func (db *DB) Certificate(ctx context.Context, s Scope, serial string) (*model.Certificate, error) {
	where, args := s.clause("c.account_id", "c.organization_id", "c.employee_id")
	return scanCertificate(db.queryRow(ctx, `SELECT `+certificateColumns+certificateFrom+` WHERE c.serial = ?`+where,
		append([]any{serial}, args...)...))
}

// CertFilter is a search over certificates, with the same matching as AppFilter.
type CertFilter struct {
	OrgNamePrefix      string
	INN, KPP, OGRN     string
	OrganizationID     string
	EmployeeNamePrefix string
	SNILS              string
	Status             model.CertStatus
	Kind               model.CertKind
	IssuedBefore       time.Time // valid from (not_before) earlier than this; zero for any
	// ExpiresAfter and ExpiresBefore bound the end of validity (not_after > ExpiresAfter, not_after <
	// ExpiresBefore); zero for no bound.
	ExpiresAfter, ExpiresBefore time.Time
}

// certificateList is how certificates sort. "Expired" is not stored (a valid certificate past its end is
// expired when read), so the status order is the stored status, then the end date, latest first: valid
// certificates in force come first, the expired after them, the revoked last.
var certificateList = sortedList{alias: "c", pk: "c.serial", columns: certificateColumns, from: certificateFrom,
	leads: certificateLeads, orders: map[string]sortOrder{
		"serial":       {{"c.serial", false}},
		"not_before":   {{"c.not_before", true}},
		"not_after":    {{"c.not_after", true}},
		"organization": {{"o.name_search", false}},
		"employee":     {{"e.name_search", false}},
		"kind":         {{enumOrder("c.kind", model.CertKinds), true}},
		"status":       {{enumOrder("c.status", storedCertStatuses), true}, {"-c.not_after", true}},
	}}

// storedCertStatuses are the statuses a certificate row holds, in the order of its life.
var storedCertStatuses = []model.CertStatus{model.CertValid, model.CertRevoked}

// CertificateSorts are the sort keys of Certificates.
var CertificateSorts = certificateList.keys()

// Certificates searches certificates within the scope, ordered by serial unless p.Order says otherwise, and
// gives each row's cursor key.
func (db *DB) Certificates(ctx context.Context, s Scope, f CertFilter, p Page) ([]*model.Certificate, []string, error) {
	var where string
	var args []any
	for _, c := range []struct{ col, v string }{{"c.organization_id", f.OrganizationID}, {"c.status", string(f.Status)},
		{"c.kind", string(f.Kind)}} {
		if c.v != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if !f.IssuedBefore.IsZero() {
		where += " AND c.not_before < ?"
		args = append(args, micros(f.IssuedBefore))
	}
	if !f.ExpiresAfter.IsZero() {
		where += " AND c.not_after > ?"
		args = append(args, micros(f.ExpiresAfter))
	}
	if !f.ExpiresBefore.IsZero() {
		where += " AND c.not_after < ?"
		args = append(args, micros(f.ExpiresBefore))
	}
	org, emp, err := db.resolveBoth(ctx, orgMatch(s, f.OrgNamePrefix, f.INN, f.KPP, f.OGRN), employeeMatch(s, f.EmployeeNamePrefix, f.SNILS))
	if err != nil {
		return nil, nil, err
	}
	if p.Order.By != "" {
		m, err := db.sortedMembership(ctx, "c", org, emp)
		if err != nil {
			return nil, nil, err
		}
		return sortedPage(ctx, db, sortedQuery{list: certificateList, scope: s, page: p, where: where, args: args,
			membership: m, byKey: f.OrganizationID != ""}, scanCertificate)
	}
	if isSortKey(p.After) {
		return nil, nil, ErrCursorOrder
	}
	if p.After != "" {
		where += " AND c.serial > ?"
		args = append(args, p.After)
	}
	spec := searchSpec{table: "certificates", alias: "c", pk: "serial", where: where, args: args, scope: s, limit: p.Limit,
		org: org, emp: emp}
	keys, err := db.searchKeys(ctx, spec)
	if err != nil || len(keys) == 0 {
		return nil, nil, err
	}
	rows, err := queryAll(ctx, db, scanCertificate, `SELECT `+certificateColumns+certificateFrom+` WHERE c.serial IN (`+placeholders(len(keys))+
		`) ORDER BY c.serial`, anySlice(keys)...)
	return rows, keys, err
}

// IdempotentResponse is a stored answer to a POST made with an Idempotency-Key.
type IdempotentResponse struct {
	Method, Path, RequestHash string
	Status                    int
	ContentType               string
	Body                      []byte
}

// IdempotentResponse returns the stored answer for a principal's key, or ErrNoRows.
func (db *DB) IdempotentResponse(ctx context.Context, principal, key string) (*IdempotentResponse, error) {
	var r IdempotentResponse
	err := db.queryRow(ctx, `SELECT method, path, request_hash, status, content_type, response FROM idempotency_keys
		WHERE principal = ? AND key = ?`, principal, key).Scan(&r.Method, &r.Path, &r.RequestHash, &r.Status, &r.ContentType, &r.Body)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// LockIdempotencyKey makes requests with one principal's Idempotency-Key wait for each other until the
// surrounding transaction ends, so that the later ones find the first one's stored answer and replay it
// instead of doing the work again (and failing half-way on what the first one created). On PostgreSQL it is
// a transaction-scoped advisory lock on a hash of the pair (a collision only makes two keys wait for each
// other); SQLite's write transactions take the database lock at BEGIN, so there they are serialized already.
func (db *DB) LockIdempotencyKey(ctx context.Context, principal, key string) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := db.exec(ctx, `SELECT pg_advisory_xact_lock(7345011, hashtext(?))`, principal+" "+key)
	return err
}

// SaveIdempotentResponse stores the answer in the caller's transaction, the one that did the work; a
// concurrent request with the same key makes this fail with ErrDuplicate, which rolls that request's work back.
func (db *DB) SaveIdempotentResponse(ctx context.Context, principal, key string, r *IdempotentResponse, at int64) error {
	_, err := db.exec(ctx, `INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status, content_type,
		response, created_at) VALUES (?,?,?,?,?,?,?,?,?)`, principal, key, r.Method, r.Path, r.RequestHash, r.Status,
		r.ContentType, r.Body, at)
	if isUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}
