package mchd

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/kcr-project/kcr/internal/x509gost"
)

// LoadTrustRoots parses the trusted state CA certificates from PEM: one or more CERTIFICATE blocks, text
// between them ignored. It refuses other blocks (a key by mistake), certificates that are not GOST
// R 34.10-2012, and certificates that are not CA certificates (basicConstraints cA, and keyCertSign when
// keyUsage is present): a chain ending at an end-entity certificate would trust whoever holds its key.
func LoadTrustRoots(pemBytes []byte) ([]*x509gost.Certificate, error) {
	var roots []*x509gost.Certificate
	rest := pemBytes
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %d is a %s, not a CERTIFICATE", n, block.Type)
		}
		c, err := x509gost.ParseCertificate(block.Bytes)
		if errors.Is(err, x509gost.ErrNotGOST) {
			return nil, fmt.Errorf("certificate %d is not a GOST R 34.10-2012 certificate: %w", n, err)
		}
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA || (c.KeyUsage != 0 && c.KeyUsage&(1<<x509gost.KeyUsageCertSign) == 0) {
			return nil, fmt.Errorf("certificate %d (serial %X) is not a CA certificate", n, c.SerialNumber)
		}
		roots = append(roots, c)
	}
	if len(roots) == 0 {
		if len(bytes.TrimSpace(pemBytes)) == 0 {
			return nil, errors.New("the file is empty: it must hold the trusted CA certificates in PEM")
		}
		return nil, errors.New("no PEM CERTIFICATE block found: the trusted CA certificates must be in PEM")
	}
	return roots, nil
}
