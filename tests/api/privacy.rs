use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_member_exports_everything_held_on_them_and_their_dependents() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "birth_year": 2019, "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    t.outbox_settled().await;
    let r = t.get("/api/v1/me/export", Some(&ana)).await;
    r.assert(200);
    let e = r.json();
    assert_eq!(e["account"]["email"], "ana@example.org");
    assert_eq!(e["account"]["municipality"], "Hasselt");
    let people = e["household"]["people"].as_array().unwrap();
    assert!(
        people
            .iter()
            .any(|p| p["first_name"] == "Mia" && p["birth_year"] == 2019)
    );
    let consents = e["consents"].as_array().unwrap();
    assert!(consents.iter().any(|c| c["kind"] == "privacy_policy"
        && c["granted"] == true
        && c["source"] == "verification"));
    assert!(
        consents
            .iter()
            .any(|c| c["kind"] == "newsletter:community" && c["granted"] == true)
    );
    assert!(consents.iter().all(|c| c["at"].is_string()));
    assert!(
        e["mails"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "verification" && m["status"] == "sent")
    );
    assert!(
        !e.to_string().contains("token_hash"),
        "no secrets in an export"
    );
}

#[tokio::test]
async fn erasure_removes_personal_data_revokes_sessions_and_keeps_an_anonymous_trace() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    t.outbox_settled().await;

    t.delete("/api/v1/me", Some(&ana)).await.assert(204);
    t.get("/api/v1/me", Some(&ana)).await.assert_problem(401);

    let leftovers: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT first_name, last_name FROM people")
            .fetch_all(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(leftovers.len(), 2, "the rows stay for past counts");
    assert!(
        leftovers.iter().all(|(f, l)| f.is_none() && l.is_none()),
        "{leftovers:?}"
    );
    let (email, status): (Option<String>, String) =
        sqlx::query_as("SELECT email, status FROM accounts WHERE person_id = $1")
            .bind(&id)
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!((email, status.as_str()), (None, "erased"));
    assert_eq!(t.count("SELECT COUNT(*) FROM tokens").await, 0);
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM outbox WHERE recipient LIKE '%ana%' OR body_text LIKE '%Ana%'"
        )
        .await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.erased'")
            .await,
        1
    );
    let (detail,): (Option<String>,) =
        sqlx::query_as("SELECT detail FROM audit_log WHERE action = 'member.erased'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert!(!detail.unwrap_or_default().contains("ana"));

    // The address is free again: the person may come back as a new member.
    t.member("ana@example.org", "Ana", "Silva").await;
}

#[tokio::test]
async fn erasing_one_partner_leaves_the_household_to_the_other() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    t.delete("/api/v1/me", Some(&ana)).await.assert(204);
    let h = t.household(&raj).await;
    let names: Vec<_> = h["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["first_name"].clone())
        .collect();
    assert_eq!(names, [json!("Raj"), json!("Mia")]);
}

#[tokio::test]
async fn consent_is_recorded_when_the_address_is_proven_from_the_person_who_proves_it() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        json!({"email": "bo@example.org", "first_name": "Bo", "last_name": "Li", "language": "de",
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("bo@example.org").await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM consents").await,
        0,
        "a sign-up (anybody can type an address) records no consent"
    );
    // Consent is what the person following the link gives; privacy_policy must be true.
    let refused = t
        .post(
            "/api/v1/members/verify",
            json!({"token": mail.token(), "consent": {"privacy_policy": false, "newsletter": true}}),
            None,
        )
        .await
        .assert_problem(422);
    assert_eq!(refused["errors"][0]["field"], "consent.privacy_policy");
    t.verify(&mail.token(), true).await;
    let rows: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT kind, granted, source FROM consents ORDER BY kind")
            .fetch_all(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            (
                "newsletter:community".to_owned(),
                1,
                "verification".to_owned()
            ),
            ("privacy_policy".to_owned(), 1, "verification".to_owned())
        ]
    );
}

