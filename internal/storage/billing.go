package storage

import (
	"context"
	"strings"
	"time"

	"github.com/kcr-project/kcr/internal/model"
)

const tariffColumns = `id, position, price_kopecks, valid_from, valid_to, created_at`

func scanTariff(sc interface{ Scan(...any) error }) (*model.Tariff, error) {
	var t model.Tariff
	var at int64
	if err := sc.Scan(&t.ID, &t.Position, &t.PriceKopecks, &t.ValidFrom, &t.ValidTo, &at); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(at)
	return &t, nil
}

// Tariffs lists every tariff by position and start date.
func (db *DB) Tariffs(ctx context.Context) ([]*model.Tariff, error) {
	rows, err := db.query(ctx, `SELECT `+tariffColumns+` FROM tariffs ORDER BY position, valid_from`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Tariff
	for rows.Next() {
		t, err := scanTariff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateTariff stores a tariff.
func (db *DB) CreateTariff(ctx context.Context, t *model.Tariff) error {
	_, err := db.exec(ctx, `INSERT INTO tariffs (`+tariffColumns+`) VALUES (?,?,?,?,?,?)`, t.ID, t.Position, t.PriceKopecks,
		t.ValidFrom, t.ValidTo, micros(t.CreatedAt))
	return err
}

// CloseTariff ends an open-ended tariff on a date (exclusive), so a new price can start then.
func (db *DB) CloseTariff(ctx context.Context, id, validTo string) error {
	_, err := db.exec(ctx, `UPDATE tariffs SET valid_to = ? WHERE id = ?`, validTo, id)
	return err
}

// TariffAt returns the tariff of a position in force on a date (YYYY-MM-DD), or ErrNoRows.
func (db *DB) TariffAt(ctx context.Context, position model.BillingPosition, date string) (*model.Tariff, error) {
	return scanTariff(db.queryRow(ctx, `SELECT `+tariffColumns+` FROM tariffs WHERE position = ? AND valid_from <= ?
		AND (valid_to = '' OR valid_to > ?) ORDER BY valid_from DESC LIMIT 1`, position, date, date))
}

// VATAt returns the VAT rate in percent in force on a date.
func (db *DB) VATAt(ctx context.Context, date string) (int, error) {
	var p int
	err := db.queryRow(ctx, `SELECT percent FROM vat_rates WHERE valid_from <= ? ORDER BY valid_from DESC LIMIT 1`, date).Scan(&p)
	return p, err
}

// CreateAgreement stores an agreement.
func (db *DB) CreateAgreement(ctx context.Context, a *model.Agreement) error {
	_, err := db.exec(ctx, `INSERT INTO agreements (id, account_id, kind, number, signed_on, covers, created_at) VALUES (?,?,?,?,?,?,?)`,
		a.ID, a.AccountID, a.Kind, a.Number, a.SignedOn, a.Covers, micros(a.CreatedAt))
	return err
}

// Agreements lists an account's agreements.
func (db *DB) Agreements(ctx context.Context, accountID string) ([]model.Agreement, error) {
	rows, err := db.query(ctx, `SELECT id, account_id, kind, number, signed_on, covers, created_at FROM agreements
		WHERE account_id = ? ORDER BY signed_on, id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Agreement{}
	for rows.Next() {
		var a model.Agreement
		var at int64
		if err := rows.Scan(&a.ID, &a.AccountID, &a.Kind, &a.Number, &a.SignedOn, &a.Covers, &at); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// HasSupplementary reports whether an account has a supplementary agreement covering a position, signed on
// or before a date.
func (db *DB) HasSupplementary(ctx context.Context, accountID string, position model.BillingPosition, date string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM agreements WHERE account_id = ? AND kind = 'supplementary' AND covers = ?
		AND signed_on <= ?`, accountID, position, date).Scan(&n)
	return n > 0, err
}

// LockBilling makes period closes and tariff migrations take turns until the transaction ends: both update
// open lines of many accounts and periods, and without an order between them two could each hold lines the
// other waits for. On PostgreSQL it is a transaction-scoped advisory lock; SQLite's write transactions are
// serialized already. Line writers never take it.
func (db *DB) LockBilling(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := db.exec(ctx, `SELECT pg_advisory_xact_lock(7345004)`)
	return err
}

// PeriodClosed reports whether an account's billing period is closed. It is a plain read that takes no
// lock, so that line writers never wait for each other or for a close (issue 11, defect 7): a line written
// into a period whose close has not seen it stays open and the next close of the account bills it (see
// LinesToClose).
func (db *DB) PeriodClosed(ctx context.Context, accountID, period string) (bool, error) {
	var closed *int64
	err := db.queryRow(ctx, `SELECT closed_at FROM billing_periods WHERE account_id = ? AND period = ?`, accountID, period).Scan(&closed)
	if IsNoRows(err) {
		return false, nil
	}
	return closed != nil, err
}

// ClosePeriod marks a period closed and reports whether this call closed it (false when it was closed
// already). On PostgreSQL the period row's lock makes a concurrent close of the same period wait for this
// transaction and then find the period closed; only closes take it.
func (db *DB) ClosePeriod(ctx context.Context, accountID, period string, at int64) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO billing_periods (account_id, period, closed_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id, period) DO UPDATE SET closed_at = excluded.closed_at WHERE billing_periods.closed_at IS NULL`,
		accountID, period, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const lineColumns = `id, account_id, payer_organization_id, position, tariff_id, price_kopecks, event, event_at, period,
	application_id, certificate_serial, employee_initials, invoice_id`

// CreateBillingLine stores a line.
func (db *DB) CreateBillingLine(ctx context.Context, l *model.BillingLine, now int64) error {
	_, err := db.exec(ctx, `INSERT INTO billing_lines (`+lineColumns+`, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		l.ID, l.AccountID, l.PayerOrganizationID, l.Position, l.TariffID, l.PriceKopecks, l.Event, micros(l.EventAt), l.Period,
		l.ApplicationID, l.CertificateSerial, l.EmployeeInitials, l.InvoiceID, now)
	return err
}

// LineFilter narrows billing lines.
type LineFilter struct {
	AccountID string // "" for every account
	Period    string
	InvoiceID string
	OnlyOpen  bool // not yet invoiced
	Position  model.BillingPosition
	EventFrom int64 // micros; 0 for any
}

// BillingLines lists lines by payer and event time.
func (db *DB) BillingLines(ctx context.Context, f LineFilter) ([]*model.BillingLine, error) {
	where, args := "", []any{}
	for _, c := range []struct{ col, v string }{{"account_id", f.AccountID}, {"period", f.Period}, {"invoice_id", f.InvoiceID},
		{"position", string(f.Position)}} {
		if c.v != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if f.OnlyOpen {
		where += " AND invoice_id = ''"
	}
	if f.EventFrom > 0 {
		where += " AND event_at >= ?"
		args = append(args, f.EventFrom)
	}
	return queryAll(ctx, db, scanLine, `SELECT `+lineColumns+` FROM billing_lines WHERE 1 = 1`+where+
		` ORDER BY payer_organization_id, event_at, id`, args...)
}

func scanLine(sc interface{ Scan(...any) error }) (*model.BillingLine, error) {
	var l model.BillingLine
	var at int64
	if err := sc.Scan(&l.ID, &l.AccountID, &l.PayerOrganizationID, &l.Position, &l.TariffID, &l.PriceKopecks, &l.Event, &at,
		&l.Period, &l.ApplicationID, &l.CertificateSerial, &l.EmployeeInitials, &l.InvoiceID); err != nil {
		return nil, err
	}
	l.EventAt = fromMicros(at)
	return &l, nil
}

// LinesToClose lists the lines a close of an account's period bills: the period's open lines and the open
// lines of the account's earlier periods that are closed already (lines that committed after their
// period's close had read its lines), by payer and event time.
func (db *DB) LinesToClose(ctx context.Context, accountID, period string) ([]*model.BillingLine, error) {
	return queryAll(ctx, db, scanLine, `SELECT `+lineColumns+` FROM billing_lines WHERE account_id = ? AND invoice_id = ''
		AND (period = ? OR (period < ? AND period IN (SELECT period FROM billing_periods WHERE account_id = ? AND closed_at IS NOT NULL)))
		ORDER BY payer_organization_id, event_at, id`, accountID, period, period, accountID)
}

// AssignLines puts the listed lines that are still open into an invoice of a period (a late line of an
// earlier period moves into it) and returns how many it took and their sum. The sum is read after the
// update, under the lines' row locks, so it holds the prices the lines are invoiced at even if a tariff
// migration repriced one since the caller read it.
func (db *DB) AssignLines(ctx context.Context, invoiceID, period string, lineIDs []string) (int, int64, error) {
	const chunk = 500
	for lo := 0; lo < len(lineIDs); lo += chunk {
		ids := lineIDs[lo:min(lo+chunk, len(lineIDs))]
		args := []any{invoiceID, period}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := db.exec(ctx, `UPDATE billing_lines SET invoice_id = ?, period = ? WHERE invoice_id = '' AND id IN (?`+
			strings.Repeat(",?", len(ids)-1)+`)`, args...); err != nil {
			return 0, 0, err
		}
	}
	var n int
	var net int64
	err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(price_kopecks), 0) FROM billing_lines WHERE invoice_id = ?`,
		invoiceID).Scan(&n, &net)
	return n, net, err
}

// RepriceLine moves an open line to another position and tariff (tariff migration); it reports whether the
// line was still open.
func (db *DB) RepriceLine(ctx context.Context, id string, position model.BillingPosition, tariffID string, price int64) (bool, error) {
	res, err := db.exec(ctx, `UPDATE billing_lines SET position = ?, tariff_id = ?, price_kopecks = ? WHERE id = ? AND invoice_id = ''`,
		position, tariffID, price, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// HasLine reports whether an application already has a line for an event (an identification is charged once).
func (db *DB) HasLine(ctx context.Context, applicationID, event string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM billing_lines WHERE application_id = ? AND event = ?`, applicationID, event).Scan(&n)
	return n > 0, err
}

// MoveOpenApplications changes the billing position of applications not yet issued (tariff migration);
// it returns how many moved.
func (db *DB) MoveOpenApplications(ctx context.Context, from, to model.BillingPosition) (int64, error) {
	res, err := db.exec(ctx, `UPDATE applications SET billing_position = ?, version = version + 1 WHERE billing_position = ?
		AND state NOT IN ('issued', 'declined', 'cancelled')`, to, from)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// NextInvoiceNumber takes the next number; the counter row's lock keeps numbers gapless across writers.
func (db *DB) NextInvoiceNumber(ctx context.Context) (int64, error) {
	if _, err := db.exec(ctx, `UPDATE invoice_counter SET last = last + 1 WHERE id = 1`); err != nil {
		return 0, err
	}
	var n int64
	err := db.queryRow(ctx, `SELECT last FROM invoice_counter WHERE id = 1`).Scan(&n)
	return n, err
}

// CreateInvoice stores an invoice and assigns the lines to it (none when the caller assigned them with
// AssignLines).
func (db *DB) CreateInvoice(ctx context.Context, inv *model.Invoice, lineIDs []string) error {
	if inv.PeriodMonths == 0 {
		inv.PeriodMonths = 1
	}
	if _, err := db.exec(ctx, `INSERT INTO invoices (id, account_id, payer_organization_id, period, number, net_kopecks, vat_percent,
		vat_kopecks, total_kopecks, period_months, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, inv.ID, inv.AccountID,
		inv.PayerOrganizationID, inv.Period, inv.Number, inv.NetKopecks, inv.VATPercent, inv.VATKopecks, inv.TotalKopecks,
		inv.PeriodMonths, micros(inv.CreatedAt)); err != nil {
		return err
	}
	inv.Date, inv.ActDate = InvoiceDates(inv.Period, inv.PeriodMonths)
	for _, id := range lineIDs {
		res, err := db.exec(ctx, `UPDATE billing_lines SET invoice_id = ? WHERE id = ? AND invoice_id = ''`, inv.ID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrDuplicate // the line was invoiced already: never twice
		}
	}
	return nil
}

const invoiceColumns = `id, account_id, payer_organization_id, period, number, net_kopecks, vat_percent, vat_kopecks, total_kopecks,
	period_months, created_at`

func scanInvoice(sc interface{ Scan(...any) error }) (*model.Invoice, error) {
	var inv model.Invoice
	var at int64
	if err := sc.Scan(&inv.ID, &inv.AccountID, &inv.PayerOrganizationID, &inv.Period, &inv.Number, &inv.NetKopecks, &inv.VATPercent,
		&inv.VATKopecks, &inv.TotalKopecks, &inv.PeriodMonths, &at); err != nil {
		return nil, err
	}
	inv.CreatedAt = fromMicros(at)
	inv.Date, inv.ActDate = InvoiceDates(inv.Period, inv.PeriodMonths)
	return &inv, nil
}

// InvoiceDates returns the dates of the documents closing a period (YYYY-MM, months long): the invoice is
// dated the day after the period ends, the act the period's last day. Both are calendar dates, so they
// depend on nothing but the period; "" for a malformed period.
func InvoiceDates(period string, months int) (invoice, act string) {
	start, err := time.Parse("2006-01", period)
	if err != nil || months < 1 {
		return "", ""
	}
	end := start.AddDate(0, months, 0)
	return end.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
}

// Invoices lists invoices of an account ("" for all), optionally of one period, by number.
func (db *DB) Invoices(ctx context.Context, accountID, period string) ([]*model.Invoice, error) {
	where, args := "", []any{}
	if accountID != "" {
		where += " AND account_id = ?"
		args = append(args, accountID)
	}
	if period != "" {
		where += " AND period = ?"
		args = append(args, period)
	}
	rows, err := db.query(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE 1 = 1`+where+` ORDER BY number`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// Invoice returns one invoice of an account ("" for any).
func (db *DB) Invoice(ctx context.Context, accountID, id string) (*model.Invoice, error) {
	if accountID == "" {
		return scanInvoice(db.queryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ?`, id))
	}
	return scanInvoice(db.queryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ? AND account_id = ?`, id, accountID))
}

// OpenPeriods lists (account, period) pairs before a period that still have lines not invoiced: periods
// that ended while nobody closed them.
func (db *DB) OpenPeriods(ctx context.Context, before string) ([][2]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT account_id, period FROM billing_lines WHERE invoice_id = '' AND period < ?
		ORDER BY period, account_id`, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// BillingPeriodMonths returns the length of an account's billing period in months.
func (db *DB) BillingPeriodMonths(ctx context.Context, accountID string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT billing_period_months FROM accounts WHERE id = ?`, accountID).Scan(&n)
	return n, err
}

// SetBillingPeriodMonths changes the length of an account's billing period.
func (db *DB) SetBillingPeriodMonths(ctx context.Context, accountID string, months int) error {
	res, err := db.exec(ctx, `UPDATE accounts SET billing_period_months = ? WHERE id = ?`, months, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}

// InvoiceSettings returns how an account is invoiced: the mode and, when consolidated, the paying
// organization.
func (db *DB) InvoiceSettings(ctx context.Context, accountID string) (model.InvoiceMode, string, error) {
	var mode model.InvoiceMode
	var payer string
	err := db.queryRow(ctx, `SELECT invoice_mode, invoice_payer_id FROM accounts WHERE id = ?`, accountID).Scan(&mode, &payer)
	return mode, payer, err
}

// SetInvoiceSettings changes how an account is invoiced.
func (db *DB) SetInvoiceSettings(ctx context.Context, accountID string, mode model.InvoiceMode, payerID string) error {
	res, err := db.exec(ctx, `UPDATE accounts SET invoice_mode = ?, invoice_payer_id = ? WHERE id = ?`, mode, payerID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoRows
	}
	return nil
}

// HeadOrganizations lists an account's legal entities without a parent (at most limit): the organizations
// that may pay a consolidated invoice.
func (db *DB) HeadOrganizations(ctx context.Context, accountID string, limit int) ([]*model.Organization, error) {
	return queryAll(ctx, db, scanOrg, `SELECT `+orgColumns+` FROM organizations o WHERE o.account_id = ? AND o.parent_id IS NULL
		AND o.kind = ? ORDER BY o.id LIMIT ?`, accountID, model.OrgLegalEntity, limit)
}
