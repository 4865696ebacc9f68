//! `backup` and `restore` with the real binary, as an operator runs them: a backup taken while
//! registrations keep coming in, restored into a new data folder that a server then serves.
//!
//! SQLite only: under `TEST_DATABASE_URL=postgres://…` the test asserts instead that both
//! commands refuse with a message pointing to `pg_dump` / `pg_restore`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use limburgers_worldwide::db::Backend;
use limburgers_worldwide::values::Role;
use sqlx::Connection as _;

use crate::helpers::TestApp;

pub(crate) use crate::binary::{free_port, request as http};

/// The binary with a clean environment, run in `dir`, with these settings.
pub fn binary(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NEWSLETTER_CRON", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `serve` on a free port, once `/ready` answers.
pub fn serve(dir: &Path, env: &[(&str, &str)]) -> (Child, u16) {
    let port = free_port();
    let child = binary(dir, env)
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http(port, "GET", "/ready", None, "").map(|r| r.0) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// SIGTERM, and the clean exit it leads to.
pub fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(
        child.wait().unwrap().success(),
        "the server stopped cleanly"
    );
}

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    binary(dir, env).args(args).output().unwrap()
}

#[track_caller]
fn refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should be refused: {err}");
    assert!(err.contains(says), "{says:?} is not in: {err}");
}

/// A port nothing listens on: mail stays in the outbox, unsent, as when the SMTP server is down.
fn dead_smtp() -> String {
    format!("smtp://127.0.0.1:{}", free_port())
}

