package mchd

import (
	"context"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// The authorization tests issue the holder's individual certificates from a small CA of their own. The
// certificates' validity is fixed (no wall clock): nothing outside kcr reads them.
var (
	authzOnce               sync.Once
	authzCAKey, authzHolder *gost.PrivateKey
	authzCA                 []byte // DER Name of the CA
	authzErr                error
	authzSerial             int64
	authzMu                 sync.Mutex
)

// Validity of the test certificates: the default covers the whole term of validDoc (2026-12-07..2027-12-06).
var (
	certFrom = time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC)
	certTo   = time.Date(2028, time.June, 1, 0, 0, 0, 0, time.UTC)
)

func authzSetup(t testing.TB) {
	t.Helper()
	authzOnce.Do(func() {
		ps, _ := gost.ParamSetByName("tc26-256-A")
		if authzCAKey, authzErr = gost.GenerateKey(rand.Reader, ps); authzErr != nil {
			return
		}
		if authzHolder, authzErr = gost.GenerateKey(rand.Reader, ps); authzErr != nil {
			return
		}
		authzCA, authzErr = x509gost.Name{{OID: x509gost.OIDCommonName, Value: "Тестовый УЦ проверки МЧД", Tag: encasn1.TagUTF8String}}.Marshal()
	})
	if authzErr != nil {
		t.Fatal(authzErr)
	}
}

// holderSubject is what a test certificate names; empty fields are left out.
type holderSubject struct {
	snils, inn, surname, given, cn string
}

// subjectOf names the representative of doc as an individual certificate does.
func subjectOf(p *Person) holderSubject {
	given := p.FirstName
	if p.MiddleName != "" {
		given += " " + p.MiddleName
	}
	return holderSubject{snils: p.SNILS, inn: p.INN, surname: p.LastName, given: given, cn: p.LastName + " " + given}
}

