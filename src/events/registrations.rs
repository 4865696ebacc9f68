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
//!
//! A registration's people may change ([`change`]): those who stay keep their seats, removed
//! people's seats go to the waitlist, added people take free seats the way a new group would.
//! People who become alumni give up their places at events that do not admit alumni the same way
//! ([`release_departed`]), as erased people give up theirs ([`release_erased`]).
//! Every write to an event's seats or waitlist outside group commit locks the event row first
//! ([`lock_event`]), the lock the reservations take, so changes, cancellations and registrations
//! of one event queue one after the other on PostgreSQL too, whatever the instance.
//!
//! Mail about a registration goes to the member who made it and to every member with an account
//! who is in it, each in their own language ([`recipients_of`]).

use std::collections::HashSet;

use serde_json::json;

use super::{EVENT_COLUMNS, EventRow, find};
use crate::app::App;
use crate::audit;
use crate::db::{Backend, Tx, new_id, now_ms};
use crate::error::{Error, Fields, Result, conflict_if_taken};
use crate::mail::{self, Attachment, Mail};
use crate::members::MemberRow;
use crate::values::{
    AccountStatus, Audience, EmailAddress, EventStatus, Language, RegistrationStatus,
};

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
    /// The person's e-mail address when they are a member with an account; read only for the
    /// staff's export ([`for_event`]).
    #[sqlx(default)]
    pub email: Option<String>,
}

impl RegisteredPerson {
    pub fn name(&self) -> String {
        person_name(self.first_name.as_deref(), self.last_name.as_deref())
    }
}

/// How a person is named in answers and mail: their names, as the household knows them.
fn person_name(first: Option<&str>, last: Option<&str>) -> String {
    let name = [first, last]
        .into_iter()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        "a person without a name".into()
    } else {
        name
    }
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

/// A waitlisted registration's place: (position, 1 = next; how many registrations wait in all).
pub async fn place(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    r: &RegistrationRow,
) -> Result<Option<(i64, i64)>> {
    if r.status() != RegistrationStatus::Waitlisted {
        return Ok(None);
    }
    let (waiting, ahead): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN queued_at < $2 OR (queued_at = $2 AND id < $3) \
         THEN 1 ELSE 0 END), 0) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'",
    )
    .bind(&r.event_id)
    .bind(r.queued_at)
    .bind(&r.id)
    .fetch_one(exec)
    .await?;
    Ok(Some((ahead + 1, waiting)))
}

/// Whether the people may come to an event of this audience.
fn check_audience(event: &EventRow, member: &MemberRow, relations: &[&str]) -> Result<()> {
    check_standing(event, member.status == AccountStatus::Alumni.as_str())?;
    check_group(event, relations)
}

/// Whether an event's audience admits alumni (`alumni`) or members living in the region: the
/// one rule for a household registering and for people who become alumni
/// ([`release_departed`]).
fn check_standing(event: &EventRow, alumni: bool) -> Result<()> {
    let refused = |why: &str| Err(Error::Forbidden(why.to_owned()));
    match event.audience() {
        Audience::Members if alumni => refused("this event is for members living in the region"),
        Audience::Alumni if !alumni => refused("this event is for alumni"),
        _ => Ok(()),
    }
}

/// Whether a group of people (by relation) may come to an event of this audience; who the
/// household is (member or alumnus) is checked when it registers.
fn check_group(event: &EventRow, relations: &[&str]) -> Result<()> {
    let refused = |why: &str| Err(Error::Forbidden(why.to_owned()));
    match event.audience() {
        Audience::Everyone | Audience::Members | Audience::Alumni => Ok(()),
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
    /// How many registrations wait in all, while this one waits.
    pub waitlist_length: Option<i64>,
}

/// A person of a household, with their account when they have one.
#[derive(Clone, sqlx::FromRow)]
struct HouseholdPerson {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    relation: String,
    erased_at: Option<i64>,
    email: Option<String>,
    language: Option<String>,
    account_status: Option<String>,
}

impl HouseholdPerson {
    fn name(&self) -> String {
        person_name(self.first_name.as_deref(), self.last_name.as_deref())
    }

    /// Somebody to tell about a registration they are in: a member with a working account.
    fn recipient(&self) -> Option<Recipient> {
        if !matches!(self.account_status.as_deref(), Some("active" | "alumni")) {
            return None;
        }
        Recipient::new(
            &self.id,
            self.email.as_deref(),
            self.first_name.as_deref(),
            self.language.as_deref(),
        )
    }

    fn registered(&self, registration_id: &str) -> RegisteredPerson {
        RegisteredPerson {
            registration_id: registration_id.to_owned(),
            person_id: self.id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            relation: self.relation.clone(),
            checked_in_at: None,
            email: None,
        }
    }
}

/// The people of a household (a handful), ordered as `people_of` orders them.
async fn household_people(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    household_id: &str,
) -> Result<Vec<HouseholdPerson>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.first_name, p.last_name, p.relation, p.erased_at, a.email, a.language, \
         a.status AS account_status FROM people p LEFT JOIN accounts a ON a.person_id = p.id \
         WHERE p.household_id = $1 \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(household_id)
    .fetch_all(exec)
    .await?)
}

/// A member told by mail about a registration.
#[derive(Clone)]
struct Recipient {
    account_id: String,
    email: EmailAddress,
    first_name: String,
    language: Language,
}

impl Recipient {
    /// `None` without a usable address (an erased account has none).
    fn new(
        account_id: &str,
        email: Option<&str>,
        first_name: Option<&str>,
        language: Option<&str>,
    ) -> Option<Recipient> {
        Some(Recipient {
            account_id: account_id.to_owned(),
            email: EmailAddress::parse(email?).ok()?,
            first_name: first_name.unwrap_or_default().to_owned(),
            language: language
                .and_then(|l| l.parse().ok())
                .unwrap_or(Language::En),
        })
    }

    fn of_member(m: &MemberRow) -> Option<Recipient> {
        Recipient::new(
            &m.id,
            m.email.as_deref(),
            m.first_name.as_deref(),
            Some(&m.language),
        )
    }
}

/// The idempotency key of one recipient's mail. The first recipient (the member who made the
/// registration, as a rule) keeps the key the registration's mail always had, which the
/// reminder job looks for; the others' keys add their account.
fn recipient_key(base: &str, index: usize, r: &Recipient) -> String {
    if index == 0 {
        base.to_owned()
    } else {
        format!("{base}:{}", r.account_id)
    }
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

/// Whether a household may register for an event now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Open,
    Cancelled,
    /// Registration opens at this instant (milliseconds).
    NotYet(i64),
    Closed,
}

/// The one rule for when registration is open: not cancelled, within its window (until the
/// event starts unless it closes earlier). The pages show it; [`register`] enforces it.
pub fn openness(event: &EventRow, now: i64) -> Openness {
    if event.status() == EventStatus::Cancelled {
        return Openness::Cancelled;
    }
    if let Some(opens) = event.registration_opens_at.filter(|o| now < *o) {
        return Openness::NotYet(opens);
    }
    if now >= event.registration_closes_at.unwrap_or(event.starts_at) {
        return Openness::Closed;
    }
    Openness::Open
}

