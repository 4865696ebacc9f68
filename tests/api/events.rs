use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn person_ids(t: &TestApp, token: &str) -> Vec<String> {
    t.household(token).await["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect()
}

#[tokio::test]
async fn staff_publish_events_and_members_see_only_published_ones() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let drinks = t
        .event(
            &staff,
            json!({"tags": ["Social", "drinks"], "capacity": 40}),
        )
        .await;
    let draft = t
        .event(
            &staff,
            json!({"title": "Secret planning", "status": "draft"}),
        )
        .await;
    t.event(&staff, json!({"title": "Aachen Christmas market", "organiser": "Newcomer Service Aachen", "audience": "families"})).await;

    assert_eq!(drinks["seats_left"], 40);
    assert_eq!(drinks["tags"], json!(["social", "drinks"]));
    assert_eq!(drinks["timezone"], "Europe/Brussels");
    assert_eq!(drinks["organiser"], "Expat Centre Limburg");
    assert_eq!(drinks["revision"], 1);

    let list = t.get("/api/v1/events", None).await.json();
    let titles: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(!titles.contains(&"Secret planning".to_owned()));

    t.get(&format!("/api/v1/events/{}", id(&draft)), Some(&ana))
        .await
        .assert_problem(404);
    t.get(&format!("/api/v1/events/{}", id(&draft)), Some(&staff))
        .await
        .assert(200);
    t.get("/api/v1/events?status=draft", Some(&ana))
        .await
        .assert_problem(403);
    t.get("/api/v1/events?status=draft", None)
        .await
        .assert_problem(401);
    let drafts = t
        .get("/api/v1/events?status=draft", Some(&staff))
        .await
        .json();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);

    let tagged = t.get("/api/v1/events?tag=Social", None).await.json();
    assert_eq!(tagged["items"].as_array().unwrap().len(), 1);
    let aachen = t
        .get("/api/v1/events?organiser=Newcomer%20Service%20Aachen", None)
        .await
        .json();
    assert_eq!(aachen["items"][0]["audience"], "families");
    let families = t.get("/api/v1/events?audience=families", None).await.json();
    assert_eq!(families["items"].as_array().unwrap().len(), 1);

    let page = t.get("/api/v1/events?limit=1", None).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = t
        .get(&format!("/api/v1/events?limit=1&cursor={next}"), None)
        .await
        .json();
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page2["items"][0]["id"], page["items"][0]["id"]);
    assert!(page2["next_cursor"].is_null());

    // Members cannot create events.
    t.post(
        "/api/v1/events",
        json!({"title": "x", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T11:00"}),
        Some(&ana),
    )
    .await
    .assert_problem(403);
}

#[tokio::test]
async fn event_input_is_validated() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let p = t
        .post(
            "/api/v1/events",
            json!({"title": " ", "starts_at": "2030-03-31T02:30:00", "ends_at": "soon", "timezone": "Europe/Brussels",
                   "online_url": "ftp://x", "tags": ["<b>"]}),
            Some(&staff),
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
        ["ends_at", "online_url", "starts_at", "tags", "title"]
    );
    let p = t
        .post("/api/v1/events", json!({"title": "Backwards", "starts_at": "2030-01-01T12:00", "ends_at": "2030-01-01T11:00"}), Some(&staff))
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "ends_at");
    let p = t
        .post("/api/v1/events", json!({"title": "Too long", "starts_at": "2030-01-01T12:00", "ends_at": "2030-02-15T11:00"}), Some(&staff))
        .await
        .assert_problem(422);
    assert_eq!(
        p["errors"][0]["field"], "ends_at",
        "an event lasts at most 31 days"
    );
    t.post("/api/v1/events", json!({"title": "x", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T11:00", "timezone": "Mars/Olympus"}), Some(&staff))
        .await
        .assert_problem(422);
    t.post(
        "/api/v1/events",
        json!({"title": "x", "starts_at": "2030-01-01T10:00+01:00", "ends_at": "2030-01-01T11:00"}),
        Some(&staff),
    )
    .await
    .assert_problem(422);
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 0);
}

#[tokio::test]
async fn a_household_registers_in_one_step_and_gets_a_calendar_file() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child", "birth_year": 2020}),
        Some(&ana),
    )
    .await
    .assert(201);
    let people = person_ids(&t, &ana).await;
    let event = t
        .event(&staff, json!({"capacity": 10, "audience": "families"}))
        .await;

    let r = t
        .register(
            &ana,
            &id(&event),
            &people.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await;
    r.assert(201);
    let reg = r.json();
    assert_eq!(reg["status"], "confirmed");
    assert_eq!(reg["seats"], 3);
    assert!(reg["position"].is_null());
    let mut got: Vec<String> = reg["person_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    got.sort();
    let mut want = people.clone();
    want.sort();
    assert_eq!(got, want);
    let e = t
        .get(&format!("/api/v1/events/{}", id(&event)), None)
        .await
        .json();
    assert_eq!(e["seats_left"], 7);

    let mail = t.next_mail_to("ana@example.org").await;
    assert!(mail.text.contains("Welcome drinks"), "{}", mail.text);
    assert!(mail.raw.contains("text/calendar"), "the .ics is attached");
    assert!(mail.raw.contains("event.ics"));

    // The partner sees the household's registration; a person holds one live registration.
    let mine = t.get("/api/v1/me/registrations", Some(&raj)).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["event_title"], "Welcome drinks");
    t.register(&raj, &id(&event), &[&people[1], &people[2]])
        .await
        .assert_problem(409);

    // Another household's people cannot be registered.
    let eve = t.member("eve@example.org", "Eve", "Other").await;
    let p = t
        .register(&eve, &id(&event), &[&people[2]])
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "person_ids");
    assert!(
        t.get("/api/v1/me/registrations", Some(&eve))
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM registrations").await, 1);
}

