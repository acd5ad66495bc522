package ca_test

import (
	"bytes"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// gatedRand is the CA's randomness with a gate: while closed, signing (and so publishing a CRL) stops at
// its first read, and entered tells that it did.
type gatedRand struct {
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func (g *gatedRand) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate, g.entered = make(chan struct{}), make(chan struct{}, 1)
}

func (g *gatedRand) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gatedRand) Read(p []byte) (int, error) {
	g.mu.Lock()
	gate, entered := g.gate, g.entered
	g.mu.Unlock()
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	return rand.Read(p)
}

// crlNumber parses a CRL and returns its number.
func crlNumber(t *testing.T, der []byte) int64 {
	t.Helper()
	c, err := x509gost.ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.Number.Int64()
}

// concurrentCRLs asks for the authority's CRL from n goroutines at once and returns the answers once all
// have one; deadlockGuard only keeps a regression from hanging the test run.
func concurrentCRLs(t *testing.T, env *statusEnv, name string, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = env.b.CRL(env.ctx, name) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(deadlockGuard):
		t.Fatalf("CRL requests still waiting after %v: they queue behind the regeneration", deadlockGuard)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

const deadlockGuard = time.Minute

// CRL requests are not serialized (issue 11, defect 5): while one request regenerates the CRL after a
// revocation, every other request gets the previous CRL at once; a batch of revocations makes one new CRL
// number however many requests notice it; without any previous CRL, requests wait for the one being made.
func TestCRLServedDuringRegeneration(t *testing.T) {
	env := newStatusEnv(t)
	certs := []*ca.Issued{env.issue(t), env.issue(t), env.issue(t)}
	g := &gatedRand{}
	env.b.Rand = g // after issuing: from here on only CRLs are signed
	t.Cleanup(g.open)

	first, err := env.b.CRL(env.ctx, ca.IssuingName)
	if err != nil || crlNumber(t, first) != 1 {
		t.Fatalf("first CRL: %v", err)
	}

	if !t.Run("others get the previous CRL while one regenerates", func(t *testing.T) {
		env.clk.Add(time.Minute)
		env.revoke(t, certs[0].Serial, env.clk.Now(), "key_compromise")
		g.close()
		type result struct {
			der []byte
			err error
		}
		leader := make(chan result, 1)
		go func() {
			der, err := env.b.CRL(env.ctx, ca.IssuingName)
			leader <- result{der, err}
		}()
		<-g.entered // the leader is signing, and stays there until the gate opens
		for i, der := range concurrentCRLs(t, env, ca.IssuingName, 50) {
			if !bytes.Equal(der, first) {
				t.Fatalf("request %d got CRL number %d, want the previous one", i, crlNumber(t, der))
			}
		}
		g.open()
		r := <-leader
		if r.err != nil {
			t.Fatal(r.err)
		}
		c := crlOK(t, r.der, env.issuing)
		if c.Number.Int64() != 2 || len(c.Revoked) != 1 {
			t.Fatalf("regenerated CRL number %v with %d entries, want 2 with 1", c.Number, len(c.Revoked))
		}
		again, err := env.b.CRL(env.ctx, ca.IssuingName)
		if err != nil || !bytes.Equal(again, r.der) {
			t.Fatalf("after the regeneration: %v, same CRL %v", err, bytes.Equal(again, r.der))
		}
	}) {
		return
	}

	t.Run("one new number per revocation batch", func(t *testing.T) {
		env.clk.Add(time.Minute)
		for _, c := range certs[1:] {
			env.revoke(t, c.Serial, env.clk.Now(), "superseded")
		}
		for i, der := range concurrentCRLs(t, env, ca.IssuingName, 30) {
			if n := crlNumber(t, der); n != 2 && n != 3 {
				t.Fatalf("request %d got CRL number %d, want 2 (previous) or 3", i, n)
			}
		}
		latest, err := env.db.LatestCRL(env.ctx, ca.IssuingName)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Number != 3 || latest.Revoked != 3 {
			t.Fatalf("latest stored CRL number %d with %d entries, want 3 with 3", latest.Number, latest.Revoked)
		}
		crlOK(t, latest.DER, env.issuing)
	})

	t.Run("without a previous CRL requests wait for the first", func(t *testing.T) {
		g.close()
		go func() {
			<-g.entered
			g.open()
		}()
		answers := concurrentCRLs(t, env, ca.RootName, 20)
		for i, der := range answers {
			if !bytes.Equal(der, answers[0]) {
				t.Fatalf("request %d got another root CRL (number %d)", i, crlNumber(t, der))
			}
		}
		if c := crlOK(t, answers[0], env.root); c.Number.Int64() != 1 {
			t.Fatalf("root CRL number %v, want 1", c.Number)
		}
	})
}
