//! At the door (`/staff/events/{id}/door`) and the QR code: staff find a household by a name,
//! check it in with one tap, take back a mistake; the confirmation mail carries a QR code of a
//! signed link that opens the same registration at the door; members see it on their
//! registrations. Every page and action admits staff and admins only.

use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;
use crate::staff_pages::{Access, Callers, Row, check};

/// An event starting within the hour (check-in is open), with Ana and her partner Raj
/// registered together, and Bob alone. Answers (event id, Ana's registration id, Raj's id).
pub struct Door {
    pub event: String,
    pub ana_reg: String,
    pub raj: String,
}

pub async fn door_event(t: &TestApp, staff: &str, ana: &str, raj_session: &str) -> Door {
    // Local time in the event's zone (Brussels) is at most two hours ahead of the machine's:
    // the event starts within hours, so check-in is open and registration too.
    let start = chrono::Local::now() + chrono::Duration::hours(3);
    let end = start + chrono::Duration::hours(3);
    let fmt = "%Y-%m-%dT%H:%M:00";
    let e = t
        .event(
            staff,
            json!({"title": "Pub quiz",
                "starts_at": start.format(fmt).to_string(), "ends_at": end.format(fmt).to_string()}),
        )
        .await;
    let event = e["id"].as_str().unwrap().to_owned();
    let me = t.me(ana).await;
    let raj = t.me(raj_session).await["id"].as_str().unwrap().to_owned();
    let r = t
        .register(ana, &event, &[me["id"].as_str().unwrap(), &raj])
        .await;
    r.assert(201);
    let ana_reg = r.json()["id"].as_str().unwrap().to_owned();
    let bob = t.member("bob@example.org", "Bob", "Jacobs").await;
    let bob_id = t.me(&bob).await["id"].as_str().unwrap().to_owned();
    t.register(&bob, &event, &[&bob_id]).await.assert(201);
    Door {
        event,
        ana_reg,
        raj,
    }
}

pub fn routes(d: &Door, signed: &str) -> Vec<Row> {
    let e = &d.event;
    let fake = "00000000-0000-4000-8000-000000000000";
    vec![
        (
            "GET",
            format!("/staff/events/{e}/door"),
            Access::Staff,
            false,
        ),
        (
            "GET",
            format!("/staff/events/{e}/door?q=ana"),
            Access::Staff,
            false,
        ),
        (
            "GET",
            format!("/staff/events/{fake}/door"),
            Access::Staff,
            false,
        ),
        (
            "POST",
            format!("/staff/events/{e}/door/check-in"),
            Access::Staff,
            false,
        ),
        (
            "POST",
            format!("/staff/events/{e}/door/undo"),
            Access::Staff,
            false,
        ),
        (
            "POST",
            format!("/staff/events/{e}/door/close"),
            Access::Staff,
            false,
        ),
        (
            "POST",
            format!("/staff/events/{e}/door/reopen"),
            Access::Staff,
            false,
        ),
        ("GET", signed.to_owned(), Access::Staff, false),
        (
            "GET",
            format!("/staff/door/r/{}?sig=AAAAAAAAAAAAAAAAAAAAAA", d.ana_reg),
            Access::Staff,
            false,
        ),
    ]
}

/// The door link in a mail's QR code: the PNG related to the HTML part, decoded.
pub fn qr_link_in_mail(raw: &str) -> String {
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    let part = msg
        .parts
        .iter()
        .find(|p| {
            use mail_parser::MimeHeaders;
            p.content_id() == Some("door-qr@limburgers")
        })
        .expect("an inline image with the door QR code");
    {
        use mail_parser::MimeHeaders;
        let ct = part.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("image", Some("png")));
    }
    decode_png(part.contents())
}

/// Reads the greyscale PNG the server writes (one IDAT, filter 0) and decodes its QR code.
fn decode_png(png: &[u8]) -> String {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (mut pos, mut width, mut height, mut data) = (8, 0usize, 0usize, Vec::new());
    while pos < png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &png[pos + 4..pos + 8];
        let body = &png[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!(&body[8..10], &[8, 0], "8-bit greyscale");
            }
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    use std::io::Read;
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width + 1;
    decode(width, height, |x, y| raw[y * stride + 1 + x])
}

