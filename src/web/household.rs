//! `/household`: the people of the signed-in member's household, the partner invitation, the
//! children and other dependents (added, changed, removed), and leaving the household. Each
//! form calls the same domain function as its `/api/v1/me/household…` route; the domain checks
//! that a dependent's id belongs to the caller's household, so a forged id is not found.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;
use crate::error::{Error, FieldError};
use crate::households::{self, DependentFields, PartnerInvite};
use crate::i18n::CATALOGS;
use crate::values::{DependentRelation, Language};

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/household", get(household_page))
        .at("/household/partner", post(invite_partner))
        .at("/household/dependents", post(add_dependent))
        .at(
            "/household/dependents/:id",
            get(dependent_page).post(save_dependent),
        )
        .at("/household/dependents/:id/remove", post(remove_dependent))
        .at("/household/leave", get(leave_page).post(leave))
}

use crate::web::Errors;

/// What the page says after an action (`?done=added`); only these words are shown.
const DONE: &[&str] = &["invited", "added", "saved", "removed", "left"];

#[derive(serde::Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// The partner invitation as typed.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct InviteForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    invite_first_name: String,
    #[serde(default)]
    invite_last_name: String,
    #[serde(default)]
    invite_email: String,
}

/// A dependent as typed (to add one, or change one).
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct DependentForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    relation: String,
}

impl DependentForm {
    fn fields(&self) -> DependentFields<'_> {
        let birth_year = match self.birth_year.trim() {
            "" => None,
            // Not a number at all: a year no one is born in, so the domain refuses it with the
            // same words as a year out of range.
            y => Some(y.parse::<i64>().unwrap_or(i64::MIN)),
        };
        let last = self.last_name.trim();
        DependentFields {
            first_name: Some(&self.first_name),
            last_name: Some((!last.is_empty()).then_some(last)),
            birth_year,
            relation: self.relation.parse::<DependentRelation>().ok(),
        }
    }
}

/// The field errors of a form as messages in the visitor's language, each under the id of its
/// field on the page (`prefix` + the domain's field name), worded by `words` + field name.
fn field_errors(lang: Language, fields: Vec<FieldError>, prefix: &str, words: &str) -> Errors {
    let mut errors = Errors::new();
    for f in fields {
        let key = format!("{words}{}", f.field);
        errors.insert(
            format!("{prefix}{}", f.field),
            CATALOGS.t(lang, &key, &[]).into(),
        );
    }
    errors
}

