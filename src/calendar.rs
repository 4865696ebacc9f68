//! iCalendar feeds (RFC 5545) with the icalendar crate: the public feed, one event, and each
//! member's personal feed of their household's registrations.
//!
//! Times are written as local times with `TZID=` and a VTIMEZONE for every zone used, generated
//! here from chrono-tz (the crate does not write VTIMEZONE): the exact transitions of each year
//! the feed spans, so calendar apps place an event at the intended wall-clock time on both sides
//! of a daylight-saving change. UID is stable, SEQUENCE is the event's revision, DTSTAMP and
//! LAST-MODIFIED its last change, so a feed's bytes (and its ETag) change exactly when an event in
//! it or the member's registrations change.
//!
//! Whatever is stored, a feed is well-formed: every value passes `text`, `uri` or `category`
//! before the icalendar crate writes it, so no value carries a bare CR or an unescaped line break
//! (the crate escapes LF in TEXT values only, and writes URIs and lists raw).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{
    DateTime, Datelike as _, LocalResult, NaiveDateTime, Offset as _, TimeZone as _, Utc,
};
use chrono_tz::{OffsetComponents as _, OffsetName as _, Tz};
use icalendar::{Calendar, CalendarDateTime, Component as _, EventLike as _};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{FromRequest as _, IntoResponse, Request, Response, handler};
use sha2::{Digest as _, Sha256};

use crate::app::App;
use crate::auth::{self, TokenKind};
use crate::cache::Encoded;
use crate::db::{now_ms, to_datetime};
use crate::error::{Error, Result, problem_response};
use crate::events::{EVENT_COLUMNS, EventRow, MAX_EVENT_MS};
use crate::values::{Audience, EventStatus, RegistrationStatus};

pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";
/// How long past events stay in the public feed.
const PAST_DAYS: i64 = 90;

fn uid(app: &App, event: &EventRow) -> String {
    let host = app.config.base_url.host_str().unwrap_or("localhost");
    format!("{}@{host}", event.id)
}

/// A TEXT value as the icalendar crate should get it: it escapes `\`, `;`, `,` and LF, but
/// would write a CR or another control character raw. Whatever is stored (rows written before
/// the edges were checked, or by hand), a feed never carries a bare CR or an unescaped line
/// break: CRLF and CR become LF, other control characters but TAB are dropped.
fn text(s: &str) -> String {
    crate::values::normalize_line_breaks(s)
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// A URI value (the crate writes it raw): anything but visible ASCII percent-encoded.
fn uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            for b in c.encode_utf8(&mut [0; 4]).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// One CATEGORIES item (the crate writes the list raw): TEXT escaping, on one line.
fn category(s: &str) -> String {
    text(s)
        .replace('\n', " ")
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
}

fn ical_event(
    app: &App,
    e: &EventRow,
    registration: Option<RegistrationStatus>,
    method: Method,
) -> icalendar::Event {
    let mut ev = icalendar::Event::new();
    ev.uid(&uri(&uid(app, e)))
        .summary(&text(&e.title))
        .timestamp(to_datetime(e.updated_at))
        .last_modified(to_datetime(e.updated_at))
        .created(to_datetime(e.created_at))
        .sequence(u32::try_from(e.revision.saturating_sub(1)).unwrap_or(0))
        .starts(event_time(e.tz(), e.local_start(), e.starts_at))
        .ends(event_time(e.tz(), e.local_end(), e.ends_at));
    let online = e.online_url.as_deref().map(|u| format!("Online: {u}"));
    let description = [
        e.summary.as_deref(),
        e.description.as_deref(),
        online.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n\n");
    if !description.is_empty() {
        ev.description(&text(&description));
    }
    if let Some(location) = e.location() {
        ev.location(&text(&location));
    }
    // The event's page on the website (the online link, if any, is in the description).
    ev.url(&uri(&app.config.link(&format!("/events/{}", e.id))));
    let status = match (e.status(), registration) {
        (EventStatus::Cancelled, _) => icalendar::EventStatus::Cancelled,
        (_, Some(RegistrationStatus::Waitlisted)) => icalendar::EventStatus::Tentative,
        _ => icalendar::EventStatus::Confirmed,
    };
    ev.status(status);
    let tags = e.tag_list();
    if !tags.is_empty() {
        let items: Vec<String> = tags.iter().map(|t| category(t)).collect();
        ev.add_property("CATEGORIES", items.join(","));
    }
    if method == Method::Cancel {
        // RFC 5546 requires ORGANIZER of a CANCEL. The address is the one the mail comes from;
        // the name, the event's organiser (quoted, so no `:`, `;` or `,` in it splits the
        // parameter; a DQUOTE cannot be quoted, so it goes).
        let name = text(&e.organiser).replace(['"', '\n'], " ");
        let mut organizer = icalendar::Property::new(
            "ORGANIZER",
            uri(&format!("mailto:{}", app.config.mail_from.as_str())),
        );
        organizer.add_parameter("CN", &format!("\"{name}\""));
        ev.append_property(organizer);
    }
    ev.done()
}

/// What a calendar file asks of the application that reads it (iTIP, RFC 5546 `METHOD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Keep these events: a feed, a file to import, or a newer version (higher SEQUENCE) of an
    /// event the reader holds under the same UID.
    Publish,
    /// Remove the event the reader holds under this UID (STATUS:CANCELLED, SEQUENCE raised).
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Cancel => "CANCEL",
        }
    }
}

