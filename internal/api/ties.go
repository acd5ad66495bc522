package api

import (
	"net/http"

	"github.com/kcr-project/kcr/internal/attorney"
	"github.com/kcr-project/kcr/internal/mchd"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/registration"
)

// CertificateItem is a certificate of the register. An individual's certificate linked to an organization
// signs for it only with a power of attorney (МЧД) naming the holder: PowerOfAttorney is the one that lets
// them (registered), or else the last one that did (revoked or expired); PowerOfAttorneyMissing says there
// is none. Both are left out for other certificates and for callers who may not read powers of attorney.
type CertificateItem struct {
	model.Certificate
	PowerOfAttorney        *attorney.Tie `json:"power_of_attorney,omitempty"`
	PowerOfAttorneyMissing bool          `json:"power_of_attorney_missing,omitempty"`
}

// writeCertificates answers a page of the register with each certificate's power of attorney, read for
// the whole page at once.
func (s *Server) writeCertificates(w http.ResponseWriter, r *http.Request, page registration.ListPage[*model.Certificate]) error {
	p := principalOf(r)
	var ties map[string]*attorney.Tie
	show := s.PoA != nil && s.PoA.ShowsTies(p)
	if show {
		var err error
		if ties, err = s.PoA.CertificateTies(r.Context(), p, page.Items); err != nil {
			return err
		}
	}
	out := pageOf[CertificateItem]{Items: make([]CertificateItem, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, c := range page.Items {
		it := CertificateItem{Certificate: *c}
		if show && attorney.NeedsTie(c) {
			it.PowerOfAttorney = ties[c.Serial]
			it.PowerOfAttorneyMissing = it.PowerOfAttorney == nil
		}
		out.Items = append(out.Items, it)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// DismissResult is the dismissed employee with their powers of attorney not final yet, offered for
// revocation (POST /api/v1/powers-of-attorney/revoke with the employee_id revokes them all); empty when there
// are none or the caller may not revoke.
type DismissResult struct {
	model.Employee
	PowersOfAttorneyToRevoke []*mchd.Record `json:"powers_of_attorney_to_revoke"`
}

func (s *Server) writeDismissed(w http.ResponseWriter, r *http.Request, e *model.Employee) error {
	out := DismissResult{Employee: *e, PowersOfAttorneyToRevoke: []*mchd.Record{}}
	if s.PoA != nil {
		recs, err := s.PoA.Revocable(r.Context(), principalOf(r), e.ID)
		if err != nil {
			return err
		}
		out.PowersOfAttorneyToRevoke = recs
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
