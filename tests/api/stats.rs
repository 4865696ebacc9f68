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

#[tokio::test]
async fn the_figures_match_a_known_data_set_also_after_an_erasure() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await; // IN, Hasselt, settling_in
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Mia", "relation": "child"}),
        Some(&ana),
    )
    .await
    .assert(201);
    let bo = t.member("bo@example.org", "Bo", "Li").await;
    t.patch(
        "/api/v1/me",
        json!({"country_of_origin": "BR", "municipality": "Genk", "phase": "living_in"}),
        Some(&bo),
    )
    .await
    .assert(200);
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
        5,
        "ana, raj, bo, gone and the staff account"
    );
    assert_eq!(count(&s["members"]["by_status"], "erased"), 1);
    assert_eq!(count(&s["members"]["by_status"], "pending"), 1);
    assert_eq!(
        s["members"]["total"], 4,
        "ana, raj, bo and staff; gone is erased, pending is not a member yet"
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
        t.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL")
            .await
    );
    assert_eq!(s["members"]["total"], 5, "staff, ana, raj, bo, cy");
    assert_eq!(count(&s["members"]["by_status"], "alumni"), 2);
    assert_eq!(count(&s["members"]["by_status"], "erased"), 1);
    assert_eq!(count(&s["members"]["by_status"], "pending"), 1);
    assert_eq!(count(&s["alumni_by_country"], "CA"), 2);
    assert_eq!(count(&s["members"]["by_municipality"], "Genk"), 1);
    assert_eq!(
        count(&s["members"]["by_municipality"], "unknown"),
        2,
        "staff and cy"
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
        month_total, 4,
        "staff, ana, raj and bo; not cy and gone (moved back), not pending"
    );

    // A database from before the tallies (no triggers, empty tallies) gets both at start-up.
    let drop = match t.app.db.backend {
        limburgers_worldwide::db::Backend::Sqlite => "DROP TRIGGER tally_registrations_insert_v1",
        limburgers_worldwide::db::Backend::Postgres => {
            "DROP TRIGGER tally_registrations_inserted_v1 ON registrations"
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
