// Package api is kcr's HTTP edge: the integration REST API under /api/v1, its OpenAPI document, health and
// metrics. Errors become RFC 9457 problem documents here and nowhere else.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/webhook"
)

// SessionCookie is the name of the web session cookie.
const SessionCookie = "kcr_session"

// Server serves the API.
type Server struct {
	DB     *storage.DB
	Access *access.Service
	Reg    *registration.Service
	Clock  clock.Clock
	Log    *slog.Logger
	// SecureCookies marks the session cookie Secure; set it when kcr is served over HTTPS.
	SecureCookies bool
	// PKI serves /ca, /crl and /ocsp; nil when no CA is configured.
	PKI PKI
	// Billing serves tariffs, agreements, lines, invoices and the forecast; nil when not configured.
	Billing *billing.Service
	// PoA is the power-of-attorney (МЧД) service; nil answers its routes as unavailable.
	PoA *attorney.Service
	// Webhooks manages signed webhook endpoints; nil when not configured.
	Webhooks *webhook.Service
	// Mailings writes and sends segment mailings; nil when not configured.
	Mailings *mailing.Service
	// Seller is the CA operator's requisites printed on invoices and acts.
	Seller document.Party
	// MetricsToken, when set, makes Handler serve GET /metrics to callers sending it as a bearer token.
	// Empty, Handler does not serve /metrics: serve MetricsHandler on a separate, internal address instead.
	MetricsToken string
	// Metrics computes the reissue metrics of GET /api/v1/metrics/reissue and the gauges on /metrics; nil
	// means one over DB with Reg's timeline and no reminders or mailings yet.
	Metrics *metrics.Service

	// beforeAnswer, when set by a test, runs just before an idempotent answer is stored; an error stands
	// for a crash there.
	beforeAnswer func(r *http.Request) error

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// Handler builds the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kcr_http_requests_total",
		Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kcr_http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration)
	if s.DB != nil {
		s.registry.MustRegister(s.metricsService().Collector())
	}

	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Path, s.instrument(rt.Method+" "+rt.Path, s.wrap(rt)))
	}
	mux.Handle("GET /healthz", s.instrument("GET /healthz", http.HandlerFunc(s.healthz)))
	if s.MetricsToken != "" {
		mux.Handle("GET /metrics", s.metricsAuth(s.MetricsHandler()))
	}
	mux.Handle("GET /api/openapi.json", s.instrument("GET /api/openapi.json", http.HandlerFunc(s.openapi)))
	s.registerPKI(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, s.Log, errs.NotFoundf("no API route %s %s", r.Method, r.URL.Path))
	})
	// Cookie-authenticated browsers are protected against cross-site requests; API clients with a bearer
	// token send no Origin or Sec-Fetch-Site and pass.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, s.Log, errs.New(errs.Forbidden, "cross-origin request refused"))
	}))
	// The byte check and the security headers come first: nothing below sees NUL or invalid UTF-8.
	return edge.Guard(cop.Handler(mux), func(w http.ResponseWriter, r *http.Request, err error) {
		writeProblem(w, r, s.Log, err)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": s.DB.Dialect().String()})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		s.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// authenticate finds the caller from a bearer token or the session cookie.
func (s *Server) authenticate(r *http.Request) (*access.Principal, string, error) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(t) == "" {
			return nil, "", errs.New(errs.Unauthenticated, "the Authorization header must be 'Bearer <API key>'")
		}
		token = strings.TrimSpace(t)
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if token == "" {
		return nil, "", errs.New(errs.Unauthenticated, "send 'Authorization: Bearer <API key>' or sign in")
	}
	p, err := s.Access.AuthenticateFrom(r.Context(), s.Access.ClientAddr(r), token)
	return p, token, err
}

type principalKey struct{}
type tokenKey struct{}

func principalOf(r *http.Request) *access.Principal {
	p, _ := r.Context().Value(principalKey{}).(*access.Principal)
	return p
}

// wrap turns a route into a handler: authentication, idempotent replay for POSTs, and error mapping.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.Public {
			p, token, err := s.authenticate(r)
			if err != nil {
				writeProblem(w, r, s.Log, err)
				return
			}
			r = r.WithContext(context.WithValue(context.WithValue(r.Context(), principalKey{}, p), tokenKey{}, token))
		}
		if rt.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" && !rt.Public {
			s.idempotent(w, r, rt)
			return
		}
		if err := rt.Handle(s, w, r); err != nil {
			writeProblem(w, r, s.Log, err)
		}
	})
}

// bufferedWriter holds a response until the transaction it describes has committed.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}

type rollback struct{}

func (rollback) Error() string { return "rolled back: the handler answered with an error" }

