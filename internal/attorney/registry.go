package attorney

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/storage"
)

// Register submits a signed power of attorney to the registry. The intent (registry status PROCESSING)
// is committed before the registry is called, so a registration the caller abandons or a crash interrupts
// is finished by Poll. The record stays signed until the registry answers ACTIVE or REJECTED.
func (s *Service) Register(ctx context.Context, p *access.Principal, id string) (*mchd.Record, error) {
	if !canWrite(p) {
		return nil, forbidden("register")
	}
	var r *mchd.Record
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.record(ctx, p, id); err != nil {
			return err
		}
		if r.State != mchd.StateSigned || r.RegistryStatus != "" {
			return errs.New(errs.Conflict, "only a signed power of attorney not yet submitted can be registered; this one is %s%s",
				r.State, statusSuffix(r))
		}
		r.RegistryStatus = mchd.RegistryProcessing
		return s.transition(ctx, p.Actor, r, r.State, audit.PoARegister, "submitted to the registry")
	})
	if err != nil {
		return nil, err
	}
	// The registry call and its outcome survive the caller going away: the intent is already committed.
	return r, s.submit(context.WithoutCancel(ctx), p.Actor, r)
}

func statusSuffix(r *mchd.Record) string {
	if r.RegistryStatus == "" {
		return ""
	}
	return " (registry: " + string(r.RegistryStatus) + ")"
}

// submit calls the registry for a record in PROCESSING without an operation id and records the answer.
func (s *Service) submit(ctx context.Context, actor string, r *mchd.Record) error {
	op, err := s.Registry.Register(ctx, r.Number, r.XML, r.Signature)
	switch {
	case errors.Is(err, mchd.ErrRepeatedRegistration):
		// Already there with this very signature: an earlier attempt got through. Poll follows its status.
		return nil
	case errors.Is(err, mchd.ErrDifferentSignature):
		r.RegistryStatus = ""
		if serr := s.DB.InTx(ctx, func(ctx context.Context) error {
			return s.transition(ctx, actor, r, r.State, audit.PoARegister, "refused by the registry: DifferentSignature")
		}); serr != nil {
			return serr
		}
		return errs.New(errs.Conflict, "the registry already holds this number with a different signature (DifferentSignature)")
	case err != nil:
		// Transient: the intent stays; Poll submits again.
		return errs.New(errs.Unavailable, "the registry did not accept the submission now (%v); kcr retries it", err)
	}
	r.RegistryOperation = op
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		return s.transition(ctx, actor, r, r.State, audit.PoARegister, "accepted by the registry")
	})
}

// PollResult counts what one Poll did.
type PollResult struct {
	Registered, Rejected, Expired, Revoked, Pending int
}

// Poll follows every power of attorney the registry is processing: it submits again those whose
// submission never got through, moves the answered ones to registered or rejected (with the registry's
// reason), and marks registered ones past their end date expired. Every change is a versioned save, so
// replicas polling at once apply each answer once; errors of one record do not stop the others.
func (s *Service) Poll(ctx context.Context) (PollResult, error) {
	var res PollResult
	var failed []error
	after := ""
	for {
		batch, err := s.DB.PowersOfAttorneyProcessing(ctx, after, 200)
		if err != nil {
			return res, err
		}
		for _, r := range batch {
			if err := s.pollOne(ctx, r, &res); err != nil {
				failed = append(failed, fmt.Errorf("power of attorney %s: %w", r.ID, err))
			}
		}
		if len(batch) < 200 {
			break
		}
		after = batch[len(batch)-1].ID
	}
	today := mskToday(s.Clock.Now()).Format("2006-01-02")
	for {
		ended, err := s.DB.PowersOfAttorneyEnded(ctx, today, 200)
		if err != nil {
			return res, err
		}
		for _, r := range ended {
			r.State = mchd.StateExpired
			if err := s.DB.InTx(ctx, func(ctx context.Context) error {
				return s.transition(ctx, SystemActor, r, mchd.StateRegistered, audit.PoAExpire, "the end date has passed")
			}); err != nil && !errs.Is(err, errs.Conflict) {
				failed = append(failed, fmt.Errorf("power of attorney %s: %w", r.ID, err))
				continue
			}
			res.Expired++
		}
		if len(ended) < 200 || len(failed) > 0 {
			break
		}
	}
	return res, errors.Join(failed...)
}

