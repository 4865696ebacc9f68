//! Staff API tokens: issued to an active staff or admin account with a name and an optional
//! expiry, listed and revoked by a public id (never the hash), and stamped with their last use.
//! The secret is returned once, when issued; only its hash is stored (see [`super`]).
//!
//! Used by the CLI (`admin create`, `admin tokens …`) and the admins' HTTP routes
//! (`/api/v1/admin/tokens`), so both follow the same rules and both are audited.

use serde_json::json;
use sqlx::AnyPool;

use super::TokenKind;
use crate::app::App;
use crate::audit;
use crate::db::{Tx, new_id};
use crate::error::{Error, Result};
use crate::values::{EmailAddress, Invalid, Role, Text};

/// What a token is for ("door scanner", "cli"): 1–100 characters, no control characters.
pub type TokenName = Text<100>;

/// The name of a token when nobody gave one (tokens made by `admin create`).
pub const DEFAULT_NAME: &str = "cli";

/// An expiry is 1 day to 10 years ahead; no expiry means until revoked.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// A token's last use is written again only when the stored one is older than this, so a busy
/// integration costs one write a minute rather than one per request.
pub const LAST_USE_RESOLUTION_MS: i64 = 60_000;

const DAY_MS: i64 = 86_400_000;

/// Validates an expiry in days and answers it in milliseconds.
pub fn expiry_ms(days: i64) -> Result<i64, Invalid> {
    if (1..=MAX_EXPIRY_DAYS).contains(&days) {
        Ok(days * DAY_MS)
    } else {
        Err(Invalid(format!(
            "must be a number of days from 1 to {MAX_EXPIRY_DAYS}"
        )))
    }
}

/// Whether a request made with a token last used at `last_used` should record its use now.
pub fn needs_touch(last_used: Option<i64>, now: i64) -> bool {
    last_used.is_none_or(|at| at < now - LAST_USE_RESOLUTION_MS)
}

/// The account a new token is for, as the request or command named it (so a refusal can name
/// the same field).
pub enum Holder {
    Id(String),
    Email(EmailAddress),
}

impl Holder {
    fn field(&self) -> &'static str {
        match self {
            Holder::Id(_) => "account_id",
            Holder::Email(_) => "email",
        }
    }
}

