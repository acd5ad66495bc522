package requisites

import (
	"math/rand/v2"
	"strings"
	"testing"
)

type testCase struct {
	name    string
	in      string
	wantErr string // "" means valid
}

func runCases(t *testing.T, validate func(string) error, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validate(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("%q: unexpected error %q", tc.in, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("%q: want error %q, got nil", tc.in, tc.wantErr)
			case tc.wantErr != "" && err.Error() != tc.wantErr:
				t.Fatalf("%q: want error %q, got %q", tc.in, tc.wantErr, err)
			}
		})
	}
}

const (
	msgCheck  = "check digit is wrong"
	msgChecks = "check digits are wrong"
)

func TestValidateINN10(t *testing.T) {
	const msgLen = "must be exactly 10 digits"
	runCases(t, ValidateINN10, []testCase{
		// Weights 2,4,10,3,5,9,4,6,8; check = sum mod 11 mod 10.
		// 7707083893: 14+28+0+21+0+72+12+48+72 = 267, 267 mod 11 = 3.
		{"Sberbank", "7707083893", ""},
		{"Alfa-Bank", "7728168971", ""}, // sum 287, mod 11 = 1
		{"Gazprom", "7736050003", ""},   // sum 135, mod 11 = 3
		// Residue 10 maps to check digit 0:
		// 14+28+70+18+15+9+28+0+48 = 230 = 11·20 + 10.
		{"residue 10", "7776317060", ""},
		// Residue 0 (4+28+70+18+15+9+28+0+48 = 220 = 11·20). It differs
		// from the previous case in one digit, yet both are valid: the
		// mod 11 mod 10 rule cannot catch every single-digit error.
		{"residue 0", "2776317060", ""},
		{"Sberbank last digit changed", "7707083894", msgCheck},
		{"Alfa-Bank last digit changed", "7728168970", msgCheck},
		{"Gazprom last digit changed", "7736050004", msgCheck},
		{"empty", "", msgLen},
		{"too short", "770708389", msgLen},
		{"too long", "77070838930", msgLen},
		{"12 digits", "500100732259", msgLen},
		{"letter", "77070838A3", msgLen},
		{"leading space", " 7707083893", msgLen},
		{"trailing space", "7707083893 ", msgLen},
		{"inner dash", "77070-83893", msgLen},
		{"Arabic-Indic digit", "770708389٣", msgLen},
		{"fullwidth digits", "７７０７０８３８９３", msgLen},
		{"minus sign", "-707083893", msgLen},
	})
}

func TestValidateINN12(t *testing.T) {
	const msgLen = "must be exactly 12 digits"
	runCases(t, ValidateINN12, []testCase{
		// Check 1: weights 7,2,4,10,3,5,9,4,6,8 over digits 1-10.
		// Check 2: weights 3,7,2,4,10,3,5,9,4,6,8 over digits 1-11.
		// Each check = sum mod 11 mod 10.
		//
		// 500100732259:
		//   35+0+0+10+0+0+63+12+12+16 = 148, 148 mod 11 = 5 (digit 11 is 5)
		//   15+0+0+4+0+0+35+27+8+12+40 = 141, 141 mod 11 = 9 (digit 12 is 9)
		{"published 500100732259", "500100732259", ""},
		// 526317984689:
		//   35+4+24+30+3+35+81+32+24+48 = 316, 316 mod 11 = 8
		//   15+14+12+12+10+21+45+72+16+36+64 = 317, 317 mod 11 = 9
		{"published 526317984689", "526317984689", ""},
		// Computed here from prefix 7712345678:
		//   49+14+4+20+9+20+45+24+42+64 = 291, 291 mod 11 = 5
		//   21+49+2+8+30+12+25+54+28+48+40 = 317, 317 mod 11 = 9
		{"computed 771234567859", "771234567859", ""},
		// Computed from prefix 3664069397, first check has residue 0:
		//   21+12+24+40+0+30+81+12+54+56 = 330 = 11·30 -> 0
		//   9+42+12+16+0+18+45+27+36+42+0 = 247, 247 mod 11 = 5
		{"computed 366406939705", "366406939705", ""},
		// Computed from prefix 0101000001:
		//   0+2+0+10+0+0+0+0+0+8 = 20, 20 mod 11 = 9
		//   0+7+0+4+0+0+0+0+0+6+72 = 89, 89 mod 11 = 1
		{"computed 010100000191", "010100000191", ""},
		{"last digit changed", "500100732258", msgChecks},
		{"first check digit changed", "500100732269", msgChecks},
		{"second published last digit changed", "526317984680", msgChecks},
		{"computed last digit changed", "771234567850", msgChecks},
		{"empty", "", msgLen},
		{"10 digits", "7707083893", msgLen},
		{"13 digits", "5001007322590", msgLen},
		{"letter", "50010073225O", msgLen},
		{"Arabic-Indic digit", "50010073225٩", msgLen},
		{"fullwidth digit", "50010073225９", msgLen},
		{"trailing space", "500100732259 ", msgLen},
	})
}

