package requisites

import "testing"

func TestBankRequisites(t *testing.T) {
	// Sberbank's published БИК and correspondent account, and an account with its control key.
	const bic = "044525225"
	for _, c := range []struct {
		name string
		err  error
	}{
		{"valid БИК", ValidateBIC(bic)},
		{"valid account", ValidateAccount(bic, "40702810938000000001")},
		{"valid correspondent account", ValidateCorrAccount(bic, "30101810400000000225")},
		{"the Treasury's БИК", ValidateBIC("004525988")},
		// At a Bank of Russia division (БИК ending 000) the key takes "0" and the БИК's fifth and sixth digits.
		{"account at a Bank of Russia division", ValidateAccount("044525000", "40102810545370000003")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.err != nil {
				t.Error(c.err)
			}
		})
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"short БИК", ValidateBIC("04452522"), errBICLength},
		{"БИК with a letter", ValidateBIC("04452522A"), errBICLength},
		{"foreign БИК", ValidateBIC("144525225"), errBICCountry},
		{"account with a short БИК", ValidateAccount("0445", "40702810938000000001"), errBICInvalid},
		{"correspondent account with a short БИК", ValidateCorrAccount("", "30101810400000000225"), errBICInvalid},
		{"account with a wrong key", ValidateAccount(bic, "40702810900000000001"), errAccountKey},
		{"account of another bank", ValidateAccount("044525593", "40702810938000000001"), errAccountKey},
		{"short account", ValidateAccount(bic, "4070281093800000000"), errAccountLength},
		{"correspondent account with a wrong key", ValidateCorrAccount(bic, "30101810400000000226"), errAccountKey},
		{"settlement account as correspondent", ValidateCorrAccount(bic, "40702810938000000001"), errCorrPrefix},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.err != c.want {
				t.Errorf("err = %v, want %v", c.err, c.want)
			}
		})
	}
}
