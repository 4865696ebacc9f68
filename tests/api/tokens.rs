//! Staff API tokens: named, listed, revoked, expiring, and signed out like any other credential.
//! The CLI functions are called directly, as `TestApp::staff` calls `cli::create_staff`.

use std::time::Duration;

use limburgers_worldwide::cli::{self, TokenOptions};
use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;

async fn last_used(t: &TestApp, id: &str) -> Option<i64> {
    let (at,): (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM tokens WHERE id = $1")
        .bind(id)
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    at
}

/// Waits until the token's last use is recorded later than `than` (it is written beside the
/// request, not in it); answers the new time.
async fn last_used_after(t: &TestApp, id: &str, than: Option<i64>) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(at) = last_used(t, id).await
            && than.is_none_or(|than| at > than)
        {
            return at;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the last use of {id} was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn token_id(t: &TestApp, secret: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM tokens WHERE hash = $1")
        .bind(limburgers_worldwide::auth::hash_secret(secret))
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    id
}

async fn hashes(t: &TestApp) -> Vec<String> {
    sqlx::query_as::<_, (String,)>("SELECT hash FROM tokens")
        .fetch_all(&t.app.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|(h,)| h)
        .collect()
}

#[tokio::test]
async fn signing_out_with_an_api_token_revokes_it() {
    let t = TestApp::spawn().await;
    let token = t.staff("staff@expatcentre.test", Role::Staff).await;
    let id = token_id(&t, &token).await;
    t.me(&token).await;
    t.delete("/api/v1/auth/sessions/current", Some(&token))
        .await
        .assert(204);
    t.get("/api/v1/me", Some(&token)).await.assert_problem(401);
    t.get("/api/v1/members", Some(&token))
        .await
        .assert_problem(401);
    let (subject,): (Option<String>,) =
        sqlx::query_as("SELECT subject FROM audit_log WHERE action = 'auth.api_token_revoked'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(subject.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn admins_issue_list_and_revoke_api_tokens() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let staff_id = t.me(&staff).await["id"].as_str().unwrap().to_owned();

    let r = t
        .post(
            "/api/v1/admin/tokens",
            json!({"email": "STAFF@expatcentre.test", "name": "door scanner", "expires_in_days": 30}),
            Some(&admin),
        )
        .await;
    r.assert(201);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let issued = r.json();
    let secret = issued["token"].as_str().unwrap().to_owned();
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["name"], "door scanner");
    assert_eq!(issued["account_id"], staff_id.as_str());
    let created =
        chrono::DateTime::parse_from_rfc3339(issued["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(issued["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::days(30));

    // The new token works for its account; its use is recorded.
    assert_eq!(t.me(&secret).await["id"], staff_id.as_str());
    last_used_after(&t, &id, None).await;

    // By account id too, without expiry.
    let r = t
        .post(
            "/api/v1/admin/tokens",
            json!({"account_id": staff_id, "name": "newsletter robot"}),
            Some(&admin),
        )
        .await;
    r.assert(201);
    assert!(r.json().get("expires_at").is_none(), "{}", r.body);
    let robot = r.json()["token"].as_str().unwrap().to_owned();

    let list = t.get("/api/v1/admin/tokens", Some(&admin)).await;
    list.assert(200);
    let items = list.json().as_array().unwrap().clone();
    assert_eq!(items.len(), 4, "{}", list.body);
    let scanner = items.iter().find(|i| i["id"] == id.as_str()).unwrap();
    assert_eq!(scanner["name"], "door scanner");
    assert_eq!(scanner["email"], "staff@expatcentre.test");
    assert_eq!(scanner["role"], "staff");
    assert_eq!(scanner["account_id"], staff_id.as_str());
    assert_eq!(scanner["created_at"], issued["created_at"]);
    assert_eq!(scanner["expires_at"], issued["expires_at"]);
    assert!(scanner["last_used_at"].is_string(), "{scanner}");
    assert!(
        items
            .iter()
            .filter(|i| i["name"] == "cli")
            .all(|i| i.get("expires_at").is_none()),
        "{}",
        list.body
    );
    for secret in [&admin, &staff, &secret, &robot] {
        assert!(!list.body.contains(secret.as_str()), "a secret is listed");
    }
    for hash in hashes(&t).await {
        assert!(!list.body.contains(&hash), "a hash is listed");
    }

    // Revoked: it stops working at once; the others go on.
    t.delete(&format!("/api/v1/admin/tokens/{id}"), Some(&admin))
        .await
        .assert(204);
    t.get("/api/v1/me", Some(&secret)).await.assert_problem(401);
    t.me(&robot).await;
    t.me(&staff).await;
    t.delete(&format!("/api/v1/admin/tokens/{id}"), Some(&admin))
        .await
        .assert_problem(404);
    t.delete(
        &format!("/api/v1/admin/tokens/{}", uuid::Uuid::now_v7()),
        Some(&admin),
    )
    .await
    .assert_problem(404);
    t.delete("/api/v1/admin/tokens/nope", Some(&admin))
        .await
        .assert_problem(422);
    let after = t.get("/api/v1/admin/tokens", Some(&admin)).await.json();
    assert_eq!(after.as_array().unwrap().len(), 3);

    // Audited by id only: no secret, no name, no address.
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.api_token_created'")
            .await,
        4
    );
    let revoked: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT actor, subject, detail FROM audit_log WHERE action = 'auth.api_token_revoked'",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    let admin_id = t.me(&admin).await["id"].as_str().unwrap().to_owned();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        (revoked[0].0.as_str(), revoked[0].1.as_str()),
        (admin_id.as_str(), id.as_str())
    );
    let all: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT detail FROM audit_log WHERE action LIKE 'auth.api_token%'")
            .fetch_all(&t.app.db.read)
            .await
            .unwrap();
    for (detail,) in all {
        let detail = detail.unwrap_or_default();
        for secret in [&admin, &staff, &secret, &robot] {
            assert!(!detail.contains(secret.as_str()), "{detail}");
        }
        assert!(
            !detail.contains("door scanner") && !detail.contains("expatcentre"),
            "{detail}"
        );
    }
}

#[tokio::test]
async fn only_active_staff_and_admin_accounts_hold_api_tokens() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (_, member_id) = t.quick_member("ana@example.org").await;
    let before = t.count("SELECT COUNT(*) FROM tokens").await;
    for (body, field) in [
        (json!({"email": "ana@example.org", "name": "x"}), "email"),
        (json!({"account_id": member_id, "name": "x"}), "account_id"),
        (json!({"email": "nobody@example.org", "name": "x"}), "email"),
        (
            json!({"account_id": uuid::Uuid::now_v7(), "name": "x"}),
            "account_id",
        ),
        (json!({"email": "not an address", "name": "x"}), "email"),
        (json!({"name": "x"}), "account_id"),
        (
            json!({"email": "staff@expatcentre.test", "account_id": member_id, "name": "x"}),
            "account_id",
        ),
        (
            json!({"email": "staff@expatcentre.test", "name": "  "}),
            "name",
        ),
        (
            json!({"email": "staff@expatcentre.test", "name": "a\u{7}b"}),
            "name",
        ),
    ] {
        let p = t
            .post("/api/v1/admin/tokens", body.clone(), Some(&admin))
            .await
            .assert_problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    for body in [
        json!({"email": "staff@expatcentre.test", "name": "x", "expires_in_days": 0}),
        json!({"email": "staff@expatcentre.test", "name": "x", "expires_in_days": 3651}),
        json!({"email": "staff@expatcentre.test", "name": "x", "secret": "mine"}),
    ] {
        t.post("/api/v1/admin/tokens", body, Some(&admin))
            .await
            .assert_problem(422);
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM tokens").await, before);

    // A staff account demoted to member: its API tokens stop working (still listed, to revoke).
    let staff_id = t.me(&staff).await["id"].as_str().unwrap().to_owned();
    t.patch(
        &format!("/api/v1/members/{staff_id}"),
        json!({"role": "member"}),
        Some(&admin),
    )
    .await
    .assert(200);
    t.get("/api/v1/me", Some(&staff)).await.assert_problem(401);
    let list = t.get("/api/v1/admin/tokens", Some(&admin)).await.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|i| i["account_id"] == staff_id.as_str() && i["role"] == "member"),
        "{list}"
    );
}