#[tokio::test]
async fn an_admin_erases_a_member_on_request() {
    let t = TestApp::spawn().await;
    let admin = t
        .staff(
            "admin@expatcentre.test",
            limburgers_worldwide::values::Role::Admin,
        )
        .await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    t.delete(&format!("/api/v1/members/{id}"), Some(&staff))
        .await
        .assert_problem(403);
    t.delete(&format!("/api/v1/members/{id}"), Some(&admin))
        .await
        .assert(204);
    t.delete(&format!("/api/v1/members/{id}"), Some(&admin))
        .await
        .assert_problem(404);
    t.get("/api/v1/me", Some(&ana)).await.assert_problem(401);
}

#[tokio::test]
async fn an_export_lists_the_household_registrations_and_erasure_keeps_the_counts() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let event = t.event(&staff, json!({"capacity": 5})).await;
    let eid = event["id"].as_str().unwrap();
    t.register(&a, eid, &[&a_id]).await.assert(201);
    let e = t.get("/api/v1/me/export", Some(&a)).await.json();
    assert_eq!(e["registrations"][0]["event"], "Welcome drinks");
    assert_eq!(e["registrations"][0]["status"], "confirmed");

    // The event took place: its registration is history.
    sqlx::query("UPDATE events SET starts_at = starts_at - $1, ends_at = ends_at - $1")
        .bind(40 * 86_400_000_i64)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    t.delete("/api/v1/me", Some(&a)).await.assert(204);
    // The seat and the registration count stay: an anonymous person came.
    assert_eq!(
        t.get(&format!("/api/v1/events/{eid}"), None).await.json()["seats_left"],
        4
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        1
    );
    let regs = t
        .get(&format!("/api/v1/events/{eid}/registrations"), Some(&staff))
        .await
        .json();
    assert!(regs[0]["people"][0]["first_name"].is_null());
}

