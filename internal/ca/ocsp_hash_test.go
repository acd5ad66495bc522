package ca_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// TestOCSPOpenSSLRequestHashes has OpenSSL make the requests, with the CertID hash a client picks
// (openssl ocsp -sha1, -sha256, -md_gost12_256, -md_gost12_512), and checks the answer for a good and a revoked
// certificate: a responder that knows only SHA-1 and Streebog-256 answers "unauthorized" to the others.
func TestOCSPOpenSSLRequestHashes(t *testing.T) {
	env := newStatusEnv(t)
	good, revoked := env.issue(t), env.issue(t)
	env.revoke(t, revoked.Serial, env.clk.Now(), "key_compromise")
	for _, digest := range []string{"sha1", "sha256", "md_gost12_256", "md_gost12_512"} {
		for _, tc := range []struct {
			name   string
			serial string
			want   int
		}{{"good", good.Serial, x509gost.OCSPGood}, {"revoked", revoked.Serial, x509gost.OCSPRevoked}} {
			t.Run(digest+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				reqFile, respFile := filepath.Join(dir, "req.der"), filepath.Join(dir, "resp.der")
				env.o.Run(t, "ocsp", "-"+digest, "-issuer", env.issPEM, "-serial", "0x"+tc.serial, "-no_nonce", "-reqout", reqFile)
				req, err := os.ReadFile(reqFile)
				if err != nil {
					t.Fatal(err)
				}
				resp := env.b.OCSP(env.ctx, req)
				r := ocspOK(t, resp, env.issuing)
				if len(r.Responses) != 1 || r.Responses[0].Status != tc.want {
					t.Fatalf("responses %+v, want one with status %d", r.Responses, tc.want)
				}
				if err := os.WriteFile(respFile, resp, 0o600); err != nil {
					t.Fatal(err)
				}
				out := env.o.Run(t, "ocsp", "-reqin", reqFile, "-respin", respFile, "-issuer", env.issPEM, "-CAfile", env.chainPEM, "-resp_text")
				if !strings.Contains(out, "Response verify OK") {
					t.Errorf("OpenSSL does not accept the answer:\n%s", out)
				}
			})
		}
	}
}
