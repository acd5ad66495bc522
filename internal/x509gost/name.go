package x509gost

import (
	encasn1 "encoding/asn1"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Subject and issuer attribute types: the RFC 5280 ones the profile uses and the Russian ones from the
// qualified-certificate requirements (FSB order No. 795).
var (
	OIDCommonName         = encasn1.ObjectIdentifier{2, 5, 4, 3}
	OIDSurname            = encasn1.ObjectIdentifier{2, 5, 4, 4}
	OIDGivenName          = encasn1.ObjectIdentifier{2, 5, 4, 42}
	OIDCountry            = encasn1.ObjectIdentifier{2, 5, 4, 6}
	OIDStateOrProvince    = encasn1.ObjectIdentifier{2, 5, 4, 8}
	OIDLocality           = encasn1.ObjectIdentifier{2, 5, 4, 7}
	OIDStreet             = encasn1.ObjectIdentifier{2, 5, 4, 9}
	OIDOrganization       = encasn1.ObjectIdentifier{2, 5, 4, 10}
	OIDOrganizationalUnit = encasn1.ObjectIdentifier{2, 5, 4, 11}
	OIDTitle              = encasn1.ObjectIdentifier{2, 5, 4, 12}
	OIDEmail              = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	OIDSNILS              = encasn1.ObjectIdentifier{1, 2, 643, 100, 3}
	OIDINN                = encasn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	OIDINNLE              = encasn1.ObjectIdentifier{1, 2, 643, 100, 4}
	OIDOGRN               = encasn1.ObjectIdentifier{1, 2, 643, 100, 1}
	OIDOGRNIP             = encasn1.ObjectIdentifier{1, 2, 643, 100, 5}
)

var attributeNames = []struct {
	oid  encasn1.ObjectIdentifier
	name string
}{
	{OIDCommonName, "CN"}, {OIDSurname, "SN"}, {OIDGivenName, "GN"}, {OIDCountry, "C"},
	{OIDStateOrProvince, "ST"}, {OIDLocality, "L"}, {OIDStreet, "STREET"}, {OIDOrganization, "O"},
	{OIDOrganizationalUnit, "OU"}, {OIDTitle, "T"}, {OIDEmail, "E"}, {OIDSNILS, "SNILS"},
	{OIDINN, "INN"}, {OIDINNLE, "INNLE"}, {OIDOGRN, "OGRN"}, {OIDOGRNIP, "OGRNIP"},
}

// AttributeName returns the short name String uses for an attribute type, or its dotted form.
func AttributeName(oid encasn1.ObjectIdentifier) string {
	for _, a := range attributeNames {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

// Attribute is one AttributeTypeAndValue. Tag is the ASN.1 string type: encasn1.TagUTF8String,
// TagPrintableString, TagIA5String or TagNumericString (parsed names may also carry TagT61String and
// TagBMPString, decoded to Value, which Marshal refuses to write).
type Attribute struct {
	OID   encasn1.ObjectIdentifier
	Value string
	Tag   int
}

// Name is a distinguished name with one attribute per RDN, in encoding order.
type Name []Attribute

// tagUniversalString is UniversalString (UCS-4), which encoding/asn1 has no constant for.
const tagUniversalString = 28

// Marshal returns the DER Name, refusing empty values and characters outside each tag's set.
func (n Name) Marshal() ([]byte, error) {
	for _, a := range n {
		if len(a.OID) == 0 {
			return nil, errorf("name attribute without a type")
		}
		if a.Value == "" {
			return nil, errorf("name attribute %s is empty", AttributeName(a.OID))
		}
		if err := checkString(a.Tag, a.Value); err != nil {
			return nil, errorf("name attribute %s: %v", AttributeName(a.OID), err)
		}
	}
	// Encoded by hand, sizes first and into one allocation: every issuance encodes a subject, and
	// cryptobyte's nested builders cost a child builder and a move of the contents at each of four levels.
	total := 0
	for _, a := range n {
		oidLen, ok := oidContentLen(a.OID)
		if !ok {
			return nil, errorf("name attribute type %v cannot be encoded", a.OID)
		}
		total += tlvLen(tlvLen(tlvLen(oidLen) + tlvLen(len(a.Value))))
	}
	out := appendHeader(make([]byte, 0, tlvLen(total)), byte(asn1.SEQUENCE), total)
	for _, a := range n {
		oidLen, _ := oidContentLen(a.OID)
		seq := tlvLen(oidLen) + tlvLen(len(a.Value))
		out = appendHeader(out, byte(asn1.SET), tlvLen(seq))
		out = appendHeader(out, byte(asn1.SEQUENCE), seq)
		out = appendHeader(out, byte(asn1.OBJECT_IDENTIFIER), oidLen)
		out = appendOIDContent(out, a.OID)
		out = appendHeader(out, byte(a.Tag), len(a.Value))
		out = append(out, a.Value...)
	}
	return out, nil
}

// tlvLen is the size of a DER element with a one-byte tag and n bytes of contents.
func tlvLen(n int) int {
	if n <= 0x7f {
		return 2 + n
	}
	return 2 + lengthOctets(n) + n
}

// lengthOctets is how many octets the long form of the DER length n takes after its first octet.
func lengthOctets(n int) int {
	octets := 0
	for ; n > 0; n >>= 8 {
		octets++
	}
	return octets
}

// appendHeader appends a one-byte tag and the DER length n.
func appendHeader(dst []byte, tag byte, n int) []byte {
	dst = append(dst, tag)
	if n <= 0x7f {
		return append(dst, byte(n))
	}
	octets := lengthOctets(n)
	dst = append(dst, 0x80|byte(octets))
	for i := octets - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(8*i)))
	}
	return dst
}

