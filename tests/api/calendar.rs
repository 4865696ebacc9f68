//! Calendar feeds, read back with an independent parser (the `ical` crate).

use chrono::{NaiveDateTime, TimeZone as _};
use limburgers_worldwide::values::Role;
use mail_parser::MimeHeaders as _;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn parse(body: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(body.as_bytes()));
    let cal = parser
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    assert!(parser.next().is_none());
    cal
}

fn prop<'a>(
    props: &'a [ical::property::Property],
    name: &str,
) -> Option<&'a ical::property::Property> {
    props.iter().find(|p| p.name == name)
}

fn value(props: &[ical::property::Property], name: &str) -> String {
    prop(props, name)
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

fn param(p: &ical::property::Property, name: &str) -> Option<String> {
    p.params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.join(","))
}

fn offset_secs(raw: &str) -> i64 {
    let sign = if raw.starts_with('-') { -1 } else { 1 };
    let digits = &raw[1..];
    let h: i64 = digits[0..2].parse().unwrap();
    let m: i64 = digits[2..4].parse().unwrap();
    sign * (h * 3600 + m * 60)
}

/// The UTC instant of a local time, using only the VTIMEZONE the feed itself carries: the offset
/// of the latest observance that started before it.
fn utc_from_feed(
    cal: &ical::parser::ical::component::IcalCalendar,
    tzid: &str,
    local: NaiveDateTime,
) -> chrono::DateTime<chrono::Utc> {
    let tz = cal
        .timezones
        .iter()
        .find(|z| value(&z.properties, "TZID") == tzid)
        .unwrap_or_else(|| panic!("no VTIMEZONE for {tzid}"));
    let mut best: Option<(NaiveDateTime, i64)> = None;
    for t in &tz.transitions {
        let start =
            NaiveDateTime::parse_from_str(&value(&t.properties, "DTSTART"), "%Y%m%dT%H%M%S")
                .unwrap();
        let to = offset_secs(&value(&t.properties, "TZOFFSETTO"));
        if start <= local && best.is_none_or(|(b, _)| start > b) {
            best = Some((start, to));
        }
    }
    let (_, offset) = best.expect("an observance before the event");
    chrono::Utc.from_utc_datetime(&(local - chrono::Duration::seconds(offset)))
}

fn assert_well_formed(body: &str) {
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    for line in body.split("\r\n") {
        assert!(line.len() <= 75, "line over 75 octets: {line:?}");
        assert!(!line.contains('\n'), "bare LF");
    }
}

/// `path` asked for by a client that takes gzip (`accept_encoding`): the answer's headers and
/// its body unzipped, once it is checked to be a gzipped 200.
async fn get_gzipped(
    t: &TestApp,
    path: &str,
    accept_encoding: &str,
) -> (poem::http::HeaderMap, String) {
    let zipped = t
        .client
        .get(path)
        .header("accept-encoding", accept_encoding)
        .send()
        .await;
    zipped.assert_status_is_ok();
    let headers = zipped.0.headers().clone();
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    let bytes = zipped.0.into_body().into_bytes().await.unwrap();
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped)
        .unwrap();
    (headers, unzipped)
}

