//! Operations: `/metrics` on its own listener (counters that move with the work, labels that
//! never carry an id, an address or a token), the example alert rules naming only exported
//! metrics, and JSON request logs from the real binary.
//!
//! The metrics recorder is the process's, shared by every test app running at the same time:
//! these tests assert that counters moved by at least what their own work adds.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use limburgers_worldwide::values::Role;
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};

use crate::binary::free_port;
use crate::helpers::TestApp;

/// One sample: metric name and labels, and its value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a Prometheus text exposition (comments skipped).
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample line has a value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels end with }");
                let mut labels = BTreeMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest.split_once("=\"").expect("label=\"value\"");
                    let end = after.find('"').expect("a closing quote");
                    labels.insert(key.to_owned(), after[..end].to_owned());
                    rest = after[end + 1..].trim_start_matches(',');
                }
                (name.to_owned(), labels)
            }
        };
        out.push(Sample {
            name,
            labels,
            value,
        });
    }
    out
}

/// The sum of the samples of `name` whose labels include all of `having`.
fn total(samples: &[Sample], name: &str, having: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            having
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

/// A metrics listener for `t` as `METRICS_LISTEN` starts one (on a free port); answers its
/// address, and the switch that stops it (it serves while that is held).
async fn metrics_listener(t: &TestApp) -> (String, tokio::sync::watch::Sender<bool>) {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let address = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("a TCP listener has a socket address");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(limburgers_worldwide::metrics::serve(
        t.app.clone(),
        acceptor,
        stopped,
    ));
    (format!("{address}"), stop)
}

/// A plain HTTP/1.1 request over a socket; answers the status, the head and the body.
fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, String, String)> {
    let mut s = TcpStream::connect(address).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let out = String::from_utf8_lossy(&out).into_owned();
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    Some((status, head.to_owned(), body.to_owned()))
}

async fn scrape(address: &str) -> (String, Vec<Sample>) {
    let address = address.to_owned();
    let (status, head, body) =
        tokio::task::spawn_blocking(move || http(&address, "GET", "/metrics", &[], ""))
            .await
            .unwrap()
            .expect("the metrics listener answers");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase().contains("content-type: text/plain"),
        "{head}"
    );
    let samples = parse(&body);
    (body, samples)
}

/// Whether `value` looks like an identifier from the database or a secret: a UUID, a long run
/// of hex digits, an e-mail address, or a long random-looking token.
fn looks_secret(value: &str) -> bool {
    let hex_run = value
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() >= 12);
    let uuid_like = value
        .split('-')
        .filter(|p| p.chars().all(|c| c.is_ascii_hexdigit()) && !p.is_empty())
        .count()
        >= 5;
    let token_like = value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .any(|w| {
            w.len() >= 20
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().any(|c| c.is_ascii_uppercase())
        });
    hex_run || uuid_like || token_like || value.contains('@')
}

#[test]
fn ids_addresses_and_tokens_are_recognised_and_route_templates_are_not() {
    for secret in [
        "/api/v1/events/0190a3c4-7b1e-7c3d-9e2f-0123456789ab",
        "0190a3c47b1e7c3d",
        "ana@example.org",
        "/calendar/Xk3vQ9rT2mLp8sW4nB7yZc1.ics",
    ] {
        assert!(looks_secret(secret), "{secret}");
    }
    for label in [
        "/api/v1/events/{id}/registrations",
        "/calendar/{token}.ics",
        "purge-expired-tokens",
        "registration_confirmed",
        "0.0005",
        "+Inf",
    ] {
        assert!(!looks_secret(label), "{label}");
    }
}

/// What a test's work involved that must never show in the metrics: ids, addresses, tokens.
struct Work {
    secrets: Vec<String>,
}

/// Writes a community issue, sends it now, and waits until it has the given status; its id.
async fn send_issue_until(t: &TestApp, staff: &str, status: &str) -> String {
    let n = t
        .post(
            "/api/v1/newsletters",
            json!({"subject": {"en": "News"}, "body": {"en": "Hello"}, "segment": "community"}),
            Some(staff),
        )
        .await;
    n.assert(201);
    let id = n.json()["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/newsletters/{id}/send"),
        json!({}),
        Some(staff),
    )
    .await
    .assert(200);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let n = t
            .get(&format!("/api/v1/newsletters/{id}"), Some(staff))
            .await
            .json();
        if n["status"] == status {
            break;
        }
        assert!(Instant::now() < deadline, "the issue is not {status}: {n}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    id
}

