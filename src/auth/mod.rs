//! Secrets and who is calling. Tokens are 256 random bits, shown once, stored only as SHA-256
//! hashes (a high-entropy token needs no slow hash). The [`Auth`] extractor turns a bearer token
//! into a [`Caller`] and is the one place that decides whether a request is signed in.

pub mod api;
pub mod tokens;

use base64::Engine as _;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::audit;
use crate::db::{Db, Tx, now_ms};
use crate::error::{ApiError, Error, Result};
use crate::mail::{self, Mail};
use crate::members;
use crate::values::{AccountStatus, EmailAddress, Language, Role};
use serde_json::json;

pub const SESSION_DAYS: i64 = 30;
pub const MAGIC_LINK_MINUTES: i64 = 15;
pub const VERIFY_HOURS: i64 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Verify,
    MagicLink,
    Session,
    Api,
    Calendar,
    Unsubscribe,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Verify => "verify",
            TokenKind::MagicLink => "magic_link",
            TokenKind::Session => "session",
            TokenKind::Api => "api",
            TokenKind::Calendar => "calendar",
            TokenKind::Unsubscribe => "unsubscribe",
        }
    }
}

/// A fresh secret (URL-safe) and the hash under which it is stored.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

pub fn hash_secret(secret: &str) -> String {
    use std::fmt::Write;
    let digest = Sha256::digest(secret.trim().as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        // Writing into a String cannot fail.
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A token just written: its public id, the secret (never stored) and its times.
struct NewToken {
    id: String,
    secret: String,
    created_at: i64,
    expires_at: Option<i64>,
}

/// Writes a new token of `kind` for `account_id`, valid for `valid_ms` (None: until revoked).
async fn insert(
    tx: &mut Tx,
    account_id: &str,
    kind: TokenKind,
    valid_ms: Option<i64>,
    name: Option<&str>,
) -> Result<NewToken> {
    let (secret, hash) = new_secret();
    let id = crate::db::new_id();
    let now = now_ms();
    let expires_at = valid_ms.map(|v| now + v);
    sqlx::query(
        "INSERT INTO tokens (hash, id, account_id, kind, name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&hash)
    .bind(&id)
    .bind(account_id)
    .bind(kind.as_str())
    .bind(name)
    .bind(now)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    Ok(NewToken {
        id,
        secret,
        created_at: now,
        expires_at,
    })
}

/// Issues a token of `kind` for `account_id`, valid for `valid_ms` (None: until revoked).
/// API tokens are issued by [`tokens::issue_in`], which checks who may hold one.
pub async fn issue(
    tx: &mut Tx,
    account_id: &str,
    kind: TokenKind,
    valid_ms: Option<i64>,
) -> Result<(String, Option<i64>)> {
    let t = insert(tx, account_id, kind, valid_ms, None).await?;
    Ok((t.secret, t.expires_at))
}

/// Uses a single-use token: answers its account, or `Gone` when unknown, used or expired.
pub async fn redeem(tx: &mut Tx, secret: &str, kind: TokenKind) -> Result<String> {
    let now = now_ms();
    let account: Option<(String,)> = sqlx::query_as(
        "UPDATE tokens SET used_at = $3 WHERE hash = $1 AND kind = $2 AND used_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $3) RETURNING account_id",
    )
    .bind(hash_secret(secret))
    .bind(kind.as_str())
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    account
        .map(|(a,)| a)
        .ok_or_else(|| Error::Gone("this link is unknown, already used or expired".into()))
}

/// A new session; also the moment an account counts as seen (for alumni retention).
pub async fn session(tx: &mut Tx, account_id: &str) -> Result<(String, i64)> {
    sqlx::query(
        "UPDATE accounts SET last_seen_at = $2, retention_reminded_at = NULL WHERE person_id = $1",
    )
    .bind(account_id)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    let (secret, expires) = issue(
        tx,
        account_id,
        TokenKind::Session,
        Some(SESSION_DAYS * 24 * 3600 * 1000),
    )
    .await?;
    Ok((secret, expires.unwrap_or_default()))
}

/// Revokes every token of an account (sign-out everywhere, erasure).
pub async fn revoke_all(tx: &mut Tx, account_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM tokens WHERE account_id = $1")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    crate::cache::addresses_changed(tx);
    Ok(())
}

/// Who is calling, as established from their bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub household_id: String,
    pub role: Role,
    pub status: AccountStatus,
    pub language: Language,
    /// Hash of the presented token, so sign-out can revoke exactly this one.
    pub token_hash: String,
    /// The caller's member record, read with the token (one query instead of two per request).
    pub member: crate::members::MemberRow,
}

impl Caller {
    pub fn require_staff(&self) -> Result<()> {
        if self.role.is_staff() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only the centre's staff may do this".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Error::Forbidden("only an admin may do this".into()))
        }
    }

    /// The one rule for acting on someone else's account (profile, departure, erasure): admins
    /// may change anyone; staff may change members' accounts, and their own, but not another
    /// staff member's or an admin's (privileged accounts are administered by admins); members
    /// change only their own. Handlers check `require_staff` or `require_admin` for the route
    /// first, then this for every account the action changes.
    pub fn may_change(&self, account_id: &str, role: Role) -> bool {
        account_id == self.account_id
            || match self.role {
                Role::Admin => true,
                Role::Staff => role == Role::Member,
                Role::Member => false,
            }
    }

    /// [`Caller::may_change`] for a stored account, as `Forbidden` when it may not.
    pub fn require_may_change(&self, account_id: &str, stored_role: &str) -> Result<()> {
        let role: Role = stored_role.parse().map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "stored role of {account_id} is invalid: {e}"
            ))
        })?;
        if self.may_change(account_id, role) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "staff may change members' accounts only; a staff or admin account is changed by an admin"
                    .into(),
            ))
        }
    }
}

