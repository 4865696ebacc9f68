//! Does the time of an answer tell whether an address belongs to a member? Sign-up and sign-in
//! link requests for addresses of members and for unknown addresses, one at a time on one
//! keep-alive connection, alternating, with a pause after each so the work a request leaves
//! behind (carried out by the server's request worker) never overlaps the next answer. Prints
//! the medians side by side, and `GET /health` of the same server as the run's baseline.
//!
//! Run: `cargo bench --bench sign_up_timing` (SQLite), or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. BENCH_PAIRS (default 300)
//! sets how many requests of each kind are timed.

mod common;

use std::time::{Duration, Instant};

use common::{BenchDb, Conn, free_port, start_server_with};
use limburgers_worldwide::app::App;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p90(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() * 9 / 10]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let pairs = common::env_or("BENCH_PAIRS", 300);
    let rt = tokio::runtime::Runtime::new()?;
    let db = BenchDb::new(&rt)?;
    let port = free_port();
    let config = db.config(port)?;
    println!("seeding {pairs} members ({})…", db.name());
    rt.block_on(async {
        let app = App::new(config).await?;
        for i in 0..pairs {
            common::member(&app, &format!("member{i}@bench.example.org")).await?;
        }
        app.db.close().await;
        anyhow::Ok(())
    })?;
    let (_server, _) = start_server_with(
        &db,
        port,
        &[("MAIL_REQUESTS_PER_CLIENT", "100000000".to_owned())],
    );
    let mut conn = Conn::open(port);
    let pause = Duration::from_millis(20);
    let mut timed = |path: &str, body: String| {
        let started = Instant::now();
        let (status, answer) = conn.request("POST", path, None, &body);
        let took = started.elapsed();
        assert_eq!(status, 202, "{answer}");
        std::thread::sleep(pause);
        took
    };
    let sign_up = |email: &str| {
        format!(
            r#"{{"email":"{email}","first_name":"Bench","last_name":"Mark","language":"en","consent":{{"privacy_policy":true}}}}"#
        )
    };
    let link = |email: &str| format!(r#"{{"email":"{email}"}}"#);
    // Warm-up: the first requests of a connection and of each statement are slower.
    for i in 0..20 {
        timed(
            "/api/v1/members",
            sign_up(&format!("warm{i}@bench.example.org")),
        );
    }
    let (mut known_up, mut new_up, mut known_link, mut unknown_link) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let member = format!("member{i}@bench.example.org");
        // Which kind goes first alternates, so a drift in the machine's speed favours neither.
        let order = [
            (true, member.clone()),
            (false, format!("new{i}@bench.example.org")),
        ];
        let order = if i % 2 == 0 {
            order
        } else {
            [order[1].clone(), order[0].clone()]
        };
        for (known, email) in &order {
            let d = timed("/api/v1/members", sign_up(email));
            if *known { &mut known_up } else { &mut new_up }.push(d);
        }
        for (known, email) in &order {
            let email = if *known {
                email.clone()
            } else {
                format!("nobody{i}@bench.example.org")
            };
            let d = timed("/api/v1/auth/magic-link", link(&email));
            if *known {
                &mut known_link
            } else {
                &mut unknown_link
            }
            .push(d);
        }
    }
    let mut health = Vec::new();
    for _ in 0..pairs {
        let started = Instant::now();
        let (status, _) = conn.request("GET", "/health", None, "");
        health.push(started.elapsed());
        assert_eq!(status, 200);
    }
    let health = median(health);
    println!(
        "\n{} · {pairs} requests of each kind, one at a time · GET /health median {:.3} ms (baseline)",
        db.name(),
        ms(health)
    );
    println!(
        "{:<34} {:>12} {:>12} {:>10}",
        "", "member", "not member", "ratio"
    );
    for (what, known, unknown) in [
        ("sign-up, median ms", &known_up, &new_up),
        ("sign-in link, median ms", &known_link, &unknown_link),
    ] {
        let (k, u) = (median(known.clone()), median(unknown.clone()));
        println!(
            "{what:<34} {:>12.3} {:>12.3} {:>10.3}",
            ms(k),
            ms(u),
            ms(k) / ms(u)
        );
        let (k9, u9) = (p90(known.clone()), p90(unknown.clone()));
        println!(
            "{:<34} {:>12.3} {:>12.3} {:>10.3}",
            "  p90 ms",
            ms(k9),
            ms(u9),
            ms(k9) / ms(u9)
        );
        println!(
            "{:<34} {:>12.2} {:>12.2}",
            "  median / GET /health",
            ms(k) / ms(health),
            ms(u) / ms(health)
        );
    }
    drop(_server);
    db.drop_database(&rt)?;
    Ok(())
}
