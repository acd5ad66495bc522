package billing

import (
	"context"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/rules"
)

// OpenPeriod is the caller's account's billing period on today's date: its name (the first month, YYYY-MM),
// its length in months and when it ends, the moment the hourly close may bill it.
type OpenPeriod struct {
	Period string
	Months int
	Ends   time.Time
}

// CurrentPeriod tells the caller's account's billing period on today's date.
func (s *Service) CurrentPeriod(ctx context.Context, p *access.Principal) (*OpenPeriod, error) {
	if !p.Can(access.BillingRead) || p.AccountID == "" {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	months, err := s.periodMonths(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	period := PeriodOfLength(s.Clock.Now(), months)
	start, err := time.ParseInLocation("2006-01", period, rules.MSK)
	if err != nil {
		return nil, err
	}
	return &OpenPeriod{Period: period, Months: months, Ends: start.AddDate(0, months, 0)}, nil
}
