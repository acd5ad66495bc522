package mchd

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
)

// Lengths the XSD imposes, checked here so a user sees the field instead of a schema error.
const (
	maxInternalNumber = 50
	maxStatusURL      = 1000
	maxOrgName        = 1000
	maxAddress        = 1000
	maxNamePart       = 200
	maxPosition       = 255
	maxPowersText     = 10000
	minPowerCode      = 6
	maxPowerField     = 255
	maxRevocationCond = 1000
	maxRestrictions   = 999 // ИдОгр has three digits
)

var (
	guidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	regionRe = regexp.MustCompile(`^[0-9]{2}$`)
	// The XSD forbids "00" in the first two digits of ИНН and КПП (a tax office code).
	taxOfficeRe = regexp.MustCompile(`^([0-9][1-9]|[1-9][0-9])`)
)

// Validate checks the business rules the XSD leaves out and the limits it imposes. Every problem is a field
// error naming the field; all problems are reported at once.
func Validate(doc *Document) error { return validate(doc, true) }

// validate is Validate; classified says whether power codes must be in the classifier kcr ships now. A
// file already drafted or signed is read without that check, so that it stays readable (and printable,
// and checkable) after the classifier changes.
func validate(doc *Document, classified bool) error {
	var f errs.Fields
	if !guidRe.MatchString(doc.Number) {
		f.Add("number", "format", "must be a GUID such as 0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42")
	}
	text(&f, "internal_number", doc.InternalNumber, 1, maxInternalNumber)
	switch {
	case doc.IssueDate.IsZero():
		f.Add("issue_date", "required", "is required")
	case doc.EndDate.IsZero():
		f.Add("end_date", "required", "is required")
	case mskDate(doc.EndDate) <= mskDate(doc.IssueDate):
		f.Add("end_date", "after_issue_date", "must be after the issue date")
	}
	yearRange(&f, "issue_date", doc.IssueDate)
	yearRange(&f, "end_date", doc.EndDate)
	switch doc.Kind {
	case KindOrdinary:
		if doc.RevocationCondition != "" {
			f.Add("revocation_condition", "not_allowed", "only an irrevocable power of attorney has a revocation condition")
		}
	case KindIrrevocable:
		text(&f, "revocation_condition", doc.RevocationCondition, 1, maxRevocationCond)
	default:
		f.Add("kind", "enum", "must be one of 1 (ordinary), 2 (irrevocable)")
	}
	switch doc.Retrust {
	case RetrustNone, RetrustOnce, RetrustChained:
	default:
		f.Add("retrust", "enum", "must be one of 1 (no retrust), 2 (one retrust), 3 (retrust with further retrusts)")
	}
	validateGrantor(&f, &doc.Grantor)
	validatePerson(&f, "head", &doc.Head, true)
	validatePerson(&f, "representative", &doc.Representative, false)
	if samePerson(&doc.Head, &doc.Representative) {
		f.Add("representative", "is_head", "the head acts without a power of attorney and cannot be the representative")
	}
	if !doc.Representative.BirthDate.IsZero() && mskDate(doc.Representative.BirthDate) >= mskDate(doc.IssueDate) {
		f.Add("representative.birth_date", "range", "must be before the issue date")
	}
	if !doc.Head.BirthDate.IsZero() && mskDate(doc.Head.BirthDate) >= mskDate(doc.IssueDate) {
		f.Add("head.birth_date", "range", "must be before the issue date")
	}
	validatePowers(&f, doc, classified)
	validateStatusURL(&f, doc.StatusURL)
	return f.Err()
}

// yearRange refuses dates xs:date would spell with other than four year digits.
func yearRange(f *errs.Fields, field string, t time.Time) {
	if y := t.In(rules.MSK).Year(); !t.IsZero() && (y < 1000 || y > 9999) {
		f.Add(field, "range", "must have a four-digit year")
	}
}

// ValidateAt is Validate plus the rule that needs today: a power of attorney is not issued in the future.
// now comes from the injected clock; both dates are compared as Moscow calendar dates.
func ValidateAt(doc *Document, now time.Time) error {
	err := Validate(doc)
	if doc.IssueDate.IsZero() || mskDate(doc.IssueDate) <= mskDate(now) {
		return err
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		return errs.Field("issue_date", "in_future", "must not be after today")
	}
	e.Fields = append(e.Fields, errs.FieldError{Field: "issue_date", Rule: "in_future", Message: "must not be after today"})
	return e
}

