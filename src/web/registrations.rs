//! Registering a household on an event's page, and "My registrations": upcoming and past, who
//! comes, change, cancel, and the personal calendar address. Every rule (seats, waitlist order,
//! audience, the registration window, who may change what) is `events::registrations`'s; the
//! pages only show its answers in words.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use super::Visitor;
use crate::app::App;
use crate::auth::Caller;
use crate::error::Error;
use crate::events::EventRow;
use crate::events::registrations::{self as regs, Openness, Registered};
use crate::i18n::CATALOGS;
use crate::values::{Language, RegistrationStatus};

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at(
        "/events/:id/register",
        get(sign_in_to_register).post(register),
    )
    .at("/registrations", get(mine))
    .at("/registrations/calendar", post(calendar_address))
    .at("/registrations/:event/:id/change", post(change))
    .at(
        "/registrations/:event/:id/cancel",
        get(cancel_page).post(cancel),
    )
}

/// A posted form as its fields (checkboxes named `person` repeat).
struct Posted(Vec<(String, String)>);

impl Posted {
    fn value(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn names(people: &[regs::RegisteredPerson]) -> String {
    people
        .iter()
        .map(|p| p.first_name.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A registration's state in words: confirmed, or waitlisted with its place.
fn status_words(lang: Language, r: &Registered) -> String {
    let who = names(&r.people).into();
    match r.row.status() {
        RegistrationStatus::Confirmed => CATALOGS.t(
            lang,
            "reg-confirmed",
            &[("names", who), ("count", (r.people.len() as i64).into())],
        ),
        RegistrationStatus::Waitlisted => CATALOGS.t(
            lang,
            "reg-waitlisted",
            &[
                ("names", who),
                ("position", r.position.unwrap_or(0).into()),
                ("length", r.waitlist_length.unwrap_or(0).into()),
            ],
        ),
        RegistrationStatus::Cancelled => CATALOGS.t(lang, "reg-cancelled", &[("names", who)]),
    }
}

/// What the event page shows a signed-in member: their household's registrations for it, and
/// the form to register the people not registered yet while registration is open.
pub async fn event_panel(
    app: &App,
    v: &Visitor,
    me: &Caller,
    event: &EventRow,
) -> crate::error::Result<Value> {
    let view = regs::waitlist_view(app, &event.id, &me.household_id).await?;
    let household = crate::households::view(app, &me.account_id).await?;
    let registered: Vec<&String> = view
        .household
        .iter()
        .flat_map(|r| r.people.iter().map(|p| &p.person_id))
        .collect();
    let people: Vec<Value> = household
        .people
        .iter()
        .filter(|p| !registered.contains(&&p.id))
        .map(|p| {
            json!({
                "id": p.id,
                "name": format!("{} {}", p.first_name.clone().unwrap_or_default(), p.last_name.clone().unwrap_or_default()).trim().to_owned(),
                "relation": p.relation.as_str(),
            })
        })
        .collect();
    let ours: Vec<Value> = view
        .household
        .iter()
        .map(|r| {
            json!({
                "status": r.row.status().as_str(),
                "words": status_words(v.lang, r),
            })
        })
        .collect();
    let openness = match regs::openness(event, crate::db::now_ms()) {
        Openness::Open => json!({"open": true}),
        Openness::Cancelled => json!({"open": false, "why": "cancelled"}),
        Openness::NotYet(at) => json!({"open": false, "why": "not-yet",
            "opens": super::local_date(v.lang, at, event.tz())}),
        Openness::Closed => json!({"open": false, "why": "closed"}),
    };
    Ok(json!({
        "mine": ours,
        "people": people,
        "openness": openness,
        "full": event.seats_left().is_some_and(|n| n <= 0),
    }))
}

/// `GET /events/{id}/register`: the "sign in to register" link; signs in first when needed and
/// comes back to the event's registration form.
#[handler]
pub fn sign_in_to_register(v: Visitor, Path(id): Path<String>) -> Response {
    match v.member() {
        Ok(_) => v.redirect(&format!(
            "/events/{}#registration",
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        )),
        Err(r) => r,
    }
}

/// `POST /events/{id}/register`: the ticked people, confirmed or waitlisted as a group.
#[handler]
pub async fn register(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let form = Posted(form);
    let back = format!("/events/{id}");
    if !v.form_ok(req, form.value("csrf")) {
        return v.form_refused();
    }
    let people = form.all("person");
    let waitlist = form.value("waitlist") == "yes";
    let member = me.member.clone();
    match regs::register(&app, &member, &id, &people, waitlist).await {
        Ok(_) => v.redirect(&format!("{back}?registered=1#registration")),
        Err(e) => {
            let problem = match &e {
                Error::Invalid(_) => "reg-error-people",
                Error::Forbidden(_) => "reg-error-audience",
                Error::Conflict(_) if !waitlist => "reg-error-full",
                Error::Conflict(_) => "reg-error-changed",
                _ => return v.failed(e),
            };
            v.redirect(&format!("{back}?problem={problem}#registration"))
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct MineQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    problem: String,
}

/// One registration as "My registrations" shows it.
fn registration_view(
    lang: Language,
    r: &Registered,
    e: &EventRow,
    household: &[crate::households::Person],
    now: i64,
) -> Value {
    let in_it: Vec<&String> = r.people.iter().map(|p| &p.person_id).collect();
    let live = r.row.status() != RegistrationStatus::Cancelled;
    json!({
        "id": r.row.id,
        "event_id": e.id,
        "title": e.title,
        "when": crate::mail::templates::local_when(lang, e.local_start(), Some(e.local_end())),
        "status": r.row.status().as_str(),
        "words": status_words(lang, r),
        "changeable": live && now < e.starts_at && e.status() != crate::values::EventStatus::Cancelled,
        "event_cancelled": e.status() == crate::values::EventStatus::Cancelled,
        "people": household.iter().map(|p| json!({
            "id": p.id,
            "name": p.first_name.clone().unwrap_or_default(),
            "in": in_it.contains(&&p.id),
        })).collect::<Vec<_>>(),
    })
}

/// `GET /registrations`
#[handler]
pub async fn mine(v: Visitor, app: Data<&App>, Query(q): Query<MineQuery>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let (list, household, has_feed) = match tokio::try_join!(
        regs::for_household(&app, &me.household_id),
        crate::households::view(&app, &me.account_id),
        crate::calendar::has_token(&app, &me.account_id),
    ) {
        Ok(x) => x,
        Err(e) => return v.failed(e),
    };
    let now = crate::db::now_ms();
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for (r, e) in &list {
        let mut view = registration_view(v.lang, r, e, &household.people, now);
        if e.ends_at >= now {
            // The door QR code of confirmed seats (`events::door`), shown at check-in.
            view["qr"] = Value::Null;
            if r.row.status() == RegistrationStatus::Confirmed {
                let label = CATALOGS.t(
                    v.lang,
                    "staff-door-qr-label",
                    &[("event", e.title.clone().into())],
                );
                match crate::events::door::link(&app.config, &r.row.id)
                    .and_then(|link| crate::events::door::svg(&link, &label))
                {
                    Ok(svg) => view["qr"] = svg.into(),
                    Err(e) => return v.failed(e),
                }
            }
            upcoming.push((e.starts_at, view));
        } else {
            past.push(view);
        }
    }
    // Soonest first; the newest registration first within the same event time.
    upcoming.sort_by_key(|(starts, _)| *starts);
    let done = match q.done.as_str() {
        d @ ("changed" | "cancelled" | "waitlisted") => format!("reg-done-{d}"),
        _ => String::new(),
    };
    let problem =
        match q.problem.as_str() {
            p @ ("reg-error-people" | "reg-error-full" | "reg-error-changed"
            | "reg-error-audience") => p.to_owned(),
            _ => String::new(),
        };
    v.page(
        StatusCode::OK,
        "registrations.html",
        json!({
            "section": "registrations",
            "upcoming": upcoming.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "past": past,
            "done": done,
            "problem": problem,
            "has_feed": has_feed,
            "feed": Value::Null,
        }),
    )
}

/// `POST /registrations/{event}/{id}/change`: who comes now, as ticked.
#[handler]
pub async fn change(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path((event_id, id)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let form = Posted(form);
    if !v.form_ok(req, form.value("csrf")) {
        return v.form_refused();
    }
    let wanted = form.all("person");
    let current = match regs::find_registration(&app.db.read, &event_id, &id).await {
        Ok(Some(r)) if r.household_id == me.household_id => {
            match regs::people_of(&app.db.read, &r.id).await {
                Ok(p) => p,
                Err(e) => return v.failed(e),
            }
        }
        Ok(_) => return v.failed(Error::NotFound("registration")),
        Err(e) => return v.failed(e),
    };
    let now_in: Vec<String> = current.iter().map(|p| p.person_id.clone()).collect();
    let change = regs::Change {
        add: wanted
            .iter()
            .filter(|p| !now_in.contains(p))
            .cloned()
            .collect(),
        remove: now_in
            .iter()
            .filter(|p| !wanted.contains(p))
            .cloned()
            .collect(),
        waitlist: form.value("waitlist") == "yes",
    };
    if change.add.is_empty() && change.remove.is_empty() {
        return v.redirect("/registrations");
    }
    if change.remove.len() == now_in.len() && change.add.is_empty() {
        // Nobody left: that is a cancellation, which has its own confirmation step.
        return v.redirect(&format!("/registrations/{event_id}/{id}/cancel"));
    }
    let member = me.member.clone();
    match regs::change(&app, &member, false, &event_id, &id, change).await {
        Ok(changed) if changed.waitlisted.is_some() => v.redirect("/registrations?done=waitlisted"),
        Ok(_) => v.redirect("/registrations?done=changed"),
        Err(Error::Conflict(_)) => v.redirect("/registrations?problem=reg-error-full"),
        Err(Error::Invalid(_)) => v.redirect("/registrations?problem=reg-error-people"),
        Err(Error::Forbidden(_)) => v.redirect("/registrations?problem=reg-error-audience"),
        Err(e) => v.failed(e),
    }
}

/// The registration `id` of the visitor's household for `event_id`, with its event.
async fn own_registration(
    app: &App,
    me: &Caller,
    event_id: &str,
    id: &str,
) -> crate::error::Result<(Registered, EventRow)> {
    regs::for_household(app, &me.household_id)
        .await?
        .into_iter()
        .find(|(r, e)| r.row.id == id && e.id == event_id)
        .ok_or(Error::NotFound("registration"))
}

/// `GET /registrations/{event}/{id}/cancel`: are you sure?
#[handler]
pub async fn cancel_page(
    v: Visitor,
    app: Data<&App>,
    Path((event_id, id)): Path<(String, String)>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    match own_registration(&app, me, &event_id, &id).await {
        Ok((r, e)) => v.page(
            StatusCode::OK,
            "registration_cancel.html",
            json!({
                "section": "registrations",
                "title": e.title,
                "when": crate::mail::templates::local_when(v.lang, e.local_start(), Some(e.local_end())),
                "words": status_words(v.lang, &r),
                "action": format!("/registrations/{event_id}/{id}/cancel"),
            }),
        ),
        Err(e) => v.failed(e),
    }
}

/// `POST /registrations/{event}/{id}/cancel`: the seats go to the waitlist at once.
#[handler]
pub async fn cancel(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path((event_id, id)): Path<(String, String)>,
    Form(form): Form<super::account::CsrfOnly>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    let member = me.member.clone();
    match regs::cancel(&app, &member, false, &event_id, &id).await {
        Ok(()) => v.redirect("/registrations?done=cancelled"),
        Err(e) => v.failed(e),
    }
}

/// `POST /registrations/calendar`: a new personal calendar address, shown this once (only its
/// hash is kept); the previous one stops working.
#[handler]
pub async fn calendar_address(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<super::account::CsrfOnly>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    match crate::calendar::new_token(&app, &me.account_id).await {
        Ok((url, webcal)) => {
            let mut r = v.page(
                StatusCode::OK,
                "calendar_address.html",
                json!({"section": "registrations", "url": url, "webcal": webcal}),
            );
            // The page holds a working secret: never cached.
            r.headers_mut().insert(
                poem::http::header::CACHE_CONTROL,
                poem::http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => v.failed(e),
    }
}
