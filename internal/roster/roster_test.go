package roster

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/kcr-project/kcr/internal/model"
)

func TestColumnOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ header, want string }{
		{"Фамилия", "surname"},
		{"  ФАМИЛИЯ ", "surname"},
		{"surname", "surname"},
		{"Surname", "surname"},
		{"Имя", "given_name"},
		{"Отчество", "patronymic"},
		{"СНИЛС", "snils"},
		{"ИНН", "inn"},
		{"ИНН организации", "organization_inn"},
		{"КПП", "organization_kpp"},
		{"Должность", "position"},
		{"Серия", "doc_series"},
		{"Номер", "doc_number"},
		{"Номер паспорта", "doc_number"},
		{"Дата выдачи", "doc_issue_date"},
		{"дата  выдачи", "doc_issue_date"},
		{"Кем выдан", "doc_issuer"},
		{"Код подразделения", "doc_issuer_code"},
		{"Дата рождения", "birth_date"},
		{"Телефон", "phone"},
		{"Эл. почта", "email"},
		{"эл почта", "email"},
		{"E-mail", "email"},
		{"Вид документа", "doc_type"},
		{"doc_type", "doc_type"},
		{"Doc type", "doc_type"},
		{"Объём работ", ""},
		{"Примечание", ""},
		{"", ""},
	} {
		t.Run(c.header, func(t *testing.T) {
			t.Parallel()
			if got := ColumnOf(c.header); got != c.want {
				t.Errorf("ColumnOf(%q) = %q, want %q", c.header, got, c.want)
			}
		})
	}
	// Every column's own headers name it, and no header names two columns.
	seen := map[string]string{}
	for _, c := range Columns {
		for _, h := range append([]string{c.Code, c.Header}, c.Aliases...) {
			if prev, ok := seen[headerKey(h)]; ok && prev != c.Code {
				t.Errorf("header %q names %s and %s", h, prev, c.Code)
			}
			seen[headerKey(h)] = c.Code
		}
	}
}

