//! The back office's members, audit log and admin pages over HTTP: every page and action in the
//! authorization matrix, and what the forms do (the same domain rules as the API: staff change
//! members only, admins anyone and roles; erasure after a confirmation; a token's secret shown
//! once and not stored by a cache).

use limburgers_worldwide::values::Role;

use crate::helpers::TestApp;
use crate::staff_pages::{Access, Callers, Row, check};

const FAKE: &str = "00000000-0000-4000-8000-000000000000";

/// Every page and action of the members, audit and admin areas, for a plain member `member`.
pub fn routes(member: &str) -> Vec<Row> {
    let m = |s: &str| format!("/staff/members/{member}{s}");
    vec![
        ("GET", "/staff/members?q=an".into(), Access::Staff, false),
        ("GET", m(""), Access::Staff, false),
        ("GET", m("/edit"), Access::Staff, false),
        // Empty forms: the allowed callers get them back with errors (422), nothing changes.
        ("POST", m("/edit"), Access::Staff, false),
        ("POST", m("/email"), Access::Staff, false),
        ("POST", m("/departure"), Access::Staff, false),
        ("GET", m("/erase"), Access::Admin, false),
        ("POST", m("/erase"), Access::Admin, true),
        ("GET", "/staff/audit".into(), Access::Staff, false),
        ("GET", "/staff/admin".into(), Access::Admin, false),
        ("POST", "/staff/admin/staff".into(), Access::Admin, false),
        ("POST", "/staff/admin/tokens".into(), Access::Admin, false),
        (
            "POST",
            format!("/staff/admin/tokens/{FAKE}/revoke"),
            Access::Admin,
            false,
        ),
    ]
}

#[tokio::test]
async fn members_audit_and_admin_pages_admit_exactly_staff_and_admins() {
    let t = TestApp::spawn().await;
    let c = Callers::new(&t).await;
    let (_, zoe) = t.quick_member("zoe@example.org").await;
    check(&t, &c, &routes(&zoe)).await;
    // The member the refused callers tried to erase is still there.
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'zoe@example.org' AND status = 'active'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn staff_search_by_beginnings_of_words_and_page_through_the_register() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    t.member("ana.peeters@example.org", "Ana", "Peeters").await;
    for i in 0..26 {
        t.quick_member(&format!("quick{i:02}@example.org")).await;
    }
    let r = t.page("/staff/members?q=pee+an", Some(&staff)).await;
    r.assert(200);
    assert!(r.body.contains("Ana Peeters"), "{}", r.body);
    assert!(!r.body.contains("quick00@"));
    // 26 quick members + staff + Ana: two pages of 25, the second reached by its link.
    let first = t.page("/staff/members?q=quick", Some(&staff)).await;
    first.assert(200);
    assert_eq!(first.body.matches("@example.org</td>").count(), 25);
    let next = first
        .body
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|h| h.contains("cursor=")))
        .expect("a link to the next page")
        .replace("&amp;", "&");
    let second = t.page(&next, Some(&staff)).await;
    second.assert(200);
    // The heaviest pages stay within the site's weight limit, stylesheet included.
    let css = t.get("/static/site.css", None).await.body.len();
    let (_, id) = t.quick_member("heavy@example.org").await;
    for path in [
        "/staff/members?q=quick".to_owned(),
        format!("/staff/members/{id}?lang=fr"),
        format!("/staff/members/{id}/edit?lang=de"),
        "/staff/audit".to_owned(),
    ] {
        let total = t.page(&path, Some(&staff)).await.body.len() + css;
        assert!(
            total <= 60 * 1024,
            "{path}: {total} bytes with the stylesheet"
        );
    }
    assert_eq!(second.body.matches("@example.org</td>").count(), 1);
    // Control characters are refused as the API refuses them, with the form back.
    let bad = t.page("/staff/members?q=a%07", Some(&staff)).await;
    bad.assert(422);
    assert!(bad.body.contains("q-error"), "{}", bad.body);
}

