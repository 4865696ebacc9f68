//! Events: staff publish them, everyone reads the published ones, members register their
//! household (see [`registrations`]). Times are entered as local wall-clock times in an IANA zone
//! and stored both as entered and as UTC instants.
//!
//! Invariants: `seats_taken` never exceeds `capacity` (a CHECK constraint backs the conditional
//! updates in `registrations`); every change bumps `revision`, which calendars publish as
//! SEQUENCE.

pub mod api;
pub mod door;
pub mod registrations;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{Datelike as _, Months, NaiveDateTime};
use chrono_tz::Tz;
use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::cache::{Encoded, Versions};
use crate::db::{Tx, new_id, now_ms, to_datetime};
use crate::error::Fields;
use crate::error::{Error, Result};
use crate::values::{
    Audience, EventStatus, LocalTime, Prose, RegistrationStatus, ShortText, WebUrl, parse_timezone,
};
use api::EventInput;

pub const DEFAULT_ORGANISER: &str = "Expat Centre Limburg";

/// An event as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub series_id: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub timezone: String,
    pub starts_local: String,
    pub ends_local: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    pub seats_taken: i64,
    pub registration_opens_at: Option<i64>,
    pub registration_closes_at: Option<i64>,
    pub audience: String,
    pub tags: String,
    pub organiser: String,
    pub status: String,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const EVENT_COLUMNS: &str = "id, series_id, title, summary, description, timezone, starts_local, \
    ends_local, starts_at, ends_at, venue, address, online_url, capacity, seats_taken, \
    registration_opens_at, registration_closes_at, audience, tags, organiser, status, revision, \
    created_at, updated_at";

