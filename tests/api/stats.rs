use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map(|c| c["count"].as_i64().unwrap())
        .unwrap_or(0)
}

/// Ana (IN, Hasselt, settling_in) with Raj (her partner) and Mia (their child), and Bo (BR,
/// Genk, living_in); answers the session tokens of Ana, Raj and Bo.
async fn ana_with_family_and_bo(t: &TestApp) -> (String, String, String) {
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    add_child(t, &ana, "Mia").await;
    let bo = t.member("bo@example.org", "Bo", "Li").await;
    t.patch(
        "/api/v1/me",
        json!({"country_of_origin": "BR", "municipality": "Genk", "phase": "living_in"}),
        Some(&bo),
    )
    .await
    .assert(200);
    (ana, raj, bo)
}

async fn add_child(t: &TestApp, parent: &str, first_name: &str) {
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": first_name, "relation": "child"}),
        Some(parent),
    )
    .await
    .assert(201);
}

#[tokio::test]
async fn the_figures_match_a_known_data_set_also_after_an_erasure() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (ana, raj, bo) = ana_with_family_and_bo(&t).await;
    let gone = t.member("gone@example.org", "Gone", "Soon").await;
    t.sign_up("pending@example.org", "Not", "Yet")
        .await
        .assert(202);

    // An event that has been held: Ana, Raj and Mia confirmed; Ana and Mia came; Bo waitlisted.
    let people: Vec<String> = t.household(&ana).await["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let event = t.event(&staff, json!({"capacity": 4})).await;
    let eid = event["id"].as_str().unwrap().to_owned();
    t.register(
        &ana,
        &eid,
        &people.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await
    .assert(201);
    let gone_id = t.me(&gone).await["id"].as_str().unwrap().to_owned();
    t.register(&gone, &eid, &[&gone_id]).await.assert(201);
    let bo_id = t.me(&bo).await["id"].as_str().unwrap().to_owned();
    let waiting = t.register(&bo, &eid, &[&bo_id]).await.json();
    assert_eq!(waiting["status"], "waitlisted");
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({"person_ids": [people[0], people[2]], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({"person_ids": [gone_id], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    sqlx::query(
        "UPDATE events SET starts_at = starts_at - 3000000000, ends_at = ends_at - 3000000000",
    )
    .execute(&t.app.db.read)
    .await
    .unwrap();

    // One unsubscribe; one member erased (they attended: the counts must not move).
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"community": false}),
        Some(&ana),
    )
    .await
    .assert(200);
    let _ = raj;
    let before: Value = t.get("/api/v1/stats", Some(&staff)).await.json();
    t.delete("/api/v1/me", Some(&gone)).await.assert(204);
    let s: Value = t.get("/api/v1/stats", Some(&staff)).await.json();

    assert_eq!(s["events"], before["events"], "erasure keeps event figures");
    assert_eq!(
        s["members"]["new_per_month"],
        before["members"]["new_per_month"]
    );
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        count(&s["members"]["new_per_month"], &month),
        4,
        "ana, raj, bo and gone; not the staff account"
    );
    assert_eq!(count(&s["members"]["by_status"], "erased"), 1);
    assert_eq!(count(&s["members"]["by_status"], "pending"), 1);
    assert_eq!(
        s["members"]["total"], 3,
        "ana, raj and bo; gone is erased, pending is not a member yet, staff are no members"
    );
    assert_eq!(count(&s["members"]["by_country_of_origin"], "IN"), 1);
    assert_eq!(count(&s["members"]["by_country_of_origin"], "BR"), 1);
    assert_eq!(count(&s["members"]["by_municipality"], "Genk"), 1);
    assert_eq!(count(&s["members"]["by_phase"], "living_in"), 1);
    assert_eq!(s["households"]["with_partner"], 1);
    assert_eq!(s["households"]["with_children"], 1);
    assert_eq!(s["events"]["held"], 1);
    assert_eq!(s["events"]["registrations"], 3);
    assert_eq!(s["events"]["people_confirmed"], 4);
    assert_eq!(s["events"]["people_attended"], 3);
    assert_eq!(s["events"]["no_shows"], 1);
    assert_eq!(s["events"]["attendance_rate"], 0.75);
    assert_eq!(s["events"]["waitlisted"], 1);
    assert_eq!(s["newsletter"]["unsubscribes"], 1);

    let csv = t
        .get_with("/api/v1/stats", Some(&staff), ("accept", "text/csv"))
        .await;
    csv.assert(200);
    assert!(csv.body.starts_with('\u{feff}'));
    assert!(
        csv.body.contains("events,people_attended,3\r\n"),
        "{}",
        csv.body
    );
    t.get("/api/v1/stats", Some(&ana)).await.assert_problem(403);
    t.get("/api/v1/stats?from=2030-01-02&to=2030-01-01", Some(&staff))
        .await
        .assert_problem(422);
}

fn total(list: &Value) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum()
}

