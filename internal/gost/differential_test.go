package gost

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ossltest"
)

// The differential test checks kcr's GOST R 34.10-2012 and Streebog against OpenSSL's GOST engine, an
// implementation nobody here wrote, on random keys and messages for every parameter set kcr generates
// keys for: (a) kcr's keys and signatures verify in OpenSSL and OpenSSL derives the same public key
// from kcr's private key, (b) OpenSSL's keys parse here to the same point and OpenSSL's signatures
// verify here, (c) one flipped bit in a signature or its message is refused by both. It uses only the
// package's exported API, so it checks whatever implementation sits behind it.
//
// OpenSSL runs in batches: a tiny C program against libcrypto (testdata/gostbatch.c, built once per run
// when cc and the libssl headers are there) answers many requests in one process; without them every
// request is one openssl command, all of a batch in one sh process.
//
// kcr's side is reproducible: the keys, messages and nonces come from a seed printed on failure and
// taken back from KCR_GOSTDIFF_SEED. OpenSSL's keys and nonces come from its own generator, so a
// failure involving them prints the key, message and signature in full instead.

const (
	diffKeysPerSide = 8 // per parameter set: kcr keys, then as many OpenSSL keys
	diffMsgsPerKey  = 4
	diffMaxMsgLen   = 4096
)

// diffBoundaryLens are message lengths at Streebog's 64-byte block edges, drawn half of the time.
var diffBoundaryLens = []int{0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 255, 256, 1023, 1024, 4031, 4032, 4095, 4096}

func TestDifferentialOpenSSL(t *testing.T) {
	ossltest.New(t)
	o := newDiffOracle(t)
	seed := diffSeed(t)
	if len(opensslParamSets) != len(generatedSets()) {
		t.Fatal("opensslParamSets misses a set")
	}
	for _, c := range opensslParamSets {
		t.Run(c.set, func(t *testing.T) {
			t.Parallel()
			ps, _ := ParamSetByName(c.set)
			src := rand.NewChaCha8(diffSubSeed(seed, c.set))
			d := &diffRun{t: t, o: o, ps: ps, alg: c.algorithm, paramset: c.name, md: "md_gost12_256",
				src: src, rng: rand.New(src)}
			if ps.Size == 64 {
				d.md = "md_gost12_512"
			}
			d.run()
		})
	}
}

// diffSeed is KCR_GOSTDIFF_SEED or a fresh random seed, logged if the test fails.
func diffSeed(t *testing.T) uint64 {
	var seed uint64
	if s := os.Getenv("KCR_GOSTDIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KCR_GOSTDIFF_SEED: %v", err)
		}
		seed = v
	} else {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce kcr's side with KCR_GOSTDIFF_SEED=%d", seed)
		}
	})
	return seed
}

// diffSubSeed gives each parameter set its own stream, so one set's failure reproduces alone.
func diffSubSeed(seed uint64, name string) [32]byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	copy(s[8:], name)
	return s
}

// diffRun is one parameter set's share of the test.
type diffRun struct {
	t                 *testing.T
	o                 *diffOracle
	ps                *ParamSet
	alg, paramset, md string
	src               *rand.ChaCha8 // the bytes kcr's keys and nonces are made of
	rng               *rand.Rand    // the same stream, for lengths and indices
}

// diffSig is a signed message and the same with one bit flipped in the signature or the message.
type diffSig struct {
	key            int // index into the keys of the side that signed
	msg, sig       []byte
	badMsg, badSig []byte
	flipped        string
}

func (d *diffRun) message() []byte {
	n := d.rng.IntN(diffMaxMsgLen + 1)
	if d.rng.IntN(2) == 0 {
		n = diffBoundaryLens[d.rng.IntN(len(diffBoundaryLens))]
	}
	m := make([]byte, n)
	for i := range m {
		m[i] = byte(d.rng.Uint32())
	}
	return m
}

// tamper flips one random bit of the signature, or of the message half of the time when there is one.
func (d *diffRun) tamper(s *diffSig) {
	s.badMsg, s.badSig = s.msg, bytes.Clone(s.sig)
	if len(s.msg) > 0 && d.rng.IntN(2) == 0 {
		s.badMsg = bytes.Clone(s.msg)
		bit := d.rng.IntN(8 * len(s.msg))
		s.badMsg[bit/8] ^= 1 << (bit % 8)
		s.flipped = fmt.Sprintf("message bit %d", bit)
		return
	}
	bit := d.rng.IntN(8 * len(s.sig))
	s.badSig[bit/8] ^= 1 << (bit % 8)
	s.flipped = fmt.Sprintf("signature bit %d", bit)
}

