//! Newsletter issues: campaigns written by staff (subject and Markdown body per language, English
//! the fallback) and the weekly digest of upcoming events. Starting to send writes one delivery
//! row per recipient in one statement; the [`super::sender`] does the rest.
//!
//! States: draft → scheduled → sending ⇄ paused → sent; draft/scheduled/sending/paused → cancelled.
//! A digest's `period_key` is unique, so a period gets one digest however many instances fire.

use std::collections::BTreeMap;

use chrono::Datelike as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::db::{Tx, new_id, now_ms};
use crate::error::{Error, Result};
use crate::events::{EVENT_COLUMNS, EventRow};
use crate::values::{Language, Phase};

/// Text per language; `en` is required and the fallback.
pub type Localized = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Filters {
    pub phase: Option<Phase>,
    pub municipality: Option<String>,
    pub language: Option<Language>,
}

/// An event as listed in an issue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListedEvent {
    pub title: String,
    pub starts: String,
    pub timezone: String,
    pub venue: String,
    pub link: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRow {
    pub id: String,
    pub kind: String,
    pub period_key: Option<String>,
    pub segment: String,
    pub subject: String,
    pub body: String,
    pub filters: String,
    pub upcoming_events_days: Option<i64>,
    pub events: String,
    pub status: String,
    pub scheduled_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub pause_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const ISSUE_COLUMNS: &str = "id, kind, period_key, segment, subject, body, filters, upcoming_events_days, events, \
    status, scheduled_at, started_at, finished_at, pause_reason, created_at, updated_at";

impl IssueRow {
    pub fn subjects(&self) -> Localized {
        serde_json::from_str(&self.subject).unwrap_or_default()
    }
    pub fn bodies(&self) -> Localized {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
    pub fn filters(&self) -> Filters {
        serde_json::from_str(&self.filters).unwrap_or_default()
    }
    pub fn listed_events(&self) -> Vec<ListedEvent> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
}

/// Text in `language`, or English.
pub fn pick(texts: &Localized, language: Language) -> String {
    texts
        .get(language.as_str())
        .or_else(|| texts.get("en"))
        .cloned()
        .unwrap_or_default()
}

/// Delivery counts, honestly: every recipient is in exactly one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub recipients: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

pub async fn counts(app: &App, id: &str) -> Result<Counts> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM deliveries WHERE newsletter_id = $1 GROUP BY status",
    )
    .bind(id)
    .fetch_all(&app.db.read)
    .await?;
    let mut c = Counts::default();
    for (status, n) in rows {
        c.recipients += n;
        match status.as_str() {
            "queued" | "sending" => c.queued += n,
            "sent" => c.sent += n,
            "failed" => c.failed += n,
            _ => c.skipped += n,
        }
    }
    Ok(c)
}

pub async fn find(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<IssueRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLUMNS} FROM newsletters WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

pub async fn get(app: &App, id: &str) -> Result<IssueRow> {
    find(&app.db.read, id)
        .await?
        .ok_or(Error::NotFound("newsletter"))
}

pub async fn list(app: &App) -> Result<Vec<IssueRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLUMNS} FROM newsletters ORDER BY created_at DESC, id DESC LIMIT 200"
    )))
    .fetch_all(&app.db.read)
    .await?)
}

pub struct Draft {
    pub subject: Localized,
    pub body: Localized,
    pub segment: &'static str,
    pub filters: Filters,
    pub upcoming_events_days: Option<i64>,
}

