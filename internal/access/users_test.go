package access_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

const pw = "correct horse battery"

// world is a client account with two organizations and its administrator, and the CA operator.
type world struct {
	ctx        context.Context
	db         *storage.DB
	clk        *clock.Fake
	svc        *access.Service
	op, admin  *access.Principal
	adminUser  *model.User
	acct       string
	orgA, orgB string
}

func newWorld(t *testing.T, eng testdb.Engine, limits access.Limits) *world {
	t.Helper()
	w := &world{ctx: context.Background(), db: eng.Open(t), clk: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))}
	w.svc = &access.Service{DB: w.db, Clock: w.clk, Limits: limits}
	w.op = &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	acct, err := w.svc.CreateAccount(w.ctx, w.op, access.AccountInput{Name: "Холдинг"})
	must(t, err)
	w.acct = acct.ID
	w.adminUser, err = w.svc.CreateUser(w.ctx, w.op, access.UserInput{AccountID: acct.ID, Login: "admin", FullName: "Админ",
		Role: model.RoleAccountAdmin, Password: pw})
	must(t, err)
	w.admin = access.PrincipalOfUser(w.adminUser)
	reg := &registration.Service{DB: w.db, Clock: w.clk}
	for i, inn := range []string{"7707083893", "7736050003"} {
		o, err := reg.CreateOrganization(w.ctx, w.admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
			Name: fmt.Sprintf("ООО «%d»", i), INN: inn, KPP: "773601001", OGRN: []string{"1027700132195", "1027700070518"}[i],
			Address: "Москва", Region: "77"})
		must(t, err)
		if i == 0 {
			w.orgA = o.ID
		} else {
			w.orgB = o.ID
		}
	}
	return w
}

func (w *world) user(t *testing.T, login string, role model.Role, orgs ...string) *model.User {
	t.Helper()
	u, err := w.svc.CreateUser(w.ctx, w.admin, access.UserInput{Login: login, FullName: "Пользователь " + login, Role: role,
		Password: pw, OrganizationIDs: orgs})
	must(t, err)
	return u
}

func (w *world) login(t *testing.T, login, password string) string {
	t.Helper()
	tok, _, err := w.svc.Login(w.ctx, login, password)
	must(t, err)
	return tok
}

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("got %v, want %s", err, kind)
	}
}

func eachEngine(t *testing.T, limits access.Limits, f func(t *testing.T, w *world)) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newWorld(t, eng, limits)) })
	}
}

// A disabled user is out at once: their open session answers 401 on the next request and they cannot
// sign in; enabled again, they can.
func TestDisableEndsAccessAtOnce(t *testing.T) {
	eachEngine(t, access.Limits{}, func(t *testing.T, w *world) {
		w.user(t, "registrar", model.RoleRegistrar, w.orgA)
		tok := w.login(t, "registrar", pw)
		u, err := w.svc.SetUserDisabled(w.ctx, w.admin, mustAuth(t, w, tok).Actor[len("user:"):], true)
		must(t, err)
		if !u.Disabled {
			t.Fatal("the answer does not show the user disabled")
		}
		_, err = w.svc.Authenticate(w.ctx, tok)
		wantKind(t, err, errs.Unauthenticated)
		_, _, err = w.svc.Login(w.ctx, "registrar", pw)
		wantKind(t, err, errs.Unauthenticated)
		if _, err := w.svc.SetUserDisabled(w.ctx, w.admin, u.ID, false); err != nil {
			t.Fatal(err)
		}
		// The old session stays ended: enabling gives back sign-in, not the sessions.
		_, err = w.svc.Authenticate(w.ctx, tok)
		wantKind(t, err, errs.Unauthenticated)
		w.login(t, "registrar", pw)
		events, err := w.svc.AuditLog(w.ctx, w.admin, storage.AuditFilter{ObjectID: u.ID, Limit: 50})
		must(t, err)
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if fmt.Sprint(actions) != "[session.login user.enable user.disable session.login user.create]" {
			t.Errorf("audit %v", actions)
		}
	})
}

func mustAuth(t *testing.T, w *world, tok string) *access.Principal {
	t.Helper()
	p, err := w.svc.Authenticate(w.ctx, tok)
	must(t, err)
	return p
}

