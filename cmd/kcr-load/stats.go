package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Request classes, in the order the report lists them: the steps of the issuance path by name, then the
// traffic beside it.
const (
	classEmployee    = "create-employee"
	classApplication = "create-application"
	classSubmit      = "submit"
	classVerify      = "verify-identity"
	classCSR         = "csr"
	classApprove     = "approve"
	classIssue       = "issue"
	classRead        = "read"
	classOCSP        = "ocsp"
	classCRL         = "crl"
	classWave        = "wave"
)

var classOrder = []string{classEmployee, classApplication, classSubmit, classVerify, classCSR, classApprove,
	classIssue, classRead, classOCSP, classCRL, classWave}

// classStats collects one request class's outcomes. Each client keeps its own, merged at the end, so that
// recording takes no lock.
type classStats struct {
	lat     []time.Duration   // latency of every request, successful or not
	errors  map[string]int    // failed requests by HTTP status (or "net", or a protocol check's name)
	retries int               // retried attempts (409 "in progress", 503)
	first   map[string]string // the first failure's body per status, for diagnosis
}

// recorder is one client's statistics.
type recorder map[string]*classStats

func (r recorder) class(name string) *classStats {
	c := r[name]
	if c == nil {
		c = &classStats{errors: map[string]int{}, first: map[string]string{}}
		r[name] = c
	}
	return c
}

// record notes one request's latency and, when failed is not "", its failure and the answer's start.
func (r recorder) record(name string, d time.Duration, failed, body string) {
	c := r.class(name)
	c.lat = append(c.lat, d)
	if failed != "" {
		c.errors[failed]++
		if _, seen := c.first[failed]; !seen {
			c.first[failed] = truncate(body, 300)
		}
	}
}

func (r recorder) merge(o recorder) {
	for name, oc := range o {
		c := r.class(name)
		c.lat = append(c.lat, oc.lat...)
		c.retries += oc.retries
		for k, v := range oc.errors {
			c.errors[k] += v
		}
		for k, v := range oc.first {
			if _, seen := c.first[k]; !seen {
				c.first[k] = v
			}
		}
	}
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of sorted: the smallest value at or
// below which p % of the values lie. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// classReport is one row of the report.
type classReport struct {
	Class   string         `json:"class"`
	Count   int            `json:"count"`
	Errors  map[string]int `json:"errors,omitempty"`
	Retries int            `json:"retries"`
	Rate    float64        `json:"rate_per_s"`
	P50     float64        `json:"p50_ms"`
	P95     float64        `json:"p95_ms"`
	P99     float64        `json:"p99_ms"`
	Max     float64        `json:"max_ms"`
	// FirstErrors holds the start of the first failed answer for each status.
	FirstErrors map[string]string `json:"first_errors,omitempty"`
}

// lockReport is what sampling pg_stat_activity found.
type lockReport struct {
	Samples int `json:"samples"`
	// Share is the lock-waiting backends over all active backends, summed over every sample.
	Share float64 `json:"share"`
	// MaxShare is the highest share in one sample.
	MaxShare float64 `json:"max_share"`
	// MeanActive is the mean count of active client backends per sample.
	MeanActive float64 `json:"mean_active"`
	// ByEvent counts the lock waits seen by pg_stat_activity.wait_event (transactionid, tuple, advisory…).
	ByEvent map[string]int `json:"by_wait_event,omitempty"`
	// TopQueries are the statements seen waiting most often (their start).
	TopQueries []queryCount `json:"top_waiting_statements,omitempty"`
	Error      string       `json:"error,omitempty"`
}

// queryCount is how often a statement was seen waiting on a lock.
type queryCount struct {
	Query string `json:"statement"`
	Count int    `json:"count"`
}

// report is the outcome of a run.
type report struct {
	URLs           []string      `json:"urls"`
	Clients        int           `json:"clients"`
	Mix            string        `json:"mix"`
	ElapsedSeconds float64       `json:"elapsed_s"`
	Issued         int           `json:"issued"`
	FailedChains   int           `json:"failed_chains"`
	IssuedPerSec   float64       `json:"issued_per_s"`
	CSRsInline     int           `json:"csrs_made_during_run"`
	Classes        []classReport `json:"classes"`
	LockWaits      *lockReport   `json:"lock_waits,omitempty"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// buildReport turns the merged statistics into the report's rows.
func buildReport(all recorder, elapsed time.Duration) []classReport {
	var rows []classReport
	names := slices.Clone(classOrder)
	for _, n := range slices.Sorted(maps.Keys(all)) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, name := range names {
		c := all[name]
		if c == nil || len(c.lat) == 0 {
			continue
		}
		slices.Sort(c.lat)
		row := classReport{Class: name, Count: len(c.lat), Retries: c.retries, P50: ms(percentile(c.lat, 50)),
			P95: ms(percentile(c.lat, 95)), P99: ms(percentile(c.lat, 99)), Max: ms(c.lat[len(c.lat)-1])}
		if elapsed > 0 {
			row.Rate = math.Round(float64(len(c.lat))/elapsed.Seconds()*100) / 100
		}
		if len(c.errors) > 0 {
			row.Errors, row.FirstErrors = maps.Clone(c.errors), maps.Clone(c.first)
		}
		rows = append(rows, row)
	}
	return rows
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func formatErrors(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func (r *report) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "kcr-load: %d clients over %s, mix %s, %.1f s\n", r.Clients, strings.Join(r.URLs, ", "), r.Mix, r.ElapsedSeconds)
	// Figures align right; the class names, padded to one width, read left-aligned.
	width := len("class")
	for _, c := range r.Classes {
		width = max(width, len(c.Class))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tcount\terrors\tretries\trate/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t\n", width, "class")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%-*s\t%d\t%s\t%d\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", width, c.Class, c.Count, formatErrors(c.Errors),
			c.Retries, c.Rate, c.P50, c.P95, c.P99, c.Max)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "issuances: %d issued, %d chains failed, %.2f issued/s\n", r.Issued, r.FailedChains, r.IssuedPerSec)
	if r.CSRsInline > 0 {
		fmt.Fprintf(w, "note: the request pool ran out: %d GOST keys were made during the timed phase (raise -csr-pool)\n", r.CSRsInline)
	}
	if l := r.LockWaits; l != nil {
		if l.Error != "" {
			fmt.Fprintf(w, "lock waits: sampling failed: %s\n", l.Error)
		} else {
			fmt.Fprintf(w, "lock waits: %.1f %% of active backends (%d samples every 100 ms, %.1f active on average, worst sample %.0f %%)\n",
				l.Share*100, l.Samples, l.MeanActive, l.MaxShare*100)
		}
		if len(l.ByEvent) > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(l.ByEvent)) {
				parts = append(parts, fmt.Sprintf("%s×%d", k, l.ByEvent[k]))
			}
			fmt.Fprintf(w, "  waiting on: %s\n", strings.Join(parts, " "))
		}
		for _, q := range l.TopQueries {
			fmt.Fprintf(w, "  %d× %s\n", q.Count, q.Query)
		}
	}
	for _, c := range r.Classes {
		for _, k := range slices.Sorted(maps.Keys(c.FirstErrors)) {
			fmt.Fprintf(w, "first %s error %s: %s\n", c.Class, k, c.FirstErrors[k])
		}
	}
	return nil
}
