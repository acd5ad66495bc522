package ca_test

// Throughput of the built-in CA on SQLite, for the README's performance table:
//
//	go test -run XXX -bench . -benchtime 3s ./internal/ca/
//	go test -run XXX -bench IssueParallel -benchtime 3s -cpu 1,2 ./internal/ca/
//
// Nothing here asserts a time; each benchmark checks once that what it measured is a correct answer.
// The authorities are the defaults: a tc26-512-A root and a tc26-256-A issuing CA, which signs the
// end-entity certificates, the CRL and the OCSP answers measured here.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// benchCA opens a fresh SQLite database and initializes the built-in CA on a fake clock.
func benchCA(b *testing.B) (*ca.Builtin, *storage.DB, *clock.Fake) {
	b.Helper()
	db := testdb.Engines(b)[0].Open(b) // SQLite
	clk := clock.NewFake(now)
	bt, err := ca.Init(context.Background(), db, clk, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte(passphrase), ca.InitOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return bt, db, clk
}

// benchRegister is the registration side's rows the certificates hang on: one account and organization.
type benchRegister struct {
	db              *storage.DB
	account, org    string
	templateRequest ca.Request
	rnd             *mrand.Rand // СНИЛС are unique within an organization
}

func newBenchRegister(b *testing.B, db *storage.DB) *benchRegister {
	b.Helper()
	ctx := context.Background()
	r := &benchRegister{db: db, account: "acct-bench", org: "org-bench", templateRequest: request(model.KindLegalEntityEmployee, nil),
		rnd: mrand.New(mrand.NewPCG(1, 2))}
	err := db.InTx(ctx, func(ctx context.Context) error {
		if err := db.CreateAccount(ctx, &model.Account{ID: r.account, Name: "Бенчмарк", CreatedAt: now}); err != nil {
			return err
		}
		o := *r.templateRequest.Organization
		o.ID, o.AccountID, o.CreatedAt, o.UpdatedAt = r.org, r.account, now, now
		return db.CreateOrganization(ctx, &o)
	})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// employee adds an employee of the organization and returns a request for a certificate for them.
func (r *benchRegister) employee(b *testing.B, id string, csr []byte) ca.Request {
	b.Helper()
	req := request(model.KindLegalEntityEmployee, csr)
	e := *req.Employee
	e.ID, e.AccountID, e.OrganizationID, e.CreatedAt, e.UpdatedAt = id, r.account, r.org, now, now
	e.SNILS = requisites.GenerateSNILS(r.rnd)
	if err := r.db.CreateEmployee(context.Background(), &e); err != nil {
		b.Fatal(err)
	}
	req.Employee = &e
	o := *req.Organization
	o.ID, o.AccountID = r.org, r.account
	req.Organization = &o
	return req
}

// store puts an issued certificate in the register as registration does: the certificate row and the
// CA's Stored in one transaction.
func (r *benchRegister) store(ctx context.Context, bt *ca.Builtin, req ca.Request, iss *ca.Issued, at time.Time) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		if err := r.db.CreateCertificate(ctx, &model.Certificate{Serial: iss.Serial, AccountID: r.account, OrganizationID: r.org,
			EmployeeID: req.Employee.ID, Kind: req.Application.Kind, Status: model.CertValid, Issuer: iss.Issuer,
			NotBefore: iss.NotBefore, NotAfter: iss.NotAfter, DER: iss.DER, CreatedAt: at, PublicKeyHash: iss.PublicKeyHash}); err != nil {
			return err
		}
		return bt.Stored(ctx, iss.Serial)
	})
}

// benchCSR makes a holder's tc26-256-A key and a PKCS#10 request for it.
func benchCSR(b *testing.B) []byte {
	b.Helper()
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		b.Fatal(err)
	}
	csr, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "bench", Tag: asn1.TagUTF8String}}, key, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return csr
}

