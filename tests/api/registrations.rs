//! A household's registration after it is made: changing who comes, who is told, what members
//! see of the waitlist, the door team's search and check-in window, the staff's CSV file.

use std::collections::HashMap;

use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::{Resp, TestApp};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn sorted(ids: &Value) -> Vec<String> {
    let mut v: Vec<String> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn ids(list: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

/// Ana, her partner Raj (an account of his own) and their child Mia. Answers Ana's and Raj's
/// tokens and the household's person ids by first name.
async fn family(t: &TestApp) -> (String, String, HashMap<String, String>) {
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    let people = t.household(&ana).await["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["first_name"].as_str().unwrap().to_owned(), id(p)))
        .collect();
    (ana, raj, people)
}

async fn change(t: &TestApp, token: &str, eid: &str, rid: &str, body: Value) -> Resp {
    t.patch(
        &format!("/api/v1/events/{eid}/registrations/{rid}"),
        body,
        Some(token),
    )
    .await
}

/// The event's registrations as staff see them, by id.
async fn registrations(t: &TestApp, staff: &str, eid: &str) -> HashMap<String, Value> {
    t.get(&format!("/api/v1/events/{eid}/registrations"), Some(staff))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (id(r), r.clone()))
        .collect()
}

async fn seats_taken(t: &TestApp) -> i64 {
    t.count("SELECT seats_taken FROM events").await
}

#[tokio::test]
async fn a_household_changes_who_comes_and_those_who_stay_keep_their_seats() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, _raj, p) = family(&t).await;
    let eid = id(&t.event(&staff, json!({"capacity": 3})).await);
    let rid = id(&t.register(&ana, &eid, &[&p["Ana"]]).await.json());

    // Mia comes too: a seat is free, she has it at once.
    let r = change(&t, &ana, &eid, &rid, json!({"add": [p["Mia"]]})).await;
    r.assert(200);
    let r = r.json();
    assert_eq!(
        (r["status"].as_str(), r["seats"].as_i64()),
        (Some("confirmed"), Some(2))
    );
    assert_eq!(sorted(&r["person_ids"]), ids(&[&p["Ana"], &p["Mia"]]));
    assert!(r["waitlisted"].is_null(), "{r}");

    // Another family takes the last seat; a third waits.
    let (c, c_id) = t.quick_member("c@example.org").await;
    t.register(&c, &eid, &[&c_id]).await.assert(201);
    let (d, d_id) = t.quick_member("d@example.org").await;
    let rd = t.register(&d, &eid, &[&d_id]).await.json();
    assert_eq!(rd["position"], 1);

    // Raj needs a seat there is not: by default nothing changes, and the answer names him.
    let refused = change(&t, &ana, &eid, &rid, json!({"add": [p["Raj"]]}))
        .await
        .assert_problem(409);
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("Raj Partner"), "{detail}");
    assert!(!detail.contains(&p["Raj"]), "a name, not an id: {detail}");
    assert_eq!(registrations(&t, &staff, &eid).await[&rid]["seats"], 2);

    // Asked to, Raj waits as a registration of his own; Ana and Mia keep their seats.
    let r = change(
        &t,
        &ana,
        &eid,
        &rid,
        json!({"add": [p["Raj"]], "waitlist": true}),
    )
    .await;
    r.assert(200);
    let r = r.json();
    assert_eq!(
        (r["status"].as_str(), r["seats"].as_i64()),
        (Some("confirmed"), Some(2))
    );
    let waiting = &r["waitlisted"];
    assert_eq!(waiting["status"], "waitlisted", "{r}");
    assert_eq!(sorted(&waiting["person_ids"]), [p["Raj"].clone()]);
    assert_eq!(
        (
            waiting["position"].as_i64(),
            waiting["waitlist_length"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let raj_rid = id(waiting);

    // Raj holds a registration now: adding him again names him.
    let twice = change(&t, &ana, &eid, &rid, json!({"add": [p["Raj"]]}))
        .await
        .assert_problem(409);
    assert!(
        twice["detail"].as_str().unwrap().contains("Raj Partner"),
        "{twice}"
    );

    // Mia stays home: her seat goes to the first in the queue (D), not to Raj who came later.
    let r = change(&t, &ana, &eid, &rid, json!({"remove": [p["Mia"]]})).await;
    r.assert(200);
    assert_eq!(r.json()["seats"], 1);
    assert_eq!(sorted(&r.json()["person_ids"]), [p["Ana"].clone()]);
    let all = registrations(&t, &staff, &eid).await;
    assert_eq!(all[&id(&rd)]["status"], "confirmed");
    assert_eq!(
        (
            all[&raj_rid]["status"].as_str(),
            all[&raj_rid]["position"].as_i64()
        ),
        (Some("waitlisted"), Some(1))
    );
    assert_eq!(seats_taken(&t).await, 3);

    // A waiting group that grows keeps its place, and waits whole.
    let r = change(&t, &ana, &eid, &raj_rid, json!({"add": [p["Mia"]]})).await;
    r.assert(200);
    let r = r.json();
    assert_eq!(
        (
            r["status"].as_str(),
            r["seats"].as_i64(),
            r["position"].as_i64()
        ),
        (Some("waitlisted"), Some(2), Some(1))
    );

    // What cannot be asked, each naming its field.
    let field = |p: Value| p["errors"][0]["field"].as_str().unwrap().to_owned();
    let p422 = change(&t, &ana, &eid, &rid, json!({"remove": [p["Ana"]]}))
        .await
        .assert_problem(422);
    assert_eq!(field(p422), "remove", "a registration keeps somebody");
    let p422 = change(&t, &ana, &eid, &rid, json!({"remove": [p["Raj"]]}))
        .await
        .assert_problem(422);
    assert_eq!(field(p422.clone()), "remove");
    assert!(
        p422["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Raj Partner"),
        "{p422}"
    );
    let p422 = change(&t, &ana, &eid, &rid, json!({"add": [c_id]}))
        .await
        .assert_problem(422);
    assert_eq!(field(p422), "add", "not of the household");
    let p422 = change(&t, &ana, &eid, &rid, json!({}))
        .await
        .assert_problem(422);
    assert_eq!(field(p422), "add");
    // Another household does not even see it.
    change(&t, &c, &eid, &rid, json!({"remove": [p["Ana"]]}))
        .await
        .assert_problem(404);

    assert_eq!(seats_taken(&t).await, 3, "nothing refused took a seat");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registration_people WHERE live = 1")
            .await,
        5,
        "Ana; C; D; Raj and Mia waiting"
    );
}

#[tokio::test]
async fn a_duplicate_registration_names_the_person() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, raj, p) = family(&t).await;
    let eid = id(&t.event(&staff, json!({})).await);
    t.register(&ana, &eid, &[&p["Ana"], &p["Mia"]])
        .await
        .assert(201);
    let problem = t
        .register(&raj, &eid, &[&p["Raj"], &p["Mia"]])
        .await
        .assert_problem(409);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("Mia is already registered"), "{detail}");
    assert!(!detail.contains(&p["Mia"]), "a name, not an id: {detail}");
}