#[tokio::test]
async fn staff_edit_a_member_with_errors_beside_the_fields_and_never_another_staff_member() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let other = t.staff("other@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let other_id = t.me(&other).await["id"].as_str().unwrap().to_owned();
    let edit = format!("/staff/members/{id}/edit");
    let fields = |phase: &'static str| {
        vec![
            ("first_name", "Ana"),
            ("last_name", "Silva"),
            ("language", "en"),
            ("phase", phase),
        ]
    };
    // A phase the list does not offer: the form comes back, in the visitor's language.
    let r = t
        .form(&format!("{edit}?lang=nl"), Some(&staff), &fields("gone"))
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"phase-error\""), "{}", r.body);
    assert!(r.body.contains("Kies een fase uit de lijst"), "{}", r.body);
    assert!(r.body.contains("value=\"Silva\""));
    t.form(&edit, Some(&staff), &fields("settling_in"))
        .await
        .assert(303);
    assert_eq!(t.me(&ana).await["phase"], "settling_in");
    // Staff may not give roles: the domain refuses it (403), as the API does.
    let mut with_role = fields("settling_in");
    with_role.push(("role", "admin"));
    t.form(&edit, Some(&staff), &with_role).await.assert(403);
    assert_eq!(t.me(&ana).await["role"], "member");
    // Another staff member's account is the admins' to change.
    let theirs = format!("/staff/members/{other_id}/edit");
    let r = t.page(&theirs, Some(&staff)).await;
    r.assert(403);
    assert!(r.body.contains("<h1>"));
    t.form(&theirs, Some(&staff), &fields("leaving"))
        .await
        .assert(403);
    t.form(
        &format!("/staff/members/{other_id}/email"),
        Some(&staff),
        &[("email", "x@example.org")],
    )
    .await
    .assert(403);
    let r = t
        .page(&format!("/staff/members/{other_id}"), Some(&staff))
        .await;
    r.assert(200);
    assert!(
        !r.body.contains("/edit\""),
        "no edit link for another staff member"
    );
}

#[tokio::test]
async fn staff_start_an_email_change_and_record_a_departure_from_the_members_page() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let page = format!("/staff/members/{id}");
    let r = t
        .form(
            &format!("{page}/email"),
            Some(&staff),
            &[("email", "not an address")],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"email-error\""));
    assert!(r.body.contains("value=\"not an address\""));
    let r = t
        .form(
            &format!("{page}/email"),
            Some(&staff),
            &[("email", "ana@new.example.org")],
        )
        .await;
    r.assert(303);
    assert_eq!(
        r.header("location"),
        Some(format!("{page}?done=email").as_str())
    );
    let mail = t.next_mail_to("ana@new.example.org").await;
    assert!(mail.text.contains("/change-email"), "{}", mail.text);
    let r = t.page(&page, Some(&staff)).await;
    assert!(
        r.body.contains("ana@new.example.org"),
        "pending address shown"
    );
    // What is held on her: the consent she gave, the mails by kind and status, not their text.
    assert!(r.body.contains("<code>privacy_policy</code>"), "{}", r.body);
    assert!(r.body.contains("<code>verification</code>"));
    assert!(r.body.contains("<code>email_change</code>"));
    assert!(!r.body.contains("/verify?token="), "no mail bodies");

    // A departure: a bad date first, then one next month.
    let r = t
        .form(
            &format!("{page}/departure"),
            Some(&staff),
            &[("leaving_on", "soon"), ("destination_country", "CA")],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"leaving_on-error\""), "{}", r.body);
    let on = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
    t.form(
        &format!("{page}/departure"),
        Some(&staff),
        &[("leaving_on", &on), ("destination_country", "CA")],
    )
    .await
    .assert(303);
    assert_eq!(t.me(&ana).await["phase"], "leaving");
    let r = t.page(&page, Some(&staff)).await;
    assert!(r.body.contains("id=\"leaving-on\""), "{}", r.body);
}

