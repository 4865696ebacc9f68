use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn a_household_leaves_becomes_alumni_and_one_comes_back() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let eve = t.member("eve@example.org", "Eve", "Resident").await;
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();

    let r = t
        .post("/api/v1/me/departure", json!({"leaving_on": later, "destination_country": "ca", "destination_city": "Toronto", "keep_in_touch": true}), Some(&ana))
        .await;
    r.assert(200);
    assert_eq!(
        r.json()["leaving"].as_array().unwrap().len(),
        2,
        "the household leaves together"
    );
    assert_eq!(t.me(&raj).await["phase"], "leaving");
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
    assert!(
        (job.run)(t.app.clone()).await.unwrap().starts_with('0'),
        "not yet"
    );

    sqlx::query("UPDATE accounts SET leaving_on = $1 WHERE leaving_on IS NOT NULL")
        .bind(today())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('2'));
    assert!(
        (job.run)(t.app.clone()).await.unwrap().starts_with('0'),
        "once"
    );
    assert_eq!(t.me(&ana).await["status"], "alumni");
    let subs = t.get("/api/v1/me/subscriptions", Some(&ana)).await.json();
    assert!(
        subs.as_array()
            .unwrap()
            .iter()
            .any(|s| s["list"] == "alumni" && s["status"] == "active"),
        "{subs}"
    );
    assert!(
        subs.as_array()
            .unwrap()
            .iter()
            .any(|s| s["list"] == "community" && s["status"] == "unsubscribed"),
        "{subs}"
    );
    t.outbox_settled().await;
    let farewell = t
        .mails_to("ana@example.org")
        .into_iter()
        .find(|m| m.text.contains("Toronto"));
    assert!(farewell.is_some(), "a farewell mail naming the destination");

    // Alumni keep their sign-in and may come to events open to alumni only.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let open = t.event(&staff, json!({"audience": "everyone"})).await;
    let residents = t.event(&staff, json!({"audience": "members"})).await;
    t.register(&ana, open["id"].as_str().unwrap(), &[&ana_id])
        .await
        .assert(201);
    t.register(&ana, residents["id"].as_str().unwrap(), &[&ana_id])
        .await
        .assert_problem(403);

    // The directory shows only alumni who opted in, with the fields they chose.
    t.put_json(
        "/api/v1/me/directory",
        json!({"visible": true, "fields": ["first_name", "destination_city"]}),
        Some(&ana),
    )
    .await
    .assert(200);
    let dir = t.get("/api/v1/alumni?country=CA", Some(&eve)).await.json();
    assert_eq!(dir.as_array().unwrap().len(), 1, "Raj did not opt in");
    assert_eq!(dir[0]["first_name"], "Ana");
    assert_eq!(dir[0]["destination_city"], "Toronto");
    assert!(dir[0]["last_name"].is_null() && dir[0]["email"].is_null());
    assert!(
        t.get("/api/v1/alumni?country=BE", Some(&eve))
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    t.get("/api/v1/alumni", None).await.assert_problem(401);

    // Back in Limburg.
    let back = t.post("/api/v1/me/return", json!({}), Some(&raj)).await;
    back.assert(200);
    assert_eq!(back.json()["status"], "active");
    assert_eq!(back.json()["phase"], "coming_in");
    t.post("/api/v1/me/return", json!({}), Some(&eve))
        .await
        .assert_problem(409);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.returned'")
            .await,
        1
    );
}

#[tokio::test]
async fn unconfirmed_sign_ups_are_removed_after_seven_days() {
    let t = TestApp::spawn().await;
    t.sign_up("old@example.org", "Old", "Pending")
        .await
        .assert(202);
    t.sign_up("new@example.org", "New", "Pending")
        .await
        .assert(202);
    t.outbox_settled().await;
    sqlx::query("UPDATE accounts SET created_at = created_at - CAST(8 * 86400000 AS BIGINT) WHERE email = 'old@example.org'")
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("retention-unverified").unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('1'));
    assert_eq!(t.count("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM people").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM households").await, 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'old@example.org'")
            .await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.unverified_removed'")
            .await,
        1
    );
}