pub async fn create(app: &App, actor: &str, d: Draft) -> Result<IssueRow> {
    let mut tx = app.db.begin().await?;
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO newsletters (id, kind, segment, subject, body, filters, upcoming_events_days, status, created_by, created_at, updated_at) \
         VALUES ($1, 'campaign', $2, $3, $4, $5, $6, 'draft', $7, $8, $8)",
    )
    .bind(&id)
    .bind(d.segment)
    .bind(serde_json::to_string(&d.subject).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&d.body).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&d.filters).map_err(anyhow::Error::from)?)
    .bind(d.upcoming_events_days)
    .bind(actor)
    .bind(now)
    .execute(tx.conn())
    .await?;
    audit::record(&mut tx, actor, "newsletter.created", Some(&id), None).await?;
    let row = find(tx.conn(), &id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    app: &App,
    actor: &str,
    id: &str,
    change: impl FnOnce(&IssueRow) -> Result<Draft>,
) -> Result<IssueRow> {
    let mut tx = app.db.begin().await?;
    let current = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    if current.status != "draft" {
        return Err(Error::Conflict(format!(
            "only a draft can be changed; this one is {}",
            current.status
        )));
    }
    let d = change(&current)?;
    sqlx::query(
        "UPDATE newsletters SET segment = $2, subject = $3, body = $4, filters = $5, upcoming_events_days = $6, updated_at = $7 \
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(d.segment)
    .bind(serde_json::to_string(&d.subject).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&d.body).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&d.filters).map_err(anyhow::Error::from)?)
    .bind(d.upcoming_events_days)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    audit::record(&mut tx, actor, "newsletter.updated", Some(id), None).await?;
    let row = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    tx.commit().await?;
    Ok(row)
}

/// Published events in the next `days` for a list (alumni see only events open to them).
pub async fn upcoming(
    app: &App,
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    list: &str,
    days: i64,
) -> Result<Vec<ListedEvent>> {
    let now = now_ms();
    let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE status = 'published' AND starts_at >= $1 AND starts_at < $2 \
         AND ($3 = 'community' AND audience <> 'alumni' OR $3 = 'alumni' AND audience IN ('everyone', 'alumni')) \
         ORDER BY starts_at, id LIMIT 50"
    )))
    .bind(now)
    .bind(now + days * 86_400_000)
    .bind(list)
    .fetch_all(exec)
    .await?;
    Ok(events
        .into_iter()
        .map(|e| ListedEvent {
            starts: e.local_start().format("%Y-%m-%d %H:%M").to_string(),
            venue: e.location().unwrap_or_default(),
            // "More info" opens the event's page on the website.
            link: app.config.link(&format!("/events/{}", e.id)),
            timezone: e.timezone,
            title: e.title,
        })
        .collect())
}

/// Starts sending: fixes the listed events and writes one delivery per recipient, all in one
/// transaction with the status change, so a send starts exactly once.
async fn start_in(app: &App, tx: &mut Tx, issue: &IssueRow, from: &[&str]) -> Result<i64> {
    let now = now_ms();
    let events = match issue.upcoming_events_days {
        Some(days) if issue.kind == "campaign" => {
            upcoming(app, tx.conn(), &issue.segment, days).await?
        }
        _ => issue.listed_events(),
    };
    let changed = sqlx::query(
        "UPDATE newsletters SET status = 'sending', started_at = $2, updated_at = $2, events = $3 \
         WHERE id = $1 AND (status = $4 OR status = $5)",
    )
    .bind(&issue.id)
    .bind(now)
    .bind(serde_json::to_string(&events).map_err(anyhow::Error::from)?)
    .bind(from.first().copied().unwrap_or(""))
    .bind(from.get(1).copied().unwrap_or(""))
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(format!(
            "this newsletter is {}, it cannot be sent now",
            issue.status
        )));
    }
    let f = issue.filters();
    let written = sqlx::query(
        "INSERT INTO deliveries (newsletter_id, account_id, status, attempts, next_attempt_at) \
         SELECT $1, s.account_id, 'queued', 0, $2 FROM subscriptions s JOIN accounts a ON a.person_id = s.account_id \
         WHERE s.list = $3 AND s.status = 'active' AND a.status IN ('active', 'alumni') AND a.bouncing_at IS NULL \
         AND ($4 = '' OR a.phase = $4) AND ($5 = '' OR LOWER(a.municipality) = LOWER($5)) AND ($6 = '' OR a.language = $6) \
         ON CONFLICT (newsletter_id, account_id) DO NOTHING",
    )
    .bind(&issue.id)
    .bind(now)
    .bind(&issue.segment)
    .bind(f.phase.map(|p| p.as_str()).unwrap_or(""))
    .bind(f.municipality.clone().unwrap_or_default())
    .bind(f.language.map(|l| l.as_str()).unwrap_or(""))
    .execute(tx.conn())
    .await?
    .rows_affected();
    sqlx::query("UPDATE newsletters SET recipients = $2 WHERE id = $1")
        .bind(&issue.id)
        .bind(written as i64)
        .execute(tx.conn())
        .await?;
    tx.mail_enqueued();
    Ok(written as i64)
}

