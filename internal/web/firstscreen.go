package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// The first screens, by what the signed-in role does next.
const (
	firstRegistrar  = "registrar"
	firstEmployee   = "employee"
	firstAccountant = "accountant"
	firstManager    = "manager"
	firstAdmin      = "admin"
)

// queueMax is how many applications the registrar's queue shows on the first screen.
const queueMax = 20

// firstScreen is the top of the dashboard: what the signed-in role does next, before the figures.
type firstScreen struct {
	Kind string // one of the first* constants; "" shows nothing
	// The registrar's queue: applications waiting for the identity check, the approval or the issue.
	Queue     []queueRow
	QueueMore bool
	QueueAll  int
	// The employee's own open applications with their next step; HowTo explains making a request.
	Mine  []myApp
	HowTo bool
	// The accountant's open billing period.
	Period *periodView
	// The manager's and the administrators' expirations, linked to the register.
	Expiring []count
	// The manager's cost plan for the coming 12 months, per paying organization.
	Plan      []planRow
	PlanCerts int
	PlanNet   int64
	PlanTotal int64
	// The administrators' applications waiting for them (draft, documents, correction).
	Todo []count
}

// queueRow is an application in the registrar's queue with what is to be done with it.
type queueRow struct {
	A    *model.Application
	Todo string
	Mine bool // the registrar does it (not the applicant's request)
}

// myApp is one of the employee's own applications with its next step in words.
type myApp struct {
	A    *model.Application
	Next string
}

// periodView is the accountant's open period.
type periodView struct {
	Name, Ends, LinesHref string
	Lines                 int
	Net                   int64
}

// planRow is one paying organization's renewals over the coming 12 months.
type planRow struct {
	Org   string
	Certs int
	Net   int64
}

// openStates are the states of an application still on its way.
var openStates = []model.State{model.StateDraft, model.StateDocuments, model.StateIdentityVerification,
	model.StateCorrection, model.StateApproved}

// firstScreen builds the role's first screen from what the dashboard has read: the applications of each
// state (at most a page each) and the figures. It reads only the billing period on its own.
func (h *Handler) firstScreen(r *http.Request, p *access.Principal, d *dashboardData, byState map[model.State][]*model.Application) (*firstScreen, error) {
	l := localeOf(r)
	f := &firstScreen{}
	switch {
	case p.Can(access.AppVerify) && p.Role != model.RoleIntegration:
		f.Kind = firstRegistrar
		f.Queue, f.QueueAll = registrarQueue(l, p, byState)
		if len(f.Queue) > queueMax {
			f.Queue, f.QueueMore = f.Queue[:queueMax], true
		}
	case p.Role == model.RoleEmployee:
		f.Kind = firstEmployee
		for _, st := range openStates {
			for _, a := range byState[st] {
				f.Mine = append(f.Mine, myApp{A: a, Next: employeeNext(l, p, a)})
				f.HowTo = f.HowTo || (!a.HasCSR && slices.Contains(csrStates, a.State))
			}
		}
		slices.SortFunc(f.Mine, func(a, b myApp) int { return b.A.UpdatedAt.Compare(a.A.UpdatedAt) })
	case p.Role == model.RoleAccountant:
		f.Kind = firstAccountant
		if h.Billing != nil {
			pv, err := h.openPeriod(r, p)
			if err != nil {
				return nil, err
			}
			f.Period = pv
		}
	case p.Role == model.RoleManager:
		f.Kind = firstManager
		f.Expiring = d.Expiring
		byOrg := map[string]*planRow{}
		for _, m := range d.Forecast {
			f.PlanCerts += m.Certificates
			f.PlanNet += m.NetKopecks
			f.PlanTotal += m.TotalKopecks
			for _, pay := range m.ByPayer {
				row := byOrg[pay.OrganizationID]
				if row == nil {
					row = &planRow{Org: pay.OrganizationName}
					byOrg[pay.OrganizationID] = row
				}
				row.Certs += pay.Certificates
				row.Net += pay.NetKopecks
			}
		}
		for _, row := range byOrg {
			f.Plan = append(f.Plan, *row)
		}
		slices.SortFunc(f.Plan, func(a, b planRow) int {
			if a.Net != b.Net {
				return int(b.Net - a.Net)
			}
			return strings.Compare(a.Org, b.Org)
		})
	case p.Role == model.RoleAccountAdmin || p.Role == model.RoleOrgAdmin:
		f.Kind = firstAdmin
		f.Expiring = d.Expiring
		for _, st := range []model.State{model.StateDraft, model.StateDocuments, model.StateCorrection} {
			if n := len(byState[st]); n > 0 {
				f.Todo = append(f.Todo, count{Label: l.stateName(st), N: n, Href: "/ui/applications?state=" + string(st)})
			}
		}
		scale(f.Todo)
	}
	return f, nil
}

// registrarQueue lists the applications waiting for the registrar, oldest first: identity checks, then
// approvals (and those waiting for the applicant's request), then issues; total counts them all.
func registrarQueue(l locale, p *access.Principal, byState map[model.State][]*model.Application) (rows []queueRow, total int) {
	for _, a := range byState[model.StateIdentityVerification] {
		switch {
		case a.Verification == nil:
			rows = append(rows, queueRow{A: a, Todo: l.T("first.todo_verify"), Mine: true})
		case a.HasCSR:
			rows = append(rows, queueRow{A: a, Todo: l.T("first.todo_approve"), Mine: true})
		default:
			rows = append(rows, queueRow{A: a, Todo: l.T("first.todo_csr")})
		}
	}
	if p.Can(access.AppIssue) {
		for _, a := range byState[model.StateApproved] {
			rows = append(rows, queueRow{A: a, Todo: l.T("first.todo_issue"), Mine: true})
		}
	}
	// The registrar's own work first, each part oldest first.
	slices.SortStableFunc(rows, func(a, b queueRow) int {
		if a.Mine != b.Mine {
			if a.Mine {
				return -1
			}
			return 1
		}
		return a.A.CreatedAt.Compare(b.A.CreatedAt)
	})
	return rows, len(rows)
}

// employeeNext is an own application's next step for the employee, as its card words it.
func employeeNext(l locale, p *access.Principal, a *model.Application) string {
	pr := appProgress(l, a.State, a.HasCSR, a.Verification != nil)
	return nextStep(l, a.State, pr, func(action string) bool {
		switch action {
		case "csr":
			return p.Can(access.AppCSR) && slices.Contains(csrStates, a.State)
		case string(registration.ActSubmit):
			return p.Can(access.AppSubmit)
		}
		return false
	})
}

// openPeriod is the accountant's open billing period with its lines so far.
func (h *Handler) openPeriod(r *http.Request, p *access.Principal) (*periodView, error) {
	l := localeOf(r)
	cur, err := h.Billing.CurrentPeriod(r.Context(), p)
	if err != nil {
		return nil, err
	}
	lines, err := h.Billing.Lines(r.Context(), p, cur.Period)
	if err != nil {
		return nil, err
	}
	pv := &periodView{Name: l.period(cur.Period, cur.Months), Ends: l.date(cur.Ends.Add(-time.Nanosecond)),
		Lines: len(lines), LinesHref: "/ui/billing/lines?period=" + cur.Period}
	for _, line := range lines {
		pv.Net += line.PriceKopecks
	}
	return pv, nil
}
