package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/metrics"
)

func (s *Server) metricsRoutes() []route {
	return []route{
		{Method: "GET", Path: "/api/v1/metrics/reissue", ID: "reissueMetrics", Tag: "metrics",
			Summary: "Reissue metrics by month (CA operator: every account; account administrator: the account; manager: " +
				"the assigned organizations) as JSON, or CSV (Accept: text/csv)",
			Query: []string{"months"}, Out: metrics.Report{}, OutMedia: []string{"text/csv"}, Status: 200,
			Handle: (*Server).reissueMetrics},
	}
}

// metricsService is the configured metrics service, or one over the server's database.
func (s *Server) metricsService() *metrics.Service {
	if s.Metrics != nil {
		return s.Metrics
	}
	m := &metrics.Service{Store: s.DB, Clock: s.Clock}
	if s.Reg != nil {
		m.Timeline = s.Reg.Timeline
	}
	return m
}

func (s *Server) reissueMetrics(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "months")
	if err != nil {
		return err
	}
	months := 0
	if v := q.get("months"); v != "" {
		if months, err = strconv.Atoi(v); err != nil || months == 0 {
			return errs.Field("months", "type", "must be a whole number between 1 and 36")
		}
	}
	rep, err := s.metricsService().Reissue(r.Context(), principalOf(r), months)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", "reissue-metrics.csv"))
		_, err := w.Write(metrics.CSV(rep))
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
