package billing_test

import (
	"testing"

	"github.com/kcr-project/kcr/internal/errs"
)

// The open period is the month (or the quarter) today falls in, Moscow time, ending at the next one's start.
func TestCurrentPeriod(t *testing.T) {
	onEngines(t, at(2026, 11, 30, 23, 30, 0), func(t *testing.T, x *bfx) {
		cur, err := x.svc.CurrentPeriod(ctx, accountant(x.f.AccountA))
		if err != nil {
			t.Fatal(err)
		}
		if cur.Period != "2026-11" || cur.Months != 1 || !cur.Ends.Equal(at(2026, 12, 1, 0, 0, 0)) {
			t.Fatalf("monthly: %+v", cur)
		}
		if err := x.svc.SetPeriodMonths(ctx, operator, x.f.AccountA, 3); err != nil {
			t.Fatal(err)
		}
		cur, err = x.svc.CurrentPeriod(ctx, accountant(x.f.AccountA))
		if err != nil || cur.Period != "2026-10" || cur.Months != 3 || !cur.Ends.Equal(at(2027, 1, 1, 0, 0, 0)) {
			t.Fatalf("quarterly: %+v %v", cur, err)
		}
		if _, err := x.svc.CurrentPeriod(ctx, operator); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the CA operator has no account's period: %v", err)
		}
	})
}
