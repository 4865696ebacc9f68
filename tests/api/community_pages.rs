//! The community pages over plain HTTP (`web::newsletter`, `web::mentoring`, `web::alumni`):
//! a form without its token changes nothing, a forged id reaches nobody else's match, forms come
//! back with their errors, and the unsubscribe page from mail works from its key alone.

use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp};

/// A signed-in browser: the session cookie, the CSRF cookie and the token its forms carry.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn browser(t: &TestApp, session: &str, page: &str) -> Browser {
    let r = t
        .get_with(page, None, ("cookie", &format!("session={session}")))
        .await;
    r.assert(200);
    let csrf_cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("csrf="))
        .expect("a CSRF cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let start = r.body.find("name=\"csrf\" value=\"").expect("a form") + 19;
    let csrf = r.body[start..].split('"').next().unwrap().to_owned();
    Browser {
        cookie: format!("session={session}; {csrf_cookie}"),
        csrf,
    }
}

pub(crate) async fn post_form(
    t: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Resp {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let r = t
        .client
        .post(path)
        .header("cookie", cookie)
        .header("accept", "text/html")
        .content_type("application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    Resp::from_test(r).await
}

async fn programme(t: &TestApp, staff: &str, audience: &str) -> String {
    let r = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Partners at work", "nl": "Partners aan het werk"},
                   "description": {"en": "Towards a job in Limburg, with VDAB."},
                   "audience": audience, "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": 2}),
            Some(staff),
        )
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_form_without_its_token_is_refused_and_writes_nothing() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let p = programme(&t, &staff, "everyone").await;
    let b = browser(&t, &ana, "/newsletter").await;
    let before = t.get("/api/v1/me/subscriptions", Some(&ana)).await.json();
    // Another site's form: the browser sends the cookies, but the page's token is not in it.
    let forged = "forged-forged-forged-forged-forged-forged0";
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/newsletter".into(),
            vec![("list", "community"), ("subscribe", "no")],
        ),
        (
            "/newsletter".into(),
            vec![("list", "alumni"), ("subscribe", "yes")],
        ),
        (
            format!("/mentoring/programmes/{p}/mentee"),
            vec![("goals", "job search"), ("lang_en", "yes")],
        ),
        (
            format!("/mentoring/programmes/{p}/mentor"),
            vec![("expertise", "cooking"), ("capacity", "1")],
        ),
        (
            "/alumni/departure".into(),
            vec![
                ("leaving_on", "2030-01-01"),
                ("destination_country", "CA"),
                ("keep_in_touch", "yes"),
            ],
        ),
        (
            "/alumni/card".into(),
            vec![("visible", "yes"), ("email", "yes")],
        ),
        ("/alumni/keep-in-touch".into(), vec![("keep", "yes")]),
        ("/alumni/return".into(), vec![]),
    ];
    for (path, fields) in &cases {
        for token in ["", forged] {
            let mut with = fields.clone();
            if !token.is_empty() {
                with.push(("csrf", token));
            }
            let r = post_form(&t, path, &b.cookie, &with).await;
            assert_eq!(r.status, 403, "{path} with {token:?}: {}", r.body);
            assert!(r.body.contains("<html lang=\"en\">"), "{path}: a page");
        }
    }
    t.outbox_settled().await;
    assert_eq!(
        t.get("/api/v1/me/subscriptions", Some(&ana)).await.json(),
        before
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM programme_applications").await,
        0
    );
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM accounts WHERE leaving_on IS NOT NULL OR directory_visible = 1"
        )
        .await,
        0
    );
    assert_eq!(
        t.mails_to("ana@example.org").len(),
        1,
        "no mail but the verification"
    );
    // With the token, the same form works (the test above refused for the token alone).
    let r = post_form(
        &t,
        "/newsletter",
        &b.cookie,
        &[
            ("csrf", &b.csrf),
            ("list", "community"),
            ("subscribe", "no"),
        ],
    )
    .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/newsletter?done=unsubscribed"));
}

/// The programme's first match as staff see it.
async fn first_match(t: &TestApp, staff: &str, p: &str) -> Value {
    t.get(&format!("/api/v1/programmes/{p}/matches"), Some(staff))
        .await
        .json()[0]
        .clone()
}

