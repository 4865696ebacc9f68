-- Sign-up and sign-in-link requests: the HTTP answer only records the request (the same work
-- whether or not the address is known, so timing tells nothing); a worker carries it out and
-- deletes it in the same transaction (src/members/requests.rs). Personal data, kept seconds.
CREATE TABLE mail_requests (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('sign_up', 'magic_link')),
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
CREATE INDEX mail_requests_email ON mail_requests (email_key);

-- When a mail of a kind last went to an address (key: kind and a SHA-256 of the address), so
-- requests from anyone cause at most one such mail a minute (src/mail/mod.rs, `cooldown`).
CREATE TABLE mail_cooldowns (
    key      TEXT PRIMARY KEY,
    sent_at  BIGINT NOT NULL
);

-- Delivered mail keeps no content (its links may still work); what support needs stays: kind,
-- recipient id, times, status. Failed mail keeps its address and the server's reason.
UPDATE outbox SET recipient = '', subject = '', body_text = '', body_html = '', attachments = NULL
 WHERE status = 'sent';
UPDATE outbox SET subject = '', body_text = '', body_html = '', attachments = NULL
 WHERE status = 'failed';
