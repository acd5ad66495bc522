package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
)

// billSeller is a seller with the bank requisites an invoice needs (document.InvoicePDF refuses an
// invoice without them; the harness's seller has none).
var billSeller = document.Party{Name: "ООО «Удостоверяющий центр КЦР»", INN: "7728168971", KPP: "770801001",
	OGRN: "1027700067328", Address: "г. Москва, ул. Профсоюзная, д. 1", Bank: "ПАО «Демобанк», г. Москва",
	BIC: "044525225", Account: "40702810900000000001", CorrAccount: "30101810400000000225"}

// billServe points the environment at a server over the same services whose seller can be invoiced.
func billServe(t *testing.T, e *env) {
	t.Helper()
	srv := &api.Server{DB: e.db, Access: e.acc, Reg: e.reg, Clock: e.clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Billing: e.bill, Seller: billSeller}
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
}

var billOperator = &access.Principal{Actor: "system:test", Role: model.RoleOperator}

// billLogin logs a user in again (sessions last 12 hours; tests move the clock by weeks).
func (e *env) billLogin(t *testing.T, logins ...string) {
	t.Helper()
	for _, login := range logins {
		tok, _, err := e.acc.Login(context.Background(), login, testPassword)
		must(t, err)
		e.tokens[login] = tok
	}
}

// billAccount creates another client account with an organization, an employee, an account admin and an
// accountant (callers "<prefix>admin" and "<prefix>accountant"), and no agreements. It returns the
// account id and the employee id.
func (e *env) billAccount(t *testing.T, prefix string, seed uint64) (string, string) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 42))
	acct, err := e.acc.CreateAccount(ctx, billOperator, access.AccountInput{Name: "Холдинг без допсоглашения " + prefix})
	must(t, err)
	u, err := e.acc.CreateUser(ctx, billOperator, access.UserInput{Login: prefix + "admin", FullName: "Админ " + prefix,
		Role: model.RoleAccountAdmin, AccountID: acct.ID, Password: testPassword})
	must(t, err)
	admin := access.PrincipalOfUser(u)
	_, err = e.acc.CreateUser(ctx, admin, access.UserInput{Login: prefix + "accountant", FullName: "Бухгалтер " + prefix,
		Role: model.RoleAccountant, Password: testPassword})
	must(t, err)
	inn := requisites.GenerateINN10(r)
	org, err := e.reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Лютик " + prefix + "»", INN: inn, KPP: requisites.GenerateKPP(r, inn), OGRN: requisites.GenerateOGRN(r),
		Address: "Казань", Region: "16"})
	must(t, err)
	emp, err := e.reg.CreateEmployee(ctx, admin, employeeInput(org.ID, "Петров", requisites.GenerateSNILS(r)))
	must(t, err)
	e.billLogin(t, prefix+"admin", prefix+"accountant")
	return acct.ID, emp.ID
}

var billUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// billNoPersonalData checks a body for the employee's СНИЛС and passport, after removing the random
// identifiers (ids, the serial) that could contain the digits by chance.
func billNoPersonalData(t *testing.T, what string, body []byte, serial string) {
	t.Helper()
	s := billUUID.ReplaceAllString(string(body), "<id>")
	if serial != "" {
		s = strings.ReplaceAll(s, serial, "<serial>")
	}
	for _, secret := range []string{"11223344595", "112-233-445 95", "4510", "123456", "Арбат", "1985-04-12"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows personal data %q: %s", what, secret, s)
		}
	}
}

// billPDFText extracts a PDF's text with `pdftotext - -` (poppler-utils). Without it the test skips on a
// laptop and fails under CI. Whitespace (no-break spaces included) is collapsed to single spaces.
func billPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
			t.Fatal("pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(out), "\u00a0", " ")), " ")
}

type billLinePage struct {
	Items []model.BillingLine `json:"items"`
}

type billInvoicePage struct {
	Items []model.Invoice `json:"items"`
}

type billInvoiceView struct {
	model.Invoice
	Lines []model.BillingLine `json:"lines"`
}

