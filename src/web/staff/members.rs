//! `/staff/members`: the member register for the centre's staff. Search by the beginnings of
//! names and addresses (`members::search`, as `GET /api/v1/members`, paginated by its cursor);
//! one member's page with what is held on them (`privacy::export`, shown without mail bodies or
//! sign-in details); the edit form (`members::change_member`, as `PATCH /api/v1/members/{id}`),
//! the start of an address change (`email_change::request_for`), a departure
//! (`alumni::record_departure_for`) and, for admins, the erasure after a confirmation
//! (`privacy::erase_member`). Who may change whom is the domain's rule (`Caller::may_change`).

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Value, json};

use crate::app::App;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::members::{self, MemberQuery, MemberRow, ProfileInput, email_change};
use crate::values::{EmailAddress, Language, Phase, Role};
use crate::web::Visitor;
use crate::web::alumni::{DepartureForm, departure_of_form};

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/staff/members", get(list))
        .at("/staff/members/:id", get(detail))
        .at("/staff/members/:id/edit", get(edit_page).post(save))
        .at("/staff/members/:id/email", post(change_email))
        .at("/staff/members/:id/departure", post(depart))
        .at("/staff/members/:id/erase", get(erase_page).post(erase))
}

use crate::web::Errors;

/// Members on one page of the register.
const PAGE_SIZE: i64 = 25;

/// Mails listed on a member's page, newest first.
const MAILS_SHOWN: usize = 50;

fn name_of(m: &MemberRow) -> String {
    let name = m.full_name();
    if name.is_empty() { m.id.clone() } else { name }
}

/// An id from the address: anything but a UUID is no member (404, not a database error).
fn member_id(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id).ok().map(|u| u.to_string())
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

/// `GET /staff/members?q=`: the register, searched and paginated.
#[handler]
pub async fn list(v: Visitor, app: Data<&App>, Query(lq): Query<ListQuery>) -> Response {
    let _me = crate::staff!(v);
    let q = lq.q.trim().to_owned();
    let mut errors = Errors::new();
    // The API's rule for `q` (at most 100 characters, no control characters), worded here.
    if q.chars().count() > 100 || q.chars().any(char::is_control) {
        errors.insert(
            "q".into(),
            CATALOGS.t(v.lang, "staff-members-error-q", &[]).into(),
        );
    }
    let cursor = uuid::Uuid::parse_str(&lq.cursor)
        .ok()
        .map(|c| c.to_string());
    let (rows, next) = if errors.is_empty() {
        let query = MemberQuery {
            q: Some(q.clone()).filter(|q| !q.is_empty()),
            phase: None,
            status: None,
            cursor: cursor.clone(),
            limit: PAGE_SIZE,
        };
        match members::search(&app, &query).await {
            Ok(found) => found,
            Err(e) => return v.failed(e),
        }
    } else {
        (Vec::new(), None)
    };
    let q_param: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let items: Vec<Value> = rows
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": name_of(m),
                "email": m.email.clone().unwrap_or_default(),
                "status": m.status,
                "role": m.role,
                "phase": m.phase,
            })
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    v.page(
        status,
        "staff/members.html",
        json!({
            "section": "staff-members",
            "q": q,
            "items": items,
            "searched": !q.is_empty(),
            "next": next.map(|n| format!("/staff/members?q={q_param}&cursor={n}")),
            "first": cursor.is_some().then(|| format!("/staff/members?q={q_param}")),
            "errors": errors,
            "erased": lq.done == "erased",
        }),
    )
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// What the member's page says after an action.
fn done_note(done: &str) -> &'static str {
    match done {
        "saved" => "saved",
        "email" => "email",
        "departure" => "departure",
        _ => "",
    }
}

/// `GET /staff/members/{id}`
#[handler]
pub async fn detail(
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let _me = crate::staff!(v);
    let typed = Typed {
        email: String::new(),
        departure: None,
    };
    show(
        &v,
        &app,
        &id,
        StatusCode::OK,
        done_note(&d.done),
        &typed,
        Errors::new(),
    )
    .await
}

/// What the member page's forms had typed in them when they come back.
struct Typed<'a> {
    email: String,
    departure: Option<&'a DepartureForm>,
}

/// A time from the export (RFC 3339) as a day in the centre's time zone.
fn day(v: &Visitor, app: &App, at: &Value) -> String {
    at.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| crate::web::local_date(v.lang, d.timestamp_millis(), app.config.timezone))
        .unwrap_or_default()
}

