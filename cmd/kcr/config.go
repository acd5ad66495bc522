package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// dbConfig says where the database is.
type dbConfig struct {
	Data string // folder for the SQLite file (and demo files)
	DB   string // postgres:// URL; empty means SQLite in Data
}

// caConfig says how to reach the CA's keys, where the CA's URLs point, and the profile's periods.
type caConfig struct {
	BaseURL        string // written into certificates: /ca, /crl and /ocsp live under it
	PassphraseFile string
	passphraseEnv  string
	ValidityMonths int
	KeyUsageMonths int
	// IssuerSignTool is issuerSignTool's four parts separated by "|": the CA's key tool, the CA tool and
	// their conformity certificates; "" keeps the demonstration values.
	IssuerSignTool string
}

// profile is the certificate profile with the configured periods and CA tools.
func (c *caConfig) profile() ca.Profile {
	p := ca.DefaultProfile()
	p.ValidityMonths, p.KeyUsageMonths = c.ValidityMonths, c.KeyUsageMonths
	if parts := strings.Split(c.IssuerSignTool, "|"); len(parts) == 4 {
		for i, s := range parts {
			p.IssuerSignTool[i] = strings.TrimSpace(s)
		}
	}
	return p
}

func envInt(getenv func(string) string, key string, def int) (int, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s=%q: must be a whole number", key, v)}
	}
	return n, nil
}

func (c *caConfig) register(fs *flag.FlagSet, getenv func(string) string) error {
	validity, err := envInt(getenv, "KCR_CERT_VALIDITY_MONTHS", 12)
	if err != nil {
		return err
	}
	keyUsage, err := envInt(getenv, "KCR_KEY_USAGE_MONTHS", 0)
	if err != nil {
		return err
	}
	fs.IntVar(&c.ValidityMonths, "cert-validity-months", validity, "validity of issued certificates, months (env KCR_CERT_VALIDITY_MONTHS)")
	fs.IntVar(&c.KeyUsageMonths, "key-usage-months", keyUsage, "private key usage period written into certificates, months; 0 means the certificate's validity (env KCR_KEY_USAGE_MONTHS)")
	fs.StringVar(&c.IssuerSignTool, "issuer-sign-tool", getenv("KCR_ISSUER_SIGN_TOOL"),
		"issuerSignTool written into certificates: \"key tool|CA tool|key tool's conformity certificate|CA tool's conformity certificate\" (env KCR_ISSUER_SIGN_TOOL)")
	fs.StringVar(&c.BaseURL, "base-url", getenv("KCR_BASE_URL"), "public base URL written into certificates (env KCR_BASE_URL; default http://<addr>)")
	fs.StringVar(&c.PassphraseFile, "ca-passphrase-file", getenv("KCR_CA_PASSPHRASE_FILE"),
		"file holding the passphrase of the CA keys (env KCR_CA_PASSPHRASE_FILE; or give it in KCR_CA_PASSPHRASE)")
	c.passphraseEnv = getenv("KCR_CA_PASSPHRASE")
	return nil
}

func (c *caConfig) validate() error {
	if c.ValidityMonths < 1 || c.ValidityMonths > 60 {
		return usageError{fmt.Sprintf("--cert-validity-months %d: must be from 1 to 60", c.ValidityMonths)}
	}
	if c.KeyUsageMonths != 0 && (c.KeyUsageMonths < c.ValidityMonths || c.KeyUsageMonths > 120) {
		return usageError{fmt.Sprintf("--key-usage-months %d: must be 0 (the validity) or from the validity (%d) to 120", c.KeyUsageMonths, c.ValidityMonths)}
	}
	if c.IssuerSignTool != "" {
		parts := strings.Split(c.IssuerSignTool, "|")
		ok := len(parts) == 4
		for i, s := range parts {
			max := 200
			if i >= 2 {
				max = 100
			}
			if n := len([]rune(strings.TrimSpace(s))); n == 0 || n > max {
				ok = false
			}
		}
		if !ok {
			return usageError{"--issuer-sign-tool: four parts separated by |, the tools up to 200 characters, their certificates up to 100"}
		}
	}
	if c.BaseURL == "" {
		return nil
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return usageError{fmt.Sprintf("--base-url %q must be an http:// or https:// URL without query, e.g. http://ca.example.ru", c.BaseURL)}
	}
	return nil
}

