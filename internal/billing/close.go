package billing

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/kcr-project/kcr/internal/access"
	"github.com/kcr-project/kcr/internal/errs"
	"github.com/kcr-project/kcr/internal/model"
	"github.com/kcr-project/kcr/internal/rules"
	"github.com/kcr-project/kcr/internal/storage"
)

// Close closes one account's period: every open line of the period, and every late line of the account's
// earlier closed periods, goes into exactly one invoice per payer (or, for an account invoiced
// consolidated, one invoice paid by its head organization), numbered without gaps. The invoice is dated by
// the period, not by the day Close runs (model.Invoice.Date). Closing a closed
// period changes nothing and returns its invoices. Only a period that has ended can be closed. It takes no
// lock a line writer waits for: it bills the lines committed when it reads them.
func (s *Service) Close(ctx context.Context, p *access.Principal, accountID, period string) ([]*model.Invoice, error) {
	start, err := parsePeriod("period", period)
	if err != nil {
		return nil, err
	}
	months, err := s.periodMonths(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if PeriodOfLength(start, months) != period {
		return nil, errs.Field("period", "not_a_period", fmt.Sprintf("the account is billed every %d months: %s does not start a period",
			months, period))
	}
	end := start.AddDate(0, months, 0)
	if s.Clock.Now().Before(end) {
		return nil, errs.Field("period", "not_ended", fmt.Sprintf("%s has not ended yet (it ends %s Moscow time)", period,
			end.Format("2006-01-02 15:04")))
	}
	var out []*model.Invoice
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.LockBilling(ctx); err != nil {
			return err
		}
		now := s.Clock.Now()
		// Marking the period closed first: a line writer that reads the flag after this commits goes to the
		// next period; one that read it before and commits after the lines are read below stays open in this
		// period and is billed by the next close (LinesToClose).
		closedNow, err := s.DB.ClosePeriod(ctx, accountID, period, now.UnixMicro())
		if err != nil {
			return err
		}
		if !closedNow {
			out, err = s.DB.Invoices(ctx, accountID, period)
			return err
		}
		lines, err := s.DB.LinesToClose(ctx, accountID, period)
		if err != nil {
			return err
		}
		mode, head, err := s.DB.InvoiceSettings(ctx, accountID)
		if err != nil {
			return err
		}
		byPayer := map[string][]*model.BillingLine{}
		for _, l := range lines {
			payer := l.PayerOrganizationID
			if mode == model.InvoiceConsolidated && head != "" {
				// One invoice for the account, paid by its head organization; each line keeps the
				// organization it was charged to, so the documents group lines by it.
				payer = head
			}
			byPayer[payer] = append(byPayer[payer], l)
		}
		payers := make([]string, 0, len(byPayer))
		for payer := range byPayer {
			payers = append(payers, payer)
		}
		sort.Strings(payers)
		// VAT at the rate in force on the last day of the period (the invoice's date).
		vat, err := s.DB.VATAt(ctx, DateOf(end.AddDate(0, 0, -1)))
		if err != nil {
			return err
		}
		billed := 0
		for _, payer := range payers {
			inv := &model.Invoice{ID: access.NewID(), AccountID: accountID, PayerOrganizationID: payer, Period: period,
				PeriodMonths: months, VATPercent: vat, CreatedAt: now}
			var ids []string
			for _, l := range byPayer[payer] {
				ids = append(ids, l.ID)
			}
			// Only the lines read above, and only while still open; the net is what they are invoiced at.
			n, net, err := s.DB.AssignLines(ctx, inv.ID, period, ids)
			if err != nil {
				return err
			}
			if n == 0 {
				continue // none was left open: no invoice, and no number taken
			}
			billed += n
			inv.NetKopecks = net
			inv.VATKopecks = VAT(inv.NetKopecks, vat)
			inv.TotalKopecks = inv.NetKopecks + inv.VATKopecks
			if inv.Number, err = s.DB.NextInvoiceNumber(ctx); err != nil {
				return err
			}
			if err := s.DB.CreateInvoice(ctx, inv, nil); err != nil {
				return err
			}
			out = append(out, inv)
		}
		return s.record(ctx, p, "billing.close", "billing_period", accountID+"/"+period, accountID,
			map[string]any{"period": period, "invoices": len(out), "lines": billed})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CloseAll closes a period for every account (the command and the background job).
func (s *Service) CloseAll(ctx context.Context, p *access.Principal, period string) (int, error) {
	accounts, err := s.DB.Accounts(ctx)
	if err != nil {
		return 0, err
	}
	start, err := parsePeriod("period", period)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range accounts {
		months, err := s.periodMonths(ctx, a.ID)
		if err != nil {
			return n, err
		}
		if PeriodOfLength(start, months) != period {
			continue // a quarterly account has no period starting that month
		}
		invs, err := s.Close(ctx, p, a.ID, period)
		if err != nil {
			return n, fmt.Errorf("account %s: %w", a.ID, err)
		}
		n += len(invs)
	}
	return n, nil
}

// CloseDue closes every ended period that still has lines not invoiced, for every account; the background
// job calls it, so a period closes within the job's interval after it ends even if the server was down.
func (s *Service) CloseDue(ctx context.Context, p *access.Principal) (int, error) {
	due, err := s.DB.OpenPeriods(ctx, PeriodOf(s.Clock.Now()))
	if err != nil {
		return 0, err
	}
	n := 0
	done := map[[2]string]bool{}
	for _, d := range due {
		months, err := s.periodMonths(ctx, d[0])
		if err != nil {
			return n, err
		}
		// Open lines of a closed period came after its close: the account's next period bills them, so
		// that is the one to close.
		for {
			closed, err := s.DB.PeriodClosed(ctx, d[0], d[1])
			if err != nil {
				return n, err
			}
			if !closed {
				break
			}
			start, _ := parsePeriod("period", d[1])
			d[1] = nextPeriod(PeriodOfLength(start, months), months)
		}
		if start, _ := parsePeriod("period", d[1]); s.Clock.Now().Before(start.AddDate(0, months, 0)) {
			continue // a period that has not ended
		}
		if done[d] {
			continue
		}
		done[d] = true
		invs, err := s.Close(ctx, p, d[0], d[1])
		if err != nil {
			return n, fmt.Errorf("account %s, period %s: %w", d[0], d[1], err)
		}
		n += len(invs)
	}
	return n, nil
}

// MigrateInput moves open positions of one tariff to another from a date.
type MigrateInput struct {
	From     model.BillingPosition `json:"from_position"`
	To       model.BillingPosition `json:"to_position"`
	FromDate string                `json:"from_date"` // YYYY-MM-DD: open lines of events on or after it move
}

// MigrateResult counts what a tariff migration moved.
type MigrateResult struct {
	Lines        int   `json:"lines"`
	Applications int64 `json:"applications"`
}

// MigrateTariff moves open (not invoiced) lines of events from a date, and unfinished applications, from
// one position to another, re-priced at the new position's tariff (the 2023 move from legal-entity to
// individual certificates). It is audited.
func (s *Service) MigrateTariff(ctx context.Context, p *access.Principal, in MigrateInput) (*MigrateResult, error) {
	if !p.Can(access.BillingManage) {
		return nil, errs.New(errs.Forbidden, "only the CA operator migrates tariffs")
	}
	var f errs.Fields
	if !model.Valid(in.From) {
		f.Add("from_position", "enum", "is not a billing position")
	}
	if !model.Valid(in.To) || in.To == in.From {
		f.Add("to_position", "enum", "must be another billing position")
	}
	from, err := time.ParseInLocation(time.DateOnly, in.FromDate, rules.MSK)
	if err != nil {
		f.Add("from_date", "format", "must be a date as YYYY-MM-DD")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	res := &MigrateResult{}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.LockBilling(ctx); err != nil {
			return err
		}
		lines, err := s.DB.BillingLines(ctx, storage.LineFilter{Position: in.From, OnlyOpen: true, EventFrom: from.UnixMicro()})
		if err != nil {
			return err
		}
		for _, l := range lines {
			t, err := s.DB.TariffAt(ctx, in.To, DateOf(l.EventAt))
			if storage.IsNoRows(err) {
				return errs.Field("to_position", "no_tariff", "no tariff of "+string(in.To)+" on "+DateOf(l.EventAt))
			} else if err != nil {
				return err
			}
			if moved, err := s.DB.RepriceLine(ctx, l.ID, in.To, t.ID, t.PriceKopecks); err != nil {
				return err
			} else if moved {
				res.Lines++
			}
		}
		if res.Applications, err = s.DB.MoveOpenApplications(ctx, in.From, in.To); err != nil {
			return err
		}
		return s.record(ctx, p, "tariff.migrate", "tariff", string(in.From), "", map[string]any{"from_position": in.From,
			"to_position": in.To, "from_date": in.FromDate, "lines": res.Lines, "applications": res.Applications})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Lines lists the account's billing lines of a period (open and invoiced).
func (s *Service) Lines(ctx context.Context, p *access.Principal, period string) ([]*model.BillingLine, error) {
	if !p.Can(access.BillingRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	if period != "" {
		if _, err := parsePeriod("period", period); err != nil {
			return nil, err
		}
	}
	lines, err := s.DB.BillingLines(ctx, storage.LineFilter{AccountID: p.AccountID, Period: period})
	if lines == nil {
		lines = []*model.BillingLine{}
	}
	return lines, err
}

// Invoices lists the account's invoices, optionally of one period.
func (s *Service) Invoices(ctx context.Context, p *access.Principal, period string) ([]*model.Invoice, error) {
	if !p.Can(access.BillingRead) {
		return nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	if period != "" {
		if _, err := parsePeriod("period", period); err != nil {
			return nil, err
		}
	}
	out, err := s.DB.Invoices(ctx, p.AccountID, period)
	if out == nil {
		out = []*model.Invoice{}
	}
	return out, err
}

// Invoice returns one invoice with its lines.
func (s *Service) Invoice(ctx context.Context, p *access.Principal, id string) (*model.Invoice, []*model.BillingLine, error) {
	if !p.Can(access.BillingRead) {
		return nil, nil, errs.New(errs.Forbidden, "your role cannot read billing")
	}
	inv, err := s.DB.Invoice(ctx, p.AccountID, id)
	if storage.IsNoRows(err) {
		return nil, nil, errs.NotFoundf("invoice %s not found", id)
	}
	if err != nil {
		return nil, nil, err
	}
	lines, err := s.DB.BillingLines(ctx, storage.LineFilter{InvoiceID: inv.ID})
	return inv, lines, err
}
