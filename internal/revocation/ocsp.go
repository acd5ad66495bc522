package revocation

import (
	"bytes"
	"context"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/x509gost"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP defaults.
const (
	DefaultOCSPMaxSize = 64 << 10 // an answer about one certificate, with the responder's certificate
	// DefaultOCSPMaxAge is how old an answer without nextUpdate may be.
	DefaultOCSPMaxAge = time.Hour
)

// ErrNoOCSP is the error of a certificate that names no http(s) OCSP responder.
var ErrNoOCSP = errors.New("the certificate names no http(s) OCSP responder")

// OCSP asks the responders a certificate's authorityInfoAccess names, one request per check (it is the
// fallback when the CRL cannot be read, so nothing is cached). An answer counts when the issuer signed
// it, or a responder certificate the issuer signed for OCSP signing that is valid now; when it is
// current (thisUpdate not in the future, before nextUpdate, or no older than MaxAge without one); and
// when it echoes the request's nonce, if it carries one (many responders answer from a cache without).
type OCSP struct {
	// Client makes the requests; nil means http.DefaultClient's transport. Its redirect policy is
	// replaced as for CRLs.
	Client *http.Client
	// Clock tells the answers' ages; nil means the real clock.
	Clock clock.Clock
	// Timeout bounds one request; MaxSize an answer's bytes; MaxAge an answer without nextUpdate.
	Timeout time.Duration
	MaxSize int64
	MaxAge  time.Duration
}

// IsRevoked tells whether cert, issued by issuer, was revoked at or before at, from the first of its
// OCSP responders that answers good or revoked. An "unknown" answer, a failed request or an answer that
// does not verify is an error: the status is unknown.
func (o *OCSP) IsRevoked(ctx context.Context, cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
	if issuer == nil {
		return false, ErrNoIssuer
	}
	urls, err := ocspURLs(cert)
	if err != nil {
		return false, err
	}
	id, err := x509gost.NewCertID(x509gost.OIDSHA1, issuer, cert.SerialNumber)
	if err != nil {
		return false, err
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return false, err
	}
	req, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nonce)
	if err != nil {
		return false, err
	}
	var errList []error
	for _, u := range urls {
		single, err := o.ask(ctx, u, req, id, nonce, issuer)
		if err != nil {
			errList = append(errList, fmt.Errorf("OCSP %s: %w", u, err))
			continue
		}
		return single.Status == x509gost.OCSPRevoked && !single.RevokedAt.After(at), nil
	}
	return false, errors.Join(errList...)
}

// ocspURLs returns the http(s) OCSP responder URLs of cert's authorityInfoAccess.
func ocspURLs(cert *x509gost.Certificate) ([]string, error) {
	ext, ok := cert.Extension(x509gost.OIDExtAuthorityInfoAccess)
	if !ok {
		return nil, ErrNoOCSP
	}
	s := cryptobyte.String(ext.Value)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return nil, errors.New("malformed authorityInfoAccess")
	}
	var urls []string
	for !seq.Empty() {
		var ad, uri cryptobyte.String
		var method encasn1.ObjectIdentifier
		var isURI bool
		if !seq.ReadASN1(&ad, asn1.SEQUENCE) || !ad.ReadASN1ObjectIdentifier(&method) ||
			!ad.ReadOptionalASN1(&uri, &isURI, asn1.Tag(6).ContextSpecific()) {
			return nil, errors.New("malformed authorityInfoAccess")
		}
		if !isURI || !method.Equal(x509gost.OIDAccessOCSP) {
			continue
		}
		if p, err := url.Parse(string(uri)); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			urls = append(urls, string(uri))
		}
	}
	if len(urls) == 0 {
		return nil, ErrNoOCSP
	}
	return urls, nil
}

// ask posts req to u and returns the verified answer about id.
func (o *OCSP) ask(ctx context.Context, u string, req []byte, id x509gost.CertID, nonce []byte, issuer *x509gost.Certificate) (*x509gost.SingleResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, or(o.Timeout, DefaultTimeout))
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	client := http.Client{}
	if o.Client != nil {
		client = *o.Client
	}
	client.CheckRedirect = checkRedirect
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	limit := or(o.MaxSize, DefaultOCSPMaxSize)
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the answer is larger than %d bytes", limit)
	}
	r, err := x509gost.ParseOCSPResponse(body)
	if err != nil {
		return nil, err
	}
	if r.Status != x509gost.OCSPSuccessful {
		return nil, fmt.Errorf("the responder refused (status %d)", r.Status)
	}
	now := clock.Real{}.Now()
	if o.Clock != nil {
		now = o.Clock.Now()
	}
	if err := checkResponder(r, issuer, now); err != nil {
		return nil, err
	}
	if r.Nonce != nil && !bytes.Equal(r.Nonce, nonce) {
		return nil, errors.New("the answer's nonce is not the request's")
	}
	for i := range r.Responses {
		single := &r.Responses[i]
		if !single.ID.Equal(id) {
			continue
		}
		switch {
		case single.ThisUpdate.After(now.Add(thisUpdateSkew)):
			return nil, fmt.Errorf("thisUpdate %s is in the future", single.ThisUpdate.Format(time.RFC3339))
		case !single.NextUpdate.IsZero() && !now.Before(single.NextUpdate):
			return nil, fmt.Errorf("the answer is past its nextUpdate %s", single.NextUpdate.Format(time.RFC3339))
		case single.NextUpdate.IsZero() && now.Sub(single.ThisUpdate) > or(o.MaxAge, DefaultOCSPMaxAge):
			return nil, fmt.Errorf("the answer of %s is too old", single.ThisUpdate.Format(time.RFC3339))
		case single.Status == x509gost.OCSPUnknown:
			return nil, errors.New("the responder does not know the certificate")
		}
		return single, nil
	}
	return nil, errors.New("the answer is not about the certificate asked")
}

// checkResponder verifies r's signature: by the issuer, or by a certificate in r that the issuer signed
// for OCSP signing and that is valid at now (RFC 6960 4.2.2.2).
func checkResponder(r *x509gost.OCSPResponse, issuer *x509gost.Certificate, now time.Time) error {
	if r.CheckSignatureFrom(issuer) == nil {
		return nil
	}
	for _, der := range r.Certs {
		c, err := x509gost.ParseCertificate(der)
		if err != nil || !bytes.Equal(c.RawIssuer, issuer.RawSubject) || c.CheckSignatureFrom(issuer) != nil ||
			now.Before(c.NotBefore) || now.After(c.NotAfter) || !ocspSigning(c) {
			continue
		}
		if r.CheckSignatureFrom(c) == nil {
			return nil
		}
	}
	return errors.New("the answer is signed neither by the issuer nor by a responder it authorized")
}

// ocspSigning tells whether c's extKeyUsage names id-kp-OCSPSigning.
func ocspSigning(c *x509gost.Certificate) bool {
	ext, ok := c.Extension(x509gost.OIDExtExtendedKeyUsage)
	if !ok {
		return false
	}
	s := cryptobyte.String(ext.Value)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) {
		return false
	}
	for !seq.Empty() {
		var oid encasn1.ObjectIdentifier
		if !seq.ReadASN1ObjectIdentifier(&oid) {
			return false
		}
		if oid.Equal(x509gost.OIDExtKeyUsageOCSPSigning) {
			return true
		}
	}
	return false
}