/// Whether registration is open now for this event (not cancelled, within its window).
fn check_open(event: &EventRow, now: i64) -> Result<()> {
    match openness(event, now) {
        Openness::Open => Ok(()),
        Openness::Cancelled => Err(Error::Conflict("the event is cancelled".into())),
        Openness::NotYet(_) => Err(Error::Conflict("registration has not opened yet".into())),
        Openness::Closed => Err(Error::Conflict("registration is closed".into())),
    }
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
    let (event, household) = tokio::try_join!(
        find(&app.db.read, event_id),
        household_people(&app.db.read, &member.household_id)
    )?;
    let event = event
        .filter(|e| e.status() != EventStatus::Draft)
        .ok_or(Error::NotFound("event"))?;
    check_open(&event, now_ms())?;
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
    // Told by mail: the member, then every other member with an account in the group.
    let recipients: Vec<Recipient> = Recipient::of_member(member)
        .into_iter()
        .chain(
            people
                .iter()
                .filter(|p| p.id != member.id)
                .filter_map(HouseholdPerson::recipient),
        )
        .collect();
    let seats_left = event.seats_left();
    // The confirmations are rendered here, in parallel with other requests, when seats look
    // free; the writer then only inserts them (their keys are completed there, with the
    // registration's id).
    let names = first_names(&people);
    let id = new_id();
    let confirmations = if seats_left.is_none_or(|left| left >= people.len() as i64) {
        let mut letter = Letter::new(&event, "registration_confirmed", &names, None);
        letter.door = Some(&id);
        let render = |r: &Recipient| letter.render(app, r, String::new());
        Some(recipients.iter().map(render).collect::<Result<Vec<_>>>()?)
    } else {
        None
    };
    let job = Reservation {
        app: app.clone(),
        event,
        member: member.clone(),
        people,
        names,
        recipients,
        confirmations,
        waitlist,
        id,
    };
    match app.db.batch(job).await? {
        Reserved::Done(done) => Ok(Some(*done)),
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
    /// Who is told, the member first.
    recipients: Vec<Recipient>,
    /// The confirmation mails, one per recipient, rendered in advance (absent when seats
    /// looked taken).
    confirmations: Option<Vec<mail::Rendered>>,
    waitlist: bool,
    /// The registration's id, chosen before the confirmations are rendered (their door link
    /// names it).
    id: String,
}

fn first_names<'a>(people: impl IntoIterator<Item = &'a HouseholdPerson>) -> String {
    let names: Vec<&str> = people
        .into_iter()
        .filter_map(|p| p.first_name.as_deref())
        .collect();
    names.join(", ")
}

fn registered_first_names(people: &[RegisteredPerson]) -> String {
    let names: Vec<&str> = people
        .iter()
        .filter_map(|p| p.first_name.as_deref())
        .collect();
    names.join(", ")
}

enum Reserved {
    /// Boxed: the answer is large beside the other outcomes.
    Done(Box<Registered>),
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
                    Backend::Postgres => {
                        "SELECT revision, capacity, seats_taken FROM events WHERE id = $1 FOR UPDATE"
                    }
                    Backend::Sqlite => {
                        "SELECT revision, capacity, seats_taken FROM events WHERE id = $1"
                    }
                };
                let (revision, capacity, taken): (i64, Option<i64>, i64) = sqlx::query_as(lock)
                    .bind(event_id)
                    .fetch_one(tx.conn())
                    .await?;
                // Seats freed while this waited for the lock (a cancellation, people taken out
                // of a registration) went to the waitlist in that transaction; what is left
                // belongs to whoever comes first, so this one tries again rather than queue
                // behind nobody while a later arrival takes the seat.
                let fits = capacity.is_none_or(|c| taken + seats <= c);
                if revision != event.revision || fits {
                    return Ok(Reserved::Changed);
                }
                false
            }
        };
        if !confirmed && !self.waitlist {
            return Ok(Reserved::Full);
        }
        let status = if confirmed {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waitlisted
        };
        let row = insert_registration(
            tx,
            self.id.clone(),
            event_id,
            &member.household_id,
            &member.id,
            status,
            &self.people,
        )
        .await?;
        // A new waitlisted registration is the last in the queue: its position is the length.
        let position = position(tx.conn(), &row).await?;
        match (&self.confirmations, confirmed) {
            (Some(mails), true) => {
                let base = format!("registration_confirmed:{}", row.id);
                for (i, (mail, r)) in mails.iter().zip(&self.recipients).enumerate() {
                    mail.write_with_key(tx, recipient_key(&base, i, r)).await?;
                }
            }
            _ => {
                let kind = if confirmed {
                    "registration_confirmed"
                } else {
                    "registration_waitlisted"
                };
                let mut letter = Letter::new(event, kind, &self.names, position);
                if confirmed {
                    letter.door = Some(&row.id);
                }
                let key = mail_key(kind, event, &row);
                mail_each(app, tx, &letter, &key, &self.recipients).await?;
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
        let people = self.people.iter().map(|p| p.registered(&row.id)).collect();
        Ok(Reserved::Done(Box::new(Registered {
            row,
            people,
            position,
            waitlist_length: position,
        })))
    }
}

/// Writes a new registration of `people`, under the event's lock (taken by the caller's seat
/// reservation or [`lock_event`]): arrival order is the order of these writes, so the time and
/// the id are taken here, not before. A person who already holds a live registration for the
/// event is a conflict that names them.
async fn insert_registration(
    tx: &mut Tx,
    id: String,
    event_id: &str,
    household_id: &str,
    registered_by: &str,
    status: RegistrationStatus,
    people: &[HouseholdPerson],
) -> Result<RegistrationRow> {
    let now = now_ms();
    let row = RegistrationRow {
        id,
        event_id: event_id.to_owned(),
        household_id: household_id.to_owned(),
        registered_by: registered_by.to_owned(),
        status: status.as_str().to_owned(),
        seats: people.len() as i64,
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
    .bind(row.seats)
    .bind(now)
    .execute(tx.conn())
    .await?;
    crate::cache::household_changed(tx, &row.household_id);
    add_people(tx, &row, people).await?;
    Ok(row)
}

/// Adds people to a registration. One of them holding a live registration for the event
/// already is a conflict naming them (in group commit, the error rolls the batch back and the
/// job runs again alone, answering this).
async fn add_people(tx: &mut Tx, r: &RegistrationRow, people: &[HouseholdPerson]) -> Result<()> {
    for person in people {
        let inserted = sqlx::query(
            "INSERT INTO registration_people (registration_id, event_id, person_id, live) VALUES ($1, $2, $3, 1)",
        )
        .bind(&r.id)
        .bind(&r.event_id)
        .bind(&person.id)
        .execute(tx.conn())
        .await;
        conflict_if_taken(inserted, || {
            format!("{} is already registered for this event", person.name())
        })?;
    }
    Ok(())
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
        mail_registration(app, tx, &event, &r, "registration_promoted", None).await?;
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

/// Reads an event in `tx`, on PostgreSQL locking its row (SQLite has one writer). Every change
/// of an event's seats or waitlist outside group commit starts here, with the lock the seat
/// reservations take: changes, cancellations, promotions and new registrations of one event then
/// run one after the other, whichever instance serves them, and always lock the event before
/// its registrations (one order, so they cannot deadlock each other).
async fn lock_event(app: &App, tx: &mut Tx, event_id: &str) -> Result<Option<EventRow>> {
    let lock = match app.db.backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE id = $1{lock}"
    )))
    .bind(event_id)
    .fetch_optional(tx.conn())
    .await?)
}

