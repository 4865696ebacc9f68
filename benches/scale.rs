//! Scale: the latency of the list, search and stats endpoints (and the back office's figures
//! page, which renders the stats) on a small database and again after
//! growing it to 100,000 members, 10,000 events and 1,000,000 registrations, in the same run; the
//! ratio large/small is the figure (goal: at most 2).
//!
//! Run: `cargo bench --bench scale` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. BENCH_SCALE (default 1.0)
//! multiplies the large database's size.

mod common;

use std::time::{Duration, Instant};

use common::{BenchDb, Conn, free_port, start_server};
use limburgers_worldwide::app::App;
use limburgers_worldwide::db::now_ms;

const DAY: i64 = 86_400_000;

/// Rows are written in multi-row INSERTs of this many (events only; the big tables are filled
/// by `INSERT … SELECT` over a number series, in the database).
const CHUNK: usize = 500;

/// Inserts `rows` (each a list of values rendered as SQL literals) into `table`.
async fn insert(
    app: &App,
    table: &str,
    columns: &str,
    rows: impl Iterator<Item = String>,
) -> anyhow::Result<()> {
    let rows: Vec<String> = rows.collect();
    let mut tx = app.db.begin().await?;
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            chunk.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn id(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-7000-8000-{n:012}")
}

/// Writes rows computed from the numbers `from..to` (column `i`, and `k` in `0..per` when `per`
/// is given) in one statement: `generate_series` on PostgreSQL, a recursive CTE on SQLite.
struct Series {
    pg: bool,
}

impl Series {
    /// SQL for `id(kind, n)` where `n` is an SQL expression.
    fn id(&self, kind: u32, n: &str) -> String {
        let pad = if self.pg {
            format!("lpad(CAST({n} AS TEXT), 12, '0')")
        } else {
            format!("printf('%012d', {n})")
        };
        format!("'{kind:08x}-0000-7000-8000-' || {pad}")
    }

    fn text(&self, n: &str) -> String {
        format!("CAST({n} AS TEXT)")
    }

    /// `n` with six digits, so that one member's name is no other's beginning.
    fn padded(&self, n: &str) -> String {
        if self.pg {
            format!("lpad(CAST({n} AS TEXT), 6, '0')")
        } else {
            format!("printf('%06d', {n})")
        }
    }

    async fn insert(
        &self,
        app: &App,
        table: &str,
        columns: &str,
        values: &str,
        range: (usize, usize),
        per: Option<usize>,
    ) -> anyhow::Result<()> {
        let (from, to) = range;
        if from >= to {
            return Ok(());
        }
        let sql = if self.pg {
            let k = per.map_or(String::new(), |p| {
                format!(" CROSS JOIN generate_series(0, {}) AS t(k)", p - 1)
            });
            format!(
                "INSERT INTO {table} ({columns}) SELECT {values} FROM generate_series({from}, {}) AS s(i){k}",
                to - 1
            )
        } else {
            let (k_cte, k_join) = per.map_or((String::new(), String::new()), |p| {
                (
                    format!(", t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k + 1 < {p})"),
                    ", t".to_owned(),
                )
            });
            format!(
                "WITH RECURSIVE s(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM s WHERE i + 1 < {to}){k_cte} \
                 INSERT INTO {table} ({columns}) SELECT {values} FROM s{k_join}"
            )
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(app.db.writer())
            .await?;
        Ok(())
    }
}

/// Grows the database to `members` members, `events` events and about `per_member`
/// registrations per member, starting from the counts already there.
async fn grow(
    app: &App,
    from: (usize, usize),
    members: usize,
    events: usize,
    per_member: usize,
) -> anyhow::Result<()> {
    let now = now_ms();
    let (m0, e0) = from;
    let s = Series {
        pg: app.db.backend == limburgers_worldwide::db::Backend::Postgres,
    };
    let first = [
        "Ana", "Bram", "Chen", "Dina", "Emre", "Femke", "Goran", "Hana",
    ];
    let first_of = |lower: bool| {
        let arms: String = first
            .iter()
            .enumerate()
            .map(|(n, f)| {
                let f = if lower {
                    f.to_lowercase()
                } else {
                    (*f).to_owned()
                };
                format!(" WHEN {n} THEN '{f}'")
            })
            .collect();
        format!("CASE i % {}{arms} END", first.len())
    };
    let countries = ["PT", "NL", "CN", "IN", "TR", "DE", "RS", "JP"];
    let country: String = countries
        .iter()
        .enumerate()
        .map(|(n, c)| format!(" WHEN {n} THEN '{c}'"))
        .collect();
    let members_range = (m0, members);
    s.insert(
        app,
        "households",
        "id, created_at",
        &format!("{}, {now}", s.id(1, "i")),
        members_range,
        None,
    )
    .await?;
    s.insert(
        app,
        "people",
        "id, household_id, relation, first_name, last_name, created_at, updated_at",
        &format!(
            "{}, {}, 'primary', {}, 'Member' || {}, {now}, {now}",
            s.id(2, "i"),
            s.id(1, "i"),
            first_of(false),
            s.padded("i")
        ),
        members_range,
        None,
    )
    .await?;
    let email = format!("'m' || {} || '@scale.example.org'", s.text("i"));
    s.insert(
        app,
        "accounts",
        "person_id, email, email_key, language, status, phase, country_of_origin, municipality, verified_at, created_at, updated_at",
        &format!(
            "{}, {email}, {email}, 'en', 'active', 'living_in', CASE i % {}{country} END, 'Hasselt', \
             {now} - (i % 1000) * CAST({DAY} AS BIGINT), {now} - (i % 1000) * CAST({DAY} AS BIGINT), \
             {now} - (i % 1000) * CAST({DAY} AS BIGINT)",
            s.id(2, "i"),
            countries.len()
        ),
        members_range,
        None,
    )
    .await?;
    // The search terms the server's `members::search::reindex` writes for such a member.
    for term in [
        "'m' || ".to_owned() + &s.text("i"),
        "'member' || ".to_owned() + &s.padded("i"),
        first_of(true),
        "'scale'".to_owned(),
        "'example'".to_owned(),
        "'org'".to_owned(),
    ] {
        s.insert(
            app,
            "member_search",
            "term, person_id",
            &format!("{term}, {}", s.id(2, "i")),
            members_range,
            None,
        )
        .await?;
    }
    let start = now - 8 * 365 * DAY;
    let step = 10 * 365 * DAY / events.max(1) as i64;
    insert(
        app,
        "events",
        "id, title, timezone, starts_local, ends_local, starts_at, ends_at, capacity, seats_taken, audience, organiser, status, created_at, updated_at",
        (e0..events).map(|i| {
            let at = start + step * i as i64;
            format!(
                "('{}', 'Event {i}', 'Europe/Brussels', '2030-01-01T10:00:00', '2030-01-01T12:00:00', {at}, {}, 1000, 0, 'everyone', 'Expat Centre Limburg', 'published', {now}, {now})",
                id(3, i),
                at + 2 * 3600 * 1000
            )
        }),
    )
    .await?;
    // Member i registers for `per_member` distinct events spread over the whole range, two
    // weeks before each event.
    let event = format!("(i * 7 + k * 997) % {events}");
    let at = format!("{start} + CAST({step} AS BIGINT) * ({event}) - 14 * CAST({DAY} AS BIGINT)");
    s.insert(
        app,
        "registrations",
        "id, event_id, household_id, registered_by, status, seats, queued_at, created_at, updated_at",
        &format!(
            "{}, {}, {}, {}, 'confirmed', 1, {at}, {at}, {at}",
            s.id(4, "i * 100 + k"),
            s.id(3, &event),
            s.id(1, "i"),
            s.id(2, "i")
        ),
        members_range,
        Some(per_member),
    )
    .await?;
    s.insert(
        app,
        "registration_people",
        "registration_id, event_id, person_id, live",
        &format!(
            "{}, {}, {}, 1",
            s.id(4, "i * 100 + k"),
            s.id(3, &event),
            s.id(2, "i")
        ),
        members_range,
        Some(per_member),
    )
    .await?;
    sqlx::query("UPDATE events SET seats_taken = (SELECT COUNT(*) FROM registrations r WHERE r.event_id = events.id AND r.status = 'confirmed')")
        .execute(app.db.writer())
        .await?;
    if s.pg {
        // What autovacuum does a minute after a bulk load; the planner needs the row counts.
        sqlx::query("ANALYZE").execute(app.db.writer()).await?;
    }
    Ok(())
}

/// Median and 99th percentile of `n` sequential requests over one keep-alive connection.
/// Paths under `/staff` are pages: asked for as a browser does, with the session cookie.
fn latency(port: u16, path: &str, token: &str, n: usize) -> (Duration, Duration) {
    let mut conn = Conn::open(port);
    let get = |conn: &mut Conn| {
        if path.starts_with("/staff") {
            conn.get_page(path, token)
        } else {
            conn.request("GET", path, Some(token), "")
        }
    };
    for _ in 0..5 {
        let (status, body) = get(&mut conn);
        assert_eq!(status, 200, "{path}: {body}");
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t0 = Instant::now();
            get(&mut conn);
            t0.elapsed()
        })
        .collect();
    times.sort();
    (times[n / 2], times[(n * 99 / 100).min(n - 1)])
}

fn main() -> anyhow::Result<()> {
    let scale: f64 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let (members, events) = (
        (100_000.0 * scale) as usize,
        (10_000.0 * scale).max(100.0) as usize,
    );
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let port = free_port();
    let config = db.config(port)?;
    let app = rt.block_on(App::new(config))?;
    let staff = rt.block_on(common::staff(&app))?;
    let paths = [
        ("events, first page", "/api/v1/events".to_owned()),
        ("members, first page", "/api/v1/members".to_owned()),
        (
            "members, search (one match)",
            "/api/v1/members?q=member000777".to_owned(),
        ),
        ("members, search (many)", "/api/v1/members?q=ana".to_owned()),
        ("stats", "/api/v1/stats".to_owned()),
        // The back office's figures page (goal: p99 at most 200 ms on the large database).
        ("figures page", "/staff/figures".to_owned()),
    ];
    let measure = |label: &str| {
        let (server, _) = start_server(&db, port);
        let out: Vec<_> = paths
            .iter()
            .map(|(_, p)| latency(port, p, &staff, 200))
            .collect();
        drop(server);
        println!("  measured {label}");
        out
    };

    println!(
        "small database: 1,000 members, 100 events, 10 registrations each ({})",
        db.name()
    );
    rt.block_on(grow(&app, (0, 0), 1_000, 100, 10))?;
    let small = measure("small");
    println!(
        "growing to {members} members, {events} events, {} registrations…",
        members * 10
    );
    let t0 = Instant::now();
    // The small set's events are kept; the new members register across all events.
    rt.block_on(grow(&app, (1_000, 100), members, events, 10))?;
    println!("  seeded in {:?}", t0.elapsed());
    let large = measure("large");
    rt.block_on(app.db.close());
    db.drop_database(&rt)?;

    println!();
    println!(
        "scale ({}): sequential requests over one keep-alive connection, 200 each, p50 / p99",
        db.name()
    );
    for (((name, _), s), l) in paths.iter().zip(&small).zip(&large) {
        println!(
            "  {name:<28} small {:>9.2?} / {:>9.2?}   large {:>9.2?} / {:>9.2?}   ratio p50 {:.2}",
            s.0,
            s.1,
            l.0,
            l.1,
            l.0.as_secs_f64() / s.0.as_secs_f64()
        );
    }
    Ok(())
}
