-- Staff API tokens become manageable: a public id to list and revoke them by (never the hash),
-- a name saying what uses them, and when they were last used (written at most once a minute).
-- New tokens of every kind get an id when issued; API tokens issued before this migration are
-- given theirs at start-up (auth::tokens::assign_missing_ids), since portable SQL has no way to
-- make a random one. They were all made by `admin create`, hence their name.
ALTER TABLE tokens ADD COLUMN id TEXT;
ALTER TABLE tokens ADD COLUMN name TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT;
CREATE UNIQUE INDEX tokens_id ON tokens (id);
UPDATE tokens SET name = 'cli' WHERE kind = 'api';
