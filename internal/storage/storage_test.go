package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// TestStorage is the storage suite: every subtest runs on every engine (see testdb.Engines). The
// subtests share one database per engine; each makes its own testdb.Fixture (fresh accounts), so they do
// not see each other's rows wherever a scope names an account.
func TestStorage(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			db := eng.Open(t)
			for _, st := range []struct {
				name string
				run  func(*testing.T, *storage.DB)
			}{
				{"organizations", testOrganizations},
				{"employees", testEmployees},
				{"heads", testHeads},
				{"dismissal", testDismissal},
				{"powers of attorney", testPowersOfAttorney},
				{"users", testUsers},
				{"sessions", testSessions},
				{"api keys", testAPIKeys},
				{"applications", testApplications},
				{"certificates", testCertificates},
				{"scope", testScope},
				{"application search", testApplicationSearch},
				{"search over many organizations and employees", testBroadSearch},
				{"pagination", testPagination},
				{"sorting", testSorting},
				{"idempotency", testIdempotency},
				{"transactions", testTransactions},
				{"feed", testFeed},
			} {
				t.Run(st.name, func(t *testing.T) { st.run(t, db) })
			}
		})
	}
}

var newID = testdb.NewID

// only keeps the ids that are in universe, in their order: lists on a shared database also hold other
// subtests' rows.
func only(ids []string, universe ...string) []string {
	out := []string{}
	for _, id := range ids {
		if slices.Contains(universe, id) {
			out = append(out, id)
		}
	}
	return out
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func orgIDs(xs []*model.Organization) []string {
	return idsOf(xs, func(o *model.Organization) string { return o.ID })
}
func empIDs(xs []*model.Employee) []string {
	return idsOf(xs, func(e *model.Employee) string { return e.ID })
}
func appIDs(xs []*model.Application) []string {
	return idsOf(xs, func(a *model.Application) string { return a.ID })
}
func certSerials(xs []*model.Certificate) []string {
	return idsOf(xs, func(c *model.Certificate) string { return c.Serial })
}

func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	sort.Strings(out)
	return out
}

func newestFirst(ids ...string) []string {
	out := sorted(ids...)
	slices.Reverse(out)
	return out
}

func wantNoRows(t *testing.T, what string, err error) {
	t.Helper()
	if !storage.IsNoRows(err) {
		t.Errorf("%s: err = %v, want no rows", what, err)
	}
}

var big = storage.Page{Limit: 10000}

func testOrganizations(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}

	acc, err := db.Account(ctx, f.AccountA)
	if err != nil || acc.Name != "Холдинг Ромашка" || !acc.CreatedAt.Equal(f.Now) {
		t.Errorf("Account = %+v, %v", acc, err)
	}
	_, err = db.Account(ctx, newID())
	wantNoRows(t, "unknown account", err)
	accounts, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := only(idsOf(accounts, func(a model.Account) string { return a.ID }), f.AccountA, f.AccountB); !slices.Equal(got, sorted(f.AccountA, f.AccountB)) {
		t.Errorf("Accounts holds %v of the fixture's, want both", got)
	}

	head, err := db.Organization(ctx, scopeA, f.HeadOrg)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Organization{ID: f.HeadOrg, AccountID: f.AccountA, Kind: model.OrgLegalEntity, Sector: model.SectorCommercial,
		Name: testdb.HeadName, INN: testdb.HeadINN, KPP: testdb.HeadKPP, OGRN: testdb.HeadOGRN, Address: "г. Москва, ул. Вавилова, д. 19",
		Region: "77", CreatedAt: f.Now, UpdatedAt: f.Now}
	if !reflect.DeepEqual(*head, want) {
		t.Errorf("Organization =\n%+v, want\n%+v", *head, want)
	}
	branch, err := db.Organization(ctx, scopeA, f.BranchOrg)
	if err != nil || branch.ParentID != f.HeadOrg || branch.Kind != model.OrgBranch || branch.KPP != testdb.BranchKPP {
		t.Errorf("branch = %+v, %v", branch, err)
	}

	for _, c := range []struct {
		name string
		f    storage.OrgFilter
		want []string
	}{
		{"no filter", storage.OrgFilter{}, sorted(f.HeadOrg, f.BranchOrg)},
		{"children of the head", storage.OrgFilter{ParentID: f.HeadOrg}, []string{f.BranchOrg}},
		{"ИНН shared by head and branch", storage.OrgFilter{INN: testdb.HeadINN}, sorted(f.HeadOrg, f.BranchOrg)},
		{"КПП", storage.OrgFilter{KPP: testdb.BranchKPP}, []string{f.BranchOrg}},
		{"ОГРН", storage.OrgFilter{OGRN: testdb.HeadOGRN}, sorted(f.HeadOrg, f.BranchOrg)},
		{"ИНН of another account", storage.OrgFilter{INN: f.OrgBINN}, []string{}},
		{"name words, any case", storage.OrgFilter{NamePrefix: "ООО Р"}, sorted(f.HeadOrg, f.BranchOrg)},
		{"name words of the branch", storage.OrgFilter{NamePrefix: "филиал ооо"}, []string{f.BranchOrg}},
		{"a word inside the name", storage.OrgFilter{NamePrefix: "ромашка"}, sorted(f.HeadOrg, f.BranchOrg)},
		{"part of a word inside the name", storage.OrgFilter{NamePrefix: "петерб"}, []string{f.BranchOrg}},
		{"name words with extra spaces", storage.OrgFilter{NamePrefix: "  ООО   Ромашка"}, sorted(f.HeadOrg, f.BranchOrg)},
		{"a word the name lacks", storage.OrgFilter{NamePrefix: "ромашка москва"}, []string{}},
	} {
		t.Run("list/"+c.name, func(t *testing.T) {
			got, err := db.Organizations(ctx, scopeA, c.f, big)
			if err != nil {
				t.Fatal(err)
			}
			if ids := orgIDs(got); !slices.Equal(ids, c.want) {
				t.Errorf("got %v, want %v", ids, c.want)
			}
		})
	}

	found, err := db.OrganizationIDsOfAccount(ctx, f.AccountA, []string{f.HeadOrg, f.OrgB, f.BranchOrg, newID()})
	if err != nil || !reflect.DeepEqual(found, map[string]bool{f.HeadOrg: true, f.BranchOrg: true}) {
		t.Errorf("OrganizationIDsOfAccount = %v, %v; want head and branch only", found, err)
	}

	for _, c := range []struct {
		name, account, inn, kpp string
		want                    error
	}{
		{"same ИНН+КПП in the account", f.AccountA, testdb.HeadINN, testdb.HeadKPP, storage.ErrDuplicate},
		{"the branch's ИНН+КПП again", f.AccountA, testdb.HeadINN, testdb.BranchKPP, storage.ErrDuplicate},
		{"same ИНН, new КПП", f.AccountA, testdb.HeadINN, "773602001", nil},
		{"same ИНН+КПП in another account", f.AccountB, testdb.HeadINN, testdb.HeadKPP, nil},
	} {
		t.Run("create/"+c.name, func(t *testing.T) {
			o := &model.Organization{ID: newID(), AccountID: c.account, Kind: model.OrgLegalEntity, Sector: model.SectorState,
				Name: "ФГБУ Тест", INN: c.inn, KPP: c.kpp, OGRN: testdb.HeadOGRN, Address: "г. Москва", Region: "77",
				CreatedAt: f.Now, UpdatedAt: f.Now}
			err := db.CreateOrganization(ctx, o)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("CreateOrganization = %v, want %v", err, c.want)
				}
				_, err := db.Organization(ctx, storage.Scope{}, o.ID)
				wantNoRows(t, "the rejected organization", err)
				return
			}
			if err != nil {
				t.Fatalf("CreateOrganization = %v", err)
			}
			got, err := db.Organization(ctx, storage.Scope{AccountID: c.account}, o.ID)
			if err != nil || got.Sector != model.SectorState || got.KPP != c.kpp || got.ParentID != "" {
				t.Errorf("read back %+v, %v", got, err)
			}
		})
	}

	// Update.
	upd := *head
	upd.Name, upd.Address, upd.UpdatedAt = "ООО Ромашка-Плюс", "г. Москва, ул. Тверская, д. 1", f.Now.Add(time.Hour)
	if err := db.UpdateOrganization(ctx, &upd); err != nil {
		t.Fatalf("UpdateOrganization: %v", err)
	}
	got, err := db.Organization(ctx, scopeA, f.HeadOrg)
	if err != nil || got.Name != upd.Name || got.Address != upd.Address || !got.UpdatedAt.Equal(upd.UpdatedAt) || !got.CreatedAt.Equal(f.Now) {
		t.Errorf("after update: %+v, %v", got, err)
	}
	if l, err := db.Organizations(ctx, scopeA, storage.OrgFilter{NamePrefix: "ооо ромашка-п"}, big); err != nil || !slices.Equal(orgIDs(l), []string{f.HeadOrg}) {
		t.Errorf("search by the new name: %v, %v", orgIDs(l), err)
	}
	clash := upd
	clash.KPP = testdb.BranchKPP
	if err := db.UpdateOrganization(ctx, &clash); !errors.Is(err, storage.ErrDuplicate) {
		t.Errorf("update to the branch's ИНН+КПП = %v, want ErrDuplicate", err)
	}
	if got, _ := db.Organization(ctx, scopeA, f.HeadOrg); got == nil || got.KPP != testdb.HeadKPP {
		t.Errorf("a rejected update changed the КПП: %+v", got)
	}
	ghost := upd
	ghost.ID = newID()
	wantNoRows(t, "UpdateOrganization of an unknown id", db.UpdateOrganization(ctx, &ghost))
}