// oidContentLen is the size of an OBJECT IDENTIFIER's contents, or false when oid cannot be encoded
// (the rules of cryptobyte's AddASN1ObjectIdentifier).
func oidContentLen(oid encasn1.ObjectIdentifier) (int, bool) {
	if len(oid) < 2 || oid[0] < 0 || oid[0] > 2 || oid[1] < 0 || (oid[0] < 2 && oid[1] >= 40) {
		return 0, false
	}
	size := base128Len(oid[0]*40 + oid[1])
	for _, v := range oid[2:] {
		if v < 0 {
			return 0, false
		}
		size += base128Len(v)
	}
	return size, true
}

func base128Len(v int) int {
	size := 1
	for ; v > 0x7f; v >>= 7 {
		size++
	}
	return size
}

// appendOIDContent appends the contents of a valid OBJECT IDENTIFIER (see oidContentLen).
func appendOIDContent(dst []byte, oid encasn1.ObjectIdentifier) []byte {
	dst = appendBase128(dst, oid[0]*40+oid[1])
	for _, v := range oid[2:] {
		dst = appendBase128(dst, v)
	}
	return dst
}

func appendBase128(dst []byte, v int) []byte {
	for i := base128Len(v) - 1; i > 0; i-- {
		dst = append(dst, 0x80|byte(v>>(7*i)))
	}
	return append(dst, byte(v&0x7f))
}

// Get returns the value of the first attribute of the given type.
func (n Name) Get(oid encasn1.ObjectIdentifier) (string, bool) {
	for _, a := range n {
		if a.OID.Equal(oid) {
			return a.Value, true
		}
	}
	return "", false
}

func isPrintable(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.ContainsRune(" '()+,-./:=?", c)
}

