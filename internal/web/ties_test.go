package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// tiesRegistry is a registry that takes every revocation and remembers the numbers.
type tiesRegistry struct {
	mu      sync.Mutex
	revoked []string
}

func (r *tiesRegistry) Register(context.Context, string, []byte, []byte) (string, error) {
	return "op", nil
}
func (r *tiesRegistry) Status(context.Context, string) (*mchd.RegistryState, error) {
	return &mchd.RegistryState{Status: mchd.RegistryActive}, nil
}
func (r *tiesRegistry) Revoke(_ context.Context, rv *mchd.Revocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked = append(r.revoked, rv.Number)
	return nil
}
func (r *tiesRegistry) StatusURL(number string) string { return "http://registry/" + number }

// tiesEnv is the web env with the МЧД service and a way to store powers of attorney as they would be.
type tiesEnv struct {
	*env
	registry *tiesRegistry
	account  string
}

func newTiesEnv(t *testing.T, db *storage.DB) *tiesEnv {
	e := newEnvOn(t, db)
	te := &tiesEnv{env: e, registry: &tiesRegistry{}, account: e.accountOf(t)}
	e.h.PoA = &attorney.Service{DB: db, Clock: e.clk, Registry: te.registry}
	return te
}

// poa stores a power of attorney of the employee in the organization, in the given state, ending on end
// (a Moscow date).
func (e *tiesEnv) poa(t *testing.T, org, emp string, st mchd.State, end string, codes ...string) *mchd.Record {
	t.Helper()
	day, err := time.ParseInLocation(time.DateOnly, end, rules.MSK)
	must(t, err)
	id := testdb.NewID()
	var powers []mchd.Power
	for _, c := range codes {
		powers = append(powers, mchd.Power{Code: c, Name: "Полномочие " + c})
	}
	now := e.clk.Now()
	r := &mchd.Record{ID: id, AccountID: e.account, OrganizationID: org, EmployeeID: emp, Number: testdb.NewID(),
		InternalNumber: "Д-1", IssueDate: day.AddDate(-1, 0, 0), EndDate: day, Kind: mchd.KindOrdinary,
		Retrust: mchd.RetrustNone, Powers: powers, State: st, FileName: "ON_EMCHD_" + id + ".xml", XML: []byte("<x/>"),
		CreatedBy: "user:test", CreatedAt: now, UpdatedAt: now, Version: 1}
	if st == mchd.StateRegistered {
		r.RegistryStatus = mchd.RegistryActive
	}
	must(t, e.db.CreatePowersOfAttorney(context.Background(), []*mchd.Record{r}, "user:test"))
	return r
}