// passphrase returns the CA key passphrase from the file or the environment; fallback is read when
// neither is set (the demo's generated passphrase), and "" means none at all.
func (c *caConfig) passphrase(fallback string) ([]byte, error) {
	switch {
	case c.PassphraseFile != "":
		b, err := os.ReadFile(c.PassphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read the CA passphrase: %w", err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	case c.passphraseEnv != "":
		return []byte(c.passphraseEnv), nil
	case fallback != "":
		b, err := os.ReadFile(fallback)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	return nil, nil
}

// timelineConfig holds the legal cutoffs (DESIGN.md section 2), configurable because the law's dates are
// "verify" facts.
type timelineConfig struct {
	heads, bundle, employees, legacy string
	Timeline                         rules.Timeline
}

func (c *timelineConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	def := rules.DefaultTimeline()
	day := func(t time.Time) string { return t.In(rules.MSK).Format(time.DateOnly) }
	fs.StringVar(&c.heads, "cutoff-heads", envOr(getenv, "KCR_CUTOFF_HEADS", day(def.HeadsToStateCA)),
		"date heads and sole proprietors move to the state CAs (env KCR_CUTOFF_HEADS)")
	fs.StringVar(&c.bundle, "cutoff-bundle", envOr(getenv, "KCR_CUTOFF_BUNDLE", day(def.BundleFrom)),
		"date the free individual certificate starts coming with employee certificates (env KCR_CUTOFF_BUNDLE)")
	fs.StringVar(&c.employees, "cutoff-employees", envOr(getenv, "KCR_CUTOFF_EMPLOYEES", day(def.EmployeesIndividual)),
		"date employees get individual certificates only (env KCR_CUTOFF_EMPLOYEES)")
	fs.StringVar(&c.legacy, "cutoff-legacy", envOr(getenv, "KCR_CUTOFF_LEGACY", day(def.LegacyUnusable)),
		"date employee certificates with organization details stop signing for it (env KCR_CUTOFF_LEGACY)")
}

func (c *timelineConfig) validate() error {
	for _, f := range []struct {
		flag, v string
		to      *time.Time
	}{{"--cutoff-heads", c.heads, &c.Timeline.HeadsToStateCA}, {"--cutoff-bundle", c.bundle, &c.Timeline.BundleFrom},
		{"--cutoff-employees", c.employees, &c.Timeline.EmployeesIndividual}, {"--cutoff-legacy", c.legacy, &c.Timeline.LegacyUnusable}} {
		t, err := time.ParseInLocation(time.DateOnly, f.v, rules.MSK)
		if err != nil {
			return usageError{fmt.Sprintf("%s %q: must be a date as YYYY-MM-DD", f.flag, f.v)}
		}
		*f.to = t
	}
	if err := c.Timeline.Validate(); err != nil {
		return usageError{"the cutoff dates are out of order: " + err.Error()}
	}
	return nil
}

// serveConfig is everything "kcr serve" takes.
type serveConfig struct {
	dbConfig
	caConfig
	timelineConfig
	limitsConfig
	webhookConfig
	notifyConfig
	Addr          string
	Demo          bool
	SecureCookies bool
	// MetricsAddr is a separate listen address for /metrics; MetricsToken instead serves it on Addr to
	// callers sending the token. With neither, /metrics is not served.
	MetricsAddr  string
	MetricsToken string
	SellerFile   string         // the CA operator's requisites for invoices (JSON, see loadSeller)
	Seller       document.Party // from SellerFile; the demo's under --demo without it; none otherwise
	// IssueStaleAfter is how long an issuance may stay in flight before the reconciler finishes or abandons
	// it; ReconcileEvery is how often the reconciler looks.
	IssueStaleAfter, ReconcileEvery time.Duration
	// MaxActive bounds the API and web requests that run at once (0: no bound); a request over it waits up
	// to AdmitWait. OCSP, CRLs, CA certificates, /healthz and static files are never bounded.
	MaxActive int
	AdmitWait time.Duration
	// MCHDTrustRootsFile is the PEM file of the state CA certificates a head's signature of a МЧД must chain
	// to; MCHDTrustRoots are its certificates, read and checked at start-up.
	MCHDTrustRootsFile string
	MCHDTrustRoots     []*x509gost.Certificate
}

// defaultMaxActive is --max-active's default: enough requests at once to keep two cores and the database
// busy, few enough that the public PKI answers find a core free (see README "Load over HTTP").
const defaultMaxActive = 8

func envDuration(getenv func(string) string, key string, def time.Duration) (time.Duration, error) {
	v := getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s=%q: must be a duration such as 90s or 2m", key, v)}
	}
	return d, nil
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
	fs.Usage = func() { commandHelp(fs.Output(), fs, name) }
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

// serveFlags defines the flags of kcr serve on c, their defaults taken from the environment.
func serveFlags(c *serveConfig, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
	fs := newFlagSet("serve", stderr)
	c.dbConfig.register(fs, getenv)
	if err := c.caConfig.register(fs, getenv); err != nil {
		return nil, err
	}
	c.timelineConfig.register(fs, getenv)
	if err := c.limitsConfig.register(fs, getenv); err != nil {
		return nil, err
	}
	if err := c.webhookConfig.register(fs, getenv); err != nil {
		return nil, err
	}
	c.notifyConfig.register(fs, getenv)
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
	fs.StringVar(&c.MetricsAddr, "metrics-addr", getenv("KCR_METRICS_ADDR"),
		"separate listen address host:port for /metrics, reachable by the monitoring only (env KCR_METRICS_ADDR)")
	// The token comes from the environment only: a flag would show it in the process list.
	c.MetricsToken = getenv("KCR_METRICS_TOKEN")
	fs.StringVar(&c.SellerFile, "seller", getenv("KCR_SELLER_FILE"), "JSON file of the CA operator's requisites printed on invoices and acts (env KCR_SELLER_FILE)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "mark session cookies Secure, for HTTPS deployments (env KCR_SECURE_COOKIES)")
	stale, err := envDuration(getenv, "KCR_ISSUE_STALE_AFTER", registration.DefaultStaleAfter)
	if err != nil {
		return nil, err
	}
	every, err := envDuration(getenv, "KCR_RECONCILE_EVERY", time.Minute)
	if err != nil {
		return nil, err
	}
	fs.DurationVar(&c.IssueStaleAfter, "issue-stale-after", stale,
		"an issuance in flight this long was interrupted: the reconciler finishes or abandons it (env KCR_ISSUE_STALE_AFTER)")
	fs.DurationVar(&c.ReconcileEvery, "reconcile-every", every, "how often the reconciler looks for interrupted issuances (env KCR_RECONCILE_EVERY)")
	active, err := envInt(getenv, "KCR_MAX_ACTIVE", defaultMaxActive)
	if err != nil {
		return nil, err
	}
	wait, err := envDuration(getenv, "KCR_ADMIT_WAIT", 30*time.Second)
	if err != nil {
		return nil, err
	}
	fs.IntVar(&c.MaxActive, "max-active", active, "API and web requests run at once; more wait their turn, so that OCSP and CRL "+
		"answers never queue behind them; 0: no bound (env KCR_MAX_ACTIVE)")
	fs.DurationVar(&c.AdmitWait, "admit-wait", wait, "how long a request over --max-active waits before a 503 (env KCR_ADMIT_WAIT)")
	fs.StringVar(&c.MCHDTrustRootsFile, "mchd-trust-roots", getenv("KCR_MCHD_TRUST_ROOTS"), "PEM file of the state CA certificates "+
		"(ФНС, Treasury, Bank of Russia) a head's signature of a МЧД must chain to; with --demo and without it, the built-in "+
		"stand-ins' roots (env KCR_MCHD_TRUST_ROOTS)")
	return fs, nil
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (*serveConfig, error) {
	c := &serveConfig{}
	fs, err := serveFlags(c, stderr, getenv)
	if err != nil {
		return nil, err
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := c.dbConfig.validate(); err != nil {
		return nil, err
	}
	if err := c.caConfig.validate(); err != nil {
		return nil, err
	}
	if err := c.timelineConfig.validate(); err != nil {
		return nil, err
	}
	if err := c.notifyConfig.validate(); err != nil {
		return nil, err
	}
	if c.IssueStaleAfter < time.Second {
		return nil, usageError{fmt.Sprintf("--issue-stale-after %s: must be at least 1s, longer than an issuance takes", c.IssueStaleAfter)}
	}
	if c.ReconcileEvery < 100*time.Millisecond {
		return nil, usageError{fmt.Sprintf("--reconcile-every %s: must be at least 100ms", c.ReconcileEvery)}
	}
	if c.MaxActive < 0 {
		return nil, usageError{fmt.Sprintf("--max-active %d: must be 0 (no bound) or more", c.MaxActive)}
	}
	if c.MaxActive > 0 && c.AdmitWait < 100*time.Millisecond {
		return nil, usageError{fmt.Sprintf("--admit-wait %s: must be at least 100ms", c.AdmitWait)}
	}
	if err := c.limitsConfig.validate(); err != nil {
		return nil, err
	}
	switch {
	case c.SellerFile != "":
		if c.Seller, err = loadSeller(c.SellerFile); err != nil {
			return nil, err
		}
	case c.Demo:
		c.Seller = demoSeller
	}
	if c.MCHDTrustRootsFile != "" {
		if c.MCHDTrustRoots, err = loadMCHDTrustRoots(c.MCHDTrustRootsFile); err != nil {
			return nil, err
		}
	}
	if err := checkAddr("--addr", c.Addr); err != nil {
		return nil, err
	}
	if c.MetricsAddr != "" {
		if err := checkAddr("--metrics-addr", c.MetricsAddr); err != nil {
			return nil, err
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return nil, usageError{"KCR_METRICS_TOKEN must be at least 16 characters"}
	}
	return c, nil
}

func checkAddr(flag, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("%s %q must be host:port, e.g. 127.0.0.1:8080", flag, addr)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageError{fmt.Sprintf("%s %q: the port must be a number from 0 to 65535", flag, addr)}
	}
	return nil
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

// caInitConfig is what "kcr ca init" takes.
type caInitConfig struct {
	dbConfig
	caConfig
	RootParamSet, IssuingParamSet string
	StandIn                       string // creates a stand-in for a state CA instead of kcr's own
	Seller                        string // the operator's requisites file, whose ОГРН, ИНН and address name the CA
	Region                        string // the region's name for ST; the settlement of the address by default
}

// caInitFlags defines the flags of kcr ca init on c, their defaults taken from the environment.
func caInitFlags(c *caInitConfig, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, error) {
	fs := newFlagSet("ca init", stderr)
	c.dbConfig.register(fs, getenv)
	if err := c.caConfig.register(fs, getenv); err != nil {
		return nil, err
	}
	fs.StringVar(&c.RootParamSet, "root-paramset", "tc26-512-A", "GOST parameter set of the root key")
	fs.StringVar(&c.IssuingParamSet, "issuing-paramset", "tc26-256-A", "GOST parameter set of the issuing key")
	fs.StringVar(&c.StandIn, "stand-in", "", "create a built-in stand-in for a state CA instead: fns, treasury or bank_of_russia")
	fs.StringVar(&c.Seller, "seller", getenv("KCR_SELLER_FILE"), "JSON file of the CA operator's requisites (as kcr serve --seller): its name, ОГРН, ИНН and address name the CA (env KCR_SELLER_FILE; default: the demonstration operator)")
	fs.StringVar(&c.Region, "region", "", "the operator's region as ST names it after the code taken from the ИНН, e.g. \"Ивановская область\" (default: the settlement of the address)")
	return fs, nil
}

func parseCAInit(args []string, stderr io.Writer, getenv func(string) string) (*caInitConfig, error) {
	c := &caInitConfig{}
	fs, err := caInitFlags(c, stderr, getenv)
	if err != nil {
		return nil, err
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := c.dbConfig.validate(); err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://127.0.0.1:8080"
	}
	if c.StandIn != "" && c.Seller != "" {
		return nil, usageError{"--stand-in and --seller exclude each other: a stand-in has the state CA's requisites"}
	}
	return c, c.caConfig.validate()
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
