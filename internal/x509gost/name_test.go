package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	"testing"
)

// personName is an individual's subject per the profile (DESIGN §5).
func personName() Name {
	return Name{
		{OIDSurname, "Иванов", encasn1.TagUTF8String},
		{OIDGivenName, "Иван Иванович", encasn1.TagUTF8String},
		{OIDCommonName, "Иванов Иван Иванович", encasn1.TagUTF8String},
		{OIDCountry, "RU", encasn1.TagPrintableString},
		{OIDStateOrProvince, "77 г. Москва", encasn1.TagUTF8String},
		{OIDLocality, "Москва", encasn1.TagUTF8String},
		{OIDStreet, "ул. Тверская, д. 1", encasn1.TagUTF8String},
		{OIDEmail, "ivanov@example.ru", encasn1.TagIA5String},
		{OIDSNILS, "12345678901", encasn1.TagNumericString},
		{OIDINN, "500100732259", encasn1.TagNumericString},
	}
}

func TestNameEncoding(t *testing.T) {
	der, err := personName().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Each value's tag is the one asked for, read back with encoding/asn1 as an independent parser.
	var rdns []encasn1.RawValue
	if rest, err := encasn1.Unmarshal(der, &rdns); err != nil || len(rest) != 0 {
		t.Fatalf("encoding/asn1 cannot read the name: %v", err)
	}
	for i, rdn := range rdns {
		var atvs []struct {
			Type  encasn1.ObjectIdentifier
			Value encasn1.RawValue
		}
		if _, err := encasn1.UnmarshalWithParams(rdn.FullBytes, &atvs, "set"); err != nil || len(atvs) != 1 {
			t.Fatalf("RDN %d: %v", i, err)
		}
		want := personName()[i]
		t.Run(AttributeName(want.OID), func(t *testing.T) {
			if !atvs[0].Type.Equal(want.OID) || atvs[0].Value.Tag != want.Tag || string(atvs[0].Value.Bytes) != want.Value {
				t.Fatalf("got %v tag %d %q", atvs[0].Type, atvs[0].Value.Tag, atvs[0].Value.Bytes)
			}
		})
	}
	back, err := ParseName(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(personName()) {
		t.Fatalf("round trip lost attributes: %v", back)
	}
	for i, a := range back {
		w := personName()[i]
		if !a.OID.Equal(w.OID) || a.Value != w.Value || a.Tag != w.Tag {
			t.Fatalf("attribute %d: got %+v want %+v", i, a, w)
		}
	}
	again, _ := back.Marshal()
	if !bytes.Equal(again, der) {
		t.Fatal("re-marshal differs")
	}
	const wantString = `SN=Иванов, GN=Иван Иванович, CN=Иванов Иван Иванович, C=RU, ST=77 г. Москва, L=Москва, STREET=ул. Тверская\, д. 1, E=ivanov@example.ru, SNILS=12345678901, INN=500100732259`
	if s := back.String(); s != wantString {
		t.Fatalf("String:\n got %s\nwant %s", s, wantString)
	}
}

func TestNameCharacterSets(t *testing.T) {
	tests := []struct {
		name  string
		tag   int
		value string
		ok    bool
	}{
		{"numeric digits", encasn1.TagNumericString, "12345678901", true},
		{"numeric space", encasn1.TagNumericString, "123 456", true},
		{"numeric letter", encasn1.TagNumericString, "1234567890A", false},
		{"numeric dash", encasn1.TagNumericString, "123-456", false},
		{"numeric cyrillic digit-like", encasn1.TagNumericString, "З00", false},
		{"printable ok", encasn1.TagPrintableString, "RU (Moscow) a-z:=?+,./'", true},
		{"printable at", encasn1.TagPrintableString, "a@b", false},
		{"printable star", encasn1.TagPrintableString, "*", false},
		{"printable underscore", encasn1.TagPrintableString, "a_b", false},
		{"printable cyrillic", encasn1.TagPrintableString, "РФ", false},
		{"ia5 ascii", encasn1.TagIA5String, "a_b@c.ru", true},
		{"ia5 cyrillic", encasn1.TagIA5String, "иван@почта.рф", false},
		{"utf8 cyrillic", encasn1.TagUTF8String, "ООО «Ромашка»", true},
		{"utf8 invalid", encasn1.TagUTF8String, "\xff\xfe", false},
		{"empty", encasn1.TagUTF8String, "", false},
		{"bmp not written", encasn1.TagBMPString, "x", false},
		{"teletex not written", encasn1.TagT61String, "x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := Name{{OIDCommonName, tc.value, tc.tag}}
			der, err := n.Marshal()
			if (err == nil) != tc.ok {
				t.Fatalf("Marshal(%q, tag %d) error %v, want ok=%v", tc.value, tc.tag, err, tc.ok)
			}
			if err != nil {
				return
			}
			back, err := ParseName(der)
			if err != nil || len(back) != 1 || back[0].Value != tc.value || back[0].Tag != tc.tag {
				t.Fatalf("round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestParseNameOtherStrings(t *testing.T) {
	tests := []struct {
		name  string
		value []byte // the encoded string element
		want  string
		ok    bool
	}{
		{"bmp", []byte{0x1e, 0x04, 0x04, 0x10, 0x00, 0x42}, "АB", true},
		{"bmp odd", []byte{0x1e, 0x03, 0x04, 0x10, 0x00}, "", false},
		{"teletex latin1", []byte{0x14, 0x02, 'a', 0xe9}, "aé", true},
		{"universal", []byte{0x1c, 0x04, 0, 0, 0x04, 0x10}, "А", true},
		{"universal surrogate", []byte{0x1c, 0x04, 0, 0, 0xd8, 0x00}, "", false},
		{"integer value", []byte{0x02, 0x01, 0x05}, "", false},
		{"bad numeric", []byte{0x12, 0x01, 'x'}, "", false},
		{"printable high bit", []byte{0x13, 0x01, 0xc0}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			atv := append([]byte{0x06, 0x03, 0x55, 0x04, 0x03}, tc.value...)
			atv = append([]byte{0x30, byte(len(atv))}, atv...)
			set := append([]byte{0x31, byte(len(atv))}, atv...)
			der := append([]byte{0x30, byte(len(set))}, set...)
			n, err := ParseName(der)
			if (err == nil) != tc.ok {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && n[0].Value != tc.want {
				t.Fatalf("got %q want %q", n[0].Value, tc.want)
			}
		})
	}
}

func TestNameStringEscaping(t *testing.T) {
	tests := []struct {
		value, want string
	}{
		{"plain", "CN=plain"},
		{`a,b+c"d\e<f>g;h=i`, `CN=a\,b\+c\"d\\e\<f\>g\;h\=i`},
		{" lead", `CN=\ lead`},
		{"trail ", `CN=trail\ `},
		{"#hash", `CN=\#hash`},
		{"nl\n", `CN=nl\0A`},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			if got := (Name{{OIDCommonName, tc.value, encasn1.TagUTF8String}}).String(); got != tc.want {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
	if got := (Name{{encasn1.ObjectIdentifier{1, 2, 3}, "x", encasn1.TagUTF8String}, {OIDINNLE, "7700000000", encasn1.TagNumericString}, {OIDOGRN, "1027700000000", encasn1.TagNumericString}, {OIDOGRNIP, "304500116000157", encasn1.TagNumericString}}).String(); got != "1.2.3=x, INNLE=7700000000, OGRN=1027700000000, OGRNIP=304500116000157" {
		t.Fatal(got)
	}
}