/// A bearer token's member, in one query (it is on every signed-in request's path). An API
/// token works only while its account is staff or admin: demoting an account disarms its tokens.
static CALLER_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {}, t.kind AS token_kind, t.last_used_at AS token_last_used_at \
         FROM tokens t JOIN accounts a ON a.person_id = t.account_id \
         JOIN people p ON p.id = a.person_id \
         WHERE t.hash = $1 AND t.kind IN ('session', 'api') AND t.used_at IS NULL \
         AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.status IN ('active', 'alumni') \
         AND (t.kind = 'session' OR a.role IN ('staff', 'admin'))",
        crate::members::MEMBER_COLUMNS
    )
});

#[derive(sqlx::FromRow)]
struct CallerRow {
    #[sqlx(flatten)]
    member: crate::members::MemberRow,
    token_kind: String,
    token_last_used_at: Option<i64>,
}

pub async fn caller_from_secret(app: &App, secret: &str) -> Result<Option<Caller>> {
    let hash = hash_secret(secret);
    let now = now_ms();
    let row: Option<CallerRow> = sqlx::query_as(sqlx::AssertSqlSafe(CALLER_SQL.as_str()))
        .bind(&hash)
        .bind(now)
        .fetch_optional(&app.db.read)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if row.token_kind == TokenKind::Api.as_str() && tokens::needs_touch(row.token_last_used_at, now)
    {
        tokens::touch_in_background(app, hash.clone(), now);
    }
    let m = row.member;
    // The request's log line names who made it (an id, never the token or an address).
    tracing::Span::current().record("account", m.id.as_str());
    let parse = |what: &str, e| Error::Internal(anyhow::anyhow!("stored {what} is invalid: {e}"));
    Ok(Some(Caller {
        account_id: m.id.clone(),
        household_id: m.household_id.clone(),
        role: m.role.parse().map_err(|e| parse("role", e))?,
        status: m.status.parse().map_err(|e| parse("status", e))?,
        language: m.language.parse().map_err(|e| parse("language", e))?,
        token_hash: hash,
        member: m,
    }))
}

