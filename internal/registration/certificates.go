package registration

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// withStatus turns a stored valid certificate past its end date into expired, by the injected clock.
func withStatus(c *model.Certificate, now time.Time) *model.Certificate {
	if c.Status == model.CertValid && !now.Before(c.NotAfter) {
		c.Status = model.CertExpired
	}
	return c
}

// present fills what a certificate's representation derives from the date: expiry and the legacy flag.
func (s *Service) present(c *model.Certificate) *model.Certificate {
	now := s.Clock.Now()
	withStatus(c, now)
	if c.Status == model.CertValid {
		c.LegacyUnusable, c.Recommendation = rules.LegacyUnusable(s.timeline(), now, c.Kind, c.NotBefore)
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
	return s.present(c), nil
}

// CertificateDocument returns a certificate for download as DER or PEM. Its subject carries personal data
// (СНИЛС, ИНН), so the caller needs the right to read employees' personal data, and the read is audited.
func (s *Service) CertificateDocument(ctx context.Context, p *access.Principal, serial string) (*model.Certificate, error) {
	if !p.Can(access.CertRead) || !p.Can(access.EmployeeRead) {
		return nil, forbidden("download certificates: their subject holds personal data")
	}
	var c *model.Certificate
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.DB.Certificate(ctx, p.Scope(), serial); storage.IsNoRows(err) {
			return errs.NotFoundf("certificate %s not found", serial)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "certificate.read", "certificate", c.Serial, c.AccountID, c.OrganizationID, nil, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return s.present(c), nil
}

// searchBySNILS refuses a СНИЛС filter to roles that may not read personal data: the answer would tell
// them whose СНИЛС it is.
func searchBySNILS(p *access.Principal, snils string) error {
	if snils != "" && !p.Can(access.EmployeeRead) {
		return forbidden("search by СНИЛС: it is personal data")
	}
	return nil
}

// Certificates searches the certificate register in scope.
func (s *Service) Certificates(ctx context.Context, p *access.Principal, f storage.CertFilter, pr PageRequest) (ListPage[*model.Certificate], error) {
	var out ListPage[*model.Certificate]
	if !p.Can(access.CertRead) {
		return out, forbidden("read certificates")
	}
	if err := searchBySNILS(p, f.SNILS); err != nil {
		return out, err
	}
	if f.Kind != "" && !slices.Contains(model.CertKinds, f.Kind) {
		return out, errs.Field("kind", "enum", "is not a certificate kind")
	}
	if f.Status != "" && !slices.Contains(model.CertStatuses, f.Status) {
		return out, errs.Field("status", "enum", "must be valid, expired or revoked")
	}
	f = s.statusByDate(f)
	f.SNILS = requisitesNormalize(f.SNILS)
	pg, err := pr.page(storage.CertificateSorts...)
	if err != nil {
		return out, err
	}
	rows, keys, err := s.DB.Certificates(ctx, p.Scope(), f, pg)
	if err != nil {
		return out, listErr(err)
	}
	for _, c := range rows {
		s.present(c)
	}
	return paginateKeys(rows, keys, pg), nil
}

// statusByDate turns the status a certificate shows into what the database stores: "expired" is a valid
// row past its end, and "valid" excludes those, as the register shows them.
func (s *Service) statusByDate(f storage.CertFilter) storage.CertFilter {
	now := s.Clock.Now()
	switch f.Status {
	case model.CertValid:
		if f.ExpiresAfter.Before(now) {
			f.ExpiresAfter = now
		}
	case model.CertExpired:
		f.Status = model.CertValid
		if end := now.Add(time.Microsecond); f.ExpiresBefore.IsZero() || end.Before(f.ExpiresBefore) {
			f.ExpiresBefore = end
		}
	}
	return f
}

// MaxExpiryDays bounds the expiry window of a certificate search.
const MaxExpiryDays = 3650

// ExpiringWithin narrows a certificate search to the valid certificates ending within the next days days
// (the dashboard's 30/60/90-day figures). A status other than valid, or days outside 1..MaxExpiryDays, is
// an error naming the field.
func (s *Service) ExpiringWithin(f storage.CertFilter, days int) (storage.CertFilter, error) {
	if days < 1 || days > MaxExpiryDays {
		return f, errs.Field("expires_within_days", "range", "must be between 1 and "+strconv.Itoa(MaxExpiryDays))
	}
	if f.Status != "" && f.Status != model.CertValid {
		return f, errs.Field("status", "conflict", "an expiry window finds valid certificates only")
	}
	now := s.Clock.Now()
	f.Status, f.ExpiresAfter, f.ExpiresBefore = model.CertValid, now, now.AddDate(0, 0, days)
	return f, nil
}

// LegacyOnly narrows a certificate search to today's legacy certificates: valid legal_entity_employee
// certificates issued before the employees' cutoff, once the legacy cutoff has passed (rules.LegacyUnusable,
// as a filter the database answers). ok is false when the search can find none: before that cutoff, or
// for another kind or status.
func (s *Service) LegacyOnly(f storage.CertFilter) (storage.CertFilter, bool) {
	before, ok := rules.LegacyIssuedBefore(s.timeline(), s.Clock.Now())
	if !ok || (f.Kind != "" && f.Kind != model.KindLegalEntityEmployee) || (f.Status != "" && f.Status != model.CertValid) {
		return f, false
	}
	f.Kind, f.Status, f.IssuedBefore = model.KindLegalEntityEmployee, model.CertValid, before
	return f, true
}

// RevokeInput names the reason for a revocation.
type RevokeInput struct {
	Reason model.RevocationReason `json:"reason"`
}

// RevokeCertificate revokes a certificate in scope.
func (s *Service) RevokeCertificate(ctx context.Context, p *access.Principal, serial string, in RevokeInput) (*model.Certificate, error) {
	if !p.Can(access.CertRevoke) {
		return nil, forbidden("revoke certificates")
	}
	if !model.Valid(in.Reason) {
		return nil, errs.Field("reason", "enum", "must be one of "+strings.Join(in.Reason.EnumValues(), ", "))
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
		if ok, err := s.DB.RevokeCertificate(ctx, serial, now.UnixMicro(), in.Reason); err != nil {
			return err
		} else if !ok {
			return errs.New(errs.Conflict, "the certificate was revoked meanwhile")
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

// ReissueInput chooses the recipient of a reissued employee certificate before the 2023 cutoff
// ("legal_entity" or "individual"; empty keeps the kind) and whether the holder is identified remotely with
// the current certificate (the default when it is valid).
type ReissueInput struct {
	Recipient string `json:"recipient,omitempty"`
}

// ReissueCertificate starts a new application for the holder of a certificate with the employee,
// organization and kind carried over, as the rules decide them on today's date. While the certificate is
// valid the holder is identified remotely with it, so the application waits only for the new request and
// the approval; an expired certificate needs an in-person check again. A revoked one is not reissued.
func (s *Service) ReissueCertificate(ctx context.Context, p *access.Principal, serial string, in ReissueInput) (*ApplicationView, error) {
	if !p.Can(access.CertReissue) {
		return nil, forbidden("reissue certificates")
	}
	if !slices.Contains([]string{rules.RecipientSame, rules.RecipientLegalEntity, rules.RecipientIndividual}, in.Recipient) {
		return nil, errs.Field("recipient", "enum", "must be legal_entity or individual, or left out")
	}
	var view *ApplicationView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := s.DB.Certificate(ctx, p.Scope(), serial)
		if storage.IsNoRows(err) {
			return errs.NotFoundf("certificate %s not found", serial)
		} else if err != nil {
			return err
		}
		a, err := s.reissue(ctx, p, c, in)
		if err != nil {
			return err
		}
		view, err = s.view(ctx, p, a.ID)
		return err
	})
	return view, err
}

// reissuePlan decides the reissue application of one certificate on today's date: the rules and the
// account's agreement. A refusal is an *errs.Error of kind Refused naming the rule, or a field error on
// employee_id when the holder was dismissed.
func (s *Service) reissuePlan(ctx context.Context, c *model.Certificate, in ReissueInput) (rules.Previous, rules.Decision, error) {
	holder, err := s.DB.Employee(ctx, storage.Scope{AccountID: c.AccountID}, c.EmployeeID)
	if err != nil {
		return rules.Previous{}, rules.Decision{}, err
	}
	if err := refuseDismissed(holder); err != nil {
		return rules.Previous{}, rules.Decision{}, err
	}
	now := s.Clock.Now()
	withStatus(c, now)
	prev := rules.Previous{Kind: c.Kind, Status: c.Status, NotAfter: c.NotAfter}
	o, err := s.DB.Organization(ctx, storage.Scope{AccountID: c.AccountID}, c.OrganizationID)
	if err != nil {
		return prev, rules.Decision{}, err
	}
	d, r := rules.Reissue(s.timeline(), now, prev, in.Recipient, o.Sector, o.Kind)
	if r != nil {
		return prev, d, refused(r)
	}
	if err := s.checkAgreement(ctx, c.AccountID, d.BillingPosition); err != nil {
		return prev, d, err
	}
	return prev, d, nil
}

// reissue creates the reissue application of one certificate in the caller's transaction.
func (s *Service) reissue(ctx context.Context, p *access.Principal, c *model.Certificate, in ReissueInput) (*model.Application, error) {
	prev, d, err := s.reissuePlan(ctx, c, in)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	a := &model.Application{ID: access.NewID(), AccountID: c.AccountID, OrganizationID: c.OrganizationID,
		EmployeeID: c.EmployeeID, Kind: d.Kind, State: model.StateDraft, ReissueOf: c.Serial, Authority: d.Authority,
		BillingPosition: d.BillingPosition, CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now}
	// The holder renews with the crypto tool they used for the certificate being replaced.
	if c.ApplicationID != "" {
		if old, err := s.DB.Application(ctx, storage.Scope{AccountID: c.AccountID}, c.ApplicationID); err == nil {
			a.SignTool = old.SignTool
		} else if !storage.IsNoRows(err) {
			return nil, err
		}
	}
	note := "перевыпуск сертификата " + c.Serial
	detail := map[string]any{"kind": string(a.Kind), "reissue_of": c.Serial}
	if remoteRenewal(prev, now, d) {
		// Renewal with a valid qualified certificate needs no visit (identificationKind 1): the certificate
		// being replaced identifies the holder, so the check is recorded here, whoever starts the reissue, and
		// the application waits only for the new request and the approval.
		a.State = model.StateIdentityVerification
		a.Verification = &model.Verification{Method: model.VerifiedRemoteQualified,
			Document: "квалифицированный сертификат " + c.Serial, VerifiedBy: RemoteIdentificationActor, VerifiedAt: now}
		note += "; личность подтверждена удалённо действующим квалифицированным сертификатом"
		detail["method"] = string(model.VerifiedRemoteQualified)
	}
	if err := s.DB.CreateApplication(ctx, a); err != nil {
		return nil, err
	}
	if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "reissue", To: a.State, Actor: p.Actor,
		At: now, Note: note}); err != nil {
		return nil, err
	}
	if err := s.record(ctx, p, "application.create", "application", a.ID, a.AccountID, a.OrganizationID,
		detail, "application.created",
		map[string]any{"kind": string(a.Kind), "state": string(a.State), "reissue_of": c.Serial}); err != nil {
		return nil, err
	}
	return a, nil
}

// RemoteIdentificationActor is the verifier recorded for a reissue identified by the holder's valid
// qualified certificate: no person checked the identity, the certificate did.
const RemoteIdentificationActor = "system:remote-identification"

// remoteRenewal reports whether a reissue of prev on now is identified remotely by prev itself: prev is
// valid (not expired, not revoked) and the rules accept a remote check for the new application.
func remoteRenewal(prev rules.Previous, now time.Time, d rules.Decision) bool {
	return prev.ValidOn(now) && slices.Contains(d.Identification, model.VerifiedRemoteQualified)
}

// MaxWaveSerials is how many certificates a renewal wave may name one by one.
const MaxWaveSerials = 5000

// WaveInput selects the certificates of a renewal wave, one of three ways: those of the listed
// organizations (all in scope when empty) expiring before a date, every legacy legal_entity_employee
// certificate, or the certificates named by serial (a selection in the register).
type WaveInput struct {
	OrganizationIDs []string `json:"organization_ids,omitempty"`
	ExpiresBefore   string   `json:"expires_before,omitempty"` // YYYY-MM-DD, Moscow time
	Legacy          bool     `json:"legacy,omitempty"`
	// Serials names the certificates (at most MaxWaveSerials); one outside the caller's scope is skipped
	// as not_found, a revoked or already replaced one by its reason, an expired one is reissued with a full
	// identity check.
	Serials []string `json:"serials,omitempty"`
}

// WaveResult counts what a renewal wave did (or, previewed, would do).
type WaveResult struct {
	Created int `json:"created"`
	// IdentifiedRemotely counts the created applications whose holder is identified by the valid
	// certificate being replaced: they wait only for the new request and the approval.
	IdentifiedRemotely int `json:"identified_remotely"`
	// Skipped counts by reason: already_has_reissue_application, already_replaced, not_found,
	// employee_dismissed, or a rule id.
	Skipped        map[string]int `json:"skipped"`
	ApplicationIDs []string       `json:"application_ids"`
}

// RenewalWave creates reissue applications for every selected certificate that has none yet, in one
// transaction; running it again creates nothing new.
func (s *Service) RenewalWave(ctx context.Context, p *access.Principal, in WaveInput) (*WaveResult, error) {
	return s.wave(ctx, p, in, true)
}

// PreviewRenewalWave tells what RenewalWave would create and skip, and why, without writing anything: the
// confirmation before a wave.
func (s *Service) PreviewRenewalWave(ctx context.Context, p *access.Principal, in WaveInput) (*WaveResult, error) {
	return s.wave(ctx, p, in, false)
}

func (s *Service) wave(ctx context.Context, p *access.Principal, in WaveInput, write bool) (*WaveResult, error) {
	if !p.Can(access.CertReissue) {
		return nil, forbidden("reissue certificates")
	}
	var before time.Time
	var f errs.Fields
	if in.ExpiresBefore != "" {
		t, err := time.ParseInLocation(time.DateOnly, in.ExpiresBefore, rules.MSK)
		if err != nil {
			f.Add("expires_before", "format", "must be a date as YYYY-MM-DD")
		}
		before = t
	}
	ways := 0
	for _, given := range []bool{in.ExpiresBefore != "", in.Legacy, len(in.Serials) > 0} {
		if given {
			ways++
		}
	}
	if ways != 1 {
		f.Add("expires_before", "choice", "give one of expires_before, legacy: true or serials")
	}
	if len(in.Serials) > MaxWaveSerials {
		f.Add("serials", "too_many", "at most "+strconv.Itoa(MaxWaveSerials)+" certificates")
	}
	if len(in.Serials) > 0 && len(in.OrganizationIDs) > 0 {
		f.Add("organization_ids", "not_allowed", "certificates named by serial are not filtered by organization")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var orgs []string
	if len(in.OrganizationIDs) > 0 {
		for i, id := range in.OrganizationIDs {
			if _, err := s.DB.Organization(ctx, p.Scope(), id); storage.IsNoRows(err) {
				return nil, errs.Field("organization_ids["+strconv.Itoa(i)+"]", "unknown", "no such organization")
			} else if err != nil {
				return nil, err
			}
		}
		orgs = in.OrganizationIDs
	}
	kind := model.CertKind("")
	if in.Legacy {
		kind = model.KindLegalEntityEmployee
	}
	res := &WaveResult{Skipped: map[string]int{}, ApplicationIDs: []string{}}
	now := s.Clock.Now()
	run := func(ctx context.Context) error {
		if write {
			if err := s.DB.LockAccountWaves(ctx, p.AccountID); err != nil {
				return err
			}
		}
		var certs []*model.Certificate
		var err error
		if len(in.Serials) > 0 {
			certs, err = s.waveSerials(ctx, p, in.Serials, res)
		} else {
			certs, err = s.DB.RenewalCandidates(ctx, p.Scope(), orgs, before, kind)
		}
		if err != nil {
			return err
		}
		for _, c := range certs {
			if open, err := s.DB.OpenReissue(ctx, c.Serial); err != nil {
				return err
			} else if open {
				res.Skipped["already_has_reissue_application"]++
				continue
			}
			var remote bool
			var id string
			if write {
				a, err := s.reissue(ctx, p, c, ReissueInput{})
				if err == nil {
					remote, id = a.Verification != nil, a.ID
				} else if skip(res, err) {
					continue
				} else {
					return err
				}
			} else {
				prev, d, err := s.reissuePlan(ctx, c, ReissueInput{})
				if err == nil {
					remote = remoteRenewal(prev, now, d)
				} else if skip(res, err) {
					continue
				} else {
					return err
				}
			}
			res.Created++
			if remote {
				res.IdentifiedRemotely++
			}
			if id != "" {
				res.ApplicationIDs = append(res.ApplicationIDs, id)
			}
		}
		if !write {
			return nil
		}
		return s.record(ctx, p, "renewal_wave.run", "renewal_wave", "", p.AccountID, "",
			map[string]any{"created": res.Created, "skipped": res.Skipped, "expires_before": in.ExpiresBefore, "legacy": in.Legacy,
				"selected": len(in.Serials)}, "", nil)
	}
	var err error
	if write {
		err = s.DB.InTx(ctx, run)
	} else {
		err = run(ctx)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// CertificateSerials lists the serials a register search finds, in serial order, at most max: the "all
// matching" selection of a renewal wave. more is true when the search finds more than max.
func (s *Service) CertificateSerials(ctx context.Context, p *access.Principal, f storage.CertFilter, max int) (serials []string, more bool, err error) {
	pr := PageRequest{Limit: MaxPageSize}
	for {
		pg, err := s.Certificates(ctx, p, f, pr)
		if err != nil {
			return nil, false, err
		}
		for _, c := range pg.Items {
			if len(serials) == max {
				return serials, true, nil
			}
			serials = append(serials, c.Serial)
		}
		if pg.NextCursor == "" {
			return serials, false, nil
		}
		pr.Cursor = pg.NextCursor
	}
}

// skip counts a refused reissue under its rule and reports whether err was such a refusal.
func skip(res *WaveResult, err error) bool {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Refused {
		res.Skipped[e.Rule]++
		return true
	}
	if errors.As(err, &e) && e.Kind == errs.Invalid && len(e.Fields) == 1 && e.Fields[0].Rule == ruleDismissed {
		// A certificate of someone who has left is not renewed: counted, not a reason to stop the wave.
		res.Skipped["employee_dismissed"]++
		return true
	}
	return false
}

// waveSerials reads the named certificates in scope, each once; those not found or already replaced are
// counted as skipped.
func (s *Service) waveSerials(ctx context.Context, p *access.Principal, serials []string, res *WaveResult) ([]*model.Certificate, error) {
	seen := map[string]bool{}
	var out []*model.Certificate
	for _, serial := range serials {
		c, err := s.DB.Certificate(ctx, p.Scope(), strings.TrimSpace(serial))
		if storage.IsNoRows(err) {
			res.Skipped["not_found"]++
			continue
		} else if err != nil {
			return nil, err
		}
		if seen[c.Serial] {
			continue
		}
		seen[c.Serial] = true
		if c.ReplacedBy != "" {
			res.Skipped["already_replaced"]++
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// ServiceCenterInput registers a service center.
type ServiceCenterInput struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Region  string `json:"region"`
	Hours   string `json:"hours"`
}

// CreateServiceCenter adds a service center (CA operator).
func (s *Service) CreateServiceCenter(ctx context.Context, p *access.Principal, in ServiceCenterInput) (*model.ServiceCenter, error) {
	if !p.Can(access.AccountManage) {
		return nil, forbidden("manage service centers")
	}
	in.Name, in.Address, in.Region, in.Hours = collapse(in.Name), collapse(in.Address), collapse(in.Region), collapse(in.Hours)
	var f errs.Fields
	textField(&f, "name", in.Name, true, 300)
	textField(&f, "address", in.Address, true, 1000)
	textField(&f, "region", in.Region, true, 200)
	textField(&f, "hours", in.Hours, true, 300)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c := &model.ServiceCenter{ID: access.NewID(), Name: in.Name, Address: in.Address, Region: in.Region, Hours: in.Hours,
		CreatedAt: s.Clock.Now()}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.CreateServiceCenter(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, p, "service_center.create", "service_center", c.ID, "", "", map[string]any{"name": c.Name}, "", nil)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ServiceCenters lists the service centers; every signed-in caller may see them.
func (s *Service) ServiceCenters(ctx context.Context) ([]model.ServiceCenter, error) {
	return s.DB.ServiceCenters(ctx)
}

// KindsOffer is what the law allows for an organization on a date.
type KindsOffer struct {
	Date           string           `json:"date"`
	OrganizationID string           `json:"organization_id"`
	Kinds          []model.CertKind `json:"kinds"`
}

// AllowedKinds tells which certificate kinds may be ordered today for an organization in scope.
func (s *Service) AllowedKinds(ctx context.Context, p *access.Principal, orgID string) (*KindsOffer, error) {
	o, err := s.Organization(ctx, p, orgID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return &KindsOffer{Date: now.In(rules.MSK).Format(time.DateOnly), OrganizationID: o.ID,
		Kinds: rules.AllowedKinds(s.timeline(), now, o.Kind)}, nil
}

// CertificateStats are the dashboard's counts over the whole certificate register in scope.
type CertificateStats struct {
	Valid, Expired, Revoked int
	ValidByKind             map[model.CertKind]int
	Expiring30, Expiring60  int
	Expiring90              int
	// ExpiringByMonth are the next 12 months (Moscow time), each with the valid certificates expiring in it.
	ExpiringByMonth []MonthCount
	// Legacy counts valid legal_entity_employee certificates that can no longer sign for the organization.
	Legacy int
}

// MonthCount is one month of a count series.
type MonthCount struct {
	Period string
	Count  int
}

// CertificateStats counts the register in scope in the database, whatever its size.
func (s *Service) CertificateStats(ctx context.Context, p *access.Principal) (*CertificateStats, error) {
	if !p.Can(access.CertRead) {
		return nil, forbidden("read certificates")
	}
	now := s.Clock.Now()
	local := now.In(rules.MSK)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, rules.MSK)
	// Windows between consecutive bounds: [now,+30d) [+30d,+60d) [+60d,+90d), an empty [+90d,now) that
	// separates the two series, then [now, next month) and each of the following 11 months.
	bounds := []time.Time{now, now.AddDate(0, 0, 30), now.AddDate(0, 0, 60), now.AddDate(0, 0, 90), now}
	for i := 1; i <= 12; i++ {
		bounds = append(bounds, first.AddDate(0, i, 0))
	}
	legacyBefore, _ := rules.LegacyIssuedBefore(s.timeline(), now)
	c, err := s.DB.CertificateCounts(ctx, p.Scope(), now, bounds, legacyBefore)
	if err != nil {
		return nil, err
	}
	st := &CertificateStats{Valid: c.Valid, Expired: c.Expired, Revoked: c.Revoked, ValidByKind: c.ValidByKind,
		Expiring30: c.Expiring[0], Expiring60: c.Expiring[0] + c.Expiring[1],
		Expiring90: c.Expiring[0] + c.Expiring[1] + c.Expiring[2], Legacy: c.LegacyValid}
	for i := 0; i < 12; i++ {
		st.ExpiringByMonth = append(st.ExpiringByMonth, MonthCount{Period: first.AddDate(0, i, 0).Format("2006-01"),
			Count: c.Expiring[4+i]})
	}
	return st, nil
}
