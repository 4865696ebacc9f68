//! The inventory of what the database holds: every column of every table, classified once.
//!
//! A test reads the live schema (SQLite and PostgreSQL) and fails when a column is missing from
//! here or listed here but gone, so a migration cannot add personal data that export and
//! erasure do not know about. Erasure blanks a row's personal columns from this list
//! ([`blank`]), so a personal column added to a table that erasure already handles is erased
//! without anyone remembering to; a table with personal columns that erasure does not handle
//! fails `privacy::tests::every_table_with_personal_data_is_erased`.

/// How a column relates to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// About a person: in their export; when they are erased it becomes `Blank`.
    Personal(Blank),
    /// An id, a reference or a key made of ids or hashes: kept, so that past figures (events
    /// held, attendance, matches) stay right once the person is gone.
    Identifier,
    /// Not about a person: event content, states, counters, and the dates of what happened
    /// (kept for the figures; with the person blanked they tell nothing about anybody).
    NotPersonal,
    /// A secret or a hash of one: never exported; deleted or made useless with the person.
    Secret,
}

/// What a personal column becomes at erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    /// This SQL value (`NULL`, `''`, `0`, `'[]'`…).
    To(&'static str),
    /// The whole row is deleted.
    RowDeleted,
}

use Blank::{RowDeleted, To};
use Class::{Identifier as Id, NotPersonal as No, Personal as P, Secret};

const NULL: Class = P(To("NULL"));
const EMPTY: Class = P(To("''"));
const NO_LIST: Class = P(To("'[]'"));
const FALSE: Class = P(To("0"));
const GONE: Class = P(RowDeleted);

