//! HTTP routes for subscriptions and the staff's newsletters (the unsubscribe page from mail is
//! the website's: `crate::web::newsletter`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde_json::json;

use super::issues::{self, Draft, Filters, IssueRow};
use crate::app::{ApiTags, App};
use crate::auth::Auth;
use crate::db::to_datetime;
use crate::error::{ApiResult, Error, Fields};
use crate::members::api::{TokenRequest, me};
use crate::values::{EmailAddress, Language, Phase};

pub struct NewsletterApi {
    pub app: App,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum List {
    Community,
    Alumni,
}

impl List {
    fn word(self) -> &'static str {
        match self {
            List::Community => "community",
            List::Alumni => "alumni",
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Subscription {
    pub list: String,
    /// `pending` until confirmed by mail, `active`, or `unsubscribed`.
    pub status: String,
}

/// The lists a member wants; absent lists stay as they are.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct SubscriptionsRequest {
    /// The community newsletter: for every member.
    pub community: Option<bool>,
    /// The alumni newsletter: `true` only for alumni and members who are leaving.
    pub alumni: Option<bool>,
}

#[derive(Object, Clone)]
#[oai(deny_unknown_fields)]
pub struct FiltersInput {
    pub phase: Option<Phase>,
    #[oai(validator(max_length = 200))]
    pub municipality: Option<String>,
    pub language: Option<Language>,
}

/// A newsletter issue. `subject` and `body` are keyed by language (`en` required, the fallback);
/// bodies are Markdown: links only to http(s) and mailto addresses (others show as text), no
/// images (their text shows), raw HTML shown as text.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct NewsletterInput {
    pub subject: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    pub segment: List,
    pub filters: Option<FiltersInput>,
    /// Also list the published events of the next N days.
    #[oai(validator(minimum(value = "1"), maximum(value = "90")))]
    pub upcoming_events_days: Option<i64>,
}

/// Changes to a draft; absent fields stay as they are. `subject` and `body` change only the
/// languages given (`null` for a language removes it; English stays required); `null` clears
/// `filters` or `upcoming_events_days`.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct NewsletterPatch {
    pub subject: Option<BTreeMap<String, Option<String>>>,
    pub body: Option<BTreeMap<String, Option<String>>>,
    pub segment: Option<List>,
    pub filters: MaybeUndefined<FiltersInput>,
    /// Also list the published events of the next N days.
    #[oai(validator(minimum(value = "1"), maximum(value = "90")))]
    pub upcoming_events_days: MaybeUndefined<i64>,
}

