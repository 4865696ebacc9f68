//! The read path under `wrk` (Debian package): the first page of `GET /api/v1/events`, the public
//! `GET /calendar.ics` and a member's personal feed, with 10,000 events seeded, each next to
//! `GET /health` of the same server in the same run as the ceiling. Also the footprint: start to
//! ready on the existing database, and idle memory.
//!
//! Run: `cargo bench --bench read_path` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. BENCH_EVENTS (default
//! 10000), BENCH_SECONDS per endpoint (default 10), BENCH_CONNECTIONS (default 64).

mod common;

use std::time::Duration;

use chrono::{Duration as Days, Utc};
use common::{BenchDb, Conn, env_or, free_port, load, rss_kib, start_server, wrk};
use limburgers_worldwide::app::App;

fn main() -> anyhow::Result<()> {
    let events = env_or("BENCH_EVENTS", 10_000);
    let seconds = env_or("BENCH_SECONDS", 10);
    let connections = env_or("BENCH_CONNECTIONS", 64);
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let port = free_port();
    let config = db.config(port)?;
    let (staff, member, person) = rt.block_on(async {
        let app = App::new(config).await?;
        let staff = common::staff(&app).await?;
        let (member, person) = common::member(&app, "reader@bench.example.org").await?;
        app.db.close().await;
        anyhow::Ok((staff, member, person))
    })?;
    let (server, _) = start_server(&db, port);

    // 10,000 events: eight years of history and two years ahead, as a community of some age has.
    println!("seeding {events} events ({})…", db.name());
    let start = Utc::now() - Days::days(8 * 365);
    let step = Days::minutes(10 * 365 * 24 * 60 / events.max(1) as i64);
    let tags = ["family", "career", "language", "culture", "sports"];
    let jobs: Vec<_> = (0..events)
        .map(|i| {
            let at = start + step * i as i32;
            let body = serde_json::json!({
                "title": format!("Event {i}"),
                "summary": "Meet other internationals in Limburg.",
                // Daytime local hours: never inside a daylight-saving gap.
                "starts_at": format!("{}T{:02}:00:00", at.date_naive(), 8 + i % 10),
                "ends_at": format!("{}T{:02}:00:00", at.date_naive(), 10 + i % 10),
                "venue": "Expat Centre Limburg",
                "address": "Kempische Steenweg 293, 3500 Hasselt",
                "capacity": 40,
                "tags": [tags[i % tags.len()]],
                "status": "published"
            });
            (
                "/api/v1/events".to_owned(),
                Some(staff.clone()),
                body.to_string(),
            )
        })
        .collect();
    let (_, answers) = load(port, 16, jobs, "POST");
    let ids: Vec<String> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .filter_map(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    if let Some((status, body)) = answers.iter().find(|(s, _)| *s != 201) {
        panic!("an event was not created: {status} {body}");
    }
    // The member registers for 20 upcoming events; their calendar address.
    let mut conn = Conn::open(port);
    for id in ids.iter().rev().take(20) {
        let (status, body) = conn.request(
            "POST",
            &format!("/api/v1/events/{id}/registrations"),
            Some(&member),
            &format!("{{\"person_ids\":[\"{person}\"]}}"),
        );
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = conn.request("POST", "/api/v1/me/calendar-token", Some(&member), "");
    assert_eq!(status, 200, "{body}");
    let feed: serde_json::Value = serde_json::from_str(&body)?;
    let feed_path = feed["url"]
        .as_str()
        .and_then(|u| u.find("/calendar/").map(|at| u[at..].to_owned()))
        .expect("a calendar address");
    let (_, public) = conn.request("GET", "/calendar.ics", None, "");
    let (_, list) = conn.request("GET", "/api/v1/events", None, "");
    let (_, personal) = conn.request("GET", &feed_path, None, "");
    drop(conn);
    let bare = rt.block_on(same_bytes_server(&[
        ("/list", list.clone().into(), "application/json", false),
        (
            "/list.gz",
            limburgers_worldwide::cache::gzip(list.as_bytes()),
            "application/json",
            true,
        ),
        ("/feed", public.clone().into(), CALENDAR, false),
        (
            "/feed.gz",
            limburgers_worldwide::cache::gzip(public.as_bytes()),
            CALENDAR,
            true,
        ),
        ("/personal", personal.clone().into(), CALENDAR, false),
    ]))?;

    let ceiling = wrk(port, "/health", &[], seconds, connections);
    let targets = [
        ("GET /api/v1/events (first page)", "/api/v1/events", vec![]),
        (
            "GET /api/v1/events (gzip)",
            "/api/v1/events",
            vec!["Accept-Encoding: gzip"],
        ),
        ("GET /calendar.ics", "/calendar.ics", vec![]),
        (
            "GET /calendar.ics (gzip)",
            "/calendar.ics",
            vec!["Accept-Encoding: gzip"],
        ),
        ("GET personal feed", feed_path.as_str(), vec![]),
    ];
    let mut rows = Vec::new();
    for (name, path, headers) in &targets {
        rows.push((*name, wrk(port, path, headers, seconds, connections)));
    }
    // The same answers' bytes from the bare server, in the order of `targets`.
    let bare_ceiling = wrk(bare, "/health", &[], seconds, connections);
    let mut same_bytes = Vec::new();
    for path in ["/list", "/list.gz", "/feed", "/feed.gz", "/personal"] {
        same_bytes.push(wrk(bare, path, &[], seconds, connections));
    }

    // Footprint: idle memory after the load, then a restart on the now-filled database.
    std::thread::sleep(Duration::from_secs(2));
    let loaded_rss = rss_kib(server.0.id());
    drop(server);
    let (server, start_to_ready) = start_server(&db, port);
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = rss_kib(server.0.id());
    drop(server);
    db.drop_database(&rt)?;

    println!();
    println!(
        "read path ({}, {events} events, wrk -t2 -c{connections} -d{seconds}s, same machine)",
        db.name()
    );
    println!(
        "  ceiling GET /health:              {:>9.0} req/s  p50 {:>8}  p99 {:>8}",
        ceiling.per_second, ceiling.p50, ceiling.p99
    );
    for (name, r) in &rows {
        println!(
            "  {name:<33} {:>9.0} req/s  p50 {:>8}  p99 {:>8}  {:.2} of ceiling {}",
            r.per_second,
            r.p50,
            r.p99,
            r.per_second / ceiling.per_second,
            r.errors
        );
    }
    println!(
        "same bytes from a bare poem server in the bench process (no application: what delivering each answer costs)"
    );
    println!(
        "  bare GET /health:                 {:>9.0} req/s  p50 {:>8}  p99 {:>8}",
        bare_ceiling.per_second, bare_ceiling.p50, bare_ceiling.p99
    );
    for ((name, r), b) in rows.iter().zip(&same_bytes) {
        println!(
            "  {name:<33} {:>9.0} req/s  p50 {:>8}  p99 {:>8}  {:.2} of the bare ceiling; the service does {:.2} of this",
            b.per_second,
            b.p50,
            b.p99,
            b.per_second / bare_ceiling.per_second,
            r.per_second / b.per_second
        );
    }
    println!(
        "  sizes: events page {} bytes, public feed {} bytes ({} events in it)",
        list.len(),
        public.len(),
        public.matches("BEGIN:VEVENT").count()
    );
    println!(
        "footprint: start to ready {:?} on the existing database; idle {:.1} MiB after a fresh start, {:.1} MiB after the load",
        start_to_ready,
        idle_rss as f64 / 1024.0,
        loaded_rss as f64 / 1024.0
    );
    Ok(())
}

const CALENDAR: &str = "text/calendar; charset=utf-8";

/// A bare poem server on the bench's runtime that answers each path with fixed bytes (and
/// `/health` with "ok"): the cost of delivering an answer of that size on this machine, to set
/// the service's figures against. On loopback with the load generator on the same two cores, a
/// big answer is bound by copying its bytes, whatever the server does to produce them.
async fn same_bytes_server(
    bodies: &[(&str, bytes::Bytes, &'static str, bool)],
) -> anyhow::Result<u16> {
    use poem::endpoint::make_sync;
    use poem::{Response, Route, Server, get, listener::TcpListener};
    let mut route = Route::new().at("/health", get(make_sync(|_| "ok")));
    for (path, body, content_type, gzipped) in bodies.iter().cloned() {
        route = route.at(
            path,
            get(make_sync(move |_| {
                let r = Response::builder().content_type(content_type);
                let r = if gzipped {
                    r.header("content-encoding", "gzip")
                } else {
                    r
                };
                r.body(body.clone())
            })),
        );
    }
    let port = free_port();
    tokio::spawn(Server::new(TcpListener::bind(format!("127.0.0.1:{port}"))).run(route));
    // Ready once it accepts.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(port);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    anyhow::bail!("the bare server did not start")
}
