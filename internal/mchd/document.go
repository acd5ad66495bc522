// Package mchd drafts the ЕМЧД 003 machine-readable power of attorney (МЧД): the document model, the business
// rules the FNS schema leaves out, the XML file itself and its parser, and the classifier of machine-readable
// powers. It is pure: storage, signing and the registry build on top of it.
package mchd

import (
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/kcr-project/kcr/internal/rules"
)

// Kind is ВидДовер: whether the grantor may revoke the power of attorney.
type Kind string

// The kinds of power of attorney, spelled as the XSD encodes them.
const (
	KindOrdinary    Kind = "1" // revocable
	KindIrrevocable Kind = "2"
)

// Kinds lists the kinds.
var Kinds = []Kind{KindOrdinary, KindIrrevocable}

// EnumValues lists the values for OpenAPI and input checks.
func (Kind) EnumValues() []string { return enumValues(Kinds) }

// Retrust is ПрПередов: whether the representative may pass the powers on (передоверие).
type Retrust string

// The retrust options, spelled as the XSD encodes them.
const (
	RetrustNone    Retrust = "1" // no retrust
	RetrustOnce    Retrust = "2" // one retrust
	RetrustChained Retrust = "3" // retrust with further retrusts
)

// Retrusts lists the retrust options.
var Retrusts = []Retrust{RetrustNone, RetrustOnce, RetrustChained}

// EnumValues lists the values for OpenAPI and input checks.
func (Retrust) EnumValues() []string { return enumValues(Retrusts) }

func enumValues[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// Organization is the grantor (РосОргДовер/СвРосОрг).
type Organization struct {
	Name string `json:"name"`
	INN  string `json:"inn"`
	KPP  string `json:"kpp"`
	OGRN string `json:"ogrn"`
	// Region is the two-digit region code of the registered address; required when Address is given.
	Region  string `json:"region,omitempty"`
	Address string `json:"address,omitempty"`
}

// Person is a natural person: the head acting without a power of attorney or the representative.
type Person struct {
	LastName   string `json:"last_name"`
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name,omitempty"`
	// Position is required for the head, ignored for the representative.
	Position string `json:"position,omitempty"`
	INN      string `json:"inn,omitempty"`
	// SNILS is kept as 11 digits; the file spells it "123-456-789 01".
	SNILS string `json:"snils"`
	// BirthDate is optional; the zero time means absent.
	BirthDate time.Time `json:"birth_date,omitzero"`
}

// Restriction is one ОгрСвПолн restriction of a machine-readable power, its value given as text.
type Restriction struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Power is one machine-readable power (МашПолн) from the classifier.
type Power struct {
	Code         string        `json:"code"`
	Name         string        `json:"name"`
	Restrictions []Restriction `json:"restrictions,omitempty"`
}

// Document is what is needed to draft one ЕМЧД 003 file: an organization empowers one employee.
type Document struct {
	// Number is НомДовер, a GUID; it also ends the file name.
	Number         string `json:"number"`
	InternalNumber string `json:"internal_number"`
	// IssueDate and EndDate are read as Moscow calendar dates.
	IssueDate time.Time `json:"issue_date"`
	EndDate   time.Time `json:"end_date"`
	Kind      Kind      `json:"kind"`
	Retrust   Retrust   `json:"retrust"`
	// RevocationCondition describes when an irrevocable power of attorney may still be revoked (ОписУслОт);
	// required for KindIrrevocable, refused otherwise.
	RevocationCondition string       `json:"revocation_condition,omitempty"`
	Grantor             Organization `json:"grantor"`
	Head                Person       `json:"head"`
	Representative      Person       `json:"representative"`
	// Powers are machine-readable; PowersText is free text. At least one of them is required.
	Powers     []Power `json:"powers,omitempty"`
	PowersText string  `json:"powers_text,omitempty"`
	// StatusURL is СведСист: where the power of attorney's status can be checked.
	StatusURL string `json:"status_url"`
}

// NewNumber makes a random НомДовер (UUID version 4) from r, so tests can inject their randomness.
func NewNumber(r io.Reader) (string, error) {
	u, err := uuid.NewRandomFromReader(r)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// dateLayout is xs:date as the file spells it.
const dateLayout = "2006-01-02"

// mskDate is t's Moscow calendar date, the way every date of a power of attorney is read.
func mskDate(t time.Time) string { return t.In(rules.MSK).Format(dateLayout) }

// FileName is the ЕМЧД file name ON_EMCHD_<YYYYMMDD>_<GUID>.xml: the issue date and НомДовер.
func FileName(doc *Document) string {
	return fileID(doc) + ".xml"
}

// fileID is ИдФайл: the file name without its extension.
func fileID(doc *Document) string {
	return "ON_EMCHD_" + doc.IssueDate.In(rules.MSK).Format("20060102") + "_" + doc.Number
}
