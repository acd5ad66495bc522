package api_test

// Law-aware issuance through the API (issue 4, DESIGN.md section 2): certificate kinds by date, heads through
// the state CA, reissue, carrying applications across the 2023-09-01 cutoff, the bundled individual
// certificate, the legacy flag and renewal waves. Every clock here is the environment's fake clock; dates
// are read in Moscow time, so the boundary cases sit at 23:30 and 00:30 Moscow time (20:30 and 21:30 UTC).

import (
	"context"
	"encoding/asn1"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// lrMSK is a Moscow wall-clock time.
func lrMSK(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rules.MSK)
}

// lrInitCA creates a built-in CA instance on the environment's clock as it stands now: its own certificates
// start now, so create it before the earliest date a test issues on. prefix "" is kcr's own CA (e.reg.CA);
// "fns" is the tax service's stand-in, reached through e.reg.StateCAs like a real connector.
func lrInitCA(t *testing.T, e *env, prefix string, prof ca.Profile) *ca.Builtin {
	t.Helper()
	opt := ca.InitOptions{}
	if prefix != "" {
		opt = ca.InitOptions{Prefix: prefix, CommonName: "УЦ ФНС (стенд)"}
	}
	b, err := ca.Init(context.Background(), e.db, e.clk, prof, "http://127.0.0.1", []byte("test passphrase 123"), opt)
	must(t, err)
	if prefix == "" {
		e.reg.CA = b
	} else {
		e.reg.StateCAs = map[rules.Authority]ca.Issuer{rules.AuthorityFNS: b}
	}
	return b
}

// lrExpect sends a request and fails unless the answer has the status.
func (e *env) lrExpect(t *testing.T, status int, caller, method, path string, body any, header ...string) response {
	t.Helper()
	r := e.do(caller, method, path, body, header...)
	if r.status != status {
		t.Fatalf("%s %s as %s: %d, want %d; body %s", method, path, caller, r.status, status, r.body)
	}
	return r
}

// lrApp runs an application call that must succeed and returns the application.
func (e *env) lrApp(t *testing.T, status int, caller, method, path string, body any, header ...string) registration.ApplicationView {
	t.Helper()
	var a registration.ApplicationView
	e.lrExpect(t, status, caller, method, path, body, header...).json(t, &a)
	return a
}

// lrNewApp creates an application as key_account; extra fields (such as "authority") are added to the body.
func (e *env) lrNewApp(t *testing.T, employeeID string, kind model.CertKind, extra map[string]any) registration.ApplicationView {
	t.Helper()
	body := map[string]any{"employee_id": employeeID, "kind": string(kind)}
	for k, v := range extra {
		body[k] = v
	}
	return e.lrApp(t, 201, "key_account", "POST", "/api/v1/applications", body)
}

// lrPrepare submits an application twice, records the identity check as verifier and uploads a fresh GOST
// request: what is left is the approval.
func (e *env) lrPrepare(t *testing.T, id, verifier string, method model.VerificationMethod, center string) {
	t.Helper()
	base := "/api/v1/applications/" + id
	e.lrExpect(t, 200, "key_account", "POST", base+"/submit", nil)
	e.lrExpect(t, 200, "key_account", "POST", base+"/submit", nil)
	check := map[string]any{"method": string(method)}
	if center != "" {
		check["service_center_id"] = center
	}
	e.lrExpect(t, 200, verifier, "POST", base+"/verify-identity", check)
	e.lrCSR(t, id)
}

func (e *env) lrCSR(t *testing.T, id string) {
	t.Helper()
	e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+id+"/csr", []byte(testCSR(t)), "Content-Type", "application/x-pem-file")
}

// lrApproveIssue approves and issues as key_account (an integration acts for the registrar's system).
func (e *env) lrApproveIssue(t *testing.T, id string) registration.ApplicationView {
	t.Helper()
	e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+id+"/approve", nil)
	a := e.lrApp(t, 200, "key_account", "POST", "/api/v1/applications/"+id+"/issue", nil)
	if a.State != model.StateIssued || a.CertificateSerial == "" {
		t.Fatalf("after issue: state %s, serial %q", a.State, a.CertificateSerial)
	}
	return a
}

func (e *env) lrGetApp(t *testing.T, id string) registration.ApplicationView {
	t.Helper()
	return e.lrApp(t, 200, "key_account", "GET", "/api/v1/applications/"+id, nil)
}

func (e *env) lrGetCert(t *testing.T, serial string) model.Certificate {
	t.Helper()
	var c model.Certificate
	e.lrExpect(t, 200, "key_account", "GET", "/api/v1/certificates/"+serial, nil).json(t, &c)
	return c
}

// lrX509 downloads a certificate as DER and parses it.
func (e *env) lrX509(t *testing.T, serial string) *x509gost.Certificate {
	t.Helper()
	r := e.lrExpect(t, 200, "key_account", "GET", "/api/v1/certificates/"+serial, nil, "Accept", "application/pkix-cert")
	c, err := x509gost.ParseCertificate(r.body)
	must(t, err)
	return c
}

