package attorney_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/testdb"
)

// registered drafts, signs and registers a power of attorney for the first worker.
func registered(t *testing.T, e *env) *mchd.Record {
	t.Helper()
	ctx := context.Background()
	r := signed(t, e)
	if _, err := e.svc.Register(ctx, e.admin, r.ID); err != nil {
		t.Fatal(err)
	}
	e.reg.answer(r.Number, mchd.RegistryActive, "")
	if _, err := e.svc.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTies(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, eng.Open(t), 2)
			worker, other := e.workers[0], e.workers[1]
			holder := attorney.Holder{OrganizationID: e.f.HeadOrg, EmployeeID: worker}
			none := attorney.Holder{OrganizationID: e.f.HeadOrg, EmployeeID: other}
			accountant := &access.Principal{Actor: "user:acc", AccountID: e.f.AccountA, Role: model.RoleAccountant}
			if ties, err := e.svc.Ties(ctx, e.admin, []attorney.Holder{holder}); err != nil || len(ties) != 0 {
				t.Errorf("before any: %v, %v", ties, err)
			}
			drafted := draftOne(t, e)
			if ties, err := e.svc.Ties(ctx, e.admin, []attorney.Holder{holder}); err != nil || len(ties) != 0 {
				t.Errorf("a draft is shown: %v, %v", ties, err)
			}
			r := registered(t, e)
			end := time.Date(2027, 3, 1, 0, 0, 0, 0, rules.MSK)

			t.Run("registered", func(t *testing.T) {
				ties, err := e.svc.Ties(ctx, e.admin, []attorney.Holder{holder, none})
				want := map[attorney.Holder]*attorney.Tie{holder: {ID: r.ID, Number: r.Number, State: mchd.StateRegistered, EndDate: end}}
				if err != nil || !reflect.DeepEqual(ties, want) {
					t.Errorf("got %v, %v", ties, err)
				}
				if ties, err := e.svc.Ties(ctx, accountant, []attorney.Holder{holder}); err != nil || len(ties) != 0 {
					t.Errorf("an accountant sees %v, %v", ties, err)
				}
			})

			t.Run("certificates", func(t *testing.T) {
				ind := &model.Certificate{Serial: "A1", OrganizationID: e.f.HeadOrg, EmployeeID: worker, Kind: model.KindIndividual}
				head := &model.Certificate{Serial: "A2", OrganizationID: e.f.HeadOrg, EmployeeID: worker, Kind: model.KindHead}
				bare := &model.Certificate{Serial: "A3", OrganizationID: e.f.HeadOrg, EmployeeID: other, Kind: model.KindIndividual}
				ties, err := e.svc.CertificateTies(ctx, e.admin, []*model.Certificate{ind, head, bare})
				if err != nil || len(ties) != 1 || ties["A1"] == nil || ties["A1"].ID != r.ID {
					t.Errorf("got %v, %v", ties, err)
				}
			})

			t.Run("last powers", func(t *testing.T) {
				codes, err := e.svc.LastPowers(ctx, e.admin, e.f.HeadOrg)
				if want := []string{mchd.Powers()[0].Code}; err != nil || !reflect.DeepEqual(codes, want) {
					t.Errorf("got %v, %v, want %v", codes, err, want)
				}
				if codes, err := e.svc.LastPowers(ctx, accountant, e.f.HeadOrg); err != nil || codes != nil {
					t.Errorf("an accountant gets %v, %v", codes, err)
				}
			})

			t.Run("dashboard", func(t *testing.T) {
				e.clk.Set(time.Date(2027, 1, 15, 10, 0, 0, 0, rules.MSK)) // 45 days before the end
				c, err := e.svc.DashboardCounts(ctx, e.admin)
				if want := (&attorney.Counts{Ending: []int{0, 1, 1}}); err != nil || !reflect.DeepEqual(c, want) {
					t.Errorf("got %+v, %v, want %+v", c, err, want)
				}
				if c, err := e.svc.DashboardCounts(ctx, accountant); err != nil || c != nil {
					t.Errorf("an accountant gets %+v, %v", c, err)
				}
			})

			t.Run("past the end before the reconciler", func(t *testing.T) {
				e.clk.Set(time.Date(2027, 3, 2, 0, 30, 0, 0, rules.MSK))
				ties, err := e.svc.Ties(ctx, e.admin, []attorney.Holder{holder})
				if err != nil || ties[holder] == nil || ties[holder].State != mchd.StateExpired {
					t.Errorf("got %v, %v", ties, err)
				}
				e.clk.Set(today)
			})

			t.Run("revocable on dismissal", func(t *testing.T) {
				recs, err := e.svc.Revocable(ctx, e.admin, worker)
				var ids []string
				for _, x := range recs {
					ids = append(ids, x.ID)
				}
				if want := []string{drafted.ID, r.ID}; err != nil || !reflect.DeepEqual(ids, want) {
					t.Errorf("got %v, %v, want %v", ids, err, want)
				}
				if _, err := e.svc.RevokeForEmployee(ctx, e.admin, worker, "Увольнение"); err != nil {
					t.Fatal(err)
				}
				if recs, err := e.svc.Revocable(ctx, e.admin, worker); err != nil || len(recs) != 0 {
					t.Errorf("after revocation: %v, %v", recs, err)
				}
				ties, err := e.svc.Ties(ctx, e.admin, []attorney.Holder{holder})
				if err != nil || ties[holder] == nil || ties[holder].State != mchd.StateRevoked || ties[holder].ID != r.ID {
					t.Errorf("after revocation: %v, %v", ties, err)
				}
			})
		})
	}
}

// TestOnDismissed: the dismissal hook records, in the caller's transaction, an offer to revoke each power of
// attorney of the employee not final yet, and nothing for one who has none.
func TestOnDismissed(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, eng.Open(t), 2)
			r := registered(t, e)
			drafted := draftOne(t, e)
			for _, emp := range e.workers {
				em, err := e.db.Employee(ctx, storage.Scope{}, emp)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.db.InTx(ctx, func(ctx context.Context) error { return e.svc.OnDismissed(ctx, e.admin, em) }); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []struct {
				id   string
				want int
			}{{r.ID, 1}, {drafted.ID, 1}} {
				ev, err := e.db.AuditEvents(ctx, "power_of_attorney", c.id)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range ev {
					if x.Action == string(audit.PoARevocationOffered) {
						n++
						if x.Detail["because"] != "employee_dismissed" || x.Detail["number"] == nil {
							t.Errorf("detail %v", x.Detail)
						}
					}
				}
				if n != c.want {
					t.Errorf("%s: %d offers, want %d", c.id, n, c.want)
				}
			}
		})
	}
}