/// Sends a draft or scheduled issue now.
pub async fn send_now(app: &App, actor: &str, id: &str) -> Result<IssueRow> {
    let mut tx = app.db.begin().await?;
    let issue = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    let n = start_in(app, &mut tx, &issue, &["draft", "scheduled"]).await?;
    audit::record(
        &mut tx,
        actor,
        "newsletter.send_started",
        Some(id),
        Some(json!({"recipients": n})),
    )
    .await?;
    let row = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    tx.commit().await?;
    Ok(row)
}

/// Changes the state of an issue along the allowed transitions.
pub async fn transition(
    app: &App,
    actor: &str,
    id: &str,
    to: &str,
    from: &[&str],
    at: Option<i64>,
    reason: Option<&str>,
) -> Result<IssueRow> {
    let mut tx = app.db.begin().await?;
    let issue = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    if !from.contains(&issue.status.as_str()) {
        return Err(Error::Conflict(format!(
            "this newsletter is {}; it cannot become {to}",
            issue.status
        )));
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE newsletters SET status = $2, scheduled_at = COALESCE($3, scheduled_at), pause_reason = $4, \
         consecutive_failures = 0, updated_at = $5 WHERE id = $1 AND status = $6",
    )
    .bind(id)
    .bind(to)
    .bind(at)
    .bind(reason)
    .bind(now)
    .bind(&issue.status)
    .execute(tx.conn())
    .await?;
    if to == "cancelled" {
        sqlx::query(
            "UPDATE deliveries SET status = 'skipped', last_error = 'cancelled', lease_until = NULL \
             WHERE newsletter_id = $1 AND status IN ('queued', 'sending')",
        )
        .bind(id)
        .execute(tx.conn())
        .await?;
    }
    if to == "sending" {
        tx.mail_enqueued();
    }
    audit::record(&mut tx, actor, &format!("newsletter.{to}"), Some(id), None).await?;
    let row = find(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("newsletter"))?;
    tx.commit().await?;
    Ok(row)
}

