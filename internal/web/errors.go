package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
)

// problem is an error as a person reads it: the HTTP status, a message, and a message for each wrong form
// field, in the request's language. It never carries the error's internal text.
type problem struct {
	Status  int
	Title   string
	Message string
	Fields  map[string]string
}

// explain maps any error the services return to what the page shows in l. Everything that is not a typed
// kcr error is an internal failure: its text goes to the log only.
func explain(l locale, err error) problem {
	switch errs.KindOf(err) {
	case errs.Forbidden:
		return problem{Status: http.StatusForbidden, Title: l.T("err.forbidden"), Message: l.T("err.forbidden_text")}
	case errs.NotFound:
		return problem{Status: http.StatusNotFound, Title: l.T("err.not_found"), Message: l.T("err.not_found_text")}
	case errs.Invalid, errs.Malformed:
		pr := problem{Status: http.StatusUnprocessableEntity, Title: l.T("err.title"), Message: l.T("err.invalid"),
			Fields: map[string]string{}}
		var e *errs.Error
		if errors.As(err, &e) {
			for _, f := range e.Fields {
				if _, dup := pr.Fields[f.Field]; !dup {
					pr.Fields[f.Field] = fieldMessage(l, f)
				}
			}
		}
		return pr
	case errs.Conflict:
		return problem{Status: http.StatusConflict, Title: l.T("err.title"), Message: l.T("err.conflict")}
	case errs.IllegalTransition:
		return problem{Status: http.StatusConflict, Title: l.T("err.title"), Message: l.T("err.transition")}
	case errs.Refused:
		return problem{Status: http.StatusUnprocessableEntity, Title: l.T("err.title"), Message: l.T("err.refused")}
	case errs.Unauthenticated:
		return problem{Status: http.StatusUnauthorized, Title: l.T("err.title"), Message: l.T("err.unauth")}
	case errs.TooLarge:
		return problem{Status: http.StatusRequestEntityTooLarge, Title: l.T("err.title"), Message: l.T("err.too_large")}
	case errs.Unavailable:
		return problem{Status: http.StatusServiceUnavailable, Title: l.T("err.title"), Message: l.T("err.unavailable")}
	case errs.TooManyRequests:
		return problem{Status: http.StatusTooManyRequests, Title: l.T("err.title"), Message: l.T("err.too_many")}
	}
	return problem{Status: http.StatusInternalServerError, Title: l.T("err.title"), Message: l.T("err.internal")}
}

// fieldMessage is the text in l for one field problem, chosen by the field and its stable rule code.
func fieldMessage(l locale, f errs.FieldError) string {
	switch {
	case f.Field == "current_password" && f.Rule == "mismatch":
		return l.T("pw.wrong_current")
	case f.Rule == "too_short" && f.Field == "new_password":
		return l.T("pw.too_short")
	case f.Rule == "too_long" && f.Field == "new_password":
		return l.T("pw.too_long")
	case f.Rule == "common":
		return l.T("pw.common")
	case f.Rule == "trivial":
		return l.T("pw.trivial")
	case f.Rule == "contains_login":
		return l.T("pw.contains_login")
	case f.Field == "csr" && f.Rule == "invalid":
		return l.T("fe.csr_invalid")
	case f.Field == "csr" && f.Rule == "too_large":
		return l.T("fe.csr_too_large")
	case f.Field == "csr" && f.Rule == "required" && f.Message == "no file":
		return l.T("fe.csr_required")
	case f.Field == "csr" && f.Rule == "required":
		return l.T("fe.csr_missing")
	case f.Field == "verification" && f.Rule == "required":
		return l.T("fe.verification_missing")
	case f.Field == "note" && f.Rule == "required":
		return l.T("fe.note_required")
	case f.Field == "service_center_id" && f.Rule == "required":
		return l.T("fe.center_required")
	case f.Field == "service_center_id" && f.Rule == "unknown":
		return l.T("fe.center_unknown")
	case f.Rule == "not_allowed":
		return l.T("fe.not_allowed")
	case f.Rule == "too_long":
		return l.T("fe.too_long")
	case f.Rule == "mixed_script":
		return l.T("fe.mixed_script")
	case f.Rule == "bidi" || f.Rule == "encoding":
		return l.T("fe.bad_chars")
	case f.Rule == "enum":
		return l.T("err.field_enum")
	case f.Rule == "format" || f.Rule == "malformed" || f.Rule == "checksum" || f.Rule == "length":
		return l.T("err.field_format")
	}
	return l.T("err.field")
}

// fail shows an error page with the status the error maps to.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p *access.Principal, err error) {
	pr := explain(localeOf(r), err)
	setRetryAfter(w, err)
	if pr.Status >= 500 {
		h.Log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.render(w, r, pr.Status, "error", pr.Title, p, pr)
}

// Refuse shows the error page, in the visitor's language, for a request turned away before any page
// handler ran (the admission bound of kcr serve).
func (h *Handler) Refuse(w http.ResponseWriter, r *http.Request, err error) {
	localized(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, nil, err) })).ServeHTTP(w, r)
}

// setRetryAfter tells a throttled browser, or one turned away by a busy server, as the API does, how many
// seconds to wait.
func setRetryAfter(w http.ResponseWriter, err error) {
	var e *errs.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(e.RetryAfter)))
	}
}

// retrySeconds rounds a wait up to whole seconds.
func retrySeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
