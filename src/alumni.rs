//! The alumni life cycle: a member records their departure (phase `leaving`), a daily job makes
//! them alumni on the leaving date (status `alumni`, from the community list to the alumni list
//! when they chose to keep in touch, a farewell mail, their places at events for residents given
//! up), alumni choose what the directory shows, and an alumnus who moves back becomes a resident
//! again, keeping their history, and chooses their newsletters again.
//!
//! Invariant: becoming an alumnus and giving up one's places at events that have not started and
//! do not admit alumni happen in one transaction.
//!
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
use crate::values::{CountryCode, Relation, ShortText};

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

impl Departure {
    /// A departure as typed (the API's body, the website's form), checked: every field wrong is
    /// named at once. Whether the date is acceptable is [`record_departure`]'s to say.
    pub fn parse(
        leaving_on: NaiveDate,
        country: &str,
        city: Option<&str>,
        keep_in_touch: bool,
        household: bool,
    ) -> Result<Departure> {
        let mut f = Fields::default();
        let country = f.check("destination_country", CountryCode::parse(country));
        let city = f.check_opt("destination_city", city, ShortText::parse);
        f.finish()?;
        Ok(Departure {
            leaving_on,
            country: crate::checked!(country),
            city,
            keep_in_touch,
            household,
        })
    }
}

fn today(app: &App) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&app.config.timezone)
        .date_naive()
}

/// Staff record a member's departure (`POST /api/v1/members/{id}/departure`, the back office):
/// that of a staff or admin account, also one in the household when it leaves together, is
/// recorded by an admin ([`crate::auth::Caller::require_may_change`] for everyone who leaves).
pub async fn record_departure_for(
    app: &App,
    caller: &crate::auth::Caller,
    account_id: &str,
    d: Departure,
) -> Result<Vec<String>> {
    caller.require_staff()?;
    let member = members::get(app, account_id).await?;
    for (id, role) in departing(&app.db.read, &member, d.household).await? {
        caller.require_may_change(&id, &role)?;
    }
    record_departure(app, &caller.account_id, &member, d).await
}

/// Records a departure for the member (and by default the household). Answers who leaves.
/// Recording it again before the date changes it (the places at events go only when the date
/// has come); one dated today or earlier makes them alumni at once ([`switch`]).
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
    if d.leaving_on <= today {
        // The date has come: alumni now, not at the next daily run, so that places at events
        // before that run go to the waitlist instead of being held by people who have left.
        switch(app, &mut tx, &member.household_id).await?;
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

/// The daily switch: members whose leaving date has come become alumni, a household at a time
/// ([`switch`]), each household in a transaction of its own. Idempotent. Answers how many
/// became alumni.
pub async fn make_alumni(app: &App) -> Result<usize> {
    let due: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT p.household_id FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.status = 'active' AND a.leaving_on IS NOT NULL AND a.leaving_on <= $1 ORDER BY p.household_id",
    )
    .bind(today(app).to_string())
    .fetch_all(&app.db.read)
    .await?;
    let mut done = 0;
    for (household,) in due {
        let mut tx = app.db.begin().await?;
        done += switch(app, &mut tx, &household).await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// Makes the members of a household whose leaving date has come alumni, in the caller's
/// transaction: off the community list, onto the alumni list when they chose to keep in touch,
/// a farewell mail. Then the places they hold at events that have not started and do not admit
/// alumni go, with those of the dependents who leave with the household's last resident
/// ([`household_departures`]); the household's residents keep theirs
/// (`events::registrations::release_departed`). Answers how many became alumni.
async fn switch(app: &App, tx: &mut Tx, household_id: &str) -> Result<usize> {
    let due: Vec<(String,)> = sqlx::query_as(
        "SELECT a.person_id FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE p.household_id = $1 AND a.status = 'active' AND a.leaving_on IS NOT NULL \
         AND a.leaving_on <= $2 ORDER BY a.person_id",
    )
    .bind(household_id)
    .bind(today(app).to_string())
    .fetch_all(tx.conn())
    .await?;
    let mut leavers = Vec::new();
    for (id,) in due {
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
        let keep = move_lists(tx, &member).await?;
        farewell(app, tx, &member, keep).await?;
        audit::record(tx, "system", "member.became_alumnus", Some(&id), None).await?;
        leavers.push(id);
    }
    let became = leavers.len();
    if became == 0 {
        return Ok(0);
    }
    leavers.extend(
        household_departures(tx.conn(), household_id)
            .await?
            .into_iter()
            .filter(|p| !p.has_account && p.left)
            .map(|p| p.id),
    );
    crate::events::registrations::release_departed(app, tx, &leavers).await?;
    Ok(became)
}

/// A person of a household who leaves the region (or has left), and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLeaving {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub relation: String,
    pub has_account: bool,
    pub leaving_on: NaiveDate,
    /// Gone: an alumnus; a dependent once every member of the household is.
    pub left: bool,
}

/// A person of a household with their account's standing, as [`household_departures`] reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct HouseholdPersonRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    relation: String,
    /// `None` for a dependent (no account).
    status: Option<String>,
    leaving_on: Option<String>,
}

