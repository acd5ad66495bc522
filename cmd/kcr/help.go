package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The help is generated from the commands' flag definitions, so a flag added to a command shows up in
// "kcr help" and "kcr <command> --help" with its environment variable, and cannot be left out.

// command is a subcommand as the help lists it.
type command struct {
	name    string // "serve", "ca init"
	summary string
	// flags defines the command's flags on a fresh configuration, their defaults from getenv.
	flags func(stderr io.Writer, getenv func(string) string) (*flag.FlagSet, error)
}

// commands are the subcommands in the order the help lists them.
var commands = []command{
	{"serve", "run the server (API, web interface, CA endpoints, background jobs)",
		func(w io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
			return serveFlags(&serveConfig{}, w, getenv)
		}},
	{"migrate", "apply database migrations", dbFlags("migrate")},
	{"audit verify", "check the audit log's hash chain", dbFlags("audit verify")},
	{"applications carry-over", "turn unfinished legal_entity_employee applications into individual ones (after the employees cutoff)",
		func(w io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
			return carryOverFlags(&dbConfig{}, &timelineConfig{}, w, getenv), nil
		}},
	{"billing close", "close a period for every account: one invoice per payer, or one consolidated invoice per account",
		func(w io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
			var period string
			return billingCloseFlags(&dbConfig{}, &period, w, getenv), nil
		}},
	{"ca init", "create the built-in GOST CA (or a stand-in for a state CA)",
		func(w io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
			return caInitFlags(&caInitConfig{}, w, getenv)
		}},
}

// envOnly are the variables with no flag: secrets, which a flag would show in the process list.
var envOnly = []struct{ name, usage string }{
	{"KCR_CA_PASSPHRASE", "the passphrase of the CA keys, instead of --ca-passphrase-file (serve, ca init)"},
	{"KCR_METRICS_TOKEN", "serve /metrics on --addr to callers sending this bearer token, at least 16 characters (serve)"},
}

// cliOnly are the flags without an environment variable: one-off choices of a single run.
var cliOnly = map[string]bool{"billing close --period": true, "ca init --root-paramset": true, "ca init --issuing-paramset": true,
	"ca init --stand-in": true, "ca init --region": true}

func dbFlags(name string) func(io.Writer, func(string) string) (*flag.FlagSet, error) {
	return func(w io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
		fs := newFlagSet(name, w)
		(&dbConfig{}).register(fs, getenv)
		return fs, nil
	}
}

// billingCloseFlags defines the flags of kcr billing close.
func billingCloseFlags(c *dbConfig, period *string, stderr io.Writer, getenv func(string) string) *flag.FlagSet {
	fs := newFlagSet("billing close", stderr)
	c.register(fs, getenv)
	fs.StringVar(period, "period", "", "the period to close, YYYY-MM: its first month (Moscow time)")
	return fs
}

// carryOverFlags defines the flags of kcr applications carry-over.
func carryOverFlags(c *dbConfig, tl *timelineConfig, stderr io.Writer, getenv func(string) string) *flag.FlagSet {
	fs := newFlagSet("applications carry-over", stderr)
	c.register(fs, getenv)
	tl.register(fs, getenv)
	return fs
}

// envRE finds the environment variable a flag's usage names: "(env KCR_ADDR)", "(env KCR_X; default …)".
var envRE = regexp.MustCompile(`\(env (KCR_[A-Z0-9_]+)`)

// flagEnv is the environment variable of a flag, "" for none.
func flagEnv(f *flag.Flag) string {
	if m := envRE.FindStringSubmatch(f.Usage); m != nil {
		return m[1]
	}
	return ""
}

// noEnv is the help's getenv: defaults shown are the built-in ones, not this shell's.
func noEnv(string) string { return "" }

// writeFlags lists a flag set's flags: name, value, usage with its environment variable, built-in default.
func writeFlags(w io.Writer, fs *flag.FlagSet, command string) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		if flagEnv(f) == "" && cliOnly[command+" --"+f.Name] {
			usage += " (command line only)"
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			usage += fmt.Sprintf(" [default %s]", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, usage)
	})
}

// commandHelp writes one command's help: how to call it and its flags.
func commandHelp(w io.Writer, fs *flag.FlagSet, name string) {
	fmt.Fprintf(w, "Usage: kcr %s [flags]\n\nFlags (a flag wins over its environment variable):\n", name)
	writeFlags(w, fs, name)
}

// usage is the short help printed on a mistake.
func usage() string {
	var b strings.Builder
	b.WriteString("kcr — corporate registration center for qualified e-signature certificates\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  kcr %-24s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun \"kcr help\" for every flag and environment variable, \"kcr <command> --help\" for one command's.\n")
	return b.String()
}

// fullHelp is "kcr help": every command with its flags and their environment variables, and the
// variables that have no flag.
func fullHelp() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(usage(), "\n"+`Run "kcr help" for every flag and environment variable, "kcr <command> --help" for one command's.`+"\n"))
	b.WriteString("\nEvery flag but those marked \"command line only\" can also be set by the environment variable named\nbeside it; a flag wins over the environment.\n")
	for _, c := range commands {
		fs, err := c.flags(io.Discard, noEnv)
		if err != nil {
			continue // the built-in defaults always register; an error here would be a programming slip
		}
		fmt.Fprintf(&b, "\nkcr %s:\n", c.name)
		writeFlags(&b, fs, c.name)
	}
	b.WriteString("\nEnvironment variables without a flag:\n")
	for _, e := range envOnly {
		fmt.Fprintf(&b, "  %s\n      %s\n", e.name, e.usage)
	}
	return b.String()
}
