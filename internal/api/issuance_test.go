package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// hangUp is a CA the caller gives up on while it works: it cancels the request's context when it starts
// signing, or when registration stores the certificate.
type hangUp struct {
	ca.Issuer
	cancel  context.CancelFunc
	storing bool
}

func (h *hangUp) Issue(ctx context.Context, req ca.Request) (*ca.Issued, error) {
	if !h.storing {
		h.cancel()
	}
	return h.Issuer.Issue(ctx, req)
}

func (h *hangUp) Stored(ctx context.Context, serial string) error {
	if h.storing {
		h.cancel()
	}
	return h.Issuer.Stored(ctx, serial)
}

var errCrash = errors.New("simulated crash")

// crashAfterSigning stands for a process that dies between signing and storing: storing fails, and the
// live step's clean-up never happens either.
type crashAfterSigning struct{ ca.Issuer }

func (crashAfterSigning) Stored(context.Context, string) error            { return errCrash }
func (crashAfterSigning) Abandoned(context.Context, string, string) error { return nil }

// apiServer replaces the environment's server with one whose test hooks the caller may set.
func apiServer(t *testing.T, e *env) *api.Server {
	srv := &api.Server{DB: e.db, Access: e.acc, Reg: e.reg, Clock: e.clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Billing: e.bill}
	e.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(e.srv.Close)
	return srv
}

// issuedState is what the register holds about one application's issuance.
type issuedState struct {
	state    model.State
	serial   string
	certs    int
	inFlight int
	lines    int
	audits   int // certificate.issue events
}

func issuance(t *testing.T, e *env, appID string) issuedState {
	t.Helper()
	ctx := context.Background()
	a, err := e.db.Application(ctx, storage.Scope{}, appID)
	must(t, err)
	st := issuedState{state: a.State, serial: a.CertificateSerial}
	certs, _, err := e.db.Certificates(ctx, storage.Scope{AccountID: a.AccountID}, storage.CertFilter{}, storage.Page{Limit: 100})
	must(t, err)
	for _, c := range certs {
		if c.ApplicationID == appID {
			st.certs++
		}
	}
	for _, status := range []string{storage.IntentPending, storage.IntentSigned} {
		in, err := e.db.IntentsByStatus(ctx, status)
		must(t, err)
		st.inFlight += len(in)
	}
	lines, err := e.db.BillingLines(ctx, storage.LineFilter{AccountID: a.AccountID})
	must(t, err)
	for _, l := range lines {
		if l.ApplicationID == appID {
			st.lines++
		}
	}
	if st.serial != "" {
		evs, err := e.db.AuditEvents(ctx, "certificate", st.serial)
		must(t, err)
		for _, ev := range evs {
			if ev.Action == "certificate.issue" {
				st.audits++
			}
		}
	}
	return st
}

func (st issuedState) issuedOnce() bool {
	return st.state == model.StateIssued && st.serial != "" && st.certs == 1 && st.inFlight == 0 && st.lines == 1 && st.audits == 1
}

// A client that hangs up while the CA works does not stop the issuance: the certificate is stored, no
// intent stays in flight, and the same-key retry replays the answer instead of a stuck "being issued".
func TestIssueSurvivesHangUp(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		b := withCA(t, e)
		srv := apiServer(t, e)
		for _, tc := range []struct {
			name    string
			storing bool
		}{{"while signing", false}, {"while storing", true}} {
			t.Run(tc.name, func(t *testing.T) {
				id := e.approvedApp(t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				e.reg.CA = &hangUp{Issuer: b, cancel: cancel, storing: tc.storing}
				defer func() { e.reg.CA = b }()
				req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/applications/"+id+"/issue", nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens["registrar"])
				req.Header.Set("Idempotency-Key", "issue-"+id)
				srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
				if ctx.Err() == nil {
					t.Fatal("the request was not cancelled")
				}
				if st := issuance(t, e, id); !st.issuedOnce() {
					t.Fatalf("after the hang-up: %+v", st)
				}
				e.reg.CA = b
				r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil, "Idempotency-Key", "issue-"+id)
				var v registration.ApplicationView
				r.json(t, &v)
				if r.status != 200 || r.header.Get("Idempotent-Replayed") != "true" || v.State != model.StateIssued {
					t.Fatalf("retry: %d %s", r.status, r.body)
				}
				if st := issuance(t, e, id); !st.issuedOnce() {
					t.Fatalf("after the retry: %+v", st)
				}
			})
		}
	})
}

