-- The funders' figures (src/stats.rs) read index ranges instead of whole tables where a period
-- bounds them, and covering indexes (grouped by status first) where they count all members.
CREATE INDEX registrations_created ON registrations (created_at, status, promoted_at);
CREATE INDEX registration_people_checked_in ON registration_people (event_id) WHERE checked_in_at IS NOT NULL;
CREATE INDEX people_relation ON people (relation, household_id);
CREATE INDEX accounts_created ON accounts (created_at, verified_at);
CREATE INDEX accounts_status_phase ON accounts (status, phase);
CREATE INDEX accounts_status_country ON accounts (status, country_of_origin);
CREATE INDEX accounts_status_municipality ON accounts (status, municipality);
