use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::{BASE_URL, TestApp};

fn people(h: &serde_json::Value) -> Vec<serde_json::Value> {
    h["people"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_partner_is_invited_accepts_and_becomes_a_member_of_the_household() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let r = t
        .post(
            "/api/v1/me/household/partner",
            json!({"email": "raj@example.org", "first_name": "Raj", "last_name": "Kumar"}),
            Some(&ana),
        )
        .await;
    r.assert(202);
    let pending = t.household(&ana).await["pending_invitations"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1);

    let mail = t.next_mail_to("raj@example.org").await;
    assert!(mail.text.contains("Ana Silva"), "{}", mail.text);
    assert!(mail.text.contains(&format!("{BASE_URL}/invitation?token=")));

    // Consent is required of the partner too.
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": mail.token(), "consent": {"privacy_policy": false}}),
        None,
    )
    .await
    .assert_problem(422);
    let r = t
        .post(
            "/api/v1/invitations/accept",
            json!({"token": mail.token(), "language": "fr", "consent": {"privacy_policy": true, "newsletter": false}}),
            None,
        )
        .await;
    r.assert(200);
    let raj = r.json()["session_token"].as_str().unwrap().to_owned();
    let raj_me = t.me(&raj).await;
    assert_eq!(raj_me["relation"], "partner");
    assert_eq!(raj_me["status"], "active");
    assert_eq!(raj_me["language"], "fr");

    let h = t.household(&ana).await;
    assert_eq!(h, t.household(&raj).await, "both see the same household");
    let ps = people(&h);
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0]["relation"], "primary");
    assert_eq!(ps[1]["relation"], "partner");
    assert!(ps.iter().all(|p| p["has_account"] == true));
    assert!(h["pending_invitations"].as_array().unwrap().is_empty());

    // The partner signs in on their own.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "raj@example.org"}),
        None,
    )
    .await
    .assert(202);
    t.next_mail_to("raj@example.org").await;

    // The invitation works once; a second partner is refused.
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": mail.token(), "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert_problem(410);
    t.post(
        "/api/v1/me/household/partner",
        json!({"email": "other@example.org", "first_name": "O", "last_name": "T"}),
        Some(&ana),
    )
    .await
    .assert_problem(409);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM consents WHERE kind = 'newsletter' AND granted = 0 AND source = 'invitation'").await,
        1
    );
}

#[tokio::test]
async fn members_manage_their_dependents_and_nobody_else_sees_them() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let eve = t.member("eve@example.org", "Eve", "Other").await;

    let r = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mia", "birth_year": 2019, "relation": "child"}),
            Some(&ana),
        )
        .await;
    r.assert(201);
    let mia = r.json();
    assert_eq!(mia["has_account"], false);
    assert_eq!(mia["relation"], "child");
    let mia_id = mia["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/me/household/dependents/{mia_id}");

    // The partner sees and manages the child too.
    assert_eq!(people(&t.household(&raj).await).len(), 3);
    let r = t
        .patch(
            &path,
            json!({"last_name": "Silva Kumar", "birth_year": 2018}),
            Some(&raj),
        )
        .await;
    r.assert(200);
    assert_eq!(r.json()["last_name"], "Silva Kumar");
    assert_eq!(r.json()["first_name"], "Mia");
    assert_eq!(r.json()["birth_year"], 2018);

    // Another household neither sees nor touches the child.
    let eves = t.household(&eve).await;
    assert_eq!(people(&eves).len(), 1);
    assert!(!eves.to_string().contains("Mia"));
    t.patch(&path, json!({"first_name": "X"}), Some(&eve))
        .await
        .assert_problem(404);
    t.delete(&path, Some(&eve)).await.assert_problem(404);
    // A member is not a dependent: Raj cannot be edited through this route.
    let raj_id = t.me(&raj).await["id"].as_str().unwrap().to_owned();
    t.patch(
        &format!("/api/v1/me/household/dependents/{raj_id}"),
        json!({"first_name": "X"}),
        Some(&ana),
    )
    .await
    .assert_problem(404);

    t.delete(&path, Some(&ana)).await.assert(204);
    assert_eq!(people(&t.household(&ana).await).len(), 2);
    t.delete(&path, Some(&ana)).await.assert_problem(404);
}

