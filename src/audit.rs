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
