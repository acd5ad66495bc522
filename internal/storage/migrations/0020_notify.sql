-- Issue 15: e-mail through an outbox, in-app notices and certificate expiry reminders.
-- One outbox row per message. The recipient is an employee id: the address is read from the employee at
-- sending time, so the outbox holds no copy of it. data is the template's input (ids, dates), never names.
-- status: queued → sending (claimed until claimed_until) → sent | failed | cancelled.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    dedup_key       TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL,
    employee_id     TEXT NOT NULL,
    template        TEXT NOT NULL,
    category        TEXT NOT NULL,
    data            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    answer          TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);

-- In-app notices carry the same messages to users (the web bell); read_at is 0 while unread.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    dedup_key   TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users(id),
    account_id  TEXT NOT NULL,
    template    TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notices_user_unread ON notices(user_id, read_at, created_at);

-- An employee's refusal of one category of non-mandatory mail.
CREATE TABLE mail_unsubscribes (
    employee_id TEXT NOT NULL,
    category    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (employee_id, category)
);

-- Secrets of the notification service (the unsubscribe token key), made once by the first kcr that needs one.
CREATE TABLE notify_secrets (
    name  TEXT PRIMARY KEY,
    value {{blob}} NOT NULL
);

-- The reminder steps planned per document (a certificate's serial; МЧД later with their own prefix): steps
-- only get smaller as the end nears, so planning skips a document whose due step, or a later one, is here.
CREATE TABLE reminder_steps (
    ref  TEXT NOT NULL,
    days INTEGER NOT NULL,
    at   BIGINT NOT NULL,
    PRIMARY KEY (ref, days)
);

-- Reminder planning walks the valid certificates ending soon across every account.
CREATE INDEX certificates_status_expiry ON certificates(status, not_after);