type MemberRows = Vec<(String, String, String, i64)>;
type DayRows = Vec<(String, i64, i64)>;

/// The tallies as the figures read them: shards summed, rows that came back to zero left out.
async fn tallies(t: &TestApp) -> (MemberRows, DayRows) {
    let members = sqlx::query_as(
        "SELECT dimension, status, key, n FROM member_tallies WHERE n <> 0 ORDER BY dimension, status, key",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    let days = sqlx::query_as(
        "SELECT name, day, CAST(SUM(n) AS BIGINT) FROM daily_tallies GROUP BY name, day \
         HAVING SUM(n) <> 0 ORDER BY name, day",
    )
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    (members, days)
}

#[tokio::test]
async fn the_tallies_the_database_keeps_equal_a_recount_after_every_kind_of_change() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let bo = t.member("bo@example.org", "Bo", "Li").await;
    let cy = t.member("cy@example.org", "Cy", "Ng").await;
    let gone = t.member("gone@example.org", "Gone", "Soon").await;
    t.sign_up("pending@example.org", "Not", "Yet")
        .await
        .assert(202);
    t.patch(
        "/api/v1/me",
        json!({"country_of_origin": "BR", "municipality": "Genk", "phase": "living_in"}),
        Some(&bo),
    )
    .await
    .assert(200);
    t.patch("/api/v1/me", json!({"municipality": null}), Some(&cy))
        .await
        .assert(200);

    // Ana's household leaves for Canada and becomes alumni.
    // Periods are local dates in the centre's zone (TIMEZONE, Europe/Brussels by default): an hour
    // before UTC midnight it is already tomorrow there.
    let local_today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive();
    let today = local_today.to_string();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": today, "destination_country": "ca", "destination_city": "Toronto", "keep_in_touch": true}),
        Some(&ana),
    )
    .await
    .assert(200);
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
    (job.run)(t.app.clone()).await.unwrap();
    assert_eq!(t.me(&raj).await["status"], "alumni");

    // Two seats: Bo and Cy confirmed, Gone waits; Bo cancels and Gone moves up; Cy registers
    // for a second event and cancels there.
    let (bo_id, cy_id, gone_id) = (
        t.me(&bo).await["id"].as_str().unwrap().to_owned(),
        t.me(&cy).await["id"].as_str().unwrap().to_owned(),
        t.me(&gone).await["id"].as_str().unwrap().to_owned(),
    );
    let event = t.event(&staff, json!({"capacity": 2})).await;
    let eid = event["id"].as_str().unwrap().to_owned();
    let rb = t.register(&bo, &eid, &[&bo_id]).await.json();
    t.register(&cy, &eid, &[&cy_id]).await.assert(201);
    let waiting = t.register(&gone, &eid, &[&gone_id]).await.json();
    assert_eq!(waiting["status"], "waitlisted");
    let app = &t;
    let cancel = move |event: String, registration: Value, token: String| async move {
        let id = registration["id"].as_str().unwrap().to_owned();
        app.delete(
            &format!("/api/v1/events/{event}/registrations/{id}"),
            Some(&token),
        )
        .await
        .assert(204);
    };
    cancel(eid.clone(), rb, bo.clone()).await;
    let other = t.event(&staff, json!({})).await;
    let oid = other["id"].as_str().unwrap().to_owned();
    let rc = t.register(&cy, &oid, &[&cy_id]).await.json();
    cancel(oid.clone(), rc, cy.clone()).await;
    // Gone is erased: their seat goes back (cancelled); Bo takes one at the second event.
    t.delete("/api/v1/me", Some(&gone)).await.assert(204);
    t.register(&bo, &oid, &[&bo_id]).await.assert(201);

    // Move some rows ten days back, so that whole days of the tallies are read, not only the
    // hours of today that are counted row by row.
    let ten_days = 10 * 86_400_000_i64;
    sqlx::query("UPDATE registrations SET created_at = created_at - $1 WHERE registered_by = $2")
        .bind(ten_days)
        .bind(cy_id.clone())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET created_at = created_at - $1 WHERE person_id IN ($2, $3)")
        .bind(ten_days)
        .bind(cy_id.clone())
        .bind(gone_id.clone())
        .execute(&t.app.db.read)
        .await
        .unwrap();

    // A sign-up nobody confirmed is removed after a week (its account row deleted).
    t.sign_up("stale@example.org", "Never", "Came")
        .await
        .assert(202);
    t.requests_done().await;
    sqlx::query(
        "UPDATE accounts SET created_at = created_at - $1 WHERE email = 'stale@example.org'",
    )
    .bind(8 * 86_400_000_i64)
    .execute(&t.app.db.read)
    .await
    .unwrap();
    let job = limburgers_worldwide::jobs::find("retention-unverified").unwrap();
    assert!((job.run)(t.app.clone()).await.unwrap().starts_with('1'));

    let kept = tallies(&t).await;
    assert!(!kept.1.is_empty() && !kept.0.is_empty());
    // On PostgreSQL registrations are written by the group commit lanes, each into rows of its
    // own connection, so that lanes never wait on each other's tally rows.
    let lane_rows = t
        .count("SELECT COUNT(*) FROM daily_tallies WHERE name = 'registrations' AND shard <> 0")
        .await;
    match t.app.db.backend {
        limburgers_worldwide::db::Backend::Postgres => assert!(lane_rows > 0),
        limburgers_worldwide::db::Backend::Sqlite => assert_eq!(lane_rows, 0),
    }
    limburgers_worldwide::stats::tallies::rebuild(&t.app.db)
        .await
        .unwrap();
    assert_eq!(
        tallies(&t).await,
        kept,
        "what the triggers kept = a recount"
    );

    // The figures agree with counting the rows, for a period holding everything and for one
    // that starts after the moved rows.
    let from = (local_today - chrono::Duration::days(30)).to_string();
    let s: Value = t
        .get(
            &format!("/api/v1/stats?from={from}&to={today}"),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(
        s["events"]["registrations"],
        t.count("SELECT COUNT(*) FROM registrations WHERE status <> 'cancelled'")
            .await
    );
    assert_eq!(
        s["events"]["registrations"], 2,
        "Cy's first and Bo's second"
    );
    assert_eq!(s["events"]["waitlisted"], 1, "Gone waited");
    let month_total = total(&s["members"]["new_per_month"]);
    assert_eq!(
        month_total,
        t.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL AND role = 'member'")
            .await
    );
    assert_eq!(s["members"]["total"], 4, "ana, raj, bo, cy");
    assert_eq!(count(&s["members"]["by_status"], "alumni"), 2);
    assert_eq!(count(&s["members"]["by_status"], "erased"), 1);
    assert_eq!(count(&s["members"]["by_status"], "pending"), 1);
    assert_eq!(count(&s["alumni_by_country"], "CA"), 2);
    assert_eq!(count(&s["members"]["by_municipality"], "Genk"), 1);
    assert_eq!(
        count(&s["members"]["by_municipality"], "unknown"),
        1,
        "cy (the staff account is no member)"
    );
    assert_eq!(count(&s["members"]["by_country_of_origin"], "BR"), 1);
    assert_eq!(count(&s["members"]["by_phase"], "living_in"), 1);
    assert_eq!(count(&s["members"]["by_phase"], "leaving"), 2);

    let from = (local_today - chrono::Duration::days(3)).to_string();
    let s: Value = t
        .get(
            &format!("/api/v1/stats?from={from}&to={today}"),
            Some(&staff),
        )
        .await
        .json();
    assert_eq!(
        s["events"]["registrations"], 1,
        "only Bo's second is recent"
    );
    assert_eq!(s["events"]["waitlisted"], 1);
    let month_total = total(&s["members"]["new_per_month"]);
    assert_eq!(
        month_total, 3,
        "ana, raj and bo; not cy and gone (moved back), not pending, not staff"
    );

    // A database from before the tallies (no triggers, empty tallies) gets both at start-up.
    let drop = match t.app.db.backend {
        limburgers_worldwide::db::Backend::Sqlite => "DROP TRIGGER tally_registrations_insert_v2",
        limburgers_worldwide::db::Backend::Postgres => {
            "DROP TRIGGER tally_registrations_inserted_v2 ON registrations"
        }
    };
    for sql in [
        drop,
        "DELETE FROM member_tallies",
        "DELETE FROM daily_tallies",
    ] {
        sqlx::raw_sql(sql).execute(&t.app.db.read).await.unwrap();
    }
    t.app.db.migrate().await.unwrap();
    assert_eq!(tallies(&t).await, kept, "installed and counted again");
    let third = t.event(&staff, json!({})).await;
    t.register(&bo, third["id"].as_str().unwrap(), &[&bo_id])
        .await
        .assert(201);
    let after = tallies(&t).await;
    assert_ne!(after.1, kept.1, "the trigger counts again");
    limburgers_worldwide::stats::tallies::rebuild(&t.app.db)
        .await
        .unwrap();
    assert_eq!(tallies(&t).await, after);
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The figures a role change moves: the member figures and the households.
fn member_figures(s: &Value) -> Value {
    json!({
        "total": s["members"]["total"],
        "by_phase": s["members"]["by_phase"],
        "by_status": s["members"]["by_status"],
        "by_country_of_origin": s["members"]["by_country_of_origin"],
        "by_municipality": s["members"]["by_municipality"],
        "new": total(&s["members"]["new_per_month"]),
        "households": s["households"],
    })
}

/// The tallies the triggers keep equal a recount from the tables.
async fn assert_tallies_exact(t: &TestApp, when: &str) {
    let kept = tallies(t).await;
    limburgers_worldwide::stats::tallies::rebuild(&t.app.db)
        .await
        .unwrap();
    assert_eq!(tallies(t).await, kept, "tallies kept = a recount, {when}");
}

#[tokio::test]
async fn a_member_made_staff_leaves_the_member_figures_and_comes_back_when_made_a_member_again() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    t.member("ana@example.org", "Ana", "Silva").await;
    let dee = t.member("dee@example.org", "Dee", "Vos").await;
    t.patch(
        "/api/v1/me",
        json!({"country_of_origin": "NL", "municipality": "Bree", "phase": "living_in"}),
        Some(&dee),
    )
    .await
    .assert(200);
    add_child(&t, &dee, "Jan").await;
    let dee_id = id(&t.me(&dee).await);
    let figures = || async { member_figures(&t.get("/api/v1/stats", Some(&admin)).await.json()) };
    let role = |role: &'static str| {
        let (t, admin, dee_id) = (&t, admin.clone(), dee_id.clone());
        async move {
            t.patch(
                &format!("/api/v1/members/{dee_id}"),
                json!({"role": role}),
                Some(&admin),
            )
            .await
            .assert(200);
        }
    };

    let as_member = figures().await;
    assert_eq!(
        as_member,
        json!({
            "total": 2,
            "by_phase": [{"key": "living_in", "count": 1}, {"key": "settling_in", "count": 1}],
            "by_status": [{"key": "active", "count": 2}],
            "by_country_of_origin": [{"key": "IN", "count": 1}, {"key": "NL", "count": 1}],
            "by_municipality": [{"key": "Bree", "count": 1}, {"key": "Hasselt", "count": 1}],
            "new": 2,
            "households": {"with_partner": 0, "with_children": 1},
        }),
        "Ana and Dee; not the admin"
    );

    role("staff").await;
    assert_eq!(
        figures().await,
        json!({
            "total": 1,
            "by_phase": [{"key": "settling_in", "count": 1}],
            "by_status": [{"key": "active", "count": 1}],
            "by_country_of_origin": [{"key": "IN", "count": 1}],
            "by_municipality": [{"key": "Hasselt", "count": 1}],
            "new": 1,
            "households": {"with_partner": 0, "with_children": 0},
        }),
        "Dee works for the centre now: in no member figure"
    );
    assert_tallies_exact(&t, "after a promotion").await;
    role("admin").await;
    assert_eq!(figures().await["total"], 1, "staff to admin: still none");
    role("member").await;
    assert_eq!(figures().await, as_member, "back among the members");
    assert_tallies_exact(&t, "after a member came back").await;
    // The same by an operator's SQL that changes nothing but the role.
    for (to, total) in [("staff", 1), ("member", 2)] {
        sqlx::query("UPDATE accounts SET role = $2 WHERE person_id = $1")
            .bind(dee_id.clone())
            .bind(to)
            .execute(t.app.db.writer())
            .await
            .unwrap();
        assert_eq!(figures().await["total"], total, "made {to} by SQL");
        assert_tallies_exact(&t, "after a role changed by SQL").await;
    }

    // A pending sign-up whose address `admin create` makes a staff account leaves the pending
    // sign-ups and joins no member figure; erasing a staff account adds no erased member.
    t.sign_up("later@expatcentre.test", "Lat", "Er")
        .await
        .assert(202);
    let pending = figures().await;
    assert_eq!(
        pending["by_status"],
        json!([{"key": "active", "count": 2}, {"key": "pending", "count": 1}])
    );
    t.staff("later@expatcentre.test", Role::Staff).await;
    assert_eq!(figures().await, as_member);
    let (later_id,): (String,) =
        sqlx::query_as("SELECT person_id FROM accounts WHERE email = 'later@expatcentre.test'")
            .fetch_one(&t.app.db.read)
            .await
            .unwrap();
    t.delete(&format!("/api/v1/members/{later_id}"), Some(&admin))
        .await
        .assert(204);
    assert_eq!(figures().await, as_member);
    // Erasing a member (Dee) puts them in the erased bucket, and nowhere else.
    t.delete(&format!("/api/v1/members/{dee_id}"), Some(&admin))
        .await
        .assert(204);
    assert_eq!(
        figures().await["by_status"],
        json!([{"key": "active", "count": 1}, {"key": "erased", "count": 1}])
    );
    assert_tallies_exact(&t, "after erasures").await;
}