/// A DTSTART or DTEND every client reads as the same instant: the local time with its `TZID`
/// (so calendars show the event in its own zone), except where the zone repeats that local time
/// (the hour the clocks go back). There RFC 5545 means the first occurrence, as the server does,
/// but ical.js (Thunderbird, Nextcloud) takes the second: the UTC instant leaves no choice. A
/// time the zone skips is never stored (`LocalTime::from_local`); were one written by hand, it
/// goes out in UTC too.
fn event_time(tz: Tz, local: NaiveDateTime, utc_ms: i64) -> CalendarDateTime {
    match tz.from_local_datetime(&local) {
        // The zone as the times are read (`EventRow::tz`), never the stored text as it is.
        LocalResult::Single(_) => CalendarDateTime::WithTimezone {
            date_time: local,
            tzid: tz.name().to_owned(),
        },
        LocalResult::Ambiguous(..) | LocalResult::None => {
            CalendarDateTime::Utc(to_datetime(utc_ms))
        }
    }
}

/// A whole calendar: the events, and a VTIMEZONE for every zone they use.
pub fn build(app: &App, name: &str, events: &[(EventRow, Option<RegistrationStatus>)]) -> String {
    build_for(app, name, events, Method::Publish)
}

fn build_for(
    app: &App,
    name: &str,
    events: &[(EventRow, Option<RegistrationStatus>)],
    method: Method,
) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property((
        "PRODID",
        "-//Expat Centre Limburg//Limburgers Worldwide//EN",
    ));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.append_property(("METHOD", method.as_str()));
    cal.append_property(("X-WR-CALNAME", text(name).as_str()));
    cal.append_property(("X-WR-TIMEZONE", app.config.timezone.name()));
    let mut zones: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for (e, reg) in events {
        let (a, b) = (e.local_start().year(), e.local_end().year());
        zones
            .entry(e.tz().name().to_owned())
            .and_modify(|(lo, hi)| {
                *lo = (*lo).min(a);
                *hi = (*hi).max(b);
            })
            .or_insert((a, b));
        cal.push(ical_event(app, e, *reg, method));
    }
    let text = cal.to_string();
    let mut tz_blocks = String::new();
    for (name, (from, to)) in zones {
        if let Ok(tz) = name.parse::<Tz>() {
            tz_blocks.push_str(&vtimezone_memo(tz, from, to));
        }
    }
    // VTIMEZONE components go before the events that refer to them: before the first line that
    // is BEGIN:VEVENT (a value may hold those words, never a line break: see `text`).
    match text.find("\r\nBEGIN:VEVENT\r\n") {
        Some(at) => format!("{}{}{}", &text[..at + 2], tz_blocks, &text[at + 2..]),
        None => text,
    }
}