#[tokio::test]
async fn the_public_feed_places_events_right_on_both_sides_of_the_clock_changes() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let spring = t
        .event(&staff, json!({"title": "Family day in Bokrijk", "starts_at": "2030-03-31T10:00:00", "ends_at": "2030-03-31T16:00:00",
                              "description": "A long day out; bring lunch, sturdy shoes, and rain gear — Limburg weather is a surprise, every time, for everyone."}))
        .await;
    let autumn = t
        .event(&staff, json!({"title": "Maastricht walk", "starts_at": "2030-10-27T10:00:00", "ends_at": "2030-10-27T12:00:00",
                              "organiser": "Expat Centre Maastricht Region", "tags": ["cross-border"]}))
        .await;
    let winter = t.event(&staff, json!({"title": "Winter drink", "starts_at": "2030-03-30T19:00:00", "ends_at": "2030-03-30T22:00:00"})).await;
    t.event(&staff, json!({"title": "Draft", "status": "draft"}))
        .await;

    let r = t.get("/calendar.ics", None).await;
    r.assert(200);
    assert_eq!(
        r.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert_well_formed(&r.body);
    let cal = parse(&r.body);
    assert_eq!(cal.events.len(), 3, "drafts stay out");
    assert_eq!(cal.timezones.len(), 1);

    for (api, title) in [
        (&spring, "Family day in Bokrijk"),
        (&autumn, "Maastricht walk"),
        (&winter, "Winter drink"),
    ] {
        let ev = cal
            .events
            .iter()
            .find(|e| value(&e.properties, "SUMMARY") == title)
            .unwrap();
        let start = prop(&ev.properties, "DTSTART").unwrap();
        assert_eq!(param(start, "TZID").as_deref(), Some("Europe/Brussels"));
        let local = NaiveDateTime::parse_from_str(start.value.as_deref().unwrap(), "%Y%m%dT%H%M%S")
            .unwrap();
        let utc = utc_from_feed(&cal, "Europe/Brussels", local);
        let expected: chrono::DateTime<chrono::Utc> =
            api["starts_at_utc"].as_str().unwrap().parse().unwrap();
        assert_eq!(utc, expected, "{title}");
        assert!(value(&ev.properties, "UID").starts_with(api["id"].as_str().unwrap()));
        assert_eq!(value(&ev.properties, "SEQUENCE"), "0");
        assert_eq!(value(&ev.properties, "STATUS"), "CONFIRMED");
        assert!(
            prop(&ev.properties, "DTSTAMP").is_some()
                && prop(&ev.properties, "LAST-MODIFIED").is_some()
        );
        assert!(prop(&ev.properties, "URL").is_some());
    }
    // 10:00 local is 08:00 UTC after the spring change and 09:00 UTC after the autumn one.
    assert!(
        spring["starts_at_utc"]
            .as_str()
            .unwrap()
            .starts_with("2030-03-31T08:00:00")
    );
    assert!(
        autumn["starts_at_utc"]
            .as_str()
            .unwrap()
            .starts_with("2030-10-27T09:00:00")
    );
    assert!(
        winter["starts_at_utc"]
            .as_str()
            .unwrap()
            .starts_with("2030-03-30T18:00:00")
    );
    let bokrijk = cal
        .events
        .iter()
        .find(|e| value(&e.properties, "SUMMARY") == "Family day in Bokrijk")
        .unwrap();
    assert!(value(&bokrijk.properties, "LOCATION").contains("Corda Campus"));
    assert!(
        value(&bokrijk.properties, "DESCRIPTION").contains("every time"),
        "folded lines unfold"
    );

    // Filters.
    let cross = parse(&t.get("/calendar.ics?tag=cross-border", None).await.body);
    assert_eq!(cross.events.len(), 1);
    let maastricht = parse(
        &t.get(
            "/calendar.ics?organiser=Expat%20Centre%20Maastricht%20Region",
            None,
        )
        .await
        .body,
    );
    assert_eq!(maastricht.events.len(), 1);
    t.get("/calendar.ics?audience=pets", None)
        .await
        .assert_problem(422);
}

