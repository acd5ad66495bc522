package registration

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/billing"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
	"github.com/kcr-project/kcr/internal/x509gost"
)

// Action is something done to an application; its string is the API path segment.
type Action string

// Application actions.
const (
	ActSubmit            Action = "submit"
	ActVerifyIdentity    Action = "verify-identity"
	ActRequestCorrection Action = "request-correction"
	ActApprove           Action = "approve"
	ActDecline           Action = "decline"
	ActCancel            Action = "cancel"
	ActIssue             Action = "issue"
)

// Actions lists every action in the order a person meets them.
var Actions = []Action{ActSubmit, ActVerifyIdentity, ActRequestCorrection, ActApprove, ActDecline, ActCancel, ActIssue}

// machine is the application state machine: for each action, the states it may start from and where it
// leads. submit moves the applicant side forward (draft → documents → identity verification, and back from
// correction); verify-identity records the registrar's check without moving the state.
var machine = map[Action]map[model.State]model.State{
	ActSubmit: {
		model.StateDraft:      model.StateDocuments,
		model.StateDocuments:  model.StateIdentityVerification,
		model.StateCorrection: model.StateIdentityVerification,
	},
	ActVerifyIdentity:    {model.StateIdentityVerification: model.StateIdentityVerification},
	ActRequestCorrection: {model.StateDocuments: model.StateCorrection, model.StateIdentityVerification: model.StateCorrection},
	ActApprove:           {model.StateIdentityVerification: model.StateApproved},
	ActDecline: {
		model.StateDocuments:            model.StateDeclined,
		model.StateIdentityVerification: model.StateDeclined,
		model.StateCorrection:           model.StateDeclined,
	},
	ActCancel: {
		model.StateDraft:                model.StateCancelled,
		model.StateDocuments:            model.StateCancelled,
		model.StateIdentityVerification: model.StateCancelled,
		model.StateCorrection:           model.StateCancelled,
		model.StateApproved:             model.StateCancelled,
	},
	ActIssue: {model.StateApproved: model.StateIssued},
}

var actionPermission = map[Action]access.Permission{
	ActSubmit: access.AppSubmit, ActVerifyIdentity: access.AppVerify, ActRequestCorrection: access.AppCorrection,
	ActApprove: access.AppApprove, ActDecline: access.AppDecline, ActCancel: access.AppCancel, ActIssue: access.AppIssue,
}

// EnumValues implements model.Enum.
func (Action) EnumValues() []string {
	out := make([]string, len(Actions))
	for i, a := range Actions {
		out[i] = string(a)
	}
	return out
}

// actionsFrom lists the actions possible from a state.
func actionsFrom(st model.State) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := machine[a][st]; ok {
			out = append(out, a)
		}
	}
	return out
}

// AllowedActions lists the actions possible from a state, as a refusal names them.
func AllowedActions(st model.State) []string {
	var out []string
	for _, a := range actionsFrom(st) {
		out = append(out, string(a))
	}
	return out
}

// csrStates are the states in which the CSR may be uploaded or replaced.
var csrStates = []model.State{model.StateDraft, model.StateDocuments, model.StateCorrection, model.StateIdentityVerification}

// ApplicationInput creates an application.
type ApplicationInput struct {
	EmployeeID string         `json:"employee_id"`
	Kind       model.CertKind `json:"kind"`
	// Authority names the CA the caller means ("" lets the rules choose): kcr, fns, treasury, bank_of_russia.
	Authority model.Authority `json:"authority,omitempty"`
	// SignTool is the certified crypto tool the key is made with (ca.SignTools); "" takes the one the
	// request names, or the CA's default.
	SignTool string `json:"sign_tool,omitempty"`
}

// ActionInput carries what an action needs: a note for corrections and declines, the method and document
// for an identity check.
type ActionInput struct {
	Note     string                   `json:"note,omitempty"`
	Method   model.VerificationMethod `json:"method,omitempty"`
	Document string                   `json:"document,omitempty"`
	// ServiceCenterID names the service center of an in_person_service_center check.
	ServiceCenterID string `json:"service_center_id,omitempty"`
}

// ApplicationView is an application with its history and the actions possible next.
type ApplicationView struct {
	*model.Application
	AllowedActions []Action           `json:"allowed_actions"`
	History        []model.Transition `json:"history"`
}

