package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/webhook"
)

// testWebhooks is the harness's webhook service: localhost endpoints allowed, a fixed key.
func testWebhooks(db *storage.DB, c clock.Clock) *webhook.Service {
	sealer, err := webhook.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return &webhook.Service{DB: db, Clock: c, Sealer: sealer, AllowLocalhost: true}
}

// webhookEndpoint creates an endpoint in the target's account (the second client account for
// "other_account") and a delivery of it to replay, and returns their ids.
func (m *accessFixture) webhookEndpoint(t *testing.T, target string) (endpointID, deliveryID string) {
	t.Helper()
	admin := m.e.admin
	if target == "other_account" {
		admin = m.otherAdmin
	}
	ep, err := m.e.webhooks.CreateEndpoint(m.ctx, admin, webhook.EndpointInput{URL: "http://127.0.0.1:9/hook",
		EventTypes: []model.WebhookEventType{model.EventCertificateIssued}})
	must(t, err)
	now := m.e.clk.Now()
	d := &model.WebhookDelivery{ID: access.NewID(), EndpointID: ep.ID, AccountID: ep.AccountID, MessageID: "msg_" + m.unique(),
		EventSeq: int64(m.n), EventType: model.EventCertificateIssued, Payload: "{}", Status: model.DeliveryFailed,
		CreatedAt: now, UpdatedAt: now}
	_, err = m.e.db.InsertWebhookDelivery(m.ctx, d)
	must(t, err)
	return ep.ID, d.ID
}

func (m *accessFixture) webhookSnap(t *testing.T, id string) func() string {
	return func() string {
		e, err := m.e.db.WebhookEndpoint(m.ctx, "", id)
		if storage.IsNoRows(err) {
			return "gone"
		}
		must(t, err)
		ds, err := m.e.db.WebhookDeliveries(m.ctx, id, "", 100)
		must(t, err)
		return fmt.Sprint(e.URL, e.EventTypes, e.State, e.Secret, e.UpdatedAt, len(ds))
	}
}

// mxAdminOnly is the expectation of a route only the account administrator may use.
func mxAdminOnly(admin string) map[string]string {
	refused := strings.TrimSpace(strings.Repeat("403 ", len(strings.Fields(admin))))
	want := map[string]string{"account_admin": admin}
	for _, c := range callers {
		if _, ok := want[c]; !ok {
			want[c] = refused
		}
	}
	return want
}

func init() {
	path := func(rest string) func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
		return func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
			id, delivery := m.webhookEndpoint(t, target)
			p := "/api/v1/webhooks/" + id + strings.ReplaceAll(rest, "{delivery}", delivery)
			return matrixReq{path: p, snap: m.webhookSnap(t, id)}
		}
	}
	body := map[string]any{"url": "https://hooks.example.ru/kcr", "event_types": []string{"application.created"}}
	matrixRoutes = append(matrixRoutes,
		matrixRoute{method: "GET", path: "/api/v1/webhooks", targets: mxOwn, want: mxAdminOnly("200"),
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				return matrixReq{path: "/api/v1/webhooks"}
			}},
		// other_account: an endpoint limited to an API key of another account.
		matrixRoute{method: "POST", path: "/api/v1/webhooks", targets: mxAcct, want: mxAdminOnly("201 422"),
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				key, _ := m.apiKey(t, target)
				return matrixReq{path: "/api/v1/webhooks", body: map[string]any{"url": "https://hooks.example.ru/kcr",
					"event_types": []string{"certificate.issued"}, "api_key_id": key}}
			}},
		matrixRoute{method: "GET", path: "/api/v1/webhooks/{id}", targets: mxAcct, want: mxAdminOnly("200 404"), req: path("")},
		matrixRoute{method: "PUT", path: "/api/v1/webhooks/{id}", targets: mxAcct, want: mxAdminOnly("200 404"),
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				rq := path("")(m, t, caller, target)
				rq.body = body
				return rq
			}},
		matrixRoute{method: "DELETE", path: "/api/v1/webhooks/{id}", targets: mxAcct, want: mxAdminOnly("204 404"), req: path("")},
		matrixRoute{method: "POST", path: "/api/v1/webhooks/{id}/rotate-secret", targets: mxAcct, want: mxAdminOnly("200 404"),
			req: path("/rotate-secret")},
		matrixRoute{method: "POST", path: "/api/v1/webhooks/{id}/disable", targets: mxAcct, want: mxAdminOnly("200 404"),
			req: path("/disable")},
		matrixRoute{method: "POST", path: "/api/v1/webhooks/{id}/enable", targets: mxAcct, want: mxAdminOnly("200 404"),
			req: path("/enable")},
		matrixRoute{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", targets: mxAcct, want: mxAdminOnly("200 404"),
			req: path("/deliveries")},
		matrixRoute{method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", targets: mxAcct,
			want: mxAdminOnly("201 404"), req: path("/deliveries/{delivery}/replay")},
	)
}

func TestWebhookAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		r := e.do("account_admin", "POST", "/api/v1/webhooks", map[string]any{"url": "https://10.0.0.1/hook",
			"event_types": []string{"application.created", "no.such"}})
		if r.status != 422 {
			t.Fatalf("private target and unknown type: %d %s", r.status, r.body)
		}
		if p := r.problem(t); len(p.Errors) != 2 {
			t.Errorf("errors %+v, want url and event_types", p.Errors)
		}
		var created webhook.CreatedEndpoint
		r = e.do("account_admin", "POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.ru/kcr",
			"description": "ERP", "event_types": []string{"certificate.issued", "application.created"}})
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		r.json(t, &created)
		if !strings.HasPrefix(created.Secret, "whsec_") || created.State != model.WebhookEnabled {
			t.Fatalf("created %+v", created)
		}
		got := e.do("account_admin", "GET", "/api/v1/webhooks/"+created.ID, nil)
		if got.status != 200 || strings.Contains(string(got.body), created.Secret) || strings.Contains(string(got.body), "secret\"") {
			t.Errorf("an endpoint shows its secret after creation: %s", got.body)
		}
		var rotated webhook.CreatedEndpoint
		r = e.do("account_admin", "POST", "/api/v1/webhooks/"+created.ID+"/rotate-secret", nil)
		r.json(t, &rotated)
		if rotated.Secret == created.Secret || rotated.PreviousSecretUntil == nil ||
			!rotated.PreviousSecretUntil.Equal(e.clk.Now().Add(24*time.Hour)) {
			t.Errorf("rotation %d %s", r.status, r.body)
		}
		if r := e.do("account_admin", "GET", "/api/v1/webhooks/"+created.ID+"/deliveries?limit=5", nil); r.status != 200 ||
			!strings.Contains(string(r.body), `"items":[]`) {
			t.Errorf("deliveries %d %s", r.status, r.body)
		}
		if r := e.do("account_admin", "DELETE", "/api/v1/webhooks/"+created.ID, nil); r.status != http.StatusNoContent {
			t.Errorf("delete %d %s", r.status, r.body)
		}
		if _, err := e.db.WebhookEndpoint(context.Background(), "", created.ID); !storage.IsNoRows(err) {
			t.Errorf("deleted endpoint still stored: %v", err)
		}
	})
}
