package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/requisites"
)

// demoSeller is the demo's CA operator on invoices and acts (kcr serve --demo without --seller): made-up
// requisites that pass every check, with Sberbank's published БИК and correspondent account.
var demoSeller = document.Party{Name: "ООО «Удостоверяющий центр КЦР»", INN: "7728168971", KPP: "770801001",
	OGRN: "1027700067328", Address: "117997, г. Москва, ул. Профсоюзная, д. 1", Bank: "ПАО Сбербанк, г. Москва",
	BIC: "044525225", Account: "40702810938000000001", CorrAccount: "30101810400000000225"}

// sellerFile is the JSON file of the CA operator's requisites (kcr serve --seller).
type sellerFile struct {
	Name        string `json:"name"`
	INN         string `json:"inn"`
	KPP         string `json:"kpp"`
	OGRN        string `json:"ogrn"`
	Address     string `json:"address"`
	Bank        string `json:"bank"`
	BIC         string `json:"bic"`
	Account     string `json:"account"`
	CorrAccount string `json:"corr_account"`
}

// loadSeller reads and checks the operator's requisites: every field is required and every number passes
// its check (ИНН, КПП, ОГРН, БИК, and the accounts' control keys against the БИК), so that no invoice goes
// out that the buyer's bank would refuse.
func loadSeller(path string) (document.Party, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return document.Party{}, usageError{fmt.Sprintf("--seller: %v", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f sellerFile
	if err := dec.Decode(&f); err != nil {
		return document.Party{}, usageError{fmt.Sprintf("--seller %s: not the expected JSON object: %v", path, err)}
	}
	var problems []string
	check := func(field, value string, validate func(string) error) {
		switch {
		case strings.TrimSpace(value) == "":
			problems = append(problems, field+": required")
		case validate != nil:
			if err := validate(value); err != nil {
				problems = append(problems, field+": "+err.Error())
			}
		}
	}
	check("name", f.Name, nil)
	check("inn", f.INN, requisites.ValidateOrgINN)
	if len(f.INN) != 12 { // a sole proprietor has no КПП
		check("kpp", f.KPP, requisites.ValidateKPP)
	}
	ogrn := requisites.ValidateOGRN
	if len(f.INN) == 12 {
		ogrn = requisites.ValidateOGRNIP
	}
	check("ogrn", f.OGRN, ogrn)
	check("address", f.Address, nil)
	check("bank", f.Bank, nil)
	check("bic", f.BIC, requisites.ValidateBIC)
	if requisites.ValidateBIC(f.BIC) == nil {
		check("account", f.Account, func(s string) error { return requisites.ValidateAccount(f.BIC, s) })
		check("corr_account", f.CorrAccount, func(s string) error { return requisites.ValidateCorrAccount(f.BIC, s) })
	}
	if len(problems) > 0 {
		return document.Party{}, usageError{fmt.Sprintf("--seller %s: %s", path, strings.Join(problems, "; "))}
	}
	return document.Party{Name: f.Name, INN: f.INN, KPP: f.KPP, OGRN: f.OGRN, Address: f.Address, Bank: f.Bank,
		BIC: f.BIC, Account: f.Account, CorrAccount: f.CorrAccount}, nil
}
