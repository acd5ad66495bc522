package mchdform_test

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	qr "github.com/piglig/go-qr"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/mchdform"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	number      = "0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42"
	tableHeader = "№ Код полномочия Наименование полномочия и ограничения"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, rules.MSK) }

// validDoc is a complete irrevocable power of attorney with three machine powers, restrictions and a free-text
// power; it passes mchd.Validate and mchd.Marshal, so it is what kcr stores.
func validDoc(t testing.TB) *mchd.Document {
	r := rand.New(rand.NewPCG(12, 7))
	inn := requisites.GenerateINN10(r)
	power := func(code string, rs ...mchd.Restriction) mchd.Power {
		return mchd.Power{Code: code, Name: mchd.PowerByCode(code).Name, Restrictions: rs}
	}
	doc := &mchd.Document{
		Number:              number,
		InternalNumber:      "МЧД-2026/15",
		IssueDate:           day(2026, time.December, 7),
		EndDate:             day(2027, time.December, 6),
		Kind:                mchd.KindIrrevocable,
		RevocationCondition: "Отмена допускается при прекращении трудового договора с представителем",
		Retrust:             mchd.RetrustOnce,
		Grantor: mchd.Organization{
			Name: `ООО "Ромашка & Co" <тест>`, INN: inn, KPP: requisites.GenerateKPP(r, inn), OGRN: requisites.GenerateOGRN(r),
			Region: "77", Address: "г. Москва, ул. Тверская, д. 1",
		},
		Head: mchd.Person{
			LastName: "Иванов", FirstName: "Пётр", MiddleName: "Сергеевич", Position: "Генеральный директор",
			INN: requisites.GenerateINN12(r), SNILS: requisites.GenerateSNILS(r), BirthDate: day(1975, time.March, 3),
		},
		Representative: mchd.Person{
			LastName: "Смирнова", FirstName: "Анна", INN: requisites.GenerateINN12(r), SNILS: requisites.GenerateSNILS(r),
			BirthDate: day(1990, time.July, 21),
		},
		Powers: []mchd.Power{
			power("DEMO_INVOICE_SIGN"),
			power("DEMO_CONTRACT_SIGN", mchd.Restriction{Code: "SUM_MAX", Name: "Предельная сумма", Value: "1 000 000 руб."}),
			power("DEMO_TAX_REPORTS"),
		},
		PowersText: "Получать корреспонденцию в отделениях почтовой связи.\nРасписываться в получении.",
		StatusURL:  "https://m4d.nalog.gov.ru/emchd/check-status?guid=" + number,
	}
	if err := mchd.Validate(doc); err != nil {
		t.Fatalf("the test document is invalid: %v", err)
	}
	return doc
}

func registered() mchdform.Status {
	return mchdform.Status{State: mchd.StateRegistered, At: time.Date(2026, time.December, 9, 8, 30, 0, 0, time.UTC),
		RegisteredAt: time.Date(2026, time.December, 8, 21, 30, 0, 0, time.UTC)}
}

func render(t testing.TB, doc *mchd.Document, st mchdform.Status) []byte {
	t.Helper()
	pdf, err := mchdform.Render(doc, st)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("KCR_DOCUMENT_OUT"); dir != "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
		_ = os.WriteFile(filepath.Join(dir, name+".pdf"), pdf, 0o644)
	}
	return pdf
}

// need finds a poppler tool: without it the test skips on a laptop and fails under CI=true, so CI cannot pass
// by skipping.
func need(t *testing.T, tool string) string {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (poppler-utils) is not installed", tool)
		}
		t.Skipf("%s (poppler-utils) is not installed", tool)
	}
	return bin
}

// pages extracts the text of each page with pdftotext -layout, whitespace runs made one space.
func pages(t *testing.T, pdf []byte) []string {
	t.Helper()
	cmd := exec.Command(need(t, "pdftotext"), "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	space := regexp.MustCompile(`\s+`)
	list := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	for i := range list {
		list[i] = strings.TrimSpace(space.ReplaceAllString(list[i], " "))
	}
	return list
}

// inOrder reports the first of want that text lacks after the previous one, or "".
func inOrder(text string, want []string) string {
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			return w
		}
		at += i + len(w)
	}
	return ""
}

