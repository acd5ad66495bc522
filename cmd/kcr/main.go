// Command kcr runs the corporate registration center: the API server, database migrations and audit
// checks. Run "kcr help" for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `kcr — corporate registration center for qualified e-signature certificates

Usage:
  kcr serve   [--addr host:port] [--data dir] [--db postgres://…] [--demo]   run the server
  kcr migrate [--data dir] [--db postgres://…]                              apply database migrations
  kcr audit verify [--data dir] [--db postgres://…]                         check the audit log's hash chain
  kcr applications carry-over [--data dir] [--db postgres://…]              turn unfinished legal_entity_employee
                                                                            applications into individual ones (after 2023-09-01)
  kcr billing close --period YYYY-MM                                        one invoice per payer for the month
  kcr ca init [--root-paramset tc26-512-A] [--issuing-paramset tc26-256-A] [--base-url url]
                                                                            create the built-in GOST CA

Every flag can also be set by environment: KCR_ADDR, KCR_DATA, KCR_DB, KCR_DEMO, KCR_SECURE_COOKIES,
KCR_BASE_URL, KCR_CA_PASSPHRASE_FILE, KCR_CERT_VALIDITY_MONTHS, KCR_KEY_USAGE_MONTHS, KCR_LOGIN_HASHES,
KCR_LOGIN_FAILURES, KCR_LOGIN_ADDRESS_FAILURES, KCR_TOKEN_FAILURES, KCR_LOGIN_WINDOW, KCR_LOGIN_LOCKOUT,
KCR_TRUSTED_PROXIES; the CA key
passphrase itself may be given in KCR_CA_PASSPHRASE.
A flag wins over the environment.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run dispatches a subcommand and returns the process exit code: 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr, getenv)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "ca":
		if len(args) < 2 || args[1] != "init" {
			fmt.Fprint(stderr, "usage: kcr ca init [--data dir] [--db url] [--root-paramset name] [--issuing-paramset name] [--base-url url] [--ca-passphrase-file file]\n")
			return 2
		}
		err = cmdCAInit(ctx, args[2:], stdout, stderr, getenv)
	case "applications":
		if len(args) < 2 || args[1] != "carry-over" {
			fmt.Fprint(stderr, "usage: kcr applications carry-over [--data dir] [--db url]\n")
			return 2
		}
		err = cmdCarryOver(ctx, args[2:], stdout, stderr, getenv)
	case "billing":
		if len(args) < 2 || args[1] != "close" {
			fmt.Fprint(stderr, "usage: kcr billing close --period YYYY-MM [--data dir] [--db url]\n")
			return 2
		}
		err = cmdBillingClose(ctx, args[2:], stdout, stderr, getenv)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprint(stderr, "usage: kcr audit verify [--data dir] [--db url]\n")
			return 2
		}
		err = cmdAuditVerify(ctx, args[2:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kcr: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "kcr %s: %v\n", args[0], err)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "kcr %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a configuration mistake by the person running kcr.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