/// The subjects of the mails to an address so far, once the outbox has settled.
async fn subjects(t: &TestApp, address: &str) -> Vec<String> {
    t.outbox_settled().await;
    t.mails_to(address).into_iter().map(|m| m.subject).collect()
}

#[tokio::test]
async fn both_adults_are_told_each_in_their_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, raj, p) = family(&t).await;
    t.patch("/api/v1/me", json!({"language": "nl"}), Some(&raj))
        .await
        .assert(200);
    t.outbox_settled().await;
    let before_ana = t.mails_to("ana@example.org").len();
    let before_raj = t.mails_to("raj@example.org").len();
    let eid = id(&t
        .event(&staff, json!({"capacity": 2, "title": "Picnic"}))
        .await);
    let (o, o_id) = t.quick_member("o@example.org").await;
    let ro = t.register(&o, &eid, &[&o_id]).await.json();

    // Too few seats: both adults learn they wait.
    let reg = t.register(&ana, &eid, &[&p["Ana"], &p["Raj"]]).await.json();
    assert_eq!(reg["status"], "waitlisted");
    let rid = id(&reg);
    // (Each step's mail is delivered before the next step's: the worker sends in parallel.)
    t.outbox_settled().await;
    // O gives up the seat: the family moves up, both are told, each with the .ics.
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&ro)),
        Some(&o),
    )
    .await
    .assert(204);
    t.outbox_settled().await;
    // The place changes: both are told.
    t.patch(
        &format!("/api/v1/events/{eid}"),
        json!({"venue": "Bokrijk"}),
        Some(&staff),
    )
    .await
    .assert(200);
    t.outbox_settled().await;
    // Ana takes Raj out: both are told, Raj although he is no longer in it.
    change(&t, &ana, &eid, &rid, json!({"remove": [p["Raj"]]}))
        .await
        .assert(200);
    t.outbox_settled().await;
    // Ana cancels: only who is still in it is told.
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{rid}"),
        Some(&ana),
    )
    .await
    .assert(204);

    let ana_mails = subjects(&t, "ana@example.org").await[before_ana..].to_vec();
    let raj_mails = subjects(&t, "raj@example.org").await[before_raj..].to_vec();
    assert_eq!(
        ana_mails,
        [
            "Your registration for Picnic is on the waitlist",
            "Good news: your registration for Picnic is now confirmed",
            "The time or place of Picnic has changed",
            "Your registration for Picnic has changed",
            "Your registration for Picnic is cancelled",
        ]
    );
    assert_eq!(
        raj_mails,
        [
            "Je inschrijving voor Picnic staat op de wachtlijst",
            "Goed nieuws: je inschrijving voor Picnic is nu bevestigd",
            "Het tijdstip of de plaats van Picnic is gewijzigd",
            "Je inschrijving voor Picnic is gewijzigd",
        ],
        "in Dutch, and nothing once he is no longer in it"
    );
    let raj_all = t.mails_to("raj@example.org");
    let promoted = &raj_all[before_raj + 1];
    assert!(
        promoted.raw.contains("event.ics"),
        "Raj's seat is his: the .ics"
    );
    let changed = &raj_all[before_raj + 3];
    assert!(
        changed.text.contains("Niet langer ingeschreven: Raj"),
        "{}",
        changed.text
    );
    assert!(
        changed.text.contains("bevestigd voor Ana"),
        "{}",
        changed.text
    );
    assert_eq!(
        subjects(&t, "o@example.org").await.last().unwrap(),
        "Your registration for Picnic is cancelled",
        "who cancels is told too"
    );
}

