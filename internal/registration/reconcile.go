package registration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/ca"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// ReconcilerActor is the actor the audit log names for what the reconciler finishes.
const ReconcilerActor = "system:reconciler"

// DefaultStaleAfter is how long an issuance may stay in flight before the reconciler takes it over. A live
// issuance signs and stores within seconds, so a replica never finishes an issuance another one is still
// working on.
const DefaultStaleAfter = 2 * time.Minute

// ReconcileResult counts what one reconciliation did.
type ReconcileResult struct {
	Completed int // signed certificates stored and their applications issued
	Abandoned int // intents given up (or found finished meanwhile by another replica)
}

// Reconcile finishes or gives up every issuance that has been in flight (its intent pending or signed) for
// longer than staleAfter by the service's clock. Such an intent is what a crash, a lost database connection
// or a killed process leaves behind, and while it stays in flight the application cannot be issued again.
//
//   - A signed intent of an application still approved is completed from the intent, which holds the
//     certificate: storeIssued writes everything the live issue step would, with ReconcilerActor as actor.
//   - Any other in-flight intent is abandoned: nothing was signed, or the certificate was never stored and so
//     never left kcr (the live step hands a certificate out only after storing it), so there is nothing to
//     revoke. The application stays approved and the next issue signs a new certificate.
//
// Every step is conditional on the intent's status, in the transaction that acts on it, so that replicas
// reconciling at once complete or abandon each intent exactly once. Errors of one intent do not stop the
// others; they are returned together and the intent is tried again next time.
func (s *Service) Reconcile(ctx context.Context, staleAfter time.Duration) (ReconcileResult, error) {
	var res ReconcileResult
	intents, err := s.DB.StaleIntents(ctx, s.Clock.Now().Add(-staleAfter))
	if err != nil {
		return res, err
	}
	var failed []error
	for _, in := range intents {
		completed, err := s.reconcileIntent(ctx, in)
		switch {
		case err != nil:
			failed = append(failed, fmt.Errorf("intent %s of application %s: %w", in.Serial, in.ApplicationID, err))
		case completed:
			res.Completed++
		default:
			res.Abandoned++
		}
	}
	return res, errors.Join(failed...)
}

// reconcileIntent completes or abandons one stale intent and reports whether it completed it.
func (s *Service) reconcileIntent(ctx context.Context, in storage.Intent) (bool, error) {
	a, err := s.DB.Application(ctx, storage.Scope{}, in.ApplicationID)
	if err != nil {
		return false, err
	}
	issuer, err := s.issuerFor(a.Authority)
	if err != nil {
		// The application now names an authority without a connector (a carry-over moved a head to a state
		// CA): give the intent up directly, or the application could never be issued again.
		_, uerr := s.DB.UpdateIntent(ctx, in.Serial, []string{storage.IntentPending, storage.IntentSigned}, storage.IntentAbandoned,
			nil, "reconciler: no issuer for "+string(a.Authority)+" any more", s.Clock.Now())
		return false, uerr
	}
	abandon := func(reason string) (bool, error) {
		return false, issuer.Abandoned(ctx, in.Serial, "reconciler: "+reason)
	}
	switch {
	case in.Status == storage.IntentPending:
		return abandon("interrupted before the certificate was signed")
	case a.State != model.StateApproved:
		return abandon("the application is " + string(a.State) + ", no longer approved")
	}
	iss, err := ca.IssuedFromDER(in.Authority, in.DER)
	if err != nil {
		return abandon(err.Error())
	}
	system := &access.Principal{Actor: ReconcilerActor, Name: "issuance reconciler", Role: model.RoleOperator}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		// Read the application again in the transaction: another replica may have completed it meanwhile.
		a, err := s.DB.Application(ctx, storage.Scope{}, in.ApplicationID)
		if err != nil {
			return err
		}
		e, err := s.DB.Employee(ctx, storage.Scope{AccountID: a.AccountID}, a.EmployeeID)
		if err != nil {
			return err
		}
		remote := a.Verification != nil && a.Verification.Method == model.VerifiedRemoteQualified
		d, err := s.decide(ctx, a, remote)
		if errs.KindOf(err) == errs.Refused {
			// The rules were met when the certificate was signed; today's answer only decides the bundle.
			d, err = rules.Decision{}, nil
		}
		if err != nil {
			return err
		}
		return s.storeIssued(ctx, system, issuer, a, e, iss, d, "")
	})
	if err != nil {
		// Storing failed for good (the intent moved meanwhile, or the data no longer fits): give the intent
		// up, as the live step does. When another replica stored it first, the intent is no longer in flight
		// and this changes nothing.
		if _, aerr := abandon("storing failed: " + err.Error()); aerr != nil {
			return false, errors.Join(err, aerr)
		}
		return false, nil
	}
	return true, nil
}
