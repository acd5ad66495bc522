package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
)

// locale is a language of the web interface; its methods read that language's catalogue. Russian is the
// default, English the second language.
type locale string

const (
	ru locale = "ru"
	en locale = "en"
)

// locales are the interface's languages in the switch's order, each named in itself: the names are the same
// whatever the page's language, so they are not in the catalogues.
var locales = []struct {
	L    locale
	Name string
}{{ru, "Русский"}, {en, "English"}}

// parseLocale is the locale of a language code; ok is false for a language the interface does not have.
func parseLocale(code string) (locale, bool) {
	switch l := locale(code); l {
	case ru, en:
		return l, true
	}
	return "", false
}

// text is the locale's text of a catalogue key, ok false when the catalogue has none.
func (l locale) text(key string) (string, bool) {
	c := messages
	if l == en {
		c = messagesEN
	}
	s, ok := c[key]
	return s, ok
}

// T returns the locale's text of a catalogue key; an unknown key comes back as itself so that a missing
// text is visible on the page rather than blank.
func (l locale) T(key string) string {
	if s, ok := l.text(key); ok {
		return s
	}
	return key
}

func (l locale) stateName(s model.State) string       { return l.T("state." + string(s)) }
func (l locale) kindName(k model.CertKind) string     { return l.T("kind." + string(k)) }
func (l locale) statusName(s model.CertStatus) string { return l.T("status." + string(s)) }
func (l locale) roleName(r model.Role) string         { return l.T("role." + string(r)) }

// actName is the name of a history step's action; an action the catalogue does not know is shown as
// recorded.
func (l locale) actName(a string) string {
	if s, ok := l.text("act." + a); ok {
		return s
	}
	return a
}

// methodName is the name of an identity verification method.
func (l locale) methodName(m model.VerificationMethod) string { return l.T("method." + string(m)) }

// langCookie keeps the language chosen with the switch; it outranks the browser's Accept-Language.
const langCookie = "kcr_lang"

// langCookieAge keeps the choice for a year: it is a preference, not a session.
const langCookieAge = 365 * 24 * 60 * 60

// requestLocale chooses a request's language: the switch's cookie, else the browser's Accept-Language,
// else Russian.
func requestLocale(r *http.Request) locale {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLocale(c.Value); ok {
			return l
		}
	}
	return acceptLocale(strings.Join(r.Header.Values("Accept-Language"), ","))
}

// acceptLocale picks, of the interface's languages, the one an Accept-Language header weighs highest (the
// first of equal weights), by the primary subtag: "en-GB" is English. Without either language, or with
// both refused (q=0), it is Russian.
func acceptLocale(header string) locale {
	best, bestQ := ru, 0.0
	for entry := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(entry, ";")
		primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
		l, ok := parseLocale(strings.ToLower(primary))
		if !ok {
			continue
		}
		if q := acceptWeight(params); q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// acceptWeight is the q-value among an Accept-Language entry's parameters: 1 without one, 0 (not
// acceptable) when it is not a number from 0 to 1.
func acceptWeight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(q >= 0 && q <= 1) {
			return 0
		}
		return q
	}
	return 1
}

// localized puts the request's locale in its context once, for every page of the interface, the login
// form and the error pages included.
func localized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), localeKey, requestLocale(r))))
	})
}

// localeOf is the request's locale as localized found it; Russian for a request that did not pass it.
func localeOf(r *http.Request) locale {
	if l, ok := r.Context().Value(localeKey).(locale); ok {
		return l
	}
	return ru
}

// langLink is one language of the layout's switch; the page's own language is not a link.
type langLink struct {
	Code, Name, Href string
	Current          bool
}

// langLinks are the switch's links, each coming back to this page.
func langLinks(cur locale, r *http.Request) []langLink {
	back := backPath(r)
	out := make([]langLink, len(locales))
	for i, x := range locales {
		q := url.Values{"to": {string(x.L)}}
		if back != "" {
			q.Set("back", back)
		}
		out[i] = langLink{Code: string(x.L), Name: x.Name, Href: "/ui/lang?" + q.Encode(), Current: x.L == cur}
	}
	return out
}

// backPath is where the switch returns to: this page's path and query; after a form post (whose address
// may have no page to GET) the page the form was on, by the Referer of this site, or "" for the default.
func backPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return ""
	}
	return ref.RequestURI()
}

// switchLocale sets the language cookie and sends the browser back to the page it came from. It needs no
// session, so that it works on the login form, and no script: the switch is a plain link.
func (h *Handler) switchLocale(w http.ResponseWriter, r *http.Request) {
	l, ok := parseLocale(r.URL.Query().Get("to"))
	if !ok {
		http.Error(w, localeOf(r).T("lang.unknown"), http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: langCookieAge, HttpOnly: true,
		Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// localPath is back when it is a path on this site, otherwise /ui/, so that the switch is no open
// redirect. Browsers read "//host" and "/\host" as another host, and drop tabs and newlines from an
// address ("/\t/host"); a backslash is refused anywhere, since http.Redirect cleans "/./\host" to "/\host".
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsRune(back, '\\') {
		return "/ui/"
	}
	for _, c := range back {
		if c < 0x20 || c == 0x7f {
			return "/ui/"
		}
	}
	return back
}

// rub formats kopecks as roubles the way l writes numbers: "12 345,67 ₽" in Russian, "12,345.67 ₽" in English.
func (l locale) rub(kopecks int64) string {
	if l == en {
		return money(kopecks, ",", ".")
	}
	return money(kopecks, "\u00a0", ",")
}

// date is a Moscow calendar date as l writes it: 02.01.2006 in Russian, 2006-01-02 (unambiguous) in English.
func (l locale) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l == en {
		return t.In(rules.MSK).Format(time.DateOnly)
	}
	return t.In(rules.MSK).Format("02.01.2006")
}

// datetime is a Moscow date and time as l writes it.
func (l locale) datetime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.date(t) + " " + t.In(rules.MSK).Format("15:04")
}
