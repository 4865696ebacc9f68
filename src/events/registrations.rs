//! Household registrations, the waitlist and check-in.
//!
//! Seat policy: a registration is one household group; each person takes one seat; the group is
//! confirmed whole or waits whole. Seats are reserved by one conditional UPDATE inside the
//! registration's transaction (`seats_taken + n <= capacity`), so capacity is never exceeded under
//! any concurrency: PostgreSQL row-locks the event, SQLite has one writer. When seats free up
//! (a cancellation, a raised capacity) waitlisted groups are promoted in arrival order, skipping
//! any group too large for the free seats, which keeps its place. A new group is confirmed
//! whenever it fits: after each promotion no waiting group fits, so nobody is overtaken by a
//! group that could have been served before it.

use std::collections::HashSet;

use serde_json::json;

use super::{EventRow, find};
use crate::app::App;
use crate::audit;
use crate::db::{Backend, Tx, new_id, now_ms};
use crate::error::{Error, Result, conflict_if_taken};
use crate::mail::{self, Attachment, Mail};
use crate::members::{self, MemberRow};
use crate::values::{AccountStatus, Audience, EmailAddress, EventStatus, RegistrationStatus};

/// A registration as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: String,
    pub event_id: String,
    pub household_id: String,
    pub registered_by: String,
    pub status: String,
    pub seats: i64,
    pub queued_at: i64,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

const REGISTRATION_COLUMNS: &str =
    "id, event_id, household_id, registered_by, status, seats, queued_at, created_at, cancelled_at";

impl RegistrationRow {
    pub fn status(&self) -> RegistrationStatus {
        self.status.parse().unwrap_or(RegistrationStatus::Cancelled)
    }
}

/// One person of a registration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisteredPerson {
    pub registration_id: String,
    pub person_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub relation: String,
    pub checked_in_at: Option<i64>,
}

pub async fn find_registration(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    event_id: &str,
    id: &str,
) -> Result<Option<RegistrationRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE id = $1 AND event_id = $2"
    )))
    .bind(id)
    .bind(event_id)
    .fetch_optional(exec)
    .await?)
}

