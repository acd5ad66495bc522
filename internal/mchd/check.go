package mchd

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/requisites"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// FindQuery names the powers of attorney that might authorize a signature: by number, or by the grantor
// organization (id, or ИНН with an optional КПП), always within one account unless AccountID is empty
// (the CA operator).
type FindQuery struct {
	AccountID      string
	Number         string
	OrganizationID string
	OrgINN         string
	OrgKPP         string
}

// Finder looks up stored powers of attorney, with their XML bytes, for the authorization check.
type Finder interface {
	FindForCheck(ctx context.Context, q FindQuery) ([]Record, error)
}

// Reason is why a power of attorney does not authorize a signature.
type Reason string

// The reasons, in the order an answer lists them.
const (
	// ReasonNotFound: no power of attorney of that organization or with that number.
	ReasonNotFound Reason = "not_found"
	// ReasonNotRegistered: drafted, awaiting the head's signature, signed or still processing in the registry.
	ReasonNotRegistered Reason = "not_registered"
	// ReasonRejected: the registry refused to register it.
	ReasonRejected Reason = "rejected"
	// ReasonRevoked: revoked at or before the moment asked about.
	ReasonRevoked Reason = "revoked"
	// ReasonExpired: the Moscow date asked about is after СрокДейст.
	ReasonExpired Reason = "expired"
	// ReasonNotYetValid: the Moscow date asked about is before ДатаВыдДовер.
	ReasonNotYetValid Reason = "not_yet_valid"
	// ReasonRepresentativeMismatch: the certificate holder is not the representative it names.
	ReasonRepresentativeMismatch Reason = "representative_mismatch"
	// ReasonPowerNotGranted: the power code is not among its machine-readable powers.
	ReasonPowerNotGranted Reason = "power_not_granted"
	// ReasonOrganizationMismatch: its grantor is not the organization asked about.
	ReasonOrganizationMismatch Reason = "organization_mismatch"
	// ReasonCertificateNotValid: the moment asked about is outside the certificate's validity.
	ReasonCertificateNotValid Reason = "certificate_not_valid"
	// ReasonCertificateMalformed: the certificate cannot be read as a GOST X.509 certificate.
	ReasonCertificateMalformed Reason = "certificate_malformed"
)

// Reasons lists every reason in answer order.
var Reasons = []Reason{
	ReasonNotFound, ReasonNotRegistered, ReasonRejected, ReasonRevoked, ReasonExpired, ReasonNotYetValid,
	ReasonRepresentativeMismatch, ReasonPowerNotGranted, ReasonOrganizationMismatch, ReasonCertificateNotValid,
	ReasonCertificateMalformed,
}

// EnumValues lists the values for OpenAPI and input checks.
func (Reason) EnumValues() []string { return enumValues(Reasons) }

// Authorize tells why rec does not authorize a signature made with cert at the moment at for the power
// powerCode; nil means it does. The representative, the dates and the powers are read from the record's
// XML bytes (what the head signed), never from its columns. The rules (DESIGN.md section 8):
//   - state: registered authorizes; revoked authorizes only before RevokedAt; expired only within its term;
//     rejected never; draft, awaiting_signature and signed are not registered yet;
//   - term: ДатаВыдДовер ≤ at ≤ СрокДейст, compared as Moscow calendar dates;
//   - representative: СНИЛС when both the certificate and the file carry one, else ИНН ФЛ when both carry
//     one, else the full name (ignoring case, ё/е and extra spaces);
//   - power: the exact КодПолн among the machine-readable powers; text-only powers never authorize a code;
//   - certificate: at within its NotBefore..NotAfter (instants).
//
// A record whose file cannot be read is treated as absent (not_found). The grantor is checked by Checker,
// which knows the organization asked about.
func Authorize(cert *x509gost.Certificate, rec *Record, powerCode string, at time.Time) []Reason {
	if cert == nil {
		return []Reason{ReasonCertificateMalformed}
	}
	doc, err := Parse(rec.XML)
	if err != nil {
		return []Reason{ReasonNotFound}
	}
	return authorizeDoc(cert, holderOf(cert), rec, doc, powerCode, at)
}

func authorizeDoc(cert *x509gost.Certificate, h holder, rec *Record, doc *Document, powerCode string, at time.Time) []Reason {
	var out []Reason
	switch rec.State {
	case StateRegistered, StateExpired:
	case StateRevoked:
		if rec.RevokedAt == nil || !at.Before(*rec.RevokedAt) {
			out = append(out, ReasonRevoked)
		}
	case StateRejected:
		out = append(out, ReasonRejected)
	default:
		out = append(out, ReasonNotRegistered)
	}
	day := mskDate(at)
	if day > mskDate(doc.EndDate) {
		out = append(out, ReasonExpired)
	}
	if day < mskDate(doc.IssueDate) {
		out = append(out, ReasonNotYetValid)
	}
	if !h.is(&doc.Representative) {
		out = append(out, ReasonRepresentativeMismatch)
	}
	if !slices.ContainsFunc(doc.Powers, func(p Power) bool { return p.Code == powerCode }) {
		out = append(out, ReasonPowerNotGranted)
	}
	if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		out = append(out, ReasonCertificateNotValid)
	}
	return out
}

