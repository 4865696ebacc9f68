//! Tallies behind the figures: how many member accounts per status and key (phase, country of
//! origin, municipality, destination) and how many member sign-ups, registrations and
//! waitlisted registrations per UTC day. Reading them costs the same with a thousand members or
//! a hundred thousand, which counting rows does not (see BENCHMARKS.md, "Scale").
//!
//! Staff and admin accounts are not tallied at all (they are the centre, not its community), so
//! no figure can count them by mistake; an account whose role changes leaves the tallies or
//! comes back in the same statement.
//!
//! Database triggers keep them, so every write path (today's and tomorrow's, a second instance,
//! an operator's SQL) changes them in its own transaction and they cannot drift. Triggers are
//! the one place where the two engines need different SQL (`tallies.sqlite.sql`,
//! `tallies.postgres.sql`); [`install`] creates them at start-up when missing and fills the
//! tallies from the tables in the same transaction, so no change falls between the two.
//!
//! A period rarely starts at UTC midnight (the centre's days start at local midnight), so
//! [`Period`] reads whole days from the tallies and counts the hours at both ends exactly.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use crate::db::{Backend, Db};
use crate::error::Result;

const SQLITE: &str = include_str!("tallies.sqlite.sql");
const POSTGRES: &str = include_str!("tallies.postgres.sql");

/// The triggers of this version; a database that lacks any of them gets all of them anew, and
/// its tallies are counted again (v2 left staff and admin accounts out: a database tallied by v1
/// counted them).
const SQLITE_TRIGGERS: [&str; 6] = [
    "tally_accounts_insert_v2",
    "tally_accounts_update_v2",
    "tally_accounts_delete_v2",
    "tally_registrations_insert_v2",
    "tally_registrations_update_v2",
    "tally_registrations_delete_v2",
];
const POSTGRES_TRIGGERS: [(&str, &str); 6] = [
    ("tally_accounts_inserted_v2", "accounts"),
    ("tally_accounts_deleted_v2", "accounts"),
    ("tally_accounts_updated_v2", "accounts"),
    ("tally_registrations_inserted_v2", "registrations"),
    ("tally_registrations_deleted_v2", "registrations"),
    ("tally_registrations_updated_v2", "registrations"),
];

/// Two instances starting together must not both install (PostgreSQL advisory lock key).
const INSTALL_LOCK: i64 = 0x6c77_7461_6c6c;

pub const DAY_MS: i64 = 86_400_000;

/// Fills the tallies from the tables (both are emptied first). Member accounts only, as the
/// triggers count them.
const REBUILD: &str = "\
DELETE FROM member_tallies;
DELETE FROM daily_tallies;
INSERT INTO member_tallies (dimension, status, key, n)
SELECT 'phase', status, COALESCE(phase, ''), COUNT(*) FROM accounts WHERE role = 'member'
    GROUP BY status, COALESCE(phase, '')
UNION ALL SELECT 'country', status, COALESCE(country_of_origin, ''), COUNT(*) FROM accounts
    WHERE role = 'member' GROUP BY status, COALESCE(country_of_origin, '')
UNION ALL SELECT 'municipality', status, COALESCE(municipality, ''), COUNT(*) FROM accounts
    WHERE role = 'member' GROUP BY status, COALESCE(municipality, '')
UNION ALL SELECT 'destination', status, COALESCE(destination_country, ''), COUNT(*) FROM accounts
    WHERE role = 'member' GROUP BY status, COALESCE(destination_country, '');
INSERT INTO daily_tallies (name, day, shard, n)
SELECT 'sign_ups', created_at / 86400000, 0, COUNT(*) FROM accounts
    WHERE verified_at IS NOT NULL AND role = 'member' GROUP BY created_at / 86400000
UNION ALL SELECT 'registrations', created_at / 86400000, 0, COUNT(*) FROM registrations
    WHERE status <> 'cancelled' GROUP BY created_at / 86400000
UNION ALL SELECT 'waitlisted', created_at / 86400000, 0, COUNT(*) FROM registrations
    WHERE status = 'waitlisted' OR promoted_at IS NOT NULL GROUP BY created_at / 86400000;
";

