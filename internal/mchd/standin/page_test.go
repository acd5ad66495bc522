package standin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/mchd/standin"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func get(t *testing.T, h http.Handler, method, target, accept string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

func TestStatusPage(t *testing.T) {
	p := getPKI(t)
	eng := testdb.Engines(t)[0]
	e := newEnv(t, eng)
	ctx := t.Context()
	active, revoked, rejected, processing := number, testdb.NewID(), testdb.NewID(), testdb.NewID()
	e.active(t, active)
	e.active(t, revoked)
	if err := e.reg.Revoke(ctx, &mchd.Revocation{Number: revoked, Reason: "Уволен Смирнова А."}); err != nil {
		t.Fatal(err)
	}
	f := document(t, rejected, nil)
	e.register(t, rejected, f, e.sign(t, f, p.notHead))
	f = document(t, processing, nil)
	if _, err := e.reg.Register(ctx, processing, f, e.sign(t, f, p.head)); err != nil {
		t.Fatal(err)
	}
	h := e.reg.Handler()
	path := standin.StatusPath + "?guid="
	// Personal data of the head and the representative, and the revocation's free text, never show.
	private := []string{"Головин", "Пётр", "Смирнова", "Анна", headSNILS, "Уволен"}

	t.Run("html", func(t *testing.T) {
		for _, c := range []struct {
			name, num string
			want      []string
		}{
			{"active", strings.ToUpper(active), []string{active, "Действует", "ООО &#34;Ромашка &amp; Co&#34; &lt;тест&gt;", orgINN,
				"07.12.2026", "06.12.2027", "Зарегистрирована", "07.12.2026 12:01 МСК"}},
			{"revoked", revoked, []string{revoked, "Отменена", "ИНН доверителя"}},
			{"rejected", rejected, []string{"Отказано в регистрации", standin.ReasonHead}},
			{"processing", processing, []string{"На регистрации"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := get(t, h, http.MethodGet, path+c.num, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
				if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
				}
				if res.Header.Get("Content-Security-Policy") != edge.ContentSecurityPolicy || res.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("security headers: %v", res.Header)
				}
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("page lacks %q:\n%s", w, body)
					}
				}
				for _, s := range private {
					if strings.Contains(body, s) {
						t.Errorf("page shows %q", s)
					}
				}
			})
		}
	})

	t.Run("json", func(t *testing.T) {
		res, body := get(t, h, http.MethodGet, path+revoked, "application/json")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var got standin.PublicStatus
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		st := e.status(t, revoked)
		if got.Number != revoked || got.Status != mchd.RegistryRevoked || got.StatusText != "Отменена" || got.Reason != "" ||
			got.RevokedAt == nil || !got.RevokedAt.Equal(st.At) || got.RegisteredAt == nil || got.GrantorINN != orgINN ||
			got.IssueDate != "2026-12-07" || got.EndDate != "2027-12-06" {
			t.Errorf("JSON = %+v (status %+v)", got, st)
		}
		for _, s := range private {
			if strings.Contains(body, s) {
				t.Errorf("JSON shows %q: %s", s, body)
			}
		}
		_, body = get(t, h, http.MethodGet, path+rejected, "application/json")
		if !strings.Contains(body, `"status":"REJECTED"`) || !strings.Contains(body, standin.ReasonHead) {
			t.Errorf("rejected JSON: %s", body)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			name, method, target, accept string
			status                       int
			says                         string
		}{
			{"unknown number", http.MethodGet, path + testdb.NewID(), "", http.StatusNotFound, "не найдена"},
			{"unknown number, JSON", http.MethodGet, path + testdb.NewID(), "application/json", http.StatusNotFound, `"status":404`},
			{"malformed number", http.MethodGet, path + "1234", "", http.StatusBadRequest, "должен быть GUID"},
			{"malformed number, JSON", http.MethodGet, path + "<script>", "application/json", http.StatusBadRequest, `"status":400`},
			{"no number", http.MethodGet, standin.StatusPath, "", http.StatusBadRequest, "должен быть GUID"},
			{"NUL in the query", http.MethodGet, path + "%00", "", http.StatusBadRequest, "недопустимые символы"},
			{"POST", http.MethodPost, path + active, "", http.StatusMethodNotAllowed, ""},
			{"another path", http.MethodGet, "/registry/mchd/other?guid=" + active, "", http.StatusNotFound, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := get(t, h, c.method, c.target, c.accept)
				if res.StatusCode != c.status || !strings.Contains(body, c.says) {
					t.Errorf("%d %q, want %d saying %q", res.StatusCode, body, c.status, c.says)
				}
				if c.accept == "application/json" && res.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
				}
			})
		}
	})

	t.Run("decides when asked", func(t *testing.T) {
		e.clk.Add(delay)
		_, body := get(t, h, http.MethodGet, path+processing, "application/json")
		if !strings.Contains(body, `"status":"ACTIVE"`) {
			t.Errorf("after the delay the page says %s", body)
		}
	})

	t.Run("expired", func(t *testing.T) {
		e.clk.Set(time.Date(2027, 12, 8, 0, 0, 0, 0, time.UTC))
		_, body := get(t, h, http.MethodGet, path+active, "")
		if !strings.Contains(body, "Срок действия истёк") || !strings.Contains(body, "07.12.2027 00:00 МСК") {
			t.Errorf("expired page:\n%s", body)
		}
	})
}

// brokenStore fails every read, like a database that is down.
type brokenStore struct{ standin.Store }

func (brokenStore) StandinEntry(context.Context, string) (*storage.StandinEntry, error) {
	return nil, errors.New("connection refused to 10.0.0.5")
}

func TestStatusPageStorageFailure(t *testing.T) {
	var logged bytes.Buffer
	reg := standin.New(brokenStore{}, clock.NewFake(t0), standin.Options{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, accept := range []string{"", "application/json"} {
		res, body := get(t, reg.Handler(), http.MethodGet, standin.StatusPath+"?guid="+number, accept)
		if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "10.0.0.5") {
			t.Errorf("Accept %q: %d %s", accept, res.StatusCode, body)
		}
	}
	if !strings.Contains(logged.String(), "10.0.0.5") {
		t.Errorf("the failure was not logged: %q", logged.String())
	}
}
