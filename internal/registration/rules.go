package registration

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// timeline returns the configured legal timeline, or the default one.
func (s *Service) timeline() rules.Timeline {
	if s.Timeline == (rules.Timeline{}) {
		return rules.DefaultTimeline()
	}
	return s.Timeline
}

// refused turns a rules refusal into the API's rule-refused problem.
func refused(r *rules.Refusal) error {
	e := &errs.Error{Kind: errs.Refused, Detail: r.Message, Rule: r.Rule}
	if !r.Date.IsZero() {
		e.RuleDate = r.Date.In(rules.MSK).Format("2006-01-02")
	}
	return e
}

// issuerFor returns the CA that issues for an authority.
func (s *Service) issuerFor(authority model.Authority) (ca.Issuer, error) {
	if authority == "" || authority == rules.AuthorityKCR {
		if s.CA == nil {
			return nil, errs.New(errs.Unavailable, "no certification authority is configured yet: the application stays approved")
		}
		return s.CA, nil
	}
	if is := s.StateCAs[authority]; is != nil {
		return is, nil
	}
	return nil, errs.New(errs.Unavailable, "no connector to %s is configured: the application stays approved", rules.AuthorityTitle(authority))
}

// previousOf finds the applicant's current certificate for the rules: the one being reissued, or the
// employee's newest valid certificate of the same family (head/ИП or employee kinds).
func (s *Service) previousOf(ctx context.Context, a *model.Application) (*rules.Previous, string, error) {
	scope := storage.Scope{AccountID: a.AccountID}
	if a.ReissueOf != "" {
		c, err := s.DB.Certificate(ctx, scope, a.ReissueOf)
		if err != nil {
			return nil, "", err
		}
		withStatus(c, s.Clock.Now())
		return &rules.Previous{Kind: c.Kind, Status: c.Status, NotAfter: c.NotAfter}, c.Serial, nil
	}
	kinds := []model.CertKind{model.KindIndividual, model.KindLegalEntityEmployee}
	if a.Kind == model.KindHead || a.Kind == model.KindSoleProprietor {
		kinds = []model.CertKind{model.KindHead, model.KindSoleProprietor}
	}
	c, err := s.DB.ValidCertificateOf(ctx, a.EmployeeID, kinds, s.Clock.Now())
	if storage.IsNoRows(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return &rules.Previous{Kind: c.Kind, Status: c.Status, NotAfter: c.NotAfter}, c.Serial, nil
}

// decide runs the rules for an application as it stands now.
func (s *Service) decide(ctx context.Context, a *model.Application, remote bool) (rules.Decision, error) {
	o, err := s.DB.Organization(ctx, storage.Scope{AccountID: a.AccountID}, a.OrganizationID)
	if err != nil {
		return rules.Decision{}, err
	}
	prev, _, err := s.previousOf(ctx, a)
	if err != nil {
		return rules.Decision{}, err
	}
	d, r := rules.Decide(s.timeline(), rules.Input{Date: s.Clock.Now(), Kind: a.Kind, Sector: o.Sector, OrgKind: o.Kind,
		Previous: prev, Remote: remote, Authority: rules.Authority(a.Authority)})
	if r != nil {
		return d, refused(r)
	}
	return d, nil
}

// carryOver moves an unfinished legal_entity_employee application to individual once the cutoff has
// passed, keeping everything entered and the organization link, and records it in the history. It runs in
// the caller's transaction and reports whether it changed anything.
func (s *Service) carryOver(ctx context.Context, p *access.Principal, a *model.Application) (bool, error) {
	if a.State == model.StateIssued || a.State == model.StateDeclined || a.State == model.StateCancelled {
		return false, nil
	}
	if (a.Kind == model.KindHead || a.Kind == model.KindSoleProprietor) && a.Authority == rules.AuthorityKCR &&
		!s.Clock.Now().Before(s.timeline().HeadsToStateCA) {
		return s.carryHead(ctx, p, a)
	}
	kind, note, ok := rules.CarryOver(s.timeline(), s.Clock.Now(), a.Kind)
	if !ok {
		return false, nil
	}
	from, now := a.Kind, s.Clock.Now()
	a.Kind, a.Authority, a.BillingPosition, a.UpdatedAt = kind, rules.AuthorityKCR, rules.BillingIndividual, now
	if saved, err := s.DB.SaveApplication(ctx, a, a.State); err != nil {
		return false, err
	} else if !saved {
		return false, errs.New(errs.Conflict, "the application changed meanwhile; reload it and try again")
	}
	if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "carry-over", From: a.State, To: a.State, Actor: p.Actor,
		At: now, Note: note}); err != nil {
		return false, err
	}
	detail := map[string]any{"from_kind": string(from), "to_kind": string(kind)}
	return true, s.record(ctx, p, "application.carry_over", "application", a.ID, a.AccountID, a.OrganizationID, detail,
		"application.kind_changed", detail)
}

