package rules_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
)

var (
	tl = rules.DefaultTimeline()

	sectors  = []model.Sector{model.SectorCommercial, model.SectorState, model.SectorFinancial}
	orgKinds = []model.OrgKind{model.OrgLegalEntity, model.OrgBranch, model.OrgSoleProprietor}

	inPerson      = []model.VerificationMethod{model.VerifiedInPersonWorkplace, model.VerifiedServiceCenter}
	serviceCenter = []model.VerificationMethod{model.VerifiedServiceCenter}
	remoteThenIP  = []model.VerificationMethod{model.VerifiedRemoteQualified, model.VerifiedInPersonWorkplace, model.VerifiedServiceCenter}
	remoteThenSC  = []model.VerificationMethod{model.VerifiedRemoteQualified, model.VerifiedServiceCenter}

	employeesIndividual = time.Date(2023, 9, 1, 0, 0, 0, 0, rules.MSK)
	headsToStateCA      = time.Date(2022, 1, 1, 0, 0, 0, 0, rules.MSK)
)

// msk is noon of a Moscow calendar date.
func msk(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, rules.MSK) }

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// phase is a hand-labelled date: which rules are in force on it.
type phase struct {
	name    string
	date    time.Time
	stateCA bool // heads and ИП go to the state CAs
	bundle  bool // legal_entity_employee comes with a free individual certificate
	ended   bool // legal_entity_employee is no longer issued
	legacy  bool // pre-2023-09-01 legal_entity_employee certificates cannot sign for the organization
}

// boundaryDates: for every cutoff of the default timeline, the day before, the day of and the day after.
var boundaryDates = []phase{
	{"HeadsToStateCA-1d", msk(2021, 12, 31), false, false, false, false},
	{"HeadsToStateCA", msk(2022, 1, 1), true, false, false, false},
	{"HeadsToStateCA+1d", msk(2022, 1, 2), true, false, false, false},
	{"BundleFrom-1d", msk(2022, 9, 25), true, false, false, false},
	{"BundleFrom", msk(2022, 9, 26), true, true, false, false},
	{"BundleFrom+1d", msk(2022, 9, 27), true, true, false, false},
	{"EmployeesIndividual-1d", msk(2023, 8, 31), true, true, false, false},
	{"EmployeesIndividual", msk(2023, 9, 1), true, false, true, false},
	{"EmployeesIndividual+1d", msk(2023, 9, 2), true, false, true, false},
	{"LegacyUnusable-1d", msk(2024, 8, 31), true, false, true, false},
	{"LegacyUnusable", msk(2024, 9, 1), true, false, true, true},
	{"LegacyUnusable+1d", msk(2024, 9, 2), true, false, true, true},
}

type want struct {
	rule     string    // non-empty: a refusal is expected
	ruleDate time.Time // the refusal's Date
	dec      rules.Decision
}

// expect is the test's own statement of DESIGN.md section 2 for an in-person application (no Previous, no
// Remote, no authority preference).
func expect(p phase, kind model.CertKind, sector model.Sector, org model.OrgKind) want {
	switch {
	case kind == model.KindSoleProprietor && org != model.OrgSoleProprietor:
		return want{rule: "sole_proprietor_needs_sole_proprietor_org"}
	case kind == model.KindHead && org == model.OrgSoleProprietor:
		return want{rule: "head_needs_legal_entity_org"}
	case kind == model.KindHead && org == model.OrgBranch:
		return want{rule: "head_of_branch"}
	case kind == model.KindLegalEntityEmployee && org == model.OrgSoleProprietor:
		return want{rule: "employee_needs_legal_entity_org"}
	case kind == model.KindLegalEntityEmployee && p.ended:
		return want{rule: "employee_org_certificates_ended", ruleDate: employeesIndividual}
	}
	switch kind {
	case model.KindIndividual:
		return want{dec: rules.Decision{Kind: kind, Authority: "kcr", Identification: inPerson, BillingPosition: "individual_certificate"}}
	case model.KindLegalEntityEmployee:
		return want{dec: rules.Decision{Kind: kind, Authority: "kcr", Identification: inPerson, Bundled: p.bundle,
			BillingPosition: "legal_entity_employee_certificate"}}
	}
	if !p.stateCA {
		return want{dec: rules.Decision{Kind: kind, Authority: "kcr", Identification: inPerson, BillingPosition: "head_identification"}}
	}
	auth := map[model.Sector]rules.Authority{model.SectorCommercial: "fns", model.SectorState: "treasury", model.SectorFinancial: "bank_of_russia"}[sector]
	if kind == model.KindSoleProprietor {
		auth = "fns"
	}
	return want{dec: rules.Decision{Kind: kind, Authority: auth, Identification: serviceCenter, BillingPosition: "head_identification"}}
}

func checkOutcome(t *testing.T, w want, d rules.Decision, r *rules.Refusal) {
	t.Helper()
	if w.rule != "" {
		if r == nil {
			t.Fatalf("decision %+v, want refusal %q", d, w.rule)
		}
		if r.Rule != w.rule || !r.Date.Equal(w.ruleDate) {
			t.Fatalf("refusal %q date %v, want %q date %v", r.Rule, r.Date, w.rule, w.ruleDate)
		}
		if !hasCyrillic(r.Message) || strings.Contains(r.Message, "..") {
			t.Fatalf("refusal message not plain Russian: %q", r.Message)
		}
		if d.Kind != "" || d.Authority != "" || d.Identification != nil {
			t.Fatalf("refusal with a non-zero decision %+v", d)
		}
		return
	}
	if r != nil {
		t.Fatalf("refused %s, want decision %+v", r.Error(), w.dec)
	}
	if d.Kind != w.dec.Kind || d.Authority != w.dec.Authority || d.Bundled != w.dec.Bundled ||
		d.BillingPosition != w.dec.BillingPosition || !slices.Equal(d.Identification, w.dec.Identification) {
		t.Fatalf("decision %+v, want %+v", d, w.dec)
	}
}

