package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	encasn1 "encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/cms"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/ossltest"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Organization A's recorded head in the API tests (valid check digits, not employee A).
const (
	poaHeadSNILS = "08765430300"
	poaHeadINN   = "705210416998"
)

// poaPKI is a trusted state CA root and the certificates the head's signature tests sign with: the head's
// and those of people who are not (valid around both the real and the test clock: OpenSSL signs at the
// real time), and the representative's for the authorization check.
type poaPKI struct {
	root                              *x509gost.Certificate
	key                               *gost.PrivateKey
	head, notHead, otherHead, expired *x509gost.Certificate
	revoked, representative           *x509gost.Certificate
}

var (
	poaPKIOnce sync.Once
	poaPKIVal  *poaPKI
	poaPKIErr  error
	poaSerial  atomic.Int64
)

func getPoAPKI(t testing.TB) *poaPKI {
	t.Helper()
	poaPKIOnce.Do(func() { poaPKIVal, poaPKIErr = buildPoAPKI() })
	if poaPKIErr != nil {
		t.Fatal(poaPKIErr)
	}
	return poaPKIVal
}

func poaSubject(cn, innLE, ogrn, snils, inn string) x509gost.Name {
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

func poaIssue(subj x509gost.Name, key *gost.PrivateKey, issuer *x509gost.Certificate, issuerKey *gost.PrivateKey, from, to time.Time, ca bool) (*x509gost.Certificate, error) {
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
	tbs := &x509gost.TBSCertificate{SerialNumber: big.NewInt(0x3000 + poaSerial.Add(1)), SignatureAlgorithm: issuerKey.Public().SignatureAlgorithm(),
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

func buildPoAPKI() (*poaPKI, error) {
	ps, ok := gost.ParamSetByName("tc26-256-A")
	if !ok {
		return nil, errors.New("no parameter set")
	}
	rootKey, err := gost.GenerateKey(rand.Reader, ps)
	if err != nil {
		return nil, err
	}
	p := &poaPKI{}
	if p.key, err = gost.GenerateKey(rand.Reader, ps); err != nil {
		return nil, err
	}
	// Valid around the test clock (2026-11-26) and the real time OpenSSL signs at.
	now := time.Now()
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), now.AddDate(1, 0, 0)
	if now.Before(from) {
		from = now.AddDate(0, -1, 0)
	}
	if p.root, err = poaIssue(poaSubject("Тестовый УЦ ФНС", "", "", "", ""), rootKey, nil, rootKey, from, to.AddDate(5, 0, 0), true); err != nil {
		return nil, err
	}
	headName := poaSubject("Руководитель", "7707083893", "1027700132195", poaHeadSNILS, poaHeadINN)
	for _, c := range []struct {
		dst      **x509gost.Certificate
		subj     x509gost.Name
		from, to time.Time
	}{
		{&p.head, headName, from, to},
		{&p.revoked, headName, from, to},
		{&p.expired, headName, from.AddDate(-2, 0, 0), from.AddDate(-1, 0, 0)},
		{&p.notHead, poaSubject("Бухгалтер", "7707083893", "1027700132195", "11223344595", "500100732259"), from, to},
		{&p.otherHead, poaSubject("Чужой руководитель", "7736050003", "1027700070518", poaHeadSNILS, poaHeadINN), from, to},
		{&p.representative, poaSubject("Иванов Иван Петрович", "", "", "11223344595", "500100732259"), from, to},
	} {
		if *c.dst, err = poaIssue(c.subj, p.key, p.root, rootKey, c.from, c.to, false); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// poaRegistry is a test registry until the stand-in is wired here: registration answers ACTIVE on the
// first status poll.
type poaRegistry struct {
	mu     sync.Mutex
	status map[string]mchd.RegistryStatus
}

func (r *poaRegistry) Register(_ context.Context, number string, _, _ []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.status[number]; ok {
		return "", mchd.ErrRepeatedRegistration
	}
	r.status[number] = mchd.RegistryActive
	return "op-" + number, nil
}

func (r *poaRegistry) Status(_ context.Context, number string) (*mchd.RegistryState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[number]
	if !ok {
		return nil, mchd.ErrUnknownNumber
	}
	return &mchd.RegistryState{Status: st}, nil
}

func (r *poaRegistry) Revoke(_ context.Context, rv *mchd.Revocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[rv.Number] = mchd.RegistryRevoked
	return nil
}

func (r *poaRegistry) StatusURL(number string) string {
	return "https://kcr.example/registry/mchd/status?guid=" + number
}

type poaDemoSigner struct{ p *poaPKI }

func (d poaDemoSigner) SignAsHead(_ context.Context, _ string, file []byte) ([]byte, error) {
	return cms.Sign(file, d.p.key, d.p.head, nil, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// poaService is the power-of-attorney service of a test env: organization A has a recorded head whose
// certificates poaPKI holds; the checker trusts its root and knows p.revoked as revoked.
func poaService(t testing.TB, e *env) *attorney.Service {
	t.Helper()
	p := getPoAPKI(t)
	must(t, e.db.SetOrganizationHead(context.Background(), &model.Head{OrganizationID: e.orgA.ID, AccountID: e.orgA.AccountID,
		Surname: "Петров", GivenName: "Пётр", Patronymic: "Петрович", Position: "Генеральный директор", INN: poaHeadINN,
		SNILS: poaHeadSNILS, Since: "2020-01-01", UpdatedAt: e.clk.Now()}))
	checker := &mchd.SignatureChecker{Roots: []*x509gost.Certificate{p.root},
		IsRevoked: func(c *x509gost.Certificate, _ time.Time) (bool, error) {
			return c.SerialNumber.Cmp(p.revoked.SerialNumber) == 0, nil
		}, Clock: clock.Real{}}
	return &attorney.Service{DB: e.db, Clock: e.clk, Registry: &poaRegistry{status: map[string]mchd.RegistryStatus{}},
		Checker: checker, Demo: poaDemoSigner{p}, Billing: e.bill}
}

func draftBody(e *env, employees ...string) map[string]any {
	return map[string]any{"organization_id": e.orgA.ID, "employee_ids": employees, "end_date": "2027-11-25",
		"powers": []map[string]any{{"code": mchd.Powers()[0].Code}}}
}

func (e *env) draft(t *testing.T) attorney.Drafted {
	t.Helper()
	var out struct{ Items []attorney.Drafted }
	res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney", draftBody(e, e.empA.ID))
	if res.status != 201 {
		t.Fatalf("draft: %d %s", res.status, res.body)
	}
	res.json(t, &out)
	return out.Items[0]
}

func (e *env) poaFile(t *testing.T, id string) []byte {
	t.Helper()
	res := e.do("account_admin", "GET", "/api/v1/powers-of-attorney/"+id+"/file", nil)
	if res.status != 200 {
		t.Fatalf("file: %d %s", res.status, res.body)
	}
	return res.body
}

func (e *env) putSignature(sig []byte, id, media string) response {
	return e.do("account_admin", "PUT", "/api/v1/powers-of-attorney/"+id+"/signature", sig, "Content-Type", media)
}

func (e *env) poaState(t *testing.T, id string) attorney.View {
	t.Helper()
	var v attorney.View
	res := e.do("account_admin", "GET", "/api/v1/powers-of-attorney/"+id, nil)
	if res.status != 200 {
		t.Fatalf("card: %d %s", res.status, res.body)
	}
	res.json(t, &v)
	return v
}

func headSign(t *testing.T, file []byte, cert *x509gost.Certificate) []byte {
	t.Helper()
	sig, err := cms.Sign(file, getPoAPKI(t).key, cert, nil, time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC))
	must(t, err)
	return sig
}

func TestPowersOfAttorneyFlow(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		svc := e.poa
		d := e.draft(t)
		file := e.poaFile(t, d.ID)
		res := e.do("account_admin", "GET", "/api/v1/powers-of-attorney/"+d.ID+"/file", nil)
		if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, d.FileName) || !strings.HasPrefix(d.FileName, "ON_EMCHD_20261126_") {
			t.Errorf("Content-Disposition %q for %s", cd, d.FileName)
		}
		if _, err := mchd.Parse(file); err != nil {
			t.Fatalf("the file does not parse: %v", err)
		}
		if res := e.putSignature(headSign(t, file, getPoAPKI(t).head), d.ID, "application/pkcs7-signature"); res.status != 200 {
			t.Fatalf("signature: %d %s", res.status, res.body)
		}
		res = e.do("account_admin", "GET", "/api/v1/powers-of-attorney/"+d.ID+"/signature", nil)
		if res.status != 200 || res.header.Get("Content-Type") != "application/pkcs7-signature" ||
			!strings.Contains(res.header.Get("Content-Disposition"), d.FileName+".sig") {
			t.Errorf("GET signature: %d %v", res.status, res.header)
		}
		if res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/"+d.ID+"/register", nil); res.status != 200 {
			t.Fatalf("register: %d %s", res.status, res.body)
		}
		if _, err := svc.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if v := e.poaState(t, d.ID); v.State != mchd.StateRegistered || len(v.History) != 5 {
			t.Errorf("after registration: %s, history %+v", v.State, v.History)
		}

		check := map[string]any{"certificate": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: getPoAPKI(t).representative.Raw})),
			"organization_id": e.orgA.ID, "power_code": mchd.Powers()[0].Code}
		var cr mchd.CheckResult
		res = e.do("key_account", "POST", "/api/v1/powers-of-attorney/check", check)
		res.json(t, &cr)
		if res.status != 200 || !cr.Authorized || cr.Number != d.Number {
			t.Errorf("check: %d %s", res.status, res.body)
		}
		if res := e.do("accountant", "POST", "/api/v1/powers-of-attorney/check", check); res.status != 403 {
			t.Errorf("an accountant checking: %d", res.status)
		}

		if res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/"+d.ID+"/revoke", map[string]any{"reason": "увольнение"}); res.status != 200 {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
		check["certificate"] = base64.StdEncoding.EncodeToString(getPoAPKI(t).representative.Raw)
		res = e.do("key_account", "POST", "/api/v1/powers-of-attorney/check", check)
		res.json(t, &cr)
		if cr.Authorized || len(cr.Reasons) == 0 || cr.Reasons[0] != mchd.ReasonRevoked {
			t.Errorf("check after revocation: %s", res.body)
		}

		var list attorney.Page
		res = e.do("account_admin", "GET", "/api/v1/powers-of-attorney?state=revoked&organization_id="+e.orgA.ID, nil)
		res.json(t, &list)
		if res.status != 200 || len(list.Items) != 1 || list.Items[0].ID != d.ID {
			t.Errorf("list: %d %s", res.status, res.body)
		}
		if res := e.do("employee", "GET", "/api/v1/powers-of-attorney/"+d.ID, nil); res.status != 200 {
			t.Errorf("the employee's own: %d", res.status)
		}
		if res := e.do("accountant", "GET", "/api/v1/powers-of-attorney/"+d.ID, nil); res.status != 403 {
			t.Errorf("an accountant reading: %d", res.status)
		}
		var powers struct{ Items []mchd.ClassifiedPower }
		res = e.do("account_admin", "GET", "/api/v1/powers?q="+mchd.Powers()[0].Code, nil)
		res.json(t, &powers)
		if res.status != 200 || len(powers.Items) == 0 {
			t.Errorf("powers search: %d %s", res.status, res.body)
		}
	})
}

