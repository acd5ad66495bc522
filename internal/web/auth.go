package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
)

// loginData is the login form's state.
type loginData struct {
	Login   string
	Error   string
	Notice  string
	Expired bool
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	l := localeOf(r)
	d := loginData{}
	if r.URL.Query().Get("expired") != "" {
		d.Notice = l.T("login.expired")
	}
	if r.URL.Query().Get("out") != "" {
		d.Notice = l.T("logout.done")
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, "login", l.T("login.title"), nil, d)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	l := localeOf(r)
	login := strings.TrimSpace(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	d := loginData{Login: login}
	if login == "" || password == "" {
		d.Error = l.T("login.required")
		h.render(w, r, http.StatusUnprocessableEntity, "login", l.T("login.title"), nil, d)
		return
	}
	token, _, err := h.Access.LoginFrom(r.Context(), h.Access.ClientAddr(r), login, password)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.TooManyRequests {
			setRetryAfter(w, err)
			d.Error = fmt.Sprintf(l.T("login.too_many"), (retrySeconds(e.RetryAfter)+59)/60)
			h.render(w, r, http.StatusTooManyRequests, "login", l.T("login.title"), nil, d)
			return
		}
		if errs.KindOf(err) != errs.Unauthenticated {
			h.Log.Error("web: login failed", "err", err)
			d.Error = l.T("err.internal")
			h.render(w, r, http.StatusInternalServerError, "login", l.T("login.title"), nil, d)
			return
		}
		d.Error = l.T("login.wrong")
		h.render(w, r, http.StatusUnauthorized, "login", l.T("login.title"), nil, d)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(access.SessionTTL.Seconds())})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

// logout ends the session when there is one and always clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && strings.HasPrefix(c.Value, access.SessionPrefix) {
		if p, err := h.Access.Authenticate(r.Context(), c.Value); err == nil {
			if err := h.Access.Logout(r.Context(), p, c.Value); err != nil {
				h.Log.Error("web: logout failed", "err", err)
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.SecureCookies,
		SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login?out=1", http.StatusSeeOther)
}

// passwordData is the password form's state; passwords are never written back into the form.
type passwordData struct {
	Done    bool
	Message string
	Fields  map[string]string
}

func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.render(w, r, http.StatusOK, "password", localeOf(r).T("pw.title"), p, passwordData{Done: r.URL.Query().Get("done") != ""})
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := localeOf(r)
	current, next, repeat := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("repeat_password")
	if next != repeat {
		h.render(w, r, http.StatusUnprocessableEntity, "password", l.T("pw.title"), p, passwordData{Message: l.T("err.invalid"),
			Fields: map[string]string{"repeat_password": l.T("pw.mismatch")}})
		return
	}
	if err := h.Access.ChangePassword(r.Context(), p, current, next); err != nil {
		pr := explain(l, err)
		if pr.Fields == nil {
			h.fail(w, r, p, err)
			return
		}
		h.render(w, r, pr.Status, "password", l.T("pw.title"), p, passwordData{Message: pr.Message, Fields: pr.Fields})
		return
	}
	http.Redirect(w, r, "/ui/password?done=1", http.StatusSeeOther)
}
