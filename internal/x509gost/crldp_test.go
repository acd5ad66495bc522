package x509gost

import (
	"encoding/hex"
	"slices"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// TestParseCRLDistributionPoints reads what CRLDistributionPoints writes and the shapes other CAs write:
// several names in one point, partitioned and indirect points (skipped), relative names, and damage.
func TestParseCRLDistributionPoints(t *testing.T) {
	t.Parallel()
	// point builds one DistributionPoint from its fields' contents; nil leaves a field out.
	point := func(fullName func(*cryptobyte.Builder), reasons []byte, crlIssuer func(*cryptobyte.Builder)) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if fullName != nil {
					b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), fullName)
					})
				}
				if reasons != nil {
					b.AddASN1(asn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(reasons) })
				}
				if crlIssuer != nil {
					b.AddASN1(asn1.Tag(2).ContextSpecific().Constructed(), crlIssuer)
				}
			})
		}
	}
	uri := func(u string) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) { addURI(b, u) }
	}
	points := func(ps ...func(*cryptobyte.Builder)) []byte {
		return build(func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, p := range ps {
					p(b)
				}
			})
		})
	}
	dirName := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {})
		})
	}
	relative := func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {})
			})
		})
	}
	mustHex := func(s string) []byte {
		v, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name  string
		value []byte
		want  []string
		bad   bool
	}{
		{"kcr's own, one URL", CRLDistributionPoints("http://a/b"), []string{"http://a/b"}, false},
		{"kcr's own, two URLs", CRLDistributionPoints("http://a/b.crl", "https://c/d.crl"), []string{"http://a/b.crl", "https://c/d.crl"}, false},
		{"several names in one point", points(point(func(b *cryptobyte.Builder) {
			addURI(b, "ldap://dir/cn=ca")
			dirName(b)
			addURI(b, "http://e/f.crl")
		}, nil, nil)), []string{"ldap://dir/cn=ca", "http://e/f.crl"}, false},
		{"a partitioned point is skipped", points(point(uri("http://p/part.crl"), []byte{0x07, 0x80}, nil), point(uri("http://p/all.crl"), nil, nil)),
			[]string{"http://p/all.crl"}, false},
		{"an indirect point is skipped", points(point(uri("http://i/other.crl"), nil, dirName)), nil, false},
		{"a point without a name is skipped", points(point(nil, nil, dirName)), nil, false},
		{"a relative name is skipped", points(relative), nil, false},
		{"empty", mustHex("3000"), nil, true},
		{"not a sequence", mustHex("0400"), nil, true},
		{"trailing data", append(CRLDistributionPoints("http://a/b"), 0), nil, true},
		{"an unknown field", mustHex("30053003830100"), nil, true},
		{"a non-ASCII URI", mustHex("300b3009a007a0058603d0afff"), nil, true},
		{"truncated", CRLDistributionPoints("http://a/b")[:10], nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCRLDistributionPoints(c.value)
			if c.bad {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
