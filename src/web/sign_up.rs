//! Joining through the website: the form, its answers in the visitor's language, and the same
//! domain path as `POST /api/v1/members` (`members::SignUpInput`, then `requests::submit`).

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, RemoteAddr};
use poem::{Request, Response, handler};
use serde_json::json;

use super::{csrf, language, page};
use crate::app::App;
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

fn secure(app: &App) -> bool {
    app.config.base_url.scheme() == "https"
}

fn countries() -> Vec<(&'static str, &'static str)> {
    let mut list: Vec<_> = isocountry::CountryCode::iter()
        .map(|c| (c.alpha2(), c.name()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(b.1));
    list
}

/// The form page, with `errors` (field → message) when it comes back.
fn form_page(
    req: &Request,
    app: &App,
    lang: Language,
    status: StatusCode,
    form: &SignUpForm,
    errors: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let (token, cookie) = csrf::token(req, secure(app));
    let mut shown = json!(form);
    shown["privacy"] = json!(form.privacy.is_some());
    if form.language.is_empty() {
        shown["language"] = json!(lang.as_str());
    }
    let mut resp = page(
        status,
        lang,
        "/sign-up",
        "sign_up.html",
        json!({
            "csrf": token,
            "form": shown,
            "errors": errors,
            "countries": countries(),
            "phases": Phase::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        }),
    );
    if let Some(c) = cookie
        && let Ok(v) = c.parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /sign-up`
#[handler]
pub fn sign_up_form(req: &Request, app: Data<&App>) -> Response {
    let lang = language(req);
    form_page(
        req,
        &app,
        lang,
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
    app: Data<&App>,
    remote: &RemoteAddr,
    Form(form): Form<SignUpForm>,
) -> Response {
    let lang = language(req);
    let mut errors = serde_json::Map::new();
    if !csrf::check(req, &form.csrf) {
        errors.insert("form".into(), CATALOGS.t(lang, "form-expired", &[]).into());
        return form_page(req, &app, lang, StatusCode::FORBIDDEN, &form, errors);
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
            let key = crate::app::client_key(remote);
            match requests::submit(&app, &key, requests::Request::SignUp(sign_up)).await {
                Ok(()) => {
                    return Response::builder()
                        .status(StatusCode::SEE_OTHER)
                        .header(header::LOCATION, "/sign-up/sent")
                        .finish();
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
            form_page(
                req,
                &app,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
            )
        }
        Error::TooManyRequests { .. } => {
            super::error_page(StatusCode::TOO_MANY_REQUESTS, lang, "/sign-up")
        }
        other => {
            tracing::error!(error = %other, "sign-up page failed");
            super::error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, "/sign-up")
        }
    }
}

/// `GET /sign-up/sent`
#[handler]
pub fn sent(req: &Request) -> Response {
    let lang = language(req);
    page(
        StatusCode::OK,
        lang,
        "/sign-up/sent",
        "message.html",
        json!({
            "title": CATALOGS.t(lang, "sign-up-sent-title", &[]),
            "text": CATALOGS.t(lang, "sign-up-sent-text", &[]),
        }),
    )
}
