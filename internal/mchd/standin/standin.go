// Package standin is kcr's built-in stand-in for the FNS registry of machine-readable powers of attorney:
// it implements mchd.Registry the way DESIGN.md section 8 describes the real one, and serves the public
// status page whose address kcr writes into СведСист.
//
// Registration is asynchronous. Register stores the submission as PROCESSING and answers an operation id;
// the outcome is decided when the status is first asked (by Status, Revoke, Register or the status page)
// once Options.Delay has passed on the clock. The decision is the stand-in's own check, independent of
// kcr's: the file parses as ЕМЧД 003 and carries the submitted number; the detached signature verifies
// against Options.Roots at its signing time (and, with Options.IsRevokedBy, its certificate is not revoked
// when decided); the signer's certificate carries the grantor's ИНН ЮЛ and the head's СНИЛС; the end date has not
// passed. Passing gives ACTIVE, failing REJECTED with a short Russian reason, the way the registry answers.
// An ACTIVE power of attorney becomes EXPIRED on the Moscow day after its end date.
//
// Everything lives in the database (Store), so the answers survive restarts and replicas sharing a database
// agree: every change is a conditional update of the entry the replica read, so an outcome is decided once.
package standin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// StatusPath is where Handler serves the public status page; the number is the guid query parameter.
const StatusPath = "/registry/mchd/status"

// MaxReason bounds a revocation reason, in characters.
const MaxReason = 1000

// The reasons of a rejection, in Russian as the registry gives them.
const (
	ReasonFormat       = "Файл доверенности не соответствует формату ЕМЧД 003"
	ReasonNumber       = "Номер доверенности в файле не совпадает с номером в заявлении на регистрацию"
	ReasonSignature    = "Электронная подпись доверенности недействительна"
	ReasonDigest       = "Электронная подпись сделана не над этим файлом доверенности"
	ReasonDetached     = "Требуется откреплённая электронная подпись"
	ReasonUntrusted    = "Сертификат подписанта выдан не аккредитованным удостоверяющим центром"
	ReasonCertExpired  = "Сертификат подписанта не действовал на момент подписания"
	ReasonCertRevoked  = "Сертификат подписанта отозван"
	ReasonCertStatus   = "Не удалось проверить, не отозван ли сертификат подписанта"
	ReasonOrganization = "ИНН организации в сертификате подписанта не совпадает с ИНН доверителя"
	ReasonHead         = "Доверенность подписана не лицом, действующим от имени доверителя без доверенности"
	ReasonExpired      = "Срок действия доверенности истёк"
)

// Options configure the stand-in.
type Options struct {
	// StatusBaseURL is kcr's public base URL; StatusURL answers pages under it.
	StatusBaseURL string
	// Delay is how long a registration stays PROCESSING before it is decided.
	Delay time.Duration
	// Roots are the CA certificates the registry trusts for the head's signature (state CAs).
	Roots []*x509gost.Certificate
	// Intermediates are CA certificates under Roots for building the chain when a signature does not carry it.
	Intermediates []*x509gost.Certificate
	// IsRevokedBy, when set, tells whether the signer's certificate, issued by issuer, is revoked at a time:
	// the stand-in asks about the time it decides (the signing time is the signer's own claim). An error
	// (status unknown) rejects the signature. Its shape is mchd.SignatureChecker's.
	IsRevokedBy func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error)
	// Log receives the status page's internal failures; nil means slog.Default().
	Log *slog.Logger
}

// Store is the storage the stand-in keeps its entries in; *storage.DB implements it.
type Store interface {
	StandinEntry(ctx context.Context, number string) (*storage.StandinEntry, error)
	InsertStandinEntry(ctx context.Context, e *storage.StandinEntry) (bool, error)
	ReplaceStandinEntry(ctx context.Context, e *storage.StandinEntry, operation, status string) (bool, error)
}

// Registry is the stand-in registry.
type Registry struct {
	db   Store
	clk  clock.Clock
	opts Options
}

var _ mchd.Registry = (*Registry)(nil)

// New returns a stand-in registry keeping its state in db.
func New(db Store, clk clock.Clock, opts Options) *Registry {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Registry{db: db, clk: clk, opts: opts}
}

