package api_test

import (
	"strconv"
	"testing"

	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/storage"
)

func want429(t *testing.T, r response) {
	t.Helper()
	if r.status != 429 {
		t.Fatalf("status %d, want 429: %s", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s <= 0 {
		t.Errorf("Retry-After %q, want whole seconds", r.header.Get("Retry-After"))
	}
	if p := r.problem(t); p.Type != api.ProblemTypeBase+"too-many-requests" || p.RetryAfter <= 0 {
		t.Errorf("problem %+v", p)
	}
}

// Wrong bearer tokens from one address end in 429; good tokens from that address still work.
func TestBearerGuessingThrottled(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	e.tokens["guess"] = "kcr_not-a-key"
	for i := range 50 {
		if r := e.do("guess", "GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	want429(t, e.do("guess", "GET", "/api/v1/me", nil))
	if r := e.do("key_account", "GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("a good key from the locked address: %d", r.status)
	}
}

// An administrator takes access away through the API: a disabled user's session and sign-in are refused
// at once; a reset password shows a temporary one and ends the user's sessions; the operator cannot add a
// second administrator to the account; a trivial password is refused; wrong passwords end in 429.
func TestUserManagementAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var users struct {
			Items []struct{ ID, Login string }
		}
		e.do("account_admin", "GET", "/api/v1/users", nil).json(t, &users)
		ids := map[string]string{}
		for _, u := range users.Items {
			ids[u.Login] = u.ID
		}
		if r := e.do("account_admin", "POST", "/api/v1/users/"+ids["registrar"]+"/disable", nil); r.status != 200 {
			t.Fatalf("disable: %d %s", r.status, r.body)
		}
		if r := e.do("registrar", "GET", "/api/v1/me", nil); r.status != 401 {
			t.Errorf("a disabled user's session answers %d", r.status)
		}
		if r := e.do("", "POST", "/api/v1/auth/login", map[string]string{"login": "registrar", "password": testPassword}); r.status != 401 {
			t.Errorf("a disabled user signs in: %d", r.status)
		}

		var reset api.PasswordResetResult
		r := e.do("account_admin", "POST", "/api/v1/users/"+ids["manager"]+"/reset-password", nil)
		if r.status != 200 {
			t.Fatalf("reset: %d %s", r.status, r.body)
		}
		r.json(t, &reset)
		if r := e.do("manager", "GET", "/api/v1/me", nil); r.status != 401 {
			t.Errorf("the reset user's old session answers %d", r.status)
		}
		if r := e.do("", "POST", "/api/v1/auth/login", map[string]string{"login": "manager", "password": reset.TemporaryPassword}); r.status != 200 {
			t.Errorf("the temporary password does not sign in: %d %s", r.status, r.body)
		}

		r = e.do("operator", "POST", "/api/v1/users", map[string]any{"account_id": e.admin.AccountID, "login": "op.admin",
			"full_name": "Второй админ", "role": "account_admin", "password": testPassword})
		if r.status != 422 {
			t.Fatalf("the operator adds a second account_admin: %d %s", r.status, r.body)
		}
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "role" {
			t.Errorf("problem %+v", p)
		}
		r = e.do("account_admin", "POST", "/api/v1/me/password", map[string]string{"current_password": testPassword,
			"new_password": "1234567890"})
		if p := r.problem(t); r.status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "new_password" {
			t.Errorf("a trivial new password: %d %s", r.status, r.body)
		}

		// Past the wrong-password limit a login answers 429 with Retry-After, the right password too, and
		// the lock is in the audit log; the user's open session is not touched.
		for i := range 5 {
			if r := e.do("", "POST", "/api/v1/auth/login", map[string]string{"login": "accountant", "password": "wrong " + strconv.Itoa(i)}); r.status != 401 {
				t.Fatalf("wrong password %d: %d %s", i, r.status, r.body)
			}
		}
		want429(t, e.do("", "POST", "/api/v1/auth/login", map[string]string{"login": "accountant", "password": testPassword}))
		events, err := e.db.AuditLog(t.Context(), storage.AuditFilter{Action: "session.lockout", Limit: 5})
		must(t, err)
		if len(events) != 1 {
			t.Errorf("%d lockout events, want 1", len(events))
		}
		if r := e.do("accountant", "GET", "/api/v1/me", nil); r.status != 200 {
			t.Errorf("the locked user's session answers %d", r.status)
		}
	})
}
