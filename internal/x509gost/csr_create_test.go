package x509gost_test

import (
	"crypto/rand"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// A request we make proves possession to our parser and to OpenSSL, for 256- and 512-bit keys.
func TestCreateCertificateRequest(t *testing.T) {
	o := ossltest.New(t)
	for _, name := range []string{"tc26-256-A", "cryptopro-B", "tc26-512-C"} {
		t.Run(name, func(t *testing.T) {
			ps, _ := gost.ParamSetByName(name)
			key, err := gost.GenerateKey(rand.Reader, ps)
			if err != nil {
				t.Fatal(err)
			}
			der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "Иванов Иван", Tag: asn1.TagUTF8String}}, key, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			req, err := x509gost.ParseCertificateRequest(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := req.CheckSignature(); err != nil || !req.PublicKey.Equal(key.Public()) {
				t.Fatalf("check: %v", err)
			}
			f := filepath.Join(t.TempDir(), "req.der")
			os.WriteFile(f, der, 0o600)
			if out := o.Run(t, "req", "-inform", "DER", "-in", f, "-verify", "-noout"); !strings.Contains(out, "verify OK") {
				t.Fatalf("openssl: %s", out)
			}
		})
	}
	if _, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDSNILS, Value: "12a", Tag: asn1.TagNumericString}}, nil, rand.Reader); err == nil {
		t.Fatal("a NumericString with a letter was accepted")
	}
}
