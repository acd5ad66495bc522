package notify_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func msk(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, rules.MSK)
}

func TestParseReminderDays(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []int
		bad  bool
	}{
		{in: "60,30,14,7,1", want: []int{60, 30, 14, 7, 1}},
		{in: " 1, 7 ,30", want: []int{30, 7, 1}},
		{in: "90", want: []int{90}},
		{in: "", bad: true},
		{in: "30,,7", bad: true},
		{in: "0", bad: true},
		{in: "-1", bad: true},
		{in: "367", bad: true},
		{in: "7,7", bad: true},
		{in: "7d", bad: true},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := notify.ParseReminderDays(c.in)
			if (err != nil) != c.bad || !c.bad && !slices.Equal(got, c.want) {
				t.Fatalf("ParseReminderDays(%q) = %v, %v", c.in, got, err)
			}
		})
	}
}

// planned is what a planning run queued and noted for one certificate: the holder's mail and notice, and
// which users got an escalation notice or mail.
type planned struct {
	step             int // 0: nothing
	holderMail       bool
	escalationNotice []string
	escalationMail   []string
}

func (e *env) planned(t *testing.T, serial string) planned {
	t.Helper()
	ctx := context.Background()
	var p planned
	for _, step := range []int{60, 30, 14, 7, 1} {
		key := "reminder:" + serial + ":" + strconv.Itoa(step)
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
			if !strings.HasPrefix(n.DedupKey, "reminder:"+serial+":") {
				continue
			}
			if u == e.holderUser {
				if n.Template == string(notify.TemplateReminderEscalation) {
					t.Errorf("the holder got an escalation")
				}
				continue
			}
			p.escalationNotice = append(p.escalationNotice, u)
		}
	}
	return p
}

// Reminder steps follow Moscow calendar days whatever the hour: the clock is moved across day boundaries
// (midnight Moscow is 21:00 UTC the day before) around a certificate ending at 23:30 Moscow on 31 December.
// A planner that did not run for a while sends the latest due step only. From 14 days on the account
// administrator (by mail too, being linked to an employee), the branch's organization administrator (a
// notice: no address) are told; the manager of another organization and a disabled administrator are not.
func TestPlanAcrossDayBoundaries(t *testing.T) {
	end := msk(2026, 12, 31, 23, 30, 0)
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, eng, &recording{})
			esc := []string{e.accountAdmin, e.orgAdmin}
			escMail := []string{e.accountAdmin}
			for _, c := range []struct {
				name string
				now  time.Time
				want planned
			}{
				{"61 days before, a second before midnight", msk(2026, 10, 31, 23, 59, 59), planned{}},
				{"60 days before, at midnight Moscow", msk(2026, 11, 1, 0, 0, 0), planned{step: 60, holderMail: true}},
				{"60 days before, late", msk(2026, 11, 1, 23, 59, 59), planned{step: 60, holderMail: true}},
				{"31 days before", msk(2026, 11, 30, 23, 59, 59), planned{step: 60, holderMail: true}},
				{"30 days before", msk(2026, 12, 1, 0, 0, 0), planned{step: 30, holderMail: true}},
				{"15 days before", msk(2026, 12, 16, 23, 59, 59), planned{step: 30, holderMail: true}},
				{"14 days before: escalation", msk(2026, 12, 17, 0, 0, 0), planned{step: 14, holderMail: true, escalationNotice: esc, escalationMail: escMail}},
				{"9 days before, planner was down since 20", msk(2026, 12, 22, 10, 0, 0), planned{step: 14, holderMail: true, escalationNotice: esc, escalationMail: escMail}},
				{"1 day before", msk(2026, 12, 30, 0, 0, 0), planned{step: 1, holderMail: true, escalationNotice: esc, escalationMail: escMail}},
				{"the last day", msk(2026, 12, 31, 23, 29, 59), planned{step: 1, holderMail: true, escalationNotice: esc, escalationMail: escMail}},
				{"ended", msk(2026, 12, 31, 23, 30, 0), planned{}},
			} {
				t.Run(c.name, func(t *testing.T) {
					// A fresh certificate per case, so that each case sees only its own planning.
					e.clk.Set(c.now)
					serial := e.cert(t, model.KindIndividual, end.AddDate(-1, 0, 0), end)
					if _, err := e.planner.Plan(context.Background()); err != nil {
						t.Fatal(err)
					}
					got := e.planned(t, serial)
					slices.Sort(got.escalationNotice)
					slices.Sort(got.escalationMail)
					want := c.want
					slices.Sort(want.escalationNotice)
					slices.Sort(want.escalationMail)
					if got.step != want.step || got.holderMail != want.holderMail ||
						!slices.Equal(got.escalationNotice, want.escalationNotice) || !slices.Equal(got.escalationMail, want.escalationMail) {
						t.Fatalf("planned %+v, want %+v", got, want)
					}
					if want.step != 0 {
						ns, _ := e.db.UnreadNotices(context.Background(), e.holderUser, 1000)
						if !slices.ContainsFunc(ns, func(n *storage.Notice) bool { return strings.HasPrefix(n.DedupKey, "reminder:"+serial+":") }) {
							t.Fatal("the holder has no notice")
						}
					}
				})
			}
		})
	}
}