// TestPowersOfAttorneyBadInput: every bad input of issue 12 is a 4xx naming the problem and changes nothing.
func TestPowersOfAttorneyBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := getPoAPKI(t)
		d := e.draft(t)
		file := e.poaFile(t, d.ID)
		tampered := bytes.Replace(file, []byte("Иванов"), []byte("Иваное"), 1)
		attached, err := cms.Sign(file, p.key, p.head, nil, time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC))
		must(t, err)
		for _, c := range []struct {
			name string
			sig  []byte
			rule string
		}{
			{"signature over other bytes (tampered file)", headSign(t, tampered, p.head), "digest"},
			{"not the head", headSign(t, file, p.notHead), "head"},
			{"head of another organization", headSign(t, file, p.otherHead), "organization"},
			{"expired certificate", headSign(t, file, p.expired), "validity"},
			{"revoked certificate", headSign(t, file, p.revoked), "revoked"},
			{"garbage", []byte("not a signature"), "encoding"},
			{"cut short", attached[:len(attached)/2], "encoding"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := e.putSignature(c.sig, d.ID, "application/pkcs7-signature")
				if res.status != 422 || !strings.Contains(string(res.body), `"rule":"`+c.rule+`"`) {
					t.Errorf("%d %s, want 400 naming %s", res.status, res.body, c.rule)
				}
				if v := e.poaState(t, d.ID); v.State != mchd.StateAwaitingSignature || v.Version != 1 {
					t.Errorf("a refusal changed the record: %s v%d", v.State, v.Version)
				}
			})
		}
		dismissed, err := e.reg.CreateEmployee(context.Background(), e.admin, employeeInput(e.orgA.ID, "Уволенный", "11111111145"))
		must(t, err)
		must(t, e.db.DismissEmployee(context.Background(), dismissed.ID, e.clk.Now(), "уволен"))
		for _, c := range []struct {
			name  string
			edit  func(map[string]any)
			field string
		}{
			{"unknown power code", func(b map[string]any) { b["powers"] = []map[string]any{{"code": "NO_SUCH", "name": "x"}} }, "powers[0].code"},
			{"end before issue", func(b map[string]any) { b["end_date"] = "2026-11-20" }, "end_date"},
			{"dismissed employee", func(b map[string]any) { b["employee_ids"] = []string{e.empA.ID, dismissed.ID} }, "employee_ids[1]"},
			{"no head", func(b map[string]any) { b["organization_id"], b["employee_ids"] = e.orgB.ID, []string{e.empB.ID} }, "organization_id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := draftBody(e, e.empA.ID)
				c.edit(b)
				res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney", b)
				if res.status != 422 || !strings.Contains(string(res.body), `"field":"`+c.field+`"`) {
					t.Errorf("%d %s, want 400 naming %s", res.status, res.body, c.field)
				}
			})
		}
		var list attorney.Page
		e.do("account_admin", "GET", "/api/v1/powers-of-attorney", nil).json(t, &list)
		if len(list.Items) != 1 {
			t.Errorf("%d stored after refusals, want the one draft", len(list.Items))
		}
		if res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/"+d.ID+"/register", nil); res.status != 409 {
			t.Errorf("registering an unsigned one: %d %s", res.status, res.body)
		}
	})
}

