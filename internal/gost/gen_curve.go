//go:build ignore

// gen_curve writes the fixed-size curve arithmetic: curve4.go (256-bit sets, 4×64-bit limbs) and
// curve8.go (512-bit sets, 8 limbs) from curve.go.tmpl, and their test adapters from
// curve_test.go.tmpl, so both sizes share one source. Run by `go generate ./internal/gost/`.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"strings"
	"text/template"
)

func main() {
	for _, f := range []struct{ tmpl, out string }{
		{"curve.go.tmpl", "curve%d.go"},
		{"curve_test.go.tmpl", "curve%d_test.go"},
	} {
		tmpl := template.Must(template.ParseFiles(f.tmpl))
		for _, n := range []int{4, 8} {
			var b bytes.Buffer
			data := map[string]any{"N": n, "Bits": 64 * n, "Size": 8 * n, "MulBody": mulBody(n), "MulSpecialBody": mulSpecialBody(n), "SqrSpecialBody": sqrSpecialBody(n), "AddBody": addBody(n), "SubBody": subBody(n)}
			if err := tmpl.Execute(&b, data); err != nil {
				log.Fatal(err)
			}
			src, err := format.Source(b.Bytes())
			if err != nil {
				log.Fatalf("%s: %v", f.tmpl, err)
			}
			if err := os.WriteFile(fmt.Sprintf(f.out, n), src, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
}

// mulBody is the Montgomery multiplication (CIOS) unrolled for n limbs, with the running sum in local
// variables t0..t(n+1) so that it lives in registers rather than in an array.
func mulBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts []string
	for i := range n + 2 {
		ts = append(ts, fmt.Sprintf("t%d", i))
	}
	w("var %s, c, hi, lo, cc, u uint64", strings.Join(ts, ", "))
	w("minv := md.minv")
	for i := range n {
		w("// word %d of y", i)
		w("yi = y[%d]", i)
		w("hi, lo = bits.Mul64(x[0], yi)")
		w("t0, cc = bits.Add64(t0, lo, 0)")
		w("c = hi + cc")
		for j := 1; j < n; j++ {
			w("hi, lo = bits.Mul64(x[%d], yi)", j)
			w("lo, cc = bits.Add64(lo, c, 0)")
			w("hi += cc")
			w("t%d, cc = bits.Add64(t%d, lo, 0)", j, j)
			w("c = hi + cc")
		}
		w("t%d, cc = bits.Add64(t%d, c, 0)", n, n)
		w("t%d = cc", n+1)
		w("u = t0 * minv")
		w("hi, lo = bits.Mul64(u, md.m[0])")
		w("_, cc = bits.Add64(t0, lo, 0)")
		w("c = hi + cc")
		for j := 1; j < n; j++ {
			w("hi, lo = bits.Mul64(u, md.m[%d])", j)
			w("lo, cc = bits.Add64(lo, c, 0)")
			w("hi += cc")
			w("t%d, cc = bits.Add64(t%d, lo, 0)", j-1, j)
			w("c = hi + cc")
		}
		w("t%d, cc = bits.Add64(t%d, c, 0)", n-1, n)
		w("t%d = t%d + cc", n, n+1)
	}
	w("r := fe%d{%s}", n, strings.Join(ts[:n], ", "))
	w("md.reduceOnce(z, &r, t%d)", n)
	return b.String()
}

// mulSpecialBody is z = x·y mod m for m = 2^(64n) - c, c < 2^32: the schoolbook product in locals
// t0..t(2n-1), then the high half folded in twice as hi·c (2^(64n) ≡ c), then one conditional
// subtraction of m, all without branches.
func mulSpecialBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts []string
	for i := range 2 * n {
		ts = append(ts, fmt.Sprintf("t%d", i))
	}
	w("var %s, carry, hi, lo, cc uint64", strings.Join(ts, ", "))
	for i := range n {
		w("carry = 0")
		for j := range n {
			if i == 0 {
				w("hi, lo = bits.Mul64(x[%d], y[0])", j)
				w("t%d, cc = bits.Add64(lo, carry, 0)", j)
				w("carry = hi + cc")
				continue
			}
			w("hi, lo = bits.Mul64(x[%d], y[%d])", j, i)
			w("lo, cc = bits.Add64(lo, t%d, 0)", i+j)
			w("hi += cc")
			w("t%d, cc = bits.Add64(lo, carry, 0)", i+j)
			w("carry = hi + cc")
		}
		w("t%d = carry", i+n)
	}
	fold(w, n)
	return b.String()
}

// sqrSpecialBody is mulSpecialBody for x·x: the cross products once, doubled, plus the squares.
func sqrSpecialBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts []string
	for i := range 2 * n {
		ts = append(ts, fmt.Sprintf("t%d", i))
	}
	w("var %s, carry, hi, lo, cc uint64", strings.Join(ts, ", "))
	for i := range n - 1 {
		w("carry = 0")
		for j := i + 1; j < n; j++ {
			w("hi, lo = bits.Mul64(x[%d], x[%d])", i, j)
			if i == 0 {
				w("t%d, cc = bits.Add64(lo, carry, 0)", i+j)
			} else {
				w("lo, cc = bits.Add64(lo, t%d, 0)", i+j)
				w("hi += cc")
				w("t%d, cc = bits.Add64(lo, carry, 0)", i+j)
			}
			w("carry = hi + cc")
		}
		w("t%d = carry", i+n)
	}
	w("// double the cross products")
	w("t%d = t%d >> 63", 2*n-1, 2*n-2)
	for i := 2*n - 2; i >= 2; i-- {
		w("t%d = t%d<<1 | t%d>>63", i, i, i-1)
	}
	w("t1 <<= 1")
	w("cc = 0")
	for i := range n {
		w("hi, lo = bits.Mul64(x[%d], x[%d])", i, i)
		if i == 0 {
			w("t0 = lo")
			w("t1, cc = bits.Add64(t1, hi, 0)")
			continue
		}
		w("t%d, cc = bits.Add64(t%d, lo, cc)", 2*i, 2*i)
		w("t%d, cc = bits.Add64(t%d, hi, cc)", 2*i+1, 2*i+1)
	}
	w("_ = cc")
	fold(w, n)
	return b.String()
}

