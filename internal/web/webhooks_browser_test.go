package web

import (
	"context"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kcr-project/kcr/internal/model"
)

// TestWebhookPagesPhone: the webhook pages (the list with its form, the confirmation, the secret shown
// once, the endpoint with a delivery log) reflow at 390 px in a real Chromium.
func TestWebhookPagesPhone(t *testing.T) {
	exe := chromiumPath(t)
	e, _, b := webhookEnv(t)
	b.login("account_admin")
	r := b.do("POST", "/ui/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/a/very/long/path/of/an/integrators/endpoint/that/does/not/break/the/layout"},
		"description": {"ERP"}, "event_types": {"application.created", "application.state_changed", "certificate.issued"}})
	wantStatus(t, "create", r, 200)
	id := regexp.MustCompile(`href="/ui/admin/webhooks/([0-9a-f-]{36})"`).FindStringSubmatch(r.body)
	if id == nil {
		t.Fatalf("no endpoint link: %s", r.body)
	}
	ep, err := e.db.WebhookEndpoint(context.Background(), "", id[1])
	must(t, err)
	now := e.clk.Now()
	next := now.Add(time.Minute)
	d := &model.WebhookDelivery{ID: "01900000-0000-7000-8000-000000000002", EndpointID: ep.ID, AccountID: ep.AccountID,
		MessageID: "msg_2", EventSeq: 2, EventType: model.EventApplicationStateChanged, Payload: "{}", Status: model.DeliveryPending,
		Attempts: 1, NextAttemptAt: &next, CreatedAt: now, UpdatedAt: now}
	_, err = e.db.InsertWebhookDelivery(context.Background(), d)
	must(t, err)
	must(t, e.db.FinishWebhookAttempt(context.Background(), d.ID, model.WebhookAttempt{At: now, StatusCode: 0,
		Error: `dial tcp 127.0.0.1:9: connect: connection refused, a long error text that must wrap on a phone screen`}, model.DeliveryPending, &next))

	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("accept-lang", "ru-RU,ru"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	must(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "account_admin"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.menu`))))
	for _, path := range []string{"/ui/admin/webhooks", "/ui/admin/webhooks/" + ep.ID} {
		must(t, chromedp.Do(ctx, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		phoneCheck(t, ctx, path+" at 390 px")
	}
	// The confirmation of a deletion, and the new secret after a confirmed rotation.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirm-form"))))
	phoneCheck(t, ctx, "delete confirmation at 390 px")
	must(t, chromedp.Do(ctx, chromedp.Navigate(b.base+"/ui/admin/webhooks/"+ep.ID), chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Click(chromedp.CSS(`form[action$="/rotate"] button`)), chromedp.WaitVisible(chromedp.CSS("#confirm-form")),
		chromedp.Click(chromedp.CSS(`#confirm-form button`)), chromedp.WaitVisible(chromedp.CSS("#webhook-secret"))))
	phoneCheck(t, ctx, "new secret at 390 px")
}
