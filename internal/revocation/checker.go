package revocation

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// Checker answers for kcr's own certificates from its register and for any other from its CRLs.
type Checker struct {
	// Own are the issuing certificates of kcr's built-in instances; Register answers for the
	// certificates they issued (ca.Set.IsRevoked), which need no download.
	Own      []*x509gost.Certificate
	Register func(ctx context.Context, cert *x509gost.Certificate, at time.Time) (bool, error)
	// CRLs answers for the certificates of other CAs; nil leaves their status unknown.
	CRLs *CRLs
}

// IsRevoked tells whether cert, issued by issuer (the next certificate of the chain the signature check
// built), was revoked at or before at. An error means the status is unknown.
func (c *Checker) IsRevoked(ctx context.Context, cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
	if issuer == nil {
		return false, ErrNoIssuer
	}
	for _, own := range c.Own {
		if bytes.Equal(own.Raw, issuer.Raw) && c.Register != nil {
			return c.Register(ctx, cert, at)
		}
	}
	if c.CRLs == nil {
		return false, errors.New("the certificate is not kcr's and CRLs are not read")
	}
	return c.CRLs.IsRevoked(ctx, cert, issuer, at)
}
