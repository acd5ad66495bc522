package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value, any percentile", ms(7), 99, 7 * time.Millisecond},
		{"one value, tiny percentile", ms(7), 0.1, 7 * time.Millisecond},
		{"median of four is the second (nearest rank)", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"median of five", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"p95 of 1..100", ms(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p95 of twenty is the nineteenth", ms(hundred[:20]...), 95, 19 * time.Millisecond},
		{"p99 of ten is the maximum", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 50), 99, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Fatalf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	readFile := func(name string) ([]byte, error) {
		switch name {
		case "key.txt":
			return []byte("secret-from-file\n"), nil
		case "empty.txt":
			return []byte("\n"), nil
		}
		return nil, os.ErrNotExist
	}
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string // "" for success
		check   func(t *testing.T, c *config)
	}{
		{name: "defaults", args: []string{"-key", "k"}, check: func(t *testing.T, c *config) {
			if len(c.URLs) != 1 || c.URLs[0] != "http://127.0.0.1:8080" || c.Clients != 1 || c.Duration != 30*time.Second ||
				c.Issuances != 0 || c.Mix != defaultMix || c.CSRPool != 40*30+2 {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "replicas and key file", args: []string{"-url", "http://127.0.0.1:8081/, http://localhost:8082,http://[::1]:8083",
			"-key-file", "key.txt", "-clients", "50", "-issuances", "100"}, check: func(t *testing.T, c *config) {
			want := []string{"http://127.0.0.1:8081", "http://localhost:8082", "http://[::1]:8083"}
			if strings.Join(c.URLs, " ") != strings.Join(want, " ") || c.Key != "secret-from-file" || c.Duration != 0 ||
				c.Issuances != 100 || c.CSRPool != 100 {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "any 127/8 address is loopback", args: []string{"-key", "k", "-url", "http://127.0.0.2:9000"}},
		{name: "mix keeps the names left out", args: []string{"-key", "k", "-mix", "read=5, crl=0"}, check: func(t *testing.T, c *config) {
			if c.Mix != (mix{Issue: 1, Read: 5, OCSP: 2, CRL: 0}) {
				t.Fatalf("%+v", c.Mix)
			}
		}},
		{name: "reads only need no request pool", args: []string{"-key", "k", "-mix", "issue=0"}, check: func(t *testing.T, c *config) {
			if c.CSRPool != 0 {
				t.Fatalf("pool %d", c.CSRPool)
			}
		}},
		{name: "duration and issuances together", args: []string{"-key", "k", "-duration", "5s", "-issuances", "3"}},
		{name: "loopback PostgreSQL", args: []string{"-key", "k", "-pg", "postgres://postgres@127.0.0.1:5432/kcr?sslmode=disable"}},
		{name: "PostgreSQL over a Unix socket folder", args: []string{"-key", "k", "-pg", "postgres://postgres@localhost/kcr?host=/run/postgresql"}},

		{name: "remote host", args: []string{"-key", "k", "-url", "http://example.com"}, wantErr: "not a loopback address"},
		{name: "private address", args: []string{"-key", "k", "-url", "http://192.168.1.10:8080"}, wantErr: "not a loopback address"},
		{name: "a remote one among loopback ones", args: []string{"-key", "k", "-url", "http://127.0.0.1:1,http://10.0.0.1:2"}, wantErr: "not a loopback address"},
		{name: "a name that merely starts with localhost", args: []string{"-key", "k", "-url", "http://localhost.example.com"}, wantErr: "not a loopback address"},
		{name: "unspecified address", args: []string{"-key", "k", "-url", "http://0.0.0.0:8080"}, wantErr: "not a loopback address"},
		{name: "not http", args: []string{"-key", "k", "-url", "ftp://127.0.0.1"}, wantErr: "http://"},
		{name: "no URL", args: []string{"-key", "k", "-url", " , "}, wantErr: "at least one"},
		{name: "remote PostgreSQL", args: []string{"-key", "k", "-pg", "postgres://u@db.example.com/kcr"}, wantErr: "not a loopback address"},
		{name: "remote PostgreSQL by host parameter", args: []string{"-key", "k", "-pg", "postgres://u@127.0.0.1/kcr?host=db.example.com"}, wantErr: "not a loopback address"},
		{name: "PostgreSQL URL of another scheme", args: []string{"-key", "k", "-pg", "mysql://127.0.0.1/kcr"}, wantErr: "postgres://"},
		{name: "no key", args: nil, wantErr: "-key or -key-file"},
		{name: "both keys", args: []string{"-key", "k", "-key-file", "key.txt"}, wantErr: "not both"},
		{name: "missing key file", args: []string{"-key-file", "nope.txt"}, wantErr: "-key-file"},
		{name: "empty key file", args: []string{"-key-file", "empty.txt"}, wantErr: "is empty"},
		{name: "no clients", args: []string{"-key", "k", "-clients", "0"}, wantErr: "-clients"},
		{name: "negative duration", args: []string{"-key", "k", "-duration", "-1s"}, wantErr: "negative"},
		{name: "negative wave interval", args: []string{"-key", "k", "-wave-every", "-1s"}, wantErr: "negative"},
		{name: "issuances without issuing", args: []string{"-key", "k", "-issuances", "5", "-mix", "issue=0"}, wantErr: "issue > 0"},
		{name: "all weights zero", args: []string{"-key", "k", "-mix", "issue=0,read=0,ocsp=0,crl=0"}, wantErr: "every weight is 0"},
		{name: "unknown class", args: []string{"-key", "k", "-mix", "write=1"}, wantErr: "unknown class"},
		{name: "negative weight", args: []string{"-key", "k", "-mix", "read=-1"}, wantErr: "≥ 0"},
		{name: "weight not a number", args: []string{"-key", "k", "-mix", "read"}, wantErr: "name=weight"},
		{name: "stray argument", args: []string{"-key", "k", "20"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseConfig(tc.args, io.Discard, readFile)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

// The client itself dials loopback addresses only, whatever the URL's name resolves to or a redirect says.
func TestClientDialsLoopbackOnly(t *testing.T) {
	t.Parallel()
	hc := newHTTPClient(&config{Clients: 1, Timeout: 5 * time.Second})
	// 192.0.2.0/24 is TEST-NET-1: refused before any packet is sent.
	_, err := hc.Get("http://192.0.2.1:9/")
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("remote dial: %v", err)
	}
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1:9/", http.StatusFound)
	}))
	defer redirect.Close()
	resp, err := hc.Get(redirect.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("the redirect was followed: %d", resp.StatusCode)
	}
}

// newServer starts kcr's API with the built-in CA over db, holding one account with an organization, the
// supplementary agreement for individual certificates and an account-wide API key, which it returns.
func newServer(t *testing.T, db *storage.DB) (string, string) {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	acc := &access.Service{DB: db, Clock: clk}
	bill := &billing.Service{DB: db, Clock: clk}
	b, err := ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1", []byte("test passphrase 123"), ca.InitOptions{})
	must(t, err)
	reg := &registration.Service{DB: db, Clock: clk, Billing: bill, CA: b}
	boot := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
	acct, err := acc.CreateAccount(ctx, boot, access.AccountInput{Name: "Нагрузочный холдинг"})
	must(t, err)
	_, err = bill.CreateAgreement(ctx, boot, acct.ID, billing.AgreementInput{Kind: "supplementary", Number: "ДС-1",
		SignedOn: "2020-01-01", Covers: "individual_certificate"})
	must(t, err)
	u, err := acc.CreateUser(ctx, boot, access.UserInput{Login: "admin", Role: model.RoleAccountAdmin, AccountID: acct.ID,
		FullName: "Администратор", Password: "correct horse battery"})
	must(t, err)
	admin := access.PrincipalOfUser(u)
	_, err = reg.CreateOrganization(ctx, admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity,
		Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001", OGRN: "1027700132195", Address: "Москва", Region: "77"})
	must(t, err)
	_, key, err := acc.CreateAPIKey(ctx, admin, access.APIKeyInput{Name: "load", AllOrganizations: true})
	must(t, err)
	srv := &api.Server{DB: db, Access: acc, Reg: reg, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Billing: bill, PKI: b}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, key
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The tool walks the whole path against a real API on each engine: a few issuances from two clients over
// two "replicas" (the same server twice), then OCSP, CRL and reads about what was issued, all without an
// error, and the table names every class.
func TestSmoke(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			base, key := newServer(t, eng.Open(t))
			ctx := context.Background()
			cfg, err := parseConfig([]string{"-url", base + "," + base + "/", "-key", key, "-clients", "2", "-issuances", "3"}, io.Discard, nil)
			must(t, err)
			rep, err := run(ctx, cfg, io.Discard)
			must(t, err)
			if rep.Issued != 3 || rep.FailedChains != 0 || rep.CSRsInline != 0 {
				t.Fatalf("issued %d, failed %d, inline %d; %+v", rep.Issued, rep.FailedChains, rep.CSRsInline, rep.Classes)
			}
			counts := map[string]int{}
			for _, c := range rep.Classes {
				if len(c.Errors) > 0 {
					t.Errorf("%s: errors %v %v", c.Class, c.Errors, c.FirstErrors)
				}
				counts[c.Class] = c.Count
			}
			for class, want := range map[string]int{classEmployee: 3, classApplication: 3, classSubmit: 6, classVerify: 3,
				classCSR: 3, classApprove: 3, classIssue: 3} {
				if counts[class] != want {
					t.Errorf("%s: %d requests, want %d", class, counts[class], want)
				}
			}

			// Beside the issuance path only, with renewal waves, until each class has answered: the run above
			// left certificates to ask about and renew.
			cfg, err = parseConfig([]string{"-url", base, "-key", key, "-clients", "2", "-duration", "200ms", "-mix", "issue=0,read=1,ocsp=1,crl=1", "-wave-every", "50ms"}, io.Discard, nil)
			must(t, err)
			for {
				rep, err = run(ctx, cfg, io.Discard)
				must(t, err)
				counts = map[string]int{}
				for _, c := range rep.Classes {
					if len(c.Errors) > 0 {
						t.Fatalf("%s: errors %v %v", c.Class, c.Errors, c.FirstErrors)
					}
					counts[c.Class] = c.Count
				}
				if counts[classRead] > 0 && counts[classOCSP] > 0 && counts[classCRL] > 0 && counts[classWave] > 0 {
					break
				}
			}
			if counts[classIssue] != 0 || rep.Issued != 0 {
				t.Fatalf("issued with issue=0: %+v", rep)
			}
			var js bytes.Buffer
			must(t, rep.writeJSON(&js))
			var decoded report
			if err := json.Unmarshal(js.Bytes(), &decoded); err != nil || len(decoded.Classes) != len(rep.Classes) {
				t.Fatalf("JSON report %v: %s", err, js.String())
			}
			var out bytes.Buffer
			must(t, rep.writeTable(&out))
			for _, want := range []string{"read", "ocsp", "crl", "wave", "p95 ms", "issued/s"} {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("the table lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// The sampler counts a backend waiting on a table lock another transaction holds as a lock wait, and names
// the lock and the statement.
func TestPGSamplerSeesLockWaits(t *testing.T) {
	url := testdb.PostgresURL(t)
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, "CREATE TABLE t (x int)")
	must(t, err)
	holder, err := db.BeginTx(ctx, nil)
	must(t, err)
	defer holder.Rollback()
	_, err = holder.ExecContext(ctx, "LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
	must(t, err)
	waiterDone := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "SELECT count(*) FROM t")
		waiterDone <- err
	}()
	// Wait until the waiter is blocked, so that every sample sees it.
	for {
		var n int
		must(t, db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n))
		if n == 1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the waiter never blocked")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s, err := startPGSampler(ctx, url)
	must(t, err)
	for s.progress() < 3 {
		if ctx.Err() != nil {
			t.Fatal("no samples")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := s.finish()
	must(t, holder.Rollback())
	if err := <-waiterDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// The holder is idle in its transaction, the waiter is the only active backend and it waits on a lock.
	if r.Error != "" || r.Samples < 3 || r.Share != 1 || r.MaxShare != 1 || r.MeanActive != 1 ||
		r.ByEvent["relation"] != r.Samples || len(r.TopQueries) != 1 || r.TopQueries[0].Query != "SELECT count(*) FROM t" {
		t.Fatalf("%+v", r)
	}
}