func (d *diffRun) run() {
	t, ps := d.t, d.ps

	// kcr's keys and signatures.
	var ours []*PrivateKey
	var ourSigs []diffSig
	for i := range diffKeysPerSide {
		k, err := GenerateKey(d.src, ps)
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, k)
		for range diffMsgsPerKey {
			s := diffSig{key: i, msg: d.message()}
			if s.sig, err = k.Sign(d.src, s.msg); err != nil {
				t.Fatal(err)
			}
			d.tamper(&s)
			ourSigs = append(ourSigs, s)
		}
	}

	// Batch 1: OpenSSL derives the public keys of kcr's private keys, hashes kcr's messages, checks kcr's
	// signatures and tampered signatures, and generates its own keys.
	var ops []diffOp
	for _, k := range ours {
		der, err := k.MarshalPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, diffOp{kind: "pub", key: der})
	}
	for _, s := range ourSigs {
		spki, err := ours[s.key].Public().MarshalSPKI()
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops,
			diffOp{kind: "digest", md: d.md, msg: s.msg},
			diffOp{kind: "verify", md: d.md, pub: spki, msg: s.msg, sig: s.sig},
			diffOp{kind: "verify", md: d.md, pub: spki, msg: s.badMsg, sig: s.badSig})
	}
	for range diffKeysPerSide {
		ops = append(ops, diffOp{kind: "gen", alg: d.alg, paramset: d.paramset})
	}
	res := d.o.do(t, ops)

	for i, k := range ours {
		got, err := ParseSPKI(res[i].pub)
		if err != nil || !got.Equal(k.Public()) {
			p8, _ := k.MarshalPKCS8()
			t.Errorf("(a) OpenSSL derives another public key from kcr's private key (%v)\nPKCS#8 %x\nkcr  %x\nOpenSSL SPKI %x",
				err, p8, k.Public().Raw(), res[i].pub)
		}
	}
	res = res[len(ours):]
	for i, s := range ourSigs {
		digest, good, bad := res[3*i], res[3*i+1], res[3*i+2]
		if want := ps.digest(s.msg); !bytes.Equal(digest.digest, want) {
			t.Errorf("Streebog differs from OpenSSL's %s on a %d-byte message\nmessage %x\nkcr     %x\nOpenSSL %x",
				d.md, len(s.msg), s.msg, want, digest.digest)
		}
		if !good.ok {
			t.Errorf("(a) OpenSSL refuses kcr's signature on a %d-byte message\nkey %x\nmessage %x\nsignature %x",
				len(s.msg), ours[s.key].Public().Raw(), s.msg, s.sig)
		}
		if bad.ok {
			t.Errorf("(c) OpenSSL accepts kcr's signature with %s flipped", s.flipped)
		}
		if err := ours[s.key].Public().Verify(s.badMsg, s.badSig); !errors.Is(err, ErrVerification) {
			t.Errorf("(c) kcr accepts its own signature with %s flipped: %v", s.flipped, err)
		}
	}
	res = res[3*len(ourSigs):]

	// OpenSSL's keys: the PKCS#8 and the SPKI parse here to one point (kcr's scalar multiplication of
	// OpenSSL's scalar gives OpenSSL's point).
	var theirs, theirsPre []*PublicKey // theirsPre: the same keys, precomputed
	var theirP8 [][]byte
	for _, r := range res {
		pub, err := ParseSPKI(r.pub)
		if err != nil {
			t.Fatalf("(b) ParseSPKI(OpenSSL's key): %v\nSPKI %x", err, r.pub)
		}
		prv, err := ParsePKCS8(r.key)
		if err != nil {
			t.Fatalf("(b) ParsePKCS8(OpenSSL's key): %v\nPKCS#8 %x", err, r.key)
		}
		if !prv.Public().Equal(pub) {
			t.Errorf("(b) kcr derives another public key from OpenSSL's private key\nPKCS#8 %x\nOpenSSL %x\nkcr     %x",
				r.key, pub.Raw(), prv.Public().Raw())
		}
		pre, _ := ParseSPKI(r.pub)
		pre.Precompute()
		theirs = append(theirs, pub)
		theirsPre = append(theirsPre, pre)
		theirP8 = append(theirP8, r.key)
	}

	// Batch 2: OpenSSL signs; kcr verifies and refuses the tampered copies.
	ops = ops[:0]
	var theirSigs []diffSig
	for i := range theirs {
		for range diffMsgsPerKey {
			s := diffSig{key: i, msg: d.message()}
			theirSigs = append(theirSigs, s)
			ops = append(ops, diffOp{kind: "sign", md: d.md, key: theirP8[i], msg: s.msg})
		}
	}
	res = d.o.do(t, ops)
	ops = ops[:0]
	for i := range theirSigs {
		s := &theirSigs[i]
		s.sig = res[i].sig
		d.tamper(s)
		pub := theirs[s.key]
		if err := pub.Verify(s.msg, s.sig); err != nil {
			t.Errorf("(b) kcr refuses OpenSSL's signature on a %d-byte message: %v\nPKCS#8 %x\nmessage %x\nsignature %x",
				len(s.msg), err, theirP8[s.key], s.msg, s.sig)
		}
		if err := pub.Verify(s.badMsg, s.badSig); !errors.Is(err, ErrVerification) {
			t.Errorf("(c) kcr accepts OpenSSL's signature with %s flipped: %v", s.flipped, err)
		}
		if err := theirsPre[s.key].Verify(s.msg, s.sig); err != nil {
			t.Errorf("(b) kcr refuses OpenSSL's signature with the precomputed key: %v\nPKCS#8 %x\nmessage %x\nsignature %x",
				err, theirP8[s.key], s.msg, s.sig)
		}
		if err := theirsPre[s.key].Verify(s.badMsg, s.badSig); !errors.Is(err, ErrVerification) {
			t.Errorf("(c) kcr accepts OpenSSL's signature with %s flipped with the precomputed key: %v", s.flipped, err)
		}
		spki, _ := pub.MarshalSPKI()
		ops = append(ops, diffOp{kind: "verify", md: d.md, pub: spki, msg: s.badMsg, sig: s.badSig})
	}
	// Batch 3: OpenSSL refuses the same tampered copies, or (c) would prove nothing about the oracle.
	for i, r := range d.o.do(t, ops) {
		if r.ok {
			t.Errorf("(c) OpenSSL accepts its own signature with %s flipped", theirSigs[i].flipped)
		}
	}
}

