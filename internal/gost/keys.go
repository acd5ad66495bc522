package gost

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/ddulesov/gogost/gost3410"
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
	ps   *ParamSet
	x, y *big.Int
}

// PrivateKey is a GOST R 34.10-2012 private key. It is safe for concurrent use.
type PrivateKey struct {
	ps  *ParamSet
	d   *big.Int // 0 < d < q
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
	// gogost's GenPrivateKey takes Size random bytes as d without reducing them, which on tc26-256-A
	// (q ~ 2^254) yields d >= q three times in four; draw d uniformly from [1, q-1] instead.
	d, err := randScalar(rand, ps.curve.Q)
	if err != nil {
		return nil, fmt.Errorf("gost: generating key: %w", err)
	}
	return newPrivateKey(ps, d)
}

// randScalar draws a uniform integer in [1, q-1] by rejection sampling.
func randScalar(rand io.Reader, q *big.Int) (*big.Int, error) {
	buf := make([]byte, (q.BitLen()+7)/8)
	excess := uint(len(buf)*8 - q.BitLen())
	for range 1000 { // each try succeeds with probability > 1/2
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, err
		}
		buf[0] &= 0xff >> excess
		k := new(big.Int).SetBytes(buf)
		if k.Sign() > 0 && k.Cmp(q) < 0 {
			return k, nil
		}
	}
	return nil, errors.New("random source keeps returning out-of-range values")
}

// newPrivateKey checks d and computes the public key.
func newPrivateKey(ps *ParamSet, d *big.Int) (*PrivateKey, error) {
	if d.Sign() <= 0 || d.Cmp(ps.curve.Q) >= 0 {
		return nil, errors.New("gost: private key is out of range")
	}
	prv := &gost3410.PrivateKey{C: ps.newCurve(), Mode: ps.mode(), Key: d}
	pub, err := prv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("gost: computing public key: %w", err)
	}
	return &PrivateKey{ps: ps, d: d, pub: &PublicKey{ps: ps, x: pub.X, y: pub.Y}}, nil
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
	entropy := make([]byte, 32)
	if _, err := io.ReadFull(rand, entropy); err != nil {
		return nil, fmt.Errorf("gost: reading randomness: %w", err)
	}
	return k.signDigest(newNonceSource(k, entropy, digest), digest)
}

// signDigest signs a digest as the hash function output it (little-endian). nonces supplies k as
// Size big-endian bytes per read, each already in [1, q-1].
func (k *PrivateKey) signDigest(nonces io.Reader, digest []byte) ([]byte, error) {
	prv := &gost3410.PrivateKey{C: k.ps.newCurve(), Mode: k.ps.mode(), Key: k.d}
	sig, err := prv.SignDigest(reversed(digest), nonces) // gogost reads the digest big-endian
	if err != nil {
		return nil, fmt.Errorf("gost: signing: %w", err)
	}
	return sig, nil
}

// nonceSource yields GOST nonces k in [1, q-1], each as Size big-endian bytes (how gogost reads them),
// from HMAC-SHA512 in counter mode keyed by SHA-512(d || entropy || digest). gogost reduces what it reads
// mod q; feeding it raw random bytes would bias k on curves whose q is far from 2^(8*Size), e.g.
// CryptoPro-C (q ~ 0.6 * 2^256) where small values would be twice as likely.
type nonceSource struct {
	key     []byte
	q       *big.Int
	size    int
	counter uint64
	pending []byte
}

func newNonceSource(k *PrivateKey, entropy, digest []byte) *nonceSource {
	h := sha512.New()
	h.Write(leBytes(k.d, k.ps.Size))
	h.Write(entropy)
	h.Write(digest)
	return &nonceSource{key: h.Sum(nil), q: k.ps.curve.Q, size: k.ps.Size}
}

func (n *nonceSource) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		if len(n.pending) == 0 {
			n.pending = n.next()
		}
		c := copy(p, n.pending)
		n.pending, p, total = n.pending[c:], p[c:], total+c
	}
	return total, nil
}

func (n *nonceSource) next() []byte {
	excess := uint(n.size*8 - n.q.BitLen())
	for {
		n.counter++
		mac := hmac.New(sha512.New, n.key)
		var ctr [8]byte
		binary.BigEndian.PutUint64(ctr[:], n.counter)
		mac.Write([]byte("kcr gost nonce"))
		mac.Write(ctr[:])
		b := mac.Sum(nil)[:n.size] // SHA-512 output is 64 bytes, enough for both sizes
		b[0] &= 0xff >> excess
		if k := new(big.Int).SetBytes(b); k.Sign() > 0 && k.Cmp(n.q) < 0 {
			return b
		}
	}
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
	return p.ps == q.ps && p.x.Cmp(q.x) == 0 && p.y.Cmp(q.y) == 0
}

// Raw returns the key as the SPKI's inner OCTET STRING holds it: little-endian X then little-endian Y,
// each padded to the key size.
func (p *PublicKey) Raw() []byte {
	return append(leBytes(p.x, p.ps.Size), leBytes(p.y, p.ps.Size)...)
}

// Verify checks sig (s then r, big-endian, as in a certificate) over msg with the conventions of
// [PrivateKey.Sign]. A mismatch returns an error wrapping [ErrVerification].
func (p *PublicKey) Verify(msg, sig []byte) error {
	return p.verifyDigest(p.ps.digest(msg), sig)
}

func (p *PublicKey) verifyDigest(digest, sig []byte) error {
	if len(sig) != 2*p.ps.Size {
		return fmt.Errorf("%w: signature is %d bytes, a %d-bit key signs with %d", ErrVerification,
			len(sig), p.ps.Size*8, 2*p.ps.Size)
	}
	pub := &gost3410.PublicKey{C: p.ps.newCurve(), Mode: p.ps.mode(), X: p.x, Y: p.y}
	ok, err := pub.VerifyDigest(reversed(digest), sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrVerification, err)
	}
	if !ok {
		return fmt.Errorf("%w: signature does not match the message and %s key", ErrVerification, p.ps.Name)
	}
	return nil
}

// newPublicKey validates a raw key (LE X || LE Y) on ps.
func newPublicKey(ps *ParamSet, raw []byte) (*PublicKey, error) {
	if len(raw) != 2*ps.Size {
		return nil, fmt.Errorf("gost: public key is %d bytes, %s needs %d", len(raw), ps.Name, 2*ps.Size)
	}
	x := leInt(raw[:ps.Size])
	y := leInt(raw[ps.Size:])
	if err := ps.checkPoint(x, y); err != nil {
		return nil, err
	}
	return &PublicKey{ps: ps, x: x, y: y}, nil
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
