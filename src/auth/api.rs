//! HTTP routes for signing in with a magic link and signing out, and the admins' routes for
//! staff API tokens.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{Auth, tokens};
use crate::app::{ApiTags, App};
use crate::checked;
use crate::db::to_datetime;
use crate::error::{ApiResult, Fields};
use crate::members::api::{Accepted, Session, TokenRequest};
use crate::values::{EmailAddress, Role};

pub struct AuthApi {
    pub app: App,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct MagicLinkRequest {
    #[oai(validator(max_length = 254))]
    pub email: String,
}

#[derive(ApiResponse)]
enum AcceptedResponse {
    /// If the address belongs to a member, a sign-in link is on its way.
    #[oai(status = 202)]
    Accepted(Json<Accepted>),
}

#[derive(ApiResponse)]
enum SessionCreated {
    #[oai(status = 201)]
    Created(Json<Session>),
}

#[derive(ApiResponse)]
enum NoContent {
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::SignIn")]
impl AuthApi {
    /// Ask for a sign-in link
    ///
    /// Mails a single-use link valid for 15 minutes. Always answers 202, member or not.
    /// Limited per address and per client (429 with Retry-After).
    #[oai(path = "/auth/magic-link", method = "post")]
    async fn magic_link(
        &self,
        client: crate::edge::client::ClientAddr,
        body: Json<MagicLinkRequest>,
    ) -> ApiResult<AcceptedResponse> {
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(&body.email));
        f.finish()?;
        let email = checked!(email);
        crate::members::requests::submit(
            &self.app,
            &client.key(),
            crate::members::requests::Request::MagicLink(email),
        )
        .await?;
        Ok(AcceptedResponse::Accepted(Json(Accepted {
            message: "If this address belongs to a member, a sign-in link is on its way.".into(),
        })))
    }

    /// Sign in
    ///
    /// Exchanges the token of a sign-in link (once) for a session token.
    #[oai(path = "/auth/sessions", method = "post")]
    async fn sign_in(&self, body: Json<TokenRequest>) -> ApiResult<SessionCreated> {
        let session = super::sign_in(&self.app, &body.token).await?;
        Ok(SessionCreated::Created(Json(Session::new(session))))
    }

    /// Sign out
    ///
    /// The credential that made this request stops working: a session ends, an API token is
    /// revoked.
    #[oai(path = "/auth/sessions/current", method = "delete")]
    async fn sign_out(&self, auth: Auth) -> ApiResult<NoContent> {
        super::sign_out(&self.app, &auth.0).await?;
        Ok(NoContent::Done)
    }
}

/// A signed-in session, as its owner sees it.
#[derive(Object)]
pub struct SessionInfo {
    /// The session's id, to end it with.
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The session that made this request.
    pub current: bool,
}

#[derive(ApiResponse)]
enum SessionEnded {
    /// Ended: that session no longer works.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::SignIn")]
impl SessionsApi {
    /// My sessions
    ///
    /// Where the caller is signed in: every live session of their account (the website's and
    /// the API's), newest first, the one making this request marked `current`. Never a secret.
    #[oai(path = "/me/sessions", method = "get")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<SessionInfo>>> {
        let rows = super::sessions(&self.app, &auth.0).await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| SessionInfo {
                    id: r.id,
                    created_at: to_datetime(r.created_at),
                    expires_at: r.expires_at.map(to_datetime),
                    current: r.current,
                })
                .collect(),
        ))
    }

    /// End a session
    ///
    /// One of the caller's own sessions stops working at once (a lost phone, a shared
    /// computer). Another account's session is not found (404).
    #[oai(path = "/me/sessions/:id", method = "delete")]
    async fn end(
        &self,
        auth: Auth,
        /// The session's id (from `GET /me/sessions`).
        id: Path<uuid::Uuid>,
    ) -> ApiResult<SessionEnded> {
        super::revoke_session(&self.app, &auth.0, &id.0.to_string()).await?;
        Ok(SessionEnded::Done)
    }
}

/// The caller's own sessions: list and end them.
pub struct SessionsApi {
    pub app: App,
}

// ---------------------------------------------------------------- staff API tokens (admins)

/// The admins' routes for staff API tokens: list, issue, revoke.
pub struct AdminTokensApi {
    pub app: App,
}