// CreateApplication starts a draft application for an employee in scope.
func (s *Service) CreateApplication(ctx context.Context, p *access.Principal, in ApplicationInput) (*ApplicationView, error) {
	if !p.Can(access.AppCreate) {
		return nil, forbidden("create applications")
	}
	var f errs.Fields
	if in.EmployeeID == "" {
		f.Add("employee_id", "required", "is required")
	}
	if !slices.Contains(model.CertKinds, in.Kind) {
		f.Add("kind", "enum", "must be one of individual, legal_entity_employee, head, sole_proprietor")
	}
	in.checkSignTool(&f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var view *ApplicationView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		e, err := s.DB.Employee(ctx, p.Scope(), in.EmployeeID)
		if storage.IsNoRows(err) {
			return errs.Field("employee_id", "unknown", "no such employee")
		} else if err != nil {
			return err
		}
		if err := refuseDismissed(e); err != nil {
			return err
		}
		now := s.Clock.Now()
		a := &model.Application{ID: access.NewID(), AccountID: e.AccountID, OrganizationID: e.OrganizationID,
			EmployeeID: e.ID, Kind: in.Kind, State: model.StateDraft, Authority: in.Authority, SignTool: in.SignTool,
			CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now}
		d, err := s.decide(ctx, a, false)
		if err != nil {
			return err
		}
		a.Kind, a.Authority, a.BillingPosition = d.Kind, d.Authority, d.BillingPosition
		if err := s.checkCertificateData(ctx, a, e); err != nil {
			return err
		}
		if err := s.checkAgreement(ctx, a.AccountID, a.BillingPosition); err != nil {
			return err
		}
		if err := s.DB.CreateApplication(ctx, a); err != nil {
			return err
		}
		t := model.Transition{Action: "create", From: "", To: model.StateDraft, Actor: p.Actor, At: now}
		if err := s.DB.AddTransition(ctx, a.ID, t); err != nil {
			return err
		}
		if err := s.record(ctx, p, "application.create", "application", a.ID, a.AccountID, a.OrganizationID,
			map[string]any{"kind": string(a.Kind), "employee_id": a.EmployeeID}, "application.created",
			map[string]any{"kind": string(a.Kind), "state": string(a.State), "employee_id": a.EmployeeID}); err != nil {
			return err
		}
		view, err = s.view(ctx, p, a.ID)
		return err
	})
	return view, err
}

