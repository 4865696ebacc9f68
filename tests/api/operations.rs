use crate::helpers::TestApp;

#[tokio::test]
async fn health_ready_spec_and_docs_answer() {
    let t = TestApp::spawn().await;
    t.get("/health", None).await.assert(200);
    t.get("/ready", None).await.assert(200);
    let docs = t.get("/docs", None).await;
    docs.assert(200);
    assert!(
        docs.body.to_lowercase().contains("swagger"),
        "{}",
        docs.body
    );

    let spec = t.get("/openapi.json", None).await;
    spec.assert(200);
    let spec = spec.json();
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|p| p.starts_with("/api/v1/")),
        "{:?}",
        paths.keys()
    );
    for expected in [
        "/api/v1/members",
        "/api/v1/me",
        "/api/v1/me/household",
        "/api/v1/auth/magic-link",
        "/api/v1/invitations/accept",
    ] {
        assert!(paths.contains_key(expected), "missing {expected}");
    }
    // Every operation documents its errors as problem+json.
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for code in ["400", "422", "500"] {
                let r = &responses[code];
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{method} {path} lacks {code}"
                );
            }
        }
    }
    assert!(spec["components"]["securitySchemes"].is_object());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_problems_with_a_request_id() {
    let t = TestApp::spawn().await;
    let r = t.get("/api/v1/nothing-here", None).await;
    r.assert_problem(404);
    assert!(r.header("x-request-id").is_some());
    t.delete("/api/v1/auth/magic-link", None)
        .await
        .assert_problem(405);
    let r = t
        .get_with("/health", None, ("x-request-id", "abc-123"))
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
}

#[tokio::test]
async fn links_in_mail_open_a_page_that_does_nothing_on_its_own() {
    let t = TestApp::spawn().await;
    t.sign_up("ana@example.org", "Ana", "Silva")
        .await
        .assert(202);
    let mail = t.next_mail_to("ana@example.org").await;
    let page = t
        .get(&format!("/verify?token={}", mail.token()), None)
        .await;
    page.assert(200);
    assert!(page.body.contains("<button"));
    // Opening the page (as a mail scanner would) did not confirm the address.
    assert_eq!(
        t.count("SELECT COUNT(*) FROM accounts WHERE status = 'pending'")
            .await,
        1
    );
    t.get("/sign-in", None).await.assert(200);
    t.get("/invitation?token=x", None).await.assert(200);
}

#[tokio::test]
async fn the_purge_job_removes_expired_tokens_and_is_audited() {
    let t = TestApp::spawn().await;
    t.member("ana@example.org", "Ana", "Silva").await;
    sqlx::query("UPDATE tokens SET expires_at = 1 WHERE kind = 'session'")
        .execute(&t.app.db.read)
        .await
        .unwrap();
    let job = limburgers_worldwide::jobs::find("purge-expired-tokens").unwrap();
    let summary = (job.run)(t.app.clone()).await.unwrap();
    assert!(summary.contains("tokens"), "{summary}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM tokens WHERE kind = 'session'")
            .await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM tokens WHERE kind = 'verify'")
            .await,
        1,
        "used but recent"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'job.purge_expired_tokens'")
            .await,
        1
    );
}
