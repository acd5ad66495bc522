package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// overflowJS lists what is wider than the window: the page itself, and any element reaching past the
// window's edge that no scroll box of its own holds. An element wholly left of the window is a skip link
// kept off screen on purpose.
const overflowJS = `(() => {
	const W = window.innerWidth, bad = [];
	if (document.documentElement.scrollWidth > W) bad.push("the page is " + document.documentElement.scrollWidth + " px wide");
	const boxed = el => {
		for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX;
			if (o === "auto" || o === "scroll" || o === "hidden") return true;
		}
		return false;
	};
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if ((r.width === 0 && r.height === 0) || r.right <= 0) continue;
		if ((r.right > W + 1 || r.left < -1) && !boxed(el)) {
			bad.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
				(typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "") +
				" " + Math.round(r.left) + ".." + Math.round(r.right));
		}
	}
	return bad.slice(0, 8);
})()`

// chartFontJS is the smallest rendered size in px of the charts' text, 99 without a chart.
const chartFontJS = `(() => {
	let least = 99;
	for (const s of document.querySelectorAll("svg.chart")) {
		const k = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
		for (const t of s.querySelectorAll("text")) least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * k);
	}
	return least;
})()`

// errorPageJS reports whether the page is the error page (a role's "forbidden", a foreign card's "not found").
const errorPageJS = `document.querySelector('main > div.card > p.error + p > a[href="/ui/"]') !== null`

// phoneCheck fails the test for what sticks out of a window of the given width on the current page, and
// for chart labels under 12 px.
func phoneCheck(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
	must(t, err)
	if len(bad) > 0 {
		t.Errorf("%s: wider than the window: %s", what, strings.Join(bad, "; "))
	}
	font, err := chromedp.Run(ctx, chromedp.Evaluate[float64](chartFontJS))
	must(t, err)
	if font < 11.95 {
		t.Errorf("%s: chart labels of %.1f px, want 12 at least", what, font)
	}
}

// noScript turns script execution off in the page, as in a browser with JavaScript disabled.
var noScript = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	return err
})
