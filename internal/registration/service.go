// Package registration is the registration authority: organizations, employees, certificate
// applications and their state machine, and the certificate register. Every method takes the calling
// principal, checks its permission and scope, writes in one transaction, and audits.
package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Service is the registration authority.
type Service struct {
	DB    *storage.DB
	Clock clock.Clock
	// CA is kcr's own certification authority; nil until one is configured, and then the issue step
	// answers that issuing is unavailable.
	CA ca.Issuer
	// StateCAs reach the state authorities that issue to heads and sole proprietors since 2022.
	StateCAs map[rules.Authority]ca.Issuer
	// Timeline holds the legal cutoffs; the zero value means rules.DefaultTimeline.
	Timeline rules.Timeline
	// Billing charges chargeable events and checks agreements; nil when billing is not configured.
	Billing Biller
	// OnDismissed, when set, runs inside DismissEmployee's transaction after the dismissal is recorded: the
	// hook where the employee's powers of attorney are revoked. An error rolls the dismissal back.
	OnDismissed func(ctx context.Context, p *access.Principal, e *model.Employee) error
}

// Biller is what registration needs from billing.
type Biller interface {
	Charge(ctx context.Context, c billing.Charge) error
	CheckAgreement(ctx context.Context, accountID string, position model.BillingPosition, at time.Time) error
}

// charge writes a billing line when billing is configured.
func (s *Service) charge(ctx context.Context, c billing.Charge) error {
	if s.Billing == nil {
		return nil
	}
	return s.Billing.Charge(ctx, c)
}

// checkAgreement refuses a position the account's agreements do not cover, when billing is configured.
func (s *Service) checkAgreement(ctx context.Context, accountID string, position model.BillingPosition) error {
	if s.Billing == nil {
		return nil
	}
	return s.Billing.CheckAgreement(ctx, accountID, position, s.Clock.Now())
}

func forbidden(what string) error {
	return errs.New(errs.Forbidden, "your role cannot %s", what)
}

// record writes an audit event and optionally a feed event in the current transaction, both without
// personal data in clear (RedactDetail).
func (s *Service) record(ctx context.Context, p *access.Principal, action audit.Action, objType, objID, accountID, orgID string,
	detail map[string]any, feedType string, feedData map[string]any) error {
	if !action.Known() {
		return fmt.Errorf("audit action %q is not in audit.Actions", action)
	}
	ev := &audit.Event{At: s.Clock.Now(), Actor: p.Actor, Action: string(action), ObjectType: objType, ObjectID: objID,
		AccountID: accountID, OrganizationID: orgID, Detail: RedactDetail(detail)}
	var feed *model.FeedEvent
	if feedType != "" {
		feed = &model.FeedEvent{Type: feedType, AccountID: accountID, OrganizationID: orgID, ObjectID: objID, Data: RedactDetail(feedData)}
	}
	return s.DB.AppendAudit(ctx, ev, feed)
}

// ListPage is one page of results and the cursor for the next ("" at the end).
type ListPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// MaxPageSize bounds a page; DefaultPageSize is used when the caller gives none.
const (
	MaxPageSize     = 200
	DefaultPageSize = 50
)

// PageRequest is a caller's cursor, page size and order. Sort is one of the list's sort keys, with a leading
// "-" for descending; "" keeps the list's default order. A cursor belongs to the order it was made in.
type PageRequest struct {
	Cursor string
	Limit  int
	Sort   string
}

// page checks the request against the list's sort keys (none: the list has one fixed order).
func (r PageRequest) page(sorts ...string) (storage.Page, error) {
	key, ok := storage.DecodeCursor(r.Cursor)
	if !ok {
		return storage.Page{}, errs.Field("cursor", "malformed", "is not a cursor this API returned")
	}
	var order storage.Order
	if r.Sort != "" {
		by, desc := strings.CutPrefix(r.Sort, "-")
		if len(sorts) == 0 {
			return storage.Page{}, errs.Field("sort", "not_allowed", "this list has one fixed order")
		}
		if !slices.Contains(sorts, by) {
			return storage.Page{}, errs.Field("sort", "enum", "must be one of "+strings.Join(sorts, ", ")+
				", with a leading - for descending")
		}
		order = storage.Order{By: by, Desc: desc}
	}
	limit := r.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return storage.Page{}, errs.Field("limit", "range", "must be between 1 and 200")
	}
	return storage.Page{After: key, Limit: limit + 1, Order: order}, nil
}

