package attorney

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// Tie is the power of attorney shown beside a holder's certificates: the one that lets them sign for the
// organization (registered), or else the last one that did (revoked or expired). A registered one past its
// end date that the reconciler has not marked yet reads expired.
type Tie struct {
	ID      string     `json:"id"`
	Number  string     `json:"number"`
	State   mchd.State `json:"state"`
	EndDate time.Time  `json:"end_date"`
}

// Holder is an employee acting for an organization.
type Holder = storage.PoAHolder

// NeedsTie tells whether a certificate is shown with its holder's power of attorney: an individual's
// certificate linked to an organization, which signs for it only with one.
func NeedsTie(c *model.Certificate) bool {
	return c.Kind == model.KindIndividual && c.OrganizationID != "" && c.EmployeeID != ""
}

// ShowsTies tells whether the caller is shown powers of attorney beside certificates: whoever may read them.
func (s *Service) ShowsTies(p *access.Principal) bool { return canRead(p) }

// Ties returns, for the holders that have one, the power of attorney shown beside their certificates, in
// one read for the whole set. A caller who may not read powers of attorney gets none. Only the state, end
// date and number are shown, no personal data, so the read is not audited like a card.
func (s *Service) Ties(ctx context.Context, p *access.Principal, holders []Holder) (map[Holder]*Tie, error) {
	out := map[Holder]*Tie{}
	if !canRead(p) || len(holders) == 0 {
		return out, nil
	}
	recs, err := s.DB.CurrentPowersOfAttorney(ctx, p.Scope(), holders)
	if err != nil {
		return nil, err
	}
	today := mskToday(s.Clock.Now())
	for h, r := range recs {
		t := &Tie{ID: r.ID, Number: r.Number, State: r.State, EndDate: r.EndDate}
		if t.State == mchd.StateRegistered && t.EndDate.Before(today) {
			t.State = mchd.StateExpired
		}
		out[h] = t
	}
	return out, nil
}

// CertificateTies returns Ties for the certificates that need one (NeedsTie), by serial; a certificate that
// needs one and has none is absent.
func (s *Service) CertificateTies(ctx context.Context, p *access.Principal, certs []*model.Certificate) (map[string]*Tie, error) {
	var holders []Holder
	for _, c := range certs {
		if NeedsTie(c) {
			holders = append(holders, Holder{OrganizationID: c.OrganizationID, EmployeeID: c.EmployeeID})
		}
	}
	ties, err := s.Ties(ctx, p, holders)
	if err != nil {
		return nil, err
	}
	out := map[string]*Tie{}
	for _, c := range certs {
		if t, ok := ties[Holder{OrganizationID: c.OrganizationID, EmployeeID: c.EmployeeID}]; ok && NeedsTie(c) {
			out[c.Serial] = t
		}
	}
	return out, nil
}

// EndingWindows are the dashboard's windows of days within which registered powers of attorney end.
var EndingWindows = []int{30, 60, 90}

// Counts are the dashboard's figures: registered powers of attorney ending within each of EndingWindows
// days, and valid individual certificates linked to an organization whose holder has no registered one.
type Counts struct {
	Ending       []int `json:"ending"`
	CertsWithout int   `json:"certificates_without"`
}

// DashboardCounts counts within the caller's scope; nil for a caller who may not read powers of attorney.
func (s *Service) DashboardCounts(ctx context.Context, p *access.Principal) (*Counts, error) {
	if !canRead(p) || !p.Can(access.CertRead) {
		return nil, nil
	}
	c, err := s.DB.PowerOfAttorneyCounts(ctx, p.Scope(), s.Clock.Now(), EndingWindows)
	if err != nil {
		return nil, err
	}
	return &Counts{Ending: c.Ending, CertsWithout: c.CertsWithout}, nil
}

// LastPowers returns the codes of the classified powers of the power of attorney drafted most recently in
// the organization, to prefill the next one; none for a caller who may not draft.
func (s *Service) LastPowers(ctx context.Context, p *access.Principal, organizationID string) ([]string, error) {
	if !canWrite(p) {
		return nil, nil
	}
	powers, err := s.DB.LastPowersDrafted(ctx, p.Scope(), organizationID)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, pw := range powers {
		if pw.Code != "" {
			codes = append(codes, pw.Code)
		}
	}
	return codes, nil
}

// Revocable lists an employee's powers of attorney that RevokeForEmployee would revoke (not final yet),
// to offer their revocation on dismissal; none for a caller who may not revoke.
func (s *Service) Revocable(ctx context.Context, p *access.Principal, employeeID string) ([]*mchd.Record, error) {
	out := []*mchd.Record{}
	if !canWrite(p) {
		return out, nil
	}
	pg := storage.Page{Limit: MaxPageSize}
	for {
		rows, err := s.DB.PowersOfAttorney(ctx, p.Scope(), storage.PoAFilter{EmployeeID: employeeID}, pg)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !r.State.Final() {
				out = append(out, r)
			}
		}
		if len(rows) < pg.Limit {
			return out, nil
		}
		pg.After = rows[len(rows)-1].ID
	}
}

// RevocableWithoutCertificates is Revocable once none of the employee's certificates is valid any more
// (all revoked or expired), to offer the revocation on the result of revoking the last one; none while one
// is still valid.
func (s *Service) RevocableWithoutCertificates(ctx context.Context, p *access.Principal, employeeID string) ([]*mchd.Record, error) {
	if !canWrite(p) {
		return []*mchd.Record{}, nil
	}
	_, err := s.DB.ValidCertificateOf(ctx, employeeID, model.CertKinds, s.Clock.Now())
	switch {
	case err == nil:
		return []*mchd.Record{}, nil
	case !storage.IsNoRows(err):
		return nil, err
	}
	return s.Revocable(ctx, p, employeeID)
}

// OnDismissed is registration's hook for a dismissal, run in its transaction: every power of attorney of the
// employee not final yet is recorded in the audit log as offered for revocation (the revocation itself goes
// to the registry and is the caller's decision: RevokeForEmployee). A caller who may not revoke records
// nothing.
func (s *Service) OnDismissed(ctx context.Context, p *access.Principal, e *model.Employee) error {
	recs, err := s.Revocable(ctx, p, e.ID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := s.audit(ctx, p.Actor, audit.PoARevocationOffered, r, map[string]any{"state": string(r.State),
			"number": r.Number, "because": "employee_dismissed"}); err != nil {
			return err
		}
	}
	return nil
}