// checkString validates value against the character set of an ASN.1 string type we write.
func checkString(tag int, value string) error {
	switch tag {
	case encasn1.TagUTF8String:
		if !utf8.ValidString(value) {
			return errorf("invalid UTF-8")
		}
	case encasn1.TagPrintableString:
		for _, c := range value {
			if !isPrintable(c) {
				return errorf("character %q not allowed in PrintableString", c)
			}
		}
	case encasn1.TagIA5String:
		for i := 0; i < len(value); i++ {
			if value[i] >= 0x80 {
				return errorf("non-ASCII byte in IA5String")
			}
		}
	case encasn1.TagNumericString:
		for _, c := range value {
			if (c < '0' || c > '9') && c != ' ' {
				return errorf("character %q not allowed in NumericString", c)
			}
		}
	default:
		return errorf("unsupported string type %d", tag)
	}
	return nil
}

// ParseName parses a DER Name. Multi-valued RDNs are flattened into consecutive attributes, so
// re-marshalling such a name does not reproduce it; kcr keeps raw bytes wherever that matters.
func ParseName(der []byte) (Name, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return nil, errorf("malformed name")
	}
	n := make(Name, 0, 10) // a qualified certificate's names have up to ten attributes
	for !seq.Empty() {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, asn1.SET) || set.Empty() {
			return nil, errorf("malformed relative distinguished name")
		}
		for !set.Empty() {
			var atv, value cryptobyte.String
			var a Attribute
			var tag asn1.Tag
			if !set.ReadASN1(&atv, asn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&a.OID) ||
				!atv.ReadAnyASN1(&value, &tag) || !atv.Empty() {
				return nil, errorf("malformed name attribute")
			}
			v, err := decodeString(int(tag), value)
			if err != nil {
				return nil, errorf("name attribute %s: %v", AttributeName(a.OID), err)
			}
			a.Value, a.Tag = v, int(tag)
			n = append(n, a)
		}
	}
	return n, nil
}

// decodeString turns a DirectoryString-like value into Go text. Parsing is a little more forgiving
// than Marshal (PrintableString is not policed: many CAs put '*' or '@' in it) but never lets
// undecodable bytes through.
func decodeString(tag int, v []byte) (string, error) {
	switch tag {
	case encasn1.TagUTF8String:
		if !utf8.Valid(v) {
			return "", errorf("invalid UTF-8")
		}
		return string(v), nil
	case encasn1.TagPrintableString, encasn1.TagIA5String:
		for _, c := range v {
			if c >= 0x80 {
				return "", errorf("non-ASCII byte in string")
			}
		}
		return string(v), nil
	case encasn1.TagNumericString:
		if err := checkString(tag, string(v)); err != nil {
			return "", err
		}
		return string(v), nil
	case encasn1.TagT61String: // in practice Latin-1
		r := make([]rune, len(v))
		for i, c := range v {
			r[i] = rune(c)
		}
		return string(r), nil
	case encasn1.TagBMPString:
		if len(v)%2 != 0 {
			return "", errorf("odd-length BMPString")
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case tagUniversalString:
		if len(v)%4 != 0 {
			return "", errorf("malformed UniversalString")
		}
		r := make([]rune, len(v)/4)
		for i := range r {
			r[i] = rune(uint32(v[4*i])<<24 | uint32(v[4*i+1])<<16 | uint32(v[4*i+2])<<8 | uint32(v[4*i+3]))
			if !utf8.ValidRune(r[i]) {
				return "", errorf("malformed UniversalString")
			}
		}
		return string(r), nil
	}
	return "", errorf("unsupported string type (tag %d)", tag)
}

// String renders the name as "CN=…, SNILS=…, INN=…" in encoding order (not RFC 4514's reversed
// order: people read subjects top-down), escaping RFC 4514's special characters.
func (n Name) String() string {
	var sb strings.Builder
	for i, a := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(AttributeName(a.OID))
		sb.WriteByte('=')
		sb.WriteString(escapeValue(a.Value))
	}
	return sb.String()
}

func escapeValue(v string) string {
	var sb strings.Builder
	for i, c := range v {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, c),
			i == 0 && (c == ' ' || c == '#'),
			i == len(v)-1 && c == ' ':
			sb.WriteByte('\\')
			sb.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			sb.WriteString(`\` + strings.ToUpper(hex2(byte(c))))
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
