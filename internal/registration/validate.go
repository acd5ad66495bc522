package registration

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/requisites"
)

// OrganizationInput creates or replaces an organization.
type OrganizationInput struct {
	ParentID string        `json:"parent_id,omitempty"`
	Kind     model.OrgKind `json:"kind"`
	Sector   model.Sector  `json:"sector,omitempty"`
	Name     string        `json:"name"`
	INN      string        `json:"inn"`
	KPP      string        `json:"kpp,omitempty"`
	OGRN     string        `json:"ogrn,omitempty"`
	Address  string        `json:"address,omitempty"`
	Region   string        `json:"region,omitempty"`
	// RegionCode is the region's two-digit code (77 Moscow); the first two digits of the ИНН when not given.
	RegionCode string `json:"region_code,omitempty"`
}

func (in *OrganizationInput) normalize() {
	in.Name = collapse(in.Name)
	in.INN, in.KPP, in.OGRN = strings.TrimSpace(in.INN), strings.TrimSpace(in.KPP), strings.TrimSpace(in.OGRN)
	in.Address, in.Region = collapse(in.Address), collapse(in.Region)
	if in.Sector == "" {
		in.Sector = model.SectorCommercial
	}
	in.normalizeRegionCode()
}

// check validates an organization on its own; parent-dependent rules are checked by the service.
func (in *OrganizationInput) check(f *errs.Fields) {
	textField(f, "name", in.Name, true, 500)
	mixedScript(f, "name", in.Name)
	textField(f, "address", in.Address, false, 1000)
	textField(f, "region", in.Region, false, 200)
	in.checkRegionCode(f)
	if !slices.Contains([]model.Sector{model.SectorCommercial, model.SectorState, model.SectorFinancial}, in.Sector) {
		f.Add("sector", "enum", "must be one of commercial, state, financial")
	}
	switch in.Kind {
	case model.OrgLegalEntity, model.OrgBranch:
		requisite(f, "inn", in.INN, requisites.ValidateINN10)
		requisite(f, "kpp", in.KPP, requisites.ValidateKPP)
		if in.Kind == model.OrgLegalEntity {
			requisite(f, "ogrn", in.OGRN, requisites.ValidateOGRN)
		} else if in.OGRN != "" {
			requisite(f, "ogrn", in.OGRN, requisites.ValidateOGRN)
		}
	case model.OrgSoleProprietor:
		requisite(f, "inn", in.INN, requisites.ValidateINN12)
		requisite(f, "ogrn", in.OGRN, requisites.ValidateOGRNIP)
		if in.KPP != "" {
			f.Add("kpp", "not_allowed", "a sole proprietor has no КПП")
		}
		if in.ParentID != "" {
			f.Add("parent_id", "not_allowed", "a sole proprietor has no parent organization")
		}
	default:
		f.Add("kind", "enum", "must be one of legal_entity, branch, sole_proprietor")
	}
	if in.Kind == model.OrgBranch && in.ParentID == "" {
		f.Add("parent_id", "required", "a branch needs its parent organization")
	}
}

func requisite(f *errs.Fields, field, v string, check func(string) error) {
	if v == "" {
		f.Add(field, "required", "is required")
		return
	}
	if err := check(v); err != nil {
		rule := "checksum"
		if !strings.Contains(err.Error(), "check") {
			rule = "format"
		}
		f.Add(field, rule, err.Error())
	}
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func textField(f *errs.Fields, field, v string, required bool, max int) {
	if v == "" {
		if required {
			f.Add(field, "required", "is required")
		}
		return
	}
	if n := len([]rune(v)); n > max {
		f.Add(field, "too_long", "must be at most "+strconv.Itoa(max)+" characters")
	}
	textChars(f, field, v, false)
}

// EmployeeInput creates or replaces an employee.
type EmployeeInput struct {
	OrganizationID string                 `json:"organization_id"`
	Surname        string                 `json:"surname"`
	GivenName      string                 `json:"given_name"`
	Patronymic     string                 `json:"patronymic,omitempty"`
	BirthDate      string                 `json:"birth_date"`
	SNILS          string                 `json:"snils"`
	INN            string                 `json:"inn,omitempty"`
	Email          string                 `json:"email,omitempty"`
	Phone          string                 `json:"phone,omitempty"`
	Position       string                 `json:"position,omitempty"`
	Document       model.IdentityDocument `json:"document"`
}

func (in *EmployeeInput) normalize() {
	in.Surname, in.GivenName, in.Patronymic = collapse(in.Surname), collapse(in.GivenName), collapse(in.Patronymic)
	in.SNILS = requisites.NormalizeSNILS(strings.TrimSpace(in.SNILS))
	in.INN, in.Email, in.Position = strings.TrimSpace(in.INN), strings.TrimSpace(in.Email), collapse(in.Position)
	in.Phone = normalizePhone(in.Phone)
	d := &in.Document
	d.Type, d.Series, d.Number = model.DocumentType(strings.TrimSpace(string(d.Type))), strings.ReplaceAll(strings.TrimSpace(d.Series), " ", ""), strings.TrimSpace(d.Number)
	d.IssueDate, d.Issuer, d.IssuerCode = strings.TrimSpace(d.IssueDate), collapse(d.Issuer), strings.TrimSpace(d.IssuerCode)
}

var (
	nameRe       = regexp.MustCompile(`^[\p{L}][\p{L}' -]*[\p{L}]$|^[\p{L}]$`)
	phoneRe      = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	issuerCodeRe = regexp.MustCompile(`^[0-9]{3}-[0-9]{3}$`)
	digitsRe     = regexp.MustCompile(`^[0-9]+$`)
)

func normalizePhone(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r == '+' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) == 11 && s[0] == '8' {
		s = "+7" + s[1:]
	}
	return s
}

