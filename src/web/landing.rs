//! Signing in and out, and the pages that links in mail open (confirm an address, accept an
//! invitation, confirm a subscription, confirm a new address). A GET only shows a form: mail
//! scanners follow links, so nothing happens until the person presses the button (a POST with
//! the form's CSRF token). The links carry `lang=`, the mail's language, so these pages speak it.
//!
//! Each POST calls the same domain function as the API route that does the same thing.

use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde_json::json;

use super::Visitor;
use crate::app::App;
use crate::edge::client::ClientAddr;
use crate::error::Error;
use crate::i18n::CATALOGS;
use crate::values::EmailAddress;

/// Every landing form: the CSRF token, the link's token, and what the person ticked.
#[derive(serde::Deserialize, Default)]
pub struct LandingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    privacy: Option<String>,
    newsletter: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// What a landing page shows: its heading, its text, where it posts, what it asks.
struct Landing {
    title: &'static str,
    text: &'static str,
    action: &'static str,
    button: &'static str,
    /// Asks for the privacy policy and the newsletter (a person who joins).
    consent: bool,
}

const VERIFY: Landing = Landing {
    title: "verify-title",
    text: "verify-text",
    action: "/verify",
    button: "verify-submit",
    consent: true,
};
const INVITATION: Landing = Landing {
    title: "invitation-title",
    text: "invitation-text",
    action: "/invitation",
    button: "invitation-submit",
    consent: true,
};
const NEWSLETTER: Landing = Landing {
    title: "newsletter-confirm-title",
    text: "newsletter-confirm-text",
    action: "/newsletter/confirm",
    button: "newsletter-confirm-submit",
    consent: false,
};
const CHANGE_EMAIL: Landing = Landing {
    title: "change-email-title",
    text: "change-email-text",
    action: "/change-email",
    button: "change-email-submit",
    consent: false,
};
const SIGN_IN: Landing = Landing {
    title: "sign-in-title",
    text: "sign-in-token-text",
    action: "/sign-in",
    button: "sign-in-submit",
    consent: false,
};

fn show(
    v: &Visitor,
    status: StatusCode,
    l: &Landing,
    token: &str,
    form: Option<&LandingForm>,
    errors: serde_json::Map<String, serde_json::Value>,
) -> Response {
    v.page(
        status,
        "landing.html",
        json!({
            "title": l.title,
            "text": l.text,
            // The page's language travels with the form: the answer speaks it too.
            "action": format!("{}?lang={}", l.action, v.lang.as_str()),
            "button": l.button,
            "consent": l.consent,
            "token": token,
            "privacy": form.is_some_and(|f| f.privacy.is_some()),
            "newsletter": form.is_some_and(|f| f.newsletter.is_some()),
            "errors": errors,
        }),
    )
}

fn privacy_refused(v: &Visitor) -> serde_json::Map<String, serde_json::Value> {
    let mut errors = serde_json::Map::new();
    errors.insert(
        "privacy".into(),
        CATALOGS.t(v.lang, "error-privacy", &[]).into(),
    );
    errors
}

/// A refused landing: a used or expired link says so; a missing consent shows the form again.
fn refused(v: &Visitor, l: &Landing, form: &LandingForm, e: Error) -> Response {
    match e {
        Error::Invalid(fields) if fields.iter().any(|f| f.field.ends_with("privacy_policy")) => {
            show(
                v,
                StatusCode::UNPROCESSABLE_ENTITY,
                l,
                &form.token,
                Some(form),
                privacy_refused(v),
            )
        }
        other => v.failed(other),
    }
}

// ------------------------------------------------------------------------------- sign in/out

/// `GET /sign-in`: with a link's token, the button that signs in; without, the form that asks
/// for a link.
#[handler]
pub fn sign_in_page(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    if !q.token.is_empty() {
        return show(
            &v,
            StatusCode::OK,
            &SIGN_IN,
            &q.token,
            None,
            Default::default(),
        );
    }
    if v.me.is_some() {
        return v.redirect("/me");
    }
    ask_page(&v, StatusCode::OK, "", Default::default())
}

fn ask_page(
    v: &Visitor,
    status: StatusCode,
    email: &str,
    errors: serde_json::Map<String, serde_json::Value>,
) -> Response {
    v.page(
        status,
        "sign_in.html",
        json!({"section": "sign-in", "email": email, "errors": errors}),
    )
}

/// `POST /sign-in/link`: mails a sign-in link (same path as `POST /api/v1/auth/magic-link`).
#[handler]
pub async fn ask_for_link(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    client: ClientAddr,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return ask_page(
            &v,
            StatusCode::FORBIDDEN,
            &form.email,
            crate::web::form_expired(v.lang),
        );
    }
    let Ok(email) = EmailAddress::parse(&form.email) else {
        let mut errors = serde_json::Map::new();
        errors.insert(
            "email".into(),
            CATALOGS.t(v.lang, "error-email", &[]).into(),
        );
        return ask_page(&v, StatusCode::UNPROCESSABLE_ENTITY, &form.email, errors);
    };
    let key = client.key();
    let request = crate::members::requests::Request::MagicLink(email);
    match crate::members::requests::submit(&app, &key, request).await {
        Ok(()) => v.redirect("/sign-in/sent"),
        Err(e) => v.failed(e),
    }
}

