package ca

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
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

// currentCRL is a published CRL as served from memory.
type currentCRL struct {
	der                    []byte
	revoked                int // how many entries it lists
	thisUpdate, nextUpdate time.Time
}

// fresh reports whether the CRL still lists every revocation (count of them now) and needs no refresh.
// Revocations are never undone, so an unchanged count means an unchanged list.
func (c *currentCRL) fresh(count int, now time.Time) bool {
	return c != nil && c.revoked == count && now.Sub(c.thisUpdate) < crlRefresh && now.Before(c.nextUpdate)
}

// crlSlot holds one authority's current CRL and the regeneration in progress, if any.
type crlSlot struct {
	current atomic.Pointer[currentCRL]
	mu      sync.Mutex
	running *crlRun // non-nil while one request regenerates
	// entries are the revoked entries of the last publication, encoded. Only the request that regenerates
	// (one at a time, see running) reads and changes them.
	entries *crlEntries
}

// crlEntries are an authority's revocations as CRL entries, kept between publications: a publication
// reads only the revocations since the latest one kept, and encodes only those.
type crlEntries struct {
	bySerial map[string]encodedEntry
	order    []string  // the serials, sorted: the CRL lists them in this order
	latest   time.Time // the latest revocation time among them
}

// encodedEntry is one CRL entry as encoded for a publication, with what it was encoded from.
type encodedEntry struct {
	revokedAt time.Time
	reason    string
	der       []byte
}

// crlRun is one regeneration; done closes when crl or err is set.
type crlRun struct {
	done chan struct{}
	crl  *currentCRL
	err  error
}

// crlSlots are the authorities' slots by name (a sync.Map: written once per authority, then only read).
type crlSlots struct{ m sync.Map }

func (s *crlSlots) get(name string) *crlSlot {
	if v, ok := s.m.Load(name); ok {
		return v.(*crlSlot)
	}
	v, _ := s.m.LoadOrStore(name, &crlSlot{})
	return v.(*crlSlot)
}