// personName checks one part of a person's name (employee or head).
func personName(f *errs.Fields, field, v string, required bool) {
	if v == "" {
		if required {
			f.Add(field, "required", "is required")
		}
		return
	}
	if len([]rune(v)) > 100 || !nameRe.MatchString(v) {
		f.Add(field, "format", "must be up to 100 letters, with spaces, hyphens or apostrophes inside")
	} else {
		mixedScript(f, field, v)
	}
}

func (in *EmployeeInput) check(f *errs.Fields, now time.Time) {
	personName(f, "surname", in.Surname, true)
	personName(f, "given_name", in.GivenName, true)
	personName(f, "patronymic", in.Patronymic, false)
	birth, err := time.Parse(time.DateOnly, in.BirthDate)
	switch {
	case in.BirthDate == "":
		f.Add("birth_date", "required", "is required")
	case err != nil:
		f.Add("birth_date", "format", "must be a date as YYYY-MM-DD")
	case birth.After(now.AddDate(-14, 0, 0)):
		f.Add("birth_date", "range", "the person must be at least 14 years old")
	case birth.Before(now.AddDate(-120, 0, 0)):
		f.Add("birth_date", "range", "must be within the last 120 years")
	}
	requisite(f, "snils", in.SNILS, requisites.ValidateSNILS)
	if in.INN != "" {
		requisite(f, "inn", in.INN, requisites.ValidateINN12)
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
			f.Add("email", "format", "must be a plain e-mail address such as name@example.ru")
		}
	}
	if in.Phone != "" && !phoneRe.MatchString(in.Phone) {
		f.Add("phone", "format", "must be an international number such as +79161234567")
	}
	textField(f, "position", in.Position, false, 200)
	d := in.Document
	if !model.Valid(d.Type) {
		f.Add("document.type", "enum", "must be one of "+strings.Join(d.Type.EnumValues(), ", "))
	}
	if d.Type == model.DocPassportRF {
		if len(d.Series) != 4 || !digitsRe.MatchString(d.Series) {
			f.Add("document.series", "format", "a Russian passport series is 4 digits")
		}
		if len(d.Number) != 6 || !digitsRe.MatchString(d.Number) {
			f.Add("document.number", "format", "a Russian passport number is 6 digits")
		}
		if !issuerCodeRe.MatchString(d.IssuerCode) {
			f.Add("document.issuer_code", "format", "must be the issuing office code as NNN-NNN")
		}
	} else if d.Number == "" {
		f.Add("document.number", "required", "is required")
	} else {
		textField(f, "document.number", d.Number, true, 40)
		textField(f, "document.series", d.Series, false, 20)
		textField(f, "document.issuer_code", d.IssuerCode, false, 20)
	}
	issued, err := time.Parse(time.DateOnly, d.IssueDate)
	switch {
	case d.IssueDate == "":
		f.Add("document.issue_date", "required", "is required")
	case err != nil:
		f.Add("document.issue_date", "format", "must be a date as YYYY-MM-DD")
	case issued.After(now):
		f.Add("document.issue_date", "range", "must not be in the future")
	case !birth.IsZero() && issued.Before(birth):
		f.Add("document.issue_date", "range", "must be after the birth date")
	case d.Type == model.DocPassportRF && !birth.IsZero() && issued.Before(birth.AddDate(14, 0, 0)):
		f.Add("document.issue_date", "range", "a Russian passport is issued at 14 or later")
	}
	textField(f, "document.issuer", d.Issuer, true, 500)
}
