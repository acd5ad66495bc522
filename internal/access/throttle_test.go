package access_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.TooManyRequests || e.RetryAfter <= 0 {
		t.Fatalf("got %v, want too-many-requests with a wait", err)
	}
	return e.RetryAfter
}

func auditCount(t *testing.T, w *world, action string) int {
	t.Helper()
	events, err := w.db.AuditLog(w.ctx, storage.AuditFilter{Action: action, Limit: 100})
	must(t, err)
	return len(events)
}

// The (N+1)th wrong password for one login within the window is refused with a wait, even with the right
// password, before any hashing; the lock is audited once; waiting as told lets the user in; repeated locks
// grow.
func TestLoginLockout(t *testing.T) {
	limits := access.Limits{LoginFailures: 3, FailureWindow: 15 * time.Minute, Lockout: time.Minute}
	eachEngine(t, limits, func(t *testing.T, w *world) {
		for i := range 3 {
			_, _, err := w.svc.LoginFrom(w.ctx, fmt.Sprintf("192.0.2.%d:5000", i), "admin", "wrong password")
			wantKind(t, err, errs.Unauthenticated)
		}
		hashes := 0
		access.SetHashObserver(func(d int) {
			if d > 0 {
				hashes++
			}
		})
		t.Cleanup(func() { access.SetHashObserver(nil) })
		_, _, err := w.svc.LoginFrom(w.ctx, "192.0.2.9:5000", "admin", pw)
		wait := retryAfter(t, err)
		_, _, err = w.svc.Login(w.ctx, "ADMIN", pw) // case variants share the count
		retryAfter(t, err)
		if hashes != 0 {
			t.Errorf("a locked login hashed %d passwords", hashes)
		}
		access.SetHashObserver(nil)
		if n := auditCount(t, w, "session.lockout"); n != 1 {
			t.Errorf("%d lockout events, want 1", n)
		}
		events, err := w.db.AuditLog(w.ctx, storage.AuditFilter{Action: "session.lockout", Limit: 1})
		must(t, err)
		if ev := events[0]; ev.ObjectType != "user" || ev.ObjectID != w.adminUser.ID || ev.AccountID != w.acct {
			t.Errorf("the lockout is recorded as %s %s in %q", ev.ObjectType, ev.ObjectID, ev.AccountID)
		}
		w.clk.Add(wait)
		w.login(t, "admin", pw)

		// A success clears the count; a second lock lasts longer than the first.
		for range 3 {
			_, _, err := w.svc.Login(w.ctx, "admin", "wrong password")
			wantKind(t, err, errs.Unauthenticated)
		}
		_, _, err = w.svc.Login(w.ctx, "admin", pw)
		first := retryAfter(t, err)
		w.clk.Add(first)
		_, _, err = w.svc.Login(w.ctx, "admin", "wrong password")
		wantKind(t, err, errs.Unauthenticated)
		_, _, err = w.svc.Login(w.ctx, "admin", "wrong password")
		if second := retryAfter(t, err); second <= first {
			t.Errorf("the second lock lasts %v, the first %v", second, first)
		}
		// Unknown logins are counted too (so a lock does not tell which logins exist), and recorded without
		// the login.
		for range 3 {
			_, _, err := w.svc.Login(w.ctx, "nobody", "wrong password")
			wantKind(t, err, errs.Unauthenticated)
		}
		_, _, err = w.svc.Login(w.ctx, "nobody", "wrong password")
		retryAfter(t, err)
		events, err = w.db.AuditLog(w.ctx, storage.AuditFilter{Action: "session.lockout", Limit: 1})
		must(t, err)
		if ev := events[0]; ev.ObjectType != "login" || ev.ObjectID != "unknown" {
			t.Errorf("an unknown login's lock is recorded as %s %s", ev.ObjectType, ev.ObjectID)
		}
	})
}

// Wrong passwords from one client address are counted whatever the login; another address is not
// affected. The address is recorded hashed.
func TestLoginLockoutByAddress(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{AddressFailures: 4, LoginFailures: 100})
	for i := range 4 {
		_, _, err := w.svc.LoginFrom(w.ctx, "198.51.100.7:"+fmt.Sprint(40000+i), fmt.Sprintf("login%d", i), "wrong password")
		wantKind(t, err, errs.Unauthenticated)
	}
	_, _, err := w.svc.LoginFrom(w.ctx, "198.51.100.7:41000", "admin", pw)
	retryAfter(t, err)
	if _, _, err := w.svc.LoginFrom(w.ctx, "[2001:db8::1]:5000", "admin", pw); err != nil {
		t.Fatalf("another address is refused: %v", err)
	}
	events, err := w.db.AuditLog(w.ctx, storage.AuditFilter{Action: "session.lockout", Limit: 5})
	must(t, err)
	if len(events) != 1 || events[0].ObjectType != "client_address" || events[0].ObjectID == "198.51.100.7" {
		t.Errorf("lockout events %+v", events)
	}
}

