//! At the door, on a phone: find people by name, check in a whole household or one person with
//! one tap, take back a mistaken check-in, and see how many have arrived of how many are
//! expected. The QR code in a confirmation mail (and on "My registrations") is a signed link to
//! one registration here (`events::door`).
//!
//! Without JavaScript it is a search form (GET) and buttons (POST, then back to the same search).
//! The rules (check-in opens a day before, only confirmed people) are `events::registrations`'s.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::error::Error;
use crate::events::registrations::{self as regs, CheckIn};
use crate::events::{self, EventRow};
use crate::i18n::CATALOGS;
use crate::values::RegistrationStatus;
use crate::web::Visitor;

/// Registrations shown on one page of the door list.
const PER_PAGE: usize = 20;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/staff/events/:id/door", get(door))
        .at("/static/door.js", get(script))
        .at("/staff/events/:id/door/check-in", post(check_in))
        .at("/staff/events/:id/door/undo", post(undo))
        .at("/staff/events/:id/door/close", post(close))
        .at("/staff/events/:id/door/reopen", post(reopen))
        .at("/staff/door/r/:registration", get(scanned))
}

/// What the door list shows: a name search, one registration (from a QR code), a page.
#[derive(serde::Deserialize, Default, Clone)]
pub struct DoorQuery {
    #[serde(default)]
    q: String,
    /// One registration only (opened from its QR code).
    #[serde(default)]
    only: String,
    /// Read leniently (a mistyped page number shows page 1, not an error).
    #[serde(default, deserialize_with = "lenient_page")]
    page: usize,
    /// Staff chose to check in before check-in opens.
    #[serde(default)]
    early: String,
}

impl DoorQuery {
    /// The door page's address with this search (where a form action comes back to).
    fn href(&self, event_id: &str, anchor: Option<&str>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.trim().is_empty() {
            q.append_pair("q", self.q.trim());
        }
        if !self.only.is_empty() {
            q.append_pair("only", &self.only);
        }
        if self.page > 1 {
            q.append_pair("page", &self.page.to_string());
        }
        if self.early == "1" {
            q.append_pair("early", "1");
        }
        let q = q.finish();
        let mut href = format!("/staff/events/{}/door", enc(event_id));
        if !q.is_empty() {
            href.push('?');
            href.push_str(&q);
        }
        if let Some(a) = anchor {
            href.push_str("#r-");
            href.push_str(&enc(a));
        }
        href
    }

    fn from_form(form: &[(String, String)]) -> DoorQuery {
        DoorQuery {
            q: value(form, "q").to_owned(),
            only: value(form, "only").to_owned(),
            page: value(form, "page").parse().unwrap_or(0),
            early: value(form, "early").to_owned(),
        }
    }
}

