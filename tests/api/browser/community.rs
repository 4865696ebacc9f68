//! The community pages in Chromium, each journey in two languages: the newsletter from
//! subscribing to unsubscribing from the mail's link, mentoring from applying to feedback, and
//! moving away to the alumni directory; every page state (forms with their errors too) passes
//! axe at phone and desktop width; one journey on a phone with scripts off.

use std::time::Duration;

use limburgers_worldwide::values::Role;
use serde_json::{Value, json};

use super::check_on_phone_and_desktop;
use super::harness::{PHONE, Page, Scripts, browse};
use crate::helpers::TestApp;

/// A verified member in `language`, without the newsletter; answers the session token.
async fn member_in(t: &TestApp, email: &str, first: &str, last: &str, language: &str) -> String {
    t.post(
        "/api/v1/members",
        json!({"email": email, "first_name": first, "last_name": last, "language": language,
               "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to(email).await;
    t.verify(&mail.token(), false).await
}

/// Waits until the newsletter `id` has status `status`.
async fn wait_status(t: &TestApp, staff: &str, id: &str, status: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let n = t
            .get(&format!("/api/v1/newsletters/{id}"), Some(staff))
            .await
            .json();
        if n["status"] == status {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "newsletter: {n}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The words a journey expects, in one language.
struct Newsletter {
    lang: &'static str,
    title: &'static str,
    check_mailbox: &'static str,
    confirm_title: &'static str,
    unsubscribe_title: &'static str,
    unsubscribed_title: &'static str,
    not_received: &'static str,
}

async fn newsletter_journey(w: Newsletter) {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let email = format!("reader-{}@example.org", w.lang);
    let session = member_in(&t, &email, "Reader", "One", w.lang).await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&session).await;
        // No switcher used: the page speaks the member's own language.
        page.open("/newsletter").await;
        assert_eq!(page.text("h1").await, w.title);
        assert_eq!(page.text(".list-community .state").await, w.not_received);
        check_on_phone_and_desktop(page).await;
        page.submit("#community-subscribe", "p[role=status]").await;
        assert_eq!(page.text("p[role=status]").await, w.check_mailbox);
        check_on_phone_and_desktop(page).await;

        let confirm = t.next_mail_to(&email).await;
        assert!(confirm.text.contains("/newsletter/confirm?token="));
        page.open(&format!(
            "/newsletter/confirm?token={}&lang={}",
            confirm.token(),
            w.lang
        ))
        .await;
        assert_eq!(page.text("h1").await, w.confirm_title);
        check_on_phone_and_desktop(page).await;
        page.submit("#go", "p[role=status]").await;
        check_on_phone_and_desktop(page).await;
    })
    .await;

    // Staff send an issue; it reaches the reader.
    let n = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "Spring in Limburg"}, "body": {"en": "The **blossom** is out."},
                   "segment": "community"}),
            Some(&staff),
        )
        .await
        .json();
    let id = n["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(&staff),
    )
    .await
    .assert(200);
    wait_status(&t, &staff, id, "sent").await;
    t.outbox_settled().await;
    let issue = t
        .mails_to(&email)
        .into_iter()
        .find(|m| m.subject == "Spring in Limburg")
        .expect("the issue");
    let unsubscribe = issue
        .raw
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: "))
        .expect("List-Unsubscribe")
        .trim_matches(['<', '>'])
        .split_once("community.test")
        .unwrap()
        .1
        .to_owned();

    // The link from the mail, in a browser that is not signed in (and asks for English): the
    // site's page in the reader's language.
    browse(&site, Scripts::On, async |page| {
        page.open(&unsubscribe).await;
        assert_eq!(page.text("h1").await, w.unsubscribe_title);
        assert!(page.has("link[href^='/static/site.css']").await);
        check_on_phone_and_desktop(page).await;
        page.submit("#unsubscribe", "p[role=status]").await;
        assert_eq!(page.path().await, unsubscribe, "post, redirect, get");
        assert_eq!(page.text("h1").await, w.unsubscribed_title);
        check_on_phone_and_desktop(page).await;

        // Signed in, the newsletter page says so too.
        page.sign_in_with(&session).await;
        page.open("/newsletter").await;
        assert_eq!(page.text(".list-community .state").await, w.not_received);
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM consents WHERE source = 'one_click' AND granted = 0")
            .await,
        1
    );
}

#[tokio::test]
async fn a_member_subscribes_reads_an_issue_and_unsubscribes_from_the_mail_in_dutch() {
    newsletter_journey(Newsletter {
        lang: "nl",
        title: "Nieuwsbrieven",
        check_mailbox: "Kijk in je mailbox: bevestig met de link die we je net stuurden.",
        confirm_title: "Bevestig je inschrijving",
        unsubscribe_title: "Uitschrijven",
        unsubscribed_title: "Je bent uitgeschreven",
        not_received: "Je ontvangt hem niet.",
    })
    .await;
}

