package web

import (
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/roster"
)

// Russian formats on screen: calendar dates stored as "2006-01-02" text, billing periods, phone numbers and
// the names of kcr's own codes (certification authorities, issuers). The English interface keeps ISO dates,
// which are unambiguous there.

// formatFuncs are the template functions of this file, speaking l.
func formatFuncs(l locale) template.FuncMap {
	return template.FuncMap{
		"day":       l.day,
		"month":     l.month,
		"phone":     formatPhone,
		"issuer":    l.issuerName,
		"authority": l.authorityName,
		"filtered":  filtered,
		"document":  l.documentText,
	}
}

// documentText is a verification's document as recorded ("passport_rf •••• ••••56") with its type named
// in words ("Паспорт гражданина РФ •••• ••••56").
func (l locale) documentText(s string) string {
	code, rest, _ := strings.Cut(s, " ")
	if name, ok := l.text("doc." + code); ok && slices.Contains(model.DocumentTypes, model.DocumentType(code)) {
		return strings.TrimSpace(name + " " + rest)
	}
	return s
}

// day is a calendar date kept as "2006-01-02" text (a birth date, a document's issue date, a tariff's
// bound) as l writes dates; anything else is shown as stored.
func (l locale) day(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || l == en {
		return s
	}
	return t.Format("02.01.2006")
}

// month is a "2006-01" billing period as l names it: "декабрь 2026", "December 2026"; anything else is
// shown as stored.
func (l locale) month(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return l.T("month."+t.Format("01")) + " " + t.Format("2006")
}

// period names a billing period of months months starting at "2006-01" as l says it: "декабрь 2026", a
// quarter as "октябрь — декабрь 2026" (a span across a new year names both years); anything else is shown
// as stored.
func (l locale) period(period string, months int) string {
	start, err := time.Parse("2006-01", period)
	if err != nil || months <= 1 {
		return l.month(period)
	}
	name := func(t time.Time) string { return l.T("month." + t.Format("01")) }
	end := start.AddDate(0, months-1, 0)
	if end.Year() != start.Year() {
		return l.month(period) + " — " + l.month(end.Format("2006-01"))
	}
	return name(start) + " — " + name(end) + " " + start.Format("2006")
}

// isoPeriod accepts a period as "12.2026" (or "12/2026") too and turns it into "2026-12"; anything else is
// left as entered, for the service to judge.
func isoPeriod(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"01.2006", "1.2006", "01/2006", "1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01")
		}
	}
	return s
}

// formatPhone writes a Russian number (+7 and 10 digits, 8 and 10 digits, or 10 digits) as
// "+7 (912) 345-67-89"; any other number is shown as stored.
func formatPhone(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == '+' || c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return s
		}
	}
	intl := strings.HasPrefix(strings.TrimSpace(s), "+")
	switch {
	case len(d) == 11 && (d[0] == '7' || d[0] == '8' && !intl):
		d = d[1:]
	case len(d) != 10 || intl:
		return s
	}
	return "+7 (" + string(d[:3]) + ") " + string(d[3:6]) + "-" + string(d[6:8]) + "-" + string(d[8:])
}

// issuerName names a certificate's issuer: kcr's own CAs and the state CAs' stand-ins by their names in
// the catalogue ("issuer.<id>"); an issuer the catalogue does not know is shown as recorded.
func (l locale) issuerName(id string) string {
	if s, ok := l.text("issuer." + id); ok {
		return s
	}
	return id
}

// authorityName names the certification authority an application's certificate comes from.
func (l locale) authorityName(a model.Authority) string {
	if s, ok := l.text("authority." + string(a)); ok {
		return s
	}
	return string(a)
}

// filtered reports whether a list's query narrows it (a search or a filter, not only an order or a page):
// the folded filters of a narrow screen open then, to show what narrowed the list.
func filtered(q url.Values) bool {
	for k, v := range q {
		if k == "sort" || k == "cursor" {
			continue
		}
		for _, x := range v {
			if strings.TrimSpace(x) != "" {
				return true
			}
		}
	}
	return false
}

// importColumnLabels are the catalogue keys of the import file's columns, so that a row's problem names the
// column as the form does ("СНИЛС: …"), not by its code.
var importColumnLabels = map[string]string{"organization_inn": "impcol.organization_inn", "organization_kpp": "impcol.organization_kpp",
	"surname": "emp.surname", "given_name": "emp.given_name", "patronymic": "emp.patronymic", "birth_date": "emp.birth_date",
	"snils": "emp.snils", "inn": "emp.inn", "email": "emp.email", "phone": "emp.phone", "position": "emp.position",
	"doc_type": "emp.doc_type", "doc_series": "emp.doc_series", "doc_number": "emp.doc_number", "doc_issue_date": "emp.doc_issued",
	"doc_issuer": "emp.doc_issuer", "doc_issuer_code": "emp.doc_code"}

// importColumn names an import column as the file wrote its header (the words the user knows), or, for a
// header written as kcr's code or a column the file lacks, in l's words.
func (l locale) importColumn(f *roster.File, col string) string {
	if h := f.Header(col); h != col {
		return h
	}
	return l.columnName(col)
}

// columnName is an import column's name in l; a column without one is named by its code.
func (l locale) columnName(col string) string {
	if k, ok := importColumnLabels[col]; ok {
		return l.T(k)
	}
	return col
}

// fieldName names a request field as the forms label it: the search box, or the employee, organization or
// import column label the catalogue has for it; a field no form labels is "одно из полей" rather than its code.
func (l locale) fieldName(field string) string {
	for _, key := range []string{"field." + field, "emp." + field, "org." + field, importColumnLabels[field]} {
		if s, ok := l.text(key); key != "" && ok {
			return "«" + s + "»"
		}
	}
	return l.T("field.unknown")
}