func (s *Service) view(ctx context.Context, p *access.Principal, id string) (*ApplicationView, error) {
	a, err := s.DB.Application(ctx, p.Scope(), id)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("application %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	h, err := s.DB.Transitions(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	maskVerification(a)
	allowed := actionsFrom(a.State)
	if allowed == nil {
		allowed = []Action{}
	}
	return &ApplicationView{Application: a, AllowedActions: allowed, History: h}, nil
}

// Application returns an application in scope with its history.
func (s *Service) Application(ctx context.Context, p *access.Principal, id string) (*ApplicationView, error) {
	if !p.Can(access.AppRead) {
		return nil, forbidden("read applications")
	}
	return s.view(ctx, p, id)
}

// Applications searches applications in scope.
func (s *Service) Applications(ctx context.Context, p *access.Principal, f storage.AppFilter, pr PageRequest) (ListPage[*model.Application], error) {
	var out ListPage[*model.Application]
	if !p.Can(access.AppRead) {
		return out, forbidden("read applications")
	}
	if err := searchBySNILS(p, f.SNILS); err != nil {
		return out, err
	}
	if f.State != "" && !slices.Contains(model.States, f.State) {
		return out, errs.Field("state", "enum", "is not an application state")
	}
	if f.Kind != "" && !slices.Contains(model.CertKinds, f.Kind) {
		return out, errs.Field("kind", "enum", "is not a certificate kind")
	}
	f.SNILS = requisitesNormalize(f.SNILS)
	pg, err := pr.page(storage.ApplicationSorts...)
	if err != nil {
		return out, err
	}
	rows, keys, err := s.DB.Applications(ctx, p.Scope(), f, pg)
	if err != nil {
		return out, listErr(err)
	}
	for _, a := range rows {
		maskVerification(a)
	}
	return paginateKeys(rows, keys, pg), nil
}

// Act performs an action on an application: checks the role, the state machine and the action's own
// preconditions, then writes the new state, the history step, the audit and feed events in one transaction.
func (s *Service) Act(ctx context.Context, p *access.Principal, id string, act Action, in ActionInput) (*ApplicationView, error) {
	perm, ok := actionPermission[act]
	if !ok {
		return nil, errs.NotFoundf("unknown application action %q", act)
	}
	if !p.Can(perm) {
		return nil, forbidden(strings.ReplaceAll(string(act), "-", " ") + " applications")
	}
	in.Note = strings.TrimSpace(in.Note)
	in.Document = collapse(in.Document)
	if err := checkActionInput(act, in); err != nil {
		return nil, err
	}
	if act == ActIssue {
		return s.issueApplication(ctx, p, id, in)
	}
	var view *ApplicationView
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		a, err := s.DB.Application(ctx, p.Scope(), id)
		if storage.IsNoRows(err) {
			return errs.NotFoundf("application %s not found", id)
		} else if err != nil {
			return err
		}
		if _, err := s.carryOver(ctx, p, a); err != nil {
			return err
		}
		to, ok := machine[act][a.State]
		if !ok {
			return &errs.Error{Kind: errs.IllegalTransition, Allowed: AllowedActions(a.State),
				Detail: "cannot " + string(act) + " an application in state " + string(a.State)}
		}
		from, now := a.State, s.Clock.Now()
		switch act {
		case ActVerifyIdentity:
			if err := s.checkIdentification(ctx, a, in); err != nil {
				return err
			}
			doc := in.Document
			if doc == "" {
				e, err := s.DB.Employee(ctx, storage.Scope{AccountID: a.AccountID}, a.EmployeeID)
				if err != nil {
					return err
				}
				doc = strings.TrimSpace(string(e.Document.Type) + " " + e.Document.Series + " " + e.Document.Number)
			}
			if in.Method == model.VerifiedRemoteQualified && in.Document == "" {
				if _, serial, err := s.previousOf(ctx, a); err == nil && serial != "" {
					doc = "квалифицированный сертификат " + serial
				}
			}
			a.Verification = &model.Verification{Method: in.Method, Document: doc, VerifiedBy: p.Actor, VerifiedAt: now,
				ServiceCenterID: in.ServiceCenterID}
			if a.BillingPosition == rules.BillingHeadIdentification && in.Method == model.VerifiedServiceCenter {
				// For heads the registration center's chargeable work is the identification itself.
				e, err := s.DB.Employee(ctx, storage.Scope{AccountID: a.AccountID}, a.EmployeeID)
				if err != nil {
					return err
				}
				if err := s.charge(ctx, billing.Charge{AccountID: a.AccountID, PayerOrganizationID: a.OrganizationID,
					Position: a.BillingPosition, Event: "identification", ApplicationID: a.ID, Employee: e, At: now}); err != nil {
					return err
				}
			}
		case ActApprove:
			var f errs.Fields
			if a.Verification == nil {
				f.Add("verification", "required", "the applicant's identity has not been verified (verify-identity first)")
			}
			if !a.HasCSR {
				f.Add("csr", "required", "no certificate request has been uploaded")
			}
			if err := f.Err(); err != nil {
				return &errs.Error{Kind: errs.Conflict, Detail: "the application is not ready for approval",
					Fields: err.(*errs.Error).Fields}
			}
		case ActRequestCorrection:
			// Corrected data may change the identity document, so the registrar checks identity again.
			a.Note, a.Verification = in.Note, nil
		case ActDecline:
			a.Note = in.Note
		case ActSubmit:
			if from == model.StateCorrection {
				a.Note = ""
			}
		}
		a.State, a.UpdatedAt = to, now
		if ok, err := s.DB.SaveApplication(ctx, a, from); err != nil {
			return err
		} else if !ok {
			return errs.New(errs.Conflict, "the application changed meanwhile; reload it and try again")
		}
		if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: string(act), From: from, To: to, Actor: p.Actor,
			At: now, Note: in.Note}); err != nil {
			return err
		}
		detail := map[string]any{"from": string(from), "to": string(to)}
		if a.Verification != nil && act == ActVerifyIdentity {
			detail["method"], detail["document"] = string(a.Verification.Method), MaskDocument(a.Verification.Document)
		}
		if err := s.record(ctx, p, audit.Action("application."+string(act)), "application", a.ID, a.AccountID, a.OrganizationID, detail,
			"application.state_changed", map[string]any{"action": string(act), "from": string(from), "to": string(to)}); err != nil {
			return err
		}
		view, err = s.view(ctx, p, a.ID)
		return err
	})
	return view, err
}

// maskVerification hides the identity document's numbers in an application: applications are read by roles
// that may not see personal data (the manager, the CA operator). The full document is on the employee's
// card, whose reads are checked and audited.
func maskVerification(a *model.Application) {
	if a.Verification != nil {
		a.Verification.Document = MaskDocument(a.Verification.Document)
	}
}