// idempotent runs a POST so that a retry with the same Idempotency-Key creates nothing twice: the stored
// answer is written in the same transaction as the work, and a retry replays it. Requests with one key take
// a lock on it first, so concurrent ones wait for the first and replay its answer.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, rt route) {
	p := principalOf(r)
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 || strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		writeProblem(w, r, s.Log, errs.Field("Idempotency-Key", "format", "must be 1 to 255 visible ASCII characters"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeProblem(w, r, s.Log, err)
		return
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	replay := func() bool {
		stored, err := s.DB.IdempotentResponse(r.Context(), p.Actor, key)
		if storage.IsNoRows(err) {
			return false
		}
		if err != nil {
			writeProblem(w, r, s.Log, err)
			return true
		}
		s.replay(w, r, stored, hash)
		return true
	}
	if replay() {
		return
	}
	if rt.OwnTransactions {
		s.idempotentOwnTx(w, r, rt, body, hash, key, replay)
		return
	}
	buf := &bufferedWriter{header: http.Header{}}
	var stored *storage.IdempotentResponse
	err = s.DB.InTx(r.Context(), func(ctx context.Context) error {
		if err := s.DB.LockIdempotencyKey(ctx, p.Actor, key); err != nil {
			return err
		}
		// A request with the same key may have committed while this one waited for the lock.
		if st, err := s.DB.IdempotentResponse(ctx, p.Actor, key); err == nil {
			stored = st
			return rollback{}
		} else if !storage.IsNoRows(err) {
			return err
		}
		rr := r.WithContext(ctx)
		rr.Body = readCloser{bytes.NewReader(body)}
		if err := rt.Handle(s, buf, rr); err != nil {
			writeProblem(buf, rr, s.Log, err)
		}
		if buf.status >= 400 {
			return rollback{}
		}
		return s.saveAnswer(ctx, r, key, hash, buf)
	})
	switch {
	case stored != nil:
		s.replay(w, r, stored, hash)
	case err == nil, err == (rollback{}):
		buf.flush(w)
	case err == storage.ErrDuplicate:
		// A concurrent request with the same key committed first: ours rolled back, answer with theirs.
		if !replay() {
			writeProblem(w, r, s.Log, errs.New(errs.Conflict, "a request with this Idempotency-Key is in progress; retry"))
		}
	default:
		writeProblem(w, r, s.Log, err)
	}
}

// replay answers with a stored answer, or with a conflict when the key was used for another request.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, stored *storage.IdempotentResponse, hash string) {
	if stored.RequestHash != hash {
		writeProblem(w, r, s.Log, errs.New(errs.Conflict,
			"this Idempotency-Key was already used for a different request (%s %s)", stored.Method, stored.Path))
		return
	}
	w.Header().Set("Content-Type", stored.ContentType)
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(stored.Status)
	w.Write(stored.Body)
}

// saveAnswer stores a successful answer in the transaction of ctx, the one that did the work.
func (s *Server) saveAnswer(ctx context.Context, r *http.Request, key, hash string, buf *bufferedWriter) error {
	if s.beforeAnswer != nil {
		if err := s.beforeAnswer(r); err != nil {
			return err
		}
	}
	return s.DB.SaveIdempotentResponse(ctx, principalOf(r).Actor, key, &storage.IdempotentResponse{Method: r.Method,
		Path: r.URL.Path, RequestHash: hash, Status: buf.status, ContentType: buf.header.Get("Content-Type"),
		Body: buf.body.Bytes()}, s.Clock.Now().UnixMicro())
}

// A retry of the issue step stopped by an issuance in flight looks for that issuance's answer every
// ownTxPoll, at most ownTxPolls times (5 s), before it answers with the conflict.
const (
	ownTxPoll  = 100 * time.Millisecond
	ownTxPolls = 50
)

// idempotentOwnTx runs the issue step, which commits on its own (the CA's intent is committed before it
// signs). Its answer is stored in the transaction that stores the certificate, through the issue step's hook,
// so that a crash cannot leave an issued certificate without the answer a retry replays. A concurrent retry
// is stopped by the step's own guard (one issuance per application, a conflict); it then waits, boundedly,
// for the answer of the request in flight, which is likely its own earlier try (a client that hung up and
// retried), and replays it.
func (s *Server) idempotentOwnTx(w http.ResponseWriter, r *http.Request, rt route, body []byte, hash, key string, replay func() bool) {
	p := principalOf(r)
	hook := func(ctx context.Context, view *registration.ApplicationView) error {
		ans := &bufferedWriter{header: http.Header{}}
		writeJSON(ans, rt.Status, view)
		if err := s.DB.LockIdempotencyKey(ctx, p.Actor, key); err != nil {
			return err
		}
		return s.saveAnswer(ctx, r, key, hash, ans)
	}
	buf := &bufferedWriter{header: http.Header{}}
	rr := r.Clone(registration.WithIssuedHook(r.Context(), hook))
	rr.Body = readCloser{bytes.NewReader(body)}
	err := rt.Handle(s, buf, rr)
	if err != nil {
		writeProblem(buf, rr, s.Log, err)
	}
	if buf.status < 400 {
		buf.flush(w)
		return
	}
	for i := 0; ; i++ {
		if replay() {
			return
		}
		if !errs.Is(err, errs.Conflict) || i == ownTxPolls {
			break
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(ownTxPoll):
		}
	}
	buf.flush(w)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
