package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/demo"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/storage"
)

// openMigrated opens the database and brings its schema up to date, refusing a newer one.
func openMigrated(ctx context.Context, c *dbConfig, clk clock.Clock, log io.Writer) (*storage.DB, error) {
	db, err := storage.Open(ctx, c.DB, c.Data)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx, clk.Now)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		fmt.Fprintf(log, "applied migrations %v on %s\n", applied, db.Dialect())
	}
	return db, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseDBOnly("migrate", args, stderr, getenv)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, c, clock.Real{}, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema is at version %d\n", v)
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseDBOnly("audit verify", args, stderr, getenv)
	if err != nil {
		return err
	}
	db, err := storage.Open(ctx, c.DB, c.Data)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	var broken *audit.BrokenLink
	if errors.As(err, &broken) {
		return fmt.Errorf("%d events verified, then: %w", n, broken)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d events verified\n", n)
	return nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	clk := clock.Real{}
	db, err := openMigrated(ctx, &c.dbConfig, clk, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if c.BaseURL == "" {
		c.BaseURL = "http://" + ln.Addr().String()
	}
	builtin, err := startCA(ctx, c, db, clk, stdout)
	if err != nil {
		return err
	}
	acc := &access.Service{DB: db, Clock: clk}
	reg := &registration.Service{DB: db, Clock: clk}
	srv := &api.Server{DB: db, Access: acc, Reg: reg, Clock: clk, Log: log, SecureCookies: c.SecureCookies}
	if builtin != nil {
		reg.CA, srv.PKI = builtin, builtin
		go refreshCRLs(ctx, builtin, log)
	}
	if c.Demo {
		if err := loadDemo(ctx, c, db, acc, reg, stdout); err != nil {
			return err
		}
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Fprintf(stdout, "kcr listening on http://%s (database: %s)\n", ln.Addr(), db.Dialect())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	fmt.Fprintln(stdout, "kcr shutting down")
	return hs.Shutdown(shutdownCtx)
}

// demoPassphraseFile holds the CA passphrase the demo generated, for the next start.
const demoPassphraseFile = "ca-passphrase"

// startCA loads the built-in CA, or with --demo creates it (and its passphrase) on first start. Without a
// CA kcr still serves; the issue step answers that issuing is unavailable.
func startCA(ctx context.Context, c *serveConfig, db *storage.DB, clk clock.Clock, stdout io.Writer) (*ca.Builtin, error) {
	fallback := ""
	if c.Demo {
		fallback = filepath.Join(c.Data, demoPassphraseFile)
	}
	pass, err := c.passphrase(fallback)
	if err != nil {
		return nil, err
	}
	existing, err := db.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	if len(existing) == 0 {
		if !c.Demo {
			fmt.Fprintln(stdout, "no CA: run kcr ca init to issue certificates (applications stop at approved until then)")
			return nil, nil
		}
		if pass == nil {
			secret := make([]byte, 18)
			if _, err := rand.Read(secret); err != nil {
				return nil, err
			}
			pass = []byte(base64.RawURLEncoding.EncodeToString(secret))
			if err := os.MkdirAll(c.Data, 0o700); err != nil {
				return nil, err
			}
			if err := os.WriteFile(fallback, append(pass, '\n'), 0o600); err != nil {
				return nil, err
			}
			fmt.Fprintf(stdout, "demo: CA key passphrase written to %s\n", fallback)
		}
		b, err := ca.Init(ctx, db, clk, c.profile(), c.BaseURL, pass, ca.InitOptions{})
		if err != nil {
			return nil, fmt.Errorf("initialize the demo CA: %w", err)
		}
		fmt.Fprintf(stdout, "demo: created the built-in GOST CA (%s, %s)\n", ca.RootName, ca.IssuingName)
		return b, nil
	}
	if pass == nil {
		return nil, fmt.Errorf("the CA is initialized but its passphrase is not given: set KCR_CA_PASSPHRASE or --ca-passphrase-file")
	}
	b, err := ca.Load(ctx, db, clk, c.profile(), c.BaseURL, pass)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "CA %s loaded; certificates point at %s\n", ca.IssuingName, c.BaseURL)
	return b, nil
}

// refreshCRLs republishes stale CRLs in the background, so that a CRL is fresh even when nobody asks.
func refreshCRLs(ctx context.Context, b *ca.Builtin, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		for _, name := range []string{ca.RootName, ca.IssuingName} {
			if _, err := b.CRL(ctx, name); err != nil && ctx.Err() == nil {
				log.Error("publish CRL", "authority", name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmdCAInit(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, err := parseCAInit(args, stderr, getenv)
	if err != nil {
		return err
	}
	pass, err := c.passphrase("")
	if err != nil {
		return err
	}
	if pass == nil {
		return usageError{"give the passphrase that encrypts the CA keys in KCR_CA_PASSPHRASE or --ca-passphrase-file"}
	}
	clk := clock.Real{}
	db, err := openMigrated(ctx, &c.dbConfig, clk, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := ca.Init(ctx, db, clk, c.profile(), c.BaseURL, pass, ca.InitOptions{RootParamSet: c.RootParamSet,
		IssuingParamSet: c.IssuingParamSet})
	if err != nil {
		return err
	}
	for _, name := range []string{ca.RootName, ca.IssuingName} {
		der, _ := b.Certificate(name)
		fmt.Fprintf(stdout, "created %s (certificate %s, served at %s/ca/%s.crt)\n", name, ca.Fingerprint(der), c.BaseURL, name)
	}
	return nil
}

func loadDemo(ctx context.Context, c *serveConfig, db *storage.DB, acc *access.Service, reg *registration.Service, stdout io.Writer) error {
	res, err := demo.Load(ctx, db, acc, reg, uint64(time.Now().UnixNano()))
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if res == nil {
		fmt.Fprintln(stdout, "demo: the database already has data; nothing loaded")
		return nil
	}
	fmt.Fprintf(stdout, "demo: loaded %d organizations, %d employees, %d applications\n", res.Organizations, res.Employees, res.Applications)
	fmt.Fprintln(stdout, "demo users (login / password / role):")
	for _, u := range res.Users {
		fmt.Fprintf(stdout, "  %-16s %-22s %s\n", u.Login, u.Password, u.Role)
	}
	keyFile := filepath.Join(c.Data, "demo-api-key")
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, []byte(res.APIKey+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	fmt.Fprintf(stdout, "demo API key (account-wide, also in %s):\n  %s\n", keyFile, res.APIKey)
	return nil
}
