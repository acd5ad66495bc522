package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/billing/document"
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
	contains(t, "audit", r.body, "Журнал аудита", "Действие (начало)", "Время (МСК)", "organization.", `method="get"`,
		"Пользователь account_admin<br>")
	r = b.get("/ui/admin/audit?action=employee.")
	contains(t, "filtered", r.body, "employee.")
	lacks(t, "filtered", r.body, ">organization.create<")
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
	r := b.get("/ui/invoices/x.pdf")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "Реквизиты продавца не настроены") {
		t.Fatalf("no seller: %d", r.status)
	}
	e.h.Seller = document.Party{Name: "ООО «УЦ»", INN: "7707083893", KPP: "770701001", OGRN: "1027700132195",
		Address: "Москва", Bank: "ПАО Сбербанк", BIC: "044525225", Account: "40702810938000000001",
		CorrAccount: "30101810400000000225"}
	if r := b.get("/ui/invoices/nope.pdf"); r.status != http.StatusNotFound {
		t.Errorf("unknown invoice: %d", r.status)
	}
	contains(t, "menu", b.get("/ui/").body, `href="/ui/billing/lines"`)
	r = b.get("/ui/billing/lines?period=2026-11")
	if r.status != 200 {
		t.Fatalf("lines: %d", r.status)
	}
	contains(t, "lines", r.body, "Начисления", "Начислений нет.")
	if r := b.get("/ui/billing/lines?period=2026-13"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad period: %d", r.status)
	}
}