#[tokio::test]
async fn etags_answer_304_until_an_event_changes_and_changes_bump_the_sequence() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t.event(&staff, json!({})).await;
    let eid = e["id"].as_str().unwrap();
    let first = t
        .get(&format!("/api/v1/events/{eid}/calendar.ics"), None)
        .await;
    first.assert(200);
    let tag = first.header("etag").unwrap().to_owned();
    let again = t
        .get(&format!("/api/v1/events/{eid}/calendar.ics"), None)
        .await;
    assert_eq!(
        again.header("etag"),
        Some(tag.as_str()),
        "stable bytes, stable tag"
    );
    t.get_with(
        &format!("/api/v1/events/{eid}/calendar.ics"),
        None,
        ("if-none-match", &tag),
    )
    .await
    .assert(304);
    let feed_tag = t
        .get("/calendar.ics", None)
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    t.get_with("/calendar.ics", None, ("if-none-match", &feed_tag))
        .await
        .assert(304);

    t.patch(
        &format!("/api/v1/events/{eid}"),
        json!({"venue": "C-mine, Genk"}),
        Some(&staff),
    )
    .await
    .assert(200);
    let changed = t
        .get_with(
            &format!("/api/v1/events/{eid}/calendar.ics"),
            None,
            ("if-none-match", &tag),
        )
        .await;
    changed.assert(200);
    let cal = parse(&changed.body);
    assert_eq!(value(&cal.events[0].properties, "SEQUENCE"), "1");
    assert!(value(&cal.events[0].properties, "LOCATION").contains("C-mine"));
    t.get_with("/calendar.ics", None, ("if-none-match", &feed_tag))
        .await
        .assert(200);

    t.post(
        &format!("/api/v1/events/{eid}/cancel"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let cal = parse(&t.get("/calendar.ics", None).await.body);
    assert_eq!(value(&cal.events[0].properties, "STATUS"), "CANCELLED");
    assert_eq!(value(&cal.events[0].properties, "SEQUENCE"), "2");
}

#[tokio::test]
async fn the_personal_feed_follows_the_household_and_its_address_can_be_replaced() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let (b, b_id) = t.quick_member("b@example.org").await;
    let full = t
        .event(&staff, json!({"title": "Small workshop", "capacity": 1}))
        .await;
    let open = t.event(&staff, json!({"title": "Open evening"})).await;
    let other = t.event(&staff, json!({"title": "Not mine"})).await;
    t.register(&b, full["id"].as_str().unwrap(), &[&b_id])
        .await
        .assert(201);
    t.register(&a, full["id"].as_str().unwrap(), &[&a_id])
        .await
        .assert(201);
    let ra: Value = t
        .register(&a, open["id"].as_str().unwrap(), &[&a_id])
        .await
        .json();
    let _ = other;

    let address = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&a))
        .await
        .json();
    assert!(
        address["webcal_url"]
            .as_str()
            .unwrap()
            .starts_with("webcal://")
    );
    let path = feed_path(&address);
    let r = t.get(&path, None).await;
    r.assert(200);
    assert_well_formed(&r.body);
    let cal = parse(&r.body);
    let status_of = |title: &str| {
        cal.events
            .iter()
            .find(|e| value(&e.properties, "SUMMARY") == title)
            .map(|e| value(&e.properties, "STATUS"))
    };
    assert_eq!(
        status_of("Small workshop").as_deref(),
        Some("TENTATIVE"),
        "waitlisted"
    );
    assert_eq!(status_of("Open evening").as_deref(), Some("CONFIRMED"));
    assert_eq!(status_of("Not mine"), None);
    let tag = r.header("etag").unwrap().to_owned();
    assert_eq!(r.header("content-encoding"), None, "plain unless asked");

    // Calendar apps that take gzip get the same feed compressed, under a tag of its own.
    let (headers, unzipped) = get_gzipped(&t, &path, "gzip").await;
    assert_ne!(headers.get("etag").unwrap().to_str().unwrap(), tag);
    assert_eq!(unzipped, r.body);

    // A cancellation changes the feed at once.
    t.delete(
        &format!(
            "/api/v1/events/{}/registrations/{}",
            open["id"].as_str().unwrap(),
            ra["id"].as_str().unwrap()
        ),
        Some(&a),
    )
    .await
    .assert(204);
    let r = t.get_with(&path, None, ("if-none-match", &tag)).await;
    r.assert(200);
    assert_eq!(parse(&r.body).events.len(), 1);

    // A new address replaces the old one immediately.
    let newer = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&a))
        .await
        .json();
    assert_ne!(newer["url"], address["url"]);
    t.get(&path, None).await.assert_problem(404);
    let new_path = feed_path(&newer);
    t.get(&new_path, None).await.assert(200);
    t.get("/calendar/not-a-token.ics", None)
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn the_confirmation_mail_carries_a_parsable_calendar_file() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let e = t.event(&staff, json!({})).await;
    t.register(&a, e["id"].as_str().unwrap(), &[&a_id])
        .await
        .assert(201);
    let mail = t.next_mail_to("a@example.org").await;
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let ics = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("event.ics"))
        .expect("an event.ics attachment");
    let body = String::from_utf8(ics.contents().to_vec()).unwrap();
    let cal = parse(&body);
    assert_eq!(cal.events.len(), 1);
    assert_eq!(
        value(&cal.events[0].properties, "SUMMARY"),
        "Welcome drinks"
    );
}

/// The `event.ics` a mail carries, with its MIME type; `None` when the mail has none.
fn mailed_calendar(mail: &crate::helpers::Mail) -> Option<(String, String)> {
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let ics = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("event.ics"))?;
    let content_type = ics.content_type().unwrap();
    let mut mime = format!(
        "{}/{}",
        content_type.ctype(),
        content_type.subtype().unwrap_or("")
    );
    for a in content_type.attributes().unwrap_or(&[]) {
        mime.push_str(&format!("; {}={}", a.name, a.value));
    }
    Some((String::from_utf8(ics.contents().to_vec()).unwrap(), mime))
}

