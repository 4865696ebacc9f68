//! Malformed input on every endpoint that takes a body: a 4xx problem, never a 500, and nothing
//! written.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Rows that a half-done write would leave behind.
async fn footprint(t: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM households",
        "SELECT COUNT(*) FROM people",
        "SELECT COUNT(*) FROM accounts",
        "SELECT COUNT(*) FROM tokens",
        "SELECT COUNT(*) FROM invitations",
        "SELECT COUNT(*) FROM consents",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM events",
        "SELECT COUNT(*) FROM programmes",
        "SELECT COUNT(*) FROM programme_applications",
        "SELECT COUNT(*) FROM matches",
        "SELECT COUNT(*) FROM accounts WHERE leaving_on IS NOT NULL OR directory_visible = 1",
        "SELECT COUNT(*) FROM newsletters",
        "SELECT COUNT(*) FROM subscriptions",
        "SELECT COUNT(*) FROM deliveries",
        "SELECT COUNT(*) FROM registrations",
        "SELECT COUNT(*) FROM registration_people WHERE checked_in_at IS NOT NULL",
        "SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) FROM events",
    ] {
        v.push(t.count(sql).await);
    }
    v
}

fn generic_bad_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("application/json", b"".to_vec()),
        ("application/json", b"{".to_vec()),
        ("application/json", b"[]".to_vec()),
        ("application/json", b"null".to_vec()),
        ("application/json", b"\"text\"".to_vec()),
        ("application/json", b"{\"unknown_field\": 1}".to_vec()),
        ("application/json", vec![0xff, 0xfe, 0x00]),
        ("text/plain", b"{}".to_vec()),
    ]
}

