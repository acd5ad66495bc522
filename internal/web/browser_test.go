package web

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// chromiumPath finds Debian's chromium; without it the browser test skips, except under CI=true.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true): apt-get install chromium")
	}
	t.Skip("chromium is not installed; the browser test needs Debian's chromium")
	return ""
}

// TestBrowser drives a real headless Chromium through the web interface: a registrar logs in through the
// form and finds an application by ИНН with search-as-you-type; the administrator of another organization
// does not find it; the accountant sees no passport data on any page. It writes a screenshot of each main
// page to a temporary folder and logs the paths.
func TestBrowser(t *testing.T) {
	exe := chromiumPath(t)
	e := newEnv(t)
	shots, err := os.MkdirTemp("", "kcr-web-screenshots-")
	must(t, err)
	t.Logf("screenshots in %s", shots)

	session := func(t *testing.T) (context.Context, func()) {
		opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
		opts = append(opts, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			// A Russian user's browser: the interface follows Accept-Language, and Chromium's default is English.
			chromedp.Flag("accept-lang", "ru-RU,ru"))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		// Chromium reports what the Content-Security-Policy blocked (an inline script or style) in its log.
		var mu sync.Mutex
		var blocked []string
		ctx, cancelC := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
			var text string
			switch ev := ev.(type) {
			case *cdplog.EventEntryAdded:
				text = ev.Entry.Text
			case *cdpruntime.EventConsoleAPICalled:
				for _, a := range ev.Args {
					text += string(a.Value) + a.Description
				}
			}
			if strings.Contains(text, "Content Security Policy") {
				mu.Lock()
				blocked = append(blocked, text)
				mu.Unlock()
			}
		}))
		ctx, cancelT := context.WithTimeout(ctx, 40*time.Second)
		return ctx, func() {
			cancelT()
			cancelC()
			cancelA()
			mu.Lock()
			defer mu.Unlock()
			for _, b := range blocked {
				t.Errorf("the Content-Security-Policy blocked: %s", b)
			}
		}
	}
	shot := func(t *testing.T, ctx context.Context, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, err)
		p := filepath.Join(shots, name+".png")
		must(t, os.WriteFile(p, png, 0o644))
		t.Logf("screenshot: %s", p)
	}
	login := func(t *testing.T, ctx context.Context, user string) {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), user),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`nav.menu`)),
		))
	}
	text := func(t *testing.T, ctx context.Context, sel string) string {
		t.Helper()
		// One evaluation reads the text at once: htmx may replace the node between a query and a read.
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(sel)+`)||{}).innerText||""`))
		must(t, err)
		return s
	}
	// waitText polls until the element's text contains want (htmx swaps it after a debounce).
	waitText := func(t *testing.T, ctx context.Context, sel, want string) string {
		t.Helper()
		var s string
		for range 50 {
			s = text(t, ctx, sel)
			if strings.Contains(s, want) {
				return s
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s never showed %q; it shows %q", sel, want, s)
		return s
	}

	// current is the progress indicator's current step; tick ticks the identity checklist's points.
	current := func(t *testing.T, ctx context.Context) string {
		t.Helper()
		return text(t, ctx, `#progress [aria-current="step"]`)
	}
	tick := func(t *testing.T, ctx context.Context, keys ...string) {
		t.Helper()
		for _, k := range keys {
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity input[name="check"][value="`+k+`"]`))))
		}
	}

	t.Run("registrar", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "registrar")
		contains(t, "dashboard", text(t, ctx, "main"), "Сводка", "Очередь регистратора", orgAName)
		shot(t, ctx, "dashboard-registrar")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="inn"]`))))
		// Type the ИНН: htmx replaces the results without a page load; the URL follows.
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name="inn"]`), orgBINN)))
		waitText(t, ctx, "#results", "Заявки не найдены.")
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('input[name="inn"]').value = "") === ""`))
		must(t, err)
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name="inn"]`), orgAINN)))
		res := waitText(t, ctx, "#results", empAName)
		contains(t, "search by INN", res, orgAName, "Проверка личности")
		loc, err := chromedp.Run(ctx, chromedp.Location())
		must(t, err)
		if !strings.Contains(loc, "inn="+orgAINN) {
			t.Errorf("the address does not follow the search: %s", loc)
		}
		shot(t, ctx, "applications-search")
		for _, p := range []string{"organizations", "employees", "certificates"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/"+p), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			lacks(t, p, text(t, ctx, "body"), orgBName, empBName)
			shot(t, ctx, p)
		}
		// The application card: upload the request, verify identity, approve, all from the page; the
		// history grows with each step.
		csrFile := filepath.Join(t.TempDir(), "request.csr")
		must(t, os.WriteFile(csrFile, testCSR(t), 0o644))
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications"), chromedp.WaitVisible(chromedp.CSS("#results")),
			chromedp.Click(chromedp.CSS(`#results a[href="/ui/applications/`+e.appA+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("#history"))))
		contains(t, "card", text(t, ctx, "main"), empAName, "Личность ещё не подтверждена.", "Создание")
		contains(t, "progress before", current(t, ctx), "Проверка личности")
		contains(t, "next before", text(t, ctx, "#next-step"), "проверьте личность заявителя")
		shot(t, ctx, "application-card-before")
		must(t, chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`#form-csr input[type="file"]`), []string{csrFile}),
			chromedp.Click(chromedp.CSS(`#form-csr button`))))
		waitText(t, ctx, ".notice", "запрос на сертификат загружен")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#form-verify-identity select[name="method"]`), "in_person_workplace")))
		tick(t, ctx, "presented", "photo", "data", "snils")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity button`))))
		waitText(t, ctx, ".notice", "личность подтверждена")
		contains(t, "verification", text(t, ctx, "#verification"), "лично у регистратора на рабочем месте", "••••56")
		lacks(t, "verification", text(t, ctx, "#verification"), passA)
		contains(t, "progress verified", current(t, ctx), "Одобрение")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-approve button`))))
		waitText(t, ctx, ".notice", "заявка одобрена")
		contains(t, "approved", text(t, ctx, "#app-state"), "Одобрена")
		contains(t, "progress approved", current(t, ctx), "Выпуск")
		hist := text(t, ctx, "#history")
		contains(t, "history", hist, "Загрузка запроса", "Подтвердить личность", "Одобрить", "Проверка личности → Одобрена",
			"registrar (вы)", "Пользователь account_admin", "Чек-лист регистратора: документ предъявлен лично")
		shot(t, ctx, "application-card")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates"), chromedp.WaitVisible(chromedp.CSS("#results")),
			chromedp.Click(chromedp.CSS(`#results a[href="/ui/certificates/`+certLegacy+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("main dl.fields"))))
		contains(t, "certificate card", text(t, ctx, "main"), certLegacy, "Устаревший сертификат", "Скачать")
		shot(t, ctx, "certificate-card")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`))))
		contains(t, "logged out", text(t, ctx, "main"), "Вы вышли из системы.")
	})

	t.Run("org admin import and wizard", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "org_admin")
		csvFile := filepath.Join(t.TempDir(), "staff.csv")
		must(t, os.WriteFile(csvFile, []byte(importHeader+importRowCSV(orgAINN, "773601001", "Сидорова", "12345678964")+
			importRowCSV(orgAINN, "773601001", "Кузнецова", "12345678900")), 0o644))
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/employees"), chromedp.WaitVisible(chromedp.CSS("#employee-import")),
			chromedp.Click(chromedp.CSS("#employee-import")), chromedp.WaitVisible(chromedp.CSS(`#import-upload input[type="file"]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#import-upload input[type="file"]`), []string{csvFile}),
			chromedp.Click(chromedp.CSS(`#import-upload button`)), chromedp.WaitVisible(chromedp.CSS("#import-rows"))))
		prev := text(t, ctx, "#import-result")
		contains(t, "preview", prev, "Сидорова Анна Ивановна", "готова к импорту", "неверная контрольная сумма СНИЛС")
		shot(t, ctx, "employee-import-preview")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#import-confirm button"))))
		res := waitText(t, ctx, "#import-result", "Создано: 1. Не создано: 1.")
		contains(t, "import result", res, "создан", "СНИЛС: неверная контрольная сумма")
		// The wizard: find the imported employee, choose the kind, create.
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications"), chromedp.WaitVisible(chromedp.CSS("#app-new")),
			chromedp.Click(chromedp.CSS("#app-new")), chromedp.WaitVisible(chromedp.CSS(`input[name="q"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "Сидорова"),
			chromedp.Click(chromedp.CSS(`form.search button`)), chromedp.WaitVisible(chromedp.CSS("#wizard-employees a")),
			chromedp.Click(chromedp.CSS("#wizard-employees a")), chromedp.WaitVisible(chromedp.CSS("#wizard-create"))))
		contains(t, "wizard", text(t, ctx, "main"), "шаг 2 из 2", "Сидорова Анна Ивановна", "Сертификат физического лица")
		contains(t, "wizard progress", current(t, ctx), "Сотрудник")
		shot(t, ctx, "application-wizard")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wizard-create button"))))
		waitText(t, ctx, ".notice", "заявка создана")
		contains(t, "new application", text(t, ctx, "main"), "Сидорова Анна Ивановна", "Черновик", "Заявление (PDF)")
	})

	t.Run("other organization", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "org_admin_b")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="inn"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="inn"]`), orgAINN)))
		waitText(t, ctx, "#results", "Заявки не найдены.")
		lacks(t, "B admin", text(t, ctx, "body"), orgAName, empAName)
		// With JavaScript's search bypassed: the plain GET form gives the same answer.
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications?employee="+empAName),
			chromedp.WaitVisible(chromedp.CSS("#results"))))
		lacks(t, "B admin by name", text(t, ctx, "#results"), empAName, orgAName)
	})

	t.Run("administration", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "account_admin")
		for _, pg := range []string{"users", "api-keys", "service-centers", "tariffs"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/admin/"+pg), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			shot(t, ctx, "admin-"+pg)
		}
		// An API key made with the form shows its secret once, with the warning.
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/ui/admin/api-keys"),
			chromedp.WaitVisible(chromedp.CSS(`#key-form input[name="name"]`)),
			chromedp.SendKeys(chromedp.CSS(`#key-form input[name="name"]`), "Кадровая система"),
			chromedp.Click(chromedp.CSS(`#key-form input[name="all_organizations"]`)),
			chromedp.Click(chromedp.CSS(`#key-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#api-key-secret`)),
		))
		contains(t, "key created", text(t, ctx, "main"), "показывается один раз")
		shot(t, ctx, "admin-api-key-created")
	})

	// Issue 6, the whole way: the org admin registers an employee from the wizard, which then offers the
	// kinds for them, creates the application, uploads a GOST request and submits it twice; the registrar is
	// refused without the checklist, ticks it, verifies identity, approves and issues; the progress indicator
	// follows each step; the certificate counts on the dashboard and the list; the other organization's admin
	// does not find it.
	const (
		newSurname  = "Смирнов"
		newFullName = "Смирнов Пётр Сергеевич"
		newSNILS    = "13579246894"
		newPassport = "246810"
	)
	t.Run("proof", func(t *testing.T) {
		validCount := func(t *testing.T, ctx context.Context) int {
			t.Helper()
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("nav.menu"))))
			s := text(t, ctx, `main table.bars tr:has(a[href="/ui/certificates?status=valid"]) td.n`)
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "+")))
			if err != nil {
				t.Fatalf("valid certificates on the dashboard: %q", s)
			}
			return n
		}
		var appURL string
		before := 0
		t.Run("org admin", func(t *testing.T) {
			ctx, cancel := session(t)
			defer cancel()
			login(t, ctx, "org_admin")
			before = validCount(t, ctx)
			fields := map[string]string{"surname": newSurname, "given_name": "Пётр", "patronymic": "Сергеевич",
				"birth_date": "12.04.1985", "snils": newSNILS, "inn": "500100732259", "email": "smirnov@example.ru", "phone": "+79161234511",
				"position": "инженер", "document.type": "passport_rf", "document.series": "4512", "document.number": newPassport,
				"document.issue_date": "2010-05-20", "document.issuer": "ОВД района Арбат", "document.issuer_code": "772-001"}
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/applications/new"),
				chromedp.WaitVisible(chromedp.CSS("#wizard-new-employee")), chromedp.Click(chromedp.CSS("#wizard-new-employee")),
				chromedp.WaitVisible(chromedp.CSS(`#employee-form input[name="surname"]`))))
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#employee-form select[name="organization_id"]'); if (s) s.value = `+strconv.Quote(e.orgA)+`; return true })()`)); err != nil {
				t.Fatal(err)
			}
			for name, v := range fields {
				sel := `#employee-form [name="` + name + `"]`
				if name == "document.type" {
					must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), v)))
					continue
				}
				must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), v)))
			}
			// Saved, the employee is back in the wizard: choose the individual kind, create.
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#employee-form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS("#wizard-create"))))
			contains(t, "wizard after the new employee", text(t, ctx, "main"), "шаг 2 из 2", newFullName)
			shot(t, ctx, "proof-wizard-kind")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#wizard-create input[name="kind"][value="individual"]`)),
				chromedp.Click(chromedp.CSS("#wizard-create button"))))
			waitText(t, ctx, ".notice", "заявка создана")
			contains(t, "new application", text(t, ctx, "main"), newFullName, "Черновик", "Сертификат физического лица")
			contains(t, "progress draft", current(t, ctx), "Документы")
			contains(t, "documents step", text(t, ctx, "#documents"), "4512", newPassport, "ОВД района Арбат")
			loc, err := chromedp.Run(ctx, chromedp.Location())
			must(t, err)
			u, err := url.Parse(loc)
			must(t, err)
			appURL = u.Path
			csrFile := filepath.Join(t.TempDir(), "request.csr")
			must(t, os.WriteFile(csrFile, testCSR(t), 0o644))
			must(t, chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`#form-csr input[type="file"]`), []string{csrFile}),
				chromedp.Click(chromedp.CSS(`#form-csr button`))))
			waitText(t, ctx, ".notice", "запрос на сертификат загружен")
			for range 2 {
				_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelectorAll(".notice").forEach(n => n.remove()), true)`))
				must(t, err)
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-submit button`))))
				waitText(t, ctx, ".notice", "заявка передана дальше")
			}
			contains(t, "submitted", text(t, ctx, "#app-state"), "Проверка личности")
			contains(t, "progress submitted", current(t, ctx), "Проверка личности")
			contains(t, "next submitted", text(t, ctx, "#next-step"), "регистратор должен проверить личность")
		})
		if appURL == "" {
			t.FailNow()
		}
		var serial string
		t.Run("registrar", func(t *testing.T) {
			ctx, cancel := session(t)
			defer cancel()
			login(t, ctx, "registrar")
			// One point left unticked: the server refuses at the checklist and keeps what was ticked.
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+appURL), chromedp.WaitVisible(chromedp.CSS("#history")),
				chromedp.SetValue(chromedp.CSS(`#form-verify-identity select[name="method"]`), "in_person_workplace")))
			contains(t, "registrar's next step", text(t, ctx, "#next-step"), "проверьте личность заявителя")
			tick(t, ctx, "presented", "photo", "data")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity button`))))
			waitText(t, ctx, "#checklist", "Отметьте все пункты чек-листа")
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#form-verify-identity input[name="check"]:checked').length`))
			must(t, err)
			if kept != 3 {
				t.Errorf("ticks kept after the refusal: %d, want 3", kept)
			}
			contains(t, "refused", text(t, ctx, "#verification"), "Личность ещё не подтверждена.")
			shot(t, ctx, "proof-checklist-refused")
			tick(t, ctx, "snils")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity button`))))
			waitText(t, ctx, ".notice", "личность подтверждена")
			contains(t, "progress verified", current(t, ctx), "Одобрение")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-approve button`))))
			waitText(t, ctx, ".notice", "заявка одобрена")
			contains(t, "progress approved", current(t, ctx), "Выпуск")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-issue button`))))
			waitText(t, ctx, ".notice", "сертификат выпущен")
			contains(t, "issued", text(t, ctx, "#app-state"), "Сертификат выпущен")
			done, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#progress li.done').length`))
			must(t, err)
			if done != 6 || current(t, ctx) != "" {
				t.Errorf("issued: %d steps done, current %q", done, current(t, ctx))
			}
			contains(t, "path finished", text(t, ctx, "#next-step"), "Путь пройден")
			contains(t, "issued history", text(t, ctx, "#history"), "Выпустить сертификат", "Одобрена → Сертификат выпущен")
			href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#app-data a[href^="/ui/certificates/"]')||{}).pathname||""`))
			must(t, err)
			serial = strings.TrimPrefix(href, "/ui/certificates/")
			if serial == "" {
				t.Fatal("the issued application links no certificate")
			}
			shot(t, ctx, "proof-application-issued")
			if after := validCount(t, ctx); after != before+1 {
				t.Errorf("valid certificates on the dashboard: %d before, %d after", before, after)
			}
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="employee"]`)),
				chromedp.SendKeys(chromedp.CSS(`input[name="employee"]`), newSurname)))
			waitText(t, ctx, "#results", newFullName)
			contains(t, "certificate search", text(t, ctx, "#results"), serial)
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#results a[href="/ui/certificates/`+serial+`"]`)),
				chromedp.WaitVisible(chromedp.CSS("main dl.fields"))))
			contains(t, "issued certificate card", text(t, ctx, "main"), serial, newFullName, orgAName, "Скачать")
			shot(t, ctx, "proof-certificate-card")
		})
		if serial == "" {
			t.FailNow()
		}
		t.Run("other organization", func(t *testing.T) {
			ctx, cancel := session(t)
			defer cancel()
			login(t, ctx, "org_admin_b")
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="employee"]`)),
				chromedp.SendKeys(chromedp.CSS(`input[name="employee"]`), newSurname)))
			waitText(t, ctx, "#results", "Сертификаты не найдены.")
			lacks(t, "B admin certificates", text(t, ctx, "body"), newSurname, serial)
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates?employee="+url.QueryEscape(newSurname)),
				chromedp.WaitVisible(chromedp.CSS("#results"))))
			lacks(t, "B admin certificates by name", text(t, ctx, "#results"), newSurname, serial)
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates/"+serial), chromedp.WaitVisible(chromedp.CSS("main"))))
			lacks(t, "B admin certificate card", text(t, ctx, "main"), newSurname, orgAName)
		})
	})

	t.Run("accountant", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "accountant")
		shot(t, ctx, "dashboard-accountant")
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("nav.menu a")].map(a => a.href)`))
		must(t, err)
		if len(links) < 3 {
			t.Fatalf("accountant menu: %v", links)
		}
		for _, l := range links {
			must(t, chromedp.Do(ctx, chromedp.Navigate(l), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			body := text(t, ctx, "body")
			lacks(t, l, body, passA, passB, newPassport, "4510", "4512", snilsA, snilsB, newSNILS, "Паспорт", "СНИЛС")
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/invoices"), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		shot(t, ctx, "invoices")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/employees"), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		contains(t, "accountant employees", text(t, ctx, "main"), "Недостаточно прав")
	})

	// Issue 14, parts 5 and 7: the organizations page finds a word inside the name, the employee search a
	// patronymic; the import page offers the template, and a Windows-1251 file with Russian headers imports.
	t.Run("websearch", func(t *testing.T) {
		widths := func(t *testing.T, ctx context.Context, name string) {
			t.Helper()
			for _, v := range []struct {
				w, h int64
				tag  string
			}{{1440, 900, "1440"}, {390, 844, "390"}} {
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(v.w, v.h)))
				shot(t, ctx, name+"-"+v.tag)
			}
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
		}
		t.Run("word search", func(t *testing.T) {
			ctx, cancel := session(t)
			defer cancel()
			login(t, ctx, "account_admin")
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/organizations"), chromedp.WaitVisible(chromedp.CSS("#org-q")),
				chromedp.SendKeys(chromedp.CSS("#org-q"), "ромаш"), chromedp.Submit(chromedp.CSS("#org-q")),
				chromedp.WaitVisible(chromedp.CSS(`#org-q[value="ромаш"]`))))
			found := text(t, ctx, "main")
			contains(t, "part of a word", found, orgAName, "Филиал ООО «Ромашка» в Санкт-Петербурге")
			lacks(t, "part of a word", found, orgBName)
			widths(t, ctx, "organizations-search")
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/organizations?q="+url.QueryEscape("василек")),
				chromedp.WaitVisible(chromedp.CSS("#org-q"))))
			contains(t, "ё as е", text(t, ctx, "main"), orgBName)
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/employees"), chromedp.WaitVisible(chromedp.CSS(`input[name="q"]`)),
				chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "петрович")))
			contains(t, "patronymic", waitText(t, ctx, "#results", empAName), empAName)
			widths(t, ctx, "employees-search-patronymic")
		})
		t.Run("cp1251 import", func(t *testing.T) {
			ctx, cancel := session(t)
			defer cancel()
			login(t, ctx, "org_admin")
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/employees/import"), chromedp.WaitVisible(chromedp.CSS("#import-template"))))
			contains(t, "format", text(t, ctx, "#import-format"), "Скачать шаблон", "ИНН организации;КПП организации;Фамилия")
			widths(t, ctx, "employee-import-form")
			tpl, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("#import-template").href).then(r => r.text())`,
				chromedp.EvalAwaitPromise))
			must(t, err)
			// fetch's text() drops the byte order mark (TestImportTemplateDownload checks the bytes).
			if !strings.HasPrefix(strings.TrimPrefix(tpl, "\ufeff"), "ИНН организации;КПП организации;Фамилия;Имя;Отчество;") {
				t.Errorf("template: %.80q", tpl)
			}
			csvFile := filepath.Join(t.TempDir(), "сотрудники.csv")
			must(t, os.WriteFile(csvFile, staffCP1251(t, "987-654-321 83"), 0o644))
			must(t, chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`#import-upload input[type="file"]`), []string{csvFile}),
				chromedp.Click(chromedp.CSS(`#import-upload button`)), chromedp.WaitVisible(chromedp.CSS("#import-rows"))))
			contains(t, "cp1251 preview", text(t, ctx, "#import-result"), "Семёнова Алёна Петровна", "готова к импорту",
				"Тихонов Олег Ильич", "СНИЛС: неверная контрольная сумма СНИЛС", "Без ошибок: 1. С ошибками: 1.")
			widths(t, ctx, "employee-import-cp1251-preview")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#import-confirm button"))))
			waitText(t, ctx, "#import-result", "Создано: 1. Не создано: 1.")
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/employees?q="+url.QueryEscape("алена семенова")),
				chromedp.WaitVisible(chromedp.CSS("#results"))))
			contains(t, "imported, found without ё", text(t, ctx, "#results"), "Семёнова Алёна Петровна", "Главный бухгалтер")
		})
	})

	// Issue 14 part 1: every page of the route table, as every role, reflows at 390 px (and 320 px): nothing
	// wider than the window outside a scroll box of its own, chart labels of 12 px at least. Each page is
	// photographed at 1440×900 and 390×844 as the first role that may see it.
	t.Run("webui phone", func(t *testing.T) {
		adm := e.browser()
		adm.login("account_admin")
		user := regexp.MustCompile(`/ui/admin/users/([0-9a-f-]{36})"`).FindStringSubmatch(adm.get("/ui/admin/users").body)
		if user == nil {
			t.Fatal("no user on the users page")
		}
		pages := e.pages(t, user[1])
		e.operator()
		seenBy := map[string]string{}
		walked := 0
		for _, role := range walkRoles {
			t.Run(role, func(t *testing.T) {
				walked++
				ctx, cancel := session(t)
				defer cancel()
				login(t, ctx, role)
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
				for _, pg := range pages {
					must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+pg.Path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
					phoneCheck(t, ctx, role+" "+pg.Path+" at 390 px")
					failed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](errorPageJS))
					must(t, err)
					if _, ok := seenBy[pg.Name]; !ok && !failed {
						seenBy[pg.Name] = role
					}
				}
			})
		}
		for _, role := range walkRoles {
			var mine []walkPage
			for _, pg := range pages {
				if seenBy[pg.Name] == role {
					mine = append(mine, pg)
				}
			}
			// A few pages per session: each session has its own time limit.
			for len(mine) > 0 {
				batch := mine[:min(5, len(mine))]
				mine = mine[len(batch):]
				t.Run(role+" screenshots", func(t *testing.T) {
					ctx, cancel := session(t)
					defer cancel()
					login(t, ctx, role)
					for _, pg := range batch {
						must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(e.srv.URL+pg.Path),
							chromedp.WaitVisible(chromedp.CSS("main h1"))))
						shot(t, ctx, "webui-"+pg.Name+"-1440")
						must(t, chromedp.Do(ctx, chromedp.EmulateViewport(320, 700)))
						phoneCheck(t, ctx, role+" "+pg.Path+" at 320 px")
						must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
						shot(t, ctx, "webui-"+pg.Name+"-390")
					}
				})
			}
		}
		for _, pg := range pages {
			// Checked only when every role walked (not under a -run of one role).
			if walked == len(walkRoles) && seenBy[pg.Name] == "" {
				t.Errorf("no role sees %s", pg.Path)
			}
		}
	})

	// Issue 14 part 2: revoking a certificate asks first, with JavaScript off: the reason has no preset, a
	// missing one is refused on its field, the confirmation says what will happen, and only then it revokes.
	t.Run("webui revoke", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "org_admin")
		card := e.srv.URL + "/ui/certificates/" + certA
		must(t, chromedp.Do(ctx, noScript, chromedp.EmulateViewport(390, 844), chromedp.Navigate(card),
			chromedp.WaitVisible(chromedp.CSS("#form-revoke"))))
		chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#form-revoke select[name="reason"]').value`))
		must(t, err)
		if chosen != "" {
			t.Errorf("the revocation reason is preset to %q", chosen)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#form-revoke button")), chromedp.WaitVisible(chromedp.CSS("#form-revoke .field-error"))))
		contains(t, "no reason", text(t, ctx, "#form-revoke"), "Выберите причину отзыва.")
		contains(t, "still valid", text(t, ctx, "#cert-status"), "Действует")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#form-revoke select[name="reason"]`), "key_compromise"),
			chromedp.Click(chromedp.CSS("#form-revoke button")), chromedp.WaitVisible(chromedp.CSS("#confirm"))))
		contains(t, "confirmation", text(t, ctx, "#confirm"), certA, "Компрометация ключа", "отзыв нельзя отменить")
		phoneCheck(t, ctx, "revoke confirmation at 390 px")
		shot(t, ctx, "webui-revoke-confirm-390")
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)))
		shot(t, ctx, "webui-revoke-confirm-1440")
		// Back first: nothing happened.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-back")), chromedp.WaitVisible(chromedp.CSS("#form-revoke"))))
		contains(t, "after back", text(t, ctx, "#cert-status"), "Действует")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#form-revoke select[name="reason"]`), "key_compromise"),
			chromedp.Click(chromedp.CSS("#form-revoke button")), chromedp.WaitVisible(chromedp.CSS("#confirm-form")),
			chromedp.Click(chromedp.CSS("#confirm-form button")), chromedp.WaitVisible(chromedp.CSS(".notice"))))
		contains(t, "revoked", text(t, ctx, "main"), "сертификат отозван.", "Отозван", "Компрометация ключа")
	})

	// Issue 14, parts 8 and 9: a consolidated invoice and the certificate card's details, at both widths.
	wide := func(t *testing.T, ctx context.Context, name string) {
		t.Helper()
		for _, v := range []struct {
			w, h   int64
			suffix string
		}{{1440, 900, "-1440"}, {390, 844, "-390"}} {
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(v.w, v.h), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			shot(t, ctx, name+v.suffix)
			// Only my own blocks are checked: the rest of the page's reflow is part 1's.
			w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.max(0, ...[...document.querySelectorAll(".invoice-account, #cert-details")].map(e => e.scrollWidth - e.clientWidth))`))
			if err != nil || w > 0 {
				t.Errorf("%s at %d px: a block scrolls sideways by %d px (%v)", name, v.w, w, err)
			}
		}
	}
	t.Run("webbill consolidated invoice", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "account_admin")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/invoices"), chromedp.WaitVisible(chromedp.CSS(".invoice-account"))))
		contains(t, "current period", text(t, ctx, ".invoice-account"), "Текущий период — ноябрь 2026, счёт будет выставлен 01.12.2026.")
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`input[name="mode"][value="consolidated"]`)),
			chromedp.SetValue(chromedp.CSS(`select[name="payer_organization_id"]`), e.orgA),
			chromedp.Click(chromedp.CSS(`form.invoice-settings button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.invoice-settings .notice`))))
		contains(t, "saved", text(t, ctx, ".invoice-account"), "Сохранено.", "одним сводным счётом, плательщик — "+orgAName)

		bctx := context.Background()
		org, err := e.db.Organization(bctx, storage.Scope{}, e.orgA)
		must(t, err)
		tariff, err := e.db.TariffAt(bctx, rules.BillingIndividual, "2026-10-15")
		must(t, err)
		for i, payer := range []string{e.orgA, e.orgB} {
			must(t, e.db.CreateBillingLine(bctx, &model.BillingLine{ID: "browser-line-" + payer, AccountID: org.AccountID,
				PayerOrganizationID: payer, Position: rules.BillingIndividual, TariffID: tariff.ID, PriceKopecks: tariff.PriceKopecks,
				Event: "issuance", EventAt: time.Date(2026, 10, 10+i, 9, 0, 0, 0, time.UTC), Period: "2026-10",
				ApplicationID: "browser-app-" + payer, EmployeeInitials: "И. П. И."}, time.Now().UnixMicro()))
		}
		invs, err := e.h.Billing.Close(bctx, &access.Principal{Actor: "system:test", Role: model.RoleOperator}, org.AccountID, "2026-10")
		if err != nil || len(invs) != 1 {
			t.Fatalf("consolidated close: %+v, %v", invs, err)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/invoices"), chromedp.WaitVisible(chromedp.CSS("table.list"))))
		rows := text(t, ctx, "table.list tbody")
		if strings.Count(rows, "\n")+1 != 1 || !strings.Contains(rows, orgAName) {
			t.Errorf("one consolidated invoice of %s expected, the list shows:\n%s", orgAName, rows)
		}
		wide(t, ctx, "webbill-invoices-consolidated")
	})
	t.Run("webbill certificate details", func(t *testing.T) {
		serial := e.issueReal(t)
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "account_admin")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates/"+serial), chromedp.WaitVisible(chromedp.CSS("#cert-details"))))
		details := text(t, ctx, "#cert-details")
		contains(t, "certificate details", details, "Отпечаток (SHA-1)", "Срок действия ключа электронной подписи", "ФИО",
			"***-***-*** 95", "Издатель", "цифровая подпись", "КС1", "при личном присутствии", "Бланк сертификата")
		lacks(t, "certificate details", details, snilsA)
		wide(t, ctx, "webbill-certificate-details")
	})
	// Issue 12, parts 10 and 11 (webpoa): a power of attorney from the wizard to revoked, with the demo head
	// and the registry answering when the test says, polled through the service; the list, the wizard and
	// the card photographed at 1440 and 390 px, and reflowing at 390 px.
	t.Run("poa", func(t *testing.T) {
		pe := e.withPoA(t, true)
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "account_admin")
		both := func(t *testing.T, name string) {
			t.Helper()
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)))
			shot(t, ctx, "webpoa-"+name+"-1440")
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
			phoneCheck(t, ctx, "webpoa "+name+" at 390 px")
			shot(t, ctx, "webpoa-"+name+"-390")
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/powers-of-attorney/new"),
			chromedp.WaitVisible(chromedp.CSS(`select[name="organization_id"]`)),
			chromedp.SetValue(chromedp.CSS(`select[name="organization_id"]`), e.orgA),
			chromedp.Click(chromedp.CSS("#poa-wiz-org-next")),
			chromedp.WaitVisible(chromedp.CSS("#poa-emp-list")),
			chromedp.Click(chromedp.CSS(`#poa-emp-list input[value="`+e.empA+`"]`)),
			chromedp.Click(chromedp.CSS(`#poa-power-list input[name="powers"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="end_date"]`), "25.11.2027")))
		contains(t, "wizard", text(t, ctx, "#poa-wiz-org"), "Петров Пётр Петрович, Генеральный директор")
		both(t, "wizard")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#poa-wiz-submit")), chromedp.WaitVisible(chromedp.CSS("#poa-drafted"))))
		contains(t, "drafted", text(t, ctx, "main"), "Оформлено доверенностей: 1.", empAName, "Ждёт подписи руководителя")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("table.poa-result a")), chromedp.WaitVisible(chromedp.CSS("#poa-state"))))
		contains(t, "awaiting", text(t, ctx, "#poa-state"), "Ждёт подписи руководителя")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#form-demo button"))))
		waitText(t, ctx, "#poa-state", "Подписана")
		contains(t, "demo-signed", text(t, ctx, "main"), "Доверенность подписана демонстрационным руководителем.")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#form-register button"))))
		waitText(t, ctx, "#poa-registry", "на регистрации")
		pe.reg.activate()
		if _, err := pe.poa.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#poa-state"))))
		contains(t, "registered", text(t, ctx, "#poa-state"), "Зарегистрирована")
		contains(t, "registered", text(t, ctx, "#poa-history"), "Подписана → Зарегистрирована")
		both(t, "card")
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#form-revoke input[name="reason"]`), "увольнение"),
			chromedp.Click(chromedp.CSS("#form-revoke button")), chromedp.WaitVisible(chromedp.CSS("#confirm"))))
		contains(t, "revoke asks", text(t, ctx, "#confirm"), "Отзыв нельзя отменить.", "увольнение")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-form button"))))
		waitText(t, ctx, "#poa-state", "Отозвана")
		contains(t, "revoked", text(t, ctx, "main"), "Доверенность отозвана.", "увольнение")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/powers-of-attorney"), chromedp.WaitVisible(chromedp.CSS("table.poa-list"))))
		contains(t, "list", text(t, ctx, "table.poa-list"), empAName, "Отозвана", "25.11.2027")
		both(t, "list")
	})
}
