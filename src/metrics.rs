//! Prometheus metrics: recorded where things happen through the `metrics` facade, exported by
//! `metrics-exporter-prometheus` at `GET /metrics` on a listener of its own (`METRICS_LISTEN`),
//! never on the public port.
//!
//! Labels carry only names from the code (a route template, a mail kind, a job's name, an
//! outcome), never a value from a request: no id, token or address can reach them, and their
//! number stays bounded whatever clients send.
//!
//! The recorder is the process's (the facade has one global recorder): several apps in one
//! process (the tests) share its counters, and the gauges read at scrape time are the last
//! scraping app's. Without `METRICS_LISTEN` nothing is installed and
//! every recording is a no-op.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use metrics::{Label, SharedString, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::http::{Method, StatusCode};
use poem::listener::Acceptor;
use poem::{EndpointExt, IntoResponse, Response, Route, get, handler};
use tokio::sync::watch;

use crate::app::App;

/// The route label of a request no route matched (any path: a scanner's guesses stay one series).
pub const UNMATCHED: &str = "unmatched";

/// Request latency: a cached page answers in well under a millisecond, a slow database in
/// seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Jobs per group commit (at most 128, see `db::batch`).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];
/// Scheduled jobs take from milliseconds (nothing to do) to minutes (a retention sweep).
const JOB_BUCKETS: &[f64] = &[0.01, 0.1, 1.0, 10.0, 60.0, 300.0, 1800.0];

struct Installed {
    handle: PrometheusHandle,
    started: Instant,
    started_at: f64,
}

static INSTALLED: OnceLock<Result<Installed, String>> = OnceLock::new();

/// Installs the process's recorder the first time (later calls answer the same one).
fn installed() -> anyhow::Result<&'static Installed> {
    INSTALLED
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("db_batch_jobs".into()), BATCH_BUCKETS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("job_duration_seconds".into()),
                        JOB_BUCKETS,
                    )
                })
                .and_then(|b| b.install_recorder())
                .map_err(|e| e.to_string())?;
            describe();
            zero();
            // Histograms gather samples per thread until upkeep folds them in; a thread of its
            // own does it on any runtime (and with none), scraped or not, so memory stays flat.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .map_err(|e| e.to_string())?;
            Ok(Installed {
                handle,
                started: Instant::now(),
                started_at: unix_seconds(SystemTime::now()),
            })
        })
        .as_ref()
        .map_err(|e| anyhow::anyhow!("installing the metrics recorder: {e}"))
}

/// Whether a recorder is installed (else recording is a no-op, and the hot paths skip even
/// building their labels).
fn enabled() -> bool {
    INSTALLED.get().is_some_and(|i| i.is_ok())
}

/// Installs the recorder; from now on what the app records is kept for `/metrics`.
pub fn install() -> anyhow::Result<()> {
    installed().map(|_| ())
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by route template, method and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        "Time to answer an HTTP request, by route template, method and status"
    );
    describe_gauge!(
        "mail_outbox_waiting",
        "Mails in the outbox not delivered yet (waiting, being sent or to be retried)"
    );
    describe_gauge!(
        "mail_outbox_failed",
        "Mails given up on, still kept for support"
    );
    describe_gauge!(
        "mail_outbox_oldest_due_age_seconds",
        "How long the longest-due mail has been due without being delivered (0: none is due)"
    );
    describe_counter!(
        "mail_deliveries_total",
        "Outbox mail delivery attempts by mail kind and outcome (sent, retried, failed)"
    );
    describe_counter!(
        "newsletter_deliveries_total",
        "Newsletter deliveries by outcome (sent, retried, failed, skipped)"
    );
    describe_counter!(
        "newsletter_pauses_total",
        "Newsletter issues paused, by who paused them (failures: itself after failures in a row; staff)"
    );
    describe_counter!(
        "job_runs_total",
        "Scheduled job runs by job and outcome (ok, failed)"
    );
    describe_gauge!(
        "job_last_success_timestamp_seconds",
        "When each scheduled job last succeeded (Unix seconds), since this process started"
    );
    describe_histogram!("job_duration_seconds", "Time a scheduled job run took");
    describe_gauge!(
        "db_pool_connections",
        "Database connections by pool (read, write) and state (in_use, idle)"
    );
    describe_counter!(
        "db_query_errors_total",
        "Database errors reaching the application, by kind"
    );
    describe_histogram!(
        "db_batch_jobs",
        "Write jobs committed together in one group-commit transaction"
    );
    describe_counter!(
        "db_batch_rollbacks_total",
        "Group-commit batches rolled back and rerun one job at a time"
    );
    describe_counter!(
        "cache_lookups_total",
        "Read-path cache lookups by cache and result (hit, miss)"
    );
    describe_gauge!(
        "process_resident_memory_bytes",
        "Resident memory of the process"
    );
    describe_gauge!(
        "process_start_time_seconds",
        "When the metrics of this process started (Unix seconds)"
    );
    describe_gauge!(
        "process_uptime_seconds",
        "Seconds since the metrics of this process started"
    );
}

