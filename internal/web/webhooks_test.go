package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/webhook"
)

// webhookEnv is the env's interface with the webhook pages, on a handler of its own.
func webhookEnv(t *testing.T) (*env, *webhook.Service, *browser) {
	e := newEnv(t)
	sealer, err := webhook.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	must(t, err)
	svc := &webhook.Service{DB: e.db, Clock: e.clk, Sealer: sealer, AllowLocalhost: true}
	h := &Handler{Access: e.h.Access, Reg: e.h.Reg, Billing: e.h.Billing, Webhooks: svc,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b := e.browser()
	b.base = srv.URL
	return e, svc, b
}

func TestWebhookPages(t *testing.T) {
	e, svc, b := webhookEnv(t)
	b.login("account_admin")
	contains(t, "menu", b.get("/ui/").body, `href="/ui/admin/webhooks"`)
	contains(t, "empty list", b.get("/ui/admin/webhooks").body, "Адресов пока нет", `name="event_types"`, "заявка создана")

	// A private target and no event type: the form comes back with the messages at the fields.
	r := b.do("POST", "/ui/admin/webhooks", url.Values{"url": {"https://10.1.2.3/hook"}})
	wantStatus(t, "bad form", r, http.StatusUnprocessableEntity)
	contains(t, "bad form", r.body, `data-field="url"`, "не во внутренней сети", `data-field="event_types"`,
		"выберите хотя бы одно событие", `value="https://10.1.2.3/hook"`)

	form := url.Values{"url": {"http://127.0.0.1:9/hook"}, "description": {"ERP"}, "nonce": {"n-1"},
		"event_types": {"application.created", "certificate.issued"}}
	r = b.do("POST", "/ui/admin/webhooks", form)
	wantStatus(t, "create", r, http.StatusOK)
	secret := regexp.MustCompile(`id="webhook-secret" class="mono" value="(whsec_[^"]+)"`).FindStringSubmatch(r.body)
	if secret == nil {
		t.Fatalf("the secret is not shown: %s", r.body)
	}
	// A repeated submit shows the list, never the secret again.
	r = b.do("POST", "/ui/admin/webhooks", form)
	if r.status != http.StatusSeeOther || r.location != "/ui/admin/webhooks?done=created" {
		t.Fatalf("repeated submit: %d %s", r.status, r.location)
	}
	list := b.get("/ui/admin/webhooks").body
	lacks(t, "list", list, secret[1])
	id := regexp.MustCompile(`href="/ui/admin/webhooks/([0-9a-f-]{36})"`).FindStringSubmatch(list)
	if id == nil {
		t.Fatalf("no endpoint in the list: %s", list)
	}
	card := "/ui/admin/webhooks/" + id[1]
	contains(t, "card", b.get(card).body, "http://127.0.0.1:9/hook", "сертификат выпущен", "Доставок пока не было")
	lacks(t, "card", b.get(card).body, secret[1])

	// Disabling, rotating and deleting ask first; nothing changes before the confirmation.
	for _, action := range []string{"disable", "rotate", "delete"} {
		r := b.do("POST", card+"/"+action, url.Values{})
		wantStatus(t, action+" asks", r, http.StatusOK)
		contains(t, action+" asks", r.body, `id="confirm-form"`, `name="confirm" value="yes"`)
	}
	u, err := e.db.UserByLogin(context.Background(), "account_admin")
	must(t, err)
	ep, err := svc.Endpoint(context.Background(), access.PrincipalOfUser(u), id[1])
	must(t, err)
	if ep.State != model.WebhookEnabled || ep.PreviousSecret != "" {
		t.Fatalf("changed before confirmation: %+v", ep)
	}
	r = b.do("POST", card+"/rotate", url.Values{"confirm": {"yes"}})
	wantStatus(t, "rotate", r, http.StatusOK)
	contains(t, "rotate", r.body, `id="webhook-secret"`, "Секрет сменён")
	lacks(t, "rotate", r.body, secret[1])

	// A delivery in the log can be sent again.
	now := e.clk.Now()
	d := &model.WebhookDelivery{ID: "01900000-0000-7000-8000-000000000001", EndpointID: id[1], AccountID: ep.AccountID,
		MessageID: "msg_1", EventSeq: 1, EventType: model.EventCertificateIssued, Payload: "{}", Status: model.DeliveryFailed,
		CreatedAt: now, UpdatedAt: now}
	_, err = e.db.InsertWebhookDelivery(context.Background(), d)
	must(t, err)
	contains(t, "log", b.get(card).body, "не доставлено", "Отправить ещё раз")
	r = b.do("POST", card+"/deliveries/"+d.ID+"/replay", url.Values{})
	if r.status != http.StatusSeeOther || r.location != card+"?done=replay" {
		t.Fatalf("replay: %d %s %s", r.status, r.location, r.body)
	}
	contains(t, "replayed", b.get(card+"?done=replay").body, "Доставка поставлена в очередь", "повтор", "ожидает")

	r = b.do("POST", card+"/disable", url.Values{"confirm": {"yes"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	contains(t, "disabled", b.get(r.location).body, "Адрес отключён", "Включить")
	r = b.do("POST", card+"/delete", url.Values{"confirm": {"yes"}})
	if r.status != http.StatusSeeOther || r.location != "/ui/admin/webhooks?done=deleted" {
		t.Fatalf("delete: %d %s", r.status, r.location)
	}

	// Roles without the permission see neither the link nor the pages.
	for _, role := range []string{"org_admin", "registrar", "accountant", "employee"} {
		other := e.browser()
		other.base = b.base
		other.login(role)
		lacks(t, role+" menu", other.get("/ui/").body, `href="/ui/admin/webhooks"`)
		wantStatus(t, role+" list", other.get("/ui/admin/webhooks"), http.StatusForbidden)
	}
}
