package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// TestInvoiceSettingsPage: the invoices page says when the current period is invoiced; the account's
// administrator switches to one consolidated invoice (choosing the payer when the account has several head
// organizations), the accountant only reads the choice; the next close issues one invoice whose PDF groups
// the lines by organization, with units and dated by the period.
func TestInvoiceSettingsPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.browser()
	acc.login("accountant")
	r := acc.get("/ui/invoices")
	contains(t, "accountant", r.body, "Текущий период — ноябрь 2026, счёт будет выставлен 01.12.2026.",
		"Счета выставляются отдельно каждой организации-плательщику.")
	lacks(t, "accountant", r.body, "Счетов нет.", `action="/ui/invoices/settings"`)
	if r := acc.do("POST", "/ui/invoices/settings", url.Values{"mode": {"consolidated"}}); r.status != http.StatusForbidden {
		t.Fatalf("accountant sets the mode: %d", r.status)
	}

	adm := e.browser()
	adm.login("account_admin")
	contains(t, "admin", adm.get("/ui/invoices").body, `action="/ui/invoices/settings"`, orgAName+", ИНН "+orgAINN)
	r = adm.do("POST", "/ui/invoices/settings", url.Values{"mode": {"consolidated"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("two head organizations, no payer: %d", r.status)
	}
	contains(t, "no payer", r.body, "Головных организаций несколько: выберите плательщика.")
	r = adm.do("POST", "/ui/invoices/settings", url.Values{"mode": {"consolidated"}, "payer_organization_id": {e.orgA}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("consolidated: %d %s", r.status, r.body)
	}
	contains(t, "saved", adm.get("/ui/invoices?done=settings").body, "Сохранено.")
	contains(t, "accountant after", acc.get("/ui/invoices").body,
		"Счета выставляются одним сводным счётом, плательщик — "+orgAName)

	org, err := e.db.Organization(ctx, storage.Scope{}, e.orgA)
	must(t, err)
	tariff, err := e.db.TariffAt(ctx, rules.BillingIndividual, "2026-10-15")
	must(t, err)
	for i, payer := range []string{e.orgA, e.orgB} {
		must(t, e.db.CreateBillingLine(ctx, &model.BillingLine{ID: "line-" + payer, AccountID: org.AccountID, PayerOrganizationID: payer,
			Position: rules.BillingIndividual, TariffID: tariff.ID, PriceKopecks: tariff.PriceKopecks, Event: "issuance",
			EventAt: time.Date(2026, 10, 15+i, 9, 0, 0, 0, time.UTC), Period: "2026-10", ApplicationID: "app-" + payer,
			EmployeeInitials: "И. П. И."}, time.Now().UnixMicro()))
	}
	invs, err := e.h.Billing.Close(ctx, &access.Principal{Actor: "system:test", Role: model.RoleOperator}, org.AccountID, "2026-10")
	if err != nil || len(invs) != 1 || invs[0].PayerOrganizationID != e.orgA {
		t.Fatalf("consolidated close: %+v, %v", invs, err)
	}
	e.h.Seller = document.Party{Name: "ООО «УЦ»", INN: "7707083893", KPP: "770701001", Bank: "ПАО Сбербанк", BIC: "044525225",
		Account: "40702810938000000001"}
	text := invoicePDFText(t, []byte(acc.get("/ui/invoices/"+invs[0].ID+".pdf").body))
	for _, want := range []string{"от 01.11.2026", orgAName + ", ИНН " + orgAINN, orgBName + ", ИНН " + orgBINN, "Ед.", "шт.",
		"Итого по организации"} {
		if !strings.Contains(text, want) {
			t.Errorf("invoice PDF lacks %q:\n%s", want, text)
		}
	}
	if text := invoicePDFText(t, []byte(acc.get("/ui/invoices/"+invs[0].ID+"/act.pdf").body)); !strings.Contains(text, "от 31.10.2026") {
		t.Errorf("act not dated by the period's last day:\n%s", text)
	}
}

// invoicePDFText extracts a PDF's text with poppler's pdftotext; without it the test skips, except under CI=true.
func invoicePDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (CI=true): apt-get install poppler-utils")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	must(t, err)
	return string(out)
}
