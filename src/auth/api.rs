//! HTTP routes for signing in with a magic link and signing out.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::Auth;
use crate::app::{ApiTags, App};
use crate::checked;
use crate::error::{ApiResult, Fields};
use crate::members::api::{Accepted, Session, TokenRequest};
use crate::values::EmailAddress;

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
        remote: &poem::web::RemoteAddr,
        body: Json<MagicLinkRequest>,
    ) -> ApiResult<AcceptedResponse> {
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(&body.email));
        f.finish()?;
        let email = checked!(email);
        crate::members::requests::submit(
            &self.app,
            &crate::app::client_key(remote),
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
    /// Ends the session whose token made this request.
    #[oai(path = "/auth/sessions/current", method = "delete")]
    async fn sign_out(&self, auth: Auth) -> ApiResult<NoContent> {
        super::sign_out(&self.app, &auth.0).await?;
        Ok(NoContent::Done)
    }
}
