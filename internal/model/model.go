// Package model holds kcr's domain types: what an account, organization, employee, user, application and
// certificate are. The JSON tags are the integration API's field names.
package model

import "time"

// Account is a client of the registration center: a holding or a single company.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// OrgKind tells what an organization is in the holding tree.
type OrgKind string

// Organization kinds.
const (
	OrgLegalEntity    OrgKind = "legal_entity"    // a head organization or subsidiary with its own ИНН
	OrgBranch         OrgKind = "branch"          // shares the parent's ИНН, has its own КПП
	OrgSoleProprietor OrgKind = "sole_proprietor" // ИП: 12-digit ИНН, ОГРНИП, no КПП
)

// Sector decides which state CA serves the organization's head since 2022.
type Sector string

// Sectors.
const (
	SectorCommercial Sector = "commercial"
	SectorState      Sector = "state"     // state and budget organizations: the Federal Treasury
	SectorFinancial  Sector = "financial" // credit and financial-market organizations: the Bank of Russia
)

// Organization is a legal entity, a branch or a sole proprietor.
type Organization struct {
	ID        string  `json:"id"`
	AccountID string  `json:"account_id"`
	ParentID  string  `json:"parent_id,omitempty"`
	Kind      OrgKind `json:"kind"`
	Sector    Sector  `json:"sector"`
	Name      string  `json:"name"`
	INN       string  `json:"inn"`
	KPP       string  `json:"kpp,omitempty"`
	OGRN      string  `json:"ogrn"` // ОГРН, or ОГРНИП for a sole proprietor
	Address   string  `json:"address"`
	Region    string  `json:"region"`
	// RegionCode is the two-digit code of the federal subject (77 Moscow): a certificate's ST is "<code> <region>".
	RegionCode string    `json:"region_code,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// IdentityDocument is the document an identity was checked against.
type IdentityDocument struct {
	Type       DocumentType `json:"type"`
	Series     string       `json:"series"`
	Number     string       `json:"number"`
	IssueDate  string       `json:"issue_date"` // YYYY-MM-DD
	Issuer     string       `json:"issuer"`
	IssuerCode string       `json:"issuer_code"` // код подразделения, NNN-NNN
}

// Employee is a person working for an organization: a (future) certificate holder.
type Employee struct {
	ID             string           `json:"id"`
	AccountID      string           `json:"account_id"`
	OrganizationID string           `json:"organization_id"`
	Surname        string           `json:"surname"`
	GivenName      string           `json:"given_name"`
	Patronymic     string           `json:"patronymic,omitempty"`
	BirthDate      string           `json:"birth_date"` // YYYY-MM-DD
	SNILS          string           `json:"snils"`
	INN            string           `json:"inn,omitempty"`
	Email          string           `json:"email,omitempty"`
	Phone          string           `json:"phone,omitempty"`
	Position       string           `json:"position,omitempty"`
	Document       IdentityDocument `json:"document"`
	// DismissedAt is set once the employee has left the organization; DismissalReason says why.
	DismissedAt     *time.Time `json:"dismissed_at,omitempty"`
	DismissalReason string     `json:"dismissal_reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Dismissed tells whether the employee has left the organization.
func (e *Employee) Dismissed() bool { return e.DismissedAt != nil }

// Head is an organization's sole executive (единоличный исполнительный орган): the person who acts for it
// without a power of attorney and signs its powers of attorney. Validated like an employee.
type Head struct {
	OrganizationID string `json:"organization_id"`
	AccountID      string `json:"account_id"`
	Surname        string `json:"surname"`
	GivenName      string `json:"given_name"`
	Patronymic     string `json:"patronymic,omitempty"`
	Position       string `json:"position"`
	INN            string `json:"inn"`
	SNILS          string `json:"snils"`
	// Since is the date the head took office, YYYY-MM-DD.
	Since     string    `json:"since"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FullName is "Surname Given Patronymic".
func (h *Head) FullName() string {
	n := h.Surname + " " + h.GivenName
	if h.Patronymic != "" {
		n += " " + h.Patronymic
	}
	return n
}

// FullName is "Surname Given Patronymic".
func (e *Employee) FullName() string {
	n := e.Surname + " " + e.GivenName
	if e.Patronymic != "" {
		n += " " + e.Patronymic
	}
	return n
}

// Role is what a user may do; see DESIGN.md section 3.
type Role string

// Roles.
const (
	RoleOperator     Role = "operator"      // CA operator, platform side: all accounts
	RoleAccountAdmin Role = "account_admin" // all organizations of one account
	RoleOrgAdmin     Role = "org_admin"     // assigned organizations only
	RoleRegistrar    Role = "registrar"     // verifies identity, approves, in assigned organizations
	RoleAccountant   Role = "accountant"    // billing; never identity documents
	RoleManager      Role = "manager"       // dashboards and the certificate register
	RoleEmployee     Role = "employee"      // own applications and certificates
	RoleIntegration  Role = "integration"   // an API key
)

// Roles lists the roles a user can be given.
var Roles = []Role{RoleOperator, RoleAccountAdmin, RoleOrgAdmin, RoleRegistrar, RoleAccountant, RoleManager, RoleEmployee}

// User is a person who signs in to kcr.
type User struct {
	ID              string    `json:"id"`
	AccountID       string    `json:"account_id,omitempty"`
	Login           string    `json:"login"`
	FullName        string    `json:"full_name"`
	Role            Role      `json:"role"`
	EmployeeID      string    `json:"employee_id,omitempty"`
	OrganizationIDs []string  `json:"organization_ids"`
	Disabled        bool      `json:"disabled"`
	CreatedAt       time.Time `json:"created_at"`
	PasswordHash    string    `json:"-"`
}

// APIKey is an integration's credential. The secret is shown once at creation and stored hashed.
type APIKey struct {
	ID              string     `json:"id"`
	AccountID       string     `json:"account_id"`
	Name            string     `json:"name"`
	Prefix          string     `json:"prefix"` // the key's first characters, to recognise it in lists
	AllOrgs         bool       `json:"all_organizations"`
	OrganizationIDs []string   `json:"organization_ids"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt      *time.Time `json:"last_used_at,omitempty"`
	SecretHash      string     `json:"-"`
}

// CertKind is the kind of certificate an application asks for (DESIGN.md section 5).
type CertKind string

// Certificate kinds.
const (
	KindIndividual          CertKind = "individual"
	KindLegalEntityEmployee CertKind = "legal_entity_employee"
	KindHead                CertKind = "head"
	KindSoleProprietor      CertKind = "sole_proprietor"
)

// CertKinds lists every kind.
var CertKinds = []CertKind{KindIndividual, KindLegalEntityEmployee, KindHead, KindSoleProprietor}

// State is where an application is in its life.
type State string

// Application states.
const (
	StateDraft                State = "draft"
	StateDocuments            State = "documents"
	StateIdentityVerification State = "identity_verification"
	StateCorrection           State = "correction"
	StateApproved             State = "approved"
	StateIssued               State = "issued"
	StateDeclined             State = "declined"
	StateCancelled            State = "cancelled"
)

// States lists every state in life order.
var States = []State{StateDraft, StateDocuments, StateIdentityVerification, StateCorrection, StateApproved,
	StateIssued, StateDeclined, StateCancelled}

// VerificationMethod is how a registrar established the applicant's identity.
type VerificationMethod string

// Verification methods; the numbers are the identificationKind values of the certificate profile.
const (
	VerifiedInPersonWorkplace VerificationMethod = "in_person_workplace"      // 0
	VerifiedServiceCenter     VerificationMethod = "in_person_service_center" // 0
	VerifiedRemoteQualified   VerificationMethod = "remote_qualified_signature"
)

// VerificationMethods lists the methods.
var VerificationMethods = []VerificationMethod{VerifiedInPersonWorkplace, VerifiedServiceCenter, VerifiedRemoteQualified}

// Verification records who checked the applicant's identity, how, and against which document.
type Verification struct {
	Method     VerificationMethod `json:"method"`
	Document   string             `json:"document"` // e.g. "passport_rf 4510 123456"
	VerifiedBy string             `json:"verified_by"`
	VerifiedAt time.Time          `json:"verified_at"`
	// ServiceCenterID names the service center of an in_person_service_center check.
	ServiceCenterID string `json:"service_center_id,omitempty"`
}

// Application is a request to issue one certificate of one kind to one employee.
type Application struct {
	ID                string          `json:"id"`
	AccountID         string          `json:"account_id"`
	OrganizationID    string          `json:"organization_id"`
	OrganizationName  string          `json:"organization_name"`
	EmployeeID        string          `json:"employee_id"`
	EmployeeName      string          `json:"employee_name"`
	Kind              CertKind        `json:"kind"`
	State             State           `json:"state"`
	HasCSR            bool            `json:"has_csr"`
	CSRUploadedAt     *time.Time      `json:"csr_uploaded_at,omitempty"`
	Verification      *Verification   `json:"verification,omitempty"`
	Note              string          `json:"note,omitempty"` // the last correction request or decline reason
	CertificateSerial string          `json:"certificate_serial,omitempty"`
	ReissueOf         string          `json:"reissue_of,omitempty"` // the serial of the certificate this one replaces
	Authority         Authority       `json:"authority"`
	BillingPosition   BillingPosition `json:"billing_position"`
	BundledFrom       string          `json:"bundled_from,omitempty"` // the application whose issuance brought this free one
	SignTool          string          `json:"sign_tool,omitempty"`    // the certified crypto tool that makes the key (subjectSignTool)
	CreatedBy         string          `json:"created_by"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	CSR               []byte          `json:"-"`
	Version           int64           `json:"-"` // optimistic lock: every save checks and bumps it
}

// Transition is one step in an application's history.
type Transition struct {
	Action string    `json:"action"`
	From   State     `json:"from,omitempty"` // empty for the step that created the application
	To     State     `json:"to"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// CertStatus is a certificate's standing.
type CertStatus string

// Certificate statuses.
const (
	CertValid   CertStatus = "valid"
	CertExpired CertStatus = "expired"
	CertRevoked CertStatus = "revoked"
)

// Certificate is an issued certificate kept in the register.
type Certificate struct {
	Serial           string           `json:"serial"`
	AccountID        string           `json:"account_id"`
	OrganizationID   string           `json:"organization_id"`
	OrganizationName string           `json:"organization_name"`
	EmployeeID       string           `json:"employee_id"`
	EmployeeName     string           `json:"employee_name"`
	ApplicationID    string           `json:"application_id,omitempty"`
	Kind             CertKind         `json:"kind"`
	Status           CertStatus       `json:"status"`
	Issuer           string           `json:"issuer"`
	NotBefore        time.Time        `json:"not_before"`
	NotAfter         time.Time        `json:"not_after"`
	RevokedAt        *time.Time       `json:"revoked_at,omitempty"`
	RevocationReason RevocationReason `json:"revocation_reason,omitempty"`
	ReplacedBy       string           `json:"replaced_by,omitempty"`
	CreatedAt        time.Time        `json:"created_at"`
	DER              []byte           `json:"-"`
	PublicKeyHash    string           `json:"-"` // hex SHA-256 of the subject public key, to refuse a key certified to someone else
	// LegacyUnusable marks a legal_entity_employee certificate that can no longer sign on behalf of the
	// organization (from 2024-09-01); Recommendation says what to do.
	LegacyUnusable bool   `json:"legacy_unusable"`
	Recommendation string `json:"recommendation,omitempty"`
}

// ServiceCenter is a place where applicants are identified in person (heads of organizations since 2022).
type ServiceCenter struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Region    string    `json:"region"`
	Hours     string    `json:"hours"`
	CreatedAt time.Time `json:"created_at"`
}

// FeedEvent is one entry of the integrators' change feed.
type FeedEvent struct {
	Seq            int64          `json:"-"`
	Cursor         string         `json:"cursor"`
	At             time.Time      `json:"at"`
	Type           string         `json:"type"` // application.created, application.approved, certificate.issued, …
	OrganizationID string         `json:"organization_id"`
	ObjectID       string         `json:"object_id"`
	Data           map[string]any `json:"data"`
	AccountID      string         `json:"-"`
}

// Tariff is the price of one billing position over a span of dates (Moscow calendar dates; ValidTo is
// exclusive and empty when open-ended). Prices are in kopecks, without VAT.
type Tariff struct {
	ID           string          `json:"id"`
	Position     BillingPosition `json:"position"`
	PriceKopecks int64           `json:"price_kopecks"`
	ValidFrom    string          `json:"valid_from"`
	ValidTo      string          `json:"valid_to,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Agreement is a client's contract or a supplementary agreement to it.
type Agreement struct {
	ID        string          `json:"id"`
	AccountID string          `json:"account_id"`
	Kind      AgreementKind   `json:"kind"`
	Number    string          `json:"number"`
	SignedOn  string          `json:"signed_on"`        // YYYY-MM-DD
	Covers    BillingPosition `json:"covers,omitempty"` // the billing position a supplementary agreement opens
	CreatedAt time.Time       `json:"created_at"`
}

// BillingLine is one chargeable event. Employees appear only by initials and the certificate serial: the
// accountant who reads lines never sees identity documents.
type BillingLine struct {
	ID                  string          `json:"id"`
	AccountID           string          `json:"account_id"`
	PayerOrganizationID string          `json:"payer_organization_id"`
	Position            BillingPosition `json:"position"`
	TariffID            string          `json:"tariff_id"`
	PriceKopecks        int64           `json:"price_kopecks"`
	Event               BillingEvent    `json:"event"`
	EventAt             time.Time       `json:"event_at"`
	Period              string          `json:"period"` // YYYY-MM, Moscow time
	ApplicationID       string          `json:"application_id"`
	CertificateSerial   string          `json:"certificate_serial,omitempty"`
	EmployeeInitials    string          `json:"employee_initials"`
	InvoiceID           string          `json:"invoice_id,omitempty"`
}

// Invoice is one payer's bill for one period.
type Invoice struct {
	ID                  string    `json:"id"`
	AccountID           string    `json:"account_id"`
	PayerOrganizationID string    `json:"payer_organization_id"`
	Period              string    `json:"period"`
	Number              int64     `json:"number"`
	NetKopecks          int64     `json:"net_kopecks"`
	VATPercent          int       `json:"vat_percent"`
	VATKopecks          int64     `json:"vat_kopecks"`
	TotalKopecks        int64     `json:"total_kopecks"`
	CreatedAt           time.Time `json:"created_at"`
	// PeriodMonths is the length of the period the invoice closes (1 or 3).
	PeriodMonths int `json:"period_months"`
	// Date is the invoice's date, the day after the period ends; ActDate the act's, the period's last day
	// (YYYY-MM-DD, Moscow): documents are dated by the period they close, not by when the close ran.
	Date    string `json:"date"`
	ActDate string `json:"act_date"`
}
