//! The back office in a real browser: every page state passes axe at phone and desktop width
//! and fits a phone, in every language.

use limburgers_worldwide::values::Role;

use super::check_on_phone_and_desktop;
use super::harness::{Scripts, browse};
use crate::helpers::TestApp;

#[tokio::test]
async fn the_dashboard_is_accessible_in_every_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let start = chrono::Local::now().date_naive() + chrono::Duration::days(1);
    t.event(
        &staff,
        serde_json::json!({"title": "Pub quiz", "capacity": 30,
            "starts_at": format!("{start}T19:00:00"), "ends_at": format!("{start}T22:00:00")}),
    )
    .await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        for lang in ["en", "nl", "de", "fr"] {
            page.open(&format!("/language/{lang}?next=/staff")).await;
            assert!(page.text("main").await.contains("Pub quiz"));
            check_on_phone_and_desktop(page).await;
        }
    })
    .await;
}
