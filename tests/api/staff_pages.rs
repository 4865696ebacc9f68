//! The back office's authorization matrix: every staff page and form action × anonymous,
//! member, partner, alumnus, staff, admin and an erased account. Anonymous visitors (and an
//! erased account, whose sessions are gone) are sent to sign in; members, partners and alumni get
//! the 403 page; staff and admins are let in where their role allows. Each area of the back
//! office lists its routes in [`routes`]; a route missing there is not checked, so a new page
//! must be added.

use limburgers_worldwide::values::Role;

use crate::helpers::TestApp;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
// `Admin` is for the admin area's rows.
#[allow(dead_code)]
pub enum Access {
    Staff,
    Admin,
}

/// One sign-in of every kind.
pub struct Callers {
    pub member: String,
    pub partner: String,
    pub alumnus: String,
    pub staff: String,
    pub admin: String,
    pub erased: String,
}

impl Callers {
    pub async fn new(t: &TestApp) -> Callers {
        let member = t.member("ana@example.org", "Ana", "Silva").await;
        let partner = t.partner(&member, "raj@example.org", "Raj").await;
        let alumnus = t.member("alum@example.org", "Al", "Umnus").await;
        sqlx::query("UPDATE accounts SET status = 'alumni' WHERE email = 'alum@example.org'")
            .execute(t.app.db.writer())
            .await
            .unwrap();
        let erased = t.member("gone@example.org", "Gone", "Away").await;
        t.delete("/api/v1/me", Some(&erased)).await.assert(204);
        Callers {
            member,
            partner,
            alumnus,
            staff: t.staff("staff@expatcentre.test", Role::Staff).await,
            admin: t.staff("admin@expatcentre.test", Role::Admin).await,
            erased,
        }
    }
}

/// (method, path, who may, whether calling it destroys what the table's other rows need: then
/// only the callers who are refused call it).
pub type Row = (&'static str, String, Access, bool);

/// Checks every row for every kind of caller.
pub async fn check(t: &TestApp, c: &Callers, rows: &[Row]) {
    for (method, path, access, destroys) in rows {
        for (who, session, allowed) in [
            ("anonymous", None, false),
            ("erased", Some(c.erased.as_str()), false),
            ("member", Some(c.member.as_str()), false),
            ("partner", Some(c.partner.as_str()), false),
            ("alumnus", Some(c.alumnus.as_str()), false),
            ("staff", Some(c.staff.as_str()), *access == Access::Staff),
            ("admin", Some(c.admin.as_str()), true),
        ] {
            if allowed && *destroys {
                continue;
            }
            let r = match *method {
                "POST" => t.form(path, session, &[]).await,
                _ => t.page(path, session).await,
            };
            let what = format!("{method} {path} as {who}");
            let signed_out = session.is_none() || who == "erased";
            if allowed {
                assert!(
                    !matches!(r.status, 401 | 403)
                        && r.header("location")
                            .is_none_or(|l| !l.starts_with("/sign-in")),
                    "{what}: refused ({})",
                    r.status
                );
            } else if signed_out {
                assert_eq!(r.status, 303, "{what}: {}", r.body);
                assert_eq!(r.header("location"), Some("/sign-in"), "{what}");
            } else {
                assert_eq!(r.status, 403, "{what}: {}", r.body);
                assert!(r.body.contains("<h1>"), "{what}: a page, not JSON");
            }
        }
    }
}

/// Every back-office page and action; each area adds its rows here.
pub fn routes() -> Vec<Row> {
    let mut rows = vec![("GET", "/staff".to_owned(), Access::Staff, false)];
    rows.extend(crate::staff_figures::routes());
    rows
}

#[tokio::test]
async fn every_back_office_page_admits_exactly_staff_and_admins() {
    let t = TestApp::spawn().await;
    let c = Callers::new(&t).await;
    check(&t, &c, &routes()).await;
}

#[tokio::test]
async fn the_dashboard_shows_this_weeks_seats_the_mail_and_issues_in_each_language() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let start = chrono::Local::now().date_naive() + chrono::Duration::days(2);
    let e = t
        .event(
            &staff,
            serde_json::json!({"title": "Pub quiz", "capacity": 1,
                "starts_at": format!("{start}T19:00:00"), "ends_at": format!("{start}T22:00:00")}),
        )
        .await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let me = t.me(&ana).await;
    t.post(
        &format!("/api/v1/events/{}/registrations", e["id"].as_str().unwrap()),
        serde_json::json!({"person_ids": [me["id"]]}),
        Some(&ana),
    )
    .await
    .assert(201);
    for (lang, heading, seats) in [
        ("en", "Dashboard", "1 of 1"),
        ("nl", "Overzicht", "1 van 1"),
        ("de", "Übersicht", "1 von 1"),
        ("fr", "Tableau de bord", "1 sur 1"),
    ] {
        let r = t.page(&format!("/staff?lang={lang}"), Some(&staff)).await;
        r.assert(200);
        assert!(
            r.body.contains(&format!("<h1>{heading}</h1>")),
            "{}",
            r.body
        );
        assert!(r.body.contains("Pub quiz"));
        assert!(r.body.contains(seats), "{lang}: {}", r.body);
    }
}
