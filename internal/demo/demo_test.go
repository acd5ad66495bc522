package demo

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

type env struct {
	db  *storage.DB
	acc *access.Service
	reg *registration.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	db, err := storage.OpenSQLiteFile(ctx, filepath.Join(t.TempDir(), "kcr.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, clk.Now); err != nil {
		t.Fatal(err)
	}
	return &env{db: db, acc: &access.Service{DB: db, Clock: clk}, reg: &registration.Service{DB: db, Clock: clk}}
}

func (e *env) load(t *testing.T, seed uint64) *Result {
	t.Helper()
	res, err := Load(context.Background(), e.db, e.acc, e.reg, seed)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return res
}

func (e *env) login(t *testing.T, res *Result, role model.Role) *access.Principal {
	t.Helper()
	i := slices.IndexFunc(res.Users, func(c Credential) bool { return c.Role == role })
	if i < 0 {
		t.Fatalf("no %s user in the result", role)
	}
	_, u, err := e.acc.Login(context.Background(), res.Users[i].Login, res.Users[i].Password)
	if err != nil {
		t.Fatalf("login %s: %v", res.Users[i].Login, err)
	}
	if u.Role != role {
		t.Fatalf("login %s has role %s, want %s", u.Login, u.Role, role)
	}
	return access.PrincipalOfUser(u)
}

var all = registration.PageRequest{Limit: registration.MaxPageSize}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	res := e.load(t, 1)
	if res == nil {
		t.Fatal("Load into an empty database loaded nothing")
	}

	if n, err := e.db.CountAccounts(ctx); err != nil || n != 1 {
		t.Fatalf("accounts = %d, %v; want 1", n, err)
	}
	if res.Organizations != 4 || res.Employees < 35 || res.Employees > 45 || res.Applications == 0 {
		t.Fatalf("result counts = %+v", res)
	}

	// Every role's password signs in.
	if len(res.Users) != len(model.Roles) {
		t.Fatalf("users = %d, want one per role (%d)", len(res.Users), len(model.Roles))
	}
	for _, c := range res.Users {
		if len(c.Password) < 12 {
			t.Errorf("%s password %q is shorter than 12", c.Login, c.Password)
		}
	}
	principals := map[model.Role]*access.Principal{}
	for _, r := range model.Roles {
		principals[r] = e.login(t, res, r)
	}
	admin := principals[model.RoleAccountAdmin]
	if admin.AccountID != res.AccountID {
		t.Fatalf("admin account = %s, want %s", admin.AccountID, res.AccountID)
	}
	if principals[model.RoleOperator].AccountID != "" {
		t.Fatal("the operator belongs to an account")
	}

	// The API key works and sees the whole account.
	kp, err := e.acc.Authenticate(ctx, res.APIKey)
	if err != nil {
		t.Fatalf("API key: %v", err)
	}
	if kp.Role != model.RoleIntegration || kp.AccountID != res.AccountID || kp.OrgIDs != nil {
		t.Fatalf("API key principal = %+v", kp)
	}

	// Organizations and the holding tree.
	orgs, err := e.reg.Organizations(ctx, admin, storage.OrgFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs.Items) != 4 {
		t.Fatalf("organizations = %d, want 4", len(orgs.Items))
	}
	var head *model.Organization
	kinds := map[model.OrgKind]int{}
	for _, o := range orgs.Items {
		kinds[o.Kind]++
		if o.ParentID == "" {
			if head != nil {
				t.Fatal("two root organizations")
			}
			head = o
		}
	}
	if head == nil || kinds[model.OrgBranch] != 2 || kinds[model.OrgLegalEntity] != 2 {
		t.Fatalf("holding tree: head %v, kinds %v", head, kinds)
	}
	var subsidiary *model.Organization
	for _, o := range orgs.Items {
		switch {
		case o == head:
		case o.ParentID != head.ID:
			t.Errorf("%s: parent %s, want the head", o.Name, o.ParentID)
		case o.Kind == model.OrgBranch && (o.INN != head.INN || o.OGRN != head.OGRN || o.KPP == head.KPP):
			t.Errorf("branch %s: ИНН %s ОГРН %s КПП %s", o.Name, o.INN, o.OGRN, o.KPP)
		case o.Kind == model.OrgLegalEntity:
			subsidiary = o
			if o.INN == head.INN {
				t.Errorf("subsidiary %s has the head's ИНН", o.Name)
			}
		}
	}

	emps, err := e.reg.Employees(ctx, admin, storage.EmployeeFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(emps.Items); n != res.Employees || n < 35 || n > 45 {
		t.Fatalf("employees = %d, result says %d", n, res.Employees)
	}
	perOrg := map[string]int{}
	for _, em := range emps.Items {
		perOrg[em.OrganizationID]++
	}
	if len(perOrg) != 4 {
		t.Fatalf("employees are spread over %d organizations, want 4", len(perOrg))
	}

	// Applications in every state reachable without a CA.
	total := 0
	for _, st := range []model.State{model.StateDraft, model.StateDocuments, model.StateIdentityVerification,
		model.StateCorrection, model.StateApproved, model.StateDeclined, model.StateCancelled} {
		page, err := e.reg.Applications(ctx, admin, storage.AppFilter{State: st}, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 {
			t.Errorf("no application in state %s", st)
		}
		total += len(page.Items)
	}
	if total != res.Applications {
		t.Errorf("applications = %d, result says %d", total, res.Applications)
	}
	heads, err := e.reg.Applications(ctx, admin, storage.AppFilter{Kind: model.KindHead}, all)
	if err != nil || len(heads.Items) != 1 || heads.Items[0].OrganizationID != head.ID {
		t.Errorf("head applications = %v, %v", heads.Items, err)
	}

	// The organization administrator sees its two organizations and nobody of the subsidiary.
	orgAdmin := principals[model.RoleOrgAdmin]
	seen, err := e.reg.Organizations(ctx, orgAdmin, storage.OrgFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen.Items) != 2 || len(orgAdmin.OrgIDs) != 2 {
		t.Fatalf("org_admin sees %d organizations, is assigned %d; want 2", len(seen.Items), len(orgAdmin.OrgIDs))
	}
	for _, o := range seen.Items {
		if !slices.Contains(orgAdmin.OrgIDs, o.ID) || o.ID == subsidiary.ID {
			t.Errorf("org_admin sees %s", o.Name)
		}
	}
	theirs, err := e.reg.Employees(ctx, orgAdmin, storage.EmployeeFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, id := range orgAdmin.OrgIDs {
		want += perOrg[id]
	}
	if len(theirs.Items) != want || want == 0 {
		t.Errorf("org_admin sees %d employees, want %d", len(theirs.Items), want)
	}
	for _, em := range theirs.Items {
		if em.OrganizationID == subsidiary.ID {
			t.Errorf("org_admin sees %s of the subsidiary", em.FullName())
		}
	}
	if page, err := e.reg.Employees(ctx, orgAdmin, storage.EmployeeFilter{OrganizationID: subsidiary.ID}, all); err != nil {
		t.Fatal(err)
	} else if len(page.Items) != 0 {
		t.Errorf("org_admin lists %d employees of the subsidiary", len(page.Items))
	}

	// The employee user sees only their own applications.
	own, err := e.reg.Applications(ctx, principals[model.RoleEmployee], storage.AppFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(own.Items) == 0 {
		t.Error("the employee user has no application")
	}
	for _, a := range own.Items {
		if a.EmployeeID != principals[model.RoleEmployee].EmployeeID {
			t.Errorf("the employee user sees %s's application", a.EmployeeName)
		}
	}

	// A second load finds the account and creates nothing.
	before, err := e.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	if again := e.load(t, 1); again != nil {
		t.Fatalf("second Load loaded again: %+v", again)
	}
	after, err := e.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	if after != before {
		t.Errorf("the second Load wrote %d audit events", after-before)
	}
	if n, _ := e.db.CountAccounts(ctx); n != 1 {
		t.Errorf("accounts after the second Load = %d", n)
	}
	if orgs2, _ := e.reg.Organizations(ctx, admin, storage.OrgFilter{}, all); len(orgs2.Items) != 4 {
		t.Errorf("organizations after the second Load = %d", len(orgs2.Items))
	}
}

// TestLoadDeterministic checks that the same seed and clock give the same content.
func TestLoadDeterministic(t *testing.T) {
	ctx := context.Background()
	people := func(seed uint64) ([]Credential, []string) {
		e := newEnv(t)
		res := e.load(t, seed)
		admin := e.login(t, res, model.RoleAccountAdmin)
		emps, err := e.reg.Employees(ctx, admin, storage.EmployeeFilter{}, all)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, em := range emps.Items {
			out = append(out, em.FullName()+" "+em.BirthDate+" "+em.SNILS+" "+em.INN+" "+em.Document.Series+em.Document.Number)
		}
		return res.Users, out
	}
	u1, p1 := people(7)
	u2, p2 := people(7)
	if !slices.Equal(u1, u2) || !slices.Equal(p1, p2) {
		t.Fatal("the same seed gave different demo content")
	}
	u3, _ := people(8)
	if slices.Equal(u1, u3) {
		t.Fatal("different seeds gave the same passwords")
	}
}
