package standin_test

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/mchd/standin"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/testdb"
)

// TestOpenSSLSignature: a head's signature made with OpenSSL's GOST engine, as the issue documents it,
// registers; the same made attached is rejected.
func TestOpenSSLSignature(t *testing.T) {
	o := ossltest.New(t)
	p := getPKI(t)
	e := newEnv(t, testdb.Engines(t)[0])
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pkcs8, err := p.key.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	cert := write("head.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.headNow.Raw}))
	key := write("head.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	for _, c := range []struct {
		name   string
		flags  []string
		status mchd.RegistryStatus
		reason string
	}{
		{"detached", nil, mchd.RegistryActive, ""},
		{"attached", []string{"-nodetach"}, mchd.RegistryRejected, standin.ReasonDetached},
	} {
		t.Run(c.name, func(t *testing.T) {
			num := testdb.NewID()
			file := document(t, num, nil)
			in, out := write(num+".xml", file), filepath.Join(dir, num+".sig")
			o.Run(t, append([]string{"cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", "md_gost12_256", "-outform", "DER",
				"-signer", cert, "-inkey", key, "-in", in, "-out", out}, c.flags...)...)
			sig, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if st := e.register(t, num, file, sig); st.Status != c.status || st.Reason != c.reason {
				t.Errorf("%+v, want %s %q", st, c.status, c.reason)
			}
		})
	}
}
