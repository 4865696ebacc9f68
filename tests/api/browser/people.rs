//! The profile, household and privacy pages: a newcomer's first steps (sign up, confirm, fill
//! the profile, add a child, invite the partner, who joins in a browser of their own); a member
//! downloading their data and erasing the account; managing the household on a phone with
//! scripts off. Each journey runs in two languages. Plain HTTP tests check that forms without
//! their CSRF token and forged ids of another household's people change nothing.

use serde_json::json;

use super::check_on_phone_and_desktop;
use super::harness::{PHONE, Scripts, browse};
use crate::helpers::{Resp, TestApp};

/// The words a journey checks, in the language it runs in.
struct Words {
    lang: &'static str,
    sent: &'static str,
    profile: &'static str,
    first_name_error: &'static str,
    household: &'static str,
}

const EN: Words = Words {
    lang: "en",
    sent: "Check your mailbox",
    profile: "Your profile",
    first_name_error: "Enter your first name",
    household: "Your household",
};

const NL: Words = Words {
    lang: "nl",
    sent: "Kijk in je mailbox",
    profile: "Je profiel",
    first_name_error: "Vul je voornaam in",
    household: "Je gezin",
};

async fn newcomer_sets_up_profile_and_household(w: Words) {
    let t = TestApp::spawn().await;
    let site = t.serve().await;
    let lang = w.lang;
    browse(&site, Scripts::On, async |page| {
        page.open(&format!("/language/{lang}?next=/sign-up")).await;
        page.fill("#email", "ana@example.org").await;
        page.fill("#first_name", "Ana").await;
        page.fill("#last_name", "Silva").await;
        page.select("#language", lang).await;
        page.click("#privacy").await;
        page.submit("button[type=submit]", "p[role=status]").await;
        assert_eq!(page.text("h1").await, w.sent);

        // The link from the mail signs her in and brings her to her profile, welcomed.
        let token = t.next_mail_to("ana@example.org").await.token();
        page.open(&format!("/verify?token={token}&lang={lang}"))
            .await;
        page.click("#privacy").await;
        page.submit("#go", "h1").await;
        assert_eq!(page.path().await, "/profile?welcome=1");
        assert_eq!(page.text("h1").await, w.profile);
        assert!(page.has(".ok[role=status] a[href='/household']").await);
        check_on_phone_and_desktop(page).await;

        // A mistake first: the error is beside the field, and what she typed is kept.
        page.clear("#first_name").await;
        page.fill("#municipality", "Genk").await;
        page.fill("#employer", "UHasselt").await;
        page.select("#country_of_origin", "PT").await;
        page.select("#phase", "settling_in").await;
        page.submit("#save", "#first_name-error").await;
        assert!(
            page.text("#first_name-error")
                .await
                .starts_with(w.first_name_error)
        );
        assert!(
            page.has("#first_name[aria-describedby='first_name-error']")
                .await
        );
        assert!(page.has(".error-summary a[href='#first_name']").await);
        assert!(page.has("#employer[value='UHasselt']").await);
        assert!(page.has("#municipality[value='Genk']").await);
        assert!(
            page.has("#country_of_origin option[value='PT'][selected]")
                .await
        );
        check_on_phone_and_desktop(page).await;
        page.fill("#first_name", "Ana").await;
        page.submit("#save", "p.ok[role=status]").await;
        assert_eq!(page.path().await, "/profile?saved=1");
        check_on_phone_and_desktop(page).await;

        // Her household: a child (a year in the future first), then her partner.
        page.open("/household").await;
        assert_eq!(page.text("h1").await, w.household);
        check_on_phone_and_desktop(page).await;
        page.fill("#first_name", "Lina").await;
        page.fill("#birth_year", "2999").await;
        page.submit("#add-dependent", "#birth_year-error").await;
        assert!(page.has("#first_name[value='Lina']").await);
        check_on_phone_and_desktop(page).await;
        page.clear("#birth_year").await;
        page.fill("#birth_year", "2019").await;
        page.submit("#add-dependent", "p.ok[role=status]").await;
        assert!(page.text("#people").await.contains("Lina"));
        page.fill("#invite_first_name", "Tom").await;
        page.fill("#invite_last_name", "Silva").await;
        page.fill("#invite_email", "tom@example.org").await;
        page.submit("#invite", "#invitation").await;
        assert!(page.text("#invitation").await.contains("tom@example.org"));
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM accounts WHERE employer = 'UHasselt' AND municipality = 'Genk' \
             AND country_of_origin = 'PT' AND phase = 'settling_in'"
        )
        .await,
        1,
        "the profile as she saved it"
    );

    // Her partner opens the invitation in a browser of his own.
    let mail = t.next_mail_to("tom@example.org").await;
    assert!(mail.text.contains(&format!("lang={lang}")), "{}", mail.text);
    let token = mail.token();
    browse(&site, Scripts::On, async |page| {
        page.open(&format!("/invitation?token={token}&lang={lang}"))
            .await;
        check_on_phone_and_desktop(page).await;
        page.click("#privacy").await;
        page.submit("#go", "#people").await;
        assert_eq!(page.path().await, "/household");
        let people = page.text("#people").await;
        for name in ["Ana Silva", "Tom Silva", "Lina"] {
            assert!(people.contains(name), "{name} in {people}");
        }
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'")
            .await,
        2
    );
    assert_eq!(
        t.count("SELECT COUNT(DISTINCT household_id) FROM people")
            .await,
        1,
        "both adults and the child in one household"
    );
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM people WHERE relation = 'child' AND first_name = 'Lina' \
             AND birth_year = 2019"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_newcomer_joins_fills_the_profile_and_brings_the_household_in_english() {
    newcomer_sets_up_profile_and_household(EN).await;
}

#[tokio::test]
async fn a_newcomer_joins_fills_the_profile_and_brings_the_household_in_dutch() {
    newcomer_sets_up_profile_and_household(NL).await;
}

/// A member alone with a child and a place at an event to come; downloads, then erases.
async fn member_downloads_and_erases(lang: &str, goodbye: &str) {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let raj = t.member("raj@example.org", "Raj", "Patel").await;
    let me = t.me(&raj).await;
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Mira", "birth_year": 2020, "relation": "child"}),
            Some(&raj),
        )
        .await;
    child.assert(201);
    let child_id = child.json()["id"].as_str().unwrap().to_owned();
    let event = t
        .event(
            &staff,
            json!({"title": "Picnic", "starts_at": "2030-05-12T12:00", "ends_at": "2030-05-12T15:00",
                   "venue": "Bokrijk", "capacity": 10}),
        )
        .await;
    t.register(
        &raj,
        event["id"].as_str().unwrap(),
        &[me["id"].as_str().unwrap(), &child_id],
    )
    .await
    .assert(201);

    // The download: an attachment of valid JSON with his address.
    let r = Resp::from_test(
        t.client
            .get("/privacy/export")
            .header("cookie", format!("session={raj}"))
            .send()
            .await,
    )
    .await;
    r.assert(200);
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=") && disposition.contains(".json"),
        "{disposition}"
    );
    let export: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(export["account"]["email"], "raj@example.org");

    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&raj).await;
        page.open(&format!("/language/{lang}?next=/privacy")).await;
        assert!(page.has("a[href='/privacy/export']").await);
        assert!(
            page.has("#consents li").await,
            "the privacy policy he accepted"
        );
        check_on_phone_and_desktop(page).await;
        page.click("a#erase").await;
        page.wait_for("button#erase").await;
        assert_eq!(page.path().await, "/privacy/erase");
        check_on_phone_and_desktop(page).await;
        // Not ticked: nothing happens, the box says why.
        page.submit("button#erase", "#confirm-error").await;
        check_on_phone_and_desktop(page).await;
        page.click("#confirm").await;
        page.submit("button#erase", "p[role=status]").await;
        assert_eq!(page.path().await, format!("/privacy/erased?lang={lang}"));
        assert_eq!(page.text("h1").await, goodbye);
        check_on_phone_and_desktop(page).await;
        page.open("/me").await;
        assert_eq!(page.path().await, "/sign-in", "signed out");
    })
    .await;
    t.get("/api/v1/me", Some(&raj)).await.assert(401);
    let erased = t
        .get("/api/v1/members?status=erased", Some(&staff))
        .await
        .json();
    assert_eq!(erased["items"].as_array().unwrap().len(), 1);
    assert_eq!(erased["items"][0]["status"], "erased");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE erased_at IS NOT NULL")
            .await,
        2,
        "nobody with an account left: the child is erased too"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM registrations WHERE status = 'cancelled'")
            .await,
        1,
        "the places at the picnic are given back"
    );
}

