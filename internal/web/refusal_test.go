package web

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

func TestRefusalText(t *testing.T) {
	detail := "Отозванный сертификат нельзя перевыпустить: выпустите новый."
	for _, c := range []struct {
		name string
		l    locale
		e    *errs.Error
		want string
	}{
		{"Russian: the rules' own sentence", ru, &errs.Error{Kind: errs.Refused, Rule: rules.RuleReissueOfRevoked, Detail: detail}, detail},
		{"English: the rule's text", en, &errs.Error{Kind: errs.Refused, Rule: rules.RuleReissueOfRevoked, Detail: detail},
			"A revoked certificate cannot be reissued."},
		{"English with the deciding date", en, &errs.Error{Kind: errs.Refused, Rule: rules.RuleHeadViaStateCA, Detail: detail,
			RuleDate: "2022-01-01"}, "Certificates of heads and sole proprietors are issued by the certification authority of " +
			"the tax service, the Treasury or the Bank of Russia. Deciding date: 2022-01-01."},
		{"English, a rule the catalogue does not know", en, &errs.Error{Kind: errs.Refused, Rule: "new_rule", Detail: detail},
			"The rules do not allow this action."},
		{"Russian without a sentence", ru, &errs.Error{Kind: errs.Refused, Rule: rules.RuleReissueOfRevoked},
			"Отозванный сертификат нельзя перевыпустить."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := refusalText(c.l, c.e); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestBillingLinesInEnglish(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.db.Organization(ctx, storage.Scope{}, e.orgA)
	must(t, err)
	tariff, err := e.db.TariffAt(ctx, rules.BillingIndividual, "2026-10-15")
	must(t, err)
	line := &model.BillingLine{ID: "line-en", AccountID: org.AccountID, PayerOrganizationID: org.ID,
		Position: rules.BillingIndividual, TariffID: tariff.ID, PriceKopecks: tariff.PriceKopecks, Event: "issuance",
		EventAt: time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC), Period: "2026-10", ApplicationID: e.appA,
		CertificateSerial: certA, EmployeeInitials: "И. П. И."}
	must(t, e.db.CreateBillingLine(ctx, line, time.Now().UnixMicro()))
	b := e.browser()
	b.login("accountant")
	r := b.get("/ui/billing/lines?period=2026-10", "Accept-Language", "en")
	if r.status != http.StatusOK {
		t.Fatalf("lines: %d", r.status)
	}
	contains(t, "English lines", r.body, "Certificate of an individual, serial number "+certA+", И. П. И.")
	lacks(t, "English lines", r.body, billing.Describe(line))
	r = b.get("/ui/billing/lines?period=2026-10", "Accept-Language", "ru")
	contains(t, "Russian lines", r.body, billing.Describe(line))
}

func TestLocaleFormats(t *testing.T) {
	at := time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC) // 1 January 2027, 01:30 in Moscow
	for _, c := range []struct {
		name, got, want string
	}{
		{"Russian roubles", ru.rub(1234567), "12\u00a0345,67\u00a0₽"},
		{"English roubles", en.rub(1234567), "12,345.67\u00a0₽"},
		{"English negative", en.rub(-50), "−0.50\u00a0₽"},
		{"Russian date", ru.date(at), "01.01.2027"},
		{"English date", en.date(at), "2027-01-01"},
		{"English date and time", en.datetime(at), "2027-01-01 01:30"},
		{"Russian axis", rubShort(ru, 1500000), "15\u00a0000"},
		{"English axis", rubShort(en, 1500000), "15,000"},
		{"English axis with kopecks", rubShort(en, 50), "0.50"},
		{"no date", en.date(time.Time{}), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}