/// The member's page: what is held on them, and the staff's forms.
async fn show(
    v: &Visitor,
    app: &App,
    id: &str,
    status: StatusCode,
    done: &str,
    typed: &Typed<'_>,
    errors: Errors,
) -> Response {
    let Some(id) = member_id(id) else {
        return v.failed(Error::NotFound("member"));
    };
    let member = match members::get(app, &id).await {
        Ok(m) if m.status != "erased" => m,
        Ok(_) => return v.failed(Error::NotFound("member")),
        Err(e) => return v.failed(e),
    };
    let held = match crate::privacy::export(app, &id).await {
        Ok(x) => x,
        Err(e) => return v.failed(e),
    };
    let programmes = match crate::mentoring::programmes(app).await {
        Ok(p) => p,
        Err(e) => return v.failed(e),
    };
    let section = |key: &str| held[key].as_array().cloned().unwrap_or_default();
    let people: Vec<Value> = held["household"]["people"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let name = [p["first_name"].as_str(), p["last_name"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            json!({
                "id": p["id"],
                "name": name,
                "relation": p["relation"],
                "member": p["has_account"].as_bool().unwrap_or(false) && p["id"] != json!(id),
            })
        })
        .collect();
    let registrations: Vec<Value> = section("registrations")
        .iter()
        .map(|r| {
            json!({
                "event_id": r["event_id"], "event": r["event"], "status": r["status"],
                "seats": r["seats"], "at": day(v, app, &r["created_at"]),
            })
        })
        .collect();
    let consents: Vec<Value> = section("consents")
        .iter()
        .rev()
        .map(|c| {
            json!({
                "kind": c["kind"], "granted": c["granted"], "source": c["source"],
                "at": day(v, app, &c["at"]),
            })
        })
        .collect();
    // Newest first; kind, status and dates only: the bodies are the member's mail. The latest
    // ones are what staff look for; the member's export has them all.
    let mails: Vec<Value> = section("mails")
        .iter()
        .rev()
        .take(MAILS_SHOWN)
        .map(|m| {
            json!({
                "kind": m["kind"], "status": m["status"],
                "created": day(v, app, &m["created_at"]),
                "sent": m["sent_at"].as_str().map(|_| day(v, app, &m["sent_at"])),
            })
        })
        .collect();
    let mentoring: Vec<Value> = section("mentoring")
        .iter()
        .map(|a| {
            let programme = programmes
                .iter()
                .find(|p| a["programme"].as_str() == Some(p.id.as_str()))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            json!({
                "programme": programme, "role": a["role"], "status": a["status"],
                "matches": a["matches"].as_array().map(|m| m.len()).unwrap_or(0),
            })
        })
        .collect();
    let dep = &held["departure"];
    let departure = dep["leaving_on"].as_str().map(|on| {
        json!({
            "leaving_on": on.parse::<chrono::NaiveDate>().map(|d| crate::mail::templates::local_day(v.lang, d)).unwrap_or_else(|_| on.to_owned()),
            "country": dep["destination_country"],
            "city": dep["destination_city"],
            "keep_in_touch": dep["keep_in_touch"],
            "alumni_since": dep["alumni_since"].as_str().map(|_| day(v, app, &dep["alumni_since"])),
        })
    });
    let form = match typed.departure {
        Some(f) => json!({
            "leaving_on": f.leaving_on, "destination_country": f.destination_country,
            "destination_city": f.destination_city, "household": f.household.is_some(),
        }),
        None => {
            json!({"leaving_on": "", "destination_country": "", "destination_city": "", "household": true})
        }
    };
    let me = v.me.as_ref();
    let role: Role = member.role.parse().unwrap_or(Role::Member);
    let may_change = me.is_some_and(|c| c.may_change(&member.id, role));
    v.page(
        status,
        "staff/member.html",
        json!({
            "section": "staff-members",
            "done": done,
            "m": {
                "id": member.id,
                "name": name_of(&member),
                "email": member.email,
                "language": member.language,
                "role": member.role,
                "status": member.status,
                "phase": member.phase,
                "country": member.country_of_origin,
                "municipality": member.municipality,
                "employer": member.employer,
                "created": crate::web::local_date(v.lang, member.created_at, app.config.timezone),
                "verified": member.verified_at.map(|t| crate::web::local_date(v.lang, t, app.config.timezone)),
            },
            "pending_email": held["email_change_pending"]["new_email"],
            "people": people,
            "registrations": registrations,
            "consents": consents,
            "mails": mails,
            "mails_shown": MAILS_SHOWN,
            "mentoring": mentoring,
            "departure": departure,
            "resident": member.status == "active",
            "may_change": may_change,
            "may_erase": may_change && me.is_some_and(|c| c.role == Role::Admin) && me.is_some_and(|c| c.account_id != member.id),
            "new_email": typed.email,
            "form": form,
            "countries": crate::web::sign_up::countries(),
            "errors": errors,
        }),
    )
}

/// The edit form as typed.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct EditForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    country_of_origin: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    phase: String,
    /// Only on the admins' form; absent leaves the role as it is.
    #[serde(default)]
    role: Option<String>,
}