// hasURL reports whether text holds url, which may wrap in its column.
func hasURL(text, url string) bool {
	return strings.Contains(strings.ReplaceAll(text, " ", ""), url)
}

// TestRenderText prints a registered power of attorney and reads it back: every field of the document and of
// the status, in the form's order; the personal data whole; the same input gives the same bytes.
func TestRenderText(t *testing.T) {
	t.Parallel()
	doc := validDoc(t)
	pdf := render(t, doc, registered())
	if again := render(t, doc, registered()); !bytes.Equal(pdf, again) {
		t.Error("the same power of attorney printed twice differs")
	}
	ps := pages(t, pdf)
	if len(ps) != 1 {
		t.Errorf("%d pages, want 1", len(ps))
	}
	text := strings.Join(ps, " ")
	snils := func(s string) string { return s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:11] }
	want := []string{
		"ДОВЕРЕННОСТЬ", "№ " + number, "Юридическую силу имеет файл " + mchd.FileName(doc), "Статус: зарегистрирована",
		"Номер доверенности " + number,
		"Внутренний номер МЧД-2026/15",
		"Дата выдачи 07.12.2026",
		"Срок действия по 06.12.2027 включительно",
		"Доверитель",
		`Наименование ООО "Ромашка & Co" <тест>`,
		"ИНН " + doc.Grantor.INN,
		"КПП " + doc.Grantor.KPP,
		"ОГРН " + doc.Grantor.OGRN,
		"Адрес г. Москва, ул. Тверская, д. 1 (код региона 77)",
		"Лицо, действующее от имени доверителя без доверенности",
		"ФИО Иванов Пётр Сергеевич",
		"Должность Генеральный директор",
		"СНИЛС " + snils(doc.Head.SNILS),
		"ИНН " + doc.Head.INN,
		"Дата рождения 03.03.1975",
		"Представитель",
		"ФИО Смирнова Анна",
		"СНИЛС " + snils(doc.Representative.SNILS),
		"ИНН " + doc.Representative.INN,
		"Дата рождения 21.07.1990",
		"Вид доверенности безотзывная",
		"Условие отмены Отмена допускается при прекращении трудового договора",
		"Передоверие с правом однократного передоверия",
		tableHeader,
		"1 DEMO_INVOICE_SIGN Подписание счетов-фактур",
		"2 DEMO_CONTRACT_SIGN Заключение, изменение и расторжение договоров",
		"Ограничение «Предельная сумма» (SUM_MAX): 1 000 000 руб.",
		"3 DEMO_TAX_REPORTS Подписание и представление налоговой",
		"Полномочия в свободной форме",
		"Получать корреспонденцию в отделениях почтовой связи. Расписываться в получении.",
		"Статус доверенности",
		"Статус зарегистрирована",
		"По состоянию на 09.12.2026 11:30 (МСК)",
		// 21:30 UTC on 8 December is already 9 December in Moscow.
		"Дата регистрации в реестре 09.12.2026",
		"Проверка статуса",
		"Страница 1 из 1",
	}
	if miss := inOrder(text, want); miss != "" {
		t.Errorf("the form lacks %q (in this order)\n%s", miss, text)
	}
	if !hasURL(text, doc.StatusURL) {
		t.Errorf("the form lacks the status URL %s", doc.StatusURL)
	}
	for _, absent := range []string{"Дата отзыва", "Причина", "продолжение"} {
		if strings.Contains(text, absent) {
			t.Errorf("a registered power of attorney shows %q", absent)
		}
	}
}

