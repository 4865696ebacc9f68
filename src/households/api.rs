//! HTTP routes for a member's household: its people, the partner invitation, dependents.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{Acceptance, DependentFields, Household, PartnerInvite, PendingInvitation, Person};
use crate::app::{ApiTags, App};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::members::api::{ConsentInput, Session, me};
use crate::values::{DependentRelation, Language, MemberRelation};

pub struct HouseholdsApi {
    pub app: App,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct PartnerInviteRequest {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(max_length = 100))]
    pub first_name: String,
    #[oai(validator(max_length = 100))]
    pub last_name: String,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation mail.
    #[oai(validator(max_length = 200))]
    pub token: String,
    /// The partner's language (default: the inviter's).
    pub language: Option<Language>,
    pub consent: ConsentInput,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Joined {
    pub household_id: String,
    #[oai(flatten)]
    pub session: Session,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct RelationInput {
    /// `partner`: I came along with the other adult (the accompanying partner); `primary`: my
    /// work or study brought the household here.
    pub relation: MemberRelation,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct NewDependent {
    #[oai(validator(max_length = 100))]
    pub first_name: String,
    #[oai(validator(max_length = 100))]
    pub last_name: Option<String>,
    pub birth_year: Option<i64>,
    pub relation: DependentRelation,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct DependentPatch {
    #[oai(validator(max_length = 100))]
    pub first_name: Option<String>,
    #[oai(validator(max_length = 100))]
    pub last_name: MaybeUndefined<String>,
    pub birth_year: Option<i64>,
    pub relation: Option<DependentRelation>,
}

#[derive(ApiResponse)]
enum InvitationSent {
    /// The invitation is on its way.
    #[oai(status = 202)]
    Sent(Json<PendingInvitation>),
}

#[derive(ApiResponse)]
enum DependentCreated {
    #[oai(status = 201)]
    Created(Json<Person>),
}

#[derive(ApiResponse)]
enum NoContent {
    #[oai(status = 204)]
    Done,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Households")]
impl HouseholdsApi {
    /// My household
    ///
    /// The people of the caller's household (the caller among them) and open partner
    /// invitations. Only members of the household see it.
    #[oai(path = "/me/household", method = "get")]
    async fn household(&self, auth: Auth) -> ApiResult<Json<Household>> {
        Ok(Json(super::view(&self.app, &auth.0.account_id).await?))
    }

    /// Invite my partner
    ///
    /// Mails the partner an invitation; on accepting they become a member in their own right, in
    /// this household. A new invitation replaces an open one.
    #[oai(path = "/me/household/partner", method = "post")]
    async fn invite_partner(
        &self,
        auth: Auth,
        body: Json<PartnerInviteRequest>,
    ) -> ApiResult<InvitationSent> {
        let invite = PartnerInvite::parse(&body.email, &body.first_name, &body.last_name)?;
        let inviter = me(&auth).await?;
        let invitation = super::invite_partner(&self.app, &inviter, invite).await?;
        Ok(InvitationSent::Sent(Json(invitation)))
    }

    /// Accept a partner invitation
    ///
    /// With the token from the invitation mail. Creates the partner's account (or moves an
    /// existing member into the household) and signs them in.
    #[oai(path = "/invitations/accept", method = "post")]
    async fn accept(&self, body: Json<AcceptInvitationRequest>) -> ApiResult<Json<Joined>> {
        let b = body.0;
        let (token, expires, household_id) = super::accept_invitation(
            &self.app,
            &b.token,
            Acceptance {
                language: b.language,
                privacy_policy: b.consent.privacy_policy,
                newsletter: b.consent.newsletter,
            },
        )
        .await?;
        Ok(Json(Joined {
            household_id,
            session: Session::new((token, expires)),
        }))
    }

    /// Leave my household
    ///
    /// The member gets a household of their own and keeps their account; dependents stay.
    #[oai(path = "/me/household/leave", method = "post")]
    async fn leave(&self, auth: Auth) -> ApiResult<Json<Household>> {
        let member = me(&auth).await?;
        Ok(Json(super::leave(&self.app, &member).await?))
    }

    /// Say whether I am the accompanying partner
    ///
    /// `partner` if I came along with the other adult of the household, `primary` if my work or
    /// study brought us here, whichever of us signed up first. Partner programmes and events
    /// are for the `partner`. The household's other member with an account takes the other role
    /// at once, so either adult may set it for both. A member alone may be the partner; whoever
    /// they invite later joins as the primary. Applications already made stay as they are.
    /// Answers the household with everybody's relation.
    #[oai(path = "/me/household/relation", method = "put")]
    async fn set_relation(
        &self,
        auth: Auth,
        body: Json<RelationInput>,
    ) -> ApiResult<Json<Household>> {
        let member = me(&auth).await?;
        Ok(Json(
            super::set_relation(&self.app, &member, body.relation).await?,
        ))
    }

    /// Add a dependent
    ///
    /// A child or other person without a sign-in of their own.
    #[oai(path = "/me/household/dependents", method = "post")]
    async fn add_dependent(
        &self,
        auth: Auth,
        body: Json<NewDependent>,
    ) -> ApiResult<DependentCreated> {
        let b = body.0;
        let input = DependentFields {
            first_name: Some(&b.first_name),
            last_name: Some(b.last_name.as_deref()),
            birth_year: b.birth_year,
            relation: Some(b.relation),
        }
        .parse()?;
        let member = me(&auth).await?;
        let person = super::add_dependent(&self.app, &member, input).await?;
        Ok(DependentCreated::Created(Json(person)))
    }

    /// Change a dependent
    ///
    /// Partial: absent fields stay as they are. Only members of the dependent's household may
    /// change them.
    #[oai(path = "/me/household/dependents/:id", method = "patch")]
    async fn update_dependent(
        &self,
        auth: Auth,
        /// The dependent's id.
        id: Path<uuid::Uuid>,
        body: Json<DependentPatch>,
    ) -> ApiResult<Json<Person>> {
        let b = body.0;
        let last_name = match &b.last_name {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v.as_str())),
        };
        let input = DependentFields {
            first_name: b.first_name.as_deref(),
            last_name,
            birth_year: b.birth_year,
            relation: b.relation,
        }
        .parse()?;
        let member = me(&auth).await?;
        let person = super::update_dependent(&self.app, &member, &id.0.to_string(), input).await?;
        Ok(Json(person))
    }

    /// Remove a dependent
    ///
    /// Erases the dependent's personal data; past event counts keep an anonymous trace. Only
    /// members of the household may do this.
    #[oai(path = "/me/household/dependents/:id", method = "delete")]
    async fn remove_dependent(
        &self,
        auth: Auth,
        /// The dependent's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<NoContent> {
        let member = me(&auth).await?;
        super::remove_dependent(&self.app, &member, &id.0.to_string()).await?;
        Ok(NoContent::Done)
    }
}