// holder is who a certificate names: СНИЛС, personal ИНН and the full name, folded for comparison.
type holder struct {
	snils, inn, name string
}

func holderOf(cert *x509gost.Certificate) holder {
	var h holder
	h.snils, _ = cert.Subject.Get(x509gost.OIDSNILS)
	h.inn, _ = cert.Subject.Get(x509gost.OIDINN)
	sn, _ := cert.Subject.Get(x509gost.OIDSurname)
	gn, _ := cert.Subject.Get(x509gost.OIDGivenName)
	if sn != "" && gn != "" {
		h.name = foldName(sn + " " + gn)
	} else {
		cn, _ := cert.Subject.Get(x509gost.OIDCommonName)
		h.name = foldName(cn)
	}
	return h
}

// is compares by СНИЛС, else ИНН ФЛ, else full name: the first identifier both sides carry decides.
func (h holder) is(p *Person) bool {
	switch {
	case h.snils != "" && p.SNILS != "":
		return h.snils == p.SNILS
	case h.inn != "" && p.INN != "":
		return h.inn == p.INN
	default:
		return h.name != "" && h.name == foldName(p.LastName+" "+p.FirstName+" "+p.MiddleName)
	}
}

// foldName lowers case, reads ё as е and collapses spaces, so "ПЁТР  Иванов" equals "пётр иванов".
func foldName(s string) string { return strings.Join(strings.Fields(fold(s)), " ") }

// CheckQuery asks whether a signature made with Certificate at At is authorized for PowerCode on behalf
// of an organization (its id, or ИНН with an optional КПП) or by the numbered power of attorney. Both may
// be given: then the numbered one must be that organization's.
type CheckQuery struct {
	// Certificate is the signer's certificate, PEM or DER.
	Certificate []byte `json:"certificate"`
	// AccountID scopes the search to one client account; empty for the CA operator.
	AccountID      string    `json:"-"`
	OrganizationID string    `json:"organization_id,omitempty"`
	OrgINN         string    `json:"org_inn,omitempty"`
	OrgKPP         string    `json:"org_kpp,omitempty"`
	Number         string    `json:"number,omitempty"`
	PowerCode      string    `json:"power_code"`
	At             time.Time `json:"at"`
}

// CheckResult is the answer: authorized or not, the number of the power of attorney that authorizes (or of
// the single closest candidate when none does), and the reasons of the closest candidates.
type CheckResult struct {
	Authorized bool     `json:"authorized"`
	Number     string   `json:"number,omitempty"`
	Reasons    []Reason `json:"reasons"`
}

// Checker answers authorization checks from the stored powers of attorney.
type Checker struct {
	Find Finder
}

// MaxCertificateSize bounds the certificate a check reads; real ones are a few kilobytes.
const MaxCertificateSize = 64 << 10

// Check answers whether the certificate's holder may sign for the organization with the power on the date.
// Bad input is an errs.Invalid naming the field; a certificate that is present but unreadable is an answer
// (certificate_malformed), not an error.
//
// With several candidates the signature is authorized if any of them authorizes it. Otherwise the answer
// carries the reasons of the closest candidates: only those naming the certificate holder count (if none
// does, the answer is representative_mismatch alone), and among them those with the fewest reasons; when
// several tie their reasons are merged. Number is the authorizing record's, or the closest one's when it is
// a single record.
func (c *Checker) Check(ctx context.Context, q CheckQuery) (*CheckResult, error) {
	if err := validateQuery(&q); err != nil {
		return nil, err
	}
	der, err := certificateDER(q.Certificate)
	if err != nil {
		return nil, err
	}
	cert, err := x509gost.ParseCertificate(der)
	if err != nil {
		return &CheckResult{Reasons: []Reason{ReasonCertificateMalformed}}, nil
	}
	fq := FindQuery{AccountID: q.AccountID, Number: q.Number}
	if q.Number == "" {
		fq.OrganizationID, fq.OrgINN, fq.OrgKPP = q.OrganizationID, q.OrgINN, q.OrgKPP
	}
	recs, err := c.Find.FindForCheck(ctx, fq)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return &CheckResult{Reasons: []Reason{ReasonNotFound}}, nil
	}
	h := holderOf(cert)
	var best []Reason
	var bestNumber string
	ties := 0
	for i := range recs {
		rec := &recs[i]
		if !mayName(rec.XML, h) {
			continue
		}
		doc, err := Parse(rec.XML)
		if err != nil {
			// kcr drafted and stored this file: not reading it back is kcr's fault, not the caller's.
			return nil, fmt.Errorf("mchd check: stored power of attorney %s cannot be read: %v", rec.ID, err)
		}
		if !h.is(&doc.Representative) {
			continue
		}
		reasons := authorizeDoc(cert, h, rec, doc, q.PowerCode, q.At)
		if !sameOrganization(&q, rec, doc) {
			reasons = append(reasons, ReasonOrganizationMismatch)
		}
		switch {
		case len(reasons) == 0:
			return &CheckResult{Authorized: true, Number: rec.Number, Reasons: []Reason{}}, nil
		case best == nil || len(reasons) < len(best):
			best, bestNumber, ties = reasons, rec.Number, 1
		case len(reasons) == len(best):
			best = append(best, reasons...)
			ties++
		}
	}
	res := &CheckResult{Reasons: ordered(best)}
	switch {
	case best == nil:
		res.Reasons = []Reason{ReasonRepresentativeMismatch}
		if len(recs) == 1 {
			res.Number = recs[0].Number
		}
	case ties == 1:
		res.Number = bestNumber
	}
	return res, nil
}

