package mchd

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
)

const xsdName = "ON_EMCHD_1_928_00_01_01_01.xsd"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, rules.MSK) }

// validDoc is a complete ordinary power of attorney with one machine power; seed varies the requisites.
func validDoc(seed uint64) *Document {
	r := rand.New(rand.NewPCG(seed, 7))
	inn := requisites.GenerateINN10(r)
	return &Document{
		Number:         "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42",
		InternalNumber: "МЧД-2026/15",
		IssueDate:      day(2026, time.December, 7),
		EndDate:        day(2027, time.December, 6),
		Kind:           KindOrdinary,
		Retrust:        RetrustNone,
		Grantor: Organization{
			Name: `ООО "Ромашка & Co" <тест>`, INN: inn, KPP: requisites.GenerateKPP(r, inn), OGRN: requisites.GenerateOGRN(r),
			Region: "77", Address: "г. Москва, ул. Тверская, д. 1",
		},
		Head: Person{
			LastName: "Иванов", FirstName: "Пётр", MiddleName: "Сергеевич", Position: "Генеральный директор",
			INN: requisites.GenerateINN12(r), SNILS: requisites.GenerateSNILS(r), BirthDate: day(1975, time.March, 3),
		},
		Representative: Person{
			LastName: "Смирнова", FirstName: "Анна", INN: requisites.GenerateINN12(r), SNILS: requisites.GenerateSNILS(r),
			BirthDate: day(1990, time.July, 21),
		},
		Powers:    []Power{{Code: "DEMO_INVOICE_SIGN", Name: PowerByCode("DEMO_INVOICE_SIGN").Name}},
		StatusURL: "https://m4d.nalog.gov.ru/emchd/check-status?guid=0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42",
	}
}

