//! Scale: the latency of the list, search and stats endpoints on a small database and again after
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

/// Rows are written in multi-row INSERTs of this many.
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
    let first = [
        "Ana", "Bram", "Chen", "Dina", "Emre", "Femke", "Goran", "Hana",
    ];
    let countries = ["PT", "NL", "CN", "IN", "TR", "DE", "RS", "JP"];
    for part in (m0..members).collect::<Vec<_>>().chunks(20_000) {
        insert(
            app,
            "households",
            "id, created_at",
            part.iter().map(|i| format!("('{}', {now})", id(1, *i))),
        )
        .await?;
        insert(
            app,
            "people",
            "id, household_id, relation, first_name, last_name, created_at, updated_at",
            part.iter().map(|i| {
                format!(
                    "('{}', '{}', 'primary', '{}', 'Member{i}', {now}, {now})",
                    id(2, *i),
                    id(1, *i),
                    first[i % first.len()]
                )
            }),
        )
        .await?;
        insert(
            app,
            "accounts",
            "person_id, email, email_key, language, status, phase, country_of_origin, municipality, verified_at, created_at, updated_at",
            part.iter().map(|i| {
                format!(
                    "('{p}', 'm{i}@scale.example.org', 'm{i}@scale.example.org', 'en', 'active', 'living_in', '{c}', 'Hasselt', {t}, {t}, {t})",
                    p = id(2, *i),
                    c = countries[i % countries.len()],
                    t = now - (*i as i64 % 1000) * DAY
                )
            }),
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
    // Member i registers for `per_member` distinct events spread over the whole range.
    for part in (m0..members).collect::<Vec<_>>().chunks(10_000) {
        let regs: Vec<(usize, usize, usize)> = part
            .iter()
            .flat_map(|i| (0..per_member).map(move |k| (*i, k, (i * 7 + k * 997) % events)))
            .collect();
        insert(
            app,
            "registrations",
            "id, event_id, household_id, registered_by, status, seats, queued_at, created_at, updated_at",
            regs.iter().map(|(i, k, e)| {
                format!(
                    "('{}', '{}', '{}', '{}', 'confirmed', 1, {now}, {now}, {now})",
                    id(4, i * 100 + k),
                    id(3, *e),
                    id(1, *i),
                    id(2, *i)
                )
            }),
        )
        .await?;
        insert(
            app,
            "registration_people",
            "registration_id, event_id, person_id, live",
            regs.iter().map(|(i, k, e)| {
                format!(
                    "('{}', '{}', '{}', 1)",
                    id(4, i * 100 + k),
                    id(3, *e),
                    id(2, *i)
                )
            }),
        )
        .await?;
    }
    sqlx::query("UPDATE events SET seats_taken = (SELECT COUNT(*) FROM registrations r WHERE r.event_id = events.id AND r.status = 'confirmed')")
        .execute(app.db.writer())
        .await?;
    Ok(())
}

/// Median and 99th percentile of `n` sequential requests over one keep-alive connection.
fn latency(port: u16, path: &str, token: &str, n: usize) -> (Duration, Duration) {
    let mut conn = Conn::open(port);
    for _ in 0..5 {
        let (status, body) = conn.request("GET", path, Some(token), "");
        assert_eq!(status, 200, "{path}: {body}");
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t0 = Instant::now();
            conn.request("GET", path, Some(token), "");
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
            "/api/v1/members?q=member777".to_owned(),
        ),
        ("members, search (many)", "/api/v1/members?q=ana".to_owned()),
        ("stats", "/api/v1/stats".to_owned()),
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
