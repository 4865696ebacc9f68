//! The newsletter: two lists (`community`, `alumni`), subscriptions with double opt-in and
//! one-click unsubscribe, issues written by staff or built by the weekly digest ([`issues`]),
//! and the delivery engine ([`sender`]).
//!
//! Invariants: a member is mailed an issue only while their subscription to its list is active,
//! their account is active or alumni and their address is not bouncing; every change of a
//! subscription is recorded as consent with its time and source; a member subscribes only to a
//! list they may take ([`may_take`]).

pub mod api;
pub mod issues;
pub mod sender;
pub mod smtp;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db::{Tx, now_ms};
use crate::error::{Error, Result};
use crate::mail::{self, Mail};
use crate::members;
use crate::values::{AccountStatus, EmailAddress, Phase};

/// The lists, as words.
pub const LISTS: [&str; 2] = ["community", "alumni"];

pub fn check_list(list: &str) -> Result<&'static str> {
    LISTS
        .iter()
        .find(|l| **l == list)
        .copied()
        .ok_or_else(|| Error::field("list", "must be community or alumni"))
}

/// Who may subscribe to a list: the community list is for every member; the alumni list for
/// alumni and for members who are leaving (the network they are about to join). A subscription
/// someone already has stays when this stops holding (an alumnus who came back and chose to
/// stay on the alumni list keeps it, and can leave it): this rule is about subscribing.
pub fn may_take(member: &members::MemberRow, list: &str) -> bool {
    match list {
        "alumni" => {
            member.status == AccountStatus::Alumni.as_str()
                || member.phase.as_deref() == Some(Phase::Leaving.as_str())
        }
        _ => true,
    }
}

/// [`may_take`] as an answer: the refusal names the list as the field (the API's body has one
/// field per list; the website's page shows it beside that list).
pub fn check_may_take(member: &members::MemberRow, list: &str) -> Result<()> {
    if may_take(member, list) {
        Ok(())
    } else {
        Err(Error::field(
            list,
            "the alumni newsletter is for alumni and for members who are leaving: record your \
             departure first",
        ))
    }
}

fn consent_kind(list: &str) -> String {
    format!("newsletter:{list}")
}

fn new_unsubscribe_key() -> String {
    auth::new_secret().0
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub list: String,
    pub status: String,
}

pub async fn subscriptions(app: &App, account_id: &str) -> Result<Vec<SubscriptionRow>> {
    Ok(
        sqlx::query_as(
            "SELECT list, status FROM subscriptions WHERE account_id = $1 ORDER BY list",
        )
        .bind(account_id)
        .fetch_all(&app.db.read)
        .await?,
    )
}

