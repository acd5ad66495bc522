package main

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/testdb"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// outsideCert makes a certificate of subject for key, signed by issuerKey in issuer's name (self-signed
// when issuer is nil), naming crlURL as its CRL distribution point when given.
func outsideCert(t *testing.T, serial int64, subject x509gost.Name, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey,
	now time.Time, crlURL string) *x509gost.Certificate {
	t.Helper()
	spki, err := key.Public().MarshalSPKI()
	if err != nil {
		t.Fatal(err)
	}
	bits, err := x509gost.SubjectPublicKeyBits(spki)
	if err != nil {
		t.Fatal(err)
	}
	kid := sha1.Sum(bits)
	name, err := subject.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	issuerName := name
	exts := []x509gost.Extension{{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(kid[:])}}
	if issuer == nil {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)},
			x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageCertSign, x509gost.KeyUsageCRLSign)})
	} else {
		issuerName = issuer.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(issuer.SubjectKeyID)},
			x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageDigitalSignature, x509gost.KeyUsageNonRepudiation)},
			x509gost.Extension{OID: x509gost.OIDExtCRLDistributionPoints, Value: x509gost.CRLDistributionPoints(crlURL)})
	}
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(serial), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
		Issuer: issuerName, Subject: name, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0), SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if der, err = x509gost.SignCertificate(der, issuerKey, rand.Reader); err != nil {
		t.Fatal(err)
	}
	cert, err := x509gost.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// Under --mchd-trust-roots the head's certificate comes from a CA outside kcr (the ФНС CA): its status
// is read from the CRL it names. A certificate the CRL lists is refused as revoked, one whose CRL cannot
// be fetched as unknown, and one the CRL does not list is accepted.
func TestHeadSignatureCheckerOutsideCA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	auths, _, f := mchdCAs(t, now)
	ps, _ := gost.ParamSetByName("tc26-256-A")
	caKey, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	headKey, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		t.Fatal(err)
	}
	root := outsideCert(t, 1, x509gost.Name{{OID: x509gost.OIDCommonName, Value: "Тестовый УЦ ФНС", Tag: encasn1.TagUTF8String}}, caKey, nil, caKey, now, "")
	var crl []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(crl) }))
	t.Cleanup(srv.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(down.Close)
	headName := x509gost.Name{{OID: x509gost.OIDCommonName, Value: "Руководитель", Tag: encasn1.TagUTF8String},
		{OID: x509gost.OIDINNLE, Value: testdb.HeadINN, Tag: encasn1.TagNumericString},
		{OID: x509gost.OIDOGRN, Value: testdb.HeadOGRN, Tag: encasn1.TagNumericString},
		{OID: x509gost.OIDSNILS, Value: testdb.HeadSNILS, Tag: encasn1.TagNumericString}}
	good := outsideCert(t, 2, headName, headKey, root, caKey, now, srv.URL+"/fns.crl")
	revoked := outsideCert(t, 3, headName, headKey, root, caKey, now, srv.URL+"/fns.crl")
	unknown := outsideCert(t, 4, headName, headKey, root, caKey, now, down.URL+"/fns.crl")
	if crl, err = x509gost.CreateCRL(&x509gost.CRLTemplate{Issuer: root.RawSubject, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Number: big.NewInt(1), AuthorityKeyID: root.SubjectKeyID,
		Revoked: []x509gost.RevokedEntry{{SerialNumber: revoked.SerialNumber, RevokedAt: now.Add(-2 * time.Hour), Reason: x509gost.ReasonKeyCompromise}}},
		caKey, rand.Reader); err != nil {
		t.Fatal(err)
	}
	issue := time.Date(2026, 11, 26, 0, 0, 0, 0, rules.MSK)
	_, file, err := mchd.Marshal(&mchd.Document{Number: "6b1c0e0a-8f5e-4a8e-b3a7-0f1d2c3b4a59", InternalNumber: "1", IssueDate: issue,
		EndDate: issue.AddDate(1, 0, 0), Kind: mchd.KindOrdinary, Retrust: mchd.RetrustNone,
		Grantor:        mchd.Organization{Name: testdb.HeadName, INN: testdb.HeadINN, KPP: testdb.HeadKPP, OGRN: testdb.HeadOGRN},
		Head:           mchd.Person{LastName: "Иванов", FirstName: "Иван", Position: "Генеральный директор", SNILS: testdb.HeadSNILS, INN: "500100732259"},
		Representative: mchd.Person{LastName: "Петрова", FirstName: "Мария", SNILS: f.BranchSNILS},
		Powers:         []mchd.Power{{Code: "DEMO_INVOICE_SIGN", Name: mchd.PowerByCode("DEMO_INVOICE_SIGN").Name}},
		StatusURL:      "http://127.0.0.1:8080/registry/mchd/status?guid=6b1c0e0a-8f5e-4a8e-b3a7-0f1d2c3b4a59"})
	if err != nil {
		t.Fatal(err)
	}
	chk, err := headSignatureChecker(ctx, &serveConfig{MCHDTrustRootsFile: "fns.pem", MCHDTrustRoots: []*x509gost.Certificate{root}}, auths, clock.NewFake(now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	head := mchd.HeadIdentity{OrgINN: testdb.HeadINN, OrgOGRN: testdb.HeadOGRN, SNILS: testdb.HeadSNILS}
	for _, c := range []struct {
		name string
		cert *x509gost.Certificate
		want mchd.SignatureCheck
	}{
		{"not listed", good, ""},
		{"listed", revoked, mchd.CheckRevoked},
		{"CRL not found", unknown, mchd.CheckRevocationUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			sig, err := cms.Sign(file, headKey, c.cert, nil, now.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			_, err = chk.Check(file, sig, head)
			var e *errs.Error
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case c.want != "" && (!errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Rule != string(c.want)):
				t.Fatalf("got %v, want a refusal by %q", err, c.want)
			}
		})
	}
}
