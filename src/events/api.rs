//! HTTP routes for events, registrations, check-in and the member's calendar address.

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json, PlainText};
use poem_openapi::types::{MaybeUndefined, ToJSON as _};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};

use crate::payload::OptionalJson;

use super::registrations::{self, CheckIn, Registered};
use super::{EventQuery, EventRow, Frequency, ListCache, Recurrence, parse_cursor};
use crate::app::{ApiTags, App};
use crate::auth::{Auth, optional_caller};
use crate::cache::JsonBytes;
use crate::db::{now_ms, to_datetime};
use crate::error::{ApiResult, Error};
use crate::members::api::me;
use crate::values::{Audience, EventStatus, LocalTime, RegistrationStatus};

pub struct EventsApi {
    pub app: App,
}

/// An event as entered by staff. Times are local wall-clock times without offset
/// (`2027-03-28T10:00:00`) in `timezone` (default: the centre's), between 2000-01-01 and
/// 2099-12-31.
#[derive(Object, Clone, Default)]
#[oai(deny_unknown_fields)]
pub struct EventInput {
    #[oai(validator(max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 500))]
    pub summary: Option<String>,
    #[oai(validator(max_length = 20000))]
    pub description: Option<String>,
    #[oai(validator(max_length = 30))]
    pub starts_at: String,
    #[oai(validator(max_length = 30))]
    pub ends_at: String,
    #[oai(validator(max_length = 64))]
    pub timezone: Option<String>,
    #[oai(validator(max_length = 200))]
    pub venue: Option<String>,
    #[oai(validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub online_url: Option<String>,
    /// Seats; absent means unlimited.
    #[oai(validator(minimum(value = "0"), maximum(value = "100000")))]
    pub capacity: Option<i64>,
    #[oai(validator(max_length = 30))]
    pub registration_opens_at: Option<String>,
    /// Default: the start of the event.
    #[oai(validator(max_length = 30))]
    pub registration_closes_at: Option<String>,
    pub audience: Option<Audience>,
    #[oai(validator(max_items = 10))]
    pub tags: Option<Vec<String>>,
    /// Default: Expat Centre Limburg. Partners: e.g. Expat Centre Maastricht Region, Newcomer Service Aachen.
    #[oai(validator(max_length = 200))]
    pub organiser: Option<String>,
    /// `draft` (default) or `published`.
    pub status: Option<EventStatus>,
}

/// Changes to an event; absent fields stay, `null` clears an optional one. Times as in
/// `EventInput` (2000-01-01 to 2099-12-31).
#[derive(Object, Default)]
#[oai(deny_unknown_fields)]
pub struct EventPatch {
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(max_length = 500))]
    pub summary: MaybeUndefined<String>,
    #[oai(validator(max_length = 20000))]
    pub description: MaybeUndefined<String>,
    #[oai(validator(max_length = 30))]
    pub starts_at: Option<String>,
    #[oai(validator(max_length = 30))]
    pub ends_at: Option<String>,
    #[oai(validator(max_length = 64))]
    pub timezone: Option<String>,
    #[oai(validator(max_length = 200))]
    pub venue: MaybeUndefined<String>,
    #[oai(validator(max_length = 200))]
    pub address: MaybeUndefined<String>,
    #[oai(validator(max_length = 2000))]
    pub online_url: MaybeUndefined<String>,
    #[oai(validator(minimum(value = "0"), maximum(value = "100000")))]
    pub capacity: MaybeUndefined<i64>,
    #[oai(validator(max_length = 30))]
    pub registration_opens_at: MaybeUndefined<String>,
    #[oai(validator(max_length = 30))]
    pub registration_closes_at: MaybeUndefined<String>,
    pub audience: Option<Audience>,
    #[oai(validator(max_items = 10))]
    pub tags: Option<Vec<String>>,
    #[oai(validator(max_length = 200))]
    pub organiser: Option<String>,
    /// `draft` or `published`; cancel with `POST /events/{id}/cancel`.
    pub status: Option<EventStatus>,
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum RepeatFrequency {
    Weekly,
    Monthly,
}