// MaskDocument replaces every digit but the last two with '•'.
func MaskDocument(doc string) string {
	digits := 0
	for _, r := range doc {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	out := []rune(doc)
	for i, r := range out {
		if r >= '0' && r <= '9' {
			if digits > 2 {
				out[i] = '•'
			}
			digits--
		}
	}
	return string(out)
}

func checkActionInput(act Action, in ActionInput) error {
	var f errs.Fields
	if act == ActVerifyIdentity {
		if !slices.Contains(model.VerificationMethods, in.Method) {
			f.Add("method", "enum", "must be one of in_person_workplace, in_person_service_center, remote_qualified_signature")
		}
		if len([]rune(in.Document)) > 200 {
			f.Add("document", "too_long", "must be at most 200 characters")
		}
		textChars(&f, "document", in.Document, false)
	} else {
		if in.Method != "" {
			f.Add("method", "not_allowed", "only verify-identity takes a method")
		}
		if in.Document != "" {
			f.Add("document", "not_allowed", "only verify-identity takes a document")
		}
		if in.ServiceCenterID != "" {
			f.Add("service_center_id", "not_allowed", "only verify-identity takes a service center")
		}
	}
	if (act == ActRequestCorrection || act == ActDecline) && in.Note == "" {
		f.Add("note", "required", "say what must be corrected or why the application is declined")
	}
	textChars(&f, "note", in.Note, true)
	if len([]rune(in.Note)) > 2000 {
		f.Add("note", "too_long", "must be at most 2000 characters")
	}
	return f.Err()
}

// issueApplication asks the CA for the certificate of an approved application and stores it. The CA signs
// outside the registration transaction (it commits its own intent first); storing the certificate, moving
// the application to issued and auditing then happen in one transaction (storeIssued). Once the CA is asked,
// the issuance no longer depends on the caller: a client that hangs up does not leave a signed certificate
// half-stored, and what a crash leaves behind is finished by the reconciler (reconcile.go).
func (s *Service) issueApplication(ctx context.Context, p *access.Principal, id string, in ActionInput) (*ApplicationView, error) {
	a, err := s.DB.Application(ctx, p.Scope(), id)
	if storage.IsNoRows(err) {
		return nil, errs.NotFoundf("application %s not found", id)
	} else if err != nil {
		return nil, err
	}
	if a.State != model.StateApproved {
		return nil, &errs.Error{Kind: errs.IllegalTransition, Allowed: AllowedActions(a.State),
			Detail: "cannot issue an application in state " + string(a.State)}
	}
	if err := s.DB.InTx(ctx, func(ctx context.Context) error {
		_, err := s.carryOver(ctx, p, a)
		return err
	}); err != nil {
		return nil, err
	}
	remote := a.Verification != nil && a.Verification.Method == model.VerifiedRemoteQualified
	d, err := s.decide(ctx, a, remote)
	if err != nil {
		return nil, err
	}
	if err := s.checkAgreement(ctx, a.AccountID, a.BillingPosition); err != nil {
		return nil, err // a carry-over or a tariff migration may have moved it to a position not yet agreed
	}
	issuer, err := s.issuerFor(a.Authority)
	if err != nil {
		return nil, err
	}
	e, err := s.DB.Employee(ctx, storage.Scope{AccountID: a.AccountID}, a.EmployeeID)
	if err != nil {
		return nil, err
	}
	o, err := s.DB.Organization(ctx, storage.Scope{AccountID: a.AccountID}, a.OrganizationID)
	if err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	iss, err := issuer.Issue(ctx, ca.Request{Application: a, Employee: e, Organization: o, CSR: a.CSR})
	if err != nil {
		return nil, err
	}
	var view *ApplicationView
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.storeIssued(ctx, p, issuer, a, e, iss, d, in.Note); err != nil {
			return err
		}
		var err error
		if view, err = s.view(ctx, p, a.ID); err != nil {
			return err
		}
		if hook, ok := ctx.Value(issuedHookKey{}).(IssuedHook); ok {
			return hook(ctx, view)
		}
		return nil
	})
	if err != nil {
		// The certificate was signed but is not in the register: it never leaves kcr. Record that (outside
		// the failed transaction) so the application can be issued again.
		if aerr := issuer.Abandoned(ctx, iss.Serial, err.Error()); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
		return nil, err
	}
	return view, nil
}