fn offset_secs(tz: Tz, t: i64) -> i32 {
    let at = DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .naive_utc();
    tz.offset_from_utc_datetime(&at).fix().local_minus_utc()
}

fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let s = secs.abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// `vtimezone`, remembered: finding transitions to the second is a search, and every feed asks
/// for the same few zones and years. The tz database is compiled in, so an answer never changes.
fn vtimezone_memo(tz: Tz, from: i32, to: i32) -> Arc<str> {
    type Memo = std::sync::Mutex<HashMap<(Tz, i32, i32), Arc<str>>>;
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(v) = memo
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(tz, from, to))
    {
        return v.clone();
    }
    let v: Arc<str> = vtimezone(tz, from, to).into();
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    // Zones × year spans stay few; a pathological spread of years only costs a rebuild.
    if memo.len() > 1024 {
        memo.clear();
    }
    memo.insert((tz, from, to), v.clone());
    v
}

/// The zone's definition for the local years `from..=to`: the offset in force a day before
/// 1 January of `from` (UTC), then every transition up to the end of `to`, found exactly (to the
/// second).
///
/// The day before matters: clients read a local time that precedes every observance as UTC
/// (ical.js) or with the first standard offset (Python's icalendar). Starting at 1 January 00:00
/// UTC left local midnight to 01:00 in Brussels, and to 11:00 in Sydney, before the first
/// observance; a day earlier is before local midnight in every zone (offsets stay within ±24 h).
pub fn vtimezone(tz: Tz, from: i32, to: i32) -> String {
    let start = Utc
        .with_ymd_and_hms(from, 1, 1, 0, 0, 0)
        .single()
        .map(|d| d.timestamp() - 86_400)
        .unwrap_or(0);
    let end = Utc
        .with_ymd_and_hms(to + 1, 1, 1, 0, 0, 0)
        .single()
        .map(|d| d.timestamp())
        .unwrap_or(start);
    let mut out = String::new();
    let _ = write!(out, "BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let mut observance = |at: i64, from_off: i32| {
        let utc = DateTime::from_timestamp(at, 0)
            .unwrap_or_default()
            .naive_utc();
        let offset = tz.offset_from_utc_datetime(&utc);
        let to_off = offset.fix().local_minus_utc();
        let kind = if offset.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        // DTSTART is the local time of the change as read on the clocks before it.
        let local = utc + chrono::Duration::seconds(i64::from(from_off));
        let _ = write!(
            out,
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
            local.format("%Y%m%dT%H%M%S"),
            format_offset(from_off),
            format_offset(to_off)
        );
        if let Some(abbr) = offset.abbreviation() {
            let _ = write!(out, "TZNAME:{abbr}\r\n");
        }
        let _ = write!(out, "END:{kind}\r\n");
    };
    let first = offset_secs(tz, start);
    observance(start, first);
    let day = 86_400;
    let mut t = start;
    let mut current = first;
    while t < end {
        let next = t + day;
        let off = offset_secs(tz, next);
        if off != current {
            // The change lies in (t, next]: find its first second.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_secs(tz, mid) == current {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            observance(hi, current);
            current = off;
        }
        t = next;
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// The `.ics` of one event, as `GET /api/v1/events/{id}/calendar.ics` serves it.
pub fn single_event(app: &App, event: &EventRow) -> String {
    build(app, &event.title, &[(event.clone(), None)])
}

/// The `.ics` a mail about `event` carries, with its MIME type. The UID is the event's whatever
/// changes, and SEQUENCE its revision, so a calendar that holds the event takes the file as a
/// newer version of it.
///
/// The method: members register through the API, not by answering an invitation, so there is
/// no organiser–attendee exchange (RFC 5546) to take part in. REQUEST would start one: Outlook
/// and Gmail show Accept/Decline buttons whose replies go to our sending address, and it needs
/// an ATTENDEE. PUBLISH, which Thunderbird, Outlook and Google Calendar all import, and which
/// updates a copy they hold under the same UID when SEQUENCE is higher, serves a confirmation
/// and a change. A cancelled event goes as CANCEL (with ORGANIZER, see `ical_event`): the
/// method with which they offer to remove the event rather than keep it. The MIME type names
/// the same method, which Outlook requires.
pub fn mailed_event(app: &App, event: &EventRow) -> (String, String) {
    let method = if event.status() == EventStatus::Cancelled {
        Method::Cancel
    } else {
        Method::Publish
    };
    let body = build_for(app, &event.title, &[(event.clone(), None)], method);
    let content_type = format!("{CONTENT_TYPE}; method={}", method.as_str());
    (body, content_type)
}

/// Unknown parameters are ignored: calendar apps and links add their own (`?x=` cache breakers).
#[derive(Debug, Default, serde::Deserialize)]
pub struct FeedFilter {
    pub tag: Option<String>,
    pub organiser: Option<String>,
    pub audience: Option<String>,
}

fn feed_audience(f: &FeedFilter) -> Result<&'static str> {
    Ok(match f.audience.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => a
            .parse::<Audience>()
            .map_err(|e| Error::field("audience", e.0))?
            .as_str(),
        None => "",
    })
}

