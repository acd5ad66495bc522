package api

import (
	"bytes"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// route is one API operation. The same table registers the handlers and generates the OpenAPI document,
// so the two cannot drift apart.
type route struct {
	Method, Path string
	ID           string // OpenAPI operationId
	Summary      string
	Tag          string
	Public       bool
	In           any  // request body type, nil when there is none
	BodyOptional bool // the body may be left out entirely
	// OwnTransactions marks a handler that must commit steps on its own (the issue step records the CA's
	// intent before signing), so an idempotent retry cannot wrap it in one transaction.
	OwnTransactions bool
	InMedia         []string // request media types when not JSON
	Out             any      // success body type
	OutMedia        []string // extra success media types
	Status          int
	Query           []string
	Sorts           []string // the list's sort keys, for the "sort" query parameter's schema
	Handle          func(s *Server, w http.ResponseWriter, r *http.Request) error
}

type pageOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// LoginRequest signs a user in.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// LoginResponse carries the session token (also set as a cookie).
type LoginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      *model.User `json:"user"`
}

// PasswordChange replaces the caller's password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Me describes the caller.
type Me struct {
	Actor           string   `json:"actor"`
	Name            string   `json:"name"`
	AccountID       string   `json:"account_id,omitempty"`
	Role            string   `json:"role"`
	OrganizationIDs []string `json:"organization_ids,omitempty"`
	EmployeeID      string   `json:"employee_id,omitempty"`
	Permissions     []string `json:"permissions"`
}

// CreatedAPIKey is a new key with its secret, shown this once.
type CreatedAPIKey struct {
	*model.APIKey
	Secret string `json:"secret"`
}

// OrganizationCreate is the body of POST /organizations; the CA operator names the account.
type OrganizationCreate struct {
	AccountID string `json:"account_id,omitempty"`
	registration.OrganizationInput
}

var appQuery = []string{"cursor", "limit", "sort", "organization_name", "inn", "kpp", "ogrn", "organization_id", "employee_id",
	"employee_name", "snils", "state", "kind"}

var certQuery = []string{"cursor", "limit", "sort", "organization_name", "inn", "kpp", "ogrn", "organization_id", "employee_name",
	"snils", "status", "kind", "expires_within_days"}

func pageReq(q query) (registration.PageRequest, error) {
	n, err := q.limit()
	return registration.PageRequest{Cursor: q.get("cursor"), Limit: n, Sort: q.get("sort")}, err
}