pub async fn people_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    registration_id: &str,
) -> Result<Vec<RegisteredPerson>> {
    Ok(sqlx::query_as(
        "SELECT rp.registration_id, rp.person_id, p.first_name, p.last_name, p.relation, rp.checked_in_at \
         FROM registration_people rp JOIN people p ON p.id = rp.person_id \
         WHERE rp.registration_id = $1 \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(registration_id)
    .fetch_all(exec)
    .await?)
}

/// The place in the waitlist (1 = next), for a waitlisted registration.
pub async fn position(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    r: &RegistrationRow,
) -> Result<Option<i64>> {
    if r.status() != RegistrationStatus::Waitlisted {
        return Ok(None);
    }
    let (ahead,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted' \
         AND (queued_at < $2 OR (queued_at = $2 AND id < $3))",
    )
    .bind(&r.event_id)
    .bind(r.queued_at)
    .bind(&r.id)
    .fetch_one(exec)
    .await?;
    Ok(Some(ahead + 1))
}

/// Whether the people may come to an event of this audience.
fn check_audience(event: &EventRow, member: &MemberRow, relations: &[&str]) -> Result<()> {
    let alumnus = member.status == AccountStatus::Alumni.as_str();
    let refused = |why: &str| Err(Error::Forbidden(why.to_owned()));
    match event.audience() {
        Audience::Everyone => Ok(()),
        Audience::Members if alumnus => refused("this event is for members living in the region"),
        Audience::Members => Ok(()),
        Audience::Alumni if !alumnus => refused("this event is for alumni"),
        Audience::Alumni => Ok(()),
        Audience::Partners if relations.iter().any(|r| *r != "partner") => {
            refused("this event is for partners: register only people whose relation is partner")
        }
        Audience::Partners => Ok(()),
        Audience::Families if !relations.contains(&"child") => {
            refused("this event is for families: register at least one child")
        }
        Audience::Families => Ok(()),
    }
}

/// A new registration with what its answer shows, all read inside its transaction.
pub struct Registered {
    pub row: RegistrationRow,
    pub people: Vec<RegisteredPerson>,
    pub position: Option<i64>,
}

#[derive(Clone, sqlx::FromRow)]
struct HouseholdPerson {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    relation: String,
    erased_at: Option<i64>,
}

/// Registers people of the member's household. All-or-nothing: confirmed when every seat is
/// free, otherwise waitlisted as a group (or refused when `waitlist` is false, storing nothing).
///
/// This is the hot path of a registration rush. On SQLite every statement in a write
/// transaction is a round trip to the one writer connection's thread and the writer is the
/// bottleneck, so the checks read the event and the household on the read pool first and the
/// transaction only writes: the seat reservation is conditional on the event's `revision`, which
/// every change of the event bumps, so a registration never acts on a stale event (it starts
/// over instead). The answer is built from what the function holds, not read back.
pub async fn register(
    app: &App,
    member: &MemberRow,
    event_id: &str,
    person_ids: &[String],
    waitlist: bool,
) -> Result<Registered> {
    let unique: HashSet<&String> = person_ids.iter().collect();
    if person_ids.is_empty() {
        return Err(Error::field("person_ids", "name at least one person"));
    }
    if unique.len() != person_ids.len() {
        return Err(Error::field("person_ids", "a person is listed twice"));
    }
    // A handful of attempts: each lost one means staff changed the event in between.
    for _ in 0..5 {
        if let Some(done) =
            try_register(app, member, event_id, person_ids, &unique, waitlist).await?
        {
            return Ok(done);
        }
    }
    Err(Error::Conflict(
        "the event keeps changing; try again in a moment".into(),
    ))
}

/// One attempt; `None` when the event changed between the checks and the reservation.
async fn try_register(
    app: &App,
    member: &MemberRow,
    event_id: &str,
    person_ids: &[String],
    unique: &HashSet<&String>,
    waitlist: bool,
) -> Result<Option<Registered>> {
    let (event, household) = tokio::try_join!(find(&app.db.read, event_id), async {
        // The household (a handful of people), ordered as `people_of` orders them.
        sqlx::query_as::<_, HouseholdPerson>(
            "SELECT id, first_name, last_name, relation, erased_at FROM people WHERE household_id = $1 \
             ORDER BY CASE relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, created_at, id",
        )
        .bind(&member.household_id)
        .fetch_all(&app.db.read)
        .await
        .map_err(Error::from)
    })?;
    let event = event
        .filter(|e| e.status() != EventStatus::Draft)
        .ok_or(Error::NotFound("event"))?;
    let now = now_ms();
    if event.status() == EventStatus::Cancelled {
        return Err(Error::Conflict("the event is cancelled".into()));
    }
    if event.registration_opens_at.is_some_and(|o| now < o) {
        return Err(Error::Conflict("registration has not opened yet".into()));
    }
    if now >= event.registration_closes_at.unwrap_or(event.starts_at) {
        return Err(Error::Conflict("registration is closed".into()));
    }
    for id in person_ids {
        if !household
            .iter()
            .any(|p| &p.id == id && p.erased_at.is_none())
        {
            return Err(Error::field(
                "person_ids",
                format!("{id} is not a person of your household"),
            ));
        }
    }
    let people: Vec<&HouseholdPerson> = household
        .iter()
        .filter(|p| unique.contains(&p.id))
        .collect();
    let relations: Vec<&str> = people.iter().map(|p| p.relation.as_str()).collect();
    check_audience(&event, member, &relations)?;
    let people: Vec<HouseholdPerson> = people.into_iter().cloned().collect();
    let seats_left = event.seats_left();
    // The confirmation is rendered here, in parallel with other requests, when seats look free;
    // the writer then only inserts it (its key is completed there, with the registration's id).
    let names = first_names(&people);
    let confirmation = if seats_left.is_none_or(|left| left >= people.len() as i64) {
        render_for_member(
            app,
            &event,
            "registration_confirmed",
            member,
            &names,
            Details {
                with_calendar: true,
                ..Details::default()
            },
            String::new(),
        )?
    } else {
        None
    };
    let job = Reservation {
        app: app.clone(),
        event,
        member: member.clone(),
        people,
        names,
        confirmation,
        waitlist,
    };
    match app.db.batch(job).await? {
        Reserved::Done(done) => Ok(Some(done)),
        Reserved::Changed => Ok(None),
        Reserved::Full => Err(Error::Conflict(format!(
            "not enough seats: {} left for {} people",
            seats_left.unwrap_or(0),
            person_ids.len()
        ))),
    }
}

/// The writing half of a registration, run by the database's group commit (see `db::batch`):
/// everything it needs was read and checked before, and it writes nothing unless it registers.
struct Reservation {
    app: App,
    event: EventRow,
    member: MemberRow,
    people: Vec<HouseholdPerson>,
    /// First names of the people, for the mail.
    names: String,
    /// The confirmation mail, rendered in advance (absent when seats looked taken).
    confirmation: Option<mail::Rendered>,
    waitlist: bool,
}

fn first_names(people: &[HouseholdPerson]) -> String {
    let names: Vec<&str> = people
        .iter()
        .filter_map(|p| p.first_name.as_deref())
        .collect();
    names.join(", ")
}

enum Reserved {
    Done(Registered),
    /// The event changed since it was read: check again.
    Changed,
    /// No seats and no waitlist wanted.
    Full,
}

impl crate::db::Job for Reservation {
    type Output = Reserved;

    fn key(&self) -> &str {
        &self.event.id
    }

    fn run<'a>(&'a self, tx: &'a mut Tx) -> futures::future::BoxFuture<'a, Result<Reserved>> {
        Box::pin(self.reserve(tx))
    }
}

impl Reservation {
    async fn reserve(&self, tx: &mut Tx) -> Result<Reserved> {
        let (app, event, member) = (&self.app, &self.event, &self.member);
        let event_id = event.id.as_str();
        let seats = self.people.len() as i64;
        let confirmed = match reserve_at(tx, event_id, seats, Some(event.revision)).await? {
            true => true,
            // Full, or changed since it was read: only the latter needs the checks again. On
            // PostgreSQL the read also locks the event row (an UPDATE that matched nothing did
            // not), so waitlisted groups queue one after the other and their positions are exact.
            false => {
                let lock = match app.db.backend {
                    Backend::Postgres => "SELECT revision FROM events WHERE id = $1 FOR UPDATE",
                    Backend::Sqlite => "SELECT revision FROM events WHERE id = $1",
                };
                let (revision,): (i64,) = sqlx::query_as(lock)
                    .bind(event_id)
                    .fetch_one(tx.conn())
                    .await?;
                if revision != event.revision {
                    return Ok(Reserved::Changed);
                }
                false
            }
        };
        if !confirmed && !self.waitlist {
            return Ok(Reserved::Full);
        }
        // Arrival order is the order of reservations: the writer (SQLite) or the event's row
        // lock (PostgreSQL) serialises them, so the time and the id are taken here, not before.
        let now = now_ms();
        let status = if confirmed {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waitlisted
        };
        let row = RegistrationRow {
            id: new_id(),
            event_id: event_id.to_owned(),
            household_id: member.household_id.clone(),
            registered_by: member.id.clone(),
            status: status.as_str().to_owned(),
            seats,
            queued_at: now,
            created_at: now,
            cancelled_at: None,
        };
        sqlx::query(
            "INSERT INTO registrations (id, event_id, household_id, registered_by, status, seats, queued_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
        )
        .bind(&row.id)
        .bind(event_id)
        .bind(&row.household_id)
        .bind(&row.registered_by)
        .bind(&row.status)
        .bind(seats)
        .bind(now)
        .execute(tx.conn())
        .await?;
        crate::cache::household_changed(tx, &row.household_id);
        for person in &self.people {
            let inserted = sqlx::query(
                "INSERT INTO registration_people (registration_id, event_id, person_id, live) VALUES ($1, $2, $3, 1)",
            )
            .bind(&row.id)
            .bind(event_id)
            .bind(&person.id)
            .execute(tx.conn())
            .await;
            // An error rolls the batch back and this job runs again alone, answering this.
            conflict_if_taken(inserted, || {
                format!("{} is already registered for this event", person.id)
            })?;
        }
        let position = position(tx.conn(), &row).await?;
        match (&self.confirmation, confirmed) {
            (Some(mail), true) => {
                mail.write_with_key(tx, format!("registration_confirmed:{}", row.id))
                    .await?;
            }
            _ => {
                let kind = if confirmed {
                    "registration_confirmed"
                } else {
                    "registration_waitlisted"
                };
                let details = Details {
                    position,
                    ..Details::default()
                };
                mail_member(app, tx, event, &row, kind, member, &self.names, details).await?;
            }
        }
        audit::record(
            tx,
            &member.id,
            "registration.created",
            Some(&row.id),
            Some(json!({"event": event_id, "status": row.status, "seats": seats})),
        )
        .await?;
        let people = self
            .people
            .iter()
            .map(|p| RegisteredPerson {
                registration_id: row.id.clone(),
                person_id: p.id.clone(),
                first_name: p.first_name.clone(),
                last_name: p.last_name.clone(),
                relation: p.relation.clone(),
                checked_in_at: None,
            })
            .collect();
        Ok(Reserved::Done(Registered {
            row,
            people,
            position,
        }))
    }
}

/// Takes `seats` seats if they are free; the one place seats are taken.
async fn reserve(tx: &mut Tx, event_id: &str, seats: i64) -> Result<bool> {
    reserve_at(tx, event_id, seats, None).await
}

/// As `reserve`, and only while the event is still at `revision` when one is given.
async fn reserve_at(
    tx: &mut Tx,
    event_id: &str,
    seats: i64,
    revision: Option<i64>,
) -> Result<bool> {
    let taken = sqlx::query(
        "UPDATE events SET seats_taken = seats_taken + $2 \
         WHERE id = $1 AND (capacity IS NULL OR seats_taken + $2 <= capacity) \
         AND ($3 < 0 OR revision = $3)",
    )
    .bind(event_id)
    .bind(seats)
    .bind(revision.unwrap_or(-1))
    .execute(tx.conn())
    .await?
    .rows_affected();
    if taken == 1 {
        crate::cache::seats_changed(tx, event_id);
    }
    Ok(taken == 1)
}

/// Promotes waitlisted groups that fit, in arrival order, and mails them.
pub async fn promote(app: &App, tx: &mut Tx, event_id: &str) -> Result<usize> {
    let waiting: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 AND status = 'waitlisted' \
         ORDER BY queued_at, id"
    )))
    .bind(event_id)
    .fetch_all(tx.conn())
    .await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let Some(event) = find(tx.conn(), event_id).await? else {
        return Ok(0);
    };
    let mut promoted = 0;
    for r in waiting {
        if !reserve(tx, event_id, r.seats).await? {
            continue;
        }
        sqlx::query("UPDATE registrations SET status = 'confirmed', promoted_at = $2, updated_at = $2 WHERE id = $1")
            .bind(&r.id)
            .bind(now_ms())
            .execute(tx.conn())
            .await?;
        crate::cache::household_changed(tx, &r.household_id);
        mail_registrant(app, tx, &event, &r, "registration_promoted", None).await?;
        audit::record(
            tx,
            "system",
            "registration.promoted",
            Some(&r.id),
            Some(json!({"event": event_id})),
        )
        .await?;
        promoted += 1;
    }
    Ok(promoted)
}

