use std::time::Duration;

use limburgers_worldwide::mail::{self, Mail};
use limburgers_worldwide::values::{EmailAddress, Language};
use serde_json::json;

use crate::helpers::TestApp;
use crate::smtp::{Mode, SmtpReceiver};

/// The one mail in the outbox, once the request that causes it has been carried out.
async fn outbox_row(t: &TestApp) -> (String, i64, Option<String>, String) {
    t.requests_done().await;
    sqlx::query_as("SELECT status, attempts, last_error, message_id FROM outbox")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap()
}

async fn wait_until<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_until_the_mail_is_accepted_once() {
    let t = TestApp::spawn().await;
    t.smtp.set_mode(Mode::TempFail);
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    wait_until(|| async { outbox_row(&t).await.1 >= 2 }).await;
    let (status, _, error, message_id) = outbox_row(&t).await;
    assert!(status == "pending" || status == "sending");
    assert!(error.unwrap_or_default().contains("451"));
    assert!(t.smtp.received().is_empty());

    t.smtp.set_mode(Mode::Accept);
    let mail = t.next_mail_to("ana@example.org").await;
    t.outbox_settled().await;
    assert_eq!(outbox_row(&t).await.0, "sent");
    assert_eq!(
        format!("<{}>", mail.message_id),
        message_id,
        "the Message-ID is the stored one"
    );
    assert_eq!(t.smtp.received().len(), 1, "delivered once");
}

