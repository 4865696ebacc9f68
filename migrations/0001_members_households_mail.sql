-- One schema for SQLite and PostgreSQL. Portable types only:
-- ids are TEXT (UUIDs), times are BIGINT milliseconds since the Unix epoch (UTC),
-- flags are BIGINT 0/1 (SQLite booleans cannot be read as bool through sqlx::Any).

CREATE TABLE households (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

-- Everybody the centre knows of: members (with an account) and dependents (children, others).
CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    household_id  TEXT NOT NULL REFERENCES households(id),
    relation      TEXT NOT NULL CHECK (relation IN ('primary', 'partner', 'child', 'other')),
    first_name    TEXT,
    last_name     TEXT,
    birth_year    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    erased_at     BIGINT
);
CREATE INDEX people_household ON people (household_id);

-- A person who can sign in. account id = person id.
CREATE TABLE accounts (
    person_id          TEXT PRIMARY KEY REFERENCES people(id),
    email              TEXT,
    email_key          TEXT UNIQUE,
    language           TEXT NOT NULL,
    role               TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'staff', 'admin')),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'active', 'alumni', 'erased')),
    phase              TEXT CHECK (phase IN ('coming_in', 'settling_in', 'living_in', 'leaving')),
    country_of_origin  TEXT,
    municipality       TEXT,
    employer           TEXT,
    directory_visible  BIGINT NOT NULL DEFAULT 0,
    verified_at        BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    erased_at          BIGINT
);
CREATE INDEX accounts_status ON accounts (status, created_at);

-- Secrets handed out by mail or to clients. Only a SHA-256 of the secret is stored.
CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(person_id),
    kind        TEXT NOT NULL CHECK (kind IN ('verify', 'magic_link', 'session', 'api', 'calendar', 'unsubscribe')),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    used_at     BIGINT
);
CREATE INDEX tokens_account ON tokens (account_id, kind);
CREATE INDEX tokens_expiry ON tokens (expires_at);

-- A partner invited into a household; the invitee joins only by accepting.
CREATE TABLE invitations (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    household_id  TEXT NOT NULL REFERENCES households(id),
    invited_by    TEXT NOT NULL REFERENCES accounts(person_id),
    email         TEXT,
    email_key     TEXT,
    first_name    TEXT,
    last_name     TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    accepted_at   BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX invitations_household ON invitations (household_id);

-- Every consent given or withdrawn, never updated: the record a regulator may ask for.
CREATE TABLE consents (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(person_id),
    kind        TEXT NOT NULL,
    granted     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX consents_account ON consents (account_id, kind, at);

-- What happened, by whom, to what: ids only, never personal data.
CREATE TABLE audit_log (
    id       TEXT PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    detail   TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Fixed-window counters for rate limits, shared by every server instance.
CREATE TABLE rate_limits (
    key           TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Every mail, written in the transaction of the change that causes it; the worker delivers.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    account_id       TEXT,
    recipient        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    language         TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    attachments      TEXT,
    message_id       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_account ON outbox (account_id);
