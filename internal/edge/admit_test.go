package edge

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
)

// held is a handler that signals when a request is inside and keeps it there until released.
type held struct {
	inside  chan string
	release chan struct{}
}

func (h *held) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.inside <- r.URL.Path
	<-h.release
	w.WriteHeader(http.StatusNoContent)
}

func refusedWith(t *testing.T) (func(http.ResponseWriter, *http.Request, error), <-chan error) {
	t.Helper()
	got := make(chan error, 4)
	return func(w http.ResponseWriter, r *http.Request, err error) {
		got <- err
		w.WriteHeader(http.StatusServiceUnavailable)
	}, got
}

func TestAdmission(t *testing.T) {
	t.Parallel()
	public := func(r *http.Request) bool { return r.URL.Path == "/ocsp" }

	t.Run("a request over the bound waits for a free slot, then runs", func(t *testing.T) {
		t.Parallel()
		h := &held{inside: make(chan string, 2), release: make(chan struct{})}
		fail, refused := refusedWith(t)
		srv := Admission{Max: 1, Wait: time.Hour, Bypass: public}.Handler(h, fail)
		var wg sync.WaitGroup
		codes := make(chan int, 2)
		for _, p := range []string{"/api/v1/a", "/api/v1/b"} {
			wg.Go(func() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
				codes <- rec.Code
			})
		}
		<-h.inside
		select {
		case p := <-h.inside:
			t.Fatalf("%s ran while the only slot was taken", p)
		case <-time.After(50 * time.Millisecond):
		}
		h.release <- struct{}{} // the first finishes; the second gets its slot
		<-h.inside
		h.release <- struct{}{}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != http.StatusNoContent {
				t.Errorf("status %d, want 204", c)
			}
		}
		if len(refused) != 0 {
			t.Errorf("refused: %v", <-refused)
		}
	})

	t.Run("a bypassed request runs while every slot is taken", func(t *testing.T) {
		t.Parallel()
		h := &held{inside: make(chan string, 1), release: make(chan struct{})}
		fail, _ := refusedWith(t)
		mux := http.NewServeMux()
		mux.Handle("/api/", h)
		mux.HandleFunc("/ocsp", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		srv := Admission{Max: 1, Wait: time.Hour, Bypass: public}.Handler(mux, fail)
		done := make(chan struct{})
		go func() {
			srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/slow", nil))
			close(done)
		}()
		<-h.inside // the only slot is taken until release
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("POST", "/ocsp", nil))
		if rec.Code != http.StatusNoContent {
			t.Errorf("OCSP: status %d, want 204", rec.Code)
		}
		close(h.release)
		<-done
	})

	t.Run("waiting longer than Wait is refused as unavailable with a retry hint", func(t *testing.T) {
		t.Parallel()
		h := &held{inside: make(chan string, 1), release: make(chan struct{})}
		fail, refused := refusedWith(t)
		srv := Admission{Max: 1, Wait: 10 * time.Millisecond}.Handler(h, fail)
		done := make(chan struct{})
		go func() {
			srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/slow", nil))
			close(done)
		}()
		<-h.inside
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/next", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503", rec.Code)
		}
		var e *errs.Error
		if err := <-refused; !errors.As(err, &e) || e.Kind != errs.Unavailable || e.RetryAfter <= 0 {
			t.Errorf("refusal %v: want Unavailable with RetryAfter", err)
		}
		close(h.release)
		<-done
	})

	t.Run("a client that goes away while waiting is let go", func(t *testing.T) {
		t.Parallel()
		h := &held{inside: make(chan string, 1), release: make(chan struct{})}
		fail, refused := refusedWith(t)
		srv := Admission{Max: 1, Wait: time.Hour}.Handler(h, fail)
		done := make(chan struct{})
		go func() {
			srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/slow", nil))
			close(done)
		}()
		<-h.inside
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/next", nil).WithContext(ctx))
		if err := <-refused; errs.KindOf(err) != errs.Unavailable {
			t.Errorf("refusal %v: want Unavailable", err)
		}
		close(h.release)
		<-done
	})

	t.Run("no bound admits everything", func(t *testing.T) {
		t.Parallel()
		h := &held{inside: make(chan string, 3), release: make(chan struct{})}
		fail, _ := refusedWith(t)
		srv := Admission{}.Handler(h, fail)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/x", nil)) })
		}
		for range 3 {
			<-h.inside
		}
		close(h.release)
		wg.Wait()
	})
}
