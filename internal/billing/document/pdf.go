package document

import (
	"bytes"
	_ "embed" // the DejaVu fonts
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
)

// DejaVu Sans is embedded because the standard PDF fonts have no Cyrillic and the machine rendering
// a document must not need fonts installed. fpdf subsets it, so a PDF carries only the glyphs it uses.
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuSansBold []byte
)

// Page geometry, in millimetres (A4 portrait).
const (
	pageW    = 210.0
	pageH    = 297.0
	marginL  = 15.0
	marginR  = 15.0
	marginT  = 12.0
	marginB  = 18.0 // leaves room for the footer below the content
	contentW = pageW - marginL - marginR
	bottom   = pageH - marginB

	family   = "DejaVu"
	bodyPt   = 9.0
	smallPt  = 6.5
	lineH    = 4.2 // one line of 9 pt text with leading
	cellPadV = 0.8 // vertical padding inside a table cell, above and below the text
)

// The items table: №, description, quantity, unit, price, amount.
var colW = [6]float64{9, 92, 14, 13, 26, 26}

// amountCol is the amount column, under which the totals are aligned.
const amountCol = len(colW) - 1

// docKind is what differs between the invoice and the act.
type docKind struct {
	title      string // "Счёт на оплату", "Акт"
	sellerRole string
	buyerRole  string
	descHeader string
	periodText string // before the month name
	countText  string // "Всего наименований", "Всего оказано услуг"
	totalLabel string // last totals row
	invoice    bool
}

var (
	invoiceKind = docKind{
		title:      "Счёт на оплату",
		sellerRole: "Поставщик\n(Исполнитель):",
		buyerRole:  "Покупатель\n(Заказчик):",
		descHeader: "Товары (работы, услуги)",
		periodText: "Период:",
		countText:  "Всего наименований",
		totalLabel: "Всего к оплате:",
		invoice:    true,
	}
	actKind = docKind{
		title:      "Акт",
		sellerRole: "Исполнитель:",
		buyerRole:  "Заказчик:",
		descHeader: "Наименование работ, услуг",
		periodText: "Период оказания услуг:",
		countText:  "Всего оказано услуг",
		totalLabel: "Всего:",
	}
)

// InvoicePDF renders the invoice (счёт на оплату) for inv: the seller's bank details block, the title
// "Счёт на оплату № … от …", seller and buyer, the items table, the totals with VAT, the sum in words
// and the signature lines of the head and the accountant. It refuses an invoice whose figures do not
// agree (see Invoice) or that lacks the seller's bank details. The output depends only on inv.
func InvoicePDF(inv Invoice) ([]byte, error) {
	if err := validate(inv, true); err != nil {
		return nil, err
	}
	return render(inv, invoiceKind)
}

// ActPDF renders the act of services rendered (акт оказанных услуг) for inv: "Акт № … от …", the
// executor and the customer with their details, the items table, the totals, the sum in words, the
// statement that the services were rendered in full and two signature blocks. The output depends only
// on inv.
func ActPDF(inv Invoice) ([]byte, error) {
	if err := validate(inv, false); err != nil {
		return nil, err
	}
	return render(inv, actKind)
}

// renderer draws one document. It places every row itself (automatic page breaks are off) so that a
// table row is never cut in half and the header row is repeated on each new page.
type renderer struct {
	pdf  *fpdf.Fpdf
	inv  Invoice
	kind docKind
}

