package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

const testPassword = "correct horse battery"

// Names and requisites of the two organizations. Users scoped to A must never see B's names.
const (
	orgAName = "ООО «Ромашка»"
	orgAINN  = "7707083893"
	orgBName = "АО «Василёк»"
	orgBINN  = "7736050003"
	empAName = "Иванов"
	empBName = "Секретов"
	snilsA   = "11223344595"
	snilsB   = "08765430300"
	passA    = "123456"
	passB    = "654321"
)

// env is the web interface over one account with organizations A and B, an employee and an application
// waiting for identity verification in each, certificates in each (one in A expiring soon, one legacy),
// and a user for every role; scoped roles see only A, except org_admin_b who sees only B.
type env struct {
	t   *testing.T
	db  *storage.DB
	srv *httptest.Server
	clk *clock.Fake
	reg *registration.Service
	// appA and appB wait for identity verification in A and B; certA/certB are serials; center is a
	// service center.
	appA, appB, center string
	// orgA, orgB, empA and empB are the ids of the organizations and their employees.
	orgA, orgB, empA, empB string
	// h is the handler under test (tests may set Seller).
	h *Handler
}

// Serials of the env's certificates: A's individual (expiring in 20 days), A's legacy one, B's.
const (
	certA      = "0a0b0c0d0e0f10111213141516171810"
	certLegacy = "0a0b0c0d0e0f10111213141516171811"
	certB      = "0a0b0c0d0e0f10111213141516171812"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testdb.Engines(t)[0].Open(t))
}

