use serde_json::json;

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
        && c["source"] == "sign_up"));
    assert!(
        consents
            .iter()
            .any(|c| c["kind"] == "newsletter" && c["granted"] == true)
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
async fn consents_are_recorded_with_time_and_source() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        json!({"email": "bo@example.org", "first_name": "Bo", "last_name": "Li", "language": "de",
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let rows: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT kind, granted, source FROM consents ORDER BY kind")
            .fetch_all(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("newsletter".to_owned(), 0, "sign_up".to_owned()),
            ("privacy_policy".to_owned(), 1, "sign_up".to_owned())
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
