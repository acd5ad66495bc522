package web

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// parsedChart is what a rendered chart says, read back with an XML decoder.
type parsedChart struct {
	Aria, Title string
	Rects       []parsedRect
	Ticks       []string // y axis labels, bottom up
	Values      []string // the numbers over the bars
	Labels      []string // x axis labels, lines joined by "\n"
}

type parsedRect struct {
	Y, Height float64
	Title     string
}

// parseChart decodes the whole output as XML, failing the test on any syntax error.
func parseChart(t *testing.T, svg string) parsedChart {
	t.Helper()
	var c parsedChart
	var stack []xml.StartElement
	var label []string
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Copy())
			switch tok.Name.Local {
			case "svg":
				c.Aria = attr(tok, "aria-label")
			case "rect":
				c.Rects = append(c.Rects, parsedRect{Y: coord(t, attr(tok, "y")), Height: coord(t, attr(tok, "height"))})
			case "text":
				label = nil
			}
		case xml.EndElement:
			if tok.Name.Local == "text" && label != nil {
				c.Labels = append(c.Labels, strings.Join(label, "\n"))
				label = nil
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			s := string(tok)
			if len(stack) < 2 {
				continue
			}
			el, parent := stack[len(stack)-1], stack[len(stack)-2]
			switch {
			case el.Name.Local == "title" && parent.Name.Local == "svg":
				c.Title = s
			case el.Name.Local == "title" && parent.Name.Local == "rect":
				c.Rects[len(c.Rects)-1].Title = s
			case el.Name.Local == "text" && attr(parent, "class") == "grid":
				c.Ticks = append(c.Ticks, s)
			case el.Name.Local == "text" && attr(el, "class") == "v":
				c.Values = append(c.Values, s)
			case el.Name.Local == "tspan":
				label = append(label, s)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements: %v", stack)
	}
	return c
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func coord(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("coordinate %q: %v", s, err)
	}
	return f
}

func TestBarChartSVG(t *testing.T) {
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	bars := func(vs ...int64) []bar {
		out := make([]bar, len(vs))
		for i, v := range vs {
			out[i] = bar{Label: "m" + strconv.Itoa(i) + "\n2027", Value: v, Text: itoa(v) + " шт."}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		bars  []bar
		empty bool
	}{
		{name: "round maximum", bars: bars(10, 5, 0, 2)},
		{name: "maximum between ticks", bars: bars(3, 7, 1, 0, 0, 7)},
		{name: "single", bars: bars(1)},
		{name: "large", bars: bars(1234500, 99, 800000, 0, 1, 5, 6, 7, 8, 9, 10, 11)},
		{name: "negative drawn as zero", bars: bars(4, -3)},
		{name: "all zero", bars: bars(0, 0, 0), empty: true},
		{name: "no bars", empty: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(barChart{Title: "Истечение", Unit: "шт.", Bars: tc.bars, Format: itoa}.SVG())
			if tc.empty {
				if out != "" {
					t.Fatalf("want no chart, got %s", out)
				}
				return
			}
			c := parseChart(t, out)
			if c.Title != "Истечение" || c.Aria != "Истечение" {
				t.Errorf("accessible name: title %q, aria-label %q", c.Title, c.Aria)
			}
			// One rect per bar, a zero or negative bar included with height 0, so that every month keeps its
			// place and its tooltip.
			if len(c.Rects) != len(tc.bars) {
				t.Fatalf("%d rects for %d bars", len(c.Rects), len(tc.bars))
			}
			var top int64
			for _, b := range tc.bars {
				top = max(top, b.Value)
			}
			// Ticks: from 0 in one nice step up to the first tick at or above the maximum.
			ticks := make([]int64, len(c.Ticks))
			for i, s := range c.Ticks {
				v, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					t.Fatalf("tick %q: %v", s, err)
				}
				ticks[i] = v
			}
			if len(ticks) < 2 || len(ticks) > chartTicks+1 || ticks[0] != 0 {
				t.Fatalf("ticks %v", ticks)
			}
			step, axisTop := ticks[1], ticks[len(ticks)-1]
			if !nice(step) {
				t.Errorf("step %d is not 1, 2 or 5 times a power of ten", step)
			}
			for i, v := range ticks {
				if v != int64(i)*step {
					t.Errorf("ticks %v not evenly spaced", ticks)
				}
			}
			if axisTop < top || axisTop-step >= top {
				t.Errorf("ticks %v do not just cover the maximum %d", ticks, top)
			}
			// Heights: proportional to the values on the axis from 0 to the top tick.
			var values []string
			for i, b := range tc.bars {
				r := c.Rects[i]
				want := float64(max(b.Value, 0)) * plotH / float64(axisTop)
				if math.Abs(r.Height-want) > 0.15 {
					t.Errorf("bar %d (%d): height %v, want %v", i, b.Value, r.Height, want)
				}
				if math.Abs(r.Y+r.Height-(chartTop+plotH)) > 0.15 {
					t.Errorf("bar %d does not stand on the axis: y %v height %v", i, r.Y, r.Height)
				}
				if b.Value == top && top == axisTop && r.Height != plotH {
					t.Errorf("largest bar %d: height %v, want the full plot %d", i, r.Height, plotH)
				}
				if b.Value <= 0 && r.Height != 0 {
					t.Errorf("bar %d (%d): height %v, want 0", i, b.Value, r.Height)
				}
				if b.Value > 0 {
					values = append(values, itoa(b.Value))
				}
				if wantTitle := strings.ReplaceAll(b.Label, "\n", " ") + ": " + b.Text; r.Title != wantTitle {
					t.Errorf("bar %d tooltip %q, want %q", i, r.Title, wantTitle)
				}
				if c.Labels[i] != b.Label {
					t.Errorf("bar %d label %q, want %q", i, c.Labels[i], b.Label)
				}
			}
			if strings.Join(c.Values, ",") != strings.Join(values, ",") {
				t.Errorf("numbers over the bars %v, want %v (only the non-zero ones)", c.Values, values)
			}
		})
	}
}