/// A posted form's field, empty when absent.
fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn lenient_page<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let s: String = serde::Deserialize::deserialize(d)?;
    Ok(s.trim().parse().unwrap_or(0))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /staff/events/{id}/door?q=`
#[handler]
pub async fn door(
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(q): Query<DoorQuery>,
) -> Response {
    let _me = crate::staff!(v);
    let event = match events::get_visible(&app, &id, true).await {
        Ok(e) => e,
        Err(e) => return v.failed(e),
    };
    match build(&v, &app, &event, &q).await {
        Ok((status, ctx)) => {
            let mut r = v.page(status, "staff/door.html", ctx);
            // This page alone runs a script: its own, from this server (search as you type),
            // which fetches this page again for what is typed.
            if let Ok(policy) = poem::http::HeaderValue::from_str(DOOR_POLICY) {
                r.headers_mut()
                    .insert(poem::http::header::CONTENT_SECURITY_POLICY, policy);
            }
            r
        }
        Err(e) => v.failed(e),
    }
}

/// The site's policy, plus the door page's own script and its fetches of this site.
const DOOR_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

/// `/static/door.js`: search as you type on the door page (the page works without it).
#[handler]
pub fn script() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header(poem::http::header::CACHE_CONTROL, "public, max-age=86400")
        .body(include_str!("../../../static/door.js"))
}

async fn build(
    v: &Visitor,
    app: &App,
    event: &EventRow,
    q: &DoorQuery,
) -> crate::error::Result<(StatusCode, Value)> {
    let search = q.q.trim();
    let mut errors = serde_json::Map::new();
    let wanted = regs::DoorSearch {
        words: (!search.is_empty()).then_some(search),
        only: (!q.only.is_empty()).then_some(q.only.as_str()),
        page: q.page,
        per_page: PER_PAGE,
    };
    let found = match regs::door_search(app, event, &wanted).await {
        Ok(found) => found,
        Err(Error::Invalid(_)) => {
            errors.insert(
                "q".into(),
                CATALOGS.t(v.lang, "staff-door-error-q", &[]).into(),
            );
            // The counts still show; the list stays empty until a name is given.
            let everyone = regs::DoorSearch {
                words: None,
                ..wanted.clone()
            };
            regs::DoorPage {
                found: 0,
                page: 1,
                pages: 1,
                registrations: Vec::new(),
                ..regs::door_search(app, event, &everyone).await?
            }
        }
        Err(e) => return Err(e),
    };
    let counts = &found.counts;
    let now = crate::db::now_ms();
    let zone = event.tz();
    let opens = event.starts_at - regs::CHECK_IN_OPENS_BEFORE_MS;
    let early = q.early == "1";
    let (page, pages) = (found.page, found.pages);
    let time_and_day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| {
                crate::mail::templates::local_when(
                    v.lang,
                    d.with_timezone(&zone).naive_local(),
                    None,
                )
            })
            .unwrap_or_default()
    };
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.with_timezone(&zone).format("%H:%M").to_string())
            .unwrap_or_default()
    };
    let cards: Vec<Value> = found
        .registrations
        .iter()
        .map(|r| {
            let confirmed = r.row.status() == RegistrationStatus::Confirmed;
            let waiting = r
                .people
                .iter()
                .filter(|p| p.checked_in_at.is_none())
                .count();
            json!({
                "id": r.row.id,
                "name": r.people.first().map(|p| p.name()).unwrap_or_default(),
                "status": r.row.status().as_str(),
                "confirmed": confirmed,
                "waiting": waiting,
                "people": r.people.iter().map(|p| json!({
                    "id": p.person_id,
                    "name": p.name(),
                    "arrived": p.checked_in_at.map(time),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let link = |p: usize| {
        DoorQuery {
            page: p,
            ..q.clone()
        }
        .href(&event.id, None)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        json!({
            "section": "staff-events",
            "event": {
                "id": event.id,
                "title": event.title,
                "when": crate::mail::templates::local_when(v.lang, event.local_start(), Some(event.local_end())),
            },
            "q": q.q,
            "only": q.only,
            "early": early,
            "page": page,
            "errors": errors,
            "arrived": counts.arrived,
            "expected": counts.expected,
            // After the event the confirmed people not checked in are no-shows by themselves
            // (`regs::attendance`): shown, with nothing to mark.
            "no_shows": counts.no_shows,
            // Closed: no-shows marked and check-ins frozen (`regs::close_attendance`).
            "closed": found.closed_at.map(time_and_day),
            "not_open": (now < opens).then(|| {
                chrono::DateTime::from_timestamp_millis(opens)
                    .map(|d| crate::mail::templates::local_when(v.lang, d.with_timezone(&zone).naive_local(), None))
                    .unwrap_or_default()
            }),
            "early_href": DoorQuery { early: "1".into(), ..q.clone() }.href(&event.id, None),
            "all_href": format!("/staff/events/{}/door", enc(&event.id)),
            "found": found.found,
            "cards": cards,
            "prev": (page > 1).then(|| link(page - 1)),
            "next": (page < pages).then(|| link(page + 1)),
            "pages": pages,
        }),
    ))
}

/// `POST /staff/events/{id}/door/check-in`: a whole registration (`registration`) or one person
/// (`person`); back to the same search.
#[handler]
pub async fn check_in(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let me = crate::staff!(v);
    let field = |name: &str| value(&form, name);
    if !v.form_ok(req, field("csrf")) {
        return v.form_refused();
    }
    let back = DoorQuery::from_form(&form);
    let (what, anchor) = match (field("registration"), field("person")) {
        ("", "") => return v.failed(Error::field("person", "name whom to check in")),
        ("", person) => (CheckIn::People(vec![person.to_owned()]), field("at")),
        (registration, _) => (CheckIn::Registration(registration.to_owned()), registration),
    };
    let early = back.early == "1";
    match regs::check_in(&app, &me.account_id, &id, what, early).await {
        Ok(_) => v.redirect(&back.href(&id, (!anchor.is_empty()).then_some(anchor))),
        Err(e) => v.failed(e),
    }
}

/// `POST /staff/events/{id}/door/undo`: takes back one person's check-in.
#[handler]
pub async fn undo(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let me = crate::staff!(v);
    let field = |name: &str| value(&form, name);
    if !v.form_ok(req, field("csrf")) {
        return v.form_refused();
    }
    let back = DoorQuery::from_form(&form);
    let anchor = field("at");
    match regs::undo_check_in(&app, &me.account_id, &id, field("person")).await {
        Ok(_) => v.redirect(&back.href(&id, (!anchor.is_empty()).then_some(anchor))),
        Err(e) => v.failed(e),
    }
}

/// `POST /staff/events/{id}/door/close`: after the event, marks whoever was not checked in as a
/// no-show and freezes the check-ins.
#[handler]
pub async fn close(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    attendance(req, v, app, id, form, true).await
}

/// `POST /staff/events/{id}/door/reopen`: a closed attendance open again, to correct it.
#[handler]
pub async fn reopen(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    attendance(req, v, app, id, form, false).await
}

async fn attendance(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    id: String,
    form: Vec<(String, String)>,
    closing: bool,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, value(&form, "csrf")) {
        return v.form_refused();
    }
    let done = if closing {
        regs::close_attendance(&app, &me.account_id, &id).await
    } else {
        regs::reopen_attendance(&app, &me.account_id, &id).await
    };
    match done {
        Ok(_) => v.redirect(&DoorQuery::default().href(&id, None)),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct Signed {
    #[serde(default)]
    sig: String,
}

/// `GET /staff/door/r/{registration}?sig=`: the QR code of a confirmation mail. Staff land on
/// that registration at its event's door; a link not signed by this server is not found.
#[handler]
pub async fn scanned(
    v: Visitor,
    app: Data<&App>,
    Path(registration): Path<String>,
    Query(s): Query<Signed>,
) -> Response {
    let _me = crate::staff!(v);
    match events::door::verify(&app.config, &registration, &s.sig) {
        Ok(true) => {}
        Ok(false) => return v.failed(Error::NotFound("registration")),
        Err(e) => return v.failed(e),
    }
    match regs::event_of(&app, &registration).await {
        Ok(Some(event_id)) => {
            let to = DoorQuery {
                only: registration.clone(),
                ..DoorQuery::default()
            };
            v.redirect(&to.href(&event_id, Some(&registration)))
        }
        Ok(None) => v.failed(Error::NotFound("registration")),
        Err(e) => v.failed(e),
    }
}