/// Database error kinds, as `db_error` labels them.
const DB_ERROR_KINDS: &[&str] = &[
    "database",
    "pool_timed_out",
    "pool_closed",
    "io",
    "tls",
    "protocol",
    "row_not_found",
    "decode",
    "other",
];

/// Counters of rare events start at 0, so that they are exported (and an alert's `increase`
/// sees them) before their first occurrence.
fn zero() {
    for by in ["failures", "staff"] {
        counter!("newsletter_pauses_total", "by" => by).increment(0);
    }
    for kind in DB_ERROR_KINDS {
        counter!("db_query_errors_total", "kind" => *kind).increment(0);
    }
    counter!("db_batch_rollbacks_total").increment(0);
}

/// A method as a label: the standard ones by name, anything else as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// One answered request; `route` is the matched route's template (`/api/v1/events/:id`).
pub fn http_request(route: Option<&Arc<str>>, method: &Method, status: StatusCode, took: Duration) {
    // On every request's path: nothing is built while nothing is recorded.
    if !enabled() {
        return;
    }
    let route: SharedString = match route {
        Some(r) => r.clone().into(),
        None => UNMATCHED.into(),
    };
    let labels = [
        Label::new("route", route),
        Label::new("method", method_label(method)),
        Label::new("status", status.as_str().to_owned()),
    ];
    counter!("http_requests_total", labels.iter()).increment(1);
    histogram!("http_request_duration_seconds", labels.iter()).record(took.as_secs_f64());
}

/// An outbox delivery attempt: `outcome` is `sent`, `retried` or `failed`.
pub fn mail_delivery(kind: &str, outcome: &'static str) {
    counter!("mail_deliveries_total", "kind" => kind.to_owned(), "outcome" => outcome).increment(1);
}

/// A newsletter delivery settled or put back: `sent`, `retried`, `failed` or `skipped`.
pub fn newsletter_delivery(outcome: &'static str) {
    counter!("newsletter_deliveries_total", "outcome" => outcome).increment(1);
}

/// An issue paused: `by` is `failures` (it paused itself) or `staff`.
pub fn newsletter_paused(by: &'static str) {
    counter!("newsletter_pauses_total", "by" => by).increment(1);
}

/// A scheduled job's run.
pub fn job_run(job: &'static str, ok: bool, took: Duration) {
    let outcome = if ok { "ok" } else { "failed" };
    counter!("job_runs_total", "job" => job, "outcome" => outcome).increment(1);
    histogram!("job_duration_seconds", "job" => job).record(took.as_secs_f64());
    if ok {
        gauge!("job_last_success_timestamp_seconds", "job" => job)
            .set(unix_seconds(SystemTime::now()));
    }
}

/// Makes a job's counters exist at 0 before its first run, so rates and alerts see it.
pub fn job_scheduled(job: &'static str) {
    for outcome in ["ok", "failed"] {
        counter!("job_runs_total", "job" => job, "outcome" => outcome).increment(0);
    }
}

