-- Events, household registrations with a waitlist, check-in, calendar feeds.
-- Times: UTC milliseconds (BIGINT) for ordering and arithmetic, plus the local wall-clock time
-- and IANA zone the event was entered in, so calendars show it as intended across DST changes.

CREATE TABLE events (
    id                      TEXT PRIMARY KEY,
    series_id               TEXT,
    title                   TEXT NOT NULL,
    summary                 TEXT,
    description             TEXT,
    timezone                TEXT NOT NULL,
    starts_local            TEXT NOT NULL,
    ends_local              TEXT NOT NULL,
    starts_at               BIGINT NOT NULL,
    ends_at                 BIGINT NOT NULL,
    venue                   TEXT,
    address                 TEXT,
    online_url              TEXT,
    capacity                BIGINT,
    seats_taken             BIGINT NOT NULL DEFAULT 0,
    registration_opens_at   BIGINT,
    registration_closes_at  BIGINT,
    audience                TEXT NOT NULL CHECK (audience IN ('everyone', 'members', 'partners', 'families', 'alumni')),
    tags                    TEXT NOT NULL DEFAULT '[]',
    organiser               TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    revision                BIGINT NOT NULL DEFAULT 1,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    CHECK (capacity IS NULL OR (capacity >= 0 AND seats_taken <= capacity)),
    CHECK (seats_taken >= 0)
);
CREATE INDEX events_listing ON events (status, starts_at, id);
CREATE INDEX events_series ON events (series_id);

CREATE TABLE event_tags (
    event_id  TEXT NOT NULL REFERENCES events(id),
    tag       TEXT NOT NULL,
    PRIMARY KEY (event_id, tag)
);
CREATE INDEX event_tags_tag ON event_tags (tag, event_id);

-- One household's registration for one event: a group that is confirmed or waits together.
CREATE TABLE registrations (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events(id),
    household_id   TEXT NOT NULL REFERENCES households(id),
    registered_by  TEXT NOT NULL REFERENCES accounts(person_id),
    status         TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    seats          BIGINT NOT NULL CHECK (seats > 0),
    queued_at      BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    promoted_at    BIGINT,
    cancelled_at   BIGINT
);
CREATE INDEX registrations_event ON registrations (event_id, status, queued_at, id);
CREATE INDEX registrations_household ON registrations (household_id, created_at);

CREATE TABLE registration_people (
    registration_id  TEXT NOT NULL REFERENCES registrations(id),
    event_id         TEXT NOT NULL REFERENCES events(id),
    person_id        TEXT NOT NULL REFERENCES people(id),
    live             BIGINT NOT NULL DEFAULT 1,
    checked_in_at    BIGINT,
    PRIMARY KEY (registration_id, person_id)
);
-- A person holds at most one live registration per event.
CREATE UNIQUE INDEX registration_people_one_live ON registration_people (event_id, person_id) WHERE live = 1;
CREATE INDEX registration_people_person ON registration_people (person_id);
