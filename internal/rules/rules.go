// Package rules encodes the law over time (DESIGN.md section 2): which certificate kinds may be issued on a
// date, by which authority, with which identification, what is bundled and billed, and why a request is
// refused. It does no I/O and reads no clock: the date is always an input, and the cutoffs are configuration
// (a Timeline).
//
// Every date comparison is between calendar dates in Moscow time (UTC+3, no DST): a decision at
// 2023-08-31T21:30Z is made on 2023-09-01.
package rules

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

// MSK is Moscow time, the zone in which every date is read.
var MSK = time.FixedZone("MSK", 3*3600)

// Timeline holds the legal cutoffs; dates are configuration (DESIGN.md marks them "verify"), compared as
// calendar dates in Moscow time: each field counts from the start of its Moscow calendar day, so both
// midnight UTC and midnight Moscow of the same date mean that date.
type Timeline struct {
	HeadsToStateCA      time.Time // 2022-01-01: heads of legal entities and sole proprietors get certificates from the state CAs
	BundleFrom          time.Time // 2022-09-26: legal_entity_employee issuance comes with a free individual certificate …
	EmployeesIndividual time.Time // 2023-09-01: … until this date, when employee certificates with organization details end
	LegacyUnusable      time.Time // 2024-09-01: legal_entity_employee certificates issued before 2023-09-01 can no longer sign for the organization
}

// DefaultTimeline returns the cutoffs of DESIGN.md section 2, at midnight Moscow time.
func DefaultTimeline() Timeline {
	return Timeline{
		HeadsToStateCA:      time.Date(2022, time.January, 1, 0, 0, 0, 0, MSK),
		BundleFrom:          time.Date(2022, time.September, 26, 0, 0, 0, 0, MSK),
		EmployeesIndividual: time.Date(2023, time.September, 1, 0, 0, 0, 0, MSK),
		LegacyUnusable:      time.Date(2024, time.September, 1, 0, 0, 0, 0, MSK),
	}
}

