// Package billing turns chargeable events into money: tariffs and VAT with effective dates, supplementary
// agreements, one billing line per event attributed to the paying organization, period close into one
// invoice per payer numbered without gaps, tariff migration, and the cost forecast. Periods are calendar
// months in Moscow time (UTC+3), as the contracts and invoices read; money is in kopecks.
package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/audit"
	"github.com/kcr-project/kcr/internal/clock"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Service is billing.
type Service struct {
	DB    *storage.DB
	Clock clock.Clock
	// Timeline decides which position a future reissue is billed under (the forecast).
	Timeline rules.Timeline
}

// PeriodOf returns the monthly billing period (YYYY-MM, Moscow time) an instant falls in.
func PeriodOf(t time.Time) string { return PeriodOfLength(t, 1) }

// PeriodOfLength returns the billing period of the given length in months (1 or 3) an instant falls in,
// named by its first month: quarters start in January, April, July and October.
func PeriodOfLength(t time.Time, months int) string {
	m := t.In(rules.MSK)
	first := time.Month((int(m.Month())-1)/months*months + 1)
	return time.Date(m.Year(), first, 1, 0, 0, 0, 0, rules.MSK).Format("2006-01")
}

// PeriodMonths are the billing period lengths an account may have.
var PeriodMonths = []int{1, 3}

// periodMonths returns an account's billing period length.
func (s *Service) periodMonths(ctx context.Context, accountID string) (int, error) {
	n, err := s.DB.BillingPeriodMonths(ctx, accountID)
	if storage.IsNoRows(err) {
		return 0, errs.NotFoundf("account %s not found", accountID)
	}
	if err == nil && n != 1 && n != 3 {
		n = 1
	}
	return n, err
}

// SetPeriodMonths changes an account's billing period (CA operator): 1 for monthly, 3 for quarterly. It
// takes effect for events from the next period on; lines already written keep their period.
func (s *Service) SetPeriodMonths(ctx context.Context, p *access.Principal, accountID string, months int) error {
	if !p.Can(access.BillingManage) {
		return errs.New(errs.Forbidden, "only the CA operator sets billing periods")
	}
	if months != 1 && months != 3 {
		return errs.Field("period_months", "enum", "must be 1 (monthly) or 3 (quarterly)")
	}
	return s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.SetBillingPeriodMonths(ctx, accountID, months); storage.IsNoRows(err) {
			return errs.NotFoundf("account %s not found", accountID)
		} else if err != nil {
			return err
		}
		return s.record(ctx, p, "billing.period_months", "account", accountID, accountID, map[string]any{"period_months": months})
	})
}

// DateOf returns the Moscow calendar date of an instant, YYYY-MM-DD.
func DateOf(t time.Time) string { return t.In(rules.MSK).Format(time.DateOnly) }

// parsePeriod checks a YYYY-MM period and returns its first instant.
func parsePeriod(field, p string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", p, rules.MSK)
	if err != nil {
		return time.Time{}, errs.Field(field, "format", "must be a month as YYYY-MM")
	}
	return t, nil
}

func nextPeriod(p string, months int) string {
	t, _ := time.ParseInLocation("2006-01", p, rules.MSK)
	return t.AddDate(0, months, 0).Format("2006-01")
}

// VAT is the tax on a net amount at a whole-percent rate, rounded half up to the kopeck.
func VAT(netKopecks int64, percent int) int64 {
	return (netKopecks*int64(percent) + 50) / 100
}

func (s *Service) timeline() rules.Timeline {
	if s.Timeline == (rules.Timeline{}) {
		return rules.DefaultTimeline()
	}
	return s.Timeline
}

func (s *Service) record(ctx context.Context, p *access.Principal, action audit.Action, objType, objID, accountID string, detail map[string]any) error {
	if !action.Known() {
		return fmt.Errorf("audit action %q is not in audit.Actions", action)
	}
	return s.DB.AppendAudit(ctx, &audit.Event{At: s.Clock.Now(), Actor: p.Actor, Action: string(action), ObjectType: objType,
		ObjectID: objID, AccountID: accountID, Detail: detail}, nil)
}

// Charge is a chargeable event.
type Charge struct {
	AccountID, PayerOrganizationID string
	Position                       model.BillingPosition
	Event                          model.BillingEvent
	ApplicationID                  string
	CertificateSerial              string
	Employee                       *model.Employee // shown on the line by initials only
	At                             time.Time
}

// Initials renders an employee as initials only ("И. П. И." for Иван Петрович Иванов): enough for the
// accountant to match a line with the certificate serial beside it, and no personal data beyond it (issue 5).
func Initials(e *model.Employee) string {
	var parts []string
	for _, part := range []string{e.GivenName, e.Patronymic, e.Surname} {
		if r := []rune(part); len(r) > 0 {
			parts = append(parts, string(r[0])+".")
		}
	}
	return strings.Join(parts, " ")
}

