//! Scheduled jobs (tokio-cron-scheduler). Every instance schedules every job; when one fires,
//! the instance first claims that scheduled time in `job_runs` and only the one whose claim
//! lands runs it, so with several instances on one database a job runs once per period. The
//! jobs themselves also only change state idempotently or enqueue work under a unique key, so a
//! manual run (`limburgers-worldwide jobs run NAME`, which does not claim) is harmless too.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context as _;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::app::App;
use crate::db::now_ms;
use serde_json::json;

pub type JobFn = fn(App) -> Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send>>;

pub struct JobSpec {
    pub name: &'static str,
    /// Six fields: second minute hour day-of-month month day-of-week, in UTC.
    pub schedule: &'static str,
    pub about: &'static str,
    pub run: JobFn,
}

/// Marks the job whose schedule is the `NEWSLETTER_CRON` setting.
const DIGEST: &str = "NEWSLETTER_CRON";

pub fn all() -> Vec<JobSpec> {
    vec![
        JobSpec {
            name: "purge-expired-tokens",
            schedule: "0 17 * * * *",
            about: "delete expired and used sign-in links, sessions, old rate-limit counters and mail cooldowns",
            run: |app| Box::pin(purge_expired_tokens(app)),
        },
        JobSpec {
            name: "event-reminders",
            schedule: "0 */10 * * * *",
            about: "remind each confirmed registration once, about a day before the event",
            run: |app| {
                Box::pin(async move {
                    let n = crate::events::registrations::send_reminders(&app).await?;
                    Ok(format!("{n} reminders queued"))
                })
            },
        },
        JobSpec {
            name: "alumni-transition",
            schedule: "0 30 2 * * *",
            about: "make members whose leaving date has come alumni (lists, farewell mail)",
            run: |app| {
                Box::pin(async move {
                    let n = crate::alumni::make_alumni(&app).await?;
                    audited(&app, "job.alumni_transition", json!({"alumni": n})).await?;
                    Ok(format!("{n} members became alumni"))
                })
            },
        },
        JobSpec {
            name: "retention-unverified",
            schedule: "0 0 3 * * *",
            about: "remove sign-ups not confirmed within 7 days",
            run: |app| {
                Box::pin(async move {
                    let n = crate::alumni::remove_unverified(&app).await?;
                    Ok(format!("{n} unconfirmed sign-ups removed"))
                })
            },
        },
        JobSpec {
            name: "retention-alumni",
            schedule: "0 30 3 * * *",
            about: "remind alumni inactive for ALUMNI_RETENTION_YEARS, erase them 30 days later (off by default)",
            run: |app| {
                Box::pin(async move {
                    let Some(years) = app.config.alumni_retention_years else {
                        return Ok("off (ALUMNI_RETENTION_YEARS is not set)".to_owned());
                    };
                    let (reminded, erased) = crate::alumni::retain_alumni(&app, years).await?;
                    audited(
                        &app,
                        "job.retention_alumni",
                        json!({"reminded": reminded, "erased": erased}),
                    )
                    .await?;
                    Ok(format!("{reminded} reminded, {erased} erased"))
                })
            },
        },
        JobSpec {
            name: "newsletter-dispatch",
            schedule: "30 * * * * *",
            about: "start newsletter issues whose scheduled time has come",
            run: |app| {
                Box::pin(async move {
                    let n = crate::newsletter::issues::dispatch_due(&app).await?;
                    Ok(format!("{n} issues started"))
                })
            },
        },
        JobSpec {
            name: "newsletter-digest",
            schedule: DIGEST,
            about: "build this week's upcoming-events digest for each list (NEWSLETTER_CRON, in TIMEZONE)",
            run: |app| {
                Box::pin(async move {
                    let started = crate::newsletter::issues::build_digests(&app).await?;
                    Ok(format!("{} digests started", started.len()))
                })
            },
        },
    ]
}

pub fn find(name: &str) -> Option<JobSpec> {
    all().into_iter().find(|j| j.name == name)
}

/// Runs a job as the scheduler does: its outcome logged (a failure at warn, with the reason)
/// and counted in the metrics (runs, duration, last success). `scheduled_at` is the scheduled
/// time a claimed run belongs to (None for a run outside the scheduler).
pub async fn run_recorded(
    app: App,
    name: &'static str,
    scheduled_at: Option<i64>,
    run: JobFn,
) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let result = run(app).await;
    crate::metrics::job_run(name, result.is_ok(), started.elapsed());
    match &result {
        Ok(summary) => tracing::info!(job = name, scheduled_at, %summary, "job done"),
        Err(e) => tracing::warn!(
            job = name,
            scheduled_at,
            error = format!("{e:#}"),
            "job failed"
        ),
    }
    result
}