/// Starts every scheduled issue whose time has come (the `newsletter-dispatch` job).
pub async fn dispatch_due(app: &App) -> Result<usize> {
    let due: Vec<IssueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLUMNS} FROM newsletters WHERE status = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at"
    )))
    .bind(now_ms())
    .fetch_all(&app.db.read)
    .await?;
    let mut started = 0;
    for issue in due {
        let mut tx = app.db.begin().await?;
        match start_in(app, &mut tx, &issue, &["scheduled", "scheduled"]).await {
            Ok(n) => {
                audit::record(
                    &mut tx,
                    "system",
                    "newsletter.send_started",
                    Some(&issue.id),
                    Some(json!({"recipients": n})),
                )
                .await?;
                tx.commit().await?;
                started += 1;
            }
            // Another instance started it first.
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(started)
}

/// The period a digest belongs to: the ISO week in the centre's time zone.
pub fn period_key(list: &str, now: chrono::DateTime<chrono_tz::Tz>) -> String {
    let week = now.date_naive().iso_week();
    format!("digest:{list}:{}-W{:02}", week.year(), week.week())
}

/// Builds and starts this period's digest for each list that has upcoming events.
/// Answers the issues started.
pub async fn build_digests(app: &App) -> Result<Vec<String>> {
    let mut started = Vec::new();
    let now_local = chrono::Utc::now().with_timezone(&app.config.timezone);
    for list in super::LISTS {
        let mut tx = app.db.begin().await?;
        let events = upcoming(app, tx.conn(), list, app.config.digest_days).await?;
        if events.is_empty() {
            continue;
        }
        let mut subject = Localized::new();
        let mut body = Localized::new();
        for lang in Language::ALL {
            let ctx = json!({"count": events.len(), "days": app.config.digest_days, "list": list});
            subject.insert(
                lang.as_str().into(),
                app.templates
                    .render_part("newsletter_digest", ("subject.txt", "subject"), *lang, &ctx)?
                    .trim()
                    .to_owned(),
            );
            body.insert(
                lang.as_str().into(),
                app.templates
                    .render_part("newsletter_digest", ("intro.md", "md"), *lang, &ctx)?,
            );
        }
        let id = new_id();
        let now = now_ms();
        let key = period_key(list, now_local);
        let inserted = sqlx::query(
            "INSERT INTO newsletters (id, kind, period_key, segment, subject, body, filters, events, status, created_at, updated_at) \
             VALUES ($1, 'digest', $2, $3, $4, $5, '{}', $6, 'scheduled', $7, $7) ON CONFLICT (period_key) DO NOTHING",
        )
        .bind(&id)
        .bind(&key)
        .bind(list)
        .bind(serde_json::to_string(&subject).map_err(anyhow::Error::from)?)
        .bind(serde_json::to_string(&body).map_err(anyhow::Error::from)?)
        .bind(serde_json::to_string(&events).map_err(anyhow::Error::from)?)
        .bind(now)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        let issue = find(tx.conn(), &id)
            .await?
            .ok_or(Error::NotFound("newsletter"))?;
        let n = start_in(app, &mut tx, &issue, &["scheduled", "scheduled"]).await?;
        audit::record(
            &mut tx,
            "system",
            "newsletter.digest_started",
            Some(&id),
            Some(json!({"period": key, "recipients": n})),
        )
        .await?;
        tx.commit().await?;
        started.push(id);
    }
    Ok(started)
}

/// What staff wrote for a draft, before it is checked: the API's JSON and the back office's
/// form both come here, so both refuse the same things with the same field names.
pub struct DraftInput {
    pub subject: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    /// `community` or `alumni`.
    pub segment: &'static str,
    pub phase: Option<Phase>,
    pub municipality: Option<String>,
    pub language: Option<Language>,
    pub upcoming_events_days: Option<i64>,
}

/// Text per language, checked: `en` required, known languages, not empty, not too long,
/// subjects on one line, no control characters. Field names are `{field}.{lang}`.
fn localized(
    f: &mut crate::error::Fields,
    field: &str,
    map: &BTreeMap<String, String>,
    max: usize,
    one_line: bool,
) -> Localized {
    let mut out = Localized::new();
    if !map.contains_key("en") {
        f.add(field, "needs at least the English text (en)");
    }
    for (lang, text) in map {
        let name = format!("{field}.{lang}");
        if lang.parse::<Language>().is_err() {
            f.add(&name, "languages are en, nl, de and fr");
            continue;
        }
        // Line breaks as LF: a bare CR in a mail body breaks strict readers.
        let text = crate::values::normalize_line_breaks(text);
        let t = text.trim();
        if t.is_empty() || t.chars().count() > max {
            f.add(&name, format!("must be 1 to {max} characters"));
        } else if one_line && t.contains(['\n', '\r']) {
            f.add(&name, "must be one line");
        } else if t
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            f.add(&name, "must not contain control characters");
        } else {
            out.insert(lang.clone(), t.to_owned());
        }
    }
    out
}

/// Checks what staff wrote; answers the draft to store or every field that is wrong.
pub fn validate(input: DraftInput) -> Result<Draft> {
    let mut f = crate::error::Fields::default();
    let subject = localized(&mut f, "subject", &input.subject, 200, true);
    let body = localized(&mut f, "body", &input.body, 100_000, false);
    let municipality = input
        .municipality
        .and_then(|m| f.check("filters.municipality", crate::values::ShortText::parse(&m)))
        .map(crate::values::ShortText::into_string);
    if input
        .upcoming_events_days
        .is_some_and(|d| !(1..=90).contains(&d))
    {
        f.add("upcoming_events_days", "must be 1 to 90");
    }
    f.finish()?;
    Ok(Draft {
        subject,
        body,
        segment: input.segment,
        filters: Filters {
            phase: input.phase,
            municipality,
            language: input.language,
        },
        upcoming_events_days: input.upcoming_events_days,
    })
}