// lrAllApps lists every application key_account sees, following the cursors.
func (e *env) lrAllApps(t *testing.T, filter string) []model.Application {
	t.Helper()
	var out []model.Application
	cursor := ""
	for {
		path := "/api/v1/applications?limit=200" + filter
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items      []model.Application `json:"items"`
			NextCursor string              `json:"next_cursor"`
		}
		e.lrExpect(t, 200, "key_account", "GET", path, nil).json(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func (e *env) lrCountApps(t *testing.T) int {
	t.Helper()
	return len(e.lrAllApps(t, ""))
}

// lrServiceCenter registers a service center as the CA operator (whose session must still be open).
func (e *env) lrServiceCenter(t *testing.T) string {
	t.Helper()
	var c model.ServiceCenter
	e.lrExpect(t, 201, "operator", "POST", "/api/v1/service-centers", map[string]any{"name": "Центр обслуживания «Арбат»",
		"address": "119002, г. Москва, ул. Арбат, д. 1", "region": "77", "hours": "пн–пт 9:00–18:00"}).json(t, &c)
	if c.ID == "" {
		t.Fatal("the service center has no id")
	}
	return c.ID
}

func lrCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// lrRefused checks a rule-refused problem: 422, the stable type, the rule, the deciding date ("" for none)
// and a Russian explanation.
func lrRefused(t *testing.T, r response, rule, date string) api.Problem {
	t.Helper()
	if r.status != 422 {
		t.Fatalf("status %d, want 422 (%s); body %s", r.status, rule, r.body)
	}
	p := r.problem(t)
	if p.Type != api.ProblemTypeBase+"rule-refused" || p.Rule != rule || p.DecidedByDate != date {
		t.Fatalf("problem type %q rule %q date %q, want rule-refused %q %q; detail %s", p.Type, p.Rule, p.DecidedByDate, rule, date, p.Detail)
	}
	if !lrCyrillic(p.Detail) {
		t.Fatalf("the refusal %s has no Russian explanation: %q", rule, p.Detail)
	}
	return p
}

// lrInvalid checks a 422 validation problem naming a field.
func lrInvalid(t *testing.T, r response, field string) api.Problem {
	t.Helper()
	if r.status != 422 {
		t.Fatalf("status %d, want 422 on %s; body %s", r.status, field, r.body)
	}
	p := r.problem(t)
	if p.Type != api.ProblemTypeBase+"validation" || len(p.Errors) == 0 || p.Errors[0].Field != field {
		t.Fatalf("problem %q errors %+v, want a validation error on %s", p.Type, p.Errors, field)
	}
	return p
}

func lrStep(a registration.ApplicationView, action string) (model.Transition, int) {
	var step model.Transition
	n := 0
	for _, h := range a.History {
		if h.Action == action {
			step = h
			n++
		}
	}
	return step, n
}

// lrOrgAttrs tells which organization attributes a subject carries.
func lrOrgAttrs(c *x509gost.Certificate) []string {
	var out []string
	for _, a := range []struct {
		name string
		oid  asn1.ObjectIdentifier
	}{{"O", x509gost.OIDOrganization}, {"INNLE", x509gost.OIDINNLE}, {"OGRN", x509gost.OIDOGRN}} {
		if _, ok := c.Subject.Get(a.oid); ok {
			out = append(out, a.name)
		}
	}
	return out
}

// lrIdentKind reads the identificationKind extension's value.
func lrIdentKind(t *testing.T, c *x509gost.Certificate) []byte {
	t.Helper()
	ext, ok := c.Extension(x509gost.OIDExtIdentificationKind)
	if !ok {
		t.Fatal("the certificate has no identificationKind extension")
	}
	return ext.Value
}

// lrBundledOf returns the applications whose bundled_from is id.
func (e *env) lrBundledOf(t *testing.T, id string) []model.Application {
	t.Helper()
	var out []model.Application
	for _, a := range e.lrAllApps(t, "") {
		if a.BundledFrom == id {
			out = append(out, a)
		}
	}
	return out
}

// lrOrgs are organizations of the other types, each with one employee.
type lrOrgs struct {
	state, financial, ip          *model.Organization
	empState, empFinancial, empIP *model.Employee
}

func (e *env) lrOtherOrgs(t *testing.T) lrOrgs {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(4, 2023))
	legal := func(name string, sector model.Sector) *model.Organization {
		inn := requisites.GenerateINN10(r)
		o, err := e.reg.CreateOrganization(ctx, e.admin, "", registration.OrganizationInput{Kind: model.OrgLegalEntity, Sector: sector,
			Name: name, INN: inn, KPP: requisites.GenerateKPP(r, inn), OGRN: requisites.GenerateOGRN(r), Address: "г. Москва, ул. Ильинка, д. 9", Region: "77"})
		must(t, err)
		return o
	}
	var o lrOrgs
	o.state = legal("ФГБУ «Гидрометцентр»", model.SectorState)
	o.financial = legal("АО «Банк Надёжный»", model.SectorFinancial)
	var err error
	o.ip, err = e.reg.CreateOrganization(ctx, e.admin, "", registration.OrganizationInput{Kind: model.OrgSoleProprietor,
		Name: "ИП Петров Пётр Петрович", INN: requisites.GenerateINN12(r), OGRN: requisites.GenerateOGRNIP(r), Address: "г. Тверь", Region: "69"})
	must(t, err)
	emp := func(org *model.Organization, surname string) *model.Employee {
		em, err := e.reg.CreateEmployee(ctx, e.admin, employeeInput(org.ID, surname, requisites.GenerateSNILS(r)))
		must(t, err)
		return em
	}
	o.empState, o.empFinancial = emp(o.state, "Казначеев"), emp(o.financial, "Банкиров")
	ip := employeeInput(o.ip.ID, "Петров", requisites.GenerateSNILS(r))
	ip.INN = o.ip.INN // the entrepreneur himself: a sole proprietor's certificate carries his own ИНН
	o.empIP, err = e.reg.CreateEmployee(ctx, e.admin, ip)
	must(t, err)
	return o
}

// An application started as legal_entity_employee before 2023-09-01 and continued after it ends as an
// individual certificate without organization attributes, still linked to the organization, with the
// carry-over in its history and the employee entered once. Finished before the cutoff it is a
// legal_entity_employee certificate, with a free linked individual application inside the bundle window.
func TestCarryOverAcrossCutoff(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		e.clk.Set(lrMSK(2022, time.September, 1, 10, 0))
		lrInitCA(t, e, "", ca.DefaultProfile())

		t.Run("continued after the cutoff", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				resume time.Time
			}{
				{"2023-09-02", lrMSK(2023, time.September, 2, 10, 0)},
				{"first minutes of 2023-09-01 in Moscow", time.Date(2023, time.August, 31, 21, 30, 0, 0, time.UTC)},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.clk.Set(lrMSK(2023, time.August, 30, 10, 0))
					a := e.lrNewApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
					if a.Kind != model.KindLegalEntityEmployee || a.Authority != "kcr" || a.BillingPosition != rules.BillingLegalEntityEmployee {
						t.Fatalf("created as %s / %s / %s", a.Kind, a.Authority, a.BillingPosition)
					}
					e.lrPrepare(t, a.ID, "registrar", model.VerifiedInPersonWorkplace, "")

					e.clk.Set(tc.resume)
					approved := e.lrApp(t, 200, "registrar", "POST", "/api/v1/applications/"+a.ID+"/approve", nil)
					if approved.Kind != model.KindIndividual || approved.State != model.StateApproved {
						t.Fatalf("after the cutoff the approval left kind %s, state %s", approved.Kind, approved.State)
					}
					issued := e.lrApp(t, 200, "registrar", "POST", "/api/v1/applications/"+a.ID+"/issue", nil)
					if issued.State != model.StateIssued {
						t.Fatalf("state %s after issue", issued.State)
					}
					got := e.lrGetApp(t, a.ID)
					step, n := lrStep(got, "carry-over")
					if n != 1 || !lrCyrillic(step.Note) || step.From != model.StateIdentityVerification {
						t.Fatalf("history %+v: want exactly one carry-over step with a Russian note", got.History)
					}
					if got.Kind != model.KindIndividual || got.Authority != "kcr" || got.BillingPosition != rules.BillingIndividual ||
						got.OrganizationID != e.orgA.ID || got.EmployeeID != e.empA.ID || got.Verification == nil || !got.HasCSR {
						t.Fatalf("carried-over application lost data: %+v", got.Application)
					}
					c := e.lrGetCert(t, issued.CertificateSerial)
					if c.Kind != model.KindIndividual || c.OrganizationID != e.orgA.ID || c.EmployeeID != e.empA.ID || c.OrganizationName == "" {
						t.Fatalf("certificate record: kind %s, organization %q (%q), employee %q", c.Kind, c.OrganizationID, c.OrganizationName, c.EmployeeID)
					}
					x := e.lrX509(t, issued.CertificateSerial)
					if attrs := lrOrgAttrs(x); len(attrs) != 0 {
						t.Fatalf("an individual certificate carries organization attributes %v: %s", attrs, x.Subject)
					}
					if v, _ := x.Subject.Get(x509gost.OIDSNILS); v != "11223344595" {
						t.Fatalf("SNILS %q", v)
					}
					if v, _ := x.Subject.Get(x509gost.OIDINN); v != "500100732259" {
						t.Fatalf("INN %q", v)
					}
					if b := e.lrBundledOf(t, a.ID); len(b) != 0 {
						t.Fatalf("an individual issuance after the cutoff brought a bundled application: %+v", b)
					}
				})
			}
		})

		// Uploading the request is acting on the application too: the first thing done after the cutoff
		// carries it over, before the step is recorded.
		t.Run("CSR upload is the first act after the cutoff", func(t *testing.T) {
			e.clk.Set(lrMSK(2023, time.August, 31, 12, 0))
			a := e.lrNewApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
			e.clk.Set(lrMSK(2023, time.September, 1, 9, 0))
			e.lrCSR(t, a.ID)
			got := e.lrGetApp(t, a.ID)
			if got.Kind != model.KindIndividual || got.BillingPosition != rules.BillingIndividual {
				t.Errorf("after a CSR upload on 2023-09-01 the application is still %s / %s", got.Kind, got.BillingPosition)
			}
			_, n := lrStep(got, "carry-over")
			csrAt := slices.IndexFunc(got.History, func(h model.Transition) bool { return h.Action == "csr" })
			carryAt := slices.IndexFunc(got.History, func(h model.Transition) bool { return h.Action == "carry-over" })
			if n != 1 || carryAt > csrAt {
				t.Errorf("history %+v: want the carry-over recorded once, before the csr step", got.History)
			}
		})

		t.Run("finished before the cutoff", func(t *testing.T) {
			for _, tc := range []struct {
				name    string
				at      time.Time
				bundled bool
			}{
				{"2022-09-25 23:30, before the bundle window", lrMSK(2022, time.September, 25, 23, 30), false},
				{"2022-09-26 00:30, first day of the bundle window", lrMSK(2022, time.September, 26, 0, 30), true},
				{"2023-08-30", lrMSK(2023, time.August, 30, 10, 0), true},
				{"2023-08-31 23:30, last minutes", lrMSK(2023, time.August, 31, 23, 30), true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.clk.Set(tc.at)
					a := e.lrNewApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
					e.lrPrepare(t, a.ID, "registrar", model.VerifiedInPersonWorkplace, "")
					issued := e.lrApproveIssue(t, a.ID)
					if _, n := lrStep(e.lrGetApp(t, a.ID), "carry-over"); n != 0 {
						t.Fatal("carried over before the cutoff")
					}
					c := e.lrGetCert(t, issued.CertificateSerial)
					if c.Kind != model.KindLegalEntityEmployee || c.OrganizationID != e.orgA.ID {
						t.Fatalf("certificate kind %s organization %s", c.Kind, c.OrganizationID)
					}
					x := e.lrX509(t, issued.CertificateSerial)
					if attrs := lrOrgAttrs(x); len(attrs) != 3 {
						t.Fatalf("a legal_entity_employee certificate has organization attributes %v, want O, INNLE, OGRN", attrs)
					}
					o, _ := x.Subject.Get(x509gost.OIDOrganization)
					innle, _ := x.Subject.Get(x509gost.OIDINNLE)
					ogrn, _ := x.Subject.Get(x509gost.OIDOGRN)
					if o != e.orgA.Name || innle != e.orgA.INN || ogrn != e.orgA.OGRN {
						t.Fatalf("O %q INNLE %q OGRN %q", o, innle, ogrn)
					}
					b := e.lrBundledOf(t, a.ID)
					if !tc.bundled {
						if len(b) != 0 {
							t.Fatalf("bundled outside the window: %+v", b)
						}
						return
					}
					if len(b) != 1 {
						t.Fatalf("%d bundled applications, want 1", len(b))
					}
					comp := b[0]
					if comp.Kind != model.KindIndividual || comp.BillingPosition != rules.BillingBundledIndividual ||
						comp.State != model.StateIdentityVerification || comp.EmployeeID != e.empA.ID || comp.OrganizationID != e.orgA.ID ||
						comp.Authority != "kcr" || comp.Verification == nil {
						t.Fatalf("bundled application %+v", comp)
					}
					// The companion waits only for its own request and the approval.
					e.lrCSR(t, comp.ID)
					ci := e.lrApproveIssue(t, comp.ID)
					if cc := e.lrGetCert(t, ci.CertificateSerial); cc.Kind != model.KindIndividual || cc.OrganizationID != e.orgA.ID {
						t.Fatalf("companion certificate kind %s organization %s", cc.Kind, cc.OrganizationID)
					}
					if again := e.lrBundledOf(t, comp.ID); len(again) != 0 {
						t.Fatal("the companion brought a companion of its own")
					}
				})
			}
		})

		// Every application above was for the one employee entered at the start.
		var emps struct{ Items []model.Employee }
		e.lrExpect(t, 200, "key_account", "GET", "/api/v1/employees?organization_id="+e.orgA.ID, nil).json(t, &emps)
		if len(emps.Items) != 1 || emps.Items[0].ID != e.empA.ID {
			t.Fatalf("organization A has %d employees, want only the one entered", len(emps.Items))
		}
	})
}

