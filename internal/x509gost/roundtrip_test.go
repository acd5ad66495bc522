package x509gost

import (
	"bytes"
	"crypto/rand"
	encasn1 "encoding/asn1"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kcr-project/kcr/internal/gost"
	"golang.org/x/crypto/cryptobyte"
)

func TestOurCertificates(t *testing.T) {
	p := getPKI(t)
	t.Run("root", func(t *testing.T) {
		c := p.root
		if !c.IsCA || c.MaxPathLen != -1 || c.KeyUsage != 1<<KeyUsageCertSign|1<<KeyUsageCRLSign || len(c.SubjectKeyID) != 20 {
			t.Fatalf("root fields: ca %v pathlen %d ku %b ski %x", c.IsCA, c.MaxPathLen, c.KeyUsage, c.SubjectKeyID)
		}
		if err := c.CheckSignatureFrom(c); err != nil {
			t.Fatal(err)
		}
		if !c.PublicKey.Equal(p.rootKey.Public()) {
			t.Fatal("root key differs")
		}
	})
	t.Run("end entity", func(t *testing.T) {
		c := p.ee
		if err := c.CheckSignatureFrom(p.root); err != nil {
			t.Fatal(err)
		}
		if err := p.root.CheckSignatureFrom(c); err == nil {
			t.Fatal("a non-CA certificate was accepted as issuer")
		}
		if c.IsCA || c.BasicConstraintsValid || !bytes.Equal(c.AuthorityKeyID, p.root.SubjectKeyID) || c.Subject.String() != personName().String() {
			t.Fatalf("ee fields: %+v", c)
		}
		if c.KeyUsage != 0b1111 {
			t.Fatalf("key usage %b", c.KeyUsage)
		}
		if e, ok := c.Extension(OIDExtIdentificationKind); !ok || e.Critical || !bytes.Equal(e.Value, []byte{2, 1, 0}) {
			t.Fatalf("identificationKind %+v", e)
		}
		if len(c.Extensions) != 11 {
			t.Fatalf("%d extensions", len(c.Extensions))
		}
		// Re-marshalling the parsed fields reproduces the TBS.
		tbs := TBSCertificate{c.SerialNumber, c.SignatureAlgorithm, c.RawIssuer, c.NotBefore, c.NotAfter, c.RawSubject, c.RawSPKI, c.Extensions, nil}
		if again, err := tbs.Marshal(); err != nil || !bytes.Equal(again, c.RawTBS) {
			t.Fatalf("re-marshal: %v", err)
		}
	})
	t.Run("input is copied", func(t *testing.T) {
		buf := bytes.Clone(p.ee.Raw)
		c, err := ParseCertificate(buf)
		if err != nil {
			t.Fatal(err)
		}
		clear(buf)
		if !bytes.Equal(c.Raw, p.ee.Raw) || c.CheckSignatureFrom(p.root) != nil {
			t.Fatal("the parsed certificate shares the caller's buffer")
		}
	})
	t.Run("crl", func(t *testing.T) {
		crl, err := ParseCRL(p.crl)
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(p.root); err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(p.ee); err == nil {
			t.Fatal("CRL verified against the wrong certificate")
		}
		if crl.Number.Int64() != 42 || !bytes.Equal(crl.AuthorityKeyID, p.root.SubjectKeyID) || len(crl.Revoked) != 3 {
			t.Fatalf("CRL fields %+v", crl)
		}
		want := []RevokedEntry{{p.ee.SerialNumber, p.revokedAt, ReasonKeyCompromise}, {big.NewInt(0x1234), p.revokedAt, -1}, {big.NewInt(0x5678), p.revokedAt, -1}}
		for i, r := range crl.Revoked {
			if r.SerialNumber.Cmp(want[i].SerialNumber) != 0 || !r.RevokedAt.Equal(want[i].RevokedAt) || r.Reason != want[i].Reason {
				t.Fatalf("entry %d: %+v want %+v", i, r, want[i])
			}
		}
	})
	t.Run("ocsp request", func(t *testing.T) {
		req, err := ParseOCSPRequest(p.ocspReq)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := NewCertID(OIDSHA1, p.root, p.ee.SerialNumber)
		if len(req.RequestList) != 1 || !req.RequestList[0].Equal(id) || !bytes.Equal(req.Nonce, p.nonce) {
			t.Fatalf("request %+v", req)
		}
	})
	t.Run("ocsp response", func(t *testing.T) {
		r, err := ParseOCSPResponse(p.ocspResp)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CheckSignatureFrom(p.root); err != nil {
			t.Fatal(err)
		}
		if err := r.CheckSignatureFrom(p.ee); err == nil {
			t.Fatal("response verified with the wrong key")
		}
		rkh, _ := KeyHash(p.root)
		if r.Status != OCSPSuccessful || !bytes.Equal(r.ResponderKeyHash, rkh) || !bytes.Equal(r.Nonce, p.nonce) ||
			len(r.Certs) != 1 || !bytes.Equal(r.Certs[0], p.root.Raw) || len(r.Responses) != 2 {
			t.Fatalf("response %+v", r)
		}
		for _, sr := range r.Responses {
			if sr.Status != OCSPRevoked || sr.Reason != ReasonKeyCompromise || !sr.RevokedAt.Equal(p.revokedAt) || sr.NextUpdate.IsZero() {
				t.Fatalf("single response %+v", sr)
			}
		}
		if !r.Responses[1].ID.HashAlgorithm.Equal(gost.OIDDigest256) || len(r.Responses[1].ID.IssuerKeyHash) != 32 {
			t.Fatalf("Streebog CertID %+v", r.Responses[1].ID)
		}
	})
}

