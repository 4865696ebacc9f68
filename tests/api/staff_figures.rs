//! The figures page of the back office (`/staff/figures`) and its CSV download: the same numbers
//! as `GET /api/v1/stats` for the same period, the CSV row for row what the page's tables show,
//! and a bad period coming back with the error beside its field.

use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::staff_pages::{Access, Row};

/// The page and the download, for the authorization matrix.
pub fn routes() -> Vec<Row> {
    vec![
        ("GET", "/staff/figures".to_owned(), Access::Staff, false),
        (
            "GET",
            "/staff/figures.csv?from=2026-01-01&to=2026-12-31".to_owned(),
            Access::Staff,
            false,
        ),
    ]
}

/// The `(key, shown value)` rows of the page's table for `section`.
fn table(body: &str, section: &str) -> Vec<(String, String)> {
    let start = body
        .find(&format!("data-section=\"{section}\""))
        .unwrap_or_else(|| panic!("no table {section}"));
    let end = start + body[start..].find("</table>").unwrap();
    body[start..end]
        .split("<tr data-key=\"")
        .skip(1)
        .map(|row| {
            let key = row[..row.find('"').unwrap()].to_owned();
            let v = &row[row.find("<td>").unwrap() + 4..row.find("</td>").unwrap()];
            (key, v.to_owned())
        })
        .collect()
}

fn shown(body: &str, section: &str, key: &str) -> String {
    table(body, section)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{section}/{key} not shown"))
}

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map(|c| c["count"].as_i64().unwrap())
        .unwrap()
}

