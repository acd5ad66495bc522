package registration

import (
	"context"
	"strings"

	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// normalizeRegionCode trims the region code and, when none is given, takes the first two digits of the
// ИНН: the code of the tax office's region, where the organization is registered.
func (in *OrganizationInput) normalizeRegionCode() {
	in.RegionCode = strings.TrimSpace(in.RegionCode)
	if in.RegionCode == "" && len(in.INN) >= 2 && digitsRe.MatchString(in.INN[:2]) {
		in.RegionCode = in.INN[:2]
	}
}

// checkRegionCode validates the code of the federal subject that a certificate's ST begins with.
func (in *OrganizationInput) checkRegionCode(f *errs.Fields) {
	if in.RegionCode != "" && (len(in.RegionCode) != 2 || !digitsRe.MatchString(in.RegionCode) || in.RegionCode == "00") {
		f.Add("region_code", "format", "must be the two-digit code of the region, such as 77 for Moscow")
	}
}

// checkSignTool maps the chosen crypto tool to its certified name; "" leaves the choice to the request
// (or the CA's default).
func (in *ApplicationInput) checkSignTool(f *errs.Fields) {
	in.SignTool = collapse(in.SignTool)
	if in.SignTool == "" {
		return
	}
	tool, ok := ca.CertifiedSignTool(in.SignTool)
	if !ok {
		f.Add("sign_tool", "enum", "must be one of the certified tools: "+strings.Join(ca.SignTools, "; "))
		return
	}
	in.SignTool = tool
}

// checkCertificateData checks, when an application is created, that the registration data fits the
// certificate profile (lengths, a sole proprietor's ИНН), so that nothing is first refused at issuance.
func (s *Service) checkCertificateData(ctx context.Context, a *model.Application, e *model.Employee) error {
	o, err := s.DB.Organization(ctx, storage.Scope{AccountID: a.AccountID}, e.OrganizationID)
	if err != nil {
		return err
	}
	return ca.CheckSubject(a.Kind, e, o)
}
