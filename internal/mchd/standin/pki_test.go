package standin_test

import (
	"crypto/rand"
	encasn1 "encoding/asn1"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Requisites the test power of attorney and the certificates share (valid check digits).
const (
	orgINN     = "7707083893"
	orgOGRN    = "1027700132195"
	headSNILS  = "11223344595"
	otherINN   = "7736050003"
	otherSNILS = "08765430300"
)

// testPKI is a trusted state CA with the certificates the registry's checks tell apart, all for one key,
// and a root nobody trusts.
type testPKI struct {
	key                *gost.PrivateKey
	root, untrustedCA  *x509gost.Certificate
	sub                *x509gost.Certificate // an intermediate CA under root
	viaSub             *x509gost.Certificate // the grantor's head, issued by sub
	headNow            *x509gost.Certificate // the grantor's head, valid around the real time, for OpenSSL's signatures
	head               *x509gost.Certificate // the grantor's head
	otherOrgHead       *x509gost.Certificate // the head of another organization
	notHead            *x509gost.Certificate // someone else in the grantor organization
	expired, untrusted *x509gost.Certificate // the head's, expired in 2025; issued by untrustedCA
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = buildPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func buildPKI() (*testPKI, error) {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	p := &testPKI{}
	var rootKey, otherKey, subKey *gost.PrivateKey
	for _, k := range []*(*gost.PrivateKey){&p.key, &rootKey, &otherKey, &subKey} {
		var err error
		if *k, err = gost.GenerateKey(rand.Reader, ps); err != nil {
			return nil, err
		}
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	// OpenSSL signs at the real time: the root and headNow are valid around it too.
	now := time.Now().UTC().Truncate(time.Second)
	caFrom, caTo := from, to
	if now.Before(caFrom) {
		caFrom = now.AddDate(0, 0, -1)
	}
	if now.AddDate(1, 0, 0).After(caTo) {
		caTo = now.AddDate(1, 0, 0)
	}
	steps := []struct {
		dst          *(*x509gost.Certificate)
		key          *gost.PrivateKey
		issuer       *(*x509gost.Certificate)
		issuerKey    *gost.PrivateKey
		cn, inn, sns string
		from, to     time.Time
	}{
		{&p.root, rootKey, nil, rootKey, "УЦ ФНС (тест)", "", "", caFrom, caTo},
		{&p.untrustedCA, otherKey, nil, otherKey, "Чужой УЦ", "", "", from, to},
		{&p.sub, subKey, &p.root, rootKey, "Подчинённый УЦ ФНС (тест)", "", "", from, to},
		{&p.viaSub, p.key, &p.sub, subKey, "Руководитель", orgINN, headSNILS, from, to},
		{&p.headNow, p.key, &p.root, rootKey, "Руководитель", orgINN, headSNILS, now.Add(-time.Hour), now.AddDate(1, 0, 0)},
		{&p.head, p.key, &p.root, rootKey, "Руководитель", orgINN, headSNILS, from, to},
		{&p.otherOrgHead, p.key, &p.root, rootKey, "Руководитель другой организации", otherINN, headSNILS, from, to},
		{&p.notHead, p.key, &p.root, rootKey, "Не руководитель", orgINN, otherSNILS, from, to},
		{&p.expired, p.key, &p.root, rootKey, "Руководитель", orgINN, headSNILS, from.AddDate(-1, 0, 0), from.AddDate(0, 0, -1)},
		{&p.untrusted, p.key, &p.untrustedCA, otherKey, "Руководитель", orgINN, headSNILS, from, to},
	}
	for i, s := range steps {
		var issuer *x509gost.Certificate
		if s.issuer != nil {
			issuer = *s.issuer
		}
		var err error
		if *s.dst, err = issue(int64(i+1), s.key, issuer, s.issuerKey, s.cn, s.inn, s.sns, s.from, s.to); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// issue makes a certificate for key: a CA when inn is empty (self-signed when issuer is nil), else an end
// entity with ИНН ЮЛ and СНИЛС in its subject.
func issue(serial int64, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey, cn, inn, snils string,
	from, to time.Time) (*x509gost.Certificate, error) {
	spki, err := key.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	name := x509gost.Name{{OID: x509gost.OIDCommonName, Value: cn, Tag: encasn1.TagUTF8String}}
	if inn != "" {
		name = append(name, x509gost.Attribute{OID: x509gost.OIDINNLE, Value: inn, Tag: encasn1.TagNumericString},
			x509gost.Attribute{OID: x509gost.OIDOGRN, Value: orgOGRN, Tag: encasn1.TagNumericString},
			x509gost.Attribute{OID: x509gost.OIDSNILS, Value: snils, Tag: encasn1.TagNumericString})
	}
	subject, err := name.Marshal()
	if err != nil {
		return nil, err
	}
	keyID := big.NewInt(serial).Bytes()
	exts := []x509gost.Extension{{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(keyID)}}
	issuerName := subject
	if issuer != nil {
		issuerName = issuer.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(issuer.SubjectKeyID)})
	}
	if inn == "" {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)},
			x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageCertSign)})
	} else {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(x509gost.KeyUsageDigitalSignature)})
	}
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(serial), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
		Issuer: issuerName, Subject: subject, NotBefore: from, NotAfter: to, SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	if der, err = x509gost.SignCertificate(der, issuerKey, rand.Reader); err != nil {
		return nil, err
	}
	return x509gost.ParseCertificate(der)
}
