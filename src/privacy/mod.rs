//! The rights of the people whose data this is: a full export and erasure, both following the
//! [`inventory`] of every column.
//!
//! Invariants: after [`erase`], no personal value of the member is left in any table (nor in
//! the SQLite file or its WAL: `secure_delete` is on and the WAL is truncated after an
//! erasure); ids and dates stay, so figures about the past (events held, attendance, matches,
//! newsletter reach) do not change. Every personal column is in [`export`].

pub mod inventory;

use serde_json::{Value, json};

use crate::app::App;
use crate::audit;
use crate::auth;
use crate::db::{Tx, now_ms, to_datetime};
use crate::error::{Error, Result};
use crate::members::{self, search};
use crate::values::AccountStatus;

/// The tables [`erase`] blanks or deletes the member's rows in; a table with personal columns
/// that is missing here fails a test.
pub const ERASED_TABLES: &[&str] = &[
    "accounts",
    "people",
    "invitations",
    "outbox",
    "deliveries",
    "subscriptions",
    "programme_applications",
    "matches",
    "member_search",
    "mail_requests",
    "email_changes",
];

/// An admin erases somebody else's account (`DELETE /api/v1/members/{id}`, the back office),
/// for erasure requests that reach the centre by other ways than the member's own account.
pub async fn erase_member(app: &App, caller: &crate::auth::Caller, account_id: &str) -> Result<()> {
    caller.require_admin()?;
    let target = members::get(app, account_id).await?;
    caller.require_may_change(&target.id, &target.role)?;
    erase(app, &caller.account_id, &target.id).await
}

/// Erases a member (the right to be forgotten): every personal column of their rows is blanked
/// (see [`inventory`]), every token revoked, unsent mail to them dropped, invitations they sent
/// or received blanked, live mentoring matches ended, subscriptions deleted, and the places they
/// held at events still to come go back (to the waitlist). Ids and dates stay, so figures about
/// the past stay right. When nobody with an account is left in the household, its dependents
/// are erased too. On SQLite the WAL is then truncated, so no old page keeps what was erased.
pub async fn erase(app: &App, actor: &str, account_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let member = members::find(tx.conn(), account_id)
        .await?
        .filter(|m| m.status != AccountStatus::Erased.as_str())
        .ok_or(Error::NotFound("member"))?;
    let email_key = member.email_address().map(|e| e.key());
    let now = now_ms();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE accounts SET {}, status = 'erased', erased_at = $2, updated_at = $2 \
         WHERE person_id = $1",
        inventory::blank("accounts")
    )))
    .bind(account_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    erase_person(&mut tx, account_id).await?;
    search::reindex(&mut tx, account_id).await?;
    let (others,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM people p JOIN accounts a ON a.person_id = p.id \
         WHERE p.household_id = $1 AND a.status <> 'erased'",
    )
    .bind(&member.household_id)
    .fetch_one(tx.conn())
    .await?;
    if others == 0 {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE people SET {}, erased_at = $2, updated_at = $2 \
             WHERE household_id = $1 AND erased_at IS NULL",
            inventory::blank("people")
        )))
        .bind(&member.household_id)
        .bind(now)
        .execute(tx.conn())
        .await?;
    }
    crate::events::registrations::release_erased(app, &mut tx, actor, &member.household_id).await?;
    // Invitations they sent (the invitee's address and names, typed by them) and received.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE invitations SET {}, revoked_at = COALESCE(revoked_at, $3) \
         WHERE invited_by = $1 OR ($2 <> '' AND email_key = $2)",
        inventory::blank("invitations")
    )))
    .bind(account_id)
    .bind(email_key.clone().unwrap_or_default())
    .bind(now)
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM email_changes WHERE account_id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    crate::mentoring::forget(&mut tx, account_id).await?;
    crate::newsletter::forget(&mut tx, account_id).await?;
    if let Some(key) = &email_key {
        sqlx::query("DELETE FROM mail_requests WHERE email_key = $1")
            .bind(key)
            .execute(tx.conn())
            .await?;
        crate::mail::forget_cooldowns(&mut tx, key).await?;
    }
    auth::revoke_all(&mut tx, account_id).await?;
    crate::mail::forget_account(&mut tx, account_id, email_key.as_deref()).await?;
    // The triggers took them out of the figures; a key nobody has any more (a small town, a
    // rare country) would still say somebody once had it.
    sqlx::query("DELETE FROM member_tallies WHERE n = 0")
        .execute(tx.conn())
        .await?;
    audit::record(&mut tx, actor, "member.erased", Some(account_id), None).await?;
    tx.commit().await?;
    app.db.flush_wal().await;
    Ok(())
}

