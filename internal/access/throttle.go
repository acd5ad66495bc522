package access

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
)

// Limits bounds what sign-in and credential guessing may cost. Zero fields take the defaults
// (DefaultLimits). The state is kept in memory per process: each replica limits on its own.
type Limits struct {
	// HashConcurrency is how many password hashes (argon2id, 64 MiB each) may run at once; further sign-ins
	// wait for a free slot.
	HashConcurrency int
	// LoginFailures is how many wrong passwords one login may have before it is locked; one more attempt
	// comes back every FailureWindow / LoginFailures.
	LoginFailures int
	// AddressFailures is the same for wrong passwords from one client address, whatever the login.
	AddressFailures int
	// TokenFailures is the same for wrong bearer tokens and session cookies from one client address.
	TokenFailures int
	// FailureWindow is the period over which the failure counts refill.
	FailureWindow time.Duration
	// Lockout is the shortest lock; a lock lasts at least until one attempt has come back, and every
	// further lock of the same key doubles it, up to MaxLockout.
	Lockout, MaxLockout time.Duration
	// MaxEntries bounds each throttle's memory: past it, idle keys and then the least recently seen ones are
	// forgotten.
	MaxEntries int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (see ClientAddr).
	TrustedProxies []netip.Prefix
}

// DefaultLimits are the limits kcr runs with unless configured otherwise.
var DefaultLimits = Limits{HashConcurrency: 2, LoginFailures: 5, AddressFailures: 20, TokenFailures: 50,
	FailureWindow: 15 * time.Minute, Lockout: time.Minute, MaxLockout: time.Hour, MaxEntries: 10000}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pickD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.HashConcurrency, d.HashConcurrency)
	pick(&l.LoginFailures, d.LoginFailures)
	pick(&l.AddressFailures, d.AddressFailures)
	pick(&l.TokenFailures, d.TokenFailures)
	pick(&l.MaxEntries, d.MaxEntries)
	pickD(&l.FailureWindow, d.FailureWindow)
	pickD(&l.Lockout, d.Lockout)
	pickD(&l.MaxLockout, d.MaxLockout)
	return l
}

// guard holds the process's sign-in limits: the hashing semaphore and the failure throttles.
type guard struct {
	hashes chan struct{}
	logins *throttle // by login
	addrs  *throttle // wrong passwords by client address
	tokens *throttle // wrong tokens by client address
}

func (s *Service) guard() *guard {
	s.guardOnce.Do(func() {
		l := s.Limits.withDefaults()
		s.g = &guard{
			hashes: make(chan struct{}, l.HashConcurrency),
			logins: newThrottle(l, l.LoginFailures),
			addrs:  newThrottle(l, l.AddressFailures),
			tokens: newThrottle(l, l.TokenFailures),
		}
	})
	return s.g
}

// hashObserver, when set (by tests), is told when a password hash starts (+1) and ends (-1).
var hashObserver func(delta int)

// withHashSlot runs f, which hashes a password, once a hashing slot is free, so that concurrent sign-ins
// cannot take memory without bound.
func (s *Service) withHashSlot(ctx context.Context, f func()) error {
	g := s.guard()
	select {
	case g.hashes <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.hashes }()
	if hashObserver != nil {
		hashObserver(1)
		defer hashObserver(-1)
	}
	f()
	return nil
}

// checkPassword is CheckPassword inside a hashing slot.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (ok bool, err error) {
	if serr := s.withHashSlot(ctx, func() { ok, err = CheckPassword(hash, password) }); serr != nil {
		return false, serr
	}
	return ok, err
}

// hashPassword is HashPassword inside a hashing slot.
func (s *Service) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if serr := s.withHashSlot(ctx, func() { hash, err = HashPassword(password) }); serr != nil {
		return "", serr
	}
	return hash, err
}

// throttle counts failures per key with a token bucket (burst failures, refilled over the window) and
// locks a key whose bucket is empty, each lock twice as long as the one before. Attempts still running
// hold a place in the bucket, so that many sent at once cannot all pass before the first one fails.
type throttle struct {
	mu                  sync.Mutex
	burst               int
	every               rate.Limit
	lockout, maxLockout time.Duration
	max                 int
	entries             map[string]*throttleEntry
}

type throttleEntry struct {
	lim     *rate.Limiter
	running int // attempts begun and not yet ended
	strikes int
	until   time.Time
	seen    time.Time
}

func newThrottle(l Limits, burst int) *throttle {
	return &throttle{burst: burst, every: rate.Limit(float64(burst) / l.FailureWindow.Seconds()), lockout: l.Lockout,
		maxLockout: l.MaxLockout, max: l.MaxEntries, entries: map[string]*throttleEntry{}}
}

func (t *throttle) entry(key string, now time.Time) *throttleEntry {
	e, ok := t.entries[key]
	if !ok {
		if len(t.entries) >= t.max {
			t.evict(now)
		}
		e = &throttleEntry{lim: rate.NewLimiter(t.every, t.burst)}
		t.entries[key] = e
	}
	e.seen = now
	return e
}