/// Every table and its columns.
pub const TABLES: &[(&str, &[(&str, Class)])] = &[
    ("households", &[("id", Id), ("created_at", No)]),
    (
        "people",
        &[
            ("id", Id),
            ("household_id", Id),
            // Kept: "households with a partner / with children" are figures.
            ("relation", No),
            ("first_name", NULL),
            ("last_name", NULL),
            ("birth_year", NULL),
            ("created_at", No),
            ("updated_at", No),
            ("erased_at", No),
        ],
    ),
    (
        "accounts",
        &[
            ("person_id", Id),
            ("email", NULL),
            ("email_key", NULL),
            ("language", P(To("'en'"))),
            ("role", No),
            ("status", No),
            ("phase", NULL),
            ("country_of_origin", NULL),
            ("municipality", NULL),
            ("employer", NULL),
            ("directory_visible", FALSE),
            ("verified_at", No),
            ("created_at", No),
            ("updated_at", No),
            ("erased_at", No),
            ("bouncing_at", NULL),
            ("leaving_on", NULL),
            ("destination_country", NULL),
            ("destination_city", NULL),
            ("keep_in_touch", FALSE),
            ("alumni_since", No),
            ("returned_at", No),
            ("last_seen_at", NULL),
            ("retention_reminded_at", No),
            ("directory_fields", NO_LIST),
        ],
    ),
    (
        "tokens",
        &[
            ("hash", Secret),
            ("account_id", Id),
            ("kind", No),
            ("created_at", No),
            ("expires_at", No),
            ("used_at", No),
            // The public id an admin lists and revokes an API token by.
            ("id", Id),
            // What uses an API token ("door laptop"), chosen by an admin. Tokens are deleted
            // with their account.
            ("name", No),
            ("last_used_at", No),
        ],
    ),
    (
        "invitations",
        &[
            ("id", Id),
            ("token_hash", Secret),
            ("household_id", Id),
            ("invited_by", Id),
            ("email", NULL),
            ("email_key", NULL),
            ("first_name", NULL),
            ("last_name", NULL),
            ("created_at", No),
            ("expires_at", No),
            ("accepted_at", No),
            ("revoked_at", No),
        ],
    ),
    (
        "consents",
        &[
            ("id", Id),
            ("account_id", Id),
            // The record of what was consented to, when and how: kept as proof, names nobody.
            ("kind", No),
            ("granted", No),
            ("at", No),
            ("source", No),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Id),
            ("at", No),
            ("actor", Id),
            ("action", No),
            ("subject", Id),
            // Ids and words only (`audit::record`); the erasure test searches it too.
            ("detail", No),
        ],
    ),
    (
        "attendance_closed",
        &[
            // An event's attendance closed after it: when, and the counts then; names nobody.
            ("event_id", Id),
            ("closed_at", No),
            ("arrived", No),
            ("no_shows", No),
        ],
    ),
    (
        "job_runs",
        &[
            // Which scheduled job ran when and how it ended; its summary is counts only.
            ("job", No),
            ("scheduled_at", No),
            ("started_at", No),
            ("finished_at", No),
            ("outcome", No),
            ("summary", No),
        ],
    ),
    (
        "rate_limits",
        &[
            // A client's IP address or a SHA-256, with a window; purged within a day.
            ("key", Id),
            ("window_start", No),
            ("hits", No),
        ],
    ),
    (
        "outbox",
        &[
            ("id", Id),
            ("idempotency_key", Id),
            ("account_id", Id),
            ("recipient", EMPTY),
            ("kind", No),
            ("language", No),
            ("subject", EMPTY),
            ("body_text", EMPTY),
            ("body_html", EMPTY),
            ("attachments", NULL),
            ("message_id", Id),
            ("status", No),
            ("attempts", No),
            ("next_attempt_at", No),
            ("lease_until", No),
            ("last_error", NULL),
            ("created_at", No),
            ("sent_at", No),
        ],
    ),
    (
        "events",
        &[
            ("id", Id),
            ("series_id", Id),
            ("title", No),
            ("summary", No),
            ("description", No),
            ("timezone", No),
            ("starts_local", No),
            ("ends_local", No),
            ("starts_at", No),
            ("ends_at", No),
            ("venue", No),
            ("address", No),
            ("online_url", No),
            ("capacity", No),
            ("seats_taken", No),
            ("registration_opens_at", No),
            ("registration_closes_at", No),
            ("audience", No),
            ("tags", No),
            ("organiser", No),
            ("status", No),
            ("revision", No),
            ("created_at", No),
            ("updated_at", No),
        ],
    ),
    ("event_tags", &[("event_id", Id), ("tag", No)]),
    (
        "registrations",
        &[
            ("id", Id),
            ("event_id", Id),
            ("household_id", Id),
            ("registered_by", Id),
            ("status", No),
            ("seats", No),
            ("queued_at", No),
            ("created_at", No),
            ("updated_at", No),
            ("promoted_at", No),
            ("cancelled_at", No),
        ],
    ),
    (
        "registration_people",
        &[
            ("registration_id", Id),
            ("event_id", Id),
            ("person_id", Id),
            ("live", No),
            // Attendance is a figure; with the person blanked it is an anonymous visit.
            ("checked_in_at", No),
        ],
    ),
    (
        "subscriptions",
        &[
            ("account_id", Id),
            ("list", No),
            ("status", GONE),
            ("unsubscribe_key", Secret),
            ("confirm_token_hash", Secret),
            ("requested_at", No),
            ("confirmed_at", No),
            ("unsubscribed_at", No),
            ("updated_at", No),
        ],
    ),
    (
        "newsletters",
        &[
            ("id", Id),
            ("kind", No),
            ("period_key", Id),
            ("segment", No),
            ("subject", No),
            ("body", No),
            ("filters", No),
            ("upcoming_events_days", No),
            ("events", No),
            ("status", No),
            ("scheduled_at", No),
            ("started_at", No),
            ("finished_at", No),
            ("pause_reason", No),
            ("consecutive_failures", No),
            ("recipients", No),
            ("created_by", Id),
            ("created_at", No),
            ("updated_at", No),
        ],
    ),
    (
        "deliveries",
        &[
            ("newsletter_id", Id),
            ("account_id", Id),
            ("status", No),
            ("attempts", No),
            ("next_attempt_at", No),
            ("lease_until", No),
            ("claim_id", Id),
            // A server's refusal often quotes the address.
            ("last_error", NULL),
            ("sent_at", No),
        ],
    ),
    (
        "programmes",
        &[
            ("id", Id),
            ("name", No),
            ("description", No),
            ("audience", No),
            ("starts_on", No),
            ("ends_on", No),
            ("max_mentees_per_mentor", No),
            ("status", No),
            ("created_at", No),
            ("updated_at", No),
        ],
    ),
    (
        "programme_applications",
        &[
            ("id", Id),
            ("programme_id", Id),
            ("account_id", Id),
            ("role", No),
            ("expertise", NO_LIST),
            ("sectors", NO_LIST),
            ("languages", NO_LIST),
            ("goals", NO_LIST),
            ("sector", NULL),
            ("availability", NULL),
            ("bio", NULL),
            ("capacity", No),
            ("mentees", No),
            ("status", No),
            ("created_at", No),
            ("updated_at", No),
        ],
    ),
    (
        "matches",
        &[
            ("id", Id),
            ("programme_id", Id),
            ("mentor_id", Id),
            ("mentee_id", Id),
            ("status", No),
            ("live", No),
            ("created_at", No),
            ("started_at", No),
            ("ended_at", No),
            // Feedback one person of a match gives is about the other too: rating and comment
            // are in both people's exports (given, and received from "mentor"/"mentee"). At
            // erasure of either, the comments go; ratings are kept for the programme's
            // evaluation: a number from an anonymous id.
            ("mentor_rating", No),
            ("mentor_comment", NULL),
            ("mentee_rating", No),
            ("mentee_comment", NULL),
            ("withdrawn_by", No),
            // Written by whoever withdrew, to the other person (and staff).
            ("withdrawal_reason", NULL),
        ],
    ),
    ("change_counters", &[("name", No), ("value", No)]),
    // Beginnings of the words of names and address: rewritten (emptied) with every change.
    ("member_search", &[("term", GONE), ("person_id", Id)]),
    // Counts per key (a phase, a country, a municipality): nobody in particular.
    (
        "member_tallies",
        &[("dimension", No), ("status", No), ("key", No), ("n", No)],
    ),
    (
        "daily_tallies",
        &[("name", No), ("day", No), ("shard", No), ("n", No)],
    ),
    (
        "mail_requests",
        &[
            ("id", Id),
            ("kind", No),
            ("email", GONE),
            ("email_key", GONE),
            ("payload", GONE),
            ("attempts", No),
            ("created_at", No),
        ],
    ),
    ("mail_cooldowns", &[("key", Id), ("sent_at", No)]),
    (
        "email_changes",
        &[
            ("token_hash", Secret),
            ("account_id", Id),
            // The address the member wants to move to: theirs, so it goes with them.
            ("new_email", GONE),
            ("requested_by", Id),
            ("created_at", No),
            ("expires_at", No),
        ],
    ),
    // sqlx's record of applied migrations.
    (
        "_sqlx_migrations",
        &[
            ("version", No),
            ("description", No),
            ("installed_on", No),
            ("success", No),
            ("checksum", No),
            ("execution_time", No),
        ],
    ),
];

