package x509gost

import (
	encasn1 "encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// TestDuplicateExtensions checks that a duplicate is refused when writing and reading, whether the list
// is short (scanned) or long (indexed past manyExtensions), wherever the duplicate sits.
func TestDuplicateExtensions(t *testing.T) {
	t.Parallel()
	list := func(n, dupOf int) []Extension {
		exts := make([]Extension, n)
		for i := range exts {
			exts[i] = Extension{OID: encasn1.ObjectIdentifier{1, 2, 3, i}, Value: []byte{5, 0}}
		}
		if dupOf >= 0 {
			exts[n-1].OID = exts[dupOf].OID
		}
		return exts
	}
	for _, tc := range []struct {
		name     string
		n, dupOf int
	}{
		{"short, none", 5, -1}, {"short, first again", 5, 0}, {"short, neighbours", 5, 3},
		{"long, none", 3 * manyExtensions, -1}, {"long, first again", 3 * manyExtensions, 0},
		{"long, from before the index", 3 * manyExtensions, manyExtensions - 1},
		{"long, from after the index", 3 * manyExtensions, 2 * manyExtensions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exts := list(tc.n, tc.dupOf)
			var b cryptobyte.Builder
			addExtensions(&b, exts)
			_, err := b.Bytes()
			if (err != nil) != (tc.dupOf >= 0) {
				t.Fatalf("writing: %v", err)
			}
			// Written without the check, then read.
			var raw cryptobyte.Builder
			for _, e := range exts {
				raw.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(e.OID)
					b.AddASN1OctetString(e.Value)
				})
			}
			got, err := readExtensions(raw.BytesOrPanic())
			if (err != nil) != (tc.dupOf >= 0) || err == nil && len(got) != tc.n {
				t.Fatalf("reading: %d extensions, %v", len(got), err)
			}
		})
	}
}
