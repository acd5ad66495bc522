package web

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"
)

// russianOnly reports whether a key is a text of a Russian record, which has no English: the identity
// checklist's note kept in the history.
func russianOnly(key string) bool {
	return key == "check.note" || strings.HasPrefix(key, "check.") && strings.HasSuffix(key, "_note")
}

// cyrillicKept lists the English texts that keep a Russian word on purpose (a proper name), by key, with the
// word. None does today: the abbreviations (INN, KPP, OGRN, SNILS) are transliterated.
var cyrillicKept = map[string]string{}

var placeholderRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

func hasCyrillic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
}

// TestCatalogueParity: every Russian key but the Russian records' has an English text and the other way
// round; the placeholders and the spaces the texts are joined by are the same; no English text is empty or
// left in Russian.
func TestCatalogueParity(t *testing.T) {
	for key, ruText := range messages {
		t.Run(key, func(t *testing.T) {
			enText, ok := messagesEN[key]
			if russianOnly(key) {
				if ok {
					t.Errorf("a Russian record's text has an English one: %q", enText)
				}
				return
			}
			if !ok {
				t.Fatalf("no English text for %q", ruText)
			}
			if strings.TrimSpace(enText) == "" {
				t.Errorf("empty English text")
			}
			if got, want := placeholderRE.FindAllString(enText, -1), placeholderRE.FindAllString(ruText, -1); !slices.Equal(got, want) {
				t.Errorf("placeholders %q, want %q as in %q", got, want, ruText)
			}
			if strings.HasSuffix(enText, " ") != strings.HasSuffix(ruText, " ") {
				t.Errorf("%q and %q differ in the trailing space the next text is joined by", enText, ruText)
			}
			if kept := cyrillicKept[key]; hasCyrillic(strings.ReplaceAll(enText, kept, "")) || !strings.Contains(enText, kept) {
				t.Errorf("English text still in Russian: %q", enText)
			}
		})
	}
	for key := range messagesEN {
		if _, ok := messages[key]; !ok {
			t.Errorf("English key %q has no Russian text", key)
		}
	}
}

// TestAcceptLocale: the header's highest-weighted language of the two decides, the first of equal weights;
// anything else is Russian.
func TestAcceptLocale(t *testing.T) {
	for _, c := range []struct {
		header string
		want   locale
	}{
		{"", ru},
		{"en", en},
		{"en-US,en;q=0.9", en},
		{"EN-gb", en},
		{"ru-RU,ru;q=0.9,en-US;q=0.8", ru},
		{"ru, en", ru},
		{"de, en;q=0.5", en},
		{"uk, en;q=0.8", en},
		{"fr", ru},
		{"*", ru},
		{"english", ru},
		{"ru;q=0.5, en;q=0.9", en},
		{"en-US;q=0.8, ru;q=0.9", ru},
		{"en;q=0.5, ru;q=0.5", en},
		{"ru;q=0.5, en;q=0.5", ru},
		{"en;q=0", ru},
		{"en;q=0, ru", ru},
		{"en;q=0.000, de", ru},
		{"en; Q=0.7", en},
		{"en;level=1;q=0.4, fr", en},
		{"en;q=abc", ru},
		{"en;q=1.5", ru},
		{"en;q=NaN", ru},
		{"en;q=-0.5, ru;q=0.1", ru},
		{",,;q=1, en", en},
	} {
		t.Run(c.header, func(t *testing.T) {
			if got := acceptLocale(c.header); got != c.want {
				t.Errorf("acceptLocale(%q) = %s, want %s", c.header, got, c.want)
			}
		})
	}
}

