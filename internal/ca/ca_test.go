package ca_test

import (
	"context"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

const passphrase = "correct horse battery staple"

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func newCA(t *testing.T, db *storage.DB) *ca.Builtin {
	t.Helper()
	b, err := ca.Init(context.Background(), db, clock.NewFake(now), ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opensslCSR makes a key and a PKCS#10 request with OpenSSL; the request's subject is deliberately
// unrelated, since the CA must take the subject from registration data.
func opensslCSR(t *testing.T, o *ossltest.Tool, algorithm, paramset string) []byte {
	t.Helper()
	dir := t.TempDir()
	key, req := filepath.Join(dir, "key.pem"), filepath.Join(dir, "req.der")
	o.Run(t, "genpkey", "-algorithm", algorithm, "-pkeyopt", "paramset:"+paramset, "-out", key)
	o.Run(t, "req", "-new", "-key", key, "-subj", "/CN=Mallory/O=Not from the CSR", "-outform", "DER", "-out", req)
	der, err := os.ReadFile(req)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func request(kind model.CertKind, csr []byte) ca.Request {
	org := &model.Organization{ID: "org-1", Kind: model.OrgLegalEntity, Name: "ООО «Ромашка»", INN: "7707083893", KPP: "773601001",
		OGRN: "1027700132195", Address: "119034, г. Москва, ул. Пречистенка, д. 10", Region: "г. Москва"}
	if kind == model.KindSoleProprietor {
		org = &model.Organization{ID: "org-2", Kind: model.OrgSoleProprietor, Name: "ИП Иванов Иван Иванович", INN: "500100732259",
			OGRN: "304500116000157", Address: "г. Подольск, ул. Ленина, д. 1", Region: "Московская область"}
	}
	return ca.Request{
		Application: &model.Application{ID: "app-" + string(kind), Kind: kind,
			Verification: &model.Verification{Method: model.VerifiedInPersonWorkplace}},
		Employee: &model.Employee{ID: "emp-1", Surname: "Иванов", GivenName: "Иван", Patronymic: "Иванович", SNILS: "11223344595",
			INN: "500100732259", Email: "ivanov@example.ru", Position: "Генеральный директор"},
		Organization: org,
		CSR:          csr,
	}
}

// TestIssueEveryKind issues a certificate of every kind for a request of every parameter-set family made
// by OpenSSL, and has OpenSSL verify the chain and read the Russian attributes and extensions.
func TestIssueEveryKind(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	b := newCA(t, db)
	dir := t.TempDir()
	root, _ := b.Certificate(ca.RootName)
	issuing, _ := b.Certificate(ca.IssuingName)
	chain := filepath.Join(dir, "chain.pem")
	writePEM(t, chain, root, issuing)
	families := []struct{ algorithm, paramset string }{
		{"gost2012_256", "TCA"}, {"gost2012_256", "TCB"}, {"gost2012_256", "TCC"}, {"gost2012_256", "TCD"},
		{"gost2012_256", "A"}, {"gost2012_256", "B"}, {"gost2012_256", "C"}, {"gost2012_256", "XA"}, {"gost2012_256", "XB"},
		{"gost2012_512", "A"}, {"gost2012_512", "B"}, {"gost2012_512", "C"},
	}
	kinds := []model.CertKind{model.KindIndividual, model.KindSoleProprietor, model.KindHead, model.KindLegalEntityEmployee}
	for i, fam := range families {
		kind := kinds[i%len(kinds)]
		t.Run(fam.algorithm+"-"+fam.paramset+"-"+string(kind), func(t *testing.T) {
			req := request(kind, opensslCSR(t, o, fam.algorithm, fam.paramset))
			req.Employee.ID = "emp-" + fam.algorithm + fam.paramset // a fresh holder per key
			iss, err := b.Issue(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Stored(context.Background(), iss.Serial); err != nil {
				t.Fatal(err)
			}
			cert, err := x509gost.ParseCertificate(iss.DER)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Lint(cert, kind); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(cert.Subject.String(), "Mallory") {
				t.Fatalf("the subject came from the CSR: %s", cert.Subject)
			}
			if cert.SerialNumber.BitLen() < 64 || iss.Serial != cert.SerialNumber.Text(16) {
				t.Fatalf("serial %s", iss.Serial)
			}
			pemFile := filepath.Join(t.TempDir(), "ee.pem")
			writePEM(t, pemFile, iss.DER)
			out := o.Run(t, "verify", "-CAfile", chain, pemFile)
			if !strings.Contains(out, ": OK") {
				t.Fatalf("openssl verify: %s", out)
			}
			text := o.Run(t, "x509", "-in", pemFile, "-noout", "-text")
			for _, want := range []string{"SNILS", "Signing Tool of Subject", "Signing Tool of Issuer", "1.2.643.100.114", "Private Key Usage Period",
				"TLS Web Client Authentication", "E-mail Protection", "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment",
				"http://127.0.0.1:8080/crl/kcr-ca.crl", "OCSP - URI:http://127.0.0.1:8080/ocsp", "Class of Signing Tool KC1"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl x509 -text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func writePEM(t *testing.T, path string, ders ...[]byte) {
	t.Helper()
	var b strings.Builder
	for _, d := range ders {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestIssueRefusals(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	b := newCA(t, db)
	ctx := context.Background()
	good := opensslCSR(t, o, "gost2012_256", "A")
	tampered := append([]byte{}, good...)
	tampered[len(tampered)-5] ^= 0x01
	noINN := request(model.KindIndividual, good)
	noINN.Employee.INN = ""
	for _, tc := range []struct {
		name  string
		req   ca.Request
		kind  errs.Kind
		field string
	}{
		{"tampered signature", request(model.KindIndividual, tampered), errs.Invalid, "csr"},
		{"garbage", request(model.KindIndividual, []byte("garbage")), errs.Invalid, "csr"},
		{"individual without a person's ИНН", noINN, errs.Invalid, "employee.inn"},
		{"key on an RFC test parameter set", request(model.KindIndividual, rfcCSR(t, "ex3.csr.pem")), errs.Invalid, "csr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Issue(ctx, tc.req)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || (tc.field != "" && e.Fields[0].Field != tc.field) {
				t.Fatalf("error %v, want %s on %s", err, tc.kind, tc.field)
			}
		})
	}
	t.Run("key certified to another person", func(t *testing.T) {
		req := request(model.KindIndividual, good)
		iss, err := b.Issue(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		// Register it as the registration side would.
		if err := storeCert(ctx, db, req, iss); err != nil {
			t.Fatal(err)
		}
		if err := b.Stored(ctx, iss.Serial); err != nil {
			t.Fatal(err)
		}
		again := request(model.KindIndividual, good)
		again.Employee.ID = "someone-else"
		if _, err := b.Issue(ctx, again); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a key certified to another person was accepted: %v", err)
		}
		// The same person may renew with the same key.
		if _, err := b.Issue(ctx, request(model.KindIndividual, good)); err != nil {
			t.Fatalf("renewal by the same holder: %v", err)
		}
	})
}

// rfcCSR reads an RFC 9215 example request (keys on the test parameter sets, private keys published).
func rfcCSR(t *testing.T, name string) []byte {
	raw, err := os.ReadFile(ossltest.Testdata("rfc9215", name))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	return block.Bytes
}

// One application is issued at most once at a time: a second Issue while the first is in flight is a
// conflict, and after Abandoned (storing failed) it may be tried again.
func TestOneIssuanceInFlight(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	b := newCA(t, db)
	ctx := context.Background()
	req := request(model.KindIndividual, opensslCSR(t, o, "gost2012_256", "TCA"))
	first, err := b.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Issue(ctx, req); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a second issuance in flight: %v", err)
	}
	if err := b.Abandoned(ctx, first.Serial, "storing failed"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Issue(ctx, req); err != nil {
		t.Fatalf("after an abandoned issuance: %v", err)
	}
	abandoned, err := db.IntentsByStatus(ctx, storage.IntentAbandoned)
	if err != nil || len(abandoned) != 1 || abandoned[0].Serial != first.Serial || len(abandoned[0].DER) == 0 {
		t.Fatalf("abandoned intents: %+v %v", abandoned, err)
	}
}

func storeCert(ctx context.Context, db *storage.DB, req ca.Request, iss *ca.Issued) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		acct := &model.Account{ID: "acct-" + iss.Serial, Name: "Тест", CreatedAt: now}
		if err := db.CreateAccount(ctx, acct); err != nil {
			return err
		}
		o := *req.Organization
		o.ID, o.AccountID, o.CreatedAt, o.UpdatedAt = "org-"+iss.Serial, acct.ID, now, now
		if err := db.CreateOrganization(ctx, &o); err != nil {
			return err
		}
		e := *req.Employee
		e.AccountID, e.OrganizationID, e.CreatedAt, e.UpdatedAt = acct.ID, o.ID, now, now
		if err := db.CreateEmployee(ctx, &e); err != nil {
			return err
		}
		return db.CreateCertificate(ctx, &model.Certificate{Serial: iss.Serial, AccountID: acct.ID, OrganizationID: o.ID,
			EmployeeID: e.ID, Kind: req.Application.Kind, Status: model.CertValid, Issuer: iss.Issuer, NotBefore: iss.NotBefore,
			NotAfter: iss.NotAfter, DER: iss.DER, CreatedAt: now, PublicKeyHash: iss.PublicKeyHash})
	})
}

func TestInitAndLoad(t *testing.T) {
	db := testdb.Engines(t)[0].Open(t)
	ctx := context.Background()
	if _, err := ca.Load(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase)); err != ca.ErrNotInitialized {
		t.Fatalf("load before init: %v", err)
	}
	if _, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte("short"), ca.InitOptions{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("short passphrase: %v", err)
	}
	if _, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase),
		ca.InitOptions{RootParamSet: "tc26-1024-Z"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown parameter set: %v", err)
	}
	b := newCA(t, db)
	if _, err := ca.Init(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase), ca.InitOptions{}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second init: %v", err)
	}
	if _, err := ca.Load(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte("wrong passphrase!")); err == nil {
		t.Fatal("loaded with a wrong passphrase")
	}
	again, err := ca.Load(ctx, db, clock.NewFake(now), ca.DefaultProfile(), "http://x", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := b.Certificate(ca.IssuingName)
	c2, _ := again.Certificate(ca.IssuingName)
	if string(c1) != string(c2) {
		t.Fatal("the loaded issuing certificate differs")
	}
	// The stored keys are PKCS#8 with PBES2 that OpenSSL reads with the passphrase.
	o := ossltest.New(t)
	auths, err := db.Authorities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		f := filepath.Join(t.TempDir(), "key.pem")
		os.WriteFile(f, []byte(a.KeyPEM), 0o600)
		out := o.Run(t, "pkey", "-in", f, "-passin", "pass:"+passphrase, "-noout", "-text")
		if !strings.Contains(out, "Private key") && !strings.Contains(out, "private") {
			t.Errorf("openssl pkey %s: %s", a.Name, out)
		}
		if out, err := o.Try(nil, "pkey", "-in", f, "-passin", "pass:wrong", "-noout"); err == nil {
			t.Errorf("openssl read %s with a wrong passphrase: %s", a.Name, out)
		}
	}
}

// The validity and key usage periods are configuration: a profile of 24 and 27 months issues and lints.
func TestConfiguredPeriods(t *testing.T) {
	o := ossltest.New(t)
	db := testdb.Engines(t)[0].Open(t)
	p := ca.DefaultProfile()
	p.ValidityMonths, p.KeyUsageMonths = 24, 27
	b, err := ca.Init(context.Background(), db, clock.NewFake(now), p, "http://127.0.0.1:8080", []byte(passphrase), ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := b.Issue(context.Background(), request(model.KindIndividual, opensslCSR(t, o, "gost2012_256", "TCA")))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509gost.ParseCertificate(iss.DER)
	if err != nil {
		t.Fatal(err)
	}
	if want := cert.NotBefore.AddDate(2, 0, 0); !cert.NotAfter.Equal(want) {
		t.Fatalf("notAfter %s, want %s", cert.NotAfter, want)
	}
	if err := b.Lint(cert, model.KindIndividual); err != nil {
		t.Fatal(err)
	}
	// The same certificate breaks the default 12-month profile.
	def := newCA(t, testdb.Engines(t)[0].Open(t))
	if err := def.Lint(cert, model.KindIndividual); err == nil || !strings.Contains(err.Error(), "longer than 12 months") {
		t.Fatalf("a 24-month certificate passed the 12-month profile: %v", err)
	}
}
