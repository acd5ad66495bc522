package registration_test

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/testdb"
)

// The dashboard's counts come from the database over the whole register, scoped like every read.
func TestCertificateStats(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			db := eng.Open(t)
			f := testdb.Fixture(t, db)
			now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
			svc := &registration.Service{DB: db, Clock: clock.NewFake(now)}
			add := func(serial, org, emp string, kind model.CertKind, status model.CertStatus, notBefore, notAfter time.Time) {
				t.Helper()
				if err := db.CreateCertificate(ctx, &model.Certificate{Serial: serial, AccountID: f.AccountA, OrganizationID: org,
					EmployeeID: emp, Kind: kind, Status: status, Issuer: "kcr-ca", NotBefore: notBefore, NotAfter: notAfter,
					DER: []byte{0x30, 0x00}, CreatedAt: notBefore}); err != nil {
					t.Fatal(err)
				}
			}
			year := func(d time.Time) time.Time { return d.AddDate(-1, 0, 0) }
			in10 := now.AddDate(0, 0, 10)                          // this month, within 30 days
			in45 := now.AddDate(0, 0, 45)                          // January, within 60
			in100 := time.Date(2027, 3, 15, 12, 0, 0, 0, time.UTC) // March
			add("01", f.HeadOrg, f.HeadEmployee, model.KindIndividual, model.CertValid, year(in10), in10)
			add("02", f.HeadOrg, f.HeadEmployee, model.KindIndividual, model.CertValid, year(in45), in45)
			add("03", f.BranchOrg, f.BranchEmployee, model.KindLegalEntityEmployee, model.CertValid, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), in100)
			add("04", f.HeadOrg, f.HeadEmployee, model.KindIndividual, model.CertValid, year(now), now.AddDate(0, 0, -1)) // expired
			add("05", f.BranchOrg, f.BranchEmployee, model.KindIndividual, model.CertRevoked, year(in45), in45)
			admin := &access.Principal{Actor: "user:a", AccountID: f.AccountA, Role: model.RoleAccountAdmin}
			st, err := svc.CertificateStats(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			if st.Valid != 3 || st.Expired != 1 || st.Revoked != 1 || st.ValidByKind[model.KindIndividual] != 2 ||
				st.ValidByKind[model.KindLegalEntityEmployee] != 1 {
				t.Fatalf("counts %+v", st)
			}
			if st.Expiring30 != 1 || st.Expiring60 != 2 || st.Expiring90 != 2 || st.Legacy != 1 {
				t.Fatalf("expiring %d/%d/%d legacy %d", st.Expiring30, st.Expiring60, st.Expiring90, st.Legacy)
			}
			months := map[string]int{}
			for _, m := range st.ExpiringByMonth {
				months[m.Period] = m.Count
			}
			if len(st.ExpiringByMonth) != 12 || st.ExpiringByMonth[0].Period != "2026-11" || months["2026-11"] != 0 || months["2026-12"] != 1 ||
				months["2027-01"] != 1 || months["2027-03"] != 1 {
				t.Fatalf("by month %+v", st.ExpiringByMonth)
			}
			// A registrar of the head organization counts only its certificates.
			reg := &access.Principal{Actor: "user:r", AccountID: f.AccountA, Role: model.RoleRegistrar, OrgIDs: []string{f.HeadOrg}}
			if st, err := svc.CertificateStats(ctx, reg); err != nil || st.Valid != 2 || st.Legacy != 0 || st.Revoked != 0 {
				t.Fatalf("scoped: %+v %v", st, err)
			}
			// Other roles: not at all.
			acc := &access.Principal{Actor: "user:b", AccountID: f.AccountA, Role: model.RoleAccountant}
			if _, err := svc.CertificateStats(ctx, acc); err == nil {
				t.Fatal("the accountant counted certificates")
			}
		})
	}
}
