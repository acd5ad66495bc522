package main

import (
	"bytes"
	"context"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// mchdCAs is kcr's CA and the ФНС stand-in in one database, as kcr serve --demo makes them.
func mchdCAs(t *testing.T, now time.Time) (*authorities, *ca.Builtin, *testdb.Fix) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Engines(t)[0].Open(t)
	clk := clock.NewFake(now)
	pass := []byte("correct horse battery staple")
	own, err := ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", pass, ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := ca.Init(ctx, db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", pass, standIns[0].Options)
	if err != nil {
		t.Fatal(err)
	}
	return &authorities{own: own, set: ca.Set{own, fns}}, fns, testdb.Fixture(t, db)
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// --mchd-trust-roots is read and checked before kcr starts; a bad file stops it naming the flag.
func TestMCHDTrustRootsFlag(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	auths, fns, _ := mchdCAs(t, now)
	rootDER, _ := fns.Certificate(fns.RootName())
	dir := t.TempDir()
	write := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("roots.pem", pemCert(rootDER))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, src := range []struct {
		name string
		args []string
		env  map[string]string
	}{{"flag", []string{"--mchd-trust-roots", good}, nil}, {"environment", nil, map[string]string{"KCR_MCHD_TRUST_ROOTS": good}}} {
		c, err := parseServe(src.args, io.Discard, env(src.env))
		if err != nil || len(c.MCHDTrustRoots) != 1 || !bytes.Equal(c.MCHDTrustRoots[0].Raw, rootDER) {
			t.Fatalf("%s: %v", src.name, err)
		}
	}
	issDER, _ := auths.own.Certificate(auths.own.IssuingName())
	for _, c := range []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "nope.pem"), "no such file"},
		{"empty file", write("empty.pem", nil), "empty"},
		{"no certificate", write("text.pem", []byte("trust me\n")), "no PEM CERTIFICATE"},
		{"a key", write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})), "PRIVATE KEY"},
		{"a CA and garbage", write("bad.pem", append(pemCert(issDER), pemCert([]byte{0x30, 0})...)), "certificate 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseServe([]string{"--mchd-trust-roots", c.path}, io.Discard, env(nil))
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--mchd-trust-roots") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a usage error naming --mchd-trust-roots and %q", err, c.want)
			}
		})
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--mchd-trust-roots", filepath.Join(dir, "nope.pem")}, &out, &out, env(nil)); code != 2 ||
		!strings.Contains(out.String(), "--mchd-trust-roots") {
		t.Fatalf("serve with a missing trust roots file: exit %d\n%s", code, out.String())
	}
}