func testEmployees(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}

	e, err := db.Employee(ctx, scopeA, f.HeadEmployee)
	if err != nil {
		t.Fatal(err)
	}
	if e.FullName() != "Иванов Иван Иванович" || e.SNILS != testdb.HeadSNILS || e.OrganizationID != f.HeadOrg ||
		e.AccountID != f.AccountA || e.BirthDate != "1985-04-12" || e.Position != "Генеральный директор" ||
		e.Document != (model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456", IssueDate: "2010-05-20",
			Issuer: "ОВД района Хамовники г. Москвы", IssuerCode: "772-001"}) ||
		requisites.ValidateINN12(e.INN) != nil || !e.CreatedAt.Equal(f.Now) || !e.UpdatedAt.Equal(f.Now) {
		t.Errorf("Employee = %+v", e)
	}

	for _, c := range []struct {
		name string
		f    storage.EmployeeFilter
		want []string
	}{
		{"no filter", storage.EmployeeFilter{}, sorted(f.HeadEmployee, f.BranchEmployee)},
		{"organization", storage.EmployeeFilter{OrganizationID: f.BranchOrg}, []string{f.BranchEmployee}},
		{"name prefix, upper case", storage.EmployeeFilter{NamePrefix: "ИВАНОВ И"}, []string{f.HeadEmployee}},
		{"name prefix, extra spaces", storage.EmployeeFilter{NamePrefix: " петрова   мария "}, []string{f.BranchEmployee}},
		{"given name", storage.EmployeeFilter{NamePrefix: "мария"}, []string{f.BranchEmployee}},
		{"patronymic, part of a word", storage.EmployeeFilter{NamePrefix: "серг"}, []string{f.BranchEmployee}},
		{"the inside of a word is not a match", storage.EmployeeFilter{NamePrefix: "етрова"}, []string{}},
		{"СНИЛС", storage.EmployeeFilter{SNILS: testdb.HeadSNILS}, []string{f.HeadEmployee}},
		{"СНИЛС of another account", storage.EmployeeFilter{SNILS: f.SNILSB}, []string{}},
	} {
		t.Run("list/"+c.name, func(t *testing.T) {
			got, _, err := db.Employees(ctx, scopeA, c.f, big)
			if err != nil {
				t.Fatal(err)
			}
			if ids := empIDs(got); !slices.Equal(ids, c.want) {
				t.Errorf("got %v, want %v", ids, c.want)
			}
		})
	}

	fresh := requisites.GenerateSNILS(rand.New(rand.NewPCG(99, 1)))
	created := map[string]string{}
	for _, c := range []struct {
		name, org, snils string
		want             error
	}{
		{"same СНИЛС in the same organization", f.HeadOrg, testdb.HeadSNILS, storage.ErrDuplicate},
		{"same СНИЛС in another organization", f.BranchOrg, testdb.HeadSNILS, nil},
		{"new СНИЛС", f.HeadOrg, fresh, nil},
	} {
		t.Run("create/"+c.name, func(t *testing.T) {
			n := *e
			n.ID, n.OrganizationID, n.SNILS, n.Surname = newID(), c.org, c.snils, "Кузнецов"
			err := db.CreateEmployee(ctx, &n)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("CreateEmployee = %v, want %v", err, c.want)
			}
			got, err := db.Employee(ctx, scopeA, n.ID)
			if c.want != nil {
				wantNoRows(t, "the rejected employee", err)
				return
			}
			if err != nil || got.OrganizationID != c.org || got.SNILS != c.snils {
				t.Errorf("read back %+v, %v", got, err)
			}
			created[c.name] = n.ID
		})
	}

	upd := *e
	upd.Position, upd.Email, upd.UpdatedAt = "Президент", "ivanov@example.ru", f.Now.Add(time.Minute)
	if err := db.UpdateEmployee(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Employee(ctx, scopeA, e.ID); err != nil || got.Position != "Президент" || got.Email != upd.Email ||
		!got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Errorf("after update: %+v, %v", got, err)
	}
	if id := created["new СНИЛС"]; id != "" {
		n, err := db.Employee(ctx, scopeA, id)
		if err != nil {
			t.Fatal(err)
		}
		n.SNILS = testdb.HeadSNILS
		if err := db.UpdateEmployee(ctx, n); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("update to a СНИЛС taken in the organization = %v, want ErrDuplicate", err)
		}
	}
	ghost := upd
	ghost.ID = newID()
	wantNoRows(t, "UpdateEmployee of an unknown id", db.UpdateEmployee(ctx, &ghost))
}

func testUsers(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	suffix := newID()

	admin := &model.User{ID: newID(), AccountID: f.AccountA, Login: "admin-" + suffix, FullName: "Орлова Анна",
		Role: model.RoleOrgAdmin, OrganizationIDs: []string{f.BranchOrg, f.HeadOrg}, PasswordHash: "hash-1", CreatedAt: f.Now}
	employee := &model.User{ID: newID(), AccountID: f.AccountA, Login: "ivanov-" + suffix, FullName: "Иванов Иван",
		Role: model.RoleEmployee, EmployeeID: f.HeadEmployee, Disabled: true, PasswordHash: "hash-2", CreatedAt: f.Now}
	operator := &model.User{ID: newID(), Login: "operator-" + suffix, FullName: "Оператор УЦ", Role: model.RoleOperator,
		PasswordHash: "hash-3", CreatedAt: f.Now}
	other := &model.User{ID: newID(), AccountID: f.AccountB, Login: "b-" + suffix, FullName: "Сидоров", Role: model.RoleAccountAdmin,
		PasswordHash: "hash-4", CreatedAt: f.Now}
	for _, u := range []*model.User{admin, employee, operator, other} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser %s: %v", u.Login, err)
		}
	}

	for _, c := range []struct {
		name      string
		u         *model.User
		wantOrgs  []string
		wantEmpID string
	}{
		{"org admin with two organizations", admin, sorted(f.HeadOrg, f.BranchOrg), ""},
		{"disabled employee user", employee, []string{}, f.HeadEmployee},
		{"operator without account", operator, []string{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for how, get := range map[string]func() (*model.User, error){
				"UserByLogin": func() (*model.User, error) { return db.UserByLogin(ctx, c.u.Login) },
				"User":        func() (*model.User, error) { return db.User(ctx, c.u.AccountID, c.u.ID) },
				"User(any)":   func() (*model.User, error) { return db.User(ctx, "", c.u.ID) },
			} {
				got, err := get()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				w := *c.u
				w.OrganizationIDs = c.wantOrgs
				if !reflect.DeepEqual(*got, w) {
					t.Errorf("%s =\n%+v, want\n%+v", how, *got, w)
				}
			}
		})
	}

	_, err := db.User(ctx, f.AccountB, admin.ID)
	wantNoRows(t, "User of account A asked for in account B", err)
	_, err = db.UserByLogin(ctx, "nobody-"+suffix)
	wantNoRows(t, "unknown login", err)

	users, err := db.Users(ctx, f.AccountA)
	if err != nil {
		t.Fatal(err)
	}
	logins := idsOf(users, func(u *model.User) string { return u.Login })
	if !slices.Equal(logins, sorted(admin.Login, employee.Login)) {
		t.Errorf("Users(A) = %v, want A's two users by login", logins)
	}
	if i := slices.Index(logins, admin.Login); i >= 0 && !slices.Equal(users[i].OrganizationIDs, sorted(f.HeadOrg, f.BranchOrg)) {
		t.Errorf("Users(A) gives the admin organizations %v", users[i].OrganizationIDs)
	}
	all, err := db.Users(ctx, "")
	if err != nil || len(only(idsOf(all, func(u *model.User) string { return u.ID }), admin.ID, employee.ID, operator.ID, other.ID)) != 4 {
		t.Errorf("Users(\"\") misses some of this test's users: %v", err)
	}

	dup := &model.User{ID: newID(), AccountID: f.AccountB, Login: admin.Login, FullName: "Дубль", Role: model.RoleManager,
		PasswordHash: "x", CreatedAt: f.Now}
	if err := db.CreateUser(ctx, dup); !errors.Is(err, storage.ErrDuplicate) {
		t.Errorf("CreateUser with a taken login = %v, want ErrDuplicate", err)
	}
	// A user whose scope names an organization that does not exist fails as a whole: no user row is left.
	broken := &model.User{ID: newID(), AccountID: f.AccountA, Login: "broken-" + suffix, FullName: "Сломанный",
		Role: model.RoleOrgAdmin, OrganizationIDs: []string{f.HeadOrg, newID()}, PasswordHash: "x", CreatedAt: f.Now}
	if err := db.CreateUser(ctx, broken); err == nil {
		t.Error("CreateUser with an unknown organization succeeded")
	}
	_, err = db.User(ctx, "", broken.ID)
	wantNoRows(t, "the user whose organization insert failed", err)

	if err := db.SetUserPassword(ctx, admin.ID, "hash-new"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.User(ctx, "", admin.ID); err != nil || got.PasswordHash != "hash-new" {
		t.Errorf("after SetUserPassword: %+v, %v", got, err)
	}
	if got, err := db.User(ctx, "", employee.ID); err != nil || got.PasswordHash != "hash-2" {
		t.Errorf("SetUserPassword changed another user: %+v, %v", got, err)
	}
}

