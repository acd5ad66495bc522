package document

import (
	"mime"
	"strings"
)

// ContentDisposition is the Content-Disposition header of a download named name (attachment or inline).
// A name outside ASCII (the invoices' "КЦР-…" numbers) goes as RFC 2231 UTF-8 in filename*, with an ASCII
// stand-in (other characters as "_") in filename for clients that read only that; the header stays ASCII.
func ContentDisposition(disposition, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r >= 0x80 {
			return '_'
		}
		return r
	}, name)
	if ascii == name {
		return mime.FormatMediaType(disposition, map[string]string{"filename": name})
	}
	return mime.FormatMediaType(disposition, map[string]string{"filename": ascii}) + "; " +
		strings.TrimPrefix(mime.FormatMediaType(disposition, map[string]string{"filename": name}), disposition+"; ")
}