// An issuance becomes one billing line the accountant sees without personal data; when the month has
// ended and closed, the accountant finds one invoice as JSON, PDF (with an act) and CSV.
func TestBillingEndToEnd(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		withCA(t, e)
		billServe(t, e)
		id := e.approvedApp(t)
		r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil)
		if r.status != 200 {
			t.Fatalf("issue: %d %s", r.status, r.body)
		}
		var app registration.ApplicationView
		r.json(t, &app)
		serial := app.CertificateSerial
		if serial == "" || app.BillingPosition != billIndividual {
			t.Fatalf("issued %+v", app.Application)
		}

		// The line, for everyone who reads billing.
		for _, caller := range []string{"accountant", "account_admin", "operator"} {
			r := e.do(caller, "GET", "/api/v1/billing/lines", nil)
			if r.status != 200 {
				t.Fatalf("%s lines: %d %s", caller, r.status, r.body)
			}
			var page billLinePage
			r.json(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("%s sees %d lines, want 1: %s", caller, len(page.Items), r.body)
			}
			l := page.Items[0]
			if l.PayerOrganizationID != e.orgA.ID || l.AccountID != e.orgA.AccountID || l.EmployeeInitials != "И. П. И." ||
				l.CertificateSerial != serial || l.PriceKopecks != 250000 || l.Position != "individual_certificate" ||
				l.Event != "issuance" || l.Period != "2026-11" || l.ApplicationID != id || l.InvoiceID != "" {
				t.Fatalf("%s: line %+v", caller, l)
			}
			billNoPersonalData(t, caller+"'s lines", r.body, serial)
		}
		for _, caller := range []string{"org_admin", "registrar", "manager", "employee", "key_account", "key_org_a"} {
			if r := e.do(caller, "GET", "/api/v1/billing/lines", nil); r.status != 403 {
				t.Errorf("%s reading billing lines: %d, want 403", caller, r.status)
			}
		}
		if r := e.do("accountant", "GET", "/api/v1/billing/lines?period=2026-11", nil); r.status != 200 || !strings.Contains(string(r.body), serial) {
			t.Errorf("lines of 2026-11: %d %s", r.status, r.body)
		}
		if r := e.do("accountant", "GET", "/api/v1/billing/lines?period=2026-10", nil); r.status != 200 || strings.Contains(string(r.body), serial) {
			t.Errorf("lines of 2026-10: %d %s", r.status, r.body)
		}
		if r := e.do("accountant", "GET", "/api/v1/billing/lines?period=November", nil); r.status != 422 || !billHasField(t, r, "period") {
			t.Errorf("lines of a malformed period: %d %s", r.status, r.body)
		}
		// The forecast is twelve months from the current one, for the roles that plan.
		r = e.do("manager", "GET", "/api/v1/billing/forecast", nil)
		var fc struct {
			Items []billing.ForecastMonth `json:"items"`
		}
		r.json(t, &fc)
		if r.status != 200 || len(fc.Items) != 12 || fc.Items[0].Period != "2026-11" || fc.Items[11].Period != "2027-10" {
			t.Errorf("forecast: %d %s", r.status, r.body)
		}
		if r := e.do("org_admin", "GET", "/api/v1/billing/forecast", nil); r.status != 403 {
			t.Errorf("org_admin reading the forecast: %d, want 403", r.status)
		}
		// November is not over: nothing to close yet, no invoice.
		if _, err := e.bill.Close(context.Background(), billOperator, e.orgA.AccountID, "2026-11"); err == nil {
			t.Fatal("closed November on 26 November")
		}

		// December the 1st, 06:00 Moscow time.
		e.clk.Set(time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC))
		e.billLogin(t, "accountant", "account_admin", "operator", "org_admin", "manager")
		invs, err := e.bill.Close(context.Background(), billOperator, e.orgA.AccountID, "2026-11")
		must(t, err)
		if len(invs) != 1 {
			t.Fatalf("%d invoices, want 1", len(invs))
		}
		inv := invs[0]
		if inv.PayerOrganizationID != e.orgA.ID || inv.NetKopecks != 250000 || inv.VATPercent != 22 || inv.VATKopecks != 55000 ||
			inv.TotalKopecks != 305000 || inv.Period != "2026-11" {
			t.Fatalf("invoice %+v", inv)
		}
		number := billing.InvoiceNumber(inv)

		var list billInvoicePage
		r = e.do("accountant", "GET", "/api/v1/invoices", nil)
		r.json(t, &list)
		if r.status != 200 || len(list.Items) != 1 || list.Items[0].ID != inv.ID || list.Items[0].TotalKopecks != 305000 ||
			list.Items[0].Number != inv.Number {
			t.Fatalf("invoices: %d %s", r.status, r.body)
		}
		for period, n := range map[string]int{"2026-11": 1, "2026-10": 0} {
			r := e.do("accountant", "GET", "/api/v1/invoices?period="+period, nil)
			var page billInvoicePage
			r.json(t, &page)
			if r.status != 200 || len(page.Items) != n {
				t.Errorf("invoices of %s: %d %s", period, r.status, r.body)
			}
		}
		if r := e.do("accountant", "GET", "/api/v1/invoices?period=2026-11-01", nil); r.status != 422 || !billHasField(t, r, "period") {
			t.Errorf("invoices of a malformed period: %d %s", r.status, r.body)
		}

		path := "/api/v1/invoices/" + inv.ID
		for _, caller := range []string{"accountant", "account_admin", "operator"} {
			r := e.do(caller, "GET", path, nil)
			var view billInvoiceView
			r.json(t, &view)
			if r.status != 200 || view.ID != inv.ID || view.TotalKopecks != 305000 || len(view.Lines) != 1 ||
				view.Lines[0].CertificateSerial != serial || view.Lines[0].InvoiceID != inv.ID ||
				view.Lines[0].EmployeeInitials != "И. П. И." {
				t.Fatalf("%s: invoice JSON %d %s", caller, r.status, r.body)
			}
			billNoPersonalData(t, caller+"'s invoice", r.body, serial)
		}
		for _, caller := range []string{"org_admin", "key_account", "manager"} {
			if r := e.do(caller, "GET", path, nil); r.status != 403 {
				t.Errorf("%s reading the invoice: %d, want 403", caller, r.status)
			}
		}
		// Another client's accountant does not find it.
		e.billAccount(t, "other", 7)
		if r := e.do("otheraccountant", "GET", path, nil); r.status != 404 {
			t.Errorf("another account's accountant reading the invoice: %d, want 404", r.status)
		}
		if r := e.do("otheraccountant", "GET", "/api/v1/invoices", nil); r.status != 200 || strings.Contains(string(r.body), inv.ID) {
			t.Errorf("another account's accountant lists: %d %s", r.status, r.body)
		}
		if r := e.do("accountant", "GET", "/api/v1/invoices/no-such-invoice", nil); r.status != 404 {
			t.Errorf("a missing invoice: %d", r.status)
		}

		// The invoice as PDF.
		r = e.do("accountant", "GET", path, nil, "Accept", "application/pdf")
		if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) {
			t.Fatalf("invoice PDF: %d %s %.200q", r.status, r.header.Get("Content-Type"), r.body)
		}
		// The file name is Cyrillic ("invoice-КЦР-…"): sent as RFC 2231 UTF-8 with an ASCII stand-in, the
		// header itself ASCII.
		cd := r.header.Get("Content-Disposition")
		if _, params, err := mime.ParseMediaType(cd); err != nil || params["filename"] != "invoice-"+number+".pdf" ||
			strings.IndexFunc(cd, func(r rune) bool { return r > 127 }) >= 0 || !strings.Contains(cd, "filename=invoice-___-") {
			t.Errorf("Content-Disposition %q (%v): want the invoice's number as an ASCII-encoded file name", cd, err)
		}
		invoiceText := billPDFText(t, r.body)
		for _, want := range []string{"КЦР-", number, "Счёт на оплату", "ООО «Ромашка»", "7707083893", billSeller.Name,
			"2 500,00", "550,00", "3 050,00", "Три тысячи пятьдесят рублей 00 копеек", "И. П. И."} {
			if !strings.Contains(invoiceText, want) {
				t.Errorf("the invoice PDF lacks %q; its text: %s", want, invoiceText)
			}
		}
		billNoPersonalData(t, "the invoice PDF", []byte(invoiceText), serial)

		// Without the operator's requisites the printed invoice and act are refused; the JSON still answers.
		bare := httptest.NewServer((&api.Server{DB: e.db, Access: e.acc, Reg: e.reg, Clock: e.clk, Billing: e.bill,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
		for _, c := range []struct {
			path, accept string
			want         int
		}{{path, "application/pdf", 503}, {path + "/act", "", 503}, {path, "application/json", 200}} {
			req, _ := http.NewRequest("GET", bare.URL+c.path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens["accountant"])
			req.Header.Set("Accept", c.accept)
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("no seller, GET %s (%s): %d, want %d", c.path, c.accept, resp.StatusCode, c.want)
			}
		}
		bare.Close()

		// The act.
		r = e.do("accountant", "GET", path+"/act", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) {
			t.Fatalf("act: %d %s %.200q", r.status, r.header.Get("Content-Type"), r.body)
		}
		actText := billPDFText(t, r.body)
		for _, want := range []string{"Акт", number, "ООО «Ромашка»", "3 050,00", "Три тысячи пятьдесят рублей 00 копеек"} {
			if !strings.Contains(actText, want) {
				t.Errorf("the act lacks %q; its text: %s", want, actText)
			}
		}
		billNoPersonalData(t, "the act", []byte(actText), serial)
		if r := e.do("org_admin", "GET", path+"/act", nil); r.status != 403 {
			t.Errorf("org_admin reading the act: %d, want 403", r.status)
		}

		// CSV.
		r = e.do("accountant", "GET", path, nil, "Accept", "text/csv")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		body := strings.TrimPrefix(string(r.body), "\ufeff")
		cr := csv.NewReader(strings.NewReader(body))
		cr.Comma = ';'
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, body)
		}
		if len(rows) != 5 || strings.Join(rows[0], "|") != strings.Join(document.CSVHeader, "|") {
			t.Fatalf("CSV rows %q", rows)
		}
		if row := rows[1]; !strings.Contains(row[1], serial) || !strings.Contains(row[1], "И. П. И.") || row[2] != "1" ||
			row[3] != "2500,00" || row[4] != "2500,00" {
			t.Errorf("CSV line %q", row)
		}
		if got := rows[2][1] + "=" + rows[2][4] + " " + rows[3][1] + "=" + rows[3][4] + " " + rows[4][1] + "=" + rows[4][4]; got !=
			"Сумма без НДС=2500,00 НДС 22%=550,00 Всего с НДС=3050,00" {
			t.Errorf("CSV totals %q", got)
		}
		billNoPersonalData(t, "the CSV", r.body, serial)
	})
}

