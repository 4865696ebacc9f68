use limburgers_worldwide::values::Role;
use serde_json::json;

use crate::helpers::{BASE_URL, TestApp};

#[tokio::test]
async fn a_newcomer_signs_up_confirms_the_address_and_is_signed_in() {
    let t = TestApp::spawn().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);

    let mail = t.next_mail_to("ana@example.org").await;
    assert!(
        mail.subject.to_lowercase().contains("confirm")
            || mail.subject.to_lowercase().contains("verify"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Ana"));
    assert!(
        mail.text.contains(&format!("{BASE_URL}/verify?token=")),
        "{}",
        mail.text
    );
    assert!(!mail.html.is_empty());
    assert!(!mail.message_id.is_empty());

    // Not active yet: no magic link is sent, only a fresh confirmation.
    let (status,): (String,) = sqlx::query_as("SELECT status FROM accounts")
        .fetch_one(&t.app.db.read)
        .await
        .unwrap();
    assert_eq!(status, "pending");

    let session = t.verify(&mail.token(), false).await;
    let me = t.me(&session).await;
    assert_eq!(me["email"], "ana@example.org");
    assert_eq!(me["status"], "active");
    assert_eq!(me["first_name"], "Ana");
    assert_eq!(me["country_of_origin"], "IN");
    assert_eq!(me["phase"], "settling_in");
    assert_eq!(me["role"], "member");
    assert_eq!(me["relation"], "primary");

    // The link works once.
    t.post(
        "/api/v1/members/verify",
        json!({"token": mail.token(), "consent": {"privacy_policy": true}}),
        None,
    )
    .await
    .assert_problem(410);
}

#[tokio::test]
async fn signing_up_twice_answers_the_same_and_mails_a_notice() {
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    let again = t.sign_up("ANA@example.org", "Someone", "Else").await;
    again.assert(202);
    let fresh = t.sign_up("new@example.org", "New", "Person").await;
    assert_eq!(
        again.body, fresh.body,
        "an existing address must not be recognisable"
    );

    let notice = t.next_mail_to("ana@example.org").await;
    assert!(
        notice.text.contains(&format!("{BASE_URL}/sign-in")),
        "{}",
        notice.text
    );
    assert!(
        !notice.text.contains("token="),
        "the notice must not carry a sign-in token"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM accounts").await, 2);
}

#[tokio::test]
async fn a_member_signs_in_with_a_single_use_magic_link_and_signs_out() {
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;

    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": " Ana@Example.org "}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("ana@example.org").await;
    assert!(mail.text.contains(&format!("{BASE_URL}/sign-in?token=")));
    assert!(mail.text.contains("15"), "says how long the link is valid");

    let r = t
        .post(
            "/api/v1/auth/sessions",
            json!({"token": mail.token()}),
            None,
        )
        .await;
    r.assert(201);
    let session = r.json()["session_token"].as_str().unwrap().to_owned();
    assert!(session.len() >= 43);
    assert!(r.json()["expires_at"].is_string());
    t.me(&session).await;

    // Single use.
    t.post(
        "/api/v1/auth/sessions",
        json!({"token": mail.token()}),
        None,
    )
    .await
    .assert_problem(410);

    // Only the hash is stored.
    let stored = t
        .count("SELECT COUNT(*) FROM tokens WHERE hash LIKE '%' || '-' || '%'")
        .await;
    assert_eq!(stored, 0, "tokens are stored as hex hashes only");

    t.delete("/api/v1/auth/sessions/current", Some(&session))
        .await
        .assert(204);
    t.get("/api/v1/me", Some(&session))
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn an_expired_magic_link_does_not_sign_in() {
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("ana@example.org").await;
    sqlx::query("UPDATE tokens SET expires_at = created_at - 1 WHERE kind = 'magic_link'")
        .execute(&t.app.db.read)
        .await
        .unwrap();
    t.post(
        "/api/v1/auth/sessions",
        json!({"token": mail.token()}),
        None,
    )
    .await
    .assert_problem(410);
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/auth/magic-link",
            json!({"email": "nobody@example.org"}),
            None,
        )
        .await;
    r.assert(202);
    t.outbox_settled().await;
    assert_eq!(t.count("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn a_pending_member_asking_to_sign_in_gets_a_new_confirmation_link() {
    let t = TestApp::spawn().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    let first = t.next_mail_to("ana@example.org").await;
    // Within a minute of a confirmation mail nobody causes another: the first one works.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    t.requests_done().await;
    t.outbox_settled().await;
    assert_eq!(t.mails_to("ana@example.org").len(), 1);
    // A minute later (the address's cooldown over), asking to sign in sends a fresh one.
    sqlx::query("UPDATE mail_cooldowns SET sent_at = sent_at - 60000")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let second = t.next_mail_to("ana@example.org").await;
    assert_ne!(first.token(), second.token());
    assert!(second.text.contains("/verify?token="));
    t.verify(&second.token(), false).await;
}

#[tokio::test]
async fn magic_links_are_rate_limited_per_address() {
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    for _ in 0..4 {
        t.post(
            "/api/v1/auth/magic-link",
            json!({"email": "ana@example.org"}),
            None,
        )
        .await
        .assert(202);
    }
    let r = t
        .post(
            "/api/v1/auth/magic-link",
            json!({"email": "ana@example.org"}),
            None,
        )
        .await;
    r.assert_problem(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Another address is not affected by Ana's limit.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "bo@example.org"}),
        None,
    )
    .await
    .assert(202);
}

#[tokio::test]
async fn a_member_edits_their_profile() {
    let t = TestApp::spawn().await;
    let s = t.member("ana@example.org", "Ana", "Silva").await;
    let r = t
        .patch(
            "/api/v1/me",
            json!({"first_name": "  Ana Maria ", "language": "nl", "phase": "living_in",
                   "municipality": null, "employer": "UHasselt", "directory_visible": true}),
            Some(&s),
        )
        .await;
    r.assert(200);
    let me = r.json();
    assert_eq!(me["first_name"], "Ana Maria");
    assert_eq!(me["language"], "nl");
    assert_eq!(me["phase"], "living_in");
    assert_eq!(me["municipality"], serde_json::Value::Null);
    assert_eq!(me["employer"], "UHasselt");
    assert_eq!(me["directory_visible"], true);
    assert_eq!(me["last_name"], "Silva", "untouched fields stay");

    // Mail now comes in Dutch.
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "ana@example.org"}),
        None,
    )
    .await
    .assert(202);
    let mail = t.next_mail_to("ana@example.org").await;
    let english = t.app.templates.render("magic_link", limburgers_worldwide::values::Language::En,
        &json!({"first_name": "Ana Maria", "link": "x", "valid_minutes": 15, "base_url": BASE_URL})).unwrap();
    assert_ne!(mail.subject, english.subject);
}

#[tokio::test]
async fn members_cannot_change_their_own_role() {
    let t = TestApp::spawn().await;
    let s = t.member("ana@example.org", "Ana", "Silva").await;
    t.patch("/api/v1/me", json!({"role": "admin"}), Some(&s))
        .await
        .assert_problem(422);
    assert_eq!(t.me(&s).await["role"], "member");
}

#[tokio::test]
async fn staff_search_the_register_and_only_admins_change_roles() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let admin = t.staff("admin@expatcentre.test", Role::Admin).await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    t.member("bo@example.org", "Bo", "Li").await;
    t.sign_up("cy@example.org", "Cy", "Okafor")
        .await
        .assert(202);
    let ana_id = t.me(&ana).await["id"].as_str().unwrap().to_owned();

    // Members don't see the register.
    t.get("/api/v1/members", Some(&ana))
        .await
        .assert_problem(403);
    t.get("/api/v1/members", None).await.assert_problem(401);

    let r = t.get("/api/v1/members?q=silva", Some(&staff)).await;
    r.assert(200);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], "ana@example.org");

    let pending = t
        .get("/api/v1/members?status=pending", Some(&staff))
        .await
        .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    assert_eq!(pending["items"][0]["first_name"], "Cy");

    // Pagination walks every member exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/members?limit=2&cursor={c}"),
            None => "/api/v1/members?limit=2".to_owned(),
        };
        let page = t.get(&path, Some(&staff)).await.json();
        for m in page["items"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(unique.len(), 5);

    let one = t
        .get(&format!("/api/v1/members/{ana_id}"), Some(&staff))
        .await;
    one.assert(200);
    assert_eq!(one.json()["email"], "ana@example.org");
    t.get("/api/v1/members/nope", Some(&staff))
        .await
        .assert_problem(422);

    t.patch(
        &format!("/api/v1/members/{ana_id}"),
        json!({"phase": "leaving"}),
        Some(&staff),
    )
    .await
    .assert(200);
    t.patch(
        &format!("/api/v1/members/{ana_id}"),
        json!({"role": "staff"}),
        Some(&staff),
    )
    .await
    .assert_problem(403);
    let r = t
        .patch(
            &format!("/api/v1/members/{ana_id}"),
            json!({"role": "staff"}),
            Some(&admin),
        )
        .await;
    r.assert(200);
    assert_eq!(r.json()["role"], "staff");
    assert_eq!(r.json()["phase"], "leaving");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'member.role_changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn admin_create_promotes_an_existing_member_and_its_token_works() {
    let t = TestApp::spawn().await;
    let s = t.member("ana@example.org", "Ana", "Silva").await;
    let token = t.staff("ana@example.org", Role::Admin).await;
    assert_eq!(t.me(&token).await["role"], "admin");
    assert_eq!(t.me(&s).await["role"], "admin");
    assert_eq!(t.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn concurrent_sign_ups_all_succeed_without_database_is_locked() {
    let t = TestApp::spawn_with(|s| {
        s.insert("MAIL_REQUESTS_PER_CLIENT", "1000".into());
    })
    .await;
    let requests = (0..60).map(|i| {
        let t = &t;
        async move {
            t.sign_up(&format!("member{i}@example.org"), "Member", "Number")
                .await
        }
    });
    let answers = futures::future::join_all(requests).await;
    for a in &answers {
        a.assert(202);
    }
    // Two at once for the same address: one account, no error.
    let same =
        futures::future::join_all((0..5).map(|_| t.sign_up("twin@example.org", "Twin", "Same")))
            .await;
    for a in &same {
        a.assert(202);
    }
    t.requests_done().await;
    assert_eq!(t.count("SELECT COUNT(*) FROM accounts").await, 61);
    assert_eq!(t.count("SELECT COUNT(*) FROM households").await, 61);
}

#[tokio::test]
async fn one_client_is_limited_across_addresses() {
    let t = TestApp::spawn_with(|s| {
        s.insert("MAIL_REQUESTS_PER_CLIENT", "3".into());
    })
    .await;
    for i in 0..3 {
        t.sign_up(&format!("m{i}@example.org"), "M", "N")
            .await
            .assert(202);
    }
    t.post(
        "/api/v1/auth/magic-link",
        json!({"email": "m0@example.org"}),
        None,
    )
    .await
    .assert_problem(429);
}

/// The register's search matches word beginnings of names and address, ignoring accents and
/// case, follows renames and erasure, and is rebuilt for members stored before the index.
#[tokio::test]
async fn member_search_finds_word_beginnings_and_follows_changes() {
    let t = TestApp::spawn().await;
    let staff = t.staff("staff@expatcentre.test", Role::Staff).await;
    let jozef = t.member("j.celik@example.org", "Jožef", "Ünal-Çelik").await;
    t.member("priya@example.org", "Priya", "Raman").await;
    let found = |q: &'static str| {
        let t = &t;
        let staff = &staff;
        async move {
            let r = t.get(&format!("/api/v1/members?q={q}"), Some(staff)).await;
            r.assert(200);
            let mut emails: Vec<String> = r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["email"].as_str().unwrap().to_owned())
                .collect();
            emails.sort();
            emails
        }
    };
    assert_eq!(found("joz").await, ["j.celik@example.org"]);
    assert_eq!(
        found("CELIK%20un").await,
        ["j.celik@example.org"],
        "every word, any order"
    );
    assert_eq!(found("%C3%A7el").await, ["j.celik@example.org"], "ç is c");
    assert_eq!(found("example").await.len(), 2);
    assert!(
        found("elik").await.is_empty(),
        "word beginnings, not any substring"
    );
    assert!(
        found("priya%20celik").await.is_empty(),
        "all words must match"
    );
    assert!(
        found("%25%25").await.is_empty(),
        "no letters: nothing, not everything"
    );

    t.patch("/api/v1/me", json!({"first_name": "Joe"}), Some(&jozef))
        .await
        .assert(200);
    assert!(found("jozef").await.is_empty(), "the old name is gone");
    assert_eq!(found("joe").await, ["j.celik@example.org"]);

    // Members stored before the index existed are indexed at start-up.
    sqlx::query("DELETE FROM member_search")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    sqlx::query("UPDATE change_counters SET value = 0 WHERE name = 'member_search'")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    assert!(found("priya").await.is_empty());
    limburgers_worldwide::app::App::new((*t.app.config).clone())
        .await
        .unwrap();
    assert_eq!(found("priya").await, ["priya@example.org"]);

    t.delete("/api/v1/me", Some(&jozef)).await;
    assert!(
        found("joe").await.is_empty(),
        "erased members are not found"
    );
    assert_eq!(found("example").await, ["priya@example.org"]);
}