// paginate trims the extra row fetched to learn whether there is a next page.
func paginate[T any](rows []T, p storage.Page, key func(T) string) ListPage[T] {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = key(r)
	}
	return paginateKeys(rows, keys, p)
}

// paginateKeys is paginate for lists whose storage gives each row's cursor key (those that sort).
func paginateKeys[T any](rows []T, keys []string, p storage.Page) ListPage[T] {
	out := ListPage[T]{Items: rows}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(rows) == p.Limit {
		out.Items = rows[:p.Limit-1]
		out.NextCursor = storage.EncodeCursor(keys[p.Limit-2])
	}
	return out
}

// listErr names the cursor when storage refuses one made for another order of the list.
func listErr(err error) error {
	if errors.Is(err, storage.ErrCursorOrder) {
		return errs.Field("cursor", "other_order", "was made for another sort of this list; start again without a cursor")
	}
	return err
}

// ---- organizations ----

// CreateOrganization registers an organization in the principal's account.
func (s *Service) CreateOrganization(ctx context.Context, p *access.Principal, accountID string, in OrganizationInput) (*model.Organization, error) {
	if !p.Can(access.OrgCreate) {
		return nil, forbidden("create organizations")
	}
	if p.AccountID != "" {
		accountID = p.AccountID
	} else if accountID == "" {
		return nil, errs.Field("account_id", "required", "the CA operator must name the account")
	}
	in.normalize()
	var f errs.Fields
	in.check(&f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	o := &model.Organization{ID: access.NewID(), AccountID: accountID, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.Account(ctx, accountID); storage.IsNoRows(err) {
			return errs.Field("account_id", "unknown", "no such account")
		} else if err != nil {
			return err
		}
		if err := s.applyOrgInput(ctx, p, o, in); err != nil {
			return err
		}
		if err := s.checkRequisitesFree(ctx, p, o); err != nil {
			return err
		}
		if err := s.DB.CreateOrganization(ctx, o); err == storage.ErrDuplicate {
			return requisitesTaken(p)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "organization.create", "organization", o.ID, o.AccountID, o.ID, orgDetail(o), "", nil)
	})
	if err != nil {
		return nil, err
	}
	return hideParent(p, o), nil
}

// checkRequisitesFree refuses, as a duplicate, an ИНН and КПП another organization in the caller's scope
// already has. One outside a scoped caller's scope is left to the unique index, whose refusal
// requisitesTaken words without confirming that it exists.
func (s *Service) checkRequisitesFree(ctx context.Context, p *access.Principal, o *model.Organization) error {
	if p.OrgIDs == nil {
		return nil
	}
	same, err := s.DB.Organizations(ctx, p.Scope(), storage.OrgFilter{INN: o.INN, KPP: o.KPP}, storage.Page{Limit: 2})
	if err != nil {
		return err
	}
	for _, other := range same {
		if other.ID != o.ID {
			return errs.Field("kpp", "duplicate", "the account already has an organization with this ИНН and КПП")
		}
	}
	return nil
}

// requisitesTaken is the refusal of an ИНН and КПП the unique index found taken. A caller scoped to some
// organizations may not learn that an organization outside them exists, so they are told only that the pair
// cannot be used.
func requisitesTaken(p *access.Principal) error {
	if p.OrgIDs != nil {
		return errs.Field("kpp", "unavailable", "this ИНН and КПП cannot be registered here; ask the account administrator")
	}
	return errs.Field("kpp", "duplicate", "the account already has an organization with this ИНН and КПП")
}

// hideParent clears the parent of an organization for a caller who does not see the parent: its id would
// name an organization outside the caller's scope.
func hideParent(p *access.Principal, o *model.Organization) *model.Organization {
	if o != nil && o.ParentID != "" && !p.SeesOrg(o.AccountID, o.ParentID) {
		c := *o
		c.ParentID = ""
		return &c
	}
	return o
}

func orgDetail(o *model.Organization) map[string]any {
	return map[string]any{"name": o.Name, "inn": o.INN, "kpp": o.KPP, "ogrn": o.OGRN, "kind": string(o.Kind), "parent_id": o.ParentID}
}

