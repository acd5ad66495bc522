package web

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Organization A's recorded head in the power-of-attorney tests (valid check digits, not employee A).
const (
	poaHeadSNILS = "08765430300"
	poaHeadINN   = "705210416998"
)

// poaTestPKI is a trusted state CA root, the head of A's certificate and key, and a certificate of
// someone who is not the head, made once for the package's tests.
type poaTestPKI struct {
	root          *x509gost.Certificate
	key           *gost.PrivateKey
	head, notHead *x509gost.Certificate
}

var (
	poaPKIOnce sync.Once
	poaPKIVal  *poaTestPKI
	poaPKIErr  error
)

func poaPKI(t testing.TB) *poaTestPKI {
	t.Helper()
	poaPKIOnce.Do(func() { poaPKIVal, poaPKIErr = buildPoATestPKI() })
	if poaPKIErr != nil {
		t.Fatal(poaPKIErr)
	}
	return poaPKIVal
}

func poaTestName(cn, innLE, ogrn, snils, inn string) x509gost.Name {
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

func poaTestIssue(serial int64, subj x509gost.Name, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey, ca bool) (*x509gost.Certificate, error) {
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
	usage := []int{x509gost.KeyUsageDigitalSignature, x509gost.KeyUsageNonRepudiation}
	if issuer != nil {
		issuerName = issuer.RawSubject
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyID(issuer.SubjectKeyID)})
	}
	if ca {
		usage = []int{x509gost.KeyUsageCertSign, x509gost.KeyUsageCRLSign}
		exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, -1)})
	}
	exts = append(exts, x509gost.Extension{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(usage...)})
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(serial), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
		Issuer: issuerName, Subject: name, NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	if der, err = x509gost.SignCertificate(der, issuerKey, rand.Reader); err != nil {
		return nil, err
	}
	return x509gost.ParseCertificate(der)
}

func buildPoATestPKI() (*poaTestPKI, error) {
	ps, ok := gost.ParamSetByName("tc26-256-A")
	if !ok {
		return nil, errors.New("no parameter set")
	}
	rootKey, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		return nil, err
	}
	p := &poaTestPKI{}
	if p.key, err = gost.GenerateKey(rand.Reader, ps); err != nil {
		return nil, err
	}
	if p.root, err = poaTestIssue(0x4001, poaTestName("Тестовый УЦ ФНС", "", "", "", ""), rootKey, nil, rootKey, true); err != nil {
		return nil, err
	}
	if p.head, err = poaTestIssue(0x4002, poaTestName("Руководитель", orgAINN, "1027700132195", poaHeadSNILS, poaHeadINN), p.key, p.root, rootKey, false); err != nil {
		return nil, err
	}
	if p.notHead, err = poaTestIssue(0x4003, poaTestName("Бухгалтер", orgAINN, "1027700132195", snilsA, "500100732259"), p.key, p.root, rootKey, false); err != nil {
		return nil, err
	}
	return p, nil
}

// sign makes a detached signature of file by cert, at the test clock's morning.
func (p *poaTestPKI) sign(t testing.TB, file []byte, cert *x509gost.Certificate) []byte {
	t.Helper()
	sig, err := cms.Sign(file, p.key, cert, nil, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	must(t, err)
	return sig
}

// poaTestRegistry stands in for the registry: a registration is PROCESSING until Activate, then ACTIVE.
type poaTestRegistry struct {
	mu     sync.Mutex
	status map[string]mchd.RegistryStatus
}

func (r *poaTestRegistry) Register(_ context.Context, number string, _, _ []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.status[number]; ok {
		return "", mchd.ErrRepeatedRegistration
	}
	r.status[number] = mchd.RegistryProcessing
	return "op-" + number, nil
}

// activate answers ACTIVE for every registration received so far.
func (r *poaTestRegistry) activate() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for n, st := range r.status {
		if st == mchd.RegistryProcessing {
			r.status[n] = mchd.RegistryActive
		}
	}
}

func (r *poaTestRegistry) Status(_ context.Context, number string) (*mchd.RegistryState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[number]
	if !ok {
		return nil, mchd.ErrUnknownNumber
	}
	return &mchd.RegistryState{Status: st}, nil
}

func (r *poaTestRegistry) Revoke(_ context.Context, rv *mchd.Revocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[rv.Number] = mchd.RegistryRevoked
	return nil
}

func (r *poaTestRegistry) StatusURL(number string) string {
	return "https://kcr.example/registry/mchd/status?guid=" + number
}

type poaTestDemo struct{ p *poaTestPKI }

func (d poaTestDemo) SignAsHead(_ context.Context, _ string, file []byte) ([]byte, error) {
	return cms.Sign(file, d.p.key, d.p.head, nil, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// poaEnv is the env with the power-of-attorney pages: organization A has a recorded head whose
// certificate poaPKI holds.
type poaEnv struct {
	*env
	poa *attorney.Service
	reg *poaTestRegistry
}

// withPoA gives e's web interface the power-of-attorney service (with the demo signer when demo is set),
// served by a new server on the same database: e.srv and e.h change to them.
func (e *env) withPoA(t *testing.T, demo bool) *poaEnv {
	t.Helper()
	p := poaPKI(t)
	org, err := e.db.Organization(context.Background(), storage.Scope{}, e.orgA)
	must(t, err)
	must(t, e.db.SetOrganizationHead(context.Background(), &model.Head{OrganizationID: e.orgA, AccountID: org.AccountID,
		Surname: "Петров", GivenName: "Пётр", Patronymic: "Петрович", Position: "Генеральный директор", INN: poaHeadINN,
		SNILS: poaHeadSNILS, Since: "2020-01-01", UpdatedAt: e.clk.Now()}))
	reg := &poaTestRegistry{status: map[string]mchd.RegistryStatus{}}
	svc := &attorney.Service{DB: e.db, Clock: e.clk, Registry: reg,
		Checker: &mchd.SignatureChecker{Roots: []*x509gost.Certificate{p.root}, Clock: e.clk,
			IsRevoked: func(*x509gost.Certificate, time.Time) (bool, error) { return false, nil }}}
	if demo {
		svc.Demo = poaTestDemo{p}
	}
	h := &Handler{Access: e.h.Access, Reg: e.h.Reg, Billing: e.h.Billing, Log: e.h.Log, PoA: svc}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.h, e.srv = h, srv
	return &poaEnv{env: e, poa: svc, reg: reg}
}

// draft drafts a power of attorney for employee A through the service, as the account administrator.
func (pe *poaEnv) draft(t *testing.T) *mchd.Record {
	t.Helper()
	out, err := pe.poa.Draft(context.Background(), pe.admin(t), attorney.DraftInput{OrganizationID: pe.orgA,
		EmployeeIDs: []string{pe.empA}, EndDate: "2027-11-25", Powers: []mchd.Power{{Code: mchd.Powers()[0].Code}}})
	must(t, err)
	return &out[0].Record
}

// admin is the account administrator's principal.
func (pe *poaEnv) admin(t *testing.T) *access.Principal {
	t.Helper()
	u, err := pe.db.UserByLogin(context.Background(), "account_admin")
	must(t, err)
	return access.PrincipalOfUser(u)
}
