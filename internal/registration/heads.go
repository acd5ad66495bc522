package registration

import (
	"context"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
)

// HeadInput records or replaces an organization's head (its sole executive).
type HeadInput struct {
	Surname    string `json:"surname"`
	GivenName  string `json:"given_name"`
	Patronymic string `json:"patronymic,omitempty"`
	Position   string `json:"position"`
	INN        string `json:"inn"`
	SNILS      string `json:"snils"`
	// Since is the date the head took office, YYYY-MM-DD, not in the future.
	Since string `json:"since"`
}

// HeadView is an organization's head with the link to the head's certificate in the register.
type HeadView struct {
	model.Head
	// CertificateSerial names the newest valid certificate of kind head in the organization whose holder has
	// the head's СНИЛС; "" when the register has none.
	CertificateSerial string `json:"certificate_serial,omitempty"`
}

func (in *HeadInput) normalize() {
	in.Surname, in.GivenName, in.Patronymic = collapse(in.Surname), collapse(in.GivenName), collapse(in.Patronymic)
	in.SNILS = requisites.NormalizeSNILS(strings.TrimSpace(in.SNILS))
	in.INN, in.Position, in.Since = strings.TrimSpace(in.INN), collapse(in.Position), strings.TrimSpace(in.Since)
}

// check applies the employee rules to the head; ИНН and position are required, since a head signs powers
// of attorney that name both.
func (in *HeadInput) check(f *errs.Fields, now time.Time) {
	personName(f, "surname", in.Surname, true)
	personName(f, "given_name", in.GivenName, true)
	personName(f, "patronymic", in.Patronymic, false)
	requisite(f, "snils", in.SNILS, requisites.ValidateSNILS)
	requisite(f, "inn", in.INN, requisites.ValidateINN12)
	textField(f, "position", in.Position, true, 200)
	since, err := time.Parse(time.DateOnly, in.Since)
	switch {
	case in.Since == "":
		f.Add("since", "required", "is required")
	case err != nil:
		f.Add("since", "format", "must be a date as YYYY-MM-DD")
	case since.After(now):
		f.Add("since", "range", "must not be in the future")
	case since.Before(now.AddDate(-100, 0, 0)):
		f.Add("since", "range", "must be within the last 100 years")
	}
}

// MayWriteHead tells who may record a head: the CA operator (who records heads when onboarding a client),
// the account administrator, the organization administrator, and an integration acting for them.
func MayWriteHead(p *access.Principal) bool {
	return p != nil && (p.Role == model.RoleOperator || p.Can(access.OrgWrite))
}

// MayReadHead tells who may read a head: whoever reads employees' personal data there (registrars too),
// never an employee, whose scope is their own record. The CA operator writes a head but, as with employees,
// never reads personal data back.
func MayReadHead(p *access.Principal) bool {
	return p != nil && p.Role != model.RoleEmployee && p.Can(access.EmployeeRead)
}

// headOrganization returns the organization in scope that can have a head: a legal entity. A branch acts
// through its parent's head and a sole proprietor acts for himself, so both are refused with a field error.
func (s *Service) headOrganization(ctx context.Context, p *access.Principal, orgID string) (*model.Organization, error) {
	o, err := s.DB.Organization(ctx, p.Scope(), orgID)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("organization %s not found", orgID)
	} else if err != nil {
		return nil, err
	}
	switch o.Kind {
	case model.OrgBranch:
		return nil, errs.Field("organization_id", "kind", "a branch has no head of its own: its parent organization's head acts for it")
	case model.OrgSoleProprietor:
		return nil, errs.Field("organization_id", "kind", "a sole proprietor acts for himself and has no head to record")
	}
	return o, nil
}