/// A database error on its way to an answer or a log line.
pub fn db_error(e: &sqlx::Error) {
    let kind = DB_ERROR_KINDS[match e {
        sqlx::Error::Database(_) => 0,
        sqlx::Error::PoolTimedOut => 1,
        sqlx::Error::PoolClosed => 2,
        sqlx::Error::Io(_) => 3,
        sqlx::Error::Tls(_) => 4,
        sqlx::Error::Protocol(_) => 5,
        sqlx::Error::RowNotFound => 6,
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => 7,
        _ => 8,
    }];
    counter!("db_query_errors_total", "kind" => kind).increment(1);
}

/// A background worker's failure: counted as a database error if that is what it was (a
/// request's errors are counted as they become the app's errors, `error::Error`).
pub fn db_error_in(e: &anyhow::Error) {
    if let Some(db) = e.chain().find_map(|c| c.downcast_ref::<sqlx::Error>()) {
        db_error(db);
    }
}

/// A group commit of `jobs` jobs; `rolled_back` when it failed and its jobs ran one by one.
pub fn db_batch(jobs: usize, rolled_back: bool) {
    histogram!("db_batch_jobs").record(jobs as f64);
    if rolled_back {
        counter!("db_batch_rollbacks_total").increment(1);
    }
}

/// A lookup in one of the read-path caches.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    if !enabled() {
        return;
    }
    let result = if hit { "hit" } else { "miss" };
    counter!("cache_lookups_total", "cache" => cache, "result" => result).increment(1);
}

/// Resident memory from `/proc` (Linux; elsewhere the gauge is not set).
fn resident_memory() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// The gauges read when scraped: the outbox (one query on its status index), the pools, the
/// process.
async fn observe(app: &App, installed: &Installed) {
    let now = crate::db::now_ms();
    let outbox: Result<(i64, i64, Option<i64>), sqlx::Error> = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN status = 'pending' AND next_attempt_at <= $1 THEN next_attempt_at END) \
         FROM outbox WHERE status IN ('pending', 'sending', 'failed')",
    )
    .bind(now)
    .fetch_one(&app.db.read)
    .await;
    match outbox {
        Ok((waiting, failed, oldest_due)) => {
            gauge!("mail_outbox_waiting").set(waiting as f64);
            gauge!("mail_outbox_failed").set(failed as f64);
            let age = oldest_due.map_or(0, |at| (now - at).max(0));
            gauge!("mail_outbox_oldest_due_age_seconds").set(age as f64 / 1000.0);
        }
        Err(e) => {
            db_error(&e);
            tracing::warn!(error = %e, "metrics: reading the outbox");
        }
    }
    for (name, pool) in [("read", &app.db.read), ("write", app.db.writer())] {
        let (size, idle) = (pool.size() as f64, pool.num_idle() as f64);
        gauge!("db_pool_connections", "pool" => name, "state" => "idle").set(idle);
        gauge!("db_pool_connections", "pool" => name, "state" => "in_use").set(size - idle);
    }
    if let Some(bytes) = resident_memory() {
        gauge!("process_resident_memory_bytes").set(bytes);
    }
    gauge!("process_start_time_seconds").set(installed.started_at);
    gauge!("process_uptime_seconds").set(installed.started.elapsed().as_secs_f64());
}

#[handler]
async fn scrape(app: poem::web::Data<&App>) -> Response {
    let installed = match installed() {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "metrics");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    observe(&app, installed).await;
    installed.handle.run_upkeep();
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(installed.handle.render())
}

/// Serves `GET /metrics` (and nothing else) on `acceptor` until `stop` turns true.
pub async fn serve(
    app: App,
    acceptor: impl Acceptor + 'static,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    install()?;
    let routes = Route::new().at("/metrics", get(scrape)).data(app);
    let stopped = async move {
        // An error means the sender is gone: the app is stopping too.
        let _ = stop.wait_for(|s| *s).await;
    };
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(routes, stopped, Some(Duration::from_secs(5)))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "other"
        );
    }
}
