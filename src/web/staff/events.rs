//! `/staff/events`: the centre's events in the back office. The list of every event (drafts,
//! published, cancelled; upcoming or past), creating one or a weekly/monthly series, changing
//! one, cancelling one with a reason for the mail, and an event's registrations with the
//! household's people and the CSV download.
//!
//! The same domain path as the API (`src/events/api.rs`): the form becomes an
//! `api::EventInput`, validated by `events::spec_from`, then `events::create`,
//! `create_series`, `update_promoting` (the `PATCH` path, telling how many waited and got seats)
//! and `cancel`; the CSV is `registrations::csv` under `csv_disposition`'s file name.

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::error::Error;
use crate::events::api::EventInput;
use crate::events::registrations::{self, Registered};
use crate::events::{self, EventRow, Frequency, Period, Recurrence};
use crate::i18n::CATALOGS;
use crate::values::{Audience, EventStatus, Language, RegistrationStatus};
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::get;
    r.at("/staff/events", get(list_page))
        .at("/staff/events/new", get(new_page).post(create_event))
        .at("/staff/events/series", get(series_page).post(create_series))
        .at("/staff/events/:id", get(event_page))
        .at("/staff/events/:id/edit", get(edit_page).post(save_event))
        .at(
            "/staff/events/:id/cancel",
            get(cancel_page).post(cancel_event),
        )
        .at(
            "/staff/events/:id/registrations.csv",
            get(registrations_csv),
        )
}

use crate::web::Errors;

const PAGE_SIZE: i64 = 25;
/// Registrations shown on one page of an event.
const REGISTRATIONS_PER_PAGE: usize = 50;
/// The organisers the form offers: the centre and its Euregional partners (the public filter's).
const ORGANISERS: [&str; 3] = [events::DEFAULT_ORGANISER, "Aachen", "Maastricht"];

fn errors_of(lang: Language, fields: impl IntoIterator<Item = String>) -> Errors {
    let mut errors = Errors::new();
    for field in fields {
        let key = format!("staff-events-error-{field}");
        errors
            .entry(field)
            .or_insert_with(|| CATALOGS.t(lang, &key, &[]).into());
    }
    errors
}

/// The form's field for a domain field (times are a date and a time; the error goes beside the
/// date, the first of the two).
fn form_field(domain: &str) -> &str {
    match domain {
        "starts_at" => "start_date",
        "ends_at" => "end_date",
        "registration_opens_at" => "opens_date",
        "registration_closes_at" => "closes_date",
        "repeat" | "repeat.count" => "count",
        "repeat.until" => "until",
        "repeat.interval" => "interval",
        other => other,
    }
}

fn event_id(raw: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| Error::NotFound("event"))
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct ListFilter {
    /// `draft`, `published`, `cancelled`, or empty for all.
    #[serde(default)]
    status: String,
    /// `upcoming` (default) or `past`.
    #[serde(default)]
    when: String,
    #[serde(default, skip_serializing)]
    cursor: String,
    /// How many events a series just created.
    #[serde(default, skip_serializing)]
    created: Option<usize>,
}

/// `GET /staff/events`
#[handler]
pub async fn list_page(v: Visitor, app: Data<&App>, Query(filter): Query<ListFilter>) -> Response {
    let _me = crate::staff!(v);
    let status = match filter.status.as_str() {
        "" => None,
        s => match s.parse::<EventStatus>() {
            Ok(s) => Some(s),
            Err(_) => return v.failed(Error::field("status", "unknown status")),
        },
    };
    let period = match filter.when.as_str() {
        "past" => Period::Past,
        _ => Period::Upcoming,
    };
    let cursor = events::parse_cursor(&filter.cursor);
    match list_context(&v, &app, &filter, status, period, cursor).await {
        Ok(ctx) => v.page(StatusCode::OK, "staff/events.html", ctx),
        Err(e) => v.failed(e),
    }
}

