package metrics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/metrics"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/testdb"
)

// TestReminderToReissue plans reminders on the crafted register and reads the median days from a
// certificate's first reminder to its reissue, by month of reissue:
//
//	A1  first of two steps 2026-08-11 09:00, reissued by A1r 2026-10-01 (not by the later A9): 51 days
//	A3  2026-10-11, replaced by A3r (another kind) 2026-10-21: 10 days
//	A6  2026-11-08, reissued by A6r 2026-11-20: 12 days
//	A2  2026-09-20, followed by A3r (same holder, kind and organization) 2026-10-21, after its end: 31 days
//	A7  2026-12-09, never reissued: not counted
//	B1  2026-09-12, reissued by B1r 2026-10-01: 19 days
//
// A МЧД's reminder step (its ref is no serial) is not counted.
func TestReminderToReissue(t *testing.T) {
	for _, eng := range testdb.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := eng.Open(t)
			reg := Register(t, db)
			serial := func(name string) string { return name + "-" + reg.AccountA[len(reg.AccountA)-8:] }
			at := func(m time.Month, d, h int) time.Time { return noon(2026, m, d).Add(time.Duration(h-12) * time.Hour) }
			for _, st := range []struct {
				ref  string
				days int
				at   time.Time
			}{
				{serial("A1"), 60, at(8, 11, 9)},
				{serial("A1"), 30, at(9, 10, 12)},
				{serial("A3"), 14, at(10, 11, 12)},
				{serial("A6"), 7, at(11, 8, 12)},
				{serial("A2"), 30, at(9, 20, 12)},
				{serial("A7"), 1, at(12, 9, 12)},
				{serial("B1"), 30, at(9, 12, 12)},
				{"mchd:" + serial("A1r"), 30, at(9, 1, 12)},
			} {
				if err := db.MarkReminderStep(ctx, st.ref, st.days, st.at); err != nil {
					t.Fatal(err)
				}
			}
			svc := &metrics.Service{Store: db, Clock: clock.NewFake(noon(2026, 12, 15)), Reminders: db}
			for _, tc := range []struct {
				name string
				p    *access.Principal
				want []string
			}{
				{"CA operator", &access.Principal{Role: model.RoleOperator}, []string{"25.0000", "12.0000", "-"}},
				{"account administrator", &access.Principal{Role: model.RoleAccountAdmin, AccountID: reg.AccountA}, []string{"31.0000", "12.0000", "-"}},
				{"manager of the branch", &access.Principal{Role: model.RoleManager, AccountID: reg.AccountA, OrgIDs: []string{reg.BranchOrg}}, []string{"51.0000", "-", "-"}},
				{"account B", &access.Principal{Role: model.RoleAccountAdmin, AccountID: reg.AccountB}, []string{"19.0000", "-", "-"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					rep, err := svc.Reissue(ctx, tc.p, 3)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, m := range rep.Months {
						got = append(got, f2s(m.MedianDaysReminderToReissue))
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("medians %v, want %v", got, tc.want)
					}
					if !reflect.DeepEqual(rep.Unavailable, []string{"mailing_reach"}) {
						t.Errorf("unavailable %v", rep.Unavailable)
					}
				})
			}
		})
	}
}