/// Decodes the QR code of an SVG the server writes (one path; each row's dark runs as strokes
/// `M{x} {y}.5h{n}m{gap} 0h{n}…`), rasterised at one pixel a module, scaled ×4.
pub fn decode_svg(svg: &str) -> String {
    let side: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; side * side];
    let (mut x, mut y) = (0usize, 0usize);
    let mut chars = d.chars().peekable();
    let number = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        let mut s = String::new();
        while let Some(c) = chars.peek().copied() {
            if c.is_ascii_digit() || c == '.' {
                s.push(c);
                chars.next();
            } else {
                break;
            }
        }
        s.parse::<f64>().unwrap()
    };
    while let Some(c) = chars.next() {
        match c {
            'M' => {
                x = number(&mut chars) as usize;
                chars.next(); // space
                y = number(&mut chars).floor() as usize;
            }
            'm' => {
                x += number(&mut chars) as usize;
                chars.next();
                number(&mut chars);
            }
            'h' => {
                let n = number(&mut chars) as usize;
                for i in x..x + n {
                    dark[y * side + i] = true;
                }
                x += n;
            }
            _ => panic!("unexpected {c} in {d}"),
        }
    }
    let scale = 4;
    decode(side * scale, side * scale, |px, py| {
        if dark[(py / scale) * side + px / scale] {
            0
        } else {
            255
        }
    })
}

fn decode(w: usize, h: usize, pixel: impl Fn(usize, usize) -> u8) -> String {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, pixel);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn every_door_page_and_action_admits_exactly_staff_and_admins() {
    let t = TestApp::spawn().await;
    let c = Callers::new(&t).await;
    let door = door_event(&t, &c.staff, &c.member, &c.partner).await;
    let mail = t
        .mails_with("ana@example.org", "Pub quiz")
        .await
        .into_iter()
        .next()
        .unwrap();
    let link = qr_link_in_mail(&mail.raw);
    let signed = link
        .split_once("/staff/")
        .map(|(_, p)| format!("/staff/{p}"))
        .unwrap();
    check(&t, &c, &routes(&door, &signed)).await;
}