// applyOrgInput checks the parent-dependent rules and copies the input into o.
func (s *Service) applyOrgInput(ctx context.Context, p *access.Principal, o *model.Organization, in OrganizationInput) error {
	if in.ParentID != "" {
		scope := storage.Scope{AccountID: o.AccountID, OrgIDs: p.OrgIDs}
		if in.ParentID == o.ParentID {
			// The organization's own parent, kept: the caller need not see it.
			scope.OrgIDs = nil
		}
		parent, err := s.DB.Organization(ctx, scope, in.ParentID)
		if storage.IsNoRows(err) {
			return errs.Field("parent_id", "unknown", "no such organization")
		}
		if err != nil {
			return err
		}
		if parent.Kind != model.OrgLegalEntity {
			return errs.Field("parent_id", "parent_kind", "the parent must be a legal entity, not a "+string(parent.Kind))
		}
		if in.Kind == model.OrgBranch {
			if in.INN != parent.INN {
				return errs.Field("inn", "branch_inn", "a branch has its parent's ИНН "+parent.INN)
			}
			if in.OGRN == "" {
				in.OGRN = parent.OGRN
			} else if in.OGRN != parent.OGRN {
				return errs.Field("ogrn", "branch_ogrn", "a branch has its parent's ОГРН "+parent.OGRN)
			}
		}
		// Walking up from the parent must never reach o itself.
		for cur := parent; cur.ParentID != ""; {
			if cur.ParentID == o.ID || cur.ID == o.ID {
				return errs.Field("parent_id", "cycle", "an organization cannot be its own ancestor")
			}
			next, err := s.DB.Organization(ctx, storage.Scope{AccountID: o.AccountID}, cur.ParentID)
			if err != nil {
				return err
			}
			cur = next
		}
		if parent.ID == o.ID {
			return errs.Field("parent_id", "cycle", "an organization cannot be its own parent")
		}
	}
	o.ParentID, o.Kind, o.Sector, o.Name, o.INN, o.KPP, o.OGRN = in.ParentID, in.Kind, in.Sector, in.Name, in.INN, in.KPP, in.OGRN
	o.Address, o.Region, o.RegionCode = in.Address, in.Region, in.RegionCode
	return nil
}

// UpdateOrganization replaces an organization's fields.
func (s *Service) UpdateOrganization(ctx context.Context, p *access.Principal, id string, in OrganizationInput) (*model.Organization, error) {
	if !p.Can(access.OrgWrite) {
		return nil, forbidden("change organizations")
	}
	in.normalize()
	if in.ParentID == "" && p.OrgIDs != nil {
		// The caller was not shown a parent outside their scope (hideParent): the organization keeps it.
		if cur, err := s.DB.Organization(ctx, p.Scope(), id); err == nil && cur.ParentID != "" && !p.SeesOrg(cur.AccountID, cur.ParentID) {
			in.ParentID = cur.ParentID
		}
	}
	var f errs.Fields
	in.check(&f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var o *model.Organization
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if o, err = s.DB.Organization(ctx, p.Scope(), id); storage.IsNoRows(err) {
			return errs.NotFoundf("organization %s not found", id)
		} else if err != nil {
			return err
		}
		if err := s.applyOrgInput(ctx, p, o, in); err != nil {
			return err
		}
		if err := s.checkRequisitesFree(ctx, p, o); err != nil {
			return err
		}
		o.UpdatedAt = s.Clock.Now()
		if err := s.DB.UpdateOrganization(ctx, o); err == storage.ErrDuplicate {
			return requisitesTaken(p)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "organization.update", "organization", o.ID, o.AccountID, o.ID, orgDetail(o), "", nil)
	})
	if err != nil {
		return nil, err
	}
	return hideParent(p, o), nil
}

// Organization returns one organization in scope.
func (s *Service) Organization(ctx context.Context, p *access.Principal, id string) (*model.Organization, error) {
	if !p.Can(access.OrgRead) {
		return nil, forbidden("read organizations")
	}
	o, err := s.DB.Organization(ctx, p.Scope(), id)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("organization %s not found", id)
	}
	return hideParent(p, o), err
}

