package main

import (
	"context"
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
	acc := &access.Service{DB: db, Clock: clk}
	reg := &registration.Service{DB: db, Clock: clk}
	if c.Demo {
		if err := loadDemo(ctx, c, db, acc, reg, stdout); err != nil {
			return err
		}
	}
	srv := &api.Server{DB: db, Access: acc, Reg: reg, Clock: clk, Log: log, SecureCookies: c.SecureCookies}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
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
