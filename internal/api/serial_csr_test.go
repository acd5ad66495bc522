package api_test

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// A request pasted from CryptoPro's browser plug-in or Windows enrollment is bare base64 in CRLF lines:
// the API takes it beside PEM and DER.
func TestUploadBareBase64CSR(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var a registration.ApplicationView
		e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"}).json(t, &a)
		block, _ := pem.Decode([]byte(testCSR(t)))
		b64 := base64.StdEncoding.EncodeToString(block.Bytes)
		var body strings.Builder
		for len(b64) > 76 {
			body.WriteString(b64[:76] + "\r\n")
			b64 = b64[76:]
		}
		body.WriteString(b64 + "\r\n")
		for _, ct := range []string{"text/plain", "application/pkcs10"} {
			if r := e.do("key_account", "POST", "/api/v1/applications/"+a.ID+"/csr", []byte(body.String()), "Content-Type", ct); r.status != 200 {
				t.Fatalf("%s: %d %s", ct, r.status, r.body)
			}
		}
	})
}

// The register finds a certificate by its serial as OpenSSL and CryptoPro print it: upper case, with the
// leading zero of the DER bytes, with colons or spaces.
func TestCertificateBySerialAsPrinted(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		withCA(t, e)
		id := e.approvedApp(t)
		var a registration.ApplicationView
		if r := e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil); r.status != 200 {
			t.Fatalf("issue: %d %s", r.status, r.body)
		}
		e.do("key_account", "GET", "/api/v1/applications/"+id, nil).json(t, &a)
		n, ok := new(big.Int).SetString(a.CertificateSerial, 16)
		if !ok {
			t.Fatalf("serial %q", a.CertificateSerial)
		}
		der := n.Bytes()
		if der[0]&0x80 != 0 {
			der = append([]byte{0}, der...)
		}
		openssl := fmt.Sprintf("%X", der)
		var colons []string
		for _, b := range der {
			colons = append(colons, fmt.Sprintf("%02X", b))
		}
		for _, serial := range []string{a.CertificateSerial, strings.ToUpper(a.CertificateSerial), "00" + openssl,
			strings.Join(colons, ":"), strings.Join(colons, "%20")} {
			var c model.Certificate
			r := e.do("key_account", "GET", "/api/v1/certificates/"+serial, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", serial, r.status, r.body)
			}
			r.json(t, &c)
			if c.Serial != a.CertificateSerial {
				t.Fatalf("%s found %s", serial, c.Serial)
			}
		}
	})
}
