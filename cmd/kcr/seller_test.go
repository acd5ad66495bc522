package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSeller(t *testing.T) {
	valid := `{"name": "ООО «УЦ»", "inn": "3739972506", "kpp": "373901005", "ogrn": "5080950498679",
		"address": "Москва", "bank": "ПАО Сбербанк", "bic": "044525225", "account": "40702810938000000001",
		"corr_account": "30101810400000000225"}`
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := loadSeller(write("valid.json", valid))
	if err != nil || p.Name != "ООО «УЦ»" || p.Account != "40702810938000000001" || p.CorrAccount != "30101810400000000225" {
		t.Fatalf("valid file: %+v, %v", p, err)
	}
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"not JSON", `name = x`, []string{"not the expected JSON object"}},
		{"unknown field", strings.Replace(valid, `"name"`, `"title": "x", "name"`, 1), []string{"unknown field", "title"}},
		{"empty object", `{}`, []string{"name: required", "inn: required", "kpp: required", "bic: required"}},
		{"bad ИНН", strings.Replace(valid, "3739972506", "3739972507", 1), []string{"inn: check digit is wrong"}},
		{"account of another bank", strings.Replace(valid, "044525225", "044525593", 1),
			[]string{"account: control key does not match"}},
		{"settlement account as the correspondent one", strings.Replace(valid, "30101810400000000225", "40702810938000000001", 1),
			[]string{"corr_account: must start with 30101"}},
		{"foreign БИК", strings.Replace(valid, "044525225", "144525225", 1), []string{"bic: must start with 04"}},
		{"text after the object", valid + ` {}`, []string{"text after the JSON object"}},
		{"a sole proprietor with a КПП", strings.Replace(strings.Replace(valid, "3739972506", "500100732259", 1),
			"5080950498679", "304500116000157", 1), []string{"kpp: must be empty for a sole proprietor"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadSeller(write(strings.ReplaceAll(c.name, " ", "-")+".json", c.body))
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("serve refuses a bad file before it starts", func(t *testing.T) {
		var out bytes.Buffer
		code := run(context.Background(), []string{"serve", "--seller", write("bad.json", `{}`)}, &out, &out,
			func(string) string { return "" })
		if code != 2 || !strings.Contains(out.String(), "--seller") || !strings.Contains(out.String(), "inn: required") {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := loadSeller(filepath.Join(dir, "nope.json")); err == nil || !strings.Contains(err.Error(), "--seller") {
			t.Errorf("err = %v", err)
		}
	})
}

// kcr ca init --seller names the CA after the operator: ОГРН, ИНН ЮЛ, ST with the code from the ИНН, L and
// street from the address, O and CN its name.
func TestOperatorOptions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := `{"name": "ООО «УЦ»", "inn": "3739972506", "kpp": "373901005", "ogrn": "5080950498679",
		"address": "153000, г. Иваново, ул. Демонстрационная, д. 1", "bank": "ПАО Сбербанк", "bic": "044525225",
		"account": "40702810938000000001", "corr_account": "30101810400000000225"}`
	opt, err := operatorOptions(write("valid.json", valid), "Ивановская область")
	if err != nil {
		t.Fatal(err)
	}
	if opt.OGRN != "5080950498679" || opt.INN != "3739972506" || opt.Region != "37 Ивановская область" ||
		opt.Locality != "г. Иваново" || opt.Street != "ул. Демонстрационная, д. 1" || opt.Organization != "ООО «УЦ»" {
		t.Fatalf("options %+v", opt)
	}
	if opt, err := operatorOptions(write("valid2.json", valid), ""); err != nil || opt.Region != "37 г. Иваново" {
		t.Fatalf("default region: %+v, %v", opt, err)
	}
	if _, err := operatorOptions(write("no-street.json", strings.Replace(valid, "153000, г. Иваново, ул. Демонстрационная, д. 1", "Иваново", 1)), ""); err == nil ||
		!strings.Contains(err.Error(), "settlement and the street") {
		t.Fatalf("an address without settlement and street: %v", err)
	}
}
