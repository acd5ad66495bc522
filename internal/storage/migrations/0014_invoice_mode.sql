-- How an account is invoiced (issue 14): 'per_payer', one invoice per paying organization, or 'consolidated',
-- one invoice for the whole account paid by invoice_payer_id (the head organization of the holding).
ALTER TABLE accounts ADD COLUMN invoice_mode TEXT NOT NULL DEFAULT 'per_payer';
ALTER TABLE accounts ADD COLUMN invoice_payer_id TEXT NOT NULL DEFAULT '';

-- The length of the period an invoice closes, so that its documents stay dated by that period's end even
-- after the account's period length changes. Invoices written before this take the account's current length.
ALTER TABLE invoices ADD COLUMN period_months INTEGER NOT NULL DEFAULT 1;
UPDATE invoices SET period_months = (SELECT a.billing_period_months FROM accounts a WHERE a.id = invoices.account_id);