async fn list_context(
    v: &Visitor,
    app: &App,
    filter: &ListFilter,
    status: Option<EventStatus>,
    period: Period,
    cursor: Option<(i64, String)>,
) -> crate::error::Result<Value> {
    let (rows, next) = events::list_all(app, status, period, cursor, PAGE_SIZE).await?;
    let mut list = Vec::new();
    for e in &rows {
        list.push(summary(v, app, e).await?);
    }
    let next = next.map(|cursor| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !filter.status.is_empty() {
            q.append_pair("status", &filter.status);
        }
        if period == Period::Past {
            q.append_pair("when", "past");
        }
        q.append_pair("cursor", &cursor);
        format!("/staff/events?{}", q.finish())
    });
    Ok(json!({
        "section": "staff-events",
        "events": list,
        "next": next,
        "filter": filter,
        "past": period == Period::Past,
        "statuses": ["draft", "published", "cancelled"],
        "created": filter.created,
    }))
}

/// One event as a row of the list: its time in the visitor's language and its seats.
async fn summary(v: &Visitor, app: &App, e: &EventRow) -> crate::error::Result<Value> {
    Ok(json!({
        "id": e.id,
        "title": e.title,
        "when": crate::mail::templates::local_when(v.lang, e.local_start(), Some(e.local_end())),
        "status": e.status().as_str(),
        "taken": e.seats_taken,
        "capacity": e.capacity,
        "waitlist": registrations::waitlist_length(app, &e.id).await?,
        "series": e.series_id.is_some(),
    }))
}

// ---------------------------------------------------------------------------------------------
// The form for one event, a series and a change

/// The event form as typed (kept whole to show it again). Times are a date and a time each.
#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
pub struct EventForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    online_url: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    audience: String,
    /// Comma-separated.
    #[serde(default)]
    tags: String,
    #[serde(default)]
    organiser: String,
    #[serde(default)]
    opens_date: String,
    #[serde(default)]
    opens_time: String,
    #[serde(default)]
    closes_date: String,
    #[serde(default)]
    closes_time: String,
    #[serde(default)]
    status: String,
    // A series only.
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    interval: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    count: String,
}

fn split_local(local: Option<&str>) -> (String, String) {
    match local.and_then(|l| l.split_once('T')) {
        // Minutes are enough in a form.
        Some((d, t)) => (d.to_owned(), t.chars().take(5).collect()),
        None => (String::new(), String::new()),
    }
}

