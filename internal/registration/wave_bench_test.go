package registration_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

const (
	waveCerts        = 10_000
	certsPerEmployee = 100
)

// waveRegister makes a fresh SQLite register holding waveCerts valid certificates of one organization, all
// expiring within the next two months, held by waveCerts/certsPerEmployee employees; it returns the service
// and the account administrator who runs the wave.
func waveRegister(b *testing.B) (*registration.Service, *access.Principal) {
	b.Helper()
	ctx := context.Background()
	db := testdb.Engines(b)[0].Open(b)
	clk := clock.NewFake(time.Date(2026, time.November, 26, 9, 0, 0, 0, time.UTC))
	acc := &access.Service{DB: db, Clock: clk}
	svc := &registration.Service{DB: db, Clock: clk}
	boot := &access.Principal{Actor: "system:bench", Role: model.RoleOperator}
	account, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Холдинг"})
	if err != nil {
		b.Fatal(err)
	}
	admin := &access.Principal{Actor: "system:bench-admin", Name: "admin", AccountID: account.ID, Role: model.RoleAccountAdmin}
	org, err := svc.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", Address: "г. Москва", Region: "77"})
	if err != nil {
		b.Fatal(err)
	}
	now := clk.Now()
	err = db.InTx(ctx, func(ctx context.Context) error {
		var emp *model.Employee
		for i := range waveCerts {
			if i%certsPerEmployee == 0 {
				emp = &model.Employee{ID: access.NewID(), AccountID: account.ID, OrganizationID: org.ID, Surname: "Иванов",
					GivenName: "Иван", Patronymic: fmt.Sprintf("№%d", i/certsPerEmployee), BirthDate: "1985-04-12",
					SNILS: fmt.Sprintf("%011d", 10_000_000+i), Document: model.IdentityDocument{Type: "passport_rf", Series: "4510",
						Number: "123456", IssueDate: "2010-05-20", Issuer: "ОВД", IssuerCode: "772-001"}, CreatedAt: now, UpdatedAt: now}
				if err := db.CreateEmployee(ctx, emp); err != nil {
					return err
				}
			}
			notBefore := now.AddDate(-1, 0, 0).Add(time.Duration(i) * time.Minute)
			c := &model.Certificate{Serial: fmt.Sprintf("%032x", 0x5eed0000+i), AccountID: account.ID, OrganizationID: org.ID,
				EmployeeID: emp.ID, Kind: model.KindIndividual, Status: model.CertValid, Issuer: "kcr-ca", NotBefore: notBefore,
				NotAfter: now.AddDate(0, 0, 1).Add(time.Duration(i) * 7 * time.Minute), DER: []byte{0x30, 0x00}, CreatedAt: notBefore,
				PublicKeyHash: fmt.Sprintf("%064x", i)}
			if err := db.CreateCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if n, err := db.RenewalCandidates(ctx, storage.Scope{AccountID: account.ID}, nil, now.AddDate(0, 3, 0), ""); err != nil || len(n) != waveCerts {
		b.Fatalf("%d renewal candidates, %v", len(n), err)
	}
	return svc, admin
}

// BenchmarkRenewalWave10k times one renewal wave that creates a reissue application for each of 10,000
// valid certificates (each with its history step and audit and feed events, in one transaction).
func BenchmarkRenewalWave10k(b *testing.B) {
	ctx := context.Background()
	created := 0
	for b.Loop() {
		b.StopTimer()
		svc, admin := waveRegister(b)
		b.StartTimer()
		res, err := svc.RenewalWave(ctx, admin, registration.WaveInput{ExpiresBefore: "2027-03-01"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != waveCerts || len(res.Skipped) != 0 {
			b.Fatalf("created %d, skipped %v; want %d created", res.Created, res.Skipped, waveCerts)
		}
		created += res.Created
	}
	b.ReportMetric(float64(created)/b.Elapsed().Seconds(), "applications/s")
}
