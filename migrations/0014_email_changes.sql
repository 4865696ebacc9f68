-- A change of e-mail address waiting for its link to be followed (sent to the new address).
-- The address changes only then; a newer request for the same account replaces this one. The
-- row goes when the change is made, expires, or the account is erased.
CREATE TABLE email_changes (
    token_hash    TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(person_id),
    new_email     TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX email_changes_account ON email_changes (account_id);
CREATE INDEX email_changes_expiry ON email_changes (expires_at);