// CRL returns the authority's current CRL, publishing a new one when a revocation happened since the last,
// or the last is older than an hour. The current CRL is served from memory after one indexed count of the
// revocations, with no lock held across the database. When a new one is needed, one request regenerates it
// while the others keep getting the previous one (or wait for it when there is none yet); replicas never
// publish two different CRLs with one number thanks to the (authority, number) key in the database.
func (b *Builtin) CRL(ctx context.Context, name string) ([]byte, error) {
	a := b.authority(name)
	if a == nil {
		return nil, storage.ErrNoRows
	}
	count, err := b.revocationCount(ctx, a)
	if err != nil {
		return nil, err
	}
	slot := b.crls.get(name)
	cur := slot.current.Load()
	if cur.fresh(count, b.Clock.Now()) {
		return cur.der, nil
	}
	slot.mu.Lock()
	run := slot.running
	leader := run == nil
	if leader {
		run = &crlRun{done: make(chan struct{})}
		slot.running = run
	}
	slot.mu.Unlock()
	if !leader {
		if cur != nil {
			return cur.der, nil // the previous CRL, while another request publishes the next
		}
		select {
		case <-run.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		b.regenerate(ctx, a, slot, run)
	}
	if run.err != nil {
		return nil, run.err
	}
	return run.crl.der, nil
}

// regenerate publishes the authority's next CRL (or adopts the stored one) as the slot's current CRL, and
// then releases the requests waiting for it.
func (b *Builtin) regenerate(ctx context.Context, a *authority, slot *crlSlot, run *crlRun) {
	defer func() {
		slot.mu.Lock()
		slot.running = nil
		slot.mu.Unlock()
		close(run.done)
	}()
	run.err = errors.New("the CRL publication did not finish") // replaced below unless it panics
	// The others depend on this run: a client that goes away must not cancel it.
	run.crl, run.err = b.publishCRL(context.WithoutCancel(ctx), a, slot)
	if run.err == nil {
		slot.current.Store(run.crl)
	}
}

// revocationCount counts the authority's revocations (one query on an index holding the answer); the root
// authority revokes nothing kcr tracks.
func (b *Builtin) revocationCount(ctx context.Context, a *authority) (int, error) {
	if a != b.issuing {
		return 0, nil
	}
	_, count, err := b.DB.LastRevocation(ctx, a.name)
	return count, err
}

// publishCRL returns the stored CRL when it is current (another replica or instance may have published
// it), and otherwise signs and stores the next one.
func (b *Builtin) publishCRL(ctx context.Context, a *authority, slot *crlSlot) (*currentCRL, error) {
	now := b.Clock.Now()
	// The head only: the stored CRL's DER (46 KB at 1,000 entries) is read when it is the one adopted.
	latest, err := b.DB.LatestCRLHead(ctx, a.name)
	if err != nil && !storage.IsNoRows(err) {
		return nil, err
	}
	// Counted again now: revocations committed since the request counted belong in this CRL.
	count, err := b.revocationCount(ctx, a)
	if err != nil {
		return nil, err
	}
	if latest != nil {
		if c := stored(latest); c.fresh(count, now) {
			if latest, err = b.DB.StoredCRL(ctx, a.name, latest.Number); err != nil {
				return nil, err
			}
			return stored(latest), nil
		}
	}
	entries, err := b.revokedEntries(ctx, a, slot, count)
	if err != nil {
		return nil, err
	}
	number := int64(1)
	if latest != nil {
		number = latest.Number + 1
	}
	t := &x509gost.CRLTemplate{Issuer: a.cert.RawSubject, ThisUpdate: now.Truncate(time.Second),
		NextUpdate: now.Truncate(time.Second).Add(crlValidity), Number: big.NewInt(number), AuthorityKeyID: a.keyID,
		Entries: make([][]byte, 0, len(entries.order))}
	for _, serial := range entries.order {
		t.Entries = append(t.Entries, entries.bySerial[serial].der)
	}
	der, err := x509gost.CreateCRL(t, a.signer, b.Rand)
	if err != nil {
		return nil, err
	}
	c := &storage.StoredCRL{Authority: a.name, Number: number, ThisUpdate: t.ThisUpdate, NextUpdate: t.NextUpdate,
		Revoked: len(entries.order), DER: der}
	err = b.DB.SaveCRL(ctx, c)
	if err == storage.ErrDuplicate {
		// Another replica published this number first: serve its CRL.
		if c, err = b.DB.LatestCRL(ctx, a.name); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return stored(c), nil
}

// revokedEntries returns the authority's revocations as CRL entries, count being how many there are.
// Revocations are never undone and keep their time and reason, so the entries kept from the last
// publication stay valid: only the rows revoked since the latest of them are read and encoded. When the
// entries then number other than count (a revocation committed with an earlier time, by a replica whose
// clock is behind, say), every row is read again.
func (b *Builtin) revokedEntries(ctx context.Context, a *authority, slot *crlSlot, count int) (*crlEntries, error) {
	if a != b.issuing {
		return &crlEntries{}, nil
	}
	if e := slot.entries; e != nil {
		rows, err := b.DB.RevokedSince(ctx, a.name, e.latest)
		if err != nil {
			return nil, err
		}
		if err := e.add(rows); err != nil {
			return nil, err
		}
		if len(e.order) == count {
			return e, nil
		}
	}
	rows, err := b.DB.Revoked(ctx, a.name)
	if err != nil {
		return nil, err
	}
	e := &crlEntries{bySerial: make(map[string]encodedEntry, len(rows))}
	if err := e.add(rows); err != nil {
		return nil, err
	}
	slot.entries = e
	return e, nil
}

// add encodes the rows not kept yet.
func (e *crlEntries) add(rows []storage.RevokedEntry) error {
	added := false
	for _, r := range rows {
		if k, ok := e.bySerial[r.Serial]; ok && k.revokedAt.Equal(r.RevokedAt) && k.reason == r.Reason {
			continue
		}
		enc, err := encodeEntry(r)
		if err != nil {
			return err
		}
		if _, ok := e.bySerial[r.Serial]; !ok {
			e.order, added = append(e.order, r.Serial), true
		}
		e.bySerial[r.Serial] = enc
		if r.RevokedAt.After(e.latest) {
			e.latest = r.RevokedAt
		}
	}
	if added {
		slices.Sort(e.order)
	}
	return nil
}

// encodeEntry encodes a stored revocation as a CRL entry.
func encodeEntry(r storage.RevokedEntry) (encodedEntry, error) {
	serial, ok := new(big.Int).SetString(r.Serial, 16)
	if !ok {
		return encodedEntry{}, fmt.Errorf("stored serial %q is not hexadecimal", r.Serial)
	}
	code, ok := ReasonCodes[r.Reason]
	if !ok {
		code = 0
	}
	der, err := x509gost.EncodeRevokedEntry(x509gost.RevokedEntry{SerialNumber: serial, RevokedAt: r.RevokedAt, Reason: code})
	if err != nil {
		return encodedEntry{}, err
	}
	return encodedEntry{revokedAt: r.RevokedAt, reason: r.Reason, der: der}, nil
}

func stored(c *storage.StoredCRL) *currentCRL {
	return &currentCRL{der: c.DER, revoked: c.Revoked, thisUpdate: c.ThisUpdate, nextUpdate: c.NextUpdate}
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
	key := make([]byte, 0, 128)
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
		key = append(append(append(append(key, a.name...), '|'), serial...), '|')
		for _, arc := range id.HashAlgorithm {
			key = append(strconv.AppendInt(key, int64(arc), 10), '.')
		}
		key = append(strconv.AppendInt(key, int64(single.Status), 10), '|')
		key = append(strconv.AppendInt(key, single.RevokedAt.Unix(), 10), '|')
		key = append(strconv.AppendInt(key, int64(single.Reason), 10), ';')
		singles = append(singles, single)
	}
	// Without a nonce the signed answer is reusable until the status changes (the status is in the key).
	cacheKey := string(key)
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
		var want x509gost.CertID
		for _, h := range a.certIDs {
			if h.HashAlgorithm.Equal(id.HashAlgorithm) {
				want = h
				break
			}
		}
		if want.HashAlgorithm == nil {
			return nil // unsupported hash algorithm
		}
		if bytes.Equal(want.IssuerNameHash, id.IssuerNameHash) && bytes.Equal(want.IssuerKeyHash, id.IssuerKeyHash) {
			return a
		}
	}
	return nil
}

// certIDHashes are the CertIDs OCSP clients name an authority by, one per hash algorithm the responder
// supports, hashed once (Streebog over a CA's name and key, twice per authority, on every request before).
// Their serial is left unset.
func certIDHashes(cert *x509gost.Certificate) ([]x509gost.CertID, error) {
	var ids []x509gost.CertID
	for _, alg := range []asn1.ObjectIdentifier{x509gost.OIDSHA1, x509gost.OIDSHA256, gost.OIDDigest256, gost.OIDDigest512} {
		id, err := x509gost.NewCertID(alg, cert, big.NewInt(1))
		if err != nil {
			return nil, err
		}
		id.SerialNumber = nil
		ids = append(ids, id)
	}
	return ids, nil
}

// Fingerprint is a short hex digest for logs.
func Fingerprint(der []byte) string {
	s := sha1.Sum(der)
	return hex.EncodeToString(s[:8])
}
