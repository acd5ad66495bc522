// Package metrics computes kcr's product metrics (issue 15, part 6): whether renewals keep up with the
// certificates that end, how long issuance takes, and how far the move to individual certificates linked
// to an organization has come, by Moscow calendar month. The CA operator sees every account, an account
// administrator their account, a manager their assigned organizations.
package metrics

import (
	"context"
	"slices"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Store is the storage the metrics read: grouped counts, never rows of personal data.
type Store interface {
	CertificateEndings(ctx context.Context, s storage.Scope, bounds []time.Time, now time.Time) ([]storage.EndingCounts, error)
	IssueLags(ctx context.Context, s storage.Scope, bounds []time.Time) ([]map[int]int, error)
	EmployeeCertificatesAt(ctx context.Context, s storage.Scope, at []time.Time, legacyIssuedBefore time.Time) ([]storage.EmployeeCerts, error)
}

// ReminderLags is the extension point for "median days from the first reminder to the reissue": the
// expiry reminders (issue 15 part 3) know when each certificate's first reminder went out. It returns, for
// each month [bounds[i], bounds[i+1]) of reissue, the histogram of whole days from the first reminder to
// the reissue, as storage.IssueLags does for issuance.
type ReminderLags interface {
	FirstReminderToReissue(ctx context.Context, s storage.Scope, bounds []time.Time) ([]map[int]int, error)
}

// MailingReach is the extension point for the mailings' reach: the segment mailings (issue 15 part 4) know
// how many people each mailing of a month was sent to, reached and was opened by.
type MailingReach interface {
	MailingReach(ctx context.Context, s storage.Scope, bounds []time.Time) ([]Reach, error)
}

// Reach is one month's mailings: recipients targeted, messages delivered, and opened in the web interface.
type Reach struct {
	Recipients int `json:"recipients"`
	Delivered  int `json:"delivered"`
	Opened     int `json:"opened"`
}

// LinkedTarget is the share of individual certificates linked to an organization that the service kcr
// follows reached (DESIGN.md, issue 15).
const LinkedTarget = 0.75

// Default and largest number of months a report covers.
const (
	DefaultMonths = 12
	MaxMonths     = 36
)

// Service computes the metrics.
type Service struct {
	Store    Store
	Clock    clock.Clock
	Timeline rules.Timeline // zero means rules.DefaultTimeline
	// Reminders and Mailings are nil until the reminders and the mailings exist; their figures are then
	// reported as unavailable, never as zero.
	Reminders ReminderLags
	Mailings  MailingReach
}

// Month is one calendar month (Moscow time) of a report.
type Month struct {
	Period string `json:"period"` // "2026-12"
	// Partial marks the current month: its figures run to the report's time, not to the month's end.
	Partial bool `json:"partial"`

	// Due counts the certificates whose validity ended in the month (those revoked before their end
	// without a reissue left out); ReissuedBeforeEnd of them had a reissue issued before their end (a newer
	// certificate for the same holder and kind in the same organization, or the register's replaced-by
	// link); ExpiredWithoutReissue did not. ReissuedShare is ReissuedBeforeEnd/Due, absent when Due is 0.
	Due                   int      `json:"due"`
	ReissuedBeforeEnd     int      `json:"reissued_before_end"`
	ExpiredWithoutReissue int      `json:"expired_without_reissue"`
	ReissuedShare         *float64 `json:"reissued_share,omitempty"`

	// Issued counts the certificates issued in the month from an application; MedianDaysToIssue is the
	// median of whole days from the application's creation to the issue, absent when none was issued.
	Issued            int      `json:"issued"`
	MedianDaysToIssue *float64 `json:"median_days_to_issue,omitempty"`

	// At the month's end (at the report's time for the current month): valid employee certificates
	// (individual and legal-entity employee), of them individual ones linked to the organization, and
	// LinkedShare = LinkedIndividual/EmployeeCertificates. LegacyInUse counts the valid legal-entity
	// employee certificates that the 2024-09-01 rule no longer lets sign for the organization; absent for
	// months before that rule applies.
	EmployeeCertificates int      `json:"employee_certificates"`
	LinkedIndividual     int      `json:"linked_individual"`
	LinkedShare          *float64 `json:"linked_share,omitempty"`
	LegacyInUse          *int     `json:"legacy_in_use,omitempty"`

	// MedianDaysReminderToReissue and MailingReach come from the reminders and the mailings; absent while
	// kcr has none (see Report.Unavailable).
	MedianDaysReminderToReissue *float64 `json:"median_days_reminder_to_reissue,omitempty"`
	MailingReach                *Reach   `json:"mailing_reach,omitempty"`
}

// Report is the reissue metrics over consecutive months, oldest first, the current month last.
type Report struct {
	At     time.Time `json:"at"`
	Scope  Scope     `json:"scope"`
	Months []Month   `json:"months"`
	// LinkedTarget is LinkedTarget, for the charts' reference line.
	LinkedTarget float64 `json:"linked_target"`
	// Unavailable names the figures kcr cannot compute yet: "median_days_reminder_to_reissue" until the
	// expiry reminders exist, "mailing_reach" until the segment mailings do.
	Unavailable []string `json:"unavailable,omitempty"`
}

// Scope says whose certificates a report counts.
type Scope string

// The scopes of a report.
const (
	ScopeAll           Scope = "all_accounts"  // the CA operator: every account
	ScopeAccount       Scope = "account"       // an account administrator: the whole account
	ScopeOrganizations Scope = "organizations" // a manager: the assigned organizations
)

// EnumValues implements model.Enum, for the OpenAPI document.
func (Scope) EnumValues() []string {
	return []string{string(ScopeAll), string(ScopeAccount), string(ScopeOrganizations)}
}

// Allowed reports whether p may see the metrics: the CA operator, an account administrator and a manager.
func Allowed(p *access.Principal) bool {
	return p != nil && (p.Role == model.RoleOperator || p.Role == model.RoleAccountAdmin || p.Role == model.RoleManager)
}

func (s *Service) timeline() rules.Timeline {
	if s.Timeline == (rules.Timeline{}) {
		return rules.DefaultTimeline()
	}
	return s.Timeline
}

// MonthBounds returns the first instants (Moscow time) of the months months up to and including the one
// holding now, followed by the first instant of the next month: months+1 bounds.
func MonthBounds(now time.Time, months int) []time.Time {
	y, m, _ := now.In(rules.MSK).Date()
	first := time.Date(y, m-time.Month(months-1), 1, 0, 0, 0, 0, rules.MSK)
	out := make([]time.Time, months+1)
	for i := range out {
		out[i] = first.AddDate(0, i, 0)
	}
	return out
}

// Reissue computes the report of the last months months (DefaultMonths when 0) for p.
func (s *Service) Reissue(ctx context.Context, p *access.Principal, months int) (*Report, error) {
	if !Allowed(p) {
		return nil, errs.New(errs.Forbidden, "the reissue metrics are for the CA operator, account administrators and managers")
	}
	if months == 0 {
		months = DefaultMonths
	}
	if months < 1 || months > MaxMonths {
		f := errs.Fields{}
		f.Add("months", "range", "must be between 1 and 36")
		return nil, f.Err()
	}
	scope := ScopeAll
	switch {
	case p.Scope().OrgIDs != nil:
		scope = ScopeOrganizations
	case p.AccountID != "":
		scope = ScopeAccount
	}
	return s.report(ctx, p.Scope(), scope, months)
}

// report computes the report for a storage scope.
func (s *Service) report(ctx context.Context, sc storage.Scope, scope Scope, months int) (*Report, error) {
	now := s.Clock.Now()
	bounds := MonthBounds(now, months)
	rep := &Report{At: now, Scope: scope, LinkedTarget: LinkedTarget, Months: make([]Month, months)}
	endings, err := s.Store.CertificateEndings(ctx, sc, bounds, now)
	if err != nil {
		return nil, err
	}
	lags, err := s.Store.IssueLags(ctx, sc, bounds)
	if err != nil {
		return nil, err
	}
	points := make([]time.Time, months)
	for i := range points {
		points[i] = bounds[i+1]
		if now.Before(points[i]) {
			points[i] = now
		}
	}
	tl := s.timeline()
	legacyBefore, _ := rules.LegacyIssuedBefore(tl, now)
	if legacyBefore.IsZero() {
		legacyBefore = tl.EmployeesIndividual
	}
	held, err := s.Store.EmployeeCertificatesAt(ctx, sc, points, legacyBefore)
	if err != nil {
		return nil, err
	}
	var reminders []map[int]int
	var reach []Reach
	if s.Reminders != nil {
		if reminders, err = s.Reminders.FirstReminderToReissue(ctx, sc, bounds); err != nil {
			return nil, err
		}
	} else {
		rep.Unavailable = append(rep.Unavailable, "median_days_reminder_to_reissue")
	}
	if s.Mailings != nil {
		if reach, err = s.Mailings.MailingReach(ctx, sc, bounds); err != nil {
			return nil, err
		}
	} else {
		rep.Unavailable = append(rep.Unavailable, "mailing_reach")
	}
	for i := range rep.Months {
		m := &rep.Months[i]
		m.Period = bounds[i].In(rules.MSK).Format("2006-01")
		m.Partial = now.Before(bounds[i+1])
		e := endings[i]
		m.Due = e.Ended - e.RevokedNotReissued
		m.ReissuedBeforeEnd = e.Reissued
		m.ExpiredWithoutReissue = m.Due - m.ReissuedBeforeEnd
		m.ReissuedShare = share(m.ReissuedBeforeEnd, m.Due)
		m.Issued, m.MedianDaysToIssue = median(lags[i])
		h := held[i]
		m.EmployeeCertificates = h.Individual + h.LegalEntityEmployee
		m.LinkedIndividual = h.Individual
		m.LinkedShare = share(h.Individual, m.EmployeeCertificates)
		// The rule is judged on the month's last instant: the first instant of the next month is its own day.
		if _, ok := rules.LegacyIssuedBefore(tl, points[i].Add(-time.Microsecond)); ok {
			n := h.LegalEntityEmployeeBefore
			m.LegacyInUse = &n
		}
		if i < len(reminders) {
			_, m.MedianDaysReminderToReissue = median(reminders[i])
		}
		if i < len(reach) {
			r := reach[i]
			m.MailingReach = &r
		}
	}
	return rep, nil
}

// share is part/whole, nil when whole is 0.
func share(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(part) / float64(whole)
	return &v
}

// median of a histogram of whole days: the count of values and the middle value (the mean of the two
// middle ones for an even count), nil when empty.
func median(hist map[int]int) (int, *float64) {
	days := make([]int, 0, len(hist))
	n := 0
	for d, c := range hist {
		days = append(days, d)
		n += c
	}
	if n == 0 {
		return 0, nil
	}
	slices.Sort(days)
	nth := func(k int) int { // the k-th smallest value, from 0
		for _, d := range days {
			if k < hist[d] {
				return d
			}
			k -= hist[d]
		}
		return days[len(days)-1]
	}
	v := float64(nth((n-1)/2)+nth(n/2)) / 2
	return n, &v
}
