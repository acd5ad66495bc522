package ca

import (
	"math/big"
	"time"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// The issuance pipeline's steps, for BenchmarkIssueSteps.

// BuildSubjectDER is the subject name of a request, encoded.
func BuildSubjectDER(req Request) ([]byte, error) {
	name, err := buildSubject(req)
	if err != nil {
		return nil, err
	}
	return name.Marshal()
}

// NewSerial draws a serial as Issue does.
func (b *Builtin) NewSerial() (*big.Int, error) { return b.newSerial() }

// EndEntityTBS builds the TBS as Issue does.
func (b *Builtin) EndEntityTBS(req Request, csr *x509gost.CertificateRequest, subject []byte, serial *big.Int, now time.Time) (*x509gost.TBSCertificate, error) {
	ski, err := keyID(csr.RawSPKI)
	if err != nil {
		return nil, err
	}
	return b.endEntityTBS(req, csr, subject, ski, serial, now)
}

// SignDraft signs a draft with the issuing key, as Issue does.
func (b *Builtin) SignDraft(d *x509gost.Draft) (*x509gost.Certificate, error) {
	return d.Sign(b.issuing.signer, b.Rand)
}

// IssuedOf describes a signed certificate, as Issue returns it.
func (b *Builtin) IssuedOf(c *x509gost.Certificate) *Issued { return issued(b.issuing.name, c) }