#[tokio::test]
async fn another_members_match_cannot_be_acted_on_through_a_forged_id() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let raj = t.member("raj@example.org", "Raj", "Kumar").await;
    let eve = t.member("eve@example.org", "Eve", "Nosy").await;
    let p = programme(&t, &staff, "everyone").await;
    let mentor: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentors"),
            json!({"expertise": ["job search"], "sectors": [], "languages": ["en"], "capacity": 1}),
            Some(&bo),
        )
        .await
        .json();
    let mentee: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentees"),
            json!({"goals": ["job search"], "languages": ["en"]}),
            Some(&raj),
        )
        .await
        .json();
    let m: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/matches"),
            json!({"mentor_id": mentor["id"], "mentee_id": mentee["id"]}),
            Some(&staff),
        )
        .await
        .json();
    let mid = m["id"].as_str().unwrap();

    // Eve, signed in with her own valid form token, posts to Raj's match: it does not exist
    // for her, and nothing changes.
    let b = browser(&t, &eve, "/mentoring").await;
    let r = post_form(
        &t,
        &format!("/mentoring/programmes/{p}/matches/{mid}/withdraw"),
        &b.cookie,
        &[("csrf", &b.csrf), ("reason", "not mine")],
    )
    .await;
    r.assert(404);
    assert!(r.body.contains("<html lang=\"en\">"), "a page: {}", r.body);
    assert_eq!(first_match(&t, &staff, &p).await["status"], "matched");
    // Raj's own match under another programme's id: not found either.
    let other = programme(&t, &staff, "everyone").await;
    let rb = browser(&t, &raj, "/mentoring").await;
    post_form(
        &t,
        &format!("/mentoring/programmes/{other}/matches/{mid}/withdraw"),
        &rb.cookie,
        &[("csrf", &rb.csrf)],
    )
    .await
    .assert(404);

    for step in ["start", "complete"] {
        t.post(
            &format!("/api/v1/programmes/{p}/matches/{mid}/{step}"),
            json!({}),
            Some(&staff),
        )
        .await
        .assert(200);
    }
    post_form(
        &t,
        &format!("/mentoring/programmes/{p}/matches/{mid}/feedback"),
        &b.cookie,
        &[("csrf", &b.csrf), ("rating", "1"), ("comment", "forged")],
    )
    .await
    .assert(404);
    let after = first_match(&t, &staff, &p).await;
    assert!(
        after["mentor_rating"].is_null() && after["mentee_rating"].is_null(),
        "{after}"
    );

    // Raj's own feedback without a rating comes back with the error beside the field, what he
    // wrote kept; then it is recorded.
    let r = post_form(
        &t,
        &format!("/mentoring/programmes/{p}/matches/{mid}/feedback"),
        &rb.cookie,
        &[("csrf", &rb.csrf), ("comment", "Found a job!")],
    )
    .await;
    r.assert(422);
    assert!(
        r.body.contains(&format!("id=\"rating-{mid}-error\""))
            && r.body
                .contains(&format!("aria-describedby=\"rating-{mid}-error\""))
            && r.body.contains("Found a job!")
            && r.body.contains("Choose a rating from 1 to 5"),
        "{}",
        r.body
    );
    let r = post_form(
        &t,
        &format!("/mentoring/programmes/{p}/matches/{mid}/feedback"),
        &rb.cookie,
        &[
            ("csrf", &rb.csrf),
            ("rating", "5"),
            ("comment", "Found a job!"),
        ],
    )
    .await;
    r.assert(303);
    assert_eq!(
        first_match(&t, &staff, &p).await["mentee_rating"],
        5,
        "recorded for the mentee"
    );
}