// fieldsOf returns the fields a validation error names.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	if err := Validate(validDoc(1)); err != nil {
		t.Fatalf("valid document refused: %v", err)
	}
	long := func(n int) string { return strings.Repeat("я", n) }
	cases := []struct {
		name  string
		edit  func(d *Document)
		field string
	}{
		{"number not a GUID", func(d *Document) { d.Number = "123" }, "number"},
		{"internal number missing", func(d *Document) { d.InternalNumber = "" }, "internal_number"},
		{"internal number too long", func(d *Document) { d.InternalNumber = long(51) }, "internal_number"},
		{"issue date missing", func(d *Document) { d.IssueDate = time.Time{} }, "issue_date"},
		{"end date missing", func(d *Document) { d.EndDate = time.Time{} }, "end_date"},
		{"end before issue", func(d *Document) { d.EndDate = day(2026, time.December, 1) }, "end_date"},
		{"end on issue day", func(d *Document) { d.EndDate = d.IssueDate.Add(20 * time.Hour) }, "end_date"},
		// 22:00 UTC on 6 Dec is 01:00 on 7 Dec in Moscow: the same day as the issue date.
		{"end same Moscow day", func(d *Document) { d.EndDate = time.Date(2026, time.December, 6, 22, 0, 0, 0, time.UTC) }, "end_date"},
		{"year of five digits", func(d *Document) { d.EndDate = day(10000, time.January, 1) }, "end_date"},
		{"unknown kind", func(d *Document) { d.Kind = "3" }, "kind"},
		{"unknown retrust", func(d *Document) { d.Retrust = "" }, "retrust"},
		{"irrevocable without condition", func(d *Document) { d.Kind = KindIrrevocable }, "revocation_condition"},
		{"condition on ordinary", func(d *Document) { d.RevocationCondition = "x" }, "revocation_condition"},
		{"grantor name missing", func(d *Document) { d.Grantor.Name = "" }, "grantor.name"},
		{"grantor name too long", func(d *Document) { d.Grantor.Name = long(1001) }, "grantor.name"},
		{"grantor INN check digit", func(d *Document) { d.Grantor.INN = flipLast(d.Grantor.INN) }, "grantor.inn"},
		{"grantor INN of a person", func(d *Document) { d.Grantor.INN = d.Head.INN }, "grantor.inn"},
		{"grantor KPP format", func(d *Document) { d.Grantor.KPP = "77070100" }, "grantor.kpp"},
		{"grantor KPP tax office 00", func(d *Document) { d.Grantor.KPP = "001001001" }, "grantor.kpp"},
		{"grantor OGRN check digit", func(d *Document) { d.Grantor.OGRN = flipLast(d.Grantor.OGRN) }, "grantor.ogrn"},
		{"grantor OGRN missing", func(d *Document) { d.Grantor.OGRN = "" }, "grantor.ogrn"},
		{"region wrong", func(d *Document) { d.Grantor.Region = "7" }, "grantor.region"},
		{"address without text", func(d *Document) { d.Grantor.Address = "" }, "grantor.address"},
		{"head last name missing", func(d *Document) { d.Head.LastName = "" }, "head.last_name"},
		{"head first name too long", func(d *Document) { d.Head.FirstName = long(201) }, "head.first_name"},
		{"head position missing", func(d *Document) { d.Head.Position = "" }, "head.position"},
		{"head position too long", func(d *Document) { d.Head.Position = long(256) }, "head.position"},
		{"head INN missing", func(d *Document) { d.Head.INN = "" }, "head.inn"},
		{"head INN check digit", func(d *Document) { d.Head.INN = flipLast(d.Head.INN) }, "head.inn"},
		{"head SNILS missing", func(d *Document) { d.Head.SNILS = "" }, "head.snils"},
		{"head SNILS check", func(d *Document) { d.Head.SNILS = flipLast(d.Head.SNILS) }, "head.snils"},
		{"head SNILS display form", func(d *Document) { d.Head.SNILS = formatSNILS(d.Head.SNILS) }, "head.snils"},
		{"representative first name missing", func(d *Document) { d.Representative.FirstName = "" }, "representative.first_name"},
		{"representative middle name too long", func(d *Document) { d.Representative.MiddleName = long(201) }, "representative.middle_name"},
		{"representative SNILS missing", func(d *Document) { d.Representative.SNILS = "" }, "representative.snils"},
		{"representative INN check", func(d *Document) { d.Representative.INN = flipLast(d.Representative.INN) }, "representative.inn"},
		{"representative born after issue", func(d *Document) { d.Representative.BirthDate = day(2027, time.January, 1) }, "representative.birth_date"},
		{"head born after issue", func(d *Document) { d.Head.BirthDate = d.IssueDate }, "head.birth_date"},
		{"representative is the head by SNILS", func(d *Document) { d.Representative.SNILS = d.Head.SNILS }, "representative"},
		{"representative is the head by INN", func(d *Document) { d.Representative.INN = d.Head.INN }, "representative"},
		{"no powers", func(d *Document) { d.Powers = nil }, "powers"},
		{"unknown power code", func(d *Document) { d.Powers[0].Code = "NOT_A_CODE" }, "powers[0].code"},
		{"power code differs in case", func(d *Document) { d.Powers[0].Code = "demo_invoice_sign" }, "powers[0].code"},
		{"power code missing", func(d *Document) { d.Powers[0].Code = "" }, "powers[0].code"},
		{"duplicate power", func(d *Document) { d.Powers = append(d.Powers, d.Powers[0]) }, "powers[1].code"},
		{"power name missing", func(d *Document) { d.Powers[0].Name = "" }, "powers[0].name"},
		{"power name too long", func(d *Document) { d.Powers[0].Name = long(256) }, "powers[0].name"},
		{"restriction value missing", func(d *Document) {
			d.Powers[0].Restrictions = []Restriction{{Code: "SUM", Name: "Сумма"}}
		}, "powers[0].restrictions[0].value"},
		{"powers text too long", func(d *Document) { d.PowersText = long(10001) }, "powers_text"},
		{"control character", func(d *Document) { d.PowersText = "a\x01b" }, "powers_text"},
		{"invalid UTF-8", func(d *Document) { d.Grantor.Name = "\xff" }, "grantor.name"},
		{"status URL missing", func(d *Document) { d.StatusURL = "" }, "status_url"},
		{"status URL relative", func(d *Document) { d.StatusURL = "/check?guid=1" }, "status_url"},
		{"status URL too long", func(d *Document) { d.StatusURL = "https://x/" + strings.Repeat("a", 1000) }, "status_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := validDoc(1)
			c.edit(d)
			err := Validate(d)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := fieldsOf(t, err); !contains(got, c.field) {
				t.Fatalf("fields %v, want %s", got, c.field)
			}
			if _, _, err := Marshal(d); err == nil {
				t.Fatal("Marshal produced a file that fails Validate")
			}
		})
	}
}