func testSessions(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	u := &model.User{ID: newID(), AccountID: f.AccountA, Login: "session-" + newID(), FullName: "Сессия", Role: model.RoleManager,
		OrganizationIDs: []string{f.HeadOrg}, PasswordHash: "x", CreatedAt: f.Now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	token, expires := "sha256:"+newID(), f.Now.Add(time.Hour)
	if err := db.CreateSession(ctx, token, u.ID, f.Now, expires); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		token string
		now   time.Time
		found bool
	}{
		{"just created", token, f.Now, true},
		{"a microsecond before expiry", token, expires.Add(-time.Microsecond), true},
		{"at expiry", token, expires, false},
		{"long expired", token, expires.Add(24 * time.Hour), false},
		{"unknown token", "sha256:" + newID(), f.Now, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.SessionUser(ctx, c.token, c.now)
			if !c.found {
				wantNoRows(t, "SessionUser", err)
				return
			}
			if err != nil || got.ID != u.ID || !slices.Equal(got.OrganizationIDs, []string{f.HeadOrg}) {
				t.Errorf("SessionUser = %+v, %v", got, err)
			}
		})
	}
	if err := db.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err := db.SessionUser(ctx, token, f.Now)
	wantNoRows(t, "SessionUser after DeleteSession", err)
}

func testAPIKeys(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	k := &model.APIKey{ID: newID(), AccountID: f.AccountA, Name: "1С:Документооборот", Prefix: "kcr_ab12", SecretHash: "sha256:" + newID(),
		OrganizationIDs: []string{f.BranchOrg}, CreatedBy: "user:admin", CreatedAt: f.Now}
	all := &model.APIKey{ID: newID(), AccountID: f.AccountA, Name: "ERP", Prefix: "kcr_cd34", SecretHash: "sha256:" + newID(),
		AllOrgs: true, CreatedBy: "user:admin", CreatedAt: f.Now}
	for _, x := range []*model.APIKey{k, all} {
		if err := db.CreateAPIKey(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.APIKeyBySecretHash(ctx, k.SecretHash)
	if err != nil || !reflect.DeepEqual(*got, *k) {
		t.Errorf("APIKeyBySecretHash =\n%+v, %v; want\n%+v", got, err, k)
	}
	if got, err := db.APIKeyBySecretHash(ctx, all.SecretHash); err != nil || got.ID != all.ID || !got.AllOrgs || len(got.OrganizationIDs) != 0 {
		t.Errorf("all-organizations key = %+v, %v", got, err)
	}
	_, err = db.APIKeyBySecretHash(ctx, "sha256:"+newID())
	wantNoRows(t, "unknown secret", err)
	_, err = db.APIKey(ctx, f.AccountB, k.ID)
	wantNoRows(t, "A's key looked up in B", err)
	keys, err := db.APIKeys(ctx, f.AccountA)
	if err != nil || !slices.Equal(idsOf(keys, func(k *model.APIKey) string { return k.ID }), sorted(k.ID, all.ID)) {
		t.Errorf("APIKeys(A) = %v, %v", keys, err)
	}
	if keys, err := db.APIKeys(ctx, f.AccountB); err != nil || len(keys) != 0 {
		t.Errorf("APIKeys(B) = %v, %v; want none", keys, err)
	}

	// Revocation keeps the first time.
	first := f.Now.Add(time.Hour)
	for i, at := range []time.Time{first, first.Add(time.Hour)} {
		if err := db.RevokeAPIKey(ctx, f.AccountA, k.ID, at); err != nil {
			t.Fatalf("revoke #%d: %v", i+1, err)
		}
		got, err := db.APIKey(ctx, f.AccountA, k.ID)
		if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
			t.Errorf("after revoke #%d RevokedAt = %v, %v; want %v", i+1, got.RevokedAt, err, first)
		}
	}
	wantNoRows(t, "revoking A's key as B", db.RevokeAPIKey(ctx, f.AccountB, all.ID, first))
	if got, _ := db.APIKey(ctx, f.AccountA, all.ID); got == nil || got.RevokedAt != nil {
		t.Errorf("B revoked A's key: %+v", got)
	}

	// TouchAPIKey writes at most once a minute.
	t0 := f.Now.Add(2 * time.Hour)
	for _, c := range []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"first use", t0, t0},
		{"30 s later: not written", t0.Add(30 * time.Second), t0},
		{"exactly a minute later: not written", t0.Add(time.Minute), t0},
		{"61 s later: written", t0.Add(61 * time.Second), t0.Add(61 * time.Second)},
		{"an older time: not written", t0, t0.Add(61 * time.Second)},
	} {
		if err := db.TouchAPIKey(ctx, all.ID, c.at); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := db.APIKey(ctx, f.AccountA, all.ID)
		if err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(c.want) {
			t.Errorf("%s: LastUsedAt = %v, %v; want %v", c.name, got.LastUsedAt, err, c.want)
		}
	}
	if got, _ := db.APIKey(ctx, f.AccountA, k.ID); got == nil || got.LastUsedAt != nil {
		t.Errorf("TouchAPIKey touched another key: %+v", got)
	}
}

