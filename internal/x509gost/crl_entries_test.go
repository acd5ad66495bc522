package x509gost

import (
	"bytes"
	"crypto/rand"
	"math/big"
	"testing"
	"time"
)

// TestCRLPreEncodedEntries checks that entries encoded by EncodeRevokedEntry make the same CRL body as
// the same entries in Revoked, mixed or not, and that EncodeRevokedEntry refuses what CreateCRL refuses.
func TestCRLPreEncodedEntries(t *testing.T) {
	t.Parallel()
	p := getPKI(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var revoked []RevokedEntry
	for i := range 20 {
		revoked = append(revoked, RevokedEntry{SerialNumber: new(big.Int).Lsh(big.NewInt(int64(i+1)), 70),
			RevokedAt: at.Add(time.Duration(i) * time.Minute), Reason: []int{-1, 0, 1, 3, 4, 5, 9}[i%7]})
	}
	encoded := make([][]byte, len(revoked))
	for i, r := range revoked {
		var err error
		if encoded[i], err = EncodeRevokedEntry(r); err != nil {
			t.Fatal(err)
		}
	}
	body := func(t *testing.T, list []RevokedEntry, entries [][]byte) []byte {
		t.Helper()
		der, err := CreateCRL(&CRLTemplate{Issuer: p.root.RawSubject, ThisUpdate: at, NextUpdate: at.Add(24 * time.Hour),
			Number: big.NewInt(7), AuthorityKeyID: p.root.SubjectKeyID, Revoked: list, Entries: entries}, p.rootKey, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := ParseCRL(der)
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(p.root); err != nil {
			t.Fatal(err)
		}
		return crl.RawTBS
	}
	want := body(t, revoked, nil)
	for _, tc := range []struct {
		name    string
		list    []RevokedEntry
		entries [][]byte
	}{
		{"all pre-encoded", nil, encoded},
		{"half and half", revoked[:10], encoded[10:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := body(t, tc.list, tc.entries); !bytes.Equal(got, want) {
				t.Fatal("the CRL body differs from the one with every entry in Revoked")
			}
		})
	}
	for _, bad := range []RevokedEntry{{SerialNumber: big.NewInt(0), RevokedAt: at}, {SerialNumber: big.NewInt(5)},
		{SerialNumber: big.NewInt(5), RevokedAt: at, Reason: 7}} {
		if _, err := EncodeRevokedEntry(bad); err == nil {
			t.Errorf("entry %+v was encoded", bad)
		}
	}
	if _, err := CreateCRL(&CRLTemplate{Issuer: p.root.RawSubject, ThisUpdate: at, NextUpdate: at.Add(time.Hour), Number: big.NewInt(1),
		AuthorityKeyID: p.root.SubjectKeyID, Entries: [][]byte{{0x04, 0x00}}}, p.rootKey, rand.Reader); err == nil {
		t.Error("a pre-encoded entry that is not a SEQUENCE was accepted")
	}
}
