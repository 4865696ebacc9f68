//! The door page under load: an event with 500 registered people, and staff searching a name
//! (`GET /staff/events/{id}/door?q=…`, the page a phone at the door asks for on every search),
//! served by the real server binary under `wrk`, next to `GET /health` of the same server in the
//! same run. The goal: p99 ≤ 50 ms.
//!
//! Run: `cargo bench --bench door` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. Needs Debian's `wrk`.
//! BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 16: a few phones at a few doors, and
//! then some), BENCH_PEOPLE (default 500).

mod common;

use chrono::{Duration as Hours, Utc};
use common::{BenchDb, env_or, free_port, load, start_server};
use limburgers_worldwide::app::App;
use limburgers_worldwide::values::Role;

const FIRST: [&str; 20] = [
    "Anna", "Bram", "Chloé", "Daan", "Elif", "Femke", "Giulia", "Hugo", "Ines", "Jonas", "Kiran",
    "Lotte", "Mehmet", "Noor", "Olga", "Pieter", "Quinten", "Rosa", "Sven", "Tomás",
];
const LAST: [&str; 25] = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Schmitz", "Müller", "Rossi", "Kowalski",
    "Nguyen", "Singh", "García", "Öztürk", "Novak", "Horvat", "Silva",
];

/// Members with distinct names, one per household, each with a session: (token, person id).
async fn seed(app: &App, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    use limburgers_worldwide::members::{self, NewAccount};
    use limburgers_worldwide::values::{EmailAddress, Language, PersonName};
    let mut out = Vec::with_capacity(n);
    let mut tx = app.db.begin().await?;
    for i in 0..n {
        let first =
            PersonName::parse(FIRST[i % FIRST.len()]).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let last = PersonName::parse(&format!("{} {}", LAST[(i / FIRST.len()) % LAST.len()], i))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let email = EmailAddress::parse(&format!("door{i}@bench.example.org"))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let id = members::create_person_in_new_household(&mut tx, &first, &last).await?;
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
    Ok(out)
}

/// One `wrk` run as a line of the table, with the session cookie when given.
fn run(port: u16, path: &str, cookie: Option<&str>, seconds: usize, connections: usize) -> String {
    let header = cookie.map(|c| format!("Cookie: {c}"));
    let w = common::wrk(
        port,
        path,
        header
            .as_slice()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        seconds,
        connections,
    );
    format!(
        "{:>10.2} req/s  p50 {:>8}  p99 {:>8}  {}",
        w.per_second, w.p50, w.p99, w.errors
    )
}

fn main() -> anyhow::Result<()> {
    let seconds = env_or("BENCH_SECONDS", 10);
    let connections = env_or("BENCH_CONNECTIONS", 16);
    let people = env_or("BENCH_PEOPLE", 500);
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let port = free_port();
    let config = db.config(port)?;
    println!("seeding {people} people ({})…", db.name());
    let (staff, members) = rt.block_on(async {
        let app = App::new(config).await?;
        let staff = common::staff(&app).await?;
        let members = seed(&app, people).await?;
        app.db.close().await;
        anyhow::Ok((staff, members))
    })?;
    let (server, _) = start_server(&db, port);

    // Tonight's event, starting in a few hours: check-in is open.
    let at = Utc::now() + Hours::hours(5);
    let body = serde_json::json!({
        "title": "New year's reception",
        "starts_at": at.format("%Y-%m-%dT%H:00:00").to_string(),
        "ends_at": (at + Hours::hours(3)).format("%Y-%m-%dT%H:00:00").to_string(),
        "venue": "Expat Centre Limburg",
        "address": "Kempische Steenweg 293, 3500 Hasselt",
        "status": "published"
    });
    let (_, answers) = load(
        port,
        1,
        vec![(
            "/api/v1/events".into(),
            Some(staff.clone()),
            body.to_string(),
        )],
        "POST",
    );
    let event = serde_json::from_str::<serde_json::Value>(&answers[0].1)?["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no event: {}", answers[0].1))?;
    let jobs = members
        .iter()
        .map(|(token, person)| {
            (
                format!("/api/v1/events/{event}/registrations"),
                Some(token.clone()),
                serde_json::json!({"person_ids": [person]}).to_string(),
            )
        })
        .collect();
    let (_, answers) = load(port, 8, jobs, "POST");
    let registered = answers.iter().filter(|(s, _)| *s == 201).count();
    println!("{registered} registered for one event");

    let cookie = format!("session={staff}");
    println!(
        "GET /health                        {}",
        run(port, "/health", None, seconds, connections)
    );
    for (name, q) in [
        ("a first name", "anna"),
        ("two beginnings", "jan ro"),
        ("no match", "zzz"),
    ] {
        let path = format!("/staff/events/{event}/door?q={}", q.replace(' ', "+"));
        println!(
            "door, {name:<16} ({q:<6})  {}",
            run(port, &path, Some(&cookie), seconds, connections)
        );
    }
    println!(
        "door, everyone (page 1)           {}",
        run(
            port,
            &format!("/staff/events/{event}/door"),
            Some(&cookie),
            seconds,
            connections
        )
    );
    drop(server);
    db.drop_database(&rt)?;
    Ok(())
}