// A crash between signing and storing leaves a signed intent. Once it is stale, the reconciler stores the
// certificate from the intent with everything the live step writes, exactly once even when two replicas
// reconcile at once; before that it leaves the intent alone (a live issuance may be finishing it).
func TestReconcileCompletesSignedIntent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		b := withCA(t, e)
		id := e.approvedApp(t)
		e.reg.CA = crashAfterSigning{b}
		if r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil); r.status != 500 {
			t.Fatalf("crashed issue: %d %s", r.status, r.body)
		}
		e.reg.CA = b
		signed, err := e.db.IntentsByStatus(context.Background(), storage.IntentSigned)
		must(t, err)
		if len(signed) != 1 {
			t.Fatalf("%d signed intents after the crash, want 1", len(signed))
		}
		if r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil); r.status != 409 {
			t.Fatalf("issue while the intent is in flight: %d %s", r.status, r.body)
		}
		res, err := e.reg.Reconcile(context.Background(), registration.DefaultStaleAfter)
		must(t, err)
		if res != (registration.ReconcileResult{}) || issuance(t, e, id).inFlight != 1 {
			t.Fatalf("a fresh intent was reconciled: %+v", res)
		}
		e.clk.Add(registration.DefaultStaleAfter + time.Second)
		results := make([]registration.ReconcileResult, 2)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.reg.Reconcile(context.Background(), registration.DefaultStaleAfter)
				if err != nil {
					t.Error(err)
				}
				results[i] = r
			}()
		}
		wg.Wait()
		if results[0].Completed+results[1].Completed != 1 {
			t.Fatalf("two reconcilers completed %+v", results)
		}
		st := issuance(t, e, id)
		if !st.issuedOnce() || st.serial != signed[0].Serial {
			t.Fatalf("after reconciling: %+v, want the signed serial %s issued once", st, signed[0].Serial)
		}
		var v registration.ApplicationView
		e.do("key_account", "GET", "/api/v1/applications/"+id, nil).json(t, &v)
		if last := v.History[len(v.History)-1]; last.Action != "issue" || last.Actor != registration.ReconcilerActor {
			t.Fatalf("last step %+v", last)
		}
		if r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil); r.status != 409 ||
			!strings.Contains(string(r.body), "state issued") {
			t.Fatalf("issue after reconciling: %d %s", r.status, r.body)
		}
		if res, err := e.reg.Reconcile(context.Background(), 0); err != nil || res != (registration.ReconcileResult{}) {
			t.Fatalf("second reconciliation: %+v %v", res, err)
		}
		if st := issuance(t, e, id); !st.issuedOnce() {
			t.Fatalf("at the end: %+v", st)
		}
	})
}

