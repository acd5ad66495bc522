package mchd

import (
	"context"
	"errors"
	"time"
)

// RegistryStatus is a power of attorney's status as the FNS registry spells it.
type RegistryStatus string

// The registry's statuses.
const (
	RegistryProcessing RegistryStatus = "PROCESSING"
	RegistryCreated    RegistryStatus = "CREATED"
	RegistryActive     RegistryStatus = "ACTIVE"
	RegistryRejected   RegistryStatus = "REJECTED"
	RegistryRevoked    RegistryStatus = "REVOKED"
	RegistryExpired    RegistryStatus = "EXPIRED"
)

// RegistryStatuses lists the registry's statuses.
var RegistryStatuses = []RegistryStatus{RegistryProcessing, RegistryCreated, RegistryActive, RegistryRejected, RegistryRevoked, RegistryExpired}

// EnumValues lists the values for OpenAPI and input checks.
func (RegistryStatus) EnumValues() []string { return enumValues(RegistryStatuses) }

// Refusals of a registry, for errors.Is.
var (
	// ErrRepeatedRegistration: this number with this very signature is already registered (RepeatedRegistration).
	ErrRepeatedRegistration = errors.New("mchd registry: the power of attorney is already registered")
	// ErrDifferentSignature: this number is registered with another signature (DifferentSignature).
	ErrDifferentSignature = errors.New("mchd registry: the number is registered with a different signature")
	// ErrUnknownNumber: the registry has no power of attorney with this number.
	ErrUnknownNumber = errors.New("mchd registry: unknown power of attorney number")
)

// RegistryState is the registry's answer about one power of attorney.
type RegistryState struct {
	Status RegistryStatus
	// Reason explains REJECTED and REVOKED.
	Reason string
	// At is when the registry reached this status.
	At time.Time
}

// Revocation is the statement that revokes a registered power of attorney: its number, the reason, and
// the revoking organization's requisites. Statement and Signature are the statement file and the head's
// detached signature over it, for registries that require them.
type Revocation struct {
	Number    string
	Reason    string
	OrgName   string
	INN       string
	KPP       string
	OGRN      string
	Date      time.Time
	Statement []byte
	Signature []byte
}

// Registry is the register of powers of attorney (the FNS distributed registry, reached through an
// operator). Registration is asynchronous: Register accepts the file and answers an operation id; Status
// is polled until the status leaves PROCESSING. kcr ships a stand-in; a real operator connector
// implements the same interface.
type Registry interface {
	// Register submits the file and the head's detached signature over its exact bytes.
	Register(ctx context.Context, number string, file, signature []byte) (operation string, err error)
	// Status answers the registry's current status of the numbered power of attorney.
	Status(ctx context.Context, number string) (*RegistryState, error)
	// Revoke submits a revocation statement.
	Revoke(ctx context.Context, r *Revocation) error
	// StatusURL is where anyone can check the status of the numbered power of attorney (written into СведСист).
	StatusURL(number string) string
}
