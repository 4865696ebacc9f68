//! `/staff/mentoring`: the mentor programmes (creating one: `mentoring::programme_texts` and
//! `create_programme`, the API's path; closing one: `set_programme_status`), and one
//! programme's page: its applications with names, the suggested mentors for each unmatched
//! mentee with names and the reasons (`mentoring::suggestions`), confirming a match with one
//! click (`mentoring::confirm_match`), moving matches along (`mentoring::advance_in`) and both
//! people's feedback (staff see both, `MatchRow::seen_by`).
//!

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::error::{Error, FieldError, Fields};
use crate::i18n::CATALOGS;
use crate::mentoring::{self, NewProgramme, Party};
use crate::values::Language;
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/staff/mentoring", get(list))
        .at("/staff/mentoring/new", get(new_page).post(create))
        .at("/staff/mentoring/:id", get(programme_page))
        .at("/staff/mentoring/:id/close", post(close))
        .at("/staff/mentoring/:id/matches", post(confirm))
        .at("/staff/mentoring/:id/matches/:match_id/start", post(start))
        .at(
            "/staff/mentoring/:id/matches/:match_id/complete",
            post(complete),
        )
}

/// Programmes per page of the list.
const PER_PAGE: i64 = 20;
const LANGS: [&str; 4] = ["en", "nl", "de", "fr"];

fn day(lang: Language, iso: &str) -> String {
    iso.parse::<chrono::NaiveDate>()
        .map(|d| crate::mail::templates::local_day(lang, d))
        .unwrap_or_else(|_| iso.to_owned())
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    done: String,
}

/// `GET /staff/mentoring`
#[handler]
pub async fn list(v: Visitor, app: Data<&App>, Query(q): Query<ListQuery>) -> Response {
    let _me = crate::staff!(v);
    let page = q.page.unwrap_or(1).max(1);
    // One more than shown tells whether there is a next page.
    let mut rows = match mentoring::programmes_page(&app, (page - 1) * PER_PAGE, PER_PAGE + 1).await
    {
        Ok(r) => r,
        Err(e) => return v.failed(e),
    };
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let programmes: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name_in(v.lang.as_str()),
                "starts": day(v.lang, &p.starts_on),
                "ends": day(v.lang, &p.ends_on),
                "audience": p.audience,
                "status": p.status,
            })
        })
        .collect();
    let done = if q.done == "closed" { "closed" } else { "" };
    v.page(
        StatusCode::OK,
        "staff/mentoring.html",
        json!({
            "section": "staff-mentoring",
            "programmes": programmes,
            "done": done,
            "prev": (page > 1).then_some(page - 1),
            "next": more.then_some(page + 1),
        }),
    )
}

/// What staff typed into the programme form, kept when it comes back with an error.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct ProgrammeForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    name_nl: String,
    #[serde(default)]
    description_nl: String,
    #[serde(default)]
    name_de: String,
    #[serde(default)]
    description_de: String,
    #[serde(default)]
    name_fr: String,
    #[serde(default)]
    description_fr: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    max_mentees: String,
}

impl ProgrammeForm {
    /// The programme the form describes, or every field that is wrong (the domain's names).
    fn programme(&self) -> Result<NewProgramme, Vec<FieldError>> {
        let mut f = Fields::default();
        let mut names = BTreeMap::new();
        let mut descriptions = BTreeMap::new();
        for (lang, n, d) in [
            ("en", &self.name_en, &self.description_en),
            ("nl", &self.name_nl, &self.description_nl),
            ("de", &self.name_de, &self.description_de),
            ("fr", &self.name_fr, &self.description_fr),
        ] {
            // English always (it is required); another language when anything of it was written.
            if lang == "en" || !n.trim().is_empty() || !d.trim().is_empty() {
                names.insert(lang.to_owned(), n.clone());
                descriptions.insert(lang.to_owned(), d.clone());
            }
        }
        let name = mentoring::programme_texts(&mut f, "name", &names, 200);
        let description = mentoring::programme_texts(&mut f, "description", &descriptions, 5000);
        let audience = match self.audience.as_str() {
            "partners" => "partners",
            "everyone" => "everyone",
            _ => {
                f.add("audience", "");
                "everyone"
            }
        };
        let date = |f: &mut Fields, name: &str, raw: &str| {
            raw.trim()
                .parse::<chrono::NaiveDate>()
                .map_err(|_| f.add(name, ""))
                .ok()
        };
        let starts_on = date(&mut f, "starts_on", &self.starts_on);
        let ends_on = date(&mut f, "ends_on", &self.ends_on);
        let max = self.max_mentees.trim().parse::<i64>().ok().or_else(|| {
            f.add("max_mentees_per_mentor", "");
            None
        });
        match (f.finish(), starts_on, ends_on, max) {
            (Ok(()), Some(starts_on), Some(ends_on), Some(max)) => Ok(NewProgramme {
                name,
                description,
                audience,
                starts_on,
                ends_on,
                max_mentees_per_mentor: max,
                status: "open",
            }),
            (Err(Error::Invalid(fields)), ..) => Err(fields),
            _ => Err(Vec::new()),
        }
    }
}

