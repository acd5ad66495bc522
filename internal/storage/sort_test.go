package storage_test

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// sortCase is one sort key of a list with the comparison it must follow; ties break on the primary key in
// the same direction.
type sortCase[T any] struct {
	by  string
	cmp func(a, b T) int
}

// expectOrder sorts rows as the database must: by the key, then by the primary key, both reversed for desc.
func expectOrder[T any](rows []T, c func(a, b T) int, key func(T) string, desc bool) []string {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b T) int {
		r := cmp.Or(c(a, b), cmp.Compare(key(a), key(b)))
		if desc {
			return -r
		}
		return r
	})
	return idsOf(rows, key)
}

// checkSorts pages through a list in every sort key and direction with several page sizes and compares the
// walk with the order computed here. The test databases collate by code point (C.UTF-8), as Go compares.
func checkSorts[T any](t *testing.T, universe []T, cases []sortCase[T], keys []string, key func(T) string,
	fetch func(storage.Page) ([]T, error)) {
	t.Helper()
	var covered []string
	for _, c := range cases {
		covered = append(covered, c.by)
		for _, desc := range []bool{false, true} {
			want := expectOrder(universe, c.cmp, key, desc)
			for _, limit := range []int{1, 3, 100} {
				t.Run(fmt.Sprintf("%s desc=%v by %d", c.by, desc, limit), func(t *testing.T) {
					got := pageAll(t, limit, func(p storage.Page) ([]T, error) {
						p.Order = storage.Order{By: c.by, Desc: desc}
						return fetch(p)
					}, key, nil)
					if got = only(got, want...); !slices.Equal(got, want) {
						t.Errorf("paged through\n%v\nwant\n%v", got, want)
					}
				})
			}
		}
	}
	slices.Sort(covered)
	if !slices.Equal(covered, keys) {
		t.Errorf("tested sort keys %v, the list offers %v", covered, keys)
	}
}

