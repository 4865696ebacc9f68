//! `/mentoring`: the open mentor programmes, each saying in words who may apply (the rule is
//! `mentoring::admits_as_mentee`), the forms to apply as mentor or mentee (`mentoring::apply`
//! with `mentoring::Application::{mentor, mentee}`, as the API's application routes), and the
//! member's own applications and matches (`mentoring::mine`): the other person's contact once
//! matched, withdrawing (`mentoring::withdraw`) and feedback on a completed match
//! (`mentoring::feedback`).
//!
//! The domain decides whose match it is: a match id from a form that is not the member's is
//! "not found", whatever the page sent.

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Map, Value, json};

use super::Visitor;
use crate::app::App;
use crate::auth::Caller;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::mentoring::{self, Application, ProgrammeRow};
use crate::values::Language;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/mentoring", get(hub))
        .at(
            "/mentoring/programmes/:id/:role",
            get(apply_page).post(apply),
        )
        .at(
            "/mentoring/programmes/:id/matches/:match_id/withdraw",
            post(withdraw),
        )
        .at(
            "/mentoring/programmes/:id/matches/:match_id/feedback",
            post(feedback),
        )
}

/// The languages offered as boxes to tick (the site's); others are typed.
const LANGUAGE_BOXES: [&str; 4] = ["en", "nl", "de", "fr"];

/// Field errors of the domain, worded for the page: `goals[2]` is the `goals` field; `rename`
/// maps a domain field to the form's name where they differ.
pub(super) fn worded(
    lang: Language,
    prefix: &str,
    fields: &[crate::error::FieldError],
    rename: impl Fn(&str) -> String,
) -> Map<String, Value> {
    let mut errors = Map::new();
    for f in fields {
        let base = f.field.split('[').next().unwrap_or(&f.field);
        let name = rename(base);
        let key = format!("{prefix}-error-{base}");
        errors
            .entry(name)
            .or_insert_with(|| CATALOGS.t(lang, &key, &[]).into());
    }
    errors
}

fn day(lang: Language, iso: &str) -> String {
    iso.parse::<chrono::NaiveDate>()
        .map(|d| crate::mail::templates::local_day(lang, d))
        .unwrap_or_else(|_| iso.to_owned())
}

