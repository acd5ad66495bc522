package document

import (
	"mime"
	"testing"
)

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct {
		name, disposition, file, want string
	}{
		{"ASCII name", "attachment", "invoice-1.pdf", `attachment; filename=invoice-1.pdf`},
		{"Cyrillic name with an ASCII stand-in", "attachment", "invoice-КЦР-2026-000001.pdf",
			`attachment; filename=invoice-___-2026-000001.pdf; filename*=utf-8''invoice-%D0%9A%D0%A6%D0%A0-2026-000001.pdf`},
		{"quoted when needed", "inline", "a b.pdf", `inline; filename="a b.pdf"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ContentDisposition(c.disposition, c.file)
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
			// A standard parser reads the UTF-8 name back.
			d, params, err := mime.ParseMediaType(got)
			if err != nil || d != c.disposition || params["filename"] != c.file {
				t.Errorf("parsed back: %q %v %v", d, params, err)
			}
		})
	}
}