func render(inv Invoice, kind docKind) (out []byte, err error) {
	// fpdf reports most failures through Err, but a malformed font or an unforeseen input can still
	// panic deep inside it; a billing run must get an error for that one document, not crash.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("document: rendering %s %q: %v", kind.title, inv.Number, p)
		}
	}()

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(false, marginB)
	pdf.AddUTF8FontFromBytes(family, "", dejaVuSans)
	pdf.AddUTF8FontFromBytes(family, "B", dejaVuSansBold)
	// Without these fpdf stamps the wall-clock time into the file, and the same invoice would give
	// different bytes on every render; the issue date is the honest creation date anyway. fpdf writes
	// the date without a zone, so it gets UTC: the same instant then gives the same bytes whatever
	// location inv.Date carries.
	date := inv.Date
	if !kind.invoice {
		date = inv.actDate()
	}
	pdf.SetCreationDate(date.UTC())
	pdf.SetModificationDate(date.UTC())
	pdf.SetCatalogSort(true)
	title := fmt.Sprintf("%s № %s от %s", kind.title, Clean(inv.Number), docDate(date))
	pdf.SetTitle(title, true)
	pdf.SetAuthor(Clean(inv.Seller.Name), true)
	pdf.SetCreator("kcr", true)
	pdf.SetLang("ru-RU")
	pdf.AliasNbPages("{nb}")
	pdf.SetLineWidth(0.2)

	r := &renderer{pdf: pdf, inv: inv, kind: kind}
	pdf.SetFooterFunc(func() {
		// The footer names the document on every page so that a loose second page is still
		// identifiable.
		r.font("", smallPt)
		pdf.SetTextColor(110, 110, 110)
		pdf.SetXY(marginL, pageH-12)
		pdf.CellFormat(contentW/2, 4, title, "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/2, 4, "Страница "+strconv.Itoa(pdf.PageNo())+" из {nb}", "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	if kind.invoice {
		r.bankBlock()
	}
	r.heading(title)
	r.parties()
	r.table()
	r.closing()

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("document: rendering %s %q: %w", kind.title, inv.Number, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("document: writing %s %q: %w", kind.title, inv.Number, err)
	}
	return buf.Bytes(), nil
}

func (r *renderer) font(style string, pt float64) { r.pdf.SetFont(family, style, pt) }

// bankBlock is the payment-order-shaped block at the top of a Russian invoice: the seller's bank, БИК
// and correspondent account, then ИНН/КПП, name and account. Accountants copy a payment order from it,
// so it keeps the customary layout.
func (r *renderer) bankBlock() {
	p, s := r.pdf, r.inv.Seller
	const (
		wLeft  = 105.0
		wLabel = 17.0
		wValue = contentW - wLeft - wLabel
		small  = 3.4
	)
	x0, y0 := marginL, p.GetY()
	r.font("", bodyPt)
	bankLines := p.SplitText(Clean(s.Bank), wLeft)
	nameLines := p.SplitText(Clean(s.Name), wLeft)
	// The bank cell is at least as tall as the two rows beside it (БИК, correspondent account).
	topH := max(float64(len(bankLines))*lineH+small+2*cellPadV, 2*(lineH+2*cellPadV))
	midH := lineH + 2*cellPadV
	botH := max(float64(len(nameLines))*lineH+small+2*cellPadV, 2*lineH+2*cellPadV)

	// Left column: bank, then ИНН | КПП, then the recipient.
	p.Rect(x0, y0, wLeft, topH, "D")
	r.lines(x0, y0+cellPadV, wLeft, bankLines, "L")
	r.caption(x0, y0+topH-small-0.3, wLeft, "Банк получателя")

	yMid := y0 + topH
	p.Rect(x0, yMid, wLeft/2, midH, "D")
	p.Rect(x0+wLeft/2, yMid, wLeft/2, midH, "D")
	r.lines(x0, yMid+cellPadV, wLeft/2, []string{"ИНН " + Clean(s.INN)}, "L")
	r.lines(x0+wLeft/2, yMid+cellPadV, wLeft/2, []string{"КПП " + Clean(s.KPP)}, "L")

	yBot := yMid + midH
	p.Rect(x0, yBot, wLeft, botH, "D")
	r.lines(x0, yBot+cellPadV, wLeft, nameLines, "L")
	r.caption(x0, yBot+botH-small-0.3, wLeft, "Получатель")

	// Right columns: БИК over the correspondent account beside the bank; the settlement account
	// beside the recipient (spanning the ИНН/КПП row, as on a payment order).
	xl, xv := x0+wLeft, x0+wLeft+wLabel
	p.Rect(xl, y0, wLabel, lineH+2*cellPadV, "D")
	p.Rect(xv, y0, wValue, lineH+2*cellPadV, "D")
	r.lines(xl, y0+cellPadV, wLabel, []string{"БИК"}, "L")
	r.lines(xv, y0+cellPadV, wValue, []string{Clean(s.BIC)}, "L")
	yc := y0 + lineH + 2*cellPadV
	p.Rect(xl, yc, wLabel, yMid-yc, "D")
	p.Rect(xv, yc, wValue, yMid-yc, "D")
	r.lines(xl, yc+cellPadV, wLabel, []string{"Сч. №"}, "L")
	r.lines(xv, yc+cellPadV, wValue, []string{Clean(s.CorrAccount)}, "L")
	p.Rect(xl, yMid, wLabel, midH+botH, "D")
	p.Rect(xv, yMid, wValue, midH+botH, "D")
	r.lines(xl, yMid+cellPadV, wLabel, []string{"Сч. №"}, "L")
	r.lines(xv, yMid+cellPadV, wValue, []string{Clean(s.Account)}, "L")

	p.SetXY(marginL, yBot+botH+6)
}

// lines writes text lines top-down from (x, y) in a column of width w.
func (r *renderer) lines(x, y, w float64, lines []string, align string) {
	for i, l := range lines {
		r.pdf.SetXY(x, y+float64(i)*lineH)
		r.pdf.CellFormat(w, lineH, l, "", 0, align, false, 0, "")
	}
}

// caption writes a small grey label (a field name under a form field) and restores the body font.
func (r *renderer) caption(x, y, w float64, text string) {
	r.font("", smallPt)
	r.pdf.SetTextColor(90, 90, 90)
	r.pdf.SetXY(x, y)
	r.pdf.CellFormat(w, 3.4, text, "", 0, "L", false, 0, "")
	r.pdf.SetTextColor(0, 0, 0)
	r.font("", bodyPt)
}

// heading writes the document title and the thick rule under it.
func (r *renderer) heading(title string) {
	p := r.pdf
	r.font("B", 13)
	p.SetX(marginL)
	p.MultiCell(contentW, 6.5, title, "", "L", false)
	y := p.GetY() + 1.5
	p.SetLineWidth(0.6)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetLineWidth(0.2)
	p.SetXY(marginL, y+3)
}

// parties writes the seller and the buyer, each as "role: name, ИНН …, КПП …, address[, bank]", and
// the billing period.
func (r *renderer) parties() {
	// On the invoice the seller's bank is in the block above; on the act both parties' bank details
	// belong to their requisites.
	r.labelled(r.kind.sellerRole, partyText(r.inv.Seller, !r.kind.invoice))
	r.labelled(r.kind.buyerRole, partyText(r.inv.Buyer, !r.kind.invoice))
	// The period is a plain sentence rather than a labelled field: the act's label "Период оказания
	// услуг:" is wider than the label column.
	r.font("", bodyPt)
	y := r.pdf.GetY()
	r.lines(marginL, y, contentW, []string{r.kind.periodText + " " + MonthName(r.inv.Period)}, "L")
	r.pdf.SetXY(marginL, y+lineH+2)
}

// labelled writes a label in a narrow left column and a wrapped bold value beside it.
func (r *renderer) labelled(label, value string) {
	// Callers pass short labels with explicit line breaks; each part is still wrapped so that a longer
	// one can never run under the value.
	const wLabel = 32.0
	p := r.pdf
	y := p.GetY()
	r.font("", bodyPt)
	var labelLines []string
	for _, part := range strings.Split(label, "\n") {
		labelLines = append(labelLines, p.SplitText(part, wLabel)...)
	}
	r.lines(marginL, y, wLabel, labelLines, "L")
	r.font("B", bodyPt)
	valueLines := p.SplitText(value, contentW-wLabel)
	r.lines(marginL+wLabel, y, contentW-wLabel, valueLines, "L")
	r.font("", bodyPt)
	p.SetXY(marginL, y+float64(max(len(labelLines), len(valueLines)))*lineH+1.5)
}

// partyText is a party's requisites on one (wrapped) line, empty fields left out.
func partyText(p Party, withBank bool) string {
	parts := []string{Clean(p.Name)}
	add := func(prefix, v string) {
		if v = Clean(v); v != "" {
			parts = append(parts, prefix+v)
		}
	}
	add("ИНН ", p.INN)
	add("КПП ", p.KPP)
	add("ОГРН ", p.OGRN)
	add("", p.Address)
	if withBank {
		add("р/с ", p.Account)
		add("в банке ", p.Bank)
		add("БИК ", p.BIC)
		add("к/с ", p.CorrAccount)
	}
	return strings.Join(parts, ", ")
}

// table writes the items table, breaking pages between rows and repeating the header row.
// On a consolidated invoice each organization's lines come under its name and end with its subtotal.
func (r *renderer) table() {
	r.tableHeader()
	lines := r.inv.Lines
	for i, l := range lines {
		if l.Group != "" && (i == 0 || lines[i-1].Group != l.Group) {
			r.groupRow(l.Group, "L", "B")
		}
		r.itemRow(i+1, l)
		if l.Group != "" && (i == len(lines)-1 || lines[i+1].Group != l.Group) {
			var sum int64
			for j := i; j >= 0 && lines[j].Group == l.Group; j-- {
				sum += lines[j].AmountKopecks
			}
			r.groupRow("Итого по организации: "+FormatRubles(sum), "R", "")
		}
	}
}

// groupRow writes a row spanning the table: an organization's name over its lines or its subtotal under
// them. It moves to a new page when the page is full, so a name never stands alone at a page's foot.
func (r *renderer) groupRow(text, align, style string) {
	p := r.pdf
	r.font(style, bodyPt)
	chunk := p.SplitText(Clean(text), contentW-2)
	h := float64(len(chunk))*lineH + 2*cellPadV
	if p.GetY()+h+lineH+2*cellPadV > bottom {
		r.newPage(true)
	}
	y := p.GetY()
	p.Rect(marginL, y, contentW, h, "D")
	r.font(style, bodyPt)
	r.lines(marginL+1, y+cellPadV, contentW-2, chunk, align)
	p.SetXY(marginL, y+h)
	r.font("", bodyPt)
}

func (r *renderer) tableHeader() {
	p := r.pdf
	r.font("B", bodyPt)
	heads := [len(colW)]string{"№", r.kind.descHeader, "Кол-во", "Ед.", "Цена", "Сумма"}
	y := p.GetY()
	h := lineH + 2*cellPadV
	x := marginL
	p.SetFillColor(235, 235, 235)
	for i, t := range heads {
		p.SetXY(x, y)
		p.CellFormat(colW[i], h, t, "1", 0, "C", true, 0, "")
		x += colW[i]
	}
	p.SetXY(marginL, y+h)
	r.font("", bodyPt)
}

// itemRow writes one line of the table. A row that does not fit the rest of the page moves to the
// next one whole; only a description longer than a full page is split across pages.
func (r *renderer) itemRow(n int, l Line) {
	p := r.pdf
	r.font("", bodyPt)
	desc := p.SplitText(Clean(l.Description), colW[1])
	if len(desc) == 0 {
		desc = []string{""}
	}
	first := true
	for len(desc) > 0 {
		room := int((bottom - p.GetY() - 2*cellPadV) / lineH)
		if room < len(desc) && (first || room < 1) {
			// Move the row to a fresh page, unless it is already at the top of one and would not
			// fit there either: then fill this page and carry the rest over.
			if !r.atTableTop() {
				r.newPage(true)
				continue
			}
		}
		k := min(room, len(desc))
		if k < 1 {
			k = 1 // a page always has room for a line; guards against a loop on bad geometry
		}
		chunk := desc[:k]
		desc = desc[k:]
		h := float64(k)*lineH + 2*cellPadV
		y := p.GetY()
		x := marginL
		var cells [len(colW)]string
		if first {
			cells = [len(colW)]string{strconv.Itoa(n), "", strconv.Itoa(l.Quantity), l.unit(), FormatRubles(l.PriceKopecks),
				FormatRubles(l.AmountKopecks)}
		}
		aligns := [len(colW)]string{"C", "L", "C", "C", "R", "R"}
		for i := range cells {
			p.Rect(x, y, colW[i], h, "D")
			if i == 1 {
				r.lines(x, y+cellPadV, colW[i], chunk, "L")
			} else if cells[i] != "" {
				r.fitCell(x, y+cellPadV, colW[i], cells[i], aligns[i], "")
			}
			x += colW[i]
		}
		p.SetXY(marginL, y+h)
		first = false
		if len(desc) > 0 {
			r.newPage(true)
		}
	}
}

// atTableTop reports whether the cursor is right under a table header on a page after the first, i.e.
// moving to a new page would not give the row more room.
func (r *renderer) atTableTop() bool {
	return r.pdf.PageNo() > 1 && r.pdf.GetY() <= marginT+lineH+2*cellPadV+0.01
}

func (r *renderer) newPage(withTableHeader bool) {
	r.pdf.AddPage()
	r.pdf.SetXY(marginL, marginT)
	if withTableHeader {
		r.tableHeader()
	}
}

// fitCell writes a one-line value in a cell of width w in the given style ("" or "B"), shrinking the
// font if the value is wider, so a large amount is never cut off or spilled into the next column.
func (r *renderer) fitCell(x, y, w float64, s, align, style string) {
	p := r.pdf
	pt := bodyPt
	r.font(style, pt)
	avail := w - 2*p.GetCellMargin()
	for pt > 5 && p.GetStringWidth(s) > avail {
		pt -= 0.5
		r.font(style, pt)
	}
	p.SetXY(x, y)
	p.CellFormat(w, lineH, s, "", 0, align, false, 0, "")
	r.font(style, bodyPt)
}

// closing writes the totals, the count and the sum in words, the act's statement and the signatures.
// They are kept together: if they do not fit under the table, they all go to a new page, so the
// totals are always on the last page next to the signatures.
func (r *renderer) closing() {
	p := r.pdf
	inv := r.inv
	r.font("", bodyPt)

	type row struct{ label, value string }
	var totals []row
	vat := "НДС " + strconv.Itoa(inv.VATRatePercent) + "%:"
	switch {
	case inv.VATRatePercent == 0:
		totals = []row{{"Итого:", FormatRubles(inv.TotalKopecks)}, {"Без налога (НДС):", "—"}, {r.kind.totalLabel, FormatRubles(inv.TotalKopecks)}}
	case inv.vatIncluded():
		totals = []row{{"Итого:", FormatRubles(inv.TotalKopecks)}, {"В том числе " + vat, FormatRubles(inv.VATKopecks)}, {r.kind.totalLabel, FormatRubles(inv.TotalKopecks)}}
	default:
		totals = []row{{"Итого:", FormatRubles(inv.NetKopecks)}, {vat, FormatRubles(inv.VATKopecks)}, {r.kind.totalLabel, FormatRubles(inv.TotalKopecks)}}
	}
	count := fmt.Sprintf("%s %d, на сумму %s руб.", r.kind.countText, len(inv.Lines), FormatRubles(inv.TotalKopecks))
	words := AmountInWords(inv.TotalKopecks)
	const statement = "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объему, " +
		"качеству и срокам оказания услуг не имеет."

	r.font("B", bodyPt)
	wordLines := p.SplitText(words, contentW)
	r.font("", bodyPt)
	countLines := p.SplitText(count, contentW)
	need := 1.5 + float64(len(totals))*lineH + 3 + float64(len(countLines)+len(wordLines))*lineH + 4
	var stmtLines []string
	if !r.kind.invoice {
		stmtLines = p.SplitText(statement, contentW)
		need += float64(len(stmtLines))*lineH + 4
	}
	need += r.signaturesHeight()
	if p.GetY()+need > bottom {
		r.newPage(false)
	}

	y := p.GetY() + 1.5
	r.font("B", bodyPt)
	wLabel := contentW - colW[amountCol]
	for _, t := range totals {
		r.lines(marginL, y, wLabel, []string{t.label}, "R")
		r.fitCell(marginL+wLabel, y, colW[amountCol], t.value, "R", "B")
		y += lineH
	}
	y += 3
	r.font("", bodyPt)
	r.lines(marginL, y, contentW, countLines, "L")
	y += float64(len(countLines)) * lineH
	r.font("B", bodyPt)
	r.lines(marginL, y, contentW, wordLines, "L")
	y += float64(len(wordLines))*lineH + 4
	r.font("", bodyPt)
	if len(stmtLines) > 0 {
		r.lines(marginL, y, contentW, stmtLines, "L")
		y += float64(len(stmtLines))*lineH + 4
	}
	p.SetLineWidth(0.6)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetLineWidth(0.2)
	p.SetXY(marginL, y+6)
	if r.kind.invoice {
		r.invoiceSignatures()
	} else {
		r.actSignatures()
	}
}

func (r *renderer) signaturesHeight() float64 {
	if r.kind.invoice {
		return 6 + lineH + 4
	}
	r.font("", bodyPt)
	w := contentW/2 - 5
	n := max(len(r.pdf.SplitText(Clean(r.inv.Seller.Name), w)), len(r.pdf.SplitText(Clean(r.inv.Buyer.Name), w)))
	return 6 + lineH*float64(n+1) + 8 + 4 + lineH
}

// signLine draws "label ________ / ________ /" with captions under the two blanks, starting at x.
func (r *renderer) signLine(x, y float64, label string, wLabel float64) {
	p := r.pdf
	const wSign, wName = 28.0, 30.0
	r.font("", bodyPt)
	if label != "" {
		r.lines(x, y, wLabel, []string{label}, "L")
	}
	xs := x + wLabel
	base := y + lineH - 0.6
	p.Line(xs, base, xs+wSign, base)
	r.lines(xs+wSign, y, 4, []string{"/"}, "C")
	p.Line(xs+wSign+4, base, xs+wSign+4+wName, base)
	r.lines(xs+wSign+4+wName, y, 4, []string{"/"}, "C")
	r.font("", smallPt)
	p.SetTextColor(90, 90, 90)
	p.SetXY(xs, base+0.3)
	p.CellFormat(wSign, 3, "подпись", "", 0, "C", false, 0, "")
	p.SetXY(xs+wSign+4, base+0.3)
	p.CellFormat(wName, 3, "расшифровка подписи", "", 0, "C", false, 0, "")
	p.SetTextColor(0, 0, 0)
	r.font("", bodyPt)
}

// invoiceSignatures: the head and the accountant of the seller sign an invoice.
func (r *renderer) invoiceSignatures() {
	y := r.pdf.GetY()
	r.signLine(marginL, y, "Руководитель", 26)
	r.signLine(marginL+contentW/2+4, y, "Бухгалтер", 22)
	r.pdf.SetXY(marginL, y+lineH+4)
}

// actSignatures: both parties sign the act, each under its role and name, with a place for the seal.
func (r *renderer) actSignatures() {
	p := r.pdf
	y := p.GetY()
	w := contentW/2 - 5
	col := func(x float64, role, name string) float64 {
		r.font("B", bodyPt)
		r.lines(x, y, w, []string{role}, "L")
		r.font("", bodyPt)
		nameLines := p.SplitText(Clean(name), w)
		r.lines(x, y+lineH, w, nameLines, "L")
		ys := y + lineH*float64(len(nameLines)+1) + 8
		r.signLine(x, ys, "", 0)
		r.lines(x, ys+lineH+4, w, []string{"М.П."}, "L")
		return ys + 2*lineH + 4
	}
	y1 := col(marginL, "ИСПОЛНИТЕЛЬ", r.inv.Seller.Name)
	y2 := col(marginL+contentW/2+5, "ЗАКАЗЧИК", r.inv.Buyer.Name)
	p.SetXY(marginL, max(y1, y2))
}

// Clean makes arbitrary text safe to draw: control characters (a newline pasted into a name) become
// spaces, and characters outside the Basic Multilingual Plane (emoji) become U+FFFD, because fpdf's
// UTF-8 fonts index glyph widths by a 16-bit code and would fail on them.
func Clean(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c > 0xFFFF:
			b.WriteRune('\uFFFD')
		case unicode.IsControl(c):
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// NewPDF starts an A4 portrait document with the embedded DejaVu fonts registered under FontFamily
// (regular and "B"), dated at, for other Russian documents kcr prints (the application form).
func NewPDF(at time.Time) *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	pdf.AddUTF8FontFromBytes(family, "", dejaVuSans)
	pdf.AddUTF8FontFromBytes(family, "B", dejaVuSansBold)
	pdf.SetCreationDate(at.UTC())
	pdf.SetModificationDate(at.UTC())
	pdf.SetCatalogSort(true)
	return pdf
}

// FontFamily is the family name NewPDF registers the fonts under.
const FontFamily = family