/// Cancels a registration. Members may cancel their household's until the event starts; staff
/// any time. Freed seats go to the waitlist in the same transaction.
pub async fn cancel(
    app: &App,
    actor: &MemberRow,
    staff: bool,
    event_id: &str,
    id: &str,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let reg = find_registration(tx.conn(), event_id, id)
        .await?
        .filter(|r| staff || r.household_id == actor.household_id)
        .ok_or(Error::NotFound("registration"))?;
    let event = find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    if !staff && now_ms() >= event.starts_at {
        return Err(Error::Conflict(
            "the event has started; ask the centre's staff".into(),
        ));
    }
    if !cancel_in(app, &mut tx, &actor.id, &reg).await? {
        return Err(Error::Conflict(
            "the registration is already cancelled".into(),
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Cancels `reg` inside `tx` and gives its seats to the waitlist; `false` when it was cancelled
/// already.
async fn cancel_in(app: &App, tx: &mut Tx, actor: &str, reg: &RegistrationRow) -> Result<bool> {
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE registrations SET status = 'cancelled', cancelled_at = $2, updated_at = $2 WHERE id = $1 AND status <> 'cancelled'",
    )
    .bind(&reg.id)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    crate::cache::household_changed(tx, &reg.household_id);
    sqlx::query("UPDATE registration_people SET live = 0 WHERE registration_id = $1")
        .bind(&reg.id)
        .execute(tx.conn())
        .await?;
    if reg.status() == RegistrationStatus::Confirmed {
        free_seats(app, tx, &reg.event_id, reg.seats).await?;
    }
    audit::record(
        tx,
        actor,
        "registration.cancelled",
        Some(&reg.id),
        Some(json!({"event": reg.event_id})),
    )
    .await?;
    Ok(true)
}

/// Gives `seats` confirmed seats of an event back and promotes whoever now fits.
async fn free_seats(app: &App, tx: &mut Tx, event_id: &str, seats: i64) -> Result<()> {
    sqlx::query("UPDATE events SET seats_taken = seats_taken - $2 WHERE id = $1")
        .bind(event_id)
        .bind(seats)
        .execute(tx.conn())
        .await?;
    crate::cache::seats_changed(tx, event_id);
    promote(app, tx, event_id).await?;
    Ok(())
}

/// Gives back the places erased people of a household held at events that have not started (an
/// erased person will not come, and a seat held by nobody is a seat another family cannot
/// have). A registration left with nobody is cancelled; otherwise it keeps the others and
/// shrinks. Freed seats go to the waitlist in the caller's transaction, the erasure's. Events
/// that have started keep their registrations whole: past attendance stays countable.
pub async fn release_erased(app: &App, tx: &mut Tx, actor: &str, household_id: &str) -> Result<()> {
    // Events are locked in id order, the order group commit takes them in.
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations r WHERE household_id = $1 \
         AND status <> 'cancelled' \
         AND EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id AND e.starts_at > $2) \
         ORDER BY event_id, id"
    )))
    .bind(household_id)
    .bind(now_ms())
    .fetch_all(tx.conn())
    .await?;
    for reg in regs {
        let gone: Vec<(String,)> = sqlx::query_as(
            "SELECT rp.person_id FROM registration_people rp JOIN people p ON p.id = rp.person_id \
             WHERE rp.registration_id = $1 AND rp.live = 1 AND p.erased_at IS NOT NULL",
        )
        .bind(&reg.id)
        .fetch_all(tx.conn())
        .await?;
        let n = gone.len() as i64;
        if n == 0 {
            continue;
        }
        if n >= reg.seats {
            cancel_in(app, tx, actor, &reg).await?;
            continue;
        }
        // The erased person's place goes; nothing that names them stays with the registration.
        for (person,) in &gone {
            sqlx::query(
                "DELETE FROM registration_people WHERE registration_id = $1 AND person_id = $2",
            )
            .bind(&reg.id)
            .bind(person)
            .execute(tx.conn())
            .await?;
        }
        sqlx::query("UPDATE registrations SET seats = seats - $2, updated_at = $3 WHERE id = $1")
            .bind(&reg.id)
            .bind(n)
            .bind(now_ms())
            .execute(tx.conn())
            .await?;
        crate::cache::household_changed(tx, household_id);
        if reg.status() == RegistrationStatus::Confirmed {
            free_seats(app, tx, &reg.event_id, n).await?;
        } else {
            // A smaller waiting group may fit the seats that are free now.
            promote(app, tx, &reg.event_id).await?;
        }
        audit::record(
            tx,
            actor,
            "registration.reduced",
            Some(&reg.id),
            Some(json!({"event": reg.event_id, "seats": reg.seats - n})),
        )
        .await?;
    }
    Ok(())
}

