//! The inventory of personal data (`privacy::inventory`) against the live schema, and export and
//! erasure driven by it: a member with everything filled in is exported (every personal value
//! in the export), then erased (no value left in any table, nor in the SQLite file or its WAL),
//! and the figures about the past stay as they were.

use std::collections::{BTreeSet, HashMap};

use limburgers_worldwide::db::Backend;
use limburgers_worldwide::privacy::inventory::{self, Blank, Class};
use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Every (table, column, is text) of the live schema.
async fn live_columns(t: &TestApp) -> Vec<(String, String, bool)> {
    let rows: Vec<(String, String, String)> = match t.app.db.backend {
        Backend::Sqlite => sqlx::query_as(
            "SELECT m.name, p.name, UPPER(p.type) FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
        ),
        Backend::Postgres => sqlx::query_as(
            "SELECT table_name::text, column_name::text, UPPER(data_type::text) FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        ),
    }
    .fetch_all(&t.app.db.read)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(table, column, ty)| {
            let text = ty.contains("TEXT") || ty.contains("CHAR");
            (table, column, text)
        })
        .collect()
}

#[tokio::test]
async fn every_column_of_the_live_schema_is_classified() {
    let t = TestApp::spawn().await;
    let live: BTreeSet<(String, String)> = live_columns(&t)
        .await
        .into_iter()
        .map(|(t, c, _)| (t, c))
        .collect();
    let listed: BTreeSet<(String, String)> = inventory::TABLES
        .iter()
        .flat_map(|(table, columns)| {
            columns
                .iter()
                .map(move |(c, _)| (table.to_string(), c.to_string()))
        })
        .collect();
    let unclassified: Vec<_> = live.difference(&listed).collect();
    assert!(
        unclassified.is_empty(),
        "columns missing from privacy::inventory (classify each: personal, identifier, not \
         personal or secret): {unclassified:?}"
    );
    let gone: Vec<_> = listed.difference(&live).collect();
    assert!(
        gone.is_empty(),
        "privacy::inventory lists columns the schema does not have: {gone:?}"
    );
}

/// Which rows of a table are the member's ($1 account, $2 household, $3 the address's key).
/// Every table with personal columns must be here.
fn rows_of(table: &str) -> &'static str {
    match table {
        "accounts" => "person_id = $1",
        // Their household's people: themselves, the partner, the dependents they manage.
        "people" => "household_id = $2",
        "invitations" => "invited_by = $1 OR email_key = $3",
        "outbox" => "account_id = $1",
        "deliveries" => "account_id = $1",
        "subscriptions" => "account_id = $1",
        "programme_applications" => "account_id = $1",
        "matches" => {
            "mentor_id IN (SELECT id FROM programme_applications WHERE account_id = $1) \
             OR mentee_id IN (SELECT id FROM programme_applications WHERE account_id = $1)"
        }
        "member_search" => "person_id = $1",
        "mail_requests" => "email_key = $3",
        "email_changes" => "account_id = $1",
        other => panic!("no scope for {other}: say which of its rows are a member's"),
    }
}

/// The rows whose `column` the export holds: all of the member's, feedback on their matches
/// both given and received (what the other person wrote about them is their personal data too).
fn export_scope(table: &str, _column: &str) -> &'static str {
    rows_of(table)
}

/// The rows erasure must have blanked: the member's own (their household's people stay theirs),
/// the feedback they received included.
fn erase_scope(table: &str, _column: &str) -> &'static str {
    match table {
        "people" => "id = $1",
        other => rows_of(other),
    }
}

/// Personal columns whose values an export need not repeat, and why.
fn not_in_export(table: &str, column: &str) -> bool {
    matches!(
        (table, column),
        // The content of a mail on its way to them (in their mailbox within seconds; a
        // delivered mail keeps no content).
        ("outbox", "subject" | "body_text" | "body_html" | "attachments")
            // Derived from the name and address, which are exported.
            | ("member_search", "term")
            // A request being carried out this second; the export lists it by kind.
            | ("mail_requests", "email" | "email_key" | "payload")
    )
}

