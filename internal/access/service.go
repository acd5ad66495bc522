package access

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// Token prefixes tell a session token from an API key at a glance (and in secret scanners).
const (
	APIKeyPrefix  = "kcr_"
	SessionPrefix = "kcrs_"
)

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 12 * time.Hour

// Service authenticates callers and manages accounts, users, sessions and API keys.
type Service struct {
	DB    *storage.DB
	Clock clock.Clock
	// Limits bounds password hashing and credential guessing; read once, on first use.
	Limits Limits

	guardOnce sync.Once
	g         *guard

	lastUse lastUse // API-key uses not yet written; see RecordLastUse
}

func (s *Service) audit(ctx context.Context, p *Principal, action audit.Action, objType, objID, accountID string, detail map[string]any) error {
	if !action.Known() {
		return fmt.Errorf("audit action %q is not in audit.Actions", action)
	}
	actor := "system"
	if p != nil {
		actor = p.Actor
	}
	return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: actor, Action: string(action), ObjectType: objType,
		ObjectID: objID, AccountID: accountID, Detail: detail}, nil)
}

// loginTaken refuses a login another user has. Logins are unique across accounts, and an account's
// administrator may not learn whether the holder is in another account: the refusal only says the login
// cannot be used. The CA operator, who sees every account, is told it is taken.
func loginTaken(p *Principal) error {
	if p != nil && p.AccountID != "" {
		return errs.Field("login", "unavailable", "this login cannot be used; choose another")
	}
	return errs.Field("login", "taken", "this login is already taken")
}

// PrincipalOfUser builds the principal a signed-in user acts as.
func PrincipalOfUser(u *model.User) *Principal {
	p := &Principal{Actor: "user:" + u.ID, Name: u.Login, AccountID: u.AccountID, Role: u.Role}
	switch {
	case RoleScoped(u.Role):
		p.OrgIDs = slices.Clone(u.OrganizationIDs)
		if p.OrgIDs == nil {
			p.OrgIDs = []string{}
		}
	case u.Role == model.RoleEmployee:
		p.EmployeeID = u.EmployeeID
		if p.EmployeeID == "" {
			p.OrgIDs = []string{} // an employee user not linked to a person sees nothing
		}
	}
	return p
}

// PrincipalOfKey builds the principal an API key acts as.
func PrincipalOfKey(k *model.APIKey) *Principal {
	p := &Principal{Actor: "api_key:" + k.ID, Name: k.Name, AccountID: k.AccountID, Role: model.RoleIntegration}
	if !k.AllOrgs {
		p.OrgIDs = slices.Clone(k.OrganizationIDs)
		if p.OrgIDs == nil {
			p.OrgIDs = []string{}
		}
	}
	return p
}

var errBadCredentials = errs.New(errs.Unauthenticated, "the credentials are not valid")

// Authenticate resolves a bearer token (API key or session token) to a principal.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	now := s.Clock.Now()
	if strings.HasPrefix(token, SessionPrefix) {
		u, err := s.DB.SessionUser(ctx, HashToken(token), now)
		if storage.IsNoRows(err) {
			return nil, errs.New(errs.Unauthenticated, "the session has expired or was ended; sign in again")
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, errBadCredentials
		}
		p := PrincipalOfUser(u)
		p.session = HashToken(token)
		return p, nil
	}
	if !strings.HasPrefix(token, APIKeyPrefix) {
		return nil, errBadCredentials
	}
	k, err := s.DB.APIKeyBySecretHash(ctx, HashToken(token))
	if storage.IsNoRows(err) {
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if k.RevokedAt != nil {
		return nil, errs.New(errs.Unauthenticated, "the API key was revoked")
	}
	s.lastUse.note(k.ID, now) // written later by RecordLastUse: a read never writes
	return PrincipalOfKey(k), nil
}

// Login checks a password and opens a session; it returns the session token. Callers at the HTTP edge use
// LoginFrom, which also limits guessing per client address.
func (s *Service) Login(ctx context.Context, login, password string) (string, *model.User, error) {
	return s.login(ctx, "", login, password)
}

var errWrongLogin = errs.New(errs.Unauthenticated, "wrong login or password")