fn join_local(date: &str, time: &str) -> Option<String> {
    let (date, time) = (date.trim(), time.trim());
    // Either half missing is a time the domain refuses, beside the date.
    (!date.is_empty() || !time.is_empty()).then(|| format!("{date}T{time}"))
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl EventForm {
    fn blank(app: &App) -> Self {
        EventForm {
            start_time: "18:00".into(),
            end_time: "20:00".into(),
            timezone: app.config.timezone.name().to_owned(),
            audience: Audience::Everyone.as_str().to_owned(),
            organiser: events::DEFAULT_ORGANISER.to_owned(),
            status: EventStatus::Draft.as_str().to_owned(),
            frequency: "weekly".into(),
            interval: "1".into(),
            ..EventForm::default()
        }
    }

    fn of(e: &EventRow) -> Self {
        let i = events::input_of(e);
        let (start_date, start_time) = split_local(Some(&i.starts_at));
        let (end_date, end_time) = split_local(Some(&i.ends_at));
        let (opens_date, opens_time) = split_local(i.registration_opens_at.as_deref());
        let (closes_date, closes_time) = split_local(i.registration_closes_at.as_deref());
        EventForm {
            title: i.title,
            summary: i.summary.unwrap_or_default(),
            description: i.description.unwrap_or_default(),
            start_date,
            start_time,
            end_date,
            end_time,
            timezone: i.timezone.unwrap_or_default(),
            venue: i.venue.unwrap_or_default(),
            address: i.address.unwrap_or_default(),
            online_url: i.online_url.unwrap_or_default(),
            capacity: i.capacity.map(|c| c.to_string()).unwrap_or_default(),
            audience: e.audience().as_str().to_owned(),
            tags: e.tag_list().join(", "),
            organiser: e.organiser.clone(),
            opens_date,
            opens_time,
            closes_date,
            closes_time,
            status: e.status().as_str().to_owned(),
            ..EventForm::default()
        }
    }

    /// The form as the API's input, for `events::spec_from`; the fields a form cannot hand
    /// over as typed (a number that is none) are named in `bad`.
    fn input(&self, bad: &mut Vec<String>) -> EventInput {
        let capacity = match self.capacity.trim() {
            "" => None,
            c => match c.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad.push("capacity".into());
                    None
                }
            },
        };
        let tags: Vec<String> = self
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        EventInput {
            title: self.title.clone(),
            summary: optional(&self.summary),
            description: optional(&self.description),
            starts_at: join_local(&self.start_date, &self.start_time).unwrap_or_default(),
            ends_at: join_local(&self.end_date, &self.end_time).unwrap_or_default(),
            timezone: optional(&self.timezone),
            venue: optional(&self.venue),
            address: optional(&self.address),
            online_url: optional(&self.online_url),
            capacity,
            registration_opens_at: join_local(&self.opens_date, &self.opens_time),
            registration_closes_at: join_local(&self.closes_date, &self.closes_time),
            audience: self.audience.parse().ok(),
            tags: Some(tags),
            organiser: optional(&self.organiser),
            status: self.status.parse().ok(),
        }
    }

    /// The repeat rule; numbers that are none are named in `bad`.
    fn rule(&self, bad: &mut Vec<String>) -> Recurrence {
        let mut number = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            n => n.parse::<u32>().ok().or_else(|| {
                bad.push(field.into());
                None
            }),
        };
        let interval = number("interval", &self.interval).unwrap_or(1);
        let count = number("count", &self.count);
        let until = match self.until.trim() {
            "" => None,
            d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .or_else(|| {
                    bad.push("until".into());
                    None
                }),
        };
        Recurrence {
            frequency: match self.frequency.as_str() {
                "monthly" => Frequency::Monthly,
                _ => Frequency::Weekly,
            },
            interval,
            until,
            count,
        }
    }
}

/// What kind of form: a new event, a series, or a change of `event`.
enum Kind<'a> {
    New,
    Series,
    Edit(&'a EventRow),
}

fn show_form(
    v: &Visitor,
    status: StatusCode,
    kind: Kind,
    form: &EventForm,
    errors: Errors,
) -> Response {
    let (mode, action, event) = match kind {
        Kind::New => ("new", "/staff/events/new".to_owned(), Value::Null),
        Kind::Series => ("series", "/staff/events/series".to_owned(), Value::Null),
        Kind::Edit(e) => (
            "edit",
            format!("/staff/events/{}/edit", e.id),
            json!({"id": e.id, "title": e.title, "taken": e.seats_taken}),
        ),
    };
    v.page(
        status,
        "staff/event_form.html",
        json!({
            "section": "staff-events",
            "mode": mode,
            "action": action,
            "event": event,
            "form": form,
            "errors": errors,
            "audiences": Audience::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "organisers": ORGANISERS,
        }),
    )
}

/// Answers a failed save: the form again with each error beside its field, or the error page.
fn refused(v: &Visitor, kind: Kind, form: &EventForm, e: Error, mut bad: Vec<String>) -> Response {
    match e {
        Error::Invalid(fields) => {
            bad.extend(fields.into_iter().map(|f| form_field(&f.field).to_owned()));
            let errors = errors_of(v.lang, bad);
            show_form(v, StatusCode::UNPROCESSABLE_ENTITY, kind, form, errors)
        }
        // A change the event's state does not allow (capacity below the confirmed seats,
        // unpublishing with people registered): said above the form, which keeps what was typed.
        Error::Conflict(_) => {
            let mut errors = Errors::new();
            errors.insert(
                "form".into(),
                CATALOGS
                    .t(v.lang, "staff-events-error-conflict", &[])
                    .into(),
            );
            show_form(v, StatusCode::CONFLICT, kind, form, errors)
        }
        e => v.failed(e),
    }
}