// What POST /applications accepts or refuses on each side of every cutoff, for every organization type.
func TestKindsByDate(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		oo := e.lrOtherOrgs(t)
		cutoffs := []struct{ y, m, d int }{{2022, 1, 1}, {2022, 9, 26}, {2023, 9, 1}, {2024, 9, 1}}
		type at struct {
			name string
			t    time.Time
		}
		var dates []at
		for _, c := range cutoffs {
			day := lrMSK(c.y, time.Month(c.m), c.d, 0, 30)
			dates = append(dates,
				at{day.AddDate(0, 0, -1).Add(23*time.Hour).Format(time.DateOnly) + " 23:30 (day before)", day.AddDate(0, 0, -1).Add(23 * time.Hour)},
				at{day.Format(time.DateOnly) + " 00:30 (day of)", day},
				at{day.AddDate(0, 0, 1).Format(time.DateOnly) + " 12:00 (day after)", day.AddDate(0, 0, 1).Add(11*time.Hour + 30*time.Minute)})
		}
		headsCut := lrMSK(2022, time.January, 1, 0, 0)
		employeesCut := lrMSK(2023, time.September, 1, 0, 0)

		type want struct {
			authority string // "" when refused
			billing   model.BillingPosition
			rule      string
			date      string
		}
		for _, d := range dates {
			t.Run(d.name, func(t *testing.T) {
				e.clk.Set(d.t)
				heads := !d.t.Before(headsCut)
				employeesEnded := !d.t.Before(employeesCut)
				state := func(stateAuth string) string {
					if heads {
						return stateAuth
					}
					return "kcr"
				}
				cases := []struct {
					name     string
					employee string
					kind     model.CertKind
					extra    map[string]any
					want     want
				}{
					{"A individual", e.empA.ID, model.KindIndividual, nil, want{"kcr", rules.BillingIndividual, "", ""}},
					{"A legal_entity_employee", e.empA.ID, model.KindLegalEntityEmployee, nil, want{"kcr", rules.BillingLegalEntityEmployee, "", ""}},
					{"A head", e.empA.ID, model.KindHead, nil, want{state("fns"), rules.BillingHeadIdentification, "", ""}},
					{"A head via kcr", e.empA.ID, model.KindHead, map[string]any{"authority": "kcr"}, want{"kcr", rules.BillingHeadIdentification, "", ""}},
					{"A head via fns", e.empA.ID, model.KindHead, map[string]any{"authority": "fns"}, want{"fns", rules.BillingHeadIdentification, "", ""}},
					{"A sole_proprietor", e.empA.ID, model.KindSoleProprietor, nil, want{rule: rules.RuleSoleProprietorNeedsSoleProprietorOrg}},
					{"state head", oo.empState.ID, model.KindHead, nil, want{state("treasury"), rules.BillingHeadIdentification, "", ""}},
					{"state legal_entity_employee", oo.empState.ID, model.KindLegalEntityEmployee, nil, want{"kcr", rules.BillingLegalEntityEmployee, "", ""}},
					{"financial head", oo.empFinancial.ID, model.KindHead, nil, want{state("bank_of_russia"), rules.BillingHeadIdentification, "", ""}},
					{"financial individual", oo.empFinancial.ID, model.KindIndividual, nil, want{"kcr", rules.BillingIndividual, "", ""}},
					{"IP sole_proprietor", oo.empIP.ID, model.KindSoleProprietor, nil, want{state("fns"), rules.BillingHeadIdentification, "", ""}},
					{"IP individual", oo.empIP.ID, model.KindIndividual, nil, want{"kcr", rules.BillingIndividual, "", ""}},
					{"IP head", oo.empIP.ID, model.KindHead, nil, want{rule: rules.RuleHeadNeedsLegalEntityOrg}},
					{"IP legal_entity_employee", oo.empIP.ID, model.KindLegalEntityEmployee, nil, want{rule: rules.RuleEmployeeNeedsLegalEntityOrg}},
				}
				for i := range cases {
					c := &cases[i]
					if c.want.rule != "" {
						continue
					}
					switch {
					case c.kind == model.KindLegalEntityEmployee && employeesEnded:
						c.want = want{rule: rules.RuleEmployeeOrgCertificatesEnded, date: "2023-09-01"}
					case c.name == "A head via kcr" && heads:
						c.want = want{rule: rules.RuleHeadViaStateCA, date: "2022-01-01"}
					case c.name == "A head via fns" && !heads:
						c.want = want{rule: rules.RuleWrongAuthority, date: "2022-01-01"}
					}
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						before := e.lrCountApps(t)
						body := map[string]any{"employee_id": c.employee, "kind": string(c.kind)}
						for k, v := range c.extra {
							body[k] = v
						}
						r := e.do("key_account", "POST", "/api/v1/applications", body)
						if c.want.rule != "" {
							lrRefused(t, r, c.want.rule, c.want.date)
							if after := e.lrCountApps(t); after != before {
								t.Fatalf("a refused request created %d applications", after-before)
							}
							return
						}
						if r.status != 201 {
							t.Fatalf("status %d, want 201: %s", r.status, r.body)
						}
						var a registration.ApplicationView
						r.json(t, &a)
						if a.Kind != c.kind || string(a.Authority) != c.want.authority || a.BillingPosition != c.want.billing || a.State != model.StateDraft {
							t.Fatalf("created %s / %s / %s / %s, want %s / %s / %s", a.Kind, a.Authority, a.BillingPosition, a.State,
								c.kind, c.want.authority, c.want.billing)
						}
						if after := e.lrCountApps(t); after != before+1 {
							t.Fatalf("%d applications created, want 1", after-before)
						}
					})
				}
				for _, o := range []struct {
					org   *model.Organization
					kinds []model.CertKind
				}{
					{e.orgA, []model.CertKind{model.KindIndividual, model.KindLegalEntityEmployee, model.KindHead}},
					{oo.state, []model.CertKind{model.KindIndividual, model.KindLegalEntityEmployee, model.KindHead}},
					{oo.ip, []model.CertKind{model.KindIndividual, model.KindSoleProprietor}},
				} {
					want := slices.DeleteFunc(slices.Clone(o.kinds), func(k model.CertKind) bool {
						return k == model.KindLegalEntityEmployee && employeesEnded
					})
					var offer registration.KindsOffer
					e.lrExpect(t, 200, "key_account", "GET", "/api/v1/organizations/"+o.org.ID+"/allowed-kinds", nil).json(t, &offer)
					if !slices.Equal(offer.Kinds, want) || offer.Date != d.t.In(rules.MSK).Format(time.DateOnly) || offer.OrganizationID != o.org.ID {
						t.Errorf("allowed kinds for %s: %v on %s, want %v on %s", o.org.Name, offer.Kinds, offer.Date, want,
							d.t.In(rules.MSK).Format(time.DateOnly))
					}
				}
			})
		}
	})
}