impl EventRow {
    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Europe::Brussels)
    }

    pub fn status(&self) -> EventStatus {
        self.status.parse().unwrap_or(EventStatus::Draft)
    }

    pub fn audience(&self) -> Audience {
        self.audience.parse().unwrap_or(Audience::Everyone)
    }

    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    pub fn seats_left(&self) -> Option<i64> {
        self.capacity.map(|c| (c - self.seats_taken).max(0))
    }

    pub fn local_start(&self) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&self.starts_local, "%Y-%m-%dT%H:%M:%S").unwrap_or_default()
    }

    pub fn local_end(&self) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&self.ends_local, "%Y-%m-%dT%H:%M:%S").unwrap_or_default()
    }

    /// The place in one line: venue and address.
    pub fn location(&self) -> Option<String> {
        let parts: Vec<&str> = [self.venue.as_deref(), self.address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Variables every event mail template gets.
    pub fn mail_context(&self, app: &App, first_name: &str, people: &str) -> serde_json::Value {
        json!({
            "first_name": first_name,
            "event_title": self.title,
            "event_starts": self.local_start().format("%Y-%m-%d %H:%M").to_string(),
            "event_ends": self.local_end().format("%Y-%m-%d %H:%M").to_string(),
            // For `when(event_start, event_end)`, which writes them in the mail's language.
            "event_start": self.local_start().format("%Y-%m-%dT%H:%M").to_string(),
            "event_end": self.local_end().format("%Y-%m-%dT%H:%M").to_string(),
            "timezone": self.timezone,
            // The zone is said only when it is not the centre's own.
            "timezone_note": if self.tz() == app.config.timezone {
                String::new()
            } else {
                format!(" ({})", self.timezone)
            },
            "venue": self.venue.clone().unwrap_or_default(),
            "address": self.address.clone().unwrap_or_default(),
            "online_url": self.online_url.clone().unwrap_or_default(),
            "calendar_link": app.config.link(&format!("/api/v1/events/{}/calendar.ics", self.id)),
            // The event's page on the website ("More info").
            "event_link": app.config.link(&format!("/events/{}", self.id)),
            "people": people,
        })
    }
}

/// The fields of an event, validated. Used for creation and, merged with the stored event, for
/// every change.
#[derive(Debug, Clone)]
pub struct EventSpec {
    pub title: ShortText,
    pub summary: Option<Prose<500>>,
    pub description: Option<Prose<20_000>>,
    pub timezone: Tz,
    pub starts: LocalTime,
    pub ends: LocalTime,
    pub venue: Option<ShortText>,
    pub address: Option<ShortText>,
    pub online_url: Option<WebUrl>,
    pub capacity: Option<i64>,
    pub registration_opens: Option<LocalTime>,
    pub registration_closes: Option<LocalTime>,
    pub audience: Audience,
    pub tags: Vec<String>,
    pub organiser: ShortText,
    pub status: EventStatus,
}

/// Validates raw event fields into a spec: the one validation of an event, for the API's
/// JSON and the back office's form alike.
pub fn spec_from(app: &App, i: &EventInput) -> Result<EventSpec> {
    let mut f = Fields::default();
    let title = f.check("title", ShortText::parse(&i.title));
    let summary = f.check_opt("summary", i.summary.as_deref(), Prose::<500>::parse);
    let description = f.check_opt(
        "description",
        i.description.as_deref(),
        Prose::<20_000>::parse,
    );
    let tz = match i.timezone.as_deref() {
        Some(t) => f.check("timezone", parse_timezone(t)),
        None => Some(app.config.timezone),
    };
    let (mut starts, mut ends, mut opens, mut closes) = (None, None, None, None);
    if let Some(tz) = tz {
        starts = f.check("starts_at", LocalTime::parse(&i.starts_at, tz));
        ends = f.check("ends_at", LocalTime::parse(&i.ends_at, tz));
        opens = f.check_opt(
            "registration_opens_at",
            i.registration_opens_at.as_deref(),
            |v| LocalTime::parse(v, tz),
        );
        closes = f.check_opt(
            "registration_closes_at",
            i.registration_closes_at.as_deref(),
            |v| LocalTime::parse(v, tz),
        );
    }
    let venue = f.check_opt("venue", i.venue.as_deref(), ShortText::parse);
    let address = f.check_opt("address", i.address.as_deref(), ShortText::parse);
    let online_url = f.check_opt("online_url", i.online_url.as_deref(), WebUrl::parse);
    let tags = f.check("tags", parse_tags(i.tags.as_deref().unwrap_or_default()));
    let organiser = f.check(
        "organiser",
        ShortText::parse(i.organiser.as_deref().unwrap_or(DEFAULT_ORGANISER)),
    );
    if i.capacity.is_some_and(|c| !(0..=100_000).contains(&c)) {
        f.add("capacity", "must be between 0 and 100000");
    }
    f.finish()?;
    Ok(EventSpec {
        title: crate::checked!(title),
        summary,
        description,
        timezone: crate::checked!(tz),
        starts: crate::checked!(starts),
        ends: crate::checked!(ends),
        venue,
        address,
        online_url,
        capacity: i.capacity,
        registration_opens: opens,
        registration_closes: closes,
        audience: i.audience.unwrap_or(Audience::Everyone),
        tags: crate::checked!(tags),
        organiser: crate::checked!(organiser),
        status: i.status.unwrap_or(EventStatus::Draft),
    })
}

/// The stored event as raw input, so a patch is validated exactly like a creation.
pub fn input_of(e: &EventRow) -> EventInput {
    EventInput {
        title: e.title.clone(),
        summary: e.summary.clone(),
        description: e.description.clone(),
        starts_at: e.starts_local.clone(),
        ends_at: e.ends_local.clone(),
        timezone: Some(e.timezone.clone()),
        venue: e.venue.clone(),
        address: e.address.clone(),
        online_url: e.online_url.clone(),
        capacity: e.capacity,
        registration_opens_at: local_of(e, e.registration_opens_at),
        registration_closes_at: local_of(e, e.registration_closes_at),
        audience: Some(e.audience()),
        tags: Some(e.tag_list()),
        organiser: Some(e.organiser.clone()),
        status: Some(e.status()),
    }
}

/// A stored instant as local wall-clock time in the event's zone (`2027-03-28T10:00:00`).
pub fn local_of(e: &EventRow, ms: Option<i64>) -> Option<String> {
    ms.map(|ms| {
        to_datetime(ms)
            .with_timezone(&e.tz())
            .naive_local()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    })
}

/// Event times (start, end, registration window, a series' last date) lie in the years
/// 2000–2099, local time. Wide enough for any real event, also one recorded late or a series
/// planned years ahead; bounded so that every time is a four-digit year in iCalendar and JSON,
/// a feed's VTIMEZONE spans at most a century (it is generated day by day), and time arithmetic
/// stays far from overflow. Fixed rather than relative to today, so that a stored event never
/// turns invalid with time (a change re-validates the whole event).
pub const EVENT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Whether a local date lies in [`EVENT_YEARS`].
pub fn check_event_date(d: chrono::NaiveDate) -> Result<(), crate::values::Invalid> {
    if EVENT_YEARS.contains(&d.year()) {
        Ok(())
    } else {
        Err(crate::values::Invalid(format!(
            "must be between {}-01-01 and {}-12-31",
            EVENT_YEARS.start(),
            EVENT_YEARS.end()
        )))
    }
}

/// The longest an event may last. Bounding it lets "events that end after T" be read as an index
/// range on `starts_at` (from T minus this span) instead of a scan of every past event.
pub const MAX_EVENT_DAYS: i64 = 31;
pub const MAX_EVENT_MS: i64 = MAX_EVENT_DAYS * 86_400_000;

impl EventSpec {
    /// Rules that concern several fields at once.
    pub fn check(&self) -> Result<()> {
        let mut f = crate::error::Fields::default();
        for (field, time) in [
            ("starts_at", Some(&self.starts)),
            ("ends_at", Some(&self.ends)),
            ("registration_opens_at", self.registration_opens.as_ref()),
            ("registration_closes_at", self.registration_closes.as_ref()),
        ] {
            if let Some(t) = time {
                f.check(field, check_event_date(t.local.date()));
            }
        }
        if self.ends.utc <= self.starts.utc {
            f.add("ends_at", "must be after starts_at");
        } else if (self.ends.utc - self.starts.utc).num_milliseconds() > MAX_EVENT_MS {
            f.add(
                "ends_at",
                format!("an event lasts at most {MAX_EVENT_DAYS} days"),
            );
        }
        if let (Some(o), Some(c)) = (&self.registration_opens, &self.registration_closes)
            && c.utc <= o.utc
        {
            f.add(
                "registration_closes_at",
                "must be after registration_opens_at",
            );
        }
        if let Some(c) = &self.registration_closes
            && c.utc > self.ends.utc
        {
            f.add(
                "registration_closes_at",
                "must not be after the end of the event",
            );
        }
        f.finish()
    }
}

/// Normalises tags: trimmed, lower case, unique, at most 10 of at most 40 characters.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, crate::values::Invalid> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim().to_lowercase();
        if t.is_empty()
            || t.chars().count() > 40
            || !t
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == ' ')
        {
            return Err(crate::values::Invalid(
                "each tag must be 1 to 40 letters, digits, spaces, - or _".into(),
            ));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if tags.len() > 10 {
        return Err(crate::values::Invalid("at most 10 tags".into()));
    }
    Ok(tags)
}