/// Registers a household for an event, sends a newsletter to two subscribers and runs a
/// scheduled job, on `t`; answers every id, address and token involved.
async fn do_the_work(t: &TestApp) -> Work {
    let staff = t.staff("staff.metrics@example.org", Role::Staff).await;
    let member = t.member("ana.metrics@example.org", "Ana", "Peeters").await;
    let me = t.me(&member).await;
    let person = me["id"].as_str().unwrap().to_owned();
    let event = t.event(&staff, json!({"capacity": 10})).await;
    let event_id = event["id"].as_str().unwrap().to_owned();
    t.register(&member, &event_id, &[&person]).await.assert(201);
    // Twice: the second is answered from the list cache.
    t.get("/api/v1/events", None).await.assert(200);
    t.get("/api/v1/events", None).await.assert(200);
    t.get(&format!("/api/v1/events/{event_id}"), None)
        .await
        .assert(200);
    t.get(&format!("/api/v1/nowhere/{event_id}"), None)
        .await
        .assert(404);
    let calendar = t
        .post("/api/v1/me/calendar-token", json!({}), Some(&member))
        .await
        .json();
    let feed = calendar["url"].as_str().unwrap().to_owned();
    let feed_path = feed.trim_start_matches(crate::helpers::BASE_URL).to_owned();
    t.get(&feed_path, None).await.assert(200);

    let reader = t.member("bo.metrics@example.org", "Bo", "Janssen").await;
    let id = send_issue_until(t, &staff, "sent").await;
    // The reader's newsletter arrives after the verification mail.
    t.next_mail_to("bo.metrics@example.org").await;

    let job = limburgers_worldwide::jobs::find("purge-expired-tokens").unwrap();
    limburgers_worldwide::jobs::run_recorded(t.app.clone(), job.name, None, job.run)
        .await
        .unwrap();

    let feed_token = feed_path
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    Work {
        secrets: vec![
            staff,
            member,
            reader,
            person,
            event_id,
            id,
            feed_token,
            "ana.metrics@example.org".into(),
            "bo.metrics@example.org".into(),
        ],
    }
}

#[tokio::test]
async fn metrics_move_with_the_work_and_their_labels_name_no_id_address_or_token() {
    let t = TestApp::spawn().await;
    let (address, _serving) = metrics_listener(&t).await;
    // Never on the public port.
    t.get("/metrics", None).await.assert(404);

    let (_, before) = scrape(&address).await;
    let work = do_the_work(&t).await;
    let (body, after) = scrape(&address).await;

    let moved = |name: &str, having: &[(&str, &str)]| {
        total(&after, name, having) - total(&before, name, having)
    };
    let registrations = [
        ("route", "/api/v1/events/{id}/registrations"),
        ("method", "POST"),
        ("status", "201"),
    ];
    assert!(
        moved("http_requests_total", &registrations) >= 1.0,
        "{body}"
    );
    assert!(
        moved("http_request_duration_seconds_count", &registrations) >= 1.0,
        "{body}"
    );
    assert!(
        moved(
            "http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0,
        "{body}"
    );
    assert!(
        moved("http_requests_total", &[("route", "/calendar/{token}.ics")]) >= 1.0,
        "{body}"
    );
    assert!(moved("db_batch_jobs_count", &[]) >= 1.0, "{body}");
    assert!(
        moved(
            "mail_deliveries_total",
            &[("kind", "verification"), ("outcome", "sent")]
        ) >= 2.0,
        "{body}"
    );
    assert!(
        moved("newsletter_deliveries_total", &[("outcome", "sent")]) >= 2.0,
        "{body}"
    );
    assert!(
        moved(
            "cache_lookups_total",
            &[("cache", "event_lists"), ("result", "hit")]
        ) >= 1.0,
        "{body}"
    );
    assert!(
        moved(
            "job_runs_total",
            &[("job", "purge-expired-tokens"), ("outcome", "ok")]
        ) >= 1.0,
        "{body}"
    );
    let last_success = total(
        &after,
        "job_last_success_timestamp_seconds",
        &[("job", "purge-expired-tokens")],
    );
    assert!(last_success > 1.7e9, "{body}");
    assert!(
        total(&after, "process_resident_memory_bytes", &[]) > 0.0,
        "{body}"
    );
    assert!(total(&after, "process_uptime_seconds", &[]) > 0.0, "{body}");
    for gauge in [
        "mail_outbox_waiting",
        "mail_outbox_failed",
        "mail_outbox_oldest_due_age_seconds",
    ] {
        assert!(after.iter().any(|s| s.name == gauge), "no {gauge}: {body}");
    }
    // Gauges read at scrape time are the last scraping app's (the recorder is shared): only
    // their presence is this test's to check.
    for (pool, state) in [("read", "idle"), ("read", "in_use"), ("write", "idle")] {
        assert!(
            after.iter().any(|s| s.name == "db_pool_connections"
                && s.labels.get("pool").map(String::as_str) == Some(pool)
                && s.labels.get("state").map(String::as_str) == Some(state)),
            "{body}"
        );
    }

    // No label value anywhere is an id, an address or a token; and none of this test's ids,
    // addresses and tokens is anywhere in the exposition.
    for s in &after {
        for (k, v) in &s.labels {
            assert!(!looks_secret(v), "{} has {k}={v:?}", s.name);
        }
    }
    for secret in &work.secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{secret} is in the metrics"
        );
    }
}