// Heads of commercial organizations get their certificates from the tax service's CA since 2022: identified
// at a service center, issued by the state CA (never silently by kcr's own), renewed without a visit.
func TestHeadsThroughStateCA(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		e.clk.Set(lrMSK(2026, time.November, 25, 12, 0))
		kcr := lrInitCA(t, e, "", ca.DefaultProfile())
		fns := lrInitCA(t, e, "fns", ca.DefaultProfile())
		stateCAs := e.reg.StateCAs
		e.clk.Set(time.Date(2026, time.November, 26, 9, 0, 0, 0, time.UTC))
		center := e.lrServiceCenter(t)

		a := e.lrNewApp(t, e.empA.ID, model.KindHead, nil)
		if a.Authority != "fns" || a.BillingPosition != rules.BillingHeadIdentification {
			t.Fatalf("a head application goes to %q billed %q", a.Authority, a.BillingPosition)
		}
		base := "/api/v1/applications/" + a.ID
		e.lrExpect(t, 200, "key_account", "POST", base+"/submit", nil)
		e.lrExpect(t, 200, "key_account", "POST", base+"/submit", nil)
		for _, tc := range []struct {
			name  string
			body  map[string]any
			check func(t *testing.T, r response)
		}{
			{"at the workplace", map[string]any{"method": "in_person_workplace"}, func(t *testing.T, r response) {
				// Refused because heads go to the state CA since 2022-01-01: the date that decided it is part of
				// the answer, and the explanation is plain Russian, not the API's method ids.
				p := lrRefused(t, r, "identification_not_allowed", "2022-01-01")
				if strings.Contains(p.Detail, "in_person_") || strings.Contains(p.Detail, "remote_qualified") {
					t.Errorf("the explanation names API ids instead of saying it in Russian: %q", p.Detail)
				}
			}},
			{"service center not named", map[string]any{"method": "in_person_service_center"}, func(t *testing.T, r response) {
				if p := lrInvalid(t, r, "service_center_id"); p.Errors[0].Rule != "required" {
					t.Fatalf("service_center_id: rule %q, want required", p.Errors[0].Rule)
				}
			}},
			{"unknown service center", map[string]any{"method": "in_person_service_center", "service_center_id": "no-such-center"},
				func(t *testing.T, r response) {
					if p := lrInvalid(t, r, "service_center_id"); p.Errors[0].Rule != "unknown" {
						t.Fatalf("service_center_id: rule %q, want unknown", p.Errors[0].Rule)
					}
				}},
			{"remote without a current certificate", map[string]any{"method": "remote_qualified_signature"}, func(t *testing.T, r response) {
				lrRefused(t, r, rules.RuleRemoteNeedsValidCertificate, "")
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.check(t, e.do("registrar", "POST", base+"/verify-identity", tc.body))
				if got := e.lrGetApp(t, a.ID); got.Verification != nil {
					t.Fatalf("a refused check was recorded: %+v", got.Verification)
				}
			})
		}
		t.Run("a workplace check names no service center", func(t *testing.T) {
			ind := e.lrNewApp(t, e.empA.ID, model.KindIndividual, nil)
			ib := "/api/v1/applications/" + ind.ID
			e.lrExpect(t, 200, "key_account", "POST", ib+"/submit", nil)
			e.lrExpect(t, 200, "key_account", "POST", ib+"/submit", nil)
			r := e.do("registrar", "POST", ib+"/verify-identity", map[string]any{"method": "in_person_workplace", "service_center_id": center})
			switch r.status {
			case 422:
				lrInvalid(t, r, "service_center_id")
			case 200:
				if got := e.lrGetApp(t, ind.ID); got.Verification == nil || got.Verification.ServiceCenterID != "" {
					t.Fatalf("a workplace check was recorded as made at service center %q", got.Verification.ServiceCenterID)
				}
			default:
				t.Fatalf("verify: %d %s", r.status, r.body)
			}
			e.lrExpect(t, 200, "key_account", "POST", ib+"/cancel", nil)
		})

		v := e.lrApp(t, 200, "registrar", "POST", base+"/verify-identity", map[string]any{"method": "in_person_service_center", "service_center_id": center})
		if v.Verification == nil || v.Verification.ServiceCenterID != center || v.Verification.Method != model.VerifiedServiceCenter {
			t.Fatalf("verification %+v", v.Verification)
		}
		e.lrCSR(t, a.ID)
		e.lrExpect(t, 200, "registrar", "POST", base+"/approve", nil)

		t.Run("no connector to the state CA", func(t *testing.T) {
			e.reg.StateCAs = nil
			defer func() { e.reg.StateCAs = stateCAs }()
			r := e.do("registrar", "POST", base+"/issue", nil)
			if r.status != 503 || r.problem(t).Type != api.ProblemTypeBase+"unavailable" {
				t.Fatalf("issue without the state CA: %d %s (kcr's own CA must not issue to a head)", r.status, r.body)
			}
			if got := e.lrGetApp(t, a.ID); got.State != model.StateApproved || got.CertificateSerial != "" {
				t.Fatalf("after a failed issue: state %s serial %q", got.State, got.CertificateSerial)
			}
		})

		issued := e.lrApp(t, 200, "registrar", "POST", base+"/issue", nil)
		c := e.lrGetCert(t, issued.CertificateSerial)
		if c.Issuer != "fns-ca" || c.Kind != model.KindHead || c.OrganizationID != e.orgA.ID {
			t.Fatalf("head certificate issuer %q kind %s organization %s", c.Issuer, c.Kind, c.OrganizationID)
		}
		x := e.lrX509(t, c.Serial)
		fnsDER, ok := fns.Certificate("fns-ca")
		if !ok {
			t.Fatal("the stand-in has no fns-ca certificate")
		}
		fnsCert, err := x509gost.ParseCertificate(fnsDER)
		must(t, err)
		if err := x.CheckSignatureFrom(fnsCert); err != nil {
			t.Fatalf("the head certificate does not verify against the tax service stand-in: %v", err)
		}
		kcrDER, _ := kcr.Certificate(kcr.IssuingName())
		kcrCert, err := x509gost.ParseCertificate(kcrDER)
		must(t, err)
		if x.CheckSignatureFrom(kcrCert) == nil {
			t.Fatal("the head certificate verifies against kcr's own CA")
		}
		if cn, _ := x.Subject.Get(x509gost.OIDCommonName); cn != e.orgA.Name || len(lrOrgAttrs(x)) != 3 {
			t.Fatalf("head subject %s", x.Subject)
		}
		if got, want := lrIdentKind(t, x), x509gost.IdentificationKind(0); string(got) != string(want) {
			t.Fatalf("identificationKind %x after a service-center check, want %x", got, want)
		}

		t.Run("renewal while valid needs no visit", func(t *testing.T) {
			re := e.lrApp(t, 201, "key_account", "POST", "/api/v1/certificates/"+c.Serial+"/reissue", nil)
			if re.Kind != model.KindHead || re.Authority != "fns" || re.State != model.StateIdentityVerification ||
				re.Verification == nil || re.Verification.Method != model.VerifiedRemoteQualified {
				t.Fatalf("head reissue %+v", re.Application)
			}
			e.lrCSR(t, re.ID)
			ri := e.lrApproveIssue(t, re.ID)
			nc := e.lrGetCert(t, ri.CertificateSerial)
			if nc.Issuer != "fns-ca" || nc.Kind != model.KindHead {
				t.Fatalf("renewed head certificate from %q, kind %s", nc.Issuer, nc.Kind)
			}
			if got, want := lrIdentKind(t, e.lrX509(t, nc.Serial)), x509gost.IdentificationKind(1); string(got) != string(want) {
				t.Fatalf("identificationKind %x after a remote renewal, want %x", got, want)
			}
			if old := e.lrGetCert(t, c.Serial); old.ReplacedBy != nc.Serial {
				t.Fatalf("old head certificate replaced_by %q, want %q", old.ReplacedBy, nc.Serial)
			}
		})

		t.Run("state organization's head goes to the Treasury", func(t *testing.T) {
			oo := e.lrOtherOrgs(t)
			h := e.lrNewApp(t, oo.empState.ID, model.KindHead, nil)
			if h.Authority != "treasury" {
				t.Fatalf("authority %q", h.Authority)
			}
			e.lrPrepare(t, h.ID, "key_account", model.VerifiedServiceCenter, center)
			e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+h.ID+"/approve", nil)
			r := e.do("key_account", "POST", "/api/v1/applications/"+h.ID+"/issue", nil)
			if r.status != 503 || r.problem(t).Type != api.ProblemTypeBase+"unavailable" {
				t.Fatalf("treasury issue without a connector: %d %s", r.status, r.body)
			}
			if got := e.lrGetApp(t, h.ID); got.State != model.StateApproved {
				t.Fatalf("state %s", got.State)
			}
		})
	})
}

