package web

import (
	"net/url"
	"testing"

	"github.com/kcr-project/kcr/internal/storage"
)

func TestOrgSearchFilter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		q    string
		want storage.OrgFilter
	}{
		{"", storage.OrgFilter{}},
		{"Северный", storage.OrgFilter{NamePrefix: "Северный"}},
		{"7707083893", storage.OrgFilter{INN: "7707083893"}},
		{"500100732259", storage.OrgFilter{INN: "500100732259"}},
		{"781043001", storage.OrgFilter{KPP: "781043001"}},
		{"1027700132195", storage.OrgFilter{OGRN: "1027700132195"}},
		{"2024", storage.OrgFilter{NamePrefix: "2024"}},
		{"Ромашка 2024", storage.OrgFilter{NamePrefix: "Ромашка 2024"}},
	} {
		t.Run(c.q, func(t *testing.T) {
			t.Parallel()
			if got := orgSearch(c.q); got != c.want {
				t.Errorf("orgSearch(%q) = %+v, want %+v", c.q, got, c.want)
			}
		})
	}
}

// TestWordSearchPages: the organizations page has a search box that finds a word inside the name (not only
// the name's beginning), and the employee and application searches match any of the person's names.
func TestWordSearchPages(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("account_admin")
	r := b.get("/ui/organizations")
	contains(t, "search box", r.body, `name="q"`, "Название (слово или часть слова), ИНН, КПП или ОГРН")
	r = b.get("/ui/organizations?q=" + url.QueryEscape("ромаш"))
	contains(t, "part of a word", r.body, orgAName, "Филиал ООО «Ромашка» в Санкт-Петербурге", `value="ромаш"`)
	lacks(t, "part of a word", r.body, orgBName)
	r = b.get("/ui/organizations?q=" + url.QueryEscape("василек"))
	contains(t, "ё typed as е", r.body, orgBName)
	lacks(t, "ё typed as е", r.body, orgAName)
	r = b.get("/ui/organizations?q=" + url.QueryEscape("петербург"))
	contains(t, "a later word", r.body, "Филиал ООО «Ромашка» в Санкт-Петербурге")
	r = b.get("/ui/organizations?q=" + orgBINN)
	contains(t, "ИНН", r.body, orgBName)
	lacks(t, "ИНН", r.body, orgAName)
	r = b.get("/ui/organizations?q=" + url.QueryEscape("Нет такой"))
	contains(t, "nothing", r.body, "Ничего не найдено")

	r = b.get("/ui/employees?q=" + url.QueryEscape("петрович"))
	contains(t, "employee by patronymic", r.body, empAName)
	r = b.get("/ui/applications?employee=" + url.QueryEscape("Иван Петрович") + "&org=" + url.QueryEscape("ромашка"))
	contains(t, "application by given name and a word of the organization", r.body, empAName, orgAName)
}
