//! Events in the back office in a real browser: staff create a weekly series (a bad field
//! first), see a household's registration and filter by status, download the CSV, raise the
//! capacity (too low first) so the waitlist gets seats, and cancel with a reason the mail carries. Every page
//! state passes axe at phone and desktop width, in Dutch, English and French.

use limburgers_worldwide::values::Role;

use super::check_on_phone_and_desktop;
use super::harness::{Scripts, browse};
use crate::helpers::TestApp;

#[tokio::test]
async fn staff_run_a_weekly_series_from_creation_to_cancellation() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let bo_id = t.me(&bo).await["id"].as_str().unwrap().to_owned();
    let first = chrono::Local::now().date_naive() + chrono::Duration::days(10);
    // As the date field takes it from a keyboard (the browser runs in US English).
    let typed = first.format("%m%d%Y").to_string();
    let reason = "Our guide is ill; we will plan a new date soon.";
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.open("/language/nl?next=/staff/events").await;
        assert_eq!(page.text("h1").await, "Activiteiten");
        check_on_phone_and_desktop(page).await;

        // A weekly series; a capacity below zero comes back beside its field, the rest kept.
        page.click("a[href='/staff/events/series']").await;
        assert_eq!(page.text("h1").await, "Nieuwe reeks");
        check_on_phone_and_desktop(page).await;
        page.fill("#title", "Stadswandeling Hasselt").await;
        page.fill("#start_date", &typed).await;
        page.fill("#end_date", &typed).await;
        page.fill("#capacity", "-1").await;
        page.fill("#count", "4").await;
        page.click("#status-published").await;
        page.submit("#save", "#capacity-error").await;
        assert!(
            page.text("#capacity-error")
                .await
                .starts_with("Geef een aantal plaatsen")
        );
        assert_eq!(page.value("#title").await, "Stadswandeling Hasselt");
        assert_eq!(page.value("#count").await, "4");
        assert_eq!(page.value("#start_date").await, first.to_string());
        check_on_phone_and_desktop(page).await;
        page.clear("#capacity").await;
        page.fill("#capacity", "1").await;
        page.submit("#save", ".ok").await;
        assert_eq!(page.text(".ok").await, "4 activiteiten aangemaakt.");
        assert!(page.text("main").await.contains("Stadswandeling Hasselt"));
        check_on_phone_and_desktop(page).await;
        assert_eq!(
            t.count("SELECT COUNT(*) FROM events WHERE status = 'published'")
                .await,
            4
        );

        // Ana's household takes the one seat of the first; Bo's waits.
        let (id,): (String,) =
            sqlx::query_as("SELECT id FROM events ORDER BY starts_at, id LIMIT 1")
                .fetch_one(&t.app.db.read)
                .await
                .unwrap();
        t.register(&ana, &id, &[&ana_id]).await.assert(201);
        t.register(&bo, &id, &[&bo_id]).await.assert(201);

        page.open(&format!("/language/en?next=/staff/events/{id}"))
            .await;
        let main = page.text("main").await;
        assert!(main.contains("Ana Silva") && main.contains("Bo Peeters"), "{main}");
        assert!(main.contains("1 confirmed, 1 on the waitlist, 0 cancelled"));
        check_on_phone_and_desktop(page).await;
        page.select("#f-status", "waitlisted").await;
        page.submit("#filter", "#registrations").await;
        let main = page.text("main").await;
        assert!(main.contains("Bo Peeters") && !main.contains("Ana Silva"), "{main}");
        check_on_phone_and_desktop(page).await;

        // The download, as the browser fetches it with the session cookie.
        let csv = t
            .page(&format!("/staff/events/{id}/registrations.csv"), Some(&staff))
            .await;
        csv.assert(200);
        assert_eq!(
            csv.header("content-disposition"),
            Some(format!("attachment; filename=\"stadswandeling-hasselt-{first}.csv\"").as_str())
        );
        let rows: Vec<&str> = csv.body.lines().collect();
        assert_eq!(rows.len(), 3, "{}", csv.body);
        assert!(rows[1].contains("Ana,Silva,primary,ana@example.org,confirmed"), "{}", rows[1]);
        assert!(rows[2].contains("Bo,Peeters,primary,bo@example.org,waitlisted"), "{}", rows[2]);

        // More seats: Bo's household gets one, and the page says so.
        page.open(&format!("/staff/events/{id}/edit")).await;
        assert_eq!(page.value("#capacity").await, "1");
        check_on_phone_and_desktop(page).await;
        // Fewer seats than confirmed: the form comes back with why, as typed.
        page.clear("#capacity").await;
        page.fill("#capacity", "0").await;
        page.submit("#save", ".error-summary").await;
        assert!(page.text(".error-summary").await.contains("seats cannot drop below"));
        assert_eq!(page.value("#capacity").await, "0");
        check_on_phone_and_desktop(page).await;
        page.clear("#capacity").await;
        page.fill("#capacity", "2").await;
        page.submit("#save", ".ok").await;
        assert_eq!(
            page.text(".ok").await,
            "Your changes are saved. 1 registration from the waitlist got seats and was told by mail."
        );
        check_on_phone_and_desktop(page).await;
        assert_eq!(
            t.count("SELECT COUNT(*) FROM registrations WHERE status = 'confirmed'")
                .await,
            2
        );

        // Cancelled in French, with a reason for the mail.
        page.open(&format!("/language/fr?next=/staff/events/{id}/cancel"))
            .await;
        assert_eq!(page.text("h1").await, "Annuler « Stadswandeling Hasselt »");
        check_on_phone_and_desktop(page).await;
        page.fill("#reason", reason).await;
        page.submit("#confirm-cancel", ".ok").await;
        assert!(page.text(".ok").await.starts_with("L’activité est annulée"));
        check_on_phone_and_desktop(page).await;
    })
    .await;
    for who in ["ana@example.org", "bo@example.org"] {
        assert_eq!(
            t.mails_with(who, reason).await.len(),
            1,
            "{who}: the cancellation mail carries the reason"
        );
    }
}
