//! What metrics cost: the same requests against two servers on one database, one without
//! metrics and one with `METRICS_LISTEN` set (every request then counted by route, method and
//! status, with a latency histogram), alternating A, B, A, B so both see the same machine. The
//! figure is B's rate as a fraction of A's for each request (1.0: no cost).
//!
//! Run: `cargo bench --bench metrics` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. Needs Debian's `wrk`.
//! BENCH_SECONDS per run (default 5), BENCH_CONNECTIONS (default 64), BENCH_EVENTS (default 200).

mod common;

use chrono::{Duration as Days, Utc};
use common::{BenchDb, env_or, free_port, load, start_server_with, wrk};
use limburgers_worldwide::app::App;

fn main() -> anyhow::Result<()> {
    let seconds = env_or("BENCH_SECONDS", 5);
    let connections = env_or("BENCH_CONNECTIONS", 64);
    let events = env_or("BENCH_EVENTS", 200);
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let (a_port, b_port, metrics_port) = (free_port(), free_port(), free_port());
    let config = db.config(a_port)?;
    let (staff, member) = rt.block_on(async {
        let app = App::new(config).await?;
        let staff = common::staff(&app).await?;
        let (member, _) = common::member(&app, "reader@bench.example.org").await?;
        app.db.close().await;
        anyhow::Ok((staff, member))
    })?;
    let (a, _) = start_server_with(&db, a_port, &[]);
    let start = Utc::now() + Days::days(1);
    let jobs = (0..events)
        .map(|i| {
            let day = (start + Days::days(i as i64)).date_naive();
            let body = serde_json::json!({
                "title": format!("Event {i}"),
                "starts_at": format!("{day}T19:00:00"),
                "ends_at": format!("{day}T21:00:00"),
                "venue": "Expat Centre Limburg",
                "status": "published"
            });
            (
                "/api/v1/events".to_owned(),
                Some(staff.clone()),
                body.to_string(),
            )
        })
        .collect();
    load(a_port, 8, jobs, "POST");
    let (b, _) = start_server_with(
        &db,
        b_port,
        &[("METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))],
    );
    println!(
        "{} (A and B alternate), {connections} connections, {seconds} s a run; B = with metrics",
        db.name()
    );
    let bearer = format!("Authorization: Bearer {member}");
    for (name, path, headers) in [
        ("GET /health", "/health", vec![]),
        ("GET /api/v1/events (cached)", "/api/v1/events", vec![]),
        (
            "GET /api/v1/me (signed in)",
            "/api/v1/me",
            vec![bearer.as_str()],
        ),
        ("GET /events (a page)", "/events", vec![]),
    ] {
        let mut ratios = Vec::new();
        let mut line = String::new();
        for _ in 0..2 {
            let off = wrk(a_port, path, &headers, seconds, connections);
            let on = wrk(b_port, path, &headers, seconds, connections);
            ratios.push(on.per_second / off.per_second.max(1.0));
            line.push_str(&format!(
                "  A {:>9.0}/s p99 {:>8} | B {:>9.0}/s p99 {:>8}{}{}",
                off.per_second, off.p99, on.per_second, on.p99, off.errors, on.errors
            ));
        }
        println!("{name:<30} B/A {:.3} {:.3}{line}", ratios[0], ratios[1]);
    }
    drop((a, b));
    db.drop_database(&rt)?;
    Ok(())
}
