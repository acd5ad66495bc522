package certform

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kcr-project/kcr/internal/billing/document"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageH    = 297.0
	marginL  = 18.0
	marginT  = 12.0
	contentW = 210.0 - 2*marginL
	bottom   = pageH - 18.0
	labelW   = 66.0
	lineH    = 3.9
	bodyPt   = 8.5
)

// msk is Moscow time, in which the form is dated; a fixed zone, so the bytes do not depend on tzdata.
var msk = time.FixedZone("MSK", 3*60*60)

// PDF prints the certificate form a holder signs on receiving the certificate: "Сертификат ключа проверки
// электронной подписи" with the serial number and thumbprint, the validity and key usage periods, the
// holder and the issuer, the public key, the extensions in words, and the signature lines of the holder
// and of the CA's authorized person. d should be read unmasked: the holder signs for these very data.
// The PDF is dated at the certificate's start, so the same certificate always gives the same bytes.
func PDF(d *Details) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("certform: rendering the form of %s: %v", d.Serial, p)
		}
	}()
	pdf := document.NewPDF(d.NotBefore)
	pdf.SetMargins(marginL, marginT, marginL)
	pdf.SetAutoPageBreak(false, 0)
	title := "Сертификат ключа проверки электронной подписи"
	pdf.SetTitle(title+" "+d.Serial, true)
	pdf.SetCreator("kcr", true)
	pdf.SetLang("ru-RU")
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetFont(document.FontFamily, "", 6.5)
		pdf.SetTextColor(110, 110, 110)
		pdf.SetXY(marginL, pageH-12)
		pdf.CellFormat(contentW/2, 4, "Сертификат № "+d.Serial, "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/2, 4, "Страница "+strconv.Itoa(pdf.PageNo())+" из {nb}", "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	f := &form{pdf: pdf}

	pdf.SetFont(document.FontFamily, "B", 13)
	pdf.MultiCell(contentW, 6, title, "", "C", false)
	pdf.SetFont(document.FontFamily, "", bodyPt)
	pdf.MultiCell(contentW, lineH, "квалифицированный сертификат, выданный в соответствии с Федеральным законом "+
		"от 06.04.2011 № 63-ФЗ «Об электронной подписи»", "", "C", false)
	pdf.Ln(3)

	f.section("Сведения о сертификате")
	f.row("Серийный номер", d.Serial)
	f.row("Отпечаток (SHA-1)", d.Thumbprint)
	f.row("Срок действия сертификата", period(d.NotBefore, d.NotAfter))
	if !d.KeyFrom.IsZero() || !d.KeyTo.IsZero() {
		f.row("Срок действия ключа электронной подписи", period(d.KeyFrom, d.KeyTo))
	}
	f.section("Владелец сертификата")
	for _, fl := range d.Subject {
		f.row(Word(fl.Key), fl.Value)
	}
	f.section("Издатель сертификата")
	for _, fl := range d.Issuer {
		f.row(Word(fl.Key), fl.Value)
	}
	f.section("Ключ проверки электронной подписи")
	if d.KeyBits > 0 {
		f.row("Алгоритм", fmt.Sprintf("ГОСТ Р 34.10-2012, %d бит", d.KeyBits))
	}
	f.row("Значение", d.PublicKey)
	f.section("Расширения сертификата")
	f.row("Использование ключа", words(d.KeyUsage))
	f.row("Назначение (расширенное использование ключа)", words(d.ExtKeyUsage))
	f.row("Класс средства электронной подписи", strings.Join(d.Policies, ", "))
	f.row("Средство электронной подписи владельца", d.SubjectTool)
	f.row("Средства электронной подписи и УЦ издателя", strings.Join(d.IssuerTools, "; "))
	if d.Identification >= 0 {
		f.row("Способ идентификации владельца", Word("ident_"+strconv.Itoa(d.Identification)))
	}
	f.row("Список отозванных сертификатов", strings.Join(d.CRL, "\n"))
	f.row("Служба проверки статуса (OCSP)", strings.Join(d.OCSP, "\n"))
	f.row("Сертификат издателя", strings.Join(d.CAIssuers, "\n"))
	f.signatures(holderName(d))

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("certform: rendering the form of %s: %w", d.Serial, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certform: writing the form of %s: %w", d.Serial, err)
	}
	return buf.Bytes(), nil
}

// form draws the rows, moving to a new page when one does not fit.
type form struct{ pdf *fpdf.Fpdf }

func (f *form) ensure(h float64) {
	if f.pdf.GetY()+h > bottom {
		f.pdf.AddPage()
		f.pdf.SetXY(marginL, marginT)
	}
}

