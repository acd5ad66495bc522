package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// withCA gives the environment kcr's built-in CA.
func withCA(t *testing.T, e *env) *ca.Builtin {
	t.Helper()
	b, err := ca.Init(context.Background(), e.db, e.clk, ca.DefaultProfile(), "http://127.0.0.1", []byte("test passphrase 123"), ca.InitOptions{})
	must(t, err)
	e.reg.CA = b
	return b
}

// approvedApp walks a new individual application of empA to approved with a GOST request.
func (e *env) approvedApp(t *testing.T) string {
	t.Helper()
	var a registration.ApplicationView
	e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"}).json(t, &a)
	for _, step := range []struct {
		caller, path string
		body         any
		header       []string
	}{
		{"key_account", "/submit", nil, nil}, {"key_account", "/submit", nil, nil},
		{"registrar", "/verify-identity", map[string]any{"method": "in_person_workplace"}, nil},
		{"key_account", "/csr", []byte(testCSR(t)), []string{"Content-Type", "application/x-pem-file"}},
		{"registrar", "/approve", nil, nil},
	} {
		if r := e.do(step.caller, "POST", "/api/v1/applications/"+a.ID+step.path, step.body, step.header...); r.status != 200 {
			t.Fatalf("%s: %d %s", step.path, r.status, r.body)
		}
	}
	return a.ID
}

// Editing the identity data of an employee withdraws the identity checks of their unfinished applications:
// a certificate never carries data nobody checked.
func TestEmployeeEditResetsIdentity(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		id := e.approvedApp(t)
		in := employeeInput(e.orgA.ID, "Подменов", "11223344595")
		if r := e.do("account_admin", "PUT", "/api/v1/employees/"+e.empA.ID, in); r.status != 200 {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		var a registration.ApplicationView
		e.do("key_account", "GET", "/api/v1/applications/"+id, nil).json(t, &a)
		last := a.History[len(a.History)-1]
		if a.State != model.StateIdentityVerification || a.Verification != nil || last.Action != "identity-reset" {
			t.Fatalf("after the edit: state %s, verification %+v, last step %s", a.State, a.Verification, last.Action)
		}
		// A change that does not touch identity data (the phone) leaves checks alone.
		id2 := e.approvedApp(t)
		in.Phone = "+79990001122"
		if r := e.do("account_admin", "PUT", "/api/v1/employees/"+e.empA.ID, in); r.status != 200 {
			t.Fatalf("edit phone: %d %s", r.status, r.body)
		}
		e.do("key_account", "GET", "/api/v1/applications/"+id2, nil).json(t, &a)
		if a.State != model.StateApproved || a.Verification == nil {
			t.Fatalf("a phone change reset the identity check: %s", a.State)
		}
	})
}

// Parallel issue calls for one application sign one certificate; parallel revocations revoke once.
func TestConcurrentIssueAndRevoke(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		withCA(t, e)
		id := e.approvedApp(t)
		const n = 4
		results := make([]response, n)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil)
			}()
		}
		wg.Wait()
		ok := 0
		for _, r := range results {
			switch r.status {
			case 200:
				ok++
			case 409:
			default:
				t.Fatalf("issue: %d %s", r.status, r.body)
			}
		}
		signed, err := e.db.IntentsByStatus(context.Background(), storage.IntentSigned)
		must(t, err)
		var page struct{ Items []model.Certificate }
		e.do("key_account", "GET", "/api/v1/certificates", nil).json(t, &page)
		if ok != 1 || len(page.Items) != 1 || len(signed) != 0 {
			t.Fatalf("%d issued, %d certificates, %d signed but not stored", ok, len(page.Items), len(signed))
		}
		serial := page.Items[0].Serial
		reasons := []string{"key_compromise", "superseded", "affiliation_changed", "unspecified"}
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.do("account_admin", "POST", "/api/v1/certificates/"+serial+"/revoke", map[string]any{"reason": reasons[i]})
			}()
		}
		wg.Wait()
		var winner string
		for i, r := range results {
			if r.status == 200 {
				if winner != "" {
					t.Fatal("revoked twice")
				}
				winner = reasons[i]
			} else if r.status != 409 {
				t.Fatalf("revoke: %d %s", r.status, r.body)
			}
		}
		var c model.Certificate
		e.do("key_account", "GET", "/api/v1/certificates/"+serial, nil).json(t, &c)
		if winner == "" || string(c.RevocationReason) != winner {
			t.Fatalf("the stored reason %q is not the one the successful caller was told (%q)", c.RevocationReason, winner)
		}
	})
}

// A certificate's subject holds СНИЛС and ИНН: downloading it needs the right to read personal data and is
// audited; roles without that right cannot search by СНИЛС either.
func TestCertificatePersonalData(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	withCA(t, e)
	id := e.approvedApp(t)
	var a registration.ApplicationView
	e.do("registrar", "POST", "/api/v1/applications/"+id+"/issue", nil).json(t, &a)
	serial := a.CertificateSerial
	for _, tc := range []struct {
		caller string
		status int
	}{{"operator", 403}, {"manager", 403}, {"account_admin", 200}, {"key_account", 200}, {"employee", 200}} {
		r := e.do(tc.caller, "GET", "/api/v1/certificates/"+serial, nil, "Accept", "application/pkix-cert")
		if r.status != tc.status {
			t.Errorf("%s downloading: %d, want %d", tc.caller, r.status, tc.status)
		}
		if r.status == 403 && strings.Contains(string(r.body), "11223344595") {
			t.Errorf("%s got the СНИЛС", tc.caller)
		}
	}
	events, err := e.db.AuditEvents(context.Background(), "certificate", serial)
	must(t, err)
	reads := 0
	for _, ev := range events {
		if ev.Action == "certificate.read" {
			reads++
		}
	}
	if reads != 3 {
		t.Fatalf("%d audited downloads, want 3", reads)
	}
	for _, path := range []string{"/api/v1/applications?snils=11223344595", "/api/v1/certificates?snils=11223344595"} {
		if r := e.do("manager", "GET", path, nil); r.status != 403 {
			t.Errorf("manager searching by СНИЛС %s: %d", path, r.status)
		}
		if r := e.do("account_admin", "GET", path, nil); r.status != 200 {
			t.Errorf("admin searching by СНИЛС %s: %d", path, r.status)
		}
	}
	// The RFC test parameter sets are refused at upload (their private keys are published).
	var b registration.ApplicationView
	e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": "individual"}).json(t, &b)
	rfc := readTestdata(t, "rfc9215", "ex3.csr.pem")
	if r := e.do("key_account", "POST", "/api/v1/applications/"+b.ID+"/csr", rfc, "Content-Type", "application/x-pem-file"); r.status != 422 ||
		!strings.Contains(string(r.body), "test parameter set") {
		t.Fatalf("RFC test-set request: %d %s", r.status, r.body)
	}
}
