package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/webhook"
)

// verify checks a request as the Standard Webhooks specification tells a receiver to, written from its text
// and not through the package's signer: the secret is base64 after "whsec_"; the signed content is
// "msg_id.timestamp.body"; webhook-signature is a space-delimited list of "v1,<base64 HMAC-SHA256>", and the
// request is genuine when any one of them matches.
func verify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	if id == "" || ts == "" {
		return false
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Split(h.Get("webhook-signature"), " ") {
		version, b64, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

type request struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint in the test: it records every request and answers with respond.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	respond  func(w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{respond: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, request{r.Header.Clone(), body})
		respond := rc.respond
		rc.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.requests...)
}

func (rc *receiver) setRespond(f func(w http.ResponseWriter, r *http.Request)) {
	rc.mu.Lock()
	rc.respond = f
	rc.mu.Unlock()
}

type env struct {
	db    *storage.DB
	fix   *testdb.Fix
	clock *clock.Fake
	svc   *webhook.Service
	admin *access.Principal
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func key() []byte { return []byte("0123456789abcdef0123456789abcdef") }

func newService(t *testing.T, db *storage.DB, c clock.Clock) *webhook.Service {
	sealer, err := webhook.NewSealer(key())
	if err != nil {
		t.Fatal(err)
	}
	return &webhook.Service{DB: db, Clock: c, Sealer: sealer, AllowLocalhost: true, AttemptTimeout: 300 * time.Millisecond,
		Jitter: func(time.Duration) time.Duration { return 0 }, Log: slog.New(slog.DiscardHandler)}
}

func setup(t *testing.T, db *storage.DB) *env {
	fix := testdb.Fixture(t, db)
	c := clock.NewFake(start)
	return &env{db: db, fix: fix, clock: c, svc: newService(t, db, c),
		admin: access.PrincipalOfUser(&model.User{ID: "admin-a", AccountID: fix.AccountA, Role: model.RoleAccountAdmin})}
}

// event appends a feed event to account A's head organization, with personal data in its feed detail that
// must never reach a webhook.
func (e *env) event(t *testing.T, typ model.WebhookEventType, objectID string) {
	t.Helper()
	err := e.db.AppendAudit(context.Background(), &audit.Event{At: e.clock.Now(), Actor: "user:x", Action: "application.create",
		ObjectType: "application", ObjectID: objectID, AccountID: e.fix.AccountA, OrganizationID: e.fix.HeadOrg},
		&model.FeedEvent{Type: string(typ), AccountID: e.fix.AccountA, OrganizationID: e.fix.HeadOrg, ObjectID: objectID,
			Data: map[string]any{"snils": testdb.HeadSNILS, "surname": "Иванов"}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) endpoint(t *testing.T, url string, types ...model.WebhookEventType) *webhook.CreatedEndpoint {
	t.Helper()
	if len(types) == 0 {
		types = []model.WebhookEventType{model.EventApplicationCreated}
	}
	ep, err := e.svc.CreateEndpoint(context.Background(), e.admin, webhook.EndpointInput{URL: url, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// pump dispatches and attempts every due delivery once.
func (e *env) pump(t *testing.T) {
	t.Helper()
	if _, err := e.svc.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeliverDue(context.Background(), 100, 4); err != nil {
		t.Fatal(err)
	}
}

func (e *env) deliveries(t *testing.T, endpointID string) []*model.WebhookDelivery {
	t.Helper()
	list, err := e.svc.Deliveries(context.Background(), e.admin, endpointID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestWebhooks(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("signed delivery without personal data", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				ep := e.endpoint(t, rc.URL+"/hook")
				e.clock.Add(time.Second)
				e.event(t, model.EventApplicationCreated, "app-1")
				e.event(t, model.EventCertificateIssued, "not-subscribed")
				e.pump(t)
				got := rc.got()
				if len(got) != 1 {
					t.Fatalf("receiver got %d requests, want 1", len(got))
				}
				if !verify(ep.Secret, got[0].header, got[0].body) {
					t.Errorf("signature does not verify: %v", got[0].header)
				}
				if verify("whsec_"+base64.StdEncoding.EncodeToString([]byte("another key of 32 bytes length!")), got[0].header, got[0].body) {
					t.Error("signature verifies with a wrong secret")
				}
				var body map[string]any
				if err := json.Unmarshal(got[0].body, &body); err != nil {
					t.Fatal(err)
				}
				data, _ := body["data"].(map[string]any)
				if body["type"] != "application.created" || data["object_id"] != "app-1" || data["organization_id"] != e.fix.HeadOrg {
					t.Errorf("payload %s", got[0].body)
				}
				if len(body) != 3 || len(data) != 2 {
					t.Errorf("payload has more than the event's metadata and ids: %s", got[0].body)
				}
				for _, pd := range []string{testdb.HeadSNILS, "Иванов", "snils"} {
					if strings.Contains(string(got[0].body), pd) {
						t.Errorf("payload holds %q: %s", pd, got[0].body)
					}
				}
				ds := e.deliveries(t, ep.ID)
				if len(ds) != 1 || ds[0].Status != model.DeliverySucceeded || len(ds[0].Log) != 1 || ds[0].Log[0].StatusCode != 204 {
					t.Fatalf("delivery log %+v", ds)
				}
				if got[0].header.Get("webhook-id") != ds[0].MessageID {
					t.Errorf("webhook-id %q, want %q", got[0].header.Get("webhook-id"), ds[0].MessageID)
				}
				// Idempotent: a second attempt of a finished delivery sends nothing.
				if err := e.svc.Attempt(context.Background(), ds[0].ID); err != nil || len(rc.got()) != 1 {
					t.Errorf("second attempt: %v, %d requests", err, len(rc.got()))
				}
			})

			t.Run("rotation signs with both secrets for 24 hours", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				ep := e.endpoint(t, rc.URL)
				rotated, err := e.svc.RotateSecret(context.Background(), e.admin, ep.ID)
				if err != nil {
					t.Fatal(err)
				}
				if rotated.Secret == ep.Secret {
					t.Fatal("rotation kept the secret")
				}
				e.event(t, model.EventApplicationCreated, "app-1")
				e.pump(t)
				e.clock.Add(webhook.RotationOverlap + time.Second)
				e.event(t, model.EventApplicationCreated, "app-2")
				e.pump(t)
				got := rc.got()
				if len(got) != 2 {
					t.Fatalf("receiver got %d requests, want 2", len(got))
				}
				if n := len(strings.Fields(got[0].header.Get("webhook-signature"))); n != 2 {
					t.Errorf("during the overlap %d signatures, want 2", n)
				}
				for i, c := range []struct {
					secret string
					want   bool
				}{{ep.Secret, true}, {rotated.Secret, true}} {
					if verify(c.secret, got[0].header, got[0].body) != c.want {
						t.Errorf("overlap, secret %d: verifies %v", i, !c.want)
					}
				}
				if !verify(rotated.Secret, got[1].header, got[1].body) || verify(ep.Secret, got[1].header, got[1].body) {
					t.Error("after the overlap only the new secret must sign")
				}
			})

			t.Run("500 is retried with backoff", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				rc.setRespond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
				ep := e.endpoint(t, rc.URL)
				e.event(t, model.EventApplicationCreated, "app-1")
				e.pump(t)
				d := e.deliveries(t, ep.ID)[0]
				if d.Status != model.DeliveryPending || d.Log[0].StatusCode != 500 || d.Log[0].Error != "HTTP 500" {
					t.Fatalf("after a 500: %+v %+v", d, d.Log)
				}
				// First retry after 30 s with the jitter pinned at 0: half of it.
				if want := e.clock.Now().Add(15 * time.Second); !d.NextAttemptAt.Equal(want) {
					t.Errorf("next attempt %v, want %v", d.NextAttemptAt, want)
				}
				e.pump(t)
				if len(rc.got()) != 1 {
					t.Errorf("retried before it was due")
				}
				rc.setRespond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
				e.clock.Add(15 * time.Second)
				e.pump(t)
				d = e.deliveries(t, ep.ID)[0]
				if d.Status != model.DeliverySucceeded || d.Attempts != 2 || len(d.Log) != 2 {
					t.Errorf("after the retry: %+v", d)
				}
			})

			t.Run("a hanging endpoint is cut at the deadline", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				rc.setRespond(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-release:
					case <-r.Context().Done():
					}
				})
				ep := e.endpoint(t, rc.URL)
				e.event(t, model.EventApplicationCreated, "app-1")
				e.pump(t)
				d := e.deliveries(t, ep.ID)[0]
				if d.Status != model.DeliveryPending || d.Log[0].StatusCode != 0 || !strings.Contains(strings.ToLower(d.Log[0].Error), "timeout") &&
					!strings.Contains(d.Log[0].Error, "deadline") {
					t.Fatalf("after a hang: %+v %+v", d, d.Log)
				}
			})

			t.Run("a redirect is a failure and is not followed", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				target := newReceiver(t)
				rc := newReceiver(t)
				rc.setRespond(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
				})
				ep := e.endpoint(t, rc.URL)
				e.event(t, model.EventApplicationCreated, "app-1")
				e.pump(t)
				d := e.deliveries(t, ep.ID)[0]
				if d.Status != model.DeliveryPending || d.Log[0].StatusCode != 307 || len(target.got()) != 0 {
					t.Fatalf("after a redirect: %+v %+v, target hit %d times", d, d.Log, len(target.got()))
				}
			})

			t.Run("persistent failure disables the endpoint; replay after re-enabling", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				rc.setRespond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
				ep := e.endpoint(t, rc.URL)
				e.event(t, model.EventApplicationCreated, "app-1")
				e.pump(t)
				for i := 0; i < 100; i++ {
					d := e.deliveries(t, ep.ID)[0]
					if d.Status != model.DeliveryPending {
						break
					}
					e.clock.Set(*d.NextAttemptAt)
					e.pump(t)
				}
				d := e.deliveries(t, ep.ID)[0]
				if d.Status != model.DeliveryFailed || e.clock.Now().Sub(d.CreatedAt) > webhook.RetryWindow {
					t.Fatalf("after 24 h of failures: %+v at %v", d, e.clock.Now())
				}
				if n := len(rc.got()); n < 10 {
					t.Errorf("only %d attempts in 24 hours", n)
				}
				got, err := e.svc.Endpoint(context.Background(), e.admin, ep.ID)
				if err != nil || got.State != model.WebhookDisabled || got.DisabledReason == "" {
					t.Fatalf("endpoint after persistent failure: %+v, %v", got, err)
				}
				evs, err := e.db.AuditEvents(context.Background(), "webhook", ep.ID)
				if err != nil {
					t.Fatal(err)
				}
				if last := evs[len(evs)-1]; last.Action != string(audit.WebhookDisable) || last.Actor != "system" {
					t.Errorf("no audit notice of the disabling: %+v", last)
				}
				if _, err := e.svc.Replay(context.Background(), e.admin, ep.ID, d.ID); !errs.Is(err, errs.Conflict) {
					t.Errorf("replay to a disabled endpoint: %v", err)
				}
				rc.setRespond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
				if _, err := e.svc.SetEnabled(context.Background(), e.admin, ep.ID, true); err != nil {
					t.Fatal(err)
				}
				replay, err := e.svc.Replay(context.Background(), e.admin, ep.ID, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				before := len(rc.got())
				e.pump(t)
				reqs := rc.got()
				if len(reqs) != before+1 || reqs[len(reqs)-1].header.Get("webhook-id") != d.MessageID ||
					!verify(ep.Secret, reqs[len(reqs)-1].header, reqs[len(reqs)-1].body) {
					t.Fatalf("replay not delivered with the original webhook-id")
				}
				r, err := e.db.WebhookDelivery(context.Background(), replay.ID)
				if err != nil || r.Status != model.DeliverySucceeded || r.ReplayOf != d.ID {
					t.Errorf("replay delivery %+v, %v", r, err)
				}
			})

			t.Run("private targets are refused at connection time", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				rc := newReceiver(t)
				ep := e.endpoint(t, rc.URL)
				strict := newService(t, e.db, e.clock)
				strict.AllowLocalhost = false
				e.event(t, model.EventApplicationCreated, "app-1")
				if _, err := strict.Dispatch(context.Background()); err != nil {
					t.Fatal(err)
				}
				if _, err := strict.DeliverDue(context.Background(), 10, 1); err != nil {
					t.Fatal(err)
				}
				d := e.deliveries(t, ep.ID)[0]
				if len(rc.got()) != 0 || !strings.Contains(d.Log[0].Error, "refused") {
					t.Errorf("a loopback target was reached without the demo allowance: %+v", d.Log)
				}
			})

			t.Run("two dispatchers on one database deliver each event once", func(t *testing.T) {
				e := setup(t, eng.Open(t))
				other := newService(t, testdb.Reopen(t, e.db), e.clock)
				rc := newReceiver(t)
				e.endpoint(t, rc.URL)
				e.endpoint(t, rc.URL+"/second")
				const events = 40
				var wg sync.WaitGroup
				errc := make(chan error, 64)
				for _, s := range []*webhook.Service{e.svc, other} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range 10 {
							if _, err := s.Dispatch(context.Background()); err != nil {
								errc <- err
							}
						}
					}()
				}
				for i := range events {
					e.event(t, model.EventApplicationCreated, "app-"+strconv.Itoa(i))
				}
				wg.Wait()
				for _, s := range []*webhook.Service{e.svc, other} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := s.Dispatch(context.Background()); err != nil {
							errc <- err
						}
						for range 3 {
							if _, err := s.DeliverDue(context.Background(), 100, 4); err != nil {
								errc <- err
							}
						}
					}()
				}
				wg.Wait()
				close(errc)
				for err := range errc {
					t.Fatal(err)
				}
				seen := map[string]int{}
				for _, r := range rc.got() {
					seen[r.header.Get("webhook-id")]++
				}
				if len(seen) != 2*events {
					t.Errorf("%d distinct messages delivered, want %d", len(seen), 2*events)
				}
				for id, n := range seen {
					if n != 1 {
						t.Errorf("message %s delivered %d times", id, n)
					}
				}
			})
		})
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url       string
		localhost bool
		ok        bool
	}{
		{"https://hooks.example.ru/kcr", false, true},
		{"http://hooks.example.ru/kcr", false, false},
		{"https://user:pass@hooks.example.ru/", false, false},
		{"https://10.0.0.5/hook", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://[fd00::1]/hook", false, false},
		{"https://[::ffff:192.168.1.1]/hook", false, false},
		{"https://100.64.0.1/hook", false, false},
		{"https://localhost/hook", false, false},
		{"https://a.localhost/hook", false, false},
		{"http://127.0.0.1:8080/hook", false, false},
		{"http://127.0.0.1:8080/hook", true, true},
		{"http://localhost:8080/hook", true, true},
		{"http://10.0.0.5/hook", true, false},
		{"ftp://localhost/hook", true, false},
		{"https://hooks.example.ru/kcr#frag", false, false},
		{"/relative", false, false},
		{"https://93.184.216.34/hook", false, true},
	} {
		t.Run(c.url, func(t *testing.T) {
			t.Parallel()
			err := webhook.ValidateURL(c.url, c.localhost)
			if (err == nil) != c.ok {
				t.Errorf("ValidateURL(%q, %v) = %v, want ok=%v", c.url, c.localhost, err, c.ok)
			}
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Errorf("error kind %v", errs.KindOf(err))
			}
		})
	}
}

func TestSealer(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSealer(key())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("ep-1", "whsec_abc")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "abc") {
		t.Errorf("sealed secret shows the secret: %s", sealed)
	}
	if got, err := s.Open("ep-1", sealed); err != nil || got != "whsec_abc" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("ep-2", sealed); err == nil {
		t.Error("a sealed secret opened for another endpoint")
	}
}