/// The household page, with a form shown back (`invite`, `dependent`) and its `errors`.
async fn show(
    v: &Visitor,
    app: &App,
    status: StatusCode,
    invite: &InviteForm,
    dependent: &DependentForm,
    errors: Errors,
    done: Option<&str>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let household = match households::view(app, &me.account_id).await {
        Ok(h) => h,
        Err(e) => return v.failed(e),
    };
    let members = household.people.iter().filter(|p| p.has_account).count();
    let people: Vec<_> = household
        .people
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": full_name(&p.first_name, &p.last_name),
                "relation": p.relation.as_str(),
                "has_account": p.has_account,
                "me": p.id == me.account_id,
                "birth_year": p.birth_year,
            })
        })
        .collect();
    let invitations: Vec<_> = household
        .pending_invitations
        .iter()
        .map(|i| {
            json!({
                "name": full_name(&i.first_name, &i.last_name),
                "email": i.email,
                "until": super::local_date(v.lang, i.expires_at.timestamp_millis(), app.config.timezone),
            })
        })
        .collect();
    v.page(
        status,
        "household.html",
        json!({
            "section": "me",
            "people": people,
            "invitations": invitations,
            // A household has at most two members with an account.
            "may_invite": members < 2,
            "may_leave": members >= 2,
            "invite": invite,
            "dependent": dependent,
            "errors": errors,
            "done": done.filter(|d| DONE.contains(d)),
            "relations": DependentRelation::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
    )
}

fn full_name(first: &Option<String>, last: &Option<String>) -> String {
    [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `GET /household`
#[handler]
pub async fn household_page(v: Visitor, app: Data<&App>, Query(q): Query<Done>) -> Response {
    let dependent = DependentForm {
        relation: "child".into(),
        ..Default::default()
    };
    show(
        &v,
        &app,
        StatusCode::OK,
        &InviteForm::default(),
        &dependent,
        Errors::new(),
        q.done.as_deref(),
    )
    .await
}

/// `POST /household/partner`: mails the partner an invitation (`households::invite_partner`).
#[handler]
pub async fn invite_partner(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<InviteForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let blank = DependentForm::default();
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show(&v, &app, StatusCode::FORBIDDEN, &form, &blank, errors, None).await;
    }
    let result = match PartnerInvite::parse(
        &form.invite_email,
        &form.invite_first_name,
        &form.invite_last_name,
    ) {
        Ok(invite) => households::invite_partner(&app, &me.member, invite)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => v.redirect("/household?done=invited"),
        Err(Error::Invalid(fields)) => {
            let errors = field_errors(v.lang, fields, "invite_", "household-error-invite-");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(&v, &app, status, &form, &blank, errors, None).await
        }
        Err(e) => v.failed(e),
    }
}

/// `POST /household/dependents`: adds a child or other dependent.
#[handler]
pub async fn add_dependent(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<DependentForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let blank = InviteForm::default();
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show(&v, &app, StatusCode::FORBIDDEN, &blank, &form, errors, None).await;
    }
    let result = match form.fields().parse() {
        Ok(input) => households::add_dependent(&app, &me.member, input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => v.redirect("/household?done=added"),
        Err(Error::Invalid(fields)) => {
            let errors = field_errors(v.lang, fields, "", "household-error-");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(&v, &app, status, &blank, &form, errors, None).await
        }
        Err(e) => v.failed(e),
    }
}

/// The page to change (or remove) one dependent.
fn dependent_form_page(
    v: &Visitor,
    status: StatusCode,
    id: &str,
    form: &DependentForm,
    errors: Errors,
) -> Response {
    v.page(
        status,
        "dependent.html",
        json!({
            "section": "me",
            "id": id,
            "dependent": form,
            "errors": errors,
            "relations": DependentRelation::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
    )
}

/// `GET /household/dependents/{id}`: only a dependent of the member's own household.
#[handler]
pub async fn dependent_page(v: Visitor, app: Data<&App>, Path(id): Path<String>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let household = match households::view(&app, &me.account_id).await {
        Ok(h) => h,
        Err(e) => return v.failed(e),
    };
    let Some(p) = household
        .people
        .iter()
        .find(|p| p.id == id && !p.has_account)
    else {
        return v.failed(Error::NotFound("dependent"));
    };
    let form = DependentForm {
        csrf: String::new(),
        first_name: p.first_name.clone().unwrap_or_default(),
        last_name: p.last_name.clone().unwrap_or_default(),
        birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        relation: p.relation.as_str().to_owned(),
    };
    dependent_form_page(&v, StatusCode::OK, &id, &form, Errors::new())
}

/// `POST /household/dependents/{id}`: saves the change (`households::update_dependent`, which
/// finds the dependent in the caller's household only).
#[handler]
pub async fn save_dependent(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<DependentForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return dependent_form_page(
            &v,
            StatusCode::FORBIDDEN,
            &id,
            &form,
            crate::web::form_expired(v.lang),
        );
    }
    let result = match form.fields().parse() {
        Ok(input) => households::update_dependent(&app, &me.member, &id, input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => v.redirect("/household?done=saved"),
        Err(Error::Invalid(fields)) => {
            let errors = field_errors(v.lang, fields, "", "household-error-");
            dependent_form_page(&v, StatusCode::UNPROCESSABLE_ENTITY, &id, &form, errors)
        }
        Err(e) => v.failed(e),
    }
}

/// `POST /household/dependents/{id}/remove`: erases the dependent's details.
#[handler]
pub async fn remove_dependent(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Path(id): Path<String>,
    Form(form): Form<super::account::CsrfOnly>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    match households::remove_dependent(&app, &me.member, &id).await {
        Ok(()) => v.redirect("/household?done=removed"),
        Err(e) => v.failed(e),
    }
}

/// `GET /household/leave`: what leaving means, and the button that does it. A member alone has
/// nothing to leave: back to the household.
#[handler]
pub async fn leave_page(v: Visitor, app: Data<&App>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    match households::view(&app, &me.account_id).await {
        Ok(h) if h.people.iter().filter(|p| p.has_account).count() < 2 => {
            return v.redirect("/household");
        }
        Ok(_) => {}
        Err(e) => return v.failed(e),
    }
    v.page(
        StatusCode::OK,
        "household_leave.html",
        json!({"section": "me"}),
    )
}

/// `POST /household/leave`: the member gets a household of their own (`households::leave`).
#[handler]
pub async fn leave(
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
    match households::leave(&app, &me.member).await {
        Ok(_) => v.redirect("/household?done=left"),
        Err(e) => v.failed(e),
    }
}
