// Command kcr-load drives kcr's whole registration path over HTTP with many concurrent clients and prints
// throughput and latency percentiles per request class.
//
// Each client creates an employee in one of the account's organizations, creates an individual application,
// submits it twice, verifies the identity, uploads a GOST request (from a pool made before the timed phase),
// approves and issues; between chains it reads (an application, a page of the certificate register), asks
// OCSP for an issued certificate and fetches the CRL, in the ratios of -mix; -wave-every adds a renewal wave
// (one long write) now and then. With -pg it samples pg_stat_activity for lock waits. It only ever talks to
// loopback addresses: this tool must never send load to another machine.
//
//	kcr-load -url http://127.0.0.1:8080 -key-file data/demo-api-key -clients 20 -duration 30s
//	kcr-load -url http://127.0.0.1:8081,http://127.0.0.1:8082 -key-file k -clients 50 -issuances 500 -pg postgres://…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is what one run takes, from the flags.
type config struct {
	URLs      []string      // base URLs without a trailing slash; clients spread round-robin over them
	Key       string        // API key
	Clients   int           // concurrent clients
	Duration  time.Duration // stop starting work after this long (0: unbounded by time)
	Issuances int           // issuance chains to run in all (0: unbounded by count)
	Mix       mix           // what each loop iteration does, by weight
	PG        string        // PostgreSQL URL to sample pg_stat_activity from; "" for none
	JSON      bool          // print the report as JSON
	CSRPool   int           // GOST requests to make before the timed phase
	Timeout   time.Duration // per HTTP request
	Retries   int           // retries of a 409 "in progress" or a 503, per request
	WaveEvery time.Duration // start a renewal wave (a long write) this often; 0: never
}

// mix weighs the operations a client picks between: one issuance chain, one authenticated read, one OCSP
// request, one CRL download.
type mix struct {
	Issue, Read, OCSP, CRL float64
}

func (m mix) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return "issue=" + f(m.Issue) + ",read=" + f(m.Read) + ",ocsp=" + f(m.OCSP) + ",crl=" + f(m.CRL)
}

// defaultMix is two reads, two OCSP requests and one CRL download per issuance chain.
var defaultMix = mix{Issue: 1, Read: 2, OCSP: 2, CRL: 1}

// maxIssuanceOnlyRun bounds a run given by -issuances alone, so that a server that stops answering cannot
// keep the tool running for ever.
const maxIssuanceOnlyRun = 30 * time.Minute

// parseMix reads "issue=1,read=2,ocsp=2,crl=1"; names left out keep their default weight.
func parseMix(s string) (mix, error) {
	m := defaultMix
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("-mix: %q is not name=weight", part)
		}
		w, err := strconv.ParseFloat(val, 64)
		if err != nil || w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
			return m, fmt.Errorf("-mix: the weight of %s must be a number ≥ 0, got %q", name, val)
		}
		switch name {
		case "issue":
			m.Issue = w
		case "read":
			m.Read = w
		case "ocsp":
			m.OCSP = w
		case "crl":
			m.CRL = w
		default:
			return m, fmt.Errorf("-mix: unknown class %q (issue, read, ocsp, crl)", name)
		}
	}
	if m.Issue+m.Read+m.OCSP+m.CRL == 0 {
		return m, errors.New("-mix: every weight is 0")
	}
	return m, nil
}

// checkLoopback refuses a URL whose host is not a loopback address ("localhost" counts; the dialer checks
// the resolved address again).
func checkLoopback(flagName string, u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%s: %q names no host", flagName, u.Redacted())
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s: %s is not a loopback address: kcr-load only loads this machine", flagName, host)
}

// parseBaseURL checks one -url entry and returns it without a trailing slash.
func parseBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("-url: %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("-url: %q must be an http:// or https:// base URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("-url: %q must be a bare base URL (no credentials, query or fragment)", raw)
	}
	if err := checkLoopback("-url", u); err != nil {
		return "", err
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkPGURL refuses a PostgreSQL URL that would reach another machine, by its host or a host parameter.
func checkPGURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("-pg: must be a postgres:// URL")
	}
	if err := checkLoopback("-pg", u); err != nil {
		return err
	}
	for _, h := range u.Query()["host"] {
		if strings.HasPrefix(h, "/") { // a Unix socket folder is local
			continue
		}
		if err := checkLoopback("-pg", &url.URL{Host: h}); err != nil {
			return err
		}
	}
	return nil
}