/// The first moment the public feed covers: midnight UTC, `PAST_DAYS` before `now`.
fn window_start(now: i64) -> i64 {
    let day = 86_400_000;
    (now - PAST_DAYS * day).div_euclid(day) * day
}

/// Published and cancelled events from the last 90 days on, filtered.
///
/// The window starts at a UTC midnight, so the feed is a function of the events and the day
/// only; that is what lets [`FeedCache`] keep it until either changes.
async fn build_public(app: &App, f: &FeedFilter, audience: &str, from: i64) -> Result<String> {
    let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.status IN ('published', 'cancelled') AND e.ends_at >= $1 \
         AND e.starts_at >= $1 - {MAX_EVENT_MS} \
         AND ($2 = '' OR EXISTS (SELECT 1 FROM event_tags t WHERE t.event_id = e.id AND t.tag = $2)) \
         AND ($3 = '' OR e.organiser = $3) AND ($4 = '' OR e.audience = $4) \
         ORDER BY e.starts_at, e.id LIMIT 5000"
    )))
    .bind(from)
    .bind(f.tag.clone().unwrap_or_default().trim().to_lowercase())
    .bind(f.organiser.clone().unwrap_or_default())
    .bind(audience)
    .fetch_all(&app.db.read)
    .await?;
    let list: Vec<_> = events.into_iter().map(|e| (e, None)).collect();
    Ok(build(app, "Limburgers Worldwide", &list))
}

/// One built feed, plain and gzipped, with its ETag.
pub struct Feed {
    pub page: Encoded,
    pub etag: String,
}

/// `Cache-Control` of every calendar answer: a calendar app may keep its copy but checks it
/// with the ETag first, so a change shows on its next poll.
pub const CACHE_CONTROL: &str = "no-cache";

/// What to answer one request for a calendar: the ETag of the bytes in the encoding the client
/// takes, and those bytes with whether they are gzip, or `None` when the client has them (304).
pub struct Negotiated {
    pub etag: String,
    pub body: Option<(Bytes, bool)>,
}

impl Feed {
    /// A feed gzipped at once: a large one would hold up a request's thread.
    fn new(body: String) -> Feed {
        Feed {
            etag: etag(&body),
            page: Encoded::compressed(body.into()),
        }
    }

    /// One event's calendar, built per request: a few kB, gzipped only for a client that asks.
    pub fn on_demand(body: String) -> Feed {
        Feed {
            etag: etag(&body),
            page: Encoded::new(body.into()),
        }
    }

