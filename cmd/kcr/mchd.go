package main

import (
	"context"
	"log/slog"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/mchd/standin"
	"github.com/kcr-project/kcr/internal/storage"
)

// mchdRegistry is the built-in stand-in for the FNS registry of powers of attorney, the only registry kcr
// has so far. Like the real registry it trusts the state CAs that issue heads' certificates: the same
// roots, chain helpers and revocation answers kcr checks a head's signature with (headSignatureChecker).
func mchdRegistry(ctx context.Context, c *serveConfig, db *storage.DB, cas *authorities, clk clock.Clock, log *slog.Logger) (*standin.Registry, error) {
	heads, err := headSignatureChecker(ctx, c, cas, clk)
	if err != nil {
		return nil, err
	}
	return standin.New(db, clk, standin.Options{StatusBaseURL: c.BaseURL, Roots: heads.Roots,
		Intermediates: heads.Intermediates, IsRevokedBy: heads.IsRevokedBy, Log: log}), nil
}