// Validate checks that every cutoff is set and that they fall on strictly increasing Moscow calendar dates
// in the order HeadsToStateCA < BundleFrom < EmployeesIndividual < LegacyUnusable. Decide and the other
// functions assume a valid timeline: validate it once when loading the configuration.
func (t Timeline) Validate() error {
	fields := []struct {
		name string
		at   time.Time
	}{
		{"HeadsToStateCA", t.HeadsToStateCA},
		{"BundleFrom", t.BundleFrom},
		{"EmployeesIndividual", t.EmployeesIndividual},
		{"LegacyUnusable", t.LegacyUnusable},
	}
	var problems []error
	for _, f := range fields {
		if f.at.IsZero() {
			problems = append(problems, fmt.Errorf("rules: timeline %s is not set", f.name))
		}
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	for i := 1; i < len(fields); i++ {
		a, b := fields[i-1], fields[i]
		if day(a.at) >= day(b.at) {
			problems = append(problems, fmt.Errorf("rules: timeline %s (%s) must be a later date than %s (%s)",
				b.name, isoDate(b.at), a.name, isoDate(a.at)))
		}
	}
	return errors.Join(problems...)
}

// Authority is the certification authority that issues a certificate (model.Authorities lists them).
type Authority = model.Authority

// Authorities.
const (
	AuthorityKCR          = model.AuthorityKCR
	AuthorityFNS          = model.AuthorityFNS
	AuthorityTreasury     = model.AuthorityTreasury
	AuthorityBankOfRussia = model.AuthorityBankOfRussia
)

// Billing positions: the tariff line a decision is charged under (DESIGN.md section 7).
const (
	BillingLegalEntityEmployee = model.PositionLegalEntityEmployee
	BillingIndividual          = model.PositionIndividual
	BillingHeadIdentification  = model.PositionHeadIdentification
	BillingBundledIndividual   = model.PositionBundledIndividual
)

// Reissue recipients: who the reissued employee certificate is for.
const (
	RecipientSame        = ""             // keep the kind of the previous certificate (individual after EmployeesIndividual)
	RecipientLegalEntity = "legal_entity" // legal_entity_employee; refused from EmployeesIndividual on
	RecipientIndividual  = "individual"   // individual
)

// Rule ids: stable machine codes of refusals (the last segment of a problem type at the API edge).
const (
	RuleInvalidInput                         = "invalid_input"                             // unknown kind, sector, organization kind, authority, recipient or previous certificate fields
	RuleSoleProprietorNeedsSoleProprietorOrg = "sole_proprietor_needs_sole_proprietor_org" // kind sole_proprietor for an organization that is not a sole proprietor
	RuleHeadNeedsLegalEntityOrg              = "head_needs_legal_entity_org"               // kind head for a sole proprietor
	RuleHeadOfBranch                         = "head_of_branch"                            // kind head for a branch: its director acts under a power of attorney
	RuleEmployeeNeedsLegalEntityOrg          = "employee_needs_legal_entity_org"           // kind legal_entity_employee for a sole proprietor (no ИНН ЮЛ / ОГРН)
	RuleEmployeeOrgCertificatesEnded         = "employee_org_certificates_ended"           // legal_entity_employee from EmployeesIndividual on
	RuleHeadViaStateCA                       = "head_via_state_ca"                         // a head/ИП application sent to kcr from HeadsToStateCA on
	RuleWrongAuthority                       = "wrong_authority"                           // any other requested authority that is not the one the rules choose
	RuleRemoteNeedsValidCertificate          = "remote_needs_valid_certificate"            // remote identification without a valid current certificate
	RuleRemoteNeedsHeadCertificate           = "remote_needs_head_certificate"             // remote head/ИП renewal at a state CA with a current certificate of another kind
	RuleReissueOfRevoked                     = "reissue_of_revoked"                        // reissue of a revoked certificate
	RuleRecipientNotApplicable               = "recipient_not_applicable"                  // a reissue recipient given for a head/ИП certificate
)

// Previous is the applicant's current certificate, if any.
type Previous struct {
	Kind     model.CertKind
	Status   model.CertStatus
	NotAfter time.Time
}

// ValidOn tells whether the certificate can still be used on date: its status is valid and date is before
// NotAfter (compared as instants: a certificate expires at its exact NotAfter).
func (p Previous) ValidOn(date time.Time) bool {
	return p.Status == model.CertValid && date.Before(p.NotAfter)
}

// Input is what Decide needs to know about an application.
type Input struct {
	Date     time.Time      // when the decision is made (from the injected clock)
	Kind     model.CertKind // requested kind (required)
	Sector   model.Sector   // of the organization
	OrgKind  model.OrgKind
	Previous *Previous // nil when the applicant has none
	Remote   bool      // the applicant asks to be identified remotely with their current qualified certificate
	// Authority is the issuing authority the caller intends, if it names one; "" lets the rules choose.
	// A head/ИП application addressed to kcr from HeadsToStateCA on is refused (RuleHeadViaStateCA).
	Authority Authority
}

// Decision is what the rules allow for an application.
type Decision struct {
	Kind           model.CertKind
	Authority      Authority
	Identification []model.VerificationMethod // allowed methods, in order of preference
	Bundled        bool                       // a free individual certificate comes with this one (see BundledCompanion)
	// BillingPosition is one of the Billing* constants: "legal_entity_employee_certificate",
	// "individual_certificate", "head_identification" (heads/ИП: the service-center identification kcr
	// does), "bundled_individual_certificate".
	BillingPosition model.BillingPosition
}

// Refusal explains a "no" so a person can act on it.
type Refusal struct {
	Rule    string    // stable machine id, one of the Rule* constants
	Date    time.Time // the cutoff that decided (zero when no date did)
	Message string    // Russian, plain, actionable: what is wrong and what to do instead
}

// Error returns the rule id and the message.
func (r *Refusal) Error() string {
	if r == nil {
		return "<nil>"
	}
	return r.Rule + ": " + r.Message
}

var (
	kindSet    = map[model.CertKind]struct{}{model.KindIndividual: {}, model.KindLegalEntityEmployee: {}, model.KindHead: {}, model.KindSoleProprietor: {}}
	sectorSet  = map[model.Sector]struct{}{model.SectorCommercial: {}, model.SectorState: {}, model.SectorFinancial: {}}
	orgKindSet = map[model.OrgKind]struct{}{model.OrgLegalEntity: {}, model.OrgBranch: {}, model.OrgSoleProprietor: {}}
	statusSet  = map[model.CertStatus]struct{}{model.CertValid: {}, model.CertExpired: {}, model.CertRevoked: {}}
	authSet    = map[Authority]struct{}{AuthorityKCR: {}, AuthorityFNS: {}, AuthorityTreasury: {}, AuthorityBankOfRussia: {}}
)

func refuse(rule string, date time.Time, msg string) (Decision, *Refusal) {
	return Decision{}, &Refusal{Rule: rule, Date: date, Message: msg}
}

// Decide decides an application: the kind it is issued as, the authority, the identification, the bundle and
// the billing position — or a Refusal. Exactly one of the results is meaningful: on refusal the Decision is
// the zero value.
func Decide(t Timeline, in Input) (Decision, *Refusal) {
	// Input validity.
	if _, ok := kindSet[in.Kind]; !ok {
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidKind(in.Kind))
	}
	if _, ok := sectorSet[in.Sector]; !ok {
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidSector(in.Sector))
	}
	if _, ok := orgKindSet[in.OrgKind]; !ok {
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidOrgKind(in.OrgKind))
	}
	if in.Authority != "" {
		if _, ok := authSet[in.Authority]; !ok {
			return refuse(RuleInvalidInput, time.Time{}, msgInvalidAuthority(in.Authority))
		}
	}
	if p := in.Previous; p != nil {
		_, kindOK := kindSet[p.Kind]
		_, statusOK := statusSet[p.Status]
		if !kindOK || !statusOK {
			return refuse(RuleInvalidInput, time.Time{}, msgInvalidPrevious(*p))
		}
	}

	// The kind against the organization.
	switch {
	case in.Kind == model.KindSoleProprietor && in.OrgKind != model.OrgSoleProprietor:
		return refuse(RuleSoleProprietorNeedsSoleProprietorOrg, time.Time{}, msgSoleProprietorOrg())
	case in.Kind == model.KindHead && in.OrgKind == model.OrgSoleProprietor:
		return refuse(RuleHeadNeedsLegalEntityOrg, time.Time{}, msgHeadOrg())
	case in.Kind == model.KindHead && in.OrgKind == model.OrgBranch:
		// A branch's director acts under a power of attorney, not as the head of a legal entity.
		return refuse(RuleHeadOfBranch, time.Time{}, msgHeadOfBranch())
	case in.Kind == model.KindLegalEntityEmployee && in.OrgKind == model.OrgSoleProprietor:
		return refuse(RuleEmployeeNeedsLegalEntityOrg, time.Time{}, msgEmployeeOrg())
	}

	// The kind against the date.
	d := day(in.Date)
	if in.Kind == model.KindLegalEntityEmployee && d >= day(t.EmployeesIndividual) {
		return refuse(RuleEmployeeOrgCertificatesEnded, t.EmployeesIndividual, msgEmployeeEnded(t.EmployeesIndividual))
	}

	headLike := in.Kind == model.KindHead || in.Kind == model.KindSoleProprietor
	stateCA := headLike && d >= day(t.HeadsToStateCA)

	// The authority.
	auth := AuthorityKCR
	if stateCA {
		auth = stateAuthority(in.Kind, in.Sector)
	}
	if in.Authority != "" && in.Authority != auth {
		var cutoff time.Time
		if headLike {
			cutoff = t.HeadsToStateCA
		}
		if stateCA && in.Authority == AuthorityKCR {
			return refuse(RuleHeadViaStateCA, t.HeadsToStateCA, msgHeadViaStateCA(in.Kind, auth, t.HeadsToStateCA))
		}
		return refuse(RuleWrongAuthority, cutoff, msgWrongAuthority(in.Kind, auth, in.Authority, cutoff))
	}

	// Identification.
	var ident []model.VerificationMethod
	if in.Remote {
		p := in.Previous
		switch {
		case p == nil:
			return refuse(RuleRemoteNeedsValidCertificate, time.Time{}, msgRemoteNone(stateCA))
		case p.Status == model.CertRevoked:
			return refuse(RuleRemoteNeedsValidCertificate, time.Time{}, msgRemoteRevoked(stateCA))
		case !p.ValidOn(in.Date):
			return refuse(RuleRemoteNeedsValidCertificate, time.Time{}, msgRemoteExpired(p.NotAfter, stateCA))
		case stateCA && p.Kind != model.KindHead && p.Kind != model.KindSoleProprietor:
			return refuse(RuleRemoteNeedsHeadCertificate, time.Time{}, msgRemoteNeedsHead(in.Kind, p.Kind))
		}
		ident = append(ident, model.VerifiedRemoteQualified)
	}
	if stateCA {
		ident = append(ident, model.VerifiedServiceCenter)
	} else {
		ident = append(ident, model.VerifiedInPersonWorkplace, model.VerifiedServiceCenter)
	}

	dec := Decision{Kind: in.Kind, Authority: auth, Identification: ident}
	switch in.Kind {
	case model.KindLegalEntityEmployee:
		dec.BillingPosition = BillingLegalEntityEmployee
		dec.Bundled = d >= day(t.BundleFrom) // and before EmployeesIndividual, checked above
	case model.KindIndividual:
		dec.BillingPosition = BillingIndividual
	default:
		dec.BillingPosition = BillingHeadIdentification
	}
	return dec, nil
}