#[tokio::test]
async fn erased_people_give_their_places_at_coming_events_back_to_the_waitlist() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = id(&t.me(&ana).await);
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let raj_id = id(&t.me(&raj).await);
    let mia = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mia", "relation": "child"}),
            Some(&ana),
        )
        .await
        .json();
    let mia_id = id(&mia);
    let (bo, bo_id) = t.quick_member("bo@example.org").await;
    let (cy, cy_id) = t.quick_member("cy@example.org").await;

    // Full: the whole household holds the three seats, Bo waits.
    let full = id(&t.event(&staff, json!({"capacity": 3})).await);
    let family = t
        .register(&ana, &full, &[&ana_id, &raj_id, &mia_id])
        .await
        .json();
    assert_eq!(family["status"], "confirmed");
    let waiting = t.register(&bo, &full, &[&bo_id]).await.json();
    assert_eq!(waiting["status"], "waitlisted");
    // Small: Cy holds one of two seats; Ana and Raj (two, registered by Raj) wait.
    let small = id(&t.event(&staff, json!({"capacity": 2})).await);
    t.register(&cy, &small, &[&cy_id]).await.assert(201);
    let couple = t.register(&raj, &small, &[&ana_id, &raj_id]).await.json();
    assert_eq!(couple["status"], "waitlisted");
    // Past: the family came to an event that has taken place.
    let past = id(&t.event(&staff, json!({"capacity": 10})).await);
    let came = t
        .register(&ana, &past, &[&ana_id, &raj_id, &mia_id])
        .await
        .json();
    sqlx::query(
        "UPDATE events SET starts_at = starts_at - $2, ends_at = ends_at - $2 WHERE id = $1",
    )
    .bind(&past)
    .bind(40 * 86_400_000_i64)
    .execute(&t.app.db.read)
    .await
    .unwrap();
    let registration = |event: String, reg: String| {
        let t = &t;
        let staff = staff.clone();
        async move {
            let all = t
                .get(
                    &format!("/api/v1/events/{event}/registrations"),
                    Some(&staff),
                )
                .await
                .json();
            all.as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"].as_str() == Some(reg.as_str()))
                .unwrap()
                .clone()
        }
    };
    let seats_left = |event: String| {
        let t = &t;
        async move { t.get(&format!("/api/v1/events/{event}"), None).await.json()["seats_left"].clone() }
    };
    t.outbox_settled().await;
    let mails_before = |to: &str| t.mails_to(to).len();
    let (bo_mails, ana_mails) = (
        mails_before("bo@example.org"),
        mails_before("ana@example.org"),
    );

    // Raj is erased: his places go; the family keeps theirs.
    t.delete("/api/v1/me", Some(&raj)).await.assert(204);
    let f = registration(full.clone(), id(&family)).await;
    assert_eq!(
        (f["status"].as_str(), f["seats"].as_i64()),
        (Some("confirmed"), Some(2))
    );
    assert_eq!(
        f["person_ids"],
        json!([ana_id, mia_id]),
        "nothing of Raj stays"
    );
    let w = registration(full.clone(), id(&waiting)).await;
    assert_eq!(w["status"], "confirmed", "the freed seat went to Bo");
    assert_eq!(seats_left(full.clone()).await, 0);
    let c = registration(small.clone(), id(&couple)).await;
    assert_eq!(
        (c["status"].as_str(), c["seats"].as_i64()),
        (Some("confirmed"), Some(1)),
        "Ana alone fits the free seat"
    );
    assert_eq!(seats_left(small.clone()).await, 0);
    t.outbox_settled().await;
    assert_eq!(t.mails_to("bo@example.org").len(), bo_mails + 1);
    assert!(
        t.mails_to("bo@example.org")
            .last()
            .unwrap()
            .raw
            .contains("text/calendar")
    );
    let to_ana = t.mails_to("ana@example.org");
    assert_eq!(
        to_ana.len(),
        ana_mails + 1,
        "Raj registered them and is gone: Ana is told of the promotion"
    );
    assert!(to_ana.last().unwrap().raw.contains("text/calendar"));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.reduced'")
            .await,
        2
    );

    // Ana is erased: nobody with an account is left, so Mia goes too and so do their places.
    t.delete("/api/v1/me", Some(&ana)).await.assert(204);
    assert_eq!(
        registration(full.clone(), id(&family)).await["status"],
        "cancelled"
    );
    assert_eq!(seats_left(full.clone()).await, 2);
    assert_eq!(
        registration(small.clone(), id(&couple)).await["status"],
        "cancelled"
    );
    assert_eq!(seats_left(small.clone()).await, 1);
    // The past stays whole: three anonymous people came.
    let p = registration(past.clone(), id(&came)).await;
    assert_eq!(
        (p["status"].as_str(), p["seats"].as_i64()),
        (Some("confirmed"), Some(3))
    );
    assert_eq!(seats_left(past).await, 7);
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM registration_people rp JOIN people p ON p.id = rp.person_id \
                 WHERE rp.live = 1 AND p.erased_at IS NOT NULL"
        )
        .await,
        3,
        "only the past event still holds erased people"
    );
}

