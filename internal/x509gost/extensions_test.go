package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	mrand "math/rand/v2"
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

// addExtensionsReference is addExtensions as cryptobyte writes it, for comparison.
func addExtensionsReference(b *cryptobyte.Builder, exts []Extension) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range exts {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(e.OID)
				if e.Critical {
					b.AddASN1Boolean(true)
				}
				b.AddASN1OctetString(e.Value)
			})
		}
	})
}

// TestExtensionsMatchCryptobyte compares the hand-written Extensions encoder with cryptobyte's over random
// lists: critical or not, values of every length form, OID arcs of several base-128 widths.
func TestExtensionsMatchCryptobyte(t *testing.T) {
	t.Parallel()
	rnd := mrand.New(mrand.NewPCG(3, 5))
	lengths := []int{1, 2, 120, 127, 128, 255, 256, 1000, 65535, 65536, 70000}
	for i := range 200 {
		var exts []Extension
		for j := range 1 + rnd.IntN(14) {
			exts = append(exts, Extension{OID: encasn1.ObjectIdentifier{1, 2, 643, 100, 112 + j, rnd.IntN(1 << 20)}, Critical: rnd.IntN(2) == 0,
				Value: bytes.Repeat([]byte{0x05}, lengths[rnd.IntN(len(lengths))])})
		}
		var got, want cryptobyte.Builder
		addExtensions(&got, exts)
		addExtensionsReference(&want, exts)
		g, err := got.Bytes()
		w, werr := want.Bytes()
		if err != nil || werr != nil || !bytes.Equal(g, w) {
			t.Fatalf("list %d (%d extensions): %v / %v, equal %v", i, len(exts), err, werr, bytes.Equal(g, w))
		}
		back, err := readExtensions(cryptobyte.String(g[len(g)-lenOfContents(t, g):]))
		if err != nil || len(back) != len(exts) {
			t.Fatalf("list %d does not read back: %v", i, err)
		}
	}
	for _, bad := range [][]Extension{{{OID: encasn1.ObjectIdentifier{1, 2}}}, {{Value: []byte{5, 0}}},
		{{OID: encasn1.ObjectIdentifier{3, 2}, Value: []byte{5, 0}}}} {
		var b cryptobyte.Builder
		addExtensions(&b, bad)
		if _, err := b.Bytes(); err == nil {
			t.Errorf("extensions %+v were encoded", bad)
		}
	}
}

// lenOfContents is the size of the contents of the single DER element der.
func lenOfContents(t *testing.T, der []byte) int {
	t.Helper()
	s := cryptobyte.String(der)
	var contents cryptobyte.String
	if !s.ReadASN1(&contents, asn1.SEQUENCE) || !s.Empty() {
		t.Fatal("not one SEQUENCE")
	}
	return len(contents)
}