#[tokio::test]
async fn staff_find_a_household_check_it_in_with_one_tap_and_undo_one_person() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let d = door_event(&t, &staff, &ana, &raj).await;
    let door = format!("/staff/events/{}/door", d.event);

    let r = t.page(&door, Some(&staff)).await;
    r.assert(200);
    assert!(r.body.contains("0 of 3 arrived"), "{}", r.body);
    assert!(r.body.contains("Bob Jacobs"));
    // Part of a name, any case and accent: only Ana's household.
    let r = t.page(&format!("{door}?q=SIL"), Some(&staff)).await;
    r.assert(200);
    assert!(
        r.body.contains("Ana Silva") && r.body.contains("Raj"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Bob Jacobs"));
    assert!(r.body.contains("Check in all 2"));

    // One tap for the household; back to the same search, at the household.
    let r = t
        .form(
            &format!("{door}/check-in"),
            Some(&staff),
            &[
                ("registration", &d.ana_reg),
                ("q", "SIL"),
                ("at", &d.ana_reg),
            ],
        )
        .await;
    r.assert(303);
    assert_eq!(
        r.header("location"),
        Some(format!("{door}?q=SIL#r-{}", d.ana_reg).as_str())
    );
    let r = t.page(&format!("{door}?q=SIL"), Some(&staff)).await;
    assert!(r.body.contains("2 of 3 arrived"), "{}", r.body);
    assert!(r.body.contains("Undo (Raj"), "{}", r.body);

    // Raj was checked in by mistake: undone, and the API sees it too.
    t.form(
        &format!("{door}/undo"),
        Some(&staff),
        &[("person", &d.raj), ("q", "SIL")],
    )
    .await
    .assert(303);
    let r = t.page(&format!("{door}?q=SIL&lang=nl"), Some(&staff)).await;
    assert!(r.body.contains("1 van 3 aangekomen"), "{}", r.body);
    assert!(r.body.contains("Raj Partner inchecken"), "{}", r.body);
    let api = t
        .get(
            &format!("/api/v1/events/{}/registrations?q=raj", d.event),
            Some(&staff),
        )
        .await
        .json();
    let people = api[0]["people"].as_array().unwrap();
    let raj_out = people
        .iter()
        .find(|p| p["person_id"] == d.raj.as_str())
        .unwrap();
    assert!(raj_out.get("checked_in_at").is_none(), "{api}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'registration.check_in_undone'")
            .await,
        1
    );

    // One person at a time works as well.
    t.form(
        &format!("{door}/check-in"),
        Some(&staff),
        &[("person", &d.raj)],
    )
    .await
    .assert(303);
    let r = t.page(&door, Some(&staff)).await;
    assert!(r.body.contains("2 of 3 arrived"), "{}", r.body);

    // A mistyped page number is page 1.
    t.page(&format!("{door}?page=x"), Some(&staff))
        .await
        .assert(200);
    // A search with no name in it: the form comes back with the error beside the field.
    let r = t
        .page(&format!("{door}?q=%21%21&lang=fr"), Some(&staff))
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"q-error\""), "{}", r.body);
    assert!(r.body.contains("Tapez le début"), "{}", r.body);
    assert!(r.body.contains("value=\"!!\""), "{}", r.body);
    // A form from elsewhere (no token) changes nothing.
    let r = t
        .client
        .post(format!("{door}/check-in"))
        .header("cookie", format!("session={staff}"))
        .content_type("application/x-www-form-urlencoded")
        .body(format!("registration={}", d.ana_reg))
        .send()
        .await;
    r.assert_status(poem::http::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn check_in_waits_for_the_day_before_unless_staff_choose_and_no_shows_are_marked_after() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let e = t.event(&staff, json!({"title": "Later"})).await;
    let event = e["id"].as_str().unwrap();
    let me = t.me(&ana).await;
    let reg = t
        .register(&ana, event, &[me["id"].as_str().unwrap()])
        .await
        .json();
    let reg = reg["id"].as_str().unwrap();
    let door = format!("/staff/events/{event}/door");
    let r = t.page(&door, Some(&staff)).await;
    assert!(r.body.contains("Check-in opens"), "{}", r.body);
    assert!(!r.body.contains("Check in Ana"), "{}", r.body);
    // Refused on the server too, unless staff chose to.
    t.form(
        &format!("{door}/check-in"),
        Some(&staff),
        &[("registration", reg)],
    )
    .await
    .assert(409);
    let r = t.page(&format!("{door}?early=1"), Some(&staff)).await;
    assert!(r.body.contains("Check in Ana"), "{}", r.body);
    t.form(
        &format!("{door}/check-in"),
        Some(&staff),
        &[("person", me["id"].as_str().unwrap()), ("early", "1")],
    )
    .await
    .assert(303);
    // Not before the event has ended: people may still come.
    t.form(&format!("{door}/close"), Some(&staff), &[])
        .await
        .assert(409);
    // After the event: the rest are no-shows; staff mark them and close the attendance.
    let bob = t.member("bob@example.org", "Bob", "Jacobs").await;
    let bob_id = t.me(&bob).await["id"].as_str().unwrap().to_owned();
    t.register(&bob, event, &[&bob_id]).await.assert(201);
    sqlx::query("UPDATE events SET starts_at = 1000, ends_at = 2000 WHERE id = $1")
        .bind(event)
        .execute(t.app.db.writer())
        .await
        .unwrap();
    let r = t.page(&format!("{door}?lang=de"), Some(&staff)).await;
    assert!(r.body.contains("1 von 2 angekommen"), "{}", r.body);
    assert!(r.body.contains("1 nicht erschienen"), "{}", r.body);
    assert!(
        r.body.contains(r#"action="/staff/events/"#) && r.body.contains("/door/close"),
        "{}",
        r.body
    );
    let r = t.page(&door, Some(&staff)).await;
    assert!(
        r.body
            .contains("Mark the 1 person not checked in as a no-show and close"),
        "{}",
        r.body
    );
    t.form(&format!("{door}/close"), Some(&staff), &[])
        .await
        .assert(303);
    let r = t.page(&door, Some(&staff)).await;
    assert!(r.body.contains("Attendance closed on"), "{}", r.body);
    assert!(
        r.body.contains(r#"<span class="tag">no-show</span>"#),
        "Bob is marked: {}",
        r.body
    );
    assert!(!r.body.contains("Check in Bob"), "{}", r.body);
    assert!(!r.body.contains("Undo (Ana"), "{}", r.body);
    // Frozen: a late tap changes nothing, through the page or the API.
    t.form(
        &format!("{door}/check-in"),
        Some(&staff),
        &[("person", &bob_id)],
    )
    .await
    .assert(409);
    t.form(
        &format!("{door}/undo"),
        Some(&staff),
        &[("person", me["id"].as_str().unwrap())],
    )
    .await
    .assert(409);
    t.post(
        &format!("/api/v1/events/{event}/check-ins"),
        json!({"person_ids": [bob_id]}),
        Some(&staff),
    )
    .await
    .assert(409);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registration_people WHERE checked_in_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'event.attendance_closed'")
            .await,
        1
    );
    // Closing twice changes nothing; reopening lets a forgotten check-in in.
    t.form(&format!("{door}/close"), Some(&staff), &[])
        .await
        .assert(303);
    t.form(&format!("{door}/reopen"), Some(&staff), &[])
        .await
        .assert(303);
    t.form(
        &format!("{door}/check-in"),
        Some(&staff),
        &[("person", &bob_id)],
    )
    .await
    .assert(303);
    let r = t.page(&door, Some(&staff)).await;
    assert!(r.body.contains("2 of 2 arrived"), "{}", r.body);
    // The API is the same rule: close, frozen, reopen.
    let closed = t
        .post(
            &format!("/api/v1/events/{event}/attendance/close"),
            json!(null),
            Some(&staff),
        )
        .await;
    closed.assert(200);
    assert_eq!(
        closed.json(),
        json!({"closed": true, "expected": 2, "arrived": 2, "no_shows": 0})
    );
    t.post(
        &format!("/api/v1/events/{event}/check-ins"),
        json!({"person_ids": [bob_id]}),
        Some(&staff),
    )
    .await
    .assert(409);
    let opened = t
        .post(
            &format!("/api/v1/events/{event}/attendance/reopen"),
            json!(null),
            Some(&staff),
        )
        .await;
    opened.assert(200);
    assert_eq!(opened.json()["closed"], false);
    assert!(
        r.body.contains("Close the attendance (nobody missing)"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_qr_code_of_the_confirmation_mail_opens_the_registration_at_the_door() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let d = door_event(&t, &staff, &ana, &raj).await;
    let mail = t
        .mails_with("ana@example.org", "Pub quiz")
        .await
        .into_iter()
        .next()
        .unwrap();
    assert!(
        mail.html.contains("src=\"cid:door-qr@limburgers\""),
        "{}",
        mail.html
    );
    let link = qr_link_in_mail(&mail.raw);
    let base = t.app.config.base_url.as_str().trim_end_matches('/');
    let prefix = format!("{base}/staff/door/r/{}?sig=", d.ana_reg);
    assert!(link.starts_with(&prefix), "{link}");
    let path = &link[base.len()..];
    let r = t.page(path, Some(&staff)).await;
    r.assert(303);
    let to = r.header("location").unwrap().to_owned();
    assert_eq!(
        to,
        format!(
            "/staff/events/{}/door?only={}#r-{}",
            d.event, d.ana_reg, d.ana_reg
        )
    );
    let r = t.page(to.split('#').next().unwrap(), Some(&staff)).await;
    r.assert(200);
    assert!(r.body.contains("Ana Silva") && r.body.contains("Check in all 2"));
    assert!(!r.body.contains("Bob Jacobs"), "{}", r.body);
    // A signature for another registration, or changed, is not found.
    let sig = &link[prefix.len()..];
    let mut other = sig.chars().collect::<Vec<_>>();
    other[0] = if other[0] == 'A' { 'B' } else { 'A' };
    let tampered = format!(
        "/staff/door/r/{}?sig={}",
        d.ana_reg,
        other.iter().collect::<String>()
    );
    t.page(&tampered, Some(&staff)).await.assert(404);
    let bobs: String = t
        .get(
            &format!("/api/v1/events/{}/registrations?q=bob", d.event),
            Some(&staff),
        )
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.page(&format!("/staff/door/r/{bobs}?sig={sig}"), Some(&staff))
        .await
        .assert(404);
    // The key that signs is not in the database and not in the mail's text.
    assert!(!mail.text.contains(sig));

    // The member's own registrations show the same link as a QR code.
    let r = t.page("/registrations", Some(&ana)).await;
    r.assert(200);
    let svg_start = r.body.find("<svg").expect("a QR code");
    let svg = &r.body[svg_start..r.body[svg_start..].find("</svg>").unwrap() + svg_start];
    assert!(svg.contains("aria-label=\"QR code of your registration for Pub quiz\""));
    assert_eq!(decode_svg(svg), link);
}