func testApplications(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}

	a, err := db.Application(ctx, scopeA, f.HeadApp)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Application{ID: f.HeadApp, AccountID: f.AccountA, OrganizationID: f.HeadOrg, OrganizationName: testdb.HeadName,
		EmployeeID: f.HeadEmployee, EmployeeName: "Иванов Иван Иванович", Kind: model.KindHead, State: model.StateDraft,
		CreatedBy: "user:fixture", CreatedAt: f.Now, UpdatedAt: f.Now}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("Application =\n%+v, want\n%+v", *a, want)
	}
	_, err = db.Application(ctx, scopeA, newID())
	wantNoRows(t, "unknown application", err)

	reissue := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: f.HeadOrg, EmployeeID: f.HeadEmployee,
		Kind: model.KindHead, State: model.StateDraft, ReissueOf: "7C0A11", CreatedBy: "api_key:x", CreatedAt: f.Now, UpdatedAt: f.Now}
	if err := db.CreateApplication(ctx, reissue); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Application(ctx, scopeA, reissue.ID); err != nil || got.ReissueOf != "7C0A11" || got.CreatedBy != "api_key:x" {
		t.Errorf("reissue application = %+v, %v", got, err)
	}

	// SaveApplication: the optimistic check on the state.
	csr := []byte{0x30, 0x82, 0x01, 0x0a, 0x00, 0xff}
	uploaded, verified := f.Now.Add(time.Minute), f.Now.Add(2*time.Minute)
	for _, c := range []struct {
		name      string
		from      model.State
		change    func(a *model.Application)
		wantOK    bool
		wantState model.State
	}{
		{"draft → documents with a CSR", model.StateDraft, func(a *model.Application) {
			a.State, a.CSR, a.CSRUploadedAt = model.StateDocuments, csr, &uploaded
		}, true, model.StateDocuments},
		{"a stale draft → cancelled loses", model.StateDraft, func(a *model.Application) {
			a.State, a.Note = model.StateCancelled, "stale"
		}, false, model.StateDocuments},
		{"documents → identity verification", model.StateDocuments, func(a *model.Application) {
			a.State = model.StateIdentityVerification
			a.Verification = &model.Verification{Method: model.VerifiedInPersonWorkplace, Document: "passport_rf 4510 123456",
				VerifiedBy: "user:registrar", VerifiedAt: verified}
		}, true, model.StateIdentityVerification},
		{"from a state it is not in", model.StateApproved, func(a *model.Application) {
			a.State, a.Note = model.StateIssued, "wrong"
		}, false, model.StateIdentityVerification},
	} {
		t.Run("save/"+c.name, func(t *testing.T) {
			cur, err := db.Application(ctx, scopeA, f.HeadApp)
			if err != nil {
				t.Fatal(err)
			}
			next := *cur
			c.change(&next)
			next.UpdatedAt = cur.UpdatedAt.Add(time.Second)
			ok, err := db.SaveApplication(ctx, &next, c.from)
			if err != nil || ok != c.wantOK {
				t.Fatalf("SaveApplication = %v, %v; want %v", ok, err, c.wantOK)
			}
			got, err := db.Application(ctx, scopeA, f.HeadApp)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != c.wantState {
				t.Errorf("state = %s, want %s", got.State, c.wantState)
			}
			if !c.wantOK && !reflect.DeepEqual(got, cur) {
				t.Errorf("a losing save changed the row:\n%+v\nwas\n%+v", got, cur)
			}
			if c.wantOK && !got.UpdatedAt.Equal(next.UpdatedAt) {
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, next.UpdatedAt)
			}
		})
	}
	got, err := db.Application(ctx, scopeA, f.HeadApp)
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasCSR || !bytes.Equal(got.CSR, csr) || got.CSRUploadedAt == nil || !got.CSRUploadedAt.Equal(uploaded) ||
		got.Verification == nil || *got.Verification != (model.Verification{Method: model.VerifiedInPersonWorkplace,
		Document: "passport_rf 4510 123456", VerifiedBy: "user:registrar", VerifiedAt: verified}) {
		t.Errorf("after the saves: %+v (verification %+v)", got, got.Verification)
	}
	ghost := *got
	ghost.ID = newID()
	if ok, err := db.SaveApplication(ctx, &ghost, got.State); ok || err != nil {
		t.Errorf("SaveApplication of an unknown id = %v, %v; want false, nil", ok, err)
	}

	// Concurrent actions from the same state: exactly one wins.
	const racers = 6
	var wins sync.WaitGroup
	results := make(chan string, racers)
	for i := range racers {
		wins.Add(1)
		go func() {
			defer wins.Done()
			next := *got
			next.State, next.Note = model.StateApproved, fmt.Sprintf("racer %d", i)
			ok, err := db.SaveApplication(context.Background(), &next, model.StateIdentityVerification)
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
			if ok {
				results <- next.Note
			}
		}()
	}
	wins.Wait()
	close(results)
	var winners []string
	for r := range results {
		winners = append(winners, r)
	}
	if final, err := db.Application(ctx, scopeA, f.HeadApp); len(winners) != 1 || err != nil || final.Note != winners[0] ||
		final.State != model.StateApproved {
		t.Errorf("concurrent saves: winners %v, final %+v, %v; want exactly one winner whose note is stored", winners, final, err)
	}

	// Transitions come back in the order they were added, whatever their times, and per application.
	steps := []model.Transition{
		{Action: "submit", From: model.StateDraft, To: model.StateDocuments, Actor: "user:a", At: f.Now.Add(3 * time.Minute)},
		{Action: "verify", From: model.StateDocuments, To: model.StateIdentityVerification, Actor: "user:r", At: f.Now.Add(2 * time.Minute), Note: "паспорт"},
		{Action: "approve", From: model.StateIdentityVerification, To: model.StateApproved, Actor: "user:r", At: f.Now.Add(time.Minute)},
	}
	for i, s := range steps {
		if err := db.AddTransition(ctx, f.HeadApp, s); err != nil {
			t.Fatal(err)
		}
		if err := db.AddTransition(ctx, f.BranchApp, model.Transition{Action: fmt.Sprintf("other-%d", i), From: "a", To: "b", Actor: "x", At: f.Now}); err != nil {
			t.Fatal(err)
		}
	}
	if tr, err := db.Transitions(ctx, f.HeadApp); err != nil || !reflect.DeepEqual(tr, steps) {
		t.Errorf("Transitions =\n%+v, %v; want\n%+v", tr, err, steps)
	}
	if tr, err := db.Transitions(ctx, f.AppB); err != nil || tr == nil || len(tr) != 0 {
		t.Errorf("Transitions of an application without any = %#v, %v; want an empty list", tr, err)
	}
}

func newCert(f *testdb.Fix, org, emp, app string, kind model.CertKind) *model.Certificate {
	return &model.Certificate{Serial: strings.ToUpper(strings.ReplaceAll(newID(), "-", "")), AccountID: accountOf(f, org),
		OrganizationID: org, EmployeeID: emp, ApplicationID: app, Kind: kind, Status: model.CertValid, Issuer: "CN=УЦ КЦР Тест",
		NotBefore: f.Now, NotAfter: f.Now.AddDate(1, 3, 0), DER: []byte{0x30, 0x82, 0x05, 0x00, 0x01}, CreatedAt: f.Now}
}

func accountOf(f *testdb.Fix, org string) string {
	if org == f.OrgB {
		return f.AccountB
	}
	return f.AccountA
}