/// Cancels a registration. Members may cancel their household's until the event starts; staff
/// any time. Freed seats go to the waitlist in the same transaction; everyone in it is told.
pub async fn cancel(
    app: &App,
    actor: &MemberRow,
    staff: bool,
    event_id: &str,
    id: &str,
) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let event = lock_event(app, &mut tx, event_id)
        .await?
        .ok_or(Error::NotFound("registration"))?;
    let reg = find_registration(tx.conn(), event_id, id)
        .await?
        .filter(|r| staff || r.household_id == actor.household_id)
        .ok_or(Error::NotFound("registration"))?;
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
    mail_registration(app, &mut tx, &event, &reg, "registration_cancelled", None).await?;
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

/// A change of a registration's people, as asked.
pub struct Change {
    /// People of the household to add.
    pub add: Vec<String>,
    /// People of the registration to take out.
    pub remove: Vec<String>,
    /// When a confirmed registration has too few free seats for the added people: put them on
    /// the waitlist as a registration of their own (otherwise nothing changes and the answer
    /// is a conflict).
    pub waitlist: bool,
}

/// What a change did.
pub struct Changed {
    /// The registration as it is now.
    pub registration: Registered,
    /// The added people, waiting as a registration of their own (`waitlist` asked, too few
    /// seats).
    pub waitlisted: Option<Registered>,
}

/// Adds and removes people of a registration in one transaction. Those who stay keep their
/// seats (and a waitlisted registration its place). Removing frees seats, which go to the
/// waitlist at once; a registration keeps at least one person (cancel it otherwise). Adding to a
/// confirmed registration takes the extra seats if they are free, as a new group would; when
/// they are not, nothing changes (conflict), or with `waitlist` the added people wait as a
/// registration of their own: the seats already confirmed are never given up, and the
/// household is not split without asking. Adding to a waitlisted registration makes the
/// waiting group larger, in its place. Members change their household's registrations until
/// the event starts and add people only while registration is open; staff any time.
///
/// Concurrency: the event row is locked first ([`lock_event`]), as by a registration's seat
/// reservation, so capacity holds and the waitlist stays in arrival order whatever runs beside.
pub async fn change(
    app: &App,
    actor: &MemberRow,
    staff: bool,
    event_id: &str,
    id: &str,
    change: Change,
) -> Result<Changed> {
    check_change_lists(&change)?;
    let mut tx = app.db.begin().await?;
    let event = lock_event(app, &mut tx, event_id)
        .await?
        .filter(|e| staff || e.status() != EventStatus::Draft)
        .ok_or(Error::NotFound("registration"))?;
    let reg = find_registration(tx.conn(), event_id, id)
        .await?
        .filter(|r| staff || r.household_id == actor.household_id)
        .ok_or(Error::NotFound("registration"))?;
    if reg.status() == RegistrationStatus::Cancelled {
        return Err(Error::Conflict(
            "the registration is cancelled; register again instead".into(),
        ));
    }
    let now = now_ms();
    if event.status() == EventStatus::Cancelled {
        return Err(Error::Conflict("the event is cancelled".into()));
    }
    if !staff && now >= event.starts_at {
        return Err(Error::Conflict(
            "the event has started; ask the centre's staff".into(),
        ));
    }
    if !staff && !change.add.is_empty() {
        check_open(&event, now).map_err(|_| {
            Error::Conflict(
                "registration is closed: people can no longer be added (removing still works)"
                    .into(),
            )
        })?;
    }
    let household = household_people(tx.conn(), &reg.household_id).await?;
    let current = people_of(tx.conn(), &reg.id).await?;
    let (added, removed) = resolve_change(&change, &household, &current)?;
    let staying: Vec<&HouseholdPerson> = household
        .iter()
        .filter(|p| current.iter().any(|c| c.person_id == p.id))
        .filter(|p| !removed.iter().any(|r| r.id == p.id))
        .chain(added.iter().copied())
        .collect();
    if staying.is_empty() {
        return Err(Error::field(
            "remove",
            "a registration keeps at least one person; cancel it instead",
        ));
    }
    let relations: Vec<&str> = staying.iter().map(|p| p.relation.as_str()).collect();
    check_group(&event, &relations)?;
    for p in &added {
        if holds_registration(&mut tx, event_id, &p.id).await? {
            return Err(Error::Conflict(format!(
                "{} is already registered for this event",
                p.name()
            )));
        }
    }
    // Told about the change: whoever was in the registration, including those removed now.
    let told_before = recipients_of(&mut tx, &reg).await?;

    let more = added.len() as i64 - removed.len() as i64;
    let split = reg.status() == RegistrationStatus::Confirmed
        && more > 0
        && !reserve(&mut tx, event_id, more).await?;
    if split && !change.waitlist {
        let left = event.seats_left().unwrap_or(0);
        return Err(Error::Conflict(format!(
            "not enough seats: {left} left for {more} more people; nothing was changed. \
             With \"waitlist\": true, {} wait as a registration of their own",
            added
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for p in &removed {
        sqlx::query(
            "DELETE FROM registration_people WHERE registration_id = $1 AND person_id = $2",
        )
        .bind(&reg.id)
        .bind(&p.id)
        .execute(tx.conn())
        .await?;
    }
    let joining: Vec<HouseholdPerson> = added.iter().map(|p| (*p).clone()).collect();
    if !split {
        add_people(&mut tx, &reg, &joining).await?;
    }
    let seats = reg.seats - removed.len() as i64 + if split { 0 } else { added.len() as i64 };
    sqlx::query("UPDATE registrations SET seats = $2, updated_at = $3 WHERE id = $1")
        .bind(&reg.id)
        .bind(seats)
        .bind(now)
        .execute(tx.conn())
        .await?;
    crate::cache::household_changed(&mut tx, &reg.household_id);
    let freed = reg.seats - seats;
    if reg.status() == RegistrationStatus::Confirmed && freed > 0 {
        free_seats(app, &mut tx, event_id, freed).await?;
    } else if freed > 0 {
        // A smaller waiting group may fit the seats that are free now.
        promote(app, &mut tx, event_id).await?;
    }
    let waitlisted = if split {
        let row = insert_registration(
            &mut tx,
            new_id(),
            event_id,
            &reg.household_id,
            &reg.registered_by,
            RegistrationStatus::Waitlisted,
            &joining,
        )
        .await?;
        mail_registration(app, &mut tx, &event, &row, "registration_waitlisted", None).await?;
        Some(registered(&mut tx, row).await?)
    } else {
        None
    };
    let row = find_registration(tx.conn(), event_id, id)
        .await?
        .ok_or(Error::NotFound("registration"))?;
    if seats != reg.seats || !removed.is_empty() {
        let added = if split {
            String::new()
        } else {
            first_names(added.iter().copied())
        };
        let removed = first_names(removed.iter().copied());
        tell_change(app, &mut tx, &event, &row, told_before, &added, &removed).await?;
    }
    audit::record(
        &mut tx,
        &actor.id,
        "registration.changed",
        Some(&reg.id),
        Some(json!({
            "event": event_id, "added": added.len(), "removed": removed.len(), "seats": seats,
            "waitlisted": waitlisted.as_ref().map(|w| w.row.id.clone()),
        })),
    )
    .await?;
    let registration = registered(&mut tx, row).await?;
    tx.commit().await?;
    Ok(Changed {
        registration,
        waitlisted,
    })
}

/// Mails a change to everyone in the registration now and everyone who was (those taken out
/// learn it too), each in their own language; `added` and `removed` are first names.
async fn tell_change(
    app: &App,
    tx: &mut Tx,
    event: &EventRow,
    row: &RegistrationRow,
    told_before: Vec<Recipient>,
    added: &str,
    removed: &str,
) -> Result<()> {
    let mut told = recipients_of(tx, row).await?;
    for r in told_before {
        if !told.iter().any(|t| t.account_id == r.account_id) {
            told.push(r);
        }
    }
    let names = registered_first_names(&people_of(tx.conn(), &row.id).await?);
    let position = position(tx.conn(), row).await?;
    let mut letter = Letter::new(event, "registration_changed", &names, None);
    letter.more = json!({
        "status": row.status,
        "position": position.unwrap_or(0),
        "added": added,
        "removed": removed,
    });
    letter.calendar = row.status() == RegistrationStatus::Confirmed;
    // A registration may change many times: each change's mail is a message of its own.
    let key = format!("registration_changed:{}:{}", row.id, new_id());
    mail_each(app, tx, &letter, &key, &told).await
}

/// The lists of a change, before anything is read: something to do, nobody twice.
fn check_change_lists(change: &Change) -> Result<()> {
    let mut f = Fields::default();
    if change.add.is_empty() && change.remove.is_empty() {
        f.add("add", "name people to add or to remove");
    }
    for (field, list) in [("add", &change.add), ("remove", &change.remove)] {
        let unique: HashSet<&String> = list.iter().collect();
        if unique.len() != list.len() {
            f.add(field, "a person is listed twice");
        }
    }
    if change.add.iter().any(|a| change.remove.contains(a)) {
        f.add("remove", "a person is both added and removed");
    }
    f.finish()
}

/// The household's people a change adds and removes; 422 naming the field for somebody who is
/// not of the household or not in the registration, 409 naming a person already in it or
/// already at the door.
fn resolve_change<'a>(
    change: &Change,
    household: &'a [HouseholdPerson],
    current: &[RegisteredPerson],
) -> Result<(Vec<&'a HouseholdPerson>, Vec<&'a HouseholdPerson>)> {
    let mut f = Fields::default();
    let of_household = |id: &String| household.iter().find(|p| &p.id == id);
    let mut added = Vec::new();
    for id in &change.add {
        match of_household(id).filter(|p| p.erased_at.is_none()) {
            Some(p) => added.push(p),
            None => f.add("add", format!("{id} is not a person of this household")),
        }
    }
    let mut removed = Vec::new();
    for id in &change.remove {
        match (
            of_household(id),
            current.iter().find(|c| &c.person_id == id),
        ) {
            (Some(p), Some(_)) => removed.push(p),
            (Some(p), None) => f.add(
                "remove",
                format!("{} is not in this registration", p.name()),
            ),
            (None, _) => f.add("remove", format!("{id} is not in this registration")),
        }
    }
    f.finish()?;
    if let Some(p) = added
        .iter()
        .find(|p| current.iter().any(|c| c.person_id == p.id))
    {
        return Err(Error::Conflict(format!(
            "{} is already in this registration",
            p.name()
        )));
    }
    if let Some(c) = current
        .iter()
        .find(|c| c.checked_in_at.is_some() && change.remove.contains(&c.person_id))
    {
        // Attendance stays countable: who came stays in the registration.
        return Err(Error::Conflict(format!(
            "{} has checked in and stays in the registration",
            c.name()
        )));
    }
    Ok((added, removed))
}

/// Whether a person holds a live registration for the event.
async fn holds_registration(tx: &mut Tx, event_id: &str, person_id: &str) -> Result<bool> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT registration_id FROM registration_people WHERE event_id = $1 AND person_id = $2 AND live = 1",
    )
    .bind(event_id)
    .bind(person_id)
    .fetch_optional(tx.conn())
    .await?;
    Ok(found.is_some())
}

/// A registration with what its answer shows, read in `tx`.
async fn registered(tx: &mut Tx, row: RegistrationRow) -> Result<Registered> {
    let people = people_of(tx.conn(), &row.id).await?;
    let place = place(tx.conn(), &row).await?;
    Ok(Registered {
        row,
        people,
        position: place.map(|(p, _)| p),
        waitlist_length: place.map(|(_, n)| n),
    })
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
        // The event's lock first, as every change of its seats takes it; then the registration
        // as it is under that lock.
        lock_event(app, tx, &reg.event_id).await?;
        let Some(reg) = find_registration(tx.conn(), &reg.event_id, &reg.id)
            .await?
            .filter(|r| r.status() != RegistrationStatus::Cancelled)
        else {
            continue;
        };
        let gone: Vec<(String,)> = sqlx::query_as(
            "SELECT rp.person_id FROM registration_people rp JOIN people p ON p.id = rp.person_id \
             WHERE rp.registration_id = $1 AND rp.live = 1 AND p.erased_at IS NOT NULL",
        )
        .bind(&reg.id)
        .fetch_all(tx.conn())
        .await?;
        let gone: Vec<String> = gone.into_iter().map(|(id,)| id).collect();
        if !gone.is_empty() {
            take_out(app, tx, actor, &reg, &gone).await?;
        }
    }
    Ok(())
}

