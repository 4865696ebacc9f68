//! The edges of the service as a security review saw them: event times in a sane window, no
//! injection into iCalendar feeds, sanitized newsletter Markdown, security headers on pages.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use limburgers_worldwide::values::Role;

fn fields(p: &Value) -> Vec<String> {
    let mut f: Vec<String> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    f.sort();
    f
}

/// Event times outside 2000–2099 (year 0, 1, 9999…) are refused with 422 naming each field, on
/// creation, change and series; nothing is stored. The ends of the window are accepted.
#[tokio::test]
async fn event_times_lie_between_2000_and_2099() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let event =
        |starts: &str, ends: &str| json!({"title": "T", "starts_at": starts, "ends_at": ends});
    for (body, bad) in [
        (
            event("0000-01-01T10:00", "0000-01-01T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("0001-01-01T10:00", "0001-01-01T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("9999-12-31T10:00", "9999-12-31T11:00"),
            vec!["ends_at", "starts_at"],
        ),
        (
            event("1999-12-31T23:00", "2000-01-01T01:00"),
            vec!["starts_at"],
        ),
        (
            event("2099-12-31T23:00", "2100-01-01T01:00"),
            vec!["ends_at"],
        ),
        (
            json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00",
                   "registration_opens_at": "1970-01-01T00:00"}),
            vec!["registration_opens_at"],
        ),
    ] {
        let p = t
            .post("/api/v1/events", body.clone(), Some(&staff))
            .await
            .assert_problem(422);
        assert_eq!(fields(&p), bad, "{body}");
    }
    let series = |starts: &str, ends: &str, repeat: Value| json!({"event": event(starts, ends), "repeat": repeat});
    for (body, bad) in [
        (
            series(
                "2031-01-01T10:00",
                "2031-01-01T11:00",
                json!({"frequency": "weekly", "until": "9999-01-01"}),
            ),
            "repeat.until",
        ),
        (
            series(
                "2099-12-01T10:00",
                "2099-12-01T11:00",
                json!({"frequency": "weekly", "count": 10}),
            ),
            "starts_at",
        ),
        (
            series(
                "0001-01-01T10:00",
                "0001-01-01T11:00",
                json!({"frequency": "weekly", "count": 2}),
            ),
            "starts_at",
        ),
    ] {
        let p = t
            .post("/api/v1/events/series", body.clone(), Some(&staff))
            .await
            .assert_problem(422);
        assert!(fields(&p).contains(&bad.to_owned()), "{body}: {p}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 0);

    let first = t
        .post(
            "/api/v1/events",
            event("2000-01-01T00:00", "2000-01-01T02:00"),
            Some(&staff),
        )
        .await;
    first.assert(201);
    let last = t
        .post(
            "/api/v1/events",
            event("2099-12-31T20:00", "2099-12-31T23:59"),
            Some(&staff),
        )
        .await;
    last.assert(201);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let p = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"starts_at": "9999-01-01T10:00", "ends_at": "9999-01-01T11:00"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(fields(&p), ["ends_at", "starts_at"]);
    let p = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"registration_closes_at": "1999-12-31T10:00"}),
            Some(&staff),
        )
        .await
        .assert_problem(422);
    assert_eq!(fields(&p), ["registration_closes_at"]);
    let stored = t
        .get(&format!("/api/v1/events/{id}"), Some(&staff))
        .await
        .json();
    assert_eq!(stored["starts_at"], "2000-01-01T00:00:00");
    assert_eq!(stored["revision"], 1, "a refused change stores nothing");
}

