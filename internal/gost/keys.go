package gost

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"sync/atomic"
)

// Signer is what the CA signs with: a key in memory today, an HSM tomorrow. Sign has the conventions of
// [PrivateKey.Sign].
type Signer interface {
	Public() *PublicKey
	Sign(rand io.Reader, msg []byte) ([]byte, error)
}

var _ Signer = (*PrivateKey)(nil)

// PublicKey is a GOST R 34.10-2012 public key: a validated point of a named curve.
type PublicKey struct {
	ps  *ParamSet
	xy  []byte // big-endian x || y, each Size bytes: what the curve arithmetic reads
	pre *precomputed
}

// precomputed holds a public key's verification table, built at most once by Precompute.
type precomputed struct {
	once  sync.Once
	table atomic.Value // the curve's odd-multiples table, once built
}

// PrivateKey is a GOST R 34.10-2012 private key. It is safe for concurrent use.
type PrivateKey struct {
	ps  *ParamSet
	db  []byte // 0 < d < q as Size big-endian bytes: never a big.Int, whose length would follow d's value
	pub *PublicKey
}

// ErrVerification is returned (wrapped) by Verify when a well-formed signature does not match.
var ErrVerification = errors.New("gost: signature verification failed")

// GenerateKey makes a key on ps from rand. It refuses the RFC test sets.
func GenerateKey(rand io.Reader, ps *ParamSet) (*PrivateKey, error) {
	if ps == nil {
		return nil, errors.New("gost: no parameter set")
	}
	if ps.test {
		return nil, fmt.Errorf("gost: parameter set %s (%s) is for test vectors only", ps.Name, ps.OID)
	}
	if rand == nil {
		return nil, errors.New("gost: GenerateKey needs a random source")
	}
	// d is twice the key size of random bytes reduced mod q in constant time: uniform in [1, q-1] up
	// to a bias below 2^-256, with no rejection loop whose length would depend on the key.
	wide := make([]byte, 2*ps.Size)
	if _, err := io.ReadFull(rand, wide); err != nil {
		return nil, fmt.Errorf("gost: generating key: %w", err)
	}
	db := make([]byte, ps.Size)
	ps.impl.reduceNonce(db, wide)
	clear(wide)
	return newPrivateKeyBytes(ps, db), nil
}

// newPrivateKey checks d and computes the public key.
func newPrivateKey(ps *ParamSet, d *big.Int) (*PrivateKey, error) {
	if d.Sign() <= 0 || d.Cmp(ps.curve.Q) >= 0 {
		return nil, errors.New("gost: private key is out of range")
	}
	return newPrivateKeyBytes(ps, d.FillBytes(make([]byte, ps.Size))), nil
}

// newPrivateKeyBytes computes the public key for d in [1, q-1], big-endian.
func newPrivateKeyBytes(ps *ParamSet, db []byte) *PrivateKey {
	xy := make([]byte, 2*ps.Size)
	ps.impl.publicKey(xy, db)
	pub := &PublicKey{ps: ps, xy: xy, pre: new(precomputed)}
	return &PrivateKey{ps: ps, db: db, pub: pub}
}

// Public returns the public key.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// ParamSet returns the key's parameter set.
func (k *PrivateKey) ParamSet() *ParamSet { return k.ps }

// Sign signs msg: Streebog-256 or -512 (by key size) of msg, read as a little-endian integer, signed
// with GOST R 34.10-2012. The result is what a certificate's signature BIT STRING holds: s then r, each
// big-endian and padded to the key size.
//
// The nonce is hedged: it is derived from rand's output together with the private key and the digest,
// so a broken or repeating rand (a VM snapshot, a stubbed reader) does not reuse a nonce across
// different messages, which would reveal the CA key. rand is still required and its errors are returned.
func (k *PrivateKey) Sign(rand io.Reader, msg []byte) ([]byte, error) {
	if rand == nil {
		return nil, errors.New("gost: Sign needs a random source")
	}
	digest := k.ps.digest(msg)
	var entropy [32]byte
	if _, err := io.ReadFull(rand, entropy[:]); err != nil {
		return nil, fmt.Errorf("gost: reading randomness: %w", err)
	}
	ns := newNonceSource(k, entropy[:], digest)
	return k.signDigest(&ns, digest)
}

// signDigest signs a digest as the hash function output it (little-endian). nonces supplies k as
// Size big-endian bytes per read, each already in [1, q-1]; another is read in the (negligibly
// likely) case that r or s comes out zero.
func (k *PrivateKey) signDigest(nonces io.Reader, digest []byte) ([]byte, error) {
	if len(digest) != k.ps.Size {
		return nil, fmt.Errorf("gost: digest is %d bytes, a %d-bit key signs %d", len(digest), 8*k.ps.Size, k.ps.Size)
	}
	sig := make([]byte, 2*k.ps.Size)
	var buf [64]byte
	nonce := buf[:k.ps.Size]
	for range 100 {
		if _, err := io.ReadFull(nonces, nonce); err != nil {
			return nil, fmt.Errorf("gost: signing: %w", err)
		}
		ok := k.ps.impl.sign(sig, k.db, nonce, digest)
		clear(nonce)
		if ok {
			return sig, nil
		}
	}
	return nil, errors.New("gost: signing: no nonce gives a nonzero signature")
}