// A user re-scoped away from an organization loses it on their very next request, session and all.
func TestReScopeHoldsAtOnce(t *testing.T) {
	eachEngine(t, access.Limits{}, func(t *testing.T, w *world) {
		u := w.user(t, "registrar", model.RoleRegistrar, w.orgA, w.orgB)
		tok := w.login(t, "registrar", pw)
		if p := mustAuth(t, w, tok); !p.SeesOrg(w.acct, w.orgA) {
			t.Fatal("the registrar does not see A before the change")
		}
		if _, err := w.svc.ChangeUser(w.ctx, w.admin, u.ID, access.UserChange{Role: model.RoleRegistrar,
			OrganizationIDs: []string{w.orgB}}); err != nil {
			t.Fatal(err)
		}
		p := mustAuth(t, w, tok)
		if p.SeesOrg(w.acct, w.orgA) || !p.SeesOrg(w.acct, w.orgB) {
			t.Errorf("after the change the registrar's scope is %v", p.OrgIDs)
		}
		// Demoted to accountant: the registrar's acts are gone at once.
		if _, err := w.svc.ChangeUser(w.ctx, w.admin, u.ID, access.UserChange{Role: model.RoleAccountant}); err != nil {
			t.Fatal(err)
		}
		if p := mustAuth(t, w, tok); p.Can(access.AppApprove) || p.Can(access.EmployeeRead) {
			t.Errorf("the demoted user still has %s's rights", model.RoleRegistrar)
		}
	})
}

// Changing a password ends the user's other sessions and keeps the one it was changed in; an
// administrator's reset ends them all.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	eachEngine(t, access.Limits{}, func(t *testing.T, w *world) {
		u := w.user(t, "manager", model.RoleManager, w.orgA)
		here, elsewhere := w.login(t, "manager", pw), w.login(t, "manager", pw)
		must(t, w.svc.ChangePassword(w.ctx, mustAuth(t, w, here), pw, "another long passphrase"))
		mustAuth(t, w, here)
		_, err := w.svc.Authenticate(w.ctx, elsewhere)
		wantKind(t, err, errs.Unauthenticated)

		_, temp, err := w.svc.ResetPassword(w.ctx, w.admin, u.ID, "")
		must(t, err)
		_, err = w.svc.Authenticate(w.ctx, here)
		wantKind(t, err, errs.Unauthenticated)
		_, _, err = w.svc.Login(w.ctx, "manager", "another long passphrase")
		wantKind(t, err, errs.Unauthenticated)
		w.login(t, "manager", temp)
	})
}

// The policy keeps the length rule and refuses trivial and common passwords, naming the field.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	db := testdb.Engines(t)[0].Open(t)
	svc := &access.Service{DB: db, Clock: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))}
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	for i, c := range []struct{ password, rule string }{
		{"aaaaaaaaaa", "trivial"},
		{"1234567890", "trivial"},
		{"0987654321", "trivial"},
		{"abcdefghijkl", "trivial"},
		{"abababababab", "trivial"},
		{"qwertyuiop", "common"},
		{"password123", "common"},
		{"Password2026!", "common"},
		{"йцукенгшщз", "common"},
		{"1q2w3e4r5t", "common"},
		{"short", "too_short"},
		{"my-login-is-mallory", "contains_login"},
		{"correct horse battery", ""},
		{"Орёл-решка-1987", ""},
	} {
		t.Run(c.password, func(t *testing.T) {
			login := "mallory"
			if c.rule == "" {
				login = fmt.Sprintf("user%d", i) // a created user takes the login
			}
			_, err := svc.CreateUser(context.Background(), op, access.UserInput{Login: login, FullName: "Оператор",
				Role: model.RoleOperator, Password: c.password})
			if c.rule == "" {
				must(t, err)
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "password" || e.Fields[0].Rule != c.rule {
				t.Fatalf("got %v, want a %q problem with the password field", err, c.rule)
			}
		})
	}
}

// The CA operator onboards the first account administrator and nobody else with personal-data rights.
func TestOperatorCannotGrantPersonalData(t *testing.T) {
	eachEngine(t, access.Limits{}, func(t *testing.T, w *world) {
		for _, c := range []struct {
			role model.Role
			orgs []string
			ok   bool
		}{
			{model.RoleAccountAdmin, nil, false}, // the account already has one
			{model.RoleRegistrar, []string{w.orgA}, false},
			{model.RoleOrgAdmin, []string{w.orgA}, false},
			{model.RoleManager, []string{w.orgA}, true},
			{model.RoleAccountant, nil, true},
		} {
			t.Run(string(c.role), func(t *testing.T) {
				_, err := w.svc.CreateUser(w.ctx, w.op, access.UserInput{AccountID: w.acct, Login: "op-" + string(c.role),
					FullName: "Кто-то", Role: c.role, Password: pw, OrganizationIDs: c.orgs})
				if c.ok {
					must(t, err)
					return
				}
				var e *errs.Error
				if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "role" || e.Fields[0].Rule != "operator_grant" {
					t.Fatalf("got %v, want the role refused", err)
				}
			})
		}
		// Nor by changing a user's role, nor by resetting a non-administrator's password.
		m := w.user(t, "manager", model.RoleManager, w.orgA)
		_, err := w.svc.ChangeUser(w.ctx, w.op, m.ID, access.UserChange{Role: model.RoleRegistrar, OrganizationIDs: []string{w.orgA}})
		wantKind(t, err, errs.Invalid)
		_, _, err = w.svc.ResetPassword(w.ctx, w.op, m.ID, "")
		wantKind(t, err, errs.Forbidden)
		// Taking access away is always allowed, and audited in the client's account.
		_, err = w.svc.SetUserDisabled(w.ctx, w.op, m.ID, true)
		must(t, err)
		events, err := w.svc.AuditLog(w.ctx, w.admin, storage.AuditFilter{Action: "user.disable", Limit: 5})
		must(t, err)
		if len(events) != 1 || events[0].Actor != w.op.Actor {
			t.Errorf("the client's audit log shows %v", events)
		}
	})
}