// Intents the reconciler gives up: one interrupted before signing, and a signed one whose application was
// cancelled meanwhile. Either way nothing is stored, and the application can be issued (once) again.
func TestReconcileAbandons(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := withCA(t, e)
		pending := e.approvedApp(t)
		must(t, e.db.CreateIntent(ctx, "5eed", b.IssuingName(), pending, e.clk.Now()))
		if r := e.do("registrar", "POST", "/api/v1/applications/"+pending+"/issue", nil); r.status != 409 {
			t.Fatalf("issue with a pending intent: %d %s", r.status, r.body)
		}
		cancelled := e.approvedApp(t)
		e.reg.CA = crashAfterSigning{b}
		if r := e.do("registrar", "POST", "/api/v1/applications/"+cancelled+"/issue", nil); r.status != 500 {
			t.Fatalf("crashed issue: %d %s", r.status, r.body)
		}
		e.reg.CA = b
		if r := e.do("key_account", "POST", "/api/v1/applications/"+cancelled+"/cancel", nil); r.status != 200 {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		e.clk.Add(registration.DefaultStaleAfter + time.Second)
		res, err := e.reg.Reconcile(ctx, registration.DefaultStaleAfter)
		must(t, err)
		if res != (registration.ReconcileResult{Abandoned: 2}) {
			t.Fatalf("reconciled %+v, want 2 abandoned", res)
		}
		abandoned, err := e.db.IntentsByStatus(ctx, storage.IntentAbandoned)
		must(t, err)
		if len(abandoned) != 2 {
			t.Fatalf("%d abandoned intents, want 2", len(abandoned))
		}
		if st := issuance(t, e, cancelled); st.state != model.StateCancelled || st.certs != 0 || st.lines != 0 || st.inFlight != 0 {
			t.Fatalf("cancelled application: %+v", st)
		}
		if r := e.do("registrar", "POST", "/api/v1/applications/"+pending+"/issue", nil); r.status != 200 {
			t.Fatalf("issue after the abandon: %d %s", r.status, r.body)
		}
		if st := issuance(t, e, pending); !st.issuedOnce() || st.serial == "5eed" {
			t.Fatalf("after the abandon: %+v", st)
		}
	})
}

// An application whose authority no longer has a connector (a carry-over moved it to a state CA) still has
// its stale intent given up: before, the reconciler failed on it every time and the application stayed blocked.
func TestReconcileAbandonsWithoutIssuer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := withCA(t, e)
		id := e.approvedApp(t)
		must(t, e.db.CreateIntent(ctx, "5eed", b.IssuingName(), id, e.clk.Now()))
		if _, err := testdb.Raw(t, e.db).ExecContext(ctx, rebind(e.db, `UPDATE applications SET authority = 'fns' WHERE id = ?`), id); err != nil {
			t.Fatal(err)
		}
		e.clk.Add(registration.DefaultStaleAfter + time.Second)
		res, err := e.reg.Reconcile(ctx, registration.DefaultStaleAfter)
		must(t, err)
		if res != (registration.ReconcileResult{Abandoned: 1}) {
			t.Fatalf("reconciled %+v, want 1 abandoned", res)
		}
		if st := issuance(t, e, id); st.inFlight != 0 {
			t.Fatalf("the intent is still in flight: %+v", st)
		}
	})
}

// rebind turns ? placeholders into $n on PostgreSQL, for raw statements in tests.
func rebind(db *storage.DB, q string) string {
	if db.Dialect() != storage.Postgres {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
	}
	return q
}