/// Blanks one person (a member or a dependent), keeping the row for the figures.
pub async fn erase_person(tx: &mut Tx, person_id: &str) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE people SET {}, erased_at = $2, updated_at = $2 WHERE id = $1",
        inventory::blank("people")
    )))
    .bind(person_id)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A consent given or withdrawn, as recorded (`members::record_consent`).
pub struct Consent {
    /// `privacy_policy`, `newsletter:community`, `keep_in_touch`, …
    pub kind: String,
    pub granted: bool,
    /// When, in milliseconds.
    pub at: i64,
    /// Through what: `verification`, `invitation`, `profile`, …
    pub source: String,
}

/// Every consent the member gave or withdrew, oldest first (the export and the privacy page).
pub async fn consents(app: &App, account_id: &str) -> Result<Vec<Consent>> {
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT kind, granted, at, source FROM consents WHERE account_id = $1 ORDER BY at, id",
    )
    .bind(account_id)
    .fetch_all(&app.db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, granted, at, source)| Consent {
            kind,
            granted: granted == 1,
            at,
            source,
        })
        .collect())
}

fn ts(ms: i64) -> String {
    to_datetime(ms).to_rfc3339()
}

fn list(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

#[derive(sqlx::FromRow)]
struct AccountExtra {
    language: String,
    bouncing_at: Option<i64>,
    leaving_on: Option<String>,
    destination_country: Option<String>,
    destination_city: Option<String>,
    keep_in_touch: i64,
    alumni_since: Option<i64>,
    returned_at: Option<i64>,
    last_seen_at: Option<i64>,
    directory_visible: i64,
    directory_fields: String,
}

#[derive(sqlx::FromRow)]
struct MailRow {
    kind: String,
    status: String,
    created_at: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    list: String,
    status: String,
    requested_at: i64,
    confirmed_at: Option<i64>,
    unsubscribed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    newsletter_id: String,
    subject: String,
    status: String,
    sent_at: Option<i64>,
    last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    kind: String,
    name: Option<String>,
    created_at: i64,
    expires_at: Option<i64>,
    used_at: Option<i64>,
    last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: String,
    invited_by: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl InvitationRow {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "invited_by": self.invited_by,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "created_at": ts(self.created_at),
            "expires_at": ts(self.expires_at),
            "accepted_at": self.accepted_at.map(ts),
            "revoked_at": self.revoked_at.map(ts),
        })
    }
}