impl NewsletterPatch {
    /// The whole draft this patch makes of `current`, to validate like a new one.
    fn applied_to(self, current: &IssueRow) -> NewsletterInput {
        let merge = |mut texts: BTreeMap<String, String>,
                     changes: Option<BTreeMap<String, Option<String>>>| {
            for (lang, text) in changes.into_iter().flatten() {
                match text {
                    Some(t) => texts.insert(lang, t),
                    None => texts.remove(&lang),
                };
            }
            texts
        };
        let filters = current.filters();
        let mut current_filters = (filters != Filters::default()).then_some(FiltersInput {
            phase: filters.phase,
            municipality: filters.municipality,
            language: filters.language,
        });
        NewsletterInput {
            subject: merge(current.subjects(), self.subject),
            body: merge(current.bodies(), self.body),
            segment: self.segment.unwrap_or(if current.segment == "alumni" {
                List::Alumni
            } else {
                List::Community
            }),
            filters: {
                self.filters.update_to(&mut current_filters);
                current_filters
            },
            upcoming_events_days: {
                let mut days = current.upcoming_events_days;
                self.upcoming_events_days.update_to(&mut days);
                days
            },
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Counts {
    pub recipients: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    /// Unsubscribed, bouncing or closed meanwhile, or cancelled before sending.
    pub skipped: i64,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Newsletter {
    pub id: String,
    /// `campaign` or `digest`.
    pub kind: String,
    pub period_key: Option<String>,
    pub segment: String,
    pub subject: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    pub filters: serde_json::Value,
    pub upcoming_events_days: Option<i64>,
    /// draft, scheduled, sending, paused, sent or cancelled.
    pub status: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    pub counts: Counts,
    pub created_at: DateTime<Utc>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct PreviewRequest {
    /// Render as this member would see it (their language and name).
    pub account_id: uuid::Uuid,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Preview {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct TestRequest {
    #[oai(validator(max_length = 254))]
    pub email: String,
    pub language: Option<Language>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct ScheduleRequest {
    pub at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum Created {
    #[oai(status = 201)]
    Created(Json<Newsletter>),
}

#[derive(ApiResponse)]
enum Queued {
    #[oai(status = 202)]
    Queued,
}

/// The draft the request describes, checked by the domain (`issues::validate`).
fn draft(b: &NewsletterInput) -> Result<Draft, Error> {
    let filters = b.filters.clone();
    issues::validate(issues::DraftInput {
        subject: b.subject.clone(),
        body: b.body.clone(),
        segment: b.segment.word(),
        phase: filters.as_ref().and_then(|f| f.phase),
        municipality: filters.as_ref().and_then(|f| f.municipality.clone()),
        language: filters.as_ref().and_then(|f| f.language),
        upcoming_events_days: b.upcoming_events_days,
    })
}

async fn view(app: &App, row: IssueRow) -> Result<Newsletter, Error> {
    let c = issues::counts(app, &row.id).await?;
    Ok(Newsletter {
        subject: row.subjects(),
        body: row.bodies(),
        filters: serde_json::from_str(&row.filters).unwrap_or_else(|_| json!({})),
        counts: Counts {
            recipients: c.recipients,
            queued: c.queued,
            sent: c.sent,
            failed: c.failed,
            skipped: c.skipped,
        },
        scheduled_at: row.scheduled_at.map(to_datetime),
        started_at: row.started_at.map(to_datetime),
        finished_at: row.finished_at.map(to_datetime),
        created_at: to_datetime(row.created_at),
        id: row.id,
        kind: row.kind,
        period_key: row.period_key,
        segment: row.segment,
        upcoming_events_days: row.upcoming_events_days,
        status: row.status,
        pause_reason: row.pause_reason,
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Newsletter")]
impl NewsletterApi {
    /// My newsletter subscriptions
    ///
    /// Every list with the member's state on it (`pending` until confirmed by mail, `active`,
    /// `unsubscribed`).
    #[oai(path = "/me/subscriptions", method = "get")]
    async fn subscriptions(&self, auth: Auth) -> ApiResult<Json<Vec<Subscription>>> {
        let rows = super::subscriptions(&self.app, &auth.0.account_id).await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| Subscription {
                    list: r.list,
                    status: r.status,
                })
                .collect(),
        ))
    }

    /// Change my subscriptions
    ///
    /// Subscribing sends a confirmation mail (double opt-in); unsubscribing is immediate. Every
    /// change is recorded as consent. The `alumni` list is for alumni and members in the
    /// `leaving` phase: anybody else asking for it gets 422 naming the field `alumni`, and
    /// nothing changes (a subscription they already have stays, and can be ended).
    #[oai(path = "/me/subscriptions", method = "put")]
    async fn set_subscriptions(
        &self,
        auth: Auth,
        body: Json<SubscriptionsRequest>,
    ) -> ApiResult<Json<Vec<Subscription>>> {
        let changes: Vec<(&'static str, bool)> =
            [("community", body.community), ("alumni", body.alumni)]
                .into_iter()
                .filter_map(|(list, wanted)| wanted.map(|w| (list, w)))
                .collect();
        super::set_many(&self.app, &auth.0.account_id, &changes, "profile").await?;
        let rows = super::subscriptions(&self.app, &auth.0.account_id).await?;
        Ok(Json(
            rows.into_iter()
                .map(|r| Subscription {
                    list: r.list,
                    status: r.status,
                })
                .collect(),
        ))
    }

    /// Confirm a subscription
    ///
    /// With the token from the confirmation mail.
    #[oai(path = "/newsletter/confirm", method = "post")]
    async fn confirm(&self, body: Json<TokenRequest>) -> ApiResult<Json<Subscription>> {
        let list = super::confirm(&self.app, &body.token).await?;
        Ok(Json(Subscription {
            list,
            status: "active".into(),
        }))
    }

    /// Newsletters (staff)
    ///
    /// Every issue, newest first, with its status and delivery counts.
    #[oai(path = "/newsletters", method = "get")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<Newsletter>>> {
        auth.0.require_staff()?;
        let mut out = Vec::new();
        for row in issues::list(&self.app).await? {
            out.push(view(&self.app, row).await?);
        }
        Ok(Json(out))
    }

    /// Write a newsletter (staff)
    ///
    /// Creates a draft: subject and Markdown body per language (`en` required; members whose
    /// language is missing get English), for a list (`community` or `alumni`), optionally with the
    /// published events of the next N days.
    #[oai(path = "/newsletters", method = "post")]
    async fn create(&self, auth: Auth, body: Json<NewsletterInput>) -> ApiResult<Created> {
        auth.0.require_staff()?;
        let d = draft(&body.0)?;
        let row = issues::create(&self.app, &auth.0.account_id, d).await?;
        Ok(Created::Created(Json(view(&self.app, row).await?)))
    }

    /// A newsletter with its delivery counts (staff)
    ///
    /// The issue with its counts of deliveries queued, sent, failed and skipped.
    #[oai(path = "/newsletters/:id", method = "get")]
    async fn get(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::get(&self.app, &id.0.to_string()).await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Change a draft (staff)
    ///
    /// Partial, like every PATCH: absent fields stay as they are. Only a draft can change (409
    /// otherwise). `subject` and `body` change only the languages given.
    #[oai(path = "/newsletters/:id", method = "patch")]
    async fn update(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
        body: Json<NewsletterPatch>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::update(
            &self.app,
            &auth.0.account_id,
            &id.0.to_string(),
            |current| draft(&body.0.applied_to(current)),
        )
        .await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Preview for a member (staff)
    ///
    /// The issue rendered exactly as one member would receive it (their language, their name, their
    /// unsubscribe link), HTML and plain text. Sends nothing.
    #[oai(path = "/newsletters/:id/preview", method = "post")]
    async fn preview(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
        body: Json<PreviewRequest>,
    ) -> ApiResult<Json<Preview>> {
        auth.0.require_staff()?;
        let issue = issues::get(&self.app, &id.0.to_string()).await?;
        let member = crate::members::get(&self.app, &body.account_id.to_string()).await?;
        let r = issues::preview(
            &self.app,
            &issue,
            member.language(),
            member.first_name.as_deref().unwrap_or(""),
        )
        .await?;
        Ok(Json(Preview {
            subject: r.subject,
            text: r.text,
            html: r.html,
        }))
    }

    /// Send a test (staff)
    ///
    /// Mails the issue as it would look to an address of your choice.
    #[oai(path = "/newsletters/:id/test", method = "post")]
    async fn test(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
        body: Json<TestRequest>,
    ) -> ApiResult<Queued> {
        auth.0.require_staff()?;
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(&body.email));
        f.finish()?;
        let email = crate::checked!(email);
        let issue = issues::get(&self.app, &id.0.to_string()).await?;
        let staff = me(&auth).await?;
        let language = body.language.unwrap_or(Language::En);
        issues::send_test(
            &self.app,
            &issue,
            &email,
            language,
            staff.first_name.as_deref().unwrap_or(""),
        )
        .await?;
        Ok(Queued::Queued)
    }

    /// Schedule (staff)
    ///
    /// Sets the time the issue goes out; the scheduler starts it then. The audience is the list's
    /// active subscribers at that moment.
    #[oai(path = "/newsletters/:id/schedule", method = "post")]
    async fn schedule(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
        body: Json<ScheduleRequest>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::schedule(
            &self.app,
            &auth.0.account_id,
            &id.0.to_string(),
            body.at.timestamp_millis(),
        )
        .await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Send now (staff)
    ///
    /// Starts sending at once to every active subscriber of the list, each exactly once, also with
    /// several server instances.
    #[oai(path = "/newsletters/:id/send", method = "post")]
    async fn send(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::send_now(&self.app, &auth.0.account_id, &id.0.to_string()).await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Pause sending (staff)
    ///
    /// Stops handing out deliveries; those already handed to the mail server go on. Resume
    /// continues where it stopped.
    #[oai(path = "/newsletters/:id/pause", method = "post")]
    async fn pause(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::pause(&self.app, &auth.0.account_id, &id.0.to_string()).await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Resume sending (staff)
    ///
    /// Continues a paused issue where it stopped; nobody receives it twice.
    #[oai(path = "/newsletters/:id/resume", method = "post")]
    async fn resume(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::resume(&self.app, &auth.0.account_id, &id.0.to_string()).await?;
        Ok(Json(view(&self.app, row).await?))
    }

    /// Cancel (staff)
    ///
    /// What was not sent yet is skipped.
    #[oai(path = "/newsletters/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        auth: Auth,
        /// The newsletter's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Newsletter>> {
        auth.0.require_staff()?;
        let row = issues::cancel(&self.app, &auth.0.account_id, &id.0.to_string()).await?;
        Ok(Json(view(&self.app, row).await?))
    }
}