#[tokio::test]
async fn the_waitlist_moves_up_in_arrival_order_and_big_groups_keep_their_place() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let (b, b_id) = t.quick_member("b@example.org").await;
    let (c, c_id) = t.quick_member("c@example.org").await;
    let c_child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Kid", "relation": "child"}),
            Some(&c),
        )
        .await
        .json();
    let a_child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Kid", "relation": "child"}),
            Some(&a),
        )
        .await
        .json();
    let (d, d_id) = t.quick_member("d@example.org").await;
    let event = t.event(&staff, json!({"capacity": 2})).await;
    let eid = id(&event);

    let ra = t.register(&a, &eid, &[&a_id, &id(&a_child)]).await.json();
    assert_eq!(ra["status"], "confirmed");
    let rb = t.register(&b, &eid, &[&b_id]).await.json();
    assert_eq!(
        (rb["status"].as_str(), rb["position"].as_i64()),
        (Some("waitlisted"), Some(1))
    );
    let rc = t.register(&c, &eid, &[&c_id, &id(&c_child)]).await.json();
    assert_eq!(
        (rc["status"].as_str(), rc["position"].as_i64()),
        (Some("waitlisted"), Some(2))
    );
    let waitlisted = t.next_mail_to("c@example.org").await;
    assert!(waitlisted.text.contains('2'), "{}", waitlisted.text);

    // Not willing to wait: 409 and nothing stored.
    let before = t.count("SELECT COUNT(*) FROM registrations").await;
    t.post(
        &format!("/api/v1/events/{eid}/registrations"),
        json!({"person_ids": [d_id], "waitlist": false}),
        Some(&d),
    )
    .await
    .assert_problem(409);
    assert_eq!(t.count("SELECT COUNT(*) FROM registrations").await, before);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registration_people WHERE live = 1")
            .await,
        5
    );

    // A cancels: B (1 seat) moves up; C (2 seats) does not fit the one seat left and keeps its place.
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&ra)),
        Some(&a),
    )
    .await
    .assert(204);
    let regs = t
        .get(&format!("/api/v1/events/{eid}/registrations"), Some(&staff))
        .await
        .json();
    let status = |rid: &Value| {
        regs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == rid["id"])
            .unwrap()
            .clone()
    };
    assert_eq!(status(&ra)["status"], "cancelled");
    assert_eq!(status(&rb)["status"], "confirmed");
    assert_eq!(status(&rc)["status"], "waitlisted");
    assert_eq!(status(&rc)["position"], 1);
    let waitlisted_b = t.next_mail_to("b@example.org").await;
    assert!(
        !waitlisted_b.raw.contains("text/calendar"),
        "no seat yet, no calendar file"
    );
    let promoted = t.next_mail_to("b@example.org").await;
    assert!(promoted.raw.contains("text/calendar"));
    // The cancelled people may register again.
    let again = t.register(&a, &eid, &[&a_id]).await.json();
    assert_eq!(again["status"], "confirmed", "one seat was free and A fits");

    // More capacity promotes C.
    t.patch(
        &format!("/api/v1/events/{eid}"),
        json!({"capacity": 4}),
        Some(&staff),
    )
    .await
    .assert(200);
    let regs = t
        .get(&format!("/api/v1/events/{eid}/registrations"), Some(&staff))
        .await
        .json();
    let c_now = regs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rc["id"])
        .unwrap()
        .clone();
    assert_eq!(c_now["status"], "confirmed");
    let e = t.get(&format!("/api/v1/events/{eid}"), None).await.json();
    assert_eq!(e["seats_left"], 0);

    // Capacity cannot drop below the confirmed seats.
    t.patch(
        &format!("/api/v1/events/{eid}"),
        json!({"capacity": 3}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    // Others' registrations cannot be cancelled by a member.
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&rc)),
        Some(&b),
    )
    .await
    .assert_problem(404);
}

