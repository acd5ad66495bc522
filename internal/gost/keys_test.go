package gost

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// productionSets are the sets GenerateKey accepts.
func productionSets() []*ParamSet {
	var sets []*ParamSet
	for _, ps := range ParamSets() {
		if !ps.IsTest() {
			sets = append(sets, ps)
		}
	}
	return sets
}

func TestParamSetTable(t *testing.T) {
	if len(ParamSets()) != 14 || len(productionSets()) != 12 {
		t.Fatalf("%d sets, %d production", len(ParamSets()), len(productionSets()))
	}
	for _, ps := range ParamSets() {
		t.Run(ps.Name, func(t *testing.T) {
			if got, ok := ParamSetByOID(ps.OID); !ok || got != ps {
				t.Error("ParamSetByOID")
			}
			if got, ok := ParamSetByName(ps.Name); !ok || got != ps {
				t.Error("ParamSetByName")
			}
			if ps.curve.Q.BitLen() > ps.Size*8 || ps.Size != 32 && ps.Size != 64 {
				t.Errorf("size %d for a %d-bit q", ps.Size, ps.curve.Q.BitLen())
			}
			// tc26-256-A and tc26-512-C are twisted Edwards curves with cofactor 4, all others prime order.
			want := int64(1)
			if ps.Name == "tc26-256-A" || ps.Name == "tc26-512-C" {
				want = 4
			}
			if ps.cofactor != want {
				t.Errorf("cofactor %d, want %d", ps.cofactor, want)
			}
			// The base point really has order q (checks the constants and the validation arithmetic).
			if g := ps.scalarMult(ps.curve.Q, affine{x: ps.curve.X, y: ps.curve.Y}); !g.inf {
				t.Error("q*G is not the point at infinity")
			}
		})
	}
	if _, ok := ParamSetByOID(asn1.ObjectIdentifier{1, 2, 3}); ok {
		t.Error("found an unknown OID")
	}
	if _, ok := ParamSetByName("nope"); ok {
		t.Error("found an unknown name")
	}
}