// TestRequestLocale: the switch's cookie beats Accept-Language, which beats the default.
func TestRequestLocale(t *testing.T) {
	for _, c := range []struct {
		name   string
		cookie string
		accept []string
		want   locale
	}{
		{"nothing", "", nil, ru},
		{"header", "", []string{"en-US,en;q=0.9"}, en},
		{"header lines", "", []string{"de", "en;q=0.5"}, en},
		{"cookie en", "en", []string{"ru"}, en},
		{"cookie ru", "ru", []string{"en"}, ru},
		{"unknown cookie", "de", []string{"en"}, en},
		{"unknown cookie, no header", "xx", nil, ru},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/login", nil)
			if c.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: c.cookie})
			}
			for _, a := range c.accept {
				r.Header.Add("Accept-Language", a)
			}
			if got := requestLocale(r); got != c.want {
				t.Errorf("requestLocale = %s, want %s", got, c.want)
			}
		})
	}
}

func TestLocalPath(t *testing.T) {
	for _, c := range []struct{ back, want string }{
		{"/ui/applications?state=draft&kind=individual", "/ui/applications?state=draft&kind=individual"},
		{"/login?expired=1", "/login?expired=1"},
		{"/", "/"},
		{"", "/ui/"},
		{"ui/applications", "/ui/"},
		{"https://evil.example/", "/ui/"},
		{"javascript:alert(1)", "/ui/"},
		{"//evil.example/", "/ui/"},
		{"/\\evil.example/", "/ui/"},
		{"/./\\evil.example/", "/ui/"},
		{"/ui/a\\b", "/ui/"},
		{"/\t/evil.example/", "/ui/"},
		{"/\n/evil.example/", "/ui/"},
		{"/ui/\x7f", "/ui/"},
	} {
		t.Run(c.back, func(t *testing.T) {
			if got := localPath(c.back); got != c.want {
				t.Errorf("localPath(%q) = %q, want %q", c.back, got, c.want)
			}
		})
	}
}