// TestRenderStatus prints each state: its Russian words on the form, and for a revoked or rejected power of
// attorney the date and the reason under the right label.
func TestRenderStatus(t *testing.T) {
	t.Parallel()
	revokedAt := time.Date(2027, time.March, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		st   mchdform.Status
		want []string
		not  []string
		url  string // "" is the document's own
	}{
		{"draft", mchdform.Status{State: mchd.StateDraft}, []string{"Статус: черновик", "Статус черновик"}, []string{"Дата регистрации"}, ""},
		{"awaiting signature", mchdform.Status{State: mchd.StateAwaitingSignature}, []string{"Статус ожидает подписи"}, nil, ""},
		{"signed", mchdform.Status{State: mchd.StateSigned}, []string{"Статус подписана"}, nil, ""},
		{"revoked", mchdform.Status{State: mchd.StateRevoked, RegisteredAt: day(2026, time.December, 8), RevokedAt: revokedAt,
			Reason: "Увольнение работника (приказ № 17-к от 28.02.2027)"},
			[]string{"Статус: отозвана", "Статус отозвана", "Дата регистрации в реестре 08.12.2026", "Дата отзыва 01.03.2027",
				"Причина отзыва Увольнение работника (приказ № 17-к от 28.02.2027)"}, nil, ""},
		{"rejected", mchdform.Status{State: mchd.StateRejected, Reason: "Подпись не принадлежит руководителю"},
			[]string{"Статус отклонена", "Причина отказа в регистрации Подпись не принадлежит руководителю"}, []string{"Причина отзыва"}, ""},
		{"expired", mchdform.Status{State: mchd.StateExpired, RegisteredAt: day(2026, time.December, 8)},
			[]string{"Статус: истекла", "Статус истекла"}, nil, ""},
		{"no status", mchdform.Status{}, []string{"Статус не указан", "Проверка статуса"}, []string{"Статус:"},
			"https://m4d.nalog.gov.ru/emchd/check-status?guid=" + number},
		{"own status URL", mchdform.Status{State: mchd.StateSigned, StatusURL: "https://kcr.example.ru/registry/mchd/status?guid=" + number},
			[]string{"Проверка статуса"}, []string{"m4d.nalog.gov.ru"}, "https://kcr.example.ru/registry/mchd/status?guid=" + number},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			text := strings.Join(pages(t, render(t, validDoc(t), c.st)), " ")
			if miss := inOrder(text, c.want); miss != "" {
				t.Errorf("the form lacks %q\n%s", miss, text)
			}
			if c.url == "" {
				c.url = validDoc(t).StatusURL
			}
			if !hasURL(text, c.url) {
				t.Errorf("the form lacks the status URL %s", c.url)
			}
			for _, n := range c.not {
				if strings.Contains(text, n) {
					t.Errorf("the form shows %q", n)
				}
			}
		})
	}
}

// TestRenderManyPowers prints 60 powers: they flow onto further pages, each of which repeats the header with the
// number and the table's column titles, and none is lost. The demo classifier has fewer codes than 60, so the
// codes repeat (Render prints what it is given; the real classifier has hundreds).
func TestRenderManyPowers(t *testing.T) {
	t.Parallel()
	doc := validDoc(t)
	codes := mchd.Powers()
	doc.Powers = nil
	for i := range 60 {
		c := codes[i%len(codes)]
		doc.Powers = append(doc.Powers, mchd.Power{Code: c.Code, Name: c.Name,
			Restrictions: []mchd.Restriction{{Code: "NUM", Name: "Пункт", Value: fmt.Sprintf("пункт-%02d", i+1)}}})
	}
	ps := pages(t, render(t, doc, registered()))
	if len(ps) < 2 {
		t.Fatalf("60 powers on %d page(s)", len(ps))
	}
	for i, p := range ps[1:] {
		if !strings.HasPrefix(p, "Доверенность № "+number+", внутренний № МЧД-2026/15 (продолжение)") {
			t.Errorf("page %d does not start with the repeated header: %.120s", i+2, p)
		}
		if !strings.Contains(p, fmt.Sprintf("Страница %d из %d", i+2, len(ps))) {
			t.Errorf("page %d lacks its number", i+2)
		}
	}
	if !strings.Contains(ps[1], tableHeader) {
		t.Errorf("the powers table goes on to page 2 without its column titles: %.300s", ps[1])
	}
	var want []string
	for i := range 60 {
		want = append(want, fmt.Sprintf("%d %s", i+1, codes[i%len(codes)].Code), fmt.Sprintf("(NUM): пункт-%02d", i+1))
	}
	want = append(want, "Полномочия в свободной форме", "Статус доверенности", "Проверка статуса")
	if miss := inOrder(strings.Join(ps, " "), want); miss != "" {
		t.Errorf("the form lacks %q (in this order)", miss)
	}
}

