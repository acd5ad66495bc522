package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// dbConfig says where the database is.
type dbConfig struct {
	Data string // folder for the SQLite file (and demo files)
	DB   string // postgres:// URL; empty means SQLite in Data
}

// serveConfig is everything "kcr serve" takes.
type serveConfig struct {
	dbConfig
	Addr          string
	Demo          bool
	SecureCookies bool
	PublicURL     string
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func envBool(getenv func(string) string, key string) (bool, error) {
	v := getenv(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, usageError{fmt.Sprintf("%s=%q: must be true or false", key, v)}
	}
	return b, nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kcr "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func (c *dbConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.Data, "data", envOr(getenv, "KCR_DATA", "./data"), "data folder holding the SQLite database (env KCR_DATA)")
	fs.StringVar(&c.DB, "db", getenv("KCR_DB"), "PostgreSQL URL postgres://…; empty for SQLite in the data folder (env KCR_DB)")
}

func (c *dbConfig) validate() error {
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return usageError{"--db must be a postgres:// or postgresql:// URL (leave it empty for SQLite)"}
	}
	if strings.TrimSpace(c.Data) == "" {
		return usageError{"--data must name a folder"}
	}
	return nil
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (*serveConfig, error) {
	c := &serveConfig{}
	fs := newFlagSet("serve", stderr)
	c.register(fs, getenv)
	demo, err := envBool(getenv, "KCR_DEMO")
	if err != nil {
		return nil, err
	}
	secure, err := envBool(getenv, "KCR_SECURE_COOKIES")
	if err != nil {
		return nil, err
	}
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "KCR_ADDR", "127.0.0.1:8080"), "listen address host:port (env KCR_ADDR)")
	fs.BoolVar(&c.Demo, "demo", demo, "load demo data into an empty database (env KCR_DEMO)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "mark session cookies Secure, for HTTPS deployments (env KCR_SECURE_COOKIES)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--addr %q must be host:port, e.g. 127.0.0.1:8080", c.Addr)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return nil, usageError{fmt.Sprintf("--addr %q: the port must be a number from 0 to 65535", c.Addr)}
	}
	return c, nil
}

// parseFlags parses and turns a bad flag into a usage error (exit 2); the flag package has already printed
// the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{err.Error()}
	}
	return err
}

func parseDBOnly(name string, args []string, stderr io.Writer, getenv func(string) string) (*dbConfig, error) {
	c := &dbConfig{}
	fs := newFlagSet(name, stderr)
	c.register(fs, getenv)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return c, c.validate()
}