#[tokio::test]
async fn every_body_endpoint_refuses_malformed_input_cleanly() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Admin,
        )
        .await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mia", "relation": "child"}),
            Some(&ana),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = t.event(&staff, json!({"capacity": 1})).await;
    let eid = event["id"].as_str().unwrap().to_owned();
    let registration = t.register(&ana, &eid, &[&ana_id]).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let registration_path = format!("/api/v1/events/{eid}/registrations/{registration}");
    t.outbox_settled().await;
    let long = "x".repeat(300);
    let events_path = format!("/api/v1/events/{eid}");
    let registrations_path = format!("/api/v1/events/{eid}/registrations");
    let check_ins_path = format!("/api/v1/events/{eid}/check-ins");
    let newsletter = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .json();
    let nid = newsletter["id"].as_str().unwrap().to_owned();
    let newsletter_path = format!("/api/v1/newsletters/{nid}");
    let schedule_path = format!("/api/v1/newsletters/{nid}/schedule");
    let preview_path = format!("/api/v1/newsletters/{nid}/preview");
    let test_path = format!("/api/v1/newsletters/{nid}/test");
    let programme = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "everyone",
                   "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 2}),
            Some(&staff),
        )
        .await
        .json();
    let pid = programme["id"].as_str().unwrap().to_owned();
    let mentors_path = format!("/api/v1/programmes/{pid}/mentors");
    let mentees_path = format!("/api/v1/programmes/{pid}/mentees");
    let matches_path = format!("/api/v1/programmes/{pid}/matches");
    let good_event =
        json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00"});

    let dependent = format!("/api/v1/me/household/dependents/{child}");
    let member = format!("/api/v1/members/{ana_id}");
    let cases: Vec<(&str, &str, Option<&str>, Vec<serde_json::Value>)> = vec![
        (
            "POST",
            "/api/v1/members",
            None,
            vec![
                json!({}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "en"}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "xx", "consent": {"privacy_policy": true}}),
                json!({"email": 5, "first_name": "A", "last_name": "B", "language": "en", "consent": {"privacy_policy": true}}),
                json!({"email": "not-an-address", "first_name": "A", "last_name": "B", "language": "en", "consent": {"privacy_policy": true}}),
                json!({"email": "a@example.org", "first_name": "  ", "last_name": "B", "language": "en", "consent": {"privacy_policy": true}}),
                json!({"email": "a@example.org", "first_name": long, "last_name": "B", "language": "en", "consent": {"privacy_policy": true}}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "en", "consent": {"privacy_policy": false}}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "en", "country_of_origin": "ZZ", "consent": {"privacy_policy": true}}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "en", "phase": "arrived", "consent": {"privacy_policy": true}}),
                json!({"email": "a@example.org", "first_name": "A", "last_name": "B", "language": "en", "consent": {"privacy_policy": true, "extra": 1}}),
                json!({"email": "a@example.org", "first_name": "A\u{0007}", "last_name": "B", "language": "en", "consent": {"privacy_policy": true}}),
            ],
        ),
        (
            "POST",
            "/api/v1/members/verify",
            None,
            vec![
                json!({}),
                json!({"token": 5}),
                json!({"token": long, "consent": {"privacy_policy": true}}),
                json!({"token": "unknown", "consent": {"privacy_policy": true}}),
                json!({"token": "unknown"}),
                json!({"token": "unknown", "consent": {"privacy_policy": false}}),
            ],
        ),
        (
            "POST",
            "/api/v1/auth/magic-link",
            None,
            vec![
                json!({}),
                json!({"email": "nope"}),
                json!({"email": null}),
                json!({"email": long}),
            ],
        ),
        (
            "POST",
            "/api/v1/auth/sessions",
            None,
            vec![
                json!({}),
                json!({"token": ""}),
                json!({"token": "unknown"}),
                json!({"token": []}),
            ],
        ),
        (
            "PATCH",
            "/api/v1/me",
            Some(&ana),
            vec![
                json!({"first_name": ""}),
                json!({"language": "klingon"}),
                json!({"country_of_origin": "Belgium"}),
                json!({"directory_visible": "yes"}),
                json!({"role": "admin"}),
                json!({"employer": long}),
            ],
        ),
        (
            "POST",
            "/api/v1/me/household/partner",
            Some(&ana),
            vec![
                json!({}),
                json!({"email": "x", "first_name": "R", "last_name": "K"}),
                json!({"email": "r@example.org", "first_name": "", "last_name": "K"}),
                json!({"email": "ana@example.org", "first_name": "A", "last_name": "S"}),
            ],
        ),
        (
            "POST",
            "/api/v1/invitations/accept",
            None,
            vec![
                json!({}),
                json!({"token": "unknown", "consent": {"privacy_policy": true}}),
                json!({"token": "unknown", "consent": {"privacy_policy": false}}),
                json!({"token": "x", "language": "es", "consent": {"privacy_policy": true}}),
            ],
        ),
        (
            "POST",
            "/api/v1/me/household/dependents",
            Some(&ana),
            vec![
                json!({}),
                json!({"first_name": "Kid"}),
                json!({"first_name": "Kid", "relation": "pet"}),
                json!({"first_name": "Kid", "relation": "child", "birth_year": 3000}),
                json!({"first_name": "Kid", "relation": "child", "birth_year": "2019"}),
                json!({"first_name": "", "relation": "child"}),
            ],
        ),
        (
            "PATCH",
            &dependent,
            Some(&ana),
            vec![
                json!({"first_name": ""}),
                json!({"birth_year": 1800}),
                json!({"relation": "partner"}),
                json!({"last_name": long}),
            ],
        ),
        (
            "POST",
            "/api/v1/events",
            Some(&staff),
            vec![
                json!({}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00"}),
                json!({"title": "T", "starts_at": "2031-13-01T10:00", "ends_at": "2031-01-01T11:00"}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "capacity": -1}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "capacity": "ten"}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "audience": "cats"}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "status": "cancelled"}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "tags": "one"}),
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "registration_closes_at": "2031-01-02T10:00"}),
                json!({"title": long, "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00"}),
            ],
        ),
        (
            "POST",
            "/api/v1/events/series",
            Some(&staff),
            vec![
                json!({}),
                json!({"event": good_event}),
                json!({"event": good_event, "repeat": {"frequency": "daily", "count": 3}}),
                json!({"event": good_event, "repeat": {"frequency": "weekly", "count": 1000}}),
                json!({"event": good_event, "repeat": {"frequency": "weekly", "until": "not a date"}}),
            ],
        ),
        (
            "PATCH",
            &events_path,
            Some(&staff),
            vec![
                json!({"title": ""}),
                json!({"ends_at": "2000-01-01T00:00"}),
                json!({"capacity": 0, "status": "cancelled"}),
                json!({"timezone": "Nowhere/City"}),
                json!({"online_url": "mailto:x@example.org"}),
            ],
        ),
        (
            "POST",
            &registrations_path,
            Some(&ana),
            vec![
                json!({}),
                json!({"person_ids": []}),
                json!({"person_ids": ["not-a-uuid"]}),
                json!({"person_ids": [child, child]}),
                json!({"person_ids": [uuid::Uuid::now_v7()]}),
                json!({"person_ids": [child], "waitlist": "no"}),
            ],
        ),
        (
            "PATCH",
            &registration_path,
            Some(&ana),
            vec![
                json!({}),
                json!({"add": ["not-a-uuid"]}),
                json!({"add": [child, child]}),
                json!({"add": [uuid::Uuid::now_v7()]}),
                json!({"add": [child], "remove": [child]}),
                json!({"remove": [ana_id]}),
                json!({"remove": [child]}),
                json!({"add": [child], "waitlist": "no"}),
                // The one seat is taken: nothing changes.
                json!({"add": [child]}),
            ],
        ),
        (
            "POST",
            &check_ins_path,
            Some(&staff),
            vec![
                json!({}),
                json!({"registration_id": "x"}),
                json!({"registration_id": uuid::Uuid::now_v7(), "person_ids": []}),
                json!({"person_ids": [uuid::Uuid::now_v7()]}),
                json!({"registration_id": uuid::Uuid::now_v7()}),
            ],
        ),
        (
            "POST",
            "/api/v1/newsletters",
            Some(&staff),
            vec![
                json!({}),
                json!({"subject": {"en": "S"}, "body": {"en": "B"}}),
                json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "all"}),
                json!({"subject": "S", "body": {"en": "B"}, "segment": "community"}),
                json!({"subject": {"en": "S"}, "body": {"xx": "B"}, "segment": "community"}),
                json!({"subject": {"en": long}, "body": {"en": "B"}, "segment": "community"}),
                json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "community", "upcoming_events_days": 0}),
                json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "community", "filters": {"phase": "x"}}),
            ],
        ),
        (
            "PATCH",
            &newsletter_path,
            Some(&staff),
            vec![
                json!({"subject": {"en": ""}}),
                json!({"subject": {"en": null}}),
                json!({"segment": "everybody"}),
                json!({"upcoming_events_days": 0}),
            ],
        ),
        (
            "POST",
            &schedule_path,
            Some(&staff),
            vec![
                json!({}),
                json!({"at": "tomorrow"}),
                json!({"at": "2000-01-01T00:00:00Z"}),
            ],
        ),
        (
            "POST",
            &preview_path,
            Some(&staff),
            vec![
                json!({}),
                json!({"account_id": "x"}),
                json!({"account_id": uuid::Uuid::now_v7()}),
            ],
        ),
        (
            "POST",
            &test_path,
            Some(&staff),
            vec![
                json!({}),
                json!({"email": "nope"}),
                json!({"email": "a@example.org", "language": "xx"}),
            ],
        ),
        (
            "PUT",
            "/api/v1/me/subscriptions",
            Some(&ana),
            vec![json!({"community": "yes"}), json!({"weekly": true})],
        ),
        (
            "POST",
            "/api/v1/newsletter/confirm",
            None,
            vec![json!({}), json!({"token": "unknown"})],
        ),
        (
            "POST",
            "/api/v1/programmes",
            Some(&staff),
            vec![
                json!({}),
                json!({"name": {"nl": "P"}, "description": {"en": "D"}, "audience": "everyone", "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 2}),
                json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "kids", "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 2}),
                json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "everyone", "starts_on": "2030-03-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 2}),
                json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "everyone", "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 0}),
            ],
        ),
        (
            "POST",
            &mentors_path,
            Some(&ana),
            vec![
                json!({}),
                json!({"expertise": [], "sectors": [], "languages": [], "capacity": 0}),
                json!({"expertise": [""], "sectors": [], "languages": [], "capacity": 1}),
                json!({"expertise": [], "sectors": [], "languages": [], "capacity": 1, "bio": long.repeat(10)}),
            ],
        ),
        (
            "POST",
            &mentees_path,
            Some(&ana),
            vec![
                json!({}),
                json!({"goals": [], "languages": []}),
                json!({"goals": ["x"], "languages": [], "sector": ""}),
            ],
        ),
        (
            "POST",
            &matches_path,
            Some(&staff),
            vec![
                json!({}),
                json!({"mentor_id": "x", "mentee_id": "y"}),
                json!({"mentor_id": uuid::Uuid::now_v7(), "mentee_id": uuid::Uuid::now_v7()}),
            ],
        ),
        (
            "POST",
            "/api/v1/me/departure",
            Some(&ana),
            vec![
                json!({}),
                json!({"leaving_on": "soon", "destination_country": "CA", "keep_in_touch": true}),
                json!({"leaving_on": "2090-01-01", "destination_country": "CA", "keep_in_touch": true}),
                json!({"leaving_on": "2030-01-01", "destination_country": "Canada", "keep_in_touch": true}),
            ],
        ),
        (
            "PUT",
            "/api/v1/me/directory",
            Some(&ana),
            vec![json!({}), json!({"visible": true, "fields": ["shoe_size"]})],
        ),
        (
            "POST",
            "/api/v1/admin/tokens",
            Some(&staff),
            vec![
                json!({}),
                json!({"name": "x"}),
                json!({"email": "staff@expatcentre.test"}),
                json!({"email": "ana@example.org", "name": "x"}),
                json!({"email": "staff@expatcentre.test", "account_id": ana_id, "name": "x"}),
                json!({"account_id": "nope", "name": "x"}),
                json!({"email": "staff@expatcentre.test", "name": long}),
                json!({"email": "staff@expatcentre.test", "name": "x", "expires_in_days": 0}),
                json!({"email": "staff@expatcentre.test", "name": "x", "expires_in_days": "soon"}),
            ],
        ),
        (
            "PATCH",
            &member,
            Some(&staff),
            vec![
                json!({"role": "king"}),
                json!({"phase": "gone"}),
                json!({"first_name": []}),
                json!({"status": "active"}),
            ],
        ),
    ];

    let before = footprint(&t).await;
    for (method, path, token, bodies) in cases {
        let mut all: Vec<(&str, Vec<u8>)> = generic_bad_bodies();
        for b in bodies {
            all.push(("application/json", serde_json::to_vec(&b).unwrap()));
        }
        for (ct, body) in all {
            let shown = String::from_utf8_lossy(&body)
                .chars()
                .take(80)
                .collect::<String>();
            let r = t.raw(method, path, ct, body, token).await;
            assert!(
                (400..500).contains(&r.status),
                "{method} {path} {ct} {shown}: {} {}",
                r.status,
                r.body
            );
            assert_eq!(
                r.header("content-type"),
                Some("application/problem+json"),
                "{method} {path} {shown}: {}",
                r.body
            );
            let p = r.json();
            assert_eq!(p["status"], r.status);
            assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
        }
    }
    assert_eq!(footprint(&t).await, before, "bad input wrote something");
}

