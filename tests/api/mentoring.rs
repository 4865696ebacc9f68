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
    assert_eq!(
        s[0]["mentee_name"], "Raj Partner",
        "staff match people, not ids"
    );
    let ranked = s[0]["mentors"].as_array().unwrap();
    assert_eq!(
        ranked[0]["mentor"]["id"], bo_app["id"],
        "the engineer who speaks English ranks first"
    );
    assert_eq!(ranked[0]["mentor_name"], "Bo Peeters");
    assert_eq!(ranked[1]["mentor_name"], "Cy Janssens");
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
        (None, Some(4)),
        "the mentor sees their own feedback only"
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

/// Applies to programme `p` as `role` ("mentors" or "mentees"); answers the application's id.
async fn apply(t: &TestApp, p: &str, token: &str, role: &str) -> String {
    let body = if role == "mentors" {
        json!({"expertise": ["settling in"], "sectors": [], "languages": ["en"], "capacity": 1})
    } else {
        json!({"goals": ["settling in"], "languages": ["en"]})
    };
    let r = t
        .post(&format!("/api/v1/programmes/{p}/{role}"), body, Some(token))
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Staff confirm a match; answers its id.
async fn confirm(t: &TestApp, staff: &str, p: &str, mentor: &str, mentee: &str) -> String {
    let r = t
        .post(
            &format!("/api/v1/programmes/{p}/matches"),
            json!({"mentor_id": mentor, "mentee_id": mentee}),
            Some(staff),
        )
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The programme's matches as staff see them, by id.
async fn staff_view(t: &TestApp, staff: &str, p: &str, m: &str) -> Value {
    let all = t
        .get(&format!("/api/v1/programmes/{p}/matches"), Some(staff))
        .await
        .json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == m)
        .unwrap()
        .clone()
}

/// An application as staff see it.
async fn application(t: &TestApp, staff: &str, p: &str, id: &str) -> Value {
    let all = t
        .get(&format!("/api/v1/programmes/{p}/applications"), Some(staff))
        .await
        .json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone()
}

/// The mails about a withdrawn match received so far by `address`.
async fn withdrawal_mails(t: &TestApp, address: &str) -> Vec<crate::helpers::Mail> {
    t.outbox_settled().await;
    t.mails_to(address)
        .into_iter()
        .filter(|m| {
            ["has ended", "beëindigd", "wurde beendet", "a pris fin"]
                .iter()
                .any(|s| m.subject.contains(s))
        })
        .collect()
}

#[tokio::test]
async fn each_person_of_a_match_sees_only_their_own_feedback_and_staff_see_both() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    let p = programme(&t, &staff, "everyone", 2).await;
    let bo_app = apply(&t, &p, &bo, "mentors").await;
    let cy_app = apply(&t, &p, &cy, "mentees").await;
    let m = confirm(&t, &staff, &p, &bo_app, &cy_app).await;
    for step in ["start", "complete"] {
        t.post(
            &format!("/api/v1/programmes/{p}/matches/{m}/{step}"),
            json!({}),
            Some(&staff),
        )
        .await
        .assert(200);
    }
    let (bo_says, cy_says) = ("Cy was always well prepared", "Bo found me a Dutch course");
    let fb = |token: &str, rating: i64, comment: &str| {
        let (t, p, m) = (&t, &p, &m);
        let body = json!({"rating": rating, "comment": comment});
        let token = token.to_owned();
        async move {
            let r = t
                .post(
                    &format!("/api/v1/programmes/{p}/matches/{m}/feedback"),
                    body,
                    Some(&token),
                )
                .await;
            r.assert(200);
            r.json()
        }
    };
    let cy_sees = fb(&cy, 5, cy_says).await;
    assert_eq!(cy_sees["mentee_comment"], cy_says);
    let bo_sees = fb(&bo, 3, bo_says).await;
    assert_eq!(
        (
            bo_sees["mentor_rating"].as_i64(),
            bo_sees["mentor_comment"].as_str()
        ),
        (Some(3), Some(bo_says))
    );
    assert!(
        bo_sees.get("mentee_rating").is_none() && bo_sees.get("mentee_comment").is_none(),
        "the mentor does not see the mentee's feedback: {bo_sees}"
    );

    // The same in their own view, from both sides; their export (their right of access) holds
    // also what the other wrote about them, said to come from the "mentor" or "mentee".
    for (token, own, other, own_comment, other_comment) in [
        (&bo, "mentor", "mentee", bo_says, cy_says),
        (&cy, "mentee", "mentor", cy_says, bo_says),
    ] {
        let mine = t.get("/api/v1/me/mentoring", Some(token)).await.json();
        let seen = &mine[0]["match"];
        assert_eq!(seen[format!("{own}_comment")], own_comment, "{mine}");
        assert!(
            seen.get(format!("{other}_comment")).is_none()
                && seen.get(format!("{other}_rating")).is_none(),
            "the {own} sees the {other}'s feedback: {seen}"
        );
        let export = t.get("/api/v1/me/export", Some(token)).await.json();
        let exported = &export["mentoring"][0]["matches"][0];
        assert_eq!(
            exported["feedback_given"]["comment"], own_comment,
            "{exported}"
        );
        assert_eq!(
            exported["feedback_received"],
            json!({"from": other, "rating": if other == "mentor" { 3 } else { 5 },
                   "comment": other_comment}),
            "the {own}'s export holds what the {other} wrote about them"
        );
    }

    // Staff see both.
    let all = staff_view(&t, &staff, &p, &m).await;
    assert_eq!(
        (
            all["mentor_comment"].as_str(),
            all["mentee_comment"].as_str()
        ),
        (Some(bo_says), Some(cy_says))
    );
    assert_eq!(
        (all["mentor_rating"].as_i64(), all["mentee_rating"].as_i64()),
        (Some(3), Some(5))
    );
}

