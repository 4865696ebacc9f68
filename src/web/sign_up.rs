//! Joining through the website: the form, its answers in the visitor's language, and the same
//! domain path as `POST /api/v1/members` (`members::SignUpInput`, then `requests::submit`).

use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;
use crate::edge::client::ClientAddr;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::members::{SignUpInput, requests};
use crate::values::{Language, Phase};

/// The form as typed (everything kept to show it again).
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
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
    phase: String,
    #[serde(default)]
    privacy: Option<String>,
}

pub(crate) fn countries() -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<_> = isocountry::CountryCode::iter()
        .map(|c| (c.alpha2(), c.name()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(b.1));
    list
}

/// The form page, with `errors` (field → message) when it comes back.
fn form_page(
    v: &Visitor,
    status: StatusCode,
    form: &SignUpForm,
    errors: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let lang = v.lang;
    let mut shown = json!(form);
    shown["privacy"] = json!(form.privacy.is_some());
    if form.language.is_empty() {
        shown["language"] = json!(lang.as_str());
    }
    v.page(
        status,
        "sign_up.html",
        json!({
            "section": "sign-up",
            "form": shown,
            "errors": errors,
            "countries": countries(),
            "phases": Phase::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        }),
    )
}

/// `GET /sign-up`
#[handler]
pub fn sign_up_form(v: Visitor) -> Response {
    form_page(
        &v,
        StatusCode::OK,
        &SignUpForm::default(),
        Default::default(),
    )
}

/// `POST /sign-up`: the form again with each error beside its field, or on to "check your
/// mailbox" (post, redirect, get).
#[handler]
pub async fn sign_up(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    client: ClientAddr,
    Form(form): Form<SignUpForm>,
) -> Response {
    let lang = v.lang;
    let mut errors = serde_json::Map::new();
    if !v.form_ok(req, &form.csrf) {
        errors.insert("form".into(), CATALOGS.t(lang, "form-expired", &[]).into());
        return form_page(&v, StatusCode::FORBIDDEN, &form, errors);
    }
    let chosen = form.language.parse::<Language>().unwrap_or(lang);
    let input = SignUpInput {
        email: &form.email,
        first_name: &form.first_name,
        last_name: &form.last_name,
        language: chosen,
        country_of_origin: Some(form.country_of_origin.as_str()),
        municipality: Some(form.municipality.as_str()),
        employer: None,
        phase: form.phase.parse::<Phase>().ok(),
        privacy_policy: form.privacy.is_some(),
    };
    let refused = match input.parse() {
        Ok(sign_up) => {
            let key = client.key();
            match requests::submit(&app, &key, requests::Request::SignUp(sign_up)).await {
                Ok(()) => {
                    return v.redirect("/sign-up/sent");
                }
                Err(e) => e,
            }
        }
        Err(e) => e,
    };
    match refused {
        Error::Invalid(fields) => {
            for f in fields {
                // The domain names fields as the API does; the page words them itself.
                let name = match f.field.as_str() {
                    "consent.privacy_policy" => "privacy",
                    other => other,
                };
                errors.insert(
                    name.into(),
                    CATALOGS.t(lang, &format!("error-{name}"), &[]).into(),
                );
            }
            form_page(&v, StatusCode::UNPROCESSABLE_ENTITY, &form, errors)
        }
        other => v.failed(other),
    }
}

/// `GET /sign-up/sent`
#[handler]
pub fn sent(v: Visitor) -> Response {
    v.message(StatusCode::OK, "sign-up-sent-title", "sign-up-sent-text")
}