func TestDocumentType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want model.DocumentType
	}{
		{"паспорт РФ", model.DocPassportRF},
		{"Паспорт", model.DocPassportRF},
		{"Паспорт гражданина РФ", model.DocPassportRF},
		{"паспорт гражданина Российской Федерации", model.DocPassportRF},
		{"21", model.DocPassportRF},
		{"passport_rf", model.DocPassportRF},
		{"PASSPORT_RF", model.DocPassportRF},
		{"Паспорт иностранного гражданина", model.DocForeignPassport},
		{"военный билет", model.DocMilitaryID},
		{"Вид на жительство", model.DocResidencePermit},
		{"ВНЖ", model.DocResidencePermit},
		{"residence_permit", model.DocResidencePermit},
		{"справка", "справка"},
	} {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			if got := DocumentType(c.in); got != c.want {
				t.Errorf("DocumentType(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// russianFile is a staff file as a Russian accountant's Excel writes it: Russian headers in its own order
// (and one column the import does not read), dates ДД.ММ.ГГГГ, the document type in words.
const russianFile = "Фамилия;Имя;Отчество;Дата рождения;СНИЛС;ИНН организации;КПП организации;Должность;Вид документа;" +
	"Серия;Номер;Дата выдачи;Кем выдан;Код подразделения;Примечание\r\n" +
	"Семёнова;Алёна;Петровна;1.2.1990;112-233-445 95;7707083893;773601001;Главный бухгалтер;паспорт РФ;" +
	"4510;123456;20.05.2010;\"ОВД района Арбат, г. Москва\";772-001;в отпуске\r\n"

var wantRussianRow = map[string]string{
	"surname": "Семёнова", "given_name": "Алёна", "patronymic": "Петровна", "birth_date": "1990-02-01",
	"snils": "112-233-445 95", "organization_inn": "7707083893", "organization_kpp": "773601001",
	"position": "Главный бухгалтер", "doc_type": "passport_rf", "doc_series": "4510", "doc_number": "123456",
	"doc_issue_date": "2010-05-20", "doc_issuer": "ОВД района Арбат, г. Москва", "doc_issuer_code": "772-001",
}

func encode(t *testing.T, s string, enc interface{ Bytes([]byte) ([]byte, error) }) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadCSVEncodingsAndSeparators(t *testing.T) {
	t.Parallel()
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder()
	for _, c := range []struct {
		name string
		raw  []byte
		enc  Encoding
	}{
		{"UTF-8 with BOM", append([]byte("\xef\xbb\xbf"), russianFile...), UTF8},
		{"UTF-8", []byte(russianFile), UTF8},
		{"Windows-1251", encode(t, russianFile, charmap.Windows1251.NewEncoder()), Windows1251},
		{"Windows-1251, comma separated", encode(t, strings.ReplaceAll(russianFile, ";", ","), charmap.Windows1251.NewEncoder()), Windows1251},
		{"UTF-16 with BOM, tab separated", encode(t, strings.ReplaceAll(russianFile, ";", "\t"), utf16), UTF16},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, enc, err := DecodeText(c.raw); err != nil || enc != c.enc {
				t.Errorf("DecodeText: %s, %v; want %s", enc, err, c.enc)
			}
			f, err := Read(c.raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Rows) != 1 {
				t.Fatalf("%d rows", len(f.Rows))
			}
			got := maps.Clone(f.Rows[0].Values)
			for k, v := range got {
				if v == "" {
					delete(got, k)
				}
			}
			if !maps.Equal(got, wantRussianRow) {
				t.Errorf("row = %v\nwant %v", got, wantRussianRow)
			}
			if f.Rows[0].Line != 2 {
				t.Errorf("line %d", f.Rows[0].Line)
			}
			if h := f.Header("doc_issue_date"); h != "Дата выдачи" {
				t.Errorf("Header(doc_issue_date) = %q", h)
			}
			if h := f.Header("email"); h != "email" {
				t.Errorf("Header of an absent column = %q", h)
			}
		})
	}
}

func TestReadRefused(t *testing.T) {
	t.Parallel()
	header := strings.SplitN(russianFile, "\r\n", 2)[0] + "\r\n"
	row := strings.SplitN(russianFile, "\r\n", 2)[1]
	for _, c := range []struct {
		name    string
		raw     []byte
		problem Problem
		missing string
	}{
		{"NUL in a cell", []byte("organization_inn;surname\n7707083893\x00;Иванов\n"), ProblemNotText, ""},
		{"NUL in a Windows-1251 file", append(encode(t, header, charmap.Windows1251.NewEncoder()), 0, 0xc8), ProblemNotText, ""},
		{"missing columns", []byte("Фамилия;СНИЛС\nИванов;1\n"), ProblemMissingColumns,
			"ИНН организации (organization_inn), Имя (given_name), Дата рождения (birth_date), Вид документа (doc_type), " +
				"Номер (doc_number), Дата выдачи (doc_issue_date), Кем выдан (doc_issuer)"},
		{"header only", []byte(header), ProblemEmpty, ""},
		{"blank rows only", []byte(header + ";;\r\n\r\n"), ProblemEmpty, ""},
		{"nothing", nil, ProblemEmpty, ""},
		{"bad quotes", []byte(header + `Иванов;"Иван` + "\n" + `x"y;1` + "\n"), ProblemBadCSV, ""},
		{"too many rows", []byte(header + strings.Repeat(row, MaxRows+1)), ProblemTooMany, ""},
		{"old XLS", append(bytes.Clone(oleMagic), make([]byte, 100)...), ProblemXLSOld, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read(c.raw)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Problem != c.problem || strings.Join(fe.Missing, ", ") != c.missing {
				t.Fatalf("err = %v, want %s %s", err, c.problem, c.missing)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	raw := Template()
	if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Error("no byte order mark")
	}
	lines := strings.Split(strings.TrimSuffix(string(raw[3:]), "\r\n"), "\r\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ИНН организации;КПП организации;Фамилия;Имя;Отчество;") {
		t.Fatalf("template:\n%s", raw)
	}
	// It reads back: every column, and the example in the register's forms.
	f, err := Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || len(f.Rows[0].Values) != len(Columns) {
		t.Fatalf("rows %+v", f.Rows)
	}
	for code, want := range map[string]string{"doc_type": "passport_rf", "birth_date": "1985-04-12", "surname": "Иванов"} {
		if got := f.Rows[0].Get(code); got != want {
			t.Errorf("%s = %q, want %q", code, got, want)
		}
	}
}

func TestISODate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"12.04.1985": "1985-04-12", "1.2.1990": "1990-02-01", "1985-04-12": "1985-04-12",
		"12.04.85": "12.04.85", "12.4": "12.4", "aa.bb.cccc": "aa.bb.cccc", "": ""} {
		if got := isoDate(in); got != want {
			t.Errorf("isoDate(%q) = %q, want %q", in, got, want)
		}
	}
}
