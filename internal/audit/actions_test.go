package audit_test

import (
	"testing"

	"github.com/kcr-project/kcr/internal/audit"
)

func TestActionsAreClosed(t *testing.T) {
	t.Parallel()
	seen := map[audit.Action]bool{}
	for _, a := range audit.Actions {
		if !a.Known() || seen[a] {
			t.Errorf("%q listed twice or not known", a)
		}
		seen[a] = true
	}
	for _, a := range []audit.Action{"", "application.", "employee.delete", "Employee.read"} {
		if a.Known() {
			t.Errorf("%q must not be a known action", a)
		}
	}
}
