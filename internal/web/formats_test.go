package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
)

func TestRussianFormats(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, got, want string
	}{
		{"day", ru.day("1985-04-12"), "12.04.1985"},
		{"day in English", en.day("1985-04-12"), "1985-04-12"},
		{"day not a date", ru.day("12.04.1985"), "12.04.1985"},
		{"month", ru.month("2026-12"), "декабрь 2026"},
		{"month in English", en.month("2026-12"), "December 2026"},
		{"month not a period", ru.month("2026"), "2026"},
		{"period dotted", isoPeriod(" 12.2026 "), "2026-12"},
		{"period one digit", isoPeriod("3.2027"), "2027-03"},
		{"period slashed", isoPeriod("12/2026"), "2026-12"},
		{"period ISO", isoPeriod("2026-12"), "2026-12"},
		{"period wrong", isoPeriod("13.2026"), "13.2026"},
		{"phone +7", formatPhone("+79123456789"), "+7 (912) 345-67-89"},
		{"phone 8", formatPhone("8 912 345-67-89"), "+7 (912) 345-67-89"},
		{"phone 10 digits", formatPhone("9123456789"), "+7 (912) 345-67-89"},
		{"phone foreign", formatPhone("+4930123456"), "+4930123456"},
		{"phone with text", formatPhone("+7912345678 доб. 5"), "+7912345678 доб. 5"},
		{"issuer", ru.issuerName("kcr-ca"), "Удостоверяющий центр КЦР"},
		{"issuer unknown", ru.issuerName("other"), "other"},
		{"bytes", byteSize(ru, 812), "812\u00a0байт"},
		{"KB", byteSize(ru, 1536), "1,5\u00a0КБ"},
		{"MB", byteSize(ru, 2<<20), "2\u00a0МБ"},
		{"KB in English", byteSize(en, 1536), "1.5\u00a0KB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("%q, want %q", c.got, c.want)
			}
		})
	}
}

// TestAuditNames: every audit action and object type has a name in both languages, so the audit log shows
// no code.
func TestAuditNames(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, a := range audit.Actions {
		keys = append(keys, "auditact."+string(a))
	}
	for _, o := range auditObjectTypes {
		keys = append(keys, "auditobj."+o)
	}
	for _, k := range keys {
		for _, l := range []locale{ru, en} {
			if _, ok := l.text(k); !ok {
				t.Errorf("no %s text for %s", l, k)
			}
		}
	}
}

// TestPeriodAsTyped: the invoices and billing lines take a period as "12.2026" as well as "2026-12"; a wrong
// one is refused on the field.
func TestPeriodAsTyped(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("accountant")
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/ui/invoices?period=12.2026", http.StatusOK},
		{"/ui/invoices?period=2026-12", http.StatusOK},
		{"/ui/billing/lines?period=12.2026", http.StatusOK},
		{"/ui/billing/lines?period=13.2026", http.StatusUnprocessableEntity},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := b.get(c.path)
			wantStatus(t, c.path, r, c.status)
			if c.status == http.StatusOK {
				lacks(t, c.path, r.body, `aria-invalid="true"`)
			}
		})
	}
}

func TestFieldName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		l           locale
		field, want string
	}{
		{ru, "q", "«строка поиска»"},
		{ru, "surname", "«Фамилия»"},
		{ru, "organization_inn", "«" + ru.T("impcol.organization_inn") + "»"},
		{ru, "x_internal_code", "одно из полей формы"},
		{en, "q", "«search box»"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			if got := tc.l.fieldName(tc.field); got != tc.want {
				t.Errorf("fieldName(%q) = %q, want %q", tc.field, got, tc.want)
			}
		})
	}
}

func TestRefuseBusy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	busy := errs.New(errs.Unavailable, "the server is busy: try again shortly")
	busy.RetryAfter = time.Second
	rec := httptest.NewRecorder()
	e.h.Refuse(rec, httptest.NewRequest("GET", "/ui/applications", nil), busy)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" ||
		!strings.Contains(rec.Body.String(), "Сервис временно недоступен") || strings.Contains(rec.Body.String(), "busy") {
		t.Errorf("refusal: %d, Retry-After %q\n%.400s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
}
