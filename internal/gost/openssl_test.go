package gost

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ossltest"
)

// The OpenSSL GOST engine's names for the sets (genpkey -pkeyopt paramset:NAME). The engine accepts
// A/B/C for the CryptoPro 256-bit sets and TCA..TCD for the TC26 ones, but for 512-bit keys A/B/C mean
// the TC26 sets; "D" is refused for 256-bit keys.
var opensslParamSets = []struct{ set, algorithm, name string }{
	{"tc26-256-A", "gost2012_256", "TCA"},
	{"tc26-256-B", "gost2012_256", "TCB"},
	{"tc26-256-C", "gost2012_256", "TCC"},
	{"tc26-256-D", "gost2012_256", "TCD"},
	{"cryptopro-A", "gost2012_256", "A"},
	{"cryptopro-B", "gost2012_256", "B"},
	{"cryptopro-C", "gost2012_256", "C"},
	{"cryptopro-XchA", "gost2012_256", "XA"},
	{"cryptopro-XchB", "gost2012_256", "XB"},
	{"tc26-512-A", "gost2012_512", "A"},
	{"tc26-512-B", "gost2012_512", "B"},
	{"tc26-512-C", "gost2012_512", "C"},
}

func TestOpenSSLOracle(t *testing.T) {
	o := ossltest.New(t)
	if len(opensslParamSets) != len(generatedSets()) {
		t.Fatal("the table above misses a set")
	}
	for _, c := range opensslParamSets {
		t.Run(c.set, func(t *testing.T) {
			t.Parallel()
			ps, _ := ParamSetByName(c.set)
			dir := t.TempDir()
			path := func(name string) string { return filepath.Join(dir, name) }
			read := func(name string) []byte {
				b, err := os.ReadFile(path(name))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			md := "-md_gost12_256"
			if ps.Size == 64 {
				md = "-md_gost12_512"
			}

			// (a) an OpenSSL key: its SPKI and its PKCS#8 parse and agree.
			o.Run(t, "genpkey", "-algorithm", c.algorithm, "-pkeyopt", "paramset:"+c.name, "-out", path("key.pem"))
			o.Run(t, "pkey", "-in", path("key.pem"), "-pubout", "-outform", "DER", "-out", path("pub.der"))
			pub, err := ParseSPKI(read("pub.der"))
			if err != nil {
				t.Fatalf("ParseSPKI(OpenSSL's SPKI): %v", err)
			}
			if pub.ParamSet() != ps {
				t.Fatalf("OpenSSL's paramset:%s is %s here, want %s", c.name, pub.ParamSet().Name, ps.Name)
			}
			theirs, err := ParsePKCS8(readPEMBytes(t, read("key.pem")))
			if err != nil {
				t.Fatalf("ParsePKCS8(OpenSSL's key): %v", err)
			}
			if !theirs.Public().Equal(pub) {
				t.Fatal("OpenSSL's private key does not give OpenSSL's public key here: scalar byte order?")
			}
			// Our PKCS#8 of their key is byte for byte theirs: same AlgorithmIdentifier, raw LE scalar.
			// (Except tc26-512-A/B, for which the engine still writes the digest OID RFC 9215 drops.)
			if ours, _ := theirs.MarshalPKCS8(); !bytes.Equal(ours, readPEMBytes(t, read("key.pem"))) &&
				ps.Name != "tc26-512-A" && ps.Name != "tc26-512-B" {
				t.Errorf("MarshalPKCS8 differs from the engine's encoding")
			}

			t.Run("OpenSSL CSR verifies here", func(t *testing.T) {
				o.Run(t, "req", "-new", "-key", path("key.pem"), "-subj", "/CN=x", "-outform", "DER", "-out", path("req.der"))
				csr := splitSigned(t, read("req.der"))
				if err := VerifySignature(csrSPKI(t, csr.tbs), csr.sigAlg, csr.tbs, csr.sig); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("OpenSSL dgst signature", func(t *testing.T) {
				msg := []byte("message for " + ps.Name)
				if err := os.WriteFile(path("msg"), msg, 0o600); err != nil {
					t.Fatal(err)
				}
				o.Run(t, "dgst", md, "-binary", "-out", path("digest"), path("msg"))
				if !bytes.Equal(read("digest"), ps.digest(msg)) {
					t.Fatalf("Streebog differs from OpenSSL's %s", md)
				}
				o.Run(t, "dgst", md, "-sign", path("key.pem"), "-out", path("dgst.sig"), path("msg"))
				sig := read("dgst.sig")
				// dgst -sign writes the raw signature in the certificate order (s || r, big-endian).
				if err := pub.Verify(msg, sig); err != nil {
					t.Fatalf("OpenSSL's dgst signature does not verify as s||r: %v", err)
				}
				n := ps.Size
				if err := pub.Verify(msg, append(bytes.Clone(sig[n:]), sig[:n]...)); err == nil {
					t.Fatal("OpenSSL's dgst signature also verifies as r||s")
				}
				// And dgst -verify takes ours the same way.
				ourSig, err := theirs.Sign(rand.Reader, msg)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path("our.sig"), ourSig, 0o600); err != nil {
					t.Fatal(err)
				}
				out := o.Run(t, "dgst", md, "-verify", path("pub.der"), "-signature", path("our.sig"), path("msg"))
				if !strings.Contains(out, "Verified OK") {
					t.Fatalf("openssl dgst -verify: %s", out)
				}
			})

			t.Run("our CSR verifies in OpenSSL", func(t *testing.T) {
				k, err := GenerateKey(rand.Reader, ps)
				if err != nil {
					t.Fatal(err)
				}
				der := selfSignedCSR(t, k, func(m []byte) ([]byte, error) { return k.Sign(rand.Reader, m) })
				if err := os.WriteFile(path("our.der"), der, 0o600); err != nil {
					t.Fatal(err)
				}
				out := o.Run(t, "req", "-inform", "DER", "-in", path("our.der"), "-verify", "-noout")
				if !strings.Contains(out, "verify OK") {
					t.Fatalf("openssl req -verify: %s", out)
				}
				// A tampered signature must fail there too, or the check above proves nothing.
				bad := bytes.Clone(der)
				bad[len(bad)-1] ^= 1
				if err := os.WriteFile(path("bad.der"), bad, 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := o.Try(nil, "req", "-inform", "DER", "-in", path("bad.der"), "-verify", "-noout"); err == nil && strings.Contains(out, "verify OK") {
					t.Fatalf("openssl verified a tampered request: %s", out)
				}
				// Our unencrypted PKCS#8 is read by OpenSSL as the same key.
				p8, _ := k.MarshalPKCS8()
				if err := os.WriteFile(path("our.pem"), toPEM("PRIVATE KEY", p8), 0o600); err != nil {
					t.Fatal(err)
				}
				o.Run(t, "pkey", "-in", path("our.pem"), "-pubout", "-outform", "DER", "-out", path("ourpub.der"))
				if got, err := ParseSPKI(read("ourpub.der")); err != nil || !got.Equal(k.Public()) {
					t.Fatalf("OpenSSL derives another public key from our PKCS#8 (%v)", err)
				}
			})

			t.Run("encrypted keys", func(t *testing.T) {
				k, err := GenerateKey(rand.Reader, ps)
				if err != nil {
					t.Fatal(err)
				}
				enc, err := EncryptPKCS8PEM(k, []byte("s3cret pass"), rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path("enc.pem"), enc, 0o600); err != nil {
					t.Fatal(err)
				}
				o.Run(t, "pkey", "-in", path("enc.pem"), "-passin", "pass:s3cret pass", "-pubout", "-outform", "DER", "-out", path("encpub.der"))
				if got, err := ParseSPKI(read("encpub.der")); err != nil || !got.Equal(k.Public()) {
					t.Fatalf("OpenSSL reads another key from our encrypted PEM (%v)", err)
				}
				if out, err := o.Try(nil, "pkey", "-in", path("enc.pem"), "-passin", "pass:wrong", "-noout"); err == nil {
					t.Fatalf("OpenSSL read our key with a wrong passphrase: %s", out)
				}

				o.Run(t, "genpkey", "-algorithm", c.algorithm, "-pkeyopt", "paramset:"+c.name, "-aes256", "-pass", "pass:x y", "-out", path("openssl-enc.pem"))
				o.Run(t, "pkey", "-in", path("openssl-enc.pem"), "-passin", "pass:x y", "-pubout", "-outform", "DER", "-out", path("openssl-encpub.der"))
				want, err := ParseSPKI(read("openssl-encpub.der"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := DecryptPKCS8PEM(read("openssl-enc.pem"), []byte("x y"))
				if err != nil {
					t.Fatalf("DecryptPKCS8PEM(OpenSSL's -aes256 key): %v", err)
				}
				if !got.Public().Equal(want) {
					t.Fatal("decrypted OpenSSL key differs")
				}
				if _, err := DecryptPKCS8PEM(read("openssl-enc.pem"), []byte("x z")); err == nil {
					t.Fatal("wrong passphrase accepted")
				}
			})
		})
	}
}