// maxAttempts bounds the retries after losing a conditional update to another replica. An entry only moves
// forward (PROCESSING, then ACTIVE or REJECTED, then EXPIRED or REVOKED), so a few rounds always settle it.
const maxAttempts = 5

var errContended = errors.New("mchd registry stand-in: the entry kept changing under concurrent updates")

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const numberFormat = "must be a GUID such as 0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"

// normalize checks a number is a GUID and spells it in lower case, as the registry compares them.
func normalize(number string) (string, error) {
	if !guidRe.MatchString(number) {
		return "", errs.Field("number", "format", numberFormat)
	}
	return strings.ToLower(number), nil
}

// StatusURL is the public status page of the numbered power of attorney.
func (r *Registry) StatusURL(number string) string {
	return strings.TrimSuffix(r.opts.StatusBaseURL, "/") + StatusPath + "?guid=" + url.QueryEscape(number)
}

// Register submits the file and the head's detached signature. A number already submitted is refused with
// mchd.ErrRepeatedRegistration (the same signature bytes) or mchd.ErrDifferentSignature, unless its
// registration was REJECTED: then the new submission replaces the rejected one.
func (r *Registry) Register(ctx context.Context, number string, file, signature []byte) (string, error) {
	var f errs.Fields
	if !guidRe.MatchString(number) {
		f.Add("number", "format", numberFormat)
	}
	bounded(&f, "file", file, mchd.MaxFileSize)
	bounded(&f, "signature", signature, cms.MaxSignatureSize)
	if err := f.Err(); err != nil {
		return "", err
	}
	op, err := uuid.NewRandom()
	if err != nil {
		return "", err
	}
	n, now := strings.ToLower(number), r.clk.Now()
	e := &storage.StandinEntry{Number: n, Operation: op.String(), File: bytes.Clone(file), Signature: bytes.Clone(signature),
		Status: string(mchd.RegistryProcessing), StatusAt: now, SubmittedAt: now}
	for range maxAttempts {
		old, err := r.db.StandinEntry(ctx, n)
		if storage.IsNoRows(err) {
			ok, err := r.db.InsertStandinEntry(ctx, e)
			if err != nil {
				return "", err
			}
			if ok {
				return e.Operation, nil
			}
			continue // another replica inserted it a moment ago
		}
		if err != nil {
			return "", err
		}
		if old, err = r.settle(ctx, old); err != nil {
			return "", err
		}
		switch {
		case old.Status == string(mchd.RegistryRejected):
			ok, err := r.db.ReplaceStandinEntry(ctx, e, old.Operation, old.Status)
			if err != nil {
				return "", err
			}
			if ok {
				return e.Operation, nil
			}
		case bytes.Equal(old.Signature, signature):
			return "", mchd.ErrRepeatedRegistration
		default:
			return "", mchd.ErrDifferentSignature
		}
	}
	return "", errContended
}

func bounded(f *errs.Fields, field string, b []byte, limit int) {
	switch {
	case len(b) == 0:
		f.Add(field, "required", "is required")
	case len(b) > limit:
		f.Add(field, "too_large", fmt.Sprintf("must be at most %d bytes", limit))
	}
}

// Status answers the registry's status of the numbered power of attorney, deciding a registration whose
// delay has passed and expiring an ACTIVE one past its end date. An unknown number is mchd.ErrUnknownNumber.
func (r *Registry) Status(ctx context.Context, number string) (*mchd.RegistryState, error) {
	e, err := r.entry(ctx, number)
	if err != nil {
		return nil, err
	}
	return &mchd.RegistryState{Status: mchd.RegistryStatus(e.Status), Reason: e.Reason, At: e.StatusAt}, nil
}

// entry reads the settled entry of a number.
func (r *Registry) entry(ctx context.Context, number string) (*storage.StandinEntry, error) {
	n, err := normalize(number)
	if err != nil {
		return nil, err
	}
	e, err := r.db.StandinEntry(ctx, n)
	if storage.IsNoRows(err) {
		return nil, mchd.ErrUnknownNumber
	}
	if err != nil {
		return nil, err
	}
	return r.settle(ctx, e)
}

