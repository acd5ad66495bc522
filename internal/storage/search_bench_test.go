package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
)

// Benchmark data shape: one account, 5,000 organizations, 50,000 employees, 1,000,000 applications.
const (
	benchOrgs      = 5_000
	benchEmployees = 50_000
	benchApps      = 1_000_000
)

var benchNames = []string{"Ромашка", "Василёк", "Северный ветер", "Альфа", "Бета", "Гамма", "Дельта", "Вектор", "Спектр",
	"Горизонт", "Меридиан", "Орион", "Полюс", "Радуга", "Сириус", "Титан", "Феникс", "Циркон", "Эталон", "Янтарь"}

// benchDB builds (once, then reuses from the temp folder) a SQLite database with a million applications.
func benchDB(b *testing.B) (*storage.DB, string, []string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "kcr-bench-1m-v2.db")
	inns := make([]string, 0, benchOrgs)
	r := rand.New(rand.NewPCG(1, 2))
	for range benchOrgs {
		inns = append(inns, requisites.GenerateINN10(r))
	}
	if _, err := os.Stat(path); err != nil {
		b.Logf("building %s (one-off, about a minute)…", path)
		if err := buildBenchDB(ctx, path, inns); err != nil {
			os.Remove(path)
			b.Fatal(err)
		}
	}
	db, err := storage.OpenSQLiteFile(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// A database built by an older checkout gets the newer migrations, and statistics as kcr serve keeps them.
	if _, err := db.Migrate(ctx, time.Now); err != nil {
		b.Fatal(err)
	}
	if err := db.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	return db, "bench-account", inns
}

