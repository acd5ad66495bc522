package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
)

// metricsRegister adds certificates with known metrics to the environment (its clock: 26 November 2026):
// in October 2026 two certificates ended, A's reissued before its end and B's not; A's legacy employee
// certificate of 2023 is still valid.
func metricsRegister(t *testing.T, e *env) {
	t.Helper()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, rules.MSK) }
	for _, c := range []struct {
		serial   string
		emp      *model.Employee
		kind     model.CertKind
		from, to time.Time
	}{
		{"m-a1", e.empA, model.KindIndividual, day(2025, 10, 5), day(2026, 10, 5)},
		{"m-a1r", e.empA, model.KindIndividual, day(2026, 9, 28), day(2027, 9, 28)},
		{"m-b1", e.empB, model.KindIndividual, day(2025, 10, 10), day(2026, 10, 10)},
		{"m-a-legacy", e.empA, model.KindLegalEntityEmployee, day(2023, 3, 1), day(2027, 3, 1)},
	} {
		must(t, e.db.CreateCertificate(context.Background(), &model.Certificate{Serial: c.serial, AccountID: c.emp.AccountID,
			OrganizationID: c.emp.OrganizationID, EmployeeID: c.emp.ID, Kind: c.kind, Status: model.CertValid, Issuer: "test",
			NotBefore: c.from, NotAfter: c.to, DER: []byte{0x30, 0}, CreatedAt: c.from}))
	}
}

func TestReissueMetricsAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		metricsRegister(t, e)
		for _, tc := range []struct {
			caller             string
			scope              metrics.Scope
			due, reissued      int
			share, linkedShare float64
		}{
			{"operator", metrics.ScopeAll, 2, 1, 0.5, 0.5},
			{"account_admin", metrics.ScopeAccount, 2, 1, 0.5, 0.5},
			{"manager", metrics.ScopeOrganizations, 1, 1, 1, 0.5},
		} {
			t.Run(tc.caller, func(t *testing.T) {
				r := e.do(tc.caller, "GET", "/api/v1/metrics/reissue?months=2", nil)
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				var rep metrics.Report
				r.json(t, &rep)
				if rep.Scope != tc.scope || len(rep.Months) != 2 {
					t.Fatalf("scope %q, %d months: %s", rep.Scope, len(rep.Months), r.body)
				}
				oct, nov := rep.Months[0], rep.Months[1]
				if oct.Period != "2026-10" || oct.Partial || nov.Period != "2026-11" || !nov.Partial {
					t.Errorf("months %s %v, %s %v", oct.Period, oct.Partial, nov.Period, nov.Partial)
				}
				if oct.Due != tc.due || oct.ReissuedBeforeEnd != tc.reissued || oct.ReissuedShare == nil || *oct.ReissuedShare != tc.share {
					t.Errorf("October: due %d, reissued %d, share %v; want %d, %d, %v", oct.Due, oct.ReissuedBeforeEnd,
						oct.ReissuedShare, tc.due, tc.reissued, tc.share)
				}
				if nov.LinkedShare == nil || *nov.LinkedShare != tc.linkedShare || nov.LegacyInUse == nil || *nov.LegacyInUse != 1 {
					t.Errorf("November: linked %v, legacy %v", nov.LinkedShare, nov.LegacyInUse)
				}
				if oct.MedianDaysToIssue != nil || oct.MedianDaysReminderToReissue != nil || oct.MailingReach != nil {
					t.Errorf("figures without data: %s", r.body)
				}
			})
		}
		t.Run("csv", func(t *testing.T) {
			r := e.do("account_admin", "GET", "/api/v1/metrics/reissue?months=2", nil, "Accept", "text/csv")
			if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("status %d, content type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if !strings.Contains(r.header.Get("Content-Disposition"), "reissue-metrics.csv") {
				t.Errorf("content disposition %q", r.header.Get("Content-Disposition"))
			}
			want := "\ufeff" + strings.Join(metrics.CSVHeader, ";") + "\r\n" +
				"октябрь 2026;нет;2;1;50,0;1;0;;2;1;50,0;1\r\n" +
				"ноябрь 2026;да;0;0;;0;0;;2;1;50,0;1\r\n"
			if string(r.body) != want {
				t.Errorf("csv\n got %q\nwant %q", r.body, want)
			}
		})
		for _, tc := range []struct {
			name, caller, query string
			status              int
		}{
			{"registrar", "registrar", "", 403},
			{"employee", "employee", "", 403},
			{"accountant", "accountant", "", 403},
			{"integration key", "key_account", "", 403},
			{"no caller", "", "", 401},
			{"months not a number", "account_admin", "?months=abc", 422},
			{"too many months", "account_admin", "?months=37", 422},
			{"unknown parameter", "account_admin", "?month=2", 422},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.caller, "GET", "/api/v1/metrics/reissue"+tc.query, nil)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				r.problem(t)
			})
		}
		t.Run("gauges", func(t *testing.T) {
			r := e.do("", "GET", "/metrics", nil, "Authorization", "Bearer "+testMetricsToken)
			for _, want := range []string{
				"kcr_certificates_reissued_before_end_ratio 0.5\n",
				"kcr_certificates_expired_without_reissue 1\n",
				"kcr_individual_linked_ratio 0.5\n",
				"kcr_legacy_certificates_in_use 1\n",
			} {
				if !strings.Contains(string(r.body), want) {
					t.Errorf("/metrics has no %q", want)
				}
			}
			if strings.Contains(string(r.body), "kcr_application_to_issue_median_days ") {
				t.Errorf("a median of no issued certificates is scraped")
			}
		})
	})
}
