-- Keeps member_tallies and daily_tallies (migrations/0009) in the transaction of every change.
--
-- Inserts and deletes are tallied once per statement from its transition table: updating one
-- tally row many times in one transaction leaves PostgreSQL a chain of row versions to walk on
-- every further update, so a row-level trigger makes a bulk insert quadratic. Updates (single
-- rows: a promotion, a cancellation, a profile change) are tallied per row, and only when a
-- tallied column changes.
--
-- Only member accounts (role 'member') are tallied: staff and admins are in no figure, and a
-- role change moves an account out of the tallies or back in.
--
-- Daily rows written from a group commit lane (its connections set lw.lane) go to a shard of
-- that connection's own, so lanes never wait on each other's rows; other writes use shard 0.
CREATE OR REPLACE FUNCTION lw_tally_shard() RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('lw.lane', true) = 'on' THEN pg_backend_pid() ELSE 0 END;
$$;

CREATE OR REPLACE FUNCTION lw_tally_member(p_status TEXT, p_phase TEXT, p_country TEXT,
    p_municipality TEXT, p_destination TEXT, p_delta BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO member_tallies (dimension, status, key, n) VALUES
        ('country', p_status, COALESCE(p_country, ''), p_delta),
        ('destination', p_status, COALESCE(p_destination, ''), p_delta),
        ('municipality', p_status, COALESCE(p_municipality, ''), p_delta),
        ('phase', p_status, COALESCE(p_phase, ''), p_delta)
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = member_tallies.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION lw_tally_day(p_name TEXT, p_at BIGINT, p_delta BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO daily_tallies (name, day, shard, n)
    VALUES (p_name, p_at / 86400000, lw_tally_shard(), p_delta)
    ON CONFLICT (name, day, shard) DO UPDATE SET n = daily_tallies.n + EXCLUDED.n;
$$;

-- Inserted or deleted accounts (transition table `changed`).
CREATE OR REPLACE FUNCTION lw_tally_accounts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO member_tallies (dimension, status, key, n)
    SELECT dimension, status, key, sign * COUNT(*) FROM (
        SELECT 'phase' AS dimension, status, COALESCE(phase, '') AS key FROM changed WHERE role = 'member'
        UNION ALL SELECT 'country', status, COALESCE(country_of_origin, '') FROM changed WHERE role = 'member'
        UNION ALL SELECT 'municipality', status, COALESCE(municipality, '') FROM changed WHERE role = 'member'
        UNION ALL SELECT 'destination', status, COALESCE(destination_country, '') FROM changed WHERE role = 'member'
    ) c GROUP BY dimension, status, key ORDER BY dimension, status, key
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = member_tallies.n + EXCLUDED.n;
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT 'sign_ups', created_at / 86400000, lw_tally_shard(), sign * COUNT(*) FROM changed
    WHERE verified_at IS NOT NULL AND role = 'member' GROUP BY created_at / 86400000 ORDER BY 2
    ON CONFLICT (name, day, shard) DO UPDATE SET n = daily_tallies.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lw_tally_accounts_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_member BOOLEAN := OLD.role = 'member';
    is_member BOOLEAN := NEW.role = 'member';
BEGIN
    IF (was_member, OLD.status, OLD.phase, OLD.country_of_origin, OLD.municipality, OLD.destination_country)
        IS DISTINCT FROM (is_member, NEW.status, NEW.phase, NEW.country_of_origin, NEW.municipality, NEW.destination_country)
    THEN
        IF was_member THEN
            PERFORM lw_tally_member(OLD.status, OLD.phase, OLD.country_of_origin, OLD.municipality,
                OLD.destination_country, -1);
        END IF;
        IF is_member THEN
            PERFORM lw_tally_member(NEW.status, NEW.phase, NEW.country_of_origin, NEW.municipality,
                NEW.destination_country, 1);
        END IF;
    END IF;
    IF (was_member AND OLD.verified_at IS NOT NULL, OLD.created_at / 86400000)
        IS DISTINCT FROM (is_member AND NEW.verified_at IS NOT NULL, NEW.created_at / 86400000)
    THEN
        IF was_member AND OLD.verified_at IS NOT NULL THEN PERFORM lw_tally_day('sign_ups', OLD.created_at, -1); END IF;
        IF is_member AND NEW.verified_at IS NOT NULL THEN PERFORM lw_tally_day('sign_ups', NEW.created_at, 1); END IF;
    END IF;
    RETURN NULL;
END $$;

-- Inserted or deleted registrations (transition table `changed`).
CREATE OR REPLACE FUNCTION lw_tally_registrations_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO daily_tallies (name, day, shard, n)
    SELECT name, day, lw_tally_shard(), sign * COUNT(*) FROM (
        SELECT 'registrations' AS name, created_at / 86400000 AS day FROM changed
        WHERE status <> 'cancelled'
        UNION ALL SELECT 'waitlisted', created_at / 86400000 FROM changed
        WHERE status = 'waitlisted' OR promoted_at IS NOT NULL
    ) c GROUP BY name, day ORDER BY name, day
    ON CONFLICT (name, day, shard) DO UPDATE SET n = daily_tallies.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lw_tally_registrations_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    made_old BIGINT := CASE WHEN OLD.status <> 'cancelled' THEN 1 ELSE 0 END;
    made_new BIGINT := CASE WHEN NEW.status <> 'cancelled' THEN 1 ELSE 0 END;
    waited_old BIGINT := CASE WHEN OLD.status = 'waitlisted' OR OLD.promoted_at IS NOT NULL THEN 1 ELSE 0 END;
    waited_new BIGINT := CASE WHEN NEW.status = 'waitlisted' OR NEW.promoted_at IS NOT NULL THEN 1 ELSE 0 END;
BEGIN
    IF OLD.created_at / 86400000 = NEW.created_at / 86400000 THEN
        -- A promotion or a cancellation: one net change per tally, on the same day.
        IF made_new <> made_old THEN
            PERFORM lw_tally_day('registrations', NEW.created_at, made_new - made_old);
        END IF;
        IF waited_new <> waited_old THEN
            PERFORM lw_tally_day('waitlisted', NEW.created_at, waited_new - waited_old);
        END IF;
        RETURN NULL;
    END IF;
    IF made_old <> 0 THEN PERFORM lw_tally_day('registrations', OLD.created_at, -made_old); END IF;
    IF waited_old <> 0 THEN PERFORM lw_tally_day('waitlisted', OLD.created_at, -waited_old); END IF;
    IF made_new <> 0 THEN PERFORM lw_tally_day('registrations', NEW.created_at, made_new); END IF;
    IF waited_new <> 0 THEN PERFORM lw_tally_day('waitlisted', NEW.created_at, waited_new); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_accounts_inserted_v2 AFTER INSERT ON accounts
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lw_tally_accounts_rows();
CREATE TRIGGER tally_accounts_deleted_v2 AFTER DELETE ON accounts
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lw_tally_accounts_rows();
CREATE TRIGGER tally_accounts_updated_v2
AFTER UPDATE OF status, phase, country_of_origin, municipality, destination_country, verified_at, created_at, role
ON accounts FOR EACH ROW EXECUTE FUNCTION lw_tally_accounts_update();

CREATE TRIGGER tally_registrations_inserted_v2 AFTER INSERT ON registrations
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lw_tally_registrations_rows();
CREATE TRIGGER tally_registrations_deleted_v2 AFTER DELETE ON registrations
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lw_tally_registrations_rows();
CREATE TRIGGER tally_registrations_updated_v2 AFTER UPDATE OF status, promoted_at, created_at
ON registrations FOR EACH ROW EXECUTE FUNCTION lw_tally_registrations_update();
