//! Registration throughput and fairness against the real server binary, with a keep-alive HTTP
//! load generator in this process. The ceiling is the same generator against `GET /health` of the
//! same server in the same run.
//!
//! 1. Rush: 1,000 households register at once for 100 seats: exactly 100 confirmed, the others
//!    waitlisted in arrival order.
//! 2. Sustained: registrations spread over many events, at 64 connections: confirmed
//!    registrations per second and latency percentiles. A closed loop at saturation: the mean
//!    latency is 64 / throughput whatever the server does (Little's law).
//! 3. Paced: registrations offered at a fixed rate (open loop, BENCH_RATE per second; the goal
//!    rate by default: 2,000 on SQLite, 1,000 on PostgreSQL) for BENCH_PACED_SECONDS (10):
//!    latency percentiles counted from when each request was due, and the rate achieved.
//!
//! Run: `cargo bench --bench registrations` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` (a database is created and
//! dropped). BENCH_REQUESTS (default 20000) sets the sustained run's size.

mod common;

use common::{BenchDb, Conn, free_port, load, start_server};
use limburgers_worldwide::app::App;
use limburgers_worldwide::values::Role;

async fn seed_members(app: &App, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    use limburgers_worldwide::members::{self, NewAccount};
    use limburgers_worldwide::values::{EmailAddress, Language, PersonName};
    let name = PersonName::parse("Bench").unwrap();
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut tx = app.db.begin().await?;
        for i in chunk {
            let email = EmailAddress::parse(&format!("m{i}@bench.example.org")).unwrap();
            let id = members::create_person_in_new_household(&mut tx, &name, &name).await?;
            members::insert_account(
                &mut tx,
                NewAccount {
                    person_id: &id,
                    email: &email,
                    language: Language::En,
                    role: Role::Member,
                    phase: None,
                    country_of_origin: None,
                    municipality: None,
                    employer: None,
                    verified: true,
                },
            )
            .await?;
            let (token, _) = limburgers_worldwide::auth::session(&mut tx, &id).await?;
            out.push((token, id));
        }
        tx.commit().await?;
    }
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let sustained: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let rate = common::env_or("BENCH_RATE", if db.postgres { 1_000 } else { 2_000 });
    let paced_total = rate * common::env_or("BENCH_PACED_SECONDS", 10);
    let port = free_port();
    let config = db.config(port)?;
    let members_needed = 1_000 + sustained + paced_total;
    let events = 200usize;
    println!(
        "seeding {members_needed} members and {} events ({})…",
        events + 1,
        db.name()
    );
    let (staff, members) = rt.block_on(async {
        let app = App::new(config.clone()).await?;
        let members = seed_members(&app, members_needed).await?;
        let staff = common::staff(&app).await?;
        app.db.close().await;
        anyhow::Ok((staff, members))
    })?;

    let (server, _) = start_server(&db, port);
    let mut admin = Conn::open(port);
    let create = |conn: &mut Conn, capacity: usize| {
        let body = format!(
            "{{\"title\":\"Bench\",\"starts_at\":\"2031-05-01T10:00:00\",\"ends_at\":\"2031-05-01T12:00:00\",\"capacity\":{capacity},\"status\":\"published\"}}"
        );
        let (status, body) = conn.request("POST", "/api/v1/events", Some(&staff), &body);
        assert_eq!(status, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let rush_event = create(&mut admin, 100);
    let event_ids: Vec<String> = (0..events)
        .map(|_| create(&mut admin, sustained / events))
        .collect();
    let paced_events: Vec<String> = (0..events)
        .map(|_| create(&mut admin, paced_total.div_ceil(events)))
        .collect();

    // Ceiling: the same generator, the same connections, a minimal endpoint.
    let health: Vec<_> = (0..sustained)
        .map(|_| ("/health".to_owned(), None, String::new()))
        .collect();
    let (ceiling, _) = load(port, 64, health, "GET");

    // 1. The rush: 1,000 at once for 100 seats.
    let rush_jobs: Vec<_> = members[..1_000]
        .iter()
        .map(|(token, person)| {
            (
                format!("/api/v1/events/{rush_event}/registrations"),
                Some(token.clone()),
                format!("{{\"person_ids\":[\"{person}\"]}}"),
            )
        })
        .collect();
    let (rush, answers) = load(port, 1_000, rush_jobs, "POST");
    let parsed: Vec<serde_json::Value> = answers
        .iter()
        .map(|(_, b)| serde_json::from_str(b).unwrap_or_default())
        .collect();
    let confirmed = parsed.iter().filter(|v| v["status"] == "confirmed").count();
    let waitlisted = parsed
        .iter()
        .filter(|v| v["status"] == "waitlisted")
        .count();
    let mut positions: Vec<i64> = parsed
        .iter()
        .filter_map(|v| v["position"].as_i64())
        .collect();
    positions.sort();
    let in_order = positions
        .iter()
        .enumerate()
        .all(|(i, p)| *p == i as i64 + 1);

    // 2. Sustained: every registration to one of many events, 64 connections.
    // Each member registers themself for one of `events`, in turn.
    let registrations = |members: &[(String, String)], events: &[String]| -> Vec<_> {
        members
            .iter()
            .enumerate()
            .map(|(i, (token, person))| {
                (
                    format!("/api/v1/events/{}/registrations", events[i % events.len()]),
                    Some(token.clone()),
                    format!("{{\"person_ids\":[\"{person}\"]}}"),
                )
            })
            .collect()
    };
    let confirmed_in = |answers: &[(u16, String)]| {
        answers
            .iter()
            .filter(|(s, b)| *s == 201 && b.contains("\"confirmed\""))
            .count()
    };
    let jobs = registrations(&members[1_000..1_000 + sustained], &event_ids);
    let (steady, answers) = load(port, 64, jobs, "POST");
    let ok = confirmed_in(&answers);
    let failed = answers.iter().filter(|(s, _)| *s != 201).count();

    // 3. Paced: the same kind of registrations offered at a fixed rate.
    let jobs = registrations(&members[1_000 + sustained..], &paced_events);
    let (paced, answers) = common::paced(port, 256, jobs, "POST", rate as f64);
    let paced_ok = confirmed_in(&answers);
    let oversold = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await?;
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE capacity IS NOT NULL AND seats_taken > capacity").fetch_one(&pool).await?;
        let (c,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.status = 'confirmed' AND e.id <> $1 GROUP BY e.id ORDER BY COUNT(*) DESC LIMIT 1").bind(&rush_event).fetch_one(&pool).await?;
        pool.close().await;
        anyhow::Ok((n, c))
    })?;
    drop(server);
    db.drop_database(&rt)?;
    let db = db.name();
    let confirmed_per_second = ok as f64 / (sustained as f64 / steady.per_second);
    println!();
    println!(
        "registration benchmark ({db}, keep-alive HTTP/1.1 load generator in the bench process)"
    );
    println!(
        "  ceiling GET /health, 64 conns: {:.0} req/s, p50 {:?}, p99 {:?}",
        ceiling.per_second, ceiling.p50, ceiling.p99
    );
    println!(
        "  rush 1,000 for 100 seats:      {confirmed} confirmed, {waitlisted} waitlisted, positions 1..{} in order: {in_order}; {:.0} req/s, p99 {:?}",
        positions.len(),
        rush.per_second,
        rush.p99
    );
    println!(
        "  sustained {sustained} over {events} events, 64 conns: {:.0} req/s ({:.2} of ceiling), {confirmed_per_second:.0} confirmed/s, p50 {:?}, p99 {:?}, {failed} failed",
        steady.per_second,
        steady.per_second / ceiling.per_second,
        steady.p50,
        steady.p99
    );
    println!(
        "  paced {paced_total} offered at {rate}/s over {events} events: {:.0} req/s achieved, {paced_ok} confirmed, p50 {:?}, p99 {:?} (from when each was due)",
        paced.per_second, paced.p50, paced.p99
    );
    println!(
        "  oversold events: {} (sustained: largest confirmed count {} of capacity {})",
        oversold.0,
        oversold.1,
        sustained / events
    );
    Ok(())
}