// diffOp is one OpenSSL request; the fields used depend on kind (see testdata/gostbatch.c).
type diffOp struct {
	kind, alg, paramset, md string
	key, pub, msg, sig      []byte
}

// diffResult is an answer: gen fills key and pub, pub fills pub, sign sig, verify ok, digest digest.
type diffResult struct {
	key, pub, sig, digest []byte
	ok                    bool
}

// diffOracle runs batches of requests through gostbatch, or through openssl commands in one shell.
type diffOracle struct {
	batch   string // the built gostbatch, or "" for the shell
	openssl string
	conf    string
	dir     string
}

func newDiffOracle(t *testing.T) *diffOracle {
	o := &diffOracle{conf: ossltest.Config(), dir: t.TempDir()}
	var err error
	if o.openssl, err = exec.LookPath("openssl"); err != nil {
		t.Fatal(err)
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Log("no cc: OpenSSL runs one process per operation")
		return o
	}
	bin := filepath.Join(o.dir, "gostbatch")
	src, err := filepath.Abs(filepath.Join("testdata", "gostbatch.c"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cc, "-O2", "-o", bin, src, "-lcrypto").CombinedOutput()
	if err != nil {
		t.Logf("gostbatch does not build (libssl-dev missing?): OpenSSL runs one process per operation\n%s", out)
		return o
	}
	o.batch = bin
	return o
}

func (o *diffOracle) do(t *testing.T, ops []diffOp) []diffResult {
	t.Helper()
	if o.batch == "" {
		return o.doShell(t, ops)
	}
	hx := func(b []byte) string {
		if len(b) == 0 {
			return "-"
		}
		return hex.EncodeToString(b)
	}
	var in strings.Builder
	for _, op := range ops {
		switch op.kind {
		case "gen":
			fmt.Fprintf(&in, "gen %s %s\n", op.alg, op.paramset)
		case "pub":
			fmt.Fprintf(&in, "pub %s\n", hx(op.key))
		case "sign":
			fmt.Fprintf(&in, "sign %s %s %s\n", op.md, hx(op.key), hx(op.msg))
		case "verify":
			fmt.Fprintf(&in, "verify %s %s %s %s\n", op.md, hx(op.pub), hx(op.msg), hx(op.sig))
		case "digest":
			fmt.Fprintf(&in, "digest %s %s\n", op.md, hx(op.msg))
		}
	}
	cmd := exec.Command(o.batch)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+o.conf)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gostbatch: %v\n%s", err, stderr.Bytes())
	}
	var res []diffResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "ok" || i >= len(ops) {
			t.Fatalf("gostbatch answers %q to request %d (%s)", sc.Text(), i, ops[min(i, len(ops)-1)].kind)
		}
		unhx := func(s string) []byte {
			if s == "-" {
				return nil
			}
			b, err := hex.DecodeString(s)
			if err != nil {
				t.Fatalf("gostbatch: %v", err)
			}
			return b
		}
		var r diffResult
		switch ops[i].kind {
		case "gen":
			if len(f) != 3 {
				t.Fatalf("gostbatch: %q", sc.Text())
			}
			r.key, r.pub = unhx(f[1]), unhx(f[2])
		case "pub":
			r.pub = unhx(f[1])
		case "sign":
			r.sig = unhx(f[1])
		case "verify":
			r.ok = f[1] == "1"
		case "digest":
			r.digest = unhx(f[1])
		}
		res = append(res, r)
	}
	if len(res) != len(ops) {
		t.Fatalf("gostbatch answered %d of %d requests", len(res), len(ops))
	}
	return res
}