func TestBoundaries(t *testing.T) {
	for _, p := range boundaryDates {
		for _, kind := range model.CertKinds {
			for _, sector := range sectors {
				for _, org := range orgKinds {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", p.name, kind, sector, org), func(t *testing.T) {
						w := expect(p, kind, sector, org)
						d, r := rules.Decide(tl, rules.Input{Date: p.date, Kind: kind, Sector: sector, OrgKind: org})
						checkOutcome(t, w, d, r)
						allowed := slices.Contains(rules.AllowedKinds(tl, p.date, org), kind)
						if allowed != (w.rule == "") {
							t.Fatalf("AllowedKinds contains %s = %v, but Decide refusal = %q", kind, allowed, w.rule)
						}
					})
				}
			}
		}
	}
}

func TestAllowedKinds(t *testing.T) {
	ind, lee, head, sp := model.KindIndividual, model.KindLegalEntityEmployee, model.KindHead, model.KindSoleProprietor
	for _, p := range boundaryDates {
		for _, org := range orgKinds {
			t.Run(p.name+"/"+string(org), func(t *testing.T) {
				var w []model.CertKind
				switch {
				case org == model.OrgSoleProprietor:
					w = []model.CertKind{ind, sp}
				case p.ended:
					w = []model.CertKind{ind, head}
				default:
					w = []model.CertKind{ind, lee, head}
				}
				if org == model.OrgBranch {
					// A branch's director acts under a power of attorney: no head certificate.
					w = slices.DeleteFunc(w, func(k model.CertKind) bool { return k == head })
				}
				if got := rules.AllowedKinds(tl, p.date, org); !slices.Equal(got, w) {
					t.Fatalf("AllowedKinds = %v, want %v", got, w)
				}
			})
		}
	}
	if got := rules.AllowedKinds(tl, msk(2023, 1, 1), "church"); got != nil {
		t.Fatalf("unknown organization kind: %v, want nil", got)
	}
}

func TestMoscowEdge(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name string
		tl   rules.Timeline
		in   rules.Input
		w    want
	}{
		{"employee 20:59Z on the eve is still 31 August", tl,
			rules.Input{Date: utc(2023, 8, 31, 20, 59), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity},
			want{dec: rules.Decision{Kind: model.KindLegalEntityEmployee, Authority: "kcr", Identification: inPerson, Bundled: true, BillingPosition: "legal_entity_employee_certificate"}}},
		{"employee 21:30Z on the eve is already 1 September", tl,
			rules.Input{Date: utc(2023, 8, 31, 21, 30), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity},
			want{rule: "employee_org_certificates_ended", ruleDate: employeesIndividual}},
		{"head 20:59Z on 31 December 2021 is still kcr", tl,
			rules.Input{Date: utc(2021, 12, 31, 20, 59), Kind: model.KindHead, Sector: model.SectorState, OrgKind: model.OrgLegalEntity},
			want{dec: rules.Decision{Kind: model.KindHead, Authority: "kcr", Identification: inPerson, BillingPosition: "head_identification"}}},
		{"head 21:30Z on 31 December 2021 is already the Treasury", tl,
			rules.Input{Date: utc(2021, 12, 31, 21, 30), Kind: model.KindHead, Sector: model.SectorState, OrgKind: model.OrgLegalEntity},
			want{dec: rules.Decision{Kind: model.KindHead, Authority: "treasury", Identification: serviceCenter, BillingPosition: "head_identification"}}},
		{"bundle 21:30Z on 25 September 2022 is already 26 September", tl,
			rules.Input{Date: utc(2022, 9, 25, 21, 30), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgBranch},
			want{dec: rules.Decision{Kind: model.KindLegalEntityEmployee, Authority: "kcr", Identification: inPerson, Bundled: true, BillingPosition: "legal_entity_employee_certificate"}}},
		{"bundle 20:59Z on 25 September 2022 is not yet", tl,
			rules.Input{Date: utc(2022, 9, 25, 20, 59), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgBranch},
			want{dec: rules.Decision{Kind: model.KindLegalEntityEmployee, Authority: "kcr", Identification: inPerson, BillingPosition: "legal_entity_employee_certificate"}}},
		{"a timeline configured at midnight UTC means the same dates", rules.Timeline{
			HeadsToStateCA: utc(2022, 1, 1, 0, 0), BundleFrom: utc(2022, 9, 26, 0, 0),
			EmployeesIndividual: utc(2023, 9, 1, 0, 0), LegacyUnusable: utc(2024, 9, 1, 0, 0)},
			rules.Input{Date: utc(2023, 8, 31, 21, 30), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity},
			want{rule: "employee_org_certificates_ended", ruleDate: utc(2023, 9, 1, 0, 0)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, r := rules.Decide(c.tl, c.in)
			checkOutcome(t, c.w, d, r)
		})
	}
	t.Run("AllowedKinds at 21:30Z on the eve", func(t *testing.T) {
		if slices.Contains(rules.AllowedKinds(tl, utc(2023, 8, 31, 21, 30), model.OrgLegalEntity), model.KindLegalEntityEmployee) {
			t.Fatal("legal_entity_employee offered on 1 September 2023 (Moscow)")
		}
		if !slices.Contains(rules.AllowedKinds(tl, utc(2023, 8, 31, 20, 59), model.OrgLegalEntity), model.KindLegalEntityEmployee) {
			t.Fatal("legal_entity_employee not offered on 31 August 2023 (Moscow)")
		}
	})
	t.Run("CarryOver and LegacyUnusable at 21:30Z on the eve", func(t *testing.T) {
		if _, _, ok := rules.CarryOver(tl, utc(2023, 8, 31, 21, 30), model.KindLegalEntityEmployee); !ok {
			t.Fatal("no carry-over on 1 September 2023 (Moscow)")
		}
		if _, _, ok := rules.CarryOver(tl, utc(2023, 8, 31, 20, 59), model.KindLegalEntityEmployee); ok {
			t.Fatal("carry-over on 31 August 2023 (Moscow)")
		}
		if ok, _ := rules.LegacyUnusable(tl, utc(2024, 8, 31, 21, 30), model.KindLegalEntityEmployee, msk(2023, 1, 10)); !ok {
			t.Fatal("not legacy on 1 September 2024 (Moscow)")
		}
		if ok, _ := rules.LegacyUnusable(tl, utc(2024, 8, 31, 20, 59), model.KindLegalEntityEmployee, msk(2023, 1, 10)); ok {
			t.Fatal("legacy on 31 August 2024 (Moscow)")
		}
		// Issued at 21:30Z on 31 August 2023 is issued on 1 September in Moscow: not a pre-cutoff certificate.
		if ok, _ := rules.LegacyUnusable(tl, msk(2024, 10, 1), model.KindLegalEntityEmployee, utc(2023, 8, 31, 21, 30)); ok {
			t.Fatal("a certificate issued on 1 September 2023 (Moscow) flagged as legacy")
		}
		if ok, _ := rules.LegacyUnusable(tl, msk(2024, 10, 1), model.KindLegalEntityEmployee, utc(2023, 8, 31, 20, 59)); !ok {
			t.Fatal("a certificate issued on 31 August 2023 (Moscow) not flagged as legacy")
		}
	})
}