// TestPowersOfAttorneyOpenSSL signs as a head's tool does (OpenSSL with the GOST engine), uploads in bulk as a
// zip and as multipart files, and checks that kcr takes what OpenSSL made and refuses an attached signature.
func TestPowersOfAttorneyOpenSSL(t *testing.T) {
	o := ossltest.New(t)
	eachEngine(t, func(t *testing.T, e *env) {
		p := getPoAPKI(t)
		dir := t.TempDir()
		k, err := p.key.MarshalPKCS8()
		must(t, err)
		keyPath := filepath.Join(dir, "key.pem")
		certPath := filepath.Join(dir, "head.pem")
		must(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), 0o600))
		must(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.head.Raw}), 0o600))
		osslSign := func(file []byte, outform string, extra ...string) []byte {
			in, out := filepath.Join(dir, "in.xml"), filepath.Join(dir, "out.sig")
			must(t, os.WriteFile(in, file, 0o600))
			o.Run(t, append([]string{"cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", "md_gost12_256", "-outform", outform,
				"-signer", certPath, "-inkey", keyPath, "-in", in, "-out", out}, extra...)...)
			sig, err := os.ReadFile(out)
			must(t, err)
			return sig
		}

		a := e.draft(t)
		if res := e.putSignature(osslSign(e.poaFile(t, a.ID), "DER", "-nodetach"), a.ID, "application/pkcs7-signature"); res.status != 422 ||
			!strings.Contains(string(res.body), `"rule":"detached"`) {
			t.Errorf("attached: %d %s", res.status, res.body)
		}
		if res := e.putSignature(osslSign(e.poaFile(t, a.ID), "PEM"), a.ID, "application/x-pem-file"); res.status != 200 {
			t.Errorf("OpenSSL PEM: %d %s", res.status, res.body)
		}

		// Bulk: a zip of two, then multipart with one good and one of a file that is not kcr's.
		b, c, d := e.draft(t), e.draft(t), e.draft(t)
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		for _, x := range []attorney.Drafted{b, c} {
			w, err := zw.Create("signed/" + x.FileName + ".sig")
			must(t, err)
			w.Write(osslSign(e.poaFile(t, x.ID), "DER"))
		}
		must(t, zw.Close())
		var out struct{ Items []attorney.SignatureResult }
		res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/signatures", zbuf.Bytes(), "Content-Type", "application/zip")
		res.json(t, &out)
		if res.status != 200 || len(out.Items) != 2 || out.Items[0].State != mchd.StateSigned || out.Items[1].State != mchd.StateSigned {
			t.Errorf("zip: %d %s", res.status, res.body)
		}
		var mbuf bytes.Buffer
		mw := multipart.NewWriter(&mbuf)
		fw, _ := mw.CreateFormFile("files", strings.TrimSuffix(d.FileName, ".xml")+".sgn")
		fw.Write([]byte(base64.StdEncoding.EncodeToString(osslSign(e.poaFile(t, d.ID), "DER"))))
		fw, _ = mw.CreateFormFile("files", "ON_EMCHD_20261126_00000000-0000-4000-8000-000000000000.xml.sig")
		fw.Write([]byte{0x30})
		must(t, mw.Close())
		res = e.do("account_admin", "POST", "/api/v1/powers-of-attorney/signatures", mbuf.Bytes(), "Content-Type", mw.FormDataContentType())
		res.json(t, &out)
		if res.status != 200 || len(out.Items) != 2 || out.Items[0].State != mchd.StateSigned || out.Items[1].Error == nil {
			t.Errorf("multipart: %d %s", res.status, res.body)
		}
	})
}

func TestPowersOfAttorneyDemoSign(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		d := e.draft(t)
		var out struct{ Items []attorney.DemoSigned }
		res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/demo-sign", map[string]any{"ids": []string{d.ID}})
		res.json(t, &out)
		if res.status != 200 || len(out.Items) != 1 || out.Items[0].State != mchd.StateSigned {
			t.Errorf("demo-sign: %d %s", res.status, res.body)
		}
		e.poa.Demo = nil
		if res := e.do("account_admin", "POST", "/api/v1/powers-of-attorney/demo-sign", map[string]any{"ids": []string{d.ID}}); res.status != 404 {
			t.Errorf("demo-sign without --demo: %d %s", res.status, res.body)
		}
	})
}