// TestRenderOddInput prints texts a form must survive: names of the XSD's maximum length without a space to
// wrap at, ё, quotes of every kind, characters outside the font's plane, control characters, a text power of
// ten thousand characters, and a document missing its optional parts. Each renders; the readable parts are
// there.
func TestRenderOddInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(d *mchd.Document)
		want []string
	}{
		{"ё and quotes", func(d *mchd.Document) {
			d.Representative.LastName, d.Representative.FirstName, d.Representative.MiddleName = "Ёлкина-О'Нил", "Алёна", "Фёдоровна"
			d.Grantor.Name = `АО «Завод „Серп и молот“» "Ёж" 'и' ‹к›`
		}, []string{`Наименование АО «Завод „Серп и молот“» "Ёж" 'и' ‹к›`, "ФИО Ёлкина-О'Нил Алёна Фёдоровна"}},
		{"long unbroken name", func(d *mchd.Document) {
			d.Grantor.Name = strings.Repeat("Я", 1000)
			d.Head.LastName = strings.Repeat("Щ", 200)
		}, []string{"Наименование ЯЯЯ", "ФИО ЩЩЩ", "Должность Генеральный директор"}},
		{"long words", func(d *mchd.Document) {
			d.Grantor.Address = strings.Repeat("очень длинный адрес ", 50)
			d.Powers[1].Restrictions[0].Value = strings.Repeat("значение ", 28)
		}, []string{"ОГРН", "Адрес очень длинный адрес", "(код региона 77)", "(SUM_MAX): значение значение"}},
		{"emoji and control characters", func(d *mchd.Document) {
			d.Grantor.Name = "ООО 😀 Смайл\tи\r\nперевод"
			d.PowersText = "строка\x00один\nстрока два"
		}, []string{"Наименование ООО � Смайл и перевод", "строка один строка два"}},
		{"ten thousand characters of text powers", func(d *mchd.Document) {
			d.PowersText = strings.Repeat("Представлять интересы доверителя во всех органах. ", 196)
		}, []string{"Полномочия в свободной форме", "Представлять интересы", "Статус доверенности"}},
		{"minimal", func(d *mchd.Document) {
			d.Kind, d.RevocationCondition, d.Retrust = mchd.KindOrdinary, "", mchd.RetrustNone
			d.Grantor.Address, d.Grantor.Region = "", ""
			d.Head.BirthDate, d.Representative.BirthDate, d.Representative.INN = time.Time{}, time.Time{}, ""
			d.Powers, d.StatusURL = nil, ""
		}, []string{"Вид доверенности обычная", "Передоверие без права передоверия", "Полномочия в свободной форме"}},
		{"codes outside the enums and no dates", func(d *mchd.Document) {
			d.Kind, d.Retrust = "9", "8"
			d.IssueDate, d.EndDate = time.Time{}, time.Time{}
		}, []string{"Вид доверенности код 9", "Передоверие код 8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc := validDoc(t)
			c.edit(doc)
			ps := pages(t, render(t, doc, registered()))
			text := strings.Join(ps, " ")
			if miss := inOrder(text, c.want); miss != "" {
				t.Errorf("the form lacks %q\n%.2000s", miss, text)
			}
			// The column titles never end a page without a power under them.
			for i, p := range ps {
				if _, rest, ok := strings.Cut(p, tableHeader); ok && !regexp.MustCompile(`^\d+ `).MatchString(strings.TrimSpace(rest)) {
					t.Errorf("page %d ends its powers table at the column titles", i+1)
				}
			}
		})
	}
}