pub async fn find(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<EventRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

/// An event the caller may see: drafts only for staff.
pub async fn get_visible(app: &App, id: &str, staff: bool) -> Result<EventRow> {
    find(&app.db.read, id)
        .await?
        .filter(|e| staff || e.status() != EventStatus::Draft)
        .ok_or(Error::NotFound("event"))
}

async fn insert(tx: &mut Tx, spec: &EventSpec, series_id: Option<&str>) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO events (id, series_id, title, summary, description, timezone, starts_local, ends_local, \
         starts_at, ends_at, venue, address, online_url, capacity, seats_taken, registration_opens_at, \
         registration_closes_at, audience, tags, organiser, status, revision, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16, $17, $18, $19, $20, 1, $21, $21)",
    )
    .bind(&id)
    .bind(series_id)
    .bind(spec.title.as_str())
    .bind(spec.summary.as_ref().map(Prose::as_str))
    .bind(spec.description.as_ref().map(Prose::as_str))
    .bind(spec.timezone.name())
    .bind(spec.starts.local_string())
    .bind(spec.ends.local_string())
    .bind(spec.starts.utc.timestamp_millis())
    .bind(spec.ends.utc.timestamp_millis())
    .bind(spec.venue.as_ref().map(ShortText::as_str))
    .bind(spec.address.as_ref().map(ShortText::as_str))
    .bind(spec.online_url.as_ref().map(WebUrl::as_str))
    .bind(spec.capacity)
    .bind(spec.registration_opens.map(|t| t.utc.timestamp_millis()))
    .bind(spec.registration_closes.map(|t| t.utc.timestamp_millis()))
    .bind(spec.audience.as_str())
    .bind(serde_json::to_string(&spec.tags).unwrap_or_else(|_| "[]".into()))
    .bind(spec.organiser.as_str())
    .bind(spec.status.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?;
    write_tags(tx, &id, &spec.tags).await?;
    crate::cache::events_changed(tx);
    Ok(id)
}

