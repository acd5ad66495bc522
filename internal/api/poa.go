package api

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/billing/document"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/mchd"
)

// DraftResult reports a draft per employee.
type DraftResult struct {
	Items []attorney.Drafted `json:"items"`
}

// RevokeRequest revokes with a reason.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

// BulkRevokeRequest revokes every power of attorney not final yet of an organization or of an employee.
type BulkRevokeRequest struct {
	OrganizationID string `json:"organization_id,omitempty"`
	EmployeeID     string `json:"employee_id,omitempty"`
	Reason         string `json:"reason"`
}

// BulkRevokeResult reports a bulk revocation per power of attorney.
type BulkRevokeResult struct {
	Items []attorney.Revoked `json:"items"`
}

// SignaturesResult reports a bulk signature upload per file.
type SignaturesResult struct {
	Items []attorney.SignatureResult `json:"items"`
}

// DemoSignRequest names the powers of attorney the demo head signs.
type DemoSignRequest struct {
	IDs []string `json:"ids"`
}

// DemoSignResult reports demo signing per power of attorney.
type DemoSignResult struct {
	Items []attorney.DemoSigned `json:"items"`
}

// PowersResult is the classifier search's answer.
type PowersResult struct {
	Items []mchd.ClassifiedPower `json:"items"`
}

// CheckRequest asks whether a signature is authorized. Certificate is PEM, or base64 of DER; At is an
// RFC 3339 time and defaults to now.
type CheckRequest struct {
	Certificate    string    `json:"certificate"`
	OrganizationID string    `json:"organization_id,omitempty"`
	OrgINN         string    `json:"org_inn,omitempty"`
	OrgKPP         string    `json:"org_kpp,omitempty"`
	Number         string    `json:"number,omitempty"`
	PowerCode      string    `json:"power_code"`
	At             time.Time `json:"at,omitzero"`
}

var poaQuery = []string{"cursor", "limit", "organization_id", "employee_id", "state", "ending_before", "number"}

// signatureMedia are the media types a signature upload may come as.
var signatureMedia = []string{"application/pkcs7-signature", "application/octet-stream", "application/x-pem-file", "text/plain"}

// maxSignaturesBody bounds a bulk signature upload (thousands of signatures of a few KiB).
const maxSignaturesBody = 64 << 20

