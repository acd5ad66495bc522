package registration_test

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// wrap splits s into lines of n characters ended by sep, as enrollment tools print base64.
func wrap(s string, n int, sep string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + sep)
		s = s[n:]
	}
	b.WriteString(s + sep)
	return b.String()
}

func TestParseCSRForms(t *testing.T) {
	t.Parallel()
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "test", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	for _, tc := range []struct {
		name string
		body string
		ok   bool
	}{
		{"DER", string(der), true},
		{"PEM", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})), true},
		{"PEM, Windows label", string(pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der})), true},
		{"bare base64, CRLF lines of 64 (CryptoPro plug-in)", wrap(b64, 64, "\r\n"), true},
		{"bare base64, CRLF lines of 76 (Windows enrollment)", wrap(b64, 76, "\r\n"), true},
		{"bare base64, one line", b64, true},
		{"bare base64 pasted with spaces around", "  \n" + wrap(b64, 64, "\n") + "\n  ", true},
		{"bare base64 without padding", strings.TrimRight(b64, "="), true},
		{"PEM of a certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), false},
		{"text that is not base64", "это не запрос", false},
		{"base64 of something else", base64.StdEncoding.EncodeToString([]byte("hello world")), false},
		{"base64 of a broken request", base64.StdEncoding.EncodeToString(der[:len(der)-5]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := registration.ParseCSR([]byte(tc.body))
			if tc.ok != (err == nil) {
				t.Fatalf("ok=%v, err=%v", tc.ok, err)
			}
			if tc.ok && !bytes.Equal(got, der) {
				t.Fatal("the request came back changed")
			}
		})
	}
}
