package mchd

import (
	"reflect"
	"testing"
)

func TestPowersClassifier(t *testing.T) {
	t.Parallel()
	all := Powers()
	if len(all) < 10 {
		t.Fatalf("only %d powers", len(all))
	}
	for i, p := range all {
		if len([]rune(p.Code)) < minPowerCode || len([]rune(p.Name)) > maxPowerField {
			t.Errorf("%s: code or name breaks the XSD lengths", p.Code)
		}
		if i > 0 && all[i-1].Code >= p.Code {
			t.Errorf("not sorted at %s", p.Code)
		}
	}
	all[0].Name = "changed"
	if Powers()[0].Name == "changed" {
		t.Fatal("Powers shares its slice")
	}
	if PowerByCode("DEMO_TAX_REPORTS") == nil || PowerByCode("demo_tax_reports") != nil || PowerByCode("") != nil {
		t.Fatal("PowerByCode must compare codes exactly")
	}
}

func TestSearchPowers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		want  []string
	}{
		{"", codes(Powers())},
		{"   ", codes(Powers())},
		{"СЧЕТОВ-ФАКТУР", []string{"DEMO_INVOICE_SIGN"}},
		{"приемка", []string{"DEMO_ACCEPT_GOODS"}}, // ё = е
		{"приёмки", []string{"DEMO_ACCEPT_GOODS"}}, // and back
		// Every word must match, in any order.
		{"подписание отчетности", []string{"DEMO_SFR_REPORTS", "DEMO_STAT_REPORTS", "DEMO_TAX_REPORTS"}},
		{"отчетности подписание", []string{"DEMO_SFR_REPORTS", "DEMO_STAT_REPORTS", "DEMO_TAX_REPORTS"}},
		{"налоговой отчетности", []string{"DEMO_TAX_REPORTS"}},
		{"отчетности налоговой", []string{"DEMO_TAX_REPORTS"}},
		{"росстат сверки", nil},
		// A word matches a code by its prefix, ignoring case, and may mix with name words.
		{"demo_waybill", []string{"DEMO_WAYBILL"}},
		{"DEMO_TAX", []string{"DEMO_TAX_DOCS", "DEMO_TAX_REPORTS"}},
		{"demo_tax отчетности", []string{"DEMO_TAX_REPORTS"}},
		{"demo_s", []string{"DEMO_SFR_REPORTS", "DEMO_STAT_REPORTS"}},
		{"TAX_REPORTS", nil}, // inside a code is not a prefix
		{"нет-такого", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			t.Parallel()
			if got := codes(SearchPowers(c.query)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func codes(list []ClassifiedPower) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Code)
	}
	return out
}