impl EditForm {
    fn of(m: &MemberRow) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        EditForm {
            csrf: String::new(),
            first_name: text(&m.first_name),
            last_name: text(&m.last_name),
            language: m.language().as_str().to_owned(),
            country_of_origin: text(&m.country_of_origin),
            municipality: text(&m.municipality),
            employer: text(&m.employer),
            phase: text(&m.phase),
            role: Some(m.role.clone()),
        }
    }
}

fn show_edit(
    v: &Visitor,
    status: StatusCode,
    m: &MemberRow,
    form: &EditForm,
    errors: Errors,
) -> Response {
    let admin = v.me.as_ref().is_some_and(|c| c.role == Role::Admin);
    v.page(
        status,
        "staff/member_edit.html",
        json!({
            "section": "staff-members",
            "m": {"id": m.id, "name": name_of(m)},
            "form": form,
            "errors": errors,
            "countries": crate::web::sign_up::countries(),
            "phases": Phase::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "roles": ["member", "staff", "admin"],
            "admin": admin,
        }),
    )
}

/// The member to act on, or the page to answer (404, or 403 when the caller may not change
/// them: `Caller::require_may_change`, the domain's rule).
#[allow(clippy::result_large_err)]
async fn target(v: &Visitor, app: &App, id: &str, change: bool) -> Result<MemberRow, Response> {
    let Some(id) = member_id(id) else {
        return Err(v.failed(Error::NotFound("member")));
    };
    let m = match members::get(app, &id).await {
        Ok(m) if m.status != "erased" => m,
        Ok(_) => return Err(v.failed(Error::NotFound("member"))),
        Err(e) => return Err(v.failed(e)),
    };
    if change
        && let Some(me) = &v.me
        && let Err(e) = me.require_may_change(&m.id, &m.role)
    {
        return Err(v.failed(e));
    }
    Ok(m)
}

/// `GET /staff/members/{id}/edit`
#[handler]
pub async fn edit_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = crate::staff!(v);
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    show_edit(&v, StatusCode::OK, &m, &EditForm::of(&m), Errors::new())
}