func (s *Server) poaRoutes() []route {
	const tag = "powers-of-attorney"
	base := "/api/v1/powers-of-attorney"
	return []route{
		{Method: "GET", Path: base, ID: "listPowersOfAttorney", Tag: tag, Summary: "List powers of attorney (МЧД) in scope (audited)",
			Query: poaQuery, Out: attorney.Page{}, Status: 200, Handle: (*Server).listPoA},
		{Method: "POST", Path: base, ID: "draftPowersOfAttorney", Tag: tag,
			Summary: "Draft МЧД from the register for one or many employees of an organization; all or nothing, reported per employee",
			In:      attorney.DraftInput{}, Out: DraftResult{}, Status: 201, Handle: (*Server).draftPoA},
		{Method: "GET", Path: base + "/{id}", ID: "getPowerOfAttorney", Tag: tag, Summary: "Get a power of attorney with its history (audited)",
			Out: attorney.View{}, Status: 200, Handle: (*Server).getPoA},
		{Method: "GET", Path: base + "/{id}/file", ID: "getPowerOfAttorneyFile", Tag: tag,
			Summary: "Download the exact ЕМЧД 003 file the head signs (audited)", OutMedia: []string{"application/xml"}, Status: 200,
			Handle: (*Server).getPoAFile},
		{Method: "GET", Path: base + "/{id}/signature", ID: "getPowerOfAttorneySignature", Tag: tag,
			Summary: "Download the head's detached CMS signature, DER (audited)", OutMedia: []string{"application/pkcs7-signature"},
			Status: 200, Handle: (*Server).getPoASignature},
		{Method: "PUT", Path: base + "/{id}/signature", ID: "putPowerOfAttorneySignature", Tag: tag,
			Summary: "Attach the head's detached CMS signature (DER, PEM or base64); checked against the file and the organization's head",
			InMedia: signatureMedia, Out: mchd.Record{}, Status: 200, Handle: (*Server).putPoASignature},
		{Method: "POST", Path: base + "/{id}/register", ID: "registerPowerOfAttorney", Tag: tag, OwnTransactions: true,
			Summary: "Submit a signed power of attorney to the registry; the status follows asynchronously",
			Out:     mchd.Record{}, Status: 200, Handle: (*Server).registerPoA},
		{Method: "POST", Path: base + "/{id}/revoke", ID: "revokePowerOfAttorney", Tag: tag, OwnTransactions: true,
			Summary: "Revoke with a reason: in the registry when registered, locally before", In: RevokeRequest{},
			Out: mchd.Record{}, Status: 200, Handle: (*Server).revokePoA},
		{Method: "POST", Path: base + "/revoke", ID: "revokePowersOfAttorney", Tag: tag, OwnTransactions: true,
			Summary: "Revoke every power of attorney not final yet of an organization or of an employee (dismissal)",
			In:      BulkRevokeRequest{}, Out: BulkRevokeResult{}, Status: 200, Handle: (*Server).bulkRevokePoA},
		{Method: "POST", Path: base + "/signatures", ID: "uploadPowerOfAttorneySignatures", Tag: tag, OwnTransactions: true,
			Summary: "Upload many signatures (multipart files or a zip) named <ИдФайл>.xml.sig, .sig or .sgn; reported per file",
			InMedia: []string{"multipart/form-data", "application/zip"}, Out: SignaturesResult{}, Status: 200,
			Handle: (*Server).uploadPoASignatures},
		{Method: "POST", Path: base + "/demo-sign", ID: "demoSignPowersOfAttorney", Tag: tag, OwnTransactions: true,
			Summary: "Demo only (404 otherwise): sign as the organization's demo head", In: DemoSignRequest{},
			Out: DemoSignResult{}, Status: 200, Handle: (*Server).demoSignPoA},
		{Method: "POST", Path: base + "/check", ID: "checkPowerOfAttorney", Tag: tag,
			Summary: "May the holder of this certificate sign for the organization with this power at this time?",
			In:      CheckRequest{}, Out: mchd.CheckResult{}, Status: 200, Handle: (*Server).checkPoA},
		{Method: "GET", Path: "/api/v1/powers", ID: "searchPowers", Tag: tag, Summary: "Search the classifier of machine-readable powers",
			Query: []string{"q"}, Out: PowersResult{}, Status: 200, Handle: (*Server).searchPowers},
	}
}

func (s *Server) poa() (*attorney.Service, error) {
	if s.PoA == nil {
		return nil, errs.New(errs.Unavailable, "powers of attorney are not configured")
	}
	return s.PoA, nil
}

