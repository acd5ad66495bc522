package notify_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// poa stores a power of attorney of the branch employee for org, in state, ending on end (a Moscow day).
func (e *env) poa(t *testing.T, org string, state mchd.State, end time.Time) string {
	t.Helper()
	id := testdb.NewID()
	r := &mchd.Record{ID: id, AccountID: e.f.AccountA, OrganizationID: org, EmployeeID: e.f.BranchEmployee,
		Number: testdb.NewID(), InternalNumber: "Д-" + id[:8], IssueDate: end.AddDate(-1, 0, 0), EndDate: end,
		Kind: mchd.KindOrdinary, Retrust: mchd.RetrustNone, State: state, FileName: id + ".xml", XML: []byte("<Доверенность/>"),
		CreatedBy: "user:test", CreatedAt: start, UpdatedAt: start, Version: 1}
	if err := e.db.CreatePowersOfAttorney(context.Background(), []*mchd.Record{r}, "user:test"); err != nil {
		t.Fatal(err)
	}
	return id
}

// poaPlanned is what planning queued and noted for one МЧД: its step (0: none), whether the representative
// got mail and a notice, and who got an escalation notice.
type poaPlanned struct {
	step           int
	holderMail     bool
	holderNotice   bool
	escalation     []string
	escalationMail []string
}

func (e *env) poaPlanned(t *testing.T, id string) poaPlanned {
	t.Helper()
	ctx := context.Background()
	var p poaPlanned
	for _, step := range []int{60, 30, 14, 7, 1} {
		key := "reminder:" + storage.PoARemindRef(id) + ":" + strconv.Itoa(step)
		_, err := e.db.MailByDedupKey(ctx, key)
		if storage.IsNoRows(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.step != 0 {
			t.Fatalf("steps %d and %d both planned", p.step, step)
		}
		p.step, p.holderMail = step, true
		for _, u := range []string{e.accountAdmin, e.orgAdmin, e.headManager, e.disabledAdmin} {
			if _, err := e.db.MailByDedupKey(ctx, key+":"+u); err == nil {
				p.escalationMail = append(p.escalationMail, u)
			}
		}
	}
	for _, u := range []string{e.holderUser, e.accountAdmin, e.orgAdmin, e.headManager, e.disabledAdmin} {
		ns, err := e.db.UnreadNotices(ctx, u, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if !strings.HasPrefix(n.DedupKey, "reminder:"+storage.PoARemindRef(id)+":") {
				continue
			}
			if u == e.holderUser {
				if n.Template != string(notify.TemplatePoAReminder) {
					t.Errorf("the representative got %s", n.Template)
				}
				p.holderNotice = true
				continue
			}
			if n.Template != string(notify.TemplatePoAReminderEscalation) {
				t.Errorf("user %s got %s", u, n.Template)
			}
			p.escalation = append(p.escalation, u)
		}
	}
	return p
}

func newPoAEnv(t *testing.T, eng testdb.Engine, rec *recording) *env {
	e := newEnv(t, eng, rec)
	poa := &notify.PoAReminders{Notify: e.svc}
	e.svc.Renderers = map[notify.Template]notify.Renderer{notify.TemplatePoAReminder: poa, notify.TemplatePoAReminderEscalation: poa}
	e.planner.Sources = []notify.ReminderSource{poa}
	return e
}

// МЧД reminders follow Moscow calendar days whatever the hour: at each instant a new МЧД of the branch
// employee ending on 31 December (its last valid day) gets the step due then, none once it has ended. From 14 days on the account administrator (mail too) and the branch's
// organization administrator are told; the head organization's manager and a disabled administrator are
// not. Planning again queues nothing twice.
func TestPlanPoAAcrossDayBoundaries(t *testing.T) {
	end := msk(2026, 12, 31, 0, 0, 0)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPoAEnv(t, eng, &recording{})
			esc := []string{e.accountAdmin, e.orgAdmin}
			escMail := []string{e.accountAdmin}
			for _, c := range []struct {
				name string
				now  time.Time
				want poaPlanned
			}{
				{"61 days before, a second before midnight", msk(2026, 10, 31, 23, 59, 59), poaPlanned{}},
				{"60 days before, at midnight", msk(2026, 11, 1, 0, 0, 0), poaPlanned{step: 60, holderMail: true, holderNotice: true}},
				{"15 days before, late evening", msk(2026, 12, 16, 23, 59, 59), poaPlanned{step: 30, holderMail: true, holderNotice: true}},
				{"14 days before, at midnight", msk(2026, 12, 17, 0, 0, 0), poaPlanned{step: 14, holderMail: true, holderNotice: true, escalation: esc, escalationMail: escMail}},
				{"14 days before, again", msk(2026, 12, 17, 12, 0, 0), poaPlanned{step: 14, holderMail: true, holderNotice: true, escalation: esc, escalationMail: escMail}},
				{"its last day", msk(2026, 12, 31, 23, 59, 59), poaPlanned{step: 1, holderMail: true, holderNotice: true, escalation: esc, escalationMail: escMail}},
				{"the day after", msk(2027, 1, 1, 0, 0, 0), poaPlanned{}},
			} {
				t.Run(c.name, func(t *testing.T) {
					e.clk.Set(c.now)
					fresh := e.poa(t, e.f.BranchOrg, mchd.StateRegistered, end)
					if _, err := e.planner.Plan(context.Background()); err != nil {
						t.Fatal(err)
					}
					r, err := e.planner.Plan(context.Background())
					if err != nil || r.PowersOfAttorney+r.Mail+r.Notices != 0 {
						t.Fatalf("planning again: %+v, %v", r, err)
					}
					got := e.poaPlanned(t, fresh)
					slices.Sort(got.escalation)
					slices.Sort(got.escalationMail)
					want := c.want
					slices.Sort(want.escalation)
					slices.Sort(want.escalationMail)
					if !slices.Equal(got.escalation, want.escalation) || !slices.Equal(got.escalationMail, want.escalationMail) ||
						got.step != want.step || got.holderMail != want.holderMail || got.holderNotice != want.holderNotice {
						t.Errorf("planned %+v, want %+v", got, want)
					}
				})
			}
		})
	}
}