/// Line-level well-formedness of an iCalendar text (RFC 5545 §3.1): every line ends in CRLF,
/// no CR or LF stands alone, every BEGIN has its END; and an independent parser reads it whole.
#[track_caller]
fn assert_well_formed(ics: &str, events: usize, what: &str) {
    assert!(ics.ends_with("\r\n"), "{what}: not CRLF-terminated");
    let b = ics.as_bytes();
    for (i, c) in b.iter().enumerate() {
        match c {
            b'\r' => assert_eq!(b.get(i + 1), Some(&b'\n'), "{what}: bare CR at {i}: {ics}"),
            b'\n' => assert!(i > 0 && b[i - 1] == b'\r', "{what}: bare LF at {i}: {ics}"),
            c => assert!(*c >= 0x20 || *c == b'\t', "{what}: control byte {c} at {i}"),
        }
    }
    for kind in ["VCALENDAR", "VEVENT", "VTIMEZONE"] {
        let begins = ics
            .lines()
            .filter(|l| *l == format!("BEGIN:{kind}"))
            .count();
        let ends = ics.lines().filter(|l| *l == format!("END:{kind}")).count();
        assert_eq!(begins, ends, "{what}: {kind} BEGIN/END");
    }
    assert_eq!(
        ics.matches("\r\nBEGIN:VEVENT\r\n").count(),
        events,
        "{what}: {ics}"
    );
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let cal = parser
        .next()
        .expect("a calendar")
        .expect("a valid calendar");
    assert_eq!(cal.events.len(), events, "{what}");
}

/// CR/LF (and other whitespace) in an online meeting URL is refused on creation and change,
/// where the url crate would have dropped it from what it checked while the raw text was stored
/// and written into the feeds.
#[tokio::test]
async fn an_online_url_with_line_breaks_or_spaces_is_refused() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t.event(&staff, json!({})).await;
    let id = e["id"].as_str().unwrap();
    for bad in [
        "https://meet.example.org/x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Free beer",
        "https://meet.example.org/x\nX-INJECTED:1",
        "https://meet.example.org/x\rY",
        "https://meet.example.org/\tx",
        "https://meet.example.org/a b",
    ] {
        let p = t
            .post(
                "/api/v1/events",
                json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00",
                       "online_url": bad}),
                Some(&staff),
            )
            .await
            .assert_problem(422);
        assert_eq!(fields(&p), ["online_url"], "{bad:?}");
        let p = t
            .patch(
                &format!("/api/v1/events/{id}"),
                json!({"online_url": bad}),
                Some(&staff),
            )
            .await
            .assert_problem(422);
        assert_eq!(fields(&p), ["online_url"], "{bad:?}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM events").await, 1);
    let ok = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"online_url": " https://meet.example.org/room 1 "}),
            Some(&staff),
        )
        .await;
    ok.assert(422);
    let ok = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"online_url": " https://Meet.example.org/räume?x=1 "}),
            Some(&staff),
        )
        .await;
    ok.assert(200);
    assert_eq!(
        ok.json()["online_url"],
        "https://meet.example.org/r%C3%A4ume?x=1"
    );
}

/// Descriptions (and other multi-line text) keep their line breaks as LF: CRLF and a bare CR,
/// as some browsers and Windows tools send them, are stored as LF.
#[tokio::test]
async fn line_breaks_in_descriptions_are_stored_as_lf() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t
        .event(
            &staff,
            json!({"summary": "one\rtwo", "description": "a\r\nb\rc\n\rd"}),
        )
        .await;
    assert_eq!(e["summary"], "one\ntwo");
    assert_eq!(e["description"], "a\nb\nc\n\nd");
    let id = e["id"].as_str().unwrap();
    let patched = t
        .patch(
            &format!("/api/v1/events/{id}"),
            json!({"description": "x\r\ny"}),
            Some(&staff),
        )
        .await;
    patched.assert(200);
    assert_eq!(patched.json()["description"], "x\ny");
    let (stored,): (String,) = sqlx::query_as("SELECT description FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(stored, "x\ny");
}

