package document

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pdfText extracts the text of a PDF with poppler's pdftotext -layout, the same tool an auditor or CI
// would use, so the test proves that the Cyrillic is really encoded as text (a PDF can look right and
// still extract as garbage when the font has no Unicode map). Pages are separated by '\f'. No-break
// spaces are turned into plain ones and runs of spaces into one, so expectations can be written simply.
// Without pdftotext the test skips on a laptop and fails under CI=true: CI must not pass by skipping.
// Extra arguments go to pdftotext (descriptionColumn crops to one column).
func pdfText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		const missing = "pdftotext (poppler-utils) is not installed"
		if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(append([]string{"-layout", "-enc", "UTF-8"}, args...), path, "-")
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	s := strings.ReplaceAll(string(out), "\u00a0", " ")
	return regexp.MustCompile(`[ ]+`).ReplaceAllString(s, " ")
}

// descriptionColumn are the pdftotext arguments that crop each page to the description column of the
// items table. With -layout a wrapped description interleaves with the figures of its row, so a
// description is only checked whole in its own column. pdftotext crops in points (1/72 inch).
func descriptionColumn() []string {
	pt := func(mm float64) string { return strconv.Itoa(int(mm * 72 / 25.4)) }
	x := marginL + colW[0]
	return []string{"-x", pt(x + 0.5), "-y", "0", "-W", pt(colW[1] - 1), "-H", pt(pageH)}
}

// flat joins the lines of extracted text, so a phrase wrapped across lines in the PDF still matches.
func flat(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func assertContains(t *testing.T, text string, wants ...string) {
	t.Helper()
	f := flat(text)
	for _, w := range wants {
		if !strings.Contains(f, flat(w)) {
			t.Errorf("the PDF text lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("extracted text:\n%s", text)
	}
}

func TestInvoicePDFText(t *testing.T) {
	inv := sampleInvoice()
	pdf, err := InvoicePDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, "invoice.pdf", pdf)
	text := pdfText(t, pdf)
	assertContains(t, text,
		"Счёт на оплату № КЦР-2026-000123 от 30.11.2026",
		"ПАО Сбербанк, г. Москва", "БИК", "044525225", "30101810400000000225", "40702810938000000001",
		"Банк получателя", "Получатель", "ИНН 7701234567", "КПП 770101001",
		"Поставщик", "АО «Корпоративный центр регистрации»",
		"Покупатель", "ООО «Ромашка и партнёры», ИНН 5408123456, КПП 540801001",
		"Период: ноябрь 2026 г.",
		"Товары (работы, услуги)", "Кол-во", "Цена", "Сумма",
		"Итого: 5 200,50", "НДС 22%: 1 144,11", "Всего к оплате: 6 344,61",
		"Всего наименований 3, на сумму 6 344,61 руб.",
		"Шесть тысяч триста сорок четыре рубля 61 копейка",
		"Руководитель", "Бухгалтер",
		"Страница 1 из 1",
	)
	column := pdfText(t, pdf, descriptionColumn()...)
	for _, l := range inv.Lines {
		assertContains(t, column, l.Description)
	}
	// The lines here are stated without VAT, so the VAT must not be worded as included.
	if strings.Contains(text, "В том числе") {
		t.Error("VAT worded as included although the lines add up to the net")
	}
}

func TestActPDFText(t *testing.T) {
	inv := sampleInvoice()
	pdf, err := ActPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, "act.pdf", pdf)
	text := pdfText(t, pdf)
	assertContains(t, text,
		"Акт № КЦР-2026-000123 от 30.11.2026",
		"Исполнитель:", "АО «Корпоративный центр регистрации», ИНН 7701234567",
		"р/с 40702810938000000001, в банке ПАО Сбербанк, г. Москва, БИК 044525225, к/с 30101810400000000225",
		"Заказчик:", "ООО «Ромашка и партнёры», ИНН 5408123456",
		"Период оказания услуг: ноябрь 2026 г.",
		"Наименование работ, услуг",
		"Итого: 5 200,50", "НДС 22%: 1 144,11", "Всего: 6 344,61",
		"Всего оказано услуг 3, на сумму 6 344,61 руб.",
		"Шесть тысяч триста сорок четыре рубля 61 копейка",
		"Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объему, качеству и "+
			"срокам оказания услуг не имеет.",
		"ИСПОЛНИТЕЛЬ", "ЗАКАЗЧИК", "М.П.",
	)
	column := pdfText(t, pdf, descriptionColumn()...)
	for _, l := range inv.Lines {
		assertContains(t, column, l.Description)
	}
	if strings.Contains(text, "Банк получателя") {
		t.Error("the act carries the invoice's bank block")
	}
}

func TestPDFVATIncluded(t *testing.T) {
	// Lines stated with VAT: they add up to the total, and the totals say "В том числе НДС".
	inv := sampleInvoice()
	inv.Lines = []Line{{Description: "Сертификат физического лица", Quantity: 1, PriceKopecks: 244000, AmountKopecks: 244000}}
	inv.TotalKopecks, inv.VATKopecks, inv.NetKopecks = 244000, 44000, 200000
	inv.VATRatePercent = 22
	pdf, err := InvoicePDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, pdfText(t, pdf), "Итого: 2 440,00", "В том числе НДС 22%: 440,00", "Всего к оплате: 2 440,00",
		"Две тысячи четыреста сорок рублей 00 копеек")
}