/// The columns of `table` (empty for an unknown table).
pub fn columns(table: &str) -> &'static [(&'static str, Class)] {
    TABLES
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, columns)| *columns)
        .unwrap_or(&[])
}

/// The personal columns of `table`.
pub fn personal(table: &str) -> impl Iterator<Item = &'static str> {
    columns(table)
        .iter()
        .filter(|(_, class)| matches!(class, Class::Personal(_)))
        .map(|(name, _)| *name)
}

/// The SET list that blanks a row's personal columns, e.g. `first_name = NULL, last_name =
/// NULL`; built from constants only, so it is safe to put into SQL.
pub fn blank(table: &str) -> String {
    columns(table)
        .iter()
        .filter_map(|(name, class)| match class {
            Class::Personal(Blank::To(value)) => Some(format!("{name} = {value}")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_columns_are_listed_once() {
        let mut tables: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        tables.sort();
        tables.dedup();
        assert_eq!(tables.len(), TABLES.len());
        for (table, columns) in TABLES {
            let mut names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), columns.len(), "{table}");
        }
    }

    #[test]
    fn blanking_names_every_personal_column_that_is_kept() {
        assert_eq!(
            blank("people"),
            "first_name = NULL, last_name = NULL, birth_year = NULL"
        );
        assert!(blank("accounts").contains("destination_city = NULL"));
        assert_eq!(blank("events"), "");
    }
}
