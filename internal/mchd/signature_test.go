package mchd

import (
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// sigPKI is a trusted root with an intermediate, the certificates of heads and of people who are not, and
// an untrusted root. Certificates are valid around the real time of the run: OpenSSL checks them against
// its own clock.
type sigPKI struct {
	now                    time.Time
	doc                    *Document
	file                   []byte // doc's ЕМЧД file, issued today
	head                   HeadIdentity
	root, sub, other       *x509gost.Certificate
	key256, key512         *gost.PrivateKey
	head256, head512       *x509gost.Certificate // the head's, by root
	headINNOnly, headBySub *x509gost.Certificate // the head's without СНИЛС; the head's via sub
	notHead, otherOrgHead  *x509gost.Certificate // same organization, another person; another organization's head
	noOrg, expired         *x509gost.Certificate // an individual's certificate; the head's, expired a year ago
	revoked, unknown       *x509gost.Certificate // the head's, revoked; the head's, whose status cannot be learnt
	stranger, encipherOnly *x509gost.Certificate // the head's by the untrusted root; the head's for encryption only
}

var (
	sigPKIOnce sync.Once
	sigPKIVal  *sigPKI
	sigPKIErr  error
	sigSerial  atomic.Int64
)

func getSigPKI(t testing.TB) *sigPKI {
	t.Helper()
	sigPKIOnce.Do(func() { sigPKIVal, sigPKIErr = buildSigPKI() })
	if sigPKIErr != nil {
		t.Fatal(sigPKIErr)
	}
	return sigPKIVal
}

func genKey(set string) (*gost.PrivateKey, error) {
	ps, ok := gost.ParamSetByName(set)
	if !ok {
		return nil, errors.New("no parameter set " + set)
	}
	return gost.GenerateKey(rand.Reader, ps)
}

// subject is a head certificate's subject: CN and the attributes Check compares; empty values are left out.
func subject(cn, innLE, ogrn, snils, inn string) x509gost.Name {
	n := x509gost.Name{{OID: x509gost.OIDCommonName, Value: cn, Tag: encasn1.TagUTF8String}}
	for _, a := range []struct {
		oid encasn1.ObjectIdentifier
		v   string
	}{{x509gost.OIDINNLE, innLE}, {x509gost.OIDOGRN, ogrn}, {x509gost.OIDSNILS, snils}, {x509gost.OIDINN, inn}} {
		if a.v != "" {
			n = append(n, x509gost.Attribute{OID: a.oid, Value: a.v, Tag: encasn1.TagNumericString})
		}
	}
	return n
}

// issueCert makes a certificate for key with subject, signed by issuerKey (self-signed when issuer is nil).
func issueCert(subj x509gost.Name, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey, from, to time.Time, ca bool, usage ...int) (*x509gost.Certificate, error) {
	spki, err := key.Public().MarshalSPKI()
	if err != nil {
		return nil, err
	}
	bits, err := x509gost.SubjectPublicKeyBits(spki)
	if err != nil {
		return nil, err
	}
	kid := sha1.Sum(bits)
	name, err := subj.Marshal()
	if err != nil {
		return nil, err
	}
	issuerName := name
	exts := []x509gost.Extension{{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(kid[:])}}
	if issuer != nil {
		issuerName = issuer.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(issuer.SubjectKeyID)})
	}
	if ca {
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)})
	}
	exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(usage...)})
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(0x2000 + sigSerial.Add(1)), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
		Issuer: issuerName, Subject: name, NotBefore: from, NotAfter: to, SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	if der, err = x509gost.SignCertificate(der, issuerKey, rand.Reader); err != nil {
		return nil, err
	}
	return x509gost.ParseCertificate(der)
}