func TestPDFWithoutVAT(t *testing.T) {
	inv := sampleInvoice()
	inv.VATRatePercent, inv.VATKopecks, inv.TotalKopecks = 0, 0, inv.NetKopecks
	pdf, err := ActPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, pdfText(t, pdf), "Без налога (НДС): —", "Всего: 5 200,50")
}

func TestPDFDeterministic(t *testing.T) {
	// The same invoice must give the same bytes: documents are re-rendered on demand, and an archive
	// checksum or a test comparing output must not see a difference. fpdf would otherwise stamp the
	// wall clock and could order its catalogs by map iteration.
	for name, fn := range map[string]func(Invoice) ([]byte, error){"invoice": InvoicePDF, "act": ActPDF} {
		a, err := fn(sampleInvoice())
		if err != nil {
			t.Fatal(err)
		}
		// Several renders, since an ordering that depends on map iteration may agree by chance once.
		for range 5 {
			b, err := fn(sampleInvoice())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: two renders of the same invoice differ", name)
			}
		}
		// The dates in the file are the issue date, not the wall clock.
		if !bytes.Contains(a, []byte("/CreationDate (D:20261130")) || !bytes.Contains(a, []byte("/ModDate (D:20261130")) {
			t.Errorf("%s: the PDF dates are not the issue date", name)
		}
	}
}

func TestPDFPageBreak(t *testing.T) {
	inv := longInvoice(60)
	for name, fn := range map[string]func(Invoice) ([]byte, error){"invoice": InvoicePDF, "act": ActPDF} {
		t.Run(name, func(t *testing.T) {
			pdf, err := fn(inv)
			if err != nil {
				t.Fatal(err)
			}
			writeSample(t, name+"-60.pdf", pdf)
			text := pdfText(t, pdf)
			pages := strings.Split(strings.TrimRight(text, "\f\n "), "\f")
			if len(pages) < 2 {
				t.Fatalf("60 lines fit on %d page(s)", len(pages))
			}
			last := pages[len(pages)-1]
			words := AmountInWords(inv.TotalKopecks)
			for i, p := range pages {
				// Every page repeats the table header, names the document and counts the pages.
				assertContains(t, p, "Цена", "Сумма", "КЦР-2026-000123")
				if want := "из " + strconv.Itoa(len(pages)); !strings.Contains(p, want) {
					t.Errorf("page %d lacks %q", i+1, want)
				}
				if i < len(pages)-1 && (strings.Contains(p, "Итого") || strings.Contains(flat(p), flat(words))) {
					t.Errorf("totals on page %d of %d", i+1, len(pages))
				}
			}
			assertContains(t, last, "Итого:", " 60, на сумму "+FormatRubles(inv.TotalKopecks), words)
			// Every line is in the document exactly once: no row lost or duplicated at a break.
			all := flat(text)
			for i := range inv.Lines {
				want := "сотрудник № " + strconv.Itoa(i+1) + " "
				if n := strings.Count(all+" ", want); n != 1 {
					t.Errorf("line %d appears %d times", i+1, n)
				}
			}
		})
	}
}

func TestPDFLongDescription(t *testing.T) {
	// A description longer than a page is split across pages instead of looping or overflowing.
	inv := sampleInvoice()
	long := strings.Repeat("очень длинное описание услуги ", 600) + "КОНЕЦ"
	inv.Lines[1].Description = long
	pdf, err := InvoicePDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	if n := strings.Count(text, "\f"); n < 2 {
		t.Errorf("a description of %d characters took %d page(s)", len(long), n)
	}
	assertContains(t, text, "КОНЕЦ", "Всего к оплате: 6 344,61")
	// Across the breaks the column also holds the repeated header and the footers, which can fall
	// inside a repetition, so count words instead of matching the whole: none lost, none repeated.
	column := flat(pdfText(t, pdf, descriptionColumn()...))
	for _, w := range []string{"очень", "длинное", "описание"} {
		if n := strings.Count(column, w); n != 600 {
			t.Errorf("the long description shows %q %d times, want 600", w, n)
		}
	}
	assertContains(t, column, inv.Lines[2].Description)
}