/// The domain's field names as the form's (`name.en` is `name_en`), worded for the visitor.
fn worded(lang: Language, fields: &[FieldError]) -> Map<String, Value> {
    let mut errors = Map::new();
    for f in fields {
        let (name, key) = match f.field.as_str() {
            "name" => ("name_en".to_owned(), "name"),
            "description" => ("description_en".to_owned(), "description"),
            "max_mentees_per_mentor" => ("max_mentees".to_owned(), "max"),
            "starts_on" => ("starts_on".to_owned(), "starts"),
            "ends_on" => ("ends_on".to_owned(), "ends"),
            "audience" => ("audience".to_owned(), "audience"),
            other => match other.split_once('.') {
                Some((part @ ("name" | "description"), l)) if LANGS.contains(&l) => {
                    (format!("{part}_{l}"), part)
                }
                _ => ("form".to_owned(), "form"),
            },
        };
        errors.entry(name).or_insert_with(|| {
            CATALOGS
                .t(lang, &format!("staff-mentoring-error-{key}"), &[])
                .into()
        });
    }
    errors
}

fn form_page(
    v: &Visitor,
    status: StatusCode,
    typed: &ProgrammeForm,
    errors: Map<String, Value>,
) -> Response {
    v.page(
        status,
        "staff/mentoring_form.html",
        json!({
            "section": "staff-mentoring",
            "typed": typed,
            "errors": errors,
        }),
    )
}

/// `GET /staff/mentoring/new`
#[handler]
pub async fn new_page(v: Visitor) -> Response {
    let _me = crate::staff!(v);
    let typed = ProgrammeForm {
        audience: "partners".into(),
        max_mentees: "2".into(),
        ..ProgrammeForm::default()
    };
    form_page(&v, StatusCode::OK, &typed, Map::new())
}

