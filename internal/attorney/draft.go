package attorney

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// MaxBulk bounds how many powers of attorney one request drafts.
const MaxBulk = 5000

// DraftInput asks for powers of attorney of one organization: one per employee, listed in EmployeeIDs or,
// with AllEmployees, every employee of the organization still working there except the head. Dates are Moscow dates
// "YYYY-MM-DD"; IssueDate defaults to today. A power given by code alone takes the classifier's name.
type DraftInput struct {
	OrganizationID      string       `json:"organization_id"`
	EmployeeIDs         []string     `json:"employee_ids,omitempty"`
	AllEmployees        bool         `json:"all_employees,omitempty"`
	InternalNumber      string       `json:"internal_number,omitempty"`
	IssueDate           string       `json:"issue_date,omitempty"`
	EndDate             string       `json:"end_date"`
	Kind                mchd.Kind    `json:"kind,omitempty"`
	Retrust             mchd.Retrust `json:"retrust,omitempty"`
	RevocationCondition string       `json:"revocation_condition,omitempty"`
	Powers              []mchd.Power `json:"powers,omitempty"`
	PowersText          string       `json:"powers_text,omitempty"`
}

// Drafted is one drafted power of attorney in a draft's per-employee report.
type Drafted struct {
	EmployeeID string      `json:"employee_id"`
	ID         string      `json:"id"`
	Number     string      `json:"number"`
	FileName   string      `json:"file_name"`
	State      mchd.State  `json:"state"`
	Record     mchd.Record `json:"-"`
}

var dateRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

func parseDate(f *errs.Fields, field, s string) time.Time {
	if s == "" {
		f.Add(field, "required", "is required")
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", s, rules.MSK)
	if err != nil || !dateRe.MatchString(s) {
		f.Add(field, "format", "must be a date YYYY-MM-DD")
		return time.Time{}
	}
	return t
}

// Draft drafts powers of attorney from the register: the organization, its recorded head and each
// employee, without retyping. Every file is validated (business rules and limits of the XSD) before it is
// stored for signature; a bulk request is stored whole or refused whole, its field errors naming the
// employee (employee_ids[i]) where one is at fault. Each drafted power of attorney is charged once.
func (s *Service) Draft(ctx context.Context, p *access.Principal, in DraftInput) ([]Drafted, error) {
	if !canWrite(p) {
		return nil, forbidden("draft")
	}
	var f errs.Fields
	now := s.Clock.Now()
	issue := mskToday(now)
	if in.IssueDate != "" {
		issue = parseDate(&f, "issue_date", in.IssueDate)
	}
	end := parseDate(&f, "end_date", in.EndDate)
	if in.OrganizationID == "" {
		f.Add("organization_id", "required", "is required")
	}
	switch {
	case len(in.EmployeeIDs) == 0 && !in.AllEmployees:
		f.Add("employee_ids", "required", "list the employees or ask for all employees of the organization")
	case len(in.EmployeeIDs) > 0 && in.AllEmployees:
		f.Add("employee_ids", "not_allowed", "list the employees or ask for all of them, not both")
	case len(in.EmployeeIDs) > MaxBulk:
		f.Add("employee_ids", "too_many", "must be at most "+strconv.Itoa(MaxBulk))
	}
	if in.Kind == "" {
		in.Kind = mchd.KindOrdinary
	}
	if in.Retrust == "" {
		in.Retrust = mchd.RetrustNone
	}
	powers := make([]mchd.Power, len(in.Powers))
	for i, pw := range in.Powers {
		powers[i] = pw
		if c := mchd.PowerByCode(pw.Code); c != nil && pw.Name == "" {
			powers[i].Name = c.Name
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}

	var out []Drafted
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		org, err := s.DB.Organization(ctx, p.Scope(), in.OrganizationID)
		if storage.IsNoRows(err) {
			return errs.Field("organization_id", "unknown", "no such organization in your scope")
		} else if err != nil {
			return err
		}
		head, err := s.DB.OrganizationHead(ctx, storage.Scope{AccountID: org.AccountID}, org.ID)
		if storage.IsNoRows(err) {
			return errs.Field("organization_id", "no_head", "the organization has no recorded head to sign the power of attorney")
		} else if err != nil {
			return err
		}
		emps, fieldOf, err := s.draftEmployees(ctx, p, org, head, in)
		if err != nil {
			return err
		}
		recs := make([]*mchd.Record, 0, len(emps))
		var bad errs.Fields
		seen := map[string]bool{}
		for i, e := range emps {
			number, err := mchd.NewNumber(s.rand())
			if err != nil {
				return err
			}
			internal := in.InternalNumber
			switch {
			case internal == "":
				internal = strings.ToUpper(number[:8])
			case len(emps) > 1:
				internal += "-" + strconv.Itoa(i+1)
			}
			doc := &mchd.Document{Number: number, InternalNumber: internal, IssueDate: issue, EndDate: end,
				Kind: in.Kind, Retrust: in.Retrust, RevocationCondition: in.RevocationCondition,
				Grantor: grantorOf(org), Head: headOf(head), Representative: representativeOf(e),
				Powers: powers, PowersText: in.PowersText, StatusURL: s.Registry.StatusURL(number)}
			if err := mchd.ValidateAt(doc, now); err != nil {
				addFields(&bad, seen, err, fieldOf[i])
				continue
			}
			name, data, err := mchd.Marshal(doc)
			if err != nil {
				addFields(&bad, seen, err, fieldOf[i])
				continue
			}
			recs = append(recs, &mchd.Record{ID: access.NewID(), AccountID: org.AccountID, OrganizationID: org.ID,
				EmployeeID: e.ID, Number: number, InternalNumber: internal, IssueDate: issue, EndDate: end,
				Kind: in.Kind, Retrust: in.Retrust, Powers: powers, PowersText: in.PowersText,
				State: mchd.StateAwaitingSignature, FileName: name, XML: data, CreatedBy: p.Actor,
				CreatedAt: now, UpdatedAt: now, Version: 1})
		}
		if err := bad.Err(); err != nil {
			return err
		}
		if err := s.DB.CreatePowersOfAttorney(ctx, recs, p.Actor); err != nil {
			return err
		}
		for i, r := range recs {
			if err := s.auditState(ctx, p.Actor, audit.PoADraft, r, map[string]any{"state": string(r.State),
				"number": r.Number, "employee_id": r.EmployeeID}); err != nil {
				return err
			}
			if s.Billing != nil {
				if err := s.Billing.Charge(ctx, billing.Charge{AccountID: r.AccountID, PayerOrganizationID: r.OrganizationID,
					Position: model.PositionPowerOfAttorney, Event: model.EventDrafting, ApplicationID: r.ID,
					Employee: emps[i], At: now}); err != nil {
					return err
				}
			}
			out = append(out, Drafted{EmployeeID: r.EmployeeID, ID: r.ID, Number: r.Number, FileName: r.FileName,
				State: r.State, Record: *r})
		}
		return nil
	})
	return out, err
}