// A head application started with kcr's own CA before 2022-01-01 and continued after it finishes under the new
// rules, like the 2023 carry-over: it goes to the tax service's CA, and since that CA accepts only a
// service-center identification, the workplace check is redone there, not approved into a dead end.
func TestHeadAcrossStateCACutoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	center := e.lrServiceCenter(t)
	e.clk.Set(lrMSK(2021, time.December, 1, 10, 0))
	lrInitCA(t, e, "", ca.DefaultProfile())
	lrInitCA(t, e, "fns", ca.DefaultProfile())
	e.clk.Set(lrMSK(2021, time.December, 30, 10, 0))
	a := e.lrNewApp(t, e.empA.ID, model.KindHead, nil)
	if a.Authority != "kcr" {
		t.Fatalf("a head application in 2021 goes to %q", a.Authority)
	}
	e.lrPrepare(t, a.ID, "key_account", model.VerifiedInPersonWorkplace, "")
	base := "/api/v1/applications/" + a.ID

	e.clk.Set(lrMSK(2022, time.January, 10, 10, 0))
	if r := e.do("key_account", "POST", base+"/approve", nil); r.status == 200 {
		issue := e.do("key_account", "POST", base+"/issue", nil)
		t.Fatalf("approved on 2022-01-10 with a workplace check for kcr's CA; the issue step then answers %d %s", issue.status, issue.body)
	}
	if got := e.lrGetApp(t, a.ID); got.State == model.StateApproved {
		t.Fatal("the application is approved although it cannot be issued")
	}
	e.lrExpect(t, 200, "key_account", "POST", base+"/verify-identity", map[string]any{"method": "in_person_service_center", "service_center_id": center})
	e.lrExpect(t, 200, "key_account", "POST", base+"/approve", nil)
	issued := e.lrApp(t, 200, "key_account", "POST", base+"/issue", nil)
	c := e.lrGetCert(t, issued.CertificateSerial)
	if issued.Authority != "fns" || c.Issuer != "fns-ca" || c.Kind != model.KindHead {
		t.Fatalf("authority %q, issuer %q, kind %s", issued.Authority, c.Issuer, c.Kind)
	}
}