#[tokio::test]
async fn inactive_alumni_are_reminded_then_erased_when_the_setting_is_on() {
    let t = TestApp::spawn_with(|s| {
        s.insert("ALUMNI_RETENTION_YEARS", "2".into());
    })
    .await;
    let (a, a_id) = t.quick_member("alum@example.org").await;
    let (_, b_id) = t.quick_member("recent@example.org").await;
    let _ = a;
    let three_years = 3 * 365 * 86_400_000_i64;
    sqlx::query("UPDATE accounts SET status = 'alumni', alumni_since = 1, last_seen_at = $2 WHERE person_id = $1")
        .bind(&a_id)
        .bind(limburgers_worldwide::db::now_ms() - three_years)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET status = 'alumni', alumni_since = 1 WHERE person_id = $1")
        .bind(&b_id)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("retention-alumni").unwrap();
    assert_eq!(
        (job.run)(t.app.clone()).await.unwrap(),
        "1 reminded, 0 erased"
    );
    let reminder = t.next_mail_to("alum@example.org").await;
    assert!(reminder.text.contains("/sign-in"));
    assert_eq!(
        (job.run)(t.app.clone()).await.unwrap(),
        "0 reminded, 0 erased",
        "the grace period runs"
    );
    sqlx::query("UPDATE accounts SET retention_reminded_at = retention_reminded_at - $2 WHERE person_id = $1")
        .bind(&a_id)
        .bind(31 * 86_400_000_i64)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(
        (job.run)(t.app.clone()).await.unwrap(),
        "0 reminded, 1 erased"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE status = 'erased'")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'job.retention_alumni'")
            .await,
        3
    );

    let off = TestApp::spawn().await;
    let job = limburgers_worldwide::jobs::find("retention-alumni").unwrap();
    assert!((job.run)(off.app.clone()).await.unwrap().starts_with("off"));
}