#[tokio::test]
async fn a_permanent_refusal_marks_the_mail_failed_with_the_reason() {
    let t = TestApp::spawn().await;
    t.smtp.set_mode(Mode::PermFail);
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    wait_until(|| async { outbox_row(&t).await.0 == "failed" }).await;
    let (_, attempts, error, _) = outbox_row(&t).await;
    assert_eq!(attempts, 1, "a permanent refusal is not retried");
    assert!(error.unwrap_or_default().contains("550"));
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = TestApp::spawn_with(|s| {
        s.insert("SMTP_URL", format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    wait_until(|| async { outbox_row(&t).await.1 >= 2 }).await;
    assert_ne!(outbox_row(&t).await.0, "failed");

    let back = SmtpReceiver::start_on(port).await;
    let got = back.wait_for(1).await;
    assert_eq!(got[0].to, ["ana@example.org"]);
    t.outbox_settled().await;
    assert_eq!(outbox_row(&t).await.0, "sent");
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_files_in_the_data_folder() {
    let t = TestApp::spawn_with(|s| {
        s.remove("SMTP_URL");
    })
    .await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    t.outbox_settled().await;
    let dir = t.dir.path().join("data").join("outbox");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let content = std::fs::read_to_string(&files[0]).unwrap();
    assert!(content.contains("To: ana@example.org"), "{content}");
    assert!(content.contains("/verify?token="));
}

#[tokio::test]
async fn the_same_idempotency_key_is_written_once() {
    let t = TestApp::spawn().await;
    let to = EmailAddress::parse("ana@example.org").unwrap();
    for _ in 0..2 {
        let mut tx = t.app.db.begin().await.unwrap();
        mail::enqueue(
            &mut tx,
            &t.app.templates,
            &t.app.config,
            Mail {
                kind: "magic_link",
                to: &to,
                language: Language::De,
                account_id: None,
                context: json!({"first_name": "Ana", "link": "http://x/sign-in?token=abc", "valid_minutes": 15}),
                idempotency_key: "test:once".into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    t.outbox_settled().await;
    assert_eq!(t.count("SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(t.smtp.received().len(), 1);
}

#[tokio::test]
async fn a_mail_in_a_rolled_back_transaction_is_never_sent() {
    let t = TestApp::spawn().await;
    let to = EmailAddress::parse("ana@example.org").unwrap();
    let mut tx = t.app.db.begin().await.unwrap();
    mail::enqueue(
        &mut tx,
        &t.app.templates,
        &t.app.config,
        Mail {
            kind: "magic_link",
            to: &to,
            language: Language::En,
            account_id: None,
            context: json!({"first_name": "Ana", "link": "http://x", "valid_minutes": 15}),
            idempotency_key: "test:rollback".into(),
        },
    )
    .await
    .unwrap();
    drop(tx);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(t.smtp.received().is_empty());
}

#[tokio::test]
async fn mail_is_multipart_in_the_member_language() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        json!({"email": "lea@example.org", "first_name": "Léa", "last_name": "Dubois", "language": "fr",
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("lea@example.org").await;
    assert!(mail.raw.contains("multipart/alternative"), "{}", mail.raw);
    assert!(mail.text.contains("Léa"), "{}", mail.text);
    assert!(mail.html.contains("lang=\"fr\""));
    let english = t
        .app
        .templates
        .render(
            "verification",
            Language::En,
            &json!({"first_name": "Léa", "link": "x", "valid_hours": 48, "base_url": "x"}),
        )
        .unwrap();
    assert_ne!(mail.subject, english.subject, "French, not English");
}

#[tokio::test]
async fn a_stopped_worker_leaves_mail_in_the_outbox_for_the_next_start() {
    let mut t = TestApp::spawn().await;
    t.stop_worker().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(t.smtp.received().is_empty());
    assert_eq!(outbox_row(&t).await.0, "pending");
    // The next worker (a restart) delivers it.
    let worker =
        limburgers_worldwide::mail::worker::Worker::new(t.app.db.clone(), &t.app.config).unwrap();
    assert_eq!(worker.deliver_due(None).await.unwrap(), 1);
    let mail = t.next_mail_to("ana@example.org").await;
    assert_eq!(mail.to, ["ana@example.org"]);
    assert_eq!(t.mails_to("ana@example.org").len(), 1);
}

#[tokio::test]
async fn a_backlog_and_a_dead_workers_expired_claim_are_all_delivered_once() {
    let mut t = TestApp::spawn().await;
    t.stop_worker().await;
    for i in 0..45 {
        t.sign_up(&format!("m{i:02}@example.org"), "Ana", "Silva")
            .await
            .assert(202);
    }
    t.requests_done().await;
    // Mail of the first sign-up claimed by a worker that died: its lease ran out long ago.
    let (dead,): (String,) =
        sqlx::query_as("SELECT id FROM outbox WHERE recipient = 'm00@example.org'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE outbox SET status = 'sending', attempts = 1, lease_until = 1 WHERE id = $1",
    )
    .bind(&dead)
    .execute(t.app.db.writer())
    .await
    .unwrap();
    let worker =
        limburgers_worldwide::mail::worker::Worker::new(t.app.db.clone(), &t.app.config).unwrap();
    let mut claims = Vec::new();
    loop {
        let n = worker.deliver_due(None).await.unwrap();
        if n == 0 {
            break;
        }
        claims.push(n);
    }
    assert_eq!(claims.iter().sum::<usize>(), 45, "{claims:?}");
    assert_eq!(
        claims[0], 21,
        "a batch of due mail and the expired lease: {claims:?}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        45
    );
    for i in 0..45 {
        assert_eq!(
            t.mails_to(&format!("m{i:02}@example.org")).len(),
            1,
            "m{i:02}"
        );
    }
    let (attempts,): (i64,) = sqlx::query_as("SELECT attempts FROM outbox WHERE id = $1")
        .bind(&dead)
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(attempts, 2, "the abandoned claim counts as an attempt");
}

/// PostgreSQL only: the outbox's bodies are stored compressed with lz4, set at start-up (the
/// portable migrations cannot say it), and a second start leaves it so.
#[tokio::test]
async fn outbox_bodies_are_compressed_with_lz4_on_postgresql() {
    let mut t = TestApp::spawn().await;
    if t.app.db.backend != limburgers_worldwide::db::Backend::Postgres {
        return;
    }
    let settings = || async {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT attname::text, attcompression::text FROM pg_attribute \
             WHERE attrelid = 'outbox'::regclass \
             AND attname IN ('body_text', 'body_html', 'attachments') ORDER BY attname",
        )
        .fetch_all(&t.app.db.read)
        .await
        .unwrap();
        rows
    };
    let expected: Vec<(String, String)> = ["attachments", "body_html", "body_text"]
        .iter()
        .map(|c| (c.to_string(), "l".to_string()))
        .collect();
    assert_eq!(settings().await, expected);
    t.app.db.migrate().await.unwrap();
    assert_eq!(settings().await, expected, "a second start changes nothing");

    // Unsent: delivered mail keeps no body.
    t.stop_worker().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    t.requests_done().await;
    let (method,): (Option<String>,) =
        sqlx::query_as("SELECT pg_column_compression(body_html)::text FROM outbox")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(method.as_deref(), Some("lz4"));
}

/// A mail about an event leads to the website: the event's page ("More info"), the member's
/// registrations (to cancel or change) and, in every footer, the account and privacy policy;
/// in the member's language, the words from the same catalogs as the pages.
#[tokio::test]
async fn a_confirmation_links_to_the_event_page_and_the_registrations() {
    use crate::helpers::BASE_URL;
    use limburgers_worldwide::values::Role;
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.patch("/api/v1/me", json!({"language": "nl"}), Some(&ana))
        .await
        .assert(200);
    let event = t.event(&staff, json!({"capacity": 10})).await;
    let event_id = event["id"].as_str().unwrap();
    let me = t.household(&ana).await["people"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.register(&ana, event_id, &[&me]).await.assert(201);
    let mail = t.next_mail_to("ana@example.org").await;
    for line in [
        format!("Meer info: {BASE_URL}/events/{event_id}"),
        format!("Je inschrijvingen: {BASE_URL}/registrations"),
        format!("Je account: {BASE_URL}/me"),
        format!("Privacybeleid: {BASE_URL}/privacy-policy"),
    ] {
        // A line of its own (the mail's lines end in CRLF).
        assert!(
            mail.text.lines().any(|l| l.trim_end() == line),
            "{line:?} in {}",
            mail.text
        );
    }
    let escaped = |s: &str| s.replace('/', "&#x2f;");
    assert!(
        mail.html
            .contains(&escaped(&format!("{BASE_URL}/events/{event_id}"))),
        "{}",
        mail.html
    );
    assert!(
        mail.html.contains(">Je inschrijvingen</a>"),
        "{}",
        mail.html
    );
}