func buildBenchDB(ctx context.Context, path string, inns []string) error {
	db, err := storage.OpenSQLiteFile(ctx, path)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx, time.Now); err != nil {
		return err
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UnixMicro()
	if _, err := tx.Exec(`INSERT INTO accounts (id, name, created_at) VALUES ('bench-account', 'Бенчмарк', ?)`, now); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(3, 4))
	orgIDs := make([]string, benchOrgs)
	orgStmt, err := tx.Prepare(`INSERT INTO organizations (id, account_id, parent_id, kind, sector, name, name_search, inn, kpp,
		ogrn, address, region, created_at, updated_at) VALUES (?, 'bench-account', NULL, 'legal_entity', 'commercial', ?, ?, ?, ?, ?, '', '77', ?, ?)`)
	if err != nil {
		return err
	}
	for i := range orgIDs {
		orgIDs[i] = uuid.Must(uuid.NewV7()).String()
		name := fmt.Sprintf("ООО «%s-%d»", benchNames[i%len(benchNames)], i)
		if _, err := orgStmt.Exec(orgIDs[i], name, storage.SearchKey(name), inns[i], requisites.GenerateKPP(r, inns[i]),
			requisites.GenerateOGRN(r), now, now); err != nil {
			return err
		}
	}
	empIDs := make([]string, benchEmployees)
	empOrg := make([]string, benchEmployees)
	empStmt, err := tx.Prepare(`INSERT INTO employees (id, account_id, organization_id, surname, given_name, patronymic, name_search,
		birth_date, snils, inn, email, phone, position, doc_type, doc_series, doc_number, doc_issue_date, doc_issuer, doc_issuer_code,
		created_at, updated_at) VALUES (?, 'bench-account', ?, ?, 'Иван', 'Иванович', ?, '1980-01-01', ?, '', '', '', '', 'passport_rf',
		'4510', '123456', '2005-01-01', 'ОВД', '770-001', ?, ?)`)
	if err != nil {
		return err
	}
	for i := range empIDs {
		empIDs[i], empOrg[i] = uuid.Must(uuid.NewV7()).String(), orgIDs[i%benchOrgs]
		surname := fmt.Sprintf("Иванов%d", i)
		if _, err := empStmt.Exec(empIDs[i], empOrg[i], surname, storage.SearchKey(surname+" Иван Иванович"),
			requisites.GenerateSNILS(r), now, now); err != nil {
			return err
		}
	}
	appStmt, err := tx.Prepare(`INSERT INTO applications (id, account_id, organization_id, employee_id, kind, state, created_by,
		created_at, updated_at) VALUES (?, 'bench-account', ?, ?, ?, ?, 'bench', ?, ?)`)
	if err != nil {
		return err
	}
	kinds := []string{"individual", "individual", "individual", "legal_entity_employee"}
	states := []string{"draft", "documents", "identity_verification", "approved", "issued", "issued", "issued", "cancelled"}
	for range benchApps {
		e := r.IntN(benchEmployees)
		if _, err := appStmt.Exec(uuid.Must(uuid.NewV7()).String(), empOrg[e], empIDs[e], kinds[r.IntN(len(kinds))],
			states[r.IntN(len(states))], now, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// The rows went in past the storage layer: their search words are computed afterwards.
	db, err = storage.OpenSQLiteFile(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RebuildNameSearch(ctx); err != nil {
		return err
	}
	_, err = raw.Exec(`ANALYZE`)
	return err
}

// BenchmarkSearchApplications measures a first page of application search over a million applications on
// SQLite, as the API runs it (account scope, newest first, 50 rows). It reports p50 and p95 latencies.
func BenchmarkSearchApplications(b *testing.B) {
	db, account, inns := benchDB(b)
	ctx := context.Background()
	scope := storage.Scope{AccountID: account}
	for _, bc := range []struct {
		name   string
		filter func(i int) storage.AppFilter
	}{
		{"by_inn", func(i int) storage.AppFilter { return storage.AppFilter{INN: inns[(i*7919)%len(inns)]} }},
		{"by_org_name_prefix", func(i int) storage.AppFilter {
			return storage.AppFilter{OrgNamePrefix: "ооо «" + benchNames[i%len(benchNames)][:4]}
		}},
		{"by_org_name_prefix_narrow", func(i int) storage.AppFilter {
			return storage.AppFilter{OrgNamePrefix: fmt.Sprintf("ООО «%s-%d»", benchNames[i%len(benchNames)], i%len(benchNames)+20*(i%200))}
		}},
		{"by_org_name_middle_word", func(i int) storage.AppFilter { return storage.AppFilter{OrgNamePrefix: "ветер"} }},
		{"by_org_name_part_of_word", func(i int) storage.AppFilter {
			r := []rune(benchNames[i%len(benchNames)])
			return storage.AppFilter{OrgNamePrefix: string(r[1:4])}
		}},
		{"by_org_name_word_narrow", func(i int) storage.AppFilter {
			return storage.AppFilter{OrgNamePrefix: fmt.Sprintf("%s-%d", benchNames[i%len(benchNames)], i%len(benchNames)+20*(i%200))}
		}},
		{"by_employee_name_prefix", func(i int) storage.AppFilter {
			return storage.AppFilter{EmployeeNamePrefix: fmt.Sprintf("иванов%d", i%9+1)}
		}},
		{"by_employee_name_narrow", func(i int) storage.AppFilter {
			return storage.AppFilter{EmployeeNamePrefix: fmt.Sprintf("Иванов%d Иван", (i*7919)%benchEmployees)}
		}},
		{"by_employee_patronymic_everyone", func(i int) storage.AppFilter { return storage.AppFilter{EmployeeNamePrefix: "иванович"} }},
		{"by_employee_given_name_and_surname", func(i int) storage.AppFilter {
			return storage.AppFilter{EmployeeNamePrefix: fmt.Sprintf("Иван Иванов%d", (i*7919)%benchEmployees)}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchPages(b, func(i int) ([]*model.Application, error) {
				rows, _, err := db.Applications(ctx, scope, bc.filter(i), storage.Page{Limit: 51})
				return rows, err
			})
		})
	}
}

// BenchmarkSortedApplications times a page of applications in a chosen order over the million applications:
// the first page, a later one (continuing after a row in the middle of the order), an organization-scoped
// user's, and a small account's next to the large one.
func BenchmarkSortedApplications(b *testing.B) {
	db, account, inns := benchDB(b)
	ctx := context.Background()
	scope := storage.Scope{AccountID: account}
	_, mid, err := db.Applications(ctx, scope, storage.AppFilter{EmployeeNamePrefix: "иванов25000 "},
		storage.Page{Limit: 1, Order: storage.Order{By: "employee"}})
	if err != nil || len(mid) == 0 {
		b.Fatal("no application to continue after", err)
	}
	orgs, err := db.Organizations(ctx, scope, storage.OrgFilter{INN: inns[5]}, storage.Page{Limit: 3})
	if err != nil || len(orgs) == 0 {
		b.Fatal("no organizations to scope to", err)
	}
	orgScope := storage.Scope{AccountID: account, OrgIDs: []string{orgs[0].ID}}
	small := benchSmallAccount(b, db)
	all := func(int) storage.AppFilter { return storage.AppFilter{} }
	for _, bc := range []struct {
		name   string
		scope  storage.Scope
		filter func(i int) storage.AppFilter
		order  storage.Order
		after  string
	}{
		{"all_by_updated_desc", scope, all, storage.Order{By: "updated", Desc: true}, ""},
		{"all_by_created", scope, all, storage.Order{By: "created"}, ""},
		{"all_by_employee", scope, all, storage.Order{By: "employee"}, ""},
		{"all_by_employee_next_page", scope, all, storage.Order{By: "employee"}, mid[0]},
		{"all_by_organization", scope, all, storage.Order{By: "organization"}, ""},
		{"all_by_state", scope, all, storage.Order{By: "state"}, ""},
		{"by_inn_by_employee", scope, func(i int) storage.AppFilter { return storage.AppFilter{INN: inns[(i*7919)%len(inns)]} },
			storage.Order{By: "employee"}, ""},
		{"by_state_by_updated", scope, func(int) storage.AppFilter { return storage.AppFilter{State: "identity_verification"} },
			storage.Order{By: "updated"}, ""},
		{"by_employee_narrow_by_updated", scope, func(i int) storage.AppFilter {
			return storage.AppFilter{EmployeeNamePrefix: fmt.Sprintf("Иванов%d Иван", (i*7919)%benchEmployees)}
		}, storage.Order{By: "updated", Desc: true}, ""},
		{"by_inn_by_state", scope, func(i int) storage.AppFilter { return storage.AppFilter{INN: inns[(i*7919)%len(inns)]} },
			storage.Order{By: "state"}, ""},
		{"by_employee_prefix_by_organization", scope, func(i int) storage.AppFilter {
			return storage.AppFilter{EmployeeNamePrefix: fmt.Sprintf("иванов%d", i%9+1)}
		}, storage.Order{By: "organization"}, ""},
		{"organization_scope_by_employee", orgScope, all, storage.Order{By: "employee"}, ""},
		{"small_account_by_employee", small, all, storage.Order{By: "employee"}, ""},
		{"small_account_by_organization", small, all, storage.Order{By: "organization"}, ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchPages(b, func(i int) ([]*model.Application, error) {
				rows, _, err := db.Applications(ctx, bc.scope, bc.filter(i), storage.Page{Limit: 51, Order: bc.order, After: bc.after})
				return rows, err
			})
		})
	}
}

// benchPages times page(i) once per iteration, fails on an error or an empty page, and reports the p50 and
// p95 latencies.
func benchPages(b *testing.B, page func(i int) ([]*model.Application, error)) {
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		rows, err := page(i)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(rows) == 0 {
			b.Fatalf("no rows on iteration %d", i)
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

// benchSmallAccount adds (once) a second account with one organization, two employees and their
// applications beside the large one, and returns its scope.
func benchSmallAccount(b *testing.B, db *storage.DB) storage.Scope {
	b.Helper()
	ctx := context.Background()
	s := storage.Scope{AccountID: "bench-small"}
	if apps, _, err := db.Applications(ctx, s, storage.AppFilter{}, storage.Page{Limit: 1}); err != nil {
		b.Fatal(err)
	} else if len(apps) > 0 {
		return s
	}
	now := time.Now()
	r := rand.New(rand.NewPCG(8, 8))
	inn := requisites.GenerateINN10(r)
	org := &model.Organization{ID: uuid.NewString(), AccountID: s.AccountID, Kind: model.OrgLegalEntity,
		Sector: model.SectorCommercial, Name: "ООО «Малое»", INN: inn, KPP: requisites.GenerateKPP(r, inn),
		OGRN: requisites.GenerateOGRN(r), Address: "—", Region: "77", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAccount(ctx, &model.Account{ID: s.AccountID, Name: "Малое", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateOrganization(ctx, org); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"Яковлев", "Абрамова"} {
		e := &model.Employee{ID: uuid.NewString(), AccountID: s.AccountID, OrganizationID: org.ID, Surname: name,
			GivenName: "Анна", BirthDate: "1990-01-01", SNILS: requisites.GenerateSNILS(r), CreatedAt: now, UpdatedAt: now}
		if err := db.CreateEmployee(ctx, e); err != nil {
			b.Fatal(err)
		}
		a := &model.Application{ID: uuid.NewString(), AccountID: s.AccountID, OrganizationID: org.ID, EmployeeID: e.ID,
			Kind: model.KindIndividual, State: model.StateDraft, CreatedBy: "user:bench", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateApplication(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
