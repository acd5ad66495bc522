package cms

import (
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// testPKI is a root CA with heads it issued, and a second root nobody trusts. Certificates are valid
// around the real time of the test run because OpenSSL checks them against its own clock.
type testPKI struct {
	now                           time.Time
	rootKey, otherKey             *gost.PrivateKey
	root, other                   *x509gost.Certificate
	head256Key, head512Key        *gost.PrivateKey
	head256, head512              *x509gost.Certificate // issued by root
	stranger                      *x509gost.Certificate // head256Key, issued by other
	expired, notYet, encipherOnly *x509gost.Certificate // head256Key, issued by root
	subKey                        *gost.PrivateKey
	sub                           *x509gost.Certificate // an intermediate CA under root
	viaSub                        *x509gost.Certificate // head256Key, issued by sub
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

func mustKey(name string) (*gost.PrivateKey, error) {
	ps, ok := gost.ParamSetByName(name)
	if !ok {
		panic("no parameter set " + name)
	}
	return gost.GenerateKey(rand.Reader, ps)
}

func keyID(spki []byte) []byte {
	bits, err := x509gost.SubjectPublicKeyBits(spki)
	if err != nil {
		panic(err)
	}
	h := sha1.Sum(bits)
	return h[:]
}

func name(cn string) []byte {
	der, err := x509gost.Name{
		{OID: x509gost.OIDCommonName, Value: cn, Tag: encasn1.TagUTF8String},
		{OID: x509gost.OIDCountry, Value: "RU", Tag: encasn1.TagPrintableString},
	}.Marshal()
	if err != nil {
		panic(err)
	}
	return der
}

var serial int64 = 0x1000

// issue makes a certificate for key, signed by issuerKey (self-signed when issuer is nil).
func issue(cn string, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey, from, to time.Time, ca bool, usage ...int) (*x509gost.Certificate, error) {
	spki, err := key.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	serial++
	subject := name(cn)
	issuerName := subject
	exts := []x509gost.Extension{{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(keyID(spki))}}
	if issuer != nil {
		issuerName = issuer.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(issuer.SubjectKeyID)})
	}
	if ca {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)})
	}
	exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(usage...)})
	tbs := &x509gost.TBSCertificate{
		SerialNumber: big.NewInt(serial), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
		Issuer: issuerName, Subject: subject, NotBefore: from, NotAfter: to, SPKI: spki, Extensions: exts,
	}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	cert, err := x509gost.SignCertificate(der, issuerKey, rand.Reader)
	if err != nil {
		return nil, err
	}
	return x509gost.ParseCertificate(cert)
}

func buildPKI() (*testPKI, error) {
	p := &testPKI{now: time.Now().UTC().Truncate(time.Second)}
	var err error
	for _, k := range []struct {
		dst *(*gost.PrivateKey)
		set string
	}{{&p.rootKey, "tc26-512-A"}, {&p.otherKey, "tc26-256-A"}, {&p.head256Key, "tc26-256-A"}, {&p.head512Key, "tc26-512-A"}, {&p.subKey, "tc26-256-B"}} {
		if *k.dst, err = mustKey(k.set); err != nil {
			return nil, err
		}
	}
	from, to := p.now.Add(-time.Hour), p.now.AddDate(1, 0, 0)
	sign := []int{x509gost.KeyUsageDigitalSignature, x509gost.KeyUsageNonRepudiation}
	caUse := []int{x509gost.KeyUsageCertSign, x509gost.KeyUsageCRLSign}
	steps := []struct {
		dst       *(*x509gost.Certificate)
		cn        string
		key       *gost.PrivateKey
		issuer    *(*x509gost.Certificate)
		issuerKey *gost.PrivateKey
		from, to  time.Time
		ca        bool
		usage     []int
	}{
		{&p.root, "Тестовый УЦ", p.rootKey, nil, p.rootKey, from, p.now.AddDate(10, 0, 0), true, caUse},
		{&p.other, "Чужой УЦ", p.otherKey, nil, p.otherKey, from, p.now.AddDate(10, 0, 0), true, caUse},
		{&p.head256, "Руководитель 256", p.head256Key, &p.root, p.rootKey, from, to, false, sign},
		{&p.head512, "Руководитель 512", p.head512Key, &p.root, p.rootKey, from, to, false, sign},
		{&p.stranger, "Чужой руководитель", p.head256Key, &p.other, p.otherKey, from, to, false, sign},
		{&p.expired, "Истёкший", p.head256Key, &p.root, p.rootKey, p.now.AddDate(-2, 0, 0), p.now.AddDate(-1, 0, 0), false, sign},
		{&p.notYet, "Будущий", p.head256Key, &p.root, p.rootKey, p.now.AddDate(0, 1, 0), p.now.AddDate(1, 0, 0), false, sign},
		{&p.sub, "Подчинённый УЦ", p.subKey, &p.root, p.rootKey, from, p.now.AddDate(5, 0, 0), true, caUse},
		{&p.viaSub, "Руководитель через подчинённый УЦ", p.head256Key, &p.sub, p.subKey, from, to, false, sign},
		{&p.encipherOnly, "Шифрование", p.head256Key, &p.root, p.rootKey, from, to, false, []int{x509gost.KeyUsageKeyEncipherment}},
	}
	for _, s := range steps {
		var issuer *x509gost.Certificate
		if s.issuer != nil {
			issuer = *s.issuer
		}
		if *s.dst, err = issue(s.cn, s.key, issuer, s.issuerKey, s.from, s.to, s.ca, s.usage...); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
