package roster

import (
	"bytes"
	"encoding/csv"
)

// TemplateName is the template's file name.
const TemplateName = "сотрудники.csv"

// templateExample is the template's example row, in the columns' order: what each column expects, written
// as people write it (dates ДД.ММ.ГГГГ, the document type in words).
var templateExample = map[string]string{
	"organization_inn": "7707083893", "organization_kpp": "773601001", "surname": "Иванов", "given_name": "Иван",
	"patronymic": "Иванович", "birth_date": "12.04.1985", "snils": "112-233-445 95", "inn": "500100732259",
	"email": "ivanov@example.ru", "phone": "+7 916 123-45-67", "position": "Бухгалтер", "doc_type": "паспорт РФ",
	"doc_series": "4510", "doc_number": "123456", "doc_issue_date": "20.05.2010", "doc_issuer": "ОВД района Арбат г. Москвы",
	"doc_issuer_code": "772-001",
}

// Template is a CSV file to fill in: UTF-8 with a byte order mark (so that Excel reads it as UTF-8), «;»
// separated (as Russian Excel splits it into columns), the Russian headers and one example row.
func Template() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	var header, example []string
	for _, c := range Columns {
		header = append(header, c.Header)
		example = append(example, templateExample[c.Code])
	}
	_ = w.Write(header) // a bytes.Buffer does not fail
	_ = w.Write(example)
	w.Flush()
	return b.Bytes()
}