/// `GET /sign-in/sent`
#[handler]
pub fn link_sent(v: Visitor) -> Response {
    v.message(StatusCode::OK, "sign-in-sent-title", "sign-in-sent-text")
}

/// `POST /sign-in`: exchanges the link's token for a session in this browser.
#[handler]
pub async fn sign_in(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &SIGN_IN,
            &form.token,
            None,
            crate::web::form_expired(v.lang),
        );
    }
    match crate::auth::sign_in(&app, &form.token).await {
        Ok((secret, expires)) => v.signed_in(req, &secret, expires, "/me"),
        Err(e) => refused(&v, &SIGN_IN, &form, e),
    }
}

/// `POST /sign-out`: ends this browser's session.
#[handler]
pub async fn sign_out(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    let Some(me) = &v.me else {
        return v.redirect("/");
    };
    if !v.form_ok(req, &form.csrf) {
        return v.form_refused();
    }
    match crate::auth::sign_out(&app, me).await {
        Ok(()) => v.signed_out("/"),
        Err(e) => v.failed(e),
    }
}

// ---------------------------------------------------------------------- links from mail

/// `GET /verify`: confirm the address, with the consents the person gives.
#[handler]
pub fn verify_page(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    show(
        &v,
        StatusCode::OK,
        &VERIFY,
        &q.token,
        None,
        Default::default(),
    )
}

/// `POST /verify`: the account becomes active and this browser is signed in.
#[handler]
pub async fn verify(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &VERIFY,
            &form.token,
            Some(&form),
            crate::web::form_expired(v.lang),
        );
    }
    let consent = crate::members::Verification {
        privacy_policy: form.privacy.is_some(),
        newsletter: form.newsletter.is_some(),
    };
    match crate::members::verify(&app, &form.token, consent).await {
        Ok((secret, expires)) => v.signed_in(req, &secret, expires, "/profile?welcome=1"),
        Err(e) => refused(&v, &VERIFY, &form, e),
    }
}

/// `GET /invitation`: join the household that invited you.
#[handler]
pub fn invitation_page(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    show(
        &v,
        StatusCode::OK,
        &INVITATION,
        &q.token,
        None,
        Default::default(),
    )
}

/// `POST /invitation`: the partner joins (and is signed in here).
#[handler]
pub async fn accept_invitation(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &INVITATION,
            &form.token,
            Some(&form),
            crate::web::form_expired(v.lang),
        );
    }
    let acceptance = crate::households::Acceptance {
        language: Some(v.lang),
        privacy_policy: form.privacy.is_some(),
        newsletter: form.newsletter.is_some(),
    };
    match crate::households::accept_invitation(&app, &form.token, acceptance).await {
        Ok((secret, expires, _)) => v.signed_in(req, &secret, expires, "/household"),
        Err(e) => refused(&v, &INVITATION, &form, e),
    }
}

/// `GET /newsletter/confirm`
#[handler]
pub fn newsletter_page(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    show(
        &v,
        StatusCode::OK,
        &NEWSLETTER,
        &q.token,
        None,
        Default::default(),
    )
}

/// `POST /newsletter/confirm`: the subscription becomes active.
#[handler]
pub async fn confirm_newsletter(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &NEWSLETTER,
            &form.token,
            None,
            crate::web::form_expired(v.lang),
        );
    }
    match crate::newsletter::confirm(&app, &form.token).await {
        Ok(_) => v.redirect("/newsletter/confirmed"),
        Err(e) => refused(&v, &NEWSLETTER, &form, e),
    }
}

/// `GET /newsletter/confirmed`
#[handler]
pub fn newsletter_confirmed(v: Visitor) -> Response {
    v.message(
        StatusCode::OK,
        "newsletter-confirmed-title",
        "newsletter-confirmed-text",
    )
}

/// `GET /change-email`
#[handler]
pub fn change_email_page(v: Visitor, Query(q): Query<TokenQuery>) -> Response {
    show(
        &v,
        StatusCode::OK,
        &CHANGE_EMAIL,
        &q.token,
        None,
        Default::default(),
    )
}

/// `POST /change-email`: the new address is the member's from now on.
#[handler]
pub async fn confirm_email(
    req: &Request,
    v: Visitor,
    app: Data<&App>,
    Form(form): Form<LandingForm>,
) -> Response {
    if !v.form_ok(req, &form.csrf) {
        return show(
            &v,
            StatusCode::FORBIDDEN,
            &CHANGE_EMAIL,
            &form.token,
            None,
            crate::web::form_expired(v.lang),
        );
    }
    match crate::members::email_change::confirm(&app, &form.token).await {
        Ok(_) => v.redirect("/change-email/done"),
        Err(e) => refused(&v, &CHANGE_EMAIL, &form, e),
    }
}

/// `GET /change-email/done`
#[handler]
pub fn email_changed(v: Visitor) -> Response {
    v.message(
        StatusCode::OK,
        "change-email-done-title",
        "change-email-done-text",
    )
}