// In the demo the head's signature check trusts the ФНС stand-in and reads revocation from kcr's register:
// a head certificate the stand-in issued signs a МЧД, Check accepts it, and refuses it once revoked.
// Without --demo and without --mchd-trust-roots it trusts nobody; with the flag, only the file's roots.
func TestHeadSignatureChecker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	auths, fns, f := mchdCAs(t, now)
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "head", Tag: encasn1.TagUTF8String}}, key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	org := &model.Organization{ID: f.HeadOrg, AccountID: f.AccountA, Kind: model.OrgLegalEntity, Name: testdb.HeadName, INN: testdb.HeadINN,
		KPP: testdb.HeadKPP, OGRN: testdb.HeadOGRN, Address: "г. Москва, ул. Вавилова, д. 19", Region: "г. Москва"}
	emp := &model.Employee{ID: f.HeadEmployee, AccountID: f.AccountA, OrganizationID: f.HeadOrg, Surname: "Иванов", GivenName: "Иван",
		Patronymic: "Иванович", SNILS: testdb.HeadSNILS, INN: "500100732259", Email: "person@example.ru", Position: "Генеральный директор"}
	iss, err := fns.Issue(ctx, ca.Request{Application: &model.Application{ID: f.HeadApp, Kind: model.KindHead,
		Verification: &model.Verification{Method: model.VerifiedInPersonWorkplace}}, Employee: emp, Organization: org, CSR: csr})
	if err != nil {
		t.Fatal(err)
	}
	db := fns.DB
	if err := db.CreateCertificate(ctx, &model.Certificate{Serial: iss.Serial, AccountID: f.AccountA, OrganizationID: f.HeadOrg,
		EmployeeID: f.HeadEmployee, Kind: model.KindHead, Status: model.CertValid, Issuer: iss.Issuer, NotBefore: iss.NotBefore,
		NotAfter: iss.NotAfter, DER: iss.DER, CreatedAt: now, PublicKeyHash: iss.PublicKeyHash}); err != nil {
		t.Fatal(err)
	}
	cert, err := x509gost.ParseCertificate(iss.DER)
	if err != nil {
		t.Fatal(err)
	}
	issue := time.Date(2026, 11, 26, 0, 0, 0, 0, rules.MSK)
	_, file, err := mchd.Marshal(&mchd.Document{Number: "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42", InternalNumber: "1", IssueDate: issue,
		EndDate: issue.AddDate(1, 0, 0), Kind: mchd.KindOrdinary, Retrust: mchd.RetrustNone,
		Grantor:        mchd.Organization{Name: org.Name, INN: org.INN, KPP: org.KPP, OGRN: org.OGRN},
		Head:           mchd.Person{LastName: "Иванов", FirstName: "Иван", Position: "Генеральный директор", SNILS: testdb.HeadSNILS, INN: emp.INN},
		Representative: mchd.Person{LastName: "Петрова", FirstName: "Мария", SNILS: f.BranchSNILS},
		Powers:         []mchd.Power{{Code: "DEMO_INVOICE_SIGN", Name: mchd.PowerByCode("DEMO_INVOICE_SIGN").Name}},
		StatusURL:      "http://127.0.0.1:8080/registry/mchd/status?guid=0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := cms.Sign(file, key, cert, nil, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	head := mchd.HeadIdentity{OrgINN: org.INN, OrgOGRN: org.OGRN, SNILS: testdb.HeadSNILS}
	clk := clock.NewFake(now.Add(time.Hour))
	rule := func(err error) string {
		var e *errs.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 {
			return fmt.Sprintf("not a refusal: %v", err)
		}
		return e.Fields[0].Rule
	}

	demo, err := headSignatureChecker(ctx, &serveConfig{Demo: true}, auths, clk)
	if err != nil {
		t.Fatal(err)
	}
	rootDER, _ := fns.Certificate(fns.RootName())
	if len(demo.Roots) != 1 || !bytes.Equal(demo.Roots[0].Raw, rootDER) || len(demo.Intermediates) != 2 {
		t.Fatalf("demo trust: %d roots, %d intermediates", len(demo.Roots), len(demo.Intermediates))
	}
	if _, err := demo.Check(file, sig, head); err != nil {
		t.Fatalf("demo Check: %v", err)
	}
	plain, err := headSignatureChecker(ctx, &serveConfig{}, auths, clk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Check(file, sig, head); rule(err) != string(mchd.CheckChain) || !strings.Contains(err.Error(), "--mchd-trust-roots") {
		t.Fatalf("without trust roots: %v", err)
	}
	ownRoot, _ := auths.own.Certificate(auths.own.RootName())
	other, err := x509gost.ParseCertificate(ownRoot)
	if err != nil {
		t.Fatal(err)
	}
	configured, err := headSignatureChecker(ctx, &serveConfig{Demo: true, MCHDTrustRootsFile: "roots.pem",
		MCHDTrustRoots: []*x509gost.Certificate{other}}, auths, clk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configured.Check(file, sig, head); rule(err) != string(mchd.CheckChain) {
		t.Fatalf("with other configured roots: %v", err)
	}
	if ok, err := db.RevokeCertificate(ctx, iss.Serial, now.Add(30*time.Minute).UnixMicro(), "keyCompromise"); err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	if _, err := demo.Check(file, sig, head); rule(err) != string(mchd.CheckRevoked) {
		t.Fatalf("revoked: %v", err)
	}
}