// SetHead records or replaces the head of a legal entity in scope; audited without personal data.
func (s *Service) SetHead(ctx context.Context, p *access.Principal, orgID string, in HeadInput) (*HeadView, error) {
	if !MayWriteHead(p) {
		return nil, forbidden("record an organization's head")
	}
	in.normalize()
	var f errs.Fields
	now := s.Clock.Now()
	in.check(&f, now)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var v *HeadView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.headOrganization(ctx, p, orgID)
		if err != nil {
			return err
		}
		replaced := true
		if _, err := s.DB.OrganizationHead(ctx, storage.Scope{AccountID: o.AccountID}, o.ID); storage.IsNoRows(err) {
			replaced = false
		} else if err != nil {
			return err
		}
		h := &model.Head{OrganizationID: o.ID, AccountID: o.AccountID, Surname: in.Surname, GivenName: in.GivenName,
			Patronymic: in.Patronymic, Position: in.Position, INN: in.INN, SNILS: in.SNILS, Since: in.Since, UpdatedAt: now}
		if err := s.DB.SetOrganizationHead(ctx, h); err != nil {
			return err
		}
		if v, err = s.headView(ctx, h); err != nil {
			return err
		}
		detail := map[string]any{"since": h.Since, "replaced": replaced}
		return s.record(ctx, p, audit.OrganizationHeadSet, "organization", o.ID, o.AccountID, o.ID, detail,
			string(model.EventOrganizationHeadChanged), detail)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Head returns the recorded head of a legal entity in scope with the link to the head's certificate; the
// read of the head's personal data is audited. NotFound when none is recorded.
func (s *Service) Head(ctx context.Context, p *access.Principal, orgID string) (*HeadView, error) {
	if !MayReadHead(p) {
		return nil, forbidden("read an organization's head")
	}
	var v *HeadView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.headOrganization(ctx, p, orgID)
		if err != nil {
			return err
		}
		h, err := s.DB.OrganizationHead(ctx, storage.Scope{AccountID: o.AccountID}, o.ID)
		if storage.IsNoRows(err) {
			return errs.NotFoundf("organization %s has no head recorded", o.ID)
		} else if err != nil {
			return err
		}
		if v, err = s.headView(ctx, h); err != nil {
			return err
		}
		return s.record(ctx, p, audit.OrganizationHeadRead, "organization", o.ID, o.AccountID, o.ID, nil, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// headView links the head's certificate: of kind head, in the head's organization, held by the person with
// the head's СНИЛС, valid now; the newest first.
func (s *Service) headView(ctx context.Context, h *model.Head) (*HeadView, error) {
	v := &HeadView{Head: *h}
	certs, _, err := s.DB.Certificates(ctx, storage.Scope{AccountID: h.AccountID},
		storage.CertFilter{OrganizationID: h.OrganizationID, SNILS: h.SNILS, Kind: model.KindHead, Status: model.CertValid},
		storage.Page{Limit: MaxPageSize, Order: storage.Order{By: "not_before", Desc: true}})
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	for _, c := range certs {
		// The stored status is valid until revoked: an expired or not yet valid one is skipped here.
		if c.Status == model.CertValid && !now.Before(c.NotBefore) && now.Before(c.NotAfter) {
			v.CertificateSerial = c.Serial
			break
		}
	}
	return v, nil
}

// DismissInput records that an employee left the organization.
type DismissInput struct {
	Reason string `json:"reason"`
	// Date is the last working day, YYYY-MM-DD, not in the future.
	Date string `json:"date"`
}

// DismissEmployee records an employee's dismissal: audited, with an employee.dismissed feed event (no
// personal data). An employee already dismissed is a conflict. Afterwards no new application can be made
// for the employee. OnDismissed, when set, runs in the same transaction.
func (s *Service) DismissEmployee(ctx context.Context, p *access.Principal, id string, in DismissInput) (*model.Employee, error) {
	if !p.Can(access.EmployeeWrite) || p.Role == model.RoleRegistrar {
		// Dismissal is the organization's act, not the registration officer's.
		return nil, forbidden("dismiss employees")
	}
	in.Reason, in.Date = collapse(in.Reason), strings.TrimSpace(in.Date)
	var f errs.Fields
	now := s.Clock.Now()
	textField(&f, "reason", in.Reason, true, 500)
	day, err := time.Parse(time.DateOnly, in.Date)
	switch {
	case in.Date == "":
		f.Add("date", "required", "is required")
	case err != nil:
		f.Add("date", "format", "must be a date as YYYY-MM-DD")
	case day.After(now):
		f.Add("date", "range", "must not be in the future")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var e *model.Employee
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.DB.Employee(ctx, p.Scope(), id); storage.IsNoRows(err) {
			return errs.NotFoundf("employee %s not found", id)
		} else if err != nil {
			return err
		}
		if e.Dismissed() {
			return alreadyDismissed(e)
		}
		if err := s.DB.DismissEmployee(ctx, e.ID, day, in.Reason); storage.IsNoRows(err) {
			return errs.New(errs.Conflict, "employee %s was dismissed meanwhile", e.ID)
		} else if err != nil {
			return err
		}
		e.DismissedAt, e.DismissalReason, e.UpdatedAt = &day, in.Reason, day
		if err := s.record(ctx, p, audit.EmployeeDismiss, "employee", e.ID, e.AccountID, e.OrganizationID,
			map[string]any{"date": in.Date}, string(model.EventEmployeeDismissed), map[string]any{"date": in.Date}); err != nil {
			return err
		}
		if s.OnDismissed != nil {
			return s.OnDismissed(ctx, p, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func alreadyDismissed(e *model.Employee) error {
	return errs.New(errs.Conflict, "employee %s was already dismissed on %s", e.ID, e.DismissedAt.Format(time.DateOnly))
}

// ruleDismissed is the field rule that refuses a new application for an employee who has left.
const ruleDismissed = "dismissed"

// refuseDismissed refuses a new application for an employee who has left.
func refuseDismissed(e *model.Employee) error {
	if !e.Dismissed() {
		return nil
	}
	return errs.Field("employee_id", ruleDismissed, "the employee was dismissed on "+e.DismissedAt.Format(time.DateOnly)+
		": no new application can be made")
}