/// "Event changed" and "event cancelled" mails carry the event's calendar file to the households
/// holding seats, under the UID of the file their confirmation carried: a change as PUBLISH
/// with SEQUENCE raised, a cancellation as CANCEL (STATUS:CANCELLED, ORGANIZER) with the MIME
/// type naming the same method, and staff's reason in the mail. Both clients read each file's
/// times as the API gives them. A waitlisted household is told without a file.
#[tokio::test]
async fn change_and_cancellation_mails_carry_the_updated_calendar_file() {
    let clients = calendar_clients();
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let (b, b_id) = t.quick_member("b@example.org").await;
    let e = t
        .event(&staff, json!({"title": "Cycling tour", "capacity": 1}))
        .await;
    let eid = e["id"].as_str().unwrap().to_owned();
    t.register(&a, &eid, &[&a_id]).await.assert(201);
    t.register(&b, &eid, &[&b_id]).await.assert(201);
    let (confirmation, mime) = mailed_calendar(&t.next_mail_to("a@example.org").await).unwrap();
    assert_eq!(mime, "text/calendar; charset=utf-8; method=PUBLISH");
    let first = parse(&confirmation);
    let uid = value(&first.events[0].properties, "UID");
    assert_eq!(value(&first.events[0].properties, "SEQUENCE"), "0");
    assert!(
        mailed_calendar(&t.next_mail_to("b@example.org").await).is_none(),
        "waitlisted"
    );

    let moved = t
        .patch(
            &format!("/api/v1/events/{eid}"),
            json!({"starts_at": "2030-10-27T02:30:00", "ends_at": "2030-10-27T04:00:00"}),
            Some(&staff),
        )
        .await
        .json();
    let changed_mail = t.next_mail_to("a@example.org").await;
    let (changed, mime) = mailed_calendar(&changed_mail).expect("an event.ics with the change");
    assert_eq!(mime, "text/calendar; charset=utf-8; method=PUBLISH");
    let cal = parse(&changed);
    assert_eq!(value(&cal.properties, "METHOD"), "PUBLISH");
    let ev = &cal.events[0].properties;
    assert_eq!(value(ev, "UID"), uid, "the same event for every calendar");
    assert_eq!(value(ev, "SEQUENCE"), "1", "raised by the change");
    assert_eq!(value(ev, "STATUS"), "CONFIRMED");
    assert!(
        mailed_calendar(&t.next_mail_to("b@example.org").await).is_none(),
        "waitlisted"
    );

    let reason = "The guide is ill.\nWe will ride another day.";
    t.post(
        &format!("/api/v1/events/{eid}/cancel"),
        json!({"reason": reason}),
        Some(&staff),
    )
    .await
    .assert(200);
    let cancelled_mail = t.next_mail_to("a@example.org").await;
    let lf = |s: &str| s.replace("\r\n", "\n");
    assert!(
        lf(&cancelled_mail.text).contains(reason),
        "{}",
        cancelled_mail.text
    );
    assert!(
        lf(&cancelled_mail.html).contains(reason),
        "{}",
        cancelled_mail.html
    );
    let (cancellation, mime) =
        mailed_calendar(&cancelled_mail).expect("an event.ics with the cancellation");
    assert_eq!(mime, "text/calendar; charset=utf-8; method=CANCEL");
    let cal = parse(&cancellation);
    assert_eq!(value(&cal.properties, "METHOD"), "CANCEL");
    let ev = &cal.events[0].properties;
    assert_eq!(value(ev, "UID"), uid);
    assert_eq!(value(ev, "SEQUENCE"), "2", "raised again");
    assert_eq!(value(ev, "STATUS"), "CANCELLED");
    assert_eq!(
        value(ev, "ORGANIZER"),
        "mailto:community@expatcentre.test",
        "iTIP requires an organiser of a cancellation"
    );
    let waitlisted = t.next_mail_to("b@example.org").await;
    assert!(lf(&waitlisted.text).contains(reason));
    assert!(mailed_calendar(&waitlisted).is_none(), "waitlisted");

    // The files every client reads, times and all.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = [("changed", &changed), ("cancelled", &cancellation)]
        .into_iter()
        .map(|(name, body)| {
            let path = dir.path().join(format!("{name}.ics"));
            std::fs::write(&path, body).unwrap();
            path
        })
        .collect();
    let utc = |k: &str| {
        moved[k]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp()
    };
    for (program, script) in [("node", "read.mjs"), ("python3", "read.py")] {
        let read = read_with_client(program, &clients.join(script), &files);
        assert_eq!(read.len(), 2, "{program}: {read:?}");
        for (file, read_uid, start, end) in read {
            assert_eq!(read_uid, uid, "{program} {file}");
            assert_eq!(
                (start, end),
                (utc("starts_at_utc"), utc("ends_at_utc")),
                "{program} {file}"
            );
        }
    }
}

