package ca

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// CRL and OCSP timing.
const (
	crlValidity  = 24 * time.Hour   // nextUpdate − thisUpdate of a CRL
	crlRefresh   = time.Hour        // a CRL older than this is replaced even without new revocations
	ocspValidity = 4 * time.Hour    // nextUpdate − thisUpdate of an OCSP answer
	ocspReuse    = 30 * time.Minute // a cached signed answer is served for at most this long
)

// ReasonCodes maps the API's revocation reasons to RFC 5280 CRLReason values.
var ReasonCodes = map[string]int{"unspecified": 0, "key_compromise": 1, "affiliation_changed": 3, "superseded": 4,
	"cessation_of_operation": 5, "privilege_withdrawn": 9}

func (b *Builtin) authority(name string) *authority {
	for _, a := range []*authority{b.root, b.issuing} {
		if a.name == name {
			return a
		}
	}
	return nil
}

// CRL returns the authority's current CRL, publishing a new one when a revocation happened since the last,
// or the last is older than an hour. Publishing is serialized here and by the (authority, number) key in
// the database, so replicas never publish two different CRLs with one number.
func (b *Builtin) CRL(ctx context.Context, name string) ([]byte, error) {
	a := b.authority(name)
	if a == nil {
		return nil, storage.ErrNoRows
	}
	b.crlMu.Lock()
	defer b.crlMu.Unlock()
	now := b.Clock.Now()
	latest, err := b.DB.LatestCRL(ctx, name)
	if err != nil && !storage.IsNoRows(err) {
		return nil, err
	}
	count := 0
	if a == b.issuing {
		if _, count, err = b.DB.LastRevocation(ctx, name); err != nil {
			return nil, err
		}
	}
	// Revocations are never undone, so an unchanged count means an unchanged list.
	if latest != nil && latest.Revoked == count && now.Sub(latest.ThisUpdate) < crlRefresh && now.Before(latest.NextUpdate) {
		return latest.DER, nil
	}
	var revoked []storage.RevokedEntry
	if a == b.issuing {
		if revoked, err = b.DB.Revoked(ctx, name); err != nil {
			return nil, err
		}
	}
	number := int64(1)
	if latest != nil {
		number = latest.Number + 1
	}
	t := &x509gost.CRLTemplate{Issuer: a.cert.RawSubject, ThisUpdate: now.Truncate(time.Second),
		NextUpdate: now.Truncate(time.Second).Add(crlValidity), Number: big.NewInt(number), AuthorityKeyID: a.keyID}
	for _, r := range revoked {
		serial, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return nil, fmt.Errorf("stored serial %q is not hexadecimal", r.Serial)
		}
		code, ok := ReasonCodes[r.Reason]
		if !ok {
			code = 0
		}
		t.Revoked = append(t.Revoked, x509gost.RevokedEntry{SerialNumber: serial, RevokedAt: r.RevokedAt, Reason: code})
	}
	der, err := x509gost.CreateCRL(t, a.signer, b.Rand)
	if err != nil {
		return nil, err
	}
	err = b.DB.SaveCRL(ctx, &storage.StoredCRL{Authority: name, Number: number, ThisUpdate: t.ThisUpdate, NextUpdate: t.NextUpdate,
		Revoked: len(revoked), DER: der})
	if err == storage.ErrDuplicate {
		// Another replica published this number first: serve its CRL.
		if latest, err = b.DB.LatestCRL(ctx, name); err != nil {
			return nil, err
		}
		return latest.DER, nil
	}
	return der, err
}

type cachedOCSP struct {
	der      []byte
	produced time.Time
}

