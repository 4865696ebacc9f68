//! The authorization matrix: every route of the OpenAPI spec × every kind of caller. A route
//! missing from the table fails the test, so a new route cannot be forgotten. Denied callers must
//! get 401 (anonymous) or 403 (signed in, wrong role) and change nothing; allowed callers must not
//! get either. Routes that would destroy the fixtures are called by denied callers only (the
//! functional tests cover them for the allowed ones). Household-scoped routes are also called by
//! another household, which must see 404, never the data.

use std::collections::HashMap;

use limburgers_worldwide::values::Role as AccountRole;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Access {
    Public,
    Signed,
    Staff,
    Admin,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    Anonymous,
    Member,
    Partner,
    OtherHousehold,
    Alumnus,
    Staff,
    Admin,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Member,
    Caller::Partner,
    Caller::OtherHousehold,
    Caller::Alumnus,
    Caller::Staff,
    Caller::Admin,
];

fn allowed(access: Access, caller: Caller) -> bool {
    match access {
        Access::Public => true,
        Access::Signed => caller != Caller::Anonymous,
        Access::Staff => matches!(caller, Caller::Staff | Caller::Admin),
        Access::Admin => caller == Caller::Admin,
    }
}

/// (method, path, access, destroys fixtures, body). `{self}` in a body is the caller's person id.
fn table() -> Vec<(&'static str, &'static str, Access, bool, Value)> {
    use Access::*;
    let event =
        json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00"});
    let newsletter = json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "community"});
    let departure = json!({"leaving_on": "2027-06-01", "destination_country": "CA", "keep_in_touch": true, "household": false});
    vec![
        (
            "POST",
            "/api/v1/members",
            Public,
            false,
            json!({"email": "new-{self}@example.org", "first_name": "N", "last_name": "M", "language": "en", "consent": {"privacy_policy": true}}),
        ),
        ("GET", "/api/v1/members", Staff, false, json!(null)),
        (
            "POST",
            "/api/v1/members/verify",
            Public,
            false,
            json!({"token": "nope", "consent": {"privacy_policy": true}}),
        ),
        ("GET", "/api/v1/me", Signed, false, json!(null)),
        ("PATCH", "/api/v1/me", Signed, false, json!({})),
        ("DELETE", "/api/v1/me", Signed, true, json!(null)),
        ("GET", "/api/v1/me/export", Signed, false, json!(null)),
        ("GET", "/api/v1/members/{member}", Staff, false, json!(null)),
        ("PATCH", "/api/v1/members/{member}", Staff, false, json!({})),
        (
            "DELETE",
            "/api/v1/members/{member}",
            Admin,
            true,
            json!(null),
        ),
        ("GET", "/api/v1/me/household", Signed, false, json!(null)),
        (
            "POST",
            "/api/v1/me/household/partner",
            Signed,
            false,
            json!({"email": "p-{self}@example.org", "first_name": "P", "last_name": "Q"}),
        ),
        (
            "POST",
            "/api/v1/invitations/accept",
            Public,
            false,
            json!({"token": "nope", "consent": {"privacy_policy": true}}),
        ),
        (
            "POST",
            "/api/v1/me/household/leave",
            Signed,
            true,
            json!({}),
        ),
        // Member then Partner each say they are the partner: the roles end as they began.
        (
            "PUT",
            "/api/v1/me/household/relation",
            Signed,
            false,
            json!({"relation": "partner"}),
        ),
        (
            "POST",
            "/api/v1/me/household/dependents",
            Signed,
            false,
            json!({"first_name": "Kid", "relation": "child"}),
        ),
        (
            "PATCH",
            "/api/v1/me/household/dependents/{child}",
            Signed,
            false,
            json!({"first_name": "Kid"}),
        ),
        (
            "DELETE",
            "/api/v1/me/household/dependents/{child}",
            Signed,
            true,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/auth/magic-link",
            Public,
            false,
            json!({"email": "ana@example.org"}),
        ),
        (
            "POST",
            "/api/v1/auth/sessions",
            Public,
            false,
            json!({"token": "nope"}),
        ),
        (
            "DELETE",
            "/api/v1/auth/sessions/current",
            Signed,
            true,
            json!(null),
        ),
        ("GET", "/api/v1/me/sessions", Signed, false, json!(null)),
        (
            "DELETE",
            "/api/v1/me/sessions/{event}",
            Signed,
            true,
            json!(null),
        ),
        ("GET", "/api/v1/events", Public, false, json!(null)),
        ("POST", "/api/v1/events", Staff, false, event.clone()),
        ("GET", "/api/v1/events/{event}", Public, false, json!(null)),
        (
            "PATCH",
            "/api/v1/events/{event}",
            Staff,
            false,
            json!({"title": "Welcome drinks"}),
        ),
        (
            "POST",
            "/api/v1/events/series",
            Staff,
            false,
            json!({"event": event, "repeat": {"frequency": "weekly", "count": 2}}),
        ),
        (
            "POST",
            "/api/v1/events/{event}/cancel",
            Staff,
            true,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/events/{event}/registrations",
            Signed,
            false,
            json!({"person_ids": ["{self}"]}),
        ),
        (
            "GET",
            "/api/v1/events/{event}/registrations",
            Staff,
            false,
            json!(null),
        ),
        (
            "DELETE",
            "/api/v1/events/{event}/registrations/{registration}",
            Signed,
            true,
            json!(null),
        ),
        (
            "PATCH",
            "/api/v1/events/{event}/registrations/{registration}",
            Signed,
            false,
            // The child is in it already: allowed callers get 409 and nothing changes.
            json!({"add": ["{child}"]}),
        ),
        (
            "POST",
            "/api/v1/events/{event}/check-ins",
            Staff,
            false,
            json!({"registration_id": "{registration}"}),
        ),
        (
            "POST",
            "/api/v1/events/{event}/attendance/close",
            Staff,
            false,
            // The event has not ended: allowed callers get 409 and nothing changes.
            json!(null),
        ),
        (
            "POST",
            "/api/v1/events/{event}/attendance/reopen",
            Staff,
            false,
            json!(null),
        ),
        (
            "GET",
            "/api/v1/me/registrations",
            Signed,
            false,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/me/calendar-token",
            Signed,
            false,
            json!({}),
        ),
        (
            "GET",
            "/api/v1/events/{event}/calendar.ics",
            Public,
            false,
            json!(null),
        ),
        (
            "GET",
            "/api/v1/me/subscriptions",
            Signed,
            false,
            json!(null),
        ),
        ("PUT", "/api/v1/me/subscriptions", Signed, false, json!({})),
        (
            "POST",
            "/api/v1/newsletter/confirm",
            Public,
            false,
            json!({"token": "nope"}),
        ),
        ("GET", "/api/v1/newsletters", Staff, false, json!(null)),
        (
            "POST",
            "/api/v1/newsletters",
            Staff,
            false,
            newsletter.clone(),
        ),
        (
            "GET",
            "/api/v1/newsletters/{newsletter}",
            Staff,
            false,
            json!(null),
        ),
        (
            "PATCH",
            "/api/v1/newsletters/{newsletter}",
            Staff,
            false,
            newsletter,
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/preview",
            Staff,
            false,
            json!({"account_id": "{member}"}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/test",
            Staff,
            false,
            json!({"email": "proof@example.org"}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/schedule",
            Staff,
            false,
            json!({"at": "2031-01-01T00:00:00Z"}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/send",
            Staff,
            false,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/pause",
            Staff,
            false,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/resume",
            Staff,
            false,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/newsletters/{newsletter}/cancel",
            Staff,
            false,
            json!({}),
        ),
        ("GET", "/api/v1/programmes", Signed, false, json!(null)),
        (
            "POST",
            "/api/v1/programmes",
            Staff,
            false,
            json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "everyone", "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 2}),
        ),
        (
            "GET",
            "/api/v1/programmes/{programme}",
            Signed,
            false,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/close",
            Staff,
            true,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/mentors",
            Signed,
            false,
            json!({"expertise": ["x"], "sectors": [], "languages": [], "capacity": 1}),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/mentees",
            Signed,
            false,
            json!({"goals": ["x"], "languages": []}),
        ),
        (
            "GET",
            "/api/v1/programmes/{programme}/applications",
            Staff,
            false,
            json!(null),
        ),
        (
            "GET",
            "/api/v1/programmes/{programme}/suggestions",
            Staff,
            false,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/matches",
            Staff,
            false,
            json!({"mentor_id": "{mentor}", "mentee_id": "{mentee}"}),
        ),
        (
            "GET",
            "/api/v1/programmes/{programme}/matches",
            Staff,
            false,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/matches/{match}/start",
            Staff,
            false,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/matches/{match}/complete",
            Staff,
            false,
            json!({}),
        ),
        // Staff, or the match's mentor or mentee; anybody else: 404 (checked below).
        (
            "POST",
            "/api/v1/programmes/{programme}/matches/{match}/withdraw",
            Signed,
            true,
            json!({}),
        ),
        (
            "POST",
            "/api/v1/programmes/{programme}/matches/{match}/feedback",
            Signed,
            false,
            json!({"rating": 5}),
        ),
        ("GET", "/api/v1/me/mentoring", Signed, false, json!(null)),
        (
            "POST",
            "/api/v1/me/departure",
            Signed,
            true,
            departure.clone(),
        ),
        (
            "POST",
            "/api/v1/members/{member}/departure",
            Staff,
            true,
            departure,
        ),
        ("POST", "/api/v1/me/return", Signed, false, json!({})),
        ("GET", "/api/v1/me/departure", Signed, false, json!(null)),
        (
            "GET",
            "/api/v1/members/{member}/departure",
            Staff,
            false,
            json!(null),
        ),
        (
            "POST",
            "/api/v1/me/email",
            Signed,
            false,
            json!({"email": "somewhere-new@example.org"}),
        ),
        (
            "POST",
            "/api/v1/members/{member}/email",
            Staff,
            false,
            json!({"email": "moved@example.org"}),
        ),
        // The link's token is the credential (an unknown one: 410).
        (
            "POST",
            "/api/v1/email/confirm",
            Public,
            false,
            json!({"token": "not-a-token"}),
        ),
        (
            "PUT",
            "/api/v1/me/keep-in-touch",
            Signed,
            false,
            json!({"keep_in_touch": true}),
        ),
        (
            "PUT",
            "/api/v1/me/directory",
            Signed,
            false,
            json!({"visible": false, "fields": []}),
        ),
        ("GET", "/api/v1/alumni", Signed, false, json!(null)),
        ("GET", "/api/v1/stats", Staff, false, json!(null)),
        // The public routes: no sign-in; their secret is in the address.
        ("GET", "/calendar.ics", Public, false, json!(null)),
        (
            "GET",
            "/calendar/{calendar}.ics",
            Public,
            false,
            json!(null),
        ),
        ("GET", "/unsubscribe/{key}", Public, false, json!(null)),
        ("POST", "/unsubscribe/{key}", Public, false, json!(null)),
        ("GET", "/api/v1/admin/tokens", Admin, false, json!(null)),
        (
            "POST",
            "/api/v1/admin/tokens",
            Admin,
            false,
            json!({"email": "staff@expatcentre.test", "name": "matrix"}),
        ),
        // A spare token: the one allowed caller (Admin) revokes it.
        (
            "DELETE",
            "/api/v1/admin/tokens/{spare_token}",
            Admin,
            false,
            json!(null),
        ),
    ]
}

/// Staff-on-member actions with an admin as the target: staff may not change admins, so only
/// admins are admitted (read-only `GET` stays open to staff). Not routes of their own: checked
/// by the same loop, outside the spec coverage count.
fn on_an_admin() -> Vec<(&'static str, &'static str, Access, bool, Value)> {
    use Access::*;
    let departure = json!({"leaving_on": "2027-06-01", "destination_country": "CA", "keep_in_touch": true, "household": false});
    vec![
        ("GET", "/api/v1/members/{admin}", Staff, false, json!(null)),
        (
            "PATCH",
            "/api/v1/members/{admin}",
            Admin,
            false,
            json!({"first_name": "Changed"}),
        ),
        (
            "POST",
            "/api/v1/members/{admin}/departure",
            Admin,
            true,
            departure,
        ),
        (
            "DELETE",
            "/api/v1/members/{admin}",
            Admin,
            true,
            json!(null),
        ),
    ]
}

fn fill(template: &str, ids: &HashMap<&str, String>) -> String {
    let mut s = template.to_owned();
    for (k, v) in ids {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[tokio::test]
async fn every_route_admits_exactly_its_callers() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", AccountRole::Staff).await;
    let admin = t.staff("admin@expatcentre.test", AccountRole::Admin).await;
    let member = t.member("ana@example.org", "Ana", "Silva").await;
    let partner = t.partner(&member, "raj@example.org", "Raj").await;
    let (other, _) = t.quick_member("other@example.org").await;
    let (alumnus, alumnus_id) = t.quick_member("alum@example.org").await;
    sqlx::query("UPDATE accounts SET status = 'alumni' WHERE person_id = $1")
        .bind(&alumnus_id)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let member_id = t.me(&member).await["id"].as_str().unwrap().to_owned();
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mia", "relation": "child"}),
            Some(&member),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = t.event(&staff, json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let registration = t
        .register(&member, &event, &[&member_id, &child])
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let newsletter = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "S"}, "body": {"en": "B"}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let programme = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "P"}, "description": {"en": "D"}, "audience": "everyone", "starts_on": "2030-01-01", "ends_on": "2030-02-01", "max_mentees_per_mentor": 3}),
            Some(&staff),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mentor = t
        .post(
            &format!("/api/v1/programmes/{programme}/mentors"),
            json!({"expertise": ["x"], "sectors": [], "languages": [], "capacity": 3}),
            Some(&member),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mentee = t
        .post(
            &format!("/api/v1/programmes/{programme}/mentees"),
            json!({"goals": ["y"], "languages": []}),
            Some(&partner),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let the_match = t
        .post(
            &format!("/api/v1/programmes/{programme}/matches"),
            json!({"mentor_id": mentor, "mentee_id": mentee}),
            Some(&staff),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let spare_token = limburgers_worldwide::cli::create_token(
        &t.app,
        "staff@expatcentre.test",
        &limburgers_worldwide::cli::TokenOptions::default(),
    )
    .await
    .unwrap()
    .id;

    let tokens: HashMap<&str, Option<String>> = HashMap::from([
        ("Anonymous", None),
        ("Member", Some(member.clone())),
        ("Partner", Some(partner.clone())),
        ("OtherHousehold", Some(other.clone())),
        ("Alumnus", Some(alumnus.clone())),
        ("Staff", Some(staff.clone())),
        ("Admin", Some(admin.clone())),
    ]);
    let mut ids: HashMap<&str, String> = HashMap::from([
        ("member", member_id.clone()),
        ("child", child.clone()),
        ("event", event.clone()),
        ("registration", registration.clone()),
        ("newsletter", newsletter),
        ("programme", programme.clone()),
        ("mentor", mentor),
        ("mentee", mentee),
        ("match", the_match.clone()),
        ("spare_token", spare_token),
        ("calendar", "not-a-calendar".to_owned()),
        ("key", "not-a-key".to_owned()),
        (
            "admin",
            t.me(&admin).await["id"].as_str().unwrap().to_owned(),
        ),
    ]);

    // The table covers the spec exactly.
    let spec = t.get("/openapi.json", None).await.json();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    let table = table();
    let shape = |p: &str| {
        p.split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    for (method, path) in &routes {
        assert!(
            table
                .iter()
                .any(|(m, p, ..)| m == method && shape(p) == shape(path)),
            "{method} {path} is not in the authorization table: classify it"
        );
    }
    assert_eq!(
        table.len(),
        routes.len(),
        "the table lists a route the spec does not have"
    );

    let mut checked = 0;
    for (method, path, access, destructive, body) in table.iter().chain(&on_an_admin()) {
        for caller in CALLERS {
            let ok = allowed(*access, caller);
            if ok && *destructive {
                continue;
            }
            let token = tokens[format!("{caller:?}").as_str()].clone();
            let self_id = match caller {
                Caller::Anonymous => "anon".to_owned(),
                _ => t.me(token.as_deref().unwrap()).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            };
            ids.insert("self", self_id);
            let url = fill(path, &ids);
            let body = if body.is_null() {
                Vec::new()
            } else {
                fill(&body.to_string(), &ids).into_bytes()
            };
            let r = t
                .raw(method, &url, "application/json", body, token.as_deref())
                .await;
            if ok {
                assert!(
                    r.status != 401 && r.status != 403 && r.status < 500,
                    "{caller:?} may {method} {url}, got {}: {}",
                    r.status,
                    r.body
                );
            } else {
                let expected = if caller == Caller::Anonymous {
                    401
                } else {
                    403
                };
                assert_eq!(
                    r.status, expected,
                    "{caller:?} must not {method} {url}: {}",
                    r.body
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked} checks");

    // Another household never reaches this household's people, registrations or matches.
    for (method, url) in [
        ("PATCH", format!("/api/v1/me/household/dependents/{child}")),
        ("DELETE", format!("/api/v1/me/household/dependents/{child}")),
        (
            "DELETE",
            format!("/api/v1/events/{event}/registrations/{registration}"),
        ),
        (
            "PATCH",
            format!("/api/v1/events/{event}/registrations/{registration}"),
        ),
        (
            "POST",
            format!("/api/v1/programmes/{programme}/matches/{the_match}/feedback"),
        ),
        (
            "POST",
            format!("/api/v1/programmes/{programme}/matches/{the_match}/withdraw"),
        ),
    ] {
        let body = br#"{"first_name": "Hacked", "rating": 1}"#.to_vec();
        let body = if method == "PATCH" && url.contains("/registrations/") {
            format!(r#"{{"remove": ["{child}"]}}"#).into_bytes()
        } else if method == "PATCH" {
            br#"{"first_name": "Hacked"}"#.to_vec()
        } else if url.ends_with("feedback") {
            br#"{"rating": 1}"#.to_vec()
        } else if url.ends_with("withdraw") {
            br#"{"reason": "Hacked"}"#.to_vec()
        } else {
            body
        };
        let r = t
            .raw(
                method,
                &url,
                "application/json",
                if method == "DELETE" { vec![] } else { body },
                Some(&other),
            )
            .await;
        assert_eq!(
            r.status, 404,
            "{method} {url} by another household: {}",
            r.body
        );
    }
    let household = t.household(&member).await;
    assert!(
        household.to_string().contains(&child),
        "the child is still there, unchanged"
    );
    let matches = t
        .get(
            &format!("/api/v1/programmes/{programme}/matches"),
            Some(&staff),
        )
        .await
        .json();
    // (Staff started and completed it above; nobody withdrew it.)
    assert!(
        matches[0]["status"] != "withdrawn" && matches[0].get("withdrawn_by").is_none(),
        "the match goes on: {matches}"
    );
    assert!(!household.to_string().contains("Hacked"));
    for path in [
        "/api/v1/me/household",
        "/api/v1/me/registrations",
        "/api/v1/me/export",
        "/api/v1/me/mentoring",
    ] {
        let seen = t.get(path, Some(&other)).await.body;
        assert!(
            !seen.contains(&member_id) && !seen.contains(&child) && !seen.contains("Silva"),
            "{path} leaks: {seen}"
        );
    }
}

/// The fields a change by the wrong caller must leave as they are.
async fn account_state(
    t: &TestApp,
    id: &str,
) -> (Option<String>, Option<String>, Option<String>, i64) {
    sqlx::query_as(
        "SELECT p.first_name, a.phase, a.leaving_on, a.updated_at FROM accounts a \
         JOIN people p ON p.id = a.person_id WHERE a.person_id = $1",
    )
    .bind(id)
    .fetch_one(&t.app.db.read)
    .await
    .unwrap()
}

#[tokio::test]
async fn staff_change_members_but_not_admins_or_other_staff() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", AccountRole::Admin).await;
    let other_admin = t.staff("admin2@expatcentre.test", AccountRole::Admin).await;
    let staff = t.staff("staff@expatcentre.test", AccountRole::Staff).await;
    let colleague = t.staff("staff2@expatcentre.test", AccountRole::Staff).await;
    let (_, member) = t.quick_member("ana@example.org").await;
    let id = |token: String| {
        let t = &t;
        async move { t.me(&token).await["id"].as_str().unwrap().to_owned() }
    };
    let (admin_id, other_admin_id) = (id(admin.clone()).await, id(other_admin.clone()).await);
    let (staff_id, colleague_id) = (id(staff.clone()).await, id(colleague.clone()).await);
    let departure = json!({"leaving_on": "2027-06-01", "destination_country": "CA", "keep_in_touch": true, "household": false});
    let audit = "SELECT COUNT(*) FROM audit_log";

    // Staff on an admin or another staff member: 403 for every change, and nothing changes.
    for target in [&admin_id, &colleague_id] {
        let before = account_state(&t, target).await;
        let audited = t.count(audit).await;
        t.patch(
            &format!("/api/v1/members/{target}"),
            json!({"first_name": "Hacked"}),
            Some(&staff),
        )
        .await
        .assert_problem(403);
        t.post(
            &format!("/api/v1/members/{target}/departure"),
            departure.clone(),
            Some(&staff),
        )
        .await
        .assert_problem(403);
        t.delete(&format!("/api/v1/members/{target}"), Some(&staff))
            .await
            .assert_problem(403);
        assert_eq!(account_state(&t, target).await, before, "{target} changed");
        assert_eq!(t.count(audit).await, audited);
        // Reading stays open to staff.
        t.get(&format!("/api/v1/members/{target}"), Some(&staff))
            .await
            .assert(200);
    }

    // Staff on a member, and on their own account: allowed.
    for target in [&member, &staff_id] {
        let r = t
            .patch(
                &format!("/api/v1/members/{target}"),
                json!({"first_name": "Renamed"}),
                Some(&staff),
            )
            .await;
        r.assert(200);
        assert_eq!(r.json()["first_name"], "Renamed");
    }
    t.post(
        &format!("/api/v1/members/{member}/departure"),
        departure.clone(),
        Some(&staff),
    )
    .await
    .assert(200);

    // A household leaving together: staff may not take an admin in it along.
    let resident = t.member("bo@example.org", "Bo", "Li").await;
    let resident_id = id(resident.clone()).await;
    let partner = t.partner(&resident, "cy@example.org", "Cy").await;
    let partner_id = id(partner.clone()).await;
    t.staff("cy@example.org", AccountRole::Admin).await;
    let before = account_state(&t, &partner_id).await;
    let mut together = departure.clone();
    together["household"] = json!(true);
    t.post(
        &format!("/api/v1/members/{resident_id}/departure"),
        together.clone(),
        Some(&staff),
    )
    .await
    .assert_problem(403);
    assert_eq!(account_state(&t, &partner_id).await, before);
    assert_eq!(account_state(&t, &resident_id).await.2, None, "nobody left");
    let r = t
        .post(
            &format!("/api/v1/members/{resident_id}/departure"),
            departure.clone(),
            Some(&staff),
        )
        .await;
    r.assert(200);
    assert_eq!(r.json()["leaving"], json!([resident_id]));
    assert_eq!(account_state(&t, &partner_id).await, before);

    // Admins change anyone: another admin, a staff member.
    let r = t
        .patch(
            &format!("/api/v1/members/{other_admin_id}"),
            json!({"first_name": "Changed"}),
            Some(&admin),
        )
        .await;
    r.assert(200);
    assert_eq!(r.json()["first_name"], "Changed");
    t.post(
        &format!("/api/v1/members/{other_admin_id}/departure"),
        departure.clone(),
        Some(&admin),
    )
    .await
    .assert(200);
    assert_eq!(
        account_state(&t, &other_admin_id).await.1.as_deref(),
        Some("leaving")
    );
    t.patch(
        &format!("/api/v1/members/{colleague_id}"),
        json!({"first_name": "Changed"}),
        Some(&admin),
    )
    .await
    .assert(200);
    t.delete(&format!("/api/v1/members/{colleague_id}"), Some(&admin))
        .await
        .assert(204);
}
