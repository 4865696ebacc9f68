//! `/staff/newsletter`: the issues with their delivery counts and the lists' subscribers; writing
//! an issue in the four languages side by side (`issues::validate`, `create`, `update`: the
//! API's path); one issue's page with the real mail as a reader gets it (`issues::preview`, the
//! sender's template and context), a test send (`issues::send_test`), scheduling, sending now,
//! pausing, resuming and cancelling (`issues::{schedule, send_now, pause, resume, cancel}`).
//!
//! The preview shows the mail's subject and its text part, escaped, in the page: the site's CSP
//! (`default-src 'none'`) allows no frames, and a mail's own HTML dropped into the page would
//! bring its styles and headings into ours. The text part is what the sender sends as
//! `text/plain`, rendered by the same template call as the HTML part, so the words, the
//! language, the greeting and the events listed are the real ones.

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::error::{Error, FieldError};
use crate::i18n::CATALOGS;
use crate::newsletter::issues::{self, IssueRow};
use crate::values::{EmailAddress, Language, Phase};
use crate::web::Visitor;

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/staff/newsletter", get(list))
        .at("/staff/newsletter/new", get(new_page).post(create))
        .at("/staff/newsletter/:id", get(issue_page))
        .at("/staff/newsletter/:id/edit", get(edit_page).post(edit))
        .at("/staff/newsletter/:id/test", post(test))
        .at("/staff/newsletter/:id/schedule", post(schedule))
        .at("/staff/newsletter/:id/send", post(send))
        .at("/staff/newsletter/:id/pause", post(pause))
        .at("/staff/newsletter/:id/resume", post(resume))
        .at("/staff/newsletter/:id/cancel", post(cancel))
}

/// Issues per page of the list.
const PER_PAGE: i64 = 20;
const LANGS: [&str; 4] = ["en", "nl", "de", "fr"];
const PHASES: [&str; 4] = ["coming_in", "settling_in", "living_in", "leaving"];

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// `GET /staff/newsletter`
#[handler]
pub async fn list(v: Visitor, app: Data<&App>, Query(q): Query<ListQuery>) -> Response {
    let _me = crate::staff!(v);
    let page = q.page.unwrap_or(1).max(1);
    match list_context(&v, &app, page).await {
        Ok(ctx) => v.page(StatusCode::OK, "staff/newsletter.html", ctx),
        Err(e) => v.failed(e),
    }
}

async fn list_context(v: &Visitor, app: &App, page: i64) -> crate::error::Result<Value> {
    let zone = app.config.timezone;
    // One more than shown tells whether there is a next page.
    let mut rows = issues::page(app, (page - 1) * PER_PAGE, PER_PAGE + 1).await?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let mut shown = Vec::new();
    for i in rows {
        let c = issues::counts(app, &i.id).await?;
        shown.push(json!({
            "id": i.id,
            "subject": issues::pick(&i.subjects(), v.lang),
            "kind": i.kind,
            "segment": i.segment,
            "status": i.status,
            "when": i.finished_at.or(i.started_at).or(i.scheduled_at)
                .map(|t| crate::web::local_date(v.lang, t, zone)),
            "recipients": c.recipients,
            "queued": c.queued,
            "sent": c.sent,
            "failed": c.failed,
            "skipped": c.skipped,
        }));
    }
    let lists: Vec<Value> = crate::newsletter::subscriber_counts(app)
        .await?
        .into_iter()
        .map(|(name, n)| json!({"list": name, "count": n}))
        .collect();
    Ok(json!({
        "section": "staff-newsletter",
        "issues": shown,
        "lists": lists,
        "page": page,
        "prev": (page > 1).then_some(page - 1),
        "next": more.then_some(page + 1),
    }))
}

/// What staff typed into the issue form, kept when it comes back with an error.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct IssueForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    subject_en: String,
    #[serde(default)]
    body_en: String,
    #[serde(default)]
    subject_nl: String,
    #[serde(default)]
    body_nl: String,
    #[serde(default)]
    subject_de: String,
    #[serde(default)]
    body_de: String,
    #[serde(default)]
    subject_fr: String,
    #[serde(default)]
    body_fr: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    filter_language: String,
    #[serde(default)]
    days: String,
}

