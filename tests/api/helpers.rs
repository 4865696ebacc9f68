//! Test helpers: a fresh app per test on its own database (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set), a real SMTP receiver, and verbs that read like a member's story.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use limburgers_worldwide::app::{self, App};
use limburgers_worldwide::config::Config;
use limburgers_worldwide::mail::worker::Worker;
use limburgers_worldwide::values::Role;
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::{EndpointExt, Response};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use tokio::sync::watch;

use crate::smtp::SmtpReceiver;

pub const BASE_URL: &str = "http://community.test";

/// A database of a test's own, removed when the test ends (also when it fails).
enum TestDb {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any runtime we may block; a thread with its own runtime may.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(mut c) = sqlx::AnyConnection::connect(&url).await {
                        let _ = c
                            .execute(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            )))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

async fn fresh_database(dir: &std::path::Path) -> (String, TestDb) {
    sqlx::any::install_default_drivers();
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("lw_test_{}", uuid::Uuid::new_v4().simple());
            let mut c = sqlx::AnyConnection::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL");
            c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .await
                .unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            (
                format!("{base}/{name}"),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => (
            format!("sqlite://{}/test.db", dir.display()),
            TestDb::Sqlite,
        ),
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: poem::http::HeaderMap,
    pub body: String,
}

impl Resp {
    /// The answer to a request built with the test client directly (cookies, forms).
    pub async fn from_test(r: poem::test::TestResponse) -> Resp {
        let resp = r.0;
        Resp {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.into_body().into_string().await.unwrap_or_default(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn assert(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// Asserts an error in the one problem shape.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> Value {
        self.assert(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        let p = self.json();
        assert_eq!(p["status"], status, "{p}");
        for key in ["type", "title", "detail"] {
            assert!(p[key].is_string(), "problem without {key}: {p}");
        }
        assert!(p["errors"].is_array(), "{p}");
        p
    }
}

/// A received mail, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub raw: String,
}

impl Mail {
    fn parse(to: Vec<String>, raw: String) -> Mail {
        let msg = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("a MIME message");
        Mail {
            to,
            subject: msg.subject().unwrap_or_default().to_owned(),
            text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            message_id: msg.message_id().unwrap_or_default().to_owned(),
            raw,
        }
    }

    /// The token of the link in the mail (`…?token=XYZ`).
    pub fn token(&self) -> String {
        let start = self
            .text
            .find("token=")
            .unwrap_or_else(|| panic!("no link in: {}", self.text))
            + 6;
        self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

pub struct TestApp {
    pub app: App,
    pub client: TestClient<BoxEndpoint<'static, Response>>,
    pub smtp: SmtpReceiver,
    consumed: Mutex<HashMap<String, usize>>,
    stop: watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<()>>,
    sender: Option<tokio::task::JoinHandle<()>>,
    _requests: (watch::Sender<bool>, tokio::task::JoinHandle<()>),
    _db: TestDb,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with a chance to change settings first.
    pub async fn spawn_with(change: impl FnOnce(&mut HashMap<&'static str, String>)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let smtp = SmtpReceiver::start().await;
        let (database_url, db) = fresh_database(dir.path()).await;
        let mut settings: HashMap<&'static str, String> = HashMap::from([
            ("DATABASE_URL", database_url),
            ("BASE_URL", BASE_URL.to_owned()),
            ("SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
            ("MAIL_FROM", "community@expatcentre.test".to_owned()),
            ("DATA_DIR", dir.path().join("data").display().to_string()),
            ("MAIL_RETRY_BASE_MS", "50".to_owned()),
            ("MAIL_POLL_MS", "50".to_owned()),
            ("MAIL_RATE_PER_SECOND", "0".to_owned()),
            ("NEWSLETTER_CRON", "off".to_owned()),
        ]);
        change(&mut settings);
        let config = Config::from_lookup(|k| settings.get(k).cloned()).unwrap();
        let app = App::new(config).await.unwrap();
        let client = TestClient::new(app::routes(&app).map_to_response().boxed());
        let (stop, stop_rx) = watch::channel(false);
        let worker = Worker::new(app.db.clone(), &app.config).unwrap();
        let worker = tokio::spawn(worker.run(stop_rx.clone()));
        let sender = limburgers_worldwide::newsletter::sender::Sender::new(app.clone()).unwrap();
        let sender = tokio::spawn(sender.run(stop_rx.clone()));
        // The request worker is the API's own hand (it answers sign-ups): it keeps running when
        // a test stops the mail worker, until the test ends.
        let (stop_requests, requests_rx) = watch::channel(false);
        let requests = tokio::spawn(limburgers_worldwide::members::requests::run(
            app.clone(),
            requests_rx,
        ));
        TestApp {
            app,
            client,
            smtp,
            consumed: Mutex::new(HashMap::new()),
            stop,
            worker: Some(worker),
            sender: Some(sender),
            _requests: (stop_requests, requests),
            _db: db,
            dir,
        }
    }

    /// Serves the app on a real socket as `serve` does (127.0.0.1, a free port, the same
    /// connection limits), for clients that cannot use the in-process client: a browser.
    /// Answers the origin to open, `http://127.0.0.1:PORT`; mail links still name `BASE_URL`.
    /// The server stops with the test's runtime.
    pub async fn serve(&self) -> String {
        use limburgers_worldwide::edge::conn::{Guarded, Limits};
        use poem::listener::{Acceptor, Listener, TcpListener};
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let address = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("a TCP listener has a socket address");
        let guarded = Guarded::new(
            acceptor,
            self.app.connections.clone(),
            Limits {
                header_timeout: self.app.config.http_header_timeout,
                max_per_client: self.app.config.max_connections_per_client,
            },
        )
        .uncapped_for(self.app.config.trusted_proxies.clone());
        tokio::spawn(poem::Server::new_with_acceptor(guarded).run(app::routes(&self.app)));
        format!("http://{address}")
    }

    /// Stops the mail worker and the newsletter sender (each finishes what it has in hand).
    pub async fn stop_worker(&mut self) {
        let _ = self.stop.send(true);
        for task in [self.worker.take(), self.sender.take()]
            .into_iter()
            .flatten()
        {
            task.await.unwrap();
        }
    }

    async fn send(
        &self,
        req: poem::test::TestRequestBuilder<'_, BoxEndpoint<'static, Response>>,
        token: Option<&str>,
    ) -> Resp {
        let req = match token {
            Some(t) => req.header("authorization", format!("Bearer {t}")),
            None => req,
        };
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().into_string().await.unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.client.get(path), token).await
    }

    pub async fn get_with(&self, path: &str, token: Option<&str>, header: (&str, &str)) -> Resp {
        self.send(self.client.get(path).header(header.0, header.1), token)
            .await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(self.client.post(path).body_json(&body), token)
            .await
    }

    pub async fn put_json(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(self.client.put(path).body_json(&body), token)
            .await
    }

    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(self.client.patch(path).body_json(&body), token)
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.client.delete(path), token).await
    }

    /// Sends a body as it is, with the given method and content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        token: Option<&str>,
    ) -> Resp {
        let req = match method {
            "POST" => self.client.post(path),
            "PATCH" => self.client.patch(path),
            "PUT" => self.client.put(path),
            "DELETE" => self.client.delete(path),
            _ => self.client.get(path),
        };
        self.send(req.content_type(content_type).body(body), token)
            .await
    }

    /// Sends a request without body with one header given as raw bytes.
    pub async fn send_header(
        &self,
        method: &str,
        path: &str,
        header: (&str, poem::http::HeaderValue),
    ) -> Resp {
        let req = match method {
            "POST" => self.client.post(path),
            "PATCH" => self.client.patch(path),
            "PUT" => self.client.put(path),
            "DELETE" => self.client.delete(path),
            _ => self.client.get(path),
        };
        self.send(req.header(header.0, header.1), None).await
    }

    /// Waits for the next mail to `address` not yet returned by this helper.
    pub async fn next_mail_to(&self, address: &str) -> Mail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let seen = *self.consumed.lock().unwrap().get(address).unwrap_or(&0);
            let to_them: Vec<_> = self
                .smtp
                .received()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
                .collect();
            if let Some(m) = to_them.get(seen) {
                self.consumed
                    .lock()
                    .unwrap()
                    .insert(address.to_owned(), seen + 1);
                return Mail::parse(m.to.clone(), m.raw.clone());
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "no new mail to {address}; received: {:?}",
                    self.smtp
                        .received()
                        .iter()
                        .map(|m| &m.to)
                        .collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Mails to `address` whose text contains `needle` (a kind of link, say), in the order
    /// they arrived, once the outbox has settled.
    pub async fn mails_with(&self, address: &str, needle: &str) -> Vec<Mail> {
        self.outbox_settled().await;
        self.mails_to(address)
            .into_iter()
            .filter(|m| m.text.contains(needle))
            .collect()
    }

    /// Mails to `address` so far.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.smtp
            .received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .map(|m| Mail::parse(m.to, m.raw))
            .collect()
    }

    /// Waits until the outbox has nothing left to try (sent or failed for good), sign-up and
    /// sign-in requests carried out first (they write the mail).
    pub async fn outbox_settled(&self) {
        self.requests_done().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (open,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')",
            )
            .fetch_one(&self.app.db.read)
            .await
            .unwrap();
            if open == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "outbox did not settle"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Signs up (a profile filled in); once answered, waits until the request has been carried
    /// out (the account exists, the mail is in the outbox), as a person reading their mail would.
    pub async fn sign_up(&self, email: &str, first: &str, last: &str) -> Resp {
        let r = self
            .post(
                "/api/v1/members",
                json!({
                    "email": email, "first_name": first, "last_name": last, "language": "en",
                    "country_of_origin": "IN", "municipality": "Hasselt", "phase": "settling_in",
                    "consent": {"privacy_policy": true}
                }),
                None,
            )
            .await;
        if r.status == 202 {
            self.requests_done().await;
        }
        r
    }

    /// Signs up, opens the verification mail, follows the link giving consent (newsletter
    /// included); answers the session token.
    pub async fn member(&self, email: &str, first: &str, last: &str) -> String {
        self.sign_up(email, first, last).await.assert(202);
        let mail = self.next_mail_to(email).await;
        self.verify(&mail.token(), true).await
    }

    /// Follows a verification link with the consent given there; answers the session token.
    pub async fn verify(&self, token: &str, newsletter: bool) -> String {
        let resp = self
            .post(
                "/api/v1/members/verify",
                json!({"token": token, "consent": {"privacy_policy": true, "newsletter": newsletter}}),
                None,
            )
            .await;
        resp.assert(200);
        resp.json()["session_token"].as_str().unwrap().to_owned()
    }

    /// Waits until every sign-up and sign-in request has been carried out.
    pub async fn requests_done(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.count("SELECT COUNT(*) FROM mail_requests").await > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "mail requests were not carried out"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A staff or admin account with an API token, as `admin create` makes it.
    pub async fn staff(&self, email: &str, role: Role) -> String {
        limburgers_worldwide::cli::create_staff(&self.app, email, "Staff", "Member", role)
            .await
            .unwrap()
    }

    pub async fn me(&self, token: &str) -> Value {
        let r = self.get("/api/v1/me", Some(token)).await;
        r.assert(200);
        r.json()
    }

    pub async fn household(&self, token: &str) -> Value {
        let r = self.get("/api/v1/me/household", Some(token)).await;
        r.assert(200);
        r.json()
    }

    /// Invites a partner and lets them accept; answers the partner's session token.
    pub async fn partner(&self, inviter: &str, email: &str, first: &str) -> String {
        self.post(
            "/api/v1/me/household/partner",
            json!({"email": email, "first_name": first, "last_name": "Partner"}),
            Some(inviter),
        )
        .await
        .assert(202);
        let mail = self.next_mail_to(email).await;
        let r = self
            .post(
                "/api/v1/invitations/accept",
                json!({"token": mail.token(), "consent": {"privacy_policy": true}}),
                None,
            )
            .await;
        r.assert(200);
        r.json()["session_token"].as_str().unwrap().to_owned()
    }

    /// A verified member made directly (no mail round trip), for tests that need many households.
    /// Answers (session token, person id).
    pub async fn quick_member(&self, email: &str) -> (String, String) {
        use limburgers_worldwide::members::{self, NewAccount};
        use limburgers_worldwide::values::{EmailAddress, Language, PersonName};
        let email = EmailAddress::parse(email).unwrap();
        let name = PersonName::parse("Quick").unwrap();
        let mut tx = self.app.db.begin().await.unwrap();
        let id = members::create_person_in_new_household(&mut tx, &name, &name)
            .await
            .unwrap();
        members::insert_account(
            &mut tx,
            NewAccount {
                person_id: &id,
                email: &email,
                language: Language::En,
                role: Role::Member,
                phase: None,
                country_of_origin: None,
                municipality: None,
                employer: None,
                verified: true,
            },
        )
        .await
        .unwrap();
        let (token, _) = limburgers_worldwide::auth::session(&mut tx, &id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (token, id)
    }

    /// Creates an event as staff from `fields` over sensible defaults; answers the event.
    pub async fn event(&self, staff: &str, fields: Value) -> Value {
        let start = chrono::Local::now().date_naive() + chrono::Duration::days(30);
        let mut body = json!({
            "title": "Welcome drinks",
            "starts_at": format!("{start}T18:00:00"),
            "ends_at": format!("{start}T21:00:00"),
            "venue": "Corda Campus",
            "address": "Kempische Steenweg 293, 3500 Hasselt",
            "status": "published",
        });
        for (k, v) in fields.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = self.post("/api/v1/events", body, Some(staff)).await;
        r.assert(201);
        r.json()
    }

    pub async fn register(&self, token: &str, event_id: &str, people: &[&str]) -> Resp {
        self.post(
            &format!("/api/v1/events/{event_id}/registrations"),
            json!({"person_ids": people}),
            Some(token),
        )
        .await
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&self.app.db.read)
            .await
            .unwrap();
        n
    }
}

/// A CSRF token for tests' form posts: the `csrf` cookie and the form field carry it (double
/// submit, `web::csrf`); any 43 URL-safe characters do.
pub const TEST_CSRF: &str = "test-csrf-token-0123456789abcdefghijklmnopq";

impl TestApp {
    /// A page as a browser with `session` (or none) asks for it.
    pub async fn page(&self, path: &str, session: Option<&str>) -> Resp {
        let cookie = match session {
            Some(s) => format!("session={s}; csrf={TEST_CSRF}"),
            None => format!("csrf={TEST_CSRF}"),
        };
        let r = self
            .client
            .get(path)
            .header("cookie", cookie)
            .header("accept", "text/html")
            .send()
            .await;
        Resp::from_test(r).await
    }

    /// A form posted by a browser with `session` (or none); the CSRF token is added.
    pub async fn form(&self, path: &str, session: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", TEST_CSRF)
            .extend_pairs(fields)
            .finish();
        let cookie = match session {
            Some(s) => format!("session={s}; csrf={TEST_CSRF}"),
            None => format!("csrf={TEST_CSRF}"),
        };
        let r = self
            .client
            .post(path)
            .header("cookie", cookie)
            .header("accept", "text/html")
            .content_type("application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        Resp::from_test(r).await
    }
}
