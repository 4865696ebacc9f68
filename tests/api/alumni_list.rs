//! Who may take the alumni newsletter (`newsletter::may_take`): alumni and members who are
//! leaving. Anybody else is refused over the API (422 naming the field, nothing changed) and on
//! the site (no button; a forged post gets the page back with the error beside the list, in the
//! member's language). A subscription somebody already has stays theirs.

use serde_json::{Value, json};

use crate::community_pages::{browser, post_form};
use crate::helpers::TestApp;

fn in_days(days: i64) -> String {
    (chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive()
        + chrono::Duration::days(days))
    .to_string()
}

async fn subscriptions(t: &TestApp, token: &str) -> Value {
    let r = t.get("/api/v1/me/subscriptions", Some(token)).await;
    r.assert(200);
    r.json()
}

/// The state of the alumni list among `subscriptions`.
fn alumni_list(subscriptions: &Value) -> String {
    subscriptions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["list"] == "alumni")
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| "none".into())
}

async fn depart(t: &TestApp, token: &str, days: i64, keep_in_touch: bool) {
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": in_days(days), "destination_country": "CA",
               "keep_in_touch": keep_in_touch, "household": false}),
        Some(token),
    )
    .await
    .assert(200);
}

async fn confirmations(t: &TestApp) -> i64 {
    t.count("SELECT COUNT(*) FROM outbox WHERE kind = 'newsletter_confirm'")
        .await
}

#[tokio::test]
async fn the_api_gives_the_alumni_list_to_leavers_and_alumni_only() {
    let t = TestApp::spawn().await;

    // A resident: refused, naming the field; the community change asked for in the same
    // request is not made either.
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let before = subscriptions(&t, &ana).await;
    assert_eq!(before, json!([{"list": "community", "status": "active"}]));
    let p = t
        .put_json(
            "/api/v1/me/subscriptions",
            json!({"community": false, "alumni": true}),
            Some(&ana),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["errors"][0]["field"], "alumni", "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("alumni and for members who are leaving"),
        "{p}"
    );
    assert_eq!(subscriptions(&t, &ana).await, before);
    assert_eq!(confirmations(&t).await, 0);

    // Leaving (her departure recorded, a month ahead): hers to take, by double opt-in.
    depart(&t, &ana, 30, false).await;
    let subs = t
        .put_json(
            "/api/v1/me/subscriptions",
            json!({"alumni": true}),
            Some(&ana),
        )
        .await;
    subs.assert(200);
    assert_eq!(
        subs.json(),
        json!([{"list": "alumni", "status": "pending"}, {"list": "community", "status": "active"}])
    );
    assert_eq!(confirmations(&t).await, 1);

    // An alumnus whatever the phase says.
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    sqlx::query(
        "UPDATE accounts SET status = 'alumni', phase = NULL, alumni_since = 1 WHERE email = 'bo@example.org'",
    )
    .execute(t.app.db.writer())
    .await
    .unwrap();
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"alumni": true}),
        Some(&bo),
    )
    .await
    .assert(200);
    assert_eq!(confirmations(&t).await, 2);

    // An alumna on the alumni list moves back and chooses to stay on it: her subscription
    // stays (asking again changes nothing) and she may leave it, but not take it again.
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;
    depart(&t, &cy, 0, true).await;
    assert_eq!(t.me(&cy).await["status"], "alumni");
    t.post(
        "/api/v1/me/return",
        json!({"stay_on_alumni_list": true}),
        Some(&cy),
    )
    .await
    .assert(200);
    let on_list = subscriptions(&t, &cy).await;
    assert_eq!(alumni_list(&on_list), "active", "{on_list}");
    let again = t
        .put_json(
            "/api/v1/me/subscriptions",
            json!({"alumni": true}),
            Some(&cy),
        )
        .await;
    again.assert(200);
    assert_eq!(again.json(), on_list);
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"alumni": false}),
        Some(&cy),
    )
    .await
    .assert(200);
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"alumni": true}),
        Some(&cy),
    )
    .await
    .assert_problem(422);
    assert_eq!(alumni_list(&subscriptions(&t, &cy).await), "unsubscribed");
    assert_eq!(confirmations(&t).await, 2);
}

/// The part of the page about one list.
fn section<'a>(body: &'a str, list: &str) -> &'a str {
    let start = body
        .find(&format!("<section class=\"card list-{list}\""))
        .unwrap_or_else(|| panic!("no {list} section: {body}"));
    let end = body[start..].find("</section>").unwrap() + start;
    &body[start..end]
}

#[tokio::test]
async fn the_newsletter_page_offers_the_alumni_list_to_leavers_only_and_refuses_a_forged_post_beside_it()
 {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.patch("/api/v1/me", json!({"language": "nl"}), Some(&ana))
        .await
        .assert(200);
    let b = browser(&t, &ana, "/newsletter").await;
    let page = t.get_with("/newsletter", None, ("cookie", &b.cookie)).await;
    page.assert(200);
    // The community list to leave; the alumni list not offered, saying who it is for.
    assert!(
        section(&page.body, "community").contains("id=\"community-unsubscribe\""),
        "{}",
        page.body
    );
    let alumni = section(&page.body, "alumni");
    assert!(!alumni.contains("<form"), "{alumni}");
    assert!(
        alumni.contains("Hij is voor alumni en voor leden die vertrekken"),
        "{alumni}"
    );

    // A forged post for it (the page has no such button): the page again, the error beside the
    // alumni list and in the summary, in Dutch; nothing changed.
    let r = post_form(
        &t,
        "/newsletter",
        &b.cookie,
        &[("csrf", &b.csrf), ("list", "alumni"), ("subscribe", "yes")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("<html lang=\"nl\">"), "{}", r.body);
    let alumni = section(&r.body, "alumni");
    assert!(
        alumni
            .contains("<p class=\"error\" id=\"alumni-error\">De alumninieuwsbrief is voor alumni"),
        "{alumni}"
    );
    assert!(r.body.contains("class=\"error-summary\""), "{}", r.body);
    assert!(r.body.contains("<a href=\"#alumni\">"), "{}", r.body);
    assert!(!section(&r.body, "community").contains("class=\"error\""));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE list = 'alumni'")
            .await,
        0
    );
    assert_eq!(confirmations(&t).await, 0);

    // Leaving: offered, and the same post subscribes (a confirmation mail).
    depart(&t, &ana, 30, false).await;
    let page = t.get_with("/newsletter", None, ("cookie", &b.cookie)).await;
    assert!(
        section(&page.body, "alumni").contains("id=\"alumni-subscribe\""),
        "{}",
        page.body
    );
    let r = post_form(
        &t,
        "/newsletter",
        &b.cookie,
        &[("csrf", &b.csrf), ("list", "alumni"), ("subscribe", "yes")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/newsletter?done=subscribed"));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE list = 'alumni' AND status = 'pending'")
            .await,
        1
    );
    assert_eq!(confirmations(&t).await, 1);
}