/// `GET /staff/events/new`
#[handler]
pub fn new_page(v: Visitor, app: Data<&App>) -> Response {
    let _me = crate::staff!(v);
    show_form(
        &v,
        StatusCode::OK,
        Kind::New,
        &EventForm::blank(&app),
        Errors::new(),
    )
}

/// `POST /staff/events/new`: the `POST /api/v1/events` path.
#[handler]
pub async fn create_event(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<EventForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show_form(
            &v,
            StatusCode::FORBIDDEN,
            Kind::New,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let mut bad = Vec::new();
    let input = form.input(&mut bad);
    let result = match events::spec_from(&app, &input) {
        Ok(spec) if bad.is_empty() => events::create(&app, &me.account_id, spec).await,
        Ok(_) => Err(Error::Invalid(Vec::new())),
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => v.redirect(&format!("/staff/events/{}?created=1", e.id)),
        Err(e) => refused(&v, Kind::New, &form, e, bad),
    }
}

/// `GET /staff/events/series`
#[handler]
pub fn series_page(v: Visitor, app: Data<&App>) -> Response {
    let _me = crate::staff!(v);
    show_form(
        &v,
        StatusCode::OK,
        Kind::Series,
        &EventForm::blank(&app),
        Errors::new(),
    )
}

/// `POST /staff/events/series`: the `POST /api/v1/events/series` path.
#[handler]
pub async fn create_series(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<EventForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show_form(
            &v,
            StatusCode::FORBIDDEN,
            Kind::Series,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let mut bad = Vec::new();
    let input = form.input(&mut bad);
    let rule = form.rule(&mut bad);
    let result = match events::spec_from(&app, &input) {
        Ok(spec) if bad.is_empty() => events::create_series(&app, &me.account_id, spec, rule).await,
        Ok(_) => Err(Error::Invalid(Vec::new())),
        Err(e) => Err(e),
    };
    match result {
        Ok(list) => v.redirect(&format!("/staff/events?created={}", list.len())),
        Err(e) => refused(&v, Kind::Series, &form, e, bad),
    }
}

/// `GET /staff/events/{id}/edit`
#[handler]
pub async fn edit_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = crate::staff!(v);
    let event = match editable(&app, &id).await {
        Ok(e) => e,
        Err(e) => return v.failed(e),
    };
    show_form(
        &v,
        StatusCode::OK,
        Kind::Edit(&event),
        &EventForm::of(&event),
        Errors::new(),
    )
}

/// An event that may still change (a cancelled one may not: the domain's rule, said early).
async fn editable(app: &App, raw_id: &str) -> crate::error::Result<EventRow> {
    let e = events::get_visible(app, &event_id(raw_id)?, true).await?;
    if e.status() == EventStatus::Cancelled {
        return Err(Error::Conflict(
            "a cancelled event cannot be changed".into(),
        ));
    }
    Ok(e)
}

/// `POST /staff/events/{id}/edit`: the `PATCH /api/v1/events/{id}` path with every field.
#[handler]
pub async fn save_event(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<EventForm>,
) -> Response {
    let me = crate::staff!(v);
    let event = match editable(&app, &id).await {
        Ok(e) => e,
        Err(e) => return v.failed(e),
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show_form(&v, StatusCode::FORBIDDEN, Kind::Edit(&event), &form, errors);
    }
    let mut bad = Vec::new();
    let input = form.input(&mut bad);
    let result = if bad.is_empty() {
        events::update_promoting(&app, &me.account_id, &event.id, |_| {
            events::spec_from(&app, &input)
        })
        .await
    } else {
        // The other fields' errors too, in one round.
        Err(events::spec_from(&app, &input)
            .err()
            .unwrap_or(Error::Invalid(Vec::new())))
    };
    match result {
        Ok((e, promoted)) => v.redirect(&format!(
            "/staff/events/{}?saved=1&promoted={promoted}",
            e.id
        )),
        Err(e) => refused(&v, Kind::Edit(&event), &form, e, bad),
    }
}

// ---------------------------------------------------------------------------------------------
// Cancelling

#[derive(serde::Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn cancel_context(app: &App, e: &EventRow) -> crate::error::Result<Value> {
    let list = registrations::for_event(app, &e.id, None).await?;
    let live = list
        .iter()
        .filter(|r| r.row.status() != RegistrationStatus::Cancelled)
        .count();
    Ok(json!({"id": e.id, "title": e.title, "registrations": live}))
}