// BenchmarkIssue measures the whole issuance of one certificate: Issue (parse the CSR and check its
// proof of possession, the key-holder check, build, record the intent, lint a throwaway-signed draft,
// sign, verify, record the signature) and storing it in the register with Stored in one transaction.
//
// The holders' keys come from a pool made before the timer starts. Issue refuses a key already
// certified to another person, so each pooled key always goes with its own employee: from the second
// round on an iteration is a renewal with the same key, which costs the same as a first issuance.
func BenchmarkIssue(b *testing.B) {
	const pool = 32
	bt, db, clk := benchCA(b)
	reg := newBenchRegister(b, db)
	reqs := make([]ca.Request, pool)
	for i := range reqs {
		reqs[i] = reg.employee(b, fmt.Sprintf("emp-bench-%d", i), benchCSR(b))
	}
	issuing, _ := bt.Certificate(ca.IssuingName)
	issuer, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	var last *ca.Issued
	for b.Loop() {
		req := reqs[n%pool]
		iss, err := bt.Issue(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if err := reg.store(ctx, bt, req, iss, clk.Now()); err != nil {
			b.Fatal(err)
		}
		last = iss
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "certs/s")
	// Once, outside the timing: the last certificate is a valid one in the register.
	cert, err := x509gost.ParseCertificate(last.DER)
	if err != nil {
		b.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(issuer); err != nil {
		b.Fatal(err)
	}
	if st, err := db.CertificateStatus(ctx, ca.IssuingName, last.Serial); err != nil || st.Status != string(model.CertValid) {
		b.Fatalf("the last certificate is not in the register: %v %v", st, err)
	}
	if pending, err := db.IntentsByStatus(ctx, storage.IntentSigned); err != nil || len(pending) != 0 {
		b.Fatalf("%d intents signed but not stored (%v)", len(pending), err)
	}
}

// BenchmarkIssueParallel is BenchmarkIssue from several goroutines at once, as kcr serve issues for
// concurrent requests: run it with -cpu 1,2 for one and two goroutines (GOMAXPROCS each). Each goroutine
// has its own holders and applications, so that no two issuances in flight share an application.
func BenchmarkIssueParallel(b *testing.B) {
	const perGoroutine = 16
	bt, db, clk := benchCA(b)
	reg := newBenchRegister(b, db)
	goroutines := runtime.GOMAXPROCS(0)
	pools := make(chan []ca.Request, goroutines)
	for g := range goroutines {
		pool := make([]ca.Request, perGoroutine)
		for i := range pool {
			id := fmt.Sprintf("bench-%d-%d", g, i)
			pool[i] = reg.employee(b, "emp-"+id, benchCSR(b))
			app := *pool[i].Application
			app.ID = "app-" + id
			pool[i].Application = &app
		}
		pools <- pool
	}
	issuing, _ := bt.Certificate(ca.IssuingName)
	issuer, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var issued atomic.Int64
	var last atomic.Pointer[ca.Issued]
	b.RunParallel(func(pb *testing.PB) {
		pool := <-pools
		for n := 0; pb.Next(); n++ {
			req := pool[n%len(pool)]
			iss, err := bt.Issue(ctx, req)
			if err == nil {
				err = reg.store(ctx, bt, req, iss, clk.Now())
			}
			if err != nil {
				b.Error(err)
				return
			}
			last.Store(iss)
			issued.Add(1)
		}
	})
	b.ReportMetric(float64(issued.Load())/b.Elapsed().Seconds(), "certs/s")
	if b.Failed() {
		return
	}
	// Once, outside the timing: the last certificate is a valid one in the register, and nothing is left
	// signed but not stored.
	cert, err := x509gost.ParseCertificate(last.Load().DER)
	if err != nil {
		b.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(issuer); err != nil {
		b.Fatal(err)
	}
	if st, err := db.CertificateStatus(ctx, ca.IssuingName, last.Load().Serial); err != nil || st.Status != string(model.CertValid) {
		b.Fatalf("the last certificate is not in the register: %v %v", st, err)
	}
	if pending, err := db.IntentsByStatus(ctx, storage.IntentSigned); err != nil || len(pending) != 0 {
		b.Fatalf("%d intents signed but not stored (%v)", len(pending), err)
	}
}

// BenchmarkOCSP measures the responder on one valid certificate: fresh, where the request has a nonce so
// every answer is signed anew, and cached, where the same nonce-less request gets the signed answer kept
// from the first time (the status is still looked up in the database on every request).
func BenchmarkOCSP(b *testing.B) {
	bt, db, clk := benchCA(b)
	reg := newBenchRegister(b, db)
	req := reg.employee(b, "emp-ocsp", benchCSR(b))
	ctx := context.Background()
	iss, err := bt.Issue(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	if err := reg.store(ctx, bt, req, iss, clk.Now()); err != nil {
		b.Fatal(err)
	}
	issuing, _ := bt.Certificate(ca.IssuingName)
	issuer, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		b.Fatal(err)
	}
	serial, _ := new(big.Int).SetString(iss.Serial, 16)
	id, err := x509gost.NewCertID(x509gost.OIDSHA1, issuer, serial) // what openssl ocsp sends by default
	if err != nil {
		b.Fatal(err)
	}
	check := func(b *testing.B, der, nonce []byte) {
		b.Helper()
		resp, err := x509gost.ParseOCSPResponse(der)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status != 0 || len(resp.Responses) != 1 || resp.Responses[0].Status != x509gost.OCSPGood {
			b.Fatalf("OCSP answer: status %d, %+v", resp.Status, resp.Responses)
		}
		if !bytes.Equal(resp.Nonce, nonce) {
			b.Fatalf("nonce %x, want %x", resp.Nonce, nonce)
		}
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("fresh", func(b *testing.B) {
		nonce := make([]byte, 16)
		var der []byte
		n := 0
		for b.Loop() {
			rand.Read(nonce)
			reqDER, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nonce)
			if err != nil {
				b.Fatal(err)
			}
			der = bt.OCSP(ctx, reqDER)
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "responses/s")
		check(b, der, nonce)
	})
	b.Run("cached", func(b *testing.B) {
		reqDER, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nil)
		if err != nil {
			b.Fatal(err)
		}
		first := bt.OCSP(ctx, reqDER)
		check(b, first, nil)
		var der []byte
		n := 0
		for b.Loop() {
			der = bt.OCSP(ctx, reqDER)
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "responses/s")
		if !bytes.Equal(der, first) {
			b.Fatal("the nonce-less answer was signed anew, not served from the cache")
		}
	})
}

// BenchmarkCRL measures the issuing CA's CRL with 1,000 revoked certificates: publish, where the fake
// clock moves two hours before each request so that a new CRL is signed and stored every time; current,
// where the CRL published last is served again from memory after counting the revocations; and current
// from 200 clients at once (issue 11: they used to queue behind one mutex).
func BenchmarkCRL(b *testing.B) {
	const revoked = 1000
	bt, db, clk := benchCA(b)
	reg := newBenchRegister(b, db)
	e := reg.employee(b, "emp-crl", nil)
	ctx := context.Background()
	// The CRL lists serials, dates and reasons only: the revoked rows need no real certificate.
	err := db.InTx(ctx, func(ctx context.Context) error {
		buf := make([]byte, 16)
		for i := range revoked {
			rand.Read(buf)
			buf[0] = buf[0]&0x7f | 0x40
			serial := new(big.Int).SetBytes(buf).Text(16)
			at := now.Add(-time.Duration(i) * time.Minute)
			if err := db.CreateCertificate(ctx, &model.Certificate{Serial: serial, AccountID: reg.account, OrganizationID: reg.org,
				EmployeeID: e.Employee.ID, Kind: model.KindLegalEntityEmployee, Status: model.CertRevoked, Issuer: ca.IssuingName,
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 3, 0), DER: []byte{0x30, 0x00},
				RevokedAt: &at, RevocationReason: []model.RevocationReason{"unspecified", "key_compromise",
					"affiliation_changed", "superseded", "cessation_of_operation"}[i%5], CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	issuing, _ := bt.Certificate(ca.IssuingName)
	issuer, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		b.Fatal(err)
	}
	check := func(b *testing.B, der []byte) *x509gost.CRL {
		b.Helper()
		crl, err := x509gost.ParseCRL(der)
		if err != nil {
			b.Fatal(err)
		}
		if len(crl.Revoked) != revoked {
			b.Fatalf("the CRL lists %d certificates, want %d", len(crl.Revoked), revoked)
		}
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			b.Fatal(err)
		}
		return crl
	}

	b.Run("publish", func(b *testing.B) {
		first, err := bt.CRL(ctx, ca.IssuingName)
		if err != nil {
			b.Fatal(err)
		}
		start := check(b, first).Number.Int64()
		var der []byte
		n := 0
		for b.Loop() {
			clk.Add(2 * time.Hour)
			if der, err = bt.CRL(ctx, ca.IssuingName); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "CRLs/s")
		b.ReportMetric(float64(len(der)), "bytes/CRL")
		if got := check(b, der).Number.Int64(); got != start+int64(n) {
			b.Fatalf("CRL number %d after %d publications from %d: not every request published", got, n, start)
		}
	})
	b.Run("current", func(b *testing.B) {
		first, err := bt.CRL(ctx, ca.IssuingName)
		if err != nil {
			b.Fatal(err)
		}
		check(b, first)
		var der []byte
		n := 0
		for b.Loop() {
			if der, err = bt.CRL(ctx, ca.IssuingName); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "CRLs/s")
		b.ReportMetric(float64(len(der)), "bytes/CRL")
		if !bytes.Equal(der, first) {
			b.Fatal("the current CRL was published anew")
		}
	})
	b.Run("current/200 clients", func(b *testing.B) {
		first, err := bt.CRL(ctx, ca.IssuingName)
		if err != nil {
			b.Fatal(err)
		}
		b.SetParallelism(200 / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				der, err := bt.CRL(ctx, ca.IssuingName)
				if err != nil || !bytes.Equal(der, first) {
					b.Errorf("CRL: %v, the current one %v", err, bytes.Equal(der, first))
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "CRLs/s")
	})
}
