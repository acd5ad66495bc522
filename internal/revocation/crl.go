// Package revocation tells whether a certificate is revoked: kcr's own certificates from its register,
// any other (a head's certificate from the ФНС CA) from the CRLs its cRLDistributionPoints name or,
// when none can be read, from the OCSP responder its authorityInfoAccess names.
package revocation

import (
	"context"
	"crypto/sha256"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/x509gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Defaults of a CRLs whose fields are zero.
const (
	DefaultTimeout      = 15 * time.Second // one download, headers and body
	DefaultMaxSize      = 20 << 20         // the ФНС CA's CRLs are a few MiB
	DefaultFailureTTL   = time.Minute      // a failed URL is not asked again sooner
	DefaultRefreshAfter = time.Hour        // a cached CRL is fetched again, to see revocations before its nextUpdate
	DefaultMaxURLs      = 16               // cached CRLs
	maxRedirects        = 5
	// thisUpdateSkew is how far in the future a CRL's thisUpdate may be: the CA's clock may run ahead.
	thisUpdateSkew = 5 * time.Minute
)

// Errors a CRL check gives; the status is unknown in each case, never "not revoked".
var (
	ErrNoCRL    = errors.New("the certificate names no http(s) CRL distribution point")
	ErrNoIssuer = errors.New("the issuer of the certificate is not known")
	ErrTooLarge = errors.New("the CRL is larger than the limit")
	ErrStale    = errors.New("the CRL is past its nextUpdate")
)

// CRLs reads revocation from CRLs fetched over http(s). A CRL is verified against the issuer of the
// certificate asked about, cached in memory per URL and issuer until its nextUpdate (fetched again after
// RefreshAfter, keeping the cached one while it is valid and the fetch fails), fetched once however many
// checks ask at the same time, and a failed fetch is remembered for FailureTTL. Memory rather than the
// database: a CRL is public, cheap to fetch again after a restart, and each replica fetching its own
// copy once per RefreshAfter costs the CA little. The zero value is ready to use.
type CRLs struct {
	// Client makes the requests; nil means http.DefaultClient's transport. Its redirect policy is
	// replaced: at most 5 redirects, none to another scheme.
	Client *http.Client
	// Clock tells thisUpdate/nextUpdate and the cache's ages; nil means the real clock.
	Clock clock.Clock
	// Timeout bounds one download; MaxSize bounds a CRL's bytes.
	Timeout time.Duration
	MaxSize int64
	// FailureTTL is how long a failed URL is answered from memory; RefreshAfter is how old a cached CRL
	// may be before it is fetched again; MaxURLs is how many CRLs the cache holds (the least recently used
	// goes first; URLs come only from certificates that chain to a trusted root, so a few are enough).
	FailureTTL, RefreshAfter time.Duration
	MaxURLs                  int
	// Log receives failed fetches (the URL and why; no personal data); nil discards them.
	Log *slog.Logger

	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
}

// cacheKey is a URL and the issuer its CRL was verified against.
type cacheKey struct {
	url    string
	issuer [sha256.Size]byte
}

// cacheEntry is what is known of one URL: the last CRL that verified, the last failure, a running fetch.
type cacheEntry struct {
	list        *revokedList
	failed      error
	failedUntil time.Time
	fetching    chan struct{} // closed when the running fetch ends; nil when none runs
	used        time.Time
}

// revokedList is a verified CRL reduced to what a check needs.
type revokedList struct {
	thisUpdate, nextUpdate, fetched time.Time
	revoked                         map[string]time.Time // serial in hex → revocation time
}

// valid tells whether the list may answer at now: before its nextUpdate.
func (l *revokedList) valid(now time.Time) bool { return l != nil && now.Before(l.nextUpdate) }

// IsRevoked tells whether cert, issued by issuer, was revoked at or before at, from the first of its
// http(s) CRL distribution points that answers. Any failure — no distribution point, a download that
// fails, times out or is too large, a CRL that does not parse, is not signed by issuer or is stale — is
// an error: the status is unknown.
func (s *CRLs) IsRevoked(ctx context.Context, cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
	if issuer == nil {
		return false, ErrNoIssuer
	}
	urls, err := crlURLs(cert)
	if err != nil {
		return false, err
	}
	var errList []error
	for _, u := range urls {
		l, err := s.list(ctx, u, issuer)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		when, ok := l.revoked[cert.SerialNumber.Text(16)]
		return ok && !when.After(at), nil
	}
	return false, errors.Join(errList...)
}

// crlURLs returns the http(s) URLs of cert's CRL distribution points.
func crlURLs(cert *x509gost.Certificate) ([]string, error) {
	ext, ok := cert.Extension(x509gost.OIDExtCRLDistributionPoints)
	if !ok {
		return nil, ErrNoCRL
	}
	all, err := x509gost.ParseCRLDistributionPoints(ext.Value)
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, u := range all {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return nil, ErrNoCRL
	}
	return urls, nil
}

func (s *CRLs) now() time.Time {
	if s.Clock == nil {
		return clock.Real{}.Now()
	}
	return s.Clock.Now()
}

// list returns the valid CRL of u verified against issuer: the cached one while it is fresh, else the
// result of a fetch, which concurrent callers share (while a refresh runs, a CRL still valid answers
// without waiting). A caller whose ctx ends stops waiting; the fetch goes on for the others.
func (s *CRLs) list(ctx context.Context, u string, issuer *x509gost.Certificate) (*revokedList, error) {
	key := cacheKey{url: u, issuer: sha256.Sum256(issuer.Raw)}
	s.mu.Lock()
	now := s.now()
	e := s.entry(key, now)
	refresh := or(s.RefreshAfter, DefaultRefreshAfter)
	switch {
	case e.list.valid(now) && now.Sub(e.list.fetched) < refresh:
		l := e.list
		s.mu.Unlock()
		return l, nil
	case e.fetching != nil && e.list.valid(now):
		l := e.list // due for a refresh another check is making: the valid cached CRL answers meanwhile
		s.mu.Unlock()
		return l, nil
	case e.fetching == nil && now.Before(e.failedUntil):
		l, err := e.list, e.failed
		s.mu.Unlock()
		if l.valid(now) {
			return l, nil // due for a refresh that failed, still valid
		}
		return nil, err
	case e.fetching == nil:
		e.fetching = make(chan struct{})
		go s.fetch(context.WithoutCancel(ctx), key, e, issuer)
	}
	done := e.fetching
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("CRL %s: %w", u, ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := s.now(); e.list.valid(now) {
		return e.list, nil
	} else if e.failed == nil {
		return nil, fmt.Errorf("CRL %s: %w", u, ErrStale)
	}
	return nil, e.failed
}

// entry returns the cache entry of key, making it, and the least recently used entry out, when absent.
// s.mu is held.
func (s *CRLs) entry(key cacheKey, now time.Time) *cacheEntry {
	if s.entries == nil {
		s.entries = make(map[cacheKey]*cacheEntry)
	}
	e, ok := s.entries[key]
	if !ok {
		if len(s.entries) >= or(s.MaxURLs, DefaultMaxURLs) {
			var oldest cacheKey
			var oldestUsed time.Time
			for k, v := range s.entries {
				if v.fetching == nil && (oldestUsed.IsZero() || v.used.Before(oldestUsed)) {
					oldest, oldestUsed = k, v.used
				}
			}
			delete(s.entries, oldest)
		}
		e = &cacheEntry{}
		s.entries[key] = e
	}
	e.used = now
	return e
}

// fetch downloads and verifies the CRL of key and records the outcome in e. A CRL older than the one
// cached (an outdated mirror) does not replace it.
func (s *CRLs) fetch(ctx context.Context, key cacheKey, e *cacheEntry, issuer *x509gost.Certificate) {
	l, err := s.download(ctx, key.url, issuer)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if err == nil && e.list != nil && l.thisUpdate.Before(e.list.thisUpdate) {
		err = fmt.Errorf("thisUpdate %s is before the cached CRL's %s", l.thisUpdate.Format(time.RFC3339), e.list.thisUpdate.Format(time.RFC3339))
	}
	if err != nil {
		e.failed = fmt.Errorf("CRL %s: %w", key.url, err)
		e.failedUntil = now.Add(or(s.FailureTTL, DefaultFailureTTL))
		if s.Log != nil {
			s.Log.Warn("CRL fetch failed", "url", key.url, "error", err)
		}
	} else {
		e.list, e.failed, e.failedUntil = l, nil, time.Time{}
	}
	close(e.fetching)
	e.fetching = nil
}

// download fetches, parses and verifies the CRL at u.
func (s *CRLs) download(ctx context.Context, u string, issuer *x509gost.Certificate) (*revokedList, error) {
	ctx, cancel := context.WithTimeout(ctx, or(s.Timeout, DefaultTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	client := http.Client{}
	if s.Client != nil {
		client = *s.Client
	}
	client.CheckRedirect = checkRedirect
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	limit := or(s.MaxSize, DefaultMaxSize)
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return verify(body, issuer, s.now())
}

// checkRedirect follows at most maxRedirects redirects, none to another scheme: a CRL asked over https
// is not taken over http, nor from a file or another protocol.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	if req.URL.Scheme != via[0].URL.Scheme {
		return fmt.Errorf("redirect from %s to %s refused", via[0].URL.Scheme, req.URL.Scheme)
	}
	return nil
}

// verify parses a DER (or PEM) CRL, checks that issuer signed it, that it is current at now and that it
// has no critical extension kcr does not read, and reduces it to its revoked serials.
func verify(body []byte, issuer *x509gost.Certificate, now time.Time) (*revokedList, error) {
	if block, _ := pem.Decode(body); block != nil && block.Type == "X509 CRL" {
		body = block.Bytes
	}
	crl, err := x509gost.ParseCRL(body)
	if err != nil {
		return nil, err
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, err
	}
	for _, ext := range crl.Extensions {
		if err := checkCRLExtension(ext); err != nil {
			return nil, err
		}
	}
	switch {
	case crl.ThisUpdate.After(now.Add(thisUpdateSkew)):
		return nil, fmt.Errorf("thisUpdate %s is in the future", crl.ThisUpdate.Format(time.RFC3339))
	case crl.NextUpdate.IsZero():
		return nil, errors.New("the CRL has no nextUpdate: its freshness cannot be told")
	case !now.Before(crl.NextUpdate):
		return nil, fmt.Errorf("%w (%s)", ErrStale, crl.NextUpdate.Format(time.RFC3339))
	}
	l := &revokedList{thisUpdate: crl.ThisUpdate, nextUpdate: crl.NextUpdate, fetched: now,
		revoked: make(map[string]time.Time, len(crl.Revoked))}
	for _, r := range crl.Revoked {
		if r.Reason != x509gost.ReasonRemoveFromCRL { // only meaningful in a delta CRL
			l.revoked[r.SerialNumber.Text(16)] = r.RevokedAt
		}
	}
	return l, nil
}

// or returns v, or def when v is not positive.
func or[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// CRL extensions whose criticality matters here (RFC 5280 5.2.4, 5.2.5).
var (
	oidDeltaCRLIndicator        = encasn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistributionPoint = encasn1.ObjectIdentifier{2, 5, 29, 28}
)

// checkCRLExtension refuses a critical extension kcr does not read (RFC 5280 5.2: such a CRL must not be
// used), a delta CRL (it lists only the changes since a base CRL), and an issuingDistributionPoint that
// scopes the CRL to CA certificates, some reasons, attribute certificates or other issuers: such a CRL
// does not cover a head's certificate completely. A scope of user certificates, or a distribution point
// name, is accepted.
func checkCRLExtension(ext x509gost.Extension) error {
	switch {
	case ext.OID.Equal(oidDeltaCRLIndicator):
		return errors.New("a delta CRL is not a complete CRL")
	case ext.OID.Equal(oidIssuingDistributionPoint):
		s := cryptobyte.String(ext.Value)
		var idp, skipped cryptobyte.String
		var present bool
		if !s.ReadASN1(&idp, asn1.SEQUENCE) || !s.Empty() ||
			!idp.ReadOptionalASN1(&skipped, &present, asn1.Tag(0).ContextSpecific().Constructed()) ||
			!idp.ReadOptionalASN1(&skipped, &present, asn1.Tag(1).ContextSpecific()) {
			return errors.New("malformed issuingDistributionPoint")
		}
		if !idp.Empty() {
			return errors.New("the CRL covers only CA certificates, some reasons, attribute certificates or another issuer's certificates")
		}
	case ext.Critical:
		return fmt.Errorf("unknown critical CRL extension %s", ext.OID)
	}
	return nil
}