#[tokio::test]
async fn audience_and_registration_window_are_enforced() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let people = person_ids(&t, &ana).await; // [ana, raj]

    let alumni = t.event(&staff, json!({"audience": "alumni"})).await;
    t.register(&ana, &id(&alumni), &[&people[0]])
        .await
        .assert_problem(403);

    let partners = t
        .event(
            &staff,
            json!({"audience": "partners", "title": "Partner workshop"}),
        )
        .await;
    t.register(&ana, &id(&partners), &[&people[0]])
        .await
        .assert_problem(403);
    t.register(&raj, &id(&partners), &[&people[1]])
        .await
        .assert(201);

    let families = t.event(&staff, json!({"audience": "families"})).await;
    t.register(&ana, &id(&families), &[&people[0]])
        .await
        .assert_problem(403);

    let start = chrono::Local::now().date_naive() + chrono::Duration::days(10);
    let later = t
        .event(
            &staff,
            json!({"registration_opens_at": format!("{start}T09:00:00")}),
        )
        .await;
    t.register(&ana, &id(&later), &[&people[0]])
        .await
        .assert_problem(409);
    let yesterday = chrono::Local::now().date_naive() - chrono::Duration::days(1);
    let closed = t
        .event(
            &staff,
            json!({"registration_closes_at": format!("{yesterday}T09:00:00")}),
        )
        .await;
    t.register(&ana, &id(&closed), &[&people[0]])
        .await
        .assert_problem(409);
    let draft = t.event(&staff, json!({"status": "draft"})).await;
    t.register(&ana, &id(&draft), &[&people[0]])
        .await
        .assert_problem(404);
    assert_eq!(t.count("SELECT COUNT(*) FROM registrations").await, 1);
}

#[tokio::test]
async fn changes_and_cancellation_are_mailed_to_the_registered() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let event = t.event(&staff, json!({"capacity": 5})).await;
    let eid = id(&event);
    t.register(&a, &eid, &[&a_id]).await.assert(201);
    t.next_mail_to("a@example.org").await;

    // A new title is not a change of time or place: no mail.
    let e = t
        .patch(
            &format!("/api/v1/events/{eid}"),
            json!({"title": "Welcome drinks!"}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(e["revision"], 2);
    let e = t
        .patch(
            &format!("/api/v1/events/{eid}"),
            json!({"venue": "C-mine, Genk"}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(e["revision"], 3);
    let changed = t.next_mail_to("a@example.org").await;
    assert!(changed.text.contains("C-mine"), "{}", changed.text);

    let e = t
        .post(
            &format!("/api/v1/events/{eid}/cancel"),
            json!({}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(e["status"], "cancelled");
    let cancelled = t.next_mail_to("a@example.org").await;
    assert!(cancelled.text.contains("Welcome drinks!"));
    t.post(
        &format!("/api/v1/events/{eid}/cancel"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    t.patch(
        &format!("/api/v1/events/{eid}"),
        json!({"title": "x"}),
        Some(&staff),
    )
    .await
    .assert_problem(409);
    t.outbox_settled().await;
    assert_eq!(t.mails_to("a@example.org").len(), 3);
}

#[tokio::test]
async fn the_door_team_checks_households_in_and_exports_csv() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    let people = person_ids(&t, &ana).await;
    let (b, b_id) = t.quick_member("b@example.org").await;
    let event = t.event(&staff, json!({})).await;
    let eid = id(&event);
    let ra = t
        .register(&ana, &eid, &[&people[0], &people[1]])
        .await
        .json();
    t.register(&b, &eid, &[&b_id]).await.assert(201);

    let r = t
        .post(
            &format!("/api/v1/events/{eid}/check-ins"),
            json!({"registration_id": ra["id"], "override": true}),
            Some(&staff),
        )
        .await;
    r.assert(200);
    let first = r.json()["registrations"][0]["people"].clone();
    assert!(
        first
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["checked_in_at"].is_string())
    );
    // Twice is harmless: the first time stays.
    let again = t
        .post(
            &format!("/api/v1/events/{eid}/check-ins"),
            json!({"registration_id": ra["id"], "override": true}),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(again["registrations"][0]["people"], first);
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({"registration_id": ra["id"]}),
        Some(&ana),
    )
    .await
    .assert_problem(403);
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert_problem(422);

    // The event is over: B never came.
    sqlx::query(
        "UPDATE events SET starts_at = starts_at - 3000000000, ends_at = ends_at - 3000000000",
    )
    .execute(t.app.db.writer())
    .await
    .unwrap();
    let csv = t
        .get_with(
            &format!("/api/v1/events/{eid}/registrations"),
            Some(&staff),
            ("accept", "text/csv"),
        )
        .await;
    csv.assert(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with('\u{feff}'), "BOM for Excel");
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].contains("first_name") && lines[0].contains("checked_in_at"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Mia") && l.contains("checked_in"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Quick") && l.contains("no_show"))
    );
    // Members cannot cancel after the start; staff can.
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&ra)),
        Some(&ana),
    )
    .await
    .assert_problem(409);
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&ra)),
        Some(&staff),
    )
    .await
    .assert(204);
}