/// `POST /staff/mentoring/new`
#[handler]
pub async fn create(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Form(form): Form<ProgrammeForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return form_page(
            &v,
            StatusCode::FORBIDDEN,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let result = match form.programme() {
        Ok(p) => mentoring::create_programme(&app, &me.account_id, p).await,
        Err(fields) => Err(Error::Invalid(fields)),
    };
    match result {
        Ok(p) => v.redirect(&format!("/staff/mentoring/{}?done=created", p.id)),
        Err(Error::Invalid(fields)) => form_page(
            &v,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            worded(v.lang, &fields),
        ),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Plain {
    #[serde(default)]
    csrf: String,
}

/// `POST /staff/mentoring/{id}/close`: no new applications; running matches go on.
#[handler]
pub async fn close(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<Plain>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            &app,
            &id,
            StatusCode::FORBIDDEN,
            "",
            crate::web::form_expired(v.lang),
        )
        .await;
    }
    // Closing a programme that does not exist is "not found", not a new row.
    if let Err(e) = found(&app, &id).await {
        return v.failed(e);
    }
    match mentoring::set_programme_status(&app, &me.account_id, &id, "closed").await {
        Ok(_) => v.redirect(&format!("/staff/mentoring/{id}?done=closed")),
        Err(e) => v.failed(e),
    }
}

async fn found(app: &App, id: &str) -> crate::error::Result<mentoring::ProgrammeRow> {
    mentoring::find_programme(&app.db.read, id)
        .await?
        .ok_or(Error::NotFound("programme"))
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// `GET /staff/mentoring/{id}`
#[handler]
pub async fn programme_page(
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let _me = crate::staff!(v);
    let done = match q.done.as_str() {
        d @ ("created" | "closed" | "matched" | "active" | "completed") => d,
        _ => "",
    };
    show(&v, &app, &id, StatusCode::OK, done, Map::new()).await
}

async fn show(
    v: &Visitor,
    app: &App,
    id: &str,
    status: StatusCode,
    done: &str,
    errors: Map<String, Value>,
) -> Response {
    match programme_context(v, app, id).await {
        Ok(mut ctx) => {
            ctx["done"] = done.into();
            ctx["errors"] = Value::Object(errors);
            v.page(status, "staff/mentoring_programme.html", ctx)
        }
        Err(e) => v.failed(e),
    }
}

async fn programme_context(v: &Visitor, app: &App, id: &str) -> crate::error::Result<Value> {
    let lang = v.lang;
    let p = found(app, id).await?;
    let names = mentoring::application_names(app, id).await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let applications: Vec<Value> = mentoring::applications(app, id)
        .await?
        .into_iter()
        .map(|a| {
            let about = if a.role == "mentor" {
                [mentoring::list_of(&a.expertise), mentoring::list_of(&a.sectors)].concat()
            } else {
                let mut goals = mentoring::list_of(&a.goals);
                goals.extend(a.sector.clone());
                goals
            };
            json!({
                "name": name(&a.id),
                "role": a.role,
                "about": about.join(", "),
                "languages": mentoring::list_of(&a.languages).join(", "),
                "places": (a.role == "mentor").then(|| json!({"taken": a.mentees, "capacity": a.capacity})),
                "status": a.status,
            })
        })
        .collect();
    let suggestions: Vec<Value> = mentoring::suggestions(app, id)
        .await?
        .into_iter()
        .map(|m| {
            json!({
                "mentee_id": m.mentee.id,
                "name": m.name,
                "goals": mentoring::list_of(&m.mentee.goals).join(", "),
                "mentors": m.mentors.into_iter().map(|(s, n)| json!({
                    "id": s.mentor.id,
                    "name": n,
                    "score": s.score,
                    "reasons": s.reasons.iter().map(|r| reason(v.lang, r)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let zone = app.config.timezone;
    let matches: Vec<Value> = mentoring::matches(app, id)
        .await?
        .into_iter()
        .map(|m| m.seen_by(Party::Staff))
        .map(|m| {
            json!({
                "id": m.id,
                "mentor": name(&m.mentor_id),
                "mentee": name(&m.mentee_id),
                "status": m.status,
                "since": crate::web::local_date(lang, m.created_at, zone),
                "mentor_rating": m.mentor_rating,
                "mentor_comment": m.mentor_comment,
                "mentee_rating": m.mentee_rating,
                "mentee_comment": m.mentee_comment,
                "withdrawn_by": m.withdrawn_by,
                "reason": m.withdrawal_reason,
            })
        })
        .collect();
    Ok(json!({
        "section": "staff-mentoring",
        "programme": {
            "id": p.id,
            "name": p.name_in(lang.as_str()),
            "description": p.description_in(lang.as_str()),
            "starts": day(lang, &p.starts_on),
            "ends": day(lang, &p.ends_on),
            "audience": p.audience,
            "max": p.max_mentees_per_mentor,
            "status": p.status,
        },
        "applications": applications,
        "suggestions": suggestions,
        "matches": matches,
    }))
}

#[derive(serde::Deserialize, Default)]
pub struct MatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mentor_id: String,
    #[serde(default)]
    mentee_id: String,
}

/// `POST /staff/mentoring/{id}/matches`: one click on a suggestion; both are introduced by mail.
#[handler]
pub async fn confirm(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<MatchForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            &app,
            &id,
            StatusCode::FORBIDDEN,
            "",
            crate::web::form_expired(v.lang),
        )
        .await;
    }
    match mentoring::confirm_match(&app, &me.account_id, &id, &form.mentor_id, &form.mentee_id)
        .await
    {
        Ok(_) => v.redirect(&format!("/staff/mentoring/{id}?done=matched")),
        // A suggestion that no longer holds (a place taken meanwhile, a stale page): the page
        // again, as it is now, saying so.
        Err(Error::Invalid(_) | Error::Conflict(_)) => {
            let mut errors = Map::new();
            errors.insert(
                "form".into(),
                CATALOGS
                    .t(v.lang, "staff-mentoring-error-match", &[])
                    .into(),
            );
            show(&v, &app, &id, StatusCode::CONFLICT, "", errors).await
        }
        Err(e) => v.failed(e),
    }
}

async fn advance(
    v: Visitor,
    app: &App,
    req: &Request,
    id: &str,
    match_id: &str,
    form: Plain,
    to: &'static str,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            app,
            id,
            StatusCode::FORBIDDEN,
            "",
            crate::web::form_expired(v.lang),
        )
        .await;
    }
    match mentoring::advance_in(app, &me.account_id, id, match_id, to).await {
        Ok(_) => v.redirect(&format!("/staff/mentoring/{id}?done={to}")),
        Err(e) => v.failed(e),
    }
}

/// `POST /staff/mentoring/{id}/matches/{match_id}/start`: they met.
#[handler]
pub async fn start(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path((id, match_id)): Path<(String, String)>,
    Form(form): Form<Plain>,
) -> Response {
    advance(v, &app, req, &id, &match_id, form, "active").await
}

/// `POST /staff/mentoring/{id}/matches/{match_id}/complete`: the mentor's place frees.
#[handler]
pub async fn complete(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path((id, match_id)): Path<(String, String)>,
    Form(form): Form<Plain>,
) -> Response {
    advance(v, &app, req, &id, &match_id, form, "completed").await
}

/// A suggestion's reason in the visitor's language (the domain gives it as data).
fn reason(lang: Language, r: &mentoring::Reason) -> String {
    use fluent_bundle::FluentValue;
    use mentoring::Reason;
    match r {
        Reason::Sector(s) => CATALOGS.t(
            lang,
            "staff-mentoring-reason-sector",
            &[("sector", s.as_str().into())],
        ),
        Reason::Languages(l) => CATALOGS.t(
            lang,
            "staff-mentoring-reason-languages",
            &[("languages", l.join(", ").into())],
        ),
        Reason::Goals(g) => CATALOGS.t(
            lang,
            "staff-mentoring-reason-goals",
            &[("goals", g.join(", ").into())],
        ),
        Reason::FreePlaces(n) => CATALOGS.t(
            lang,
            "staff-mentoring-reason-free",
            &[("count", FluentValue::from(*n))],
        ),
    }
}