func (s *Server) routes() []route {
	rs := []route{
		{Method: "POST", Path: "/api/v1/auth/login", ID: "login", Tag: "auth", Public: true, Summary: "Sign in with login and password; opens a session",
			In: LoginRequest{}, Out: LoginResponse{}, Status: 200, Handle: (*Server).login},
		{Method: "POST", Path: "/api/v1/auth/logout", ID: "logout", Tag: "auth", Summary: "End the current session",
			Status: 204, Handle: (*Server).logout},
		{Method: "GET", Path: "/api/v1/me", ID: "getMe", Tag: "auth", Summary: "Who the caller is and what it may do",
			Out: Me{}, Status: 200, Handle: (*Server).me},
		{Method: "POST", Path: "/api/v1/me/password", ID: "changePassword", Tag: "auth", Summary: "Change the signed-in user's password",
			In: PasswordChange{}, Status: 204, Handle: (*Server).changePassword},

		{Method: "GET", Path: "/api/v1/accounts", ID: "listAccounts", Tag: "accounts", Summary: "List client accounts",
			Out: pageOf[model.Account]{}, Status: 200, Handle: (*Server).listAccounts},
		{Method: "POST", Path: "/api/v1/accounts", ID: "createAccount", Tag: "accounts", Summary: "Onboard a client account (CA operator)",
			In: access.AccountInput{}, Out: model.Account{}, Status: 201, Handle: (*Server).createAccount},
		{Method: "GET", Path: "/api/v1/users", ID: "listUsers", Tag: "users", Summary: "List the account's users",
			Out: pageOf[model.User]{}, Status: 200, Handle: (*Server).listUsers},
		{Method: "POST", Path: "/api/v1/users", ID: "createUser", Tag: "users", Summary: "Create a user with a role and organization scope",
			In: access.UserInput{}, Out: model.User{}, Status: 201, Handle: (*Server).createUser},
		{Method: "GET", Path: "/api/v1/api-keys", ID: "listAPIKeys", Tag: "api-keys", Summary: "List the account's API keys",
			Out: pageOf[model.APIKey]{}, Status: 200, Handle: (*Server).listAPIKeys},
		{Method: "POST", Path: "/api/v1/api-keys", ID: "createAPIKey", Tag: "api-keys", Summary: "Create an API key; the secret is shown once",
			In: access.APIKeyInput{}, Out: CreatedAPIKey{}, Status: 201, Handle: (*Server).createAPIKey},
		{Method: "POST", Path: "/api/v1/api-keys/{id}/revoke", ID: "revokeAPIKey", Tag: "api-keys", Summary: "Revoke an API key",
			Out: model.APIKey{}, Status: 200, Handle: (*Server).revokeAPIKey},

		{Method: "GET", Path: "/api/v1/organizations", ID: "listOrganizations", Tag: "organizations", Summary: "List organizations in scope",
			Query: []string{"cursor", "limit", "name", "inn", "kpp", "ogrn", "parent_id"}, Out: pageOf[model.Organization]{}, Status: 200,
			Handle: (*Server).listOrganizations},
		{Method: "POST", Path: "/api/v1/organizations", ID: "createOrganization", Tag: "organizations", Summary: "Register an organization, branch or sole proprietor",
			In: OrganizationCreate{}, Out: model.Organization{}, Status: 201, Handle: (*Server).createOrganization},
		{Method: "GET", Path: "/api/v1/organizations/{id}", ID: "getOrganization", Tag: "organizations", Summary: "Get an organization",
			Out: model.Organization{}, Status: 200, Handle: (*Server).getOrganization},
		{Method: "PUT", Path: "/api/v1/organizations/{id}", ID: "updateOrganization", Tag: "organizations", Summary: "Replace an organization's data",
			In: registration.OrganizationInput{}, Out: model.Organization{}, Status: 200, Handle: (*Server).updateOrganization},

		{Method: "GET", Path: "/api/v1/organizations/{id}/head", ID: "getOrganizationHead", Tag: "organizations",
			Summary: "Get a legal entity's head (personal data; audited) with the serial of the head's certificate",
			Out:     registration.HeadView{}, Status: 200, Handle: (*Server).getHead},
		{Method: "PUT", Path: "/api/v1/organizations/{id}/head", ID: "setOrganizationHead", Tag: "organizations",
			Summary: "Record or replace a legal entity's head (a branch acts through its parent's head; a sole proprietor has none)",
			In:      registration.HeadInput{}, Out: registration.HeadView{}, Status: 200, Handle: (*Server).setHead},

		{Method: "GET", Path: "/api/v1/employees", ID: "listEmployees", Tag: "employees", Summary: "List employees in scope (personal data; audited)",
			Query: []string{"cursor", "limit", "sort", "organization_id", "name", "snils"}, Sorts: storage.EmployeeSorts, Out: pageOf[model.Employee]{}, Status: 200,
			Handle: (*Server).listEmployees},
		{Method: "POST", Path: "/api/v1/employees", ID: "createEmployee", Tag: "employees", Summary: "Register an employee",
			In: registration.EmployeeInput{}, Out: model.Employee{}, Status: 201, Handle: (*Server).createEmployee},
		{Method: "GET", Path: "/api/v1/employees/{id}", ID: "getEmployee", Tag: "employees", Summary: "Get an employee's personal data (audited)",
			Out: model.Employee{}, Status: 200, Handle: (*Server).getEmployee},
		{Method: "PUT", Path: "/api/v1/employees/{id}", ID: "updateEmployee", Tag: "employees", Summary: "Replace an employee's data",
			In: registration.EmployeeInput{}, Out: model.Employee{}, Status: 200, Handle: (*Server).updateEmployee},
		{Method: "POST", Path: "/api/v1/employees/{id}/dismiss", ID: "dismissEmployee", Tag: "employees",
			Summary: "Record that the employee left (irreversible); no new application can be made for them afterwards",
			In:      registration.DismissInput{}, Out: DismissResult{}, Status: 200, Handle: (*Server).dismissEmployee},

		{Method: "GET", Path: "/api/v1/applications", ID: "searchApplications", Tag: "applications",
			Summary: "Search applications by organization name/ИНН/КПП/ОГРН, employee name/СНИЛС, state, kind",
			Query:   appQuery, Sorts: storage.ApplicationSorts, Out: pageOf[model.Application]{}, Status: 200, Handle: (*Server).listApplications},
		{Method: "POST", Path: "/api/v1/applications", ID: "createApplication", Tag: "applications", Summary: "Start a draft application",
			In: registration.ApplicationInput{}, Out: registration.ApplicationView{}, Status: 201, Handle: (*Server).createApplication},
		{Method: "GET", Path: "/api/v1/applications/{id}", ID: "getApplication", Tag: "applications", Summary: "Get an application with its history",
			Out: registration.ApplicationView{}, Status: 200, Handle: (*Server).getApplication},
		{Method: "POST", Path: "/api/v1/applications/{id}/csr", ID: "uploadCSR", Tag: "applications",
			Summary: "Upload the PKCS#10 certificate request (PEM, DER, or bare base64 as enrollment tools return it)", InMedia: []string{"application/pkcs10", "application/x-pem-file", "application/octet-stream", "text/plain"},
			Out: registration.ApplicationView{}, Status: 200, Handle: (*Server).uploadCSR},

		{Method: "GET", Path: "/api/v1/certificates", ID: "searchCertificates", Tag: "certificates", Summary: "Search the certificate register",
			Query: certQuery, Sorts: storage.CertificateSorts, Out: pageOf[CertificateItem]{}, Status: 200, Handle: (*Server).listCertificates},
		{Method: "GET", Path: "/api/v1/certificates/{serial}", ID: "getCertificate", Tag: "certificates",
			Summary: "Get a certificate by serial (hex in any case, leading zeros and colons allowed) as JSON, or as PEM with Accept: application/pem-certificate-chain, or DER with application/pkix-cert",
			Out:     model.Certificate{}, OutMedia: []string{"application/pem-certificate-chain", "application/pkix-cert"}, Status: 200,
			Handle: (*Server).getCertificate},
		{Method: "POST", Path: "/api/v1/certificates/{serial}/revoke", ID: "revokeCertificate", Tag: "certificates", Summary: "Revoke with an RFC 5280 reason",
			In: registration.RevokeInput{}, Out: model.Certificate{}, Status: 200, Handle: (*Server).revokeCertificate},
		{Method: "POST", Path: "/api/v1/certificates/{serial}/reissue", ID: "reissueCertificate", Tag: "certificates",
			Summary: "Start a new application pre-filled from the certificate, as the law on today's date allows",
			In:      registration.ReissueInput{}, BodyOptional: true, Out: registration.ApplicationView{}, Status: 201,
			Handle: (*Server).reissueCertificate},
		{Method: "POST", Path: "/api/v1/renewal-waves", ID: "runRenewalWave", Tag: "certificates",
			Summary: "Create reissue applications for every certificate expiring before a date, every legacy one, or the ones named by serial; idempotent",
			In:      registration.WaveInput{}, Out: registration.WaveResult{}, Status: 200, Handle: (*Server).renewalWave},
		{Method: "GET", Path: "/api/v1/organizations/{id}/allowed-kinds", ID: "allowedKinds", Tag: "organizations",
			Summary: "The certificate kinds the law allows for the organization today", Out: registration.KindsOffer{}, Status: 200,
			Handle: (*Server).allowedKinds},
		{Method: "GET", Path: "/api/v1/service-centers", ID: "listServiceCenters", Tag: "service-centers",
			Summary: "Service centers where applicants are identified in person", Out: pageOf[model.ServiceCenter]{}, Status: 200,
			Handle: (*Server).listServiceCenters},
		{Method: "POST", Path: "/api/v1/service-centers", ID: "createServiceCenter", Tag: "service-centers",
			Summary: "Register a service center (CA operator)", In: registration.ServiceCenterInput{}, Out: model.ServiceCenter{},
			Status: 201, Handle: (*Server).createServiceCenter},

		{Method: "GET", Path: "/api/v1/events", ID: "listEvents", Tag: "events", Summary: "Follow application and certificate changes after a cursor",
			Query: []string{"after", "limit"}, Out: pageOf[model.FeedEvent]{}, Status: 200, Handle: (*Server).listEvents},
	}
	rs = append(rs, s.userRoutes()...)
	rs = append(rs, s.billingRoutes()...)
	rs = append(rs, s.poaRoutes()...)
	rs = append(rs, s.metricsRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.mailingRoutes()...)
	for _, a := range registration.Actions {
		act := a
		in := any(registration.ActionInput{})
		rs = append(rs, route{Method: "POST", Path: "/api/v1/applications/{id}/" + string(act), Tag: "applications",
			OwnTransactions: act == registration.ActIssue,
			ID:              "application" + camel(string(act)),
			Summary:         "Application action: " + string(act), In: in, BodyOptional: true, Out: registration.ApplicationView{}, Status: 200,
			Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error { return s.act(w, r, act) }})
	}
	return rs
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in LoginRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	token, u, err := s.Access.LoginFrom(r.Context(), s.Access.ClientAddr(r), in.Login, in.Password)
	if err != nil {
		return err
	}
	exp := s.Clock.Now().Add(access.SessionTTL)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: exp})
	writeJSON(w, http.StatusOK, LoginResponse{Token: token, ExpiresAt: exp, User: u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	token, _ := r.Context().Value(tokenKey{}).(string)
	p := principalOf(r)
	if !strings.HasPrefix(token, access.SessionPrefix) {
		return errs.New(errs.Conflict, "an API key has no session to end; revoke the key instead")
	}
	if err := s.Access.Logout(r.Context(), p, token); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	perms := []string{}
	for _, pm := range access.PermissionsOf(p.Role) {
		if p.Can(pm) {
			perms = append(perms, string(pm))
		}
	}
	writeJSON(w, http.StatusOK, Me{Actor: p.Actor, Name: p.Name, AccountID: p.AccountID, Role: string(p.Role),
		OrganizationIDs: p.OrgIDs, EmployeeID: p.EmployeeID, Permissions: perms})
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in PasswordChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Access.ChangePassword(r.Context(), principalOf(r), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func noQuery(r *http.Request) error {
	_, err := parseQuery(r)
	return err
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	p := principalOf(r)
	if !p.Can(access.AccountManage) && p.Role != model.RoleAccountAdmin {
		return errs.New(errs.Forbidden, "your role cannot list accounts")
	}
	list, err := s.Access.Accounts(r.Context(), p)
	if err != nil {
		return err
	}
	if list == nil {
		list = []model.Account{}
	}
	writeJSON(w, http.StatusOK, pageOf[model.Account]{Items: list})
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in access.AccountInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Access.CreateAccount(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	list, err := s.Access.Users(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	out := pageOf[*model.User]{Items: list}
	if out.Items == nil {
		out.Items = []*model.User{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in access.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.Access.CreateUser(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	list, err := s.Access.APIKeys(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[*model.APIKey]{Items: list})
	return nil
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in access.APIKeyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	k, secret, err := s.Access.CreateAPIKey(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CreatedAPIKey{APIKey: k, Secret: secret})
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.Access.RevokeAPIKey(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "cursor", "limit", "name", "inn", "kpp", "ogrn", "parent_id")
	if err != nil {
		return err
	}
	pr, err := pageReq(q)
	if err != nil {
		return err
	}
	page, err := s.Reg.Organizations(r.Context(), principalOf(r), storage.OrgFilter{NamePrefix: q.get("name"), INN: q.get("inn"),
		KPP: q.get("kpp"), OGRN: q.get("ogrn"), ParentID: q.get("parent_id")}, pr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	var in OrganizationCreate
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.Reg.CreateOrganization(r.Context(), principalOf(r), in.AccountID, in.OrganizationInput)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organizations/"+o.ID)
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Reg.Organization(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	var in registration.OrganizationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := s.Reg.UpdateOrganization(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) listEmployees(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "cursor", "limit", "sort", "organization_id", "name", "snils")
	if err != nil {
		return err
	}
	pr, err := pageReq(q)
	if err != nil {
		return err
	}
	page, err := s.Reg.Employees(r.Context(), principalOf(r), storage.EmployeeFilter{OrganizationID: q.get("organization_id"),
		NamePrefix: q.get("name"), SNILS: q.get("snils")}, pr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createEmployee(w http.ResponseWriter, r *http.Request) error {
	var in registration.EmployeeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.Reg.CreateEmployee(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/employees/"+e.ID)
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) getEmployee(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Reg.Employee(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) updateEmployee(w http.ResponseWriter, r *http.Request) error {
	var in registration.EmployeeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.Reg.UpdateEmployee(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, appQuery...)
	if err != nil {
		return err
	}
	pr, err := pageReq(q)
	if err != nil {
		return err
	}
	page, err := s.Reg.Applications(r.Context(), principalOf(r), storage.AppFilter{OrgNamePrefix: q.get("organization_name"),
		INN: q.get("inn"), KPP: q.get("kpp"), OGRN: q.get("ogrn"), OrganizationID: q.get("organization_id"),
		EmployeeID: q.get("employee_id"), EmployeeNamePrefix: q.get("employee_name"), SNILS: q.get("snils"),
		State: model.State(q.get("state")), Kind: model.CertKind(q.get("kind"))}, pr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) error {
	var in registration.ApplicationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Reg.CreateApplication(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/applications/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Reg.Application(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) act(w http.ResponseWriter, r *http.Request, act registration.Action) error {
	var in registration.ActionInput
	// An action without parameters may be sent with no body at all, whatever the Content-Type says.
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Reg.Act(r.Context(), principalOf(r), r.PathValue("id"), act, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) uploadCSR(w http.ResponseWriter, r *http.Request) error {
	switch mediaType(r) {
	case "application/pkcs10", "application/x-pem-file", "application/octet-stream", "text/plain":
	default:
		return errs.New(errs.UnsupportedMedia, "send the request as application/pkcs10 (DER or PEM) or application/x-pem-file")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	a, err := s.Reg.UploadCSR(r.Context(), principalOf(r), r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, certQuery...)
	if err != nil {
		return err
	}
	pr, err := pageReq(q)
	if err != nil {
		return err
	}
	f := storage.CertFilter{OrgNamePrefix: q.get("organization_name"),
		INN: q.get("inn"), KPP: q.get("kpp"), OGRN: q.get("ogrn"), OrganizationID: q.get("organization_id"),
		EmployeeNamePrefix: q.get("employee_name"), SNILS: q.get("snils"), Status: model.CertStatus(q.get("status")),
		Kind: model.CertKind(q.get("kind"))}
	if v := q.get("expires_within_days"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil {
			return errs.Field("expires_within_days", "type", "must be a whole number of days")
		}
		if f, err = s.Reg.ExpiringWithin(f, days); err != nil {
			return err
		}
	}
	page, err := s.Reg.Certificates(r.Context(), principalOf(r), f, pr)
	if err != nil {
		return err
	}
	return s.writeCertificates(w, r, page)
}

func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request) error {
	accept := r.Header.Get("Accept")
	document := strings.Contains(accept, "application/pem-certificate-chain") || strings.Contains(accept, "application/pkix-cert")
	get := s.Reg.Certificate
	if document {
		get = s.Reg.CertificateDocument
	}
	c, err := bySerial(r, func(serial string) (*model.Certificate, error) { return get(r.Context(), principalOf(r), serial) })
	if err != nil {
		return err
	}
	switch {
	case strings.Contains(accept, "application/pem-certificate-chain"):
		w.Header().Set("Content-Type", "application/pem-certificate-chain")
		chain := [][]byte{c.DER}
		if s.PKI != nil {
			chain = append(chain, s.PKI.Chain(c.Issuer)...)
		}
		for _, der := range chain {
			if err := pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
				return err
			}
		}
		return nil
	case strings.Contains(accept, "application/pkix-cert"):
		w.Header().Set("Content-Type", "application/pkix-cert")
		_, err := w.Write(c.DER)
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) revokeCertificate(w http.ResponseWriter, r *http.Request) error {
	var in registration.RevokeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := bySerial(r, func(serial string) (*model.Certificate, error) {
		return s.Reg.RevokeCertificate(r.Context(), principalOf(r), serial, in)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// decodeOptionalJSON decodes a body that may be left out entirely.
func decodeOptionalJSON(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil || len(body) == 0 {
		return err
	}
	r.Body = readCloser{bytes.NewReader(body)}
	return decodeJSON(r, v)
}

func (s *Server) renewalWave(w http.ResponseWriter, r *http.Request) error {
	var in registration.WaveInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.Reg.RenewalWave(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) allowedKinds(w http.ResponseWriter, r *http.Request) error {
	res, err := s.Reg.AllowedKinds(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listServiceCenters(w http.ResponseWriter, r *http.Request) error {
	if err := noQuery(r); err != nil {
		return err
	}
	list, err := s.Reg.ServiceCenters(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf[model.ServiceCenter]{Items: list})
	return nil
}

func (s *Server) createServiceCenter(w http.ResponseWriter, r *http.Request) error {
	var in registration.ServiceCenterInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Reg.CreateServiceCenter(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) reissueCertificate(w http.ResponseWriter, r *http.Request) error {
	var in registration.ReissueInput
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	a, err := bySerial(r, func(serial string) (*registration.ApplicationView, error) {
		return s.Reg.ReissueCertificate(r.Context(), principalOf(r), serial, in)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/applications/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "after", "limit")
	if err != nil {
		return err
	}
	n, err := q.limit()
	if err != nil {
		return err
	}
	page, err := s.Reg.Events(r.Context(), principalOf(r), registration.PageRequest{Cursor: q.get("after"), Limit: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// camel turns "verify-identity" into "VerifyIdentity".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// bySerial runs f on the certificate the path's {serial} names: as given, and when that finds nothing, in
// the register's form (lower case, no leading zeros or colons), since people copy serials as OpenSSL and
// CryptoPro print them. Not found in either form answers as the first.
func bySerial[T any](r *http.Request, f func(serial string) (T, error)) (T, error) {
	raw := r.PathValue("serial")
	v, err := f(raw)
	if canon := model.CanonicalSerial(raw); canon != raw && errs.Is(err, errs.NotFound) {
		if cv, cerr := f(canon); !errs.Is(cerr, errs.NotFound) {
			return cv, cerr
		}
	}
	return v, err
}
