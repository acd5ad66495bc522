package demo

import (
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/rules"
)

// StandIn is a built-in instance that plays a state CA (heads and sole proprietors since 2022) for the
// demo and tests: same code, its own names and keys, reached through the same Issuer interface a real
// connector would implement. Its name carries the real authority's requisites (ОГРН, ИНН, address, all
// public), as the certificates of the real one do, and says it is a stand-in.
type StandIn struct {
	Authority rules.Authority
	Options   ca.InitOptions
}

// StandIns are the stand-ins for the ФНС, the Federal Treasury and the Bank of Russia.
var StandIns = []StandIn{
	{rules.AuthorityFNS, ca.InitOptions{Prefix: "fns", CommonName: "УЦ ФНС России (демонстрационный стенд)",
		Organization: "Федеральная налоговая служба (стенд)", OGRN: "1047707030513", INN: "7707329152",
		Region: "77 г. Москва", Locality: "г. Москва", Street: "ул. Неглинная, д. 23"}},
	{rules.AuthorityTreasury, ca.InitOptions{Prefix: "treasury", CommonName: "УЦ Федерального казначейства (демонстрационный стенд)",
		Organization: "Федеральное казначейство (стенд)", OGRN: "1047797019830", INN: "7710568760",
		Region: "77 г. Москва", Locality: "г. Москва", Street: "Большой Златоустинский пер., д. 6, стр. 1"}},
	{rules.AuthorityBankOfRussia, ca.InitOptions{Prefix: "cbr", CommonName: "УЦ Банка России (демонстрационный стенд)",
		Organization: "Банк России (стенд)", OGRN: "1037700013020", INN: "7702235133",
		Region: "77 г. Москва", Locality: "г. Москва", Street: "ул. Неглинная, д. 12"}},
}
