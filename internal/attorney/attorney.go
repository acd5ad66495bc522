// Package attorney is the power-of-attorney (МЧД) service: it drafts ЕМЧД 003 files from the register,
// takes the head's signature after checking it, registers the signed file in the registry and follows it
// there, revokes, and answers reads. Every method takes the calling principal, checks its permission and
// scope, writes in one transaction, and audits without personal data.
package attorney

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Store is what the service needs from storage (*storage.DB).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Organization(ctx context.Context, s storage.Scope, id string) (*model.Organization, error)
	OrganizationHead(ctx context.Context, s storage.Scope, orgID string) (*model.Head, error)
	Employee(ctx context.Context, s storage.Scope, id string) (*model.Employee, error)
	Employees(ctx context.Context, s storage.Scope, f storage.EmployeeFilter, p storage.Page) ([]*model.Employee, []string, error)
	CreatePowersOfAttorney(ctx context.Context, recs []*mchd.Record, actor string) error
	SavePowerOfAttorney(ctx context.Context, r *mchd.Record, h mchd.HistoryEntry) (bool, error)
	PowerOfAttorney(ctx context.Context, s storage.Scope, id string) (*mchd.Record, error)
	PowerOfAttorneyHistory(ctx context.Context, id string) ([]mchd.HistoryEntry, error)
	PowersOfAttorney(ctx context.Context, s storage.Scope, f storage.PoAFilter, p storage.Page) ([]*mchd.Record, error)
	PowersOfAttorneyProcessing(ctx context.Context, after string, limit int) ([]*mchd.Record, error)
	PowersOfAttorneyEnded(ctx context.Context, before string, limit int) ([]*mchd.Record, error)
	AppendAudit(ctx context.Context, ev *audit.Event, feed *model.FeedEvent) error
	mchd.Finder
}

// SignatureChecker checks a head's detached signature over a file's exact bytes and that the signer is
// the given head (mchd.SignatureChecker). A refusal is an *errs.Error naming the failed check.
type SignatureChecker interface {
	Check(file, sig []byte, head mchd.HeadIdentity) (*mchd.SignatureInfo, error)
}

// HeadSigner signs a file as the organization's head; only the demo has one.
type HeadSigner interface {
	SignAsHead(ctx context.Context, organizationID string, file []byte) (sig []byte, err error)
}

// Biller charges a drafted power of attorney.
type Biller interface {
	Charge(ctx context.Context, c billing.Charge) error
}

// Service is the power-of-attorney service.
type Service struct {
	DB       Store
	Clock    clock.Clock
	Registry mchd.Registry
	// Checker checks heads' signatures; nil refuses every signature as unavailable.
	Checker SignatureChecker
	// Demo signs as the head in the demo; nil without --demo, and then SignAsHeadDemo does not exist.
	Demo HeadSigner
	// Billing charges drafting; nil when billing is not configured.
	Billing Biller
	// Rand makes the numbers; nil is crypto/rand.
	Rand io.Reader
}

// SystemActor is the actor the history and the audit log name for what the reconciler does.
const SystemActor = "system:mchd"

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// canRead: whoever may read employees' personal data reads their powers of attorney (employees only their
// own, through the scope); the CA operator too. Accountants never.
func canRead(p *access.Principal) bool {
	return p.Can(access.EmployeeRead) || (p != nil && p.Role == model.RoleOperator)
}

// canWrite: whoever may change employees' data drafts, signs, registers and revokes.
func canWrite(p *access.Principal) bool { return p.Can(access.EmployeeWrite) }

func forbidden(what string) error {
	return errs.New(errs.Forbidden, "your role cannot %s powers of attorney", what)
}

func notFound() error { return errs.NotFoundf("no such power of attorney") }

// audit writes an audit event in the current transaction. Details carry ids, states and numbers only.
func (s *Service) audit(ctx context.Context, actor string, action audit.Action, r *mchd.Record, detail map[string]any) error {
	return s.appendAudit(ctx, actor, action, r, detail, nil)
}

// auditState writes the audit event of a change of state and, for integrators, the feed event
// power_of_attorney.state_changed carrying the new state only.
func (s *Service) auditState(ctx context.Context, actor string, action audit.Action, r *mchd.Record, detail map[string]any) error {
	data := map[string]any{"state": string(r.State)}
	if r.RegistryStatus != "" {
		data["registry_status"] = string(r.RegistryStatus)
	}
	feed := &model.FeedEvent{Type: string(model.EventPowerOfAttorneyStateChanged), AccountID: r.AccountID,
		OrganizationID: r.OrganizationID, ObjectID: r.ID, Data: data}
	return s.appendAudit(ctx, actor, action, r, detail, feed)
}

func (s *Service) appendAudit(ctx context.Context, actor string, action audit.Action, r *mchd.Record, detail map[string]any, feed *model.FeedEvent) error {
	if !action.Known() {
		return fmt.Errorf("audit action %q is not in audit.Actions", action)
	}
	return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: actor, Action: string(action),
		ObjectType: "power_of_attorney", ObjectID: r.ID, AccountID: r.AccountID, OrganizationID: r.OrganizationID,
		Detail: detail}, feed)
}

// record loads a record within the principal's scope; out of scope is not found.
func (s *Service) record(ctx context.Context, p *access.Principal, id string) (*mchd.Record, error) {
	r, err := s.DB.PowerOfAttorney(ctx, p.Scope(), id)
	if storage.IsNoRows(err) {
		return nil, notFound()
	}
	return r, err
}

// transition saves r moved from one state to another (or within one) with a history entry and an audit
// event. A concurrent change is a conflict.
func (s *Service) transition(ctx context.Context, actor string, r *mchd.Record, from mchd.State, action audit.Action, detail string) error {
	now := s.Clock.Now()
	r.UpdatedAt = now
	ok, err := s.DB.SavePowerOfAttorney(ctx, r, mchd.HistoryEntry{At: now, Actor: actor, From: from, To: r.State, Detail: detail})
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.Conflict, "the power of attorney changed meanwhile; read it again")
	}
	d := map[string]any{"state": string(r.State), "from": string(from), "number": r.Number}
	if r.RegistryStatus != "" {
		d["registry_status"] = string(r.RegistryStatus)
	}
	return s.auditState(ctx, actor, action, r, d)
}

// mskToday is today's Moscow date at midnight, how a power of attorney's dates are read.
func mskToday(now time.Time) time.Time {
	y, m, d := now.In(rules.MSK).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, rules.MSK)
}
