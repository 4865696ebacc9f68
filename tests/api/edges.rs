//! The edges of the service as a security review saw them: event times in a sane window, no
//! injection into iCalendar feeds, sanitized newsletter Markdown, security headers on pages.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use limburgers_worldwide::values::Role;

fn fields(p: &Value) -> Vec<String> {
    let mut f: Vec<String> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    f.sort();
    f
}

/// Event times outside 2000–2099 (year 0, 1, 9999…) are refused with 422 naming each field, on
/// creation, change and series; nothing is stored. The ends of the window are accepted.
#[tokio::test]
async fn event_times_lie_between_2000_and_2099() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event =
        |starts: &str, ends: &str| json!({"title": "T", "starts_at": starts, "ends_at": ends});
    for (body, bad) in [
        (
            event("0000-01-01T10:00", "0000-01-01T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("0001-01-01T10:00", "0001-01-01T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("9999-12-31T10:00", "9999-12-31T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("1999-12-31T23:00", "2000-01-01T01:00"),
            vec!["starts_at"],
        ),
        (
            event("2099-12-31T23:00", "2100-01-01T01:00"),
            vec!["ends_at"],
        ),
        (
            json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00",
                   "registration_opens_at": "1970-01-01T00:00"}),
            vec!["registration_opens_at"],
        ),
    ] {
        let p = t
            .post("/api/v1/events", body.clone(), Some(&staff))
            .await
            .assert_problem(422);
        assert_eq!(fields(&p), bad, "{body}");
    }
    let series = |starts: &str, ends: &str, repeat: Value| json!({"event": event(starts, ends), "repeat": repeat});
    for (body, bad) in [
        (
            series(
                "2031-01-01T10:00",
                "2031-01-01T11:00",
                json!({"frequency": "weekly", "until": "9999-01-01"}),
            ),
            "repeat.until",
        ),
        (
            series(
                "2099-12-01T10:00",
                "2099-12-01T11:00",
                json!({"frequency": "weekly", "count": 10}),
            ),
            "starts_at",
        ),
        (
            series(
                "0001-01-01T10:00",
                "0001-01-01T11:00",
                json!({"frequency": "weekly", "count": 2}),
            ),
            "starts_at",
        ),
    ] {
        let p = t
            .post("/api/v1/events/series", body.clone(), Some(&staff))
            .await
            .assert_problem(422);
        assert!(fields(&p).contains(&bad.to_owned()), "{body}: {p}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 0);

    let first = t
        .post(
            "/api/v1/events",
            event("2000-01-01T00:00", "2000-01-01T02:00"),
            Some(&staff),
        )
        .await;
    first.assert(201);
    let last = t
        .post(
            "/api/v1/events",
            event("2099-12-31T20:00", "2099-12-31T23:59"),
            Some(&staff),
        )
        .await;
    last.assert(201);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let p = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"starts_at": "9999-01-01T10:00", "ends_at": "9999-01-01T11:00"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(fields(&p), ["ends_at", "starts_at"]);
    let p = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"registration_closes_at": "1999-12-31T10:00"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(fields(&p), ["registration_closes_at"]);
    let stored = t
        .get(&format!("/api/v1/events/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(stored["starts_at"], "2000-01-01T00:00:00");
    assert_eq!(stored["revision"], 1, "a refused change stores nothing");
}
