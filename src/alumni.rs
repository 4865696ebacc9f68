//! The alumni life cycle: a member records their departure (phase `leaving`), a daily job makes
//! them alumni on the leaving date (status `alumni`, from the community list to the alumni list
//! when they chose to keep in touch, a farewell mail), alumni choose what the directory shows,
//! and an alumnus who moves back becomes a resident again, keeping their history.
//! Retention jobs live here too: unconfirmed sign-ups are removed after 7 days, and (when
//! `ALUMNI_RETENTION_YEARS` is set) long-inactive alumni are reminded, then erased.

use chrono::NaiveDate;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde_json::json;

use crate::app::{ApiTags, App};
use crate::audit;
use crate::auth::Auth;
use crate::db::{Tx, now_ms};
use crate::error::{ApiResult, Error, Fields, Result};
use crate::mail::{self, Mail};
use crate::members::{self, MemberRow};
use crate::values::{CountryCode, ShortText};

/// Days an inactive alumnus has, after the reminder, to sign in before erasure.
pub const RETENTION_GRACE_DAYS: i64 = 30;
/// Days an unconfirmed sign-up is kept.
pub const UNVERIFIED_DAYS: i64 = 7;

pub struct Departure {
    pub leaving_on: NaiveDate,
    pub country: CountryCode,
    pub city: Option<ShortText>,
    pub keep_in_touch: bool,
    /// Whether the others of the household with an account leave too.
    pub household: bool,
}

fn today(app: &App) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&app.config.timezone)
        .date_naive()
}