func testCertificates(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}
	c := newCert(f, f.HeadOrg, f.HeadEmployee, f.HeadApp, model.KindHead)
	plain := newCert(f, f.BranchOrg, f.BranchEmployee, "", model.KindLegalEntityEmployee)
	for _, x := range []*model.Certificate{c, plain} {
		if err := db.CreateCertificate(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Certificate(ctx, scopeA, c.Serial)
	want := *c
	want.OrganizationName, want.EmployeeName = testdb.HeadName, "Иванов Иван Иванович"
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("Certificate =\n%+v, %v; want\n%+v", got, err, want)
	}
	if got, err := db.Certificate(ctx, scopeA, plain.Serial); err != nil || got.ApplicationID != "" || got.EmployeeName != "Петрова Мария Сергеевна" {
		t.Errorf("certificate without application = %+v, %v", got, err)
	}
	dup := newCert(f, f.HeadOrg, f.HeadEmployee, "", model.KindHead)
	dup.Serial = c.Serial
	if err := db.CreateCertificate(ctx, dup); !errors.Is(err, storage.ErrDuplicate) {
		t.Errorf("a second certificate with the same serial = %v, want ErrDuplicate", err)
	}

	revokedAt := f.Now.Add(time.Hour)
	if ok, err := db.RevokeCertificate(ctx, c.Serial, revokedAt.UnixMicro(), "keyCompromise"); err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	// A second revocation changes nothing: the first time and reason stand.
	if ok, err := db.RevokeCertificate(ctx, c.Serial, revokedAt.Add(time.Hour).UnixMicro(), "superseded"); err != nil || ok {
		t.Fatalf("second revoke: %v %v, want false", ok, err)
	}
	if got, err := db.Certificate(ctx, scopeA, c.Serial); err != nil || got.Status != model.CertRevoked || got.RevokedAt == nil ||
		!got.RevokedAt.Equal(revokedAt) || got.RevocationReason != "keyCompromise" {
		t.Errorf("after revocation: %+v, %v", got, err)
	}
	if got, err := db.Certificate(ctx, scopeA, plain.Serial); err != nil || got.Status != model.CertValid || got.RevokedAt != nil {
		t.Errorf("revocation touched another certificate: %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name string
		f    storage.CertFilter
		want []string
	}{
		{"no filter", storage.CertFilter{}, sorted(c.Serial, plain.Serial)},
		{"status revoked", storage.CertFilter{Status: model.CertRevoked}, []string{c.Serial}},
		{"status valid", storage.CertFilter{Status: model.CertValid}, []string{plain.Serial}},
		{"kind", storage.CertFilter{Kind: model.KindHead}, []string{c.Serial}},
		{"ИНН", storage.CertFilter{INN: testdb.HeadINN}, sorted(c.Serial, plain.Serial)},
		{"КПП", storage.CertFilter{KPP: testdb.BranchKPP}, []string{plain.Serial}},
		{"organization name prefix", storage.CertFilter{OrgNamePrefix: "Филиал"}, []string{plain.Serial}},
		{"organization", storage.CertFilter{OrganizationID: f.HeadOrg}, []string{c.Serial}},
		{"employee name prefix", storage.CertFilter{EmployeeNamePrefix: "ПЕТРОВА"}, []string{plain.Serial}},
		{"СНИЛС", storage.CertFilter{SNILS: testdb.HeadSNILS}, []string{c.Serial}},
		{"filters combine", storage.CertFilter{INN: testdb.HeadINN, Status: model.CertValid, Kind: model.KindHead}, []string{}},
	} {
		t.Run("search/"+tc.name, func(t *testing.T) {
			got, _, err := db.Certificates(ctx, scopeA, tc.f, big)
			if err != nil {
				t.Fatal(err)
			}
			if s := certSerials(got); !slices.Equal(s, tc.want) {
				t.Errorf("got %v, want %v", s, tc.want)
			}
		})
	}
}

func testScope(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	certHead := newCert(f, f.HeadOrg, f.HeadEmployee, f.HeadApp, model.KindHead)
	certBranch := newCert(f, f.BranchOrg, f.BranchEmployee, f.BranchApp, model.KindLegalEntityEmployee)
	certB := newCert(f, f.OrgB, f.EmployeeB, f.AppB, model.KindLegalEntityEmployee)
	for _, c := range []*model.Certificate{certHead, certBranch, certB} {
		if err := db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	type rows struct{ orgs, emps, apps, certs []string }
	head := rows{[]string{f.HeadOrg}, []string{f.HeadEmployee}, []string{f.HeadApp}, []string{certHead.Serial}}
	branch := rows{[]string{f.BranchOrg}, []string{f.BranchEmployee}, []string{f.BranchApp}, []string{certBranch.Serial}}
	b := rows{[]string{f.OrgB}, []string{f.EmployeeB}, []string{f.AppB}, []string{certB.Serial}}
	union := func(rs ...rows) rows {
		var u rows
		for _, r := range rs {
			u.orgs, u.emps = append(u.orgs, r.orgs...), append(u.emps, r.emps...)
			u.apps, u.certs = append(u.apps, r.apps...), append(u.certs, r.certs...)
		}
		return u
	}
	everything := union(head, branch, b)

	for _, c := range []struct {
		name     string
		s        storage.Scope
		want     rows
		orgsWant []string // when the organizations visible differ from want.orgs
	}{
		{name: "operator: every account", s: storage.Scope{}, want: everything},
		{name: "account A", s: storage.Scope{AccountID: f.AccountA}, want: union(head, branch)},
		{name: "account B", s: storage.Scope{AccountID: f.AccountB}, want: b},
		{name: "account A, head organization", s: storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}}, want: head},
		{name: "account A, branch", s: storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}}, want: branch},
		{name: "account A, no organizations", s: storage.Scope{AccountID: f.AccountA, OrgIDs: []string{}}},
		{name: "account A naming B's organization", s: storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.OrgB}}},
		{name: "organizations of two accounts, no account", s: storage.Scope{OrgIDs: []string{f.BranchOrg, f.OrgB}}, want: union(branch, b)},
		{name: "one employee", s: storage.Scope{AccountID: f.AccountA, EmployeeID: f.BranchEmployee}, want: branch},
		{name: "one employee of B", s: storage.Scope{AccountID: f.AccountB, EmployeeID: f.EmployeeB}, want: b},
		{name: "account B with A's employee", s: storage.Scope{AccountID: f.AccountB, EmployeeID: f.HeadEmployee}},
		{name: "head organization with the branch's employee", s: storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}, EmployeeID: f.BranchEmployee}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var problems []string
			fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
			check := func(what string, got, universe, want []string) {
				if got, want := sorted(only(got, universe...)...), sorted(want...); !slices.Equal(got, want) {
					fail("%s: got %v, want %v", what, got, want)
				}
			}
			orgs, err := db.Organizations(ctx, c.s, storage.OrgFilter{}, big)
			if err != nil {
				t.Fatal(err)
			}
			check("Organizations", orgIDs(orgs), everything.orgs, c.want.orgs)
			emps, _, err := db.Employees(ctx, c.s, storage.EmployeeFilter{}, big)
			if err != nil {
				t.Fatal(err)
			}
			check("Employees", empIDs(emps), everything.emps, c.want.emps)
			apps, _, err := db.Applications(ctx, c.s, storage.AppFilter{}, big)
			if err != nil {
				t.Fatal(err)
			}
			check("Applications", appIDs(apps), everything.apps, c.want.apps)
			certs, _, err := db.Certificates(ctx, c.s, storage.CertFilter{}, big)
			if err != nil {
				t.Fatal(err)
			}
			check("Certificates", certSerials(certs), everything.certs, c.want.certs)

			// Direct lookups by id: visible exactly when listed.
			lookups := []struct {
				what string
				ids  []string
				want []string
				get  func(id string) error
			}{
				{"Organization", everything.orgs, c.want.orgs, func(id string) error { _, err := db.Organization(ctx, c.s, id); return err }},
				{"Employee", everything.emps, c.want.emps, func(id string) error { _, err := db.Employee(ctx, c.s, id); return err }},
				{"Application", everything.apps, c.want.apps, func(id string) error { _, err := db.Application(ctx, c.s, id); return err }},
				{"Certificate", everything.certs, c.want.certs, func(id string) error { _, err := db.Certificate(ctx, c.s, id); return err }},
			}
			for _, l := range lookups {
				for _, id := range l.ids {
					err := l.get(id)
					switch visible := slices.Contains(l.want, id); {
					case visible && err != nil:
						fail("%s(%s) = %v, want it visible", l.what, id, err)
					case !visible && !storage.IsNoRows(err):
						fail("%s(%s) = %v, want no rows", l.what, id, err)
					}
				}
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

func testApplicationSearch(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	branchApp, err := db.Application(ctx, storage.Scope{}, f.BranchApp)
	if err != nil {
		t.Fatal(err)
	}
	branchApp.State = model.StateDocuments
	if ok, err := db.SaveApplication(ctx, branchApp, model.StateDraft); !ok || err != nil {
		t.Fatalf("SaveApplication = %v, %v", ok, err)
	}
	for _, c := range []struct {
		name string
		f    storage.AppFilter
		want []string
	}{
		{"no filter", storage.AppFilter{}, newestFirst(f.HeadApp, f.BranchApp, f.AppB)},
		{"organization name words", storage.AppFilter{OrgNamePrefix: "ооо ром"}, newestFirst(f.HeadApp, f.BranchApp)},
		{"organization name words, upper case", storage.AppFilter{OrgNamePrefix: "ООО РОМАШКА"}, newestFirst(f.HeadApp, f.BranchApp)},
		{"organization name words, extra spaces", storage.AppFilter{OrgNamePrefix: "  ооо   Ромашка "}, newestFirst(f.HeadApp, f.BranchApp)},
		{"organization name prefix with ё", storage.AppFilter{OrgNamePrefix: "ао василё"}, []string{f.AppB}},
		{"organization name: a word inside", storage.AppFilter{OrgNamePrefix: "ромашка"}, newestFirst(f.HeadApp, f.BranchApp)},
		{"organization name prefix of the branch", storage.AppFilter{OrgNamePrefix: "филиал ооо ромашка в санкт"}, []string{f.BranchApp}},
		{"ИНН", storage.AppFilter{INN: testdb.HeadINN}, newestFirst(f.HeadApp, f.BranchApp)},
		{"КПП", storage.AppFilter{KPP: testdb.BranchKPP}, []string{f.BranchApp}},
		{"ОГРН", storage.AppFilter{OGRN: f.OrgBOGRN}, []string{f.AppB}},
		{"ИНН and КПП", storage.AppFilter{INN: testdb.HeadINN, KPP: testdb.HeadKPP}, []string{f.HeadApp}},
		{"employee name prefix", storage.AppFilter{EmployeeNamePrefix: "петрова м"}, []string{f.BranchApp}},
		{"employee name prefix, upper case", storage.AppFilter{EmployeeNamePrefix: "СИДОРОВ ПЁТР"}, []string{f.AppB}},
		{"employee name: given name", storage.AppFilter{EmployeeNamePrefix: "мария"}, []string{f.BranchApp}},
		{"СНИЛС", storage.AppFilter{SNILS: testdb.HeadSNILS}, []string{f.HeadApp}},
		{"state", storage.AppFilter{State: model.StateDocuments}, []string{f.BranchApp}},
		{"state draft", storage.AppFilter{State: model.StateDraft}, newestFirst(f.HeadApp, f.AppB)},
		{"kind", storage.AppFilter{Kind: model.KindHead}, []string{f.HeadApp}},
		{"organization", storage.AppFilter{OrganizationID: f.OrgB}, []string{f.AppB}},
		{"employee", storage.AppFilter{EmployeeID: f.BranchEmployee}, []string{f.BranchApp}},
		{"filters combine", storage.AppFilter{INN: testdb.HeadINN, State: model.StateDraft, Kind: model.KindLegalEntityEmployee}, []string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The operator's scope, so cross-account matches would show; other fixtures' rows are filtered out.
			got, _, err := db.Applications(ctx, storage.Scope{}, c.f, big)
			if err != nil {
				t.Fatal(err)
			}
			if ids := only(appIDs(got), f.HeadApp, f.BranchApp, f.AppB); !slices.Equal(ids, c.want) {
				t.Errorf("got %v, want %v", ids, c.want)
			}
		})
	}
}

