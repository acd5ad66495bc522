package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// The templates of the МЧД expiry reminders.
const (
	TemplatePoAReminder           Template = "poa_reminder"            // to the representative
	TemplatePoAReminderEscalation Template = "poa_reminder_escalation" // to the organization's administrators and the managers
)

var (
	poaText = map[Template]*texttemplate.Template{}
	poaHTML = map[Template]*htmltemplate.Template{}
)

func init() {
	for _, t := range []Template{TemplatePoAReminder, TemplatePoAReminderEscalation} {
		poaText[t] = texttemplate.Must(texttemplate.New(string(t)).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/"+string(t)+".txt"))
		poaHTML[t] = htmltemplate.Must(htmltemplate.New(string(t)).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/"+string(t)+".html"))
	}
}

// poaReminderData is what an outbox row or notice of a МЧД reminder stores: the id and the step only.
type poaReminderData struct {
	PowerOfAttorney string `json:"power_of_attorney"`
	Days            int    `json:"days"`
}

// poaView is the МЧД templates' input.
type poaView struct {
	Subject                              string
	RepresentativeName, OrganizationName string
	Number                               string
	EndDate                              string // DD.MM.YYYY
	DaysLeft                             int
	Link, UnsubscribeURL                 string
}

// PoAReminders plans and renders the expiry reminders of registered powers of attorney (МЧД) on the
// certificates' steps: to the representative, and from the escalation step on to the organization's
// administrators and the managers. A МЧД stops wanting them once it is revoked or expired, or a newer
// registered МЧД of the same representative and organization ends later. Register it as the renderer of
// both its templates.
type PoAReminders struct {
	Notify *Service
}

// PlanReminders implements ReminderSource.
func (r *PoAReminders) PlanReminders(ctx context.Context, p *Planner, now time.Time) (PlanResult, error) {
	var res PlanResult
	y, m, d := now.In(rules.MSK).Date()
	cands, err := r.Notify.DB.PoAReminderCandidates(ctx, now, time.Date(y, m, d+p.days()[0], 0, 0, 0, 0, rules.MSK))
	if err != nil {
		return res, fmt.Errorf("МЧД reminder candidates: %w", err)
	}
	users := map[string][]*storage.NotifiedUser{}
	for start := 0; start < len(cands); start += planBatch {
		batch := cands[start:min(start+planBatch, len(cands))]
		err := r.Notify.DB.InTx(ctx, func(ctx context.Context) error {
			for _, c := range batch {
				us, ok := users[c.AccountID]
				if !ok {
					var err error
					if us, err = r.Notify.DB.NotifiedUsers(ctx, c.AccountID); err != nil {
						return err
					}
					users[c.AccountID] = us
				}
				n, err := r.plan(ctx, p, now, c, us)
				res.add(n)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func (r *PoAReminders) plan(ctx context.Context, p *Planner, now time.Time, c storage.PoAReminderCandidate, users []*storage.NotifiedUser) (PlanResult, error) {
	step, ok := p.Step(daysLeft(now, c.EndDate))
	if !ok || c.PlannedStep != 0 && c.PlannedStep <= step {
		return PlanResult{}, nil
	}
	res := PlanResult{PowersOfAttorney: 1}
	ref := storage.PoARemindRef(c.ID)
	if err := r.Notify.DB.MarkReminderStep(ctx, ref, step, now); err != nil {
		return res, err
	}
	data := poaReminderData{PowerOfAttorney: c.ID, Days: step}
	key := "reminder:" + ref + ":" + strconv.Itoa(step)
	count := func(ok bool, err error, n *int) error {
		if ok {
			*n++
		}
		return err
	}
	s := r.Notify
	if s.MailEnabled() {
		ok, err := s.enqueue(ctx, key, c.AccountID, c.EmployeeID, TemplatePoAReminder, CategoryExpiry, data)
		if err := count(ok, err, &res.Mail); err != nil {
			return res, err
		}
	}
	escalate := step <= p.escalateFrom()
	for _, u := range users {
		switch {
		case u.EmployeeID == c.EmployeeID:
			ok, err := s.notice(ctx, key+":notice:"+u.ID, c.AccountID, u.ID, TemplatePoAReminder, data)
			if err := count(ok, err, &res.Notices); err != nil {
				return res, err
			}
		case escalate && escalated(u, c.OrganizationID):
			ok, err := s.notice(ctx, key+":notice:"+u.ID, c.AccountID, u.ID, TemplatePoAReminderEscalation, data)
			if err := count(ok, err, &res.Notices); err != nil {
				return res, err
			}
			if u.EmployeeID != "" && s.MailEnabled() {
				ok, err := s.enqueue(ctx, key+":"+u.ID, c.AccountID, u.EmployeeID, TemplatePoAReminderEscalation, CategoryEscalation, data)
				if err := count(ok, err, &res.Mail); err != nil {
					return res, err
				}
			}
		}
	}
	return res, nil
}

// view reads what a МЧД template shows; nil when the power of attorney is gone.
func (r *PoAReminders) view(ctx context.Context, data string, link string) (*poaView, error) {
	var d poaReminderData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, err
	}
	db := r.Notify.DB
	rec, err := db.PowerOfAttorney(ctx, storage.Scope{}, d.PowerOfAttorney)
	if storage.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	emp, err := db.Employee(ctx, storage.Scope{}, rec.EmployeeID)
	if err != nil {
		return nil, err
	}
	org, err := db.Organization(ctx, storage.Scope{}, rec.OrganizationID)
	if err != nil {
		return nil, err
	}
	return &poaView{RepresentativeName: emp.FullName(), OrganizationName: org.Name, Number: rec.Number,
		EndDate: ruDate(rec.EndDate), DaysLeft: daysLeft(r.Notify.Clock.Now(), rec.EndDate),
		Link: link + "/ui/powers-of-attorney/" + rec.ID}, nil
}

func executePoA(t Template, v *poaView) (subject, text, html string, err error) {
	var b bytes.Buffer
	if err = poaText[t].ExecuteTemplate(&b, "subject", v); err != nil {
		return
	}
	subject = strings.TrimSpace(b.String())
	v.Subject = subject
	b.Reset()
	if err = poaText[t].ExecuteTemplate(&b, "text", v); err != nil {
		return
	}
	text = b.String()
	b.Reset()
	if err = poaHTML[t].ExecuteTemplate(&b, "html", v); err != nil {
		return
	}
	return subject, text, b.String(), nil
}

// Mail implements Renderer: a МЧД reminder, or nothing once the МЧД no longer wants one.
func (r *PoAReminders) Mail(ctx context.Context, m *storage.MailMessage) (*Outgoing, string, error) {
	var d poaReminderData
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		return nil, "", err
	}
	due, err := r.Notify.DB.PoAReminderStillDue(ctx, d.PowerOfAttorney, r.Notify.Clock.Now())
	if err != nil {
		return nil, "", err
	}
	if !due {
		return nil, "power of attorney revoked, expired or followed by a newer one", nil
	}
	v, err := r.view(ctx, m.Data, strings.TrimRight(r.Notify.BaseURL, "/"))
	if err != nil || v == nil {
		return nil, "power of attorney not found", err
	}
	if cat := Category(m.Category); !cat.Mandatory() {
		if v.UnsubscribeURL, err = r.Notify.UnsubscribeURL(ctx, m.EmployeeID, cat); err != nil {
			return nil, "", err
		}
	}
	subject, text, html, err := executePoA(Template(m.Template), v)
	if err != nil {
		return nil, "", err
	}
	return &Outgoing{Subject: subject, Text: text, HTML: html}, "", nil
}

// Notice implements Renderer: a МЧД reminder as an in-app notice; nil once the МЧД is gone.
func (r *PoAReminders) Notice(ctx context.Context, n *storage.Notice) (*NoticeView, error) {
	v, err := r.view(ctx, n.Data, "")
	if err != nil || v == nil {
		return nil, err
	}
	v.UnsubscribeURL = "/unsubscribe"
	subject, text, _, err := executePoA(Template(n.Template), v)
	if err != nil {
		return nil, err
	}
	return &NoticeView{ID: n.ID, CreatedAt: n.CreatedAt, Subject: subject, Text: text, Link: v.Link}, nil
}