func (s *Server) listPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	q, err := parseQuery(r, poaQuery...)
	if err != nil {
		return err
	}
	n, err := q.limit()
	if err != nil {
		return err
	}
	page, err := svc.List(r.Context(), principalOf(r), attorney.ListFilter{OrganizationID: q.get("organization_id"),
		EmployeeID: q.get("employee_id"), State: mchd.State(q.get("state")), EndingBefore: q.get("ending_before"),
		Number: q.get("number")}, q.get("cursor"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) draftPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	var in attorney.DraftInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := svc.Draft(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	if len(out) == 1 {
		w.Header().Set("Location", "/api/v1/powers-of-attorney/"+out[0].ID)
	}
	writeJSON(w, http.StatusCreated, DraftResult{Items: out})
	return nil
}

func (s *Server) getPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	v, err := svc.Get(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func writeFile(w http.ResponseWriter, media, name string, data []byte) error {
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", document.ContentDisposition("attachment", name))
	_, err := w.Write(data)
	return err
}

func (s *Server) getPoAFile(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	name, data, err := svc.File(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeFile(w, "application/xml", name, data)
}

func (s *Server) getPoASignature(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	name, der, err := svc.Signature(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeFile(w, "application/pkcs7-signature", name, der)
}

func (s *Server) putPoASignature(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	if mt := mediaType(r); !contains(signatureMedia, mt) {
		return errs.New(errs.UnsupportedMedia, "send the signature as application/pkcs7-signature (DER), application/x-pem-file or text/plain (base64)")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	rec, err := svc.AttachSignature(r.Context(), principalOf(r), r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *Server) registerPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	rec, err := svc.Register(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) revokePoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	var in RevokeRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rec, err := svc.Revoke(r.Context(), principalOf(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) bulkRevokePoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	var in BulkRevokeRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var out []attorney.Revoked
	switch {
	case in.OrganizationID != "" && in.EmployeeID != "":
		return errs.Field("employee_id", "not_allowed", "name an organization or an employee, not both")
	case in.OrganizationID != "":
		out, err = svc.RevokeForOrganization(r.Context(), principalOf(r), in.OrganizationID, in.Reason)
	case in.EmployeeID != "":
		out, err = svc.RevokeForEmployee(r.Context(), principalOf(r), in.EmployeeID, in.Reason)
	default:
		return errs.Field("organization_id", "required", "name an organization or an employee")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, BulkRevokeResult{Items: out})
	return nil
}

func (s *Server) uploadPoASignatures(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSignaturesBody+1))
	if err != nil {
		return errs.New(errs.Malformed, "the request body could not be read")
	}
	if len(body) > maxSignaturesBody {
		return errs.New(errs.TooLarge, "the request body is over %d bytes", maxSignaturesBody)
	}
	var files []attorney.SignatureFile
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/zip":
		files = []attorney.SignatureFile{{Name: "upload.zip", Data: body}}
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return errs.New(errs.Malformed, "the multipart body cannot be read")
			}
			if part.FileName() == "" {
				continue
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return errs.New(errs.Malformed, "the multipart body cannot be read")
			}
			files = append(files, attorney.SignatureFile{Name: part.FileName(), Data: data})
		}
	default:
		return errs.New(errs.UnsupportedMedia, "send the signatures as multipart/form-data files or one application/zip")
	}
	out, err := svc.AttachSignatures(r.Context(), principalOf(r), files)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SignaturesResult{Items: out})
	return nil
}

func (s *Server) demoSignPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	if !svc.HasDemoSigner() {
		return errs.NotFoundf("signing as the head exists only in the demo")
	}
	var in DemoSignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := svc.SignAsHeadDemo(r.Context(), principalOf(r), in.IDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, DemoSignResult{Items: out})
	return nil
}

func (s *Server) checkPoA(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.poa()
	if err != nil {
		return err
	}
	var in CheckRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	cert := []byte(in.Certificate)
	if t := strings.TrimSpace(in.Certificate); t != "" && !strings.HasPrefix(t, "-----BEGIN") {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(t), ""))
		if err != nil {
			return errs.Field("certificate", "encoding", "must be PEM or base64 of DER")
		}
		cert = der
	}
	res, err := svc.Check(r.Context(), principalOf(r), mchd.CheckQuery{Certificate: cert, OrganizationID: in.OrganizationID,
		OrgINN: in.OrgINN, OrgKPP: in.OrgKPP, Number: in.Number, PowerCode: in.PowerCode, At: in.At})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) searchPowers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r, "q")
	if err != nil {
		return err
	}
	out := mchd.SearchPowers(q.get("q"))
	if out == nil {
		out = []mchd.ClassifiedPower{}
	}
	writeJSON(w, http.StatusOK, PowersResult{Items: out})
	return nil
}