// evict forgets idle keys (unlocked, nothing running, bucket full); when none is idle, the least recently
// seen key.
func (t *throttle) evict(now time.Time) {
	var oldest string
	var oldestSeen time.Time
	for k, e := range t.entries {
		if !now.Before(e.until) && e.running == 0 && e.lim.TokensAt(now) >= float64(t.burst) {
			delete(t.entries, k)
			continue
		}
		if oldest == "" || e.seen.Before(oldestSeen) {
			oldest, oldestSeen = k, e.seen
		}
	}
	if len(t.entries) >= t.max {
		delete(t.entries, oldest)
	}
}

// begin admits an attempt for key, to be closed with end. When it may not go ahead, wait is how long the
// key stays locked and locked is true when this call locked it (to be audited once).
func (t *throttle) begin(key string, now time.Time) (wait time.Duration, locked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(key, now)
	if now.Before(e.until) {
		return e.until.Sub(now), false
	}
	tokens := e.lim.TokensAt(now)
	if tokens >= float64(t.burst) && e.running == 0 {
		e.strikes = 0 // a full window without failures forgives earlier locks
	}
	free := tokens - float64(e.running)
	if free >= 1 {
		e.running++
		return 0, false
	}
	e.strikes++
	// The lock lasts at least until the bucket holds an attempt again, so that a client that waits as told
	// is let in, and doubles with every lock since the key's last quiet window.
	d := max(t.lockout, time.Duration((1-free)/float64(t.every)*float64(time.Second)))
	for i := 1; i < e.strikes && d < t.maxLockout; i++ {
		d *= 2
	}
	d = min(d, t.maxLockout)
	e.until = now.Add(d)
	return d, true
}

// end closes an attempt begun with begin, counting it when it failed.
func (t *throttle) end(key string, now time.Time, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(key, now)
	e.running = max(0, e.running-1) // an entry evicted meanwhile starts again at zero
	if failed {
		e.lim.AllowN(now, 1)
	}
}

// reset clears key's failures and locks after a success.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[key]; ok {
		e.lim, e.strikes, e.until = rate.NewLimiter(t.every, t.burst), 0, time.Time{}
	}
}

// tooMany is the answer to a locked key.
func tooMany(wait time.Duration, detail string) error {
	e := errs.New(errs.TooManyRequests, "%s", detail)
	e.RetryAfter = wait
	return e
}

// addrKey is the throttle key of a client address (host:port as in RemoteAddr, or a bare IP): its host,
// without the port a client picks per connection; an IPv6 address counts by its /64, which one client
// usually holds whole.
func addrKey(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

// ClientAddr is the address a request's failed sign-ins and tokens are counted against: the connection's
// peer, or, when the peer is one of Limits.TrustedProxies, the nearest address in X-Forwarded-For that is
// not. Without trusted proxies the header is ignored, since any client can write it.
func (s *Service) ClientAddr(r *http.Request) string {
	trusted := func(ip netip.Addr) bool {
		for _, p := range s.Limits.TrustedProxies {
			if p.Contains(ip.Unmap()) {
				return true
			}
		}
		return false
	}
	addr := r.RemoteAddr
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(peer) {
		return addr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a hop we cannot read: count against the peer
		}
		if !trusted(ip) {
			return ip.String()
		}
	}
	return addr
}

// auditLockout records that a key was locked. A client address is recorded pseudonymized (hashedAddr): the
// audit log holds no personal data in clear.
func (s *Service) auditLockout(ctx context.Context, action audit.Action, objType, objID, accountID string, wait time.Duration) error {
	detail := map[string]any{"locked_seconds": int((wait + time.Second - 1) / time.Second)}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, nil, action, objType, objID, accountID, detail)
	})
}

// addrPepper keys hashedAddr; it is drawn per process, so that the small IPv4 space cannot be hashed
// through to find an address.
var addrPepper = func() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}()

// hashedAddr pseudonymizes a client address: the same address gives the same value while the process
// runs, so lockouts from one source can be told apart from many.
func hashedAddr(addr string) string {
	m := hmac.New(sha256.New, addrPepper)
	m.Write([]byte(addr))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// LoginFrom is Login for a caller at a client address (as ClientAddr gives it; "" when unknown): wrong passwords are
// counted per login and per address, and a locked login or address is answered with TooManyRequests
// before any hashing.
func (s *Service) LoginFrom(ctx context.Context, addr, login, password string) (string, *model.User, error) {
	return s.login(ctx, addrKey(addr), login, password)
}

// AuthenticateFrom is Authenticate for a caller at a client address: wrong or stale tokens are counted
// per address, and past the limit they are answered with TooManyRequests instead of Unauthenticated. A
// valid token still passes from a locked address: behind a shared proxy or NAT, someone else's guessing
// must not lock everyone out, and a 256-bit token cannot be guessed anyway.
func (s *Service) AuthenticateFrom(ctx context.Context, addr, token string) (*Principal, error) {
	g, now, key := s.guard(), s.Clock.Now(), addrKey(addr)
	p, err := s.Authenticate(ctx, token)
	if key == "" || !errs.Is(err, errs.Unauthenticated) {
		return p, err
	}
	if wait, locked := g.tokens.begin(key, now); wait > 0 {
		if locked {
			if err := s.auditLockout(ctx, "auth.lockout", "client_address", hashedAddr(key), "", wait); err != nil {
				return nil, err
			}
		}
		return nil, tooMany(wait, "too many requests with wrong credentials from your address; try again later")
	}
	g.tokens.end(key, now, true)
	return nil, err
}