// Charge writes the event's billing line in the caller's transaction. The line belongs to the period of the
// event unless that period is closed already, in which case it lands in the next open one; a line that
// commits after its period's close read the period's lines is billed by the account's next close. Every
// line ends up in exactly one invoice. Charge locks nothing: issuances never wait for each other here.
func (s *Service) Charge(ctx context.Context, c Charge) error {
	if c.ApplicationID != "" {
		// An application is charged once per kind of event, even if, say, identity is checked again.
		if done, err := s.DB.HasLine(ctx, c.ApplicationID, string(c.Event)); err != nil || done {
			return err
		}
	}
	date := DateOf(c.At)
	t, err := s.DB.TariffAt(ctx, c.Position, date)
	if storage.IsNoRows(err) {
		return errs.New(errs.Unavailable, "no tariff for %s on %s: the CA operator must set one", c.Position, date)
	}
	if err != nil {
		return err
	}
	months, err := s.periodMonths(ctx, c.AccountID)
	if err != nil {
		return err
	}
	period := PeriodOfLength(c.At, months)
	for {
		// A plain read, no lock: if the period's close commits after this read, before the line commits,
		// the close does not see the line and the next close of the account bills it.
		closed, err := s.DB.PeriodClosed(ctx, c.AccountID, period)
		if err != nil {
			return err
		}
		if !closed {
			break
		}
		period = nextPeriod(period, months)
	}
	return s.DB.CreateBillingLine(ctx, &model.BillingLine{ID: access.NewID(), AccountID: c.AccountID,
		PayerOrganizationID: c.PayerOrganizationID, Position: c.Position, TariffID: t.ID, PriceKopecks: t.PriceKopecks,
		Event: c.Event, EventAt: c.At, Period: period, ApplicationID: c.ApplicationID, CertificateSerial: c.CertificateSerial,
		EmployeeInitials: Initials(c.Employee)}, s.Clock.Now().UnixMicro())
}

// CheckAgreement refuses ordering a position that needs a supplementary agreement the account does not
// have (individual certificates), with the step to take.
func (s *Service) CheckAgreement(ctx context.Context, accountID string, position model.BillingPosition, at time.Time) error {
	if position != rules.BillingIndividual {
		return nil
	}
	ok, err := s.DB.HasSupplementary(ctx, accountID, position, DateOf(at))
	if err != nil || ok {
		return err
	}
	return &errs.Error{Kind: errs.Refused, Rule: "supplementary_agreement_required",
		Detail: "Сертификаты физических лиц оформляются по отдельному тарифу, для которого нужно дополнительное соглашение " +
			"к договору. Попросите оператора удостоверяющего центра заключить его (POST /api/v1/accounts/{id}/agreements, " +
			"kind supplementary, covers individual_certificate), затем повторите заявку."}
}

// TariffInput sets a price for a position from a date (and optionally until one).
type TariffInput struct {
	Position     model.BillingPosition `json:"position"`
	PriceKopecks int64                 `json:"price_kopecks"`
	ValidFrom    string                `json:"valid_from"`
	ValidTo      string                `json:"valid_to,omitempty"`
}

