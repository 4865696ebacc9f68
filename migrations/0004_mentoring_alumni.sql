-- Mentor programmes for partners; the alumni life cycle; retention bookkeeping.

CREATE TABLE programmes (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL,
    audience                TEXT NOT NULL CHECK (audience IN ('partners', 'everyone')),
    starts_on               TEXT NOT NULL,
    ends_on                 TEXT NOT NULL,
    max_mentees_per_mentor  BIGINT NOT NULL CHECK (max_mentees_per_mentor > 0),
    status                  TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);

-- A member's application to a programme as mentor or mentee.
CREATE TABLE programme_applications (
    id             TEXT PRIMARY KEY,
    programme_id   TEXT NOT NULL REFERENCES programmes(id),
    account_id     TEXT NOT NULL REFERENCES accounts(person_id),
    role           TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    expertise      TEXT NOT NULL DEFAULT '[]',
    sectors        TEXT NOT NULL DEFAULT '[]',
    languages      TEXT NOT NULL DEFAULT '[]',
    goals          TEXT NOT NULL DEFAULT '[]',
    sector         TEXT,
    availability   TEXT,
    bio            TEXT,
    -- Mentors: how many mentees they take (already bounded by the programme's maximum), and how
    -- many they have now. The conditional update on these two keeps a mentor within capacity.
    capacity       BIGINT NOT NULL DEFAULT 0,
    mentees        BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('applied', 'matched', 'active', 'completed', 'withdrawn')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (programme_id, account_id, role),
    CHECK (mentees >= 0 AND (role = 'mentee' OR mentees <= capacity))
);
CREATE INDEX programme_applications_programme ON programme_applications (programme_id, role, status);

CREATE TABLE matches (
    id                TEXT PRIMARY KEY,
    programme_id      TEXT NOT NULL REFERENCES programmes(id),
    mentor_id         TEXT NOT NULL REFERENCES programme_applications(id),
    mentee_id         TEXT NOT NULL REFERENCES programme_applications(id),
    status            TEXT NOT NULL CHECK (status IN ('matched', 'active', 'completed', 'withdrawn')),
    live              BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    started_at        BIGINT,
    ended_at          BIGINT,
    mentor_rating     BIGINT,
    mentor_comment    TEXT,
    mentee_rating     BIGINT,
    mentee_comment    TEXT
);
-- A mentee has at most one live match.
CREATE UNIQUE INDEX matches_one_live_per_mentee ON matches (mentee_id) WHERE live = 1;
CREATE INDEX matches_programme ON matches (programme_id, status);

ALTER TABLE accounts ADD COLUMN leaving_on TEXT;
ALTER TABLE accounts ADD COLUMN destination_country TEXT;
ALTER TABLE accounts ADD COLUMN destination_city TEXT;
ALTER TABLE accounts ADD COLUMN keep_in_touch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN alumni_since BIGINT;
ALTER TABLE accounts ADD COLUMN returned_at BIGINT;
ALTER TABLE accounts ADD COLUMN last_seen_at BIGINT;
ALTER TABLE accounts ADD COLUMN retention_reminded_at BIGINT;
-- Which fields an alumnus shows in the directory (JSON list), when directory_visible is 1.
ALTER TABLE accounts ADD COLUMN directory_fields TEXT NOT NULL DEFAULT '["first_name","destination_country"]';
CREATE INDEX accounts_leaving ON accounts (status, leaving_on);
