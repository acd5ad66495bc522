package revocation

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// Checker answers for kcr's own certificates from its register and for any other from its CRLs or OCSP.
type Checker struct {
	// Own are the issuing certificates of kcr's built-in instances; Register answers for the
	// certificates they issued (ca.Set.IsRevoked), which need no download.
	Own      []*x509gost.Certificate
	Register func(ctx context.Context, cert *x509gost.Certificate, at time.Time) (bool, error)
	// CRLs answers for the certificates of other CAs, and OCSP when their CRL cannot be read; with
	// neither, their status is unknown.
	CRLs *CRLs
	OCSP *OCSP
}

// IsRevoked tells whether cert, issued by issuer (the next certificate of the chain the signature check
// built), was revoked at or before at: from the register when an Own certificate issued it, else from
// its CRL, else from its OCSP responder. An error means the status is unknown.
func (c *Checker) IsRevoked(ctx context.Context, cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
	if issuer == nil {
		return false, ErrNoIssuer
	}
	for _, own := range c.Own {
		if bytes.Equal(own.Raw, issuer.Raw) && c.Register != nil {
			return c.Register(ctx, cert, at)
		}
	}
	errCRL := errors.New("CRLs are not read")
	if c.CRLs != nil {
		revoked, err := c.CRLs.IsRevoked(ctx, cert, issuer, at)
		if err == nil {
			return revoked, nil
		}
		errCRL = err
	}
	if c.OCSP == nil {
		return false, errCRL
	}
	revoked, err := c.OCSP.IsRevoked(ctx, cert, issuer, at)
	if err != nil {
		return false, errors.Join(errCRL, err)
	}
	return revoked, nil
}