// settle applies what the clock says has happened to e since it was stored, and returns the entry as stored
// afterwards: by this replica, or by another that changed it first.
func (r *Registry) settle(ctx context.Context, e *storage.StandinEntry) (*storage.StandinEntry, error) {
	for range maxAttempts {
		next := r.next(e, r.clk.Now())
		if next == nil {
			return e, nil
		}
		ok, err := r.db.ReplaceStandinEntry(ctx, next, e.Operation, e.Status)
		if err != nil {
			return nil, err
		}
		if ok {
			e = next
			continue
		}
		if e, err = r.db.StandinEntry(ctx, e.Number); err != nil {
			return nil, err
		}
	}
	return nil, errContended
}

// next is e after what is due at now, or nil when nothing is.
func (r *Registry) next(e *storage.StandinEntry, now time.Time) *storage.StandinEntry {
	switch {
	case e.Status == string(mchd.RegistryProcessing) && !now.Before(e.SubmittedAt.Add(r.opts.Delay)):
		d := *e
		r.decide(&d, now)
		return &d
	case e.Status == string(mchd.RegistryActive) && e.EndDate != "" && mskDate(now) > e.EndDate:
		end, err := time.ParseInLocation(time.DateOnly, e.EndDate, rules.MSK)
		if err != nil {
			return nil
		}
		d := *e
		d.Status, d.Reason, d.StatusAt = string(mchd.RegistryExpired), "", end.AddDate(0, 0, 1).UTC()
		return &d
	}
	return nil
}

// verify checks a detached signature against the trusted roots, then asks IsRevokedBy whether the signer's
// certificate is revoked at now.
func (r *Registry) verify(sig, content []byte, now time.Time) (*cms.Result, error) {
	res, err := cms.Verify(sig, content, cms.VerifyOptions{Roots: r.opts.Roots, Intermediates: r.opts.Intermediates})
	if err != nil || r.opts.IsRevokedBy == nil {
		return res, err
	}
	if len(res.Chain) < 2 {
		return nil, fmt.Errorf("%w: the signer certificate is a trusted root", cms.ErrRevocationUnknown)
	}
	revoked, err := r.opts.IsRevokedBy(res.Chain[0], res.Chain[1], now)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %v", cms.ErrRevocationUnknown, err)
	case revoked:
		return nil, cms.ErrRevoked
	}
	return res, nil
}

func mskDate(t time.Time) string { return t.In(rules.MSK).Format(time.DateOnly) }

// decide runs the registry's check of a submission and records its outcome in e.
func (r *Registry) decide(e *storage.StandinEntry, now time.Time) {
	e.StatusAt = now
	e.Status = string(mchd.RegistryRejected)
	doc, err := mchd.Parse(e.File)
	if err != nil {
		e.Reason = ReasonFormat
		return
	}
	e.GrantorName, e.GrantorINN = doc.Grantor.Name, doc.Grantor.INN
	e.IssueDate, e.EndDate = mskDate(doc.IssueDate), mskDate(doc.EndDate)
	if e.Reason = r.check(e, doc, now); e.Reason != "" {
		return
	}
	e.Status, e.RegisteredAt = string(mchd.RegistryActive), now
}

// check is the reason to reject a parsed submission, or "".
func (r *Registry) check(e *storage.StandinEntry, doc *mchd.Document, now time.Time) string {
	if !strings.EqualFold(doc.Number, e.Number) {
		return ReasonNumber
	}
	res, err := r.verify(e.Signature, e.File, now)
	switch {
	case errors.Is(err, cms.ErrDigestMismatch):
		return ReasonDigest
	case errors.Is(err, cms.ErrNotDetached):
		return ReasonDetached
	case errors.Is(err, cms.ErrUntrusted):
		return ReasonUntrusted
	case errors.Is(err, cms.ErrExpired):
		return ReasonCertExpired
	case errors.Is(err, cms.ErrRevoked):
		return ReasonCertRevoked
	case errors.Is(err, cms.ErrRevocationUnknown):
		return ReasonCertStatus
	case err != nil:
		return ReasonSignature
	}
	if !isHead(res.Signer, doc) {
		if inn, _ := res.Signer.Subject.Get(x509gost.OIDINNLE); inn != doc.Grantor.INN {
			return ReasonOrganization
		}
		return ReasonHead
	}
	if mskDate(now) > e.EndDate {
		return ReasonExpired
	}
	return ""
}

