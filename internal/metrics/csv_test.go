package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/metrics"
)

func TestCSV(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	base := metrics.Month{Period: "2026-11", Due: 3, ReissuedBeforeEnd: 2, ExpiredWithoutReissue: 1, ReissuedShare: f(2.0 / 3),
		Issued: 4, MedianDaysToIssue: f(6.5), EmployeeCertificates: 4, LinkedIndividual: 3, LinkedShare: f(0.75), LegacyInUse: n(1)}
	header := "\ufeff" + strings.Join(metrics.CSVHeader, ";")
	for _, tc := range []struct {
		name string
		rep  metrics.Report
		want string
	}{
		{"figures with decimal commas", metrics.Report{Months: []metrics.Month{base},
			Unavailable: []string{"median_days_reminder_to_reissue", "mailing_reach"}},
			header + "\r\nноябрь 2026;нет;3;2;66,7;1;4;6,5;4;3;75,0;1\r\n"},
		{"figures that do not exist are empty", metrics.Report{Months: []metrics.Month{{Period: "2024-08", Partial: true}},
			Unavailable: []string{"median_days_reminder_to_reissue", "mailing_reach"}},
			header + "\r\nавгуст 2024;да;0;0;;0;0;;0;0;;\r\n"},
		{"the extension columns once their sources exist", metrics.Report{Months: []metrics.Month{{Period: "2026-01",
			MedianDaysReminderToReissue: f(12), MailingReach: &metrics.Reach{Recipients: 10, Delivered: 9, Opened: 4}}}},
			header + ";Медиана дней от первого напоминания до перевыпуска;Получателей рассылок;Доставлено;Прочитано в интерфейсе" +
				"\r\nянварь 2026;нет;0;0;;0;0;;0;0;;;12,0;10;9;4\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(metrics.CSV(&tc.rep)); got != tc.want {
				t.Errorf("csv\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestMonthBounds(t *testing.T) {
	t.Parallel()
	// 31 December 2026, 22:30 UTC is already 1 January 2027 in Moscow.
	b := metrics.MonthBounds(time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 2)
	var got []string
	for _, x := range b {
		got = append(got, x.Format("2006-01-02 15:04 -07"))
	}
	want := "2026-12-01 00:00 +03 2027-01-01 00:00 +03 2027-02-01 00:00 +03"
	if strings.Join(got, " ") != want {
		t.Errorf("bounds %v, want %s", got, want)
	}
}