// login checks a password: refused at once (TooManyRequests) when the login or the client address is
// locked, counted as a failure when wrong, and the login's count cleared when right.
func (s *Service) login(ctx context.Context, addr, login, password string) (string, *model.User, error) {
	g, now := s.guard(), s.Clock.Now()
	// Logins are matched exactly, but counted case-insensitively so that case variants share one budget.
	loginKey := strings.ToLower(login)
	if wait, locked := g.logins.begin(loginKey, now); wait > 0 {
		if locked {
			if err := s.auditLoginLockout(ctx, login, wait); err != nil {
				return "", nil, err
			}
		}
		return "", nil, tooMany(wait, "too many wrong passwords for this login; try again later")
	}
	// Until it is known to be right, the attempt counts as a failure: one that errs or is cancelled midway
	// must not be a free guess.
	failed := true
	defer func() { g.logins.end(loginKey, now, failed) }()
	if addr != "" {
		if wait, locked := g.addrs.begin(addr, now); wait > 0 {
			if locked {
				if err := s.auditLockout(ctx, "session.lockout", "client_address", hashedAddr(addr), "", wait); err != nil {
					return "", nil, err
				}
			}
			failed = false // refused for the address, the password was never tried: not the login's failure
			return "", nil, tooMany(wait, "too many wrong passwords from your address; try again later")
		}
		defer func() { g.addrs.end(addr, now, failed) }()
	}
	u, err := s.DB.UserByLogin(ctx, login)
	if storage.IsNoRows(err) {
		// Spend the same effort as a real check so that timing does not reveal which logins exist.
		if _, err := s.checkPassword(ctx, dummyHash, password); err != nil {
			return "", nil, err
		}
		return "", nil, errWrongLogin
	}
	if err != nil {
		return "", nil, err
	}
	ok, err := s.checkPassword(ctx, u.PasswordHash, password)
	if err != nil {
		return "", nil, err
	}
	if !ok || u.Disabled {
		return "", nil, errWrongLogin
	}
	failed = false
	g.logins.reset(loginKey)
	token, err := NewToken(SessionPrefix)
	if err != nil {
		return "", nil, err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateSession(ctx, HashToken(token), u.ID, now, now.Add(SessionTTL)); err != nil {
			return err
		}
		return s.audit(ctx, PrincipalOfUser(u), "session.login", "user", u.ID, u.AccountID, nil)
	})
	return token, u, err
}

// auditLoginLockout records a locked login against its user, or against no user when the login does not
// exist (recording the unknown login itself could keep a password typed into the login field).
func (s *Service) auditLoginLockout(ctx context.Context, login string, wait time.Duration) error {
	u, err := s.DB.UserByLogin(ctx, login)
	if storage.IsNoRows(err) {
		return s.auditLockout(ctx, "session.lockout", "login", "unknown", "", wait)
	}
	if err != nil {
		return err
	}
	return s.auditLockout(ctx, "session.lockout", "user", u.ID, u.AccountID, wait)
}

var dummyHash, _ = HashPassword("kcr-dummy-password")

// Logout ends the session of the given token.
func (s *Service) Logout(ctx context.Context, p *Principal, token string) error {
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.DeleteSession(ctx, HashToken(token)); err != nil {
			return err
		}
		return s.audit(ctx, p, "session.logout", "user", strings.TrimPrefix(p.Actor, "user:"), p.AccountID, nil)
	})
}

// ChangePassword replaces the signed-in user's password after checking the current one, and ends the
// user's other sessions (a stolen session must not outlive the password change); the current one stays.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	if !strings.HasPrefix(p.Actor, "user:") || !p.Can(PasswordOwnSelf) {
		return errs.New(errs.Forbidden, "only a signed-in user can change their password")
	}
	id := strings.TrimPrefix(p.Actor, "user:")
	u, err := s.DB.User(ctx, "", id)
	if err != nil {
		return err
	}
	// The current password is checked under the login's guessing limit: a stolen session must not become
	// an unlimited password oracle.
	g, now, key := s.guard(), s.Clock.Now(), strings.ToLower(u.Login)
	if wait, locked := g.logins.begin(key, now); wait > 0 {
		if locked {
			if err := s.auditLockout(ctx, "session.lockout", "user", u.ID, u.AccountID, wait); err != nil {
				return err
			}
		}
		return tooMany(wait, "too many wrong passwords for this login; try again later")
	}
	ok, err := s.checkPassword(ctx, u.PasswordHash, current)
	g.logins.end(key, now, err != nil || !ok)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Field("current_password", "mismatch", "the current password is wrong")
	}
	if err := checkPasswordStrength("new_password", u.Login, next); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.SetUserPassword(ctx, id, hash); err != nil {
			return err
		}
		ended, err := s.DB.DeleteUserSessions(ctx, id, p.session)
		if err != nil {
			return err
		}
		return s.audit(ctx, p, "user.password_change", "user", id, p.AccountID, map[string]any{"sessions_ended": ended})
	})
}

// AccountInput creates an account.
type AccountInput struct {
	Name string `json:"name"`
}

