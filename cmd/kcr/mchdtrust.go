package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/revocation"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// loadMCHDTrustRoots reads --mchd-trust-roots; any problem stops kcr before it starts.
func loadMCHDTrustRoots(path string) ([]*x509gost.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--mchd-trust-roots: %v", err)}
	}
	roots, err := mchd.LoadTrustRoots(raw)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--mchd-trust-roots %s: %v", path, err)}
	}
	return roots, nil
}

// headSignatureChecker is the check of a head's signature of a МЧД that serve wires into the power of
// attorney service. It trusts the roots of --mchd-trust-roots or, under --demo without them, the roots of
// the built-in state-CA stand-ins (heads' certificates come from the ФНС; heads of state and financial
// organizations get theirs from the Treasury and the Bank of Russia). The built-in instances' issuing
// certificates help build chains (they add no trust), and revocation is read from kcr's register for
// the certificates they issued and from the CRLs named in any other certificate (the ФНС CA's), fetched
// and cached in memory, or from its OCSP responder when its CRL cannot be read; a certificate whose
// status neither tells is refused. Without roots every signature is refused, naming the missing flag.
func headSignatureChecker(ctx context.Context, c *serveConfig, auths *authorities, clk clock.Clock) (*mchd.SignatureChecker, error) {
	chk := &mchd.SignatureChecker{Roots: c.MCHDTrustRoots, Clock: clk}
	status := &revocation.Checker{Register: auths.set.IsRevoked, CRLs: &revocation.CRLs{Clock: clk}, OCSP: &revocation.OCSP{Clock: clk}}
	chk.IsRevokedBy = func(cert, issuer *x509gost.Certificate, at time.Time) (bool, error) {
		return status.IsRevoked(ctx, cert, issuer, at)
	}
	for _, b := range auths.set {
		der, ok := b.Certificate(b.IssuingName())
		if !ok {
			continue
		}
		issuing, err := x509gost.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("the certificate of %s: %w", b.IssuingName(), err)
		}
		chk.Intermediates = append(chk.Intermediates, issuing)
		status.Own = append(status.Own, issuing)
	}
	if c.MCHDTrustRootsFile != "" || !c.Demo {
		return chk, nil
	}
	for _, si := range standIns {
		name := si.Options.Prefix + "-root"
		der, ok := auths.set.Certificate(name)
		if !ok {
			continue // this stand-in was not created
		}
		root, err := x509gost.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("the certificate of %s: %w", name, err)
		}
		chk.Roots = append(chk.Roots, root)
	}
	return chk, nil
}
