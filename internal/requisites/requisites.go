// Package requisites validates and generates Russian state identifiers
// (ИНН, КПП, ОГРН, ОГРНИП, СНИЛС) using their published check-digit
// algorithms.
//
// Validators are strict: they accept only the canonical form (ASCII digits,
// no spaces or separators). Trimming and "is required" checks are the
// caller's job; an empty string is reported as having the wrong length.
// Error messages are short English phrases meant to follow a field name,
// e.g. "ИНН must be exactly 10 digits".
package requisites

import (
	"errors"
	"math/rand/v2"
	"strings"
)

// Errors are unexported so the package API stays small; callers show
// err.Error() after the field name.
var (
	errINN10Length    = errors.New("must be exactly 10 digits")
	errINN12Length    = errors.New("must be exactly 12 digits")
	errOrgINNLength   = errors.New("must be exactly 10 or 12 digits")
	errKPPLength      = errors.New("must be exactly 9 characters")
	errKPPChars       = errors.New("must be digits, with uppercase letters A-Z allowed only in positions 5-6")
	errOGRNLength     = errors.New("must be exactly 13 digits")
	errOGRNIPLength   = errors.New("must be exactly 15 digits")
	errSNILSLength    = errors.New("must be exactly 11 digits")
	errCheckDigit     = errors.New("check digit is wrong")
	errCheckDigits    = errors.New("check digits are wrong")
	errSNILSCheckSum  = errors.New("check number is wrong")
	errOGRNFirstDigit = errors.New("must start with 1 or 5")
	errOGRNIPFirst    = errors.New("must start with 3")
)

// Weights from the Federal Tax Service ИНН algorithm. The 12-digit weights
// for the second check digit are the first-check weights with 3 prepended,
// and those are the 10-digit weights with 7 prepended.
var (
	inn10Weights = [...]int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn11Weights = [...]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights = [...]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// snilsCheckThreshold is the largest СНИЛС number (first 9 digits) for which
// no check number is defined: the Pension Fund regulation applies the
// checksum only to numbers greater than 001-001-998, because the earliest
// numbers were issued before the checksum rule existed. Such numbers are
// therefore accepted with any check number.
const snilsCheckThreshold = 1001998

// isASCIIDigits reports whether s is exactly n bytes, all '0'..'9'.
// Working on bytes (not runes) is deliberate: any non-ASCII rune, including
// Unicode digits such as '٣' or '３', occupies bytes outside '0'..'9'.
func isASCIIDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// weightedCheck returns (Σ digit·weight mod 11) mod 10, the ИНН check rule.
func weightedCheck(s string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return byte(sum % 11 % 10)
}

// numMod returns the decimal number spelled by s modulo m. Doing it digit by
// digit avoids any question of overflow and of parsing.
func numMod(s string, m int) int {
	r := 0
	for i := 0; i < len(s); i++ {
		r = (r*10 + int(s[i]-'0')) % m
	}
	return r
}

// snilsCheck returns the СНИЛС check number for the first 9 digits in s.
// The published rule (sum < 100 → sum; 100 or 101 → 0; otherwise sum mod 101,
// with 100 mapped to 0) is equivalent to (sum mod 101) mod 100.
func snilsCheck(s string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(s[i]-'0') * (9 - i)
	}
	return sum % 101 % 100
}

// ValidateINN10 validates a 10-digit legal-entity ИНН.
func ValidateINN10(s string) error {
	if !isASCIIDigits(s, 10) {
		return errINN10Length
	}
	if weightedCheck(s, inn10Weights[:]) != s[9]-'0' {
		return errCheckDigit
	}
	return nil
}

// ValidateINN12 validates a 12-digit ИНН of a natural person or sole
// proprietor, which carries two check digits.
func ValidateINN12(s string) error {
	if !isASCIIDigits(s, 12) {
		return errINN12Length
	}
	if weightedCheck(s, inn11Weights[:]) != s[10]-'0' ||
		weightedCheck(s, inn12Weights[:]) != s[11]-'0' {
		return errCheckDigits
	}
	return nil
}

// ValidateOrgINN validates the ИНН of an organization, which is 10 digits for
// a legal entity or 12 digits for a sole proprietor.
func ValidateOrgINN(s string) error {
	switch len(s) {
	case 10:
		return ValidateINN10(s)
	case 12:
		return ValidateINN12(s)
	}
	return errOrgINNLength
}

// ValidateKPP validates a КПП: 9 characters, where the first 4 are the tax
// office code (digits), positions 5-6 are the reason code (digits or
// uppercase Latin letters A-Z) and the last 3 are a sequence number (digits).
// КПП has no check digit, so only the format is checked.
func ValidateKPP(s string) error {
	if len(s) != 9 {
		return errKPPLength
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if (i == 4 || i == 5) && c >= 'A' && c <= 'Z' {
			continue
		}
		return errKPPChars
	}
	return nil
}

// ValidateOGRN validates a 13-digit ОГРН of a legal entity. The first digit
// (record type) must be 1 or 5, the only values used for ОГРН; the check
// digit is (first 12 digits as a number mod 11) mod 10.
func ValidateOGRN(s string) error {
	if !isASCIIDigits(s, 13) {
		return errOGRNLength
	}
	if s[0] != '1' && s[0] != '5' {
		return errOGRNFirstDigit
	}
	if byte(numMod(s[:12], 11)%10) != s[12]-'0' {
		return errCheckDigit
	}
	return nil
}

