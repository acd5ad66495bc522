package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
)

// ProblemTypeBase prefixes every problem type; the suffix is the error kind. Types are stable: integrators
// switch on them.
const ProblemTypeBase = "urn:kcr:problem:"

// Problem is an RFC 9457 problem details document, with kcr's extension members.
type Problem struct {
	Type           string            `json:"type"`
	Title          string            `json:"title"`
	Status         int               `json:"status"`
	Detail         string            `json:"detail,omitempty"`
	Instance       string            `json:"instance,omitempty"`
	Errors         []errs.FieldError `json:"errors,omitempty"`
	AllowedActions []string          `json:"allowed_actions,omitempty"`
	Rule           string            `json:"rule,omitempty"`            // for rule-refused: the rule's stable id
	DecidedByDate  string            `json:"decided_by_date,omitempty"` // for rule-refused: the cutoff that decided
	RetryAfter     int               `json:"retry_after,omitempty"`     // for too-many-requests: seconds to wait, as the Retry-After header
}

var kindStatus = map[errs.Kind]struct {
	status int
	title  string
}{
	errs.Invalid:           {http.StatusUnprocessableEntity, "The request has invalid fields"},
	errs.Malformed:         {http.StatusBadRequest, "The request cannot be read"},
	errs.NotFound:          {http.StatusNotFound, "Not found"},
	errs.Conflict:          {http.StatusConflict, "The request conflicts with the current state"},
	errs.IllegalTransition: {http.StatusConflict, "The action is not allowed in the application's state"},
	errs.Refused:           {http.StatusUnprocessableEntity, "The law does not allow this on that date"},
	errs.Unauthenticated:   {http.StatusUnauthorized, "Authentication required"},
	errs.Forbidden:         {http.StatusForbidden, "Not allowed for your role"},
	errs.TooLarge:          {http.StatusRequestEntityTooLarge, "The request body is too large"},
	errs.UnsupportedMedia:  {http.StatusUnsupportedMediaType, "Unsupported content type"},
	errs.Unavailable:       {http.StatusServiceUnavailable, "Temporarily unavailable"},
	errs.TooManyRequests:   {http.StatusTooManyRequests, "Too many attempts"},
	errs.Internal:          {http.StatusInternalServerError, "Internal error"},
}

// ProblemOf maps an error to its problem document. This is the one place errors become HTTP; anything
// that is not an *errs.Error is logged and answered with a bare 500 so that internals never leak.
func ProblemOf(err error, r *http.Request, log *slog.Logger) Problem {
	var e *errs.Error
	if !errors.As(err, &e) {
		log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &errs.Error{Kind: errs.Internal, Detail: "the server failed to handle the request; it has been logged"}
	}
	m, ok := kindStatus[e.Kind]
	if !ok {
		m = kindStatus[errs.Internal]
	}
	return Problem{Type: ProblemTypeBase + string(e.Kind), Title: m.title, Status: m.status, Detail: e.Detail,
		Instance: r.URL.Path, Errors: e.Fields, AllowedActions: e.Allowed, Rule: e.Rule, DecidedByDate: e.RuleDate,
		RetryAfter: RetryAfterSeconds(e.RetryAfter)}
}

// RetryAfterSeconds rounds a wait up to whole seconds for the Retry-After header: never 0 for a real wait,
// so that a client does not retry at once.
func RetryAfterSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// Refuse answers a request turned away before any route ran (the admission bound of kcr serve) with the
// problem err maps to.
func (s *Server) Refuse(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, s.Log, err)
}

func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := ProblemOf(err, r, log)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kcr"`)
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