func TestValidateOrgINN(t *testing.T) {
	const msgLen = "must be exactly 10 or 12 digits"
	runCases(t, ValidateOrgINN, []testCase{
		{"legal entity", "7707083893", ""},
		{"sole proprietor", "500100732259", ""},
		{"10 digits bad check", "7707083894", msgCheck},
		{"12 digits bad check", "500100732258", msgChecks},
		{"10 bytes with letter", "77070838A3", "must be exactly 10 digits"},
		{"12 bytes with letter", "50010073225A", "must be exactly 12 digits"},
		{"empty", "", msgLen},
		{"11 digits", "77070838930", msgLen},
		{"13 digits", "1027700132195", msgLen},
		{"9 digits", "770708389", msgLen},
	})
}

func TestValidateKPP(t *testing.T) {
	const (
		msgLen   = "must be exactly 9 characters"
		msgChars = "must be digits, with uppercase letters A-Z allowed only in positions 5-6"
	)
	runCases(t, ValidateKPP, []testCase{
		{"published 773601001", "773601001", ""},
		{"published 770801001", "770801001", ""},
		{"largest-taxpayer office", "997750001", ""},
		{"letters in 5-6", "7736AB001", ""},
		{"letter in 5 only", "7736Z1001", ""},
		{"letter in 6 only", "77360Z001", ""},
		{"lowercase in 5-6", "7736ab001", msgChars},
		{"lowercase in 6", "77360a001", msgChars},
		{"letter in 1", "A73601001", msgChars},
		{"letter in 4", "773A01001", msgChars},
		{"letter in 7", "773601A01", msgChars},
		{"letter in 9", "77360100A", msgChars},
		{"non-Latin letter in 5", "7736Ж1001", msgLen}, // Ж is 2 bytes
		{"Arabic-Indic digit", "77360100١", msgLen},
		{"space inside", "7736 1001", msgChars},
		{"empty", "", msgLen},
		{"8 chars", "77360100", msgLen},
		{"10 chars", "7736010010", msgLen},
		{"leading space", " 773601001", msgLen},
	})
}

func TestValidateOGRN(t *testing.T) {
	const msgLen = "must be exactly 13 digits"
	runCases(t, ValidateOGRN, []testCase{
		// Check = (first 12 digits as a number mod 11) mod 10.
		// 102770013219 mod 11, digit by digit: 1,10,3,4,3,8,3,9,5,8,4,5 -> 5.
		{"Sberbank", "1027700132195", ""},
		{"Alfa-Bank", "1027700067328", ""}, // 102770006732 mod 11 = 8
		{"Gazprom", "1027700070518", ""},   // 102770007051 mod 11 = 8
		{"Sberbank last digit changed", "1027700132196", msgCheck},
		{"Alfa-Bank last digit changed", "1027700067320", msgCheck},
		{"Gazprom last digit changed", "1027700070519", msgCheck},
		// A ГРН (record number, first digit 2) is a common mix-up.
		{"first digit 2", "2027700132195", "must start with 1 or 5"},
		{"first digit 3", "3027700132195", "must start with 1 or 5"},
		{"empty", "", msgLen},
		{"12 digits", "102770013219", msgLen},
		{"ОГРНИП length", "304500116000157", msgLen},
		{"letter", "10277001321O5", msgLen},
		{"Arabic-Indic digit", "102770013219٥", msgLen},
		{"leading space", " 1027700132195", msgLen},
	})
}