async fn write_tags(tx: &mut Tx, id: &str, tags: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM event_tags WHERE event_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO event_tags (event_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn create(app: &App, actor: &str, spec: EventSpec) -> Result<EventRow> {
    spec.check()?;
    if spec.status == EventStatus::Cancelled {
        return Err(Error::field(
            "status",
            "a new event is a draft or published",
        ));
    }
    let mut tx = app.db.begin().await?;
    let id = insert(&mut tx, &spec, None).await?;
    audit::record(&mut tx, actor, "event.created", Some(&id), None).await?;
    let event = find(tx.conn(), &id)
        .await?
        .ok_or(Error::NotFound("event"))?;
    tx.commit().await?;
    Ok(event)
}

#[derive(Debug, Clone, Copy)]
pub enum Frequency {
    Weekly,
    Monthly,
}

pub struct Recurrence {
    pub frequency: Frequency,
    pub interval: u32,
    pub until: Option<chrono::NaiveDate>,
    pub count: Option<u32>,
}

pub const MAX_OCCURRENCES: usize = 100;

/// The local start times of a series: the first, then every `interval` weeks or months at the
/// same wall-clock time (so 10:00 stays 10:00 across daylight-saving changes). Monthly on the
/// 31st skips months without one.
pub fn occurrences(first: NaiveDateTime, rule: &Recurrence) -> Vec<NaiveDateTime> {
    let mut out = Vec::new();
    let limit = rule
        .count
        .map(|c| c as usize)
        .unwrap_or(MAX_OCCURRENCES)
        .min(MAX_OCCURRENCES);
    let mut step: u32 = 0;
    while out.len() < limit && step < 2_000 {
        let candidate = match rule.frequency {
            Frequency::Weekly => {
                Some(first + chrono::Duration::weeks(i64::from(step * rule.interval)))
            }
            Frequency::Monthly => first
                .checked_add_months(Months::new(step * rule.interval))
                .filter(|d| d.day() == first.day()),
        };
        step += 1;
        let Some(c) = candidate else { continue };
        if rule.until.is_some_and(|u| c.date() > u) {
            break;
        }
        out.push(c);
    }
    out
}

/// Creates every occurrence of a series as an event of its own, in one transaction.
pub async fn create_series(
    app: &App,
    actor: &str,
    spec: EventSpec,
    rule: Recurrence,
) -> Result<Vec<EventRow>> {
    spec.check()?;
    // The API's schema says the same; checked here for every caller.
    if !(1..=12).contains(&rule.interval) {
        return Err(Error::field("repeat.interval", "must be between 1 and 12"));
    }
    if rule.count.is_some_and(|c| !(2..=100).contains(&c)) {
        return Err(Error::field("repeat.count", "must be between 2 and 100"));
    }
    if rule.until.is_none() && rule.count.is_none() {
        return Err(Error::field("repeat", "give until or count"));
    }
    if let Some(until) = rule.until {
        check_event_date(until).map_err(|e| Error::field("repeat.until", e.0))?;
    }
    let starts = occurrences(spec.starts.local, &rule);
    if starts.len() < 2 {
        return Err(Error::field(
            "repeat",
            "the rule gives fewer than two occurrences",
        ));
    }
    let length = spec.ends.local - spec.starts.local;
    let opens_before = spec.registration_opens.map(|o| spec.starts.local - o.local);
    let closes_before = spec
        .registration_closes
        .map(|c| spec.starts.local - c.local);
    let series_id = new_id();
    let mut tx = app.db.begin().await?;
    let mut ids = Vec::new();
    for start in starts {
        let at = |local: NaiveDateTime, field: &str| {
            check_event_date(local.date())
                .and_then(|()| LocalTime::from_local(local, spec.timezone))
                .map_err(|e| Error::field(field, format!("an occurrence {}", e.0)))
        };
        let mut one = spec.clone();
        one.starts = at(start, "starts_at")?;
        one.ends = at(start + length, "ends_at")?;
        one.registration_opens = opens_before
            .map(|d| at(start - d, "registration_opens_at"))
            .transpose()?;
        one.registration_closes = closes_before
            .map(|d| at(start - d, "registration_closes_at"))
            .transpose()?;
        ids.push(insert(&mut tx, &one, Some(&series_id)).await?);
    }
    audit::record(
        &mut tx,
        actor,
        "event.series_created",
        Some(&series_id),
        Some(json!({"occurrences": ids.len()})),
    )
    .await?;
    let mut events = Vec::new();
    for id in &ids {
        events.push(find(tx.conn(), id).await?.ok_or(Error::NotFound("event"))?);
    }
    tx.commit().await?;
    Ok(events)
}

/// Applies a change: a new revision; mails the registered when time or place changed; promotes
/// from the waitlist when capacity grew. Capacity cannot drop below the confirmed seats.
pub async fn update(
    app: &App,
    actor: &str,
    id: &str,
    change: impl FnOnce(&EventRow) -> Result<EventSpec>,
) -> Result<EventRow> {
    Ok(update_promoting(app, actor, id, change).await?.0)
}

/// [`update`], also answering how many waitlisted registrations the change confirmed (for the
/// back office to say so).
pub async fn update_promoting(
    app: &App,
    actor: &str,
    id: &str,
    change: impl FnOnce(&EventRow) -> Result<EventSpec>,
) -> Result<(EventRow, usize)> {
    let mut tx = app.db.begin().await?;
    let current = find(tx.conn(), id).await?.ok_or(Error::NotFound("event"))?;
    if current.status() == EventStatus::Cancelled {
        return Err(Error::Conflict(
            "a cancelled event cannot be changed".into(),
        ));
    }
    let spec = change(&current)?;
    spec.check()?;
    if spec.status == EventStatus::Cancelled {
        return Err(Error::field(
            "status",
            "cancel with POST /api/v1/events/{id}/cancel, which tells the registered",
        ));
    }
    if spec.status == EventStatus::Draft
        && current.status() == EventStatus::Published
        && current.seats_taken > 0
    {
        return Err(Error::Conflict(
            "people are registered; cancel the event instead of unpublishing it".into(),
        ));
    }
    let now = now_ms();
    let changed = sqlx::query(
        "UPDATE events SET title = $2, summary = $3, description = $4, timezone = $5, starts_local = $6, \
         ends_local = $7, starts_at = $8, ends_at = $9, venue = $10, address = $11, online_url = $12, \
         capacity = $13, registration_opens_at = $14, registration_closes_at = $15, audience = $16, \
         tags = $17, organiser = $18, status = $19, revision = revision + 1, updated_at = $20 \
         WHERE id = $1 AND ($13 IS NULL OR seats_taken <= $13)",
    )
    .bind(id)
    .bind(spec.title.as_str())
    .bind(spec.summary.as_ref().map(Prose::as_str))
    .bind(spec.description.as_ref().map(Prose::as_str))
    .bind(spec.timezone.name())
    .bind(spec.starts.local_string())
    .bind(spec.ends.local_string())
    .bind(spec.starts.utc.timestamp_millis())
    .bind(spec.ends.utc.timestamp_millis())
    .bind(spec.venue.as_ref().map(ShortText::as_str))
    .bind(spec.address.as_ref().map(ShortText::as_str))
    .bind(spec.online_url.as_ref().map(WebUrl::as_str))
    .bind(spec.capacity)
    .bind(spec.registration_opens.map(|t| t.utc.timestamp_millis()))
    .bind(spec.registration_closes.map(|t| t.utc.timestamp_millis()))
    .bind(spec.audience.as_str())
    .bind(serde_json::to_string(&spec.tags).unwrap_or_else(|_| "[]".into()))
    .bind(spec.organiser.as_str())
    .bind(spec.status.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(format!(
            "capacity cannot be lower than the {} seats already confirmed",
            current.seats_taken
        )));
    }
    write_tags(&mut tx, id, &spec.tags).await?;
    crate::cache::events_changed(&mut tx);
    let updated = find(tx.conn(), id).await?.ok_or(Error::NotFound("event"))?;
    let moved = updated.starts_at != current.starts_at
        || updated.ends_at != current.ends_at
        || updated.timezone != current.timezone
        || updated.venue != current.venue
        || updated.address != current.address
        || updated.online_url != current.online_url;
    if moved && updated.status() == EventStatus::Published {
        registrations::tell_registered(app, &mut tx, &updated, "event_changed", None).await?;
    }
    let mut promoted = 0;
    if updated.capacity.is_none() || updated.capacity > current.capacity {
        promoted = registrations::promote(app, &mut tx, &updated.id).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "event.updated",
        Some(id),
        Some(json!({"revision": updated.revision})),
    )
    .await?;
    let updated = find(tx.conn(), id).await?.ok_or(Error::NotFound("event"))?;
    tx.commit().await?;
    Ok((updated, promoted))
}

/// Cancels an event and mails everyone registered, with staff's `reason` if given (it is not
/// stored: the mail is where it goes). Registrations stay, so calendars show the event as
/// cancelled.
pub async fn cancel(app: &App, actor: &str, id: &str, reason: Option<&str>) -> Result<EventRow> {
    // Blank means no reason; otherwise prose of at most 1,000 characters, line breaks kept.
    let mut f = Fields::default();
    let reason = reason.filter(|r| !r.trim().is_empty());
    let reason = f.check_opt("reason", reason, Prose::<1000>::parse);
    f.finish()?;
    let mut tx = app.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE events SET status = 'cancelled', revision = revision + 1, updated_at = $2 \
         WHERE id = $1 AND status <> 'cancelled'",
    )
    .bind(id)
    .bind(now_ms())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed > 0 {
        crate::cache::events_changed(&mut tx);
    }
    let event = find(tx.conn(), id).await?.ok_or(Error::NotFound("event"))?;
    if changed == 0 {
        return Err(Error::Conflict("the event is already cancelled".into()));
    }
    let reason = reason.as_ref().map(Prose::as_str);
    registrations::tell_registered(app, &mut tx, &event, "event_cancelled", reason).await?;
    audit::record(&mut tx, actor, "event.cancelled", Some(id), None).await?;
    tx.commit().await?;
    Ok(event)
}

