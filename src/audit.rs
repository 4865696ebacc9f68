//! The audit log: who did what to which record, by id only, never personal data, so it can be
//! kept after a member is erased.

use crate::db::{Tx, new_id, now_ms};
use crate::error::Result;

/// `actor` is an account id or `system`; `subject` an id; `detail` a small JSON without names.
pub async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: Option<serde_json::Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(now_ms())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail.map(|d| d.to_string()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One entry of the audit log, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Filters for reading the log, newest first. Times are milliseconds; `before` is the cursor
/// (`at` and `id` of the last entry of the previous page).
#[derive(Debug, Default)]
pub struct Query {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub before: Option<(i64, String)>,
    pub limit: i64,
}

/// One page of the log, newest first, and the cursor of the next page when there is one. Reads
/// the `at` index backwards, so a page costs the same however long the log is.
pub async fn list(app: &crate::app::App, q: &Query) -> Result<(Vec<Entry>, Option<(i64, String)>)> {
    let (before_at, before_id) = q.before.clone().unwrap_or((i64::MAX, String::new()));
    let mut rows: Vec<Entry> = sqlx::query_as(
        "SELECT id, at, actor, action, subject, detail FROM audit_log \
         WHERE ($1 = '' OR action = $1) AND ($2 = '' OR actor = $2) \
         AND at >= $3 AND at < $4 \
         AND (at < $5 OR (at = $5 AND $6 <> '' AND id < $6)) \
         ORDER BY at DESC, id DESC LIMIT $7",
    )
    .bind(q.action.clone().unwrap_or_default())
    .bind(q.actor.clone().unwrap_or_default())
    .bind(q.from.unwrap_or(0))
    .bind(q.to.unwrap_or(i64::MAX))
    .bind(before_at)
    .bind(before_id)
    .bind(q.limit + 1)
    .fetch_all(&app.db.read)
    .await?;
    let next = if rows.len() as i64 > q.limit {
        rows.truncate(q.limit as usize);
        rows.last().map(|e| (e.at, e.id.clone()))
    } else {
        None
    };
    Ok((rows, next))
}

/// The actions recorded so far, for the filter's list (a few dozen kinds).
pub async fn actions(app: &crate::app::App) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT action FROM audit_log ORDER BY action")
            .fetch_all(&app.db.read)
            .await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}
