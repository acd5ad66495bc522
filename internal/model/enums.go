package model

import "slices"

// Enum is a closed set of values kept as a string type with one list. The OpenAPI document, input validation
// and the web interface's labels all read that list, so a new value is added in one place.
type Enum interface {
	EnumValues() []string
}

// enumValues spells a list of a string type's values as plain strings.
func enumValues[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// OrgKinds lists the organization kinds.
var OrgKinds = []OrgKind{OrgLegalEntity, OrgBranch, OrgSoleProprietor}

// Sectors lists the sectors.
var Sectors = []Sector{SectorCommercial, SectorState, SectorFinancial}

// CertStatuses lists a certificate's statuses as the API shows them (expired is derived from the date).
var CertStatuses = []CertStatus{CertValid, CertExpired, CertRevoked}

// EnumValues implements Enum.
func (OrgKind) EnumValues() []string { return enumValues(OrgKinds) }

// EnumValues implements Enum.
func (Sector) EnumValues() []string { return enumValues(Sectors) }

// EnumValues implements Enum.
func (Role) EnumValues() []string { return enumValues(Roles) }

// EnumValues implements Enum.
func (CertKind) EnumValues() []string { return enumValues(CertKinds) }

// EnumValues implements Enum.
func (State) EnumValues() []string { return enumValues(States) }

// EnumValues implements Enum.
func (VerificationMethod) EnumValues() []string { return enumValues(VerificationMethods) }

// EnumValues implements Enum.
func (CertStatus) EnumValues() []string { return enumValues(CertStatuses) }

// Valid reports whether v is one of the enum's values.
func Valid[T interface {
	~string
	Enum
}](v T) bool {
	return slices.Contains(v.EnumValues(), string(v))
}

// DocumentType is the kind of an identity document.
type DocumentType string

// Identity document types.
const (
	DocPassportRF      DocumentType = "passport_rf"
	DocForeignPassport DocumentType = "foreign_passport"
	DocMilitaryID      DocumentType = "military_id"
	DocResidencePermit DocumentType = "residence_permit"
)

// DocumentTypes lists the identity document types.
var DocumentTypes = []DocumentType{DocPassportRF, DocForeignPassport, DocMilitaryID, DocResidencePermit}

// EnumValues implements Enum.
func (DocumentType) EnumValues() []string { return enumValues(DocumentTypes) }

// RevocationReason is an RFC 5280 CRLReason an end-entity certificate may be revoked for, in the API's spelling.
type RevocationReason string

// Revocation reasons.
const (
	ReasonUnspecified          RevocationReason = "unspecified"
	ReasonKeyCompromise        RevocationReason = "key_compromise"
	ReasonAffiliationChanged   RevocationReason = "affiliation_changed"
	ReasonSuperseded           RevocationReason = "superseded"
	ReasonCessationOfOperation RevocationReason = "cessation_of_operation"
	ReasonPrivilegeWithdrawn   RevocationReason = "privilege_withdrawn"
)

// RevocationReasons lists the reasons a certificate may be revoked for.
var RevocationReasons = []RevocationReason{ReasonUnspecified, ReasonKeyCompromise, ReasonAffiliationChanged,
	ReasonSuperseded, ReasonCessationOfOperation, ReasonPrivilegeWithdrawn}

// EnumValues implements Enum.
func (RevocationReason) EnumValues() []string { return enumValues(RevocationReasons) }

// BillingPosition is what a billing line charges for; tariffs are priced per position.
type BillingPosition string

// Billing positions.
const (
	PositionLegalEntityEmployee BillingPosition = "legal_entity_employee_certificate"
	PositionIndividual          BillingPosition = "individual_certificate"
	PositionHeadIdentification  BillingPosition = "head_identification" // heads and sole proprietors: the service-center identification kcr does
	PositionBundledIndividual   BillingPosition = "bundled_individual_certificate"
	PositionPowerOfAttorney     BillingPosition = "power_of_attorney" // a drafted МЧД
)

// BillingPositions lists the billing positions.
var BillingPositions = []BillingPosition{PositionLegalEntityEmployee, PositionIndividual, PositionHeadIdentification,
	PositionBundledIndividual, PositionPowerOfAttorney}

// EnumValues implements Enum.
func (BillingPosition) EnumValues() []string { return enumValues(BillingPositions) }

// Authority names who issues an application's certificate: kcr's own CA or a state CA.
type Authority string

// Authorities.
const (
	AuthorityKCR          Authority = "kcr"            // kcr's own (accredited commercial) CA
	AuthorityFNS          Authority = "fns"            // УЦ ФНС России: heads of commercial organizations and sole proprietors
	AuthorityTreasury     Authority = "treasury"       // Федеральное казначейство: heads of state and budget organizations
	AuthorityBankOfRussia Authority = "bank_of_russia" // УЦ Банка России: heads of credit and financial-market organizations
)

// Authorities lists the issuing authorities.
var Authorities = []Authority{AuthorityKCR, AuthorityFNS, AuthorityTreasury, AuthorityBankOfRussia}

// EnumValues implements Enum.
func (Authority) EnumValues() []string { return enumValues(Authorities) }

// AgreementKind tells a client's contract from a supplementary agreement to it.
type AgreementKind string

// Agreement kinds.
const (
	AgreementContract      AgreementKind = "contract"
	AgreementSupplementary AgreementKind = "supplementary"
)

// AgreementKinds lists the agreement kinds.
var AgreementKinds = []AgreementKind{AgreementContract, AgreementSupplementary}

// EnumValues implements Enum.
func (AgreementKind) EnumValues() []string { return enumValues(AgreementKinds) }

// InvoiceMode is how an account's period is invoiced.
type InvoiceMode string

// Invoice modes.
const (
	InvoicePerPayer     InvoiceMode = "per_payer"    // one invoice per paying organization
	InvoiceConsolidated InvoiceMode = "consolidated" // one invoice for the whole account, paid by the head organization
)

// InvoiceModes lists the invoice modes.
var InvoiceModes = []InvoiceMode{InvoicePerPayer, InvoiceConsolidated}

// EnumValues implements Enum.
func (InvoiceMode) EnumValues() []string { return enumValues(InvoiceModes) }

// BillingEvent is the chargeable event a billing line records.
type BillingEvent string

// Billing events.
const (
	EventIssuance       BillingEvent = "issuance"
	EventIdentification BillingEvent = "identification"
	EventDrafting       BillingEvent = "drafting" // a power of attorney drafted
)

// BillingEvents lists the chargeable events.
var BillingEvents = []BillingEvent{EventIssuance, EventIdentification, EventDrafting}

// EnumValues implements Enum.
func (BillingEvent) EnumValues() []string { return enumValues(BillingEvents) }
