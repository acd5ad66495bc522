package attorney

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/storage"
)

// MaxSignature bounds one signature file (a CMS signature with its certificate chain is a few KiB).
const MaxSignature = 64 << 10

// MaxSignatureFiles bounds how many signatures one bulk upload carries.
const MaxSignatureFiles = MaxBulk

// DecodeSignature reads a detached CMS signature given as DER, PEM or base64.
func DecodeSignature(b []byte) ([]byte, error) {
	if len(b) > MaxSignature*2 {
		return nil, errs.Field("signature", "too_large", "must be at most 64 KiB")
	}
	t := bytes.TrimSpace(b)
	var der []byte
	switch {
	case len(t) == 0:
		return nil, errs.Field("signature", "required", "is required")
	case b[0] == 0x30:
		der = b // DER exactly as given: trailing bytes are the checker's to refuse
	case bytes.HasPrefix(t, []byte("-----BEGIN")):
		blk, _ := pem.Decode(t)
		if blk == nil {
			return nil, errs.Field("signature", "encoding", "is not a readable PEM block")
		}
		der = blk.Bytes
	default:
		clean := strings.Join(strings.Fields(string(t)), "")
		d, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			return nil, errs.Field("signature", "encoding", "is neither DER, PEM nor base64")
		}
		der = d
	}
	if len(der) > MaxSignature {
		return nil, errs.Field("signature", "too_large", "must be at most 64 KiB")
	}
	return der, nil
}

// AttachSignature checks the head's detached signature over the record's exact file bytes and that the
// signer is the organization's recorded head, and on success stores it: the record becomes signed. A
// refusal changes nothing and names the failed check.
func (s *Service) AttachSignature(ctx context.Context, p *access.Principal, id string, sig []byte) (*mchd.Record, error) {
	if !canWrite(p) {
		return nil, forbidden("sign")
	}
	der, err := DecodeSignature(sig)
	if err != nil {
		return nil, err
	}
	var r *mchd.Record
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if r, err = s.record(ctx, p, id); err != nil {
			return err
		}
		return s.attach(ctx, p.Actor, r, der)
	})
	return r, err
}

func (s *Service) attach(ctx context.Context, actor string, r *mchd.Record, der []byte) error {
	if r.State != mchd.StateAwaitingSignature {
		return errs.New(errs.Conflict, "the power of attorney is %s, not awaiting the head's signature", r.State)
	}
	if s.Checker == nil {
		return errs.New(errs.Unavailable, "no trust store of state CAs is configured: signatures cannot be checked")
	}
	scope := storage.Scope{AccountID: r.AccountID}
	org, err := s.DB.Organization(ctx, scope, r.OrganizationID)
	if err != nil {
		return err
	}
	head, err := s.DB.OrganizationHead(ctx, scope, r.OrganizationID)
	if storage.IsNoRows(err) {
		return errs.Field("signature", "head", "the organization has no recorded head any more")
	} else if err != nil {
		return err
	}
	info, err := s.Checker.Check(r.XML, der, mchd.HeadIdentity{OrgINN: org.INN, OrgOGRN: org.OGRN, SNILS: head.SNILS, INN: head.INN})
	if err != nil {
		return err
	}
	at := info.SigningTime.UTC()
	r.State, r.Signature, r.SignedAt = mchd.StateSigned, der, &at
	return s.transition(ctx, actor, r, mchd.StateAwaitingSignature, audit.PoASign, "the head's signature checked")
}

// SignatureFile is one uploaded signature: its file name and bytes.
type SignatureFile struct {
	Name string
	Data []byte
}

// SignatureResult is what became of one uploaded signature file.
type SignatureResult struct {
	File  string     `json:"file"`
	ID    string     `json:"id,omitempty"`
	State mchd.State `json:"state,omitempty"`
	Error *ItemError `json:"error,omitempty"`
}

