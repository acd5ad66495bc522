package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// server is a kcr serve running in this process through the same entry point as the binary.
type server struct {
	base   string
	key    string
	cancel context.CancelFunc
	done   chan int
	out    *bytes.Buffer
}

// startServer runs "kcr serve" with args and waits until it listens.
func startServer(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{cancel: cancel, done: make(chan int, 1), out: &bytes.Buffer{}}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), pw, io.Discard,
			func(k string) string { return env[k] })
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(60 * time.Second)
	for s.base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("kcr serve exited before listening:\n%s", s.out)
			}
			s.out.WriteString(l + "\n")
			if rest, ok := strings.CutPrefix(l, "kcr listening on "); ok {
				s.base = strings.Fields(rest)[0]
			}
		case <-timeout:
			t.Fatalf("kcr serve did not start:\n%s", s.out)
		}
	}
	go func() {
		for range lines {
		}
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *server) stop(t *testing.T) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("kcr serve exited with %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Error("kcr serve did not shut down")
	}
}

// call sends a request with the API key and decodes a JSON answer into out (when non-nil).
func (s *server) call(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return code, out.String() + errOut.String()
}

type app struct {
	ID             string   `json:"id"`
	State          string   `json:"state"`
	AllowedActions []string `json:"allowed_actions"`
	History        []struct {
		Action string `json:"action"`
		Actor  string `json:"actor"`
	} `json:"history"`
}

// TestEndToEnd starts kcr on a temporary data folder with the demo, walks a new application from draft to
// approved through the HTTP API with the demo API key, follows it in the event feed, then checks the audit
// chain with "kcr audit verify" — and that the command notices a tampered row.
func TestEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		data := t.TempDir()
		endToEnd(t, data, map[string]string{"KCR_DATA": data}, "sqlite", "file:"+filepath.Join(data, storage.SQLiteFile))
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := testdb.PostgresURL(t)
		data := t.TempDir()
		endToEnd(t, data, map[string]string{"KCR_DATA": data, "KCR_DB": dbURL}, "pgx", dbURL)
	})
}