// parseConfig reads the flags; readFile reads -key-file.
func parseConfig(args []string, stderr io.Writer, readFile func(string) ([]byte, error)) (*config, error) {
	fs := flag.NewFlagSet("kcr-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("url", "http://127.0.0.1:8080", "base URL of kcr, or several comma-separated (replicas; clients spread round-robin); loopback only")
	key := fs.String("key", "", "API key (or -key-file)")
	keyFile := fs.String("key-file", "", "file holding the API key (kcr serve --demo writes data/demo-api-key)")
	c := &config{}
	fs.IntVar(&c.Clients, "clients", 1, "concurrent clients")
	fs.DurationVar(&c.Duration, "duration", 0, "run this long, then let running operations finish (default 30s unless -issuances is given)")
	fs.IntVar(&c.Issuances, "issuances", 0, "run this many issuance chains in all, then stop")
	mixFlag := fs.String("mix", defaultMix.String(), "weights of an issuance chain, an authenticated read, an OCSP request and a CRL download; names left out keep these")
	fs.StringVar(&c.PG, "pg", "", "PostgreSQL URL of kcr's database: sample pg_stat_activity every 100 ms and report the share of active backends waiting on a lock")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.IntVar(&c.CSRPool, "csr-pool", 0, "GOST requests to make before the timed phase (default: -issuances, or 40 per second of -duration plus 2 per client)")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "timeout of one HTTP request")
	fs.IntVar(&c.Retries, "retries", 5, `retries of a 409 "in progress" or a 503, per request`)
	fs.DurationVar(&c.WaveEvery, "wave-every", 0, "also start a renewal wave over every valid certificate this often (a long write transaction beside the clients; it creates reissue applications); 0: never")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for raw := range strings.SplitSeq(*urls, ",") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		u, err := parseBaseURL(raw)
		if err != nil {
			return nil, err
		}
		c.URLs = append(c.URLs, u)
	}
	if len(c.URLs) == 0 {
		return nil, errors.New("-url: give at least one base URL")
	}
	switch {
	case *key != "" && *keyFile != "":
		return nil, errors.New("give -key or -key-file, not both")
	case *key != "":
		c.Key = strings.TrimSpace(*key)
	case *keyFile != "":
		b, err := readFile(*keyFile)
		if err != nil {
			return nil, fmt.Errorf("-key-file: %w", err)
		}
		c.Key = strings.TrimSpace(string(b))
		if c.Key == "" {
			return nil, fmt.Errorf("-key-file: %s is empty", *keyFile)
		}
	default:
		return nil, errors.New("give the API key with -key or -key-file")
	}
	if c.Clients < 1 || c.Clients > 10000 {
		return nil, fmt.Errorf("-clients: must be 1 to 10000, got %d", c.Clients)
	}
	if c.Duration < 0 || c.Issuances < 0 || c.WaveEvery < 0 {
		return nil, errors.New("-duration, -issuances and -wave-every must not be negative")
	}
	var err error
	if c.Mix, err = parseMix(*mixFlag); err != nil {
		return nil, err
	}
	if c.Issuances > 0 && c.Mix.Issue == 0 {
		return nil, errors.New("-issuances needs a -mix with issue > 0")
	}
	if c.Duration == 0 && c.Issuances == 0 {
		c.Duration = 30 * time.Second
	}
	if c.PG != "" {
		if err := checkPGURL(c.PG); err != nil {
			return nil, err
		}
	}
	if c.Timeout <= 0 {
		return nil, errors.New("-timeout must be positive")
	}
	if c.Retries < 0 || c.Retries > 100 {
		return nil, fmt.Errorf("-retries: must be 0 to 100, got %d", c.Retries)
	}
	if c.CSRPool < 0 {
		return nil, errors.New("-csr-pool must not be negative")
	}
	if c.CSRPool == 0 && c.Mix.Issue > 0 {
		c.CSRPool = c.Issuances
		if c.CSRPool == 0 {
			c.CSRPool = 40*int(math.Ceil(c.Duration.Seconds())) + 2*c.Clients
		}
	}
	return c, nil
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Stderr, os.ReadFile)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kcr-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kcr-load:", err)
		os.Exit(1)
	}
	if cfg.JSON {
		err = rep.writeJSON(os.Stdout)
	} else {
		err = rep.writeTable(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kcr-load:", err)
		os.Exit(1)
	}
	if cfg.Mix.Issue > 0 && rep.Issued == 0 {
		fmt.Fprintln(os.Stderr, "kcr-load: no certificate was issued")
		os.Exit(1)
	}
}
