package access

import (
	"context"
	"crypto/rand"
	"slices"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// Taking access away: disabling, re-scoping, resetting passwords and ending sessions. An account
// administrator manages the users of their own account; the CA operator manages every user but cannot
// give itself or anyone else rights to a client's personal data. Every change is audited in the account of
// the user it changes, so that the client sees what the operator did.

// personalDataRole reports whether a role reads employees' personal data.
func personalDataRole(r model.Role) bool { return slices.Contains(matrix[r], EmployeeRead) }

// checkOperatorGrant refuses the CA operator a user with personal-data rights in a client account: such a
// user is the client's own act. The one exception is onboarding, the first account administrator of an
// account that has none.
func (s *Service) checkOperatorGrant(ctx context.Context, p *Principal, account string, role model.Role) error {
	if p.AccountID != "" || account == "" || !personalDataRole(role) {
		return nil
	}
	if role == model.RoleAccountAdmin {
		n, err := s.DB.CountUsers(ctx, account, model.RoleAccountAdmin)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return errs.Field("role", "operator_grant", "the CA operator only creates the first account_admin of a new account; "+
		"users who read personal data are added by the account's administrator")
}

// managedUser returns the user id as the principal may manage them: in the principal's account, or any
// user for the CA operator. Others are not found.
func (s *Service) managedUser(ctx context.Context, p *Principal, id string) (*model.User, error) {
	if !p.Can(UserManage) {
		return nil, errs.New(errs.Forbidden, "your role cannot manage users")
	}
	u, err := s.DB.User(ctx, p.AccountID, id)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("user %s not found", id)
	}
	return u, err
}

// adminRole is the role an account (or, for "", the CA operator) must keep at least one enabled user of.
func adminRole(account string) model.Role {
	if account == "" {
		return model.RoleOperator
	}
	return model.RoleAccountAdmin
}

// keepAnAdmin refuses a change that would leave u's account without an enabled administrator. It runs in
// the changing transaction, after the account's user lock, so concurrent changes are counted one by one.
func (s *Service) keepAnAdmin(ctx context.Context, u *model.User) error {
	role := adminRole(u.AccountID)
	if u.Role != role || u.Disabled {
		return nil
	}
	if err := s.DB.LockAccountUsers(ctx, u.AccountID); err != nil {
		return err
	}
	n, err := s.DB.CountEnabledUsers(ctx, u.AccountID, role)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errs.New(errs.Conflict, "this is the last enabled %s of the account: add or enable another one first", role)
	}
	return nil
}

// User returns one user the principal manages.
func (s *Service) User(ctx context.Context, p *Principal, id string) (*model.User, error) {
	return s.managedUser(ctx, p, id)
}

// UserChange replaces a user's role, organization scope and linked employee.
type UserChange struct {
	Role            model.Role `json:"role"`
	EmployeeID      string     `json:"employee_id,omitempty"`
	OrganizationIDs []string   `json:"organization_ids,omitempty"`
}

