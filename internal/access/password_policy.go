package access

import (
	_ "embed"
	"strings"
	"unicode"

	"github.com/kcr-project/kcr/internal/errs"
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list of passwords and stems too common to accept.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// Password length bounds: the minimum is the rule users know; the maximum keeps hashing cheap to refuse.
const (
	passwordMinRunes = 10
	passwordMaxBytes = 256
	passwordMinKinds = 5 // distinct characters
)

// checkPasswordStrength applies the password policy: 10 characters or more, at most 256 bytes, not a
// common password (or a common stem followed by digits and punctuation), not the login, not a run of one
// character or a sequence ("1234567890", "abcdefghij"), and at least five distinct characters. Errors name
// field.
func checkPasswordStrength(field, login, pw string) error {
	if len([]rune(pw)) < passwordMinRunes {
		return errs.Field(field, "too_short", "must be at least 10 characters")
	}
	if len(pw) > passwordMaxBytes {
		return errs.Field(field, "too_long", "must be at most 256 bytes")
	}
	lower := strings.ToLower(pw)
	stem := strings.TrimRightFunc(lower, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ' })
	if commonPasswords[lower] || commonPasswords[stem] {
		return errs.Field(field, "common", "is a commonly used password; choose another")
	}
	if login != "" && strings.Contains(lower, strings.ToLower(login)) {
		return errs.Field(field, "contains_login", "must not contain the login")
	}
	if isSequence(lower) {
		return errs.Field(field, "trivial", "must not be one repeated character or a sequence such as 1234567890")
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < passwordMinKinds {
		return errs.Field(field, "trivial", "must have at least 5 different characters")
	}
	return nil
}

// isSequence reports whether each character is the previous one plus the same step of -1, 0 or +1
// ("aaaaaaaaaa", "1234567890" with 0 after 9, "9876543210", "abcdefghij"). A repeated short chunk
// ("abcabcabca") is caught by the distinct-character rule.
func isSequence(s string) bool {
	rs := []rune(s)
	step := func(a, b rune) rune {
		if a == '9' && b == '0' {
			return 1
		}
		if a == '0' && b == '9' {
			return -1
		}
		return b - a
	}
	d := step(rs[0], rs[1])
	linear := d >= -1 && d <= 1
	for i := 2; linear && i < len(rs); i++ {
		linear = step(rs[i-1], rs[i]) == d
	}
	return linear
}