impl IssueForm {
    fn texts(&self) -> [(&'static str, &str, &str); 4] {
        [
            ("en", &self.subject_en, &self.body_en),
            ("nl", &self.subject_nl, &self.body_nl),
            ("de", &self.subject_de, &self.body_de),
            ("fr", &self.subject_fr, &self.body_fr),
        ]
    }

    /// The form as it shows an issue.
    fn of(issue: &IssueRow) -> IssueForm {
        let s = issue.subjects();
        let b = issue.bodies();
        let get = |m: &BTreeMap<String, String>, l: &str| m.get(l).cloned().unwrap_or_default();
        let f = issue.filters();
        IssueForm {
            csrf: String::new(),
            subject_en: get(&s, "en"),
            body_en: get(&b, "en"),
            subject_nl: get(&s, "nl"),
            body_nl: get(&b, "nl"),
            subject_de: get(&s, "de"),
            body_de: get(&b, "de"),
            subject_fr: get(&s, "fr"),
            body_fr: get(&b, "fr"),
            segment: issue.segment.clone(),
            phase: f.phase.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            municipality: f.municipality.unwrap_or_default(),
            filter_language: f
                .language
                .map(|l| l.as_str().to_owned())
                .unwrap_or_default(),
            days: issue
                .upcoming_events_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }

    /// The draft the form describes: the form's own choices are read here, the rest is the
    /// domain's (`issues::validate`), whose field errors come back with the form's names.
    fn draft(&self) -> Result<issues::Draft, Vec<FieldError>> {
        let mut wrong = Vec::new();
        let mut subject = BTreeMap::new();
        let mut body = BTreeMap::new();
        for (lang, s, b) in self.texts() {
            // English is always given (it is required); another language when anything of it
            // was written, so a subject without a body is refused rather than dropped.
            if lang == "en" || !s.trim().is_empty() || !b.trim().is_empty() {
                subject.insert(lang.to_owned(), s.to_owned());
                body.insert(lang.to_owned(), b.to_owned());
            }
        }
        let segment = crate::newsletter::check_list(&self.segment).unwrap_or_else(|_| {
            wrong.push(field("segment"));
            "community"
        });
        let phase = match self.phase.as_str() {
            "" => None,
            p => p.parse::<Phase>().ok().or_else(|| {
                wrong.push(field("phase"));
                None
            }),
        };
        let language = match self.filter_language.as_str() {
            "" => None,
            l => l.parse::<Language>().ok().or_else(|| {
                wrong.push(field("filter_language"));
                None
            }),
        };
        let days = match self.days.trim() {
            "" => None,
            d => match d.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    wrong.push(field("days"));
                    None
                }
            },
        };
        let municipality = Some(self.municipality.trim()).filter(|m| !m.is_empty());
        let checked = issues::validate(issues::DraftInput {
            subject,
            body,
            segment,
            phase,
            municipality: municipality.map(str::to_owned),
            language,
            upcoming_events_days: days,
        });
        match checked {
            Ok(d) if wrong.is_empty() => Ok(d),
            Ok(_) => Err(wrong),
            Err(Error::Invalid(fields)) => {
                wrong.extend(fields);
                Err(wrong)
            }
            // `validate` answers nothing else; treat it as the form being wrong.
            Err(_) => Err(wrong),
        }
    }
}

fn field(name: &str) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: String::new(),
    }
}