func (s *Service) pollOne(ctx context.Context, r *mchd.Record, res *PollResult) error {
	if r.RegistryOperation == "" {
		if err := s.submit(ctx, SystemActor, r); err != nil {
			if errs.Is(err, errs.Unavailable) {
				res.Pending++
				return nil
			}
			return err
		}
		if r.RegistryStatus != mchd.RegistryProcessing {
			return nil
		}
	}
	st, err := s.Registry.Status(ctx, r.Number)
	if errors.Is(err, mchd.ErrUnknownNumber) {
		res.Pending++
		return nil
	}
	if err != nil {
		return err
	}
	var action audit.Action
	from := r.State
	switch st.Status {
	case mchd.RegistryActive:
		r.State, action = mchd.StateRegistered, audit.PoARegistered
		res.Registered++
	case mchd.RegistryRejected:
		r.State, r.Reason, action = mchd.StateRejected, st.Reason, audit.PoAReject
		res.Rejected++
	case mchd.RegistryRevoked:
		at := st.At
		r.State, r.Reason, r.RevokedAt, action = mchd.StateRevoked, st.Reason, &at, audit.PoARevoke
		res.Revoked++
	case mchd.RegistryExpired:
		r.State, action = mchd.StateExpired, audit.PoAExpire
		res.Expired++
	default:
		res.Pending++
		return nil
	}
	r.RegistryStatus = st.Status
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		return s.transition(ctx, SystemActor, r, from, action, "registry: "+string(st.Status))
	})
	if errs.Is(err, errs.Conflict) {
		return nil // another replica recorded it first
	}
	return err
}

// RunPoller polls every interval until ctx ends, reporting errors.
func (s *Service) RunPoller(ctx context.Context, every time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Poll(ctx); err != nil && report != nil {
				report(err)
			}
		}
	}
}

const maxReason = 500

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", errs.Field("reason", "required", "is required")
	case utf8.RuneCountInString(reason) > maxReason:
		return "", errs.Field("reason", "too_long", "must be at most 500 characters")
	case !utf8.ValidString(reason):
		return "", errs.Field("reason", "format", "must be text")
	}
	return reason, nil
}

// Revoke revokes a power of attorney with a recorded reason. A registered one is revoked in the registry
// first; one not yet registered is cancelled locally. One being registered cannot be revoked until the
// registry answers.
func (s *Service) Revoke(ctx context.Context, p *access.Principal, id, reason string) (*mchd.Record, error) {
	if !canWrite(p) {
		return nil, forbidden("revoke")
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	r, err := s.record(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return r, s.revoke(ctx, p.Actor, r, reason)
}

func (s *Service) revoke(ctx context.Context, actor string, r *mchd.Record, reason string) error {
	from := r.State
	switch {
	case r.State.Final():
		return errs.New(errs.Conflict, "the power of attorney is already %s", r.State)
	case r.RegistryStatus == mchd.RegistryProcessing:
		return errs.New(errs.Conflict, "the registry is still processing the registration; revoke once it answers")
	case r.State == mchd.StateRegistered:
		org, err := s.DB.Organization(ctx, storage.Scope{AccountID: r.AccountID}, r.OrganizationID)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := s.Registry.Revoke(context.WithoutCancel(ctx), &mchd.Revocation{Number: r.Number, Reason: reason,
			OrgName: org.Name, INN: org.INN, KPP: org.KPP, OGRN: org.OGRN, Date: now}); err != nil {
			return errs.New(errs.Unavailable, "the registry did not take the revocation (%v); try again", err)
		}
		r.RegistryStatus = mchd.RegistryRevoked
	}
	now := s.Clock.Now()
	r.State, r.Reason, r.RevokedAt = mchd.StateRevoked, reason, &now
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		return s.transition(ctx, actor, r, from, audit.PoARevoke, "revoked")
	})
}

// Revoked is what became of one power of attorney in a bulk revocation.
type Revoked struct {
	ID         string     `json:"id"`
	EmployeeID string     `json:"employee_id"`
	State      mchd.State `json:"state"`
	Error      *ItemError `json:"error,omitempty"`
}

// RevokeForEmployee revokes every power of attorney of an employee that is not final yet (on dismissal).
func (s *Service) RevokeForEmployee(ctx context.Context, p *access.Principal, employeeID, reason string) ([]Revoked, error) {
	return s.revokeAll(ctx, p, storage.PoAFilter{EmployeeID: employeeID}, reason)
}

// RevokeForOrganization revokes every power of attorney of an organization that is not final yet.
func (s *Service) RevokeForOrganization(ctx context.Context, p *access.Principal, organizationID, reason string) ([]Revoked, error) {
	return s.revokeAll(ctx, p, storage.PoAFilter{OrganizationID: organizationID}, reason)
}

func (s *Service) revokeAll(ctx context.Context, p *access.Principal, f storage.PoAFilter, reason string) ([]Revoked, error) {
	if !canWrite(p) {
		return nil, forbidden("revoke")
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	out := []Revoked{}
	pg := storage.Page{Limit: 500}
	for {
		rows, err := s.DB.PowersOfAttorney(ctx, p.Scope(), f, pg)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if row.State.Final() {
				continue
			}
			res := Revoked{ID: row.ID, EmployeeID: row.EmployeeID, State: row.State}
			r, err := s.DB.PowerOfAttorney(ctx, p.Scope(), row.ID)
			if err == nil {
				err = s.revoke(ctx, p.Actor, r, reason)
				res.State = r.State
			}
			if err != nil {
				if errs.KindOf(err) == errs.Internal {
					return nil, err
				}
				res.Error = itemError(err)
			}
			out = append(out, res)
		}
		if len(rows) < pg.Limit {
			return out, nil
		}
		pg.After = rows[len(rows)-1].ID
	}
}