/// `POST /staff/members/{id}/edit`: saves, or shows the form again with the errors.
#[handler]
pub async fn save(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Response {
    let me = crate::staff!(v);
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return show_edit(
            &v,
            StatusCode::FORBIDDEN,
            &m,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let mut bad = Vec::new();
    // The lists offer only valid values; anything else is named, not silently dropped.
    let phase = match form.phase.as_str() {
        "" => Some(None),
        p => match p.parse::<Phase>() {
            Ok(p) => Some(Some(p)),
            Err(_) => {
                bad.push("phase");
                None
            }
        },
    };
    let language = match form.language.parse::<Language>() {
        Ok(l) => Some(l),
        Err(_) => {
            bad.push("language");
            None
        }
    };
    // The role is sent only by the admins' form, and changes only when it differs.
    let role = match form.role.as_deref() {
        None => None,
        Some(r) => match r.parse::<Role>() {
            Ok(r) if r.as_str() == m.role => None,
            Ok(r) => Some(r),
            Err(_) => {
                bad.push("role");
                None
            }
        },
    };
    let input = ProfileInput {
        first_name: Some(&form.first_name),
        last_name: Some(&form.last_name),
        language,
        phase,
        country_of_origin: Some(Some(&form.country_of_origin)),
        municipality: Some(Some(&form.municipality)),
        employer: Some(Some(&form.employer)),
        directory_visible: None,
    };
    let parsed = input.parse();
    let mut errors = Errors::new();
    if let Err(Error::Invalid(fields)) = &parsed {
        for f in fields {
            errors.insert(f.field.clone(), word(v.lang, &f.field));
        }
    }
    for f in bad {
        errors.insert(f.into(), word(v.lang, f));
    }
    if !errors.is_empty() {
        return show_edit(&v, StatusCode::UNPROCESSABLE_ENTITY, &m, &form, errors);
    }
    let mut change = match parsed {
        Ok(c) => c,
        Err(e) => return v.failed(e),
    };
    change.role = role;
    match members::change_member(&app, me, &m.id, change).await {
        Ok(_) => v.redirect(&format!("/staff/members/{}?done=saved", m.id)),
        Err(Error::Invalid(fields)) => {
            let mut errors = Errors::new();
            for f in fields {
                errors.insert(f.field.clone(), word(v.lang, &f.field));
            }
            show_edit(&v, StatusCode::UNPROCESSABLE_ENTITY, &m, &form, errors)
        }
        Err(e) => v.failed(e),
    }
}

/// The message for a field that is wrong on the edit form.
fn word(lang: Language, field: &str) -> Value {
    CATALOGS
        .t(lang, &format!("staff-members-error-{field}"), &[])
        .into()
}

#[derive(serde::Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /staff/members/{id}/email`: mails a link to the new address; the address changes
/// when the member follows it.
#[handler]
pub async fn change_email(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<EmailForm>,
) -> Response {
    let me = crate::staff!(v);
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let typed = Typed {
        email: form.email.clone(),
        departure: None,
    };
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            &app,
            &m.id,
            StatusCode::FORBIDDEN,
            "",
            &typed,
            crate::web::form_expired(v.lang),
        )
        .await;
    }
    let result = match EmailAddress::parse(&form.email) {
        Ok(email) => email_change::request_for(&app, me, &m.id, &email).await,
        Err(e) => Err(Error::field("email", e.0)),
    };
    let key = match result {
        Ok(()) => return v.redirect(&format!("/staff/members/{}?done=email", m.id)),
        Err(Error::Invalid(_)) => "staff-members-error-email",
        // Staff hear when another account has the address (the API's 409).
        Err(Error::Conflict(_)) => "staff-members-error-email-taken",
        Err(e) => return v.failed(e),
    };
    let mut errors = Errors::new();
    errors.insert("email".into(), CATALOGS.t(v.lang, key, &[]).into());
    show(
        &v,
        &app,
        &m.id,
        StatusCode::UNPROCESSABLE_ENTITY,
        "",
        &typed,
        errors,
    )
    .await
}

/// `POST /staff/members/{id}/departure`: records (or changes) the member's departure.
#[handler]
pub async fn depart(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<DepartureForm>,
) -> Response {
    let me = crate::staff!(v);
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let typed = Typed {
        email: String::new(),
        departure: Some(&form),
    };
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            &app,
            &m.id,
            StatusCode::FORBIDDEN,
            "",
            &typed,
            crate::web::form_expired(v.lang),
        )
        .await;
    }
    // Whether they keep in touch is the members' own answer; they are asked by mail.
    let recorded = match departure_of_form(&form) {
        Ok(mut d) => {
            d.keep_in_touch = false;
            crate::alumni::record_departure_for(&app, me, &m.id, d).await
        }
        Err(e) => Err(e),
    };
    match recorded {
        Ok(_) => v.redirect(&format!("/staff/members/{}?done=departure", m.id)),
        Err(Error::Invalid(fields)) => {
            let errors = crate::web::mentoring::worded(v.lang, "alumni", &fields, str::to_owned);
            show(
                &v,
                &app,
                &m.id,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                &typed,
                errors,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

/// `GET /staff/members/{id}/erase` (admins): what erasing means, and the button.
#[handler]
pub async fn erase_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    show_erase(&v, StatusCode::OK, &m, Errors::new())
}

fn show_erase(v: &Visitor, status: StatusCode, m: &MemberRow, errors: Errors) -> Response {
    v.page(
        status,
        "staff/member_erase.html",
        json!({
            "section": "staff-members",
            "m": {"id": m.id, "name": name_of(m), "email": m.email},
            "errors": errors,
        }),
    )
}

/// `POST /staff/members/{id}/erase` (admins): erases the account for good.
#[handler]
pub async fn erase(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let me = match v.admin() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let m = match target(&v, &app, &id, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return show_erase(
            &v,
            StatusCode::FORBIDDEN,
            &m,
            crate::web::form_expired(v.lang),
        );
    }
    match crate::privacy::erase_member(&app, me, &m.id).await {
        Ok(()) => v.redirect("/staff/members?done=erased"),
        Err(e) => v.failed(e),
    }
}