// ValidateOGRNIP validates a 15-digit ОГРНИП of a sole proprietor. The first
// digit (record type) must be 3; the check digit is (first 14 digits as a
// number mod 13) mod 10.
func ValidateOGRNIP(s string) error {
	if !isASCIIDigits(s, 15) {
		return errOGRNIPLength
	}
	if s[0] != '3' {
		return errOGRNIPFirst
	}
	if byte(numMod(s[:14], 13)%10) != s[14]-'0' {
		return errCheckDigit
	}
	return nil
}

// ValidateSNILS validates a СНИЛС given as exactly 11 ASCII digits; use
// NormalizeSNILS first to accept the "123-456-789 01" display form. Numbers
// not greater than 001-001-998 are accepted with any check number, see
// snilsCheckThreshold.
func ValidateSNILS(s string) error {
	if !isASCIIDigits(s, 11) {
		return errSNILSLength
	}
	// 9 digits cannot exceed 999,999,999, so numMod with 10^9 is a plain parse.
	if numMod(s[:9], 1_000_000_000) <= snilsCheckThreshold {
		return nil
	}
	if snilsCheck(s) != int(s[9]-'0')*10+int(s[10]-'0') {
		return errSNILSCheckSum
	}
	return nil
}

// NormalizeSNILS removes spaces and dashes, turning the display forms
// "123-456-789 01" and "123-456-789-01" into "12345678901".
func NormalizeSNILS(s string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(s)
}

// digits returns n random ASCII digits.
func digits(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return b
}

// regionDigits returns a random two-digit region code 01..99, so generated
// values do not start with the unrealistic "00".
func regionDigits(r *rand.Rand) []byte {
	n := 1 + r.IntN(99)
	return []byte{byte('0' + n/10), byte('0' + n%10)}
}

// GenerateINN10 returns a random valid 10-digit ИНН. The result depends only
// on the state of r, so a seeded r gives reproducible data.
func GenerateINN10(r *rand.Rand) string {
	b := append(regionDigits(r), digits(r, 8)...)
	b[9] = '0' + weightedCheck(string(b), inn10Weights[:])
	return string(b)
}

// GenerateINN12 returns a random valid 12-digit ИНН.
func GenerateINN12(r *rand.Rand) string {
	b := append(regionDigits(r), digits(r, 10)...)
	b[10] = '0' + weightedCheck(string(b), inn11Weights[:])
	b[11] = '0' + weightedCheck(string(b), inn12Weights[:])
	return string(b)
}

// kppReasons are common reason codes (positions 5-6): 01 is the main
// registration, the others are frequent ones for branches and large
// taxpayers.
var kppReasons = [...]string{"01", "02", "03", "05", "43", "45", "50"}

// GenerateKPP returns a random valid КПП for the organization with ИНН inn10.
// Its first 4 digits are the tax office code taken from the ИНН; if inn10 does
// not start with 4 ASCII digits, a random code is used so the result still
// validates. The rest is a reason code and a sequence number such as "01001".
func GenerateKPP(r *rand.Rand, inn10 string) string {
	var office string
	if len(inn10) >= 4 && isASCIIDigits(inn10[:4], 4) {
		office = inn10[:4]
	} else {
		office = string(append(regionDigits(r), digits(r, 2)...))
	}
	reason := kppReasons[r.IntN(len(kppReasons))]
	// Most organizations have only the first registration in an office.
	seq := "001"
	if r.IntN(4) == 0 {
		seq = string([]byte{'0', '0', byte('1' + r.IntN(9))})
	}
	return office + reason + seq
}

// GenerateOGRN returns a random valid 13-digit ОГРН starting with 1 or 5.
func GenerateOGRN(r *rand.Rand) string {
	b := make([]byte, 0, 13)
	b = append(b, "15"[r.IntN(2)])
	b = append(b, digits(r, 2)...) // year of registration
	b = append(b, regionDigits(r)...)
	b = append(b, digits(r, 7)...)
	b = append(b, byte('0'+numMod(string(b), 11)%10))
	return string(b)
}

// GenerateOGRNIP returns a random valid 15-digit ОГРНИП starting with 3.
func GenerateOGRNIP(r *rand.Rand) string {
	b := make([]byte, 0, 15)
	b = append(b, '3')
	b = append(b, digits(r, 2)...) // year of registration
	b = append(b, regionDigits(r)...)
	b = append(b, digits(r, 9)...)
	b = append(b, byte('0'+numMod(string(b), 13)%10))
	return string(b)
}

// GenerateSNILS returns a random valid 11-digit СНИЛС (no separators) whose
// number is greater than 001-001-998, so its check number is meaningful.
func GenerateSNILS(r *rand.Rand) string {
	n := snilsCheckThreshold + 1 + r.IntN(999_999_999-snilsCheckThreshold)
	b := make([]byte, 11)
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	c := snilsCheck(string(b))
	b[9] = byte('0' + c/10)
	b[10] = byte('0' + c%10)
	return string(b)
}