/// What a mail about a registration says beyond the event and the people.
#[derive(Debug, Default, Clone, Copy)]
struct Details<'a> {
    /// The place on the waitlist (`registration_waitlisted`).
    position: Option<i64>,
    /// Why staff cancelled the event (`event_cancelled`), as they wrote it.
    reason: Option<&'a str>,
    /// Whether the event's calendar file goes along.
    with_calendar: bool,
}

/// Mails the member who made a registration about it, with the event's calendar file when the
/// seats are theirs. When that member has since been erased, another member of the household
/// is told instead (the family still holds the seats).
async fn mail_registrant(
    app: &App,
    tx: &mut Tx,
    event: &EventRow,
    r: &RegistrationRow,
    kind: &'static str,
    reason: Option<&str>,
) -> Result<()> {
    let registrant = members::find(tx.conn(), &r.registered_by)
        .await?
        .filter(|m| m.status != AccountStatus::Erased.as_str());
    let member = match registrant {
        Some(m) => m,
        None => {
            let other: Option<(String,)> = sqlx::query_as(
                "SELECT a.person_id FROM accounts a JOIN people p ON p.id = a.person_id \
                 WHERE p.household_id = $1 AND a.status IN ('active', 'alumni') \
                 ORDER BY CASE p.relation WHEN 'primary' THEN 0 ELSE 1 END, p.created_at, p.id",
            )
            .bind(&r.household_id)
            .fetch_optional(tx.conn())
            .await?;
            let Some((id,)) = other else { return Ok(()) };
            match members::find(tx.conn(), &id).await? {
                Some(m) => m,
                None => return Ok(()),
            }
        }
    };
    let people = people_of(tx.conn(), &r.id).await?;
    let names: Vec<&str> = people
        .iter()
        .filter_map(|p| p.first_name.as_deref())
        .collect();
    let position = if kind == "registration_waitlisted" {
        position(tx.conn(), r).await?
    } else {
        None
    };
    let details = Details {
        position,
        reason,
        with_calendar: false,
    };
    mail_member(app, tx, event, r, kind, &member, &names.join(", "), details).await
}