/// A cancellation's reason is checked like any text: too long or with control characters is
/// a 422 naming `reason`, and nothing changes; no body at all still cancels.
#[tokio::test]
async fn a_bad_cancellation_reason_is_refused_and_none_is_needed() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t.event(&staff, json!({})).await;
    let path = format!("/api/v1/events/{}/cancel", e["id"].as_str().unwrap());
    for reason in ["x".repeat(1001), "Rain\u{7}".to_owned()] {
        let r = t.post(&path, json!({"reason": reason}), Some(&staff)).await;
        let p = r.assert_problem(422);
        assert_eq!(
            p["errors"][0]["field"], "reason",
            "the problem names the field: {p}"
        );
    }
    let p = t
        .post(&path, json!({"why": "x"}), Some(&staff))
        .await
        .assert_problem(422);
    assert_eq!(p["errors"][0]["field"], "why", "{p}");
    let event = t
        .get(
            &format!("/api/v1/events/{}", e["id"].as_str().unwrap()),
            None,
        )
        .await
        .json();
    assert_eq!(event["status"], "published", "nothing changed");
    // No body, no content type: as before there was a reason.
    let r = t
        .client
        .post(&path)
        .header("authorization", format!("Bearer {staff}"))
        .send()
        .await;
    r.assert_status_is_ok();
}

/// The public feed is kept built between changes: gzip for clients that take it (its own ETag),
/// and a change made through another server instance on the same database shows at once.
#[tokio::test]
async fn the_cached_feed_is_gzipped_and_follows_changes_made_by_another_instance() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t.event(&staff, json!({"title": "Cycling tour"})).await;
    let eid = e["id"].as_str().unwrap();
    let plain = t.get("/calendar.ics", None).await;
    plain.assert(200);
    assert!(plain.body.contains("Cycling tour"));

    let (headers, unzipped) = get_gzipped(&t, "/calendar.ics", "br, gzip;q=0.8").await;
    assert_eq!(headers.get("vary").unwrap(), "Accept-Encoding");
    let gz_tag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    assert_ne!(
        Some(gz_tag.as_str()),
        plain.header("etag"),
        "one tag per encoding"
    );
    assert_eq!(unzipped, plain.body, "the same feed, compressed");
    let refused = t
        .get_with("/calendar.ics", None, ("accept-encoding", "gzip;q=0"))
        .await;
    assert_eq!(refused.header("content-encoding"), None, "q=0 refuses gzip");
    assert_eq!(refused.body, plain.body);

    // A second instance on the same database (its own cache) renames the event.
    let other = limburgers_worldwide::app::App::new((*t.app.config).clone())
        .await
        .unwrap();
    let other_client = poem::test::TestClient::new(limburgers_worldwide::app::routes(&other));
    other_client
        .patch(format!("/api/v1/events/{eid}"))
        .header("authorization", format!("Bearer {staff}"))
        .body_json(&json!({"title": "Cycling tour along the Maas"}))
        .send()
        .await
        .assert_status_is_ok();
    let after = t.get("/calendar.ics", None).await;
    assert!(
        after.body.contains("Cycling tour along the Maas"),
        "this instance's cached feed followed the other's change"
    );
    t.get_with("/calendar.ics", None, ("if-none-match", &gz_tag))
        .await
        .assert(200);
}