// rawGet is a request without a cookie jar and without following redirects, for the headers.
func rawGet(t *testing.T, e *env, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	must(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, string(raw)
}

var langSwitchRE = regexp.MustCompile(`(?s)<nav class="lang".*?</nav>`)

// withoutLangSwitch is a page without its language switch, whose links carry the page's own address.
func withoutLangSwitch(body string) string { return langSwitchRE.ReplaceAllString(body, "") }

// switchHref is the address of the page's link to a language, "" without one.
func switchHref(body, code string) string {
	m := regexp.MustCompile(`<a href="([^"]*)"[^>]*id="lang-` + code + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestLangSwitch: the switch sets the cookie and goes back, signed in or not; it refuses to leave the site
// and refuses a language the interface does not have.
func TestLangSwitch(t *testing.T) {
	e := newEnv(t)
	t.Run("cookie and redirect, signed out", func(t *testing.T) {
		for _, secure := range []bool{false, true} {
			e.h.SecureCookies = secure
			resp, _ := rawGet(t, e, "/ui/lang?to=en&back="+url.QueryEscape("/login?expired=1"))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?expired=1" {
				t.Fatalf("switch: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			i := slices.IndexFunc(resp.Cookies(), func(c *http.Cookie) bool { return c.Name == langCookie })
			if i < 0 {
				t.Fatalf("no %s cookie: %v", langCookie, resp.Header["Set-Cookie"])
			}
			c := resp.Cookies()[i]
			if c.Value != "en" || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure ||
				c.MaxAge <= 0 {
				t.Errorf("cookie (secure cookies %v): %+v", secure, c)
			}
		}
		e.h.SecureCookies = false
	})
	t.Run("open redirects refused", func(t *testing.T) {
		for _, back := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example/", "/./\\evil.example",
			"/\t/evil.example", "evil.example", ""} {
			resp, _ := rawGet(t, e, "/ui/lang?to=ru&back="+url.QueryEscape(back))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
				t.Errorf("back %q: %d %q, want /ui/", back, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
	t.Run("unknown language", func(t *testing.T) {
		for _, c := range []struct{ to, accept, want string }{
			{"de", "", "Такого языка в интерфейсе нет."},
			{"", "", "Такого языка в интерфейсе нет."},
			{"EN", "en", "The interface has no such language."},
		} {
			resp, body := rawGet(t, e, "/ui/lang?to="+c.to+"&back=/ui/", "Accept-Language", c.accept)
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
				strings.TrimSpace(body) != c.want || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("to=%q: %d %q %q %q", c.to, resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header.Get("Set-Cookie"))
			}
		}
	})
	t.Run("from the login page and back", func(t *testing.T) {
		b := e.browser()
		r := b.get("/login")
		contains(t, "Russian login", r.body, `lang="ru"`, `<span lang="ru" aria-current="true">Русский</span>`)
		href := switchHref(r.body, "en")
		if href != "/ui/lang?back=%2Flogin&to=en" {
			t.Fatalf("English link %q", href)
		}
		r = b.get(href)
		if r.status != http.StatusSeeOther || r.location != "/login" {
			t.Fatalf("switch: %d %q", r.status, r.location)
		}
		r = b.get(r.location)
		contains(t, "English login", r.body, `lang="en"`, "<h1>Sign in</h1>", `<span lang="en" aria-current="true">English</span>`)
		// The choice outlives signing in, and the other language's link keeps the page's query.
		b.login("registrar")
		r = b.get("/ui/applications?state=draft")
		contains(t, "English list", r.body, `lang="en"`, "<h1>Applications</h1>")
		href = switchHref(r.body, "ru")
		if href != "/ui/lang?back=%2Fui%2Fapplications%3Fstate%3Ddraft&to=ru" {
			t.Fatalf("Russian link %q", href)
		}
		r = b.get(href)
		if r.location != "/ui/applications?state=draft" {
			t.Fatalf("back to %q", r.location)
		}
		contains(t, "Russian again", b.get(r.location).body, `lang="ru"`, "<h1>Заявки</h1>")
	})
	t.Run("after a form post the switch returns to the form's page", func(t *testing.T) {
		b := e.browser()
		r := b.do("POST", "/login", url.Values{"login": {"registrar"}, "password": {"wrong password"}}, "Referer", e.srv.URL+"/login")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.status)
		}
		if href := switchHref(r.body, "en"); href != "/ui/lang?back=%2Flogin&to=en" {
			t.Errorf("English link after the post %q", href)
		}
	})
}

// pageData are the env's own Russian data, which English pages show as entered.
var pageData = []string{"Филиал ООО «Ромашка» в Санкт-Петербурге", orgAName, orgBName, empAName + " Иван Петрович",
	empBName + " Иван Петрович", "Пользователь", "СЦ «Центральный», Москва, ул. Тверская, 1", "СЦ «Центральный»",
	"Москва, ул. Тверская, 1", "Москва", "Тестовый холдинг", "ОВД района Арбат г. Москвы"}

// chromeCyrillic is what remains in Russian of a page once its data and its language switch are taken out.
func chromeCyrillic(body string) []string {
	body = withoutLangSwitch(body)
	for _, d := range pageData {
		body = strings.ReplaceAll(body, html.EscapeString(d), "")
		body = strings.ReplaceAll(body, d, "")
	}
	return regexp.MustCompile(`[\p{Cyrillic}][\p{Cyrillic}\s]*`).FindAllString(body, 20)
}

// TestPagesInEnglish opens pages as different roles in English, by the browser's language or by the
// switch's cookie: English texts, <html lang="en">, and nothing of the Russian catalogue left.
func TestPagesInEnglish(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, login, path string
		status            int
		want              []string
	}{
		{"login", "", "/login", 200, []string{"<title>Sign in — KCR</title>", "Login", "Password", `<button type="submit">Sign in</button>`}},
		{"login expired", "", "/login?expired=1", 200, []string{"Your session has ended. Please sign in again."}},
		{"registrar dashboard", "registrar", "/ui/", 200, []string{"<h1>Dashboard</h1>", "Registrar queue",
			"within 30 days", "Legacy employee certificates", "Signed in as <b>registrar</b> (registrar)", "Sign out",
			`aria-label="Certificates expiring per month (12 months)"`, "Nov", "Individual"}},
		{"manager dashboard", "manager", "/ui/", 200, []string{"Renewal cost forecast for 12 months", "₽ incl. VAT", "(manager)"}},
		{"applications", "org_admin", "/ui/applications", 200, []string{"<h1>Applications</h1>", "New application",
			`title="Sort by the “Certificate kind” column"`, "Identity verification", "Certificate kind", "any",
			"Organization (a word of the name)", "INN", "KPP", "OGRN", "SNILS (insurance number)"}},
		{"application card", "registrar", "", 200, []string{"<h1>Application</h1>", `aria-label="Application stages"`,
			`<span class="n">1</span> Employee<span class="sr"> (done)</span>`, `<span class="n">3</span> Identity verification</li>`,
			"Certificate request", "Approval", "Next step: verify the applicant&#39;s identity",
			"Registrar&#39;s checklist", "in person, at a service center", "Confirm identity", "Return for correction",
			"History", "Creation", "Collecting documents → Identity verification"}},
		{"applications, bad filter", "registrar", "/ui/applications?state=bogus", 422, []string{"Choose a value from the list.",
			"Please check the data you entered."}},
		{"not found", "registrar", "/ui/nope", 404, []string{"<h1>Not found</h1>", "There is no such page or object.", "To the dashboard"}},
		{"forbidden", "accountant", "/ui/employees", 403, []string{"<h1>Access denied</h1>", "Your role has no access to this section."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := e.browser()
			path := c.path
			if path == "" {
				path = "/ui/applications/" + e.appA
			}
			var r reply
			if c.login == "" {
				// Signed out: the browser's language decides.
				r = b.get(path, "Accept-Language", "en-GB,en;q=0.9,ru;q=0.5")
			} else {
				b.login(c.login)
				if s := b.get("/ui/lang?to=en&back=/ui/"); s.status != http.StatusSeeOther {
					t.Fatalf("switch: %d", s.status)
				}
				r = b.get(path, "Accept-Language", "ru")
			}
			if r.status != c.status {
				t.Fatalf("%s: status %d, want %d", path, r.status, c.status)
			}
			contains(t, path, r.body, `<html lang="en">`, `id="lang-ru"`)
			contains(t, path, r.body, c.want...)
			if left := chromeCyrillic(r.body); len(left) > 0 {
				t.Errorf("%s: Russian left in the page: %q", path, left)
			}
		})
	}
}

// TestBrowserLangSwitch: in headless Chromium with JavaScript off and a Russian browser, the login page's
// switch turns the interface to English, which stays after signing in, and back to Russian.
func TestBrowserLangSwitch(t *testing.T) {
	exe := chromiumPath(t)
	e := newEnv(t)
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("accept-lang", "ru-RU,ru"), chromedp.Flag("blink-settings", "scriptEnabled=false"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 40*time.Second)
	defer cancelT()
	// load runs steps that load a page and checks the page it ends on.
	load := func(t *testing.T, steps []chromedp.Action[chromedp.Void], want ...string) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, steps...)
		must(t, err)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: status %d", resp.URL, resp.Status)
		}
		doc, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		must(t, err)
		contains(t, resp.URL, doc, want...)
	}
	type steps = []chromedp.Action[chromedp.Void]
	load(t, steps{chromedp.Navigate(e.srv.URL + "/login")}, `<html lang="ru">`, "<h1>Вход</h1>")
	load(t, steps{chromedp.Click(chromedp.CSS("#lang-en"))}, `<html lang="en">`, "<h1>Sign in</h1>")
	load(t, steps{chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "registrar"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
		chromedp.Submit(chromedp.CSS(`form[action="/login"]`))},
		`<html lang="en">`, "<h1>Dashboard</h1>", "Registrar queue")
	load(t, steps{chromedp.Click(chromedp.CSS("#lang-ru"))}, `<html lang="ru">`, "<h1>Сводка</h1>")
}