#[tokio::test]
async fn reminders_go_out_once_about_a_day_before() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let soon = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Brussels)
        + chrono::Duration::hours(20);
    let event = t
        .event(&staff, json!({
            "starts_at": soon.format("%Y-%m-%dT%H:%M:00").to_string(),
            "ends_at": (soon + chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:00").to_string(),
        }))
        .await;
    t.register(&a, &id(&event), &[&a_id]).await.assert(201);
    t.next_mail_to("a@example.org").await;
    let far = t.event(&staff, json!({})).await;
    t.register(&a, &id(&far), &[&a_id]).await.assert(201);
    t.next_mail_to("a@example.org").await;

    let job = limburgers_worldwide::jobs::find("event-reminders").unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('1'));
    assert!(
        (job.run)(t.app.clone()).await.unwrap().starts_with('0'),
        "sent once"
    );
    let reminder = t.next_mail_to("a@example.org").await;
    assert!(reminder.text.contains("Welcome drinks"));
    t.outbox_settled().await;
    assert_eq!(t.mails_to("a@example.org").len(), 3);
}

#[tokio::test]
async fn a_weekly_series_keeps_its_local_time_across_the_clock_change() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let r = t
        .post(
            "/api/v1/events/series",
            json!({"event": {"title": "Dutch conversation table", "starts_at": "2030-03-24T10:00:00", "ends_at": "2030-03-24T11:30:00",
                             "status": "published", "capacity": 12},
                   "repeat": {"frequency": "weekly", "count": 3}}),
            Some(&staff),
        )
        .await;
    r.assert(201);
    let events = r.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 3);
    let local: Vec<_> = events
        .iter()
        .map(|e| e["starts_at"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        local,
        [
            "2030-03-24T10:00:00",
            "2030-03-31T10:00:00",
            "2030-04-07T10:00:00"
        ]
    );
    let utc: Vec<_> = events
        .iter()
        .map(|e| e["starts_at_utc"].as_str().unwrap().to_owned())
        .collect();
    assert!(utc[0].starts_with("2030-03-24T09:00:00"), "{utc:?}");
    assert!(utc[1].starts_with("2030-03-31T08:00:00"), "{utc:?}");
    assert!(
        events
            .iter()
            .all(|e| e["series_id"] == events[0]["series_id"] && e["capacity"] == 12)
    );
    t.post(
        "/api/v1/events/series",
        json!({"event": {"title": "x", "starts_at": "2030-03-24T10:00:00", "ends_at": "2030-03-24T11:00:00"}, "repeat": {"frequency": "weekly"}}),
        Some(&staff),
    )
    .await
    .assert_problem(422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_simultaneous_registrations_never_oversell_fifty_seats() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event = t.event(&staff, json!({"capacity": 50})).await;
    let eid = id(&event);
    let mut members = Vec::new();
    for i in 0..200 {
        members.push(t.quick_member(&format!("m{i}@example.org")).await);
    }
    let answers = futures::future::join_all(members.iter().map(|(token, person)| {
        let t = &t;
        let eid = &eid;
        async move { t.register(token, eid, &[person]).await }
    }))
    .await;
    let mut confirmed = 0;
    let mut waitlisted = 0;
    for a in &answers {
        a.assert(201);
        match a.json()["status"].as_str().unwrap() {
            "confirmed" => confirmed += 1,
            "waitlisted" => waitlisted += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        (confirmed, waitlisted),
        (50, 150),
        "every accepted request counted, none lost"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        50
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM registrations").await, 200);
    let (taken,): (i64,) = sqlx::query_as("SELECT seats_taken FROM events")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(taken, 50);
    // Waitlist positions are 1..=150 without gaps.
    let regs = t
        .get(&format!("/api/v1/events/{eid}/registrations"), Some(&staff))
        .await
        .json();
    let mut positions: Vec<i64> = regs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["position"].as_i64())
        .collect();
    positions.sort();
    assert_eq!(positions, (1..=150).collect::<Vec<_>>());
}

/// Registrations run in shared transactions (group commit): a household that submits twice at
/// once, among many others, is registered once and told so the second time; nobody else is
/// affected and every mail matches its registration's outcome.
#[tokio::test]
async fn double_submissions_in_a_rush_register_once_and_mail_the_outcome() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event = t.event(&staff, json!({"capacity": 20})).await;
    let eid = id(&event);
    let mut members = Vec::new();
    for i in 0..30 {
        members.push(t.quick_member(&format!("d{i}@example.org")).await);
    }
    // Every third member submits twice.
    let submissions: Vec<&(String, String)> = members
        .iter()
        .enumerate()
        .flat_map(|(i, m)| std::iter::repeat_n(m, if i % 3 == 0 { 2 } else { 1 }))
        .collect();
    let answers = futures::future::join_all(submissions.iter().map(|(token, person)| {
        let (t, eid) = (&t, &eid);
        async move { (person.clone(), t.register(token, eid, &[person]).await) }
    }))
    .await;
    let mut accepted = std::collections::HashMap::new();
    for (person, answer) in &answers {
        match answer.status {
            201 => {
                let status = answer.json()["status"].as_str().unwrap().to_owned();
                assert!(
                    accepted.insert(person.clone(), status).is_none(),
                    "{person} registered twice"
                );
            }
            409 => {
                let problem = answer.assert_problem(409);
                assert!(
                    problem["detail"]
                        .as_str()
                        .unwrap()
                        .contains("already registered"),
                    "{problem}"
                );
            }
            other => panic!("{other}: {}", answer.body),
        }
    }
    assert_eq!(accepted.len(), 30, "every member registered exactly once");
    let confirmed = accepted.values().filter(|s| *s == "confirmed").count();
    assert_eq!(confirmed, 20);
    assert_eq!(t.count("SELECT COUNT(*) FROM registrations").await, 30);
    let (taken,): (i64,) = sqlx::query_as("SELECT seats_taken FROM events")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(taken, 20);
    // Each member gets one mail, and it says what their answer said.
    for (i, _) in members.iter().enumerate() {
        let address = format!("d{i}@example.org");
        let mail = t.next_mail_to(&address).await;
        let person = &members[i].1;
        let (expected, calendar_file) = match accepted[person].as_str() {
            "confirmed" => ("is confirmed", true),
            _ => ("is on the waitlist", false),
        };
        assert!(
            mail.subject.ends_with(expected),
            "{address}: {} / {}",
            mail.subject,
            accepted[person]
        );
        assert_eq!(mail.raw.contains("event.ics"), calendar_file, "{address}");
    }
    t.outbox_settled().await;
    for i in 0..30 {
        assert_eq!(t.mails_to(&format!("d{i}@example.org")).len(), 1);
    }
}

/// The first page of the list is served from a cache: it must follow seat changes (also those made
/// by another server instance on the same database) and drop an event the moment it ends.
#[tokio::test]
async fn the_cached_event_list_follows_seats_other_instances_and_time() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event = t.event(&staff, json!({"capacity": 10})).await;
    let eid = id(&event);
    let seats_left = |page: Value| -> i64 {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == eid.as_str())
            .unwrap()["seats_left"]
            .as_i64()
            .unwrap()
    };
    let list = t.get("/api/v1/events", None).await;
    list.assert(200);
    assert_eq!(seats_left(list.json()), 10);

    // The cache is really in use: a write behind its back (not counted) is not seen.
    sqlx::query("UPDATE events SET title = 'Behind the back' WHERE id = $1")
        .bind(&eid)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    let cached = t.get("/api/v1/events", None).await;
    assert!(!cached.body.contains("Behind the back"));

    let (token, person) = t.quick_member("one@example.org").await;
    t.register(&token, &eid, &[&person]).await.assert(201);
    assert_eq!(seats_left(t.get("/api/v1/events", None).await.json()), 9);

    // Another instance on the same database takes a seat, then gives one back.
    let other = limburgers_worldwide::app::App::new((*t.app.config).clone())
        .await
        .unwrap();
    let other_client = poem::test::TestClient::new(limburgers_worldwide::app::routes(&other));
    let (token2, person2) = t.quick_member("two@example.org").await;
    let reg = other_client
        .post(format!("/api/v1/events/{eid}/registrations"))
        .header("authorization", format!("Bearer {token2}"))
        .body_json(&json!({"person_ids": [person2]}))
        .send()
        .await;
    reg.assert_status(poem::http::StatusCode::CREATED);
    let reg: Value = reg.0.into_body().into_json().await.unwrap();
    assert_eq!(seats_left(t.get("/api/v1/events", None).await.json()), 8);
    other_client
        .delete(format!("/api/v1/events/{eid}/registrations/{}", id(&reg)))
        .header("authorization", format!("Bearer {token2}"))
        .send()
        .await
        .assert_status(poem::http::StatusCode::NO_CONTENT);
    let page = t.get("/api/v1/events", None).await;
    assert_eq!(seats_left(page.json()), 9);
    assert!(page.body.contains("Behind the back"), "rebuilt on change");

    // An event ending in a moment: listed now, gone once it has ended, with nothing changed.
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(now - 3_600_000)
        .bind(now + 1_500)
        .bind(&eid)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    sqlx::query("UPDATE change_counters SET value = value + 1 WHERE name = 'events'")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    assert!(t.get("/api/v1/events", None).await.body.contains(&eid));
    tokio::time::sleep(std::time::Duration::from_millis(1_700)).await;
    assert!(
        !t.get("/api/v1/events", None).await.body.contains(&eid),
        "an ended event leaves the cached first page"
    );
}

