package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// issuingCA is the built-in CA that signs the certificates the chains issue; OCSP and CRL ask about it.
const issuingCA = "kcr-ca"

// maxBody bounds how much of an answer is read.
const maxBody = 8 << 20

// newHTTPClient returns a client that dials loopback addresses only, follows no redirect and uses no proxy,
// so that no request can leave this machine whatever a URL or an answer says.
func newHTTPClient(cfg *config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConns: 2 * cfg.Clients, MaxIdleConnsPerHost: cfg.Clients + 4,
		IdleConnTimeout: 90 * time.Second}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// pools are what the clients share: where to create employees, which applications to read and which
// certificates to ask OCSP about. They grow as chains issue.
type pools struct {
	mu   sync.Mutex
	orgs []string // organizations that take individual applications today
	apps []string // application ids, newest last, bounded
	ocsp []string // base64 OCSP requests (no nonce) for certificates of issuingCA, bounded
}

const poolCap = 2000

func (p *pools) add(list *[]string, v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(*list) >= poolCap {
		*list = slices.Delete(*list, 0, len(*list)/2)
	}
	*list = append(*list, v)
}

func (p *pools) pick(list *[]string, rng *rand.Rand) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(*list) == 0 {
		return "", false
	}
	return (*list)[rng.IntN(len(*list))], true
}

// runner is one run of the tool.
type runner struct {
	cfg    *config
	hc     *http.Client
	log    io.Writer
	pools  pools
	issuer *x509gost.Certificate // nil: no OCSP
	csrs   chan []byte           // PEM requests made before the timed phase

	stop    atomic.Bool
	claimed atomic.Int64 // issuance chains started (with -issuances)
	issued  atomic.Int64
	failed  atomic.Int64
	inline  atomic.Int64 // requests made during the timed phase because the pool ran out
}