/// A programme as the pages show it, for this member.
fn programme_view(p: &ProgrammeRow, me: &Caller, lang: Language) -> Value {
    json!({
        "id": p.id,
        "name": p.name_in(lang.as_str()),
        "description": p.description_in(lang.as_str()),
        "starts": day(lang, &p.starts_on),
        "ends": day(lang, &p.ends_on),
        "audience": p.audience,
        "max": p.max_mentees_per_mentor,
        // The one rule of who may be a mentee, asked for this member.
        "mentee_ok": mentoring::admits_as_mentee(p, &me.member.relation).is_ok(),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

/// What a member typed into the forms of one match, kept when it comes back with an error.
#[derive(Default)]
struct Typed {
    match_id: String,
    reason: String,
    rating: String,
    comment: String,
}

/// `GET /mentoring`
#[handler]
pub async fn hub(v: Visitor, app: Data<&App>, Query(q): Query<Done>) -> Response {
    let done = match q.done.as_str() {
        d @ ("applied" | "withdrawn" | "feedback") => d,
        _ => "",
    };
    show_hub(&v, &app, StatusCode::OK, done, Map::new(), Typed::default()).await
}

async fn show_hub(
    v: &Visitor,
    app: &App,
    status: StatusCode,
    done: &str,
    errors: Map<String, Value>,
    typed: Typed,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let lang = v.lang;
    let all = match mentoring::programmes(app).await {
        Ok(p) => p,
        Err(e) => return v.failed(e),
    };
    let mine = match mentoring::mine(app, &me.account_id).await {
        Ok(m) => m,
        Err(e) => return v.failed(e),
    };
    let by_id: HashMap<&str, &ProgrammeRow> = all.iter().map(|p| (p.id.as_str(), p)).collect();
    let programmes: Vec<Value> = all
        .iter()
        .filter(|p| p.status == "open")
        .map(|p| {
            let mut view = programme_view(p, me, lang);
            let applied: Vec<&str> = mine
                .iter()
                .filter(|(a, _, _)| a.programme_id == p.id)
                .map(|(a, _, _)| a.role.as_str())
                .collect();
            view["applied_mentor"] = json!(applied.contains(&"mentor"));
            view["applied_mentee"] = json!(applied.contains(&"mentee"));
            view
        })
        .collect();
    let applications: Vec<Value> = mine
        .iter()
        .map(|(a, m, other)| {
            let programme = by_id
                .get(a.programme_id.as_str())
                .map(|p| p.name_in(lang.as_str()))
                .unwrap_or_default();
            let the_match = m.as_ref().map(|m| {
                let as_mentor = a.role == "mentor";
                let given = if as_mentor {
                    (m.mentor_rating, m.mentor_comment.clone())
                } else {
                    (m.mentee_rating, m.mentee_comment.clone())
                };
                let kept = typed.match_id == m.id;
                json!({
                    "id": m.id,
                    "status": m.status,
                    "since": super::local_date(lang, m.created_at, app.config.timezone),
                    "rating": given.0,
                    "comment": given.1,
                    "reason": if kept { typed.reason.as_str() } else { "" },
                    "typed_rating": if kept { typed.rating.as_str() } else { "" },
                    "typed_comment": if kept { typed.comment.as_str() } else { "" },
                })
            });
            json!({
                "id": a.id,
                "programme_id": a.programme_id,
                "programme": programme,
                "role": a.role,
                "status": a.status,
                "match": the_match,
                "contact": other.as_ref().map(|o| json!({"name": o.full_name(), "email": o.email})),
            })
        })
        .collect();
    v.page(
        status,
        "mentoring.html",
        json!({
            "section": "me",
            "done": done,
            "programmes": programmes,
            "applications": applications,
            "errors": errors,
        }),
    )
}

/// The application form as typed (both roles; each uses its own fields).
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    expertise: String,
    #[serde(default)]
    sectors: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    goals: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    availability: String,
    #[serde(default)]
    lang_en: Option<String>,
    #[serde(default)]
    lang_nl: Option<String>,
    #[serde(default)]
    lang_de: Option<String>,
    #[serde(default)]
    lang_fr: Option<String>,
    #[serde(default)]
    languages_other: String,
}

/// `a, b ,c` → `[a, b, c]` (blank items dropped).
fn items(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ApplyForm {
    fn languages(&self) -> Vec<String> {
        let ticked = [&self.lang_en, &self.lang_nl, &self.lang_de, &self.lang_fr];
        LANGUAGE_BOXES
            .iter()
            .zip(ticked)
            .filter(|(_, t)| t.is_some())
            .map(|(code, _)| (*code).to_owned())
            .chain(items(&self.languages_other))
            .collect()
    }

    fn application(&self, role: &str) -> crate::error::Result<Application> {
        let blank_is_none = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        if role == "mentor" {
            Application::mentor(
                &items(&self.expertise),
                &items(&self.sectors),
                &self.languages(),
                // Not a number: the domain words it as a capacity out of range.
                self.capacity.trim().parse().unwrap_or(0),
                blank_is_none(&self.bio).as_deref(),
            )
        } else {
            Application::mentee(
                &items(&self.goals),
                blank_is_none(&self.sector).as_deref(),
                &self.languages(),
                blank_is_none(&self.availability).as_deref(),
            )
        }
    }
}

/// `mentor` or `mentee` from the address; anything else is no page.
fn role_of(role: &str) -> Option<&'static str> {
    match role {
        "mentor" => Some("mentor"),
        "mentee" => Some("mentee"),
        _ => None,
    }
}

/// The application page: the form (kept as typed, with errors), or, for a mentee the programme
/// does not take, the rule in words and no form.
async fn apply_form(
    v: &Visitor,
    app: &App,
    status: StatusCode,
    id: &str,
    role: &str,
    form: &ApplyForm,
    errors: Map<String, Value>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let Some(role) = role_of(role) else {
        return v.failed(Error::NotFound("page"));
    };
    let p = match mentoring::find_programme(&app.db.read, id).await {
        Ok(Some(p)) if p.status == "open" => p,
        Ok(_) => return v.failed(Error::NotFound("programme")),
        Err(e) => return v.failed(e),
    };
    let programme = programme_view(&p, me, v.lang);
    let refused = role == "mentee" && programme["mentee_ok"] == json!(false);
    let mut shown = json!(form);
    if form.capacity.is_empty() {
        shown["capacity"] = json!("1");
    }
    v.page(
        if refused {
            StatusCode::FORBIDDEN
        } else {
            status
        },
        "mentoring_apply.html",
        json!({
            "section": "me",
            "p": programme,
            "role": role,
            "refused": refused,
            "form": shown,
            "errors": errors,
            "language_boxes": LANGUAGE_BOXES,
        }),
    )
}

/// `GET /mentoring/programmes/{id}/{mentor|mentee}`
#[handler]
pub async fn apply_page(
    v: Visitor,
    app: Data<&App>,
    Path((id, role)): Path<(String, String)>,
) -> Response {
    apply_form(
        &v,
        &app,
        StatusCode::OK,
        &id,
        &role,
        &ApplyForm::default(),
        Map::new(),
    )
    .await
}

/// `POST /mentoring/programmes/{id}/{mentor|mentee}`: applies, or shows the form again with
/// each error beside its field.
#[handler]
pub async fn apply(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path((id, role)): Path<(String, String)>,
    Form(form): Form<ApplyForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return apply_form(&v, &app, StatusCode::FORBIDDEN, &id, &role, &form, errors).await;
    }
    let Some(role) = role_of(&role) else {
        return v.failed(Error::NotFound("page"));
    };
    let applied = match form.application(role) {
        Ok(a) => mentoring::apply(&app, &me.member, &id, a).await,
        Err(e) => Err(e),
    };
    match applied {
        Ok(_) => v.redirect("/mentoring?done=applied"),
        Err(Error::Invalid(fields)) => {
            let errors = worded(v.lang, "mentoring", &fields, |f| match f {
                "languages" => "languages_other".into(),
                other => other.into(),
            });
            apply_form(
                &v,
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                &id,
                role,
                &form,
                errors,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mentoring/programmes/{id}/matches/{match_id}/withdraw`: ends the member's own match.
#[handler]
pub async fn withdraw(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path((id, match_id)): Path<(String, String)>,
    Form(form): Form<WithdrawForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let typed = Typed {
        match_id: match_id.clone(),
        reason: form.reason.clone(),
        ..Typed::default()
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show_hub(&v, &app, StatusCode::FORBIDDEN, "", errors, typed).await;
    }
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    // Never as staff here: the member's page acts only on the member's own matches.
    match mentoring::withdraw(&app, &me.account_id, false, &id, &match_id, reason).await {
        Ok(_) => v.redirect("/mentoring?done=withdrawn"),
        Err(Error::Invalid(fields)) => {
            let errors = worded(v.lang, "mentoring", &fields, |f| format!("{f}-{match_id}"));
            show_hub(
                &v,
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                errors,
                typed,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize)]
pub struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// `POST /mentoring/programmes/{id}/matches/{match_id}/feedback`: the member's rating and
/// comment on their completed match.
#[handler]
pub async fn feedback(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path((id, match_id)): Path<(String, String)>,
    Form(form): Form<FeedbackForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let typed = Typed {
        match_id: match_id.clone(),
        rating: form.rating.clone(),
        comment: form.comment.clone(),
        ..Typed::default()
    };
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show_hub(&v, &app, StatusCode::FORBIDDEN, "", errors, typed).await;
    }
    // Not a number (nothing chosen): the domain words it as a rating out of range.
    let rating = form.rating.trim().parse().unwrap_or(0);
    let comment = Some(form.comment.as_str()).filter(|c| !c.trim().is_empty());
    match mentoring::feedback(&app, &me.member, &id, &match_id, rating, comment).await {
        Ok(_) => v.redirect("/mentoring?done=feedback"),
        Err(Error::Invalid(fields)) => {
            let errors = worded(v.lang, "mentoring", &fields, |f| format!("{f}-{match_id}"));
            show_hub(
                &v,
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                errors,
                typed,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}
