//! Events in the back office over HTTP: every page and action admits exactly staff and admins;
//! the forms take the API's path (the same validation, the same mail), come back with the error
//! beside the field and what was typed, and the CSV download is the API's CSV.

use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;
use crate::staff_pages::{Access, Callers, Row, check};

/// Every events page and action, for an event `id` (a fake id where the route answers 404 to
/// those let in).
pub fn routes(id: &str) -> Vec<Row> {
    let fake = "00000000-0000-4000-8000-000000000000";
    let s = Access::Staff;
    vec![
        ("GET", "/staff/events".into(), s, false),
        (
            "GET",
            "/staff/events?when=past&status=cancelled".into(),
            s,
            false,
        ),
        ("GET", "/staff/events/new".into(), s, false),
        // An empty form: refused as bad input for those let in, nothing stored.
        ("POST", "/staff/events/new".into(), s, false),
        ("GET", "/staff/events/series".into(), s, false),
        ("POST", "/staff/events/series".into(), s, false),
        ("GET", format!("/staff/events/{id}"), s, false),
        (
            "GET",
            format!("/staff/events/{id}?status=waitlisted&attendance=checked_in"),
            s,
            false,
        ),
        (
            "GET",
            format!("/staff/events/{id}/registrations.csv"),
            s,
            false,
        ),
        ("GET", format!("/staff/events/{id}/edit"), s, false),
        ("POST", format!("/staff/events/{id}/edit"), s, false),
        ("GET", format!("/staff/events/{id}/cancel"), s, false),
        ("POST", format!("/staff/events/{id}/cancel"), s, true),
        ("GET", format!("/staff/events/{fake}"), s, false),
        (
            "GET",
            format!("/staff/events/{fake}/registrations.csv"),
            s,
            false,
        ),
        ("POST", format!("/staff/events/{fake}/edit"), s, false),
        ("POST", format!("/staff/events/{fake}/cancel"), s, false),
    ]
}

#[tokio::test]
async fn every_events_page_and_action_admits_exactly_staff_and_admins() {
    let t = TestApp::spawn().await;
    let c = Callers::new(&t).await;
    let e = t.event(&c.staff, json!({"capacity": 10})).await;
    let id = e["id"].as_str().unwrap();
    check(&t, &c, &routes(id)).await;
    // Nothing was stored or changed by the refused and the empty forms.
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM events WHERE revision = 1 AND status = 'published'")
            .await,
        1
    );
}

/// `fields` with `key` set to `value`.
fn with<'a>(
    fields: &[(&'a str, &'a str)],
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| *k != key).copied().collect();
    out.push((key, value));
    out
}

fn day(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).to_string()
}

