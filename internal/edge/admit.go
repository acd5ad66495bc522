package edge

import (
	"net/http"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
)

// Admission bounds how many requests of the registration path (the API and the web interface) run at
// once. Those requests cost database transactions and GOST signatures; when hundreds arrive together on a
// small machine, all of them running at once only makes every one slow, and the cheap public answers
// (OCSP, CRL, CA certificates) would queue for the CPU behind them. A request over the bound waits, without
// using the CPU, until one finishes, at most Wait; requests that Bypass names never wait.
type Admission struct {
	// Max is how many bounded requests run at once; 0 or less admits everything.
	Max int
	// Wait is the longest a request waits for its turn before it is refused with 503 and Retry-After.
	Wait time.Duration
	// Bypass names the requests that are never bounded.
	Bypass func(*http.Request) bool
}

// Handler returns next behind the bound. A request refused after Wait, or whose client went away while it
// waited, goes to fail with an Unavailable error.
func (a Admission) Handler(next http.Handler, fail func(http.ResponseWriter, *http.Request, error)) http.Handler {
	if a.Max <= 0 {
		return next
	}
	slots := make(chan struct{}, a.Max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Bypass != nil && a.Bypass(r) {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			timer := time.NewTimer(a.Wait)
			defer timer.Stop()
			select {
			case slots <- struct{}{}:
			case <-timer.C:
				e := errs.New(errs.Unavailable, "the server is busy: try again shortly")
				e.RetryAfter = time.Second
				fail(w, r, e)
				return
			case <-r.Context().Done():
				fail(w, r, errs.New(errs.Unavailable, "the request was abandoned while it waited for its turn"))
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}
