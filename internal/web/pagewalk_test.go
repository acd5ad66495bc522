package web

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// walkRoles are the logins the page walks sign in as, one for each role of the web interface (the CA
// operator is added by env.operator; the integration role has no web login).
var walkRoles = []string{"account_admin", "org_admin", "org_admin_b", "registrar", "accountant", "manager", "employee", "operator"}

// pagePaths is a GET address for every page the handler registered, from its route table, so that a page
// added later is walked too: path parameters get real ids of the env's objects (in organization A);
// downloads (a file name with an extension) are not pages and are left out. A parameter the walk does not
// know fails the test: give it an id here.
func (e *env) pagePaths(t *testing.T, userID string) []string {
	var out []string
	for _, p := range e.pages(t, userID) {
		out = append(out, p.Path)
	}
	return out
}

// walkPage is a page of the walk: its address and a name for its screenshots, from its route.
type walkPage struct {
	Name, Path string
}

// pages is pagePaths with each page's name.
func (e *env) pages(t *testing.T, userID string) []walkPage {
	t.Helper()
	ids := map[string]string{
		"/ui/applications/{id}":     e.appA,
		"/ui/employees/{id}":        e.empA,
		"/ui/organizations/{id}":    e.orgA,
		"/ui/certificates/{serial}": certA,
		"/ui/admin/users/{id}":      userID,
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	var out []walkPage
	for _, pat := range e.h.patterns {
		method, path, _ := strings.Cut(pat, " ")
		path = strings.TrimSuffix(path, "{$}")
		last := path[strings.LastIndexByte(path, '/')+1:]
		if method != "GET" || path == "/" || path == "/ui/lang" || path == "/ui/" && strings.HasSuffix(pat, "/ui/") ||
			strings.Contains(last, ".") || strings.Contains(path, "{file}") {
			continue
		}
		name := strings.Trim(strings.TrimPrefix(path, "/ui"), "/")
		name = strings.NewReplacer("/", "-", "{id}", "card", "{serial}", "card").Replace(name)
		if name == "" {
			name = "dashboard"
		}
		for prefix, id := range ids {
			if rest, ok := strings.CutPrefix(path, prefix); ok {
				path = param.ReplaceAllString(prefix, id) + rest
			}
		}
		if param.MatchString(path) {
			t.Errorf("the page walk has no id for %s: add one to pagePaths", pat)
			continue
		}
		out = append(out, walkPage{name, path})
	}
	return out
}

// visibleText is what a page shows as text: its markup without scripts, styles, hidden fields and tags,
// with the values of the visible form fields, entities decoded.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?is)<(script|style|title)\b.*?</(script|style|title)>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?i)<input[^>]*type="hidden"[^>]*>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?i)<input[^>]*\bvalue="([^"]*)"[^>]*>`).ReplaceAllString(page, " $1 ")
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}

// The patterns visible text must not show: ISO dates, UUIDs and kcr's internal codes.
var (
	isoDateRE  = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	uuidTextRE = regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	// internalCodes are codes that once reached the screen; the rest of the closed sets the catalogue names.
	internalCodes = []string{"kcr-ca", "passport_rf", "snils:", "identity_verification", "legal_entity", "individual_certificate",
		"sole_proprietor", "in_person_workplace", "key_compromise", `{"`, "KiB", "MiB", "КиБ", "МиБ", "user:", "system:"}
)

// codeExceptions are the codes a page shows on purpose, by page and code, each with its reason.
var codeExceptions = map[string]map[string]string{
	// The import form documents the file format: its column headers and the document type codes the reader
	// accepts are what the file must hold (issue 14 part 7 changes the reader to take words).
	"/ui/employees/import": {"passport_rf": "file format"},
}

// TestRussianFormatsEveryPage walks every page as every role and fails on an ISO date, a UUID or an internal
// code in the visible text, in Russian (the English interface writes ISO dates on purpose).
func TestRussianFormatsEveryPage(t *testing.T) {
	e := newEnv(t)
	// Events of every kind in the audit log: an identity check, a certificate read, a revocation, a declined
	// application.
	reg := e.browser()
	reg.login("registrar")
	r := reg.do("POST", "/ui/applications/"+e.appA+"/act/verify-identity", map[string][]string{"method": {"in_person_workplace"},
		"check": {"presented", "photo", "data", "snils"}})
	if r.status != 303 {
		t.Fatalf("verify identity: %d", r.status)
	}
	admin := e.browser()
	admin.login("account_admin")
	admin.get("/ui/certificates/" + certLegacy + "/download.pem")
	admin.do("POST", "/ui/certificates/"+certLegacy+"/revoke", map[string][]string{"reason": {"key_compromise"}, "confirm": {"yes"}})
	admin.do("POST", "/ui/applications/"+e.appB+"/act/decline", map[string][]string{"note": {"нет документа"}, "confirm": {"yes"}})
	userID := regexp.MustCompile(`/ui/admin/users/([0-9a-f-]{36})"`).FindStringSubmatch(admin.get("/ui/admin/users").body)
	if userID == nil {
		t.Fatal("no user on the users page")
	}
	paths := e.pagePaths(t, userID[1])
	if len(paths) < 20 {
		t.Fatalf("only %d pages: %v", len(paths), paths)
	}
	e.operator()
	for _, role := range walkRoles {
		t.Run(role, func(t *testing.T) {
			b := e.browser()
			b.login(role)
			for _, p := range paths {
				r := b.get(p)
				if r.status >= 500 {
					t.Errorf("%s: %d", p, r.status)
					continue
				}
				text := visibleText(r.body)
				if m := isoDateRE.FindString(text); m != "" {
					t.Errorf("%s: ISO date %s in %q", p, m, around(text, m))
				}
				if m := uuidTextRE.FindString(text); m != "" {
					t.Errorf("%s: UUID %s in %q", p, m, around(text, m))
				}
				for _, c := range internalCodes {
					if _, ok := codeExceptions[p][c]; !ok && strings.Contains(text, c) {
						t.Errorf("%s: internal code %q in %q", p, c, around(text, c))
					}
				}
			}
		})
	}
}

// around is the text around the first s, for a failure message.
func around(text, s string) string {
	i := strings.Index(text, s)
	from, to := max(0, i-80), min(len(text), i+len(s)+80)
	for from > 0 && !utf8Start(text[from]) {
		from--
	}
	for to < len(text) && !utf8Start(text[to]) {
		to++
	}
	return strings.Join(strings.Fields(text[from:to]), " ")
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
