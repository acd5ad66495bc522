package main

import "testing"

// The profile follows the configuration: the key usage period is the validity unless set, and
// issuerSignTool is the CA's own tools.
func TestCAConfigProfile(t *testing.T) {
	c := caConfig{ValidityMonths: 12, IssuerSignTool: "ПАКМ «КриптоПро HSM» версии 2.0 | ПАК «УЦ» | Заключение № 1 | Заключение № 2"}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	p := c.profile()
	if p.KeyUsageMonths != 0 || p.IssuerSignTool != [4]string{"ПАКМ «КриптоПро HSM» версии 2.0", "ПАК «УЦ»", "Заключение № 1", "Заключение № 2"} {
		t.Fatalf("profile %+v", p)
	}
	for _, bad := range []caConfig{{ValidityMonths: 12, KeyUsageMonths: 6}, {ValidityMonths: 12, IssuerSignTool: "a||c|d"}} {
		if err := bad.validate(); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}