func testSorting(t *testing.T, db *storage.DB) {
	ctx := t.Context()
	f := testdb.Fixture(t, db)
	scopeA := storage.Scope{AccountID: f.AccountA}
	r := rand.New(rand.NewPCG(9, 9))

	// Employees with names that tie (the primary key decides) and differ, over two organizations.
	names := [][3]string{{"Андреев", "Борис", ""}, {"Яковлева", "Анна", "Ивановна"}, {"Андреев", "Борис", ""},
		{"Беляев", "Олег", "Петрович"}, {"Андреева", "Вера", ""}}
	positions := []string{"Инженер", "Бухгалтер", "Инженер", "Директор", "Аналитик"}
	emps := []*model.Employee{}
	for i, n := range names {
		org := f.HeadOrg
		if i%2 == 1 {
			org = f.BranchOrg
		}
		at := f.Now.Add(time.Duration(i%3) * time.Hour)
		e := &model.Employee{ID: newID(), AccountID: f.AccountA, OrganizationID: org, Surname: n[0], GivenName: n[1],
			Patronymic: n[2], BirthDate: "1990-01-01", SNILS: requisites.GenerateSNILS(r), Position: positions[i],
			CreatedAt: at, UpdatedAt: at}
		if err := db.CreateEmployee(ctx, e); err != nil {
			t.Fatal(err)
		}
		emps = append(emps, e)
	}
	allEmps, err := db.Employees(ctx, scopeA, storage.EmployeeFilter{}, big)
	if err != nil {
		t.Fatal(err)
	}
	orgName := map[string]string{f.HeadOrg: storage.SearchKey(testdb.HeadName), f.BranchOrg: storage.SearchKey(testdb.BranchName)}
	empName := func(e *model.Employee) string { return storage.SearchKey(e.FullName()) }
	t.Run("employees", func(t *testing.T) {
		checkSorts(t, allEmps, []sortCase[*model.Employee]{
			{"created", func(a, b *model.Employee) int { return a.CreatedAt.Compare(b.CreatedAt) }},
			{"name", func(a, b *model.Employee) int { return cmp.Compare(empName(a), empName(b)) }},
			{"organization", func(a, b *model.Employee) int {
				return cmp.Compare(orgName[a.OrganizationID], orgName[b.OrganizationID])
			}},
			{"position", func(a, b *model.Employee) int { return cmp.Compare(a.Position, b.Position) }},
		}, storage.EmployeeSorts, func(e *model.Employee) string { return e.ID }, func(p storage.Page) ([]*model.Employee, error) {
			return db.Employees(ctx, scopeA, storage.EmployeeFilter{}, p)
		})
	})

	// Applications in every state and kind, with creation and update times out of id order.
	for i, e := range emps {
		at := f.Now.Add(-time.Duration(i*7%5) * time.Minute)
		a := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: e.OrganizationID, EmployeeID: e.ID,
			Kind: model.CertKinds[i%len(model.CertKinds)], State: model.States[(i*3)%len(model.States)], CreatedBy: "user:s",
			CreatedAt: at, UpdatedAt: at.Add(time.Duration(i%2) * time.Hour)}
		if err := db.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	allApps, err := db.Applications(ctx, scopeA, storage.AppFilter{}, big)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, e := range allEmps {
		byName[e.ID] = empName(e)
	}
	t.Run("applications", func(t *testing.T) {
		checkSorts(t, allApps, []sortCase[*model.Application]{
			{"created", func(a, b *model.Application) int { return a.CreatedAt.Compare(b.CreatedAt) }},
			{"updated", func(a, b *model.Application) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
			{"organization", func(a, b *model.Application) int {
				return cmp.Compare(orgName[a.OrganizationID], orgName[b.OrganizationID])
			}},
			{"employee", func(a, b *model.Application) int { return cmp.Compare(byName[a.EmployeeID], byName[b.EmployeeID]) }},
			{"kind", func(a, b *model.Application) int {
				return cmp.Compare(slices.Index(model.CertKinds, a.Kind), slices.Index(model.CertKinds, b.Kind))
			}},
			{"state", func(a, b *model.Application) int {
				return cmp.Compare(slices.Index(model.States, a.State), slices.Index(model.States, b.State))
			}},
		}, storage.ApplicationSorts, func(a *model.Application) string { return a.ID }, func(p storage.Page) ([]*model.Application, error) {
			return db.Applications(ctx, scopeA, storage.AppFilter{}, p)
		})
	})

	t.Run("applications filtered and sorted", func(t *testing.T) {
		var branch []*model.Application
		for _, a := range allApps {
			if a.OrganizationID == f.BranchOrg {
				branch = append(branch, a)
			}
		}
		want := expectOrder(branch, func(a, b *model.Application) int { return cmp.Compare(byName[a.EmployeeID], byName[b.EmployeeID]) },
			func(a *model.Application) string { return a.ID }, true)
		got, err := db.Applications(ctx, scopeA, storage.AppFilter{KPP: testdb.BranchKPP},
			storage.Page{Limit: 100, Order: storage.Order{By: "employee", Desc: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 3 || !slices.Equal(appIDs(got), want) {
			t.Errorf("got %v, want %v", appIDs(got), want)
		}
	})

	for i, e := range emps {
		c := newCert(f, e.OrganizationID, e.ID, "", model.CertKinds[i%len(model.CertKinds)])
		c.NotAfter = f.Now.AddDate(0, i*5%7, 0)
		c.NotBefore = f.Now.AddDate(0, -(i % 3), 0)
		if i == 2 {
			c.Status, c.RevokedAt, c.RevocationReason = model.CertRevoked, &f.Now, "keyCompromise"
		}
		if err := db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	allCerts, err := db.Certificates(ctx, scopeA, storage.CertFilter{}, big)
	if err != nil {
		t.Fatal(err)
	}
	statuses := []model.CertStatus{model.CertValid, model.CertExpired, model.CertRevoked}
	t.Run("certificates", func(t *testing.T) {
		checkSorts(t, allCerts, []sortCase[*model.Certificate]{
			{"serial", func(*model.Certificate, *model.Certificate) int { return 0 }},
			{"not_before", func(a, b *model.Certificate) int { return a.NotBefore.Compare(b.NotBefore) }},
			{"not_after", func(a, b *model.Certificate) int { return a.NotAfter.Compare(b.NotAfter) }},
			{"organization", func(a, b *model.Certificate) int {
				return cmp.Compare(orgName[a.OrganizationID], orgName[b.OrganizationID])
			}},
			{"employee", func(a, b *model.Certificate) int { return cmp.Compare(byName[a.EmployeeID], byName[b.EmployeeID]) }},
			{"kind", func(a, b *model.Certificate) int {
				return cmp.Compare(slices.Index(model.CertKinds, a.Kind), slices.Index(model.CertKinds, b.Kind))
			}},
			{"status", func(a, b *model.Certificate) int {
				return cmp.Compare(slices.Index(statuses, a.Status), slices.Index(statuses, b.Status))
			}},
		}, storage.CertificateSorts, func(c *model.Certificate) string { return c.Serial }, func(p storage.Page) ([]*model.Certificate, error) {
			return db.Certificates(ctx, scopeA, storage.CertFilter{}, p)
		})
	})

	t.Run("a cursor outside the scope gives an empty page", func(t *testing.T) {
		got, err := db.Applications(ctx, scopeA, storage.AppFilter{},
			storage.Page{Limit: 100, After: f.AppB, Order: storage.Order{By: "created"}})
		if err != nil || len(got) != 0 {
			t.Errorf("after another account's application: %d rows, %v; want none", len(got), err)
		}
		got, err = db.Applications(ctx, storage.Scope{AccountID: f.AccountA, OrgIDs: []string{f.BranchOrg}}, storage.AppFilter{},
			storage.Page{Limit: 100, After: f.HeadApp, Order: storage.Order{By: "created"}})
		if err != nil || len(got) != 0 {
			t.Errorf("after an application of an organization out of scope: %d rows, %v; want none", len(got), err)
		}
	})

	t.Run("unknown sort key", func(t *testing.T) {
		for name, err := range map[string]error{
			"applications": func() error {
				_, err := db.Applications(ctx, scopeA, storage.AppFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "a.id; --"}})
				return err
			}(),
			"certificates": func() error {
				_, err := db.Certificates(ctx, scopeA, storage.CertFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "x"}})
				return err
			}(),
			"employees": func() error {
				_, err := db.Employees(ctx, scopeA, storage.EmployeeFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "snils"}})
				return err
			}(),
		} {
			if !errors.Is(err, storage.ErrUnknownSort) {
				t.Errorf("%s: err = %v, want ErrUnknownSort", name, err)
			}
		}
	})
}