#[tokio::test]
async fn tallies_of_the_earlier_triggers_which_counted_staff_are_counted_again_at_start_up() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    t.member("ana@example.org", "Ana", "Silva").await;
    let right = member_figures(&t.get("/api/v1/stats", Some(&staff)).await.json());
    let kept = tallies(&t).await;

    // A database as the earlier version left it: its triggers (not these), and tallies that
    // counted every account, staff included.
    let triggers: Vec<(String, String)> = sqlx::query_as(match t.app.db.backend {
        limburgers_worldwide::db::Backend::Sqlite => {
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally%'"
        }
        limburgers_worldwide::db::Backend::Postgres => {
            "SELECT t.tgname::text, c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE t.tgname LIKE 'tally%' AND NOT t.tgisinternal"
        }
    })
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    assert_eq!(triggers.len(), 6);
    for (name, table) in triggers {
        let drop = match t.app.db.backend {
            limburgers_worldwide::db::Backend::Sqlite => format!("DROP TRIGGER {name}"),
            limburgers_worldwide::db::Backend::Postgres => {
                format!("DROP TRIGGER {name} ON {table}")
            }
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(t.app.db.writer())
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "DELETE FROM member_tallies;
         INSERT INTO member_tallies (dimension, status, key, n)
         SELECT 'phase', status, COALESCE(phase, ''), COUNT(*) FROM accounts GROUP BY status, COALESCE(phase, '')
         UNION ALL SELECT 'country', status, COALESCE(country_of_origin, ''), COUNT(*) FROM accounts
             GROUP BY status, COALESCE(country_of_origin, '')
         UNION ALL SELECT 'municipality', status, COALESCE(municipality, ''), COUNT(*) FROM accounts
             GROUP BY status, COALESCE(municipality, '')
         UNION ALL SELECT 'destination', status, COALESCE(destination_country, ''), COUNT(*) FROM accounts
             GROUP BY status, COALESCE(destination_country, '');
         UPDATE daily_tallies SET n = n + 1 WHERE name = 'sign_ups'",
    )
    .execute(t.app.db.writer())
    .await
    .unwrap();
    let wrong = member_figures(&t.get("/api/v1/stats", Some(&staff)).await.json());
    assert_eq!(wrong["total"], 2, "the old tallies count the staff account");

    t.app.db.migrate().await.unwrap();
    assert_eq!(tallies(&t).await, kept, "counted again, staff left out");
    assert_eq!(
        member_figures(&t.get("/api/v1/stats", Some(&staff)).await.json()),
        right
    );
    t.staff("more.staff@expatcentre.test", Role::Staff).await;
    assert_eq!(tallies(&t).await, kept, "the new triggers leave staff out");
}