// endToEnd runs the walk on the database the environment names; driver and dsn reach it behind kcr's back.
func endToEnd(t *testing.T, data string, env map[string]string, driver, dsn string) {
	env["KCR_METRICS_TOKEN"] = "e2e-metrics-token-0123"
	s := startServer(t, env, "--demo")
	if !strings.Contains(s.out.String(), "demo users") {
		t.Fatalf("no demo users printed:\n%s", s.out)
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	s.key = strings.TrimSpace(string(raw))
	if !strings.Contains(s.out.String(), s.key) {
		t.Fatal("the API key printed at start-up differs from the one in demo-api-key")
	}

	resp, err := http.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// The web interface is served by the same binary, in Russian.
	resp, err = http.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "<h1>Вход</h1>") {
		t.Fatalf("login page: %d %.300s", resp.StatusCode, page)
	}
	// The МЧД registry stand-in's status page is public (no login): 404 for a number it does not know.
	resp, err = http.Get(s.base + "/registry/mchd/status?guid=0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(page), "не найдена") {
		t.Fatalf("МЧД status page: %d %.300s", resp.StatusCode, page)
	}

	// Start following the feed from now.
	var feed struct {
		NextCursor string `json:"next_cursor"`
	}
	s.call(t, "GET", "/api/v1/events?limit=200", nil, 200, &feed)
	for {
		var more struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		s.call(t, "GET", "/api/v1/events?limit=200&after="+feed.NextCursor, nil, 200, &more)
		if len(more.Items) == 0 {
			break
		}
		feed.NextCursor = more.NextCursor
	}

	var orgs struct {
		Items []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
			Name string `json:"name"`
			INN  string `json:"inn"`
		} `json:"items"`
	}
	s.call(t, "GET", "/api/v1/organizations", nil, 200, &orgs)
	if len(orgs.Items) != 4 {
		t.Fatalf("demo has %d organizations, want 4", len(orgs.Items))
	}
	org := orgs.Items[0]

	var emp struct {
		ID string `json:"id"`
	}
	s.call(t, "POST", "/api/v1/employees", map[string]any{"organization_id": org.ID, "surname": "Тестов", "given_name": "Тест",
		"patronymic": "Тестович", "birth_date": "1990-03-15", "snils": "112-233-445 95", "inn": "500100732259",
		"email": "testov@example.ru", "phone": "+7 916 123-45-67", "position": "инженер",
		"document": map[string]any{"type": "passport_rf", "series": "4512", "number": "654321", "issue_date": "2012-04-01",
			"issuer": "ОУФМС России по г. Москве", "issuer_code": "770-045"}}, 201, &emp)

	// The employee's crypto tool is OpenSSL with the GOST engine; its request's subject is ignored.
	o := ossltest.New(t)
	work := t.TempDir()
	o.Run(t, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:TCA", "-out", filepath.Join(work, "key.pem"))
	o.Run(t, "req", "-new", "-key", filepath.Join(work, "key.pem"), "-subj", "/CN=whatever", "-out", filepath.Join(work, "req.pem"))
	csr, err := os.ReadFile(filepath.Join(work, "req.pem"))
	if err != nil {
		t.Fatal(err)
	}

	var a app
	s.call(t, "POST", "/api/v1/applications", map[string]any{"employee_id": emp.ID, "kind": "individual"}, 201, &a)
	s.call(t, "POST", "/api/v1/applications/"+a.ID+"/submit", nil, 200, &a)
	s.call(t, "POST", "/api/v1/applications/"+a.ID+"/submit", nil, 200, &a)
	if a.State != "identity_verification" {
		t.Fatalf("state %s", a.State)
	}
	s.call(t, "POST", "/api/v1/applications/"+a.ID+"/verify-identity", map[string]any{"method": "in_person_workplace",
		"document": "паспорт РФ 4512 654321"}, 200, &a)
	req, _ := http.NewRequest("POST", s.base+"/api/v1/applications/"+a.ID+"/csr", bytes.NewReader(csr))
	req.Header.Set("Content-Type", "application/x-pem-file")
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("csr: %v %v", resp, err)
	}
	resp.Body.Close()
	s.call(t, "POST", "/api/v1/applications/"+a.ID+"/approve", nil, 200, &a)
	if a.State != "approved" || len(a.History) != 6 {
		t.Fatalf("approved application: %+v", a)
	}

	// Search finds it by the organization's ИНН and by the employee's СНИЛС.
	var found struct{ Items []app }
	s.call(t, "GET", "/api/v1/applications?inn="+org.INN+"&state=approved&snils=11223344595", nil, 200, &found)
	if len(found.Items) != 1 || found.Items[0].ID != a.ID {
		t.Fatalf("search: %+v", found.Items)
	}

	// The feed shows every step, in order.
	var events struct {
		Items []struct {
			Type     string         `json:"type"`
			ObjectID string         `json:"object_id"`
			Data     map[string]any `json:"data"`
		} `json:"items"`
	}
	s.call(t, "GET", "/api/v1/events?after="+feed.NextCursor, nil, 200, &events)
	var steps []string
	for _, ev := range events.Items {
		if ev.ObjectID == a.ID {
			step := ev.Type
			if to, ok := ev.Data["to"].(string); ok {
				step += ":" + to
			}
			steps = append(steps, step)
		}
	}
	want := "application.created,application.state_changed:documents,application.state_changed:identity_verification," +
		"application.state_changed:identity_verification,application.csr_uploaded,application.state_changed:approved"
	if strings.Join(steps, ",") != want {
		t.Fatalf("feed:\n%s\nwant\n%s", strings.Join(steps, ","), want)
	}

	certificateLifecycle(t, s, o, work, a.ID)

	// Metrics count the requests just made.
	mreq, _ := http.NewRequest("GET", s.base+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer "+env["KCR_METRICS_TOKEN"])
	resp, err = http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `kcr_http_requests_total{code="201",route="POST /api/v1/applications"} 1`) {
		t.Fatalf("metrics do not count the application POST:\n%.2000s", metrics)
	}

	s.stop(t)

	// A restart on the same data loads no second demo and keeps everything.
	s2 := startServer(t, env, "--demo")
	if !strings.Contains(s2.out.String(), "nothing loaded") {
		t.Fatalf("second start:\n%s", s2.out)
	}
	s2.key = s.key
	s2.call(t, "GET", "/api/v1/applications/"+a.ID, nil, 200, &a)
	s2.stop(t)

	if code, out := runCmd(t, env, "migrate"); code != 0 || !strings.Contains(out, "schema is at version") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	code, out := runCmd(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify: %d %s", code, out)
	}

	// Tamper with one audit row behind kcr's back.
	raw2, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw2.Exec(`UPDATE audit_events SET actor = 'user:intruder' WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	raw2.Close()
	code, out = runCmd(t, env, "audit", "verify")
	if code != 1 || !strings.Contains(out, "broken at event 7") {
		t.Fatalf("tampered audit verify: %d %s", code, out)
	}
}

// certificateLifecycle issues the approved application's certificate, checks it against the chain and the
// CRL the server publishes with OpenSSL, asks the running OCSP responder with openssl ocsp, revokes it
// through the API and sees OCSP and the CRL say so at once.
func certificateLifecycle(t *testing.T, s *server, o *ossltest.Tool, work, appID string) {
	var issued struct {
		State             string `json:"state"`
		CertificateSerial string `json:"certificate_serial"`
	}
	s.call(t, "POST", "/api/v1/applications/"+appID+"/issue", nil, 200, &issued)
	if issued.State != "issued" || issued.CertificateSerial == "" {
		t.Fatalf("issue: %+v", issued)
	}
	serial := issued.CertificateSerial
	get := func(path, accept string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", s.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+s.key)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	file := func(name string, data []byte) string {
		f := filepath.Join(work, name)
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	chain := get("/api/v1/certificates/"+serial, "application/pem-certificate-chain")
	if n := strings.Count(string(chain), "BEGIN CERTIFICATE"); n != 3 {
		t.Fatalf("the PEM chain has %d certificates, want the certificate, the issuing CA and the root", n)
	}
	ee := file("ee.der", get("/api/v1/certificates/"+serial, "application/pkix-cert"))
	eePEM := file("ee.pem", []byte(o.Run(t, "x509", "-inform", "DER", "-in", ee)))
	// The CA certificates and CRLs come from the public URLs written into the certificate.
	text := o.Run(t, "x509", "-in", eePEM, "-noout", "-text")
	for _, want := range []string{s.base + "/crl/kcr-ca.crl", "OCSP - URI:" + s.base + "/ocsp", "CA Issuers - URI:" + s.base + "/ca/kcr-ca.crt",
		"SNILS = 11223344595", "INN = 500100732259"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the certificate lacks %q:\n%s", want, text)
		}
	}
	issuing := file("issuing.pem", []byte(o.Run(t, "x509", "-inform", "DER", "-in", file("issuing.der", get("/ca/kcr-ca.crt", "")))))
	root := file("root.pem", []byte(o.Run(t, "x509", "-inform", "DER", "-in", file("root.der", get("/ca/kcr-root.crt", "")))))
	cas := file("cas.pem", append(must(os.ReadFile(root)), must(os.ReadFile(issuing))...))
	crls := func() string {
		issuingCRL := o.Run(t, "crl", "-inform", "DER", "-in", file("issuing.crl", get("/crl/kcr-ca.crl", "")))
		rootCRL := o.Run(t, "crl", "-inform", "DER", "-in", file("root.crl", get("/crl/kcr-root.crl", "")))
		return file("crls.pem", []byte(issuingCRL+rootCRL))
	}
	if out := o.Run(t, "verify", "-crl_check_all", "-CAfile", cas, "-CRLfile", crls(), eePEM); !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify -crl_check_all: %s", out)
	}
	ocsp := func() string {
		t.Helper()
		return o.Run(t, "ocsp", "-url", s.base+"/ocsp", "-issuer", issuing, "-cert", eePEM, "-CAfile", cas)
	}
	if out := ocsp(); !strings.Contains(out, ": good") || !strings.Contains(out, "Response verify OK") {
		t.Fatalf("openssl ocsp before revocation: %s", out)
	}
	s.call(t, "POST", "/api/v1/certificates/"+serial+"/revoke", map[string]any{"reason": "key_compromise"}, 200, nil)
	if out := ocsp(); !strings.Contains(out, ": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
		t.Fatalf("openssl ocsp after revocation: %s", out)
	}
	out, err := o.Try(nil, "verify", "-crl_check", "-CAfile", cas, "-CRLfile", crls(), eePEM)
	if err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("openssl verify -crl_check after revocation: %v %s", err, out)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad addr", nil, []string{"serve", "--addr", "localhost"}, "--addr"},
		{"bad port", nil, []string{"serve", "--addr", "127.0.0.1:99999"}, "port"},
		{"bad metrics addr", nil, []string{"serve", "--metrics-addr", "metrics"}, "--metrics-addr"},
		{"short metrics token", map[string]string{"KCR_METRICS_TOKEN": "short"}, []string{"serve"}, "KCR_METRICS_TOKEN"},
		{"bad db url", nil, []string{"serve", "--db", "mysql://x"}, "--db"},
		{"bad env bool", map[string]string{"KCR_DEMO": "yes please"}, []string{"serve"}, "KCR_DEMO"},
		{"bad env db", map[string]string{"KCR_DB": "sqlite:///tmp/x"}, []string{"migrate"}, "--db"},
		{"stray argument", nil, []string{"migrate", "now"}, "unexpected argument"},
		{"unknown flag", nil, []string{"serve", "--colour"}, "colour"},
		{"unknown command", nil, []string{"launch"}, "unknown command"},
		{"audit without verify", nil, []string{"audit"}, "usage"},
		{"validity too long", nil, []string{"serve", "--cert-validity-months", "100"}, "--cert-validity-months"},
		{"key usage shorter than validity", nil, []string{"serve", "--key-usage-months", "6"}, "--key-usage-months"},
		{"issuer sign tool of three parts", nil, []string{"serve", "--issuer-sign-tool", "a|b|c"}, "--issuer-sign-tool"},
		{"bad env months", map[string]string{"KCR_CERT_VALIDITY_MONTHS": "a year"}, []string{"serve"}, "KCR_CERT_VALIDITY_MONTHS"},
		{"bad cutoff date", nil, []string{"serve", "--cutoff-employees", "1 September"}, "--cutoff-employees"},
		{"cutoffs out of order", map[string]string{"KCR_CUTOFF_LEGACY": "2020-01-01"}, []string{"serve"}, "out of order"},
		{"stale age too short", nil, []string{"serve", "--issue-stale-after", "10ms"}, "--issue-stale-after"},
		{"bad env reconcile period", map[string]string{"KCR_RECONCILE_EVERY": "hourly"}, []string{"serve"}, "KCR_RECONCILE_EVERY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(context.Background(), tc.args, &out, &out, func(k string) string { return tc.env[k] })
			if code != 2 || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d, output %q; want exit 2 mentioning %q", code, out.String(), tc.want)
			}
		})
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"KCR_DATA": data}
	if code, out := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", out)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(data, storage.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, out := runCmd(t, env, "serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("version %d", 999)) || !strings.Contains(out, "upgrade kcr") {
		t.Fatalf("serve on a newer schema: exit %d, %s", code, out)
	}
}
