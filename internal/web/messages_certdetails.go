package web

import "github.com/kcr-project/kcr/internal/certform"

// certDetailMessages are the texts of the certificate card's details (issue 14, part 9), in Russian and in
// English.
var certDetailMessages = map[string][2]string{
	"certd.title":      {"Сведения сертификата", "Certificate details"},
	"certd.thumbprint": {"Отпечаток (SHA-1)", "Thumbprint (SHA-1)"},
	"certd.thumbprint_hint": {"Как его показывает КриптоПро: шестнадцатеричный, заглавными буквами, без пробелов.",
		"As CryptoPro shows it: hexadecimal, upper case, without spaces."},
	"certd.key_period":     {"Срок действия ключа электронной подписи", "Private key usage period"},
	"certd.from":           {"с", "from"},
	"certd.to":             {"по", "to"},
	"certd.algorithm":      {"Алгоритм ключа", "Key algorithm"},
	"certd.gost":           {"ГОСТ Р 34.10-2012", "GOST R 34.10-2012"},
	"certd.bits":           {"бит", "bits"},
	"certd.subject":        {"Владелец", "Subject"},
	"certd.issuer":         {"Издатель", "Issuer"},
	"certd.extensions":     {"Расширения", "Extensions"},
	"certd.key_usage":      {"Использование ключа", "Key usage"},
	"certd.ext_key_usage":  {"Назначение", "Extended key usage"},
	"certd.policies":       {"Класс средства электронной подписи", "Signature tool class"},
	"certd.subject_tool":   {"Средство электронной подписи владельца", "Holder's signature tool"},
	"certd.issuer_tools":   {"Средства электронной подписи и УЦ издателя", "Issuer's signature and CA tools"},
	"certd.identification": {"Способ идентификации владельца", "How the holder was identified"},
	"certd.crl":            {"Список отозванных сертификатов", "Certificate revocation list"},
	"certd.ocsp":           {"Служба проверки статуса (OCSP)", "Status service (OCSP)"},
	"certd.ca_issuers":     {"Сертификат издателя", "Issuer's certificate"},
	"certd.form":           {"Бланк сертификата для подписи владельцем (PDF)", "Certificate form for the holder to sign (PDF, in Russian)"},
}

// certWordsEN are the English texts of certform's codes; certform.Words has the Russian ones.
var certWordsEN = map[string]string{
	"fio": "Full name", "cn": "Common name", "title": "Position", "org": "Organization", "ou": "Unit",
	"innle": "Organization's INN", "ogrn": "OGRN", "ogrnip": "OGRNIP", "inn": "INN", "snils": "SNILS",
	"email": "E-mail", "c": "Country", "st": "Region", "l": "Locality", "street": "Address",
	"digital_signature": "digital signature", "non_repudiation": "non-repudiation", "key_encipherment": "key encipherment",
	"data_encipherment": "data encipherment", "key_agreement": "key agreement", "cert_sign": "certificate signing",
	"crl_sign": "CRL signing", "encipher_only": "encipher only", "decipher_only": "decipher only",
	"eku_client_auth": "client authentication", "eku_email": "secure e-mail", "eku_server_auth": "server authentication",
	"eku_ocsp": "OCSP signing",
	"ident_0":  "in person", "ident_1": "remotely, with a valid qualified signature", "ident_2": "remotely, with a biometric passport",
	"ident_3": "remotely, through ESIA and the Unified Biometric System",
}

func init() {
	for k, v := range certDetailMessages {
		messages[k], messagesEN[k] = v[0], v[1]
	}
	for code, ru := range certform.Words {
		messages["certw."+code], messagesEN["certw."+code] = ru, certWordsEN[code]
	}
}