func buildSigPKI() (*sigPKI, error) {
	p := &sigPKI{now: time.Now().UTC().Truncate(time.Second)}
	doc := validDoc(11)
	y, m, d := p.now.In(rules.MSK).Date()
	doc.IssueDate = time.Date(y, m, d, 0, 0, 0, 0, rules.MSK)
	doc.EndDate = doc.IssueDate.AddDate(1, 0, -1)
	var err error
	if _, p.file, err = Marshal(doc); err != nil {
		return nil, err
	}
	p.doc = doc
	org, h := doc.Grantor, doc.Head
	p.head = HeadIdentity{OrgINN: org.INN, OrgOGRN: org.OGRN, SNILS: h.SNILS, INN: h.INN}
	other := validDoc(12) // another organization, another head, another representative

	var rootKey, subKey, otherKey *gost.PrivateKey
	for _, k := range []struct {
		dst **gost.PrivateKey
		set string
	}{{&rootKey, "tc26-256-A"}, {&subKey, "tc26-256-B"}, {&otherKey, "tc26-256-A"}, {&p.key256, "tc26-256-A"}, {&p.key512, "tc26-512-A"}} {
		if *k.dst, err = genKey(k.set); err != nil {
			return nil, err
		}
	}
	from, to := p.now.AddDate(0, 0, -30), p.now.AddDate(1, 0, 0)
	sign := []int{x509gost.KeyUsageDigitalSignature, x509gost.KeyUsageNonRepudiation}
	caUse := []int{x509gost.KeyUsageCertSign, x509gost.KeyUsageCRLSign}
	headName := subject("Руководитель", org.INN, org.OGRN, h.SNILS, h.INN)
	steps := []struct {
		dst       **x509gost.Certificate
		subj      x509gost.Name
		key       *gost.PrivateKey
		issuer    **x509gost.Certificate
		issuerKey *gost.PrivateKey
		from, to  time.Time
		ca        bool
		usage     []int
	}{
		{&p.root, subject("Тестовый УЦ ФНС", "", "", "", ""), rootKey, nil, rootKey, from, p.now.AddDate(10, 0, 0), true, caUse},
		{&p.other, subject("Чужой УЦ", "", "", "", ""), otherKey, nil, otherKey, from, p.now.AddDate(10, 0, 0), true, caUse},
		{&p.sub, subject("Подчинённый УЦ", "", "", "", ""), subKey, &p.root, rootKey, from, p.now.AddDate(5, 0, 0), true, caUse},
		{&p.head256, headName, p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.head512, headName, p.key512, &p.root, rootKey, from, to, false, sign},
		{&p.headINNOnly, subject("Руководитель", org.INN, org.OGRN, "", h.INN), p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.headBySub, headName, p.key256, &p.sub, subKey, from, to, false, sign},
		{&p.notHead, subject("Сотрудник", org.INN, org.OGRN, doc.Representative.SNILS, doc.Representative.INN), p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.otherOrgHead, subject("Чужой руководитель", other.Grantor.INN, other.Grantor.OGRN, other.Head.SNILS, other.Head.INN), p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.noOrg, subject("Физлицо", "", "", h.SNILS, h.INN), p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.expired, headName, p.key256, &p.root, rootKey, p.now.AddDate(-2, 0, 0), p.now.AddDate(-1, 0, 0), false, sign},
		{&p.revoked, headName, p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.unknown, headName, p.key256, &p.root, rootKey, from, to, false, sign},
		{&p.stranger, headName, p.key256, &p.other, otherKey, from, to, false, sign},
		{&p.encipherOnly, headName, p.key256, &p.root, rootKey, from, to, false, []int{x509gost.KeyUsageKeyEncipherment}},
	}
	for _, s := range steps {
		var issuer *x509gost.Certificate
		if s.issuer != nil {
			issuer = *s.issuer
		}
		if *s.dst, err = issueCert(s.subj, s.key, issuer, s.issuerKey, s.from, s.to, s.ca, s.usage...); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checker trusts root (with sub as an intermediate) and knows p.revoked as revoked and nothing of p.unknown.
func (p *sigPKI) checker() *SignatureChecker {
	return &SignatureChecker{
		Roots:         []*x509gost.Certificate{p.root},
		Intermediates: []*x509gost.Certificate{p.sub},
		IsRevoked: func(cert *x509gost.Certificate, _ time.Time) (bool, error) {
			switch cert.SerialNumber.Cmp(p.unknown.SerialNumber) {
			case 0:
				return false, errors.New("the CA does not answer")
			}
			return cert.SerialNumber.Cmp(p.revoked.SerialNumber) == 0, nil
		},
		Clock: clock.NewFake(p.now.Add(time.Hour)),
	}
}

// refusedBy returns the Rule of a signature refusal, failing the test on any other error.
func refusedBy(t *testing.T, err error) SignatureCheck {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "signature" || e.Fields[0].Message == "" {
		t.Fatalf("want a validation error with one field error on signature, got %#v", err)
	}
	return SignatureCheck(e.Fields[0].Rule)
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// TestSignatureCheck has cms.Sign make the head's signatures, and one of them in each way Check refuses.
func TestSignatureCheck(t *testing.T) {
	t.Parallel()
	p := getSigPKI(t)
	sign := func(key *gost.PrivateKey, cert *x509gost.Certificate, at time.Time, file []byte) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			sig, err := cms.Sign(file, key, cert, nil, at)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	tampered := append([]byte(nil), p.file...)
	tampered[len(tampered)-3] ^= 1
	other := validDoc(13)
	other.IssueDate, other.EndDate = p.doc.IssueDate, p.doc.EndDate
	_, otherFile, err := Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		sig     func(t *testing.T) []byte
		file    []byte
		head    HeadIdentity
		checker func(*SignatureChecker)
		want    SignatureCheck // "" for accepted
	}{
		{name: "valid 256", sig: sign(p.key256, p.head256, p.now, p.file)},
		{name: "valid 512", sig: sign(p.key512, p.head512, p.now, p.file)},
		{name: "PEM", sig: func(t *testing.T) []byte { return pemOf("CMS", sign(p.key256, p.head256, p.now, p.file)(t)) }},
		{name: "base64", sig: func(t *testing.T) []byte {
			return []byte(base64.StdEncoding.EncodeToString(sign(p.key256, p.head256, p.now, p.file)(t)) + "\n")
		}},
		{name: "head without СНИЛС, by ИНН ФЛ", sig: sign(p.key256, p.headINNOnly, p.now, p.file)},
		{name: "chain through an intermediate", sig: sign(p.key256, p.headBySub, p.now, p.file)},
		{name: "garbage", sig: func(*testing.T) []byte { return []byte("not a signature") }, want: CheckEncoding},
		{name: "tampered file", sig: sign(p.key256, p.head256, p.now, p.file), file: tampered, want: CheckDigest},
		{name: "another file", sig: sign(p.key256, p.head256, p.now, otherFile), want: CheckDigest},
		{name: "key for encryption only", sig: sign(p.key256, p.encipherOnly, p.now, p.file), want: CheckKeyUsage},
		{name: "expired at signing time", sig: sign(p.key256, p.expired, p.now, p.file), want: CheckValidity},
		{name: "untrusted root", sig: sign(p.key256, p.stranger, p.now, p.file), want: CheckChain},
		{name: "no trusted roots", sig: sign(p.key256, p.head256, p.now, p.file), checker: func(c *SignatureChecker) { c.Roots = nil }, want: CheckChain},
		{name: "revoked", sig: sign(p.key256, p.revoked, p.now, p.file), want: CheckRevoked},
		{name: "revocation unknown", sig: sign(p.key256, p.unknown, p.now, p.file), want: CheckRevocationUnknown},
		{name: "signed in the future", sig: sign(p.key256, p.head256, p.now.Add(24*time.Hour), p.file), want: CheckSigningTime},
		{name: "signed before the issue date", sig: sign(p.key256, p.head256, p.doc.IssueDate.Add(-time.Minute), p.file), want: CheckSigningTime},
		{name: "signed file is not a power of attorney", sig: sign(p.key256, p.head256, p.now, []byte("<a/>")), file: []byte("<a/>"), want: CheckFile},
		{name: "not the head", sig: sign(p.key256, p.notHead, p.now, p.file), want: CheckHead},
		{name: "another person by ИНН ФЛ", sig: sign(p.key256, p.headINNOnly, p.now, p.file), head: HeadIdentity{OrgINN: p.head.OrgINN, OrgOGRN: p.head.OrgOGRN, INN: "500100732259"}, want: CheckHead},
		{name: "head of another organization", sig: sign(p.key256, p.otherOrgHead, p.now, p.file), want: CheckOrganization},
		{name: "another ОГРН", sig: sign(p.key256, p.head256, p.now, p.file), head: HeadIdentity{OrgINN: p.head.OrgINN, OrgOGRN: "1027700132195", SNILS: p.head.SNILS}, want: CheckOrganization},
		{name: "individual's certificate", sig: sign(p.key256, p.noOrg, p.now, p.file), want: CheckOrganization},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file, head := c.file, c.head
			if file == nil {
				file = p.file
			}
			if head == (HeadIdentity{}) {
				head = p.head
			}
			ch := p.checker()
			if c.checker != nil {
				c.checker(ch)
			}
			info, err := ch.Check(file, c.sig(t), head)
			if c.want != "" {
				if got := refusedBy(t, err); got != c.want {
					t.Fatalf("refused by %q (%v), want %q", got, err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if info.Signer == nil || len(info.Chain) < 2 || !info.Chain[len(info.Chain)-1].PublicKey.Equal(p.root.PublicKey) || info.SigningTime.IsZero() {
				t.Fatalf("info %+v", info)
			}
		})
	}
}

// TestSignatureChecksEnum keeps the list complete and the values unique: the web maps each to Russian.
func TestSignatureChecksEnum(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range SignatureCheck("").EnumValues() {
		if v == "" || seen[v] {
			t.Fatalf("empty or repeated value %q", v)
		}
		seen[v] = true
	}
	for _, m := range cmsChecks {
		if !seen[string(m.check)] {
			t.Errorf("%q is not in SignatureChecks", m.check)
		}
	}
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignatureCheckOpenSSL has OpenSSL's GOST engine sign as a head's tool does, and checks that Check
// and `openssl cms -verify` agree: both accept the valid signatures (also those cms.Sign made), and
// Check refuses the others naming the check.
func TestSignatureCheckOpenSSL(t *testing.T) {
	t.Parallel()
	o := ossltest.New(t)
	p := getSigPKI(t)
	dir := t.TempDir()
	// OpenSSL builds chains from the CA file: the intermediate goes there beside the root.
	caFile := writeTemp(t, dir, "ca.pem", append(pemOf("CERTIFICATE", p.root.Raw), pemOf("CERTIFICATE", p.sub.Raw)...))
	doc := writeTemp(t, dir, "file.xml", p.file)
	tampered := writeTemp(t, dir, "tampered.xml", append(append([]byte(nil), p.file...), ' '))
	k256, err := p.key256.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	k512, err := p.key512.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	key256, key512 := writeTemp(t, dir, "k256.pem", pemOf("PRIVATE KEY", k256)), writeTemp(t, dir, "k512.pem", pemOf("PRIVATE KEY", k512))
	n := 0
	osslSign := func(md, key string, cert *x509gost.Certificate, in, outform string, extra ...string) func(t *testing.T) []byte {
		n++
		certPath := writeTemp(t, dir, "cert"+string(rune('a'+n))+".pem", pemOf("CERTIFICATE", cert.Raw))
		out := filepath.Join(dir, "sig"+string(rune('a'+n)))
		return func(t *testing.T) []byte {
			args := append([]string{"cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", md, "-outform", outform,
				"-signer", certPath, "-inkey", key, "-in", in, "-out", out}, extra...)
			o.Run(t, args...)
			sig, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	kcrSign := func(key *gost.PrivateKey, cert *x509gost.Certificate) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			sig, err := cms.Sign(p.file, key, cert, nil, p.now)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	for _, c := range []struct {
		name string
		sig  func(t *testing.T) []byte
		file []byte
		pem  bool
		want SignatureCheck
	}{
		{name: "OpenSSL 256", sig: osslSign("md_gost12_256", key256, p.head256, doc, "DER")},
		{name: "OpenSSL 512", sig: osslSign("md_gost12_512", key512, p.head512, doc, "DER")},
		{name: "OpenSSL PEM", sig: osslSign("md_gost12_256", key256, p.head256, doc, "PEM"), pem: true},
		{name: "OpenSSL via intermediate", sig: osslSign("md_gost12_256", key256, p.headBySub, doc, "DER")},
		{name: "kcr 256", sig: kcrSign(p.key256, p.head256)},
		{name: "kcr 512", sig: kcrSign(p.key512, p.head512)},
		{name: "OpenSSL tampered file", sig: osslSign("md_gost12_256", key256, p.head256, tampered, "DER"), want: CheckDigest},
		{name: "OpenSSL attached", sig: osslSign("md_gost12_256", key256, p.head256, doc, "DER", "-nodetach"), want: CheckDetached},
		{name: "OpenSSL not the head", sig: osslSign("md_gost12_256", key256, p.notHead, doc, "DER"), want: CheckHead},
		{name: "OpenSSL head of another organization", sig: osslSign("md_gost12_256", key256, p.otherOrgHead, doc, "DER"), want: CheckOrganization},
		{name: "OpenSSL expired", sig: osslSign("md_gost12_256", key256, p.expired, doc, "DER"), want: CheckValidity},
		{name: "OpenSSL revoked", sig: osslSign("md_gost12_256", key256, p.revoked, doc, "DER"), want: CheckRevoked},
		{name: "OpenSSL untrusted root", sig: osslSign("md_gost12_256", key256, p.stranger, doc, "DER"), want: CheckChain},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sig := c.sig(t)
			file := c.file
			if file == nil {
				file = p.file
			}
			_, err := p.checker().Check(file, sig, p.head)
			if c.want != "" {
				if got := refusedBy(t, err); got != c.want {
					t.Fatalf("refused by %q (%v), want %q", got, err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			inform := "DER"
			if c.pem {
				inform = "PEM"
			}
			sigPath := writeTemp(t, t.TempDir(), "file.sig", sig)
			out := o.Run(t, "cms", "-verify", "-binary", "-inform", inform, "-in", sigPath, "-content", doc, "-CAfile", caFile,
				"-out", os.DevNull)
			if !strings.Contains(out, "Verification successful") {
				t.Fatalf("openssl cms -verify: %s", out)
			}
		})
	}
}