#[tokio::test]
async fn an_expired_api_token_is_refused() {
    let t = TestApp::spawn().await;
    t.staff("staff@expatcentre.test", Role::Staff).await;
    let issued = cli::create_token(
        &t.app,
        "staff@expatcentre.test",
        &TokenOptions {
            name: "kiosk".into(),
            expires_days: Some(1),
        },
    )
    .await
    .unwrap();
    t.me(&issued.secret).await;
    sqlx::query("UPDATE tokens SET expires_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .bind(&issued.id)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.get("/api/v1/me", Some(&issued.secret))
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn the_cli_issues_lists_and_revokes_tokens() {
    let t = TestApp::spawn().await;
    let first = cli::create_staff_with(
        &t.app,
        "sam@expatcentre.test",
        "Sam",
        "Staff",
        Role::Staff,
        &TokenOptions {
            name: "events sync".into(),
            expires_days: Some(90),
        },
    )
    .await
    .unwrap();
    assert_eq!(first.name, "events sync");
    let expires = first.expires_at.unwrap();
    assert_eq!(expires - first.created_at, 90 * 86_400_000);
    t.me(&first.secret).await;

    // Rotation: a second token for the same account; both work until the old one is revoked.
    let second = cli::create_token(
        &t.app,
        "Sam@expatcentre.test",
        &TokenOptions {
            name: "events sync 2".into(),
            expires_days: None,
        },
    )
    .await
    .unwrap();
    t.me(&second.secret).await;
    t.me(&first.secret).await;

    let table = cli::list_tokens(&t.app).await.unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for column in [
        "ID",
        "NAME",
        "EMAIL",
        "ROLE",
        "CREATED",
        "EXPIRES",
        "LAST USED",
    ] {
        assert!(lines[0].contains(column), "{table}");
    }
    let row = lines.iter().find(|l| l.contains(&first.id)).unwrap();
    for cell in ["events sync", "sam@expatcentre.test", "staff", " UTC"] {
        assert!(row.contains(cell), "{row}");
    }
    let second_row = lines.iter().find(|l| l.contains(&second.id)).unwrap();
    assert!(second_row.contains("never"), "no expiry: {second_row}");
    assert!(!table.contains(&first.secret) && !table.contains(&second.secret));
    for hash in hashes(&t).await {
        assert!(!table.contains(&hash), "a hash is listed");
    }

    cli::revoke_token(&t.app, &first.id).await.unwrap();
    t.get("/api/v1/me", Some(&first.secret))
        .await
        .assert_problem(401);
    t.me(&second.secret).await;
    let again = cli::revoke_token(&t.app, &first.id).await.unwrap_err();
    assert!(again.to_string().contains("no API token"), "{again}");
    let bad = cli::revoke_token(&t.app, "not-an-id").await.unwrap_err();
    assert!(bad.to_string().contains("ID"), "{bad}");
    assert!(!cli::list_tokens(&t.app).await.unwrap().contains(&first.id));

    // Only staff accounts hold tokens; options are validated.
    t.quick_member("ana@example.org").await;
    let member = cli::create_token(&t.app, "ana@example.org", &TokenOptions::default())
        .await
        .unwrap_err();
    assert!(member.to_string().contains("only staff"), "{member}");
    let unknown = cli::create_token(&t.app, "nobody@example.org", &TokenOptions::default())
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("--email"), "{unknown}");
    let empty = TokenOptions {
        name: " ".into(),
        expires_days: None,
    };
    let e = cli::create_token(&t.app, "sam@expatcentre.test", &empty)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--name"), "{e}");
    let forever = TokenOptions {
        name: "x".into(),
        expires_days: Some(0),
    };
    let e = cli::create_token(&t.app, "sam@expatcentre.test", &forever)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--expires-days"), "{e}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM tokens WHERE kind = 'api'")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.api_token_revoked'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_last_use_moves_after_use_at_most_once_a_minute() {
    let t = TestApp::spawn().await;
    let token = t.staff("staff@expatcentre.test", Role::Staff).await;
    let id = token_id(&t, &token).await;
    assert_eq!(last_used(&t, &id).await, None, "never used yet");
    t.me(&token).await;
    let first = last_used_after(&t, &id, None).await;

    // Used again within the minute: nothing is written.
    let recent = first - 1_000;
    sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
        .bind(recent)
        .bind(&id)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.me(&token).await;
    assert_eq!(last_used(&t, &id).await, Some(recent));

    // Used after more than a minute: it moves.
    let old = first - 120_000;
    sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
        .bind(old)
        .bind(&id)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.me(&token).await;
    assert!(last_used_after(&t, &id, Some(old)).await >= first);
}

#[tokio::test]
async fn api_tokens_from_before_ids_get_one_at_start_up() {
    let t = TestApp::spawn().await;
    let token = t.staff("staff@expatcentre.test", Role::Staff).await;
    sqlx::query("UPDATE tokens SET id = NULL, name = NULL WHERE kind = 'api'")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.app.db.migrate().await.unwrap();
    let id = token_id(&t, &token).await;
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let table = cli::list_tokens(&t.app).await.unwrap();
    assert!(table.contains(&id), "{table}");
    cli::revoke_token(&t.app, &id).await.unwrap();
    t.get("/api/v1/me", Some(&token)).await.assert_problem(401);
}

#[tokio::test]
async fn members_list_their_sessions_and_end_one_but_never_anothers() {
    let t = TestApp::spawn().await;
    let first = t.member("ana@example.org", "Ana", "Silva").await;
    // A second session, as from another device.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let link = t.next_mail_to("ana@example.org").await.token();
    let r = t
        .post("/api/v1/auth/sessions", json!({"token": link}), None)
        .await;
    r.assert(201);
    let second = r.json()["session_token"].as_str().unwrap().to_owned();

    let r = t.get("/api/v1/me/sessions", Some(&second)).await;
    r.assert(200);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        list.iter().filter(|s| s["current"] == true).count(),
        1,
        "{list:?}"
    );
    assert!(
        !r.body.contains(&first) && !r.body.contains(&second),
        "no secret listed"
    );
    let other_id = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Somebody else cannot end it: not found, and it still works.
    let stranger = t.member("raj@example.org", "Raj", "Patel").await;
    t.delete(&format!("/api/v1/me/sessions/{other_id}"), Some(&stranger))
        .await
        .assert(404);
    t.get("/api/v1/me", Some(&first)).await.assert(200);

    t.delete(&format!("/api/v1/me/sessions/{other_id}"), Some(&second))
        .await
        .assert(204);
    t.get("/api/v1/me", Some(&first)).await.assert(401);
    t.get("/api/v1/me", Some(&second)).await.assert(200);
}
