package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// TestBrowserRegistrarWork drives headless Chromium through issue 14's parts 3, 4 and 10 on an env of its
// own (a renewal wave creates applications the other browser scenarios do not expect): the registrar
// compares the document and may approve only once the identity is verified and the request uploaded; a
// dashboard figure leads to the filtered register, a wave over it is confirmed and summarized; each role's
// first screen says what to do next. Screenshots at 1440×900 and 390×844 go to a temporary folder.
func TestBrowserRegistrarWork(t *testing.T) {
	exe := chromiumPath(t)
	e := newEnv(t)
	shots, err := os.MkdirTemp("", "kcr-web-screenshots-webreg-")
	must(t, err)
	t.Logf("screenshots in %s", shots)

	session := func(t *testing.T) (context.Context, func()) {
		opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
		opts = append(opts, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("accept-lang", "ru-RU,ru"))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelC := chromedp.NewContext(actx)
		ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
		return ctx, func() { cancelT(); cancelC(); cancelA() }
	}
	// shot saves the page at the desktop and the phone sizes.
	shot := func(t *testing.T, ctx context.Context, name string) {
		t.Helper()
		for _, vp := range []struct{ w, h int64 }{{1440, 900}, {390, 844}} {
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)))
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			must(t, err)
			p := filepath.Join(shots, name+"-"+strconv.FormatInt(vp.w, 10)+".png")
			must(t, os.WriteFile(p, png, 0o644))
			t.Logf("screenshot: %s", p)
		}
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)))
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
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(sel)+`)||{}).innerText||""`))
		must(t, err)
		return s
	}
	// waitText polls until the element's text contains want: a click's page load replaces the page later.
	waitText := func(t *testing.T, ctx context.Context, sel, want string) string {
		t.Helper()
		var s string
		for range 100 {
			s = text(t, ctx, sel)
			if strings.Contains(s, want) {
				return s
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s never showed %q; it shows %q", sel, want, s)
		return s
	}
	exists := func(t *testing.T, ctx context.Context, sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector(`+strconv.Quote(sel)+`)`))
		must(t, err)
		return ok
	}
	tick := func(t *testing.T, ctx context.Context, keys ...string) {
		t.Helper()
		for _, k := range keys {
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity input[name="check"][value="`+k+`"]`))))
		}
	}

	t.Run("registrar compares the document and approves only when allowed", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "registrar")
		contains(t, "first screen", text(t, ctx, "#first-screen"), "Очередь регистратора", "Проверить личность", empAName)
		shot(t, ctx, "first-registrar")
		card := "/ui/applications/" + e.appA
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#queue a[href="`+card+`"]`)), chromedp.WaitVisible(chromedp.CSS("#identity-doc"))))
		contains(t, "document", text(t, ctx, "#identity-doc"), "Паспорт гражданина РФ", "4510", passA, "20.05.2010",
			"ОВД района Арбат г. Москвы", "772-001", "12.04.1985", "112-233-445 95")
		contains(t, "checklist", text(t, ctx, "#checklist"), "сверить с: Паспорт гражданина РФ 4510 "+passA, "только лично")
		if exists(t, ctx, "#form-approve") {
			t.Fatal("approve is offered before the identity check and the request")
		}
		shot(t, ctx, "identity-check")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#form-verify-identity select[name="method"]`), "in_person_workplace")))
		tick(t, ctx, "presented", "data")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity button`))))
		contains(t, "refusal", waitText(t, ctx, "#checklist", "Не отмечено:"), "Фотография в документе", "СНИЛС совпадает")
		shot(t, ctx, "identity-check-refused")
		tick(t, ctx, "photo", "snils")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-verify-identity button`))))
		waitText(t, ctx, ".notice", "личность подтверждена")
		if exists(t, ctx, "#form-approve") || exists(t, ctx, "#identity-doc") {
			t.Fatal("after the check, without a request: approve offered or the document still shown")
		}
		lacks(t, "verified", text(t, ctx, "main"), "Данные изменились")
		csrFile := filepath.Join(t.TempDir(), "request.csr")
		must(t, os.WriteFile(csrFile, testCSR(t), 0o644))
		must(t, chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`#form-csr input[type="file"]`), []string{csrFile}),
			chromedp.Click(chromedp.CSS(`#form-csr button`))))
		waitText(t, ctx, ".notice", "запрос на сертификат загружен")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-approve button`))))
		waitText(t, ctx, ".notice", "заявка одобрена")
		contains(t, "approved", text(t, ctx, "#app-state"), "Одобрена")
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#first-screen"))))
		contains(t, "queue after approval", text(t, ctx, "#first-screen"), "Выпустить сертификат")
	})

	t.Run("dashboard figure to filtered register to wave", func(t *testing.T) {
		ctx, cancel := session(t)
		defer cancel()
		login(t, ctx, "org_admin")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href="/ui/certificates?expires=90"]`)),
			chromedp.WaitVisible(chromedp.CSS("#wave-form"))))
		res := text(t, ctx, "#results")
		contains(t, "register within 90 days", res, certA, certLegacy)
		lacks(t, "register within 90 days", res, certB)
		shot(t, ctx, "register-expiring")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wave-all")), chromedp.WaitVisible(chromedp.CSS("#wave-run"))))
		contains(t, "confirmation", text(t, ctx, "#wave-summary"), "Подтвердите перевыпуск", "Будет создано заявок на перевыпуск")
		if n := strings.TrimSpace(text(t, ctx, "#wave-created")); n != "2" {
			t.Fatalf("to be created: %q, want 2", n)
		}
		shot(t, ctx, "wave-confirm")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wave-run button"))))
		contains(t, "summary", waitText(t, ctx, "main", "Перевыпуск запущен"), "Создано заявок на перевыпуск", "Созданные заявки", empAName)
		if n := strings.TrimSpace(text(t, ctx, "#wave-remote")); n != "2" {
			t.Fatalf("identified remotely: %q, want 2", n)
		}
		shot(t, ctx, "wave-summary")
		// The reissue card asks for no identity check: the request is next.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main table.list a[href^="/ui/applications/"]`)),
			chromedp.WaitVisible(chromedp.CSS("#remote-identified"))))
		contains(t, "reissue card", text(t, ctx, "#next-step"), "загрузите запрос на сертификат")
		shot(t, ctx, "reissue-card")
		// The same selection again: nothing new, and why.
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/ui/certificates?expires=90"), chromedp.WaitVisible(chromedp.CSS("#wave-form")),
			chromedp.Click(chromedp.CSS(`input[name="serial"][value="`+certA+`"]`)),
			chromedp.Click(chromedp.CSS("#wave-selected")), chromedp.WaitVisible(chromedp.CSS("#wave-skipped"))))
		contains(t, "again", text(t, ctx, "#wave-skipped"), "уже есть заявка на перевыпуск")
		if exists(t, ctx, "#wave-run") {
			t.Fatal("a wave that creates nothing is offered to run")
		}
	})

	t.Run("first screen by role", func(t *testing.T) {
		// The employee's application waits for the check again, so that their next step is current.
		ctx := context.Background()
		admin := &access.Principal{Actor: "system:test", AccountID: e.accountOf(t), Role: model.RoleAccountAdmin}
		app, err := e.reg.CreateApplication(ctx, admin, registration.ApplicationInput{EmployeeID: e.empA, Kind: model.KindIndividual})
		must(t, err)
		for range 2 {
			_, err = e.reg.Act(ctx, admin, app.ID, registration.ActSubmit, registration.ActionInput{})
			must(t, err)
		}
		for _, c := range []struct {
			login string
			want  []string
		}{
			{"employee", []string{"Мои заявления", "регистратор должен проверить личность", "Как сделать запрос на сертификат"}},
			{"accountant", []string{"Текущий расчётный период", "ноябрь 2026", "Начисления периода"}},
			{"manager", []string{"Истечения и план затрат", "в течение 30 дней", "Перевыпуск на 12 месяцев"}},
			{"account_admin", []string{"Что требует внимания", "Перевыпустить истекающие"}},
		} {
			t.Run(c.login, func(t *testing.T) {
				ctx, cancel := session(t)
				defer cancel()
				login(t, ctx, c.login)
				contains(t, c.login, text(t, ctx, "#first-screen"), c.want...)
				shot(t, ctx, "first-"+c.login)
			})
		}
	})
}

// accountOf is the env's account, read as the CA operator.
func (e *env) accountOf(t *testing.T) string {
	t.Helper()
	op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	o, err := e.reg.Organization(context.Background(), op, e.orgA)
	must(t, err)
	return o.AccountID
}
