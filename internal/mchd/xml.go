package mchd

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strconv"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/rules"
)

// The format this package writes and reads: ЕМЧД 003.
const (
	Namespace   = "urn://x-artefacts/EMCHD_1"
	FormVersion = "EMCHD_1"
	// MaxFileSize bounds what Parse reads; a drafted file is a few kilobytes.
	MaxFileSize = 1 << 20
)

// The fixed codes of the one shape kcr drafts: a Russian organization (ТипДоверит 1) whose sole executive is
// a natural person (ЕИОФЛ) acting alone (ПолнЮЛ 1) empowers a natural person (ТипПред 3) with individual
// powers (ПрСовмПолн 1).
const (
	grantorLegalEntity   = "1"
	representativeFL     = "3"
	soleExecutiveAlone   = "1"
	individualPowers     = "1"
	noOptionalElements   = "00000000"
	powersMachine        = "1"
	powersTextOnly       = "0"
	irrevocableNoRetrust = "1"
	irrevocableRetrust   = "2"
	revocableOnCondition = "1"
)

type xFile struct {
	XMLName  xml.Name  `xml:"urn://x-artefacts/EMCHD_1 Доверенность"`
	VersForm string    `xml:"ВерсФорм,attr"`
	ElForm   string    `xml:"ПрЭлФорм,attr"`
	FileID   string    `xml:"ИдФайл,attr"`
	Document xDocument `xml:"Документ"`
}

type xDocument struct {
	Dover *xDover `xml:"Довер"`
}

type xDover struct {
	Info           xInfo    `xml:"СвДов"`
	Grantor        xGrantor `xml:"СвДоверит"`
	Representative xRepr    `xml:"СвУпПред"`
	Powers         xPowers  `xml:"СвПолн"`
}

type xInfo struct {
	Kind           string        `xml:"ВидДовер,attr"`
	Retrust        string        `xml:"ПрПередов,attr"`
	InternalNumber string        `xml:"ВнНомДовер,attr"`
	Number         string        `xml:"НомДовер,attr"`
	IssueDate      string        `xml:"ДатаВыдДовер,attr"`
	EndDate        string        `xml:"СрокДейст,attr"`
	StatusURL      string        `xml:"СведСист"`
	Irrevocable    *xIrrevocable `xml:"Безотзыв"`
}

type xIrrevocable struct {
	Retrust   string `xml:"ПрПерБезДов,attr"`
	Condition string `xml:"УслОтзыва,attr"`
	Text      string `xml:"ОписУслОт,omitempty"`
}

type xGrantor struct {
	Type string   `xml:"ТипДоверит,attr"`
	Org  *xRusOrg `xml:"Доверит>РосОргДовер"`
}

type xRusOrg struct {
	ManagingCompany string `xml:"ЕИОУК,attr"`
	NaturalPerson   string `xml:"ЕИОФЛ,attr"`
	SoleProprietor  string `xml:"ЕИОИП,attr"`
	Org             xOrg   `xml:"СвРосОрг"`
	Head            xHead  `xml:"ЛицоБезДов"`
}

type xOrg struct {
	Name    string `xml:"НаимОрг,attr"`
	INN     string `xml:"ИННЮЛ,attr"`
	KPP     string `xml:"КПП,attr"`
	OGRN    string `xml:"ОГРН,attr"`
	Address *xAddr `xml:"АдрРег"`
}

type xAddr struct {
	Region string `xml:"Регион,attr"`
	Text   string `xml:"АдрРФ"`
}

type xHead struct {
	Authority string `xml:"ПолнЮЛ,attr"`
	Person    *xFL   `xml:"СвФЛ"`
}

type xRepr struct {
	Type   string `xml:"ТипПред,attr"`
	Person *xFL   `xml:"Пред>СведФизЛ"`
}

type xFL struct {
	INN      string     `xml:"ИННФЛ,attr,omitempty"`
	SNILS    string     `xml:"СНИЛС,attr,omitempty"`
	Position string     `xml:"Должность,attr,omitempty"`
	Details  xFLDetails `xml:"СведФЛ"`
}

type xFLDetails struct {
	BirthDate string `xml:"ДатаРожд,attr,omitempty"`
	Name      xName  `xml:"ФИО"`
}

type xName struct {
	Last   string `xml:"Фамилия,attr"`
	First  string `xml:"Имя,attr"`
	Middle string `xml:"Отчество,attr,omitempty"`
}

