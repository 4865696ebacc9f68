-- A counter per kind of content that caches depend on, bumped in the same transaction as every
-- change to that content. A cache compares it (one indexed read) instead of rebuilding, and is
-- exact across server instances because the counter lives in the shared database.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('events', 0);
