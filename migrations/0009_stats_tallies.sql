-- Tallies the funders' figures read instead of counting every member and registration
-- (src/stats/tallies.rs). Database triggers keep them, in the transaction of every change, on
-- both engines; the triggers are engine-specific SQL, so they are installed (and the tallies
-- filled from the tables) at start-up, not here.

-- Accounts per status and key, for each dimension reported ('phase', 'country',
-- 'municipality', 'destination'); key '' stands for "not given".
CREATE TABLE member_tallies (
    dimension TEXT NOT NULL,
    status    TEXT NOT NULL,
    key       TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (dimension, status, key)
);

-- Counts per UTC day ('registrations' not cancelled, 'waitlisted' ever, 'sign_ups' verified,
-- each by the day the row was created). `shard` is 0 except for writes from a PostgreSQL group
-- commit lane, which use their connection's pid: a lane holds the rows it changed until its
-- batch commits, and lanes of two instances must not queue on one row.
CREATE TABLE daily_tallies (
    name  TEXT NOT NULL,
    day   BIGINT NOT NULL,
    shard BIGINT NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (name, day, shard)
);

-- Period figures still counted from rows read an index range of the period, not every row.
CREATE INDEX deliveries_sent ON deliveries (status, sent_at);
CREATE INDEX consents_withdrawn ON consents (granted, at);
