package audit

import "slices"

// Action names what an audit event records, as "<object>.<verb>". The list is closed: an event with an
// action not listed here is refused, so the audit viewer and its filters always know every action.
type Action string

// Audit actions.
const (
	AccountCreate             Action = "account.create"
	AgreementCreate           Action = "agreement.create"
	APIKeyCreate              Action = "api_key.create"
	APIKeyRevoke              Action = "api_key.revoke"
	ApplicationCreate         Action = "application.create"
	ApplicationSubmit         Action = "application.submit"
	ApplicationVerifyIdentity Action = "application.verify-identity"
	ApplicationCorrection     Action = "application.request-correction"
	ApplicationApprove        Action = "application.approve"
	ApplicationDecline        Action = "application.decline"
	ApplicationCancel         Action = "application.cancel"
	ApplicationIssue          Action = "application.issue"
	ApplicationCarryOver      Action = "application.carry_over"
	ApplicationCSR            Action = "application.csr"
	ApplicationIdentityReset  Action = "application.identity_reset"
	BillingClose              Action = "billing.close"
	BillingPeriodMonths       Action = "billing.period_months"
	BillingInvoiceMode        Action = "billing.invoice_mode"
	CertificateIssue          Action = "certificate.issue"
	CertificateRead           Action = "certificate.read"
	CertificateRevoke         Action = "certificate.revoke"
	EmployeeCreate            Action = "employee.create"
	EmployeeList              Action = "employee.list"
	EmployeeRead              Action = "employee.read"
	EmployeeUpdate            Action = "employee.update"
	EmployeeDismiss           Action = "employee.dismiss"
	OrganizationHeadSet       Action = "organization.head_set"  // the head recorded or replaced
	OrganizationHeadRead      Action = "organization.head_read" // the head's personal data read
	MailSent                  Action = "mail.sent"              // the SMTP server accepted an outbox message
	MailFailed                Action = "mail.failed"            // an outbox message failed for good
	MailUnsubscribe           Action = "mail.unsubscribe"       // an employee refused non-mandatory mail
	MailingCreate             Action = "mailing.create"         // a mailing drafted
	MailingUpdate             Action = "mailing.update"         // a draft's text, segment or attachments changed
	MailingSend               Action = "mailing.send"           // sending a mailing asked (once)
	OrganizationCreate        Action = "organization.create"
	OrganizationUpdate        Action = "organization.update"
	PoADraft                  Action = "power_of_attorney.draft"
	PoAList                   Action = "power_of_attorney.list"
	PoARead                   Action = "power_of_attorney.read" // the card, the file or the signature: personal data
	PoASign                   Action = "power_of_attorney.sign"
	PoARegister               Action = "power_of_attorney.register"
	PoARegistered             Action = "power_of_attorney.registered" // the registry's answer, recorded by the reconciler
	PoAReject                 Action = "power_of_attorney.reject"
	PoARevoke                 Action = "power_of_attorney.revoke"
	PoAExpire                 Action = "power_of_attorney.expire"
	// PoARevocationOffered: the holder was dismissed while the power of attorney is in force or being
	// prepared, and its revocation was offered.
	PoARevocationOffered Action = "power_of_attorney.revocation_offered"
	RenewalWaveRun       Action = "renewal_wave.run"
	ServiceCenterCreate  Action = "service_center.create"
	SessionLogin         Action = "session.login"
	SessionLogout        Action = "session.logout"
	TariffClose          Action = "tariff.close"
	TariffCreate         Action = "tariff.create"
	TariffMigrate        Action = "tariff.migrate"
	UserCreate           Action = "user.create"
	UserPasswordChange   Action = "user.password_change"
	UserPasswordReset    Action = "user.password_reset"
	UserUpdate           Action = "user.update"
	UserDisable          Action = "user.disable"
	UserEnable           Action = "user.enable"
	UserSessionsEnd      Action = "user.sessions_end"
	SessionLockout       Action = "session.lockout" // a login locked after wrong passwords
	AuthLockout          Action = "auth.lockout"    // a client address locked after wrong passwords or tokens
	WebhookCreate        Action = "webhook.create"
	WebhookUpdate        Action = "webhook.update"
	WebhookDelete        Action = "webhook.delete"
	WebhookRotateSecret  Action = "webhook.rotate_secret"
	WebhookEnable        Action = "webhook.enable"
	WebhookDisable       Action = "webhook.disable" // by a person, or by "system" after persistent failure
	WebhookReplay        Action = "webhook.replay"
)

// Actions lists every audit action.
var Actions = []Action{AccountCreate, AgreementCreate, APIKeyCreate, APIKeyRevoke, ApplicationCreate, ApplicationSubmit,
	ApplicationVerifyIdentity, ApplicationCorrection, ApplicationApprove, ApplicationDecline, ApplicationCancel,
	ApplicationIssue, ApplicationCarryOver, ApplicationCSR, ApplicationIdentityReset, BillingClose, BillingPeriodMonths, BillingInvoiceMode,
	CertificateIssue, CertificateRead, CertificateRevoke, EmployeeCreate, EmployeeList, EmployeeRead, EmployeeUpdate,
	EmployeeDismiss, MailSent, MailFailed, MailUnsubscribe, MailingCreate, MailingUpdate, MailingSend, OrganizationCreate, OrganizationUpdate, OrganizationHeadSet, OrganizationHeadRead, PoADraft, PoAList,
	PoARead, PoASign, PoARegister, PoARegistered, PoAReject, PoARevoke, PoAExpire, RenewalWaveRun, ServiceCenterCreate,
	SessionLogin, SessionLogout,
	TariffClose, TariffCreate, TariffMigrate, UserCreate, UserPasswordChange, UserPasswordReset, UserUpdate,
	UserDisable, UserEnable, UserSessionsEnd, SessionLockout, AuthLockout,
	WebhookCreate, WebhookUpdate, WebhookDelete, WebhookRotateSecret, WebhookEnable, WebhookDisable, WebhookReplay,
	PoARevocationOffered}

// EnumValues implements model.Enum.
func (Action) EnumValues() []string {
	out := make([]string, len(Actions))
	for i, a := range Actions {
		out[i] = string(a)
	}
	return out
}

// Known reports whether a is a listed action.
func (a Action) Known() bool { return slices.Contains(Actions, a) }