func TestRemote(t *testing.T) {
	type prevCase struct {
		name    string
		prev    func(date time.Time) *rules.Previous
		rule    string // for a Remote request; "" = accepted
		msgPart string
	}
	valid := func(k model.CertKind) func(time.Time) *rules.Previous {
		return func(d time.Time) *rules.Previous {
			return &rules.Previous{Kind: k, Status: model.CertValid, NotAfter: d.AddDate(0, 3, 0)}
		}
	}
	prevs := []prevCase{
		{"nil", func(time.Time) *rules.Previous { return nil }, "remote_needs_valid_certificate", "нет"},
		{"valid same kind", nil, "", ""}, // filled per kind below
		{"expired an hour ago", func(d time.Time) *rules.Previous {
			return &rules.Previous{Kind: model.KindIndividual, Status: model.CertValid, NotAfter: d.Add(-time.Hour)}
		}, "remote_needs_valid_certificate", "истёк"},
		{"expires exactly now", func(d time.Time) *rules.Previous {
			return &rules.Previous{Kind: model.KindIndividual, Status: model.CertValid, NotAfter: d}
		}, "remote_needs_valid_certificate", "истёк"},
		{"status expired", func(d time.Time) *rules.Previous {
			return &rules.Previous{Kind: model.KindIndividual, Status: model.CertExpired, NotAfter: d.AddDate(0, 0, -10)}
		}, "remote_needs_valid_certificate", "истёк"},
		{"revoked", func(d time.Time) *rules.Previous {
			return &rules.Previous{Kind: model.KindIndividual, Status: model.CertRevoked, NotAfter: d.AddDate(1, 0, 0)}
		}, "remote_needs_valid_certificate", "отозван"},
	}
	dates := []phase{boundaryDates[0], boundaryDates[1], boundaryDates[6], boundaryDates[7]}
	for _, p := range dates {
		for _, kind := range model.CertKinds {
			org := model.OrgLegalEntity
			if kind == model.KindSoleProprietor {
				org = model.OrgSoleProprietor
			}
			base := expect(p, kind, model.SectorFinancial, org)
			for _, pc := range prevs {
				if pc.prev == nil {
					pc.prev = valid(kind)
				}
				t.Run(fmt.Sprintf("%s/%s/%s", p.name, kind, pc.name), func(t *testing.T) {
					in := rules.Input{Date: p.date, Kind: kind, Sector: model.SectorFinancial, OrgKind: org, Previous: pc.prev(p.date)}
					// Without Remote, the previous certificate changes nothing.
					d, r := rules.Decide(tl, in)
					checkOutcome(t, base, d, r)
					// With Remote.
					in.Remote = true
					d, r = rules.Decide(tl, in)
					w := base
					switch {
					case base.rule != "":
					case pc.rule != "":
						w = want{rule: pc.rule}
					case p.stateCA && (kind == model.KindHead || kind == model.KindSoleProprietor):
						w.dec.Identification = remoteThenSC
					default:
						w.dec.Identification = remoteThenIP
					}
					checkOutcome(t, w, d, r)
					if w.rule == "remote_needs_valid_certificate" && !strings.Contains(r.Message, pc.msgPart) {
						t.Fatalf("message %q does not say %q", r.Message, pc.msgPart)
					}
				})
			}
		}
	}
	t.Run("the expiry date is in the message", func(t *testing.T) {
		_, r := rules.Decide(tl, rules.Input{Date: msk(2023, 5, 10), Kind: model.KindIndividual, Sector: model.SectorCommercial,
			OrgKind: model.OrgBranch, Remote: true, Previous: &rules.Previous{Kind: model.KindIndividual, Status: model.CertExpired,
				NotAfter: time.Date(2023, 3, 4, 22, 0, 0, 0, time.UTC)}})
		if r == nil || !strings.Contains(r.Message, "истёк 5 марта 2023 г.") {
			t.Fatalf("refusal %v does not name the expiry date in Moscow time", r)
		}
	})
	t.Run("head renewal at a state CA needs a head certificate", func(t *testing.T) {
		in := rules.Input{Date: msk(2023, 5, 10), Kind: model.KindHead, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity,
			Remote: true, Previous: &rules.Previous{Kind: model.KindIndividual, Status: model.CertValid, NotAfter: msk(2024, 1, 1)}}
		d, r := rules.Decide(tl, in)
		checkOutcome(t, want{rule: "remote_needs_head_certificate"}, d, r)
		// Before the state CAs took over, any valid qualified certificate identified the person.
		in.Date = msk(2021, 5, 10)
		d, r = rules.Decide(tl, in)
		checkOutcome(t, want{dec: rules.Decision{Kind: model.KindHead, Authority: "kcr", Identification: remoteThenIP, BillingPosition: "head_identification"}}, d, r)
		// An employee may be identified remotely with any valid qualified certificate.
		in = rules.Input{Date: msk(2023, 5, 10), Kind: model.KindIndividual, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity,
			Remote: true, Previous: &rules.Previous{Kind: model.KindHead, Status: model.CertValid, NotAfter: msk(2024, 1, 1)}}
		d, r = rules.Decide(tl, in)
		checkOutcome(t, want{dec: rules.Decision{Kind: model.KindIndividual, Authority: "kcr", Identification: remoteThenIP, BillingPosition: "individual_certificate"}}, d, r)
	})
}