// FuzzRender feeds arbitrary text to every free-text field: Render returns a PDF or an error, never panics.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "Ёлкина", `"«»„“'`, "😀\x00\t\n", strings.Repeat("Ж", 300), "\uFFFF\uFFFE\u200B", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := validDoc(t)
		doc.Number, doc.InternalNumber, doc.Grantor.Name, doc.Head.LastName = s, s, s, s
		doc.Representative.FirstName, doc.PowersText, doc.Powers[1].Restrictions[0].Value = s, s, s
		pdf, err := mchdform.Render(doc, mchdform.Status{State: mchd.StateRevoked, Reason: s, StatusURL: s})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
	})
}

// TestRenderQR rasterises the form and decodes its QR code: a phone reading it opens the status URL.
func TestRenderQR(t *testing.T) {
	t.Parallel()
	doc := validDoc(t)
	st := registered()
	st.StatusURL = "https://kcr.example.ru/registry/mchd/status?guid=" + number
	dir := t.TempDir()
	in := filepath.Join(dir, "form.pdf")
	if err := os.WriteFile(in, render(t, doc, st), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(need(t, "pdftoppm"), "-png", "-r", "150", "-gray", in, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	var read []string
	for _, name := range files {
		file, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(file)
		file.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := qr.Decode(img); err == nil {
			read = append(read, got)
		}
	}
	if len(read) != 1 || read[0] != st.StatusURL {
		t.Errorf("the QR codes on the form read %q, want one reading %q", read, st.StatusURL)
	}
}

// TestRenderUndated prints a document without dates and a status without its moment: the PDF is dated at a
// fixed moment rather than now, so the same input still gives the same bytes.
func TestRenderUndated(t *testing.T) {
	t.Parallel()
	doc := validDoc(t)
	doc.IssueDate, doc.EndDate = time.Time{}, time.Time{}
	pdf := render(t, doc, mchdform.Status{State: mchd.StateDraft})
	if !bytes.Contains(pdf, []byte("/CreationDate (D:19700101000000")) {
		t.Errorf("an undated form is not dated at the epoch: %q", regexp.MustCompile(`/CreationDate \([^)]*\)`).Find(pdf))
	}
}

// TestRenderLinks: a web status URL is a link on the page; any other scheme stays plain text with no QR code,
// so a stored value can never make the form open something else.
func TestRenderLinks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url  string
		link bool
	}{
		{"https://kcr.example.ru/registry/mchd/status?guid=" + number, true},
		{"http://127.0.0.1:8080/registry/mchd/status?guid=" + number, true},
		{"javascript:alert(1)", false},
		{"file:///etc/passwd", false},
		{"https:no-host", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			t.Parallel()
			pdf := render(t, validDoc(t), mchdform.Status{State: mchd.StateSigned, StatusURL: c.url})
			links := regexp.MustCompile(`/URI \(([^)]*)\)`).FindAllSubmatch(pdf, -1)
			if !c.link {
				if len(links) != 0 {
					t.Errorf("links %q", links)
				}
				if !hasURL(strings.Join(pages(t, pdf), " "), c.url) {
					t.Errorf("the form lacks the URL as text")
				}
				return
			}
			// One link on the URL's text and one on the QR code.
			if len(links) != 2 || string(links[0][1]) != c.url || string(links[1][1]) != c.url {
				t.Errorf("links %q, want two to %s", links, c.url)
			}
		})
	}
}

// TestRenderGolden compares the text of a registered power of attorney with testdata/registered.txt, so a
// change of the form's wording or order shows in review; -update rewrites it.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(need(t, "pdftotext"), "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(render(t, validDoc(t), registered()))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var lines []string
	for line := range strings.Lines(strings.TrimRight(string(out), "\f\n")) {
		lines = append(lines, strings.TrimRight(line, " \n"))
	}
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "registered.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the form's text differs from %s (go test -run TestRenderGolden -update to accept):\n%s", golden, got)
	}
}