#[tokio::test]
async fn staff_create_change_and_cancel_events_through_the_forms() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let start = day(20);
    let fields = vec![
        ("title", "Walk in Bokrijk"),
        ("start_date", start.as_str()),
        ("start_time", "10:00"),
        ("end_date", start.as_str()),
        ("end_time", "12:00"),
        ("timezone", "Europe/Brussels"),
        ("capacity", "many"),
        ("audience", "members"),
        ("tags", "family, Nature"),
        ("organiser", "Expat Centre Limburg"),
        ("status", "published"),
    ];
    // A capacity that is no number: beside its field, in the visitor's language, what was
    // typed kept.
    let r = t
        .form("/staff/events/new?lang=nl", Some(&staff), &fields)
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"capacity-error\""), "{}", r.body);
    assert!(r.body.contains("Geef een aantal plaatsen"), "{}", r.body);
    assert!(r.body.contains("value=\"Walk in Bokrijk\""));
    assert!(r.body.contains("value=\"many\""));
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 0);
    // The end before the start is the domain's rule, said once the fields parse.
    let bad = with(&with(&fields, "capacity", "1"), "end_time", "09:00");
    let r = t.form("/staff/events/new", Some(&staff), &bad).await;
    r.assert(422);
    assert!(r.body.contains("id=\"end_date-error\""), "{}", r.body);
    assert!(r.body.contains("error-summary"));

    let fields = with(&fields, "capacity", "1");
    let r = t.form("/staff/events/new", Some(&staff), &fields).await;
    r.assert(303);
    let to = r.header("location").unwrap().to_owned();
    assert!(to.ends_with("?created=1"), "{to}");
    let id = to
        .trim_start_matches("/staff/events/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let api = t.get(&format!("/api/v1/events/{id}"), Some(&staff)).await;
    let e = api.json();
    assert_eq!(e["tags"], json!(["family", "nature"]));
    assert_eq!(e["audience"], "members");
    assert_eq!(e["starts_at"], format!("{start}T10:00:00"));

    // Ana takes the one seat, Bo waits.
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    t.register(&ana, &id, &[&ana_id]).await.assert(201);
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let bo_id = t.me(&bo).await["id"].as_str().unwrap().to_owned();
    t.register(&bo, &id, &[&bo_id]).await.assert(201);

    let page = t.page(&format!("/staff/events/{id}"), Some(&staff)).await;
    page.assert(200);
    assert!(page.body.contains("Ana Silva") && page.body.contains("Bo Peeters"));
    let waiting = t
        .page(
            &format!("/staff/events/{id}?status=waitlisted"),
            Some(&staff),
        )
        .await;
    assert!(waiting.body.contains("Bo Peeters") && !waiting.body.contains("Ana Silva"));

    // The CSV is the API's, as a file.
    let csv = t
        .page(
            &format!("/staff/events/{id}/registrations.csv"),
            Some(&staff),
        )
        .await;
    csv.assert(200);
    let api_csv = t
        .get_with(
            &format!("/api/v1/events/{id}/registrations"),
            Some(&staff),
            ("accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.body, api_csv.body);
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"walk-in-bokrijk-{start}.csv\"").as_str())
    );

    // Capacity below the confirmed seats is refused with the form kept; raising it promotes Bo.
    let edit = with(&fields, "capacity", "0");
    let r = t
        .form(&format!("/staff/events/{id}/edit"), Some(&staff), &edit)
        .await;
    r.assert(409);
    assert!(r.body.contains("value=\"0\""));
    let edit = with(&fields, "capacity", "3");
    let r = t
        .form(&format!("/staff/events/{id}/edit"), Some(&staff), &edit)
        .await;
    r.assert(303);
    let to = r.header("location").unwrap().to_owned();
    assert!(to.ends_with("?saved=1&promoted=1"), "{to}");
    let page = t.page(&to, Some(&staff)).await;
    assert!(
        page.body
            .contains("1 registration from the waitlist got seats"),
        "{}",
        page.body
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        2
    );

    // A reason over 1,000 characters comes back; then the cancellation mail carries the reason.
    let long = "x".repeat(1001);
    let r = t
        .form(
            &format!("/staff/events/{id}/cancel"),
            Some(&staff),
            &[("reason", &long)],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"reason-error\""));
    let reason = "The park is closed after the storm.";
    let r = t
        .form(
            &format!("/staff/events/{id}/cancel"),
            Some(&staff),
            &[("reason", reason)],
        )
        .await;
    r.assert(303);
    assert!(
        !t.mails_with("ana@example.org", reason).await.is_empty(),
        "the cancellation mail carries the reason"
    );
    // A cancelled event is not changed again.
    let r = t
        .form(&format!("/staff/events/{id}/edit"), Some(&staff), &edit)
        .await;
    r.assert(409);
    let list = t.page("/staff/events?status=cancelled", Some(&staff)).await;
    assert!(list.body.contains("Walk in Bokrijk"));
}

#[tokio::test]
async fn a_weekly_series_and_past_events_are_listed_a_page_at_a_time() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let start = day(3);
    let form = vec![
        ("title", "Dutch conversation"),
        ("start_date", start.as_str()),
        ("start_time", "19:00"),
        ("end_date", start.as_str()),
        ("end_time", "20:30"),
        ("frequency", "weekly"),
        ("interval", "1"),
        ("status", "published"),
    ];
    let post = async |count: &str| {
        t.form(
            "/staff/events/series",
            Some(&staff),
            &with(&form, "count", count),
        )
        .await
    };
    // The API's schema rule (2 to 100 occurrences) is the domain's, for the form too.
    let r = post("101").await;
    r.assert(422);
    assert!(r.body.contains("id=\"count-error\""), "{}", r.body);
    let r = post("30").await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/staff/events?created=30"));
    assert_eq!(
        t.count("SELECT COUNT(DISTINCT series_id) FROM events")
            .await,
        1
    );
    let first = t.page("/staff/events?created=30", Some(&staff)).await;
    first.assert(200);
    assert!(first.body.contains("30 events created"));
    assert_eq!(first.body.matches(">Dutch conversation</a>").count(), 25);
    let next = first
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/staff/events?cursor="))
        .and_then(|s| s.split('"').next())
        .expect("a link to the next page")
        .replace("&amp;", "&");
    let second = t.page(&next, Some(&staff)).await;
    assert_eq!(second.body.matches(">Dutch conversation</a>").count(), 5);

    // An event that has ended is under "past", not under "upcoming".
    let then = day(-10);
    t.event(
        &staff,
        json!({"title": "Old quiz", "starts_at": format!("{then}T19:00:00"),
            "ends_at": format!("{then}T21:00:00")}),
    )
    .await;
    let past = t.page("/staff/events?when=past", Some(&staff)).await;
    assert!(past.body.contains("Old quiz") && !past.body.contains("Dutch conversation"));
    assert!(!first.body.contains("Old quiz"));
}
