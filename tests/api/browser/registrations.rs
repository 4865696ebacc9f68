//! Registering a household on an event's page and managing it in "My registrations", in a real
//! browser: who comes is ticked, the answer says confirmed or waitlisted with the place in words;
//! a cancellation promotes the next household, and both see it on their pages; the personal
//! calendar address is made, works, and is replaced.

use fantoccini::key::Key;
use serde_json::json;

use super::check_on_phone_and_desktop;
use super::harness::{PHONE, Scripts, browse};
use crate::helpers::TestApp;

/// A member with a child, signed up through the API; answers (session, child's first name).
async fn family(t: &TestApp, email: &str, first: &str, child: &str, lang: &str) -> String {
    let session = t.member(email, first, "Family").await;
    t.patch("/api/v1/me", json!({"language": lang}), Some(&session))
        .await
        .assert(200);
    t.post(
        "/api/v1/me/household/dependents",
        json!({"first_name": child, "last_name": "Family", "relation": "child"}),
        Some(&session),
    )
    .await
    .assert(201);
    session
}

#[tokio::test]
async fn a_full_event_waitlists_the_next_household_and_a_cancellation_promotes_it() {
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
            json!({"title": "Family day in Bokrijk", "capacity": 2, "audience": "families"}),
        )
        .await;
    let event = format!("/events/{}", e["id"].as_str().unwrap());
    let ana = family(&t, "ana@example.org", "Ana", "Mia", "en").await;
    let joost = family(&t, "joost@example.org", "Joost", "Lotte", "nl").await;
    let site = t.serve().await;

    // Ana (English) registers herself and Mia: the two seats.
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        page.open(&event).await;
        check_on_phone_and_desktop(page).await;
        // Nobody ticked: the form says so.
        page.submit("#register", "#registration .notice").await;
        assert!(
            page.text("#registration .notice")
                .await
                .contains("Tick at least one person")
        );
        // With the keyboard only: Tab to each box, Space ticks it, Enter on the button.
        page.open(&event).await;
        page.tab_to("#person-1").await;
        page.press(Key::Space).await;
        page.tab_to("#person-2").await;
        page.press(Key::Space).await;
        page.tab_to("#register").await;
        page.script_mark().await;
        page.press(Key::Enter).await;
        page.wait_for_next_page("#registration .ok").await;
        assert_eq!(
            page.text("#registration p.ok:not([role])").await,
            "Confirmed: Ana, Mia can come."
        );
        check_on_phone_and_desktop(page).await;
    })
    .await;

    // Joost (Dutch, on a phone) finds it full and joins the waitlist.
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&joost).await;
        page.set_viewport(PHONE).await;
        page.open(&event).await;
        assert_eq!(page.text("#register").await, "Op de wachtlijst");
        page.click("#person-1").await;
        page.click("#person-2").await;
        page.submit("#register", "#registration .notice").await;
        assert_eq!(
            page.text("#registration p.notice").await,
            "Op de wachtlijst: Joost, Lotte, nummer 1 van 1. We mailen je zodra er plaatsen vrijkomen."
        );
        page.open("/registrations").await;
        assert!(page.text(".status.waitlisted").await.contains("nummer 1 van 1"));
        check_on_phone_and_desktop(page).await;
    })
    .await;

    // Ana cancels, after a confirmation step; her seats go to Joost's household.
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        page.open("/registrations").await;
        check_on_phone_and_desktop(page).await;
        page.submit("a[href$='/cancel']", "#confirm-cancel").await;
        check_on_phone_and_desktop(page).await;
        page.submit("#confirm-cancel", "p[role=status]").await;
        assert_eq!(
            page.text("p[role=status]").await,
            "Your registration is cancelled."
        );
        assert!(!page.has(".status.confirmed").await);
    })
    .await;

    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&joost).await;
        page.open("/registrations").await;
        assert_eq!(
            page.text(".status.confirmed").await,
            "Bevestigd: Joost, Lotte kunnen komen."
        );
        page.open(&event).await;
        assert_eq!(
            page.text("#registration p.ok").await,
            "Bevestigd: Joost, Lotte kunnen komen."
        );
    })
    .await;
    let promoted = t.next_mail_to("joost@example.org").await;
    let _ = promoted;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_household_changes_who_comes_and_gets_its_calendar_address_with_scripts_off() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let e = t
        .event(&staff, json!({"title": "Welcome drinks", "capacity": 10}))
        .await;
    let event = format!("/events/{}", e["id"].as_str().unwrap());
    let lea = family(&t, "lea@example.org", "Léa", "Hugo", "fr").await;
    let site = t.serve().await;
    let mut feed = String::new();
    browse(&site, Scripts::Off, async |page| {
        page.set_viewport(PHONE).await;
        // Anonymous: the event page asks to sign in first and comes back after.
        page.open(&event).await;
        page.submit("a[href$='/register']", "h1").await;
        assert_eq!(page.path().await, "/sign-in");
        page.sign_in_with(&lea).await;
        page.open(&format!("{event}/register")).await;
        assert_eq!(page.path().await, event);
        page.assert_no_sideways_scroll().await;
        page.click("#person-1").await;
        page.submit("#register", "#registration .ok").await;
        assert_eq!(
            page.text("#registration p.ok:not([role])").await,
            "Confirmé : Léa peut venir."
        );
        // Hugo comes too.
        page.open("/registrations").await;
        page.assert_no_sideways_scroll().await;
        page.click("details summary").await;
        page.click("details input[name=person]:not([checked])")
            .await;
        page.submit("details button", "p[role=status]").await;
        assert_eq!(
            page.text("p[role=status]").await,
            "Enregistré : qui vient a été modifié."
        );
        assert_eq!(
            page.text(".status.confirmed").await,
            "Confirmé : Léa, Hugo peuvent venir."
        );
        // The calendar address, shown once.
        page.submit("#calendar-address", "#feed").await;
        page.assert_no_sideways_scroll().await;
        feed = page.value("#feed").await;
    })
    .await;
    let path = feed
        .split_once("/calendar/")
        .map(|(_, p)| format!("/calendar/{p}"))
        .unwrap();
    let r = t.get(&path, None).await;
    r.assert(200);
    assert!(r.body.contains("Welcome drinks"), "{}", r.body);
    // A new address replaces it.
    browse(&site, Scripts::Off, async |page| {
        page.sign_in_with(&lea).await;
        page.open("/registrations").await;
        page.submit("#calendar-address", "#feed").await;
    })
    .await;
    t.get(&path, None).await.assert(404);
}
