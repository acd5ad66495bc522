package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
)

// ActorNames names the users and API keys of the history's account for its own users and the operator,
// never a user of another account, and leaves what it cannot resolve out.
func TestActorNames(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := &access.Service{DB: eng.Open(t), Clock: clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))}
			op := &access.Principal{Actor: "system:test", Role: model.RoleOperator}
			accounts := map[string]string{}
			admins := map[string]*model.User{}
			for _, name := range []string{"A", "B"} {
				acct, err := svc.CreateAccount(ctx, op, access.AccountInput{Name: name})
				must(t, err)
				accounts[name] = acct.ID
				admins[name], err = svc.CreateUser(ctx, op, access.UserInput{AccountID: acct.ID, Login: "admin-" + name,
					FullName: "Администратор " + name, Role: model.RoleAccountAdmin, Password: "long enough password"})
				must(t, err)
			}
			adminA := access.PrincipalOfUser(admins["A"])
			key, _, err := svc.CreateAPIKey(ctx, adminA, access.APIKeyInput{Name: "Кадровая система", AllOrganizations: true})
			must(t, err)
			userA, userB, keyA := "user:"+admins["A"].ID, "user:"+admins["B"].ID, "api_key:"+key.ID
			actors := []string{userA, userA, keyA, userB, "system:carry-over", "user:no-such-user", "api_key:no-such-key"}
			for _, c := range []struct {
				name    string
				p       *access.Principal
				account string
				want    map[string]string
			}{
				{"own account", adminA, accounts["A"], map[string]string{userA: "Администратор A", keyA: "Кадровая система"}},
				{"operator", op, accounts["A"], map[string]string{userA: "Администратор A", keyA: "Кадровая система"}},
				{"another account's history", adminA, accounts["B"], map[string]string{}},
				{"no account", op, "", map[string]string{}},
			} {
				got, err := svc.ActorNames(ctx, c.p, c.account, actors)
				must(t, err)
				if len(got) != len(c.want) {
					t.Errorf("%s: %v, want %v", c.name, got, c.want)
				}
				for k, v := range c.want {
					if got[k] != v {
						t.Errorf("%s: %s is %q, want %q", c.name, k, got[k], v)
					}
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