    /// The answer to a client that takes gzip or not and holds `if_none_match`: each encoding
    /// has its own ETag, as its bytes differ.
    pub fn negotiate(&self, gzip: bool, if_none_match: Option<&str>) -> Negotiated {
        let etag = if gzip {
            format!("{}-gz\"", self.etag.trim_end_matches('"'))
        } else {
            self.etag.clone()
        };
        if not_modified(if_none_match, &etag) {
            return Negotiated { etag, body: None };
        }
        let body = if gzip {
            self.page.gzip()
        } else {
            self.page.plain.clone()
        };
        Negotiated {
            etag,
            body: Some((body, gzip)),
        }
    }
}

/// Built public feeds, per filter, kept while the events change counter and the window's day
/// stay the same. Checking costs one indexed read; the counter lives in the database, so a change
/// made through another server instance invalidates this one's copy as exactly as its own.
pub struct FeedCache {
    /// Filter key → feed, stamped (events counter, window day).
    feeds: crate::cache::Keyed<(i64, i64), Arc<Feed>>,
    /// One build at a time: a burst of requests after a change builds the feed once.
    building: tokio::sync::Mutex<()>,
    /// Household id → personal feed, stamped (events counter, household's counter shard).
    personal: crate::cache::Keyed<(i64, i64), Arc<Feed>>,
    /// Hash of a personal address → its owner's household, stamped with the addresses counter.
    owners: crate::cache::Keyed<i64, String>,
}

impl Default for FeedCache {
    fn default() -> Self {
        FeedCache {
            // Distinct filters kept (filters are few in practice).
            feeds: crate::cache::Keyed::new("public_feeds", 256),
            building: tokio::sync::Mutex::new(()),
            // A personal feed is a few kB plain and gzipped; this bounds them to a few MiB.
            // Calendar apps poll every few hours, so a cleared cache costs one build per app.
            personal: crate::cache::Keyed::new("personal_feeds", 512),
            // ~150 bytes each: a few hundred kB.
            owners: crate::cache::Keyed::new("feed_addresses", 4096),
        }
    }
}

/// The public feed for a filter, from the cache when nothing changed since it was built.
pub async fn public_feed_cached(app: &App, f: &FeedFilter) -> Result<Arc<Feed>> {
    let audience = feed_audience(f)?;
    let key = format!(
        "{}\u{0}{}\u{0}{audience}",
        f.tag.as_deref().unwrap_or("").trim().to_lowercase(),
        f.organiser.as_deref().unwrap_or("")
    );
    let day = window_start(now_ms());
    let version = app.versions.current(&app.db).await?.events;
    let fresh = |version: i64| move |stamp: &(i64, i64)| *stamp == (version, day);
    if let Some(feed) = app.feeds.feeds.get(&key, fresh(version)) {
        return Ok(feed);
    }
    let _one = app.feeds.building.lock().await;
    // Built by the request this one waited for?
    let version = app.versions.current(&app.db).await?.events;
    if let Some(feed) = app.feeds.feeds.get(&key, fresh(version)) {
        return Ok(feed);
    }
    // The counter is read before the events: a change committed in between makes the next
    // request rebuild, never keeps a stale feed under a newer version.
    let feed = Arc::new(Feed::new(build_public(app, f, audience, day).await?));
    app.feeds.feeds.put(key, (version, day), feed.clone());
    Ok(feed)
}

#[derive(sqlx::FromRow)]
struct PersonalRow {
    registration_status: String,
    #[sqlx(flatten)]
    event: EventRow,
}

