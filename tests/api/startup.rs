//! What `serve` says when it starts: the settings in force on one line (passwords hidden),
//! then the address it serves; nothing else of the stack's chatter.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::backup::{binary, collect_lines, free_port, http};
use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_with_one_settings_line_and_no_password_or_noise() {
    let t = TestApp::spawn().await;
    let smtp_secret = "SmtpSecret4711";
    let db_secret = "DbSecret4711";
    let mut database_url = t.app.config.database_url.clone();
    if let Some(rest) = database_url.strip_prefix("postgres://postgres@") {
        // Trust authentication ignores the password, but the server is given one to hide.
        database_url = format!("postgres://postgres:{db_secret}@{rest}");
    }
    let port = free_port();
    // An SMTP server that is not there: its password must not show, its mail can wait.
    let smtp = format!("smtp://mailer:{smtp_secret}@127.0.0.1:{}", free_port());
    let listen = format!("127.0.0.1:{port}");
    let mut child = binary(t.dir.path(), &[])
        .env("DATABASE_URL", &database_url)
        .env("SMTP_URL", &smtp)
        .env("LISTEN", &listen)
        .env("TRUSTED_PROXIES", "10.0.0.0/8")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = collect_lines(&mut child);
    let started = Instant::now();
    while !lines.lock().unwrap().iter().any(|l| l.contains("serving")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no serving line: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The scheduler and the HTTP server start after that line: let them, then stop.
    while http(port, "GET", "/ready", None, "").map(|r| r.0) != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(30), "not ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::backup::stop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lines.lock().unwrap().iter().any(|l| l.contains("stopped")) {
        assert!(Instant::now() < deadline, "{:?}", lines.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    let lines = lines.lock().unwrap().clone();
    let text = lines.join("\n");

    let settings: Vec<&String> = lines.iter().filter(|l| l.contains("settings=")).collect();
    assert_eq!(settings.len(), 1, "one settings line: {text}");
    let settings = settings[0];
    for shown in [
        "smtp_url: Some(\"smtp://mailer:***@127.0.0.1:",
        &format!("listen: {listen}"),
        "trusted_proxies: \"10.0.0.0/8\"",
        "max_connections_per_client: 128",
    ] {
        assert!(settings.contains(shown), "{shown} is not in: {settings}");
    }
    let serving = lines.iter().position(|l| l.contains("serving")).unwrap();
    assert!(
        lines[serving].contains(&format!("address={listen}")),
        "{}",
        lines[serving]
    );
    assert!(
        lines.iter().position(|l| l.contains("settings=")).unwrap() < serving,
        "the settings come first: {text}"
    );
    for secret in [smtp_secret, db_secret] {
        assert!(!text.contains(secret), "a password in the log: {text}");
    }
    for noise in ["Job creator", "Uninited", "server started"] {
        assert!(!text.contains(noise), "{noise:?} in: {text}");
    }
    // Up to serving: the settings, and at most the one-time install of a fresh database.
    let said: Vec<&String> = lines[..serving]
        .iter()
        .filter(|l| !l.contains("installed the figures' tallies"))
        .collect();
    assert_eq!(said.len(), 1, "only the settings before serving: {text}");
}