// pageAll walks a list page by page through opaque cursors and returns the keys in the order seen.
func pageAll[T any](t *testing.T, limit int, fetch func(storage.Page) ([]T, []string, error), key func(T) string, between func(page int)) []string {
	t.Helper()
	var out []string
	p := storage.Page{Limit: limit}
	for n := 0; ; n++ {
		if n > 1000 {
			t.Fatal("pagination does not end")
		}
		rows, keys, err := fetch(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > limit || len(keys) != len(rows) {
			t.Fatalf("page of %d rows and %d keys, limit %d", len(rows), len(keys), limit)
		}
		for _, r := range rows {
			out = append(out, key(r))
		}
		if len(rows) < limit {
			return out
		}
		cursor := storage.EncodeCursor(keys[len(keys)-1])
		after, ok := storage.DecodeCursor(cursor)
		if !ok || after != keys[len(keys)-1] {
			t.Fatalf("cursor %q decodes to %q, %v", cursor, after, ok)
		}
		p.After = after
		if between != nil {
			between(n)
		}
	}
}

func testPagination(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}
	r := rand.New(rand.NewPCG(5, 5))

	apps := []string{f.HeadApp, f.BranchApp}
	headKind := []string{f.HeadApp}
	for i := range 23 {
		kind := model.KindLegalEntityEmployee
		if i%3 == 0 {
			kind = model.KindHead
		}
		a := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: f.HeadOrg, EmployeeID: f.HeadEmployee,
			Kind: kind, State: model.StateDraft, CreatedBy: "user:p", CreatedAt: f.Now, UpdatedAt: f.Now}
		if err := db.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a.ID)
		if kind == model.KindHead {
			headKind = append(headKind, a.ID)
		}
	}
	emps := []string{f.HeadEmployee, f.BranchEmployee}
	for range 9 {
		e := &model.Employee{ID: newID(), AccountID: f.AccountA, OrganizationID: f.HeadOrg, Surname: "Смирнов", GivenName: "Олег",
			BirthDate: "1990-01-01", SNILS: requisites.GenerateSNILS(r), CreatedAt: f.Now, UpdatedAt: f.Now}
		if err := db.CreateEmployee(ctx, e); err != nil {
			t.Fatal(err)
		}
		emps = append(emps, e.ID)
	}
	orgs := []string{f.HeadOrg, f.BranchOrg}
	for i := range 5 {
		o := &model.Organization{ID: newID(), AccountID: f.AccountA, ParentID: f.HeadOrg, Kind: model.OrgBranch, Sector: model.SectorCommercial,
			Name: fmt.Sprintf("Филиал №%d", i+2), INN: testdb.HeadINN, KPP: fmt.Sprintf("77364300%d", i+2), OGRN: testdb.HeadOGRN,
			Address: "—", Region: "77", CreatedAt: f.Now, UpdatedAt: f.Now}
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}

	for _, limit := range []int{1, 4, 7, 25, 26, 100} {
		t.Run(fmt.Sprintf("applications, %d a page", limit), func(t *testing.T) {
			got := pageAll(t, limit, func(p storage.Page) ([]*model.Application, []string, error) {
				return db.Applications(ctx, scopeA, storage.AppFilter{}, p)
			}, func(a *model.Application) string { return a.ID }, nil)
			if want := newestFirst(apps...); !slices.Equal(got, want) {
				t.Errorf("paged through\n%v\nwant (newest first, each once)\n%v", got, want)
			}
			if limit == 1 && len(got) > 0 && got[0] != apps[len(apps)-1] {
				t.Errorf("first page starts with %s, want the newest %s", got[0], apps[len(apps)-1])
			}
		})
	}
	t.Run("applications filtered by kind", func(t *testing.T) {
		got := pageAll(t, 3, func(p storage.Page) ([]*model.Application, []string, error) {
			return db.Applications(ctx, scopeA, storage.AppFilter{Kind: model.KindHead}, p)
		}, func(a *model.Application) string { return a.ID }, nil)
		if want := newestFirst(headKind...); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("applications created while paging", func(t *testing.T) {
		var added []string
		got := pageAll(t, 5, func(p storage.Page) ([]*model.Application, []string, error) {
			return db.Applications(ctx, scopeA, storage.AppFilter{}, p)
		}, func(a *model.Application) string { return a.ID }, func(int) {
			a := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: f.BranchOrg, EmployeeID: f.BranchEmployee,
				Kind: model.KindIndividual, State: model.StateDraft, CreatedBy: "user:p", CreatedAt: f.Now, UpdatedAt: f.Now}
			if err := db.CreateApplication(ctx, a); err != nil {
				t.Fatal(err)
			}
			added = append(added, a.ID)
		})
		if want := newestFirst(apps...); !slices.Equal(got, want) {
			t.Errorf("newer rows shifted the walk: got %v, want %v", got, want)
		}
		if len(added) == 0 {
			t.Error("nothing was added between pages")
		}
	})
	t.Run("employees, 4 a page", func(t *testing.T) {
		got := pageAll(t, 4, func(p storage.Page) ([]*model.Employee, []string, error) {
			return db.Employees(ctx, scopeA, storage.EmployeeFilter{}, p)
		}, func(e *model.Employee) string { return e.ID }, nil)
		if want := sorted(emps...); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("organizations, 3 a page", func(t *testing.T) {
		got := pageAll(t, 3, func(p storage.Page) ([]*model.Organization, []string, error) {
			rows, err := db.Organizations(ctx, scopeA, storage.OrgFilter{}, p)
			return rows, orgIDs(rows), err
		}, func(o *model.Organization) string { return o.ID }, nil)
		if want := sorted(orgs...); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("certificates, 2 a page", func(t *testing.T) {
		var serials []string
		for i := range 5 {
			c := newCert(f, f.HeadOrg, f.HeadEmployee, apps[i], model.KindHead)
			if err := db.CreateCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
			serials = append(serials, c.Serial)
		}
		got := pageAll(t, 2, func(p storage.Page) ([]*model.Certificate, []string, error) {
			return db.Certificates(ctx, scopeA, storage.CertFilter{}, p)
		}, func(c *model.Certificate) string { return c.Serial }, nil)
		if want := sorted(serials...); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("cursors", func(t *testing.T) {
		for _, c := range []struct {
			in     string
			key    string
			wantOK bool
		}{
			{"", "", true},
			{storage.EncodeCursor("0190b1c2-0000-7000-8000-000000000000"), "0190b1c2-0000-7000-8000-000000000000", true},
			{storage.EncodeCursor("ключ"), "ключ", true},
			{"not base64!", "", false},
			{"azE", "", false}, // "k1:" alone, base64
			{"eDE6YWJj", "", false},
		} {
			key, ok := storage.DecodeCursor(c.in)
			if ok != c.wantOK || (ok && key != c.key) {
				t.Errorf("DecodeCursor(%q) = %q, %v; want %q, %v", c.in, key, ok, c.key, c.wantOK)
			}
		}
		if storage.EncodeCursor("") != "" {
			t.Error(`EncodeCursor("") is not ""`)
		}
	})
}

func testIdempotency(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	principal, key := "api_key:"+newID(), "idem-"+newID()
	r := &storage.IdempotentResponse{Method: "POST", Path: "/api/v1/applications", RequestHash: "sha256:aa",
		Status: 201, ContentType: "application/json", Body: []byte(`{"id":"заявка"}`)}
	if err := db.SaveIdempotentResponse(ctx, principal, key, r, f.Now.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	if got, err := db.IdempotentResponse(ctx, principal, key); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("IdempotentResponse = %+v, %v; want %+v", got, err, r)
	}
	second := *r
	second.Body, second.Status = []byte(`{"id":"другая"}`), 200
	if err := db.SaveIdempotentResponse(ctx, principal, key, &second, f.Now.UnixMicro()); !errors.Is(err, storage.ErrDuplicate) {
		t.Errorf("saving the same key twice = %v, want ErrDuplicate", err)
	}
	if got, err := db.IdempotentResponse(ctx, principal, key); err != nil || !bytes.Equal(got.Body, r.Body) {
		t.Errorf("the duplicate overwrote the stored answer: %+v, %v", got, err)
	}
	if err := db.SaveIdempotentResponse(ctx, "user:"+newID(), key, &second, f.Now.UnixMicro()); err != nil {
		t.Errorf("the same key for another principal = %v, want nil", err)
	}
	_, err := db.IdempotentResponse(ctx, principal, "idem-"+newID())
	wantNoRows(t, "unknown key", err)

	// The duplicate inside a request's transaction rolls that request's work back.
	app := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: f.HeadOrg, EmployeeID: f.HeadEmployee,
		Kind: model.KindHead, State: model.StateDraft, CreatedBy: principal, CreatedAt: f.Now, UpdatedAt: f.Now}
	err = db.InTx(ctx, func(ctx context.Context) error {
		if err := db.CreateApplication(ctx, app); err != nil {
			return err
		}
		return db.SaveIdempotentResponse(ctx, principal, key, &second, f.Now.UnixMicro())
	})
	if !errors.Is(err, storage.ErrDuplicate) {
		t.Errorf("InTx = %v, want ErrDuplicate", err)
	}
	_, err = db.Application(ctx, storage.Scope{}, app.ID)
	wantNoRows(t, "the application of the request that lost the idempotency race", err)
}

func testTransactions(t *testing.T, db *storage.DB) {
	// Bounded: a transaction left open by InTx would otherwise block the next writer forever.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	f := testdb.Fixture(t, db)
	errBoom := errors.New("boom")

	type written struct{ org, emp, app, principal, key string }
	// write inserts one of everything a request may write: organization, employee, application, its
	// transition, an audit event with its feed event, and the idempotency record.
	write := func(ctx context.Context, i int) (written, error) {
		w := written{org: newID(), emp: newID(), app: newID(), principal: "user:" + newID(), key: "k"}
		steps := []func() error{
			func() error {
				return db.CreateOrganization(ctx, &model.Organization{ID: w.org, AccountID: f.AccountA, ParentID: f.HeadOrg,
					Kind: model.OrgBranch, Sector: model.SectorCommercial, Name: "Филиал в Твери", INN: testdb.HeadINN,
					KPP: fmt.Sprintf("69504300%d", i), OGRN: testdb.HeadOGRN, Address: "г. Тверь", Region: "69", CreatedAt: f.Now, UpdatedAt: f.Now})
			},
			func() error {
				return db.CreateEmployee(ctx, &model.Employee{ID: w.emp, AccountID: f.AccountA, OrganizationID: w.org, Surname: "Новиков",
					GivenName: "Ян", BirthDate: "1999-09-09", SNILS: testdb.HeadSNILS, CreatedAt: f.Now, UpdatedAt: f.Now})
			},
			func() error {
				return db.CreateApplication(ctx, &model.Application{ID: w.app, AccountID: f.AccountA, OrganizationID: w.org,
					EmployeeID: w.emp, Kind: model.KindLegalEntityEmployee, State: model.StateDraft, CreatedBy: w.principal,
					CreatedAt: f.Now, UpdatedAt: f.Now})
			},
			func() error {
				return db.AddTransition(ctx, w.app, model.Transition{Action: "create", To: model.StateDraft, Actor: w.principal, At: f.Now})
			},
			func() error {
				return db.AppendAudit(ctx, &audit.Event{At: f.Now, Actor: w.principal, Action: "application.create", ObjectType: "application",
					ObjectID: w.app, AccountID: f.AccountA, OrganizationID: w.org},
					&model.FeedEvent{Type: "application.created", AccountID: f.AccountA, OrganizationID: w.org, ObjectID: w.app})
			},
			func() error {
				return db.SaveIdempotentResponse(ctx, w.principal, w.key, &storage.IdempotentResponse{Method: "POST", Path: "/x",
					Status: 201, ContentType: "application/json", Body: []byte("{}")}, f.Now.UnixMicro())
			},
		}
		for _, s := range steps {
			if err := s(); err != nil {
				return w, err
			}
		}
		return w, nil
	}
	// present counts which of the six writes are visible.
	present := func(t *testing.T, w written) int {
		t.Helper()
		n := 0
		check := func(err error) {
			t.Helper()
			switch {
			case err == nil:
				n++
			case !storage.IsNoRows(err):
				t.Errorf("lookup: %v", err)
			}
		}
		_, err := db.Organization(ctx, storage.Scope{}, w.org)
		check(err)
		_, err = db.Employee(ctx, storage.Scope{}, w.emp)
		check(err)
		_, err = db.Application(ctx, storage.Scope{}, w.app)
		check(err)
		if tr, err := db.Transitions(ctx, w.app); err != nil {
			t.Error(err)
		} else if len(tr) > 0 {
			n++
		}
		if ev, err := db.FeedEvents(ctx, storage.Scope{AccountID: f.AccountA, OrgIDs: []string{w.org}}, 0, 10); err != nil {
			t.Error(err)
		} else if len(ev) > 0 {
			n++
		}
		_, err = db.IdempotentResponse(ctx, w.principal, w.key)
		check(err)
		if ev, err := db.AuditEvents(ctx, "application", w.app); err != nil {
			t.Error(err)
		} else if len(ev) > 0 {
			n++
		}
		return n
	}

	cases := []struct {
		name      string
		run       func(ctx context.Context, i int, w *written) error
		wantPanic bool
		wantErr   error
		wantRows  int
	}{
		{name: "an error after the inserts leaves nothing", wantErr: errBoom, run: func(ctx context.Context, i int, w *written) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				var err error
				if *w, err = write(ctx, i); err != nil {
					return err
				}
				return errBoom
			})
		}},
		{name: "a panic after the inserts leaves nothing", wantPanic: true, run: func(ctx context.Context, i int, w *written) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				var err error
				if *w, err = write(ctx, i); err != nil {
					return err
				}
				panic("crash in the middle of a request")
			})
		}},
		{name: "an error from a nested InTx undoes the outer work", wantErr: errBoom, run: func(ctx context.Context, i int, w *written) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				return db.InTx(ctx, func(ctx context.Context) error {
					var err error
					if *w, err = write(ctx, i); err != nil {
						return err
					}
					return errBoom
				})
			})
		}},
		{name: "a nested InTx commits only with the outer one", wantErr: errBoom, run: func(ctx context.Context, i int, w *written) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				if err := db.InTx(ctx, func(ctx context.Context) error {
					var err error
					*w, err = write(ctx, i)
					return err
				}); err != nil {
					return err
				}
				return errBoom
			})
		}},
		{name: "success commits everything", wantRows: 7, run: func(ctx context.Context, i int, w *written) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				var err error
				*w, err = write(ctx, i)
				return err
			})
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := db.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var w written
			var panicked any
			func() {
				defer func() { panicked = recover() }()
				err = c.run(ctx, i, &w)
			}()
			if c.wantPanic != (panicked != nil) {
				t.Fatalf("panic = %v, want a panic: %v", panicked, c.wantPanic)
			}
			if !c.wantPanic && !errors.Is(err, c.wantErr) {
				t.Fatalf("InTx = %v, want %v", err, c.wantErr)
			}
			if w.app == "" {
				t.Fatal("the writes did not run")
			}
			if n := present(t, w); n != c.wantRows {
				t.Errorf("%d of the 7 writes are visible, want %d", n, c.wantRows)
			}
			after, err := db.VerifyAudit(ctx)
			wantAfter := before
			if c.wantRows > 0 {
				wantAfter++
			}
			if err != nil || after != wantAfter {
				t.Errorf("audit chain after: %d events, %v; want %d, nil", after, err, wantAfter)
			}
			// The database is usable afterwards: no transaction (or SQLite write lock) was left open.
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := db.CreateAccount(wctx, &model.Account{ID: newID(), Name: "после", CreatedAt: f.Now}); err != nil {
				t.Errorf("a write after the transaction: %v", err)
			}
		})
	}
}