// TestTies: the register, the certificate card, the employee card and the dashboard show the МЧД that lets
// the holder of an individual certificate sign for the organization, "нет МЧД" without one, and offer to
// draft one with the powers last drafted there; on both engines.
func TestTies(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newTiesEnv(t, eng.Open(t))
			a := e.poa(t, e.orgA, e.empA, mchd.StateRegistered, "2027-01-10", "DEMO_01")
			e.poa(t, e.orgB, e.empB, mchd.StateAwaitingSignature, "2027-06-01", "DEMO_02", "DEMO_03")
			signsA := `<a href="/ui/powers-of-attorney/` + a.ID + `" class="poa-tie">подписывает за ` + "ООО «Ромашка»" + ` до 10.01.2027</a>`
			b := e.browser()
			b.login("account_admin")

			t.Run("register", func(t *testing.T) {
				r := b.get("/ui/certificates?sort=serial")
				wantStatus(t, "register", r, http.StatusOK)
				contains(t, "register", r.body, "<th>МЧД</th>", signsA, `<span class="tag warn poa-none">нет МЧД</span>`)
				if n := strings.Count(r.body, "poa-none"); n != 1 {
					t.Errorf(`"нет МЧД" %d times, want once (certificate B; the legacy one needs none)`, n)
				}
				acc := e.browser()
				acc.login("accountant")
				lacks(t, "accountant's register", acc.get("/ui/certificates").body, "<th>МЧД</th>", "poa-tie")
			})

			t.Run("certificate card", func(t *testing.T) {
				r := b.get("/ui/certificates/" + certA)
				contains(t, "card A", r.body, `id="poa-tie"`, signsA)
				lacks(t, "card A", r.body, `id="poa-draft"`)
				r = b.get("/ui/certificates/" + certB)
				q := url.Values{"organization_id": {e.orgB}, "employee_id": {e.empB}, "powers": {"DEMO_02,DEMO_03"}}
				contains(t, "card B", r.body, "нет МЧД", `href="/ui/powers-of-attorney/new?`+strings.ReplaceAll(q.Encode(), "&", "&amp;")+`"`,
					"Оформить МЧД")
				lacks(t, "legacy card", b.get("/ui/certificates/"+certLegacy).body, `id="poa-tie"`)
				// The manager reads no personal data, and so no powers of attorney (attorney.Service).
				m := e.browser()
				m.login("manager")
				lacks(t, "manager's card", m.get("/ui/certificates/"+certA).body, `id="poa-tie"`)
			})

			t.Run("employee card", func(t *testing.T) {
				contains(t, "employee A", b.get("/ui/employees/"+e.empA).body, `id="poa-tie"`, signsA)
				contains(t, "employee B", b.get("/ui/employees/"+e.empB).body, "нет МЧД", `id="poa-draft"`)
			})

			t.Run("dashboard", func(t *testing.T) {
				r := b.get("/ui/")
				contains(t, "dashboard", r.body, `id="dash-poa"`,
					`<a href="/ui/powers-of-attorney?state=registered&amp;ending_within_days=30">в течение 30 дней</a></th>
<td class="n">0</td>`,
					`<a href="/ui/powers-of-attorney?state=registered&amp;ending_within_days=60">в течение 60 дней</a></th>
<td class="n">1</td>`,
					`<a href="/ui/certificates?status=valid&amp;kind=individual">Сертификаты физлиц без МЧД</a></th>
<td class="n">1</td>`)
				acc := e.browser()
				acc.login("accountant")
				lacks(t, "accountant's dashboard", acc.get("/ui/").body, `id="dash-poa"`)
			})

			t.Run("expired and revoked", func(t *testing.T) {
				e.clk.Set(time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC))
				defer e.clk.Set(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
				later := e.browser()
				later.login("account_admin")
				contains(t, "past the end", later.get("/ui/employees/"+e.empA).body, "МЧД истекла", `id="poa-draft"`)
			})
		})
	}
}

// TestTiesRevocation: once all of an employee's certificates are revoked, or the employee is dismissed, the
// result offers to revoke their МЧД; the button asks first, then revokes them in the registry.
func TestTiesRevocation(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newTiesEnv(t, eng.Open(t))
			a := e.poa(t, e.orgA, e.empA, mchd.StateRegistered, "2027-03-01", "DEMO_01")
			draft := e.poa(t, e.orgA, e.empA, mchd.StateAwaitingSignature, "2027-03-01", "DEMO_01")
			b := e.browser()
			b.login("account_admin")

			revoke := func(serial string) reply {
				r := b.do("POST", "/ui/certificates/"+serial+"/revoke", url.Values{"reason": {"key_compromise"}, "confirm": {"yes"}})
				wantStatus(t, "revoke "+serial, r, http.StatusSeeOther)
				return b.get(r.location)
			}
			r := revoke(certA)
			lacks(t, "a valid certificate is left", r.body, `id="poa-revoke-offer"`)
			r = revoke(certLegacy)
			contains(t, "the last one revoked", r.body, `id="poa-revoke-offer"`, a.Number, draft.Number,
				`action="/ui/employees/`+e.empA+`/powers-of-attorney/revoke"`, `value="Сертификаты сотрудника отозваны"`, "Отозвать МЧД")
			m := e.browser()
			m.login("manager")
			lacks(t, "manager's card", m.get("/ui/certificates/"+certLegacy).body, `id="poa-revoke-offer"`)

			path := "/ui/employees/" + e.empA + "/powers-of-attorney/revoke"
			r = b.do("POST", path, url.Values{"reason": {"Сертификаты сотрудника отозваны"}})
			wantStatus(t, "confirmation", r, http.StatusOK)
			contains(t, "confirmation", r.body, `id="confirm-form"`, a.Number, draft.Number, "Отменить отзыв нельзя")
			if got, _ := e.db.PowerOfAttorney(ctx, storage.Scope{}, a.ID); got.State != mchd.StateRegistered {
				t.Fatalf("the confirmation page revoked: %v", got.State)
			}
			wantStatus(t, "manager", m.do("POST", path, url.Values{"reason": {"x"}, "confirm": {"yes"}}), http.StatusForbidden)
			r = b.do("POST", path, url.Values{"reason": {"Сертификаты сотрудника отозваны"}, "confirm": {"yes"}})
			wantStatus(t, "revoke", r, http.StatusOK)
			contains(t, "result", r.body, `id="poa-revoked"`, "МЧД отозваны.")
			for _, id := range []string{a.ID, draft.ID} {
				if got, _ := e.db.PowerOfAttorney(ctx, storage.Scope{}, id); got.State != mchd.StateRevoked || got.Reason != "Сертификаты сотрудника отозваны" {
					t.Errorf("%s after revocation: %v %q", id, got.State, got.Reason)
				}
			}
			if len(e.registry.revoked) != 1 || e.registry.revoked[0] != a.Number {
				t.Errorf("registry revocations %v, want the registered one only", e.registry.revoked)
			}
			r = b.get("/ui/certificates/" + certA)
			contains(t, "after", r.body, "МЧД отозвана")
			lacks(t, "after", r.body, `id="poa-revoke-offer"`)

			// Dismissal leads to the employee card, which offers the same.
			bp := e.poa(t, e.orgB, e.empB, mchd.StateRegistered, "2027-03-01", "DEMO_01")
			lacks(t, "before dismissal", b.get("/ui/employees/"+e.empB).body, `id="poa-revoke-offer"`)
			r = b.do("POST", "/ui/employees/"+e.empB+"/dismiss", url.Values{"reason": {"Собственное желание"}, "date": {"2026-11-25"},
				"confirm": {"yes"}})
			wantStatus(t, "dismiss", r, http.StatusSeeOther)
			r = b.get(r.location)
			contains(t, "dismissed", r.body, `id="poa-revoke-offer"`, bp.Number, `value="Увольнение сотрудника"`,
				`action="/ui/employees/`+e.empB+`/powers-of-attorney/revoke"`)
			lacks(t, "dismissed", r.body, `id="poa-draft"`)
		})
	}
}

