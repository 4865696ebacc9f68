//! Scheduled jobs (tokio-cron-scheduler). A job only changes state idempotently or enqueues
//! work under a unique key, so one that fires twice, or on two instances, has the effect of one.
//! `limburgers-worldwide jobs run NAME` runs any of them once, now.

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

/// Runs a job as the scheduler does: its outcome logged (a failure at error, with the reason)
/// and counted in the metrics (runs, duration, last success).
pub async fn run_recorded(app: App, name: &'static str, run: JobFn) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let result = run(app).await;
    crate::metrics::job_run(name, result.is_ok(), started.elapsed());
    match &result {
        Ok(summary) => tracing::info!(job = name, %summary, "job done"),
        Err(e) => tracing::error!(job = name, error = format!("{e:#}"), "job failed"),
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
        crate::metrics::job_scheduled(name);
        let job = Job::new_async_tz(schedule, tz, move |_id, _lock| {
            let app = app.clone();
            Box::pin(async move {
                let _ = run_recorded(app, name, run).await;
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
