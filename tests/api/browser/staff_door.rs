//! At the door in a real browser, on a phone: staff find a household by typing part of a name,
//! check it in with one tap, see the counts move and undo one person; the QR code of a real
//! confirmation mail opens the same registration; a member sees the QR on their registrations.
//! Every state passes axe at phone and desktop width and fits a phone.

use limburgers_worldwide::values::Role;

use super::check_on_phone_and_desktop;
use super::harness::{PHONE, Scripts, browse};
use crate::helpers::TestApp;
use crate::staff_door::{door_event, qr_link_in_mail};

#[tokio::test]
async fn staff_check_in_a_household_at_the_door_on_a_phone_and_the_qr_code_finds_it() {
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
    let link = qr_link_in_mail(&mail.raw);
    let base = t
        .app
        .config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let scanned = link[base.len()..].to_owned();
    let door = format!("/staff/events/{}/door", d.event);
    let site = t.serve().await;

    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.set_viewport(PHONE).await;
        page.open(&format!("/language/nl?next={door}")).await;
        assert_eq!(page.text(".door-count").await, "0 van 3 aangekomen");
        check_on_phone_and_desktop(page).await;
        page.set_viewport(PHONE).await;
        // Part of the family name finds Ana's household only.
        page.fill("#q", "sil").await;
        page.submit("#find", ".door-count").await;
        let main = page.text("main").await;
        assert!(
            main.contains("Ana Silva") && main.contains("Raj Partner"),
            "{main}"
        );
        assert!(!main.contains("Bob Jacobs"), "{main}");
        check_on_phone_and_desktop(page).await;
        page.set_viewport(PHONE).await;
        // One tap for the household: back at the same search, the count moved.
        page.submit(&format!("#all-{}", d.ana_reg), ".door-count")
            .await;
        assert_eq!(page.text(".door-count").await, "2 van 3 aangekomen");
        assert_eq!(page.value("#q").await, "sil");
        check_on_phone_and_desktop(page).await;
        page.set_viewport(PHONE).await;
        // Raj is not there yet after all.
        page.submit(&format!("#undo-{}", d.raj), ".door-count")
            .await;
        assert_eq!(page.text(".door-count").await, "1 van 3 aangekomen");
        assert!(page.has(&format!("#in-{}", d.raj)).await);

        // The QR code of Ana's confirmation mail opens her registration at the door.
        page.open(&format!("/language/en?next={door}")).await;
        page.open(&scanned).await;
        assert!(page.path().await.contains(&format!("only={}", d.ana_reg)));
        let main = page.text("main").await;
        assert!(
            main.contains("1 of 3 arrived") && main.contains("Raj Partner"),
            "{main}"
        );
        assert!(!main.contains("Bob Jacobs"), "{main}");
        check_on_phone_and_desktop(page).await;
        page.set_viewport(PHONE).await;
        page.submit(&format!("#in-{}", d.raj), ".door-count").await;
        assert_eq!(page.text(".door-count").await, "2 of 3 arrived");
        check_on_phone_and_desktop(page).await;
    })
    .await;

    // Ana sees the same QR code on her registrations, in her language, without scripts too.
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        for lang in ["en", "fr"] {
            page.open(&format!("/language/{lang}?next=/registrations"))
                .await;
            assert!(page.has(&format!("#r-{} figure.qr svg", d.ana_reg)).await);
            check_on_phone_and_desktop(page).await;
        }
    })
    .await;
}

/// With scripts, typing is enough: the results follow what is typed (the door page's own
/// script, allowed by that page's policy alone); the search button stays for phones without.
#[tokio::test]
async fn the_door_page_searches_as_staff_type() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let d = door_event(&t, &staff, &ana, &raj).await;
    let r = t
        .page(&format!("/staff/events/{}/door", d.event), Some(&staff))
        .await;
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let js = t.page("/static/door.js", None).await;
    js.assert(200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.set_viewport(PHONE).await;
        page.open(&format!("/staff/events/{}/door", d.event)).await;
        assert!(page.text("#results").await.contains("Bob Jacobs"));
        page.fill("#q", "jac").await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let text = page.text("#results").await;
            if !text.contains("Ana Silva") && text.contains("Bob Jacobs") {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{text}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            page.path().await.ends_with("?q=jac"),
            "{}",
            page.path().await
        );
        check_on_phone_and_desktop(page).await;
    })
    .await;
}