func TestRequestedAuthority(t *testing.T) {
	head := func(date time.Time, sector model.Sector, a rules.Authority) rules.Input {
		return rules.Input{Date: date, Kind: model.KindHead, Sector: sector, OrgKind: model.OrgLegalEntity, Authority: a}
	}
	after, before := msk(2022, 3, 1), msk(2021, 3, 1)
	cases := []struct {
		name string
		in   rules.Input
		rule string
		date time.Time
		auth rules.Authority
	}{
		{"head sent to kcr after the cutoff", head(after, model.SectorCommercial, "kcr"), "head_via_state_ca", headsToStateCA, ""},
		{"state head sent to kcr after the cutoff", head(after, model.SectorState, "kcr"), "head_via_state_ca", headsToStateCA, ""},
		{"ИП sent to kcr after the cutoff", rules.Input{Date: after, Kind: model.KindSoleProprietor, Sector: model.SectorFinancial,
			OrgKind: model.OrgSoleProprietor, Authority: "kcr"}, "head_via_state_ca", headsToStateCA, ""},
		{"head sent to the right CA", head(after, model.SectorCommercial, "fns"), "", time.Time{}, "fns"},
		{"bank head sent to the right CA", head(after, model.SectorFinancial, "bank_of_russia"), "", time.Time{}, "bank_of_russia"},
		{"state head sent to the tax service", head(after, model.SectorState, "fns"), "wrong_authority", headsToStateCA, ""},
		{"head sent to the tax service before the cutoff", head(before, model.SectorCommercial, "fns"), "wrong_authority", headsToStateCA, ""},
		{"head sent to kcr before the cutoff", head(before, model.SectorCommercial, "kcr"), "", time.Time{}, "kcr"},
		{"employee sent to the tax service", rules.Input{Date: after, Kind: model.KindIndividual, Sector: model.SectorCommercial,
			OrgKind: model.OrgLegalEntity, Authority: "fns"}, "wrong_authority", time.Time{}, ""},
		{"unknown authority", head(after, model.SectorCommercial, "vatican"), "invalid_input", time.Time{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, r := rules.Decide(tl, c.in)
			if c.rule == "" {
				if r != nil || d.Authority != c.auth {
					t.Fatalf("got %+v %v, want authority %s", d, r, c.auth)
				}
				return
			}
			checkOutcome(t, want{rule: c.rule, ruleDate: c.date}, d, r)
		})
	}
}

func TestInvalidInput(t *testing.T) {
	ok := rules.Input{Date: msk(2023, 1, 1), Kind: model.KindIndividual, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity}
	cases := map[string]func(*rules.Input){
		"empty kind":       func(in *rules.Input) { in.Kind = "" },
		"unknown kind":     func(in *rules.Input) { in.Kind = "robot" },
		"empty sector":     func(in *rules.Input) { in.Sector = "" },
		"unknown sector":   func(in *rules.Input) { in.Sector = "church" },
		"empty org kind":   func(in *rules.Input) { in.OrgKind = "" },
		"unknown org kind": func(in *rules.Input) { in.OrgKind = "cooperative" },
		"previous kind":    func(in *rules.Input) { in.Previous = &rules.Previous{Kind: "x", Status: model.CertValid} },
		"previous status":  func(in *rules.Input) { in.Previous = &rules.Previous{Kind: model.KindHead, Status: "lost"} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			in := ok
			mutate(&in)
			d, r := rules.Decide(tl, in)
			checkOutcome(t, want{rule: "invalid_input"}, d, r)
		})
	}
}

