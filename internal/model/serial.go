package model

import "strings"

// CanonicalSerial turns a certificate serial number as people copy it into the form the register keeps
// (lower-case hex without leading zeros): OpenSSL prints "0A:1F:…" or "0A1F…" (DER bytes, so a leading
// zero when the top nibble is 0), CryptoPro and Windows print upper case with spaces. Text that is not
// hex is returned trimmed, unchanged otherwise, so that it simply finds nothing.
func CanonicalSerial(s string) string {
	s = strings.TrimSpace(s)
	compact := strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(compact) > 2 && (compact[:2] == "0x" || compact[:2] == "0X") {
		compact = compact[2:]
	}
	if compact == "" || strings.Trim(compact, "0123456789abcdefABCDEF") != "" {
		return s
	}
	compact = strings.TrimLeft(strings.ToLower(compact), "0")
	if compact == "" {
		return "0"
	}
	return compact
}
