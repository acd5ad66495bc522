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
			if err := tmpl.Execute(&b, map[string]int{"N": n, "Bits": 64 * n, "Size": 8 * n}); err != nil {
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
