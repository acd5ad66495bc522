package demo

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// With a CA the demo also fills the register: valid, about-to-expire and revoked certificates, each
// issued by the built-in CA from a GOST request and verifying against its chain.
func TestLoadWithCA(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b, err := ca.Init(ctx, e.db, e.reg.Clock, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte("demo passphrase 123"), ca.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.reg.CA = b
	res := e.load(t, 7)
	admin := e.login(t, res, model.RoleAccountAdmin)
	issued, err := e.reg.Applications(ctx, admin, storage.AppFilter{State: model.StateIssued}, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(issued.Items) != len(issuedPlans) {
		t.Fatalf("%d issued applications, want %d", len(issued.Items), len(issuedPlans))
	}
	certs, err := e.reg.Certificates(ctx, admin, storage.CertFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	now := e.reg.Clock.Now()
	var revoked, expiring int
	issuing, _ := b.Certificate(ca.IssuingName)
	issuer, err := x509gost.ParseCertificate(issuing)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs.Items {
		parsed, err := x509gost.ParseCertificate(c.DER)
		if err != nil {
			t.Fatal(err)
		}
		if err := parsed.CheckSignatureFrom(issuer); err != nil {
			t.Errorf("certificate %s: %v", c.Serial, err)
		}
		if c.Status == model.CertRevoked {
			revoked++
		}
		if c.Status == model.CertValid && c.NotAfter.Before(now.Add(60*24*time.Hour)) {
			expiring++
		}
	}
	if len(certs.Items) != len(issuedPlans) || revoked != 2 || expiring != 2 {
		t.Fatalf("%d certificates, %d revoked, %d expiring within 60 days; want %d, 2, 2", len(certs.Items), revoked, expiring, len(issuedPlans))
	}
	if n, err := e.db.VerifyAudit(ctx); err != nil || n == 0 {
		t.Fatalf("audit: %d %v", n, err)
	}
}
