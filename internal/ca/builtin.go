package ca

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/gost"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Names of kcr's own authorities: they appear in /ca/<name>.crt and /crl/<name>.crl. Other built-in
// instances (stand-ins for the state CAs) are named <prefix>-root and <prefix>-ca the same way.
const (
	DefaultPrefix = "kcr"
	RootName      = DefaultPrefix + "-root"
	IssuingName   = DefaultPrefix + "-ca"
)

// ErrNotInitialized is returned by Load when "kcr ca init" has not been run.
var ErrNotInitialized = errors.New("the built-in CA is not initialized: run kcr ca init")

// Builtin is the built-in GOST certification authority: a root and an issuing authority whose keys are
// kept encrypted in the database and decrypted into memory at start-up.
type Builtin struct {
	DB      *storage.DB
	Clock   clock.Clock
	Rand    io.Reader
	Profile Profile
	// BaseURL is where this server answers /ca, /crl and /ocsp; it is written into every certificate.
	BaseURL string

	prefix        string
	root, issuing *authority
	static        atomic.Pointer[endEntityStatic] // the issuing authority's extensions every certificate shares
	crls          crlSlots                        // each authority's current CRL, served without a lock
	ocspMu        sync.Mutex
	ocspCache     map[string]*cachedOCSP // by issuer, serial, hash algorithm and status
}

type authority struct {
	name    string
	cert    *x509gost.Certificate
	signer  gost.Signer
	keyID   []byte
	certIDs []x509gost.CertID // how OCSP requests name it, by hash algorithm
}

// InitOptions chooses the authorities' parameter sets and names.
type InitOptions struct {
	RootParamSet    string // default tc26-512-A
	IssuingParamSet string // default tc26-256-A
	Prefix          string // names the pair <prefix>-root and <prefix>-ca; default "kcr"
	Organization    string // the CA operator's name in the CA certificates
	CommonName      string // the issuing CA's CN; the root's is "Корневой " + it
	// The operator's requisites, which a qualified CA's name carries (and so the issuer name of every
	// certificate it issues). Left all empty, the demonstration operator's are used.
	OGRN     string // ОГРН, 13 digits
	INN      string // ИНН ЮЛ, 10 digits
	Region   string // ST: region code and name, "77 г. Москва"
	Locality string // L: "г. Москва"
	Street   string // street and building, without postcode and city
}

// demoOperator is the demonstration CA operator's requisites (generated: they pass the checks and name no
// company), the same as the demo seller's on invoices.
var demoOperator = InitOptions{OGRN: "5080950498679", INN: "3739972506", Region: "37 Ивановская область",
	Locality: "г. Иваново", Street: "ул. Демонстрационная, д. 1"}

// SplitAddress takes an address as written on documents ("153000, г. Иваново, ул. Демонстрационная, д. 1")
// apart into the settlement (L) and the street without postcode and settlement.
func SplitAddress(address string) (settlement, streetAddress string) {
	return locality(address, ""), street(address, "")
}

// checkRequisites validates the operator's requisites for the CA name.
func (opt *InitOptions) checkRequisites() error {
	if opt.OGRN == "" && opt.INN == "" && opt.Region == "" && opt.Locality == "" && opt.Street == "" {
		opt.OGRN, opt.INN, opt.Region, opt.Locality, opt.Street = demoOperator.OGRN, demoOperator.INN, demoOperator.Region,
			demoOperator.Locality, demoOperator.Street
	}
	var f errs.Fields
	if err := requisites.ValidateOGRN(opt.OGRN); err != nil {
		f.Add("ogrn", "format", err.Error())
	}
	if err := requisites.ValidateINN10(opt.INN); err != nil {
		f.Add("inn", "format", err.Error())
	}
	if code, _, _ := strings.Cut(opt.Region, " "); len(code) != 2 || strings.Trim(code, "0123456789") != "" || code == "00" {
		f.Add("region", "format", "must be the region code and name, such as \"77 г. Москва\"")
	}
	for _, p := range []struct{ field, v string }{{"locality", opt.Locality}, {"street", opt.Street}} {
		if strings.TrimSpace(p.v) == "" {
			f.Add(p.field, "required", "the CA's name carries it")
		}
	}
	return f.Err()
}