// certFor issues a certificate naming s, valid from..to.
func certFor(t testing.TB, s holderSubject, from, to time.Time) *x509gost.Certificate {
	t.Helper()
	cert, err := x509gost.ParseCertificate(certDER(t, s, from, to))
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func certDER(t testing.TB, s holderSubject, from, to time.Time) []byte {
	t.Helper()
	authzSetup(t)
	var name x509gost.Name
	add := func(oid encasn1.ObjectIdentifier, v string, tag int) {
		if v != "" {
			name = append(name, x509gost.Attribute{OID: oid, Value: v, Tag: tag})
		}
	}
	add(x509gost.OIDCommonName, s.cn, encasn1.TagUTF8String)
	add(x509gost.OIDSurname, s.surname, encasn1.TagUTF8String)
	add(x509gost.OIDGivenName, s.given, encasn1.TagUTF8String)
	add(x509gost.OIDSNILS, s.snils, encasn1.TagNumericString)
	add(x509gost.OIDINN, s.inn, encasn1.TagNumericString)
	subj, err := name.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	spki, err := authzHolder.Public().MarshalSPKI()
	if err != nil {
		t.Fatal(err)
	}
	authzMu.Lock()
	authzSerial++
	serial := authzSerial
	authzMu.Unlock()
	tbs := &x509gost.TBSCertificate{
		SerialNumber: big.NewInt(serial), SignatureAlgorithm: authzCAKey.Public().SignatureAlgorithm(),
		Issuer: authzCA, Subject: subj, NotBefore: from, NotAfter: to, SPKI: spki,
	}
	der, err := tbs.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509gost.SignCertificate(der, authzCAKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// recordOf drafts doc into a stored record in the given state.
func recordOf(t testing.TB, doc *Document, state State) Record {
	t.Helper()
	name, data, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return Record{
		ID: "poa-" + doc.Number[:8], AccountID: "acc-1", OrganizationID: "org-1", Number: doc.Number,
		IssueDate: doc.IssueDate, EndDate: doc.EndDate, Powers: doc.Powers, PowersText: doc.PowersText,
		State: state, FileName: name, XML: data,
	}
}

func msk(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, rules.MSK)
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	doc := validDoc(1)
	rep := subjectOf(&doc.Representative)
	holder := certFor(t, rep, certFrom, certTo)
	mid := msk(2027, time.March, 1, 12, 0)
	before, after := mid.Add(-time.Hour), mid.Add(time.Hour)

	textOnly := validDoc(1)
	textOnly.Powers = nil
	textOnly.PowersText = "Подписание счетов-фактур (код DEMO_INVOICE_SIGN)"

	noINN := validDoc(1)
	noINN.Representative.INN = ""

	broken := recordOf(t, doc, StateRegistered)
	broken.XML = []byte("<not-a-power-of-attorney/>")

	other := validDoc(2).Representative
	cases := []struct {
		name string
		cert *x509gost.Certificate
		rec  Record
		code string
		at   time.Time
		want []Reason
	}{
		{name: "registered, holder, power, in term", rec: recordOf(t, doc, StateRegistered)},
		{name: "draft", rec: recordOf(t, doc, StateDraft), want: []Reason{ReasonNotRegistered}},
		{name: "awaiting signature", rec: recordOf(t, doc, StateAwaitingSignature), want: []Reason{ReasonNotRegistered}},
		{name: "signed, processing in the registry", rec: withRegistry(recordOf(t, doc, StateSigned), RegistryProcessing), want: []Reason{ReasonNotRegistered}},
		{name: "rejected", rec: recordOf(t, doc, StateRejected), want: []Reason{ReasonRejected}},
		{name: "revoked without a time", rec: recordOf(t, doc, StateRevoked), want: []Reason{ReasonRevoked}},
		{name: "revoked after the signature", rec: revokedAt(recordOf(t, doc, StateRevoked), after)},
		{name: "revoked before the signature", rec: revokedAt(recordOf(t, doc, StateRevoked), before), want: []Reason{ReasonRevoked}},
		{name: "revoked at the very moment", rec: revokedAt(recordOf(t, doc, StateRevoked), mid), want: []Reason{ReasonRevoked}},
		{name: "expired state, signature within the term", rec: recordOf(t, doc, StateExpired)},
		{name: "expired state, signature after the term", rec: recordOf(t, doc, StateExpired), at: msk(2027, time.December, 7, 0, 0), want: []Reason{ReasonExpired}},
		{name: "last day, late evening in Moscow", rec: recordOf(t, doc, StateRegistered), at: msk(2027, time.December, 6, 23, 59)},
		{name: "day after the end", rec: recordOf(t, doc, StateRegistered), at: msk(2027, time.December, 7, 0, 0), want: []Reason{ReasonExpired}},
		// 21:30 UTC on the last day is already the next Moscow day.
		{name: "after the end by the Moscow date, not the UTC one", rec: recordOf(t, doc, StateRegistered), at: time.Date(2027, time.December, 6, 21, 30, 0, 0, time.UTC), want: []Reason{ReasonExpired}},
		{name: "issue day, midnight in Moscow", rec: recordOf(t, doc, StateRegistered), at: msk(2026, time.December, 7, 0, 0)},
		// 22:00 UTC the day before is already the issue day in Moscow.
		{name: "issue day by the Moscow date, not the UTC one", rec: recordOf(t, doc, StateRegistered), at: time.Date(2026, time.December, 6, 22, 0, 0, 0, time.UTC)},
		{name: "day before the issue", rec: recordOf(t, doc, StateRegistered), at: msk(2026, time.December, 6, 23, 59), want: []Reason{ReasonNotYetValid}},
		{name: "another person", cert: certFor(t, subjectOf(&other), certFrom, certTo), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonRepresentativeMismatch}},
		{name: "same ИНН and name, other СНИЛС: СНИЛС decides", cert: certFor(t, holderSubject{snils: other.SNILS, inn: rep.inn, surname: rep.surname, given: rep.given}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonRepresentativeMismatch}},
		{name: "same СНИЛС, other name", cert: certFor(t, holderSubject{snils: rep.snils, surname: "Другая", given: "Фамилия"}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered)},
		{name: "no СНИЛС in the certificate, same ИНН", cert: certFor(t, holderSubject{inn: rep.inn, surname: "Другая", given: "Фамилия"}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered)},
		{name: "no СНИЛС in the certificate, other ИНН", cert: certFor(t, holderSubject{inn: other.INN, surname: rep.surname, given: rep.given}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonRepresentativeMismatch}},
		{name: "only the name, spelled differently", cert: certFor(t, holderSubject{surname: "СМИРНОВА", given: " анна "}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered)},
		{name: "only the name in CN", cert: certFor(t, holderSubject{cn: "Смирнова  Анна"}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered)},
		{name: "only a different name", cert: certFor(t, holderSubject{surname: "Смирнова", given: "Анна Петровна"}, certFrom, certTo), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonRepresentativeMismatch}},
		{name: "ИНН in the certificate, none in the file: the name decides", cert: certFor(t, holderSubject{inn: other.INN, surname: "Смирнова", given: "Анна"}, certFrom, certTo), rec: recordOf(t, noINN, StateRegistered)},
		{name: "no identifier at all", cert: certFor(t, holderSubject{inn: other.INN}, certFrom, certTo), rec: recordOf(t, noINN, StateRegistered), want: []Reason{ReasonRepresentativeMismatch}},
		{name: "power not granted", rec: recordOf(t, doc, StateRegistered), code: "DEMO_TAX_REPORTS", want: []Reason{ReasonPowerNotGranted}},
		{name: "codes compare exactly", rec: recordOf(t, doc, StateRegistered), code: "demo_invoice_sign", want: []Reason{ReasonPowerNotGranted}},
		{name: "a code prefix is not the code", rec: recordOf(t, doc, StateRegistered), code: "DEMO_INVOICE", want: []Reason{ReasonPowerNotGranted}},
		{name: "text-only powers never authorize a code", rec: recordOf(t, textOnly, StateRegistered), want: []Reason{ReasonPowerNotGranted}},
		{name: "certificate not yet valid", cert: certFor(t, rep, mid.Add(time.Minute), certTo), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonCertificateNotValid}},
		{name: "certificate expired", cert: certFor(t, rep, certFrom, mid.Add(-time.Second)), rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonCertificateNotValid}},
		{name: "certificate's last second", cert: certFor(t, rep, certFrom, mid), rec: recordOf(t, doc, StateRegistered)},
		{name: "no certificate", cert: nil, rec: recordOf(t, doc, StateRegistered), want: []Reason{ReasonCertificateMalformed}},
		{name: "unreadable file", rec: broken, want: []Reason{ReasonNotFound}},
		{
			name: "everything wrong at once, in list order", cert: certFor(t, subjectOf(&other), certFrom, msk(2027, time.January, 1, 0, 0)),
			rec: revokedAt(recordOf(t, doc, StateRevoked), before), code: "DEMO_WAYBILL", at: msk(2028, time.January, 1, 0, 0),
			want: []Reason{ReasonRevoked, ReasonExpired, ReasonRepresentativeMismatch, ReasonPowerNotGranted, ReasonCertificateNotValid},
		},
		{
			name: "not registered and not yet valid", rec: recordOf(t, doc, StateAwaitingSignature), at: msk(2026, time.November, 1, 0, 0),
			want: []Reason{ReasonNotRegistered, ReasonNotYetValid},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cert := c.cert
			if cert == nil && c.name != "no certificate" {
				cert = holder
			}
			code := c.code
			if code == "" {
				code = "DEMO_INVOICE_SIGN"
			}
			at := c.at
			if at.IsZero() {
				at = mid
			}
			got := Authorize(cert, &c.rec, code, at)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func withRegistry(r Record, s RegistryStatus) Record { r.RegistryStatus = s; return r }

func revokedAt(r Record, at time.Time) Record { r.RevokedAt = &at; return r }

func TestReasonsEnum(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, v := range Reason("").EnumValues() {
		if seen[v] || v != strings.ToLower(v) || strings.ContainsAny(v, " -") {
			t.Errorf("reason %q is duplicated or not snake_case", v)
		}
		seen[v] = true
	}
	if len(seen) != 11 {
		t.Fatalf("%d reasons, want 11", len(seen))
	}
}

// fakeFinder answers like storage: within the account, by number, else by organization id or grantor ИНН/КПП.
type fakeFinder struct {
	recs []Record
	err  error
	got  []FindQuery
	mu   sync.Mutex
}

func (f *fakeFinder) FindForCheck(_ context.Context, q FindQuery) ([]Record, error) {
	f.mu.Lock()
	f.got = append(f.got, q)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []Record
	for _, r := range f.recs {
		if q.AccountID != "" && r.AccountID != q.AccountID {
			continue
		}
		switch {
		case q.Number != "":
			if r.Number != q.Number {
				continue
			}
		case q.OrganizationID != "":
			if r.OrganizationID != q.OrganizationID {
				continue
			}
		default:
			doc, err := Parse(r.XML)
			if err != nil || doc.Grantor.INN != q.OrgINN || (q.OrgKPP != "" && doc.Grantor.KPP != q.OrgKPP) {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// numbered returns validDoc(1) with its own number.
func numbered(n int) *Document {
	d := validDoc(1)
	d.Number = strings.Replace(d.Number, "0c9f6f0e", "0000000"+string(rune('0'+n)), 1)
	return d
}

func TestCheck(t *testing.T) {
	t.Parallel()
	base := validDoc(1)
	rep := subjectOf(&base.Representative)
	der := certDER(t, rep, certFrom, certTo)
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	mid := msk(2027, time.March, 1, 12, 0)
	other := validDoc(2)

	good := recordOf(t, numbered(1), StateRegistered)
	expired := numbered(2)
	expired.IssueDate, expired.EndDate = day(2026, time.January, 10), day(2027, time.January, 10)
	expiredRec := recordOf(t, expired, StateRegistered)
	noPower := numbered(3)
	noPower.Powers = []Power{{Code: "DEMO_WAYBILL", Name: PowerByCode("DEMO_WAYBILL").Name}}
	noPowerRec := recordOf(t, noPower, StateRegistered)
	expiredNoPower := numbered(4)
	expiredNoPower.IssueDate, expiredNoPower.EndDate, expiredNoPower.Powers = expired.IssueDate, expired.EndDate, noPower.Powers
	expiredNoPowerRec := recordOf(t, expiredNoPower, StateRegistered)
	revokedRec := revokedAt(recordOf(t, numbered(5), StateRevoked), mid.Add(-time.Hour))
	strangerDoc := validDoc(2)
	strangerDoc.Number = "0000000f-3d1c-4f6e-9a59-2b8a6c1d7e42"
	stranger := recordOf(t, strangerDoc, StateRegistered)
	strangerDoc2 := validDoc(3)
	strangerDoc2.Number = "0000000e-3d1c-4f6e-9a59-2b8a6c1d7e42"
	stranger2 := recordOf(t, strangerDoc2, StateRegistered)
	otherAccount := recordOf(t, numbered(6), StateRegistered)
	otherAccount.AccountID = "acc-2"
	otherOrg := recordOf(t, numbered(7), StateRegistered)
	otherOrg.OrganizationID = "org-2"
	brokenHolder := recordOf(t, numbered(8), StateRegistered)
	brokenHolder.XML = []byte("<broken СНИЛС=\"" + formatSNILS(rep.snils) + "\"/>")
	brokenStranger := recordOf(t, numbered(9), StateRegistered)
	brokenStranger.XML = []byte("<broken/>")

	q := func(edit func(q *CheckQuery)) CheckQuery {
		c := CheckQuery{Certificate: der, AccountID: "acc-1", OrganizationID: "org-1", PowerCode: "DEMO_INVOICE_SIGN", At: mid}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	cases := []struct {
		name   string
		recs   []Record
		query  CheckQuery
		want   CheckResult
		field  string // a validation error naming this field is expected instead
		intErr bool
	}{
		{name: "authorized by organization id", recs: []Record{good}, query: q(nil), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "PEM certificate", recs: []Record{good}, query: q(func(q *CheckQuery) { q.Certificate = pemCert }), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "by ИНН and КПП", recs: []Record{good}, query: q(func(q *CheckQuery) { q.OrganizationID, q.OrgINN, q.OrgKPP = "", base.Grantor.INN, base.Grantor.KPP }), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "by number", recs: []Record{expiredRec, good}, query: q(func(q *CheckQuery) { q.OrganizationID, q.Number = "", good.Number }), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "any candidate authorizes", recs: []Record{stranger, expiredRec, noPowerRec, good, revokedRec}, query: q(nil), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "nothing for the organization", recs: []Record{otherOrg}, query: q(nil), want: CheckResult{Reasons: []Reason{ReasonNotFound}}},
		{name: "other account's records are not seen", recs: []Record{otherAccount}, query: q(nil), want: CheckResult{Reasons: []Reason{ReasonNotFound}}},
		{name: "unknown number", recs: []Record{good}, query: q(func(q *CheckQuery) { q.Number = strangerDoc.Number }), want: CheckResult{Reasons: []Reason{ReasonNotFound}}},
		{name: "number of another organization's power of attorney", recs: []Record{otherOrg}, query: q(func(q *CheckQuery) { q.Number = otherOrg.Number }), want: CheckResult{Number: otherOrg.Number, Reasons: []Reason{ReasonOrganizationMismatch}}},
		{name: "number with another ИНН", recs: []Record{good}, query: q(func(q *CheckQuery) { q.OrganizationID, q.Number, q.OrgINN = "", good.Number, other.Grantor.INN }), want: CheckResult{Number: good.Number, Reasons: []Reason{ReasonOrganizationMismatch}}},
		{name: "number with another КПП", recs: []Record{good}, query: q(func(q *CheckQuery) {
			q.OrganizationID, q.Number, q.OrgINN, q.OrgKPP = "", good.Number, base.Grantor.INN, "770101001"
		}), want: CheckResult{Number: good.Number, Reasons: []Reason{ReasonOrganizationMismatch}}},
		{name: "the closest candidate answers", recs: []Record{expiredNoPowerRec, expiredRec, stranger}, query: q(nil), want: CheckResult{Number: expiredRec.Number, Reasons: []Reason{ReasonExpired}}},
		{name: "tied candidates merge their reasons", recs: []Record{noPowerRec, expiredNoPowerRec, expiredRec}, query: q(nil), want: CheckResult{Reasons: []Reason{ReasonExpired, ReasonPowerNotGranted}}},
		{name: "revoked", recs: []Record{revokedRec}, query: q(nil), want: CheckResult{Number: revokedRec.Number, Reasons: []Reason{ReasonRevoked}}},
		{name: "nobody names the holder", recs: []Record{stranger, stranger2}, query: q(nil), want: CheckResult{Reasons: []Reason{ReasonRepresentativeMismatch}}},
		{name: "the numbered one names someone else", recs: []Record{stranger}, query: q(func(q *CheckQuery) { q.Number = stranger.Number }), want: CheckResult{Number: stranger.Number, Reasons: []Reason{ReasonRepresentativeMismatch}}},
		{name: "certificate not valid then", recs: []Record{good}, query: q(func(q *CheckQuery) { q.Certificate = certDER(t, rep, certFrom, mid.Add(-time.Hour)) }), want: CheckResult{Number: good.Number, Reasons: []Reason{ReasonCertificateNotValid}}},
		{name: "garbage certificate", recs: []Record{good}, query: q(func(q *CheckQuery) { q.Certificate = []byte{0x30, 0x03, 0x02, 0x01, 0x01} }), want: CheckResult{Reasons: []Reason{ReasonCertificateMalformed}}},
		{name: "text is not a certificate", recs: []Record{good}, query: q(func(q *CheckQuery) { q.Certificate = []byte("hello") }), want: CheckResult{Reasons: []Reason{ReasonCertificateMalformed}}},
		{name: "a file that cannot name the holder is skipped unread", recs: []Record{brokenStranger, good}, query: q(nil), want: CheckResult{Authorized: true, Number: good.Number, Reasons: []Reason{}}},
		{name: "an unreadable stored file naming the holder is kcr's error", recs: []Record{brokenHolder}, query: q(nil), intErr: true},
		{name: "no certificate", query: q(func(q *CheckQuery) { q.Certificate = nil }), field: "certificate"},
		{name: "certificate too large", query: q(func(q *CheckQuery) { q.Certificate = make([]byte, MaxCertificateSize+1) }), field: "certificate"},
		{name: "PEM of a key", query: q(func(q *CheckQuery) { q.Certificate = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}) }), field: "certificate"},
		{name: "two PEM certificates", query: q(func(q *CheckQuery) { q.Certificate = append(slices.Clone(pemCert), pemCert...) }), field: "certificate"},
		{name: "broken PEM", query: q(func(q *CheckQuery) { q.Certificate = []byte("-----BEGIN CERTIFICATE-----\nxx") }), field: "certificate"},
		{name: "no power code", query: q(func(q *CheckQuery) { q.PowerCode = "" }), field: "power_code"},
		{name: "power code with spaces", query: q(func(q *CheckQuery) { q.PowerCode = " DEMO_WAYBILL" }), field: "power_code"},
		{name: "power code too long", query: q(func(q *CheckQuery) { q.PowerCode = strings.Repeat("A", 256) }), field: "power_code"},
		{name: "no moment", query: q(func(q *CheckQuery) { q.At = time.Time{} }), field: "at"},
		{name: "neither organization nor number", query: q(func(q *CheckQuery) { q.OrganizationID = "" }), field: "organization"},
		{name: "number not a GUID", query: q(func(q *CheckQuery) { q.Number = "12" }), field: "number"},
		{name: "bad ИНН", query: q(func(q *CheckQuery) { q.OrganizationID, q.OrgINN = "", "7700000001" }), field: "org_inn"},
		{name: "КПП without ИНН", query: q(func(q *CheckQuery) { q.OrgKPP = base.Grantor.KPP }), field: "org_kpp"},
		{name: "bad КПП", query: q(func(q *CheckQuery) { q.OrganizationID, q.OrgINN, q.OrgKPP = "", base.Grantor.INN, "12" }), field: "org_kpp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeFinder{recs: c.recs}
			res, err := (&Checker{Find: f}).Check(context.Background(), c.query)
			switch {
			case c.field != "":
				if !slices.Contains(fieldsOf(t, err), c.field) {
					t.Fatalf("want a field error on %s, got %v", c.field, err)
				}
				if len(f.got) != 0 {
					t.Fatal("bad input reached the finder")
				}
				return
			case c.intErr:
				if err == nil || errs.KindOf(err) != errs.Internal || strings.Contains(err.Error(), rep.snils) {
					t.Fatalf("want an internal error without personal data, got %v", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*res, c.want) {
				t.Fatalf("got %+v, want %+v", *res, c.want)
			}
		})
	}
}

func TestCheckFindQuery(t *testing.T) {
	t.Parallel()
	der := certDER(t, subjectOf(&validDoc(1).Representative), certFrom, certTo)
	at := msk(2027, time.March, 1, 12, 0)
	cases := []struct {
		name  string
		query CheckQuery
		want  FindQuery
	}{
		{"by number only, even with an organization", CheckQuery{AccountID: "a", Number: "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42", OrganizationID: "o"}, FindQuery{AccountID: "a", Number: "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"}},
		{"by organization", CheckQuery{AccountID: "a", OrganizationID: "o"}, FindQuery{AccountID: "a", OrganizationID: "o"}},
		{"by ИНН and КПП, operator", CheckQuery{OrgINN: validDoc(1).Grantor.INN, OrgKPP: validDoc(1).Grantor.KPP}, FindQuery{OrgINN: validDoc(1).Grantor.INN, OrgKPP: validDoc(1).Grantor.KPP}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeFinder{}
			c.query.Certificate, c.query.PowerCode, c.query.At = der, "DEMO_WAYBILL", at
			if _, err := (&Checker{Find: f}).Check(context.Background(), c.query); err != nil {
				t.Fatal(err)
			}
			if len(f.got) != 1 || f.got[0] != c.want {
				t.Fatalf("asked %+v, want %+v", f.got, c.want)
			}
		})
	}
	boom := errors.New("database down")
	q := CheckQuery{Certificate: der, OrganizationID: "o", PowerCode: "DEMO_WAYBILL", At: at}
	if _, err := (&Checker{Find: &fakeFinder{err: boom}}).Check(context.Background(), q); !errors.Is(err, boom) {
		t.Fatalf("finder error lost: %v", err)
	}
}

func TestCheckResultJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		res  CheckResult
		want string
	}{
		{CheckResult{Authorized: true, Number: "n", Reasons: []Reason{}}, `{"authorized":true,"number":"n","reasons":[]}`},
		{CheckResult{Reasons: []Reason{ReasonNotRegistered, ReasonPowerNotGranted}}, `{"authorized":false,"reasons":["not_registered","power_not_granted"]}`},
	}
	for _, c := range cases {
		got, err := json.Marshal(c.res)
		if err != nil || string(got) != c.want {
			t.Errorf("got %s (%v), want %s", got, err, c.want)
		}
	}
}

// BenchmarkCheck1000 checks a signature against an organization with 1,000 powers of attorney of other
// people and one of the holder: the СНИЛС filter spares parsing the others.
func BenchmarkCheck1000(b *testing.B) {
	holderDoc := numbered(1)
	recs := []Record{recordOf(b, holderDoc, StateRegistered)}
	for i := range 1000 {
		d := validDoc(uint64(100 + i))
		d.Grantor = holderDoc.Grantor
		recs = append(recs, recordOf(b, d, StateRegistered))
	}
	q := CheckQuery{
		Certificate: certDER(b, subjectOf(&holderDoc.Representative), certFrom, certTo), OrganizationID: "org-1",
		PowerCode: "DEMO_WAYBILL", At: msk(2027, time.March, 1, 12, 0),
	}
	c := &Checker{Find: &fakeFinder{recs: recs}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Check(context.Background(), q)
		if err != nil || res.Authorized || !slices.Equal(res.Reasons, []Reason{ReasonPowerNotGranted}) {
			b.Fatal(res, err)
		}
	}
}