// OCSP answers a DER OCSP request with a DER OCSP response; failures are OCSP error statuses, never panics.
func (b *Builtin) OCSP(ctx context.Context, reqDER []byte) []byte {
	req, err := x509gost.ParseOCSPRequest(reqDER)
	if err != nil || len(req.RequestList) == 0 || len(req.RequestList) > maxOCSPCertIDs {
		return x509gost.OCSPErrorResponse(1) // malformedRequest
	}
	var signer *authority
	var singles []x509gost.SingleResponse
	now := b.Clock.Now().Truncate(time.Second)
	var key bytes.Buffer
	for _, id := range req.RequestList {
		a := b.issuerOf(id)
		if a == nil || (signer != nil && a != signer) {
			return x509gost.OCSPErrorResponse(6) // unauthorized: not our issuer
		}
		signer = a
		single := x509gost.SingleResponse{ID: id, Status: x509gost.OCSPUnknown, Reason: -1, ThisUpdate: now, NextUpdate: now.Add(ocspValidity)}
		serial := id.SerialNumber.Text(16)
		if a == b.root {
			if id.SerialNumber.Cmp(b.issuing.cert.SerialNumber) == 0 {
				single.Status = x509gost.OCSPGood
			}
		} else {
			st, err := b.DB.CertificateStatus(ctx, a.name, serial)
			switch {
			case storage.IsNoRows(err):
			case err != nil:
				return x509gost.OCSPErrorResponse(2) // internalError
			case st.Status == "revoked":
				single.Status, single.RevokedAt, single.Reason = x509gost.OCSPRevoked, st.RevokedAt, ReasonCodes[st.Reason]
				if single.Reason == 0 {
					single.Reason = -1 // RFC 5280: unspecified is left out
				}
			default:
				single.Status = x509gost.OCSPGood
			}
		}
		fmt.Fprintf(&key, "%s|%s|%x|%d|%d|%d;", a.name, serial, id.HashAlgorithm, single.Status, single.RevokedAt.Unix(), single.Reason)
		singles = append(singles, single)
	}
	// Without a nonce the signed answer is reusable until the status changes (the status is in the key).
	cacheKey := key.String()
	if req.Nonce == nil && len(singles) == 1 {
		if c, ok := b.cachedOCSP(cacheKey); ok && now.Sub(c.produced) < ocspReuse {
			return c.der
		}
	}
	der, err := x509gost.CreateOCSPResponse(&x509gost.OCSPResponseTemplate{ResponderKeyHash: signer.keyID, ProducedAt: now,
		Responses: singles, Nonce: req.Nonce}, signer.signer, b.Rand)
	if err != nil {
		return x509gost.OCSPErrorResponse(2)
	}
	if req.Nonce == nil && len(singles) == 1 && !unknownOnly(singles) {
		b.cacheOCSP(cacheKey, &cachedOCSP{der: der, produced: now})
	}
	return der
}

// maxOCSPCertIDs bounds the work one unauthenticated request can ask for; real clients ask about one.
const maxOCSPCertIDs = 10

// ocspCacheLimit bounds the cache (single-certificate answers of about 1 KiB only): beyond it, expired answers are dropped, and if that is not enough the
// cache starts over. Answers about serials the CA never issued are not cached at all, so nobody can grow
// the cache by asking about random serials.
const ocspCacheLimit = 50_000

func (b *Builtin) cacheOCSP(key string, c *cachedOCSP) {
	b.ocspMu.Lock()
	defer b.ocspMu.Unlock()
	if b.ocspCache == nil {
		b.ocspCache = map[string]*cachedOCSP{}
	}
	if len(b.ocspCache) >= ocspCacheLimit {
		for k, v := range b.ocspCache {
			if c.produced.Sub(v.produced) >= ocspReuse {
				delete(b.ocspCache, k)
			}
		}
		if len(b.ocspCache) >= ocspCacheLimit {
			clear(b.ocspCache)
		}
	}
	b.ocspCache[key] = c
}

func (b *Builtin) cachedOCSP(key string) (*cachedOCSP, bool) {
	b.ocspMu.Lock()
	defer b.ocspMu.Unlock()
	c, ok := b.ocspCache[key]
	return c, ok
}

func unknownOnly(singles []x509gost.SingleResponse) bool {
	for _, s := range singles {
		if s.Status != x509gost.OCSPUnknown {
			return false
		}
	}
	return true
}

// issuerOf finds which of our authorities a CertID names, by name and key hash in its hash algorithm.
func (b *Builtin) issuerOf(id x509gost.CertID) *authority {
	for _, a := range []*authority{b.issuing, b.root} {
		want, err := x509gost.NewCertID(id.HashAlgorithm, a.cert, id.SerialNumber)
		if err != nil {
			return nil // unsupported hash algorithm
		}
		if bytes.Equal(want.IssuerNameHash, id.IssuerNameHash) && bytes.Equal(want.IssuerKeyHash, id.IssuerKeyHash) {
			return a
		}
	}
	return nil
}

// Fingerprint is a short hex digest for logs.
func Fingerprint(der []byte) string {
	s := sha1.Sum(der)
	return hex.EncodeToString(s[:8])
}