#[tokio::test]
async fn a_member_subscribes_reads_an_issue_and_unsubscribes_from_the_mail_in_french() {
    newsletter_journey(Newsletter {
        lang: "fr",
        title: "Lettres d'information",
        check_mailbox: "Consultez votre boîte mail : confirmez avec le lien que nous venons de vous envoyer.",
        confirm_title: "Confirmez votre abonnement",
        unsubscribe_title: "Se désabonner",
        unsubscribed_title: "Vous êtes désabonné",
        not_received: "Vous ne la recevez pas.",
    })
    .await;
}

/// A programme for partners, as staff create it.
async fn partner_programme(t: &TestApp, staff: &str) -> String {
    let r = t
        .post(
            "/api/v1/programmes",
            json!({"name": {"en": "Partners at work", "nl": "Partners aan het werk", "de": "Partner im Beruf"},
                   "description": {"en": "Towards a job in Limburg, with VDAB."},
                   "audience": "partners", "starts_on": "2030-01-15", "ends_on": "2030-06-30",
                   "max_mentees_per_mentor": 2}),
            Some(staff),
        )
        .await;
    r.assert(201);
    r.json()["id"].as_str().unwrap().to_owned()
}

struct Mentoring {
    lang: &'static str,
    title: &'static str,
    applied: &'static str,
    not_mentee: &'static str,
    goals_error: &'static str,
    thanks: &'static str,
}

/// Switches the browser's language and opens `path`.
async fn open_in(page: &Page, lang: &str, path: &str) {
    page.open(&format!("/language/{lang}?next={path}")).await;
    assert_eq!(page.path().await, path);
}

async fn mentoring_journey(w: Mentoring) {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let raj = t.partner(&ana, "raj@example.org", "Raj").await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let p = partner_programme(&t, &staff).await;
    let mentor: Value = t
        .post(
            &format!("/api/v1/programmes/{p}/mentors"),
            json!({"expertise": ["Job search in Flanders"], "sectors": ["engineering"], "languages": ["en", "nl"], "capacity": 2}),
            Some(&bo),
        )
        .await
        .json();
    let site = t.serve().await;

    // The primary member reads that the programme takes partners as mentees, and is not
    // offered that form.
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        open_in(page, w.lang, "/mentoring").await;
        assert_eq!(page.text("h1").await, w.title);
        assert_eq!(page.text(".not-mentee").await, w.not_mentee);
        assert!(page.has(".apply-mentor").await && !page.has(".apply-mentee").await);
        check_on_phone_and_desktop(page).await;
        page.open(&format!("/mentoring/programmes/{p}/mentee"))
            .await;
        assert_eq!(page.text(".not-mentee").await, w.not_mentee);
        assert!(!page.has("#apply").await, "no form for who may not apply");
        check_on_phone_and_desktop(page).await;
    })
    .await;

    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&raj).await;
        open_in(page, w.lang, "/mentoring").await;
        assert!(!page.has(".not-mentee").await, "a partner may apply");
        check_on_phone_and_desktop(page).await;
        page.submit(".apply-mentee", "#goals").await;
        check_on_phone_and_desktop(page).await;
        // Without a goal, the form comes back saying so beside the field.
        page.click("#lang_en").await;
        page.submit("#apply", "#goals-error").await;
        assert_eq!(page.text("#goals-error").await, w.goals_error);
        assert!(
            page.has("#lang_en:checked").await,
            "what was ticked is kept"
        );
        check_on_phone_and_desktop(page).await;
        page.fill("#goals", "job search, dutch").await;
        page.fill("#sector", "Engineering").await;
        page.submit("#apply", "p[role=status]").await;
        assert_eq!(page.path().await, "/mentoring?done=applied");
        assert_eq!(page.text(".card .tag").await, w.applied);
        check_on_phone_and_desktop(page).await;

        // Staff confirm the match: Raj sees his mentor's contact.
        let mentee = t
            .get(
                &format!("/api/v1/programmes/{p}/applications"),
                Some(&staff),
            )
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["role"] == "mentee")
            .cloned()
            .unwrap();
        let m = t
            .post(
                &format!("/api/v1/programmes/{p}/matches"),
                json!({"mentor_id": mentor["id"], "mentee_id": mentee["id"]}),
                Some(&staff),
            )
            .await;
        m.assert(201);
        let mid = m.json()["id"].as_str().unwrap().to_owned();
        page.open("/mentoring").await;
        let contact = page.text(".contact").await;
        assert!(
            contact.contains("Bo Peeters") && contact.contains("bo@example.org"),
            "{contact}"
        );
        assert!(page.has(&format!("#withdraw-{mid}")).await);
        check_on_phone_and_desktop(page).await;

        // The mentoring is completed; his feedback without a rating comes back, then goes.
        for step in ["start", "complete"] {
            t.post(
                &format!("/api/v1/programmes/{p}/matches/{mid}/{step}"),
                json!({}),
                Some(&staff),
            )
            .await
            .assert(200);
        }
        page.open("/mentoring").await;
        page.fill(&format!("#comment-{mid}"), "Found a job in Genk!")
            .await;
        page.submit(&format!("#feedback-{mid}"), &format!("#rating-{mid}-error"))
            .await;
        check_on_phone_and_desktop(page).await;
        page.select(&format!("#rating-{mid}"), "5").await;
        page.submit(&format!("#feedback-{mid}"), "p[role=status]")
            .await;
        assert_eq!(page.text("p[role=status]").await, w.thanks);
        assert!(
            page.text(".feedback-given")
                .await
                .contains("Found a job in Genk!")
        );
        check_on_phone_and_desktop(page).await;
    })
    .await;
    let m = t
        .get(&format!("/api/v1/programmes/{p}/matches"), Some(&staff))
        .await
        .json();
    assert_eq!(m[0]["mentee_rating"], 5);
    assert_eq!(m[0]["mentee_comment"], "Found a job in Genk!");
}