#[tokio::test]
async fn a_member_downloads_the_data_and_erases_the_account_in_french() {
    member_downloads_and_erases("fr", "Votre compte est supprimé").await;
}

#[tokio::test]
async fn a_member_downloads_the_data_and_erases_the_account_in_german() {
    member_downloads_and_erases("de", "Dein Konto ist gelöscht").await;
}

/// On a phone with scripts off: sign in with a link, change the child, remove it, leave.
async fn household_on_a_phone_without_scripts(lang: &str) {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.partner(&ana, "tom@example.org", "Tom").await;
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Lina", "birth_year": 2019, "relation": "child"}),
            Some(&ana),
        )
        .await;
    child.assert(201);
    let site = t.serve().await;
    browse(&site, Scripts::Off, async |page| {
        page.open(&format!("/language/{lang}?next=/household"))
            .await;
        page.set_viewport(PHONE).await;
        assert_eq!(page.path().await, "/sign-in");
        page.fill("#email", "ana@example.org").await;
        page.click("#send").await;
        page.wait_for("p[role=status]").await;
        let token = t.next_mail_to("ana@example.org").await.token();
        page.open(&format!("/sign-in?token={token}&lang={lang}"))
            .await;
        page.click("#go").await;
        page.wait_for("#people").await;
        assert_eq!(page.path().await, "/household");
        page.assert_no_sideways_scroll().await;

        page.click("#people a[href^='/household/dependents/']")
            .await;
        page.wait_for("#birth_year").await;
        page.assert_no_sideways_scroll().await;
        page.clear("#birth_year").await;
        page.fill("#birth_year", "soon").await;
        page.click("#save").await;
        page.wait_for("#birth_year-error").await;
        page.assert_no_sideways_scroll().await;
        page.clear("#birth_year").await;
        page.fill("#birth_year", "2018").await;
        page.clear("#first_name").await;
        page.fill("#first_name", "Lena").await;
        page.click("#save").await;
        page.wait_for("p.ok[role=status]").await;
        assert!(page.text("#people").await.contains("Lena"));
        assert_eq!(
            t.count("SELECT COUNT(*) FROM people WHERE first_name = 'Lena' AND birth_year = 2018")
                .await,
            1
        );
        page.assert_no_sideways_scroll().await;

        page.click("#people a[href^='/household/dependents/']")
            .await;
        page.wait_for("#remove").await;
        page.click("#remove").await;
        page.wait_for("p.ok[role=status]").await;
        assert!(!page.text("#people").await.contains("Lena"));

        page.click("a[href='/household/leave']").await;
        page.wait_for("button#leave").await;
        page.assert_no_sideways_scroll().await;
        page.click("button#leave").await;
        page.wait_for("p.ok[role=status]").await;
        assert!(!page.text("#people").await.contains("Tom"));
        page.assert_no_sideways_scroll().await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE first_name IS NULL AND erased_at IS NOT NULL")
            .await,
        1,
        "removed: her details erased"
    );
    assert_eq!(
        t.count("SELECT COUNT(DISTINCT household_id) FROM people WHERE erased_at IS NULL")
            .await,
        2,
        "she has a household of her own"
    );
}

