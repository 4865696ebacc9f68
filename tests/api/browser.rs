//! The pages in a real browser (headless Chromium, `browser/harness.rs`): each page has no
//! accessibility violation that axe-core finds, on a phone and on a desktop, fits a phone's
//! width, and shows what it is about without JavaScript. Needs `chromium` and
//! `chromium-driver` (Debian), and Node.js with npm for axe-core (`tests/browser/`).

mod community;
pub mod harness;
mod people;
mod registrations;
mod staff;
mod staff_door;
mod staff_events;
mod staff_figures;
mod staff_members;
mod staff_news;

use harness::{DESKTOP, PHONE, Page, Scripts, browse};

use crate::helpers::TestApp;

/// The checks every page passes at both sizes, in the state it is in now.
pub async fn check_on_phone_and_desktop(page: &Page) {
    page.set_viewport(PHONE).await;
    page.assert_no_sideways_scroll().await;
    page.assert_accessible().await;
    page.set_viewport(DESKTOP).await;
    page.assert_accessible().await;
}

#[tokio::test]
async fn a_newcomer_confirms_their_address_in_the_mail_language_and_is_signed_in() {
    let t = TestApp::spawn().await;
    t.post(
        "/api/v1/members",
        serde_json::json!({"email": "ana@example.org", "first_name": "Ana", "last_name": "Silva",
            "language": "nl", "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("ana@example.org").await;
    assert!(mail.text.contains("&lang=nl"), "{}", mail.text);
    let token = mail.token();
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.open("/verify?token=x&lang=de").await;
        assert_eq!(page.text("h1").await, "Bestätige deine Adresse");
        check_on_phone_and_desktop(page).await;

        // The link from the mail: the page speaks the mail's language; nothing happens on GET.
        page.open(&format!("/verify?token={token}&lang=nl")).await;
        assert_eq!(page.text("h1").await, "Bevestig je adres");
        page.set_viewport(PHONE).await;
        // Without the privacy policy, the form comes back with the error beside the box.
        page.submit("#go", "#privacy-error").await;
        assert!(
            page.text("#privacy-error")
                .await
                .starts_with("Vink dit aan")
        );
        check_on_phone_and_desktop(page).await;
        page.click("#privacy").await;
        page.click("#newsletter").await;
        page.submit("#go", "main").await;
        // Signed in: the account page greets her.
        page.open("/me").await;
        assert_eq!(page.text("h1").await, "Hallo Ana");
        check_on_phone_and_desktop(page).await;
        // The same link again says it was used.
        page.open(&format!("/verify?token={token}&lang=nl")).await;
        page.click("#privacy").await;
        page.submit("#go", "h1").await;
        assert_eq!(page.text("h1").await, "Deze link werkt niet meer");
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE status = 'active'")
            .await,
        1,
        "the newsletter she ticked"
    );
}

#[tokio::test]
async fn a_member_signs_in_with_a_link_lands_where_she_was_going_and_signs_out() {
    let t = TestApp::spawn().await;
    t.member("raj@example.org", "Raj", "Patel").await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        // A page for members sends her to sign in first.
        page.open("/me").await;
        assert_eq!(page.path().await, "/sign-in");
        check_on_phone_and_desktop(page).await;
        page.set_viewport(PHONE).await;
        page.fill("#email", "not an address").await;
        page.submit("#send", "#email-error").await;
        page.clear("#email").await;
        page.fill("#email", "raj@example.org").await;
        page.submit("#send", "p[role=status]").await;
        assert_eq!(page.text("h1").await, "Check your mailbox");
        let link = t.next_mail_to("raj@example.org").await;
        page.open(&format!("/sign-in?token={}&lang=en", link.token()))
            .await;
        check_on_phone_and_desktop(page).await;
        page.submit("#go", "h1").await;
        assert_eq!(page.path().await, "/me", "back where she was going");
        assert_eq!(page.text("h1").await, "Hello Raj");
        check_on_phone_and_desktop(page).await;
        // Her sessions: the API one from signing up and this one, which she ends.
        assert!(page.has("form[action^='/me/sessions/']").await);
        page.submit(".sign-out button", "h1").await;
        assert_eq!(page.path().await, "/");
        page.open("/me").await;
        assert_eq!(page.path().await, "/sign-in", "signed out");
    })
    .await;
}

#[tokio::test]
async fn the_change_of_address_page_says_when_its_link_does_not_work() {
    let t = TestApp::spawn().await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.open("/change-email?token=x").await;
        check_on_phone_and_desktop(page).await;

        page.submit("#go", "h1").await;
        assert_eq!(page.text("h1").await, "This link no longer works");
        check_on_phone_and_desktop(page).await;
    })
    .await;
}

#[tokio::test]
async fn the_landing_pages_from_mail_speak_each_language_and_act_only_on_a_press() {
    let t = TestApp::spawn().await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        for (path, heading) in [
            ("/verify?token=x&lang=fr", "Confirmez votre adresse"),
            ("/sign-in?token=x&lang=de", "Einloggen"),
            ("/invitation?token=x&lang=nl", "Word lid van je gezin"),
            (
                "/newsletter/confirm?token=x&lang=en",
                "Confirm your subscription",
            ),
            (
                "/change-email?token=x&lang=fr",
                "Confirmez votre nouvelle adresse",
            ),
        ] {
            page.open(path).await;
            assert_eq!(page.text("h1").await, heading, "{path}");
            page.assert_accessible().await;
        }
    })
    .await;
}

