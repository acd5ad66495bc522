package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func TestSearchWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"АО «Северный ветер»", []string{"ао", "северный", "ветер"}},
		{`ООО "Ёлка-2"`, []string{"ооо", "елка-2"}},
		{"  Семёнов   Пётр ", []string{"семенов", "петр"}},
		{"ИП Иванов И.И.", []string{"ип", "иванов", "и"}},
		{"-- «» ...", nil},
		{"Ростов-на-Дону ростов-на-дону", []string{"ростов-на-дону"}},
	} {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			if got := storage.SearchWords(c.in); !slices.Equal(got, c.want) {
				t.Errorf("SearchWords(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestNameSearch: organization names match any word or part of a word, employee names any of surname,
// given name and patronymic by prefix; case-insensitive, ё read as е; on both engines, in the organization,
// employee, application and certificate searches.
func TestNameSearch(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			db := eng.Open(t)
			ctx := context.Background()
			f := testdb.Fixture(t, db)
			scope := storage.Scope{AccountID: f.AccountA}
			org := func(name, inn string) string {
				t.Helper()
				o := &model.Organization{ID: newID(), AccountID: f.AccountA, Kind: model.OrgLegalEntity, Sector: model.SectorCommercial,
					Name: name, INN: inn, KPP: "770101001", OGRN: testdb.HeadOGRN, Region: "77", CreatedAt: f.Now, UpdatedAt: f.Now}
				if err := db.CreateOrganization(ctx, o); err != nil {
					t.Fatal(err)
				}
				return o.ID
			}
			north := org("АО «Северный ветер»", "7701000016")
			tree := org(`ООО "Ёлка-Трейд"`, "7701000023")
			emp := func(orgID, sur, given, patr, snils string) string {
				t.Helper()
				e := &model.Employee{ID: newID(), AccountID: f.AccountA, OrganizationID: orgID, Surname: sur, GivenName: given,
					Patronymic: patr, BirthDate: "1980-01-01", SNILS: snils, CreatedAt: f.Now, UpdatedAt: f.Now}
				if err := db.CreateEmployee(ctx, e); err != nil {
					t.Fatal(err)
				}
				return e.ID
			}
			semenov := emp(north, "Семёнов", "Пётр", "Фёдорович", "11223344595")
			skvortsova := emp(tree, "Скворцова-Лебедева", "Анна", "Петровна", "08765430300")

			for _, c := range []struct {
				name, q string
				want    []string
			}{
				{"the full word inside quotes", "Северный", []string{north}},
				{"the start of a word, lower case", "север", []string{north}},
				{"the middle word", "ВЕТЕР", []string{north}},
				{"part of a word", "верн", []string{north}},
				{"with the legal form and quotes", "АО «Северный", []string{north}},
				{"ё typed as е", "елка", []string{tree}},
				{"е typed as ё", "трёйд", []string{tree}},
				{"after a hyphen", "трейд", []string{tree}},
				{"words in any order", "ветер северный", []string{north}},
				{"a word no name has", "северный мороз", nil},
			} {
				t.Run("organizations/"+c.name, func(t *testing.T) {
					got, err := db.Organizations(ctx, scope, storage.OrgFilter{NamePrefix: c.q}, storage.Page{Limit: 100})
					if err != nil {
						t.Fatal(err)
					}
					if ids := orgIDs(got); !slices.Equal(ids, sorted(c.want...)) {
						t.Errorf("got %v, want %v", ids, c.want)
					}
				})
			}
			for _, c := range []struct {
				name, q string
				want    []string
			}{
				{"surname", "семенов", []string{semenov}},
				{"given name with ё, patronymic initial", "Пётр Ф", []string{semenov}},
				{"patronymic", "федорович", []string{semenov}},
				{"prefix of the patronymic", "ФЁДОР", []string{semenov}},
				{"surname and given name", "Семенов П", []string{semenov}},
				{"given name then surname", "анна скворцова", []string{skvortsova}},
				{"second part of a double surname", "лебед", []string{skvortsova}},
				{"the whole double surname", "скворцова-лебедева", []string{skvortsova}},
				{"the inside of a word", "еменов", nil},
				{"patronymic of another", "петровна семенов", nil},
			} {
				t.Run("employees/"+c.name, func(t *testing.T) {
					got, _, err := db.Employees(ctx, scope, storage.EmployeeFilter{NamePrefix: c.q}, storage.Page{Limit: 100})
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, e := range got {
						ids = append(ids, e.ID)
					}
					if !slices.Equal(ids, sorted(c.want...)) {
						t.Errorf("got %v, want %v", ids, c.want)
					}
				})
			}

			app := &model.Application{ID: newID(), AccountID: f.AccountA, OrganizationID: north, EmployeeID: semenov,
				Kind: model.KindLegalEntityEmployee, State: model.StateDraft, CreatedBy: "user:s", CreatedAt: f.Now, UpdatedAt: f.Now}
			if err := db.CreateApplication(ctx, app); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				f    storage.AppFilter
				want []string
			}{
				{"organization word", storage.AppFilter{OrgNamePrefix: "Северный"}, []string{app.ID}},
				{"organization middle word", storage.AppFilter{OrgNamePrefix: "ветер"}, []string{app.ID}},
				{"employee patronymic", storage.AppFilter{EmployeeNamePrefix: "Федорович"}, []string{app.ID}},
				{"organization and employee", storage.AppFilter{OrgNamePrefix: "север", EmployeeNamePrefix: "петр"}, []string{app.ID}},
				{"organization and another's employee", storage.AppFilter{OrgNamePrefix: "север", EmployeeNamePrefix: "анна"}, nil},
			} {
				for _, order := range []storage.Order{{}, {By: "employee"}} {
					t.Run("applications/"+c.name+"/"+order.By, func(t *testing.T) {
						rows, _, err := db.Applications(ctx, scope, c.f, storage.Page{Limit: 10, Order: order})
						if err != nil {
							t.Fatal(err)
						}
						var ids []string
						for _, a := range rows {
							ids = append(ids, a.ID)
						}
						if !slices.Equal(ids, c.want) {
							t.Errorf("got %v, want %v", ids, c.want)
						}
					})
				}
			}

			// Rows written past the storage layer (as before the words existed) are found after a rebuild,
			// with their sort key refolded.
			raw := testdb.Raw(t, db)
			q := func(s string) string {
				if eng.Name == "postgres" {
					return strings.NewReplacer("?1", "$1", "?2", "$2").Replace(s)
				}
				return strings.NewReplacer("?1", "?", "?2", "?").Replace(s)
			}
			if _, err := raw.Exec(q(`DELETE FROM organization_words WHERE organization_id = ?1`), tree); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(q(`UPDATE organizations SET name_search = ?1 WHERE id = ?2`), `ооо "ёлка-трейд"`, tree); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Organizations(ctx, scope, storage.OrgFilter{NamePrefix: "елка"}, storage.Page{Limit: 10}); len(got) != 0 {
				t.Fatalf("found without words: %v", orgIDs(got))
			}
			if err := db.RebuildNameSearch(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Organizations(ctx, scope, storage.OrgFilter{NamePrefix: "елка"}, storage.Page{Limit: 10}); !slices.Equal(orgIDs(got), []string{tree}) {
				t.Errorf("after the rebuild: %v", orgIDs(got))
			}
			var key string
			if err := raw.QueryRow(q(`SELECT name_search FROM organizations WHERE id = ?1`), tree).Scan(&key); err != nil || key != `ооо "елка-трейд"` {
				t.Errorf("name_search after the rebuild = %q, %v", key, err)
			}
		})
	}
}