#[tokio::test]
async fn forms_come_back_with_their_errors_and_what_was_typed() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let p = programme(&t, &staff, "everyone").await;
    let b = browser(&t, &ana, "/alumni").await;
    let cookie = format!("{}; lang=nl", b.cookie);

    let r = post_form(
        &t,
        &format!("/mentoring/programmes/{p}/mentor"),
        &cookie,
        &[
            ("csrf", &b.csrf),
            ("expertise", "Dutch for work"),
            ("capacity", "lots"),
        ],
    )
    .await;
    r.assert(422);
    assert!(
        r.body.contains("Vul een getal van 1 tot 20 in"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Dutch for work\""));
    assert!(r.body.contains("aria-describedby=\"capacity-error\""));

    let r = post_form(
        &t,
        "/alumni/departure",
        &cookie,
        &[
            ("csrf", &b.csrf),
            ("leaving_on", "1999-01-01"),
            ("destination_country", "XX"),
            ("destination_city", "Toronto"),
        ],
    )
    .await;
    r.assert(422);
    assert!(r.body.contains("Kies een land uit de lijst"), "{}", r.body);
    assert!(r.body.contains("value=\"Toronto\""));
    let r = post_form(
        &t,
        "/alumni/departure",
        &cookie,
        &[
            ("csrf", &b.csrf),
            ("leaving_on", "1999-01-01"),
            ("destination_country", "CA"),
        ],
    )
    .await;
    r.assert(422);
    assert!(
        r.body
            .contains("Vul een datum in van hoogstens 60 dagen geleden"),
        "{}",
        r.body
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE leaving_on IS NOT NULL")
            .await,
        0
    );
    let r = t
        .get_with("/alumni/directory?country=XX", None, ("cookie", &cookie))
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"country-error\""), "{}", r.body);
    // A visitor who is not signed in is sent to sign in.
    let r = t.get("/alumni/directory", None).await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/sign-in"));
}

#[tokio::test]
async fn the_unsubscribe_page_speaks_the_subscriber_language_and_its_button_redirects() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        json!({"email": "joke@example.org", "first_name": "Joke", "last_name": "Peeters",
               "language": "nl", "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("joke@example.org").await;
    t.verify(&mail.token(), true).await;
    let (key,): (String,) = sqlx::query_as("SELECT unsubscribe_key FROM subscriptions")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    let path = format!("/unsubscribe/{key}");
    // No sign-in, a browser asking for English: the subscriber's Dutch.
    let r = t.get_with(&path, None, ("accept-language", "en")).await;
    r.assert(200);
    assert!(
        r.body.contains("<html lang=\"nl\">")
            && r.body
                .contains("Wil je de Communitynieuwsbrief niet meer ontvangen?"),
        "{}",
        r.body
    );
    let start = r.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = r.body[start..].split('"').next().unwrap().to_owned();
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // The page's own button: post, redirect, get.
    let r = post_form(&t, &path, &cookie, &[("csrf", &csrf)]).await;
    r.assert(303);
    assert_eq!(r.header("location"), Some(path.as_str()));
    let r = t.get_with(&path, None, ("cookie", &cookie)).await;
    r.assert(200);
    assert!(r.body.contains("Je bent uitgeschreven"), "{}", r.body);
    assert!(r.body.contains("role=\"status\""));
    // A visitor who chose French on the site reads it in French.
    let r = t
        .get_with(&path, None, ("cookie", &format!("{cookie}; lang=fr")))
        .await;
    assert!(r.body.contains("Vous êtes désabonné"), "{}", r.body);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE status = 'unsubscribed'")
            .await,
        1
    );
}

#[tokio::test]
async fn no_community_page_weighs_more_than_60_kb_with_its_stylesheet() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    for _ in 0..3 {
        programme(&t, &staff, "partners").await;
    }
    let (key,): (String,) = sqlx::query_as("SELECT unsubscribe_key FROM subscriptions")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    let css = t.get("/static/site.css", None).await.body.len();
    let p = t.get("/api/v1/programmes", Some(&ana)).await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/newsletter".to_owned(),
        "/mentoring".to_owned(),
        format!("/mentoring/programmes/{p}/mentor"),
        "/alumni".to_owned(),
        "/alumni/directory".to_owned(),
        format!("/unsubscribe/{key}"),
    ] {
        let r = t
            .get_with(&path, None, ("cookie", &format!("session={ana}")))
            .await;
        r.assert(200);
        let total = r.body.len() + css;
        assert!(
            total <= 60 * 1024,
            "{path}: {total} bytes with the stylesheet"
        );
    }
}