fn show_cancel(
    v: &Visitor,
    status: StatusCode,
    event: Value,
    reason: &str,
    errors: Errors,
) -> Response {
    v.page(
        status,
        "staff/event_cancel.html",
        json!({
            "section": "staff-events",
            "event": event,
            "reason": reason,
            "errors": errors,
        }),
    )
}

/// `GET /staff/events/{id}/cancel`: what cancelling does, and the reason for the mail.
#[handler]
pub async fn cancel_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = crate::staff!(v);
    let context = match editable(&app, &id).await {
        Ok(e) => cancel_context(&app, &e).await,
        Err(e) => Err(e),
    };
    match context {
        Ok(event) => show_cancel(&v, StatusCode::OK, event, "", Errors::new()),
        Err(e) => v.failed(e),
    }
}

/// `POST /staff/events/{id}/cancel`: the `POST /api/v1/events/{id}/cancel` path.
#[handler]
pub async fn cancel_event(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let me = crate::staff!(v);
    let (event, context) = match editable(&app, &id).await {
        Ok(e) => match cancel_context(&app, &e).await {
            Ok(c) => (e, c),
            Err(e) => return v.failed(e),
        },
        Err(e) => return v.failed(e),
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show_cancel(&v, StatusCode::FORBIDDEN, context, &form.reason, errors);
    }
    match events::cancel(&app, &me.account_id, &event.id, Some(&form.reason)).await {
        Ok(e) => v.redirect(&format!("/staff/events/{}?cancelled=1", e.id)),
        Err(Error::Invalid(fields)) => {
            let errors = errors_of(v.lang, fields.into_iter().map(|f| f.field));
            show_cancel(
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                context,
                &form.reason,
                errors,
            )
        }
        Err(e) => v.failed(e),
    }
}

// ---------------------------------------------------------------------------------------------
// One event and its registrations

#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct EventView {
    /// `confirmed`, `waitlisted`, `cancelled`, or empty for all.
    #[serde(default)]
    status: String,
    /// `checked_in`, `not_checked_in`, or empty for all.
    #[serde(default)]
    attendance: String,
    #[serde(default, skip_serializing)]
    page: Option<usize>,
    #[serde(default, skip_serializing)]
    created: Option<String>,
    #[serde(default, skip_serializing)]
    saved: Option<String>,
    #[serde(default, skip_serializing)]
    promoted: Option<usize>,
    #[serde(default, skip_serializing)]
    cancelled: Option<String>,
}

/// `GET /staff/events/{id}`
#[handler]
pub async fn event_page(
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(view): Query<EventView>,
) -> Response {
    let _me = crate::staff!(v);
    match event_context(&v, &app, &id, &view).await {
        Ok(ctx) => v.page(StatusCode::OK, "staff/event.html", ctx),
        Err(e) => v.failed(e),
    }
}

fn attended(r: &Registered) -> bool {
    r.people.iter().any(|p| p.checked_in_at.is_some())
}