/// Whatever the stored text holds (a row written before these checks, or by hand): CR, LF,
/// CRLF and other control characters in every text column, a broken time zone, the public feed,
/// the event's own feed and a personal feed stay well-formed, with one VEVENT per event.
#[tokio::test]
async fn feeds_stay_well_formed_whatever_is_stored() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let me = t.me(&ana).await;
    let person = me["id"].as_str().unwrap().to_owned();
    t.event(&staff, json!({"title": "Plain"})).await;
    let e = t.event(&staff, json!({"title": "Hostile"})).await;
    let id = e["id"].as_str().unwrap().to_owned();
    t.register(&ana, &id, &[&person]).await.assert(201);
    let address = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&ana))
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let personal = &address[address.find("/calendar/").unwrap()..];

    let evil = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\ry\nz\u{7}\u{0}\u{85};,\\";
    sqlx::query(
        "UPDATE events SET title = $1, summary = $1, description = $1, venue = $1, address = $1, \
         online_url = $2, organiser = $1, tags = $3, timezone = $5 WHERE id = $4",
    )
    .bind(evil.replace('\u{0}', ""))
    .bind(
        "https://meet.example.org/x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nURL:https://evil.example\r\n",
    )
    .bind(serde_json::to_string(&[evil.replace('\u{0}', ""), "a,b;c".into()]).unwrap())
    .bind(&id)
    .bind("Europe/Brussels\r\nX-INJECTED:1")
    .execute(&t.app.db.read)
    .await
    .unwrap();

    let public = t.get("/calendar.ics", None).await;
    public.assert(200);
    assert_well_formed(&public.body, 2, "public feed");
    assert!(
        !public.body.contains("\r\nSUMMARY:Injected"),
        "{}",
        public.body
    );
    let single = t
        .get(&format!("/api/v1/events/{id}/calendar.ics"), None)
        .await;
    single.assert(200);
    assert_well_formed(&single.body, 1, "the event's feed");
    let mine = t.get(personal, None).await;
    mine.assert(200);
    assert_well_formed(&mine.body, 1, "personal feed");
}

const HOSTILE_MARKDOWN: &str = "Hello **all**, see [the programme](https://example.org/p) or \
    [write us](mailto:info@example.org).\n\n\
    [win](javascript:alert(1)) [file](data:text/html;base64,PHNjcmlwdD4=) [old](vbscript:msgbox)\n\n\
    ![pixel](https://tracker.example/open.gif)\n\n\
    <script>alert(2)</script>\n\n<img src=https://tracker.example/x.gif onerror=alert(3)>";

#[track_caller]
fn assert_safe_newsletter_html(html: &str) {
    assert!(html.contains("<a href=\"https://example.org/p\""), "{html}");
    assert!(
        html.contains("<a href=\"mailto:info@example.org\""),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{html}"
    );
    for word in ["win", "file", "old", "pixel"] {
        assert!(html.contains(word), "the text of {word} stays: {html}");
    }
    let lower = html.to_lowercase();
    for gone in [
        "javascript:alert(1)",
        "data:text/html",
        "vbscript:",
        "tracker.example/open.gif",
        "<script",
        "<img src=https://tracker",
    ] {
        assert!(!lower.contains(gone), "{gone} in {html}");
    }
}

/// Staff-written newsletter Markdown: http(s) and mailto links stay, javascript:/data:/vbscript:
/// links become their text, images are not shown, raw HTML is escaped; in the preview and in a
/// delivered mail alike.
#[tokio::test]
async fn newsletter_markdown_keeps_only_safe_links_and_no_images_or_html() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let reader = t.member("reader@example.org", "Reader", "One").await;
    let reader_id = t.me(&reader).await["id"].clone();
    let n = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "News"}, "body": {"en": HOSTILE_MARKDOWN}, "segment": "community"}),
            Some(&staff),
        )
        .await;
    n.assert(201);
    let id = n.json()["id"].as_str().unwrap().to_owned();
    let preview = t
        .post(
            &format!("/api/v1/newsletters/{id}/preview"),
            json!({"account_id": reader_id}),
            Some(&staff),
        )
        .await;
    preview.assert(200);
    assert_safe_newsletter_html(preview.json()["html"].as_str().unwrap());

    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    let delivered = loop {
        let m = t.next_mail_to("reader@example.org").await;
        if m.subject == "News" {
            break m;
        }
    };
    assert_safe_newsletter_html(&delivered.html);
}

/// The inline scripts and styles of a page (without `src`) as (tag, text), in document order;
/// an element's text is not searched for others.
fn inline(html: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    loop {
        let next = ["<script", "<style"]
            .into_iter()
            .filter_map(|open| rest.find(open).map(|at| (at, open)))
            .min();
        let Some((at, open)) = next else { break };
        let tag = &open[1..];
        let element = &rest[at..];
        let gt = element.find('>').unwrap();
        let body = &element[gt + 1..];
        let end = body.find(&format!("</{tag}>")).unwrap();
        if !element[..gt].contains("src=") {
            out.push((
                if tag == "script" { "script" } else { "style" },
                body[..end].to_owned(),
            ));
        }
        rest = &body[end..];
    }
    out
}