// Init creates the root and issuing authorities, stores their certificates and encrypted keys, and
// returns the ready CA. It refuses to run twice.
func Init(ctx context.Context, db *storage.DB, clk clock.Clock, profile Profile, baseURL string, passphrase []byte, opt InitOptions) (*Builtin, error) {
	if len(passphrase) < 12 {
		return nil, errs.Field("passphrase", "too_short", "the CA key passphrase must be at least 12 characters")
	}
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if opt.CommonName == "" {
		opt.CommonName = "УЦ " + opt.Prefix
	}
	existing, err := ofPrefix(ctx, db, opt.Prefix)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, errs.New(errs.Conflict, "the CA is already initialized (authorities %s exist)", names(existing))
	}
	if opt.RootParamSet == "" {
		opt.RootParamSet = "tc26-512-A"
	}
	if opt.IssuingParamSet == "" {
		opt.IssuingParamSet = "tc26-256-A"
	}
	if opt.Organization == "" {
		opt.Organization = "Удостоверяющий центр kcr (демонстрационный)"
	}
	if err := opt.checkRequisites(); err != nil {
		return nil, err
	}
	rootPS, ok := gost.ParamSetByName(opt.RootParamSet)
	if !ok {
		return nil, errs.Field("root_paramset", "unknown", "unknown parameter set "+opt.RootParamSet+"; one of "+paramSetNames())
	}
	issPS, ok := gost.ParamSetByName(opt.IssuingParamSet)
	if !ok {
		return nil, errs.Field("issuing_paramset", "unknown", "unknown parameter set "+opt.IssuingParamSet+"; one of "+paramSetNames())
	}
	b := &Builtin{DB: db, Clock: clk, Rand: rand.Reader, Profile: profile, BaseURL: strings.TrimRight(baseURL, "/"), prefix: opt.Prefix}
	rootKey, err := gost.GenerateKey(b.Rand, rootPS)
	if err != nil {
		return nil, fmt.Errorf("generate root key: %w", err)
	}
	issKey, err := gost.GenerateKey(b.Rand, issPS)
	if err != nil {
		return nil, fmt.Errorf("generate issuing key: %w", err)
	}
	now := clk.Now().Truncate(time.Second)
	rootName, err := caName("Корневой "+opt.CommonName, opt)
	if err != nil {
		return nil, err
	}
	issName, err := caName(opt.CommonName, opt)
	if err != nil {
		return nil, err
	}
	rootCert, err := b.caCertificate(rootKey, rootKey.Public(), rootName, rootName, nil, nil, now, now.AddDate(15, 0, 0), -1, "")
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	root, err := x509gost.ParseCertificate(rootCert)
	if err != nil {
		return nil, err
	}
	rootKeyID, err := keyIDOf(rootKey.Public())
	if err != nil {
		return nil, err
	}
	issCert, err := b.caCertificate(rootKey, issKey.Public(), rootName, issName, rootKeyID, root, now,
		now.AddDate(10, 0, 0), 0, b.RootName())
	if err != nil {
		return nil, fmt.Errorf("issuing certificate: %w", err)
	}
	if c, err := x509gost.ParseCertificate(issCert); err != nil {
		return nil, err
	} else if err := c.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("the issuing certificate does not verify against the root: %w", err)
	}
	err = db.InTx(ctx, func(ctx context.Context) error {
		for _, a := range []struct {
			name, role, parent string
			cert               []byte
			key                *gost.PrivateKey
		}{{b.RootName(), "root", b.RootName(), rootCert, rootKey}, {b.IssuingName(), "issuing", b.RootName(), issCert, issKey}} {
			pemKey, err := gost.EncryptPKCS8PEM(a.key, passphrase, b.Rand)
			if err != nil {
				return err
			}
			if err := db.SaveAuthority(ctx, &storage.Authority{Name: a.name, Role: a.role, Parent: a.parent, Cert: a.cert,
				KeyPEM: string(pemKey), CreatedAt: now}); err != nil {
				if err == storage.ErrDuplicate {
					return errs.New(errs.Conflict, "the CA was initialized concurrently")
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return LoadPrefix(ctx, db, clk, profile, baseURL, passphrase, opt.Prefix)
}

// RootName is the name of this instance's root authority.
func (b *Builtin) RootName() string { return b.prefix + "-root" }

// IssuingName is the name of this instance's issuing authority.
func (b *Builtin) IssuingName() string { return b.prefix + "-ca" }

// ofPrefix returns the stored authorities of one instance.
func ofPrefix(ctx context.Context, db *storage.DB, prefix string) ([]*storage.Authority, error) {
	all, err := db.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	var out []*storage.Authority
	for _, a := range all {
		if a.Name == prefix+"-root" || a.Name == prefix+"-ca" {
			out = append(out, a)
		}
	}
	return out, nil
}

func names(as []*storage.Authority) string {
	var n []string
	for _, a := range as {
		n = append(n, a.Name)
	}
	return strings.Join(n, ", ")
}

func paramSetNames() string {
	var n []string
	for _, ps := range gost.ParamSets() {
		if !strings.Contains(ps.Name, "test") {
			n = append(n, ps.Name)
		}
	}
	return strings.Join(n, ", ")
}

// caName is a CA's name as accredited Russian CAs write it: ОГРН and ИНН ЮЛ (NumericString), C, ST, L,
// street, O and CN, in that order.
func caName(cn string, opt InitOptions) ([]byte, error) {
	return x509gost.Name{
		{OID: x509gost.OIDOGRN, Value: opt.OGRN, Tag: asn1.TagNumericString},
		{OID: x509gost.OIDINNLE, Value: opt.INN, Tag: asn1.TagNumericString},
		{OID: x509gost.OIDCountry, Value: "RU", Tag: asn1.TagPrintableString},
		{OID: x509gost.OIDStateOrProvince, Value: opt.Region, Tag: asn1.TagUTF8String},
		{OID: x509gost.OIDLocality, Value: opt.Locality, Tag: asn1.TagUTF8String},
		{OID: x509gost.OIDStreet, Value: opt.Street, Tag: asn1.TagUTF8String},
		{OID: x509gost.OIDOrganization, Value: opt.Organization, Tag: asn1.TagUTF8String},
		{OID: x509gost.OIDCommonName, Value: cn, Tag: asn1.TagUTF8String},
	}.Marshal()
}

// caCertificate signs a CA certificate with signer. pathLen -1 means a root without a length limit;
// parentCert is the signer's certificate (nil for a root), whose issuer and serial the AKI names.
func (b *Builtin) caCertificate(signer gost.Signer, pub *gost.PublicKey, issuer, subject, authorityKeyID []byte,
	parentCert *x509gost.Certificate, notBefore, notAfter time.Time, pathLen int, parent string) ([]byte, error) {
	spki, err := pub.MarshalSPKI()
	if err != nil {
		return nil, err
	}
	serial, err := b.newSerial()
	if err != nil {
		return nil, err
	}
	ski, err := keyID(spki)
	if err != nil {
		return nil, err
	}
	exts := []x509gost.Extension{
		{OID: x509gost.OIDExtBasicConstraints, Critical: true, Value: x509gost.BasicConstraints(true, pathLen)},
		{OID: x509gost.OIDExtKeyUsage, Critical: true, Value: x509gost.KeyUsage(authorityKeyUsageBits...)},
		{OID: x509gost.OIDExtSubjectKeyID, Value: x509gost.SubjectKeyID(ski)},
		{OID: x509gost.OIDExtSubjectSignTool, Value: x509gost.SubjectSignTool(b.Profile.IssuerSignTool[0])},
	}
	if parent != "" {
		exts = append(exts,
			x509gost.Extension{OID: x509gost.OIDExtAuthorityKeyID, Value: x509gost.AuthorityKeyIDWithIssuer(authorityKeyID,
				parentCert.RawIssuer, parentCert.SerialNumber)},
			x509gost.Extension{OID: x509gost.OIDExtCRLDistributionPoints, Value: x509gost.CRLDistributionPoints(b.BaseURL + "/crl/" + parent + ".crl")},
			x509gost.Extension{OID: x509gost.OIDExtAuthorityInfoAccess, Value: x509gost.AuthorityInfoAccess(nil, []string{b.BaseURL + "/ca/" + parent + ".crt"})},
			x509gost.Extension{OID: x509gost.OIDExtCertificatePolicies, Value: x509gost.CertificatePolicies(b.Profile.classPolicies()...)})
	}
	tbs := &x509gost.TBSCertificate{SerialNumber: serial, SignatureAlgorithm: signer.Public().SignatureAlgorithm(), Issuer: issuer,
		NotBefore: notBefore, NotAfter: notAfter, Subject: subject, SPKI: spki, Extensions: exts}
	der, err := tbs.Marshal()
	if err != nil {
		return nil, err
	}
	return x509gost.SignCertificate(der, signer, b.Rand)
}

// Load reads kcr's own authorities and decrypts their keys with the passphrase.
func Load(ctx context.Context, db *storage.DB, clk clock.Clock, profile Profile, baseURL string, passphrase []byte) (*Builtin, error) {
	return LoadPrefix(ctx, db, clk, profile, baseURL, passphrase, DefaultPrefix)
}

// LoadPrefix reads the authorities <prefix>-root and <prefix>-ca and decrypts their keys.
func LoadPrefix(ctx context.Context, db *storage.DB, clk clock.Clock, profile Profile, baseURL string, passphrase []byte, prefix string) (*Builtin, error) {
	stored, err := ofPrefix(ctx, db, prefix)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, ErrNotInitialized
	}
	b := &Builtin{DB: db, Clock: clk, Rand: rand.Reader, Profile: profile, BaseURL: strings.TrimRight(baseURL, "/"), prefix: prefix}
	for _, s := range stored {
		cert, err := x509gost.ParseCertificate(s.Cert)
		if err != nil {
			return nil, fmt.Errorf("authority %s: stored certificate: %w", s.Name, err)
		}
		key, err := gost.DecryptPKCS8PEM([]byte(s.KeyPEM), passphrase)
		if err != nil {
			return nil, fmt.Errorf("authority %s: %w (check KCR_CA_PASSPHRASE or KCR_CA_PASSPHRASE_FILE)", s.Name, err)
		}
		if !key.Public().Equal(cert.PublicKey) {
			return nil, fmt.Errorf("authority %s: the stored key does not match its certificate", s.Name)
		}
		// The CA verifies every certificate, CRL and OCSP answer it signs with this key: a table built once
		// makes each of those checks about 1.7 times faster.
		key.Public().Precompute()
		kid, err := keyID(cert.RawSPKI)
		if err != nil {
			return nil, fmt.Errorf("authority %s: %w", s.Name, err)
		}
		ids, err := certIDHashes(cert)
		if err != nil {
			return nil, fmt.Errorf("authority %s: %w", s.Name, err)
		}
		a := &authority{name: s.Name, cert: cert, signer: key, keyID: kid, certIDs: ids}
		switch s.Role {
		case "root":
			b.root = a
		case "issuing":
			b.issuing = a
		}
	}
	if b.root == nil || b.issuing == nil {
		return nil, fmt.Errorf("the CA needs a root and an issuing authority; found %s", names(stored))
	}
	if err := b.issuing.cert.CheckSignatureFrom(b.root.cert); err != nil {
		return nil, fmt.Errorf("the issuing CA certificate does not verify against the root: %w", err)
	}
	return b, nil
}

// Certificate returns an authority's certificate (DER) by name.
func (b *Builtin) Certificate(name string) ([]byte, bool) {
	for _, a := range []*authority{b.root, b.issuing} {
		if a.name == name {
			return a.cert.Raw, true
		}
	}
	return nil, false
}

// Chain returns the certificates above a certificate issued by the named authority, nearest first.
func (b *Builtin) Chain(issuer string) [][]byte {
	switch issuer {
	case b.issuing.name:
		return [][]byte{b.issuing.cert.Raw, b.root.cert.Raw}
	case b.root.name:
		return [][]byte{b.root.cert.Raw}
	}
	return nil
}

// newSerial returns a random positive serial of 127 bits (at least 64 bits of entropy, RFC 5280's 20-octet limit).
func (b *Builtin) newSerial() (*big.Int, error) {
	buf := make([]byte, 16)
	for {
		if _, err := io.ReadFull(b.Rand, buf); err != nil {
			return nil, err
		}
		buf[0] &= 0x7f
		if n := new(big.Int).SetBytes(buf); n.BitLen() >= 64 {
			return n, nil
		}
	}
}

// Issue runs the pipeline: check the CSR (proof of possession, key on the named curve, key not certified
// to someone else), build the TBS from registration data, record the intent, lint the encoded TBS, sign,
// verify the signature just made, record it. Registration stores the certificate and calls Stored.
func (b *Builtin) Issue(ctx context.Context, req Request) (*Issued, error) {
	csr, err := x509gost.ParseCertificateRequest(req.CSR)
	if err != nil {
		return nil, errs.Field("csr", "unsupported", "the certificate request cannot be used: "+err.Error())
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, errs.Field("csr", "signature", "the certificate request's signature does not verify: it was not made with the key it carries")
	}
	if ps := csr.PublicKey.ParamSet(); ps.IsTest() {
		return nil, errs.Field("csr", "test_parameters", "the key uses the test parameter set "+ps.Name+": generate a key on a production parameter set")
	}
	sum := sha256.Sum256(csr.RawSPKI)
	keyHash := hex.EncodeToString(sum[:])
	holders, err := b.DB.KeyHolders(ctx, keyHash)
	if err != nil {
		return nil, err
	}
	for _, h := range holders {
		if h != req.Employee.ID {
			return nil, errs.New(errs.Conflict, "this public key is already certified to another person: the employee must generate a new key pair")
		}
	}
	subject, err := buildSubject(req)
	if err != nil {
		return nil, err
	}
	subjectDER, err := subject.Marshal()
	if err != nil {
		return nil, errs.Field("employee", "encoding", "the registration data cannot be encoded in a certificate: "+err.Error())
	}
	serial, err := b.newSerial()
	if err != nil {
		return nil, err
	}
	serialHex := serial.Text(16)
	now := b.Clock.Now()
	ski, err := keyID(csr.RawSPKI)
	if err != nil {
		return nil, errs.Field("csr", "malformed", "the request's public key cannot be read")
	}
	tbs, err := b.endEntityTBS(req, csr, subjectDER, ski, serial, now)
	if err != nil {
		return nil, err
	}
	if err := b.DB.CreateIntent(ctx, serialHex, b.issuing.name, req.Application.ID, now); err == storage.ErrDuplicate {
		return nil, errs.New(errs.Conflict, "the certificate of this application is being issued already")
	} else if err != nil {
		return nil, fmt.Errorf("record issuance intent: %w", err)
	}
	fail := func(err error) (*Issued, error) {
		if _, uerr := b.DB.UpdateIntent(ctx, serialHex, []string{storage.IntentPending}, storage.IntentFailed, nil, err.Error(),
			b.Clock.Now()); uerr != nil {
			return nil, errors.Join(err, uerr)
		}
		return nil, err
	}
	// Lint the encoded body parsed back: the real key signs exactly these bytes, and only once they passed.
	draft, err := tbs.Draft()
	if err != nil {
		return fail(fmt.Errorf("the certificate body cannot be encoded and read back: %w", err))
	}
	if err := b.Lint(draft.Certificate(), req.Application.Kind); err != nil {
		return fail(err)
	}
	// Sign verifies the signature just made with the issuing key, which Load checked is its certificate's.
	cert, err := draft.Sign(b.issuing.signer, b.Rand)
	if err != nil {
		return fail(err)
	}
	if moved, err := b.DB.UpdateIntent(ctx, serialHex, []string{storage.IntentPending}, storage.IntentSigned, cert.Raw, "",
		b.Clock.Now()); err != nil {
		return nil, err
	} else if !moved {
		// A reconciler found the intent stale and abandoned it: this certificate must not be stored.
		return nil, errs.New(errs.Conflict, "the issuance took too long and was abandoned; issue the certificate again")
	}
	return issued(b.issuing.name, cert), nil
}

// IssuedFromDER describes a certificate the named authority signed, from its DER: the live issuance returns
// it, and a reconciler rebuilds it from a signed intent to finish storing it.
func IssuedFromDER(issuer string, der []byte) (*Issued, error) {
	cert, err := x509gost.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("the signed certificate does not parse: %w", err)
	}
	return issued(issuer, cert), nil
}

func issued(issuer string, cert *x509gost.Certificate) *Issued {
	sum := sha256.Sum256(cert.RawSPKI)
	return &Issued{Serial: cert.SerialNumber.Text(16), DER: cert.Raw, Issuer: issuer, NotBefore: cert.NotBefore, NotAfter: cert.NotAfter,
		PublicKeyHash: hex.EncodeToString(sum[:])}
}

// Stored marks a signed intent's certificate as in the register; registration calls it in the storing
// transaction. An intent that is no longer signed (abandoned by a reconciler, or stored by another replica)
// is a conflict, which rolls the storing transaction back: a certificate is stored exactly once.
func (b *Builtin) Stored(ctx context.Context, serial string) error {
	moved, err := b.DB.UpdateIntent(ctx, serial, []string{storage.IntentSigned}, storage.IntentStored, nil, "", b.Clock.Now())
	if err == nil && !moved {
		err = errs.New(errs.Conflict, "the issuance of certificate %s was finished or abandoned meanwhile; reload the application", serial)
	}
	return err
}

// Abandoned marks an intent still in flight (pending, or signed but not stored) as abandoned; it frees the
// application for another try. An intent already stored, failed or abandoned is left as it is.
func (b *Builtin) Abandoned(ctx context.Context, serial, reason string) error {
	_, err := b.DB.UpdateIntent(ctx, serial, []string{storage.IntentPending, storage.IntentSigned}, storage.IntentAbandoned, nil,
		reason, b.Clock.Now())
	return err
}

// WithClock returns the same authorities working on another clock; the demo backdates certificates with
// it so that the register has some about to expire.
func (b *Builtin) WithClock(c clock.Clock) *Builtin {
	return &Builtin{DB: b.DB, Clock: c, Rand: b.Rand, Profile: b.Profile, BaseURL: b.BaseURL, prefix: b.prefix, root: b.root,
		issuing: b.issuing}
}
