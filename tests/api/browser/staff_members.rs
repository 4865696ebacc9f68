//! The members, audit and admin pages of the back office in a real browser: the staff's and the
//! admins' journeys in two languages each, every page state (forms with errors too) checked
//! with axe at phone and desktop width.

use limburgers_worldwide::values::Role;

use super::check_on_phone_and_desktop;
use super::harness::{Scripts, browse};
use crate::helpers::TestApp;

#[tokio::test]
async fn staff_find_a_member_edit_them_and_start_an_address_change_but_not_a_colleagues() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let colleague = t.staff("colleague@expatcentre.test", Role::Staff).await;
    let colleague_id = t.me(&colleague).await["id"].as_str().unwrap().to_owned();
    let ana = t.member("ana.peeters@example.org", "Ana", "Peeters").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.open("/language/nl?next=/staff/members").await;
        assert_eq!(page.text("h1").await, "Leden");
        check_on_phone_and_desktop(page).await;
        page.fill("#q", "pee").await;
        page.submit("#search", "#results").await;
        assert!(page.text("main").await.contains("Ana Peeters"));
        check_on_phone_and_desktop(page).await;
        page.submit("tbody a", "#member-email").await;
        assert_eq!(page.path().await, format!("/staff/members/{id}"));
        check_on_phone_and_desktop(page).await;

        // The edit form: a blank name comes back beside its field, then the phase is saved.
        page.submit("#edit", "#first_name").await;
        page.clear("#first_name").await;
        page.select("#phase", "settling_in").await;
        page.submit("#save", "#first_name-error").await;
        assert!(
            page.text("#first_name-error")
                .await
                .starts_with("Vul een voornaam in")
        );
        assert_eq!(page.value("#phase").await, "settling_in", "kept as typed");
        check_on_phone_and_desktop(page).await;
        page.fill("#first_name", "Ana").await;
        page.submit("#save", ".ok").await;
        assert_eq!(
            page.text("#member-phase").await,
            "Ik ben me aan het settelen"
        );
        check_on_phone_and_desktop(page).await;

        // An address change in English: a bad address first.
        page.open(&format!("/language/en?next=/staff/members/{id}"))
            .await;
        page.fill("#email", "not an address").await;
        page.submit("#change-email", "#email-error").await;
        assert_eq!(page.value("#email").await, "not an address");
        check_on_phone_and_desktop(page).await;
        page.clear("#email").await;
        page.fill("#email", "ana@new.example.org").await;
        page.submit("#change-email", ".ok").await;
        check_on_phone_and_desktop(page).await;
        // A departure without a date or country comes back with both errors.
        page.submit("#depart", "#leaving_on-error").await;
        assert!(page.has("#destination_country-error").await);
        check_on_phone_and_desktop(page).await;

        // A colleague's account is the admins' to change: the page says so.
        page.open(&format!("/staff/members/{colleague_id}")).await;
        assert!(!page.has("#edit").await);
        page.open(&format!("/staff/members/{colleague_id}/edit"))
            .await;
        assert_eq!(page.text("h1").await, "Not for this account");
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(t.me(&ana).await["phase"], "settling_in");
    let mail = t.next_mail_to("ana@new.example.org").await;
    assert!(mail.text.contains("/change-email"));
}

#[tokio::test]
async fn an_admin_changes_a_role_erases_a_member_and_issues_and_revokes_a_token_then_reads_the_log()
{
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let admin_id = t.me(&admin).await["id"].as_str().unwrap().to_owned();
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let ben = t.member("ben@example.org", "Ben", "Jansen").await;
    let ben_id = t.me(&ben).await["id"].as_str().unwrap().to_owned();
    let site = t.serve().await;
    let mut secret = String::new();
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&admin).await;
        page.open(&format!("/language/de?next=/staff/members/{ana_id}/edit"))
            .await;
        check_on_phone_and_desktop(page).await;
        page.select("#role", "staff").await;
        page.submit("#save", ".ok").await;
        assert_eq!(page.text("#member-role").await, "Mitarbeiter:in");

        // Erasing takes the confirmation page.
        page.open(&format!("/staff/members/{ben_id}")).await;
        page.submit("#erase", "#confirm-erase").await;
        check_on_phone_and_desktop(page).await;
        page.submit("#confirm-erase", ".ok").await;
        assert_eq!(page.path().await, "/staff/members?done=erased");
        check_on_phone_and_desktop(page).await;

        // A token in French: a bad expiry first, then the secret shown once.
        page.open("/language/fr?next=/staff/admin").await;
        assert_eq!(page.text("h1").await, "Administration");
        check_on_phone_and_desktop(page).await;
        // A staff account: an empty form first.
        page.submit("#create-staff", "#email-error").await;
        check_on_phone_and_desktop(page).await;
        page.fill("#email", "nia@expatcentre.test").await;
        page.fill("#first_name", "Nia").await;
        page.fill("#last_name", "Staff").await;
        page.submit("#create-staff", ".ok").await;
        assert!(
            page.text("#staff + div")
                .await
                .contains("nia@expatcentre.test")
        );
        page.select("#holder", &admin_id).await;
        page.fill("#name", "door scanner").await;
        page.fill("#days", "0").await;
        page.submit("#create-token", "#days-error").await;
        assert_eq!(page.value("#name").await, "door scanner");
        check_on_phone_and_desktop(page).await;
        page.clear("#days").await;
        page.fill("#days", "30").await;
        page.submit("#create-token", "#secret").await;
        secret = page.value("#secret").await;
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(t.me(&ana).await["role"], "staff");
    assert_eq!(t.get("/api/v1/me", Some(&ben)).await.status, 401);
    t.get("/api/v1/me", Some(&secret)).await.assert(200);
    let (token_id,): (String,) =
        sqlx::query_as("SELECT id FROM tokens WHERE name = 'door scanner'")
            .fetch_one(t.app.db.writer())
            .await
            .unwrap();
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&admin).await;
        page.open("/language/fr?next=/staff/admin").await;
        assert!(!page.text("main").await.contains(&secret), "shown once");
        page.submit(&format!("#revoke-{token_id}"), ".ok").await;
        check_on_phone_and_desktop(page).await;

        // The log lists what was done, and filters it.
        page.open("/staff/audit").await;
        let all = page.text("main").await;
        for action in [
            "member.role_changed",
            "member.erased",
            "auth.api_token_created",
            "auth.api_token_revoked",
        ] {
            assert!(all.contains(action), "{action} in {all}");
        }
        check_on_phone_and_desktop(page).await;
        page.select("#action", "auth.api_token_revoked").await;
        page.submit("#filter", "#entries").await;
        let filtered = page.text("tbody").await;
        assert!(filtered.contains(&token_id));
        assert!(!filtered.contains("member.role_changed"));
        check_on_phone_and_desktop(page).await;
    })
    .await;
    t.get("/api/v1/me", Some(&secret)).await.assert(401);
}
