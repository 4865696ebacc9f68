//! Changing a member's e-mail address (expats change employers, and with them addresses).
//!
//! The member, or staff for them, asks for a new address; a link goes to the *new* address and
//! the address changes only when it is followed, so nobody moves an account to a mailbox they
//! cannot read. Then the old address is told, without the new one (it may not have been the
//! member who asked, and the old mailbox may now be an employer's), the
//! bounce mark is cleared (it belonged to the old address), and the sessions stay. The link is
//! single-use and expires after [`VALID_HOURS`]; a newer request replaces an older one.
//!
//! Whether the new address belongs to somebody else is not told to whoever asks: that would let
//! a member probe who is a member. The link's owner learns it when following it (409); staff,
//! who may read the register anyway, are told at once.

use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::auth::{hash_secret, new_secret};
use crate::db::{Tx, now_ms};
use crate::error::{Error, Result};
use crate::mail::{self, Mail};
use crate::members::{self, MemberRow, search};
use crate::values::{AccountStatus, EmailAddress};

pub const VALID_HOURS: i64 = 48;

/// Who asks: the member for themselves, or staff for a member.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RequestedBy<'a> {
    Member,
    Staff(&'a str),
}

/// Staff start the change of another account's address (`POST /api/v1/members/{id}/email`, the
/// back office): staff for members' accounts, admins for anyone's ([`crate::auth::Caller::require_may_change`]).
pub async fn request_for(
    app: &App,
    caller: &crate::auth::Caller,
    account_id: &str,
    new: &EmailAddress,
) -> Result<()> {
    caller.require_staff()?;
    let target = members::get(app, account_id).await?;
    caller.require_may_change(&target.id, &target.role)?;
    request(app, &target.id, new, RequestedBy::Staff(&caller.account_id)).await
}

/// Sends the confirmation link to `new` (at most one a minute per address). Answers the same
/// whether or not the address is taken, unless staff ask.
pub async fn request(
    app: &App,
    account_id: &str,
    new: &EmailAddress,
    by: RequestedBy<'_>,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let member = members::find(tx.conn(), account_id)
        .await?
        .filter(live)
        .ok_or(Error::NotFound("member"))?;
    if member.email.as_deref().map(str::to_lowercase) == Some(new.as_str().to_lowercase()) {
        return Err(Error::field("email", "is already this member's address"));
    }
    let taken = members::find_by_email(tx.conn(), new)
        .await?
        .is_some_and(|other| other.id != account_id && other.status != "pending");
    if taken {
        if let RequestedBy::Staff(_) = by {
            return Err(Error::Conflict(
                "another account has this address".to_owned(),
            ));
        }
        // Nothing to confirm, and nothing said: following a link would only end in a 409.
        tx.commit().await?;
        return Ok(());
    }
    let actor = match by {
        RequestedBy::Member => account_id,
        RequestedBy::Staff(staff) => staff,
    };
    replace_open_requests(&mut tx, account_id).await?;
    if mail::cooldown(&mut tx, new, "email_change").await? {
        let (secret, hash) = new_secret();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO email_changes (token_hash, account_id, new_email, requested_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&hash)
        .bind(account_id)
        .bind(new.as_str())
        .bind(actor)
        .bind(now)
        .bind(now + VALID_HOURS * 3600 * 1000)
        .execute(tx.conn())
        .await?;
        mail::enqueue(
            &mut tx,
            &app.templates,
            &app.config,
            Mail {
                kind: "email_change",
                to: new,
                language: member.language(),
                account_id: Some(account_id),
                context: json!({
                    "first_name": member.first_name.clone().unwrap_or_default(),
                    "link": app.config.link(&format!("/change-email?token={secret}&lang={}", member.language().as_str())),
                    "valid_hours": VALID_HOURS,
                    "by_staff": matches!(by, RequestedBy::Staff(_)),
                }),
                idempotency_key: format!("email_change:{hash}"),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "member.email_change_requested",
        Some(account_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An account whose address can change: a member or an alumnus (not pending, not erased).
fn live(m: &MemberRow) -> bool {
    m.status == AccountStatus::Active.as_str() || m.status == AccountStatus::Alumni.as_str()
}

/// Earlier links stop working when a new address is asked for.
async fn replace_open_requests(tx: &mut Tx, account_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM email_changes WHERE account_id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Follows the link: the address changes, the old one is told. `Gone` for an unknown, used or
/// expired link; `Conflict` when the address was taken meanwhile.
pub async fn confirm(app: &App, secret: &str) -> Result<MemberRow> {
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    let row: Option<(String, String)> = sqlx::query_as(
        "DELETE FROM email_changes WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING account_id, new_email",
    )
    .bind(hash_secret(secret))
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    let Some((account_id, new_email)) = row else {
        return Err(Error::Gone(
            "this link is unknown, already used or expired".into(),
        ));
    };
    let new = EmailAddress::parse(&new_email).map_err(|e| Error::field("email", e.0))?;
    let member = members::find(tx.conn(), &account_id)
        .await?
        .filter(live)
        .ok_or(Error::NotFound("member"))?;
    if let Some(other) = members::find_by_email(tx.conn(), &new).await?
        && other.id != account_id
    {
        if other.status != AccountStatus::Pending.as_str() {
            return Err(Error::Conflict(
                "another account has this address; the address was not changed".into(),
            ));
        }
        // A sign-up nobody confirmed does not hold the address against its owner, who just
        // proved it by following this link.
        members::delete_pending(&mut tx, &other.id, &other.household_id).await?;
    }
    let updated = sqlx::query(
        "UPDATE accounts SET email = $2, email_key = $3, bouncing_at = NULL, updated_at = $4 \
         WHERE person_id = $1",
    )
    .bind(&account_id)
    .bind(new.as_str())
    .bind(new.key())
    .bind(now)
    .execute(tx.conn())
    .await;
    crate::error::conflict_if_taken(updated, || {
        "another account has this address; the address was not changed".to_owned()
    })?;
    search::reindex(&mut tx, &account_id).await?;
    crate::cache::addresses_changed(&mut tx);
    if let Some(old) = member.email_address() {
        mail::enqueue(
            &mut tx,
            &app.templates,
            &app.config,
            Mail {
                kind: "email_changed",
                to: &old,
                language: member.language(),
                account_id: Some(&account_id),
                // Not the new address: the old mailbox may now be an employer's.
                context: json!({
                    "first_name": member.first_name.clone().unwrap_or_default(),
                }),
                idempotency_key: format!("email_changed:{account_id}:{now}"),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &account_id,
        "member.email_changed",
        Some(&account_id),
        None,
    )
    .await?;
    let changed = members::find(tx.conn(), &account_id)
        .await?
        .ok_or(Error::NotFound("member"))?;
    tx.commit().await?;
    Ok(changed)
}