func TestReissue(t *testing.T) {
	type row struct {
		prevKind  model.CertKind
		recipient string
		before    want // on the day before EmployeesIndividual
		onAfter   want // on the day of and the day after
	}
	ind := func() want {
		return want{dec: rules.Decision{Kind: model.KindIndividual, Authority: "kcr", Identification: remoteThenIP, BillingPosition: "individual_certificate"}}
	}
	lee := want{dec: rules.Decision{Kind: model.KindLegalEntityEmployee, Authority: "kcr", Identification: remoteThenIP, Bundled: true, BillingPosition: "legal_entity_employee_certificate"}}
	ended := want{rule: "employee_org_certificates_ended", ruleDate: employeesIndividual}
	headW := want{dec: rules.Decision{Kind: model.KindHead, Authority: "fns", Identification: remoteThenSC, BillingPosition: "head_identification"}}
	notApplicable := want{rule: "recipient_not_applicable"}
	rows := []row{
		{model.KindLegalEntityEmployee, "", lee, ind()},
		{model.KindLegalEntityEmployee, "legal_entity", lee, ended},
		{model.KindLegalEntityEmployee, "individual", ind(), ind()},
		{model.KindIndividual, "", ind(), ind()},
		{model.KindIndividual, "legal_entity", lee, ended},
		{model.KindIndividual, "individual", ind(), ind()},
		{model.KindHead, "", headW, headW},
		{model.KindHead, "legal_entity", notApplicable, notApplicable},
		{model.KindHead, "individual", notApplicable, notApplicable},
		{model.KindLegalEntityEmployee, "branch", want{rule: "invalid_input"}, want{rule: "invalid_input"}},
	}
	for _, p := range boundaryDates[6:9] {
		for _, rw := range rows {
			t.Run(fmt.Sprintf("%s/%s/recipient=%q", p.name, rw.prevKind, rw.recipient), func(t *testing.T) {
				prev := rules.Previous{Kind: rw.prevKind, Status: model.CertValid, NotAfter: p.date.AddDate(0, 1, 0)}
				d, r := rules.Reissue(tl, p.date, prev, rw.recipient, model.SectorCommercial, model.OrgLegalEntity)
				w := rw.onAfter
				if !p.ended {
					w = rw.before
				}
				checkOutcome(t, w, d, r)
			})
		}
	}
	t.Run("sole proprietor stays sole proprietor", func(t *testing.T) {
		prev := rules.Previous{Kind: model.KindSoleProprietor, Status: model.CertValid, NotAfter: msk(2024, 1, 1)}
		d, r := rules.Reissue(tl, msk(2023, 10, 1), prev, "", model.SectorState, model.OrgSoleProprietor)
		checkOutcome(t, want{dec: rules.Decision{Kind: model.KindSoleProprietor, Authority: "fns", Identification: remoteThenSC, BillingPosition: "head_identification"}}, d, r)
	})
	t.Run("expired previous means in person", func(t *testing.T) {
		prev := rules.Previous{Kind: model.KindLegalEntityEmployee, Status: model.CertExpired, NotAfter: msk(2023, 6, 1)}
		d, r := rules.Reissue(tl, msk(2023, 10, 1), prev, "", model.SectorCommercial, model.OrgBranch)
		checkOutcome(t, want{dec: rules.Decision{Kind: model.KindIndividual, Authority: "kcr", Identification: inPerson, BillingPosition: "individual_certificate"}}, d, r)
		prev = rules.Previous{Kind: model.KindHead, Status: model.CertValid, NotAfter: msk(2023, 6, 1)} // status stale, date decides
		d, r = rules.Reissue(tl, msk(2023, 10, 1), prev, "", model.SectorFinancial, model.OrgLegalEntity)
		checkOutcome(t, want{dec: rules.Decision{Kind: model.KindHead, Authority: "bank_of_russia", Identification: serviceCenter, BillingPosition: "head_identification"}}, d, r)
	})
	t.Run("revoked previous is refused", func(t *testing.T) {
		for _, k := range model.CertKinds {
			for _, p := range boundaryDates {
				prev := rules.Previous{Kind: k, Status: model.CertRevoked, NotAfter: p.date.AddDate(1, 0, 0)}
				d, r := rules.Reissue(tl, p.date, prev, "", model.SectorCommercial, model.OrgLegalEntity)
				checkOutcome(t, want{rule: "reissue_of_revoked"}, d, r)
			}
		}
	})
	t.Run("invalid previous", func(t *testing.T) {
		d, r := rules.Reissue(tl, msk(2023, 1, 1), rules.Previous{Kind: "x", Status: model.CertValid}, "", model.SectorCommercial, model.OrgLegalEntity)
		checkOutcome(t, want{rule: "invalid_input"}, d, r)
		d, r = rules.Reissue(tl, msk(2023, 1, 1), rules.Previous{Kind: model.KindHead, Status: "x"}, "", model.SectorCommercial, model.OrgLegalEntity)
		checkOutcome(t, want{rule: "invalid_input"}, d, r)
	})
	t.Run("organization rules still apply", func(t *testing.T) {
		prev := rules.Previous{Kind: model.KindIndividual, Status: model.CertValid, NotAfter: msk(2024, 1, 1)}
		d, r := rules.Reissue(tl, msk(2023, 1, 1), prev, "legal_entity", model.SectorCommercial, model.OrgSoleProprietor)
		checkOutcome(t, want{rule: "employee_needs_legal_entity_org"}, d, r)
	})
}