// BundledCompanion returns the decision for the free individual certificate that comes with a bundled
// decision (same identification, billed as "bundled_individual_certificate" at zero price); ok is false when
// d is not bundled.
func BundledCompanion(d Decision) (companion Decision, ok bool) {
	if !d.Bundled {
		return Decision{}, false
	}
	return Decision{
		Kind:            model.KindIndividual,
		Authority:       AuthorityKCR,
		Identification:  slices.Clone(d.Identification),
		BillingPosition: BillingBundledIndividual,
	}, true
}

func stateAuthority(kind model.CertKind, sector model.Sector) Authority {
	if kind == model.KindSoleProprietor {
		return AuthorityFNS
	}
	switch sector {
	case model.SectorState:
		return AuthorityTreasury
	case model.SectorFinancial:
		return AuthorityBankOfRussia
	}
	return AuthorityFNS
}

// AllowedKinds lists the kinds the UI offers on date for an organization of orgKind, in model.CertKinds
// order: individual always; legal_entity_employee for legal entities and branches before
// EmployeesIndividual; head for legal entities only (a branch's director acts under a power of attorney);
// sole_proprietor for sole proprietors. An
// unknown orgKind gets nil. Each kind listed is one Decide accepts (given a valid sector, no remote request
// and no authority preference).
func AllowedKinds(t Timeline, date time.Time, orgKind model.OrgKind) []model.CertKind {
	if _, ok := orgKindSet[orgKind]; !ok {
		return nil
	}
	var kinds []model.CertKind
	for _, k := range model.CertKinds {
		switch k {
		case model.KindIndividual:
			kinds = append(kinds, k)
		case model.KindLegalEntityEmployee:
			if orgKind != model.OrgSoleProprietor && day(date) < day(t.EmployeesIndividual) {
				kinds = append(kinds, k)
			}
		case model.KindHead:
			if orgKind == model.OrgLegalEntity {
				kinds = append(kinds, k)
			}
		case model.KindSoleProprietor:
			if orgKind == model.OrgSoleProprietor {
				kinds = append(kinds, k)
			}
		}
	}
	return kinds
}

