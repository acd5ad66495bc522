package metrics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// The benchmark's register: benchCerts certificates of benchEmployees employees in benchOrgs organizations
// of one account, over the two years before benchNow; most certificates are reissued, a third of the
// reissues come from an application.
const (
	benchCerts     = 100_000
	benchEmployees = 50_000
	benchOrgs      = 200
)

var benchNow = noon(2026, 12, 15)

// buildBenchRegister writes the register with plain SQL in one transaction (placeholders of the engine).
func buildBenchRegister(b *testing.B, db *storage.DB) (account string, orgs []string) {
	b.Helper()
	ctx := context.Background()
	raw := testdb.Raw(b, db)
	pg := db.Dialect() == storage.Postgres
	bind := func(q string) string {
		if !pg {
			return q
		}
		n := 0
		var s strings.Builder
		for _, c := range q {
			if c == '?' {
				n++
				fmt.Fprintf(&s, "$%d", n)
				continue
			}
			s.WriteRune(c)
		}
		return s.String()
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	now := benchNow.UnixMicro()
	account = "bench-account"
	_, err = tx.Exec(bind(`INSERT INTO accounts (id, name, created_at) VALUES (?, 'Бенчмарк', ?)`), account, now)
	must(err)
	for i := range benchOrgs {
		id := fmt.Sprintf("org-%04d", i)
		orgs = append(orgs, id)
		_, err = tx.Exec(bind(`INSERT INTO organizations (id, account_id, kind, sector, name, name_search, inn, kpp, ogrn, address,
			region, created_at, updated_at) VALUES (?, ?, 'legal_entity', 'commercial', ?, ?, ?, ?, '', '', '77', ?, ?)`),
			id, account, id, id, fmt.Sprintf("77%08d", i), fmt.Sprintf("77%07d", i), now, now)
		must(err)
	}
	emp, err := tx.Prepare(bind(`INSERT INTO employees (id, account_id, organization_id, surname, given_name, patronymic, name_search,
		birth_date, snils, inn, email, phone, position, doc_type, doc_series, doc_number, doc_issue_date, doc_issuer,
		doc_issuer_code, created_at, updated_at) VALUES (?, ?, ?, 'Иванов', 'Иван', 'Иванович', 'иванов', '1980-01-01', ?, '', '',
		'', '', 'passport_rf', '', '', '', '', '', ?, ?)`))
	must(err)
	app, err := tx.Prepare(bind(`INSERT INTO applications (id, account_id, organization_id, employee_id, kind, state, certificate_serial,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'issued', ?, 'bench', ?, ?)`))
	must(err)
	cert, err := tx.Prepare(bind(`INSERT INTO certificates (serial, account_id, organization_id, employee_id, application_id, kind,
		status, issuer, not_before, not_after, der, replaced_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'valid', 'bench', ?, ?, ?, ?, ?)`))
	must(err)
	r := rand.New(rand.NewPCG(15, 6))
	der := make([]byte, 1200) // about a real certificate's size: the rows the queries must not read
	day := int64(24 * time.Hour / time.Microsecond)
	year := 365 * day
	n := 0
	for e := 0; n < benchCerts; e++ {
		empID, org := fmt.Sprintf("emp-%06d", e), orgs[e%benchOrgs]
		_, err := emp.Exec(empID, account, org, fmt.Sprintf("%011d", e), now, now)
		must(err)
		kind := model.KindIndividual
		if r.IntN(4) == 0 {
			kind = model.KindLegalEntityEmployee
		}
		from := now - int64(r.IntN(730))*day
		for k := 0; k < benchCerts/benchEmployees && n < benchCerts; k++ {
			serial := fmt.Sprintf("%06d-%d", e, k)
			var appID any
			if k > 0 && r.IntN(3) == 0 {
				id := "app-" + serial
				appID = id
				created := from - int64(r.IntN(15))*day
				_, err := app.Exec(id, account, org, empID, kind, serial, created, from)
				must(err)
			}
			_, err := cert.Exec(serial, account, org, empID, appID, kind, from, from+year, der, "", from)
			must(err)
			n++
			// Seven in ten are reissued, from a month before the end to ten days after it.
			from += year - int64(r.IntN(40)-10)*day
			if r.IntN(10) >= 7 {
				from += int64(30+r.IntN(60)) * day
			}
		}
	}
	must(tx.Commit())
	// Planner statistics (and PostgreSQL's visibility map, for index-only scans), as kcr serve keeps them on
	// SQLite and PostgreSQL's autovacuum does on its own.
	must(db.Optimize(ctx))
	if pg {
		_, err = raw.ExecContext(ctx, `VACUUM ANALYZE`)
		must(err)
	}
	return account, orgs
}

// BenchmarkReissue measures a 12-month report over 100,000 certificates for the CA operator (every
// account), an account administrator and a manager of five organizations.
func BenchmarkReissue(b *testing.B) {
	for _, eng := range testdb.Engines(b) {
		b.Run(eng.Name, func(b *testing.B) {
			db := eng.Open(b)
			account, orgs := buildBenchRegister(b, db)
			svc := &metrics.Service{Store: db, Clock: clock.NewFake(benchNow)}
			for _, c := range []struct {
				name string
				p    *access.Principal
			}{
				{"operator", &access.Principal{Role: model.RoleOperator}},
				{"account", &access.Principal{Role: model.RoleAccountAdmin, AccountID: account}},
				{"manager", &access.Principal{Role: model.RoleManager, AccountID: account, OrgIDs: orgs[:5]}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := svc.Reissue(context.Background(), c.p, 12); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