/// Filters of the event list.
#[derive(Default, Debug)]
pub struct EventQuery {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub tag: Option<String>,
    pub audience: Option<Audience>,
    pub organiser: Option<String>,
    pub status: Option<EventStatus>,
    pub cursor: Option<(i64, String)>,
    pub limit: i64,
}

/// One page of the event list.
pub struct Page {
    pub rows: Vec<EventRow>,
    pub next: Option<String>,
    /// The page stays right until this instant (UTC ms) unless events or seats change: when the
    /// list runs from "now", the first listed event to end drops out then. Events after the
    /// page and its look-ahead row cannot change it by ending.
    pub valid_until: i64,
}

/// One page of events by start time.
pub async fn list(app: &App, q: &EventQuery) -> Result<Page> {
    let from = q.from.unwrap_or_else(now_ms);
    // One lower bound on `starts_at` for the index range: the cursor, or the earliest start an
    // event still running at `from` can have. (SQLite derives its range from the cursor's OR, so
    // the bound goes there rather than into a second condition it would not use.)
    let floor = from - MAX_EVENT_MS;
    let (c_at, c_id) = match &q.cursor {
        Some((at, id)) if *at >= floor => (*at, id.clone()),
        _ => (floor - 1, String::new()),
    };
    let mut rows: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.status = $1 \
         AND e.ends_at >= $2 AND e.starts_at < $3 \
         AND (e.starts_at > $4 OR (e.starts_at = $4 AND e.id > $5)) \
         AND ($6 = '' OR EXISTS (SELECT 1 FROM event_tags t WHERE t.event_id = e.id AND t.tag = $6)) \
         AND ($7 = '' OR e.audience = $7) AND ($8 = '' OR e.organiser = $8) \
         ORDER BY e.starts_at, e.id LIMIT $9"
    )))
    .bind(q.status.unwrap_or(EventStatus::Published).as_str())
    .bind(from)
    .bind(q.to.unwrap_or(i64::MAX))
    .bind(c_at)
    .bind(c_id)
    .bind(q.tag.clone().unwrap_or_default())
    .bind(q.audience.map(Audience::as_str).unwrap_or(""))
    .bind(q.organiser.clone().unwrap_or_default())
    .bind(q.limit + 1)
    .fetch_all(&app.db.read)
    .await?;
    let valid_until = match q.from {
        Some(_) => i64::MAX,
        None => rows
            .iter()
            .map(|e| e.ends_at.saturating_add(1))
            .min()
            .unwrap_or(i64::MAX),
    };
    let next = if rows.len() as i64 > q.limit {
        rows.truncate(q.limit as usize);
        rows.last().map(|e| format!("{}_{}", e.starts_at, e.id))
    } else {
        None
    };
    Ok(Page {
        rows,
        next,
        valid_until,
    })
}

