package mchd

import "time"

// State is where a stored power of attorney is in its life in kcr.
type State string

// The states. A draft can still change; awaiting_signature has frozen XML bytes that the head signs;
// signed has the head's checked signature and is (being) registered; registered is ACTIVE in the
// registry. Revoked, expired and rejected are final.
const (
	StateDraft             State = "draft"
	StateAwaitingSignature State = "awaiting_signature"
	StateSigned            State = "signed"
	StateRegistered        State = "registered"
	StateRejected          State = "rejected"
	StateRevoked           State = "revoked"
	StateExpired           State = "expired"
)

// States lists every state in life order.
var States = []State{StateDraft, StateAwaitingSignature, StateSigned, StateRegistered, StateRejected, StateRevoked, StateExpired}

// EnumValues lists the values for OpenAPI and input checks.
func (State) EnumValues() []string { return enumValues(States) }

// Final tells whether nothing can happen to a power of attorney in this state any more.
func (s State) Final() bool { return s == StateRejected || s == StateRevoked || s == StateExpired }

// Record is a power of attorney as kcr stores it: the drafted document's fields, its state, and the exact
// bytes of the file and of the head's signature. Personal data of the head and representative is in the
// file (and in the employee and head records), never in the record's own columns.
type Record struct {
	ID             string `json:"id"`
	AccountID      string `json:"account_id"`
	OrganizationID string `json:"organization_id"`
	EmployeeID     string `json:"employee_id"`
	// Number is НомДовер (a GUID); InternalNumber is the organization's own number.
	Number         string    `json:"number"`
	InternalNumber string    `json:"internal_number"`
	IssueDate      time.Time `json:"issue_date"`
	EndDate        time.Time `json:"end_date"`
	Kind           Kind      `json:"kind"`
	Retrust        Retrust   `json:"retrust"`
	Powers         []Power   `json:"powers"`
	PowersText     string    `json:"powers_text,omitempty"`
	State          State     `json:"state"`
	// RegistryStatus is the registry's last answer; RegistryOperation is its id of the registration.
	RegistryStatus    RegistryStatus `json:"registry_status,omitempty"`
	RegistryOperation string         `json:"registry_operation,omitempty"`
	// Reason is the registry's reason for a rejection, or the recorded reason of a revocation.
	Reason    string     `json:"reason,omitempty"`
	SignedAt  *time.Time `json:"signed_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	FileName  string     `json:"file_name"`
	// XML and Signature are the exact bytes: the file as drafted and the head's detached CMS signature.
	XML       []byte    `json:"-"`
	Signature []byte    `json:"-"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version grows with every change, for optimistic concurrency.
	Version int `json:"version"`
}

// HistoryEntry is one change of a power of attorney: who moved it from which state to which, and when.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	From   State     `json:"from,omitempty"`
	To     State     `json:"to"`
	Detail string    `json:"detail,omitempty"`
}