/// The domain's field names as the form's (`subject.en` is `subject_en`), each worded in the
/// visitor's language.
fn worded(lang: Language, fields: &[FieldError]) -> Map<String, Value> {
    let mut errors = Map::new();
    for f in fields {
        let (name, key) = match f.field.as_str() {
            // English missing altogether: the English subject is what to fill in.
            "subject" => ("subject_en".to_owned(), "subject"),
            "body" => ("body_en".to_owned(), "body"),
            "filters.municipality" => ("municipality".to_owned(), "municipality"),
            "upcoming_events_days" | "days" => ("days".to_owned(), "days"),
            "at" => ("at".to_owned(), "at"),
            "email" => ("email".to_owned(), "email"),
            "preview_email" => ("preview_email".to_owned(), "preview-email"),
            "segment" | "list" => ("segment".to_owned(), "segment"),
            "phase" => ("phase".to_owned(), "phase"),
            "filter_language" => ("filter_language".to_owned(), "language"),
            other => match other.split_once('.') {
                Some((part @ ("subject" | "body"), l)) if LANGS.contains(&l) => {
                    (format!("{part}_{l}"), part)
                }
                _ => ("form".to_owned(), "form"),
            },
        };
        errors.entry(name).or_insert_with(|| {
            CATALOGS
                .t(lang, &format!("staff-news-error-{key}"), &[])
                .into()
        });
    }
    errors
}

fn form_page(
    v: &Visitor,
    status: StatusCode,
    issue: Option<&str>,
    typed: &IssueForm,
    errors: Map<String, Value>,
) -> Response {
    v.page(
        status,
        "staff/newsletter_form.html",
        json!({
            "section": "staff-newsletter",
            "issue": issue,
            "typed": typed,
            "errors": errors,
            "langs": LANGS,
            "phases": PHASES,
        }),
    )
}

/// `GET /staff/newsletter/new`
#[handler]
pub async fn new_page(v: Visitor) -> Response {
    let _me = crate::staff!(v);
    let typed = IssueForm {
        segment: "community".into(),
        ..IssueForm::default()
    };
    form_page(&v, StatusCode::OK, None, &typed, Map::new())
}

/// `POST /staff/newsletter/new`
#[handler]
pub async fn create(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Form(form): Form<IssueForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return form_page(
            &v,
            StatusCode::FORBIDDEN,
            None,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let draft = match form.draft() {
        Ok(d) => d,
        Err(fields) => {
            let errors = worded(v.lang, &fields);
            return form_page(&v, StatusCode::UNPROCESSABLE_ENTITY, None, &form, errors);
        }
    };
    match issues::create(&app, &me.account_id, draft).await {
        Ok(row) => v.redirect(&format!("/staff/newsletter/{}?done=saved", row.id)),
        Err(e) => v.failed(e),
    }
}

/// `GET /staff/newsletter/{id}/edit`: only a draft changes (409 otherwise, the domain's rule).
#[handler]
pub async fn edit_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let _me = crate::staff!(v);
    let issue = match issues::get(&app, &id).await {
        Ok(i) => i,
        Err(e) => return v.failed(e),
    };
    if issue.status != "draft" {
        return v.failed(Error::Conflict("only a draft can be changed".into()));
    }
    form_page(
        &v,
        StatusCode::OK,
        Some(&issue.id),
        &IssueForm::of(&issue),
        Map::new(),
    )
}