// mayName is a cheap filter before parsing: a file kcr drafted always carries the representative's СНИЛС
// (Validate requires it), so a file without the holder's СНИЛС in either spelling the XSD allows cannot
// name the holder. Without a СНИЛС in the certificate every file may.
func mayName(file []byte, h holder) bool {
	if len(h.snils) != 11 {
		return true
	}
	s := formatSNILS(h.snils)
	return bytes.Contains(file, []byte(s)) || bytes.Contains(file, []byte(s[:11]+"-"+s[12:]))
}

// sameOrganization tells whether the record's grantor is the organization the query names, if it names one.
func sameOrganization(q *CheckQuery, rec *Record, doc *Document) bool {
	if q.OrganizationID != "" && rec.OrganizationID != q.OrganizationID {
		return false
	}
	if q.OrgINN != "" && doc.Grantor.INN != q.OrgINN {
		return false
	}
	return q.OrgKPP == "" || doc.Grantor.KPP == q.OrgKPP
}

// ordered deduplicates reasons and sorts them in the order of Reasons.
func ordered(rs []Reason) []Reason {
	var out []Reason
	for _, r := range Reasons {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

func validateQuery(q *CheckQuery) error {
	var f errs.Fields
	switch {
	case len(q.Certificate) == 0:
		f.Add("certificate", "required", "is required: the signer's certificate, PEM or DER")
	case len(q.Certificate) > MaxCertificateSize:
		f.Add("certificate", "too_large", fmt.Sprintf("must be at most %d bytes", MaxCertificateSize))
	}
	switch n := utf8.RuneCountInString(q.PowerCode); {
	case n == 0:
		f.Add("power_code", "required", "is required")
	case n > maxPowerField || !utf8.ValidString(q.PowerCode) || strings.TrimSpace(q.PowerCode) != q.PowerCode:
		f.Add("power_code", "format", fmt.Sprintf("must be a power code of at most %d characters without surrounding spaces", maxPowerField))
	}
	if q.At.IsZero() {
		f.Add("at", "required", "is required: the moment of the signature")
	}
	if q.Number == "" && q.OrganizationID == "" && q.OrgINN == "" {
		f.Add("organization", "required", "give the organization (organization_id or org_inn) or the power of attorney number")
	}
	if q.Number != "" && !guidRe.MatchString(q.Number) {
		f.Add("number", "format", "must be a GUID such as 0c9f6f0e-3d1c-4f6e-9a59-2b8a6c1d7e42")
	}
	if q.OrgINN != "" {
		if err := requisites.ValidateINN10(q.OrgINN); err != nil {
			f.Add("org_inn", "invalid", err.Error())
		}
	}
	if q.OrgKPP != "" {
		if q.OrgINN == "" {
			f.Add("org_kpp", "requires_inn", "is only read together with org_inn")
		} else if err := requisites.ValidateKPP(q.OrgKPP); err != nil {
			f.Add("org_kpp", "invalid", err.Error())
		}
	}
	return f.Err()
}

// certificateDER reads a DER certificate or one PEM CERTIFICATE block. Bytes that are neither PEM nor start
// like DER are left to the parser, which answers certificate_malformed.
func certificateDER(b []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(b)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		return b, nil
	}
	block, rest := pem.Decode(trimmed)
	switch {
	case block == nil:
		return nil, errs.Field("certificate", "format", "the PEM block cannot be decoded")
	case block.Type != "CERTIFICATE":
		return nil, errs.Field("certificate", "format", "the PEM block is a "+block.Type+", not a CERTIFICATE")
	case len(bytes.TrimSpace(rest)) != 0:
		return nil, errs.Field("certificate", "format", "give one certificate: the signer's")
	}
	return block.Bytes, nil
}