/// The metric names an alert expression uses: identifiers that are not functions (followed by
/// `(`), keywords, label names (inside `{}` or `by (…)`) or durations.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
    ];
    // Aggregations may put `by (…)` before their parenthesis.
    const AGGREGATIONS: &[&str] = &[
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
    ];
    // Drop label matchers, grouping lists and strings first.
    let mut plain = String::new();
    let mut depth_brace = 0;
    let mut in_string = false;
    for c in expr.chars() {
        match c {
            '"' => in_string = !in_string,
            '{' if !in_string => depth_brace += 1,
            '}' if !in_string => depth_brace -= 1,
            _ if in_string || depth_brace > 0 => {}
            _ => plain.push(c),
        }
    }
    let mut names = BTreeSet::new();
    let chars: Vec<char> = plain.chars().collect();
    let mut i = 0;
    let mut after_grouping = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            if KEYWORDS.contains(&word.as_str()) {
                after_grouping = matches!(
                    word.as_str(),
                    "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                );
                continue;
            }
            if next != Some(&'(') && !AGGREGATIONS.contains(&word.as_str()) {
                names.insert(word);
            }
        } else if c.is_ascii_digit() {
            // A number or a duration (5m, 1h30m).
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
        } else if c == '(' && after_grouping {
            // A grouping list: label names up to the closing parenthesis.
            while i < chars.len() && chars[i] != ')' {
                i += 1;
            }
            after_grouping = false;
            i += 1;
        } else if c == '[' {
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    names
}

#[tokio::test]
async fn the_example_alerts_parse_and_name_only_exported_metrics() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/prometheus-alerts.yml"
    ))
    .unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    let groups = docs[0]["groups"].as_vec().expect("groups");
    let mut exprs = Vec::new();
    for group in groups {
        assert!(group["name"].as_str().is_some(), "a group has a name");
        for rule in group["rules"].as_vec().expect("rules") {
            assert!(rule["alert"].as_str().is_some(), "{rule:?}");
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{rule:?}"
            );
            exprs.push(rule["expr"].as_str().expect("an expr").to_owned());
        }
    }
    assert!(
        exprs.len() >= 5,
        "mail backlog, oldest mail, job failing, job stale, 5xx"
    );

    let t = TestApp::spawn().await;
    let (address, _serving) = metrics_listener(&t).await;
    do_the_work(&t).await;
    let (body, samples) = scrape(&address).await;
    let exported: BTreeSet<&str> = samples.iter().map(|s| s.name.as_str()).collect();
    for expr in &exprs {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "no metric in {expr}");
        for name in names {
            assert!(
                exported.contains(name.as_str()),
                "the alert {expr:?} names {name}, which the server does not export:\n{body}"
            );
        }
    }
}

#[test]
fn metric_names_are_read_from_alert_expressions() {
    let names = metric_names(
        r#"sum by (route) (rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05 and on() time() - job_last_success_timestamp_seconds{job="x"} > 1h30m"#,
    );
    let names: Vec<_> = names.iter().map(String::as_str).collect();
    assert_eq!(
        names,
        ["http_requests_total", "job_last_success_timestamp_seconds"]
    );
}

