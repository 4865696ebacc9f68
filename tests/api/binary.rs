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