async fn event_context(
    v: &Visitor,
    app: &App,
    raw_id: &str,
    view: &EventView,
) -> crate::error::Result<Value> {
    let e = events::get_visible(app, &event_id(raw_id)?, true).await?;
    let status = match view.status.as_str() {
        "" => None,
        s => Some(
            s.parse::<RegistrationStatus>()
                .map_err(|_| Error::field("status", "unknown status"))?,
        ),
    };
    let all = registrations::for_event(app, &e.id, None).await?;
    let counts = |s: RegistrationStatus| all.iter().filter(|r| r.row.status() == s).count();
    let (confirmed, waitlisted, cancelled) = (
        counts(RegistrationStatus::Confirmed),
        counts(RegistrationStatus::Waitlisted),
        counts(RegistrationStatus::Cancelled),
    );
    let shown: Vec<&Registered> = all
        .iter()
        .filter(|r| status.is_none_or(|s| r.row.status() == s))
        .filter(|r| match view.attendance.as_str() {
            "checked_in" => attended(r),
            "not_checked_in" => !attended(r),
            _ => true,
        })
        .collect();
    // A page of registrations at a time; the filters ride along on the page links.
    let pages = shown.len().div_ceil(REGISTRATIONS_PER_PAGE).max(1);
    let page = view.page.unwrap_or(1).clamp(1, pages);
    let zone = app.config.timezone;
    let rows: Vec<Value> = shown
        .iter()
        .skip((page - 1) * REGISTRATIONS_PER_PAGE)
        .take(REGISTRATIONS_PER_PAGE)
        .map(|r| {
            json!({
                "status": r.row.status().as_str(),
                "position": r.position,
                "seats": r.row.seats,
                "registered": crate::web::local_date(v.lang, r.row.created_at, zone),
                "people": r.people.iter().map(|p| json!({
                    "name": p.name(),
                    "relation": p.relation,
                    "email": p.email,
                    "checked_in": p.checked_in_at.is_some(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let link = |n: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, val) in [("status", &view.status), ("attendance", &view.attendance)] {
            if !val.is_empty() {
                q.append_pair(k, val);
            }
        }
        q.append_pair("page", &n.to_string());
        format!("/staff/events/{}?{}#registrations", e.id, q.finish())
    };
    Ok(json!({
        "section": "staff-events",
        "event": {
            "id": e.id,
            "title": e.title,
            "summary": e.summary,
            "when": crate::mail::templates::local_when(v.lang, e.local_start(), Some(e.local_end())),
            "timezone": e.timezone,
            "other_zone": e.tz() != zone,
            "place": e.location(),
            "online_url": e.online_url,
            "status": e.status().as_str(),
            "cancelled": e.status() == EventStatus::Cancelled,
            "taken": e.seats_taken,
            "capacity": e.capacity,
            "audience": e.audience().as_str(),
            "organiser": e.organiser,
            "tags": e.tag_list(),
            "opens": e.registration_opens_at.map(|t| crate::web::local_date(v.lang, t, e.tz())),
            "closes": e.registration_closes_at.map(|t| crate::web::local_date(v.lang, t, e.tz())),
            "series": e.series_id.is_some(),
        },
        "counts": {"confirmed": confirmed, "waitlisted": waitlisted, "cancelled": cancelled},
        "registrations": rows,
        "filter": view,
        "statuses": ["confirmed", "waitlisted", "cancelled"],
        "previous": (page > 1).then(|| link(page - 1)),
        "next": (page < pages).then(|| link(page + 1)),
        "page": page,
        "pages": pages,
        "created": view.created.is_some(),
        "saved": view.saved.is_some(),
        "promoted": view.promoted.unwrap_or(0),
        "was_cancelled": view.cancelled.is_some(),
    }))
}

/// `GET /staff/events/{id}/registrations.csv`: the API's CSV export as a file.
#[handler]
pub async fn registrations_csv(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = crate::staff!(v);
    let built = async {
        let e = events::get_visible(&app, &event_id(&id)?, true).await?;
        let list = registrations::for_event(&app, &e.id, None).await?;
        Ok::<_, Error>((
            registrations::csv(&e, list, false),
            registrations::csv_disposition(&e),
        ))
    };
    match built.await {
        Ok((body, disposition)) => v.finish(
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
                .header(header::CONTENT_DISPOSITION, disposition)
                .header(header::CACHE_CONTROL, "no-store")
                .body(body),
        ),
        Err(e) => v.failed(e),
    }
}
