-- Staff close an event's attendance after it, marking whoever was not checked in as a no-show:
-- from then on check-ins are frozen (the figures reported for it cannot move by a stray tap)
-- until staff reopen it. Absent: attendance still open.
CREATE TABLE attendance_closed (
    event_id TEXT PRIMARY KEY REFERENCES events(id),
    closed_at BIGINT NOT NULL,
    arrived BIGINT NOT NULL,
    no_shows BIGINT NOT NULL
);
