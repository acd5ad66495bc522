package revocation

import (
	"context"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// A CA kcr did not write: OpenSSL with the GOST engine makes the CA, two head certificates naming the CRL
// URL, and a CRL revoking one of them with an issuingDistributionPoint scoped to user certificates, as
// a CA that partitions nothing but states the scope does. The check reads them as kcr's own.
func TestOpenSSLCRL(t *testing.T) {
	t.Parallel()
	o := ossltest.New(t)
	srv := newCRLServer(t)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	write := func(name, body string) {
		if err := os.WriteFile(path(name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("index.txt", "")
	write("crlnumber", "01\n")
	write("ext.cnf", "crlDistributionPoints=URI:"+srv.crlURL()+"\nauthorityKeyIdentifier=keyid\nkeyUsage=critical,digitalSignature\n")
	write("ca.cnf", ".include "+ossltest.Config()+`
[ca]
default_ca = CA_default
[CA_default]
database = `+path("index.txt")+`
crlnumber = `+path("crlnumber")+`
default_md = md_gost12_256
default_crl_days = 1
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid
issuingDistributionPoint = critical, @idp
[idp]
fullname = URI:`+srv.crlURL()+`
onlyuser = TRUE
`)
	o.Run(t, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", path("ca.key"))
	o.Run(t, "req", "-x509", "-new", "-key", path("ca.key"), "-subj", "/CN=OpenSSL CA", "-days", "30", "-out", path("ca.pem"),
		"-addext", "keyUsage=critical,keyCertSign,cRLSign", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "subjectKeyIdentifier=hash")
	o.Run(t, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", path("head.key"))
	o.Run(t, "req", "-new", "-key", path("head.key"), "-subj", "/CN=head", "-out", path("head.csr"))
	for _, c := range []struct{ name, serial string }{{"revoked", "0x1234"}, {"good", "0x1235"}} {
		o.Run(t, "x509", "-req", "-in", path("head.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-set_serial", c.serial, "-days", "30",
			"-extfile", path("ext.cnf"), "-out", path(c.name+".pem"))
	}
	o.Run(t, "ca", "-config", path("ca.cnf"), "-keyfile", path("ca.key"), "-cert", path("ca.pem"), "-revoke", path("revoked.pem"), "-crl_reason", "keyCompromise")
	o.Run(t, "ca", "-config", path("ca.cnf"), "-keyfile", path("ca.key"), "-cert", path("ca.pem"), "-gencrl", "-out", path("crl.pem"))
	read := func(name string) []byte {
		raw, err := os.ReadFile(path(name))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	cert := func(name string) *x509gost.Certificate {
		block, _ := pem.Decode(read(name))
		if block == nil {
			t.Fatalf("%s: no PEM", name)
		}
		c, err := x509gost.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	crlPEM := read("crl.pem")
	if block, _ := pem.Decode(crlPEM); block == nil {
		t.Fatal("crl.pem: no PEM")
	} else if crl, err := x509gost.ParseCRL(block.Bytes); err != nil {
		t.Fatal(err)
	} else if !slices.ContainsFunc(crl.Extensions, func(e x509gost.Extension) bool { return e.OID.Equal(oidIssuingDistributionPoint) && e.Critical }) {
		t.Fatal("OpenSSL wrote no critical issuingDistributionPoint")
	}
	srv.serve(http.StatusOK, crlPEM)
	ca := cert("ca.pem")
	crls := &CRLs{Client: srv.Client()} // OpenSSL stamped the CRL with the real time
	for name, want := range map[string]bool{"revoked.pem": true, "good.pem": false} {
		got, err := crls.IsRevoked(context.Background(), cert(name), ca, time.Now())
		if err != nil || got != want {
			t.Fatalf("%s: got %v, %v; want %v", name, got, err, want)
		}
	}
	if h := srv.hits.Load(); h != 1 {
		t.Fatalf("%d requests, want 1", h)
	}
}