// CreateAccount onboards a client (CA operator only).
func (s *Service) CreateAccount(ctx context.Context, p *Principal, in AccountInput) (*model.Account, error) {
	if !p.Can(AccountManage) {
		return nil, errs.New(errs.Forbidden, "only the CA operator manages accounts")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 300 {
		return nil, errs.Field("name", "required", "must be 1 to 300 characters")
	}
	a := &model.Account{ID: NewID(), Name: in.Name, CreatedAt: s.Clock.Now()}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateAccount(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, p, "account.create", "account", a.ID, a.ID, map[string]any{"name": a.Name})
	})
	return a, err
}

// Accounts lists accounts visible to the principal.
func (s *Service) Accounts(ctx context.Context, p *Principal) ([]model.Account, error) {
	if p.AccountID == "" {
		return s.DB.Accounts(ctx)
	}
	a, err := s.DB.Account(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	return []model.Account{*a}, nil
}

// NewID returns a new time-ordered identifier (UUIDv7), so that lists ordered by id are in creation order.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// UserInput creates a user.
type UserInput struct {
	AccountID       string     `json:"account_id,omitempty"`
	Login           string     `json:"login"`
	FullName        string     `json:"full_name"`
	Role            model.Role `json:"role"`
	Password        string     `json:"password"`
	EmployeeID      string     `json:"employee_id,omitempty"`
	OrganizationIDs []string   `json:"organization_ids,omitempty"`
}

// CreateUser adds a user to the principal's account (the operator names the account).
func (s *Service) CreateUser(ctx context.Context, p *Principal, in UserInput) (*model.User, error) {
	if !p.Can(UserManage) {
		return nil, errs.New(errs.Forbidden, "your role cannot manage users")
	}
	account := p.AccountID
	if account == "" {
		account = in.AccountID
	} else if in.AccountID != "" && in.AccountID != account {
		return nil, errs.Field("account_id", "scope", "you can only add users to your own account")
	}
	var f errs.Fields
	in.Login = strings.TrimSpace(in.Login)
	if !validLogin(in.Login) {
		f.Add("login", "format", "must be 3 to 64 characters: Latin letters, digits, '.', '_', '-', '@'")
	}
	if strings.TrimSpace(in.FullName) == "" {
		f.Add("full_name", "required", "is required")
	}
	if !slices.Contains(model.Roles, in.Role) {
		f.Add("role", "enum", "must be one of "+joinRoles())
	} else if in.Role == model.RoleOperator {
		if p.Role != model.RoleOperator {
			f.Add("role", "forbidden", "only the CA operator can create operators")
		}
		account = ""
	}
	if account == "" && in.Role != model.RoleOperator && in.Role != "" {
		f.Add("account_id", "required", "is required: name the account the user belongs to")
	}
	if err := checkPasswordStrength("password", in.Login, in.Password); err != nil {
		fe := err.(*errs.Error).Fields[0]
		f.Add(fe.Field, fe.Rule, fe.Message)
	}
	checkRoleScope(&f, in.Role, in.OrganizationIDs, in.EmployeeID)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.checkOrgs(ctx, account, "organization_ids", in.OrganizationIDs); err != nil {
		return nil, err
	}
	if in.EmployeeID != "" {
		if _, err := s.DB.Employee(ctx, storage.Scope{AccountID: account}, in.EmployeeID); storage.IsNoRows(err) {
			return nil, errs.Field("employee_id", "unknown", "no such employee in the account")
		} else if err != nil {
			return nil, err
		}
	}
	if err := s.checkOperatorGrant(ctx, p, account, in.Role); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &model.User{ID: NewID(), AccountID: account, Login: in.Login, FullName: strings.TrimSpace(in.FullName), Role: in.Role,
		EmployeeID: in.EmployeeID, OrganizationIDs: dedupe(in.OrganizationIDs), PasswordHash: hash, CreatedAt: s.Clock.Now()}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateUser(ctx, u); err == storage.ErrDuplicate {
			return loginTaken(p)
		} else if err != nil {
			return err
		}
		return s.audit(ctx, p, "user.create", "user", u.ID, account, map[string]any{"login": u.Login, "role": string(u.Role),
			"organization_ids": u.OrganizationIDs})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func joinRoles() string {
	var names []string
	for _, r := range model.Roles {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func validLogin(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)
		if !ok {
			return false
		}
	}
	return true
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkOrgs refuses organization ids that are not in the account, naming the first unknown one.
func (s *Service) checkOrgs(ctx context.Context, account, field string, ids []string) error {
	found, err := s.DB.OrganizationIDsOfAccount(ctx, account, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if !found[id] {
			return errs.Field(field+"["+strconv.Itoa(i)+"]", "unknown", "no such organization in the account: "+id)
		}
	}
	return nil
}

// Users lists the users of the principal's account.
func (s *Service) Users(ctx context.Context, p *Principal) ([]*model.User, error) {
	if !p.Can(UserManage) {
		return nil, errs.New(errs.Forbidden, "your role cannot manage users")
	}
	return s.DB.Users(ctx, p.AccountID)
}

// APIKeyInput creates an API key.
type APIKeyInput struct {
	Name             string   `json:"name"`
	AllOrganizations bool     `json:"all_organizations"`
	OrganizationIDs  []string `json:"organization_ids,omitempty"`
}

// CreateAPIKey makes a key for the principal's account and returns it with its secret, shown only now.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, in APIKeyInput) (*model.APIKey, string, error) {
	if !p.Can(APIKeyManage) {
		return nil, "", errs.New(errs.Forbidden, "your role cannot manage API keys")
	}
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 200 {
		f.Add("name", "required", "must be 1 to 200 characters")
	}
	if in.AllOrganizations == (len(in.OrganizationIDs) > 0) {
		f.Add("organization_ids", "scope", "give either all_organizations: true or a non-empty organization_ids list")
	}
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	if err := s.checkOrgs(ctx, p.AccountID, "organization_ids", in.OrganizationIDs); err != nil {
		return nil, "", err
	}
	secret, err := NewToken(APIKeyPrefix)
	if err != nil {
		return nil, "", err
	}
	k := &model.APIKey{ID: NewID(), AccountID: p.AccountID, Name: in.Name, Prefix: secret[:len(APIKeyPrefix)+6],
		AllOrgs: in.AllOrganizations, OrganizationIDs: dedupe(in.OrganizationIDs), CreatedBy: p.Actor,
		CreatedAt: s.Clock.Now(), SecretHash: HashToken(secret)}
	if k.OrganizationIDs == nil {
		k.OrganizationIDs = []string{}
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return s.audit(ctx, p, "api_key.create", "api_key", k.ID, k.AccountID, map[string]any{"name": k.Name,
			"all_organizations": k.AllOrgs, "organization_ids": k.OrganizationIDs})
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// APIKeys lists the account's keys (never their secrets).
func (s *Service) APIKeys(ctx context.Context, p *Principal) ([]*model.APIKey, error) {
	if !p.Can(APIKeyManage) {
		return nil, errs.New(errs.Forbidden, "your role cannot manage API keys")
	}
	return s.DB.APIKeys(ctx, p.AccountID)
}

// RevokeAPIKey stops a key from working; it takes effect on the key's next request.
func (s *Service) RevokeAPIKey(ctx context.Context, p *Principal, id string) (*model.APIKey, error) {
	if !p.Can(APIKeyManage) {
		return nil, errs.New(errs.Forbidden, "your role cannot manage API keys")
	}
	var k *model.APIKey
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.RevokeAPIKey(ctx, p.AccountID, id, s.Clock.Now()); storage.IsNoRows(err) {
			return errs.NotFoundf("API key %s not found", id)
		} else if err != nil {
			return err
		}
		var err error
		if k, err = s.DB.APIKey(ctx, p.AccountID, id); err != nil {
			return err
		}
		return s.audit(ctx, p, "api_key.revoke", "api_key", id, p.AccountID, nil)
	})
	return k, err
}

// AuditLog lists the audit events of the principal's account (every account for the CA operator), newest
// first, at most limit (1–200) before a sequence number (0 for the newest).
func (s *Service) AuditLog(ctx context.Context, p *Principal, f storage.AuditFilter) ([]audit.Event, error) {
	if !p.Can(AuditRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read the audit log")
	}
	if f.Limit < 1 || f.Limit > 200 {
		return nil, errs.Field("limit", "range", "must be between 1 and 200")
	}
	f.AccountID = p.AccountID
	return s.DB.AuditLog(ctx, f)
}

// checkRoleScope checks that a role comes with what it needs: assigned organizations for the scoped roles
// (and only for them), a linked employee for an employee user.
func checkRoleScope(f *errs.Fields, role model.Role, orgIDs []string, employeeID string) {
	if RoleScoped(role) && len(orgIDs) == 0 {
		f.Add("organization_ids", "required", "a "+string(role)+" needs at least one assigned organization")
	}
	if !RoleScoped(role) && len(orgIDs) > 0 {
		f.Add("organization_ids", "not_allowed", "only org_admin, registrar and manager users have assigned organizations")
	}
	if role == model.RoleEmployee && employeeID == "" {
		f.Add("employee_id", "required", "an employee user must be linked to an employee")
	}
}