func TestValidateOGRNIP(t *testing.T) {
	const msgLen = "must be exactly 15 digits"
	runCases(t, ValidateOGRNIP, []testCase{
		// Check = (first 14 digits as a number mod 13) mod 10.
		// 30450011600015 mod 13, digit by digit:
		// 3,4,5,3,4,1,11,7,11,6,8,2,8,7 -> 7.
		{"published 304500116000157", "304500116000157", ""},
		{"last digit changed", "304500116000158", msgCheck},
		{"first digit 1", "104500116000157", "must start with 3"},
		{"first digit 4 (ГРНИП)", "404500116000157", "must start with 3"},
		{"empty", "", msgLen},
		{"14 digits", "30450011600015", msgLen},
		{"ОГРН length", "1027700132195", msgLen},
		{"letter", "3045001160001S7", msgLen},
		{"fullwidth digit", "30450011600015７", msgLen},
	})
}

func TestValidateSNILS(t *testing.T) {
	const (
		msgLen   = "must be exactly 11 digits"
		msgCheck = "check number is wrong"
	)
	runCases(t, ValidateSNILS, []testCase{
		// Weights 9..1 over the first 9 digits.
		// 112233445: 9+8+14+12+15+12+12+8+5 = 95 < 100 -> check 95.
		{"published 112-233-445 95", "11223344595", ""},
		// 312201681: 27+8+14+12+0+4+18+16+1 = 100 -> check 00.
		{"sum 100", "31220168100", ""},
		// 100147692: 9+0+0+6+20+28+18+18+2 = 101 -> check 00.
		{"sum 101", "10014769200", ""},
		// 030418502: 0+24+0+24+5+32+15+0+2 = 102, 102 mod 101 = 1.
		{"sum 102", "03041850201", ""},
		// 971402380: 81+56+7+24+0+8+9+16+0 = 201, 201 mod 101 = 100 -> 00.
		{"sum 201", "97140238000", ""},
		// 001001999: 7+4+27+18+9 = 65; the first number with a check.
		{"first checked number", "00100199965", ""},
		{"first checked number bad check", "00100199900", msgCheck},
		// At or below 001-001-998 any check number is accepted.
		{"threshold any check", "00100199842", ""},
		{"zero any check", "00000000000", ""},
		{"published last digit changed", "11223344596", msgCheck},
		{"published first check digit changed", "11223344585", msgCheck},
		{"sum 100 with check 10", "31220168110", msgCheck},
		{"formatted with dash and space", "112-233-445 95", msgLen},
		{"formatted with dashes", "112-233-445-95", msgLen},
		{"empty", "", msgLen},
		{"10 digits", "1122334459", msgLen},
		{"12 digits", "112233445950", msgLen},
		{"letter", "1122334459O", msgLen},
		{"Arabic-Indic digit", "1122334459٥", msgLen},
		{"trailing space", "11223344595 ", msgLen},
	})
}

func TestNormalizeSNILS(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"112-233-445 95", "11223344595"},
		{"112-233-445-95", "11223344595"},
		{" 112 233 445 95 ", "11223344595"},
		{"11223344595", "11223344595"},
		{"", ""},
		{"1\t2", "1\t2"}, // only spaces and dashes are separators
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizeSNILS(tc.in); got != tc.want {
				t.Fatalf("NormalizeSNILS(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if err := ValidateSNILS(NormalizeSNILS("112-233-445 95")); err != nil {
		t.Fatalf("normalized published СНИЛС: %v", err)
	}
}

