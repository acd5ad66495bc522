// Package ossltest runs OpenSSL with the GOST engine, the external oracle the tests check kcr's GOST
// artifacts against. Without openssl or its GOST engine a test skips on a laptop and fails in CI.
package ossltest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Tool is an openssl binary configured with the project's GOST engine configuration.
type Tool struct {
	bin  string
	conf string
}

var (
	once    sync.Once
	tool    *Tool
	missing string
)

// Config returns the path of the project's OpenSSL configuration that loads the GOST engine.
func Config() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "openssl-gost.cnf")
}

// Testdata returns the path of a file under the project's testdata folder.
func Testdata(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", "..", "testdata"}, parts...)...)
}

func find() {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		missing = "openssl is not installed (Debian: apt-get install openssl libengine-gost-openssl)"
		return
	}
	t := &Tool{bin: bin, conf: Config()}
	out, err := t.run(nil, "engine", "gost")
	if err != nil || !strings.Contains(string(out), "gost") {
		missing = "OpenSSL's GOST engine is not available (Debian: apt-get install libengine-gost-openssl): " + string(out)
		return
	}
	tool = t
}

// New returns the tool, or skips the test (fails it under CI=true) when OpenSSL or its GOST engine is missing.
func New(t testing.TB) *Tool {
	t.Helper()
	once.Do(find)
	if tool == nil {
		if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return tool
}

func (o *Tool) run(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command(o.bin, args...)
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+o.conf)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// Run runs openssl with args and returns its combined output; it fails the test if openssl fails.
func (o *Tool) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := o.run(nil, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Try runs openssl with args and stdin, returning its output and error without failing the test, for
// checks that expect OpenSSL to refuse something.
func (o *Tool) Try(stdin []byte, args ...string) (string, error) {
	out, err := o.run(stdin, args...)
	return string(out), err
}
