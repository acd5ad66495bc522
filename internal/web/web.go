// Package web is kcr's web interface, in Russian by default and in English as the second language:
// server-rendered html/template pages over the same access, registration and billing services the API
// uses, with every asset embedded in the binary. htmx only enhances pages (search as you type); every page
// and form works with JavaScript off.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"path"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mailing"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/notify"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/webhook"
)

// sessionCookie is the session cookie's name. It must match api.SessionCookie: the API and the web
// interface share one session, so a signed-in browser can download invoice documents from the API.
const sessionCookie = "kcr_session"

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

// static holds the stylesheet and htmx (htmx.org 4.0.1 from the npm registry, dist/htmx.min.js, with its
// licence in htmx.LICENSE.txt).
//
//go:embed static
var staticFS embed.FS

// Handler serves the web interface.
type Handler struct {
	Access        *access.Service
	Reg           *registration.Service
	Billing       *billing.Service // nil when billing is not configured: no invoices, no forecast
	Log           *slog.Logger
	SecureCookies bool
	// Chain returns the CA certificates (DER, issuing CA first) that follow a certificate of the named
	// issuer in a PEM chain download; nil serves the certificate alone.
	Chain func(issuer string) [][]byte
	// Seller is the CA operator's requisites printed on invoice PDFs; empty, the invoice download answers 503.
	Seller document.Party
	// PoA is the power-of-attorney (МЧД) service; nil leaves its pages out.
	PoA *attorney.Service
	// Metrics computes the reissue metrics page; nil means one over Reg's database and timeline.
	Metrics *metrics.Service
	// Webhooks manages the account's webhook endpoints; nil leaves their pages out.
	Webhooks *webhook.Service
	// Notify keeps the signed-in user's notices (the bell); nil hides them.
	Notify *notify.Service
	// Mailings writes and sends segment mailings; nil hides them.
	Mailings *mailing.Service

	pages map[locale]map[string]*template.Template
	once  onceStore
	// patterns are the routes Register added behind the edge guard, for the tests that walk them all.
	patterns []string
}