/// Consent comes from the person it is about: one member may announce the household's move, but
/// each adult answers for themselves whether they stay in the alumni network, and nobody but
/// the member puts them into the directory.
#[tokio::test]
async fn a_household_move_asks_the_partner_who_answers_for_themselves() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let raj_id = t.me(&raj).await["id"].as_str().unwrap().to_owned();
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": later, "destination_country": "CA", "destination_city": "Toronto", "keep_in_touch": true, "household": true}),
        Some(&ana),
    )
    .await
    .assert(200);
    let consents = |who: String| {
        let t = &t;
        async move {
            let rows: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT kind, granted, source FROM consents WHERE account_id = $1 \
                 AND kind IN ('keep_in_touch', 'newsletter:alumni', 'alumni_directory') ORDER BY at, id",
            )
            .bind(who)
            .fetch_all(&t.app.db.read)
            .await
            .unwrap();
            rows
        }
    };
    assert!(
        consents(raj_id.clone()).await.is_empty(),
        "Ana's answer is not Raj's"
    );
    let question = t.next_mail_to("raj@example.org").await;
    assert!(question.text.contains("Ana Silva"), "{}", question.text);
    assert!(question.text.contains("Toronto"), "{}", question.text);
    assert!(question.text.contains("/sign-in"), "{}", question.text);
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'member.departure_recorded' AND detail IS NOT NULL"
        )
        .await,
        0,
        "the audit log holds no dates of people's lives"
    );

    // They become alumni: Ana, who chose to, is on the alumni list; Raj, not asked yet, is not.
    sqlx::query("UPDATE accounts SET leaving_on = $1 WHERE leaving_on IS NOT NULL")
        .bind(today())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('2'));
    let alumni_list = |token: String| {
        let t = &t;
        async move {
            t.get("/api/v1/me/subscriptions", Some(&token))
                .await
                .json()
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["list"] == "alumni" && s["status"] == "active")
        }
    };
    assert!(alumni_list(ana.clone()).await);
    assert!(!alumni_list(raj.clone()).await, "no subscription by proxy");

    // Raj answers himself, signed in: recorded as his consent, and he is on the list.
    t.put_json(
        "/api/v1/me/keep-in-touch",
        json!({"keep_in_touch": true}),
        Some(&raj),
    )
    .await
    .assert(200);
    assert!(alumni_list(raj.clone()).await);
    assert_eq!(
        consents(raj_id.clone()).await,
        [
            ("keep_in_touch".to_owned(), 1, "member".to_owned()),
            (
                "newsletter:alumni".to_owned(),
                1,
                "keep_in_touch".to_owned()
            )
        ]
    );
    // A member who is not leaving has nothing to answer.
    let (eve, _) = t.quick_member("eve@example.org").await;
    t.put_json(
        "/api/v1/me/keep-in-touch",
        json!({"keep_in_touch": true}),
        Some(&eve),
    )
    .await
    .assert_problem(409);

    // Every way into the directory is the member's own, recorded with its source.
    t.patch("/api/v1/me", json!({"directory_visible": true}), Some(&raj))
        .await
        .assert(200);
    let staff_on = t
        .patch(
            &format!("/api/v1/members/{raj_id}"),
            json!({"directory_visible": true}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(staff_on["errors"][0]["field"], "directory_visible");
    t.patch(
        &format!("/api/v1/members/{raj_id}"),
        json!({"directory_visible": false}),
        Some(&staff),
    )
    .await
    .assert(200);
    let directory: Vec<(i64, String)> = sqlx::query_as(
        "SELECT granted, source FROM consents WHERE account_id = $1 AND kind = 'alumni_directory' ORDER BY at, id",
    )
    .bind(&raj_id)
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert_eq!(
        directory,
        [(1, "profile".to_owned()), (0, "staff".to_owned())]
    );
}

/// The centre records a member's departure: the member is asked, whatever staff sent.
#[tokio::test]
async fn a_departure_recorded_by_staff_leaves_the_choice_to_the_member() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    t.post(
        &format!("/api/v1/members/{id}/departure"),
        json!({"leaving_on": later, "destination_country": "NZ", "keep_in_touch": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE keep_in_touch = 1")
            .await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM consents WHERE kind = 'keep_in_touch'")
            .await,
        0
    );
    let mut question = t.next_mail_to("ana@example.org").await;
    while !question.text.contains("Expat Centre Limburg told us") {
        question = t.next_mail_to("ana@example.org").await;
    }
    assert!(question.text.contains("NZ"), "{}", question.text);
}

fn id_of(v: &serde_json::Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A registration of the household by id, as the household sees it.
async fn registration(t: &TestApp, token: &str, id: &str) -> serde_json::Value {
    let mine = t.get("/api/v1/me/registrations", Some(token)).await.json();
    mine.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no registration {id} in {mine}"))
}

fn names(registration: &serde_json::Value) -> Vec<String> {
    registration["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["first_name"].as_str().unwrap().to_owned())
        .collect()
}

/// Leaving takes the leavers' places at events for residents that have not started, and only
/// theirs: the household's residents keep their places (a child stays with the parent who
/// stays), events open to alumni keep everyone, past events keep their attendance, and the freed
/// seats go to the waitlist. Everyone in a registration with an account is told why.
#[tokio::test]
async fn leaving_gives_up_places_at_events_for_residents_and_the_waitlist_moves_up() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    let people: std::collections::HashMap<String, String> = t.household(&ana).await["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["first_name"].as_str().unwrap().to_owned(), id_of(p)))
        .collect();
    let (ana_id, raj_id, mia_id) = (&people["Ana"], &people["Raj"], &people["Mia"]);
    let eve = t.member("eve@example.org", "Eve", "Resident").await;
    let eve_id = id_of(&t.me(&eve).await);

    // A full event for residents with Eve waiting, one for everyone, and one that has started.
    let residents = id_of(
        &t.event(&staff, json!({"audience": "members", "capacity": 3}))
            .await,
    );
    let open = id_of(&t.event(&staff, json!({"audience": "everyone"})).await);
    let started = id_of(&t.event(&staff, json!({"audience": "members"})).await);
    let family = id_of(
        &t.register(&ana, &residents, &[ana_id, raj_id, mia_id])
            .await
            .json(),
    );
    let waiting = t.register(&eve, &residents, &[&eve_id]).await.json();
    assert_eq!(waiting["status"], "waitlisted");
    let at_open = id_of(&t.register(&ana, &open, &[ana_id, mia_id]).await.json());
    let at_started = id_of(&t.register(&raj, &started, &[raj_id]).await.json());
    sqlx::query("UPDATE events SET starts_at = $2 WHERE id = $1")
        .bind(&started)
        .bind(limburgers_worldwide::db::now_ms() - 3_600_000)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();

    // Ana plans to leave alone next month, then moves the date: nothing goes before the date.
    for days in [30, 40] {
        let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string();
        t.post(
            "/api/v1/me/departure",
            json!({"leaving_on": later, "destination_country": "CA", "keep_in_touch": true, "household": false}),
            Some(&ana),
        )
        .await
        .assert(200);
        assert!((job.run)(t.app.clone()).await.unwrap().starts_with('0'));
        assert_eq!(
            names(&registration(&t, &ana, &family).await),
            ["Ana", "Raj", "Mia"]
        );
    }

    // She leaves today after all: an alumna at once. Raj and Mia keep their places; Eve has Ana's.
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": today(), "destination_country": "CA", "keep_in_touch": true, "household": false}),
        Some(&ana),
    )
    .await
    .assert(200);
    assert_eq!(t.me(&ana).await["status"], "alumni");
    let reg = registration(&t, &raj, &family).await;
    assert_eq!(reg["status"], "confirmed");
    assert_eq!(names(&reg), ["Raj", "Mia"]);
    let eves = registration(&t, &eve, &id_of(&waiting)).await;
    assert_eq!(
        eves["status"], "confirmed",
        "Ana's seat went to the waitlist"
    );
    assert_eq!(
        names(&registration(&t, &ana, &at_open).await),
        ["Ana", "Mia"]
    );
    for address in ["ana@example.org", "raj@example.org"] {
        let told = t.mails_with(address, "Moved away").await;
        assert_eq!(told.len(), 1, "{address} is told once");
        assert!(
            told[0].subject.contains("has changed"),
            "{}",
            told[0].subject
        );
        assert!(
            told[0].text.contains("Limburgers Worldwide: Ana."),
            "{}",
            told[0].text
        );
        assert!(
            told[0].text.contains("stays for Raj, Mia"),
            "{}",
            told[0].text
        );
    }
    assert!(
        t.mails_with("eve@example.org", "Moved away")
            .await
            .is_empty()
    );

    // Raj leaves too, by the daily job: the last resident, so Mia goes with him and the
    // registration is cancelled. The event that has started keeps him.
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string(),
               "destination_country": "CA", "keep_in_touch": false}),
        Some(&raj),
    )
    .await
    .assert(200);
    sqlx::query("UPDATE accounts SET leaving_on = $1 WHERE person_id = $2")
        .bind(today())
        .bind(raj_id)
        .execute(&t.app.db.read)
        .await
        .unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('1'));
    assert_eq!(registration(&t, &raj, &family).await["status"], "cancelled");
    assert_eq!(
        t.count("SELECT seats_taken FROM events WHERE audience = 'members' AND capacity = 3")
            .await,
        1,
        "Eve's seat only"
    );
    assert_eq!(
        registration(&t, &raj, &at_started).await["status"],
        "confirmed"
    );
    assert_eq!(
        names(&registration(&t, &ana, &at_open).await),
        ["Ana", "Mia"]
    );
    let told = t.mails_with("raj@example.org", "Moved away").await;
    assert_eq!(told.len(), 2, "the change, then the cancellation");
    assert!(
        told[1].subject.contains("is cancelled"),
        "{}",
        told[1].subject
    );
    assert!(
        told[1].text.contains("Limburgers Worldwide: Raj, Mia."),
        "{}",
        told[1].text
    );
    assert!(
        told[1].text.contains("has therefore been cancelled"),
        "{}",
        told[1].text
    );
    // Ana made the registration, so she hears of it too.
    assert_eq!(t.mails_with("ana@example.org", "Moved away").await.len(), 2);
}