func TestValidateAt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		now    time.Time
		edit   func(d *Document)
		fields []string
	}{
		{"issued today", day(2026, time.December, 7), func(*Document) {}, nil},
		// 21:30 UTC on 6 Dec is 00:30 on 7 Dec in Moscow: already the issue day.
		{"issued today in Moscow", time.Date(2026, time.December, 6, 21, 30, 0, 0, time.UTC), func(*Document) {}, nil},
		{"issued tomorrow", time.Date(2026, time.December, 6, 20, 59, 0, 0, time.UTC), func(*Document) {}, []string{"issue_date"}},
		{"future and other problems", day(2026, time.January, 1), func(d *Document) { d.Grantor.Name = "" },
			[]string{"grantor.name", "issue_date"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := validDoc(1)
			c.edit(d)
			err := ValidateAt(d, c.now)
			if c.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("fields %v, want %v", got, c.fields)
			}
		})
	}
}

func TestValidateTextOnlyAndNoOptional(t *testing.T) {
	t.Parallel()
	d := validDoc(2)
	d.Powers, d.PowersText = nil, "Представлять интересы организации во всех учреждениях"
	d.Grantor.Region, d.Grantor.Address = "", ""
	d.Representative.INN, d.Representative.BirthDate, d.Head.BirthDate = "", time.Time{}, time.Time{}
	if err := Validate(d); err != nil {
		t.Fatalf("refused: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func flipLast(s string) string {
	b := []byte(s)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return string(b)
}

// variants are the shapes of file kcr drafts; each must pass the FNS schema.
func variants() map[string]*Document {
	out := map[string]*Document{}
	out["machine"] = validDoc(1)

	text := validDoc(2)
	text.Powers, text.PowersText = nil, "Подписывать от имени организации любые документы & письма <в том числе> \"срочные\""
	out["text"] = text

	both := validDoc(3)
	both.PowersText = "Получать корреспонденцию"
	both.Powers = append(both.Powers, Power{Code: "DEMO_CONTRACT_SIGN", Name: PowerByCode("DEMO_CONTRACT_SIGN").Name,
		Restrictions: []Restriction{{Code: "MAX_SUM", Name: "Предельная сумма договора", Value: "1 000 000 руб."},
			{Code: "REGION", Name: "Регион", Value: "Москва"}}})
	out["both"] = both

	irr := validDoc(4)
	irr.Kind, irr.RevocationCondition = KindIrrevocable, "Отзыв возможен при расторжении трудового договора"
	out["irrevocable"] = irr

	irrRetrust := validDoc(5)
	irrRetrust.Kind, irrRetrust.Retrust, irrRetrust.RevocationCondition = KindIrrevocable, RetrustOnce, "Условие"
	out["irrevocable retrust"] = irrRetrust

	for _, r := range []Retrust{RetrustOnce, RetrustChained} {
		d := validDoc(6)
		d.Retrust = r
		out["retrust "+string(r)] = d
	}

	bare := validDoc(7)
	bare.Grantor.Region, bare.Grantor.Address, bare.Head.MiddleName = "", "", ""
	bare.Representative.INN, bare.Representative.BirthDate, bare.Head.BirthDate = "", time.Time{}, time.Time{}
	out["minimal"] = bare

	all := validDoc(8)
	for _, p := range Powers() {
		all.Powers = append(all.Powers[:0:0], all.Powers...)
		if p.Code != all.Powers[0].Code {
			all.Powers = append(all.Powers, Power{Code: p.Code, Name: p.Name})
		}
	}
	out["every power"] = all
	return out
}

// findXSD looks for the FNS schema: $KCR_EMCHD_XSD, else shared/data/emchd beside any parent directory
// (the shared folder sits next to the checkouts). Missing, the test skips on a laptop and fails in CI.
func findXSD(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KCR_EMCHD_XSD"); p != "" {
		return p
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "data", "emchd", xsdName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	requiredInCI(t, "the FNS XSD "+xsdName+" is missing (set KCR_EMCHD_XSD)")
	return ""
}

func requiredInCI(t *testing.T, msg string) {
	t.Helper()
	if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// xmllint validates all files against the XSD in one call.
func xmllint(t *testing.T, files []string) {
	t.Helper()
	xsd := findXSD(t)
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		requiredInCI(t, "xmllint is missing (Debian package libxml2-utils)")
	}
	out, err := exec.Command(bin, append([]string{"--noout", "--nonet", "--schema", xsd}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint refused: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), " validates"); n != len(files) {
		t.Fatalf("xmllint validated %d of %d files:\n%s", n, len(files), out)
	}
}

func TestMarshalValidatesAgainstXSD(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var files []string
	for name, d := range variants() {
		fileName, data, err := Marshal(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+"_"+fileName)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	xmllint(t, files)
}

// TestXSDRefusesBrokenFile proves the xmllint check can fail: a file missing a required attribute is refused.
func TestXSDRefusesBrokenFile(t *testing.T) {
	t.Parallel()
	_, data, err := Marshal(validDoc(1))
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(data, []byte(` ПрСовмПолн="1"`), nil, 1)
	p := filepath.Join(t.TempDir(), "broken.xml")
	if err := os.WriteFile(p, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	xsd := findXSD(t)
	if _, err := exec.LookPath("xmllint"); err != nil {
		requiredInCI(t, "xmllint is missing (Debian package libxml2-utils)")
	}
	if out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", xsd, p).CombinedOutput(); err == nil {
		t.Fatalf("xmllint accepted a broken file:\n%s", out)
	}
}

func TestMarshalFileNameAndHeader(t *testing.T) {
	t.Parallel()
	d := validDoc(1)
	// 23:30 UTC on 6 Dec is already 7 Dec in Moscow.
	d.IssueDate = time.Date(2026, time.December, 6, 23, 30, 0, 0, time.UTC)
	name, data, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	const want = "ON_EMCHD_20261207_0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"
	if name != want+".xml" {
		t.Fatalf("file name %s", name)
	}
	for _, s := range []string{
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Доверенность xmlns=\"urn://x-artefacts/EMCHD_1\"",
		`ИдФайл="` + want + `"`, `ВерсФорм="EMCHD_1"`, `НомДовер="0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"`,
		`ДатаВыдДовер="2026-12-07"`, `ТипПред="3"`, `ТипПолн="1"`, `<ЛицоБезДов`, `<РосОргДовер`, `<СведФизЛ`,
		`КодПолн="DEMO_INVOICE_SIGN"`, `СНИЛС="` + formatSNILS(d.Representative.SNILS) + `"`,
	} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("missing %s", s)
		}
	}
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Error("no XML declaration first")
	}
}

