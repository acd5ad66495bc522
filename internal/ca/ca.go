// Package ca is kcr's certification authority side: the Issuer boundary that registration calls for an
// approved application, and the built-in GOST CA that implements it (a root and an issuing authority,
// the qualified-certificate profile and its linter, the issuance pipeline, CRLs and the OCSP responder).
// Connectors to external state CAs implement the same Issuer.
package ca

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// Request is everything a CA needs to issue one certificate. The subject comes from the registration
// data, never from the CSR's own subject.
type Request struct {
	Application  *model.Application
	Employee     *model.Employee
	Organization *model.Organization
	CSR          []byte // DER PKCS#10
}

// Issued is a certificate a CA made.
type Issued struct {
	Serial        string // lower-case hex, no leading zeros
	DER           []byte
	Issuer        string // the issuing authority's name
	NotBefore     time.Time
	NotAfter      time.Time
	PublicKeyHash string // hex SHA-256 of the subject public key (SPKI DER)
}

// Issuer issues certificates. Issue is called outside the registration transaction: a CA records its
// intent, signs and verifies on its own, then registration stores the certificate and calls Stored in the
// transaction that moves the application to issued, or Abandoned when that transaction fails. At most one
// issuance per application is in flight: a concurrent Issue for the same application is a conflict. Stored
// fails (a conflict) when the issuance is no longer signed, so a certificate is stored once even when a
// reconciler finishes an interrupted issuance; Abandoned leaves an issuance already finished as it is.
type Issuer interface {
	Issue(ctx context.Context, req Request) (*Issued, error)
	Stored(ctx context.Context, serial string) error
	// Abandoned records that a signed certificate could not be stored and was never handed out.
	Abandoned(ctx context.Context, serial, reason string) error
}