func TestOCSPStatuses(t *testing.T) {
	p := getPKI(t)
	now := time.Now()
	rkh, _ := KeyHash(p.root)
	id, _ := NewCertID(OIDSHA1, p.root, big.NewInt(99))
	tests := []struct {
		name string
		sr   SingleResponse
	}{
		{"good", SingleResponse{ID: id, Status: OCSPGood, Reason: -1, ThisUpdate: now}},
		{"unknown", SingleResponse{ID: id, Status: OCSPUnknown, Reason: -1, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}},
		{"revoked without reason", SingleResponse{ID: id, Status: OCSPRevoked, RevokedAt: now.Add(-time.Hour), Reason: -1, ThisUpdate: now}},
		{"revoked superseded", SingleResponse{ID: id, Status: OCSPRevoked, RevokedAt: now.Add(-time.Hour), Reason: ReasonSuperseded, ThisUpdate: now}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, err := CreateOCSPResponse(&OCSPResponseTemplate{ResponderKeyHash: rkh, ProducedAt: now, Responses: []SingleResponse{tc.sr}}, p.rootKey, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseOCSPResponse(der)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Responses[0]
			trunc := func(x time.Time) time.Time { return x.UTC().Truncate(time.Second) }
			if got.Status != tc.sr.Status || got.Reason != tc.sr.Reason || !got.ID.Equal(tc.sr.ID) ||
				!got.ThisUpdate.Equal(trunc(tc.sr.ThisUpdate)) || !got.NextUpdate.Equal(trunc(tc.sr.NextUpdate)) && !tc.sr.NextUpdate.IsZero() ||
				!got.RevokedAt.Equal(trunc(tc.sr.RevokedAt)) && tc.sr.Status == OCSPRevoked || r.Nonce != nil {
				t.Fatalf("got %+v want %+v", got, tc.sr)
			}
		})
	}
	for _, st := range []int{OCSPMalformedRequest, OCSPInternalError, OCSPTryLater, OCSPSigRequired, OCSPUnauthorized, 0, 4, 99} {
		r, err := ParseOCSPResponse(OCSPErrorResponse(st))
		if err != nil {
			t.Fatal(err)
		}
		want := st
		if st == 0 || st == 4 || st == 99 {
			want = OCSPInternalError
		}
		if r.Status != want || r.CheckSignatureFrom(p.root) == nil {
			t.Fatalf("status %d: %+v", st, r)
		}
	}
}