/// Takes people out of a live registration, under its event's lock (the caller takes it): a
/// registration left with nobody is cancelled, otherwise it shrinks and keeps its status and
/// place; nothing that names them stays with it. Freed seats go to the waitlist in the caller's
/// transaction. Answers whether the registration was cancelled.
async fn take_out(
    app: &App,
    tx: &mut Tx,
    actor: &str,
    reg: &RegistrationRow,
    people: &[String],
) -> Result<bool> {
    let n = people.len() as i64;
    if n >= reg.seats {
        cancel_in(app, tx, actor, reg).await?;
        return Ok(true);
    }
    for person in people {
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
    crate::cache::household_changed(tx, &reg.household_id);
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
    Ok(false)
}

/// Takes people who have just become alumni (`leavers`: members, and the dependents who leave
/// with the household's last resident) out of their registrations for events that have not
/// started and whose audience does not admit alumni ([`check_standing`], the rule registration
/// applies). The others in such a registration keep their places; one left with nobody is
/// cancelled; freed seats go to the waitlist. Everyone in it with an account (the leavers too,
/// as alumni) is told why, by mail (`registration_cancelled_departure`). All in the caller's
/// transaction, the switch to alumni. Who has checked in stays (attendance stays countable).
/// Answers how many registrations changed.
pub async fn release_departed(app: &App, tx: &mut Tx, leavers: &[String]) -> Result<usize> {
    let now = now_ms();
    let mut regs: Vec<RegistrationRow> = Vec::new();
    for person in leavers {
        regs.extend(
            sqlx::query_as::<_, RegistrationRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations r WHERE id IN \
                 (SELECT registration_id FROM registration_people WHERE person_id = $1 AND live = 1) \
                 AND status <> 'cancelled' AND EXISTS (SELECT 1 FROM events e WHERE e.id = r.event_id AND e.starts_at > $2)"
            )))
            .bind(person)
            .bind(now)
            .fetch_all(tx.conn())
            .await?,
        );
    }
    // Events are locked in id order, the order group commit takes them in.
    regs.sort_by(|a, b| (&a.event_id, &a.id).cmp(&(&b.event_id, &b.id)));
    regs.dedup_by(|a, b| a.id == b.id);
    let mut changed = 0;
    for reg in regs {
        let Some(event) = lock_event(app, tx, &reg.event_id).await? else {
            continue;
        };
        if check_standing(&event, true).is_ok()
            || event.status() == EventStatus::Cancelled
            || event.starts_at <= now
        {
            continue;
        }
        let Some(reg) = find_registration(tx.conn(), &reg.event_id, &reg.id)
            .await?
            .filter(|r| r.status() != RegistrationStatus::Cancelled)
        else {
            continue;
        };
        let (going, staying): (Vec<RegisteredPerson>, Vec<RegisteredPerson>) =
            people_of(tx.conn(), &reg.id)
                .await?
                .into_iter()
                .partition(|p| leavers.contains(&p.person_id) && p.checked_in_at.is_none());
        if going.is_empty() {
            continue;
        }
        // Told: whoever is in it before the change, those who leave included.
        let told = recipients_of(tx, &reg).await?;
        let ids: Vec<String> = going.iter().map(|p| p.person_id.clone()).collect();
        let cancelled = take_out(app, tx, "system", &reg, &ids).await?;
        let staying = if cancelled {
            String::new()
        } else {
            registered_first_names(&staying)
        };
        let mut letter = Letter::new(&event, "registration_cancelled_departure", &staying, None);
        letter.more = json!({"removed": registered_first_names(&going)});
        let key = format!(
            "registration_cancelled_departure:{}:{}",
            reg.id,
            ids.join(",")
        );
        mail_each(app, tx, &letter, &key, &told).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Who is told about a registration: the member who made it, then every member with an account
/// who is in it, each once. When none of them is left (erased), another member of the household
/// is told instead: the family still holds the seats.
async fn recipients_of(tx: &mut Tx, r: &RegistrationRow) -> Result<Vec<Recipient>> {
    type Row = (String, Option<String>, Option<String>, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.person_id, a.email, p.first_name, a.language FROM accounts a \
         JOIN people p ON p.id = a.person_id \
         WHERE a.status IN ('active', 'alumni') AND (a.person_id = $2 OR a.person_id IN \
         (SELECT rp.person_id FROM registration_people rp WHERE rp.registration_id = $1)) \
         ORDER BY CASE WHEN a.person_id = $2 THEN 0 ELSE 1 END, \
         CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(&r.id)
    .bind(&r.registered_by)
    .fetch_all(tx.conn())
    .await?;
    let recipient = |(id, email, first, language): &Row| {
        Recipient::new(id, email.as_deref(), first.as_deref(), Some(language))
    };
    let found: Vec<Recipient> = rows.iter().filter_map(recipient).collect();
    if !found.is_empty() {
        return Ok(found);
    }
    let other: Option<Row> = sqlx::query_as(
        "SELECT a.person_id, a.email, p.first_name, a.language FROM accounts a \
         JOIN people p ON p.id = a.person_id \
         WHERE p.household_id = $1 AND a.status IN ('active', 'alumni') \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 ELSE 1 END, p.created_at, p.id LIMIT 1",
    )
    .bind(&r.household_id)
    .fetch_optional(tx.conn())
    .await?;
    Ok(other.as_ref().and_then(recipient).into_iter().collect())
}

/// Mails everyone told about a registration (see [`recipients_of`]) about it, with the event's
/// calendar file when the seats are theirs.
async fn mail_registration(
    app: &App,
    tx: &mut Tx,
    event: &EventRow,
    r: &RegistrationRow,
    kind: &'static str,
    reason: Option<&str>,
) -> Result<()> {
    let recipients = recipients_of(tx, r).await?;
    if recipients.is_empty() {
        return Ok(());
    }
    let names = registered_first_names(&people_of(tx.conn(), &r.id).await?);
    let position = if kind == "registration_waitlisted" {
        position(tx.conn(), r).await?
    } else {
        None
    };
    let mut letter = Letter::new(event, kind, &names, position);
    if matches!(kind, "registration_confirmed" | "registration_promoted") {
        letter.door = Some(&r.id);
    }
    // The calendar file follows a household whose seats these are: with each change or the
    // cancellation, so the copy in their calendar updates itself. A waitlisted household gets
    // its first file when promoted (a tentative one mailed before would carry the same SEQUENCE
    // and keep the promotion's from counting as newer).
    if matches!(kind, "event_changed" | "event_cancelled") {
        letter.calendar = r.status() == RegistrationStatus::Confirmed;
    }
    if let (Some(reason), Some(more)) = (reason, letter.more.as_object_mut()) {
        more.insert("reason".into(), reason.into());
    }
    mail_each(app, tx, &letter, &mail_key(kind, event, r), &recipients).await
}

/// The idempotency key of a registration's mail of `kind` (to its first recipient).
fn mail_key(kind: &str, event: &EventRow, r: &RegistrationRow) -> String {
    match kind {
        "event_changed" => format!("{kind}:{}:{}", r.id, event.revision),
        _ => format!("{kind}:{}", r.id),
    }
}

/// A mail about a registration: the same for each recipient but for the greeting and the
/// language.
struct Letter<'a> {
    event: &'a EventRow,
    kind: &'static str,
    /// First names of the people in the registration.
    names: &'a str,
    /// Template variables beyond the event's (a waitlist position, a change's details).
    more: serde_json::Value,
    /// Whether the event's calendar file goes along (the seats are theirs).
    calendar: bool,
    /// The registration whose door link goes along as a QR code (the seats are confirmed).
    door: Option<&'a str>,
}

impl<'a> Letter<'a> {
    fn new(event: &'a EventRow, kind: &'static str, names: &'a str, position: Option<i64>) -> Self {
        let more = match kind {
            "registration_waitlisted" => json!({"position": position.unwrap_or(1)}),
            // Staff's reason, if they gave one (set by the caller).
            "event_cancelled" => json!({"reason": ""}),
            _ => json!({}),
        };
        Letter {
            event,
            kind,
            names,
            more,
            calendar: matches!(kind, "registration_confirmed" | "registration_promoted"),
            door: None,
        }
    }

    /// The mail to one recipient, rendered.
    fn render(&self, app: &App, to: &Recipient, idempotency_key: String) -> Result<mail::Rendered> {
        let mut context = self.event.mail_context(app, &to.first_name, self.names);
        if let (Some(map), Some(more)) = (context.as_object_mut(), self.more.as_object()) {
            for (k, v) in more {
                map.insert(k.clone(), v.clone());
            }
        }
        let mut attachments = if self.calendar {
            let (content, content_type) = crate::calendar::mailed_event(app, self.event);
            vec![Attachment {
                filename: "event.ics".into(),
                content_type,
                content,
                inline_id: None,
                base64: false,
            }]
        } else {
            vec![]
        };
        // The QR code staff scan at the door: an image in the mail itself (a related part
        // the HTML names by `cid:`), since mail programs block images from the web.
        if let (Some(id), Some(map)) = (self.door, context.as_object_mut()) {
            let link = super::door::link(&app.config, id)?;
            attachments.push(Attachment::png(
                "door.png",
                DOOR_QR_ID,
                &super::door::png(&link, 5)?,
            ));
            map.insert("door_qr".into(), format!("cid:{DOOR_QR_ID}").into());
        }
        let mail = Mail {
            kind: self.kind,
            to: &to.email,
            language: to.language,
            account_id: Some(&to.account_id),
            context,
            idempotency_key,
        };
        mail::render(&app.templates, &app.config, mail, attachments)
    }
}

/// The Content-ID of the door QR code in a confirmation mail.
const DOOR_QR_ID: &str = "door-qr@limburgers";

/// Writes the letter to each recipient, each in their own language; `key` is the first one's
/// idempotency key (see [`recipient_key`]).
async fn mail_each(
    app: &App,
    tx: &mut Tx,
    letter: &Letter<'_>,
    key: &str,
    recipients: &[Recipient],
) -> Result<()> {
    for (i, to) in recipients.iter().enumerate() {
        letter
            .render(app, to, recipient_key(key, i, to))?
            .write(tx)
            .await?;
    }
    Ok(())
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
        mail_registration(app, tx, event, &r, kind, reason).await?;
    }
    Ok(())
}

