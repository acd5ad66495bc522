package web

import (
	"errors"
	"net/http"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
)

// problem is an error as a person reads it: the HTTP status, a Russian message, and a Russian message
// for each wrong form field. It never carries the error's internal text.
type problem struct {
	Status  int
	Title   string
	Message string
	Fields  map[string]string
}

// explain maps any error the services return to what the page shows. Everything that is not a typed
// kcr error is an internal failure: its text goes to the log only.
func explain(err error) problem {
	switch errs.KindOf(err) {
	case errs.Forbidden:
		return problem{Status: http.StatusForbidden, Title: T("err.forbidden"), Message: T("err.forbidden_text")}
	case errs.NotFound:
		return problem{Status: http.StatusNotFound, Title: T("err.not_found"), Message: T("err.not_found_text")}
	case errs.Invalid, errs.Malformed:
		pr := problem{Status: http.StatusUnprocessableEntity, Title: T("err.title"), Message: T("err.invalid"),
			Fields: map[string]string{}}
		var e *errs.Error
		if errors.As(err, &e) {
			for _, f := range e.Fields {
				if _, dup := pr.Fields[f.Field]; !dup {
					pr.Fields[f.Field] = fieldMessage(f)
				}
			}
		}
		return pr
	case errs.Conflict:
		return problem{Status: http.StatusConflict, Title: T("err.title"), Message: T("err.conflict")}
	case errs.IllegalTransition:
		return problem{Status: http.StatusConflict, Title: T("err.title"), Message: T("err.transition")}
	case errs.Refused:
		return problem{Status: http.StatusUnprocessableEntity, Title: T("err.title"), Message: T("err.refused")}
	case errs.Unauthenticated:
		return problem{Status: http.StatusUnauthorized, Title: T("err.title"), Message: T("err.unauth")}
	case errs.TooLarge:
		return problem{Status: http.StatusRequestEntityTooLarge, Title: T("err.title"), Message: T("err.too_large")}
	case errs.Unavailable:
		return problem{Status: http.StatusServiceUnavailable, Title: T("err.title"), Message: T("err.unavailable")}
	}
	return problem{Status: http.StatusInternalServerError, Title: T("err.title"), Message: T("err.internal")}
}

// fieldMessage is the Russian text for one field problem, chosen by the field and its stable rule code.
func fieldMessage(f errs.FieldError) string {
	switch {
	case f.Field == "current_password" && f.Rule == "mismatch":
		return T("pw.wrong_current")
	case f.Rule == "too_short" && f.Field == "new_password":
		return T("pw.too_short")
	case f.Rule == "too_long" && f.Field == "new_password":
		return T("pw.too_long")
	case f.Field == "csr" && f.Rule == "invalid":
		return T("fe.csr_invalid")
	case f.Field == "csr" && f.Rule == "too_large":
		return T("fe.csr_too_large")
	case f.Field == "csr" && f.Rule == "required" && f.Message == "no file":
		return T("fe.csr_required")
	case f.Field == "csr" && f.Rule == "required":
		return T("fe.csr_missing")
	case f.Field == "verification" && f.Rule == "required":
		return T("fe.verification_missing")
	case f.Field == "note" && f.Rule == "required":
		return T("fe.note_required")
	case f.Field == "service_center_id" && f.Rule == "required":
		return T("fe.center_required")
	case f.Field == "service_center_id" && f.Rule == "unknown":
		return T("fe.center_unknown")
	case f.Rule == "not_allowed":
		return T("fe.not_allowed")
	case f.Rule == "too_long":
		return T("fe.too_long")
	case f.Rule == "enum":
		return T("err.field_enum")
	case f.Rule == "format" || f.Rule == "malformed" || f.Rule == "checksum" || f.Rule == "length":
		return T("err.field_format")
	}
	return T("err.field")
}

// fail shows an error page with the status the error maps to.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p *access.Principal, err error) {
	pr := explain(err)
	if pr.Status >= 500 {
		h.Log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.render(w, r, pr.Status, "error", pr.Title, p, pr)
}