#[derive(sqlx::FromRow)]
struct RegistrationRow {
    id: String,
    event_id: String,
    title: String,
    status: String,
    seats: i64,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct AttendeeRow {
    registration_id: String,
    person_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    live: i64,
    checked_in_at: Option<i64>,
}

/// Everything held on a member and the dependents they manage, as one JSON document: every
/// personal column of the [`inventory`] that concerns them, and what happened to them.
pub async fn export(app: &App, account_id: &str) -> Result<Value> {
    let db = &app.db.read;
    let member = members::get(app, account_id).await?;
    let email_key = member.email_address().map(|e| e.key()).unwrap_or_default();
    let household = crate::households::view(app, account_id).await?;
    let extra: AccountExtra = sqlx::query_as(
        "SELECT language, bouncing_at, leaving_on, destination_country, destination_city, \
         keep_in_touch, alumni_since, returned_at, last_seen_at, directory_visible, directory_fields \
         FROM accounts WHERE person_id = $1",
    )
    .bind(account_id)
    .fetch_one(db)
    .await?;
    let email_change: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT new_email, created_at, expires_at FROM email_changes WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    let consents = consents(app, account_id).await?;
    let mails: Vec<MailRow> = sqlx::query_as(
        "SELECT kind, status, created_at, sent_at, last_error FROM outbox WHERE account_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    let tokens: Vec<TokenRow> = sqlx::query_as(
        "SELECT kind, name, created_at, expires_at, used_at, last_used_at FROM tokens \
         WHERE account_id = $1 ORDER BY created_at",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    let invitations: Vec<InvitationRow> = sqlx::query_as(
        "SELECT id, invited_by, email, first_name, last_name, created_at, expires_at, accepted_at, \
         revoked_at FROM invitations WHERE invited_by = $1 OR ($2 <> '' AND email_key = $2) \
         ORDER BY created_at, id",
    )
    .bind(account_id)
    .bind(&email_key)
    .fetch_all(db)
    .await?;
    let (sent, received): (Vec<&InvitationRow>, Vec<&InvitationRow>) =
        invitations.iter().partition(|i| i.invited_by == account_id);
    let subscriptions: Vec<SubscriptionRow> = sqlx::query_as(
        "SELECT list, status, requested_at, confirmed_at, unsubscribed_at FROM subscriptions \
         WHERE account_id = $1 ORDER BY list",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT d.newsletter_id, n.subject, d.status, d.sent_at, d.last_error FROM deliveries d \
         JOIN newsletters n ON n.id = d.newsletter_id WHERE d.account_id = $1 \
         ORDER BY d.newsletter_id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    let registrations: Vec<RegistrationRow> = sqlx::query_as(
        "SELECT r.id, r.event_id, e.title, r.status, r.seats, r.created_at FROM registrations r \
         JOIN events e ON e.id = r.event_id WHERE r.household_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(&member.household_id)
    .fetch_all(db)
    .await?;
    let attendees: Vec<AttendeeRow> = sqlx::query_as(
        "SELECT rp.registration_id, rp.person_id, p.first_name, p.last_name, rp.live, rp.checked_in_at \
         FROM registration_people rp JOIN registrations r ON r.id = rp.registration_id \
         JOIN people p ON p.id = rp.person_id WHERE r.household_id = $1 ORDER BY rp.person_id",
    )
    .bind(&member.household_id)
    .fetch_all(db)
    .await?;
    let requests: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, created_at FROM mail_requests WHERE email_key = $1 ORDER BY id",
    )
    .bind(&email_key)
    .fetch_all(db)
    .await?;
    Ok(json!({
        "exported_at": ts(now_ms()),
        "account": {
            "id": member.id,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "language": extra.language,
            "role": member.role,
            "status": member.status,
            "phase": member.phase,
            "country_of_origin": member.country_of_origin,
            "municipality": member.municipality,
            "employer": member.employer,
            "created_at": ts(member.created_at),
            "verified_at": member.verified_at.map(ts),
            "last_seen_at": extra.last_seen_at.map(ts),
            "address_bouncing_since": extra.bouncing_at.map(ts),
        },
        "departure": {
            "leaving_on": extra.leaving_on,
            "destination_country": extra.destination_country,
            "destination_city": extra.destination_city,
            "keep_in_touch": extra.keep_in_touch == 1,
            "alumni_since": extra.alumni_since.map(ts),
            "returned_at": extra.returned_at.map(ts),
        },
        "alumni_directory": {
            "visible": extra.directory_visible == 1,
            "fields": list(&extra.directory_fields),
        },
        "household": household,
        "email_change_pending": email_change.map(|(new_email, created_at, expires_at)| json!({
            "new_email": new_email, "requested_at": ts(created_at), "link_expires_at": ts(expires_at),
        })),
        "invitations": {
            "sent": sent.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
            "received": received.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
        },
        "consents": consents.into_iter().map(|c| json!({
            "kind": c.kind, "granted": c.granted, "at": ts(c.at), "source": c.source,
        })).collect::<Vec<_>>(),
        "subscriptions": subscriptions.into_iter().map(|s| json!({
            "list": s.list, "status": s.status, "requested_at": ts(s.requested_at),
            "confirmed_at": s.confirmed_at.map(ts), "unsubscribed_at": s.unsubscribed_at.map(ts),
        })).collect::<Vec<_>>(),
        "newsletters_received": deliveries.into_iter().map(|d| json!({
            "newsletter": d.newsletter_id, "subject": d.subject, "status": d.status,
            "sent_at": d.sent_at.map(ts), "error": d.last_error,
        })).collect::<Vec<_>>(),
        "mails": mails.into_iter().map(|m| json!({
            "kind": m.kind, "status": m.status, "created_at": ts(m.created_at),
            "sent_at": m.sent_at.map(ts), "error": m.last_error,
        })).collect::<Vec<_>>(),
        "registrations": registrations.iter().map(|r| json!({
            "id": r.id, "event_id": r.event_id, "event": r.title, "status": r.status,
            "seats": r.seats, "created_at": ts(r.created_at),
            "people": attendees.iter().filter(|a| a.registration_id == r.id).map(|a| json!({
                "person_id": a.person_id, "first_name": a.first_name, "last_name": a.last_name,
                "holds_a_place": a.live == 1, "checked_in_at": a.checked_in_at.map(ts),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "mentoring": crate::mentoring::export(app, account_id).await?,
        "sign_ins": tokens.into_iter().map(|t| json!({
            "kind": t.kind, "name": t.name, "created_at": ts(t.created_at),
            "expires_at": t.expires_at.map(ts), "used_at": t.used_at.map(ts),
            "last_used_at": t.last_used_at.map(ts),
        })).collect::<Vec<_>>(),
        "requests_in_progress": requests.into_iter().map(|(kind, created)| json!({
            "kind": kind, "created_at": ts(created),
        })).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_with_personal_data_is_erased() {
        for (table, columns) in inventory::TABLES {
            let personal = columns
                .iter()
                .any(|(_, c)| matches!(c, inventory::Class::Personal(_)));
            assert_eq!(
                personal,
                ERASED_TABLES.contains(table),
                "{table}: a table with personal columns must be handled by `erase` (and listed \
                 in ERASED_TABLES), and only such a table"
            );
        }
    }
}