// Refusals of the encoders: what a CA must never sign.
func TestEncoderRefusals(t *testing.T) {
	p := getPKI(t)
	now := time.Now()
	base := func() *TBSCertificate {
		return &TBSCertificate{SerialNumber: big.NewInt(1), SignatureAlgorithm: gost.OIDSignature512, Issuer: p.root.RawSubject,
			Subject: p.ee.RawSubject, NotBefore: now, NotAfter: now.Add(time.Hour), SPKI: p.ee.RawSPKI}
	}
	big20 := new(big.Int).Lsh(big.NewInt(1), 159)                                 // 20 octets, top bit set: 21 in DER
	ok20 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 159), big.NewInt(1)) // 20 octets in DER
	rsaOID := encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	tests := []struct {
		name   string
		modify func(*TBSCertificate)
		ok     bool
	}{
		{"valid", func(*TBSCertificate) {}, true},
		{"20-octet serial", func(t *TBSCertificate) { t.SerialNumber = ok20 }, true},
		{"zero serial", func(t *TBSCertificate) { t.SerialNumber = big.NewInt(0) }, false},
		{"negative serial", func(t *TBSCertificate) { t.SerialNumber = big.NewInt(-5) }, false},
		{"nil serial", func(t *TBSCertificate) { t.SerialNumber = nil }, false},
		{"21-octet serial", func(t *TBSCertificate) { t.SerialNumber = big20 }, false},
		{"notAfter before notBefore", func(t *TBSCertificate) { t.NotAfter = t.NotBefore.Add(-time.Second) }, false},
		{"equal times", func(t *TBSCertificate) { t.NotAfter = t.NotBefore }, true},
		{"zero notBefore", func(t *TBSCertificate) { t.NotBefore = time.Time{} }, false},
		{"RSA signature", func(t *TBSCertificate) { t.SignatureAlgorithm = rsaOID }, false},
		{"bad issuer", func(t *TBSCertificate) { t.Issuer = []byte{0x31, 0x00} }, false},
		{"trailing subject", func(t *TBSCertificate) { t.Subject = append(append([]byte{}, t.Subject...), 0) }, false},
		{"bad SPKI", func(t *TBSCertificate) { t.SPKI = t.SPKI[:len(t.SPKI)-1] }, false},
		{"nil extension value", func(t *TBSCertificate) {
			t.Extensions = []Extension{{OID: OIDExtSubjectSignTool, Value: SubjectSignTool(strings.Repeat("я", 201))}}
		}, false},
		{"duplicate extension", func(t *TBSCertificate) {
			e := Extension{OID: OIDExtIdentificationKind, Value: IdentificationKind(1)}
			t.Extensions = []Extension{e, e}
		}, false},
		{"year 10000", func(t *TBSCertificate) { t.NotAfter = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbs := base()
			tc.modify(tbs)
			der, err := tbs.Marshal()
			if (err == nil) != tc.ok {
				t.Fatalf("Marshal error %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				return
			}
			if _, err := SignCertificate(der, p.rootKey, rand.Reader); err != nil {
				t.Fatal(err)
			}
			// The signer's algorithm must be the TBS's: a 256-bit key cannot sign a "512-bit" TBS.
			if _, err := SignCertificate(der, p.eeKey, rand.Reader); err == nil {
				t.Fatal("signed with a key of the wrong size")
			}
		})
	}
	if _, err := SignCertificate([]byte{0x30, 0x00}, p.rootKey, rand.Reader); err == nil {
		t.Fatal("signed an empty TBS")
	}

	crlBase := func() *CRLTemplate {
		return &CRLTemplate{Issuer: p.root.RawSubject, ThisUpdate: now, NextUpdate: now.Add(time.Hour), Number: big.NewInt(1), AuthorityKeyID: p.root.SubjectKeyID}
	}
	crlTests := []struct {
		name   string
		modify func(*CRLTemplate)
		ok     bool
	}{
		{"empty CRL", func(*CRLTemplate) {}, true},
		{"no number", func(c *CRLTemplate) { c.Number = nil }, false},
		{"no AKI", func(c *CRLTemplate) { c.AuthorityKeyID = nil }, false},
		{"next before this", func(c *CRLTemplate) { c.NextUpdate = now.Add(-time.Hour) }, false},
		{"bad reason 7", func(c *CRLTemplate) { c.Revoked = []RevokedEntry{{big.NewInt(1), now, 7}} }, false},
		{"zero serial", func(c *CRLTemplate) { c.Revoked = []RevokedEntry{{big.NewInt(0), now, -1}} }, false},
		{"no revocation time", func(c *CRLTemplate) { c.Revoked = []RevokedEntry{{big.NewInt(1), time.Time{}, -1}} }, false},
	}
	for _, tc := range crlTests {
		t.Run("crl "+tc.name, func(t *testing.T) {
			tmpl := crlBase()
			tc.modify(tmpl)
			der, err := CreateCRL(tmpl, p.rootKey, rand.Reader)
			if (err == nil) != tc.ok {
				t.Fatalf("CreateCRL error %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				crl, err := ParseCRL(der)
				if err != nil || crl.Revoked != nil || crl.CheckSignatureFrom(p.root) != nil {
					t.Fatalf("parse: %v", err)
				}
			}
		})
	}
}

func TestExtensionBuilders(t *testing.T) {
	nb := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	na := time.Date(2026, 6, 1, 10, 0, 0, 0, time.FixedZone("MSK", 3*3600))
	tests := []struct {
		name string
		got  []byte
		want string // hex; "" = nil
	}{
		{"keyUsage CA", KeyUsage(5, 6), "03020106"},
		{"keyUsage digitalSignature", KeyUsage(0), "03020780"},
		{"keyUsage end entity", KeyUsage(0, 1, 2, 3), "030204f0"},
		{"keyUsage decipherOnly", KeyUsage(0, 8), "0303078080"},
		{"keyUsage none", KeyUsage(), ""},
		{"keyUsage out of range", KeyUsage(9), ""},
		{"extKeyUsage", ExtKeyUsage(OIDExtKeyUsageClientAuth, OIDExtKeyUsageEmailProtection), "301406082b0601050507030206082b06010505070304"},
		{"basicConstraints CA", BasicConstraints(true, -1), "30030101ff"},
		{"basicConstraints CA pathLen 0", BasicConstraints(true, 0), "30060101ff020100"},
		{"basicConstraints not CA", BasicConstraints(false, -1), "3000"},
		{"basicConstraints not CA with pathLen", BasicConstraints(false, 1), ""},
		{"ski", SubjectKeyID([]byte{1, 2}), "04020102"},
		{"aki", AuthorityKeyID([]byte{1, 2}), "30048002" + "0102"},
		{"crldp", CRLDistributionPoints("http://a/b"), "30123010a00ea00c860a687474703a2f2f612f62"},
		{"crldp non-ASCII", CRLDistributionPoints("http://пример/"), ""},
		{"aia", AuthorityInfoAccess([]string{"http://o"}, []string{"http://c"}), "302c301406082b060105050730018608687474703a2f2f6f301406082b060105050730028608687474703a2f2f63"},
		{"policies", CertificatePolicies(OIDPolicyKC1), "300a300806062a8503647101"}, // 1.2.643.100.113.1
		{"privateKeyUsagePeriod", PrivateKeyUsagePeriod(nb, na), "3022800f32303235303330313130303030305a810f32303236303630313037303030305a"},
		{"privateKeyUsagePeriod only end", PrivateKeyUsagePeriod(time.Time{}, na), "3011810f32303236303630313037303030305a"},
		{"privateKeyUsagePeriod reversed", PrivateKeyUsagePeriod(na, nb), ""},
		{"subjectSignTool", SubjectSignTool("Я"), "0c02d0af"},
		{"subjectSignTool 200 chars", SubjectSignTool(strings.Repeat("я", 200))[:4], "0c820190"},
		{"subjectSignTool too long", SubjectSignTool(strings.Repeat("я", 201)), ""},
		{"subjectSignTool empty", SubjectSignTool(""), ""},
		{"issuerSignTool", IssuerSignTool("a", "b", "c", "d"), "300c0c01610c01620c01630c0164"},
		{"issuerSignTool cert too long", IssuerSignTool("a", "b", strings.Repeat("c", 101), "d"), ""},
		{"identificationKind 3", IdentificationKind(3), "020103"},
		{"identificationKind 4", IdentificationKind(4), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(tc.got); got != tc.want {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
	// What the parsers read back.
	if ca, pl, err := parseBasicConstraints(BasicConstraints(true, 3)); err != nil || !ca || pl != 3 {
		t.Fatal("basicConstraints round trip")
	}
	if ku, err := parseKeyUsage(KeyUsage(0, 8)); err != nil || ku != 1|1<<8 {
		t.Fatalf("keyUsage round trip %b", ku)
	}
}

func TestTimeEncoding(t *testing.T) {
	tests := []struct {
		time time.Time
		want string // hex of the element
	}{
		{time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), "180f31393439313233313233353935395a"},
		{time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), "170d3530303130313030303030305a"},
		{time.Date(2049, 12, 31, 23, 59, 59, 999, time.UTC), "170d3439313233313233353935395a"},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), "180f32303530303130313030303030305a"},
		{time.Date(2030, 1, 1, 3, 0, 0, 0, time.FixedZone("MSK", 3*3600)), "170d3330303130313030303030305a"},
	}
	for _, tc := range tests {
		t.Run(tc.time.String(), func(t *testing.T) {
			var b cryptobyte.Builder
			addTime(&b, tc.time)
			der, err := b.Bytes()
			if err != nil || hex.EncodeToString(der) != tc.want {
				t.Fatalf("got %x (%v) want %s", der, err, tc.want)
			}
			s := cryptobyte.String(der)
			back, err := readTime(&s)
			if err != nil || !back.Equal(tc.time.Truncate(time.Second)) {
				t.Fatalf("read back %v, %v", back, err)
			}
		})
	}
	bad := []string{
		"170d3530303130313030303030302b",           // no Z
		"170b353030313031303030305a",               // no seconds
		"1713353030313031303030303030302b30333030", // offset
		"1811323030303031303130303030302e355a",     // fraction
		"170d3530313330313030303030305a",           // month 13
		"170d35303031303130303030302d5a",           // non-digit
		"0400",
	}
	for _, h := range bad {
		t.Run("bad "+h, func(t *testing.T) {
			raw, _ := hex.DecodeString(h)
			s := cryptobyte.String(raw)
			if _, err := readTime(&s); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
