-- Seats taken change with every registration; list caches must see that too. One counter row
-- would make every registration on PostgreSQL wait for every other one's commit, so the counter
-- is split in 16 shards by the last hex digit of the event id (see src/cache.rs).
INSERT INTO change_counters (name, value) VALUES
    ('seats:0', 0), ('seats:1', 0), ('seats:2', 0), ('seats:3', 0),
    ('seats:4', 0), ('seats:5', 0), ('seats:6', 0), ('seats:7', 0),
    ('seats:8', 0), ('seats:9', 0), ('seats:a', 0), ('seats:b', 0),
    ('seats:c', 0), ('seats:d', 0), ('seats:e', 0), ('seats:f', 0);