// Planning is idempotent, and reminders stop once the certificate has a reissue application (a declined one
// does not count), is replaced or revoked: at planning, and for messages queued before, at sending.
func TestPlanStopConditions(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rec := &recording{}
			e := newEnv(t, eng, rec)
			end := start.AddDate(0, 0, 20)
			reissue := func(serial string, state model.State) {
				t.Helper()
				if err := e.db.CreateApplication(ctx, &model.Application{ID: testdb.NewID(), AccountID: e.f.AccountA,
					OrganizationID: e.f.BranchOrg, EmployeeID: e.f.BranchEmployee, Kind: model.KindIndividual, State: state,
					ReissueOf: serial, CreatedBy: "user:test", CreatedAt: start, UpdatedAt: start}); err != nil {
					t.Fatal(err)
				}
			}
			plain := e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), end)
			withDraft := e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), end)
			reissue(withDraft, model.StateDraft)
			withDeclined := e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), end)
			reissue(withDeclined, model.StateDeclined)
			replaced := e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), end)
			if err := e.db.SetReplacedBy(ctx, replaced, "ff"); err != nil {
				t.Fatal(err)
			}
			revoked := e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), end)
			if _, err := e.db.RevokeCertificate(ctx, revoked, start.UnixMicro(), model.RevocationReason("superseded")); err != nil {
				t.Fatal(err)
			}
			r, err := e.planner.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Certificates != 2 || r.Mail != 2 || r.Notices != 2 {
				t.Fatalf("first run %+v, want 2 certificates (plain, declined reissue), 2 mails and 2 notices", r)
			}
			for serial, want := range map[string]bool{plain: true, withDraft: false, withDeclined: true, replaced: false, revoked: false} {
				if got := e.planned(t, serial).step != 0; got != want {
					t.Errorf("certificate %s planned: %v, want %v", serial, got, want)
				}
			}
			if r, err := e.planner.Plan(ctx); err != nil || r.Mail != 0 || r.Notices != 0 {
				t.Fatalf("second run %+v, %v: want nothing new", r, err)
			}
			// Queued, then reissued before sending: the message is cancelled, not sent.
			m, _ := e.db.MailByDedupKey(ctx, "reminder:"+plain+":30")
			reissue(plain, model.StateDraft)
			if _, err := e.svc.DeliverDue(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if got := e.mail(t, m.ID); got.Status != storage.MailCancelled {
				t.Fatalf("reminder of a reissued certificate: %s", got.Status)
			}
			if len(rec.out) != 1 || !strings.Contains(rec.out[0].Text, withDeclined) {
				t.Fatalf("want only the reminder of the certificate with a declined reissue sent, got %d", len(rec.out))
			}
		})
	}
}

