//! What the benchmarks share: a database (SQLite in a temporary folder, or a fresh PostgreSQL
//! database when BENCH_DATABASE_URL names a server), the real server binary, and a keep-alive
//! HTTP/1.1 load generator.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use limburgers_worldwide::app::App;
use limburgers_worldwide::config::Config;
use limburgers_worldwide::values::Role;
use sqlx::{Connection, Executor};

pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A numeric setting from the environment, or the default.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One keep-alive connection; answers (status, body).
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("server");
        s.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: s,
        }
    }

    pub fn request(
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
        self.exchange(&req)
    }

    /// `GET path` as a browser asks for a page: the session in the `session` cookie.
    pub fn get_page(&mut self, path: &str, session: &str) -> (u16, String) {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nCookie: session={session}\r\nAccept: text/html\r\n\r\n"
        );
        self.exchange(&req)
    }

    /// Sends one request and reads its answer (status, body).
    fn exchange(&mut self, req: &str) -> (u16, String) {
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

pub struct Run {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Sends every job over `connections` keep-alive connections; answers throughput and latency.
pub fn load(
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
    summarize(results.into_inner().unwrap(), started.elapsed())
}

/// Throughput and latency percentiles of (job index, latency, answer) results; the answers in
/// job order.
fn summarize(
    mut results: Vec<(usize, Duration, (u16, String))>,
    elapsed: Duration,
) -> (Run, Vec<(u16, String)>) {
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

/// An open-loop load: job `i` is due `i / rate` seconds after the start, whichever connection
/// sends it, and its latency counts from when it was due, not from when a connection got to it.
/// A server that falls behind is charged for the wait it caused (no coordinated omission), and
/// the achieved rate says whether it kept up with the offered one.
pub fn paced(
    port: u16,
    connections: usize,
    jobs: Vec<(String, Option<String>, String)>,
    method: &str,
    rate: f64,
) -> (Run, Vec<(u16, String)>) {
    let n = jobs.len();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(n));
    // Every connection is open before the first job is due.
    let conns: Vec<Conn> = (0..connections).map(|_| Conn::open(port)).collect();
    let started = Instant::now() + Duration::from_millis(20);
    std::thread::scope(|s| {
        for mut conn in conns {
            let (jobs, next, results) = (&jobs, &next, &results);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, token, body)) = jobs.get(i) else {
                        break;
                    };
                    let due = started + Duration::from_secs_f64(i as f64 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let answer = conn.request(method, path, token.as_deref(), body);
                    results.lock().unwrap().push((i, due.elapsed(), answer));
                }
            });
        }
    });
    summarize(results.into_inner().unwrap(), started.elapsed())
}

/// A database for one benchmark run, dropped (PostgreSQL) or deleted (SQLite) at the end.
pub struct BenchDb {
    pub url: String,
    pub postgres: bool,
    pub dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl BenchDb {
    pub fn new(rt: &tokio::runtime::Runtime) -> anyhow::Result<BenchDb> {
        let dir = tempfile::tempdir()?;
        let pg = std::env::var("BENCH_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"));
        let (url, pg_drop) = match &pg {
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
        Ok(BenchDb {
            url,
            postgres: pg.is_some(),
            dir,
            pg_drop,
        })
    }

    pub fn name(&self) -> &'static str {
        if self.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    /// The server's settings for this database on `port`.
    pub fn settings(&self, port: u16) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.url.clone()),
            (
                "DATA_DIR",
                self.dir.path().join("data").display().to_string(),
            ),
            ("LISTEN", format!("127.0.0.1:{port}")),
            ("NEWSLETTER_CRON", "off".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
            // The load generator is one client address with up to 1,000 connections.
            ("MAX_CONNECTIONS_PER_CLIENT", "0".to_owned()),
        ]
    }

    pub fn config(&self, port: u16) -> anyhow::Result<Config> {
        let settings = self.settings(port);
        Ok(Config::from_lookup(|k| {
            settings
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
        })?)
    }

    pub fn drop_database(&self, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
        if let Some((admin, name)) = &self.pg_drop {
            rt.block_on(async {
                let mut c = sqlx::AnyConnection::connect(admin).await?;
                c.execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .await?;
                anyhow::Ok(())
            })?;
        }
        Ok(())
    }
}

/// Starts the server binary on `port` and waits until `/ready` answers; answers the time that
/// took.
pub fn start_server(db: &BenchDb, port: u16) -> (Reaped, Duration) {
    start_server_with(db, port, &[])
}

/// Like [`start_server`], with settings of the run's own on top.
pub fn start_server_with(
    db: &BenchDb,
    port: u16,
    extra: &[(&'static str, String)],
) -> (Reaped, Duration) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_limburgers-worldwide"))
        .current_dir(db.dir.path())
        .envs(db.settings(port).iter().map(|(k, v)| (*k, v.clone())))
        .envs(extra.iter().map(|(k, v)| (*k, v.clone())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary");
    let server = Reaped(child);
    loop {
        if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = c.write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut out = String::new();
            let _ = c.read_to_string(&mut out);
            if out.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    (server, started.elapsed())
}

/// Resident memory of a process in KiB (VmRSS).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A staff account with a session, created directly (the API has no staff sign-up).
pub async fn staff(app: &App) -> anyhow::Result<String> {
    limburgers_worldwide::cli::create_staff(app, "staff@bench.example.org", "S", "T", Role::Staff)
        .await
}

/// A verified member with a session: (session token, person id).
pub async fn member(app: &App, email: &str) -> anyhow::Result<(String, String)> {
    use limburgers_worldwide::members::{self, NewAccount};
    use limburgers_worldwide::values::{EmailAddress, Language, PersonName};
    let name = PersonName::parse("Bench").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut tx = app.db.begin().await?;
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
    tx.commit().await?;
    Ok((token, id))
}

/// What `wrk --latency` measured.
pub struct Wrk {
    pub per_second: f64,
    pub p50: String,
    pub p99: String,
    pub errors: String,
}

/// `wrk --latency` against one URL with the given headers.
pub fn wrk(port: u16, path: &str, headers: &[&str], seconds: usize, connections: usize) -> Wrk {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap_or_else(|e| {
            eprintln!("wrk not found ({e}): install Debian's wrk package (apt-get install wrk)");
            std::process::exit(2);
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    let errors = text
        .lines()
        .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    Wrk {
        per_second: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
        errors,
    }
}