func nice(step int64) bool {
	for step >= 10 && step%10 == 0 {
		step /= 10
	}
	return step == 1 || step == 2 || step == 5
}

func TestBarChartEscapes(t *testing.T) {
	for _, tc := range []struct{ name, title, unit, label, text string }{
		{name: "markup", title: `<script>alert(1)</script>`, unit: "<b>", label: `<i>x</i>`, text: "<1>"},
		{name: "ampersand and quotes", title: `A & "B" 'C'`, unit: `"₽"`, label: `O'Neil & Co "1"`, text: `5 & 6`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			format := func(v int64) string { return "<" + strconv.FormatInt(v, 10) + ">" }
			out := string(barChart{Title: tc.title, Unit: tc.unit, Format: format,
				Bars: []bar{{Label: tc.label, Value: 3, Text: tc.text}}}.SVG())
			for _, raw := range []string{tc.title, tc.unit, tc.label, tc.text, "<3>", "<script", "<b>", "<i>"} {
				if strings.Contains(out, raw) {
					t.Errorf("%q written unescaped:\n%s", raw, out)
				}
			}
			c := parseChart(t, out)
			if c.Title != tc.title || c.Aria != tc.title {
				t.Errorf("title %q, aria-label %q, want %q", c.Title, c.Aria, tc.title)
			}
			if want := tc.label + ": " + tc.text; c.Rects[0].Title != want {
				t.Errorf("tooltip %q, want %q", c.Rects[0].Title, want)
			}
			if c.Labels[0] != tc.label || c.Values[0] != "<3>" {
				t.Errorf("label %q, value %q", c.Labels[0], c.Values[0])
			}
		})
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ top, step int64 }{
		{1, 1}, {5, 1}, {6, 2}, {7, 2}, {10, 2}, {11, 5}, {25, 5}, {26, 10}, {50, 10}, {100, 20}, {101, 50},
		{1234500, 500000},
	} {
		t.Run(strconv.FormatInt(tc.top, 10), func(t *testing.T) {
			if got := niceStep(tc.top); got != tc.step {
				t.Errorf("niceStep(%d) = %d, want %d", tc.top, got, tc.step)
			}
		})
	}
}

func TestChartLabels(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"january", monthLabel(ru, "2027-01"), "янв\n2027"},
		{"december", monthLabel(ru, "2026-12"), "дек\n2026"},
		{"not a period", monthLabel(ru, "2026"), "2026"},
		{"whole roubles", rubShort(ru, 1500000), "15\u00a0000"},
		{"kopecks", rubShort(ru, 50), "0,50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// TestDashboardSVGCharts checks that the dashboard embeds both charts as SVG over the tables.
func TestDashboardSVGCharts(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ login, section, caption string }{
		{"account_admin", `id="expiry-chart"`, "сертификатов"},
		{"manager", "Прогноз затрат на перевыпуск", "₽ с НДС"},
	} {
		t.Run(tc.login, func(t *testing.T) {
			b := e.browser()
			b.login(tc.login)
			body := b.get("/ui/").body
			_, sec, ok := strings.Cut(body, tc.section)
			sec, _, _ = strings.Cut(sec, "</section>")
			start, end := strings.Index(sec, "<svg"), strings.Index(sec, "</svg>")
			if !ok || start < 0 || end < start {
				t.Fatalf("no <svg> in the %s section:\n%s", tc.section, sec)
			}
			c := parseChart(t, sec[start:end+len("</svg>")])
			if len(c.Rects) != 12 || len(c.Values) == 0 {
				t.Errorf("%d bars, %d non-zero, want 12 months with some", len(c.Rects), len(c.Values))
			}
			contains(t, "chart", sec, tc.caption, `<table class="list compact">`)
		})
	}
}
