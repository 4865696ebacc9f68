//! The pages in a real browser (headless Chromium, `browser/harness.rs`): each page has no
//! accessibility violation that axe-core finds, on a phone and on a desktop, fits a phone's
//! width, and shows what it is about without JavaScript. Needs `chromium` and
//! `chromium-driver` (Debian), and Node.js with npm for axe-core (`tests/browser/`).

mod harness;

use harness::{DESKTOP, PHONE, Page, Scripts, browse};

use crate::helpers::TestApp;

/// The checks every page passes at both sizes, in the state it is in now.
async fn check_on_phone_and_desktop(page: &Page) {
    page.set_viewport(PHONE).await;
    page.assert_no_sideways_scroll().await;
    page.assert_accessible().await;
    page.set_viewport(DESKTOP).await;
    page.assert_accessible().await;
}

#[tokio::test]
async fn a_newcomer_confirms_their_address_on_the_verification_page() {
    let t = TestApp::spawn().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    let token = t.next_mail_to("ana@example.org").await.token();
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.open("/verify?token=x").await;
        check_on_phone_and_desktop(page).await;

        page.open(&format!("/verify?token={token}")).await;
        page.set_viewport(PHONE).await;
        page.click("#privacy").await;
        page.click("#go").await;
        let answer = page.wait_for_text("#out").await;
        assert!(answer.contains("Your account is active"), "{answer}");
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_member_asks_for_a_sign_in_link_on_the_sign_in_page() {
    let t = TestApp::spawn().await;
    t.member("raj@example.org", "Raj", "Patel").await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.open("/sign-in").await;
        check_on_phone_and_desktop(page).await;

        page.set_viewport(PHONE).await;
        page.fill("#email", "raj@example.org").await;
        page.click("#send").await;
        let answer = page.wait_for_text("#out").await;
        assert!(answer.contains("Check your mailbox"), "{answer}");
        check_on_phone_and_desktop(page).await;
    })
    .await;
    let mail = t.next_mail_to("raj@example.org").await;
    assert!(mail.text.contains("/sign-in?token="), "{}", mail.text);
}

#[tokio::test]
async fn the_change_of_address_page_says_when_its_link_does_not_work() {
    let t = TestApp::spawn().await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.open("/change-email?token=x").await;
        check_on_phone_and_desktop(page).await;

        page.click("#go").await;
        let answer = page.wait_for_text("#out").await;
        assert!(answer.contains("link"), "{answer}");
        check_on_phone_and_desktop(page).await;
    })
    .await;
}

#[tokio::test]
async fn without_javascript_the_pages_still_show_their_heading() {
    let t = TestApp::spawn().await;
    let site = t.serve().await;
    browse(&site, Scripts::Off, async |page| {
        for (path, heading) in [
            ("/verify?token=x", "Confirm your address"),
            ("/sign-in?token=x", "Sign in"),
            ("/change-email?token=x", "Confirm your new address"),
        ] {
            page.open(path).await;
            assert_eq!(page.text("h1").await, heading, "{path}");
        }
        // With scripts on, a sign-in link's token hides the form that asks for an address.
        page.open("/sign-in?token=x").await;
        assert!(
            page.is_shown("#ask").await,
            "scripts ran: the form is hidden"
        );
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
        page.click("#privacy").await;
        page.click("button[type=submit]").await;
        page.wait_for("p[role=status]").await;
        assert_eq!(page.text("h1").await, "Kijk in je mailbox");
    })
    .await;
    let mail = t.next_mail_to("lea@example.org").await;
    assert!(mail.text.contains("/verify?token="), "{}", mail.text);
}
