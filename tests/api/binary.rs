//! The real binary, as a newcomer runs it: it serves, a sign-up leaves a mail in the data
//! folder (no SMTP configured), and SIGTERM stops it cleanly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn http(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
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

pub(crate) fn database_url(dir: &std::path::Path) -> (String, Option<(String, String)>) {
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
    let mail = crate::binary::first_mail_file(&outbox);
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

pub(crate) fn server(
    t: &crate::helpers::TestApp,
    extra: &[(&str, &str)],
) -> (std::process::Child, u16) {
    server_with(t, extra, Stdio::null(), Stdio::null())
}

/// Like `server`, with the server's stdout and stderr going where the test says.
pub(crate) fn server_with(
    t: &crate::helpers::TestApp,
    extra: &[(&str, &str)],
    stdout: Stdio,
    stderr: Stdio,
) -> (std::process::Child, u16) {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"));
    cmd.current_dir(t.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &t.app.config.database_url)
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .env("SMTP_URL", format!("smtp://127.0.0.1:{}", t.smtp.port))
        .env("NEWSLETTER_CRON", "off")
        .env("MAIL_REQUESTS_PER_CLIENT", "100000")
        // The load tests are many clients from one address.
        .env("MAX_CONNECTIONS_PER_CLIENT", "0")
        .stdout(stdout)
        .stderr(stderr);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    while http(port, "GET", "/ready", "").map(|r| r.0) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// The first mail written to `outbox` (a server without SMTP), waiting up to 10 s for it.
pub(crate) fn first_mail_file(outbox: &std::path::Path) -> String {
    let started = Instant::now();
    loop {
        let found = std::fs::read_dir(outbox)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if let Some(p) = found {
            return std::fs::read_to_string(p).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no mail in {}",
            outbox.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// POST with a bearer token; None when the connection failed (the server was killed).
pub(crate) fn post_as(port: u16, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    request(port, "POST", path, Some(token), body)
}

/// One request over its own connection, JSON body, optional bearer token: (status, body).
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

pub(crate) async fn rush_members(t: &crate::helpers::TestApp, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(t.quick_member(&format!("rush{i}@example.org")).await);
    }
    out
}

/// Registers everyone at once over real sockets, spread over the given servers; counts answers.
pub(crate) fn rush(
    ports: &[u16],
    event: &str,
    members: &[(String, String)],
    answered: &std::sync::atomic::AtomicUsize,
) -> Vec<Option<(u16, String)>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = members
            .iter()
            .enumerate()
            .map(|(i, (token, person))| {
                let port = ports[i % ports.len()];
                let path = format!("/api/v1/events/{event}/registrations");
                let body = format!("{{\"person_ids\": [\"{person}\"]}}");
                s.spawn(move || {
                    let r = post_as(port, &path, token, &body);
                    if r.is_some() {
                        answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    r
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// SIGKILL during a registration rush, then a restart: every registration the server confirmed
/// to a client is still there, and the seats are not oversold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_rush_survives_kill_9() {
    let t = crate::helpers::TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let event = t.event(&staff, serde_json::json!({"capacity": 60})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = rush_members(&t, 240).await;
    let (mut first, port) = server(&t, &[]);
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let pid = first.id();
    let answers = std::thread::scope(|s| {
        // Kill the server once some answers are out, while the rest are in flight.
        s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while answered.load(std::sync::atomic::Ordering::SeqCst) < 30
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        });
        rush(&[port], &event, &members, &answered)
    });
    let _ = first.wait();
    let got = answers.iter().filter(|a| a.is_some()).count();
    assert!(
        got >= 30 && got < members.len(),
        "the kill landed mid-rush ({got} answered)"
    );

    let (mut second, _) = server(&t, &[]);
    let confirmed_to_clients: Vec<String> = answers
        .iter()
        .flatten()
        .filter(|(status, _)| *status == 201)
        .filter_map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .filter(|r| r["status"] == "confirmed")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &confirmed_to_clients {
        let (status,): (String,) = sqlx::query_as("SELECT status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(&t.app.db.read)
            .await
            .expect("a registration the server confirmed is never lost");
        assert_eq!(status, "confirmed");
    }
    let confirmed = t
        .count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
        .await;
    let (taken,): (i64,) = sqlx::query_as("SELECT seats_taken FROM events")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert!(confirmed <= 60, "never oversold: {confirmed}");
    assert_eq!(taken, confirmed, "seats match the confirmed registrations");
    assert!(
        t.count("SELECT COUNT(*) FROM registration_people WHERE registration_id NOT IN (SELECT id FROM registrations)").await == 0,
        "no half-written registration"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status();
    assert!(second.wait().unwrap().success());
}

/// SIGTERM while requests are in flight: every request the server had taken is answered in
/// full, then it exits 0 and takes no new connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_every_request_in_flight() {
    use std::io::{BufRead, BufReader};
    let t = crate::helpers::TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let event = t.event(&staff, serde_json::json!({"capacity": 1000})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = rush_members(&t, 120).await;
    let (mut child, port) = server(&t, &[]);

    /// One keep-alive request; the status and body, or None when the connection broke.
    fn send(conn: &mut (BufReader<TcpStream>, TcpStream), req: &str) -> Option<(u16, String)> {
        conn.1.write_all(req.as_bytes()).ok()?;
        let mut line = String::new();
        conn.0.read_line(&mut line).ok()?;
        let status = line.split_whitespace().nth(1)?.parse().ok()?;
        let mut length = 0;
        loop {
            line.clear();
            if conn.0.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        conn.0.read_exact(&mut body).ok()?;
        Some((status, String::from_utf8_lossy(&body).into_owned()))
    }

    // Every connection is taken by the server (one answered request) before the load starts.
    let mut conns: Vec<_> = members
        .iter()
        .map(|_| {
            let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut c = (BufReader::new(s.try_clone().unwrap()), s);
            let health = send(&mut c, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assert_eq!(health.map(|h| h.0), Some(200));
            c
        })
        .collect();
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let go = std::sync::Barrier::new(members.len() + 1);
    let pid = child.id().to_string();
    let (answers, at_stop): (Vec<Option<(u16, String)>>, usize) = std::thread::scope(|s| {
        let handles: Vec<_> = conns
            .iter_mut()
            .zip(&members)
            .map(|(conn, (token, person))| {
                let body = format!("{{\"person_ids\": [\"{person}\"]}}");
                let req = format!(
                    "POST /api/v1/events/{event}/registrations HTTP/1.1\r\nHost: x\r\n\
                     Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let (go, answered) = (&go, &answered);
                s.spawn(move || {
                    go.wait();
                    let r = send(conn, &req);
                    answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    r
                })
            })
            .collect();
        go.wait();
        // The first answer means the server is busy with the rest: stop it now.
        while answered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_micros(200));
        }
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let at_stop = answered.load(std::sync::atomic::Ordering::SeqCst);
        let answers = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (answers, at_stop)
    });
    assert!(
        at_stop < members.len() / 2,
        "the stop landed while most requests were in flight ({at_stop} answered before)"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    let failed: Vec<_> = answers
        .iter()
        .filter(|a| a.as_ref().is_none_or(|(s, _)| *s != 201))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} requests in flight failed: {:?}",
        failed.len(),
        answers.len(),
        failed.first()
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        members.len() as i64,
        "every answered registration is stored"
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no new connections after the stop"
    );
}

/// Reads until the server closes the connection; what was read, or None when the connection
/// was still open after `within` (the server never closed it).
fn read_until_closed(s: &mut TcpStream, within: Duration) -> Option<String> {
    s.set_read_timeout(Some(within)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            Err(_) => return None,
        }
    }
}

/// One keep-alive GET on an open connection; the status, or None when the connection failed.
fn keep_alive_get(s: &mut TcpStream, path: &str) -> Option<u16> {
    use std::io::BufRead;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut r = std::io::BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let status = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0;
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some(status)
}

pub(crate) fn stop(mut child: std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// A client that sends half a request header and then nothing, or stays idle after an answer,
/// is disconnected once the header timeout has passed; trickling bytes does not extend it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_header_and_an_idle_connection_are_closed_after_the_header_timeout() {
    let t = crate::helpers::TestApp::spawn().await;
    let (child, port) = server(&t, &[("HTTP_HEADER_TIMEOUT_SECS", "1")]);

    let mut half = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let got = read_until_closed(&mut half, Duration::from_secs(20));
    assert_eq!(
        got.as_deref(),
        Some(""),
        "half a header: closed without an answer"
    );

    // A byte every 300 ms keeps arriving, but the header is never whole.
    let mut trickle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let mut closed = false;
    for b in b"GET /health HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if trickle.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        if started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    closed = closed || read_until_closed(&mut trickle, Duration::from_secs(20)).is_some();
    assert!(closed, "a trickled header kept the connection open");

    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(keep_alive_get(&mut idle, "/health"), Some(200));
    assert_eq!(
        read_until_closed(&mut idle, Duration::from_secs(20)).as_deref(),
        Some(""),
        "an idle keep-alive connection is closed"
    );

    // A whole request is still served.
    assert_eq!(http(port, "GET", "/health", "").map(|r| r.0), Some(200));
    stop(child);
}

/// A request whose body stops half-way is answered 408 once the body timeout has passed, and
/// its connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_body_is_answered_408_and_the_connection_closed() {
    let t = crate::helpers::TestApp::spawn().await;
    let (child, port) = server(&t, &[("HTTP_BODY_TIMEOUT_SECS", "1")]);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(
        b"POST /api/v1/auth/magic-link HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"email\": ",
    )
    .unwrap();
    let answer = read_until_closed(&mut s, Duration::from_secs(20))
        .expect("the server closed the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "nothing was done with half a request"
    );
    stop(child);
}

/// One client holds at most MAX_CONNECTIONS_PER_CLIENT connections: one more is answered 429
/// and closed, the others are served, and a closed one frees its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_holds_at_most_the_connection_cap() {
    let t = crate::helpers::TestApp::spawn().await;
    let (child, port) = server(&t, &[("MAX_CONNECTIONS_PER_CLIENT", "3")]);
    // Served connections, each known to be taken (the start-up's /ready polls may still be
    // closing for a moment, so a refused one is tried again).
    let open_one = || {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            if keep_alive_get(&mut s, "/health") == Some(200) {
                return s;
            }
            assert!(Instant::now() < deadline, "no connection was served");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut held: Vec<TcpStream> = (0..3).map(|_| open_one()).collect();
    let mut extra = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let refused = read_until_closed(&mut extra, Duration::from_secs(20))
        .expect("the connection over the cap is closed");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.contains("application/problem+json"), "{refused}");
    for s in &mut held {
        assert_eq!(
            keep_alive_get(s, "/health"),
            Some(200),
            "the others are served"
        );
    }
    drop(held.pop());
    // The server notices the close when it reads it; a new connection gets the place then.
    held.push(open_one());
    stop(child);
}

/// The server logging everything it can (RUST_LOG=trace, sqlx included) while a member signs
/// up, opens the verification page, confirms, reads a personal calendar and opens an unsubscribe
/// page, and the other pages are opened with tokens: none of the secrets appears anywhere in its
/// output, while the redacted forms of those addresses do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log_even_at_trace_level() {
    let t = crate::helpers::TestApp::spawn().await;
    let log = t.dir.path().join("server.log");
    let file = std::fs::File::create(&log).unwrap();
    let (child, port) = server_with(
        &t,
        &[("RUST_LOG", "trace,sqlx=trace")],
        Stdio::from(file.try_clone().unwrap()),
        Stdio::from(file),
    );
    let body_of = |raw: &str| {
        raw.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap()
    };

    let (status, _) = http(
        port,
        "POST",
        "/api/v1/members",
        r#"{"email":"ana@example.org","first_name":"Ana","last_name":"Silva","language":"en",
            "consent":{"privacy_policy":true}}"#,
    )
    .unwrap();
    assert_eq!(status, 202);
    let verify = t.next_mail_to("ana@example.org").await.token();
    assert_eq!(
        http(port, "GET", &format!("/verify?token={verify}"), "")
            .unwrap()
            .0,
        200
    );
    let (status, raw) = http(
        port,
        "POST",
        "/api/v1/members/verify",
        &format!(r#"{{"token":"{verify}","consent":{{"privacy_policy":true,"newsletter":true}}}}"#),
    )
    .unwrap();
    assert_eq!(status, 200, "{raw}");
    let session: serde_json::Value = serde_json::from_str(&body_of(&raw)).unwrap();
    let session = session["session_token"].as_str().unwrap().to_owned();

    let (status, body) = post_as(port, "/api/v1/me/calendar-token", &session, "").unwrap();
    assert_eq!(status, 200, "{body}");
    let address: serde_json::Value = serde_json::from_str(&body).unwrap();
    let address = address["url"].as_str().unwrap();
    let path = &address[address.find("/calendar/").unwrap()..];
    let calendar_secret = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_owned();
    let (status, feed) = http(port, "GET", path, "").unwrap();
    assert_eq!(status, 200, "{feed}");

    let (key,): (String,) = sqlx::query_as("SELECT unsubscribe_key FROM subscriptions")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(
        http(port, "GET", &format!("/unsubscribe/{key}"), "")
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        http(port, "GET", &format!("/unsubscribe/{key}%00"), "")
            .unwrap()
            .0,
        422
    );
    let made_up = [
        "SignInSecretToken123",
        "InvitationSecretToken456",
        "ConfirmSecretToken789",
        "UnknownCalendarSecret0",
    ];
    for (path, status) in [
        (format!("/sign-in?token={}", made_up[0]), 200),
        (format!("/invitation?token={}", made_up[1]), 200),
        (format!("/newsletter/confirm?token={}", made_up[2]), 200),
        (format!("/calendar/{}.ics", made_up[3]), 404),
    ] {
        assert_eq!(http(port, "GET", &path, "").unwrap().0, status, "{path}");
    }
    stop(child);

    let text = std::fs::read_to_string(&log).unwrap();
    // Nothing in the stack logs at TRACE today; sqlx's statements at DEBUG show the filter
    // let everything through.
    assert!(
        text.contains("DEBUG") && text.contains("db.statement"),
        "the log is verbose"
    );
    for secret in [&verify, &calendar_secret, &key, &session]
        .into_iter()
        .map(String::as_str)
        .chain(made_up)
    {
        assert!(!text.contains(secret), "a secret in the log: {secret}");
    }
    for shown in [
        "/calendar/[redacted].ics",
        "/unsubscribe/[redacted]",
        "/verify?token=[redacted]",
        "/sign-in?token=[redacted]",
        "/invitation?token=[redacted]",
        "/newsletter/confirm?token=[redacted]",
    ] {
        assert!(text.contains(shown), "{shown} is not in the log");
    }
}