/// Which events the back office lists: those still to end, or those that have ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Not ended yet, soonest first.
    Upcoming,
    /// Ended, latest first.
    Past,
}

/// The back office's list: every status (or one), upcoming or past, a page at a time. A cursor
/// is `<starts_at>_<id>` of the last row, as in [`list`].
pub async fn list_all(
    app: &App,
    status: Option<EventStatus>,
    period: Period,
    cursor: Option<(i64, String)>,
    limit: i64,
) -> Result<(Vec<EventRow>, Option<String>)> {
    // Upcoming runs forwards from the cursor, past backwards.
    let (period_sql, after, order) = match period {
        Period::Upcoming => ("e.ends_at >= $2", ">", "e.starts_at, e.id"),
        Period::Past => ("e.ends_at < $2", "<", "e.starts_at DESC, e.id DESC"),
    };
    let cursor_sql = match cursor {
        Some(_) => {
            format!("AND (e.starts_at {after} $3 OR (e.starts_at = $3 AND e.id {after} $4))")
        }
        // Binds $3 and $4 all the same, so the numbering stays one.
        None => "AND $3 = $3 AND $4 = $4".to_owned(),
    };
    let (c_at, c_id) = cursor.unwrap_or((0, String::new()));
    let mut rows: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE ($1 = '' OR e.status = $1) AND {period_sql} \
         {cursor_sql} ORDER BY {order} LIMIT $5"
    )))
    .bind(status.map(EventStatus::as_str).unwrap_or(""))
    .bind(now_ms())
    .bind(c_at)
    .bind(c_id)
    .bind(limit + 1)
    .fetch_all(&app.db.read)
    .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|e| format!("{}_{}", e.starts_at, e.id))
    } else {
        None
    };
    Ok((rows, next))
}

