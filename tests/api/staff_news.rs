//! The back office's newsletter and mentoring pages over HTTP: who may open and use each page
//! and action (the matrix), forms that come back with what was typed and the error beside its
//! field in the visitor's language, and the API's answers unchanged by the shared domain path.

use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::staff_pages::{Access, Callers, Row, check};

/// A member confirmed on the community list, reading in `language`; answers the session.
pub async fn subscriber(t: &TestApp, email: &str, first: &str, language: &str) -> String {
    t.post(
        "/api/v1/members",
        json!({"email": email, "first_name": first, "last_name": "Reader", "language": language,
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to(email).await;
    t.verify(&mail.token(), true).await
}

/// A draft issue written through the API; answers its id.
pub async fn issue(t: &TestApp, staff: &str) -> String {
    let r = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "Spring in Limburg", "nl": "Lente in Limburg"},
                   "body": {"en": "The **blossom** is out.", "nl": "De **bloesem** staat in bloei."},
                   "segment": "community"}),
            Some(staff),
        )
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// A partners' programme with a partner as mentee and two mentors; answers the programme's id
/// and the sessions of the mentee (Ravi) and the best-suited mentor (Bo).
pub async fn programme(t: &TestApp, staff: &str) -> (String, String, String) {
    let r = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Partners at work", "nl": "Partners aan het werk"},
                   "description": {"en": "Towards a job in Limburg."},
                   "audience": "partners", "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": 2}),
            Some(staff),
        )
        .await;
    r.assert(201);
    let p = r.json()["id"].as_str().unwrap().to_owned();
    let mia = t.member("mia@example.org", "Mia", "Claes").await;
    let ravi = t.partner(&mia, "ravi@example.org", "Ravi").await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    t.post(
        &format!("/api/v1/programmes/{p}/mentees"),
        json!({"goals": ["job search"], "sector": "Engineering", "languages": ["en"]}),
        Some(&ravi),
    )
    .await
    .assert(201);
    t.post(
        &format!("/api/v1/programmes/{p}/mentors"),
        json!({"expertise": ["Job search in Flanders"], "sectors": ["engineering"], "languages": ["en", "nl"], "capacity": 2}),
        Some(&bo),
    )
    .await
    .assert(201);
    t.post(
        &format!("/api/v1/programmes/{p}/mentors"),
        json!({"expertise": ["cooking"], "sectors": ["hospitality"], "languages": ["fr"], "capacity": 1}),
        Some(&cy),
    )
    .await
    .assert(201);
    (p, ravi, bo)
}

/// Every page and action of the newsletter and mentoring areas. Actions that would change what
/// the other rows need (sending, cancelling, closing, moving a match) use ids that do not exist:
/// staff get "not found", everybody else is refused first.
pub fn routes(issue: &str, programme: &str) -> Vec<Row> {
    let fake = "00000000-0000-4000-8000-000000000000";
    let s = |m: &'static str, p: String| (m, p, Access::Staff, false);
    vec![
        s("GET", "/staff/newsletter".into()),
        s("GET", "/staff/newsletter?page=2".into()),
        s("GET", "/staff/newsletter/new".into()),
        s("POST", "/staff/newsletter/new".into()),
        s("GET", format!("/staff/newsletter/{issue}")),
        s("GET", format!("/staff/newsletter/{issue}/edit")),
        s("POST", format!("/staff/newsletter/{issue}/edit")),
        s("POST", format!("/staff/newsletter/{issue}/test")),
        s("POST", format!("/staff/newsletter/{issue}/schedule")),
        s("POST", format!("/staff/newsletter/{fake}/send")),
        s("POST", format!("/staff/newsletter/{issue}/pause")),
        s("POST", format!("/staff/newsletter/{issue}/resume")),
        s("POST", format!("/staff/newsletter/{fake}/cancel")),
        s("GET", "/staff/mentoring".into()),
        s("GET", "/staff/mentoring/new".into()),
        s("POST", "/staff/mentoring/new".into()),
        s("GET", format!("/staff/mentoring/{programme}")),
        s("POST", format!("/staff/mentoring/{fake}/close")),
        s("POST", format!("/staff/mentoring/{programme}/matches")),
        s(
            "POST",
            format!("/staff/mentoring/{programme}/matches/{fake}/start"),
        ),
        s(
            "POST",
            format!("/staff/mentoring/{programme}/matches/{fake}/complete"),
        ),
    ]
}