// TestTiesReissueKeepsPoA: a reissued certificate shows its holder's МЧД at once, since the МЧД names the
// employee, not the certificate; the issued application's card shows it too, and offers to draft one once
// it is revoked.
func TestTiesReissueKeepsPoA(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newTiesEnv(t, eng.Open(t))
			a := e.poa(t, e.orgA, e.empA, mchd.StateRegistered, "2027-03-01", "DEMO_01")
			oa, rg := e.browser(), e.browser()
			oa.login("org_admin")
			rg.login("registrar")
			r := oa.do("POST", "/ui/certificates/"+certA+"/reissue", url.Values{"nonce": {"n1"}})
			wantStatus(t, "reissue", r, http.StatusSeeOther)
			card := strings.TrimSuffix(r.location, "?done=reissue")
			wantStatus(t, "csr", oa.upload(card+"/csr", "csr", "req.csr", testCSR(t)), http.StatusSeeOther)
			wantStatus(t, "approve", rg.do("POST", card+"/act/approve", url.Values{}), http.StatusSeeOther)
			wantStatus(t, "issue", rg.do("POST", card+"/act/issue", url.Values{}), http.StatusSeeOther)
			op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
			v, err := e.reg.Application(ctx, op, strings.TrimPrefix(card, "/ui/applications/"))
			must(t, err)
			serial := v.CertificateSerial
			if serial == "" || serial == certA {
				t.Fatalf("issued %q", serial)
			}
			signs := `<a href="/ui/powers-of-attorney/` + a.ID + `" class="poa-tie">подписывает за ООО «Ромашка» до 01.03.2027</a>`
			contains(t, "new certificate", oa.get("/ui/certificates/"+serial).body, signs)
			contains(t, "old certificate", oa.get("/ui/certificates/"+certA).body, signs)
			r = oa.get(card)
			contains(t, "issued application", r.body, `id="poa-tie"`, signs)
			lacks(t, "issued application", r.body, `id="poa-draft"`)

			a.State, a.RegistryStatus = mchd.StateRevoked, mchd.RegistryRevoked
			ok, err := e.db.SavePowerOfAttorney(ctx, a, mchd.HistoryEntry{At: e.clk.Now(), Actor: "user:test", From: mchd.StateRegistered, To: mchd.StateRevoked})
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			r = oa.get(card)
			contains(t, "after revocation", r.body, "МЧД отозвана", `id="poa-draft"`,
				`href="/ui/powers-of-attorney/new?employee_id=`+e.empA+`&amp;organization_id=`+e.orgA+`&amp;powers=DEMO_01"`)
		})
	}
}
