package main

import (
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/mchd/standin"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// mchdRegistry is the built-in stand-in for the FNS registry of powers of attorney, the only registry kcr
// has so far. Like the real registry it trusts the state CAs, which issue heads' certificates: here their
// built-in stand-ins (fns, treasury, cbr), when this kcr has them.
func mchdRegistry(db *storage.DB, clk clock.Clock, baseURL string, cas *authorities) (*standin.Registry, error) {
	opts := standin.Options{StatusBaseURL: baseURL}
	for _, b := range cas.set {
		if b == cas.own {
			continue
		}
		for name, dst := range map[string]*[]*x509gost.Certificate{b.RootName(): &opts.Roots, b.IssuingName(): &opts.Intermediates} {
			der, _ := b.Certificate(name)
			cert, err := x509gost.ParseCertificate(der)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, cert)
		}
	}
	return standin.New(db, clk, opts), nil
}