#[test]
fn json_logs_have_one_line_per_request_with_its_fields_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let public = format!("127.0.0.1:{port}");
    let metrics = format!("127.0.0.1:{metrics_port}");
    let (url, pg) = crate::binary::database_url(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LISTEN", &public)
        .env("METRICS_LISTEN", &metrics)
        .env("LOG_FORMAT", "json")
        .env("DATABASE_URL", &url)
        .env("MAIL_POLL_MS", "50")
        // The test is the proxy: its X-Forwarded-For names the client in the log.
        .env("TRUSTED_PROXIES", "127.0.0.1/32")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it comes, so a full pipe never holds the server up.
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let started = Instant::now();
    while http(&public, "GET", "/health", &[], "").map(|r| r.0) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(http(&public, "GET", "/metrics", &[], "").unwrap().0, 404);
    let (status, _, exposition) = http(&metrics, "GET", "/metrics", &[], "").unwrap();
    assert_eq!(status, 200);
    assert!(exposition.contains("http_requests_total{"), "{exposition}");

    let email = "carla.json@example.org";
    let (status, _, _) = http(
        &public,
        "POST",
        "/api/v1/members",
        &[],
        &format!(r#"{{"email":"{email}","first_name":"Carla","last_name":"Jacobs","language":"en","consent":{{"privacy_policy":true}}}}"#),
    )
    .unwrap();
    assert_eq!(status, 202);
    let outbox = dir.path().join("data").join("outbox");
    let mail = crate::binary::first_mail_file(&outbox);
    let text = mail_parser::MessageParser::default()
        .parse(mail.as_bytes())
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .expect("a text part");
    let at = text.find("token=").expect("a link in the mail") + 6;
    let verify_token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let (status, _, body) = http(
        &public,
        "POST",
        "/api/v1/members/verify",
        &[],
        &format!(r#"{{"token":"{verify_token}","consent":{{"privacy_policy":true}}}}"#),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let session = serde_json::from_str::<Value>(&body).unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {session}");
    let (status, _, body) = http(
        &public,
        "GET",
        "/api/v1/me",
        &[("Authorization", &bearer)],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let account = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = http(
        &public,
        "POST",
        "/api/v1/me/calendar-token",
        &[("Authorization", &bearer)],
        "{}",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let feed = serde_json::from_str::<Value>(&body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let feed_path = &feed[feed.find("/calendar/").unwrap()..];
    let feed_token = feed_path["/calendar/".len()..]
        .trim_end_matches(".ics")
        .to_owned();
    let (status, head, _) = http(
        &public,
        "GET",
        &format!("{feed_path}?name={email}"),
        &[
            ("X-Request-Id", "feed-check-1"),
            ("X-Forwarded-For", "203.0.113.9"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase().contains("x-request-id: feed-check-1"),
        "{head}"
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = log.join().unwrap();
    if let Some((admin, name)) = pg {
        let _ = Command::new("psql")
            .args([
                admin.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .status();
    }

    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    assert!(requests.len() >= 6, "{log}");
    for r in &requests {
        for field in ["id", "method", "path", "client"] {
            assert!(r["span"][field].is_string(), "no {field}: {r}");
        }
        assert!(r["route"].is_string(), "{r}");
        assert!(r["status"].is_u64(), "{r}");
        assert!(r["ms"].is_u64(), "{r}");
        assert_eq!(r["level"], "INFO", "{r}");
    }
    let signed_in = requests
        .iter()
        .find(|r| r["route"] == "/api/v1/me")
        .expect("the signed-in request's line");
    assert_eq!(
        signed_in["span"]["account"],
        account.as_str(),
        "{signed_in}"
    );
    let feed_line = requests
        .iter()
        .find(|r| r["span"]["id"] == "feed-check-1")
        .expect("the feed's line, by the request id it came with");
    assert_eq!(feed_line["route"], "/calendar/{token}.ics", "{feed_line}");
    assert_eq!(feed_line["span"]["client"], "203.0.113.9", "{feed_line}");
    assert_eq!(signed_in["span"]["client"], "127.0.0.1", "{signed_in}");
    assert_eq!(
        feed_line["span"]["path"], "/calendar/[redacted].ics?name=[redacted]",
        "{feed_line}"
    );
    for secret in [email, &verify_token, &session, &feed_token] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
}

#[tokio::test]
async fn failed_deliveries_retries_and_a_pause_are_counted() {
    let t = TestApp::spawn().await;
    let (address, _serving) = metrics_listener(&t).await;
    let staff = t.staff("staff.failing@example.org", Role::Staff).await;
    for i in 0..12 {
        let (_, id) = t.quick_member(&format!("f{i}@example.org")).await;
        sqlx::query(
            "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, confirmed_at, updated_at) \
             VALUES ($1, 'community', 'active', $2, 0, 0, 0)",
        )
        .bind(&id)
        .bind(uuid::Uuid::new_v4().to_string())
        .execute(&t.app.db.read)
        .await
        .unwrap();
    }
    let (_, before) = scrape(&address).await;

    // The mail server answers 451 to everything: a sign-up's mail is retried, and the issue
    // pauses itself after ten failures in a row.
    t.smtp.set_mode(crate::smtp::Mode::TempFail);
    t.sign_up("late.signup@example.org", "Late", "Signup")
        .await
        .assert(202);
    send_issue_until(&t, &staff, "paused").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let (_, after) = scrape(&address).await;
        let moved = |name: &str, having: &[(&str, &str)]| {
            total(&after, name, having) - total(&before, name, having)
        };
        if moved(
            "mail_deliveries_total",
            &[("kind", "verification"), ("outcome", "retried")],
        ) >= 1.0
        {
            break after;
        }
        assert!(
            Instant::now() < deadline,
            "the sign-up's mail was not retried"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let moved = |name: &str, having: &[(&str, &str)]| {
        total(&after, name, having) - total(&before, name, having)
    };
    assert!(moved("newsletter_deliveries_total", &[("outcome", "retried")]) >= 10.0);
    assert!(moved("newsletter_pauses_total", &[("by", "failures")]) >= 1.0);
}