// Reissue decides the kind of a reissue from a certificate of kind prev: before EmployeesIndividual the
// caller may choose the recipient (RecipientLegalEntity → legal_entity_employee, RecipientIndividual →
// individual, RecipientSame "" → same as prev); on or after it a legal_entity_employee reissue is individual
// automatically (a recipient of "legal_entity" is then refused with the date); head/sole_proprietor stay as
// they are (a recipient other than "" is refused: RuleRecipientNotApplicable). A revoked previous certificate
// is refused (RuleReissueOfRevoked). Returns the Decision for the new application (the same rules as Decide,
// with Previous = prev and Remote = prev is valid on date).
func Reissue(t Timeline, date time.Time, prev Previous, recipient string, sector model.Sector, orgKind model.OrgKind) (Decision, *Refusal) {
	if _, ok := kindSet[prev.Kind]; !ok {
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidPrevious(prev))
	}
	if _, ok := statusSet[prev.Status]; !ok {
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidPrevious(prev))
	}
	switch recipient {
	case RecipientSame, RecipientLegalEntity, RecipientIndividual:
	default:
		return refuse(RuleInvalidInput, time.Time{}, msgInvalidRecipient(recipient))
	}
	if prev.Status == model.CertRevoked {
		return refuse(RuleReissueOfRevoked, time.Time{}, msgReissueOfRevoked())
	}
	kind := prev.Kind
	switch prev.Kind {
	case model.KindHead, model.KindSoleProprietor:
		if recipient != RecipientSame {
			return refuse(RuleRecipientNotApplicable, time.Time{}, msgRecipientNotApplicable(prev.Kind))
		}
	default:
		switch recipient {
		case RecipientLegalEntity:
			kind = model.KindLegalEntityEmployee // refused by Decide from EmployeesIndividual on
		case RecipientIndividual:
			kind = model.KindIndividual
		default:
			kind, _, _ = CarryOver(t, date, prev.Kind)
		}
	}
	return Decide(t, Input{Date: date, Kind: kind, Sector: sector, OrgKind: orgKind, Previous: &prev, Remote: prev.ValidOn(date)})
}