// Reissue takes one call from a certificate to an application waiting only for the request and the
// approval; revoked certificates are not reissued, expired ones need an in-person check, and the 2023
// cutoff decides the recipient.
func TestReissue(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		e.clk.Set(lrMSK(2023, time.June, 1, 10, 0))
		lrInitCA(t, e, "", ca.DefaultProfile())
		now := time.Date(2026, time.November, 26, 9, 0, 0, 0, time.UTC)

		issueIndividual := func(t *testing.T) string {
			t.Helper()
			e.clk.Set(now)
			id := e.approvedApp(t)
			return e.lrApp(t, 200, "key_account", "POST", "/api/v1/applications/"+id+"/issue", nil).CertificateSerial
		}

		t.Run("valid certificate", func(t *testing.T) {
			serial := issueIndividual(t)
			before := e.lrCountApps(t)
			r := e.lrExpect(t, 201, "key_account", "POST", "/api/v1/certificates/"+serial+"/reissue", nil)
			var re registration.ApplicationView
			r.json(t, &re)
			if loc := r.header.Get("Location"); loc != "/api/v1/applications/"+re.ID {
				t.Errorf("Location %q", loc)
			}
			if e.lrCountApps(t) != before+1 {
				t.Fatal("a reissue did not create exactly one application")
			}
			if re.State != model.StateIdentityVerification || re.Kind != model.KindIndividual || re.ReissueOf != serial ||
				re.EmployeeID != e.empA.ID || re.OrganizationID != e.orgA.ID || re.Authority != "kcr" ||
				re.Verification == nil || re.Verification.Method != model.VerifiedRemoteQualified {
				t.Fatalf("reissue application %+v", re.Application)
			}
			if step, n := lrStep(re, "reissue"); n != 1 || !strings.Contains(step.Note, serial) {
				t.Fatalf("history %+v", re.History)
			}
			// Only the request is missing for the approval.
			r = e.do("key_account", "POST", "/api/v1/applications/"+re.ID+"/approve", nil)
			if r.status != 409 {
				t.Fatalf("approve without a CSR: %d %s", r.status, r.body)
			}
			if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "csr" {
				t.Fatalf("what is missing for the approval: %+v, want only the csr", p.Errors)
			}
			e.lrCSR(t, re.ID)
			ri := e.lrApproveIssue(t, re.ID)
			x := e.lrX509(t, ri.CertificateSerial)
			if got, want := lrIdentKind(t, x), x509gost.IdentificationKind(1); string(got) != string(want) {
				t.Fatalf("identificationKind %x, want %x (remote, with the valid certificate)", got, want)
			}
			if old := e.lrGetCert(t, serial); old.ReplacedBy != ri.CertificateSerial {
				t.Fatalf("replaced_by %q, want %q", old.ReplacedBy, ri.CertificateSerial)
			}

			// The new certificate, revoked, is not reissued.
			e.lrExpect(t, 200, "key_account", "POST", "/api/v1/certificates/"+ri.CertificateSerial+"/revoke", map[string]any{"reason": "key_compromise"})
			before = e.lrCountApps(t)
			lrRefused(t, e.do("key_account", "POST", "/api/v1/certificates/"+ri.CertificateSerial+"/reissue", nil), rules.RuleReissueOfRevoked, "")
			if e.lrCountApps(t) != before {
				t.Fatal("a refused reissue created an application")
			}
		})

		t.Run("expired certificate", func(t *testing.T) {
			serial := issueIndividual(t)
			c := e.lrGetCert(t, serial)
			e.clk.Set(c.NotAfter.Add(time.Hour))
			defer e.clk.Set(now)
			if got := e.lrGetCert(t, serial); got.Status != model.CertExpired {
				t.Fatalf("status %s after not_after", got.Status)
			}
			re := e.lrApp(t, 201, "key_account", "POST", "/api/v1/certificates/"+serial+"/reissue", nil)
			if re.State != model.StateDraft || re.Verification != nil || re.ReissueOf != serial || re.Kind != model.KindIndividual {
				t.Fatalf("reissue of an expired certificate: state %s verification %+v", re.State, re.Verification)
			}
			e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+re.ID+"/submit", nil)
			e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+re.ID+"/submit", nil)
			lrRefused(t, e.do("key_account", "POST", "/api/v1/applications/"+re.ID+"/verify-identity",
				map[string]any{"method": "remote_qualified_signature"}), rules.RuleRemoteNeedsValidCertificate, "")
			e.lrExpect(t, 200, "key_account", "POST", "/api/v1/applications/"+re.ID+"/verify-identity", map[string]any{"method": "in_person_workplace"})
		})

		t.Run("recipient across the cutoff", func(t *testing.T) {
			e.clk.Set(lrMSK(2023, time.June, 1, 10, 0))
			a := e.lrNewApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
			e.lrPrepare(t, a.ID, "key_account", model.VerifiedInPersonWorkplace, "")
			serial := e.lrApproveIssue(t, a.ID).CertificateSerial

			for _, tc := range []struct {
				name      string
				at        time.Time
				body      any
				kind      model.CertKind
				rule      string
				ruleDate  string
				billingOK model.BillingPosition
			}{
				{"before: individual", lrMSK(2023, time.August, 31, 23, 30), map[string]any{"recipient": "individual"}, model.KindIndividual, "", "", rules.BillingIndividual},
				{"before: legal entity", lrMSK(2023, time.August, 31, 23, 30), map[string]any{"recipient": "legal_entity"}, model.KindLegalEntityEmployee, "", "", rules.BillingLegalEntityEmployee},
				{"before: default keeps the kind", lrMSK(2023, time.August, 31, 23, 30), nil, model.KindLegalEntityEmployee, "", "", rules.BillingLegalEntityEmployee},
				{"on: legal entity refused", lrMSK(2023, time.September, 1, 0, 30), map[string]any{"recipient": "legal_entity"}, "", rules.RuleEmployeeOrgCertificatesEnded, "2023-09-01", ""},
				{"after: legal entity refused", lrMSK(2023, time.September, 2, 12, 0), map[string]any{"recipient": "legal_entity"}, "", rules.RuleEmployeeOrgCertificatesEnded, "2023-09-01", ""},
				{"on: default is individual", lrMSK(2023, time.September, 1, 0, 30), nil, model.KindIndividual, "", "", rules.BillingIndividual},
				{"on: individual", lrMSK(2023, time.September, 1, 0, 30), map[string]any{"recipient": "individual"}, model.KindIndividual, "", "", rules.BillingIndividual},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.clk.Set(tc.at)
					before := e.lrCountApps(t)
					r := e.do("key_account", "POST", "/api/v1/certificates/"+serial+"/reissue", tc.body)
					if tc.rule != "" {
						lrRefused(t, r, tc.rule, tc.ruleDate)
						if e.lrCountApps(t) != before {
							t.Fatal("a refused reissue created an application")
						}
						return
					}
					if r.status != 201 {
						t.Fatalf("reissue: %d %s", r.status, r.body)
					}
					var re registration.ApplicationView
					r.json(t, &re)
					if re.Kind != tc.kind || re.BillingPosition != tc.billingOK || re.OrganizationID != e.orgA.ID || re.ReissueOf != serial ||
						re.State != model.StateIdentityVerification {
						t.Fatalf("reissue gave %s / %s / %s / %s", re.Kind, re.BillingPosition, re.OrganizationID, re.State)
					}
				})
			}

			// Finishing the automatic individual reissue after the cutoff: an individual certificate linked to A.
			e.clk.Set(lrMSK(2023, time.September, 4, 10, 0))
			re := e.lrApp(t, 201, "key_account", "POST", "/api/v1/certificates/"+serial+"/reissue", nil)
			e.lrCSR(t, re.ID)
			ri := e.lrApproveIssue(t, re.ID)
			nc := e.lrGetCert(t, ri.CertificateSerial)
			if nc.Kind != model.KindIndividual || nc.OrganizationID != e.orgA.ID || len(lrOrgAttrs(e.lrX509(t, nc.Serial))) != 0 {
				t.Fatalf("reissued after the cutoff: kind %s organization %s", nc.Kind, nc.OrganizationID)
			}
			if old := e.lrGetCert(t, serial); old.ReplacedBy != nc.Serial {
				t.Fatalf("replaced_by %q", old.ReplacedBy)
			}
		})
	})
}

