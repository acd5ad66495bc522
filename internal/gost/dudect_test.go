//go:build dudect

package gost

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestDudect is a statistical constant-time check in the style of dudect (Reparaz, Balasch and
// Verbauwhede, "Dude, is my code constant time?", DATE 2017): it times an operation on inputs of two
// classes, a fixed one and random ones, interleaved at random, and runs Welch's t-test on the two
// timing distributions, uncropped, cropped at 100 percentiles (dudect's set, which drops the slow tail
// where interrupts and GC live) and second-order (centered squares). A |t| that stays below the
// threshold says no difference was seen in that many measurements; a large one says the time depends
// on the secret. Not in CI: it needs a quiet machine and minutes. Run it with scripts/gost-dudect.
//
// Targets, exported API only:
//   - Sign with a fixed key and a fixed nonce (a fixed rand stream; the nonce is hedged from rand, the
//     key and the digest, the message is the same for both classes) against random keys and nonces;
//   - GenerateKey, i.e. the base-point scalar multiplication d*G, with a fixed d against random d.
//
// As dudect advises, the fixed class takes an extreme value where the API lets the test choose it: the
// fixed key is d = 1 and GenerateKey's fixed rand stream is Size-byte chunks each reading 1 big-endian
// (d = 1 today, still a single set bit if read little-endian). The nonce cannot be chosen: it is
// derived inside Sign.
//
// Knobs: KCR_DUDECT_DURATION per target (default 60s), KCR_DUDECT_T the |t| threshold (default 4.5,
// TVLA's; dudect itself only calls 10 "probably not constant time").
func TestDudect(t *testing.T) {
	duration := 60 * time.Second
	if s := os.Getenv("KCR_DUDECT_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("KCR_DUDECT_DURATION: %v", err)
		}
		duration = d
	}
	threshold := 4.5
	if s := os.Getenv("KCR_DUDECT_T"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("KCR_DUDECT_T: %v", err)
		}
		threshold = v
	}
	for _, set := range []string{"tc26-256-A", "tc26-512-A"} {
		ps, _ := ParamSetByName(set)
		t.Run("Sign/"+set, func(t *testing.T) { dudectRun(t, newDudectSign(t, ps), duration, threshold) })
		t.Run("GenerateKey/"+set, func(t *testing.T) { dudectRun(t, newDudectKeygen(t, ps), duration, threshold) })
	}
}

// dudectTarget prepares one measurement's input outside the timed region and runs it inside; run
// reports false when the measurement must be dropped.
type dudectTarget interface {
	prepare(class int) (input any)
	run(input any) bool
}

const (
	dudectBatch       = 500  // measurements prepared, then taken, at a time
	dudectWarmup      = 50   // first measurements thrown away
	dudectPercentiles = 100  // cropping thresholds, as in dudect
	dudectEnough      = 1000 // per class, before a test counts (dudect: 10,000; our operations are slower)
)

// dudectTTest is Welch's t-test over two classes, with online means and variances (Welford).
type dudectTTest struct {
	n, mean, m2 [2]float64
}

func (w *dudectTTest) push(x float64, class int) {
	w.n[class]++
	d := x - w.mean[class]
	w.mean[class] += d / w.n[class]
	w.m2[class] += d * (x - w.mean[class])
}

func (w *dudectTTest) t() float64 {
	v0 := w.m2[0] / (w.n[0] - 1)
	v1 := w.m2[1] / (w.n[1] - 1)
	return (w.mean[0] - w.mean[1]) / math.Sqrt(v0/w.n[0]+v1/w.n[1])
}

func dudectRun(t *testing.T, target dudectTarget, duration time.Duration, threshold float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		tests       [1 + dudectPercentiles + 1]dudectTTest // uncropped, cropped, second order
		percentiles []float64
		dropped     int
	)
	classes := make([]int, dudectBatch)
	inputs := make([]any, dudectBatch)
	times := make([]float64, dudectBatch)
	kept := make([]bool, dudectBatch)
	start := time.Now()
	for first := true; time.Since(start) < duration; first = false {
		for i := range classes {
			classes[i] = rng.IntN(2)
			inputs[i] = target.prepare(classes[i])
		}
		runtime.GC() // collect between batches rather than inside a measurement
		for i := range classes {
			t0 := time.Now()
			kept[i] = target.run(inputs[i])
			times[i] = float64(time.Since(t0).Nanoseconds())
		}
		from := 0
		if first {
			from = dudectWarmup
			percentiles = dudectCropThresholds(times[from:])
		}
		for i := from; i < len(times); i++ {
			if !kept[i] {
				dropped++
				continue
			}
			x, c := times[i], classes[i]
			tests[0].push(x, c)
			for p, limit := range percentiles {
				if x < limit {
					tests[1+p].push(x, c)
				}
			}
			if tests[0].n[0] > dudectEnough {
				centered := x - tests[0].mean[c]
				tests[len(tests)-1].push(centered*centered, c)
			}
		}
	}
	best, maxT := -1, 0.0
	for i := range tests {
		if tests[i].n[0] < dudectEnough || tests[i].n[1] < dudectEnough {
			continue
		}
		if v := math.Abs(tests[i].t()); v > maxT || best < 0 {
			best, maxT = i, v
		}
	}
	if best < 0 {
		t.Fatalf("too few measurements in %v (%.0f fixed, %.0f random): raise KCR_DUDECT_DURATION",
			duration, tests[0].n[0], tests[0].n[1])
	}
	which := "uncropped"
	switch {
	case best == len(tests)-1:
		which = "second order"
	case best > 0:
		which = fmt.Sprintf("cropped below %.0f µs", percentiles[best-1]/1e3)
	}
	n := tests[best].n[0] + tests[best].n[1]
	t.Logf("%.0f measurements (%d dropped); mean fixed %.1f µs, random %.1f µs; max |t| = %.2f (%s, %.0f measurements), tau = %.5f",
		tests[0].n[0]+tests[0].n[1], dropped, tests[0].mean[0]/1e3, tests[0].mean[1]/1e3, maxT, which, n, maxT/math.Sqrt(n))
	if maxT >= threshold {
		t.Errorf("max |t| = %.2f >= %.1f: the time depends on the secret input", maxT, threshold)
	}
}

