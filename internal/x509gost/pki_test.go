package x509gost

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
)

// testPKI is a small CA built with this package: a tc26-512-A root, a tc26-256-A end entity it
// issued with every extension builder, a CRL revoking the end entity and OCSP messages about it.
type testPKI struct {
	rootKey, eeKey *gost.PrivateKey
	root, ee       *Certificate
	crl            []byte
	ocspReq        []byte // SHA-1 CertID with a nonce
	ocspResp       []byte // revoked, keyCompromise, nonce echoed, root included
	ocspRespNoCert []byte // the same without the root certificate and without a nonce
	revokedAt      time.Time
	nonce          []byte
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

func mustParamSet(name string) *gost.ParamSet {
	ps, ok := gost.ParamSetByName(name)
	if !ok {
		panic("no parameter set " + name)
	}
	return ps
}

// keyID is the RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey BIT STRING contents.
func keyID(spki []byte) []byte {
	bits, err := SubjectPublicKeyBits(spki)
	if err != nil {
		panic(err)
	}
	h := sha1.Sum(bits)
	return h[:]
}

func randomSerial() *big.Int {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // positive, full 16 octets
	return new(big.Int).SetBytes(b)
}

func rootName() Name {
	return Name{
		{OIDCommonName, "Тестовый УЦ kcr", encasn1.TagUTF8String},
		{OIDOrganization, "ООО «Тест»", encasn1.TagUTF8String},
		{OIDCountry, "RU", encasn1.TagPrintableString},
		{OIDINNLE, "7700000000", encasn1.TagNumericString},
		{OIDOGRN, "1027700000000", encasn1.TagNumericString},
	}
}

// getPKI builds the test PKI once per test binary: GOST key generation and signing are the slow part.
func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = buildPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func buildPKI() (*testPKI, error) {
	p := &testPKI{}
	var err error
	if p.rootKey, err = gost.GenerateKey(rand.Reader, mustParamSet("tc26-512-A")); err != nil {
		return nil, err
	}
	if p.eeKey, err = gost.GenerateKey(rand.Reader, mustParamSet("tc26-256-A")); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	rootDN, err := rootName().Marshal()
	if err != nil {
		return nil, err
	}
	rootSPKI, err := p.rootKey.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	rootTBS := &TBSCertificate{
		SerialNumber: randomSerial(), SignatureAlgorithm: gost.OIDSignature512,
		Issuer: rootDN, Subject: rootDN, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		SPKI: rootSPKI,
		Extensions: []Extension{
			{OID: OIDExtBasicConstraints, Critical: true, Value: BasicConstraints(true, -1)},
			{OID: OIDExtKeyUsage, Critical: true, Value: KeyUsage(KeyUsageCertSign, KeyUsageCRLSign)},
			{OID: OIDExtSubjectKeyID, Value: SubjectKeyID(keyID(rootSPKI))},
		},
	}
	if p.root, err = issue(rootTBS, p.rootKey); err != nil {
		return nil, err
	}

	eeDN, err := personName().Marshal()
	if err != nil {
		return nil, err
	}
	eeSPKI, err := p.eeKey.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	eeTBS := &TBSCertificate{
		SerialNumber: randomSerial(), SignatureAlgorithm: gost.OIDSignature512,
		Issuer: p.root.RawSubject, Subject: eeDN, NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(1, 3, 0),
		SPKI: eeSPKI,
		Extensions: []Extension{
			{OID: OIDExtKeyUsage, Critical: true, Value: KeyUsage(KeyUsageDigitalSignature, KeyUsageNonRepudiation, KeyUsageKeyEncipherment, KeyUsageDataEncipherment)},
			{OID: OIDExtExtendedKeyUsage, Value: ExtKeyUsage(OIDExtKeyUsageClientAuth, OIDExtKeyUsageEmailProtection)},
			{OID: OIDExtSubjectKeyID, Value: SubjectKeyID(keyID(eeSPKI))},
			{OID: OIDExtAuthorityKeyID, Value: AuthorityKeyID(p.root.SubjectKeyID)},
			{OID: OIDExtCRLDistributionPoints, Value: CRLDistributionPoints("http://ca.example.ru/root.crl", "http://ca2.example.ru/root.crl")},
			{OID: OIDExtAuthorityInfoAccess, Value: AuthorityInfoAccess([]string{"http://ca.example.ru/ocsp"}, []string{"http://ca.example.ru/root.crt"})},
			{OID: OIDExtCertificatePolicies, Value: CertificatePolicies(OIDPolicyKC1, OIDPolicyKC2)},
			{OID: OIDExtPrivateKeyUsagePeriod, Value: PrivateKeyUsagePeriod(now.Add(-time.Minute), now.AddDate(1, 3, 0))},
			{OID: OIDExtSubjectSignTool, Value: SubjectSignTool("СКЗИ «КриптоТест» версия 1.0")},
			{OID: OIDExtIssuerSignTool, Value: IssuerSignTool("ПАК «УЦ-Тест»", "ПАК «Удостоверяющий центр kcr»", "Сертификат соответствия № СФ/124-0000", "Сертификат соответствия № СФ/128-0000")},
			{OID: OIDExtIdentificationKind, Value: IdentificationKind(0)},
		},
	}
	if p.ee, err = issue(eeTBS, p.rootKey); err != nil {
		return nil, err
	}

	p.revokedAt = now.Add(-30 * time.Second)
	if p.crl, err = CreateCRL(&CRLTemplate{
		Issuer: p.root.RawSubject, ThisUpdate: now.Add(-10 * time.Second), NextUpdate: now.AddDate(0, 0, 7),
		Number: big.NewInt(42), AuthorityKeyID: p.root.SubjectKeyID,
		Revoked: []RevokedEntry{
			{SerialNumber: p.ee.SerialNumber, RevokedAt: p.revokedAt, Reason: ReasonKeyCompromise},
			{SerialNumber: big.NewInt(0x1234), RevokedAt: p.revokedAt, Reason: ReasonUnspecified},
			{SerialNumber: big.NewInt(0x5678), RevokedAt: p.revokedAt, Reason: -1},
		},
	}, p.rootKey, rand.Reader); err != nil {
		return nil, err
	}

	p.nonce = []byte("0123456789abcdef")
	sha1ID, err := NewCertID(OIDSHA1, p.root, p.ee.SerialNumber)
	if err != nil {
		return nil, err
	}
	gostID, err := NewCertID(gost.OIDDigest256, p.root, p.ee.SerialNumber)
	if err != nil {
		return nil, err
	}
	if p.ocspReq, err = CreateOCSPRequest([]CertID{sha1ID}, p.nonce); err != nil {
		return nil, err
	}
	rkh, err := KeyHash(p.root)
	if err != nil {
		return nil, err
	}
	tmpl := &OCSPResponseTemplate{
		ResponderKeyHash: rkh, ProducedAt: now,
		Responses: []SingleResponse{
			{ID: sha1ID, Status: OCSPRevoked, RevokedAt: p.revokedAt, Reason: ReasonKeyCompromise, ThisUpdate: now, NextUpdate: now.Add(time.Hour)},
			{ID: gostID, Status: OCSPRevoked, RevokedAt: p.revokedAt, Reason: ReasonKeyCompromise, ThisUpdate: now, NextUpdate: now.Add(time.Hour)},
		},
		Nonce: p.nonce, Certs: [][]byte{p.root.Raw},
	}
	if p.ocspResp, err = CreateOCSPResponse(tmpl, p.rootKey, rand.Reader); err != nil {
		return nil, err
	}
	tmpl.Nonce, tmpl.Certs = nil, nil
	if p.ocspRespNoCert, err = CreateOCSPResponse(tmpl, p.rootKey, rand.Reader); err != nil {
		return nil, err
	}
	return p, nil
}

// issue marshals, signs and parses a certificate.
func issue(tbs *TBSCertificate, key *gost.PrivateKey) (*Certificate, error) {
	tbsDER, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	der, err := SignCertificate(tbsDER, key, rand.Reader)
	if err != nil {
		return nil, err
	}
	return ParseCertificate(der)
}

// writeFile writes data under dir and returns the path.
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
