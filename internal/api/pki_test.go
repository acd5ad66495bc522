package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// The public PKI endpoints answer with the right media types, refuse what they do not serve, and never
// answer an OCSP request with anything but an OCSP response.
func TestPKIEndpoints(t *testing.T) {
	db := openSQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	b, err := ca.Init(context.Background(), db, clk, ca.DefaultProfile(), "http://127.0.0.1", []byte("test passphrase 123"), ca.InitOptions{})
	must(t, err)
	srv := &api.Server{DB: db, Access: &access.Service{DB: db, Clock: clk}, Reg: &registration.Service{DB: db, Clock: clk, CA: b},
		Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PKI: b}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	issuingDER, _ := b.Certificate(ca.IssuingName)
	issuing, err := x509gost.ParseCertificate(issuingDER)
	must(t, err)
	id, err := x509gost.NewCertID(x509gost.OIDSHA1, issuing, big.NewInt(12345))
	must(t, err)
	goodReq, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nil)
	must(t, err)

	for _, tc := range []struct {
		name, method, path string
		body               []byte
		status             int
		ctype              string
		ocspStatus         int // -1: not an OCSP answer
	}{
		{"issuing CA certificate", "GET", "/ca/kcr-ca.crt", nil, 200, "application/pkix-cert", -1},
		{"root certificate", "GET", "/ca/kcr-root.crt", nil, 200, "application/pkix-cert", -1},
		{"unknown CA", "GET", "/ca/other.crt", nil, 404, "application/problem+json", -1},
		{"wrong extension", "GET", "/ca/kcr-ca.pem", nil, 404, "application/problem+json", -1},
		{"issuing CRL", "GET", "/crl/kcr-ca.crl", nil, 200, "application/pkix-crl", -1},
		{"unknown CRL", "GET", "/crl/other.crl", nil, 404, "application/problem+json", -1},
		{"OCSP POST", "POST", "/ocsp", goodReq, 200, "application/ocsp-response", 0},
		{"OCSP GET", "GET", "/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(goodReq)), nil, 200, "application/ocsp-response", 0},
		{"OCSP GET with raw slashes and pluses", "GET", "/ocsp/" + base64.StdEncoding.EncodeToString(goodReq), nil, 200, "application/ocsp-response", 0},
		{"OCSP garbage", "POST", "/ocsp", []byte("garbage"), 200, "application/ocsp-response", 1},
		{"OCSP empty", "POST", "/ocsp", nil, 200, "application/ocsp-response", 1},
		{"OCSP truncated", "POST", "/ocsp", goodReq[:len(goodReq)-3], 200, "application/ocsp-response", 1},
		{"OCSP oversized", "POST", "/ocsp", bytes.Repeat([]byte{0x30}, 70_000), 200, "application/ocsp-response", 1},
		{"OCSP GET bad base64", "GET", "/ocsp/not*base64", nil, 200, "application/ocsp-response", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, bytes.NewReader(tc.body))
			if tc.method == "POST" {
				req.Header.Set("Content-Type", "application/ocsp-request")
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype) {
				t.Fatalf("%d %q, want %d %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, body)
			}
			switch {
			case tc.ocspStatus >= 0:
				r, err := x509gost.ParseOCSPResponse(body)
				if err != nil || r.Status != tc.ocspStatus {
					t.Fatalf("OCSP response status %v (%v), want %d", r, err, tc.ocspStatus)
				}
				if r.Status == 0 {
					must(t, r.CheckSignatureFrom(issuing))
					if len(r.Responses) != 1 || r.Responses[0].Status != x509gost.OCSPUnknown {
						t.Fatalf("a serial the CA never issued: %+v", r.Responses)
					}
				}
			case strings.HasSuffix(tc.path, ".crt") && tc.status == 200:
				if _, err := x509gost.ParseCertificate(body); err != nil {
					t.Fatal(err)
				}
			case strings.HasSuffix(tc.path, ".crl") && tc.status == 200:
				crl, err := x509gost.ParseCRL(body)
				must(t, err)
				must(t, crl.CheckSignatureFrom(issuing))
			}
		})
	}
}
