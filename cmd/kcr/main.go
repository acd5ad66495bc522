// Command kcr runs the corporate registration center: the API server, database migrations and audit
// checks. Run "kcr help" for the subcommands, their flags and environment variables.
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run dispatches a subcommand and returns the process exit code: 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
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
		fmt.Fprint(stdout, fullHelp())
		return 0
	default:
		fmt.Fprintf(stderr, "kcr: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0 // "kcr <command> --help": the flag set printed the command's help
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kcr %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "kcr %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a configuration mistake by the person running kcr.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