// From 2024-09-01 (Moscow date) legal_entity_employee certificates show as not usable on behalf of the
// organization, with a reissue recommendation, in the certificate and in the register list.
func TestLegacyFlag(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		e.clk.Set(lrMSK(2023, time.August, 30, 10, 0))
		prof := ca.DefaultProfile()
		prof.ValidityMonths, prof.KeyUsageMonths = 15, 15
		lrInitCA(t, e, "", prof)
		a := e.lrNewApp(t, e.empA.ID, model.KindLegalEntityEmployee, nil)
		e.lrPrepare(t, a.ID, "key_account", model.VerifiedInPersonWorkplace, "")
		legacy := e.lrApproveIssue(t, a.ID).CertificateSerial
		ind := e.lrNewApp(t, e.empA.ID, model.KindIndividual, nil)
		e.lrPrepare(t, ind.ID, "key_account", model.VerifiedInPersonWorkplace, "")
		individual := e.lrApproveIssue(t, ind.ID).CertificateSerial
		if c := e.lrGetCert(t, legacy); !c.NotAfter.After(lrMSK(2024, time.September, 2, 12, 0)) {
			t.Fatalf("the certificate ends %s, before the dates under test", c.NotAfter)
		}

		for _, tc := range []struct {
			name    string
			at      time.Time
			flagged bool
		}{
			{"2024-08-31 12:00", lrMSK(2024, time.August, 31, 12, 0), false},
			{"2024-08-31 23:30", lrMSK(2024, time.August, 31, 23, 30), false},
			{"2024-09-01 00:30 (21:30 UTC the day before)", lrMSK(2024, time.September, 1, 0, 30), true},
			{"2024-09-02", lrMSK(2024, time.September, 2, 12, 0), true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.clk.Set(tc.at)
				check := func(where string, c model.Certificate) {
					t.Helper()
					if c.Serial == individual {
						if c.LegacyUnusable || c.Recommendation != "" {
							t.Errorf("%s: the individual certificate is flagged", where)
						}
						return
					}
					if c.LegacyUnusable != tc.flagged {
						t.Errorf("%s: legacy_unusable %v, want %v", where, c.LegacyUnusable, tc.flagged)
					}
					if tc.flagged && !lrCyrillic(c.Recommendation) {
						t.Errorf("%s: recommendation %q, want a Russian reissue recommendation", where, c.Recommendation)
					}
					if !tc.flagged && c.Recommendation != "" {
						t.Errorf("%s: a recommendation before the date: %q", where, c.Recommendation)
					}
				}
				check("GET legacy", e.lrGetCert(t, legacy))
				check("GET individual", e.lrGetCert(t, individual))
				var page struct{ Items []model.Certificate }
				e.lrExpect(t, 200, "key_account", "GET", "/api/v1/certificates?organization_id="+e.orgA.ID, nil).json(t, &page)
				seen := 0
				for _, c := range page.Items {
					if c.Serial == legacy || c.Serial == individual {
						seen++
						check("list", c)
					}
				}
				if seen != 2 {
					t.Fatalf("the list shows %d of the 2 certificates", seen)
				}
			})
		}
	})
}

// Renewal waves create reissue applications for the selected certificates in scope, once.
func TestRenewalWaves(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		day := func(y int, m time.Month, d int) time.Time { return lrMSK(y, m, d, 12, 0) }
		put := func(serial string, emp *model.Employee, kind model.CertKind, notBefore, notAfter time.Time, mod func(c *model.Certificate)) string {
			c := &model.Certificate{Serial: serial, AccountID: emp.AccountID, OrganizationID: emp.OrganizationID, EmployeeID: emp.ID,
				Kind: kind, Status: model.CertValid, Issuer: "kcr-ca", NotBefore: notBefore, NotAfter: notAfter, DER: []byte{0x30, 0x00},
				CreatedAt: notBefore, PublicKeyHash: "hash-" + serial}
			if kind == model.KindHead {
				c.Issuer = "fns-ca"
			}
			if mod != nil {
				mod(c)
			}
			must(t, e.db.CreateCertificate(ctx, c))
			return c.Serial
		}
		issued := day(2026, time.January, 20)
		revoke := func(c *model.Certificate) {
			c.Status, c.RevokedAt, c.RevocationReason = model.CertRevoked, &issued, "superseded"
		}
		certs := map[string]string{
			"A1 individual": put("a1", e.empA, model.KindIndividual, issued, day(2026, time.December, 10), nil),
			"A2 later":      put("a2", e.empA, model.KindIndividual, issued, day(2027, time.March, 1), nil),
			"A3 legacy":     put("a3", e.empA, model.KindLegalEntityEmployee, day(2023, time.August, 1), day(2026, time.December, 20), nil),
			"A4 revoked":    put("a4", e.empA, model.KindIndividual, issued, day(2026, time.December, 5), revoke),
			"A5 replaced":   put("a5", e.empA, model.KindIndividual, issued, day(2026, time.December, 6), func(c *model.Certificate) { c.ReplacedBy = "a1" }),
			"A6 expired":    put("a6", e.empA, model.KindIndividual, day(2025, time.November, 1), day(2026, time.November, 1), nil),
			"H1 head":       put("b0", e.empA, model.KindHead, issued, day(2026, time.December, 12), nil),
			"B1 individual": put("b1", e.empB, model.KindIndividual, issued, day(2026, time.December, 15), nil),
			"B2 legacy":     put("b2", e.empB, model.KindLegalEntityEmployee, day(2023, time.July, 1), day(2026, time.December, 25), nil),
		}
		type result struct {
			Created        int            `json:"created"`
			Skipped        map[string]int `json:"skipped"`
			ApplicationIDs []string       `json:"application_ids"`
		}
		wave := func(t *testing.T, caller string, body any) result {
			t.Helper()
			var res result
			e.lrExpect(t, 200, caller, "POST", "/api/v1/renewal-waves", body).json(t, &res)
			if len(res.ApplicationIDs) != res.Created {
				t.Fatalf("%d ids for %d created", len(res.ApplicationIDs), res.Created)
			}
			return res
		}
		reissuesOf := func(t *testing.T) map[string]model.Application {
			t.Helper()
			out := map[string]model.Application{}
			for _, a := range e.lrAllApps(t, "") {
				if a.ReissueOf != "" {
					if _, dup := out[a.ReissueOf]; dup {
						t.Fatalf("two reissue applications for %s", a.ReissueOf)
					}
					out[a.ReissueOf] = a
				}
			}
			return out
		}
		skipped := func(res result) int { return res.Skipped["already_has_reissue_application"] }

		t.Run("bad input", func(t *testing.T) {
			before := e.lrCountApps(t)
			for _, tc := range []struct {
				name  string
				body  any
				field string
			}{
				{"neither", map[string]any{}, "expires_before"},
				{"legacy false", map[string]any{"legacy": false}, "expires_before"},
				{"both", map[string]any{"expires_before": "2027-01-01", "legacy": true}, "expires_before"},
				{"Russian date format", map[string]any{"expires_before": "01.01.2027"}, "expires_before"},
				{"no such day", map[string]any{"expires_before": "2027-02-30"}, "expires_before"},
				{"a timestamp", map[string]any{"expires_before": "2027-01-01T00:00:00Z"}, "expires_before"},
				{"unknown organization", map[string]any{"expires_before": "2027-01-01", "organization_ids": []string{"nope"}}, "organization_ids[0]"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					lrInvalid(t, e.do("key_account", "POST", "/api/v1/renewal-waves", tc.body), tc.field)
				})
			}
			lrInvalid(t, e.do("org_admin", "POST", "/api/v1/renewal-waves",
				map[string]any{"expires_before": "2027-01-01", "organization_ids": []string{e.orgB.ID}}), "organization_ids[0]")
			if e.lrCountApps(t) != before {
				t.Fatal("bad input created applications")
			}
		})

		t.Run("org admin of A", func(t *testing.T) {
			res := wave(t, "org_admin", map[string]any{"expires_before": "2027-01-01"})
			if res.Created != 4 || skipped(res) != 0 {
				t.Fatalf("org_admin wave: %+v, want 4 created (A1, A3, A6, H1)", res)
			}
			got := reissuesOf(t)
			for name, serial := range certs {
				_, has := got[serial]
				want := slices.Contains([]string{"A1 individual", "A3 legacy", "A6 expired", "H1 head"}, name)
				if has != want {
					t.Errorf("%s: reissue application %v, want %v", name, has, want)
				}
			}
			for _, id := range res.ApplicationIDs {
				if a := e.lrGetApp(t, id); a.OrganizationID != e.orgA.ID {
					t.Errorf("org_admin of A created an application for %s", a.OrganizationID)
				}
			}
			for name, check := range map[string]func(a model.Application) bool{
				// The valid certificate identifies its holder remotely, even in a wave run by a caller who may not
				// verify identity: the registrar does not repeat the check.
				"A1 individual": func(a model.Application) bool {
					return a.Kind == model.KindIndividual && a.State == model.StateIdentityVerification && a.Verification != nil &&
						a.Verification.Method == model.VerifiedRemoteQualified
				},
				"A3 legacy": func(a model.Application) bool {
					return a.Kind == model.KindIndividual && a.State == model.StateIdentityVerification && a.OrganizationID == e.orgA.ID
				},
				"A6 expired": func(a model.Application) bool { return a.State == model.StateDraft && a.Verification == nil },
				"H1 head": func(a model.Application) bool {
					return a.Kind == model.KindHead && a.Authority == "fns" && a.State == model.StateIdentityVerification
				},
			} {
				if a := got[certs[name]]; !check(a) {
					t.Errorf("%s: reissue application %+v", name, a)
				}
			}
		})

		t.Run("legacy", func(t *testing.T) {
			res := wave(t, "key_account", map[string]any{"legacy": true})
			if res.Created != 1 || skipped(res) != 1 {
				t.Fatalf("legacy wave: %+v, want B2 created and A3 skipped", res)
			}
			a := e.lrGetApp(t, res.ApplicationIDs[0])
			if a.ReissueOf != certs["B2 legacy"] || a.Kind != model.KindIndividual || a.OrganizationID != e.orgB.ID {
				t.Fatalf("legacy wave application %+v", a.Application)
			}
		})

		t.Run("whole account", func(t *testing.T) {
			res := wave(t, "key_account", map[string]any{"expires_before": "2027-01-01"})
			if res.Created != 1 || skipped(res) != 5 {
				t.Fatalf("account wave: %+v, want B1 created, 5 skipped", res)
			}
			res = wave(t, "key_account", map[string]any{"expires_before": "2027-01-01"})
			if res.Created != 0 || skipped(res) != 6 {
				t.Fatalf("the same wave again: %+v, want nothing created, 6 skipped", res)
			}
			res = wave(t, "key_account", map[string]any{"expires_before": "2027-06-01", "organization_ids": []string{e.orgA.ID}})
			if res.Created != 1 || skipped(res) != 4 {
				t.Fatalf("A until June: %+v, want A2 created, 4 skipped", res)
			}
			got := reissuesOf(t)
			for _, name := range []string{"A4 revoked", "A5 replaced"} {
				if _, has := got[certs[name]]; has {
					t.Errorf("%s got a reissue application", name)
				}
			}
			if len(got) != 7 {
				t.Fatalf("%d certificates have reissue applications, want 7", len(got))
			}
		})
	})
}

