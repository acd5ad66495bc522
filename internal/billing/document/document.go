// Package document renders the paper side of a closed billing period: the invoice (счёт на оплату) and
// the act of services rendered (акт оказанных услуг) as PDF, and the same lines as CSV for a
// spreadsheet. Everything here is a pure function of an Invoice value: no database, no clock, so the
// same invoice always gives the same bytes and a document can be re-rendered years later exactly as
// it was first issued.
//
// The PDFs embed DejaVu Sans (fonts/, Bitstream Vera licence with DejaVu changes in the public domain,
// see fonts/LICENSE-DejaVu.txt) because the 14 standard PDF fonts have no Cyrillic; they are drawn
// with github.com/go-pdf/fpdf (MIT).
//
// Amounts are int64 kopecks throughout, as in the rest of billing; they are turned into rubles only
// for display (FormatRubles, AmountInWords).
package document

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Party is one side of the invoice: the CA operator (seller) or the paying organization (buyer).
type Party struct {
	Name    string // full name as registered: "ООО «Ромашка»"
	INN     string
	KPP     string // empty for an individual entrepreneur
	OGRN    string // ОГРН or ОГРНИП
	Address string
	// Payment details. The seller's are required on an invoice (they are what the buyer pays to);
	// the buyer's may be empty and are printed on the act only when present.
	Bank, BIC, Account, CorrAccount string
}

// Line is one billed item: typically one certificate or one service-center identification.
type Line struct {
	Description string // "Сертификат физического лица, серийный номер 4f3a…, И. И. Иванов"
	Quantity    int
	Unit        string // unit of measure as printed: "шт." or "усл."; empty prints "шт."
	// Group is the organization the line was charged to on a consolidated invoice ("ООО «Ромашка», ИНН …"):
	// consecutive lines of one group are printed under its name with a subtotal. Empty on a per-payer invoice.
	Group         string
	PriceKopecks  int64
	AmountKopecks int64 // Quantity × PriceKopecks
}

// Invoice is the data both documents show.
//
// Line amounts may be stated either without VAT (they add up to NetKopecks) or with VAT (they add up
// to TotalKopecks); the documents detect which and word the totals accordingly:
//
//	without VAT: Итого: net   / НДС 22%: vat              / Всего к оплате: total
//	with VAT:    Итого: total / В том числе НДС 22%: vat  / Всего к оплате: total
type Invoice struct {
	Number         string    // "КЦР-2026-000123"; the act carries the same number
	Date           time.Time // the invoice's date, shown as 01.12.2026 in Moscow time; also the PDF creation date
	ActDate        time.Time // the act's date (the period's last day); zero means Date
	Period         string    // "2026-11", shown as "ноябрь 2026 г."
	Seller, Buyer  Party
	Lines          []Line
	NetKopecks     int64
	VATKopecks     int64
	TotalKopecks   int64
	VATRatePercent int // whole percent: 20, 22; 0 with VATKopecks 0 prints "Без НДС"
}

// msk is Moscow time, in which Russian documents are dated. A fixed UTC+3 zone rather than
// time.LoadLocation("Europe/Moscow"): Moscow has had no daylight saving since 2014, and a fixed zone
// does not depend on the tzdata of the machine rendering the document.
var msk = time.FixedZone("MSK", 3*60*60)

// actDate is the date the act carries.
func (inv Invoice) actDate() time.Time {
	if inv.ActDate.IsZero() {
		return inv.Date
	}
	return inv.ActDate
}

// unit is a line's unit of measure as printed.
func (l Line) unit() string {
	if l.Unit == "" {
		return "шт."
	}
	return l.Unit
}

// docDate formats a document date the Russian way, in Moscow time: 30.11.2026.
func docDate(t time.Time) string { return t.In(msk).Format("02.01.2006") }

// vatIncluded reports whether the line amounts already contain VAT (they add up to the total rather
// than to the net). With no VAT both sums agree and the answer does not matter.
func (inv Invoice) vatIncluded() bool {
	return inv.linesSum() == inv.TotalKopecks && inv.VATKopecks != 0
}

func (inv Invoice) linesSum() int64 {
	var s int64
	for _, l := range inv.Lines {
		s += l.AmountKopecks
	}
	return s
}

// validate refuses an invoice whose figures do not agree with each other. A document with a wrong
// sum is worse than no document: it is a legal paper the client's accountant books as it is, so the
// inconsistency must surface as an error at rendering, not on the client's side.
func validate(inv Invoice, needSellerBank bool) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if strings.TrimSpace(inv.Number) == "" {
		bad("no number")
	}
	if inv.Date.IsZero() {
		bad("no date")
	}
	if MonthName(inv.Period) == "" {
		bad("period %q is not YYYY-MM", inv.Period)
	}
	if strings.TrimSpace(inv.Seller.Name) == "" || strings.TrimSpace(inv.Seller.INN) == "" {
		bad("seller needs a name and an ИНН")
	}
	if strings.TrimSpace(inv.Buyer.Name) == "" || strings.TrimSpace(inv.Buyer.INN) == "" {
		bad("buyer needs a name and an ИНН")
	}
	if needSellerBank && (strings.TrimSpace(inv.Seller.Account) == "" || strings.TrimSpace(inv.Seller.BIC) == "" ||
		strings.TrimSpace(inv.Seller.Bank) == "") {
		bad("an invoice needs the seller's bank, БИК and account")
	}
	if len(inv.Lines) == 0 {
		bad("no lines")
	}
	var sum int64
	for i, l := range inv.Lines {
		n := i + 1
		if strings.TrimSpace(l.Description) == "" {
			bad("line %d: no description", n)
		}
		if l.Quantity <= 0 {
			bad("line %d: quantity %d is not positive", n, l.Quantity)
		}
		if l.PriceKopecks < 0 || l.AmountKopecks < 0 {
			bad("line %d: negative price or amount", n)
		}
		if l.Quantity > 0 && l.PriceKopecks >= 0 && l.AmountKopecks != int64(l.Quantity)*l.PriceKopecks {
			bad("line %d: amount %d ≠ %d × %d", n, l.AmountKopecks, l.Quantity, l.PriceKopecks)
		}
		sum += l.AmountKopecks
	}
	if inv.NetKopecks < 0 || inv.VATKopecks < 0 || inv.TotalKopecks < 0 {
		bad("negative totals")
	}
	if inv.NetKopecks+inv.VATKopecks != inv.TotalKopecks {
		bad("net %d + VAT %d ≠ total %d", inv.NetKopecks, inv.VATKopecks, inv.TotalKopecks)
	}
	if sum != inv.NetKopecks && sum != inv.TotalKopecks {
		bad("lines add up to %d, which is neither the net %d nor the total %d", sum, inv.NetKopecks, inv.TotalKopecks)
	}
	if inv.VATRatePercent < 0 || inv.VATRatePercent > 100 {
		bad("VAT rate %d%% is out of range", inv.VATRatePercent)
	}
	if inv.VATRatePercent == 0 && inv.VATKopecks != 0 {
		bad("VAT %d with a zero rate", inv.VATKopecks)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("document: invoice %q: %w", inv.Number, err)
	}
	return nil
}