#[tokio::test]
async fn field_errors_name_each_bad_field() {
    let t = TestApp::spawn().await;
    let p = t
        .post(
            "/api/v1/members",
            json!({"email": "nope", "first_name": "", "last_name": "Silva", "language": "en",
                   "country_of_origin": "QQ", "consent": {"privacy_policy": false}}),
            None,
        )
        .await
        .assert_problem(422);
    let mut fields: Vec<_> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "consent.privacy_policy",
            "country_of_origin",
            "email",
            "first_name"
        ]
    );
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let t = TestApp::spawn().await;
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(1024 * 1024 + 10));
    t.raw(
        "POST",
        "/api/v1/auth/magic-link",
        "application/json",
        big.into_bytes(),
        None,
    )
    .await
    .assert_problem(413);
}

#[tokio::test]
async fn bad_tokens_and_ids_in_paths_are_refused_cleanly() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.get("/api/v1/me", Some("not-a-token"))
        .await
        .assert_problem(401);
    t.get_with("/api/v1/me", None, ("authorization", "Basic abc"))
        .await
        .assert_problem(401);
    t.get("/api/v1/members?limit=0", Some(&ana)).await;
    let staff = t
        .staff(
            "s@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    t.get("/api/v1/members?limit=0", Some(&staff))
        .await
        .assert_problem(422);
    t.get("/api/v1/members?limit=abc", Some(&staff))
        .await
        .assert_problem(422);
    t.get("/api/v1/members?phase=nowhere", Some(&staff))
        .await
        .assert_problem(422);
    t.get("/api/v1/members/%00%01", Some(&staff))
        .await
        .assert_problem(422);
    t.get("/api/v1/members?q=%00", Some(&staff))
        .await
        .assert_problem(422);
    t.get("/api/v1/members?cursor=%00", Some(&staff))
        .await
        .assert_problem(422);
    t.get(
        &format!("/api/v1/members/{}", uuid::Uuid::now_v7()),
        Some(&staff),
    )
    .await
    .assert_problem(404);
    t.patch(
        "/api/v1/me/household/dependents/unknown",
        json!({"first_name": "X"}),
        Some(&ana),
    )
    .await
    .assert_problem(422);
    t.patch(
        &format!("/api/v1/me/household/dependents/{}", uuid::Uuid::now_v7()),
        json!({"first_name": "X"}),
        Some(&ana),
    )
    .await
    .assert_problem(404);
}