/// A signed-in member, staff member or admin (`Authorization: Bearer <token>`): a session token
/// from sign-in, or a staff API token (`limburgers-worldwide admin create`, `admin tokens create`
/// or `POST /api/v1/admin/tokens`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_bearer")]
pub struct Auth(pub Caller);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let app = req.data::<App>().ok_or_else(|| {
        poem::Error::from_string("app missing", poem::http::StatusCode::INTERNAL_SERVER_ERROR)
    })?;
    match caller_from_secret(app, &bearer.token).await {
        Ok(Some(caller)) => Ok(caller),
        Ok(None) => Err(ApiError::from(Error::Unauthenticated).into()),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// The caller of a route that anyone may call but that shows more to the signed-in (e.g. drafts
/// to staff). No Authorization header: anonymous; an invalid one: 401.
pub async fn optional_caller(app: &App, req: &Request) -> Result<Option<Caller>> {
    let Some(value) = req.headers().get(poem::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Error::Unauthenticated)?;
    caller_from_secret(app, secret.trim())
        .await?
        .map(Some)
        .ok_or(Error::Unauthenticated)
}

/// Counts a hit against `key` in the current fixed window of `window_secs`, in `tx`; answers
/// the hits so far in this window (this one included) and the seconds until it ends.
pub async fn count_hit(tx: &mut Tx, key: &str, window_secs: i64) -> Result<(i64, u64)> {
    let now = now_ms();
    let window_ms = window_secs * 1000;
    let window_start = now - now.rem_euclid(window_ms);
    let (hits,): (i64,) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
    )
    .bind(key)
    .bind(window_start)
    .fetch_one(tx.conn())
    .await?;
    let retry_after_secs =
        u64::try_from((window_start + window_ms - now + 999) / 1000).unwrap_or(1);
    Ok((hits, retry_after_secs))
}

