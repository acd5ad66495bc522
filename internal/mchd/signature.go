package mchd

import (
	"time"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// HeadIdentity is who must have signed a power of attorney: the grantor organization's requisites and
// its recorded head. SNILS is 11 digits; INN is the head's personal ИНН (optional when SNILS is given).
type HeadIdentity struct {
	OrgINN  string
	OrgOGRN string
	SNILS   string
	INN     string
}

// SignatureInfo is what a checked head's signature tells: the signer's certificate and its chain to the
// trusted root, and the signed signing time.
type SignatureInfo struct {
	Signer      *x509gost.Certificate
	Chain       []*x509gost.Certificate
	SigningTime time.Time
}