func testFeed(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	type ev struct {
		account, org, typ, object string
		feed                      bool
	}
	events := []ev{
		{f.AccountA, f.HeadOrg, "application.created", f.HeadApp, true},
		{f.AccountA, f.HeadOrg, "employee.read", f.HeadEmployee, false},
		{f.AccountA, f.BranchOrg, "application.created", f.BranchApp, true},
		{f.AccountB, f.OrgB, "application.created", f.AppB, true},
		{f.AccountA, f.HeadOrg, "application.approved", f.HeadApp, true},
	}
	seqs := make([]int64, len(events))
	for i, e := range events {
		a := &audit.Event{At: f.Now.Add(time.Duration(i) * time.Second), Actor: "user:registrar", Action: e.typ,
			ObjectType: strings.Split(e.typ, ".")[0], ObjectID: e.object, AccountID: e.account, OrganizationID: e.org,
			Detail: map[string]any{"i": float64(i), "note": "заметка"}}
		var fe *model.FeedEvent
		if e.feed {
			fe = &model.FeedEvent{Type: e.typ, AccountID: e.account, OrganizationID: e.org, ObjectID: e.object,
				Data: map[string]any{"state": "draft", "i": float64(i)}}
		}
		appendChained(t, db, a, fe)
		if i > 0 && a.Seq <= seqs[i-1] {
			t.Errorf("audit seq %d after %d", a.Seq, seqs[i-1])
		}
		if fe != nil && fe.Seq != a.Seq {
			t.Errorf("feed seq %d, audit seq %d; want equal", fe.Seq, a.Seq)
		}
		seqs[i] = a.Seq
	}

	for _, c := range []struct {
		name  string
		s     storage.Scope
		after int64
		limit int
		want  []int // indexes into events
	}{
		{"account A", storage.Scope{AccountID: f.AccountA}, 0, 100, []int{0, 2, 4}},
		{"account A, branch only", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}}, 0, 100, []int{2}},
		{"account A, head only", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.HeadOrg}}, 0, 100, []int{0, 4}},
		{"account A, no organizations", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{}}, 0, 100, nil},
		{"account A naming B's organization", storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.OrgB}}, 0, 100, nil},
		{"account B", storage.Scope{AccountID: f.AccountB}, 0, 100, []int{3}},
		{"an employee sees no feed", storage.Scope{AccountID: f.AccountA, EmployeeID: f.HeadEmployee}, 0, 100, nil},
		{"after the first event", storage.Scope{AccountID: f.AccountA}, seqs[0], 100, []int{2, 4}},
		{"limit", storage.Scope{AccountID: f.AccountA}, 0, 2, []int{0, 2}},
		{"operator, from just before", storage.Scope{}, seqs[0] - 1, 100, []int{0, 2, 3, 4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.FeedEvents(ctx, c.s, c.after, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d events %+v, want %d", len(got), got, len(c.want))
			}
			for j, i := range c.want {
				e, g := events[i], got[j]
				if g.Seq != seqs[i] || g.Type != e.typ || g.ObjectID != e.object || g.AccountID != e.account ||
					g.OrganizationID != e.org || !g.At.Equal(f.Now.Add(time.Duration(i)*time.Second)) ||
					!reflect.DeepEqual(g.Data, map[string]any{"state": "draft", "i": float64(i)}) {
					t.Errorf("event %d = %+v, want #%d %+v at seq %d", j, g, i, e, seqs[i])
				}
			}
		})
	}

	trail, err := db.AuditEvents(ctx, "application", f.HeadApp)
	if err != nil || len(trail) != 2 {
		t.Fatalf("AuditEvents = %v, %v; want the two events about the head application", trail, err)
	}
	for j, i := range []int{0, 4} {
		g := trail[j]
		if g.Seq != seqs[i] || g.Action != events[i].typ || g.Actor != "user:registrar" || g.Hash == "" || g.PrevHash == g.Hash ||
			!reflect.DeepEqual(g.Detail, map[string]any{"i": float64(i), "note": "заметка"}) {
			t.Errorf("audit event %d = %+v", j, g)
		}
	}
}