#[tokio::test]
async fn a_mentee_withdraws_from_their_own_match_with_a_reason_the_mentor_reads() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let raj = t.member("raj@example.org", "Raj", "Kumar").await;
    let p = programme(&t, &staff, "everyone").await;
    let mentor: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentors"),
            json!({"expertise": ["job search"], "sectors": [], "languages": ["en"], "capacity": 1}),
            Some(&bo),
        )
        .await
        .json();
    let mentee: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentees"),
            json!({"goals": ["job search"], "languages": ["en"]}),
            Some(&raj),
        )
        .await
        .json();
    let m: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/matches"),
            json!({"mentor_id": mentor["id"], "mentee_id": mentee["id"]}),
            Some(&staff),
        )
        .await
        .json();
    let mid = m["id"].as_str().unwrap();
    let b = browser(&t, &raj, "/mentoring").await;
    let page = t.get_with("/mentoring", None, ("cookie", &b.cookie)).await;
    assert!(
        page.body.contains("Bo Peeters") && page.body.contains("mailto:bo@example.org"),
        "the mentor's contact: {}",
        page.body
    );
    let r = post_form(
        &t,
        &format!("/mentoring/programmes/{p}/matches/{mid}/withdraw"),
        &b.cookie,
        &[("csrf", &b.csrf), ("reason", "We moved to Ghent.")],
    )
    .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/mentoring?done=withdrawn"));
    let after = first_match(&t, &staff, &p).await;
    assert_eq!(after["status"], "withdrawn");
    assert_eq!(after["withdrawn_by"], "mentee");
    assert_eq!(after["withdrawal_reason"], "We moved to Ghent.");
    t.outbox_settled().await;
    assert!(
        t.mails_to("bo@example.org")
            .iter()
            .any(|m| m.text.contains("We moved to Ghent.")),
        "the mentor is told why"
    );
    let page = t
        .get_with("/mentoring?done=withdrawn", None, ("cookie", &b.cookie))
        .await;
    assert!(
        !page.body.contains("mailto:bo@example.org"),
        "no contact after"
    );
    assert!(page.body.contains("role=\"status\""));
}

#[tokio::test]
async fn an_alumnus_answers_about_keeping_in_touch_and_comes_back() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive()
        .to_string();
    let b = browser(&t, &ana, "/alumni").await;
    // Leaving today without keeping in touch: an alumna at once, not on the alumni list.
    let r = post_form(
        &t,
        "/alumni/departure",
        &b.cookie,
        &[
            ("csrf", &b.csrf),
            ("leaving_on", &today),
            ("destination_country", "ca"),
            ("destination_city", ""),
        ],
    )
    .await;
    r.assert(303);
    assert_eq!(t.me(&ana).await["status"], "alumni");
    let page = t.get_with("/alumni", None, ("cookie", &b.cookie)).await;
    assert!(page.body.contains("Canada") && page.body.contains("id=\"keep-yes\""));
    post_form(
        &t,
        "/alumni/keep-in-touch",
        &b.cookie,
        &[("csrf", &b.csrf), ("keep", "yes")],
    )
    .await
    .assert(303);
    let subs = t.get("/api/v1/me/subscriptions", Some(&ana)).await.json();
    assert!(
        subs.as_array()
            .unwrap()
            .iter()
            .any(|s| s["list"] == "alumni" && s["status"] == "active"),
        "{subs}"
    );
    // Back in Limburg, asking for the community newsletter again and leaving the alumni one.
    let r = post_form(
        &t,
        "/alumni/return",
        &b.cookie,
        &[("csrf", &b.csrf), ("community_newsletter", "yes")],
    )
    .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/alumni?done=back"));
    let me = t.me(&ana).await;
    assert_eq!(
        (me["status"].as_str(), me["phase"].as_str()),
        (Some("active"), Some("coming_in"))
    );
    let subs = t.get("/api/v1/me/subscriptions", Some(&ana)).await.json();
    assert_eq!(
        subs,
        json!([{"list": "alumni", "status": "unsubscribed"}, {"list": "community", "status": "pending"}])
    );
    let page = t
        .get_with("/alumni?done=back", None, ("cookie", &b.cookie))
        .await;
    assert!(page.body.contains("Welcome back to Limburg!") && page.body.contains("id=\"depart\""));
}