// An account keeps an enabled administrator: the last one can be neither disabled nor demoted.
func TestLastAdministratorStays(t *testing.T) {
	eachEngine(t, access.Limits{}, func(t *testing.T, w *world) {
		_, err := w.svc.SetUserDisabled(w.ctx, w.admin, w.adminUser.ID, true)
		wantKind(t, err, errs.Conflict)
		_, err = w.svc.SetUserDisabled(w.ctx, w.op, w.adminUser.ID, true)
		wantKind(t, err, errs.Conflict)
		_, err = w.svc.ChangeUser(w.ctx, w.admin, w.adminUser.ID, access.UserChange{Role: model.RoleAccountant})
		wantKind(t, err, errs.Conflict)
		second := w.user(t, "admin2", model.RoleAccountAdmin)
		if _, err := w.svc.SetUserDisabled(w.ctx, w.admin, w.adminUser.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.SetUserDisabled(w.ctx, access.PrincipalOfUser(second), second.ID, true)
		wantKind(t, err, errs.Conflict)
		// Another account's user is not found, not refused.
		_, err = w.svc.SetUserDisabled(w.ctx, &access.Principal{Actor: "user:x", AccountID: "other", Role: model.RoleAccountAdmin},
			second.ID, true)
		wantKind(t, err, errs.NotFound)
	})
}

// However many sign-ins arrive together, no more than HashConcurrency password hashes run at once.
func TestConcurrentLoginsBoundHashing(t *testing.T) {
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{HashConcurrency: 2, LoginFailures: 100})
	var mu sync.Mutex
	running, peak, total := 0, 0, 0
	access.SetHashObserver(func(d int) {
		mu.Lock()
		defer mu.Unlock()
		running += d
		if d > 0 {
			total++
		}
		peak = max(peak, running)
	})
	t.Cleanup(func() { access.SetHashObserver(nil) })
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, err := w.svc.Login(w.ctx, "admin", fmt.Sprintf("wrong password %d", i))
			if !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("login %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if total != n {
		t.Errorf("%d hashes ran, want %d", total, n)
	}
	if peak > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", peak)
	}
}

// Two administrators disabling each other at once on PostgreSQL: the second waits for the first and is then
// refused, so the account keeps an enabled administrator.
func TestMutualDisableKeepsAnAdministrator(t *testing.T) {
	w := newWorld(t, testdb.Engines(t)[1], access.Limits{}) // SQLite serializes write transactions anyway
	second := w.user(t, "admin2", model.RoleAccountAdmin)
	raw := testdb.Raw(t, w.db)
	release := make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		// The first disable stays uncommitted until the second is seen waiting.
		firstDone <- w.db.InTx(w.ctx, func(ctx context.Context) error {
			if _, err := w.svc.SetUserDisabled(ctx, w.admin, second.ID, true); err != nil {
				return err
			}
			<-release
			return nil
		})
	}()
	secondDone := make(chan error, 1)
	go func() {
		// Start once the first holds the account's lock.
		for {
			var n int
			if err := raw.QueryRowContext(w.ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted`).Scan(&n); err != nil {
				secondDone <- err
				return
			}
			if n > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		_, err := w.svc.SetUserDisabled(w.ctx, access.PrincipalOfUser(second), w.adminUser.ID, true)
		secondDone <- err
	}()
	deadline := time.After(30 * time.Second)
	for waiting := false; !waiting; {
		select {
		case err := <-secondDone:
			close(release)
			<-firstDone
			t.Fatalf("the second disable did not wait for the first (err %v): both administrators may end up disabled", err)
		case <-deadline:
			close(release)
			t.Fatal("the second disable never waited on the account's lock")
		default:
		}
		if err := raw.QueryRowContext(w.ctx, `SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock'
			AND datname = current_database()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	must(t, <-firstDone)
	wantKind(t, <-secondDone, errs.Conflict)
	u, err := w.svc.User(w.ctx, w.admin, w.adminUser.ID)
	must(t, err)
	if u.Disabled {
		t.Fatal("the account lost its last enabled administrator")
	}
}
