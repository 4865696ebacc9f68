//! `/profile`: the signed-in member's own details (names, language, country of origin,
//! municipality, employer, phase) and the change of their e-mail address. The same domain path
//! as `PATCH /api/v1/me` (`members::ProfileInput`, then `members::update_profile`) and
//! `POST /api/v1/me/email` (`members::email_change::request`).

use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::members::{self, MemberRow, ProfileInput, email_change};
use crate::values::{EmailAddress, Phase};

pub fn routes(r: poem::Route) -> poem::Route {
    use poem::{get, post};
    r.at("/profile", get(profile_page).post(save_profile))
        .at("/profile/email", post(change_email))
}

use crate::web::Errors;

/// The profile form as typed (everything kept to show it again).
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct ProfileForm {
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
}

impl ProfileForm {
    fn of(m: &MemberRow) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ProfileForm {
            csrf: String::new(),
            first_name: text(&m.first_name),
            last_name: text(&m.last_name),
            language: m.language().as_str().to_owned(),
            country_of_origin: text(&m.country_of_origin),
            municipality: text(&m.municipality),
            employer: text(&m.employer),
            phase: text(&m.phase),
        }
    }
}

/// The change-of-address form.
#[derive(serde::Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// What the page says after an action (`?saved=1`), or to a newcomer (`?welcome=1`).
#[derive(serde::Deserialize, Default)]
pub struct Notes {
    welcome: Option<String>,
    saved: Option<String>,
    email: Option<String>,
}

/// The page, with `errors` (field → message) when a form comes back.
fn show(
    v: &Visitor,
    status: StatusCode,
    me: &MemberRow,
    form: &ProfileForm,
    new_email: &str,
    errors: Errors,
    notes: &Notes,
) -> Response {
    v.page(
        status,
        "profile.html",
        json!({
            "section": "me",
            "form": form,
            "current_email": me.email.clone().unwrap_or_default(),
            "new_email": new_email,
            "errors": errors,
            "countries": super::sign_up::countries(),
            "phases": Phase::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "welcome": notes.welcome.is_some(),
            "saved": notes.saved.is_some(),
            "email_sent": notes.email.as_deref() == Some("sent"),
        }),
    )
}

/// `GET /profile`
#[handler]
pub fn profile_page(v: Visitor, Query(notes): Query<Notes>) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let form = ProfileForm::of(&me.member);
    show(
        &v,
        StatusCode::OK,
        &me.member,
        &form,
        "",
        Errors::new(),
        &notes,
    )
}

/// `POST /profile`: saves, or shows the form again with each error beside its field.
#[handler]
pub async fn save_profile(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<ProfileForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let none = Notes::default();
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &me.member,
            &form,
            "",
            errors,
            &none,
        );
    }
    // The form sends every field: an empty optional one clears it.
    let input = ProfileInput {
        first_name: Some(&form.first_name),
        last_name: Some(&form.last_name),
        // Only what the lists offer; anything else leaves the value as it was.
        language: form.language.parse().ok(),
        phase: Some(form.phase.parse().ok()),
        country_of_origin: Some(Some(&form.country_of_origin)),
        municipality: Some(Some(&form.municipality)),
        employer: Some(Some(&form.employer)),
        directory_visible: None,
    };
    let result = match input.parse() {
        Ok(change) => members::update_profile(&app, &me.account_id, &me.account_id, change).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => v.redirect("/profile?saved=1"),
        Err(Error::Invalid(fields)) => {
            let mut errors = Errors::new();
            for f in fields {
                let key = format!("profile-error-{}", f.field);
                errors.insert(f.field, CATALOGS.t(v.lang, &key, &[]).into());
            }
            show(
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                &me.member,
                &form,
                "",
                errors,
                &none,
            )
        }
        Err(e) => v.failed(e),
    }
}

/// `POST /profile/email`: mails a link to the new address; the address changes when it is
/// opened (`/change-email`).
#[handler]
pub async fn change_email(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<EmailForm>,
) -> Response {
    let me = match v.member() {
        Ok(me) => me,
        Err(r) => return r,
    };
    let profile = ProfileForm::of(&me.member);
    let none = Notes::default();
    if !v.form_ok(req, &form.csrf) {
        let errors = crate::web::form_expired(v.lang);
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &me.member,
            &profile,
            &form.email,
            errors,
            &none,
        );
    }
    let result = match EmailAddress::parse(&form.email) {
        Ok(email) => {
            email_change::request(
                &app,
                &me.account_id,
                &email,
                email_change::RequestedBy::Member,
            )
            .await
        }
        Err(e) => Err(Error::field("email", e.0)),
    };
    match result {
        Ok(()) => v.redirect("/profile?email=sent#address"),
        Err(Error::Invalid(_)) => {
            // A malformed address, or the one the member has already.
            let mut errors = Errors::new();
            errors.insert(
                "email".into(),
                CATALOGS.t(v.lang, "profile-error-email", &[]).into(),
            );
            show(
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                &me.member,
                &profile,
                &form.email,
                errors,
                &none,
            )
        }
        Err(e) => v.failed(e),
    }
}