// For many random dates and kinds, whatever the rules allow goes through the API to an issued certificate of
// that kind from the right CA, and whatever they refuse is refused with the rule and a Russian reason.
func TestRandomDatesEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	center := e.lrServiceCenter(t)
	from := time.Date(2021, time.June, 1, 0, 0, 0, 0, rules.MSK)
	to := time.Date(2026, time.January, 1, 0, 0, 0, 0, rules.MSK)
	e.clk.Set(from.Add(-24 * time.Hour))
	lrInitCA(t, e, "", ca.DefaultProfile())
	lrInitCA(t, e, "fns", ca.DefaultProfile())
	tl := rules.DefaultTimeline()
	r := rand.New(rand.NewPCG(2022, 901))
	const iterations = 60
	outcomes := map[string]int{}
	for i := range iterations {
		at := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
		kind := model.CertKinds[r.IntN(len(model.CertKinds))]
		t.Run(fmt.Sprintf("%02d %s %s", i, at.In(rules.MSK).Format("2006-01-02T15:04"), kind), func(t *testing.T) {
			e.clk.Set(at)
			d, refusal := rules.Decide(tl, rules.Input{Date: at, Kind: kind, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity})
			allowed := rules.AllowedKinds(tl, at, model.OrgLegalEntity)
			if (refusal == nil) != slices.Contains(allowed, kind) {
				t.Fatalf("rules disagree: Decide refusal %v, AllowedKinds %v", refusal, allowed)
			}
			var offer registration.KindsOffer
			e.lrExpect(t, 200, "key_account", "GET", "/api/v1/organizations/"+e.orgA.ID+"/allowed-kinds", nil).json(t, &offer)
			if !slices.Equal(offer.Kinds, allowed) {
				t.Fatalf("allowed-kinds %v, rules say %v", offer.Kinds, allowed)
			}
			before := e.lrCountApps(t)
			resp := e.do("key_account", "POST", "/api/v1/applications", map[string]any{"employee_id": e.empA.ID, "kind": string(kind)})
			if refusal != nil {
				date := ""
				if !refusal.Date.IsZero() {
					date = refusal.Date.In(rules.MSK).Format(time.DateOnly)
				}
				p := lrRefused(t, resp, refusal.Rule, date)
				if p.Rule == "" {
					t.Fatal("a refusal without a rule")
				}
				if e.lrCountApps(t) != before {
					t.Fatal("a refused request created an application")
				}
				outcomes["refused "+p.Rule]++
				return
			}
			if resp.status != 201 {
				t.Fatalf("create: %d %s", resp.status, resp.body)
			}
			var a registration.ApplicationView
			resp.json(t, &a)
			if a.Authority != d.Authority || a.BillingPosition != d.BillingPosition {
				t.Fatalf("authority %q billing %q, rules say %q %q", a.Authority, a.BillingPosition, d.Authority, d.BillingPosition)
			}
			method := d.Identification[0]
			sc := ""
			if method == model.VerifiedServiceCenter {
				sc = center
			}
			e.lrPrepare(t, a.ID, "key_account", method, sc)
			issued := e.lrApproveIssue(t, a.ID)
			c := e.lrGetCert(t, issued.CertificateSerial)
			wantIssuer := "kcr-ca"
			if d.Authority == rules.AuthorityFNS {
				wantIssuer = "fns-ca"
			}
			if c.Kind != kind || c.Issuer != wantIssuer || c.OrganizationID != e.orgA.ID {
				t.Fatalf("certificate kind %s issuer %s, want %s from %s", c.Kind, c.Issuer, kind, wantIssuer)
			}
			x := e.lrX509(t, c.Serial)
			wantOrg := kind == model.KindHead || kind == model.KindLegalEntityEmployee
			if got := len(lrOrgAttrs(x)) == 3; got != wantOrg || (!wantOrg && len(lrOrgAttrs(x)) != 0) {
				t.Fatalf("subject %s for a %s certificate", x.Subject, kind)
			}
			if b := e.lrBundledOf(t, a.ID); (len(b) == 1) != d.Bundled || len(b) > 1 {
				t.Fatalf("%d bundled applications, rules say bundled=%v", len(b), d.Bundled)
			}
			outcomes["issued "+string(kind)+" by "+wantIssuer]++
		})
	}
	t.Logf("outcomes: %v", outcomes)
	for _, o := range []string{"issued individual by kcr-ca", "issued legal_entity_employee by kcr-ca", "issued head by fns-ca",
		"refused " + rules.RuleEmployeeOrgCertificatesEnded, "refused " + rules.RuleSoleProprietorNeedsSoleProprietorOrg} {
		if outcomes[o] == 0 {
			t.Errorf("no iteration covered %q: change the seed", o)
		}
	}
}
