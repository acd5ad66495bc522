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
	fetch func(storage.Page) ([]T, []string, error)) {
	t.Helper()
	var covered []string
	for _, c := range cases {
		covered = append(covered, c.by)
		for _, desc := range []bool{false, true} {
			want := expectOrder(universe, c.cmp, key, desc)
			for _, limit := range []int{1, 3, 100} {
				t.Run(fmt.Sprintf("%s desc=%v by %d", c.by, desc, limit), func(t *testing.T) {
					got := pageAll(t, limit, func(p storage.Page) ([]T, []string, error) {
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
	allEmps, _, err := db.Employees(ctx, scopeA, storage.EmployeeFilter{}, big)
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
		}, storage.EmployeeSorts, func(e *model.Employee) string { return e.ID }, func(p storage.Page) ([]*model.Employee, []string, error) {
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
	allApps, _, err := db.Applications(ctx, scopeA, storage.AppFilter{}, big)
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
		}, storage.ApplicationSorts, func(a *model.Application) string { return a.ID }, func(p storage.Page) ([]*model.Application, []string, error) {
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
		got, _, err := db.Applications(ctx, scopeA, storage.AppFilter{KPP: testdb.BranchKPP},
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
		c.NotAfter = f.Now.AddDate(0, i*5%7-1, 0) // the first one has ended: expired, though stored as valid
		c.NotBefore = f.Now.AddDate(0, -(i % 3), 0)
		if i == 2 {
			c.Status, c.RevokedAt, c.RevocationReason = model.CertRevoked, &f.Now, "keyCompromise"
		}
		if err := db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	allCerts, _, err := db.Certificates(ctx, scopeA, storage.CertFilter{}, big)
	if err != nil {
		t.Fatal(err)
	}
	// Stored statuses in the order of life, then the end date, latest first: the expired (stored as valid)
	// come after the valid ones in force and before the revoked.
	statuses := []model.CertStatus{model.CertValid, model.CertRevoked}
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
				return cmp.Or(cmp.Compare(slices.Index(statuses, a.Status), slices.Index(statuses, b.Status)),
					b.NotAfter.Compare(a.NotAfter))
			}},
		}, storage.CertificateSorts, func(c *model.Certificate) string { return c.Serial }, func(p storage.Page) ([]*model.Certificate, []string, error) {
			return db.Certificates(ctx, scopeA, storage.CertFilter{}, p)
		})
	})

	t.Run("a page continues after the cursor's position when its row has changed since", func(t *testing.T) {
		order := storage.Order{By: "updated"}
		first, keys, err := db.Applications(ctx, scopeA, storage.AppFilter{}, storage.Page{Limit: 2, Order: order})
		if err != nil || len(first) != 2 {
			t.Fatal(len(first), err)
		}
		all := pageAll(t, 100, func(p storage.Page) ([]*model.Application, []string, error) {
			p.Order = order
			return db.Applications(ctx, scopeA, storage.AppFilter{}, p)
		}, func(a *model.Application) string { return a.ID }, nil)
		// The last row of the first page is acted on: it becomes the most recently updated.
		moved := first[1]
		moved.UpdatedAt = f.Now.Add(48 * time.Hour)
		if ok, err := db.SaveApplication(ctx, moved, moved.State); err != nil || !ok {
			t.Fatal("save", ok, err)
		}
		rest := pageAll(t, 100, func(p storage.Page) ([]*model.Application, []string, error) {
			p.Order = order
			if p.After == "" {
				p.After = keys[1]
			}
			return db.Applications(ctx, scopeA, storage.AppFilter{}, p)
		}, func(a *model.Application) string { return a.ID }, nil)
		want := append(slices.Clone(all[2:]), moved.ID)
		if !slices.Equal(rest, want) {
			t.Errorf("after the changed row: %v\nwant the rest of the walk, then the row at its new place: %v", rest, want)
		}
	})

	t.Run("a cursor of another order is refused", func(t *testing.T) {
		_, createdKeys, err := db.Applications(ctx, scopeA, storage.AppFilter{}, storage.Page{Limit: 1, Order: storage.Order{By: "created"}})
		if err != nil || len(createdKeys) != 1 {
			t.Fatal(len(createdKeys), err)
		}
		for _, c := range []struct {
			name  string
			order storage.Order
			after string
		}{
			{"a default-order key with a sort", storage.Order{By: "created"}, f.HeadApp},
			{"ascending key, descending sort", storage.Order{By: "created", Desc: true}, createdKeys[0]},
			{"key of another sort", storage.Order{By: "updated"}, createdKeys[0]},
			{"sorted key without a sort", storage.Order{}, createdKeys[0]},
			{"malformed key", storage.Order{By: "created"}, `["created", "x", "y"]`},
			{"too few values", storage.Order{By: "created"}, `["created"]`},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := db.Applications(ctx, scopeA, storage.AppFilter{}, storage.Page{Limit: 5, After: c.after, Order: c.order})
				if !errors.Is(err, storage.ErrCursorOrder) {
					t.Errorf("err = %v, want ErrCursorOrder", err)
				}
			})
		}
	})

	t.Run("unknown sort key", func(t *testing.T) {
		for name, err := range map[string]error{
			"applications": func() error {
				_, _, err := db.Applications(ctx, scopeA, storage.AppFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "a.id; --"}})
				return err
			}(),
			"certificates": func() error {
				_, _, err := db.Certificates(ctx, scopeA, storage.CertFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "x"}})
				return err
			}(),
			"employees": func() error {
				_, _, err := db.Employees(ctx, scopeA, storage.EmployeeFilter{}, storage.Page{Limit: 5, Order: storage.Order{By: "snils"}})
				return err
			}(),
		} {
			if !errors.Is(err, storage.ErrUnknownSort) {
				t.Errorf("%s: err = %v, want ErrUnknownSort", name, err)
			}
		}
	})
}
