package model_test

import (
	"testing"

	"github.com/kcr-project/kcr/internal/model"
)

func TestEnumsAreClosedLists(t *testing.T) {
	t.Parallel()
	for _, e := range []model.Enum{model.OrgKind(""), model.Sector(""), model.Role(""), model.CertKind(""), model.State(""),
		model.VerificationMethod(""), model.CertStatus(""), model.DocumentType(""), model.RevocationReason(""),
		model.BillingPosition(""), model.Authority(""), model.AgreementKind(""), model.BillingEvent("")} {
		values := e.EnumValues()
		if len(values) == 0 {
			t.Errorf("%T lists no values", e)
		}
		seen := map[string]bool{}
		for _, v := range values {
			if v == "" || seen[v] {
				t.Errorf("%T lists %q twice or empty", e, v)
			}
			seen[v] = true
		}
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ok   bool
	}{
		{"passport_rf", true}, {"military_id", true}, {"", false}, {"Passport_RF", false}, {"passport_rf ", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := model.Valid(model.DocumentType(c.name)); got != c.ok {
				t.Fatalf("Valid(%q) = %v", c.name, got)
			}
		})
	}
	if model.Valid(model.RevocationReason("remove_from_crl")) {
		t.Error("remove_from_crl is not a reason kcr revokes for")
	}
}