/// The schema `s` stands for: `$ref` followed, and the first of an `allOf` (how poem-openapi
/// writes a described reference).
fn resolve<'a>(spec: &'a Value, s: &'a Value) -> &'a Value {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return resolve(spec, &spec["components"]["schemas"][name]);
    }
    match s["allOf"].as_array().and_then(|a| a.first()) {
        Some(first) => resolve(spec, first),
        None => s,
    }
}

/// The dotted names of every string a body of schema `s` can hold (`subject.en` for a map,
/// `tags.0` for a list).
fn string_fields(spec: &Value, s: &Value, path: &str, out: &mut Vec<String>) {
    let s = resolve(spec, s);
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match s["type"].as_str() {
        Some("string") => out.push(path.to_owned()),
        Some("array") => string_fields(spec, &s["items"], &at("0"), out),
        Some("object") => {
            for (key, field) in s["properties"].as_object().into_iter().flatten() {
                string_fields(spec, field, &at(key), out);
            }
            if s["additionalProperties"].is_object() {
                string_fields(spec, &s["additionalProperties"], &at("en"), out);
            }
        }
        _ => {}
    }
}

/// A JSON value holding `leaf` at the dotted `path` (numbers are list positions).
fn nested(path: &[&str], leaf: Value) -> Value {
    match path.split_first() {
        None => leaf,
        Some((first, rest)) if first.parse::<usize>().is_ok() => json!([nested(rest, leaf)]),
        Some((first, rest)) => json!({ *first: nested(rest, leaf) }),
    }
}