func TestCarryOver(t *testing.T) {
	for _, p := range boundaryDates {
		for _, k := range model.CertKinds {
			t.Run(p.name+"/"+string(k), func(t *testing.T) {
				got, note, ok := rules.CarryOver(tl, p.date, k)
				wantOK := k == model.KindLegalEntityEmployee && p.ended
				if ok != wantOK {
					t.Fatalf("carry over = %v, want %v", ok, wantOK)
				}
				if !ok {
					if got != k || note != "" {
						t.Fatalf("no carry-over but got %s %q", got, note)
					}
					return
				}
				if got != model.KindIndividual || !hasCyrillic(note) || !strings.Contains(note, "1 сентября 2023 г.") {
					t.Fatalf("carry-over to %s with note %q", got, note)
				}
				// The carried kind is one the date allows.
				if _, r := rules.Decide(tl, rules.Input{Date: p.date, Kind: got, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity}); r != nil {
					t.Fatalf("carried kind refused: %v", r)
				}
			})
		}
	}
}

func TestLegacyUnusable(t *testing.T) {
	issued := []struct {
		name   string
		at     time.Time
		before bool // before EmployeesIndividual
	}{
		{"issued 2022-05-01", msk(2022, 5, 1), true},
		{"issued 2023-08-31", msk(2023, 8, 31), true},
		{"issued 2023-09-01", msk(2023, 9, 1), false},
	}
	for _, p := range boundaryDates {
		for _, k := range model.CertKinds {
			for _, is := range issued {
				t.Run(fmt.Sprintf("%s/%s/%s", p.name, k, is.name), func(t *testing.T) {
					got, msg := rules.LegacyUnusable(tl, p.date, k, is.at)
					w := k == model.KindLegalEntityEmployee && is.before && p.legacy
					if got != w {
						t.Fatalf("LegacyUnusable = %v, want %v", got, w)
					}
					if got && !(strings.Contains(msg, "С 1 сентября 2024 г.") && strings.Contains(msg, "МЧД") &&
						strings.Contains(msg, "перевыпустите")) {
						t.Fatalf("recommendation %q", msg)
					}
					if !got && msg != "" {
						t.Fatalf("message %q without the flag", msg)
					}
				})
			}
		}
	}
}

func TestCustomTimeline(t *testing.T) {
	custom := rules.Timeline{
		HeadsToStateCA:      time.Date(2021, 6, 1, 0, 0, 0, 0, rules.MSK),
		BundleFrom:          time.Date(2021, 7, 1, 0, 0, 0, 0, rules.MSK),
		EmployeesIndividual: time.Date(2022, 3, 1, 0, 0, 0, 0, rules.MSK),
		LegacyUnusable:      time.Date(2022, 6, 1, 0, 0, 0, 0, rules.MSK),
	}
	if err := custom.Validate(); err != nil {
		t.Fatal(err)
	}
	headIn := rules.Input{Date: msk(2021, 6, 1), Kind: model.KindHead, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity}
	t.Run("heads move earlier", func(t *testing.T) {
		if d, _ := rules.Decide(tl, headIn); d.Authority != "kcr" {
			t.Fatalf("default timeline: %s", d.Authority)
		}
		if d, _ := rules.Decide(custom, headIn); d.Authority != "fns" {
			t.Fatalf("custom timeline: %s", d.Authority)
		}
		in := headIn
		in.Date = msk(2021, 5, 31)
		if d, _ := rules.Decide(custom, in); d.Authority != "kcr" {
			t.Fatalf("custom timeline, day before: %s", d.Authority)
		}
	})
	lee := rules.Input{Date: msk(2021, 7, 1), Kind: model.KindLegalEntityEmployee, Sector: model.SectorCommercial, OrgKind: model.OrgLegalEntity}
	t.Run("bundle moves earlier", func(t *testing.T) {
		if d, _ := rules.Decide(tl, lee); d.Bundled {
			t.Fatal("default timeline bundles on 2021-07-01")
		}
		if d, _ := rules.Decide(custom, lee); !d.Bundled {
			t.Fatal("custom timeline does not bundle on 2021-07-01")
		}
	})
	t.Run("employees end earlier", func(t *testing.T) {
		in := lee
		in.Date = msk(2022, 3, 1)
		if _, r := rules.Decide(tl, in); r != nil {
			t.Fatalf("default timeline refuses: %v", r)
		}
		_, r := rules.Decide(custom, in)
		if r == nil || r.Rule != "employee_org_certificates_ended" || !r.Date.Equal(custom.EmployeesIndividual) ||
			!strings.Contains(r.Message, "1 марта 2022 г.") {
			t.Fatalf("custom timeline: %v", r)
		}
		if slices.Contains(rules.AllowedKinds(custom, in.Date, model.OrgBranch), model.KindLegalEntityEmployee) {
			t.Fatal("custom AllowedKinds still offers legal_entity_employee")
		}
		if k, note, ok := rules.CarryOver(custom, in.Date, model.KindLegalEntityEmployee); !ok || k != model.KindIndividual || !strings.Contains(note, "1 марта 2022 г.") {
			t.Fatalf("custom CarryOver: %s %q %v", k, note, ok)
		}
		prev := rules.Previous{Kind: model.KindLegalEntityEmployee, Status: model.CertValid, NotAfter: msk(2022, 12, 1)}
		if d, r := rules.Reissue(custom, in.Date, prev, "", model.SectorCommercial, model.OrgLegalEntity); r != nil || d.Kind != model.KindIndividual {
			t.Fatalf("custom Reissue: %+v %v", d, r)
		}
		if d, r := rules.Reissue(tl, in.Date, prev, "", model.SectorCommercial, model.OrgLegalEntity); r != nil || d.Kind != model.KindLegalEntityEmployee {
			t.Fatalf("default Reissue: %+v %v", d, r)
		}
	})
	t.Run("legacy flag earlier", func(t *testing.T) {
		ok, msg := rules.LegacyUnusable(custom, msk(2022, 6, 1), model.KindLegalEntityEmployee, msk(2022, 1, 1))
		if !ok || !strings.Contains(msg, "1 июня 2022 г.") || !strings.Contains(msg, "1 марта 2022 г.") {
			t.Fatalf("custom LegacyUnusable: %v %q", ok, msg)
		}
		if ok, _ := rules.LegacyUnusable(tl, msk(2022, 6, 1), model.KindLegalEntityEmployee, msk(2022, 1, 1)); ok {
			t.Fatal("default timeline flags on 2022-06-01")
		}
	})
}