func TestGenerateKeyRefusesTestSets(t *testing.T) {
	for _, name := range []string{"test-256", "tc26-512-test"} {
		ps, _ := ParamSetByName(name)
		if _, err := GenerateKey(rand.Reader, ps); err == nil || !strings.Contains(err.Error(), "test") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := GenerateKey(rand.Reader, nil); err == nil {
		t.Error("nil set accepted")
	}
	ps, _ := ParamSetByName("tc26-256-A")
	if _, err := GenerateKey(nil, ps); err == nil {
		t.Error("nil random source accepted")
	}
}

func TestKeyRoundTrips(t *testing.T) {
	for _, ps := range productionSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(rand.Reader, ps)
			if err != nil {
				t.Fatal(err)
			}
			if k.ParamSet() != ps || k.Public().ParamSet() != ps {
				t.Fatal("ParamSet")
			}
			wantSig := OIDSignature256
			if ps.Size == 64 {
				wantSig = OIDSignature512
			}
			if !k.Public().SignatureAlgorithm().Equal(wantSig) {
				t.Fatal("SignatureAlgorithm")
			}
			msg := []byte("kcr " + ps.Name)
			sig, err := k.Sign(rand.Reader, msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != 2*ps.Size {
				t.Fatalf("signature is %d bytes", len(sig))
			}
			pub := k.Public()
			if err := pub.Verify(msg, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			t.Run("tampered", func(t *testing.T) {
				if err := pub.Verify(append(msg, '!'), sig); !errors.Is(err, ErrVerification) {
					t.Errorf("tampered message: %v", err)
				}
				for _, i := range []int{0, ps.Size - 1, ps.Size, 2*ps.Size - 1} {
					bad := bytes.Clone(sig)
					bad[i] ^= 0x01
					if err := pub.Verify(msg, bad); !errors.Is(err, ErrVerification) {
						t.Errorf("signature byte %d flipped: %v", i, err)
					}
				}
				if err := pub.Verify(msg, sig[1:]); !errors.Is(err, ErrVerification) {
					t.Errorf("short signature: %v", err)
				}
				zero := make([]byte, len(sig))
				if err := pub.Verify(msg, zero); !errors.Is(err, ErrVerification) {
					t.Errorf("zero signature: %v", err)
				}
				other, _ := GenerateKey(rand.Reader, ps)
				if err := other.Public().Verify(msg, sig); !errors.Is(err, ErrVerification) {
					t.Errorf("other key: %v", err)
				}
			})
			t.Run("nonces differ", func(t *testing.T) {
				sig2, err := k.Sign(rand.Reader, msg)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Equal(sig, sig2) {
					t.Error("two signatures of one message are equal")
				}
			})
			t.Run("spki", func(t *testing.T) {
				spki, err := pub.MarshalSPKI()
				if err != nil {
					t.Fatal(err)
				}
				back, err := ParseSPKI(spki)
				if err != nil {
					t.Fatal(err)
				}
				if !back.Equal(pub) || !bytes.Equal(back.Raw(), pub.Raw()) {
					t.Fatal("SPKI round trip changed the key")
				}
				if err := VerifySignature(spki, pub.SignatureAlgorithm(), msg, sig); err != nil {
					t.Fatal(err)
				}
				otherAlg := OIDSignature512
				if ps.Size == 64 {
					otherAlg = OIDSignature256
				}
				if err := VerifySignature(spki, otherAlg, msg, sig); err == nil || !strings.Contains(err.Error(), "does not match") {
					t.Errorf("signature algorithm of the other size: %v", err)
				}
				testParseSPKIRefusals(t, ps, spki)
			})
			t.Run("pkcs8", func(t *testing.T) {
				der, err := k.MarshalPKCS8()
				if err != nil {
					t.Fatal(err)
				}
				back, err := ParsePKCS8(der)
				if err != nil {
					t.Fatal(err)
				}
				if !back.Public().Equal(pub) || back.dInt().Cmp(k.dInt()) != 0 {
					t.Fatal("PKCS#8 round trip changed the key")
				}
				testPKCS8Encodings(t, k)
			})
		})
	}
}

// buildSPKI assembles an SPKI from parts, to feed ParseSPKI things MarshalSPKI would never write.
func buildSPKI(keyOID asn1.ObjectIdentifier, params func(*cryptobyte.Builder), key []byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(keyOID)
			if params != nil {
				params(b)
			}
		})
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddASN1OctetString(key)
		})
	})
	return b.BytesOrPanic()
}

func oids(list ...asn1.ObjectIdentifier) func(*cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, o := range list {
				b.AddASN1ObjectIdentifier(o)
			}
		})
	}
}