// CreateTariff adds a price. A new price starting after an open-ended one ends that one the day before it
// starts (a price change never rewrites history); any other overlap is refused.
func (s *Service) CreateTariff(ctx context.Context, p *access.Principal, in TariffInput) (*model.Tariff, error) {
	if !p.Can(access.BillingManage) {
		return nil, errs.New(errs.Forbidden, "only the CA operator manages tariffs")
	}
	var f errs.Fields
	if !model.Valid(in.Position) {
		f.Add("position", "enum", "must be one of "+strings.Join(in.Position.EnumValues(), ", "))
	}
	if in.PriceKopecks < 0 {
		f.Add("price_kopecks", "range", "must not be negative")
	}
	from, err := time.ParseInLocation(time.DateOnly, in.ValidFrom, rules.MSK)
	if err != nil {
		f.Add("valid_from", "format", "must be a date as YYYY-MM-DD")
	}
	if err == nil && in.ValidFrom <= DateOf(s.Clock.Now()) {
		f.Add("valid_from", "past", "must be a future date: a price change never rewrites what was already charged")
	}
	if in.ValidTo != "" {
		to, err := time.ParseInLocation(time.DateOnly, in.ValidTo, rules.MSK)
		if err != nil {
			f.Add("valid_to", "format", "must be a date as YYYY-MM-DD")
		} else if !to.After(from) {
			f.Add("valid_to", "range", "must be after valid_from")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	t := &model.Tariff{ID: access.NewID(), Position: in.Position, PriceKopecks: in.PriceKopecks, ValidFrom: in.ValidFrom,
		ValidTo: in.ValidTo, CreatedAt: s.Clock.Now()}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		all, err := s.DB.Tariffs(ctx)
		if err != nil {
			return err
		}
		for _, old := range all {
			if old.Position != t.Position {
				continue
			}
			if old.ValidTo == "" && t.ValidTo == "" && old.ValidFrom < t.ValidFrom {
				// The current open-ended price ends where the new open-ended one starts; a bounded price
				// inside it would leave no price after its end, so it is an overlap.
				if err := s.DB.CloseTariff(ctx, old.ID, t.ValidFrom); err != nil {
					return err
				}
				if err := s.record(ctx, p, "tariff.close", "tariff", old.ID, "", map[string]any{"valid_to": t.ValidFrom,
					"replaced_by": t.ID}); err != nil {
					return err
				}
				continue
			}
			oldEnd, newEnd := old.ValidTo, t.ValidTo
			if oldEnd == "" {
				oldEnd = "9999-12-31"
			}
			if newEnd == "" {
				newEnd = "9999-12-31"
			}
			if t.ValidFrom < oldEnd && old.ValidFrom < newEnd {
				return errs.Field("valid_from", "overlap", fmt.Sprintf("overlaps the tariff %s of %s (from %s to %s)",
					old.ID, old.Position, old.ValidFrom, strings.TrimSuffix(oldEnd, "9999-12-31")))
			}
		}
		if err := s.DB.CreateTariff(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, p, "tariff.create", "tariff", t.ID, "", map[string]any{"position": t.Position,
			"price_kopecks": t.PriceKopecks, "valid_from": t.ValidFrom, "valid_to": t.ValidTo})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Tariffs lists every tariff.
func (s *Service) Tariffs(ctx context.Context, p *access.Principal) ([]*model.Tariff, error) {
	if !p.Can(access.BillingRead) && !p.Can(access.ForecastRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read tariffs")
	}
	return s.DB.Tariffs(ctx)
}

// AgreementInput records a contract or a supplementary agreement.
type AgreementInput struct {
	Kind     model.AgreementKind   `json:"kind"`
	Number   string                `json:"number"`
	SignedOn string                `json:"signed_on"`
	Covers   model.BillingPosition `json:"covers,omitempty"` // for a supplementary agreement: the position it opens
}

// CreateAgreement records an agreement of an account (CA operator).
func (s *Service) CreateAgreement(ctx context.Context, p *access.Principal, accountID string, in AgreementInput) (*model.Agreement, error) {
	if !p.Can(access.BillingManage) {
		return nil, errs.New(errs.Forbidden, "only the CA operator records agreements")
	}
	var f errs.Fields
	if !model.Valid(in.Kind) {
		f.Add("kind", "enum", "must be one of "+strings.Join(in.Kind.EnumValues(), ", "))
	}
	if strings.TrimSpace(in.Number) == "" || len([]rune(in.Number)) > 100 {
		f.Add("number", "required", "must be 1 to 100 characters")
	}
	if _, err := time.Parse(time.DateOnly, in.SignedOn); err != nil {
		f.Add("signed_on", "format", "must be a date as YYYY-MM-DD")
	}
	if in.Kind == model.AgreementSupplementary && in.Covers != rules.BillingIndividual {
		f.Add("covers", "enum", "a supplementary agreement opens individual_certificate")
	}
	if in.Kind == model.AgreementContract && in.Covers != "" {
		f.Add("covers", "not_allowed", "only a supplementary agreement covers a position")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	a := &model.Agreement{ID: access.NewID(), AccountID: accountID, Kind: in.Kind, Number: strings.TrimSpace(in.Number),
		SignedOn: in.SignedOn, Covers: in.Covers, CreatedAt: s.Clock.Now()}
	err := s.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.Account(ctx, accountID); storage.IsNoRows(err) {
			return errs.NotFoundf("account %s not found", accountID)
		} else if err != nil {
			return err
		}
		if err := s.DB.CreateAgreement(ctx, a); err != nil {
			return err
		}
		return s.record(ctx, p, "agreement.create", "agreement", a.ID, accountID, map[string]any{"kind": a.Kind, "number": a.Number,
			"covers": a.Covers})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Agreements lists an account's agreements to its own staff and to the operator.
func (s *Service) Agreements(ctx context.Context, p *access.Principal, accountID string) ([]model.Agreement, error) {
	if !p.Can(access.BillingRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	if p.AccountID != "" && p.AccountID != accountID {
		return nil, errs.NotFoundf("account %s not found", accountID)
	}
	return s.DB.Agreements(ctx, accountID)
}

// InvoiceNumber renders an invoice's number as printed: "КЦР-<year>-<number>".
func InvoiceNumber(inv *model.Invoice) string {
	return fmt.Sprintf("КЦР-%s-%06d", inv.Period[:4], inv.Number)
}

var positionTitles = map[model.BillingPosition]string{
	rules.BillingLegalEntityEmployee: "Сертификат сотрудника юридического лица",
	rules.BillingIndividual:          "Сертификат физического лица",
	rules.BillingHeadIdentification:  "Идентификация руководителя в сервисном центре",
	rules.BillingBundledIndividual:   "Сертификат физического лица (в комплекте, без оплаты)",
}

// Describe is a line's text on the invoice: the service, the certificate serial, and the employee's initials.
func Describe(l *model.BillingLine) string {
	d := positionTitles[l.Position]
	if d == "" {
		d = string(l.Position)
	}
	if l.CertificateSerial != "" {
		d += ", серийный номер " + l.CertificateSerial
	}
	return d + ", " + l.EmployeeInitials
}