// Register adds the web interface's routes to root: GET / (a redirect), GET and POST /login, POST /logout,
// GET /ui/lang (the language switch), GET /ui/… and the forms' POSTs under /ui/, GET /static/…. Forms are
// refused when they come from another site.
func (h *Handler) Register(root *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.New(slog.DiscardHandler)
	}
	h.pages = map[locale]map[string]*template.Template{}
	for _, x := range locales {
		h.pages[x.L] = parsePages(x.L)
	}
	cop := http.NewCrossOriginProtection()
	post := func(f http.HandlerFunc) http.Handler { return cop.Handler(f) }
	// Every route but the static files knows the request's language.
	mux := localizedMux{root, h}

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /login", h.loginForm)
	mux.Handle("POST /login", post(h.login))
	mux.Handle("POST /logout", post(h.logout))
	mux.HandleFunc("GET /ui/lang", h.switchLocale)
	mux.Handle("GET /ui/{$}", h.auth(h.dashboard))
	mux.Handle("GET /ui/password", h.auth(h.passwordForm))
	mux.Handle("POST /ui/password", post(h.auth(h.changePassword).ServeHTTP))
	mux.Handle("GET /ui/organizations", h.auth(h.organizations))
	mux.Handle("GET /ui/employees", h.auth(h.employees))
	mux.Handle("GET /ui/applications", h.auth(h.applications))
	mux.Handle("GET /ui/certificates", h.auth(h.certificates))
	mux.Handle("GET /ui/invoices", h.auth(h.invoices))
	mux.Handle("GET /ui/invoices/{file}", h.auth(h.invoicePDF))
	mux.Handle("GET /ui/invoices/{id}/act.pdf", h.auth(h.actPDF))
	mux.Handle("POST /ui/invoices/settings", post(h.auth(h.invoiceSettings).ServeHTTP))
	mux.Handle("GET /ui/billing/lines", h.auth(h.billingLines))
	mux.Handle("GET /ui/admin/audit", h.auth(h.auditLog))
	mux.Handle("GET /ui/metrics", h.auth(h.reissueMetrics))
	mux.Handle("GET /ui/metrics.csv", h.auth(h.reissueMetricsCSV))
	mux.Handle("GET /ui/applications/{id}", h.auth(h.applicationCard))
	mux.Handle("GET /ui/applications/{id}/form.pdf", h.auth(h.applicationForm))
	mux.Handle("GET /ui/applications/new", h.auth(h.newApplication))
	mux.Handle("POST /ui/applications/new", post(h.auth(h.createApplication).ServeHTTP))
	mux.Handle("GET /ui/organizations/new", h.auth(h.orgNewForm))
	mux.Handle("POST /ui/organizations/new", post(h.auth(h.orgCreate).ServeHTTP))
	mux.Handle("GET /ui/organizations/{id}/edit", h.auth(h.orgEditForm))
	mux.Handle("POST /ui/organizations/{id}/edit", post(h.auth(h.orgUpdate).ServeHTTP))
	mux.Handle("GET /ui/organizations/{id}/head", h.auth(h.orgHead))
	mux.Handle("POST /ui/organizations/{id}/head", post(h.auth(h.orgHeadSave).ServeHTTP))
	mux.Handle("GET /ui/employees/new", h.auth(h.employeeNewForm))
	mux.Handle("POST /ui/employees/new", post(h.auth(h.employeeCreate).ServeHTTP))
	mux.Handle("GET /ui/employees/{id}", h.auth(h.employeeCard))
	mux.Handle("GET /ui/employees/{id}/edit", h.auth(h.employeeEditForm))
	mux.Handle("POST /ui/employees/{id}/dismiss", post(h.auth(h.employeeDismiss).ServeHTTP))
	mux.Handle("POST /ui/employees/{id}/edit", post(h.auth(h.employeeUpdate).ServeHTTP))
	mux.Handle("GET /ui/employees/import", h.auth(h.importForm))
	mux.Handle("GET /ui/employees/import/template.csv", h.auth(h.importTemplate))
	mux.Handle("POST /ui/employees/import/preview", post(h.auth(h.importPreview).ServeHTTP))
	mux.Handle("POST /ui/employees/import", post(h.auth(h.importConfirm).ServeHTTP))
	mux.Handle("POST /ui/applications/{id}/act/{action}", post(h.auth(h.applicationAct).ServeHTTP))
	mux.Handle("POST /ui/applications/{id}/csr", post(h.auth(h.applicationCSR).ServeHTTP))
	mux.Handle("GET /ui/certificates/{serial}", h.auth(h.certificateCard))
	mux.Handle("GET /ui/certificates/{serial}/download.der", h.auth(h.certificateDownload("der")))
	mux.Handle("GET /ui/certificates/{serial}/download.pem", h.auth(h.certificateDownload("pem")))
	mux.Handle("GET /ui/certificates/{serial}/form.pdf", h.auth(h.certificateForm))
	mux.Handle("POST /ui/certificates/{serial}/revoke", post(h.auth(h.certificateRevoke).ServeHTTP))
	mux.Handle("POST /ui/certificates/{serial}/reissue", post(h.auth(h.certificateReissue).ServeHTTP))
	mux.Handle("POST /ui/certificates/wave", post(h.auth(h.waveConfirm).ServeHTTP))
	mux.Handle("POST /ui/certificates/wave/run", post(h.auth(h.waveRun).ServeHTTP))
	mux.Handle("POST /ui/employees/{id}/powers-of-attorney/revoke", post(h.auth(h.employeePoARevoke).ServeHTTP))
	mux.Handle("GET /ui/admin/users", h.auth(h.adminUsers))
	mux.Handle("POST /ui/admin/users", post(h.auth(h.adminUserCreate).ServeHTTP))
	mux.Handle("GET /ui/admin/users/{id}", h.auth(h.adminUserEdit))
	mux.Handle("POST /ui/admin/users/{id}", post(h.auth(h.adminUserUpdate).ServeHTTP))
	mux.Handle("POST /ui/admin/users/{id}/{action}", post(h.auth(h.adminUserAction).ServeHTTP))
	mux.Handle("GET /ui/admin/api-keys", h.auth(h.adminKeys))
	mux.Handle("POST /ui/admin/api-keys", post(h.auth(h.adminKeyCreate).ServeHTTP))
	mux.Handle("POST /ui/admin/api-keys/{id}/revoke", post(h.auth(h.adminKeyRevoke).ServeHTTP))
	mux.Handle("GET /ui/admin/service-centers", h.auth(h.adminCenters))
	mux.Handle("POST /ui/admin/service-centers", post(h.auth(h.adminCenterCreate).ServeHTTP))
	mux.Handle("GET /ui/admin/tariffs", h.auth(h.adminTariffs))
	mux.Handle("POST /ui/admin/tariffs", post(h.auth(h.adminTariffCreate).ServeHTTP))
	h.registerPoA(mux, post)
	h.registerWebhooks(mux, post)
	h.registerMailings(mux, post)
	mux.Handle("GET /ui/", h.auth(func(w http.ResponseWriter, r *http.Request, p *access.Principal) {
		h.fail(w, r, p, errs.NotFoundf("no page %s", r.URL.Path))
	}))
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	root.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		edge.SetHeaders(w.Header())
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
}