#[tokio::test]
async fn the_mentor_or_the_mentee_withdraws_from_their_own_match_and_the_other_is_told() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let dee = t.member("dee@example.org", "Dee", "Wouters").await;
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    // Cy reads Dutch; her partner Fay is in her household; Eve is somebody else.
    t.patch("/api/v1/me", json!({"language": "nl"}), Some(&cy))
        .await
        .assert(200);
    let fay = t.partner(&cy, "fay@example.org", "Fay").await;
    let eve = t.member("eve@example.org", "Eve", "Claes").await;
    let p = programme(&t, &staff, "everyone", 2).await;
    let bo_app = apply(&t, &p, &bo, "mentors").await;
    let dee_app = apply(&t, &p, &dee, "mentors").await;
    let cy_app = apply(&t, &p, &cy, "mentees").await;
    let m1 = confirm(&t, &staff, &p, &bo_app, &cy_app).await;
    let withdraw = format!("/api/v1/programmes/{p}/matches/{m1}/withdraw");

    // Nobody else may, not even the mentee's partner: for them the match does not exist.
    for token in [&eve, &fay] {
        t.post(&withdraw, json!({"reason": "x"}), Some(token))
            .await
            .assert_problem(404);
    }
    t.post(&withdraw, json!({}), None).await.assert_problem(401);
    assert_eq!(staff_view(&t, &staff, &p, &m1).await["status"], "matched");
    t.post(&withdraw, json!({"reason": "x".repeat(2001)}), Some(&bo))
        .await
        .assert_problem(422);

    // The mentor withdraws, saying why; the mentee is told, in Dutch, with the reason.
    let reason = "A new job in Antwerp leaves me no time";
    let r = t
        .post(&withdraw, json!({"reason": reason}), Some(&bo))
        .await;
    r.assert(200);
    let ended = r.json();
    assert_eq!(ended["status"], "withdrawn");
    assert_eq!(ended["withdrawn_by"], "mentor");
    assert_eq!(ended["withdrawal_reason"], reason);
    let told = withdrawal_mails(&t, "cy@example.org").await;
    assert_eq!(told.len(), 1, "the mentee is told once");
    assert!(told[0].subject.contains("beëindigd"), "{}", told[0].subject);
    assert!(
        told[0].text.contains("Bo Peeters") && told[0].text.contains(reason),
        "{}",
        told[0].text
    );
    assert!(
        withdrawal_mails(&t, "bo@example.org").await.is_empty(),
        "the one who withdrew is not told"
    );
    t.post(&withdraw, json!({}), Some(&bo))
        .await
        .assert_problem(409);

    // The mentor's place is free; the mentee may be matched again, not with Bo.
    assert_eq!(application(&t, &staff, &p, &bo_app).await["mentees"], 0);
    assert_eq!(
        application(&t, &staff, &p, &cy_app).await["status"],
        "applied"
    );
    let s = t
        .get(&format!("/api/v1/programmes/{p}/suggestions"), Some(&staff))
        .await
        .json();
    let for_cy = s
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["mentee"]["id"] == cy_app.as_str())
        .unwrap()
        .clone();
    let names: Vec<&str> = for_cy["mentors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mentor_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dee Wouters"]);

    // The mentee withdraws from her next match, giving no reason; the mentor is told.
    let m2 = confirm(&t, &staff, &p, &dee_app, &cy_app).await;
    t.post(
        &format!("/api/v1/programmes/{p}/matches/{m2}/start"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let r = t
        .post(
            &format!("/api/v1/programmes/{p}/matches/{m2}/withdraw"),
            json!({}),
            Some(&cy),
        )
        .await;
    r.assert(200);
    assert_eq!(r.json()["withdrawn_by"], "mentee");
    let told = withdrawal_mails(&t, "dee@example.org").await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].text.contains("Cy Janssens has withdrawn") && !told[0].text.contains("wrote:"),
        "{}",
        told[0].text
    );
    assert_eq!(withdrawal_mails(&t, "cy@example.org").await.len(), 1);
    assert_eq!(application(&t, &staff, &p, &dee_app).await["mentees"], 0);

    // Both matches, in the mentee's own view and as staff see them.
    let mine = t.get("/api/v1/me/mentoring", Some(&cy)).await.json();
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter()
            .all(|x| x["match"]["status"] == "withdrawn" && x.get("contact").is_none()),
        "{mine:?}"
    );
    let seen = staff_view(&t, &staff, &p, &m1).await;
    assert_eq!(
        (
            seen["withdrawn_by"].as_str(),
            seen["withdrawal_reason"].as_str()
        ),
        (Some("mentor"), Some(reason))
    );
}

