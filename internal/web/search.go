package web

import (
	"strings"

	"github.com/kcr-project/kcr/internal/storage"
)

// orgSearch reads the organizations page's search box: digits alone are an ИНН (10 or 12 digits), a КПП (9)
// or an ОГРН/ОГРНИП (13 or 15); anything else is words of the name, each matching any part of a word.
func orgSearch(q string) storage.OrgFilter {
	if q == "" || strings.Trim(q, "0123456789") != "" {
		return storage.OrgFilter{NamePrefix: q}
	}
	switch len(q) {
	case 10, 12:
		return storage.OrgFilter{INN: q}
	case 9:
		return storage.OrgFilter{KPP: q}
	case 13, 15:
		return storage.OrgFilter{OGRN: q}
	}
	return storage.OrgFilter{NamePrefix: q}
}