/// An event's `.ics` is served like the feeds: gzip for clients that take it (its own ETag),
/// `Vary: Accept-Encoding` and `Cache-Control: no-cache` on every answer, 304 for either copy.
#[tokio::test]
async fn the_event_calendar_file_is_gzipped_and_revalidated_like_the_feeds() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t.event(&staff, json!({"title": "Cycling tour"})).await;
    let path = format!("/api/v1/events/{}/calendar.ics", e["id"].as_str().unwrap());
    let plain = t.get(&path, None).await;
    plain.assert(200);
    assert_eq!(plain.header("content-encoding"), None, "plain unless asked");
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    assert_eq!(
        plain.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let plain_tag = plain.header("etag").unwrap().to_owned();

    let (headers, unzipped) = get_gzipped(&t, &path, "br, gzip;q=0.8").await;
    assert_eq!(headers.get("vary").unwrap(), "Accept-Encoding");
    assert_eq!(headers.get("cache-control").unwrap(), "no-cache");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/calendar; charset=utf-8"
    );
    let gz_tag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    assert_ne!(gz_tag, plain_tag, "one tag per encoding");
    assert_eq!(unzipped, plain.body, "the same file, compressed");

    let again = t
        .client
        .get(&path)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &gz_tag)
        .send()
        .await;
    again.assert_status(poem::http::StatusCode::NOT_MODIFIED);
    assert_eq!(again.0.headers().get("vary").unwrap(), "Accept-Encoding");
    assert_eq!(again.0.headers().get("cache-control").unwrap(), "no-cache");
    let refused = t
        .get_with(&path, None, ("accept-encoding", "gzip;q=0"))
        .await;
    assert_eq!(refused.header("content-encoding"), None, "q=0 refuses gzip");
    assert_eq!(refused.body, plain.body);
    t.get_with(&path, None, ("if-none-match", &plain_tag))
        .await
        .assert(304);
}

/// Personal feeds are kept built per household, and addresses resolved from memory: a
/// registration, a cancellation, a promotion, an event change or a move to another household
/// made through another instance shows at once, and a replaced address or an erased member's
/// address answers 404 at once.
#[tokio::test]
async fn the_kept_personal_feed_follows_changes_made_by_another_instance() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (a, a_id) = t.quick_member("a@example.org").await;
    let (b, b_id) = t.quick_member("b@example.org").await;
    let small = t
        .event(&staff, json!({"title": "Small workshop", "capacity": 1}))
        .await;
    let sid = small["id"].as_str().unwrap().to_owned();
    let rb: Value = t.register(&b, &sid, &[&b_id]).await.json();
    t.register(&a, &sid, &[&a_id]).await.assert(201);
    let address = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&a))
        .await
        .json();
    let path = feed_path(&address);
    let status = |body: &str, title: &str| {
        parse(body)
            .events
            .iter()
            .find(|e| value(&e.properties, "SUMMARY") == title)
            .map(|e| value(&e.properties, "STATUS"))
    };
    let first = t.get(&path, None).await;
    assert_eq!(
        status(&first.body, "Small workshop").as_deref(),
        Some("TENTATIVE")
    );
    assert_eq!(t.get(&path, None).await.body, first.body, "kept");

    let other = limburgers_worldwide::app::App::new((*t.app.config).clone())
        .await
        .unwrap();
    let other = poem::test::TestClient::new(limburgers_worldwide::app::routes(&other));
    let send = |method: &str, url: String, token: &str, body: Value| {
        let req = match method {
            "POST" => other.post(url),
            "PATCH" => other.patch(url),
            _ => other.delete(url),
        };
        req.header("authorization", format!("Bearer {token}"))
            .body_json(&body)
            .send()
    };

    // B cancels through the other instance: A moves up.
    send(
        "DELETE",
        format!(
            "/api/v1/events/{sid}/registrations/{}",
            rb["id"].as_str().unwrap()
        ),
        &b,
        json!({}),
    )
    .await
    .assert_status(poem::http::StatusCode::NO_CONTENT);
    let body = t.get(&path, None).await.body;
    assert_eq!(
        status(&body, "Small workshop").as_deref(),
        Some("CONFIRMED")
    );

    // A registers for another event there; then the event is renamed there.
    let open = t.event(&staff, json!({"title": "Open evening"})).await;
    let oid = open["id"].as_str().unwrap().to_owned();
    send(
        "POST",
        format!("/api/v1/events/{oid}/registrations"),
        &a,
        json!({"person_ids": [a_id]}),
    )
    .await
    .assert_status(poem::http::StatusCode::CREATED);
    let body = t.get(&path, None).await.body;
    assert_eq!(status(&body, "Open evening").as_deref(), Some("CONFIRMED"));
    send(
        "PATCH",
        format!("/api/v1/events/{oid}"),
        &staff,
        json!({"title": "Open evening at the castle"}),
    )
    .await
    .assert_status_is_ok();
    let body = t.get(&path, None).await.body;
    assert!(status(&body, "Open evening at the castle").is_some());

    // A joins B's household there: A's address now leads to that household's registrations;
    // then A leaves it there, for a household of A's own that has none.
    t.register(&b, &oid, &[&b_id]).await.assert(201);
    t.post(
        "/api/v1/me/household/partner",
        json!({"email": "a@example.org", "first_name": "A", "last_name": "Partner"}),
        Some(&b),
    )
    .await
    .assert(202);
    t.outbox_settled().await;
    let invitation = t.mails_to("a@example.org").pop().unwrap();
    send(
        "POST",
        "/api/v1/invitations/accept".into(),
        &a,
        json!({"token": invitation.token(), "consent": {"privacy_policy": true}}),
    )
    .await
    .assert_status_is_ok();
    let body = t.get(&path, None).await.body;
    assert_eq!(status(&body, "Small workshop"), None, "A's old household's");
    assert_eq!(
        status(&body, "Open evening at the castle").as_deref(),
        Some("CONFIRMED"),
        "B's"
    );
    send("POST", "/api/v1/me/household/leave".into(), &a, json!({}))
        .await
        .assert_status_is_ok();
    assert!(parse(&t.get(&path, None).await.body).events.is_empty());

    // A new address there: the old one is gone here at once; erasure likewise.
    let newer: Value = send("POST", "/api/v1/me/calendar-token".into(), &a, json!({}))
        .await
        .0
        .into_body()
        .into_json()
        .await
        .unwrap();
    t.get(&path, None).await.assert_problem(404);
    let new_path = feed_path(&newer);
    t.get(&new_path, None).await.assert(200);
    send("DELETE", "/api/v1/me".into(), &a, json!({}))
        .await
        .assert_status(poem::http::StatusCode::NO_CONTENT);
    t.get(&new_path, None).await.assert_problem(404);
}