/// Creates the triggers if this database lacks them, and then fills the tallies.
pub async fn install(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let present: i64 = match db.backend {
        Backend::Sqlite => {
            let names = SQLITE_TRIGGERS.map(|n| format!("'{n}'")).join(", ");
            count(
                tx.conn(),
                &format!(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
                ),
            )
            .await?
        }
        Backend::Postgres => {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(INSTALL_LOCK)
                .execute(tx.conn())
                .await?;
            let names = POSTGRES_TRIGGERS.map(|(n, _)| format!("'{n}'")).join(", ");
            count(
                tx.conn(),
                &format!("SELECT COUNT(*) FROM pg_trigger WHERE tgname IN ({names})"),
            )
            .await?
        }
    };
    let (expected, sql) = match db.backend {
        Backend::Sqlite => (SQLITE_TRIGGERS.len(), SQLITE),
        Backend::Postgres => (POSTGRES_TRIGGERS.len(), POSTGRES),
    };
    if present == expected as i64 {
        return Ok(());
    }
    // Triggers of any version (a later version must not count twice beside an earlier one).
    let old: Vec<(String, String)> = sqlx::query_as(match db.backend {
        Backend::Sqlite => {
            r"SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally\_%' ESCAPE '\'"
        }
        Backend::Postgres => {
            r"SELECT t.tgname::text, c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE t.tgname LIKE 'tally\_%' ESCAPE '\' AND NOT t.tgisinternal"
        }
    })
    .fetch_all(tx.conn())
    .await?;
    for (name, table) in old {
        let drop = match db.backend {
            Backend::Sqlite => format!("DROP TRIGGER IF EXISTS \"{name}\""),
            Backend::Postgres => format!("DROP TRIGGER IF EXISTS \"{name}\" ON \"{table}\""),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(tx.conn())
            .await?;
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(tx.conn())
        .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(REBUILD))
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    tracing::info!("installed the figures' tallies");
    Ok(())
}

async fn count(conn: &mut AnyConnection, sql: &str) -> Result<i64, sqlx::Error> {
    Ok(
        sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(conn)
            .await?
            .0,
    )
}

/// Empties the tallies and counts them again from the tables (for a database whose rows were
/// written with the triggers missing; the tests compare this with what the triggers kept).
pub async fn rebuild(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(REBUILD))
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One row of `member_tallies`.
pub struct MemberTally {
    pub dimension: String,
    pub status: String,
    /// `None` when not given.
    pub key: Option<String>,
    pub n: i64,
}

/// Every non-zero member tally (a few hundred rows at most: statuses × keys).
pub async fn members(db: &Db) -> Result<Vec<MemberTally>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT dimension, status, key, n FROM member_tallies WHERE n <> 0 ORDER BY dimension, status, key",
    )
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(dimension, status, key, n)| MemberTally {
            dimension,
            status,
            key: (!key.is_empty()).then_some(key),
            n,
        })
        .collect())
}

/// A half-open range of UTC milliseconds, split into whole UTC days (read from the tallies) and
/// the pieces before the first and after the last whole day (counted exactly from the rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// Whole days `[first, end)`, as day numbers; empty when `first >= end`.
    pub days: (i64, i64),
    /// The pieces in milliseconds, each `[from, to)` and possibly empty.
    pub edges: [(i64, i64); 2],
}

impl Period {
    pub fn new(from_ms: i64, to_ms: i64) -> Self {
        let first = from_ms.div_euclid(DAY_MS) + i64::from(from_ms.rem_euclid(DAY_MS) != 0);
        let end = to_ms.div_euclid(DAY_MS);
        if first >= end {
            return Period {
                days: (0, 0),
                edges: [(from_ms, to_ms), (0, 0)],
            };
        }
        Period {
            days: (first, end),
            edges: [(from_ms, first * DAY_MS), (end * DAY_MS, to_ms)],
        }
    }

    /// The edge pieces that hold any time at all.
    pub fn edges(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.edges.iter().copied().filter(|(a, b)| a < b)
    }

    /// The tally `name` summed over the whole days.
    pub async fn days_total(&self, db: &Db, name: &str) -> Result<i64> {
        if self.days.0 >= self.days.1 {
            return Ok(0);
        }
        Ok(sqlx::query_as::<_, (i64,)>(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM daily_tallies \
             WHERE name = $1 AND day >= $2 AND day < $3",
        )
        .bind(name.to_owned())
        .bind(self.days.0)
        .bind(self.days.1)
        .fetch_one(&db.read)
        .await?
        .0)
    }

    /// The tally `name` per whole day (days with no change left out).
    pub async fn per_day(&self, db: &Db, name: &str) -> Result<BTreeMap<i64, i64>> {
        if self.days.0 >= self.days.1 {
            return Ok(BTreeMap::new());
        }
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT day, CAST(SUM(n) AS BIGINT) FROM daily_tallies \
             WHERE name = $1 AND day >= $2 AND day < $3 GROUP BY day",
        )
        .bind(name.to_owned())
        .bind(self.days.0)
        .bind(self.days.1)
        .fetch_all(&db.read)
        .await?;
        Ok(rows.into_iter().filter(|(_, n)| *n != 0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_split_into_whole_days_and_exact_edges() {
        // Brussels in winter: local midnight is 23:00 UTC the day before.
        let a = 10 * DAY_MS - 3_600_000;
        let b = 20 * DAY_MS - 3_600_000;
        let p = Period::new(a, b);
        assert_eq!(p.days, (10, 19));
        assert_eq!(p.edges, [(a, 10 * DAY_MS), (19 * DAY_MS, b)]);
        // Starting exactly at midnight: no piece before.
        let p = Period::new(10 * DAY_MS, 12 * DAY_MS);
        assert_eq!(p.days, (10, 12));
        assert_eq!(p.edges().count(), 0);
        // Shorter than a day across midnight: all of it counted exactly.
        let p = Period::new(10 * DAY_MS - 5, 10 * DAY_MS + 5);
        assert!(p.days.0 >= p.days.1);
        assert_eq!(
            p.edges().collect::<Vec<_>>(),
            vec![(10 * DAY_MS - 5, 10 * DAY_MS + 5)]
        );
    }
}
