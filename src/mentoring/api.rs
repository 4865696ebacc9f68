//! HTTP routes for mentor programmes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::{Application, ApplicationRow, MatchRow, NewProgramme, ProgrammeRow, list_of};
use crate::app::{ApiTags, App};
use crate::auth::Auth;
use crate::db::to_datetime;
use crate::error::{ApiResult, Error, Fields};
use crate::members::api::me;
use crate::payload::OptionalJson;

pub struct MentoringApi {
    pub app: App,
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum ProgrammeAudience {
    /// Mentees are members whose household role is `partner` (the accompanying partner).
    Partners,
    Everyone,
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum ProgrammeStatus {
    Open,
    Closed,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct ProgrammeInput {
    /// Keyed by language; `en` required.
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub audience: ProgrammeAudience,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[oai(validator(minimum(value = "1"), maximum(value = "20")))]
    pub max_mentees_per_mentor: i64,
    pub status: Option<ProgrammeStatus>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Programme {
    pub id: String,
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub audience: String,
    pub starts_on: String,
    pub ends_on: String,
    pub max_mentees_per_mentor: i64,
    pub status: String,
}

impl From<ProgrammeRow> for Programme {
    fn from(p: ProgrammeRow) -> Self {
        Programme {
            name: p.names(),
            description: p.descriptions(),
            id: p.id,
            audience: p.audience,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            max_mentees_per_mentor: p.max_mentees_per_mentor,
            status: p.status,
        }
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct MentorInput {
    #[oai(validator(max_items = 20))]
    pub expertise: Vec<String>,
    #[oai(validator(max_items = 20))]
    pub sectors: Vec<String>,
    #[oai(validator(max_items = 10))]
    pub languages: Vec<String>,
    /// How many mentees you take (at most the programme's maximum).
    #[oai(validator(minimum(value = "1"), maximum(value = "20")))]
    pub capacity: i64,
    #[oai(validator(max_length = 2000))]
    pub bio: Option<String>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct MenteeInput {
    #[oai(validator(min_items = 1, max_items = 20))]
    pub goals: Vec<String>,
    #[oai(validator(max_length = 200))]
    pub sector: Option<String>,
    #[oai(validator(max_items = 10))]
    pub languages: Vec<String>,
    #[oai(validator(max_length = 500))]
    pub availability: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApplicationOut {
    pub id: String,
    pub programme_id: String,
    pub account_id: String,
    pub role: String,
    pub expertise: Vec<String>,
    pub sectors: Vec<String>,
    pub languages: Vec<String>,
    pub goals: Vec<String>,
    pub sector: Option<String>,
    pub availability: Option<String>,
    pub bio: Option<String>,
    pub capacity: i64,
    /// Live mentees (mentors).
    pub mentees: i64,
    pub status: String,
}

impl From<ApplicationRow> for ApplicationOut {
    fn from(a: ApplicationRow) -> Self {
        ApplicationOut {
            expertise: list_of(&a.expertise),
            sectors: list_of(&a.sectors),
            languages: list_of(&a.languages),
            goals: list_of(&a.goals),
            id: a.id,
            programme_id: a.programme_id,
            account_id: a.account_id,
            role: a.role,
            sector: a.sector,
            availability: a.availability,
            bio: a.bio,
            capacity: a.capacity,
            mentees: a.mentees,
            status: a.status,
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Ranked {
    pub mentor: ApplicationOut,
    /// The mentor's first and last name.
    pub mentor_name: String,
    pub score: i64,
    pub reasons: Vec<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MenteeSuggestions {
    pub mentee: ApplicationOut,
    /// The mentee's first and last name.
    pub mentee_name: String,
    pub mentors: Vec<Ranked>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct MatchRequest {
    pub mentor_id: uuid::Uuid,
    pub mentee_id: uuid::Uuid,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Match {
    pub id: String,
    pub programme_id: String,
    pub mentor_id: String,
    pub mentee_id: String,
    /// matched, active, completed or withdrawn.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The mentor's feedback: shown to the mentor and to staff only.
    pub mentor_rating: Option<i64>,
    /// The mentor's comment: shown to the mentor and to staff only.
    pub mentor_comment: Option<String>,
    /// The mentee's feedback: shown to the mentee and to staff only.
    pub mentee_rating: Option<i64>,
    /// The mentee's comment: shown to the mentee and to staff only.
    pub mentee_comment: Option<String>,
    /// Who withdrew the match: `mentor`, `mentee` or `staff` (absent when the match ended
    /// because a member's data was erased).
    pub withdrawn_by: Option<String>,
    /// Why, if they said: told to the other person by mail.
    pub withdrawal_reason: Option<String>,
}

impl From<MatchRow> for Match {
    fn from(m: MatchRow) -> Self {
        Match {
            created_at: to_datetime(m.created_at),
            started_at: m.started_at.map(to_datetime),
            ended_at: m.ended_at.map(to_datetime),
            id: m.id,
            programme_id: m.programme_id,
            mentor_id: m.mentor_id,
            mentee_id: m.mentee_id,
            status: m.status,
            mentor_rating: m.mentor_rating,
            mentor_comment: m.mentor_comment,
            mentee_rating: m.mentee_rating,
            mentee_comment: m.mentee_comment,
            withdrawn_by: m.withdrawn_by,
            withdrawal_reason: m.withdrawal_reason,
        }
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct WithdrawInput {
    /// Why the match ends, in a few words; the other person reads it in the mail that tells
    /// them (and staff see it). Leave it out to give none.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct FeedbackInput {
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub rating: i64,
    #[oai(validator(max_length = 2000))]
    pub comment: Option<String>,
}

/// The other person of a match, shown once matched.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Contact {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MyMentoring {
    pub application: ApplicationOut,
    #[oai(rename = "match")]
    pub the_match: Option<Match>,
    pub contact: Option<Contact>,
}

#[derive(ApiResponse)]
enum ProgrammeCreated {
    #[oai(status = 201)]
    Created(Json<Programme>),
}

#[derive(ApiResponse)]
enum Applied {
    #[oai(status = 201)]
    Created(Json<ApplicationOut>),
}

#[derive(ApiResponse)]
enum Matched {
    #[oai(status = 201)]
    Created(Json<Match>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Mentoring")]
impl MentoringApi {
    /// Mentor programmes
    ///
    /// Every programme with its audience, dates, languages and whether it takes applications. For
    /// signed-in members.
    #[oai(path = "/programmes", method = "get")]
    async fn list(&self, _auth: Auth) -> ApiResult<Json<Vec<Programme>>> {
        Ok(Json(
            super::programmes(&self.app)
                .await?
                .into_iter()
                .map(Programme::from)
                .collect(),
        ))
    }

    /// Create a programme (staff)
    ///
    /// A programme is open to `everyone` or to `partners` (as mentees, members whose household
    /// role is `partner`: the accompanying partner, whichever adult signed up first); its title
    /// and description are given per language.
    #[oai(path = "/programmes", method = "post")]
    async fn create(&self, auth: Auth, body: Json<ProgrammeInput>) -> ApiResult<ProgrammeCreated> {
        auth.0.require_staff()?;
        let b = body.0;
        let mut f = Fields::default();
        let name = super::programme_texts(&mut f, "name", &b.name, 200);
        let description = super::programme_texts(&mut f, "description", &b.description, 5000);
        f.finish()?;
        let p = super::create_programme(
            &self.app,
            &auth.0.account_id,
            NewProgramme {
                name,
                description,
                audience: match b.audience {
                    ProgrammeAudience::Partners => "partners",
                    ProgrammeAudience::Everyone => "everyone",
                },
                starts_on: b.starts_on,
                ends_on: b.ends_on,
                max_mentees_per_mentor: b.max_mentees_per_mentor,
                status: match b.status {
                    Some(ProgrammeStatus::Closed) => "closed",
                    _ => "open",
                },
            },
        )
        .await?;
        Ok(ProgrammeCreated::Created(Json(p.into())))
    }

    /// A programme
    ///
    /// One programme as members see it.
    #[oai(path = "/programmes/:id", method = "get")]
    async fn get(
        &self,
        _auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Programme>> {
        let p = super::find_programme(&self.app.db.read, &id.0.to_string())
            .await?
            .ok_or(Error::NotFound("programme"))?;
        Ok(Json(p.into()))
    }

    /// Close a programme to applications (staff)
    ///
    /// No new applications as mentor or mentee; running matches go on.
    #[oai(path = "/programmes/:id/close", method = "post")]
    async fn close(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Programme>> {
        auth.0.require_staff()?;
        Ok(Json(
            super::set_programme_status(&self.app, &auth.0.account_id, &id.0.to_string(), "closed")
                .await?
                .into(),
        ))
    }

    /// Apply as mentor
    ///
    /// With your sectors, languages, expertise and how many mentees you take. One application per
    /// programme; applying again changes it.
    #[oai(path = "/programmes/:id/mentors", method = "post")]
    async fn apply_mentor(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        body: Json<MentorInput>,
    ) -> ApiResult<Applied> {
        let b = body.0;
        let application = Application::mentor(
            &b.expertise,
            &b.sectors,
            &b.languages,
            b.capacity,
            b.bio.as_deref(),
        )?;
        let member = me(&auth).await?;
        let a = super::apply(&self.app, &member, &id.0.to_string(), application).await?;
        Ok(Applied::Created(Json(a.into())))
    }

    /// Apply as mentee
    ///
    /// For a `partners` programme, only members whose household role is `partner`: the
    /// accompanying partner. A member who signed up first but came along with the other adult
    /// says so first with `PUT /api/v1/me/household/relation` (403 otherwise).
    #[oai(path = "/programmes/:id/mentees", method = "post")]
    async fn apply_mentee(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        body: Json<MenteeInput>,
    ) -> ApiResult<Applied> {
        let b = body.0;
        let application = Application::mentee(
            &b.goals,
            b.sector.as_deref(),
            &b.languages,
            b.availability.as_deref(),
        )?;
        let member = me(&auth).await?;
        let a = super::apply(&self.app, &member, &id.0.to_string(), application).await?;
        Ok(Applied::Created(Json(a.into())))
    }

    /// Applications (staff)
    ///
    /// Every mentor and mentee application of the programme, with its state.
    #[oai(path = "/programmes/:id/applications", method = "get")]
    async fn applications(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Vec<ApplicationOut>>> {
        auth.0.require_staff()?;
        Ok(Json(
            super::applications(&self.app, &id.0.to_string())
                .await?
                .into_iter()
                .map(ApplicationOut::from)
                .collect(),
        ))
    }

    /// Suggested mentors for each unmatched mentee (staff)
    ///
    /// Ranked by shared sector, languages, goals found in the mentor's expertise, and free places;
    /// each with the reasons for its score, and the mentee's and each mentor's name. A mentor
    /// whose match with the mentee was withdrawn is not suggested to them again.
    #[oai(path = "/programmes/:id/suggestions", method = "get")]
    async fn suggestions(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Vec<MenteeSuggestions>>> {
        auth.0.require_staff()?;
        let list = super::suggestions(&self.app, &id.0.to_string()).await?;
        Ok(Json(
            list.into_iter()
                .map(|m| MenteeSuggestions {
                    mentee: m.mentee.into(),
                    mentee_name: m.name,
                    mentors: m
                        .mentors
                        .into_iter()
                        .map(|(s, name)| Ranked {
                            mentor: s.mentor.into(),
                            mentor_name: name,
                            score: s.score,
                            reasons: s.reasons.iter().map(super::Reason::english).collect(),
                        })
                        .collect(),
                })
                .collect(),
        ))
    }

    /// Confirm a match (staff)
    ///
    /// Both are introduced by mail. A mentor never gets more mentees than their capacity.
    #[oai(path = "/programmes/:id/matches", method = "post")]
    async fn confirm(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        body: Json<MatchRequest>,
    ) -> ApiResult<Matched> {
        auth.0.require_staff()?;
        let m = super::confirm_match(
            &self.app,
            &auth.0.account_id,
            &id.0.to_string(),
            &body.mentor_id.to_string(),
            &body.mentee_id.to_string(),
        )
        .await?;
        Ok(Matched::Created(Json(m.into())))
    }

    /// Matches (staff)
    ///
    /// Every match of the programme with its state (`matched`, `active`, `completed`,
    /// `withdrawn`), both people's feedback, and who withdrew it and why.
    #[oai(path = "/programmes/:id/matches", method = "get")]
    async fn matches(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Vec<Match>>> {
        auth.0.require_staff()?;
        Ok(Json(
            super::matches(&self.app, &id.0.to_string())
                .await?
                .into_iter()
                .map(Match::from)
                .collect(),
        ))
    }

    /// Mark a match active: they met (staff)
    ///
    /// From `matched` to `active`: the mentor and mentee have met. 409 from any other state.
    #[oai(path = "/programmes/:id/matches/:match_id/start", method = "post")]
    async fn start(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        /// The match's id.
        match_id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Match>> {
        self.advance(auth, id, match_id, "active").await
    }

    /// Complete a match (staff)
    ///
    /// From `active` to `completed`; both may then leave feedback. 409 from any other state.
    #[oai(path = "/programmes/:id/matches/:match_id/complete", method = "post")]
    async fn complete(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        /// The match's id.
        match_id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Match>> {
        self.advance(auth, id, match_id, "completed").await
    }

    /// Withdraw from a match (its mentor or mentee, or staff); the mentor's place frees up
    ///
    /// Ends a `matched` or `active` match (409 from any other state). The mentor or the mentee
    /// withdraws from their own match; staff from any. The body may be left out, or be
    /// `{"reason": "…"}`.
    /// Whoever did not withdraw is told by mail, in their language, with the reason if one was
    /// given; when staff withdraw, both are told. The mentor can take another mentee, and the
    /// mentee can be matched again, with another mentor. For anyone else the match does not
    /// exist (404). Answers the match as the caller sees it.
    #[oai(path = "/programmes/:id/matches/:match_id/withdraw", method = "post")]
    async fn withdraw(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        /// The match's id.
        match_id: Path<uuid::Uuid>,
        body: OptionalJson<WithdrawInput>,
    ) -> ApiResult<Json<Match>> {
        let given = body.0.and_then(|b| b.reason);
        Ok(Json(
            super::withdraw(
                &self.app,
                &auth.0.account_id,
                auth.0.role.is_staff(),
                &id.0.to_string(),
                &match_id.0.to_string(),
                given.as_deref(),
            )
            .await?
            .into(),
        ))
    }

    /// Leave feedback on a completed match (its mentor or mentee)
    ///
    /// A rating from 1 to 5 and an optional comment, for the centre. Each party sees only their
    /// own feedback, here and in `GET /api/v1/me/mentoring`; staff see both. The other party
    /// finds it in their data export (`GET /api/v1/me/export`), as from their mentor or mentee.
    #[oai(path = "/programmes/:id/matches/:match_id/feedback", method = "post")]
    async fn feedback(
        &self,
        auth: Auth,
        /// The programme's id.
        id: Path<uuid::Uuid>,
        /// The match's id.
        match_id: Path<uuid::Uuid>,
        body: Json<FeedbackInput>,
    ) -> ApiResult<Json<Match>> {
        let member = me(&auth).await?;
        Ok(Json(
            super::feedback(
                &self.app,
                &member,
                &id.0.to_string(),
                &match_id.0.to_string(),
                body.rating,
                body.comment.as_deref(),
            )
            .await?
            .into(),
        ))
    }

    /// My mentoring
    ///
    /// My applications and matches, with the other person's contact once matched (until the match
    /// is withdrawn). Each match shows my own feedback only, never the other person's.
    #[oai(path = "/me/mentoring", method = "get")]
    async fn mine(&self, auth: Auth) -> ApiResult<Json<Vec<MyMentoring>>> {
        let list = super::mine(&self.app, &auth.0.account_id).await?;
        Ok(Json(
            list.into_iter()
                .map(|(a, m, other)| MyMentoring {
                    application: a.into(),
                    the_match: m.map(Match::from),
                    contact: other.map(|o| Contact {
                        name: o.full_name(),
                        email: o.email,
                    }),
                })
                .collect(),
        ))
    }
}

impl MentoringApi {
    async fn advance(
        &self,
        auth: Auth,
        id: Path<uuid::Uuid>,
        match_id: Path<uuid::Uuid>,
        to: &'static str,
    ) -> ApiResult<Json<Match>> {
        auth.0.require_staff()?;
        Ok(Json(
            super::advance_in(
                &self.app,
                &auth.0.account_id,
                &id.0.to_string(),
                &match_id.0.to_string(),
                to,
            )
            .await?
            .into(),
        ))
    }
}