fn eml_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Registrations keep being answered while `backup` runs; the backup, restored into a new data
/// folder and served from there, holds every registration confirmed before it began, every mail
/// not yet delivered (outbox rows and the mail folder's files); a restore is refused while a
/// server runs on its target, over an existing database without --force, and from a backup that
/// is not whole or is newer than the program.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_registrations_restores_all_that_was_confirmed_before_it() {
    let mut t = TestApp::spawn().await;
    let root = t.dir.path().to_owned();
    let database_url = t.app.config.database_url.clone();
    let url = database_url.as_str();
    if t.app.db.backend == Backend::Postgres {
        let env = [("DATABASE_URL", url)];
        refused(&run(&root, &env, &["backup", "b"]), "pg_dump -Fc");
        refused(&run(&root, &env, &["restore", "b"]), "pg_restore");
        assert!(!root.join("b").exists());
        return;
    }
    let data = root.join("data");
    let data_dir = data.display().to_string();
    let data_dir = data_dir.as_str();
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let mut events = Vec::new();
    for i in 0..6 {
        let e = t
            .event(
                &staff,
                serde_json::json!({"title": format!("Evening {i}"), "capacity": 1000}),
            )
            .await;
        events.push(e["id"].as_str().unwrap().to_owned());
    }
    let mut members = Vec::new();
    for i in 0..40 {
        members.push(t.quick_member(&format!("guest{i}@example.org")).await);
    }
    // From here only the binaries deliver mail.
    t.stop_worker().await;

    // Without SMTP a mail is written to the mail folder, as on a newcomer's machine.
    let (first, port) = serve(&root, &[("DATABASE_URL", url), ("DATA_DIR", data_dir)]);
    let (status, _) = http(
        port,
        "POST",
        "/api/v1/members",
        None,
        r#"{"email":"ana@example.org","first_name":"Ana","last_name":"Silva","language":"en","consent":{"privacy_policy":true}}"#,
    )
    .unwrap();
    assert_eq!(status, 202);
    let started = Instant::now();
    while eml_files(&data.join("outbox")).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no mail in the folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(first);
    let files_before = eml_files(&data.join("outbox"));

    // With the SMTP server down, the registrations' confirmations wait in the outbox.
    let smtp = dead_smtp();
    let (server, port) = serve(
        &root,
        &[
            ("DATABASE_URL", url),
            ("DATA_DIR", data_dir),
            ("SMTP_URL", smtp.as_str()),
            ("MAX_CONNECTIONS_PER_CLIENT", "0"),
        ],
    );
    let answers: Mutex<Vec<(Instant, u16, String)>> = Mutex::default();
    let pairs: Vec<(&(String, String), &String)> = events
        .iter()
        .flat_map(|e| members.iter().map(move |m| (m, e)))
        .collect();
    let backup = root.join("backup-1");
    let (unsent_before, began, ended, out) = std::thread::scope(|s| {
        for chunk in pairs.chunks(pairs.len().div_ceil(4)) {
            let answers = &answers;
            s.spawn(move || {
                for ((token, person), event) in chunk {
                    let r = http(
                        port,
                        "POST",
                        &format!("/api/v1/events/{event}/registrations"),
                        Some(token),
                        &format!(r#"{{"person_ids": ["{person}"]}}"#),
                    );
                    let (status, body) = r.unwrap_or((0, String::new()));
                    answers.lock().unwrap().push((Instant::now(), status, body));
                }
            });
        }
        // The backup starts once the rush is well under way.
        let deadline = Instant::now() + Duration::from_secs(30);
        while answers.lock().unwrap().len() < 40 {
            assert!(Instant::now() < deadline, "the registrations did not start");
            std::thread::sleep(Duration::from_millis(1));
        }
        // Every mail so far is undelivered (the SMTP server is down), and stays so: all of it
        // must be in the backup.
        let unsent: Vec<(String,)> = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(
                sqlx::query_as("SELECT id FROM outbox WHERE status IN ('pending', 'sending')")
                    .fetch_all(&t.app.db.read),
            )
        })
        .unwrap();
        let began = Instant::now();
        let out = run(
            &root,
            &[("DATABASE_URL", url), ("DATA_DIR", data_dir)],
            &["backup", backup.to_str().unwrap()],
        );
        (unsent, began, Instant::now(), out)
    });
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers = answers.into_inner().unwrap();
    assert!(
        answers.iter().all(|(_, status, _)| *status == 201),
        "every registration was answered, the backup notwithstanding: {:?}",
        answers
            .iter()
            .filter(|a| a.1 != 201)
            .take(3)
            .collect::<Vec<_>>()
    );
    let during = answers
        .iter()
        .filter(|(at, _, _)| *at > began && *at < ended)
        .count();
    println!(
        "{during} registrations were answered while the backup ran ({:?})",
        ended - began
    );
    let confirmed_before: Vec<String> = answers
        .iter()
        .filter(|(at, _, _)| *at < began)
        .filter_map(|(_, _, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .filter(|r| r["status"] == "confirmed")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(confirmed_before.len() >= 40, "{}", confirmed_before.len());
    stop(server);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["schema_version"],
        limburgers_worldwide::db::schema_version()
    );
    assert_eq!(manifest["mail_files"], files_before.len());
    refused(
        &run(
            &root,
            &[("DATABASE_URL", url)],
            &["backup", backup.to_str().unwrap()],
        ),
        "already exists",
    );

    // Restored into a new data folder, then served from there.
    let restored = root.join("restored");
    let restored_dir = restored.display().to_string();
    let env = [("DATA_DIR", restored_dir.as_str())];
    let out = run(&root, &env, &["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        eml_files(&restored.join("outbox")),
        files_before,
        "the mail folder's files are back"
    );
    assert_eq!(
        std::fs::read(restored.join("door-link.key")).unwrap(),
        std::fs::read(data.join("door-link.key")).expect("the confirmations made the key"),
        "the door QR codes already mailed still open the door"
    );
    let smtp = dead_smtp();
    let (server, port) = serve(
        &root,
        &[
            ("DATA_DIR", restored_dir.as_str()),
            ("SMTP_URL", smtp.as_str()),
        ],
    );
    assert_eq!(http(port, "GET", "/ready", None, "").unwrap().0, 200);
    let db = restored.join("limburgers.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for id in &confirmed_before {
        let (status,): (String,) = sqlx::query_as("SELECT status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .expect("a registration confirmed before the backup is restored");
        assert_eq!(status, "confirmed");
    }
    for (id,) in &unsent_before {
        let (status,): (String,) = sqlx::query_as("SELECT status FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .expect("a mail not yet delivered at the backup is restored");
        assert_ne!(status, "sent", "and it is still to be sent");
    }
    assert!(unsent_before.len() >= 40, "{}", unsent_before.len());
    conn.close().await.unwrap();

    // Never under a running server, even with --force.
    refused(
        &run(
            &root,
            &env,
            &["restore", "--force", backup.to_str().unwrap()],
        ),
        "in use by a running server",
    );
    assert_eq!(http(port, "GET", "/ready", None, "").unwrap().0, 200);
    stop(server);

    refused(
        &run(&root, &env, &["restore", backup.to_str().unwrap()]),
        "pass --force",
    );
    // A backup the program cannot read is refused before anything is touched.
    let newer = root.join("newer");
    std::fs::create_dir(&newer).unwrap();
    for f in ["manifest.json", "limburgers.sqlite"] {
        std::fs::copy(backup.join(f), newer.join(f)).unwrap();
    }
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        newer.join("limburgers.sqlite").display()
    ))
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (999999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    refused(
        &run(
            &root,
            &env,
            &["restore", "--force", newer.to_str().unwrap()],
        ),
        "newer than this program",
    );
    let damaged = root.join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    std::fs::copy(backup.join("manifest.json"), damaged.join("manifest.json")).unwrap();
    let mut bytes = std::fs::read(backup.join("limburgers.sqlite")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 8192].fill(0x5a);
    std::fs::write(damaged.join("limburgers.sqlite"), bytes).unwrap();
    let out = run(
        &root,
        &env,
        &["restore", "--force", damaged.to_str().unwrap()],
    );
    assert!(!out.status.success(), "a damaged backup is refused");
    std::fs::remove_file(newer.join("manifest.json")).unwrap();
    refused(
        &run(
            &root,
            &env,
            &["restore", "--force", newer.to_str().unwrap()],
        ),
        "has no manifest.json",
    );

    // After all those refusals the restored database is whole and still the backup's; --force
    // replaces it.
    let out = run(
        &root,
        &env,
        &["restore", "--force", backup.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "restore --force: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (server, port) = serve(
        &root,
        &[
            ("DATA_DIR", restored_dir.as_str()),
            ("SMTP_URL", smtp.as_str()),
        ],
    );
    let (status, body) = http(
        port,
        "GET",
        &format!("/api/v1/events/{}", events[0]),
        Some(&staff),
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    stop(server);
}

/// Reads a child's stderr line by line into a shared buffer (so a test can wait for a line and
/// still get the rest once the child exits).
pub fn collect_lines(child: &mut Child) -> std::sync::Arc<Mutex<Vec<String>>> {
    let lines = std::sync::Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            match line {
                Ok(l) => sink.lock().unwrap().push(l),
                Err(_) => break,
            }
        }
    });
    lines
}