func validateGrantor(f *errs.Fields, o *Organization) {
	text(f, "grantor.name", o.Name, 1, maxOrgName)
	check(f, "grantor.inn", o.INN, requisites.ValidateINN10)
	if o.INN != "" && !taxOfficeRe.MatchString(o.INN) {
		f.Add("grantor.inn", "format", "must not start with 00")
	}
	check(f, "grantor.kpp", o.KPP, requisites.ValidateKPP)
	if o.KPP != "" && !taxOfficeRe.MatchString(o.KPP) {
		f.Add("grantor.kpp", "format", "must not start with 00")
	}
	check(f, "grantor.ogrn", o.OGRN, requisites.ValidateOGRN)
	if o.Address != "" || o.Region != "" {
		if !regionRe.MatchString(o.Region) {
			f.Add("grantor.region", "format", "must be a two-digit region code")
		}
		text(f, "grantor.address", o.Address, 1, maxAddress)
	}
}

func validatePerson(f *errs.Fields, prefix string, p *Person, head bool) {
	text(f, prefix+".last_name", p.LastName, 1, maxNamePart)
	text(f, prefix+".first_name", p.FirstName, 1, maxNamePart)
	text(f, prefix+".middle_name", p.MiddleName, 0, maxNamePart)
	if head {
		text(f, prefix+".position", p.Position, 1, maxPosition)
		check(f, prefix+".inn", p.INN, requisites.ValidateINN12)
	} else if p.INN != "" {
		check(f, prefix+".inn", p.INN, requisites.ValidateINN12)
	}
	if p.INN != "" && !taxOfficeRe.MatchString(p.INN) {
		f.Add(prefix+".inn", "format", "must not start with 00")
	}
	check(f, prefix+".snils", p.SNILS, requisites.ValidateSNILS)
}

// samePerson compares by СНИЛС, else ИНН ФЛ: the identifiers the registry compares.
func samePerson(a, b *Person) bool {
	if a.SNILS != "" && a.SNILS == b.SNILS {
		return true
	}
	return a.INN != "" && a.INN == b.INN
}

func validatePowers(f *errs.Fields, doc *Document, classified bool) {
	if len(doc.Powers) == 0 && doc.PowersText == "" {
		f.Add("powers", "required", "give at least one power: a classifier code or a text")
	}
	text(f, "powers_text", doc.PowersText, 0, maxPowersText)
	seen := make(map[string]bool, len(doc.Powers))
	for i, p := range doc.Powers {
		prefix := "powers[" + strconv.Itoa(i) + "]"
		switch {
		case p.Code == "":
			f.Add(prefix+".code", "required", "is required")
		case classified && PowerByCode(p.Code) == nil:
			f.Add(prefix+".code", "unknown", "is not in the powers classifier")
		case seen[p.Code]:
			f.Add(prefix+".code", "duplicate", "is given twice")
		}
		seen[p.Code] = true
		text(f, prefix+".name", p.Name, 1, maxPowerField)
		if len(p.Restrictions) > maxRestrictions {
			f.Add(prefix+".restrictions", "too_many", fmt.Sprintf("must be at most %d", maxRestrictions))
		}
		for j, r := range p.Restrictions {
			rp := prefix + ".restrictions[" + strconv.Itoa(j) + "]"
			text(f, rp+".code", r.Code, 1, maxPowerField)
			text(f, rp+".name", r.Name, 1, maxPowerField)
			text(f, rp+".value", r.Value, 1, maxPowerField)
		}
	}
}

func validateStatusURL(f *errs.Fields, s string) {
	if !text(f, "status_url", s, 1, maxStatusURL) {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		f.Add("status_url", "format", "must be an absolute http(s) URL")
	}
}

// text checks a string's length in characters (the XSD counts characters, not bytes) and that it is valid
// UTF-8 without control characters XML cannot carry. It reports whether the value is fine and not empty.
func text(f *errs.Fields, field, s string, minLen, maxLen int) bool {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && minLen > 0:
		f.Add(field, "required", "is required")
		return false
	case n < minLen:
		f.Add(field, "too_short", fmt.Sprintf("must be at least %d characters", minLen))
		return false
	case n > maxLen:
		f.Add(field, "too_long", fmt.Sprintf("must be at most %d characters", maxLen))
		return false
	case !xmlText(s):
		f.Add(field, "format", "has characters a document cannot carry")
		return false
	}
	return n > 0
}

// xmlText reports whether s is valid UTF-8 made only of characters XML 1.0 allows.
func xmlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func check(f *errs.Fields, field, s string, validate func(string) error) {
	if s == "" {
		f.Add(field, "required", "is required")
		return
	}
	if err := validate(s); err != nil {
		f.Add(field, "invalid", err.Error())
	}
}
