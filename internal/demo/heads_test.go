package demo

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// standIn returns the stand-in's options by authority.
func standIn(t *testing.T, a rules.Authority) ca.InitOptions {
	for _, si := range StandIns {
		if si.Authority == a {
			return si.Options
		}
	}
	t.Fatalf("no stand-in for %s", a)
	return ca.InitOptions{}
}

// The demo's legal entities have their general directors recorded as heads; with the fns stand-in each head
// has a head certificate carrying the organization's ИНН and ОГРН and the head's СНИЛС and ИНН, and a key the
// demo signer uses: its signatures verify with cms.Verify against the stand-in's root and with OpenSSL.
func TestDemoHeadsSign(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pass := []byte("demo passphrase 123")
	own, err := ca.Init(ctx, e.db, e.reg.Clock, ca.DefaultProfile(), "http://127.0.0.1:8080", pass, ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := ca.Init(ctx, e.db, e.reg.Clock, ca.DefaultProfile(), "http://127.0.0.1:8080", pass, standIn(t, rules.AuthorityFNS))
	if err != nil {
		t.Fatal(err)
	}
	e.reg.CA, e.reg.StateCAs = own, map[rules.Authority]ca.Issuer{rules.AuthorityFNS: fns}
	res := e.load(t, 7)
	admin := e.login(t, res, model.RoleAccountAdmin)

	keyFile := filepath.Join(t.TempDir(), "demo-head-keys.pem")
	if err := WriteHeadKeys(keyFile, res.HeadKeys); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	signer, err := OpenHeadSigner(e.db, e.reg.Clock, fns, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	rootDER, _ := fns.Certificate(fns.RootName())
	root, err := x509gost.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	o := ossltest.New(t)
	dir := t.TempDir()
	rootPath := filepath.Join(dir, "root.der")
	if err := os.WriteFile(rootPath, rootDER, 0o600); err != nil {
		t.Fatal(err)
	}
	o.Run(t, "x509", "-inform", "DER", "-in", rootPath, "-out", rootPath+".pem")

	orgs, err := e.reg.Organizations(ctx, admin, storage.OrgFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	var signed int
	for _, org := range orgs.Items {
		t.Run(org.Name, func(t *testing.T) {
			file := []byte(`<?xml version="1.0" encoding="windows-1251"?><Файл ИдФайл="` + org.ID + `"/>`)
			sig, err := signer.SignAsHead(ctx, org.ID, file)
			if org.Kind != model.OrgLegalEntity {
				if !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), org.ID) {
					t.Fatalf("SignAsHead for a %s: %v, want NotFound naming it", org.Kind, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			signed++
			head, err := e.reg.Head(ctx, admin, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if head.Position != "Генеральный директор" || head.CertificateSerial == "" {
				t.Fatalf("head %+v", head)
			}
			r, err := cms.Verify(sig, file, cms.VerifyOptions{Roots: []*x509gost.Certificate{root}})
			if err != nil {
				t.Fatalf("cms.Verify: %v", err)
			}
			if !r.DigestAlgorithm.Equal(gost.OIDDigest256) {
				t.Errorf("digest %v, want Streebog-256", r.DigestAlgorithm)
			}
			// The signer is the recorded head of this organization, as the МЧД signature check will demand.
			subj := subjectValues(t, r.Signer)
			for oid, want := range map[string]string{"1.2.643.100.4": org.INN, "1.2.643.100.1": org.OGRN,
				"1.2.643.100.3": head.SNILS, "1.2.643.3.131.1.1": head.INN} {
				if subj[oid] != want {
					t.Errorf("signer's %s = %q, want %q", oid, subj[oid], want)
				}
			}
			if r.Signer.SerialNumber.Text(16) != strings.TrimLeft(strings.ToLower(head.CertificateSerial), "0") {
				t.Errorf("signed with %s, the head's certificate is %s", r.Signer.SerialNumber.Text(16), head.CertificateSerial)
			}
			if _, err := cms.Verify(sig, append(file, ' '), cms.VerifyOptions{Roots: []*x509gost.Certificate{root}}); err == nil {
				t.Error("the signature verified over other bytes")
			}

			docPath, sigPath := filepath.Join(dir, org.ID+".xml"), filepath.Join(dir, org.ID+".sig")
			if err := os.WriteFile(docPath, file, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(sigPath, sig, 0o600); err != nil {
				t.Fatal(err)
			}
			out := o.Run(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", docPath,
				"-CAfile", rootPath+".pem", "-attime", strconv.FormatInt(e.reg.Clock.Now().Unix(), 10), "-out", os.DevNull)
			if !strings.Contains(out, "Verification successful") {
				t.Fatalf("openssl cms -verify: %s", out)
			}
		})
	}
	if signed != 2 {
		t.Fatalf("%d demo heads signed, want 2 (the two legal entities)", signed)
	}
	if _, err := signer.SignAsHead(ctx, "no-such-organization", []byte("x")); !errs.Is(err, errs.NotFound) ||
		!strings.Contains(err.Error(), "no-such-organization") {
		t.Fatalf("unknown organization: %v", err)
	}
}

// subjectValues maps the dotted OIDs of a certificate's subject to their values.
func subjectValues(t *testing.T, c *x509gost.Certificate) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range c.Subject {
		out[a.OID.String()] = a.Value
	}
	return out
}