#[tokio::test]
async fn every_newsletter_and_mentoring_page_and_action_admits_exactly_staff_and_admins() {
    let t = TestApp::spawn().await;
    let c = Callers::new(&t).await;
    let i = issue(&t, &c.staff).await;
    let (p, _, _) = programme(&t, &c.staff).await;
    check(&t, &c, &routes(&i, &p)).await;
    // Nothing was changed by the refused callers nor by the staff's empty forms.
    let n = t
        .get(&format!("/api/v1/newsletters/{i}"), Some(&c.staff))
        .await
        .json();
    assert_eq!(n["status"], "draft");
    assert_eq!(n["subject"]["en"], "Spring in Limburg");
    assert_eq!(t.count("SELECT COUNT(*) FROM matches").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM programmes").await, 1);
}

#[tokio::test]
async fn the_issue_form_keeps_what_was_typed_and_says_what_is_wrong_in_each_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for (lang, says) in [
        ("en", "Write a subject"),
        ("nl", "Schrijf een onderwerp"),
        ("de", "Schreib einen einzeiligen Betreff"),
        ("fr", "Indiquez un objet"),
    ] {
        let r = t
            .form(
                &format!("/staff/newsletter/new?lang={lang}"),
                Some(&staff),
                &[
                    ("body_en", "Dear all <b>"),
                    ("subject_nl", "Lente"),
                    ("body_nl", "Beste allemaal"),
                    ("segment", "community"),
                    ("days", "500"),
                ],
            )
            .await;
        r.assert(422);
        assert!(r.body.contains(says), "{lang}: {}", r.body);
        assert!(r.body.contains(r#"id="subject_en-error""#));
        assert!(r.body.contains(r#"aria-describedby="subject_en-error""#));
        assert!(r.body.contains(r#"id="days-error""#));
        assert!(r.body.contains("Dear all &lt;b&gt;"), "kept and escaped");
        assert!(r.body.contains(r#"value="Lente""#));
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM newsletters").await, 0);

    // Filled in: a draft, the same as the API's.
    let r = t
        .form(
            "/staff/newsletter/new",
            Some(&staff),
            &[
                ("subject_en", "Spring"),
                ("body_en", "Dear all"),
                ("segment", "alumni"),
                ("phase", "leaving"),
                ("municipality", "Hasselt"),
                ("days", "14"),
            ],
        )
        .await;
    r.assert(303);
    let to = r.header("location").unwrap().to_owned();
    let id = to
        .trim_start_matches("/staff/newsletter/")
        .split('?')
        .next()
        .unwrap();
    let n: Value = t
        .get(&format!("/api/v1/newsletters/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(n["segment"], "alumni");
    assert_eq!(n["filters"]["phase"], "leaving");
    assert_eq!(n["filters"]["municipality"], "Hasselt");
    assert_eq!(n["upcoming_events_days"], 14);
    assert_eq!(n["subject"], json!({"en": "Spring"}));

    // The API still answers its own field names for the rules it now shares.
    let p = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"nl": "x"}, "body": {"en": " "}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"subject"), "{p}");
    assert!(fields.contains(&"body.en"), "{p}");

    // A schedule in the past comes back beside its field.
    let r = t
        .form(
            &format!("/staff/newsletter/{id}/schedule?lang=nl"),
            Some(&staff),
            &[("at", "2001-01-01T10:00")],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains(r#"id="at-error""#));
    assert!(r.body.contains(r#"value="2001-01-01T10:00""#));
    // A test to a wrong address likewise, and no mail.
    let r = t
        .form(
            &format!("/staff/newsletter/{id}/test"),
            Some(&staff),
            &[("email", "not an address")],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains(r#"id="email-error""#));
}

#[tokio::test]
async fn a_programme_is_created_and_closed_and_its_form_says_what_is_wrong() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let r = t
        .form(
            "/staff/mentoring/new?lang=de",
            Some(&staff),
            &[
                ("name_en", ""),
                ("description_en", "Towards work"),
                ("audience", "partners"),
                ("starts_on", "2030-02-01"),
                ("ends_on", "soon"),
                ("max_mentees", "2"),
            ],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains(r#"id="name_en-error""#), "{}", r.body);
    assert!(r.body.contains(r#"id="ends_on-error""#));
    assert!(r.body.contains("Gib einen Namen"));
    assert!(r.body.contains("Towards work"));
    let r = t
        .form(
            "/staff/mentoring/new",
            Some(&staff),
            &[
                ("name_en", "Partners at work"),
                ("description_en", "Towards work"),
                ("audience", "partners"),
                ("starts_on", "2030-02-01"),
                ("ends_on", "2030-01-01"),
                ("max_mentees", "2"),
            ],
        )
        .await;
    r.assert(422);
    assert!(
        r.body.contains(r#"id="ends_on-error""#),
        "the domain's rule"
    );
    let r = t
        .form(
            "/staff/mentoring/new",
            Some(&staff),
            &[
                ("name_en", "Partners at work"),
                ("name_nl", "Partners aan het werk"),
                ("description_en", "Towards work"),
                ("description_nl", "Op weg naar werk"),
                ("audience", "partners"),
                ("starts_on", "2030-02-01"),
                ("ends_on", "2030-06-30"),
                ("max_mentees", "2"),
            ],
        )
        .await;
    r.assert(303);
    let to = r.header("location").unwrap().to_owned();
    let id = to
        .trim_start_matches("/staff/mentoring/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = t
        .page(&format!("/staff/mentoring/{id}?lang=nl"), Some(&staff))
        .await;
    page.assert(200);
    assert!(page.body.contains("Partners aan het werk"));
    t.form(&format!("/staff/mentoring/{id}/close"), Some(&staff), &[])
        .await
        .assert(303);
    let p = t
        .get(&format!("/api/v1/programmes/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(p["status"], "closed");
}

#[tokio::test]
async fn an_issue_is_paused_resumed_and_cancelled_from_its_page_and_the_list_pages() {
    let mut t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    subscriber(&t, "joke@example.org", "Joke", "nl").await;
    // Nothing leaves while the sender is stopped: the states can be walked through.
    t.stop_worker().await;
    let id = issue(&t, &staff).await;
    let page = |p: &str| format!("/staff/newsletter/{id}{p}");

    // A preview for an address no member has says so beside the field.
    let r = t
        .page(&page("?preview_email=nobody%40example.org"), Some(&staff))
        .await;
    r.assert(422);
    assert!(r.body.contains(r#"id="preview_email-error""#));
    let r = t.page(&page("?preview_lang=nl"), Some(&staff)).await;
    r.assert(200);
    assert!(r.body.contains("Lente in Limburg"));

    for (action, status) in [
        ("/send", "sending"),
        ("/pause", "paused"),
        ("/resume", "sending"),
        ("/cancel", "cancelled"),
    ] {
        let r = t.form(&page(action), Some(&staff), &[]).await;
        r.assert(303);
        assert_eq!(
            r.header("location"),
            Some(page(&format!("?done={status}")).as_str())
        );
        let n = t
            .get(&format!("/api/v1/newsletters/{id}"), Some(&staff))
            .await
            .json();
        assert_eq!(n["status"], status);
    }
    let r = t.page(&page(""), Some(&staff)).await;
    assert!(
        r.body.contains(r#"<dd id="count-skipped">1</dd>"#),
        "{}",
        r.body
    );
    // A cancelled issue cannot be sent again: the domain's conflict, as a page.
    let r = t.form(&page("/send"), Some(&staff), &[]).await;
    r.assert(409);
    assert!(r.body.contains("<h1>"));
    // Nor edited.
    t.page(&page("/edit"), Some(&staff)).await.assert(409);

    // The list pages: 20 issues a page.
    for _ in 0..20 {
        issue(&t, &staff).await;
    }
    let first = t.page("/staff/newsletter", Some(&staff)).await;
    assert!(first.body.contains(r#"href="/staff/newsletter?page=2""#));
    let second = t.page("/staff/newsletter?page=2", Some(&staff)).await;
    assert!(second.body.contains(r#"href="/staff/newsletter?page=1""#));
    assert_eq!(second.body.matches("Spring in Limburg").count(), 1);
}

#[tokio::test]
async fn staff_confirm_a_suggested_match_move_it_along_and_read_both_peoples_feedback() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (p, ravi, bo) = programme(&t, &staff).await;
    let s = t
        .get(&format!("/api/v1/programmes/{p}/suggestions"), Some(&staff))
        .await
        .json();
    let mentee = s[0]["mentee"]["id"].as_str().unwrap().to_owned();
    let mentor = s[0]["mentors"][0]["mentor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = t.page(&format!("/staff/mentoring/{p}"), Some(&staff)).await;
    page.assert(200);
    assert!(page.body.contains("Ravi Partner") && page.body.contains("Bo Peeters"));
    assert!(
        page.body
            .contains(&format!(r#"name="mentor_id" value="{mentor}""#))
    );
    // The reasons are the API's English there, and the visitor's language here.
    assert!(
        s[0]["mentors"][0]["reasons"]
            .to_string()
            .contains("works in the mentee's sector")
    );
    assert!(
        page.body.contains("works in the mentee&#39;s sector"),
        "{}",
        page.body
    );
    let nl = t
        .page(&format!("/staff/mentoring/{p}?lang=nl"), Some(&staff))
        .await;
    assert!(
        nl.body.contains("werkt in de sector van de mentee"),
        "{}",
        nl.body
    );
    assert!(!nl.body.contains("works in the mentee"), "{}", nl.body);
    let fr = t
        .page(&format!("/staff/mentoring/{p}?lang=fr"), Some(&staff))
        .await;
    assert!(fr.body.contains("travaille dans le secteur"), "{}", fr.body);

    let here = format!("/staff/mentoring/{p}");
    let r = t
        .form(
            &format!("{here}/matches"),
            Some(&staff),
            &[("mentor_id", &mentor), ("mentee_id", &mentee)],
        )
        .await;
    r.assert(303);
    assert_eq!(
        r.header("location"),
        Some(format!("{here}?done=matched").as_str())
    );
    // Confirming it again is refused with the page as it is now, not a 500.
    let again = t
        .form(
            &format!("{here}/matches"),
            Some(&staff),
            &[("mentor_id", &mentor), ("mentee_id", &mentee)],
        )
        .await;
    again.assert(409);
    assert!(again.body.contains("error-summary"));
    let m = t
        .get(&format!("/api/v1/programmes/{p}/matches"), Some(&staff))
        .await
        .json();
    let mid = m[0]["id"].as_str().unwrap().to_owned();
    // Completing before they met is the domain's conflict.
    t.form(&format!("{here}/matches/{mid}/complete"), Some(&staff), &[])
        .await
        .assert(409);
    for step in ["start", "complete"] {
        t.form(&format!("{here}/matches/{mid}/{step}"), Some(&staff), &[])
            .await
            .assert(303);
    }
    for (who, rating, comment) in [(&bo, 5, "A great start"), (&ravi, 4, "Very helpful")] {
        t.post(
            &format!("/api/v1/programmes/{p}/matches/{mid}/feedback"),
            json!({"rating": rating, "comment": comment}),
            Some(who),
        )
        .await
        .assert(200);
    }
    let page = t.page(&format!("{here}?lang=fr"), Some(&staff)).await;
    assert!(
        page.body
            .contains("Mentor : 5 sur 5<br><q>A great start</q>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Mentoré : 4 sur 5<br><q>Very helpful</q>")
    );
    assert!(page.body.contains("terminé"));
}