#[tokio::test]
async fn an_existing_member_joins_a_household_only_by_accepting_and_brings_their_children() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.member("raj@example.org", "Raj", "Kumar").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Dev", "relation": "child"}),
        Some(&raj),
    )
    .await
    .assert(201);
    t.post(
        "/api/v1/me/household/partner",
        json!({"email": "raj@example.org", "first_name": "Raj", "last_name": "Kumar"}),
        Some(&ana),
    )
    .await
    .assert(202);
    // Not linked before accepting.
    assert_eq!(people(&t.household(&ana).await).len(), 1);

    let mail = t.next_mail_to("raj@example.org").await;
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": mail.token(), "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(200);
    let h = t.household(&ana).await;
    let names: Vec<_> = people(&h)
        .iter()
        .map(|p| p["first_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Ana", "Raj", "Dev"]);
    assert_eq!(h, t.household(&raj).await);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts").await,
        2,
        "no second account for Raj"
    );
}

#[tokio::test]
async fn a_member_leaves_the_household_and_keeps_their_account() {
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

    let r = t
        .post("/api/v1/me/household/leave", json!({}), Some(&ana))
        .await;
    r.assert(200);
    let ana_h = r.json();
    assert_eq!(people(&ana_h).len(), 1);
    assert_eq!(people(&ana_h)[0]["relation"], "primary");

    let raj_h = t.household(&raj).await;
    assert_ne!(raj_h["id"], ana_h["id"]);
    let ps = people(&raj_h);
    assert_eq!(ps.len(), 2, "the child stays with the remaining member");
    assert_eq!(ps[0]["first_name"], "Raj");
    assert_eq!(
        ps[0]["relation"], "primary",
        "the remaining member becomes primary"
    );

    // Alone in a household: nothing to leave.
    t.post("/api/v1/me/household/leave", json!({}), Some(&ana))
        .await
        .assert_problem(409);
    t.me(&ana).await;
}

#[tokio::test]
async fn inviting_yourself_is_refused() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let p = t
        .post(
            "/api/v1/me/household/partner",
            json!({"email": "ANA@example.org", "first_name": "Ana", "last_name": "Silva"}),
            Some(&ana),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "email");
}

#[tokio::test]
async fn the_household_says_who_is_the_accompanying_partner_not_who_signed_up_first() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let p = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Partners at work"}, "description": {"en": "Towards a job in Limburg."},
                   "audience": "partners", "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": 2}),
            Some(&staff),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let relations = |token: &str| {
        let t = &t;
        let token = token.to_owned();
        async move {
            let h = t.household(&token).await;
            h["people"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["first_name"].as_str().unwrap().to_owned(),
                        p["relation"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        }
    };
    let is = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let mentee = json!({"goals": ["a job"], "languages": ["en"]});
    let apply_mentee = |token: &str| {
        let t = &t;
        let path = format!("/api/v1/programmes/{p}/mentees");
        let (token, body) = (token.to_owned(), mentee.clone());
        async move { t.post(&path, body, Some(&token)).await }
    };

    // Ana signed up first, but it is Raj's job that brought them to Genk.
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    apply_mentee(&ana).await.assert_problem(403);
    let r = t
        .put_json(
            "/api/v1/me/household/relation",
            json!({"relation": "partner"}),
            Some(&ana),
        )
        .await;
    r.assert(200);
    assert_eq!(
        relations(&ana).await,
        is(&[("Ana", "partner"), ("Raj", "primary")])
    );
    assert_eq!(t.me(&ana).await["relation"], "partner");
    apply_mentee(&raj).await.assert_problem(403);
    apply_mentee(&ana).await.assert(201);

    // Either adult may say it for both; an application made stays.
    t.put_json(
        "/api/v1/me/household/relation",
        json!({"relation": "partner"}),
        Some(&raj),
    )
    .await
    .assert(200);
    assert_eq!(
        relations(&ana).await,
        is(&[("Ana", "primary"), ("Raj", "partner")])
    );
    let apps = t
        .get(
            &format!("/api/v1/programmes/{p}/applications"),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(apps.as_array().unwrap().len(), 1);
    let bad = t
        .put_json(
            "/api/v1/me/household/relation",
            json!({"relation": "child"}),
            Some(&raj),
        )
        .await
        .assert_problem(422);
    assert_eq!(bad["errors"][0]["field"], "relation", "{bad}");

    // A member alone may be the partner; whoever joins them later is the primary.
    let gus = t.member("gus@example.org", "Gus", "Maes").await;
    t.put_json(
        "/api/v1/me/household/relation",
        json!({"relation": "partner"}),
        Some(&gus),
    )
    .await
    .assert(200);
    apply_mentee(&gus).await.assert(201);
    t.partner(&gus, "hal@example.org", "Hal").await;
    assert_eq!(
        relations(&gus).await,
        is(&[("Gus", "partner"), ("Hal", "primary")])
    );
}