// run prepares (checks the key on every URL, finds organizations, makes the request pool), then runs the
// clients until the duration is over or the issuances are done, and reports. Cancelling ctx stops the
// clients after their current operation.
func run(ctx context.Context, cfg *config, log io.Writer) (*report, error) {
	r := &runner{cfg: cfg, hc: newHTTPClient(cfg), log: log}
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	r.makeCSRs(ctx, cfg.CSRPool)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	var sampler *pgSampler
	if cfg.PG != "" {
		var err error
		if sampler, err = startPGSampler(ctx, cfg.PG); err != nil {
			return nil, err
		}
	}
	limit := cfg.Duration
	if limit == 0 {
		limit = maxIssuanceOnlyRun
	}
	fmt.Fprintf(log, "kcr-load: %d clients, %s\n", cfg.Clients, bound(cfg))
	start := time.Now()
	timer := time.AfterFunc(limit, func() { r.stop.Store(true) })
	defer timer.Stop()
	stopOnCancel := context.AfterFunc(ctx, func() { r.stop.Store(true) })
	defer stopOnCancel()

	recs := make([]recorder, cfg.Clients, cfg.Clients+1)
	var wg sync.WaitGroup
	seed := rand.Uint64()
	for i := range cfg.Clients {
		recs[i] = recorder{}
		wg.Go(func() { r.client(recs[i], rand.New(rand.NewPCG(seed, uint64(i))), cfg.URLs[i%len(cfg.URLs)]) })
	}
	if cfg.WaveEvery > 0 {
		rec := recorder{}
		recs = append(recs, rec)
		wg.Go(func() { r.waves(rec, cfg.URLs[0]) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	all := recorder{}
	for _, rec := range recs {
		all.merge(rec)
	}
	rep := &report{URLs: cfg.URLs, Clients: cfg.Clients, Mix: cfg.Mix.String(), ElapsedSeconds: round2(elapsed.Seconds()),
		Issued: int(r.issued.Load()), FailedChains: int(r.failed.Load()), CSRsInline: int(r.inline.Load()),
		Classes: buildReport(all, elapsed)}
	rep.IssuedPerSec = round2(float64(rep.Issued) / elapsed.Seconds())
	if sampler != nil {
		rep.LockWaits = sampler.finish()
	}
	return rep, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func bound(cfg *config) string {
	switch {
	case cfg.Issuances > 0 && cfg.Duration > 0:
		return fmt.Sprintf("%d issuance chains or %s, whichever comes first", cfg.Issuances, cfg.Duration)
	case cfg.Issuances > 0:
		return fmt.Sprintf("%d issuance chains", cfg.Issuances)
	}
	return cfg.Duration.String()
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status int
	body   []byte
	err    error
}

// request describes one logical request; retries resend it with the same Idempotency-Key.
type request struct {
	method, url string
	auth        bool   // send the API key
	body        []byte // nil: none
	ctype       string
	// check judges a 2xx answer beyond its status; it returns a failure label or "".
	check func([]byte) string
}

// do sends req, retrying a 409 "in progress" or a 503 up to -retries times, and records the whole
// exchange (retries included) under class.
func (r *runner) do(rec recorder, class string, req request) answer {
	key := ""
	if req.method == http.MethodPost && req.auth {
		key = newKey()
	}
	start := time.Now()
	var a answer
	for attempt := 0; ; attempt++ {
		a = r.send(req, key)
		if a.err != nil || !retryable(a) || attempt >= r.cfg.Retries {
			break
		}
		rec.class(class).retries++
		time.Sleep(backoff(attempt))
	}
	d := time.Since(start)
	failed := ""
	switch {
	case a.err != nil:
		failed = "net"
	case a.status < 200 || a.status > 299:
		failed = strconv.Itoa(a.status)
	case req.check != nil:
		failed = req.check(a.body)
	}
	body := string(a.body)
	if a.err != nil {
		body = a.err.Error()
	}
	rec.record(class, d, failed, body)
	if failed != "" && a.err == nil {
		a.err = fmt.Errorf("%s: %s", failed, truncate(body, 200))
	}
	return a
}

func (r *runner) send(req request, idemKey string) answer {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequest(req.method, req.url, body)
	if err != nil {
		return answer{err: err}
	}
	if req.auth {
		hr.Header.Set("Authorization", "Bearer "+r.cfg.Key)
	}
	if req.ctype != "" {
		hr.Header.Set("Content-Type", req.ctype)
	}
	if idemKey != "" {
		hr.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := r.hc.Do(hr)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return answer{status: resp.StatusCode, body: b, err: err}
}

// retryable tells an answer worth sending again: a concurrent request with the same key still running, or
// a server momentarily unavailable.
func retryable(a answer) bool {
	return a.status == http.StatusServiceUnavailable ||
		a.status == http.StatusConflict && bytes.Contains(bytes.ToLower(a.body), []byte("in progress"))
}

// backoff grows from 20 ms to at most 1 s, with jitter so that retries do not arrive together.
func backoff(attempt int) time.Duration {
	d := min(20*time.Millisecond<<attempt, time.Second)
	return d/2 + rand.N(d/2+1)
}

func newKey() string {
	b := make([]byte, 16)
	crand.Read(b)
	return "kcr-load-" + hex.EncodeToString(b)
}

// client runs one client's loop until the run stops.
func (r *runner) client(rec recorder, rng *rand.Rand, base string) {
	m := r.cfg.Mix
	total := m.Issue + m.Read + m.OCSP + m.CRL
	for !r.stop.Load() {
		x := rng.Float64() * total
		switch {
		case x < m.Issue:
			if r.cfg.Issuances > 0 && r.claimed.Add(1) > int64(r.cfg.Issuances) {
				return
			}
			if r.chain(rec, rng, base) {
				r.issued.Add(1)
			} else {
				r.failed.Add(1)
			}
		case x < m.Issue+m.Read:
			r.read(rec, rng, base)
		case x < m.Issue+m.Read+m.OCSP:
			r.ocsp(rec, rng, base)
		default:
			r.do(rec, classCRL, request{method: http.MethodGet, url: base + "/crl/" + issuingCA + ".crl", check: nonEmpty})
		}
	}
}

func nonEmpty(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	return ""
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and strings are marshalled here
	}
	return b
}

// chain walks one new employee's application from creation to the issued certificate. It reports whether
// the certificate was issued.
func (r *runner) chain(rec recorder, rng *rand.Rand, base string) bool {
	org, ok := r.pools.pick(&r.pools.orgs, rng)
	if !ok {
		return false
	}
	api := base + "/api/v1"
	post := func(class, path string, body []byte, ctype string, out any) bool {
		if body != nil && ctype == "" {
			ctype = "application/json"
		}
		a := r.do(rec, class, request{method: http.MethodPost, url: api + path, auth: true, body: body, ctype: ctype})
		if a.err != nil {
			return false
		}
		return out == nil || json.Unmarshal(a.body, out) == nil
	}
	var emp struct {
		ID string `json:"id"`
	}
	if !post(classEmployee, "/employees", jsonBody(newEmployee(rng, org)), "", &emp) || emp.ID == "" {
		return false
	}
	var app struct {
		ID     string `json:"id"`
		Serial string `json:"certificate_serial"`
	}
	if !post(classApplication, "/applications", jsonBody(map[string]string{"employee_id": emp.ID, "kind": "individual"}), "", &app) || app.ID == "" {
		return false
	}
	r.pools.add(&r.pools.apps, app.ID)
	p := "/applications/" + app.ID
	// Submitted twice: draft → documents → identity_verification.
	for range 2 {
		if !post(classSubmit, p+"/submit", nil, "", nil) {
			return false
		}
	}
	if !post(classVerify, p+"/verify-identity", jsonBody(map[string]string{"method": "in_person_workplace"}), "", nil) ||
		!post(classCSR, p+"/csr", r.nextCSR(), "application/x-pem-file", nil) ||
		!post(classApprove, p+"/approve", nil, "", nil) ||
		!post(classIssue, p+"/issue", nil, "", &app) || app.Serial == "" {
		return false
	}
	r.addOCSP(app.Serial)
	return true
}

// waves starts a renewal wave over every certificate valid for the next two years every -wave-every until
// the run stops: one long write transaction, so that the reads beside it show whether they wait for it.
func (r *runner) waves(rec recorder, base string) {
	for {
		next := time.Now().Add(r.cfg.WaveEvery)
		for time.Now().Before(next) {
			if r.stop.Load() {
				return
			}
			time.Sleep(min(50*time.Millisecond, time.Until(next)))
		}
		if r.stop.Load() {
			return
		}
		body := jsonBody(map[string]string{"expires_before": time.Now().AddDate(2, 0, 0).Format(time.DateOnly)})
		r.do(rec, classWave, request{method: http.MethodPost, url: base + "/api/v1/renewal-waves", auth: true, body: body,
			ctype: "application/json"})
	}
}

// read is one authenticated read: an application's card or the first page of the certificate register.
func (r *runner) read(rec recorder, rng *rand.Rand, base string) {
	u := base + "/api/v1/certificates?limit=50"
	if rng.IntN(2) == 0 {
		if id, ok := r.pools.pick(&r.pools.apps, rng); ok {
			u = base + "/api/v1/applications/" + id
		}
	}
	r.do(rec, classRead, request{method: http.MethodGet, url: u, auth: true})
}

// ocsp asks the responder, by GET, about one certificate the CA issued. Without one yet it does nothing.
func (r *runner) ocsp(rec recorder, rng *rand.Rand, base string) {
	enc, ok := r.pools.pick(&r.pools.ocsp, rng)
	if !ok {
		return
	}
	r.do(rec, classOCSP, request{method: http.MethodGet, url: base + "/ocsp/" + enc, check: func(b []byte) string {
		resp, err := x509gost.ParseOCSPResponse(b)
		switch {
		case err != nil:
			return "ocsp-malformed"
		case resp.Status != x509gost.OCSPSuccessful:
			return "ocsp-status-" + strconv.Itoa(resp.Status)
		}
		return ""
	}})
}

// addOCSP remembers an OCSP request for the certificate with the hexadecimal serial.
func (r *runner) addOCSP(serialHex string) {
	if r.issuer == nil {
		return
	}
	serial, ok := new(big.Int).SetString(serialHex, 16)
	if !ok {
		return
	}
	id, err := x509gost.NewCertID(x509gost.OIDSHA1, r.issuer, serial)
	if err != nil {
		return
	}
	der, err := x509gost.CreateOCSPRequest([]x509gost.CertID{id}, nil)
	if err != nil {
		return
	}
	r.pools.add(&r.pools.ocsp, url.PathEscape(base64.StdEncoding.EncodeToString(der)))
}

// Names of the generated employees: common Russian ones, so that the data looks like a real holding's.
var (
	surnames   = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"}
	givenNames = []string{"Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"}
	patronymic = []string{"Александрович", "Дмитриевич", "Сергеевич", "Андреевич", "Алексеевич", "Иванович", "Петрович", "Николаевич"}
)

// newEmployee makes a valid employee of org: check-digit-correct СНИЛС and ИНН, a Russian passport issued
// at 20, so that it is valid until 45 for everyone born 1985–2000.
func newEmployee(rng *rand.Rand, org string) map[string]any {
	birth := time.Date(1985+rng.IntN(16), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	issued := birth.AddDate(20, 0, 1+rng.IntN(200))
	return map[string]any{
		"organization_id": org, "surname": surnames[rng.IntN(len(surnames))],
		"given_name": givenNames[rng.IntN(len(givenNames))], "patronymic": patronymic[rng.IntN(len(patronymic))],
		"birth_date": birth.Format(time.DateOnly), "snils": requisites.GenerateSNILS(rng), "inn": requisites.GenerateINN12(rng),
		"email":    fmt.Sprintf("load%08d@example.ru", rng.IntN(100_000_000)),
		"position": "специалист",
		"document": map[string]string{"type": "passport_rf", "series": fmt.Sprintf("%04d", rng.IntN(10000)),
			"number": fmt.Sprintf("%06d", rng.IntN(1_000_000)), "issue_date": issued.Format(time.DateOnly),
			"issuer": "ОУФМС России по г. Москве", "issuer_code": "770-045"},
	}
}

// newCSR makes a PKCS#10 request (PEM) with a fresh tc26-256-A key, as an employee's crypto tool would; the
// subject is ignored by the CA.
func newCSR() ([]byte, error) {
	ps, _ := gost.ParamSetByName("tc26-256-A")
	key, err := gost.GenerateKey(crand.Reader, ps)
	if err != nil {
		return nil, err
	}
	der, err := x509gost.CreateCertificateRequest(x509gost.Name{{OID: x509gost.OIDCommonName, Value: "kcr-load",
		Tag: asn1.TagUTF8String}}, key, crand.Reader)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// makeCSRs fills the pool on every core before the timed phase, so that key generation does not weigh
// on the figures.
func (r *runner) makeCSRs(ctx context.Context, n int) {
	r.csrs = make(chan []byte, n)
	if n == 0 {
		return
	}
	fmt.Fprintf(r.log, "kcr-load: making %d GOST keys and requests…\n", n)
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if b, err := newCSR(); err == nil {
					r.csrs <- b
				}
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(r.log, "kcr-load: %d requests ready in %.1f s\n", len(r.csrs), time.Since(start).Seconds())
}

// nextCSR takes a request from the pool, or makes one when the pool is empty (counted in the report).
func (r *runner) nextCSR() []byte {
	select {
	case b := <-r.csrs:
		return b
	default:
	}
	r.inline.Add(1)
	b, err := newCSR()
	if err != nil {
		return []byte("kcr-load: " + err.Error())
	}
	return b
}

// setup checks the key on every URL, then finds the organizations that take individual applications, the
// issuing CA's certificate, and a first set of applications and certificates to read and ask OCSP about.
func (r *runner) setup(ctx context.Context) error {
	get := func(u string, auth bool, out any) error {
		hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if auth {
			hr.Header.Set("Authorization", "Bearer "+r.cfg.Key)
		}
		resp, err := r.hc.Do(hr)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, truncate(string(b), 200))
		}
		if p, ok := out.(*[]byte); ok {
			*p = b
			return nil
		}
		return json.Unmarshal(b, out)
	}
	for _, base := range r.cfg.URLs {
		var me json.RawMessage
		if err := get(base+"/api/v1/me", true, &me); err != nil {
			return fmt.Errorf("the API key does not work on %s: %w", base, err)
		}
	}
	api := r.cfg.URLs[0] + "/api/v1"
	var orgs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := get(api+"/organizations?limit=200", true, &orgs); err != nil {
		return err
	}
	for _, o := range orgs.Items {
		var offer struct {
			Kinds []string `json:"kinds"`
		}
		if err := get(api+"/organizations/"+o.ID+"/allowed-kinds", true, &offer); err != nil {
			return err
		}
		if slices.Contains(offer.Kinds, "individual") {
			r.pools.orgs = append(r.pools.orgs, o.ID)
		}
	}
	if r.cfg.Mix.Issue > 0 && len(r.pools.orgs) == 0 {
		return errors.New("no organization the API key sees takes individual applications today")
	}
	var der []byte
	if err := get(r.cfg.URLs[0]+"/ca/"+issuingCA+".crt", false, &der); err != nil {
		fmt.Fprintf(r.log, "kcr-load: no OCSP requests: %v\n", err)
	} else if r.issuer, err = x509gost.ParseCertificate(der); err != nil {
		return fmt.Errorf("the issuing CA's certificate: %w", err)
	}
	var certs struct {
		Items []struct {
			Serial string `json:"serial"`
			Issuer string `json:"issuer"`
		} `json:"items"`
	}
	if err := get(api+"/certificates?limit=50", true, &certs); err != nil {
		return err
	}
	for _, c := range certs.Items {
		if c.Issuer == issuingCA {
			r.addOCSP(c.Serial)
		}
	}
	var apps struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := get(api+"/applications?limit=50", true, &apps); err != nil {
		return err
	}
	for _, a := range apps.Items {
		r.pools.apps = append(r.pools.apps, a.ID)
	}
	if r.cfg.Mix.OCSP > 0 && len(r.pools.ocsp) == 0 && r.cfg.Mix.Issue == 0 {
		fmt.Fprintln(r.log, "kcr-load: no certificate of "+issuingCA+" to ask OCSP about: OCSP is skipped")
	}
	return nil
}