/// The mail about a registration to the member who made it.
#[allow(clippy::too_many_arguments)]
async fn mail_member(
    app: &App,
    tx: &mut Tx,
    event: &EventRow,
    r: &RegistrationRow,
    kind: &'static str,
    member: &MemberRow,
    names: &str,
    details: Details<'_>,
) -> Result<()> {
    let key = match kind {
        "event_changed" => format!("{kind}:{}:{}", r.id, event.revision),
        _ => format!("{kind}:{}", r.id),
    };
    // The calendar file goes to a household whose seats these are: with their confirmation,
    // then with each change or the cancellation, so the copy in their calendar follows. A
    // waitlisted household gets its first file when promoted (a tentative one mailed before
    // would carry the same SEQUENCE and keep the promotion's from counting as newer).
    let with_calendar = match kind {
        "registration_confirmed" | "registration_promoted" => true,
        "event_changed" | "event_cancelled" => r.status() == RegistrationStatus::Confirmed,
        _ => false,
    };
    let details = Details {
        with_calendar,
        ..details
    };
    match render_for_member(app, event, kind, member, names, details, key)? {
        Some(mail) => mail.write(tx).await,
        None => Ok(()),
    }
}

/// The mail about a registration to `member`, rendered; `None` without an address.
fn render_for_member(
    app: &App,
    event: &EventRow,
    kind: &'static str,
    member: &MemberRow,
    names: &str,
    details: Details<'_>,
    idempotency_key: String,
) -> Result<Option<mail::Rendered>> {
    let Some(email) = member
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
    else {
        return Ok(None);
    };
    let mut context = event.mail_context(app, member.first_name.as_deref().unwrap_or(""), names);
    if let Some(map) = context.as_object_mut() {
        match kind {
            "registration_waitlisted" => {
                map.insert("position".into(), details.position.unwrap_or(1).into());
            }
            "event_cancelled" => {
                map.insert("reason".into(), details.reason.unwrap_or("").into());
            }
            _ => {}
        }
    }
    let attachments = if details.with_calendar {
        let (content, content_type) = crate::calendar::mailed_event(app, event);
        vec![Attachment {
            filename: "event.ics".into(),
            content_type,
            content,
        }]
    } else {
        vec![]
    };
    let mail = Mail {
        kind,
        to: &email,
        language: member.language(),
        account_id: Some(&member.id),
        context,
        idempotency_key,
    };
    mail::render(&app.templates, &app.config, mail, attachments).map(Some)
}