// A legacy certificate (legal_entity_employee issued before 2023-09-01, after 2024-09-01) gets its own
// reminder; the escalation says so too; a newer employee certificate gets the ordinary one.
func TestPlanLegacyReminder(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rec := &recording{}
			e := newEnv(t, eng, rec)
			legacy := e.cert(t, model.KindLegalEntityEmployee, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), start.AddDate(0, 0, 5))
			newer := e.cert(t, model.KindLegalEntityEmployee, time.Date(2023, 9, 2, 0, 0, 0, 0, time.UTC), start.AddDate(0, 0, 5))
			if _, err := e.planner.Plan(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.DeliverDue(ctx, 100); err != nil {
				t.Fatal(err)
			}
			var seen int
			for _, o := range rec.out {
				isLegacy := strings.Contains(o.Text, legacy)
				if !isLegacy && !strings.Contains(o.Text, newer) {
					t.Fatalf("message about neither certificate: %q", o.Text)
				}
				escalation := o.UnsubscribeURL != ""
				says := strings.Contains(o.Text, "01.09.2024")
				if says != isLegacy {
					t.Errorf("legacy %v, escalation %v, but the text mentions the 2024 rule: %v\n%s", isLegacy, escalation, says, o.Text)
				}
				if isLegacy && !escalation && !strings.Contains(o.Subject, "иного вида") {
					t.Errorf("legacy holder's subject %q", o.Subject)
				}
				seen++
			}
			if seen != 4 {
				t.Fatalf("%d messages, want the holder's and the administrator's for each certificate", seen)
			}
		})
	}
}

// The in-app notices: a user lists and counts only their own unread notices, rendered in Russian, and
// marking read (some, then all) never touches another user's.
func TestNotices(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, eng, nil) // no SMTP server: notices only
			for range 3 {
				e.cert(t, model.KindIndividual, start.AddDate(-1, 0, 0), start.AddDate(0, 0, 3))
			}
			r, err := e.planner.Plan(ctx)
			if err != nil || r.Mail != 0 || r.Notices != 9 {
				t.Fatalf("plan %+v, %v: want 9 notices (holder, account and organization administrators) and no mail", r, err)
			}
			if n, _ := e.svc.UnreadCount(ctx, e.holderUser); n != 3 {
				t.Fatalf("holder's unread count %d", n)
			}
			ns, err := e.svc.UnreadNotices(ctx, e.holderUser, 10)
			if err != nil || len(ns) != 3 {
				t.Fatalf("%d notices, %v", len(ns), err)
			}
			if !strings.HasPrefix(ns[0].Subject, "Сертификат электронной подписи заканчивается") || !strings.Contains(ns[0].Text, "через 3 дня") {
				t.Errorf("notice %q / %q", ns[0].Subject, ns[0].Text)
			}
			if n, err := e.svc.MarkRead(ctx, e.accountAdmin, []string{ns[0].ID}); err != nil || n != 0 {
				t.Fatalf("another user marked the holder's notice: %d, %v", n, err)
			}
			if n, _ := e.svc.MarkRead(ctx, e.holderUser, []string{ns[0].ID}); n != 1 {
				t.Fatalf("marked %d", n)
			}
			if n, _ := e.svc.UnreadCount(ctx, e.holderUser); n != 2 {
				t.Fatalf("unread %d after marking one", n)
			}
			if n, _ := e.svc.MarkRead(ctx, e.holderUser, nil); n != 2 {
				t.Fatalf("marked all: %d", n)
			}
			if n, _ := e.svc.UnreadCount(ctx, e.accountAdmin); n != 3 {
				t.Fatalf("the administrator's notices changed: %d unread", n)
			}
		})
	}
}