// IssuedHook runs inside the transaction that stores an issued certificate, with the view the issue step
// returns; the API stores its idempotent answer there, so that the answer commits with the work.
type IssuedHook func(ctx context.Context, view *ApplicationView) error

type issuedHookKey struct{}

// WithIssuedHook returns a context whose issue step runs hook in its storing transaction.
func WithIssuedHook(ctx context.Context, hook IssuedHook) context.Context {
	return context.WithValue(ctx, issuedHookKey{}, hook)
}

// storeIssued writes everything an issued certificate brings, in the caller's transaction: the certificate,
// the application moved to issued with its history step, the intent marked stored, the billing line, the
// replaced certificate's link, the bundled companion application and the audit and feed events. The live
// issue step and the reconciler both use it, so a certificate finished after a crash is recorded the same
// way. a must still be approved; d is the rules' decision for it.
func (s *Service) storeIssued(ctx context.Context, p *access.Principal, issuer ca.Issuer, a *model.Application, e *model.Employee,
	iss *ca.Issued, d rules.Decision, note string) error {
	now := s.Clock.Now()
	c := &model.Certificate{Serial: iss.Serial, AccountID: a.AccountID, OrganizationID: a.OrganizationID, EmployeeID: a.EmployeeID,
		ApplicationID: a.ID, Kind: a.Kind, Status: model.CertValid, Issuer: iss.Issuer, NotBefore: iss.NotBefore,
		NotAfter: iss.NotAfter, DER: iss.DER, CreatedAt: now, PublicKeyHash: iss.PublicKeyHash}
	if err := s.DB.CreateCertificate(ctx, c); err != nil {
		return err
	}
	a.State, a.CertificateSerial, a.UpdatedAt = model.StateIssued, c.Serial, now
	if ok, err := s.DB.SaveApplication(ctx, a, model.StateApproved); err != nil {
		return err
	} else if !ok {
		return errs.New(errs.Conflict, "the application changed while the certificate was being issued; reload it")
	}
	if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: string(ActIssue), From: model.StateApproved,
		To: model.StateIssued, Actor: p.Actor, At: now, Note: note}); err != nil {
		return err
	}
	if err := issuer.Stored(ctx, c.Serial); err != nil {
		return err
	}
	if a.BillingPosition != rules.BillingHeadIdentification {
		if err := s.charge(ctx, billing.Charge{AccountID: a.AccountID, PayerOrganizationID: a.OrganizationID,
			Position: a.BillingPosition, Event: "issuance", ApplicationID: a.ID, CertificateSerial: c.Serial, Employee: e,
			At: now}); err != nil {
			return err
		}
	}
	if a.ReissueOf != "" {
		if err := s.DB.SetReplacedBy(ctx, a.ReissueOf, c.Serial); err != nil {
			return err
		}
	}
	if companion, ok := rules.BundledCompanion(d); ok {
		if err := s.bundle(ctx, p, a, companion); err != nil {
			return err
		}
	}
	if err := s.record(ctx, p, "application.issue", "application", a.ID, a.AccountID, a.OrganizationID,
		map[string]any{"from": string(model.StateApproved), "to": string(model.StateIssued), "serial": c.Serial},
		"application.state_changed", map[string]any{"action": string(ActIssue), "from": string(model.StateApproved),
			"to": string(model.StateIssued)}); err != nil {
		return err
	}
	return s.record(ctx, p, "certificate.issue", "certificate", c.Serial, c.AccountID, c.OrganizationID,
		map[string]any{"issuer": c.Issuer, "application_id": a.ID}, "certificate.issued",
		map[string]any{"application_id": a.ID, "kind": string(c.Kind), "not_after": c.NotAfter})
}

// bundle creates the free individual application that comes with a legal_entity_employee issuance inside
// the bundle window. The identity was just checked for the same person, so the companion waits only for its
// own key's request and the approval.
func (s *Service) bundle(ctx context.Context, p *access.Principal, from *model.Application, d rules.Decision) error {
	now := s.Clock.Now()
	b := &model.Application{ID: access.NewID(), AccountID: from.AccountID, OrganizationID: from.OrganizationID,
		EmployeeID: from.EmployeeID, Kind: d.Kind, State: model.StateIdentityVerification, Authority: d.Authority,
		BillingPosition: d.BillingPosition, BundledFrom: from.ID, SignTool: from.SignTool, Verification: from.Verification, CreatedBy: p.Actor,
		CreatedAt: now, UpdatedAt: now}
	if err := s.DB.CreateApplication(ctx, b); err != nil {
		return err
	}
	if err := s.DB.AddTransition(ctx, b.ID, model.Transition{Action: "bundle", To: b.State, Actor: p.Actor, At: now,
		Note: "бесплатный сертификат физического лица к сертификату " + from.CertificateSerial}); err != nil {
		return err
	}
	return s.record(ctx, p, "application.create", "application", b.ID, b.AccountID, b.OrganizationID,
		map[string]any{"kind": string(b.Kind), "bundled_from": from.ID}, "application.created",
		map[string]any{"kind": string(b.Kind), "state": string(b.State), "bundled_from": from.ID})
}

