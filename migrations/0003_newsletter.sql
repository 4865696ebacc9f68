-- Newsletter lists, subscriptions, issues (campaigns and digests) and their deliveries.

-- One row per member and list. The unsubscribe key is a random secret that grants nothing but
-- unsubscribing from this one list, so it is kept as it is (it must go into every mail).
CREATE TABLE subscriptions (
    account_id          TEXT NOT NULL REFERENCES accounts(person_id),
    list                TEXT NOT NULL CHECK (list IN ('community', 'alumni')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
    unsubscribe_key     TEXT NOT NULL UNIQUE,
    confirm_token_hash  TEXT UNIQUE,
    requested_at        BIGINT NOT NULL,
    confirmed_at        BIGINT,
    unsubscribed_at     BIGINT,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (account_id, list)
);
CREATE INDEX subscriptions_list ON subscriptions (list, status, account_id);

-- An address that refused mail for good is not mailed again until the member changes it.
ALTER TABLE accounts ADD COLUMN bouncing_at BIGINT;

CREATE TABLE newsletters (
    id                    TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('campaign', 'digest')),
    -- A digest's period ('digest:community:2026-W48'): one issue per period, whoever fires.
    period_key            TEXT UNIQUE,
    segment               TEXT NOT NULL CHECK (segment IN ('community', 'alumni')),
    subject               TEXT NOT NULL,
    body                  TEXT NOT NULL,
    filters               TEXT NOT NULL DEFAULT '{}',
    upcoming_events_days  BIGINT,
    -- The events listed in the issue, fixed when sending starts so every recipient sees the same.
    events                TEXT NOT NULL DEFAULT '[]',
    status                TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
    scheduled_at          BIGINT,
    started_at            BIGINT,
    finished_at           BIGINT,
    pause_reason          TEXT,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0,
    recipients            BIGINT NOT NULL DEFAULT 0,
    created_by            TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX newsletters_status ON newsletters (status, scheduled_at);

-- One row per issue and recipient, written when sending starts; claimed with a lease.
CREATE TABLE deliveries (
    newsletter_id    TEXT NOT NULL REFERENCES newsletters(id),
    account_id       TEXT NOT NULL REFERENCES accounts(person_id),
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    claim_id         TEXT,
    last_error       TEXT,
    sent_at          BIGINT,
    PRIMARY KEY (newsletter_id, account_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_account ON deliveries (account_id);
CREATE INDEX deliveries_claim ON deliveries (claim_id);