#[tokio::test]
async fn staff_withdraw_a_match_both_are_told_and_the_mentee_can_be_matched_again() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let dee = t.member("dee@example.org", "Dee", "Wouters").await;
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    let p = programme(&t, &staff, "everyone", 2).await;
    let bo_app = apply(&t, &p, &bo, "mentors").await;
    let dee_app = apply(&t, &p, &dee, "mentors").await;
    let cy_app = apply(&t, &p, &cy, "mentees").await;
    let m = confirm(&t, &staff, &p, &bo_app, &cy_app).await;
    // No body at all, as before the reason existed.
    let r = t
        .client
        .post(format!("/api/v1/programmes/{p}/matches/{m}/withdraw"))
        .header("authorization", format!("Bearer {staff}"))
        .send()
        .await;
    r.assert_status_is_ok();
    let answer: serde_json::Value = r.0.into_body().into_json().await.unwrap();
    assert_eq!(answer["withdrawn_by"], "staff");
    for (address, other) in [
        ("bo@example.org", "Cy Janssens"),
        ("cy@example.org", "Bo Peeters"),
    ] {
        let told = withdrawal_mails(&t, address).await;
        assert_eq!(told.len(), 1, "{address}");
        assert!(
            told[0].text.contains("team has ended your match with") && told[0].text.contains(other),
            "{}",
            told[0].text
        );
    }
    let s = t
        .get(&format!("/api/v1/programmes/{p}/suggestions"), Some(&staff))
        .await
        .json();
    assert_eq!(s[0]["mentee"]["id"], cy_app.as_str(), "{s}");
    confirm(&t, &staff, &p, &dee_app, &cy_app).await;
}
