//! The real binary, as a newcomer runs it: it serves, a sign-up leaves a mail in the data
//! folder (no SMTP configured), and SIGTERM stops it cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out))
}

fn database_url(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => {
            let name = format!("lw_test_{}", uuid::Uuid::new_v4().simple());
            let ok = Command::new("psql")
                .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "could not create a test database with psql");
            let (base, _) = admin.rsplit_once('/').unwrap();
            (format!("{base}/{name}"), Some((admin, name)))
        }
        None => (
            format!("sqlite://{}/data/limburgers.db", dir.display()),
            None,
        ),
    }
}

#[test]
fn the_binary_serves_mails_to_files_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (url, pg) = database_url(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &url)
        .env("MAIL_POLL_MS", "50")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let started = Instant::now();
    while http(port, "GET", "/health", "").map(|r| r.0) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(http(port, "GET", "/ready", "").unwrap().0, 200);
    assert_eq!(http(port, "GET", "/docs", "").unwrap().0, 200);
    let (status, _) = http(
        port,
        "POST",
        "/api/v1/members",
        r#"{"email":"ana@example.org","first_name":"Ana","last_name":"Silva","language":"en","consent":{"privacy_policy":true}}"#,
    )
    .unwrap();
    assert_eq!(status, 202);

    let outbox = dir.path().join("data").join("outbox");
    let started = Instant::now();
    let mail = loop {
        let found = std::fs::read_dir(&outbox)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if let Some(p) = found {
            break std::fs::read_to_string(p).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no mail in data/outbox"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(mail.contains("ana@example.org"));
    assert!(
        mail.contains(&format!("http://127.0.0.1:{port}/verify?token=")),
        "BASE_URL defaults from LISTEN"
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    if let Some((admin, name)) = pg {
        let _ = Command::new("psql")
            .args([
                admin.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .status();
    }
}

#[test]
fn an_invalid_setting_stops_the_start_and_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .env("LISTEN", "not-an-address")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("LISTEN"), "{err}");
}

#[test]
fn jobs_are_listed() {
    let out = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .args(["jobs", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("purge-expired-tokens"));
}

/// The real binary killed with SIGKILL in the middle of a newsletter send, then restarted: every
/// subscriber gets the issue; the only repeats are messages that were in flight at the kill, and
/// they carry the same Message-ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newsletter_send_survives_kill_9_and_a_restart() {
    use limburgers_worldwide::newsletter::issues::{self, Draft};
    let mut t = crate::helpers::TestApp::spawn().await;
    t.stop_worker().await;
    let n = 300;
    for i in 0..n {
        let (_, id) = t.quick_member(&format!("k{i}@example.org")).await;
        sqlx::query(
            "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, confirmed_at, updated_at) \
             VALUES ($1, 'community', 'active', $2, 0, 0, 0)",
        )
        .bind(&id)
        .bind(uuid::Uuid::new_v4().to_string())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    }
    let text = |s: &str| [("en".to_owned(), s.to_owned())].into_iter().collect();
    let issue = issues::create(
        &t.app,
        "test",
        Draft {
            subject: text("Crash test"),
            body: text("Hello"),
            segment: "community",
            filters: Default::default(),
            upcoming_events_days: None,
        },
    )
    .await
    .unwrap();
    issues::send_now(&t.app, "test", &issue.id).await.unwrap();

    let port = free_port();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
            .current_dir(t.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &t.app.config.database_url)
            .env("LISTEN", format!("127.0.0.1:{port}"))
            .env("SMTP_URL", format!("smtp://127.0.0.1:{}", t.smtp.port))
            .env("MAIL_FROM", "community@expatcentre.test")
            .env("MAIL_RATE_PER_SECOND", "200")
            .env("MAIL_CONCURRENCY", "2")
            .env("MAIL_LEASE_SECONDS", "1")
            .env("MAIL_POLL_MS", "50")
            .env("NEWSLETTER_CRON", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = start();
    let deadline = Instant::now() + Duration::from_secs(30);
    while t.smtp.received().len() < 60 {
        assert!(Instant::now() < deadline, "the first instance did not send");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let at_kill = t.smtp.received().len();
    assert!(at_kill < n, "killed too late to prove anything ({at_kill})");

    let mut second = start();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open = t
            .count("SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')")
            .await;
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted instance did not finish ({open} left)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status()
        .unwrap();
    second.wait().unwrap();

    let mut per_address: std::collections::HashMap<String, Vec<String>> = Default::default();
    for m in t.smtp.received() {
        let id = m
            .raw
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap_or("")
            .to_owned();
        per_address.entry(m.to[0].clone()).or_default().push(id);
    }
    assert_eq!(per_address.len(), n, "every subscriber got the issue");
    let repeated: Vec<_> = per_address.values().filter(|ids| ids.len() > 1).collect();
    assert!(
        repeated.len() <= 2,
        "only what was in flight (MAIL_CONCURRENCY=2) may repeat: {repeated:?}"
    );
    assert!(
        repeated.iter().all(|ids| ids.iter().all(|i| i == &ids[0])),
        "a repeat has the same Message-ID"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
            .await,
        n as i64
    );
}