/// The website's pages in every language: axe finds nothing on a phone or a desktop, nothing
/// scrolls sideways; and with scripts off (the pages have none) a newcomer joins on a phone.
#[tokio::test]
async fn the_site_pages_are_accessible_in_every_language_and_joining_needs_no_javascript() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let e = t
        .event(
            &staff,
            serde_json::json!({"title": "Family day in Bokrijk", "starts_at": "2030-05-12T10:00",
                "ends_at": "2030-05-12T16:00", "venue": "Bokrijk", "capacity": 60,
                "audience": "families", "organiser": "Aachen", "summary": "Games, a picnic and a walk."}),
        )
        .await;
    let event_page = format!("/events/{}", e["id"].as_str().unwrap());
    let site = t.serve().await;
    // axe-core is a script: the checks run with scripts on.
    browse(&site, Scripts::On, async |page| {
        for (lang, heading) in [
            ("en", "Welcome to Limburgers Worldwide"),
            ("nl", "Welkom bij Limburgers Worldwide"),
            ("de", "Willkommen bei Limburgers Worldwide"),
            ("fr", "Bienvenue chez Limburgers Worldwide"),
        ] {
            // The switcher at the foot of every page remembers the choice.
            page.open(&format!("/language/{lang}?next=/")).await;
            assert_eq!(page.text("h1").await, heading);
            check_on_phone_and_desktop(page).await;
            for path in ["/events", event_page.as_str(), "/sign-up", "/no-such-page"] {
                page.open(path).await;
                check_on_phone_and_desktop(page).await;
            }
            // The form sent empty comes back with its errors, still accessible.
            page.open("/sign-up").await;
            page.click("button[type=submit]").await;
            page.wait_for(".error-summary").await;
            assert!(
                page.is_shown(".error-summary").await,
                "{lang}: no error summary"
            );
            check_on_phone_and_desktop(page).await;
        }
    })
    .await;
    browse(&site, Scripts::Off, async |page| {
        // A newcomer joins on a phone, in Dutch, with scripts off.
        page.open("/language/nl?next=/sign-up").await;
        page.set_viewport(PHONE).await;
        page.fill("#email", "lea@example.org").await;
        page.fill("#first_name", "Léa").await;
        page.fill("#last_name", "Dubois").await;
        page.select("#country_of_origin", "FR").await;
        page.click("#privacy").await;
        page.click("button[type=submit]").await;
        page.wait_for("p[role=status]").await;
        assert_eq!(page.text("h1").await, "Kijk in je mailbox");
    })
    .await;
    let mail = t.next_mail_to("lea@example.org").await;
    assert!(mail.text.contains("/verify?token="), "{}", mail.text);
}

#[tokio::test]
async fn the_account_page_and_the_privacy_policy_are_accessible_in_every_language() {
    let t = TestApp::spawn().await;
    let session = t.member("ana@example.org", "Ana", "Silva").await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&session).await;
        for lang in ["en", "nl", "de", "fr"] {
            page.open(&format!("/language/{lang}?next=/me")).await;
            assert_eq!(page.path().await, "/me");
            check_on_phone_and_desktop(page).await;
            page.open("/privacy-policy").await;
            check_on_phone_and_desktop(page).await;
        }
    })
    .await;
}

/// Every page a signed-in member has, in every language: axe finds nothing at phone and desktop
/// width and nothing scrolls sideways. The journeys go through the pages' actions; this sweep
/// makes sure no language is left out of any page.
#[tokio::test]
async fn every_member_page_is_accessible_in_every_language() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let e = t
        .event(
            &staff,
            serde_json::json!({"title": "Welcome drinks", "capacity": 20,
                "description": "Meet the community.\n\nDrinks are on us."}),
        )
        .await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            serde_json::json!({"first_name": "Mia", "relation": "child"}),
            Some(&ana),
        )
        .await;
    child.assert(201);
    let me = t.me(&ana).await;
    t.post(
        &format!("/api/v1/events/{}/registrations", e["id"].as_str().unwrap()),
        serde_json::json!({"person_ids": [me["id"]]}),
        Some(&ana),
    )
    .await
    .assert(201);
    let event = format!("/events/{}", e["id"].as_str().unwrap());
    let dependent = format!(
        "/household/dependents/{}",
        child.json()["id"].as_str().unwrap()
    );
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        for lang in ["en", "nl", "de", "fr"] {
            page.open(&format!("/language/{lang}?next=/me")).await;
            for path in [
                "/",
                "/events",
                event.as_str(),
                "/me",
                "/registrations",
                "/profile",
                "/profile?welcome=1",
                "/household",
                dependent.as_str(),
                "/newsletter",
                "/mentoring",
                "/alumni",
                "/alumni/directory",
                "/privacy",
                "/privacy/erase",
            ] {
                page.open(path).await;
                assert_eq!(page.path().await, path, "{lang}: not shown");
                check_on_phone_and_desktop(page).await;
            }
        }
    })
    .await;
}
