package mchdform

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qr "github.com/piglig/go-qr"

	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/mchd"
)

// Page geometry in millimetres (A4 portrait), the same as the certificate form's.
const (
	pageH      = 297.0
	marginL    = 18.0
	marginT    = 12.0
	contentW   = 210.0 - 2*marginL
	bottom     = pageH - 18.0
	labelW     = 62.0
	lineH      = 3.7
	bodyPt     = 8.5
	smallPt    = 6.5
	smallLineH = 3.0
	numW       = 9.0
	codeW      = 46.0
	sectionH   = lineH + 1.5 // a section's title bar
	// contTop is where the content of a continuation page starts, below the repeated header.
	contTop = marginT + 8
	// qrSide is the side of the status URL's QR code; at 25 mm the modules of a 1,000-character URL are
	// still above 0.2 mm, which phone cameras read.
	qrSide = 25.0
)

// form draws the blocks, moving to a new page when one does not fit.
type form struct {
	pdf *fpdf.Fpdf
	// cont is drawn at the top of a page that a table continues on: the table's header again.
	cont func()
}

// newForm starts the PDF with the repeated header of continuation pages and the footer of every page.
func newForm(doc *mchd.Document, dated time.Time) *form {
	pdf := document.NewPDF(dated)
	pdf.SetMargins(marginL, marginT, marginL)
	pdf.SetAutoPageBreak(false, 0)
	number := document.Clean(doc.Number)
	pdf.SetTitle("Доверенность "+number, true)
	pdf.SetCreator("kcr", true)
	pdf.SetLang("ru-RU")
	pdf.AliasNbPages("{nb}")
	caption := "Доверенность № " + number
	if in := document.Clean(doc.InternalNumber); in != "" {
		caption += ", внутренний № " + in
	}
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() == 1 {
			return
		}
		pdf.SetFont(document.FontFamily, "B", 8)
		pdf.SetXY(marginL, marginT)
		pdf.CellFormat(contentW, 4, fit(pdf, caption+" (продолжение)", contentW-2), "", 0, "L", false, 0, "")
		pdf.SetDrawColor(150, 150, 150)
		pdf.Line(marginL, marginT+5, marginL+contentW, marginT+5)
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetXY(marginL, contTop)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetFont(document.FontFamily, "", smallPt)
		pdf.SetTextColor(110, 110, 110)
		pdf.SetXY(marginL, pageH-12)
		pdf.CellFormat(contentW*3/4, 4, fit(pdf, caption, contentW*3/4-2), "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/4, 4, "Страница "+strconv.Itoa(pdf.PageNo())+" из {nb}", "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont(document.FontFamily, "", bodyPt)
	return &form{pdf: pdf}
}

// fit cuts s to the first line it wraps to in width w, marking the cut: for one-line headers and footers.
func fit(p *fpdf.Fpdf, s string, w float64) string {
	lines := p.SplitText(s, w-2)
	if len(lines) <= 1 {
		return s
	}
	r := []rune(lines[0])
	return string(r[:max(len(r)-1, 0)]) + "…"
}

func (f *form) newPage() {
	f.pdf.AddPage()
	if f.cont != nil {
		f.cont()
	}
}

// ensure starts a new page unless h more millimetres fit on this one.
func (f *form) ensure(h float64) {
	if f.pdf.GetY()+h > bottom {
		f.newPage()
	}
}

func (f *form) section(title string) {
	f.ensure(2*lineH + 3)
	p := f.pdf
	p.Ln(1.2)
	p.SetFont(document.FontFamily, "B", 9.5)
	p.SetFillColor(235, 235, 235)
	p.SetX(marginL)
	p.CellFormat(contentW, sectionH, document.Clean(title), "", 1, "L", true, 0, "")
	p.SetFont(document.FontFamily, "", bodyPt)
}

// row writes a label and its value side by side; an empty value is left out.
func (f *form) row(label, value string) { f.rowW(label, value, contentW-labelW) }

// rowW is row with the value column valueW wide.
func (f *form) rowW(label, value string, valueW float64) {
	if strings.TrimSpace(value) == "" {
		return
	}
	f.block([]column{{x: 0, w: labelW, text: []string{label}, gray: true}, {x: labelW, w: valueW, text: []string{value}}})
}

// text writes a long text across the whole width, one paragraph per line of s.
func (f *form) text(s string) {
	f.block([]column{{x: 0, w: contentW, text: []string{s}}})
}

func (f *form) tableHeader() {
	f.pdf.SetFont(document.FontFamily, "B", 7.5)
	f.block([]column{
		{x: 0, w: numW, text: []string{"№"}, gray: true},
		{x: numW, w: codeW, text: []string{"Код полномочия"}, gray: true},
		{x: numW + codeW, w: contentW - numW - codeW, text: []string{"Наименование полномочия и ограничения"}, gray: true},
	})
	f.pdf.SetFont(document.FontFamily, "", bodyPt)
}

// column is one column of a block: its offset from the left margin, its width and its paragraphs.
type column struct {
	x, w float64
	text []string
	gray bool
}

// block writes columns of wrapped text side by side and rules a line under them. A block that fits on a page
// is kept on one; a longer one (a free-text power of ten thousand characters) flows on, line by line.
func (f *form) block(cols []column) {
	p := f.pdf
	lines := make([][]string, len(cols))
	n := 0
	for i, c := range cols {
		for _, t := range c.text {
			for para := range strings.SplitSeq(t, "\n") {
				if para = document.Clean(para); para != "" {
					lines[i] = append(lines[i], p.SplitText(para, c.w-2)...)
				}
			}
		}
		n = max(n, len(lines[i]))
	}
	if n == 0 {
		return
	}
	if h := float64(n)*lineH + 1; p.GetY()+h > bottom && h <= bottom-contTop-2*lineH {
		f.newPage()
	}
	y := p.GetY() + 0.5
	for i := range n {
		if y+lineH > bottom {
			f.newPage()
			y = p.GetY() + 0.5
		}
		for ci, c := range cols {
			if i >= len(lines[ci]) {
				continue
			}
			if c.gray {
				p.SetTextColor(80, 80, 80)
			}
			p.SetXY(marginL+c.x, y)
			p.CellFormat(c.w, lineH, lines[ci][i], "", 0, "L", false, 0, "")
			p.SetTextColor(0, 0, 0)
		}
		y += lineH
	}
	y += 0.5
	p.SetDrawColor(220, 220, 220)
	p.Line(marginL, y, marginL+contentW, y)
	p.SetDrawColor(0, 0, 0)
	p.SetXY(marginL, y)
}

// webURL reports whether s is an absolute http(s) URL.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// qrMatrix encodes the status URL; nil when it is not a web address or cannot be encoded, and the form shows
// it as text only.
func qrMatrix(s string) *qr.QrCode {
	if !webURL(s) {
		return nil
	}
	code, err := qr.EncodeText(s, qr.Medium)
	if err != nil {
		return nil
	}
	return code
}

// drawQR draws the code side millimetres wide with its top left corner at x, y, with the quiet zone of four
// modules the standard asks for inside that square. Each horizontal run of dark modules is one rectangle.
func drawQR(p *fpdf.Fpdf, code *qr.QrCode, x, y, side float64) {
	const quiet = 4
	n := code.Size()
	m := side / float64(n+2*quiet)
	p.SetFillColor(0, 0, 0)
	for row := range n {
		for col := 0; col < n; {
			if !code.Module(col, row) {
				col++
				continue
			}
			start := col
			for col < n && code.Module(col, row) {
				col++
			}
			p.Rect(x+float64(quiet+start)*m, y+float64(quiet+row)*m, float64(col-start)*m, m, "F")
		}
	}
	p.SetFillColor(255, 255, 255)
}