// doShell writes each request's inputs to files, runs one openssl command per request in a single
// sh, and reads the outputs back.
func (o *diffOracle) doShell(t *testing.T, ops []diffOp) []diffResult {
	t.Helper()
	dir, err := os.MkdirTemp(o.dir, "batch")
	if err != nil {
		t.Fatal(err)
	}
	// Paths are quoted as they are: a temp dir and fixed names, no quote inside.
	out := func(i int, ext string) string { return "'" + filepath.Join(dir, fmt.Sprintf("%d.%s", i, ext)) + "'" }
	in := func(i int, ext string, data []byte) string {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.%s", i, ext)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return out(i, ext)
	}
	var sh strings.Builder
	sh.WriteString("set -e\n")
	for i, op := range ops {
		ssl := "'" + o.openssl + "'"
		switch op.kind {
		case "gen":
			fmt.Fprintf(&sh, "%s genpkey -algorithm %s -pkeyopt paramset:%s -outform DER -out %s\n",
				ssl, op.alg, op.paramset, out(i, "key"))
			fmt.Fprintf(&sh, "%s pkey -inform DER -in %s -pubout -outform DER -out %s\n",
				ssl, out(i, "key"), out(i, "pub"))
		case "pub":
			fmt.Fprintf(&sh, "%s pkey -inform DER -in %s -pubout -outform DER -out %s\n",
				ssl, in(i, "in", op.key), out(i, "pub"))
		case "sign":
			fmt.Fprintf(&sh, "%s dgst -%s -keyform DER -sign %s -out %s %s\n",
				ssl, op.md, in(i, "in", op.key), out(i, "sig"), in(i, "msg", op.msg))
		case "verify":
			fmt.Fprintf(&sh, "if %s dgst -%s -keyform DER -verify %s -signature %s %s >/dev/null 2>&1; then echo 1; else echo 0; fi >%s\n",
				ssl, op.md, in(i, "in", op.pub), in(i, "insig", op.sig), in(i, "msg", op.msg), out(i, "ok"))
		case "digest":
			fmt.Fprintf(&sh, "%s dgst -%s -binary -out %s %s\n", ssl, op.md, out(i, "digest"), in(i, "msg", op.msg))
		}
	}
	cmd := exec.Command("sh", "-c", sh.String())
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+o.conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl batch: %v\n%s", err, out)
	}
	read := func(i int, ext string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.%s", i, ext)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	res := make([]diffResult, len(ops))
	for i, op := range ops {
		switch op.kind {
		case "gen":
			res[i].key, res[i].pub = read(i, "key"), read(i, "pub")
		case "pub":
			res[i].pub = read(i, "pub")
		case "sign":
			res[i].sig = read(i, "sig")
		case "verify":
			res[i].ok = strings.TrimSpace(string(read(i, "ok"))) == "1"
		case "digest":
			res[i].digest = read(i, "digest")
		}
	}
	return res
}