/// The path of a calendar address as `POST /api/v1/me/calendar-token` gives it.
fn feed_path(address: &Value) -> String {
    let url = address["url"].as_str().unwrap();
    url.split_once("community.test").unwrap().1.to_owned()
}

/// Where the calendar clients live (`tests/clients`), installed when missing: `npm ci` for
/// ical.js, pip for Python's icalendar (both pinned there). Once per test process; a missing
/// Node or Python fails the test with what to install, never skips it.
fn calendar_clients() -> &'static std::path::Path {
    use std::path::PathBuf;
    use std::process::Command;
    static READY: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let ready = READY.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
        let run = |what: &str, cmd: &mut Command| -> Result<(), String> {
            match cmd.output() {
                Ok(out) if out.status.success() => Ok(()),
                Ok(out) => Err(format!(
                    "{what} failed ({}): {}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )),
                Err(e) => Err(format!("{what} could not start: {e}")),
            }
        };
        if !dir.join("node_modules/ical.js/package.json").exists() {
            run(
                "`npm ci --prefix tests/clients` (the calendar tests need Node.js 20 and npm)",
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&dir),
            )?;
        }
        let import = Command::new("python3")
            .args(["-c", "import icalendar"])
            .output();
        if !import.is_ok_and(|o| o.status.success()) {
            run(
                "`python3 -m pip install -r tests/clients/requirements.txt` (the calendar tests \
                 need Python 3 with pip)",
                Command::new("python3")
                    .args(["-m", "pip", "install", "--quiet", "-r"])
                    .arg(dir.join("requirements.txt")),
            )?;
        }
        Ok(dir)
    });
    match ready {
        Ok(dir) => dir,
        Err(e) => panic!("the calendar clients are not available: {e}"),
    }
}

