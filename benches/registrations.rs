//! Registration throughput and fairness against the real server binary, with a keep-alive HTTP
//! load generator in this process. The ceiling is the same generator against `GET /health` of the
//! same server in the same run.
//!
//! 1. Rush: 1,000 households register at once for 100 seats: exactly 100 confirmed, the others
//!    waitlisted in arrival order.
//! 2. Sustained: registrations spread over many events, at 64 connections: confirmed
//!    registrations per second and latency percentiles.
//!
//! Run: `cargo bench --bench registrations` (SQLite) or with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` (a database is created and
//! dropped). BENCH_REQUESTS (default 20000) sets the sustained run's size.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use limburgers_worldwide::app::App;
use limburgers_worldwide::config::Config;
use limburgers_worldwide::values::Role;
use sqlx::{Connection, Executor};

struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One keep-alive connection; answers (status, body).
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("server");
        s.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: s,
        }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.writer.write_all(req.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

struct Run {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// Sends every job over `connections` keep-alive connections; answers throughput and latency.
fn load(
    port: u16,
    connections: usize,
    jobs: Vec<(String, Option<String>, String)>,
    method: &str,
) -> (Run, Vec<(u16, String)>) {
    let queue = Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..connections {
            s.spawn(|| {
                let mut conn = Conn::open(port);
                loop {
                    let job = queue.lock().unwrap().pop();
                    let Some((i, (path, token, body))) = job else {
                        break;
                    };
                    let t0 = Instant::now();
                    let answer = conn.request(method, &path, token.as_deref(), &body);
                    results.lock().unwrap().push((i, t0.elapsed(), answer));
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut results = results.into_inner().unwrap();
    let n = results.len();
    let mut latencies: Vec<Duration> = results.iter().map(|r| r.1).collect();
    latencies.sort();
    results.sort_by_key(|r| r.0);
    let run = Run {
        per_second: n as f64 / elapsed.as_secs_f64(),
        p50: latencies[n / 2],
        p99: latencies[(n * 99 / 100).min(n - 1)],
    };
    (run, results.into_iter().map(|r| r.2).collect())
}

async fn seed_members(app: &App, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    use limburgers_worldwide::members::{self, NewAccount};
    use limburgers_worldwide::values::{EmailAddress, Language, PersonName};
    let name = PersonName::parse("Bench").unwrap();
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut tx = app.db.begin().await?;
        for i in chunk {
            let email = EmailAddress::parse(&format!("m{i}@bench.example.org")).unwrap();
            let id = members::create_person_in_new_household(&mut tx, &name, &name).await?;
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
            .await?;
            let (token, _) = limburgers_worldwide::auth::session(&mut tx, &id).await?;
            out.push((token, id));
        }
        tx.commit().await?;
    }
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let sustained: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let pg = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let (database_url, pg_drop) = match &pg {
        Some(admin) => {
            let name = format!("lw_bench_{}", uuid::Uuid::new_v4().simple());
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                let mut c = sqlx::AnyConnection::connect(admin).await?;
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .await?;
                anyhow::Ok(())
            })?;
            let (base, _) = admin.rsplit_once('/').unwrap_or((admin, ""));
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
        None => (format!("sqlite://{}/bench.db", dir.path().display()), None),
    };
    let port = free_port();
    let settings = [
        ("DATABASE_URL", database_url.clone()),
        ("DATA_DIR", dir.path().join("data").display().to_string()),
        ("LISTEN", format!("127.0.0.1:{port}")),
        ("NEWSLETTER_CRON", "off".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let config = Config::from_lookup(|k| {
        settings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
    })?;
    let members_needed = 1_000 + sustained;
    let events = 200usize;
    println!(
        "seeding {members_needed} members and {} events ({})…",
        events + 1,
        if pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    let (staff, members) = rt.block_on(async {
        let app = App::new(config.clone()).await?;
        let members = seed_members(&app, members_needed).await?;
        let staff = limburgers_worldwide::cli::create_staff(
            &app,
            "staff@bench.example.org",
            "S",
            "T",
            Role::Staff,
        )
        .await?;
        app.db.close().await;
        anyhow::Ok((staff, members))
    })?;

    let server = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .current_dir(dir.path())
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let server = Reaped(server);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut admin = Conn::open(port);
    let create = |conn: &mut Conn, capacity: usize| {
        let body = format!(
            "{{\"title\":\"Bench\",\"starts_at\":\"2031-05-01T10:00:00\",\"ends_at\":\"2031-05-01T12:00:00\",\"capacity\":{capacity},\"status\":\"published\"}}"
        );
        let (status, body) = conn.request("POST", "/api/v1/events", Some(&staff), &body);
        assert_eq!(status, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let rush_event = create(&mut admin, 100);
    let event_ids: Vec<String> = (0..events)
        .map(|_| create(&mut admin, sustained / events))
        .collect();

    // Ceiling: the same generator, the same connections, a minimal endpoint.
    let health: Vec<_> = (0..sustained)
        .map(|_| ("/health".to_owned(), None, String::new()))
        .collect();
    let (ceiling, _) = load(port, 64, health, "GET");

    // 1. The rush: 1,000 at once for 100 seats.
    let rush_jobs: Vec<_> = members[..1_000]
        .iter()
        .map(|(token, person)| {
            (
                format!("/api/v1/events/{rush_event}/registrations"),
                Some(token.clone()),
                format!("{{\"person_ids\":[\"{person}\"]}}"),
            )
        })
        .collect();
    let (rush, answers) = load(port, 1_000, rush_jobs, "POST");
    let parsed: Vec<serde_json::Value> = answers
        .iter()
        .map(|(_, b)| serde_json::from_str(b).unwrap_or_default())
        .collect();
    let confirmed = parsed.iter().filter(|v| v["status"] == "confirmed").count();
    let waitlisted = parsed
        .iter()
        .filter(|v| v["status"] == "waitlisted")
        .count();
    let mut positions: Vec<i64> = parsed
        .iter()
        .filter_map(|v| v["position"].as_i64())
        .collect();
    positions.sort();
    let in_order = positions
        .iter()
        .enumerate()
        .all(|(i, p)| *p == i as i64 + 1);

    // 2. Sustained: every registration to one of many events, 64 connections.
    let jobs: Vec<_> = members[1_000..]
        .iter()
        .enumerate()
        .map(|(i, (token, person))| {
            (
                format!("/api/v1/events/{}/registrations", event_ids[i % events]),
                Some(token.clone()),
                format!("{{\"person_ids\":[\"{person}\"]}}"),
            )
        })
        .collect();
    let (steady, answers) = load(port, 64, jobs, "POST");
    let ok = answers
        .iter()
        .filter(|(s, b)| *s == 201 && b.contains("\"confirmed\""))
        .count();
    let failed = answers.iter().filter(|(s, _)| *s != 201).count();
    let oversold = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&database_url).await?;
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE capacity IS NOT NULL AND seats_taken > capacity").fetch_one(&pool).await?;
        let (c,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE r.status = 'confirmed' AND e.id <> $1 GROUP BY e.id ORDER BY COUNT(*) DESC LIMIT 1").bind(&rush_event).fetch_one(&pool).await?;
        pool.close().await;
        anyhow::Ok((n, c))
    })?;
    drop(server);
    if let Some((admin, name)) = pg_drop {
        rt.block_on(async {
            let mut c = sqlx::AnyConnection::connect(&admin).await?;
            c.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .await?;
            anyhow::Ok(())
        })?;
    }
    let db = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let confirmed_per_second = ok as f64 / (sustained as f64 / steady.per_second);
    println!();
    println!(
        "registration benchmark ({db}, keep-alive HTTP/1.1 load generator in the bench process)"
    );
    println!(
        "  ceiling GET /health, 64 conns: {:.0} req/s, p50 {:?}, p99 {:?}",
        ceiling.per_second, ceiling.p50, ceiling.p99
    );
    println!(
        "  rush 1,000 for 100 seats:      {confirmed} confirmed, {waitlisted} waitlisted, positions 1..{} in order: {in_order}; {:.0} req/s, p99 {:?}",
        positions.len(),
        rush.per_second,
        rush.p99
    );
    println!(
        "  sustained {sustained} over {events} events, 64 conns: {:.0} req/s ({:.2} of ceiling), {confirmed_per_second:.0} confirmed/s, p50 {:?}, p99 {:?}, {failed} failed",
        steady.per_second,
        steady.per_second / ceiling.per_second,
        steady.p50,
        steady.p99
    );
    println!(
        "  oversold events: {} (sustained: largest confirmed count {} of capacity {})",
        oversold.0,
        oversold.1,
        sustained / events
    );
    Ok(())
}
