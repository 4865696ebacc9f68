use std::collections::HashMap;
use std::time::Duration;

use limburgers_worldwide::newsletter::sender::Sender;
use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::smtp::Mode;

/// A verified member subscribed (confirmed) to the community list; answers the session.
async fn subscriber(t: &TestApp, email: &str, language: &str) -> String {
    t.post(
        "/api/v1/members",
        json!({"email": email, "first_name": "Reader", "last_name": "One", "language": language,
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to(email).await;
    t.verify(&mail.token(), true).await
}

async fn campaign(t: &TestApp, staff: &str, extra: Value) -> Value {
    let mut body = json!({
        "subject": {"en": "Spring in Limburg", "nl": "Lente in Limburg"},
        "body": {"en": "Dear all,\n\nThe **blossom** is out in Haspengouw.", "nl": "Beste allemaal,\n\nDe **bloesem** staat in Haspengouw."},
        "segment": "community",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = t.post("/api/v1/newsletters", body, Some(staff)).await;
    r.assert(201);
    r.json()
}

async fn wait_status(t: &TestApp, staff: &str, id: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let n = t
            .get(&format!("/api/v1/newsletters/{id}"), Some(staff))
            .await
            .json();
        if n["status"] == status {
            return n;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "newsletter stayed {}: {n}",
            n["status"]
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn sign_up_consent_confirmed_subscribe_with_double_opt_in_and_unsubscribe() {
    let t = TestApp::spawn().await;
    let s = subscriber(&t, "ana@example.org", "en").await;
    let subs = t.get("/api/v1/me/subscriptions", Some(&s)).await.json();
    assert_eq!(subs, json!([{"list": "community", "status": "active"}]));

    // Leaving: the alumni list is hers to take (`alumni_list_*` tests hold who may not).
    t.patch("/api/v1/me", json!({"phase": "leaving"}), Some(&s))
        .await
        .assert(200);
    let r = t
        .put_json(
            "/api/v1/me/subscriptions",
            json!({"alumni": true}),
            Some(&s),
        )
        .await;
    r.assert(200);
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["list"] == "alumni" && x["status"] == "pending")
    );
    let confirm = t.next_mail_to("ana@example.org").await;
    assert!(
        confirm.text.contains("/newsletter/confirm?token="),
        "{}",
        confirm.text
    );
    t.post(
        "/api/v1/newsletter/confirm",
        json!({"token": confirm.token()}),
        None,
    )
    .await
    .assert(200);
    t.post(
        "/api/v1/newsletter/confirm",
        json!({"token": confirm.token()}),
        None,
    )
    .await
    .assert_problem(410);

    let subs = t
        .put_json(
            "/api/v1/me/subscriptions",
            json!({"community": false}),
            Some(&s),
        )
        .await
        .json();
    assert_eq!(
        subs,
        json!([{"list": "alumni", "status": "active"}, {"list": "community", "status": "unsubscribed"}])
    );
    let consents: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT kind, granted, source FROM consents WHERE kind LIKE 'newsletter:%' ORDER BY at, id",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert_eq!(
        consents,
        [
            ("newsletter:community".into(), 1, "verification".into()),
            ("newsletter:alumni".into(), 1, "double_opt_in".into()),
            ("newsletter:community".into(), 0, "profile".into()),
        ]
    );
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"weekly": true}),
        Some(&s),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn a_campaign_reaches_each_subscriber_once_in_their_language_with_one_click_unsubscribe() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    subscriber(&t, "ana@example.org", "en").await;
    subscriber(&t, "joke@example.org", "nl").await;
    subscriber(&t, "lea@example.org", "fr").await;
    t.post(
        "/api/v1/members",
        json!({"email": "nonews@example.org", "first_name": "No", "last_name": "News", "language": "en",
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap();
    assert_eq!(n["status"], "draft");

    let preview_for = t
        .me(&subscriber(&t, "preview@example.org", "nl").await)
        .await["id"]
        .clone();
    let p = t
        .post(
            &format!("/api/v1/newsletters/{id}/preview"),
            json!({"account_id": preview_for}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(p["subject"], "Lente in Limburg");
    assert!(
        p["html"]
            .as_str()
            .unwrap()
            .contains("<strong>bloesem</strong>")
    );

    let sent = t
        .post(
            &format!("/api/v1/newsletters/{id}/send"),
            json!({}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(sent["counts"]["recipients"], 4);
    let done = wait_status(&t, &staff, id, "sent").await;
    assert_eq!(
        done["counts"],
        json!({"recipients": 4, "queued": 0, "sent": 4, "failed": 0, "skipped": 0})
    );

    let joke = t.next_mail_to("joke@example.org").await; // (after the verification mail)
    let joke = if joke.subject == "Lente in Limburg" {
        joke
    } else {
        t.next_mail_to("joke@example.org").await
    };
    assert_eq!(joke.subject, "Lente in Limburg");
    let lea = t.mails_to("lea@example.org").pop().unwrap();
    assert_eq!(lea.subject, "Spring in Limburg", "English is the fallback");
    assert!(
        t.mails_to("nonews@example.org")
            .iter()
            .all(|m| m.subject != "Spring in Limburg")
    );
    for address in ["ana@example.org", "joke@example.org", "lea@example.org"] {
        let issues: Vec<_> = t
            .mails_to(address)
            .into_iter()
            .filter(|m| m.subject == "Spring in Limburg" || m.subject == "Lente in Limburg")
            .collect();
        assert_eq!(issues.len(), 1, "{address} got the issue once");
    }

    // RFC 8058 one-click unsubscribe from the header.
    let list_unsubscribe = header(&joke.raw, "List-Unsubscribe")
        .expect("List-Unsubscribe")
        .to_owned();
    assert_eq!(
        header(&joke.raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let url = list_unsubscribe.trim_matches(['<', '>']);
    let path = url.split_once("community.test").unwrap().1.to_owned();
    let page = t.get(&path, None).await;
    page.assert(200);
    assert!(page.body.contains("<form") && page.body.contains("lang=\"nl\""));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE status = 'unsubscribed'")
            .await,
        0,
        "GET never unsubscribes"
    );
    let one_click = t
        .raw(
            "POST",
            &path,
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
            None,
        )
        .await;
    one_click.assert(200);
    t.raw(
        "POST",
        &path,
        "application/x-www-form-urlencoded",
        b"List-Unsubscribe=One-Click".to_vec(),
        None,
    )
    .await
    .assert(200);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE status = 'unsubscribed'")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM consents WHERE source = 'one_click'")
            .await,
        1,
        "recorded once"
    );
    t.raw(
        "POST",
        "/unsubscribe/nonsense",
        "application/x-www-form-urlencoded",
        vec![],
        None,
    )
    .await
    .assert_problem(404);

    // A sent issue cannot be sent or changed again.
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn counts_are_honest_when_people_unsubscribe_during_a_send() {
    let mut t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let mut sessions = Vec::new();
    for i in 0..6 {
        sessions.push(subscriber(&t, &format!("r{i}@example.org"), "en").await);
    }
    t.outbox_settled().await;
    t.stop_worker().await;
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"community": false}),
        Some(&sessions[0]),
    )
    .await
    .assert(200);
    t.delete("/api/v1/me", Some(&sessions[1])).await.assert(204);

    let sender = Sender::new(t.app.clone()).unwrap();
    while sender.send_batch().await.unwrap() > 0 {}
    let n = t
        .get(&format!("/api/v1/newsletters/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(n["status"], "sent");
    assert_eq!(
        n["counts"],
        json!({"recipients": 6, "queued": 0, "sent": 4, "failed": 0, "skipped": 2})
    );
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_resumes_and_reaches_everyone_exactly_once() {
    let mut t = TestApp::spawn_with(|s| {
        s.insert("MAIL_CONCURRENCY", "1".into());
    })
    .await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for i in 0..40 {
        let (_, id) = t.quick_member(&format!("q{i}@example.org")).await;
        subscribe_directly(&t, &id).await;
    }
    t.stop_worker().await;
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);

    // The first instance sends one batch, then dies while holding the next one.
    let first = Sender::new(t.app.clone()).unwrap();
    assert_eq!(first.send_batch().await.unwrap(), 25);
    sqlx::query("UPDATE deliveries SET status = 'sending', lease_until = 1, claim_id = 'dead' WHERE status = 'queued' AND account_id IN (SELECT account_id FROM deliveries WHERE status = 'queued' ORDER BY account_id LIMIT 5)")
        .execute(&t.app.db.read)
        .await
        .unwrap();
    drop(first);

    // A restarted instance takes over, the abandoned leases included.
    let second = Sender::new(t.app.clone()).unwrap();
    while second.send_batch().await.unwrap() > 0 {}
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for m in t.smtp.received() {
        if m.raw.contains("Spring in Limburg") {
            *per_address.entry(m.to[0].clone()).or_default() += 1;
        }
    }
    assert_eq!(per_address.len(), 40);
    assert!(per_address.values().all(|n| *n == 1), "{per_address:?}");
    assert_eq!(
        wait_status(&t, &staff, &id, "sent").await["counts"]["sent"],
        40
    );
}

async fn subscribe_directly(t: &TestApp, account_id: &str) {
    sqlx::query(
        "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, confirmed_at, updated_at) \
         VALUES ($1, 'community', 'active', $2, 0, 0, 0)",
    )
    .bind(account_id)
    .bind(uuid::Uuid::new_v4().to_string())
    .execute(&t.app.db.read)
    .await
    .unwrap();
}

#[tokio::test]
async fn an_smtp_outage_pauses_the_issue_and_nothing_is_lost_when_it_resumes() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for i in 0..12 {
        let (_, id) = t.quick_member(&format!("q{i}@example.org")).await;
        subscribe_directly(&t, &id).await;
    }
    t.smtp.set_mode(Mode::TempFail);
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let paused = wait_status(&t, &staff, id, "paused").await;
    assert!(
        paused["pause_reason"].as_str().unwrap().contains("451"),
        "{paused}"
    );
    assert_eq!(paused["counts"]["sent"], 0);

    t.smtp.set_mode(Mode::Accept);
    t.post(
        &format!("/api/v1/newsletters/{id}/resume"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let done = wait_status(&t, &staff, id, "sent").await;
    assert_eq!(done["counts"]["sent"], 12);
    assert_eq!(t.smtp.received().len(), 12, "each once");
}

#[tokio::test]
async fn a_refused_address_is_marked_bouncing_and_not_mailed_again() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (_, id) = t.quick_member("gone@example.org").await;
    subscribe_directly(&t, &id).await;
    t.smtp.set_mode(Mode::PermFail);
    let first = campaign(&t, &staff, json!({})).await;
    let fid = first["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/newsletters/{fid}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let done = wait_status(&t, &staff, fid, "sent").await;
    assert_eq!(done["counts"]["failed"], 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE bouncing_at IS NOT NULL")
            .await,
        1
    );

    t.smtp.set_mode(Mode::Accept);
    let second = campaign(&t, &staff, json!({})).await;
    let sid = second["id"].as_str().unwrap();
    let started = t
        .post(
            &format!("/api/v1/newsletters/{sid}/send"),
            json!({}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(started["counts"]["recipients"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_senders_on_one_database_send_each_recipient_once() {
    let mut t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for i in 0..120 {
        let (_, id) = t.quick_member(&format!("q{i}@example.org")).await;
        subscribe_directly(&t, &id).await;
    }
    t.stop_worker().await;
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let a = Sender::new(t.app.clone()).unwrap();
    let b = Sender::new(t.app.clone()).unwrap();
    let run = |s: Sender| async move { while s.send_batch().await.unwrap() > 0 {} };
    tokio::join!(run(a), run(b));
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for m in t.smtp.received() {
        *per_address.entry(m.to[0].clone()).or_default() += 1;
    }
    assert_eq!(per_address.len(), 120);
    assert!(per_address.values().all(|n| *n == 1));
    assert_eq!(
        wait_status(&t, &staff, &id, "sent").await["counts"]["sent"],
        120
    );
}

#[tokio::test]
async fn the_digest_lists_coming_events_once_per_period_in_each_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let job = limburgers_worldwide::jobs::find("newsletter-digest").unwrap();
    // No events: no digest.
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('0'));

    subscriber(&t, "ana@example.org", "en").await;
    subscriber(&t, "joke@example.org", "nl").await;
    let (_, alum) = t.quick_member("alum@example.org").await;
    sqlx::query("INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, updated_at) VALUES ($1, 'alumni', 'active', 'k-alum', 0, 0)")
        .bind(&alum)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let soon = chrono::Local::now().date_naive() + chrono::Duration::days(5);
    let later = chrono::Local::now().date_naive() + chrono::Duration::days(40);
    t.event(&staff, json!({"title": "Open evening", "starts_at": format!("{soon}T19:00:00"), "ends_at": format!("{soon}T21:00:00")})).await;
    t.event(&staff, json!({"title": "Residents only", "audience": "members", "starts_at": format!("{soon}T10:00:00"), "ends_at": format!("{soon}T12:00:00")})).await;
    t.event(&staff, json!({"title": "Far away", "starts_at": format!("{later}T10:00:00"), "ends_at": format!("{later}T12:00:00")})).await;
    t.outbox_settled().await;

    let (a, b) = tokio::join!((job.run)(t.app.clone()), (job.run)(t.app.clone()));
    let started: usize = [a.unwrap(), b.unwrap()]
        .iter()
        .map(|s| s.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(
        started, 2,
        "one digest per list, however often the job fires"
    );
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('0'));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM newsletters WHERE kind = 'digest'")
            .await,
        2
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while t
        .count("SELECT COUNT(*) FROM newsletters WHERE status = 'sent'")
        .await
        < 2
    {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let ana = t.mails_to("ana@example.org").pop().unwrap();
    assert!(
        ana.text.contains("Open evening") && ana.text.contains("Residents only"),
        "{}",
        ana.text
    );
    assert!(!ana.text.contains("Far away"));
    let joke = t.mails_to("joke@example.org").pop().unwrap();
    assert_ne!(joke.subject, ana.subject, "Dutch subject");
    let alum = t.mails_to("alum@example.org").pop().unwrap();
    assert!(
        alum.text.contains("Open evening") && !alum.text.contains("Residents only"),
        "{}",
        alum.text
    );
}

#[tokio::test]
async fn newsletter_input_is_validated_and_staff_only() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = subscriber(&t, "ana@example.org", "en").await;
    t.post(
        "/api/v1/newsletters",
        json!({"subject": {"en": "x"}, "body": {"en": "y"}, "segment": "community"}),
        Some(&ana),
    )
    .await
    .assert_problem(403);
    let p = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"nl": "x", "es": "y"}, "body": {"en": ""}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    let mut fields: Vec<_> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(fields, ["body.en", "subject", "subject.es"]);
    t.post(
        "/api/v1/newsletters",
        json!({"subject": {"en": "a\nb"}, "body": {"en": "y"}, "segment": "community"}),
        Some(&staff),
    )
    .await
    .assert_problem(422);
    t.post(
        "/api/v1/newsletters",
        json!({"subject": {"en": "x"}, "body": {"en": "y"}, "segment": "everyone"}),
        Some(&staff),
    )
    .await
    .assert_problem(422);
    assert_eq!(t.count("SELECT COUNT(*) FROM newsletters").await, 0);
    let n = campaign(&t, &staff, json!({})).await;
    let id = n["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/newsletters/{id}/schedule"),
        json!({"at": "2001-01-01T00:00:00Z"}),
        Some(&staff),
    )
    .await
    .assert_problem(422);
    t.post(
        &format!("/api/v1/newsletters/{id}/pause"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    t.post(
        &format!("/api/v1/newsletters/{id}/test"),
        json!({"email": "proof@example.org", "language": "nl"}),
        Some(&staff),
    )
    .await
    .assert(202);
    let proof = t.next_mail_to("proof@example.org").await;
    assert_eq!(proof.subject, "Lente in Limburg");
}

#[tokio::test]
async fn a_scheduled_issue_goes_out_when_its_time_comes() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    subscriber(&t, "ana@example.org", "en").await;
    let n = campaign(&t, &staff, json!({"upcoming_events_days": 14})).await;
    let id = n["id"].as_str().unwrap();
    let at = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let s = t
        .post(
            &format!("/api/v1/newsletters/{id}/schedule"),
            json!({"at": at}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(s["status"], "scheduled");
    let job = limburgers_worldwide::jobs::find("newsletter-dispatch").unwrap();
    assert!(
        (job.run)(t.app.clone()).await.unwrap().starts_with('0'),
        "not yet"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('1'));
    wait_status(&t, &staff, id, "sent").await;
}

#[tokio::test]
async fn patching_a_draft_changes_only_what_is_sent() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let n = t
        .post(
            "/api/v1/newsletters",
            json!({
                "subject": {"en": "Summer", "nl": "Zomer"},
                "body": {"en": "Hello", "nl": "Hallo"},
                "segment": "community",
                "filters": {"language": "nl"},
                "upcoming_events_days": 14
            }),
            Some(&staff),
        )
        .await
        .assert(201)
        .json();
    let url = format!("/api/v1/newsletters/{}", n["id"].as_str().unwrap());

    // One language of one field: everything else stays.
    let after = t
        .patch(&url, json!({"subject": {"nl": "Zomerfeest"}}), Some(&staff))
        .await
        .assert(200)
        .json();
    assert_eq!(
        after["subject"],
        json!({"en": "Summer", "nl": "Zomerfeest"})
    );
    assert_eq!(after["body"], json!({"en": "Hello", "nl": "Hallo"}));
    assert_eq!(after["segment"], "community");
    assert_eq!(after["filters"]["language"], "nl");
    assert_eq!(after["upcoming_events_days"], 14);

    // null removes a language, or clears an optional field.
    let after = t
        .patch(
            &url,
            json!({"body": {"nl": null}, "subject": {"nl": null}, "filters": null, "upcoming_events_days": null, "segment": "alumni"}),
            Some(&staff),
        )
        .await
        .assert(200)
        .json();
    assert_eq!(after["subject"], json!({"en": "Summer"}));
    assert_eq!(after["body"], json!({"en": "Hello"}));
    assert_eq!(after["segment"], "alumni");
    assert!(after["upcoming_events_days"].is_null(), "{after}");
    assert!(after["filters"]["language"].is_null(), "{after}");

    // English stays required, and a refused patch changes nothing.
    let p = t
        .patch(
            &url,
            json!({"subject": {"en": null}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "subject", "{p}");
    let now = t.get(&url, Some(&staff)).await.json();
    assert_eq!(now["subject"], json!({"en": "Summer"}));
    assert_eq!(now["segment"], "alumni");
}
