//! The website under load and in Lighthouse: the events list and an event page served by the
//! real server binary under `wrk` (64 connections), each next to `GET /health` of the same server
//! in the same run as the ceiling; the bytes of each page with its stylesheet; and Lighthouse's
//! four scores (performance, accessibility, best practices, SEO) for the home page, the events
//! list, an event page and "My registrations" (signed in), and for the back office's dashboard,
//! door page and figures page (signed in as staff).
//!
//! Run: `cargo bench --bench site` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`. Writes its tables into
//! `BENCHMARKS.md` (between the `site-bench` markers) and prints them. Needs Debian's `wrk` and
//! `chromium`; Lighthouse 12.2.3 is installed with npm into `~/.cache/lw-lighthouse` on first use
//! (`BENCH_LIGHTHOUSE=0` skips it). BENCH_SECONDS per endpoint (default 10), BENCH_CONNECTIONS
//! (default 64).

mod common;

use std::fmt::Write as _;
use std::process::Command;

use chrono::{Duration as Days, Utc};
use common::{BenchDb, Conn, env_or, free_port, load, start_server, wrk};
use limburgers_worldwide::app::App;

/// Lighthouse 12.2.3 from npm, installed once into the cache folder; its CLI script.
fn lighthouse() -> Option<std::path::PathBuf> {
    let home = std::env::var("HOME").ok()?;
    let dir = std::path::Path::new(&home).join(".cache/lw-lighthouse");
    let cli = dir.join("node_modules/lighthouse/cli/index.js");
    if !cli.exists() {
        println!("installing lighthouse@12.2.3 into {}…", dir.display());
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg("lighthouse@12.2.3")
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("npm could not install lighthouse@12.2.3");
            return None;
        }
    }
    Some(cli)
}

/// Lighthouse's four category scores (0–100) for `url`, with the default mobile settings.
fn scores(cli: &std::path::Path, url: &str, cookie: Option<&str>) -> Vec<(String, u32)> {
    let out_dir = tempfile::tempdir().expect("a temporary folder");
    let report = out_dir.path().join("report.json");
    let mut cmd = Command::new("node");
    cmd.arg(cli)
        .arg(url)
        .args([
            "--quiet",
            "--output=json",
            "--only-categories=performance,accessibility,best-practices,seo",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
             --disable-background-networking --no-first-run",
        ])
        .arg(format!("--output-path={}", report.display()))
        .env("CHROME_PATH", "/usr/bin/chromium");
    if let Some(c) = cookie {
        cmd.arg(format!("--extra-headers={{\"Cookie\":\"{c}\"}}"));
    }
    let status = cmd.status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("lighthouse failed on {url}");
        return Vec::new();
    }
    let json: serde_json::Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    ["performance", "accessibility", "best-practices", "seo"]
        .iter()
        .map(|c| {
            let s = json["categories"][c]["score"].as_f64().unwrap_or(0.0);
            ((*c).to_owned(), (s * 100.0).round() as u32)
        })
        .collect()
}

/// Replaces the part of BENCHMARKS.md between the markers with `section`.
fn write_benchmarks(section: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md");
    let (start, end) = ("<!-- site-bench:start -->", "<!-- site-bench:end -->");
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let new = match (text.find(start), text.find(end)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{start}\n{section}{}", &text[..a], &text[b..])
        }
        _ => format!("{text}\n{start}\n{section}{end}\n"),
    };
    if std::fs::write(path, new).is_ok() {
        println!("written to BENCHMARKS.md");
    }
}