/// The events a member's household is registered for (tentative while waitlisted), or None
/// when the address is unknown, replaced or its owner no longer a member.
///
/// Both the address's household and the feed are kept in memory, each under the change counters
/// it depends on (the addresses counter; the events counter and the household's registrations
/// counter). The counters are read from the database after the request arrived, so a replaced
/// address, an erasure or a move made through any instance shows at once on every instance.
pub async fn personal_feed(app: &App, secret: &str) -> Result<Option<Arc<Feed>>> {
    // Read before the address and the registrations: a change committed in between makes the
    // next request look again, never keeps a stale answer under a newer stamp.
    let versions = app.versions.current(&app.db).await?;
    let hash = auth::hash_secret(secret);
    let household = match app.feeds.owners.get(&hash, |s| *s == versions.addresses) {
        Some(household) => household,
        None => {
            let owner: Option<(String,)> = sqlx::query_as(
                "SELECT p.household_id FROM tokens t JOIN accounts a ON a.person_id = t.account_id \
                 JOIN people p ON p.id = a.person_id \
                 WHERE t.hash = $1 AND t.kind = 'calendar' AND a.status IN ('active', 'alumni')",
            )
            .bind(&hash)
            .fetch_optional(&app.db.read)
            .await?;
            // Unknown addresses are not kept: guessing cannot fill the memory.
            let Some((household,)) = owner else {
                return Ok(None);
            };
            app.feeds
                .owners
                .put(hash, versions.addresses, household.clone());
            household
        }
    };
    let stamp = (versions.events, versions.household(&household));
    if let Some(feed) = app.feeds.personal.get(&household, |s| *s == stamp) {
        return Ok(Some(feed));
    }
    let rows: Vec<PersonalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.status AS registration_status, {} FROM registrations r \
         JOIN events e ON e.id = r.event_id \
         WHERE r.household_id = $1 AND r.status <> 'cancelled' AND e.status <> 'draft' \
         ORDER BY e.starts_at, e.id",
        EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(&household)
    .fetch_all(&app.db.read)
    .await?;
    let list: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let status = r.registration_status.parse().ok();
            (r.event, status)
        })
        .collect();
    let feed = Arc::new(Feed::new(build(
        app,
        "My Limburgers Worldwide events",
        &list,
    )));
    app.feeds.personal.put(household, stamp, feed.clone());
    Ok(Some(feed))
}

/// Whether the member has a personal calendar address (its secret is not kept, only its hash).
pub async fn has_token(app: &App, account_id: &str) -> Result<bool> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM tokens WHERE account_id = $1 AND kind = 'calendar'")
            .bind(account_id)
            .fetch_one(&app.db.read)
            .await?;
    Ok(n > 0)
}

/// Replaces the member's calendar token: the old address stops working at once.
pub async fn new_token(app: &App, account_id: &str) -> Result<(String, String)> {
    let mut tx = app.db.begin().await?;
    sqlx::query("DELETE FROM tokens WHERE account_id = $1 AND kind = 'calendar'")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    crate::cache::addresses_changed(&mut tx);
    let (secret, _) = auth::issue(&mut tx, account_id, TokenKind::Calendar, None).await?;
    crate::audit::record(
        &mut tx,
        account_id,
        "calendar.token_replaced",
        Some(account_id),
        None,
    )
    .await?;
    tx.commit().await?;
    let url = app.config.link(&format!("/calendar/{secret}.ics"));
    let webcal = webcal(&url);
    Ok((url, webcal))
}

/// The `webcal://` form of a feed's address, which calendar apps open as a subscription.
pub fn webcal(url: &str) -> String {
    format!(
        "webcal://{}",
        url.split_once("://").map(|(_, rest)| rest).unwrap_or(url)
    )
}

pub fn etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether the client's `If-None-Match` already names this version.
pub fn not_modified(if_none_match: Option<&str>, tag: &str) -> bool {
    if_none_match.is_some_and(|v| {
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == tag || t == "*")
    })
}

/// A feed as plain text or gzip (each with its own ETag), or 304 when the client has it.
fn feed_response(req: &Request, feed: &Feed) -> Response {
    let inm = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let answer = feed.negotiate(crate::cache::accepts_gzip(req), inm);
    let builder = Response::builder()
        .header(header::ETAG, answer.etag)
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::VARY, "Accept-Encoding");
    match answer.body {
        None => builder.status(StatusCode::NOT_MODIFIED).finish(),
        Some((body, true)) => builder
            .content_type(CONTENT_TYPE)
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body),
        Some((body, false)) => builder.content_type(CONTENT_TYPE).body(body),
    }
}

