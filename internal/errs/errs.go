// Package errs defines the one error type kcr's logic returns to its callers. Each error has a Kind that
// the HTTP edge maps to a status and a stable problem type, a Detail that is safe to show to the caller,
// and optional per-field problems. Anything that is not an *Error is an internal failure: its text goes
// to the log only.
package errs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error for the edge. Its string is the last segment of the problem type URI, so
// values are part of the API contract and never change.
type Kind string

// The kinds kcr knows.
const (
	Invalid           Kind = "validation"         // the input breaks a rule; Fields name each problem
	Malformed         Kind = "malformed-request"  // the request cannot be read: bad JSON, unknown field, wrong type
	NotFound          Kind = "not-found"          // missing, or outside the caller's scope
	Conflict          Kind = "conflict"           // the input clashes with stored state (duplicate, version)
	IllegalTransition Kind = "illegal-transition" // an application action not allowed in its state
	Refused           Kind = "rule-refused"       // the law on that date does not allow it; Rule and RuleDate say why
	Unauthenticated   Kind = "unauthenticated"    // no or bad credentials
	Forbidden         Kind = "forbidden"          // the caller's role may not do this at all
	TooLarge          Kind = "too-large"          // the request body is over the limit
	UnsupportedMedia  Kind = "unsupported-media-type"
	Unavailable       Kind = "unavailable"       // a dependency (such as a CA) cannot serve the request now
	TooManyRequests   Kind = "too-many-requests" // too many attempts: RetryAfter says when to try again
	Internal          Kind = "internal"
)

// FieldError is one problem with one input field. Field is the JSON name (dotted for nested fields),
// Rule a stable machine-readable code, Message an English sentence for people.
type FieldError struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Error is kcr's typed error.
type Error struct {
	Kind   Kind
	Detail string
	Fields []FieldError
	// Allowed lists the actions that are allowed instead, for IllegalTransition.
	Allowed []string
	// Rule is the stable id of the rule that refused, and RuleDate the cutoff (YYYY-MM-DD) that decided it,
	// for Refused.
	Rule, RuleDate string
	// RetryAfter is how long the caller must wait before trying again, for TooManyRequests and Unavailable.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	b.WriteString(": ")
	b.WriteString(e.Detail)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// New makes an error of the given kind with a formatted, caller-safe detail.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Field makes a validation error about a single field.
func Field(field, rule, message string) *Error {
	return &Error{Kind: Invalid, Detail: "the request has invalid fields", Fields: []FieldError{{field, rule, message}}}
}

// NotFoundf reports that the named object does not exist for this caller.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// KindOf returns the kind of err, or Internal when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is a kcr error of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Fields collects field problems and turns them into one validation error.
type Fields struct{ list []FieldError }

// Add records a problem with a field.
func (f *Fields) Add(field, rule, message string) {
	f.list = append(f.list, FieldError{field, rule, message})
}

// Err returns nil when no problem was recorded, or a validation error listing them all.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Detail: "the request has invalid fields", Fields: f.list}
}