/// The request made with the consent given at sign-up: pending until the address is confirmed
/// by the verification link, which then also confirms the subscription.
pub async fn request_at_sign_up(tx: &mut Tx, account_id: &str, list: &str) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, updated_at) \
         VALUES ($1, $2, 'pending', $3, $4, $4) ON CONFLICT (account_id, list) DO NOTHING",
    )
    .bind(account_id)
    .bind(list)
    .bind(new_unsubscribe_key())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Confirms the sign-up request once the address is proven (verification or an accepted
/// invitation).
pub async fn confirm_sign_up_requests(tx: &mut Tx, account_id: &str, source: &str) -> Result<()> {
    let now = now_ms();
    let lists: Vec<(String,)> = sqlx::query_as(
        "UPDATE subscriptions SET status = 'active', confirmed_at = $2, updated_at = $2 \
         WHERE account_id = $1 AND status = 'pending' AND confirm_token_hash IS NULL RETURNING list",
    )
    .bind(account_id)
    .bind(now)
    .fetch_all(tx.conn())
    .await?;
    for (list,) in lists {
        members::record_consent(tx, account_id, &consent_kind(&list), true, source).await?;
    }
    Ok(())
}

/// Subscribes (pending, with a confirmation mail) or unsubscribes (at once) a member.
pub async fn set(
    app: &App,
    account_id: &str,
    list: &'static str,
    wanted: bool,
    source: &str,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    set_in(app, &mut tx, account_id, list, wanted, source).await?;
    tx.commit().await?;
    Ok(())
}

/// Several lists at once (`PUT /api/v1/me/subscriptions`), all or none: a refused list
/// changes nothing of the others.
pub async fn set_many(
    app: &App,
    account_id: &str,
    changes: &[(&'static str, bool)],
    source: &str,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    for (list, wanted) in changes {
        set_in(app, &mut tx, account_id, list, *wanted, source).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// As [`set`], inside the caller's transaction (the change that asks for it, e.g. a return to
/// the region, and its confirmation mail commit together).
pub async fn set_in(
    app: &App,
    tx: &mut Tx,
    account_id: &str,
    list: &'static str,
    wanted: bool,
    source: &str,
) -> Result<()> {
    let now = now_ms();
    let current: Option<(String,)> =
        sqlx::query_as("SELECT status FROM subscriptions WHERE account_id = $1 AND list = $2")
            .bind(account_id)
            .bind(list)
            .fetch_optional(tx.conn())
            .await?;
    let current = current.map(|(s,)| s);
    match (wanted, current.as_deref()) {
        (true, Some("active")) | (false, None | Some("unsubscribed")) => return Ok(()),
        (true, _) => {
            let member = members::find(tx.conn(), account_id)
                .await?
                .ok_or(Error::NotFound("member"))?;
            check_may_take(&member, list)?;
            let email = member.email_address().ok_or(Error::NotFound("member"))?;
            let (secret, hash) = auth::new_secret();
            sqlx::query(
                "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, confirm_token_hash, requested_at, updated_at) \
                 VALUES ($1, $2, 'pending', $3, $4, $5, $5) \
                 ON CONFLICT (account_id, list) DO UPDATE SET status = 'pending', confirm_token_hash = $4, \
                 requested_at = $5, updated_at = $5",
            )
            .bind(account_id)
            .bind(list)
            .bind(new_unsubscribe_key())
            .bind(&hash)
            .bind(now)
            .execute(tx.conn())
            .await?;
            send_confirmation(
                app,
                tx,
                &member.id,
                &email,
                member.language(),
                member.first_name.as_deref().unwrap_or(""),
                list,
                &secret,
            )
            .await?;
        }
        (false, _) => {
            unsubscribe_in(tx, account_id, list, source).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn send_confirmation(
    app: &App,
    tx: &mut Tx,
    account_id: &str,
    email: &EmailAddress,
    language: crate::values::Language,
    first_name: &str,
    list: &str,
    secret: &str,
) -> Result<()> {
    mail::enqueue(
        tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "newsletter_confirm",
            to: email,
            language,
            account_id: Some(account_id),
            context: json!({
                "first_name": first_name,
                "list": list,
                "link": app.config.link(&format!("/newsletter/confirm?token={secret}&lang={}", language.as_str())),
            }),
            idempotency_key: format!("newsletter_confirm:{}", auth::hash_secret(secret)),
        },
    )
    .await
}

/// Follows the confirmation link: the subscription becomes active.
pub async fn confirm(app: &App, secret: &str) -> Result<String> {
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE subscriptions SET status = 'active', confirmed_at = $2, updated_at = $2, confirm_token_hash = NULL \
         WHERE confirm_token_hash = $1 AND status = 'pending' RETURNING account_id, list",
    )
    .bind(auth::hash_secret(secret))
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    let (account_id, list) =
        row.ok_or_else(|| Error::Gone("this confirmation link is unknown or already used".into()))?;
    members::record_consent(
        &mut tx,
        &account_id,
        &consent_kind(&list),
        true,
        "double_opt_in",
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

pub(crate) async fn unsubscribe_in(
    tx: &mut Tx,
    account_id: &str,
    list: &str,
    source: &str,
) -> Result<bool> {
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, updated_at = $3, confirm_token_hash = NULL \
         WHERE account_id = $1 AND list = $2 AND status <> 'unsubscribed'",
    )
    .bind(account_id)
    .bind(list)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed > 0 {
        members::record_consent(tx, account_id, &consent_kind(list), false, source).await?;
    }
    Ok(changed > 0)
}

/// A subscription found by its unsubscribe key: whose, which list, in what language, and its
/// state now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Keyed {
    pub account_id: String,
    pub list: String,
    pub language: String,
    pub status: String,
}

/// Who an unsubscribe key belongs to.
pub async fn by_unsubscribe_key(app: &App, key: &str) -> Result<Option<Keyed>> {
    Ok(sqlx::query_as(
        "SELECT s.account_id, s.list, a.language, s.status FROM subscriptions s \
         JOIN accounts a ON a.person_id = s.account_id WHERE s.unsubscribe_key = $1",
    )
    .bind(key)
    .fetch_optional(&app.db.read)
    .await?)
}

/// One-click unsubscribe (RFC 8058): no sign-in, idempotent. Answers the subscription as it
/// is now (unsubscribed), `None` for an unknown key.
pub async fn unsubscribe_by_key(app: &App, key: &str) -> Result<Option<Keyed>> {
    let Some(found) = by_unsubscribe_key(app, key).await? else {
        return Ok(None);
    };
    let mut tx = app.db.begin().await?;
    unsubscribe_in(&mut tx, &found.account_id, &found.list, "one_click").await?;
    tx.commit().await?;
    Ok(Some(Keyed {
        status: "unsubscribed".into(),
        ..found
    }))
}

/// Forgets a member's subscriptions (erasure): the rows go (nobody is mailed again, no key
/// stays), and what a mail server said when refusing their address goes from the deliveries,
/// which stay as figures of the newsletters' reach.
pub async fn forget(tx: &mut Tx, account_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM subscriptions WHERE account_id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE deliveries SET {} WHERE account_id = $1",
        crate::privacy::inventory::blank("deliveries")
    )))
    .bind(account_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Per list, how many would receive an issue sent now: active subscriptions of accounts that
/// are active or alumni and not bouncing (the audience rule of sending, before filters).
pub async fn subscriber_counts(app: &App) -> Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    for list in LISTS {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM subscriptions s JOIN accounts a ON a.person_id = s.account_id \
             WHERE s.list = $1 AND s.status = 'active' AND a.status IN ('active', 'alumni') \
             AND a.bouncing_at IS NULL",
        )
        .bind(list)
        .fetch_one(&app.db.read)
        .await?;
        out.push((list, n));
    }
    Ok(out)
}
