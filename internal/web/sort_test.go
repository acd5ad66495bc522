package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// order reports whether the texts appear in body in the given order, each once at least.
func order(body string, texts ...string) bool {
	last := -1
	for _, s := range texts {
		i := strings.Index(body, s)
		if i < 0 || i < last {
			return false
		}
		last = i
	}
	return true
}

func TestSortedLists(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	for _, c := range []struct {
		name, path string
		want       []string
		header     string // the sorted column's header, with its next link
	}{
		{"certificates by expiry", "/ui/certificates?sort=not_after", []string{certA, certLegacy, certB},
			`<th aria-sort="ascending"><a class="sort" href="/ui/certificates?sort=-not_after"`},
		{"certificates by expiry, latest first", "/ui/certificates?sort=-not_after", []string{certB, certLegacy, certA},
			`<th aria-sort="descending"><a class="sort" href="/ui/certificates?sort=not_after"`},
		{"certificates of A by expiry, latest first", "/ui/certificates?sort=-not_after&inn=" + orgAINN, []string{certLegacy, certA},
			`<th aria-sort="descending"><a class="sort" href="/ui/certificates?inn=` + orgAINN + `&amp;sort=not_after"`},
		{"employees by name", "/ui/employees?sort=name", []string{empAName, empBName},
			`<th aria-sort="ascending"><a class="sort" href="/ui/employees?sort=-name"`},
		{"employees by name, descending", "/ui/employees?sort=-name", []string{empBName, empAName},
			`<th aria-sort="descending"><a class="sort" href="/ui/employees?sort=name"`},
		{"applications by organization", "/ui/applications?sort=organization", []string{orgBName, orgAName},
			`<th aria-sort="ascending"><a class="sort" href="/ui/applications?sort=-organization"`},
		{"applications by organization, descending", "/ui/applications?sort=-organization", []string{orgAName, orgBName},
			`<th aria-sort="descending"><a class="sort" href="/ui/applications?sort=organization"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := b.get(c.path)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: %d", c.path, r.status)
			}
			body := r.body[strings.Index(r.body, "<tbody>"):]
			if !order(body, c.want...) {
				t.Errorf("rows not in the order %v", c.want)
			}
			contains(t, c.name, r.body, c.header)
			sort := c.path[strings.Index(c.path, "sort=")+5:]
			sort, _, _ = strings.Cut(sort, "&")
			contains(t, c.name+": the search form keeps the order", r.body, `<input type="hidden" name="sort" value="`+sort+`">`)
		})
	}
	t.Run("unknown sort", func(t *testing.T) {
		r := b.get("/ui/certificates?sort=" + url.QueryEscape("serial; DROP TABLE certificates"))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.status)
		}
		contains(t, "unknown sort", r.body, "Такой сортировки у списка нет")
		lacks(t, "unknown sort", r.body, "must be one of")
	})
	t.Run("a page link of another order offers the first page", func(t *testing.T) {
		// The next-page link of a list sorted by expiry, followed after the order changed.
		stale := base64.RawURLEncoding.EncodeToString([]byte(`k1:["not_after",1,"x"]`))
		r := b.get("/ui/certificates?sort=-serial&inn=" + orgAINN + "&cursor=" + stale)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.status)
		}
		contains(t, "stale cursor", r.body, "Ссылка на эту страницу списка устарела",
			`href="/ui/certificates?inn=`+orgAINN+`&amp;sort=-serial"`)
	})
	t.Run("another organization's administrator sorts only their own", func(t *testing.T) {
		ob := e.browser()
		ob.login("org_admin_b")
		r := ob.get("/ui/certificates?sort=-not_after")
		contains(t, "B sorted", r.body, certB)
		lacks(t, "B sorted", r.body, certA, certLegacy)
	})
}

func TestSortHeader(t *testing.T) {
	for _, c := range []struct {
		name string
		q    url.Values
		key  string
		want template.HTML
	}{
		{"unsorted column", url.Values{"inn": {"7707083893"}, "cursor": {"abc"}}, "name",
			`<th><a class="sort" href="/ui/x?inn=7707083893&amp;sort=name" title="Сортировать по столбцу «ФИО»">ФИО <span class="sortable" aria-hidden="true">↕</span></a></th>`},
		{"ascending toggles to descending, page starts over", url.Values{"sort": {"name"}, "cursor": {"abc"}}, "name",
			`<th aria-sort="ascending"><a class="sort" href="/ui/x?sort=-name" title="Сортировать по столбцу «ФИО»">ФИО <span aria-hidden="true">▲</span></a></th>`},
		{"descending toggles back", url.Values{"sort": {"-name"}}, "name",
			`<th aria-sort="descending"><a class="sort" href="/ui/x?sort=name" title="Сортировать по столбцу «ФИО»">ФИО <span aria-hidden="true">▼</span></a></th>`},
		{"another column sorted", url.Values{"sort": {"-position"}, "q": {`"<&>`}}, "name",
			`<th><a class="sort" href="/ui/x?q=%22%3C%26%3E&amp;sort=name" title="Сортировать по столбцу «ФИО»">ФИО <span class="sortable" aria-hidden="true">↕</span></a></th>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := listData{Q: c.q, Base: "/ui/x"}
			if got := d.sortTH(ru, c.key, "ФИО"); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