// isHead tells whether cert is the certificate of the head (ЛицоБезДов) of the grantor of doc: the
// grantor's ИНН ЮЛ and the head's СНИЛС.
func isHead(cert *x509gost.Certificate, doc *mchd.Document) bool {
	inn, _ := cert.Subject.Get(x509gost.OIDINNLE)
	snils, _ := cert.Subject.Get(x509gost.OIDSNILS)
	return inn == doc.Grantor.INN && snils == doc.Head.SNILS
}

// Revoke revokes an ACTIVE power of attorney: REVOKED with the reason, at the time the stand-in receives the
// statement (a revocation takes effect once it is in the registry). The real registry requires the
// statement signed by the grantor's head; the stand-in accepts a revocation without Statement and Signature,
// and when they are given it verifies the detached signature over the statement against Options.Roots and
// that the signer is the head named in the power of attorney (the statement's content is not read). An
// unknown number is mchd.ErrUnknownNumber; one that is not ACTIVE (already revoked, expired, rejected,
// still processing) is a conflict saying so.
func (r *Registry) Revoke(ctx context.Context, rv *mchd.Revocation) error {
	var f errs.Fields
	if !guidRe.MatchString(rv.Number) {
		f.Add("number", "format", numberFormat)
	}
	switch n := len([]rune(strings.TrimSpace(rv.Reason))); {
	case n == 0:
		f.Add("reason", "required", "is required")
	case n > MaxReason:
		f.Add("reason", "too_long", fmt.Sprintf("must be at most %d characters", MaxReason))
	}
	if len(rv.Statement) > 0 && len(rv.Signature) == 0 {
		f.Add("signature", "required", "the statement must come with the head's signature")
	}
	if len(rv.Signature) > 0 && len(rv.Statement) == 0 {
		f.Add("statement", "required", "the signature must come with the statement it signs")
	}
	if err := f.Err(); err != nil {
		return err
	}
	e, err := r.entry(ctx, rv.Number)
	if err != nil {
		return err
	}
	for range maxAttempts {
		if e.Status != string(mchd.RegistryActive) {
			return notActive(e)
		}
		if err := r.checkStatement(e, rv); err != nil {
			return err
		}
		d := *e
		d.Status, d.Reason, d.StatusAt = string(mchd.RegistryRevoked), strings.TrimSpace(rv.Reason), r.clk.Now()
		ok, err := r.db.ReplaceStandinEntry(ctx, &d, e.Operation, e.Status)
		if err != nil || ok {
			return err
		}
		if e, err = r.entry(ctx, rv.Number); err != nil {
			return err
		}
	}
	return errContended
}

// notActive is the refusal to revoke e.
func notActive(e *storage.StandinEntry) error {
	at := e.StatusAt.In(rules.MSK).Format("2006-01-02 15:04 MSK")
	switch mchd.RegistryStatus(e.Status) {
	case mchd.RegistryRevoked:
		return errs.New(errs.Conflict, "the power of attorney %s is already revoked (since %s)", e.Number, at)
	case mchd.RegistryExpired:
		return errs.New(errs.Conflict, "the power of attorney %s has expired (on %s): there is nothing to revoke", e.Number, at)
	case mchd.RegistryRejected:
		return errs.New(errs.Conflict, "the registration of the power of attorney %s was rejected: there is nothing to revoke", e.Number)
	default:
		return errs.New(errs.Conflict, "the power of attorney %s is still being registered: revoke it once it is active", e.Number)
	}
}

// checkStatement verifies a signed revocation statement, when one is given, and the revoking organization.
func (r *Registry) checkStatement(e *storage.StandinEntry, rv *mchd.Revocation) error {
	if rv.INN != "" && rv.INN != e.GrantorINN {
		return errs.Field("inn", "not_grantor", "the revoking organization is not the grantor of the power of attorney")
	}
	if len(rv.Signature) == 0 {
		return nil
	}
	res, err := r.verify(rv.Signature, rv.Statement, r.clk.Now())
	if err != nil {
		return errs.Field("signature", "invalid", "the statement's signature does not verify: "+err.Error())
	}
	doc, err := mchd.Parse(e.File)
	if err != nil {
		return err // it parsed when it was registered
	}
	if !isHead(res.Signer, doc) {
		return errs.Field("signature", "head", "the statement is not signed by the grantor's head named in the power of attorney")
	}
	return nil
}
