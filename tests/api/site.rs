//! The website's first pages: home, events, an event; languages; errors as pages.

use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::TestApp;

fn assert_page(r: &crate::helpers::Resp, status: u16, lang: &str) {
    r.assert(status);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        r.body.contains(&format!("<html lang=\"{lang}\">")),
        "{}",
        r.body
    );
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("style-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    // Nothing is loaded from elsewhere, and no script at all.
    assert!(!r.body.contains("<script"), "{}", r.body);
    for attr in [
        "src=\"http",
        "href=\"//",
        "<link rel=\"stylesheet\" href=\"http",
    ] {
        assert!(!r.body.contains(attr), "{attr} in {}", r.body);
    }
}

#[tokio::test]
async fn home_and_events_speak_the_visitor_language_and_show_what_is_coming() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let e = t
        .event(
            &staff,
            json!({"title": "Zomerbarbecue", "starts_at": "2030-06-15T19:30", "ends_at": "2030-06-15T23:00",
                   "venue": "Kolonel Dusartplein", "capacity": 2, "organiser": "Maastricht", "audience": "families",
                   "description": "Bring something for the grill.\n\nChildren play in the park <b>meanwhile</b>."}),
        )
        .await;
    let id = e["id"].as_str().unwrap();

    let home = t
        .get_with("/", None, ("accept-language", "nl-BE,nl;q=0.9,en;q=0.5"))
        .await;
    assert_page(&home, 200, "nl");
    assert!(
        home.body.contains("Welkom bij Limburgers Worldwide"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Zomerbarbecue"));
    assert!(
        home.body.contains("za 15 juni 2030, 19:30–23:00"),
        "{}",
        home.body
    );
    assert!(home.body.contains("Activiteit van een Euregionale partner"));

    let page = t
        .get_with(&format!("/events/{id}"), None, ("accept-language", "de"))
        .await;
    assert_page(&page, 200, "de");
    assert!(
        page.body.contains("Sa., 15. Juni 2030, 19:30–23:00"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Noch 2 Plätze frei"), "{}", page.body);
    assert!(page.body.contains("Niemand steht auf der Warteliste"));
    // The description in paragraphs, escaped.
    assert!(
        page.body
            .contains("<p>Bring something for the grill.</p><p>Children play in the park &lt;b&gt;meanwhile&lt;/b&gt;.</p>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("/api/v1/events/{id}/calendar.ics"))
    );
    assert!(page.body.contains("webcal://"));
    // Calendars link an event to its page.
    let ics = t
        .get(&format!("/api/v1/events/{id}/calendar.ics"), None)
        .await;
    let unfolded = ics.body.replace("\r\n ", "");
    let url_line = unfolded.lines().find(|l| l.starts_with("URL:")).unwrap();
    assert!(url_line.ends_with(&format!("/events/{id}")), "{url_line}");
    assert!(!url_line.contains("/api/"), "{url_line}");

    // Filters: by organiser and month; a value no form offers is refused as a page.
    let list = t
        .get("/events?organiser=Maastricht&month=2030-06", None)
        .await;
    assert_page(&list, 200, "en");
    assert!(list.body.contains("Zomerbarbecue"));
    let other = t.get("/events?organiser=Aachen", None).await;
    assert!(!other.body.contains("Zomerbarbecue"));
    let bad = t
        .get_with("/events?audience=martians", None, ("accept", "text/html"))
        .await;
    assert_page(&bad, 422, "en");
}

#[tokio::test]
async fn the_language_switcher_remembers_the_choice_and_goes_back_only_within_the_site() {
    let t = TestApp::spawn().await;
    let r = t.get("/language/fr?next=/events", None).await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/events"));
    let cookie = r.header("set-cookie").unwrap().to_owned();
    assert!(
        cookie.starts_with("lang=fr;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The choice wins over what the browser asks for.
    let page = t
        .client
        .get("/events")
        .header("cookie", "lang=fr")
        .header("accept-language", "nl")
        .send()
        .await;
    page.assert_status_is_ok();
    let body = page.0.into_body().into_string().await.unwrap();
    assert!(
        body.contains("<html lang=\"fr\">") && body.contains("Événements"),
        "{body}"
    );
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = t
            .get(&format!("/language/nl?next={}", urlencode(evil)), None)
            .await;
        assert_eq!(r.header("location"), Some("/"), "{evil}");
    }
    t.get_with("/language/pt", None, ("accept", "text/html"))
        .await
        .assert(404);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn browsers_get_errors_as_pages_and_the_api_keeps_problem_json() {
    let t = TestApp::spawn().await;
    let page = t
        .get_with(
            "/nowhere",
            None,
            ("accept", "text/html,application/xhtml+xml"),
        )
        .await;
    page.assert(404);
    assert!(page.body.contains("Page not found"), "{}", page.body);
    let nl = t
        .client
        .get("/events/not-an-event")
        .header("accept", "text/html")
        .header("cookie", "lang=nl")
        .send()
        .await;
    nl.assert_status(poem::http::StatusCode::NOT_FOUND);
    let body = nl.0.into_body().into_string().await.unwrap();
    assert!(body.contains("Pagina niet gevonden"), "{body}");
    t.get_with(
        &format!("/events/{}", uuid::Uuid::now_v7()),
        None,
        ("accept", "text/html"),
    )
    .await
    .assert(404);
    // The API and the feeds answer problem+json whatever the client accepts.
    t.get_with("/api/v1/nowhere", None, ("accept", "text/html"))
        .await
        .assert_problem(404);
    let css = t.get("/static/site.css", None).await;
    css.assert(200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.header("cache-control").unwrap().contains("immutable"));
}

/// The form's CSRF token and cookie, as a browser would hold them.
async fn form_token(t: &TestApp, path: &str, lang: &str) -> (String, String) {
    let r = t.get_with(path, None, ("accept-language", lang)).await;
    r.assert(200);
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let start = r.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let token = r.body[start..].split('"').next().unwrap().to_owned();
    (cookie, token)
}

async fn post_form(
    t: &TestApp,
    path: &str,
    cookie: &str,
    lang: &str,
    fields: &[(&str, &str)],
) -> crate::helpers::Resp {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let r = t
        .client
        .post(path)
        .header("cookie", format!("{cookie}; lang={lang}"))
        .header("accept", "text/html")
        .content_type("application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    crate::helpers::Resp::from_test(r).await
}

#[tokio::test]
async fn joining_through_the_site_keeps_what_was_typed_and_words_errors_in_the_visitor_language() {
    let t = TestApp::spawn().await;
    let (cookie, token) = form_token(&t, "/sign-up", "nl").await;
    assert!(cookie.starts_with("csrf="));

    // Mistakes: the form comes back with what was typed and each error beside its field.
    let r = post_form(
        &t,
        "/sign-up",
        &cookie,
        "nl",
        &[
            ("csrf", &token),
            ("email", "ana@"),
            ("first_name", "Ana"),
            ("last_name", ""),
            ("municipality", "Hasselt"),
        ],
    )
    .await;
    assert_page(&r, 422, "nl");
    assert!(r.body.contains("Verbeter deze velden"), "{}", r.body);
    assert!(r.body.contains("Vul een e-mailadres in"), "{}", r.body);
    assert!(r.body.contains("Vul je achternaam in"));
    assert!(r.body.contains("Vink dit aan om lid te worden"));
    assert!(
        r.body.contains("value=\"ana@\"") && r.body.contains("value=\"Hasselt\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-describedby=\"email-error\""));
    t.requests_done().await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts").await,
        0,
        "nothing written"
    );

    // Without the form's token (another site posting): refused, nothing written.
    let r = post_form(
        &t,
        "/sign-up",
        "csrf=forged-forged-forged-forged-forged-forged0",
        "nl",
        &[
            ("csrf", &token),
            ("email", "ana@example.org"),
            ("first_name", "Ana"),
            ("last_name", "Silva"),
            ("privacy", "yes"),
        ],
    )
    .await;
    r.assert(403);

    // Right: on to "check your mailbox", and the link arrives in the chosen language.
    let r = post_form(
        &t,
        "/sign-up",
        &cookie,
        "nl",
        &[
            ("csrf", &token),
            ("email", "ana@example.org"),
            ("first_name", "Ana"),
            ("last_name", "Silva"),
            ("language", "fr"),
            ("country_of_origin", "PT"),
            ("phase", "coming_in"),
            ("privacy", "yes"),
        ],
    )
    .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/sign-up/sent"));
    let mail = t.next_mail_to("ana@example.org").await;
    assert!(mail.text.contains("/verify?token="), "{}", mail.text);
    assert!(mail.text.contains("Bonjour Ana"), "{}", mail.text);
    let sent = t
        .get_with("/sign-up/sent", None, ("accept-language", "nl"))
        .await;
    assert_page(&sent, 200, "nl");
    assert!(sent.body.contains("Kijk in je mailbox"));
}

#[tokio::test]
async fn no_page_weighs_more_than_60_kb_with_its_stylesheet() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    for i in 0..30 {
        t.event(
            &staff,
            json!({"title": format!("Event number {i} with a fairly long title for the list"),
                   "starts_at": format!("2030-03-{:02}T19:30", i % 28 + 1), "ends_at": format!("2030-03-{:02}T22:00", i % 28 + 1),
                   "venue": "Corda Campus", "address": "Kempische Steenweg 293, 3500 Hasselt", "capacity": 40,
                   "summary": "A summary of a sentence or two, as staff write them for the list of events."}),
        )
        .await;
    }
    let first = t.get("/api/v1/events?limit=1", None).await.json();
    let event = format!("/events/{}", first["items"][0]["id"].as_str().unwrap());
    let css = t.get("/static/site.css", None).await.body.len();
    for path in ["/", "/events", event.as_str(), "/sign-up", "/nowhere"] {
        let r = t.get_with(path, None, ("accept", "text/html")).await;
        let total = r.body.len() + css;
        assert!(
            total <= 60 * 1024,
            "{path}: {total} bytes with the stylesheet"
        );
    }
}