// Organizations lists organizations in scope.
func (s *Service) Organizations(ctx context.Context, p *access.Principal, f storage.OrgFilter, pr PageRequest) (ListPage[*model.Organization], error) {
	if !p.Can(access.OrgRead) {
		return ListPage[*model.Organization]{}, forbidden("read organizations")
	}
	pg, err := pr.page()
	if err != nil {
		return ListPage[*model.Organization]{}, err
	}
	rows, err := s.DB.Organizations(ctx, p.Scope(), f, pg)
	if err != nil {
		return ListPage[*model.Organization]{}, err
	}
	for i, o := range rows {
		rows[i] = hideParent(p, o)
	}
	return paginate(rows, pg, func(o *model.Organization) string { return o.ID }), nil
}

// ---- employees ----

func (s *Service) orgInScope(ctx context.Context, p *access.Principal, field, id string) (*model.Organization, error) {
	if id == "" {
		return nil, errs.Field(field, "required", "is required")
	}
	o, err := s.DB.Organization(ctx, p.Scope(), id)
	if storage.IsNoRows(err) {
		// The same answer for a foreign and a missing organization: nothing about others leaks.
		return nil, errs.Field(field, "unknown", "no such organization")
	}
	return o, err
}

// CreateEmployee registers an employee of an organization in scope.
func (s *Service) CreateEmployee(ctx context.Context, p *access.Principal, in EmployeeInput) (*model.Employee, error) {
	if !p.Can(access.EmployeeWrite) {
		return nil, forbidden("register employees")
	}
	in.normalize()
	var f errs.Fields
	now := s.Clock.Now()
	in.check(&f, now)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var e *model.Employee
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orgInScope(ctx, p, "organization_id", in.OrganizationID)
		if err != nil {
			return err
		}
		e = &model.Employee{ID: access.NewID(), AccountID: o.AccountID, CreatedAt: now}
		in.apply(e, now)
		if err := s.DB.CreateEmployee(ctx, e); err == storage.ErrDuplicate {
			return errs.Field("snils", "duplicate", "the organization already has an employee with this СНИЛС")
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "employee.create", "employee", e.ID, e.AccountID, e.OrganizationID, nil, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// identityOf is what an identity check vouches for: the data that goes into a certificate's subject and the
// document it was checked against.
func identityOf(e *model.Employee) string {
	return strings.Join([]string{e.Surname, e.GivenName, e.Patronymic, e.BirthDate, e.SNILS, e.INN, e.Email, e.Position,
		string(e.Document.Type), e.Document.Series, e.Document.Number, e.Document.IssueDate, e.Document.Issuer, e.Document.IssuerCode}, "\x00")
}

// resetIdentity withdraws the identity checks of an employee's unfinished applications after their data
// changed: a certificate must never carry data nobody checked. Approved applications go back to identity
// verification.
func (s *Service) resetIdentity(ctx context.Context, p *access.Principal, employeeID string) error {
	ids, err := s.DB.OpenApplicationsOfEmployee(ctx, employeeID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		a, err := s.DB.Application(ctx, storage.Scope{}, id)
		if err != nil {
			return err
		}
		if a.Verification == nil && a.State != model.StateApproved {
			continue
		}
		from, now := a.State, s.Clock.Now()
		a.Verification, a.UpdatedAt = nil, now
		if a.State == model.StateApproved {
			a.State = model.StateIdentityVerification
		}
		if ok, err := s.DB.SaveApplication(ctx, a, from); err != nil {
			return err
		} else if !ok {
			return errs.New(errs.Conflict, "an application of this employee changed meanwhile; try again")
		}
		note := "данные сотрудника изменены: личность нужно подтвердить заново"
		if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "identity-reset", From: from, To: a.State,
			Actor: p.Actor, At: now, Note: note}); err != nil {
			return err
		}
		if err := s.record(ctx, p, "application.identity_reset", "application", a.ID, a.AccountID, a.OrganizationID,
			map[string]any{"from": string(from), "to": string(a.State)}, "application.state_changed",
			map[string]any{"action": "identity-reset", "from": string(from), "to": string(a.State)}); err != nil {
			return err
		}
	}
	return nil
}

func (in *EmployeeInput) apply(e *model.Employee, now time.Time) {
	e.OrganizationID, e.Surname, e.GivenName, e.Patronymic = in.OrganizationID, in.Surname, in.GivenName, in.Patronymic
	e.BirthDate, e.SNILS, e.INN, e.Email, e.Phone, e.Position = in.BirthDate, in.SNILS, in.INN, in.Email, in.Phone, in.Position
	e.Document, e.UpdatedAt = in.Document, now
}

