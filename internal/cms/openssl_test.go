package cms

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// TestOpenSSLSignsKcrVerifies has OpenSSL's GOST engine make CAdES-BES signatures, as a head's
// signing tool would, and checks that Verify accepts them and refuses them over other content.
func TestOpenSSLSignsKcrVerifies(t *testing.T) {
	o := ossltest.New(t)
	p := getPKI(t)
	for _, c := range []struct {
		name, md string
		key      *gost.PrivateKey
		cert     *x509gost.Certificate
		extra    []string
		digest   string
	}{
		{"256", "md_gost12_256", p.head256Key, p.head256, nil, gost.OIDDigest256.String()},
		{"512", "md_gost12_512", p.head512Key, p.head512, nil, gost.OIDDigest512.String()},
		{"256 keyid", "md_gost12_256", p.head256Key, p.head256, []string{"-keyid"}, gost.OIDDigest256.String()},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			pkcs8, err := c.key.MarshalPKCS8()
			if err != nil {
				t.Fatal(err)
			}
			head := writeFile(t, dir, "head.pem", pemOf("CERTIFICATE", c.cert.Raw))
			key := writeFile(t, dir, "head.key", pemOf("PRIVATE KEY", pkcs8))
			doc := writeFile(t, dir, "file.xml", document)
			out := filepath.Join(dir, "file.sig")
			args := append([]string{"cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", c.md, "-outform", "DER",
				"-signer", head, "-inkey", key, "-in", doc, "-out", out}, c.extra...)
			o.Run(t, args...)
			sig, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			opts := VerifyOptions{Roots: []*x509gost.Certificate{p.root}}
			res, err := Verify(sig, document, opts)
			if err != nil {
				t.Fatalf("Verify(OpenSSL's signature): %v\n%s", err, o.Run(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", out))
			}
			if res.Signer.SerialNumber.Cmp(c.cert.SerialNumber) != 0 || res.DigestAlgorithm.String() != c.digest {
				t.Fatalf("result %+v", res)
			}
			if _, err := Verify(sig, append([]byte(" "), document...), opts); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("Verify over other content = %v, want ErrDigestMismatch", err)
			}

			pemOut := filepath.Join(dir, "file.pem")
			o.Run(t, "cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", c.md, "-outform", "PEM",
				"-signer", head, "-inkey", key, "-in", doc, "-out", pemOut)
			pemSig, err := os.ReadFile(pemOut)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(pemSig, document, opts); err != nil {
				t.Fatalf("Verify(OpenSSL's PEM signature): %v", err)
			}

			attached := filepath.Join(dir, "attached.sig")
			o.Run(t, "cms", "-sign", "-nodetach", "-binary", "-cades", "-nosmimecap", "-md", c.md, "-outform", "DER",
				"-signer", head, "-inkey", key, "-in", doc, "-out", attached)
			att, err := os.ReadFile(attached)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(att, document, opts); !errors.Is(err, ErrNotDetached) {
				t.Fatalf("Verify(attached) = %v, want ErrNotDetached", err)
			}
		})
	}
}

// TestKcrSignsOpenSSLVerifies checks that OpenSSL accepts Sign's output against the root.
func TestKcrSignsOpenSSLVerifies(t *testing.T) {
	o := ossltest.New(t)
	p := getPKI(t)
	for _, c := range []struct {
		name string
		key  *gost.PrivateKey
		cert *x509gost.Certificate
	}{
		{"256", p.head256Key, p.head256},
		{"512", p.head512Key, p.head512},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			sig, err := Sign(document, c.key, c.cert, nil, p.now)
			if err != nil {
				t.Fatal(err)
			}
			root := writeFile(t, dir, "root.pem", pemOf("CERTIFICATE", p.root.Raw))
			doc := writeFile(t, dir, "file.xml", document)
			sigPath := writeFile(t, dir, "file.sig", sig)
			out := o.Run(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", doc, "-CAfile", root, "-out", os.DevNull)
			if !strings.Contains(out, "Verification successful") {
				t.Fatalf("openssl cms -verify: %s", out)
			}
			other := writeFile(t, dir, "other.xml", append([]byte(" "), document...))
			if out, err := o.Try(nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", other, "-CAfile", root, "-out", os.DevNull); err == nil {
				t.Fatalf("openssl verified the signature over other content: %s", out)
			}
			printed := o.Run(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sigPath)
			for _, want := range []string{"signingCertificateV2", "signingTime", "messageDigest", "contentType"} {
				if !strings.Contains(printed, want) {
					t.Errorf("openssl does not see %s:\n%s", want, printed)
				}
			}
		})
	}
}