fn sha256_source(text: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[track_caller]
fn assert_common_headers(r: &crate::helpers::Resp, what: &str) {
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.starts_with("default-src 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
}

/// Every HTML page sends a Content-Security-Policy, no framing, nosniff and no referrer: the
/// site's pages (the pages links in mail open and the unsubscribe page among them) have no inline
/// code and allow none; Swagger UI allows its own inline scripts and styles by hash and nothing
/// inline beyond them; every other answer, errors included, the headers too with a policy that
/// allows nothing.
#[tokio::test]
async fn every_page_sends_security_headers_and_allows_only_its_own_inline_code() {
    let t = TestApp::spawn().await;
    t.member("reader@example.org", "Reader", "One").await;
    let (key,): (String,) = sqlx::query_as("SELECT unsubscribe_key FROM subscriptions")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    let unsubscribe = format!("/unsubscribe/{key}");
    // The site's pages have no inline code at all, and a policy that allows none.
    for path in [
        "/",
        "/verify?token=abc",
        "/sign-in",
        "/sign-in?token=abc",
        "/invitation?token=abc",
        "/newsletter/confirm?token=abc",
        "/change-email?token=abc",
        "/privacy-policy",
        unsubscribe.as_str(),
    ] {
        let r = t.raw("GET", path, "text/html", vec![], None).await;
        r.assert(200);
        assert_common_headers(&r, path);
        assert!(inline(&r.body).is_empty(), "{path} has inline code");
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert!(
            !csp.contains("script-src"),
            "{path}: no script at all: {csp}"
        );
    }
    // A mail app's one-click unsubscribe gets the site's page too.
    let r = t
        .raw("POST", &unsubscribe, "text/plain", vec![], None)
        .await;
    r.assert(200);
    assert_common_headers(&r, "POST unsubscribe");
    assert!(
        inline(&r.body).is_empty(),
        "the unsubscribe page has inline code"
    );
    assert!(
        r.header("content-security-policy")
            .is_some_and(|csp| csp.starts_with("default-src 'none'") && !csp.contains("script-src")),
        "POST unsubscribe: {:?}",
        r.header("content-security-policy")
    );
    for (method, path) in [("GET", "/docs"), ("GET", "/docs/")] {
        let what = format!("{method} {path}");
        let r = t.raw(method, path, "text/plain", vec![], None).await;
        r.assert(200);
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{what}"
        );
        assert_common_headers(&r, &what);
        let csp = r.header("content-security-policy").unwrap();
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{what}: no {name} in {csp}"))
                .to_owned()
        };
        for (tag, name) in [("script", "script-src"), ("style", "style-src")] {
            let allowed = directive(name);
            let found: Vec<String> = inline(&r.body)
                .into_iter()
                .filter(|(t, _)| *t == tag)
                .map(|(_, text)| text)
                .collect();
            for code in &found {
                assert!(
                    allowed.contains(&sha256_source(code)),
                    "{what}: an inline {tag} is not allowed by {allowed}"
                );
            }
            let sources = allowed.split(' ').skip(1).count();
            if found.is_empty() {
                assert_eq!(allowed, format!("{name} 'none'"), "{what}");
            } else {
                assert_eq!(
                    sources,
                    found.len(),
                    "{what}: {allowed} allows more than its code"
                );
            }
        }
    }

    for (method, path, status) in [
        ("GET", "/health", 200),
        ("GET", "/api/v1/events", 200),
        ("GET", "/calendar.ics", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/nowhere", 404),
        ("DELETE", "/api/v1/events", 405),
        ("GET", "/api/v1/me", 401),
        ("GET", "/unsubscribe/unknown", 404),
        ("GET", "/api/v1/events?tag=%00", 422),
    ] {
        let r = t.raw(method, path, "text/plain", vec![], None).await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        assert_common_headers(&r, &format!("{method} {path}"));
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
            "{method} {path}"
        );
    }
}