/// Each personal column's values in the scoped rows, as text (NULL as None).
async fn personal_values(
    t: &TestApp,
    scope: fn(&str, &str) -> &'static str,
    who: &Who,
) -> Vec<(&'static str, &'static str, Option<String>)> {
    let mut out = Vec::new();
    for (table, columns) in inventory::TABLES {
        for (column, class) in columns.iter() {
            if !matches!(class, Class::Personal(_)) {
                continue;
            }
            let sql = format!(
                "SELECT CAST({column} AS TEXT) FROM {table} WHERE ({}) AND $1 <> '' AND $2 <> '' AND $3 <> ''",
                scope(table, column)
            );
            let values: Vec<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&who.account)
                .bind(&who.household)
                .bind(&who.email_key)
                .fetch_all(&t.app.db.read)
                .await
                .unwrap();
            out.extend(values.into_iter().map(|(v,)| (*table, *column, v)));
        }
    }
    out
}

struct Who {
    account: String,
    household: String,
    email_key: String,
}

/// The words of a value as a person would recognise them: list elements, or the value.
fn words(v: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(v) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => vec![v.to_owned()],
    }
}

/// Free text a person typed (or an address, a date of their life): worth searching for
/// everywhere. Codes and flags (a language, a phase, a country code, 0/1) are common to many
/// people; those are checked in the member's own rows instead.
fn searchable(table: &str, column: &str, word: &str) -> bool {
    let coded = matches!(
        (table, column),
        (
            "accounts",
            "language" | "phase" | "country_of_origin" | "destination_country" | "directory_fields"
        ) | ("programme_applications", "languages")
            | ("subscriptions", "status")
            // Pieces of the name and address ("example" of example.org), searched as a whole.
            | ("member_search", "term")
    );
    !coded && word.len() >= 4 && word.parse::<i64>().is_err()
}