/// The registrations of an event with their people, in arrival order (for staff). With
/// `search`, only those with a person whose names have words beginning with every word of it
/// (accents and case ignored: "ann" finds Anna, "jo pe" finds José Peeters): the door team
/// finds a household by a name.
pub async fn for_event(app: &App, event_id: &str, search: Option<&str>) -> Result<Vec<Registered>> {
    let words = match search {
        Some(q) => {
            let words = crate::members::search::terms(q);
            if words.is_empty() {
                return Err(Error::field("q", "give the beginning of a name"));
            }
            Some(words)
        }
        None => None,
    };
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 ORDER BY queued_at, id"
    )))
    .bind(event_id)
    .fetch_all(&app.db.read)
    .await?;
    let people: Vec<RegisteredPerson> = sqlx::query_as(
        "SELECT rp.registration_id, rp.person_id, p.first_name, p.last_name, p.relation, rp.checked_in_at, \
         a.email FROM registration_people rp JOIN people p ON p.id = rp.person_id \
         LEFT JOIN accounts a ON a.person_id = p.id AND a.status IN ('active', 'alumni') \
         WHERE rp.event_id = $1 \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(event_id)
    .fetch_all(&app.db.read)
    .await?;
    let waiting = regs
        .iter()
        .filter(|r| r.status() == RegistrationStatus::Waitlisted)
        .count() as i64;
    // Grouped once: an event of hundreds of registrations would otherwise scan every person
    // for every registration (the door page searches this on every keystroke).
    let mut by_registration: std::collections::HashMap<String, Vec<RegisteredPerson>> =
        std::collections::HashMap::new();
    for p in people {
        by_registration
            .entry(p.registration_id.clone())
            .or_default()
            .push(p);
    }
    let mut out = Vec::new();
    let mut ahead = 0;
    for r in regs {
        let position = if r.status() == RegistrationStatus::Waitlisted {
            ahead += 1;
            Some(ahead)
        } else {
            None
        };
        let people = by_registration.remove(&r.id).unwrap_or_default();
        if let Some(words) = &words
            && !people.iter().any(|p| name_matches(p, words))
        {
            continue;
        }
        out.push(Registered {
            row: r,
            people,
            position,
            waitlist_length: position.map(|_| waiting),
        });
    }
    Ok(out)
}

