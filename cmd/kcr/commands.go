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
	"strings"
	"sync"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/api"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/demo"
	"github.com/kcr-project/kcr/internal/edge"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/web"
	"github.com/kcr-project/kcr/internal/webhook"
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
	if err := migrateJobs(ctx, db, log); err != nil {
		db.Close()
		return nil, err
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
	cas, err := startCA(ctx, c, db, clk, stdout)
	if err != nil {
		return err
	}
	acc := &access.Service{DB: db, Clock: clk, Limits: c.Limits}
	// Background loops and the job queue stop with the server. The last-use flusher stops only after the HTTP
	// server's shutdown, since requests still finishing note uses it must write. Whichever way cmdServe
	// returns, the deferred shutdown waits for all of them, then chains the last audit events, before the
	// database closes.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	lastUseCtx, stopLastUse := context.WithCancel(context.WithoutCancel(ctx))
	lastUseDone := make(chan struct{})
	var queue serveQueue
	go func() {
		defer close(lastUseDone)
		acc.RecordLastUse(lastUseCtx, access.LastUseInterval, func(err error) { log.Error("record API key last use", "err", err) })
	}()
	defer func() {
		stopJobs()
		jobs.Wait()
		queue.stop(ctx, log)
		stopLastUse()
		<-lastUseDone
		// Chain what the last requests and jobs wrote, so that the log and the feed do not wait for another replica.
		finalCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := db.SequenceAudit(finalCtx); err != nil {
			log.Error("chain audit events", "err", err)
		}
	}()
	bill := &billing.Service{DB: db, Clock: clk, Timeline: c.Timeline}
	reg := &registration.Service{DB: db, Clock: clk, Billing: bill}
	if c.Seller.Name == "" {
		fmt.Fprintln(stdout, "no --seller: invoices and acts cannot be printed until the operator's requisites are configured")
	}
	sealer, err := webhookSealer(&c.webhookConfig, c.Data)
	if err != nil {
		return err
	}
	hooks := &webhook.Service{DB: db, Clock: clk, Sealer: sealer, Log: log, AllowLocalhost: c.WebhookAllowLocalhost || c.Demo}
	srv := &api.Server{DB: db, Access: acc, Reg: reg, Clock: clk, Log: log, SecureCookies: c.SecureCookies, Billing: bill,
		Seller: c.Seller, MetricsToken: c.MetricsToken, Webhooks: hooks}
	reg.StateCAs, reg.Timeline = cas.state, c.Timeline
	if cas.own != nil {
		reg.CA = cas.own
	}
	if len(cas.set) > 0 {
		srv.PKI = cas.set
	}
	if c.Demo {
		if err := loadDemo(ctx, c, db, acc, reg, stdout); err != nil {
			return err
		}
	}
	notifier, planner := newNotify(c, db, clk, log)
	fmt.Fprintln(stdout, describeSMTP(&c.notifyConfig))
	mailings := newMailings(c, db, notifier)
	// The reissue metrics report the mailings' reach and the days from the first expiry reminder to the reissue.
	met := &metrics.Service{Store: db, Clock: clk, Timeline: c.Timeline, Reminders: db, Mailings: mailings}
	srv.Mailings, srv.Metrics = mailings, met
	queue.register = append(queue.register, notifyJobs(notifier, planner, log), mailingJobs(mailings))
	// After the demo: its backdated certificates left lines in ended periods, which close at once, and
	// intents that would look stale at once.
	registry, err := mchdRegistry(ctx, c, db, cas, clk, log)
	if err != nil {
		return err
	}
	poa, err := powerOfAttorneyService(ctx, c, db, clk, cas, registry, bill, stdout)
	if err != nil {
		return err
	}
	srv.PoA = poa
	if err := queue.start(ctx, c, db, clk, bill, reg, cas.set, poa, log, hooks.Register); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	jobs.Go(func() { sequenceAudit(jobsCtx, db, log) })
	jobs.Go(func() { hooks.Run(jobsCtx, webhookInterval) })
	// The web interface and the API share one listener: the UI's routes (/login, /logout, /ui/, /static/)
	// first, everything else to the API.
	ui := &web.Handler{Access: acc, Reg: reg, Billing: bill, Log: log, SecureCookies: c.SecureCookies, Seller: c.Seller, Webhooks: hooks, PoA: srv.PoA,
		Notify: notifier, Mailings: mailings, Metrics: met}
	if len(cas.set) > 0 {
		ui.Chain = cas.set.Chain
	}
	if srv.PoA != nil {
		// A dismissal records an offer to revoke the employee's powers of attorney (attorney.OnDismissed).
		reg.OnDismissed = srv.PoA.OnDismissed
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	mux.Handle("/registry/mchd/", registry.Handler()) // public, like OCSP: relying parties check a МЧД there
	mux.Handle("/unsubscribe", notifier.UnsubscribeHandler())
	mux.Handle("/", srv.Handler())
	adm := edge.Admission{Max: c.MaxActive, Wait: c.AdmitWait, Bypass: publicRequest}
	handler := adm.Handler(mux, func(w http.ResponseWriter, r *http.Request, err error) {
		if webRequest(r) {
			ui.Refuse(w, r, err)
			return
		}
		srv.Refuse(w, r, err)
	})
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	fmt.Fprintf(stdout, "kcr listening on http://%s (database: %s)\n", ln.Addr(), db.Dialect())
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if c.MetricsAddr != "" {
		mln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return err
		}
		defer mln.Close()
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		defer ms.Close()
		fmt.Fprintf(stdout, "kcr metrics on http://%s/metrics\n", mln.Addr())
		go func() { errc <- ms.Serve(mln) }()
	}
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

// webhookInterval is how often new feed events become webhook deliveries and due deliveries are attempted.
const webhookInterval = 2 * time.Second

// auditSequenceInterval is how soon an audit event written on PostgreSQL is chained and its feed event
// published, at the latest, while no reader asks for them sooner.
const auditSequenceInterval = 200 * time.Millisecond

// sequenceAudit chains audit events periodically (PostgreSQL: see storage.SequenceAudit); replicas that find
// another one chaining skip their turn. On SQLite events are chained as they are written and it returns.
func sequenceAudit(ctx context.Context, db *storage.DB, log *slog.Logger) {
	if db.Dialect() != storage.Postgres {
		return
	}
	t := time.NewTicker(auditSequenceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := db.TrySequenceAudit(ctx); err != nil && ctx.Err() == nil {
			log.Error("chain audit events", "err", err)
		}
	}
}

func cmdBillingClose(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := &dbConfig{}
	var period string
	fs := billingCloseFlags(c, &period, stderr, getenv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	if period == "" {
		return usageError{"--period YYYY-MM is required"}
	}
	clk := clock.Real{}
	db, err := openMigrated(ctx, c, clk, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	b := &billing.Service{DB: db, Clock: clk}
	n, err := b.CloseAll(ctx, &access.Principal{Actor: "system:billing-close", Name: "kcr billing close", Role: model.RoleOperator}, period)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "period %s closed: %d invoices\n", period, n)
	return nil
}

// demoPassphraseFile holds the CA passphrase the demo generated, for the next start.
const demoPassphraseFile = "ca-passphrase"

// standIns are the built-in instances that play the state CAs, with the real authorities' requisites.
var standIns = demo.StandIns

// authorities are the CAs one kcr server works with.
type authorities struct {
	own   *ca.Builtin // kcr's CA; nil when not initialized
	state map[rules.Authority]ca.Issuer
	set   ca.Set // every instance, for the public endpoints
}

// startCA loads the built-in CA and any state-CA stand-ins, or with --demo creates them (and the
// passphrase) on first start. Without a CA kcr still serves; the issue step answers that issuing is
// unavailable.
func startCA(ctx context.Context, c *serveConfig, db *storage.DB, clk clock.Clock, stdout io.Writer) (*authorities, error) {
	out := &authorities{state: map[rules.Authority]ca.Issuer{}}
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
			return out, nil
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
		opt := ca.InitOptions{} // the demonstration operator's requisites, unless the operator's are given
		if c.SellerFile != "" {
			if opt, err = operatorOptions(c.SellerFile, ""); err != nil {
				return nil, err
			}
		}
		if _, err := ca.Init(ctx, db, clk, c.profile(), c.BaseURL, pass, opt); err != nil {
			return nil, fmt.Errorf("initialize the demo CA: %w", err)
		}
		for _, si := range standIns {
			if _, err := ca.Init(ctx, db, clk, c.profile(), c.BaseURL, pass, si.Options); err != nil {
				return nil, fmt.Errorf("initialize the %s stand-in: %w", si.Options.Prefix, err)
			}
		}
		fmt.Fprintln(stdout, "demo: created the built-in GOST CA (kcr-root, kcr-ca) and stand-ins for the state CAs (fns, treasury, cbr)")
	} else if pass == nil {
		demoPass := filepath.Join(c.Data, demoPassphraseFile)
		if _, err := os.Stat(demoPass); err == nil {
			// A demo folder started without --demo: say where the demo keeps its passphrase.
			return nil, fmt.Errorf("the CA is initialized but its passphrase is not given: this data folder was made by "+
				"kcr serve --demo, whose CA passphrase is in %s; start with --demo again, or give --ca-passphrase-file %s", demoPass, demoPass)
		}
		return nil, fmt.Errorf("the CA is initialized but its passphrase is not given: set KCR_CA_PASSPHRASE or --ca-passphrase-file")
	}
	own, err := ca.Load(ctx, db, clk, c.profile(), c.BaseURL, pass)
	switch {
	case errors.Is(err, ca.ErrNotInitialized):
	case err != nil:
		return nil, err
	default:
		out.own = own
		out.set = append(out.set, own)
		fmt.Fprintf(stdout, "CA %s loaded; certificates point at %s\n", ca.IssuingName, c.BaseURL)
	}
	for _, si := range standIns {
		b, err := ca.LoadPrefix(ctx, db, clk, c.profile(), c.BaseURL, pass, si.Options.Prefix)
		if errors.Is(err, ca.ErrNotInitialized) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.state[si.Authority] = b
		out.set = append(out.set, b)
		fmt.Fprintf(stdout, "stand-in for %s loaded (%s)\n", rules.AuthorityTitle(si.Authority), b.IssuingName())
	}
	return out, nil
}

func cmdCarryOver(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := &dbConfig{}
	var tl timelineConfig
	fs := carryOverFlags(c, &tl, stderr, getenv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	if err := tl.validate(); err != nil {
		return err
	}
	clk := clock.Real{}
	db, err := openMigrated(ctx, c, clk, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := &registration.Service{DB: db, Clock: clk, Timeline: tl.Timeline}
	n, err := reg.CarryOverAll(ctx, &access.Principal{Actor: "system:carry-over", Name: "kcr applications carry-over",
		Role: model.RoleOperator})
	if err != nil {
		return fmt.Errorf("%d applications converted, then: %w", n, err)
	}
	fmt.Fprintf(stdout, "%d legal_entity_employee applications now continue as individual applications\n", n)
	return nil
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
	opt := ca.InitOptions{}
	switch {
	case c.StandIn != "":
		found := false
		for _, si := range standIns {
			if string(si.Authority) == c.StandIn {
				opt, found = si.Options, true
			}
		}
		if !found {
			return usageError{fmt.Sprintf("--stand-in %q: must be fns, treasury or bank_of_russia", c.StandIn)}
		}
	case c.Seller != "":
		if opt, err = operatorOptions(c.Seller, c.Region); err != nil {
			return err
		}
	}
	opt.RootParamSet, opt.IssuingParamSet = c.RootParamSet, c.IssuingParamSet
	b, err := ca.Init(ctx, db, clk, c.profile(), c.BaseURL, pass, opt)
	if err != nil {
		return err
	}
	for _, name := range []string{b.RootName(), b.IssuingName()} {
		der, _ := b.Certificate(name)
		fmt.Fprintf(stdout, "created %s (certificate %s, served at %s/ca/%s.crt)\n", name, ca.Fingerprint(der), c.BaseURL, name)
	}
	return nil
}

// demoLoginsFile keeps the demo's logins and passwords in the data folder, so a restart can print them again.
const demoLoginsFile = "demo-logins.txt"

func loadDemo(ctx context.Context, c *serveConfig, db *storage.DB, acc *access.Service, reg *registration.Service, stdout io.Writer) error {
	res, err := demo.Load(ctx, db, acc, reg, uint64(time.Now().UnixNano()))
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	loginsFile := filepath.Join(c.Data, demoLoginsFile)
	keyFile := filepath.Join(c.Data, "demo-api-key")
	if res == nil {
		fmt.Fprintln(stdout, "demo: the database already has data; nothing loaded")
		logins, err := os.ReadFile(loginsFile)
		if err != nil {
			fmt.Fprintf(stdout, "demo: the logins were printed at the first start and kept in %s, which cannot be read (%v)\n",
				loginsFile, err)
			return nil
		}
		fmt.Fprintf(stdout, "demo users (login / password / role, from %s):\n%s", loginsFile, logins)
		fmt.Fprintf(stdout, "demo API key: in %s\n", keyFile)
		return nil
	}
	fmt.Fprintf(stdout, "demo: loaded %d organizations, %d employees, %d applications\n", res.Organizations, res.Employees, res.Applications)
	var logins strings.Builder
	for _, u := range res.Users {
		fmt.Fprintf(&logins, "  %-16s %-22s %s\n", u.Login, u.Password, u.Role)
	}
	fmt.Fprintf(stdout, "demo users (login / password / role, also in %s):\n%s", loginsFile, logins.String())
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return err
	}
	// The demo's passwords stay beside its CA passphrase and API key, readable by the owner only.
	if err := os.WriteFile(loginsFile, []byte(logins.String()), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", loginsFile, err)
	}
	if err := os.WriteFile(keyFile, []byte(res.APIKey+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", keyFile, err)
	}
	fmt.Fprintf(stdout, "demo API key (account-wide, also in %s):\n  %s\n", keyFile, res.APIKey)
	if len(res.HeadKeys) > 0 {
		// The keys of the demo heads' certificates, for signing powers of attorney as the head in the demo.
		headKeys := filepath.Join(c.Data, demo.HeadKeysFile)
		if err := demo.WriteHeadKeys(headKeys, res.HeadKeys); err != nil {
			return fmt.Errorf("write %s: %w", headKeys, err)
		}
		fmt.Fprintf(stdout, "demo: the heads of %d organizations can sign as heads (keys in %s)\n", len(res.HeadKeys), headKeys)
	}
	return nil
}

// publicRequest reports whether r is one of the cheap public answers that relying parties fetch (OCSP, CRLs,
// CA certificates, the МЧД status page) or a health or static-file request: none of them waits behind the
// admission bound.
func publicRequest(r *http.Request) bool {
	p := r.URL.Path
	return p == "/ocsp" || p == "/healthz" || p == "/metrics" || strings.HasPrefix(p, "/ocsp/") || strings.HasPrefix(p, "/crl/") ||
		strings.HasPrefix(p, "/ca/") || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/registry/mchd/")
}

// webRequest reports whether r belongs to the web interface, whose refusals are pages, not problem documents.
func webRequest(r *http.Request) bool {
	p := r.URL.Path
	return p == "/login" || p == "/logout" || strings.HasPrefix(p, "/ui/")
}
