package registration

import (
	"maps"

	"github.com/kcr-project/kcr/internal/model"
)

// RedactDetail returns an audit detail or feed payload without personal data in clear: the identity document
// masked, a person's ИНН and ОГРНИП (a sole proprietor's, 12 and 15 digits) masked, and a sole proprietor's
// name (the person's name) dropped. The full values stay in their own tables behind the scope checks. record
// applies it to everything it writes; readers of the audit log apply it again to events written before.
func RedactDetail(detail map[string]any) map[string]any {
	if detail == nil {
		return nil
	}
	out := maps.Clone(detail)
	if s, ok := out["document"].(string); ok {
		out["document"] = MaskDocument(s)
	}
	if s, ok := out["inn"].(string); ok && digits(s) == 12 {
		out["inn"] = MaskDocument(s)
	}
	if s, ok := out["ogrn"].(string); ok && digits(s) == 15 {
		out["ogrn"] = MaskDocument(s)
	}
	if out["kind"] == string(model.OrgSoleProprietor) {
		delete(out, "name")
	}
	for _, k := range personalKeys {
		delete(out, k)
	}
	return out
}

// personalKeys are an employee's fields: no detail needs them, the employee's id names the person.
var personalKeys = []string{"surname", "given_name", "patronymic", "birth_date", "snils", "email", "phone"}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
