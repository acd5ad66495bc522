package main

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"database/sql"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// TestCrashDuringIssuance builds the real binary, issues a batch of applications concurrently over HTTP,
// kills the server with SIGKILL as the first certificate comes back (the others are mid-issuance), restarts
// it and retries every issue with its Idempotency-Key until it is done. Then every application is issued
// exactly once with its own serial, no intent is left in flight, each certificate has one billing line, and
// "kcr audit verify" passes.
func TestCrashDuringIssuance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "kcr")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		data := t.TempDir()
		crashIssuance(t, bin, map[string]string{"KCR_DATA": data}, "sqlite", "file:"+filepath.Join(data, storage.SQLiteFile))
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := testdb.PostgresURL(t)
		crashIssuance(t, bin, map[string]string{"KCR_DATA": t.TempDir(), "KCR_DB": dbURL}, "pgx", dbURL)
	})
}

// process is a kcr serve running as a child process.
type process struct {
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	out  bytes.Buffer // stdout and stderr
	done chan struct{}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// startProcess runs "bin serve" on a free loopback port with only env's KCR_ variables and waits until it
// listens.
func startProcess(t *testing.T, bin string, env map[string]string, args ...string) *process {
	t.Helper()
	p := &process{done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KCR_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(p, sc.Text())
			if rest, ok := strings.CutPrefix(sc.Text(), "kcr listening on "); ok {
				listening <- strings.Fields(rest)[0]
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	select {
	case p.base = <-listening:
	case <-p.done:
		t.Fatalf("kcr serve exited before listening:\n%s", p.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("kcr serve did not start:\n%s", p.output())
	}
	return p
}

// kill ends the process with SIGKILL: no shutdown, no clean-up.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// stop ends the process with SIGINT and waits for its graceful shutdown.
func (p *process) stop(t *testing.T) {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Errorf("kcr serve did not shut down:\n%s", p.output())
		p.kill()
	}
}

var crashClient = &http.Client{Timeout: 30 * time.Second}

// send makes one API call and returns the status and body; a transport error (the server was killed) is
// status 0.
func (p *process) send(key, method, path string, body any, header ...string) (int, []byte) {
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/x-pem-file"
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func (p *process) must(t *testing.T, key, method, path string, body any, want int, out any) {
	t.Helper()
	status, raw := p.send(key, method, path, body)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// crashCSR is a fresh employee key's PKCS#10 request.
func crashCSR(t *testing.T) []byte {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(crand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "x", Tag: asn1.TagUTF8String}},
		key, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func crashIssuance(t *testing.T, bin string, env map[string]string, driver, dsn string) {
	const apps = 8
	args := []string{"--demo", "--issue-stale-after", "1s", "--reconcile-every", "200ms"}
	p := startProcess(t, bin, env, args...)
	raw, err := os.ReadFile(filepath.Join(env["KCR_DATA"], "demo-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(raw))
	var orgs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	p.must(t, key, "GET", "/api/v1/organizations", nil, 200, &orgs)
	r := rand.New(rand.NewPCG(11, 3))
	ids := make([]string, apps)
	for i := range ids {
		var emp, a struct {
			ID string `json:"id"`
		}
		p.must(t, key, "POST", "/api/v1/employees", map[string]any{"organization_id": orgs.Items[0].ID, "surname": "Сбоев",
			"given_name": "Тест", "birth_date": "1990-03-15", "snils": requisites.GenerateSNILS(r), "inn": requisites.GenerateINN12(r), "position": "инженер",
			"document": map[string]any{"type": "passport_rf", "series": "4512", "number": fmt.Sprintf("%06d", 100000+i),
				"issue_date": "2012-04-01", "issuer": "ОУФМС России по г. Москве", "issuer_code": "770-045"}}, 201, &emp)
		p.must(t, key, "POST", "/api/v1/applications", map[string]any{"employee_id": emp.ID, "kind": "individual"}, 201, &a)
		for _, step := range []struct {
			path string
			body any
		}{{"/submit", nil}, {"/submit", nil}, {"/verify-identity", map[string]any{"method": "in_person_workplace"}},
			{"/csr", crashCSR(t)}, {"/approve", nil}} {
			p.must(t, key, "POST", "/api/v1/applications/"+a.ID+step.path, step.body, 200, nil)
		}
		ids[i] = a.ID
	}

	// Issue all at once; kill the server as soon as the first certificate comes back.
	first := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := p.send(key, "POST", "/api/v1/applications/"+id+"/issue", nil, "Idempotency-Key", "issue-"+id)
			if status == 200 {
				once.Do(func() { close(first) })
			} else if status != 0 {
				t.Errorf("issue %s: %d %s", id, status, body)
			}
		}()
	}
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatalf("no issue answered:\n%s", p.output())
	}
	p.kill()
	wg.Wait()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inFlight int
	if err := db.QueryRow(`SELECT COUNT(*) FROM issuance_intents WHERE status IN ('pending', 'signed')`).Scan(&inFlight); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d issuances in flight", inFlight)

	// Restart and retry every issue with its key until the application is issued.
	p = startProcess(t, bin, env, args...)
	for _, id := range ids {
		for try := 0; ; try++ {
			status, body := p.send(key, "POST", "/api/v1/applications/"+id+"/issue", nil, "Idempotency-Key", "issue-"+id)
			if status == 200 {
				break
			}
			if status != 409 {
				t.Fatalf("retry of %s: %d %s", id, status, body)
			}
			var a struct {
				State string `json:"state"`
			}
			p.must(t, key, "GET", "/api/v1/applications/"+id, nil, 200, &a)
			if a.State == "issued" {
				break
			}
			if try == 300 {
				t.Fatalf("application %s still %s: %s\n%s", id, a.State, body, p.output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	serials := map[string]bool{}
	for _, id := range ids {
		var a struct {
			State             string `json:"state"`
			CertificateSerial string `json:"certificate_serial"`
		}
		p.must(t, key, "GET", "/api/v1/applications/"+id, nil, 200, &a)
		if a.State != "issued" || a.CertificateSerial == "" || serials[a.CertificateSerial] {
			t.Fatalf("application %s: %+v", id, a)
		}
		serials[a.CertificateSerial] = true
		var certs, lines int
		if err := db.QueryRow(`SELECT COUNT(*) FROM certificates WHERE application_id = `+placeholder(driver, 1), id).Scan(&certs); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM billing_lines WHERE application_id = `+placeholder(driver, 1)+
			` AND certificate_serial = `+placeholder(driver, 2), id, a.CertificateSerial).Scan(&lines); err != nil {
			t.Fatal(err)
		}
		if certs != 1 || lines != 1 {
			t.Fatalf("application %s: %d certificates, %d billing lines, want one each", id, certs, lines)
		}
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM issuance_intents WHERE status IN ('pending', 'signed')`).Scan(&inFlight); err != nil {
		t.Fatal(err)
	}
	if inFlight != 0 {
		t.Fatalf("%d intents still in flight", inFlight)
	}
	p.stop(t)
	cmd := exec.Command(bin, "audit", "verify")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "audit log intact") {
		t.Fatalf("audit verify: %v %s", err, out)
	}
}

func placeholder(driver string, n int) string {
	if driver == "pgx" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
