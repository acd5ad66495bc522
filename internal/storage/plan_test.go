package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/asn1"
	mathbig "math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// fullScan matches a plan line that reads a whole table: SQLite's "SCAN <table>" (with or without an index
// to walk: walking all of an index is no better), PostgreSQL's Seq Scan.
var fullScan = regexp.MustCompile(`^SCAN [a-z_]+\b|Seq Scan on `)

// TestWritePathPlans runs the write paths through the real services — issuing a certificate (CA intent,
// key holders, certificate, application, billing line with its tariff, agreement and period lookups, audit
// and feed), reissuing one, revoking one, publishing a CRL and answering OCSP — records every statement
// they send to the database, and asks the engine for its plan of each: none may read a whole table (issue
// 11, defect 6: HasLine counted all billing lines in every issuance). The statements come from the code
// itself, so a new query on these paths is checked without listing it here.
func TestWritePathPlans(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			w := newWritePath(t, db)
			type statement struct {
				query string
				args  []any
			}
			seen := map[string]statement{}
			storage.ObserveStatements(db, func(q string, args []any) {
				if _, ok := seen[q]; !ok {
					seen[q] = statement{q, args}
				}
			})
			w.run(t)
			storage.ObserveStatements(db, nil)

			queries := make([]string, 0, len(seen))
			for q := range seen {
				queries = append(queries, q)
			}
			sort.Strings(queries)
			for _, q := range []string{"FROM billing_lines WHERE application_id", "INSERT INTO issuance_intents",
				"UPDATE certificates SET status = 'revoked'", "FROM crls", "FROM tariffs", "FROM agreements"} {
				if !strings.Contains(strings.Join(queries, "\n"), q) {
					t.Errorf("no statement containing %q was recorded: the write path changed, update this test", q)
				}
			}
			for _, q := range queries {
				s := seen[q]
				plan, err := storage.QueryPlan(ctx, db, s.query, s.args...)
				if err != nil {
					t.Errorf("plan of %s: %v", oneLine(q), err)
					continue
				}
				for _, line := range plan {
					if fullScan.MatchString(strings.TrimSpace(line)) {
						t.Errorf("full scan %q in the plan of\n\t%s\n\t%s", strings.TrimSpace(line), oneLine(q), strings.Join(plan, "\n\t"))
						break
					}
				}
			}
			t.Logf("%d distinct statements checked", len(queries))
		})
	}
}

func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }

// writePath is an account with the built-in CA, ready to issue: two approved applications (the second
// held back for a reissue) of an employee with an identified identity.
type writePath struct {
	db    *storage.DB
	clk   *clock.Fake
	reg   *registration.Service
	b     *ca.Builtin
	admin *access.Principal
	clerk *access.Principal // a registrar of the organization: identifies, approves and issues
	apps  []string
}

func newWritePath(t *testing.T, db *storage.DB) *writePath {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	acc := &access.Service{DB: db, Clock: clk}
	bill := &billing.Service{DB: db, Clock: clk}
	w := &writePath{db: db, clk: clk, reg: &registration.Service{DB: db, Clock: clk, Billing: bill}}
	var err error
	if w.b, err = ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1", []byte("test passphrase 123"), ca.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	w.reg.CA = w.b
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Холдинг"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bill.CreateAgreement(ctx, boot, acct.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
		SignedOn: "2020-01-01", Covers: "individual_certificate"}); err != nil {
		t.Fatal(err)
	}
	w.admin = &access.Principal{Actor: "system:test-admin", Name: "admin", AccountID: acct.ID, Role: model.RoleAccountAdmin}
	org, err := w.reg.CreateOrganization(ctx, w.admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", Address: "Москва", Region: "77"})
	if err != nil {
		t.Fatal(err)
	}
	w.clerk = &access.Principal{Actor: "system:test-registrar", Name: "registrar", AccountID: acct.ID, Role: model.RoleRegistrar,
		OrgIDs: []string{org.ID}}
	emp, err := w.reg.CreateEmployee(ctx, w.admin, registration.EmployeeInput{OrganizationID: org.ID, Surname: "Иванов",
		GivenName: "Иван", Patronymic: "Петрович", BirthDate: "1985-04-12", SNILS: "11223344595", INN: "500100732259",
		Email: "ivanov@example.ru", Phone: "+79161234567", Position: "бухгалтер",
		Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456", IssueDate: "2010-05-20",
			Issuer: "ОВД района Арбат г. Москвы", IssuerCode: "772-001"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a, err := w.reg.CreateApplication(ctx, w.admin, registration.ApplicationInput{EmployeeID: emp.ID, Kind: model.KindIndividual})
		if err != nil {
			t.Fatal(err)
		}
		w.approve(t, a.Application.ID)
		w.apps = append(w.apps, a.Application.ID)
	}
	return w
}

// approve takes an application from draft to approved, with a fresh GOST key request.
func (w *writePath) approve(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}},
		key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.reg.Application(ctx, w.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	for a.State == model.StateDraft || a.State == model.StateDocuments {
		if a, err = w.reg.Act(ctx, w.admin, id, registration.ActSubmit, registration.ActionInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if !a.HasCSR {
		if _, err := w.reg.UploadCSR(ctx, w.admin, id, csr); err != nil {
			t.Fatal(err)
		}
	}
	if a.Verification == nil {
		if _, err := w.reg.Act(ctx, w.clerk, id, registration.ActVerifyIdentity,
			registration.ActionInput{Method: model.VerifiedInPersonWorkplace}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.reg.Act(ctx, w.clerk, id, registration.ActApprove, registration.ActionInput{}); err != nil {
		t.Fatal(err)
	}
}

// run goes through the write paths: issue, reissue, revoke, CRL, OCSP.
func (w *writePath) run(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	issued, err := w.reg.Act(ctx, w.clerk, w.apps[0], registration.ActIssue, registration.ActionInput{})
	if err != nil {
		t.Fatal(err)
	}
	serial := issued.CertificateSerial
	if _, err := w.b.CRL(ctx, w.b.IssuingName()); err != nil {
		t.Fatal(err)
	}
	re, err := w.reg.ReissueCertificate(ctx, w.admin, serial, registration.ReissueInput{})
	if err != nil {
		t.Fatal(err)
	}
	w.approve(t, re.Application.ID)
	if _, err := w.reg.Act(ctx, w.clerk, re.Application.ID, registration.ActIssue, registration.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(time.Minute)
	if _, err := w.reg.RevokeCertificate(ctx, w.admin, serial, registration.RevokeInput{Reason: "superseded"}); err != nil {
		t.Fatal(err)
	}
	der, err := w.b.CRL(ctx, w.b.IssuingName())
	if err != nil {
		t.Fatal(err)
	}
	if c, err := x509gost.ParseCRL(der); err != nil || len(c.Revoked) != 1 {
		t.Fatalf("the CRL after the revocation: %v", err)
	}
	issuer, ok := w.b.Certificate(w.b.IssuingName())
	if !ok {
		t.Fatal("no issuing certificate")
	}
	iss, err := x509gost.ParseCertificate(issuer)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := new(mathbig.Int).SetString(serial, 16)
	id, err := x509gost.NewCertID(x509gost.OIDSHA1, iss, n)
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := x509gost.ParseOCSPResponse(w.b.OCSP(ctx, req)); err != nil || r.Status != x509gost.OCSPSuccessful {
		t.Fatalf("OCSP: %v", err)
	}
}