type xPowers struct {
	Type    string   `xml:"ТипПолн,attr"`
	Joint   string   `xml:"ПрСовмПолн,attr"`
	Text    string   `xml:"ТекстПолн,omitempty"`
	Machine []xPower `xml:"МашПолн"`
}

type xPower struct {
	Code         string         `xml:"КодПолн,attr"`
	Name         string         `xml:"НаимПолн,attr"`
	Restrictions []xRestriction `xml:"ОгрСвПолн"`
}

type xRestriction struct {
	ID    int    `xml:"ИдОгр,attr"`
	Code  string `xml:"КодОгр,attr"`
	Name  string `xml:"НаимОгр,attr"`
	Value string `xml:"ТексЗначОгр"`
}

// Marshal validates doc and writes its ЕМЧД 003 file: the file name and the exact bytes (UTF-8 with the XML
// declaration). The same document always gives the same bytes. A document that fails Validate gives no file.
func Marshal(doc *Document) (fileName string, data []byte, err error) {
	if err := Validate(doc); err != nil {
		return "", nil, err
	}
	var b bytes.Buffer
	b.Grow(2048)
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(toXML(doc)); err != nil {
		return "", nil, err
	}
	b.WriteByte('\n')
	return FileName(doc), b.Bytes(), nil
}

func toXML(doc *Document) *xFile {
	info := xInfo{
		Kind:           string(doc.Kind),
		Retrust:        string(doc.Retrust),
		InternalNumber: doc.InternalNumber,
		Number:         doc.Number,
		IssueDate:      mskDate(doc.IssueDate),
		EndDate:        mskDate(doc.EndDate),
		StatusURL:      doc.StatusURL,
	}
	if doc.Kind == KindIrrevocable {
		info.Irrevocable = &xIrrevocable{Retrust: irrevocableNoRetrust, Condition: revocableOnCondition, Text: doc.RevocationCondition}
		if doc.Retrust != RetrustNone {
			info.Irrevocable.Retrust = irrevocableRetrust
		}
	}
	org := xOrg{Name: doc.Grantor.Name, INN: doc.Grantor.INN, KPP: doc.Grantor.KPP, OGRN: doc.Grantor.OGRN}
	if doc.Grantor.Address != "" {
		org.Address = &xAddr{Region: doc.Grantor.Region, Text: doc.Grantor.Address}
	}
	powers := xPowers{Type: powersTextOnly, Joint: individualPowers, Text: doc.PowersText}
	if len(doc.Powers) > 0 {
		powers.Type = powersMachine
	}
	for _, p := range doc.Powers {
		xp := xPower{Code: p.Code, Name: p.Name}
		for i, r := range p.Restrictions {
			xp.Restrictions = append(xp.Restrictions, xRestriction{ID: i + 1, Code: r.Code, Name: r.Name, Value: r.Value})
		}
		powers.Machine = append(powers.Machine, xp)
	}
	return &xFile{
		VersForm: FormVersion,
		ElForm:   noOptionalElements,
		FileID:   fileID(doc),
		Document: xDocument{Dover: &xDover{
			Info: info,
			Grantor: xGrantor{Type: grantorLegalEntity, Org: &xRusOrg{
				ManagingCompany: "0", NaturalPerson: "1", SoleProprietor: "0",
				Org:  org,
				Head: xHead{Authority: soleExecutiveAlone, Person: toFL(&doc.Head, true)},
			}},
			Representative: xRepr{Type: representativeFL, Person: toFL(&doc.Representative, false)},
			Powers:         powers,
		}},
	}
}

func toFL(p *Person, head bool) *xFL {
	fl := &xFL{INN: p.INN, SNILS: formatSNILS(p.SNILS), Details: xFLDetails{
		Name: xName{Last: p.LastName, First: p.FirstName, Middle: p.MiddleName},
	}}
	if head {
		fl.Position = p.Position
	}
	if !p.BirthDate.IsZero() {
		fl.Details.BirthDate = mskDate(p.BirthDate)
	}
	return fl
}

// formatSNILS spells 11 digits as the XSD wants them: "123-456-789 01".
func formatSNILS(s string) string {
	return s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:11]
}

