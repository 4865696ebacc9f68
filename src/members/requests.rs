//! Requests that mail an address anybody may type: sign-up and sign-in links.
//!
//! The HTTP answer must not tell whether the address belongs to a member, not even by how long
//! it takes. So a request does the same work for every address before it is answered: it counts
//! against the client's budgets and is written to `mail_requests`, in one transaction. A worker
//! ([`run`]) then carries it out (a pending account, a confirmation, a sign-in link, a notice)
//! and deletes it in the same transaction, so a crash loses nothing and repeats nothing.
//!
//! Budgets: one client address may make `MAIL_REQUESTS_PER_CLIENT` such requests per 15 minutes,
//! and at most [`PER_CLIENT_AND_ADDRESS`] for one mailbox. Neither can lock a member out: a
//! stranger spends their own budget, never the member's. What reaches a mailbox is bounded
//! separately, per address, whoever asks (`mail::cooldown`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::app::App;
use crate::auth;
use crate::db::{Backend, Tx, new_id, now_ms};
use crate::error::{Error, Result};
use crate::values::{CountryCode, EmailAddress, Language, PersonName, Phase, ShortText};

use super::SignUp;

/// Requests one client address may make for one mailbox per window.
pub const PER_CLIENT_AND_ADDRESS: i64 = 5;
const WINDOW_SECS: i64 = 900;
/// A request that fails this often (a bug, not a busy database) is dropped and logged.
const MAX_ATTEMPTS: i64 = 5;

/// What a request asks for.
pub enum Request {
    SignUp(SignUp),
    MagicLink(EmailAddress),
}

/// A sign-up as it waits in `mail_requests`: the words as validated at the edge.
#[derive(Serialize, Deserialize)]
struct SignUpPayload {
    first_name: String,
    last_name: String,
    language: Language,
    country_of_origin: Option<String>,
    municipality: Option<String>,
    employer: Option<String>,
    phase: Option<Phase>,
}

impl SignUpPayload {
    fn from_sign_up(s: &SignUp) -> Self {
        SignUpPayload {
            first_name: s.first_name.as_str().to_owned(),
            last_name: s.last_name.as_str().to_owned(),
            language: s.language,
            country_of_origin: s.country_of_origin.as_ref().map(|c| c.as_str().to_owned()),
            municipality: s.municipality.as_ref().map(|m| m.as_str().to_owned()),
            employer: s.employer.as_ref().map(|e| e.as_str().to_owned()),
            phase: s.phase,
        }
    }

    /// Parsed again: what is stored is data, and the domain types hold only valid values.
    fn into_sign_up(self, email: EmailAddress) -> Result<SignUp> {
        let invalid = |what: &str, e: crate::values::Invalid| {
            Error::Internal(anyhow::anyhow!("stored sign-up request: {what} {e}"))
        };
        let optional = |v: Option<String>, what: &str| {
            v.map(|v| ShortText::parse(&v).map_err(|e| invalid(what, e)))
                .transpose()
        };
        Ok(SignUp {
            email,
            first_name: PersonName::parse(&self.first_name)
                .map_err(|e| invalid("first_name", e))?,
            last_name: PersonName::parse(&self.last_name).map_err(|e| invalid("last_name", e))?,
            language: self.language,
            country_of_origin: self
                .country_of_origin
                .map(|c| CountryCode::parse(&c).map_err(|e| invalid("country", e)))
                .transpose()?,
            municipality: optional(self.municipality, "municipality")?,
            employer: optional(self.employer, "employer")?,
            phase: self.phase,
        })
    }
}

