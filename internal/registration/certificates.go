package registration

import (
	"context"
	"slices"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/storage"
)

// RevocationReasons are the RFC 5280 CRLReason values an end-entity certificate may be revoked for, in
// the API's snake_case spelling.
var RevocationReasons = []string{"unspecified", "key_compromise", "affiliation_changed", "superseded",
	"cessation_of_operation", "privilege_withdrawn"}

// withStatus turns a stored valid certificate past its end date into expired, by the injected clock.
func withStatus(c *model.Certificate, now time.Time) *model.Certificate {
	if c.Status == model.CertValid && !now.Before(c.NotAfter) {
		c.Status = model.CertExpired
	}
	return c
}

// Certificate returns a certificate in scope.
func (s *Service) Certificate(ctx context.Context, p *access.Principal, serial string) (*model.Certificate, error) {
	if !p.Can(access.CertRead) {
		return nil, forbidden("read certificates")
	}
	c, err := s.DB.Certificate(ctx, p.Scope(), serial)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("certificate %s not found", serial)
	}
	if err != nil {
		return nil, err
	}
	return withStatus(c, s.Clock.Now()), nil
}

// Certificates searches the certificate register in scope.
func (s *Service) Certificates(ctx context.Context, p *access.Principal, f storage.CertFilter, pr PageRequest) (ListPage[*model.Certificate], error) {
	var out ListPage[*model.Certificate]
	if !p.Can(access.CertRead) {
		return out, forbidden("read certificates")
	}
	if f.Kind != "" && !slices.Contains(model.CertKinds, f.Kind) {
		return out, errs.Field("kind", "enum", "is not a certificate kind")
	}
	if f.Status != "" && !slices.Contains([]model.CertStatus{model.CertValid, model.CertRevoked}, f.Status) {
		return out, errs.Field("status", "enum", "must be valid or revoked")
	}
	f.SNILS = requisitesNormalize(f.SNILS)
	pg, err := pr.page()
	if err != nil {
		return out, err
	}
	rows, err := s.DB.Certificates(ctx, p.Scope(), f, pg)
	if err != nil {
		return out, err
	}
	now := s.Clock.Now()
	for _, c := range rows {
		withStatus(c, now)
	}
	return paginate(rows, pg, func(c *model.Certificate) string { return c.Serial }), nil
}

// RevokeInput names the reason for a revocation.
type RevokeInput struct {
	Reason string `json:"reason"`
}

// RevokeCertificate revokes a certificate in scope.
func (s *Service) RevokeCertificate(ctx context.Context, p *access.Principal, serial string, in RevokeInput) (*model.Certificate, error) {
	if !p.Can(access.CertRevoke) {
		return nil, forbidden("revoke certificates")
	}
	if !slices.Contains(RevocationReasons, in.Reason) {
		return nil, errs.Field("reason", "enum", "must be one of unspecified, key_compromise, affiliation_changed, superseded, cessation_of_operation, privilege_withdrawn")
	}
	var c *model.Certificate
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.DB.Certificate(ctx, p.Scope(), serial); storage.IsNoRows(err) {
			return errs.NotFoundf("certificate %s not found", serial)
		} else if err != nil {
			return err
		}
		if c.Status == model.CertRevoked {
			return errs.New(errs.Conflict, "the certificate was already revoked (%s)", c.RevocationReason)
		}
		now := s.Clock.Now()
		if err := s.DB.RevokeCertificate(ctx, serial, now.UnixMicro(), in.Reason); err != nil {
			return err
		}
		c.Status, c.RevokedAt, c.RevocationReason = model.CertRevoked, &now, in.Reason
		return s.record(ctx, p, "certificate.revoke", "certificate", serial, c.AccountID, c.OrganizationID,
			map[string]any{"reason": in.Reason}, "certificate.revoked", map[string]any{"reason": in.Reason})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ReissueCertificate starts a new application for the holder of a certificate, with the employee,
// organization and kind carried over. A revoked certificate is not reissued: that needs a fresh application.
func (s *Service) ReissueCertificate(ctx context.Context, p *access.Principal, serial string) (*ApplicationView, error) {
	if !p.Can(access.CertReissue) {
		return nil, forbidden("reissue certificates")
	}
	var view *ApplicationView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.DB.Certificate(ctx, p.Scope(), serial)
		if storage.IsNoRows(err) {
			return errs.NotFoundf("certificate %s not found", serial)
		} else if err != nil {
			return err
		}
		if c.Status == model.CertRevoked {
			return errs.New(errs.Conflict, "a revoked certificate cannot be reissued; create a new application")
		}
		now := s.Clock.Now()
		a := &model.Application{ID: access.NewID(), AccountID: c.AccountID, OrganizationID: c.OrganizationID,
			EmployeeID: c.EmployeeID, Kind: c.Kind, State: model.StateDraft, ReissueOf: c.Serial, CreatedBy: p.Actor,
			CreatedAt: now, UpdatedAt: now}
		if err := s.DB.CreateApplication(ctx, a); err != nil {
			return err
		}
		if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "reissue", To: model.StateDraft, Actor: p.Actor,
			At: now, Note: "reissue of " + c.Serial}); err != nil {
			return err
		}
		if err := s.record(ctx, p, "application.create", "application", a.ID, a.AccountID, a.OrganizationID,
			map[string]any{"kind": string(a.Kind), "reissue_of": c.Serial}, "application.created",
			map[string]any{"kind": string(a.Kind), "state": string(a.State), "reissue_of": c.Serial}); err != nil {
			return err
		}
		view, err = s.view(ctx, p, a.ID)
		return err
	})
	return view, err
}