// Parse reads back a file Marshal wrote: ЕМЧД 003 in our namespace from a Russian organization to a natural
// person. Anything else, or a file breaking the business rules, is refused with a kcr error. Power codes
// are not looked up in the classifier: a stored file stays readable after the classifier changes.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxFileSize {
		return nil, errs.New(errs.TooLarge, "the power of attorney file is over %d bytes", MaxFileSize)
	}
	var f xFile
	if err := xml.Unmarshal(data, &f); err != nil {
		return nil, errs.New(errs.Malformed, "the file is not an ЕМЧД power of attorney in %s: %v", Namespace, err)
	}
	if f.VersForm != FormVersion {
		return nil, errs.New(errs.Malformed, "the format version is %q, not %s", f.VersForm, FormVersion)
	}
	d := f.Document.Dover
	if d == nil || d.Grantor.Type != grantorLegalEntity || d.Grantor.Org == nil || d.Grantor.Org.Head.Person == nil ||
		d.Representative.Type != representativeFL || d.Representative.Person == nil {
		return nil, errs.New(errs.Malformed, "only a power of attorney from a Russian organization to a natural person is read")
	}
	var err error
	doc := &Document{
		Number:         d.Info.Number,
		InternalNumber: d.Info.InternalNumber,
		Kind:           Kind(d.Info.Kind),
		Retrust:        Retrust(d.Info.Retrust),
		StatusURL:      d.Info.StatusURL,
		PowersText:     d.Powers.Text,
	}
	if doc.IssueDate, err = parseDate("issue_date", d.Info.IssueDate); err != nil {
		return nil, err
	}
	if doc.EndDate, err = parseDate("end_date", d.Info.EndDate); err != nil {
		return nil, err
	}
	if d.Info.Irrevocable != nil {
		doc.RevocationCondition = d.Info.Irrevocable.Text
	}
	o := d.Grantor.Org.Org
	doc.Grantor = Organization{Name: o.Name, INN: o.INN, KPP: o.KPP, OGRN: o.OGRN}
	if o.Address != nil {
		doc.Grantor.Region, doc.Grantor.Address = o.Address.Region, o.Address.Text
	}
	if doc.Head, err = fromFL("head", d.Grantor.Org.Head.Person); err != nil {
		return nil, err
	}
	if doc.Representative, err = fromFL("representative", d.Representative.Person); err != nil {
		return nil, err
	}
	// ТипПолн must say which powers follow: the XSD leaves the pairing to us.
	want := powersTextOnly
	if len(d.Powers.Machine) > 0 {
		want = powersMachine
	}
	if d.Powers.Type != want {
		return nil, errs.Field("powers", "type_mismatch", "ТипПолн must be "+want+" for the powers given")
	}
	for _, p := range d.Powers.Machine {
		power := Power{Code: p.Code, Name: p.Name}
		for _, r := range p.Restrictions {
			power.Restrictions = append(power.Restrictions, Restriction{Code: r.Code, Name: r.Name, Value: r.Value})
		}
		doc.Powers = append(doc.Powers, power)
	}
	if err := validate(doc, false); err != nil {
		return nil, err
	}
	if f.FileID != fileID(doc) {
		return nil, errs.Field("file_id", "mismatch", "ИдФайл must be ON_EMCHD_<issue date>_<number>")
	}
	return doc, nil
}

// snilsRe is the СНИЛС spelling the XSD allows.
var snilsRe = regexp.MustCompile(`^[0-9]{3}-[0-9]{3}-[0-9]{3}[- ][0-9]{2}$`)

func fromFL(prefix string, x *xFL) (Person, error) {
	p := Person{
		LastName: x.Details.Name.Last, FirstName: x.Details.Name.First, MiddleName: x.Details.Name.Middle,
		Position: x.Position, INN: x.INN, SNILS: x.SNILS,
	}
	if x.SNILS != "" {
		if !snilsRe.MatchString(x.SNILS) {
			return p, errs.Field(prefix+".snils", "format", "must be spelled 123-456-789 01")
		}
		p.SNILS = x.SNILS[0:3] + x.SNILS[4:7] + x.SNILS[8:11] + x.SNILS[12:14]
	}
	if x.Details.BirthDate != "" {
		var err error
		if p.BirthDate, err = parseDate(prefix+".birth_date", x.Details.BirthDate); err != nil {
			return p, err
		}
	}
	return p, nil
}

// parseDate reads an xs:date as the start of that Moscow day.
func parseDate(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(dateLayout, s, rules.MSK)
	if err != nil {
		return time.Time{}, errs.Field(field, "format", "must be a date as YYYY-MM-DD, got "+strconv.Quote(s))
	}
	return t, nil
}