#[tokio::test]
async fn everything_a_member_leaves_is_exported_then_erased_everywhere() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    // Ana, with a full profile, consents to the newsletter when she confirms her address.
    t.post(
        "/api/v1/members",
        json!({"email": "Anastasia.Quispe@example.org", "first_name": "Anastasia", "last_name": "Quispe",
               "language": "nl", "country_of_origin": "PE", "municipality": "Bocholt",
               "employer": "Zylofab Genk", "phase": "living_in", "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("anastasia.quispe@example.org").await;
    let ana = t.verify(&mail.token(), true).await;
    let ana_id = id(&t.me(&ana).await);
    // Her partner joins by her invitation; two dependents.
    let raj = t
        .partner(&ana, "rajesh.kowalczyk@example.org", "Rajesh")
        .await;
    let raj_id = id(&t.me(&raj).await);
    let mirabel = id(&t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mirabel", "last_name": "Kowalczyk", "birth_year": 2019, "relation": "child"}),
            Some(&ana),
        )
        .await
        .json());
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": "Oberon", "last_name": "Vantongeren", "relation": "other"}),
        Some(&ana),
    )
    .await
    .assert(201);
    // Somebody else invited her into their household (she did not answer).
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    t.post(
        "/api/v1/me/household/partner",
        json!({"email": "anastasia.quispe@example.org", "first_name": "Anastasia", "last_name": "Quispe-Invited"}),
        Some(&bo),
    )
    .await
    .assert(202);
    let cy = t.member("cy@example.org", "Cy", "Janssens").await;

    // An event the household came to, checked in at the door.
    let event = id(&t.event(&staff, json!({"capacity": 10})).await);
    let registration = t
        .register(&ana, &event, &[&ana_id, &raj_id, &mirabel])
        .await;
    registration.assert(201);
    t.post(
        &format!("/api/v1/events/{event}/check-ins"),
        json!({"person_ids": [ana_id, mirabel], "override": true}),
        Some(&staff),
    )
    .await
    .assert(200);

    // Mentoring: a mentor in one programme, a mentee in another, feedback both ways.
    let programme = |name: &'static str| {
        let t = &t;
        let staff = staff.clone();
        async move {
            let r = t
                .post(
                    "/api/v1/programmes",
                    json!({"name": {"en": name}, "description": {"en": "Peers"}, "audience": "everyone",
                           "starts_on": "2030-01-15", "ends_on": "2030-06-30", "max_mentees_per_mentor": 2}),
                    Some(&staff),
                )
                .await;
            r.assert(201);
            r.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let (p1, p2) = (programme("Guides").await, programme("Dialects").await);
    let apply = |p: &str, role: &str, body: Value, token: &str| {
        let t = &t;
        let path = format!("/api/v1/programmes/{p}/{role}");
        let token = token.to_owned();
        async move {
            let r = t.post(&path, body, Some(&token)).await;
            r.assert(201);
            r.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let ana_mentor = apply(
        &p1,
        "mentors",
        json!({"expertise": ["Flemish bureaucracy navigation"], "sectors": ["biotechnology"],
               "languages": ["quechua"], "capacity": 2, "bio": "Anastasia grew up in Cusco"}),
        &ana,
    )
    .await;
    let bo_mentee = apply(
        &p1,
        "mentees",
        json!({"goals": ["bureaucracy"], "languages": ["quechua"]}),
        &bo,
    )
    .await;
    let ana_mentee = apply(
        &p2,
        "mentees",
        json!({"goals": ["Limburgish dialect lessons"], "sector": "semiconductor packaging",
               "languages": ["aymara"], "availability": "Sunday mornings near Kapermolen"}),
        &ana,
    )
    .await;
    let cy_mentor = apply(
        &p2,
        "mentors",
        json!({"expertise": ["dialect"], "sectors": [], "languages": ["aymara"], "capacity": 1}),
        &cy,
    )
    .await;
    let run_match = |p: String, mentor: String, mentee: String| {
        let t = &t;
        let staff = staff.clone();
        async move {
            let m = t
                .post(
                    &format!("/api/v1/programmes/{p}/matches"),
                    json!({"mentor_id": mentor, "mentee_id": mentee}),
                    Some(&staff),
                )
                .await;
            m.assert(201);
            let mid = m.json()["id"].as_str().unwrap().to_owned();
            for step in ["start", "complete"] {
                t.post(
                    &format!("/api/v1/programmes/{p}/matches/{mid}/{step}"),
                    json!({}),
                    Some(&staff),
                )
                .await
                .assert(200);
            }
            mid
        }
    };
    let m1 = run_match(p1.clone(), ana_mentor, bo_mentee).await;
    let m2 = run_match(p2.clone(), cy_mentor, ana_mentee).await;
    for (p, m, token, comment) in [
        (&p1, &m1, &ana, "Bo was a delight to mentor"),
        (&p1, &m1, &bo, "Anastasia explained everything patiently"),
        (&p2, &m2, &ana, "Cy's dialect lessons were hilarious"),
        (&p2, &m2, &cy, "Anastasia learned Limburgish fast"),
    ] {
        t.post(
            &format!("/api/v1/programmes/{p}/matches/{m}/feedback"),
            json!({"rating": 5, "comment": comment}),
            Some(token),
        )
        .await
        .assert(200);
    }
    // A third match she withdrew from, saying why.
    let p3 = programme("Cooking").await;
    let cy_cook = apply(
        &p3,
        "mentors",
        json!({"expertise": ["stoofvlees"], "sectors": [], "languages": [], "capacity": 1}),
        &cy,
    )
    .await;
    let ana_cook = apply(
        &p3,
        "mentees",
        json!({"goals": ["stew"], "languages": []}),
        &ana,
    )
    .await;
    let m3 = t
        .post(
            &format!("/api/v1/programmes/{p3}/matches"),
            json!({"mentor_id": cy_cook, "mentee_id": ana_cook}),
            Some(&staff),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &format!("/api/v1/programmes/{p3}/matches/{m3}/withdraw"),
        json!({"reason": "Kiwifruit season starts early this year"}),
        Some(&ana),
    )
    .await
    .assert(200);

    // A sign-in by link, a calendar address.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "anastasia.quispe@example.org"}),
        None,
    )
    .await
    .assert(202);
    t.requests_done().await;
    let link = t
        .mails_with("anastasia.quispe@example.org", "/sign-in?token=")
        .await
        .remove(0);
    t.post(
        "/api/v1/auth/sessions",
        json!({"token": link.token()}),
        None,
    )
    .await
    .assert(201);
    t.post("/api/v1/me/calendar-token", json!({}), Some(&ana))
        .await
        .assert(200);

    // Leaving for New Zealand, listed in the directory with the fields she chose.
    let leaving_on = (chrono::Utc::now().date_naive() + chrono::Duration::days(47)).to_string();
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": leaving_on, "destination_country": "NZ", "destination_city": "Whakatane",
               "keep_in_touch": true, "household": false}),
        Some(&ana),
    )
    .await
    .assert(200);
    // Leaving, she may take the alumni newsletter (double opt-in).
    t.put_json(
        "/api/v1/me/subscriptions",
        json!({"alumni": true}),
        Some(&ana),
    )
    .await
    .assert(200);
    let confirm = t
        .mails_with("anastasia.quispe@example.org", "/newsletter/confirm")
        .await
        .remove(0);
    t.post(
        "/api/v1/newsletter/confirm",
        json!({"token": confirm.token()}),
        None,
    )
    .await
    .assert(200);
    t.put_json(
        "/api/v1/me/directory",
        json!({"visible": true, "fields": ["first_name", "destination_city", "employer"]}),
        Some(&ana),
    )
    .await
    .assert(200);

    // She is moving to a new address and has not followed its link yet.
    t.post(
        "/api/v1/me/email",
        json!({"email": "ana.silva@newjob-vanderbeek.example"}),
        Some(&ana),
    )
    .await
    .assert(202);

    // A newsletter reached her; a mail server refused one mail, quoting her address.
    let issue = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "Spring"}, "body": {"en": "News"}, "segment": "community"}),
            Some(&staff),
        )
        .await
        .json();
    let issue = id(&issue);
    t.post(
        &format!("/api/v1/newsletters/{issue}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    while t
        .count("SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')")
        .await
        > 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "newsletter not sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    t.outbox_settled().await;
    t.smtp.set_mode(crate::smtp::Mode::PermFail);
    sqlx::query("UPDATE mail_cooldowns SET sent_at = 0")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "anastasia.quispe@example.org"}),
        None,
    )
    .await
    .assert(202);
    t.requests_done().await;
    t.outbox_settled().await;
    t.smtp.set_mode(crate::smtp::Mode::Accept);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND recipient <> ''")
            .await,
        1
    );
    // What the API cannot make: an address that bounces, a newsletter refused with a reason.
    sqlx::query(
        "UPDATE deliveries SET last_error = '550 5.1.1 <anastasia.quispe@example.org>: no such user' \
         WHERE account_id = $1",
    )
    .bind(&ana_id)
    .execute(t.app.db.writer())
    .await
    .unwrap();
    sqlx::query("UPDATE accounts SET bouncing_at = 1767225600000 WHERE person_id = $1")
        .bind(&ana_id)
        .execute(t.app.db.writer())
        .await
        .unwrap();

    let who = Who {
        account: ana_id.clone(),
        household: t.me(&ana).await["household_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        email_key: "anastasia.quispe@example.org".to_owned(),
    };

    // Every personal column of her rows is filled (so the test proves something about each),
    // except what only exists for seconds or for other kinds of rows.
    let mine = personal_values(&t, export_scope, &who).await;
    let filled: BTreeSet<(&str, &str)> = mine
        .iter()
        .filter(|(_, _, v)| v.as_deref().is_some_and(|v| !v.is_empty() && v != "[]"))
        .map(|(t, c, _)| (*t, *c))
        .collect();
    for (table, columns) in inventory::TABLES {
        for (column, class) in columns.iter() {
            let Class::Personal(blank) = class else {
                continue;
            };
            let transient = *table == "mail_requests"
                || (*table == "outbox" && *column != "recipient" && *column != "last_error");
            if transient {
                continue;
            }
            // A column can only be checked if the member's rows fill it; the fixture above
            // must make every personal column hold something.
            assert!(
                filled.contains(&(table, column)) || matches!(blank, Blank::To("0")),
                "the fixture leaves {table}.{column} empty: fill it so the test covers it"
            );
        }
    }

    // The export holds every personal value.
    let r = t.get("/api/v1/me/export", Some(&ana)).await;
    r.assert(200);
    let export = r.json();
    let text = export.to_string();
    for (table, column, value) in &mine {
        let Some(value) = value else { continue };
        if not_in_export(table, column) {
            continue;
        }
        for word in words(value) {
            let found = match word.parse::<i64>() {
                // Flags: checked below, by meaning.
                Ok(0 | 1) => true,
                // Times are exported as dates.
                Ok(ms) if ms > 100_000_000_000 => {
                    text.contains(&limburgers_worldwide::db::to_datetime(ms).to_rfc3339())
                }
                _ => text.contains(&serde_json::to_string(&word).unwrap()) || text.contains(&word),
            };
            assert!(found, "{table}.{column} = {word:?} is not in the export");
        }
    }
    assert_eq!(export["alumni_directory"]["visible"], true);
    assert_eq!(export["departure"]["keep_in_touch"], true);
    assert_eq!(export["departure"]["destination_city"], "Whakatane");
    assert_eq!(
        export["invitations"]["received"][0]["last_name"],
        "Quispe-Invited"
    );
    assert_eq!(
        export["invitations"]["sent"][0]["email"],
        "rajesh.kowalczyk@example.org"
    );
    let regs = export["registrations"].as_array().unwrap();
    assert!(
        regs[0]["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["first_name"] == "Mirabel" && p["checked_in_at"].is_string()),
        "{regs:?}"
    );
    assert!(
        export["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["list"] == "alumni" && s["status"] == "active")
    );
    // Feedback on her matches, given and received; who gave it only as a role.
    let mentoring = export["mentoring"].as_array().unwrap();
    let on = |m: &str| {
        mentoring
            .iter()
            .flat_map(|a| a["matches"].as_array().unwrap())
            .find(|x| x["match"] == m)
            .unwrap_or_else(|| panic!("match {m} not in {mentoring:?}"))
            .clone()
    };
    assert_eq!(
        on(&m1)["feedback_received"],
        json!({"from": "mentee", "rating": 5, "comment": "Anastasia explained everything patiently"})
    );
    assert_eq!(
        on(&m1)["feedback_given"],
        json!({"rating": 5, "comment": "Bo was a delight to mentor"})
    );
    assert_eq!(
        on(&m2)["feedback_received"],
        json!({"from": "mentor", "rating": 5, "comment": "Anastasia learned Limburgish fast"})
    );
    assert_eq!(
        on(&m3)["feedback_received"],
        json!({"from": "mentor", "rating": null, "comment": null})
    );
    let bo_id = id(&t.me(&bo).await);
    let cy_id = id(&t.me(&cy).await);
    let mentoring_text = export["mentoring"].to_string();
    for theirs in [
        "Peeters",
        "bo@example.org",
        &bo_id,
        "Janssens",
        "cy@example.org",
        &cy_id,
    ] {
        assert!(
            !mentoring_text.contains(theirs),
            "the other person of a match is named by role only, found {theirs:?}"
        );
    }
    for secret in ["token_hash", "unsubscribe_key", "\"hash\""] {
        assert!(
            !text.contains(secret),
            "an export holds no secret ({secret})"
        );
    }

    // The event took place: its figures are history and must survive the erasure.
    sqlx::query("UPDATE events SET starts_at = starts_at - $1, ends_at = ends_at - $1")
        .bind(31 * 86_400_000_i64)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    let history = |s: &Value| {
        json!({
            "events": s["events"], "newsletter": s["newsletter"], "mentoring": s["mentoring"],
            "new_per_month": s["members"]["new_per_month"],
        })
    };
    let figures_before = history(&t.get("/api/v1/stats", Some(&staff)).await.json());

    // What a person would recognise as hers, to be searched for everywhere afterwards.
    let erased_rows = personal_values(&t, erase_scope, &who).await;
    let mut hers: BTreeSet<String> = BTreeSet::new();
    for (table, column, value) in &erased_rows {
        for word in value.as_deref().map(words).unwrap_or_default() {
            if searchable(table, column, &word)
                && !word.contains("rajesh")
                && !["Rajesh", "Partner"].contains(&word.as_str())
            {
                hers.insert(word);
            }
        }
    }
    for must in [
        "anastasia.quispe@example.org",
        "Anastasia",
        "Quispe",
        "Zylofab Genk",
        "Bocholt",
        "Whakatane",
        "Anastasia grew up in Cusco",
        "Sunday mornings near Kapermolen",
        "Flemish bureaucracy navigation",
        "Bo was a delight to mentor",
        "Anastasia learned Limburgish fast",
        "Kiwifruit season starts early this year",
        leaving_on.as_str(),
    ] {
        assert!(hers.contains(must), "{must} missing from {hers:?}");
    }

    t.delete("/api/v1/me", Some(&ana)).await.assert(204);
    assert_erased(&t, &who, &hers).await;

    // Counts for funders about the past are unchanged.
    let figures_after = history(&t.get("/api/v1/stats", Some(&staff)).await.json());
    assert_eq!(figures_before, figures_after);
    assert!(figures_after["events"]["people_attended"].as_i64() >= Some(2));

    // Raj goes too: nobody with an account is left, so the children are erased with him.
    let raj_who = Who {
        account: raj_id.clone(),
        household: who.household.clone(),
        email_key: "rajesh.kowalczyk@example.org".to_owned(),
    };
    let mut his: BTreeSet<String> = [
        "rajesh.kowalczyk@example.org",
        "Rajesh",
        "Mirabel",
        "Kowalczyk",
        "Oberon",
        "Vantongeren",
    ]
    .map(str::to_owned)
    .into();
    his.extend(hers);
    t.delete("/api/v1/me", Some(&raj)).await.assert(204);
    assert_erased(&t, &raj_who, &his).await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE erased_at IS NULL AND first_name IN ('Mirabel', 'Oberon')")
            .await,
        0
    );
    let figures_end = history(&t.get("/api/v1/stats", Some(&staff)).await.json());
    assert_eq!(figures_before, figures_end);
}

/// After an erasure: the member's rows hold only blanks; none of `values` is in any text column
/// of any table; on SQLite, not in the database file or its WAL either.
async fn assert_erased(t: &TestApp, who: &Who, values: &BTreeSet<String>) {
    // Their own rows: every personal column blank, or the row gone.
    let blanks: HashMap<(&str, &str), Blank> = inventory::TABLES
        .iter()
        .flat_map(|(table, columns)| {
            columns.iter().filter_map(move |(c, class)| match class {
                Class::Personal(b) => Some(((*table, *c), *b)),
                _ => None,
            })
        })
        .collect();
    for (table, column, value) in personal_values(t, erase_scope, who).await {
        match blanks[&(table, column)] {
            Blank::RowDeleted => panic!("{table} still has a row of the erased member"),
            Blank::To(blank) => {
                let expected: Option<String> = match blank {
                    "NULL" => None,
                    quoted => Some(quoted.trim_matches('\'').to_owned()),
                };
                assert_eq!(value, expected, "{table}.{column} after erasure");
            }
        }
    }
    // Nowhere in any table.
    for (table, column, text) in live_columns(t).await {
        if !text {
            continue;
        }
        for value in values {
            let sql =
                format!("SELECT COUNT(*) FROM {table} WHERE LOWER(CAST({column} AS TEXT)) LIKE $1");
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(format!("%{}%", value.to_lowercase()))
                .fetch_one(&t.app.db.read)
                .await
                .unwrap();
            assert_eq!(n, 0, "{value:?} is still in {table}.{column}");
        }
    }
    // Nor in the bytes of the SQLite file and its WAL.
    if t.app.db.backend == Backend::Sqlite {
        for file in ["test.db", "test.db-wal"] {
            let path = t.dir.path().join(file);
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let lower = bytes.to_ascii_lowercase();
            for value in values {
                let needle = value.to_lowercase().into_bytes();
                assert!(
                    !lower.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{value:?} is still in the bytes of {file}"
                );
            }
        }
        assert!(t.dir.path().join("test.db").exists());
    }
}