func TestPDFOddText(t *testing.T) {
	// Text typed by people: emoji outside the BMP, control characters, a huge amount. Rendering must
	// not panic or fail, and the ordinary text around them must survive.
	inv := sampleInvoice()
	inv.Buyer.Name = "ООО «Смайл 😀»\nфилиал\t№ 2"
	inv.Lines = []Line{{Description: "Сертификат 🎉 И. И. Иванов\r\n", Quantity: 1, PriceKopecks: 999999999999, AmountKopecks: 999999999999}}
	inv.NetKopecks, inv.VATKopecks, inv.TotalKopecks = 999999999999, 0, 999999999999
	inv.VATRatePercent = 0
	for _, fn := range []func(Invoice) ([]byte, error){InvoicePDF, ActPDF} {
		pdf, err := fn(inv)
		if err != nil {
			t.Fatal(err)
		}
		assertContains(t, pdfText(t, pdf), "ООО «Смайл", "филиал № 2", "Сертификат", "И. И. Иванов", "9 999 999 999,99")
	}
}

func TestPDFRefusesInconsistentInvoice(t *testing.T) {
	tests := map[string]func(*Invoice){
		"no number":             func(i *Invoice) { i.Number = " " },
		"no date":               func(i *Invoice) { i.Date = time.Time{} },
		"bad period":            func(i *Invoice) { i.Period = "2026-13" },
		"no lines":              func(i *Invoice) { i.Lines = nil },
		"no buyer INN":          func(i *Invoice) { i.Buyer.INN = "" },
		"no seller name":        func(i *Invoice) { i.Seller.Name = "" },
		"zero quantity":         func(i *Invoice) { i.Lines[0].Quantity = 0 },
		"amount ≠ qty × price":  func(i *Invoice) { i.Lines[2].AmountKopecks++ },
		"negative price":        func(i *Invoice) { i.Lines[0].PriceKopecks, i.Lines[0].AmountKopecks = -1, -1 },
		"net + VAT ≠ total":     func(i *Invoice) { i.TotalKopecks++ },
		"lines ≠ net nor total": func(i *Invoice) { i.NetKopecks--; i.VATKopecks++ },
		"VAT without a rate":    func(i *Invoice) { i.VATRatePercent = 0 },
		"rate out of range":     func(i *Invoice) { i.VATRatePercent = 122 },
		"empty description":     func(i *Invoice) { i.Lines[0].Description = "" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			inv := sampleInvoice()
			mutate(&inv)
			if _, err := InvoicePDF(inv); err == nil {
				t.Error("InvoicePDF accepted it")
			}
			if _, err := ActPDF(inv); err == nil {
				t.Error("ActPDF accepted it")
			}
		})
	}
	t.Run("invoice without seller bank", func(t *testing.T) {
		inv := sampleInvoice()
		inv.Seller.Account = ""
		if _, err := InvoicePDF(inv); err == nil {
			t.Error("InvoicePDF accepted an invoice nobody can pay")
		}
		if _, err := ActPDF(inv); err != nil {
			t.Errorf("ActPDF needs no bank details, got %v", err)
		}
	})
}

func TestDocDateMoscow(t *testing.T) {
	// 21:30 UTC on 30 November is already 1 December in Moscow, where the document is dated.
	if got := docDate(time.Date(2026, 11, 30, 21, 30, 0, 0, time.UTC)); got != "01.12.2026" {
		t.Errorf("docDate = %s, want 01.12.2026", got)
	}
	if got := docDate(time.Date(2026, 11, 30, 20, 59, 59, 0, time.UTC)); got != "30.11.2026" {
		t.Errorf("docDate = %s, want 30.11.2026", got)
	}
}

// writeSample saves a rendered document to $KCR_DOCUMENT_OUT when it is set, for looking at the
// layout (pdftoppm -png -r 60 …): layout mistakes are visible, not testable.
func writeSample(t *testing.T, name string, pdf []byte) {
	t.Helper()
	dir := os.Getenv("KCR_DOCUMENT_OUT")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
}
