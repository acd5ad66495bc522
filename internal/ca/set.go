package ca

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Set serves the public endpoints of several built-in instances (kcr's own CA and the state-CA
// stand-ins) from one server.
type Set []*Builtin

// Certificate returns the certificate of the named authority.
func (s Set) Certificate(name string) ([]byte, bool) {
	for _, b := range s {
		if der, ok := b.Certificate(name); ok {
			return der, true
		}
	}
	return nil, false
}

// Chain returns the chain above certificates of the named issuer.
func (s Set) Chain(issuer string) [][]byte {
	for _, b := range s {
		if c := b.Chain(issuer); c != nil {
			return c
		}
	}
	return nil
}

// CRL returns the named authority's current CRL.
func (s Set) CRL(ctx context.Context, name string) ([]byte, error) {
	for _, b := range s {
		if b.authority(name) != nil {
			return b.CRL(ctx, name)
		}
	}
	return nil, storage.ErrNoRows
}

// OCSP hands the request to the instance that issued the certificates it asks about.
func (s Set) OCSP(ctx context.Context, reqDER []byte) []byte {
	req, err := x509gost.ParseOCSPRequest(reqDER)
	if err != nil || len(req.RequestList) == 0 {
		return x509gost.OCSPErrorResponse(1) // malformedRequest
	}
	for _, b := range s {
		if b.issuerOf(req.RequestList[0]) != nil {
			return b.OCSP(ctx, reqDER)
		}
	}
	return x509gost.OCSPErrorResponse(6) // unauthorized
}

// IsRevoked tells whether cert, issued by the issuing authority of one of these instances, was revoked at
// or before at, from the register. A certificate none of them issued, or one its issuer has no record of,
// is an error: its status is unknown here, and a caller that must know refuses it.
func (s Set) IsRevoked(ctx context.Context, cert *x509gost.Certificate, at time.Time) (bool, error) {
	for _, b := range s {
		a := b.issuing
		if !bytes.Equal(cert.RawIssuer, a.cert.RawSubject) || cert.CheckSignatureFrom(a.cert) != nil {
			continue
		}
		st, err := b.DB.CertificateStatus(ctx, a.name, cert.SerialNumber.Text(16))
		if storage.IsNoRows(err) {
			return false, fmt.Errorf("certificate %X is not in the register of %s", cert.SerialNumber, a.name)
		}
		if err != nil {
			return false, err
		}
		return st.Status == string(model.CertRevoked) && !st.RevokedAt.After(at), nil
	}
	return false, fmt.Errorf("certificate %X was not issued by a built-in authority", cert.SerialNumber)
}