// TestRenderRecord prints stored powers of attorney from their file bytes: the status comes from the record
// and its history; a file that does not read back is refused with mchd.Parse's error.
func TestRenderRecord(t *testing.T) {
	t.Parallel()
	doc := validDoc(t)
	_, file, err := mchd.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, time.March, 2, 7, 0, 0, 0, time.UTC)
	revokedAt := time.Date(2027, time.March, 1, 21, 30, 0, 0, time.UTC)
	history := []mchd.HistoryEntry{
		{At: time.Date(2026, time.December, 7, 9, 0, 0, 0, time.UTC), To: mchd.StateDraft},
		{At: time.Date(2026, time.December, 8, 10, 0, 0, 0, time.UTC), From: mchd.StateSigned, To: mchd.StateRegistered},
		{At: revokedAt, From: mchd.StateRegistered, To: mchd.StateRevoked},
	}
	cases := []struct {
		name    string
		rec     mchd.Record
		history []mchd.HistoryEntry
		status  mchdform.Status
		want    []string
		not     []string
	}{
		{"revoked", mchd.Record{Number: number, State: mchd.StateRevoked, Reason: "Увольнение работника", RevokedAt: &revokedAt, XML: file}, history,
			mchdform.Status{State: mchd.StateRevoked, At: at, RegisteredAt: history[1].At, RevokedAt: revokedAt, Reason: "Увольнение работника"},
			[]string{"Статус: отозвана", "ФИО Иванов Пётр Сергеевич", "Дата регистрации в реестре 08.12.2026", "Дата отзыва 02.03.2027",
				"Причина отзыва Увольнение работника"}, nil},
		{"registered", mchd.Record{Number: number, State: mchd.StateRegistered, XML: file}, history[:2],
			mchdform.Status{State: mchd.StateRegistered, At: at, RegisteredAt: history[1].At},
			[]string{"Статус: зарегистрирована", "Дата регистрации в реестре 08.12.2026"}, []string{"Причина"}},
		{"a draft keeps no reason", mchd.Record{Number: number, State: mchd.StateDraft, Reason: "stale", XML: file}, history[:1],
			mchdform.Status{State: mchd.StateDraft, At: at}, []string{"Статус: черновик"}, []string{"stale"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := mchdform.StatusOf(&c.rec, c.history, at); got != c.status {
				t.Errorf("StatusOf = %+v, want %+v", got, c.status)
			}
			pdf, err := mchdform.RenderRecord(&c.rec, c.history, at)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(pages(t, pdf), " ")
			if miss := inOrder(text, c.want); miss != "" {
				t.Errorf("the form lacks %q\n%s", miss, text)
			}
			for _, n := range c.not {
				if strings.Contains(text, n) {
					t.Errorf("the form shows %q", n)
				}
			}
		})
	}
	t.Run("tampered file", func(t *testing.T) {
		t.Parallel()
		bad := bytes.Replace(file, []byte(doc.Grantor.INN), []byte("7707083890"), 1)
		_, err := mchdform.RenderRecord(&mchd.Record{Number: number, State: mchd.StateSigned, XML: bad}, nil, at)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("a file breaking the rules: %v", err)
		}
	})
}

func TestRenderRefuses(t *testing.T) {
	t.Parallel()
	if _, err := mchdform.Render(nil, mchdform.Status{}); err == nil {
		t.Error("no document printed")
	}
	if _, err := mchdform.Render(validDoc(t), mchdform.Status{State: "lost"}); err == nil || !strings.Contains(err.Error(), "lost") {
		t.Errorf("an unknown state: %v", err)
	}
}

// TestStateWord names every state in Russian, each differently.
func TestStateWord(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range mchd.States {
		w := mchdform.StateWord(s)
		if w == "" || seen[w] {
			t.Errorf("state %s: word %q", s, w)
		}
		seen[w] = true
	}
	if w := mchdform.StateWord("lost"); w != "" {
		t.Errorf("an unknown state reads %q", w)
	}
}

// BenchmarkRender prints a one-page form (three powers, the QR code).
func BenchmarkRender(b *testing.B) {
	doc, st := validDoc(b), registered()
	for b.Loop() {
		if _, err := mchdform.Render(doc, st); err != nil {
			b.Fatal(err)
		}
	}
}
