package mchd

import "context"

// FindQuery names the powers of attorney that might authorize a signature: by number, or by the grantor
// organization (id, or ИНН with an optional КПП), always within one account unless AccountID is empty
// (the CA operator).
type FindQuery struct {
	AccountID      string
	Number         string
	OrganizationID string
	OrgINN         string
	OrgKPP         string
}

// Finder looks up stored powers of attorney, with their XML bytes, for the authorization check.
type Finder interface {
	FindForCheck(ctx context.Context, q FindQuery) ([]Record, error)
}