/// The events an issue lists if it went out now: a draft or scheduled campaign lists what is
/// coming (`fresh` also for later states: a test send), otherwise the events fixed at sending.
async fn events_now(app: &App, issue: &IssueRow, fresh: bool) -> Result<Vec<ListedEvent>> {
    match issue.upcoming_events_days {
        Some(days) if fresh || issue.status == "draft" || issue.status == "scheduled" => {
            upcoming(app, &app.db.read, &issue.segment, days).await
        }
        _ => Ok(issue.listed_events()),
    }
}

/// The issue rendered exactly as a reader in `language` called `first_name` receives it, by
/// the sender's own template and context (only the unsubscribe link is a dummy). Sends nothing.
pub async fn preview(
    app: &App,
    issue: &IssueRow,
    language: Language,
    first_name: &str,
) -> Result<crate::mail::templates::Rendered> {
    let events = events_now(app, issue, false).await?;
    let mut ctx = super::sender::context_for(app, issue, events, language, first_name, "preview");
    if let Some(m) = ctx.as_object_mut() {
        m.insert(
            "base_url".into(),
            app.config.base_url.as_str().trim_end_matches('/').into(),
        );
    }
    app.templates
        .render("newsletter", language, &ctx)
        .map_err(Error::Internal)
}

/// Mails the issue, as it would look in `language`, to `to` (through the outbox, like every
/// mail); it counts for nobody's delivery.
pub async fn send_test(
    app: &App,
    issue: &IssueRow,
    to: &crate::values::EmailAddress,
    language: Language,
    first_name: &str,
) -> Result<()> {
    let events = events_now(app, issue, true).await?;
    let ctx = super::sender::context_for(app, issue, events, language, first_name, "test");
    let mut tx = app.db.begin().await?;
    crate::mail::enqueue(
        &mut tx,
        &app.templates,
        &app.config,
        crate::mail::Mail {
            kind: "newsletter",
            to,
            language,
            account_id: None,
            context: ctx,
            idempotency_key: format!("newsletter_test:{}", new_id()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the time a draft or scheduled issue goes out (not in the past: a minute's grace for
/// the clock of whoever asks).
pub async fn schedule(app: &App, actor: &str, id: &str, at: i64) -> Result<IssueRow> {
    if at < now_ms() - 60_000 {
        return Err(Error::field("at", "must not be in the past"));
    }
    transition(
        app,
        actor,
        id,
        "scheduled",
        &["draft", "scheduled"],
        Some(at),
        None,
    )
    .await
}

/// Stops handing out deliveries of an issue being sent.
pub async fn pause(app: &App, actor: &str, id: &str) -> Result<IssueRow> {
    let paused = transition(
        app,
        actor,
        id,
        "paused",
        &["sending"],
        None,
        Some("paused by staff"),
    )
    .await?;
    crate::metrics::newsletter_paused("staff");
    Ok(paused)
}

/// Continues a paused issue where it stopped.
pub async fn resume(app: &App, actor: &str, id: &str) -> Result<IssueRow> {
    transition(app, actor, id, "sending", &["paused"], None, None).await
}

/// Cancels an issue that is not sent yet; what was not sent is skipped.
pub async fn cancel(app: &App, actor: &str, id: &str) -> Result<IssueRow> {
    transition(
        app,
        actor,
        id,
        "cancelled",
        &["draft", "scheduled", "sending", "paused"],
        None,
        None,
    )
    .await
}

/// A page of issues, newest first: `limit` from `offset`.
pub async fn page(app: &App, offset: i64, limit: i64) -> Result<Vec<IssueRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLUMNS} FROM newsletters ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(&app.db.read)
    .await?)
}
