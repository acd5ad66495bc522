package api

import (
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kcr-project/kcr/internal/errs"
)

// MetricsHandler serves the Prometheus metrics of the handler Handler built (call Handler first). It
// carries no check of its own: serve it on an address only the monitoring system reaches.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// metricsAuth lets through only callers sending MetricsToken as a bearer token.
func (s *Server) metricsAuth(h http.Handler) http.Handler {
	want := []byte("Bearer " + s.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeProblem(w, r, s.Log, errs.New(errs.Unauthenticated, "the metrics need 'Authorization: Bearer <metrics token>'"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