/// A registration of the door's page with one of its people.
#[derive(sqlx::FromRow)]
struct DoorRow {
    #[sqlx(flatten)]
    registration: RegistrationRow,
    person_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    relation: String,
    checked_in_at: Option<i64>,
}

/// What the door list asks for: a name search, or one registration (its QR code), and a page.
#[derive(Debug, Default, Clone)]
pub struct DoorSearch<'a> {
    pub words: Option<&'a str>,
    pub only: Option<&'a str>,
    /// 1-based; clamped to the pages there are.
    pub page: usize,
    pub per_page: usize,
}

/// One page of the door list, how many registrations the search found, and the event's counts.
pub struct DoorPage {
    pub counts: DoorCounts,
    /// When staff closed the attendance (no-shows marked, check-ins frozen).
    pub closed_at: Option<i64>,
    pub found: usize,
    pub page: usize,
    pub pages: usize,
    /// The page's registrations in arrival order, with their people (no waitlist places).
    pub registrations: Vec<Registered>,
}

/// The door's search: the registrations of an event whose people's names begin with every word
/// searched (as [`for_event`]), cancelled ones only when searched for or scanned (so staff can
/// tell the person why), one page of them.
///
/// It answers on every keystroke at the door, so it reads the event's names as one aggregated
/// row and the page's registrations only: SQLite hands sqlx each row through a channel with a
/// thread wake-up, which made reading all of a 500-person event's rows cost ~7 ms a search.
pub async fn door_search(app: &App, event: &EventRow, q: &DoorSearch<'_>) -> Result<DoorPage> {
    let event_id = event.id.as_str();
    let words = match q.words.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => {
            let words = crate::members::search::terms(w);
            if words.is_empty() {
                return Err(Error::field("q", "give the beginning of a name"));
            }
            Some(words)
        }
        None => None,
    };
    // Fields and records are split by control characters, which no stored name or id holds
    // (`values::Text` refuses them).
    const FIELD: char = '\u{1f}';
    const RECORD: char = '\u{1e}';
    let (all, expected, arrived, closed_at): (Option<String>, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT string_agg(r.id || $2 || r.status || $2 || COALESCE(p.first_name, '') || $2 || COALESCE(p.last_name, ''), $3 \
         ORDER BY r.queued_at, r.id), \
         COALESCE(SUM(CASE WHEN rp.live = 1 AND r.status = 'confirmed' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN rp.live = 1 AND r.status = 'confirmed' AND rp.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
         (SELECT closed_at FROM attendance_closed WHERE event_id = $1) \
         FROM registrations r JOIN registration_people rp ON rp.registration_id = r.id \
         JOIN people p ON p.id = rp.person_id WHERE r.event_id = $1",
    )
    .bind(&event.id)
    .bind(FIELD.to_string())
    .bind(RECORD.to_string())
    .fetch_one(&app.db.read)
    .await?;
    // Registrations in arrival order, each with whether one of its people matches.
    let mut found: Vec<(&str, bool)> = Vec::new();
    let all = all.unwrap_or_default();
    for record in all.split(RECORD).filter(|r| !r.is_empty()) {
        let mut f = record.split(FIELD);
        let (Some(id), Some(status), first, last) = (f.next(), f.next(), f.next(), f.next()) else {
            continue;
        };
        let shown = match (&words, q.only) {
            (_, Some(only)) => id == only,
            (Some(_), None) => true,
            (None, None) => status != RegistrationStatus::Cancelled.as_str(),
        };
        let matches = shown
            && words.as_ref().is_none_or(|words| {
                let names = crate::members::search::terms(&format!(
                    "{} {}",
                    first.unwrap_or(""),
                    last.unwrap_or("")
                ));
                words
                    .iter()
                    .all(|w| names.iter().any(|n| n.starts_with(w.as_str())))
            });
        match found.last_mut() {
            Some((last_id, m)) if *last_id == id => *m |= matches,
            _ => found.push((id, matches)),
        }
    }
    let hits: Vec<&str> = found
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(id, _)| id)
        .collect();
    let per_page = q.per_page.max(1);
    let pages = hits.len().div_ceil(per_page).max(1);
    let page = q.page.clamp(1, pages);
    let ids: Vec<&str> = hits
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .copied()
        .collect();
    let mut registrations = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let marks = (2..ids.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        // One query: the page's registrations joined to their people, in arrival order and,
        // within one, the primary member, the partner, then the others.
        let mut rows = sqlx::query_as::<_, DoorRow>(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.event_id, r.household_id, r.registered_by, r.status, r.seats, r.queued_at, \
             r.created_at, r.cancelled_at, rp.person_id, p.first_name, p.last_name, p.relation, rp.checked_in_at \
             FROM registrations r JOIN registration_people rp ON rp.registration_id = r.id \
             JOIN people p ON p.id = rp.person_id \
             WHERE r.event_id = $1 AND r.id IN ({marks}) \
             ORDER BY r.queued_at, r.id, CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id"
        )))
        .bind(event_id);
        for id in &ids {
            rows = rows.bind(*id);
        }
        for row in rows.fetch_all(&app.db.read).await? {
            let person = RegisteredPerson {
                registration_id: row.registration.id.clone(),
                person_id: row.person_id,
                first_name: row.first_name,
                last_name: row.last_name,
                relation: row.relation,
                checked_in_at: row.checked_in_at,
                email: None,
            };
            match registrations.last_mut() {
                Some(Registered { row: r, people, .. }) if r.id == row.registration.id => {
                    people.push(person);
                }
                _ => registrations.push(Registered {
                    row: row.registration,
                    people: vec![person],
                    position: None,
                    waitlist_length: None,
                }),
            }
        }
    }
    Ok(DoorPage {
        counts: DoorCounts {
            arrived,
            expected,
            no_shows: (now_ms() >= event.ends_at).then_some(expected - arrived),
        },
        closed_at,
        found: hits.len(),
        page,
        pages,
        registrations,
    })
}

