-- Personal calendar feeds are kept built per household (src/calendar.rs) while these counters
-- stay: bumped in the transaction of every change to a household's registrations, in 16 shards
-- by the last hex digit of the household id (like the seat counters).
INSERT INTO change_counters (name, value) VALUES
    ('households:0', 0), ('households:1', 0), ('households:2', 0), ('households:3', 0),
    ('households:4', 0), ('households:5', 0), ('households:6', 0), ('households:7', 0),
    ('households:8', 0), ('households:9', 0), ('households:a', 0), ('households:b', 0),
    ('households:c', 0), ('households:d', 0), ('households:e', 0), ('households:f', 0);
