// Package ca is the boundary between registration and a certification authority: the registration
// authority hands over an approved application and gets a certificate back. The built-in GOST CA and
// connectors to external state CAs implement Issuer.
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
	Serial    string // lower-case hex, no leading zeros
	DER       []byte
	Issuer    string // the issuing CA's name as kcr shows it
	NotBefore time.Time
	NotAfter  time.Time
}

// Issuer issues certificates. Issue runs inside the caller's database transaction, so an error leaves
// the application approved and nothing stored.
type Issuer interface {
	Issue(ctx context.Context, req Request) (*Issued, error)
}