/// Who of a household leaves the region, and when ([`who_leaves`]), in the household's order.
pub async fn household_departures(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    household_id: &str,
) -> Result<Vec<PersonLeaving>> {
    let rows: Vec<HouseholdPersonRow> = sqlx::query_as(
        "SELECT p.id, p.first_name, p.last_name, p.relation, a.status, a.leaving_on FROM people p \
         LEFT JOIN accounts a ON a.person_id = p.id WHERE p.household_id = $1 AND p.erased_at IS NULL \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(household_id)
    .fetch_all(exec)
    .await?;
    Ok(who_leaves(rows))
}

/// The rule of who leaves: each member with a departure (a resident with a leaving date, or an
/// alumnus) on their own date; the dependents (people without an account: children, others)
/// with the last of the household's members to leave, on that member's date. While a member
/// stays without a departure, the dependents stay with them: a household may leave partly, and
/// a child lives with whoever stays. People who stay are not listed.
fn who_leaves(rows: Vec<HouseholdPersonRow>) -> Vec<PersonLeaving> {
    let date = |r: &HouseholdPersonRow| r.leaving_on.as_deref().and_then(|d| d.parse().ok());
    let members: Vec<&HouseholdPersonRow> = rows
        .iter()
        .filter(|r| matches!(r.status.as_deref(), Some("active" | "alumni")))
        .collect();
    let someone_stays = members
        .iter()
        .any(|m| m.status.as_deref() == Some("active") && date(m).is_none());
    let dependents_leave_on = match someone_stays {
        true => None,
        false => members.iter().filter_map(|m| date(m)).max(),
    };
    // Dependents have left once every member has.
    let all_left = members
        .iter()
        .all(|m| m.status.as_deref() == Some("alumni"));
    let leaving = |r: &HouseholdPersonRow, leaving_on: NaiveDate, left: bool| PersonLeaving {
        id: r.id.clone(),
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        relation: r.relation.clone(),
        has_account: r.status.is_some(),
        leaving_on,
        left,
    };
    rows.iter()
        .filter_map(|r| match r.status.as_deref() {
            None => dependents_leave_on.map(|d| leaving(r, d, all_left)),
            Some(s @ ("active" | "alumni")) => date(r).map(|d| leaving(r, d, s == "alumni")),
            // Pending sign-ups and erased accounts are nobody's household any more.
            Some(_) => None,
        })
        .collect()
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

/// What a member who moves back chooses about the newsletters; `None` leaves a subscription as
/// it is.
#[derive(Debug, Default, Clone, Copy)]
pub struct Return {
    /// `true`: the community newsletter again, by double opt-in (a confirmation mail; the
    /// subscription starts when its link is followed, recorded as consent then); `false`: off it.
    pub community_newsletter: Option<bool>,
    /// `false`: off the alumni newsletter, recorded as consent; `true`: stay as they are.
    pub stay_on_alumni_list: Option<bool>,
}

/// An alumnus moves back: a resident again (phase `coming_in`), history kept, with their
/// newsletter choices, in one transaction.
pub async fn come_back(app: &App, member: &MemberRow, choice: Return) -> Result<()> {
    if member.status != "alumni" {
        return Err(Error::Conflict("only alumni can come back".into()));
    }
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE accounts SET status = 'active', phase = 'coming_in', leaving_on = NULL, returned_at = $2, updated_at = $2 \
         WHERE person_id = $1 AND status = 'alumni'",
    )
    .bind(&member.id)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        // Back already (a second request that ran beside the first).
        return Err(Error::Conflict("only alumni can come back".into()));
    }
    if let Some(wanted) = choice.community_newsletter {
        crate::newsletter::set_in(app, &mut tx, &member.id, "community", wanted, "return").await?;
    }
    if choice.stay_on_alumni_list == Some(false) {
        crate::newsletter::unsubscribe_in(&mut tx, &member.id, "alumni", "return").await?;
    }
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

/// A member's departure as recorded, with who of the household leaves too.
pub struct DepartureRecord {
    pub leaving_on: NaiveDate,
    pub destination_country: String,
    pub destination_city: Option<String>,
    pub keep_in_touch: bool,
    /// An alumnus already.
    pub left: bool,
    /// The others of the household who leave ([`household_departures`]).
    pub household: Vec<PersonLeaving>,
}

/// The member's current departure: recorded and not undone by a return. `None` without one.
pub async fn departure_of(app: &App, member: &MemberRow) -> Result<Option<DepartureRecord>> {
    type Row = (String, Option<String>, Option<String>, i64, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT leaving_on, destination_country, destination_city, keep_in_touch, status FROM accounts \
         WHERE person_id = $1 AND status IN ('active', 'alumni') AND leaving_on IS NOT NULL",
    )
    .bind(&member.id)
    .fetch_optional(&app.db.read)
    .await?;
    let Some((leaving_on, country, city, keep, status)) = row else {
        return Ok(None);
    };
    let leaving_on = leaving_on
        .parse()
        .map_err(|e| anyhow::anyhow!("stored leaving date {leaving_on:?}: {e}"))?;
    let household = household_departures(&app.db.read, &member.household_id)
        .await?
        .into_iter()
        .filter(|p| p.id != member.id)
        .collect();
    Ok(Some(DepartureRecord {
        leaving_on,
        destination_country: country.unwrap_or_default(),
        destination_city: city,
        keep_in_touch: keep == 1,
        left: status == "alumni",
        household,
    }))
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

/// A departure as recorded: the member's own, and who of the household leaves too.
#[derive(Object)]
#[oai(rename = "Departure", skip_serializing_if_is_none)]
pub struct DepartureView {
    /// The leaving date (a local date): the member becomes an alumnus on it.
    pub leaving_on: NaiveDate,
    /// Whether the date has come and the member is an alumnus.
    pub left: bool,
    /// Where they move to (ISO 3166-1 alpha-2).
    pub destination_country: String,
    pub destination_city: Option<String>,
    /// Whether they stay in the alumni network: the member's own answer, `false` until they give
    /// it when somebody else recorded the departure (`PUT /me/keep-in-touch`).
    pub keep_in_touch: bool,
    /// The others of the household who leave too: members with a departure of their own, each on
    /// their date, and the dependents, who leave with the household's last member to go (they
    /// stay while a member stays). Empty when the member leaves alone.
    pub household: Vec<HouseholdLeaver>,
}

/// Somebody of the household who leaves too.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HouseholdLeaver {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub relation: Relation,
    /// A member with an account of their own (a dependent otherwise).
    pub has_account: bool,
    pub leaving_on: NaiveDate,
    /// Gone already: an alumnus; a dependent once every member of the household is.
    pub left: bool,
}

impl From<DepartureRecord> for DepartureView {
    fn from(d: DepartureRecord) -> Self {
        DepartureView {
            leaving_on: d.leaving_on,
            left: d.left,
            destination_country: d.destination_country,
            destination_city: d.destination_city,
            keep_in_touch: d.keep_in_touch,
            household: d
                .household
                .into_iter()
                .map(|p| HouseholdLeaver {
                    relation: p.relation.parse().unwrap_or(Relation::Other),
                    id: p.id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    has_account: p.has_account,
                    leaving_on: p.leaving_on,
                    left: p.left,
                })
                .collect(),
        }
    }
}

/// What a member who moves back wants from the newsletters. Every field is optional; an absent
/// field (or body) leaves that subscription as it is.
#[derive(Object, Default)]
#[oai(deny_unknown_fields)]
pub struct ReturnInput {
    /// `true`: receive the community newsletter again. A confirmation link is mailed and the
    /// subscription starts when it is followed (double opt-in). `false`: not on it. Absent: as it
    /// is (every member leaves the community list on becoming an alumnus).
    pub community_newsletter: Option<bool>,
    /// `false`: off the alumni newsletter, at once. `true` or absent: the alumni subscription
    /// stays as it is.
    pub stay_on_alumni_list: Option<bool>,
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

/// The alumni directory: alumni who opted in (in `country` only, when given), each showing only
/// the fields they chose. For signed-in members and alumni (the caller's to check).
pub async fn directory(app: &App, country: Option<&CountryCode>) -> Result<Vec<DirectoryEntry>> {
    let rows: Vec<DirectoryRow> = sqlx::query_as(
        "SELECT a.person_id AS id, p.first_name, p.last_name, a.destination_country, a.destination_city, a.employer, a.email, \
         a.directory_fields FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.status = 'alumni' AND a.directory_visible = 1 AND ($1 = '' OR a.destination_country = $1) \
         ORDER BY a.destination_country, p.last_name, a.person_id LIMIT 1000",
    )
    .bind(country.map(CountryCode::as_str).unwrap_or(""))
    .fetch_all(&app.db.read)
    .await?;
    Ok(rows
        .into_iter()
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
        .collect())
}

/// A member's own directory card: whether they appear, and the fields it shows.
pub async fn directory_card(app: &App, account_id: &str) -> Result<(bool, Vec<DirectoryField>)> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT directory_visible, directory_fields FROM accounts WHERE person_id = $1",
    )
    .bind(account_id)
    .fetch_optional(&app.db.read)
    .await?;
    let (visible, fields) = row.ok_or(Error::NotFound("member"))?;
    Ok((
        visible == 1,
        serde_json::from_str(&fields).unwrap_or_default(),
    ))
}