// newEnvOn is newEnv on a given database.
func newEnvOn(t *testing.T, db *storage.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: db, clk: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))}
	acc := &access.Service{DB: db, Clock: e.clk}
	bill := &billing.Service{DB: db, Clock: e.clk}
	reg := &registration.Service{DB: db, Clock: e.clk, Billing: bill}
	e.reg = reg
	// kcr's built-in CA, so that approved applications can be issued.
	builtin, err := ca.Init(ctx, db, e.clk, ca.DefaultProfile(), "http://127.0.0.1", []byte("test passphrase 123"), ca.InitOptions{})
	must(t, err)
	reg.CA = builtin
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Тестовый холдинг"})
	must(t, err)
	_, err = bill.CreateAgreement(ctx, boot, acct.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
		SignedOn: "2020-01-01", Covers: "individual_certificate"})
	must(t, err)
	newUser := func(p *access.Principal, in access.UserInput) *model.User {
		in.Password = testPassword
		in.FullName = "Пользователь " + in.Login
		u, err := acc.CreateUser(ctx, p, in)
		must(t, err)
		return u
	}
	admin := access.PrincipalOfUser(newUser(boot, access.UserInput{Login: "account_admin", Role: model.RoleAccountAdmin,
		AccountID: acct.ID}))
	orgA, err := reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: orgAName, INN: orgAINN, KPP: "773601001", OGRN: "1027700132195", Address: "Москва", Region: "77"})
	must(t, err)
	_, err = reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgBranch, ParentID: orgA.ID,
		Name: "Филиал ООО «Ромашка» в Санкт-Петербурге", INN: orgAINN, KPP: "781043001", OGRN: "1027700132195",
		Address: "Санкт-Петербург", Region: "78"})
	must(t, err)
	orgB, err := reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: orgBName, INN: orgBINN, KPP: "773601001", OGRN: "1027700070518", Address: "Москва", Region: "77"})
	must(t, err)
	empA, err := reg.CreateEmployee(ctx, admin, employeeInput(orgA.ID, empAName, snilsA, passA))
	must(t, err)
	empB, err := reg.CreateEmployee(ctx, admin, employeeInput(orgB.ID, empBName, snilsB, passB))
	must(t, err)
	e.orgA, e.orgB, e.empA, e.empB = orgA.ID, orgB.ID, empA.ID, empB.ID
	for i, emp := range []*model.Employee{empA, empB} {
		app, err := reg.CreateApplication(ctx, admin, registration.ApplicationInput{EmployeeID: emp.ID, Kind: model.KindIndividual})
		must(t, err)
		if i == 0 {
			e.appA = app.Application.ID
		} else {
			e.appB = app.Application.ID
		}
		for range 2 {
			_, err = reg.Act(ctx, admin, app.Application.ID, registration.ActSubmit, registration.ActionInput{})
			must(t, err)
		}
	}
	now := e.clk.Now()
	for i, c := range []struct {
		org      *model.Organization
		emp      *model.Employee
		kind     model.CertKind
		from, to time.Time
	}{
		{orgA, empA, model.KindIndividual, now.AddDate(-1, 0, 20), now.AddDate(0, 0, 20)},
		{orgA, empA, model.KindLegalEntityEmployee, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), now.AddDate(0, 2, 0)},
		{orgB, empB, model.KindIndividual, now.AddDate(0, -3, 0), now.AddDate(0, 9, 0)},
	} {
		must(t, db.CreateCertificate(ctx, &model.Certificate{Serial: "0a0b0c0d0e0f1011121314151617181" + string(rune('0'+i)),
			AccountID: acct.ID, OrganizationID: c.org.ID, EmployeeID: c.emp.ID, Kind: c.kind, Status: model.CertValid,
			Issuer: "test", NotBefore: c.from, NotAfter: c.to, CreatedAt: now, DER: []byte{0x30, 0x00},
			PublicKeyHash: "hash" + string(rune('0'+i))}))
	}
	sc, err := reg.CreateServiceCenter(ctx, boot, registration.ServiceCenterInput{Name: "СЦ «Центральный»",
		Address: "Москва, ул. Тверская, 1", Region: "77", Hours: "пн–пт 9–18"})
	must(t, err)
	e.center = sc.ID
	newUser(admin, access.UserInput{Login: "org_admin", Role: model.RoleOrgAdmin, OrganizationIDs: []string{orgA.ID}})
	newUser(admin, access.UserInput{Login: "org_admin_b", Role: model.RoleOrgAdmin, OrganizationIDs: []string{orgB.ID}})
	newUser(admin, access.UserInput{Login: "registrar", Role: model.RoleRegistrar, OrganizationIDs: []string{orgA.ID}})
	newUser(admin, access.UserInput{Login: "accountant", Role: model.RoleAccountant})
	newUser(admin, access.UserInput{Login: "manager", Role: model.RoleManager, OrganizationIDs: []string{orgA.ID}})
	newUser(admin, access.UserInput{Login: "employee", Role: model.RoleEmployee, EmployeeID: empA.ID})

	h := &Handler{Access: acc, Reg: reg, Billing: bill, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.h = h
	mux := http.NewServeMux()
	h.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func employeeInput(orgID, surname, snils, passport string) registration.EmployeeInput {
	return registration.EmployeeInput{OrganizationID: orgID, Surname: surname, GivenName: "Иван", Patronymic: "Петрович",
		BirthDate: "1985-04-12", SNILS: snils, INN: "500100732259", Email: strings.ToLower("ivan@example.ru"),
		Phone: "+79161234567", Position: "бухгалтер", Document: model.IdentityDocument{Type: "passport_rf", Series: "4510",
			Number: passport, IssueDate: "2010-05-20", Issuer: "ОВД района Арбат г. Москвы", IssuerCode: "772-001"}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-keeping HTTP client that does not follow redirects, like a browser with JS off
// as far as the server can tell.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values, header ...string) reply {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	must(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base) // a same-origin form post, as a browser sends it
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	must(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(b.t, err)
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw), header: resp.Header}
}

func (b *browser) get(path string, header ...string) reply { return b.do("GET", path, nil, header...) }

func (b *browser) login(login string) {
	b.t.Helper()
	r := b.do("POST", "/login", url.Values{"login": {login}, "password": {testPassword}})
	if r.status != http.StatusSeeOther || r.location != "/ui/" {
		b.t.Fatalf("login %s: %d %q %s", login, r.status, r.location, r.body)
	}
}
