package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
)

// sortTH renders a list's sortable column header in l: a link that sorts by key ascending, or descending when
// the list is already sorted ascending by it; the filters stay and paging starts over. The current order is
// announced by aria-sort and an arrow; the other sortable columns carry a faint double arrow. Templates call it as {{sortTH .Data "key" "label"}}.
func (d listData) sortTH(l locale, key, label string) template.HTML {
	q := url.Values{}
	for k, v := range d.Q {
		if k != "cursor" && k != "sort" && len(v) > 0 && v[0] != "" {
			q[k] = v
		}
	}
	state := d.sortState(key)
	next := key
	if state == "ascending" {
		next = "-" + key
	}
	q.Set("sort", next)
	var b strings.Builder
	b.WriteString("<th")
	if state != "" {
		b.WriteString(` aria-sort="` + state + `"`)
	}
	b.WriteString(`><a class="sort" href="` + template.HTMLEscapeString(d.Base+"?"+q.Encode()) + `" title="` +
		template.HTMLEscapeString(fmt.Sprintf(l.T("list.sort_by"), label)) + `">` + template.HTMLEscapeString(label))
	switch state {
	case "ascending":
		b.WriteString(` <span aria-hidden="true">▲</span>`)
	case "descending":
		b.WriteString(` <span aria-hidden="true">▼</span>`)
	default: // a faint mark says the column sorts
		b.WriteString(` <span class="sortable" aria-hidden="true">↕</span>`)
	}
	b.WriteString("</a></th>")
	return template.HTML(b.String())
}

// sortState is "ascending", "descending" or "" for a column key under the requested sort.
func (d listData) sortState(key string) string {
	switch d.Q.Get("sort") {
	case key:
		return "ascending"
	case "-" + key:
		return "descending"
	}
	return ""
}