func (f *form) section(title string) {
	f.ensure(2*lineH + 3)
	f.pdf.Ln(1.2)
	f.pdf.SetFont(document.FontFamily, "B", 9.5)
	f.pdf.SetFillColor(235, 235, 235)
	f.pdf.CellFormat(contentW, lineH+1.5, document.Clean(title), "", 1, "L", true, 0, "")
	f.pdf.SetFont(document.FontFamily, "", bodyPt)
}

// row writes a label and its value side by side, each wrapped in its column; an empty value is left out.
func (f *form) row(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	p := f.pdf
	labels := p.SplitText(document.Clean(label), labelW-2)
	var values []string
	for _, part := range strings.Split(value, "\n") {
		values = append(values, p.SplitText(document.Clean(part), contentW-labelW-2)...)
	}
	h := float64(max(len(labels), len(values)))*lineH + 1
	f.ensure(h)
	y := p.GetY()
	p.SetTextColor(80, 80, 80)
	for i, l := range labels {
		p.SetXY(marginL, y+0.5+float64(i)*lineH)
		p.CellFormat(labelW-2, lineH, l, "", 0, "L", false, 0, "")
	}
	p.SetTextColor(0, 0, 0)
	for i, v := range values {
		p.SetXY(marginL+labelW, y+0.5+float64(i)*lineH)
		p.CellFormat(contentW-labelW, lineH, v, "", 0, "L", false, 0, "")
	}
	p.SetDrawColor(220, 220, 220)
	p.Line(marginL, y+h, marginL+contentW, y+h)
	p.SetDrawColor(0, 0, 0)
	p.SetXY(marginL, y+h)
}

// signatures writes the holder's acknowledgement and the two signature lines, each with its date.
func (f *form) signatures(holder string) {
	p := f.pdf
	f.ensure(34)
	p.Ln(4)
	p.SetFont(document.FontFamily, "", bodyPt)
	p.MultiCell(contentW, lineH, "Сертификат ключа проверки электронной подписи получил(а). С содержанием сертификата "+
		"ознакомлен(а), сведения в нём верны.", "", "L", false)
	line := func(role, name string) {
		p.Ln(6)
		y := p.GetY()
		p.SetXY(marginL, y)
		p.CellFormat(44, lineH, role, "", 0, "L", false, 0, "")
		p.Line(marginL+44, y+lineH, marginL+78, y+lineH)
		p.SetXY(marginL+78, y)
		p.CellFormat(4, lineH, "/", "", 0, "C", false, 0, "")
		p.SetXY(marginL+82, y)
		p.CellFormat(44, lineH, document.Clean(name), "B", 0, "C", false, 0, "")
		p.SetXY(marginL+126, y)
		p.CellFormat(4, lineH, "/", "", 0, "C", false, 0, "")
		p.SetXY(marginL+130, y)
		p.CellFormat(contentW-130, lineH, "«___» __________ 20___ г.", "", 0, "R", false, 0, "")
		p.SetFont(document.FontFamily, "", 6.5)
		p.SetXY(marginL+44, y+lineH)
		p.CellFormat(34, 3, "подпись", "", 0, "C", false, 0, "")
		p.SetXY(marginL+82, y+lineH)
		p.CellFormat(44, 3, "фамилия и инициалы", "", 0, "C", false, 0, "")
		p.SetXY(marginL+130, y+lineH)
		p.CellFormat(contentW-130, 3, "дата", "", 0, "C", false, 0, "")
		p.SetFont(document.FontFamily, "", bodyPt)
		p.SetXY(marginL, y+lineH+3)
	}
	line("Владелец сертификата", holder)
	line("Уполномоченное лицо УЦ", "")
	p.Ln(3)
	p.CellFormat(contentW, lineH, "М. П.", "", 1, "L", false, 0, "")
}

// holderName is the holder's surname and initials for the signature line: "Иванов И. П.".
func holderName(d *Details) string {
	for _, f := range d.Subject {
		if f.Key != "fio" {
			continue
		}
		parts := strings.Fields(f.Value)
		if len(parts) == 0 {
			return ""
		}
		out := parts[0]
		for _, p := range parts[1:] {
			out += " " + string([]rune(p)[0]) + "."
		}
		return out
	}
	return ""
}

func words(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = Word(c)
	}
	return strings.Join(out, ", ")
}

// period writes "с 02.01.2026 10:00 по 02.01.2027 10:00 (МСК)", leaving out a missing end.
func period(from, to time.Time) string {
	var parts []string
	if !from.IsZero() {
		parts = append(parts, "с "+from.In(msk).Format("02.01.2006 15:04"))
	}
	if !to.IsZero() {
		parts = append(parts, "по "+to.In(msk).Format("02.01.2006 15:04"))
	}
	return strings.Join(parts, " ") + " (МСК)"
}