/// Mails every live registration of an event (a change of time or place, a cancellation with
/// staff's `reason`, if they gave one).
pub async fn tell_registered(
    app: &App,
    tx: &mut Tx,
    event: &EventRow,
    kind: &'static str,
    reason: Option<&str>,
) -> Result<()> {
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 AND status <> 'cancelled' ORDER BY queued_at, id"
    )))
    .bind(&event.id)
    .fetch_all(tx.conn())
    .await?;
    for r in regs {
        mail_registrant(app, tx, event, &r, kind, reason).await?;
    }
    Ok(())
}

/// The registrations of an event with their people, in arrival order (for staff).
pub async fn for_event(
    app: &App,
    event_id: &str,
) -> Result<Vec<(RegistrationRow, Vec<RegisteredPerson>, Option<i64>)>> {
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 ORDER BY queued_at, id"
    )))
    .bind(event_id)
    .fetch_all(&app.db.read)
    .await?;
    let people: Vec<RegisteredPerson> = sqlx::query_as(
        "SELECT rp.registration_id, rp.person_id, p.first_name, p.last_name, p.relation, rp.checked_in_at \
         FROM registration_people rp JOIN people p ON p.id = rp.person_id WHERE rp.event_id = $1 \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(event_id)
    .fetch_all(&app.db.read)
    .await?;
    let mut out = Vec::new();
    let mut waiting = 0;
    for r in regs {
        let pos = if r.status() == RegistrationStatus::Waitlisted {
            waiting += 1;
            Some(waiting)
        } else {
            None
        };
        let ps = people
            .iter()
            .filter(|p| p.registration_id == r.id)
            .cloned()
            .collect();
        out.push((r, ps, pos));
    }
    Ok(out)
}

