package web

import (
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/metrics"
)

// metricsMonthChoices are the spans the page offers; the report takes 1 to metrics.MaxMonths.
var metricsMonthChoices = []int{6, 12, 24}

// metricsRow is one month of the page's tables, formatted in the page's language.
type metricsRow struct {
	Month                         string
	Partial                       bool
	Due, Reissued, Expired        int
	Share                         string
	Issued                        int
	Median                        string
	EmployeeCerts, Linked         int
	LinkedShare                   string
	Legacy                        string
	ReminderMedian                string
	Recipients, Delivered, Opened int
	HasReach                      bool
}

// metricsChoice is a link to the report over another span.
type metricsChoice struct {
	Months  int
	Current bool
}

// metricsData is the metrics page: the charts with their tables, the span links and the CSV link.
type metricsData struct {
	Scope                                              string
	Rows                                               []metricsRow
	ShareChart, ExpiredChart, MedianChart, LinkedChart template.HTML
	LegacyChart                                        template.HTML
	Target                                             string
	Choices                                            []metricsChoice
	CSV                                                string
	Reminders, Reach                                   bool // the reminders' median and the mailings' reach exist
}

// metricsService is the configured metrics service, or one over the registration service's database.
func (h *Handler) metricsService() *metrics.Service {
	if h.Metrics != nil {
		return h.Metrics
	}
	return &metrics.Service{Store: h.Reg.DB, Clock: h.Reg.Clock, Timeline: h.Reg.Timeline}
}

// metricsMonths reads the page's span: DefaultMonths when not given.
func metricsMonths(r *http.Request) (int, error) {
	v := r.URL.Query().Get("months")
	if v == "" {
		return metrics.DefaultMonths, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > metrics.MaxMonths {
		return 0, errs.Field("months", "range", "must be a whole number between 1 and 36")
	}
	return n, nil
}

// reissueMetrics shows the reissue metrics page.
func (h *Handler) reissueMetrics(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	months, err := metricsMonths(r)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	rep, err := h.metricsService().Reissue(r.Context(), p, months)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := metricsData{Scope: l.T("met.scope." + string(rep.Scope)), Target: l.percent(rep.LinkedTarget),
		CSV: "/ui/metrics.csv?months=" + strconv.Itoa(months)}
	for _, c := range metricsMonthChoices {
		d.Choices = append(d.Choices, metricsChoice{Months: c, Current: c == months})
	}
	d.Reminders, d.Reach = true, true
	for _, u := range rep.Unavailable {
		switch u {
		case "median_days_reminder_to_reissue":
			d.Reminders = false
		case "mailing_reach":
			d.Reach = false
		}
	}
	share := barChart{Title: l.T("met.share"), Unit: "%", Format: func(v int64) string { return l.tenths(v) }}
	expired := barChart{Title: l.T("met.expired"), Unit: l.T("chart.axis_certs"), Format: func(v int64) string { return strconv.FormatInt(v, 10) }}
	median := barChart{Title: l.T("met.median"), Unit: l.T("met.axis_days"), Format: func(v int64) string { return l.tenths(v) }}
	linked := barChart{Title: l.T("met.linked"), Unit: "%", Format: func(v int64) string { return l.tenths(v) }}
	legacy := barChart{Title: l.T("met.legacy"), Unit: l.T("chart.axis_certs"), Format: func(v int64) string { return strconv.FormatInt(v, 10) }}
	for _, m := range rep.Months {
		row := metricsRow{Month: l.month(m.Period), Partial: m.Partial, Due: m.Due, Reissued: m.ReissuedBeforeEnd,
			Expired: m.ExpiredWithoutReissue, Share: l.share(m.ReissuedShare), Issued: m.Issued, Median: l.days(m.MedianDaysToIssue),
			EmployeeCerts: m.EmployeeCertificates, Linked: m.LinkedIndividual, LinkedShare: l.share(m.LinkedShare), Legacy: "—",
			ReminderMedian: l.days(m.MedianDaysReminderToReissue)}
		if m.LegacyInUse != nil {
			row.Legacy = strconv.Itoa(*m.LegacyInUse)
		}
		if r := m.MailingReach; r != nil {
			row.Recipients, row.Delivered, row.Opened, row.HasReach = r.Recipients, r.Delivered, r.Opened, true
		}
		d.Rows = append(d.Rows, row)
		label := monthLabel(l, m.Period)
		share.Bars = append(share.Bars, bar{Label: label, Value: tenths(m.ReissuedShare, 1000), Text: row.Share})
		expired.Bars = append(expired.Bars, bar{Label: label, Value: int64(m.ExpiredWithoutReissue), Text: strconv.Itoa(m.ExpiredWithoutReissue)})
		median.Bars = append(median.Bars, bar{Label: label, Value: tenths(m.MedianDaysToIssue, 10), Text: row.Median})
		linked.Bars = append(linked.Bars, bar{Label: label, Value: tenths(m.LinkedShare, 1000), Text: row.LinkedShare})
		legacy.Bars = append(legacy.Bars, bar{Label: label, Value: int64(ptrOr(m.LegacyInUse)), Text: row.Legacy})
	}
	d.ShareChart, d.ExpiredChart, d.MedianChart, d.LinkedChart, d.LegacyChart = share.SVG(), expired.SVG(), median.SVG(),
		linked.SVG(), legacy.SVG()
	h.render(w, r, http.StatusOK, "metrics", l.T("met.title"), p, d)
}

// reissueMetricsCSV downloads the report as CSV (the format of package metrics).
func (h *Handler) reissueMetricsCSV(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	months, err := metricsMonths(r)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	rep, err := h.metricsService().Reissue(r.Context(), p, months)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "reissue-metrics.csv"))
	_, _ = w.Write(metrics.CSV(rep))
}

// tenths is v times scale, rounded, for a chart drawn in whole units (tenths of a percent or of a day);
// 0 when there is no value.
func tenths(v *float64, scale float64) int64 {
	if v == nil {
		return 0
	}
	return int64(math.Round(*v * scale))
}

func ptrOr(v *int) int {
	if v == nil {
		return 0
	}
	return *v
}

// tenths writes a number of tenths as l writes decimals: "75,0" in Russian, "75.0" in English.
func (l locale) tenths(v int64) string {
	s := strconv.FormatFloat(float64(v)/10, 'f', 1, 64)
	if l == en {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// percent is a share as l writes percentages: "75,0 %" (with a no-break space) in Russian, "75.0%" in
// English.
func (l locale) percent(v float64) string {
	s := l.tenths(int64(math.Round(v * 1000)))
	if l == en {
		return s + "%"
	}
	return s + "\u00a0%"
}

// share is percent of a share that may be absent ("—").
func (l locale) share(v *float64) string {
	if v == nil {
		return "—"
	}
	return l.percent(*v)
}

// days is a median number of days to a tenth, "—" when there is none.
func (l locale) days(v *float64) string {
	if v == nil {
		return "—"
	}
	return l.tenths(int64(math.Round(*v * 10)))
}