func TestValidate(t *testing.T) {
	if err := rules.DefaultTimeline().Validate(); err != nil {
		t.Fatalf("default timeline: %v", err)
	}
	d := rules.DefaultTimeline()
	cases := map[string]func(*rules.Timeline){
		"zero":                      func(t *rules.Timeline) { *t = rules.Timeline{} },
		"missing BundleFrom":        func(t *rules.Timeline) { t.BundleFrom = time.Time{} },
		"bundle before heads":       func(t *rules.Timeline) { t.BundleFrom = time.Date(2021, 1, 1, 0, 0, 0, 0, rules.MSK) },
		"employees equal to bundle": func(t *rules.Timeline) { t.EmployeesIndividual = t.BundleFrom },
		"same Moscow day": func(t *rules.Timeline) {
			t.EmployeesIndividual = time.Date(2022, 9, 26, 20, 0, 0, 0, time.UTC) // 23:00 MSK on BundleFrom's day
		},
		"legacy before employees": func(t *rules.Timeline) {
			t.LegacyUnusable, t.EmployeesIndividual = t.EmployeesIndividual, t.LegacyUnusable
		},
		"reversed": func(t *rules.Timeline) {
			t.HeadsToStateCA, t.BundleFrom, t.EmployeesIndividual, t.LegacyUnusable = t.LegacyUnusable, t.EmployeesIndividual, t.BundleFrom, t.HeadsToStateCA
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			tt := d
			mutate(&tt)
			if err := tt.Validate(); err == nil {
				t.Fatalf("accepted %+v", tt)
			}
		})
	}
	t.Run("one day apart is enough", func(t *testing.T) {
		tt := rules.Timeline{HeadsToStateCA: msk(2022, 1, 1), BundleFrom: msk(2022, 1, 2), EmployeesIndividual: msk(2022, 1, 3), LegacyUnusable: msk(2022, 1, 4)}
		if err := tt.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFormatDate(t *testing.T) {
	want := []string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
	for m := time.January; m <= time.December; m++ {
		got := rules.FormatDate(msk(2023, m, 1))
		if w := "1 " + want[m-1] + " 2023 г."; got != w {
			t.Errorf("%v: %q, want %q", m, got, w)
		}
	}
	if got := rules.FormatDate(time.Date(2023, 12, 31, 21, 30, 0, 0, time.UTC)); got != "1 января 2024 г." {
		t.Errorf("Moscow date: %q", got)
	}
}

func TestBundledCompanion(t *testing.T) {
	d, r := rules.Decide(tl, rules.Input{Date: msk(2023, 1, 10), Kind: model.KindLegalEntityEmployee, Sector: model.SectorState, OrgKind: model.OrgBranch})
	if r != nil {
		t.Fatal(r)
	}
	c, ok := rules.BundledCompanion(d)
	if !ok || c.Kind != model.KindIndividual || c.Authority != "kcr" || c.BillingPosition != "bundled_individual_certificate" ||
		c.Bundled || !slices.Equal(c.Identification, d.Identification) {
		t.Fatalf("companion %+v %v", c, ok)
	}
	d, _ = rules.Decide(tl, rules.Input{Date: msk(2022, 9, 25), Kind: model.KindLegalEntityEmployee, Sector: model.SectorState, OrgKind: model.OrgBranch})
	if _, ok := rules.BundledCompanion(d); ok {
		t.Fatal("companion outside the bundle window")
	}
}

func TestRefusalError(t *testing.T) {
	r := &rules.Refusal{Rule: "x", Message: "сообщение"}
	if r.Error() != "x: сообщение" {
		t.Fatal(r.Error())
	}
	var nilR *rules.Refusal
	_ = nilR.Error()
}

// TestProperty: for random dates and inputs, Decide answers exactly one of a usable Decision or an
// explained Refusal, and agrees with AllowedKinds.
func TestProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2020, 2027))
	lo := time.Date(2020, 1, 1, 0, 0, 0, 0, rules.MSK).Unix()
	hi := time.Date(2027, 12, 31, 23, 59, 59, 0, rules.MSK).Unix()
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	cutoffs := []time.Time{tl.HeadsToStateCA, tl.BundleFrom, tl.EmployeesIndividual, tl.LegacyUnusable}
	validMethods := []model.VerificationMethod{model.VerifiedInPersonWorkplace, model.VerifiedServiceCenter, model.VerifiedRemoteQualified}
	seen := map[string]int{}
	for i := range 10000 {
		date := time.Unix(lo+rng.Int64N(hi-lo+1), 0).UTC()
		in := rules.Input{
			Date:    date,
			Kind:    model.CertKind(pick("individual", "legal_entity_employee", "head", "sole_proprietor", "individual", "head", "bogus")),
			Sector:  model.Sector(pick("commercial", "state", "financial", "commercial", "")),
			OrgKind: model.OrgKind(pick("legal_entity", "branch", "sole_proprietor", "legal_entity", "nope")),
			Remote:  rng.IntN(3) == 0,
		}
		if rng.IntN(8) == 0 {
			in.Authority = rules.Authority(pick("kcr", "fns", "treasury", "bank_of_russia", "x"))
		}
		if rng.IntN(3) > 0 {
			in.Previous = &rules.Previous{
				Kind:     model.CertKind(pick("individual", "legal_entity_employee", "head", "sole_proprietor")),
				Status:   model.CertStatus(pick("valid", "valid", "expired", "revoked")),
				NotAfter: date.Add(time.Duration(rng.Int64N(2*365*24)-365*24) * time.Hour),
			}
		}
		d, r := rules.Decide(tl, in)
		if r != nil {
			seen[r.Rule]++
			if r.Rule == "" || !hasCyrillic(r.Message) || strings.Contains(r.Message, "..") {
				t.Fatalf("#%d %+v: refusal without a reason: %+v", i, in, r)
			}
			if d.Kind != "" || d.Authority != "" || d.Identification != nil || d.BillingPosition != "" || d.Bundled {
				t.Fatalf("#%d %+v: both a refusal %v and a decision %+v", i, in, r, d)
			}
			if !r.Date.IsZero() && !slices.ContainsFunc(cutoffs, r.Date.Equal) {
				t.Fatalf("#%d %+v: refusal date %v is not a cutoff", i, in, r.Date)
			}
		} else {
			seen["decision:"+string(d.Authority)]++
			if d.Kind == "" || d.Authority == "" || len(d.Identification) == 0 || d.BillingPosition == "" {
				t.Fatalf("#%d %+v: neither a refusal nor a complete decision: %+v", i, in, d)
			}
			if !slices.Contains(rules.AllowedKinds(tl, date, in.OrgKind), d.Kind) {
				t.Fatalf("#%d %+v: decided kind %s not in AllowedKinds %v", i, in, d.Kind, rules.AllowedKinds(tl, date, in.OrgKind))
			}
			for _, m := range d.Identification {
				if !slices.Contains(validMethods, m) || (m == model.VerifiedRemoteQualified && !in.Remote) {
					t.Fatalf("#%d %+v: identification %v", i, in, d.Identification)
				}
			}
			if d.Bundled && d.Kind != model.KindLegalEntityEmployee {
				t.Fatalf("#%d %+v: bundled %s", i, in, d.Kind)
			}
		}
		// Every kind AllowedKinds offers is accepted in person, and no other kind is.
		if in.Sector != "" && in.OrgKind != "nope" {
			allowed := rules.AllowedKinds(tl, date, in.OrgKind)
			for _, k := range model.CertKinds {
				plain := rules.Input{Date: date, Kind: k, Sector: in.Sector, OrgKind: in.OrgKind, Previous: in.Previous}
				_, r := rules.Decide(tl, plain)
				if (r == nil) != slices.Contains(allowed, k) {
					t.Fatalf("#%d %+v: AllowedKinds %v but Decide(%s) refusal %v", i, plain, allowed, k, r)
				}
			}
		}
	}
	// The generator reaches every outcome worth reaching.
	for _, k := range []string{"invalid_input", "sole_proprietor_needs_sole_proprietor_org", "head_needs_legal_entity_org",
		"employee_needs_legal_entity_org", "employee_org_certificates_ended", "head_via_state_ca", "wrong_authority",
		"remote_needs_valid_certificate", "remote_needs_head_certificate",
		"decision:kcr", "decision:fns", "decision:treasury", "decision:bank_of_russia"} {
		if seen[k] == 0 {
			t.Errorf("no random input produced %s (%v)", k, seen)
		}
	}
}