/// Every event's (uid, start, end) in Unix seconds, per file, as one client reads the files.
fn read_with_client(
    program: &str,
    script: &std::path::Path,
    files: &[std::path::PathBuf],
) -> Vec<(String, String, i64, i64)> {
    let out = std::process::Command::new(program)
        .arg(script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{program} could not start: {e}"));
    assert!(
        out.status.success(),
        "{program} {} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            (
                v["file"].as_str().unwrap().to_owned(),
                v["uid"].as_str().unwrap().to_owned(),
                v["start"].as_i64().unwrap(),
                v["end"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The public feed, each event's `.ics` and a personal feed, read by ical.js and by Python's
/// icalendar with only the VTIMEZONE each file carries: every start and end is the instant the
/// API gives, for events around New Year east and west of UTC, in the hour the clocks repeat in
/// autumn and just after the hour they skip in spring.
#[tokio::test]
async fn calendar_clients_read_every_time_as_the_api_gives_it() {
    let clients = calendar_clients();
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (member, person) = t.quick_member("a@example.org").await;
    let cases = [
        (
            "Europe/Brussels",
            "2030-01-01T00:15:00",
            "2030-01-01T01:15:00",
        ),
        (
            "Australia/Sydney",
            "2030-01-01T09:00:00",
            "2030-01-01T11:00:00",
        ),
        (
            "America/New_York",
            "2030-12-31T23:30:00",
            "2031-01-01T00:30:00",
        ),
        // The hours the clocks repeat: 02:00-03:00 in Brussels, 01:00-02:00 in New York,
        // 02:00-03:00 in Sydney (in April).
        (
            "Europe/Brussels",
            "2030-10-27T02:30:00",
            "2030-10-27T03:30:00",
        ),
        (
            "Europe/Brussels",
            "2030-10-27T01:30:00",
            "2030-10-27T02:30:00",
        ),
        (
            "America/New_York",
            "2030-11-03T01:30:00",
            "2030-11-03T03:00:00",
        ),
        (
            "Australia/Sydney",
            "2030-04-07T02:30:00",
            "2030-04-07T04:00:00",
        ),
        // Just after the hours the clocks skip.
        (
            "Europe/Brussels",
            "2030-03-31T03:00:00",
            "2030-03-31T04:00:00",
        ),
        (
            "America/New_York",
            "2030-03-10T03:00:00",
            "2030-03-10T04:00:00",
        ),
        (
            "Australia/Sydney",
            "2030-10-06T03:00:00",
            "2030-10-06T04:00:00",
        ),
    ];
    let mut expected = std::collections::HashMap::new();
    for (i, (zone, starts, ends)) in cases.iter().enumerate() {
        let e = t
            .event(
                &staff,
                json!({"title": format!("Event {i} in {zone}"), "timezone": zone,
                       "starts_at": starts, "ends_at": ends}),
            )
            .await;
        let utc = |k: &str| {
            e[k].as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .timestamp()
        };
        let id = e["id"].as_str().unwrap().to_owned();
        t.register(&member, &id, &[&person]).await.assert(201);
        let what = format!("{zone} {starts} to {ends}");
        expected.insert(id, (what, utc("starts_at_utc"), utc("ends_at_utc")));
    }
    let address = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&member))
        .await
        .json();

    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut save = |name: String, body: String| {
        assert_well_formed(&body);
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        files.push(path);
    };
    let public = t.get("/calendar.ics", None).await;
    public.assert(200);
    save("public.ics".into(), public.body);
    let personal = t.get(&feed_path(&address), None).await;
    personal.assert(200);
    save("personal.ics".into(), personal.body);
    for id in expected.keys() {
        let r = t
            .get(&format!("/api/v1/events/{id}/calendar.ics"), None)
            .await;
        r.assert(200);
        save(format!("{id}.ics"), r.body);
    }

    let iso = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap().to_rfc3339();
    let mut wrong = Vec::new();
    for (program, script) in [("node", "read.mjs"), ("python3", "read.py")] {
        let read = read_with_client(program, &clients.join(script), &files);
        for file in &files {
            let seen = read.iter().filter(|(f, ..)| *f == file.to_str().unwrap());
            let count = seen.clone().count();
            let name = file.file_name().unwrap().to_string_lossy();
            let want = if name.len() > 20 { 1 } else { expected.len() };
            assert_eq!(count, want, "{program} read {count} events in {name}");
            for (_, uid, start, end) in seen {
                let id = uid.split('@').next().unwrap();
                let (what, s, e) = &expected[id];
                if (start, end) != (s, e) {
                    wrong.push(format!(
                        "{program}, {name}, {what}: read {} to {}, the API says {} to {}",
                        iso(*start),
                        iso(*end),
                        iso(*s),
                        iso(*e)
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