// draftEmployees resolves the employees to draft for, each with the input field that names it.
func (s *Service) draftEmployees(ctx context.Context, p *access.Principal, org *model.Organization, head *model.Head, in DraftInput) ([]*model.Employee, []string, error) {
	var emps []*model.Employee
	var fields []string
	if in.AllEmployees {
		pg := storage.Page{Limit: 500}
		for {
			rows, keys, err := s.DB.Employees(ctx, p.Scope(), storage.EmployeeFilter{OrganizationID: org.ID}, pg)
			if err != nil {
				return nil, nil, err
			}
			for _, e := range rows {
				// The head acts without a power of attorney: "everyone" means everyone else.
				if !e.Dismissed() && e.SNILS != head.SNILS {
					emps = append(emps, e)
					fields = append(fields, "employee_ids["+strconv.Itoa(len(fields))+"]")
				}
			}
			if len(rows) < pg.Limit {
				break
			}
			pg.After = keys[len(keys)-1]
		}
		if len(emps) > MaxBulk {
			return nil, nil, errs.Field("all_employees", "too_many", "the organization has more than "+strconv.Itoa(MaxBulk)+" employees: list them in batches")
		}
		if len(emps) == 0 {
			return nil, nil, errs.Field("all_employees", "none", "the organization has no working employees")
		}
		return emps, fields, nil
	}
	var f errs.Fields
	seen := map[string]bool{}
	for i, id := range in.EmployeeIDs {
		field := "employee_ids[" + strconv.Itoa(i) + "]"
		e, err := s.DB.Employee(ctx, p.Scope(), id)
		switch {
		case storage.IsNoRows(err):
			f.Add(field, "unknown", "no such employee in your scope")
			continue
		case err != nil:
			return nil, nil, err
		case e.OrganizationID != org.ID:
			f.Add(field, "other_organization", "is not an employee of this organization")
		case e.Dismissed():
			f.Add(field, "dismissed", "the employee is dismissed")
		case seen[id]:
			f.Add(field, "duplicate", "is listed twice")
		}
		seen[id] = true
		emps = append(emps, e)
		fields = append(fields, field)
	}
	return emps, fields, f.Err()
}

// addFields adds a document's field errors: the representative's as the employee's field, the others
// (dates, powers, the head) once for the whole request.
func addFields(f *errs.Fields, seen map[string]bool, err error, employeeField string) {
	e, ok := err.(*errs.Error)
	if !ok {
		f.Add(employeeField, "invalid", err.Error())
		return
	}
	for _, fe := range e.Fields {
		field := fe.Field
		if rest, ok := strings.CutPrefix(field, "representative"); ok {
			field = employeeField + rest
		}
		if key := field + "\x00" + fe.Rule; !seen[key] {
			seen[key] = true
			f.Add(field, fe.Rule, fe.Message)
		}
	}
}

func grantorOf(o *model.Organization) mchd.Organization {
	g := mchd.Organization{Name: o.Name, INN: o.INN, KPP: o.KPP, OGRN: o.OGRN}
	region := o.RegionCode
	if region == "" && len(o.Region) == 2 && o.Region[0] >= '0' && o.Region[0] <= '9' && o.Region[1] >= '0' && o.Region[1] <= '9' {
		region = o.Region
	}
	if region != "" && o.Address != "" {
		g.Region, g.Address = region, o.Address
	}
	return g
}

func headOf(h *model.Head) mchd.Person {
	return mchd.Person{LastName: h.Surname, FirstName: h.GivenName, MiddleName: h.Patronymic, Position: h.Position,
		INN: h.INN, SNILS: h.SNILS}
}

func representativeOf(e *model.Employee) mchd.Person {
	p := mchd.Person{LastName: e.Surname, FirstName: e.GivenName, MiddleName: e.Patronymic, INN: e.INN, SNILS: e.SNILS}
	if b, err := time.ParseInLocation("2006-01-02", e.BirthDate, rules.MSK); err == nil {
		p.BirthDate = b
	}
	return p
}