/// The registrations of a household, newest event first.
pub async fn for_household(
    app: &App,
    household_id: &str,
) -> Result<
    Vec<(
        RegistrationRow,
        EventRow,
        Vec<RegisteredPerson>,
        Option<i64>,
    )>,
> {
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE household_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(household_id)
    .fetch_all(&app.db.read)
    .await?;
    let mut out = Vec::new();
    for r in regs {
        let Some(event) = find(&app.db.read, &r.event_id).await? else {
            continue;
        };
        let people = people_of(&app.db.read, &r.id).await?;
        let pos = position(&app.db.read, &r).await?;
        out.push((r, event, people, pos));
    }
    Ok(out)
}

/// Which people of a registration to check in.
pub enum CheckIn {
    Registration(String),
    People(Vec<String>),
}

/// Checks people in at the door. Checking in twice is harmless (the first time stays).
/// Answers the registrations touched.
pub async fn check_in(
    app: &App,
    actor: &str,
    event_id: &str,
    what: CheckIn,
) -> Result<Vec<String>> {
    let mut tx = app.db.begin().await?;
    find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    let now = now_ms();
    let mut touched = Vec::new();
    match what {
        CheckIn::Registration(id) => {
            let reg = find_registration(tx.conn(), event_id, &id)
                .await?
                .ok_or(Error::NotFound("registration"))?;
            if reg.status() != RegistrationStatus::Confirmed {
                return Err(Error::Conflict(format!(
                    "the registration is {}, not confirmed",
                    reg.status
                )));
            }
            sqlx::query("UPDATE registration_people SET checked_in_at = COALESCE(checked_in_at, $2) WHERE registration_id = $1")
                .bind(&id)
                .bind(now)
                .execute(tx.conn())
                .await?;
            touched.push(id);
        }
        CheckIn::People(ids) => {
            if ids.is_empty() {
                return Err(Error::field("person_ids", "name at least one person"));
            }
            for person in ids {
                let reg: Option<(String,)> = sqlx::query_as(
                    "SELECT rp.registration_id FROM registration_people rp JOIN registrations r ON r.id = rp.registration_id \
                     WHERE rp.event_id = $1 AND rp.person_id = $2 AND rp.live = 1 AND r.status = 'confirmed'",
                )
                .bind(event_id)
                .bind(&person)
                .fetch_optional(tx.conn())
                .await?;
                let Some((reg,)) = reg else {
                    return Err(Error::field(
                        "person_ids",
                        format!("{person} has no confirmed registration for this event"),
                    ));
                };
                sqlx::query(
                    "UPDATE registration_people SET checked_in_at = COALESCE(checked_in_at, $3) WHERE registration_id = $1 AND person_id = $2",
                )
                .bind(&reg)
                .bind(&person)
                .bind(now)
                .execute(tx.conn())
                .await?;
                if !touched.contains(&reg) {
                    touched.push(reg);
                }
            }
        }
    }
    audit::record(
        &mut tx,
        actor,
        "registration.checked_in",
        Some(event_id),
        Some(json!({"registrations": touched})),
    )
    .await?;
    tx.commit().await?;
    Ok(touched)
}

/// The scheduled reminder: about a day before an event, each confirmed registration is reminded
/// once (the idempotency key makes a second run, or a second instance, do nothing).
pub async fn send_reminders(app: &App) -> Result<usize> {
    let now = now_ms();
    let hour = 3_600_000;
    let due: Vec<RegistrationRow> = sqlx::query_as(
        "SELECT r.id, r.event_id, r.household_id, r.registered_by, r.status, r.seats, r.queued_at, r.created_at, r.cancelled_at \
         FROM registrations r JOIN events e ON e.id = r.event_id \
         WHERE r.status = 'confirmed' AND e.status = 'published' AND e.starts_at > $1 AND e.starts_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = 'event_reminder:' || r.id) \
         ORDER BY e.starts_at, r.id",
    )
    .bind(now + hour)
    .bind(now + 26 * hour)
    .fetch_all(&app.db.read)
    .await?;
    let mut sent = 0;
    for r in due {
        let mut tx = app.db.begin().await?;
        if let Some(event) = find(tx.conn(), &r.event_id).await? {
            mail_registrant(app, &mut tx, &event, &r, "event_reminder", None).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