/// Records a request from `client` (its IP address) and answers; the work happens in [`run`].
/// The same statements run whatever the address, so the answer's timing reveals nothing.
pub async fn submit(app: &App, client: &str, request: Request) -> Result<()> {
    let (kind, email, payload) = match &request {
        Request::SignUp(s) => (
            "sign_up",
            &s.email,
            serde_json::to_string(&SignUpPayload::from_sign_up(s)).map_err(anyhow::Error::from)?,
        ),
        Request::MagicLink(email) => ("magic_link", email, String::from("{}")),
    };
    let mut tx = app.db.begin().await?;
    let (by_client, client_retry) =
        auth::count_hit(&mut tx, &format!("mail:client:{client}"), WINDOW_SECS).await?;
    // The pair is hashed: the table holds no address, and the key has a fixed length.
    let pair = auth::hash_secret(&format!("{client} {}", email.key()));
    let (by_pair, pair_retry) =
        auth::count_hit(&mut tx, &format!("mail:pair:{pair}"), WINDOW_SECS).await?;
    let refused = if by_client > app.config.mail_requests_per_client {
        Some(client_retry)
    } else if by_pair > PER_CLIENT_AND_ADDRESS {
        Some(pair_retry)
    } else {
        None
    };
    if refused.is_none() {
        sqlx::query(
            "INSERT INTO mail_requests (id, kind, email, email_key, payload, attempts, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(new_id())
        .bind(kind)
        .bind(email.as_str())
        .bind(email.key())
        .bind(payload)
        .bind(now_ms())
        .execute(tx.conn())
        .await?;
        tx.request_submitted();
    }
    // Committed also when refused: a refused request still counts.
    tx.commit().await?;
    match refused {
        Some(retry_after_secs) => Err(Error::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

#[derive(sqlx::FromRow)]
struct Waiting {
    id: String,
    kind: String,
    email: String,
    payload: String,
    attempts: i64,
}

/// Carries out requests until `shutdown` turns true.
pub async fn run(app: App, mut shutdown: watch::Receiver<bool>) {
    let wake = app.db.requests_wake();
    let poll = app.config.mail_poll_interval;
    loop {
        if *shutdown.borrow() {
            break;
        }
        loop {
            match carry_out_next(&app).await {
                Ok(true) if !*shutdown.borrow() => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "mail requests");
                    break;
                }
            }
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Carries out the oldest waiting request; answers whether there was one.
pub async fn carry_out_next(app: &App) -> Result<bool> {
    // Looked for on the read pool first: on SQLite a write transaction takes the one write
    // connection, which registrations wait for.
    let any: Option<(String,)> = sqlx::query_as("SELECT id FROM mail_requests LIMIT 1")
        .fetch_optional(&app.db.read)
        .await?;
    if any.is_none() {
        return Ok(false);
    }
    let mut tx = app.db.begin().await?;
    let waiting: Option<Waiting> = match app.db.backend {
        // Several instances: each takes a different request; the row stays locked (and comes
        // back if this transaction does not commit).
        Backend::Postgres => sqlx::query_as(
            "SELECT id, kind, email, payload, attempts FROM mail_requests ORDER BY id LIMIT 1 \
             FOR UPDATE SKIP LOCKED",
        ),
        Backend::Sqlite => sqlx::query_as(
            "SELECT id, kind, email, payload, attempts FROM mail_requests ORDER BY id LIMIT 1",
        ),
    }
    .fetch_optional(tx.conn())
    .await?;
    let Some(w) = waiting else {
        return Ok(false);
    };
    match carry_out(app, &mut tx, &w).await {
        Ok(()) => {
            sqlx::query("DELETE FROM mail_requests WHERE id = $1")
                .bind(&w.id)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
        }
        Err(e) => {
            drop(tx);
            give_up_or_retry(app, &w, &e).await?;
        }
    }
    Ok(true)
}

async fn carry_out(app: &App, tx: &mut Tx, w: &Waiting) -> Result<()> {
    let email = EmailAddress::parse(&w.email)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored request address: {e}")))?;
    match w.kind.as_str() {
        "sign_up" => {
            let payload: SignUpPayload =
                serde_json::from_str(&w.payload).map_err(anyhow::Error::from)?;
            super::sign_up_in(app, tx, payload.into_sign_up(email)?).await
        }
        "magic_link" => auth::send_magic_link(app, tx, &email).await,
        other => Err(Error::Internal(anyhow::anyhow!(
            "unknown kind of mail request: {other}"
        ))),
    }
}

/// A request that failed (two sign-ups for one new address at once on two instances: the
/// second one's account insert conflicts) is tried again; one that keeps failing is a bug, and
/// is dropped so it cannot block the others.
async fn give_up_or_retry(app: &App, w: &Waiting, e: &Error) -> Result<()> {
    let mut tx = app.db.begin().await?;
    if w.attempts + 1 >= MAX_ATTEMPTS {
        tracing::error!(request = %w.id, kind = %w.kind, error = %e, "mail request dropped after repeated failures");
        sqlx::query("DELETE FROM mail_requests WHERE id = $1")
            .bind(&w.id)
            .execute(tx.conn())
            .await?;
    } else {
        tracing::warn!(request = %w.id, kind = %w.kind, error = %e, "mail request failed; will retry");
        sqlx::query("UPDATE mail_requests SET attempts = attempts + 1 WHERE id = $1")
            .bind(&w.id)
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    // A short pause, so a failure that repeats does not spin.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}
