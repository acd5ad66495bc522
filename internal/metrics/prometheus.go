package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kcr-project/kcr/internal/storage"
)

// scrapeTimeout bounds the database work of one scrape.
const scrapeTimeout = 10 * time.Second

var (
	descReissuedShare = prometheus.NewDesc("kcr_certificates_reissued_before_end_ratio",
		"Share of the certificates that ended in the last complete month (Moscow time) reissued before their end, all accounts.", nil, nil)
	descExpiredNotReissued = prometheus.NewDesc("kcr_certificates_expired_without_reissue",
		"Certificates that ended in the last complete month (Moscow time) without a reissue, all accounts.", nil, nil)
	descMedianIssue = prometheus.NewDesc("kcr_application_to_issue_median_days",
		"Median whole days from application to issue of the certificates issued in the last complete month, all accounts.", nil, nil)
	descLinkedShare = prometheus.NewDesc("kcr_individual_linked_ratio",
		"Share of valid employee certificates that are individual certificates linked to an organization, now, all accounts.", nil, nil)
	descLegacy = prometheus.NewDesc("kcr_legacy_certificates_in_use",
		"Valid legal-entity employee certificates the 2024-09-01 rule no longer lets sign for the organization, now, all accounts.", nil, nil)
)

// Collector returns the Prometheus collector of the operator-wide metrics: the last complete month's
// reissue share, expirations without reissue and median days to issue, and today's linked share and legacy
// certificates. Each scrape runs the report's three grouped queries over two months; a figure with nothing
// to measure (a share of no certificates) is left out of the scrape rather than reported as 0.
func (s *Service) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Service }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReissuedShare, descExpiredNotReissued, descMedianIssue, descLinkedShare, descLegacy} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	rep, err := c.s.report(ctx, storage.Scope{}, ScopeAll, 2)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descReissuedShare, err)
		return
	}
	last, now := rep.Months[0], rep.Months[1]
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	if last.ReissuedShare != nil {
		gauge(descReissuedShare, *last.ReissuedShare)
	}
	gauge(descExpiredNotReissued, float64(last.ExpiredWithoutReissue))
	if last.MedianDaysToIssue != nil {
		gauge(descMedianIssue, *last.MedianDaysToIssue)
	}
	if now.LinkedShare != nil {
		gauge(descLinkedShare, *now.LinkedShare)
	}
	if now.LegacyInUse != nil {
		gauge(descLegacy, float64(*now.LegacyInUse))
	}
}