// UpdateEmployee replaces an employee's data; moving to another organization needs both in scope.
func (s *Service) UpdateEmployee(ctx context.Context, p *access.Principal, id string, in EmployeeInput) (*model.Employee, error) {
	if !p.Can(access.EmployeeWrite) {
		return nil, forbidden("change employees")
	}
	in.normalize()
	var f errs.Fields
	now := s.Clock.Now()
	in.check(&f, now)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var e *model.Employee
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.DB.Employee(ctx, p.Scope(), id); storage.IsNoRows(err) {
			return errs.NotFoundf("employee %s not found", id)
		} else if err != nil {
			return err
		}
		if _, err := s.orgInScope(ctx, p, "organization_id", in.OrganizationID); err != nil {
			return err
		}
		before := identityOf(e)
		in.apply(e, now)
		if err := s.DB.UpdateEmployee(ctx, e); err == storage.ErrDuplicate {
			return errs.Field("snils", "duplicate", "the organization already has an employee with this СНИЛС")
		} else if err != nil {
			return err
		}
		if identityOf(e) != before {
			if err := s.resetIdentity(ctx, p, e.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, p, "employee.update", "employee", e.ID, e.AccountID, e.OrganizationID, nil, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Employee returns an employee's personal data; the read is audited.
func (s *Service) Employee(ctx context.Context, p *access.Principal, id string) (*model.Employee, error) {
	if !p.Can(access.EmployeeRead) {
		return nil, forbidden("read employees' personal data")
	}
	var e *model.Employee
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.DB.Employee(ctx, p.Scope(), id); storage.IsNoRows(err) {
			return errs.NotFoundf("employee %s not found", id)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "employee.read", "employee", e.ID, e.AccountID, e.OrganizationID, nil, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Employees lists employees in scope; the read of their personal data is audited.
func (s *Service) Employees(ctx context.Context, p *access.Principal, f storage.EmployeeFilter, pr PageRequest) (ListPage[*model.Employee], error) {
	var out ListPage[*model.Employee]
	if !p.Can(access.EmployeeRead) {
		return out, forbidden("read employees' personal data")
	}
	pg, err := pr.page(storage.EmployeeSorts...)
	if err != nil {
		return out, err
	}
	if f.SNILS != "" {
		f.SNILS = requisitesNormalize(f.SNILS)
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		rows, keys, err := s.DB.Employees(ctx, p.Scope(), f, pg)
		if err != nil {
			return listErr(err)
		}
		out = paginateKeys(rows, keys, pg)
		if len(out.Items) == 0 {
			return nil
		}
		ids := make([]string, len(out.Items))
		for i, e := range out.Items {
			ids[i] = e.ID
		}
		return s.record(ctx, p, "employee.list", "employee", "", p.AccountID, f.OrganizationID,
			map[string]any{"employee_ids": ids}, "", nil)
	})
	return out, err
}

func requisitesNormalize(s string) string { return strings.NewReplacer("-", "", " ", "").Replace(s) }

// ---- events ----

// Events returns the change feed after a cursor, within the principal's scope.
func (s *Service) Events(ctx context.Context, p *access.Principal, pr PageRequest) (ListPage[model.FeedEvent], error) {
	var out ListPage[model.FeedEvent]
	if !p.Can(access.EventsRead) {
		return out, forbidden("follow the event feed")
	}
	pg, err := pr.page()
	if err != nil {
		return out, err
	}
	var after int64
	if pg.After != "" {
		if err := json.Unmarshal([]byte(pg.After), &after); err != nil || after < 0 {
			return out, errs.Field("after", "malformed", "is not a cursor this API returned")
		}
	}
	rows, err := s.DB.FeedEvents(ctx, p.Scope(), after, pg.Limit-1)
	if err != nil {
		return out, err
	}
	out.Items = rows
	if out.Items == nil {
		out.Items = []model.FeedEvent{}
	}
	for i := range out.Items {
		out.Items[i].Cursor = storage.EncodeCursor(strconvI64(out.Items[i].Seq))
	}
	// The feed has no end: the next cursor is always the last seen (or the one given), to poll again.
	out.NextCursor = pr.Cursor
	if len(out.Items) > 0 {
		out.NextCursor = out.Items[len(out.Items)-1].Cursor
	}
	return out, nil
}

func strconvI64(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
