package registration_test

import (
	"reflect"
	"testing"

	"github.com/kcr-project/kcr/internal/registration"
)

// Events written before details were redacted are shown through RedactDetail: it masks what they may hold.
func TestRedactDetail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in, want map[string]any
	}{
		{"nil", nil, nil},
		{"identity check", map[string]any{"from": "identity_verification", "method": "in_person_workplace",
			"document": "passport_rf 4512 654321"},
			map[string]any{"from": "identity_verification", "method": "in_person_workplace", "document": "passport_rf •••• ••••21"}},
		{"legal entity kept", map[string]any{"name": "ООО «Ромашка»", "inn": "7707083893", "ogrn": "1027700132195", "kind": "legal_entity"},
			map[string]any{"name": "ООО «Ромашка»", "inn": "7707083893", "ogrn": "1027700132195", "kind": "legal_entity"}},
		{"sole proprietor", map[string]any{"name": "ИП Петров", "inn": "526317984689", "ogrn": "304770100001231", "kind": "sole_proprietor"},
			map[string]any{"inn": "••••••••••89", "ogrn": "•••••••••••••31", "kind": "sole_proprietor"}},
		{"employee fields", map[string]any{"snils": "11223344595", "birth_date": "1985-04-12", "surname": "Иванов", "employee_id": "e1"},
			map[string]any{"employee_id": "e1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := registration.RedactDetail(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