/// Whether every query word begins a word of the person's names.
fn name_matches(p: &RegisteredPerson, words: &[String]) -> bool {
    let names = [p.first_name.as_deref(), p.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let names = crate::members::search::terms(&names);
    words
        .iter()
        .all(|w| names.iter().any(|n| n.starts_with(w.as_str())))
}

/// The registrations of a household, newest first, with their events.
pub async fn for_household(app: &App, household_id: &str) -> Result<Vec<(Registered, EventRow)>> {
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
        let place = place(&app.db.read, &r).await?;
        let registered = Registered {
            row: r,
            people,
            position: place.map(|(p, _)| p),
            waitlist_length: place.map(|(_, n)| n),
        };
        out.push((registered, event));
    }
    Ok(out)
}

/// What a member sees of an event's waitlist: how many registrations wait, and their
/// household's live registrations for it with their places.
pub struct WaitlistView {
    pub waitlist_length: i64,
    pub household: Vec<Registered>,
}

/// How many registrations wait for seats at an event.
pub async fn waitlist_length(app: &App, event_id: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted'",
    )
    .bind(event_id)
    .fetch_one(&app.db.read)
    .await?;
    Ok(n)
}

pub async fn waitlist_view(app: &App, event_id: &str, household_id: &str) -> Result<WaitlistView> {
    let waitlist_length = waitlist_length(app, event_id).await?;
    let regs: Vec<RegistrationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE household_id = $1 AND event_id = $2 \
         AND status <> 'cancelled' ORDER BY queued_at, id"
    )))
    .bind(household_id)
    .bind(event_id)
    .fetch_all(&app.db.read)
    .await?;
    let mut household = Vec::new();
    for r in regs {
        let people = people_of(&app.db.read, &r.id).await?;
        let place = place(&app.db.read, &r).await?;
        household.push(Registered {
            row: r,
            people,
            position: place.map(|(p, _)| p),
            waitlist_length: place.map(|(_, n)| n),
        });
    }
    Ok(WaitlistView {
        waitlist_length,
        household,
    })
}

/// Which people of a registration to check in.
pub enum CheckIn {
    Registration(String),
    People(Vec<String>),
}

/// Check-in opens this long before an event starts. Earlier is nearly always the wrong event
/// picked at the door, which would count people as present at an event still to come.
pub const CHECK_IN_OPENS_BEFORE_MS: i64 = 24 * 3_600_000;

/// Checks people in at the door. Checking in twice is harmless (the first time stays).
/// Refused more than a day before the event unless staff override it on purpose.
/// Answers the registrations touched.
pub async fn check_in(
    app: &App,
    actor: &str,
    event_id: &str,
    what: CheckIn,
    staff_override: bool,
) -> Result<Vec<String>> {
    let mut tx = app.db.begin().await?;
    let event = find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    refuse_if_closed(&mut tx, event_id).await?;
    let now = now_ms();
    let opens = event.starts_at - CHECK_IN_OPENS_BEFORE_MS;
    if now < opens && !staff_override {
        let local = crate::db::to_datetime(opens).with_timezone(&event.tz());
        return Err(Error::Conflict(format!(
            "check-in opens a day before the event, at {} ({}); send \"override\": true to check in anyway",
            local.format("%Y-%m-%d %H:%M"),
            event.timezone
        )));
    }
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
        Some(json!({"registrations": touched, "override": now < opens})),
    )
    .await?;
    tx.commit().await?;
    Ok(touched)
}