/// A member reads their departure back, with who of the household leaves; staff read any
/// member's; there is none before it is recorded and after moving back.
#[tokio::test]
async fn a_member_reads_their_departure_back() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    let raj_id = id_of(&t.me(&raj).await);
    t.get("/api/v1/me/departure", Some(&ana))
        .await
        .assert_problem(404);

    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": later, "destination_country": "ca", "destination_city": "Toronto", "keep_in_touch": true}),
        Some(&ana),
    )
    .await
    .assert(200);
    let mine = t.get("/api/v1/me/departure", Some(&ana)).await;
    mine.assert(200);
    let d = mine.json();
    assert_eq!(d["leaving_on"], later);
    assert_eq!(d["destination_country"], "CA");
    assert_eq!(d["destination_city"], "Toronto");
    assert_eq!(d["keep_in_touch"], true);
    assert_eq!(d["left"], false);
    let household: Vec<(String, bool, String)> = d["household"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["first_name"].as_str().unwrap().to_owned(),
                p["has_account"].as_bool().unwrap(),
                p["leaving_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        household,
        [
            ("Raj".to_owned(), true, later.clone()),
            ("Mia".to_owned(), false, later.clone())
        ]
    );
    // Raj's own view: his answer is still to come.
    let his = t.get("/api/v1/me/departure", Some(&raj)).await.json();
    assert_eq!(his["keep_in_touch"], false);
    assert_eq!(his["household"][0]["first_name"], "Ana");
    let by_staff = t
        .get(&format!("/api/v1/members/{raj_id}/departure"), Some(&staff))
        .await;
    by_staff.assert(200);
    assert_eq!(by_staff.json(), his);

    // Raj stays after all (his departure moved far ahead): Mia leaves with the last of them.
    let much_later = (chrono::Utc::now().date_naive() + chrono::Duration::days(300)).to_string();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": much_later, "destination_country": "CA", "keep_in_touch": false, "household": false}),
        Some(&raj),
    )
    .await
    .assert(200);
    let d = t.get("/api/v1/me/departure", Some(&ana)).await.json();
    assert_eq!(d["household"][1]["first_name"], "Mia");
    assert_eq!(d["household"][1]["leaving_on"], much_later);

    // They leave; Ana comes back: no departure any more.
    sqlx::query("UPDATE accounts SET leaving_on = $1 WHERE leaving_on IS NOT NULL")
        .bind(today())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('2'));
    let d = t.get("/api/v1/me/departure", Some(&ana)).await.json();
    assert_eq!(d["left"], true);
    assert_eq!(d["household"][1]["left"], true, "Mia left with them");
    t.post("/api/v1/me/return", json!({}), Some(&ana))
        .await
        .assert(200);
    t.get("/api/v1/me/departure", Some(&ana))
        .await
        .assert_problem(404);
    let missing = uuid::Uuid::new_v4();
    t.get(
        &format!("/api/v1/members/{missing}/departure"),
        Some(&staff),
    )
    .await
    .assert_problem(404);
}

