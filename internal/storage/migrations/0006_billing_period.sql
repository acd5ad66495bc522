-- The billing period of an account: 1 (monthly, the default) or 3 (quarterly) months. A period is named by
-- its first month, YYYY-MM.
ALTER TABLE accounts ADD COLUMN billing_period_months INTEGER NOT NULL DEFAULT 1;