#[tokio::test]
async fn members_see_the_waitlist_length_and_their_place() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let eid = id(&t.event(&staff, json!({"capacity": 1})).await);
    let mut members = Vec::new();
    for who in ["a", "b", "c"] {
        let (token, person) = t.quick_member(&format!("{who}@example.org")).await;
        let r = t.register(&token, &eid, &[&person]).await.json();
        members.push((token, r));
    }
    let (c, rc) = &members[2];
    assert_eq!(
        (rc["position"].as_i64(), rc["waitlist_length"].as_i64()),
        (Some(2), Some(2))
    );

    let event = t
        .get(&format!("/api/v1/events/{eid}"), Some(c))
        .await
        .json();
    assert_eq!(event["waitlist_length"], 2);
    let mine = event["my_registrations"].as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0]["id"].clone(), mine[0]["position"].as_i64()),
        (rc["id"].clone(), Some(2))
    );
    let (a, _) = &members[0];
    let seen_by_a = t
        .get(&format!("/api/v1/events/{eid}"), Some(a))
        .await
        .json();
    assert_eq!(seen_by_a["waitlist_length"], 2);
    assert!(
        seen_by_a["my_registrations"][0]["position"].is_null(),
        "A has a seat"
    );
    let anonymous = t.get(&format!("/api/v1/events/{eid}"), None).await.json();
    assert!(anonymous["waitlist_length"].is_null() && anonymous["my_registrations"].is_null());

    // B gives up: C moves up, and sees it in their registrations.
    let (b, rb) = &members[1];
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(rb)),
        Some(b),
    )
    .await
    .assert(204);
    let mine = t.get("/api/v1/me/registrations", Some(c)).await.json();
    assert_eq!(
        (
            mine[0]["position"].as_i64(),
            mine[0]["waitlist_length"].as_i64()
        ),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn the_door_team_finds_households_by_name_and_checks_in_from_a_day_before() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, _raj, p) = family(&t).await;
    let jose = t.member("jose@example.org", "José", "Peeters").await;
    let jose_id = t.me(&jose).await["id"].as_str().unwrap().to_owned();
    let eid = id(&t.event(&staff, json!({})).await);
    let ra = t.register(&ana, &eid, &[&p["Ana"], &p["Mia"]]).await.json();
    let rj = t.register(&jose, &eid, &[&jose_id]).await.json();
    let found = |q: &'static str| {
        let (t, staff, eid) = (&t, &staff, &eid);
        async move {
            let r = t
                .get(
                    &format!("/api/v1/events/{eid}/registrations?q={q}"),
                    Some(staff),
                )
                .await;
            r.assert(200);
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found("mi").await,
        [id(&ra)],
        "by the child's name, the household"
    );
    assert_eq!(found("SIL").await, [id(&ra)]);
    assert_eq!(
        found("jose%20pee").await,
        [id(&rj)],
        "accents and case ignored"
    );
    assert!(
        found("peeters%20ana").await.is_empty(),
        "every word must match one person"
    );
    assert!(found("xyz").await.is_empty());
    let p = t
        .get(
            &format!("/api/v1/events/{eid}/registrations?q=%21%21"),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "q");

    // A month ahead: checking in now is a mistake unless staff say otherwise.
    let check_ins = format!("/api/v1/events/{eid}/check-ins");
    let check_in = |body: Value| t.post(&check_ins, body, Some(&staff));
    let early = check_in(json!({"registration_id": ra["id"]}))
        .await
        .assert_problem(409);
    assert!(
        early["detail"].as_str().unwrap().contains("override"),
        "{early}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registration_people WHERE checked_in_at IS NOT NULL")
            .await,
        0
    );
    check_in(json!({"registration_id": ra["id"], "override": true}))
        .await
        .assert(200);

    // From a day before, the door is open.
    let soon = chrono::Utc::now() + chrono::Duration::hours(20);
    sqlx::query("UPDATE events SET starts_at = $1, ends_at = $2")
        .bind(soon.timestamp_millis())
        .bind(soon.timestamp_millis() + 7_200_000)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    let r = check_in(json!({"person_ids": [jose_id]})).await;
    r.assert(200);
    assert!(r.json()["registrations"][0]["people"][0]["checked_in_at"].is_string());
}

