package document

import (
	"fmt"
	"time"
)

// sampleInvoice is a realistic invoice: three lines stated without VAT, VAT 22%.
func sampleInvoice() Invoice {
	lines := []Line{
		{Description: "Сертификат ключа проверки электронной подписи физического лица, серийный номер 4f3a9c01d2e5b6a7, И. И. Иванов", Quantity: 1, PriceKopecks: 150000, AmountKopecks: 150000},
		{Description: "Сертификат сотрудника юридического лица, серийный номер 7b21e0aa93c4f5d6, Ё. Ж. Щукина", Quantity: 1, PriceKopecks: 250050, AmountKopecks: 250050},
		{Description: "Идентификация руководителя в сервисном центре «Север», г. Архангельск", Quantity: 2, PriceKopecks: 60000, AmountKopecks: 120000},
	}
	var net int64
	for _, l := range lines {
		net += l.AmountKopecks
	}
	vat := net * 22 / 100 // 520050 × 0,22 = 114411 exactly
	return Invoice{
		Number: "КЦР-2026-000123",
		Date:   time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		Period: "2026-11",
		Seller: Party{
			Name: "АО «Корпоративный центр регистрации»", INN: "7701234567", KPP: "770101001", OGRN: "1027700000001",
			Address: "101000, г. Москва, ул. Мясницкая, д. 1, стр. 2",
			Bank:    "ПАО Сбербанк, г. Москва", BIC: "044525225", Account: "40702810938000000001", CorrAccount: "30101810400000000225",
		},
		Buyer: Party{
			Name: "ООО «Ромашка и партнёры»", INN: "5408123456", KPP: "540801001", OGRN: "1155476000002",
			Address: "630099, г. Новосибирск, Красный проспект, д. 10, офис 5",
		},
		Lines:      lines,
		NetKopecks: net, VATKopecks: vat, TotalKopecks: net + vat, VATRatePercent: 22,
	}
}

// longInvoice has n lines, enough to run over several pages.
func longInvoice(n int) Invoice {
	inv := sampleInvoice()
	inv.Lines = nil
	var net int64
	for i := range n {
		p := int64(100000 + 1000*i)
		inv.Lines = append(inv.Lines, Line{
			Description: fmt.Sprintf("Сертификат физического лица, серийный номер %016x, сотрудник № %d", 0xabc000+i, i+1),
			Quantity:    1, PriceKopecks: p, AmountKopecks: p,
		})
		net += p
	}
	inv.NetKopecks, inv.VATKopecks, inv.TotalKopecks = net, net*22/100, net+net*22/100
	return inv
}
