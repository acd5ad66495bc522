package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

func TestCAInitCommand(t *testing.T) {
	data := t.TempDir()
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte("a long enough passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KCR_DATA": data}
	steps := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no passphrase", env, []string{"ca", "init"}, 2, "KCR_CA_PASSPHRASE"},
		{"unknown parameter set", map[string]string{"KCR_DATA": data, "KCR_CA_PASSPHRASE": "a long enough passphrase"},
			[]string{"ca", "init", "--root-paramset", "tc26-1024-Z"}, 1, "unknown parameter set tc26-1024-Z"},
		{"bad base URL", env, []string{"ca", "init", "--base-url", "ftp://x"}, 2, "--base-url"},
		{"stand-in and seller", env, []string{"ca", "init", "--stand-in", "fns", "--seller", "x.json"}, 2, "exclude each other"},
		{"init", env, []string{"ca", "init", "--ca-passphrase-file", passFile, "--base-url", "https://ca.example.ru"}, 0, "created kcr-ca"},
		{"init again", env, []string{"ca", "init", "--ca-passphrase-file", passFile}, 1, "already initialized"},
		{"serve without the passphrase", env, []string{"serve", "--addr", "127.0.0.1:0"}, 1, "passphrase is not given"},
		{"serve with a wrong passphrase", map[string]string{"KCR_DATA": data, "KCR_CA_PASSPHRASE": "not the passphrase"},
			[]string{"serve", "--addr", "127.0.0.1:0"}, 1, "wrong passphrase"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, out := runCmd(t, st.env, st.args...)
			if code != st.code || !strings.Contains(out, st.want) {
				t.Fatalf("exit %d, output:\n%s\nwant exit %d mentioning %q", code, out, st.code, st.want)
			}
		})
	}
	t.Run("serve with the passphrase", func(t *testing.T) {
		s := startServer(t, map[string]string{"KCR_DATA": data, "KCR_CA_PASSPHRASE_FILE": passFile})
		if !strings.Contains(s.out.String(), "CA kcr-ca loaded") {
			t.Fatalf("output:\n%s", s.out)
		}
	})
}

// The demo has a legal_entity_employee draft from August 2023; the bulk command turns it into an individual
// application, and running it again changes nothing.
func TestCarryOverCommand(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"KCR_DATA": data}
	s := startServer(t, env, "--demo")
	s.stop(t)
	code, out := runCmd(t, env, "applications", "carry-over")
	if code != 0 || !strings.Contains(out, "1 legal_entity_employee applications now continue") {
		t.Fatalf("carry-over: %d %s", code, out)
	}
	code, out = runCmd(t, env, "applications", "carry-over")
	if code != 0 || !strings.Contains(out, "0 legal_entity_employee") {
		t.Fatalf("second carry-over: %d %s", code, out)
	}
	if code, out := runCmd(t, env, "applications"); code != 2 || !strings.Contains(out, "usage") {
		t.Fatalf("usage: %d %s", code, out)
	}
}

// The legal cutoffs are configuration: with the employee cutoff moved to 2029, an employee certificate
// with the organization's details can still be ordered today, and a head certificate goes to kcr's own CA.
func TestConfiguredTimeline(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, map[string]string{"KCR_DATA": data, "KCR_CUTOFF_HEADS": "2027-01-01", "KCR_CUTOFF_BUNDLE": "2028-01-01",
		"KCR_CUTOFF_EMPLOYEES": "2029-01-01", "KCR_CUTOFF_LEGACY": "2030-01-01"}, "--demo")
	raw, err := os.ReadFile(filepath.Join(data, "demo-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	s.key = strings.TrimSpace(string(raw))
	var emps struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	s.call(t, "GET", "/api/v1/employees?limit=1", nil, 200, &emps)
	for kind, authority := range map[string]string{"legal_entity_employee": "kcr", "head": "kcr"} {
		var a struct {
			Kind      string `json:"kind"`
			Authority string `json:"authority"`
		}
		s.call(t, "POST", "/api/v1/applications", map[string]any{"employee_id": emps.Items[0].ID, "kind": kind}, 201, &a)
		if a.Kind != kind || a.Authority != authority {
			t.Fatalf("%s: %+v, want authority %s", kind, a, authority)
		}
	}
}

// The demo's backdated certificates are billed in ended periods, which the background job closes at start;
// the command closes a period and running it again changes nothing.
func TestBillingClose(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"KCR_DATA": data}
	s := startServer(t, env, "--demo")
	raw, err := os.ReadFile(filepath.Join(data, "demo-api-key"))
	if err != nil {
		t.Fatal(err)
	}
	s.key = strings.TrimSpace(string(raw))
	// Wait (boundedly) for the background job to invoice the backdated certificates.
	db, err := storage.Open(context.Background(), "", data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var invoices []*model.Invoice
	for i := 0; i < 100 && len(invoices) == 0; i++ {
		if invoices, err = db.Invoices(context.Background(), "", ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(invoices) == 0 {
		t.Fatal("the demo's ended periods were not invoiced")
	}
	for _, inv := range invoices {
		if inv.TotalKopecks != inv.NetKopecks+inv.VATKopecks || inv.NetKopecks <= 0 {
			t.Fatalf("invoice %+v", inv)
		}
	}
	s.stop(t)
	if code, out := runCmd(t, env, "billing", "close"); code != 2 || !strings.Contains(out, "--period") {
		t.Fatalf("no period: %d %s", code, out)
	}
	if code, out := runCmd(t, env, "billing", "close", "--period", "2999-01"); code != 1 || !strings.Contains(out, "not ended") {
		t.Fatalf("future period: %d %s", code, out)
	}
	code, out := runCmd(t, env, "billing", "close", "--period", "2020-01")
	if code != 0 || !strings.Contains(out, "period 2020-01 closed: 0 invoices") {
		t.Fatalf("empty period: %d %s", code, out)
	}
}
