//! Changing one's e-mail address: the new address proves itself, the old one is told.

use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_member_moves_to_a_new_address_only_when_its_link_is_followed() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@oldjob.example", "Ana", "Silva").await;
    // The old address bounced: the mark belongs to it, not to the member.
    sqlx::query("UPDATE accounts SET bouncing_at = 1 WHERE email = 'ana@oldjob.example'")
        .execute(&t.app.db.read)
        .await
        .unwrap();

    t.post(
        "/api/v1/me/email",
        json!({"email": "ana@newjob.example"}),
        Some(&ana),
    )
    .await
    .assert(202);
    let link = t.next_mail_to("ana@newjob.example").await;
    assert!(link.text.contains("/change-email?token="), "{}", link.text);
    // Nothing changes before the link is followed.
    assert_eq!(t.me(&ana).await["email"], "ana@oldjob.example");

    let changed = t
        .post(
            "/api/v1/email/confirm",
            json!({"token": link.token()}),
            None,
        )
        .await
        .assert(200)
        .json();
    assert_eq!(changed["email"], "ana@newjob.example");
    let me = t.me(&ana).await;
    assert_eq!(me["email"], "ana@newjob.example");
    let (bouncing,): (Option<i64>,) =
        sqlx::query_as("SELECT bouncing_at FROM accounts WHERE email = 'ana@newjob.example'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(bouncing, None);

    // The old address is told, without learning the new one.
    let notice = t.next_mail_to("ana@oldjob.example").await;
    assert!(notice.subject.contains("changed"), "{}", notice.subject);
    assert!(!notice.text.contains("newjob"), "{}", notice.text);
    assert!(!notice.html.contains("newjob"), "{}", notice.html);

    // The link worked once; signing in now goes by the new address, searching finds it.
    t.post(
        "/api/v1/email/confirm",
        json!({"token": link.token()}),
        None,
    )
    .await
    .assert_problem(410);
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@newjob.example"}),
        None,
    )
    .await
    .assert(202);
    let sign_in = t.mails_with("ana@newjob.example", "/sign-in?token=").await;
    assert_eq!(sign_in.len(), 1);
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let found = t.get("/api/v1/members?q=newjob", Some(&staff)).await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
}

#[tokio::test]
async fn a_taken_address_is_not_revealed_to_a_member_but_is_to_staff() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let _raj = t.member("raj@example.org", "Raj", "Kumar").await;
    t.outbox_settled().await;
    let before = t.mails_to("raj@example.org").len();

    // Same answer as for a free address; Raj's mailbox gets nothing to click.
    t.post(
        "/api/v1/me/email",
        json!({"email": "RAJ@example.org"}),
        Some(&ana),
    )
    .await
    .assert(202);
    t.outbox_settled().await;
    assert_eq!(t.mails_to("raj@example.org").len(), before);
    assert_eq!(t.me(&ana).await["email"], "ana@example.org");

    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/members/{ana_id}/email"),
        json!({"email": "raj@example.org"}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    // Nor one's own address again, nor something that is not an address.
    let p = t
        .post(
            "/api/v1/me/email",
            json!({"email": "ana@example.org"}),
            Some(&ana),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
    t.post(
        "/api/v1/me/email",
        json!({"email": "not an address"}),
        Some(&ana),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn staff_start_a_change_the_member_completes_and_a_newer_request_replaces_an_older() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    t.post(
        &format!("/api/v1/members/{ana_id}/email"),
        json!({"email": "ana@first.example"}),
        Some(&staff),
    )
    .await
    .assert(202);
    let first = t.next_mail_to("ana@first.example").await;
    assert!(
        first.text.contains("Expat Centre Limburg started"),
        "{}",
        first.text
    );

    t.post(
        "/api/v1/me/email",
        json!({"email": "ana@second.example"}),
        Some(&ana),
    )
    .await
    .assert(202);
    let second = t.next_mail_to("ana@second.example").await;
    t.post(
        "/api/v1/email/confirm",
        json!({"token": first.token()}),
        None,
    )
    .await
    .assert_problem(410);
    t.post(
        "/api/v1/email/confirm",
        json!({"token": second.token()}),
        None,
    )
    .await
    .assert(200);
    assert_eq!(t.me(&ana).await["email"], "ana@second.example");

    // A member cannot start it for somebody else.
    let raj = t.member("raj@example.org", "Raj", "Kumar").await;
    t.post(
        &format!("/api/v1/members/{ana_id}/email"),
        json!({"email": "x@example.org"}),
        Some(&raj),
    )
    .await
    .assert_problem(403);
}

#[tokio::test]
async fn an_address_taken_between_request_and_link_is_refused_and_nothing_changes() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/me/email",
        json!({"email": "new@example.org"}),
        Some(&ana),
    )
    .await
    .assert(202);
    let link = t.next_mail_to("new@example.org").await;
    // Somebody else joins with the address meanwhile and confirms it.
    let _other = t.member("new@example.org", "Nel", "Other").await;
    t.post(
        "/api/v1/email/confirm",
        json!({"token": link.token()}),
        None,
    )
    .await
    .assert_problem(409);
    assert_eq!(t.me(&ana).await["email"], "ana@example.org");
}