pub async fn start(app: App) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new()
        .await
        .context("starting the scheduler")?;
    for spec in all() {
        let schedule = if spec.schedule == DIGEST {
            match &app.config.newsletter_cron {
                Some(cron) => cron.clone(),
                None => continue,
            }
        } else {
            spec.schedule.to_owned()
        };
        let app = app.clone();
        let (name, run) = (spec.name, spec.run);
        let tz = app.config.timezone;
        let cron = parse_schedule(&schedule).with_context(|| format!("scheduling {name}"))?;
        crate::metrics::job_scheduled(name);
        let job = Job::new_async_tz(schedule, tz, move |_id, _lock| {
            let app = app.clone();
            let cron = cron.clone();
            Box::pin(async move {
                let Some(at) = scheduled_time(&cron, tz) else {
                    tracing::warn!(job = name, "job fired outside its schedule; skipped");
                    return;
                };
                match claim(&app, name, at).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::debug!(
                            job = name,
                            scheduled_at = at,
                            "another instance runs this one"
                        );
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(
                            job = name,
                            error = format!("{e:#}"),
                            "job not claimed; skipped"
                        );
                        return;
                    }
                }
                let outcome = run_recorded(app.clone(), name, Some(at), run).await;
                if let Err(e) = finish(&app, name, at, &outcome).await {
                    tracing::warn!(
                        job = name,
                        error = format!("{e:#}"),
                        "job's end not recorded"
                    );
                }
            })
        })
        .with_context(|| format!("scheduling {name}"))?;
        scheduler
            .add(job)
            .await
            .with_context(|| format!("scheduling {name}"))?;
    }
    scheduler.start().await.context("starting the scheduler")?;
    Ok(scheduler)
}

/// Six fields, read as the scheduler reads them.
fn parse_schedule(schedule: &str) -> anyhow::Result<croner::Cron> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(schedule)
        .map_err(|e| anyhow::anyhow!("invalid schedule {schedule:?}: {e}"))
}

/// The scheduled time a firing belongs to: the latest time of the schedule at or before now
/// (the scheduler fires at that time or a moment after), in ms. Every instance names the same.
fn scheduled_time(cron: &croner::Cron, tz: chrono_tz::Tz) -> Option<i64> {
    use chrono::Timelike as _;
    // Whole seconds: the schedule's finest unit (croner keeps a given time's fraction).
    let now = chrono::Utc::now().with_timezone(&tz);
    let now = now.with_nanosecond(0).unwrap_or(now);
    cron.find_previous_occurrence(&now, true)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Takes the run of `job` scheduled at `at`: true for the one instance that gets it.
pub async fn claim(app: &App, job: &str, at: i64) -> anyhow::Result<bool> {
    let mut tx = app.db.begin().await?;
    let taken = sqlx::query(
        "INSERT INTO job_runs (job, scheduled_at, started_at) VALUES ($1, $2, $3) \
         ON CONFLICT (job, scheduled_at) DO NOTHING",
    )
    .bind(job)
    .bind(at)
    .bind(now_ms())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(taken)
}

/// Records how a claimed run ended.
async fn finish(
    app: &App,
    job: &str,
    at: i64,
    outcome: &anyhow::Result<String>,
) -> anyhow::Result<()> {
    let (status, summary) = match outcome {
        Ok(summary) => ("done", summary.clone()),
        // The reason is in the log; the table keeps no error text (it could quote anything).
        Err(_) => ("failed", String::new()),
    };
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "UPDATE job_runs SET finished_at = $3, outcome = $4, summary = $5 \
         WHERE job = $1 AND scheduled_at = $2",
    )
    .bind(job)
    .bind(at)
    .bind(now_ms())
    .bind(status)
    .bind(summary)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn stop(mut scheduler: JobScheduler) {
    if let Err(e) = scheduler.shutdown().await {
        tracing::warn!(error = %e, "scheduler did not stop cleanly");
    }
}

/// Writes a job run to the audit log.
async fn audited(app: &App, action: &str, detail: serde_json::Value) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    crate::audit::record(&mut tx, "system", action, None, Some(detail)).await?;
    tx.commit().await?;
    Ok(())
}

async fn purge_expired_tokens(app: App) -> anyhow::Result<String> {
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let tokens = sqlx::query(
        "DELETE FROM tokens WHERE (expires_at IS NOT NULL AND expires_at < $1) \
         OR (used_at IS NOT NULL AND used_at < $1 - 86400000)",
    )
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    let tokens = tokens
        + sqlx::query("DELETE FROM email_changes WHERE expires_at < $1")
            .bind(now)
            .execute(tx.conn())
            .await?
            .rows_affected();
    let limits = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1 - 86400000")
        .bind(now)
        .execute(tx.conn())
        .await?
        .rows_affected()
        + sqlx::query("DELETE FROM mail_cooldowns WHERE sent_at < $1 - 86400000")
            .bind(now)
            .execute(tx.conn())
            .await?
            .rows_affected();
    // A month of job runs is enough to see what ran; the rest is history nobody reads.
    sqlx::query("DELETE FROM job_runs WHERE scheduled_at < $1 - 2592000000")
        .bind(now)
        .execute(tx.conn())
        .await?;
    crate::audit::record(
        &mut tx,
        "system",
        "job.purge_expired_tokens",
        None,
        Some(serde_json::json!({"tokens": tokens, "rate_limits": limits})),
    )
    .await?;
    tx.commit().await?;
    Ok(format!(
        "{tokens} tokens and {limits} rate-limit counters removed"
    ))
}