/// Serialized event list pages by query, kept while the change counters stay the same and no
/// listed event has ended (see [`Page::valid_until`]). A page does not depend on who asks: who
/// may see which statuses is decided before the cache is consulted.
pub struct ListCache(crate::cache::Keyed<ListStamp, Arc<Encoded>>);

/// What a page was built under: the events and seats counters (not the others: a page does not
/// change with a household's registrations or a calendar address) and its `valid_until`.
#[derive(PartialEq)]
struct ListStamp {
    events: i64,
    seats: i64,
    valid_until: i64,
}

impl Default for ListCache {
    fn default() -> Self {
        // Distinct queries kept (most readers ask for the first page).
        ListCache(crate::cache::Keyed::new("event_lists", 512))
    }
}

impl ListCache {
    /// A page is a function of the request's query string alone (who may ask for which
    /// statuses is checked before the cache), so the raw string is the key: spellings of the same
    /// query get entries of their own, which is harmless, and no key is formatted per request
    /// (formatting the parsed query was ~2 % of the server's time under load).
    pub fn key(raw_query: Option<&str>) -> &str {
        raw_query.unwrap_or("")
    }

    pub fn get(&self, key: &str, versions: Versions, now: i64) -> Option<Arc<Encoded>> {
        self.0.get(key, |built| {
            (built.events, built.seats) == (versions.events, versions.seats)
                && now < built.valid_until
        })
    }

