package requisites

import "errors"

var (
	errBICLength     = errors.New("must be exactly 9 digits")
	errBICCountry    = errors.New("must start with 04 (a Russian bank) or 00 (the Federal Treasury)")
	errBICInvalid    = errors.New("cannot be checked without a valid БИК")
	errAccountLength = errors.New("must be exactly 20 digits")
	errAccountKey    = errors.New("control key does not match the bank's БИК")
	errCorrPrefix    = errors.New("must start with 30101 (a correspondent account at the Bank of Russia)")
)

// ValidateBIC validates a Russian bank identification code (БИК): nine digits starting with 04 (banks and
// the Bank of Russia's divisions) or 00 (the Federal Treasury's accounts since 2021). It has no check digit.
func ValidateBIC(s string) error {
	if !isASCIIDigits(s, 9) {
		return errBICLength
	}
	if s[:2] != "04" && s[:2] != "00" {
		return errBICCountry
	}
	return nil
}

// ValidateAccount validates a settlement account (расчётный счёт) held at the bank with the given БИК:
// twenty digits whose control key, the Bank of Russia's weights 7-1-3 over three digits taken from the БИК
// and the account, sums to a multiple of ten. The three digits are the БИК's last three for a bank, and "0"
// with its fifth and sixth for an account at a Bank of Russia division (a БИК ending in 000).
func ValidateAccount(bic, account string) error {
	if ValidateBIC(bic) != nil {
		return errBICInvalid
	}
	if !isASCIIDigits(account, 20) {
		return errAccountLength
	}
	prefix := bic[6:]
	if prefix == "000" {
		prefix = "0" + bic[4:6]
	}
	if !bankKeyOK(prefix + account) {
		return errAccountKey
	}
	return nil
}

// ValidateCorrAccount validates a bank's correspondent account at the Bank of Russia: twenty digits starting
// with 30101 whose control key is computed over "0", the БИК's fifth and sixth digits, and the account.
func ValidateCorrAccount(bic, account string) error {
	if ValidateBIC(bic) != nil {
		return errBICInvalid
	}
	if !isASCIIDigits(account, 20) {
		return errAccountLength
	}
	if account[:5] != "30101" {
		return errCorrPrefix
	}
	if !bankKeyOK("0" + bic[4:6] + account) {
		return errAccountKey
	}
	return nil
}

// bankKeyOK applies the Bank of Russia's control key over 23 digits: the last digits of each digit times
// its weight (7, 1, 3 repeating) sum to a multiple of ten.
func bankKeyOK(s string) bool {
	weights := [3]int{7, 1, 3}
	sum := 0
	for i := range len(s) {
		sum += int(s[i]-'0') * weights[i%3] % 10
	}
	return sum%10 == 0
}