#[tokio::test]
async fn a_partner_applies_as_mentee_is_matched_and_gives_feedback_in_german() {
    mentoring_journey(Mentoring {
        lang: "de",
        title: "Mentoring",
        applied: "Du hast dich als Mentee beworben",
        not_mentee: "Du kannst dich hier als Mentor bewerben. Als Mentees nimmt dieses Programm nur Partner auf.",
        goals_error: "Nenne mindestens ein Ziel (höchstens 20, jeweils bis zu 200 Zeichen)",
        thanks: "Danke für dein Feedback.",
    })
    .await;
}

#[tokio::test]
async fn a_partner_applies_as_mentee_is_matched_and_gives_feedback_in_english() {
    mentoring_journey(Mentoring {
        lang: "en",
        title: "Mentoring",
        applied: "You applied as mentee",
        not_mentee: "You can apply here as a mentor. As a mentee, this programme takes partners only.",
        goals_error: "Name at least one goal (at most 20, each up to 200 characters)",
        thanks: "Thank you for your feedback.",
    })
    .await;
}

/// The date `days` from today, as the date field takes it from a keyboard (month, day, year:
/// the browser runs in US English).
fn typed_date(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%m%d%Y")
        .to_string()
}

fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive()
        .to_string()
}

/// Bo has moved to Germany and shows his name and city in the directory.
async fn alumnus_in_germany(t: &TestApp) {
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    t.post(
        "/api/v1/me/departure",
        json!({"leaving_on": today(), "destination_country": "DE", "destination_city": "Aachen", "keep_in_touch": true}),
        Some(&bo),
    )
    .await
    .assert(200);
    t.put_json(
        "/api/v1/me/directory",
        json!({"visible": true, "fields": ["first_name", "last_name", "destination_city", "destination_country"]}),
        Some(&bo),
    )
    .await
    .assert(200);
}

struct Alumni {
    lang: &'static str,
    moving_title: &'static str,
    alumni_title: &'static str,
    country_error: &'static str,
    recorded: &'static str,
    card_saved: &'static str,
}