/// How a series repeats: every `interval` weeks or months, until a date or `count` times.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct Repeat {
    pub frequency: RepeatFrequency,
    #[oai(validator(minimum(value = "1"), maximum(value = "12")))]
    pub interval: Option<u32>,
    /// Last date an occurrence may start on (local), at most 2099-12-31; every occurrence lies
    /// in 2000–2099.
    pub until: Option<NaiveDate>,
    #[oai(validator(minimum(value = "2"), maximum(value = "100")))]
    pub count: Option<u32>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct SeriesInput {
    /// The first occurrence.
    pub event: EventInput,
    pub repeat: Repeat,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Event {
    pub id: String,
    pub series_id: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Local start time in `timezone`.
    pub starts_at: String,
    pub ends_at: String,
    pub timezone: String,
    pub starts_at_utc: DateTime<Utc>,
    pub ends_at_utc: DateTime<Utc>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i64>,
    /// Free seats; absent when unlimited.
    pub seats_left: Option<i64>,
    pub registration_opens_at: Option<String>,
    pub registration_closes_at: Option<String>,
    pub audience: Audience,
    pub tags: Vec<String>,
    pub organiser: String,
    pub status: EventStatus,
    /// Bumped by every change.
    pub revision: i64,
    pub calendar_url: String,
    pub updated_at: DateTime<Utc>,
    /// How many registrations wait for seats (for signed-in callers, on a single event).
    pub waitlist_length: Option<i64>,
    /// The caller's household's live registrations for this event, each with its place on the
    /// waitlist while it waits (for signed-in callers, on a single event).
    pub my_registrations: Option<Vec<Registration>>,
}

impl Event {
    fn new(app: &App, e: EventRow) -> Self {
        Event {
            calendar_url: app
                .config
                .link(&format!("/api/v1/events/{}/calendar.ics", e.id)),
            starts_at_utc: to_datetime(e.starts_at),
            ends_at_utc: to_datetime(e.ends_at),
            seats_left: e.seats_left(),
            registration_opens_at: super::local_of(&e, e.registration_opens_at),
            registration_closes_at: super::local_of(&e, e.registration_closes_at),
            audience: e.audience(),
            status: e.status(),
            tags: e.tag_list(),
            updated_at: to_datetime(e.updated_at),
            id: e.id,
            series_id: e.series_id,
            title: e.title,
            summary: e.summary,
            description: e.description,
            starts_at: e.starts_local,
            ends_at: e.ends_local,
            timezone: e.timezone,
            venue: e.venue,
            address: e.address,
            online_url: e.online_url,
            capacity: e.capacity,
            organiser: e.organiser,
            revision: e.revision,
            waitlist_length: None,
            my_registrations: None,
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventPage {
    pub items: Vec<Event>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Series {
    pub series_id: String,
    pub events: Vec<Event>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// People of your household (yourself, partner, children); each takes one seat.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub person_ids: Vec<uuid::Uuid>,
    /// Join the waitlist when the event is full (default). With `false` a full event answers 409
    /// and nothing is stored.
    pub waitlist: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RegisteredPersonOut {
    pub person_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Registration {
    pub id: String,
    pub event_id: String,
    pub household_id: String,
    pub status: RegistrationStatus,
    /// Place on the waitlist (1 = next) while waitlisted.
    pub position: Option<i64>,
    /// How many registrations wait in all, while this one waits.
    pub waitlist_length: Option<i64>,
    pub seats: i64,
    pub person_ids: Vec<String>,
    pub people: Vec<RegisteredPersonOut>,
    pub created_at: DateTime<Utc>,
}

impl Registration {
    fn new(registered: Registered) -> Self {
        let Registered {
            row: r,
            people,
            position,
            waitlist_length,
        } = registered;
        Registration {
            status: r.status(),
            position,
            waitlist_length,
            person_ids: people.iter().map(|p| p.person_id.clone()).collect(),
            people: people
                .into_iter()
                .map(|p| RegisteredPersonOut {
                    person_id: p.person_id,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    checked_in_at: p.checked_in_at.map(to_datetime),
                })
                .collect(),
            created_at: to_datetime(r.created_at),
            seats: r.seats,
            id: r.id,
            event_id: r.event_id,
            household_id: r.household_id,
        }
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MyRegistration {
    #[oai(flatten)]
    pub registration: Registration,
    pub event_title: String,
    pub event_starts_at: String,
    pub event_timezone: String,
    pub event_status: EventStatus,
}

/// Changes to a registration's people; absent lists change nothing.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct RegistrationChange {
    /// People of the household to add; each takes a seat.
    #[oai(validator(max_items = 20))]
    pub add: Option<Vec<uuid::Uuid>>,
    /// People of the registration to take out; their seats go to the waitlist.
    #[oai(validator(max_items = 20))]
    pub remove: Option<Vec<uuid::Uuid>>,
    /// Only when adding to a confirmed registration and the free seats are too few: `false`
    /// (default) answers 409 and changes nothing; `true` keeps the confirmed seats and puts the
    /// added people on the waitlist as a registration of their own (answered as `waitlisted`).
    pub waitlist: Option<bool>,
}

/// A registration after a change.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChangedRegistration {
    #[oai(flatten)]
    pub registration: Registration,
    /// The added people's own registration on the waitlist, when they did not fit and
    /// `waitlist` was `true`.
    pub waitlisted: Option<Registration>,
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct CheckInRequest {
    /// Check in the whole registration (find it by a person's name with
    /// `GET /events/{id}/registrations?q=`)…
    pub registration_id: Option<uuid::Uuid>,
    /// …or some of its people.
    #[oai(validator(max_items = 20))]
    pub person_ids: Option<Vec<uuid::Uuid>>,
    /// Check in even though the event starts more than a day from now (check-in opens a day
    /// before; earlier is usually the wrong event).
    #[oai(rename = "override")]
    pub staff_override: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CheckedIn {
    pub registrations: Vec<Registration>,
}

/// An event's attendance: people of its confirmed registrations, how many were checked in, and
/// after the event how many did not come.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Attendance {
    /// Whether staff closed the attendance (check-ins frozen).
    pub closed: bool,
    pub expected: i64,
    pub arrived: i64,
    /// Once the event has ended.
    pub no_shows: Option<i64>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CalendarAddress {
    /// Subscribe to this address in a calendar app.
    pub url: String,
    pub webcal_url: String,
}

#[derive(ApiResponse)]
enum EventCreated {
    #[oai(status = 201)]
    Created(Json<Event>),
}

#[derive(ApiResponse)]
enum SeriesCreated {
    #[oai(status = 201)]
    Created(Json<Series>),
}

#[derive(ApiResponse)]
enum RegistrationCreated {
    /// Confirmed or waitlisted, as `status` says.
    #[oai(status = 201)]
    Created(Json<Registration>),
}

#[derive(ApiResponse)]
enum NoContent {
    #[oai(status = 204)]
    Done,
}

/// JSON, or with `Accept: text/csv` one row per person, UTF-8 with BOM (opens cleanly in Excel),
/// cancelled registrations left out unless `include_cancelled=true`.
#[derive(ResponseContent)]
enum RegistrationListContent {
    Json(Json<Vec<Registration>>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

// One status with both media types (two `200` keys would break the spec for generators).
#[derive(ApiResponse)]
enum RegistrationList {
    /// The event's registrations.
    #[oai(status = 200)]
    Ok(
        RegistrationListContent,
        /// For the CSV: a file named after the event and its date.
        #[oai(header = "Content-Disposition")]
        Option<String>,
    ),
}

/// Why an event is cancelled.
#[derive(Object, Default)]
#[oai(deny_unknown_fields)]
pub struct EventCancellation {
    /// Told to everyone registered in the cancellation mail, as written (line breaks kept,
    /// at most 1,000 characters; blank means no reason). Not stored.
    #[oai(validator(max_length = 1000))]
    pub reason: Option<String>,
}

#[derive(ApiResponse)]
enum IcsResponse {
    /// gzip-encoded (`Content-Encoding: gzip`) for a client that accepts it, under an ETag of
    /// its own.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(
        Binary<Bytes>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Content-Encoding")] Option<String>,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Vary")] String,
    ),
    /// The client's copy (If-None-Match) is current.
    #[oai(status = 304)]
    NotModified(
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
        #[oai(header = "Vary")] String,
    ),
}

fn overlay<T: Clone>(target: &mut Option<T>, patch: &MaybeUndefined<T>) {
    match patch {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v.clone()),
    }
}

fn apply(mut i: EventInput, p: &EventPatch) -> EventInput {
    if let Some(v) = &p.title {
        i.title = v.clone();
    }
    if let Some(v) = &p.starts_at {
        i.starts_at = v.clone();
    }
    if let Some(v) = &p.ends_at {
        i.ends_at = v.clone();
    }
    if let Some(v) = &p.timezone {
        i.timezone = Some(v.clone());
    }
    if let Some(v) = p.audience {
        i.audience = Some(v);
    }
    if let Some(v) = &p.tags {
        i.tags = Some(v.clone());
    }
    if let Some(v) = &p.organiser {
        i.organiser = Some(v.clone());
    }
    if let Some(v) = p.status {
        i.status = Some(v);
    }
    overlay(&mut i.summary, &p.summary);
    overlay(&mut i.description, &p.description);
    overlay(&mut i.venue, &p.venue);
    overlay(&mut i.address, &p.address);
    overlay(&mut i.online_url, &p.online_url);
    overlay(&mut i.capacity, &p.capacity);
    overlay(&mut i.registration_opens_at, &p.registration_opens_at);
    overlay(&mut i.registration_closes_at, &p.registration_closes_at);
    i
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Events")]
impl EventsApi {
    /// List events
    ///
    /// Published events that have not ended, by start time. Filters: `from`/`to` (local dates in
    /// the centre's time zone), `tag`, `audience`, `organiser`. Staff may list `status=draft` or
    /// `cancelled`.
    #[oai(path = "/events", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        /// First day, a local date in the event's time zone (default: today).
        from: Query<Option<NaiveDate>>,
        /// Last day, included.
        to: Query<Option<NaiveDate>>,
        /// Only events with this tag (e.g. `family`).
        #[oai(validator(max_length = 40))]
        tag: Query<Option<String>>,
        /// Only events open to this audience.
        audience: Query<Option<Audience>>,
        /// Only events by this organiser (Expat Centre Limburg, or a Euregional partner such as Aachen or Maastricht).
        #[oai(validator(max_length = 200))]
        organiser: Query<Option<String>>,
        /// Staff only: drafts or cancelled events too (default: published).
        status: Query<Option<EventStatus>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(max_length = 80))]
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<JsonBytes<EventPage>> {
        let caller = optional_caller(&self.app, req).await?;
        if status.0.is_some_and(|s| s != EventStatus::Published) {
            caller
                .as_ref()
                .ok_or(Error::Unauthenticated)?
                .require_staff()?;
        }
        let cursor = match cursor.0.as_deref() {
            Some(c) => Some(
                parse_cursor(c)
                    .ok_or_else(|| Error::field("cursor", "is not a cursor from this list"))?,
            ),
            None => None,
        };
        let query = EventQuery {
            from: from
                .0
                .map(|d| LocalTime::day_start_ms(d, self.app.config.timezone)),
            to: to
                .0
                .and_then(|d| d.succ_opt())
                .map(|d| LocalTime::day_start_ms(d, self.app.config.timezone)),
            tag: tag
                .0
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            audience: audience.0,
            organiser: organiser.0.filter(|o| !o.trim().is_empty()),
            status: status.0,
            cursor,
            limit: limit.0.unwrap_or(50),
        };
        // The counters are read before the page, so a change committed in between makes the
        // next request rebuild; a stale page is never stored under newer counters.
        let key = ListCache::key(req.uri().query());
        let versions = self.app.versions.current(&self.app.db).await?;
        if let Some(page) = self.app.event_pages.get(key, versions, now_ms()) {
            return Ok(JsonBytes::negotiated(req, &page));
        }
        let page = super::list(&self.app, &query).await?;
        let valid_until = page.valid_until;
        let body: bytes::Bytes = EventPage {
            items: page
                .rows
                .into_iter()
                .map(|e| Event::new(&self.app, e))
                .collect(),
            next_cursor: page.next,
        }
        .to_json_string()
        .into();
        let page = self.app.event_pages.put(key, versions, valid_until, body);
        Ok(JsonBytes::negotiated(req, &page))
    }

    /// An event
    ///
    /// Signed in, the answer also says how many registrations wait for seats
    /// (`waitlist_length`) and lists your household's registrations for the event with their
    /// places on the waitlist (`my_registrations`).
    #[oai(path = "/events/:id", method = "get")]
    async fn get(
        &self,
        req: &Request,
        /// The event's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Event>> {
        let caller = optional_caller(&self.app, req).await?;
        let staff = caller.as_ref().is_some_and(|c| c.role.is_staff());
        let e = super::get_visible(&self.app, &id.0.to_string(), staff).await?;
        let event_id = e.id.clone();
        let mut event = Event::new(&self.app, e);
        if let Some(c) = caller {
            let view = registrations::waitlist_view(&self.app, &event_id, &c.household_id).await?;
            event.waitlist_length = Some(view.waitlist_length);
            event.my_registrations =
                Some(view.household.into_iter().map(Registration::new).collect());
        }
        Ok(Json(event))
    }

    /// Create an event (staff)
    ///
    /// Times are local (`2027-06-12T19:30`) in the event's `timezone` (default: the centre's);
    /// a draft is seen by staff only until published. Capacity counts people, children
    /// included; without one, seats are unlimited. The registration window, audience, tags and
    /// organiser decide who may register when, and which feeds list it.
    #[oai(path = "/events", method = "post")]
    async fn create(&self, auth: Auth, body: Json<EventInput>) -> ApiResult<EventCreated> {
        auth.0.require_staff()?;
        let spec = super::spec_from(&self.app, &body.0)?;
        let e = super::create(&self.app, &auth.0.account_id, spec).await?;
        Ok(EventCreated::Created(Json(Event::new(&self.app, e))))
    }

    /// Create a series (staff)
    ///
    /// Every occurrence of a weekly or monthly rule becomes an event with its own registrations,
    /// at the same local time (at most 100).
    #[oai(path = "/events/series", method = "post")]
    async fn create_series(&self, auth: Auth, body: Json<SeriesInput>) -> ApiResult<SeriesCreated> {
        auth.0.require_staff()?;
        let spec = super::spec_from(&self.app, &body.0.event)?;
        let r = &body.0.repeat;
        let rule = Recurrence {
            frequency: match r.frequency {
                RepeatFrequency::Weekly => Frequency::Weekly,
                RepeatFrequency::Monthly => Frequency::Monthly,
            },
            interval: r.interval.unwrap_or(1),
            until: r.until,
            count: r.count,
        };
        let events = super::create_series(&self.app, &auth.0.account_id, spec, rule).await?;
        let series_id = events
            .first()
            .and_then(|e| e.series_id.clone())
            .unwrap_or_default();
        Ok(SeriesCreated::Created(Json(Series {
            series_id,
            events: events
                .into_iter()
                .map(|e| Event::new(&self.app, e))
                .collect(),
        })))
    }

    /// Change an event (staff)
    ///
    /// Each change bumps the revision. A change of time or place mails everyone registered; more
    /// capacity promotes waitlisted households.
    #[oai(path = "/events/:id", method = "patch")]
    async fn update(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        body: Json<EventPatch>,
    ) -> ApiResult<Json<Event>> {
        auth.0.require_staff()?;
        let app = &self.app;
        let patch = body.0;
        let e = super::update(app, &auth.0.account_id, &id.0.to_string(), |current| {
            super::spec_from(app, &apply(super::input_of(current), &patch))
        })
        .await?;
        Ok(Json(Event::new(app, e)))
    }

    /// Cancel an event (staff)
    ///
    /// Mails everyone registered, with the `reason` if one is given, and the event's calendar
    /// file as a cancellation (`METHOD:CANCEL`) to households holding seats; calendars show it
    /// as cancelled. The body may be left out.
    #[oai(path = "/events/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        body: OptionalJson<EventCancellation>,
    ) -> ApiResult<Json<Event>> {
        auth.0.require_staff()?;
        let reason = body.0.and_then(|b| b.reason);
        let id = id.0.to_string();
        let e = super::cancel(&self.app, &auth.0.account_id, &id, reason.as_deref()).await?;
        Ok(Json(Event::new(&self.app, e)))
    }

    /// Register my household
    ///
    /// All-or-nothing for the group: `confirmed` when every seat is free, otherwise `waitlisted`
    /// with a position (or 409 with `"waitlist": false`).
    #[oai(path = "/events/:id/registrations", method = "post")]
    async fn register(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        body: Json<RegistrationRequest>,
    ) -> ApiResult<RegistrationCreated> {
        let member = me(&auth).await?;
        let ids: Vec<String> = body.person_ids.iter().map(ToString::to_string).collect();
        let event_id = id.0.to_string();
        let r = registrations::register(
            &self.app,
            &member,
            &event_id,
            &ids,
            body.waitlist.unwrap_or(true),
        )
        .await?;
        Ok(RegistrationCreated::Created(Json(Registration::new(r))))
    }

    /// Change a registration
    ///
    /// Add people of your household (`add`) or take people out (`remove`), in one step; those
    /// who stay keep their seats, and a waitlisted registration keeps its place.
    ///
    /// - Removing frees the seats at once for the waitlist. A registration keeps at least one
    ///   person: to remove everybody, cancel it (`DELETE`). Who has checked in stays.
    /// - Adding to a **confirmed** registration takes the extra seats if they are free, as a new
    ///   registration would. If they are not, the household is never split silently: by default
    ///   the answer is `409` and nothing changes; with `"waitlist": true` the confirmed people
    ///   keep their seats and the added people wait as a registration of their own (in
    ///   `waitlisted`), promoted in arrival order like any other.
    /// - Adding to a **waitlisted** registration makes the waiting group larger, in its place
    ///   (the group is confirmed whole when it fits).
    ///
    /// `422` names the field for a person who is not of the household (`add`) or not in the
    /// registration (`remove`); `409` names a person already registered for the event. Members
    /// change their household's registrations until the event starts, and add people only while
    /// registration is open; staff any registration, any time. Everyone in the registration
    /// with an account is mailed the change, in their own language.
    #[oai(path = "/events/:id/registrations/:registration_id", method = "patch")]
    async fn change_registration(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        /// The registration's id.
        registration_id: Path<uuid::Uuid>,
        body: Json<RegistrationChange>,
    ) -> ApiResult<Json<ChangedRegistration>> {
        let member = me(&auth).await?;
        let ids = |list: &Option<Vec<uuid::Uuid>>| -> Vec<String> {
            list.iter().flatten().map(ToString::to_string).collect()
        };
        let change = registrations::Change {
            add: ids(&body.add),
            remove: ids(&body.remove),
            waitlist: body.waitlist.unwrap_or(false),
        };
        let changed = registrations::change(
            &self.app,
            &member,
            auth.0.role.is_staff(),
            &id.0.to_string(),
            &registration_id.0.to_string(),
            change,
        )
        .await?;
        Ok(Json(ChangedRegistration {
            registration: Registration::new(changed.registration),
            waitlisted: changed.waitlisted.map(Registration::new),
        }))
    }

    /// Cancel a registration
    ///
    /// Members cancel their household's until the event starts; staff any time. Freed seats go
    /// to the waitlist at once.
    #[oai(path = "/events/:id/registrations/:registration_id", method = "delete")]
    async fn cancel_registration(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        /// The registration's id.
        registration_id: Path<uuid::Uuid>,
    ) -> ApiResult<NoContent> {
        let member = me(&auth).await?;
        registrations::cancel(
            &self.app,
            &member,
            auth.0.role.is_staff(),
            &id.0.to_string(),
            &registration_id.0.to_string(),
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Registrations of an event (staff)
    ///
    /// JSON, or CSV with `Accept: text/csv`. `q` finds registrations by a person's name (the
    /// beginnings of words of first or last name, accents and case ignored: `q=ann` finds Anna
    /// Peeters and her household), for check-in at the door.
    ///
    /// The CSV is a file (`Content-Disposition`, named after the event's title and date) with
    /// one row per person: the event's title, the registration, the person, their e-mail address
    /// when they are a member with an account, status and attendance. Cancelled registrations
    /// are left out unless `include_cancelled=true`; the JSON lists them all.
    #[oai(path = "/events/:id/registrations", method = "get")]
    async fn registrations(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        /// `text/csv` for the CSV export; anything else gives JSON.
        accept: Header<Option<String>>,
        /// Beginnings of a person's first or last name ("ann pee"); accents and case do not matter.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Also the cancelled registrations (default false).
        include_cancelled: Query<Option<bool>>,
    ) -> ApiResult<RegistrationList> {
        auth.0.require_staff()?;
        let event = super::get_visible(&self.app, &id.0.to_string(), true).await?;
        let list = registrations::for_event(&self.app, &event.id, q.0.as_deref()).await?;
        let wants_csv = accept.0.as_deref().is_some_and(|a| a.contains("text/csv"));
        if !wants_csv {
            return Ok(RegistrationList::Ok(
                RegistrationListContent::Json(Json(
                    list.into_iter().map(Registration::new).collect(),
                )),
                None,
            ));
        }
        let csv = registrations::csv(&event, list, include_cancelled.0.unwrap_or(false));
        Ok(RegistrationList::Ok(
            RegistrationListContent::Csv(PlainText(csv)),
            Some(registrations::csv_disposition(&event)),
        ))
    }

    /// Check in at the door (staff)
    ///
    /// A whole registration (`registration_id`, found by a person's name with
    /// `GET /events/{id}/registrations?q=…`) or some people (`person_ids`). Checking in twice
    /// is harmless. After the event, the confirmed people not checked in are no-shows; once staff
    /// closed the attendance (`POST /events/{id}/attendance/close`) check-ins answer `409`.
    /// Check-in opens a day before the event starts: earlier answers `409` unless the request
    /// says `"override": true`.
    #[oai(path = "/events/:id/check-ins", method = "post")]
    async fn check_in(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
        body: Json<CheckInRequest>,
    ) -> ApiResult<Json<CheckedIn>> {
        auth.0.require_staff()?;
        let what = match (&body.registration_id, &body.person_ids) {
            (Some(r), None) => CheckIn::Registration(r.to_string()),
            (None, Some(p)) => CheckIn::People(p.iter().map(ToString::to_string).collect()),
            _ => {
                return Err(Error::field(
                    "registration_id",
                    "give either registration_id or person_ids",
                )
                .into());
            }
        };
        let event_id = id.0.to_string();
        let touched = registrations::check_in(
            &self.app,
            &auth.0.account_id,
            &event_id,
            what,
            body.staff_override.unwrap_or(false),
        )
        .await?;
        let mut out = Vec::new();
        for rid in touched {
            if let Some(row) =
                registrations::find_registration(&self.app.db.read, &event_id, &rid).await?
            {
                let people = registrations::people_of(&self.app.db.read, &rid).await?;
                out.push(Registration::new(Registered {
                    row,
                    people,
                    position: None,
                    waitlist_length: None,
                }));
            }
        }
        Ok(Json(CheckedIn { registrations: out }))
    }

    /// Mark the no-shows and close the attendance (staff)
    ///
    /// After the event: whoever of the confirmed registrations was not checked in is a no-show,
    /// and check-ins are frozen (`409`) until the attendance is reopened, so the figures reported
    /// for the event stay as they were. Closing again changes nothing. Before the event has
    /// ended: `409`.
    #[oai(path = "/events/:id/attendance/close", method = "post")]
    async fn close_attendance(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Attendance>> {
        auth.0.require_staff()?;
        let c = registrations::close_attendance(&self.app, &auth.0.account_id, &id.0.to_string())
            .await?;
        Ok(Json(Attendance {
            closed: true,
            expected: c.expected,
            arrived: c.arrived,
            no_shows: c.no_shows,
        }))
    }

    /// Reopen a closed attendance (staff)
    ///
    /// For a forgotten or mistaken check-in after the attendance was closed. Reopening an open
    /// attendance changes nothing.
    #[oai(path = "/events/:id/attendance/reopen", method = "post")]
    async fn reopen_attendance(
        &self,
        auth: Auth,
        /// The event's id.
        id: Path<uuid::Uuid>,
    ) -> ApiResult<Json<Attendance>> {
        auth.0.require_staff()?;
        let c = registrations::reopen_attendance(&self.app, &auth.0.account_id, &id.0.to_string())
            .await?;
        Ok(Json(Attendance {
            closed: false,
            expected: c.expected,
            arrived: c.arrived,
            no_shows: c.no_shows,
        }))
    }

    /// My household's registrations
    ///
    /// Every registration of the caller's household, upcoming and past, with who comes.
    ///
    /// Newest first; a waitlisted one shows its `position` (1 = next) and the
    /// `waitlist_length`.
    #[oai(path = "/me/registrations", method = "get")]
    async fn my_registrations(&self, auth: Auth) -> ApiResult<Json<Vec<MyRegistration>>> {
        let list = registrations::for_household(&self.app, &auth.0.household_id).await?;
        Ok(Json(
            list.into_iter()
                .map(|(r, e)| MyRegistration {
                    registration: Registration::new(r),
                    event_status: e.status(),
                    event_title: e.title,
                    event_starts_at: e.starts_local,
                    event_timezone: e.timezone,
                })
                .collect(),
        ))
    }

    /// New personal calendar address
    ///
    /// A feed of the events the household is registered for. Replaces the previous address,
    /// which stops working at once.
    #[oai(path = "/me/calendar-token", method = "post")]
    async fn calendar_token(&self, auth: Auth) -> ApiResult<Json<CalendarAddress>> {
        let (url, webcal_url) = crate::calendar::new_token(&self.app, &auth.0.account_id).await?;
        Ok(Json(CalendarAddress { url, webcal_url }))
    }

    /// An event as iCalendar
    ///
    /// One event as an `.ics` file for "add to calendar": the same UID and times as in the
    /// feeds, with the event's time zone. Public for published events. Like the feeds: gzip for
    /// clients that accept it, an ETag per encoding and `304` when the client's copy is current.
    #[oai(path = "/events/:id/calendar.ics", method = "get")]
    async fn ics(
        &self,
        req: &Request,
        /// The event's id.
        id: Path<uuid::Uuid>,
        /// The ETag of the copy the client has; answered 304 when it is current.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> ApiResult<IcsResponse> {
        use crate::calendar::{CACHE_CONTROL, Feed};
        let e = super::get_visible(&self.app, &id.0.to_string(), false).await?;
        let feed = Feed::on_demand(crate::calendar::single_event(&self.app, &e));
        let answer = feed.negotiate(crate::cache::accepts_gzip(req), if_none_match.0.as_deref());
        let (cache, vary) = (CACHE_CONTROL.to_owned(), "Accept-Encoding".to_owned());
        Ok(match answer.body {
            None => IcsResponse::NotModified(answer.etag, cache, vary),
            Some((body, gzip)) => IcsResponse::Ok(
                Binary(body),
                answer.etag,
                gzip.then(|| "gzip".to_owned()),
                cache,
                vary,
            ),
        })
    }
}