#[tokio::test]
async fn the_csv_is_a_named_file_with_the_title_and_contacts_and_no_cancelled_rows() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, _raj, p) = family(&t).await;
    let event = t
        .event(
            &staff,
            json!({"title": "Zomerfeest: Genk & Hasselt, 2e editie"}),
        )
        .await;
    let eid = id(&event);
    t.register(&ana, &eid, &[&p["Ana"], &p["Mia"]])
        .await
        .assert(201);
    let (b, b_id) = t.quick_member("b@example.org").await;
    let rb = t.register(&b, &eid, &[&b_id]).await.json();
    t.delete(
        &format!("/api/v1/events/{eid}/registrations/{}", id(&rb)),
        Some(&b),
    )
    .await
    .assert(204);

    let csv = |query: &'static str| {
        let (t, staff, eid) = (&t, &staff, &eid);
        async move {
            let r = t
                .get_with(
                    &format!("/api/v1/events/{eid}/registrations{query}"),
                    Some(staff),
                    ("accept", "text/csv"),
                )
                .await;
            r.assert(200);
            r
        }
    };
    let r = csv("").await;
    let date = &event["starts_at"].as_str().unwrap()[..10];
    assert_eq!(
        r.header("content-disposition").unwrap(),
        format!("attachment; filename=\"zomerfeest-genk-hasselt-2e-editie-{date}.csv\"")
    );
    let lines: Vec<&str> = r
        .body
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split("\r\n")
        .collect();
    assert_eq!(
        lines[0],
        "event_title,registration_id,household_id,first_name,last_name,relation,email,status,attendance,checked_in_at"
    );
    assert_eq!(lines.len(), 3, "Ana and Mia; B cancelled: {lines:?}");
    let ana_row = lines.iter().find(|l| l.contains(",Ana,")).unwrap();
    assert!(
        ana_row.starts_with("\"Zomerfeest: Genk & Hasselt, 2e editie\","),
        "{ana_row}"
    );
    assert!(ana_row.contains(",ana@example.org,"), "{ana_row}");
    let mia_row = lines.iter().find(|l| l.contains(",Mia,")).unwrap();
    assert!(
        mia_row.contains(",child,,confirmed,"),
        "a child has no contact: {mia_row}"
    );
    assert!(!r.body.contains("b@example.org"));

    let all = csv("?include_cancelled=true").await;
    let lines: Vec<&str> = all.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",b@example.org,cancelled,")),
        "{lines:?}"
    );
}