// billIndividual is the individual-certificate billing position.
const billIndividual = "individual_certificate"

func billHasField(t *testing.T, r response, field string) bool {
	t.Helper()
	p := r.problem(t)
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Without a supplementary agreement an individual certificate is refused with the step to take, and
// nothing is created; once the operator records one, the same request goes through.
func TestBillingSupplementaryAgreementRequired(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		acct, emp := e.billAccount(t, "b2", 11)
		order := map[string]any{"employee_id": emp, "kind": "individual"}
		r := e.do("b2admin", "POST", "/api/v1/applications", order)
		if r.status != 422 {
			t.Fatalf("an individual certificate without a supplementary agreement: %d %s", r.status, r.body)
		}
		p := r.problem(t)
		if p.Type != api.ProblemTypeBase+"rule-refused" || p.Rule != "supplementary_agreement_required" ||
			!strings.Contains(p.Detail, "дополнительное соглашение") {
			t.Fatalf("refusal %+v", p)
		}
		var apps struct {
			Items []model.Application `json:"items"`
		}
		e.do("b2admin", "GET", "/api/v1/applications", nil).json(t, &apps)
		if len(apps.Items) != 0 {
			t.Fatalf("the refused order left applications: %+v", apps.Items)
		}
		// The account's own admin cannot open the tariff; a malformed agreement is refused.
		agreement := map[string]any{"kind": "supplementary", "number": "ДС-2", "signed_on": "2026-11-26", "covers": billIndividual}
		if r := e.do("b2admin", "POST", "/api/v1/accounts/"+acct+"/agreements", agreement); r.status != 403 {
			t.Fatalf("the client's admin recording its own agreement: %d %s", r.status, r.body)
		}
		bad := map[string]any{"kind": "supplementary", "number": "ДС-2", "signed_on": "2026-11-26", "covers": "head_identification"}
		if r := e.do("operator", "POST", "/api/v1/accounts/"+acct+"/agreements", bad); r.status != 422 || !billHasField(t, r, "covers") {
			t.Fatalf("a supplementary agreement covering head_identification: %d %s", r.status, r.body)
		}
		// Signed tomorrow: still refused today.
		tomorrow := map[string]any{"kind": "supplementary", "number": "ДС-3", "signed_on": "2026-11-27", "covers": billIndividual}
		if r := e.do("operator", "POST", "/api/v1/accounts/"+acct+"/agreements", tomorrow); r.status != 201 {
			t.Fatalf("agreement: %d %s", r.status, r.body)
		}
		if r := e.do("b2admin", "POST", "/api/v1/applications", order); r.status != 422 {
			t.Fatalf("with an agreement signed tomorrow: %d %s", r.status, r.body)
		}
		if r := e.do("operator", "POST", "/api/v1/accounts/"+acct+"/agreements", agreement); r.status != 201 {
			t.Fatalf("agreement: %d %s", r.status, r.body)
		}
		var list struct {
			Items []model.Agreement `json:"items"`
		}
		e.do("b2admin", "GET", "/api/v1/accounts/"+acct+"/agreements", nil).json(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("the account sees %d agreements, want 2", len(list.Items))
		}
		r = e.do("b2admin", "POST", "/api/v1/applications", order)
		var a registration.ApplicationView
		r.json(t, &a)
		if r.status != 201 || a.BillingPosition != billIndividual || a.State != model.StateDraft {
			t.Fatalf("after the agreement: %d %s", r.status, r.body)
		}
		// The first account's agreement (from the harness) does not open the tariff for this one and vice versa:
		// the harness account orders as before.
		if r := e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"}); r.status != 201 {
			t.Fatalf("the harness account: %d %s", r.status, r.body)
		}
	})
}

