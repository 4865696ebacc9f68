//! Newsletter throughput: seeds N subscribers (100,000 by default), sends one issue through the
//! real server binary to postfix's `smtp-sink` on 127.0.0.1, and prints messages per second and
//! the server's peak memory next to the ceiling measured in the same run: `smtp-source` sending
//! the same number of messages of the same size to the same sink.
//!
//! Run: `cargo bench --bench newsletter` (needs Debian's `postfix` package for smtp-sink and
//! smtp-source). Settings: BENCH_SUBSCRIBERS, BENCH_CONCURRENCY, BENCH_DATABASE_URL (a PostgreSQL
//! server URL to run on PostgreSQL instead of SQLite; a database is created and dropped).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Reaped, env_or, free_port};
use limburgers_worldwide::app::App;
use limburgers_worldwide::config::Config;
use limburgers_worldwide::newsletter::issues::{self, Draft};
use limburgers_worldwide::values::{Language, Role};
use sqlx::{Connection, Executor};

fn tool(name: &str) -> String {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin"] {
        let p = format!("{dir}/{name}");
        if Path::new(&p).exists() {
            return p;
        }
    }
    eprintln!("{name} not found: install Debian's postfix package (apt-get install postfix)");
    std::process::exit(2);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn start_sink(port: u16) -> Reaped {
    let mut cmd = Command::new(tool("smtp-sink"));
    if is_root() {
        cmd.args(["-u", "postfix"]);
    }
    let child = cmd
        .args(["-m", "1024", &format!("127.0.0.1:{port}"), "1024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("smtp-sink");
    let child = Reaped(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "smtp-sink did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn http(port: u16, method: &str, path: &str, token: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("server");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn seed(app: &App, n: usize) -> anyhow::Result<()> {
    const CHUNK: usize = 500;
    let now = limburgers_worldwide::db::now_ms();
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        let mut tx = app.db.begin().await?;
        let ids: Vec<String> = (start..end)
            .map(|_| limburgers_worldwide::db::new_id())
            .collect();
        let rows = |cols: usize| {
            (0..ids.len())
                .map(|i| {
                    let ps: Vec<String> =
                        (1..=cols).map(|c| format!("${}", i * cols + c)).collect();
                    format!("({})", ps.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO households (id, created_at) VALUES {}",
            rows(2)
        )));
        for id in &ids {
            q = q.bind(id.clone()).bind(now);
        }
        q.execute(tx.conn()).await?;
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO people (id, household_id, relation, first_name, last_name, created_at, updated_at) VALUES {}",
            rows(7)
        )));
        for (i, id) in ids.iter().enumerate() {
            q = q
                .bind(id.clone())
                .bind(id.clone())
                .bind("primary")
                .bind(format!("Reader{}", start + i))
                .bind("Bench")
                .bind(now)
                .bind(now);
        }
        q.execute(tx.conn()).await?;
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO accounts (person_id, email, email_key, language, role, status, created_at, updated_at) VALUES {}",
            rows(8)
        )));
        let langs = ["en", "nl", "de", "fr"];
        for (i, id) in ids.iter().enumerate() {
            let email = format!("reader{}@bench.example.org", start + i);
            q = q
                .bind(id.clone())
                .bind(email.clone())
                .bind(email)
                .bind(langs[(start + i) % 4])
                .bind("member")
                .bind("active")
                .bind(now)
                .bind(now);
        }
        q.execute(tx.conn()).await?;
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, confirmed_at, updated_at) VALUES {}",
            rows(7)
        )));
        for id in &ids {
            q = q
                .bind(id.clone())
                .bind("community")
                .bind("active")
                .bind(limburgers_worldwide::auth::new_secret().0)
                .bind(now)
                .bind(now)
                .bind(now);
        }
        q.execute(tx.conn()).await?;
        tx.commit().await?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n = env_or("BENCH_SUBSCRIBERS", 100_000);
    let concurrency = env_or("BENCH_CONCURRENCY", 16);
    let rt = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let pg = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let (database_url, pg_drop) = match &pg {
        Some(admin) => {
            let name = format!("lw_bench_{}", uuid::Uuid::new_v4().simple());
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                let mut c = sqlx::AnyConnection::connect(admin).await?;
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .await?;
                anyhow::Ok(())
            })?;
            let (base, _) = admin.rsplit_once('/').unwrap_or((admin, ""));
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
        None => (format!("sqlite://{}/bench.db", dir.path().display()), None),
    };
    let sink_port = free_port();
    let server_port = free_port();
    let settings = [
        ("DATABASE_URL", database_url.clone()),
        ("DATA_DIR", dir.path().join("data").display().to_string()),
        ("LISTEN", format!("127.0.0.1:{server_port}")),
        ("SMTP_URL", format!("smtp://127.0.0.1:{sink_port}")),
        ("MAIL_FROM", "community@bench.example.org".to_owned()),
        ("MAIL_RATE_PER_SECOND", "0".to_owned()),
        ("MAIL_CONCURRENCY", concurrency.to_string()),
        ("NEWSLETTER_CRON", "off".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let config = Config::from_lookup(|k| {
        settings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
    })?;

    println!(
        "seeding {n} subscribers ({})…",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    let (token, issue_id, message_size) = rt.block_on(async {
        let app = App::new(config.clone()).await?;
        seed(&app, n).await?;
        let token = limburgers_worldwide::cli::create_staff(&app, "bench@bench.example.org", "Bench", "Staff", Role::Staff).await?;
        let body = "Dear all,\n\nThe **blossom** is out in Haspengouw: walks, cider and a picnic for families. \
                    Join us on Sunday; partners and children are welcome, and we meet at the church square at ten.";
        let text = |s: &str| [("en".to_owned(), s.to_owned()), ("nl".to_owned(), s.to_owned())].into_iter().collect();
        let issue = issues::create(
            &app,
            "bench",
            Draft { subject: text("Spring in Limburg"), body: text(body), segment: "community", filters: Default::default(), upcoming_events_days: None },
        )
        .await?;
        let ctx = limburgers_worldwide::newsletter::sender::context_for(&app, &issue, vec![], Language::En, "Reader1", "0123456789abcdef0123456789abcdef0123456789a");
        let mut ctx = ctx;
        ctx["base_url"] = "http://127.0.0.1".into();
        let r = app.templates.render("newsletter", Language::En, &ctx)?;
        let size = r.text.len() + r.html.len() + 600;
        app.db.close().await;
        anyhow::Ok((token, issue.id, size))
    })?;

    // Ceiling: smtp-source, same count and size, to the same kind of sink.
    let sink = start_sink(sink_port);
    let started = Instant::now();
    let status = Command::new(tool("smtp-source"))
        .args([
            "-s",
            &concurrency.to_string(),
            "-d",
            "-m",
            &n.to_string(),
            "-l",
            &message_size.to_string(),
        ])
        .args([
            "-f",
            "community@bench.example.org",
            "-t",
            "reader@bench.example.org",
        ])
        .arg(format!("127.0.0.1:{sink_port}"))
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "smtp-source failed");
    let ceiling = n as f64 / started.elapsed().as_secs_f64();
    drop(sink);

    let sink = start_sink(sink_port);
    let server = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .current_dir(dir.path())
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Reaped(server);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", server_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let idle_kib = memory_kib(server.0.id(), "VmRSS:");
    let started = Instant::now();
    let (code, body) = http(
        server_port,
        "POST",
        &format!("/api/v1/newsletters/{issue_id}/send"),
        &token,
    );
    assert_eq!(code, 200, "{body}");
    let done = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&database_url).await?;
        loop {
            let (open,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')",
            )
            .fetch_one(&pool)
            .await?;
            if open == 0 {
                break;
            }
            if started.elapsed() > Duration::from_secs(900) {
                anyhow::bail!("not done after 15 minutes; {open} left");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (sent,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
                .fetch_one(&pool)
                .await?;
        pool.close().await;
        anyhow::Ok(sent)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let peak_kib = memory_kib(server.0.id(), "VmHWM:");
    let _ = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status();
    drop(server);
    drop(sink);
    if let Some((admin, name)) = pg_drop {
        rt.block_on(async {
            let mut c = sqlx::AnyConnection::connect(&admin).await?;
            c.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .await?;
            anyhow::Ok(())
        })?;
    }

    let rate = done as f64 / elapsed;
    let peak_mib = peak_kib as f64 / 1024.0;
    println!();
    println!(
        "newsletter benchmark ({}, {n} subscribers, MAIL_CONCURRENCY={concurrency}, ~{message_size} bytes/message)",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "  server:   {done} sent in {elapsed:.1} s = {rate:.0} msg/s = {:.0} msg/min",
        rate * 60.0
    );
    println!("  ceiling:  smtp-source {ceiling:.0} msg/s (same count, size and sink, this run)");
    println!("  ratio:    {:.2} of the ceiling", rate / ceiling);
    println!(
        "  memory:   peak {peak_mib:.1} MiB (idle before the send {:.1} MiB)",
        idle_kib as f64 / 1024.0
    );
    println!(
        "  goals:    >= 100000 msg/min {} | >= 0.5 of ceiling {} | peak < 64 MiB {}",
        if rate * 60.0 >= 100_000.0 {
            "met"
        } else {
            "MISSED"
        },
        if rate / ceiling >= 0.5 {
            "met"
        } else {
            "MISSED"
        },
        if peak_mib < 64.0 { "met" } else { "MISSED" }
    );
    Ok(())
}
