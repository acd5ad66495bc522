package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/demo"
	"github.com/kcr-project/kcr/internal/jobs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// mchdPollEvery is how often the registry's answers about submitted powers of attorney are collected and
// registered ones past their end date are marked expired.
const mchdPollEvery = 30 * time.Second

// mchdPollArgs follows the powers of attorney the registry is processing (attorney.Service.Poll).
type mchdPollArgs struct{}

func (mchdPollArgs) Kind() string { return "mchd_poll" }

// powerOfAttorneyService builds the МЧД service serve wires into the API: the head's signature check of
// --mchd-trust-roots (or the demo's stand-in roots), the registry and, under --demo, the demo heads' signer
// (without it "sign as head" does not exist).
func powerOfAttorneyService(ctx context.Context, c *serveConfig, db *storage.DB, clk clock.Clock, auths *authorities,
	registry mchd.Registry, bill *billing.Service, stdout io.Writer) (*attorney.Service, error) {
	checker, err := headSignatureChecker(ctx, c, auths, clk)
	if err != nil {
		return nil, err
	}
	svc := &attorney.Service{DB: db, Clock: clk, Registry: registry, Checker: checker, Billing: bill}
	if !c.Demo {
		return svc, nil
	}
	fns, ok := auths.state[rules.AuthorityFNS].(*ca.Builtin)
	path := filepath.Join(c.Data, demo.HeadKeysFile)
	if _, err := os.Stat(path); !ok || err != nil {
		fmt.Fprintln(stdout, "demo: no demo heads' keys: signing as the head is not available")
		return svc, nil
	}
	signer, err := demo.OpenHeadSigner(db, clk, fns, path)
	if err != nil {
		return nil, fmt.Errorf("demo heads' signer: %w", err)
	}
	svc.Demo = signer
	return svc, nil
}

// registerPoAPoll makes the queue poll the registry every mchdPollEvery, once across replicas; Poll's
// versioned saves make a repeated or concurrent run harmless.
func registerPoAPoll(q *jobs.Queue, poa *attorney.Service, log *slog.Logger) error {
	err := jobs.RegisterFunc(q, func(ctx context.Context, _ *jobs.Job[mchdPollArgs]) error {
		res, err := poa.Poll(ctx)
		if n := res.Registered + res.Rejected + res.Expired + res.Revoked; n > 0 {
			log.Info("powers of attorney followed in the registry", "registered", res.Registered, "rejected", res.Rejected,
				"expired", res.Expired, "revoked", res.Revoked)
		}
		if err != nil {
			return fmt.Errorf("poll the МЧД registry: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.Every(mchdPollEvery, func() jobs.Args { return mchdPollArgs{} }, true)
}
