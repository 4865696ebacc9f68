use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn programme(t: &TestApp, staff: &str, audience: &str, max: i64) -> String {
    let r = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Partners at work", "nl": "Partners aan het werk"},
                   "description": {"en": "Towards a job in Limburg, with VDAB."},
                   "audience": audience, "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": max}),
            Some(staff),
        )
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_partner_goes_from_application_through_a_match_to_feedback() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    let p = programme(&t, &staff, "partners", 2).await;

    // Only partners may be mentees here.
    t.post(
        &format!("/api/v1/programmes/{p}/mentees"),
        json!({"goals": ["job search"], "languages": ["en"]}),
        Some(&ana),
    )
    .await
    .assert_problem(403);
    let mentee: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentees"),
            json!({"goals": ["job search", "dutch"], "sector": "Engineering", "languages": ["en", "hi"], "availability": "evenings"}),
            Some(&raj),
        )
        .await
        .json();
    assert_eq!(mentee["status"], "applied");
    t.post(
        &format!("/api/v1/programmes/{p}/mentees"),
        json!({"goals": ["x"], "languages": []}),
        Some(&raj),
    )
    .await
    .assert_problem(409);
    let bo_app: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentors"),
            json!({"expertise": ["Job search in Flanders", "Dutch for work"], "sectors": ["engineering"], "languages": ["en", "nl"], "capacity": 5, "bio": "Engineer at a Genk manufacturer."}),
            Some(&bo),
        )
        .await
        .json();
    assert_eq!(bo_app["capacity"], 2, "bounded by the programme's maximum");
    t.post(
        &format!("/api/v1/programmes/{p}/mentors"),
        json!({"expertise": ["cooking"], "sectors": ["hospitality"], "languages": ["fr"], "capacity": 1}),
        Some(&cy),
    )
    .await
    .assert(201);

    let s = t
        .get(&format!("/api/v1/programmes/{p}/suggestions"), Some(&staff))
        .await
        .json();
    assert_eq!(s.as_array().unwrap().len(), 1);
    let ranked = s[0]["mentors"].as_array().unwrap();
    assert_eq!(
        ranked[0]["mentor"]["id"], bo_app["id"],
        "the engineer who speaks English ranks first"
    );
    assert!(ranked[0]["score"].as_i64() > ranked[1]["score"].as_i64());
    let reasons = ranked[0]["reasons"].to_string();
    assert!(
        reasons.contains("engineering") && reasons.contains("en") && reasons.contains("job search"),
        "{reasons}"
    );
    t.get(&format!("/api/v1/programmes/{p}/suggestions"), Some(&raj))
        .await
        .assert_problem(403);

    let m: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/matches"),
            json!({"mentor_id": bo_app["id"], "mentee_id": mentee["id"]}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(m["status"], "matched");
    let intro_raj = t.next_mail_to("raj@example.org").await; // invitation-time mails were consumed by partner()
    let intro_raj = if intro_raj.text.contains("bo@example.org") {
        intro_raj
    } else {
        t.next_mail_to("raj@example.org").await
    };
    assert!(
        intro_raj.text.contains("Bo Peeters") && intro_raj.text.contains("bo@example.org"),
        "{}",
        intro_raj.text
    );
    t.outbox_settled().await;
    let bo_mails = t.mails_to("bo@example.org");
    assert!(
        bo_mails.iter().any(|m| m.text.contains("Raj")),
        "the mentor is introduced too"
    );

    let mine = t.get("/api/v1/me/mentoring", Some(&raj)).await.json();
    assert_eq!(
        mine[0]["contact"]["email"], "bo@example.org",
        "the mentee sees the mentor's contact"
    );
    let mid = m["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
        json!({"rating": 5}),
        Some(&raj),
    )
    .await
    .assert_problem(409);
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/complete"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/start"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let done = t
        .post(
            &format!("/api/v1/programmes/{p}/matches/{mid}/complete"),
            json!({}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(done["status"], "completed");
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
        json!({"rating": 5, "comment": "Found a job at a Genk start-up!"}),
        Some(&raj),
    )
    .await
    .assert(200);
    let fb = t
        .post(
            &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
            json!({"rating": 4}),
            Some(&bo),
        )
        .await
        .json();
    assert_eq!(
        (fb["mentee_rating"].as_i64(), fb["mentor_rating"].as_i64()),
        (Some(5), Some(4))
    );
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
        json!({"rating": 3}),
        Some(&ana),
    )
    .await
    .assert_problem(404);
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
        json!({"rating": 6}),
        Some(&raj),
    )
    .await
    .assert_problem(422);
    let apps = t
        .get(
            &format!("/api/v1/programmes/{p}/applications"),
            Some(&staff),
        )
        .await
        .json();
    let bo_now = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == bo_app["id"])
        .unwrap()
        .clone();
    assert_eq!(bo_now["mentees"], 0, "a completed match frees the place");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mentor_never_exceeds_capacity_under_concurrent_matching() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let p = programme(&t, &staff, "everyone", 2).await;
    let (mentor, _) = t.quick_member("mentor@example.org").await;
    let mentor_app = t
        .post(
            &format!("/api/v1/programmes/{p}/mentors"),
            json!({"expertise": ["x"], "sectors": [], "languages": [], "capacity": 2}),
            Some(&mentor),
        )
        .await
        .json();
    let mut mentees = Vec::new();
    for i in 0..12 {
        let (s, _) = t.quick_member(&format!("mentee{i}@example.org")).await;
        let a = t
            .post(
                &format!("/api/v1/programmes/{p}/mentees"),
                json!({"goals": ["y"], "languages": []}),
                Some(&s),
            )
            .await
            .json();
        mentees.push(a["id"].as_str().unwrap().to_owned());
    }
    let results = futures::future::join_all(mentees.iter().map(|m| {
        let t = &t;
        let body = json!({"mentor_id": mentor_app["id"], "mentee_id": m});
        let path = format!("/api/v1/programmes/{p}/matches");
        let staff = staff.clone();
        async move { t.post(&path, body, Some(&staff)).await.status }
    }))
    .await;
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 2);
    assert_eq!(results.iter().filter(|s| **s == 409).count(), 10);
    let (n,): (i64,) =
        sqlx::query_as("SELECT mentees FROM programme_applications WHERE role = 'mentor'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    assert_eq!(n, 2);
    assert_eq!(t.count("SELECT COUNT(*) FROM matches").await, 2);
}