#[tokio::test]
async fn an_admin_changes_a_role_and_erases_a_member_after_the_confirmation() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let ben = t.member("ben@example.org", "Ben", "Jansen").await;
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();
    let ben_id = t.me(&ben).await["id"].as_str().unwrap().to_owned();
    let r = t
        .page(&format!("/staff/members/{ana_id}/edit"), Some(&admin))
        .await;
    assert!(r.body.contains("name=\"role\""), "admins see the role");
    t.form(
        &format!("/staff/members/{ana_id}/edit"),
        Some(&admin),
        &[
            ("first_name", "Ana"),
            ("last_name", "Silva"),
            ("language", "en"),
            ("role", "staff"),
        ],
    )
    .await
    .assert(303);
    assert_eq!(t.me(&ana).await["role"], "staff");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.role_changed'")
            .await,
        1
    );
    // The confirmation page changes nothing; the button erases.
    let r = t
        .page(&format!("/staff/members/{ben_id}/erase"), Some(&admin))
        .await;
    r.assert(200);
    assert!(r.body.contains("ben@example.org"));
    assert_eq!(t.get("/api/v1/me", Some(&ben)).await.status, 200);
    let r = t
        .form(&format!("/staff/members/{ben_id}/erase"), Some(&admin), &[])
        .await;
    r.assert(303);
    assert_eq!(r.header("location"), Some("/staff/members?done=erased"));
    assert_eq!(t.get("/api/v1/me", Some(&ben)).await.status, 401);
    t.page(&format!("/staff/members/{ben_id}"), Some(&admin))
        .await
        .assert(404);
}

#[tokio::test]
async fn an_admin_issues_a_token_shown_once_that_works_until_revoked_and_the_log_shows_it() {
    let t = TestApp::spawn().await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let admin_id = t.me(&admin).await["id"].as_str().unwrap().to_owned();
    // A staff account made on the page: nothing is mailed to it.
    t.form(
        "/staff/admin/staff",
        Some(&admin),
        &[
            ("email", "new@expatcentre.test"),
            ("first_name", "Nia"),
            ("last_name", "Staff"),
            ("role", "staff"),
        ],
    )
    .await
    .assert(303);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE email = 'new@expatcentre.test' AND role = 'staff' AND status = 'active'")
            .await,
        1
    );
    t.outbox_settled().await;
    assert!(t.mails_to("new@expatcentre.test").is_empty());
    let r = t
        .form(
            "/staff/admin/staff",
            Some(&admin),
            &[("email", "x"), ("role", "king")],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"email-error\"") && r.body.contains("id=\"role-error\""));

    let r = t
        .form(
            "/staff/admin/tokens",
            Some(&admin),
            &[
                ("holder", &admin_id),
                ("name", "door scanner"),
                ("days", "0"),
            ],
        )
        .await;
    r.assert(422);
    assert!(r.body.contains("id=\"days-error\""), "{}", r.body);
    assert!(r.body.contains("value=\"door scanner\""));
    let r = t
        .form(
            "/staff/admin/tokens",
            Some(&admin),
            &[
                ("holder", &admin_id),
                ("name", "door scanner"),
                ("days", "30"),
            ],
        )
        .await;
    r.assert(201);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let secret = r
        .body
        .split("id=\"secret\" class=\"secret\" readonly value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the secret on the page")
        .to_owned();
    t.get("/api/v1/me", Some(&secret)).await.assert(200);
    let admin_page = t.page("/staff/admin", Some(&admin)).await;
    assert!(admin_page.body.contains("door scanner"));
    assert!(!admin_page.body.contains(&secret), "never shown again");
    let id: (String,) = sqlx::query_as("SELECT id FROM tokens WHERE name = 'door scanner'")
        .fetch_one(t.app.db.writer())
        .await
        .unwrap();
    t.form(
        &format!("/staff/admin/tokens/{}/revoke", id.0),
        Some(&admin),
        &[],
    )
    .await
    .assert(303);
    t.get("/api/v1/me", Some(&secret)).await.assert(401);

    // The log: both, filtered by action, by actor and by period.
    let r = t
        .page("/staff/audit?action=auth.api_token_revoked", Some(&admin))
        .await;
    r.assert(200);
    assert!(r.body.contains(&id.0), "{}", r.body);
    assert_eq!(r.body.matches("<td class=\"action\">").count(), 1);
    let r = t
        .page(&format!("/staff/audit?actor={admin_id}"), Some(&admin))
        .await;
    assert!(r.body.contains("auth.api_token_created") && r.body.contains("admin.staff_created"));
    let r = t
        .page("/staff/audit?from=2000-01-01&to=2000-01-02", Some(&admin))
        .await;
    assert!(!r.body.contains("<td class=\"action\">"));
    let r = t
        .page("/staff/audit?from=yesterday&lang=fr", Some(&admin))
        .await;
    r.assert(422);
    assert!(r.body.contains("Saisissez une date"), "{}", r.body);
}