fn departure_from(b: &DepartureInput) -> Result<Departure> {
    Departure::parse(
        b.leaving_on,
        &b.destination_country,
        b.destination_city.as_deref(),
        b.keep_in_touch,
        b.household.unwrap_or(true),
    )
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Alumni")]
impl AlumniApi {
    /// Record my departure
    ///
    /// Sets the phase `leaving`; on the leaving date a daily job makes the member an alumnus.
    /// The household leaves together unless `household` is false. Recording it again before the
    /// date changes it; a date today or earlier makes them alumni at once. On becoming alumni
    /// their places at events for residents (audience `members`) that have not started go to
    /// the waitlist, with those of the dependents when the household's last resident leaves;
    /// everyone in such a registration is told by mail. Read it back with `GET /me/departure`.
    #[oai(path = "/me/departure", method = "post")]
    async fn departure(
        &self,
        auth: Auth,
        body: Json<DepartureInput>,
    ) -> ApiResult<Json<DepartureRecorded>> {
        let d = departure_from(&body.0)?;
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
        let d = departure_from(&body.0)?;
        let leaving_on = d.leaving_on;
        let who = record_departure_for(&self.app, &auth.0, &id.0.to_string(), d).await?;
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
    /// The body is optional: `community_newsletter: true` mails a confirmation link for the
    /// community newsletter (it starts when the link is followed), `stay_on_alumni_list: false`
    /// takes them off the alumni newsletter; anything left out stays as it is. Each change is
    /// recorded as the member's consent. 409 for a member who is not an alumnus.
    #[oai(path = "/me/return", method = "post")]
    async fn come_back(
        &self,
        auth: Auth,
        body: crate::payload::OptionalJson<ReturnInput>,
    ) -> ApiResult<Json<crate::members::api::Member>> {
        let member = crate::members::api::me(&auth).await?;
        let body = body.0.unwrap_or_default();
        let choice = Return {
            community_newsletter: body.community_newsletter,
            stay_on_alumni_list: body.stay_on_alumni_list,
        };
        come_back(&self.app, &member, choice).await?;
        Ok(Json(members::get(&self.app, &member.id).await?.into()))
    }

    /// My departure
    ///
    /// The departure recorded for the signed-in member (by themselves, a member of their
    /// household or the centre): the leaving date, the destination, their keep-in-touch answer,
    /// whether they have left, and who of the household leaves too. 404 when there is none: never
    /// recorded, or undone by moving back (`POST /me/return`).
    #[oai(path = "/me/departure", method = "get")]
    async fn my_departure(&self, auth: Auth) -> ApiResult<Json<DepartureView>> {
        let member = crate::members::api::me(&auth).await?;
        let found = departure_of(&self.app, &member).await?;
        Ok(Json(found.ok_or(Error::NotFound("departure"))?.into()))
    }

    /// A member's departure (staff)
    ///
    /// The departure recorded for a member, as they see it themselves (`GET /me/departure`):
    /// leaving date, destination, keep-in-touch answer, whether they have left, and who of the
    /// household leaves too. 404 when the member has none, or there is no such member.
    #[oai(path = "/members/:id/departure", method = "get")]
    async fn departure_of_member(
        &self,
        auth: Auth,
        /// The member's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<DepartureView>> {
        auth.0.require_staff()?;
        let member = members::get(&self.app, &id.0.to_string()).await?;
        let found = departure_of(&self.app, &member).await?;
        Ok(Json(found.ok_or(Error::NotFound("departure"))?.into()))
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
            Some(c) => Some(CountryCode::parse(c).map_err(|e| Error::field("country", e.0))?),
            None => None,
        };
        Ok(Json(directory(&self.app, country.as_ref()).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, status: Option<&str>, leaving_on: Option<&str>) -> HouseholdPersonRow {
        HouseholdPersonRow {
            id: id.into(),
            first_name: Some(id.into()),
            last_name: None,
            relation: if status.is_some() { "primary" } else { "child" }.into(),
            status: status.map(Into::into),
            leaving_on: leaving_on.map(Into::into),
        }
    }

    fn leaving(rows: Vec<HouseholdPersonRow>) -> Vec<(String, String, bool)> {
        who_leaves(rows)
            .into_iter()
            .map(|p| (p.id, p.leaving_on.to_string(), p.left))
            .collect()
    }

    fn row(id: &str, on: &str, left: bool) -> (String, String, bool) {
        (id.into(), on.into(), left)
    }

    #[test]
    fn dependents_leave_with_the_last_member_and_stay_while_one_stays() {
        let mia = || person("mia", None, None);
        // Both leave, on different dates: the child with the later one.
        assert_eq!(
            leaving(vec![
                person("ana", Some("active"), Some("2030-06-01")),
                person("raj", Some("active"), Some("2030-07-01")),
                mia(),
            ]),
            [
                row("ana", "2030-06-01", false),
                row("raj", "2030-07-01", false),
                row("mia", "2030-07-01", false)
            ]
        );
        // Raj stays: so does the child.
        assert_eq!(
            leaving(vec![
                person("ana", Some("alumni"), Some("2030-06-01")),
                person("raj", Some("active"), None),
                mia(),
            ]),
            [row("ana", "2030-06-01", true)]
        );
        // Everyone has left; an erased or pending account is nobody's household.
        assert_eq!(
            leaving(vec![
                person("ana", Some("alumni"), Some("2030-06-01")),
                person("gone", Some("erased"), None),
                person("new", Some("pending"), None),
                mia(),
            ]),
            [
                row("ana", "2030-06-01", true),
                row("mia", "2030-06-01", true)
            ]
        );
        // A household without members keeps its dependents where they are.
        assert!(leaving(vec![mia()]).is_empty());
    }
}