// Wrong bearer tokens and session cookies are counted per client address; past the limit they are
// answered with too-many-requests and the lock is audited. A good token still works from that address
// (clients behind one proxy share it).
func TestTokenGuessingLockout(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{TokenFailures: 5})
	good := w.login(t, "admin", pw)
	for i := range 5 {
		_, err := w.svc.AuthenticateFrom(w.ctx, "203.0.113.5:1234", fmt.Sprintf("kcrs_guess%d", i))
		wantKind(t, err, errs.Unauthenticated)
	}
	_, err := w.svc.AuthenticateFrom(w.ctx, "203.0.113.5:1234", "kcr_guess")
	retryAfter(t, err)
	_, err = w.svc.AuthenticateFrom(w.ctx, "203.0.113.5:4321", "kcrs_guess")
	retryAfter(t, err)
	if _, err := w.svc.AuthenticateFrom(w.ctx, "203.0.113.5:1234", good); err != nil {
		t.Fatalf("a good token is refused from the locked address: %v", err)
	}
	_, err = w.svc.AuthenticateFrom(w.ctx, "203.0.113.6:1234", "kcr_guess")
	wantKind(t, err, errs.Unauthenticated)
	if n := auditCount(t, w, "auth.lockout"); n != 1 {
		t.Errorf("%d lockout events, want 1", n)
	}
}

// The throttle's memory is bounded: past MaxEntries, keys are forgotten.
func TestThrottleIsBounded(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{MaxEntries: 10, HashConcurrency: 4})
	for i := range 25 {
		_, _, err := w.svc.Login(w.ctx, fmt.Sprintf("nobody%d", i), "wrong password")
		wantKind(t, err, errs.Unauthenticated)
		if n := w.svc.ThrottleSize(); n > 10 {
			t.Fatalf("the throttle holds %d keys, want at most 10", n)
		}
	}
}

// Failures are counted by the connection's address unless it is a trusted proxy, whose X-Forwarded-For
// then names the client; a client cannot pick its own address by writing the header.
func TestClientAddr(t *testing.T) {
	t.Parallel()
	trusting := &access.Service{Limits: access.Limits{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, c := range []struct {
		name   string
		svc    *access.Service
		remote string
		xff    []string
		want   string
	}{
		{"no proxies configured", &access.Service{}, "10.0.0.2:5000", []string{"203.0.113.9"}, "10.0.0.2:5000"},
		{"untrusted peer", trusting, "198.51.100.1:5000", []string{"203.0.113.9"}, "198.51.100.1:5000"},
		{"trusted proxy", trusting, "10.0.0.2:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"the nearest untrusted hop", trusting, "10.0.0.2:5000", []string{"198.51.100.66, 203.0.113.9", "10.1.1.1"}, "203.0.113.9"},
		{"only proxies", trusting, "10.0.0.2:5000", []string{"10.1.1.1"}, "10.0.0.2:5000"},
		{"garbage hop", trusting, "10.0.0.2:5000", []string{"evil"}, "10.0.0.2:5000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/auth/login", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.svc.ClientAddr(r); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// Addresses of one IPv6 /64 share a count, as they usually belong to one client.
func TestLoginLockoutByIPv6Network(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{AddressFailures: 2, LoginFailures: 100})
	for i := range 2 {
		_, _, err := w.svc.LoginFrom(w.ctx, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "admin", "wrong password")
		wantKind(t, err, errs.Unauthenticated)
	}
	_, _, err := w.svc.LoginFrom(w.ctx, "[2001:db8:1:2:ffff::1]:443", "admin", pw)
	retryAfter(t, err)
}

// Guesses sent all at once for one login are counted while they run: no more than the limit are tried,
// the rest are refused without hashing.
func TestConcurrentGuessesCountedAtOnce(t *testing.T) {
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{LoginFailures: 5, HashConcurrency: 2})
	var mu sync.Mutex
	hashes := 0
	access.SetHashObserver(func(d int) {
		mu.Lock()
		defer mu.Unlock()
		if d > 0 {
			hashes++
		}
	})
	t.Cleanup(func() { access.SetHashObserver(nil) })
	var wg sync.WaitGroup
	var refused atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			_, _, err := w.svc.Login(w.ctx, "admin", fmt.Sprintf("wrong password %d", i))
			if errs.Is(err, errs.TooManyRequests) {
				refused.Add(1)
			} else if !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("login %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if hashes != 5 || refused.Load() != 3 {
		t.Errorf("%d passwords tried and %d refused, want 5 and 3", hashes, refused.Load())
	}
}

// Wrong current passwords on the password change count against the login too.
func TestChangePasswordGuessesLimited(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testdb.Engines(t)[0], access.Limits{LoginFailures: 3})
	p := mustAuth(t, w, w.login(t, "admin", pw))
	for range 3 {
		wantKind(t, w.svc.ChangePassword(w.ctx, p, "wrong password", "another long passphrase"), errs.Invalid)
	}
	retryAfter(t, w.svc.ChangePassword(w.ctx, p, pw, "another long passphrase"))
}
