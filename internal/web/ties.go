package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
)

// МЧД tied to certificates and employees (issue 12, parts 7 and 9): the pages of certificates, applications
// and employees show the power of attorney that lets the holder sign for the organization, offer to draft
// one with the powers last used there, and offer to revoke an employee's powers of attorney once they are
// dismissed or their certificates are all revoked. The МЧД pages themselves are poa*.go.

// poaTie is what a page shows of the power of attorney that lets a holder sign for the organization.
type poaTie struct {
	T       *attorney.Tie // nil: none
	OrgName string
	Draft   string // the drafting wizard prefilled for this holder; "" when not offered
}

// showsTies tells whether the caller sees powers of attorney beside certificates: as the МЧД service lets
// them read powers of attorney (who reads employees' personal data, and the CA operator).
func (h *Handler) showsTies(p *access.Principal) bool {
	return h.PoA != nil && (p.Can(access.EmployeeRead) || p.Role == model.RoleOperator)
}

// poaDash is the dashboard's МЧД card.
type poaDash struct {
	Ending  []count
	Without []count
}

// dashboardPoA fills the dashboard's МЧД card: registered ones ending within 30/60/90 days, linked to the
// МЧД list so filtered, and valid individual certificates whose holder has none, linked to the register.
func (h *Handler) dashboardPoA(r *http.Request, p *access.Principal, d *dashboardData) error {
	if !h.showsTies(p) {
		return nil
	}
	c, err := h.PoA.DashboardCounts(r.Context(), p)
	if err != nil || c == nil {
		return err
	}
	l := localeOf(r)
	out := &poaDash{}
	for i, days := range attorney.EndingWindows {
		n := strconv.Itoa(days)
		out.Ending = append(out.Ending, count{Label: l.T("dash.in" + n), N: c.Ending[i],
			Href: "/ui/powers-of-attorney?state=registered&ending_within_days=" + n})
	}
	scale(out.Ending)
	out.Without = []count{{Label: l.T("tie.dash_without"), N: c.CertsWithout, Pct: 100,
		Href: "/ui/certificates?status=valid&kind=" + string(model.KindIndividual)}}
	d.PoA = out
	return nil
}

// certTies returns the ties of the certificates of a page that need one (attorney.NeedsTie), by serial, in
// one read; a certificate that needs one and has none gets an empty tie ("нет МЧД"). Nil without the МЧД
// service or for a caller who may not read them.
func (h *Handler) certTies(r *http.Request, p *access.Principal, certs []*model.Certificate) (map[string]*poaTie, error) {
	if !h.showsTies(p) {
		return nil, nil
	}
	ties, err := h.PoA.CertificateTies(r.Context(), p, certs)
	if err != nil {
		return nil, err
	}
	out := map[string]*poaTie{}
	for _, c := range certs {
		if attorney.NeedsTie(c) {
			out[c.Serial] = &poaTie{T: ties[c.Serial], OrgName: c.OrganizationName}
		}
	}
	return out, nil
}

// draftLink is the drafting wizard prefilled for the holder with the powers last drafted in the
// organization, or "" when the caller may not draft or the holder already has a registered one.
func (h *Handler) draftLink(r *http.Request, p *access.Principal, t *poaTie, orgID, employeeID string) (string, error) {
	if h.PoA == nil || !p.Can(access.EmployeeWrite) || t.T != nil && t.T.State == mchd.StateRegistered {
		return "", nil
	}
	codes, err := h.PoA.LastPowers(r.Context(), p, orgID)
	if err != nil {
		return "", err
	}
	q := url.Values{"organization_id": {orgID}, "employee_id": {employeeID}}
	if len(codes) > 0 {
		q.Set("powers", strings.Join(codes, ","))
	}
	return "/ui/powers-of-attorney/new?" + q.Encode(), nil
}