// TestLegacyIssuedBeforeAgreesWithLegacyUnusable: the filter and the per-certificate rule decide alike around
// both cutoffs, at the first and last minute of each Moscow day.
func TestLegacyIssuedBeforeAgreesWithLegacyUnusable(t *testing.T) {
	tl := rules.DefaultTimeline()
	var moments []time.Time
	for _, cut := range []time.Time{tl.EmployeesIndividual, tl.LegacyUnusable} {
		y, m, d := cut.In(rules.MSK).Date()
		for dd := -2; dd <= 2; dd++ {
			moments = append(moments, time.Date(y, m, d+dd, 0, 0, 0, 0, rules.MSK), time.Date(y, m, d+dd, 23, 59, 0, 0, rules.MSK))
		}
	}
	checked := 0
	for _, date := range moments {
		for _, notBefore := range moments {
			for _, kind := range []model.CertKind{model.KindLegalEntityEmployee, model.KindIndividual} {
				want, _ := rules.LegacyUnusable(tl, date, kind, notBefore)
				before, ok := rules.LegacyIssuedBefore(tl, date)
				got := ok && kind == model.KindLegalEntityEmployee && notBefore.Before(before)
				if got != want {
					t.Errorf("on %s, %s from %s: filter %v, rule %v", date, kind, notBefore, got, want)
				}
				if want {
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no legacy case was checked")
	}
}