// AttachSignatures takes many signatures at once (files or zip archives of them), each matched to its
// power of attorney by file name: <ИдФайл>.xml.sig, <ИдФайл>.sig or .sgn. Each is checked and stored on its
// own; the report says what became of each file.
func (s *Service) AttachSignatures(ctx context.Context, p *access.Principal, files []SignatureFile) ([]SignatureResult, error) {
	if !canWrite(p) {
		return nil, forbidden("sign")
	}
	var all []SignatureFile
	for _, f := range files {
		if bytes.HasPrefix(f.Data, []byte("PK\x03\x04")) {
			inner, err := unzip(f)
			if err != nil {
				return nil, err
			}
			all = append(all, inner...)
			continue
		}
		all = append(all, f)
	}
	if len(all) == 0 {
		return nil, errs.Field("files", "required", "upload at least one signature file")
	}
	if len(all) > MaxSignatureFiles {
		return nil, errs.Field("files", "too_many", "at most 5000 signatures at once")
	}
	out := make([]SignatureResult, 0, len(all))
	for _, f := range all {
		res := SignatureResult{File: f.Name}
		r, err := s.attachFile(ctx, p, f)
		if r != nil {
			res.ID, res.State = r.ID, r.State
		}
		if err != nil {
			if errs.KindOf(err) == errs.Internal {
				return nil, err
			}
			res.Error = itemError(err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *Service) attachFile(ctx context.Context, p *access.Principal, f SignatureFile) (*mchd.Record, error) {
	number, ok := numberOfSignatureFile(f.Name)
	if !ok {
		return nil, errs.Field("file", "name", "must be named <file name of the power of attorney>.sig, .sgn or .xml.sig")
	}
	rows, err := s.DB.PowersOfAttorney(ctx, p.Scope(), storage.PoAFilter{Number: number}, storage.Page{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.TrimSuffix(rows[0].FileName, ".xml") != fileID(f.Name) {
		return nil, errs.Field("file", "unknown", "no power of attorney with this file name in your scope")
	}
	r, err := s.AttachSignature(ctx, p, rows[0].ID, f.Data)
	if err != nil {
		return rows[0], err
	}
	return r, nil
}

// fileID is the ИдФайл a signature file is named after.
func fileID(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	for _, ext := range []string{".sig", ".sgn", ".p7s"} {
		if b, ok := strings.CutSuffix(strings.ToLower(base), ext); ok {
			base = base[:len(b)]
			break
		}
	}
	return strings.TrimSuffix(base, ".xml")
}

// numberOfSignatureFile reads НомДовер from the end of ON_EMCHD_<date>_<GUID>.
func numberOfSignatureFile(name string) (string, bool) {
	id := fileID(name)
	if len(id) < 36 || !strings.HasPrefix(id, "ON_EMCHD_") || len(id) == len(path.Base(name)) {
		return "", false
	}
	return id[len(id)-36:], true
}

// unzip reads the signature files of a zip archive, bounded in number and size.
func unzip(f SignatureFile) ([]SignatureFile, error) {
	zr, err := zip.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
	if err != nil {
		return nil, errs.Field("files", "zip", f.Name+" is not a readable zip archive")
	}
	var out []SignatureFile
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		if len(out) >= MaxSignatureFiles {
			return nil, errs.Field("files", "too_many", "at most 5000 signatures at once")
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, errs.Field("files", "zip", f.Name+": "+zf.Name+" cannot be read")
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxSignature*2+1))
		rc.Close()
		if err != nil {
			return nil, errs.Field("files", "zip", f.Name+": "+zf.Name+" cannot be read")
		}
		out = append(out, SignatureFile{Name: zf.Name, Data: data})
	}
	return out, nil
}

// DemoSigned is what became of one power of attorney the demo head signed.
type DemoSigned struct {
	ID    string     `json:"id"`
	State mchd.State `json:"state,omitempty"`
	Error *ItemError `json:"error,omitempty"`
}

// HasDemoSigner tells whether SignAsHeadDemo exists (kcr runs with --demo).
func (s *Service) HasDemoSigner() bool { return s.Demo != nil }

// SignAsHeadDemo signs each listed power of attorney as its organization's demo head and attaches the
// signature through the same check as an uploaded one. It does not exist without --demo.
func (s *Service) SignAsHeadDemo(ctx context.Context, p *access.Principal, ids []string) ([]DemoSigned, error) {
	if s.Demo == nil {
		return nil, errs.NotFoundf("signing as the head exists only in the demo")
	}
	if !canWrite(p) {
		return nil, forbidden("sign")
	}
	if len(ids) == 0 {
		return nil, errs.Field("ids", "required", "list the powers of attorney to sign")
	}
	if len(ids) > MaxBulk {
		return nil, errs.Field("ids", "too_many", "at most 5000 at once")
	}
	out := make([]DemoSigned, 0, len(ids))
	for _, id := range ids {
		res := DemoSigned{ID: id}
		r, err := s.demoSign(ctx, p, id)
		if r != nil {
			res.State = r.State
		}
		if err != nil {
			if errs.KindOf(err) == errs.Internal {
				return nil, err
			}
			res.Error = itemError(err)
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *Service) demoSign(ctx context.Context, p *access.Principal, id string) (*mchd.Record, error) {
	r, err := s.record(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.State != mchd.StateAwaitingSignature {
		return r, errs.New(errs.Conflict, "the power of attorney is %s, not awaiting the head's signature", r.State)
	}
	sig, err := s.Demo.SignAsHead(ctx, r.OrganizationID, r.XML)
	if err != nil {
		return r, err
	}
	return s.AttachSignature(ctx, p, id, sig)
}

// ItemError is why one item of a bulk request failed, shaped like the API's problem fields.
type ItemError struct {
	Kind   errs.Kind         `json:"kind"`
	Detail string            `json:"detail"`
	Fields []errs.FieldError `json:"fields,omitempty"`
}

func itemError(err error) *ItemError {
	var e *errs.Error
	if !errors.As(err, &e) {
		return &ItemError{Kind: errs.Internal, Detail: "internal error"}
	}
	return &ItemError{Kind: e.Kind, Detail: e.Detail, Fields: e.Fields}
}
