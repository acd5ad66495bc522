package model

import "time"

// WebhookEventType is an event type of the change feed that a webhook endpoint can subscribe to.
type WebhookEventType string

// The change feed's event types.
const (
	EventApplicationCreated      WebhookEventType = "application.created"
	EventApplicationStateChanged WebhookEventType = "application.state_changed"
	EventApplicationCSRUploaded  WebhookEventType = "application.csr_uploaded"
	EventApplicationKindChanged  WebhookEventType = "application.kind_changed"
	EventCertificateIssued       WebhookEventType = "certificate.issued"
	EventCertificateRevoked      WebhookEventType = "certificate.revoked"
	// EventEmployeeDismissed: an employee left the organization.
	EventEmployeeDismissed WebhookEventType = "employee.dismissed"
	// EventOrganizationHeadChanged: an organization's head was recorded or replaced.
	EventOrganizationHeadChanged WebhookEventType = "organization.head_changed"
	// EventPowerOfAttorneyStateChanged: a power of attorney was drafted or changed state (data: state, registry_status).
	EventPowerOfAttorneyStateChanged WebhookEventType = "power_of_attorney.state_changed"
)

// WebhookEventTypes lists the feed's event types.
var WebhookEventTypes = []WebhookEventType{EventApplicationCreated, EventApplicationStateChanged,
	EventApplicationCSRUploaded, EventApplicationKindChanged, EventCertificateIssued, EventCertificateRevoked,
	EventEmployeeDismissed, EventOrganizationHeadChanged, EventPowerOfAttorneyStateChanged}

// EnumValues implements Enum.
func (WebhookEventType) EnumValues() []string { return enumValues(WebhookEventTypes) }

// WebhookState tells whether an endpoint receives deliveries.
type WebhookState string

// Endpoint states.
const (
	WebhookEnabled  WebhookState = "enabled"
	WebhookDisabled WebhookState = "disabled" // by a person, or by kcr after persistent failure (DisabledReason)
)

// Why an endpoint is disabled.
const (
	WebhookDisabledManually = "manual"             // by a person
	WebhookDisabledFailing  = "persistent_failure" // by kcr: a delivery failed for 24 hours
)

// WebhookStates lists the endpoint states.
var WebhookStates = []WebhookState{WebhookEnabled, WebhookDisabled}

// EnumValues implements Enum.
func (WebhookState) EnumValues() []string { return enumValues(WebhookStates) }

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its next attempt
	DeliverySucceeded DeliveryStatus = "succeeded" // the endpoint answered 2xx
	DeliveryFailed    DeliveryStatus = "failed"    // retries ran out, or the endpoint was disabled
)

// DeliveryStatuses lists the delivery statuses.
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliverySucceeded, DeliveryFailed}

// EnumValues implements Enum.
func (DeliveryStatus) EnumValues() []string { return enumValues(DeliveryStatuses) }

// WebhookEndpoint is a URL that receives signed deliveries of an account's feed events. With APIKeyID set it
// receives only the events of that key's organizations (all of the account's when the key covers them all).
type WebhookEndpoint struct {
	ID             string             `json:"id"`
	AccountID      string             `json:"account_id"`
	APIKeyID       string             `json:"api_key_id,omitempty"`
	URL            string             `json:"url"`
	Description    string             `json:"description"`
	EventTypes     []WebhookEventType `json:"event_types"`
	State          WebhookState       `json:"state"`
	DisabledReason string             `json:"disabled_reason,omitempty"` // WebhookDisabledManually or WebhookDisabledFailing
	// PreviousSecretUntil is when the secret replaced by the last rotation stops signing.
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
	CreatedBy           string     `json:"created_by"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`

	Secret         string `json:"-"` // sealed (see webhook.Sealer)
	PreviousSecret string `json:"-"` // sealed; "" when none
}

// WebhookDelivery is one feed event (or a replay of it) on its way to one endpoint.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	EndpointID    string           `json:"endpoint_id"`
	AccountID     string           `json:"-"`
	MessageID     string           `json:"message_id"` // the webhook-id header; a replay keeps its original's
	EventSeq      int64            `json:"-"`
	EventType     WebhookEventType `json:"event_type"`
	Payload       string           `json:"payload"`
	Status        DeliveryStatus   `json:"status"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt *time.Time       `json:"next_attempt_at,omitempty"`
	ReplayOf      string           `json:"replay_of,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	Log           []WebhookAttempt `json:"log,omitempty"`
}

// WebhookAttempt is one HTTP request of a delivery.
type WebhookAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"` // 0 when no answer came
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}