// nonceSource yields GOST nonces k in [1, q-1], each as Size big-endian bytes, from HMAC-SHA512 in
// counter mode keyed by SHA-512(d || entropy || digest). Each nonce is 2·Size bytes of HMAC output
// reduced mod q in constant time, so it is uniform up to a bias below 2^-256 on every curve (q is far
// from 2^(8·Size) on some, e.g. CryptoPro-C, q ~ 0.6 * 2^256) without a rejection loop.
type nonceSource struct {
	key     [sha512.Size]byte
	ps      *ParamSet
	counter uint64
}

func newNonceSource(k *PrivateKey, entropy, digest []byte) nonceSource {
	h := sha512.New()
	h.Write(k.db)
	h.Write(entropy)
	h.Write(digest)
	n := nonceSource{ps: k.ps}
	h.Sum(n.key[:0])
	return n
}

// Read fills p with one nonce; p must be Size bytes long.
func (n *nonceSource) Read(p []byte) (int, error) {
	if len(p) != n.ps.Size {
		return 0, fmt.Errorf("gost: nonce read of %d bytes, want %d", len(p), n.ps.Size)
	}
	var wide [2 * sha512.Size]byte
	mac := hmac.New(sha512.New, n.key[:])
	for i := 0; i < 2*n.ps.Size; i += sha512.Size {
		n.counter++
		var ctr [8]byte
		binary.BigEndian.PutUint64(ctr[:], n.counter)
		mac.Reset()
		mac.Write([]byte("kcr gost nonce"))
		mac.Write(ctr[:])
		mac.Sum(wide[i:i])
	}
	n.ps.impl.reduceNonce(p, wide[:2*n.ps.Size])
	clear(wide[:])
	return len(p), nil
}

// ParamSet returns the key's parameter set.
func (p *PublicKey) ParamSet() *ParamSet { return p.ps }

// SignatureAlgorithm returns OIDSignature256 or OIDSignature512 by key size.
func (p *PublicKey) SignatureAlgorithm() asn1.ObjectIdentifier { return p.ps.sigOID() }

// Equal reports whether p and q are the same point on the same parameter set. Keys on two sets that
// share a curve (tc26-256-B and cryptopro-A, say) are different keys: their SPKIs differ.
func (p *PublicKey) Equal(q *PublicKey) bool {
	if p == nil || q == nil {
		return p == q
	}
	return p.ps == q.ps && bytes.Equal(p.xy, q.xy)
}

// Raw returns the key as the SPKI's inner OCTET STRING holds it: little-endian X then little-endian Y,
// each padded to the key size.
func (p *PublicKey) Raw() []byte {
	return append(reversed(p.xy[:p.ps.Size]), reversed(p.xy[p.ps.Size:])...)
}

// Verify checks sig (s then r, big-endian, as in a certificate) over msg with the conventions of
// [PrivateKey.Sign]. A mismatch returns an error wrapping [ErrVerification].
func (p *PublicKey) Verify(msg, sig []byte) error {
	return p.verifyDigest(p.ps.digest(msg), sig)
}

// Precompute builds, once, a table of the key's multiples that every later Verify uses: worth it for
// a long-lived key that verifies many signatures (the CA checking its own OCSP answers, CRLs and
// certificates); it costs about one verification and up to 12 KiB. It is safe for concurrent use,
// with Verify too. The table is a cache: the key stays [PublicKey.Equal] to an unprecomputed copy, but
// not reflect.DeepEqual.
func (p *PublicKey) Precompute() {
	if p.pre == nil {
		return
	}
	p.pre.once.Do(func() { p.pre.table.Store(p.ps.impl.precompute(p.xy)) })
}

func (p *PublicKey) verifyDigest(digest, sig []byte) error {
	if len(sig) != 2*p.ps.Size {
		return fmt.Errorf("%w: signature is %d bytes, a %d-bit key signs with %d", ErrVerification,
			len(sig), p.ps.Size*8, 2*p.ps.Size)
	}
	if len(digest) != p.ps.Size {
		return fmt.Errorf("%w: digest is %d bytes, a %d-bit key signs %d", ErrVerification, len(digest), 8*p.ps.Size, p.ps.Size)
	}
	var pre any
	if p.pre != nil {
		pre = p.pre.table.Load()
	}
	if !p.ps.impl.verify(p.xy, pre, digest, sig) {
		return fmt.Errorf("%w: signature does not match the message and %s key", ErrVerification, p.ps.Name)
	}
	return nil
}

// newPublicKey validates a raw key (LE X || LE Y) on ps.
func newPublicKey(ps *ParamSet, raw []byte) (*PublicKey, error) {
	if len(raw) != 2*ps.Size {
		return nil, fmt.Errorf("gost: public key is %d bytes, %s needs %d", len(raw), ps.Name, 2*ps.Size)
	}
	xy := append(reversed(raw[:ps.Size]), reversed(raw[ps.Size:])...)
	if err := ps.checkPoint(xy); err != nil {
		return nil, err
	}
	return &PublicKey{ps: ps, xy: xy, pre: new(precomputed)}, nil
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, v := range b {
		r[len(b)-1-i] = v
	}
	return r
}

// leBytes is n as size little-endian bytes (n must fit).
func leBytes(n *big.Int, size int) []byte {
	b := n.FillBytes(make([]byte, size))
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

func leInt(b []byte) *big.Int { return new(big.Int).SetBytes(reversed(b)) }