// ChangeUser replaces a user's role and scope. The change holds from the user's next request: sessions and
// API calls read the role and scope afresh each time.
func (s *Service) ChangeUser(ctx context.Context, p *Principal, id string, in UserChange) (*model.User, error) {
	u, err := s.managedUser(ctx, p, id)
	if err != nil {
		return nil, err
	}
	var f errs.Fields
	switch {
	case !slices.Contains(model.Roles, in.Role):
		f.Add("role", "enum", "must be one of "+joinRoles())
	case u.AccountID == "" && in.Role != model.RoleOperator:
		f.Add("role", "forbidden", "a CA operator user stays an operator; disable it instead")
	case u.AccountID != "" && in.Role == model.RoleOperator:
		f.Add("role", "forbidden", "a client account's user cannot become a CA operator")
	}
	checkRoleScope(&f, in.Role, in.OrganizationIDs, in.EmployeeID)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if p.AccountID == "" && u.AccountID != "" && personalDataRole(in.Role) {
		return nil, errs.Field("role", "operator_grant", "the CA operator cannot give a client's user rights to personal data; "+
			"the account's administrator does")
	}
	if err := s.checkOrgs(ctx, u.AccountID, "organization_ids", in.OrganizationIDs); err != nil {
		return nil, err
	}
	if in.EmployeeID != "" {
		if _, err := s.DB.Employee(ctx, storage.Scope{AccountID: u.AccountID}, in.EmployeeID); storage.IsNoRows(err) {
			return nil, errs.Field("employee_id", "unknown", "no such employee in the account")
		} else if err != nil {
			return nil, err
		}
	}
	orgs := dedupe(in.OrganizationIDs)
	if orgs == nil {
		orgs = []string{}
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if in.Role != u.Role {
			if err := s.keepAnAdmin(ctx, u); err != nil {
				return err
			}
		}
		if err := s.DB.SetUserRole(ctx, u.ID, in.Role, in.EmployeeID, orgs); err != nil {
			return err
		}
		return s.audit(ctx, p, "user.update", "user", u.ID, u.AccountID, map[string]any{"role": string(in.Role),
			"previous_role": string(u.Role), "organization_ids": orgs, "employee_linked": in.EmployeeID != ""})
	})
	if err != nil {
		return nil, err
	}
	return s.DB.User(ctx, "", u.ID)
}

// SetUserDisabled disables a user, ending all their sessions at once, or enables them again. An account
// keeps at least one enabled administrator.
func (s *Service) SetUserDisabled(ctx context.Context, p *Principal, id string, disabled bool) (*model.User, error) {
	u, err := s.managedUser(ctx, p, id)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if disabled {
			if err := s.keepAnAdmin(ctx, u); err != nil {
				return err
			}
		}
		if err := s.DB.SetUserDisabled(ctx, u.ID, disabled); err != nil {
			return err
		}
		if !disabled {
			return s.audit(ctx, p, "user.enable", "user", u.ID, u.AccountID, nil)
		}
		ended, err := s.DB.DeleteUserSessions(ctx, u.ID, "")
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "user.disable", "user", u.ID, u.AccountID, map[string]any{"sessions_ended": ended})
	})
	if err != nil {
		return nil, err
	}
	return s.DB.User(ctx, "", u.ID)
}

// EndSessions signs a user out everywhere and returns how many sessions ended. The caller's own current
// session ends too when they end their own.
func (s *Service) EndSessions(ctx context.Context, p *Principal, id string) (int64, error) {
	u, err := s.managedUser(ctx, p, id)
	if err != nil {
		return 0, err
	}
	var ended int64
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if ended, err = s.DB.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return s.audit(ctx, p, "user.sessions_end", "user", u.ID, u.AccountID, map[string]any{"sessions_ended": ended})
	})
	return ended, err
}

// ResetPassword sets a user's password to password, or to a generated one when it is empty, and returns
// it; it ends the user's sessions (except the caller's current one). The CA operator resets only operators
// and account administrators (recovering a client's access); a client's other users are reset by their
// account administrator.
func (s *Service) ResetPassword(ctx context.Context, p *Principal, id, password string) (*model.User, string, error) {
	u, err := s.managedUser(ctx, p, id)
	if err != nil {
		return nil, "", err
	}
	if p.AccountID == "" && u.AccountID != "" && u.Role != model.RoleAccountAdmin {
		return nil, "", errs.New(errs.Forbidden, "the CA operator resets only account administrators' passwords; "+
			"the account's administrator resets the others")
	}
	if password == "" {
		password = temporaryPassword()
	} else if err := checkPasswordStrength("password", u.Login, password); err != nil {
		return nil, "", err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return nil, "", err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		ended, err := s.DB.DeleteUserSessions(ctx, u.ID, p.session)
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "user.password_reset", "user", u.ID, u.AccountID, map[string]any{"sessions_ended": ended,
			"by_operator": p.AccountID == "" && u.AccountID != ""})
	})
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

// temporaryPassword draws a password of 26 base32 characters (130 bits): no characters read alike in
// lower case, and always past the policy's rules.
func temporaryPassword() string { return rand.Text() }