async fn alumni_journey(w: Alumni) {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    alumnus_in_germany(&t).await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&ana).await;
        open_in(page, w.lang, "/alumni").await;
        assert_eq!(page.text("h1").await, w.moving_title);
        check_on_phone_and_desktop(page).await;
        // A date but no country: the form comes back with the error, the date kept.
        page.fill("#leaving_on", &typed_date(30)).await;
        page.fill("#destination_city", "Toronto").await;
        page.submit("#depart", "#destination_country-error").await;
        assert_eq!(
            page.text("#destination_country-error").await,
            w.country_error
        );
        check_on_phone_and_desktop(page).await;
        page.select("#destination_country", "CA").await;
        page.submit("#depart", "p[role=status]").await;
        assert_eq!(page.text("p[role=status]").await, w.recorded);
        assert!(page.text("#alumni-state").await.contains("Toronto"));
        check_on_phone_and_desktop(page).await;

        // The leaving date comes; the daily job makes her an alumna.
        sqlx::query("UPDATE accounts SET leaving_on = $1 WHERE leaving_on IS NOT NULL AND status = 'active'")
            .bind(today())
            .execute(&t.app.db.read)
            .await
            .unwrap();
        let job = limburgers_worldwide::jobs::find("alumni-transition").unwrap();
        (job.run)(t.app.clone()).await.unwrap();
        page.open("/alumni").await;
        assert_eq!(page.text("h1").await, w.alumni_title);
        assert!(page.has("#come-back").await, "the way back");
        check_on_phone_and_desktop(page).await;

        // Her card: in the directory, with her last name and city too.
        page.click("#visible").await;
        page.click("#card-last_name").await;
        page.click("#card-destination_city").await;
        page.submit("#save-card", "p[role=status]").await;
        assert_eq!(page.text("p[role=status]").await, w.card_saved);
        assert!(page.has("#visible:checked").await && page.has("#card-last_name:checked").await);
        check_on_phone_and_desktop(page).await;

        // She looks for alumni in Germany and finds Bo.
        page.open("/alumni/directory").await;
        check_on_phone_and_desktop(page).await;
        page.select("#country", "DE").await;
        page.submit("#filter", ".alumnus").await;
        assert_eq!(page.text(".alumnus h3").await, "Bo Peeters");
        assert!(page.text(".alumnus .where").await.contains("Aachen"));
        check_on_phone_and_desktop(page).await;
        page.open("/alumni/directory?country=XX").await;
        assert!(page.has("#country-error").await);
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE status = 'alumni' AND directory_visible = 1")
            .await,
        2
    );
    // Somebody not signed in is sent to sign in.
    browse(&site, Scripts::On, async |page| {
        page.open("/alumni/directory").await;
        assert_eq!(page.path().await, "/sign-in");
    })
    .await;
}

#[tokio::test]
async fn a_member_moves_away_becomes_an_alumna_and_finds_alumni_by_country_in_french() {
    alumni_journey(Alumni {
        lang: "fr",
        moving_title: "Partir",
        alumni_title: "Alumni",
        country_error: "Choisissez un pays dans la liste",
        recorded: "Votre départ est enregistré.",
        card_saved: "Votre fiche dans l'annuaire est enregistrée.",
    })
    .await;
}

#[tokio::test]
async fn a_member_moves_away_becomes_an_alumna_and_finds_alumni_by_country_in_dutch() {
    alumni_journey(Alumni {
        lang: "nl",
        moving_title: "Vertrekken",
        alumni_title: "Alumni",
        country_error: "Kies een land uit de lijst",
        recorded: "Je vertrek is genoteerd.",
        card_saved: "Je kaartje in de gids is bewaard.",
    })
    .await;
}

/// On a phone with scripts off: each community page fits the screen, and the forms work
/// (announce a departure, change it back by coming home, subscribe to a newsletter).
#[tokio::test]
async fn the_community_pages_work_on_a_phone_without_javascript() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    partner_programme(&t, &staff).await;
    alumnus_in_germany(&t).await;
    let site = t.serve().await;
    browse(&site, Scripts::Off, async |page| {
        page.sign_in_with(&ana).await;
        page.set_viewport(PHONE).await;
        open_in(page, "nl", "/mentoring").await;
        page.assert_no_sideways_scroll().await;
        page.click(".apply-mentor").await;
        page.wait_for("#expertise").await;
        page.assert_no_sideways_scroll().await;
        page.clear("#capacity").await;
        page.fill("#capacity", "0").await;
        page.click("#apply").await;
        page.wait_for(".error-summary").await;
        page.assert_no_sideways_scroll().await;

        page.open("/alumni").await;
        page.assert_no_sideways_scroll().await;
        page.fill("#leaving_on", &typed_date(10)).await;
        page.select("#destination_country", "PT").await;
        page.fill("#destination_city", "Lisboa").await;
        page.click("#depart").await;
        page.wait_for("#alumni-state").await;
        assert!(page.text("#alumni-state").await.contains("Lisboa"));
        page.assert_no_sideways_scroll().await;

        // Leaving now, the alumni newsletter is hers to take.
        page.open("/newsletter").await;
        page.assert_no_sideways_scroll().await;
        page.click("#alumni-subscribe").await;
        page.wait_for("p[role=status]").await;
        page.assert_no_sideways_scroll().await;

        page.open("/alumni/directory?country=DE").await;
        assert_eq!(page.text(".alumnus h3").await, "Bo Peeters");
        page.assert_no_sideways_scroll().await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM subscriptions WHERE list = 'alumni' AND status = 'pending'")
            .await,
        1,
        "asked for the alumni newsletter (to confirm by mail)"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE destination_city = 'Lisboa'")
            .await,
        1
    );
}
