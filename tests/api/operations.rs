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
    let public = [
        "/calendar.ics",
        "/calendar/{token}.ics",
        "/unsubscribe/{key}",
    ];
    assert!(
        paths
            .keys()
            .all(|p| p.starts_with("/api/v1/") || public.contains(&p.as_str())),
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
    // Every API operation documents its errors as problem+json.
    for (path, ops) in paths.iter().filter(|(p, _)| p.starts_with("/api/v1/")) {
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

/// SQLite: the write connection does not checkpoint (it would stall every queued write while it
/// copies and syncs); a task on a connection of its own copies the WAL into the database file.
/// Without it the file would not grow until the last connection closes.
#[tokio::test]
async fn sqlite_wal_is_copied_into_the_database_file_by_the_checkpointer() {
    let t = TestApp::spawn().await;
    if t.app.db.backend != limburgers_worldwide::db::Backend::Sqlite {
        return; // PostgreSQL has no WAL file of ours to copy.
    }
    let url = &t.app.config.database_url;
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let size = || std::fs::metadata(&path).unwrap().len();
    let (auto,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
        .fetch_one(t.app.db.writer())
        .await
        .unwrap();
    assert_eq!(auto, 0, "the writer leaves checkpoints to the task");
    let before = size();
    let mut tx = t.app.db.begin().await.unwrap();
    for n in 0..2_000 {
        sqlx::query("INSERT INTO audit_log (id, at, actor, action) VALUES ($1, $2, 'test', 'wal')")
            .bind(format!("wal-{n}"))
            .bind(n as i64)
            .execute(tx.conn())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing was checkpointed into {path}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
