package notify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// DefaultReminderDays are the days before a certificate's end on which its reminders go out.
var DefaultReminderDays = []int{60, 30, 14, 7, 1}

// DefaultEscalateFrom is the reminder step from which administrators and managers are told too.
const DefaultEscalateFrom = 14

// ParseReminderDays reads a comma-separated list of days (1–366, distinct), such as "60,30,14,7,1", and
// returns it in descending order.
func ParseReminderDays(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 366 {
			return nil, fmt.Errorf("%q is not a number of days from 1 to 366", f)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%d days is listed twice", n)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// ReminderSource plans reminders of one kind of document besides certificates, such as PoAReminders.
type ReminderSource interface {
	PlanReminders(ctx context.Context, p *Planner, now time.Time) (PlanResult, error)
}

// Planner queues expiry reminders. Planning is idempotent: each message has a dedup key
// (reminder:<serial>:<days>[:<user>]), so running it twice, or on two replicas, queues nothing twice.
type Planner struct {
	Notify       *Service
	Days         []int // descending; DefaultReminderDays when nil
	EscalateFrom int   // DefaultEscalateFrom when zero
	Sources      []ReminderSource
}

// PlanResult counts what one planning run considered and stored.
type PlanResult struct {
	Certificates, PowersOfAttorney, Mail, Notices int
}

func (r *PlanResult) add(o PlanResult) {
	r.Certificates += o.Certificates
	r.PowersOfAttorney += o.PowersOfAttorney
	r.Mail += o.Mail
	r.Notices += o.Notices
}

func (p *Planner) days() []int {
	if p.Days != nil {
		return p.Days
	}
	return DefaultReminderDays
}

func (p *Planner) escalateFrom() int {
	if p.EscalateFrom > 0 {
		return p.EscalateFrom
	}
	return DefaultEscalateFrom
}

// Plan queues every reminder due now: certificate reminders, then those of the other sources.
func (p *Planner) Plan(ctx context.Context) (PlanResult, error) {
	now := p.Notify.Clock.Now()
	res, err := p.planCertificates(ctx, now)
	if err != nil {
		return res, err
	}
	for _, src := range p.Sources {
		r, err := src.PlanReminders(ctx, p, now)
		res.add(r)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// Step returns the reminder step due for a document ending after daysLeft days: the smallest listed day
// count not below it, so a planner that did not run for a while sends the latest step only. ok is false
// when the end is further away than the first step.
func (p *Planner) Step(daysLeft int) (int, bool) {
	ds := p.days()
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i] >= daysLeft {
			return ds[i], true
		}
	}
	return 0, false
}

// planBatch is how many certificates one transaction plans: short transactions keep SQLite's single
// writer free for requests between them.
const planBatch = 500

func (p *Planner) planCertificates(ctx context.Context, now time.Time) (PlanResult, error) {
	var res PlanResult
	// Candidates end within the first step, in Moscow calendar days: up to the end of that day.
	y, m, d := now.In(rules.MSK).Date()
	until := time.Date(y, m, d+p.days()[0]+1, 0, 0, 0, 0, rules.MSK)
	cands, err := p.Notify.DB.ReminderCandidates(ctx, now, until)
	if err != nil {
		return res, fmt.Errorf("reminder candidates: %w", err)
	}
	users := map[string][]*storage.NotifiedUser{}
	for start := 0; start < len(cands); start += planBatch {
		batch := cands[start:min(start+planBatch, len(cands))]
		err := p.Notify.DB.InTx(ctx, func(ctx context.Context) error {
			for _, c := range batch {
				us, ok := users[c.AccountID]
				if !ok {
					var err error
					if us, err = p.Notify.DB.NotifiedUsers(ctx, c.AccountID); err != nil {
						return err
					}
					users[c.AccountID] = us
				}
				r, err := p.planCertificate(ctx, now, c, us)
				if err != nil {
					return err
				}
				res.add(r)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// escalated tells whether a user is told about other people's certificates of an organization: the
// account's administrators and managers, and the organization's administrators.
func escalated(u *storage.NotifiedUser, orgID string) bool {
	switch u.Role {
	case model.RoleAccountAdmin:
		return true
	case model.RoleOrgAdmin:
		return u.OrgIDs[orgID]
	case model.RoleManager:
		return len(u.OrgIDs) == 0 || u.OrgIDs[orgID]
	}
	return false
}

func (p *Planner) planCertificate(ctx context.Context, now time.Time, c storage.ReminderCandidate, users []*storage.NotifiedUser) (PlanResult, error) {
	step, ok := p.Step(daysLeft(now, c.NotAfter))
	if !ok || c.PlannedStep != 0 && c.PlannedStep <= step {
		return PlanResult{}, nil
	}
	res := PlanResult{Certificates: 1}
	if err := p.Notify.DB.MarkReminderStep(ctx, c.Serial, step, now); err != nil {
		return res, err
	}
	legacy, _ := rules.LegacyUnusable(p.Notify.Timeline, now, c.Kind, c.NotBefore)
	data := reminderData{Serial: c.Serial, Days: step, Legacy: legacy}
	holderTpl := TemplateReminder
	if legacy {
		holderTpl = TemplateReminderLegacy
	}
	key := "reminder:" + c.Serial + ":" + strconv.Itoa(step)
	count := func(ok bool, err error, n *int) error {
		if ok {
			*n++
		}
		return err
	}
	if p.Notify.MailEnabled() {
		ok, err := p.Notify.enqueue(ctx, key, c.AccountID, c.EmployeeID, holderTpl, CategoryExpiry, data)
		if err := count(ok, err, &res.Mail); err != nil {
			return res, err
		}
	}
	escalate := step <= p.escalateFrom()
	for _, u := range users {
		switch {
		case u.EmployeeID == c.EmployeeID:
			ok, err := p.Notify.notice(ctx, key+":notice:"+u.ID, c.AccountID, u.ID, holderTpl, data)
			if err := count(ok, err, &res.Notices); err != nil {
				return res, err
			}
		case escalate && escalated(u, c.OrganizationID):
			ok, err := p.Notify.notice(ctx, key+":notice:"+u.ID, c.AccountID, u.ID, TemplateReminderEscalation, data)
			if err := count(ok, err, &res.Notices); err != nil {
				return res, err
			}
			if u.EmployeeID != "" && p.Notify.MailEnabled() {
				ok, err := p.Notify.enqueue(ctx, key+":"+u.ID, c.AccountID, u.EmployeeID, TemplateReminderEscalation, CategoryEscalation, data)
				if err := count(ok, err, &res.Mail); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}
