package ca_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// BenchmarkIssueSteps times each step of Issue and the registration's storing transaction on its own, to
// see where an issuance's time goes (the steps marked gost are the GOST code's):
//
//	go test -run XXX -bench IssueSteps ./internal/ca/
//
// Each sub-benchmark repeats one step over inputs made by the steps before it, outside the timing.
func BenchmarkIssueSteps(b *testing.B) {
	bt, db, clk := benchCA(b)
	reg := newBenchRegister(b, db)
	req := reg.employee(b, "emp-steps", benchCSR(b))
	ctx := context.Background()
	csr, err := x509gost.ParseCertificateRequest(req.CSR)
	if err != nil {
		b.Fatal(err)
	}
	subject, err := ca.BuildSubjectDER(req)
	if err != nil {
		b.Fatal(err)
	}
	newTBS := func(b *testing.B) *x509gost.TBSCertificate {
		serial, err := bt.NewSerial()
		if err != nil {
			b.Fatal(err)
		}
		tbs, err := bt.EndEntityTBS(req, csr, subject, serial, clk.Now())
		if err != nil {
			b.Fatal(err)
		}
		return tbs
	}
	draft, err := newTBS(b).Draft()
	if err != nil {
		b.Fatal(err)
	}
	cert, err := bt.SignDraft(draft)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	appID := func() string { n++; return fmt.Sprintf("app-steps-%d", n) }
	steps := []struct {
		name string
		run  func(b *testing.B)
	}{
		{"1 parse CSR (gost: key validation)", func(b *testing.B) {
			if _, err := x509gost.ParseCertificateRequest(req.CSR); err != nil {
				b.Fatal(err)
			}
		}},
		{"2 verify CSR (gost)", func(b *testing.B) {
			if err := csr.CheckSignature(); err != nil {
				b.Fatal(err)
			}
		}},
		{"3 key holders (query)", func(b *testing.B) {
			sum := sha256.Sum256(csr.RawSPKI)
			if _, err := db.KeyHolders(ctx, hex.EncodeToString(sum[:])); err != nil {
				b.Fatal(err)
			}
		}},
		{"4 subject", func(b *testing.B) {
			if _, err := ca.BuildSubjectDER(req); err != nil {
				b.Fatal(err)
			}
		}},
		{"5 serial and TBS", func(b *testing.B) { newTBS(b) }},
		{"6 intent (commit)", func(b *testing.B) {
			serial, _ := bt.NewSerial()
			if err := db.CreateIntent(ctx, serial.Text(16), ca.IssuingName, appID(), clk.Now()); err != nil {
				b.Fatal(err)
			}
		}},
		{"7 draft: encode and parse the TBS", func(b *testing.B) {
			if _, err := newTBS(b).Draft(); err != nil {
				b.Fatal(err)
			}
		}},
		{"8 lint", func(b *testing.B) {
			if err := bt.Lint(draft.Certificate(), model.KindLegalEntityEmployee); err != nil {
				b.Fatal(err)
			}
		}},
		{"9 sign and verify (gost)", func(b *testing.B) {
			if _, err := bt.SignDraft(draft); err != nil {
				b.Fatal(err)
			}
		}},
		{"10 intent signed (commit)", func(b *testing.B) {
			b.StopTimer()
			serial, _ := bt.NewSerial()
			if err := db.CreateIntent(ctx, serial.Text(16), ca.IssuingName, appID(), clk.Now()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := db.UpdateIntent(ctx, serial.Text(16), []string{storage.IntentPending}, storage.IntentSigned, cert.Raw, "",
				clk.Now()); err != nil {
				b.Fatal(err)
			}
		}},
		{"11 store: certificate and Stored (commit)", func(b *testing.B) {
			b.StopTimer()
			tbs := newTBS(b)
			serial := tbs.SerialNumber.Text(16)
			if err := db.CreateIntent(ctx, serial, ca.IssuingName, appID(), clk.Now()); err != nil {
				b.Fatal(err)
			}
			if _, err := db.UpdateIntent(ctx, serial, []string{storage.IntentPending}, storage.IntentSigned, cert.Raw, "",
				clk.Now()); err != nil {
				b.Fatal(err)
			}
			iss := bt.IssuedOf(cert)
			iss.Serial = serial // the row's key; the DER's serial does not matter to storing
			b.StartTimer()
			if err := reg.store(ctx, bt, req, iss, clk.Now()); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				s.run(b)
			}
		})
	}
}
