package gost

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcr-project/kcr/internal/ossltest"
)

// The RFC 9215 examples (testdata/rfc9215/README.md): private keys d and the GOST R 34.10-2012 example
// nonces k, all big-endian as printed.
var rfcExamples = []struct {
	name, paramSet, d, k string
}{
	{"ex1", "test-256", "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
		"77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3"},
	{"ex2", "tc26-256-A", "3A929ADE789BB9BE10ED359DD39A72C10B87C83F80BE18B85C041F4325B62EC1", ""},
	{"ex3", "tc26-512-test", "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
		"0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1"},
}

func rfcFile(name string) string { return ossltest.Testdata("rfc9215", name) }

func rfcKey(t *testing.T, paramSet, d string) *PrivateKey {
	t.Helper()
	ps, ok := ParamSetByName(paramSet)
	if !ok {
		t.Fatalf("no parameter set %s", paramSet)
	}
	k, err := newPrivateKey(ps, hexInt(d))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRFC9215Examples(t *testing.T) {
	for _, ex := range rfcExamples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			key := rfcKey(t, ex.paramSet, ex.d)
			cert := splitSigned(t, readPEM(t, rfcFile(ex.name+".crt.pem"), "CERTIFICATE"))
			spki := certSPKI(t, cert.tbs)

			pub, err := ParseSPKI(spki)
			if err != nil {
				t.Fatalf("ParseSPKI: %v", err)
			}
			if pub.ParamSet().Name != ex.paramSet {
				t.Fatalf("parameter set %s, want %s", pub.ParamSet().Name, ex.paramSet)
			}
			if !pub.Equal(key.Public()) {
				t.Fatal("certificate key is not d*G for the published d")
			}
			// Our canonical encoding is the RFC's, digest OID presence included.
			if again, err := pub.MarshalSPKI(); err != nil || !bytes.Equal(again, spki) {
				t.Fatalf("MarshalSPKI does not reproduce the certificate's SPKI (%v)\n got %x\nwant %x", err, again, spki)
			}

			t.Run("certificate", func(t *testing.T) {
				if err := VerifySignature(spki, cert.sigAlg, cert.tbs, cert.sig); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("csr", func(t *testing.T) {
				csr := splitSigned(t, readPEM(t, rfcFile(ex.name+".csr.pem"), "CERTIFICATE REQUEST"))
				csrKey := csrSPKI(t, csr.tbs)
				if !bytes.Equal(csrKey, spki) {
					t.Fatal("CSR and certificate keys differ")
				}
				if err := VerifySignature(csrKey, csr.sigAlg, csr.tbs, csr.sig); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("crl", func(t *testing.T) {
				crl := splitSigned(t, readPEM(t, rfcFile(ex.name+".crl.pem"), "X509 CRL"))
				if err := VerifySignature(spki, crl.sigAlg, crl.tbs, crl.sig); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("wrong conventions fail", func(t *testing.T) {
				n := pub.ParamSet().Size
				swapped := append(append([]byte{}, cert.sig[n:]...), cert.sig[:n]...) // r then s
				if err := pub.Verify(cert.tbs, swapped); !errors.Is(err, ErrVerification) {
					t.Errorf("r||s verified: %v", err)
				}
				// Reading the digest big-endian is verifying over the reversed hash output.
				if err := pub.verifyDigest(reversed(pub.ps.digest(cert.tbs)), cert.sig); !errors.Is(err, ErrVerification) {
					t.Errorf("big-endian digest verified: %v", err)
				}
				// And the key read big-endian is not even a curve point.
				raw := pub.Raw()
				if _, err := newPublicKey(pub.ps, append(reversed(raw[:n]), reversed(raw[n:])...)); err == nil {
					t.Error("big-endian coordinates parsed as a valid key")
				}
			})
			t.Run("precomputed", func(t *testing.T) {
				pre, err := ParseSPKI(spki)
				if err != nil {
					t.Fatal(err)
				}
				pre.Precompute()
				if err := pre.Verify(cert.tbs, cert.sig); err != nil {
					t.Fatal(err)
				}
				n := pre.ParamSet().Size
				swapped := append(append([]byte{}, cert.sig[n:]...), cert.sig[:n]...)
				if err := pre.Verify(cert.tbs, swapped); !errors.Is(err, ErrVerification) {
					t.Errorf("r||s verified: %v", err)
				}
			})
			t.Run("resign", func(t *testing.T) {
				if ex.k == "" {
					t.Skip("RFC 9215 publishes no nonce for this example")
				}
				nonce, _ := hex.DecodeString(ex.k)
				sig, err := signWithNonce(key, cert.tbs, nonce)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(sig, cert.sig) {
					t.Fatalf("re-signed TBS differs from the published signature\n got %x\nwant %x", sig, cert.sig)
				}
			})
		})
	}
}

// The GOST R 34.10-2012 signature of the RFC's ex1 TBS decomposes as the README says: s first, then r,
// and r is the x coordinate of k*G mod q for the published k.
func TestSignatureLayout(t *testing.T) {
	ex := rfcExamples[0]
	key := rfcKey(t, ex.paramSet, ex.d)
	cert := splitSigned(t, readPEM(t, rfcFile("ex1.crt.pem"), "CERTIFICATE"))
	kG, err := newPrivateKey(key.ps, hexInt(ex.k))
	if err != nil {
		t.Fatal(err)
	}
	r := new(big.Int).Mod(new(big.Int).SetBytes(kG.Public().xy[:key.ps.Size]), key.ps.curve.Q)
	if got := new(big.Int).SetBytes(cert.sig[32:]); got.Cmp(r) != 0 {
		t.Fatalf("second half of the signature is %x, want r = %x", got, r)
	}
}

// Streebog against RFC 6986 §10.1 M1: the hash output bytes are the RFC's printed value reversed.
func TestStreebogVectors(t *testing.T) {
	m1 := []byte("012345678901234567890123456789012345678901234567890123456789012")
	cases := []struct {
		name string
		got  []byte
		rfc  string // as printed in RFC 6986, most significant byte first
	}{
		{"512", Digest512(m1), "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"},
		{"256", Digest256(m1), "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, _ := hex.DecodeString(c.rfc)
			if !bytes.Equal(c.got, reversed(want)) {
				t.Fatalf("got %x, want reversed %s", c.got, c.rfc)
			}
		})
	}
	h := NewStreebog256()
	h.Write(m1[:10])
	h.Write(m1[10:])
	if !bytes.Equal(h.Sum(nil), Digest256(m1)) {
		t.Fatal("NewStreebog256 streaming differs from Digest256")
	}
}

// The README promises the files are there; a missing file should fail loudly, not skip.
func TestRFCFilesPresent(t *testing.T) {
	matches, _ := filepath.Glob(rfcFile("ex*.pem"))
	if len(matches) != 9 {
		t.Fatalf("found %d RFC 9215 example files, want 9", len(matches))
	}
	if _, err := os.Stat(rfcFile("README.md")); err != nil {
		t.Fatal(err)
	}
}