/// Counts a hit against `key` and refuses with `TooManyRequests` past `limit` hits in the
/// current fixed window of `window_secs`. Commits on its own, so a refused request still counts.
/// Shared by all server instances through the database.
pub async fn rate_limit(db: &Db, key: &str, limit: i64, window_secs: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let (hits, retry_after_secs) = count_hit(&mut tx, key, window_secs).await?;
    tx.commit().await?;
    if hits > limit {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    Ok(())
}

/// Carries out a request for a sign-in link, in `tx` (see `members::requests`): an active
/// member or alumnus gets a link, a pending account a fresh confirmation link instead, anybody
/// else nothing. At most one such mail a minute goes to an address (`mail::cooldown`): the one
/// sent less than a minute ago is in the mailbox and works.
pub async fn send_magic_link(app: &App, tx: &mut Tx, email: &EmailAddress) -> Result<()> {
    let Some(m) = members::find_by_email(tx.conn(), email).await? else {
        return Ok(());
    };
    let first_name = m.first_name.clone().unwrap_or_default();
    match m.status.parse::<AccountStatus>() {
        Ok(AccountStatus::Active | AccountStatus::Alumni) => {
            if !mail::cooldown(tx, email, "magic_link").await? {
                return Ok(());
            }
            let (secret, _) = issue(
                tx,
                &m.id,
                TokenKind::MagicLink,
                Some(MAGIC_LINK_MINUTES * 60 * 1000),
            )
            .await?;
            mail::enqueue(
                tx,
                &app.templates,
                &app.config,
                Mail {
                    kind: "magic_link",
                    to: email,
                    language: m.language(),
                    account_id: Some(&m.id),
                    context: json!({
                        "first_name": first_name,
                        "link": app.config.link(&format!("/sign-in?token={secret}&lang={}", m.language().as_str())),
                        "valid_minutes": MAGIC_LINK_MINUTES,
                    }),
                    idempotency_key: format!("magic_link:{}", hash_secret(&secret)),
                },
            )
            .await
        }
        Ok(AccountStatus::Pending) => {
            if !mail::cooldown(tx, email, "verification").await? {
                return Ok(());
            }
            members::send_verification(app, tx, &m.id, email, m.language(), &first_name).await
        }
        _ => Ok(()),
    }
}

/// Exchanges a sign-in link's token (once) for a session.
pub async fn sign_in(app: &App, secret: &str) -> Result<(String, i64)> {
    let mut tx = app.db.begin().await?;
    let account_id = redeem(&mut tx, secret, TokenKind::MagicLink).await?;
    let session = session(&mut tx, &account_id).await?;
    audit::record(
        &mut tx,
        &account_id,
        "auth.signed_in",
        Some(&account_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// A signed-in session of an account, as its owner sees it (never its secret).
#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    #[sqlx(skip)]
    pub current: bool,
    hash: String,
}

/// The account's live sessions (the website's and the API's alike), newest first; the one the
/// caller is using is marked `current`.
pub async fn sessions(app: &App, caller: &Caller) -> Result<Vec<SessionRow>> {
    let mut rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, created_at, expires_at, hash FROM tokens WHERE account_id = $1 \
         AND kind = 'session' AND used_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
         ORDER BY created_at DESC, id",
    )
    .bind(&caller.account_id)
    .bind(now_ms())
    .fetch_all(&app.db.read)
    .await?;
    for r in &mut rows {
        r.current = r.hash == caller.token_hash;
    }
    Ok(rows)
}

/// Ends one of the caller's own sessions (e.g. on a phone they lost); another account's
/// session is not found.
pub async fn revoke_session(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let gone =
        sqlx::query("DELETE FROM tokens WHERE id = $1 AND account_id = $2 AND kind = 'session'")
            .bind(id)
            .bind(&caller.account_id)
            .execute(tx.conn())
            .await?
            .rows_affected();
    if gone == 0 {
        return Err(Error::NotFound("session"));
    }
    crate::cache::addresses_changed(&mut tx);
    tx.commit().await?;
    Ok(())
}

/// Revokes the credential the caller presented, whatever it is: a session ends, an API token
/// stops working (and that is audited, like every API token revoked).
pub async fn sign_out(app: &App, caller: &Caller) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let gone: Option<(String, Option<String>)> = sqlx::query_as(
        "DELETE FROM tokens WHERE hash = $1 AND kind IN ('session', 'api') RETURNING kind, id",
    )
    .bind(&caller.token_hash)
    .fetch_optional(tx.conn())
    .await?;
    if let Some((kind, id)) = gone
        && kind == TokenKind::Api.as_str()
    {
        audit::record(
            &mut tx,
            &caller.account_id,
            "auth.api_token_revoked",
            id.as_deref(),
            Some(json!({"account_id": caller.account_id, "via": "sign_out"})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        Caller {
            account_id: "me".into(),
            household_id: "h".into(),
            role,
            status: AccountStatus::Active,
            language: Language::En,
            token_hash: String::new(),
            member: crate::members::MemberRow {
                id: "me".into(),
                email: None,
                first_name: None,
                last_name: None,
                language: "en".into(),
                role: role.as_str().into(),
                status: "active".into(),
                phase: None,
                country_of_origin: None,
                municipality: None,
                employer: None,
                directory_visible: 0,
                household_id: "h".into(),
                relation: "primary".into(),
                created_at: 0,
                verified_at: None,
            },
        }
    }

    #[test]
    fn admins_change_anyone_staff_members_and_themselves() {
        use Role::*;
        for (by, target, allowed) in [
            (Admin, Admin, true),
            (Admin, Staff, true),
            (Admin, Member, true),
            (Staff, Admin, false),
            (Staff, Staff, false),
            (Staff, Member, true),
            (Member, Member, false),
        ] {
            assert_eq!(
                caller(by).may_change("other", target),
                allowed,
                "{by:?} on {target:?}"
            );
        }
        assert!(caller(Staff).may_change("me", Staff), "one's own account");
        assert!(caller(Staff).require_may_change("other", "admin").is_err());
        assert!(caller(Staff).require_may_change("other", "member").is_ok());
        assert!(caller(Admin).require_may_change("other", "king").is_err());
    }

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let (a, ha) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert!(a.len() >= 43, "256 bits in base64url");
        assert_eq!(ha, hash_secret(&a));
        assert_eq!(ha.len(), 64);
        assert!(!ha.contains(&a));
    }
}