// Tariffs through the API: only the operator sets them; bad prices and overlaps are refused by field.
func TestBillingTariffsAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		neg := map[string]any{"position": "head_identification", "price_kopecks": -100, "valid_from": "2027-01-01"}
		r := e.do("operator", "POST", "/api/v1/tariffs", neg)
		if r.status != 422 || !billHasField(t, r, "price_kopecks") {
			t.Fatalf("a negative price: %d %s", r.status, r.body)
		}
		good := map[string]any{"position": billIndividual, "price_kopecks": 270000, "valid_from": "2027-01-01"}
		for _, caller := range []string{"account_admin", "accountant", "key_account"} {
			if r := e.do(caller, "POST", "/api/v1/tariffs", good); r.status != 403 {
				t.Errorf("%s setting a price: %d, want 403", caller, r.status)
			}
		}
		r = e.do("operator", "POST", "/api/v1/tariffs", good)
		var created model.Tariff
		r.json(t, &created)
		if r.status != 201 || created.PriceKopecks != 270000 || created.ValidFrom != "2027-01-01" {
			t.Fatalf("a new price: %d %s", r.status, r.body)
		}
		overlap := map[string]any{"position": billIndividual, "price_kopecks": 1, "valid_from": "2026-12-15"}
		if r := e.do("operator", "POST", "/api/v1/tariffs", overlap); r.status != 422 || !billHasField(t, r, "valid_from") {
			t.Fatalf("an overlapping price: %d %s", r.status, r.body)
		}
		if r := e.do("operator", "POST", "/api/v1/tariffs", `{"position":"head_identification","price_kopecks":"100","valid_from":"2027-01-01"}`); r.status != 400 {
			t.Errorf("a price as a string: %d %s", r.status, r.body)
		}
		var list struct {
			Items []model.Tariff `json:"items"`
		}
		r = e.do("accountant", "GET", "/api/v1/tariffs", nil)
		r.json(t, &list)
		var old, cur bool
		for _, tr := range list.Items {
			old = old || (tr.ID == "default-individual" && tr.ValidTo == "2027-01-01" && tr.PriceKopecks == 250000)
			cur = cur || (tr.ID == created.ID && tr.ValidTo == "")
		}
		if r.status != 200 || len(list.Items) != 6 || !old || !cur { // five default positions and the new price
			t.Fatalf("tariffs after the change: %d %s", r.status, r.body)
		}
		if r := e.do("employee", "GET", "/api/v1/tariffs", nil); r.status != 403 {
			t.Errorf("an employee reading tariffs: %d", r.status)
		}
		// Migration is the operator's too.
		mig := map[string]any{"from_position": "legal_entity_employee_certificate", "to_position": billIndividual, "from_date": "2023-09-01"}
		if r := e.do("account_admin", "POST", "/api/v1/tariffs/migrate", mig); r.status != 403 {
			t.Errorf("account_admin migrating: %d", r.status)
		}
		if r := e.do("operator", "POST", "/api/v1/tariffs/migrate", mig); r.status != 200 {
			t.Errorf("operator migrating: %d %s", r.status, r.body)
		}
	})
}