// A МЧД stops wanting reminders once it is revoked or expired, or a newer registered МЧД of the same
// representative and organization ends later; a later draft or a later МЧД for another organization does
// not stop it. A reminder queued before a newer МЧД was registered is cancelled, not sent; one still due
// goes out in Russian, and the notice shows the same text.
func TestPoAReminderStops(t *testing.T) {
	end := msk(2026, 12, 31, 0, 0, 0)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rec := &recording{}
			e := newPoAEnv(t, eng, rec)
			e.clk.Set(msk(2026, 12, 20, 10, 0, 0)) // 11 days before: step 14
			revoked := e.poa(t, e.f.BranchOrg, mchd.StateRevoked, end)
			expired := e.poa(t, e.f.HeadOrg, mchd.StateExpired, end)
			followed := e.poa(t, e.f.HeadOrg, mchd.StateRegistered, end)
			newer := e.poa(t, e.f.HeadOrg, mchd.StateRegistered, end.AddDate(1, 0, 0))
			kept := e.poa(t, e.f.BranchOrg, mchd.StateRegistered, end)
			e.poa(t, e.f.BranchOrg, mchd.StateDraft, end.AddDate(1, 0, 0))
			if _, err := e.planner.Plan(ctx); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				id   string
				step int
			}{{"revoked", revoked, 0}, {"expired", expired, 0}, {"followed by a newer one", followed, 0},
				{"the newer one, not yet due", newer, 0}, {"kept", kept, 14}} {
				t.Run(c.name, func(t *testing.T) {
					if got := e.poaPlanned(t, c.id).step; got != c.step {
						t.Errorf("step %d, want %d", got, c.step)
					}
				})
			}
			id := e.mailID(t, "reminder:"+storage.PoARemindRef(kept)+":14")
			ns, err := e.svc.UnreadNotices(ctx, e.holderUser, 10)
			if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Subject, "Срок действия МЧД заканчивается 31.12.2026") ||
				!strings.Contains(ns[0].Text, "через 11 дней") {
				t.Fatalf("notices %+v, %v", ns, err)
			}
			if ns, err := e.svc.UnreadNotices(ctx, e.accountAdmin, 10); err != nil || len(ns) != 1 ||
				!strings.Contains(ns[0].Subject, "МЧД сотрудника") || !strings.Contains(ns[0].Text, "/unsubscribe") {
				t.Fatalf("escalation notices %+v, %v", ns, err)
			}
			if err := e.svc.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			if len(rec.out) != 1 || !strings.Contains(rec.out[0].Text, "через 11 дней") || !strings.Contains(rec.out[0].HTML, "/ui/powers-of-attorney/"+kept) {
				t.Fatalf("sent %+v", rec.out)
			}
			esc := e.mailID(t, "reminder:"+storage.PoARemindRef(kept)+":14:"+e.accountAdmin)
			e.poa(t, e.f.BranchOrg, mchd.StateRegistered, end.AddDate(1, 0, 0))
			if err := e.svc.Deliver(ctx, esc); err != nil {
				t.Fatal(err)
			}
			m, err := e.db.Mail(ctx, esc)
			if err != nil || m.Status != storage.MailCancelled || len(rec.out) != 1 {
				t.Fatalf("escalation after a newer МЧД: %+v, %v, sent %d", m, err, len(rec.out))
			}
		})
	}
}