/// Waits until a newsletter has gone to everyone (the sender works in the background).
async fn wait_sent(t: &TestApp, staff: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let n = t
            .get(&format!("/api/v1/newsletters/{id}"), Some(staff))
            .await
            .json();
        if n["status"] == "sent" {
            return n;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "newsletter stayed {n}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Moves an event to `[starts, ends)` (UTC milliseconds): events are published for the future,
/// so a history is made by moving them once people have registered and been checked in.
async fn move_event(t: &TestApp, event: &str, starts: i64, ends: i64) {
    sqlx::query("UPDATE events SET starts_at = $2, ends_at = $3 WHERE id = $1")
        .bind(event.to_owned())
        .bind(starts)
        .bind(ends)
        .execute(t.app.db.writer())
        .await
        .unwrap();
}

/// Sets a column of one row to a time in the past (UTC milliseconds).
async fn backdate(t: &TestApp, sql: &'static str, id: &str, at: i64) {
    sqlx::query(sql)
        .bind(id.to_owned())
        .bind(at)
        .execute(t.app.db.writer())
        .await
        .unwrap();
}

/// The UTC month (`YYYY-MM`) an account was created in, as `new_per_month` keys it.
async fn created_month(t: &TestApp, account: &str) -> String {
    let (at,): (i64,) = sqlx::query_as("SELECT created_at FROM accounts WHERE person_id = $1")
        .bind(account.to_owned())
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    limburgers_worldwide::db::to_datetime(at)
        .format("%Y-%m")
        .to_string()
}

#[tokio::test]
async fn every_figure_counts_what_its_name_says_over_a_known_history() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let day = 86_400_000_i64;
    let hour = 3_600_000_i64;
    let now = limburgers_worldwide::db::now_ms();

    // Members (a sign-up gives IN, Hasselt, settling_in). Raj, Ana's partner, takes her phase
    // and gives no country or town.
    let (ana, raj, bo) = ana_with_family_and_bo(&t).await;
    let cy = t.member("cy@example.org", "Cy", "Ng").await;
    let eve = t.member("eve@example.org", "Eve", "Maes").await;
    let old = t.member("old@example.org", "Old", "Hand").await;
    let gone = t.member("gone@example.org", "Gone", "Soon").await;
    t.sign_up("pending@example.org", "Not", "Yet")
        .await
        .assert(202);
    // Dee has a child and then joins the centre's staff: no longer a member in any figure.
    let dee = t.member("dee@example.org", "Dee", "Vos").await;
    add_child(&t, &dee, "Jan").await;
    let mut ids = Vec::new();
    for token in [&ana, &raj, &bo, &cy, &eve, &old, &gone, &dee] {
        ids.push(id(&t.me(token).await));
    }
    let [
        ana_id,
        raj_id,
        bo_id,
        cy_id,
        eve_id,
        old_id,
        gone_id,
        dee_id,
    ] = <[String; 8]>::try_from(ids).unwrap();
    t.patch(
        &format!("/api/v1/members/{dee_id}"),
        json!({"role": "staff"}),
        Some(&admin),
    )
    .await
    .assert(200);
    let mia_id = t.household(&ana).await["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["first_name"] == "Mia")
        .map(id)
        .unwrap();
    // Eve signed up 40 days ago (another month, within the period); Old 100 days ago (before it).
    let at = "UPDATE accounts SET created_at = $2 WHERE person_id = $1";
    backdate(&t, at, &eve_id, now - 40 * day).await;
    backdate(&t, at, &old_id, now - 100 * day).await;

    // Events. Held in the period: `past` (Ana, Raj and Mia, Bo confirmed; Ana, Mia and Bo came;
    // Cy waited) and `past2` (Gone came, Eve did not). Not held: one under way, one next month,
    // one cancelled, one that ended before the period.
    let past = id(&t.event(&staff, json!({"capacity": 4})).await);
    t.register(&ana, &past, &[&ana_id, &raj_id, &mia_id])
        .await
        .assert(201);
    t.register(&bo, &past, &[&bo_id]).await.assert(201);
    let waiting = t.register(&cy, &past, &[&cy_id]).await.json();
    assert_eq!(waiting["status"], "waitlisted");
    t.post(
        &format!("/api/v1/events/{past}/check-ins"),
        json!({"person_ids": [ana_id, mia_id, bo_id], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    move_event(&t, &past, now - 10 * day, now - 10 * day + 3 * hour).await;

    let past2 = id(&t.event(&staff, json!({})).await);
    t.register(&gone, &past2, &[&gone_id]).await.assert(201);
    t.register(&eve, &past2, &[&eve_id]).await.assert(201);
    t.post(
        &format!("/api/v1/events/{past2}/check-ins"),
        json!({"person_ids": [gone_id], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    move_event(&t, &past2, now - 20 * day, now - 20 * day + 3 * hour).await;

    let running = id(&t.event(&staff, json!({})).await);
    t.register(&bo, &running, &[&bo_id]).await.assert(201);
    move_event(&t, &running, now - hour, now + 2 * hour).await;

    let future = id(&t.event(&staff, json!({})).await);
    t.register(&ana, &future, &[&ana_id, &raj_id, &mia_id])
        .await
        .assert(201);
    t.register(&eve, &future, &[&eve_id]).await.assert(201);
    let changed_mind = t.register(&bo, &future, &[&bo_id]).await.json();
    t.delete(
        &format!(
            "/api/v1/events/{future}/registrations/{}",
            id(&changed_mind)
        ),
        Some(&bo),
    )
    .await
    .assert(204);

    let cancelled = id(&t.event(&staff, json!({})).await);
    t.register(&bo, &cancelled, &[&bo_id]).await.assert(201);
    t.post(
        &format!("/api/v1/events/{cancelled}/cancel"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    move_event(&t, &cancelled, now - 5 * day, now - 5 * day + 3 * hour).await;

    let before = id(&t.event(&staff, json!({})).await);
    let early = t.register(&bo, &before, &[&bo_id]).await.json();
    t.post(
        &format!("/api/v1/events/{before}/check-ins"),
        json!({"person_ids": [bo_id], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    move_event(&t, &before, now - 90 * day, now - 90 * day + 3 * hour).await;
    backdate(
        &t,
        "UPDATE registrations SET created_at = $2 WHERE id = $1",
        &id(&early),
        now - 90 * day,
    )
    .await;

    // Mentoring: a match in each state. Bo mentors Ana (confirmed only) and Raj (started; it
    // was confirmed before the period); Eve mentors Old (started and completed) and Cy
    // (withdrawn before it started).
    let programme = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Settling in together"}, "description": {"en": "A first year in Limburg."},
                   "audience": "everyone", "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": 2}),
            Some(&staff),
        )
        .await;
    programme.assert(201);
    let programme = id(&programme.json());
    let apply = |token: String, role: &'static str| {
        let t = &t;
        let programme = programme.clone();
        async move {
            let body = if role == "mentors" {
                json!({"expertise": ["Living in Hasselt"], "sectors": ["research"], "languages": ["en"], "capacity": 2})
            } else {
                json!({"goals": ["settling in"], "languages": ["en"]})
            };
            let r = t
                .post(
                    &format!("/api/v1/programmes/{programme}/{role}"),
                    body,
                    Some(&token),
                )
                .await;
            r.assert(201);
            id(&r.json())
        }
    };
    let (bo_mentor, eve_mentor) = (
        apply(bo.clone(), "mentors").await,
        apply(eve.clone(), "mentors").await,
    );
    let matched = |mentor: String, mentee: String| {
        let t = &t;
        let (programme, staff) = (programme.clone(), staff.clone());
        async move {
            let r = t
                .post(
                    &format!("/api/v1/programmes/{programme}/matches"),
                    json!({"mentor_id": mentor, "mentee_id": mentee}),
                    Some(&staff),
                )
                .await;
            r.assert(201);
            id(&r.json())
        }
    };
    let step = |m: String, to: &'static str| {
        let t = &t;
        let (programme, staff) = (programme.clone(), staff.clone());
        async move {
            t.post(
                &format!("/api/v1/programmes/{programme}/matches/{m}/{to}"),
                json!({}),
                Some(&staff),
            )
            .await
            .assert(200);
        }
    };
    let withdrawn = matched(eve_mentor.clone(), apply(cy.clone(), "mentees").await).await;
    step(withdrawn, "withdraw").await;
    matched(bo_mentor.clone(), apply(ana.clone(), "mentees").await).await;
    let started = matched(bo_mentor, apply(raj.clone(), "mentees").await).await;
    backdate(
        &t,
        "UPDATE matches SET created_at = $2 WHERE id = $1",
        &started,
        now - 90 * day,
    )
    .await;
    step(started, "start").await;
    let completed = matched(eve_mentor, apply(old.clone(), "mentees").await).await;
    step(completed.clone(), "start").await;
    step(completed, "complete").await;

    // A newsletter to the community list: Ana, Bo, Cy, Eve, Old, Gone and Dee subscribed when
    // they confirmed their address (Raj was invited, and did not).
    let issue = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "Spring in Limburg"}, "body": {"en": "The blossom is out."},
                   "segment": "community"}),
            Some(&staff),
        )
        .await;
    issue.assert(201);
    let issue = id(&issue.json());
    t.post(
        &format!("/api/v1/newsletters/{issue}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    assert_eq!(wait_sent(&t, &staff, &issue).await["counts"]["sent"], 7);

    // Ana unsubscribes herself. Cy leaves for Canada and becomes an alumnus, which takes him
    // off the community list without his asking: that is no unsubscribe. Gone is erased.
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"community": false}),
        Some(&ana),
    )
    .await
    .assert(200);
    let local_today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": local_today.to_string(), "destination_country": "ca",
               "destination_city": "Toronto", "keep_in_touch": true}),
        Some(&cy),
    )
    .await
    .assert(200);
    let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
    (job.run)(t.app.clone()).await.unwrap();
    assert_eq!(t.me(&cy).await["status"], "alumni");
    t.delete("/api/v1/me", Some(&gone)).await.assert(204);

    let (from, to) = (
        local_today - chrono::Duration::days(60),
        local_today + chrono::Duration::days(60),
    );
    let (this_month, eve_month) = (
        created_month(&t, &ana_id).await,
        created_month(&t, &eve_id).await,
    );
    let s = t
        .get(&format!("/api/v1/stats?from={from}&to={to}"), Some(&staff))
        .await;
    s.assert(200);
    let mut months = vec![(eve_month.clone(), 1), (this_month.clone(), 5)];
    months.sort();
    let months: Vec<Value> = months
        .into_iter()
        .map(|(key, count)| json!({"key": key, "count": count}))
        .collect();
    assert_eq!(
        s.json(),
        json!({
            "from": from.to_string(),
            "to": to.to_string(),
            "members": {
                // Ana, Raj, Bo, Eve, Old; Cy (alumnus). Not the staff, the admin nor Dee.
                "total": 6,
                "by_phase": [
                    {"key": "leaving", "count": 1},
                    {"key": "living_in", "count": 1},
                    {"key": "settling_in", "count": 4},
                ],
                "by_status": [
                    {"key": "active", "count": 5},
                    {"key": "alumni", "count": 1},
                    {"key": "erased", "count": 1},
                    {"key": "pending", "count": 1},
                ],
                "by_country_of_origin": [
                    {"key": "IN", "count": 4},
                    {"key": "BR", "count": 1},
                    {"key": "unknown", "count": 1},
                ],
                "by_municipality": [
                    {"key": "Hasselt", "count": 3},
                    {"key": "Genk", "count": 1},
                    {"key": "unknown", "count": 1},
                ],
                // Ana, Raj, Bo, Cy and Gone this month, Eve 40 days ago; Old before the period.
                "new_per_month": months,
            },
            "households": {"with_partner": 1, "with_children": 1},
            "events": {
                "held": 2,
                // Past: Ana's, Bo's, Cy's (waitlisted); past2: Gone's, Eve's; running: Bo's;
                // future: Ana's, Eve's (Bo's cancelled); the cancelled event: Bo's.
                "registrations": 9,
                "people_confirmed": 6,
                "people_attended": 4,
                "no_shows": 2,
                "attendance_rate": 0.667,
                "no_show_rate": 0.333,
                "waitlisted": 1,
            },
            "newsletter": {"issues_sent": 1, "messages_sent": 7, "unsubscribes": 1},
            "mentoring": {
                "matches_confirmed": 3,
                "matches_started": 2,
                "matches_completed": 1,
                "matches_withdrawn": 1,
            },
            "alumni_by_country": [{"key": "CA", "count": 1}],
        })
    );

    let csv = t
        .get_with(
            &format!("/api/v1/stats?from={from}&to={to}"),
            Some(&staff),
            ("accept", "text/csv"),
        )
        .await;
    csv.assert(200);
    let mut month_rows = [
        format!("new_members_per_month,{eve_month},1"),
        format!("new_members_per_month,{this_month},5"),
    ];
    month_rows.sort();
    let expected = [
        "\u{feff}section,key,value".to_owned(),
        format!("period,from,{from}"),
        format!("period,to,{to}"),
        "members,total,6".to_owned(),
        "members_by_phase,leaving,1".to_owned(),
        "members_by_phase,living_in,1".to_owned(),
        "members_by_phase,settling_in,4".to_owned(),
        "members_by_status,active,5".to_owned(),
        "members_by_status,alumni,1".to_owned(),
        "members_by_status,erased,1".to_owned(),
        "members_by_status,pending,1".to_owned(),
        "members_by_country_of_origin,IN,4".to_owned(),
        "members_by_country_of_origin,BR,1".to_owned(),
        "members_by_country_of_origin,unknown,1".to_owned(),
        "members_by_municipality,Hasselt,3".to_owned(),
        "members_by_municipality,Genk,1".to_owned(),
        "members_by_municipality,unknown,1".to_owned(),
        month_rows[0].clone(),
        month_rows[1].clone(),
        "alumni_by_country,CA,1".to_owned(),
        "households,with_partner,1".to_owned(),
        "households,with_children,1".to_owned(),
        "events,held,2".to_owned(),
        "events,registrations,9".to_owned(),
        "events,people_confirmed,6".to_owned(),
        "events,people_attended,4".to_owned(),
        "events,no_shows,2".to_owned(),
        "events,waitlisted,1".to_owned(),
        "events,attendance_rate,0.667".to_owned(),
        "events,no_show_rate,0.333".to_owned(),
        "newsletter,issues_sent,1".to_owned(),
        "newsletter,messages_sent,7".to_owned(),
        "newsletter,unsubscribes,1".to_owned(),
        "mentoring,matches_confirmed,3".to_owned(),
        "mentoring,matches_started,2".to_owned(),
        "mentoring,matches_completed,1".to_owned(),
        "mentoring,matches_withdrawn,1".to_owned(),
    ]
    .map(|row| row + "\r\n")
    .concat();
    assert_eq!(csv.body, expected);

    // A period that lies wholly ahead has held nothing, whatever is booked in it.
    let (from, to) = (
        local_today + chrono::Duration::days(1),
        local_today + chrono::Duration::days(60),
    );
    let s: Value = t
        .get(&format!("/api/v1/stats?from={from}&to={to}"), Some(&staff))
        .await
        .json();
    for figure in ["held", "people_confirmed", "people_attended", "no_shows"] {
        assert_eq!(s["events"][figure], 0, "{figure}: {}", s["events"]);
    }
}

#[tokio::test]
async fn the_spec_says_what_every_figure_counts() {
    let t = TestApp::spawn().await;
    let spec = t.get("/openapi.json", None).await.json();
    let schemas = &spec["components"]["schemas"];
    for name in [
        "Stats",
        "MemberFigures",
        "HouseholdFigures",
        "EventFigures",
        "NewsletterFigures",
        "MentoringFigures",
        "Count",
    ] {
        let properties = schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema {name}"));
        for (field, schema) in properties {
            assert!(
                schema["description"]
                    .as_str()
                    .is_some_and(|d| !d.trim().is_empty()),
                "{name}.{field} has no description: {schema}"
            );
        }
    }
}