func TestMarshalDeterministic(t *testing.T) {
	t.Parallel()
	for name, d := range variants() {
		_, a, err := Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			_, b, _ := Marshal(d)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: two runs differ", name)
			}
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	for name, d := range variants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, data, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			want := *d
			want.Head.BirthDate, want.Representative.BirthDate = atMidnight(d.Head.BirthDate), atMidnight(d.Representative.BirthDate)
			want.IssueDate, want.EndDate = atMidnight(d.IssueDate), atMidnight(d.EndDate)
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, &want)
			}
			_, again, err := Marshal(got)
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("re-marshal differs (%v)", err)
			}
		})
	}
}

func atMidnight(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(rules.MSK).Date()
	return day(y, m, d)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	_, good, err := Marshal(validDoc(1))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, repl string) []byte { return bytes.Replace(good, []byte(old), []byte(repl), 1) }
	cases := []struct {
		name string
		data []byte
		kind errs.Kind
	}{
		{"garbage", []byte("not xml at all"), errs.Malformed},
		{"empty", nil, errs.Malformed},
		{"other namespace", replace(Namespace, "urn://x-artefacts/EMCHD_2"), errs.Malformed},
		{"no namespace", replace(` xmlns="`+Namespace+`"`, ""), errs.Malformed},
		{"other version", replace(`ВерсФорм="EMCHD_1"`, `ВерсФорм="EMCHD_2"`), errs.Malformed},
		{"other root", []byte(`<?xml version="1.0"?><Другое xmlns="urn://x-artefacts/EMCHD_1"/>`), errs.Malformed},
		{"external entity", bytes.Replace(replace(`ВнНомДовер="МЧД-2026/15"`, `ВнНомДовер="&xxe;"`),
			[]byte("?>\n"), []byte("?>\n<!DOCTYPE Доверенность [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"), 1), errs.Malformed},
		{"representative not a person", replace(`ТипПред="3"`, `ТипПред="1"`), errs.Malformed},
		{"oversized", append(bytes.Repeat([]byte(" "), MaxFileSize), good...), errs.TooLarge},
		{"tampered end date", replace(`СрокДейст="2027-12-06"`, `СрокДейст="2026-01-01"`), errs.Invalid},
		{"bad date", replace(`СрокДейст="2027-12-06"`, `СрокДейст="06.12.2027"`), errs.Invalid},
		{"empty power code", replace(`КодПолн="DEMO_INVOICE_SIGN"`, `КодПолн=""`), errs.Invalid},
		{"file id differs", replace(`ИдФайл="ON_EMCHD_20261207_`, `ИдФайл="ON_EMCHD_20261208_`), errs.Invalid},
		{"bad SNILS spelling", replace(`СНИЛС="`, `СНИЛС="1`), errs.Invalid},
		{"SNILS with letters for dashes", replace(`СНИЛС="`+formatSNILS(validDoc(1).Head.SNILS), `СНИЛС="`+strings.ReplaceAll(formatSNILS(validDoc(1).Head.SNILS), "-", "x")), errs.Invalid},
		{"machine powers typed as text", replace(`ТипПолн="1"`, `ТипПолн="0"`), errs.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse(c.data)
			if err == nil {
				t.Fatalf("accepted: %+v", doc)
			}
			if k := errs.KindOf(err); k != c.kind {
				t.Fatalf("kind %s, want %s: %v", k, c.kind, err)
			}
		})
	}
}

