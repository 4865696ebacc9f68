//! Several instances on one PostgreSQL, as `docs/deployment.md` describes them: two separate
//! server processes (the real binary) behind no balancer, requests spread over both. Seats are
//! never oversold and the waitlist keeps its order, a newsletter reaches each recipient once,
//! each scheduled job runs once per period, and a write through one is seen at once through
//! the other's caches.
//!
//! Several instances are a PostgreSQL deployment (SQLite serves one machine): on the SQLite run
//! of the suite these tests say so on stderr and return; the PostgreSQL run of CI runs them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use limburgers_worldwide::db::Backend;
use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::binary::{request, rush, rush_members, server, server_with, stop};
use crate::helpers::TestApp;

/// The suite's app on PostgreSQL, or None (with a line saying why) on SQLite.
async fn on_postgres() -> Option<TestApp> {
    let t = TestApp::spawn().await;
    if t.app.db.backend == Backend::Postgres {
        Some(t)
    } else {
        eprintln!("several instances need PostgreSQL: run with TEST_DATABASE_URL (CI does)");
        None
    }
}

fn json_of(answer: &Option<(u16, String)>) -> Value {
    answer
        .as_ref()
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_fill_a_hot_event_exactly_and_keep_the_waitlist_in_order() {
    let Some(t) = on_postgres().await else { return };
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let capacity = 30;
    let event = t.event(&staff, json!({"capacity": capacity})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = rush_members(&t, 120).await;
    let (a, pa) = server(&t, &[]);
    let (b, pb) = server(&t, &[]);
    let answers = rush(
        &[pa, pb],
        &event,
        &members,
        &std::sync::atomic::AtomicUsize::new(0),
    );
    assert!(
        answers
            .iter()
            .all(|a| a.as_ref().is_some_and(|(s, _)| *s == 201)),
        "both serve every request"
    );
    let confirmed = t
        .count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
        .await;
    assert_eq!(
        confirmed, capacity,
        "not one seat oversold, none left empty"
    );

    // What each client was told of its place is its place in the one queue both keep.
    let queue: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM registrations WHERE status = 'waitlisted' ORDER BY queued_at, id",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert_eq!(queue.len(), 120 - capacity as usize);
    let mut told: Vec<(i64, String)> = answers
        .iter()
        .map(json_of)
        .filter(|r| r["status"] == "waitlisted")
        .map(|r| {
            (
                r["position"].as_i64().unwrap(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    told.sort();
    let expected: Vec<(i64, String)> = queue
        .iter()
        .enumerate()
        .map(|(i, (id,))| (i as i64 + 1, id.clone()))
        .collect();
    assert_eq!(told, expected, "positions 1…n, first come first served");

    // Five confirmed households cancel, through either process: the first five waiting move up.
    let cancelling: Vec<(String, String)> = answers
        .iter()
        .zip(&members)
        .filter_map(|(a, (token, _))| {
            let r = json_of(a);
            (r["status"] == "confirmed")
                .then(|| (token.clone(), r["id"].as_str().unwrap().to_owned()))
        })
        .take(5)
        .collect();
    for (i, (token, id)) in cancelling.iter().enumerate() {
        let port = if i % 2 == 0 { pa } else { pb };
        let path = format!("/api/v1/events/{event}/registrations/{id}");
        let answer = request(port, "DELETE", &path, Some(token), "");
        assert!(answer.as_ref().is_some_and(|(s, _)| *s < 300), "{answer:?}");
    }
    for (id,) in &queue[..5] {
        let status: (String,) = sqlx::query_as("SELECT status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
        assert_eq!(status.0, "confirmed", "promoted in queue order");
    }
    for (id,) in &queue[5..] {
        let status: (String,) = sqlx::query_as("SELECT status FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
        assert_eq!(status.0, "waitlisted");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        capacity
    );
    stop(a);
    stop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_newsletter_sent_by_two_processes_reaches_each_recipient_once() {
    use limburgers_worldwide::newsletter::issues::{self, Draft};
    let Some(mut t) = on_postgres().await else {
        return;
    };
    // Only the two processes send: the test's own app stays out of it.
    t.stop_worker().await;
    let n = 150;
    for i in 0..n {
        let (_, id) = t.quick_member(&format!("n{i}@example.org")).await;
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
    let settings = [
        ("MAIL_RATE_PER_SECOND", "0"),
        ("MAIL_CONCURRENCY", "4"),
        ("MAIL_POLL_MS", "20"),
    ];
    let (a, _) = server(&t, &settings);
    let (b, _) = server(&t, &settings);
    let text = |s: &str| [("en".to_owned(), s.to_owned())].into_iter().collect();
    let issue = issues::create(
        &t.app,
        "test",
        Draft {
            subject: text("Two senders"),
            body: text("Hello"),
            segment: "community",
            filters: Default::default(),
            upcoming_events_days: None,
        },
    )
    .await
    .unwrap();
    issues::send_now(&t.app, "test", &issue.id).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open = t
            .count("SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')")
            .await;
        if open == 0 && t.smtp.received().len() >= n {
            break;
        }
        assert!(Instant::now() < deadline, "not sent ({open} left)");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(a);
    stop(b);
    let mut per_address: std::collections::HashMap<String, usize> = Default::default();
    for m in t.smtp.received() {
        *per_address.entry(m.to[0].clone()).or_default() += 1;
    }
    assert_eq!(per_address.len(), n, "every subscriber got the issue");
    assert!(
        per_address.values().all(|c| *c == 1),
        "nobody got it twice: {:?}",
        per_address
            .iter()
            .filter(|(_, c)| **c > 1)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
            .await,
        n as i64
    );
}

/// The digest job every two seconds on both processes: each scheduled time is run by exactly
/// one of them (the other logs that it left it), and `job_runs` records each run once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scheduled_job_runs_once_per_period_across_two_processes() {
    let Some(t) = on_postgres().await else { return };
    let logs = tempfile::tempdir().unwrap();
    let start = |name: &str| {
        let path = logs.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        let (child, _) = server_with(
            &t,
            &[
                ("NEWSLETTER_CRON", "*/2 * * * * *"),
                ("RUST_LOG", "info,limburgers_worldwide::jobs=debug"),
            ],
            Stdio::null(),
            Stdio::from(file),
        );
        (child, path)
    };
    let (a, log_a) = start("a.log");
    let (b, log_b) = start("b.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = t
            .count("SELECT COUNT(*) FROM job_runs WHERE job = 'newsletter-digest' AND outcome = 'done'")
            .await;
        if done >= 4 {
            break;
        }
        assert!(Instant::now() < deadline, "{done} runs in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(a);
    stop(b);

    // `scheduled_at=…` of the digest's lines with `message` in them, per log.
    let times = |path: &std::path::Path, message: &str| -> Vec<i64> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.contains(message) && l.contains("newsletter-digest"))
            .filter_map(|l| {
                let (_, rest) = l.split_once("scheduled_at=")?;
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    };
    let mut ran: Vec<i64> = times(&log_a, "job done");
    ran.extend(times(&log_b, "job done"));
    let mut unique = ran.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        ran.len(),
        unique.len(),
        "a scheduled time ran twice: {ran:?}"
    );
    let recorded: Vec<(i64,)> = sqlx::query_as(
        "SELECT scheduled_at FROM job_runs WHERE job = 'newsletter-digest' AND outcome = 'done' ORDER BY scheduled_at",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    let recorded: Vec<i64> = recorded.into_iter().map(|(s,)| s).collect();
    assert_eq!(unique, recorded, "every run is recorded once");
    // Both fired for the same times: the claim, not luck, kept it to one.
    let mut left: Vec<i64> = times(&log_a, "another instance runs this one");
    left.extend(times(&log_b, "another instance runs this one"));
    assert!(
        left.iter().any(|at| recorded.contains(at)),
        "no time was contended: ran {ran:?}, left {left:?}"
    );
}

/// What one process changes, the other shows on its next read: the API's event list and an
/// event's seats, and the member site's cached public page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_process_is_seen_at_once_through_the_other() {
    let Some(t) = on_postgres().await else { return };
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event = t.event(&staff, json!({"capacity": 10})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (member, person) = t.quick_member("seen@example.org").await;
    let (a, pa) = server(&t, &[]);
    let (b, pb) = server(&t, &[]);
    let read_b = |path: &str| {
        // Twice: the second answer comes from B's cache if it kept one.
        request(pb, "GET", path, None, "");
        request(pb, "GET", path, None, "").unwrap()
    };
    let list = read_b("/api/v1/events");
    assert!(list.1.contains(&event), "{list:?}");
    let page = read_b(&format!("/events/{event}"));
    assert_eq!(page.0, 200);

    let patched = request(
        pa,
        "PATCH",
        &format!("/api/v1/events/{event}"),
        Some(&staff),
        &json!({"title": "Renamed through A"}).to_string(),
    );
    assert!(
        patched.as_ref().is_some_and(|(s, _)| *s == 200),
        "{patched:?}"
    );
    assert!(read_b("/api/v1/events").1.contains("Renamed through A"));
    assert!(
        read_b(&format!("/events/{event}"))
            .1
            .contains("Renamed through A")
    );

    let seats = |answer: (u16, String)| {
        serde_json::from_str::<Value>(&answer.1).unwrap()["seats_left"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(seats(read_b(&format!("/api/v1/events/{event}"))), 10);
    let registered = request(
        pa,
        "POST",
        &format!("/api/v1/events/{event}/registrations"),
        Some(&member),
        &json!({"person_ids": [person]}).to_string(),
    );
    assert!(registered.as_ref().is_some_and(|(s, _)| *s == 201));
    assert_eq!(seats(read_b(&format!("/api/v1/events/{event}"))), 9);
    stop(a);
    stop(b);
}

/// The digest run by hand (`jobs run`, which claims nothing) on two processes at once still
/// builds one issue: the job's own work is idempotent too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_run_by_hand_on_two_processes_at_once_builds_one_issue() {
    let Some(t) = on_postgres().await else { return };
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let soon = chrono::Local::now().date_naive() + chrono::Duration::days(3);
    t.event(
        &staff,
        json!({"starts_at": format!("{soon}T10:00:00"), "ends_at": format!("{soon}T11:00:00")}),
    )
    .await;
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
            .current_dir(t.dir.path())
            .env("DATABASE_URL", &t.app.config.database_url)
            .args(["jobs", "run", "newsletter-digest"])
            .output()
    };
    let (x, y) = std::thread::scope(|s| {
        let x = s.spawn(run);
        let y = s.spawn(run);
        (x.join().unwrap().unwrap(), y.join().unwrap().unwrap())
    });
    assert!(x.status.success() && y.status.success());
    assert_eq!(
        t.count("SELECT COUNT(*) FROM newsletters WHERE kind = 'digest' AND segment = 'community'")
            .await,
        1
    );
}