// CarryOver tells whether an unissued application of kind must continue as another kind on date
// (legal_entity_employee → individual from EmployeesIndividual on), with a Russian note for its history.
// When it need not, it returns kind, "" and false.
func CarryOver(t Timeline, date time.Time, kind model.CertKind) (model.CertKind, string, bool) {
	if kind == model.KindLegalEntityEmployee && day(date) >= day(t.EmployeesIndividual) {
		return model.KindIndividual, noteCarryOver(t.EmployeesIndividual), true
	}
	return kind, "", false
}

// LegacyUnusable tells whether a certificate of kind issued at notBefore can no longer sign on behalf of the
// organization on date, with the Russian recommendation shown in the register: true for a
// legal_entity_employee certificate issued before EmployeesIndividual, from LegacyUnusable on.
func LegacyUnusable(t Timeline, date time.Time, kind model.CertKind, notBefore time.Time) (bool, string) {
	if kind == model.KindLegalEntityEmployee && day(notBefore) < day(t.EmployeesIndividual) && day(date) >= day(t.LegacyUnusable) {
		return true, msgLegacy(t.LegacyUnusable, t.EmployeesIndividual)
	}
	return false, ""
}

// LegacyIssuedBefore is LegacyUnusable as a filter a database can answer: on date, the legal_entity_employee
// certificates valid from before the returned instant (the start of the employees' cutoff day, Moscow time)
// are legacy. ok is false before the legacy cutoff, when none is.
func LegacyIssuedBefore(t Timeline, date time.Time) (before time.Time, ok bool) {
	if day(date) < day(t.LegacyUnusable) {
		return time.Time{}, false
	}
	y, m, d := t.EmployeesIndividual.In(MSK).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, MSK), true
}

// day is the Moscow calendar date of t as a comparable number yyyymmdd.
func day(t time.Time) int {
	y, m, d := t.In(MSK).Date()
	return y*10000 + int(m)*100 + d
}

func isoDate(t time.Time) string { return t.In(MSK).Format(time.DateOnly) }