// testBroadSearch covers searches whose organization or employee filter matches more rows than storage
// expands key by key (it then walks the table in page order instead), next to narrow ones, with paging.
func testBroadSearch(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	r := rand.New(rand.NewPCG(3, 14))
	const many = 230 // more than storage's per-key expansion limit
	var orgs, emps []string
	for i := range many {
		o := &model.Organization{ID: newID(), AccountID: f.AccountA, ParentID: f.HeadOrg, Kind: model.OrgBranch,
			Sector: model.SectorCommercial, Name: fmt.Sprintf("ООО Вектор-%d", i), INN: testdb.HeadINN,
			KPP: fmt.Sprintf("7736%05d", 10000+i), OGRN: testdb.HeadOGRN, Address: "—", Region: "77", CreatedAt: f.Now, UpdatedAt: f.Now}
		e := &model.Employee{ID: newID(), AccountID: f.AccountA, OrganizationID: f.HeadOrg, Surname: "Волков",
			GivenName: fmt.Sprintf("Илья%d", i), BirthDate: "1980-01-01", SNILS: requisites.GenerateSNILS(r), CreatedAt: f.Now, UpdatedAt: f.Now}
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateEmployee(ctx, e); err != nil {
			t.Fatal(err)
		}
		orgs, emps = append(orgs, o.ID), append(emps, e.ID)
	}
	// Applications: every 10th organization (with the head's employee) and every 15th employee (in the head).
	var byOrg, byEmp, byOrg1x []string
	appOfOrg := map[int]string{} // organization index → its application
	for i := range many {
		for _, c := range []struct {
			ok       bool
			org, emp string
			list     *[]string
		}{{i%10 == 0, orgs[i], f.HeadEmployee, &byOrg}, {i%15 == 0, f.HeadOrg, emps[i], &byEmp}} {
			if !c.ok {
				continue
			}
			a := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: c.org, EmployeeID: c.emp,
				Kind: model.KindLegalEntityEmployee, State: model.StateDraft, CreatedBy: "user:s", CreatedAt: f.Now, UpdatedAt: f.Now}
			if err := db.CreateApplication(ctx, a); err != nil {
				t.Fatal(err)
			}
			*c.list = append(*c.list, a.ID)
			if c.list == &byOrg && strings.HasPrefix(fmt.Sprint(i), "1") {
				byOrg1x = append(byOrg1x, a.ID)
			}
			if c.list == &byOrg {
				appOfOrg[i] = a.ID
			}
		}
	}
	firstOrgs := func(n int) (storage.Scope, []string) {
		var apps []string
		for i := range n {
			if id, ok := appOfOrg[i]; ok {
				apps = append(apps, id)
			}
		}
		return storage.Scope{AccountID: f.AccountA, OrgIDs: orgs[:n]}, apps
	}
	scope210, want210 := firstOrgs(210)
	scope200, want200 := firstOrgs(200)
	scopeA := storage.Scope{AccountID: f.AccountA}
	for _, c := range []struct {
		name string
		s    storage.Scope
		f    storage.AppFilter
		want []string
	}{
		{"many organizations by name", scopeA, storage.AppFilter{OrgNamePrefix: "ооо вектор-"}, byOrg},
		{"fewer organizations by name", scopeA, storage.AppFilter{OrgNamePrefix: "ООО Вектор-1"}, byOrg1x},
		{"many organizations by ИНН", scopeA, storage.AppFilter{INN: testdb.HeadINN, OrgNamePrefix: "ооо вект"}, byOrg},
		{"many employees by name", scopeA, storage.AppFilter{EmployeeNamePrefix: "волков"}, byEmp},
		{"many employees and organizations", scopeA, storage.AppFilter{EmployeeNamePrefix: "волков", INN: testdb.HeadINN}, byEmp},
		{"many organizations, scope of 210 of them", scope210, storage.AppFilter{OrgNamePrefix: "ооо вектор"}, want210},
		{"200 organizations, scope of 200", scope200, storage.AppFilter{OrgNamePrefix: "ооо вектор"}, want200},
		{"many organizations, another account", storage.Scope{AccountID: f.AccountB}, storage.AppFilter{OrgNamePrefix: "ооо вектор"}, nil},
		{"many employees, another account", storage.Scope{AccountID: f.AccountB}, storage.AppFilter{EmployeeNamePrefix: "волков"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The default order, and a chosen one (all rows were created at once: the id breaks the tie).
			for _, o := range []struct {
				order storage.Order
				want  []string
			}{{storage.Order{}, newestFirst(c.want...)}, {storage.Order{By: "created"}, sorted(c.want...)},
				{storage.Order{By: "updated", Desc: true}, newestFirst(c.want...)}} {
				for _, limit := range []int{4, 1000} {
					got := pageAll(t, limit, func(p storage.Page) ([]*model.Application, []string, error) {
						p.Order = o.order
						return db.Applications(ctx, c.s, c.f, p)
					}, func(a *model.Application) string { return a.ID }, nil)
					if !slices.Equal(got, o.want) {
						t.Errorf("order %+v, %d a page: got %d %v\nwant %d %v", o.order, limit, len(got), got, len(o.want), o.want)
					}
				}
			}
		})
	}
}
