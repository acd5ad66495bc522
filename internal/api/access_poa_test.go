package api_test

import (
	"encoding/pem"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// The powers-of-attorney routes in the access matrix. Reading a МЧД is reading an employee's personal data
// (plus the CA operator); changing one is changing employee data. The bulk and signing routes act on many
// records with per-item reports and are covered by TestPowersOfAttorney* and the attorney package's scope
// test instead.
func init() {
	read := map[string]string{
		"operator": "200 200 200 200", "account_admin": "200 200 200 404", "org_admin": "200 404 200 404",
		"registrar": "200 404 200 404", "accountant": "403 403 403 403", "manager": "403 403 403 403",
		"employee": "200 404 404 404", "key_account": "200 200 200 404", "key_org_a": "200 404 200 404"}
	// The file names the representative by birth date and ИНН: not for the CA operator, as with employees.
	readFile := maps.Clone(read)
	readFile["operator"] = "403 403 403 403"
	matrixRoutes = append(matrixRoutes,
		matrixRoute{method: "GET", path: "/api/v1/powers-of-attorney/{id}", targets: mxPersonX, want: read,
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				return matrixReq{path: "/api/v1/powers-of-attorney/" + poaOf(m, t, target)}
			}},
		matrixRoute{method: "GET", path: "/api/v1/powers-of-attorney/{id}/file", targets: mxPersonX, want: readFile,
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				return matrixReq{path: "/api/v1/powers-of-attorney/" + poaOf(m, t, target) + "/file"}
			}},
		matrixRoute{method: "POST", path: "/api/v1/powers-of-attorney/{id}/revoke", targets: mxPersonX, want: map[string]string{
			"operator": "403 403 403 403", "account_admin": "200 200 200 404", "org_admin": "200 404 200 404",
			"registrar": "200 404 200 404", "accountant": "403 403 403 403", "manager": "403 403 403 403",
			"employee": "403 403 403 403", "key_account": "200 200 200 404", "key_org_a": "200 404 200 404"},
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				id := poaOf(m, t, target)
				return matrixReq{path: "/api/v1/powers-of-attorney/" + id + "/revoke", body: map[string]any{"reason": "увольнение"},
					snap: func() string {
						r, err := m.e.db.PowerOfAttorney(m.ctx, storage.Scope{}, id)
						must(t, err)
						return fmt.Sprint(r.State, r.Version)
					}}
			}},
		matrixRoute{method: "POST", path: "/api/v1/powers-of-attorney/check", targets: mxOwn, want: map[string]string{
			"operator": "200", "account_admin": "200", "org_admin": "200", "registrar": "200", "accountant": "403",
			"manager": "403", "employee": "200", "key_account": "200", "key_org_a": "200"},
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: getPoAPKI(t).representative.Raw})
				return matrixReq{path: "/api/v1/powers-of-attorney/check", body: map[string]any{"certificate": string(cert),
					"organization_id": m.e.orgA.ID, "power_code": mchd.Powers()[0].Code}}
			}},
		matrixRoute{method: "GET", path: "/api/v1/powers", targets: mxOwn, want: map[string]string{
			"operator": "200", "account_admin": "200", "org_admin": "200", "registrar": "200", "accountant": "200",
			"manager": "200", "employee": "200", "key_account": "200", "key_org_a": "200"},
			req: func(m *accessFixture, t *testing.T, caller, target string) matrixReq {
				return matrixReq{path: "/api/v1/powers?q=" + mchd.Powers()[0].Code}
			}},
	)
	matrixExcluded = append(matrixExcluded, "GET /api/v1/powers-of-attorney", "POST /api/v1/powers-of-attorney",
		"GET /api/v1/powers-of-attorney/{id}/signature", "PUT /api/v1/powers-of-attorney/{id}/signature",
		"POST /api/v1/powers-of-attorney/{id}/register", "POST /api/v1/powers-of-attorney/revoke",
		"POST /api/v1/powers-of-attorney/signatures", "POST /api/v1/powers-of-attorney/demo-sign")
}

// poaHeadsSet remembers the fixtures whose organizations B and of the other account have their heads.
var poaHeadsSet sync.Map

// poaOf drafts a fresh power of attorney for the target's employee, as the admin of its account.
func poaOf(m *accessFixture, t *testing.T, target string) string {
	t.Helper()
	if _, done := poaHeadsSet.LoadOrStore(m, true); !done {
		for _, o := range []struct{ org, account string }{{m.e.orgB.ID, m.acct}, {m.otherOrg.ID, m.other}} {
			must(t, m.e.db.SetOrganizationHead(m.ctx, &model.Head{OrganizationID: o.org, AccountID: o.account, Surname: "Главный",
				GivenName: "Глеб", Position: "Директор", INN: poaHeadINN, SNILS: "11111111145", Since: "2020-01-01",
				UpdatedAt: m.e.clk.Now()}))
		}
	}
	account := m.acct
	if target == "other_account" {
		account = m.other
	}
	p := &access.Principal{Actor: "system:test", AccountID: account, Role: model.RoleAccountAdmin}
	out, err := m.e.poa.Draft(m.ctx, p, attorney.DraftInput{OrganizationID: m.orgOf(target), EmployeeIDs: []string{m.empOf(target)},
		EndDate: "2027-11-25", Powers: []mchd.Power{{Code: mchd.Powers()[0].Code}}})
	must(t, err)
	return out[0].ID
}
