package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelpListsEveryFlag: "kcr help" lists every flag of every command with its environment variable (among
// them those the hand-written usage had left out: --seller, --stand-in, KCR_CUTOFF_*), and the variables
// without a flag; "kcr serve --help" lists serve's flags and exits 0.
func TestHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	code, out := runCmd(t, nil, "help")
	if code != 0 {
		t.Fatalf("kcr help: %d\n%s", code, out)
	}
	for _, want := range []string{"--seller", "--stand-in", "KCR_CUTOFF_HEADS", "KCR_CUTOFF_BUNDLE", "KCR_CUTOFF_EMPLOYEES",
		"KCR_CUTOFF_LEGACY", "KCR_SELLER_FILE", "KCR_CA_PASSPHRASE", "KCR_METRICS_TOKEN", "KCR_ISSUER_SIGN_TOOL"} {
		if !strings.Contains(out, want) {
			t.Errorf("kcr help lacks %s", want)
		}
	}
	for _, c := range commands {
		fs, err := c.flags(io.Discard, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		section := out[strings.Index(out, "\nkcr "+c.name+":\n"):]
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(section, "--"+f.Name+" ") && !strings.Contains(section, "--"+f.Name+"\n") {
				t.Errorf("kcr help: %s lacks --%s", c.name, f.Name)
			}
			if env := flagEnv(f); env != "" && !strings.Contains(section, env) {
				t.Errorf("kcr help: %s --%s lacks %s", c.name, f.Name, env)
			}
		})
	}
	code, out = runCmd(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(out, "Usage: kcr serve") || !strings.Contains(out, "--seller string") ||
		!strings.Contains(out, "(env KCR_CUTOFF_LEGACY)") {
		t.Fatalf("kcr serve --help: %d\n%s", code, out)
	}
	if code, out := runCmd(t, nil); code != 2 || !strings.Contains(out, "kcr help") {
		t.Fatalf("kcr without a command: %d\n%s", code, out)
	}
}

// TestEveryFlagHasItsEnvironment: every flag names its environment variable, except the listed command-line
// ones, and the variable it names is the one that sets its default, so the help cannot promise a variable
// the code does not read.
func TestEveryFlagHasItsEnvironment(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range commands {
		base, err := c.flags(io.Discard, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		base.VisitAll(func(f *flag.Flag) {
			key := c.name + " --" + f.Name
			t.Run(key, func(t *testing.T) {
				env := flagEnv(f)
				if env == "" {
					if !cliOnly[key] {
						t.Fatalf("no environment variable in %q, and not listed as command line only", f.Usage)
					}
					seen[key] = true
					return
				}
				if cliOnly[key] {
					t.Fatalf("listed as command line only but reads %s", env)
				}
				kind, _ := flag.UnquoteUsage(f)
				value := map[string]string{"int": "37", "duration": "37s", "": "true"}[kind]
				if value == "" {
					value = "2031-02-03"
				}
				fs, err := c.flags(io.Discard, func(k string) string {
					if k == env {
						return value
					}
					return ""
				})
				if err != nil {
					t.Fatal(err)
				}
				if got := fs.Lookup(f.Name).DefValue; got == f.DefValue {
					t.Fatalf("%s=%s leaves the default at %q: the flag does not read the variable it names", env, value, got)
				}
			})
		})
	}
	for key := range cliOnly {
		if !seen[key] {
			t.Errorf("cliOnly lists %q, which is no flag without an environment variable", key)
		}
	}
}

// TestDemoRestart: a restart with --demo prints the logins again (they are kept in the data folder), and a
// start without --demo on the demo's folder says where the CA passphrase is.
func TestDemoRestart(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"KCR_DATA": data}
	s := startServer(t, env, "--demo")
	var accountant string
	for _, l := range strings.Split(s.out.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "accountant ") {
			accountant = l
		}
	}
	if accountant == "" {
		t.Fatalf("no accountant login printed:\n%s", s.out)
	}
	s.stop(t)

	s2 := startServer(t, env, "--demo")
	if out := s2.out.String(); !strings.Contains(out, "nothing loaded") || !strings.Contains(out, accountant) ||
		!strings.Contains(out, filepath.Join(data, demoLoginsFile)) {
		t.Fatalf("restart does not print the logins again (%q):\n%s", accountant, out)
	}
	s2.stop(t)
	if fi, err := os.Stat(filepath.Join(data, demoLoginsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("logins file: %v, %v", fi, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, &out, &out, func(k string) string { return env[k] })
	if want := filepath.Join(data, "ca-passphrase"); code != 1 || !strings.Contains(out.String(), want) ||
		!strings.Contains(out.String(), "--demo") {
		t.Fatalf("serve without --demo on a demo folder: %d, want 1 naming %s:\n%s", code, want, out.String())
	}
}
