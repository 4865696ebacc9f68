//! The back office's newsletter and mentoring in a real browser, in two languages, with axe
//! at phone and desktop width on every page state (forms with errors too): an issue written,
//! previewed for a Dutch member, test-sent, sent and counted; a mentor match confirmed from
//! the named suggestions and moved along.

use std::time::Duration;

use limburgers_worldwide::values::Role;

use super::check_on_phone_and_desktop;
use super::harness::{Scripts, browse};
use crate::helpers::TestApp;
use crate::staff_news::{programme, subscriber};

#[tokio::test]
async fn an_issue_is_written_previewed_for_a_dutch_member_test_sent_and_sent() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    subscriber(&t, "joke@example.org", "Joke", "nl").await;
    subscriber(&t, "ana@example.org", "Ana", "en").await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.open("/staff/newsletter").await;
        assert!(page.text("main").await.contains("2 active subscribers"));
        check_on_phone_and_desktop(page).await;

        page.open("/staff/newsletter/new").await;
        check_on_phone_and_desktop(page).await;
        page.fill("#body_en", "Dear all,\n\nThe **blossom** is out.")
            .await;
        page.fill("#subject_nl", "Lente in Limburg").await;
        page.fill(
            "#body_nl",
            "Beste allemaal,\n\nDe **bloesem** staat in bloei.",
        )
        .await;
        // The English subject is missing: the form comes back with the error beside it.
        page.submit("#save", "#subject_en-error").await;
        assert!(page.value("#body_nl").await.contains("bloesem"));
        check_on_phone_and_desktop(page).await;
        page.fill("#subject_en", "Spring in Limburg").await;
        page.submit("#save", "p[role=status]").await;
        let issue = page.path().await.split('?').next().unwrap().to_owned();

        // As the Dutch member gets it.
        page.fill("#preview_email", "joke@example.org").await;
        page.submit("#show-preview", "#mail-text").await;
        assert_eq!(page.text("#preview-title").await, "Lente in Limburg");
        let text = page.text("#mail-text").await;
        assert!(text.contains("bloesem"), "{text}");
        assert!(text.contains("Joke"), "greeted by name: {text}");
        check_on_phone_and_desktop(page).await;

        // The rest in Dutch: a test to an address of choice.
        page.open(&format!("/language/nl?next={issue}")).await;
        page.fill("#email", "test@expatcentre.test").await;
        page.select("#test_lang", "nl").await;
        page.submit("#send-test", "p[role=status]").await;
        assert!(page.text("p[role=status]").await.contains("onderweg"));
        check_on_phone_and_desktop(page).await;
        let test = t.next_mail_to("test@expatcentre.test").await;
        assert_eq!(test.subject, "Lente in Limburg");

        page.submit("#send", "p[role=status]").await;
        // "Live" is a reload: until every recipient is sent.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            page.open(&issue).await;
            let sent = page.text("#count-sent").await;
            if sent == "2" && page.text("#count-recipients").await == "2" {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "sent {sent} of 2");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(page.text("main").await.contains("verstuurd"));
        check_on_phone_and_desktop(page).await;
    })
    .await;
    let joke: Vec<_> = t
        .mails_to("joke@example.org")
        .into_iter()
        .filter(|m| m.subject == "Lente in Limburg")
        .collect();
    assert_eq!(joke.len(), 1, "the member got the issue once, in Dutch");
}

#[tokio::test]
async fn a_mentor_match_is_confirmed_from_the_named_suggestions_and_moved_along() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let (p, _, _) = programme(&t, &staff).await;
    let site = t.serve().await;
    browse(&site, Scripts::On, async |page| {
        page.sign_in_with(&staff).await;
        page.open("/staff/mentoring").await;
        assert!(page.text("main").await.contains("Partners at work"));
        check_on_phone_and_desktop(page).await;

        page.open("/staff/mentoring/new").await;
        check_on_phone_and_desktop(page).await;
        page.submit("#save", "#name_en-error").await;
        check_on_phone_and_desktop(page).await;

        page.open(&format!("/staff/mentoring/{p}")).await;
        let main = page.text("main").await;
        assert!(main.contains("Ravi Partner"), "{main}");
        assert!(main.contains("Bo Peeters"), "{main}");
        assert!(main.contains("works in the mentee's sector"), "{main}");
        check_on_phone_and_desktop(page).await;
        page.submit("button[aria-label*='Bo Peeters']", "p[role=status]")
            .await;
        assert!(page.text("main table").await.contains("matched"));
        check_on_phone_and_desktop(page).await;
        let intro = t.next_mail_to("bo@example.org").await;
        assert!(intro.text.contains("Ravi"), "{}", intro.text);

        page.open(&format!("/language/nl?next=/staff/mentoring/{p}"))
            .await;
        check_on_phone_and_desktop(page).await;
        page.submit("button[aria-label^='Ontmoet']", "p[role=status]")
            .await;
        assert!(page.text("main table").await.contains("ontmoet, loopt"));
        page.submit("button[aria-label^='Afronden']", "p[role=status]")
            .await;
        assert!(page.text("main table").await.contains("afgerond"));
        check_on_phone_and_desktop(page).await;
    })
    .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM matches WHERE status = 'completed'")
            .await,
        1
    );
}
