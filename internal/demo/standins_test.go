package demo

import (
	"context"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// The stand-ins for the state CAs carry the real authorities' requisites: the CA accepts them (ОГРН and
// ИНН pass their checks) and names itself with them.
func TestStandInsNamedAsTheRealAuthorities(t *testing.T) {
	db := testdb.Engines(t)[0].Open(t)
	for _, si := range StandIns {
		t.Run(si.Options.Prefix, func(t *testing.T) {
			b, err := ca.Init(context.Background(), db, clock.Real{}, ca.DefaultProfile(), "http://127.0.0.1:8080", []byte("demo passphrase 123"), si.Options)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := b.Certificate(b.IssuingName())
			c, err := x509gost.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range c.Subject {
				got[a.OID.String()] = a.Value
			}
			if got[x509gost.OIDOGRN.String()] != si.Options.OGRN || got[x509gost.OIDINNLE.String()] != si.Options.INN ||
				got[x509gost.OIDStateOrProvince.String()] != "77 г. Москва" {
				t.Fatalf("subject %s", c.Subject)
			}
		})
	}
}