#[track_caller]
fn assert_names(r: &crate::helpers::Resp, status: u16, field: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    let p = r.assert_problem(status);
    let named: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(named.contains(&field), "{what}: {field} not named in {p}");
}

/// NUL (which PostgreSQL cannot store in text) and bytes that are not UTF-8, sent to every
/// string parameter and every string field of a JSON body of every operation the spec lists, and
/// to the routes outside the API: each is refused with a problem naming the parameter or field,
/// before anything is written. Driven by the spec, so a new route is covered as it is added.
#[tokio::test]
async fn nul_and_broken_utf8_are_refused_in_every_string_input() {
    let t = TestApp::spawn().await;
    let spec: Value =
        serde_json::from_str(&limburgers_worldwide::app::api_service(&t.app).spec()).unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let before = footprint(&t).await;
    let mut cases = 0;
    for (template, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let method = method.to_uppercase();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            // Every path parameter a well-formed id but the one under test.
            let path_with = |bad: Option<(&str, &str)>| {
                let mut path = template.clone();
                for p in params.iter().filter(|p| p["in"] == "path") {
                    let name = p["name"].as_str().unwrap();
                    let value = match bad {
                        Some((n, v)) if n == name => v,
                        _ => id.as_str(),
                    };
                    path = path.replace(&format!("{{{name}}}"), value);
                }
                path
            };
            for p in &params {
                if resolve(&spec, &p["schema"])["type"] != "string" {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str().unwrap() {
                    "path" => {
                        for bad in ["a%00b", "%00", "%FF", "a%C3"] {
                            let path = path_with(Some((name, bad)));
                            let r = t
                                .raw(&method, &path, "application/json", vec![], None)
                                .await;
                            // NUL is a refused value; bytes that are not UTF-8 cannot be read.
                            let status = if bad.contains("%00") { 422 } else { 400 };
                            assert_names(&r, status, name, &format!("{method} {path}"));
                            cases += 1;
                        }
                    }
                    "query" => {
                        for (bad, status) in [("a%00b", 422), ("%00", 422), ("%FF", 400)] {
                            let path = format!("{}?{name}={bad}", path_with(None));
                            let r = t
                                .raw(&method, &path, "application/json", vec![], None)
                                .await;
                            assert_names(&r, status, name, &format!("{method} {path}"));
                            cases += 1;
                        }
                    }
                    "header" => {
                        // NUL cannot be sent in a header at all (the HTTP parser refuses control
                        // characters); bytes that are not UTF-8 can, and are refused or ignored.
                        let value = poem::http::HeaderValue::from_bytes(b"\xff\xfe").unwrap();
                        let path = path_with(None);
                        let r = t.send_header(&method, &path, (name, value)).await;
                        assert!(
                            r.status < 500,
                            "{method} {path} {name}: {} {}",
                            r.status,
                            r.body
                        );
                        cases += 1;
                    }
                    _ => {}
                }
            }
            let Some(schema) = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| &c["schema"])
            else {
                continue;
            };
            let mut fields = Vec::new();
            string_fields(&spec, schema, "", &mut fields);
            let path = path_with(None);
            if fields.is_empty() {
                // No string to put NUL in; bytes that are not UTF-8 are still refused.
                let broken = b"{\"x\": \"\xff\"}".to_vec();
                let r = t
                    .raw(&method, &path, "application/json", broken, None)
                    .await;
                assert_names(&r, 400, "body", &format!("{method} {path} not UTF-8"));
                cases += 1;
            }
            for f in fields {
                let segments: Vec<&str> = f.split('.').collect();
                let body = nested(&segments, json!("a\u{0}b"));
                let r = t
                    .raw(
                        &method,
                        &path,
                        "application/json",
                        serde_json::to_vec(&body).unwrap(),
                        None,
                    )
                    .await;
                assert_names(&r, 422, &f, &format!("{method} {path} {body}"));
                let marked = serde_json::to_vec(&nested(&segments, json!("MARK"))).unwrap();
                let text = String::from_utf8(marked).unwrap();
                let (head, tail) = text.split_once("MARK").unwrap();
                let broken = [head.as_bytes(), b"\xff\xc3", tail.as_bytes()].concat();
                let r = t
                    .raw(&method, &path, "application/json", broken, None)
                    .await;
                assert_names(&r, 400, "body", &format!("{method} {path} {f} not UTF-8"));
                cases += 2;
            }
        }
    }
    assert!(cases > 300, "the spec drove only {cases} cases");

    // The routes outside the API.
    for (method, path, status, name) in [
        ("GET", "/calendar.ics?tag=a%00b", 422, "tag"),
        ("GET", "/calendar.ics?organiser=%00", 422, "organiser"),
        ("GET", "/calendar.ics?audience=%00", 422, "audience"),
        ("GET", "/calendar.ics?tag=%FF", 400, "tag"),
        ("GET", "/calendar/a%00b.ics", 422, "token"),
        ("GET", "/calendar/%FF.ics", 400, "token"),
        ("GET", "/unsubscribe/a%00b", 422, "key"),
        ("POST", "/unsubscribe/a%00b", 422, "key"),
        ("GET", "/unsubscribe/%FF", 400, "key"),
        ("POST", "/unsubscribe/%FF", 400, "key"),
        ("GET", "/verify?token=a%00b", 422, "token"),
        ("GET", "/verify?token=%FF", 400, "token"),
        ("GET", "/sign-in?token=%00", 422, "token"),
        ("GET", "/sign-in?token=%FF", 400, "token"),
        ("GET", "/invitation?token=%00", 422, "token"),
        ("GET", "/invitation?token=%FF", 400, "token"),
        ("GET", "/newsletter/confirm?token=%00", 422, "token"),
        ("GET", "/newsletter/confirm?token=%FF", 400, "token"),
    ] {
        let r = t.raw(method, path, "text/plain", vec![], None).await;
        assert_names(&r, status, name, &format!("{method} {path}"));
    }
    // A body nothing parses as JSON (one-click unsubscribe posts a form) cannot carry NUL either.
    let r = t
        .raw(
            "POST",
            "/unsubscribe/some-key",
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click\0".to_vec(),
            None,
        )
        .await;
    assert_names(&r, 400, "body", "a form body with NUL");
    assert_eq!(footprint(&t).await, before, "bad input wrote something");
}