const propertyN = 10_000

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestGeneratedValidate(t *testing.T) {
	r := newRand()
	gens := []struct {
		name     string
		gen      func() string
		validate func(string) error
	}{
		{"INN10", func() string { return GenerateINN10(r) }, ValidateINN10},
		{"INN12", func() string { return GenerateINN12(r) }, ValidateINN12},
		{"OrgINN10", func() string { return GenerateINN10(r) }, ValidateOrgINN},
		{"OrgINN12", func() string { return GenerateINN12(r) }, ValidateOrgINN},
		{"KPP", func() string { return GenerateKPP(r, GenerateINN10(r)) }, ValidateKPP},
		{"KPP bad INN", func() string { return GenerateKPP(r, "x") }, ValidateKPP},
		{"OGRN", func() string { return GenerateOGRN(r) }, ValidateOGRN},
		{"OGRNIP", func() string { return GenerateOGRNIP(r) }, ValidateOGRNIP},
		{"SNILS", func() string { return GenerateSNILS(r) }, ValidateSNILS},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			for range propertyN {
				if s := g.gen(); g.validate(s) != nil {
					t.Fatalf("generated %q is invalid: %v", s, g.validate(s))
				}
			}
		})
	}
}

func TestGenerateKPPUsesTaxOffice(t *testing.T) {
	r := newRand()
	for range 100 {
		inn := GenerateINN10(r)
		if kpp := GenerateKPP(r, inn); kpp[:4] != inn[:4] {
			t.Fatalf("KPP %q does not start with tax office of INN %q", kpp, inn)
		}
	}
}