/// Browsers and apps that take gzip get the cached list compressed (a 50-event page is ~33 kB
/// of JSON), the same JSON as the plain answer, and it follows changes like the plain one.
#[tokio::test]
async fn the_event_list_is_gzipped_for_clients_that_take_it() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for i in 0..20 {
        t.event(
            &staff,
            json!({"title": format!("Evening {i}"), "capacity": 10}),
        )
        .await;
    }
    let gzipped = |encoding: &'static str| {
        let client = &t.client;
        async move {
            let resp = client
                .get("/api/v1/events")
                .header("accept-encoding", encoding)
                .send()
                .await;
            resp.assert_status_is_ok();
            let headers = resp.0.headers().clone();
            let bytes = resp.0.into_body().into_bytes().await.unwrap();
            (headers, bytes)
        }
    };
    let unzip = |bytes: &[u8]| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text).unwrap();
        text
    };
    let plain = t.get("/api/v1/events", None).await;
    plain.assert(200);
    assert_eq!(plain.header("content-encoding"), None, "plain unless asked");
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));

    let (headers, bytes) = gzipped("br, gzip;q=0.8").await;
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    assert_eq!(headers.get("vary").unwrap(), "Accept-Encoding");
    assert!(
        bytes.len() * 4 < plain.body.len(),
        "{} of {}",
        bytes.len(),
        plain.body.len()
    );
    assert_eq!(unzip(&bytes), plain.body);
    let (headers, _) = gzipped("gzip;q=0").await;
    assert_eq!(headers.get("content-encoding"), None, "q=0 refuses gzip");

    // A seat taken: both encodings change together.
    let first = plain.json()["items"][0]["id"].as_str().unwrap().to_owned();
    let (token, person) = t.quick_member("one@example.org").await;
    t.register(&token, &first, &[&person]).await.assert(201);
    let (_, bytes) = gzipped("gzip").await;
    let after = t.get("/api/v1/events", None).await;
    assert_ne!(after.body, plain.body);
    assert_eq!(unzip(&bytes), after.body);
    assert_eq!(after.json()["items"][0]["seats_left"], 9);
}