fn main() -> anyhow::Result<()> {
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

    // A season of events: 200 over the coming months, a full list page and more.
    let organisers = ["Expat Centre Limburg", "Aachen", "Maastricht"];
    let audiences = ["everyone", "families", "partners", "members"];
    let jobs: Vec<_> = (0..200)
        .map(|i| {
            let at = Utc::now() + Days::days(2 + i as i64);
            let body = serde_json::json!({
                "title": format!("Community evening {i}"),
                "summary": "Meet other internationals in Limburg over a drink.",
                "description": "We meet at the centre.\n\nBring your partner and friends.",
                "starts_at": format!("{}T{:02}:00:00", at.date_naive(), 10 + i % 9),
                "ends_at": format!("{}T{:02}:00:00", at.date_naive(), 12 + i % 9),
                "venue": "Expat Centre Limburg",
                "address": "Kempische Steenweg 293, 3500 Hasselt",
                "capacity": 40,
                "organiser": organisers[i % organisers.len()],
                "audience": audiences[i % audiences.len()],
                "tags": ["culture"],
                "status": "published"
            });
            (
                "/api/v1/events".to_owned(),
                Some(staff.clone()),
                body.to_string(),
            )
        })
        .collect();
    let (_, answers) = load(port, 8, jobs, "POST");
    let ids: Vec<String> = answers
        .iter()
        .filter_map(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 200, "every event created");
    // The member's household comes to three of them (everyone's events: every fourth).
    let mut conn = Conn::open(port);
    for id in ids.iter().step_by(4).take(3) {
        let (status, body) = conn.request(
            "POST",
            &format!("/api/v1/events/{id}/registrations"),
            Some(&member),
            &format!("{{\"person_ids\":[\"{person}\"]}}"),
        );
        assert_eq!(status, 201, "{body}");
    }
    let event = format!("/events/{}", ids[0]);
    let lang = "Accept-Language: nl-BE,nl;q=0.9,en;q=0.5";
    let html = "Accept: text/html";

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Latest run: {} ({}), `cargo bench --bench site`, wrk `-t2 -c{connections} -d{seconds}s`, \
         200 upcoming events, anonymous visitor with `{lang}`.\n",
        Utc::now().format("%Y-%m-%d"),
        db.name()
    );
    let _ = writeln!(
        out,
        "| page | req/s | p50 | p99 | ratio to `/health` | errors |\n|---|---|---|---|---|---|"
    );
    let ceiling = wrk(port, "/health", &[], seconds, connections);
    let _ = writeln!(
        out,
        "| ceiling `GET /health` | {:.0} | {} | {} | 1 | {} |",
        ceiling.per_second, ceiling.p50, ceiling.p99, ceiling.errors
    );
    for (name, path) in [
        ("events list `/events` (24 events)", "/events"),
        ("an event page", event.as_str()),
        ("home `/`", "/"),
    ] {
        let w = wrk(port, path, &[lang, html], seconds, connections);
        let _ = writeln!(
            out,
            "| {name} | {:.0} | {} | {} | {:.2} | {} |",
            w.per_second,
            w.p50,
            w.p99,
            w.per_second / ceiling.per_second,
            w.errors
        );
    }

    // Weight: each page's bytes as sent, plus the stylesheet (no script, no font, no image).
    let (_, css) = conn.request("GET", "/static/site.css", None, "");
    let _ = writeln!(
        out,
        "\n| page | HTML bytes | with the stylesheet |\n|---|---|---|"
    );
    for (name, path, token) in [
        ("home", "/", None),
        ("events list", "/events", None),
        ("an event page", event.as_str(), None),
        ("My registrations", "/registrations", Some(member.as_str())),
    ] {
        let cookie = token.map(|t| format!("session={t}"));
        let body = page_bytes(port, path, cookie.as_deref());
        let _ = writeln!(
            out,
            "| {name} | {body} | {} ({:.1} KB) |",
            body + css.len(),
            (body + css.len()) as f64 / 1024.0
        );
    }

    if std::env::var("BENCH_LIGHTHOUSE").as_deref() != Ok("0")
        && let Some(cli) = lighthouse()
    {
        let _ = writeln!(
            out,
            "\nLighthouse 12.2.3 (default mobile emulation and throttling), Debian's Chromium:\n\n\
             | page | performance | accessibility | best practices | SEO |\n|---|---|---|---|---|"
        );
        let session = format!("session={member}");
        let staff_session = format!("session={staff}");
        let door = format!("/staff/events/{}/door", ids[0]);
        for (name, path, cookie) in [
            ("home", "/", None),
            ("events list", "/events", None),
            ("an event page", event.as_str(), None),
            ("My registrations", "/registrations", Some(session.as_str())),
            // The back office (issue 18): accessibility and best practices are its goals.
            (
                "back office: dashboard",
                "/staff",
                Some(staff_session.as_str()),
            ),
            (
                "back office: at the door",
                door.as_str(),
                Some(staff_session.as_str()),
            ),
            (
                "back office: figures",
                "/staff/figures",
                Some(staff_session.as_str()),
            ),
        ] {
            let url = format!("http://127.0.0.1:{port}{path}");
            let s = scores(&cli, &url, cookie);
            let get = |c: &str| {
                s.iter()
                    .find(|(n, _)| n == c)
                    .map_or("?".to_owned(), |(_, v)| v.to_string())
            };
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} |",
                get("performance"),
                get("accessibility"),
                get("best-practices"),
                get("seo")
            );
        }
    }
    drop(server);
    println!("{out}");
    write_benchmarks(&out);
    db.drop_database(&rt)?;
    Ok(())
}

/// The bytes of a page's body as the server sends it to a browser.
fn page_bytes(port: u16, path: &str, cookie: Option<&str>) -> usize {
    use std::io::{Read as _, Write as _};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the server");
    let extra = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let _ = write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n{extra}Connection: close\r\n\r\n"
    );
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| p + 4);
    answer.len() - head_end
}