// carryHead moves a head or sole-proprietor application started for kcr's own CA before 2022 to the state
// CA the rules now choose. An identity check the state CA does not accept (at the workplace) is withdrawn,
// and an approved application goes back to identity verification.
func (s *Service) carryHead(ctx context.Context, p *access.Principal, a *model.Application) (bool, error) {
	a.Authority = ""
	d, err := s.decide(ctx, a, false)
	if err != nil {
		return false, err
	}
	from, now := a.State, s.Clock.Now()
	a.Authority, a.BillingPosition, a.UpdatedAt = d.Authority, d.BillingPosition, now
	if a.Verification != nil && !slices.Contains(d.Identification, a.Verification.Method) {
		a.Verification = nil
		if a.State == model.StateApproved {
			a.State = model.StateIdentityVerification
		}
	}
	if saved, err := s.DB.SaveApplication(ctx, a, from); err != nil {
		return false, err
	} else if !saved {
		return false, errs.New(errs.Conflict, "the application changed meanwhile; reload it and try again")
	}
	note := "С " + rules.FormatDate(s.timeline().HeadsToStateCA) + " сертификат руководителя выдаёт " + rules.AuthorityTitle(d.Authority) +
		": заявка передана туда; личность подтверждается в сервисном центре."
	if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "carry-over", From: from, To: a.State, Actor: p.Actor,
		At: now, Note: note}); err != nil {
		return false, err
	}
	detail := map[string]any{"authority": a.Authority, "from": string(from), "to": string(a.State)}
	return true, s.record(ctx, p, "application.carry_over", "application", a.ID, a.AccountID, a.OrganizationID, detail,
		"application.state_changed", map[string]any{"action": "carry-over", "from": string(from), "to": string(a.State)})
}

// CarryOverAll converts every unfinished legal_entity_employee application once the cutoff has passed
// (the bulk command); it returns how many it converted.
func (s *Service) CarryOverAll(ctx context.Context, p *access.Principal) (int, error) {
	if _, _, ok := rules.CarryOver(s.timeline(), s.Clock.Now(), model.KindLegalEntityEmployee); !ok {
		return 0, nil
	}
	ids, err := s.DB.OpenApplicationsOfKind(ctx, model.KindLegalEntityEmployee)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.DB.InTx(ctx, func(ctx context.Context) error {
			a, err := s.DB.Application(ctx, storage.Scope{}, id)
			if err != nil {
				return err
			}
			changed, err := s.carryOver(ctx, p, a)
			if changed {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

var methodTitles = map[model.VerificationMethod]string{
	model.VerifiedInPersonWorkplace: "лично у регистратора на рабочем месте",
	model.VerifiedServiceCenter:     "лично в сервисном центре",
	model.VerifiedRemoteQualified:   "удалённо по действующему квалифицированному сертификату",
}

// checkIdentification refuses a verification method the rules do not allow for the application now.
func (s *Service) checkIdentification(ctx context.Context, a *model.Application, in ActionInput) error {
	d, err := s.decide(ctx, a, in.Method == model.VerifiedRemoteQualified)
	if err != nil {
		return err
	}
	if !slices.Contains(d.Identification, in.Method) {
		var names []string
		for _, m := range d.Identification {
			names = append(names, methodTitles[m])
		}
		e := &errs.Error{Kind: errs.Refused, Rule: "identification_not_allowed",
			Detail: "Для этой заявки на эту дату личность подтверждается так: " + strings.Join(names, "; ") + "."}
		if (a.Kind == model.KindHead || a.Kind == model.KindSoleProprietor) && d.Authority != rules.AuthorityKCR {
			e.RuleDate = s.timeline().HeadsToStateCA.In(rules.MSK).Format(time.DateOnly)
		}
		return e
	}
	if in.Method != model.VerifiedServiceCenter && in.ServiceCenterID != "" {
		return errs.Field("service_center_id", "not_allowed", "a service center is named only for in_person_service_center")
	}
	if in.Method == model.VerifiedServiceCenter {
		if in.ServiceCenterID == "" {
			return errs.Field("service_center_id", "required", "name the service center where the identity was checked")
		}
		if _, err := s.DB.ServiceCenter(ctx, in.ServiceCenterID); storage.IsNoRows(err) {
			return errs.Field("service_center_id", "unknown", "no such service center")
		} else if err != nil {
			return err
		}
	}
	return nil
}