// dudectCropThresholds are dudect's cropping points: the 1 - 0.5^(10(i+1)/100) quantiles.
func dudectCropThresholds(times []float64) []float64 {
	sorted := slices.Sorted(slices.Values(times))
	out := make([]float64, dudectPercentiles)
	for i := range out {
		q := 1 - math.Pow(0.5, 10*float64(i+1)/dudectPercentiles)
		out[i] = sorted[int(q*float64(len(sorted)-1))]
	}
	return out
}

// dudectPool is how many key objects each class draws from, the same for both so that memory layout
// does not tell the classes apart.
const dudectPool = 256

// dudectSign times Sign: class 0 the key d = 1 (as many copies as the random class has keys) with one
// rand stream, so one nonce; class 1 random keys with random rand streams.
type dudectSign struct {
	fixed, random []*PrivateKey
	entropy       []byte // the fixed class's rand stream
	msg           []byte
	rng           *rand.ChaCha8
}

type dudectSignInput struct {
	key  *PrivateKey
	rand *bytes.Reader
}

func newDudectSign(t *testing.T, ps *ParamSet) *dudectSign {
	d := &dudectSign{rng: rand.NewChaCha8([32]byte{'d', 'u', 'd', 'e', 'c', 't'}), msg: make([]byte, 1024)}
	key, err := GenerateKey(d.rng, ps)
	if err != nil {
		t.Fatal(err)
	}
	der := wPKCS8(t, key, big.NewInt(1))
	for range dudectPool {
		copyKey, err := ParsePKCS8(der)
		if err != nil {
			t.Fatal(err)
		}
		d.fixed = append(d.fixed, copyKey)
		k, err := GenerateKey(d.rng, ps)
		if err != nil {
			t.Fatal(err)
		}
		d.random = append(d.random, k)
	}
	d.entropy = make([]byte, 64)
	_, _ = d.rng.Read(d.entropy)
	_, _ = d.rng.Read(d.msg)
	return d
}

func (d *dudectSign) prepare(class int) any {
	i := int(d.rng.Uint64() % dudectPool)
	if class == 0 {
		return dudectSignInput{d.fixed[i], bytes.NewReader(d.entropy)}
	}
	stream := make([]byte, len(d.entropy))
	_, _ = d.rng.Read(stream)
	return dudectSignInput{d.random[i], bytes.NewReader(stream)}
}

func (d *dudectSign) run(input any) bool {
	in := input.(dudectSignInput)
	if _, err := in.key.Sign(in.rand, d.msg); err != nil {
		panic(err)
	}
	return true
}

// dudectKeygen times GenerateKey: class 0 one rand stream, so one d, class 1 random streams. d is
// drawn by rejection sampling, and how many candidates were refused is public (it is independent of
// the d kept), so a measurement is dropped unless GenerateKey read exactly as many bytes as for the
// fixed d.
type dudectKeygen struct {
	ps    *ParamSet
	fixed []byte
	need  int
	rng   *rand.ChaCha8
}

// dudectCountingReader counts what is read from it.
type dudectCountingReader struct {
	r    io.Reader
	read int
}

func (c *dudectCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func newDudectKeygen(t *testing.T, ps *ParamSet) *dudectKeygen {
	d := &dudectKeygen{ps: ps, rng: rand.NewChaCha8([32]byte{'k', 'e', 'y', 'g', 'e', 'n'})}
	one := make([]byte, ps.Size)
	one[ps.Size-1] = 1
	d.fixed = bytes.Repeat(one, 16) // room for refused candidates, should a reading refuse 1
	c := &dudectCountingReader{r: bytes.NewReader(d.fixed)}
	if _, err := GenerateKey(c, ps); err != nil {
		t.Fatal(err)
	}
	d.need = c.read
	return d
}

func (d *dudectKeygen) prepare(class int) any {
	// Both classes read from a fresh copy, so that neither has its input at one cache-warm address.
	stream := make([]byte, len(d.fixed))
	if class == 1 {
		_, _ = d.rng.Read(stream)
	} else {
		copy(stream, d.fixed)
	}
	return &dudectCountingReader{r: bytes.NewReader(stream)}
}

func (d *dudectKeygen) run(input any) bool {
	c := input.(*dudectCountingReader)
	if _, err := GenerateKey(c, d.ps); err != nil {
		if c.read < len(d.fixed) {
			panic(err)
		}
		return false // every candidate in the stream refused
	}
	return c.read == d.need
}
