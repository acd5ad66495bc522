// Package access decides who the caller is and what they may do: password and API-key authentication,
// sessions, the role permission matrix and organization scopes.
package access

import (
	"slices"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// Permission is one thing a role may do.
type Permission string

// Permissions checked by the services.
const (
	AccountManage   Permission = "account.manage"
	OrgRead         Permission = "organization.read"
	OrgCreate       Permission = "organization.create"
	OrgWrite        Permission = "organization.write"
	EmployeeRead    Permission = "employee.read" // personal data
	EmployeeWrite   Permission = "employee.write"
	AppRead         Permission = "application.read"
	AppCreate       Permission = "application.create"
	AppSubmit       Permission = "application.submit"
	AppCSR          Permission = "application.csr"
	AppVerify       Permission = "application.verify_identity"
	AppCorrection   Permission = "application.request_correction"
	AppApprove      Permission = "application.approve"
	AppDecline      Permission = "application.decline"
	AppCancel       Permission = "application.cancel"
	AppIssue        Permission = "application.issue"
	CertRead        Permission = "certificate.read"
	CertRevoke      Permission = "certificate.revoke"
	CertReissue     Permission = "certificate.reissue"
	UserManage      Permission = "user.manage"
	APIKeyManage    Permission = "api_key.manage"
	EventsRead      Permission = "event.read"
	BillingRead     Permission = "billing.read"   // invoices, lines and totals of the account
	BillingManage   Permission = "billing.manage" // tariffs, agreements, tariff migration (CA operator)
	ForecastRead    Permission = "billing.forecast"
	BillingSettings Permission = "billing.settings" // how the account is invoiced (consolidated or per payer)
	AuditRead       Permission = "audit.read"       // the audit log viewer
	PasswordOwnSelf Permission = "password.own"
)

var employeeWork = []Permission{EmployeeRead, EmployeeWrite, AppRead, AppCreate, AppSubmit, AppCSR, AppCancel, CertRead,
	CertReissue}

// matrix is DESIGN.md section 3 as permissions. Registration-authority acts (verify, approve, request a
// correction) belong to the registrar and to integrations, which act for a registrar's system.
var matrix = map[model.Role][]Permission{
	model.RoleOperator: {AccountManage, OrgRead, OrgCreate, AppRead, CertRead, CertRevoke, UserManage, BillingRead, BillingManage,
		BillingSettings, ForecastRead, AuditRead, PasswordOwnSelf},
	model.RoleAccountAdmin: append([]Permission{OrgRead, OrgCreate, OrgWrite, AppDecline, CertRevoke, UserManage, APIKeyManage,
		EventsRead, BillingRead, BillingSettings, ForecastRead, AuditRead, PasswordOwnSelf}, employeeWork...),
	model.RoleOrgAdmin: append([]Permission{OrgRead, OrgWrite, AppDecline, CertRevoke, EventsRead, PasswordOwnSelf}, employeeWork...),
	model.RoleRegistrar: {OrgRead, EmployeeRead, EmployeeWrite, AppRead, AppCreate, AppSubmit, AppCSR, AppVerify, AppCorrection,
		AppApprove, AppDecline, AppIssue, CertRead, PasswordOwnSelf},
	model.RoleAccountant: {OrgRead, BillingRead, ForecastRead, PasswordOwnSelf},
	model.RoleManager:    {OrgRead, AppRead, CertRead, ForecastRead, PasswordOwnSelf},
	model.RoleEmployee:   {OrgRead, EmployeeRead, AppRead, AppSubmit, AppCSR, AppCancel, CertRead, PasswordOwnSelf},
	model.RoleIntegration: append([]Permission{OrgRead, OrgCreate, OrgWrite, AppVerify, AppCorrection, AppApprove, AppDecline,
		AppIssue, CertRevoke, EventsRead}, employeeWork...),
}

// Principal is an authenticated caller.
type Principal struct {
	Actor      string // "user:<id>" or "api_key:<id>", as written in the audit log
	Name       string // login or key name, for people reading history
	AccountID  string // "" for the CA operator
	Role       model.Role
	OrgIDs     []string // nil: every organization of the account
	EmployeeID string   // set for the employee role: only their own records

	session string // hash of the session token the user signed in with; "" for API keys and in-process callers
}

// Can reports whether the principal's role has the permission at all. Organization scope is separate:
// see Scope and SeesOrg.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return false
	}
	perms := matrix[p.Role]
	if perm == OrgCreate && p.OrgIDs != nil {
		// A caller limited to listed organizations could not see one it created.
		return false
	}
	return slices.Contains(perms, perm)
}

// Scope is the storage filter for what the principal may see.
func (p *Principal) Scope() storage.Scope {
	return storage.Scope{AccountID: p.AccountID, OrgIDs: p.OrgIDs, EmployeeID: p.EmployeeID}
}

// SeesOrg reports whether an organization of the given account is inside the principal's organization scope.
func (p *Principal) SeesOrg(accountID, orgID string) bool {
	if p.AccountID != "" && p.AccountID != accountID {
		return false
	}
	return p.OrgIDs == nil || slices.Contains(p.OrgIDs, orgID)
}

// PermissionsOf lists a role's permissions, for documentation and the access-matrix test.
func PermissionsOf(r model.Role) []Permission { return slices.Clone(matrix[r]) }

// RoleScoped reports whether a role's organization scope is a list of assigned organizations rather than
// the whole account.
func RoleScoped(r model.Role) bool {
	return r == model.RoleOrgAdmin || r == model.RoleRegistrar || r == model.RoleManager
}
