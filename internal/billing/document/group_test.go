package document

import (
	"testing"
	"time"
)

// A consolidated invoice prints each organization's lines under its name with a subtotal, every table has
// a unit column, and the act carries its own date (the period's last day).
func TestConsolidatedPDFText(t *testing.T) {
	inv := sampleInvoice()
	inv.Date = time.Date(2026, 12, 1, 0, 0, 0, 0, msk)
	inv.ActDate = time.Date(2026, 11, 30, 0, 0, 0, 0, msk)
	inv.Lines[0].Group = "ООО «Ромашка и партнёры», ИНН 5408123456"
	inv.Lines[1].Group = "Филиал «Восток», ИНН 5408123456, КПП 540802001"
	inv.Lines[2].Group = inv.Lines[1].Group
	inv.Lines[2].Unit = "усл."
	pdf, err := InvoicePDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, "invoice-consolidated.pdf", pdf)
	assertContains(t, pdfText(t, pdf),
		"Счёт на оплату № КЦР-2026-000123 от 01.12.2026",
		"Кол-во Ед. Цена Сумма",
		"ООО «Ромашка и партнёры», ИНН 5408123456",
		"Итого по организации: 1 500,00",
		"Филиал «Восток», ИНН 5408123456, КПП 540802001",
		"Итого по организации: 3 700,50",
		"2 усл. 600,00 1 200,00",
		"1 шт. 1 500,00 1 500,00",
	)
	act, err := ActPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, pdfText(t, act), "Акт № КЦР-2026-000123 от 30.11.2026", "Итого по организации: 3 700,50")
}
