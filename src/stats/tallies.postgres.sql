-- Keeps member_tallies and daily_tallies (migrations/0009) in the transaction of every change.
-- Daily rows written from a group commit lane (its connections set lw.lane) go to a shard of
-- that connection's own, so lanes never wait on each other's rows; other writes use shard 0.
CREATE OR REPLACE FUNCTION lw_tally_member(p_status TEXT, p_phase TEXT, p_country TEXT,
    p_municipality TEXT, p_destination TEXT, p_delta BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO member_tallies (dimension, status, key, n) VALUES
        ('phase', p_status, COALESCE(p_phase, ''), p_delta),
        ('country', p_status, COALESCE(p_country, ''), p_delta),
        ('municipality', p_status, COALESCE(p_municipality, ''), p_delta),
        ('destination', p_status, COALESCE(p_destination, ''), p_delta)
    ON CONFLICT (dimension, status, key) DO UPDATE SET n = member_tallies.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION lw_tally_day(p_name TEXT, p_at BIGINT, p_delta BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO daily_tallies (name, day, shard, n) VALUES (p_name, p_at / 86400000,
        CASE WHEN current_setting('lw.lane', true) = 'on' THEN pg_backend_pid() ELSE 0 END, p_delta)
    ON CONFLICT (name, day, shard) DO UPDATE SET n = daily_tallies.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION lw_tally_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dims_changed BOOLEAN := true;
    sign_up_changed BOOLEAN := true;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        dims_changed := (OLD.status, OLD.phase, OLD.country_of_origin, OLD.municipality, OLD.destination_country)
            IS DISTINCT FROM (NEW.status, NEW.phase, NEW.country_of_origin, NEW.municipality, NEW.destination_country);
        sign_up_changed := (OLD.verified_at IS NULL, OLD.created_at / 86400000)
            IS DISTINCT FROM (NEW.verified_at IS NULL, NEW.created_at / 86400000);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF dims_changed THEN
            PERFORM lw_tally_member(OLD.status, OLD.phase, OLD.country_of_origin, OLD.municipality,
                OLD.destination_country, -1);
        END IF;
        IF sign_up_changed AND OLD.verified_at IS NOT NULL THEN
            PERFORM lw_tally_day('sign_ups', OLD.created_at, -1);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF dims_changed THEN
            PERFORM lw_tally_member(NEW.status, NEW.phase, NEW.country_of_origin, NEW.municipality,
                NEW.destination_country, 1);
        END IF;
        IF sign_up_changed AND NEW.verified_at IS NOT NULL THEN
            PERFORM lw_tally_day('sign_ups', NEW.created_at, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lw_tally_registrations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    made_old BIGINT := 0;
    made_new BIGINT := 0;
    waited_old BIGINT := 0;
    waited_new BIGINT := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        made_old := CASE WHEN OLD.status <> 'cancelled' THEN 1 ELSE 0 END;
        waited_old := CASE WHEN OLD.status = 'waitlisted' OR OLD.promoted_at IS NOT NULL THEN 1 ELSE 0 END;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        made_new := CASE WHEN NEW.status <> 'cancelled' THEN 1 ELSE 0 END;
        waited_new := CASE WHEN NEW.status = 'waitlisted' OR NEW.promoted_at IS NOT NULL THEN 1 ELSE 0 END;
    END IF;
    IF TG_OP = 'UPDATE' THEN
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
    END IF;
    IF made_old <> 0 THEN PERFORM lw_tally_day('registrations', OLD.created_at, -made_old); END IF;
    IF waited_old <> 0 THEN PERFORM lw_tally_day('waitlisted', OLD.created_at, -waited_old); END IF;
    IF made_new <> 0 THEN PERFORM lw_tally_day('registrations', NEW.created_at, made_new); END IF;
    IF waited_new <> 0 THEN PERFORM lw_tally_day('waitlisted', NEW.created_at, waited_new); END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_accounts_v1
AFTER INSERT OR DELETE OR UPDATE OF status, phase, country_of_origin, municipality, destination_country,
    verified_at, created_at
ON accounts FOR EACH ROW EXECUTE FUNCTION lw_tally_accounts();

CREATE TRIGGER tally_registrations_v1
AFTER INSERT OR DELETE OR UPDATE OF status, promoted_at, created_at
ON registrations FOR EACH ROW EXECUTE FUNCTION lw_tally_registrations();