/// `POST /staff/newsletter/{id}/edit`: the whole draft as the form shows it.
#[handler]
pub async fn edit(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<IssueForm>,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return form_page(
            &v,
            StatusCode::FORBIDDEN,
            Some(&id),
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let draft = match form.draft() {
        Ok(d) => d,
        Err(fields) => {
            let errors = worded(v.lang, &fields);
            return form_page(
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&id),
                &form,
                errors,
            );
        }
    };
    match issues::update(&app, &me.account_id, &id, |_| Ok(draft)).await {
        Ok(row) => v.redirect(&format!("/staff/newsletter/{}?done=saved", row.id)),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct IssueQuery {
    #[serde(default)]
    done: String,
    /// Preview in this language…
    #[serde(default)]
    preview_lang: String,
    /// …or as this member gets it.
    #[serde(default)]
    preview_email: String,
}

/// What was typed into the issue page's forms, kept when one comes back with an error.
#[derive(serde::Serialize, Default)]
struct Typed {
    email: String,
    test_lang: String,
    at: String,
}

/// `GET /staff/newsletter/{id}`
#[handler]
pub async fn issue_page(
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Query(q): Query<IssueQuery>,
) -> Response {
    let _me = crate::staff!(v);
    show_issue(
        &v,
        &app,
        &id,
        StatusCode::OK,
        &q,
        Map::new(),
        Typed::default(),
    )
    .await
}

async fn show_issue(
    v: &Visitor,
    app: &App,
    id: &str,
    status: StatusCode,
    q: &IssueQuery,
    mut errors: Map<String, Value>,
    typed: Typed,
) -> Response {
    let zone = app.config.timezone;
    let issue = match issues::get(app, id).await {
        Ok(i) => i,
        Err(e) => return v.failed(e),
    };
    let c = match issues::counts(app, id).await {
        Ok(c) => c,
        Err(e) => return v.failed(e),
    };
    let mut status = status;
    // The preview: for a member found by address (their language and name), else a language.
    let mut preview_lang = q.preview_lang.parse::<Language>().unwrap_or(v.lang);
    let mut first_name = String::new();
    let mut for_member = None;
    let wanted = q.preview_email.trim();
    if !wanted.is_empty() {
        let found = match EmailAddress::parse(wanted) {
            Ok(address) => match crate::members::find_by_email(&app.db.read, &address).await {
                Ok(m) => m,
                Err(e) => return v.failed(e),
            },
            Err(_) => None,
        };
        match found {
            Some(m) => {
                preview_lang = m.language();
                first_name = m.first_name.clone().unwrap_or_default();
                for_member = Some(m.full_name());
            }
            None => {
                errors.extend(worded(v.lang, &[field("preview_email")]));
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
        }
    }
    let preview = match issues::preview(app, &issue, preview_lang, &first_name).await {
        Ok(p) => p,
        Err(e) => return v.failed(e),
    };
    let f = issue.filters();
    let when = |t: Option<i64>| t.map(|t| crate::web::local_date(v.lang, t, zone));
    let done = match q.done.as_str() {
        d @ ("saved" | "test" | "scheduled" | "sending" | "paused" | "cancelled") => d,
        _ => "",
    };
    v.page(
        status,
        "staff/newsletter_issue.html",
        json!({
            "section": "staff-newsletter",
            "done": done,
            "issue": {
                "id": issue.id,
                "subject": issues::pick(&issue.subjects(), v.lang),
                "kind": issue.kind,
                "segment": issue.segment,
                "status": issue.status,
                "languages": issue.subjects().keys().cloned().collect::<Vec<_>>(),
                "phase": f.phase.map(|p| p.as_str()),
                "municipality": f.municipality,
                "language": f.language.map(|l| l.as_str()),
                "days": issue.upcoming_events_days,
                "scheduled": when(issue.scheduled_at),
                "started": when(issue.started_at),
                "finished": when(issue.finished_at),
                "pause_reason": issue.pause_reason,
            },
            "counts": {
                "recipients": c.recipients, "queued": c.queued, "sent": c.sent,
                "failed": c.failed, "skipped": c.skipped,
            },
            "preview": {
                "lang": preview_lang.as_str(),
                "email": wanted,
                "member": for_member,
                "subject": preview.subject,
                "text": preview.text,
            },
            "typed": typed,
            "errors": errors,
            "langs": LANGS,
        }),
    )
}

#[derive(serde::Deserialize, Default)]
pub struct TestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    test_lang: String,
}

/// `POST /staff/newsletter/{id}/test`
#[handler]
pub async fn test(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<TestForm>,
) -> Response {
    let me = crate::staff!(v);
    let typed = Typed {
        email: form.email.clone(),
        test_lang: form.test_lang.clone(),
        at: String::new(),
    };
    let q = IssueQuery::default();
    if !v.form_ok(req, &form.csrf) {
        return show_issue(
            &v,
            &app,
            &id,
            StatusCode::FORBIDDEN,
            &q,
            crate::web::form_expired(v.lang),
            typed,
        )
        .await;
    }
    let Ok(email) = EmailAddress::parse(form.email.trim()) else {
        let errors = worded(v.lang, &[field("email")]);
        return show_issue(
            &v,
            &app,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            &q,
            errors,
            typed,
        )
        .await;
    };
    let language = form.test_lang.parse::<Language>().unwrap_or(Language::En);
    let issue = match issues::get(&app, &id).await {
        Ok(i) => i,
        Err(e) => return v.failed(e),
    };
    let first_name = me.member.first_name.clone().unwrap_or_default();
    match issues::send_test(&app, &issue, &email, language, &first_name).await {
        Ok(()) => v.redirect(&format!("/staff/newsletter/{id}?done=test")),
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ScheduleForm {
    #[serde(default)]
    csrf: String,
    /// `YYYY-MM-DDTHH:MM` in the centre's time zone (`<input type="datetime-local">`).
    #[serde(default)]
    at: String,
}

/// `POST /staff/newsletter/{id}/schedule`
#[handler]
pub async fn schedule(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> Response {
    let me = crate::staff!(v);
    let typed = Typed {
        at: form.at.clone(),
        ..Typed::default()
    };
    let q = IssueQuery::default();
    if !v.form_ok(req, &form.csrf) {
        return show_issue(
            &v,
            &app,
            &id,
            StatusCode::FORBIDDEN,
            &q,
            crate::web::form_expired(v.lang),
            typed,
        )
        .await;
    }
    let at = chrono::NaiveDateTime::parse_from_str(form.at.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| {
            t.and_local_timezone(app.config.timezone)
                .earliest()
                .map(|t| t.timestamp_millis())
        });
    let result = match at {
        Some(at) => issues::schedule(&app, &me.account_id, &id, at).await,
        None => Err(Error::field("at", "")),
    };
    match result {
        Ok(_) => v.redirect(&format!("/staff/newsletter/{id}?done=scheduled")),
        Err(Error::Invalid(fields)) => {
            let errors = worded(v.lang, &fields);
            show_issue(
                &v,
                &app,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &q,
                errors,
                typed,
            )
            .await
        }
        Err(e) => v.failed(e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Plain {
    #[serde(default)]
    csrf: String,
}

/// Which state change a button asks for.
#[derive(Clone, Copy)]
enum Change {
    Send,
    Pause,
    Resume,
    Cancel,
}

async fn change(
    v: Visitor,
    app: &App,
    req: &Request,
    id: &str,
    form: Plain,
    what: Change,
) -> Response {
    let me = crate::staff!(v);
    if !v.form_ok(req, &form.csrf) {
        return show_issue(
            &v,
            app,
            id,
            StatusCode::FORBIDDEN,
            &IssueQuery::default(),
            crate::web::form_expired(v.lang),
            Typed::default(),
        )
        .await;
    }
    let actor = &me.account_id;
    let (result, done) = match what {
        Change::Send => (issues::send_now(app, actor, id).await, "sending"),
        Change::Pause => (issues::pause(app, actor, id).await, "paused"),
        Change::Resume => (issues::resume(app, actor, id).await, "sending"),
        Change::Cancel => (issues::cancel(app, actor, id).await, "cancelled"),
    };
    match result {
        Ok(_) => v.redirect(&format!("/staff/newsletter/{id}?done={done}")),
        Err(e) => v.failed(e),
    }
}

/// `POST /staff/newsletter/{id}/send`
#[handler]
pub async fn send(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<Plain>,
) -> Response {
    change(v, &app, req, &id, form, Change::Send).await
}

/// `POST /staff/newsletter/{id}/pause`
#[handler]
pub async fn pause(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<Plain>,
) -> Response {
    change(v, &app, req, &id, form, Change::Pause).await
}

/// `POST /staff/newsletter/{id}/resume`
#[handler]
pub async fn resume(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<Plain>,
) -> Response {
    change(v, &app, req, &id, form, Change::Resume).await
}

/// `POST /staff/newsletter/{id}/cancel`
#[handler]
pub async fn cancel(
    v: Visitor,
    app: Data<&App>,
    req: &Request,
    Path(id): Path<String>,
    Form(form): Form<Plain>,
) -> Response {
    change(v, &app, req, &id, form, Change::Cancel).await
}
