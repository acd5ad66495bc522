package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/webhook"
)

// env is a running API over a database holding one account with two organizations, A and B, an employee
// in each, and a caller for every role. Callers scoped to organizations see only A.
type env struct {
	t        *testing.T
	db       *storage.DB
	srv      *httptest.Server
	clk      *clock.Fake
	acc      *access.Service
	reg      *registration.Service
	bill     *billing.Service
	poa      *attorney.Service
	webhooks *webhook.Service
	admin    *access.Principal
	orgA     *model.Organization
	orgB     *model.Organization
	empA     *model.Employee
	empB     *model.Employee
	tokens   map[string]string // caller name → bearer token
}

// Caller names: every user role, plus API keys for the whole account and for organization A only.
var callers = []string{"operator", "account_admin", "org_admin", "registrar", "accountant", "manager", "employee",
	"key_account", "key_org_a"}

const testPassword = "correct horse battery"

// testMetricsToken guards the test server's /metrics.
const testMetricsToken = "metrics-token-for-tests"

func newEnv(t *testing.T, db *storage.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: db, clk: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)), tokens: map[string]string{}}
	e.acc = &access.Service{DB: db, Clock: e.clk}
	e.reg = &registration.Service{DB: db, Clock: e.clk}
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	acct, err := e.acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Тестовый холдинг"})
	must(t, err)
	e.bill = &billing.Service{DB: db, Clock: e.clk}
	e.reg.Billing = e.bill
	_, err = e.bill.CreateAgreement(ctx, boot, acct.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
		SignedOn: "2020-01-01", Covers: "individual_certificate"})
	must(t, err)
	newUser := func(p *access.Principal, in access.UserInput) *model.User {
		in.Password = testPassword
		if in.FullName == "" {
			in.FullName = "Пользователь " + in.Login
		}
		u, err := e.acc.CreateUser(ctx, p, in)
		must(t, err)
		return u
	}
	newUser(boot, access.UserInput{Login: "operator", Role: model.RoleOperator})
	adminUser := newUser(boot, access.UserInput{Login: "account_admin", Role: model.RoleAccountAdmin, AccountID: acct.ID})
	e.admin = access.PrincipalOfUser(adminUser)
	e.orgA, err = e.reg.CreateOrganization(ctx, e.admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", Address: "Москва", Region: "77"})
	must(t, err)
	e.orgB, err = e.reg.CreateOrganization(ctx, e.admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "АО «Василёк»", INN: "7736050003", KPP: "773601001", OGRN: "1027700070518", Address: "Москва", Region: "77"})
	must(t, err)
	e.empA, err = e.reg.CreateEmployee(ctx, e.admin, employeeInput(e.orgA.ID, "Иванов", "11223344595"))
	must(t, err)
	inB := employeeInput(e.orgB.ID, "Секретов", "08765430300")
	inB.INN, inB.Email, inB.Phone = "526317984689", "secret@vasilek.ru", "+79035550011"
	inB.Document.Series, inB.Document.Number, inB.Document.IssuerCode = "4611", "654321", "500-077"
	e.empB, err = e.reg.CreateEmployee(ctx, e.admin, inB)
	must(t, err)
	newUser(e.admin, access.UserInput{Login: "org_admin", Role: model.RoleOrgAdmin, OrganizationIDs: []string{e.orgA.ID}})
	newUser(e.admin, access.UserInput{Login: "registrar", Role: model.RoleRegistrar, OrganizationIDs: []string{e.orgA.ID}})
	newUser(e.admin, access.UserInput{Login: "accountant", Role: model.RoleAccountant})
	newUser(e.admin, access.UserInput{Login: "manager", Role: model.RoleManager, OrganizationIDs: []string{e.orgA.ID}})
	newUser(e.admin, access.UserInput{Login: "employee", Role: model.RoleEmployee, EmployeeID: e.empA.ID})
	for _, login := range callers[:7] {
		tok, _, err := e.acc.Login(ctx, login, testPassword)
		must(t, err)
		e.tokens[login] = tok
	}
	_, secret, err := e.acc.CreateAPIKey(ctx, e.admin, access.APIKeyInput{Name: "ERP", AllOrganizations: true})
	must(t, err)
	e.tokens["key_account"] = secret
	_, secret, err = e.acc.CreateAPIKey(ctx, e.admin, access.APIKeyInput{Name: "HR of A", OrganizationIDs: []string{e.orgA.ID}})
	must(t, err)
	e.tokens["key_org_a"] = secret
	e.webhooks = testWebhooks(db, e.clk)
	srv := &api.Server{DB: db, Access: e.acc, Reg: e.reg, Clock: e.clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Billing: e.bill, Webhooks: e.webhooks, Seller: document.Party{Name: "ООО «УЦ»", INN: "7728168971", KPP: "770801001",
			Bank: "ПАО «Демобанк»", BIC: "044525225", Account: "40702810900000000001", CorrAccount: "30101810400000000225"},
		MetricsToken: testMetricsToken, Mailings: newMailings(e)}
	e.poa = poaService(t, e)
	srv.PoA = e.poa
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func employeeInput(orgID, surname, snils string) registration.EmployeeInput {
	return registration.EmployeeInput{OrganizationID: orgID, Surname: surname, GivenName: "Иван", Patronymic: "Петрович",
		BirthDate: "1985-04-12", SNILS: snils, INN: "500100732259", Email: "ivanov@example.ru", Phone: "+79161234567",
		Position: "бухгалтер", Document: model.IdentityDocument{Type: "passport_rf", Series: "4510", Number: "123456",
			IssueDate: "2010-05-20", Issuer: "ОВД района Арбат г. Москвы", IssuerCode: "772-001"}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.body)
	}
	var p api.Problem
	r.json(t, &p)
	return p
}

// do sends a request as a caller ("" for none). body may be a string (sent as is) or a value sent as JSON.
func (e *env) do(caller, method, path string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		must(e.t, err)
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	must(e.t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if caller != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[caller])
	}
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// eachEngine runs f on a fresh environment for every database engine.
func eachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			f(t, newEnv(t, eng.Open(t)))
		})
	}
}