#[tokio::test]
async fn a_member_manages_the_household_on_a_phone_without_scripts_in_german() {
    household_on_a_phone_without_scripts("de").await;
}

#[tokio::test]
async fn a_member_manages_the_household_on_a_phone_without_scripts_in_french() {
    household_on_a_phone_without_scripts("fr").await;
}

// ------------------------------------------------------------------------------ plain HTTP

/// A signed-in browser's cookies (session and CSRF) and the token of the forms on `path`.
async fn signed_in_form(t: &TestApp, session: &str, path: &str) -> (String, String) {
    let r = Resp::from_test(
        t.client
            .get(path)
            .header("cookie", format!("session={session}"))
            .send()
            .await,
    )
    .await;
    r.assert(200);
    let csrf = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("csrf="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let start = r.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let token = r.body[start..].split('"').next().unwrap().to_owned();
    (format!("session={session}; {csrf}"), token)
}

async fn post_form(t: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Resp {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Resp::from_test(
        t.client
            .post(path)
            .header("cookie", cookie)
            .header("accept", "text/html")
            .content_type("application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await,
    )
    .await
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let (cookie, _token) = signed_in_form(&t, &ana, "/profile").await;
    let forged = "forged-forged-forged-forged-forged-forged0";
    for (path, fields) in [
        (
            "/profile",
            vec![("first_name", "Mallory"), ("last_name", "Silva")],
        ),
        ("/profile/email", vec![("email", "mallory@example.org")]),
        (
            "/household/dependents",
            vec![("first_name", "Eve"), ("relation", "child")],
        ),
        (
            "/household/partner",
            vec![
                ("invite_first_name", "Eve"),
                ("invite_last_name", "X"),
                ("invite_email", "eve@example.org"),
            ],
        ),
        ("/household/leave", vec![]),
        ("/privacy/erase", vec![("confirm", "yes")]),
    ] {
        let mut with_forged = fields.clone();
        with_forged.push(("csrf", forged));
        post_form(&t, path, &cookie, &fields).await.assert(403);
        post_form(&t, path, &cookie, &with_forged).await.assert(403);
    }
    t.outbox_settled().await;
    assert_eq!(t.me(&ana).await["first_name"], "Ana");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people").await,
        1,
        "nobody added"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM email_changes").await, 0);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'")
            .await,
        1,
        "not erased"
    );
}

#[tokio::test]
async fn a_member_cannot_change_or_remove_another_household_dependent_through_the_forms() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Lina", "birth_year": 2019, "relation": "child"}),
            Some(&ana),
        )
        .await
        .json();
    let lina = child["id"].as_str().unwrap();
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let raj = t.member("raj@example.org", "Raj", "Patel").await;
    let (cookie, token) = signed_in_form(&t, &raj, "/household").await;

    let page = Resp::from_test(
        t.client
            .get(format!("/household/dependents/{lina}"))
            .header("cookie", &cookie)
            .header("accept", "text/html")
            .send()
            .await,
    )
    .await;
    page.assert(404);
    assert!(!page.body.contains("Lina"), "{}", page.body);
    let r = post_form(
        &t,
        &format!("/household/dependents/{lina}"),
        &cookie,
        &[
            ("csrf", &token),
            ("first_name", "Stolen"),
            ("relation", "child"),
        ],
    )
    .await;
    r.assert(404);
    assert!(r.body.contains("<html"), "a page, not JSON: {}", r.body);
    post_form(
        &t,
        &format!("/household/dependents/{lina}/remove"),
        &cookie,
        &[("csrf", &token)],
    )
    .await
    .assert(404);
    // Nor a member of another household, nor an id that is no id at all.
    for id in [ana_id.as_str(), "not-an-id"] {
        post_form(
            &t,
            &format!("/household/dependents/{id}/remove"),
            &cookie,
            &[("csrf", &token)],
        )
        .await
        .assert(404);
    }
    let household = t.household(&ana).await;
    let people = household["people"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert!(
        people
            .iter()
            .any(|p| p["first_name"] == "Lina" && p["birth_year"] == 2019)
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM people WHERE erased_at IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn the_people_pages_are_small_have_no_script_and_send_strangers_to_sign_in() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let child = t
        .post(
            "/api/v1/me/household/dependents",
            json!({"first_name": "Lina", "relation": "child"}),
            Some(&ana),
        )
        .await
        .json();
    let edit = format!("/household/dependents/{}", child["id"].as_str().unwrap());
    // Alone, there is no household to leave.
    let alone = Resp::from_test(
        t.client
            .get("/household/leave")
            .header("cookie", format!("session={ana}"))
            .send()
            .await,
    )
    .await;
    alone.assert(303);
    assert_eq!(alone.header("location"), Some("/household"));
    t.partner(&ana, "tom@example.org", "Tom").await;
    let css = t.get("/static/site.css", None).await.body.len();
    for path in [
        "/profile?welcome=1",
        "/household",
        edit.as_str(),
        "/household/leave",
        "/privacy",
        "/privacy/erase",
    ] {
        let r = Resp::from_test(
            t.client
                .get(path)
                .header("cookie", format!("session={ana}; lang=fr"))
                .send()
                .await,
        )
        .await;
        r.assert(200);
        assert!(r.body.contains("<html lang=\"fr\">"), "{path}");
        assert!(!r.body.contains("<script"), "{path}");
        let total = r.body.len() + css;
        assert!(
            total <= 60 * 1024,
            "{path}: {total} bytes with the stylesheet"
        );
        // Signed out: to sign in first, and back here afterwards.
        let r = t.get(path, None).await;
        r.assert(303);
        assert_eq!(r.header("location"), Some("/sign-in"), "{path}");
    }
}

#[tokio::test]
async fn the_profile_page_starts_a_change_of_address_that_only_the_new_mailbox_completes() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let (cookie, token) = signed_in_form(&t, &ana, "/profile").await;
    let cookie = format!("{cookie}; lang=nl");
    // Not an address, or the one she has: the form comes back, with the error beside it.
    for typed in ["ana@", "ana@example.org"] {
        let r = post_form(
            &t,
            "/profile/email",
            &cookie,
            &[("csrf", &token), ("email", typed)],
        )
        .await;
        r.assert(422);
        assert!(r.body.contains("id=\"email-error\""), "{}", r.body);
        assert!(
            r.body.contains("Vul een nieuw e-mailadres in"),
            "{}",
            r.body
        );
        assert!(r.body.contains(&format!("value=\"{typed}\"")), "{}", r.body);
    }
    let r = post_form(
        &t,
        "/profile/email",
        &cookie,
        &[("csrf", &token), ("email", "ana@uhasselt.example")],
    )
    .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/profile?email=sent#address"));
    let mail = t.next_mail_to("ana@uhasselt.example").await;
    assert!(mail.text.contains("/change-email?token="), "{}", mail.text);
    let page = Resp::from_test(
        t.client
            .get("/profile?email=sent")
            .header("cookie", &cookie)
            .send()
            .await,
    )
    .await;
    assert!(
        page.body
            .contains("We hebben een link naar het nieuwe adres gestuurd")
    );
    // Until the link is followed, the address stays.
    assert_eq!(t.me(&ana).await["email"], "ana@example.org");
    t.post(
        "/api/v1/email/confirm",
        json!({"token": mail.token()}),
        None,
    )
    .await
    .assert(200);
    assert_eq!(t.me(&ana).await["email"], "ana@uhasselt.example");
}