// FuzzParse: any input is either refused with a kcr error or read into a document that marshals again (when
// its codes are in today's classifier: Parse reads files drafted under another one).
func FuzzParse(f *testing.F) {
	for _, d := range variants() {
		_, data, err := Marshal(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("<Доверенность xmlns=\"urn://x-artefacts/EMCHD_1\" ВерсФорм=\"EMCHD_1\"><Документ><Довер/></Документ></Доверенность>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			if k := errs.KindOf(err); k == errs.Internal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if _, _, err := Marshal(doc); err != nil && !unclassified(doc) {
			t.Fatalf("parsed document does not marshal: %v", err)
		}
	})
}

// unclassified tells whether a document has a power code the shipped classifier does not know.
func unclassified(doc *Document) bool {
	for _, p := range doc.Powers {
		if PowerByCode(p.Code) == nil {
			return true
		}
	}
	return false
}

// TestParseAfterClassifierChange: a file drafted with a code the classifier no longer has is still read
// (stored МЧД stay printable and checkable), while drafting with that code is refused.
func TestParseAfterClassifierChange(t *testing.T) {
	t.Parallel()
	_, good, err := Marshal(validDoc(1))
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Replace(good, []byte(`КодПолн="DEMO_INVOICE_SIGN"`), []byte(`КодПолн="RETIRED_POWER_CODE"`), 1)
	if bytes.Equal(old, good) {
		t.Fatal("the test file has no DEMO_INVOICE_SIGN power")
	}
	doc, err := Parse(old)
	if err != nil {
		t.Fatalf("a file with a retired code is refused: %v", err)
	}
	if doc.Powers[0].Code != "RETIRED_POWER_CODE" {
		t.Errorf("code read as %q", doc.Powers[0].Code)
	}
	if _, _, err := Marshal(doc); errs.KindOf(err) != errs.Invalid {
		t.Errorf("drafting with a retired code: %v, want a validation error", err)
	}
}

func TestNewNumber(t *testing.T) {
	t.Parallel()
	a, err := NewNumber(rand.NewChaCha8([32]byte{1}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewNumber(rand.NewChaCha8([32]byte{1}))
	if a != b || !guidRe.MatchString(a) || a[14] != '4' {
		t.Fatalf("numbers %s %s: want the same UUID v4 from the same reader", a, b)
	}
	if _, err := NewNumber(bytes.NewReader(nil)); err == nil {
		t.Fatal("empty reader accepted")
	}
}

// BenchmarkDraft1000 drafts and validates 1,000 documents (Validate + Marshal, which validates again).
func BenchmarkDraft1000(b *testing.B) {
	docs := make([]*Document, 1000)
	for i := range docs {
		docs[i] = validDoc(uint64(i))
		docs[i].Powers = append(docs[i].Powers, Power{Code: "DEMO_TAX_REPORTS", Name: PowerByCode("DEMO_TAX_REPORTS").Name})
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if err := Validate(d); err != nil {
				b.Fatal(err)
			}
			if _, _, err := Marshal(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
