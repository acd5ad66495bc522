package registration_test

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	mathrand "math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// issueClients is how many clients issue at once, as in the load test of issue 11.
const issueClients = 20

// stubCA "issues" at once with a new serial and key hash each time, so that the benchmark measures kcr's
// side of issuance (the database), not GOST signing.
type stubCA struct{ n atomic.Int64 }

func (s *stubCA) Issue(ctx context.Context, req ca.Request) (*ca.Issued, error) {
	n := s.n.Add(1)
	now := req.Application.UpdatedAt
	return &ca.Issued{Serial: fmt.Sprintf("b%031x", n), DER: []byte{0x30, 0x00}, Issuer: "bench-ca", NotBefore: now,
		NotAfter: now.AddDate(1, 0, 0), PublicKeyHash: fmt.Sprintf("%064x", n)}, nil
}

func (s *stubCA) Stored(ctx context.Context, serial string) error { return nil }

func (s *stubCA) Abandoned(ctx context.Context, serial, reason string) error { return nil }

// issueBench is an account whose billing table holds a number of other lines, ready to issue.
type issueBench struct {
	svc *registration.Service
	p   *access.Principal // an integration key: it acts for both the registrar and the issue step
	org string
	csr []byte
	rnd *mathrand.Rand
}

// newIssueBench opens the database for owner (the parent benchmark: a sub-benchmark's cleanups run after
// each of its rounds, and the filled table must outlive them).
func newIssueBench(owner, b testing.TB, eng testdb.Engine, lines int) *issueBench {
	b.Helper()
	ctx := context.Background()
	db := eng.Open(owner)
	clk := clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	bill := &billing.Service{DB: db, Clock: clk}
	ib := &issueBench{svc: &registration.Service{DB: db, Clock: clk, Billing: bill, CA: &stubCA{}},
		rnd: mathrand.New(mathrand.NewPCG(11, 6))}
	acc := &access.Service{DB: db, Clock: clk}
	boot := &access.Principal{Actor: "system:bench", Role: model.RoleOperator}
	acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Холдинг"})
	benchMust(b, err)
	_, err = bill.CreateAgreement(ctx, boot, acct.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
		SignedOn: "2020-01-01", Covers: "individual_certificate"})
	benchMust(b, err)
	ib.p = &access.Principal{Actor: "api_key:bench", AccountID: acct.ID, Role: model.RoleIntegration}
	org, err := ib.svc.CreateOrganization(ctx, ib.p, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195"})
	benchMust(b, err)
	ib.org = org.ID
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	benchMust(b, err)
	ib.csr, err = x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}},
		key, rand.Reader)
	benchMust(b, err)
	if lines > 0 {
		// One statement fills the table: lines of other applications of this account, in an earlier period.
		raw := testdb.Raw(owner, db)
		_, err := raw.ExecContext(ctx, fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO billing_lines (id, account_id, payer_organization_id, position, tariff_id, price_kopecks, event, event_at,
				period, application_id, certificate_serial, employee_initials, invoice_id, created_at)
			SELECT 'bench-line-' || CAST(i AS TEXT), '%s', '%s', 'individual_certificate', 'default-individual', 250000,
				'issuance', 0, '2026-10', 'bench-app-' || CAST(i AS TEXT), 'bench-serial-' || CAST(i AS TEXT), 'И. И. И.', '', 0
			FROM n`, lines, acct.ID, org.ID))
		benchMust(b, err)
		_, err = raw.ExecContext(ctx, `ANALYZE billing_lines`)
		benchMust(b, err)
	}
	return ib
}

// approved makes n approved individual-certificate applications, each of a new employee.
func (ib *issueBench) approved(b *testing.B, n int) []string {
	b.Helper()
	ctx := context.Background()
	ids := make([]string, 0, n)
	for range n {
		emp, err := ib.svc.CreateEmployee(ctx, ib.p, registration.EmployeeInput{OrganizationID: ib.org, Surname: "Иванов",
			GivenName: "Иван", BirthDate: "1980-01-02", SNILS: requisites.GenerateSNILS(ib.rnd),
			Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456", IssueDate: "2005-03-04",
				Issuer: "ОВД", IssuerCode: "770-001"}})
		benchMust(b, err)
		a, err := ib.svc.CreateApplication(ctx, ib.p, registration.ApplicationInput{EmployeeID: emp.ID, Kind: model.KindIndividual})
		benchMust(b, err)
		id := a.Application.ID
		for _, step := range []func() error{
			func() error {
				_, err := ib.svc.Act(ctx, ib.p, id, registration.ActSubmit, registration.ActionInput{})
				return err
			},
			func() error {
				_, err := ib.svc.Act(ctx, ib.p, id, registration.ActSubmit, registration.ActionInput{})
				return err
			},
			func() error { _, err := ib.svc.UploadCSR(ctx, ib.p, id, ib.csr); return err },
			func() error {
				_, err := ib.svc.Act(ctx, ib.p, id, registration.ActVerifyIdentity,
					registration.ActionInput{Method: model.VerifiedInPersonWorkplace})
				return err
			},
			func() error {
				_, err := ib.svc.Act(ctx, ib.p, id, registration.ActApprove, registration.ActionInput{})
				return err
			},
		} {
			benchMust(b, step())
		}
		ids = append(ids, id)
	}
	return ids
}

// BenchmarkIssueBillingLines issues certificates from 20 concurrent clients with no billing lines and with
// 1,000,000 lines of other applications (issue 11, defect 6: every issuance counted all of them). The CA
// is a stub, so the rate is kcr's own, database-bound part of issuance. Run it with, for example,
// go test -run '^$' -bench BenchmarkIssueBillingLines -benchtime 400x ./internal/registration/
func BenchmarkIssueBillingLines(parent *testing.B) {
	b := parent
	for _, eng := range testdb.Engines(b) {
		for _, lines := range []int{0, 1_000_000} {
			var ib *issueBench // made once per engine and size: filling the table takes a while
			b.Run(fmt.Sprintf("%s/lines=%d", eng.Name, lines), func(b *testing.B) {
				if ib == nil {
					ib = newIssueBench(parent, b, eng, lines)
				}
				b.StopTimer()
				ids := ib.approved(b, b.N)
				next := atomic.Int64{}
				b.SetParallelism((issueClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.StartTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := ids[next.Add(1)-1]
						if _, err := ib.svc.Act(context.Background(), ib.p, id, registration.ActIssue, registration.ActionInput{}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issues/s")
			})
		}
	}
}

func benchMust(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