// MaxCSRSize bounds an uploaded certificate request.
const MaxCSRSize = 64 << 10

// UploadCSR stores the employee's PKCS#10 request (PEM or DER) on the application. The request must be a
// GOST R 34.10-2012 request whose self-signature verifies (proof of possession); the CA checks it again,
// with the rest of its rules, at issuance.
func (s *Service) UploadCSR(ctx context.Context, p *access.Principal, id string, body []byte) (*ApplicationView, error) {
	if !p.Can(access.AppCSR) {
		return nil, forbidden("upload certificate requests")
	}
	der, err := ParseCSR(body)
	if err != nil {
		return nil, errs.Field("csr", "invalid", err.Error())
	}
	var view *ApplicationView
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		a, err := s.DB.Application(ctx, p.Scope(), id)
		if storage.IsNoRows(err) {
			return errs.NotFoundf("application %s not found", id)
		} else if err != nil {
			return err
		}
		if !slices.Contains(csrStates, a.State) {
			return errs.New(errs.Conflict, "a certificate request can no longer be changed in state %s", a.State)
		}
		if _, err := s.carryOver(ctx, p, a); err != nil {
			return err
		}
		now := s.Clock.Now()
		a.CSR, a.CSRUploadedAt, a.UpdatedAt = der, &now, now
		if ok, err := s.DB.SaveApplication(ctx, a, a.State); err != nil {
			return err
		} else if !ok {
			return errs.New(errs.Conflict, "the application changed meanwhile; reload it and try again")
		}
		if err := s.DB.AddTransition(ctx, a.ID, model.Transition{Action: "csr", From: a.State, To: a.State, Actor: p.Actor, At: now}); err != nil {
			return err
		}
		if err := s.record(ctx, p, "application.csr", "application", a.ID, a.AccountID, a.OrganizationID,
			map[string]any{"csr_bytes": len(der)}, "application.csr_uploaded", map[string]any{"state": string(a.State)}); err != nil {
			return err
		}
		view, err = s.view(ctx, p, a.ID)
		return err
	})
	return view, err
}

// ParseCSR accepts a PKCS#10 request as PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"), DER, or
// bare base64 without the PEM armour (what CryptoPro's browser plug-in and Windows certificate enrollment
// return, wrapped in CRLF lines), checks that it is a GOST request whose signature verifies, and returns the DER.
func ParseCSR(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, errors.New("the request body is empty")
	}
	if len(body) > MaxCSRSize {
		return nil, errors.New("a certificate request must be at most 64 KiB")
	}
	der := body
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "-----BEGIN"):
		block, rest := pem.Decode([]byte(trimmed))
		if block == nil {
			return nil, errors.New("the PEM block cannot be decoded")
		}
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return nil, errors.New("the PEM block is a " + block.Type + ", not a CERTIFICATE REQUEST")
		}
		if len(strings.TrimSpace(string(rest))) != 0 {
			return nil, errors.New("only one PEM block is allowed")
		}
		der = block.Bytes
	case body[0] != 0x30: // not a DER SEQUENCE: bare base64 or nothing usable
		b, err := bareBase64(trimmed)
		if err != nil {
			return nil, err
		}
		der = b
	}
	req, err := x509gost.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("not a usable GOST R 34.10-2012 PKCS#10 request: %w", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, errors.New("the request's signature does not verify: it was not made with the key it carries")
	}
	if ps := req.PublicKey.ParamSet(); ps.IsTest() {
		return nil, errors.New("the key uses the test parameter set " + ps.Name + ", which is for test vectors only; generate a key on a production parameter set")
	}
	return der, nil
}

// bareBase64 decodes base64 text split into lines of any length and ending (CRLF, LF, none), with or
// without padding.
func bareBase64(text string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(compact, "="))
	}
	if err != nil || len(der) == 0 || der[0] != 0x30 {
		return nil, errors.New("not a certificate request: expected PEM, DER or base64 of a PKCS#10 request")
	}
	return der, nil
}