/// Takes back a check-in made by mistake at the door: the person counts as expected again.
/// Answers whether they were checked in (undoing twice is harmless).
pub async fn undo_check_in(
    app: &App,
    actor: &str,
    event_id: &str,
    person_id: &str,
) -> Result<bool> {
    let mut tx = app.db.begin().await?;
    find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    refuse_if_closed(&mut tx, event_id).await?;
    let reg: Option<(String,)> = sqlx::query_as(
        "SELECT registration_id FROM registration_people WHERE event_id = $1 AND person_id = $2 \
         AND checked_in_at IS NOT NULL ORDER BY live DESC",
    )
    .bind(event_id)
    .bind(person_id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((reg,)) = reg else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE registration_people SET checked_in_at = NULL WHERE event_id = $1 AND person_id = $2",
    )
    .bind(event_id)
    .bind(person_id)
    .execute(tx.conn())
    .await?;
    audit::record(
        &mut tx,
        actor,
        "registration.check_in_undone",
        Some(event_id),
        Some(json!({"registration": reg, "person": person_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Refuses a change of check-ins once staff closed the event's attendance.
async fn refuse_if_closed(tx: &mut Tx, event_id: &str) -> Result<()> {
    let closed: Option<(i64,)> =
        sqlx::query_as("SELECT closed_at FROM attendance_closed WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(tx.conn())
            .await?;
    match closed {
        Some(_) => Err(Error::Conflict(
            "attendance of this event is closed; reopen it to change a check-in".into(),
        )),
        None => Ok(()),
    }
}

/// After the event, staff mark whoever was not checked in as a no-show: the attendance is
/// closed with its counts, and check-ins are frozen until [`reopen_attendance`]. Closing again
/// changes nothing. Refused before the event has ended (people may still come).
pub async fn close_attendance(app: &App, actor: &str, event_id: &str) -> Result<DoorCounts> {
    let mut tx = app.db.begin().await?;
    let event = find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    if now_ms() < event.ends_at {
        return Err(Error::Conflict(
            "the event has not ended yet: people may still arrive".into(),
        ));
    }
    let (expected, arrived) = expected_and_arrived(&mut tx, event_id).await?;
    let closed = sqlx::query(
        "INSERT INTO attendance_closed (event_id, closed_at, arrived, no_shows) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(now_ms())
    .bind(arrived)
    .bind(expected - arrived)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if closed == 1 {
        audit::record(
            &mut tx,
            actor,
            "event.attendance_closed",
            Some(event_id),
            Some(json!({"arrived": arrived, "no_shows": expected - arrived})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(DoorCounts {
        arrived,
        expected,
        no_shows: Some(expected - arrived),
    })
}

/// People of the event's confirmed registrations, and how many of them are checked in.
async fn expected_and_arrived(tx: &mut Tx, event_id: &str) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COUNT(rp.checked_in_at) FROM registration_people rp \
         JOIN registrations r ON r.id = rp.registration_id \
         WHERE rp.event_id = $1 AND rp.live = 1 AND r.status = 'confirmed'",
    )
    .bind(event_id)
    .fetch_one(tx.conn())
    .await?)
}

/// Opens a closed attendance again (a check-in was forgotten or mistaken); answers the counts
/// as they stand.
pub async fn reopen_attendance(app: &App, actor: &str, event_id: &str) -> Result<DoorCounts> {
    let mut tx = app.db.begin().await?;
    let event = find(tx.conn(), event_id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    let opened = sqlx::query("DELETE FROM attendance_closed WHERE event_id = $1")
        .bind(event_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if opened == 1 {
        audit::record(
            &mut tx,
            actor,
            "event.attendance_reopened",
            Some(event_id),
            None,
        )
        .await?;
    }
    let (expected, arrived) = expected_and_arrived(&mut tx, event_id).await?;
    tx.commit().await?;
    Ok(DoorCounts {
        arrived,
        expected,
        no_shows: (now_ms() >= event.ends_at).then_some(expected - arrived),
    })
}

/// A person's attendance: checked in, or, once the event has ended, a no-show when their seat
/// was confirmed and they were not checked in. No-shows follow from check-ins and the end of the
/// event, the same for the staff's export, the door page and the figures; staff closing the
/// attendance ([`close_attendance`]) marks them final by freezing the check-ins.
pub fn attendance(
    event_ended: bool,
    status: RegistrationStatus,
    checked_in_at: Option<i64>,
) -> Option<&'static str> {
    match (checked_in_at, status) {
        (Some(_), _) => Some("checked_in"),
        (None, RegistrationStatus::Confirmed) if event_ended => Some("no_show"),
        _ => None,
    }
}

/// At the door: how many people of the confirmed registrations have arrived, of how many, and
/// once the event has ended how many did not come ([`attendance`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct DoorCounts {
    pub arrived: i64,
    pub expected: i64,
    pub no_shows: Option<i64>,
}

/// The event of a registration (for the door link in its confirmation mail).
pub async fn event_of(app: &App, registration_id: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT event_id FROM registrations WHERE id = $1")
        .bind(registration_id)
        .fetch_optional(&app.db.read)
        .await?;
    Ok(row.map(|(e,)| e))
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
            mail_registration(app, &mut tx, &event, &r, "event_reminder", None).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// The registrations of an event as CSV, one row per person, UTF-8 with BOM (opens cleanly in
/// Excel); cancelled registrations left out unless `include_cancelled`. The API's export and
/// the back office's download.
pub fn csv(event: &EventRow, list: Vec<Registered>, include_cancelled: bool) -> String {
    let ended = crate::db::now_ms() >= event.ends_at;
    let mut csv = String::from(
        "\u{feff}event_title,registration_id,household_id,first_name,last_name,relation,email,status,attendance,checked_in_at\r\n",
    );
    for Registered { row: r, people, .. } in list {
        if r.status() == RegistrationStatus::Cancelled && !include_cancelled {
            continue;
        }
        for p in people {
            let attendance = attendance(ended, r.status(), p.checked_in_at).unwrap_or("");
            let row = [
                event.title.clone(),
                r.id.clone(),
                r.household_id.clone(),
                p.first_name.unwrap_or_default(),
                p.last_name.unwrap_or_default(),
                p.relation,
                p.email.unwrap_or_default(),
                r.status.clone(),
                attendance.to_owned(),
                p.checked_in_at
                    .map(|t| crate::db::to_datetime(t).to_rfc3339())
                    .unwrap_or_default(),
            ];
            csv.push_str(
                &row.iter()
                    .map(|v| csv_field(v))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            csv.push_str("\r\n");
        }
    }
    csv
}

/// `attachment; filename="<title>-<date>.csv"`: the title as ASCII letters, digits and dashes
/// (any browser and spreadsheet takes it), the date the event's local start date.
pub fn csv_disposition(e: &EventRow) -> String {
    let folded = deunicode::deunicode(&e.title).to_ascii_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Whole words up to 60 characters (a first word that long is cut).
    let mut slug = String::new();
    for w in words {
        if !slug.is_empty() && slug.len() + 1 + w.len() > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.extend(w.chars().take(60));
    }
    if slug.is_empty() {
        slug.push_str("event");
    }
    let date = e.local_start().format("%Y-%m-%d");
    format!("attachment; filename=\"{slug}-{date}.csv\"")
}

fn csv_field(v: &str) -> String {
    // A leading =, +, - or @ would run as a formula in a spreadsheet.
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::mail::templates::Templates;
    use crate::values::Language;

    /// No-shows follow from the end of the event and check-ins; a late check-in still counts.
    #[test]
    fn a_confirmed_person_not_checked_in_is_a_no_show_once_the_event_has_ended() {
        use super::attendance;
        use crate::values::RegistrationStatus::{Cancelled, Confirmed, Waitlisted};
        assert_eq!(attendance(false, Confirmed, None), None);
        assert_eq!(attendance(true, Confirmed, None), Some("no_show"));
        assert_eq!(attendance(true, Confirmed, Some(1)), Some("checked_in"));
        assert_eq!(attendance(true, Waitlisted, None), None);
        assert_eq!(attendance(true, Cancelled, None), None);
    }

    /// The departure mail says what happened, a registration cancelled or one that stays for
    /// others, in every language (the template test renders only the second).
    #[test]
    fn the_departure_mail_reads_either_way_in_every_language() {
        let t = Templates::load(None).unwrap();
        for lang in Language::ALL {
            for people in ["", "Raj, Mia"] {
                let r = t
                    .render(
                        "registration_cancelled_departure",
                        *lang,
                        &json!({"base_url": "https://x.test", "first_name": "Ana",
                                "event_title": "Drinks", "event_start": "2030-01-01T18:00",
                                "people": people, "removed": "Ana"}),
                    )
                    .unwrap();
                assert!(
                    r.text.contains("Ana") && r.text.contains("Drinks"),
                    "{lang}"
                );
                assert_eq!(r.text.contains("Raj, Mia"), !people.is_empty(), "{lang}");
                assert_eq!(r.html.contains("Raj, Mia"), !people.is_empty(), "{lang}");
            }
        }
    }
}