// fold reduces the double-width t0..t(2n-1) modulo 2^(64n) - c into z.
func fold(w func(string, ...any), n int) {
	w("c := md.c")
	w("carry = 0")
	for j := range n {
		w("hi, lo = bits.Mul64(t%d, c)", n+j)
		w("lo, cc = bits.Add64(lo, carry, 0)")
		w("hi += cc")
		w("t%d, cc = bits.Add64(t%d, lo, 0)", j, j)
		w("carry = hi + cc")
	}
	w("// carry < 2^33: fold it once more; a carry out of that leaves t tiny, so adding c cannot carry")
	w("t0, cc = bits.Add64(t0, carry*c, 0)")
	for j := 1; j < n; j++ {
		w("t%d, cc = bits.Add64(t%d, 0, cc)", j, j)
	}
	w("t0 += c & -cc")
	w("// t < 2^(64n); subtract m if t >= m, i.e. if t + c carries")
	w("var r fe%d", n)
	w("r[0], cc = bits.Add64(t0, c, 0)")
	for j := 1; j < n; j++ {
		w("r[%d], cc = bits.Add64(t%d, 0, cc)", j, j)
	}
	w("mask := -cc")
	for j := range n {
		w("z[%d] = t%d&^mask | r[%d]&mask", j, j, j)
	}
}

// addBody is z = x + y mod m unrolled, the sum and the difference with m in locals (an array would
// live in memory), then one branch-free selection.
func addBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts, rs []string
	for i := range n {
		ts = append(ts, fmt.Sprintf("t%d", i))
		rs = append(rs, fmt.Sprintf("r%d", i))
	}
	w("var %s, %s, c, bw uint64", strings.Join(ts, ", "), strings.Join(rs, ", "))
	for i := range n {
		w("t%d, c = bits.Add64(x[%d], y[%d], c)", i, i, i)
	}
	for i := range n {
		w("r%d, bw = bits.Sub64(t%d, md.m[%d], bw)", i, i, i)
	}
	w("_, bw = bits.Sub64(c, 0, bw)")
	w("mask := -bw // all ones when x + y < m: keep the sum")
	for i := range n {
		w("z[%d] = t%d&mask | r%d&^mask", i, i, i)
	}
	return b.String()
}

// subBody is z = x - y mod m unrolled: the difference, plus m if it borrowed.
func subBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts []string
	for i := range n {
		ts = append(ts, fmt.Sprintf("t%d", i))
	}
	w("var %s, c, bw uint64", strings.Join(ts, ", "))
	for i := range n {
		w("t%d, bw = bits.Sub64(x[%d], y[%d], bw)", i, i, i)
	}
	w("mask := -bw")
	for i := range n {
		w("z[%d], c = bits.Add64(t%d, md.m[%d]&mask, c)", i, i, i)
	}
	w("_ = c")
	return b.String()
}