/// A database dump must not sign anybody in: once a mail is delivered its links are not kept.
#[tokio::test]
async fn a_delivered_mail_keeps_no_working_link_but_unsent_mail_is_intact() {
    let mut t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let link = t.next_mail_to("ana@example.org").await;
    let link = if link.text.contains("/sign-in?token=") {
        link
    } else {
        t.next_mail_to("ana@example.org").await
    };
    t.outbox_settled().await;
    let token = link.token();
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT kind, recipient, subject, body_text, body_html FROM outbox WHERE status = 'sent'",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert!(rows.iter().any(|r| r.0 == "magic_link"));
    for (kind, recipient, subject, text, html) in &rows {
        assert!(
            recipient.is_empty() && subject.is_empty() && text.is_empty() && html.is_empty(),
            "a delivered {kind} mail keeps content"
        );
    }
    let (account, sent_at): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT account_id, sent_at FROM outbox WHERE kind = 'magic_link'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert!(
        account.is_some() && sent_at.is_some(),
        "support still sees who, what and when"
    );
    // The link still works: it just is not at rest anywhere.
    let dump = dump_text(&t).await;
    assert!(
        !dump.contains(&token),
        "the sign-in token is stored in clear"
    );
    t.post("/api/v1/auth/sessions", json!({"token": token}), None)
        .await
        .assert(201);

    // Mail not delivered yet keeps everything, so nothing is lost if the process dies now.
    t.stop_worker().await;
    sqlx::query("UPDATE mail_cooldowns SET sent_at = 0")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    t.requests_done().await;
    let (recipient, text): (String, String) =
        sqlx::query_as("SELECT recipient, body_text FROM outbox WHERE status = 'pending'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(recipient, "ana@example.org");
    assert!(text.contains("/sign-in?token="));
}

/// Every text value of every table, one per line: what a database dump would show.
async fn dump_text(t: &TestApp) -> String {
    let mut out = String::new();
    for (table, columns) in limburgers_worldwide::privacy::inventory::TABLES {
        // sqlx's own bookkeeping (a binary checksum); nothing of ours.
        if *table == "_sqlx_migrations" {
            continue;
        }
        for (column, _) in columns.iter() {
            let sql = format!("SELECT CAST({column} AS TEXT) FROM {table}");
            let rows: Vec<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(&t.app.db.read)
                .await
                .unwrap();
            for (v,) in rows.into_iter() {
                out.push_str(&v.unwrap_or_default());
                out.push('\n');
            }
        }
    }
    out
}

/// Pre-registration hijack: somebody signs up first with your address, their names, employer
/// and wishes. What you confirm is your own sign-up, with your own consent.
#[tokio::test]
async fn a_sign_up_made_by_somebody_else_with_your_address_is_not_adopted() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        json!({"email": "ana@example.org", "first_name": "Mallory", "last_name": "Intruder",
               "language": "de", "employer": "Spyware Inc", "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let theirs = t.next_mail_to("ana@example.org").await;
    assert!(
        theirs.text.contains("Mallory"),
        "the mail says whose sign-up it is"
    );
    // Within the minute after a confirmation mail, another sign-up sends nothing.
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    t.outbox_settled().await;
    assert_eq!(t.mails_to("ana@example.org").len(), 1);
    // Later, Ana signs up herself: her sign-up replaces theirs, whose link stops working.
    sqlx::query("UPDATE mail_cooldowns SET sent_at = 0")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    let mine = t.next_mail_to("ana@example.org").await;
    t.post(
        "/api/v1/members/verify",
        json!({"token": theirs.token(), "consent": {"privacy_policy": true, "newsletter": true}}),
        None,
    )
    .await
    .assert_problem(410);
    let ana = t.verify(&mine.token(), false).await;
    let me = t.me(&ana).await;
    assert_eq!(
        (
            me["first_name"].as_str(),
            me["last_name"].as_str(),
            me["language"].as_str()
        ),
        (Some("Ana"), Some("Silva"), Some("en"))
    );
    assert!(me["employer"].is_null(), "{me}");
    assert_eq!(t.count("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions").await,
        0,
        "no newsletter Ana did not ask for"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM member_search WHERE term IN ('mallory', 'intruder')")
            .await,
        0
    );
}

/// Somebody signed up with the partner's address but never confirmed; the partner accepts an
/// invitation instead: their account starts from the invitation, not from that sign-up.
#[tokio::test]
async fn an_invitation_accepted_for_an_unconfirmed_address_starts_afresh() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/members",
        json!({"email": "raj@example.org", "first_name": "Mallory", "last_name": "Intruder",
               "language": "de", "employer": "Spyware Inc", "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    t.next_mail_to("raj@example.org").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let me = t.me(&raj).await;
    assert_eq!(me["first_name"], "Raj");
    assert!(me["employer"].is_null(), "{me}");
    assert_eq!(me["relation"], "partner");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE first_name = 'Mallory'")
            .await,
        0
    );
}