    /// Keeps `body` and answers it ready to serve in either encoding.
    pub fn put(
        &self,
        key: &str,
        versions: Versions,
        valid_until: i64,
        body: Bytes,
    ) -> Arc<Encoded> {
        let stamp = ListStamp {
            events: versions.events,
            seats: versions.seats,
            valid_until,
        };
        let page = Arc::new(Encoded::new(body));
        self.0.put(key.to_owned(), stamp, page.clone());
        page
    }
}

pub fn parse_cursor(raw: &str) -> Option<(i64, String)> {
    let (at, id) = raw.split_once('_')?;
    let id = uuid::Uuid::parse_str(id).ok()?;
    Some((at.parse().ok()?, id.to_string()))
}

/// The counts a registration summary shows.
pub fn status_word(s: &str) -> RegistrationStatus {
    s.parse().unwrap_or(RegistrationStatus::Cancelled)
}

pub fn to_rfc3339(ms: i64) -> String {
    to_datetime(ms).to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn weekly_series_keep_their_local_time() {
        let rule = Recurrence {
            frequency: Frequency::Weekly,
            interval: 1,
            until: None,
            count: Some(3),
        };
        let got = occurrences(at("2027-03-21T10:00"), &rule);
        assert_eq!(
            got,
            [
                at("2027-03-21T10:00"),
                at("2027-03-28T10:00"),
                at("2027-04-04T10:00")
            ]
        );
    }

    #[test]
    fn monthly_series_skip_months_without_the_day() {
        let rule = Recurrence {
            frequency: Frequency::Monthly,
            interval: 1,
            until: Some(chrono::NaiveDate::from_ymd_opt(2027, 5, 31).unwrap()),
            count: None,
        };
        let got = occurrences(at("2027-01-31T19:00"), &rule);
        assert_eq!(
            got,
            [
                at("2027-01-31T19:00"),
                at("2027-03-31T19:00"),
                at("2027-05-31T19:00")
            ]
        );
    }

    #[test]
    fn series_are_bounded() {
        let rule = Recurrence {
            frequency: Frequency::Weekly,
            interval: 1,
            until: None,
            count: Some(10_000),
        };
        assert_eq!(
            occurrences(at("2027-01-01T10:00"), &rule).len(),
            MAX_OCCURRENCES
        );
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            parse_tags(&[" Family ".into(), "family".into(), "cross-border".into()]).unwrap(),
            ["family", "cross-border"]
        );
        assert!(parse_tags(&["<script>".into()]).is_err());
        assert!(parse_tags(&(0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()).is_err());
    }
}