// certTie is the certificate card's tie, with the drafting offer for a valid certificate; nil when the
// certificate needs none.
func (h *Handler) certTie(r *http.Request, p *access.Principal, c *model.Certificate) (*poaTie, error) {
	ties, err := h.certTies(r, p, []*model.Certificate{c})
	if err != nil || ties[c.Serial] == nil {
		return nil, err
	}
	t := ties[c.Serial]
	if c.Status == model.CertValid {
		if t.Draft, err = h.draftLink(r, p, t, c.OrganizationID, c.EmployeeID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// appTie is the tie of an issued individual certificate's application, with the drafting offer; nil
// otherwise.
func (h *Handler) appTie(r *http.Request, p *access.Principal, a *model.Application) (*poaTie, error) {
	if a.State != model.StateIssued || a.CertificateSerial == "" {
		return nil, nil
	}
	return h.certTie(r, p, &model.Certificate{Serial: a.CertificateSerial, OrganizationID: a.OrganizationID,
		OrganizationName: a.OrganizationName, EmployeeID: a.EmployeeID, Kind: a.Kind, Status: model.CertValid})
}

// employeeTie is the employee card's tie, with the drafting offer unless the employee is dismissed.
func (h *Handler) employeeTie(r *http.Request, p *access.Principal, e *model.Employee, orgName string) (*poaTie, error) {
	if !h.showsTies(p) {
		return nil, nil
	}
	holder := attorney.Holder{OrganizationID: e.OrganizationID, EmployeeID: e.ID}
	ties, err := h.PoA.Ties(r.Context(), p, []attorney.Holder{holder})
	if err != nil {
		return nil, err
	}
	t := &poaTie{T: ties[holder], OrgName: orgName}
	if !e.Dismissed() {
		if t.Draft, err = h.draftLink(r, p, t, e.OrganizationID, e.ID); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// poaRevokeOffer offers to revoke an employee's powers of attorney that are not final yet.
type poaRevokeOffer struct {
	EmployeeID string
	Recs       []*mchd.Record
	Reason     string // the reason the form suggests
}

// dismissalOffer is the offer on a dismissed employee's card (where the dismissal leads).
func (h *Handler) dismissalOffer(r *http.Request, p *access.Principal, e *model.Employee) (*poaRevokeOffer, error) {
	if h.PoA == nil || !e.Dismissed() {
		return nil, nil
	}
	recs, err := h.PoA.Revocable(r.Context(), p, e.ID)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return &poaRevokeOffer{EmployeeID: e.ID, Recs: recs, Reason: localeOf(r).T("tie.reason_dismissal")}, nil
}

// certRevokeOffer is the offer on a revoked certificate's card once none of its holder's certificates is
// valid any more.
func (h *Handler) certRevokeOffer(r *http.Request, p *access.Principal, c *model.Certificate) (*poaRevokeOffer, error) {
	if h.PoA == nil || c.Status != model.CertRevoked || c.EmployeeID == "" {
		return nil, nil
	}
	recs, err := h.PoA.RevocableWithoutCertificates(r.Context(), p, c.EmployeeID)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return &poaRevokeOffer{EmployeeID: c.EmployeeID, Recs: recs, Reason: localeOf(r).T("tie.reason_certs")}, nil
}

// poaRevokeResult is the page after revoking an employee's powers of attorney.
type poaRevokeResult struct {
	EmployeeID string
	Items      []revokedRow
	Failed     int
}

// revokedRow is one power of attorney of the result, with the problem in words when it was not revoked.
type revokedRow struct {
	ID      string
	State   mchd.State
	Problem string
}

// employeePoARevoke revokes every power of attorney of the employee not final yet, after a confirmation
// page that lists them.
func (h *Handler) employeePoARevoke(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	if h.PoA == nil {
		h.fail(w, r, p, errs.NotFoundf("no page %s", r.URL.Path))
		return
	}
	id := r.PathValue("id")
	e, err := h.Reg.Employee(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		reason = l.T("tie.reason_dismissal")
	}
	back := "/ui/employees/" + url.PathEscape(id)
	if !confirmed(r) {
		recs, err := h.PoA.Revocable(r.Context(), p, id)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		if !p.Can(access.EmployeeWrite) {
			h.fail(w, r, p, errs.New(errs.Forbidden, "your role cannot revoke powers of attorney"))
			return
		}
		d := confirmData{Object: l.T("tie.confirm_object") + " " + e.FullName(),
			Details:  []pair{{l.T("tie.confirm_count"), strconv.Itoa(len(recs))}, {l.T("tie.reason"), reason}},
			Question: l.T("tie.confirm_q"), Verb: l.T("tie.revoke_btn"),
			Action: back + "/powers-of-attorney/revoke", Hidden: []pair{{"reason", reason}}, Back: back}
		for _, rec := range recs {
			d.Details = append(d.Details, pair{l.T("tie.number") + " " + rec.Number,
				l.T("tie.state."+string(rec.State)) + ", " + l.T("tie.until") + " " + l.date(rec.EndDate)})
		}
		h.confirmPage(w, r, p, d)
		return
	}
	items, err := h.PoA.RevokeForEmployee(r.Context(), p, id, reason)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	res := poaRevokeResult{EmployeeID: id}
	for _, it := range items {
		row := revokedRow{ID: it.ID, State: it.State}
		if it.Error != nil {
			res.Failed++
			row.Problem = explain(l, errs.New(it.Error.Kind, "%s", it.Error.Detail)).Message
		}
		res.Items = append(res.Items, row)
	}
	h.render(w, r, http.StatusOK, "ties_revoked", l.T("tie.revoked_title"), p, res)
}
