package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

func TestAuditLogPage(t *testing.T) {
	e := newEnv(t)
	for _, role := range []string{"registrar", "org_admin", "manager", "accountant", "employee"} {
		b := e.browser()
		b.login(role)
		if r := b.get("/ui/admin/audit"); r.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, r.status)
		}
		lacks(t, role+" menu", b.get("/ui/").body, `href="/ui/admin/audit"`)
	}
	b := e.browser()
	b.login("account_admin")
	contains(t, "menu", b.get("/ui/").body, `href="/ui/admin/audit"`, "Журнал аудита")
	r := b.get("/ui/admin/audit")
	if r.status != 200 {
		t.Fatalf("audit: %d", r.status)
	}
	contains(t, "audit", r.body, "Журнал аудита", "Действие", "Время (МСК)", "Добавлена организация", `method="get"`,
		">Пользователь account_admin</a>", "<li>ИНН: "+orgAINN+"</li>", "<li>вид: юридическое лицо</li>", "<li>логин: employee</li>", "<li>роль: сотрудник</li>")
	lacks(t, "audit", r.body, ">organization.create<", `{"`, ">user:")
	r = b.get("/ui/admin/audit?action=employee.")
	contains(t, "filtered", r.body, "<td>Добавлен сотрудник</td>")
	lacks(t, "filtered", r.body, "<td>Добавлена организация</td>")
	r = b.get("/ui/admin/audit?action=no.such.action")
	contains(t, "none", r.body, "Записей нет.")
	if r := b.get("/ui/admin/audit?before=x"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad before: %d", r.status)
	}
}

func TestAuditLogOlderLink(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	for range 30 { // reading employee cards is audited: enough events for a second page
		b.get("/ui/employees/" + e.empA)
	}
	r := b.get("/ui/admin/audit")
	i := strings.Index(r.body, `href="/ui/admin/audit?before=`)
	if i < 0 {
		t.Fatalf("no older link:\n%s", r.body)
	}
	href := r.body[i+6:]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	r2 := b.get(href)
	if r2.status != 200 || !strings.Contains(r2.body, "К последним записям") {
		t.Fatalf("older page: %d", r2.status)
	}
}

func TestInvoicePDFAndLines(t *testing.T) {
	e := newEnv(t)
	for _, role := range []string{"registrar", "org_admin", "manager", "employee"} {
		b := e.browser()
		b.login(role)
		if r := b.get("/ui/invoices/x.pdf"); r.status != http.StatusForbidden {
			t.Errorf("%s pdf: %d, want 403", role, r.status)
		}
		if r := b.get("/ui/billing/lines"); r.status != http.StatusForbidden {
			t.Errorf("%s lines: %d, want 403", role, r.status)
		}
	}
	b := e.browser()
	b.login("accountant")
	if r := b.get("/ui/invoices/x.pdf"); r.status != http.StatusNotFound {
		t.Fatalf("unknown invoice without a seller: %d, want 404", r.status)
	}
	e.h.Seller = document.Party{Name: "ООО «УЦ»", INN: "7707083893", KPP: "770701001", OGRN: "1027700132195",
		Address: "Москва", Bank: "ПАО Сбербанк", BIC: "044525225", Account: "40702810938000000001",
		CorrAccount: "30101810400000000225"}
	if r := b.get("/ui/invoices/nope.pdf"); r.status != http.StatusNotFound {
		t.Errorf("unknown invoice: %d", r.status)
	}
	contains(t, "menu", b.get("/ui/").body, `href="/ui/billing/lines"`)
	r := b.get("/ui/billing/lines?period=2026-11")
	if r.status != 200 {
		t.Fatalf("lines: %d", r.status)
	}
	contains(t, "lines", r.body, "Начисления", "Начислений нет.")
	if r := b.get("/ui/billing/lines?period=2026-13"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad period: %d", r.status)
	}
}

// TestInvoiceDocuments prints an invoice and its act from the web: an unknown invoice is not found whatever
// the configuration; without the seller's requisites both documents are refused with a page saying so; the
// roles without billing are refused.
func TestInvoiceDocuments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.db.Organization(ctx, storage.Scope{}, e.orgA)
	must(t, err)
	tariff, err := e.db.TariffAt(ctx, rules.BillingIndividual, "2026-10-15")
	must(t, err)
	must(t, e.db.CreateBillingLine(ctx, &model.BillingLine{ID: "line-1", AccountID: org.AccountID, PayerOrganizationID: org.ID,
		Position: rules.BillingIndividual, TariffID: tariff.ID, PriceKopecks: tariff.PriceKopecks, Event: "issuance",
		EventAt: time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC), Period: "2026-10", ApplicationID: e.appA,
		EmployeeInitials: "И. П. И."}, time.Now().UnixMicro()))
	invs, err := e.h.Billing.Close(ctx, &access.Principal{Actor: "system:test", Role: model.RoleOperator}, org.AccountID, "2026-10")
	if err != nil || len(invs) != 1 {
		t.Fatalf("close: %v, %v", invs, err)
	}
	id := invs[0].ID
	b := e.browser()
	b.login("accountant")
	contains(t, "invoices", b.get("/ui/invoices?period=2026-10").body, `href="/ui/invoices/`+id+`.pdf"`,
		`href="/ui/invoices/`+id+`/act.pdf"`)
	for _, path := range []string{"/ui/invoices/" + id + ".pdf", "/ui/invoices/" + id + "/act.pdf"} {
		if r := b.get(path); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "Реквизиты продавца не настроены") {
			t.Errorf("no seller, %s: %d", path, r.status)
		}
	}
	for _, path := range []string{"/ui/invoices/nope.pdf", "/ui/invoices/nope/act.pdf"} {
		if r := b.get(path); r.status != http.StatusNotFound {
			t.Errorf("unknown invoice without a seller, %s: %d, want 404", path, r.status)
		}
	}
	e.h.Seller = document.Party{Name: "ООО «УЦ»", INN: "7707083893", KPP: "770701001", OGRN: "1027700132195",
		Address: "Москва", Bank: "ПАО Сбербанк", BIC: "044525225", Account: "40702810938000000001",
		CorrAccount: "30101810400000000225"}
	for _, c := range []struct{ path, file string }{{"/ui/invoices/" + id + ".pdf", "invoice-"}, {"/ui/invoices/" + id + "/act.pdf", "act-"}} {
		r := b.get(c.path)
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") || !strings.Contains(r.header.Get("Content-Disposition"), "filename="+c.file) {
			t.Errorf("%s: %d %q", c.path, r.status, r.header.Get("Content-Disposition"))
		}
	}
	o := e.browser()
	o.login("org_admin")
	if r := o.get("/ui/invoices/" + id + "/act.pdf"); r.status != http.StatusForbidden {
		t.Errorf("org_admin, act: %d, want 403", r.status)
	}
}