/// An API token as listed: never its secret or hash.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiToken {
    /// The token's public id, to revoke it with.
    pub id: String,
    /// What uses it.
    pub name: String,
    /// The staff or admin account that holds it.
    pub account_id: String,
    pub email: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Absent: valid until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// To the minute; absent when never used.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<tokens::ApiTokenRow> for ApiToken {
    fn from(r: tokens::ApiTokenRow) -> Self {
        ApiToken {
            role: r.role.parse().unwrap_or(Role::Member),
            id: r.id,
            name: r.name,
            account_id: r.account_id,
            email: r.email,
            created_at: to_datetime(r.created_at),
            expires_at: r.expires_at.map(to_datetime),
            last_used_at: r.last_used_at.map(to_datetime),
        }
    }
}

/// A new API token for a staff or admin account, named by `account_id` or `email` (one of them).
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct NewApiToken {
    /// The account that will hold the token; or give `email`.
    pub account_id: Option<uuid::Uuid>,
    /// The e-mail address of the account that will hold the token; or give `account_id`.
    #[oai(validator(max_length = 254))]
    pub email: Option<String>,
    /// What will use the token, e.g. `door scanner` (1–100 characters).
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// Days until the token stops working (1–3650); absent: until revoked.
    #[oai(validator(minimum(value = "1"), maximum(value = "3650")))]
    pub expires_in_days: Option<i64>,
}

/// A token just issued. The secret is shown this once; only its hash is stored.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IssuedApiToken {
    /// The secret: `Authorization: Bearer <token>`. Shown once; it cannot be read again.
    pub token: String,
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
enum TokenIssued {
    /// Issued; the answer holds the secret and must not be cached.
    #[oai(status = 201)]
    Created(
        Json<IssuedApiToken>,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
enum TokenRevoked {
    /// Revoked: the token no longer works.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Admin")]
impl AdminTokensApi {
    /// Staff API tokens (admin)
    ///
    /// Every API token with its holder, oldest first; never a secret.
    #[oai(path = "/admin/tokens", method = "get")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<ApiToken>>> {
        auth.0.require_admin()?;
        Ok(Json(
            tokens::list(&self.app)
                .await?
                .into_iter()
                .map(ApiToken::from)
                .collect(),
        ))
    }

    /// Issue an API token (admin)
    ///
    /// For an active staff or admin account, e.g. to rotate a token: issue the new one, deploy
    /// it, then revoke the old one. The secret is in this answer only.
    #[oai(path = "/admin/tokens", method = "post")]
    async fn create(&self, auth: Auth, body: Json<NewApiToken>) -> ApiResult<TokenIssued> {
        auth.0.require_admin()?;
        let b = body.0;
        let mut f = Fields::default();
        let name = f.check("name", tokens::TokenName::parse(&b.name));
        let holder = match (b.account_id, b.email.as_deref()) {
            (Some(id), None) => Some(tokens::Holder::Id(id.to_string())),
            (None, Some(email)) => f
                .check("email", EmailAddress::parse(email))
                .map(tokens::Holder::Email),
            (Some(_), Some(_)) => {
                f.add("account_id", "give either account_id or email, not both");
                None
            }
            (None, None) => {
                f.add("account_id", "give account_id or email");
                None
            }
        };
        let valid_ms = match b.expires_in_days {
            Some(days) => f.check("expires_in_days", tokens::expiry_ms(days)),
            None => None,
        };
        f.finish()?;
        let (name, holder) = (checked!(name), checked!(holder));
        let t = tokens::issue(&self.app, &auth.0.account_id, &holder, &name, valid_ms).await?;
        Ok(TokenIssued::Created(
            Json(IssuedApiToken {
                token: t.secret,
                id: t.id,
                name: t.name,
                account_id: t.account_id,
                created_at: to_datetime(t.created_at),
                expires_at: t.expires_at.map(to_datetime),
            }),
            "no-store".to_owned(),
        ))
    }

    /// Revoke an API token (admin)
    ///
    /// The token stops working at once.
    #[oai(path = "/admin/tokens/:id", method = "delete")]
    async fn revoke(
        &self,
        auth: Auth,
        /// The token's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<TokenRevoked> {
        auth.0.require_admin()?;
        tokens::revoke(&self.app, &auth.0.account_id, &id.0.to_string(), "http").await?;
        Ok(TokenRevoked::Done)
    }
}
