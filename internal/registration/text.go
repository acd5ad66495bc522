package registration

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/errs"
)

// bidiControls are the Unicode bidirectional formatting characters: they make text display in another
// order than it is stored ("Trojan Source"), so a name or an address could read differently on screen and
// in the certificate.
const bidiControls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// textChars refuses invalid UTF-8, control characters (tab and newline are allowed in multi-line text only)
// and bidirectional formatting characters in a text field. It reports whether the text passed.
func textChars(f *errs.Fields, field, v string, multiline bool) bool {
	if !utf8.ValidString(v) {
		f.Add(field, "encoding", "must be valid UTF-8 text")
		return false
	}
	for _, r := range v {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			f.Add(field, "format", "must not contain control characters")
			return false
		}
		if strings.ContainsRune(bidiControls, r) {
			f.Add(field, "bidi", "must not contain bidirectional formatting characters")
			return false
		}
	}
	return true
}

// mixedScript refuses a word (letters between spaces, hyphens, quotes or punctuation) that mixes Latin and
// Cyrillic letters: such a word is almost always a look-alike ("Иванов" typed with a Latin "о"), which
// would make a second, different person or organization that reads the same.
func mixedScript(f *errs.Fields, field, v string) {
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if strings.ContainsFunc(w, isLatin) && strings.ContainsFunc(w, isCyrillic) {
			f.Add(field, "mixed_script", "the word "+w+" mixes Latin and Cyrillic letters; type it in one alphabet")
			return
		}
	}
}

func isLatin(r rune) bool    { return unicode.Is(unicode.Latin, r) }
func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }
