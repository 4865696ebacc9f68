//! HTTP routes for sign-up, profiles, privacy rights and the staff's member register.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{MemberQuery, MemberRow, ProfileChange};
use crate::app::{ApiTags, App};
use crate::auth::Auth;
use crate::db::to_datetime;
use crate::error::{ApiResult, Error};
use crate::values::{AccountStatus, EmailAddress, Language, Phase, Relation, Role};

pub struct MembersApi {
    pub app: App,
}

/// Consent given by the person who confirms the address (or accepts an invitation).
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct ConsentInput {
    /// Must be `true`: the member accepts the privacy policy.
    pub privacy_policy: bool,
    /// Whether the member wants the community newsletter.
    #[oai(default)]
    pub newsletter: bool,
}

/// The privacy notice acknowledged at sign-up. Nothing else is asked here: whoever confirms the
/// address gives consent then (`POST /members/verify`), since anybody can type an address.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct SignUpConsent {
    /// Must be `true`: the privacy policy says what is kept of a sign-up.
    pub privacy_policy: bool,
}

/// A verification link's token, with the consent of the person following it.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The token from the link in the mail.
    #[oai(validator(max_length = 200))]
    pub token: String,
    pub consent: ConsentInput,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct SignUpRequest {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(max_length = 100))]
    pub first_name: String,
    #[oai(validator(max_length = 100))]
    pub last_name: String,
    pub language: Language,
    /// ISO 3166-1 alpha-2, e.g. `IN`.
    #[oai(validator(max_length = 2))]
    pub country_of_origin: Option<String>,
    #[oai(validator(max_length = 200))]
    pub municipality: Option<String>,
    #[oai(validator(max_length = 200))]
    pub employer: Option<String>,
    pub phase: Option<Phase>,
    pub consent: SignUpConsent,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Accepted {
    pub message: String,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the link in the mail.
    #[oai(validator(max_length = 200))]
    pub token: String,
}

/// A signed-in session. Send it as `Authorization: Bearer <session_token>`.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Session {
    pub session_token: String,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    pub fn new((session_token, expires_ms): (String, i64)) -> Self {
        Session {
            session_token,
            expires_at: to_datetime(expires_ms),
        }
    }
}

/// A member's profile.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Member {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: Language,
    pub role: Role,
    pub status: AccountStatus,
    pub phase: Option<Phase>,
    pub country_of_origin: Option<String>,
    pub municipality: Option<String>,
    pub employer: Option<String>,
    /// Whether the member appears in the alumni and member directory.
    pub directory_visible: bool,
    pub household_id: String,
    pub relation: Relation,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl From<MemberRow> for Member {
    fn from(m: MemberRow) -> Self {
        Member {
            language: m.language(),
            role: m.role.parse().unwrap_or(Role::Member),
            status: m.status.parse().unwrap_or(AccountStatus::Pending),
            phase: m.phase.as_deref().and_then(|p| p.parse().ok()),
            relation: m.relation.parse().unwrap_or(Relation::Other),
            id: m.id,
            email: m.email,
            first_name: m.first_name,
            last_name: m.last_name,
            country_of_origin: m.country_of_origin,
            municipality: m.municipality,
            employer: m.employer,
            directory_visible: m.directory_visible == 1,
            household_id: m.household_id,
            created_at: to_datetime(m.created_at),
            verified_at: m.verified_at.map(to_datetime),
        }
    }
}

/// Changes to a profile; absent fields stay as they are, `null` clears an optional field.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct ProfilePatch {
    #[oai(validator(max_length = 100))]
    pub first_name: Option<String>,
    #[oai(validator(max_length = 100))]
    pub last_name: Option<String>,
    pub language: Option<Language>,
    pub phase: MaybeUndefined<Phase>,
    #[oai(validator(max_length = 2))]
    pub country_of_origin: MaybeUndefined<String>,
    #[oai(validator(max_length = 200))]
    pub municipality: MaybeUndefined<String>,
    #[oai(validator(max_length = 200))]
    pub employer: MaybeUndefined<String>,
    pub directory_visible: Option<bool>,
}

/// What staff may change about a member: the profile, and (admins only) the role.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct MemberPatch {
    #[oai(validator(max_length = 100))]
    pub first_name: Option<String>,
    #[oai(validator(max_length = 100))]
    pub last_name: Option<String>,
    pub language: Option<Language>,
    pub phase: MaybeUndefined<Phase>,
    #[oai(validator(max_length = 2))]
    pub country_of_origin: MaybeUndefined<String>,
    #[oai(validator(max_length = 200))]
    pub municipality: MaybeUndefined<String>,
    #[oai(validator(max_length = 200))]
    pub employer: MaybeUndefined<String>,
    pub directory_visible: Option<bool>,
    /// Only admins may change roles.
    pub role: Option<Role>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MemberPage {
    pub items: Vec<Member>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A new e-mail address for an account.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct EmailChangeRequest {
    /// The new address; a link to confirm it goes there.
    #[oai(validator(max_length = 254))]
    pub email: String,
}

#[derive(ApiResponse)]
enum AcceptedResponse {
    /// Accepted; look in the mailbox.
    #[oai(status = 202)]
    Accepted(Json<Accepted>),
}

#[derive(ApiResponse)]
enum NoContent {
    #[oai(status = 204)]
    Done,
}

/// `null` or absent as the domain's "clear" or "leave".
fn text(v: &MaybeUndefined<String>) -> Option<Option<&str>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.as_str())),
    }
}

fn maybe<T: Copy>(v: &MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(*v)),
    }
}

/// The fields a member and staff both may change, checked by the domain.
#[allow(clippy::too_many_arguments)]
fn profile_change(
    first_name: &Option<String>,
    last_name: &Option<String>,
    language: Option<Language>,
    phase: &MaybeUndefined<Phase>,
    country: &MaybeUndefined<String>,
    municipality: &MaybeUndefined<String>,
    employer: &MaybeUndefined<String>,
    directory_visible: Option<bool>,
) -> Result<ProfileChange, Error> {
    super::ProfileInput {
        first_name: first_name.as_deref(),
        last_name: last_name.as_deref(),
        language,
        phase: maybe(phase),
        country_of_origin: text(country),
        municipality: text(municipality),
        employer: text(employer),
        directory_visible,
    }
    .parse()
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Members")]
impl MembersApi {
    /// Sign up
    ///
    /// Creates a pending account and sends a verification mail; the account becomes active when
    /// the link in it is followed (and the consent is given then). The answer is the same, in
    /// content and in time, whether or not the address is known (an existing member is mailed a
    /// notice instead), so nobody can probe for members. A newer sign-up for an address that is
    /// still unconfirmed replaces the earlier one. At most one confirmation mail or notice a
    /// minute goes to an address; one client may make 5 such requests for one address per 15
    /// minutes (429 with Retry-After).
    #[oai(path = "/members", method = "post")]
    async fn sign_up(
        &self,
        client: crate::edge::client::ClientAddr,
        body: Json<SignUpRequest>,
    ) -> ApiResult<AcceptedResponse> {
        let b = body.0;
        let sign_up = super::SignUpInput {
            email: &b.email,
            first_name: &b.first_name,
            last_name: &b.last_name,
            language: b.language,
            country_of_origin: b.country_of_origin.as_deref(),
            municipality: b.municipality.as_deref(),
            employer: b.employer.as_deref(),
            phase: b.phase,
            privacy_policy: b.consent.privacy_policy,
        }
        .parse()?;
        super::requests::submit(
            &self.app,
            &client.key(),
            super::requests::Request::SignUp(sign_up),
        )
        .await?;
        Ok(AcceptedResponse::Accepted(Json(Accepted {
            message: "Check your mailbox to confirm your address.".into(),
        })))
    }

    /// Confirm an address
    ///
    /// Follows the verification link from the sign-up mail: the account becomes active and the
    /// member is signed in. The consent given here, by the person who proved the address, is
    /// what is recorded (`privacy_policy` must be true; `newsletter` subscribes to the community
    /// newsletter).
    #[oai(path = "/members/verify", method = "post")]
    async fn verify(&self, body: Json<VerifyRequest>) -> ApiResult<Json<Session>> {
        let consent = super::Verification {
            privacy_policy: body.consent.privacy_policy,
            newsletter: body.consent.newsletter,
        };
        Ok(Json(Session::new(
            super::verify(&self.app, &body.token, consent).await?,
        )))
    }

    /// My profile
    ///
    /// The signed-in member's own record: names, language, country of origin, municipality,
    /// employer, phase, role and household.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: Auth) -> ApiResult<Json<Member>> {
        Ok(Json(
            super::get(&self.app, &auth.0.account_id).await?.into(),
        ))
    }

    /// Change my profile
    ///
    /// Partial: absent fields stay as they are, `null` clears an optional field. The e-mail address
    /// is changed with its own verification, not here.
    #[oai(path = "/me", method = "patch")]
    async fn patch_me(&self, auth: Auth, body: Json<ProfilePatch>) -> ApiResult<Json<Member>> {
        let b = body.0;
        let change = profile_change(
            &b.first_name,
            &b.last_name,
            b.language,
            &b.phase,
            &b.country_of_origin,
            &b.municipality,
            &b.employer,
            b.directory_visible,
        )?;
        let id = &auth.0.account_id;
        Ok(Json(
            super::update_profile(&self.app, id, id, change)
                .await?
                .into(),
        ))
    }

    /// Change my e-mail address
    ///
    /// Mails a link to the new address; the address changes only when it is followed
    /// (`POST /email/confirm`, within 48 hours), and then the old address is told. The answer
    /// is the same whether or not the new address is free, so nobody can probe for members.
    /// A newer request replaces an older one; at most one such mail a minute goes to an address.
    #[oai(path = "/me/email", method = "post")]
    async fn change_my_email(
        &self,
        auth: Auth,
        body: Json<EmailChangeRequest>,
    ) -> ApiResult<AcceptedResponse> {
        let email = EmailAddress::parse(&body.email).map_err(|e| Error::field("email", e.0))?;
        super::email_change::request(
            &self.app,
            &auth.0.account_id,
            &email,
            super::email_change::RequestedBy::Member,
        )
        .await?;
        Ok(AcceptedResponse::Accepted(Json(Accepted {
            message: "Check the new mailbox to confirm the address.".into(),
        })))
    }

    /// Confirm a new e-mail address
    ///
    /// With the token from the link sent to the new address: the account's address changes, a
    /// bounce mark of the old address is cleared, and the old address is told. No sign-in
    /// needed: the link proves the new mailbox. 410 for a used or expired link; 409 when another
    /// account has the address.
    #[oai(path = "/email/confirm", method = "post")]
    async fn confirm_email(&self, body: Json<TokenRequest>) -> ApiResult<Json<Member>> {
        Ok(Json(
            super::email_change::confirm(&self.app, &body.token)
                .await?
                .into(),
        ))
    }

    /// Erase my account
    ///
    /// Removes the member's personal data for good and signs them out everywhere. Past event
    /// counts keep an anonymous trace. Dependents are erased too when nobody with an account is
    /// left in the household.
    #[oai(path = "/me", method = "delete")]
    async fn erase_me(&self, auth: Auth) -> ApiResult<NoContent> {
        let id = &auth.0.account_id;
        crate::privacy::erase(&self.app, id, id).await?;
        Ok(NoContent::Done)
    }

    /// Export my data
    ///
    /// Everything held on the member and the dependents they manage, as one JSON document.
    #[oai(path = "/me/export", method = "get")]
    async fn export(&self, auth: Auth) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(
            crate::privacy::export(&self.app, &auth.0.account_id).await?,
        ))
    }

    /// Search members (staff)
    ///
    /// The register, filtered and paginated by `cursor`; searching by the beginnings of words of a
    /// name or address. Erased accounts are not listed.
    #[oai(path = "/members", method = "get")]
    async fn list(
        &self,
        auth: Auth,
        /// Beginnings of words of a name or e-mail address ("ana pee" finds Ana Peeters,
        /// ana.peeters@…); accents and case do not matter.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Only members in this phase.
        phase: Query<Option<Phase>>,
        /// Only accounts with this status (default: every status but erased).
        status: Query<Option<AccountStatus>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<uuid::Uuid>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<MemberPage>> {
        auth.0.require_staff()?;
        let q = q.0.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
        if q.as_deref()
            .is_some_and(|q| q.chars().any(char::is_control))
        {
            return Err(Error::field("q", "must not contain control characters").into());
        }
        let (rows, next) = super::search(
            &self.app,
            &MemberQuery {
                q,
                phase: phase.0,
                status: status.0,
                cursor: cursor.0.map(|c| c.to_string()),
                limit: limit.0.unwrap_or(50),
            },
        )
        .await?;
        Ok(Json(MemberPage {
            items: rows.into_iter().map(Member::from).collect(),
            next_cursor: next,
        }))
    }

    /// A member (staff)
    ///
    /// One member's record as staff see it.
    #[oai(path = "/members/:id", method = "get")]
    async fn get_member(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Member>> {
        auth.0.require_staff()?;
        Ok(Json(super::get(&self.app, &id.0.to_string()).await?.into()))
    }

    /// Change a member (staff; roles by admins only)
    ///
    /// Staff change members' accounts; a staff or admin account is changed by an admin (403).
    #[oai(path = "/members/:id", method = "patch")]
    async fn patch_member(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
        body: Json<MemberPatch>,
    ) -> ApiResult<Json<Member>> {
        auth.0.require_staff()?;
        let b = body.0;
        if b.role.is_some() {
            // Before the body's fields are checked, as always: a staff member asking for a
            // role hears 403 (`change_member` holds the rule).
            auth.0.require_admin()?;
        }
        let mut change = profile_change(
            &b.first_name,
            &b.last_name,
            b.language,
            &b.phase,
            &b.country_of_origin,
            &b.municipality,
            &b.employer,
            b.directory_visible,
        )?;
        change.role = b.role;
        Ok(Json(
            super::change_member(&self.app, &auth.0, &id.0.to_string(), change)
                .await?
                .into(),
        ))
    }

    /// Change a member's e-mail address (staff)
    ///
    /// As `POST /me/email`, started by staff (a member who lost access to the old mailbox
    /// calls the centre): the link goes to the new address and the member follows it. 409 when
    /// another account has the address. A staff or admin account's address is changed by an
    /// admin (403).
    #[oai(path = "/members/:id/email", method = "post")]
    async fn change_member_email(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
        body: Json<EmailChangeRequest>,
    ) -> ApiResult<AcceptedResponse> {
        auth.0.require_staff()?;
        let email = EmailAddress::parse(&body.email).map_err(|e| Error::field("email", e.0))?;
        super::email_change::request_for(&self.app, &auth.0, &id.0.to_string(), &email).await?;
        Ok(AcceptedResponse::Accepted(Json(Accepted {
            message: "A link to confirm the address was mailed to it.".into(),
        })))
    }

    /// Erase a member (admin)
    ///
    /// For erasure requests that reach the centre by other ways than the member's own account.
    #[oai(path = "/members/:id", method = "delete")]
    async fn erase_member(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<NoContent> {
        crate::privacy::erase_member(&self.app, &auth.0, &id.0.to_string()).await?;
        Ok(NoContent::Done)
    }
}

/// The caller's own member record, for routes that act on it.
pub async fn me(auth: &Auth) -> Result<MemberRow, Error> {
    Ok(auth.0.member.clone())
}