/// `GET /calendar.ics`: the public feed (`?tag=&organiser=&audience=`).
#[handler]
pub async fn public_calendar(req: &Request, app: Data<&App>) -> Response {
    let filter = match Query::<FeedFilter>::from_request_without_body(req).await {
        Ok(Query(f)) => f,
        // A parameter given twice, say: a value we refuse, like any other.
        Err(e) => {
            return crate::error::ApiError::from(Error::field("query", e.to_string()))
                .into_response();
        }
    };
    match public_feed_cached(&app, &filter).await {
        Ok(feed) => feed_response(req, &feed),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `GET /calendar/{token}.ics`: a member's personal feed.
#[handler]
pub async fn personal_calendar(
    req: &Request,
    app: Data<&App>,
    Path(file): Path<String>,
) -> Response {
    let Some(secret) = file.strip_suffix(".ics") else {
        return problem_response(StatusCode::NOT_FOUND, "calendar not found");
    };
    match personal_feed(&app, secret).await {
        Ok(Some(feed)) => feed_response(req, &feed),
        Ok(None) => problem_response(
            StatusCode::NOT_FOUND,
            "calendar not found; the address may have been replaced",
        ),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brussels_changes_on_the_last_sundays_of_march_and_october() {
        let v = vtimezone(chrono_tz::Europe::Brussels, 2027, 2027);
        assert!(v.contains("TZID:Europe/Brussels"));
        assert!(v.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"), "{v}");
        assert!(v.contains("BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET"), "{v}");
    }

    #[test]
    fn the_zone_is_defined_from_before_local_new_year_east_and_west() {
        for (tz, first) in [
            (chrono_tz::Pacific::Kiritimati, "DTSTART:20291231T140000"),
            (chrono_tz::Australia::Sydney, "DTSTART:20291231T110000"),
            (chrono_tz::Pacific::Pago_Pago, "DTSTART:20291230T130000"),
        ] {
            let v = vtimezone(tz, 2030, 2030);
            let at = v.find("DTSTART:").unwrap();
            assert_eq!(&v[at..at + first.len()], first, "{v}");
        }
    }

    #[test]
    fn a_repeated_local_time_goes_out_in_utc_and_others_with_their_zone() {
        let brussels = chrono_tz::Europe::Brussels;
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        // 02:30 on 27 October 2030 happens twice; the first is 00:30 UTC.
        let first = Utc.with_ymd_and_hms(2030, 10, 27, 0, 30, 0).unwrap();
        assert!(matches!(
            event_time(brussels, at("2030-10-27T02:30"), first.timestamp_millis()),
            CalendarDateTime::Utc(t) if t == first
        ));
        assert!(matches!(
            event_time(brussels, at("2030-10-27T03:30"), 0),
            CalendarDateTime::WithTimezone { tzid, .. } if tzid == "Europe/Brussels"
        ));
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let v = vtimezone(chrono_tz::Asia::Kolkata, 2027, 2027);
        assert_eq!(v.matches("BEGIN:STANDARD").count(), 1, "{v}");
        assert!(v.contains("TZOFFSETTO:+0530"));
    }

    #[test]
    fn values_never_carry_a_line_break_or_control_character_raw() {
        assert_eq!(text("a\r\nb\rc\nd\te\u{7}\u{0}\u{85}f"), "a\nb\nc\nd\tef");
        assert_eq!(
            uri("https://x.example/a\r\nb c\u{e4}"),
            "https://x.example/a%0D%0Ab%20c%C3%A4"
        );
        assert_eq!(category("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d e");
    }

    #[test]
    fn if_none_match_understands_lists_and_weak_tags() {
        assert!(not_modified(Some("\"abc\""), "\"abc\""));
        assert!(not_modified(Some("W/\"x\", \"abc\""), "\"abc\""));
        assert!(!not_modified(Some("\"old\""), "\"abc\""));
        assert!(!not_modified(None, "\"abc\""));
    }
}
