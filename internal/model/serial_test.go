package model

import "testing"

func TestCanonicalSerial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"1abd990100000000a1f", "1abd990100000000a1f"},
		{"01ABD990100000000A1F", "1abd990100000000a1f"},
		{"01:AB:D9:90:10:00:00:00:0A:1F", "1abd990100000000a1f"},
		{" 01 ab d9 90 ", "1abd990"},
		{"0x0A1F", "a1f"},
		{"000", "0"},
		{"not-a-serial", "not-a-serial"},
		{"", ""},
	} {
		if got := CanonicalSerial(tc.in); got != tc.want {
			t.Errorf("CanonicalSerial(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