// localizedMux registers handlers behind localized and the edge guard (security headers; NUL and invalid
// UTF-8 refused before any handler).
type localizedMux struct {
	*http.ServeMux
	h *Handler
}

func (m localizedMux) Handle(pattern string, h http.Handler) {
	m.h.patterns = append(m.h.patterns, pattern)
	m.ServeMux.Handle(pattern, localized(edge.Guard(h, m.h.refuseBytes)))
}

// refuseBytes shows the error page for a request the edge guard refused, naming the field.
func (h *Handler) refuseBytes(w http.ResponseWriter, r *http.Request, err error) {
	l := localeOf(r)
	pr := explain(l, err)
	pr.Message = l.T("err.encoding")
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		pr.Message += " " + l.fieldName(e.Fields[0].Field)
	}
	h.render(w, r, pr.Status, "error", pr.Title, nil, pr)
}

func (m localizedMux) HandleFunc(pattern string, f http.HandlerFunc) { m.Handle(pattern, f) }

// pageFunc is a page handler for a signed-in caller.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *access.Principal)

type ctxKey int

const (
	tokenKey ctxKey = iota
	localeKey
)

// auth finds the caller from the session cookie; without a valid session it sends the browser to the
// login form (htmx requests get 401 so a fragment never becomes the login page).
func (h *Handler) auth(f pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || !strings.HasPrefix(c.Value, access.SessionPrefix) {
			h.toLogin(w, r, false)
			return
		}
		p, err := h.Access.AuthenticateFrom(r.Context(), h.Access.ClientAddr(r), c.Value)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				h.fail(w, r, nil, err)
				return
			}
			h.toLogin(w, r, true)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		f(w, r.WithContext(context.WithValue(r.Context(), tokenKey, c.Value)), p)
	})
}

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	if r.Header.Get("HX-Request") != "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	target := "/login"
	if expired {
		target += "?expired=1"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// nav is one link of the menu.
type nav struct {
	Href, Title string
	Current     bool
}

// page is what every template gets: the layout's data and the page's own.
type page struct {
	Title     string
	Lang      string // the page's language code, for <html lang>
	Langs     []langLink
	Principal *access.Principal
	UserName  string
	Role      string
	Nav       []nav
	Bell      bool // the notices bell is shown, with Unread
	Unread    int
	Data      any
}

func (h *Handler) menu(l locale, p *access.Principal, current string) []nav {
	var out []nav
	add := func(href, key string, ok bool) {
		if ok {
			out = append(out, nav{Href: href, Title: l.T(key), Current: href == current})
		}
	}
	add("/ui/", "nav.dashboard", true)
	add("/ui/organizations", "nav.orgs", p.Can(access.OrgRead))
	add("/ui/employees", "nav.employees", p.Can(access.EmployeeRead))
	add("/ui/applications", "nav.apps", p.Can(access.AppRead))
	add("/ui/certificates", "nav.certs", p.Can(access.CertRead))
	add("/ui/powers-of-attorney", "nav.poa", h.PoA != nil && poaReader(p))
	add("/ui/invoices", "nav.invoices", h.Billing != nil && p.Can(access.BillingRead))
	add("/ui/billing/lines", "nav.lines", h.Billing != nil && p.Can(access.BillingRead))
	add("/ui/metrics", "nav.metrics", metrics.Allowed(p))
	add("/ui/admin/audit", "nav.audit", p.Can(access.AuditRead))
	add("/ui/admin/users", "nav.users", p.Can(access.UserManage))
	add("/ui/admin/api-keys", "nav.api_keys", p.Can(access.APIKeyManage))
	add("/ui/admin/webhooks", "nav.webhooks", h.Webhooks != nil && p.Can(access.APIKeyManage) && p.AccountID != "")
	// Service centers are where identity is verified: those who work with applications see them, the
	// CA operator adds them.
	add("/ui/admin/service-centers", "nav.centers", p.Can(access.AccountManage) || p.Can(access.AppRead))
	add("/ui/admin/tariffs", "nav.tariffs", h.Billing != nil && (p.Can(access.BillingRead) || p.Can(access.ForecastRead)))
	add("/ui/mailings", "nav.mailings", h.Mailings != nil && mailing.CanWrite(p))
	add("/ui/password", "nav.password", p.Can(access.PasswordOwnSelf))
	return out
}

// render writes a page, or with fragment set only its "results" block (for htmx).
// The template set is the request's language's.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, p *access.Principal, data any) {
	l := localeOf(r)
	t, ok := h.pages[l][name]
	if !ok {
		h.Log.Error("web: no template", "name", name)
		http.Error(w, l.T("err.internal"), http.StatusInternalServerError)
		return
	}
	pg := page{Title: title, Lang: string(l), Langs: langLinks(l, r), Principal: p, Data: data}
	if p != nil {
		pg.UserName = p.Name
		pg.Role = l.roleName(p.Role)
		pg.Nav = h.menu(l, p, r.URL.Path)
		pg.Unread, pg.Bell = h.unread(r, p)
	}
	block := "layout"
	if r.Header.Get("HX-Request") != "" && t.Lookup("results") != nil {
		block = "results"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, pg); err != nil {
		h.Log.Error("web: render", "template", name, "err", err)
		http.Error(w, l.T("err.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Without the switch's cookie the language follows the browser's.
	w.Header().Set("Vary", "HX-Request, Accept-Language")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// parsePages builds one template set per page, the layout, the partials (templates/partials) and the page file,
// whose functions speak l.
func parsePages(l locale) map[string]*template.Template {
	base := template.Must(template.New("base").Funcs(templateFuncs(l)).ParseFS(templateFS, "templates/layout.html",
		"templates/partials/*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// templateFuncs are the templates' functions: those of funcs, and those that produce text, speaking l.
func templateFuncs(l locale) template.FuncMap {
	f := template.FuncMap{
		"T":        l.T,
		"state":    l.stateName,
		"kind":     l.kindName,
		"status":   l.statusName,
		"act":      l.actName,
		"method":   l.methodName,
		"sortTH":   func(d listData, key, label string) template.HTML { return d.sortTH(l, key, label) },
		"date":     l.date,
		"datetime": l.datetime,
		"rub":      l.rub,
	}
	maps.Copy(f, funcs)
	maps.Copy(f, formatFuncs(l))
	return f
}

// funcs are the template functions that are the same in every language.
var funcs = template.FuncMap{
	"fld":       func(d formData, name, label string) fieldArg { return fieldArg{D: d, Name: name, Label: label} },
	"snils":     formatSNILS,
	"mask":      registration.MaskDocument,
	"maskSNILS": maskSNILS,
}

// fieldArg is what the "field" template gets: the form, the field's name and its label.
type fieldArg struct {
	D           formData
	Name, Label string
}

// money formats kopecks as roubles with the given thousands and decimal separators: "12 345,67 ₽".
func money(kopecks int64, group, decimal string) string {
	neg := kopecks < 0
	if neg {
		kopecks = -kopecks
	}
	s := fmt.Sprintf("%d", kopecks/100)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("%s%s%02d\u00a0₽", b.String(), decimal, kopecks%100)
	if neg {
		out = "−" + out
	}
	return out
}

// formatSNILS shows an 11-digit СНИЛС as "123-456-789 01".
func formatSNILS(s string) string {
	if len(s) != 11 {
		return s
	}
	return s[:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:]
}

// maskSNILS hides all of a СНИЛС but its check digits: "***-***-*** 95".
func maskSNILS(s string) string {
	if len(s) < 2 {
		return "***-***-*** **"
	}
	return "***-***-*** " + s[len(s)-2:]
}