func testParseSPKIRefusals(t *testing.T, ps *ParamSet, good []byte) {
	pub, err := ParseSPKI(good)
	if err != nil {
		t.Fatal(err)
	}
	raw := pub.Raw()
	n := ps.Size
	flipY := bytes.Clone(raw)
	flipY[n+3] ^= 0x40
	var other *ParamSet // a set of the other size
	for _, o := range productionSets() {
		if o.Size != ps.Size {
			other = o
			break
		}
	}
	wrongDigest := OIDDigest512
	if ps.Size == 64 {
		wrongDigest = OIDDigest256
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecSPKI, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	keyOID := ps.keyOID()

	// Both digest-OID forms parse, whatever the set (RFC 9215 §4.2 plus lenience towards old writers).
	for _, form := range [][]asn1.ObjectIdentifier{{ps.OID}, {ps.OID, ps.digestOID()}} {
		if k, err := ParseSPKI(buildSPKI(keyOID, oids(form...), raw)); err != nil || !k.Equal(pub) {
			t.Errorf("params %v: %v", form, err)
		}
	}

	cases := []struct {
		name, want string
		der        []byte
	}{
		{"point not on curve", "not on the curve", buildSPKI(keyOID, oids(ps.OID), flipY)},
		{"truncated key", "bytes", buildSPKI(keyOID, oids(ps.OID), raw[:len(raw)-1])},
		{"long key", "bytes", buildSPKI(keyOID, oids(ps.OID), append(bytes.Clone(raw), 0))},
		{"unknown paramset", "1.2.643.7.1.2.1.1.99", buildSPKI(keyOID, oids(asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 99}), raw)},
		{"paramset of other size", "bit", buildSPKI(keyOID, oids(other.OID), raw)},
		{"wrong digest", "digest", buildSPKI(keyOID, oids(ps.OID, wrongDigest), raw)},
		{"three params", "more than", buildSPKI(keyOID, oids(ps.OID, ps.digestOID(), ps.digestOID()), raw)},
		{"NULL params", "parameters", buildSPKI(keyOID, func(b *cryptobyte.Builder) { b.AddASN1NULL() }, raw)},
		{"absent params", "parameters", buildSPKI(keyOID, nil, raw)},
		{"GOST 2001", "2001", buildSPKI(oidPublicKey2001, oids(ps.OID), raw)},
		{"ECDSA P-256", "1.2.840.10045.2.1", ecSPKI},
		{"trailing data", "single", append(bytes.Clone(good), 0)},
		{"empty", "single", nil},
		{"zero point", "not on the curve", buildSPKI(keyOID, oids(ps.OID), make([]byte, 2*n))},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := ParseSPKI(c.der)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// A point on a cofactor-4 curve but outside the order-q subgroup is refused: G plus a point of order 2.
func TestParseSPKIRefusesSmallSubgroup(t *testing.T) {
	for _, name := range []string{"tc26-256-A", "tc26-512-C"} {
		t.Run(name, func(t *testing.T) {
			ps, _ := ParamSetByName(name)
			// q times an arbitrary curve point lies in the order-4 part; take the first x that gives one
			// other than infinity and add it to G.
			c := ps.curve
			var small affine
			for x := big.NewInt(1); ; x.Add(x, big.NewInt(1)) {
				rhs := new(big.Int).Mul(x, x)
				rhs.Add(rhs, c.A)
				rhs.Mul(rhs, x)
				rhs.Add(rhs, c.B)
				rhs.Mod(rhs, c.P)
				y := new(big.Int).ModSqrt(rhs, c.P)
				if y == nil {
					continue
				}
				small = ps.scalarMult(c.Q, affine{x: new(big.Int).Set(x), y: y})
				if !small.inf {
					break
				}
			}
			bad := ps.add(affine{x: c.X, y: c.Y}, small)
			if bad.inf || !ps.onCurve(bad.x, bad.y) {
				t.Fatal("test point construction failed")
			}
			raw := append(leBytes(bad.x, ps.Size), leBytes(bad.y, ps.Size)...)
			_, err := ParseSPKI(buildSPKI(ps.keyOID(), oids(ps.OID), raw))
			if err == nil || !strings.Contains(err.Error(), "subgroup") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// buildPKCS8 assembles a PrivateKeyInfo with the given privateKey contents.
func buildPKCS8(ps *ParamSet, version int64, priv []byte, extra func(*cryptobyte.Builder)) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(version)
		ps.addAlgorithmIdentifier(b)
		b.AddASN1OctetString(priv)
		if extra != nil {
			extra(b)
		}
	})
	return b.BytesOrPanic()
}

func testPKCS8Encodings(t *testing.T, k *PrivateKey) {
	ps := k.ps
	le := leBytes(k.dInt(), ps.Size)
	wrap := func(tag cbasn1.Tag, body []byte) []byte {
		b := cryptobyte.NewBuilder(nil)
		b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(body) })
		return b.BytesOrPanic()
	}
	intDER := cryptobyte.NewBuilder(nil)
	intDER.AddASN1BigInt(k.dInt())
	qDER := cryptobyte.NewBuilder(nil)
	qDER.AddASN1BigInt(ps.curve.Q)
	// A mask m: store d*m^-1 mod q and m, which multiply back to d.
	m := big.NewInt(0x1234567)
	masked := new(big.Int).ModInverse(m, ps.curve.Q)
	masked.Mul(masked, k.dInt()).Mod(masked, ps.curve.Q)
	maskedRaw := append(leBytes(masked, ps.Size), leBytes(m, ps.Size)...)
	dPlusQ := new(big.Int).Add(k.dInt(), ps.curve.Q)

	good := []struct {
		name string
		der  []byte
	}{
		{"raw little-endian (engine)", buildPKCS8(ps, 0, le, nil)},
		{"OCTET STRING", buildPKCS8(ps, 0, wrap(cbasn1.OCTET_STRING, le), nil)},
		{"INTEGER", buildPKCS8(ps, 0, intDER.BytesOrPanic(), nil)},
		{"raw masked", buildPKCS8(ps, 0, maskedRaw, nil)},
		{"masked SEQUENCE", buildPKCS8(ps, 0, wrap(cbasn1.SEQUENCE, append(wrap(cbasn1.OCTET_STRING, maskedRaw), wrap(cbasn1.OCTET_STRING, k.Public().Raw())...)), nil)},
		{"version 1 with public key", buildPKCS8(ps, 1, le, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddUint8(0); b.AddBytes(k.Public().Raw()) })
		})},
	}
	if dPlusQ.BitLen() <= ps.Size*8 {
		good = append(good, struct {
			name string
			der  []byte
		}{"unreduced scalar", buildPKCS8(ps, 0, leBytes(dPlusQ, ps.Size), nil)})
	}
	for _, c := range good {
		t.Run("reads "+c.name, func(t *testing.T) {
			got, err := ParsePKCS8(c.der)
			if err != nil {
				t.Fatal(err)
			}
			if got.dInt().Cmp(k.dInt()) != 0 || !got.Public().Equal(k.Public()) {
				t.Fatal("different key")
			}
		})
	}
	testPS, _ := ParamSetByName("test-256")
	if ps.Size == 64 {
		testPS, _ = ParamSetByName("tc26-512-test")
	}
	bad := []struct {
		name, want string
		der        []byte
	}{
		{"zero", "zero", buildPKCS8(ps, 0, make([]byte, ps.Size), nil)},
		{"q", "zero", buildPKCS8(ps, 0, qDER.BytesOrPanic(), nil)},
		// One byte short; it starts as a one-byte BOOLEAN so that random bytes never read as one DER value.
		{"short", "neither", buildPKCS8(ps, 0, append([]byte{0x01, 0x01}, le[2:ps.Size-1]...), nil)},
		{"short OCTET STRING", "want", buildPKCS8(ps, 0, wrap(cbasn1.OCTET_STRING, le[1:]), nil)},
		{"version 2", "version", buildPKCS8(ps, 2, le, nil)},
		{"test set", "test", buildPKCS8(testPS, 0, le, nil)},
		{"trailing", "single", append(buildPKCS8(ps, 0, le, nil), 0)},
		{"trailing field", "trailing", buildPKCS8(ps, 0, le, func(b *cryptobyte.Builder) { b.AddASN1Int64(7) })},
	}
	for _, c := range bad {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := ParsePKCS8(c.der)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestEncryptedPKCS8(t *testing.T) {
	ps, _ := ParamSetByName("tc26-256-A")
	k, err := GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("correct horse")
	pemBytes, err := EncryptPKCS8PEM(k, pass, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pemBytes, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")) {
		t.Fatalf("PEM header: %.40s", pemBytes)
	}
	t.Run("round trip", func(t *testing.T) {
		back, err := DecryptPKCS8PEM(pemBytes, pass)
		if err != nil {
			t.Fatal(err)
		}
		if back.dInt().Cmp(k.dInt()) != 0 {
			t.Fatal("different key")
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		// Several wrong passphrases, so the 1-in-256 valid-padding case is likely exercised too.
		for _, p := range []string{"", "correct horsf", "x", "Correct horse", "correct horse "} {
			_, err := DecryptPKCS8PEM(pemBytes, []byte(p))
			if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "wrong passphrase or corrupted key") {
				t.Errorf("%q: %v", p, err)
			}
		}
	})
	t.Run("corrupted", func(t *testing.T) {
		der := readPEMBytes(t, pemBytes)
		last := bytes.Clone(der)
		last[len(last)-1] ^= 1
		_, err := DecryptPKCS8PEM(toPEM("ENCRYPTED PRIVATE KEY", last), pass)
		if !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("flipped last byte: %v", err)
		}
	})
	t.Run("refuses", func(t *testing.T) {
		plain, _ := k.MarshalPKCS8()
		for name, in := range map[string][]byte{
			"not PEM":      []byte("hello"),
			"plain PKCS#8": toPEM("PRIVATE KEY", plain),
			"garbage DER":  toPEM("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x01, 0x00}),
			"nil input":    nil,
		} {
			if _, err := DecryptPKCS8PEM(in, pass); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
		if _, err := EncryptPKCS8PEM(k, nil, rand.Reader); err == nil {
			t.Error("empty passphrase accepted for encryption")
		}
	})
}

// Keys are shared by concurrent requests in the CA; run with -race to check that signing and verifying
// keep no shared scratch space (the comb tables are built once, under sync.Once).
func TestConcurrentUse(t *testing.T) {
	ps, _ := ParamSetByName("tc26-256-A")
	k, err := GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Go(func() {
			msg := []byte{byte(i)}
			sig, err := k.Sign(rand.Reader, msg)
			if err == nil {
				err = k.Public().Verify(msg, sig)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A random source that fails must fail Sign, not yield a signature with a predictable nonce.
func TestSignNeedsRandomness(t *testing.T) {
	ps, _ := ParamSetByName("tc26-256-B")
	k, _ := GenerateKey(rand.Reader, ps)
	if _, err := k.Sign(bytes.NewReader(nil), []byte("m")); err == nil {
		t.Error("Sign with an empty reader succeeded")
	}
	if _, err := k.Sign(nil, []byte("m")); err == nil {
		t.Error("Sign with a nil reader succeeded")
	}
	// A constant reader still gives different nonces for different messages (hedging).
	zeros := func() *bytes.Reader { return bytes.NewReader(make([]byte, 64)) }
	s1, err1 := k.Sign(zeros(), []byte("a"))
	s2, err2 := k.Sign(zeros(), []byte("b"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if bytes.Equal(s1[32:], s2[32:]) {
		t.Error("same r (same nonce) for two messages under a constant random source")
	}
}

// A precomputed key accepts and refuses exactly what the same key does without the table, on every
// set (Weierstrass and Edwards forms), with Precompute racing Verify.
func TestPrecomputedVerify(t *testing.T) {
	for _, ps := range productionSets() {
		t.Run(ps.Name, func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(rand.Reader, ps)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := newPublicKey(ps, k.Public().Raw())
			if err != nil {
				t.Fatal(err)
			}
			pre, _ := newPublicKey(ps, k.Public().Raw())
			other, _ := GenerateKey(rand.Reader, ps)
			var wg sync.WaitGroup
			for i := range 8 {
				msg := make([]byte, 100+i)
				_, _ = rand.Read(msg)
				sig, err := k.Sign(rand.Reader, msg)
				if err != nil {
					t.Fatal(err)
				}
				wrongKey, _ := other.Sign(rand.Reader, msg)
				bad := bytes.Clone(msg)
				bad[i] ^= 1
				wg.Go(func() {
					if i%2 == 0 {
						pre.Precompute()
					}
					for _, c := range []struct {
						msg, sig []byte
						ok       bool
					}{{msg, sig, true}, {bad, sig, false}, {msg, wrongKey, false}} {
						for name, pub := range map[string]*PublicKey{"plain": plain, "precomputed": pre} {
							if err := pub.Verify(c.msg, c.sig); (err == nil) != c.ok {
								t.Errorf("%s key: Verify = %v, want ok %v", name, err, c.ok)
							}
						}
					}
				})
			}
			wg.Wait()
			if pre.pre.table.Load() == nil {
				t.Fatal("Precompute built no table")
			}
		})
	}
}