/// Coming back offers the community newsletter again (double opt-in) and leaving the alumni
/// list, each recorded as the member's consent; without a body (clients written before it had
/// one) nothing but the return happens.
#[tokio::test]
async fn coming_back_offers_the_community_newsletter_and_leaving_the_alumni_list() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let eve = t.member("eve@example.org", "Eve", "Silva").await;
    for token in [&ana, &eve] {
        t.post(
            "/api/v1/me/departure",
            json!({"leaving_on": today(), "destination_country": "CA", "keep_in_touch": true}),
            Some(token),
        )
        .await
        .assert(200);
        assert_eq!(t.me(token).await["status"], "alumni");
    }
    let lists = |token: String| {
        let t = &t;
        async move {
            let subs = t.get("/api/v1/me/subscriptions", Some(&token)).await.json();
            let mut v: Vec<(String, String)> = subs
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["list"].as_str().unwrap().to_owned(),
                        s["status"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            v.sort();
            v
        }
    };
    let as_alumni = [
        ("alumni".to_owned(), "active".to_owned()),
        ("community".to_owned(), "unsubscribed".to_owned()),
    ];
    assert_eq!(lists(ana.clone()).await, as_alumni);

    let back = t
        .post(
            "/api/v1/me/return",
            json!({"community_newsletter": true, "stay_on_alumni_list": false}),
            Some(&ana),
        )
        .await;
    back.assert(200);
    assert_eq!(back.json()["status"], "active");
    assert_eq!(
        lists(ana.clone()).await,
        [
            ("alumni".to_owned(), "unsubscribed".to_owned()),
            ("community".to_owned(), "pending".to_owned())
        ]
    );
    let confirm = t.mails_with("ana@example.org", "/newsletter/confirm").await;
    assert_eq!(confirm.len(), 1, "one confirmation link");
    t.post(
        "/api/v1/newsletter/confirm",
        json!({"token": confirm[0].token()}),
        None,
    )
    .await
    .assert(200);
    assert_eq!(
        lists(ana.clone()).await,
        [
            ("alumni".to_owned(), "unsubscribed".to_owned()),
            ("community".to_owned(), "active".to_owned())
        ]
    );
    let consents: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT c.kind, c.granted, c.source FROM consents c JOIN accounts a ON a.person_id = c.account_id \
         WHERE a.email = 'ana@example.org' AND c.source IN ('return', 'double_opt_in') ORDER BY c.at, c.id",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert_eq!(
        consents,
        [
            ("newsletter:alumni".to_owned(), 0, "return".to_owned()),
            (
                "newsletter:community".to_owned(),
                1,
                "double_opt_in".to_owned()
            )
        ]
    );

    // An old client: no body, no content type. Back, and the lists as they were.
    let eve_back = t
        .send_header(
            "POST",
            "/api/v1/me/return",
            (
                "authorization",
                poem::http::HeaderValue::from_str(&format!("Bearer {eve}")).unwrap(),
            ),
        )
        .await;
    eve_back.assert(200);
    assert_eq!(eve_back.json()["status"], "active");
    assert_eq!(lists(eve.clone()).await, as_alumni);
    t.post(
        "/api/v1/me/return",
        json!({"stay_on_alumni_list": "no"}),
        Some(&eve),
    )
    .await
    .assert_problem(422);
}