// A crash after the work but before its idempotent answer is stored takes the work with it: the answer is
// stored in the same transaction. The same-key retry then does the work once, and the next one replays it.
// Before, the answer was written after the work committed and the retry met the work's own guard (409).
func TestIdempotentAnswerCommitsWithWork(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		withCA(t, e)
		id := e.approvedApp(t)
		srv := apiServer(t, e)
		var crashed sync.Map
		api.SetBeforeAnswer(srv, func(r *http.Request) error {
			if _, again := crashed.LoadOrStore(r.Header.Get("Idempotency-Key"), true); !again {
				return errCrash
			}
			return nil
		})
		org := map[string]any{"kind": "legal_entity", "name": "ООО «Лютик»", "inn": "7710140679", "kpp": "771001001",
			"ogrn": "1027700071530", "address": "Москва", "region": "77"}
		for _, tc := range []struct {
			name, path string
			body       any
			status     int
		}{
			{"create", "/api/v1/organizations", org, 201},
			{"issue", "/api/v1/applications/" + id + "/issue", nil, 200},
		} {
			t.Run(tc.name, func(t *testing.T) {
				key := "crash-" + tc.name
				if r := e.do("key_account", "POST", tc.path, tc.body, "Idempotency-Key", key); r.status != 500 {
					t.Fatalf("crashed: %d %s", r.status, r.body)
				}
				first := e.do("key_account", "POST", tc.path, tc.body, "Idempotency-Key", key)
				if first.status != tc.status || first.header.Get("Idempotent-Replayed") != "" {
					t.Fatalf("retry after the crash: %d %s", first.status, first.body)
				}
				again := e.do("key_account", "POST", tc.path, tc.body, "Idempotency-Key", key)
				if again.status != tc.status || again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
					t.Fatalf("second retry: %d %s", again.status, again.body)
				}
			})
		}
		var orgs struct{ Items []model.Organization }
		e.do("key_account", "GET", "/api/v1/organizations", nil).json(t, &orgs)
		if len(orgs.Items) != 3 {
			t.Fatalf("%d organizations, want 3", len(orgs.Items))
		}
		if st := issuance(t, e, id); !st.issuedOnce() {
			t.Fatalf("issue: %+v", st)
		}
	})
}

// Eight requests with one Idempotency-Key at once create one organization, and all eight get its answer:
// the later ones wait for the first and replay it, instead of failing on the duplicate it created. On
// PostgreSQL the first holds its transaction open until the seven others wait on a lock (the key's lock now,
// the duplicate row before), so that they all truly overlap.
func TestConcurrentSameKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		if e.db.Dialect() == storage.Postgres {
			raw := testdb.Raw(t, e.db)
			var once sync.Once
			api.SetBeforeAnswer(apiServer(t, e), func(*http.Request) error {
				once.Do(func() {
					for range 400 {
						var waiting int
						must(t, raw.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
							AND wait_event_type = 'Lock'`).Scan(&waiting))
						if waiting >= 7 {
							return
						}
						time.Sleep(25 * time.Millisecond)
					}
					t.Error("the other requests never waited for the first")
				})
				return nil
			})
		}
		org := map[string]any{"kind": "legal_entity", "name": "ООО «Лютик»", "inn": "7710140679", "kpp": "771001001",
			"ogrn": "1027700071530", "address": "Москва", "region": "77"}
		results := make([]response, 8)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.do("key_account", "POST", "/api/v1/organizations", org, "Idempotency-Key", "org-once")
			}()
		}
		wg.Wait()
		replayed := 0
		for _, r := range results {
			if r.status != 201 || string(r.body) != string(results[0].body) {
				t.Fatalf("answers differ: %d %s and %d %s", r.status, r.body, results[0].status, results[0].body)
			}
			if r.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != len(results)-1 {
			t.Fatalf("%d answers replayed, want %d", replayed, len(results)-1)
		}
		var orgs struct{ Items []model.Organization }
		e.do("key_account", "GET", "/api/v1/organizations", nil).json(t, &orgs)
		if len(orgs.Items) != 3 {
			t.Fatalf("%d organizations, want 3", len(orgs.Items))
		}
	})
}

// Concurrent issue requests with one Idempotency-Key (a client retrying while its first try is still being
// issued) all get the one answer: the retries stopped by the issuance in flight wait for its answer.
func TestConcurrentSameKeyIssue(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		withCA(t, e)
		id := e.approvedApp(t)
		results := make([]response, 4)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil, "Idempotency-Key", "issue-once")
			}()
		}
		wg.Wait()
		for _, r := range results {
			if r.status != 200 || string(r.body) != string(results[0].body) {
				t.Fatalf("answers differ: %d %s and %d %s", r.status, r.body, results[0].status, results[0].body)
			}
		}
		if st := issuance(t, e, id); !st.issuedOnce() {
			t.Fatalf("%+v", st)
		}
	})
}