/// A token just issued: the secret is in here and nowhere else.
pub struct Issued {
    pub id: String,
    pub secret: String,
    pub name: String,
    pub account_id: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// Shows everything but the secret, so a log line or a failed test never prints one.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("id", &self.id)
            .field("secret", &"<shown once>")
            .field("name", &self.name)
            .field("account_id", &self.account_id)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An API token as listed: everything but the secret and its hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub email: Option<String>,
    pub role: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// Issues an API token to `holder` in the caller's transaction, and audits it. Only an active
/// staff or admin account may hold one (`Invalid` on the holder's field otherwise).
pub async fn issue_in(
    tx: &mut Tx,
    actor: &str,
    holder: &Holder,
    name: &TokenName,
    valid_ms: Option<i64>,
) -> Result<Issued> {
    let field = holder.field();
    let account: Option<(String, String, String)> = match holder {
        Holder::Id(id) => {
            sqlx::query_as("SELECT person_id, role, status FROM accounts WHERE person_id = $1")
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
        }
        Holder::Email(email) => {
            sqlx::query_as("SELECT person_id, role, status FROM accounts WHERE email_key = $1")
                .bind(email.key())
                .fetch_optional(tx.conn())
                .await?
        }
    };
    let Some((account_id, role, status)) = account else {
        return Err(Error::field(field, "no account has this; create it first"));
    };
    if !role.parse::<Role>().is_ok_and(Role::is_staff) {
        return Err(Error::field(
            field,
            "only staff and admin accounts may hold API tokens",
        ));
    }
    if status != "active" {
        return Err(Error::field(field, "this account is not active"));
    }
    let t = super::insert(
        tx,
        &account_id,
        TokenKind::Api,
        valid_ms,
        Some(name.as_str()),
    )
    .await?;
    audit::record(
        tx,
        actor,
        "auth.api_token_created",
        Some(&t.id),
        Some(json!({"account_id": account_id, "expires_at": t.expires_at})),
    )
    .await?;
    Ok(Issued {
        id: t.id,
        secret: t.secret,
        name: name.as_str().to_owned(),
        account_id,
        created_at: t.created_at,
        expires_at: t.expires_at,
    })
}

/// Issues an API token in a transaction of its own (see [`issue_in`]).
pub async fn issue(
    app: &App,
    actor: &str,
    holder: &Holder,
    name: &TokenName,
    valid_ms: Option<i64>,
) -> Result<Issued> {
    let mut tx = app.db.begin().await?;
    let issued = issue_in(&mut tx, actor, holder, name, valid_ms).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Every API token, oldest first, with its holder's address and role; never a secret or hash.
pub async fn list(app: &App) -> Result<Vec<ApiTokenRow>> {
    // Normally a no-op: ids are given when a token is issued and at start-up.
    assign_missing_ids(app.db.writer()).await?;
    Ok(sqlx::query_as(
        "SELECT t.id, COALESCE(t.name, 'cli') AS name, t.account_id, a.email, a.role, \
         t.created_at, t.expires_at, t.last_used_at \
         FROM tokens t JOIN accounts a ON a.person_id = t.account_id \
         WHERE t.kind = 'api' AND t.id IS NOT NULL ORDER BY t.created_at, t.id",
    )
    .fetch_all(&app.db.read)
    .await?)
}

/// Revokes the API token `id`: it stops working at once. `NotFound` when there is none.
pub async fn revoke(app: &App, actor: &str, id: &str, via: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let gone: Option<(String,)> =
        sqlx::query_as("DELETE FROM tokens WHERE id = $1 AND kind = 'api' RETURNING account_id")
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
    let Some((account_id,)) = gone else {
        return Err(Error::NotFound("API token"));
    };
    audit::record(
        &mut tx,
        actor,
        "auth.api_token_revoked",
        Some(id),
        Some(json!({"account_id": account_id, "via": via})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives an id to every API token without one (issued before migration 0013). Idempotent.
pub async fn assign_missing_ids(pool: &AnyPool) -> Result<u64> {
    let missing: Vec<(String,)> =
        sqlx::query_as("SELECT hash FROM tokens WHERE kind = 'api' AND id IS NULL")
            .fetch_all(pool)
            .await?;
    let mut done = 0;
    for (hash,) in missing {
        done += sqlx::query("UPDATE tokens SET id = $1 WHERE hash = $2 AND id IS NULL")
            .bind(new_id())
            .bind(&hash)
            .execute(pool)
            .await?
            .rows_affected();
    }
    Ok(done)
}

/// Records that the API token with `hash` was used at `now`, without holding up the request:
/// the write runs on its own task, and a failure is logged, never answered.
pub fn touch_in_background(app: &App, hash: String, now: i64) {
    let pool = app.db.writer().clone();
    tokio::spawn(async move {
        let done = sqlx::query(
            "UPDATE tokens SET last_used_at = $2 WHERE hash = $1 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(hash)
        .bind(now)
        .bind(now - LAST_USE_RESOLUTION_MS)
        .execute(&pool)
        .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not record an API token's last use");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let now = 10_000_000;
        assert!(needs_touch(None, now));
        assert!(needs_touch(Some(now - LAST_USE_RESOLUTION_MS - 1), now));
        assert!(!needs_touch(Some(now - LAST_USE_RESOLUTION_MS), now));
        assert!(!needs_touch(Some(now - 1), now));
        assert!(!needs_touch(Some(now), now));
    }

    #[test]
    fn expiry_is_one_day_to_ten_years() {
        assert_eq!(expiry_ms(1), Ok(DAY_MS));
        assert_eq!(expiry_ms(MAX_EXPIRY_DAYS), Ok(MAX_EXPIRY_DAYS * DAY_MS));
        assert!(expiry_ms(0).is_err());
        assert!(expiry_ms(-3).is_err());
        assert!(expiry_ms(MAX_EXPIRY_DAYS + 1).is_err());
    }
}