/// Lockout: a stranger's requests for a member's address spend the stranger's budget, never the
/// member's; and whoever asks, one address gets at most one such mail a minute.
#[tokio::test]
async fn a_stranger_cannot_lock_a_member_out_and_the_mailbox_stays_bounded() {
    use limburgers_worldwide::members::requests::{self, Request};
    use limburgers_worldwide::values::EmailAddress;
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    let ana = EmailAddress::parse("ana@example.org").unwrap();
    let ask = |client: &'static str| {
        let t = &t;
        let ana = ana.clone();
        async move { requests::submit(&t.app, client, Request::MagicLink(ana)).await }
    };
    let mut refused = 0;
    for _ in 0..12 {
        if ask("198.51.100.7").await.is_err() {
            refused += 1;
        }
    }
    assert_eq!(
        refused, 7,
        "5 requests per client and address, the rest refused"
    );
    let links = t.mails_with("ana@example.org", "/sign-in?token=").await;
    assert_eq!(links.len(), 1, "one mail for five accepted requests");
    // Ana, from her own address, is not refused, and the link in her mailbox works.
    ask("203.0.113.5").await.unwrap();
    let link = t
        .mails_with("ana@example.org", "/sign-in?token=")
        .await
        .pop()
        .unwrap();
    t.post(
        "/api/v1/auth/sessions",
        json!({"token": link.token()}),
        None,
    )
    .await
    .assert(201);
    // A minute later she gets a fresh link.
    sqlx::query("UPDATE mail_cooldowns SET sent_at = sent_at - 60000")
        .execute(t.app.db.writer())
        .await
        .unwrap();
    ask("203.0.113.5").await.unwrap();
    assert_eq!(
        t.mails_with("ana@example.org", "/sign-in?token=")
            .await
            .len(),
        2
    );
}

/// Partner invitations count like any mail a request causes to an address.
#[tokio::test]
async fn invitations_to_one_address_are_bounded_too() {
    let t = TestApp::spawn().await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;
    let bo = t.member("bo@example.org", "Bo", "Peeters").await;
    let invite = |token: String| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/me/household/partner",
                json!({"email": "raj@example.org", "first_name": "Raj", "last_name": "Kumar"}),
                Some(&token),
            )
            .await
        }
    };
    invite(ana.clone()).await.assert(202);
    let again = invite(bo.clone()).await;
    again.assert_problem(429);
    assert!(again.header("retry-after").is_some());
    invite(ana.clone()).await.assert_problem(429);
    t.outbox_settled().await;
    assert_eq!(t.mails_to("raj@example.org").len(), 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM invitations").await,
        1,
        "a refused invitation writes nothing"
    );
}
