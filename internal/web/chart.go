package web

import (
	"encoding/xml"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// bar is one bar of a chart.
type bar struct {
	Label string // under the bar; "\n" breaks it into lines
	Value int64  // the bar's height in the chart's unit; negative values are drawn as zero
	Text  string // the exact value, for the tooltip
}

// barChart is a vertical bar chart drawn on the server as inline SVG, so that it needs no script and
// scales with the page through its viewBox.
type barChart struct {
	Title  string // the accessible name
	Unit   string // the caption of the y axis
	Bars   []bar
	Format func(int64) string // short form of a value, for the ticks and the numbers over the bars
}

// The chart's geometry in viewBox units; CSS sets the rendered width.
const (
	chartW      = 720
	chartH      = 250
	chartLeft   = 56 // tick labels
	chartRight  = 8
	chartTop    = 28 // the unit caption and the number over the tallest bar
	chartBottom = 34 // two lines of bar labels
	plotH       = chartH - chartTop - chartBottom
	chartTicks  = 5 // at most this many steps up the y axis
)

// SVG renders the chart; it is empty when no bar is above zero, for the page to say so in words instead.
func (c barChart) SVG() template.HTML {
	var top int64
	for _, b := range c.Bars {
		top = max(top, b.Value)
	}
	if top == 0 {
		return ""
	}
	step := niceStep(top)
	axisTop := (top + step - 1) / step * step
	y := func(v int64) float64 { return chartTop + plotH - float64(max(v, 0))*plotH/float64(axisTop) }

	var s svgWriter
	// The box scrolls on a narrow screen instead of shrinking the drawing's text below 12 px.
	s.raw(`<div class="chart-box"><svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + num(chartW) + " " + num(chartH) +
		`" role="img" aria-label="`)
	s.text(c.Title)
	s.raw(`"><title>`)
	s.text(c.Title)
	s.raw(`</title><text class="unit" x="0" y="11">`)
	s.text(c.Unit)
	s.raw(`</text><g class="grid">`)
	for v := int64(0); v <= axisTop; v += step {
		ty := num(y(v))
		s.raw(`<line x1="` + num(chartLeft) + `" y1="` + ty + `" x2="` + num(chartW-chartRight) + `" y2="` + ty + `"/>`)
		s.raw(`<text x="` + num(chartLeft-6) + `" y="` + num(y(v)+4) + `" text-anchor="end">`)
		s.text(c.Format(v))
		s.raw(`</text>`)
	}
	s.raw(`</g><g class="bars">`)
	slot := float64(chartW-chartLeft-chartRight) / float64(len(c.Bars))
	for i, b := range c.Bars {
		mid := chartLeft + slot*(float64(i)+0.5)
		by := y(b.Value)
		s.raw(`<rect x="` + num(mid-slot*0.35) + `" y="` + num(by) + `" width="` + num(slot*0.7) +
			`" height="` + num(chartTop+plotH-by) + `"><title>`)
		s.text(strings.ReplaceAll(b.Label, "\n", " ") + ": " + b.Text)
		s.raw(`</title></rect>`)
		if b.Value > 0 {
			s.raw(`<text class="v" x="` + num(mid) + `" y="` + num(by-4) + `" text-anchor="middle">`)
			s.text(c.Format(b.Value))
			s.raw(`</text>`)
		}
		s.raw(`<text x="` + num(mid) + `" y="` + num(chartTop+plotH+14) + `" text-anchor="middle">`)
		for j, line := range strings.Split(b.Label, "\n") {
			s.raw(`<tspan x="` + num(mid) + `" dy="` + num(float64(min(j, 1)*12)) + `">`)
			s.text(line)
			s.raw(`</tspan>`)
		}
		s.raw(`</text>`)
	}
	s.raw(`</g></svg></div>`)
	return template.HTML(s.String())
}

// niceStep is the tick step for values up to top: 1, 2 or 5 times a power of ten, the smallest that needs
// no more than chartTicks steps. Values are whole units, so the step is at least 1.
func niceStep(top int64) int64 {
	raw := (top + chartTicks - 1) / chartTicks
	mag := int64(1)
	for mag*10 <= raw {
		mag *= 10
	}
	for _, m := range []int64{1, 2, 5} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// svgWriter builds the markup: text goes through XML escaping, raw only takes the renderer's own markup.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) raw(s string) { w.WriteString(s) }

func (w *svgWriter) text(s string) {
	_ = xml.EscapeText(w, []byte(s)) // a strings.Builder does not fail
}

// num writes a coordinate to a tenth of a unit, which is finer than a pixel at any sensible width.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// monthLabel turns a "2026-11" period into l's "ноя" or "Nov" over "2026"; anything else stays as it is.
func monthLabel(l locale, period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return l.T("chart.month."+t.Format("01")) + "\n" + t.Format("2006")
}

// rubShort is a kopeck amount in roubles as l writes it, for an axis already captioned in roubles:
// "15 000", or "0,50" when there are kopecks.
func rubShort(l locale, kopecks int64) string {
	s := strings.TrimSuffix(l.rub(kopecks), "\u00a0₽")
	if l == en {
		return strings.TrimSuffix(s, ".00")
	}
	return strings.TrimSuffix(s, ",00")
}