/// Records a departure for the member (and by default the household). Answers who leaves.
pub async fn record_departure(
    app: &App,
    actor: &str,
    member: &MemberRow,
    d: Departure,
) -> Result<Vec<String>> {
    let today = today(app);
    if d.leaving_on < today - chrono::Duration::days(60)
        || d.leaving_on > today + chrono::Duration::days(730)
    {
        return Err(Error::field(
            "leaving_on",
            "must be within 60 days back and two years ahead",
        ));
    }
    if member.status != "active" {
        return Err(Error::Conflict(
            "only a resident member can leave; alumni already have".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    let who: Vec<String> = departing(tx.conn(), member, d.household)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let now = now_ms();
    let destination = [
        d.city.as_ref().map(|c| c.as_str().to_owned()),
        Some(d.country.as_str().to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    for id in &who {
        // Only the person themselves says whether they keep in touch; the others are asked.
        let own_choice = id == actor;
        sqlx::query(
            "UPDATE accounts SET phase = 'leaving', leaving_on = $2, destination_country = $3, destination_city = $4, \
             keep_in_touch = $5, updated_at = $6 WHERE person_id = $1",
        )
        .bind(id)
        .bind(d.leaving_on.to_string())
        .bind(d.country.as_str())
        .bind(d.city.as_ref().map(ShortText::as_str))
        .bind(i64::from(own_choice && d.keep_in_touch))
        .bind(now)
        .execute(tx.conn())
        .await?;
        if own_choice {
            members::record_consent(&mut tx, id, "keep_in_touch", d.keep_in_touch, "departure")
                .await?;
        } else {
            ask_to_keep_in_touch(app, &mut tx, actor, id, &destination, d.leaving_on).await?;
        }
        audit::record(&mut tx, actor, "member.departure_recorded", Some(id), None).await?;
    }
    tx.commit().await?;
    Ok(who)
}

/// Mails a member whose departure somebody else recorded (their partner, the centre) to ask
/// whether they want to stay in the alumni network; they answer themselves, signed in
/// ([`set_keep_in_touch`]).
async fn ask_to_keep_in_touch(
    app: &App,
    tx: &mut Tx,
    actor: &str,
    account_id: &str,
    destination: &str,
    leaving_on: NaiveDate,
) -> Result<()> {
    let Some(member) = members::find(tx.conn(), account_id).await? else {
        return Ok(());
    };
    let Some(email) = member.email_address() else {
        return Ok(());
    };
    let announcer = match members::find(tx.conn(), actor).await? {
        Some(a) if a.household_id == member.household_id => a.full_name(),
        _ => "Expat Centre Limburg".to_owned(),
    };
    mail::enqueue(
        tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "keep_in_touch_question",
            to: &email,
            language: member.language(),
            account_id: Some(account_id),
            context: json!({
                "first_name": member.first_name.clone().unwrap_or_default(),
                "announcer": announcer,
                "destination": destination,
                "leaving_on": leaving_on.to_string(),
                "sign_in_link": app.config.link("/sign-in"),
            }),
            idempotency_key: format!("keep_in_touch_question:{account_id}:{leaving_on}"),
        },
    )
    .await
}

/// A member who is leaving (or has left) says themselves whether they stay in the alumni
/// network; recorded as their consent. An alumnus who says yes is on the alumni list at once,
/// one who says no is taken off it.
pub async fn set_keep_in_touch(app: &App, member: &MemberRow, keep: bool) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE accounts SET keep_in_touch = $2, updated_at = $3 WHERE person_id = $1 \
         AND (status = 'alumni' OR (status = 'active' AND leaving_on IS NOT NULL))",
    )
    .bind(&member.id)
    .bind(i64::from(keep))
    .bind(now_ms())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(
            "there is no departure to answer for: record your departure first".into(),
        ));
    }
    members::record_consent(&mut tx, &member.id, "keep_in_touch", keep, "member").await?;
    if member.status == "alumni" {
        if keep {
            join_alumni_list(&mut tx, &member.id).await?;
        } else {
            crate::newsletter::unsubscribe_in(&mut tx, &member.id, "alumni", "keep_in_touch")
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Onto the alumni list: the member asked for it themselves (their own keep-in-touch answer,
/// given signed in), so the subscription is active without another confirmation.
async fn join_alumni_list(tx: &mut Tx, account_id: &str) -> Result<()> {
    let now = now_ms();
    let joined = sqlx::query(
        "INSERT INTO subscriptions (account_id, list, status, unsubscribe_key, requested_at, confirmed_at, updated_at) \
         VALUES ($1, 'alumni', 'active', $2, $3, $3, $3) \
         ON CONFLICT (account_id, list) DO UPDATE SET status = 'active', confirmed_at = $3, updated_at = $3 \
         WHERE subscriptions.status <> 'active'",
    )
    .bind(account_id)
    .bind(crate::auth::new_secret().0)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if joined > 0 {
        members::record_consent(tx, account_id, "newsletter:alumni", true, "keep_in_touch").await?;
    }
    Ok(())
}

/// Puts a member into the alumni directory, or takes them out, with the fields it shows
/// (`None`: as they are). Every way into or out of the directory goes through here and is
/// recorded as consent with its time and source. Only the member may put themselves in.
pub async fn set_directory(
    tx: &mut Tx,
    account_id: &str,
    visible: bool,
    fields: Option<&[DirectoryField]>,
    source: &str,
) -> Result<()> {
    let fields = fields
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let changed = sqlx::query(
        "UPDATE accounts SET directory_visible = $2, directory_fields = COALESCE($3, directory_fields), \
         updated_at = $4 WHERE person_id = $1 AND (directory_visible <> $2 OR $3 IS NOT NULL)",
    )
    .bind(account_id)
    .bind(i64::from(visible))
    .bind(fields)
    .bind(now_ms())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed > 0 {
        members::record_consent(tx, account_id, "alumni_directory", visible, source).await?;
    }
    Ok(())
}

/// The accounts (id, role) a departure recorded for `member` changes: the member and, when the
/// household leaves together, its other residents.
pub async fn departing(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    member: &MemberRow,
    household: bool,
) -> Result<Vec<(String, String)>> {
    let mut who = vec![(member.id.clone(), member.role.clone())];
    if household {
        let others: Vec<(String, String)> = sqlx::query_as(
            "SELECT p.id, a.role FROM people p JOIN accounts a ON a.person_id = p.id \
             WHERE p.household_id = $1 AND p.id <> $2 AND a.status = 'active'",
        )
        .bind(&member.household_id)
        .bind(&member.id)
        .fetch_all(exec)
        .await?;
        who.extend(others);
    }
    Ok(who)
}

/// The daily switch: members whose leaving date has come become alumni. Idempotent.
pub async fn make_alumni(app: &App) -> Result<usize> {
    let due: Vec<(String,)> = sqlx::query_as(
        "SELECT person_id FROM accounts WHERE status = 'active' AND leaving_on IS NOT NULL AND leaving_on <= $1 ORDER BY person_id",
    )
    .bind(today(app).to_string())
    .fetch_all(&app.db.read)
    .await?;
    let mut done = 0;
    for (id,) in due {
        let mut tx = app.db.begin().await?;
        let now = now_ms();
        let changed = sqlx::query(
            "UPDATE accounts SET status = 'alumni', alumni_since = $2, updated_at = $2 WHERE person_id = $1 AND status = 'active'",
        )
        .bind(&id)
        .bind(now)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if changed == 0 {
            continue;
        }
        let member = members::find(tx.conn(), &id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        let keep = move_lists(&mut tx, &member).await?;
        farewell(app, &mut tx, &member, keep).await?;
        audit::record(&mut tx, "system", "member.became_alumnus", Some(&id), None).await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}

/// Off the community list; onto the alumni list when they chose to keep in touch.
async fn move_lists(tx: &mut Tx, member: &MemberRow) -> Result<bool> {
    let (keep,): (i64,) = sqlx::query_as("SELECT keep_in_touch FROM accounts WHERE person_id = $1")
        .bind(&member.id)
        .fetch_one(tx.conn())
        .await?;
    let now = now_ms();
    let left = sqlx::query(
        "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = $2 \
         WHERE account_id = $1 AND list = 'community' AND status <> 'unsubscribed'",
    )
    .bind(&member.id)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if left > 0 {
        members::record_consent(tx, &member.id, "newsletter:community", false, "departure").await?;
    }
    if keep == 1 {
        join_alumni_list(tx, &member.id).await?;
    }
    Ok(keep == 1)
}

async fn farewell(app: &App, tx: &mut Tx, member: &MemberRow, keep: bool) -> Result<()> {
    let Some(email) = member.email_address() else {
        return Ok(());
    };
    let (country, city): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT destination_country, destination_city FROM accounts WHERE person_id = $1",
    )
    .bind(&member.id)
    .fetch_one(tx.conn())
    .await?;
    let destination = [city, country]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    mail::enqueue(
        tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "farewell",
            to: &email,
            language: member.language(),
            account_id: Some(&member.id),
            context: json!({"first_name": member.first_name.clone().unwrap_or_default(), "destination": destination, "keep_in_touch": keep}),
            idempotency_key: format!("farewell:{}:{}", member.id, today(app)),
        },
    )
    .await
}

/// An alumnus moves back: a resident again (phase `coming_in`), history kept.
pub async fn come_back(app: &App, member: &MemberRow) -> Result<()> {
    if member.status != "alumni" {
        return Err(Error::Conflict("only alumni can come back".into()));
    }
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE accounts SET status = 'active', phase = 'coming_in', leaving_on = NULL, returned_at = $2, updated_at = $2 \
         WHERE person_id = $1 AND status = 'alumni'",
    )
    .bind(&member.id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    audit::record(
        &mut tx,
        &member.id,
        "member.returned",
        Some(&member.id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes sign-ups never confirmed within 7 days, with everything they left behind.
pub async fn remove_unverified(app: &App) -> Result<usize> {
    let cutoff = now_ms() - UNVERIFIED_DAYS * 86_400_000;
    let stale: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.person_id, p.household_id FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.status = 'pending' AND a.created_at < $1",
    )
    .bind(cutoff)
    .fetch_all(&app.db.read)
    .await?;
    let mut tx = app.db.begin().await?;
    for (id, household) in &stale {
        members::delete_pending(&mut tx, id, household).await?;
    }
    audit::record(
        &mut tx,
        "system",
        "retention.unverified_removed",
        None,
        Some(json!({"count": stale.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(stale.len())
}

/// Alumni inactive for `years`: reminded once, erased when still inactive after the grace days.
/// Answers (reminded, erased).
pub async fn retain_alumni(app: &App, years: i64) -> Result<(usize, usize)> {
    let now = now_ms();
    let cutoff = now - years * 365 * 86_400_000;
    let inactive: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT person_id, retention_reminded_at FROM accounts WHERE status = 'alumni' \
         AND COALESCE(last_seen_at, alumni_since, created_at) < $1 ORDER BY person_id",
    )
    .bind(cutoff)
    .fetch_all(&app.db.read)
    .await?;
    let (mut reminded, mut erased) = (0, 0);
    for (id, reminded_at) in inactive {
        match reminded_at {
            None => {
                let mut tx = app.db.begin().await?;
                let Some(member) = members::find(tx.conn(), &id).await? else {
                    continue;
                };
                sqlx::query("UPDATE accounts SET retention_reminded_at = $2 WHERE person_id = $1")
                    .bind(&id)
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
                if let Some(email) = member.email_address() {
                    mail::enqueue(
                        &mut tx,
                        &app.templates,
                        &app.config,
                        Mail {
                            kind: "alumni_reminder",
                            to: &email,
                            language: member.language(),
                            account_id: Some(&id),
                            context: json!({"first_name": member.first_name.clone().unwrap_or_default(), "years": years,
                                            "days": RETENTION_GRACE_DAYS, "sign_in_link": app.config.link("/sign-in")}),
                            idempotency_key: format!("alumni_reminder:{id}:{now}"),
                        },
                    )
                    .await?;
                }
                audit::record(
                    &mut tx,
                    "system",
                    "retention.alumnus_reminded",
                    Some(&id),
                    None,
                )
                .await?;
                tx.commit().await?;
                reminded += 1;
            }
            Some(at) if at < now - RETENTION_GRACE_DAYS * 86_400_000 => {
                crate::privacy::erase(app, "system:retention", &id).await?;
                erased += 1;
            }
            Some(_) => {}
        }
    }
    Ok((reminded, erased))
}

// ---------------------------------------------------------------- HTTP

pub struct AlumniApi {
    pub app: App,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct DepartureInput {
    pub leaving_on: NaiveDate,
    /// ISO 3166-1 alpha-2.
    #[oai(validator(max_length = 2))]
    pub destination_country: String,
    #[oai(validator(max_length = 200))]
    pub destination_city: Option<String>,
    /// Stay in the network: the alumni newsletter and directory. Your own choice only: other
    /// members of the household (and a member whose departure the centre records) are asked by
    /// mail and answer themselves (`PUT /me/keep-in-touch`).
    pub keep_in_touch: bool,
    /// Whether the household's other members leave too (default true).
    pub household: Option<bool>,
}

/// A leaving member's own answer: stay in the alumni network or not.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct KeepInTouchInput {
    pub keep_in_touch: bool,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartureRecorded {
    /// The members (account ids) whose departure was recorded.
    pub leaving: Vec<String>,
    pub leaving_on: NaiveDate,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DirectoryField {
    FirstName,
    LastName,
    DestinationCountry,
    DestinationCity,
    Employer,
    Email,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct DirectoryInput {
    /// Appear in the alumni directory.
    pub visible: bool,
    /// What it shows of you.
    #[oai(validator(max_items = 6))]
    pub fields: Vec<DirectoryField>,
}

#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
pub struct DirectoryEntry {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub destination_country: Option<String>,
    pub destination_city: Option<String>,
    pub employer: Option<String>,
    pub email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    destination_country: Option<String>,
    destination_city: Option<String>,
    employer: Option<String>,
    email: Option<String>,
    directory_fields: String,
}

fn departure_from(f: &mut Fields, b: &DepartureInput) -> Option<Departure> {
    let country = f.check(
        "destination_country",
        CountryCode::parse(&b.destination_country),
    );
    let city = f.check_opt(
        "destination_city",
        b.destination_city.as_deref(),
        ShortText::parse,
    );
    Some(Departure {
        leaving_on: b.leaving_on,
        country: country?,
        city,
        keep_in_touch: b.keep_in_touch,
        household: b.household.unwrap_or(true),
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Alumni")]
impl AlumniApi {
    /// Record my departure
    ///
    /// Sets the phase `leaving`; on the leaving date a daily job makes the member an alumnus.
    /// The household leaves together unless `household` is false.
    #[oai(path = "/me/departure", method = "post")]
    async fn departure(
        &self,
        auth: Auth,
        body: Json<DepartureInput>,
    ) -> ApiResult<Json<DepartureRecorded>> {
        let mut f = Fields::default();
        let d = departure_from(&mut f, &body.0);
        f.finish()?;
        let d = crate::checked!(d);
        let member = crate::members::api::me(&auth).await?;
        let leaving_on = d.leaving_on;
        let who = record_departure(&self.app, &auth.0.account_id, &member, d).await?;
        Ok(Json(DepartureRecorded {
            leaving: who,
            leaving_on,
        }))
    }

    /// Record a member's departure (staff)
    ///
    /// Staff record members' departures; that of a staff or admin account (also one in the
    /// household when it leaves together) is recorded by an admin (403).
    #[oai(path = "/members/:id/departure", method = "post")]
    async fn departure_for(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
        body: Json<DepartureInput>,
    ) -> ApiResult<Json<DepartureRecorded>> {
        auth.0.require_staff()?;
        let mut f = Fields::default();
        let d = departure_from(&mut f, &body.0);
        f.finish()?;
        let d = crate::checked!(d);
        let member = members::get(&self.app, &id.0.to_string()).await?;
        for (account_id, role) in departing(&self.app.db.read, &member, d.household).await? {
            auth.0.require_may_change(&account_id, &role)?;
        }
        let leaving_on = d.leaving_on;
        let who = record_departure(&self.app, &auth.0.account_id, &member, d).await?;
        Ok(Json(DepartureRecorded {
            leaving: who,
            leaving_on,
        }))
    }

    /// Stay in touch after leaving?
    ///
    /// The member's own answer, recorded as their consent: for a member whose departure somebody
    /// else recorded (the household's move, the centre), and to change one's mind. An alumnus who
    /// answers yes is on the alumni newsletter at once; no takes them off it. 409 without a
    /// departure.
    #[oai(path = "/me/keep-in-touch", method = "put")]
    async fn keep_in_touch(
        &self,
        auth: Auth,
        body: Json<KeepInTouchInput>,
    ) -> ApiResult<Json<KeepInTouchInput>> {
        let member = crate::members::api::me(&auth).await?;
        set_keep_in_touch(&self.app, &member, body.keep_in_touch).await?;
        Ok(body)
    }

    /// I moved back
    ///
    /// An alumnus becomes a resident member again (phase `coming_in`), keeping their history.
    #[oai(path = "/me/return", method = "post")]
    async fn come_back(&self, auth: Auth) -> ApiResult<Json<crate::members::api::Member>> {
        let member = crate::members::api::me(&auth).await?;
        come_back(&self.app, &member).await?;
        Ok(Json(members::get(&self.app, &member.id).await?.into()))
    }

    /// My place in the alumni directory
    ///
    /// Whether the member appears in the alumni directory and which fields it shows. Recorded as
    /// the member's consent; only the member sets it (staff may only take someone out).
    #[oai(path = "/me/directory", method = "put")]
    async fn directory_settings(
        &self,
        auth: Auth,
        body: Json<DirectoryInput>,
    ) -> ApiResult<Json<DirectoryInput>> {
        let mut tx = self.app.db.begin().await.map_err(Error::from)?;
        set_directory(
            &mut tx,
            &auth.0.account_id,
            body.visible,
            Some(&body.fields),
            "directory",
        )
        .await?;
        tx.commit().await.map_err(Error::from)?;
        Ok(body)
    }

    /// The alumni directory
    ///
    /// Alumni who opted in, showing only the fields each chose. For signed-in members and alumni.
    #[oai(path = "/alumni", method = "get")]
    async fn directory(
        &self,
        _auth: Auth,
        /// Only alumni who live in this country now (ISO 3166-1 alpha-2, e.g. `DE`).
        #[oai(validator(max_length = 2))]
        country: Query<Option<String>>,
    ) -> ApiResult<Json<Vec<DirectoryEntry>>> {
        let country = match country.0.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => CountryCode::parse(c)
                .map_err(|e| Error::field("country", e.0))?
                .as_str()
                .to_owned(),
            None => String::new(),
        };
        let rows: Vec<DirectoryRow> = sqlx::query_as(
            "SELECT a.person_id AS id, p.first_name, p.last_name, a.destination_country, a.destination_city, a.employer, a.email, \
             a.directory_fields FROM accounts a JOIN people p ON p.id = a.person_id \
             WHERE a.status = 'alumni' AND a.directory_visible = 1 AND ($1 = '' OR a.destination_country = $1) \
             ORDER BY a.destination_country, p.last_name, a.person_id LIMIT 1000",
        )
        .bind(country)
        .fetch_all(&self.app.db.read)
        .await
        .map_err(Error::from)?;
        Ok(Json(
            rows.into_iter()
                .map(|r| {
                    let fields: Vec<DirectoryField> =
                        serde_json::from_str(&r.directory_fields).unwrap_or_default();
                    let show = |f: DirectoryField, v: Option<String>| {
                        if fields.contains(&f) { v } else { None }
                    };
                    DirectoryEntry {
                        first_name: show(DirectoryField::FirstName, r.first_name),
                        last_name: show(DirectoryField::LastName, r.last_name),
                        destination_country: show(
                            DirectoryField::DestinationCountry,
                            r.destination_country,
                        ),
                        destination_city: show(DirectoryField::DestinationCity, r.destination_city),
                        employer: show(DirectoryField::Employer, r.employer),
                        email: show(DirectoryField::Email, r.email),
                        id: r.id,
                    }
                })
                .collect(),
        ))
    }
}
