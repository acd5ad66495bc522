package ossltest

import (
	"strings"
	"testing"
)

// The oracle itself works: it verifies the RFC 9215 example request and refuses a tampered one.
func TestOracle(t *testing.T) {
	o := New(t)
	out := o.Run(t, "req", "-in", Testdata("rfc9215", "ex2.csr.pem"), "-verify", "-noout")
	if !strings.Contains(out, "verify OK") {
		t.Fatalf("openssl did not verify the RFC 9215 request: %s", out)
	}
	if out, err := o.Try([]byte("not a request"), "req", "-verify", "-noout"); err == nil {
		t.Fatalf("openssl accepted garbage: %s", out)
	}
}
