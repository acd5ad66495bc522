package gost

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kcr-project/kcr/internal/ossltest"
)

// The committed seeds live in testdata/fuzz/<FuzzName>/; KCR_WRITE_FUZZ_SEEDS=1 go test -run
// TestWriteFuzzSeeds ./internal/gost/ regenerates them (keys are random, so the files change).

func FuzzParseSPKI(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		pub, err := ParseSPKI(der)
		if err != nil {
			return
		}
		again, err := pub.MarshalSPKI()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSPKI(again)
		if err != nil || !back.Equal(pub) {
			t.Fatalf("accepted SPKI does not survive a round trip: %v", err)
		}
	})
}

func FuzzParsePKCS8(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		k, err := ParsePKCS8(der)
		if err != nil {
			return
		}
		again, err := k.MarshalPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParsePKCS8(again)
		if err != nil || back.d.Cmp(k.d) != 0 || !back.Public().Equal(k.Public()) {
			t.Fatalf("accepted key does not survive a round trip: %v", err)
		}
	})
}

func FuzzDecryptPKCS8PEM(f *testing.F) {
	// PBKDF2 cost is the fuzzer's enemy: keep iteration counts (seeds use 1000 or 2048) small.
	old := maxPBKDF2Iterations
	maxPBKDF2Iterations = 4096
	f.Cleanup(func() { maxPBKDF2Iterations = old })
	f.Fuzz(func(t *testing.T, pemBytes, passphrase []byte) {
		k, err := DecryptPKCS8PEM(pemBytes, passphrase)
		if err != nil {
			return
		}
		if _, err := k.MarshalPKCS8(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpus. It is a generator, not a check: it runs only on request.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("KCR_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set KCR_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	write := func(target, name string, values ...[]byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := func(name string) *PrivateKey {
		ps, _ := ParamSetByName(name)
		k, err := GenerateKey(rand.Reader, ps)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k256, kCP, k512 := key("tc26-256-A"), key("cryptopro-A"), key("tc26-512-C")

	// SPKI: the RFC examples, ours per family, one with the optional digest OID, refusals.
	for _, ex := range []string{"ex1", "ex2", "ex3"} {
		cert := splitSigned(t, readPEM(t, rfcFile(ex+".crt.pem"), "CERTIFICATE"))
		write("FuzzParseSPKI", "rfc9215-"+ex, certSPKI(t, cert.tbs))
	}
	for name, k := range map[string]*PrivateKey{"tc26-256-A": k256, "cryptopro-A": kCP, "tc26-512-C": k512} {
		spki, _ := k.Public().MarshalSPKI()
		write("FuzzParseSPKI", name, spki)
	}
	write("FuzzParseSPKI", "tc26-512-C-with-digest",
		buildSPKI(k512.ps.keyOID(), oids(k512.ps.OID, OIDDigest512), k512.Public().Raw()))
	write("FuzzParseSPKI", "truncated", []byte{0x30, 0x20, 0x30, 0x1f})

	// PKCS#8: every privateKey encoding ParsePKCS8 accepts.
	for name, k := range map[string]*PrivateKey{"tc26-256-A": k256, "cryptopro-A": kCP, "tc26-512-C": k512} {
		der, _ := k.MarshalPKCS8()
		write("FuzzParsePKCS8", name, der)
	}
	inner := cryptobyte.NewBuilder(nil)
	inner.AddASN1OctetString(leBytes(k256.d, 32))
	write("FuzzParsePKCS8", "octet-string", buildPKCS8(k256.ps, 0, inner.BytesOrPanic(), nil))
	integer := cryptobyte.NewBuilder(nil)
	integer.AddASN1BigInt(kCP.d)
	write("FuzzParsePKCS8", "integer", buildPKCS8(kCP.ps, 0, integer.BytesOrPanic(), nil))
	masked := cryptobyte.NewBuilder(nil)
	masked.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1OctetString(append(leBytes(k256.d, 32), leBytes(bigOne, 32)...))
		b.AddASN1OctetString(k256.Public().Raw())
	})
	write("FuzzParsePKCS8", "masked-sequence", buildPKCS8(k256.ps, 0, masked.BytesOrPanic(), nil))

	// Encrypted: ours with a small iteration count, right and wrong passphrase, and an OpenSSL-made file
	// (PBKDF2 2048 iterations).
	enc, err := encryptPKCS8PEM(k256, []byte("pass"), rand.Reader, 1000)
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzDecryptPKCS8PEM", "ours", enc, []byte("pass"))
	write("FuzzDecryptPKCS8PEM", "ours-wrong-pass", enc, []byte("pasS"))
	enc512, _ := encryptPKCS8PEM(k512, []byte("p"), rand.Reader, 1000)
	write("FuzzDecryptPKCS8PEM", "ours-512", enc512, []byte("p"))
	o := ossltest.New(t)
	encPath := filepath.Join(t.TempDir(), "enc.pem")
	o.Run(t, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-aes256", "-pass", "pass:x", "-out", encPath)
	data, err := os.ReadFile(encPath)
	if err != nil {
		t.Fatal(err)
	}
	write("FuzzDecryptPKCS8PEM", "openssl", data, []byte("x"))
	write("FuzzDecryptPKCS8PEM", "garbage", []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"), nil)
}

var bigOne = leInt([]byte{1})

// The seeds are present, so plain `go test` exercises every target on real inputs.
func TestFuzzSeedsPresent(t *testing.T) {
	for _, target := range []string{"FuzzParseSPKI", "FuzzParsePKCS8", "FuzzDecryptPKCS8PEM"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if len(files) < 3 {
			t.Errorf("%s has %d seeds", target, len(files))
		}
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if !bytes.HasPrefix(data, []byte("go test fuzz v1\n")) {
				t.Errorf("%s is not a fuzz corpus file", f)
			}
		}
	}
}
