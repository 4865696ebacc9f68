-- Keeps member_tallies and daily_tallies (migrations/0009) in the transaction of every change.
-- SQLite has a single writer, so every daily row is shard 0. Each trigger turns the row's old
-- and new contributions into net changes per tally row and writes only those that are not zero.
-- Only member accounts (role 'member') are tallied: staff and admins are in no figure, and a
-- role change moves an account out of the tallies or back in (a contribution times 0 or 1).
CREATE TRIGGER tally_accounts_insert_v2 AFTER INSERT ON accounts BEGIN
    INSERT INTO member_tallies (dimension, status, key, n)
    SELECT * FROM (
        SELECT 'phase', NEW.status, COALESCE(NEW.phase, ''), 1
        UNION ALL SELECT 'country', NEW.status, COALESCE(NEW.country_of_origin, ''), 1
        UNION ALL SELECT 'municipality', NEW.status, COALESCE(NEW.municipality, ''), 1
        UNION ALL SELECT 'destination', NEW.status, COALESCE(NEW.destination_country, ''), 1
    ) WHERE NEW.role = 'member'
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT 'sign_ups', NEW.created_at / 86400000, 0, 1
    WHERE NEW.verified_at IS NOT NULL AND NEW.role = 'member'
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_accounts_update_v2
AFTER UPDATE OF status, phase, country_of_origin, municipality, destination_country, verified_at, created_at, role
ON accounts BEGIN
    INSERT INTO member_tallies (dimension, status, key, n)
    SELECT * FROM (
        SELECT dimension, status, key, SUM(n) AS n FROM (
            SELECT 'phase' AS dimension, OLD.status AS status, COALESCE(OLD.phase, '') AS key,
                -(OLD.role = 'member') AS n
            UNION ALL SELECT 'country', OLD.status, COALESCE(OLD.country_of_origin, ''), -(OLD.role = 'member')
            UNION ALL SELECT 'municipality', OLD.status, COALESCE(OLD.municipality, ''), -(OLD.role = 'member')
            UNION ALL SELECT 'destination', OLD.status, COALESCE(OLD.destination_country, ''), -(OLD.role = 'member')
            UNION ALL SELECT 'phase', NEW.status, COALESCE(NEW.phase, ''), (NEW.role = 'member')
            UNION ALL SELECT 'country', NEW.status, COALESCE(NEW.country_of_origin, ''), (NEW.role = 'member')
            UNION ALL SELECT 'municipality', NEW.status, COALESCE(NEW.municipality, ''), (NEW.role = 'member')
            UNION ALL SELECT 'destination', NEW.status, COALESCE(NEW.destination_country, ''), (NEW.role = 'member')
        ) GROUP BY dimension, status, key
    ) WHERE n <> 0
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT * FROM (
        SELECT name, day, 0, SUM(n) AS n FROM (
            SELECT 'sign_ups' AS name, OLD.created_at / 86400000 AS day,
                -(OLD.verified_at IS NOT NULL AND OLD.role = 'member') AS n
            UNION ALL SELECT 'sign_ups', NEW.created_at / 86400000,
                (NEW.verified_at IS NOT NULL AND NEW.role = 'member')
        ) GROUP BY name, day
    ) WHERE n <> 0
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_accounts_delete_v2 AFTER DELETE ON accounts BEGIN
    INSERT INTO member_tallies (dimension, status, key, n)
    SELECT * FROM (
        SELECT 'phase', OLD.status, COALESCE(OLD.phase, ''), -1
        UNION ALL SELECT 'country', OLD.status, COALESCE(OLD.country_of_origin, ''), -1
        UNION ALL SELECT 'municipality', OLD.status, COALESCE(OLD.municipality, ''), -1
        UNION ALL SELECT 'destination', OLD.status, COALESCE(OLD.destination_country, ''), -1
    ) WHERE OLD.role = 'member'
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = n + excluded.n;
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT 'sign_ups', OLD.created_at / 86400000, 0, -1
    WHERE OLD.verified_at IS NOT NULL AND OLD.role = 'member'
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_registrations_insert_v2 AFTER INSERT ON registrations BEGIN
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT * FROM (
        SELECT 'registrations', NEW.created_at / 86400000, 0, 1 WHERE NEW.status <> 'cancelled'
        UNION ALL SELECT 'waitlisted', NEW.created_at / 86400000, 0, 1
            WHERE NEW.status = 'waitlisted' OR NEW.promoted_at IS NOT NULL
    ) WHERE true
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_registrations_update_v2 AFTER UPDATE OF status, promoted_at, created_at
ON registrations BEGIN
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT * FROM (
        SELECT name, day, 0, SUM(n) AS n FROM (
            SELECT 'registrations' AS name, OLD.created_at / 86400000 AS day, -(OLD.status <> 'cancelled') AS n
            UNION ALL SELECT 'registrations', NEW.created_at / 86400000, (NEW.status <> 'cancelled')
            UNION ALL SELECT 'waitlisted', OLD.created_at / 86400000,
                -(OLD.status = 'waitlisted' OR OLD.promoted_at IS NOT NULL)
            UNION ALL SELECT 'waitlisted', NEW.created_at / 86400000,
                (NEW.status = 'waitlisted' OR NEW.promoted_at IS NOT NULL)
        ) GROUP BY name, day
    ) WHERE n <> 0
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_registrations_delete_v2 AFTER DELETE ON registrations BEGIN
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT * FROM (
        SELECT 'registrations', OLD.created_at / 86400000, 0, -1 WHERE OLD.status <> 'cancelled'
        UNION ALL SELECT 'waitlisted', OLD.created_at / 86400000, 0, -1
            WHERE OLD.status = 'waitlisted' OR OLD.promoted_at IS NOT NULL
    ) WHERE true
    ON CONFLICT (name, day, shard) DO UPDATE SET n = n + excluded.n;
END;
