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
        json!({"person_ids": [people[0], people[2]]}),
        Some(&staff),
    )
    .await
    .assert(200);
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({"person_ids": [gone_id]}),
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
