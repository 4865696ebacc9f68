//! The figures page in a real browser: with its charts and tables, and with a bad period, it
//! passes axe at phone and desktop width and fits a phone (the charts shrink with the page), in
//! every language; the period form works without JavaScript.

use limburgers_worldwide::values::Role;
use serde_json::json;

use super::check_on_phone_and_desktop;
use super::harness::{Scripts, browse};
use crate::helpers::TestApp;

#[tokio::test]
async fn the_figures_page_is_accessible_and_fits_a_phone_in_every_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    // Enough groups for an "others" bar, and a long town name for the phone.
    for (i, country) in [
        "BE", "NL", "DE", "FR", "IN", "BR", "CN", "US", "CA", "ES", "IT", "PL",
    ]
    .iter()
    .enumerate()
    {
        let s = t
            .member(&format!("m{i}@example.org"), "Member", "Test")
            .await;
        let town = if i == 0 {
            "Sint-Lambrechts-Herk bij de oude watermolen aan de Demer".to_owned()
        } else {
            format!("Town {i}")
        };
        t.patch(
            "/api/v1/me",
            json!({"country_of_origin": country, "municipality": town, "phase": "settling_in"}),
            Some(&s),
        )
        .await
        .assert(200);
    }
    t.event(&staff, json!({"capacity": 10})).await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        for (lang, heading) in [
            ("en", "Figures"),
            ("nl", "Cijfers"),
            ("de", "Zahlen"),
            ("fr", "Chiffres"),
        ] {
            page.open(&format!("/language/{lang}?next=/staff/figures"))
                .await;
            assert_eq!(page.text("h1").await, heading);
            assert!(page.has("svg[role=img] title").await);
            check_on_phone_and_desktop(page).await;
            // A bad period: the form again, the error beside its field.
            page.open("/staff/figures?from=2026-02-30&to=2026-01-01")
                .await;
            assert!(page.has("#from-error").await);
            check_on_phone_and_desktop(page).await;
        }
        // The form, posted by the browser (GET, no script needed), keeps its period.
        page.open("/staff/figures?from=2025-01-01&to=2025-12-31")
            .await;
        page.submit("#show", "table").await;
        assert_eq!(page.value("#from").await, "2025-01-01");
        assert!(page.path().await.starts_with("/staff/figures"));
    })
    .await;
}