func TestGenerateFirstDigits(t *testing.T) {
	r := newRand()
	for range 1000 {
		if s := GenerateOGRN(r); s[0] != '1' && s[0] != '5' {
			t.Fatalf("OGRN %q starts with %c", s, s[0])
		}
		if s := GenerateOGRNIP(r); s[0] != '3' {
			t.Fatalf("OGRNIP %q starts with %c", s, s[0])
		}
		if s := GenerateSNILS(r); numMod(s[:9], 1_000_000_000) <= snilsCheckThreshold {
			t.Fatalf("SNILS %q is not above 001-001-998", s)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	gen := func() string {
		r := newRand()
		inn := GenerateINN10(r)
		return strings.Join([]string{inn, GenerateINN12(r), GenerateKPP(r, inn),
			GenerateOGRN(r), GenerateOGRNIP(r), GenerateSNILS(r)}, " ")
	}
	if a, b := gen(), gen(); a != b {
		t.Fatalf("same seed gave different values:\n%s\n%s", a, b)
	}
}

// mutations calls f for every string that differs from s in exactly one of
// the given positions.
func mutations(s string, positions []int, f func(pos int, m string)) {
	b := []byte(s)
	for _, i := range positions {
		orig := b[i]
		for d := byte('0'); d <= '9'; d++ {
			if d == orig {
				continue
			}
			b[i] = d
			f(i, string(b))
		}
		b[i] = orig
	}
}

func span(from, to int) []int {
	var p []int
	for i := from; i < to; i++ {
		p = append(p, i)
	}
	return p
}

// TestSingleDigitChange checks only what each algorithm guarantees.
//
// For the "residue mod m, then mod 10" rules (ИНН mod 11, ОГРН mod 11,
// ОГРНИП mod 13), changing one non-check digit always changes the residue,
// because every weight (or power of 10) is non-zero mod the prime m and the
// digit delta is in -9..9. But residues 0 and 10 (and for mod 13 also 1/11
// and 2/12) map to the same check digit, so the change is guaranteed to be
// caught only when the original residue is below 10 and not 0 (for mod 13:
// 3..9). Changing the check digit itself is always caught.
//
// For СНИЛС a single change moves the weighted sum by at most 9·9 = 81 < 101,
// so the sum mod 101 always changes; it is caught unless the residue is 0 or
// 100 (both give check 00), or the change drops the number to 001-001-998
// or below, where any check number is accepted.
func TestSingleDigitChange(t *testing.T) {
	r := newRand()
	t.Run("INN10", func(t *testing.T) {
		for range propertyN {
			s := GenerateINN10(r)
			pos := []int{9}
			sum := 0
			for i, w := range inn10Weights {
				sum += int(s[i]-'0') * w
			}
			if res := sum % 11; res >= 1 && res <= 9 {
				pos = span(0, 10)
			}
			mutations(s, pos, func(i int, m string) {
				if ValidateINN10(m) == nil {
					t.Fatalf("%q -> %q (position %d) still valid", s, m, i+1)
				}
			})
		}
	})
	t.Run("OGRN", func(t *testing.T) {
		for range propertyN {
			s := GenerateOGRN(r)
			pos := []int{12}
			if res := numMod(s[:12], 11); res >= 1 && res <= 9 {
				pos = span(0, 13)
			}
			mutations(s, pos, func(i int, m string) {
				if ValidateOGRN(m) == nil {
					t.Fatalf("%q -> %q (position %d) still valid", s, m, i+1)
				}
			})
		}
	})
	t.Run("OGRNIP", func(t *testing.T) {
		for range propertyN {
			s := GenerateOGRNIP(r)
			pos := []int{14}
			if res := numMod(s[:14], 13); res >= 3 && res <= 9 {
				pos = span(0, 15)
			}
			mutations(s, pos, func(i int, m string) {
				if ValidateOGRNIP(m) == nil {
					t.Fatalf("%q -> %q (position %d) still valid", s, m, i+1)
				}
			})
		}
	})
	t.Run("SNILS", func(t *testing.T) {
		for range propertyN {
			s := GenerateSNILS(r)
			pos := []int{9, 10}
			sum := 0
			for i := range 9 {
				sum += int(s[i]-'0') * (9 - i)
			}
			if res := sum % 101; res != 0 && res != 100 {
				pos = span(0, 11)
			}
			mutations(s, pos, func(i int, m string) {
				if numMod(m[:9], 1_000_000_000) <= snilsCheckThreshold {
					return // unchecked range, see ValidateSNILS
				}
				if ValidateSNILS(m) == nil {
					t.Fatalf("%q -> %q (position %d) still valid", s, m, i+1)
				}
			})
		}
	})
}

// fuzzValid checks that validate does not panic and that anything it accepts
// is made only of allowed bytes, with an allowed length.
func fuzzValid(f *testing.F, validate func(string) error, lengths []int, allowed func(i int, c byte) bool, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add("")
	f.Add(" ")
	f.Add("٣٣٣٣٣٣٣٣٣٣")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		if validate(s) != nil {
			return
		}
		okLen := false
		for _, n := range lengths {
			okLen = okLen || len(s) == n
		}
		if !okLen {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		for i := 0; i < len(s); i++ {
			if !allowed(i, s[i]) {
				t.Fatalf("accepted %q with byte %q at %d", s, s[i], i)
			}
		}
	})
}

func isDigit(_ int, c byte) bool { return c >= '0' && c <= '9' }

func FuzzValidateINN10(f *testing.F) {
	fuzzValid(f, ValidateINN10, []int{10}, isDigit, "7707083893", "7707083894")
}

func FuzzValidateINN12(f *testing.F) {
	fuzzValid(f, ValidateINN12, []int{12}, isDigit, "500100732259", "526317984689")
}

func FuzzValidateOrgINN(f *testing.F) {
	fuzzValid(f, ValidateOrgINN, []int{10, 12}, isDigit, "7707083893", "500100732259")
}

func FuzzValidateKPP(f *testing.F) {
	fuzzValid(f, ValidateKPP, []int{9}, func(i int, c byte) bool {
		return isDigit(i, c) || (i == 4 || i == 5) && c >= 'A' && c <= 'Z'
	}, "773601001", "7736AB001", "7736ab001")
}

func FuzzValidateOGRN(f *testing.F) {
	fuzzValid(f, ValidateOGRN, []int{13}, isDigit, "1027700132195", "1027700067328")
}

func FuzzValidateOGRNIP(f *testing.F) {
	fuzzValid(f, ValidateOGRNIP, []int{15}, isDigit, "304500116000157")
}

func FuzzValidateSNILS(f *testing.F) {
	fuzzValid(f, func(s string) error {
		// Also exercise NormalizeSNILS; it must not panic either.
		_ = ValidateSNILS(NormalizeSNILS(s))
		return ValidateSNILS(s)
	}, []int{11}, isDigit, "11223344595", "112-233-445 95", "00100199800")
}
