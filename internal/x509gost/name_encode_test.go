package x509gost

import (
	"bytes"
	encasn1 "encoding/asn1"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// marshalNameReference is Name.Marshal as cryptobyte writes it, for comparison.
func marshalNameReference(n Name) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, a := range n {
			b.AddASN1(asn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(a.OID)
					b.AddASN1(asn1.Tag(a.Tag), func(b *cryptobyte.Builder) {
						b.AddBytes([]byte(a.Value))
					})
				})
			})
		}
	})
	return b.Bytes()
}

// TestNameMarshalMatchesCryptobyte compares the hand-written Name encoder with cryptobyte's on random names:
// every length form (short, one, two and three length octets), OID arcs of every base-128 width, empty
// names; and checks it refuses the OIDs cryptobyte refuses.
func TestNameMarshalMatchesCryptobyte(t *testing.T) {
	t.Parallel()
	rnd := mrand.New(mrand.NewPCG(7, 11))
	arcs := []int{0, 1, 39, 127, 128, 16383, 16384, 1 << 21, 1<<28 + 5, 113549}
	tags := []int{encasn1.TagUTF8String, encasn1.TagPrintableString, encasn1.TagIA5String, encasn1.TagNumericString}
	lengths := []int{1, 2, 100, 127, 128, 255, 256, 4000, 65535, 65536, 70000}
	for i := range 300 {
		var n Name
		for range rnd.IntN(9) {
			oid := encasn1.ObjectIdentifier{rnd.IntN(3), 0}
			if oid[0] == 2 {
				oid[1] = arcs[rnd.IntN(len(arcs))]
			} else {
				oid[1] = rnd.IntN(40)
			}
			for range rnd.IntN(6) {
				oid = append(oid, arcs[rnd.IntN(len(arcs))])
			}
			tag := tags[rnd.IntN(len(tags))]
			n = append(n, Attribute{OID: oid, Tag: tag, Value: strings.Repeat("7", lengths[rnd.IntN(len(lengths))])})
		}
		got, err := n.Marshal()
		want, werr := marshalNameReference(n)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			k := 0
			for k < min(len(got), len(want)) && got[k] == want[k] {
				k++
			}
			t.Fatalf("name %d (%d attributes): %v / %v, differ at %d: %x / %x", i, len(n), err, werr, k, got[max(0, k-8):min(len(got), k+8)], want[max(0, k-8):min(len(want), k+8)])
		}
		if back, err := ParseName(got); err != nil || len(back) != len(n) {
			t.Fatalf("name %d does not parse back: %v", i, err)
		}
	}
	for _, oid := range []encasn1.ObjectIdentifier{{1}, {3, 1}, {1, 40}, {0, 40, 1}, {2, 5, -1}, {-1, 2}} {
		n := Name{{OID: oid, Tag: encasn1.TagUTF8String, Value: "x"}}
		if _, err := n.Marshal(); err == nil {
			t.Errorf("OID %v was encoded", oid)
		}
		if _, err := marshalNameReference(n); err == nil {
			t.Errorf("the reference encoded OID %v", oid)
		}
	}
}