/// Ana (BR, Genk, living in) and Raj (IN, Hasselt) came to an event that has been held; Bo
/// (BR) had a seat and did not come; Cy left for Canada. Answers the staff's session.
async fn history(t: &TestApp) -> String {
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let mut people = Vec::new();
    for (email, first, country, town) in [
        ("ana@example.org", "Ana", "BR", "Genk"),
        ("raj@example.org", "Raj", "IN", "Hasselt"),
        ("bo@example.org", "Bo", "BR", "Genk"),
        ("cy@example.org", "Cy", "CA", "Hasselt"),
    ] {
        let s = t.member(email, first, "Test").await;
        t.patch(
            "/api/v1/me",
            json!({"country_of_origin": country, "municipality": town, "phase": "living_in"}),
            Some(&s),
        )
        .await
        .assert(200);
        let id = t.me(&s).await["id"].as_str().unwrap().to_owned();
        people.push((s, id));
    }
    let event = t.event(&staff, json!({"capacity": 10})).await;
    let eid = event["id"].as_str().unwrap().to_owned();
    for (s, id) in &people[..3] {
        t.register(s, &eid, &[id]).await.assert(201);
    }
    t.post(
        &format!("/api/v1/events/{eid}/check-ins"),
        json!({"person_ids": [people[0].1, people[1].1], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);
    // Held: it ended a month ago.
    sqlx::query(
        "UPDATE events SET starts_at = starts_at - 3000000000, ends_at = ends_at - 3000000000",
    )
    .execute(t.app.db.writer())
    .await
    .unwrap();
    sqlx::query(
        "UPDATE accounts SET status = 'alumni', destination_country = 'CA' WHERE email = 'cy@example.org'",
    )
    .execute(t.app.db.writer())
    .await
    .unwrap();
    limburgers_worldwide::stats::tallies::rebuild(&t.app.db)
        .await
        .unwrap();
    staff
}

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn the_page_shows_the_numbers_the_stats_api_gives_for_the_same_period() {
    let t = TestApp::spawn().await;
    let staff = history(&t).await;
    let period = format!("from=2020-01-01&to={}", today());
    let api = t
        .get(&format!("/api/v1/stats?{period}"), Some(&staff))
        .await
        .json();
    let page = t
        .page(&format!("/staff/figures?{period}&lang=en"), Some(&staff))
        .await;
    page.assert(200);
    let body = &page.body;
    assert!(body.contains("<h1>Figures</h1>"), "{body}");
    assert_eq!(api["members"]["total"], 4);
    assert_eq!(
        shown(body, "members", "total"),
        api["members"]["total"].to_string()
    );
    assert_eq!(count(&api["members"]["by_country_of_origin"], "BR"), 2);
    assert_eq!(shown(body, "members_by_country_of_origin", "BR"), "2");
    assert!(body.contains("Brazil (BR)"), "country names in English");
    assert_eq!(shown(body, "members_by_municipality", "Genk"), "2");
    assert_eq!(
        shown(body, "members_by_phase", "living_in"),
        count(&api["members"]["by_phase"], "living_in").to_string()
    );
    assert_eq!(shown(body, "alumni_by_country", "CA"), "1");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        shown(body, "new_members_per_month", &month),
        count(&api["members"]["new_per_month"], &month).to_string()
    );
    let events = &api["events"];
    assert_eq!(events["held"], 1);
    assert_eq!(events["people_attended"], 2);
    assert_eq!(events["no_shows"], 1);
    for key in ["held", "people_confirmed", "people_attended", "no_shows"] {
        assert_eq!(shown(body, "events", key), events[key].to_string(), "{key}");
    }
    assert_eq!(shown(body, "events", "attendance_rate"), "66.7%");
    // Every group is a chart beside its table: an SVG image with a name and a description.
    assert!(
        body.contains(r#"<svg role="img" aria-labelledby="chart-events-t chart-events-d""#),
        "{body}"
    );
    assert!(body.contains(r#"<title id="chart-members_by_country_of_origin-t">"#));
    assert!(body.contains("viewBox=\"0 0 320 "));

    // In Dutch: the same numbers, the words and the percentage in Dutch.
    let nl = t
        .page(&format!("/staff/figures?{period}&lang=nl"), Some(&staff))
        .await;
    nl.assert(200);
    assert!(nl.body.contains("<h1>Cijfers</h1>"));
    assert!(nl.body.contains("Gehouden activiteiten"));
    assert_eq!(shown(&nl.body, "events", "attendance_rate"), "66,7%");
    assert_eq!(shown(&nl.body, "events", "held"), "1");

    // Without a period: this year to date.
    let default = t.page("/staff/figures", Some(&staff)).await;
    default.assert(200);
    let year = &today()[..4];
    assert!(
        default.body.contains(&format!(r#"value="{year}-01-01""#)),
        "{}",
        default.body
    );
    assert!(default.body.contains(&format!(r#"value="{}""#, today())));
}

#[tokio::test]
async fn the_csv_holds_exactly_the_rows_the_page_shows() {
    let t = TestApp::spawn().await;
    let staff = history(&t).await;
    let to = today();
    let period = format!("from=2020-01-01&to={to}");
    let page = t
        .page(&format!("/staff/figures?{period}"), Some(&staff))
        .await;
    page.assert(200);
    assert!(
        page.body.contains(&format!(
            r#"href="/staff/figures.csv?{}""#,
            period.replace('&', "&amp;")
        )),
        "the download link carries the period"
    );
    let csv = t
        .page(&format!("/staff/figures.csv?{period}"), Some(&staff))
        .await;
    csv.assert(200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"figures-2020-01-01-to-{to}.csv\"").as_str())
    );
    let api = t
        .get_with(
            &format!("/api/v1/stats?{period}"),
            Some(&staff),
            ("accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.body, api.body, "the API's CSV for the same period");

    let mut lines = csv.body.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("section,key,value"));
    let mut rows = 0;
    for line in lines {
        let mut cells = line.split(',');
        let (section, key, value) = (
            cells.next().unwrap(),
            cells.next().unwrap(),
            cells.next().unwrap(),
        );
        if section == "period" {
            let shown_as = if key == "from" {
                "2020-01-01"
            } else {
                to.as_str()
            };
            assert_eq!(value, shown_as);
            assert!(
                page.body
                    .contains(&format!(r#"name="{key}" type="date" value="{value}""#))
            );
            continue;
        }
        rows += 1;
        let on_page = shown(&page.body, section, key);
        if key.ends_with("_rate") {
            let percent: f64 = on_page.trim_end_matches('%').parse().unwrap();
            let rate: f64 = value.parse().unwrap();
            assert!((percent - rate * 100.0).abs() < 0.05, "{line}: {on_page}");
        } else {
            assert_eq!(on_page, value, "{line}");
        }
    }
    let on_page = page.body.matches("<tr data-key=\"").count();
    assert_eq!(on_page, rows, "no row on the page that the CSV lacks");
    assert!(rows > 20);
}

#[tokio::test]
async fn a_bad_period_comes_back_with_the_error_beside_its_field() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let r = t
        .page("/staff/figures?from=2026-13-01&to=2026-02-01", Some(&staff))
        .await;
    r.assert(422);
    assert!(
        r.body
            .contains(r#"<p class="error" id="from-error">Enter a date"#),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains(r#"value="2026-13-01" aria-describedby="from-error" aria-invalid="true""#)
    );
    assert!(
        r.body.contains(r##"<a href="#from">"##),
        "the error summary links to the field"
    );
    assert!(!r.body.contains("to-error"));
    assert!(
        !r.body.contains("data-section"),
        "no figures for a bad period"
    );

    // The last day before the first: the rule of `stats::figures`, beside the second field.
    let r = t
        .page(
            "/staff/figures?from=2026-03-01&to=2026-02-01&lang=de",
            Some(&staff),
        )
        .await;
    r.assert(422);
    assert!(
        r.body.contains(
            r#"<p class="error" id="to-error">Der letzte Tag darf nicht vor dem ersten Tag liegen."#
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"value="2026-03-01""#));

    let csv = t
        .page("/staff/figures.csv?from=yesterday", Some(&staff))
        .await;
    csv.assert(422);
    assert!(csv.body.contains(r#"id="from-error""#));
    // A query that is not even a form: the default period, never a 500.
    t.page("/staff/figures?from=a&from=b", Some(&staff))
        .await
        .assert(200);
}