/// Changes race registrations and each other, through two server instances on one database:
/// households add their child (a seat more each) or take theirs out, while newcomers register.
/// Seats never exceed capacity, every seat is accounted for by a person, and the waitlist is
/// served in arrival order: among the newcomers (one seat each), everyone confirmed queued
/// before everyone still waiting, and nobody waits while a seat is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_racing_registrations_never_oversell_and_keep_the_queue_in_order() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let capacity = 30;
    let eid = id(&t.event(&staff, json!({"capacity": capacity})).await);
    let other = limburgers_worldwide::app::App::new((*t.app.config).clone())
        .await
        .unwrap();
    let other = poem::test::TestClient::new(limburgers_worldwide::app::routes(&other));

    // Ten households come with their child (20 seats), ten without (10 seats): full.
    let mut households = Vec::new();
    for i in 0..20 {
        let (token, person) = t.quick_member(&format!("h{i}@example.org")).await;
        let child = id(&t
            .post(
                "/api/v1/me/household/dependents",
                json!({"first_name": "Kid", "relation": "child"}),
                Some(&token),
            )
            .await
            .json());
        let people: Vec<&str> = if i < 10 {
            vec![&person, &child]
        } else {
            vec![&person]
        };
        let rid = id(&t.register(&token, &eid, &people).await.json());
        households.push((token, child, rid, i < 10));
    }
    let mut newcomers = Vec::new();
    for i in 0..20 {
        newcomers.push(t.quick_member(&format!("n{i}@example.org")).await);
    }

    // Each household sends its change twice at once, once to each instance (a double click),
    // while the newcomers register, half through each instance.
    enum Done {
        Changed(usize, u16),
        Registered(u16),
    }
    let send_change = |h: usize, via_other: bool| {
        let (t, other, eid) = (&t, &other, &eid);
        let (token, child, rid, with_child) = &households[h];
        async move {
            let body = if *with_child {
                json!({"remove": [child]})
            } else {
                json!({"add": [child]})
            };
            let path = format!("/api/v1/events/{eid}/registrations/{rid}");
            let status = if via_other {
                let r = other
                    .patch(path)
                    .header("authorization", format!("Bearer {token}"))
                    .body_json(&body)
                    .send()
                    .await;
                r.0.status().as_u16()
            } else {
                t.patch(&path, body, Some(token)).await.status
            };
            Done::Changed(h, status)
        }
    };
    let register = |n: usize| {
        let (t, other, eid) = (&t, &other, &eid);
        let (token, person) = &newcomers[n];
        async move {
            let status = if n % 2 == 1 {
                let r = other
                    .post(format!("/api/v1/events/{eid}/registrations"))
                    .header("authorization", format!("Bearer {token}"))
                    .body_json(&json!({"person_ids": [person]}))
                    .send()
                    .await;
                r.0.status().as_u16()
            } else {
                t.register(token, eid, &[person]).await.status
            };
            Done::Registered(status)
        }
    };
    let mut all: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send + '_>>> =
        Vec::new();
    for i in 0..20 {
        all.push(Box::pin(send_change(i, false)));
        all.push(Box::pin(register(i)));
        all.push(Box::pin(send_change(i, true)));
    }
    let mut answers: HashMap<usize, Vec<u16>> = HashMap::new();
    for done in futures::future::join_all(all).await {
        match done {
            Done::Changed(h, status) => answers.entry(h).or_default().push(status),
            Done::Registered(status) => assert_eq!(status, 201),
        }
    }
    for (h, mut statuses) in answers {
        statuses.sort();
        if households[h].3 {
            // Taking the child out works once; the second finds them gone.
            assert_eq!(statuses, [200, 422], "household {h}");
        } else {
            // Adding works at most once (when a seat is free); otherwise 409.
            assert!(
                statuses == [200, 409] || statuses == [409, 409],
                "household {h}: {statuses:?}"
            );
        }
    }

    // Every seat taken is a person in a confirmed registration, and no more than capacity.
    let taken = seats_taken(&t).await;
    assert!(taken <= capacity, "{taken} of {capacity}");
    assert_eq!(
        taken,
        t.count(
            "SELECT COUNT(*) FROM registration_people rp JOIN registrations r ON r.id = rp.registration_id \
             WHERE r.status = 'confirmed' AND rp.live = 1"
        )
        .await
    );
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM registrations r WHERE r.seats <> \
             (SELECT COUNT(*) FROM registration_people rp WHERE rp.registration_id = r.id)"
        )
        .await,
        0,
        "each registration's seats are its people"
    );
    // Households that took their child out hold one seat; those that added one, two or one.
    let regs = registrations(&t, &staff, &eid).await;
    for (_, _, rid, with_child) in &households {
        let seats = regs[rid]["seats"].as_i64().unwrap();
        assert!(
            if *with_child {
                seats == 1
            } else {
                seats == 1 || seats == 2
            },
            "{}",
            regs[rid]
        );
        assert_eq!(
            regs[rid]["status"], "confirmed",
            "a change never gives up a seat"
        );
    }
    // The newcomers' queue: confirmed first, then waiting, in arrival order.
    let mut queue: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT queued_at, id, status FROM registrations WHERE seats = 1 AND registered_by IN \
         (SELECT person_id FROM accounts WHERE email LIKE 'n%')",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    queue.sort();
    assert_eq!(queue.len(), 20);
    let statuses: Vec<&str> = queue.iter().map(|(_, _, s)| s.as_str()).collect();
    let confirmed = statuses.iter().filter(|s| **s == "confirmed").count();
    assert!(
        statuses[..confirmed].iter().all(|s| *s == "confirmed")
            && statuses[confirmed..].iter().all(|s| *s == "waitlisted"),
        "served out of order: {statuses:?}"
    );
    if confirmed < queue.len() {
        assert_eq!(taken, capacity, "somebody waits while a seat is free");
    }
}
